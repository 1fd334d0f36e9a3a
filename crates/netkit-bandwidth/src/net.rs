//! Opening TCP connections, optionally from inside a network namespace.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpStream;

use crate::{Error, Result};

/// Where client sockets are created: this process's namespace, or a named one.
#[derive(Debug, Clone, Default)]
pub struct Connector {
    pub netns: Option<String>,
    pub timeout: Duration,
}

impl Connector {
    pub fn new(netns: Option<String>) -> Connector {
        Connector {
            netns,
            timeout: Duration::from_secs(5),
        }
    }

    /// Connect to `addr` within the connector's timeout.
    ///
    /// # Errors
    /// [`Error::Connect`] (refused, unreachable, timed out) or a namespace error.
    pub async fn connect(&self, addr: SocketAddr, server: &'static str) -> Result<TcpStream> {
        let to = if self.timeout.is_zero() {
            Duration::from_secs(5)
        } else {
            self.timeout
        };
        let err = |source: std::io::Error| Error::Connect {
            addr: addr.to_string(),
            server,
            source,
        };
        let stream = match &self.netns {
            None => match tokio::time::timeout(to, TcpStream::connect(addr)).await {
                Ok(r) => r.map_err(err)?,
                Err(_) => {
                    return Err(err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no answer within {}s", to.as_secs()),
                    )));
                }
            },
            Some(ns) => {
                let ns = ns.clone();
                // The socket is created on a thread that entered the namespace; it
                // stays there and tokio drives it from any thread afterwards.
                let std_stream = tokio::task::spawn_blocking(move || {
                    netkit_netns::run_in(Some(&ns), move || {
                        std::net::TcpStream::connect_timeout(&addr, to)
                    })
                })
                .await
                .map_err(|e| Error::Local {
                    op: "run a connection thread".into(),
                    source: std::io::Error::other(e.to_string()),
                })??
                .map_err(err)?;
                std_stream.set_nonblocking(true).map_err(err)?;
                TcpStream::from_std(std_stream).map_err(err)?
            }
        };
        let _ = stream.set_nodelay(false);
        Ok(stream)
    }
}

/// Resolve `HOST[:PORT]` (IPv6 in brackets: `[::1]:5301`) with `default_port`.
///
/// # Errors
/// [`Error::Invalid`] when the name does not resolve or the port is not a number.
pub fn resolve(target: &str, default_port: u16) -> Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    let t = target.trim();
    if let Ok(sa) = t.parse::<SocketAddr>() {
        return Ok(sa);
    }
    if let Ok(ip) = t.trim_start_matches('[').trim_end_matches(']').parse() {
        return Ok(SocketAddr::new(ip, default_port));
    }
    let with_port = match t.rsplit_once(':') {
        Some((_, p)) if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) => {
            if p.parse::<u16>().is_err() {
                return Err(Error::Invalid(format!(
                    "port {p} in {t:?} is not a valid TCP port (1-65535)"
                )));
            }
            t.to_string()
        }
        _ => format!("{t}:{default_port}"),
    };
    with_port
        .to_socket_addrs()
        .map_err(|e| Error::Invalid(format!("cannot resolve {t:?}: {e}")))?
        .next()
        .ok_or_else(|| Error::Invalid(format!("{t:?} has no address")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_forms() {
        assert_eq!(
            resolve("127.0.0.1", 5301).unwrap(),
            "127.0.0.1:5301".parse().unwrap()
        );
        assert_eq!(
            resolve("127.0.0.1:9", 5301).unwrap(),
            "127.0.0.1:9".parse().unwrap()
        );
        assert_eq!(
            resolve("[::1]", 5201).unwrap(),
            "[::1]:5201".parse().unwrap()
        );
        assert_eq!(resolve("localhost:77", 1).unwrap().port(), 77);
        assert!(resolve("127.0.0.1:99999", 1).is_err());
    }
}
