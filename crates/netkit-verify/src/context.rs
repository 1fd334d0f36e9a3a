//! What every check gets: the plan, where it runs (lab or live), how to reach a
//! source's namespace, the probe settings and the shared packet rate limiter.
//!
//! Changes to [`CheckContext`] are additive only: the bandwidth and SNMP check
//! modules are written by other engineers against it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netkit_model::Topology;
use netkit_plan::Plan;
use netkit_probe::icmp::IcmpClient;
use netkit_probe::trace::PathFigure;
use netkit_probe::{ProbeSettings, RateLimiter};
use netkit_results::{CheckResult, Verdict};
use serde_json::Value;
use tokio::sync::OnceCell;

use crate::target::Target;

/// Maps `(lab name, node id)` to a network namespace name. The CLI passes
/// `netkit_lab::namespace_name`; tests pass their own.
pub type NamespaceFn = Arc<dyn Fn(&str, &str) -> String + Send + Sync>;

/// Whether a probe may go to an address (see [`CheckContext::allow`]).
pub type AllowFn = Arc<dyn Fn(IpAddr) -> bool + Send + Sync>;

/// Reads a secret the lab stored (its SNMP credentials), given by the caller that
/// knows where labs keep them (the CLI, from netkit-lab).
pub type LabSecretsFn = Arc<netkit_snmp::credentials::SecretFn>;

/// The longest path a trace follows (hops).
pub const MAX_HOPS: u8 = 16;

/// Everything a check needs to run. Cheap to share (`Arc`s inside); one per run.
#[derive(Clone)]
pub struct CheckContext {
    /// The plan of the topology under test.
    pub plan: Arc<Plan>,
    /// The topology, when verify was given a topology (not a plan JSON).
    pub topology: Option<Arc<Topology>>,
    /// Lab (namespaces of `netkit lab up`) or live network.
    pub target: Target,
    /// Lab name when `target` is `Lab`.
    pub lab: Option<String>,
    /// Per-try timeout and tries of every probe.
    pub probe: ProbeSettings,
    /// Shared packet rate limit (`--rate`); every probe packet acquires a slot.
    pub limiter: Arc<RateLimiter>,
    /// When the whole run must stop (`--timeout`); checks still running then
    /// report `error`. `None`: no overall limit.
    pub run_deadline: Option<Instant>,
    /// The playbook's intervention deadline (RFC 3339), for reports only.
    pub playbook_deadline: Option<String>,
    /// Live target: where the far end of a bandwidth test toward a node listens
    /// (the `netkit agent` at that node, `ADDR:PORT`), instead of the node's
    /// planned address and port 5301.
    pub far_ends: Arc<HashMap<String, std::net::SocketAddr>>,
    /// The agent token for bandwidth tests on a live target; `None`: read
    /// `NETKIT_AGENT_TOKEN`.
    pub agent_token: Option<netkit_bandwidth::Token>,
    /// Addresses probes may go to (a remote agent's `--allow`); `None`: any. Checks
    /// skip optional probes (the positive control's candidates) outside it; the
    /// agent refuses units whose target is outside it before they run.
    pub allow: Option<AllowFn>,
    /// Nodes this machine stands in (a `netkit agent` told by its coordinator that
    /// it is the vantage point of these sources): they are local sources.
    pub stands_in: Arc<std::collections::HashSet<String>>,
    /// Lab target: the reader of the lab's stored secrets (SNMP credentials
    /// generated at `lab up`); `None`: only the topology and the environment.
    pub lab_secrets: Option<LabSecretsFn>,
    namespace_fn: NamespaceFn,
    local_addrs: Arc<Vec<IpAddr>>,
    icmp_clients: Arc<Mutex<HashMap<(Source, bool), IcmpCell>>>,
    pub(crate) controls: Arc<Mutex<HashMap<String, ControlCell>>>,
    owners: Arc<HashMap<IpAddr, String>>,
    traces: Arc<Mutex<HashMap<(String, String), TraceCell>>>,
}

type TraceCell = Arc<OnceCell<Result<PathFigure, String>>>;

type IcmpCell = Arc<OnceCell<Result<Arc<IcmpClient>, String>>>;
pub(crate) type ControlCell = Arc<OnceCell<Result<String, String>>>;

/// Where a check's packets leave from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    /// Inside this network namespace (lab target).
    Namespace(String),
    /// This machine, in the caller's namespace (live target, the source is local).
    Local,
}

impl Source {
    /// The namespace name to pass to `netkit_netns::run_in`.
    pub fn netns(&self) -> Option<&str> {
        match self {
            Source::Namespace(n) => Some(n),
            Source::Local => None,
        }
    }
}

impl CheckContext {
    /// A context for the lab `lab`, finding namespaces with `namespace_fn`.
    pub fn lab(plan: Arc<Plan>, lab: &str, namespace_fn: NamespaceFn) -> CheckContext {
        CheckContext {
            topology: None,
            target: Target::Lab,
            lab: Some(lab.to_string()),
            probe: ProbeSettings::default(),
            limiter: Arc::new(RateLimiter::new(crate::DEFAULT_RATE)),
            run_deadline: None,
            playbook_deadline: None,
            far_ends: Arc::default(),
            agent_token: None,
            allow: None,
            stands_in: Arc::default(),
            lab_secrets: None,
            namespace_fn,
            local_addrs: Arc::new(Vec::new()),
            icmp_clients: Arc::default(),
            controls: Arc::default(),
            owners: Arc::new(crate::resolve::address_owners(&plan)),
            traces: Arc::default(),
            plan,
        }
    }

    /// A context for the live network, from this machine.
    pub fn live(plan: Arc<Plan>) -> CheckContext {
        CheckContext {
            topology: None,
            target: Target::Live,
            lab: None,
            probe: ProbeSettings::default(),
            limiter: Arc::new(RateLimiter::new(crate::DEFAULT_RATE)),
            run_deadline: None,
            playbook_deadline: None,
            far_ends: Arc::default(),
            agent_token: None,
            allow: None,
            stands_in: Arc::default(),
            lab_secrets: None,
            namespace_fn: Arc::new(|lab, node| format!("{lab}.{node}")),
            local_addrs: Arc::new(local_addresses()),
            icmp_clients: Arc::default(),
            controls: Arc::default(),
            owners: Arc::new(crate::resolve::address_owners(&plan)),
            traces: Arc::default(),
            plan,
        }
    }

    /// The network namespace of lab node `node` (device, segment test host, named
    /// host, `internet`); `None` on a live target.
    pub fn namespace(&self, node: &str) -> Option<String> {
        // A segment without a free address has no test host of its own: its
        // vantage named host stands in for it (`SegmentPlan::vantage_host`).
        let node = self
            .plan
            .segment(node)
            .and_then(|s| s.vantage_host())
            .map_or(node, |h| h.id.as_str());
        match (&self.target, &self.lab) {
            (Target::Lab, Some(lab)) => Some((self.namespace_fn)(lab, node)),
            _ => None,
        }
    }

    /// Where a check from `node` runs. On a live target only a node this machine
    /// belongs to (one of its addresses is in the node's segment or is one of the
    /// device's addresses) can be a source.
    ///
    /// # Errors
    /// The reason of an `error` verdict: "needs an agent at SITE".
    pub fn source(&self, node: &str) -> Result<Source, String> {
        match self.target {
            Target::Lab => match self.namespace(node) {
                Some(ns) => Ok(Source::Namespace(ns)),
                None => Err("no lab name was given (use --lab NAME)".to_string()),
            },
            Target::Live => {
                if self.is_local(node) {
                    Ok(Source::Local)
                } else {
                    let site = self.site_of(node).unwrap_or_else(|| node.to_string());
                    Err(format!(
                        "needs an agent at {site}: this machine is not in {node}; name one in the playbook's `agents:` or with --agent {node}=ADDR"
                    ))
                }
            }
        }
    }

    /// Whether this machine is in `node` (or stands in it, as an agent).
    pub fn is_local(&self, node: &str) -> bool {
        if self.stands_in.contains(node) {
            return true;
        }
        let plan = &self.plan;
        if let Some(seg) = plan.segment(node) {
            return self.local_addrs.iter().any(|a| match a {
                IpAddr::V4(v4) => seg.prefix.contains(v4),
                IpAddr::V6(v6) => seg.prefix6.is_some_and(|p| p.contains(v6)),
            });
        }
        if let Some((_, host)) = plan.named_host(node) {
            return self.local_addrs.iter().any(|a| {
                *a == IpAddr::V4(host.address) || host.address6.is_some_and(|h| *a == IpAddr::V6(h))
            });
        }
        if let Some(dev) = plan.device(node) {
            return self.local_addrs.iter().any(|a| {
                dev.interfaces.iter().any(|i| {
                    *a == IpAddr::V4(i.address.addr())
                        || i.address6.is_some_and(|p| *a == IpAddr::V6(p.addr()))
                }) || dev.loopback.is_some_and(|l| *a == IpAddr::V4(l.addr()))
            });
        }
        false
    }

    /// The site a node id belongs to: `hq` for `hq.users`, `hq.r1`, `hq.servers.fs1`
    /// or `hq`; `None` for ids the plan does not know (e.g. `internet`).
    pub fn site_of(&self, node: &str) -> Option<String> {
        crate::resolve::site_of(&self.plan, node)
    }

    /// Run blocking `f` on a dedicated thread inside `source`'s namespace, without
    /// blocking the runtime. Sockets created by `f` stay in that namespace and may be
    /// returned and driven by tokio (call `Handle::enter` inside `f` first if they
    /// must be registered with the reactor there).
    ///
    /// # Errors
    /// The namespace does not exist or cannot be entered (one sentence).
    pub async fn run_in<T, F>(&self, source: &Source, f: F) -> Result<T, String>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let ns = source.netns().map(str::to_owned);
        let joined =
            tokio::task::spawn_blocking(move || netkit_netns::run_in(ns.as_deref(), f)).await;
        match joined {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(format!("the probe thread stopped: {e}")),
        }
    }

    /// How long a probe may still take: the smaller of `wanted` and what is left
    /// before [`CheckContext::run_deadline`].
    pub fn budget(&self, wanted: Duration) -> Duration {
        match self.run_deadline {
            Some(d) => wanted.min(d.saturating_duration_since(Instant::now())),
            None => wanted,
        }
    }

    /// The shared ICMP socket of `source` for IPv4 or IPv6, opened on first use and
    /// kept for the run (one socket per source and family, whatever the number of
    /// targets).
    ///
    /// # Errors
    /// The socket cannot be opened there (one sentence).
    pub async fn icmp(&self, source: &Source, v6: bool) -> Result<Arc<IcmpClient>, String> {
        let cell = {
            let mut map = self.icmp_clients.lock().unwrap_or_else(|e| e.into_inner());
            map.entry((source.clone(), v6)).or_default().clone()
        };
        cell.get_or_init(|| async {
            IcmpClient::open(source.netns(), v6)
                .await
                .map(Arc::new)
                .map_err(|e| e.to_string())
        })
        .await
        .clone()
    }

    /// A path probe from `node` toward `dst`, shared by every diagnosis from the
    /// same source toward the same place (`key`: the device or segment behind
    /// `dst`). Routers rate-limit their ICMP errors (6 then 1 per second per
    /// destination on Linux): one trace per place keeps diagnoses truthful.
    pub async fn diagnosis_trace(
        &self,
        node: &str,
        source: &Source,
        key: &str,
        dst: IpAddr,
        settings: ProbeSettings,
    ) -> Result<PathFigure, String> {
        let cell = {
            let mut map = self.traces.lock().unwrap_or_else(|e| e.into_inner());
            map.entry((node.to_string(), key.to_string()))
                .or_default()
                .clone()
        };
        cell.get_or_init(|| async {
            netkit_probe::trace::trace(source.netns(), dst, MAX_HOPS, settings, &self.limiter)
                .await
                .map_err(|e| e.to_string())
        })
        .await
        .clone()
    }

    /// Whether a probe may go to `a` ([`CheckContext::allow`]).
    pub fn may_probe(&self, a: IpAddr) -> bool {
        self.allow.as_ref().is_none_or(|f| f(a))
    }

    /// Who holds a planned address (`10.255.0.1` -> `lyon.r1`), for messages.
    pub fn owner_of(&self, a: IpAddr) -> Option<&str> {
        self.owners.get(&a).map(String::as_str)
    }

    /// `10.255.0.1 (lyon.r1)`.
    pub fn describe(&self, a: IpAddr) -> String {
        crate::resolve::describe_address(&self.owners, a)
    }

    /// Start a result for check `check` (`reach`, `bandwidth`...): fills `site`
    /// (the source's site), `start`, and the expected figure. Finish it with
    /// [`Draft::pass`], [`Draft::fail`] or [`Draft::error`].
    pub fn draft(&self, check: &str, from: Option<&str>, to: Option<&str>) -> Draft {
        Draft {
            result: CheckResult {
                check: check.to_string(),
                from: from.map(str::to_owned),
                to: to.map(str::to_owned),
                target: None,
                verdict: Verdict::Error,
                expected: Value::Null,
                measured: Value::Null,
                reason: None,
                start: netkit_results::now_rfc3339(),
                end: String::new(),
                site: from.and_then(|f| self.site_of(f)),
                agent: None,
                change: None,
            },
        }
    }
}

/// A result being built: [`CheckContext::draft`], then one of the finishers.
#[derive(Debug, Clone)]
pub struct Draft {
    pub result: CheckResult,
}

impl Draft {
    /// The address or name actually probed.
    pub fn target(mut self, target: impl ToString) -> Draft {
        self.result.target = Some(target.to_string());
        self
    }

    pub fn expected(mut self, expected: Value) -> Draft {
        self.result.expected = expected;
        self
    }

    /// Override the site (defaults to the source's site).
    pub fn site(mut self, site: Option<String>) -> Draft {
        self.result.site = site;
        self
    }

    fn finish(mut self, verdict: Verdict, measured: Value, reason: Option<String>) -> CheckResult {
        self.result.verdict = verdict;
        self.result.measured = measured;
        self.result.reason = reason;
        self.result.end = netkit_results::now_rfc3339();
        self.result
    }

    pub fn pass(self, measured: Value) -> CheckResult {
        self.finish(Verdict::Pass, measured, None)
    }

    /// The network is not as expected; `reason` is one sentence.
    pub fn fail(self, measured: Value, reason: impl Into<String>) -> CheckResult {
        self.finish(Verdict::Fail, measured, Some(reason.into()))
    }

    /// The check could not be run; `reason` is one sentence.
    pub fn error(self, reason: impl Into<String>) -> CheckResult {
        self.finish(Verdict::Error, Value::Null, Some(reason.into()))
    }

    /// `error` with whatever was measured before the check had to stop.
    pub fn error_with(self, measured: Value, reason: impl Into<String>) -> CheckResult {
        self.finish(Verdict::Error, measured, Some(reason.into()))
    }
}

/// Addresses of this machine (live target), from getifaddrs.
fn local_addresses() -> Vec<IpAddr> {
    let Ok(addrs) = nix::ifaddrs::getifaddrs() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for ifa in addrs {
        let Some(sa) = ifa.address else { continue };
        if let Some(v4) = sa.as_sockaddr_in() {
            out.push(IpAddr::V4(v4.ip()));
        } else if let Some(v6) = sa.as_sockaddr_in6() {
            out.push(IpAddr::V6(v6.ip()));
        }
    }
    out
}
