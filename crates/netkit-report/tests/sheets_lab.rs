//! Intervention sheets and acceptance report, in French and English, from the results
//! of a real lab run of `playbooks/acme-recette.yaml` (`netkit lab up` as root, then
//! `netkit verify --format json`): `acme.lab-pass.json` on the lab as built,
//! `acme.lab-fail.json` after removing lyon.r1's routes toward hq and its filter, and
//! shaping its WAN link to 40 Mbit/s. Snapshots in `test_data/expected/lab-*`;
//! `UPDATE_EXPECT=1` rewrites them. Besides the snapshots, the sentences a jury reads
//! are checked directly.

mod common;

use netkit_report::{Lang, render};
use netkit_results::Results;

fn acme() -> netkit_plan::Plan {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../inventories/acme.yaml");
    let parsed = netkit_model::parse(&std::fs::read(path).expect("acme.yaml"));
    netkit_plan::plan(&parsed.topology.expect("valid"), None).expect("plannable")
}

fn results(name: &str) -> Results {
    Results::from_json(&std::fs::read_to_string(common::data(name)).expect("fixture"))
        .expect("results")
}

fn docs(fixture: &str, lang: Lang) -> Vec<(String, String)> {
    let mut opt = common::options(lang);
    opt.technician = Some("Camille Martin".into());
    opt.requester = Some("DSI Acme".into());
    opt.deadline = Some("2026-12-02T17:57:30Z".into());
    render(&acme(), Some(&results(fixture)), &opt)
        .expect("render")
        .into_iter()
        .filter(|f| f.name == "interventions.md" || f.name == "acceptance.md")
        .map(|f| (f.name, String::from_utf8(f.bytes).expect("utf-8")))
        .collect()
}

fn snapshot(dir: &str, files: &[(String, String)]) {
    let dir = common::data("expected").join(dir);
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    for (name, text) in files {
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).expect("mkdir");
            std::fs::write(&path, text).expect("write");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if &want != text {
            let line = text
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{} differs at line {}:\n  got:  {}\n  want: {}\n(UPDATE_EXPECT=1 to accept)",
                path.display(),
                line + 1,
                text.lines().nth(line).unwrap_or("<end>"),
                want.lines().nth(line).unwrap_or("<end>")
            );
        }
    }
}

fn get<'a>(files: &'a [(String, String)], name: &str) -> &'a str {
    &files.iter().find(|f| f.0 == name).expect("file").1
}

#[test]
fn sheets_of_a_failed_lab_run_in_french() {
    let f = docs("acme.lab-fail.json", Lang::Fr);
    snapshot("lab-fr", &f);
    let s = get(&f, "interventions.md");
    assert!(
        s.contains("38,1\u{A0}Mbit/s mesurés pour 90\u{A0}Mbit/s exigés"),
        "{s}"
    );
    assert!(s.contains("aucune réponse (3\u{A0}envois) ; témoin\u{A0}: sa passerelle 10.1.1.1 (hq.r1) répond au ping"));
    assert!(s.contains("port 445 injoignable"));
    assert!(
        s.contains("6\u{A0}interfaces actives") && s.contains("14\u{A0}adresses conformes au plan")
    );
    assert!(s.contains("aucune réponse de 10.2.0.1 (lyon.r1) après 3 essais"));
    assert!(s.contains("non conforme : 5 contrôles en échec, reprise nécessaire"));
    assert!(s.contains("**Actions correctives**"));
    assert!(s.contains("| Le technicien | Le demandeur |"));
    // The tests of lyon ended after the deadline: how late is said.
    assert!(s.contains("non (retard de"), "{s}");
    assert!(!s.contains("(s)"), "no `(s)` plurals");
}

#[test]
fn sheets_of_a_failed_lab_run_in_english() {
    let f = docs("acme.lab-fail.json", Lang::En);
    snapshot("lab-en", &f);
    let s = get(&f, "interventions.md");
    assert!(
        s.contains("38.1 Mbit/s measured for 90 Mbit/s required"),
        "{s}"
    );
    assert!(s.contains("no reply (3 sent); control: its gateway 10.1.1.1 (hq.r1) answers ping"));
    assert!(s.contains("not accepted: 5 failed checks, rework needed"));
    assert!(s.contains("carried 38.12 Mbit/s of TCP goodput"));
}

#[test]
fn sheets_of_a_passed_lab_run() {
    for (lang, dir, ok) in [
        (
            Lang::Fr,
            "lab-pass-fr",
            "**Statut de clôture**\u{A0}: conforme",
        ),
        (Lang::En, "lab-pass-en", "**Closing status**: accepted"),
    ] {
        let f = docs("acme.lab-pass.json", lang);
        snapshot(dir, &f);
        let s = get(&f, "interventions.md");
        assert!(s.contains(ok), "{s}");
        assert!(!s.contains("Actions correctives") && !s.contains("Corrective actions"));
    }
}

/// The service levels of a real lab run of `playbooks/acme-niveaux-de-service.yaml`:
/// as built (`acme.lab-service-pass.json`), then with a quarter of lyon.r1's ICMP
/// dropped by nftables and its WAN link shaped to 30 Mbit/s (`-fail`).
#[test]
fn service_levels_from_a_lab_run() {
    let render_html = |fixture: &str, lang: Lang| {
        let files =
            render(&acme(), Some(&results(fixture)), &common::options(lang)).expect("render");
        let f = files
            .into_iter()
            .find(|f| f.name == "index.html")
            .expect("html");
        String::from_utf8(f.bytes).expect("utf-8")
    };
    let fr = render_html("acme.lab-service-fail.json", Lang::Fr);
    assert!(fr.contains("<h3>Niveaux de service</h3>"));
    let section = &fr[fr.find("<h3>Niveaux de service</h3>").expect("section")..];
    let section = &section[..section.find("</table>").expect("table")];
    // hq – lyon: 100 Mbit/s declared, 90 required, 28.7 measured; 30 % loss at worst.
    let row = section
        .split("<tr>")
        .find(|r| r.contains("hq – lyon"))
        .expect("hq – lyon row");
    assert!(
        row.contains("100\u{A0}Mbit/s") && row.contains("90\u{A0}Mbit/s"),
        "{row}"
    );
    assert!(row.contains("28,7\u{A0}Mbit/s"), "{row}");
    assert!(
        row.contains("30\u{202F}%") && row.contains("non respecté"),
        "{row}"
    );
    // hq – marseille: measured within its limits.
    let row = section
        .split("<tr>")
        .find(|r| r.contains("hq – marseille"))
        .expect("hq – marseille row");
    assert!(
        row.contains("respecté") && !row.contains("non respecté"),
        "{row}"
    );
    // The reason in French.
    assert!(
        fr.contains("perte de 15\u{A0}%, au-delà du maximum de 1\u{A0}%"),
        "no French loss reason"
    );
    let en = render_html("acme.lab-service-pass.json", Lang::En);
    assert!(en.contains("<h3>Service levels</h3>") && en.contains(">met<"));
    assert!(!en.contains("not met"));
}

/// The service levels written on links (ferronor's dark fibre hq – dc: 20 ms, 10 ms,
/// 1 %) stand in the table as expected before anything is measured, and a latency
/// check measured toward the far end's address on the link (what `--auto` derives)
/// lands in the row of that link's two sites, not in a site named after the address.
#[test]
fn link_service_levels_in_the_table() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../inventories/ferronor.yaml");
    let parsed = netkit_model::parse(&std::fs::read(path).expect("ferronor.yaml"));
    let plan = netkit_plan::plan(&parsed.topology.expect("valid"), None).expect("plannable");
    let fibre = plan
        .links
        .iter()
        .find(|l| l.description.as_deref() == Some("Fibre noire"))
        .expect("the dark fibre");
    let section = |results: Option<&Results>| -> String {
        let files = render(&plan, results, &common::options(Lang::Fr)).expect("render");
        let html = files
            .into_iter()
            .find(|f| f.name == "index.html")
            .map(|f| String::from_utf8(f.bytes).expect("utf-8"))
            .expect("html");
        let s = &html[html.find("<h3>Niveaux de service</h3>").expect("section")..];
        s[..s.find("</table>").expect("table")].to_string()
    };
    let row_of = |s: &str, sites: &str| {
        s.split("<tr>")
            .find(|r| r.contains(sites))
            .unwrap_or_else(|| panic!("no {sites} row in {s}"))
            .to_string()
    };
    // Results of one reach check only: nothing measured on the fibre yet.
    let reach = Results::from_json(
        r#"{"format":"netkit-results/1","playbook":"auto","target":"lab","started":"2026-12-03T08:00:00Z","finished":"2026-12-03T08:00:01Z","topology":"ferronor","results":[
        {"check":"reach","from":"hq.users","to":"dc.servers","target":"10.0.0.1","verdict":"pass","expected":{},"measured":{},"start":"2026-12-03T08:00:00Z","end":"2026-12-03T08:00:01Z","site":"hq"}]}"#,
    )
    .expect("results");
    let before = section(Some(&reach));
    let row = row_of(&before, "dc – hq");
    assert!(
        row.contains("20\u{A0}ms") && row.contains("10\u{A0}ms") && row.contains("1\u{202F}%"),
        "{row}"
    );
    assert!(row.contains("non mesuré"), "{row}");

    let measured = format!(
        r#"{{"format":"netkit-results/1","playbook":"auto","target":"lab","started":"2026-12-03T08:00:00Z","finished":"2026-12-03T08:00:01Z","topology":"ferronor","results":[
        {{"check":"latency","from":"hq.r1","to":"{to}","target":"{to}","verdict":"fail","reason":"average RTT 31.00 ms above the maximum of 20 ms",
          "expected":{{"max_rtt_ms":20.0,"max_jitter_ms":10.0,"max_loss_pct":1.0,"count":20}},
          "measured":{{"sent":20,"received":20,"loss_pct":0.0,"rtt_min_ms":29.0,"rtt_avg_ms":31.0,"rtt_max_ms":33.0,"jitter_ms":1.0}},
          "start":"2026-12-03T08:00:00Z","end":"2026-12-03T08:00:01Z","site":"hq"}}]}}"#,
        to = fibre.b_address
    );
    let res = Results::from_json(&measured).expect("results");
    let after = section(Some(&res));
    let row = row_of(&after, "dc – hq");
    assert!(
        row.contains("31\u{A0}ms") && row.contains("non respecté"),
        "{row}"
    );
    let first_octet = fibre.b_address.to_string();
    let first_octet = first_octet.split('.').next().expect("octet");
    assert!(
        !after.contains(&format!(">{first_octet} – "))
            && !after.contains(&format!(" – {first_octet}<")),
        "a row named after the address: {after}"
    );
}
