//! The data path and the clock: streams that send or receive as fast as TCP lets
//! them, counters they update, and a meter that snapshots the counters at fixed
//! offsets from the start (every second, at the end of the warm-up, at the end).

use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::frame::{Part, Totals};
use crate::tcpinfo::tcp_info;

/// How often a sender reads `TCP_INFO` for retransmissions.
const TCP_INFO_EVERY: Duration = Duration::from_millis(100);

/// Per-stream figures.
#[derive(Debug, Default)]
pub struct StreamStat {
    pub bytes: AtomicU64,
    pub retrans: AtomicU64,
    pub sending: bool,
}

/// Counters of one side of a test.
#[derive(Debug, Default)]
pub struct Counters {
    pub streams: Vec<StreamStat>,
    pub mss: AtomicU32,
    pub mtu: AtomicU32,
}

/// Counter values at one offset from the start.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Snapshot {
    /// The offset the snapshot was due at.
    pub at: Duration,
    /// The offset it was actually taken at.
    pub taken: Duration,
    pub received: u64,
    pub sent: u64,
    pub retrans: u64,
}

impl Counters {
    /// `sending[i]` says whether stream `i` of this side sends.
    pub fn new(sending: &[bool]) -> Arc<Counters> {
        Arc::new(Counters {
            streams: sending
                .iter()
                .map(|&s| StreamStat {
                    sending: s,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
    }

    pub fn snapshot(&self, at: Duration) -> Snapshot {
        let mut s = Snapshot {
            at,
            ..Default::default()
        };
        for st in &self.streams {
            let b = st.bytes.load(Ordering::Relaxed);
            if st.sending {
                s.sent += b;
                s.retrans += st.retrans.load(Ordering::Relaxed);
            } else {
                s.received += b;
            }
        }
        s
    }

    /// Record the path MTU and the payload of a full segment, once.
    fn note_path(&self, s: &TcpStream) {
        if self.mss.load(Ordering::Relaxed) == 0
            && let Some(i) = tcp_info(s.as_raw_fd())
        {
            let v6 = s.local_addr().map(|a| a.is_ipv6()).unwrap_or(false);
            self.mss.store(i.full_segment(v6), Ordering::Relaxed);
            self.mtu.store(i.pmtu, Ordering::Relaxed);
        }
    }
}

/// Offsets at which the meter snapshots: every whole second, the end of the
/// warm-up, and the end; ascending, without 0.
pub fn sample_points(duration: Duration, omit: Duration) -> Vec<Duration> {
    let mut v: Vec<Duration> = Vec::new();
    let whole = duration.as_secs();
    for s in 1..=whole.min(86_400) {
        v.push(Duration::from_secs(s));
    }
    if !omit.is_zero() {
        v.push(omit);
    }
    v.push(duration);
    v.retain(|d| *d <= duration && !d.is_zero());
    v.sort();
    v.dedup();
    v
}

/// Snapshot `counters` at `t0 + p` for each point, sending each interval's figures
/// to `tx` as it completes. Returns every snapshot, the first one at 0.
pub async fn run_meter(
    t0: Instant,
    points: Vec<Duration>,
    counters: Arc<Counters>,
    tx: Option<mpsc::Sender<Part>>,
) -> Vec<Snapshot> {
    let mut snaps = vec![Snapshot::default()];
    for (index, p) in points.into_iter().enumerate() {
        tokio::time::sleep_until(t0 + p).await;
        let s = timed_snapshot(t0, p, &counters);
        let prev = snaps[snaps.len() - 1];
        if let Some(tx) = &tx {
            // A closed receiver only means nobody wants live figures any more.
            let _ = tx.try_send(part(index, &prev, &s));
        }
        snaps.push(s);
    }
    snaps
}

/// A snapshot whose time is known within 2 ms: on a busy machine the thread may be
/// preempted between reading the clock and reading the counters, so the clock is
/// read on both sides and the snapshot retaken (a few times at most) when they
/// are too far apart.
fn timed_snapshot(t0: Instant, p: Duration, counters: &Counters) -> Snapshot {
    let mut best: Option<(Duration, Snapshot)> = None;
    for _ in 0..5 {
        let before = t0.elapsed();
        let mut s = counters.snapshot(p);
        let after = t0.elapsed();
        let gap = after.saturating_sub(before);
        s.taken = before + gap / 2;
        if gap <= Duration::from_millis(2) {
            return s;
        }
        if best.is_none_or(|(g, _)| gap < g) {
            best = Some((gap, s));
        }
    }
    // Five preemptions in a row: keep the tightest.
    best.map(|(_, s)| s).unwrap_or_default()
}

pub fn part(index: usize, a: &Snapshot, b: &Snapshot) -> Part {
    Part {
        index,
        start: a.at.as_secs_f64(),
        end: b.at.as_secs_f64(),
        seconds: b.taken.saturating_sub(a.taken).as_secs_f64(),
        received: b.received.saturating_sub(a.received),
        sent: b.sent.saturating_sub(a.sent),
        retransmits: b.retrans.saturating_sub(a.retrans),
    }
}

/// Totals over `[omit, end]` from the meter's snapshots.
pub fn totals(snaps: &[Snapshot], omit: Duration, counters: &Counters) -> Totals {
    let from = snaps
        .iter()
        .rev()
        .find(|s| s.at <= omit)
        .copied()
        .unwrap_or_default();
    let to = snaps.last().copied().unwrap_or_default();
    Totals {
        received: to.received.saturating_sub(from.received),
        sent: to.sent.saturating_sub(from.sent),
        retransmits: to.retrans.saturating_sub(from.retrans),
        seconds: to.taken.saturating_sub(from.taken).as_secs_f64(),
        mss: counters.mss.load(Ordering::Relaxed),
        mtu: counters.mtu.load(Ordering::Relaxed),
    }
}

/// Write `block`-sized chunks until `deadline`. With `fin`, then send FIN and
/// linger briefly; without, hand the socket back (iperf3 servers expect the
/// streams to stay open until the results are exchanged). `pace_bps` caps this
/// stream's rate. Never returns an error: a broken stream just stops counting.
pub async fn send_loop(
    mut s: TcpStream,
    deadline: Instant,
    counters: Arc<Counters>,
    slot: usize,
    block: usize,
    pace_bps: Option<f64>,
    fin: bool,
) -> Option<TcpStream> {
    let fd = s.as_raw_fd();
    counters.note_path(&s);
    let buf = payload(block);
    let stat = &counters.streams[slot];
    let started = Instant::now();
    let mut sent: u64 = 0;
    let mut next_info = Instant::now() + TCP_INFO_EVERY;
    loop {
        if let Some(rate) = pace_bps {
            let due = started + Duration::from_secs_f64(sent as f64 * 8.0 / rate);
            if due >= deadline {
                tokio::time::sleep_until(deadline).await;
                break;
            }
            tokio::time::sleep_until(due).await;
        }
        match tokio::time::timeout_at(deadline, s.write(&buf)).await {
            Ok(Ok(n)) if n > 0 => {
                sent += n as u64;
                stat.bytes.fetch_add(n as u64, Ordering::Relaxed);
            }
            _ => break,
        }
        if Instant::now() >= next_info {
            next_info = Instant::now() + TCP_INFO_EVERY;
            if let Some(i) = tcp_info(fd) {
                stat.retrans
                    .store(u64::from(i.total_retrans), Ordering::Relaxed);
            }
        }
    }
    if let Some(i) = tcp_info(fd) {
        stat.retrans
            .store(u64::from(i.total_retrans), Ordering::Relaxed);
    }
    if !fin {
        return Some(s);
    }
    // FIN tells the receiver we are done; it does not wait for the peer.
    let _ = tokio::time::timeout(Duration::from_secs(1), s.shutdown()).await;
    // Keep the socket open a little so queued data is not reset by close().
    let mut sink = [0u8; 1024];
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(n) = s.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    })
    .await;
    None
}

/// Read until EOF or error, counting bytes.
/// Start one task per stream: `sending[slot]` sends until `end` (paced at `pace`
/// bits per second when given), the others receive.
pub fn spawn_streams(
    socks: impl IntoIterator<Item = (usize, TcpStream)>,
    sending: &[bool],
    end: Instant,
    counters: &Arc<Counters>,
    block: usize,
    pace: Option<f64>,
) -> tokio::task::JoinSet<()> {
    let mut streams = tokio::task::JoinSet::new();
    for (slot, s) in socks {
        let c = counters.clone();
        if sending[slot] {
            streams.spawn(async move {
                send_loop(s, end, c, slot, block, pace, true).await;
            });
        } else {
            streams.spawn(recv_loop(s, c, slot, block));
        }
    }
    streams
}

pub async fn recv_loop(mut s: TcpStream, counters: Arc<Counters>, slot: usize, block: usize) {
    counters.note_path(&s);
    let mut buf = vec![0u8; block.max(16 * 1024)];
    let stat = &counters.streams[slot];
    loop {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                stat.bytes.fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
}

/// A block of incompressible-looking bytes (xorshift), so that nothing on the path
/// can shrink it.
fn payload(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_cover_whole_seconds_warmup_and_end() {
        let p = sample_points(Duration::from_millis(2500), Duration::from_millis(500));
        assert_eq!(
            p,
            vec![
                Duration::from_millis(500),
                Duration::from_secs(1),
                Duration::from_secs(2),
                Duration::from_millis(2500)
            ]
        );
        assert_eq!(
            sample_points(Duration::from_secs(2), Duration::ZERO),
            vec![Duration::from_secs(1), Duration::from_secs(2)]
        );
    }

    #[test]
    fn totals_leave_out_the_warmup() {
        let c = Counters::new(&[false]);
        let snaps = vec![
            Snapshot::default(),
            Snapshot {
                at: Duration::from_secs(1),
                taken: Duration::from_millis(1010),
                received: 100,
                ..Default::default()
            },
            Snapshot {
                at: Duration::from_secs(3),
                taken: Duration::from_millis(3010),
                received: 500,
                ..Default::default()
            },
        ];
        let t = totals(&snaps, Duration::from_secs(1), &c);
        assert_eq!(t.received, 400);
        assert!((t.seconds - 2.0).abs() < 1e-9);
    }
}
