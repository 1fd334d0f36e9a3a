//! Named hosts may take any usable offset (SPEC "Topology format"): a `hosts: 1`
//! segment with a named host at offset 2 (a /30: no address left for the lab's test
//! host) and a segment whose last usable address is a named host must validate,
//! plan, build as a lab and pass every derived check. Where no address is free,
//! the named host is the segment's vantage point; elsewhere the test host takes the
//! highest free address.
//!
//! The lab part needs root (CI runs as root and must not skip it); a guard tears
//! the lab down even when a check fails.

mod support;
#[allow(unused_imports)]
use support::*;

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::Command as StdCommand;
use std::time::Duration;

use netkit_plan::Plan;
use netkit_results::{Results, Verdict};

const TOPOLOGY: &str = r#"name: tiny
addressing: { ipv4: 10.40.0.0/16 }
sites:
  a:
    devices: { r1: { kind: router } }
    segments:
      cam:                      # a /30: gateway .1, the recorder .2, nothing left
        vlan: 10
        hosts: 1
        named: { nvr: { host: 2, services: [tcp/554] } }
      office:                   # a /29: the printer takes the last usable address
        vlan: 20
        hosts: 5
        named: { printer: { host: 6 } }
  b:
    devices: { r1: { kind: router } }
    segments:
      users: { vlan: 10, hosts: 10 }
links:
  - { a: a.r1, b: b.r1 }
"#;

fn write_topology(dir: &std::path::Path) -> PathBuf {
    let p = dir.join("tiny.yaml");
    std::fs::write(&p, TOPOLOGY).unwrap();
    p
}

fn plan_of(topology: &std::path::Path) -> Plan {
    let out = netkit()
        .args(["plan"])
        .arg(topology)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Plan::from_json(&String::from_utf8_lossy(&out.stdout)).expect("plan JSON")
}

#[test]
fn named_hosts_at_the_last_usable_offset_validate_and_plan() {
    let dir = tempfile::tempdir().unwrap();
    let t = write_topology(dir.path());
    netkit().arg("validate").arg(&t).assert().code(0);
    let plan = plan_of(&t);
    let cam = plan.segment("a.cam").unwrap();
    assert_eq!(cam.prefix.prefix_len(), 30, "hosts: 1 is a /30");
    let (_, nvr) = plan.named_host("a.cam.nvr").unwrap();
    assert_eq!(u32::from(nvr.address) - u32::from(cam.prefix.network()), 2);
    // No free address: the named host is the segment's vantage point.
    assert_eq!(cam.vantage_host().map(|h| h.id.as_str()), Some("a.cam.nvr"));
    assert_eq!(cam.test_host(), nvr.address);
    // The printer holds the last usable address: the test host takes the next one
    // down, and never a named host's address.
    let office = plan.segment("a.office").unwrap();
    assert_eq!(office.prefix.prefix_len(), 29);
    let (_, printer) = plan.named_host("a.office.printer").unwrap();
    assert_eq!(
        u32::from(printer.address),
        u32::from(office.prefix.broadcast()) - 1
    );
    assert!(office.vantage_host().is_none());
    assert_eq!(
        office.test_host(),
        Ipv4Addr::from(u32::from(printer.address) - 1)
    );
}

#[test]
fn a_segment_without_a_free_address_builds_as_a_lab_and_passes_verify() {
    if !can_run_lab("lab_named_offsets") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = write_topology(dir.path());
    let lab = unique_lab_name("o");
    let _guard = LabGuard { name: lab.clone() };
    let out = netkit()
        .args(["lab", "up"])
        .arg(&t)
        .args(["--name", &lab])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "lab up: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The recorder has its namespace; the full segment has no test host of its own.
    let ns = StdCommand::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    let ns = String::from_utf8_lossy(&ns.stdout);
    assert!(ns.contains(&format!("{lab}.a.cam.nvr")), "{ns}");
    assert!(
        !ns.lines()
            .any(|l| l.split_whitespace().next() == Some(&format!("{lab}.a.cam"))),
        "{ns}"
    );
    assert!(ns.contains(&format!("{lab}.a.office")), "{ns}");

    let out = netkit()
        .arg("verify")
        .arg(&t)
        .args(["--auto", "--lab", &lab, "--format", "json"])
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let r: Results = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "verify JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let bad: Vec<String> = r
        .results
        .iter()
        .filter(|x| x.verdict != Verdict::Pass)
        .map(|x| {
            format!(
                "{} {:?} -> {:?}: {}",
                x.check,
                x.from,
                x.to,
                x.reason.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert!(bad.is_empty(), "derived checks failed:\n{}", bad.join("\n"));
    assert_eq!(out.status.code(), Some(0));
    // The full segment is a real source (through its named host) and a target.
    assert!(
        r.results
            .iter()
            .any(|x| x.check == "reach" && x.from.as_deref() == Some("a.cam")),
        "no reach check from a.cam"
    );
    assert!(
        r.results
            .iter()
            .any(|x| x.check == "tcp" && x.to.as_deref() == Some("a.cam.nvr")),
        "no tcp check of the recorder's service"
    );
    netkit()
        .args(["lab", "down", "--name", &lab])
        .assert()
        .code(0);
}
