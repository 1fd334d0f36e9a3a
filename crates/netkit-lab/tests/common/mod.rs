//! What the lab crate's tests share: the root check under the project's one CI rule
//! (as `tests/support` at the top: `CI` set and not "", "false" or "0" means a test that
//! needs root fails rather than skips) and unique names.

/// Whether the CI rule applies.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Whether `test` may run (root); skipped with a note otherwise, a failure in CI.
pub fn privileged(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    assert!(!in_ci(), "{test} needs root and CI runs as root");
    eprintln!("note: {test} skipped: it needs root");
    false
}

/// A name no other run uses at the same time (`prefix`, pid, nanoseconds).
pub fn unique(prefix: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{:x}{:x}", std::process::id() & 0xffff, n & 0xfffff)
}
