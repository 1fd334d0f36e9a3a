//! The netkit agent at a site, and the coordinator that talks to agents.
//!
//! A live network's acceptance test runs each check from its own source: checks
//! whose source is this machine run here, the others on the `netkit agent` of
//! their source (SPEC.md "Live networks: agents at the sites").
//!
//! - [`proto`]: the protocol `netkit-agent/1` (greeting, length-prefixed JSON,
//!   mutual HMAC-SHA256 challenge-response on every connection).
//! - [`server::serve`]: what `netkit agent` runs: runs checks for an authenticated
//!   coordinator with the same code as a local run (`netkit_verify::checks::run_unit`),
//!   each within its deadline, and streams results back as they finish; serves the
//!   far end of bandwidth tests (`netkit-bw/1`, from `netkit-bandwidth`) on the
//!   same port.
//! - [`client::connect`]: an authenticated connection to an agent.
//! - [`coordinator::run`]: `netkit verify --target live`: groups the checks by the
//!   agent of their source, one connection per agent, all agents at once (bounded),
//!   merged in playbook order; faults become `error` verdicts naming the agent.
//! - [`allow`]: where an agent may send probes (`--allow`, default RFC 1918 and
//!   RFC 4193).
//!
//! Dependencies: this crate depends on `netkit-verify` (checks, units, context) and
//! `netkit-bandwidth` (tests, token); neither depends on it. The CLI uses it for
//! `netkit agent` and for the live target of `netkit verify`.
//!
//! Not for: deciding verdicts (that is `netkit-verify`, run here or at the agent),
//! measuring throughput (`netkit-bandwidth`), or terminal output (the CLI).

pub mod allow;
pub mod client;
pub mod coordinator;
pub mod log;
pub mod proto;
pub mod server;

pub use allow::AllowList;
pub use coordinator::{AgentEvent, Options, Outcome};
pub use server::ServerConfig;

/// Default TCP port of `netkit agent` (both protocols).
pub const DEFAULT_PORT: u16 = netkit_bandwidth::DEFAULT_AGENT_PORT;
