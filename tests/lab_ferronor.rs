//! End to end on the larger example, `inventories/ferronor.yaml` (12 sites, OSPF, dual
//! stack, isolated guest segments, a DNS server that also declares port 53 as a
//! service): `lab up` builds it, every check `verify --auto` derives passes (bandwidth
//! left out: one TCP test per WAN link would take minutes), and `lab down` leaves no
//! namespace. Needs root; CI runs it as root and must not skip it.

mod support;
#[allow(unused_imports)]
use support::*;

use std::path::PathBuf;

use serde_json::Value;

fn ferronor() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("inventories/ferronor.yaml")
}

#[test]
fn ferronor_lab_passes_its_auto_checks() {
    if !can_run_lab("lab_ferronor") {
        return;
    }
    let lab = unique_lab_name("f");
    let guard = LabGuard::new(lab.clone());

    netkit()
        .args(["lab", "up"])
        .arg(ferronor())
        .args(["--name", &lab])
        .assert()
        .success();

    let out = netkit()
        .arg("verify")
        .arg(ferronor())
        .args([
            "--auto",
            "--lab",
            &lab,
            "--skip",
            "bandwidth",
            "--format",
            "json",
        ])
        .output()
        .expect("verify runs");
    let results: Value = serde_json::from_slice(&out.stdout).expect("results JSON");
    let all = results["results"].as_array().expect("results list");
    let bad: Vec<String> = all
        .iter()
        .filter(|r| r["verdict"] != "pass")
        .map(|r| {
            format!(
                "{} {} -> {}: {}",
                r["check"], r["from"], r["to"], r["reason"]
            )
        })
        .collect();
    assert!(all.len() > 1000, "only {} checks derived", all.len());
    assert!(
        bad.is_empty(),
        "{} checks did not pass:\n{}",
        bad.len(),
        bad.join("\n")
    );
    assert_eq!(out.status.code(), Some(0));
    // The isolated guest segments really cannot reach the datacenter's servers.
    assert!(
        all.iter().any(|r| r["check"] == "isolate"
            && r["from"].as_str().is_some_and(|f| f.ends_with(".guests"))),
        "no isolation check derived for the guest segments"
    );

    // The service levels written on two links (the dark fibre, the 4G backup) ran as
    // latency checks across those links, with their figures.
    let latency: Vec<&Value> = all.iter().filter(|r| r["check"] == "latency").collect();
    assert_eq!(latency.len(), 2, "{latency:#?}");
    for r in &latency {
        assert_eq!(r["measured"]["sent"], 20, "{r}");
        assert!(r["measured"]["rtt_avg_ms"].as_f64().is_some(), "{r}");
    }
    assert_eq!(latency[0]["from"], "hq.r1");
    assert_eq!(latency[0]["expected"]["max_rtt_ms"], 20.0);
    assert_eq!(latency[1]["from"], "paris.r1");

    drop(guard);
    assert!(lab_namespaces(&lab).is_empty(), "lab down left namespaces");
}
