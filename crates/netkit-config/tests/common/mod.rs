//! Shared by the netkit-config tests: acme's plan (static and OSPF) through the real
//! parser and planner.
#![allow(dead_code)] // Each test binary uses part of this module.

use netkit_model::RoutingMode;
use netkit_plan::Plan;

pub fn acme_topology() -> netkit_model::Topology {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../inventories/acme.yaml");
    let text = std::fs::read(path).expect("inventories/acme.yaml is readable");
    let parsed = netkit_model::parse(&text);
    parsed
        .topology
        .unwrap_or_else(|| panic!("acme.yaml parses: {:?}", parsed.diagnostics))
}

pub fn acme(routing: RoutingMode) -> Plan {
    let mut t = acme_topology();
    t.routing = routing;
    netkit_plan::plan(&t, None).unwrap_or_else(|d| panic!("acme plans: {d:?}"))
}

/// Tests that need root and real programs run in CI (CI=true) and must not be
/// skipped there; elsewhere they are skipped with a note when not root.
pub fn may_run_privileged(what: &str) -> bool {
    let root = nix_is_root();
    if !root && std::env::var("CI").is_err() {
        eprintln!("note: skipping {what}: needs root (CI runs it)");
        return false;
    }
    true
}

fn nix_is_root() -> bool {
    // The effective uid from /proc avoids a libc dependency.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

pub fn have(program: &str) -> bool {
    std::process::Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}
