//! A large diagram printed in tiles: when the whole view, scaled to an A4 page,
//! would print its text under [`MIN_PT`], the printed dossier follows it with the
//! same drawing cut into overlapping parts, each on its own page at a scale where
//! the text reads. Print only: on screen the whole view zooms.

use std::fmt::Write;

use crate::diagram::{self, Diagram};
use crate::esc::xml as e;
use crate::i18n::Lang;

/// Smallest printed size of the diagrams' body text, in points.
pub const MIN_PT: f64 = 7.0;
/// Millimetres per CSS pixel at 100 %.
const MM_PER_PX: f64 = 25.4 / 96.0;
/// Millimetres per point.
const MM_PER_PT: f64 = 25.4 / 72.0;
/// Room for a tile on a portrait and on a landscape page (inside the margins,
/// under the caption), in millimetres.
const PORTRAIT: (f64, f64) = (186.0, 235.0);
const LANDSCAPE: (f64, f64) = (273.0, 160.0);
/// Drawing shared by two neighbouring tiles, in pixels: a label cut by one edge
/// is whole on the other tile.
const OVERLAP: f64 = 80.0;

/// The whole view's caption (escaped), with, when its parts follow, the sentence that
/// says so, shown in print only (on screen the parts are hidden).
pub fn caption(text: &str, parts: &str, l: Lang) -> String {
    let mut out = crate::esc::xml(text);
    if !parts.is_empty() {
        out.push_str(" <span class=\"print-only\">");
        out.push_str(&crate::esc::xml(following(l)));
        out.push_str("</span>");
    }
    out
}

/// What the whole view's caption adds when its parts follow.
fn following(l: Lang) -> &'static str {
    match l {
        Lang::Fr => {
            "À l'impression, ce schéma est repris agrandi, en parties, sur les pages suivantes."
        }
        Lang::En => "In print, this diagram follows enlarged, in parts, on the next pages.",
    }
}

/// The printed size of body text when a `w` x `h` drawing fills `room` (mm).
fn printed_pt(w: f64, h: f64, room: (f64, f64)) -> f64 {
    let mm_per_px = (room.0 / w).min(room.1 / h).min(MM_PER_PX);
    diagram::BODY * mm_per_px / MM_PER_PT
}

/// The printed text size of `d` drawn whole in `room` (mm).
pub fn whole_pt(d: &Diagram, room: (f64, f64)) -> f64 {
    printed_pt(d.width, d.height, room)
}

/// The fewest tiles (columns, rows, landscape) whose text prints at [`MIN_PT`] or
/// more; `None` when the whole view already does, or when no grid up to 4 x 4 does.
fn grid(d: &Diagram) -> Option<(usize, usize, bool)> {
    let mut best: Option<(usize, usize, usize, bool)> = None;
    for cols in 1..=4usize {
        for rows in 1..=4usize {
            if cols * rows == 1 {
                continue;
            }
            let (tw, th) = tile_size(d, cols, rows);
            for landscape in [false, true] {
                let room = if landscape { LANDSCAPE } else { PORTRAIT };
                let n = cols * rows;
                if printed_pt(tw, th, room) >= MIN_PT && best.is_none_or(|b| n < b.0) {
                    best = Some((n, cols, rows, landscape));
                }
            }
        }
    }
    best.map(|(_, c, r, l)| (c, r, l))
}

fn tile_size(d: &Diagram, cols: usize, rows: usize) -> (f64, f64) {
    let part = |len: f64, k: usize| {
        if k == 1 {
            len
        } else {
            (len / k as f64 + OVERLAP).min(len)
        }
    };
    (part(d.width, cols), part(d.height, rows))
}

/// The print-only pages of `d`'s tiles (empty when the whole view prints readable
/// in `room`), each a section with the drawing cropped by its `viewBox`.
pub fn html(d: &Diagram, class: &str, room: (f64, f64), l: Lang) -> String {
    if whole_pt(d, room) >= MIN_PT {
        return String::new();
    }
    let Some((cols, rows, landscape)) = grid(d) else {
        return String::new();
    };
    let whole = diagram::svg(d, class, false);
    let head = format!(
        "width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\"",
        w = crate::svg::n(d.width),
        h = crate::svg::n(d.height)
    );
    let (tw, th) = tile_size(d, cols, rows);
    let step = |len: f64, tile: f64, k: usize| {
        if k == 1 {
            0.0
        } else {
            (len - tile) / (k - 1) as f64
        }
    };
    let (sx, sy) = (step(d.width, tw, cols), step(d.height, th, rows));
    let total = cols * rows;
    let mut out = String::new();
    for r in 0..rows {
        for c in 0..cols {
            let (x, y) = (sx * c as f64, sy * r as f64);
            let crop = format!(
                "width=\"{w}\" height=\"{h}\" viewBox=\"{} {} {w} {h}\"",
                crate::svg::n(x),
                crate::svg::n(y),
                w = crate::svg::n(tw),
                h = crate::svg::n(th)
            );
            let k = r * cols + c + 1;
            let caption = match l {
                Lang::Fr => format!(
                    "{} — partie {k} sur {total} (ligne {}, colonne {}), agrandie pour l'impression ; les parties voisines se recouvrent.",
                    d.title,
                    r + 1,
                    c + 1
                ),
                Lang::En => format!(
                    "{} — part {k} of {total} (row {}, column {}), enlarged for print; neighbouring parts overlap.",
                    d.title,
                    r + 1,
                    c + 1
                ),
            };
            let _ = writeln!(
                out,
                "<section class=\"figure-page tile {}\"><figure>\n{}<figcaption>{}</figcaption></figure></section>",
                if landscape { "wide" } else { "tall" },
                whole.replacen(&head, &crop, 1),
                e(&caption)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(width: f64, height: f64) -> Diagram {
        Diagram {
            title: "t".into(),
            nodes: Vec::new(),
            edges: Vec::new(),
            legend: Vec::new(),
            width,
            height,
        }
    }

    #[test]
    fn a_small_view_prints_whole_and_a_large_one_in_readable_parts() {
        let small = blank(700.0, 600.0);
        assert!(whole_pt(&small, PORTRAIT) >= MIN_PT);
        assert!(html(&small, "v", PORTRAIT, Lang::En).is_empty());
        // ferronor's WAN view: about 3.4 pt whole on a portrait page.
        let large = blank(1651.0, 1661.0);
        assert!(whole_pt(&large, PORTRAIT) < 4.0);
        let (cols, rows, landscape) = grid(&large).expect("a grid");
        let (tw, th) = tile_size(&large, cols, rows);
        let room = if landscape { LANDSCAPE } else { PORTRAIT };
        assert!(printed_pt(tw, th, room) >= MIN_PT);
        let parts = html(&large, "v", PORTRAIT, Lang::Fr);
        assert_eq!(parts.matches("<section").count(), cols * rows);
        assert!(parts.contains(&format!("partie {} sur {}", cols * rows, cols * rows)));
        // The caption announces the parts in print only (on screen they are hidden).
        let c = caption("Vue <WAN>", &parts, Lang::Fr);
        assert!(
            c.starts_with("Vue &lt;WAN&gt; <span class=\"print-only\">À l"),
            "{c}"
        );
        assert_eq!(caption("Vue", "", Lang::Fr), "Vue");
    }
}
