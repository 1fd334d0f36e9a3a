//! `netkit verify` without a lab: exit codes, located playbook errors, the live
//! target's honest "needs an agent" errors, JSON and JUnit output. No root needed.

use std::path::{Path, PathBuf};
use std::process::Command;

use netkit_results::{Results, Verdict};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".")
}

fn netkit() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("netkit"))
}

#[test]
fn bad_playbook_is_exit_2_with_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    let pb = dir.path().join("bad.yaml");
    let topo = root().join("inventories/acme.yaml");
    std::fs::write(
        &pb,
        format!(
            "name: bad\ntopology: {}\nchecks:\n  - reach: {{ from: hq.users, to: lyon.users }}\n  - pingg: {{ from: hq.users }}\n",
            topo.display()
        ),
    )
    .unwrap();
    let out = netkit().arg("verify").arg(&pb).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml:5:"), "{err}");
    assert!(err.contains("pingg"), "{err}");
    assert!(err.contains("hint:"), "{err}");

    // Unknown ids are located too.
    std::fs::write(
        &pb,
        format!(
            "name: bad\ntopology: {}\nchecks:\n  - reach: {{ from: hq.userz, to: lyon.users }}\n",
            topo.display()
        ),
    )
    .unwrap();
    let out = netkit().arg("verify").arg(&pb).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml:4:"), "{err}");
    assert!(err.contains("hq.userz"), "{err}");
}

#[test]
fn topology_without_auto_and_missing_lab_are_exit_2() {
    let topo = root().join("inventories/acme.yaml");
    let out = netkit().arg("verify").arg(&topo).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--auto"));

    let out = netkit()
        .arg("verify")
        .arg(&topo)
        .args(["--auto", "--lab", "nkt-no-such-lab"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("netkit lab up"), "{err}");
    assert!(err.contains("--name nkt-no-such-lab"), "{err}");
}

#[test]
fn live_target_reports_missing_agents_as_errors() {
    let topo = root().join("inventories/acme.yaml");
    let out = netkit()
        .arg("verify")
        .arg(&topo)
        .args([
            "--auto",
            "--target",
            "live",
            "--format",
            "json",
            "--skip",
            "bandwidth,snmp",
        ])
        .output()
        .unwrap();
    // This machine is in none of acme's segments: every check is an error.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = Results::from_json(&String::from_utf8_lossy(&out.stdout)).unwrap();
    assert_eq!(r.format, "netkit-results/1");
    assert_eq!(r.target, "live");
    assert!(!r.results.is_empty());
    for x in &r.results {
        assert_eq!(x.verdict, Verdict::Error, "{x:?}");
        let site = x.site.clone().unwrap();
        assert!(
            x.reason
                .as_deref()
                .unwrap()
                .starts_with(&format!("needs an agent at {site}")),
            "{x:?}"
        );
    }

    // The same run as JUnit XML, to a file written atomically.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junit.xml");
    let out = netkit()
        .arg("verify")
        .arg(&topo)
        .args([
            "--auto", "--target", "live", "--format", "junit", "--only", "reach", "-o",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(&file).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    let cases = xml.matches("<testcase ").count();
    let errors = xml.matches("<error ").count();
    assert!(cases > 0 && cases == errors, "{xml}");
    assert!(xml.contains("needs an agent at hq"), "{xml}");
    // Plain lines in a pipe.
    let out = netkit()
        .arg("verify")
        .arg(&topo)
        .args(["--auto", "--target", "live", "--only", "dns"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().next().unwrap().starts_with("ERROR dns "),
        "{text}"
    );
    assert!(text.contains("could not run"), "{text}");
}
