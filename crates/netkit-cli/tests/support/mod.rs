//! Helpers shared by the end-to-end tests that build labs (`mod support;` in a test
//! file): the root check, unique lab names, and a guard that tears a lab down even
//! when the test fails.
#![allow(dead_code)] // Each test file uses the part it needs.

use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;

/// Whether this process runs as root (uid 0).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .map(|v| v.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// Whether the lab tests can run here. In CI (`CI=true`) they must: without root
/// that is a failure, never a skip.
pub fn can_run_labs() -> bool {
    if is_root() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("the lab tests need root (network namespaces): CI must run them as root");
    }
    eprintln!("note: skipping lab test: it needs root (network namespaces)");
    false
}

/// A short lab name unique to this run: `prefix` + pid + a few bits of the clock,
/// so that tests (and test binaries) running in parallel never share namespaces.
pub fn unique_lab_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}{}{:x}",
        std::process::id() % 100_000,
        nanos % 0xfff
    )
}

/// The `netkit` binary of this build, with a timeout.
pub fn netkit(timeout: Duration) -> Command {
    let mut c = Command::cargo_bin("netkit").expect("netkit binary is built");
    c.timeout(timeout);
    c
}

/// The namespaces whose name starts with `LAB.`.
pub fn lab_namespaces(lab: &str) -> Vec<String> {
    let out = StdCommand::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(&format!("{lab}.")))
        .map(String::from)
        .collect()
}

/// Tears lab `name` down on drop: `netkit lab down`, then any namespace left with
/// the lab's prefix (so that a failed test leaves nothing behind).
pub struct LabGuard {
    pub name: String,
}

impl LabGuard {
    pub fn new(name: &str) -> LabGuard {
        LabGuard {
            name: name.to_string(),
        }
    }
}

impl Drop for LabGuard {
    fn drop(&mut self) {
        let _ = netkit(Duration::from_secs(60))
            .args(["lab", "down", "--name", &self.name])
            .output();
        for ns in lab_namespaces(&self.name) {
            let _ = StdCommand::new("ip").args(["netns", "del", &ns]).status();
        }
    }
}
