//! The netkit agent protocol, `netkit-bw/1` (see the crate README for the whole
//! exchange). Every connection to the agent starts with an 8-byte magic saying what
//! it is: [`CONTROL_MAGIC`] or [`DATA_MAGIC`]. Control messages are JSON objects,
//! each preceded by its length as a 4-byte big-endian integer, at most
//! [`MAX_FRAME`] bytes (framing and its deadlines: [`crate::wire`]). Data connections carry a fixed 27-byte header, then payload.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};

use crate::{TestSpec, wire};

pub const CONTROL_MAGIC: &[u8; 8] = b"NKBW1CTL";
pub const DATA_MAGIC: &[u8; 8] = b"NKBW1DAT";
pub const PROTOCOL: &str = "netkit-bw/1";
/// Largest control message accepted, in bytes.
pub const MAX_FRAME: usize = 16 * 1024;
/// Data header after the magic: test id (16), stream index (u16 BE), role (u8).
pub const DATA_HEADER_LEN: usize = 16 + 2 + 1;
/// Role byte: the client sends on this stream.
pub const ROLE_CLIENT_SENDS: u8 = 0;
/// Role byte: the agent sends on this stream.
pub const ROLE_AGENT_SENDS: u8 = 1;

/// The limits an agent announces in its hello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub max_duration_ms: u64,
    pub max_streams: u16,
    pub max_concurrent: u16,
    /// Bits per second the agent sends at most per test (0: unlimited).
    #[serde(default)]
    pub max_rate_bps: u64,
}

/// The figures one side measured during one interval (same boundaries on both sides).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Part {
    pub index: usize,
    pub start: f64,
    pub end: f64,
    /// Seconds actually elapsed between the two snapshots (the meter may wake up
    /// late on a busy machine; rates use this, not `end - start`).
    #[serde(default)]
    pub seconds: f64,
    /// Payload bytes received on this side's receiving streams.
    pub received: u64,
    /// Payload bytes written on this side's sending streams.
    pub sent: u64,
    /// Retransmissions of this side's sending streams during the interval.
    pub retransmits: u64,
}

/// Totals one side reports at the end (warm-up excluded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Totals {
    pub received: u64,
    pub sent: u64,
    pub retransmits: u64,
    pub seconds: f64,
    pub mss: u32,
    pub mtu: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Msg {
    /// Agent -> client, first message: the challenge.
    Hello {
        proto: String,
        /// Hex, 32 random bytes.
        nonce: String,
        /// `hmac-sha256` or `none` (agents started with `--insecure-no-auth`).
        auth: String,
        limits: Limits,
    },
    /// Client -> agent: the answer to the challenge and the test wanted.
    Request {
        client_nonce: String,
        /// Hex HMAC; absent when the client has no token.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proof: Option<String>,
        test: TestSpec,
    },
    /// Agent -> client: open the data connections with this id.
    Accepted {
        test_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        proof: Option<String>,
    },
    /// Agent -> client: every data connection arrived; the clock starts now.
    Start,
    /// Agent -> client, once per interval.
    Interval { part: Part },
    /// Client -> agent: the client's clock ran out; send your totals.
    Stop,
    /// Agent -> client, last message.
    Result { totals: Totals },
    /// Either way: the test is refused or aborted, with one sentence why.
    Error {
        message: String,
        /// `auth`, `limit`, `busy`, `protocol`, `cutoff` or `shutdown`.
        #[serde(default)]
        code: String,
    },
}

pub use crate::wire::FrameError;

/// Read one message of at most [`MAX_FRAME`] bytes, waiting at most `timeout`.
///
/// # Errors
/// Closed, too large, malformed, timed out or an IO error.
pub async fn read_msg<R: AsyncRead + Unpin>(
    r: &mut R,
    timeout: Duration,
) -> Result<Msg, FrameError> {
    wire::read(r, MAX_FRAME, timeout).await
}

/// Write one message (bounded by `timeout`).
///
/// # Errors
/// The peer does not read in time, or the connection failed.
pub async fn write_msg<W: AsyncWrite + Unpin>(
    w: &mut W,
    msg: &Msg,
    timeout: Duration,
) -> std::io::Result<()> {
    wire::write(w, msg, timeout).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test]
    async fn round_trip_and_size_limit() {
        let (mut a, mut b) = tokio::io::duplex(64 * 1024);
        let m = Msg::Error {
            message: "x".into(),
            code: "busy".into(),
        };
        write_msg(&mut a, &m, Duration::from_secs(1)).await.unwrap();
        assert_eq!(read_msg(&mut b, Duration::from_secs(1)).await.unwrap(), m);
        a.write_all(&(1_000_000u32).to_be_bytes()).await.unwrap();
        assert!(matches!(
            read_msg(&mut b, Duration::from_secs(1)).await,
            Err(FrameError::TooLarge(1_000_000, MAX_FRAME))
        ));
    }
}
