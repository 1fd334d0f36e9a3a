//! The agent's log: one line per event, never the token; lines about a peer are
//! escaped and rate-limited to one per peer address per interval, so that a flood
//! of refused connections writes a few lines, not megabytes. The same log as the
//! bandwidth agent's (`netkit_bandwidth::gate`).

pub use netkit_bandwidth::gate::{PeerLog, Sink};
