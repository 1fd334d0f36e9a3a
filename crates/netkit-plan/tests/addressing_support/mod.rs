//! Builders of `Topology` values for the addressing tests, and the checks every plan
//! must pass (shared by the fixture test and the properties).
#![allow(dead_code)]

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};
use netkit_model::*;
use netkit_plan::Plan;

pub fn net(s: &str) -> Ipv4Net {
    s.parse().expect("test prefix")
}

pub fn topology(name: &str, ipv4: &str) -> Topology {
    Topology {
        name: name.to_string(),
        description: None,
        routing: RoutingMode::Static,
        addressing: Addressing {
            ipv4: net(ipv4),
            ipv6: None,
            wan: None,
            loopbacks: None,
            p2p_prefix: 31,
            growth_percent: 0,
            reserve: Vec::new(),
            spans: AddressingSpans::default(),
        },
        sites: Vec::new(),
        links: Vec::new(),
        internet: None,
        dns: None,
        snmp: None,
        policies: Vec::new(),
    }
}

pub fn span(line: u32) -> Span {
    Span {
        offset: 0,
        len: 0,
        line,
        column: 1,
    }
}

pub fn site(name: &str, devices: &[(&str, DeviceKind)], segments: Vec<Segment>) -> Site {
    Site {
        name: name.to_string(),
        location: None,
        description: None,
        prefix: None,
        prefix6: None,
        devices: devices
            .iter()
            .map(|(n, k)| Device {
                name: n.to_string(),
                kind: *k,
                description: None,
                model: None,
                span: Span::default(),
            })
            .collect(),
        segments,
        span: Span::default(),
        prefix_span: None,
        layer2: Default::default(),
    }
}

pub fn segment(name: &str, vlan: u16, hosts: u32) -> Segment {
    Segment {
        name: name.to_string(),
        vlan,
        hosts,
        description: None,
        prefix: None,
        prefix6: None,
        isolated: false,
        gateway: None,
        named: Vec::new(),
        span: Span::default(),
        prefix_span: None,
    }
}

pub fn named(name: &str, host: u32, services: &[&str]) -> NamedHost {
    NamedHost {
        name: name.to_string(),
        host,
        services: services
            .iter()
            .map(|s| s.parse().expect("service"))
            .collect(),
        span: Span::default(),
    }
}

pub fn link(a: &str, b: &str, bandwidth_bps: Option<u64>, cost: Option<u32>) -> Link {
    Link {
        a: a.to_string(),
        b: b.to_string(),
        bandwidth_bps,
        cost,
        prefix: None,
        description: None,
        targets: Default::default(),
        span: Span::default(),
    }
}

/// SPEC.md's acme example, built by hand (same values as `inventories/acme.yaml`).
pub fn acme() -> Topology {
    use DeviceKind::*;
    let mut t = topology("acme", "10.0.0.0/8");
    t.addressing.ipv6 = Some("fd00:ac::/48".parse().unwrap());
    t.addressing.wan = Some(net("10.255.0.0/16"));
    t.addressing.loopbacks = Some(net("10.254.0.0/24"));
    t.addressing.growth_percent = 25;
    t.addressing.reserve = vec!["10.0.0.0/16".parse().unwrap()];
    let mut servers = segment("servers", 20, 30);
    servers.prefix = Some(net("10.1.20.0/24"));
    servers.named = vec![
        named("fs1", 10, &["tcp/445"]),
        named("intranet", 11, &["tcp/443"]),
    ];
    let mut guests = segment("guests", 99, 200);
    guests.isolated = true;
    let mut hq = site(
        "hq",
        &[("r1", Router), ("fw1", Firewall), ("sw1", Switch)],
        vec![segment("users", 10, 120), servers, guests],
    );
    hq.location = Some("Paris".into());
    hq.prefix = Some(net("10.1.0.0/16"));
    let mut lyon = site("lyon", &[("r1", Router)], vec![segment("users", 10, 40)]);
    lyon.location = Some("Lyon".into());
    let mut marseille = site(
        "marseille",
        &[("r1", Router)],
        vec![segment("users", 10, 25), segment("voice", 30, 25)],
    );
    marseille.location = Some("Marseille".into());
    t.sites = vec![hq, lyon, marseille];
    t.links = vec![
        link("hq.r1", "lyon.r1", Some(100_000_000), Some(10)),
        link("hq.r1", "marseille.r1", Some(50_000_000), Some(10)),
        link("lyon.r1", "marseille.r1", Some(20_000_000), Some(100)),
        link("hq.r1", "hq.fw1", None, None),
    ];
    t.internet = Some(Internet {
        edge: "hq.fw1".into(),
        span: Span::default(),
    });
    t.dns = Some(Dns {
        domain: "acme.lan".into(),
        server: "hq.servers.intranet".into(),
        span: Span::default(),
    });
    t.snmp = Some(Snmp {
        version: SnmpVersion::V2c,
        community: Some("${NETKIT_SNMP_COMMUNITY}".into()),
        user: None,
        auth_protocol: None,
        auth_password: None,
        priv_protocol: None,
        priv_password: None,
        span: Span::default(),
    });
    t.policies = vec![Policy {
        action: PolicyAction::Deny,
        from: "lyon.users".into(),
        to: "hq.users".into(),
        services: Vec::new(),
        span: Span::default(),
    }];
    t
}

/// Every rule of SPEC.md the plan of `t` must keep; panics with the broken rule.
pub fn check_invariants(t: &Topology, p: &Plan) {
    let pool = IpNet::V4(p.pools.ipv4);
    let mut taken: Vec<(IpNet, String)> = Vec::new();
    for s in &p.sites {
        assert!(
            p.pools.ipv4.contains(&s.prefix),
            "site {} block {} outside the pool {pool}",
            s.name,
            s.prefix
        );
        taken.push((IpNet::V4(s.prefix), format!("site {}", s.name)));
        if let (Some(p6), Some(pool6)) = (s.prefix6, p.pools.ipv6) {
            assert!(
                pool6.contains(&p6),
                "site {} v6 block outside the pool",
                s.name
            );
            taken.push((IpNet::V6(p6), format!("site6 {}", s.name)));
        }
        for g in &s.segments {
            assert!(
                s.prefix.contains(&g.prefix),
                "{} outside its site block",
                g.id
            );
            if let (Some(sp6), Some(gp6)) = (s.prefix6, g.prefix6) {
                assert!(sp6.contains(&gp6), "{} v6 outside its site block", g.id);
                assert_eq!(gp6.prefix_len(), 64, "{} v6 is not a /64", g.id);
                assert_eq!(
                    u128::from(g.gateway6.unwrap()),
                    u128::from(gp6.network()) + 1
                );
            }
            // Gateway on the first usable address.
            let first = if g.prefix.prefix_len() >= 31 {
                g.prefix.network()
            } else {
                std::net::Ipv4Addr::from(u32::from(g.prefix.network()) + 1)
            };
            assert_eq!(g.gateway, first, "{} gateway", g.id);
            // Size: ceil(hosts × (1 + growth)) + gateway fits.
            let sized = netkit_plan::sized_for(g.hosts, p.pools.growth_percent);
            assert_eq!(u64::from(g.sized_for), sized);
            assert!(
                netkit_plan::usable(g.prefix.prefix_len()) > sized,
                "{} too small",
                g.id
            );
            assert_eq!(g.usable, netkit_plan::usable(g.prefix.prefix_len()));
            for n in &g.named {
                assert!(g.prefix.contains(&n.address));
            }
            let seg = t.segment(&g.id).expect("segment in topology").1;
            assert_eq!(g.vlan, seg.vlan);
        }
    }
    assert!(p.pools.wan.prefix_len() > 0);
    for l in &p.links {
        assert!(l.prefix.contains(&l.a_address) && l.prefix.contains(&l.b_address));
        assert_ne!(l.a_address, l.b_address);
        assert_eq!(l.prefix.prefix_len(), p.pools.p2p_prefix);
        if t.links[l.id].prefix.is_none() {
            assert!(
                p.pools.wan.contains(&l.prefix),
                "link {} outside the WAN pool",
                l.id
            );
        }
        taken.push((IpNet::V4(l.prefix), format!("link {}", l.id)));
        if let Some(p6) = l.prefix6 {
            assert_eq!(p6.prefix_len(), 127);
            assert!(p6.contains(&l.a_address6.unwrap()) && p6.contains(&l.b_address6.unwrap()));
            taken.push((IpNet::V6(p6), format!("link6 {}", l.id)));
        }
    }
    for d in &p.devices {
        let (_, dev) = t.device(&d.id).expect("device in topology");
        assert_eq!(d.kind, dev.kind);
        if d.kind.is_layer3() {
            let lo = d.loopback.expect("layer-3 device has a loopback");
            assert_eq!(lo.prefix_len(), 32);
            assert!(p.pools.loopbacks.contains(&lo));
            taken.push((IpNet::V4(lo), format!("loopback {}", d.id)));
            if let Some(l6) = d.loopback6 {
                taken.push((IpNet::V6(l6), format!("loopback6 {}", d.id)));
            }
        } else {
            assert!(d.loopback.is_none() && d.interfaces.is_empty());
        }
        let mut names = HashSet::new();
        for i in &d.interfaces {
            assert!(
                i.name.len() <= 15 && !i.name.is_empty(),
                "interface name {}",
                i.name
            );
            assert!(names.insert(i.name.clone()), "{} has two {}", d.id, i.name);
        }
    }
    for r in &p.pools.reserve {
        taken.push((*r, "reserve".into()));
    }
    // No overlap between sites, links, loopbacks, reserves (sites contain segments).
    taken.sort_by_key(|(n, _)| (n.network(), n.prefix_len()));
    for w in taken.windows(2) {
        let (a, an) = &w[0];
        let (b, bn) = &w[1];
        let overlap = a.contains(&b.network()) || b.contains(&a.network());
        let both_reserve = an == "reserve" && bn == "reserve";
        assert!(!overlap || both_reserve, "{an} {a} overlaps {bn} {b}");
    }
    // Segments of a site do not overlap; every address unique.
    let mut addrs: BTreeMap<IpAddr, String> = BTreeMap::new();
    for s in &p.sites {
        let mut segs: Vec<_> = s.segments.iter().collect();
        segs.sort_by_key(|g| g.prefix.network());
        for w in segs.windows(2) {
            assert!(
                !w[0].prefix.contains(&w[1].prefix.network()),
                "{} overlaps {}",
                w[0].id,
                w[1].id
            );
        }
        for g in &s.segments {
            for n in &g.named {
                assert!(addrs.insert(n.address.into(), n.id.clone()).is_none());
            }
        }
    }
    for d in &p.devices {
        for i in &d.interfaces {
            let prev = addrs.insert(i.address.addr().into(), format!("{}/{}", d.id, i.name));
            assert!(
                prev.is_none(),
                "address {} used twice ({prev:?})",
                i.address
            );
        }
        if let Some(l) = d.loopback {
            assert!(addrs.insert(l.addr().into(), d.id.clone()).is_none());
        }
    }
}

/// Every allocation of a plan, by stable identity: site blocks, segment prefixes,
/// link prefixes and the address and interface name of each end (by endpoint pair),
/// loopbacks. Used to measure how much a re-plan renumbered.
pub fn allocations(p: &Plan) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for s in &p.sites {
        m.insert(
            format!("site {}", s.name),
            format!("{} {:?}", s.prefix, s.prefix6),
        );
        for g in &s.segments {
            m.insert(
                format!("segment {}", g.id),
                format!("{} {:?} {}", g.prefix, g.prefix6, g.interface),
            );
            for n in &g.named {
                m.insert(format!("host {}", n.id), n.address.to_string());
            }
        }
    }
    // A link is its endpoint pair, its attributes and its rank among the parallel
    // links with the same attributes.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for l in &p.links {
        let pair = if l.a <= l.b {
            (l.a.clone(), l.b.clone())
        } else {
            (l.b.clone(), l.a.clone())
        };
        let id = format!(
            "link {}-{} {:?}/{}/{:?}",
            pair.0, pair.1, l.bandwidth_bps, l.cost, l.description
        );
        let n = seen.entry(id.clone()).or_insert(0);
        let key = format!("{id}#{n}");
        *n += 1;
        m.insert(key.clone(), format!("{} {:?}", l.prefix, l.prefix6));
        m.insert(
            format!("{key} end {}", l.a),
            format!("{} {:?} {}", l.a_address, l.a_address6, l.a_interface),
        );
        m.insert(
            format!("{key} end {}", l.b),
            format!("{} {:?} {}", l.b_address, l.b_address6, l.b_interface),
        );
    }
    for d in &p.devices {
        if let Some(l) = d.loopback {
            m.insert(
                format!("loopback {}", d.id),
                format!("{l} {:?}", d.loopback6),
            );
        }
    }
    m
}

/// Allocations of `before` that `after` still has but changed: (changed keys, total
/// common keys).
pub fn renumbered(before: &Plan, after: &Plan) -> (Vec<String>, usize) {
    let a = allocations(before);
    let b = allocations(after);
    let mut changed = Vec::new();
    let mut total = 0;
    for (k, v) in &a {
        if let Some(w) = b.get(k) {
            total += 1;
            if v != w {
                changed.push(format!("{k}: {v} -> {w}"));
            }
        }
    }
    (changed, total)
}
