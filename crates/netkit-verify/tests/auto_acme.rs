//! `--auto` on SPEC's example topology: what a technician would write.

use std::path::Path;

use netkit_verify::Check;
use netkit_verify::playbook;

fn acme_plan() -> netkit_plan::Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../inventories/acme.yaml");
    let bytes = std::fs::read(path).expect("acme.yaml is in the repository");
    let parsed = netkit_model::parse(&bytes);
    let topo = parsed.topology.expect("acme.yaml is valid");
    netkit_plan::plan(&topo, None).expect("acme.yaml plans")
}

fn reach_of<'a>(checks: &'a [Check], from: &str) -> Vec<&'a str> {
    checks
        .iter()
        .filter_map(|c| match c {
            Check::Reach(r) if r.from == from => Some(r.to.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .collect()
}

fn isolate_of<'a>(checks: &'a [Check], from: &str) -> Vec<&'a str> {
    checks
        .iter()
        .filter_map(|c| match c {
            Check::Isolate(r) if r.from == from => Some(r.to.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn auto_checks_follow_the_plan() {
    let plan = acme_plan();
    let checks = netkit_verify::auto::derive(&plan);

    // Users reach the other non-isolated segments and the named hosts.
    let hq_users = reach_of(&checks, "hq.users");
    for t in [
        "hq.servers",
        "hq.servers.fs1",
        "hq.servers.intranet",
        "lyon.users",
        "marseille.users",
        "marseille.voice",
    ] {
        assert!(
            hq_users.contains(&t),
            "hq.users should reach {t}: {hq_users:?}"
        );
    }
    assert!(!hq_users.contains(&"hq.guests"));
    // The policy `deny lyon.users -> hq.users` is an isolate check, not a reach check.
    assert!(!reach_of(&checks, "lyon.users").contains(&"hq.users"));
    assert!(isolate_of(&checks, "lyon.users").contains(&"hq.users"));
    assert!(reach_of(&checks, "lyon.users").contains(&"hq.servers.fs1"));
    // The isolated guests reach no internal segment, only the internet.
    let guests = isolate_of(&checks, "hq.guests");
    for t in [
        "hq.users",
        "hq.servers",
        "hq.servers.intranet",
        "lyon.users",
        "marseille.voice",
    ] {
        assert!(
            guests.contains(&t),
            "hq.guests should be isolated from {t}: {guests:?}"
        );
    }
    assert_eq!(reach_of(&checks, "hq.guests"), vec!["internet"]);
    // Isolation works both ways: no internal segment opens a connection to the
    // guests either, and the derived check probes a guest host, not the router.
    for s in [
        "hq.users",
        "hq.servers",
        "lyon.users",
        "marseille.users",
        "marseille.voice",
    ] {
        assert!(
            isolate_of(&checks, s).contains(&"hq.guests"),
            "{s} should be isolated from hq.guests: {:?}",
            isolate_of(&checks, s)
        );
        assert!(!reach_of(&checks, s).contains(&"hq.guests"));
    }
    let guests_seg = plan.segment("hq.guests").unwrap();
    let target = netkit_verify::resolve::targets(&plan, "hq.guests");
    assert_eq!(
        target[0].address,
        std::net::IpAddr::V4(guests_seg.test_host())
    );
    assert_ne!(target[0].address, std::net::IpAddr::V4(guests_seg.gateway));

    // Every named service answers, from another site.
    let tcp: Vec<(&str, &str, u16)> = checks
        .iter()
        .filter_map(|c| match c {
            Check::Tcp(t) => Some((t.from.as_str(), t.to[0].as_str(), t.port)),
            _ => None,
        })
        .collect();
    assert!(
        tcp.contains(&("lyon.users", "hq.servers.fs1", 445)),
        "{tcp:?}"
    );
    assert!(
        tcp.contains(&("lyon.users", "hq.servers.intranet", 443)),
        "{tcp:?}"
    );

    // Every DNS record resolves to its planned address.
    let dns = plan.dns.as_ref().expect("acme has dns");
    for r in &dns.records {
        assert!(
            checks.iter().any(|c| matches!(c, Check::Dns(d) if d.name == r.name.trim_end_matches('.') && d.expect == Some(r.address))),
            "no dns check for {}",
            r.name
        );
    }
    // Paths from each non-isolated segment to each other site.
    let paths = checks
        .iter()
        .filter(|c| matches!(c, Check::Path(_)))
        .count();
    assert_eq!(paths, 5 * 2);
    // Bandwidth on each WAN link at 90%, SNMP on each layer-3 device.
    let bw: Vec<u64> = checks
        .iter()
        .filter_map(|c| match c {
            Check::Bandwidth(b) => Some(b.min_bps),
            _ => None,
        })
        .collect();
    assert_eq!(bw, vec![90_000_000, 45_000_000, 18_000_000]);
    assert_eq!(
        checks
            .iter()
            .filter(|c| matches!(c, Check::Snmp(_)))
            .count(),
        4
    );
}

#[test]
fn planned_path_of_the_example() {
    let plan = acme_plan();
    let gw = plan.segment("hq.servers").unwrap().gateway;
    let paths = netkit_verify::resolve::planned_paths(&plan, "lyon.users", gw.into());
    assert_eq!(
        paths,
        vec![vec!["lyon.r1".to_string(), "hq.r1".to_string()]]
    );
    // Marseille reaches Lyon directly? No: the backup link costs 100, via hq costs 20.
    let lyon = plan.segment("lyon.users").unwrap().gateway;
    let paths = netkit_verify::resolve::planned_paths(&plan, "marseille.voice", lyon.into());
    assert_eq!(
        paths,
        vec![vec![
            "marseille.r1".to_string(),
            "hq.r1".to_string(),
            "lyon.r1".to_string()
        ]]
    );
}

#[test]
fn example_playbook_validates_and_bad_ids_are_located() {
    let plan = acme_plan();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../playbooks/acme-recette.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let pb = playbook::parse(&path, &text).unwrap();
    assert!(playbook::validate(&pb, &plan).is_empty());

    let bad = "topology: x.yaml\nchecks:\n  - reach: { from: hq.userz, to: [lyon.users, paris.users] }\n  - path: { from: lyon.users, to: hq, via: [lyon.r9] }\n";
    let pb = playbook::parse(Path::new("bad.yaml"), bad).unwrap();
    let errors: Vec<String> = playbook::validate(&pb, &plan)
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors[0].starts_with("bad.yaml:3:"), "{errors:#?}");
    assert!(errors[0].contains("`from: hq.userz`"), "{errors:#?}");
    assert!(errors[0].contains("hint: known ids"), "{errors:#?}");
    assert!(errors[1].contains("`to: paris.users`"), "{errors:#?}");
    assert!(errors[2].starts_with("bad.yaml:4:"), "{errors:#?}");
    assert!(
        errors[2].contains("`via: lyon.r9` is not a device"),
        "{errors:#?}"
    );
}
