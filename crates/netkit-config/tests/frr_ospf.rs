//! The OSPF design against the real thing: acme with `routing: ospf`, one network
//! namespace per router joined by veth pairs as the plan's links, the generated
//! `frr.conf` loaded by FRR's zebra, staticd, ospfd and ospf6d (pathspace `-N`), and
//! FRR's converged IPv4 and IPv6 tables compared with the plan's expected tables: same
//! destinations, same next hops (IPv6 by interface: OSPFv3 uses link-local next
//! hops), same metrics. Needs root and FRR (CI runs it).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use netkit_config::{frr, linux};
use netkit_model::RoutingMode;
use netkit_plan::{Plan, RouteKind};

/// `prefix -> (metric, sorted next hops)`.
type Table = BTreeMap<String, (u64, Vec<String>)>;

const DAEMONS: [&str; 4] = ["zebra", "staticd", "ospfd", "ospf6d"];

fn ok(cmd: &mut Command) -> String {
    let o = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The namespaces and FRR daemons of the test; everything is stopped and deleted on
/// drop, daemons by the PIDs they wrote.
struct Lab {
    namespaces: Vec<String>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in &self.namespaces {
            let dir = format!("/var/run/frr/{ns}");
            for d in DAEMONS {
                if let Ok(pid) = std::fs::read_to_string(format!("{dir}/{d}.pid"))
                    && let Ok(pid) = pid.trim().parse::<i32>()
                    && pid > 1
                {
                    let _ = Command::new("kill").arg(pid.to_string()).output();
                }
            }
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}

/// `prefix -> sorted next hops` of the selected, non-connected IPv4 routes of FRR.
fn frr_routes(ns: &str, v6: bool) -> Option<Table> {
    let show = if v6 {
        "show ipv6 route json"
    } else {
        "show ip route json"
    };
    let o = Command::new("vtysh")
        .args(["-N", ns, "-c", show])
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).ok()?;
    let mut out = BTreeMap::new();
    for (prefix, entries) in v.as_object()? {
        for e in entries.as_array()? {
            if e["selected"] != true || e["protocol"] == "connected" || e["protocol"] == "local" {
                continue;
            }
            let mut nh: Vec<String> = e["nexthops"]
                .as_array()?
                .iter()
                .filter(|n| n["active"] == true)
                .filter_map(|n| {
                    // OSPFv3 next hops are link-local: compare IPv6 by interface.
                    let key = if v6 { &n["interfaceName"] } else { &n["ip"] };
                    key.as_str().map(str::to_string)
                })
                .collect();
            nh.sort();
            out.insert(
                prefix.clone(),
                (e["metric"].as_u64().unwrap_or(u64::MAX), nh),
            );
        }
    }
    Some(out)
}

fn plan_routes(plan: &Plan, device: &str, v6: bool) -> Table {
    let mut out: Table = BTreeMap::new();
    for r in &plan.routes[device] {
        if r.kind == RouteKind::Connected || r.destination.addr().is_ipv6() != v6 {
            continue;
        }
        if let Some(nh) = r.next_hop {
            let e = out.entry(r.destination.to_string()).or_default();
            e.0 = u64::from(r.metric);
            e.1.push(if v6 {
                r.interface.clone()
            } else {
                nh.to_string()
            });
        }
    }
    for v in out.values_mut() {
        v.1.sort();
    }
    out
}

#[test]
fn frr_ospf_converges_to_the_plans_tables() {
    if !common::may_run_privileged("the FRR OSPF convergence test") {
        return;
    }
    if !std::path::Path::new("/usr/lib/frr/ospfd").exists() || !common::have("vtysh") {
        assert!(
            std::env::var("CI").is_err(),
            "FRR is missing in CI: install frr"
        );
        eprintln!("note: skipping the FRR OSPF test: FRR is not installed");
        return;
    }
    let plan = common::acme(RoutingMode::Ospf);
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() % 0xffff)
        .unwrap_or(0);
    let ns_of: BTreeMap<String, String> = plan
        .routers()
        .enumerate()
        .map(|(i, d)| {
            (
                d.id.clone(),
                format!("nkt{}o{stamp:x}r{i}", std::process::id()),
            )
        })
        .collect();
    let mut lab = Lab {
        namespaces: Vec::new(),
    };
    for ns in ns_of.values() {
        ok(Command::new("ip").args(["netns", "add", ns]));
        lab.namespaces.push(ns.clone());
    }
    // Links: one veth pair per plan link, each end in its router's namespace.
    for l in &plan.links {
        let (na, nb) = (&ns_of[&l.a], &ns_of[&l.b]);
        ok(Command::new("ip").args([
            "link",
            "add",
            &l.a_interface,
            "netns",
            na,
            "type",
            "veth",
            "peer",
            "name",
            &l.b_interface,
            "netns",
            nb,
        ]));
    }
    for d in plan.routers() {
        let ns = &ns_of[&d.id];
        // Segments and the uplink: a veth whose other end stays up in the same namespace.
        for (k, i) in d.interfaces.iter().enumerate() {
            if i.link.is_none() {
                let peer = format!("nkp{k}");
                ok(Command::new("ip").args([
                    "-n", ns, "link", "add", &i.name, "type", "veth", "peer", "name", &peer,
                ]));
                ok(Command::new("ip").args(["-n", ns, "link", "set", &peer, "up"]));
            }
        }
        let dir = format!("/var/run/frr/{ns}");
        std::fs::create_dir_all(&dir).unwrap();
        ok(Command::new("chown").args(["frr:frr", &dir]));
        let batch = format!("{dir}/netkit.ip");
        std::fs::write(&batch, linux::ip_batch(&plan, &d.id)).unwrap();
        ok(Command::new("ip").args(["-n", ns, "-batch", &batch]));
        ok(Command::new("ip").args([
            "netns",
            "exec",
            ns,
            "sysctl",
            "-q",
            "-w",
            "net.ipv4.ip_forward=1",
            "net.ipv6.conf.all.forwarding=1",
        ]));
        let conf = format!("{dir}/frr.conf");
        std::fs::write(&conf, frr::render(&plan, &d.id)).unwrap();
        ok(Command::new("chown").args(["frr:frr", &conf]));
        for daemon in DAEMONS {
            ok(Command::new("ip").args([
                "netns",
                "exec",
                ns,
                &format!("/usr/lib/frr/{daemon}"),
                "-d",
                "-N",
                ns,
                "-f",
                &conf,
                "-i",
                &format!("{dir}/{daemon}.pid"),
            ]));
        }
    }

    // OSPF on point-to-point links converges in a few seconds; give it 90.
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut last: BTreeMap<String, (Table, Table)> = BTreeMap::new();
    loop {
        last.clear();
        for d in plan.routers() {
            for v6 in [false, true] {
                let want = plan_routes(&plan, &d.id, v6);
                let got = frr_routes(&ns_of[&d.id], v6).unwrap_or_default();
                if want != got {
                    last.insert(
                        format!("{} {}", d.id, if v6 { "IPv6" } else { "IPv4" }),
                        (want, got),
                    );
                }
            }
        }
        if last.is_empty() || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    let report: Vec<String> = last
        .iter()
        .map(|(dev, (want, got))| {
            let w: BTreeSet<_> = want.iter().collect();
            let g: BTreeSet<_> = got.iter().collect();
            format!(
                "{dev}: only in the plan {:?}; only in FRR {:?}",
                w.difference(&g).collect::<Vec<_>>(),
                g.difference(&w).collect::<Vec<_>>()
            )
        })
        .collect();
    assert!(
        last.is_empty(),
        "FRR's OSPF tables differ from the plan:\n{}",
        report.join("\n")
    );
    drop(lab);
}
