//! Routing tables checked by an independent forwarding simulator (longest-prefix match
//! over the plan's tables, its own Dijkstra), over generated topologies: rings, meshes,
//! trees, parallel links, unequal and derived costs, multi-router sites, IPv6, OSPF.

mod routing_common;

use netkit_model::{DeviceKind, RoutingMode, Topology};
use netkit_plan::{Plan, RouteKind};
use proptest::prelude::*;
use routing_common::*;

/// A small deterministic generator (splitmix64): the proptest case is its seed plus
/// the shape knobs, so a failing case prints everything needed to replay it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[derive(Debug, Clone, Copy)]
enum Shape {
    Tree,
    Ring,
    Mesh,
}

#[derive(Debug, Clone)]
struct Knobs {
    seed: u64,
    sites: usize,
    shape: Shape,
    extra_links: usize,
    parallel: usize,
    v6: bool,
    ospf: bool,
    internet: bool,
}

fn knobs() -> impl Strategy<Value = Knobs> {
    (
        any::<u64>(),
        1usize..=7,
        prop_oneof![Just(Shape::Tree), Just(Shape::Ring), Just(Shape::Mesh)],
        0usize..=6,
        0usize..=3,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(seed, sites, shape, extra_links, parallel, v6, ospf, internet)| Knobs {
                seed,
                sites,
                shape,
                extra_links,
                parallel,
                v6,
                ospf,
                internet,
            },
        )
}

fn generate(k: &Knobs) -> Topology {
    let mut rng = Rng(k.seed);
    let routing = if k.ospf {
        RoutingMode::Ospf
    } else {
        RoutingMode::Static
    };
    let mut t = topology("gen", routing, k.v6);
    let mut routers: Vec<String> = Vec::new();
    let kinds = [
        DeviceKind::Router,
        DeviceKind::L3Switch,
        DeviceKind::Firewall,
    ];
    for s in 0..k.sites {
        let name = format!("s{s}");
        let n_routers = 1 + rng.below(3);
        let mut devices: Vec<(String, DeviceKind)> = (0..n_routers)
            .map(|r| {
                (
                    format!("r{r}"),
                    if r == 0 {
                        DeviceKind::Router
                    } else {
                        kinds[rng.below(3)]
                    },
                )
            })
            .collect();
        if rng.below(3) == 0 {
            devices.push(("sw1".into(), DeviceKind::Switch));
        }
        let n_segments = rng.below(4);
        let segments: Vec<(String, u16, u32, Option<String>)> = (0..n_segments)
            .map(|g| {
                let gw = rng.below(n_routers);
                (
                    format!("g{g}"),
                    10 + g as u16,
                    1 + rng.below(300) as u32,
                    Some(format!("r{gw}")),
                )
            })
            .collect();
        let devs: Vec<(&str, DeviceKind)> = devices.iter().map(|(n, k)| (n.as_str(), *k)).collect();
        let segs: Vec<(&str, u16, u32, Option<&str>)> = segments
            .iter()
            .map(|(n, v, h, g)| (n.as_str(), *v, *h, g.as_deref()))
            .collect();
        t.sites.push(site(&name, &devs, &segs));
        for r in 0..n_routers {
            routers.push(format!("{name}.r{r}"));
        }
    }
    let n = routers.len();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    match k.shape {
        Shape::Tree => {
            for i in 1..n {
                pairs.push((rng.below(i), i));
            }
        }
        Shape::Ring => {
            for i in 1..n {
                pairs.push((i - 1, i));
            }
            if n > 2 {
                pairs.push((n - 1, 0));
            }
        }
        Shape::Mesh => {
            for i in 1..n {
                pairs.push((rng.below(i), i));
            }
            for i in 0..n {
                for j in i + 1..n {
                    if rng.below(3) == 0 {
                        pairs.push((i, j));
                    }
                }
            }
        }
    }
    if n > 1 {
        for _ in 0..k.extra_links {
            let a = rng.below(n);
            let b = (a + 1 + rng.below(n - 1)) % n;
            pairs.push((a, b));
        }
        for _ in 0..k.parallel {
            let p = pairs[rng.below(pairs.len())];
            pairs.push(p);
        }
    }
    for (a, b) in pairs {
        // Costs: mostly declared and small (many ties, so ECMP), sometimes derived
        // from a bandwidth.
        let (cost, bw) = match rng.below(4) {
            0 => (
                None,
                Some([10_000_000u64, 100_000_000, 1_000_000_000][rng.below(3)]),
            ),
            1 => (Some(1 + rng.below(100) as u32), None),
            _ => (Some(1 + rng.below(3) as u32 * 5), None),
        };
        t.links.push(link(&routers[a], &routers[b], cost, bw));
    }
    if k.internet {
        t.internet = Some(internet(&routers[rng.below(n)]));
    }
    t
}

fn plan_of(t: &Topology) -> Plan {
    netkit_plan::plan(t, None).unwrap_or_else(|d| panic!("plan failed: {d:?}"))
}

fn check(plan: &Plan) -> Result<usize, String> {
    check_tables(plan)?;
    let sim = Sim::new(plan);
    let n = sim.check_all()?;
    sim.check_internet()?;
    Ok(n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn every_router_reaches_everything_by_least_cost(k in knobs()) {
        let t = generate(&k);
        let plan = plan_of(&t);
        if let Err(e) = check(&plan) {
            let tables: Vec<String> = plan.routes.iter().map(|(d, rs)| {
                let lines: Vec<String> = rs.iter().map(|r| format!("  {} via {:?} {} m{} {:?}", r.destination, r.next_hop, r.interface, r.metric, r.kind)).collect();
                format!("{d}:\n{}", lines.join("\n"))
            }).collect();
            let links: Vec<String> = plan.links.iter().map(|l| format!("{} {}({}) - {}({}) cost {}", l.id, l.a, l.a_address, l.b, l.b_address, l.cost)).collect();
            prop_assert!(false, "{e}\nlinks:\n{}\n{}", links.join("\n"), tables.join("\n"));
        }
        // Same input, same bytes.
        prop_assert_eq!(plan.to_json(), plan_of(&t).to_json());
        // One table alone, and all tables recomputed from the plan, are the planner's.
        for (id, routes) in &plan.routes {
            prop_assert_eq!(&plan.routing_table(id).unwrap().unwrap(), routes);
        }
        let mut again = plan.clone();
        again.routes.clear();
        again.recompute_routing().unwrap();
        prop_assert_eq!(&again.routes, &plan.routes);
    }
}

/// Hand-built acme (SPEC's example), so the routing is checked without the parser.
fn acme_by_hand() -> Topology {
    let mut t = topology("acme", RoutingMode::Static, true);
    t.addressing.loopbacks = Some(v4("10.254.0.0/24"));
    t.addressing.ipv6 = Some(v6("fd00:ac::/48"));
    t.addressing.reserve = vec![net("10.0.0.0/16")];
    t.addressing.growth_percent = 25;
    let mut hq = site(
        "hq",
        &[
            ("r1", DeviceKind::Router),
            ("fw1", DeviceKind::Firewall),
            ("sw1", DeviceKind::Switch),
        ],
        &[
            ("users", 10, 120, None),
            ("servers", 20, 30, None),
            ("guests", 99, 200, None),
        ],
    );
    hq.prefix = Some(v4("10.1.0.0/16"));
    hq.segments[1].prefix = Some(v4("10.1.20.0/24"));
    hq.segments[2].isolated = true;
    t.sites.push(hq);
    t.sites.push(site(
        "lyon",
        &[("r1", DeviceKind::Router)],
        &[("users", 10, 40, None)],
    ));
    t.sites.push(site(
        "marseille",
        &[("r1", DeviceKind::Router)],
        &[("users", 10, 25, None), ("voice", 30, 25, None)],
    ));
    t.links
        .push(link("hq.r1", "lyon.r1", Some(10), Some(100_000_000)));
    t.links
        .push(link("hq.r1", "marseille.r1", Some(10), Some(50_000_000)));
    t.links
        .push(link("lyon.r1", "marseille.r1", Some(100), Some(20_000_000)));
    t.links.push(link("hq.r1", "hq.fw1", None, None));
    t.internet = Some(internet("hq.fw1"));
    t
}

fn routes_to<'a>(plan: &'a Plan, device: &str, dest: &str) -> Vec<&'a netkit_plan::Route> {
    let d = net(dest);
    plan.routes[device]
        .iter()
        .filter(|r| r.destination == d)
        .collect()
}

#[test]
fn acme_tables_follow_the_cheap_paths_and_summarize_sites() {
    let plan = plan_of(&acme_by_hand());
    check(&plan).unwrap();
    let lyon_site = plan.sites.iter().find(|s| s.name == "lyon").unwrap();
    let mars_site = plan.sites.iter().find(|s| s.name == "marseille").unwrap();
    let hq_site = plan.sites.iter().find(|s| s.name == "hq").unwrap();
    let link = |a: &str, b: &str| plan.links.iter().find(|l| l.a == a && l.b == b).unwrap();

    // lyon.r1 reaches marseille through hq.r1 (10 + 10), not the direct cost-100 link.
    let r = routes_to(&plan, "lyon.r1", &mars_site.prefix.to_string());
    assert_eq!(r.len(), 1, "one summary for marseille on lyon.r1: {r:?}");
    assert_eq!(r[0].metric, 20);
    assert_eq!(
        r[0].next_hop,
        Some(link("hq.r1", "lyon.r1").a_address.into())
    );
    // hq's three segments are summarized as 10.1.0.0/16 on lyon.r1.
    let r = routes_to(&plan, "lyon.r1", "10.1.0.0/16");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].metric, 10);
    // The firewall's loopback is not in hq's block: its own route, cost 10 + 10.
    let fw = plan.device("hq.fw1").unwrap();
    let r = routes_to(&plan, "lyon.r1", &fw.loopback.unwrap().to_string());
    assert_eq!(r.len(), 1);
    assert_eq!(r[0].metric, 10 + link("hq.r1", "hq.fw1").cost);
    // hq.r1: connected segments, summaries for both branches, default to the firewall.
    let r = routes_to(&plan, "hq.r1", &lyon_site.prefix.to_string());
    assert_eq!((r.len(), r[0].metric), (1, 10));
    let d = routes_to(&plan, "hq.r1", "0.0.0.0/0");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].kind, RouteKind::Default);
    assert_eq!(
        d[0].next_hop,
        Some(link("hq.r1", "hq.fw1").b_address.into())
    );
    assert_eq!(
        routes_to(&plan, "hq.r1", "::/0").len(),
        1,
        "dual stack: IPv6 default too"
    );
    for s in &hq_site.segments {
        let c = routes_to(&plan, "hq.r1", &s.prefix.to_string());
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, RouteKind::Connected);
        assert_eq!(c[0].interface, s.interface);
    }
    // The firewall reaches hq's segments through hq.r1: same site, so no summary,
    // one route per segment.
    for s in &hq_site.segments {
        assert_eq!(routes_to(&plan, "hq.fw1", &s.prefix.to_string()).len(), 1);
    }
    // The edge's default goes to the upstream.
    let d = routes_to(&plan, "hq.fw1", "0.0.0.0/0");
    assert_eq!(
        d[0].next_hop,
        plan.internet.as_ref().map(|i| i.upstream_address.into())
    );
    // IPv6 summaries exist too.
    let r = routes_to(&plan, "lyon.r1", &mars_site.prefix6.unwrap().to_string());
    assert_eq!(r.len(), 1);
}

#[test]
fn equal_cost_paths_are_all_listed() {
    // a - b - d and a - c - d, all cost 5: a reaches d's segment through b and c.
    let mut t = topology("ecmp", RoutingMode::Static, false);
    for s in ["a", "b", "c", "d"] {
        t.sites.push(site(
            s,
            &[("r1", DeviceKind::Router)],
            &[("lan", 10, 10, None)],
        ));
    }
    for (x, y) in [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")] {
        t.links
            .push(link(&format!("{x}.r1"), &format!("{y}.r1"), Some(5), None));
    }
    let plan = plan_of(&t);
    check(&plan).unwrap();
    let d = plan.sites.iter().find(|s| s.name == "d").unwrap();
    let r = routes_to(&plan, "a.r1", &d.prefix.to_string());
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(r.iter().all(|r| r.metric == 10));
    assert_ne!(r[0].next_hop, r[1].next_hop);
}

#[test]
fn parallel_links_give_two_next_hops() {
    let mut t = topology("par", RoutingMode::Static, true);
    for s in ["a", "b"] {
        t.sites.push(site(
            s,
            &[("r1", DeviceKind::Router)],
            &[("lan", 10, 10, None)],
        ));
    }
    t.links.push(link("a.r1", "b.r1", Some(3), None));
    t.links.push(link("a.r1", "b.r1", Some(3), None));
    let plan = plan_of(&t);
    check(&plan).unwrap();
    let b = plan.sites.iter().find(|s| s.name == "b").unwrap();
    let r = routes_to(&plan, "a.r1", &b.prefix.to_string());
    assert_eq!(r.len(), 2);
    assert_ne!(r[0].interface, r[1].interface);
    let r6 = routes_to(&plan, "a.r1", &b.prefix6.unwrap().to_string());
    assert_eq!(r6.len(), 2);
}

#[test]
fn a_site_split_across_paths_is_not_summarized() {
    // Site b has two routers: b.r1 behind a's direct link, b.r2 reached through c.
    // From a, b's segments leave by different next hops: no summary for b's block.
    let mut t = topology("split", RoutingMode::Static, false);
    t.sites.push(site(
        "a",
        &[("r1", DeviceKind::Router)],
        &[("lan", 10, 10, None)],
    ));
    t.sites.push(site(
        "b",
        &[("r1", DeviceKind::Router), ("r2", DeviceKind::Router)],
        &[("one", 10, 10, Some("r1")), ("two", 20, 10, Some("r2"))],
    ));
    t.sites.push(site(
        "c",
        &[("r1", DeviceKind::Router)],
        &[("lan", 10, 10, None)],
    ));
    t.links.push(link("a.r1", "b.r1", Some(1), None));
    t.links.push(link("a.r1", "c.r1", Some(1), None));
    t.links.push(link("c.r1", "b.r2", Some(1), None));
    t.links.push(link("b.r1", "b.r2", Some(10), None));
    let plan = plan_of(&t);
    check(&plan).unwrap();
    let b = plan.sites.iter().find(|s| s.name == "b").unwrap();
    assert!(routes_to(&plan, "a.r1", &b.prefix.to_string()).is_empty());
    for s in &b.segments {
        assert_eq!(
            routes_to(&plan, "a.r1", &s.prefix.to_string()).len(),
            1,
            "{}",
            s.id
        );
    }
    // From c, b.r2 is one hop and b.r1 is two hops through a (1 + 1 < 1 + 10),
    // so c cannot summarize b either.
    assert!(routes_to(&plan, "c.r1", &b.prefix.to_string()).is_empty());
}

#[test]
fn ospf_mode_lists_link_prefixes_and_no_summaries() {
    let mut t = acme_by_hand();
    t.routing = RoutingMode::Ospf;
    let plan = plan_of(&t);
    check(&plan).unwrap();
    let ospf = plan.ospf.as_ref().expect("ospf design");
    assert_eq!(ospf.design, "single-area");
    let r1 = ospf.routers.iter().find(|r| r.device == "hq.r1").unwrap();
    assert_eq!(
        Some(r1.router_id),
        plan.device("hq.r1").unwrap().loopback.map(|l| l.addr())
    );
    assert!(
        r1.interfaces
            .iter()
            .filter(|i| i.network_type == "point-to-point")
            .all(|i| !i.passive)
    );
    assert!(
        r1.interfaces
            .iter()
            .filter(|i| i.network_type == "broadcast")
            .all(|i| i.passive)
    );
    // No site summary: OSPF in one area advertises each prefix.
    let lyon = plan.sites.iter().find(|s| s.name == "lyon").unwrap();
    assert!(routes_to(&plan, "marseille.r1", &lyon.prefix.to_string()).is_empty());
    // The lyon-marseille link prefix is reached from hq.fw1 (OSPF knows it).
    let l = plan
        .links
        .iter()
        .find(|l| l.a == "lyon.r1" && l.b == "marseille.r1")
        .unwrap();
    assert_eq!(routes_to(&plan, "hq.fw1", &l.prefix.to_string()).len(), 1);
    // Static plans leave remote link prefixes out.
    let static_plan = plan_of(&acme_by_hand());
    assert!(routes_to(&static_plan, "hq.fw1", &l.prefix.to_string()).is_empty());
    assert!(static_plan.ospf.is_none());
}

#[test]
fn disconnected_router_is_an_error() {
    let mut t = topology("cut", RoutingMode::Static, false);
    t.sites.push(site(
        "a",
        &[("r1", DeviceKind::Router)],
        &[("lan", 10, 10, None)],
    ));
    t.sites.push(site(
        "b",
        &[("r1", DeviceKind::Router)],
        &[("lan", 10, 10, None)],
    ));
    let err = netkit_plan::plan(&t, None).expect_err("b.r1 is cut off");
    assert!(err.iter().any(|d| d.message.contains("b.r1") && d.hint.as_deref().unwrap_or("").contains("link")), "{err:?}");
}

#[test]
fn ospf_costs_are_capped_at_65535() {
    // A 1 Mbit/s link derives cost 100,000, more than OSPF's 16-bit interface cost.
    let mut t = topology("slow", RoutingMode::Ospf, false);
    for s in ["a", "b"] {
        t.sites.push(site(
            s,
            &[("r1", DeviceKind::Router)],
            &[("lan", 10, 10, None)],
        ));
    }
    t.links.push(link("a.r1", "b.r1", None, Some(1_000_000)));
    let plan = plan_of(&t);
    assert_eq!(plan.links[0].cost, 100_000);
    let ospf = plan.ospf.as_ref().unwrap();
    let a = ospf.routers.iter().find(|r| r.device == "a.r1").unwrap();
    let eth = a
        .interfaces
        .iter()
        .find(|i| i.network_type == "point-to-point")
        .unwrap();
    assert_eq!(eth.cost, 65_535);
    let lo = plan.device("b.r1").unwrap().loopback.unwrap();
    let r = routes_to(&plan, "a.r1", &lo.to_string());
    assert_eq!(r[0].metric, 65_535);
    // Static plans keep the plan's cost.
    t.routing = RoutingMode::Static;
    let plan = plan_of(&t);
    assert_eq!(routes_to(&plan, "a.r1", &lo.to_string())[0].metric, 100_000);
}
