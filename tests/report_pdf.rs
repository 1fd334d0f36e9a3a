//! `netkit report --pdf`: `dossier.pdf` of acme (with the results of a real lab run)
//! and ferronor, read back with poppler (`pdfinfo`, `pdftotext`): A4, a page count
//! far under the 125 pages ferronor printed to before the routing tables were
//! summarized, every chapter found, numbered contents, no address split across
//! lines, every sheet on a new page with its signatures on the page of its last
//! table. Needs `chromium` and `poppler-utils` (scripts/setup.sh); outside CI the
//! test says so and stops when they are missing, in CI it fails.

mod support;
#[allow(unused_imports)]
use support::*;

use std::path::{Path, PathBuf};
use std::process::Command as Std;

use assert_cmd::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".")
}

fn tools() -> bool {
    let missing: Vec<&str> = ["chromium", "pdfinfo", "pdftotext"]
        .into_iter()
        .filter(|t| !have(t))
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(!in_ci(), "CI must have {missing:?} (scripts/setup.sh)");
    eprintln!("skipped: {missing:?} not installed (run scripts/setup.sh)");
    false
}

fn pdf(topology: &str, extra: &[&str], dir: &Path) -> (usize, Vec<String>) {
    let mut c = Command::cargo_bin("netkit").expect("netkit");
    c.current_dir(root())
        .args(["report", topology, "--date", "2026-12-02", "--pdf", "-o"])
        .arg(dir)
        .args(extra)
        .timeout(std::time::Duration::from_secs(600))
        .assert()
        .success();
    let file = dir.join("dossier.pdf");
    let info = Std::new("pdfinfo").arg(&file).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    assert!(info.contains("(A4)"), "{info}");
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count");
    let out = Std::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let texts: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    (pages, texts)
}

/// A line that ends inside an IPv4 address (or prefix) continued on the next line:
/// `10.1.20.` / `0/24`, `255.255.2` / `55.0`.
fn split_addresses(pages: &[String]) -> Vec<String> {
    let mut bad = Vec::new();
    for p in pages {
        let lines: Vec<&str> = p.lines().collect();
        for w in lines.windows(2) {
            let (a, b) = (w[0].trim_end(), w[1].trim_start());
            let tail: String = a
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '/')
                .collect::<String>()
                .chars()
                .rev()
                .collect();
            let dots = tail.matches('.').count();
            let partial =
                (1..=3).contains(&dots) && !tail.contains('/') && !tail.ends_with('.') && dots < 3
                    || tail.ends_with('.') && dots <= 3
                    || tail.ends_with('/');
            if partial && !tail.is_empty() && b.starts_with(|c: char| c.is_ascii_digit()) {
                bad.push(format!("{a} | {b}"));
            }
        }
    }
    bad
}

fn check_dossier(pages: usize, texts: &[String], sheets: usize) {
    assert!(
        texts.len() >= pages,
        "{} texts for {pages} pages",
        texts.len()
    );
    let all = texts.join("\n");
    for chapter in [
        "1. Topologie du réseau",
        "2. Plan d'adressage",
        "3. Tables de routage",
        "4. Règles de filtrage",
        "5. Rapport de recette",
        "6. Fiches d'intervention",
        "7. Fichiers fournis",
        "8. Annexes",
        "Annexe A",
    ] {
        assert!(all.contains(chapter), "no `{chapter}` in the PDF text");
    }
    // Numbered pages and contents with page numbers.
    assert!(
        all.contains(&format!("Page 2 sur {pages}")),
        "no page numbers"
    );
    let toc = &texts[1];
    assert!(toc.contains("Sommaire"), "contents not on page 2");
    assert!(
        toc.lines()
            .any(|l| l.trim().parse::<usize>().is_ok_and(|n| n > 2 && n <= pages)),
        "contents without page numbers: {toc}"
    );
    let split = split_addresses(texts);
    assert!(split.is_empty(), "addresses split across lines: {split:?}");
    // Every sheet starts a page; its signatures share the page of its last table.
    let starts: Vec<usize> = texts
        .iter()
        .enumerate()
        .filter(|(_, t)| t.contains("FICHE D'INTERVENTION"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(starts.len(), sheets, "one page starts each sheet");
    // Every page of a sheet repeats its number in the top margin.
    for (n, &first) in starts.iter().enumerate() {
        let number = texts[first]
            .lines()
            .find_map(|l| l.strip_prefix("Fiche d'intervention "))
            .unwrap_or_else(|| panic!("page {}: no sheet number in the margin", first + 1))
            .to_string();
        let end = starts.get(n + 1).copied().unwrap_or(first + 1);
        for (i, t) in texts.iter().enumerate().take(end).skip(first) {
            assert!(t.contains(&number), "page {}: {number} not repeated", i + 1);
        }
    }
    for (i, t) in texts.iter().enumerate() {
        if t.contains("Le technicien") {
            assert!(
                t.contains("Horaires"),
                "page {}: signatures without the schedule",
                i + 1
            );
            assert!(
                t.contains("Statut de clôture"),
                "page {}: no closing status",
                i + 1
            );
        }
    }
    let signed = texts.iter().filter(|t| t.contains("Le technicien")).count();
    assert_eq!(signed, sheets, "one signature block per sheet");
}

#[test]
fn dossier_pdf_of_acme_with_lab_results_and_of_ferronor() {
    if !tools() {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let results = root().join("crates/netkit-report/test_data/acme.lab-fail.json");
    let (pages, texts) = pdf(
        "inventories/acme.yaml",
        &[
            "--results",
            results.to_str().expect("utf-8 path"),
            "--playbook",
            "playbooks/acme-recette.yaml",
        ],
        &tmp.path().join("acme"),
    );
    assert!((12..=60).contains(&pages), "acme: {pages} pages");
    check_dossier(pages, &texts, 3);
    let all = texts.join("\n");
    assert!(all.contains("Annexe B"), "acme: no detailed figures");
    let words = all.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("mesurés pour 90 Mbit/s exigés"),
        "acme: bandwidth in words"
    );

    let (pages, texts) = pdf(
        "inventories/ferronor.yaml",
        &[],
        &tmp.path().join("ferronor"),
    );
    // 82 pages with the whole WAN view, then 23 of diagrams: one per site view, and
    // the views too large for a page (WAN, hq, dc) in enlarged parts, so that their
    // text prints at 7 pt or more.
    assert!(pages < 110, "ferronor: {pages} pages (125 before)");
    for view in ["ferronor", "Site hq", "Site dc"] {
        assert!(
            texts
                .iter()
                .any(|t| t.contains(&format!("{view} — partie 1 sur"))),
            "ferronor: `{view}` is not printed in parts"
        );
    }
    check_dossier(pages, &texts, 12);
    // pdftotext may read the wrapped "(attendu)" of a cell after its neighbour.
    let words = texts
        .join("\n")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(words.contains("appris par OSPF"), "ferronor is OSPF");
    assert!(!words.contains("statique"), "ferronor: no static origin");
}

#[test]
fn the_split_address_finder_finds_them() {
    let pages = vec![
        "a 10.1.20.\n0/24\nb".to_string(),
        "255.255.2\n55.0".to_string(),
    ];
    assert_eq!(split_addresses(&pages).len(), 2);
    let fine = vec!["10.1.20.0/24\n10.1.0.0/24\nport 445\n12".to_string()];
    assert!(
        split_addresses(&fine).is_empty(),
        "{:?}",
        split_addresses(&fine)
    );
}
