//! End-to-end test of the access layer in the lab (SPEC "Switches, patching and
//! Wi-Fi"): the SPEC's hq (cascaded switches sw1 -> sw2, an access point on each, a
//! rack) plus a second site, built for real in namespaces. The kernel is the oracle
//! for the build (`ip -j link`: ports, bridges, masters; `ping` across the switches),
//! then `verify --auto` must pass; with one trunk veth down (hq.sw1 -> hq.sw2,
//! VLAN 10) exactly the checks of the host below it must fail, and `lab status` must
//! name that veth alone as down. The summaries of `lab up` and `lab status` count the
//! switches and access points. `lab down` must leave no namespace and no process. A
//! second lab has two switches on one gateway VLAN (the gateway bridges them).
//! Needs root; never skipped in CI.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command as StdCommand;
use std::time::Duration;

use netkit_plan::Plan;
use netkit_results::{Results, Verdict};
use serde_json::Value;
use support::{LabGuard, can_run_lab, lab_namespaces, netkit, unique_lab_name};

fn topology() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("crates/netkit-lab/test_data/access_lab.yaml")
}

fn cmd() -> assert_cmd::Command {
    netkit()
}

/// `ip -j link show` in namespace `ns`: name -> (master, up).
fn links(ns: &str) -> Vec<(String, Option<String>, bool)> {
    let out = StdCommand::new("ip")
        .args(["-n", ns, "-j", "link", "show"])
        .output()
        .expect("ip link runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("ip -j link is JSON");
    v.as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let flags: Vec<&str> = l["flags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            (
                l["ifname"].as_str().unwrap_or_default().to_string(),
                l["master"].as_str().map(String::from),
                flags.contains(&"UP") && flags.contains(&"LOWER_UP"),
            )
        })
        .collect()
}

/// Whether process `pid` has ended (no longer there, or a zombie waiting for its
/// new parent to reap it), within 5 s.
fn gone(pid: u64) -> bool {
    for _ in 0..50 {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(s)
                if s.rsplit(')')
                    .next()
                    .is_some_and(|r| r.trim_start().starts_with('Z')) =>
            {
                return true;
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    false
}

fn ping(ns: &str, addr: &str) -> bool {
    StdCommand::new("ip")
        .args(["netns", "exec", ns, "ping", "-c1", "-W1", addr])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn verify(lab: &str) -> (Option<i32>, Results) {
    verify_topology(&topology(), lab)
}

/// `verify --auto` of `topology` on `lab` (no bandwidth, no SNMP): exit code, results.
fn verify_topology(topology: &std::path::Path, lab: &str) -> (Option<i32>, Results) {
    let out = cmd()
        .arg("verify")
        .arg(topology)
        .args(["--auto", "--lab", lab, "--skip", "bandwidth,snmp"])
        .args([
            "--format",
            "json",
            "--probe-timeout",
            "700ms",
            "--tries",
            "2",
        ])
        .output()
        .expect("verify runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let r = Results::from_json(&text).unwrap_or_else(|e| {
        panic!(
            "not results JSON ({e}): {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code(), r)
}

fn show(r: &Results) -> String {
    r.results
        .iter()
        .map(|x| {
            format!(
                "{} {} {} -> {}: {}",
                x.verdict.as_str(),
                x.check,
                x.from.as_deref().unwrap_or("-"),
                x.to.as_deref().unwrap_or("-"),
                x.reason.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn access_layer_lab_crosses_the_switches_and_a_trunk_down_fails_exactly_below_it() {
    if !can_run_lab("lab_access") {
        return;
    }
    let lab = unique_lab_name("a");
    let guard = LabGuard::new(&lab);
    // A random passphrase: it must appear in no output and no file of the lab.
    let secret = format!("pw-{}", unique_lab_name("x"));

    let up = cmd()
        .env("NETKIT_WIFI_GUESTS", &secret)
        .args(["lab", "up"])
        .arg(topology())
        .args(["--name", &lab])
        .output()
        .expect("lab up runs");
    let up_text = format!(
        "{}{}",
        String::from_utf8_lossy(&up.stdout),
        String::from_utf8_lossy(&up.stderr)
    );
    assert!(up.status.success(), "lab up failed: {up_text}");
    let plan_text = std::fs::read_to_string(format!("/run/netkit/labs/{lab}/plan.json"))
        .expect("the lab keeps its plan");
    let plan = Plan::from_json(&plan_text).expect("plan.json parses");
    let ns = |node: &str| format!("{lab}.{node}");

    // The summary counts the switches and access points among the namespaces:
    // hq.sw1, hq.sw2, lyon.sw1; hq.ap1, hq.ap2, lyon.ap1; the wireless clients
    // hq.guests, hq.staff.wifi-ap1, lyon.users.wifi-ap1.
    assert_eq!((plan.layer2.switches.len(), plan.layer2.wifi.len()), (3, 3));
    let inventory =
        "16 namespaces (2 routers, 3 switches, 3 access points, 5 hosts, 3 wireless clients)";
    let stdout = String::from_utf8_lossy(&up.stdout);
    assert!(
        stdout.contains(&format!("lab {lab} up (static routing): {inventory}, ")),
        "{stdout}"
    );

    // Every switch: a bridge per VLAN it carries, every trunk VLAN a port of that
    // bridge named after its port and VLAN, up.
    for sw in &plan.layer2.switches {
        let have = links(&ns(&sw.id));
        for p in &sw.ports {
            if p.role == netkit_plan::PortRole::Access {
                continue;
            }
            for v in p.vlan_list() {
                let name = format!("p{}v{v}", p.port);
                let bridge = format!("vlan{v}");
                assert!(
                    have.iter()
                        .any(|(n, m, up)| *n == name && m.as_deref() == Some(&bridge) && *up),
                    "{}: no {name} up on {bridge}: {have:?}",
                    sw.id
                );
            }
        }
    }
    // The access point bridges its SSIDs' VLANs; its clients hang off them.
    let ap1 = links(&ns("hq.ap1"));
    for v in [11u16, 99] {
        for name in [format!("lanv{v}"), format!("wlan{v}")] {
            assert!(
                ap1.iter().any(|(n, m, up)| *n == name
                    && m.as_deref() == Some(&format!("vlan{v}"))
                    && *up),
                "hq.ap1: no {name} on vlan{v}: {ap1:?}"
            );
        }
    }
    // The kernel forwards across the switches: hosts reach their gateways.
    for (node, seg) in [
        ("hq.users", "hq.users"),
        ("hq.staff", "hq.staff"),
        ("hq.staff.wifi-ap1", "hq.staff"),
        ("hq.guests", "hq.guests"),
        ("lyon.users.wifi-ap1", "lyon.users"),
    ] {
        let gw = plan.segment(seg).expect("segment").gateway.to_string();
        assert!(
            ping(&ns(node), &gw),
            "{node} does not reach its gateway {gw}"
        );
    }

    // `lab status` shows the switches and access points.
    let st = cmd()
        .args(["lab", "status", "--name", &lab, "--format", "json"])
        .output()
        .expect("lab status runs");
    assert_eq!(
        st.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let status: Value = serde_json::from_slice(&st.stdout).expect("status JSON");
    assert_eq!(
        status["counts"],
        serde_json::json!({ "routers": 2, "switches": 3, "access_points": 3,
                            "hosts": 5, "wireless_clients": 3 })
    );
    let table = cmd()
        .args(["lab", "status", "--name", &lab])
        .output()
        .expect("lab status runs");
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains(&format!("{inventory}, ")), "{table}");
    let kinds: BTreeSet<(String, String)> = status["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| {
            (
                n["node"].as_str().unwrap_or_default().to_string(),
                n["kind"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for want in [
        ("hq.sw1", "switch"),
        ("hq.sw2", "switch"),
        ("lyon.sw1", "switch"),
        ("hq.ap1", "access-point"),
        ("hq.ap2", "access-point"),
        ("hq.guests", "wireless-client"),
        ("hq.staff.wifi-ap1", "wireless-client"),
    ] {
        assert!(
            kinds.contains(&(want.0.to_string(), want.1.to_string())),
            "{want:?} not in {kinds:?}"
        );
    }
    let pids: Vec<u64> = status["processes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["pid"].as_u64())
        .collect();

    // verify --auto crosses the switches and passes, wireless clients included.
    let (code, r) = verify(&lab);
    assert!(
        r.results.iter().all(|x| x.verdict == Verdict::Pass),
        "{}",
        show(&r)
    );
    assert_eq!(code, Some(0));
    for from in ["hq.staff.wifi-ap1", "lyon.users.wifi-ap1", "hq.guests"] {
        assert!(
            r.results.iter().any(|x| x.from.as_deref() == Some(from)),
            "no check from {from}:\n{}",
            show(&r)
        );
    }
    // Isolation of the Wi-Fi guests both ways.
    assert!(
        r.results
            .iter()
            .any(|x| x.check == "isolate" && x.from.as_deref() == Some("hq.guests"))
    );
    assert!(
        r.results
            .iter()
            .any(|x| x.check == "isolate" && x.to.as_deref() == Some("hq.guests"))
    );

    // Take the VLAN 10 veth of the sw1 -> sw2 trunk down: hq.users, the only host
    // below it, loses the network; everything else still passes.
    let down_port = plan
        .layer2
        .switch("hq.sw1")
        .and_then(|s| s.ports.iter().find(|p| p.to.as_deref() == Some("hq.sw2")))
        .expect("sw1 has a trunk to sw2")
        .port;
    let ok = StdCommand::new("ip")
        .args(["-n", &ns("hq.sw1"), "link", "set"])
        .arg(format!("p{down_port}v10"))
        .arg("down")
        .status()
        .expect("ip link set runs");
    assert!(ok.success());
    let (code, r) = verify(&lab);
    let below = |x: &netkit_results::CheckResult| x.from.as_deref() == Some("hq.users");
    let mut failed = 0;
    for x in &r.results {
        if below(x) {
            assert_ne!(x.verdict, Verdict::Pass, "should not pass:\n{}", show(&r));
            failed += 1;
        } else {
            assert_eq!(x.verdict, Verdict::Pass, "should pass:\n{}", show(&r));
        }
    }
    assert!(
        failed >= 5,
        "only {failed} checks below the trunk:\n{}",
        show(&r)
    );
    assert_eq!(code, Some(1));
    // `lab status` says which trunk VLAN is down, and only that one.
    let st = cmd()
        .args(["lab", "status", "--name", &lab, "--format", "json"])
        .output()
        .expect("lab status runs");
    assert_eq!(
        st.status.code(),
        Some(1),
        "not healthy with a trunk VLAN down"
    );
    let status: Value = serde_json::from_slice(&st.stdout).expect("status JSON");
    let down: Vec<(&str, &str)> = status["links"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|l| l["up"] == Value::Bool(false))
        .map(|l| {
            (
                l["a"].as_str().unwrap_or_default(),
                l["a_interface"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let port = format!("p{down_port}v10");
    assert_eq!(down, [("hq.sw1", port.as_str())], "{down:?}");

    // The passphrase is nowhere: not in what up printed, not in the lab's files.
    assert!(!up_text.contains(&secret));
    let state_dir = format!("/run/netkit/labs/{lab}");
    let grep = StdCommand::new("grep")
        .args(["-rlF", &secret, &state_dir])
        .output()
        .expect("grep runs");
    assert!(
        grep.stdout.is_empty(),
        "passphrase found in {}",
        String::from_utf8_lossy(&grep.stdout)
    );

    drop(guard);
    assert!(lab_namespaces(&lab).is_empty(), "lab down left namespaces");
    for pid in pids {
        assert!(gone(pid), "process {pid} survived lab down");
    }
    assert!(!std::path::Path::new(&state_dir).exists());
}

/// Two switches uplink to hq.r1 with VLAN 10 (`test_data/two_roots_lab.yaml`): the
/// gateway bridges them under the plan's interface name, so the wired test host on
/// sw1 and the wireless client behind sw2's access point reach the gateway and each
/// other across that bridge (the kernel says so), `verify --auto` passes, and
/// `lab down` leaves nothing.
#[test]
fn two_switches_on_one_gateway_vlan_meet_on_its_bridge() {
    if !can_run_lab("lab_access two roots") {
        return;
    }
    let topology = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("crates/netkit-lab/test_data/two_roots_lab.yaml");
    let lab = unique_lab_name("b");
    let guard = LabGuard::new(&lab);
    let up = cmd()
        .args(["lab", "up"])
        .arg(&topology)
        .args(["--name", &lab])
        .output()
        .expect("lab up runs");
    let stdout = String::from_utf8_lossy(&up.stdout);
    assert!(
        up.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&up.stderr)
    );
    assert!(
        stdout.contains(
            "6 namespaces (1 router, 2 switches, 1 access point, 1 host, 1 wireless client), 5 veth pairs, 0 processes"
        ),
        "{stdout}"
    );
    let plan_text = std::fs::read_to_string(format!("/run/netkit/labs/{lab}/plan.json"))
        .expect("the lab keeps its plan");
    let plan = Plan::from_json(&plan_text).expect("plan.json parses");
    let users = plan.segment("hq.users").expect("hq.users");
    let ns = |node: &str| format!("{lab}.{node}");
    // hq.r1's segment interface is a bridge whose ports go to both switches.
    let r1 = links(&ns("hq.r1"));
    let ports: Vec<&String> = r1
        .iter()
        .filter(|(_, m, up)| m.as_deref() == Some(users.interface.as_str()) && *up)
        .map(|(n, _, _)| n)
        .collect();
    assert_eq!(ports.len(), 2, "{r1:?}");
    for sw in ["hq.sw1", "hq.sw2"] {
        let have = links(&ns(sw));
        assert!(
            have.iter()
                .any(|(n, m, up)| n == "p1v10" && m.as_deref() == Some("vlan10") && *up),
            "{sw}: {have:?}"
        );
    }
    let client = plan
        .wireless_client("hq.users.wifi-ap1")
        .expect("a wireless client")
        .address
        .to_string();
    let wired = users.test_host().to_string();
    let gateway = users.gateway.to_string();
    for (from, to) in [
        ("hq.users", gateway.as_str()),
        ("hq.users.wifi-ap1", gateway.as_str()),
        ("hq.users.wifi-ap1", wired.as_str()),
        ("hq.users", client.as_str()),
    ] {
        assert!(ping(&ns(from), to), "{from} does not reach {to}");
    }
    let (code, r) = verify_topology(&topology, &lab);
    assert!(!r.results.is_empty());
    assert!(
        r.results.iter().all(|x| x.verdict == Verdict::Pass),
        "{}",
        show(&r)
    );
    assert_eq!(code, Some(0));
    drop(guard);
    assert!(lab_namespaces(&lab).is_empty(), "lab down left namespaces");
}

/// Ctrl-C (SIGINT) while `lab up` waits for OSPF, once every switch, access point,
/// trunk and daemon exists: `up` stops, removes all it made and exits 2. OSPF is
/// kept from converging by a planned route to 192.0.2.0/24 that no router announces.
#[test]
fn an_interrupted_up_rolls_back_the_access_layer() {
    if !can_run_lab("lab_access interrupted") {
        return;
    }
    if !std::path::Path::new("/usr/lib/frr/zebra").exists() {
        assert!(
            !support::in_ci(),
            "FRR is missing: scripts/setup.sh installs it"
        );
        eprintln!("skipped: FRR is not installed");
        return;
    }
    let out = cmd()
        .args(["plan", "--format", "json"])
        .arg(topology())
        .output()
        .expect("plan runs");
    assert!(out.status.success());
    let mut plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    let routes = plan["routes"]["hq.r1"]
        .as_array_mut()
        .expect("routes of hq.r1");
    let mut never = routes
        .iter()
        .find(|r| r["kind"] == "static")
        .expect("a static route")
        .clone();
    never["destination"] = Value::from("192.0.2.0/24");
    routes.push(never);
    let dir = support::temp_dir();
    let path = dir.path().join("never-converges.json");
    std::fs::write(&path, plan.to_string()).expect("write the plan");

    let lab = unique_lab_name("i");
    let _guard = LabGuard::new(&lab);
    let mut child = StdCommand::new(support::netkit_bin())
        .args(["lab", "up"])
        .arg(&path)
        .args(["--name", &lab, "--routing", "ospf", "--timeout", "60"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("lab up starts");
    // Wait (at most 60 s) until the state lists the daemons, OSPF's included.
    let state_file = format!("/run/netkit/labs/{lab}/state.json");
    let mut state = Value::Null;
    for _ in 0..600 {
        state = std::fs::read_to_string(&state_file)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let programs: Vec<&str> = state["processes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["program"].as_str())
            .collect();
        if programs.contains(&"ospfd") {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("lab up ended before its daemons ran: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let pids: Vec<u64> = state["processes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["pid"].as_u64())
        .collect();
    assert!(!pids.is_empty(), "no daemon in {state}");
    for node in ["hq.sw1", "hq.sw2", "hq.ap1", "hq.guests"] {
        assert!(
            lab_namespaces(&lab).contains(&format!("{lab}.{node}")),
            "{node} not built yet"
        );
    }
    let killed = StdCommand::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let mut ended = None;
    for _ in 0..300 {
        if let Ok(Some(s)) = child.try_wait() {
            ended = Some(s);
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Some(status) = ended else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("lab up did not end within 30 s of SIGINT");
    };
    let out = child.wait_with_output().expect("its output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("interrupted") && stderr.contains("removed"),
        "{stderr}"
    );
    assert!(
        lab_namespaces(&lab).is_empty(),
        "{:?}",
        lab_namespaces(&lab)
    );
    for pid in pids {
        assert!(gone(pid), "process {pid} survived the interrupted up");
    }
    assert!(!std::path::Path::new(&format!("/run/netkit/labs/{lab}")).exists());
}
