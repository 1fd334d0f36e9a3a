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

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use netkit_bandwidth::Token;
use netkit_bandwidth::agent::{AgentConfig, Service};
use netkit_bandwidth::gate::{self, Gate, GateConfig, Ticket};
use netkit_bandwidth::handshake::{self, Challenge};
use netkit_bandwidth::wire::Reader;
use netkit_plan::Plan;
use netkit_results::CheckResult;
use netkit_verify::CheckContext;
use netkit_verify::checks::{self, Unit};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::allow::{self, AllowList};
use crate::log::Sink;
use crate::proto::{self, FrameError, Limits, Msg, PROTOCOL};

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
    /// Connections in handshake (both protocols), in total and per address; the
    /// time from accept to authenticated (`netkit-agent/1`) or to the greeting
    /// (`netkit-bw/1`, which then bounds each of its own steps); one line per
    /// peer address per interval.
    pub gate: GateConfig,
    /// The bandwidth side (its limits; the token is taken from `token`, the
    /// admission from `gate`).
    pub bandwidth: AgentConfig,
    /// Log sink (one line per event).
    pub log: Sink,
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
            gate: GateConfig {
                max_handshakes: 256,
                max_handshakes_per_addr: 4,
                handshake_timeout: Duration::from_secs(3),
                log_interval: Duration::from_secs(10),
            },
            bandwidth,
            log: Arc::new(|l| eprintln!("{l}")),
        }
    }
}

struct Shared {
    config: ServerConfig,
    /// Admission of connections not yet authenticated, and the log.
    gate: Arc<Gate>,
    sessions: Arc<Semaphore>,
    bw: Service,
    stop: watch::Receiver<bool>,
}

impl Shared {
    fn log(&self) -> &crate::log::PeerLog {
        self.gate.log()
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
    let gate = Arc::new(Gate::new(config.gate, config.log.clone()));
    let mut bw_config = config.bandwidth.clone();
    bw_config.token = config.token.clone();
    bw_config.log = config.log.clone();
    let (stop_tx, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        sessions: Arc::new(Semaphore::new(config.max_sessions.max(1))),
        bw: Service::new(bw_config, gate.log().clone()),
        gate,
        stop: stop_rx,
        config,
    });
    let sh = shared.clone();
    let handle =
        move |stream, peer, magic, ticket| connection(sh.clone(), stream, peer, magic, ticket);
    gate::serve(shared.gate.clone(), listener, shutdown, handle, || {
        shared
            .log()
            .line("shutting down: running sessions and tests are told and stopped");
        let _ = stop_tx.send(true);
        shared.bw.shutdown();
    })
    .await;
    Ok(())
}

async fn connection(
    shared: Arc<Shared>,
    stream: TcpStream,
    peer: SocketAddr,
    magic: [u8; 8],
    hs: Ticket,
) {
    let deadline = hs.deadline();
    if Service::speaks(&magic) {
        shared.bw.handle(stream, peer, magic, hs).await;
    } else if &magic == proto::MAGIC {
        let _ = stream.set_nodelay(true);
        session(shared, stream, peer, hs, deadline).await;
    } else {
        shared.log().peer(
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
        .log()
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
    hs: Ticket,
    deadline: Instant,
) {
    let (mut r, mut w) = stream.into_split();
    let challenge = Challenge::new();
    let token = shared.config.token.as_ref();
    let hello = Msg::Hello {
        proto: PROTOCOL.into(),
        nonce: challenge.nonce_hex(),
        auth: handshake::scheme(token).into(),
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
                        shared.config.gate.handshake_timeout
                    ),
                )
                .await;
            }
            Err(e @ (FrameError::TooLarge(..) | FrameError::Json(_))) => {
                return refuse(&shared, &mut w, peer, "protocol", e.to_string()).await;
            }
            Err(_) => {
                shared.log().peer(peer, "closed before authenticating");
                return;
            }
        };
    let agent_proof = match challenge.check(token, proto::LABELS, &client_nonce, proof.as_deref()) {
        Ok(p) => p,
        Err(message) => return refuse(&shared, &mut w, peer, "auth", message).await,
    };
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
    shared.log().line(&format!(
        "{peer}: session for {} ({} on the plan {})",
        proto::escape(&ctx.stands_in.iter().cloned().collect::<Vec<_>>().join(", ")),
        PROTOCOL,
        proto::escape(&ctx.plan.name)
    ));
    let (code, message) = run_session(&shared, ctx, r, &mut w, peer).await;
    if code == "ok" {
        shared
            .log()
            .line(&format!("{peer}: session ended: {message}"));
    } else {
        refuse(&shared, &mut w, peer, code, message).await;
    }
    drop(session_permit);
}

type SetupError = (&'static str, String);

/// `value` within 1 to `max`, else a `limit` refusal: "WHAT: this agent allows 1
/// to MAX".
fn in_range(value: u64, max: u64, what: String, unit: &str) -> Result<(), SetupError> {
    if value == 0 || value > max {
        return Err((
            "limit",
            format!("{what}: this agent allows 1 to {max}{unit}"),
        ));
    }
    Ok(())
}

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
    in_range(
        probe.tries.into(),
        l.max_tries.into(),
        format!("{} tries per probe", probe.tries),
        "",
    )?;
    in_range(
        probe.timeout_ms,
        l.max_probe_timeout_ms,
        format!("a probe timeout of {} ms", probe.timeout_ms),
        " ms",
    )?;
    in_range(
        probe.rate_pps.into(),
        l.max_rate_pps.into(),
        format!("{} packets per second", probe.rate_pps),
        "",
    )?;
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
    r: OwnedReadHalf,
    w: &mut OwnedWriteHalf,
    peer: SocketAddr,
) -> (&'static str, String) {
    let l = shared.config.limits.clone();
    // Reads happen in their own task: a half-read frame must not be lost when
    // another branch of the select below wins.
    let mut msg_rx = Reader::<Msg>::spawn(r, proto::MAX_HANDSHAKE_FRAME * 16, IDLE_TIMEOUT, 64);
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
                        shared.log().peer(peer, &format!("unit refused: {why}"));
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
    drop(msg_rx);
    running.abort_all();
    if outcome.0 == "ok" {
        let _ = proto::write(w, &Msg::Bye, WRITE_TIMEOUT).await;
    }
    if outcome.0 == "closed" {
        shared
            .log()
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
