//! Names the commit in `netkit --version`: `netkit 0.1.0 (c884179 2026-12-02)`, the
//! commit the binary was built from (uncommitted changes are not flagged: build scripts
//! rerun when HEAD moves, not on every edit, so such a flag could lie). Without git (a source tarball, a machine
//! without the program) the version reads `netkit 0.1.0 (commit unknown)`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    let commit = git(&["rev-parse", "--short=7", "HEAD"]);
    let date = git(&["log", "-1", "--format=%cs"]);
    let text = match (commit, date) {
        (Some(c), Some(d)) => format!("{c} {d}"),
        (Some(c), None) => c,
        _ => "commit unknown".to_string(),
    };
    println!("cargo:rustc-env=NETKIT_COMMIT={text}");

    // Rebuild when HEAD moves: HEAD itself, the branch it names, and packed refs (in a
    // worktree these live in the common git folder).
    let git_dir = git(&["rev-parse", "--absolute-git-dir"]).map(PathBuf::from);
    let common =
        git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]).map(PathBuf::from);
    if let Some(dir) = &git_dir {
        let head = dir.join("HEAD");
        let branch = std::fs::read_to_string(&head).ok();
        let base: &Path = common.as_deref().unwrap_or(dir);
        let mut watch = vec![head.clone(), base.join("packed-refs")];
        if let Some(r) = branch
            .as_deref()
            .and_then(|b| b.trim().strip_prefix("ref: "))
        {
            watch.push(base.join(r));
        }
        // A path that does not exist would make cargo rerun this script on every build.
        for w in watch.iter().filter(|w| w.exists()) {
            println!("cargo:rerun-if-changed={}", w.display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
