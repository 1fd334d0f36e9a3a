//! The HTML building blocks of the report: tables whose cells are escaped here,
//! key-value fact tables, chapter headings. Below every chapter's module, so that
//! html.rs and the chapters it calls all use them without depending on each other.

use std::fmt::Write as _;

use crate::esc::{md, xml as e};

/// A table cell: text (escaped here) or markup built by this module.
pub(crate) enum Cell {
    T(String),
    Num(String),
    Mono(String),
    H(String),
}

pub(crate) fn table(out: &mut String, head: &[(&str, bool)], rows: &[Vec<Cell>]) {
    out.push_str("<table><thead><tr>");
    for (h, num) in head {
        let _ = write!(
            out,
            "<th{}>{}</th>",
            if *num { " class=\"num\"" } else { "" },
            e(h)
        );
    }
    out.push_str("</tr></thead><tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for c in r {
            match c {
                Cell::T(s) => {
                    let _ = write!(out, "<td>{}</td>", e(s));
                }
                Cell::Num(s) => {
                    let _ = write!(out, "<td class=\"num\">{}</td>", e(s));
                }
                Cell::Mono(s) => {
                    let _ = write!(out, "<td class=\"mono\">{}</td>", e(s));
                }
                Cell::H(s) => {
                    let _ = write!(out, "<td>{s}</td>");
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

pub(crate) fn facts(out: &mut String, class: &str, rows: &[(String, String)]) {
    let _ = write!(out, "<table class=\"{class}\"><tbody>");
    for (k, v) in rows {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            e(k),
            e(v)
        );
    }
    out.push_str("</tbody></table>\n");
}

/// Opens chapter `n` (`<section class="chapter" id="ID"><h2>N. TITLE</h2>`); the
/// caller closes the section.
pub(crate) fn chapter(out: &mut String, id: &str, n: usize, title: &str) {
    let _ = writeln!(
        out,
        "<section class=\"chapter\" id=\"{id}\"><h2>{n}. {}</h2>",
        e(title)
    );
}

/// A Markdown table.
pub(crate) fn md_table(out: &mut String, head: &[&str], rows: &[Vec<String>]) {
    let _ = writeln!(
        out,
        "| {} |",
        head.iter().map(|h| md(h)).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(out, "|{}", head.iter().map(|_| "---|").collect::<String>());
    for r in rows {
        let _ = writeln!(
            out,
            "| {} |",
            r.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
        );
    }
    out.push('\n');
}
