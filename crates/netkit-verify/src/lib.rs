//! Acceptance tests (recette) of a network: playbooks, checks derived from the plan,
//! honest verdicts. Drives the probes of `netkit-probe` on the lab's namespaces or
//! on the live network from this machine.
//!
//! Not for: opening sockets by itself (that is `netkit-probe`), terminal output
//! (that is the CLI), or building the lab (`netkit-lab`).

pub mod checks;
pub mod context;
pub mod playbook;
pub mod resolve;

pub use context::{CheckContext, Draft, NamespaceFn, Source};
pub use playbook::{Check, Playbook, PlaybookError, Target};

/// Default packet rate limit of a run, packets per second (`--rate`).
pub const DEFAULT_RATE: u32 = 20_000;
