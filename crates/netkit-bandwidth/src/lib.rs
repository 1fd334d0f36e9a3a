//! Throughput tests between two machines: the `netkit agent` server, the netkit
//! client that talks to it, and a client of stock `iperf3 -s` servers.
//!
//! What it is for:
//! - [`agent::serve`]: the long-running endpoint of `netkit agent` (authenticated,
//!   bounded in duration, streams, rate and concurrent tests; it never opens a
//!   connection itself, so it cannot be used as a reflector).
//! - [`client::run`]: one TCP throughput test against a netkit agent (N parallel
//!   streams, forward / reverse / bidirectional, omitted warm-up, 1-second intervals,
//!   retransmissions from `TCP_INFO`).
//! - [`iperf3::run`]: the same test against `iperf3 -s` (iperf3's control protocol,
//!   tested against Debian's iperf3 3.12).
//! - [`lab`]: run a test between two network namespaces (the far end served
//!   in-process), used by the `bandwidth` check.
//!
//! What it is not: a packet generator, or a UDP tool (TCP only for now).
//!
//! Figures: every threshold compares **goodput** (TCP payload bits per second as
//! counted by the receiver). The on-the-wire rate is an estimate reported next to
//! it: goodput × (path MTU + 14 bytes of Ethernet header) / MSS, e.g. 1514/1448 for
//! a 1500-byte MTU with TCP timestamps.

use std::time::Duration;

use serde::{Deserialize, Serialize};

pub mod agent;
pub mod auth;
pub mod client;
pub mod frame;
pub mod gate;
pub mod handshake;
pub mod iperf3;
pub mod lab;
mod meter;
pub mod net;
mod tcpinfo;
pub mod wire;

pub use auth::Token;

/// Default TCP port of `netkit agent` (iperf3 uses 5201).
pub const DEFAULT_AGENT_PORT: u16 = 5301;
/// Default TCP port of `iperf3 -s`.
pub const DEFAULT_IPERF3_PORT: u16 = 5201;
/// Default size of one write on a data stream (iperf3's default for TCP).
pub const DEFAULT_BLOCK_SIZE: u32 = 128 * 1024;
/// Environment variable that may hold the agent token.
pub const TOKEN_ENV: &str = "NETKIT_AGENT_TOKEN";

/// Errors of a throughput test. Every message names the peer and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot connect to {addr}: {source} (is `{server}` running there and the port open?)")]
    Connect {
        addr: String,
        server: &'static str,
        source: std::io::Error,
    },
    #[error("{addr} refused the test: {message}")]
    Refused { addr: String, message: String },
    #[error("authentication with {addr} failed: {message}")]
    Auth { addr: String, message: String },
    #[error("{addr} does not speak the expected protocol: {message}")]
    Protocol { addr: String, message: String },
    #[error("connection to {addr} failed while {op}: {source}")]
    Io {
        addr: String,
        op: &'static str,
        source: std::io::Error,
    },
    #[error("{addr} did not answer in time while {op}")]
    Timeout { addr: String, op: &'static str },
    #[error("invalid test: {0}")]
    Invalid(String),
    #[error(transparent)]
    Netns(#[from] netkit_netns::Error),
    #[error("cannot {op}: {source}")]
    Local { op: String, source: std::io::Error },
}

impl Error {
    /// The peer could not be reached or refused us (the CLI's exit code 2).
    pub fn is_connect_or_auth(&self) -> bool {
        matches!(
            self,
            Error::Connect { .. } | Error::Refused { .. } | Error::Auth { .. }
        )
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Which way the payload flows, seen from the client (the side that starts the test).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The client sends, the server receives (iperf3's default).
    #[default]
    Forward,
    /// The server sends, the client receives (iperf3 `-R`).
    Reverse,
    /// Both at once, on separate streams (iperf3 `--bidir`).
    Bidir,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Forward => "forward",
            Direction::Reverse => "reverse",
            Direction::Bidir => "bidir",
        }
    }

    /// Parse `forward` (also `send`, `upload`, `from-to`), `reverse` (`receive`,
    /// `download`, `to-from`) or `bidir` (`both`).
    pub fn parse(s: &str) -> Option<Direction> {
        match s.trim().to_ascii_lowercase().as_str() {
            "forward" | "send" | "upload" | "from-to" | "normal" => Some(Direction::Forward),
            "reverse" | "receive" | "download" | "to-from" => Some(Direction::Reverse),
            "bidir" | "both" | "bidirectional" => Some(Direction::Bidir),
            _ => None,
        }
    }

    pub fn client_sends(self) -> bool {
        matches!(self, Direction::Forward | Direction::Bidir)
    }

    pub fn server_sends(self) -> bool {
        matches!(self, Direction::Reverse | Direction::Bidir)
    }
}

/// What to measure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestSpec {
    /// Parallel TCP streams per direction.
    pub streams: u16,
    /// Measured time in milliseconds (after the warm-up, like iperf3's `-t`).
    pub duration_ms: u64,
    /// Warm-up before the measured time: shown in the intervals, left out of the
    /// final figure (iperf3's `-O`). The test lasts `omit + duration`.
    #[serde(default)]
    pub omit_ms: u64,
    pub direction: Direction,
    /// Bytes per write.
    #[serde(default = "default_block")]
    pub block_size: u32,
}

fn default_block() -> u32 {
    DEFAULT_BLOCK_SIZE
}

impl Default for TestSpec {
    fn default() -> Self {
        TestSpec {
            streams: 1,
            duration_ms: 5000,
            omit_ms: 0,
            direction: Direction::Forward,
            block_size: DEFAULT_BLOCK_SIZE,
        }
    }
}

impl TestSpec {
    pub fn duration(&self) -> Duration {
        Duration::from_millis(self.duration_ms)
    }

    pub fn omit(&self) -> Duration {
        Duration::from_millis(self.omit_ms)
    }

    /// Warm-up plus measured time.
    pub fn total(&self) -> Duration {
        Duration::from_millis(self.omit_ms.saturating_add(self.duration_ms))
    }

    /// Checks that hold whatever the server: at least one stream, a duration of at
    /// least 100 ms, a warm-up of at most an hour, a sane block size.
    ///
    /// # Errors
    /// [`Error::Invalid`] with a sentence saying which value to change.
    pub fn validate(&self) -> Result<()> {
        if self.streams == 0 {
            return Err(Error::Invalid("streams must be at least 1".into()));
        }
        if self.streams > 128 {
            return Err(Error::Invalid(format!(
                "{} streams is too many: use at most 128",
                self.streams
            )));
        }
        if self.duration_ms < 100 {
            return Err(Error::Invalid(
                "the duration must be at least 100ms (e.g. 5s)".into(),
            ));
        }
        if self.omit_ms > 3_600_000 || self.duration_ms > 86_400_000 {
            return Err(Error::Invalid(format!(
                "a warm-up of {} and a duration of {} are too long: keep the warm-up under 1h and the duration under 24h",
                fmt_duration(self.omit()),
                fmt_duration(self.duration())
            )));
        }
        if !(1024..=4 * 1024 * 1024).contains(&self.block_size) {
            return Err(Error::Invalid(format!(
                "block size {} is out of range: use 1 KiB to 4 MiB",
                self.block_size
            )));
        }
        Ok(())
    }
}

/// Which server the client talked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Tool {
    /// A `netkit agent`.
    #[default]
    Netkit,
    /// A stock `iperf3 -s`.
    Iperf3,
}

impl Tool {
    pub fn as_str(self) -> &'static str {
        match self {
            Tool::Netkit => "netkit",
            Tool::Iperf3 => "iperf3",
        }
    }

    pub fn parse(s: &str) -> Option<Tool> {
        match s.trim().to_ascii_lowercase().as_str() {
            "netkit" | "agent" => Some(Tool::Netkit),
            "iperf3" | "iperf" => Some(Tool::Iperf3),
            _ => None,
        }
    }
}

/// The figures of one direction over some time span.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flow {
    /// Payload bytes counted by the receiver (by the sender when `measured_by` is
    /// `sender`, which happens only in live intervals against iperf3).
    pub bytes: u64,
    pub seconds: f64,
    /// Payload bits per second: what thresholds compare.
    pub goodput_bps: f64,
    /// Estimated bits per second on the wire (Ethernet header included).
    pub wire_bps: f64,
    /// TCP retransmissions of the sending side, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retransmits: Option<u64>,
    /// `receiver` or `sender`.
    pub measured_by: String,
}

/// One reporting interval (1 s, except around the warm-up and at the end).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Seconds since the test started.
    pub start: f64,
    pub end: f64,
    /// Inside the omitted warm-up: shown, not counted in the final figure.
    pub omitted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward: Option<Flow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverse: Option<Flow>,
}

/// The result of one test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub tool: Tool,
    /// `ADDR:PORT` of the server.
    pub server: String,
    pub protocol: String,
    pub streams: u16,
    pub direction: Direction,
    pub duration_s: f64,
    pub omit_s: f64,
    pub intervals: Vec<Interval>,
    /// Client to server, over the measured window (warm-up excluded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forward: Option<Flow>,
    /// Server to client.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reverse: Option<Flow>,
    /// The figure a threshold compares: goodput of the tested direction (with
    /// `bidir`, the lower of the two).
    pub goodput_bps: f64,
    /// The on-the-wire estimate that goes with `goodput_bps`.
    pub wire_bps: f64,
    /// Sum of the retransmissions of the tested directions, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retransmits: Option<u64>,
    /// TCP maximum segment size and path MTU seen on a data stream.
    pub mss: u32,
    pub mtu: u32,
    /// Always `goodput`: which figure `min` thresholds are compared with.
    pub threshold_compares: String,
}

impl Report {
    /// Human summary line: `94.12 Mbit/s goodput (98.40 Mbit/s on the wire), 12 retransmits`.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} goodput ({} on the wire)",
            fmt_rate(self.goodput_bps),
            fmt_rate(self.wire_bps)
        );
        if let Some(r) = self.retransmits {
            s.push_str(&format!(", {r} retransmits"));
        }
        s
    }
}

/// On-the-wire bytes per payload byte for a TCP stream with this MSS and path MTU:
/// (MTU + 14-byte Ethernet header) / MSS. 1514/1448 for a 1500-byte MTU with TCP
/// timestamps. Returns 1.0 when either is unknown.
pub fn wire_factor(mss: u32, mtu: u32) -> f64 {
    if mss == 0 || mtu == 0 || mtu < mss {
        return 1.0;
    }
    f64::from(mtu + 14) / f64::from(mss)
}

pub(crate) fn flow(
    bytes: u64,
    seconds: f64,
    retransmits: Option<u64>,
    factor: f64,
    by: &str,
) -> Flow {
    let goodput = if seconds > 0.0 {
        bytes as f64 * 8.0 / seconds
    } else {
        0.0
    };
    Flow {
        bytes,
        seconds,
        goodput_bps: goodput,
        wire_bps: goodput * factor,
        retransmits,
        measured_by: by.to_string(),
    }
}

/// Parse a duration: `5s`, `500ms`, `1.5s`, `2m`, or a bare number of seconds, up to
/// 24 h (the one grammar of `netkit-units`).
pub fn parse_duration(s: &str) -> Option<Duration> {
    netkit_units::parse_duration(s).ok()
}

/// Parse a rate in bits per second: `90Mbps`, `90 Mbit/s`, `1Gbps`, `500k`, `100M`.
/// Decimal prefixes (k = 1000). `MBps`/`MB/s` (bytes) are refused, as everywhere
/// (`netkit-units`).
pub fn parse_rate(s: &str) -> Option<u64> {
    netkit_units::parse_rate(s).ok()
}

/// `94.12 Mbit/s`: the one rate format of netkit (`netkit-units`).
pub fn fmt_rate(bps: f64) -> String {
    netkit_units::format_rate(bps)
}

/// `5s`, `1.5s`, `250ms`.
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{:.3}s", d.as_secs_f64())
    }
}

/// `12.3 MB` (decimal).
pub fn fmt_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.2} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{b} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse() {
        assert_eq!(parse_rate("90Mbps"), Some(90_000_000));
        assert_eq!(parse_rate("90 Mbit/s"), Some(90_000_000));
        assert_eq!(parse_rate("1Gbps"), Some(1_000_000_000));
        assert_eq!(parse_rate("1.5G"), Some(1_500_000_000));
        assert_eq!(parse_rate("500k"), Some(500_000));
        // Bytes are refused, as in topologies and playbooks (netkit-units).
        assert_eq!(parse_rate("10MBps"), None);
        assert_eq!(parse_rate("fast"), None);
        assert_eq!(parse_rate("10 parsecs"), None);
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration("soon"), None);
    }

    #[test]
    fn wire_factor_of_ethernet() {
        let f = wire_factor(1448, 1500);
        assert!((f - 1514.0 / 1448.0).abs() < 1e-12);
        assert_eq!(wire_factor(0, 1500), 1.0);
    }

    #[test]
    fn spec_validation_names_the_value() {
        let mut s = TestSpec::default();
        assert!(s.validate().is_ok());
        s.omit_ms = 7_200_000;
        let e = s.validate().unwrap_err().to_string();
        assert!(e.contains("warm-up"), "{e}");
        s.omit_ms = 0;
        s.streams = 0;
        assert!(s.validate().is_err());
    }

    #[test]
    fn directions_parse() {
        assert_eq!(Direction::parse("reverse"), Some(Direction::Reverse));
        assert_eq!(Direction::parse("both"), Some(Direction::Bidir));
        assert_eq!(Direction::parse("sideways"), None);
    }
}
