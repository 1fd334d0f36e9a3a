//! `netkit report --pdf`: `dossier.pdf` printed from `index.html` by headless
//! Chromium (A4, the print rules of the page: landscape pages for wide diagrams and
//! tables, rows never split, one sheet per page, page numbers in the margin boxes).
//!
//! Two passes: the first print tells, through `pdftotext`, on which page each
//! chapter and sheet starts; those numbers are written into the table of contents
//! (`<span class="pg" data-find="...">`) and the page is printed again. The numbers
//! take no more room than the empty spans, so the pages do not move.
//!
//! Chromium and poppler are spawned with argument vectors (no shell), each bounded
//! in time, with a throw-away profile.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How long one print may take (a 200-site report prints in well under a minute).
const PRINT_TIMEOUT: Duration = Duration::from_secs(300);

/// The Chromium binary, if one is installed.
pub fn find_chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for name in ["chromium", "chromium-browser", "google-chrome", "chrome"] {
        for dir in std::env::split_paths(&path) {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Run `cmd` to completion within `limit`, its output into files of `work` (a pipe
/// could fill up and stall it); kill it (by its own PID) when late. Returns whether
/// it succeeded and the last line of its errors.
fn run_bounded(
    mut cmd: Command,
    what: &str,
    limit: Duration,
    work: &Path,
) -> Result<(bool, String)> {
    let out_path = work.join(format!("{what}.out"));
    let err_path = work.join(format!("{what}.err"));
    let out = std::fs::File::create(&out_path).context("cannot create a log file")?;
    let err = std::fs::File::create(&err_path).context("cannot create a log file")?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    let mut child = cmd
        .spawn()
        .with_context(|| format!("cannot start {what}"))?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            let errors = std::fs::read_to_string(&err_path).unwrap_or_default();
            let last = errors.lines().last().unwrap_or("no message").to_string();
            return Ok((status.success(), last));
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{what} did not finish within {} s: try again, or leave out --pdf",
                limit.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn print(chromium: &Path, html: &Path, pdf: &Path, profile: &Path) -> Result<()> {
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-pdf-header-footer",
        "--allow-file-access-from-files",
    ]);
    cmd.arg(format!("--user-data-dir={}", profile.display()));
    cmd.arg(format!("--print-to-pdf={}", pdf.display()));
    cmd.arg(url_of(html));
    let work = pdf.parent().unwrap_or(Path::new("."));
    let (ok, last) = run_bounded(cmd, "chromium", PRINT_TIMEOUT, work)?;
    if !ok || !pdf.is_file() {
        bail!("chromium could not print {}: {last}", html.display());
    }
    Ok(())
}

/// `file:///...` with the characters a URL cannot hold percent-encoded.
fn url_of(p: &Path) -> String {
    let mut s = String::from("file://");
    for b in p.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Text of every page (`pdftotext` separates pages with form feeds).
fn pages_text(pdf: &Path) -> Option<Vec<String>> {
    let tool = which("pdftotext")?;
    let work = pdf.parent()?;
    let txt = work.join("pages.txt");
    let mut cmd = Command::new(tool);
    cmd.arg("-enc").arg("UTF-8").arg(pdf).arg(&txt);
    let (ok, _) = run_bounded(cmd, "pdftotext", Duration::from_secs(120), work).ok()?;
    if !ok {
        return None;
    }
    let text = String::from_utf8_lossy(&std::fs::read(&txt).ok()?).to_string();
    Some(text.split('\u{c}').map(str::to_string).collect())
}

/// The `data-find` texts of the contents' page-number spans, in order.
fn targets(html: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let open = "<span class=\"pg\" data-find=\"";
    let mut from = 0;
    while let Some(i) = html[from..].find(open).map(|i| from + i) {
        let start = i + open.len();
        let Some(q) = html[start..].find('"').map(|q| start + q) else {
            break;
        };
        let Some(close) = html[q..].find("</span>").map(|c| q + c) else {
            break;
        };
        out.push((q + 2, close, unescape(&html[start..q])));
        from = close;
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Spaces of every kind as one plain space (pdftotext and HTML differ there).
fn squash(s: &str) -> String {
    s.split(|c: char| c.is_whitespace() || c == '\u{202F}' || c == '\u{A0}')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .replace('’', "'")
}

/// Write the page numbers into the contents: the first page after the contents
/// themselves where each target's text starts a line.
fn number_contents(html: &str, pages: &[String]) -> String {
    let squashed: Vec<Vec<String>> = pages
        .iter()
        .map(|p| p.lines().map(squash).collect())
        .collect();
    // The contents page is the first that holds every target; search after it.
    let spans = targets(html);
    let toc = squashed
        .iter()
        .position(|lines| {
            spans
                .iter()
                .take(3)
                .all(|(_, _, t)| lines.iter().any(|l| l.contains(&squash(t))))
        })
        .unwrap_or(0);
    let mut out = String::with_capacity(html.len() + 256);
    let mut at = 0;
    for (s, e, text) in spans {
        let want = squash(&text);
        let page = squashed
            .iter()
            .enumerate()
            .skip(toc + 1)
            .find(|(_, lines)| lines.iter().any(|l| l.contains(&want)))
            .map(|(i, _)| i + 1);
        out.push_str(&html[at..s]);
        if let Some(p) = page {
            out.push_str(&p.to_string());
        }
        at = e;
    }
    out.push_str(&html[at..]);
    out
}

/// Print `dir/index.html` to `dir/dossier.pdf`. Returns the number of pages when
/// `pdfinfo`-free counting found it.
///
/// # Errors
/// No Chromium, or it failed or took too long.
pub fn write(dir: &Path) -> Result<usize> {
    let Some(chromium) = find_chromium() else {
        bail!(
            "--pdf needs headless Chromium, which is not installed: run scripts/setup.sh (Debian package `chromium`) or leave out --pdf"
        );
    };
    let index = dir.join("index.html");
    let html = std::fs::read_to_string(&index)
        .with_context(|| format!("cannot read {}", index.display()))?;
    let work = tempfile::Builder::new()
        .prefix(".netkit-pdf-")
        .tempdir_in(dir)
        .with_context(|| format!("cannot create a temporary folder in {}", dir.display()))?;
    let profile = work.path().join("profile");
    let first = work.path().join("first.pdf");
    print(&chromium, &index, &first, &profile)?;
    let mut final_pdf = first.clone();
    if let Some(pages) = pages_text(&first) {
        let numbered = number_contents(&html, &pages);
        let page = work.path().join("index.html");
        std::fs::write(&page, numbered)
            .with_context(|| format!("cannot write {}", page.display()))?;
        let second = work.path().join("second.pdf");
        print(&chromium, &page, &second, &profile)?;
        final_pdf = second;
    }
    let bytes = std::fs::read(&final_pdf).context("cannot read the printed PDF")?;
    let pages = count_pages(&bytes);
    let target = dir.join("dossier.pdf");
    std::fs::rename(&final_pdf, &target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    Ok(pages)
}

/// Page objects in a PDF: `/Type /Page` not followed by `s`.
pub fn count_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Type /Page")
        .filter(|(i, m)| !text[i + m.len()..].starts_with('s'))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_get_the_page_where_each_target_starts() {
        let html = r#"<li>1. A<span class="pg" data-find="1. Topologie"></span></li><li><span class="pg" data-find="2. Plan d&#39;adressage"></span></li><li><span class="pg" data-find="FI-X-001"></span></li>"#;
        let pages: Vec<String> = [
            "Dossier",
            "Sommaire\n1. Topologie\n2. Plan d'adressage\nFI-X-001",
            "1. Topologie du réseau",
            "2. Plan d’adressage\n",
            "texte\nFI-X-001 — site",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let got = number_contents(html, &pages);
        assert!(
            got.contains(r#"data-find="1. Topologie">3</span>"#),
            "{got}"
        );
        assert!(got.contains(r#"adressage">4</span>"#), "{got}");
        assert!(got.contains(r#"data-find="FI-X-001">5</span>"#), "{got}");
    }

    #[test]
    fn urls_of_odd_paths_are_encoded() {
        assert_eq!(
            url_of(Path::new("/tmp/a b/ç#.html")),
            "file:///tmp/a%20b/%C3%A7%23.html"
        );
    }
}
