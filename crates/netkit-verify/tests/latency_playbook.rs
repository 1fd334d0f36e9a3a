//! `latency` checks in playbooks: the example parses; every mistake is reported with
//! its place and a hint (bad units, out-of-range values, a check that cannot fail,
//! unknown fields, hostile sizes).

use std::path::Path;

use netkit_verify::playbook::{self, Check};

fn parse(checks: &str) -> Result<playbook::Playbook, Vec<playbook::PlaybookError>> {
    let text =
        format!("name: t\ntopology: ../inventories/acme.yaml\ntarget: lab\nchecks:\n{checks}");
    playbook::parse(Path::new("playbooks/t.yaml"), &text)
}

fn messages(checks: &str) -> String {
    match parse(checks) {
        Ok(_) => panic!("accepted: {checks}"),
        Err(e) => e
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[test]
fn the_service_level_example_parses() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../playbooks/acme-niveaux-de-service.yaml");
    let text = std::fs::read_to_string(&path).expect("example playbook");
    let pb = playbook::parse(&path, &text).expect("parses");
    let Check::Latency(l) = &pb.checks[0].check else {
        panic!("{:?}", pb.checks[0].check);
    };
    assert_eq!(l.from, "lyon.users");
    assert_eq!(l.to, ["hq.servers", "hq.servers.intranet"]);
    assert_eq!(
        (l.max_rtt_ms, l.max_jitter_ms, l.max_loss_pct, l.count),
        (Some(50.0), Some(10.0), Some(1.0), 20)
    );
    assert_eq!(pb.checks[0].check.kind(), "latency");
}

#[test]
fn mistakes_are_named_with_their_place_and_fix() {
    let m = messages("  - latency: { from: a, to: b, max_rtt: fast }\n");
    assert!(
        m.contains("`fast` is not valid here") && m.contains("50ms"),
        "{m}"
    );
    assert!(m.contains(":5:"), "line of the check: {m}");
    let m = messages("  - latency: { from: a, to: b, max_loss: 150% }\n");
    assert!(m.contains("`150%` is not valid here"), "{m}");
    let m = messages("  - latency: { from: a, to: b }\n");
    assert!(m.contains("cannot fail") && m.contains("max_rtt"), "{m}");
    let m = messages("  - latency: { from: a, to: b, max_rtt: 5ms, count: 0 }\n");
    assert!(m.contains("out of range"), "{m}");
    let m = messages("  - latency: { from: a, to: b, max_rtt: 5ms, count: 100000000 }\n");
    assert!(m.contains("out of range"), "{m}");
    let m = messages("  - latency: { from: a, to: [], max_rtt: 5ms }\n");
    assert!(m.contains("empty list"), "{m}");
    let m = messages("  - latency: { from: a, to: b, max_rtt: 5ms, colour: red }\n");
    assert!(m.contains("colour"), "unknown field named: {m}");
    let m = messages("  - latency: { from: a, to: b, max_rtt: -3ms }\n");
    assert!(m.contains("`-3ms` is not valid here"), "{m}");
    let long = "9".repeat(10_000);
    let m = messages(&format!(
        "  - latency: {{ from: a, to: b, max_rtt: {long}ms }}\n"
    ));
    assert!(m.contains("is not valid here"), "oversized number refused");
}
