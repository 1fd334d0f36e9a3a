//! End-to-end tests of `netkit config`: one file per layer-3 device, from a topology or
//! a plan JSON, secrets only with --show-secrets, exit 2 with one clear sentence on
//! bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn netkit() -> Command {
    let mut cmd = Command::cargo_bin("netkit").expect("the netkit binary is built");
    cmd.env_remove("NETKIT_SNMP_COMMUNITY");
    cmd
}

fn acme() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("inventories/acme.yaml")
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn writes_one_file_per_layer3_device_for_each_target() {
    let dir = tempfile::tempdir().unwrap();
    for (target, expected) in [
        (
            "frr",
            vec![
                "hq.fw1.frr.conf",
                "hq.r1.frr.conf",
                "lyon.r1.frr.conf",
                "marseille.r1.frr.conf",
            ],
        ),
        (
            "ios",
            vec![
                "hq.fw1.ios.cfg",
                "hq.r1.ios.cfg",
                "lyon.r1.ios.cfg",
                "marseille.r1.ios.cfg",
            ],
        ),
        (
            "linux",
            vec![
                "hq.fw1.ip",
                "hq.fw1.nft",
                "hq.r1.ip",
                "hq.r1.nft",
                "lyon.r1.ip",
                "lyon.r1.nft",
                "marseille.r1.ip",
                "marseille.r1.nft",
            ],
        ),
    ] {
        let out = dir.path().join(target).join("nested");
        netkit()
            .args(["config"])
            .arg(acme())
            .args(["--target", target, "-o"])
            .arg(&out)
            .assert()
            .success()
            .stdout(predicate::str::contains("hq.r1"));
        assert_eq!(names(&out), expected, "{target}");
    }
    let frr = std::fs::read_to_string(dir.path().join("frr/nested/lyon.r1.frr.conf")).unwrap();
    assert!(frr.contains("hostname lyon.r1"));
    assert!(frr.contains("ip route 10.1.0.0/16 "), "hq's summary: {frr}");
}

#[test]
fn reads_a_plan_json_too_and_filters_devices() {
    let dir = tempfile::tempdir().unwrap();
    let plan = netkit()
        .arg("plan")
        .arg(acme())
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(plan.status.success());
    let plan_path = dir.path().join("acme.plan.json");
    std::fs::write(&plan_path, &plan.stdout).unwrap();
    let out = dir.path().join("out");
    netkit()
        .arg("config")
        .arg(&plan_path)
        .args(["--target", "linux", "--device", "lyon.r1", "-o"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(names(&out), ["lyon.r1.ip", "lyon.r1.nft"]);
    netkit()
        .arg("config")
        .arg(&plan_path)
        .args(["--target", "frr", "--device", "hq.sw1", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("hq.sw1 is not a layer-3 device"));
}

#[test]
fn secrets_need_show_secrets_and_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hidden");
    netkit()
        .env("NETKIT_SNMP_COMMUNITY", "Zq9-community")
        .arg("config")
        .arg(acme())
        .args(["--target", "ios", "-o"])
        .arg(&out)
        .assert()
        .success();
    let text = std::fs::read_to_string(out.join("hq.r1.ios.cfg")).unwrap();
    assert!(!text.contains("Zq9-community"));
    assert!(text.contains("<hidden"));

    let out = dir.path().join("shown");
    netkit()
        .env("NETKIT_SNMP_COMMUNITY", "Zq9-community")
        .arg("config")
        .arg(acme())
        .args(["--target", "ios", "--show-secrets", "-o"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("Zq9-community").not());
    let text = std::fs::read_to_string(out.join("hq.r1.ios.cfg")).unwrap();
    assert!(text.contains("snmp-server community Zq9-community RO"));

    netkit()
        .arg("config")
        .arg(acme())
        .args(["--target", "ios", "--show-secrets", "-o"])
        .arg(dir.path().join("unset"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("NETKIT_SNMP_COMMUNITY"));
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    netkit()
        .arg("config")
        .arg(acme())
        .args(["--target", "junos", "-o"])
        .arg(dir.path())
        .assert()
        .code(2);
    netkit()
        .arg("config")
        .arg(dir.path().join("missing.yaml"))
        .args(["--target", "frr", "-o"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.yaml"));
    // -o is a file, not a folder.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    netkit()
        .arg("config")
        .arg(acme())
        .args(["--target", "frr", "-o"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a-file"));
}
