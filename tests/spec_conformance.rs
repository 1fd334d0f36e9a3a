//! Black-box conformance tests against `/work/shared/SPEC.md` only: the built `netkit`
//! binary is run on NEW topologies written here (not the bundled acme example), and
//! its outputs are checked with independent code (a prefix calculator, Dijkstra and a
//! longest-prefix-match forwarding simulation written in this file).
//!
//! The lab test needs root and network namespaces (CI runs as root and must not skip
//! it); every lab has a unique name and a guard tears it down even on failure.

mod support;
#[allow(unused_imports)]
use support::*;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use serde_json::Value;

// ---------------------------------------------------------------- helpers

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write a test input");
    p
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = netkit().args(args).output().expect("run netkit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn plan_json(path: &Path) -> Value {
    let (code, out, err) = run(&["plan", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "netkit plan failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("plan JSON does not parse: {e}\n{out}"))
}

/// An IPv4 prefix as (network, length).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct P4(u32, u8);

fn ip4(s: &str) -> u32 {
    let a: std::net::Ipv4Addr = s
        .parse()
        .unwrap_or_else(|_| panic!("not an IPv4 address: {s}"));
    u32::from(a)
}

fn p4(s: &str) -> P4 {
    let (a, l) = s
        .split_once('/')
        .unwrap_or_else(|| panic!("not a prefix: {s}"));
    let l: u8 = l.parse().unwrap();
    assert!(l <= 32, "bad length in {s}");
    let a = ip4(a);
    assert_eq!(a & mask(l), a, "host bits set in {s}");
    P4(a, l)
}

fn mask(l: u8) -> u32 {
    if l == 0 { 0 } else { u32::MAX << (32 - l) }
}

impl P4 {
    fn contains(self, a: u32) -> bool {
        a & mask(self.1) == self.0
    }
    fn covers(self, o: P4) -> bool {
        o.1 >= self.1 && self.contains(o.0)
    }
    fn overlaps(self, o: P4) -> bool {
        self.covers(o) || o.covers(self)
    }
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("field `{k}` is not a string in {v}"))
}

const L3: [&str; 3] = ["router", "l3-switch", "firewall"];

/// Three sites, /30 links, growth, a reserve, a pinned segment, a multi-router site
/// with a segment `gateway:`, a firewall as internet edge, isolated segment, policies
/// with `allow`, SNMP with a `${VAR}` secret, and a free-text location with markup.
const T1: &str = r#"
name: sc-one
routing: static
addressing:
  ipv4: 172.16.0.0/16
  p2p_prefix: 30
  growth: 50%
  reserve: [172.16.0.0/20]
sites:
  paris:
    location: "Paris <script>alert(1)</script>"
    devices:
      r1: { kind: router, description: "core <script>x()</script> \"q\" --> ]]>" }
      r2: { kind: l3-switch }
      fw: { kind: firewall }
      sw: { kind: switch }
    segments:
      users: { vlan: 10, hosts: 100 }
      lab:   { vlan: 20, hosts: 10, gateway: r2 }
      guests: { vlan: 30, hosts: 20, isolated: true }
      srv:
        vlan: 40
        hosts: 5
        prefix: 172.16.99.0/28
        named:
          web: { host: 5, services: [tcp/80] }
  nice:
    location: Nice
    devices: { r1: { kind: router } }
    segments: { users: { vlan: 10, hosts: 30 } }
  lille:
    location: Lille
    devices: { r1: { kind: router } }
    segments:
      users: { vlan: 10, hosts: 6 }
      cams: { vlan: 50, hosts: 61 }
links:
  - { a: paris.r1, b: nice.r1, bandwidth: 100Mbps, cost: 10 }
  - { a: nice.r1, b: lille.r1, bandwidth: 100Mbps, cost: 10 }
  - { a: paris.r1, b: lille.r1, bandwidth: 10Mbps, cost: 50 }
  - { a: paris.r1, b: paris.r2, cost: 1 }
  - { a: paris.r1, b: paris.fw, cost: 1 }
internet: { edge: paris.fw }
dns: { domain: sc.lan, server: paris.srv.web }
snmp: { version: 2c, community: "${SC_SNMP_COMMUNITY}" }
policies:
  - { deny: { from: lille.users, to: paris.users } }
  - { allow: { from: paris.guests, to: paris.srv } }
"#;

/// Two sites, no IPv6, no growth, default /31 links, a router as internet edge,
/// OSPF routing, a ring of three routers with unequal costs.
const T2: &str = r#"
name: sc-two
routing: ospf
addressing:
  ipv4: 10.20.0.0/16
sites:
  hq:
    location: Rennes
    devices:
      r1: { kind: router }
      r2: { kind: router }
    segments:
      users: { vlan: 10, hosts: 254 }
      voice: { vlan: 11, hosts: 2 }
      mgmt: { vlan: 12, hosts: 14, gateway: r2 }
  brest:
    location: Brest
    devices: { r1: { kind: router } }
    segments:
      users: { vlan: 10, hosts: 62 }
      printers: { vlan: 20, hosts: 3 }
links:
  - { a: hq.r1, b: brest.r1, bandwidth: 50Mbps, cost: 30 }
  - { a: hq.r2, b: brest.r1, bandwidth: 50Mbps, cost: 5 }
  - { a: hq.r1, b: hq.r2, cost: 5 }
internet: { edge: hq.r1 }
"#;

/// T2 with one more site and link (for `--keep`).
const T2_PLUS: &str = r#"
name: sc-two
routing: ospf
addressing:
  ipv4: 10.20.0.0/16
sites:
  aaa:
    location: Angers
    devices: { r1: { kind: router } }
    segments:
      users: { vlan: 10, hosts: 500 }
  hq:
    location: Rennes
    devices:
      r1: { kind: router }
      r2: { kind: router }
    segments:
      users: { vlan: 10, hosts: 254 }
      voice: { vlan: 11, hosts: 2 }
      mgmt: { vlan: 12, hosts: 14, gateway: r2 }
      extra: { vlan: 13, hosts: 20 }
  brest:
    location: Brest
    devices: { r1: { kind: router } }
    segments:
      users: { vlan: 10, hosts: 62 }
      printers: { vlan: 20, hosts: 3 }
links:
  - { a: aaa.r1, b: hq.r1, bandwidth: 10Mbps, cost: 7 }
  - { a: hq.r1, b: brest.r1, bandwidth: 50Mbps, cost: 30 }
  - { a: hq.r2, b: brest.r1, bandwidth: 50Mbps, cost: 5 }
  - { a: hq.r1, b: hq.r2, cost: 5 }
internet: { edge: hq.r1 }
"#;

/// Explicit wan and loopback pools, a pinned site block, equal-cost paths, parallel
/// links, a default cost from bandwidth, a firewall edge behind a remote router.
const T4: &str = r#"
name: sq
addressing:
  ipv4: 10.40.0.0/16
  wan: 192.168.250.0/24
  loopbacks: 192.168.251.0/26
  growth: 25%
sites:
  a:
    prefix: 10.40.64.0/20
    devices: { r1: { kind: router } }
    segments: { lan: { vlan: 10, hosts: 1000 } }
  b:
    devices: { r1: { kind: router } }
    segments: { lan: { vlan: 10, hosts: 50 } }
  c:
    devices: { r1: { kind: router } }
    segments: { lan: { vlan: 10, hosts: 50 } }
  d:
    devices: { r1: { kind: router }, fw: { kind: firewall } }
    segments: { lan: { vlan: 10, hosts: 3 }, dmz: { vlan: 20, hosts: 7, gateway: fw } }
links:
  - { a: a.r1, b: b.r1, cost: 10 }
  - { a: a.r1, b: c.r1, cost: 10 }
  - { a: b.r1, b: d.r1, cost: 10 }
  - { a: c.r1, b: d.r1, cost: 10 }
  - { a: b.r1, b: c.r1, cost: 5 }
  - { a: b.r1, b: c.r1, cost: 5 }
  - { a: d.r1, b: d.fw, cost: 1 }
  - { a: a.r1, b: d.r1, bandwidth: 1Mbps }
internet: { edge: d.fw }
"#;

/// Dual stack.
const T3: &str = r#"
name: sc-six
addressing:
  ipv4: 192.168.0.0/16
  ipv6: "fd00:5c::/48"
sites:
  a:
    devices: { gw: { kind: router } }
    segments:
      lan: { vlan: 100, hosts: 40 }
      wifi: { vlan: 200, hosts: 90, isolated: true }
  b:
    devices: { gw: { kind: router } }
    segments:
      lan: { vlan: 100, hosts: 12 }
links:
  - { a: a.gw, b: b.gw, bandwidth: 1Gbps, cost: 10 }
"#;

// ---------------------------------------------------------------- plan JSON shape

fn check_required_fields(plan: &Value) {
    assert_eq!(plan["format"], "netkit-plan/1");
    assert!(plan["name"].is_string());
    for site in plan["sites"].as_array().expect("sites is an array") {
        assert!(site["name"].is_string(), "site name: {site}");
        p4(s(site, "prefix"));
        for seg in site["segments"].as_array().expect("segments is an array") {
            assert!(seg["id"].is_string());
            assert!(seg["vlan"].is_u64(), "vlan is a number: {seg}");
            assert!(seg["hosts"].is_u64(), "hosts is a number: {seg}");
            p4(s(seg, "prefix"));
            ip4(s(seg, "gateway"));
            assert!(seg["gateway_device"].is_string());
            assert!(seg["isolated"].is_boolean());
        }
    }
    for dev in plan["devices"].as_array().expect("devices is an array") {
        assert!(dev["id"].is_string());
        assert!(dev["kind"].is_string());
        let kind = s(dev, "kind");
        if L3.contains(&kind) {
            let lo = p4(s(dev, "loopback"));
            assert_eq!(lo.1, 32, "loopback is a /32: {dev}");
        }
        for itf in dev["interfaces"]
            .as_array()
            .expect("interfaces is an array")
        {
            let name = s(itf, "name");
            assert!(
                !name.is_empty() && name.len() <= 15,
                "interface name {name}"
            );
            let addr = s(itf, "address");
            let (a, _) = addr
                .split_once('/')
                .expect("interface address has a length");
            ip4(a);
            assert!(itf.get("link").is_some(), "interface has `link`: {itf}");
            assert!(
                itf.get("segment").is_some(),
                "interface has `segment`: {itf}"
            );
            assert!(itf["link"].is_null() || itf["link"].is_u64());
            assert!(itf["segment"].is_null() || itf["segment"].is_string());
        }
    }
    for link in plan["links"].as_array().expect("links is an array") {
        assert!(link["id"].is_u64());
        assert!(link["a"].is_string() && link["b"].is_string());
        let p = p4(s(link, "prefix"));
        assert!(p.contains(ip4(s(link, "a_address"))));
        assert!(p.contains(ip4(s(link, "b_address"))));
        assert_ne!(link["a_address"], link["b_address"]);
        assert!(link["cost"].is_u64(), "cost is a number: {link}");
        if let Some(b) = link.get("bandwidth_bps") {
            assert!(b.is_u64() || b.is_null());
        }
    }
    let routes = plan["routes"].as_object().expect("routes is an object");
    for (dev, table) in routes {
        for r in table.as_array().expect("a route table is an array") {
            let dst = s(r, "destination");
            if !dst.contains(':') {
                p4(dst);
            }
            assert!(
                r["next_hop"].is_null() || r["next_hop"].is_string(),
                "{dev}: {r}"
            );
            assert!(r["interface"].is_string(), "{dev}: {r}");
            assert!(r["metric"].is_u64(), "{dev}: {r}");
            let kind = s(r, "kind");
            assert!(
                ["connected", "static", "default"].contains(&kind),
                "{dev}: {r}"
            );
        }
    }
}

fn all_segments(plan: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for site in plan["sites"].as_array().unwrap() {
        for seg in site["segments"].as_array().unwrap() {
            out.push((s(site, "name").to_string(), seg.clone()));
        }
    }
    out
}

fn smallest_prefix_len(needed: u64) -> u8 {
    // network + broadcast on top of `needed` addresses.
    let mut l = 32u8;
    while (1u64 << (32 - l)) < needed + 2 {
        l -= 1;
    }
    l
}

fn check_addressing(plan: &Value, topo_hosts: &BTreeMap<&str, u64>, growth: u64, reserve: &[&str]) {
    let pool = p4(s(&plan["pools"], "ipv4").trim());
    let reserve: Vec<P4> = reserve.iter().map(|r| p4(r)).collect();
    let mut allocated: Vec<(String, P4)> = Vec::new();
    for site in plan["sites"].as_array().unwrap() {
        let block = p4(s(site, "prefix"));
        assert!(pool.covers(block), "site block {block:?} outside the pool");
        for r in &reserve {
            assert!(
                !block.overlaps(*r),
                "site block {block:?} overlaps the reserve"
            );
        }
        for seg in site["segments"].as_array().unwrap() {
            let id = s(seg, "id");
            let p = p4(s(seg, "prefix"));
            assert!(
                block.covers(p),
                "{id} {p:?} outside its site block {block:?}"
            );
            assert_eq!(
                ip4(s(seg, "gateway")),
                p.0 + 1,
                "{id}: gateway is the first usable"
            );
            let hosts = seg["hosts"].as_u64().unwrap();
            if let Some(h) = topo_hosts.get(id) {
                assert_eq!(hosts, *h, "{id}: hosts as in the topology");
                let needed = (hosts * (100 + growth)).div_ceil(100) + 1;
                assert_eq!(
                    p.1,
                    smallest_prefix_len(needed),
                    "{id}: {hosts} hosts with {growth}% growth need {needed} addresses plus network and broadcast: smallest prefix"
                );
            }
            allocated.push((id.to_string(), p));
        }
    }
    for link in plan["links"].as_array().unwrap() {
        allocated.push((format!("link {}", link["id"]), p4(s(link, "prefix"))));
    }
    for dev in plan["devices"].as_array().unwrap() {
        if let Some(lo) = dev["loopback"].as_str() {
            allocated.push((format!("loopback {}", s(dev, "id")), p4(lo)));
        }
    }
    for (i, (na, a)) in allocated.iter().enumerate() {
        for r in &reserve {
            assert!(!a.overlaps(*r), "{na} {a:?} is taken from the reserve");
        }
        for (nb, b) in &allocated[i + 1..] {
            assert!(!a.overlaps(*b), "{na} {a:?} overlaps {nb} {b:?}");
        }
    }
    // Site blocks: pairwise disjoint.
    let blocks: Vec<P4> = plan["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| p4(s(x, "prefix")))
        .collect();
    for (i, a) in blocks.iter().enumerate() {
        for b in &blocks[i + 1..] {
            assert!(!a.overlaps(*b), "site blocks {a:?} and {b:?} overlap");
        }
    }
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

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

// ---------------------------------------------------------------- validate and exit codes

fn has_location(stderr_and_out: &str, file: &str) -> bool {
    stderr_and_out.lines().any(|l| {
        l.find(file).is_some_and(|i| {
            let rest = &l[i + file.len()..];
            let mut parts = rest.splitn(4, ':');
            parts.next() == Some("")
                && parts.next().is_some_and(|x| x.parse::<u32>().is_ok())
                && parts.next().is_some_and(|x| x.parse::<u32>().is_ok())
        })
    })
}

#[test]
fn validate_accepts_valid_topologies() {
    let d = tmp();
    for (n, t) in [
        ("t1.yaml", T1),
        ("t2.yaml", T2),
        ("t3.yaml", T3),
        ("t2p.yaml", T2_PLUS),
    ] {
        let p = write(d.path(), n, t);
        let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
        assert_eq!(code, 0, "{n}: {out}{err}");
    }
}

#[test]
fn validate_reports_pin_conflicts_with_file_line_column() {
    let d = tmp();
    let p = write(
        d.path(),
        "pins.yaml",
        "name: pins\naddressing: { ipv4: 10.9.0.0/16 }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 10, hosts: 10, prefix: 10.9.1.0/26 }\n      y: { vlan: 20, hosts: 10, prefix: 10.9.1.32/27 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    assert!(has_location(&all, "pins.yaml"), "file:line:col: {all}");
    assert!(
        all.contains("a.x") && all.contains("a.y"),
        "says which pins conflict: {all}"
    );
    // A site pin that does not hold its segment pin.
    let p = write(
        d.path(),
        "pins2.yaml",
        "name: pins2\naddressing: { ipv4: 10.9.0.0/16 }\nsites:\n  a:\n    prefix: 10.9.0.0/24\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 10, hosts: 10, prefix: 10.9.5.0/26 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        has_location(&format!("{out}{err}"), "pins2.yaml"),
        "{out}{err}"
    );
    // A pin inside the reserve.
    let p = write(
        d.path(),
        "pins3.yaml",
        "name: pins3\naddressing: { ipv4: 10.9.0.0/16, reserve: [10.9.0.0/20] }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 10, hosts: 10, prefix: 10.9.2.0/26 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        has_location(&format!("{out}{err}"), "pins3.yaml"),
        "{out}{err}"
    );
}

#[test]
fn validate_reports_exhaustion_with_needed_and_left() {
    let d = tmp();
    let p = write(
        d.path(),
        "full.yaml",
        "name: full\naddressing: { ipv4: 10.7.0.0/22, reserve: [10.7.0.0/23] }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 10, hosts: 300 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    assert!(has_location(&all, "full.yaml"), "{all}");
    assert!(
        all.contains("512") || all.contains("/23"),
        "says how much was needed: {all}"
    );
    // plan on the same input cannot produce a plan: non-zero.
    let (code, out, _) = run(&["plan", p.to_str().unwrap(), "--format", "json"]);
    assert_ne!(code, 0);
    assert!(!out.contains("netkit-plan/1"));
}

#[test]
fn exhaustion_message_counts_every_segment_of_the_site() {
    let d = tmp();
    // Two segments of 200 hosts need two /24 = 512 addresses, in a /24 pool.
    let p = write(
        d.path(),
        "full2.yaml",
        "name: full2\naddressing: { ipv4: 10.7.0.0/24 }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 10, hosts: 200 }\n      y: { vlan: 20, hosts: 200 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    assert!(
        all.contains("512") || all.contains("/23"),
        "says how much was needed (512, a /23): {all}"
    );
}

#[test]
fn validate_reports_each_kind_of_topology_error_with_a_location_and_hint() {
    let d = tmp();
    let p = write(d.path(), "errs.yaml", ERRS);
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    let located: BTreeSet<String> = all
        .lines()
        .filter(|l| has_location(l, "errs.yaml"))
        .map(|l| l.split(": ").next().unwrap_or("").to_string())
        .collect();
    assert!(
        located.len() >= 7,
        "7 problems, each at its own line:col: {all}"
    );
    for word in ["p2p_prefix", "growth", "R2", "99", "VLAN", "itself", "a.r9"] {
        assert!(all.contains(word), "a diagnostic mentions `{word}`: {all}");
    }
    assert!(
        all.matches("hint").count() >= 7,
        "each problem has a hint: {all}"
    );
}

const ERRS: &str = r#"name: errs
addressing: { ipv4: 10.0.0.0/16, p2p_prefix: 29, growht: 10% }
sites:
  a:
    devices: { r1: { kind: router }, R2: { kind: router } }
    segments:
      x: { vlan: 10, hosts: 10, named: { h: { host: 99 } } }
      y: { vlan: 10, hosts: 10 }
links:
  - { a: a.r1, b: a.r1 }
internet: { edge: a.r9 }
"#;

#[test]
fn validate_reports_every_problem_at_once() {
    let d = tmp();
    let p = write(
        d.path(),
        "many.yaml",
        "name: many\naddressing: { ipv4: 10.0.0.0/16 }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 5000, hosts: 10 }\n      y: { vlan: 20, hosts: 0 }\nlinks:\n  - { a: a.r1, b: b.r9 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    let located = all
        .lines()
        .filter(|l| l.contains("many.yaml:") && has_location(l, "many.yaml"))
        .map(|l| l.split(": ").next().unwrap_or("").to_string())
        .collect::<BTreeSet<_>>();
    assert!(
        located.len() >= 3,
        "three problems, each with file:line:col: {all}"
    );
}

#[test]
fn unreadable_or_invalid_input_and_bad_arguments_exit_2() {
    let d = tmp();
    let missing = d.path().join("missing.yaml");
    let m = missing.to_str().unwrap();
    let out = d.path().join("o");
    let o = out.to_str().unwrap();
    // unreadable file: validate says 2 (could not run), every command too.
    for args in [
        vec!["validate", m],
        vec!["plan", m],
        vec!["config", m, "--target", "frr", "-o", o],
        vec!["report", m, "-o", o],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{err}"
        );
        assert!(err.contains("missing.yaml"), "names the file: {err}");
    }
    let t1 = write(d.path(), "t1.yaml", T1);
    let t = t1.to_str().unwrap();
    for args in [
        vec!["plan", t, "--format", "xml"],
        vec!["plan", "--bogus", t],
        vec!["config", t, "--target", "junos", "-o", o],
        vec!["config", t, "--target", "frr"],
        vec!["report", t, "--lang", "de", "-o", o],
        vec!["verify"],
        vec!["lab", "sideways", t],
        vec!["frobnicate"],
        vec![],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
    // invalid input to commands other than validate: 2 (could not run).
    let bad = write(d.path(), "bad.yaml", "name: [\n");
    let b = bad.to_str().unwrap();
    let (code, _, _) = run(&["validate", b]);
    assert_eq!(code, 1);
    for args in [
        vec!["plan", b],
        vec!["config", b, "--target", "ios", "-o", o],
        vec!["report", b, "-o", o],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // --keep with a missing file, or a file that is not a plan; -o into a missing folder.
    let nope = d.path().join("nope.json");
    let notplan = write(d.path(), "notplan.json", RESULTS);
    for args in [
        vec!["plan", t, "--keep", nope.to_str().unwrap()],
        vec!["plan", t, "--keep", notplan.to_str().unwrap()],
        vec!["plan", t, "-o", "/nonexistent-sc-dir/x.json"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            !out.contains("netkit-plan/1"),
            "{args:?}: no plan printed on error"
        );
        assert_eq!(err.trim().lines().count(), 1, "one clear sentence: {err}");
    }
    // non-UTF-8 junk
    let junk = d.path().join("junk.yaml");
    std::fs::write(&junk, [0xff, 0xfe, 0x00, 0x80, b':', b'\n']).unwrap();
    let (code, _, err) = run(&["validate", junk.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("panicked"));
}

// ---------------------------------------------------------------- config

#[test]
fn config_writes_one_file_per_layer3_device_for_each_target() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let l3 = ["paris.r1", "paris.r2", "paris.fw", "nice.r1", "lille.r1"];
    for target in ["frr", "ios", "linux"] {
        let out = d.path().join(target);
        let (code, _, err) = netkit()
            .args([
                "config",
                t1.to_str().unwrap(),
                "--target",
                target,
                "-o",
                out.to_str().unwrap(),
            ])
            .env("SC_SNMP_COMMUNITY", "s3cr3t-c0mm")
            .output()
            .map(|o| {
                (
                    o.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&o.stdout).into_owned(),
                    String::from_utf8_lossy(&o.stderr).into_owned(),
                )
            })
            .unwrap();
        assert_eq!(code, 0, "{target}: {err}");
        let names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        for dev in l3 {
            let files: Vec<&String> = names
                .iter()
                .filter(|n| n.starts_with(&format!("{dev}.")))
                .collect();
            assert!(
                !files.is_empty(),
                "{target}: no file for {dev} in {names:?}"
            );
            for f in files {
                let text = std::fs::read_to_string(out.join(f)).unwrap();
                assert!(!text.trim().is_empty(), "{target}: {f} is empty");
                assert!(
                    !text.contains("s3cr3t-c0mm"),
                    "{target}: {f} prints the SNMP secret"
                );
            }
        }
        assert!(
            !names.iter().any(|n| n.starts_with("paris.sw")),
            "no file for a layer-2 switch"
        );
        // Each device's file carries its own loopback address.
        let plan = plan_json(&t1);
        for dev in plan["devices"].as_array().unwrap() {
            let Some(lo) = dev["loopback"].as_str() else {
                continue;
            };
            let ip = lo.split('/').next().unwrap();
            let id = s(dev, "id");
            let text: String = names
                .iter()
                .filter(|n| n.starts_with(&format!("{id}.")))
                .map(|n| std::fs::read_to_string(out.join(n)).unwrap())
                .collect();
            assert!(
                text.contains(ip),
                "{target}: {id}'s config lacks its loopback {ip}"
            );
        }
    }
}

// ---------------------------------------------------------------- report

#[test]
fn report_writes_every_document_in_fr_and_en_and_escapes_free_text() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let mut htmls = Vec::new();
    for lang in ["fr", "en"] {
        let out = d.path().join(lang);
        let (code, _, err) = run(&[
            "report",
            t1.to_str().unwrap(),
            "--lang",
            lang,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{lang}: {err}");
        for f in [
            "index.html",
            "topology.svg",
            "topology.dot",
            "topology.mmd",
            "addressing.csv",
            "routes.csv",
        ] {
            let p = out.join(f);
            assert!(p.is_file(), "{lang}: {f} missing");
            assert!(
                std::fs::metadata(&p).unwrap().len() > 50,
                "{lang}: {f} is nearly empty"
            );
        }
        let md: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect();
        assert!(
            md.len() >= 2,
            "{lang}: Markdown tables (addressing, routes): {md:?}"
        );
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        let svg = std::fs::read_to_string(out.join("topology.svg")).unwrap();
        for (n, t) in [("index.html", &html), ("topology.svg", &svg)] {
            assert!(
                !t.contains("<script>alert"),
                "{lang}: {n} has the location as markup"
            );
            assert!(
                !t.contains("<script>x()"),
                "{lang}: {n} has the description as markup"
            );
        }
        assert!(
            html.contains("&lt;script&gt;alert"),
            "{lang}: location shown as text"
        );
        assert!(
            !html.contains("src=\"http") && !html.contains("href=\"http"),
            "self-contained"
        );
        let seg = "172.16.99.0/28";
        assert!(
            html.contains(seg)
                && std::fs::read_to_string(out.join("addressing.csv"))
                    .unwrap()
                    .contains(seg)
        );
        let dot = out.join("topology.dot");
        let st = StdCommand::new("dot").arg("-Tsvg").arg(&dot).output();
        if let Ok(st) = st {
            assert!(
                st.status.success(),
                "dot -Tsvg: {}",
                String::from_utf8_lossy(&st.stderr)
            );
        }
        htmls.push(html);
    }
    assert_ne!(htmls[0], htmls[1], "fr and en differ");
    let low_fr = htmls[0].to_lowercase();
    let low_en = htmls[1].to_lowercase();
    assert!(
        low_fr.contains("plan d'adressage")
            || low_fr.contains("plan d&#39;adressage")
            || low_fr.contains("plan d’adressage")
    );
    assert!(low_en.contains("addressing plan"));
    assert!(low_fr.contains("fiche") && low_en.contains("intervention"));
}

// ---------------------------------------------------------------- lab, verify

struct Lab {
    name: String,
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Tears the lab down (also after a failed check): the shared guard's way.
        drop(LabGuard::new(self.name.clone()));
    }
}

/// A new small lab: two sites, an l3-switch behind the router, an isolated segment,
/// a named host with a service and the DNS server, a deny policy.
const LAB: &str = r#"
name: sclab
addressing:
  ipv4: 10.77.0.0/16
  growth: 10%
sites:
  north:
    location: Lille
    devices:
      r1: { kind: router }
      core: { kind: l3-switch }
    segments:
      staff: { vlan: 10, hosts: 20 }
      wifi: { vlan: 90, hosts: 30, isolated: true }
      srv:
        vlan: 30
        hosts: 4
        gateway: core
        named:
          web: { host: 5, services: [tcp/8080] }
  south:
    location: Nîmes
    devices: { r1: { kind: router } }
    segments:
      staff: { vlan: 10, hosts: 8 }
      lab: { vlan: 20, hosts: 8 }
links:
  - { a: north.r1, b: south.r1, bandwidth: 20Mbps, cost: 10 }
  - { a: north.r1, b: north.core, cost: 1 }
internet: { edge: north.r1 }
dns: { domain: sc.test, server: north.srv.web }
policies:
  - { deny: { from: south.lab, to: north.staff } }
"#;

#[test]
fn lab_up_verify_auto_and_playbooks_on_a_new_topology() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let topo = write(d.path(), "sclab.yaml", LAB);
    let name = format!("sc{}", std::process::id() % 100_000);
    let lab = Lab { name: name.clone() };
    let t = topo.to_str().unwrap();
    let (code, out, err) = run(&["lab", "up", t, "--name", &name]);
    assert_eq!(code, 0, "lab up: {out}{err}");
    // `status` right after `up`: healthy, at most a few seconds later (links come up).
    let mut status = (1, String::new(), String::new());
    for _ in 0..20 {
        status = run(&["lab", "status", t, "--name", &name]);
        if status.0 == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert_eq!(status.0, 0, "lab status: {}{}", status.1, status.2);
    // up twice: refused, not exit 0.
    let (code, _, _) = run(&["lab", "up", t, "--name", &name]);
    assert_ne!(code, 0, "`up` on an existing lab says so");

    // Auto checks, JSON results.
    let (code, out, err) = run(&[
        "verify",
        t,
        "--auto",
        "--lab",
        &name,
        "--format",
        "json",
        "--skip",
        "bandwidth,snmp",
    ]);
    let res: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("results JSON: {e}\n{out}\n{err}"));
    assert_eq!(res["format"], "netkit-results/1");
    for k in ["playbook", "target", "started", "finished"] {
        assert!(res[k].is_string(), "results `{k}`: {res}");
    }
    assert_eq!(res["target"], "lab");
    let results = res["results"].as_array().expect("results is an array");
    assert!(results.len() >= 6, "auto derives checks: {res}");
    let mut kinds = BTreeSet::new();
    for r in results {
        for k in ["check", "from", "verdict", "start", "end"] {
            assert!(r[k].is_string(), "result `{k}`: {r}");
        }
        assert!(
            r.get("expected").is_some() && r.get("measured").is_some(),
            "{r}"
        );
        let v = s(r, "verdict");
        assert!(["pass", "fail", "error"].contains(&v), "{r}");
        if v != "pass" {
            assert!(
                r["reason"].as_str().is_some_and(|x| !x.is_empty()),
                "reason: {r}"
            );
        }
        kinds.insert(s(r, "check").to_string());
    }
    let failed: Vec<&Value> = results.iter().filter(|r| r["verdict"] != "pass").collect();
    assert!(
        failed.is_empty(),
        "auto checks on a clean lab all pass: {failed:#?}"
    );
    assert_eq!(code, 0, "{err}");
    for k in ["reach", "isolate", "tcp", "dns"] {
        assert!(kinds.contains(k), "auto derives `{k}` checks: {kinds:?}");
    }
    // The isolated segment is checked not to reach the internal ones.
    assert!(
        results
            .iter()
            .any(|r| r["check"] == "isolate" && r["from"] == "north.wifi")
    );

    // A playbook of our own that must pass.
    let pb = write(
        d.path(),
        "ok.yaml",
        &format!(
            "name: Recette sc\ntopology: {t}\ntarget: lab\nlab: {name}\ndeadline: 2030-01-01T00:00:00Z\nchecks:\n  - reach: {{ from: south.staff, to: [north.staff, north.srv.web, north.srv, internet] }}\n  - reach: {{ from: north.wifi, to: internet }}\n  - dns: {{ from: north.wifi, name: web.north.sc.test, expect: {web} }}\n  - isolate: {{ from: north.wifi, to: [north.staff, south.staff] }}\n  - isolate: {{ from: south.lab, to: north.staff }}\n  - tcp: {{ from: south.staff, to: north.srv.web, port: 8080 }}\n  - dns: {{ from: south.staff, name: web.north.sc.test, expect: {web} }}\n  - path: {{ from: south.staff, to: north.srv, via: [south.r1, north.r1, north.core] }}\n",
            web = lab_web_address(&topo),
        ),
    );
    let (code, out, err) = run(&[
        "verify",
        pb.to_str().unwrap(),
        "--lab",
        &name,
        "--format",
        "json",
    ]);
    let res: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("results JSON: {e}\n{out}\n{err}"));
    assert_eq!(res["playbook"], "Recette sc");
    let failed: Vec<&Value> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] != "pass")
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, 0, "{err}");

    // A playbook with checks that must fail: exit 1, with reasons.
    let pb = write(
        d.path(),
        "ko.yaml",
        &format!(
            "name: Recette ko\ntopology: {t}\ntarget: lab\nlab: {name}\nchecks:\n  - reach: {{ from: north.wifi, to: north.staff }}\n  - reach: {{ from: south.staff, to: south.lab }}\n  - tcp: {{ from: south.staff, to: north.srv.web, port: 8081 }}\n  - tcp: {{ from: north.wifi, to: north.srv.web, port: 8080 }}\n  - dns: {{ from: south.staff, name: web.north.sc.test, expect: 10.9.9.9 }}\n  - path: {{ from: south.staff, to: north.srv, via: [south.r1, north.core] }}\n  - dns: {{ from: south.staff, name: nothere.north.sc.test }}\n"
        ),
    );
    let (code, out, err) = run(&[
        "verify",
        pb.to_str().unwrap(),
        "--lab",
        &name,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let res: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("results JSON: {e}\n{out}"));
    let rs = res["results"].as_array().unwrap();
    let fails: Vec<&Value> = rs.iter().filter(|r| r["verdict"] == "fail").collect();
    assert_eq!(
        fails.len(),
        6,
        "the isolated reach, the closed port and a non-DNS port from the isolated segment fail: {rs:#?}"
    );
    for f in fails {
        assert!(f["reason"].as_str().is_some_and(|x| x.len() > 10), "{f}");
        assert!(f["to"].is_string() && f["target"].is_string(), "{f}");
    }
    assert!(
        rs.iter()
            .any(|r| r["to"] == "south.lab" && r["verdict"] == "pass")
    );

    // junit format, -o FILE.
    let junit = d.path().join("results.xml");
    let (code, _, err) = run(&[
        "verify",
        pb.to_str().unwrap(),
        "--lab",
        &name,
        "--format",
        "junit",
        "-o",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    let xml = std::fs::read_to_string(&junit).expect("-o writes the junit file");
    assert!(
        xml.contains("<testsuite") && xml.contains("<failure"),
        "{xml}"
    );
    // exec: a command inside a node's namespace, its exit code passed through.
    let (code, _, err) = run(&[
        "lab",
        "exec",
        t,
        "--name",
        &name,
        "south.staff",
        "--",
        "ip",
        "-4",
        "addr",
        "show",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = run(&[
        "lab",
        "exec",
        t,
        "--name",
        &name,
        "south.staff",
        "--",
        "false",
    ]);
    assert_eq!(code, 1, "exec passes the exit code through");
    // Bandwidth: the 20 Mbps link carries at least 15 Mbps and less than 30 Mbps.
    let bw = write(
        d.path(),
        "bw.yaml",
        &format!(
            "name: bw\ntopology: {t}\ntarget: lab\nchecks:\n  - bandwidth: {{ from: south.r1, to: north.r1, min: 30Mbps, duration: 2s }}\n  - bandwidth: {{ from: south.staff, to: north.staff, min: 15Mbps, duration: 2s }}\n"
        ),
    );
    let (code, bout, err) = run(&[
        "verify",
        bw.to_str().unwrap(),
        "--lab",
        &name,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{bout}{err}");
    let bres: Value = serde_json::from_str(&bout).unwrap();
    let verdicts: Vec<&str> = bres["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(verdicts, ["fail", "pass"], "{bout}");
    assert!(
        bres["results"][0]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    // Results feed the report.
    let rfile = d.path().join("res.json");
    std::fs::write(&rfile, &out).unwrap();
    let rep = d.path().join("rep");
    let (code, _, err) = run(&[
        "report",
        t,
        "--results",
        rfile.to_str().unwrap(),
        "--lang",
        "en",
        "-o",
        rep.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");

    let (code, _, err) = run(&["lab", "down", t, "--name", &name]);
    assert_eq!(code, 0, "{err}");
    let ns = StdCommand::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    let left: Vec<String> = String::from_utf8_lossy(&ns.stdout)
        .lines()
        .filter(|l| l.starts_with(&format!("{name}.")))
        .map(str::to_string)
        .collect();
    assert!(left.is_empty(), "lab down left namespaces: {left:?}");
    drop(lab);
}

fn lab_web_address(topo: &Path) -> String {
    let plan = plan_json(topo);
    for (_, seg) in all_segments(&plan) {
        if seg["id"] == "north.srv" {
            let p = p4(s(&seg, "prefix"));
            return std::net::Ipv4Addr::from(p.0 + 5).to_string();
        }
    }
    panic!("north.srv not in the plan");
}

#[test]
fn one_host_segment_gets_room_for_network_and_broadcast() {
    let d = tmp();
    let p = write(
        d.path(),
        "tiny.yaml",
        "name: tiny\naddressing: { ipv4: 10.30.0.0/16 }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      cam: { vlan: 10, hosts: 1 }\n",
    );
    let plan = plan_json(&p);
    let hosts: BTreeMap<&str, u64> = [("a.cam", 1)].into_iter().collect();
    check_addressing(&plan, &hosts, 0, &[]);
}

#[test]
fn other_commands_read_the_plan_json_as_well_as_the_topology() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let pj = d.path().join("plan.json");
    let (code, _, err) = run(&[
        "plan",
        t1.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        pj.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, again, err) = run(&["plan", pj.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        again,
        std::fs::read_to_string(&pj).unwrap(),
        "plan of the plan JSON is the same plan"
    );
    for target in ["frr", "linux"] {
        let a = d.path().join(format!("{target}-topo"));
        let b = d.path().join(format!("{target}-plan"));
        assert_eq!(
            run(&[
                "config",
                t1.to_str().unwrap(),
                "--target",
                target,
                "-o",
                a.to_str().unwrap()
            ])
            .0,
            0
        );
        assert_eq!(
            run(&[
                "config",
                pj.to_str().unwrap(),
                "--target",
                target,
                "-o",
                b.to_str().unwrap()
            ])
            .0,
            0
        );
        for e in std::fs::read_dir(&a).unwrap() {
            let e = e.unwrap();
            let other = b.join(e.file_name());
            assert_eq!(
                std::fs::read(e.path()).unwrap(),
                std::fs::read(&other).unwrap_or_default(),
                "{target}: {:?} differs when made from the plan JSON",
                e.file_name()
            );
        }
    }
    let r = d.path().join("rep");
    let (code, _, err) = run(&["report", pj.to_str().unwrap(), "-o", r.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(r.join("index.html").is_file());
}

#[test]
fn bad_inputs_of_verify_report_snmp_lab_exit_2_with_one_clear_sentence() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let t = t1.to_str().unwrap();
    let bad = write(d.path(), "bad.json", "{bad");
    let o = d.path().join("o");
    let (code, _, err) = run(&[
        "report",
        t,
        "--results",
        bad.to_str().unwrap(),
        "-o",
        o.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.json"), "{err}");
    // A playbook naming a segment that does not exist: could not run, with file:line:col.
    let pb = write(
        d.path(),
        "pb.yaml",
        &format!(
            "name: p\ntopology: {t}\ntarget: lab\nchecks:\n  - reach: {{ from: paris.nowhere, to: nice.users }}\n"
        ),
    );
    let (code, out, err) = run(&["verify", pb.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        has_location(&format!("{out}{err}"), "pb.yaml"),
        "{out}{err}"
    );
    assert!(err.contains("paris.nowhere"), "{err}");
    // A lab that is not up: verify could not run.
    let (code, _, err) = run(&[
        "verify", t, "--auto", "--lab", "scnolab9", "--format", "json",
    ]);
    assert_eq!(code, 2, "{err}");
    // snmp: unknown device.
    let (code, _, err) = run(&["snmp", "paris.nothere", "--topology", t]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["lab", "up", d.path().join("none.yaml").to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["bandwidth", "127.0.0.1:1", "--duration", "1s"]);
    assert_ne!(code, 0, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn lab_up(topo: &Path, name: &str, extra: &[&str]) -> Lab {
    let lab = Lab {
        name: name.to_string(),
    };
    let mut args = vec!["lab", "up", topo.to_str().unwrap(), "--name", name];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "lab up: {out}{err}");
    lab
}

fn failed_results(out: &str, err: &str) -> Vec<Value> {
    let res: Value =
        serde_json::from_str(out).unwrap_or_else(|e| panic!("results JSON: {e}\n{out}\n{err}"));
    res["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] != "pass")
        .cloned()
        .collect()
}

#[test]
fn ospf_lab_on_a_new_topology_passes_auto_checks() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let topo = write(d.path(), "t2.yaml", T2);
    let name = format!("so{}", std::process::id() % 100_000);
    let _lab = lab_up(&topo, &name, &["--routing", "ospf"]);
    let (code, out, err) = run(&[
        "verify",
        topo.to_str().unwrap(),
        "--auto",
        "--lab",
        &name,
        "--format",
        "json",
        "--skip",
        "bandwidth,snmp",
    ]);
    let failed = failed_results(&out, &err);
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, 0, "{err}");
    // Paths follow the least-cost route: hq.users -> brest through hq.r2 (5 + 5 < 30).
    let res: Value = serde_json::from_str(&out).unwrap();
    let path = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "path" && r["from"] == "hq.users")
        .expect("auto derives a path check from hq.users");
    assert_eq!(path["verdict"], "pass");
}

#[test]
fn auto_checks_honour_allow_policies_of_isolated_segments() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let text = LAB.replace(
        "policies:\n",
        "policies:\n  - { allow: { from: north.wifi, to: north.srv } }\n",
    );
    let topo = write(d.path(), "allow.yaml", &text);
    let name = format!("sa{}", std::process::id() % 100_000);
    let _lab = lab_up(&topo, &name, &[]);
    let (code, out, err) = run(&[
        "verify",
        topo.to_str().unwrap(),
        "--auto",
        "--lab",
        &name,
        "--format",
        "json",
        "--skip",
        "bandwidth,snmp",
    ]);
    let failed = failed_results(&out, &err);
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn dual_stack_lab_routes_ipv6_and_isolates_in_ipv6_too() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let topo = write(d.path(), "t3.yaml", T3);
    let t = topo.to_str().unwrap();
    let plan = plan_json(&topo);
    let gw6 = |id: &str| -> String {
        let seg = all_segments(&plan)
            .into_iter()
            .find(|(_, v)| v["id"] == id)
            .unwrap()
            .1;
        let v6: Vec<String> = seg
            .as_object()
            .unwrap()
            .values()
            .filter_map(|v| v.as_str())
            .filter(|v| v.contains("::") && !v.contains('/'))
            .map(str::to_string)
            .collect();
        assert_eq!(v6.len(), 1, "one IPv6 gateway address for {id}: {seg}");
        v6[0].clone()
    };
    let b_lan = gw6("b.lan");
    let name = format!("s6{}", std::process::id() % 100_000);
    let _lab = lab_up(&topo, &name, &[]);
    let ping = |from: &str, to: &str| -> i32 {
        let mut code = 1;
        for _ in 0..3 {
            code = run(&[
                "lab", "exec", t, "--name", &name, from, "--", "ping", "-6", "-c1", "-W1", to,
            ])
            .0;
            if code == 0 {
                break;
            }
        }
        code
    };
    assert_eq!(
        ping("a.lan", &b_lan),
        0,
        "a.lan reaches b.lan's gateway in IPv6"
    );
    assert_eq!(
        ping("b.lan", &gw6("a.lan")),
        0,
        "b.lan reaches a.lan's gateway in IPv6"
    );
    assert_ne!(
        ping("a.wifi", &b_lan),
        0,
        "isolated a.wifi must not reach b.lan in IPv6"
    );
    let (code, out, err) = run(&[
        "verify",
        t,
        "--auto",
        "--lab",
        &name,
        "--format",
        "json",
        "--skip",
        "bandwidth,snmp",
    ]);
    let failed = failed_results(&out, &err);
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn snmp_secret_from_the_environment_works_in_the_lab_and_is_never_printed() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let secret = format!("scSecret{}", std::process::id());
    let text = format!(
        "{}snmp: {{ version: 2c, community: \"${{SC_TEST_COMMUNITY}}\" }}\n",
        T3.replace("name: sc-six", "name: sc-snmp")
    );
    let topo = write(d.path(), "snmp.yaml", &text);
    let t = topo.to_str().unwrap();
    let name = format!("sn{}", std::process::id() % 100_000);
    let with_env = |args: &[&str]| -> (i32, String) {
        let o = netkit()
            .args(args)
            .env("SC_TEST_COMMUNITY", &secret)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !all.contains(&secret),
            "{args:?} prints the SNMP community: {all}"
        );
        (o.status.code().unwrap_or(-1), all)
    };
    let _lab = Lab { name: name.clone() };
    let (code, all) = with_env(&["lab", "up", t, "--name", &name]);
    assert_eq!(code, 0, "{all}");
    let (code, all) = with_env(&["snmp", "a.gw", "--topology", t, "--lab", &name, "--check"]);
    assert_eq!(code, 0, "{all}");
    let (code, all) = with_env(&[
        "verify", t, "--auto", "--lab", &name, "--only", "snmp", "--format", "json",
    ]);
    assert_eq!(code, 0, "{all}");
    assert!(
        all.contains("\"snmp\""),
        "auto derives snmp checks when the topology has snmp: {all}"
    );
    let rep = d.path().join("rep");
    let (code, all) = with_env(&["report", t, "-o", rep.to_str().unwrap()]);
    assert_eq!(code, 0, "{all}");
    for e in std::fs::read_dir(&rep).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&secret),
            "the report holds the secret"
        );
    }
}

/// Results with only SPEC's required fields, written by hand.
const RESULTS: &str = r#"{
  "format": "netkit-results/1",
  "playbook": "Recette <i>sc</i>", "target": "lab",
  "started": "2026-12-01T14:02:11Z", "finished": "2026-12-01T14:02:19Z",
  "results": [
    { "check": "reach", "from": "lille.users", "to": "nice.users", "target": "172.16.16.1",
      "verdict": "fail", "expected": { "reply": true }, "measured": { "sent": 3, "received": 0 },
      "reason": "no reply from 172.16.16.1 after 3 tries: nice.r1 has no route <oops>",
      "start": "2026-12-01T14:02:12Z", "end": "2026-12-01T14:02:15Z" },
    { "check": "reach", "from": "paris.users", "to": "nice.users", "target": "172.16.16.1",
      "verdict": "pass", "expected": { "reply": true }, "measured": { "sent": 1, "received": 1 },
      "start": "2026-12-01T14:02:12Z", "end": "2026-12-01T14:02:13Z" }
  ]
}
"#;

#[test]
fn report_reads_spec_results_and_fills_acceptance_and_intervention_sheets() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let res = write(d.path(), "res.json", RESULTS);
    for (lang, met) in [
        ("en", "2026-12-01T18:00:00Z"),
        ("fr", "2026-12-01T10:00:00Z"),
    ] {
        let out = d.path().join(lang);
        let (code, _, err) = run(&[
            "report",
            t1.to_str().unwrap(),
            "--results",
            res.to_str().unwrap(),
            "--lang",
            lang,
            "--technician",
            "Ana <b>B</b>",
            "--deadline",
            met,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{lang}: {err}");
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(
            html.contains("nice.r1 has no route &lt;oops&gt;"),
            "{lang}: the fail reason, escaped"
        );
        assert!(
            !html.contains("<oops>") && !html.contains("<i>sc"),
            "{lang}: free text from results is text"
        );
        assert!(
            html.contains("Ana &lt;b&gt;B"),
            "{lang}: technician on the sheets, escaped"
        );
        assert!(
            html.contains("14:02") || html.contains("14 h 02"),
            "{lang}: start/end times"
        );
        assert!(
            html.to_lowercase().contains("signature"),
            "{lang}: signature boxes"
        );
        let low = html.to_lowercase();
        if lang == "en" {
            for w in ["deadline", "technician", "requester", "duration"] {
                assert!(low.contains(w), "en sheet has `{w}`");
            }
        } else {
            for w in ["échéance", "technicien", "demandeur", "durée"] {
                assert!(
                    low.contains(w) || low.contains(&w.replace('é', "&eacute;")),
                    "fr sheet has `{w}`"
                );
            }
        }
    }
}

#[test]
fn lab_is_healthy_as_soon_as_up_returns() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let topo = write(d.path(), "sclab.yaml", LAB);
    let t = topo.to_str().unwrap();
    for i in 0..4 {
        let name = format!("sh{}{i}", std::process::id() % 10_000);
        let _lab = lab_up(&topo, &name, &[]);
        let (code, out, err) = run(&["lab", "status", t, "--name", &name]);
        assert_eq!(code, 0, "status right after up (try {i}): {out}{err}");
    }
}
