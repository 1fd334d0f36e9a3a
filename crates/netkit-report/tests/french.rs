//! No French document carries English words or internal keys: every text the report
//! writes (HTML, Markdown, CSV, SVG) for acme with the results of a real lab run
//! (`test_data/acme.lab-*.json`: the playbook on the lab as built, then on the lab
//! with lyon.r1's routes and filters removed and its WAN link shaped to 40 Mbit/s)
//! and for ferronor, searched for the keys and phrases the code emits in English.
//! Names from the topology (sites, devices, segments, hosts) are data, not words,
//! and are removed before the search.

mod common;

use netkit_report::{Lang, render};
use netkit_results::Results;

/// Keys of the results JSON and English phrases of `netkit verify` and of the
/// report's own English catalog that once reached French documents.
const ENGLISH: &[&str] = &[
    "bps",
    "goodput",
    "omit",
    "tries",
    "try",
    "outcome",
    "control",
    "its gateway",
    "reached",
    "answers",
    "answered",
    "intervals",
    "kinds",
    "differences",
    "below",
    "the plan",
    "measured",
    "expected",
    "no reply",
    "not run",
    "failure",
    "failures",
    "passed",
    "failed",
    "streams",
    "retransmits",
    "forward",
    "wire",
    "true",
    "false",
    "null",
    "interfaces-up",
    "addresses-match-plan",
    "routes-match-plan",
    "silent",
    "checked",
    "tool",
    "server",
    "reply",
    "toward",
    "missing",
    "static",
    "learned",
    "sent",
    "received",
    "hops",
    "link",
    "loopback",
    "in the lab",
    "address",
    "route table",
    "address table",
    "rtt ms",
    "time ms",
    "in",
    "Errors",
    "Client",
    "none",
    "check",
    "checks",
    "network unreachable",
    "unreachable",
    "os error",
    "path",
    "via the",
    "and",
    "the",
    "of them",
    "summary",
    "summaries",
    "more specific",
    "connected",
    "default",
    "deadline",
    "late",
    "accepted",
    "reservations",
    "rework",
    "see the routing table",
    "filtering rule",
    "next hop",
    "state",
    "average",
    "channels",
    "trunk link",
    "lien trunk",
    "access point",
    "switch",
    "ports carried",
    "VLANs carried",
    "broadcast",
];

/// French that reads badly and once reached the documents: a yes/no glued to its
/// label, a zero count where a word belongs, numbers without their unit, the old
/// word for the next hop, two colons in one sentence, `(s)` plurals.
const AWKWARD: &[&str] = &[
    "réponse non",
    "réponse oui",
    "connexion établie oui",
    "réponse DNS oui",
    "destination atteinte oui",
    "0 règle",
    "0 résumé",
    "issue ouvert",
    "démarrage ignoré 1 ·",
    "perte maximale 1 ·",
    "Passerelle suivante",
    "conforme : 1",
    "conforme : 2",
    "(s)",
    "1 Erreurs",
    "Le client",
    "(dont 0 IPv6)",
    "h 00 min",
    "min 00 s",
    "j 0 h",
];

fn plan_of(yaml: &str) -> netkit_plan::Plan {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../inventories")
        .join(yaml);
    let bytes = std::fs::read(&path).expect("inventory");
    let parsed = netkit_model::parse(&bytes);
    let topology = parsed.topology.expect("valid inventory");
    netkit_plan::plan(&topology, None).expect("plannable")
}

fn results(name: &str) -> Results {
    let text = std::fs::read_to_string(common::data(name)).expect("fixture");
    Results::from_json(&text).expect("results")
}

/// Visible text of an HTML/SVG document: no `<style>`, no tags, entities decoded.
fn visible(text: &str) -> String {
    let mut s = text.to_string();
    while let Some(a) = s.find("<style") {
        let b = s[a..]
            .find("</style>")
            .map(|b| a + b + 8)
            .unwrap_or(s.len());
        s.replace_range(a..b, " ");
    }
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

/// Every name of the plan, longest first (so that `hq.servers.fs1` goes before `hq`).
fn names(plan: &netkit_plan::Plan) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for s in &plan.sites {
        v.push(s.name.clone());
        v.extend(s.location.clone());
        v.extend(s.description.clone());
        for g in &s.segments {
            v.push(g.id.clone());
            v.extend(g.description.clone());
            for n in &g.named {
                v.push(n.id.clone());
                v.extend(n.fqdn.clone());
            }
        }
    }
    for d in &plan.devices {
        v.push(d.id.clone());
        v.extend(d.fqdn.clone());
    }
    v.push(plan.name.clone());
    v.extend(plan.description.clone());
    if let Some(d) = &plan.dns {
        v.push(d.domain.clone());
    }
    v.sort_by_key(|s| std::cmp::Reverse(s.len()));
    v
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '-' || c == '_'
}

/// `word` in `text` as a whole word (case-insensitive), with some context.
fn find_word(text: &str, word: &str) -> Option<String> {
    let low = text.to_lowercase();
    let w = word.to_lowercase();
    let mut from = 0;
    while let Some(i) = low[from..].find(&w).map(|i| from + i) {
        let before = low[..i].chars().next_back();
        let after = low[i + w.len()..].chars().next();
        let edge = |c: Option<char>, inner: Option<char>| {
            c.is_none_or(|c| !is_word(c)) || inner.is_some_and(|x| !is_word(x))
        };
        if edge(before, w.chars().next()) && edge(after, w.chars().next_back()) {
            let a = low[..i]
                .char_indices()
                .rev()
                .nth(40)
                .map(|x| x.0)
                .unwrap_or(0);
            let b = (i + w.len() + 40).min(low.len());
            let b = (b..=low.len())
                .find(|b| low.is_char_boundary(*b))
                .unwrap_or(low.len());
            return Some(text[a..b].replace('\n', " "));
        }
        from = i + w.len();
    }
    None
}

fn check_french(plan: &netkit_plan::Plan, res: Option<&Results>, what: &str) -> Vec<String> {
    let mut opt = common::options(Lang::Fr);
    opt.playbook = Some("Recette réseau".into());
    let files = render(plan, res, &opt).expect("render");
    let names = names(plan);
    let mut problems = Vec::new();
    for f in &files {
        // NetBox's import files use NetBox's own (English) column names and values.
        if f.name.starts_with("netbox-")
            || f.name.ends_with(".dot")
            || f.name.ends_with(".mmd")
            || f.name.ends_with(".drawio")
        {
            continue;
        }
        let raw = String::from_utf8_lossy(&f.bytes).to_string();
        let mut text = if f.name.ends_with(".html") || f.name.ends_with(".svg") {
            visible(&raw)
        } else {
            raw
        };
        for n in &names {
            text = text.replace(n.as_str(), " ");
        }
        // File names listed in the documents are names, not words.
        for file in netkit_report::FILES {
            text = text.replace(file, " ");
        }
        for w in ENGLISH {
            if let Some(ctx) = find_word(&text, w) {
                problems.push(format!("{what} {}: `{w}` in …{ctx}…", f.name));
            }
        }
        for w in AWKWARD {
            if let Some(i) = text.find(w) {
                let a = (0..=i.saturating_sub(40))
                    .rev()
                    .find(|a| text.is_char_boundary(*a))
                    .unwrap_or(0);
                let b = (i + w.len() + 40).min(text.len());
                let b = (b..=text.len())
                    .find(|b| text.is_char_boundary(*b))
                    .unwrap_or(text.len());
                problems.push(format!(
                    "{what} {}: `{w}` in …{}…",
                    f.name,
                    text[a..b].replace('\n', " ")
                ));
            }
        }
    }
    problems
}

#[test]
fn no_english_in_french_documents() {
    let acme = plan_of("acme.yaml");
    let ferronor = plan_of("ferronor.yaml");
    let mut problems = Vec::new();
    for fixture in [
        "acme.lab-pass.json",
        "acme.lab-fail.json",
        "acme.lab-service-pass.json",
        "acme.lab-service-fail.json",
    ] {
        let r = results(fixture);
        problems.extend(check_french(&acme, Some(&r), fixture));
    }
    problems.extend(check_french(&acme, None, "acme without results"));
    problems.extend(check_french(&ferronor, None, "ferronor"));
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} English words in French documents:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_word_finder_finds_words_not_parts() {
    assert!(find_word("goodput bps 95", "bps").is_some());
    assert!(find_word("les sauts", "the").is_none());
    assert!(find_word("interfaces-up ok", "interfaces-up").is_some());
    assert!(find_word("Mbit/s", "bit").is_none());
}
