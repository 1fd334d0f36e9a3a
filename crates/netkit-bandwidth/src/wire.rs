//! The framing both netkit protocols share (`netkit-bw/1` here, `netkit-agent/1`
//! in `netkit-agent`): JSON messages, each preceded by its length as a 4-byte
//! big-endian integer, read with a size limit and a deadline, written with a
//! deadline.
//!
//! Framing is pure: it works on any `AsyncRead`/`AsyncWrite`, apart from the socket.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the connection was closed")]
    Closed,
    /// The announced length, and the limit it exceeds.
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
    serde_json::from_slice(&buf).map_err(|e| FrameError::Json(escape(&e.to_string())))
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

/// Messages read by a task of their own, so that a half-read frame is never lost
/// when another branch of a `select!` wins. The task stops after the first error
/// (which it passes on) and is aborted when the `Reader` is dropped.
pub struct Reader<T> {
    rx: mpsc::Receiver<Result<T, FrameError>>,
    task: JoinHandle<()>,
}

impl<T: DeserializeOwned + Send + 'static> Reader<T> {
    /// Read messages of at most `max` bytes from `r`, each within `idle`, keeping
    /// up to `capacity` of them unread.
    pub fn spawn<R: AsyncRead + Unpin + Send + 'static>(
        mut r: R,
        max: usize,
        idle: Duration,
        capacity: usize,
    ) -> Reader<T> {
        let (tx, rx) = mpsc::channel(capacity.max(1));
        let task = tokio::spawn(async move {
            loop {
                let m = read(&mut r, max, idle).await;
                let done = m.is_err();
                if tx.send(m).await.is_err() || done {
                    break;
                }
            }
        });
        Reader { rx, task }
    }

    /// The next message; `None` once the task has stopped.
    pub async fn recv(&mut self) -> Option<Result<T, FrameError>> {
        self.rx.recv().await
    }
}

impl<T> Drop for Reader<T> {
    fn drop(&mut self) {
        self.task.abort();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct M {
        code: String,
    }

    #[tokio::test]
    async fn round_trip_and_limits() {
        let (mut a, mut b) = tokio::io::duplex(64 * 1024);
        let m = M {
            code: "busy".into(),
        };
        write(&mut a, &m, Duration::from_secs(1)).await.unwrap();
        let got: M = read(&mut b, 1024, Duration::from_secs(1)).await.unwrap();
        assert_eq!(got, m);
        a.write_all(&(1_000_000u32).to_be_bytes()).await.unwrap();
        let r: Result<M, _> = read(&mut b, 1024, Duration::from_secs(1)).await;
        assert!(matches!(r, Err(FrameError::TooLarge(1_000_000, 1024))));
    }

    #[tokio::test]
    async fn garbage_is_an_error_not_a_panic() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        a.write_all(&5u32.to_be_bytes()).await.unwrap();
        a.write_all(b"\xff\x00{]x").await.unwrap();
        let r: Result<M, _> = read(&mut b, 1024, Duration::from_secs(1)).await;
        assert!(matches!(r, Err(FrameError::Json(_))));
    }

    #[tokio::test]
    async fn an_announced_length_without_its_bytes_is_closed() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        a.write_all(&100u32.to_be_bytes()).await.unwrap();
        a.write_all(b"{}").await.unwrap();
        drop(a);
        let r: Result<M, _> = read(&mut b, 1024, Duration::from_secs(1)).await;
        assert!(matches!(r, Err(FrameError::Closed)), "{r:?}");
    }

    #[test]
    fn escape_neutralises_control_characters() {
        let e = escape("evil\n2026-01-01 netkit agent: fake line\u{1b}[31m");
        assert!(!e.contains('\n') && !e.contains('\u{1b}'));
        assert!(escape(&"a".repeat(1000)).len() < 210);
    }
}
