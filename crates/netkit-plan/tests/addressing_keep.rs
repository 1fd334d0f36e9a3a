//! `netkit plan --keep`: adding a site, a segment or a link anywhere in the file
//! renumbers nothing that is already deployed, measured on the whole plan.

mod addressing_support;

use addressing_support::*;
use netkit_model::{DeviceKind, Topology};
use netkit_plan::plan;

fn fraction(t0: &Topology, t1: &Topology) -> (f64, f64) {
    let p0 = plan(t0, None).expect("before plans");
    let kept = plan(t1, Some(&p0)).expect("after plans with --keep");
    check_invariants(t1, &kept);
    let fresh = plan(t1, None).expect("after plans");
    let (changed_kept, total) = renumbered(&p0, &kept);
    let (changed_fresh, _) = renumbered(&p0, &fresh);
    assert!(total > 0);
    assert!(
        changed_kept.is_empty(),
        "--keep renumbered {} of {total}:\n{}",
        changed_kept.len(),
        changed_kept.join("\n")
    );
    (
        changed_kept.len() as f64 / total as f64,
        changed_fresh.len() as f64 / total as f64,
    )
}

#[test]
fn adding_a_site_in_the_middle_renumbers_nothing() {
    let t0 = acme();
    let mut t1 = t0.clone();
    let mut nice = site(
        "nice",
        &[("r1", DeviceKind::Router)],
        vec![segment("users", 10, 300), segment("voice", 20, 60)],
    );
    nice.location = Some("Nice".into());
    // First in the file: without --keep it would take lyon's place.
    t1.sites.insert(1, nice);
    t1.links
        .insert(0, link("nice.r1", "hq.r1", Some(1_000_000_000), None));
    t1.links.push(link("nice.r1", "marseille.r1", None, None));
    let (kept, fresh) = fraction(&t0, &t1);
    eprintln!(
        "site added mid-file: {:.0}% renumbered with --keep, {:.0}% without",
        kept * 100.0,
        fresh * 100.0
    );
    assert_eq!(kept, 0.0);
    assert!(
        fresh > 0.0,
        "the test should change something without --keep"
    );
}

#[test]
fn adding_segments_renumbers_nothing() {
    let t0 = acme();
    let mut t1 = t0.clone();
    // A large segment first in hq (largest-first packing would move the others) and a
    // small one first in lyon.
    t1.sites[0].segments.insert(0, segment("cameras", 40, 500));
    t1.sites[1].segments.insert(0, segment("printers", 50, 5));
    let (kept, fresh) = fraction(&t0, &t1);
    eprintln!(
        "segments added first: {:.0}% renumbered with --keep, {:.0}% without",
        kept * 100.0,
        fresh * 100.0
    );
    assert_eq!(kept, 0.0);
}

#[test]
fn adding_links_renumbers_nothing() {
    let t0 = acme();
    let mut t1 = t0.clone();
    t1.sites[0].devices.push(netkit_model::Device {
        name: "r2".into(),
        kind: DeviceKind::Router,
        description: None,
        model: None,
        span: Default::default(),
    });
    t1.links.insert(0, link("hq.r2", "lyon.r1", None, None));
    t1.links.insert(2, link("hq.r1", "hq.r2", None, None));
    let (kept, fresh) = fraction(&t0, &t1);
    eprintln!(
        "links added first: {:.0}% renumbered with --keep, {:.0}% without",
        kept * 100.0,
        fresh * 100.0
    );
    assert_eq!(kept, 0.0);
    assert!(fresh > 0.0);
}

#[test]
fn swapped_link_ends_keep_their_addresses() {
    let t0 = acme();
    let p0 = plan(&t0, None).unwrap();
    let mut t1 = t0.clone();
    let l = &mut t1.links[0];
    std::mem::swap(&mut l.a, &mut l.b);
    let p1 = plan(&t1, Some(&p0)).unwrap();
    assert_eq!(p1.links[0].a, "lyon.r1");
    assert_eq!(p1.links[0].a_address, p0.links[0].b_address);
    assert_eq!(p1.links[0].a_interface, p0.links[0].b_interface);
    assert!(renumbered(&p0, &p1).0.is_empty());
}

#[test]
fn what_no_longer_fits_moves_and_the_rest_stays() {
    let t0 = acme();
    let p0 = plan(&t0, None).unwrap();
    let mut t1 = t0.clone();
    // lyon.users grows past its /26: it must move; nothing else may.
    t1.sites[1].segments[0].hosts = 100;
    let p1 = plan(&t1, Some(&p0)).unwrap();
    check_invariants(&t1, &p1);
    let (changed, _) = renumbered(&p0, &p1);
    assert!(
        changed.iter().all(|c| c.starts_with("segment lyon.users")),
        "{changed:?}"
    );
    assert_eq!(changed.len(), 1);
    assert_eq!(p1.segment("lyon.users").unwrap().prefix.prefix_len(), 25);
    assert_eq!(p1.sites[1].prefix, p0.sites[1].prefix);
}

#[test]
fn a_site_that_outgrows_its_block_grows_in_place_when_it_can() {
    let mut t0 = topology("grow", "10.0.0.0/8");
    // b gets 10.0.0.0/24, a (a /23 of segments, room to grow: a /22) 10.0.4.0/22:
    // 10.0.1.0 - 10.0.3.255 stays free.
    t0.sites = vec![
        site(
            "b",
            &[("r1", DeviceKind::Router)],
            vec![segment("lan", 1, 10)],
        ),
        site(
            "a",
            &[("r1", DeviceKind::Router)],
            vec![segment("lan", 1, 300)],
        ),
    ];
    t0.links = vec![link("a.r1", "b.r1", None, None)];
    let p0 = plan(&t0, None).unwrap();
    assert_eq!(p0.sites[0].prefix.to_string(), "10.0.0.0/24");
    assert_eq!(p0.sites[1].prefix.to_string(), "10.0.4.0/22");
    let mut t1 = t0.clone();
    t1.sites[0].segments.push(segment("big", 2, 400));
    let p1 = plan(&t1, Some(&p0)).unwrap();
    check_invariants(&t1, &p1);
    assert_eq!(p1.sites[0].prefix.to_string(), "10.0.0.0/22");
    let (changed, _) = renumbered(&p0, &p1);
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].starts_with("site b"));
}

#[test]
fn a_site_that_cannot_grow_in_place_moves_alone() {
    let mut t0 = topology("move", "10.0.0.0/8");
    t0.sites = vec![
        site(
            "a",
            &[("r1", DeviceKind::Router)],
            vec![segment("lan", 1, 100)],
        ),
        site(
            "b",
            &[("r1", DeviceKind::Router)],
            vec![segment("lan", 1, 10)],
        ),
        site(
            "c",
            &[("r1", DeviceKind::Router)],
            vec![segment("lan", 1, 10)],
        ),
    ];
    t0.links = vec![
        link("a.r1", "b.r1", None, None),
        link("b.r1", "c.r1", None, None),
    ];
    let p0 = plan(&t0, None).unwrap();
    let mut t1 = t0.clone();
    t1.sites[1].segments.push(segment("big", 2, 1000));
    let p1 = plan(&t1, Some(&p0)).unwrap();
    check_invariants(&t1, &p1);
    let (changed, _) = renumbered(&p0, &p1);
    assert!(
        changed
            .iter()
            .all(|c| c.starts_with("site b") || c.starts_with("segment b.")),
        "{changed:?}"
    );
    assert_eq!(p1.sites[0].prefix, p0.sites[0].prefix);
    assert_eq!(p1.sites[2].prefix, p0.sites[2].prefix);
}

#[test]
fn a_parallel_backup_inserted_first_does_not_take_the_primary_addresses() {
    let t0 = acme();
    let p0 = plan(&t0, None).unwrap();
    let mut t1 = t0.clone();
    let mut backup = link("hq.r1", "lyon.r1", Some(4_000_000), Some(500));
    backup.description = Some("4G backup".into());
    t1.links.insert(0, backup);
    let p1 = plan(&t1, Some(&p0)).unwrap();
    check_invariants(&t1, &p1);
    // The primary (now link 1) kept its prefix, addresses and interface names.
    assert_eq!(p1.links[1].prefix, p0.links[0].prefix);
    assert_eq!(p1.links[1].a_interface, p0.links[0].a_interface);
    assert_eq!(p1.links[1].b_address, p0.links[0].b_address);
    assert!(renumbered(&p0, &p1).0.is_empty());
}
