//! The architecture of ARCHITECTURE.md, enforced: read the workspace's dependency
//! graph from `cargo metadata` and fail on any edge the invariants forbid.
//!
//! - Every dependency between the workspace's crates is one of the edges below
//!   (a new edge is a decision: add it here and to ARCHITECTURE.md, or do not make it).
//! - The pure crates (model, plan, config, report, results, units) have no tokio,
//!   not even through another crate, and never run a program.
//! - netkit-verify never depends on netkit-agent (the agent runs verify's checks).

mod support;

use std::collections::{BTreeMap, BTreeSet};

/// The crates that do no IO of their own.
const PURE: [&str; 6] = [
    "netkit-model",
    "netkit-plan",
    "netkit-config",
    "netkit-report",
    "netkit-results",
    "netkit-units",
];

/// Each workspace crate and the workspace crates it may depend on (normal
/// dependencies; dev-dependencies of tests and benches are free).
const ALLOWED: &[(&str, &[&str])] = &[
    ("netkit-units", &[]),
    ("netkit-results", &[]),
    ("netkit-netns", &[]),
    ("netkit-model", &["netkit-units"]),
    ("netkit-plan", &["netkit-model"]),
    (
        "netkit-config",
        &["netkit-units", "netkit-model", "netkit-plan"],
    ),
    (
        "netkit-report",
        &["netkit-results", "netkit-model", "netkit-plan"],
    ),
    (
        "netkit-lab",
        &[
            "netkit-units",
            "netkit-netns",
            "netkit-model",
            "netkit-plan",
            "netkit-config",
        ],
    ),
    ("netkit-probe", &["netkit-netns"]),
    ("netkit-bandwidth", &["netkit-units", "netkit-netns"]),
    (
        "netkit-snmp",
        &[
            "netkit-units",
            "netkit-netns",
            "netkit-plan",
            "netkit-model",
        ],
    ),
    (
        "netkit-verify",
        &[
            "netkit-units",
            "netkit-results",
            "netkit-model",
            "netkit-plan",
            "netkit-probe",
            "netkit-netns",
            "netkit-bandwidth",
            "netkit-snmp",
        ],
    ),
    (
        "netkit-agent",
        &[
            "netkit-verify",
            "netkit-plan",
            "netkit-probe",
            "netkit-results",
            "netkit-bandwidth",
        ],
    ),
    (
        "netkit-cli",
        &[
            "netkit-units",
            "netkit-model",
            "netkit-plan",
            "netkit-config",
            "netkit-lab",
            "netkit-probe",
            "netkit-verify",
            "netkit-report",
            "netkit-snmp",
            "netkit-bandwidth",
            "netkit-results",
            "netkit-netns",
            "netkit-agent",
        ],
    ),
    ("netkit", &["netkit-cli"]),
];

/// Normal (not dev, not build) dependencies: package name -> names it depends on.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The dependency graph of the whole resolve (workspace and registry crates).
fn graph_from_metadata(meta: &serde_json::Value) -> Graph {
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let mut g = Graph::new();
    for node in meta["resolve"]["nodes"].as_array().expect("resolve") {
        let from = names[node["id"].as_str().unwrap()].to_string();
        let deps = g.entry(from).or_default();
        for d in node["deps"].as_array().into_iter().flatten() {
            let normal = d["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null());
            if normal {
                deps.insert(names[d["pkg"].as_str().unwrap()].to_string());
            }
        }
    }
    g
}

/// Everything `from` depends on, directly or not.
fn closure<'a>(g: &'a Graph, from: &str) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = g
        .get(from)
        .map(|d| d.iter().map(String::as_str).collect())
        .unwrap_or_default();
    while let Some(n) = todo.pop() {
        if seen.insert(n)
            && let Some(d) = g.get(n)
        {
            todo.extend(d.iter().map(String::as_str));
        }
    }
    seen
}

/// Every way `g` breaks the invariants, one sentence each.
fn violations(g: &Graph) -> Vec<String> {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(c, d)| (*c, d.iter().copied().collect()))
        .collect();
    let ours = |n: &str| n == "netkit" || n.starts_with("netkit-");
    let mut out = Vec::new();
    for (krate, deps) in g.iter().filter(|(k, _)| ours(k)) {
        let Some(ok) = allowed.get(krate.as_str()) else {
            out.push(format!(
                "{krate} is a new workspace crate: give it its place in ALLOWED and ARCHITECTURE.md"
            ));
            continue;
        };
        for d in deps.iter().filter(|d| ours(d)) {
            if !ok.contains(d.as_str()) {
                out.push(format!(
                    "{krate} depends on {d}: an edge the architecture forbids"
                ));
            }
        }
    }
    for pure in PURE {
        if closure(g, pure).contains("tokio") {
            out.push(format!("{pure} is pure but reaches tokio"));
        }
    }
    if closure(g, "netkit-verify").contains("netkit-agent") {
        out.push("netkit-verify reaches netkit-agent".to_string());
    }
    out
}

fn metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .current_dir(support::repo())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("cargo metadata JSON")
}

#[test]
fn the_dependency_graph_keeps_the_architecture() {
    let g = graph_from_metadata(&metadata());
    // The graph really is the workspace's: every crate of ALLOWED is in it.
    for (krate, _) in ALLOWED {
        assert!(g.contains_key(*krate), "{krate} is not in cargo metadata");
    }
    let v = violations(&g);
    assert!(
        v.is_empty(),
        "the architecture is broken:\n{}",
        v.join("\n")
    );
}

#[test]
fn a_forbidden_edge_is_caught() {
    let mut g = graph_from_metadata(&metadata());
    assert!(violations(&g).is_empty());
    // The edges the architecture once had, each alone, each caught.
    for (from, to) in [
        ("netkit-snmp", "netkit-lab"),
        ("netkit-probe", "netkit-plan"),
        ("netkit-verify", "netkit-agent"),
        ("netkit-model", "netkit-plan"),
    ] {
        g.get_mut(from).unwrap().insert(to.to_string());
        let v = violations(&g);
        assert!(
            v.iter()
                .any(|m| m.contains(&format!("{from} depends on {to}"))),
            "{from} -> {to} not caught: {v:?}"
        );
        g.get_mut(from).unwrap().remove(to);
    }
    // tokio reached through a registry crate by a pure crate.
    g.get_mut("netkit-plan")
        .unwrap()
        .insert("reqwest-like".to_string());
    g.entry("reqwest-like".to_string())
        .or_default()
        .insert("tokio".to_string());
    assert!(
        violations(&g)
            .iter()
            .any(|m| m == "netkit-plan is pure but reaches tokio")
    );
}

/// Text of the `src/` files of `krate` without their `#[cfg(test)]` modules.
fn sources_without_tests(krate: &str) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut todo = vec![support::repo().join("crates").join(krate).join("src")];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).expect("src folder").flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                let code = match text.find("#[cfg(test)]") {
                    Some(i) => text[..i].to_string(),
                    None => text,
                };
                out.push((p, code));
            }
        }
    }
    out
}

#[test]
fn pure_crates_and_verify_never_run_a_program() {
    let mut found = Vec::new();
    for krate in PURE.iter().chain(&["netkit-verify"]) {
        for (path, code) in sources_without_tests(krate) {
            for needle in ["process::Command", "Command::new("] {
                if code.contains(needle) {
                    found.push(format!("{} uses {needle}", path.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "only lab, netns, probe, snmp, bandwidth, agent and cli run programs:\n{}",
        found.join("\n")
    );
}
