//! Data-driven addressing tests: every `test_data/addressing/*.yaml` (and the bundled
//! `inventories/*.yaml`) is parsed and planned; a plannable one must give the plan in
//! `NAME.plan.json` (routes, filters and OSPF left out: the routing tests own them),
//! an unplannable one the diagnostics in `NAME.errors.txt`. `UPDATE_EXPECT=1`
//! rewrites the expectations; review the diff before committing.

mod addressing_support;

use std::path::{Path, PathBuf};

use addressing_support::check_invariants;
use netkit_plan::{Plan, plan};

fn fixtures() -> Vec<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("test_data/addressing");
    let mut out = Vec::new();
    for (dir, expect_dir) in [
        (data.clone(), data.clone()),
        (root.join("../../inventories"), data.join("inventories")),
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        for f in files {
            out.push((f, expect_dir.clone()));
        }
    }
    out
}

/// The plan without what the routing engineer's tests check.
fn addressing_only(p: &Plan) -> Plan {
    let mut p = p.clone();
    p.routes.clear();
    p.filters.clear();
    p.ospf = None;
    p
}

fn compare(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create expectation folder");
        }
        std::fs::write(path, actual).expect("write expectation");
        return;
    }
    match std::fs::read_to_string(path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => {
            let line = expected
                .lines()
                .zip(actual.lines())
                .position(|(a, b)| a != b)
                .map_or(expected.lines().count().min(actual.lines().count()), |i| i);
            failures.push(format!(
                "{} differs from line {}:\n  expected: {}\n  actual:   {}",
                path.display(),
                line + 1,
                expected.lines().nth(line).unwrap_or("<end>"),
                actual.lines().nth(line).unwrap_or("<end>")
            ));
        }
        Err(_) => failures.push(format!(
            "{} is missing: run with UPDATE_EXPECT=1 and review it",
            path.display()
        )),
    }
}

#[test]
fn fixtures_plan_as_expected() {
    let mut failures = Vec::new();
    let list = fixtures();
    assert!(list.len() >= 8, "fixtures not found");
    for (yaml, expect_dir) in list {
        let stem = yaml
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file name");
        let name = yaml
            .file_name()
            .and_then(|s| s.to_str())
            .expect("file name");
        let bytes = std::fs::read(&yaml).expect("read fixture");
        let parsed = netkit_model::parse(&bytes);
        let mut diags = parsed.diagnostics.clone();
        let planned = parsed.topology.as_ref().map(|t| (t, plan(t, None)));
        match planned {
            Some((t, Ok(p))) => {
                assert!(
                    !stem.starts_with("err_"),
                    "{name} is meant to fail but planned"
                );
                check_invariants(t, &p);
                // Same input, same bytes.
                let again = plan(t, None).expect("plans twice");
                assert_eq!(p.to_json(), again.to_json(), "{name}: not deterministic");
                // Keeping its own plan changes nothing.
                let kept = plan(t, Some(&p)).expect("plans with --keep");
                assert_eq!(
                    p.to_json(),
                    kept.to_json(),
                    "{name}: --keep of itself moved things"
                );
                compare(
                    &expect_dir.join(format!("{stem}.plan.json")),
                    &addressing_only(&p).to_json(),
                    &mut failures,
                );
            }
            Some((_, Err(mut d))) => {
                diags.append(&mut d);
                let text: String = diags
                    .iter()
                    .map(|d| format!("{}\n", d.display_with(name)))
                    .collect();
                assert!(stem.starts_with("err_"), "{name} does not plan:\n{text}");
                compare(
                    &expect_dir.join(format!("{stem}.errors.txt")),
                    &text,
                    &mut failures,
                );
            }
            None => {
                let text: String = diags
                    .iter()
                    .map(|d| format!("{}\n", d.display_with(name)))
                    .collect();
                assert!(stem.starts_with("err_"), "{name} does not parse:\n{text}");
                compare(
                    &expect_dir.join(format!("{stem}.errors.txt")),
                    &text,
                    &mut failures,
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// SPEC.md's numbers for acme, checked by hand.
#[test]
fn acme_numbers() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../inventories/acme.yaml");
    let parsed = netkit_model::parse(&std::fs::read(path).expect("acme.yaml"));
    let t = parsed.topology.expect("acme parses");
    let p = plan(&t, None).expect("acme plans");
    let hq = &p.sites[0];
    assert_eq!(hq.prefix.to_string(), "10.1.0.0/16");
    let servers = p.segment("hq.servers").unwrap();
    assert_eq!(servers.prefix.to_string(), "10.1.20.0/24");
    assert_eq!(servers.gateway.to_string(), "10.1.20.1");
    assert_eq!(
        p.named_host("hq.servers.fs1")
            .unwrap()
            .1
            .address
            .to_string(),
        "10.1.20.10"
    );
    assert_eq!(
        p.named_host("hq.servers.intranet")
            .unwrap()
            .1
            .address
            .to_string(),
        "10.1.20.11"
    );
    // 120 hosts + 25% = 150, + gateway = 151: a /24. 200 + 25% = 250 + 1: a /24.
    assert_eq!(
        p.segment("hq.users").unwrap().prefix.to_string(),
        "10.1.0.0/24"
    );
    assert_eq!(
        p.segment("hq.guests").unwrap().prefix.to_string(),
        "10.1.1.0/24"
    );
    // 40 + 25% = 50 + 1: a /26; the reserve 10.0.0.0/16 and hq come first.
    assert_eq!(
        p.segment("lyon.users").unwrap().prefix.to_string(),
        "10.2.0.0/26"
    );
    // 25 + 25% = 31.25 -> 32 + 1 = 33: a /26 each.
    assert_eq!(
        p.segment("marseille.users").unwrap().prefix.prefix_len(),
        26
    );
    assert_eq!(
        p.segment("marseille.voice").unwrap().prefix.prefix_len(),
        26
    );
    let l0 = &p.links[0];
    assert_eq!(
        (
            l0.prefix.to_string(),
            l0.a_address.to_string(),
            l0.b_address.to_string()
        ),
        (
            "10.255.0.0/31".into(),
            "10.255.0.0".into(),
            "10.255.0.1".into()
        )
    );
    assert_eq!(
        p.device("hq.r1").unwrap().loopback.unwrap().to_string(),
        "10.254.0.1/32"
    );
    let eth1 = &p.device("hq.r1").unwrap().interfaces[0];
    assert_eq!((eth1.name.as_str(), eth1.link), ("eth1", Some(0)));
    let dns = p.dns.as_ref().unwrap();
    assert!(
        dns.records
            .iter()
            .any(|r| r.name == "intranet.hq.acme.lan" && r.address.to_string() == "10.1.20.11")
    );
    assert_eq!(
        p.snmp.as_ref().unwrap().community.as_deref(),
        Some("${NETKIT_SNMP_COMMUNITY}")
    );
    assert!(!p.to_json().contains("NETKIT_SNMP_COMMUNITY}x"));
}
