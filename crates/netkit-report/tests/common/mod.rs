//! Shared by the tests and the benchmark: fixtures and generated plans.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;

use chrono::NaiveDate;
use ipnet::Ipv4Net;
use netkit_model::{DeviceKind, RoutingMode};
use netkit_plan::*;
use netkit_report::{Lang, Options};
use netkit_results::Results;

pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(name)
}

pub fn acme_plan() -> Plan {
    let text = std::fs::read_to_string(data("acme.plan.json")).expect("fixture");
    Plan::from_json(&text).expect("fixture parses")
}

pub fn acme_results() -> Results {
    let text = std::fs::read_to_string(data("acme.results.json")).expect("fixture");
    Results::from_json(&text).expect("fixture parses")
}

pub fn options(lang: Lang) -> Options {
    Options::new(
        lang,
        NaiveDate::from_ymd_opt(2026, 12, 2).expect("valid date"),
    )
}

fn net(a: u32, len: u8) -> Ipv4Net {
    Ipv4Net::new(Ipv4Addr::from(a), len).expect("valid prefix")
}

/// A plan of `n` sites: every site has a router and one to three segments, every
/// fifth site a firewall linked to its router; links form a ring, a hub (site 0 to
/// every seventh site) and some chords. With `routes`, every router gets a route to
/// every other site's block (what a 1,000-site plan really holds).
pub fn generated(n: usize, routes: bool) -> Plan {
    let mut sites = Vec::new();
    let mut devices: Vec<DevicePlan> = Vec::new();
    let mut links: Vec<LinkPlan> = Vec::new();
    let base = u32::from(Ipv4Addr::new(10, 0, 0, 0));
    let block = |i: usize| base + ((i as u32 + 1) << 10); // a /22 per site
    for i in 0..n {
        let name = format!("site-{i}");
        let nseg = 1 + i % 3;
        let mut segs = Vec::new();
        let mut ifaces = Vec::new();
        for s in 0..nseg {
            let p = net(block(i) + ((s as u32) << 8), 24);
            let gw = Ipv4Addr::from(u32::from(p.network()) + 1);
            let seg_name = ["users", "voice", "guests"][s];
            segs.push(SegmentPlan {
                id: format!("{name}.{seg_name}"),
                vlan: [10, 30, 99][s],
                hosts: 100,
                prefix: p,
                gateway: gw,
                gateway_device: format!("{name}.r1"),
                isolated: s == 2,
                site: name.clone(),
                name: seg_name.to_string(),
                description: None,
                sized_for: 100,
                usable: 254,
                prefix6: None,
                gateway6: None,
                interface: format!("vlan{}", [10, 30, 99][s]),
                named: Vec::new(),
            });
            ifaces.push(InterfacePlan {
                name: format!("vlan{}", [10, 30, 99][s]),
                address: net(u32::from(gw), 24),
                link: None,
                segment: Some(format!("{name}.{seg_name}")),
                address6: None,
                peer: None,
                vlan: Some([10, 30, 99][s]),
                bandwidth_bps: None,
            });
        }
        sites.push(SitePlan {
            name: name.clone(),
            location: Some(format!("Ville {i}")),
            description: None,
            prefix: net(block(i), 22),
            prefix6: None,
            segments: segs,
        });
        let lo = u32::from(Ipv4Addr::new(10, 254, 0, 0)) + 2 * i as u32;
        devices.push(DevicePlan {
            id: format!("{name}.r1"),
            kind: DeviceKind::Router,
            loopback: Some(net(lo, 32)),
            loopback6: None,
            interfaces: ifaces,
            site: name.clone(),
            name: "r1".to_string(),
            description: None,
            model: None,
            fqdn: None,
        });
        if i % 5 == 0 {
            devices.push(DevicePlan {
                id: format!("{name}.fw1"),
                kind: DeviceKind::Firewall,
                loopback: Some(net(lo + 1, 32)),
                loopback6: None,
                interfaces: Vec::new(),
                site: name.clone(),
                name: "fw1".to_string(),
                description: None,
                model: None,
                fqdn: None,
            });
        }
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for i in 0..n {
        if n > 1 && (i + 1 < n || n > 2) {
            pairs.push((format!("site-{i}.r1"), format!("site-{}.r1", (i + 1) % n)));
        }
        if i % 7 == 0 && i > 0 {
            pairs.push(("site-0.r1".to_string(), format!("site-{i}.r1")));
        }
        if n > 10 && i % 4 == 1 {
            let j = (i * 7 + 3) % n;
            if j != i && j != (i + 1) % n {
                pairs.push((format!("site-{i}.r1"), format!("site-{j}.r1")));
            }
        }
        if i % 5 == 0 {
            pairs.push((format!("site-{i}.r1"), format!("site-{i}.fw1")));
        }
    }
    let wan_base = u32::from(Ipv4Addr::new(10, 255, 0, 0));
    for (k, (a, b)) in pairs.into_iter().enumerate() {
        let p = net(wan_base + 2 * k as u32, 31);
        let wan = a.split('.').next() != b.split('.').next();
        links.push(LinkPlan {
            id: k,
            a,
            b,
            prefix: p,
            a_address: p.network(),
            b_address: Ipv4Addr::from(u32::from(p.network()) + 1),
            bandwidth_bps: if wan {
                Some(100_000_000 * (1 + k as u64 % 10))
            } else {
                None
            },
            cost: 10 + (k as u32 % 5) * 10,
            a_interface: format!("eth{}", k % 8 + 1),
            b_interface: format!("eth{}", k % 7 + 1),
            wan,
            prefix6: None,
            a_address6: None,
            b_address6: None,
            description: None,
            targets: Default::default(),
        });
    }
    let mut table = BTreeMap::new();
    if routes {
        for d in devices.iter().filter(|d| d.name == "r1") {
            let mut rs = Vec::new();
            for s in &sites {
                if s.name == d.site {
                    for seg in &s.segments {
                        rs.push(Route {
                            destination: ipnet::IpNet::V4(seg.prefix),
                            next_hop: None,
                            interface: seg.interface.clone(),
                            metric: 0,
                            kind: RouteKind::Connected,
                            describes: None,
                        });
                    }
                } else {
                    rs.push(Route {
                        destination: ipnet::IpNet::V4(s.prefix),
                        next_hop: Some(std::net::IpAddr::V4(Ipv4Addr::new(10, 255, 0, 1))),
                        interface: "eth1".to_string(),
                        metric: 20,
                        kind: RouteKind::Static,
                        describes: None,
                    });
                }
            }
            table.insert(d.id.clone(), rs);
        }
    }
    Plan {
        format: PLAN_FORMAT.to_string(),
        name: format!("gen{n}"),
        description: None,
        routing: RoutingMode::Static,
        pools: Pools {
            ipv4: net(base, 8),
            ipv6: None,
            wan: net(wan_base, 16),
            loopbacks: net(u32::from(Ipv4Addr::new(10, 254, 0, 0)), 16),
            wan6: None,
            loopbacks6: None,
            p2p_prefix: 31,
            growth_percent: 0,
            reserve: Vec::new(),
        },
        sites,
        devices,
        links,
        routes: table,
        filters: BTreeMap::new(),
        ospf: None,
        internet: None,
        dns: None,
        snmp: None,
        layer2: Default::default(),
    }
}
