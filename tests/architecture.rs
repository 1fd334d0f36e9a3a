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
        &[
            "netkit-units",
            "netkit-results",
            "netkit-model",
            "netkit-plan",
        ],
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

/// The modules (files) of a crate's `src/`, by path (`checks::control`), without
/// `lib.rs`/`mod.rs` (the roots that declare the others) and their test modules.
fn modules(krate: &str) -> BTreeMap<String, String> {
    let src = support::repo().join("crates").join(krate).join("src");
    sources_without_tests(krate)
        .into_iter()
        .filter_map(|(path, code)| {
            let rel = path.strip_prefix(&src).ok()?.with_extension("");
            let parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let last = parts.last()?.as_str();
            (!matches!(last, "lib" | "main" | "mod")).then(|| (parts.join("::"), code))
        })
        .collect()
}

/// The paths a module's code names through `crate::` and `super::` (grouped
/// imports `use crate::{a, b::c}` expanded), comments left out.
fn referenced_paths(module: &str, code: &str) -> Vec<String> {
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect::<String>()
            .trim_end_matches(':')
            .to_string()
    };
    let mut out = Vec::new();
    for (base, prefix) in [
        ("crate::", Vec::new()),
        ("super::", {
            let mut p: Vec<&str> = module.split("::").collect();
            p.pop();
            p
        }),
    ] {
        let mut rest = code.as_str();
        while let Some(i) = rest.find(base) {
            let before = rest[..i].chars().last();
            rest = &rest[i + base.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let join = |p: &str| {
                let mut v: Vec<&str> = prefix.clone();
                v.extend(p.split("::").filter(|x| !x.is_empty()));
                v.join("::")
            };
            let head: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let after = &rest[head.len()..];
            let head = head.trim_end_matches(':');
            if let Some(group) = after.strip_prefix('{') {
                // `crate::a::{b, c::d}`: each item under `a`.
                let mut depth = 1;
                let end = group
                    .char_indices()
                    .find(|&(_, c)| {
                        depth += match c {
                            '{' => 1,
                            '}' => -1,
                            _ => 0,
                        };
                        depth == 0
                    })
                    .map_or(group.len(), |(i, _)| i);
                let mut depth = 0;
                let mut item = String::new();
                for c in group[..end].chars().chain([',']) {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            let first = ident(item.split("::{").next().unwrap_or("").trim());
                            if !first.is_empty() {
                                out.push(join(&format!("{head}::{first}")));
                            }
                            item.clear();
                            continue;
                        }
                        _ => {}
                    }
                    item.push(c);
                }
            } else {
                out.push(join(head));
            }
        }
    }
    out
}

/// Import circles between the files of `krate`: each as `a -> b -> a`. A module and
/// the modules inside it (`sheets` and `sheets::closing`) are one room.
fn circles(krate: &str, mods: &BTreeMap<String, String>) -> Vec<String> {
    let related = |a: &str, b: &str| {
        a == b || a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"))
    };
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (m, code) in mods {
        for path in referenced_paths(m, code) {
            let segs: Vec<&str> = path.split("::").collect();
            let target = (1..=segs.len())
                .rev()
                .map(|k| segs[..k].join("::"))
                .find_map(|cand| mods.get_key_value(&cand).map(|(k, _)| k.as_str()));
            if let Some(t) = target
                && !related(m, t)
            {
                edges.entry(m.as_str()).or_default().insert(t);
            }
        }
    }
    let mut found = Vec::new();
    for start in mods.keys() {
        // Depth-first from `start`, reporting a path back to it once.
        let mut stack: Vec<(&str, Vec<&str>)> = vec![(start.as_str(), vec![start.as_str()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for &next in edges.get(node).into_iter().flatten() {
                if next == start.as_str() {
                    let mut cycle = path.clone();
                    cycle.push(next);
                    // Report each circle once, from its smallest module.
                    if path.iter().all(|m| *m >= start.as_str()) {
                        found.push(format!("{krate}: {}", cycle.join(" -> ")));
                    }
                } else if seen.insert(next) {
                    let mut p = path.clone();
                    p.push(next);
                    stack.push((next, p));
                }
            }
        }
    }
    found
}

#[test]
fn no_import_circle_between_files() {
    let crates: Vec<String> = std::fs::read_dir(support::repo().join("crates"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(crates.len() >= 10);
    let found: Vec<String> = crates
        .iter()
        .flat_map(|c| circles(c, &modules(c)))
        .collect();
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn an_import_circle_is_caught() {
    let paths = referenced_paths("a", "use crate::b::thing;\nfn f() { crate::c::{x, y::z}; }");
    assert_eq!(paths, ["b::thing", "c::x", "c::y::z"]);
    assert_eq!(
        referenced_paths("checks::path", "use super::control;"),
        ["checks::control"]
    );
    // The real detector on a crate without circles, with one put back: the
    // context naming the playbook again, which names the context.
    let mut mods = modules("netkit-verify");
    assert!(circles("netkit-verify", &mods).is_empty());
    mods.get_mut("context")
        .unwrap()
        .push_str("\nfn x() { crate::agents::AgentEntry; }\n");
    mods.get_mut("agents")
        .unwrap()
        .push_str("\nuse crate::{context::CheckContext, target::Loc};\n");
    let found = circles("netkit-verify", &mods);
    assert_eq!(
        found,
        ["netkit-verify: agents -> context -> agents"],
        "{found:?}"
    );
    // A module and the modules inside it are one room.
    let mut mods = BTreeMap::new();
    mods.insert(
        "sheets".to_string(),
        "use crate::sheets::closing::x;".to_string(),
    );
    mods.insert(
        "sheets::closing".to_string(),
        "use super::Sheet;".to_string(),
    );
    assert!(circles("x", &mods).is_empty());
}

#[test]
fn no_source_file_over_1000_lines() {
    let root = support::repo();
    let mut todo = vec![root.join("src"), root.join("tests"), root.join("crates")];
    let mut long = Vec::new();
    let mut seen = 0;
    while let Some(dir) = todo.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if !p.ends_with("target") && !p.ends_with("test_data") {
                    todo.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "rs") {
                seen += 1;
                let n = std::fs::read_to_string(&p).unwrap().lines().count();
                if n > 1000 {
                    long.push(format!("{} ({n} lines)", p.display()));
                }
            }
        }
    }
    assert!(seen > 100, "only {seen} source files found");
    assert!(
        long.is_empty(),
        "split these into rooms:\n{}",
        long.join("\n")
    );
}
