//! Admission control of an agent's port, shared by the bandwidth agent and the
//! `netkit agent` server: connections that have not authenticated yet are bounded
//! in total and per address, must send their greeting before a deadline, and the
//! lines about refused peers are escaped and rate-limited per address, so that a
//! flood of refused connections writes a few lines, not megabytes.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::wire::escape;

/// Where log lines go: one line per event, never containing the token.
pub type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// Peers remembered at most (oldest forgotten first); bounds memory under a flood
/// from many addresses.
const MAX_PEERS: usize = 4096;

/// A log whose lines about a peer are escaped and rate-limited per address.
pub struct PeerLog {
    sink: Sink,
    interval: Duration,
    peers: Mutex<HashMap<IpAddr, (std::time::Instant, u64)>>,
}

impl PeerLog {
    /// At most one line per peer address per `interval` (zero: every line).
    pub fn new(sink: Sink, interval: Duration) -> PeerLog {
        PeerLog {
            sink,
            interval,
            peers: Mutex::new(HashMap::new()),
        }
    }

    /// A line that is not about a peer (startup, shutdown): never limited.
    pub fn line(&self, line: &str) {
        (self.sink)(line);
    }

    /// A line about `peer`, written unless one was written for the same address
    /// within the interval; the next line written says how many were left out.
    pub fn peer(&self, peer: SocketAddr, line: &str) {
        let now = std::time::Instant::now();
        let suppressed = {
            let mut map = self.peers.lock().unwrap_or_else(|e| e.into_inner());
            if map.len() >= MAX_PEERS && !map.contains_key(&peer.ip()) {
                let cutoff = now.checked_sub(self.interval).unwrap_or(now);
                map.retain(|_, (t, _)| *t > cutoff);
                if map.len() >= MAX_PEERS {
                    map.clear();
                }
            }
            match map.get_mut(&peer.ip()) {
                Some((t, n)) if now.duration_since(*t) < self.interval => {
                    *n += 1;
                    return;
                }
                Some((t, n)) => {
                    let s = *n;
                    *t = now;
                    *n = 0;
                    s
                }
                None => {
                    map.insert(peer.ip(), (now, 0));
                    0
                }
            }
        };
        let more = if suppressed > 0 {
            format!(
                " ({suppressed} more line(s) about {} in the last {}s were left out)",
                peer.ip(),
                self.interval.as_secs()
            )
        } else {
            String::new()
        };
        (self.sink)(&format!("{peer}: {}{more}", escape(line)));
    }
}

/// The bounds on connections that have not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateConfig {
    /// Connections in handshake at once, in total.
    pub max_handshakes: usize,
    /// Connections in handshake at once from one address.
    pub max_handshakes_per_addr: usize,
    /// Time from accept to the greeting (the protocol may bound the rest of its
    /// handshake by the same deadline, [`Ticket::deadline`]).
    pub handshake_timeout: Duration,
    /// At most one line about a peer address per this interval (zero: all).
    pub log_interval: Duration,
}

type PerAddr = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// Admits connections into their handshake, within a [`GateConfig`].
pub struct Gate {
    config: GateConfig,
    handshakes: Arc<Semaphore>,
    per_addr: PerAddr,
    log: Arc<PeerLog>,
}

/// A connection in handshake; frees its slots when dropped (once authenticated,
/// or refused).
pub struct Ticket {
    per_addr: PerAddr,
    ip: IpAddr,
    deadline: Instant,
    _permit: OwnedSemaphorePermit,
}

impl Ticket {
    /// When the handshake must be over.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }
}

fn release(per_addr: &PerAddr, ip: IpAddr) {
    let mut m = per_addr.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = m.get_mut(&ip) {
        *n -= 1;
        if *n == 0 {
            m.remove(&ip);
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        release(&self.per_addr, self.ip);
    }
}

impl Gate {
    /// A gate whose lines go to `sink`, rate-limited by `config.log_interval`.
    pub fn new(config: GateConfig, sink: Sink) -> Gate {
        Gate {
            handshakes: Arc::new(Semaphore::new(config.max_handshakes.max(1))),
            per_addr: Arc::new(Mutex::new(HashMap::new())),
            log: Arc::new(PeerLog::new(sink, config.log_interval)),
            config,
        }
    }

    pub fn config(&self) -> &GateConfig {
        &self.config
    }

    /// The log of this port.
    pub fn log(&self) -> &Arc<PeerLog> {
        &self.log
    }

    /// A slot for a new connection from `peer`, or `None` (logged) when its address
    /// or everyone already has too many connections in handshake.
    pub fn admit(&self, peer: SocketAddr) -> Option<Ticket> {
        let per = self.config.max_handshakes_per_addr.max(1);
        {
            let mut m = self.per_addr.lock().unwrap_or_else(|e| e.into_inner());
            let n = m.entry(peer.ip()).or_insert(0);
            if *n >= per {
                drop(m);
                self.log.peer(
                    peer,
                    &format!("refused: {per} connections from this address already in handshake"),
                );
                return None;
            }
            *n += 1;
        }
        let Ok(permit) = self.handshakes.clone().try_acquire_owned() else {
            release(&self.per_addr, peer.ip());
            self.log.peer(
                peer,
                &format!(
                    "refused: {} connections already in handshake",
                    self.config.max_handshakes.max(1)
                ),
            );
            return None;
        };
        Some(Ticket {
            per_addr: self.per_addr.clone(),
            ip: peer.ip(),
            deadline: Instant::now() + self.config.handshake_timeout,
            _permit: permit,
        })
    }

    /// Read the 8-byte greeting that says which protocol `stream` speaks, before
    /// the ticket's deadline; `None` (logged when late) if it does not come.
    pub async fn greeting(
        &self,
        stream: &mut TcpStream,
        peer: SocketAddr,
        ticket: &Ticket,
    ) -> Option<[u8; 8]> {
        let mut magic = [0u8; 8];
        match tokio::time::timeout_at(ticket.deadline, stream.read_exact(&mut magic)).await {
            Ok(Ok(_)) => Some(magic),
            Ok(Err(_)) => None,
            Err(_) => {
                self.log.peer(
                    peer,
                    &format!(
                        "closed: no greeting within {:?}",
                        self.config.handshake_timeout
                    ),
                );
                None
            }
        }
    }
}

/// How long connections still running at shutdown have to end before they are
/// aborted.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Accept on `listener` until `shutdown` completes. Each connection `gate` admits
/// gets its own task, which reads its greeting ([`Gate::greeting`]) and then runs
/// `handle(stream, peer, greeting, ticket)`. Then `stopping()` is called (to tell
/// running work to stop), running connections have 3 s to end, the rest are
/// aborted. Accept errors (e.g. out of file descriptors) are logged and retried.
pub async fn serve<F, H, Fut>(
    gate: Arc<Gate>,
    listener: TcpListener,
    shutdown: F,
    handle: H,
    stopping: impl FnOnce(),
) where
    F: Future<Output = ()>,
    H: Fn(TcpStream, SocketAddr, [u8; 8], Ticket) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let handle = Arc::new(handle);
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok((mut stream, peer)) => {
                    let Some(ticket) = gate.admit(peer) else { continue };
                    let (gate, handle) = (gate.clone(), handle.clone());
                    tasks.spawn(async move {
                        if let Some(magic) = gate.greeting(&mut stream, peer, &ticket).await {
                            handle(stream, peer, magic, ticket).await;
                        }
                    });
                }
                Err(e) => {
                    gate.log.line(&format!("accept failed: {e}; retrying"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    stopping();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collecting() -> (Sink, Arc<Mutex<Vec<String>>>) {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let l2 = lines.clone();
        (
            Arc::new(move |s| l2.lock().unwrap().push(s.to_string())),
            lines,
        )
    }

    #[test]
    fn one_line_per_peer_per_interval() {
        let (sink, lines) = collecting();
        let log = PeerLog::new(sink, Duration::from_secs(60));
        let a: SocketAddr = "10.0.0.1:1000".parse().unwrap();
        let b: SocketAddr = "10.0.0.2:1000".parse().unwrap();
        for i in 0..1000 {
            log.peer(
                SocketAddr::new(a.ip(), 1000 + i),
                "refused (auth): wrong token\nforged",
            );
        }
        log.peer(b, "refused");
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(!lines[0].contains('\n'));
        assert!(lines[0].contains("\\n"));
    }

    #[test]
    fn a_zero_interval_writes_every_line() {
        let (sink, lines) = collecting();
        let log = PeerLog::new(sink, Duration::ZERO);
        let a: SocketAddr = "10.0.0.1:1000".parse().unwrap();
        for _ in 0..5 {
            log.peer(a, "refused");
        }
        assert_eq!(lines.lock().unwrap().len(), 5);
    }

    #[tokio::test]
    async fn handshakes_are_bounded_per_address_and_in_total() {
        let (sink, lines) = collecting();
        let gate = Gate::new(
            GateConfig {
                max_handshakes: 3,
                max_handshakes_per_addr: 2,
                handshake_timeout: Duration::from_secs(1),
                log_interval: Duration::ZERO,
            },
            sink,
        );
        let a: SocketAddr = "10.0.0.1:1000".parse().unwrap();
        let b: SocketAddr = "10.0.0.2:1000".parse().unwrap();
        let c: SocketAddr = "10.0.0.3:1000".parse().unwrap();
        let t1 = gate.admit(a).unwrap();
        let _t2 = gate.admit(a).unwrap();
        assert!(gate.admit(a).is_none());
        let _t3 = gate.admit(b).unwrap();
        assert!(gate.admit(c).is_none());
        drop(t1);
        assert!(gate.admit(c).is_some());
        let lines = lines.lock().unwrap();
        assert!(lines[0].contains("refused: 2 connections from this address"));
        assert!(lines[1].contains("refused: 3 connections already in handshake"));
    }
}
