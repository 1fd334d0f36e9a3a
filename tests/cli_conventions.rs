//! CLI conventions: completion scripts, the man page generated from the same
//! definitions (and shipped as docs/netkit.1), NO_COLOR, --quiet / --verbose, and a
//! version that names the commit.

mod support;
#[allow(unused_imports)]
use support::*;

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".")
}

#[test]
fn completions_for_bash_zsh_and_fish_name_every_command() {
    for shell in ["bash", "zsh", "fish"] {
        let out = netkit().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for cmd in ["validate", "plan", "verify", "report", "compare", "quiet"] {
            assert!(script.contains(cmd), "{shell} script lacks {cmd}");
        }
    }
    if require("bash") {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("netkit.bash");
        let out = netkit().args(["completions", "bash"]).output().unwrap();
        std::fs::write(&file, &out.stdout).unwrap();
        // The script parses, and once sourced completes `netkit ver` to `verify`.
        let check = Command::new("bash")
            .arg("-c")
            .arg(
                "source \"$1\" && COMP_WORDS=(netkit ver) COMP_CWORD=1 && _netkit netkit ver netkit && printf '%s\\n' \"${COMPREPLY[@]}\"",
            )
            .arg("bash")
            .arg(&file)
            .output()
            .unwrap();
        let words = String::from_utf8_lossy(&check.stdout);
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
        assert!(words.lines().any(|w| w == "verify"), "{words}");
    }
    let out = netkit()
        .args(["completions", "powershell"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_shipped_man_page_is_the_generated_one_and_renders() {
    let out = netkit().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    let shipped = root().join("docs/netkit.1");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&shipped, &page).unwrap();
    }
    let on_disk = std::fs::read_to_string(&shipped).unwrap_or_default();
    assert!(
        on_disk == page,
        "docs/netkit.1 is not what `netkit man` generates: run `UPDATE_EXPECT=1 cargo test --test cli_conventions`"
    );
    if require("man") {
        let out = Command::new("man")
            .arg("-l")
            .arg(&shipped)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for want in [
            "NETKIT VERIFY",
            "--compare",
            "NETKIT COMPLETIONS",
            "EXIT STATUS",
            "NO_COLOR",
        ] {
            assert!(text.contains(want), "rendered page lacks {want}:\n{text}");
        }
        // No roff warnings: the page is well formed.
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("warning"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn no_color_wins_over_forced_colour() {
    let coloured = netkit()
        .args(["verify", "--bogus"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert_eq!(coloured.status.code(), Some(2));
    assert!(
        coloured.stderr.contains(&0x1b),
        "colour was forced, none came"
    );
    for value in ["1", "true"] {
        let plain = netkit()
            .args(["verify", "--bogus"])
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", value)
            .output()
            .unwrap();
        assert_eq!(plain.status.code(), Some(2));
        assert!(!plain.stderr.contains(&0x1b), "{:?}", plain.stderr);
        assert!(String::from_utf8_lossy(&plain.stderr).contains("--bogus"));
    }
}

#[test]
fn quiet_and_verbose() {
    let topo = root().join("inventories/acme.yaml");
    let run = |extra: &[&str]| {
        netkit()
            .arg("verify")
            .arg(&topo)
            .args([
                "--auto", "--target", "live", "--only", "dns", "--format", "json",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let normal = run(&[]);
    assert_eq!(normal.status.code(), Some(1));
    let err = String::from_utf8_lossy(&normal.stderr);
    assert!(err.contains("could not run"), "{err}");
    let n = serde_json::from_slice::<serde_json::Value>(&normal.stdout).unwrap()["results"]
        .as_array()
        .unwrap()
        .len();

    let quiet = run(&["--quiet"]);
    assert_eq!(quiet.status.code(), Some(1));
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
    let q = serde_json::from_slice::<serde_json::Value>(&quiet.stdout).unwrap();
    assert_eq!(
        q["results"].as_array().unwrap().len(),
        n,
        "the output itself stays"
    );

    let verbose = run(&["-v"]);
    assert_eq!(verbose.status.code(), Some(1));
    let err = String::from_utf8_lossy(&verbose.stderr);
    let lines = err.lines().filter(|l| l.starts_with("ERROR dns ")).count();
    assert_eq!(lines, n, "one line per result as it finishes:\n{err}");

    let both = run(&["-q", "-v"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn version_names_the_commit() {
    let out = netkit().arg("--version").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = String::from_utf8(out.stdout).unwrap();
    let v = v.trim();
    let want_prefix = format!("netkit {} (", env!("CARGO_PKG_VERSION"));
    assert!(v.starts_with(&want_prefix) && v.ends_with(')'), "{v}");
    let inner = &v[want_prefix.len()..v.len() - 1];
    let head = Command::new("git")
        .args(["rev-parse", "--short=7", "HEAD"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match head {
        // Built from this checkout: the commit and its date.
        Some(h) => {
            let (commit, date) = inner.split_once(' ').unwrap_or((inner, ""));
            assert_eq!(commit, h, "{v}");
            assert!(
                chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok(),
                "{v}"
            );
        }
        None => assert_eq!(inner, "commit unknown", "{v}"),
    }
}
