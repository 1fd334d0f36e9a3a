//! The server of `netkit agent`: one TCP port for `netkit-agent/1` (checks run from
//! here, for a coordinator) and `netkit-bw/1` (the far end of bandwidth tests,
//! served by `netkit-bandwidth`).
//!
//! Safe to leave running on a network:
//! - every session is authenticated both ways (HMAC-SHA256 challenge-response; the
//!   token never crosses the wire) unless started without a token (loopback only,
//!   enforced by the CLI);
//! - connections that have not authenticated are bounded per address and in total,
//!   and must finish their handshake within a short deadline; authenticated
//!   sessions have their own pool, so anonymous sockets never lock users out;
//! - probes go only to the `--allow` prefixes; units, deadlines, tries, probe
//!   timeouts and packet rate of a session are bounded; bandwidth traffic goes only
//!   to another agent that proves the token (netkit-bw/1 client, mutual proof);
//! - refusals are sent back as one sentence, and logged at most once per peer
//!   address per interval, escaped.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netkit_bandwidth::Token;
use netkit_bandwidth::agent::{AgentConfig, Service};
use netkit_bandwidth::auth::{hex, random_bytes, unhex};
use netkit_plan::Plan;
use netkit_results::CheckResult;
use netkit_verify::CheckContext;
use netkit_verify::checks::{self, Unit};
use tokio::io::AsyncReadExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::allow::{self, AllowList};
use crate::log::{PeerLog, Sink};
use crate::proto::{self, AGENT_LABEL, CLIENT_LABEL, FrameError, Limits, Msg, PROTOCOL};

const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an authenticated client may take to send its session.
const SESSION_TIMEOUT: Duration = Duration::from_secs(30);
/// How long an authenticated session may stay silent between messages.
const IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// How the agent behaves.
#[derive(Clone)]
pub struct ServerConfig {
    /// `None`: no authentication (loopback only; the CLI enforces it).
    pub token: Option<Token>,
    /// Prefixes probes may go to.
    pub allow: AllowList,
    /// What one session may ask.
    pub limits: Limits,
    /// Authenticated sessions at once.
    pub max_sessions: usize,
    /// Connections in handshake at once, in total and per address.
    pub max_handshakes: usize,
    pub max_handshakes_per_addr: usize,
    /// Time from accept to authenticated.
    pub handshake_timeout: Duration,
    /// The bandwidth side (its limits; the token is taken from `token`).
    pub bandwidth: AgentConfig,
    /// Log sink (one line per event).
    pub log: Sink,
    /// At most one line per peer address per this interval.
    pub log_interval: Duration,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("auth", &self.token.is_some())
            .field("allow", &self.allow)
            .field("limits", &self.limits)
            .field("max_sessions", &self.max_sessions)
            .finish_non_exhaustive()
    }
}

impl ServerConfig {
    /// Defaults: private ranges, 10,000 units and 32 at once per session, 120 s per
    /// unit, 10 tries of at most 10 s, 2,000 packets/s, 16 sessions, 4 handshakes
    /// per address and 256 in total, 3 s to authenticate, one log line per peer
    /// per 10 s.
    pub fn new(token: Option<Token>) -> ServerConfig {
        let bandwidth = AgentConfig::new(token.clone());
        ServerConfig {
            limits: Limits {
                max_units: 10_000,
                max_parallel: 32,
                max_deadline_ms: 120_000,
                max_bandwidth_ms: bandwidth.max_duration.as_millis() as u64,
                max_tries: 10,
                max_probe_timeout_ms: 10_000,
                max_rate_pps: 2_000,
            },
            token,
            allow: AllowList::default(),
            max_sessions: 16,
            max_handshakes: 256,
            max_handshakes_per_addr: 4,
            handshake_timeout: Duration::from_secs(3),
            bandwidth,
            log: Arc::new(|l| eprintln!("{l}")),
            log_interval: Duration::from_secs(10),
        }
    }
}

struct Shared {
    config: ServerConfig,
    log: Arc<PeerLog>,
    sessions: Arc<Semaphore>,
    handshakes: Arc<Semaphore>,
    per_addr: Mutex<HashMap<IpAddr, usize>>,
    bw: Service,
    stop: watch::Receiver<bool>,
}

/// A connection in handshake; frees its slots when dropped.
struct Handshake {
    shared: Arc<Shared>,
    ip: IpAddr,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Handshake {
    fn drop(&mut self) {
        let mut m = self
            .shared
            .per_addr
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// Serve on `listener` until `shutdown` completes; then stop accepting, tell
/// running sessions (`shutdown`) and return.
///
/// # Errors
/// None today: accept errors are logged and retried.
pub async fn serve<F>(
    listener: TcpListener,
    config: ServerConfig,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()>,
{
    let log = Arc::new(PeerLog::new(config.log.clone(), config.log_interval));
    let mut bw_config = config.bandwidth.clone();
    bw_config.token = config.token.clone();
    bw_config.log = config.log.clone();
    let peer_log = log.clone();
    bw_config.peer_log = Some(Arc::new(move |peer, line| peer_log.peer(peer, line)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        sessions: Arc::new(Semaphore::new(config.max_sessions.max(1))),
        handshakes: Arc::new(Semaphore::new(config.max_handshakes.max(1))),
        per_addr: Mutex::new(HashMap::new()),
        bw: Service::new(bw_config),
        log,
        stop: stop_rx,
        config,
    });
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    let Some(hs) = admit(&shared, peer) else { continue };
                    let shared = shared.clone();
                    tasks.spawn(async move { connection(shared, stream, peer, hs).await });
                }
                Err(e) => {
                    shared.log.line(&format!("accept failed: {e}; retrying"));
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
    shared
        .log
        .line("shutting down: running sessions and tests are told and stopped");
    let _ = stop_tx.send(true);
    shared.bw.shutdown();
    let _ = tokio::time::timeout(Duration::from_secs(3), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
    Ok(())
}

/// A slot for a new connection, or `None` (logged) when its address or everyone
/// already has too many connections in handshake.
fn admit(shared: &Arc<Shared>, peer: SocketAddr) -> Option<Handshake> {
    let per = shared.config.max_handshakes_per_addr.max(1);
    {
        let mut m = shared.per_addr.lock().unwrap_or_else(|e| e.into_inner());
        let n = m.entry(peer.ip()).or_insert(0);
        if *n >= per {
            drop(m);
            shared.log.peer(
                peer,
                &format!("refused: {per} connections from this address already in handshake"),
            );
            return None;
        }
        *n += 1;
    }
    let Ok(permit) = shared.handshakes.clone().try_acquire_owned() else {
        let mut m = shared.per_addr.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&peer.ip()) {
            *n -= 1;
            if *n == 0 {
                m.remove(&peer.ip());
            }
        }
        drop(m);
        shared.log.peer(
            peer,
            &format!(
                "refused: {} connections already in handshake",
                shared.config.max_handshakes
            ),
        );
        return None;
    };
    Some(Handshake {
        shared: shared.clone(),
        ip: peer.ip(),
        _permit: permit,
    })
}

async fn connection(shared: Arc<Shared>, mut stream: TcpStream, peer: SocketAddr, hs: Handshake) {
    let deadline = Instant::now() + shared.config.handshake_timeout;
    let mut magic = [0u8; 8];
    match tokio::time::timeout_at(deadline, stream.read_exact(&mut magic)).await {
        Ok(Ok(_)) => {}
        Ok(Err(_)) => return,
        Err(_) => {
            shared.log.peer(
                peer,
                &format!(
                    "closed: no greeting within {:?}",
                    shared.config.handshake_timeout
                ),
            );
            return;
        }
    }
    if Service::speaks(&magic) {
        shared.bw.handle(stream, peer, magic, Box::new(hs)).await;
    } else if &magic == proto::MAGIC {
        let _ = stream.set_nodelay(true);
        session(shared, stream, peer, hs, deadline).await;
    } else {
        shared.log.peer(
            peer,
            &format!(
                "closed: not a netkit client (greeting {})",
                proto::escape(&String::from_utf8_lossy(&magic))
            ),
        );
    }
}

async fn refuse(
    shared: &Shared,
    w: &mut OwnedWriteHalf,
    peer: SocketAddr,
    code: &str,
    message: String,
) {
    shared
        .log
        .peer(peer, &format!("refused ({code}): {message}"));
    let _ = proto::write(
        w,
        &Msg::Error {
            code: code.into(),
            message,
        },
        WRITE_TIMEOUT,
    )
    .await;
}

async fn session(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    hs: Handshake,
    deadline: Instant,
) {
    let (mut r, mut w) = stream.into_split();
    let nonce = random_bytes::<32>();
    let hello = Msg::Hello {
        proto: PROTOCOL.into(),
        nonce: hex(&nonce),
        auth: if shared.config.token.is_some() {
            "hmac-sha256".into()
        } else {
            "none".into()
        },
        limits: shared.config.limits.clone(),
    };
    if proto::write(&mut w, &hello, WRITE_TIMEOUT).await.is_err() {
        return;
    }
    let left = deadline.saturating_duration_since(Instant::now());
    let (client_nonce, proof) =
        match proto::read::<Msg, _>(&mut r, proto::MAX_HANDSHAKE_FRAME, left).await {
            Ok(Msg::Auth {
                client_nonce,
                proof,
            }) => (client_nonce, proof),
            Ok(_) => {
                return refuse(&shared, &mut w, peer, "protocol", "expected `auth`".into()).await;
            }
            Err(FrameError::Timeout) => {
                return refuse(
                    &shared,
                    &mut w,
                    peer,
                    "protocol",
                    format!(
                        "no authentication within {:?}",
                        shared.config.handshake_timeout
                    ),
                )
                .await;
            }
            Err(e @ (FrameError::TooLarge(..) | FrameError::Json(_))) => {
                return refuse(&shared, &mut w, peer, "protocol", e.to_string()).await;
            }
            Err(_) => {
                shared.log.peer(peer, "closed before authenticating");
                return;
            }
        };
    let client_nonce = unhex(&client_nonce).unwrap_or_default();
    let mut agent_proof = None;
    if let Some(token) = &shared.config.token {
        let Some(proof) = proof else {
            return refuse(
                &shared,
                &mut w,
                peer,
                "auth",
                "this agent requires a token: give --token-file FILE or set NETKIT_AGENT_TOKEN"
                    .into(),
            )
            .await;
        };
        let proof = unhex(&proof).unwrap_or_default();
        if client_nonce.len() < 16 || !token.verify(CLIENT_LABEL, &nonce, &client_nonce, &proof) {
            return refuse(
                &shared,
                &mut w,
                peer,
                "auth",
                "wrong token: the client's token does not match the agent's".into(),
            )
            .await;
        }
        agent_proof = Some(hex(&token.prove(AGENT_LABEL, &client_nonce, &nonce)));
    }
    let Ok(session_permit) = shared.sessions.clone().try_acquire_owned() else {
        let n = shared.config.max_sessions;
        return refuse(
            &shared,
            &mut w,
            peer,
            "busy",
            format!("the agent is busy: {n} sessions already running; try again in a few seconds"),
        )
        .await;
    };
    // Authenticated: the handshake slots go back to the pool.
    drop(hs);
    if proto::write(&mut w, &Msg::Welcome { proof: agent_proof }, WRITE_TIMEOUT)
        .await
        .is_err()
    {
        return;
    }
    let setup = match proto::read::<Msg, _>(&mut r, proto::MAX_SESSION_FRAME, SESSION_TIMEOUT).await
    {
        Ok(Msg::Session {
            plan,
            sources,
            probe,
            far_ends,
        }) => {
            // Parsing a large plan is CPU work: off the runtime's threads, so that
            // other connections' handshakes stay within their deadline.
            let sh = shared.clone();
            tokio::task::spawn_blocking(move || setup(&sh, plan, sources, probe, far_ends))
                .await
                .unwrap_or_else(|_| {
                    Err(("protocol", "the session could not be set up".to_string()))
                })
        }
        Ok(_) => Err(("protocol", "expected `session`".to_string())),
        Err(e) => Err(("protocol", e.to_string())),
    };
    let ctx = match setup {
        Ok(c) => c,
        Err((code, message)) => return refuse(&shared, &mut w, peer, code, message).await,
    };
    shared.log.line(&format!(
        "{peer}: session for {} ({} on the plan {})",
        proto::escape(&ctx.stands_in.iter().cloned().collect::<Vec<_>>().join(", ")),
        PROTOCOL,
        proto::escape(&ctx.plan.name)
    ));
    let (code, message) = run_session(&shared, ctx, r, &mut w, peer).await;
    if code == "ok" {
        shared
            .log
            .line(&format!("{peer}: session ended: {message}"));
    } else {
        refuse(&shared, &mut w, peer, code, message).await;
    }
    drop(session_permit);
}

type SetupError = (&'static str, String);

fn setup(
    shared: &Shared,
    plan: serde_json::Value,
    sources: Vec<String>,
    probe: proto::Probe,
    far_ends: std::collections::BTreeMap<String, SocketAddr>,
) -> Result<CheckContext, SetupError> {
    let l = &shared.config.limits;
    let plan: Plan = serde_json::from_value(plan).map_err(|e| {
        (
            "protocol",
            format!(
                "the plan is not a netkit-plan/1 document: {}",
                proto::escape(&e.to_string())
            ),
        )
    })?;
    if sources.is_empty() || sources.len() > 1024 {
        return Err((
            "limit",
            format!("a session names 1 to 1024 sources, not {}", sources.len()),
        ));
    }
    if probe.tries == 0 || probe.tries > l.max_tries {
        return Err((
            "limit",
            format!(
                "{} tries per probe: this agent allows 1 to {}",
                probe.tries, l.max_tries
            ),
        ));
    }
    if probe.timeout_ms == 0 || probe.timeout_ms > l.max_probe_timeout_ms {
        return Err((
            "limit",
            format!(
                "a probe timeout of {} ms: this agent allows 1 to {} ms",
                probe.timeout_ms, l.max_probe_timeout_ms
            ),
        ));
    }
    if probe.rate_pps == 0 || probe.rate_pps > l.max_rate_pps {
        return Err((
            "limit",
            format!(
                "{} packets per second: this agent allows 1 to {}",
                probe.rate_pps, l.max_rate_pps
            ),
        ));
    }
    for (node, addr) in &far_ends {
        if !shared.config.allow.contains(addr.ip()) {
            return Err((
                "allow",
                format!(
                    "the agent of {} at {addr} is outside this agent's --allow prefixes ({})",
                    proto::escape(node),
                    shared.config.allow
                ),
            ));
        }
    }
    let mut ctx = CheckContext::live(Arc::new(plan));
    ctx.probe = netkit_probe::ProbeSettings {
        timeout: Duration::from_millis(probe.timeout_ms),
        tries: probe.tries,
    };
    ctx.limiter = Arc::new(netkit_probe::RateLimiter::new(probe.rate_pps));
    let allow = shared.config.allow.clone();
    ctx.allow = Some(Arc::new(move |a| allow.contains(a)));
    ctx.stands_in = Arc::new(sources.into_iter().collect::<HashSet<_>>());
    ctx.far_ends = Arc::new(far_ends.into_iter().collect());
    ctx.agent_token = shared.config.token.clone();
    Ok(ctx)
}

/// Why a unit is refused before it runs, in one sentence.
fn vet(shared: &Shared, ctx: &CheckContext, unit: &Unit, deadline_ms: u64) -> Result<(), String> {
    let l = &shared.config.limits;
    let (_, from, _) = netkit_verify::engine::describe(unit);
    let from = from.unwrap_or_default();
    if !ctx.stands_in.contains(&from) {
        return Err(format!(
            "this session did not name {from} as a source of this agent"
        ));
    }
    if let Unit::Bandwidth(b) = unit {
        if b.iperf3 {
            return Err(
                "an agent sends bandwidth traffic only to another netkit agent, not to iperf3"
                    .into(),
            );
        }
        if !ctx.far_ends.contains_key(&b.to) {
            return Err(format!(
                "{} has no netkit agent in this session: an agent sends bandwidth traffic only to another agent",
                b.to
            ));
        }
        let total = b.duration.as_millis() as u64
            + if b.duration.as_millis() >= 2000 {
                1000
            } else {
                0
            };
        if total > l.max_bandwidth_ms {
            return Err(format!(
                "a bandwidth test of {} ms exceeds this agent's limit of {} ms (--max-duration)",
                total, l.max_bandwidth_ms
            ));
        }
    } else if deadline_ms > l.max_deadline_ms {
        return Err(format!(
            "a deadline of {deadline_ms} ms exceeds this agent's limit of {} ms",
            l.max_deadline_ms
        ));
    }
    for a in allow::unit_targets(ctx, unit) {
        if !shared.config.allow.contains(a) {
            return Err(format!(
                "{a} is outside the prefixes this agent may probe (--allow {})",
                shared.config.allow
            ));
        }
    }
    Ok(())
}

fn error_result(ctx: &CheckContext, unit: &Unit, reason: String) -> Vec<CheckResult> {
    let (kind, from, to) = netkit_verify::engine::describe(unit);
    vec![
        ctx.draft(kind, from.as_deref(), to.as_deref())
            .error(reason),
    ]
}

/// Run the units of a session as they come; `("ok", summary)` when the client
/// said `end` and every unit has its results, else `(code, why)`.
async fn run_session(
    shared: &Arc<Shared>,
    ctx: CheckContext,
    mut r: OwnedReadHalf,
    w: &mut OwnedWriteHalf,
    peer: SocketAddr,
) -> (&'static str, String) {
    let l = shared.config.limits.clone();
    // Reads happen in their own task: a half-read frame must not be lost when
    // another branch of the select below wins.
    let (msg_tx, mut msg_rx) = mpsc::channel::<Result<Msg, FrameError>>(64);
    let reader = tokio::spawn(async move {
        loop {
            let m =
                proto::read::<Msg, _>(&mut r, proto::MAX_HANDSHAKE_FRAME * 16, IDLE_TIMEOUT).await;
            let done = m.is_err();
            if msg_tx.send(m).await.is_err() || done {
                break;
            }
        }
    });
    let (res_tx, mut res_rx) = mpsc::channel::<(u32, Vec<CheckResult>)>(256);
    let parallel = Arc::new(Semaphore::new(l.max_parallel.max(1) as usize));
    let mut running = JoinSet::new();
    let mut seen: HashSet<u32> = HashSet::new();
    let mut received = 0u32;
    let mut outstanding = 0usize;
    let mut ended = false;
    let mut stop = shared.stop.clone();
    let mut beat = tokio::time::interval(proto::HEARTBEAT);
    beat.tick().await;
    let outcome = loop {
        if ended && outstanding == 0 {
            break ("ok", format!("{received} unit(s) run"));
        }
        tokio::select! {
            m = msg_rx.recv(), if !ended => match m {
                Some(Ok(Msg::Run { id, deadline_ms, unit })) => {
                    received += 1;
                    if received > l.max_units {
                        break ("limit", format!("more than {} units in one session", l.max_units));
                    }
                    if !seen.insert(id) {
                        break ("protocol", format!("unit id {id} was sent twice"));
                    }
                    outstanding += 1;
                    if let Err(why) = vet(shared, &ctx, &unit, deadline_ms) {
                        shared.log.peer(peer, &format!("unit refused: {why}"));
                        let _ = res_tx.try_send((id, error_result(&ctx, &unit, format!("refused by the agent: {why}"))));
                        continue;
                    }
                    let cap = if matches!(unit, Unit::Bandwidth(_)) {
                        l.max_bandwidth_ms + 30_000
                    } else {
                        l.max_deadline_ms
                    };
                    let deadline_ms = deadline_ms.min(cap);
                    let ctx = ctx.clone();
                    let tx = res_tx.clone();
                    let parallel = parallel.clone();
                    running.spawn(async move {
                        let _permit = parallel.acquire_owned().await;
                        let results = run_one(ctx, unit, deadline_ms).await;
                        let _ = tx.send((id, results)).await;
                    });
                }
                Some(Ok(Msg::End)) => ended = true,
                Some(Ok(_)) => break ("protocol", "unexpected message during a session".into()),
                Some(Err(FrameError::Closed)) | None => break ("closed", "the client closed the connection".into()),
                Some(Err(e)) => break ("protocol", e.to_string()),
            },
            Some((id, results)) = res_rx.recv() => {
                outstanding = outstanding.saturating_sub(1);
                if proto::write(w, &Msg::Results { id, results }, WRITE_TIMEOUT).await.is_err() {
                    break ("closed", "the client stopped reading".into());
                }
            }
            _ = beat.tick() => {
                if proto::write(w, &Msg::Alive, WRITE_TIMEOUT).await.is_err() {
                    break ("closed", "the client stopped reading".into());
                }
            }
            Some(_) = running.join_next(), if !running.is_empty() => {}
            _ = stop.changed() => break ("shutdown", "the agent is shutting down".into()),
        }
    };
    reader.abort();
    running.abort_all();
    if outcome.0 == "ok" {
        let _ = proto::write(w, &Msg::Bye, WRITE_TIMEOUT).await;
    }
    if outcome.0 == "closed" {
        shared
            .log
            .peer(peer, &format!("session ended: {}", outcome.1));
        return ("ok", outcome.1);
    }
    outcome
}

/// Run one unit with the same code as a local run, within `deadline_ms`.
async fn run_one(mut ctx: CheckContext, unit: Unit, deadline_ms: u64) -> Vec<CheckResult> {
    let limit = Duration::from_millis(deadline_ms.max(1));
    ctx.run_deadline = Some(std::time::Instant::now() + limit);
    match tokio::time::timeout(
        limit + Duration::from_millis(500),
        checks::run_unit(&ctx, &unit),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => error_result(
            &ctx,
            &unit,
            format!(
                "the check did not finish within its deadline of {} ms at the agent",
                limit.as_millis()
            ),
        ),
    }
}
