//! Async probes on tokio: ICMP echo, TCP connect, DNS, TTL-limited path. Each probe
//! takes a deadline and retries, always returns (never hangs, never panics on what
//! the network sends), and returns a figure (latency, loss, hops), not just a yes/no.
//!
//! Sockets are opened in the namespace of the source: `netkit_netns::run_in` opens
//! them on a dedicated thread that entered the namespace, and the tokio runtime then
//! drives them from any worker (a socket belongs to the namespace it was created in).
//!
//! Not for: deciding whether a figure is good (that is `netkit-verify`), bandwidth
//! (`netkit-bandwidth`) or SNMP (`netkit-snmp`).

pub mod dns;
pub mod icmp;
pub mod rate;
pub mod sweep;
pub mod tcp;
pub mod trace;

pub use rate::RateLimiter;

use std::time::Duration;

/// How hard a probe tries: per-try timeout and number of tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeSettings {
    /// How long one try waits for an answer.
    pub timeout: Duration,
    /// Tries before giving up (at least 1).
    pub tries: u32,
}

impl Default for ProbeSettings {
    fn default() -> Self {
        ProbeSettings {
            timeout: Duration::from_secs(1),
            tries: 3,
        }
    }
}

/// Errors of the probe machinery itself (not of the network under test: an
/// unanswered probe is a figure, not an error).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Netns(#[from] netkit_netns::Error),
    #[error("cannot open {what} socket in {place}: {source}")]
    Socket {
        what: &'static str,
        place: String,
        source: std::io::Error,
    },
    #[error("the probe task for {what} stopped unexpectedly")]
    Task { what: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// Where a namespace-bound operation runs, for messages: `namespace X` or `this machine`.
pub fn place(ns: Option<&str>) -> String {
    match ns {
        Some(n) => format!("network namespace {n}"),
        None => "this machine".to_string(),
    }
}
