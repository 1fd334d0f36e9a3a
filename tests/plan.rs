//! `netkit plan` end to end: formats, `-o`, `--keep`, plan JSON as input, exit codes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn netkit() -> Command {
    Command::cargo_bin("netkit").expect("the netkit binary is built")
}

fn inventory(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("inventories")
        .join(name)
}

fn run_ok(args: &[&str]) -> String {
    let out = netkit().args(args).output().expect("netkit runs");
    assert!(
        out.status.success(),
        "netkit {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn json_is_the_spec_plan() {
    let acme = inventory("acme.yaml");
    let text = run_ok(&["plan", acme.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["format"], "netkit-plan/1");
    assert_eq!(v["name"], "acme");
    assert_eq!(v["sites"][0]["prefix"], "10.1.0.0/16");
    let servers = &v["sites"][0]["segments"][1];
    assert_eq!(servers["id"], "hq.servers");
    assert_eq!(servers["prefix"], "10.1.20.0/24");
    assert_eq!(servers["gateway"], "10.1.20.1");
    assert_eq!(servers["gateway_device"], "hq.r1");
    assert_eq!(servers["isolated"], false);
    assert_eq!(v["links"][0]["a"], "hq.r1");
    assert_eq!(v["links"][0]["prefix"], "10.255.0.0/31");
    assert_eq!(v["links"][0]["a_address"], "10.255.0.0");
    assert_eq!(v["links"][0]["b_address"], "10.255.0.1");
    assert_eq!(v["links"][0]["bandwidth_bps"], 100_000_000u64);
    assert_eq!(v["links"][0]["cost"], 10);
    let r1 = &v["devices"][0];
    assert_eq!(r1["id"], "hq.r1");
    assert_eq!(r1["loopback"], "10.254.0.1/32");
    assert_eq!(r1["interfaces"][0]["name"], "eth1");
    assert_eq!(r1["interfaces"][0]["address"], "10.255.0.0/31");
    assert_eq!(r1["interfaces"][0]["link"], 0);
    assert!(r1["interfaces"][0]["segment"].is_null());
    assert!(v["routes"]["hq.r1"].is_array());
    // Same input, same bytes.
    assert_eq!(
        text,
        run_ok(&["plan", acme.to_str().unwrap(), "--format", "json"])
    );
    // No secret is ever expanded.
    assert!(text.contains("${NETKIT_SNMP_COMMUNITY}"));
}

#[test]
fn table_is_the_default_and_readable() {
    let acme = inventory("acme.yaml");
    let text = run_ok(&["plan", acme.to_str().unwrap()]);
    for needle in [
        "Site hq (Paris)",
        "hq.servers",
        "10.1.20.0/24",
        "10.1.20.1",
        "hq.r1 (vlan20)",
        "Links",
        "Routes of hq.r1",
        "Routes of lyon.r1",
    ] {
        assert!(text.contains(needle), "table lacks {needle}:\n{text}");
    }
}

#[test]
fn csv_opens_in_a_spreadsheet() {
    let acme = inventory("acme.yaml");
    let text = run_ok(&["plan", acme.to_str().unwrap(), "--format", "csv"]);
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("type,site,name,vlan,prefix,address,device,interface"));
    let cols = lines[0].split(',').count();
    for l in &lines {
        // No field of acme needs quoting: every row has the header's width.
        assert_eq!(l.split(',').count(), cols, "ragged row {l}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("segment,hq,hq.servers,20,10.1.20.0/24,10.1.20.1,hq.r1,vlan20"))
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("host,hq,hq.servers.fs1,20,10.1.20.0/24,10.1.20.10"))
    );
    assert!(lines.iter().any(|l| l.starts_with(
        "link,hq,link 0,,10.255.0.0/31,10.255.0.0,hq.r1,eth1,lyon.r1,10.255.0.1,eth1"
    )));
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("loopback,hq,hq.r1,,10.254.0.1/32,10.254.0.1"))
    );
    let routes = run_ok(&[
        "plan",
        acme.to_str().unwrap(),
        "--format",
        "csv",
        "--what",
        "routes",
    ]);
    assert!(routes.starts_with("device,destination,next_hop,interface,metric,kind,describes\r\n"));
    assert!(routes.contains("\r\nhq.r1,"));
    // Two tables do not fit in one CSV file.
    netkit()
        .args([
            "plan",
            acme.to_str().unwrap(),
            "--format",
            "csv",
            "--what",
            "all",
        ])
        .assert()
        .code(2);
}

#[test]
fn markdown_has_tables() {
    let acme = inventory("acme.yaml");
    let text = run_ok(&["plan", acme.to_str().unwrap(), "--format", "md"]);
    assert!(text.starts_with("# Addressing plan of acme\n"));
    assert!(text.contains("## Site hq (Paris)"));
    assert!(text.contains("| Segment | VLAN | Prefix | Gateway |"));
    assert!(text.contains("| hq.servers | 20 | 10.1.20.0/24 | 10.1.20.1 |"));
    assert!(text.contains("## Routes of hq.r1"));
}

#[test]
fn output_file_keep_and_plan_input() {
    let dir = tempfile::tempdir().unwrap();
    let acme = inventory("acme.yaml");
    let out = dir.path().join("acme.plan.json");
    let stdout = run_ok(&[
        "plan",
        acme.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(stdout.is_empty());
    let first = std::fs::read_to_string(&out).unwrap();
    // Nothing but the file itself is left in the folder (atomic write).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // A site added first in the file: with --keep, nothing already there moves.
    let yaml = std::fs::read_to_string(&acme).unwrap();
    let grown = yaml
        .replacen(
            "sites:\n",
            "sites:\n  nice:\n    devices: { r1: { kind: router } }\n    segments: { users: { vlan: 10, hosts: 300 } }\n",
            1,
        )
        .replacen("links:\n", "links:\n  - { a: nice.r1, b: hq.r1 }\n", 1);
    let grown_path = dir.path().join("grown.yaml");
    std::fs::write(&grown_path, grown).unwrap();
    let kept = run_ok(&[
        "plan",
        grown_path.to_str().unwrap(),
        "--format",
        "json",
        "--keep",
        out.to_str().unwrap(),
    ]);
    let before: serde_json::Value = serde_json::from_str(&first).unwrap();
    let after: serde_json::Value = serde_json::from_str(&kept).unwrap();
    let site = |v: &serde_json::Value, name: &str| {
        v["sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .cloned()
            .unwrap()
    };
    for name in ["hq", "lyon", "marseille"] {
        assert_eq!(site(&before, name), site(&after, name), "site {name} moved");
    }
    let link = |v: &serde_json::Value, a: &str, b: &str| {
        v["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["a"] == a && l["b"] == b)
            .map(|l| {
                (
                    l["prefix"].clone(),
                    l["a_interface"].clone(),
                    l["b_interface"].clone(),
                )
            })
            .unwrap()
    };
    assert_eq!(
        link(&before, "hq.r1", "lyon.r1"),
        link(&after, "hq.r1", "lyon.r1")
    );
    assert_eq!(
        link(&before, "hq.r1", "hq.fw1"),
        link(&after, "hq.r1", "hq.fw1")
    );
    let lo = |v: &serde_json::Value, id: &str| {
        v["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .map(|d| d["loopback"].clone())
            .unwrap()
    };
    assert_eq!(lo(&before, "lyon.r1"), lo(&after, "lyon.r1"));

    // A plan JSON as input is rendered again.
    let table = run_ok(&["plan", out.to_str().unwrap()]);
    assert!(table.contains("Site hq (Paris)"));
    let again = run_ok(&["plan", out.to_str().unwrap(), "--format", "json"]);
    assert_eq!(again, first);
    netkit()
        .args([
            "plan",
            out.to_str().unwrap(),
            "--keep",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(2);
}

#[test]
fn bad_input_exits_2_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "name: bad\naddressing: { ipv4: 192.168.1.0/24, wan: 10.255.0.0/24, loopbacks: 10.254.0.0/24 }\nsites:\n  a: { devices: { r1: { kind: router } }, segments: { lan: { vlan: 1, hosts: 300 } } }\n",
    )
    .unwrap();
    let out = netkit()
        .args(["plan", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml:4:3"), "{err}");
    assert!(
        err.contains("no space left in addressing.ipv4 192.168.1.0/24 for site a"),
        "{err}"
    );
    assert!(!err.contains("panicked"));

    let garbage = dir.path().join("prev.json");
    std::fs::write(&garbage, "{ not json").unwrap();
    let acme = inventory("acme.yaml");
    let out = netkit()
        .args([
            "plan",
            acme.to_str().unwrap(),
            "--keep",
            garbage.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("prev.json"));

    netkit()
        .args(["plan", dir.path().join("missing.yaml").to_str().unwrap()])
        .assert()
        .code(2);
}

#[test]
fn the_realistic_example_plans() {
    let path = inventory("ferronor.yaml");
    let text = run_ok(&["plan", path.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["sites"].as_array().unwrap().len(), 12);
    assert!(
        v["sites"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["prefix6"].is_string())
    );
}
