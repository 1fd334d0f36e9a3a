//! Data-driven tests: every `test_data/valid/*.yaml` must parse with no error and give
//! the topology in the `.json` next to it; every `test_data/invalid/*.yaml` must give
//! exactly the diagnostics in the `.txt` next to it (rendered as the CLI prints them).
//!
//! `UPDATE_EXPECT=1 cargo test -p netkit-model --test fixtures` rewrites the expected
//! files; review the diff before committing.

use std::fs;
use std::path::{Path, PathBuf};

fn fixtures(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

/// Compare `actual` with the expected file, or rewrite it under `UPDATE_EXPECT=1`.
fn expect(path: &Path, actual: &str, failures: &mut Vec<String>) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(path, actual).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    match fs::read_to_string(path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) => failures.push(format!(
            "{} differs:\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        )),
        Err(_) => failures.push(format!(
            "{} is missing; run with UPDATE_EXPECT=1 to create it:\n{actual}",
            path.display()
        )),
    }
}

fn render(file: &str, parsed: &netkit_model::Parsed) -> String {
    let mut out = String::new();
    for d in &parsed.diagnostics {
        out.push_str(&d.display_with(file).to_string());
        out.push('\n');
    }
    out
}

#[test]
fn valid_fixtures_parse_to_expected_topologies() {
    let mut failures = Vec::new();
    for path in fixtures("valid") {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = fs::read(&path).expect("fixture is readable");
        let parsed = netkit_model::parse(&bytes);
        let Some(topology) = &parsed.topology else {
            failures.push(format!(
                "{name} should be valid:\n{}",
                render(&name, &parsed)
            ));
            continue;
        };
        let mut json = serde_json::to_string_pretty(topology).expect("a topology serializes");
        json.push('\n');
        // Warnings, if any, are part of the expectation too.
        if !parsed.diagnostics.is_empty() {
            expect(
                &path.with_extension("txt"),
                &render(&name, &parsed),
                &mut failures,
            );
        }
        expect(&path.with_extension("json"), &json, &mut failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn invalid_fixtures_give_expected_diagnostics() {
    let mut failures = Vec::new();
    for path in fixtures("invalid") {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = fs::read(&path).expect("fixture is readable");
        let parsed = netkit_model::parse(&bytes);
        if parsed.topology.is_some() || !parsed.has_errors() {
            failures.push(format!("{name} should be invalid but parsed"));
            continue;
        }
        for d in &parsed.diagnostics {
            if d.hint.is_none() {
                failures.push(format!("{name}: diagnostic without a hint: {}", d.message));
            }
        }
        expect(
            &path.with_extension("txt"),
            &render(&name, &parsed),
            &mut failures,
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
