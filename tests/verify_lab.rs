//! `netkit verify` end to end on the real lab of SPEC's acme topology: `netkit lab
//! up` with a unique name (torn down by a Drop guard even when the test fails),
//! the auto checks and the example playbook all pass, fping and dig agree with
//! netkit, then the lab is broken with ordinary tools (a route deleted, a WAN
//! link set down, a service port dropped by nftables, dnsmasq killed by its PID
//! from the lab state) and exactly the dependent checks fail with the right reason.
//! Needs root (skipped with a note when not root, never in CI).

mod support;
#[allow(unused_imports)]
use support::*;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use netkit_results::{CheckResult, Results, Verdict};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".")
}

fn topology() -> PathBuf {
    root().join("inventories/acme.yaml")
}

fn sh(args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The lab, removed when dropped.
struct Lab {
    name: String,
    /// Tears the lab down when the test ends, also when it fails.
    _guard: LabGuard,
}

impl Lab {
    fn up() -> Lab {
        let guard = lab_up(&topology(), "nkv", &[]);
        Lab {
            name: guard.name.clone(),
            _guard: guard,
        }
    }

    fn ns(&self, node: &str) -> String {
        format!("{}.{node}", self.name)
    }

    fn verify(&self, extra: &[&str]) -> (i32, Results) {
        let out = netkit()
            .arg("verify")
            .args(extra)
            .args([
                "--lab",
                &self.name,
                "--format",
                "json",
                "--skip",
                "bandwidth,snmp",
            ])
            .args(["--probe-timeout", "700ms", "--tries", "2"])
            .output()
            .expect("run netkit verify");
        let text = String::from_utf8_lossy(&out.stdout);
        let results = Results::from_json(&text).unwrap_or_else(|e| {
            panic!(
                "not results JSON ({e}): {text}\nstderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), results)
    }

    fn auto(&self) -> (i32, Results) {
        let t = topology();
        self.verify(&[t.to_str().unwrap(), "--auto"])
    }
}

fn show(r: &Results) -> String {
    r.results
        .iter()
        .map(|x| {
            format!(
                "{} {} {} -> {} ({}): {}",
                x.verdict.as_str(),
                x.check,
                x.from.as_deref().unwrap_or("-"),
                x.to.as_deref().unwrap_or("-"),
                x.target.as_deref().unwrap_or("-"),
                x.reason.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a check crosses the border of `site`: exactly one of its ends is in
/// it (a DNS check's `to` is a name, not a place).
fn crosses(r: &CheckResult, site: &str) -> bool {
    let in_site =
        |s: Option<&str>| s.is_some_and(|v| v == site || v.split('.').next() == Some(site));
    let to = if r.check == "dns" {
        None
    } else {
        r.to.as_deref()
    };
    in_site(r.from.as_deref()) != in_site(to)
}

/// Every result fails exactly when `dependent` says so (isolate checks are never
/// dependent: breaking things does not break isolation).
fn assert_exactly(r: &Results, dependent: impl Fn(&CheckResult) -> bool, reason_has: &str) {
    let mut failed_ok = 0;
    for x in &r.results {
        if dependent(x) {
            assert_eq!(x.verdict, Verdict::Fail, "should fail:\n{}", show(r));
            failed_ok += 1;
        } else {
            assert_eq!(x.verdict, Verdict::Pass, "should pass:\n{}", show(r));
        }
    }
    assert!(failed_ok > 0, "nothing failed:\n{}", show(r));
    assert!(
        r.results.iter().filter(|x| dependent(x)).any(|x| x
            .reason
            .as_deref()
            .unwrap_or("")
            .contains(reason_has)),
        "no failure says `{reason_has}`:\n{}",
        show(r)
    );
}

fn plan() -> netkit_plan::Plan {
    let out = netkit()
        .args(["plan"])
        .arg(topology())
        .args(["--format", "json"])
        .output()
        .expect("run netkit plan");
    netkit_plan::Plan::from_json(&String::from_utf8_lossy(&out.stdout)).expect("plan JSON")
}

#[test]
fn verify_on_the_acme_lab() {
    if !can_run_lab("verify_lab") {
        return;
    }
    let plan = plan();
    let lab = Lab::up();

    // 1. The lab as planned: every auto check and the example playbook pass.
    let (code, r) = lab.auto();
    assert_eq!(code, 0, "{}", show(&r));
    assert!(r.all_passed(), "{}", show(&r));
    assert_eq!(r.format, "netkit-results/1");
    assert_eq!(r.target, "lab");
    assert_eq!(r.lab.as_deref(), Some(lab.name.as_str()));
    let kinds: BTreeSet<&str> = r.results.iter().map(|x| x.check.as_str()).collect();
    for k in ["reach", "isolate", "tcp", "dns", "path"] {
        assert!(kinds.contains(k), "no {k} check: {kinds:?}");
    }
    for x in &r.results {
        assert!(!x.start.is_empty() && !x.end.is_empty());
        assert!(x.site.is_some(), "{x:?}");
    }
    // Isolation works both ways: no internal segment opens a connection to the
    // guests (their host stays silent), proven with both controls: the source
    // reaches its gateway, and the guest host answers its own gateway.
    for s in INTERNAL {
        let x = inbound_isolate(&r, s);
        assert_eq!(x.verdict, Verdict::Pass, "{}", show(&r));
        assert!(x.measured["control"].is_string(), "{x:?}");
        assert!(
            x.measured["target_control"]
                .as_str()
                .is_some_and(|t| t.contains("answers ping from its gateway hq.r1")),
            "{x:?}"
        );
        assert_eq!(
            x.target.as_deref(),
            Some(
                plan.segment("hq.guests")
                    .unwrap()
                    .test_host()
                    .to_string()
                    .as_str()
            )
        );
    }
    let example = root().join("playbooks/acme-recette.yaml");
    let (code, pr) = lab.verify(&[example.to_str().unwrap()]);
    assert_eq!(code, 0, "{}", show(&pr));
    assert_eq!(pr.playbook, "Recette réseau Acme");
    assert_eq!(pr.deadline.as_deref(), Some("2026-12-01T18:00:00Z"));

    // 2. The reference tools agree. fping from hq.users reaches exactly what
    // netkit's reach checks reached (isolate targets included in the sweep).
    let from = "hq.users";
    let swept: Vec<&CheckResult> = r
        .results
        .iter()
        .filter(|x| x.from.as_deref() == Some(from) && (x.check == "reach" || x.check == "isolate"))
        .collect();
    let targets: Vec<String> = swept.iter().filter_map(|x| x.target.clone()).collect();
    let ours: BTreeSet<String> = swept
        .iter()
        .filter(|x| x.check == "reach" && x.verdict == Verdict::Pass)
        .filter_map(|x| x.target.clone())
        .collect();
    let ns = lab.ns(from);
    let mut args = vec!["netns", "exec", &ns, "fping", "-a", "-r", "1", "-t", "700"];
    args.extend(targets.iter().map(String::as_str));
    let out = Command::new("ip").args(&args).output().expect("fping");
    let fping: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(fping, ours);
    // dig, from the same source and server, reads what the DNS checks read.
    let server = plan
        .dns
        .as_ref()
        .expect("acme has dns")
        .server_address
        .to_string();
    for x in r.results.iter().filter(|x| x.check == "dns") {
        let ns = lab.ns(x.from.as_deref().unwrap());
        let name = x.to.as_deref().unwrap();
        let dig = sh(&[
            "ip",
            "netns",
            "exec",
            &ns,
            "dig",
            "+short",
            "+tries=2",
            "+time=1",
            &format!("@{server}"),
            name,
            "A",
        ]);
        let dig: BTreeSet<String> = dig.lines().map(str::to_owned).collect();
        let read: BTreeSet<String> = x.measured["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a.as_str())
            .filter(|a| !a.contains(':'))
            .map(str::to_owned)
            .collect();
        assert_eq!(dig, read, "{name}");
    }

    // 3. hq.r1 loses its routes toward lyon: every check that involves lyon
    // fails (requests or replies cross hq.r1), the others pass.
    let lyon_link = plan
        .links
        .iter()
        .find(|l| (l.a == "hq.r1" && l.b == "lyon.r1") || (l.a == "lyon.r1" && l.b == "hq.r1"))
        .expect("hq.r1 - lyon.r1 link");
    let toward_lyon: Vec<&netkit_plan::Route> = plan.routes["hq.r1"]
        .iter()
        .filter(|rt| {
            rt.destination.addr().is_ipv4()
                && rt.kind != netkit_plan::RouteKind::Connected
                && rt.kind != netkit_plan::RouteKind::Default
                && rt.destination.prefix_len() > 0
                && rt.next_hop
                    == Some(
                        if lyon_link.a == "lyon.r1" {
                            lyon_link.a_address
                        } else {
                            lyon_link.b_address
                        }
                        .into(),
                    )
        })
        .collect();
    assert!(!toward_lyon.is_empty());
    let hq = lab.ns("hq.r1");
    for rt in &toward_lyon {
        sh(&["ip", "-n", &hq, "route", "del", &rt.destination.to_string()]);
    }
    let (code, r) = lab.auto();
    assert_eq!(code, 1);
    assert_exactly(
        &r,
        |x| x.check != "isolate" && crosses(x, "lyon"),
        "hq.r1 sends it out of",
    );
    for rt in &toward_lyon {
        let nh = rt.next_hop.unwrap().to_string();
        sh(&[
            "ip",
            "-n",
            &hq,
            "route",
            "replace",
            &rt.destination.to_string(),
            "via",
            &nh,
            "dev",
            &rt.interface,
        ]);
    }

    // 4. The WAN link hq.r1 - marseille.r1 down at hq.r1's end: every check that
    // involves marseille fails, saying which interface is down.
    let m = plan
        .links
        .iter()
        .find(|l| {
            (l.a == "hq.r1" && l.b == "marseille.r1") || (l.a == "marseille.r1" && l.b == "hq.r1")
        })
        .expect("hq.r1 - marseille.r1 link");
    let ifname = if m.a == "hq.r1" {
        &m.a_interface
    } else {
        &m.b_interface
    };
    sh(&["ip", "-n", &hq, "link", "set", ifname, "down"]);
    let (code, r) = lab.auto();
    assert_eq!(code, 1);
    assert_exactly(
        &r,
        |x| x.check != "isolate" && crosses(x, "marseille"),
        &format!("hq.r1's interface {ifname} toward marseille.r1 is down"),
    );
    sh(&["ip", "-n", &hq, "link", "set", ifname, "up"]);
    // Setting the link down removed hq.r1's routes through it: put them back.
    for rt in plan.routes["hq.r1"]
        .iter()
        .filter(|rt| &rt.interface == ifname && rt.next_hop.is_some())
    {
        let fam = if rt.destination.addr().is_ipv4() {
            "-4"
        } else {
            "-6"
        };
        let nh = rt.next_hop.unwrap().to_string();
        let _ = Command::new("ip")
            .args([
                fam,
                "-n",
                &hq,
                "route",
                "replace",
                &rt.destination.to_string(),
                "via",
                &nh,
                "dev",
                ifname,
            ])
            .status();
    }
    std::thread::sleep(std::time::Duration::from_millis(500));

    // 5. The file server's port dropped by nftables on the server: only the tcp
    // checks on that port fail, saying a filter drops it.
    let fs1 = lab.ns("hq.servers.fs1");
    sh(&[
        "ip",
        "netns",
        "exec",
        &fs1,
        "nft",
        "add table inet nkvbrk; add chain inet nkvbrk in { type filter hook input priority -10; }; add rule inet nkvbrk in tcp dport 445 drop",
    ]);
    let (code, r) = lab.auto();
    assert_eq!(code, 1);
    assert_exactly(
        &r,
        |x| x.check == "tcp" && x.target.as_deref().is_some_and(|t| t.ends_with(":445")),
        "a filter drops the port",
    );
    sh(&[
        "ip",
        "netns",
        "exec",
        &fs1,
        "nft",
        "delete table inet nkvbrk",
    ]);

    // 6. dnsmasq killed by its PID from the lab state: only the DNS checks fail.
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("/run/netkit/labs/{}/state.json", lab.name))
            .expect("lab state"),
    )
    .expect("lab state JSON");
    let pid = state["processes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["program"] == "dnsmasq")
        .and_then(|p| p["pid"].as_u64())
        .expect("dnsmasq in the lab state");
    sh(&["kill", &pid.to_string()]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (code, r) = lab.auto();
    assert_eq!(code, 1);
    assert_exactly(&r, |x| x.check == "dns", "the DNS service is not running");

    // 7. hq.r1's filters removed: the guests answer everyone, and every inbound
    // isolate check fails, naming the plan's rule (the checks can fail).
    let nft_file = format!("/run/netkit/labs/{}/nftables/hq.r1.nft", lab.name);
    sh(&[
        "ip",
        "netns",
        "exec",
        &hq,
        "nft",
        "delete table inet netkit",
    ]);
    let (code, r) = lab.auto();
    assert_eq!(code, 1);
    for s in INTERNAL {
        let x = inbound_isolate(&r, s);
        assert_eq!(x.verdict, Verdict::Fail, "{}", show(&r));
        assert!(
            x.reason
                .as_deref()
                .is_some_and(|m| m.contains("no internal prefix opens a connection to it")),
            "{x:?}"
        );
    }
    sh(&["ip", "netns", "exec", &hq, "nft", "-f", &nft_file]);
}

/// acme's internal segments: none of them may open a connection to hq.guests.
const INTERNAL: [&str; 5] = [
    "hq.users",
    "hq.servers",
    "lyon.users",
    "marseille.users",
    "marseille.voice",
];

/// The derived isolate check from `from` toward the isolated hq.guests.
fn inbound_isolate<'a>(r: &'a Results, from: &str) -> &'a CheckResult {
    r.results
        .iter()
        .find(|x| {
            x.check == "isolate"
                && x.from.as_deref() == Some(from)
                && x.to.as_deref() == Some("hq.guests")
        })
        .unwrap_or_else(|| panic!("no isolate check {from} -> hq.guests:\n{}", show(r)))
}
