//! What the SPEC conformance tests share: small helpers (run `netkit`, write a
//! topology, read a plan), an independent prefix calculator, and the new topologies
//! they run on (not the bundled examples).
#![allow(dead_code)] // each test file uses a different part of it

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

#[allow(unused_imports)]
use super::support::*;

// ---------------------------------------------------------------- helpers

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write a test input");
    p
}

pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = netkit().args(args).output().expect("run netkit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

pub fn plan_json(path: &Path) -> Value {
    let (code, out, err) = run(&["plan", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "netkit plan failed: {err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("plan JSON does not parse: {e}\n{out}"))
}

/// An IPv4 prefix as (network, length).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct P4(pub u32, pub u8);

pub fn ip4(s: &str) -> u32 {
    let a: std::net::Ipv4Addr = s
        .parse()
        .unwrap_or_else(|_| panic!("not an IPv4 address: {s}"));
    u32::from(a)
}

pub fn p4(s: &str) -> P4 {
    let (a, l) = s
        .split_once('/')
        .unwrap_or_else(|| panic!("not a prefix: {s}"));
    let l: u8 = l.parse().unwrap();
    assert!(l <= 32, "bad length in {s}");
    let a = ip4(a);
    assert_eq!(a & mask(l), a, "host bits set in {s}");
    P4(a, l)
}

pub fn mask(l: u8) -> u32 {
    if l == 0 { 0 } else { u32::MAX << (32 - l) }
}

impl P4 {
    pub fn contains(self, a: u32) -> bool {
        a & mask(self.1) == self.0
    }
    pub fn covers(self, o: P4) -> bool {
        o.1 >= self.1 && self.contains(o.0)
    }
    pub fn overlaps(self, o: P4) -> bool {
        self.covers(o) || o.covers(self)
    }
}

pub fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str()
        .unwrap_or_else(|| panic!("field `{k}` is not a string in {v}"))
}

pub const L3: [&str; 3] = ["router", "l3-switch", "firewall"];

/// Three sites, /30 links, growth, a reserve, a pinned segment, a multi-router site
/// with a segment `gateway:`, a firewall as internet edge, isolated segment, policies
/// with `allow`, SNMP with a `${VAR}` secret, and a free-text location with markup.
pub const T1: &str = r#"
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
pub const T2: &str = r#"
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
pub const T2_PLUS: &str = r#"
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
pub const T4: &str = r#"
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
pub const T3: &str = r#"
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

pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

pub fn all_segments(plan: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for site in plan["sites"].as_array().unwrap() {
        for seg in site["segments"].as_array().unwrap() {
            out.push((s(site, "name").to_string(), seg.clone()));
        }
    }
    out
}

pub fn check_addressing(
    plan: &Value,
    topo_hosts: &BTreeMap<&str, u64>,
    growth: u64,
    reserve: &[&str],
) {
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

pub fn has_location(stderr_and_out: &str, file: &str) -> bool {
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

pub fn smallest_prefix_len(needed: u64) -> u8 {
    // network + broadcast on top of `needed` addresses.
    let mut l = 32u8;
    while (1u64 << (32 - l)) < needed + 2 {
        l -= 1;
    }
    l
}

pub fn check_required_fields(plan: &Value) {
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

/// Results with only SPEC's required fields, written by hand.
pub const RESULTS: &str = r#"{
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
