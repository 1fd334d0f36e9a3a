//! The wire format of `netkit-agent/1`: an 8-byte greeting ([`MAGIC`]), then JSON
//! messages each preceded by its length (4 bytes, big-endian). Before the client
//! has proved the token a message may hold at most [`MAX_HANDSHAKE_FRAME`] bytes;
//! after, at most [`MAX_SESSION_FRAME`] (the plan travels in the `session` message).
//!
//! Framing is pure: it works on any `AsyncRead`/`AsyncWrite`, apart from the socket.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use netkit_results::CheckResult;
use netkit_verify::checks::Unit;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

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

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the connection was closed")]
    Closed,
    #[error("a message of {0} bytes is larger than the {1}-byte limit")]
    TooLarge(usize, usize),
    #[error("no message in time")]
    Timeout,
    #[error("malformed message: {0}")]
    Json(String),
}

/// Read one message of at most `max` bytes, waiting at most `timeout`.
///
/// # Errors
/// Closed, too large, malformed, timed out or an IO error.
pub async fn read<T: DeserializeOwned, R: AsyncRead + Unpin>(
    r: &mut R,
    max: usize,
    timeout: Duration,
) -> Result<T, FrameError> {
    match tokio::time::timeout(timeout, read_inner(r, max)).await {
        Ok(res) => res,
        Err(_) => Err(FrameError::Timeout),
    }
}

async fn read_inner<T: DeserializeOwned, R: AsyncRead + Unpin>(
    r: &mut R,
    max: usize,
) -> Result<T, FrameError> {
    let mut len = [0u8; 4];
    if let Err(e) = r.read_exact(&mut len).await {
        return Err(if e.kind() == std::io::ErrorKind::UnexpectedEof {
            FrameError::Closed
        } else {
            FrameError::Io(e)
        });
    }
    let n = u32::from_be_bytes(len) as usize;
    if n > max {
        return Err(FrameError::TooLarge(n, max));
    }
    // Read into a buffer that grows with what arrives, not with what the peer
    // announced: a peer announcing 16 MiB and sending nothing costs nothing.
    let mut buf = Vec::with_capacity(n.min(64 * 1024));
    let got = r.take(n as u64).read_to_end(&mut buf).await?;
    if got < n {
        return Err(FrameError::Closed);
    }
    serde_json::from_slice(&buf).map_err(|e| FrameError::Json(short(&e.to_string())))
}

/// Encode one message (length + JSON).
pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    // Plain structs, strings, numbers and JSON values: serialization cannot fail.
    let body = serde_json::to_vec(msg).expect("protocol messages serialize");
    let mut buf = Vec::with_capacity(body.len() + 4);
    buf.extend_from_slice(&(body.len() as u32).to_be_bytes());
    buf.extend_from_slice(&body);
    buf
}

/// Write one message, bounded by `timeout`.
///
/// # Errors
/// The peer does not read in time, or the connection failed.
pub async fn write<T: Serialize, W: AsyncWrite + Unpin>(
    w: &mut W,
    msg: &T,
    timeout: Duration,
) -> std::io::Result<()> {
    let buf = encode(msg);
    match tokio::time::timeout(timeout, async {
        w.write_all(&buf).await?;
        w.flush().await
    })
    .await
    {
        Ok(r) => r,
        Err(_) => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the peer does not read",
        )),
    }
}

/// Text from a peer, made safe for one log line or message: control characters
/// and non-ASCII escaped, at most 200 characters.
pub fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if out.len() >= 200 {
            out.push_str("...");
            break;
        }
        if c.is_ascii_graphic() || c == ' ' {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    out
}

fn short(s: &str) -> String {
    escape(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn round_trip_and_limits() {
        let (mut a, mut b) = tokio::io::duplex(64 * 1024);
        let m = Msg::Error {
            code: "busy".into(),
            message: "x".into(),
        };
        write(&mut a, &m, Duration::from_secs(1)).await.unwrap();
        let got: Msg = read(&mut b, 1024, Duration::from_secs(1)).await.unwrap();
        assert_eq!(got, m);
        a.write_all(&(1_000_000u32).to_be_bytes()).await.unwrap();
        let r: Result<Msg, _> = read(&mut b, 1024, Duration::from_secs(1)).await;
        assert!(matches!(r, Err(FrameError::TooLarge(1_000_000, 1024))));
    }

    #[tokio::test]
    async fn garbage_is_an_error_not_a_panic() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        a.write_all(&5u32.to_be_bytes()).await.unwrap();
        a.write_all(b"\xff\x00{]x").await.unwrap();
        let r: Result<Msg, _> = read(&mut b, 1024, Duration::from_secs(1)).await;
        assert!(matches!(r, Err(FrameError::Json(_))));
    }

    #[test]
    fn escape_neutralises_control_characters() {
        let e = escape("evil\n2026-01-01 netkit agent: fake line\u{1b}[31m");
        assert!(!e.contains('\n') && !e.contains('\u{1b}'));
        assert!(escape(&"a".repeat(1000)).len() < 210);
    }
}
