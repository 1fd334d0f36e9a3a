//! End-to-end tests of `netkit lab`: build SPEC's acme topology for real in network
//! namespaces (static and OSPF), and check it with the kernel and standard tools
//! (ping, tc, vtysh, dig, snmpget, a TCP connect) as the oracle, not netkit's code.
//!
//! They need root (CI runs as root and must not skip them). Each test uses its own
//! lab name, so they may run in parallel; a guard tears the lab down even when a
//! check fails.

mod support;
#[allow(unused_imports)]
use support::*;

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::Command as StdCommand;
use std::time::Duration;

use netkit_plan::{Plan, RouteKind};
use serde_json::Value;

fn acme() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("inventories/acme.yaml")
}

fn lab_plan(lab: &str) -> Plan {
    let text = std::fs::read_to_string(format!("/run/netkit/labs/{lab}/plan.json"))
        .expect("the lab keeps its plan");
    Plan::from_json(&text).expect("plan.json parses")
}

fn ping(ns: &str, addr: IpAddr) -> bool {
    StdCommand::new("ip")
        .args(["netns", "exec", ns, "ping", "-c1", "-W1", &addr.to_string()])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// acme.yaml's `policies`: (from segment, to segment) pairs that must not connect.
const DENIED: &[(&str, &str)] = &[("lyon.users", "hq.users")];

/// From every segment's test host to every non-isolated segment's gateway, to the
/// named hosts and to the internet upstream: what must answer answers, what must not
/// does not.
fn check_reachability(lab: &str, plan: &Plan) {
    let mut cases: Vec<(String, String, IpAddr, bool)> = Vec::new();
    for src in plan.segments() {
        for dst in plan.segments().filter(|d| !d.isolated) {
            let expect = src.id == dst.id
                || (!src.isolated && !DENIED.contains(&(src.id.as_str(), dst.id.as_str())));
            cases.push((
                src.id.clone(),
                format!("gateway of {}", dst.id),
                IpAddr::V4(dst.gateway),
                expect,
            ));
            if let Some(g6) = dst.gateway6 {
                cases.push((
                    src.id.clone(),
                    format!("IPv6 gateway of {}", dst.id),
                    IpAddr::V6(g6),
                    expect,
                ));
            }
        }
        // Isolation works both ways: no other segment gets an echo reply from the
        // host of an isolated segment (the request is dropped on its way in).
        for dst in plan.segments().filter(|d| d.isolated && d.id != src.id) {
            let host = dst.test_host();
            cases.push((
                src.id.clone(),
                format!("host of isolated {}", dst.id),
                IpAddr::V4(host),
                false,
            ));
            if let Some(p6) = dst.prefix6 {
                let offset = u32::from(host) - u32::from(dst.prefix.network());
                let h6 = std::net::Ipv6Addr::from(u128::from(p6.network()) + u128::from(offset));
                cases.push((
                    src.id.clone(),
                    format!("IPv6 host of isolated {}", dst.id),
                    IpAddr::V6(h6),
                    false,
                ));
            }
            // Its gateway is the router itself, reachable from inside (but not
            // from another isolated segment).
            cases.push((
                src.id.clone(),
                format!("gateway of isolated {}", dst.id),
                IpAddr::V4(dst.gateway),
                !src.isolated,
            ));
        }
        if let Some(inet) = &plan.internet {
            cases.push((
                src.id.clone(),
                "internet".into(),
                IpAddr::V4(inet.upstream_address),
                true,
            ));
        }
        for seg in plan.segments() {
            for n in &seg.named {
                let expect = !src.isolated && !DENIED.contains(&(src.id.as_str(), seg.id.as_str()));
                cases.push((src.id.clone(), n.id.clone(), IpAddr::V4(n.address), expect));
            }
        }
    }
    let wrong: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(8)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter(|(src, _, addr, expect)| {
                            ping(&format!("{lab}.{src}"), *addr) != *expect
                        })
                        .map(|(src, what, addr, expect)| {
                            format!(
                                "{src} -> {what} ({addr}): expected {}",
                                if *expect { "a reply" } else { "no reply" }
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("ping thread"))
            .collect()
    });
    assert!(
        wrong.is_empty(),
        "reachability differs from the topology:\n{}",
        wrong.join("\n")
    );
}

fn check_shaping(lab: &str, plan: &Plan) {
    let mut checked = 0;
    for link in &plan.links {
        let Some(bw) = link.bandwidth_bps else {
            continue;
        };
        for (dev, ifname) in [(&link.a, &link.a_interface), (&link.b, &link.b_interface)] {
            let out = StdCommand::new("tc")
                .args([
                    "-n",
                    &format!("{lab}.{dev}"),
                    "-j",
                    "qdisc",
                    "show",
                    "dev",
                    ifname,
                ])
                .output()
                .expect("tc runs");
            let v: Value = serde_json::from_slice(&out.stdout).expect("tc -j prints JSON");
            let tbf = v
                .as_array()
                .and_then(|a| a.iter().find(|q| q["kind"] == "tbf"))
                .unwrap_or_else(|| panic!("no tbf qdisc on {dev}:{ifname}: {v}"));
            let rate = tbf["options"]["rate"].as_u64().expect("tbf has a rate");
            assert!(
                rate * 8 == bw || rate == bw,
                "{dev}:{ifname}: tbf rate {rate} does not match the link's {bw} bit/s"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 6,
        "acme has three shaped links (six ends), checked {checked}"
    );
}

fn check_dns(lab: &str, plan: &Plan) {
    let dns = plan.dns.as_ref().expect("acme has dns");
    assert!(!dns.records.is_empty());
    for r in &dns.records {
        let qtype = if r.address.is_ipv4() { "A" } else { "AAAA" };
        let out = StdCommand::new("ip")
            .args([
                "netns",
                "exec",
                &format!("{lab}.hq.users"),
                "dig",
                "+short",
                "+time=1",
                "+tries=3",
                &format!("@{}", dns.server_address),
                &r.name,
                qtype,
            ])
            .output()
            .expect("dig runs");
        let answer = String::from_utf8_lossy(&out.stdout);
        let got: BTreeSet<IpAddr> = answer
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect();
        assert!(
            got.contains(&r.address),
            "dig {} {qtype} gave {answer:?}, expected {}",
            r.name,
            r.address
        );
    }
}

fn secret(lab: &str, key: &str) -> String {
    std::fs::read_to_string(format!("/run/netkit/labs/{lab}/secrets/{key}"))
        .unwrap_or_else(|e| panic!("secret {key}: {e}"))
        .trim()
        .to_string()
}

fn check_snmp(lab: &str, plan: &Plan, community: &str) {
    assert_eq!(
        secret(lab, "snmp-community"),
        community,
        "the community comes from the environment"
    );
    for dev in plan.routers() {
        let lo = dev
            .loopback
            .expect("routers have loopbacks")
            .addr()
            .to_string();
        let out = StdCommand::new("ip")
            .args([
                "netns",
                "exec",
                &format!("{lab}.{}", dev.id),
                "snmpget",
                "-v2c",
                "-c",
                community,
                "-t",
                "1",
                "-r",
                "3",
                &lo,
                "1.3.6.1.2.1.1.5.0",
            ])
            .output()
            .expect("snmpget runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&dev.id),
            "snmpget sysName on {} gave {text:?}",
            dev.id
        );
    }
    // SNMPv3 authPriv (SHA/AES) from a test host to its gateway.
    let (user, auth, privacy) = (
        secret(lab, "snmp-user"),
        secret(lab, "snmp-auth-password"),
        secret(lab, "snmp-priv-password"),
    );
    let gw = plan
        .segment("hq.users")
        .expect("hq.users")
        .gateway
        .to_string();
    let out = StdCommand::new("ip")
        .args([
            "netns",
            "exec",
            &format!("{lab}.hq.users"),
            "snmpget",
            "-v3",
            "-l",
            "authPriv",
            "-u",
            &user,
            "-a",
            "SHA",
            "-A",
            &auth,
            "-x",
            "AES",
            "-X",
            &privacy,
            "-t",
            "1",
            "-r",
            "3",
            &gw,
            "1.3.6.1.2.1.1.5.0",
        ])
        .output()
        .expect("snmpget runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("hq.r1"),
        "snmpget v3 gave {text:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn check_services(lab: &str, plan: &Plan) {
    for seg in plan.segments() {
        for n in &seg.named {
            for s in &n.services {
                let addr = SocketAddr::new(IpAddr::V4(n.address), s.port);
                let ok = netkit_netns::run_in(Some(&format!("{lab}.hq.users")), move || {
                    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
                })
                .expect("enter the test host");
                assert!(ok, "no listener on {} {addr}", n.id);
            }
        }
    }
}

fn check_exec_and_status(lab: &str) {
    let out = netkit()
        .args([
            "lab", "exec", "--name", lab, "hq.r1", "--", "ip", "-j", "route", "show",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let routes: Value = serde_json::from_slice(&out.stdout).expect("ip -j route prints JSON");
    assert!(routes.as_array().is_some_and(|a| a.len() > 3), "{routes}");
    netkit()
        .args(["lab", "exec", "--name", lab, "hq.r1", "--", "false"])
        .assert()
        .code(1);
    let out = netkit()
        .args(["lab", "status", "--name", lab, "--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "status: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let st: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    assert_eq!(st["healthy"], true, "{st}");
    assert!(
        st["nodes"].as_array().is_some_and(|n| n.len() >= 13),
        "{st}"
    );
}

fn check_down(lab: &str, guard: LabGuard) {
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("/run/netkit/labs/{lab}/state.json")).unwrap(),
    )
    .unwrap();
    let pids: Vec<u64> = state["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["pid"].as_u64())
        .collect();
    netkit()
        .args(["lab", "down", "--name", lab])
        .assert()
        .success();
    assert!(
        lab_namespaces(lab).is_empty(),
        "namespaces left: {:?}",
        lab_namespaces(lab)
    );
    assert!(
        !PathBuf::from(format!("/run/netkit/labs/{lab}")).exists(),
        "state left"
    );
    for pid in pids {
        let cmdline = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        assert!(
            !cmdline.contains(lab),
            "process {pid} of the lab still runs: {cmdline}"
        );
    }
    // A second down says the lab does not exist.
    netkit()
        .args(["lab", "down", "--name", lab])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not exist"));
    std::mem::drop(guard);
}

#[test]
fn static_lab_of_acme() {
    if !can_run_lab("lab_acme") {
        return;
    }
    let lab = unique_lab_name("t");
    let guard = LabGuard { name: lab.clone() };
    let community = format!("c{}", unique_lab_name("t"));
    let out = netkit()
        .args(["lab", "up"])
        .arg(acme())
        .args(["--name", &lab])
        .env("NETKIT_SNMP_COMMUNITY", &community)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "lab up failed: {stdout}{stderr}");
    assert!(stdout.contains("static routing"), "{stdout}");
    assert!(
        !stdout.contains(&community) && !stderr.contains(&community),
        "the community leaked"
    );
    // Namespaces are named after the lab.
    let namespaces = lab_namespaces(&lab);
    assert!(
        namespaces.contains(&format!("{lab}.hq.r1")),
        "{namespaces:?}"
    );
    assert!(
        namespaces.contains(&format!("{lab}.hq.users")),
        "{namespaces:?}"
    );
    assert!(
        namespaces.contains(&format!("{lab}.hq.servers.intranet")),
        "{namespaces:?}"
    );
    assert!(
        namespaces.contains(&format!("{lab}.internet")),
        "{namespaces:?}"
    );

    // A second `up` of the same lab is refused with the fix.
    netkit()
        .args(["lab", "up"])
        .arg(acme())
        .args(["--name", &lab])
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("already exists").and(predicates::str::contains("lab down")),
        );

    let plan = lab_plan(&lab);
    check_reachability(&lab, &plan);
    check_shaping(&lab, &plan);
    check_dns(&lab, &plan);
    check_snmp(&lab, &plan, &community);
    assert!(
        !stderr.contains("table cache"),
        "snmpd cache tuning failed: {stderr}"
    );
    check_services(&lab, &plan);
    check_exec_and_status(&lab);
    check_unhealthy_when_a_daemon_dies(&lab);
    check_snmp_sees_route_removal(&lab, &plan, &community);
    check_down(&lab, guard);
}

/// The destinations of a router's inetCidrRouteTable as snmpd reports them now
/// (`snmpwalk` of inetCidrRouteIfIndex inside the router's namespace, numeric OIDs:
/// the index starts with address type 1, length 4, the address, the prefix length).
fn snmp_ipv4_routes(ns: &str, community: &str) -> BTreeSet<String> {
    const COLUMN: &str = ".1.3.6.1.2.1.4.24.7.1.7";
    let out = StdCommand::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "snmpwalk",
            "-v2c",
            "-c",
            community,
            "-On",
            "-t",
            "1",
            "-r",
            "2",
            "127.0.0.1",
            COLUMN,
        ])
        .env("MIBS", "")
        .output()
        .expect("snmpwalk runs");
    assert!(out.status.success(), "snmpwalk in {ns} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let index = l.split_whitespace().next()?.strip_prefix(COLUMN)?;
            let parts: Vec<&str> = index.trim_start_matches('.').split('.').collect();
            (parts.len() > 6 && parts[0] == "1" && parts[1] == "4").then(|| {
                format!(
                    "{}.{}.{}.{}/{}",
                    parts[2], parts[3], parts[4], parts[5], parts[6]
                )
            })
        })
        .collect()
}

/// `lab up` shortens snmpd's route cache (net-snmp's default is 60 s): a route
/// deleted in a router's namespace disappears from its inetCidrRouteTable within 5 s.
fn check_snmp_sees_route_removal(lab: &str, plan: &Plan, community: &str) {
    // A static route through a gateway on a router other than hq.r1.
    let (dev, dest) = plan
        .routers()
        .filter(|d| d.id != "hq.r1")
        .find_map(|d| {
            plan.routes[&d.id]
                .iter()
                .find(|r| r.kind == RouteKind::Static && r.destination.addr().is_ipv4())
                .map(|r| (d.id.clone(), r.destination.to_string()))
        })
        .expect("acme has a router with a static IPv4 route besides hq.r1");
    let ns = format!("{lab}.{dev}");
    let before = snmp_ipv4_routes(&ns, community);
    assert!(
        before.contains(&dest),
        "snmpd of {dev} does not report {dest} before the change: {before:?}"
    );
    let status = StdCommand::new("ip")
        .args(["-n", &ns, "route", "del", &dest])
        .status()
        .unwrap();
    assert!(status.success(), "ip -n {ns} route del {dest}");
    let t0 = std::time::Instant::now();
    let mut seen = true;
    for _ in 0..50 {
        if !snmp_ipv4_routes(&ns, community).contains(&dest) {
            seen = false;
            break;
        }
        if t0.elapsed() > Duration::from_secs(5) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        !seen,
        "snmpd of {dev} still reports the deleted route {dest} after {:?}",
        t0.elapsed()
    );
    eprintln!(
        "snmpd of {dev} stopped reporting {dest} {} ms after its deletion",
        t0.elapsed().as_millis()
    );
}

/// Kill the lab's listener on fs1 (a process of this test's own lab, by pid): status
/// says the lab is not healthy (exit 1), and `down` still removes everything.
fn check_unhealthy_when_a_daemon_dies(lab: &str) {
    let state: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("/run/netkit/labs/{lab}/state.json")).unwrap(),
    )
    .unwrap();
    let pid = state["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["program"] == "listener" && p["node"] == "hq.servers.fs1")
        .and_then(|p| p["pid"].as_u64())
        .expect("fs1 has a listener");
    StdCommand::new("kill")
        .arg(pid.to_string())
        .status()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let out = netkit()
        .args(["lab", "status", "--name", lab, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let st: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(st["healthy"], false);
    let dead: Vec<&Value> = st["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["running"] == false)
        .collect();
    assert_eq!(dead.len(), 1, "{st}");
    assert_eq!(dead[0]["node"], "hq.servers.fs1");
}

use predicates::prelude::PredicateBooleanExt;

/// FRR's table (`vtysh -N PATHSPACE -c 'show ip route json'`) against the plan: every
/// planned IPv4 destination is covered by a selected route, with the planned next
/// hops where the route is learned.
fn check_frr_routes(lab: &str, plan: &Plan) {
    for dev in plan.routers() {
        let ps = format!("{lab}.{}", dev.id).replace('.', "_");
        let out = StdCommand::new("vtysh")
            .args(["-N", &ps, "-c", "show ip route json"])
            .output()
            .expect("vtysh runs");
        let table: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "vtysh -N {ps}: {e}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let mut selected: Vec<((IpAddr, u8), String, BTreeSet<IpAddr>)> = Vec::new();
        for entries in table.as_object().expect("routes by prefix").values() {
            for e in entries
                .as_array()
                .into_iter()
                .flatten()
                .filter(|e| e["selected"] == true)
            {
                let prefix = parse_prefix(e["prefix"].as_str().unwrap());
                let hops: BTreeSet<IpAddr> = e["nexthops"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|h| h["ip"].as_str().and_then(|s| s.parse().ok()))
                    .collect();
                selected.push((
                    prefix,
                    e["protocol"].as_str().unwrap_or("").to_string(),
                    hops,
                ));
            }
        }
        let planned = &plan.routes[&dev.id];
        for r in planned
            .iter()
            .filter(|r| r.destination.addr().is_ipv4() && r.kind != RouteKind::Connected)
        {
            let want: BTreeSet<IpAddr> = planned
                .iter()
                .filter(|p| p.destination == r.destination)
                .filter_map(|p| p.next_hop)
                .collect();
            let covering: Vec<_> = selected
                .iter()
                .filter(|(p, _, _)| {
                    let d = (r.destination.addr(), r.destination.prefix_len());
                    if d.1 == 0 {
                        p.1 == 0
                    } else {
                        p.1 > 0 && overlap(*p, d)
                    }
                })
                .collect();
            assert!(
                !covering.is_empty(),
                "{}: FRR has no route for {} (planned via {want:?})",
                dev.id,
                r.destination
            );
            for ((addr, len), proto, hops) in covering {
                let p = format!("{addr}/{len}");
                if !hops.is_empty() {
                    assert!(
                        hops.is_subset(&want),
                        "{}: FRR routes {p} ({proto}) via {hops:?}, the plan says {} via {want:?}",
                        dev.id,
                        r.destination
                    );
                }
            }
        }
    }
}

fn parse_prefix(s: &str) -> (IpAddr, u8) {
    let (a, l) = s.split_once('/').expect("prefix/len");
    (a.parse().expect("address"), l.parse().expect("length"))
}

/// Whether two IPv4 prefixes overlap (one contains the other).
fn overlap(a: (IpAddr, u8), b: (IpAddr, u8)) -> bool {
    let (IpAddr::V4(x), IpAddr::V4(y)) = (a.0, b.0) else {
        return false;
    };
    let len = a.1.min(b.1).min(32) as u32;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(x) & mask == u32::from(y) & mask
}

#[test]
fn ospf_lab_of_acme() {
    if !can_run_lab("lab_acme") {
        return;
    }
    let lab = unique_lab_name("t");
    let guard = LabGuard { name: lab.clone() };
    let out = netkit()
        .args(["lab", "up"])
        .arg(acme())
        .args(["--name", &lab, "--routing", "ospf", "--timeout", "90"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "lab up failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("OSPF converged in"), "{stdout}");
    let plan = lab_plan(&lab);
    check_frr_routes(&lab, &plan);
    check_reachability(&lab, &plan);
    let st: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("/run/netkit/labs/{lab}/state.json")).unwrap(),
    )
    .unwrap();
    let programs: Vec<&str> = st["processes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["program"].as_str())
        .collect();
    assert_eq!(
        programs.iter().filter(|p| **p == "ospfd").count(),
        plan.routers().count(),
        "{programs:?}"
    );
    check_down(&lab, guard);
}

#[test]
fn lab_errors_are_clear() {
    if !can_run_lab("lab_acme") {
        return;
    }
    // Without privileges: a clear error with the fix, nothing made.
    let bin = assert_cmd::cargo::cargo_bin("netkit");
    let out = StdCommand::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .arg(&bin)
        .args(["lab", "up"])
        .arg(acme())
        .args(["--name", "nkt-unpriv"])
        .output()
        .expect("setpriv runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("needs root") && stderr.contains("sudo"),
        "{stderr}"
    );
    assert!(lab_namespaces("nkt-unpriv").is_empty());
    netkit()
        .args(["lab", "down", "--name", "nkt-no-such-lab"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not exist"));
    netkit()
        .args(["lab", "up"])
        .arg(acme())
        .args(["--name", "Bad.Name"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid lab name"));
    netkit()
        .args([
            "lab",
            "exec",
            "--name",
            "nkt-no-such-lab",
            "hq.r1",
            "--",
            "true",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not exist"));
}

/// A plan that fails half-way (two links on the same interface name of hq.r1): `up`
/// reports the step, the object and the kernel's error, and removes what it made.
#[test]
fn failed_up_rolls_back() {
    if !can_run_lab("lab_acme") {
        return;
    }
    let out = netkit()
        .args(["plan"])
        .arg(acme())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    let first = plan["links"][0]["a_interface"].clone();
    assert_eq!(
        plan["links"][1]["a"], plan["links"][0]["a"],
        "acme's links 0 and 1 both start at hq.r1"
    );
    plan["links"][1]["a_interface"] = first.clone();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken-plan.json");
    std::fs::write(&path, serde_json::to_string(&plan).unwrap()).unwrap();
    let lab = unique_lab_name("t");
    let _guard = LabGuard { name: lab.clone() };
    let out = netkit()
        .args(["lab", "up"])
        .arg(&path)
        .args(["--name", &lab])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("create veth pair"),
        "the step is named: {stderr}"
    );
    assert!(
        stderr.contains(&format!("{lab}.hq.r1:{}", first.as_str().unwrap())),
        "the object is named: {stderr}"
    );
    assert!(
        stderr.contains("File exists"),
        "the kernel's error is given: {stderr}"
    );
    assert!(stderr.contains("removed"), "{stderr}");
    assert!(
        lab_namespaces(&lab).is_empty(),
        "rolled back: {:?}",
        lab_namespaces(&lab)
    );
    assert!(!PathBuf::from(format!("/run/netkit/labs/{lab}")).exists());
}
