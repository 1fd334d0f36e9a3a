//! The server side of `netkit-bw/1`: what `netkit agent` runs.
//!
//! Safe to leave running on a network:
//! - every test is authenticated (challenge-response HMAC-SHA256, the token never
//!   crosses the wire), unless the agent was started without a token, which the
//!   CLI only allows on a loopback address;
//! - duration, streams, concurrent tests, connections in handshake, message sizes
//!   and (optionally) the sending rate are bounded;
//! - the agent never opens a connection: data connections come from the client, and
//!   only from the address of the control connection, so it cannot be turned into a
//!   reflector toward a third address;
//! - a client that stalls is cut off (every read and write has a deadline);
//! - on shutdown it stops accepting, tells running clients, and returns.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tokio::time::Instant;

use crate::auth::{hex, random_bytes};
use crate::frame::{
    self, CONTROL_MAGIC, DATA_HEADER_LEN, DATA_MAGIC, FrameError, Limits, MAX_FRAME, Msg, PROTOCOL,
    Part, ROLE_AGENT_SENDS, ROLE_CLIENT_SENDS,
};
use crate::gate::{self, Gate, GateConfig, PeerLog, Ticket};
use crate::handshake::{self, Challenge};
use crate::meter::{self, Counters};
use crate::wire::Reader;
use crate::{Direction, Token, fmt_bytes, fmt_duration, fmt_rate};

/// How long a peer may take to send a greeting, a request, or its data connections.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long after the end of a test the client has to send `stop`.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How long a write on the control connection may block.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// A log sink: one line per event, never containing the token.
pub type LogFn = crate::gate::Sink;

/// How the agent behaves.
#[derive(Clone)]
pub struct AgentConfig {
    /// `None`: no authentication (only for loopback; the CLI enforces that).
    pub token: Option<Token>,
    pub max_duration: Duration,
    pub max_streams: u16,
    pub max_concurrent: u16,
    /// Bits per second the agent sends at most in one test (0: unlimited).
    pub max_rate_bps: u64,
    pub log: LogFn,
    /// Connections in handshake and lines about peers, when [`serve`] accepts
    /// the connections itself (an embedding server has its own, [`Service`]).
    pub gate: GateConfig,
}

impl std::fmt::Debug for AgentConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentConfig")
            .field("auth", &self.token.is_some())
            .field("max_duration", &self.max_duration)
            .field("max_streams", &self.max_streams)
            .field("max_concurrent", &self.max_concurrent)
            .field("max_rate_bps", &self.max_rate_bps)
            .finish()
    }
}

impl AgentConfig {
    /// Defaults: 60 s, 16 streams, 2 concurrent tests, no rate cap, logs to stderr;
    /// 64 connections in handshake (from any addresses), 5 s to greet, every
    /// line about a peer logged.
    pub fn new(token: Option<Token>) -> AgentConfig {
        AgentConfig {
            token,
            max_duration: Duration::from_secs(60),
            max_streams: 16,
            max_concurrent: 2,
            max_rate_bps: 0,
            log: Arc::new(|line| eprintln!("{line}")),
            gate: GateConfig {
                max_handshakes: 64,
                max_handshakes_per_addr: 64,
                handshake_timeout: HANDSHAKE_TIMEOUT,
                log_interval: Duration::ZERO,
            },
        }
    }

    fn limits(&self) -> Limits {
        Limits {
            max_duration_ms: self.max_duration.as_millis() as u64,
            max_streams: self.max_streams,
            max_concurrent: self.max_concurrent,
            max_rate_bps: self.max_rate_bps,
        }
    }
}

type DataConn = (u16, u8, TcpStream);

/// Held while a connection is in its handshake; dropped once authenticated.
pub type HandshakeGuard = Ticket;

struct Pending {
    peer: IpAddr,
    tx: mpsc::Sender<DataConn>,
}

struct Shared {
    config: AgentConfig,
    tests: Arc<Semaphore>,
    pending: Mutex<HashMap<[u8; 16], Pending>>,
    log: Arc<PeerLog>,
}

impl Shared {
    fn new(config: AgentConfig, log: Arc<PeerLog>) -> Shared {
        Shared {
            tests: Arc::new(Semaphore::new(usize::from(config.max_concurrent.max(1)))),
            pending: Mutex::new(HashMap::new()),
            config,
            log,
        }
    }

    fn log(&self, line: &str) {
        self.log.line(line);
    }

    fn log_peer(&self, peer: SocketAddr, line: &str) {
        self.log.peer(peer, line);
    }
}

/// Serve tests on `listener` until `shutdown` completes; then stop accepting, abort
/// running tests (their clients get a `shutdown` error) and return.
///
/// # Errors
/// None today: accept errors are logged and retried (e.g. out of file descriptors).
pub async fn serve<F>(
    listener: TcpListener,
    config: AgentConfig,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()>,
{
    let gate = Arc::new(Gate::new(config.gate, config.log.clone()));
    let shared = Arc::new(Shared::new(config, gate.log().clone()));
    let (stop_tx, stop_rx) = watch::channel(false);
    let sh = shared.clone();
    let handle = move |stream, peer, magic, ticket| {
        after_magic(sh.clone(), stream, peer, magic, ticket, stop_rx.clone())
    };
    gate::serve(gate, listener, shutdown, handle, || {
        let running = shared.config.max_concurrent as usize - shared.tests.available_permits();
        shared.log(&format!(
            "shutting down: {running} test(s) running are aborted"
        ));
        let _ = stop_tx.send(true);
    })
    .await;
    Ok(())
}

async fn after_magic(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    magic: [u8; 8],
    permit: HandshakeGuard,
    stop: watch::Receiver<bool>,
) {
    if &magic == CONTROL_MAGIC {
        let _ = stream.set_nodelay(true);
        control(shared, stream, peer, permit, stop).await;
    } else if &magic == DATA_MAGIC {
        data(shared, stream, peer).await;
        drop(permit);
    } else {
        shared.log_peer(peer, "closed: not a netkit client (unknown greeting; an iperf3 client? use `iperf3 -s` for those)");
    }
}

async fn data(shared: Arc<Shared>, mut stream: TcpStream, peer: SocketAddr) {
    let mut hdr = [0u8; DATA_HEADER_LEN];
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, stream.read_exact(&mut hdr)).await {
        Ok(Ok(_)) => {}
        _ => {
            shared.log_peer(peer, "data connection closed: incomplete header");
            return;
        }
    }
    let mut id = [0u8; 16];
    id.copy_from_slice(&hdr[..16]);
    let index = u16::from_be_bytes([hdr[16], hdr[17]]);
    let role = hdr[18];
    let tx = {
        // A poisoned lock only means another task panicked mid-insert; the map is
        // still usable.
        let map = shared.pending.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&id) {
            Some(p) if p.peer == peer.ip() => Some(p.tx.clone()),
            Some(p) => {
                shared.log_peer(peer, &format!(
                    "data connection refused: the test belongs to {}, data must come from the same address",
                    p.peer
                ));
                None
            }
            None => {
                shared.log_peer(peer, "data connection refused: unknown test id");
                None
            }
        }
    };
    if let Some(tx) = tx {
        let _ = tx.try_send((index, role, stream));
    }
}

/// One sentence to the client and to the log.
async fn refuse(
    shared: &Shared,
    w: &mut (impl tokio::io::AsyncWrite + Unpin),
    peer: SocketAddr,
    code: &str,
    message: String,
) {
    shared.log_peer(peer, &format!("refused ({code}): {message}"));
    let _ = frame::write_msg(
        w,
        &Msg::Error {
            message,
            code: code.into(),
        },
        WRITE_TIMEOUT,
    )
    .await;
}

fn check_limits(shared: &Shared, spec: &crate::TestSpec) -> Result<(), String> {
    if let Err(e) = spec.validate() {
        return Err(e.to_string());
    }
    let c = &shared.config;
    if spec.total() > c.max_duration {
        return Err(format!(
            "a test of {} (warm-up included) exceeds this agent's limit of {} (--max-duration)",
            fmt_duration(spec.total()),
            fmt_duration(c.max_duration)
        ));
    }
    if spec.streams > c.max_streams {
        return Err(format!(
            "{} streams exceed this agent's limit of {} (--max-streams)",
            spec.streams, c.max_streams
        ));
    }
    Ok(())
}

/// The agent's end of a control connection.
type ControlReader = tokio::net::tcp::OwnedReadHalf;
type ControlWriter = tokio::net::tcp::OwnedWriteHalf;

/// Why a running test ended early: the error code and the sentence for the client.
type Abort = (String, String);

async fn control(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    handshake_permit: HandshakeGuard,
    mut stop: watch::Receiver<bool>,
) {
    let (mut r, mut w) = stream.into_split();
    let Some(admitted) = admit(&shared, &mut r, &mut w, peer).await else {
        return;
    };
    drop(handshake_permit);
    let Admitted {
        spec,
        agent_proof,
        test_permit,
    } = admitted;

    // Register the test so that its data connections find it.
    let wanted = data_connections(&spec);
    let (unregister, mut rx) = register(&shared, peer, wanted);
    let accepted = Msg::Accepted {
        test_id: hex(&unregister.id),
        proof: agent_proof,
    };
    if frame::write_msg(&mut w, &accepted, WRITE_TIMEOUT)
        .await
        .is_err()
    {
        return;
    }

    let Some((slots, roles)) = collect_data(&shared, &mut w, peer, &spec, wanted, &mut rx).await
    else {
        return;
    };
    drop(unregister);

    // Run.
    let Some(mut running) =
        Running::start(&shared, &mut w, r, &spec, slots, &roles, test_permit).await
    else {
        return;
    };
    let outcome = running.watch(&mut w, &mut stop).await;
    running.finish(&shared, &mut w, peer, &spec, outcome).await;
}

/// A test request that passed the handshake: authenticated, within the limits,
/// and holding one of the agent's test slots.
struct Admitted {
    spec: crate::TestSpec,
    agent_proof: Option<String>,
    test_permit: OwnedSemaphorePermit,
}

/// Say hello, read the request and check it: proof, limits, a free test slot.
/// `None` once the client is refused or gone.
async fn admit(
    shared: &Shared,
    r: &mut ControlReader,
    w: &mut ControlWriter,
    peer: SocketAddr,
) -> Option<Admitted> {
    let challenge = Challenge::new();
    let token = shared.config.token.as_ref();
    let hello = Msg::Hello {
        proto: PROTOCOL.into(),
        nonce: challenge.nonce_hex(),
        auth: handshake::scheme(token).into(),
        limits: shared.config.limits(),
    };
    frame::write_msg(w, &hello, WRITE_TIMEOUT).await.ok()?;
    let (client_nonce, proof, spec) = read_request(shared, r, w, peer).await?;
    let agent_proof =
        match challenge.check(token, handshake::BANDWIDTH, &client_nonce, proof.as_deref()) {
            Ok(p) => p,
            Err(message) => {
                refuse(shared, w, peer, "auth", message).await;
                return None;
            }
        };
    if let Err(message) = check_limits(shared, &spec) {
        refuse(shared, w, peer, "limit", message).await;
        return None;
    }
    let Ok(test_permit) = shared.tests.clone().try_acquire_owned() else {
        let n = shared.config.max_concurrent;
        refuse(
            shared,
            w,
            peer,
            "busy",
            format!(
                "the agent is busy: {n} test(s) already running (limit --max-concurrent {n}); try again in a few seconds"
            ),
        )
        .await;
        return None;
    };
    Some(Admitted {
        spec,
        agent_proof,
        test_permit,
    })
}

/// The client's test request (its nonce, its proof, the test), or `None` once
/// refused or gone.
async fn read_request(
    shared: &Shared,
    r: &mut ControlReader,
    w: &mut ControlWriter,
    peer: SocketAddr,
) -> Option<(String, Option<String>, crate::TestSpec)> {
    let (code, message) = match frame::read_msg(r, HANDSHAKE_TIMEOUT).await {
        Ok(Msg::Request {
            client_nonce,
            proof,
            test,
        }) => return Some((client_nonce, proof, test)),
        Ok(_) => ("protocol", "expected a test request".to_string()),
        Err(FrameError::TooLarge(n, _)) => (
            "limit",
            format!("request of {n} bytes is larger than the {MAX_FRAME}-byte limit"),
        ),
        Err(FrameError::Timeout) => ("protocol", "no request within 5s".to_string()),
        Err(FrameError::Json(e)) => ("protocol", format!("malformed request: {e}")),
        Err(_) => {
            shared.log_peer(peer, "closed before sending a request");
            return None;
        }
    };
    refuse(shared, w, peer, code, message).await;
    None
}

/// How many data connections a test takes: one per stream and direction.
fn data_connections(spec: &crate::TestSpec) -> usize {
    let n = usize::from(spec.streams);
    n * if spec.direction == Direction::Bidir {
        2
    } else {
        1
    }
}

/// Put a new test in the registry, where its data connections find it; the
/// guard takes it out again.
fn register(
    shared: &Arc<Shared>,
    peer: SocketAddr,
    wanted: usize,
) -> (Unregister, mpsc::Receiver<DataConn>) {
    let id = random_bytes::<16>();
    let (tx, rx) = mpsc::channel::<DataConn>(wanted + 4);
    {
        let mut map = shared.pending.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(
            id,
            Pending {
                peer: peer.ip(),
                tx,
            },
        );
    }
    let unregister = Unregister {
        shared: shared.clone(),
        id,
    };
    (unregister, rx)
}

/// Collect the data connections: slot = role * streams + index in bidir mode.
/// Gives the connections by slot and the role of each, or `None` once refused.
async fn collect_data(
    shared: &Shared,
    w: &mut ControlWriter,
    peer: SocketAddr,
    spec: &crate::TestSpec,
    wanted: usize,
    rx: &mut mpsc::Receiver<DataConn>,
) -> Option<(Vec<Option<TcpStream>>, Vec<u8>)> {
    let n = usize::from(spec.streams);
    let mut slots: Vec<Option<TcpStream>> = (0..wanted).map(|_| None).collect();
    let mut roles = vec![ROLE_CLIENT_SENDS; wanted];
    let deadline = Instant::now() + HANDSHAKE_TIMEOUT;
    let mut got = 0;
    while got < wanted {
        let Ok(Some((index, role, s))) = tokio::time::timeout_at(deadline, rx.recv()).await else {
            refuse(
                shared,
                w,
                peer,
                "protocol",
                format!("only {got} of {wanted} data connections arrived within 5s"),
            )
            .await;
            return None;
        };
        let role_ok = match role {
            ROLE_CLIENT_SENDS => spec.direction.client_sends(),
            ROLE_AGENT_SENDS => spec.direction.server_sends(),
            _ => false,
        };
        let slot = if spec.direction == Direction::Bidir {
            usize::from(role) * n + usize::from(index)
        } else {
            usize::from(index)
        };
        if !role_ok || usize::from(index) >= n || slots[slot].is_some() {
            refuse(
                shared,
                w,
                peer,
                "protocol",
                format!("unexpected data connection (stream {index}, role {role})"),
            )
            .await;
            return None;
        }
        let _ = s.set_nodelay(false);
        slots[slot] = Some(s);
        roles[slot] = role;
        got += 1;
    }
    Some((slots, roles))
}

/// A test under way: its streams, its meter and the client's control messages.
struct Running {
    t0: Instant,
    end: Instant,
    counters: Arc<Counters>,
    streams: tokio::task::JoinSet<()>,
    meter: tokio::task::JoinHandle<Vec<meter::Snapshot>>,
    part_rx: mpsc::Receiver<Part>,
    msg_rx: Reader<Msg>,
    /// The agent's test slot, given back once the result is sent.
    test_permit: OwnedSemaphorePermit,
}

impl Running {
    /// Tell the client to start, and start the streams, the meter and the reader
    /// of the control connection. `None` when the client cannot be told.
    async fn start(
        shared: &Shared,
        w: &mut ControlWriter,
        r: ControlReader,
        spec: &crate::TestSpec,
        slots: Vec<Option<TcpStream>>,
        roles: &[u8],
        test_permit: OwnedSemaphorePermit,
    ) -> Option<Running> {
        let sending: Vec<bool> = roles.iter().map(|&r| r == ROLE_AGENT_SENDS).collect();
        let senders = sending.iter().filter(|&&s| s).count().max(1);
        let pace = (shared.config.max_rate_bps > 0)
            .then(|| shared.config.max_rate_bps as f64 / senders as f64);
        let counters = Counters::new(&sending);
        frame::write_msg(w, &Msg::Start, WRITE_TIMEOUT).await.ok()?;
        let t0 = Instant::now();
        let end = t0 + spec.total();
        let streams = meter::spawn_streams(
            slots
                .into_iter()
                .enumerate()
                .filter_map(|(slot, s)| Some((slot, s?))),
            &sending,
            end,
            &counters,
            spec.block_size as usize,
            pace,
        );
        let (part_tx, part_rx) = mpsc::channel(256);
        let meter = tokio::spawn(meter::run_meter(
            t0,
            meter::sample_points(spec.total(), spec.omit()),
            counters.clone(),
            Some(part_tx),
        ));
        // Control reads happen in their own task: a half-read frame must not be lost
        // when another branch of the select in `watch` wins.
        let msg_rx = Reader::<Msg>::spawn(r, MAX_FRAME, Duration::from_secs(86_400), 8);
        Some(Running {
            t0,
            end,
            counters,
            streams,
            meter,
            part_rx,
            msg_rx,
            test_permit,
        })
    }

    /// Forward the meter's intervals until the client's `stop`, or why the test
    /// ended without one.
    async fn watch(
        &mut self,
        w: &mut ControlWriter,
        stop: &mut watch::Receiver<bool>,
    ) -> Result<(), Abort> {
        let hard_deadline = self.end + STOP_GRACE;
        loop {
            tokio::select! {
                Some(part) = self.part_rx.recv() => {
                    if frame::write_msg(w, &Msg::Interval { part }, WRITE_TIMEOUT).await.is_err() {
                        break Err(("cutoff".into(), "the client stopped reading the control connection".into()));
                    }
                }
                m = self.msg_rx.recv() => match m {
                    Some(Ok(Msg::Stop)) => break Ok(()),
                    Some(Ok(_)) => break Err(("protocol".into(), "unexpected message during the test".into())),
                    Some(Err(FrameError::TooLarge(n, _))) => break Err(("limit".into(), format!("message of {n} bytes is larger than the {MAX_FRAME}-byte limit"))),
                    _ => break Err(("cutoff".into(), "the client closed the control connection during the test".into())),
                },
                _ = tokio::time::sleep_until(hard_deadline) => {
                    break Err(("cutoff".into(), format!(
                        "test cut off: the client sent no stop within {} after the end of the test",
                        fmt_duration(STOP_GRACE)
                    )));
                }
                _ = stop.changed() => {
                    break Err(("shutdown".into(), "the agent is shutting down".into()));
                }
            }
        }
    }

    /// Send the client the totals (or why the test was aborted), log one line,
    /// and stop everything the test started.
    async fn finish(
        self,
        shared: &Shared,
        w: &mut ControlWriter,
        peer: SocketAddr,
        spec: &crate::TestSpec,
        outcome: Result<(), Abort>,
    ) {
        let Running {
            t0,
            end,
            counters,
            mut streams,
            meter,
            mut part_rx,
            msg_rx,
            test_permit,
        } = self;
        let what = describe(peer, spec);
        match outcome {
            Ok(()) => {
                // The meter ends at `end`, which is no later than the client's own end.
                let snaps = match tokio::time::timeout_at(end + Duration::from_secs(1), meter).await
                {
                    Ok(Ok(s)) => s,
                    _ => Vec::new(),
                };
                while let Ok(part) = part_rx.try_recv() {
                    let _ = frame::write_msg(w, &Msg::Interval { part }, WRITE_TIMEOUT).await;
                }
                let totals = meter::totals(&snaps, spec.omit(), &counters);
                let secs = totals.seconds.max(1e-9);
                shared.log(&format!(
                    "{what}: ok: received {} ({}), sent {} ({}), {} retransmits",
                    fmt_bytes(totals.received),
                    fmt_rate(totals.received as f64 * 8.0 / secs),
                    fmt_bytes(totals.sent),
                    fmt_rate(totals.sent as f64 * 8.0 / secs),
                    totals.retransmits
                ));
                let _ = frame::write_msg(w, &Msg::Result { totals }, WRITE_TIMEOUT).await;
            }
            Err((code, message)) => {
                let snap = counters.snapshot(t0.elapsed());
                shared.log(&format!(
                    "{what}: aborted ({code}): {message}; received {}, sent {}",
                    fmt_bytes(snap.received),
                    fmt_bytes(snap.sent)
                ));
                let _ = frame::write_msg(w, &Msg::Error { message, code }, WRITE_TIMEOUT).await;
            }
        }
        drop(msg_rx);
        streams.abort_all();
        drop(test_permit);
    }
}

/// The test in words, for the log line that ends it.
fn describe(peer: SocketAddr, spec: &crate::TestSpec) -> String {
    let peer_s = peer.to_string();
    format!(
        "test from {peer_s}: {} stream(s), {}, {}{}",
        spec.streams,
        spec.direction.as_str(),
        fmt_duration(spec.duration()),
        if spec.omit_ms > 0 {
            format!(" after {} warm-up", fmt_duration(spec.omit()))
        } else {
            String::new()
        }
    )
}

/// Removes a pending test from the registry when dropped (on every path).
struct Unregister {
    shared: Arc<Shared>,
    id: [u8; 16],
}

impl Drop for Unregister {
    fn drop(&mut self) {
        let mut map = self
            .shared
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        map.remove(&self.id);
    }
}

/// The bandwidth side of an agent, for a server that accepts connections itself and
/// serves other protocols on the same port (`netkit-agent`): it reads the 8-byte
/// greeting, and hands `netkit-bw/1` connections ([`Service::speaks`]) here.
pub struct Service {
    shared: Arc<Shared>,
    stop_tx: watch::Sender<bool>,
    stop_rx: watch::Receiver<bool>,
}

impl Service {
    /// The bandwidth side of a server whose [`Gate`] admits the connections and
    /// whose `log` gets the lines (`config.gate` is not used).
    pub fn new(config: AgentConfig, log: Arc<PeerLog>) -> Service {
        let (stop_tx, stop_rx) = watch::channel(false);
        Service {
            shared: Arc::new(Shared::new(config, log)),
            stop_tx,
            stop_rx,
        }
    }

    /// Whether `magic` opens a `netkit-bw/1` connection (control or data).
    pub fn speaks(magic: &[u8; 8]) -> bool {
        magic == CONTROL_MAGIC || magic == DATA_MAGIC
    }

    /// Serve one connection whose greeting `magic` was already read. `guard` is
    /// dropped when its handshake is over (authenticated, or refused).
    pub async fn handle(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
        magic: [u8; 8],
        guard: HandshakeGuard,
    ) {
        after_magic(
            self.shared.clone(),
            stream,
            peer,
            magic,
            guard,
            self.stop_rx.clone(),
        )
        .await;
    }

    /// Abort running tests: their clients get a `shutdown` error.
    pub fn shutdown(&self) {
        let _ = self.stop_tx.send(true);
    }
}
