//! What the end-to-end tests of `netkit` share: one rule for CI and root, unique lab
//! names, the guard that tears a lab down even when a test fails, running `netkit`
//! with a timeout, the repository's files.
//!
//! Each test file takes it with `mod support;` and uses what it needs.
#![allow(dead_code)] // every test file uses a different part of it

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;

/// The one rule for CI: `CI` set to anything but empty, `false` or `0` (GitHub and
/// GitLab set `true`, others `1`). In CI nothing is skipped: a missing tool or
/// missing root fails the test instead.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether this process runs as root (effective uid 0).
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

/// Whether a test that builds network namespaces can run here: yes as root; in CI
/// without root it fails (CI must run them); elsewhere it says it skips.
pub fn can_run_lab(test: &str) -> bool {
    if is_root() {
        return true;
    }
    assert!(
        !in_ci(),
        "{test} needs root (network namespaces): CI must run it as root"
    );
    eprintln!("note: {test} skipped: it needs root (network namespaces)");
    false
}

/// Whether `tool` is on the PATH; in CI its absence fails the test (scripts/setup.sh
/// installs every tool the tests use), elsewhere the caller skips.
pub fn require(tool: &str) -> bool {
    if have(tool) {
        return true;
    }
    assert!(!in_ci(), "{tool} is missing: scripts/setup.sh installs it");
    eprintln!("skipped: {tool} is not installed (scripts/setup.sh installs it)");
    false
}

/// Whether an executable `tool` is on the PATH.
pub fn have(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|paths| {
        std::env::split_paths(&paths).any(|dir| {
            let p = dir.join(tool);
            std::fs::metadata(&p).is_ok_and(|m| {
                use std::os::unix::fs::PermissionsExt;
                m.is_file() && m.permissions().mode() & 0o111 != 0
            })
        })
    })
}

/// A short lab name unique to this run and this call: `prefix` + pid + a counter +
/// the clock, so two runs (or two tests of one run) never share namespaces. Short
/// enough for the interface names the lab derives from it.
pub fn unique_lab_name(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!(
        "{prefix}{}{:x}",
        std::process::id() % 100_000,
        (nanos.wrapping_add(n * 0x111)) % 0xfff
    )
}

/// The namespaces of lab `lab` that exist now (`LAB.node`).
pub fn lab_namespaces(lab: &str) -> Vec<String> {
    let Ok(out) = StdCommand::new("ip").args(["netns", "list"]).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(&format!("{lab}.")))
        .map(String::from)
        .collect()
}

/// Tears lab `name` down when dropped, also when the test panics: `netkit lab down`,
/// then any namespace left with the lab's prefix.
pub struct LabGuard {
    pub name: String,
}

impl LabGuard {
    pub fn new(name: impl Into<String>) -> LabGuard {
        LabGuard { name: name.into() }
    }
}

impl Drop for LabGuard {
    fn drop(&mut self) {
        let _ = netkit()
            .args(["lab", "down", "--name", &self.name])
            .timeout(Duration::from_secs(60))
            .output();
        for ns in lab_namespaces(&self.name) {
            let _ = StdCommand::new("ip").args(["netns", "del", &ns]).status();
        }
    }
}

/// The `netkit` binary under test, with a timeout of 5 minutes (a hung command
/// fails its test instead of hanging the suite) and no SNMP secrets from the
/// caller's environment.
pub fn netkit() -> Command {
    let mut c = Command::new(netkit_bin());
    c.timeout(Duration::from_secs(300));
    for k in [
        "NETKIT_SNMP_COMMUNITY",
        "NETKIT_SNMP_VERSION",
        "NETKIT_SNMP_USER",
        "NETKIT_SNMP_AUTH_PASSWORD",
        "NETKIT_SNMP_PRIV_PASSWORD",
        "NETKIT_SNMP_AUTH_PROTOCOL",
        "NETKIT_SNMP_PRIV_PROTOCOL",
    ] {
        c.env_remove(k);
    }
    c
}

/// The path of the `netkit` binary under test.
pub fn netkit_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_netkit"))
}

/// The repository's root folder.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A bundled example: `inventory("acme")` is `inventories/acme.yaml`.
pub fn inventory(name: &str) -> PathBuf {
    repo().join("inventories").join(format!("{name}.yaml"))
}

/// A fresh temporary folder, removed when dropped.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// `netkit lab up TOPOLOGY --name <unique> EXTRA...`, its guard made first so that
/// a failed build is torn down too; fails the test (with what netkit said) when the
/// lab does not come up.
pub fn lab_up(topology: &Path, prefix: &str, extra: &[&str]) -> LabGuard {
    let guard = LabGuard::new(unique_lab_name(prefix));
    let out = netkit()
        .args(["lab", "up"])
        .arg(topology)
        .args(["--name", &guard.name])
        .args(extra)
        .output()
        .expect("run netkit lab up");
    assert!(
        out.status.success(),
        "netkit lab up {} failed: {}{}",
        topology.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    guard
}
