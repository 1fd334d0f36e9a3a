//! The layout drawn as SVG (presentation attributes only, no CSS, no scripts, no
//! external references), standalone or inline in the HTML.

use std::fmt::Write;

use netkit_model::DeviceKind;

use crate::esc::xml;
use crate::layout::{BoxKind, EdgeKind, LBox, Layout, Rect, Sample, Text, TextStyle};

pub const FONT: &str = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif";

/// A number for SVG: at most one decimal.
pub fn n(x: f64) -> String {
    let r = (x * 10.0).round() / 10.0;
    if r.fract() == 0.0 {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

fn text_fill(s: TextStyle) -> &'static str {
    match s {
        TextStyle::Normal => "#1f2937",
        TextStyle::Muted => "#4b5563",
        TextStyle::OnDark => "#ffffff",
        TextStyle::Warning => "#b91c1c",
        TextStyle::Title => "#111827",
    }
}

pub fn edge_color(k: EdgeKind) -> &'static str {
    match k {
        EdgeKind::Wan => "#d97706",
        EdgeKind::Uplink => "#7c3aed",
        EdgeKind::Intra => "#1e3a5f",
        EdgeKind::Trunk => "#3f8f5a",
    }
}

pub fn device_color(k: DeviceKind) -> &'static str {
    match k {
        DeviceKind::Router => "#2563eb",
        DeviceKind::Firewall => "#dc2626",
        DeviceKind::L3Switch => "#059669",
        _ => "#6b7280",
    }
}

/// Colours of WAN links: neighbouring links differ, so that a label and its line
/// are easy to match where links run side by side.
const WAN_PALETTE: &[&str] = &[
    "#d97706", "#0e7490", "#4d7c0f", "#a21caf", "#b45309", "#1d4ed8", "#be123c", "#047857",
];

/// The colour of every edge of the layout, in order.
pub fn edge_colors(layout: &Layout) -> Vec<&'static str> {
    let mut k = 0;
    layout
        .edges
        .iter()
        .map(|e| {
            if e.kind == EdgeKind::Wan {
                k += 1;
                WAN_PALETTE[(k - 1) % WAN_PALETTE.len()]
            } else {
                edge_color(e.kind)
            }
        })
        .collect()
}

fn edge_attrs(k: EdgeKind) -> String {
    edge_attrs_colored(k, edge_color(k))
}

fn edge_attrs_colored(k: EdgeKind, color: &str) -> String {
    let (w, dash) = match k {
        EdgeKind::Wan => (2.2, ""),
        EdgeKind::Uplink => (2.2, " stroke-dasharray=\"6 4\""),
        EdgeKind::Intra => (1.6, ""),
        EdgeKind::Trunk => (1.4, ""),
    };
    format!("fill=\"none\" stroke=\"{color}\" stroke-width=\"{w}\" stroke-linejoin=\"round\"{dash}")
}

fn texts(out: &mut String, ts: &[Text]) {
    for t in ts {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{}{} fill=\"{}\">{}</text>",
            n(t.x),
            n(t.y),
            n(t.size),
            if t.bold { " font-weight=\"bold\"" } else { "" },
            if t.middle {
                " text-anchor=\"middle\""
            } else {
                ""
            },
            text_fill(t.style),
            xml(&t.text)
        );
    }
}

fn rect(out: &mut String, class: &str, r: &Rect, rx: f64, fill: &str, stroke: &str, extra: &str) {
    let _ = write!(
        out,
        "<rect class=\"{class}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\"{extra}/>",
        n(r.x),
        n(r.y),
        n(r.w),
        n(r.h),
        n(rx)
    );
}

fn segment_style(isolated: bool) -> (&'static str, &'static str, &'static str) {
    if isolated {
        (
            "#fdeeee",
            "#c0392b",
            " stroke-dasharray=\"5 3\" stroke-width=\"1.4\"",
        )
    } else {
        ("#ecf7ee", "#3f8f5a", " stroke-width=\"1.2\"")
    }
}

fn draw_box(out: &mut String, b: &LBox) {
    out.push_str("<g>");
    if !b.tooltip.is_empty() {
        let _ = write!(out, "<title>{}</title>", xml(&b.tooltip));
    }
    let r = &b.rect;
    match b.kind {
        BoxKind::Site | BoxKind::Internet => {
            let (fill, stroke, band) = if b.kind == BoxKind::Site {
                ("#f6f8fb", "#94a3b8", "#1e3a5f")
            } else {
                ("#f5f3fb", "#8b7bb5", "#5b4a8b")
            };
            rect(
                out,
                if b.kind == BoxKind::Site {
                    "nk-site"
                } else {
                    "nk-internet"
                },
                r,
                7.0,
                fill,
                stroke,
                " stroke-width=\"1.2\"",
            );
            let rr = 7.0;
            let _ = write!(
                out,
                "<path d=\"M{} {} a{rr} {rr} 0 0 1 {rr} -{rr} h{} a{rr} {rr} 0 0 1 {rr} {rr} v{} h-{} z\" fill=\"{band}\"/>",
                n(r.x),
                n(r.y + rr),
                n(r.w - 2.0 * rr),
                n(b.band - rr),
                n(r.w)
            );
        }
        BoxKind::Device(k) => {
            rect(
                out,
                "nk-device",
                r,
                5.0,
                "#ffffff",
                "#1e3a5f",
                " stroke-width=\"1.3\"",
            );
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"4\" fill=\"{}\"/>",
                n(r.x + 3.0),
                n(r.y + 1.0),
                n(r.w - 6.0),
                device_color(k)
            );
        }
        BoxKind::Upstream => {
            rect(
                out,
                "nk-device",
                r,
                12.0,
                "#ffffff",
                "#5b4a8b",
                " stroke-width=\"1.3\"",
            );
        }
        BoxKind::Segment { isolated } => {
            let (fill, stroke, extra) = segment_style(isolated);
            rect(out, "nk-segment", r, 4.0, fill, stroke, extra);
        }
        BoxKind::Legend => {
            rect(out, "nk-legend", r, 4.0, "#ffffff", "#cbd5e1", "");
        }
        BoxKind::Caption => {}
    }
    texts(out, &b.texts);
    out.push_str("</g>\n");
}

/// The diagram as SVG. `standalone` adds the XML declaration (for `topology.svg`);
/// the inline version scales to the page width.
pub fn render(layout: &Layout, title: &str, standalone: bool) -> String {
    let mut out = String::with_capacity(64 * 1024);
    if standalone {
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    let (w, h) = (n(layout.width), n(layout.height));
    let size = if standalone {
        format!("width=\"{w}\" height=\"{h}\"")
    } else {
        "width=\"100%\" preserveAspectRatio=\"xMidYMin meet\"".to_string()
    };
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" {size} viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" role=\"img\" aria-label=\"{}\">",
        xml(title)
    );
    let _ = writeln!(out, "<title>{}</title>", xml(title));
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>"
    );
    // Clusters first, then edges, then the boxes inside clusters, then labels.
    for b in layout
        .boxes
        .iter()
        .filter(|b| matches!(b.kind, BoxKind::Site | BoxKind::Internet))
    {
        draw_box(&mut out, b);
    }
    let colors = edge_colors(layout);
    for (e, color) in layout.edges.iter().zip(&colors) {
        let d: Vec<String> = e
            .points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{}{} {}", if i == 0 { "M" } else { "L" }, n(p.0), n(p.1)))
            .collect();
        out.push_str("<g>");
        if !e.tooltip.is_empty() {
            let _ = write!(out, "<title>{}</title>", xml(&e.tooltip));
        }
        let _ = writeln!(
            out,
            "<path d=\"{}\" {}/></g>",
            d.join(" "),
            edge_attrs_colored(e.kind, color)
        );
    }
    for b in layout
        .boxes
        .iter()
        .filter(|b| !matches!(b.kind, BoxKind::Site | BoxKind::Internet))
    {
        draw_box(&mut out, b);
    }
    for (e, color) in layout.edges.iter().zip(&colors) {
        if let Some(l) = &e.label {
            out.push_str("<g>");
            rect(
                &mut out,
                "nk-label",
                &l.rect,
                3.0,
                "#ffffff",
                color,
                " stroke-width=\"1.2\"",
            );
            texts(&mut out, &l.texts);
            out.push_str("</g>\n");
        }
    }
    for s in &layout.samples {
        match s {
            Sample::Edge(k, a, b) => {
                let _ = writeln!(
                    out,
                    "<path d=\"M{} {} L{} {}\" {}/>",
                    n(a.0),
                    n(a.1),
                    n(b.0),
                    n(b.1),
                    edge_attrs(*k)
                );
            }
            Sample::Box(BoxKind::Segment { isolated }, r) => {
                let (fill, stroke, extra) = segment_style(*isolated);
                rect(&mut out, "nk-sample", r, 3.0, fill, stroke, extra);
                out.push('\n');
            }
            Sample::Box(_, r) => {
                rect(&mut out, "nk-sample", r, 3.0, "#ffffff", "#1e3a5f", "");
                out.push('\n');
            }
        }
    }
    out.push_str("</svg>\n");
    out
}
