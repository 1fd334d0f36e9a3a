//! The wire format of `netkit-agent/1`: an 8-byte greeting ([`MAGIC`]), then JSON
//! messages each preceded by its length (4 bytes, big-endian). Before the client
//! has proved the token a message may hold at most [`MAX_HANDSHAKE_FRAME`] bytes;
//! after, at most [`MAX_SESSION_FRAME`] (the plan travels in the `session` message).
//!
//! The framing (size limits, deadlines) and the challenge-response are those of
//! `netkit-bw/1`, shared from `netkit_bandwidth::wire` and
//! `netkit_bandwidth::handshake`; only the messages and the HMAC labels differ.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use netkit_bandwidth::handshake::Labels;
use netkit_results::CheckResult;
use netkit_verify::checks::Unit;
use serde::{Deserialize, Serialize};

/// First 8 bytes of a `netkit-agent/1` connection (`netkit-bw/1` uses `NKBW1CTL`
/// and `NKBW1DAT` on the same port).
pub const MAGIC: &[u8; 8] = b"NKAG1CTL";
pub const PROTOCOL: &str = "netkit-agent/1";
/// Largest message before authentication.
pub const MAX_HANDSHAKE_FRAME: usize = 4 * 1024;
/// Largest message of an authenticated session (a plan of a few hundred sites).
pub const MAX_SESSION_FRAME: usize = 16 * 1024 * 1024;
/// HMAC labels of this protocol (different from `netkit-bw/1`'s: a proof made for
/// one protocol is worth nothing in the other).
pub const CLIENT_LABEL: &[u8] = b"netkit-agent/1 client";
pub const AGENT_LABEL: &[u8] = b"netkit-agent/1 agent";
/// Both labels, for the shared handshake (`netkit_bandwidth::handshake`).
pub const LABELS: Labels = Labels {
    client: CLIENT_LABEL,
    agent: AGENT_LABEL,
};

/// What one session may ask of the agent, as the agent announces it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Units one session may send.
    pub max_units: u32,
    /// Units run at once in one session.
    pub max_parallel: u32,
    /// Longest deadline of one unit, bandwidth tests aside.
    pub max_deadline_ms: u64,
    /// Longest bandwidth test (warm-up included).
    pub max_bandwidth_ms: u64,
    /// Most tries per probe.
    pub max_tries: u32,
    /// Longest wait of one probe try.
    pub max_probe_timeout_ms: u64,
    /// Probe packets per second of one session, at most.
    pub max_rate_pps: u32,
}

/// Probe settings a session asks for (bounded by [`Limits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    pub timeout_ms: u64,
    pub tries: u32,
    pub rate_pps: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Msg {
    /// Agent -> client, first message: the challenge.
    Hello {
        proto: String,
        /// Hex, 32 random bytes.
        nonce: String,
        /// `hmac-sha256`, or `none` (agents started with `--insecure-no-auth`).
        auth: String,
        limits: Limits,
    },
    /// Client -> agent: the answer, `HMAC(token, CLIENT_LABEL | nonce | client_nonce)`.
    Auth {
        client_nonce: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proof: Option<String>,
    },
    /// Agent -> client: authenticated; the agent's own proof,
    /// `HMAC(token, AGENT_LABEL | client_nonce | nonce)`.
    Welcome {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proof: Option<String>,
    },
    /// Client -> agent, once: what the checks are about.
    Session {
        /// The plan (`netkit-plan/1`) the units refer to.
        plan: serde_json::Value,
        /// The sources this agent stands in (segment, named host or device ids).
        sources: Vec<String>,
        probe: Probe,
        /// Where the other agents listen (bandwidth far ends), by node id.
        #[serde(default)]
        far_ends: BTreeMap<String, SocketAddr>,
    },
    /// Client -> agent: run this unit within `deadline_ms`.
    Run {
        id: u32,
        deadline_ms: u64,
        unit: Unit,
    },
    /// Client -> agent: no more units; answer `bye` once all have their results.
    End,
    /// Agent -> client: the results of unit `id`, as soon as they are known.
    Results { id: u32, results: Vec<CheckResult> },
    /// Agent -> client, every [`HEARTBEAT`] while units run.
    Alive,
    /// Agent -> client: every unit has its results.
    Bye,
    /// Either way: refused or aborted, with one sentence why. `code`: `auth`,
    /// `limit`, `busy`, `protocol`, `shutdown`.
    Error { code: String, message: String },
}

/// How often a working agent says it is alive.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

pub use netkit_bandwidth::wire::{FrameError, encode, escape, read, write};
