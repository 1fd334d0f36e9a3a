//! End-to-end tests of `netkit validate`: exit 0 when valid, 1 with every problem as
//! `FILE:LINE:COL: error: ...` plus a `hint:` line on stderr, 2 when the file cannot be
//! read.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn netkit() -> Command {
    let mut cmd = Command::cargo_bin("netkit").expect("the netkit binary is built");
    cmd.env_remove("NETKIT_SNMP_COMMUNITY");
    cmd
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".")
}

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = repo().join("crates/netkit-model/test_data").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("model fixtures exist")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

fn write(dir: &tempfile::TempDir, name: &str, text: &[u8]) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("temp file is writable");
    path
}

/// Lines of stderr that report a problem at a position in `file`.
fn located_errors(stderr: &str, file: &str) -> Vec<(u32, u32, String)> {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix(file)?.strip_prefix(':')?;
            let mut parts = rest.splitn(3, ':');
            let line = parts.next()?.parse().ok()?;
            let col = parts.next()?.parse().ok()?;
            let msg = parts.next()?.strip_prefix(" error: ")?;
            Some((line, col, msg.to_string()))
        })
        .collect()
}

#[test]
fn the_bundled_example_is_valid() {
    let acme = repo().join("inventories/acme.yaml");
    netkit()
        .arg("validate")
        .arg(&acme)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("valid"))
        .stderr(predicate::str::contains("error").not());
}

#[test]
fn every_valid_fixture_validates() {
    for path in fixtures("valid") {
        let out = netkit()
            .arg("validate")
            .arg(&path)
            .output()
            .expect("netkit runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_problem_is_reported_at_once_with_position_and_hint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        &dir,
        "broken.yaml",
        b"name: acme
addressing:
  ipv4: 10.0.0.0/8
  p2p_prefix: 29
sites:
  hq:
    devices:
      r1: { kind: router }
    segments:
      users: { vlna: 10, hosts: 0 }
      voice: { vlan: 5000, hosts: 10, prefix: 10.1.0.1/16 }
links:
  - { a: hq.r1, b: lyon.r1 }
",
    );
    let file = path.display().to_string();
    let out = netkit()
        .arg("validate")
        .arg(&path)
        .output()
        .expect("netkit runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let errors = located_errors(&stderr, &file);
    let positions: Vec<(u32, u32)> = errors.iter().map(|(l, c, _)| (*l, *c)).collect();
    assert_eq!(
        positions,
        vec![(4, 15), (10, 16), (10, 33), (11, 22), (11, 47), (13, 20)],
        "{stderr}"
    );
    assert!(errors[1].2.contains("unknown key `vlna`"), "{stderr}");
    assert!(stderr.contains("hint: did you mean `vlan`?"), "{stderr}");
    assert!(stderr.contains("did you mean 10.1.0.0/16?"), "{stderr}");
    assert!(errors[5].2.contains("unknown device `lyon.r1`"), "{stderr}");
    // One hint line after every error line.
    assert_eq!(
        stderr.matches("\n  hint: ").count(),
        errors.len(),
        "{stderr}"
    );
}

#[test]
fn every_invalid_fixture_fails_with_located_diagnostics() {
    for path in fixtures("invalid") {
        let file = path.display().to_string();
        let out = netkit()
            .arg("validate")
            .arg(&path)
            .output()
            .expect("netkit runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(stderr.contains("error: "), "{file}: {stderr}");
        assert!(stderr.contains("  hint: "), "{file}: {stderr}");
        // Problems about the whole file have no position; every other one does.
        let whole_file = ["empty.yaml", "comment_only.yaml"];
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if !whole_file.contains(&name) {
            assert!(
                !located_errors(&stderr, &file).is_empty(),
                "{file}: {stderr}"
            );
        }
    }
}

#[test]
fn secrets_never_appear_in_diagnostics() {
    for name in ["snmp_version.yaml", "snmp_bad.yaml", "snmp_v3.yaml"] {
        let path = repo()
            .join("crates/netkit-model/test_data/invalid")
            .join(name);
        let out = netkit()
            .arg("validate")
            .arg(&path)
            .output()
            .expect("netkit runs");
        assert_eq!(out.status.code(), Some(1));
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("s3cret"), "{name}: {all}");
    }
}

#[test]
fn a_missing_file_exits_2_with_one_sentence() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("nowhere.yaml");
    netkit()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nowhere.yaml"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn a_directory_exits_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    netkit()
        .arg("validate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn hostile_files_end_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bomb = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut prev = 'a';
    for c in "bcdefghij".chars() {
        bomb.push_str(&format!(
            "{c}: &{c} [{}]\n",
            vec![format!("*{prev}"); 9].join(", ")
        ));
        prev = c;
    }
    let deep = format!(
        "name: x\naddressing: {}{}\n",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let junk: Vec<u8> = (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("bomb.yaml", bomb.into_bytes(), "alias"),
        ("deep.yaml", deep.into_bytes(), "recursion"),
        ("junk.yaml", junk, "MB"),
        ("latin1.yaml", b"name: caf\xe9\n".to_vec(), "UTF-8"),
        ("empty.yaml", Vec::new(), "empty"),
        ("list.yaml", b"- a\n- b\n".to_vec(), "list"),
        ("scalar.yaml", b"hello\n".to_vec(), "not a topology"),
    ];
    for (name, bytes, expected) in cases {
        let path = write(&dir, name, &bytes);
        let out = netkit()
            .arg("validate")
            .arg(&path)
            .output()
            .expect("netkit runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

#[test]
fn planner_problems_make_the_topology_invalid() {
    // Parses fine, but 1,000 hosts cannot fit in a /24.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        &dir,
        "full.yaml",
        b"name: small
addressing: { ipv4: 192.168.1.0/24 }
sites:
  hq:
    devices: { r1: { kind: router } }
    segments: { users: { vlan: 10, hosts: 1000 } }
",
    );
    netkit()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error"))
        .stderr(predicate::str::contains("panicked").not());
}

#[test]
fn warnings_are_printed_but_do_not_fail() {
    let path = repo().join("crates/netkit-model/test_data/valid/warnings.yaml");
    netkit()
        .arg("validate")
        .arg(&path)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("valid"))
        .stderr(predicate::str::contains("warning: "))
        .stderr(predicate::str::contains("error").not());
}
