//! The coordinator of a live `netkit verify`: checks whose source is this machine
//! run here; the others go to the agent of their source (one authenticated
//! connection per agent, reused for all its checks, every agent at once with
//! bounded concurrency); everything is merged into one `netkit-results/1` document
//! in playbook order. A fault of an agent (unreachable, token refused, dropped,
//! garbage, silent, out of time) turns exactly its unfinished checks into `error`
//! verdicts that name it and the cause; the rest of the run goes on.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use netkit_bandwidth::Token;
use netkit_results::{CheckResult, Results};
use netkit_verify::checks::Unit;
use netkit_verify::{Check, CheckContext, RunInfo};
use tokio::sync::{Mutex, OwnedMutexGuard, mpsc};
use tokio::time::Instant;

use crate::client::{self, Connection};
use crate::proto::{self, FrameError, Msg};

/// How the coordinator talks to agents.
#[derive(Clone, Debug)]
pub struct Options {
    /// The shared token; `None` only talks to agents without authentication.
    pub token: Option<Token>,
    /// The agent of each source (segment, named host or device id).
    pub agents: BTreeMap<String, SocketAddr>,
    /// Agents talked to at once.
    pub max_agents: usize,
    /// Checks running at once on this machine.
    pub concurrency: usize,
    /// Leave out the checks whose source has no agent and is not this machine
    /// (instead of `error` "needs an agent at X").
    pub skip_unreachable: bool,
    /// Connecting and authenticating, each step.
    pub connect_timeout: Duration,
    /// An agent silent this long while it has checks is given up.
    pub idle_timeout: Duration,
    /// Probe packets per second asked of each agent (bounded by its limit).
    pub rate_pps: u32,
}

impl Options {
    pub fn new(token: Option<Token>, agents: BTreeMap<String, SocketAddr>) -> Options {
        Options {
            token,
            agents,
            max_agents: 256,
            concurrency: netkit_verify::DEFAULT_CONCURRENCY,
            skip_unreachable: false,
            connect_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(10),
            rate_pps: 1_000,
        }
    }
}

/// What happens to an agent, for progress displays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentEvent {
    Connected(SocketAddr),
    Finished(SocketAddr),
    Failed(SocketAddr, String),
}

/// The results, and what the summary should say besides them.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub results: Results,
    /// Checks left out because their source had no agent (`skip_unreachable`).
    pub left_out: usize,
    /// Sources left out, for the message.
    pub left_out_sources: Vec<String>,
    /// Agents that failed (unreachable, refused, dropped...).
    pub agents_failed: usize,
    pub agents_used: usize,
}

/// Run `checks` on a live network, through the agents of `opts`.
pub async fn run(
    ctx: &CheckContext,
    info: &RunInfo,
    checks: &[Check],
    opts: &Options,
    on_result: &(dyn Fn(&CheckResult) + Sync),
    on_agent: &(dyn Fn(&AgentEvent) + Sync),
) -> Outcome {
    let started = netkit_results::now_rfc3339();
    let all = netkit_verify::units(ctx, checks);
    let mut local: Vec<(usize, Unit)> = Vec::new();
    let mut remote: BTreeMap<SocketAddr, Vec<(usize, Unit)>> = BTreeMap::new();
    let mut sources_of: BTreeMap<SocketAddr, Vec<String>> = BTreeMap::new();
    let mut left_out = 0;
    let mut left_out_sources: Vec<String> = Vec::new();
    for (i, unit) in all.into_iter().enumerate() {
        let (_, from, _) = netkit_verify::engine::describe(&unit);
        let from = from.unwrap_or_default();
        if ctx.is_local(&from) {
            local.push((i, unit));
        } else if let Some(addr) = opts.agents.get(&from) {
            let s = sources_of.entry(*addr).or_default();
            if !s.contains(&from) {
                s.push(from);
            }
            remote.entry(*addr).or_default().push((i, unit));
        } else if opts.skip_unreachable {
            left_out += 1;
            if !left_out_sources.contains(&from) {
                left_out_sources.push(from);
            }
        } else {
            // Runs here and ends in `error` "needs an agent at X".
            local.push((i, unit));
        }
    }
    let slots = local.len() + remote.values().map(Vec::len).sum::<usize>();
    let mut by_index: Vec<(usize, Vec<CheckResult>)> = Vec::with_capacity(slots);

    let plan_json = Arc::new(serde_json::to_value(&*ctx.plan).unwrap_or_default());
    let far_ends: Arc<BTreeMap<String, SocketAddr>> = Arc::new(opts.agents.clone());
    // A bandwidth test from an agent toward this machine: this machine serves the
    // far end itself (netkit-bw/1, same token) for the length of the run.
    let here_nodes: Vec<String> = remote
        .values()
        .flatten()
        .filter_map(|(_, u)| match u {
            Unit::Bandwidth(b) if !opts.agents.contains_key(&b.to) && ctx.is_local(&b.to) => {
                Some(b.to.clone())
            }
            _ => None,
        })
        .collect();
    let (here_stop, here_stopped) = tokio::sync::oneshot::channel::<()>();
    let here_port = if here_nodes.is_empty() {
        None
    } else {
        match tokio::net::TcpListener::bind(("0.0.0.0", 0)).await {
            Ok(l) => {
                let port = l.local_addr().map(|a| a.port()).ok();
                let mut config = netkit_bandwidth::agent::AgentConfig::new(opts.token.clone());
                config.log = Arc::new(|_| {});
                tokio::spawn(netkit_bandwidth::agent::serve(l, config, async {
                    let _ = here_stopped.await;
                }));
                port
            }
            Err(_) => None,
        }
    };
    let here = Arc::new((here_nodes, here_port));
    let bw_lock = Arc::new(Mutex::new(()));
    let agents_used = remote.len();

    let local_units: Vec<Unit> = local.iter().map(|(_, u)| u.clone()).collect();
    let local_fut = async {
        netkit_verify::engine::run_units_grouped(ctx, &local_units, opts.concurrency, on_result)
            .await
    };
    let remote_fut = futures::stream::iter(remote)
        .map(|(addr, items)| {
            let sources = sources_of.remove(&addr).unwrap_or_default();
            let plan_json = plan_json.clone();
            let far_ends = far_ends.clone();
            let bw_lock = bw_lock.clone();
            let here = here.clone();
            async move {
                let session = Session {
                    ctx,
                    opts,
                    addr,
                    plan_json,
                    far_ends,
                    here,
                    bw_lock,
                    on_result,
                    on_agent,
                };
                session.run(sources, items).await
            }
        })
        .buffer_unordered(opts.max_agents.max(1))
        .collect::<Vec<_>>();
    let (local_results, remote_results) = tokio::join!(local_fut, remote_fut);
    let _ = here_stop.send(());
    for ((i, _), r) in local.iter().zip(local_results) {
        by_index.push((*i, r));
    }
    let mut agents_failed = 0;
    for (failed, results) in remote_results {
        agents_failed += usize::from(failed);
        by_index.extend(results);
    }
    by_index.sort_by_key(|(i, _)| *i);
    let results = by_index.into_iter().flat_map(|(_, r)| r).collect();
    Outcome {
        results: netkit_verify::document(ctx, info, started, results),
        left_out,
        left_out_sources,
        agents_failed,
        agents_used,
    }
}

/// How long a unit may take at an agent: a bandwidth test its length plus slack,
/// any other check a few rounds of its probes (its positive control and diagnosis
/// included), within what is left of the run.
pub fn unit_deadline(ctx: &CheckContext, unit: &Unit) -> Duration {
    let probe = ctx.probe.timeout * ctx.probe.tries.max(1);
    let wanted = match unit {
        Unit::Bandwidth(b) => b.duration + Duration::from_secs(26),
        Unit::Path { .. } => probe * 4 + Duration::from_secs(20),
        _ => probe * 3 + Duration::from_secs(10),
    };
    ctx.budget(wanted)
}

struct Session<'a> {
    ctx: &'a CheckContext,
    opts: &'a Options,
    addr: SocketAddr,
    plan_json: Arc<serde_json::Value>,
    far_ends: Arc<BTreeMap<String, SocketAddr>>,
    /// Nodes this machine is the bandwidth far end of, and the port it serves on.
    here: Arc<(Vec<String>, Option<u16>)>,
    bw_lock: Arc<Mutex<()>>,
    on_result: &'a (dyn Fn(&CheckResult) + Sync),
    on_agent: &'a (dyn Fn(&AgentEvent) + Sync),
}

/// Largest results message the coordinator reads from an agent.
const MAX_RESULTS_FRAME: usize = 1024 * 1024;
/// Results one unit may give, at most.
const MAX_RESULTS_PER_UNIT: usize = 64;

impl Session<'_> {
    /// `(failed, results by unit index)`: every unit of `items` has results.
    async fn run(
        &self,
        sources: Vec<String>,
        items: Vec<(usize, Unit)>,
    ) -> (bool, Vec<(usize, Vec<CheckResult>)>) {
        let (mut got, fault) = self.talk(sources, &items).await;
        let failed = fault.is_some();
        match &fault {
            Some(cause) => (self.on_agent)(&AgentEvent::Failed(self.addr, cause.clone())),
            None => (self.on_agent)(&AgentEvent::Finished(self.addr)),
        }
        let cause =
            fault.unwrap_or_else(|| "ended the session without a result for this check".into());
        let mut out = Vec::with_capacity(items.len());
        for (i, unit) in items {
            let results = match got.remove(&i) {
                Some(r) => r,
                None => {
                    let (kind, from, to) = netkit_verify::engine::describe(&unit);
                    let mut r = self
                        .ctx
                        .draft(kind, from.as_deref(), to.as_deref())
                        .error(format!("agent {} {cause}", self.addr));
                    r.agent = Some(self.addr.to_string());
                    (self.on_result)(&r);
                    vec![r]
                }
            };
            out.push((i, results));
        }
        (failed, out)
    }

    /// Talk to the agent; the results it gave, and the cause if it failed.
    async fn talk(
        &self,
        sources: Vec<String>,
        items: &[(usize, Unit)],
    ) -> (HashMap<usize, Vec<CheckResult>>, Option<String>) {
        let mut got: HashMap<usize, Vec<CheckResult>> = HashMap::new();
        let deadline = self.ctx.run_deadline.map(Instant::from_std);
        let connect = client::connect(
            self.addr,
            self.opts.token.as_ref(),
            self.opts.connect_timeout,
        );
        let conn = match deadline {
            Some(d) => match tokio::time::timeout_at(d, connect).await {
                Ok(c) => c,
                Err(_) => {
                    return (
                        got,
                        Some("could not be reached before the run's time limit (--timeout)".into()),
                    );
                }
            },
            None => connect.await,
        };
        let conn = match conn {
            Ok(c) => c,
            Err(e) => return (got, Some(e.to_string())),
        };
        (self.on_agent)(&AgentEvent::Connected(self.addr));
        let fault = self
            .exchange(conn, sources, items, deadline, &mut got)
            .await;
        (got, fault)
    }

    async fn exchange(
        &self,
        conn: Connection,
        sources: Vec<String>,
        items: &[(usize, Unit)],
        deadline: Option<Instant>,
        got: &mut HashMap<usize, Vec<CheckResult>>,
    ) -> Option<String> {
        let Connection {
            limits,
            reader: mut r,
            writer: mut w,
            ..
        } = conn;
        let write_timeout = self.opts.idle_timeout;
        let mut far_ends: BTreeMap<String, SocketAddr> = self
            .far_ends
            .iter()
            .filter(|(n, _)| !sources.contains(n))
            .map(|(n, a)| (n.clone(), *a))
            .collect();
        // The agent reaches this machine at the address it sees us at.
        if let (Some(port), Ok(me)) = (self.here.1, r.local_addr()) {
            for n in &self.here.0 {
                far_ends.insert(n.clone(), SocketAddr::new(me.ip(), port));
            }
        }
        let session = Msg::Session {
            plan: (*self.plan_json).clone(),
            sources,
            probe: proto::Probe {
                timeout_ms: (self.ctx.probe.timeout.as_millis() as u64)
                    .clamp(1, limits.max_probe_timeout_ms.max(1)),
                tries: self.ctx.probe.tries.clamp(1, limits.max_tries.max(1)),
                rate_pps: self.opts.rate_pps.clamp(1, limits.max_rate_pps.max(1)),
            },
            far_ends,
        };
        if let Err(e) = proto::write(&mut w, &session, write_timeout).await {
            return Some(format!(
                "dropped the connection while receiving the plan: {e}"
            ));
        }
        // Reads in their own task (cancel-safe select below).
        let (tx, mut rx) = mpsc::channel::<Result<Msg, FrameError>>(64);
        let idle = self.opts.idle_timeout;
        let reader = tokio::spawn(async move {
            loop {
                let m = proto::read::<Msg, _>(&mut r, MAX_RESULTS_FRAME, idle).await;
                let done = m.is_err();
                if tx.send(m).await.is_err() || done {
                    break;
                }
            }
        });
        let _abort = AbortOnDrop(reader);
        // Ids on the wire are positions in `items`.
        let mut bandwidth: std::collections::VecDeque<u32> = std::collections::VecDeque::new();
        let max_units = limits.max_units as usize;
        for (n, (i, unit)) in items.iter().enumerate() {
            if n >= max_units {
                let (kind, from, to) = netkit_verify::engine::describe(unit);
                let mut r = self
                    .ctx
                    .draft(kind, from.as_deref(), to.as_deref())
                    .error(format!(
                        "agent {} takes at most {max_units} checks per session (its limit)",
                        self.addr
                    ));
                r.agent = Some(self.addr.to_string());
                (self.on_result)(&r);
                got.insert(*i, vec![r]);
                continue;
            }
            if matches!(unit, Unit::Bandwidth(_)) {
                bandwidth.push_back(n as u32);
                continue;
            }
            if let Err(e) = self.send_run(&mut w, n as u32, unit).await {
                return Some(format!(
                    "dropped the connection while receiving checks: {e}"
                ));
            }
        }
        let mut ended = false;
        let mut bw_turn: Option<(u32, OwnedMutexGuard<()>)> = None;
        let far_deadline =
            deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400 * 365));
        loop {
            if !ended && bandwidth.is_empty() && bw_turn.is_none() {
                if let Err(e) = proto::write(&mut w, &Msg::End, write_timeout).await {
                    return Some(format!("dropped the connection: {e}"));
                }
                ended = true;
            }
            let want_turn = bw_turn.is_none() && !bandwidth.is_empty();
            tokio::select! {
                m = rx.recv() => match m {
                    Some(Ok(Msg::Results { id, results })) => {
                        let Some((i, _)) = items.get(id as usize) else {
                            return Some(format!("sent results for a check it was not given (id {id})"));
                        };
                        if got.contains_key(i) {
                            return Some(format!("sent results twice for one check (id {id})"));
                        }
                        if results.is_empty() || results.len() > MAX_RESULTS_PER_UNIT {
                            return Some(format!("sent {} results for one check", results.len()));
                        }
                        let results: Vec<CheckResult> = results
                            .into_iter()
                            .map(|mut r| {
                                r.agent = Some(self.addr.to_string());
                                (self.on_result)(&r);
                                r
                            })
                            .collect();
                        got.insert(*i, results);
                        if bw_turn.as_ref().is_some_and(|(b, _)| *b == id) {
                            bw_turn = None;
                        }
                    }
                    Some(Ok(Msg::Alive)) => {}
                    Some(Ok(Msg::Bye)) => return None,
                    Some(Ok(Msg::Error { code, message })) => {
                        return Some(format!(
                            "stopped the session ({}): {}",
                            proto::escape(&code),
                            proto::escape(&message)
                        ));
                    }
                    Some(Ok(_)) => return Some("sent an unexpected message".into()),
                    Some(Err(FrameError::Timeout)) => {
                        return Some(format!(
                            "stopped answering (nothing for {}s)",
                            self.opts.idle_timeout.as_secs()
                        ));
                    }
                    Some(Err(FrameError::Closed)) | None => {
                        return Some("dropped the connection before this check finished".into());
                    }
                    Some(Err(FrameError::Io(e))) => {
                        return Some(format!("dropped the connection before this check finished ({e})"));
                    }
                    Some(Err(e)) => return Some(format!("sent garbage: {e}")),
                },
                guard = self.bw_lock.clone().lock_owned(), if want_turn => {
                    if let Some(n) = bandwidth.pop_front() {
                        let unit = &items[n as usize].1;
                        if let Err(e) = self.send_run(&mut w, n, unit).await {
                            return Some(format!("dropped the connection while receiving checks: {e}"));
                        }
                        bw_turn = Some((n, guard));
                    }
                }
                _ = tokio::time::sleep_until(far_deadline) => {
                    return Some("did not finish this check before the run's time limit (--timeout)".into());
                }
            }
        }
    }

    async fn send_run(
        &self,
        w: &mut tokio::net::tcp::OwnedWriteHalf,
        id: u32,
        unit: &Unit,
    ) -> std::io::Result<()> {
        let deadline_ms = unit_deadline(self.ctx, unit).as_millis() as u64;
        proto::write(
            w,
            &Msg::Run {
                id,
                deadline_ms: deadline_ms.max(1),
                unit: unit.clone(),
            },
            self.opts.idle_timeout,
        )
        .await
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
