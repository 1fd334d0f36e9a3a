//! The files are accepted by the programs people open them with: Graphviz renders
//! `topology.dot`, an XML parser reads the SVG, the draw.io file and the HTML, and
//! headless Chromium loads `index.html` without console errors, prints it to an A4
//! PDF and takes a screenshot of it and of the SVG.
//!
//! Needs `graphviz` and `chromium` (Debian packages). Without them, and outside CI,
//! the test prints a note and skips; in CI (`CI=true`) a missing program is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use netkit_report::{Lang, render};

fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn require(program: &str) -> bool {
    if have(program) {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("`{program}` is required in CI: apt install {program}");
    }
    eprintln!("note: `{program}` not installed, test skipped");
    false
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "nkt-report-{tag}-{}-{}",
            std::process::id(),
            rand_suffix()
        ));
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
        % 1_000_000_007
}

fn write_report(dir: &Path, lang: Lang) {
    let files = render(
        &common::acme_plan(),
        Some(&common::acme_results()),
        &common::options(lang),
    )
    .expect("render");
    for f in files {
        std::fs::write(dir.join(&f.name), &f.bytes).expect("write");
    }
}

/// Run headless Chromium with a fresh profile, bounded by `timeout`.
fn chromium(profile: &Path, args: &[String]) -> std::process::Output {
    let mut cmd = Command::new("timeout");
    cmd.arg("120").arg("chromium");
    for a in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pdf-header-footer",
        "--enable-logging=stderr",
        "--v=0",
    ] {
        cmd.arg(a);
    }
    cmd.arg(format!("--user-data-dir={}", profile.display()));
    cmd.args(args);
    cmd.output().expect("chromium runs")
}

/// Page objects in a PDF: `/Type /Page` not followed by `s` (that is `/Pages`).
fn count_pages(pdf: &[u8]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while let Some(p) = pdf[i..].windows(5).position(|w| w == b"/Type") {
        let mut j = i + p + 5;
        while j < pdf.len() && pdf[j] == b' ' {
            j += 1;
        }
        if pdf[j..].starts_with(b"/Page") && pdf.get(j + 5) != Some(&b's') {
            n += 1;
        }
        i = j;
    }
    n
}

fn console_problems(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| {
            l.contains("CONSOLE") || l.contains("Uncaught") || l.contains("Failed to load resource")
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn graphviz_renders_the_dot_file() {
    if !require("dot") {
        return;
    }
    let dir = TempDir::new("dot");
    for lang in [Lang::Fr, Lang::En] {
        write_report(&dir.0, lang);
        let out = Command::new("dot")
            .arg("-Tsvg")
            .arg(dir.0.join("topology.dot"))
            .output()
            .expect("dot runs");
        assert!(
            out.status.success(),
            "dot failed: {}",
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
        .expect("Graphviz SVG parses");
        let clusters = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("cluster"))
            .count();
        assert_eq!(clusters, 4, "three sites and the Internet");
        let edges = doc
            .descendants()
            .filter(|n| n.attribute("class") == Some("edge"))
            .count();
        assert_eq!(edges, 6 + 4 + 1, "six trunks, four links, the uplink");
    }
}

#[test]
fn xml_parser_reads_svg_drawio_and_html() {
    let dir = TempDir::new("xml");
    write_report(&dir.0, Lang::Fr);
    for name in ["topology.svg", "topology.drawio", "index.html"] {
        let text = std::fs::read_to_string(dir.0.join(name)).expect("read");
        let doc = roxmltree::Document::parse_with_options(
            &text,
            roxmltree::ParsingOptions {
                allow_dtd: true,
                ..Default::default()
            },
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        match name {
            "topology.svg" => assert_eq!(doc.root_element().tag_name().name(), "svg"),
            "topology.drawio" => {
                assert_eq!(doc.root_element().tag_name().name(), "mxfile");
                let cells = doc
                    .descendants()
                    .filter(|n| n.has_tag_name("mxCell"))
                    .count();
                // root cells, 4 clusters, 4 devices + upstream, 6 segments, 11 edges.
                assert_eq!(cells, 2 + 4 + 5 + 6 + 11);
                for n in doc
                    .descendants()
                    .filter(|n| n.has_tag_name("mxCell") && n.attribute("edge") == Some("1"))
                {
                    let src = n.attribute("source").expect("source");
                    let dst = n.attribute("target").expect("target");
                    for id in [src, dst] {
                        assert!(
                            doc.descendants().any(|m| m.attribute("id") == Some(id)),
                            "dangling edge end {id}"
                        );
                    }
                }
            }
            _ => {
                // Self-contained: nothing is fetched.
                for n in doc.descendants() {
                    assert!(
                        !n.has_tag_name("script")
                            && !n.has_tag_name("link")
                            && !n.has_tag_name("img")
                    );
                    for a in ["src", "href"] {
                        if let Some(v) = n.attribute(a) {
                            assert!(
                                v.starts_with('#'),
                                "{name}: {a}={v} points outside the file"
                            );
                        }
                    }
                }
                assert!(!text.contains("url("), "CSS fetches something");
                assert!(!text.contains("@import"));
                let ids: Vec<&str> = doc
                    .descendants()
                    .filter_map(|n| n.attribute("id"))
                    .collect();
                for n in doc.descendants().filter_map(|n| n.attribute("href")) {
                    assert!(
                        ids.contains(&&n[1..]),
                        "table of contents link {n} has no target"
                    );
                }
            }
        }
    }
}

#[test]
fn chromium_loads_prints_and_screenshots_the_report() {
    if !require("chromium") {
        return;
    }
    let dir = TempDir::new("chromium");
    write_report(&dir.0, Lang::Fr);
    let index = dir.0.join("index.html");
    let url = format!("file://{}", index.display());
    let profile = dir.0.join("profile");

    // Loads without console errors; the DOM holds the document.
    let out = chromium(&profile, &["--dump-dom".to_string(), url.clone()]);
    assert!(
        out.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let problems = console_problems(&out.stderr);
    assert!(problems.is_empty(), "console errors: {problems:#?}");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains("Fiche d'intervention") || dom.contains("Fiche d&#39;intervention"));
    assert!(dom.contains("<svg"), "the diagram is inline");

    // Prints to an A4 PDF with several pages.
    let pdf = dir.0.join("report.pdf");
    let out = chromium(
        &profile,
        &[format!("--print-to-pdf={}", pdf.display()), url.clone()],
    );
    assert!(
        out.status.success(),
        "print to PDF failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(console_problems(&out.stderr).is_empty());
    let bytes = std::fs::read(&pdf).expect("PDF written");
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let pages = count_pages(&bytes);
    assert!(
        pages >= 8,
        "the PDF has {pages} pages: cover, contents, chapters and three sheets expected"
    );
    // A4 portrait (595 x 842 points) for the text.
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("/MediaBox [0 0 594.9"), "no A4 portrait page");
    // The diagram gets a landscape page when it is wider than tall.
    // The addressing plan's wide tables (first/last usable, broadcast) always
    // print on landscape pages.
    assert!(
        text.contains("/MediaBox [0 0 841.9"),
        "landscape pages for the addressing plan and wide diagrams"
    );

    // Nothing is wider than its A4 page: 186 mm of text width (703 CSS px) on a
    // portrait page, 277 mm (1,047 px) on the landscape pages of the addressing plan,
    // the acceptance details and wide diagrams. Chromium would otherwise shrink every
    // page to fit. A copy of the page with the print rules applied on screen and a
    // measuring script (test only) tells, per chapter.
    let html = std::fs::read_to_string(&index).expect("index.html");
    let probe = html
        .replace("@media print {", "@media all {")
        .replace(
            "</head>",
            "<style>body > section:not(.wide):not(#addressing):not(#acceptance), body > nav { width: 703px; } \
             section.wide, #addressing, #acceptance { width: 1047px; }</style></head>",
        )
        .replace(
        "</body>",
        "<script>window.addEventListener('load', () => { const bad = []; \
         document.querySelectorAll('body > section, body > nav, article').forEach(s => { \
         const wide = s.matches('.wide, #addressing, #acceptance'); const limit = wide ? 1047 : 703; \
         s.querySelectorAll('*').forEach(e => { const r = e.getBoundingClientRect().right; \
         if (r > limit + 1) bad.push((s.id || s.tagName) + ' ' + e.tagName + ' ' + Math.round(r)); }); }); \
         const p = document.createElement('pre'); p.id = 'probe'; \
         p.textContent = 'BAD=' + bad.length + ' ' + bad.slice(0, 5).join(', ') + ';'; \
         document.body.appendChild(p); });</script></body>",
    );
    let probe_path = dir.0.join("probe.html");
    std::fs::write(&probe_path, probe).expect("write probe");
    let out = chromium(
        &profile,
        &[
            "--window-size=1047,1000".to_string(),
            "--virtual-time-budget=5000".to_string(),
            "--dump-dom".to_string(),
            format!("file://{}", probe_path.display()),
        ],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let probe = dom
        .split("id=\"probe\">")
        .nth(1)
        .expect("probe ran")
        .split(';')
        .next()
        .expect("probe text");
    assert!(
        probe.starts_with("BAD=0 "),
        "wider than its A4 page: {probe}"
    );

    // Screenshots of the page and of the SVG are real PNG images.
    for (target, name) in [
        (url.clone(), "page.png"),
        (
            format!("file://{}", dir.0.join("topology.svg").display()),
            "svg.png",
        ),
    ] {
        let png = dir.0.join(name);
        let out = chromium(
            &profile,
            &[
                format!("--screenshot={}", png.display()),
                "--window-size=1200,1600".to_string(),
                target,
            ],
        );
        assert!(
            out.status.success(),
            "screenshot failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&png).expect("PNG written");
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
        assert!(
            bytes.len() > 20_000,
            "{name} looks blank ({} bytes)",
            bytes.len()
        );
    }
}
