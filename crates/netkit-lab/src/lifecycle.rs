//! `up`, `down`, `status`, `exec`.

use std::collections::BTreeSet;
use std::fs::File;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ipnet::IpNet;
use netkit_model::RoutingMode;
use netkit_plan::{Plan, RouteKind};
use serde::Serialize;

use crate::design::{Design, NodeKind};
use crate::netlink::{self, KernelRoute, Nodes};
use crate::procs::{self, Spawned};
use crate::state::{self, LabState, LinkState, NodeState, state_dir};
use crate::{Error, Result, check_lab_name, check_privileges, namespace_name, ns, services};

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
}

impl UpOptions {
    pub fn new(lab: &str) -> UpOptions {
        UpOptions {
            lab: lab.to_string(),
            routing: None,
            listener: None,
            convergence_timeout: Duration::from_secs(60),
            progress: None,
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
    let result = build(plan, &design, opts, &mut st, started);
    match result {
        Ok(report) => Ok(report),
        Err(e) => {
            opts.say("rolling back");
            teardown(&st);
            Err(e)
        }
    }
}

fn build(
    plan: &Plan,
    d: &Design,
    opts: &UpOptions,
    st: &mut LabState,
    started: Instant,
) -> Result<UpReport> {
    let lab = opts.lab.as_str();
    let routing = d.routing;
    let dir = state_dir(lab);
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

    // 1. Namespaces, in parallel; each gets its netlink socket made inside it.
    opts.say(&format!("creating {} namespaces", d.nodes.len()));
    let slots: Vec<Mutex<Option<Connected>>> = d.nodes.iter().map(|_| Mutex::new(None)).collect();
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
    st.save()?;
    if let Some(e) = first_err {
        return Err(e);
    }
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
    opts.say(&format!("creating {} veth pairs", d.veths.len()));
    let loopbacks: Vec<(usize, IpNet)> = d
        .nodes
        .iter()
        .enumerate()
        .flat_map(|(i, n)| n.loopbacks.iter().map(move |l| (i, *l)))
        .collect();
    let addrs = netlink::address_list(&d.addresses, &loopbacks);
    let static_routes = d.routes.clone();
    rt.block_on(async {
        netlink::lo_up(&nodes).await?;
        netlink::create_bridges(&nodes, &d.bridges).await?;
        netlink::create_veths(&nodes, &d.veths).await?;
        netlink::veths_up(&nodes, &d.veths).await?;
        netlink::add_addresses(&nodes, &addrs).await?;
        netlink::add_routes(&nodes, &static_routes).await
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
    st.save()?;

    // 3. Shaping: tbf on both ends of every link with a bandwidth. `tc` is spawned
    // (argument vector) because no Rust crate builds tbf messages reliably.
    let shaped: Vec<(String, String, u64)> = d
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
        opts.say(&format!("shaping {} interfaces", shaped.len()));
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

    // 4. Filters (nftables) on gateways.
    let nft_dir = dir.join("nftables");
    for (i, node) in d.nodes.iter().enumerate() {
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
        opts.say(&format!("filters on {}", node.id));
        ns::run_tool(
            &files[i],
            &["nft".into(), "-f".into(), path.display().to_string()],
            "load nftables filters",
            &node.id,
        )?;
    }

    // 5. Daemons.
    let mut spawned: Vec<Spawned> = Vec::new();
    let res = start_daemons(plan, d, opts, st, &files, routing, &mut spawned);
    st.processes = spawned.iter().map(|s| s.state.clone()).collect();
    st.save()?;
    let (ospf_started, without_listener) = res?;
    check_started(&mut spawned)?;

    // 6. OSPF convergence.
    let mut convergence = None;
    if routing == RoutingMode::Ospf {
        opts.say("waiting for OSPF to converge");
        let t0 = ospf_started.unwrap_or_else(Instant::now);
        let routers: Vec<(usize, String)> = d
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
                let kernel = rt
                    .block_on(netlink::ipv4_routes(&handles[*i]))
                    .unwrap_or_default();
                if !routes_match(plan, id, &kernel) {
                    pending.push(id.clone());
                }
            }
            if pending.is_empty() {
                convergence = Some(t0.elapsed());
                break;
            }
            if Instant::now() >= deadline {
                check_started(&mut spawned)?;
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
        st.convergence_ms = convergence.map(|c| c.as_millis() as u64);
    }
    // 7. snmpd: shorten net-snmp's table caches so that changes show within ~1 s.
    let mut warnings = d.warnings.clone();
    if plan.snmp.is_some() {
        opts.say("shortening snmpd's table caches");
        warnings.extend(tune_snmp_caches(lab, d, &files));
    }
    st.warnings = warnings.clone();
    st.complete = true;
    st.save()?;
    // The netlink connections end with the runtime.
    drop(handles);
    rt.shutdown_background();
    Ok(UpReport {
        lab: lab.to_string(),
        routing,
        namespaces: st.nodes.len(),
        links: st.links.len(),
        processes: st.processes.len(),
        elapsed: started.elapsed(),
        convergence,
        services_without_listener: without_listener,
        warnings,
    })
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

fn start_daemons(
    plan: &Plan,
    d: &Design,
    opts: &UpOptions,
    st: &mut LabState,
    files: &[File],
    routing: RoutingMode,
    spawned: &mut Vec<Spawned>,
) -> Result<Started> {
    let lab = opts.lab.as_str();
    let dir = state_dir(lab);
    let mkdir = |p: &Path| {
        std::fs::create_dir_all(p)
            .map_err(|e| Error::step("create folder", &p.display().to_string(), e))
    };
    let node_index = |id: &str| d.nodes.iter().position(|n| n.id == id);

    // Service listeners on named hosts.
    let mut without_listener = 0;
    for seg in plan.segments() {
        for n in seg.named.iter().filter(|n| !n.services.is_empty()) {
            let Some(i) = node_index(&n.id) else { continue };
            let Some(prefix) = &opts.listener else {
                without_listener += n.services.len();
                continue;
            };
            // On the DNS server, dnsmasq itself answers port 53: a listener there would
            // take the port from it.
            let is_dns_server = plan.dns.as_ref().is_some_and(|dns| dns.server == n.id);
            let ports: Vec<String> = n
                .services
                .iter()
                .filter(|s| !(is_dns_server && s.port == 53))
                .map(|s| s.to_string())
                .collect();
            if ports.is_empty() {
                continue;
            }
            let mut argv = prefix.clone();
            for p in ports {
                argv.push("--port".into());
                argv.push(p);
            }
            let logs = dir.join("logs");
            mkdir(&logs)?;
            opts.say(&format!("listener on {}", n.id));
            spawned.push(procs::spawn(
                &n.id,
                "listener",
                &files[i],
                argv,
                &logs.join(format!("{}.listener.log", n.id)),
                &[],
            )?);
        }
    }

    // DNS: dnsmasq in the server's named-host namespace.
    if let Some(dns) = &plan.dns
        && let Some(i) = node_index(&dns.server)
    {
        let ddir = dir.join("dns");
        mkdir(&ddir)?;
        let listen: Vec<IpAddr> = d.addresses_of(i).iter().map(|a| a.addr()).collect();
        if let Some(conf) = services::dnsmasq_conf(plan, &listen, &ddir) {
            let path = ddir.join("dnsmasq.conf");
            std::fs::write(&path, conf).map_err(|e| {
                Error::step(
                    "write dnsmasq configuration",
                    &path.display().to_string(),
                    e,
                )
            })?;
            opts.say(&format!("dnsmasq on {}", dns.server));
            let argv = vec![
                "dnsmasq".to_string(),
                "--keep-in-foreground".into(),
                format!("--conf-file={}", path.display()),
                format!("--log-facility={}", ddir.join("dnsmasq.log").display()),
            ];
            spawned.push(procs::spawn(
                &dns.server,
                "dnsmasq",
                &files[i],
                argv,
                &ddir.join("dnsmasq.out"),
                &[],
            )?);
        }
    }

    // SNMP: snmpd in every layer-3 device.
    if let Some(snmp) = &plan.snmp {
        let secret =
            |key: &str, written: Option<&String>, default: Option<&str>| -> Result<String> {
                let value = match written.and_then(|w| services::expand_env(w)) {
                    Some(v) => v,
                    None => match default {
                        Some(v) => v.to_string(),
                        None => services::random_secret()
                            .map_err(|e| Error::step("generate a secret", key, e))?,
                    },
                };
                state::write_secret(lab, key, &value)?;
                Ok(value)
            };
        let community = secret("snmp-community", snmp.community.as_ref(), None)?;
        let user = secret("snmp-user", snmp.user.as_ref(), Some("netkit"))?;
        let mut auth = secret("snmp-auth-password", snmp.auth_password.as_ref(), None)?;
        let mut privacy = secret("snmp-priv-password", snmp.priv_password.as_ref(), None)?;
        // net-snmp refuses passphrases shorter than 8 characters.
        if auth.len() < 8 {
            auth = secret("snmp-auth-password", None, None)?;
        }
        if privacy.len() < 8 {
            privacy = secret("snmp-priv-password", None, None)?;
        }
        let auth_protocol =
            services::auth_protocol(snmp.auth_protocol.as_deref()).ok_or_else(|| {
                Error::step(
                    "configure snmpd",
                    "snmp.auth_protocol",
                    "unknown authentication protocol: use SHA, SHA-256, SHA-512 or MD5",
                )
            })?;
        let priv_protocol =
            services::priv_protocol(snmp.priv_protocol.as_deref()).ok_or_else(|| {
                Error::step(
                    "configure snmpd",
                    "snmp.priv_protocol",
                    "unknown privacy protocol: use AES, AES-256 or DES",
                )
            })?;
        state::write_secret(lab, "snmp-auth-protocol", auth_protocol)?;
        state::write_secret(lab, "snmp-priv-protocol", priv_protocol)?;
        for (key, value) in [
            ("snmp-community", &community),
            ("snmp-user", &user),
            ("snmp-auth-password", &auth),
            ("snmp-priv-password", &privacy),
        ] {
            if !services::secret_is_plain(value) {
                return Err(Error::step(
                    "configure snmpd",
                    key,
                    "the value has spaces, quotes, '#' or non-ASCII characters that snmpd.conf cannot hold: choose a plain one",
                ));
            }
        }
        let secrets = services::SnmpSecrets {
            community,
            user,
            auth_protocol,
            auth,
            priv_protocol,
            privacy,
            cache_community: secret("snmp-cache-community", None, None)?,
        };
        for (i, node) in d
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == NodeKind::Device)
        {
            let sdir = dir.join("snmp").join(&node.id);
            mkdir(&sdir)?;
            let _ = std::fs::set_permissions(
                &sdir,
                std::os::unix::fs::PermissionsExt::from_mode(0o700),
            );
            let addrs: Vec<IpAddr> = d.addresses_of(i).iter().map(|a| a.addr()).collect();
            let location = plan
                .device(&node.id)
                .and_then(|dev| plan.sites.iter().find(|s| s.name == dev.site))
                .and_then(|s| s.location.clone())
                .unwrap_or_default();
            let conf = services::snmpd_conf(&node.id, &location, &addrs, &secrets);
            let path = sdir.join("snmpd.conf");
            write_private(&path, &conf)?;
            let argv = vec![
                "snmpd".to_string(),
                "-f".into(),
                "-C".into(),
                "-c".into(),
                path.display().to_string(),
                "-p".into(),
                sdir.join("snmpd.pid").display().to_string(),
                "-Lf".into(),
                sdir.join("snmpd.log").display().to_string(),
            ];
            opts.say(&format!("snmpd on {}", node.id));
            let env = [("SNMP_PERSISTENT_DIR", sdir.display().to_string())];
            spawned.push(procs::spawn(
                &node.id,
                "snmpd",
                &files[i],
                argv,
                &sdir.join("snmpd.out"),
                &env,
            )?);
        }
    }

    // OSPF: zebra, then ospfd, in every router, each with its own pathspace.
    let mut ospf_started = None;
    if routing == RoutingMode::Ospf {
        let (uid, gid) = frr_ids();
        let routers: Vec<(usize, &crate::design::NodeDesign)> = d
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == NodeKind::Device)
            .collect();
        let mut waits = Vec::new();
        for (i, node) in &routers {
            let fdir = dir.join("frr").join(&node.id);
            mkdir(&fdir)?;
            let ps = crate::frr_pathspace(lab, &node.id);
            let run = Path::new(FRR_RUN).join(&ps);
            if !run.exists() {
                mkdir(&run)?;
                st.files.push(run.clone());
            }
            chown(&fdir, uid, gid);
            chown(&run, uid, gid);
            let zconf = fdir.join("zebra.conf");
            std::fs::write(&zconf, services::zebra_conf(&node.id)).map_err(|e| {
                Error::step("write zebra configuration", &zconf.display().to_string(), e)
            })?;
            let oconf = fdir.join("ospfd.conf");
            let Some(text) = services::ospfd_conf(plan, &node.id) else {
                return Err(Error::step(
                    "write ospfd configuration",
                    &node.id,
                    "the plan has no OSPF design for this router",
                ));
            };
            std::fs::write(&oconf, text).map_err(|e| {
                Error::step("write ospfd configuration", &oconf.display().to_string(), e)
            })?;
            for f in [&zconf, &oconf] {
                chown(f, uid, gid);
            }
            opts.say(&format!("zebra on {}", node.id));
            let mut z = procs::spawn(
                &node.id,
                "zebra",
                &files[*i],
                frr_argv("zebra", &ps, &zconf, &fdir),
                &fdir.join("zebra.out"),
                &[],
            )?;
            z.state.pathspace = Some(ps.clone());
            spawned.push(z);
            waits.push(run.join("zserv.api"));
        }
        // ospfd needs zebra's socket.
        let deadline = Instant::now() + Duration::from_secs(15);
        while waits.iter().any(|w| !w.exists()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(w) = waits.iter().find(|w| !w.exists()) {
            check_started(spawned)?;
            return Err(Error::step(
                "start zebra",
                &w.display().to_string(),
                "zebra's socket did not appear within 15 s",
            ));
        }
        ospf_started = Some(Instant::now());
        for (i, node) in &routers {
            let fdir = dir.join("frr").join(&node.id);
            let oconf = fdir.join("ospfd.conf");
            let ps = crate::frr_pathspace(lab, &node.id);
            opts.say(&format!("ospfd on {}", node.id));
            let mut o = procs::spawn(
                &node.id,
                "ospfd",
                &files[*i],
                frr_argv("ospfd", &ps, &oconf, &fdir),
                &fdir.join("ospfd.out"),
                &[],
            )?;
            o.state.pathspace = Some(ps);
            spawned.push(o);
        }
    }
    Ok((ospf_started, without_listener))
}

fn frr_argv(daemon: &str, pathspace: &str, conf: &Path, dir: &Path) -> Vec<String> {
    vec![
        format!("{FRR_DIR}/{daemon}"),
        "-N".into(),
        pathspace.into(),
        "-f".into(),
        conf.display().to_string(),
        "-i".into(),
        dir.join(format!("{daemon}.pid")).display().to_string(),
        "--log".into(),
        format!("file:{}", dir.join(format!("{daemon}.log")).display()),
        // No TCP vty: vtysh talks to the daemons through their pathspace sockets.
        "-P".into(),
        "0".into(),
    ]
}

fn frr_ids() -> (Option<u32>, Option<u32>) {
    let user = nix::unistd::User::from_name("frr").ok().flatten();
    (
        user.as_ref().map(|u| u.uid.as_raw()),
        user.map(|u| u.gid.as_raw()),
    )
}

fn chown(path: &Path, uid: Option<u32>, gid: Option<u32>) {
    let _ = std::os::unix::fs::chown(path, uid, gid);
}

fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::step("write configuration", &path.display().to_string(), e))
}

/// Fail if a daemon we started has already exited, with the end of its log.
fn check_started(spawned: &mut [Spawned]) -> Result<()> {
    let deadline = Instant::now() + Duration::from_millis(300);
    loop {
        for s in spawned.iter_mut() {
            if let Ok(Some(status)) = s.child.try_wait() {
                let log = s
                    .state
                    .log
                    .as_deref()
                    .map(procs::log_tail)
                    .unwrap_or_default();
                return Err(Error::step(
                    &format!("start {}", s.state.program),
                    &s.state.node,
                    format!("it exited ({status}): {log}"),
                ));
            }
        }
        if Instant::now() >= deadline {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run_plain(argv: &[String], step: &str, object: &str) -> Result<()> {
    let out = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| Error::step(step, object, format!("cannot run {}: {e}", argv[0])))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::step(
            step,
            object,
            format!(
                "{} failed: {}",
                argv[0],
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ))
    }
}

/// Run `f` on every item with a few threads; the first error wins.
fn parallel<T: Sync>(items: &[T], f: impl Fn(&T) -> Result<()> + Sync) -> Result<()> {
    let next = AtomicUsize::new(0);
    let err: Mutex<Option<Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..8.min(items.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= items.len() {
                        break;
                    }
                    if let Err(e) = f(&items[i])
                        && let Ok(mut slot) = err.lock()
                    {
                        slot.get_or_insert(e);
                    }
                }
            });
        }
    });
    match err.into_inner().ok().flatten() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Namespaces in /run/netns whose name starts with `{lab}.`.
fn lab_namespaces(lab: &str) -> Vec<String> {
    let prefix = format!("{lab}.");
    let mut v: Vec<String> = std::fs::read_dir(ns::NETNS_RUN_DIR)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Remove what a state lists: processes, namespaces, files, the state folder.
fn teardown(st: &LabState) -> (usize, usize) {
    let killed = procs::stop_all(&st.processes, Duration::from_secs(3));
    let names: Vec<String> = st.nodes.iter().map(|n| n.namespace.clone()).collect();
    let deleted = AtomicUsize::new(0);
    let _ = parallel(&names, |n| {
        if ns::exists(n) {
            ns::delete(n)?;
            deleted.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    });
    for f in &st.files {
        let _ = if f.is_dir() {
            std::fs::remove_dir_all(f)
        } else {
            std::fs::remove_file(f)
        };
    }
    let _ = std::fs::remove_dir_all(state_dir(&st.lab));
    (killed, deleted.into_inner())
}

/// What `down` removed.
#[derive(Debug, Clone, Serialize)]
pub struct DownReport {
    pub lab: String,
    pub processes: usize,
    pub namespaces: usize,
    pub elapsed: Duration,
    /// The state file was missing: namespaces were found by the lab's prefix.
    pub by_prefix: bool,
}

/// Remove lab `lab`: stop its processes (by pid, checking start time), delete its
/// namespaces, its files and its state. Without a state file, the namespaces named
/// `{lab}.*` are deleted.
///
/// # Errors
/// Bad name, missing privileges, or the lab does not exist at all.
pub fn down(lab: &str) -> Result<DownReport> {
    check_lab_name(lab)?;
    check_privileges()?;
    let started = Instant::now();
    match LabState::load(lab) {
        Ok(st) => {
            crate::trust::check_state(lab, &st)?;
            let (processes, namespaces) = teardown(&st);
            // Namespaces of an interrupted `up` that did not reach the state file.
            let mut extra = 0;
            for n in lab_namespaces(lab) {
                if ns::delete(&n).is_ok() {
                    extra += 1;
                }
            }
            Ok(DownReport {
                lab: lab.into(),
                processes,
                namespaces: namespaces + extra,
                elapsed: started.elapsed(),
                by_prefix: false,
            })
        }
        Err(Error::NotFound {
            lab: l,
            state: path,
        }) => {
            let left = lab_namespaces(lab);
            let dir = state_dir(lab);
            if left.is_empty() && !dir.exists() {
                return Err(Error::NotFound {
                    lab: l,
                    state: path,
                });
            }
            for n in &left {
                ns::delete(n)?;
            }
            let _ = std::fs::remove_dir_all(&dir);
            Ok(DownReport {
                lab: lab.into(),
                processes: 0,
                namespaces: left.len(),
                elapsed: started.elapsed(),
                by_prefix: true,
            })
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct NodeStatus {
    pub node: String,
    pub namespace: String,
    pub kind: NodeKind,
    pub present: bool,
    pub addresses: Vec<IpNet>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkStatus {
    pub what: String,
    pub a: String,
    pub a_interface: String,
    pub b: String,
    pub b_interface: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_bps: Option<u64>,
    /// Both ends exist, are up and have carrier.
    pub up: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcessStatus {
    pub node: String,
    pub program: String,
    pub pid: u32,
    pub running: bool,
}

/// A lab as it is now.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub lab: String,
    pub topology: String,
    pub routing: RoutingMode,
    pub complete: bool,
    pub healthy: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub convergence_ms: Option<u64>,
    pub nodes: Vec<NodeStatus>,
    pub links: Vec<LinkStatus>,
    pub processes: Vec<ProcessStatus>,
    /// What `up` warned about (e.g. snmpd cache tuning that failed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Look at lab `lab`: namespaces present, veth ends up, processes running.
///
/// # Errors
/// The lab does not exist or its state cannot be read.
pub fn status(lab: &str) -> Result<Status> {
    check_lab_name(lab)?;
    let st = LabState::load(lab)?;
    // Looking at interfaces means entering the namespaces.
    check_privileges()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::step("start the async runtime", lab, e))?;
    let mut iface: std::collections::BTreeMap<(String, String), bool> = Default::default();
    let mut nodes = Vec::new();
    for n in &st.nodes {
        let present = ns::exists(&n.namespace);
        if present {
            let h = rt.handle().clone();
            let conn = netkit_netns::run_in(Some(&n.namespace), move || {
                let _g = h.enter();
                netlink::connect()
            });
            if let Ok(Ok((_task, handle))) = conn
                && let Ok(list) = rt.block_on(netlink::links(&handle))
            {
                for (name, up, running) in list {
                    iface.insert((n.node.clone(), name), up && running);
                }
            }
        }
        nodes.push(NodeStatus {
            node: n.node.clone(),
            namespace: n.namespace.clone(),
            kind: n.kind,
            present,
            addresses: n.addresses.clone(),
        });
    }
    let links: Vec<LinkStatus> = st
        .links
        .iter()
        .map(|l| {
            let a = iface
                .get(&(l.a.clone(), l.a_interface.clone()))
                .copied()
                .unwrap_or(false);
            let b = iface
                .get(&(l.b.clone(), l.b_interface.clone()))
                .copied()
                .unwrap_or(false);
            LinkStatus {
                what: l.what.clone(),
                a: l.a.clone(),
                a_interface: l.a_interface.clone(),
                b: l.b.clone(),
                b_interface: l.b_interface.clone(),
                rate_bps: l.rate_bps,
                up: a && b,
            }
        })
        .collect();
    let processes: Vec<ProcessStatus> = st
        .processes
        .iter()
        .map(|p| ProcessStatus {
            node: p.node.clone(),
            program: p.program.clone(),
            pid: p.pid,
            running: procs::alive(p),
        })
        .collect();
    let healthy = st.complete
        && nodes.iter().all(|n| n.present)
        && links.iter().all(|l| l.up)
        && processes.iter().all(|p| p.running);
    Ok(Status {
        lab: st.lab.clone(),
        topology: st.topology.clone(),
        routing: st.routing,
        complete: st.complete,
        healthy,
        convergence_ms: st.convergence_ms,
        nodes,
        links,
        processes,
        warnings: st.warnings.clone(),
    })
}

/// Where `exec` runs: a node of a lab.
#[derive(Debug, Clone)]
pub struct ExecTarget {
    pub lab: String,
    pub node: String,
}

/// Run `argv` (no shell) inside the namespace of `target`, with this process's
/// standard input and output; returns its exit code (128 + signal if killed).
///
/// # Errors
/// Unknown lab or node, or the program cannot be started.
pub fn exec(target: &ExecTarget, argv: &[String]) -> Result<i32> {
    check_lab_name(&target.lab)?;
    if argv.is_empty() {
        return Err(Error::Other(
            "no command given: add it after `--`, e.g. `netkit lab exec --name acme hq.r1 -- ip route`".into(),
        ));
    }
    let namespace = match LabState::load(&target.lab) {
        Ok(st) => match st.namespace(&target.node) {
            Some(n) => n.to_string(),
            None => {
                let known: Vec<&str> = st.nodes.iter().map(|n| n.node.as_str()).collect();
                return Err(Error::UnknownNode {
                    lab: target.lab.clone(),
                    node: target.node.clone(),
                    known: known.join(", "),
                });
            }
        },
        Err(Error::NotFound { .. }) if ns::exists(&namespace_name(&target.lab, &target.node)) => {
            namespace_name(&target.lab, &target.node)
        }
        Err(e) => return Err(e),
    };
    check_privileges()?;
    let file = ns::open(&namespace)?;
    let status = ns::command_in(&file, argv, false)?
        .status()
        .map_err(|e| Error::step(&format!("run {}", argv[0]), &namespace, e))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1))
}

/// Folder of a lab's FRR files (configuration, logs, pid files) for a router.
pub fn frr_dir(lab: &str, device: &str) -> PathBuf {
    state_dir(lab).join("frr").join(device)
}
