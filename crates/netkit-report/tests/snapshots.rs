//! Every file of the acme report, in both languages, against the expected files in
//! `test_data/expected/` (plan and results fixtures, fixed date). Update them with
//! `UPDATE_EXPECT=1 cargo test -p netkit-report --test snapshots` and review the diff.

mod common;

use std::path::Path;

use netkit_report::{FILES, Lang, render};

fn check_dir(dir: &Path, files: &[netkit_report::ReportFile]) {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    if update {
        std::fs::create_dir_all(dir).expect("create expected folder");
    }
    let mut problems = Vec::new();
    for f in files {
        let path = dir.join(&f.name);
        if update {
            std::fs::write(&path, &f.bytes).expect("write expected file");
            continue;
        }
        let want = std::fs::read(&path).unwrap_or_default();
        if want != f.bytes {
            let got = String::from_utf8_lossy(&f.bytes);
            let want = String::from_utf8_lossy(&want);
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| got.lines().count().min(want.lines().count()));
            problems.push(format!(
                "{} differs from line {}:\n  got:  {}\n  want: {}",
                path.display(),
                line + 1,
                got.lines().nth(line).unwrap_or("<end>"),
                want.lines().nth(line).unwrap_or("<end>")
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n(run with UPDATE_EXPECT=1 to accept the new output)",
        problems.join("\n")
    );
}

/// inventories/acme.yaml through the real parser and planner.
fn acme_from_yaml() -> netkit_plan::Plan {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../inventories/acme.yaml");
    let bytes = std::fs::read(&path).expect("inventories/acme.yaml");
    let parsed = netkit_model::parse(&bytes);
    let topology = parsed
        .topology
        .unwrap_or_else(|| panic!("acme.yaml invalid: {:?}", parsed.diagnostics));
    netkit_plan::plan(&topology, None)
        .unwrap_or_else(|d| panic!("acme.yaml cannot be planned: {d:?}"))
}

#[test]
fn the_fixture_plan_is_the_planners() {
    // test_data/acme.plan.json (input of the other tests) is what the planner makes
    // of inventories/acme.yaml; refresh it with
    // `netkit plan inventories/acme.yaml --format json -o crates/netkit-report/test_data/acme.plan.json`.
    assert_eq!(acme_from_yaml(), common::acme_plan());
}

#[test]
fn acme_with_results_in_both_languages() {
    let plan = acme_from_yaml();
    let results = common::acme_results();
    for (lang, dir) in [(Lang::Fr, "fr"), (Lang::En, "en")] {
        let files = render(&plan, Some(&results), &common::options(lang)).expect("render");
        let names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(&names[..FILES.len()], FILES);
        // Then the WAN view and one view per site, four syntaxes each.
        assert_eq!(names.len(), FILES.len() + 4 * (1 + plan.sites.len()));
        assert!(
            names[FILES.len()..]
                .iter()
                .all(|n| n.starts_with("wan.") || n.starts_with("site-"))
        );
        check_dir(&common::data("expected").join(dir), &files);
    }
}

#[test]
fn acme_without_results() {
    let plan = acme_from_yaml();
    let files = render(&plan, None, &common::options(Lang::Fr)).expect("render");
    check_dir(&common::data("expected").join("fr-no-results"), &files);
    let sheets = files
        .iter()
        .find(|f| f.name == "interventions.md")
        .expect("sheets");
    let text = String::from_utf8_lossy(&sheets.bytes);
    assert_eq!(
        text.matches("Aucun test n'a encore été exécuté pour ce site.")
            .count(),
        2 * 3,
        "every sheet says no test ran (tests part and remarks)"
    );
}

#[test]
fn same_input_same_bytes() {
    let plan = common::acme_plan();
    let results = common::acme_results();
    let a = render(&plan, Some(&results), &common::options(Lang::En)).expect("render");
    let b = render(&plan, Some(&results), &common::options(Lang::En)).expect("render");
    assert_eq!(a, b);
}

#[test]
fn french_and_english_documents_share_no_sentence() {
    // Every document is translated: the French and English index.html differ on
    // every line of text that is not data.
    let plan = common::acme_plan();
    let results = common::acme_results();
    let fr = render(&plan, Some(&results), &common::options(Lang::Fr)).expect("render");
    let en = render(&plan, Some(&results), &common::options(Lang::En)).expect("render");
    let fr_html = String::from_utf8_lossy(&fr[0].bytes).to_string();
    let en_html = String::from_utf8_lossy(&en[0].bytes).to_string();
    for word in [
        "Sommaire",
        "Plan d'adressage",
        "Fiche d'intervention",
        "Échéance respectée",
        "routeur",
        "02/12/2026",
    ] {
        assert!(
            fr_html.contains(&netkit_report_escape(word)),
            "fr lacks {word}"
        );
        assert!(
            !en_html.contains(&netkit_report_escape(word)),
            "en contains {word}"
        );
    }
    for word in [
        "Contents",
        "Addressing plan",
        "Intervention sheet",
        "Deadline met",
        "router",
        "2026-12-02",
    ] {
        assert!(en_html.contains(word), "en lacks {word}");
    }
    assert!(fr_html.contains("<html lang=\"fr\">"));
    assert!(en_html.contains("<html lang=\"en\">"));
}

fn netkit_report_escape(s: &str) -> String {
    s.replace('\'', "&#39;")
}

#[test]
fn sheets_report_times_deadline_and_tests() {
    let plan = common::acme_plan();
    let results = common::acme_results();
    let files = render(&plan, Some(&results), &common::options(Lang::En)).expect("render");
    let md = files
        .iter()
        .find(|f| f.name == "interventions.md")
        .expect("sheets");
    let md = String::from_utf8_lossy(&md.bytes);
    // One sheet per site, numbered.
    for n in ["FI-ACME-001", "FI-ACME-002", "FI-ACME-003"] {
        assert!(md.contains(n), "missing sheet {n}");
    }
    // hq: tests from 14:02:12 to 14:02:58, before the 18:00 deadline.
    assert!(md.contains("| Start | 2026-12-01 14:02:12 UTC |"), "{md}");
    assert!(md.contains("| End | 2026-12-01 14:02:58 UTC |"));
    assert!(md.contains("| Duration | 46 s |"));
    assert!(md.contains("| Deadline met | yes |"));
    assert!(md.contains("Camille Martin"));
    // marseille has no test in the results: said, not invented.
    assert!(md.contains("The results supplied hold no test about this site."));
    // What was done on hq.r1: its interfaces and the filter rules count.
    assert!(md.contains("| vlan99 | 10.1.1.1/24 |"), "{md}");
    // 4 for the guests opening connections, 2 for connections opened toward them.
    assert!(md.contains("6 filtering rules configured on hq.r1"));
}
