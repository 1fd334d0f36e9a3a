//! The agent's log: one line per event, never the token; lines about a peer are
//! escaped and rate-limited to one per peer address per interval, so that a flood
//! of refused connections writes a few lines, not megabytes.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::proto::escape;

/// Where log lines go.
pub type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// Peers remembered at most (oldest forgotten first); bounds memory under a flood
/// from many addresses.
const MAX_PEERS: usize = 4096;

/// Rate-limited per-peer log.
pub struct PeerLog {
    sink: Sink,
    interval: Duration,
    peers: Mutex<HashMap<IpAddr, (Instant, u64)>>,
}

impl PeerLog {
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
        let now = Instant::now();
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_peer_per_interval() {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let l2 = lines.clone();
        let log = PeerLog::new(
            Arc::new(move |s| l2.lock().unwrap().push(s.to_string())),
            Duration::from_secs(60),
        );
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
}
