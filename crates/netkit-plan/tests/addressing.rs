//! The addressing planner through its public API: SPEC's example by hand, the
//! fixture folder, planner errors, `--keep` stability.

mod addressing_support;

use addressing_support::*;
use netkit_plan::plan;

#[test]
fn acme_by_hand() {
    let t = acme();
    let p = plan(&t, None).expect("acme plans");
    check_invariants(&t, &p);
    println!("{}", p.to_json());
}

fn errors(t: &netkit_model::Topology) -> Vec<String> {
    match plan(t, None) {
        Ok(_) => panic!("the topology should not plan"),
        Err(d) => d
            .iter()
            .map(|d| format!("{}", d.display_with("t.yaml")))
            .collect(),
    }
}

fn two_sites() -> netkit_model::Topology {
    use netkit_model::DeviceKind::Router;
    let mut t = topology("t", "10.0.0.0/8");
    t.sites = vec![
        site("hq", &[("r1", Router)], vec![segment("users", 10, 100)]),
        site("lyon", &[("r1", Router)], vec![segment("users", 10, 50)]),
    ];
    t.sites[0].span = span(5);
    t.sites[1].span = span(9);
    t.links = vec![link("hq.r1", "lyon.r1", None, None)];
    t.links[0].span = span(14);
    t
}

#[test]
fn site_pins_that_overlap_name_both() {
    let mut t = two_sites();
    t.sites[0].prefix = Some(net("10.1.0.0/16"));
    t.sites[0].prefix_span = Some(span(6));
    t.sites[1].prefix = Some(net("10.1.128.0/17"));
    t.sites[1].prefix_span = Some(span(10));
    let e = errors(&t);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].starts_with("t.yaml:10:1: error: site lyon is pinned to 10.1.128.0/17 (line 10), which overlaps site hq pinned to 10.1.0.0/16 (line 6)"), "{e:?}");
}

#[test]
fn segment_pin_outside_its_pinned_site() {
    let mut t = two_sites();
    t.sites[0].prefix = Some(net("10.1.0.0/16"));
    t.sites[0].prefix_span = Some(span(6));
    t.sites[0].segments[0].prefix = Some(net("10.2.0.0/24"));
    t.sites[0].segments[0].prefix_span = Some(span(8));
    let e = errors(&t);
    assert!(e.iter().any(|e| e.contains("segment hq.users is pinned to 10.2.0.0/24 (line 8), outside the pinned block 10.1.0.0/16 of its site hq (line 6)")), "{e:?}");
}

#[test]
fn pins_against_reserves_pools_and_links() {
    let mut t = two_sites();
    t.addressing.reserve = vec!["10.0.0.0/16".parse().unwrap()];
    t.addressing.spans.reserve = vec![span(3)];
    t.addressing.loopbacks = Some(net("10.254.0.0/24"));
    t.addressing.spans.loopbacks = Some(span(2));
    t.sites[0].prefix = Some(net("10.0.0.0/20"));
    t.sites[0].prefix_span = Some(span(6));
    t.sites[1].segments[0].prefix = Some(net("10.254.0.0/26"));
    t.sites[1].segments[0].prefix_span = Some(span(11));
    t.links[0].prefix = Some(net("10.1.0.0/31"));
    let mut third = site("x", &[("r1", netkit_model::DeviceKind::Router)], vec![]);
    third.prefix = Some(net("10.1.0.0/24"));
    third.prefix_span = Some(span(20));
    t.sites.push(third);
    t.links.push(link("x.r1", "hq.r1", None, None));
    let e = errors(&t);
    assert!(e.iter().any(|e| e.contains("site hq is pinned to 10.0.0.0/20 (line 6), which overlaps the reserved range 10.0.0.0/16 (line 3)")), "{e:?}");
    assert!(e.iter().any(|e| e.contains("segment lyon.users is pinned to 10.254.0.0/26 (line 11), which overlaps addressing.loopbacks 10.254.0.0/24 (line 2)")), "{e:?}");
    assert!(e.iter().any(|e| e.contains("link 0 (hq.r1 - lyon.r1) is pinned to 10.1.0.0/31 (line 14), which overlaps site x pinned to 10.1.0.0/24 (line 20)")), "{e:?}");
}

#[test]
fn segment_pins_in_other_sites_are_avoided() {
    let mut t = two_sites();
    // lyon's segment pinned where hq would have gone first.
    t.sites[1].segments[0].prefix = Some(net("10.0.0.64/26"));
    let p = plan(&t, None).unwrap();
    check_invariants(&t, &p);
    assert!(p.sites[1].prefix.contains(&net("10.0.0.64/26")));
    assert!(!p.sites[0].prefix.contains(&net("10.0.0.64/26")));
}

#[test]
fn exhausted_pools_say_how_much() {
    let mut t = two_sites();
    t.addressing.loopbacks = Some(net("10.254.0.0/31"));
    t.addressing.spans.loopbacks = Some(span(2));
    let e = errors(&t);
    assert!(e.iter().any(|e| e.contains("no space left in the loopback pool 10.254.0.0/31 (addressing.loopbacks) for lyon.r1: 1 more loopback is needed and none left")), "{e:?}");

    let mut t = two_sites();
    t.addressing.ipv4 = net("10.0.0.0/24");
    t.addressing.wan = Some(net("192.0.2.0/24"));
    t.addressing.loopbacks = Some(net("198.51.100.0/24"));
    t.sites[1].segments[0].hosts = 130;
    let e = errors(&t);
    assert!(e.iter().any(|e| e.starts_with("t.yaml:9:1: error: no space left in addressing.ipv4 10.0.0.0/24 for site lyon: its segments need 256 addresses (a /24 block) and only 128 addresses are left, the largest free block being a /25")), "{e:?}");
}

#[test]
fn small_pools_fall_back_to_tight_site_blocks() {
    let mut t = two_sites();
    t.addressing.ipv4 = net("10.0.0.0/24");
    t.addressing.wan = Some(net("192.0.2.0/24"));
    t.addressing.loopbacks = Some(net("198.51.100.0/24"));
    let p = plan(&t, None).unwrap();
    check_invariants(&t, &p);
    assert_eq!(p.sites[0].prefix.to_string(), "10.0.0.0/25");
    assert_eq!(p.sites[1].prefix.to_string(), "10.0.0.128/26");
}

#[test]
fn references_the_planner_needs() {
    let mut t = two_sites();
    t.sites[0].devices.push(netkit_model::Device {
        name: "sw1".into(),
        kind: netkit_model::DeviceKind::Switch,
        description: None,
        model: None,
        span: span(7),
    });
    t.links.push(link("hq.r1", "hq.sw1", None, None));
    t.sites[1].segments[0].named = vec![named("gw", 1, &[])];
    let e = errors(&t);
    assert!(
        e.iter()
            .any(|e| e.contains("ends on hq.sw1, a switch: point-to-point links join routers")),
        "{e:?}"
    );
    assert!(
        e.iter().any(|e| e.contains(
            "named host lyon.users.gw is at host 1, which is the gateway of the segment"
        )),
        "{e:?}"
    );
}

#[test]
fn pinned_segment_too_small() {
    let mut t = two_sites();
    t.addressing.growth_percent = 25;
    t.sites[0].segments[0].prefix = Some(net("10.1.0.0/26"));
    t.sites[0].segments[0].prefix_span = Some(span(7));
    let e = errors(&t);
    assert!(e[0].starts_with("t.yaml:7:1: error: segment hq.users is pinned to 10.1.0.0/26, which has 62 usable addresses, but it needs 126 (125 hosts with 25% growth plus the gateway)"), "{e:?}");
}

#[test]
fn layer2_devices_have_no_address_and_carved_pools_are_documented() {
    let t = two_sites();
    let p = plan(&t, None).unwrap();
    assert_eq!(p.pools.wan.to_string(), "10.255.0.0/16");
    assert_eq!(p.pools.loopbacks.to_string(), "10.254.0.0/16");
    assert_eq!(p.sites[0].prefix.to_string(), "10.0.0.0/24");
    assert_eq!(p.links[0].prefix.to_string(), "10.255.0.0/31");
    assert_eq!(p.devices[0].loopback.unwrap().to_string(), "10.254.0.1/32");
}

#[test]
fn hostile_sizes_are_errors_not_panics() {
    let mut t = two_sites();
    t.addressing.growth_percent = u32::MAX;
    t.sites[0].segments[0].hosts = u32::MAX;
    let e = errors(&t);
    assert!(
        e[0].contains("no space left in addressing.ipv4 10.0.0.0/8 for site hq"),
        "{e:?}"
    );
    let mut t = two_sites();
    t.links[0].prefix = Some(net("10.9.0.0/32"));
    let e = errors(&t);
    assert!(
        e[0].contains("is pinned to 10.9.0.0/32, a single address: a link needs two"),
        "{e:?}"
    );
}
