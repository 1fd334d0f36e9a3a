//! The generated files accepted by the real software: FRR's `vtysh --dryrun` for the
//! `frr` files; `ip -batch`, `nft -c -f` and `nft -f` inside throwaway network
//! namespaces for the `linux` files, then the kernel's routing table compared with
//! the plan's; and the stateful filter rules checked with real packets (ping) between
//! namespaces.
//!
//! Needs root, `ip`, `nft`, `vtysh` and `ping` (CI runs as root: CI=true makes a
//! missing piece a failure, not a skip).

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use netkit_config::{Secrets, Target, frr, linux, render_all};
use netkit_model::RoutingMode;
use netkit_plan::{Plan, RouteKind};

fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn ok(cmd: &mut Command) -> String {
    let o = run(cmd);
    assert!(
        o.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn require(program: &str, what: &str) -> bool {
    if common::have(program) {
        return true;
    }
    assert!(
        std::env::var("CI").is_err(),
        "{program} is missing in CI: install it ({what})"
    );
    eprintln!("note: skipping {what}: {program} is not installed");
    false
}

/// A network namespace with a unique name, deleted on drop (even when the test
/// panics).
struct Netns(String);

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Netns {
    fn new() -> Netns {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("nkt{}{:x}c{n}", std::process::id(), nanos % 0xfffff);
        ok(Command::new("ip").args(["netns", "add", &name]));
        Netns(name)
    }

    fn ip(&self) -> Command {
        let mut c = Command::new("ip");
        c.args(["-n", &self.0]);
        c
    }

    fn exec(&self, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.0, program]);
        c
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

#[test]
fn frr_files_pass_vtysh_dryrun() {
    if !require("vtysh", "the FRR dry-run check") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // The checker itself rejects a broken file (so the test can fail).
    let bad = dir.path().join("bad.conf");
    std::fs::write(
        &bad,
        "hostname x\ninterface eth1\n ip address 10.0.0.1/24\n bogus command\n",
    )
    .unwrap();
    let o = run(Command::new("vtysh").arg("--dryrun").arg("-f").arg(&bad));
    assert!(
        !o.status.success(),
        "vtysh --dryrun accepted a bogus command"
    );

    for routing in [RoutingMode::Static, RoutingMode::Ospf] {
        let plan = common::acme(routing);
        for f in render_all(&plan, Target::Frr, &[], &Secrets::Hidden).unwrap() {
            let path = dir.path().join(&f.name);
            std::fs::write(&path, &f.contents).unwrap();
            let o = run(Command::new("vtysh").arg("--dryrun").arg("-f").arg(&path));
            assert!(
                o.status.success(),
                "{routing} {}: {}{}\n{}",
                f.name,
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr),
                f.contents
            );
        }
    }
}

/// A namespace with every interface of `device` (veth pairs, the peer ends up), the
/// ip -batch file and the nft ruleset loaded.
fn load_device(plan: &Plan, device: &str, dir: &Path, ip_file: &str) -> Netns {
    let ns = Netns::new();
    let dev = plan.device(device).unwrap();
    for (k, i) in dev.interfaces.iter().enumerate() {
        let peer = format!("nkp{k}");
        ok(ns.ip().args([
            "link", "add", &i.name, "type", "veth", "peer", "name", &peer,
        ]));
        ok(ns.ip().args(["link", "set", &peer, "up"]));
    }
    let ipf = dir.join(format!("{device}.ip"));
    std::fs::write(&ipf, ip_file).unwrap();
    ok(ns.ip().arg("-batch").arg(&ipf));
    let nftf = dir.join(format!("{device}.nft"));
    std::fs::write(&nftf, linux::nftables(plan, device)).unwrap();
    ok(ns.exec("nft").arg("-c").arg("-f").arg(&nftf));
    ok(ns.exec("nft").arg("-f").arg(&nftf));
    // Loading twice replaces the table instead of failing or doubling it.
    ok(ns.exec("nft").arg("-f").arg(&nftf));
    ns
}

/// `(destination, sorted gateways)` of the kernel's non-connected routes.
fn kernel_routes(ns: &Netns) -> BTreeSet<(String, Vec<String>)> {
    let mut out = BTreeSet::new();
    for fam in ["-4", "-6"] {
        let text = ok(ns.ip().args([fam, "-j", "route", "show"]));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for r in v.as_array().unwrap() {
            let mut gws: Vec<String> = Vec::new();
            if let Some(g) = r.get("gateway").and_then(|g| g.as_str()) {
                gws.push(g.to_string());
            }
            for nh in r
                .get("nexthops")
                .and_then(|n| n.as_array())
                .into_iter()
                .flatten()
            {
                if let Some(g) = nh.get("gateway").and_then(|g| g.as_str()) {
                    gws.push(g.to_string());
                }
            }
            if gws.is_empty() {
                continue;
            }
            gws.sort();
            let dst = r["dst"].as_str().unwrap_or("").to_string();
            let dst = match (dst.as_str(), fam) {
                ("default", "-4") => "0.0.0.0/0".to_string(),
                ("default", _) => "::/0".to_string(),
                (d, _) if !d.contains('/') => {
                    if d.contains(':') {
                        format!("{d}/128")
                    } else {
                        format!("{d}/32")
                    }
                }
                (d, _) => d.to_string(),
            };
            out.insert((dst, gws));
        }
    }
    out
}

fn plan_routes(plan: &Plan, device: &str) -> BTreeSet<(String, Vec<String>)> {
    let mut by: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for r in &plan.routes[device] {
        if r.kind == RouteKind::Connected {
            continue;
        }
        if let Some(nh) = r.next_hop {
            by.entry(r.destination.to_string())
                .or_default()
                .push(nh.to_string());
        }
    }
    by.into_iter()
        .map(|(d, mut g)| {
            g.sort();
            (d, g)
        })
        .collect()
}

#[test]
fn linux_files_load_and_the_kernel_holds_the_plans_routes() {
    if !common::may_run_privileged("the ip -batch / nft namespace test")
        || !require("nft", "the nftables check")
        || !require("ip", "the ip -batch check")
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for routing in [RoutingMode::Static, RoutingMode::Ospf] {
        let plan = common::acme(routing);
        for dev in plan.routers() {
            // With OSPF the kernel routes would come from ospfd: load every route of
            // the plan statically to compare them all.
            let ip = match routing {
                RoutingMode::Static => linux::ip_batch(&plan, &dev.id),
                RoutingMode::Ospf => linux::ip_batch_static(&plan, &dev.id),
            };
            let ns = load_device(&plan, &dev.id, dir.path(), &ip);
            let listing = ok(ns.exec("nft").args(["list", "table", "inet", "netkit"]));
            assert_eq!(listing.matches("chain forward").count(), 1, "{listing}");
            let rules = plan.filters.get(&dev.id).map(Vec::len).unwrap_or(0);
            assert!(listing.matches("comment \"").count() >= rules, "{listing}");
            assert_eq!(
                kernel_routes(&ns),
                plan_routes(&plan, &dev.id),
                "{routing} {}",
                dev.id
            );
        }
    }
}

#[test]
fn ecmp_routes_become_multipath_kernel_routes() {
    if !common::may_run_privileged("the ECMP namespace test") || !require("ip", "ip -batch") {
        return;
    }
    // Two parallel links a-b: a reaches b's segment through both.
    use netkit_model::*;
    let mut t = common::acme_topology();
    t.sites.truncate(2);
    t.sites[0].segments.truncate(1);
    t.sites[0].devices.truncate(1);
    t.links = vec![t.links[0].clone(), t.links[0].clone()];
    t.links[1].prefix = None;
    t.internet = None;
    t.dns = None;
    t.policies.clear();
    let plan = netkit_plan::plan(&t, None).unwrap_or_else(|d| panic!("{d:?}"));
    let lyon = plan.sites[1].prefix.to_string();
    assert_eq!(
        plan.routes["hq.r1"]
            .iter()
            .filter(|r| r.destination.to_string() == lyon)
            .count(),
        2
    );
    let dir = tempfile::tempdir().unwrap();
    let ns = load_device(&plan, "hq.r1", dir.path(), &linux::ip_batch(&plan, "hq.r1"));
    let k = kernel_routes(&ns);
    assert!(k.iter().any(|(d, g)| *d == lyon && g.len() == 2), "{k:?}");
    assert_eq!(k, plan_routes(&plan, "hq.r1"));
    let _ = RoutingMode::Static;
}

/// Real packets through hq.r1's ruleset: a namespace per segment host, the router in
/// the middle. Isolation works both ways: guests may not open connections to users,
/// nor users to guests; both may reach the guests' gateway (the router itself); the
/// replies to a connection guests open (DNS over TCP to the DNS server) pass back
/// through the inbound drop (stateful).
#[test]
fn stateful_rules_hold_with_real_packets() {
    if !common::may_run_privileged("the stateful filtering test")
        || !require("nft", "nftables")
        || !require("ping", "ping")
    {
        return;
    }
    let plan = common::acme(RoutingMode::Static);
    let dir = tempfile::tempdir().unwrap();
    let router = Netns::new();
    let hq = plan.device("hq.r1").unwrap();
    let mut hosts = Vec::new();
    for i in &hq.interfaces {
        let Some(seg_id) = &i.segment else { continue };
        let seg = plan.segment(seg_id).unwrap();
        let host = Netns::new();
        ok(router.ip().args([
            "link", "add", &i.name, "type", "veth", "peer", "name", "nkh0", "netns", &host.0,
        ]));
        let addr = format!("{}/{}", seg.test_host(), seg.prefix.prefix_len());
        ok(host.ip().args(["addr", "add", &addr, "dev", "nkh0"]));
        ok(host.ip().args(["link", "set", "nkh0", "up"]));
        ok(host.ip().args(["link", "set", "lo", "up"]));
        ok(host
            .ip()
            .args(["route", "add", "default", "via", &seg.gateway.to_string()]));
        hosts.push((seg_id.clone(), host));
    }
    for (k, i) in hq.interfaces.iter().enumerate() {
        if i.segment.is_none() {
            let peer = format!("nkp{k}");
            ok(router.ip().args([
                "link", "add", &i.name, "type", "veth", "peer", "name", &peer,
            ]));
            ok(router.ip().args(["link", "set", &peer, "up"]));
        }
    }
    let ipf = dir.path().join("hq.r1.ip");
    std::fs::write(&ipf, linux::ip_batch(&plan, "hq.r1")).unwrap();
    ok(router.ip().arg("-batch").arg(&ipf));
    ok(router
        .exec("sysctl")
        .args(["-q", "-w", "net.ipv4.ip_forward=1"]));
    let nftf = dir.path().join("hq.r1.nft");
    std::fs::write(&nftf, linux::nftables(&plan, "hq.r1")).unwrap();
    ok(router.exec("nft").arg("-f").arg(&nftf));

    let host = |id: &str| &hosts.iter().find(|(s, _)| s == id).unwrap().1;
    let addr = |id: &str| plan.segment(id).unwrap().test_host().to_string();
    let ping = |from: &Netns, to: &str| -> bool {
        run(from.exec("ping").args(["-c", "1", "-W", "1", to]))
            .status
            .success()
    };
    // Control: users reach servers (no rule), so the lab itself works.
    assert!(
        ping(host("hq.users"), &addr("hq.servers")),
        "users -> servers must pass"
    );
    // Isolation works both ways: users may not open connections towards guests
    // (the echo reply never comes: the request is dropped on its way in).
    assert!(
        !ping(host("hq.users"), &addr("hq.guests")),
        "users -> guests must be dropped"
    );
    assert!(
        !ping(host("hq.servers"), &addr("hq.guests")),
        "servers -> guests must be dropped"
    );
    // The guests' gateway is the router itself, reachable from inside too.
    assert!(
        ping(
            host("hq.users"),
            &plan.segment("hq.guests").unwrap().gateway.to_string()
        ),
        "users -> guests' gateway must pass"
    );
    // Stateful: guests open TCP/53 to the DNS server (a hole of the isolation); the
    // server's SYN-ACK crosses the inbound drop because it is a reply.
    let dns = plan.dns.as_ref().unwrap().server_address;
    let servers = plan.segment("hq.servers").unwrap();
    ok(host("hq.servers").ip().args([
        "addr",
        "add",
        &format!("{dns}/{}", servers.prefix.prefix_len()),
        "dev",
        "nkh0",
    ]));
    let listener = netkit_netns::run_in(Some(&host("hq.servers").0), move || {
        std::net::TcpListener::bind((dns, 53))
    })
    .unwrap()
    .unwrap();
    let connect = |from: &Netns, port: u16| -> bool {
        let to = std::net::SocketAddr::from((dns, port));
        netkit_netns::run_in(Some(&from.0), move || {
            std::net::TcpStream::connect_timeout(&to, std::time::Duration::from_secs(2)).is_ok()
        })
        .unwrap()
    };
    assert!(
        connect(host("hq.guests"), 53),
        "guests -> DNS server tcp/53 must open (its replies pass back)"
    );
    drop(listener);
    // Guests open towards users and servers: dropped.
    assert!(
        !ping(host("hq.guests"), &addr("hq.users")),
        "guests -> users must be dropped"
    );
    assert!(
        !ping(host("hq.guests"), &addr("hq.servers")),
        "guests -> servers must be dropped"
    );
    // The router's other addresses are internal too (input chain), its own gateway is not.
    let users_gw = plan.segment("hq.users").unwrap().gateway.to_string();
    let guests_gw = plan.segment("hq.guests").unwrap().gateway.to_string();
    assert!(
        !ping(host("hq.guests"), &users_gw),
        "guests -> users' gateway must be dropped"
    );
    assert!(
        ping(host("hq.guests"), &guests_gw),
        "guests -> own gateway must pass"
    );
    drop(hosts);
}

#[test]
fn render_functions_are_stable_for_the_lab() {
    // The lab calls these three directly; an unknown device gives empty text.
    let plan = common::acme(RoutingMode::Static);
    assert!(frr::render(&plan, "hq.r1").starts_with("! netkit: FRR configuration of hq.r1"));
    assert!(linux::ip_batch(&plan, "hq.r1").contains("addr replace 10.254.0.1/32 dev lo"));
    assert!(linux::nftables(&plan, "hq.r1").contains("table inet netkit {"));
    assert_eq!(linux::ip_batch(&plan, "nope"), "");
    assert_eq!(linux::nftables(&plan, "nope"), "");
}
