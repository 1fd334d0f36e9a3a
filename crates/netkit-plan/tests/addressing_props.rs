//! Properties of the addressing planner over generated topologies: no overlap,
//! containment in site blocks and pools, every segment fits
//! `ceil(hosts × (1 + growth)) + 1` in the smallest fitting prefix, unique addresses,
//! link ends share the link prefix, same input same bytes, and `--keep` moves
//! nothing when a site, a segment or a link is added anywhere.

mod addressing_support;

use addressing_support::*;
use netkit_model::{DeviceKind, Link, Segment, Site, Topology};
use netkit_plan::plan;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct SiteSpec {
    routers: usize,
    switch: bool,
    /// Hosts per segment; a named host at offset 2 (optional) on the first.
    segments: Vec<u32>,
    named: bool,
}

#[derive(Debug, Clone)]
struct Spec {
    pool: usize,
    ipv6: bool,
    p2p30: bool,
    growth: u32,
    sites: Vec<SiteSpec>,
    /// Extra links as (site index, site index) between the sites' first routers.
    chords: Vec<(usize, usize)>,
    pin_first_site: bool,
}

fn site_spec() -> impl Strategy<Value = SiteSpec> {
    (
        1usize..=2,
        any::<bool>(),
        prop::collection::vec(1u32..=300, 0..=4),
        any::<bool>(),
    )
        .prop_map(|(routers, switch, segments, named)| SiteSpec {
            routers,
            switch,
            segments,
            named,
        })
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        0usize..3,
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(vec![0u32, 10, 25, 50, 100]),
        prop::collection::vec(site_spec(), 1..=7),
        prop::collection::vec((0usize..7, 0usize..7), 0..=4),
        any::<bool>(),
    )
        .prop_map(|(pool, ipv6, p2p30, growth, sites, chords, pin)| Spec {
            pool,
            ipv6,
            p2p30,
            growth,
            sites,
            chords,
            pin_first_site: pin,
        })
}

const POOLS: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "10.64.0.0/14"];

fn build_site(name: &str, s: &SiteSpec) -> Site {
    let mut devices: Vec<(String, DeviceKind)> = (0..s.routers)
        .map(|i| (format!("r{}", i + 1), DeviceKind::Router))
        .collect();
    if s.switch {
        devices.push(("sw1".into(), DeviceKind::Switch));
    }
    let devs: Vec<(&str, DeviceKind)> = devices.iter().map(|(n, k)| (n.as_str(), *k)).collect();
    let segments: Vec<Segment> = s
        .segments
        .iter()
        .enumerate()
        .map(|(i, &h)| {
            let mut g = segment(&format!("s{i}"), 10 + i as u16, h);
            if i == 0 && s.named {
                g.named = vec![named("srv", 2, &["tcp/22"])];
            }
            if s.routers == 2 && i % 2 == 1 {
                g.gateway = Some("r2".into());
            }
            g
        })
        .collect();
    site(name, &devs, segments)
}

fn build(spec: &Spec) -> Topology {
    let mut t = topology("gen", POOLS[spec.pool]);
    t.addressing.growth_percent = spec.growth;
    t.addressing.p2p_prefix = if spec.p2p30 { 30 } else { 31 };
    if spec.ipv6 {
        t.addressing.ipv6 = Some("fd00:1234::/48".parse().unwrap());
    }
    for (i, s) in spec.sites.iter().enumerate() {
        let mut site = build_site(&format!("site{i}"), s);
        if i == 0 && spec.pin_first_site {
            // A pin in the middle of the pool, large enough for 4 segments of 600
            // hosts plus an added one.
            let pool = net(POOLS[spec.pool]);
            let mid = u32::from(pool.network()) + (1u32 << (31 - pool.prefix_len()));
            site.prefix = Some(ipnet::Ipv4Net::new(mid.into(), 19).unwrap());
        }
        t.sites.push(site);
    }
    let n = t.sites.len();
    let mut links: Vec<Link> = Vec::new();
    for (i, s) in spec.sites.iter().enumerate() {
        if s.routers == 2 {
            links.push(link(
                &format!("site{i}.r1"),
                &format!("site{i}.r2"),
                None,
                None,
            ));
        }
        if n > 1 && (n > 2 || i == 0) {
            let j = (i + 1) % n;
            links.push(link(
                &format!("site{i}.r1"),
                &format!("site{j}.r1"),
                Some(100_000_000),
                None,
            ));
        }
    }
    for &(a, b) in &spec.chords {
        let (a, b) = (a % n, b % n);
        if a != b {
            links.push(link(
                &format!("site{a}.r1"),
                &format!("site{b}.r1"),
                None,
                Some(50),
            ));
        }
    }
    t.links = links;
    t
}

/// The smallest prefix length that holds `sized + 1` addresses (and a named host at
/// `offset`, which may be the last usable address: SPEC, "every offset from 2 to the
/// last usable address is valid"), computed independently of the planner.
fn smallest_len(sized: u64, offset: u32) -> u8 {
    // A segment is a LAN: it keeps its network and broadcast addresses (at most a /30).
    (0..=30u8)
        .rev()
        .find(|&len| {
            let size = 1u64 << (32 - len);
            let usable = size - 2;
            usable > sized && (offset == 0 || u64::from(offset) <= usable)
        })
        .unwrap()
}

#[derive(Debug, Clone)]
enum Change {
    /// A new site (one router, a small segment) inserted at this position, linked to
    /// the first router of an existing site.
    Site(usize, usize),
    /// A small segment inserted at this position in this site.
    Segment(usize, usize, u32),
    /// A link between two existing routers, inserted at this position.
    Link(usize, usize, usize),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0usize..8, 0usize..8).prop_map(|(p, s)| Change::Site(p, s)),
        (0usize..8, 0usize..5, 1u32..=10).prop_map(|(s, p, h)| Change::Segment(s, p, h)),
        (0usize..8, 0usize..8, 0usize..10).prop_map(|(a, b, p)| Change::Link(a, b, p)),
    ]
}

fn apply(t: &Topology, c: &Change) -> Topology {
    let mut t = t.clone();
    let n = t.sites.len();
    match *c {
        Change::Site(pos, to) => {
            let s = site(
                "added",
                &[("r1", DeviceKind::Router)],
                vec![segment("lan", 10, 20)],
            );
            let peer = format!("{}.r1", t.sites[to % n].name);
            t.sites.insert(pos % (n + 1), s);
            let lp = pos % (t.links.len() + 1);
            t.links.insert(lp, link("added.r1", &peer, None, None));
        }
        Change::Segment(si, pos, hosts) => {
            let s = &mut t.sites[si % n];
            let vlan = 100 + s.segments.len() as u16;
            let at = pos % (s.segments.len() + 1);
            s.segments.insert(at, segment("added", vlan, hosts));
        }
        Change::Link(a, b, pos) => {
            let (a, b) = (a % n, b % n);
            let l = link(
                &format!("{}.r1", t.sites[a].name),
                &format!("{}.r1", t.sites[b].name),
                None,
                None,
            );
            if a != b {
                let at = pos % (t.links.len() + 1);
                t.links.insert(at, l);
            }
        }
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn plans_keep_the_rules(spec in spec()) {
        let t = build(&spec);
        let p = plan(&t, None).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        check_invariants(&t, &p);
        for g in p.segments() {
            let (_, seg) = t.segment(&g.id).unwrap();
            if seg.prefix.is_none() {
                let offset = seg.named.iter().map(|n| n.host).max().unwrap_or(0);
                prop_assert_eq!(
                    g.prefix.prefix_len(),
                    smallest_len(u64::from(g.sized_for), offset),
                    "{} is not the smallest fitting prefix", g.id
                );
            }
            let expected_sized = (u64::from(seg.hosts) * (100 + u64::from(spec.growth))).div_ceil(100);
            prop_assert_eq!(u64::from(g.sized_for), expected_sized);
        }
        // Site blocks summarize their segments and sit in the pool; links and
        // loopbacks in their pools.
        for s in &p.sites {
            prop_assert!(p.pools.ipv4.contains(&s.prefix));
        }
        // Same input, same bytes.
        prop_assert_eq!(p.to_json(), plan(&t, None).unwrap().to_json());
        // JSON round trip.
        prop_assert_eq!(&netkit_plan::Plan::from_json(&p.to_json()).unwrap(), &p);
    }

    #[test]
    fn keep_moves_nothing_when_things_are_added(spec in spec(), c in change()) {
        let t0 = build(&spec);
        let p0 = plan(&t0, None).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        let t1 = apply(&t0, &c);
        let p1 = plan(&t1, Some(&p0)).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        check_invariants(&t1, &p1);
        let (changed, total) = renumbered(&p0, &p1);
        prop_assert!(total > 0);
        prop_assert!(changed.is_empty(), "{:?} renumbered: {:?}", c, changed);
        // And keeping a plan of the same topology is the identity.
        prop_assert_eq!(plan(&t0, Some(&p0)).unwrap().to_json(), p0.to_json());
    }
}
