//! Playbook parsing through the public API: SPEC's example, and clear errors.

use std::path::Path;

use netkit_verify::playbook::{self, Check, SnmpExpectation, Target};

fn example() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../playbooks/acme-recette.yaml");
    std::fs::read_to_string(path).expect("the example playbook is in the repository")
}

#[test]
fn spec_example_parses() {
    let pb = playbook::parse(Path::new("playbooks/acme-recette.yaml"), &example()).unwrap();
    assert_eq!(pb.name, "Recette réseau Acme");
    assert_eq!(pb.target, Target::Lab);
    assert_eq!(pb.topology, Path::new("playbooks/../inventories/acme.yaml"));
    assert_eq!(pb.deadline.as_deref(), Some("2026-12-01T18:00:00Z"));
    let kinds: Vec<_> = pb.checks.iter().map(|c| c.check.kind()).collect();
    assert_eq!(
        kinds,
        [
            "reach",
            "isolate",
            "isolate",
            "tcp",
            "dns",
            "path",
            "bandwidth",
            "snmp"
        ]
    );
    match &pb.checks[0].check {
        Check::Reach(r) => {
            assert_eq!(r.from, "hq.users");
            assert_eq!(r.to, ["lyon.users", "hq.servers.intranet"]);
        }
        other => panic!("{other:?}"),
    }
    match &pb.checks[2].check {
        Check::Isolate(r) => assert_eq!(r.to, ["hq.users"]),
        other => panic!("{other:?}"),
    }
    match &pb.checks[4].check {
        Check::Dns(d) => {
            assert_eq!(d.name, "intranet.hq.acme.lan");
            assert_eq!(d.expect, Some("10.1.20.11".parse().unwrap()));
        }
        other => panic!("{other:?}"),
    }
    match &pb.checks[5].check {
        Check::Path(p) => assert_eq!(
            p.via.as_deref(),
            Some(&["lyon.r1".to_string(), "hq.r1".to_string()][..])
        ),
        other => panic!("{other:?}"),
    }
    match &pb.checks[6].check {
        Check::Bandwidth(b) => {
            assert_eq!(b.min_bps, 90_000_000);
            assert_eq!(b.duration, std::time::Duration::from_secs(5));
        }
        other => panic!("{other:?}"),
    }
    match &pb.checks[7].check {
        Check::Snmp(s) => assert_eq!(s.expect, SnmpExpectation::ALL.to_vec()),
        other => panic!("{other:?}"),
    }
    // Locations point at the check entries (line 6 is the first check).
    assert_eq!(pb.checks[0].at.line, 6);
}

#[test]
fn unknown_check_kind_is_located_with_a_hint() {
    let text = "name: x\ntopology: t.yaml\nchecks:\n  - reach: { from: a.b, to: c.d }\n  - pingg: { from: a.b, to: c.d }\n";
    let errs = playbook::parse(Path::new("p.yaml"), text).unwrap_err();
    let shown = errs[0].to_string();
    assert!(shown.starts_with("p.yaml:5:"), "{shown}");
    assert!(shown.contains("pingg"), "{shown}");
    assert!(shown.contains("reach, isolate, tcp"), "{shown}");
}

#[test]
fn bad_figures_are_located() {
    let text = "topology: t.yaml\ntarget: moon\ndeadline: tomorrow\nchecks:\n  - bandwidth: { from: a.r1, to: b.r1, min: fast }\n  - dns: { from: a.b, name: x.lan, expect: nowhere }\n";
    let errs = playbook::parse(Path::new("p.yaml"), text).unwrap_err();
    let all: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert_eq!(errs.len(), 4, "{all:#?}");
    assert!(
        all[0].starts_with("p.yaml:2:9: error: unknown target `moon`"),
        "{all:#?}"
    );
    assert!(all[1].starts_with("p.yaml:3:11:"), "{all:#?}");
    assert!(
        all.iter().any(|e| e.contains("`fast` is not a bandwidth")),
        "{all:#?}"
    );
    assert!(
        all.iter()
            .any(|e| e.contains("`nowhere` is not an IP address")),
        "{all:#?}"
    );
}

#[test]
fn unknown_field_is_an_error() {
    let text = "topology: t.yaml\nchecks:\n  - reach: { from: a.b, too: c.d }\n";
    let errs = playbook::parse(Path::new("p.yaml"), text).unwrap_err();
    let shown = errs[0].to_string();
    assert!(shown.starts_with("p.yaml:3:"), "{shown}");
    assert!(shown.contains("too"), "{shown}");
}

#[test]
fn figures() {
    assert_eq!(playbook::parse_bandwidth("90Mbps"), Some(90_000_000));
    assert_eq!(playbook::parse_bandwidth("1.5Gbps"), Some(1_500_000_000));
    assert_eq!(playbook::parse_bandwidth("500kbps"), Some(500_000));
    assert_eq!(playbook::parse_bandwidth("fast"), None);
    assert_eq!(
        playbook::parse_duration("5s"),
        Some(std::time::Duration::from_secs(5))
    );
    assert_eq!(
        playbook::parse_duration("250ms"),
        Some(std::time::Duration::from_millis(250))
    );
    assert_eq!(playbook::parse_duration("0s"), None);
}

#[test]
fn bandwidth_direction_and_tool() {
    let text = "topology: t.yaml\nchecks:\n  - bandwidth: { from: a.r1, to: b.r1, min: 10Mbps, direction: bidir, tool: iperf3 }\n  - bandwidth: { from: a.r1, to: b.r1, min: 10Mbps, direction: reverse }\n";
    let pb = playbook::parse(Path::new("p.yaml"), text).unwrap();
    let bw: Vec<_> = pb
        .checks
        .iter()
        .filter_map(|c| match &c.check {
            Check::Bandwidth(b) => Some(b.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(bw.len(), 2);
    assert!(bw[0].bidir && bw[0].iperf3 && !bw[0].reverse);
    assert!(bw[1].reverse && !bw[1].bidir && !bw[1].iperf3);

    let text = "topology: t.yaml\nchecks:\n  - bandwidth: { from: a.r1, to: b.r1, min: 10Mbps, direction: sideways, tool: ttcp }\n";
    let errs = playbook::parse(Path::new("p.yaml"), text).unwrap_err();
    let all: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert!(
        all.iter()
            .any(|e| e.starts_with("p.yaml:3:") && e.contains("`sideways` is not a direction")),
        "{all:#?}"
    );
    assert!(
        all.iter()
            .any(|e| e.contains("`ttcp` is not a bandwidth tool")),
        "{all:#?}"
    );
}
