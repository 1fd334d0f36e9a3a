//! Conformance with the contract (docs/reference/), black box: `netkit validate` and
//! exit codes, `netkit config`, `netkit report` on NEW topologies.

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

// ---------------------------------------------------------------- validate and exit codes

#[test]
fn validate_accepts_valid_topologies() {
    let d = tmp();
    for (n, t) in [
        ("t1.yaml", T1),
        ("t2.yaml", T2),
        ("t3.yaml", T3),
        ("t2p.yaml", T2_PLUS),
    ] {
        let p = write(d.path(), n, t);
        let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
        assert_eq!(code, 0, "{n}: {out}{err}");
    }
}

#[test]
fn validate_reports_pin_conflicts_with_file_line_column() {
    let d = tmp();
    let p = write(
        d.path(),
        "pins.yaml",
        "name: pins\naddressing: { ipv4: 10.9.0.0/16 }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 10, hosts: 10, prefix: 10.9.1.0/26 }\n      y: { vlan: 20, hosts: 10, prefix: 10.9.1.32/27 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    assert!(has_location(&all, "pins.yaml"), "file:line:col: {all}");
    assert!(
        all.contains("a.x") && all.contains("a.y"),
        "says which pins conflict: {all}"
    );
    // A site pin that does not hold its segment pin.
    let p = write(
        d.path(),
        "pins2.yaml",
        "name: pins2\naddressing: { ipv4: 10.9.0.0/16 }\nsites:\n  a:\n    prefix: 10.9.0.0/24\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 10, hosts: 10, prefix: 10.9.5.0/26 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        has_location(&format!("{out}{err}"), "pins2.yaml"),
        "{out}{err}"
    );
    // A pin inside the reserve.
    let p = write(
        d.path(),
        "pins3.yaml",
        "name: pins3\naddressing: { ipv4: 10.9.0.0/16, reserve: [10.9.0.0/20] }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 10, hosts: 10, prefix: 10.9.2.0/26 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        has_location(&format!("{out}{err}"), "pins3.yaml"),
        "{out}{err}"
    );
}

#[test]
fn validate_reports_exhaustion_with_needed_and_left() {
    let d = tmp();
    let p = write(
        d.path(),
        "full.yaml",
        "name: full\naddressing: { ipv4: 10.7.0.0/22, reserve: [10.7.0.0/23] }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 10, hosts: 300 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    assert!(has_location(&all, "full.yaml"), "{all}");
    assert!(
        all.contains("512") || all.contains("/23"),
        "says how much was needed: {all}"
    );
    // plan on the same input cannot produce a plan: non-zero.
    let (code, out, _) = run(&["plan", p.to_str().unwrap(), "--format", "json"]);
    assert_ne!(code, 0);
    assert!(!out.contains("netkit-plan/1"));
}

#[test]
fn exhaustion_message_counts_every_segment_of_the_site() {
    let d = tmp();
    // Two segments of 200 hosts need two /24 = 512 addresses, in a /24 pool.
    let p = write(
        d.path(),
        "full2.yaml",
        "name: full2\naddressing: { ipv4: 10.7.0.0/24 }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 10, hosts: 200 }\n      y: { vlan: 20, hosts: 200 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    assert!(
        all.contains("512") || all.contains("/23"),
        "says how much was needed (512, a /23): {all}"
    );
}

#[test]
fn validate_reports_each_kind_of_topology_error_with_a_location_and_hint() {
    let d = tmp();
    let p = write(d.path(), "errs.yaml", ERRS);
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    let located: BTreeSet<String> = all
        .lines()
        .filter(|l| has_location(l, "errs.yaml"))
        .map(|l| l.split(": ").next().unwrap_or("").to_string())
        .collect();
    assert!(
        located.len() >= 7,
        "7 problems, each at its own line:col: {all}"
    );
    for word in ["p2p_prefix", "growth", "R2", "99", "VLAN", "itself", "a.r9"] {
        assert!(all.contains(word), "a diagnostic mentions `{word}`: {all}");
    }
    assert!(
        all.matches("hint").count() >= 7,
        "each problem has a hint: {all}"
    );
}

const ERRS: &str = r#"name: errs
addressing: { ipv4: 10.0.0.0/16, p2p_prefix: 29, growht: 10% }
sites:
  a:
    devices: { r1: { kind: router }, R2: { kind: router } }
    segments:
      x: { vlan: 10, hosts: 10, named: { h: { host: 99 } } }
      y: { vlan: 10, hosts: 10 }
links:
  - { a: a.r1, b: a.r1 }
internet: { edge: a.r9 }
"#;

#[test]
fn validate_reports_every_problem_at_once() {
    let d = tmp();
    let p = write(
        d.path(),
        "many.yaml",
        "name: many\naddressing: { ipv4: 10.0.0.0/16 }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n    segments:\n      x: { vlan: 5000, hosts: 10 }\n      y: { vlan: 20, hosts: 0 }\nlinks:\n  - { a: a.r1, b: b.r9 }\n",
    );
    let (code, out, err) = run(&["validate", p.to_str().unwrap()]);
    let all = format!("{out}{err}");
    assert_eq!(code, 1, "{all}");
    let located = all
        .lines()
        .filter(|l| l.contains("many.yaml:") && has_location(l, "many.yaml"))
        .map(|l| l.split(": ").next().unwrap_or("").to_string())
        .collect::<BTreeSet<_>>();
    assert!(
        located.len() >= 3,
        "three problems, each with file:line:col: {all}"
    );
}

#[test]
fn unreadable_or_invalid_input_and_bad_arguments_exit_2() {
    let d = tmp();
    let missing = d.path().join("missing.yaml");
    let m = missing.to_str().unwrap();
    let out = d.path().join("o");
    let o = out.to_str().unwrap();
    // unreadable file: validate says 2 (could not run), every command too.
    for args in [
        vec!["validate", m],
        vec!["plan", m],
        vec!["config", m, "--target", "frr", "-o", o],
        vec!["report", m, "-o", o],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{err}"
        );
        assert!(err.contains("missing.yaml"), "names the file: {err}");
    }
    let t1 = write(d.path(), "t1.yaml", T1);
    let t = t1.to_str().unwrap();
    for args in [
        vec!["plan", t, "--format", "xml"],
        vec!["plan", "--bogus", t],
        vec!["config", t, "--target", "junos", "-o", o],
        vec!["config", t, "--target", "frr"],
        vec!["report", t, "--lang", "de", "-o", o],
        vec!["verify"],
        vec!["lab", "sideways", t],
        vec!["frobnicate"],
        vec![],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
    // invalid input to commands other than validate: 2 (could not run).
    let bad = write(d.path(), "bad.yaml", "name: [\n");
    let b = bad.to_str().unwrap();
    let (code, _, _) = run(&["validate", b]);
    assert_eq!(code, 1);
    for args in [
        vec!["plan", b],
        vec!["config", b, "--target", "ios", "-o", o],
        vec!["report", b, "-o", o],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // --keep with a missing file, or a file that is not a plan; -o into a missing folder.
    let nope = d.path().join("nope.json");
    let notplan = write(d.path(), "notplan.json", RESULTS);
    for args in [
        vec!["plan", t, "--keep", nope.to_str().unwrap()],
        vec!["plan", t, "--keep", notplan.to_str().unwrap()],
        vec!["plan", t, "-o", "/nonexistent-sc-dir/x.json"],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            !out.contains("netkit-plan/1"),
            "{args:?}: no plan printed on error"
        );
        assert_eq!(err.trim().lines().count(), 1, "one clear sentence: {err}");
    }
    // non-UTF-8 junk
    let junk = d.path().join("junk.yaml");
    std::fs::write(&junk, [0xff, 0xfe, 0x00, 0x80, b':', b'\n']).unwrap();
    let (code, _, err) = run(&["validate", junk.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.contains("panicked"));
}

// ---------------------------------------------------------------- config

#[test]
fn config_writes_one_file_per_layer3_device_for_each_target() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let l3 = ["paris.r1", "paris.r2", "paris.fw", "nice.r1", "lille.r1"];
    for target in ["frr", "ios", "linux"] {
        let out = d.path().join(target);
        let (code, _, err) = netkit()
            .args([
                "config",
                t1.to_str().unwrap(),
                "--target",
                target,
                "-o",
                out.to_str().unwrap(),
            ])
            .env("SC_SNMP_COMMUNITY", "s3cr3t-c0mm")
            .output()
            .map(|o| {
                (
                    o.status.code().unwrap_or(-1),
                    String::from_utf8_lossy(&o.stdout).into_owned(),
                    String::from_utf8_lossy(&o.stderr).into_owned(),
                )
            })
            .unwrap();
        assert_eq!(code, 0, "{target}: {err}");
        let names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        for dev in l3 {
            let files: Vec<&String> = names
                .iter()
                .filter(|n| n.starts_with(&format!("{dev}.")))
                .collect();
            assert!(
                !files.is_empty(),
                "{target}: no file for {dev} in {names:?}"
            );
            for f in files {
                let text = std::fs::read_to_string(out.join(f)).unwrap();
                assert!(!text.trim().is_empty(), "{target}: {f} is empty");
                assert!(
                    !text.contains("s3cr3t-c0mm"),
                    "{target}: {f} prints the SNMP secret"
                );
            }
        }
        assert!(
            !names.iter().any(|n| n.starts_with("paris.sw")),
            "no file for a layer-2 switch"
        );
        // Each device's file carries its own loopback address.
        let plan = plan_json(&t1);
        for dev in plan["devices"].as_array().unwrap() {
            let Some(lo) = dev["loopback"].as_str() else {
                continue;
            };
            let ip = lo.split('/').next().unwrap();
            let id = s(dev, "id");
            let text: String = names
                .iter()
                .filter(|n| n.starts_with(&format!("{id}.")))
                .map(|n| std::fs::read_to_string(out.join(n)).unwrap())
                .collect();
            assert!(
                text.contains(ip),
                "{target}: {id}'s config lacks its loopback {ip}"
            );
        }
    }
}

// ---------------------------------------------------------------- report

#[test]
fn report_writes_every_document_in_fr_and_en_and_escapes_free_text() {
    let d = tmp();
    let t1 = write(d.path(), "t1.yaml", T1);
    let mut htmls = Vec::new();
    for lang in ["fr", "en"] {
        let out = d.path().join(lang);
        let (code, _, err) = run(&[
            "report",
            t1.to_str().unwrap(),
            "--lang",
            lang,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{lang}: {err}");
        for f in [
            "index.html",
            "topology.svg",
            "topology.dot",
            "topology.mmd",
            "addressing.csv",
            "routes.csv",
        ] {
            let p = out.join(f);
            assert!(p.is_file(), "{lang}: {f} missing");
            assert!(
                std::fs::metadata(&p).unwrap().len() > 50,
                "{lang}: {f} is nearly empty"
            );
        }
        let md: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect();
        assert!(
            md.len() >= 2,
            "{lang}: Markdown tables (addressing, routes): {md:?}"
        );
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        let svg = std::fs::read_to_string(out.join("topology.svg")).unwrap();
        for (n, t) in [("index.html", &html), ("topology.svg", &svg)] {
            assert!(
                !t.contains("<script>alert"),
                "{lang}: {n} has the location as markup"
            );
            assert!(
                !t.contains("<script>x()"),
                "{lang}: {n} has the description as markup"
            );
        }
        assert!(
            html.contains("&lt;script&gt;alert"),
            "{lang}: location shown as text"
        );
        assert!(
            !html.contains("src=\"http") && !html.contains("href=\"http"),
            "self-contained"
        );
        let seg = "172.16.99.0/28";
        assert!(
            html.contains(seg)
                && std::fs::read_to_string(out.join("addressing.csv"))
                    .unwrap()
                    .contains(seg)
        );
        let dot = out.join("topology.dot");
        let st = StdCommand::new("dot").arg("-Tsvg").arg(&dot).output();
        if let Ok(st) = st {
            assert!(
                st.status.success(),
                "dot -Tsvg: {}",
                String::from_utf8_lossy(&st.stderr)
            );
        }
        htmls.push(html);
    }
    assert_ne!(htmls[0], htmls[1], "fr and en differ");
    let low_fr = htmls[0].to_lowercase();
    let low_en = htmls[1].to_lowercase();
    assert!(
        low_fr.contains("plan d'adressage")
            || low_fr.contains("plan d&#39;adressage")
            || low_fr.contains("plan d’adressage")
    );
    assert!(low_en.contains("addressing plan"));
    assert!(low_fr.contains("fiche") && low_en.contains("intervention"));
}
