//! A client of stock `iperf3 -s` servers (TCP), speaking iperf3's control protocol
//! as in esnet/iperf `src/iperf_api.c` and `iperf_client_api.c`, tested against
//! Debian's iperf3 3.12:
//!
//! 1. control connection; the client sends a 37-byte cookie (36 base32 characters
//!    and a NUL);
//! 2. the server sends state bytes; `PARAM_EXCHANGE` (9): the client sends its
//!    parameters as JSON preceded by a 4-byte big-endian length;
//! 3. `CREATE_STREAMS` (10): the client opens one TCP connection per stream (its
//!    sending streams first in `--bidir`), each starting with the cookie; stream ids
//!    are 1, 3, 4, 5... (iperf3 numbers them that way);
//! 4. `TEST_START` (1), `TEST_RUNNING` (2): data flows; the client keeps the clock
//!    and sends `TEST_END` (4) after warm-up + duration;
//! 5. `EXCHANGE_RESULTS` (13): the client sends its results JSON, then reads the
//!    server's; `DISPLAY_RESULTS` (14): the client answers `IPERF_DONE` (16).
//!
//! `ACCESS_DENIED` (-1) means the server is busy with another client;
//! `SERVER_ERROR` (-2) is followed by iperf3's error number and errno.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::Rng;
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::client::{assemble, factor_of};
use crate::frame::Part;
use crate::meter::{self, Counters};
use crate::net::Connector;
use crate::{Direction, Error, Interval, Report, Result, TestSpec, Tool, flow, wire_factor};

const SERVER: &str = "iperf3 -s";
pub const TEST_START: i8 = 1;
pub const TEST_RUNNING: i8 = 2;
pub const TEST_END: i8 = 4;
pub const PARAM_EXCHANGE: i8 = 9;
pub const CREATE_STREAMS: i8 = 10;
pub const SERVER_TERMINATE: i8 = 11;
pub const CLIENT_TERMINATE: i8 = 12;
pub const EXCHANGE_RESULTS: i8 = 13;
pub const DISPLAY_RESULTS: i8 = 14;
pub const IPERF_DONE: i8 = 16;
pub const ACCESS_DENIED: i8 = -1;
pub const SERVER_ERROR: i8 = -2;

/// Length of iperf3's cookie, NUL included.
pub const COOKIE_SIZE: usize = 37;
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
/// Largest results JSON accepted from a server.
const MAX_JSON: usize = 1024 * 1024;
/// The protocol version this client announces.
const CLIENT_VERSION: &str = "3.12";

/// A fresh cookie: 36 characters of iperf3's base32 alphabet and a NUL.
pub fn make_cookie() -> [u8; COOKIE_SIZE] {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut rng = rand::rng();
    let mut c = [0u8; COOKIE_SIZE];
    for b in c.iter_mut().take(COOKIE_SIZE - 1) {
        *b = ALPHABET[rng.random_range(0..32)];
    }
    c
}

/// iperf3's stream ids, in creation order: 1, 3, 4, 5...
pub fn stream_id(k: usize) -> i64 {
    if k == 0 { 1 } else { k as i64 + 2 }
}

/// The parameters JSON the client sends in `PARAM_EXCHANGE`.
pub fn params(spec: &TestSpec) -> Value {
    let mut p = json!({
        "tcp": true,
        "omit": spec.omit_ms / 1000,
        "time": spec.duration_ms / 1000,
        "num": 0,
        "blockcount": 0,
        "parallel": spec.streams,
        "len": spec.block_size,
        "pacing_timer": 1000,
        "client_version": CLIENT_VERSION,
    });
    match spec.direction {
        Direction::Forward => {}
        Direction::Reverse => p["reverse"] = json!(true),
        Direction::Bidir => p["bidirectional"] = json!(true),
    }
    p
}

async fn write_json<W: AsyncWrite + Unpin>(w: &mut W, v: &Value) -> std::io::Result<()> {
    let body = v.to_string().into_bytes();
    let mut buf = Vec::with_capacity(body.len() + 4);
    buf.extend_from_slice(&(body.len() as u32).to_be_bytes());
    buf.extend_from_slice(&body);
    w.write_all(&buf).await?;
    w.flush().await
}

async fn read_json<R: AsyncRead + Unpin>(r: &mut R) -> std::io::Result<Value> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len).await?;
    let n = u32::from_be_bytes(len) as usize;
    if n > MAX_JSON {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("results of {n} bytes are larger than the {MAX_JSON}-byte limit"),
        ));
    }
    let mut buf = vec![0u8; n];
    r.read_exact(&mut buf).await?;
    // iperf3 sends a NUL-free JSON text; tolerate a trailing NUL anyway.
    while buf.last() == Some(&0) {
        buf.pop();
    }
    serde_json::from_slice(&buf)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))
}

/// Process CPU time (user, system) in seconds.
fn cpu_times() -> (f64, f64) {
    // SAFETY: getrusage fills the zeroed struct; RUSAGE_SELF is always valid.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return (0.0, 0.0);
    }
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(ru.ru_utime), t(ru.ru_stime))
}

fn state_name(s: i8) -> String {
    match s {
        TEST_START => "TEST_START".into(),
        TEST_RUNNING => "TEST_RUNNING".into(),
        TEST_END => "TEST_END".into(),
        PARAM_EXCHANGE => "PARAM_EXCHANGE".into(),
        CREATE_STREAMS => "CREATE_STREAMS".into(),
        SERVER_TERMINATE => "SERVER_TERMINATE".into(),
        CLIENT_TERMINATE => "CLIENT_TERMINATE".into(),
        EXCHANGE_RESULTS => "EXCHANGE_RESULTS".into(),
        DISPLAY_RESULTS => "DISPLAY_RESULTS".into(),
        IPERF_DONE => "IPERF_DONE".into(),
        ACCESS_DENIED => "ACCESS_DENIED".into(),
        SERVER_ERROR => "SERVER_ERROR".into(),
        other => format!("state {other}"),
    }
}

/// Checks specific to iperf3: whole seconds.
fn check_spec(spec: &TestSpec) -> Result<()> {
    spec.validate()?;
    if !spec.duration_ms.is_multiple_of(1000) || !spec.omit_ms.is_multiple_of(1000) {
        return Err(Error::Invalid(
            "iperf3 counts the duration and the warm-up in whole seconds: use e.g. --duration 5s --omit 1s".into(),
        ));
    }
    Ok(())
}

async fn unexpected_state(ctl: &mut TcpStream, addr: &str, s: i8, during: &str) -> Error {
    match s {
        ACCESS_DENIED => Error::Refused {
            addr: addr.into(),
            message: "the iperf3 server is busy with another test (access denied); try again in a few seconds".into(),
        },
        SERVER_ERROR => {
            let mut b = [0u8; 8];
            let detail = match tokio::time::timeout(Duration::from_secs(2), ctl.read_exact(&mut b)).await {
                Ok(Ok(_)) => format!(
                    " (iperf3 error {}, errno {})",
                    i32::from_be_bytes([b[0], b[1], b[2], b[3]]),
                    i32::from_be_bytes([b[4], b[5], b[6], b[7]])
                ),
                _ => String::new(),
            };
            Error::Refused {
                addr: addr.into(),
                message: format!("the iperf3 server reported an error while {during}{detail}; see its log"),
            }
        }
        SERVER_TERMINATE => Error::Refused {
            addr: addr.into(),
            message: format!("the iperf3 server was terminated while {during}"),
        },
        other => Error::Protocol {
            addr: addr.into(),
            message: format!("unexpected {} while {during}", state_name(other)),
        },
    }
}

/// Run one TCP test against `iperf3 -s` at `addr`. `on_interval` sees each interval
/// as measured on this side (in forward mode, by the sender; the final figure is
/// the server's, the receiver's).
///
/// # Errors
/// Cannot connect, the server is busy or fails, a timeout, or a protocol surprise.
pub async fn run(
    addr: SocketAddr,
    spec: &TestSpec,
    connector: &Connector,
    mut on_interval: impl FnMut(&Interval),
) -> Result<Report> {
    check_spec(spec)?;
    let a = addr.to_string();
    let io = |op: &'static str| {
        let addr = a.clone();
        move |source| Error::Io { addr, op, source }
    };
    let timeout = |op: &'static str| Error::Timeout {
        addr: a.clone(),
        op,
    };
    let cookie = make_cookie();
    // An iperf3 server that just finished a test re-creates its listening socket,
    // refusing or resetting connections that arrive meanwhile: retry the first step
    // a few times before calling it a failure.
    let mut first: Option<i8> = None;
    let mut ctl = None;
    for attempt in 0..8 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let mut c = match connector.connect(addr, SERVER).await {
            Ok(c) => c,
            // Between two tests the listening socket is briefly closed: refused.
            Err(Error::Connect { ref source, .. })
                if attempt < 7 && source.kind() == std::io::ErrorKind::ConnectionRefused =>
            {
                continue;
            }
            Err(e) => return Err(e),
        };
        let _ = c.set_nodelay(true);
        let mut b = [0u8; 1];
        let step = async {
            c.write_all(&cookie).await?;
            c.read_exact(&mut b).await
        };
        match tokio::time::timeout(STEP_TIMEOUT, step).await {
            Ok(Ok(_)) => {
                first = Some(b[0] as i8);
                ctl = Some(c);
                break;
            }
            Ok(Err(e)) if attempt < 7 && e.kind() != std::io::ErrorKind::TimedOut => {}
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                return Err(Error::Protocol {
                    addr: a.clone(),
                    message: "the iperf3 server closed the connection (is it an iperf3 server?)"
                        .into(),
                });
            }
            Ok(Err(e)) => return Err(io("starting the test")(e)),
            Err(_) => return Err(timeout("waiting for the server's first state")),
        }
    }
    let (Some(mut ctl), Some(first)) = (ctl, first) else {
        return Err(timeout("starting the test"));
    };
    let mut first = Some(first);

    let n = usize::from(spec.streams);
    let mut sending: Vec<bool> = Vec::new();
    if spec.direction.client_sends() {
        sending.extend(std::iter::repeat_n(true, n));
    }
    if spec.direction.server_sends() {
        sending.extend(std::iter::repeat_n(false, n));
    }
    let counters = Counters::new(&sending);
    let mut socks: Vec<TcpStream> = Vec::new();
    let mut streams = JoinSet::new();
    let mut snaps = Vec::new();
    let mut server_results: Option<Value> = None;
    let mut cpu_start = (0.0, 0.0);
    let mut wall_start = std::time::Instant::now();
    let mut running = false;
    let mut intervals_out: Vec<Interval> = Vec::new();

    // Every state is visited at most once or twice: 16 steps is plenty.
    for _ in 0..16 {
        let mut b = [0u8; 1];
        if let Some(s) = first.take() {
            b[0] = s as u8;
        } else {
            match tokio::time::timeout(STEP_TIMEOUT, ctl.read_exact(&mut b)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return Err(Error::Protocol {
                    addr: a.clone(),
                    message: "the iperf3 server closed the connection (is it an iperf3 server, and not busy?)".into(),
                });
                }
                Ok(Err(e)) => return Err(io("reading the server's state")(e)),
                Err(_) => return Err(timeout("waiting for the server's next state")),
            }
        }
        let state = b[0] as i8;
        match state {
            PARAM_EXCHANGE => {
                write_json(&mut ctl, &params(spec))
                    .await
                    .map_err(io("sending the parameters"))?;
            }
            CREATE_STREAMS => {
                for _ in 0..sending.len() {
                    let mut s = connector.connect(addr, SERVER).await?;
                    s.write_all(&cookie).await.map_err(io("opening a stream"))?;
                    socks.push(s);
                }
            }
            TEST_START => {}
            TEST_RUNNING if !running => {
                running = true;
                cpu_start = cpu_times();
                wall_start = std::time::Instant::now();
                let t0 = Instant::now();
                let end = t0 + spec.total();
                for (slot, s) in std::mem::take(&mut socks).into_iter().enumerate() {
                    let c = counters.clone();
                    let block = spec.block_size as usize;
                    if sending[slot] {
                        streams.spawn(async move {
                            meter::send_loop(s, end, c, slot, block, None, false).await
                        });
                    } else {
                        streams.spawn(async move {
                            meter::recv_loop(s, c, slot, block).await;
                            None
                        });
                    }
                }
                let (part_tx, mut part_rx) = tokio::sync::mpsc::channel::<Part>(256);
                let mut m = tokio::spawn(meter::run_meter(
                    t0,
                    meter::sample_points(spec.total(), spec.omit()),
                    counters.clone(),
                    Some(part_tx),
                ));
                let omit = spec.omit().as_secs_f64();
                let mut emit = |p: Part| {
                    let i = local_interval(&p, spec.direction, omit, factor_of(&counters));
                    on_interval(&i);
                    i
                };
                let mut intervals = Vec::new();
                let mut early = [0u8; 1];
                loop {
                    tokio::select! {
                        Some(p) = part_rx.recv() => intervals.push(emit(p)),
                        s = &mut m => { snaps = s.unwrap_or_default(); break; }
                        r = ctl.read(&mut early) => {
                            return Err(match r {
                                Ok(1) => unexpected_state(&mut ctl, &a, early[0] as i8, "the test ran").await,
                                _ => Error::Protocol { addr: a.clone(), message: "the iperf3 server closed the control connection during the test".into() },
                            });
                        }
                    }
                }
                while let Ok(p) = part_rx.try_recv() {
                    intervals.push(emit(p));
                }
                intervals_out = intervals;
                ctl.write_all(&[TEST_END as u8])
                    .await
                    .map_err(io("sending TEST_END"))?;
            }
            EXCHANGE_RESULTS => {
                let ours = client_results(spec, &counters, &snaps, cpu_start, wall_start);
                write_json(&mut ctl, &ours)
                    .await
                    .map_err(io("sending the results"))?;
                let theirs = tokio::time::timeout(STEP_TIMEOUT, read_json(&mut ctl))
                    .await
                    .map_err(|_| timeout("waiting for the server's results"))?
                    .map_err(io("reading the server's results"))?;
                server_results = Some(theirs);
            }
            DISPLAY_RESULTS => {
                // The server may already have closed: its results are in.
                let _ = ctl.write_all(&[IPERF_DONE as u8]).await;
                // Wait (briefly) until the server closes the control connection:
                // it is ready for the next client only after that.
                let mut sink = [0u8; 64];
                let _ = tokio::time::timeout(Duration::from_secs(2), async {
                    while let Ok(n) = ctl.read(&mut sink).await {
                        if n == 0 {
                            break;
                        }
                    }
                })
                .await;
                break;
            }
            IPERF_DONE => break,
            other => {
                let during = if running {
                    "ending the test"
                } else {
                    "setting up the test"
                };
                return Err(unexpected_state(&mut ctl, &a, other, during).await);
            }
        }
    }
    // Close the data streams only now: iperf3 expects them open until the end.
    streams.abort_all();
    let Some(server) = server_results else {
        return Err(Error::Protocol {
            addr: a,
            message: "the iperf3 server ended the test without sending its results".into(),
        });
    };
    let intervals = intervals_out;
    let local = meter::totals(&snaps, spec.omit(), &counters);
    let factor = wire_factor(local.mss, local.mtu);

    // The server's streams, by id: the client's sending streams come first.
    let mut fwd_bytes = 0u64;
    let mut fwd_secs = 0f64;
    let mut rev_retrans: Option<u64> = None;
    for (k, &client_sends) in sending.iter().enumerate() {
        let id = stream_id(k);
        let Some(st) = server["streams"]
            .as_array()
            .and_then(|v| v.iter().find(|s| s["id"].as_i64() == Some(id)))
        else {
            continue;
        };
        if client_sends {
            fwd_bytes += st["bytes"].as_u64().unwrap_or(0);
            let secs =
                st["end_time"].as_f64().unwrap_or(0.0) - st["start_time"].as_f64().unwrap_or(0.0);
            fwd_secs = fwd_secs.max(secs);
        } else if let Some(r) = st["retransmits"].as_i64().filter(|r| *r >= 0) {
            *rev_retrans.get_or_insert(0) += r as u64;
        }
    }
    if fwd_secs <= 0.0 {
        fwd_secs = spec.duration().as_secs_f64();
    }
    let forward = spec.direction.client_sends().then(|| {
        flow(
            fwd_bytes,
            fwd_secs,
            Some(local.retransmits),
            factor,
            "receiver",
        )
    });
    let reverse = spec.direction.server_sends().then(|| {
        flow(
            local.received,
            local.seconds,
            rev_retrans,
            factor,
            "receiver",
        )
    });
    Ok(assemble(
        Tool::Iperf3,
        a,
        spec,
        intervals,
        forward,
        reverse,
        local.mss,
        local.mtu,
    ))
}

fn local_interval(p: &Part, direction: Direction, omit: f64, factor: f64) -> Interval {
    let secs = if p.seconds > 0.0 {
        p.seconds
    } else {
        (p.end - p.start).max(0.0)
    };
    Interval {
        start: p.start,
        end: p.end,
        omitted: p.end <= omit + 1e-9,
        forward: direction
            .client_sends()
            .then(|| flow(p.sent, secs, Some(p.retransmits), factor, "sender")),
        reverse: direction
            .server_sends()
            .then(|| flow(p.received, secs, None, factor, "receiver")),
    }
}

/// The results JSON iperf3 servers expect from a client.
fn client_results(
    spec: &TestSpec,
    counters: &Counters,
    snaps: &[meter::Snapshot],
    cpu_start: (f64, f64),
    wall_start: std::time::Instant,
) -> Value {
    let (u1, s1) = cpu_times();
    let wall = wall_start.elapsed().as_secs_f64().max(1e-6);
    let user = (u1 - cpu_start.0).max(0.0) / wall * 100.0;
    let system = (s1 - cpu_start.1).max(0.0) / wall * 100.0;
    let tot = meter::totals(snaps, spec.omit(), counters);
    let last = snaps.last().copied().unwrap_or_default();
    // Per-stream figures over the measured window: each stream's share of the total.
    let share = |sending: bool| -> f64 {
        let all = if sending { last.sent } else { last.received };
        let win = if sending { tot.sent } else { tot.received };
        if all == 0 {
            0.0
        } else {
            win as f64 / all as f64
        }
    };
    let streams: Vec<Value> = counters
        .streams
        .iter()
        .enumerate()
        .map(|(k, st)| {
            let bytes =
                (st.bytes.load(Ordering::Relaxed) as f64 * share(st.sending)).round() as u64;
            let retrans = if st.sending {
                st.retrans.load(Ordering::Relaxed) as i64
            } else {
                -1
            };
            json!({
                "id": stream_id(k),
                "bytes": bytes,
                "retransmits": retrans,
                "jitter": 0,
                "errors": 0,
                "omitted_errors": 0,
                "packets": 0,
                "omitted_packets": 0,
                "start_time": 0,
                "end_time": spec.duration().as_secs_f64(),
            })
        })
        .collect();
    json!({
        "cpu_util_total": user + system,
        "cpu_util_user": user,
        "cpu_util_system": system,
        "sender_has_retransmits": i32::from(spec.direction.client_sends()),
        "congestion_used": "cubic",
        "streams": streams,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_shape() {
        let c = make_cookie();
        assert_eq!(c[36], 0);
        assert!(
            c[..36]
                .iter()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(b))
        );
        assert_ne!(make_cookie(), c);
    }

    #[test]
    fn stream_ids_skip_two() {
        assert_eq!((0..4).map(stream_id).collect::<Vec<_>>(), vec![1, 3, 4, 5]);
    }

    #[test]
    fn params_follow_direction() {
        let mut s = TestSpec {
            duration_ms: 3000,
            omit_ms: 1000,
            streams: 2,
            ..Default::default()
        };
        let p = params(&s);
        assert_eq!(p["time"], 3);
        assert_eq!(p["omit"], 1);
        assert_eq!(p["parallel"], 2);
        assert!(p.get("reverse").is_none());
        s.direction = Direction::Reverse;
        assert_eq!(params(&s)["reverse"], true);
        s.direction = Direction::Bidir;
        assert_eq!(params(&s)["bidirectional"], true);
    }

    #[test]
    fn fractional_seconds_are_refused() {
        let s = TestSpec {
            duration_ms: 1500,
            ..Default::default()
        };
        assert!(check_spec(&s).is_err());
    }
}
