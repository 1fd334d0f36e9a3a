//! `netkit lab up|down|status|exec`: the mock-up in Linux network namespaces.
//! The work is in `netkit-lab`; this file parses arguments, finds the lab name,
//! shows progress on a terminal and prints the summary.

use std::io::Write;
use std::net::{TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use netkit_model::terminal::safe_multiline;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use comfy_table::Table;
use indicatif::{ProgressBar, ProgressStyle};
use netkit_lab::{ExecTarget, UpOptions};
use netkit_model::{Proto, RoutingMode, Service};

use crate::Outcome;
use crate::common;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: LabCommand,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Routing {
    Static,
    Ospf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(clap::Subcommand)]
enum LabCommand {
    /// Build the lab: namespaces, links, addresses, routes, filters, daemons.
    Up {
        /// Topology (YAML) or plan (JSON).
        topology: PathBuf,
        /// Routing in the lab (default: the topology's `routing`).
        #[arg(long, value_enum)]
        routing: Option<Routing>,
        /// Lab name, prefix of every namespace (default: the topology's name).
        #[arg(long, value_name = "LAB")]
        name: Option<String>,
        /// How long to wait for OSPF to converge, seconds.
        #[arg(long, default_value_t = 60, value_name = "SECONDS")]
        timeout: u64,
    },
    /// Remove everything `up` made: processes, namespaces, files, state.
    Down {
        /// Topology or plan (gives the lab name when --name is not given).
        topology: Option<PathBuf>,
        #[arg(long, value_name = "LAB")]
        name: Option<String>,
    },
    /// The lab's devices, links and processes, and whether they are healthy
    /// (exit 0 healthy, 1 not).
    Status {
        topology: Option<PathBuf>,
        #[arg(long, value_name = "LAB")]
        name: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Run a command inside a lab node's namespace: `exec [TOPOLOGY] NODE -- CMD...`,
    /// or `exec LAB.NODE -- CMD...` (no shell; the command's exit code is passed through).
    Exec {
        /// `[TOPOLOGY] NODE`: node is a device id, segment id (its test host),
        /// named host id, or `internet`.
        #[arg(required = true, num_args = 1..=2, value_name = "NODE")]
        target: Vec<String>,
        #[arg(long, value_name = "LAB")]
        name: Option<String>,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Service listener run by the lab in named hosts (internal).
    #[command(hide = true)]
    Listen {
        #[arg(long = "port", value_name = "PROTO/PORT")]
        ports: Vec<String>,
    },
}

pub fn run(args: Args) -> Result<Outcome> {
    match args.command {
        LabCommand::Up {
            topology,
            routing,
            name,
            timeout,
        } => up(&topology, routing, name, timeout),
        LabCommand::Down { topology, name } => {
            let lab = lab_name(topology.as_deref(), name)?;
            let r = netkit_lab::down(&lab)?;
            let how = if r.by_prefix {
                " (no state file: found by name prefix)"
            } else {
                ""
            };
            println!(
                "lab {} down: {} and {} removed in {:.1} s{how}",
                r.lab,
                count(r.namespaces, "namespace", "namespaces"),
                count(r.processes, "process", "processes"),
                r.elapsed.as_secs_f64()
            );
            Ok(Outcome::Success)
        }
        LabCommand::Status {
            topology,
            name,
            format,
        } => {
            let lab = lab_name(topology.as_deref(), name)?;
            status(&lab, format)
        }
        LabCommand::Exec {
            target,
            name,
            command,
        } => {
            let (topology, node) = match target.as_slice() {
                [node] => (None, node.clone()),
                [topo, node] => (Some(PathBuf::from(topo)), node.clone()),
                _ => bail!("give the node to run in: `netkit lab exec [TOPOLOGY] NODE -- CMD`"),
            };
            let (lab, node) = match (topology, name) {
                (t @ Some(_), n) | (t, n @ Some(_)) => (lab_name(t.as_deref(), n)?, node),
                // `exec LAB.NODE -- CMD`: the namespace name of a node of a running lab.
                (None, None) => match netkit_lab::list_labs().into_iter().find_map(|l| {
                    node.strip_prefix(&format!("{l}."))
                        .map(|n| (l.clone(), n.to_string()))
                }) {
                    Some(found) => found,
                    None => (only_lab()?, node),
                },
            };
            let command = with_frr_pathspace(&lab, &node, command);
            let code = netkit_lab::exec(&ExecTarget { lab, node }, &command)?;
            // The command's own exit code is the result.
            std::process::exit(code);
        }
        LabCommand::Listen { ports } => listen(&ports),
    }
}

fn up(
    topology: &Path,
    routing: Option<Routing>,
    name: Option<String>,
    timeout: u64,
) -> Result<Outcome> {
    let loaded = common::load(topology)?;
    let lab = name.unwrap_or_else(|| loaded.plan.name.clone());
    let mut opts = UpOptions::new(&lab);
    opts.routing = routing.map(|r| match r {
        Routing::Static => RoutingMode::Static,
        Routing::Ospf => RoutingMode::Ospf,
    });
    opts.convergence_timeout = Duration::from_secs(timeout.max(1));
    let exe = std::env::current_exe()
        .context("cannot find the netkit program itself (for the service listeners)")?;
    opts.listener = Some(vec![
        exe.display().to_string(),
        "lab".into(),
        "listen".into(),
    ]);
    let bar = if common::show_progress() && common::verbosity() != common::Verbosity::Verbose {
        let pb = ProgressBar::new_spinner();
        pb.set_style(
            ProgressStyle::with_template("{spinner} lab {prefix}: {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb.set_prefix(lab.clone());
        pb.enable_steady_tick(Duration::from_millis(100));
        Some(pb)
    } else {
        None
    };
    if let Some(pb) = &bar {
        let pb = pb.clone();
        opts.progress = Some(Box::new(move |m: &str| pb.set_message(m.to_string())));
    } else if common::verbosity() == common::Verbosity::Verbose {
        // --verbose: every step on its own line, in a pipe too.
        let lab = lab.clone();
        opts.progress = Some(Box::new(move |m: &str| eprintln!("netkit: lab {lab}: {m}")));
    }
    // Ctrl-C or SIGTERM while building: `up` stops at its next step and removes what
    // it made (the daemons run in sessions of their own and would not see the signal).
    let cancel = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    interrupt_sets(cancel.clone(), finished.clone());
    opts.cancel = Some(cancel.clone());
    let result = netkit_lab::up(&loaded.plan, &opts);
    finished.store(true, Ordering::SeqCst);
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    let r = match result {
        // Interrupted after the last step: the lab is whole, but it was not wanted.
        Ok(r) if cancel.load(Ordering::SeqCst) => {
            netkit_lab::down(&r.lab)?;
            bail!("lab {lab} was interrupted as it was finished: it was removed again");
        }
        Ok(r) => r,
        Err(e @ netkit_lab::Error::Step { .. }) => {
            bail!("lab {lab} could not be built, everything made was removed again: {e}")
        }
        Err(e) => return Err(e.into()),
    };
    // A veth only reports carrier a moment after both ends are up: wait (bounded) until
    // the lab is healthy, so that `status` or `verify` right after `up` see it whole.
    let healthy = wait_healthy(&r.lab, Duration::from_secs(5));
    println!(
        "lab {} up ({} routing): {} in {:.1} s",
        r.lab,
        r.routing,
        inventory(r.namespaces, &r.nodes, r.links, r.processes),
        r.elapsed.as_secs_f64()
    );
    for w in &r.warnings {
        eprintln!("netkit: warning: {}", safe_multiline(w));
    }
    if !healthy {
        eprintln!(
            "netkit: warning: lab {} is not healthy 5 s after it was built: see `netkit lab status --name {}`",
            r.lab, r.lab
        );
    }
    if r.services_without_listener > 0 {
        eprintln!(
            "netkit: warning: {} services have no listener",
            r.services_without_listener
        );
    }
    if let Some(c) = r.convergence {
        println!(
            "OSPF converged in {:.1} s: every router's routes match the plan",
            c.as_secs_f64()
        );
    }
    println!(
        "next: `netkit verify {} --auto --lab {}`, `netkit lab exec --name {} NODE -- CMD`, `netkit lab down --name {}`",
        topology.display(),
        r.lab,
        r.lab,
        r.lab
    );
    Ok(Outcome::Success)
}

/// On SIGINT or SIGTERM while `lab up` builds (`finished` not set), set `cancel`;
/// after that, end the process (exit 130) as the signal would have. Listens from a
/// thread of its own. Without signal handlers the signals act the default way.
fn interrupt_sets(cancel: Arc<AtomicBool>, finished: Arc<AtomicBool>) {
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    // Registered here, before `up` starts, so that no signal falls in between.
    let handlers = rt.block_on(async {
        Ok::<_, std::io::Error>((
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        ))
    });
    let Ok((mut int, mut term)) = handlers else {
        return;
    };
    let spawned = std::thread::Builder::new()
        .name("lab-up-signals".into())
        .spawn(move || {
            loop {
                rt.block_on(async {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                });
                if finished.load(Ordering::SeqCst) {
                    std::process::exit(130);
                }
                if !cancel.swap(true, Ordering::SeqCst) {
                    eprintln!("netkit: interrupted: removing what `lab up` made");
                }
            }
        });
    // Without the thread nobody listens: the default action is gone, so say so.
    if spawned.is_err() {
        eprintln!("netkit: warning: Ctrl-C will not stop `lab up` before it ends");
    }
}

/// The lab name: `--name`, else the name in the topology or plan file.
fn lab_name(topology: Option<&Path>, name: Option<String>) -> Result<String> {
    if let Some(n) = name {
        return Ok(n);
    }
    let Some(path) = topology else {
        return only_lab();
    };
    let bytes = common::read_file(path)?;
    let text = String::from_utf8_lossy(&bytes);
    if text.trim_start().starts_with('{')
        && let Ok(plan) = netkit_plan::Plan::from_json(&text)
    {
        return Ok(plan.name);
    }
    match netkit_model::parse(&bytes).topology {
        Some(t) => Ok(t.name),
        None => bail!(
            "cannot read the lab name from {}: give it with `--name LAB` (see `netkit lab status`)",
            path.display()
        ),
    }
}

/// With no topology and no `--name`: the one running lab, if there is exactly one.
fn only_lab() -> Result<String> {
    let labs = netkit_lab::list_labs();
    match labs.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!("no lab is running: start one with `netkit lab up TOPOLOGY`"),
        many => bail!(
            "several labs are running ({}): say which with `--name LAB`",
            many.join(", ")
        ),
    }
}

fn status(lab: &str, format: Format) -> Result<Outcome> {
    let s = netkit_lab::status(lab)?;
    if format == Format::Json {
        let text = serde_json::to_string_pretty(&s).context("cannot format the status")? + "\n";
        common::emit(None, &text)?;
        return Ok(Outcome::from_ok(s.healthy));
    }
    let mut out = String::new();
    out.push_str(&format!(
        "lab {} (topology {}, {} routing): {}\n",
        s.lab,
        s.topology,
        s.routing,
        if s.healthy { "healthy" } else { "NOT healthy" }
    ));
    out.push_str(&inventory(
        s.nodes.len(),
        &s.counts,
        s.links.len(),
        s.processes.len(),
    ));
    out.push('\n');
    if !s.complete {
        out.push_str("`lab up` did not finish: run `netkit lab down` and `netkit lab up` again\n");
    }
    let yes = |b: bool, t: &str, f: &str| if b { t.to_string() } else { f.to_string() };
    let mut t = Table::new();
    t.set_header(vec!["node", "kind", "namespace", "addresses", "state"]);
    for n in &s.nodes {
        let addrs: Vec<String> = n.addresses.iter().map(|a| a.to_string()).collect();
        t.add_row(vec![
            n.node.clone(),
            serde_json::to_value(n.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
            n.namespace.clone(),
            addrs.join(" "),
            yes(n.present, "present", "MISSING"),
        ]);
    }
    out.push_str(&format!("{t}\n"));
    let mut t = Table::new();
    t.set_header(vec!["link", "a", "b", "rate", "state"]);
    for l in &s.links {
        t.add_row(vec![
            l.what.clone(),
            format!("{}:{}", l.a, l.a_interface),
            format!("{}:{}", l.b, l.b_interface),
            l.rate_bps.map(human_rate).unwrap_or_else(|| "-".into()),
            yes(l.up, "up", "DOWN"),
        ]);
    }
    out.push_str(&format!("{t}\n"));
    if !s.processes.is_empty() {
        let mut t = Table::new();
        t.set_header(vec!["node", "program", "pid", "state"]);
        for p in &s.processes {
            t.add_row(vec![
                p.node.clone(),
                p.program.clone(),
                p.pid.to_string(),
                yes(p.running, "running", "STOPPED"),
            ]);
        }
        out.push_str(&format!("{t}\n"));
    }
    common::emit(None, &out)?;
    Ok(Outcome::from_ok(s.healthy))
}

/// What a lab holds, in the words of `lab up` and `lab status`: "21 namespaces
/// (2 routers, 3 switches, 3 access points, 10 hosts, 3 wireless clients), 40 veth
/// pairs, 1 process". Kinds the lab has none of are left out.
fn inventory(
    namespaces: usize,
    c: &netkit_lab::NodeCounts,
    links: usize,
    processes: usize,
) -> String {
    let kinds: Vec<String> = [
        (c.routers, "router", "routers"),
        (c.switches, "switch", "switches"),
        (c.access_points, "access point", "access points"),
        (c.hosts, "host", "hosts"),
        (c.wireless_clients, "wireless client", "wireless clients"),
    ]
    .into_iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| count(n, one, many))
    .collect();
    let by_kind = if kinds.is_empty() {
        String::new()
    } else {
        format!(" ({})", kinds.join(", "))
    };
    format!(
        "{}{by_kind}, {}, {}",
        count(namespaces, "namespace", "namespaces"),
        count(links, "veth pair", "veth pairs"),
        count(processes, "process", "processes")
    )
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn human_rate(bps: u64) -> String {
    netkit_units::format_rate(bps as f64)
}

/// The service listener: accepts TCP connections (and closes them after a short
/// greeting) and echoes UDP datagrams, on every address, until killed.
fn listen(ports: &[String]) -> Result<Outcome> {
    if ports.is_empty() {
        bail!("give at least one service, e.g. `--port tcp/445`");
    }
    let mut threads = Vec::new();
    for p in ports {
        let svc: Service = p.parse().map_err(|e: String| {
            anyhow::anyhow!("invalid service {p:?}: {e} (expected e.g. tcp/445)")
        })?;
        match svc.proto {
            Proto::Tcp => {
                let l = TcpListener::bind(("::", svc.port))
                    .or_else(|_| TcpListener::bind(("0.0.0.0", svc.port)))
                    .with_context(|| format!("cannot listen on tcp/{}", svc.port))?;
                threads.push(std::thread::spawn(move || {
                    for conn in l.incoming().flatten() {
                        let mut c = conn;
                        let _ = c.set_write_timeout(Some(Duration::from_secs(1)));
                        let _ = c.write_all(b"netkit lab service\r\n");
                    }
                }));
            }
            Proto::Udp => {
                let s = UdpSocket::bind(("::", svc.port))
                    .or_else(|_| UdpSocket::bind(("0.0.0.0", svc.port)))
                    .with_context(|| format!("cannot listen on udp/{}", svc.port))?;
                threads.push(std::thread::spawn(move || {
                    let mut buf = [0u8; 2048];
                    while let Ok((n, from)) = s.recv_from(&mut buf) {
                        let _ = s.send_to(&buf[..n], from);
                    }
                }));
            }
        }
    }
    println!("listening on {}", ports.join(", "));
    let _ = std::io::stdout().flush();
    // The listeners run until the process is killed.
    for t in threads {
        let _ = t.join();
    }
    Ok(Outcome::Success)
}

/// `vtysh` in a lab router must talk to that router's own FRR (its pathspace), not the
/// machine's: add `-N PATHSPACE` unless the user gave one.
fn with_frr_pathspace(lab: &str, node: &str, command: Vec<String>) -> Vec<String> {
    let is_vtysh = command.first().is_some_and(|c| {
        std::path::Path::new(c).file_name() == Some(std::ffi::OsStr::new("vtysh"))
    });
    let has_pathspace = command
        .iter()
        .any(|a| a == "-N" || a.starts_with("--pathspace"));
    if !is_vtysh || has_pathspace {
        return command;
    }
    let Some(pathspace) = netkit_lab::LabState::load(lab)
        .ok()
        .and_then(|st| st.frr_pathspace(node).map(str::to_owned))
    else {
        return command;
    };
    let mut out = Vec::with_capacity(command.len() + 2);
    out.push(command[0].clone());
    out.push("-N".into());
    out.push(pathspace);
    out.extend(command.into_iter().skip(1));
    out
}

/// Poll the lab's status until it is healthy or `limit` has passed.
fn wait_healthy(lab: &str, limit: Duration) -> bool {
    let start = std::time::Instant::now();
    loop {
        if netkit_lab::status(lab).is_ok_and(|s| s.healthy) {
            return true;
        }
        if start.elapsed() >= limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
