//! `inventories/acme.yaml` (SPEC's example) through the real parser and planner:
//! snapshot of its routing tables and filter rules, the simulator on it, and proof
//! that the simulator catches broken tables (so the property test can fail).

mod routing_common;

use std::fmt::Write;
use std::net::IpAddr;

use netkit_model::Proto;
use netkit_plan::{FilterAction, Plan, first_matching_rule};
use routing_common::*;

fn tables_text(plan: &Plan) -> String {
    let mut s = String::new();
    for (dev, routes) in &plan.routes {
        let _ = writeln!(s, "{dev}");
        for r in routes {
            let nh = r
                .next_hop
                .map(|a| a.to_string())
                .unwrap_or_else(|| "-".into());
            let _ = writeln!(
                s,
                "  {:<24} {:<20} {:<7} {:>4} {:<9} {}",
                r.destination.to_string(),
                nh,
                r.interface,
                r.metric,
                format!("{:?}", r.kind).to_lowercase(),
                r.describes.as_deref().unwrap_or("")
            );
        }
    }
    s
}

#[test]
fn acme_tables_snapshot() {
    let plan = acme_plan();
    check_tables(&plan).unwrap();
    let sim = Sim::new(&plan);
    let paths = sim.check_all().unwrap();
    assert!(paths > 50, "checked {paths} paths");
    sim.check_internet().unwrap();
    insta::assert_snapshot!("acme_routes", tables_text(&plan));
    insta::assert_json_snapshot!("acme_filters", plan.filters);
}

#[test]
fn acme_filters_mean_what_the_topology_says() {
    let plan = acme_plan();
    let host = |seg: &str| IpAddr::V4(plan.segment(seg).unwrap().test_host());
    let gw = |seg: &str| IpAddr::V4(plan.segment(seg).unwrap().gateway);
    let dns = IpAddr::V4(plan.dns.as_ref().unwrap().server_address);
    let outside: IpAddr = "198.51.100.7".parse().unwrap();
    let verdict = |dev: &str, src: IpAddr, dst: IpAddr, proto: Option<Proto>, port: Option<u16>| {
        let rules = plan.filters.get(dev).map(Vec::as_slice).unwrap_or(&[]);
        first_matching_rule(rules, src, dst, proto, port).map(|r| r.action)
    };
    let guest = host("hq.guests");
    // Isolated guests: no internal segment, gateway or loopback; DNS and the internet pass.
    for dst in [
        host("hq.users"),
        host("hq.servers"),
        host("lyon.users"),
        gw("hq.users"),
        gw("lyon.users"),
    ] {
        assert_eq!(
            verdict("hq.r1", guest, dst, None, None),
            Some(FilterAction::Drop),
            "{dst}"
        );
    }
    let lo = IpAddr::V4(plan.device("lyon.r1").unwrap().loopback.unwrap().addr());
    assert_eq!(
        verdict("hq.r1", guest, lo, None, None),
        Some(FilterAction::Drop)
    );
    assert_eq!(
        verdict("hq.r1", guest, dns, Some(Proto::Udp), Some(53)),
        Some(FilterAction::Accept)
    );
    assert_eq!(
        verdict("hq.r1", guest, dns, Some(Proto::Tcp), Some(53)),
        Some(FilterAction::Accept)
    );
    assert_eq!(
        verdict("hq.r1", guest, dns, Some(Proto::Tcp), Some(443)),
        Some(FilterAction::Drop)
    );
    assert_eq!(
        verdict("hq.r1", guest, gw("hq.guests"), None, None),
        Some(FilterAction::Accept)
    );
    assert_eq!(verdict("hq.r1", guest, outside, None, None), None);
    // IPv6 too.
    let g6 = plan.segment("hq.guests").unwrap().prefix6.unwrap();
    let u6 = plan.segment("hq.users").unwrap().prefix6.unwrap();
    let src6 = IpAddr::V6((u128::from(g6.network()) + 5).into());
    let dst6 = IpAddr::V6((u128::from(u6.network()) + 5).into());
    assert_eq!(
        verdict("hq.r1", src6, dst6, None, None),
        Some(FilterAction::Drop)
    );
    // The policy: lyon.users may not open connections to hq.users, on lyon.r1.
    assert_eq!(
        verdict("lyon.r1", host("lyon.users"), host("hq.users"), None, None),
        Some(FilterAction::Drop)
    );
    assert_eq!(
        verdict(
            "lyon.r1",
            host("lyon.users"),
            host("hq.servers"),
            None,
            None
        ),
        None
    );
    // hq.users is not filtered at all (replies to it pass by connection tracking).
    assert_eq!(
        verdict("hq.r1", host("hq.users"), host("lyon.users"), None, None),
        None
    );
}

fn route_mut<'a>(plan: &'a mut Plan, dev: &str, dest: &str) -> &'a mut netkit_plan::Route {
    let d = net(dest);
    plan.routes
        .get_mut(dev)
        .unwrap()
        .iter_mut()
        .find(|r| r.destination == d)
        .unwrap()
}

#[test]
fn the_simulator_catches_broken_tables() {
    let plan = acme_plan();
    let lyon = plan
        .sites
        .iter()
        .find(|s| s.name == "lyon")
        .unwrap()
        .prefix
        .to_string();
    let mars = plan
        .sites
        .iter()
        .find(|s| s.name == "marseille")
        .unwrap()
        .prefix
        .to_string();
    let direct = plan
        .links
        .iter()
        .find(|l| l.a == "lyon.r1" && l.b == "marseille.r1")
        .unwrap()
        .clone();
    let hq_mars = plan
        .links
        .iter()
        .find(|l| l.a == "hq.r1" && l.b == "marseille.r1")
        .unwrap()
        .clone();

    // The expensive backup link instead of the least-cost path through hq.
    let mut p = plan.clone();
    let r = route_mut(&mut p, "lyon.r1", &mars);
    r.next_hop = Some(direct.b_address.into());
    r.interface = direct.a_interface.clone();
    let e = Sim::new(&p).check_all().unwrap_err();
    assert!(e.contains("off the least-cost path"), "{e}");

    // A missing route.
    let mut p = plan.clone();
    let d = net(&lyon);
    p.routes
        .get_mut("hq.r1")
        .unwrap()
        .retain(|r| r.destination != d);
    // hq.r1 still has its default to the firewall, which sends it back: a loop.
    let e = Sim::new(&p).check_all().unwrap_err();
    assert!(
        e.contains("loop") || e.contains("off the least-cost") || e.contains("no route"),
        "{e}"
    );

    // A loop between hq.r1 and marseille.r1 for lyon's block.
    let mut p = plan.clone();
    let r = route_mut(&mut p, "hq.r1", &lyon);
    r.next_hop = Some(hq_mars.b_address.into());
    r.interface = hq_mars.a_interface.clone();
    let e = Sim::new(&p).check_all().unwrap_err();
    assert!(!e.is_empty());

    // A summary that attracts a prefix living elsewhere: a /8 on lyon.r1 towards
    // marseille hides nothing here (longer prefixes win), but replacing hq's summary
    // by it sends hq's traffic the wrong way.
    let mut p = plan.clone();
    let r = route_mut(&mut p, "lyon.r1", "10.1.0.0/16");
    r.destination = net("10.0.0.0/8");
    r.next_hop = Some(direct.b_address.into());
    r.interface = direct.a_interface.clone();
    assert!(Sim::new(&p).check_all().is_err());
}

#[test]
fn acme_is_deterministic() {
    assert_eq!(acme_plan().to_json(), acme_plan().to_json());
}
