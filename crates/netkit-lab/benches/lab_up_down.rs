//! `lab up` / `lab down` of a generated topology: 50 routers in a ring (plus chords),
//! 2 segments per router (so 150 namespaces, 175 veth pairs, 150 shaped ends).
//! Prints the time of each run and namespaces per second. Target: up < 10 s.
//!
//! Run as root: `cargo bench -p netkit-lab --bench lab_up_down`
//! Knobs: `NETKIT_BENCH_ROUTERS` (default 50), `NETKIT_BENCH_RUNS` (default 3),
//! `NETKIT_BENCH_ROUTING=ospf` (FRR in every router, waits for convergence).

use std::fmt::Write;
use std::time::Duration;

use netkit_lab::UpOptions;
use netkit_model::RoutingMode;

fn topology(routers: usize) -> String {
    let mut y = String::from(
        "name: bench\naddressing: { ipv4: 10.0.0.0/8, wan: 10.255.0.0/16, loopbacks: 10.254.0.0/16 }\nsites:\n",
    );
    for i in 0..routers {
        let _ = writeln!(
            y,
            "  s{i:02}:\n    devices: {{ r1: {{ kind: router }} }}\n    segments:\n      users: {{ vlan: 10, hosts: 50 }}\n      voice: {{ vlan: 20, hosts: 20 }}"
        );
    }
    y.push_str("links:\n");
    for i in 0..routers {
        let j = (i + 1) % routers;
        let _ = writeln!(
            y,
            "  - {{ a: s{i:02}.r1, b: s{j:02}.r1, bandwidth: 100Mbps, cost: 10 }}"
        );
        if i % 2 == 0 {
            let k = (i + routers / 2) % routers;
            if k != i && k != j && k > i {
                let _ = writeln!(
                    y,
                    "  - {{ a: s{i:02}.r1, b: s{k:02}.r1, bandwidth: 50Mbps, cost: 30 }}"
                );
            }
        }
    }
    y
}

struct Guard(String);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = netkit_lab::down(&self.0);
    }
}

fn main() {
    if netkit_lab::check_privileges().is_err() {
        eprintln!("note: the lab benchmark needs root (network namespaces); skipped");
        return;
    }
    let routers: usize = std::env::var("NETKIT_BENCH_ROUTERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let runs: usize = std::env::var("NETKIT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let ospf = std::env::var("NETKIT_BENCH_ROUTING").is_ok_and(|v| v == "ospf");
    let yaml = topology(routers);
    let parsed = netkit_model::parse(yaml.as_bytes());
    let Some(topo) = parsed.topology else {
        panic!(
            "generated topology does not parse: {:?}",
            parsed.diagnostics
        );
    };
    let plan = netkit_plan::plan(&topo, None)
        .unwrap_or_else(|d| panic!("generated topology does not plan: {d:?}"));
    let lab = format!("nkb{}", std::process::id() % 100_000);
    println!(
        "lab up/down: {routers} routers, {} segments, {} links, {} routing, {runs} runs",
        plan.segments().count(),
        plan.links.len(),
        if ospf { "ospf" } else { "static" }
    );
    let mut ups = Vec::new();
    let mut downs = Vec::new();
    for run in 1..=runs {
        let guard = Guard(lab.clone());
        let mut opts = UpOptions::new(&lab);
        opts.routing = Some(if ospf {
            RoutingMode::Ospf
        } else {
            RoutingMode::Static
        });
        opts.convergence_timeout = Duration::from_secs(120);
        let up = netkit_lab::up(&plan, &opts).unwrap_or_else(|e| panic!("lab up failed: {e}"));
        let down = netkit_lab::down(&lab).unwrap_or_else(|e| panic!("lab down failed: {e}"));
        std::mem::forget(guard);
        let up_s = up.elapsed.as_secs_f64();
        let down_s = down.elapsed.as_secs_f64();
        println!(
            "run {run}: up {up_s:.2} s ({} namespaces, {} veth pairs: {:.0} namespaces/s{}), down {down_s:.2} s ({:.0} namespaces/s)",
            up.namespaces,
            up.links,
            up.namespaces as f64 / up_s,
            up.convergence
                .map(|c| format!(", OSPF converged in {:.2} s", c.as_secs_f64()))
                .unwrap_or_default(),
            down.namespaces as f64 / down_s.max(1e-9),
        );
        ups.push(up_s);
        downs.push(down_s);
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let (mu, md) = (median(&mut ups), median(&mut downs));
    println!(
        "median: up {mu:.2} s, down {md:.2} s (target: up < 10 s: {})",
        if mu < 10.0 { "met" } else { "NOT met" }
    );
}
