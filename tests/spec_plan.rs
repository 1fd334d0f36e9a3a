//! Conformance with the contract (docs/reference/), black box: the plan JSON of NEW
//! topologies, checked with independent code (a prefix calculator, Dijkstra and a
//! longest-prefix-match forwarding simulation), determinism, `--keep`, the formats.

mod spec_common;
mod support;
#[allow(unused_imports)]
use spec_common::*;
#[allow(unused_imports)]
use support::*;

#[allow(unused_imports)]
use std::cmp::Reverse;
#[allow(unused_imports)]
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
#[allow(unused_imports)]
use std::path::{Path, PathBuf};
#[allow(unused_imports)]
use std::process::Command as StdCommand;

#[allow(unused_imports)]
use serde_json::Value;

// ---------------------------------------------------------------- plan JSON shape

#[test]
fn plan_json_has_every_required_field_and_follows_the_addressing_rules() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let plan = plan_json(&t1);
    check_required_fields(&plan);
    assert_eq!(plan["name"], "sc-one");
    let hosts: BTreeMap<&str, u64> = [
        ("paris.users", 100),
        ("paris.lab", 10),
        ("paris.guests", 20),
        ("paris.srv", 5),
        ("nice.users", 30),
        ("lille.users", 6),
        ("lille.cams", 61),
    ]
    .into_iter()
    .collect();
    check_addressing(&plan, &hosts, 50, &["172.16.0.0/20"]);
    let segs = all_segments(&plan);
    assert_eq!(segs.len(), 7);
    let by_id: BTreeMap<String, Value> = segs
        .into_iter()
        .map(|(_, v)| (s(&v, "id").to_string(), v))
        .collect();
    // The pin is honoured, the gateway: is honoured, the default gateway is the first
    // layer-3 device of the site, isolated as declared.
    assert_eq!(by_id["paris.srv"]["prefix"], "172.16.99.0/28");
    assert_eq!(by_id["paris.lab"]["gateway_device"], "paris.r2");
    assert_eq!(by_id["paris.users"]["gateway_device"], "paris.r1");
    assert_eq!(by_id["paris.guests"]["isolated"], true);
    assert_eq!(by_id["paris.users"]["isolated"], false);
    // p2p_prefix: 30
    for link in plan["links"].as_array().unwrap() {
        assert_eq!(p4(s(link, "prefix")).1, 30, "p2p_prefix 30: {link}");
    }
    assert_eq!(plan["links"].as_array().unwrap().len(), 5);
    // Layer-3 devices only get loopbacks; every layer-3 device is in `routes`.
    let routes = plan["routes"].as_object().unwrap();
    for dev in plan["devices"].as_array().unwrap() {
        if L3.contains(&s(dev, "kind")) {
            assert!(
                routes.contains_key(s(dev, "id")),
                "no routing table for {}",
                dev["id"]
            );
        }
    }
    for id in ["paris.r1", "paris.r2", "paris.fw", "nice.r1", "lille.r1"] {
        assert!(routes.contains_key(id), "no routing table for {id}");
    }
    // Bandwidth in bits per second.
    let l0 = &plan["links"][0];
    assert_eq!(l0["bandwidth_bps"], 100_000_000u64);
    assert_eq!(l0["cost"], 10);
}

#[test]
fn plan_two_sites_without_ipv6_and_31_links() {
    let d = tmp();
    let t2 = write(d.path(), "t2.yaml", T2);
    let plan = plan_json(&t2);
    check_required_fields(&plan);
    let hosts: BTreeMap<&str, u64> = [
        ("hq.users", 254),
        ("hq.voice", 2),
        ("hq.mgmt", 14),
        ("brest.users", 62),
        ("brest.printers", 3),
    ]
    .into_iter()
    .collect();
    check_addressing(&plan, &hosts, 0, &[]);
    for link in plan["links"].as_array().unwrap() {
        let p = p4(s(link, "prefix"));
        assert_eq!(p.1, 31, "default p2p_prefix is 31: {link}");
        let a = ip4(s(link, "a_address"));
        let b = ip4(s(link, "b_address"));
        assert_eq!(BTreeSet::from([a, b]), BTreeSet::from([p.0, p.0 + 1]));
    }
    // hq.users: 254 hosts + gateway = 255 -> /23.
    let segs = all_segments(&plan);
    let users = segs.iter().find(|(_, v)| v["id"] == "hq.users").unwrap();
    assert_eq!(p4(s(&users.1, "prefix")).1, 23);
    // No IPv6 addressing given: nothing IPv6 in segment prefixes.
    assert!(
        !serde_json::to_string(&plan["sites"])
            .unwrap()
            .contains("::/64")
    );
}

#[test]
fn plan_dual_stack_gives_every_segment_a_64() {
    let d = tmp();
    let t3 = write(d.path(), "t3.yaml", T3);
    let plan = plan_json(&t3);
    check_required_fields(&plan);
    let text = serde_json::to_string(&plan["sites"]).unwrap();
    let n64 = text.matches("/64\"").count();
    assert!(
        n64 >= 3,
        "every one of the 3 segments gets a /64 (found {n64}): {text}"
    );
    let mut seen = BTreeSet::new();
    for (_, seg) in all_segments(&plan) {
        let v6: Vec<String> = seg
            .as_object()
            .unwrap()
            .values()
            .filter_map(|v| v.as_str())
            .filter(|v| v.contains("::") && v.ends_with("/64"))
            .map(str::to_string)
            .collect();
        assert_eq!(v6.len(), 1, "one /64 for {}: {seg}", seg["id"]);
        assert!(
            v6[0].starts_with("fd00:5c:"),
            "inside the ipv6 pool: {}",
            v6[0]
        );
        assert!(seen.insert(v6[0].clone()), "/64 {} used twice", v6[0]);
    }
}

// ---------------------------------------------------------------- routing simulation

struct Net {
    /// address -> device owning it
    owner: BTreeMap<u32, String>,
    /// adjacency: (device, neighbour address) -> (neighbour device, cost)
    l3: BTreeSet<String>,
    links: Vec<(String, String, u64, P4)>,
}

fn net(plan: &Value) -> Net {
    let mut owner = BTreeMap::new();
    let mut l3 = BTreeSet::new();
    for dev in plan["devices"].as_array().unwrap() {
        let id = s(dev, "id").to_string();
        if !L3.contains(&s(dev, "kind")) {
            continue;
        }
        l3.insert(id.clone());
        if let Some(lo) = dev["loopback"].as_str() {
            owner.insert(p4(lo).0, id.clone());
        }
        for itf in dev["interfaces"].as_array().unwrap() {
            let a = s(itf, "address").split('/').next().unwrap().to_string();
            if let Ok(a) = a.parse::<std::net::Ipv4Addr>() {
                owner.insert(u32::from(a), id.clone());
            }
        }
    }
    let links = plan["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                s(l, "a").to_string(),
                s(l, "b").to_string(),
                l["cost"].as_u64().unwrap(),
                p4(s(l, "prefix")),
            )
        })
        .collect();
    Net { owner, l3, links }
}

fn dijkstra(n: &Net, src: &str) -> BTreeMap<String, u64> {
    let mut dist: BTreeMap<String, u64> = BTreeMap::new();
    let mut heap = BinaryHeap::new();
    heap.push(Reverse((0u64, src.to_string())));
    while let Some(Reverse((d, u))) = heap.pop() {
        if dist.contains_key(&u) {
            continue;
        }
        dist.insert(u.clone(), d);
        for (a, b, c, _) in &n.links {
            let v = if *a == u {
                b
            } else if *b == u {
                a
            } else {
                continue;
            };
            if !dist.contains_key(v) {
                heap.push(Reverse((d + c, v.clone())));
            }
        }
    }
    dist
}

/// Longest-prefix match in a device's table: every route of the longest matching
/// prefix (ECMP entries).
fn lpm(table: &[Value], dst: u32) -> Vec<&Value> {
    let mut best: Option<u8> = None;
    let mut out = Vec::new();
    for r in table {
        if s(r, "destination").contains(':') {
            continue; // IPv6: not simulated here
        }
        let p = p4(s(r, "destination"));
        if !p.contains(dst) {
            continue;
        }
        match best {
            Some(b) if p.1 < b => {}
            Some(b) if p.1 == b => out.push(r),
            _ => {
                best = Some(p.1);
                out = vec![r];
            }
        }
    }
    out
}

/// Follows every forwarding path from `at` toward `dst`; returns the costs of the paths
/// and where they ended (device owning `dst`, or the device that sent it out of the
/// network through a next hop no device owns).
fn forward(
    plan: &Value,
    n: &Net,
    at: &str,
    dst: u32,
    cost: u64,
    hops: usize,
    out: &mut Vec<(String, u64)>,
) {
    assert!(hops < 64, "forwarding loop toward {dst:#x} (at {at})");
    if n.owner.get(&dst).map(String::as_str) == Some(at) {
        out.push((at.to_string(), cost));
        return;
    }
    let table = plan["routes"][at]
        .as_array()
        .unwrap_or_else(|| panic!("no routing table for {at}"));
    let matches = lpm(table, dst);
    assert!(
        !matches.is_empty(),
        "{at} has no route toward {}",
        std::net::Ipv4Addr::from(dst)
    );
    for r in matches {
        match r["next_hop"].as_str() {
            None => {
                // Connected: delivered on the attached network (a segment host or the
                // peer on a link); the destination owner must then be this device or
                // absent from the plan.
                let owned_elsewhere = n.owner.get(&dst).is_some_and(|o| o != at);
                assert!(
                    !owned_elsewhere,
                    "{at} treats {} as connected but {} owns it",
                    std::net::Ipv4Addr::from(dst),
                    n.owner[&dst]
                );
                out.push((at.to_string(), cost));
            }
            Some(nh) => {
                let nh = ip4(nh);
                match n.owner.get(&nh) {
                    Some(next) => {
                        let link = n
                            .links
                            .iter()
                            .find(|(a, b, _, p)| {
                                p.contains(nh) && ((a == at && b == next) || (b == at && a == next))
                            })
                            .unwrap_or_else(|| {
                                panic!("{at}: next hop {} is not on a link of {at}", r["next_hop"])
                            });
                        forward(plan, n, next, dst, cost + link.2, hops + 1, out);
                    }
                    None => out.push((format!("outside:{at}"), cost)),
                }
            }
        }
    }
}

fn check_routing(plan: &Value, edge: Option<&str>) {
    let n = net(plan);
    let mut targets: Vec<(String, u32)> = Vec::new();
    for (_, seg) in all_segments(plan) {
        targets.push((s(&seg, "id").to_string(), ip4(s(&seg, "gateway"))));
    }
    for dev in plan["devices"].as_array().unwrap() {
        if let Some(lo) = dev["loopback"].as_str() {
            targets.push((format!("loopback of {}", dev["id"]), p4(lo).0));
        }
    }
    for src in &n.l3 {
        let dist = dijkstra(&n, src);
        for (what, dst) in &targets {
            let want_dev = &n.owner[dst];
            let mut ends = Vec::new();
            forward(plan, &n, src, *dst, 0, 0, &mut ends);
            for (end, cost) in &ends {
                assert_eq!(
                    end, want_dev,
                    "from {src}, {what} ends at {end}, not {want_dev}"
                );
                assert_eq!(
                    *cost, dist[want_dev],
                    "from {src} to {what}: path cost {cost}, least cost {}",
                    dist[want_dev]
                );
            }
        }
        if let Some(edge) = edge {
            let table = plan["routes"][src.as_str()].as_array().unwrap();
            let defaults: Vec<&Value> = table
                .iter()
                .filter(|r| r["destination"] == "0.0.0.0/0")
                .collect();
            assert!(!defaults.is_empty(), "{src} has no default route");
            for r in &defaults {
                assert_eq!(r["kind"], "default", "{src}: {r}");
            }
            let mut ends = Vec::new();
            forward(plan, &n, src, ip4("198.51.100.7"), 0, 0, &mut ends);
            for (end, cost) in ends {
                assert_eq!(
                    end,
                    format!("outside:{edge}"),
                    "from {src}, internet traffic leaves at {end}"
                );
                assert_eq!(
                    cost, dist[edge],
                    "from {src} toward the internet edge: cost"
                );
            }
        }
    }
}

#[test]
fn routes_follow_least_cost_paths_and_default_routes_reach_the_edge() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    check_routing(&plan_json(&t1), Some("paris.fw"));
    let t2 = write(d.path(), "t2.yaml", T2);
    check_routing(&plan_json(&t2), Some("hq.r1"));
    let t3 = write(d.path(), "t3.yaml", T3);
    check_routing(&plan_json(&t3), None);
    let t4 = write(d.path(), "t4.yaml", T4);
    let plan = plan_json(&t4);
    check_routing(&plan, Some("d.fw"));
    check_required_fields(&plan);
    let hosts: BTreeMap<&str, u64> = [("a.lan", 1000), ("b.lan", 50), ("d.lan", 3), ("d.dmz", 7)]
        .into_iter()
        .collect();
    check_addressing(&plan, &hosts, 25, &[]);
    let wan = p4("192.168.250.0/24");
    let loopbacks = p4("192.168.251.0/26");
    for l in plan["links"].as_array().unwrap() {
        assert!(
            wan.covers(p4(s(l, "prefix"))),
            "link outside the wan pool: {l}"
        );
    }
    for dev in plan["devices"].as_array().unwrap() {
        assert!(
            loopbacks.covers(p4(s(dev, "loopback"))),
            "loopback outside its pool: {dev}"
        );
    }
    let a = plan["sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "a")
        .unwrap();
    assert_eq!(a["prefix"], "10.40.64.0/20", "pinned site block honoured");
    // Equal-cost next hops are all listed: a.r1 reaches d.lan through b.r1 and c.r1.
    let d_lan = all_segments(&plan)
        .into_iter()
        .find(|(_, v)| v["id"] == "d.lan")
        .unwrap()
        .1;
    let n = net(&plan);
    let gw = ip4(s(&d_lan, "gateway"));
    let hops: BTreeSet<String> = lpm(plan["routes"]["a.r1"].as_array().unwrap(), gw)
        .iter()
        .filter_map(|r| r["next_hop"].as_str())
        .map(|h| n.owner[&ip4(h)].clone())
        .collect();
    assert_eq!(
        hops,
        BTreeSet::from(["b.r1".to_string(), "c.r1".to_string()]),
        "ECMP"
    );
}

#[test]
fn ospf_topology_keeps_expected_tables_and_frr_config_runs_ospf() {
    let d = tmp();
    let t2 = write(d.path(), "t2.yaml", T2);
    let plan = plan_json(&t2);
    assert_eq!(plan["routing"], "ospf");
    // hq.r1 reaches brest through hq.r2 (5 + 5 < 30).
    let n = net(&plan);
    let brest = all_segments(&plan)
        .into_iter()
        .find(|(_, v)| v["id"] == "brest.users")
        .unwrap()
        .1;
    let mut ends = Vec::new();
    forward(
        &plan,
        &n,
        "hq.r1",
        ip4(s(&brest, "gateway")),
        0,
        0,
        &mut ends,
    );
    assert!(ends.iter().all(|(_, c)| *c == 10), "{ends:?}");
    let out = d.path().join("frr");
    let (code, _, err) = run(&[
        "config",
        t2.to_str().unwrap(),
        "--target",
        "frr",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let all: String = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert!(
        all.contains("router ospf"),
        "OSPF topology: frr config has `router ospf`"
    );
}

// ---------------------------------------------------------------- determinism, keep, formats

#[test]
fn same_input_gives_byte_identical_output() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    for fmt in ["json", "csv", "md", "table"] {
        let a = netkit()
            .args(["plan", t1.to_str().unwrap(), "--format", fmt])
            .output()
            .unwrap();
        let b = netkit()
            .args(["plan", t1.to_str().unwrap(), "--format", fmt])
            .output()
            .unwrap();
        assert_eq!(a.status.code(), Some(0));
        assert_eq!(
            a.stdout, b.stdout,
            "--format {fmt} differs between two runs"
        );
    }
}

#[test]
fn keep_previous_plan_after_adding_a_site_a_segment_and_a_link() {
    let d = tmp();
    let t2 = write(d.path(), "t2.yaml", T2);
    let prev = d.path().join("prev.json");
    let (code, _, err) = run(&[
        "plan",
        t2.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        prev.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let old: Value = serde_json::from_str(&std::fs::read_to_string(&prev).unwrap()).unwrap();
    let t2p = write(d.path(), "t2p.yaml", T2_PLUS);
    let (code, out, err) = run(&[
        "plan",
        t2p.to_str().unwrap(),
        "--format",
        "json",
        "--keep",
        prev.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let new: Value = serde_json::from_str(&out).unwrap();
    check_required_fields(&new);
    check_addressing(&new, &BTreeMap::new(), 0, &[]);
    let index = |p: &Value| -> BTreeMap<String, String> {
        let mut m = BTreeMap::new();
        for site in p["sites"].as_array().unwrap() {
            m.insert(
                format!("site {}", site["name"]),
                s(site, "prefix").to_string(),
            );
            for seg in site["segments"].as_array().unwrap() {
                m.insert(
                    format!("segment {}", seg["id"]),
                    s(seg, "prefix").to_string(),
                );
                m.insert(
                    format!("gateway {}", seg["id"]),
                    s(seg, "gateway").to_string(),
                );
            }
        }
        for dev in p["devices"].as_array().unwrap() {
            if let Some(lo) = dev["loopback"].as_str() {
                m.insert(format!("loopback {}", dev["id"]), lo.to_string());
            }
        }
        for l in p["links"].as_array().unwrap() {
            m.insert(
                format!("link {}-{}", l["a"], l["b"]),
                format!(
                    "{} {} {}",
                    s(l, "prefix"),
                    s(l, "a_address"),
                    s(l, "b_address")
                ),
            );
        }
        m
    };
    let (o, n) = (index(&old), index(&new));
    for (k, v) in &o {
        assert_eq!(n.get(k), Some(v), "{k} was renumbered by --keep");
    }
    assert!(n.len() > o.len());
}

#[test]
fn csv_md_table_formats_are_sane_and_o_writes_the_file() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let plan = plan_json(&t1);
    let prefixes: Vec<String> = all_segments(&plan)
        .iter()
        .map(|(_, v)| s(v, "prefix").to_string())
        .collect();
    for fmt in ["csv", "md", "table"] {
        let (code, out, err) = run(&["plan", t1.to_str().unwrap(), "--format", fmt]);
        assert_eq!(code, 0, "{fmt}: {err}");
        assert!(out.lines().count() > 7, "{fmt} output too short:\n{out}");
        for p in &prefixes {
            assert!(
                out.contains(p.as_str()),
                "{fmt} output lacks segment prefix {p}"
            );
        }
        let file = d.path().join(format!("out.{fmt}"));
        let (code, stdout, err) = run(&[
            "plan",
            t1.to_str().unwrap(),
            "--format",
            fmt,
            "-o",
            file.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(
            stdout.trim().is_empty() || !stdout.contains(&prefixes[0]),
            "-o still prints the plan"
        );
        let written = std::fs::read_to_string(&file).unwrap();
        assert_eq!(
            written.trim(),
            out.trim(),
            "{fmt}: -o file differs from stdout"
        );
    }
    // CSV: every row has the same number of fields as the header (no quotes in our names).
    let (_, csv, _) = run(&["plan", t1.to_str().unwrap(), "--format", "csv"]);
    assert!(csv.contains(','), "CSV uses commas");
    // Markdown: tables.
    let (_, md, _) = run(&["plan", t1.to_str().unwrap(), "--format", "md"]);
    assert!(
        md.contains("|---") || md.contains("| ---") || md.contains("|:--"),
        "md has tables"
    );
    // json -o writes valid JSON
    let file = d.path().join("p.json");
    let (code, _, _) = run(&[
        "plan",
        t1.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(v["format"], "netkit-plan/1");
}
