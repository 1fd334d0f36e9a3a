//! `netkit report` end to end: the binary writes every document into the folder,
//! atomically, and refuses bad input with exit 2 and one clear sentence.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".")
}

fn netkit() -> Command {
    let mut c = Command::cargo_bin("netkit").expect("netkit binary");
    c.current_dir(root());
    c
}

const FILES: &[&str] = &[
    "index.html",
    "topology.svg",
    "topology.dot",
    "topology.mmd",
    "topology.drawio",
    "addressing.csv",
    "addressing.md",
    "routes.csv",
    "routes.md",
    "acceptance.md",
    "interventions.md",
    "netbox-sites.csv",
    "netbox-vlans.csv",
    "netbox-prefixes.csv",
    "netbox-ip-addresses.csv",
];

fn results_fixture() -> PathBuf {
    root().join("crates/netkit-report/test_data/acme.results.json")
}

#[test]
fn writes_every_document_in_french_by_default() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("docs");
    netkit()
        .args([
            "report",
            "inventories/acme.yaml",
            "--date",
            "2026-12-02",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    for f in FILES {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let html = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    assert!(html.contains("<html lang=\"fr\">"));
    assert!(html.contains("02/12/2026"));
    assert!(html.contains("Aucun test n&#39;a encore été exécuté"));
    // Nothing left next to the folder.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("read")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".netkit-report-")
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary folder left behind");
}

#[test]
fn results_playbook_and_names_fill_the_sheets_in_english() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("docs");
    std::fs::create_dir(&out).expect("mkdir");
    std::fs::write(out.join("notes.txt"), "mine").expect("write");
    netkit()
        .args([
            "report",
            "inventories/acme.yaml",
            "--lang",
            "en",
            "--playbook",
            "playbooks/acme-recette.yaml",
        ])
        .args([
            "--technician",
            "Jo Tech",
            "--requester",
            "IT dept",
            "--results",
        ])
        .arg(results_fixture())
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let sheets = std::fs::read_to_string(out.join("interventions.md")).expect("sheets");
    assert!(sheets.contains("| Technician | Jo Tech |"));
    assert!(sheets.contains("| Requester | IT dept |"));
    assert!(sheets.contains("| Deadline | 2026-12-01 18:00:00 UTC |"));
    assert!(sheets.contains("| Deadline met | yes |"));
    // Files of other tools in the folder are left alone.
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).expect("kept"),
        "mine"
    );
}

#[test]
fn a_plan_json_works_as_input() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let plan = tmp.path().join("plan.json");
    let out = tmp.path().join("docs");
    std::fs::copy(
        root().join("crates/netkit-report/test_data/acme.plan.json"),
        &plan,
    )
    .expect("copy");
    netkit()
        .arg("report")
        .arg(&plan)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    assert!(out.join("topology.svg").is_file());
}

#[test]
fn bad_input_is_exit_2_with_one_sentence() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let junk = tmp.path().join("junk.json");
    std::fs::write(&junk, "{ not json").expect("write");
    let out = tmp.path().join("docs");
    let a = netkit()
        .args(["report", "inventories/acme.yaml", "--results"])
        .arg(&junk)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("junk.json:1:"), "{err}");
    assert!(err.contains("netkit verify"), "{err}");
    assert!(!out.exists(), "nothing written on error");

    // Results of another topology.
    let other = tmp.path().join("other.json");
    let text = std::fs::read_to_string(results_fixture())
        .expect("fixture")
        .replace("\"topology\": \"acme\"", "\"topology\": \"globex\"");
    std::fs::write(&other, text).expect("write");
    let a = netkit()
        .args(["report", "inventories/acme.yaml", "--results"])
        .arg(&other)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("globex"));

    // -o names a file.
    let file = tmp.path().join("file");
    std::fs::write(&file, "x").expect("write");
    netkit()
        .args(["report", "inventories/acme.yaml", "-o"])
        .arg(&file)
        .assert()
        .code(2);

    // Unknown language.
    netkit()
        .args(["report", "inventories/acme.yaml", "--lang", "de", "-o"])
        .arg(&out)
        .assert()
        .code(2);

    // Bad deadline.
    let a = netkit()
        .args([
            "report",
            "inventories/acme.yaml",
            "--deadline",
            "tomorrow",
            "-o",
        ])
        .arg(&out)
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("RFC 3339"));
}

#[test]
fn same_input_same_files() {
    let tmp = tempfile::tempdir().expect("tempdir");
    for d in ["a", "b"] {
        netkit()
            .args(["report", "inventories/acme.yaml", "-o"])
            .arg(tmp.path().join(d))
            .env("SOURCE_DATE_EPOCH", "1796083200")
            .assert()
            .success();
    }
    for f in FILES {
        assert_eq!(
            std::fs::read(tmp.path().join("a").join(f)).expect("a"),
            std::fs::read(tmp.path().join("b").join(f)).expect("b"),
            "{f} differs between runs"
        );
    }
}
