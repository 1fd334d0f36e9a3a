//! The user reference in `docs/reference/` says what the binary does: every tagged
//! example on its pages is checked here against `netkit` and its libraries.
//!
//! - `yaml topology`: a complete topology; `netkit validate` accepts it.
//! - `yaml playbook`: a playbook; it parses and names only nodes of the acme example.
//! - `json plan` / `json plan-layer2`: every field shown is in the real plan JSON
//!   (of acme, of the access-layer example), with the same JSON type.
//! - `json results`: it parses as `netkit-results/1` and every field shown is one the
//!   results type writes.
//! - the command table of the index names only commands `netkit --help` lists.

mod support;

use std::path::Path;

use support::*;

/// The fenced blocks of `page` whose info string is `lang tag`, with their line.
fn blocks(page: &str, lang: &str, tag: &str) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(repo().join("docs/reference").join(page)).unwrap();
    let fence = format!("```{lang} {tag}");
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, l)) = lines.next() {
        if l.trim_end() == fence {
            let body: Vec<&str> = lines
                .by_ref()
                .map(|(_, l)| l)
                .take_while(|l| !l.starts_with("```"))
                .collect();
            out.push((n + 1, body.join("\n") + "\n"));
        }
    }
    out
}

#[test]
fn topology_examples_validate() {
    let examples = blocks("topology.md", "yaml", "topology");
    assert!(
        !examples.is_empty(),
        "no `yaml topology` example in topology.md"
    );
    let dir = temp_dir();
    for (line, yaml) in examples {
        let p = dir.path().join(format!("example-{line}.yaml"));
        std::fs::write(&p, yaml).unwrap();
        let out = netkit().arg("validate").arg(&p).output().unwrap();
        assert!(
            out.status.success(),
            "topology.md:{line}: netkit validate refuses the example: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn plan_of(topology: &Path) -> serde_json::Value {
    let out = netkit()
        .args(["plan", "--format", "json"])
        .arg(topology)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn playbook_examples_parse_and_name_acme_nodes() {
    let examples = blocks("playbook.md", "yaml", "playbook");
    assert!(examples.len() >= 3, "the playbook examples are gone");
    let plan = netkit_plan::Plan::from_json(&plan_of(&inventory("acme")).to_string()).unwrap();
    for (line, yaml) in examples {
        let path = repo().join("docs/reference/playbook.md");
        let pb = netkit_verify::playbook::parse(&path, &yaml)
            .unwrap_or_else(|e| panic!("playbook.md:{line}: the example does not parse: {e:?}"));
        let problems = netkit_verify::playbook::validate(&pb, &plan);
        assert!(
            problems.is_empty(),
            "playbook.md:{line}: the example names what acme has not: {problems:?}"
        );
    }
}

/// Every field of `shown` is in `real` with the same JSON type (objects by key,
/// arrays by their first element); `path` for messages.
fn has_fields(shown: &serde_json::Value, real: &serde_json::Value, path: &str) -> Vec<String> {
    use serde_json::Value as V;
    let kind = |v: &V| match v {
        V::Null => "null",
        V::Bool(_) => "bool",
        V::Number(_) => "number",
        V::String(_) => "string",
        V::Array(_) => "array",
        V::Object(_) => "object",
    };
    match (shown, real) {
        (V::Object(s), V::Object(r)) => s
            .iter()
            .flat_map(|(k, v)| match r.get(k) {
                None => vec![format!("{path}.{k} is not in the real output")],
                Some(rv) => has_fields(v, rv, &format!("{path}.{k}")),
            })
            .collect(),
        (V::Array(s), V::Array(r)) => match (s.first(), r.first()) {
            (Some(sv), Some(rv)) => has_fields(sv, rv, &format!("{path}[0]")),
            (Some(_), None) => vec![format!("{path} is empty in the real output")],
            _ => Vec::new(),
        },
        // `null` in the example stands for "absent here, a value elsewhere".
        (V::Null, _) | (_, V::Null) => Vec::new(),
        (s, r) if kind(s) == kind(r) => Vec::new(),
        (s, r) => vec![format!(
            "{path} is a {} in the example, a {} in the real output",
            kind(s),
            kind(r)
        )],
    }
}

#[test]
fn plan_json_fields_are_in_the_real_plan() {
    let [(line, text)] = blocks("plan-json.md", "json", "plan")
        .try_into()
        .expect("one plan example");
    let shown: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("plan-json.md:{line}: not JSON: {e}"));
    let missing = has_fields(&shown, &plan_of(&inventory("acme")), "plan");
    assert!(
        missing.is_empty(),
        "plan-json.md:{line}:\n{}",
        missing.join("\n")
    );

    let [(line, text)] = blocks("plan-json.md", "json", "plan-layer2")
        .try_into()
        .expect("one layer-2 example");
    let shown: serde_json::Value = serde_json::from_str(&format!("{{{text}}}"))
        .unwrap_or_else(|e| panic!("plan-json.md:{line}: not JSON: {e}"));
    let spec_example = repo().join("crates/netkit-plan/test_data/layer2/spec_example.yaml");
    let missing = has_fields(&shown, &plan_of(&spec_example), "plan");
    assert!(
        missing.is_empty(),
        "plan-json.md:{line}:\n{}",
        missing.join("\n")
    );
}

#[test]
fn results_json_example_is_what_verify_writes() {
    let [(line, text)] = blocks("results-json.md", "json", "results")
        .try_into()
        .expect("one results example");
    let parsed = netkit_results::Results::from_json(&text)
        .unwrap_or_else(|e| panic!("results-json.md:{line}: not netkit-results/1: {e}"));
    let shown: serde_json::Value = serde_json::from_str(&text).unwrap();
    let written: serde_json::Value = serde_json::from_str(&parsed.to_json()).unwrap();
    let missing = has_fields(&shown, &written, "results");
    assert!(
        missing.is_empty(),
        "results-json.md:{line}:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_command_table_names_real_commands() {
    let text = std::fs::read_to_string(repo().join("docs/reference/README.md")).unwrap();
    let help = netkit().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    let commands: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("| `netkit "))
        .filter_map(|l| l.split([' ', '`']).next())
        .collect();
    assert!(
        commands.len() >= 10,
        "the command table is gone: {commands:?}"
    );
    for c in commands {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{c} "))),
            "docs/reference/README.md names `netkit {c}`, which `netkit --help` does not list"
        );
    }
}
