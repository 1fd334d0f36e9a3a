//! `--auto` turns the service levels written on links (`latency:`, `jitter:`, `loss:`)
//! into `latency` checks across those very links, and adds none where no link has one.

use std::path::Path;

use netkit_verify::Check;

fn plan_of(file: &str) -> netkit_plan::Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../inventories")
        .join(file);
    let bytes = std::fs::read(path).expect("the inventory is in the repository");
    let topo = netkit_model::parse(&bytes)
        .topology
        .expect("the inventory is valid");
    netkit_plan::plan(&topo, None).expect("the inventory plans")
}

#[test]
fn each_link_with_a_service_level_gets_its_latency_check() {
    let plan = plan_of("ferronor.yaml");
    let checks = netkit_verify::auto::derive(&plan);
    let latency: Vec<_> = checks
        .iter()
        .filter_map(|c| match c {
            Check::Latency(l) => Some(l),
            _ => None,
        })
        .collect();
    let with_targets: Vec<_> = plan
        .links
        .iter()
        .filter(|l| !l.targets.is_empty())
        .collect();
    assert_eq!(
        with_targets.len(),
        2,
        "ferronor declares two service levels"
    );
    assert_eq!(latency.len(), with_targets.len(), "{latency:#?}");
    for (check, link) in latency.iter().zip(&with_targets) {
        // From one end of the link to the other end's address on that very link (the
        // dark fibre and the MPLS backup join the same two routers: only the link
        // address tells them apart).
        assert_eq!(check.from, link.a);
        assert_eq!(check.to, vec![link.b_address.to_string()]);
        assert_eq!(check.max_rtt_ms, link.targets.max_rtt_ms);
        assert_eq!(check.max_jitter_ms, link.targets.max_jitter_ms);
        assert_eq!(check.max_loss_pct, link.targets.max_loss_pct);
        assert_eq!(check.count, netkit_verify::checks::latency::DEFAULT_COUNT);
    }
    let fibre = &with_targets[0];
    assert_eq!(fibre.description.as_deref(), Some("Fibre noire"));
    assert_eq!(
        (
            fibre.targets.max_rtt_ms,
            fibre.targets.max_jitter_ms,
            fibre.targets.max_loss_pct
        ),
        (Some(20.0), Some(10.0), Some(1.0))
    );
    // The checks pass the playbook's own validation (ids and limits).
    for c in &latency {
        assert!(
            netkit_verify::checks::latency::problem(
                c.count,
                c.to.is_empty(),
                [c.max_rtt_ms, c.max_jitter_ms, c.max_loss_pct]
            )
            .is_none()
        );
    }
}

#[test]
fn no_service_level_no_latency_check() {
    let plan = plan_of("acme.yaml");
    assert!(
        !netkit_verify::auto::derive(&plan)
            .iter()
            .any(|c| matches!(c, Check::Latency(_)))
    );
}

#[test]
fn the_targets_are_in_the_plan_json_only_where_set() {
    let plan = plan_of("ferronor.yaml");
    let json = serde_json::to_value(&plan).expect("plan JSON");
    let links = json["links"].as_array().expect("links");
    let set: Vec<_> = links
        .iter()
        .filter(|l| l.get("max_rtt_ms").is_some())
        .collect();
    assert_eq!(set.len(), 2);
    assert_eq!(set[0]["max_rtt_ms"], 20.0);
    assert_eq!(set[0]["max_jitter_ms"], 10.0);
    assert_eq!(set[0]["max_loss_pct"], 1.0);
    assert_eq!(set[1]["max_rtt_ms"], 80.0);
    assert!(set[1].get("max_jitter_ms").is_none());
    // Reading the JSON back gives the same targets.
    let back: netkit_plan::Plan = serde_json::from_value(json).expect("plan JSON reads back");
    assert_eq!(back.links, plan.links);
}
