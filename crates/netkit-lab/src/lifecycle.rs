//! `up`, `down`, `status`, `exec`.

use std::collections::BTreeSet;
use std::fs::File;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use netkit_model::RoutingMode;
use netkit_plan::{Plan, RouteKind};
use serde::Serialize;

use crate::design::{Design, NodeCounts, NodeKind};
use crate::netlink::{self, KernelRoute, Nodes};
use crate::procs::{self, Spawned};
use crate::state::{self, LabState, LinkState, NodeState, state_dir};
use crate::{Error, Result, check_lab_name, check_privileges, namespace_name, ns, services};

mod daemons;
mod down;
mod status;

use daemons::*;
pub use down::{DownReport, down};
use down::{lab_namespaces, teardown};
pub use status::{
    ExecTarget, LinkStatus, NodeStatus, ProcessStatus, Status, exec, frr_dir, status,
};

/// Where Debian's frr package puts its daemons.
pub const FRR_DIR: &str = "/usr/lib/frr";
/// FRR's run folder; `-N PATHSPACE` puts a daemon's sockets in `FRR_RUN/PATHSPACE/`.
pub const FRR_RUN: &str = "/var/run/frr";

/// Receives one-line progress messages.
pub type Progress = Box<dyn Fn(&str) + Send + Sync>;

type Connected = Result<(tokio::task::JoinHandle<()>, rtnetlink::Handle)>;

/// How to build a lab.
pub struct UpOptions {
    /// Lab name: prefixes every namespace (`{lab}.{node}`).
    pub lab: String,
    /// Overrides the plan's routing mode.
    pub routing: Option<RoutingMode>,
    /// Command line (program and leading arguments) of the service listener; the
    /// lab appends `--port tcp/445 ...`. `None`: named hosts' services get no listener.
    pub listener: Option<Vec<String>>,
    /// How long `up` waits for OSPF to converge.
    pub convergence_timeout: Duration,
    /// Progress messages (one line each), e.g. for a terminal spinner.
    pub progress: Option<Progress>,
    /// Set (e.g. by the CLI on SIGINT or SIGTERM) to stop: `up` stops at its next
    /// step, or within 100 ms while it waits for OSPF, and rolls back.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl UpOptions {
    pub fn new(lab: &str) -> UpOptions {
        UpOptions {
            lab: lab.to_string(),
            routing: None,
            listener: None,
            convergence_timeout: Duration::from_secs(60),
            progress: None,
            cancel: None,
        }
    }

    /// An error once `cancel` is set: the build stops there and rolls back.
    fn go_on(&self) -> Result<()> {
        match &self.cancel {
            Some(c) if c.load(Ordering::SeqCst) => Err(Error::step(
                "lab up",
                &self.lab,
                "interrupted (SIGINT or SIGTERM)",
            )),
            _ => Ok(()),
        }
    }

    fn say(&self, msg: &str) {
        if let Some(p) = &self.progress {
            p(msg);
        }
    }
}

/// What `up` made, with timings.
#[derive(Debug, Clone, Serialize)]
pub struct UpReport {
    pub lab: String,
    pub routing: RoutingMode,
    pub namespaces: usize,
    /// The namespaces by kind: routers, switches, access points, hosts.
    pub nodes: NodeCounts,
    pub links: usize,
    pub processes: usize,
    pub elapsed: Duration,
    /// OSPF convergence time (from ospfd start to every router's routes matching).
    pub convergence: Option<Duration>,
    /// Named hosts' services left without a listener (no listener program given).
    pub services_without_listener: usize,
    /// What the lab could not reproduce from the plan (e.g. a route through an
    /// interface the lab does not have), one sentence each.
    pub warnings: Vec<String>,
}

/// Build the lab of `plan`. On failure, everything made so far is removed again and
/// the error names the step, the object and the kernel's (or tool's) message.
///
/// # Errors
/// Bad lab name, missing privileges, the lab exists, or a step failed.
pub fn up(plan: &Plan, opts: &UpOptions) -> Result<UpReport> {
    let lab = opts.lab.as_str();
    check_lab_name(lab)?;
    check_privileges()?;
    let dir = state_dir(lab);
    if dir.exists() {
        return Err(Error::Exists {
            lab: lab.into(),
            what: format!("{} exists", dir.display()),
        });
    }
    if let Some(n) = lab_namespaces(lab).first() {
        return Err(Error::Exists {
            lab: lab.into(),
            what: format!("network namespace {n} exists"),
        });
    }
    let routing = opts.routing.unwrap_or(plan.routing);
    let started = Instant::now();
    let design = Design::from_plan(lab, plan, routing);
    std::fs::create_dir_all(state::STATE_ROOT)
        .map_err(|e| Error::step("create state folder", state::STATE_ROOT, e))?;
    // `create_dir`, not `create_dir_all`: of two `up` of the same lab, one wins.
    match std::fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Exists {
                lab: lab.into(),
                what: format!("{} exists", dir.display()),
            });
        }
        Err(e) => {
            return Err(Error::step(
                "create lab state folder",
                &dir.display().to_string(),
                e,
            ));
        }
    }
    let mut st = LabState::new(lab, plan, routing);
    let mut spawned: Vec<Spawned> = Vec::new();
    let result = build(plan, &design, opts, &mut st, &mut spawned, started);
    match result {
        Ok(report) => Ok(report),
        Err(e) => {
            opts.say("rolling back");
            teardown(&st);
            // The daemons were our children: reap them, so that a long-lived caller
            // is not left with zombies. `teardown` has stopped them.
            for s in &mut spawned {
                let _ = s.child.try_wait();
            }
            Err(e)
        }
    }
}

fn build(
    plan: &Plan,
    d: &Design,
    opts: &UpOptions,
    st: &mut LabState,
    spawned: &mut Vec<Spawned>,
    started: Instant,
) -> Result<UpReport> {
    let lab = opts.lab.as_str();
    let routing = d.routing;
    let dir = state_dir(lab);
    let b = Builder::start(plan, d, opts, st, &dir)?;

    // 1. Namespaces, in parallel; each gets its netlink socket made inside it.
    let (handles, first_err) = b.namespaces(st);
    st.save()?;
    if let Some(e) = first_err {
        return Err(e);
    }
    opts.go_on()?;
    let files: Vec<File> = d
        .nodes
        .iter()
        .map(|n| ns::open(&n.ns))
        .collect::<Result<_>>()?;
    let names: Vec<String> = d.nodes.iter().map(|n| n.ns.clone()).collect();
    let nodes = Nodes {
        handles: &handles,
        files: &files,
        names: &names,
    };

    // 2. Interfaces, addresses, routes.
    b.interfaces(st, &nodes)?;
    st.save()?;
    opts.go_on()?;

    // 3. Shaping.
    b.shape(&names)?;
    opts.go_on()?;

    // 4. Filters (nftables) on gateways.
    b.filters(&dir, &files)?;

    // 5. Daemons.
    opts.go_on()?;
    let res = start_daemons(plan, d, opts, st, &files, routing, spawned);
    st.processes = spawned.iter().map(|s| s.state.clone()).collect();
    st.save()?;
    let (ospf_started, without_listener) = res?;
    check_started(spawned)?;
    opts.go_on()?;

    // 6. OSPF convergence.
    let mut convergence = None;
    if routing == RoutingMode::Ospf {
        convergence = Some(b.converge(&handles, spawned, ospf_started, &dir)?);
        st.convergence_ms = convergence.map(|c| c.as_millis() as u64);
    }
    // 7. snmpd: shorten net-snmp's table caches so that changes show within ~1 s.
    let warnings = b.warnings(&files);
    st.warnings = warnings.clone();
    opts.go_on()?;
    st.complete = true;
    st.save()?;
    // The netlink connections end with the runtime.
    drop(handles);
    b.rt.shutdown_background();
    Ok(UpReport {
        lab: lab.to_string(),
        routing,
        namespaces: st.nodes.len(),
        nodes: NodeCounts::of(st.nodes.iter().map(|n| n.kind)),
        links: st.links.len(),
        processes: st.processes.len(),
        elapsed: started.elapsed(),
        convergence,
        services_without_listener: without_listener,
        warnings,
    })
}

/// The steps of [`build`] that share the plan, the design and the runtime.
struct Builder<'a> {
    plan: &'a Plan,
    d: &'a Design,
    opts: &'a UpOptions,
    rt: tokio::runtime::Runtime,
}

impl<'a> Builder<'a> {
    /// Write the plan into the lab's folder `dir`, save the state and start the
    /// runtime of the netlink connections.
    fn start(
        plan: &'a Plan,
        d: &'a Design,
        opts: &'a UpOptions,
        st: &mut LabState,
        dir: &Path,
    ) -> Result<Builder<'a>> {
        let lab = opts.lab.as_str();
        std::fs::write(dir.join("plan.json"), plan.to_json()).map_err(|e| {
            Error::step(
                "write plan",
                &dir.join("plan.json").display().to_string(),
                e,
            )
        })?;
        st.save()?;
        ns::ensure_run_dir()?;

        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::step("start the async runtime", lab, e))?;
        Ok(Builder { plan, d, opts, rt })
    }

    /// What the lab could not reproduce: the design's warnings, then those of
    /// snmpd's table caches (shortened so that changes show within ~1 s).
    fn warnings(&self, files: &[File]) -> Vec<String> {
        let mut warnings = self.d.warnings.clone();
        if self.plan.snmp.is_some() {
            self.opts.say("shortening snmpd's table caches");
            warnings.extend(tune_snmp_caches(&self.opts.lab, self.d, files));
        }
        warnings
    }

    /// Create the namespaces, in parallel; each gets its netlink socket made inside
    /// it. Records every namespace made in `st`, and gives the netlink handles and
    /// the first error.
    fn namespaces(&self, st: &mut LabState) -> (Vec<rtnetlink::Handle>, Option<Error>) {
        let d = self.d;
        let slots = self.connect_all();
        let mut handles = Vec::with_capacity(d.nodes.len());
        let mut first_err = None;
        for (i, slot) in slots.into_iter().enumerate() {
            let node = &d.nodes[i];
            match slot.into_inner().ok().flatten() {
                Some(Ok((_task, h))) => {
                    st.nodes.push(NodeState {
                        node: node.id.clone(),
                        namespace: node.ns.clone(),
                        kind: node.kind,
                        addresses: d.addresses_of(i),
                        gateway: d.gateways.get(&i).copied(),
                    });
                    handles.push(h);
                }
                Some(Err(e)) => {
                    // The namespace may exist even though its socket failed.
                    if ns::exists(&node.ns) {
                        st.nodes.push(NodeState {
                            node: node.id.clone(),
                            namespace: node.ns.clone(),
                            kind: node.kind,
                            addresses: Vec::new(),
                            gateway: None,
                        });
                    }
                    first_err.get_or_insert(e);
                }
                None => {
                    first_err.get_or_insert(Error::step(
                        "create network namespace",
                        &node.ns,
                        "worker thread failed",
                    ));
                }
            }
        }
        (handles, first_err)
    }

    /// Create every namespace with its netlink connection, on up to 8 threads: one
    /// slot per node, `None` where the worker thread failed.
    fn connect_all(&self) -> Vec<Mutex<Option<Connected>>> {
        let (d, rt) = (self.d, &self.rt);
        self.opts
            .say(&format!("creating {} namespaces", d.nodes.len()));
        let slots: Vec<Mutex<Option<Connected>>> =
            d.nodes.iter().map(|_| Mutex::new(None)).collect();
        let next = AtomicUsize::new(0);
        let workers = 8.min(d.nodes.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= d.nodes.len() {
                            break;
                        }
                        let node = &d.nodes[i];
                        let h = rt.handle().clone();
                        let setup = ns::NsSetup {
                            forwarding: node.kind == NodeKind::Device,
                        };
                        let r = ns::create(&node.ns, setup, move || {
                            let _g = h.enter();
                            netlink::connect()
                        });
                        if let Ok(mut slot) = slots[i].lock() {
                            *slot = Some(r);
                        }
                    }
                });
            }
        });
        slots
    }

    /// Interfaces, addresses, routes; records the links in `st`.
    fn interfaces(&self, st: &mut LabState, nodes: &Nodes) -> Result<()> {
        let d = self.d;
        self.opts
            .say(&format!("creating {} veth pairs", d.veths.len()));
        let loopbacks: Vec<(usize, IpNet)> = d
            .nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| n.loopbacks.iter().map(move |l| (i, *l)))
            .collect();
        let addrs = netlink::address_list(&d.addresses, &loopbacks);
        let static_routes = d.routes.clone();
        self.rt.block_on(async {
            netlink::lo_up(nodes).await?;
            netlink::create_bridges(nodes, &d.bridges).await?;
            netlink::create_veths(nodes, &d.veths).await?;
            netlink::veths_up(nodes, &d.veths).await?;
            netlink::add_addresses(nodes, &addrs).await?;
            netlink::add_routes(nodes, &static_routes).await
        })?;
        for v in &d.veths {
            st.links.push(LinkState {
                what: v.what.clone(),
                a: d.nodes[v.a].id.clone(),
                a_interface: v.a_if.clone(),
                b: d.nodes[v.b].id.clone(),
                b_interface: v.b_if.clone(),
                rate_bps: v.rate_bps,
                link: v.link,
            });
        }
        Ok(())
    }

    /// Shaping: tbf on both ends of every link with a bandwidth. `tc` is spawned
    /// (argument vector) because no Rust crate builds tbf messages reliably.
    fn shape(&self, names: &[String]) -> Result<()> {
        let shaped: Vec<(String, String, u64)> = self
            .d
            .veths
            .iter()
            .filter_map(|v| v.rate_bps.map(|r| (v, r)))
            .flat_map(|(v, r)| {
                [
                    (names[v.a].clone(), v.a_if.clone(), r),
                    (names[v.b].clone(), v.b_if.clone(), r),
                ]
            })
            .collect();
        if !shaped.is_empty() {
            self.opts
                .say(&format!("shaping {} interfaces", shaped.len()));
            parallel(&shaped, |(nsn, ifname, rate)| {
                let mut argv: Vec<String> =
                    ["tc", "-n", nsn, "qdisc", "replace", "dev", ifname, "root"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                argv.extend(services::tbf_args(*rate));
                run_plain(&argv, "shape link (tc tbf)", &format!("{nsn}:{ifname}"))
            })?;
        }
        Ok(())
    }

    /// Filters (nftables) on gateways, their rules written under `dir`.
    fn filters(&self, dir: &Path, files: &[File]) -> Result<()> {
        let plan = self.plan;
        let nft_dir = dir.join("nftables");
        for (i, node) in self.d.nodes.iter().enumerate() {
            if node.kind != NodeKind::Device {
                continue;
            }
            // The routing engineer's generator (netkit-config) is the one source of the
            // filter rules: the lab loads exactly what `netkit config --target linux` writes.
            if plan.filters.get(&node.id).is_none_or(|r| r.is_empty()) {
                continue;
            }
            let rules = netkit_config::linux::nftables(plan, &node.id);
            std::fs::create_dir_all(&nft_dir)
                .map_err(|e| Error::step("create folder", &nft_dir.display().to_string(), e))?;
            let path = nft_dir.join(format!("{}.nft", node.id));
            std::fs::write(&path, rules)
                .map_err(|e| Error::step("write nftables rules", &path.display().to_string(), e))?;
            self.opts.say(&format!("filters on {}", node.id));
            ns::run_tool(
                &files[i],
                &["nft".into(), "-f".into(), path.display().to_string()],
                "load nftables filters",
                &node.id,
            )?;
        }
        Ok(())
    }

    /// OSPF convergence: wait until every router's kernel routes match the plan.
    /// Gives the time since `ospf_started` (now, when not given).
    fn converge(
        &self,
        handles: &[rtnetlink::Handle],
        spawned: &mut [Spawned],
        ospf_started: Option<Instant>,
        dir: &Path,
    ) -> Result<Duration> {
        let (plan, opts) = (self.plan, self.opts);
        opts.say("waiting for OSPF to converge");
        let t0 = ospf_started.unwrap_or_else(Instant::now);
        let routers: Vec<(usize, String)> = self
            .d
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == NodeKind::Device)
            .map(|(i, n)| (i, n.id.clone()))
            .collect();
        let deadline = t0 + opts.convergence_timeout;
        let mut pending: Vec<String> = Vec::new();
        loop {
            pending.clear();
            for (i, id) in &routers {
                let kernel = self
                    .rt
                    .block_on(netlink::ipv4_routes(&handles[*i]))
                    .unwrap_or_default();
                if !routes_match(plan, id, &kernel) {
                    pending.push(id.clone());
                }
            }
            if pending.is_empty() {
                return Ok(t0.elapsed());
            }
            opts.go_on()?;
            if Instant::now() >= deadline {
                check_started(spawned)?;
                return Err(Error::step(
                    "wait for OSPF convergence",
                    &pending.join(", "),
                    format!(
                        "routes still differ from the plan after {} s (see the FRR logs in {})",
                        opts.convergence_timeout.as_secs(),
                        dir.join("frr").display()
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Set the cache timeouts of `services::CACHED_TABLES` in every device's snmpd to
/// `services::LAB_CACHE_TIMEOUT_S`, through the localhost-only cache community, from
/// inside the device's namespace. Returns one warning per device where that failed
/// (its snmpd still answers, with net-snmp's default cache timeouts, up to 60 s).
fn tune_snmp_caches(lab: &str, d: &Design, files: &[File]) -> Vec<String> {
    let community = match state::lab_secret(lab, "snmp-cache-community") {
        Ok(Some(c)) => c,
        _ => {
            return vec![
                "snmpd's table caches keep their default timeouts (up to 60 s): the cache community could not be read back".into(),
            ];
        }
    };
    // The community goes to snmpset through a 0600 snmp.conf, not its command line.
    let Some(conf_dir) = services::tools_conf(&community)
        .and_then(|text| state::write_secret(lab, "snmp.conf", &text).ok())
        .and_then(|p| p.parent().map(Path::to_path_buf))
    else {
        return vec![
            "snmpd's table caches keep their default timeouts (up to 60 s): the cache community could not be written to snmp.conf".into(),
        ];
    };
    let devices: Vec<(usize, &str)> = d
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == NodeKind::Device)
        .map(|(i, n)| (i, n.id.as_str()))
        .collect();
    let warnings: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let _ = parallel(&devices, |(i, id)| {
        if let Err(why) = tune_one_snmpd(&files[*i], &community, &conf_dir)
            && let Ok(mut w) = warnings.lock()
        {
            w.push(format!(
                "snmpd of {id} keeps net-snmp's default table cache timeouts (changes show up to 60 s late): {why}"
            ));
        }
        Ok(())
    });
    let mut w = warnings.into_inner().unwrap_or_default();
    w.sort();
    w
}

fn tune_one_snmpd(
    ns_file: &File,
    community: &str,
    conf_dir: &Path,
) -> std::result::Result<(), String> {
    let run = |argv: &[String]| -> std::result::Result<(), String> {
        let out = ns::command_in(ns_file, argv, false)
            .map_err(|e| e.to_string())?
            .env("MIBS", "")
            .env("SNMPCONFPATH", conf_dir)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run {} (apt install snmp): {e}", argv[0]))?;
        if out.status.success() {
            Ok(())
        } else {
            let msg = String::from_utf8_lossy(&out.stderr)
                .trim()
                .replace('\n', " / ")
                .replace(community, "***");
            Err(format!("{} failed: {msg}", argv[0]))
        }
    };
    // Wait (at most 10 s) until snmpd answers on 127.0.0.1.
    let first = services::CACHED_TABLES[0];
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut attempts = 0;
    loop {
        attempts += 1;
        match run(&services::cache_get_argv(first)) {
            Ok(()) => break,
            Err(e) if Instant::now() >= deadline || attempts >= 10 => {
                return Err(format!("snmpd did not answer within 10 s ({e})"));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(200)),
        }
    }
    // One SET per table: a table this net-snmp build does not cache is refused alone.
    let mut failed = Vec::new();
    for table in services::CACHED_TABLES {
        if let Err(e) = run(&services::cache_set_argv(
            table,
            services::LAB_CACHE_TIMEOUT_S,
        )) {
            failed.push(format!("{table}: {e}"));
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "setting nsCacheTimeout failed for {}",
            failed.join("; ")
        ))
    }
}

/// Whether a router's kernel IPv4 table matches its planned routes: every planned
/// destination (connected ones aside) is covered by a learned route, and where a
/// learned route has exactly a planned destination, its next hops are the planned ones.
pub(crate) fn routes_match(plan: &Plan, device: &str, kernel: &[KernelRoute]) -> bool {
    let Some(planned) = plan.routes.get(device) else {
        return true;
    };
    let learned: Vec<&KernelRoute> = kernel.iter().filter(|k| !k.gateways.is_empty()).collect();
    let mut dests: Vec<IpNet> = planned
        .iter()
        .filter(|r| r.kind != RouteKind::Connected && r.destination.addr().is_ipv4())
        .map(|r| r.destination.trunc())
        .collect();
    dests.dedup();
    for dst in dests {
        let hops: BTreeSet<IpAddr> = planned
            .iter()
            .filter(|r| r.destination.trunc() == dst)
            .filter_map(|r| r.next_hop)
            .collect();
        let covering: Vec<&&KernelRoute> = learned
            .iter()
            .filter(|k| {
                if dst.prefix_len() == 0 {
                    k.destination.prefix_len() == 0
                } else {
                    k.destination.prefix_len() > 0
                        && (k.destination.contains(&dst) || dst.contains(&k.destination))
                }
            })
            .collect();
        if covering.is_empty() {
            return false;
        }
        for k in covering.iter().filter(|k| k.destination == dst) {
            let got: BTreeSet<IpAddr> = k.gateways.iter().copied().collect();
            if !hops.is_empty() && got != hops {
                return false;
            }
        }
    }
    true
}

type Started = (Option<Instant>, usize);
