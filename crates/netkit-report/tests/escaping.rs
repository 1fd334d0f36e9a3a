//! Free text from the topology is text in every output, never markup or syntax:
//! a plan whose every free-text field holds `<script>`, quotes, `]]>`, `-->`, Mermaid
//! and DOT metacharacters and line breaks is rendered, and each file is read back by
//! a real parser (XML for HTML, SVG and draw.io; Graphviz for DOT; an RFC 4180
//! reader for CSV) which must find the text intact and no injected structure.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use netkit_plan::Plan;
use netkit_report::{Lang, Options, render};
use netkit_results::Results;

const EVIL: &str = "<script>alert(\"x\")</script> ' \" ]]> --> & [a]{b}|c;d\ne %% `x` \\N #1 @x";

fn evil(tag: &str) -> String {
    format!("{tag}{EVIL}")
}

/// The acme plan with every free-text field (and the names, which a plan JSON can
/// carry unchecked) replaced by hostile text.
fn hostile() -> (Plan, Results, Options) {
    let mut plan = common::acme_plan();
    let rename = |s: &str| s.replace("hq", "h<q\"]").replace("lyon", "ly{o}n|;");
    plan.name = evil("name");
    plan.description = Some(evil("desc"));
    for s in &mut plan.sites {
        s.name = rename(&s.name);
        s.location = Some(evil("loc"));
        s.description = Some(evil("sdesc"));
        for g in &mut s.segments {
            g.id = rename(&g.id);
            g.site = rename(&g.site);
            g.gateway_device = rename(&g.gateway_device);
            g.name = format!("{}<b>\"{{x}}\"", g.name);
            g.description = Some(format!("=1+2{EVIL}"));
            for n in &mut g.named {
                n.id = rename(&n.id);
                n.name = format!("{}=cmd|' /C calc'!A0", n.name);
            }
        }
    }
    for d in &mut plan.devices {
        d.id = rename(&d.id);
        d.site = rename(&d.site);
        d.description = Some(evil("ddesc"));
        d.model = Some(evil("model"));
        for i in &mut d.interfaces {
            i.segment = i.segment.as_deref().map(rename);
            i.peer = i.peer.as_deref().map(rename);
        }
    }
    for k in &mut plan.links {
        k.a = rename(&k.a);
        k.b = rename(&k.b);
        k.description = Some(evil("kdesc"));
    }
    plan.routes = plan
        .routes
        .into_iter()
        .map(|(k, v)| (rename(&k), v))
        .collect();
    plan.filters = plan
        .filters
        .into_iter()
        .map(|(k, v)| (rename(&k), v))
        .collect();
    if let Some(i) = &mut plan.internet {
        i.edge = rename(&i.edge);
    }
    let mut res = common::acme_results();
    res.topology = Some(plan.name.clone());
    res.playbook = evil("playbook");
    res.technician = Some(evil("tech"));
    res.requester = Some(evil("req"));
    for r in &mut res.results {
        r.from = r.from.as_deref().map(rename);
        r.to = r.to.as_deref().map(|t| format!("{}{}", rename(t), EVIL));
        r.reason = Some(evil("why"));
        r.check = format!("{}<i>", r.check);
        r.measured = serde_json::json!({ "note": EVIL, "hops": [EVIL] });
    }
    let mut opt = common::options(Lang::Fr);
    opt.requester = Some(evil("optreq"));
    (plan, res, opt)
}

fn files(plan: &Plan, res: &Results, opt: &Options) -> Vec<(String, String)> {
    render(plan, Some(res), opt)
        .expect("render")
        .into_iter()
        .map(|f| (f.name, String::from_utf8(f.bytes).expect("utf-8")))
        .collect()
}

fn file<'a>(all: &'a [(String, String)], name: &str) -> &'a str {
    &all.iter().find(|(n, _)| n == name).expect("file").1
}

/// All text of an XML document, attribute values included.
fn xml_text(doc: &roxmltree::Document) -> String {
    let mut out = String::new();
    for n in doc.descendants() {
        if let Some(t) = n.text() {
            out.push_str(t);
            out.push('\n');
        }
        for a in n.attributes() {
            out.push_str(a.value());
            out.push('\n');
        }
    }
    out
}

fn one_line(s: &str) -> String {
    s.replace('\n', " ")
}

/// `decoded` holds `needle`, line breaks counted as spaces.
fn holds(decoded: &str, needle: &str) -> bool {
    decoded.replace('\n', " ").contains(&one_line(needle))
}

#[test]
fn html_svg_and_drawio_keep_hostile_text_as_text() {
    let (plan, res, opt) = hostile();
    let all = files(&plan, &res, &opt);
    for name in ["index.html", "topology.svg", "topology.drawio"] {
        let text = file(&all, name);
        let doc = roxmltree::Document::parse_with_options(
            text,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{name} is not well-formed: {e}"));
        for n in doc.descendants() {
            for bad in ["script", "b", "i", "iframe"] {
                assert!(
                    !n.has_tag_name(bad),
                    "{name}: a <{bad}> element was injected"
                );
            }
            for a in n.attributes() {
                assert!(
                    !a.name().starts_with("on"),
                    "{name}: an event attribute was injected"
                );
            }
        }
        assert!(!text.contains("<script"), "{name} holds raw <script");
        let decoded = xml_text(&doc);
        if name != "topology.drawio" {
            // Titles, tooltips and tables carry the full text (the diagram may shorten it).
            assert!(holds(&decoded, &evil("loc")), "{name}: location lost");
        }
    }
    let html = file(&all, "index.html");
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("parse");
    let decoded = xml_text(&doc);
    for tag in ["desc", "tech", "optreq", "why", "playbook"] {
        assert!(holds(&decoded, &evil(tag)), "index.html: {tag} text lost");
    }
    let drawio = file(&all, "topology.drawio");
    let doc = roxmltree::Document::parse(drawio).expect("drawio parses");
    let values: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("value"))
        .collect();
    assert!(
        values.iter().any(|v| holds(v, &evil("loc"))),
        "draw.io: location lost"
    );
}

#[test]
fn graphviz_reads_the_dot_file_and_prints_the_text() {
    let (plan, res, opt) = hostile();
    let all = files(&plan, &res, &opt);
    let dot = file(&all, "topology.dot");
    let mut child = match Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("graphviz `dot` is needed for this test (apt install graphviz): {e}"),
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(dot.as_bytes())
        .expect("write dot");
    let out = child.wait_with_output().expect("dot runs");
    assert!(
        out.status.success(),
        "dot rejected the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = String::from_utf8(out.stdout).expect("utf-8");
    let doc = roxmltree::Document::parse_with_options(
        &svg,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("dot's SVG parses");
    let texts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    assert!(
        texts.iter().any(|t| t == &one_line(&evil("loc"))),
        "location not printed as text: {texts:?}"
    );
    // No node or cluster was injected: as many nodes and clusters as the DOT declares.
    let nodes = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("node"))
        .count();
    let clusters = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("cluster"))
        .count();
    let devices = plan.devices.iter().filter(|d| d.kind.is_layer3()).count();
    let segments = plan.segments().count();
    assert_eq!(nodes, devices + segments + 1, "node count");
    assert_eq!(clusters, plan.sites.len() + 1, "cluster count");
}

#[test]
fn mermaid_labels_hold_no_syntax() {
    let (plan, res, opt) = hostile();
    let all = files(&plan, &res, &opt);
    let mmd = file(&all, "topology.mmd");
    for line in mmd.lines() {
        // Inside a label only entity codes: exactly two quotes per labelled line and
        // no bracket, brace, pipe, angle bracket or percent sign between them
        // except our own `<br/>`.
        let quotes = line.matches('"').count();
        assert!(quotes == 0 || quotes == 2, "line with stray quotes: {line}");
        if quotes == 2 {
            let start = line.find('"').expect("quote") + 1;
            let end = line.rfind('"').expect("quote");
            let label = line[start..end].replace("<br/>", "");
            // Drop the entity codes (`#60;`, `#quot;`) that stand for the text.
            let mut plain = String::new();
            let mut rest = label.as_str();
            while let Some(i) = rest.find('#') {
                plain.push_str(&rest[..i]);
                let after = &rest[i + 1..];
                match after.find(';') {
                    Some(j) if after[..j].chars().all(|c| c.is_ascii_alphanumeric()) && j > 0 => {
                        rest = &after[j + 1..]
                    }
                    _ => panic!("bare # in Mermaid label: {line}"),
                }
            }
            plain.push_str(rest);
            let label = plain;
            for bad in ['[', ']', '{', '}', '|', '<', '>', '%', ';', '`', '\\'] {
                assert!(!label.contains(bad), "`{bad}` in Mermaid label: {line}");
            }
        }
    }
    assert!(
        mmd.contains("#60;script#62;"),
        "the text is kept as entity codes"
    );
}

/// A minimal RFC 4180 reader.
fn read_csv(text: &str, sep: char) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            c if c == sep => row.push(std::mem::take(&mut field)),
            '\r' => {
                assert_eq!(chars.next(), Some('\n'), "CR without LF");
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            '\n' => panic!("bare LF outside quotes"),
            c => field.push(c),
        }
    }
    assert!(!quoted, "unterminated quote");
    assert!(
        field.is_empty() && row.is_empty(),
        "last record without CRLF"
    );
    rows
}

#[test]
fn csv_files_stay_rectangular_and_defuse_formulas() {
    let (plan, res, opt) = hostile();
    let all = files(&plan, &res, &opt);
    for (name, text) in all.iter().filter(|(n, _)| n.ends_with(".csv")) {
        // Spreadsheets in the report's language: `;` in French; NetBox files `,`.
        let sep = if name.starts_with("netbox") || opt.lang == netkit_report::Lang::En {
            ','
        } else {
            ';'
        };
        let rows = read_csv(text, sep);
        let width = rows[0].len();
        for r in &rows {
            assert_eq!(r.len(), width, "{name}: ragged row {r:?}");
            for cell in r {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@']),
                    "{name}: formula cell {cell}"
                );
            }
        }
        if name == "addressing.csv" {
            assert!(
                rows.iter().flatten().any(|c| c.contains(&evil("loc"))),
                "{name}: text lost"
            );
            assert!(
                rows.iter()
                    .flatten()
                    .any(|c| c.starts_with(&format!("'=1+2{EVIL}"))),
                "{name}: formula not defused"
            );
        }
    }
}

#[test]
fn markdown_tables_keep_their_columns() {
    let (plan, res, opt) = hostile();
    let all = files(&plan, &res, &opt);
    for (name, text) in all.iter().filter(|(n, _)| n.ends_with(".md")) {
        assert!(!text.contains("<script"), "{name} holds raw <script");
        let mut width = None;
        for line in text.lines() {
            if line.starts_with('|') {
                // Count the cell separators that are not escaped.
                let mut n = 0;
                let mut prev = ' ';
                for c in line.chars() {
                    if c == '|' && prev != '\\' {
                        n += 1;
                    }
                    prev = c;
                }
                match width {
                    None => width = Some(n),
                    Some(w) => assert_eq!(w, n, "{name}: ragged table line {line}"),
                }
            } else {
                width = None;
            }
        }
    }
}

/// With `MERMAID_JS=/path/to/mermaid.min.js` (from `npm pack mermaid`), the real
/// Mermaid parser and renderer run in headless Chromium on the acme and the hostile
/// diagrams. Skipped with a note otherwise (the file is 3.5 MB, not vendored).
#[test]
fn mermaid_itself_parses_and_renders_the_files() {
    let Some(js_path) = std::env::var_os("MERMAID_JS") else {
        eprintln!(
            "note: MERMAID_JS not set, real Mermaid check skipped (npm pack mermaid; MERMAID_JS=package/dist/mermaid.min.js)"
        );
        return;
    };
    let js = std::fs::read_to_string(&js_path).expect("MERMAID_JS readable");
    let (plan, res, opt) = hostile();
    let hostile_mmd = file(&files(&plan, &res, &opt), "topology.mmd").to_string();
    let acme = render(&common::acme_plan(), None, &common::options(Lang::En)).expect("render");
    let acme_mmd = String::from_utf8(acme[3].bytes.clone()).expect("utf-8");
    let dir = std::env::temp_dir().join(format!("nkt-mermaid-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    for (name, mmd) in [("acme", acme_mmd), ("hostile", hostile_mmd)] {
        let src = serde_json::to_string(&mmd)
            .expect("json")
            .replace("</", "<\\/");
        let page = format!(
            "<!DOCTYPE html><html><body><div id=\"out\">pending</div><script>{js}</script><script>\
             mermaid.initialize({{startOnLoad:false, securityLevel:'strict'}});\
             (async () => {{ const o = document.getElementById('out');\
             try {{ await mermaid.parse({src}); const r = await mermaid.render('g', {src});\
             o.textContent = 'RENDERED ' + (r.svg.includes('<script') ? 'WITH-SCRIPT' : 'CLEAN'); }}\
             catch (e) {{ o.textContent = 'FAILED ' + e; }} }})();</script></body></html>"
        );
        let html = dir.join(format!("{name}.html"));
        std::fs::write(&html, page).expect("write page");
        let out = Command::new("timeout")
            .args([
                "120",
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
            ])
            .args([
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--virtual-time-budget=15000",
            ])
            .arg(format!("--user-data-dir={}", dir.join("profile").display()))
            .arg("--dump-dom")
            .arg(format!("file://{}", html.display()))
            .output()
            .expect("chromium runs");
        let dom = String::from_utf8_lossy(&out.stdout);
        assert!(
            dom.contains("RENDERED CLEAN"),
            "{name}: Mermaid said {}",
            dom.split("id=\"out\">")
                .nth(1)
                .unwrap_or("?")
                .chars()
                .take(300)
                .collect::<String>()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
