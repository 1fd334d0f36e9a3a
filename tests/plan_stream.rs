//! `netkit plan TOPOLOGY --format json` streams its routing tables into the JSON:
//! the bytes are the whole plan's `to_json`, on stdout, with `-o` (atomic) and from
//! a pipe (`/dev/stdin` is read once); a plan JSON input is rendered as before.

use std::path::PathBuf;

use assert_cmd::Command;

fn inventory(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("inventories/{name}.yaml"))
}

fn expected(name: &str) -> String {
    let bytes = std::fs::read(inventory(name)).unwrap();
    let t = netkit_model::parse(&bytes).topology.expect("parses");
    netkit_plan::plan(&t, None).expect("plans").to_json()
}

#[test]
fn streamed_json_is_the_whole_plans_json() {
    for name in ["acme", "ferronor"] {
        let want = expected(name);
        let out = Command::cargo_bin("netkit")
            .unwrap()
            .arg("plan")
            .arg(inventory(name))
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(out.stdout == want.as_bytes(), "{name}: stdout differs");

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plan.json");
        Command::cargo_bin("netkit")
            .unwrap()
            .arg("plan")
            .arg(inventory(name))
            .args(["--format", "json", "-o"])
            .arg(&file)
            .assert()
            .code(0);
        assert!(
            std::fs::read(&file).unwrap() == want.as_bytes(),
            "{name}: -o differs"
        );
        // Only the finished file is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        // A plan JSON given back is rendered to the same bytes.
        let again = Command::cargo_bin("netkit")
            .unwrap()
            .arg("plan")
            .arg(&file)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert!(again.status.success());
        assert!(
            again.stdout == want.as_bytes(),
            "{name}: plan JSON input differs"
        );
    }
}

#[test]
fn streamed_json_from_a_pipe() {
    let text = std::fs::read(inventory("acme")).unwrap();
    let out = Command::cargo_bin("netkit")
        .unwrap()
        .args(["plan", "/dev/stdin", "--format", "json"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout == expected("acme").as_bytes());
}

#[test]
fn an_invalid_topology_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("cut.yaml");
    std::fs::write(
        &t,
        "name: cut\naddressing: { ipv4: 10.0.0.0/8 }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n  b:\n    devices: { r1: { kind: router } }\n",
    )
    .unwrap();
    let file = dir.path().join("plan.json");
    let out = Command::cargo_bin("netkit")
        .unwrap()
        .arg("plan")
        .arg(&t)
        .args(["--format", "json", "-o"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not joined"));
    assert!(!file.exists());
}
