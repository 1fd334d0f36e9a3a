//! `netkit snmp --check` and `netkit verify --auto` on the real lab of
//! `inventories/acme.yaml` (snmpd in every router namespace, configured by
//! `netkit lab up`): clean, then a route deleted by hand is reported, alone.
//! The lab's agent caches its route table for up to 60 s (net-snmp default), so
//! the drift is polled for up to 90 s.

mod support;
#[allow(unused_imports)]
use support::*;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const COMMUNITY: &str = "Lab-distinctive-Comm-6620";

fn topology() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("inventories/acme.yaml")
}

fn netkit(args: &[&str], with_env: bool) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netkit"));
    c.args(args).env_remove("NETKIT_SNMP_COMMUNITY");
    if with_env {
        c.env("NETKIT_SNMP_COMMUNITY", COMMUNITY);
    }
    let out = c.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains(COMMUNITY), "community printed:\n{text}");
    out
}

#[test]
fn lab_routers_match_the_plan_until_a_route_is_deleted() {
    if !can_run_lab("snmp_lab") {
        return;
    }
    let lab = unique_lab_name("nks");
    let topo = topology().display().to_string();
    let up = netkit(&["lab", "up", &topo, "--name", &lab], true);
    let _guard = LabGuard::new(lab.clone());
    assert!(
        up.status.success(),
        "lab up: {}",
        String::from_utf8_lossy(&up.stderr)
    );

    // Every router matches the plan (the agents may need a few seconds after start).
    // The community comes from the lab's stored secrets: no variable set here.
    for dev in ["hq.r1", "hq.fw1", "lyon.r1", "marseille.r1"] {
        let start = Instant::now();
        loop {
            let o = netkit(
                &["snmp", dev, "--topology", &topo, "--lab", &lab, "--check"],
                false,
            );
            let out = String::from_utf8_lossy(&o.stdout).into_owned();
            if o.status.code() == Some(0) {
                assert!(out.contains("matches the plan"), "{out}");
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{dev}: {out}{}",
                String::from_utf8_lossy(&o.stderr)
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    // verify --auto: one pass per router and expectation.
    let o = netkit(
        &["verify", &topo, "--auto", "--lab", &lab, "--format", "json"],
        true,
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    let snmp: Vec<&serde_json::Value> = v["results"]
        .as_array()
        .map(|a| a.iter().filter(|r| r["check"] == "snmp").collect())
        .unwrap_or_default();
    assert_eq!(snmp.len(), 12, "{}", String::from_utf8_lossy(&o.stdout));
    assert!(snmp.iter().all(|r| r["verdict"] == "pass"), "{snmp:#?}");

    // Drift: a route deleted by hand on lyon.r1.
    let ns = format!("{lab}.lyon.r1");
    let routes = Command::new("ip")
        .args(["-n", &ns, "-4", "route", "show", "proto", "static"])
        .output()
        .unwrap();
    let routes = String::from_utf8_lossy(&routes.stdout).into_owned();
    let victim = routes
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .find(|d| d.contains('/') && *d != "default")
        .unwrap_or_else(|| panic!("a static prefix route in {routes}"))
        .to_string();
    let st = Command::new("ip")
        .args(["-n", &ns, "route", "del", &victim])
        .status()
        .unwrap();
    assert!(st.success());
    let start = Instant::now();
    loop {
        let o = netkit(
            &[
                "snmp",
                "lyon.r1",
                "--topology",
                &topo,
                "--lab",
                &lab,
                "--check",
                "--format",
                "json",
            ],
            true,
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
        let diffs = v["drift"]["differences"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !diffs.is_empty() {
            assert_eq!(o.status.code(), Some(1));
            assert_eq!(diffs.len(), 1, "{diffs:#?}");
            assert_eq!(diffs[0]["kind"], "route-missing");
            assert_eq!(diffs[0]["subject"], victim.as_str());
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "drift of {victim} not seen"
        );
        std::thread::sleep(Duration::from_secs(2));
    }
}
