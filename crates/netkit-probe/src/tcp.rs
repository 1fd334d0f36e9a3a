//! TCP connect probe: does `addr:port` accept a connection from the source, and how
//! fast. Distinguishes refused (a RST came back: the host is there, nothing
//! listens), timed out (nothing came back: dropped on the way or filtered) and
//! unreachable (an ICMP error came back).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;
use socket2::{Domain, Protocol, Socket, Type};

use crate::{Error, ProbeSettings, RateLimiter, Result, place};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TcpOutcome {
    /// The three-way handshake completed.
    Open,
    /// The peer answered with a reset.
    Refused,
    /// No answer within the timeout, on every try.
    Timeout,
    /// An ICMP error came back (no route, host or network unreachable, prohibited).
    Unreachable,
}

/// What a TCP connect probe measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TcpFigure {
    pub outcome: TcpOutcome,
    /// Connect time of the successful try, milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    pub tries: u32,
    /// The system's words for a refused or unreachable connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Open a TCP socket in namespace `ns` (on a dedicated thread), not yet connected.
///
/// # Errors
/// The namespace cannot be entered or the socket cannot be created.
pub async fn socket_in(ns: Option<&str>, v6: bool) -> Result<tokio::net::TcpSocket> {
    let open = move || -> std::io::Result<Socket> {
        let s = Socket::new(
            if v6 { Domain::IPV6 } else { Domain::IPV4 },
            Type::STREAM.cloexec(),
            Some(Protocol::TCP),
        )?;
        s.set_nonblocking(true)?;
        Ok(s)
    };
    // In this namespace a socket is one system call: no thread for it (10,000
    // concurrent checks would queue on the blocking pool).
    if ns.is_none() {
        let sock = open().map_err(|source| Error::Socket {
            what: "TCP",
            place: place(ns),
            source,
        })?;
        return Ok(tokio::net::TcpSocket::from_std_stream(sock.into()));
    }
    let owned = ns.map(str::to_owned);
    let made = tokio::task::spawn_blocking(move || netkit_netns::run_in(owned.as_deref(), open))
        .await
        .map_err(|e| Error::Task {
            what: e.to_string(),
        })??;
    let sock = made.map_err(|source| Error::Socket {
        what: "TCP",
        place: place(ns),
        source,
    })?;
    Ok(tokio::net::TcpSocket::from_std_stream(sock.into()))
}

/// Connect from namespace `ns` to `addr`, up to `settings.tries` times while the
/// tries time out. A refusal or an ICMP error ends the probe at once (retrying
/// would only get the same answer). The connection is closed right away.
///
/// # Errors
/// Only when the probe could not run (namespace, socket); the network's answers
/// are in the figure.
pub async fn connect(
    ns: Option<&str>,
    addr: SocketAddr,
    settings: ProbeSettings,
    limiter: &RateLimiter,
) -> Result<TcpFigure> {
    let tries = settings.tries.max(1);
    let mut fig = TcpFigure {
        outcome: TcpOutcome::Timeout,
        latency_ms: None,
        tries: 0,
        error: None,
    };
    for _ in 0..tries {
        let sock = socket_in(ns, addr.is_ipv6()).await?;
        limiter.acquire(1).await;
        fig.tries += 1;
        let started = Instant::now();
        match tokio::time::timeout(settings.timeout, sock.connect(addr)).await {
            Ok(Ok(stream)) => {
                fig.outcome = TcpOutcome::Open;
                fig.latency_ms = Some(ms(started.elapsed()));
                drop(stream);
                return Ok(fig);
            }
            Ok(Err(e)) => {
                fig.error = Some(e.to_string());
                match e.raw_os_error() {
                    Some(libc::ECONNREFUSED) => {
                        fig.outcome = TcpOutcome::Refused;
                        return Ok(fig);
                    }
                    Some(libc::EHOSTUNREACH | libc::ENETUNREACH | libc::EACCES | libc::EPERM) => {
                        fig.outcome = TcpOutcome::Unreachable;
                        return Ok(fig);
                    }
                    _ => {
                        // Anything else (e.g. ETIMEDOUT from the kernel): try again
                        // after the rest of this try's time.
                        let left = settings.timeout.saturating_sub(started.elapsed());
                        tokio::time::sleep(left.min(Duration::from_millis(200))).await;
                    }
                }
            }
            Err(_) => {}
        }
    }
    Ok(fig)
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}
