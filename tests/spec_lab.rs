//! Conformance with the contract (docs/reference/), black box, in real network
//! namespaces: `lab up`, `verify --auto` and playbooks on NEW topologies. They need
//! root (CI runs as root and must not skip them); every lab has a unique name and a
//! guard tears it down even on failure.

mod spec_common;
mod support;
#[allow(unused_imports)]
use spec_common::*;
#[allow(unused_imports)]
use support::*;

#[allow(unused_imports)]
use std::cmp::Reverse;
#[allow(unused_imports)]
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
#[allow(unused_imports)]
use std::path::{Path, PathBuf};
#[allow(unused_imports)]
use std::process::Command as StdCommand;

#[allow(unused_imports)]
use serde_json::Value;

// ---------------------------------------------------------------- lab, verify

struct Lab {
    name: String,
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Tears the lab down (also after a failed check): the shared guard's way.
        drop(LabGuard::new(self.name.clone()));
    }
}

/// A new small lab: two sites, an l3-switch behind the router, an isolated segment,
/// a named host with a service and the DNS server, a deny policy.
const LAB: &str = r#"
name: sclab
addressing:
  ipv4: 10.77.0.0/16
  growth: 10%
sites:
  north:
    location: Lille
    devices:
      r1: { kind: router }
      core: { kind: l3-switch }
    segments:
      staff: { vlan: 10, hosts: 20 }
      wifi: { vlan: 90, hosts: 30, isolated: true }
      srv:
        vlan: 30
        hosts: 4
        gateway: core
        named:
          web: { host: 5, services: [tcp/8080] }
  south:
    location: Nîmes
    devices: { r1: { kind: router } }
    segments:
      staff: { vlan: 10, hosts: 8 }
      lab: { vlan: 20, hosts: 8 }
links:
  - { a: north.r1, b: south.r1, bandwidth: 20Mbps, cost: 10 }
  - { a: north.r1, b: north.core, cost: 1 }
internet: { edge: north.r1 }
dns: { domain: sc.test, server: north.srv.web }
policies:
  - { deny: { from: south.lab, to: north.staff } }
"#;

#[test]
fn lab_up_verify_auto_and_playbooks_on_a_new_topology() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let topo = write(d.path(), "sclab.yaml", LAB);
    let name = format!("sc{}", std::process::id() % 100_000);
    let lab = Lab { name: name.clone() };
    let t = topo.to_str().unwrap();
    let (code, out, err) = run(&["lab", "up", t, "--name", &name]);
    assert_eq!(code, 0, "lab up: {out}{err}");
    // `status` right after `up`: healthy, at most a few seconds later (links come up).
    let mut status = (1, String::new(), String::new());
    for _ in 0..20 {
        status = run(&["lab", "status", t, "--name", &name]);
        if status.0 == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    assert_eq!(status.0, 0, "lab status: {}{}", status.1, status.2);
    // up twice: refused, not exit 0.
    let (code, _, _) = run(&["lab", "up", t, "--name", &name]);
    assert_ne!(code, 0, "`up` on an existing lab says so");

    // Auto checks, JSON results.
    let (code, out, err) = run(&[
        "verify",
        t,
        "--auto",
        "--lab",
        &name,
        "--format",
        "json",
        "--skip",
        "bandwidth,snmp",
    ]);
    let res: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("results JSON: {e}\n{out}\n{err}"));
    assert_eq!(res["format"], "netkit-results/1");
    for k in ["playbook", "target", "started", "finished"] {
        assert!(res[k].is_string(), "results `{k}`: {res}");
    }
    assert_eq!(res["target"], "lab");
    let results = res["results"].as_array().expect("results is an array");
    assert!(results.len() >= 6, "auto derives checks: {res}");
    let mut kinds = BTreeSet::new();
    for r in results {
        for k in ["check", "from", "verdict", "start", "end"] {
            assert!(r[k].is_string(), "result `{k}`: {r}");
        }
        assert!(
            r.get("expected").is_some() && r.get("measured").is_some(),
            "{r}"
        );
        let v = s(r, "verdict");
        assert!(["pass", "fail", "error"].contains(&v), "{r}");
        if v != "pass" {
            assert!(
                r["reason"].as_str().is_some_and(|x| !x.is_empty()),
                "reason: {r}"
            );
        }
        kinds.insert(s(r, "check").to_string());
    }
    let failed: Vec<&Value> = results.iter().filter(|r| r["verdict"] != "pass").collect();
    assert!(
        failed.is_empty(),
        "auto checks on a clean lab all pass: {failed:#?}"
    );
    assert_eq!(code, 0, "{err}");
    for k in ["reach", "isolate", "tcp", "dns"] {
        assert!(kinds.contains(k), "auto derives `{k}` checks: {kinds:?}");
    }
    // The isolated segment is checked not to reach the internal ones.
    assert!(
        results
            .iter()
            .any(|r| r["check"] == "isolate" && r["from"] == "north.wifi")
    );

    // A playbook of our own that must pass.
    let pb = write(
        d.path(),
        "ok.yaml",
        &format!(
            "name: Recette sc\ntopology: {t}\ntarget: lab\nlab: {name}\ndeadline: 2030-01-01T00:00:00Z\nchecks:\n  - reach: {{ from: south.staff, to: [north.staff, north.srv.web, north.srv, internet] }}\n  - reach: {{ from: north.wifi, to: internet }}\n  - dns: {{ from: north.wifi, name: web.north.sc.test, expect: {web} }}\n  - isolate: {{ from: north.wifi, to: [north.staff, south.staff] }}\n  - isolate: {{ from: south.lab, to: north.staff }}\n  - tcp: {{ from: south.staff, to: north.srv.web, port: 8080 }}\n  - dns: {{ from: south.staff, name: web.north.sc.test, expect: {web} }}\n  - path: {{ from: south.staff, to: north.srv, via: [south.r1, north.r1, north.core] }}\n",
            web = lab_web_address(&topo),
        ),
    );
    let (code, out, err) = run(&[
        "verify",
        pb.to_str().unwrap(),
        "--lab",
        &name,
        "--format",
        "json",
    ]);
    let res: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("results JSON: {e}\n{out}\n{err}"));
    assert_eq!(res["playbook"], "Recette sc");
    let failed: Vec<&Value> = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] != "pass")
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, 0, "{err}");

    // A playbook with checks that must fail: exit 1, with reasons.
    let pb = write(
        d.path(),
        "ko.yaml",
        &format!(
            "name: Recette ko\ntopology: {t}\ntarget: lab\nlab: {name}\nchecks:\n  - reach: {{ from: north.wifi, to: north.staff }}\n  - reach: {{ from: south.staff, to: south.lab }}\n  - tcp: {{ from: south.staff, to: north.srv.web, port: 8081 }}\n  - tcp: {{ from: north.wifi, to: north.srv.web, port: 8080 }}\n  - dns: {{ from: south.staff, name: web.north.sc.test, expect: 10.9.9.9 }}\n  - path: {{ from: south.staff, to: north.srv, via: [south.r1, north.core] }}\n  - dns: {{ from: south.staff, name: nothere.north.sc.test }}\n"
        ),
    );
    let (code, out, err) = run(&[
        "verify",
        pb.to_str().unwrap(),
        "--lab",
        &name,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let res: Value =
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("results JSON: {e}\n{out}"));
    let rs = res["results"].as_array().unwrap();
    let fails: Vec<&Value> = rs.iter().filter(|r| r["verdict"] == "fail").collect();
    assert_eq!(
        fails.len(),
        6,
        "the isolated reach, the closed port and a non-DNS port from the isolated segment fail: {rs:#?}"
    );
    for f in fails {
        assert!(f["reason"].as_str().is_some_and(|x| x.len() > 10), "{f}");
        assert!(f["to"].is_string() && f["target"].is_string(), "{f}");
    }
    assert!(
        rs.iter()
            .any(|r| r["to"] == "south.lab" && r["verdict"] == "pass")
    );

    // junit format, -o FILE.
    let junit = d.path().join("results.xml");
    let (code, _, err) = run(&[
        "verify",
        pb.to_str().unwrap(),
        "--lab",
        &name,
        "--format",
        "junit",
        "-o",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    let xml = std::fs::read_to_string(&junit).expect("-o writes the junit file");
    assert!(
        xml.contains("<testsuite") && xml.contains("<failure"),
        "{xml}"
    );
    // exec: a command inside a node's namespace, its exit code passed through.
    let (code, _, err) = run(&[
        "lab",
        "exec",
        t,
        "--name",
        &name,
        "south.staff",
        "--",
        "ip",
        "-4",
        "addr",
        "show",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, _) = run(&[
        "lab",
        "exec",
        t,
        "--name",
        &name,
        "south.staff",
        "--",
        "false",
    ]);
    assert_eq!(code, 1, "exec passes the exit code through");
    // Bandwidth: the 20 Mbps link carries at least 15 Mbps and less than 30 Mbps.
    let bw = write(
        d.path(),
        "bw.yaml",
        &format!(
            "name: bw\ntopology: {t}\ntarget: lab\nchecks:\n  - bandwidth: {{ from: south.r1, to: north.r1, min: 30Mbps, duration: 2s }}\n  - bandwidth: {{ from: south.staff, to: north.staff, min: 15Mbps, duration: 2s }}\n"
        ),
    );
    let (code, bout, err) = run(&[
        "verify",
        bw.to_str().unwrap(),
        "--lab",
        &name,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{bout}{err}");
    let bres: Value = serde_json::from_str(&bout).unwrap();
    let verdicts: Vec<&str> = bres["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(verdicts, ["fail", "pass"], "{bout}");
    assert!(
        bres["results"][0]["reason"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    // Results feed the report.
    let rfile = d.path().join("res.json");
    std::fs::write(&rfile, &out).unwrap();
    let rep = d.path().join("rep");
    let (code, _, err) = run(&[
        "report",
        t,
        "--results",
        rfile.to_str().unwrap(),
        "--lang",
        "en",
        "-o",
        rep.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");

    let (code, _, err) = run(&["lab", "down", t, "--name", &name]);
    assert_eq!(code, 0, "{err}");
    let ns = StdCommand::new("ip")
        .args(["netns", "list"])
        .output()
        .unwrap();
    let left: Vec<String> = String::from_utf8_lossy(&ns.stdout)
        .lines()
        .filter(|l| l.starts_with(&format!("{name}.")))
        .map(str::to_string)
        .collect();
    assert!(left.is_empty(), "lab down left namespaces: {left:?}");
    drop(lab);
}

fn lab_web_address(topo: &Path) -> String {
    let plan = plan_json(topo);
    for (_, seg) in all_segments(&plan) {
        if seg["id"] == "north.srv" {
            let p = p4(s(&seg, "prefix"));
            return std::net::Ipv4Addr::from(p.0 + 5).to_string();
        }
    }
    panic!("north.srv not in the plan");
}

#[test]
fn one_host_segment_gets_room_for_network_and_broadcast() {
    let d = tmp();
    let p = write(
        d.path(),
        "tiny.yaml",
        "name: tiny\naddressing: { ipv4: 10.30.0.0/16 }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      cam: { vlan: 10, hosts: 1 }\n",
    );
    let plan = plan_json(&p);
    let hosts: BTreeMap<&str, u64> = [("a.cam", 1)].into_iter().collect();
    check_addressing(&plan, &hosts, 0, &[]);
}

#[test]
fn other_commands_read_the_plan_json_as_well_as_the_topology() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let pj = d.path().join("plan.json");
    let (code, _, err) = run(&[
        "plan",
        t1.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        pj.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, again, err) = run(&["plan", pj.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        again,
        std::fs::read_to_string(&pj).unwrap(),
        "plan of the plan JSON is the same plan"
    );
    for target in ["frr", "linux"] {
        let a = d.path().join(format!("{target}-topo"));
        let b = d.path().join(format!("{target}-plan"));
        assert_eq!(
            run(&[
                "config",
                t1.to_str().unwrap(),
                "--target",
                target,
                "-o",
                a.to_str().unwrap()
            ])
            .0,
            0
        );
        assert_eq!(
            run(&[
                "config",
                pj.to_str().unwrap(),
                "--target",
                target,
                "-o",
                b.to_str().unwrap()
            ])
            .0,
            0
        );
        for e in std::fs::read_dir(&a).unwrap() {
            let e = e.unwrap();
            let other = b.join(e.file_name());
            assert_eq!(
                std::fs::read(e.path()).unwrap(),
                std::fs::read(&other).unwrap_or_default(),
                "{target}: {:?} differs when made from the plan JSON",
                e.file_name()
            );
        }
    }
    let r = d.path().join("rep");
    let (code, _, err) = run(&["report", pj.to_str().unwrap(), "-o", r.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(r.join("index.html").is_file());
}

#[test]
fn bad_inputs_of_verify_report_snmp_lab_exit_2_with_one_clear_sentence() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let t = t1.to_str().unwrap();
    let bad = write(d.path(), "bad.json", "{bad");
    let o = d.path().join("o");
    let (code, _, err) = run(&[
        "report",
        t,
        "--results",
        bad.to_str().unwrap(),
        "-o",
        o.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.json"), "{err}");
    // A playbook naming a segment that does not exist: could not run, with file:line:col.
    let pb = write(
        d.path(),
        "pb.yaml",
        &format!(
            "name: p\ntopology: {t}\ntarget: lab\nchecks:\n  - reach: {{ from: paris.nowhere, to: nice.users }}\n"
        ),
    );
    let (code, out, err) = run(&["verify", pb.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        has_location(&format!("{out}{err}"), "pb.yaml"),
        "{out}{err}"
    );
    assert!(err.contains("paris.nowhere"), "{err}");
    // A lab that is not up: verify could not run.
    let (code, _, err) = run(&[
        "verify", t, "--auto", "--lab", "scnolab9", "--format", "json",
    ]);
    assert_eq!(code, 2, "{err}");
    // snmp: unknown device.
    let (code, _, err) = run(&["snmp", "paris.nothere", "--topology", t]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["lab", "up", d.path().join("none.yaml").to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = run(&["bandwidth", "127.0.0.1:1", "--duration", "1s"]);
    assert_ne!(code, 0, "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn lab_up(topo: &Path, name: &str, extra: &[&str]) -> Lab {
    let lab = Lab {
        name: name.to_string(),
    };
    let mut args = vec!["lab", "up", topo.to_str().unwrap(), "--name", name];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "lab up: {out}{err}");
    lab
}

fn failed_results(out: &str, err: &str) -> Vec<Value> {
    let res: Value =
        serde_json::from_str(out).unwrap_or_else(|e| panic!("results JSON: {e}\n{out}\n{err}"));
    res["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["verdict"] != "pass")
        .cloned()
        .collect()
}

#[test]
fn ospf_lab_on_a_new_topology_passes_auto_checks() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let topo = write(d.path(), "t2.yaml", T2);
    let name = format!("so{}", std::process::id() % 100_000);
    let _lab = lab_up(&topo, &name, &["--routing", "ospf"]);
    let (code, out, err) = run(&[
        "verify",
        topo.to_str().unwrap(),
        "--auto",
        "--lab",
        &name,
        "--format",
        "json",
        "--skip",
        "bandwidth,snmp",
    ]);
    let failed = failed_results(&out, &err);
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, 0, "{err}");
    // Paths follow the least-cost route: hq.users -> brest through hq.r2 (5 + 5 < 30).
    let res: Value = serde_json::from_str(&out).unwrap();
    let path = res["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check"] == "path" && r["from"] == "hq.users")
        .expect("auto derives a path check from hq.users");
    assert_eq!(path["verdict"], "pass");
}

#[test]
fn auto_checks_honour_allow_policies_of_isolated_segments() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let text = LAB.replace(
        "policies:\n",
        "policies:\n  - { allow: { from: north.wifi, to: north.srv } }\n",
    );
    let topo = write(d.path(), "allow.yaml", &text);
    let name = format!("sa{}", std::process::id() % 100_000);
    let _lab = lab_up(&topo, &name, &[]);
    let (code, out, err) = run(&[
        "verify",
        topo.to_str().unwrap(),
        "--auto",
        "--lab",
        &name,
        "--format",
        "json",
        "--skip",
        "bandwidth,snmp",
    ]);
    let failed = failed_results(&out, &err);
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn dual_stack_lab_routes_ipv6_and_isolates_in_ipv6_too() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let topo = write(d.path(), "t3.yaml", T3);
    let t = topo.to_str().unwrap();
    let plan = plan_json(&topo);
    let gw6 = |id: &str| -> String {
        let seg = all_segments(&plan)
            .into_iter()
            .find(|(_, v)| v["id"] == id)
            .unwrap()
            .1;
        let v6: Vec<String> = seg
            .as_object()
            .unwrap()
            .values()
            .filter_map(|v| v.as_str())
            .filter(|v| v.contains("::") && !v.contains('/'))
            .map(str::to_string)
            .collect();
        assert_eq!(v6.len(), 1, "one IPv6 gateway address for {id}: {seg}");
        v6[0].clone()
    };
    let b_lan = gw6("b.lan");
    let name = format!("s6{}", std::process::id() % 100_000);
    let _lab = lab_up(&topo, &name, &[]);
    let ping = |from: &str, to: &str| -> i32 {
        let mut code = 1;
        for _ in 0..3 {
            code = run(&[
                "lab", "exec", t, "--name", &name, from, "--", "ping", "-6", "-c1", "-W1", to,
            ])
            .0;
            if code == 0 {
                break;
            }
        }
        code
    };
    assert_eq!(
        ping("a.lan", &b_lan),
        0,
        "a.lan reaches b.lan's gateway in IPv6"
    );
    assert_eq!(
        ping("b.lan", &gw6("a.lan")),
        0,
        "b.lan reaches a.lan's gateway in IPv6"
    );
    assert_ne!(
        ping("a.wifi", &b_lan),
        0,
        "isolated a.wifi must not reach b.lan in IPv6"
    );
    let (code, out, err) = run(&[
        "verify",
        t,
        "--auto",
        "--lab",
        &name,
        "--format",
        "json",
        "--skip",
        "bandwidth,snmp",
    ]);
    let failed = failed_results(&out, &err);
    assert!(failed.is_empty(), "{failed:#?}");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn snmp_secret_from_the_environment_works_in_the_lab_and_is_never_printed() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let secret = format!("scSecret{}", std::process::id());
    let text = format!(
        "{}snmp: {{ version: 2c, community: \"${{SC_TEST_COMMUNITY}}\" }}\n",
        T3.replace("name: sc-six", "name: sc-snmp")
    );
    let topo = write(d.path(), "snmp.yaml", &text);
    let t = topo.to_str().unwrap();
    let name = format!("sn{}", std::process::id() % 100_000);
    let with_env = |args: &[&str]| -> (i32, String) {
        let o = netkit()
            .args(args)
            .env("SC_TEST_COMMUNITY", &secret)
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !all.contains(&secret),
            "{args:?} prints the SNMP community: {all}"
        );
        (o.status.code().unwrap_or(-1), all)
    };
    let _lab = Lab { name: name.clone() };
    let (code, all) = with_env(&["lab", "up", t, "--name", &name]);
    assert_eq!(code, 0, "{all}");
    let (code, all) = with_env(&["snmp", "a.gw", "--topology", t, "--lab", &name, "--check"]);
    assert_eq!(code, 0, "{all}");
    let (code, all) = with_env(&[
        "verify", t, "--auto", "--lab", &name, "--only", "snmp", "--format", "json",
    ]);
    assert_eq!(code, 0, "{all}");
    assert!(
        all.contains("\"snmp\""),
        "auto derives snmp checks when the topology has snmp: {all}"
    );
    let rep = d.path().join("rep");
    let (code, all) = with_env(&["report", t, "-o", rep.to_str().unwrap()]);
    assert_eq!(code, 0, "{all}");
    for e in std::fs::read_dir(&rep).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&secret),
            "the report holds the secret"
        );
    }
}

#[test]
fn report_reads_spec_results_and_fills_acceptance_and_intervention_sheets() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let res = write(d.path(), "res.json", RESULTS);
    for (lang, met) in [
        ("en", "2026-12-01T18:00:00Z"),
        ("fr", "2026-12-01T10:00:00Z"),
    ] {
        let out = d.path().join(lang);
        let (code, _, err) = run(&[
            "report",
            t1.to_str().unwrap(),
            "--results",
            res.to_str().unwrap(),
            "--lang",
            lang,
            "--technician",
            "Ana <b>B</b>",
            "--deadline",
            met,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{lang}: {err}");
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(
            html.contains("nice.r1 has no route &lt;oops&gt;"),
            "{lang}: the fail reason, escaped"
        );
        assert!(
            !html.contains("<oops>") && !html.contains("<i>sc"),
            "{lang}: free text from results is text"
        );
        assert!(
            html.contains("Ana &lt;b&gt;B"),
            "{lang}: technician on the sheets, escaped"
        );
        assert!(
            html.contains("14:02") || html.contains("14 h 02"),
            "{lang}: start/end times"
        );
        assert!(
            html.to_lowercase().contains("signature"),
            "{lang}: signature boxes"
        );
        let low = html.to_lowercase();
        if lang == "en" {
            for w in ["deadline", "technician", "requester", "duration"] {
                assert!(low.contains(w), "en sheet has `{w}`");
            }
        } else {
            for w in ["échéance", "technicien", "demandeur", "durée"] {
                assert!(
                    low.contains(w) || low.contains(&w.replace('é', "&eacute;")),
                    "fr sheet has `{w}`"
                );
            }
        }
    }
}

#[test]
fn lab_is_healthy_as_soon_as_up_returns() {
    if !can_run_lab("spec_conformance") {
        return;
    }
    let d = tmp();
    let topo = write(d.path(), "sclab.yaml", LAB);
    let t = topo.to_str().unwrap();
    for i in 0..4 {
        let name = format!("sh{}{i}", std::process::id() % 10_000);
        let _lab = lab_up(&topo, &name, &[]);
        let (code, out, err) = run(&["lab", "status", t, "--name", &name]);
        assert_eq!(code, 0, "status right after up (try {i}): {out}{err}");
    }
}
