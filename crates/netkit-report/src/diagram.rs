//! A placed diagram (boxes with lines of text, polylines with optional labels, a
//! legend) and its four writers: SVG, Graphviz DOT, Mermaid and draw.io. The WAN view
//! (`wan`) and the per-site views (`site_view`) build one; the writers escape every
//! text for their syntax, so a site called `<script>` is text.

use std::fmt::Write;

use crate::esc;
use crate::layout::text_width;
use crate::svg::{FONT, n};

/// Font sizes of the views.
pub const TITLE: f64 = 12.0;
pub const BODY: f64 = 10.5;
/// Height of one line of text at [`BODY`] size (and of a title line).
pub const LINE: f64 = 14.0;
/// Padding inside boxes and labels.
pub const PAD: f64 = 6.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Site,
    Internet,
    Router,
    Firewall,
    L3Switch,
    /// A switch of the access layer.
    Switch,
    AccessPoint,
    Other,
    Segment {
        isolated: bool,
    },
    /// The far end of a WAN link, on a site view.
    WanEnd,
}

impl Shape {
    fn colors(self) -> (&'static str, &'static str) {
        match self {
            Shape::Site => ("#f6f8fb", "#1e3a5f"),
            Shape::Internet => ("#f5f3fb", "#5b4a8b"),
            Shape::Router => ("#dbeafe", "#2563eb"),
            Shape::Firewall => ("#fee2e2", "#dc2626"),
            Shape::L3Switch => ("#d1fae5", "#059669"),
            Shape::Switch => ("#e0f2fe", "#0369a1"),
            Shape::AccessPoint => ("#fef9c3", "#a16207"),
            Shape::Other => ("#f3f4f6", "#6b7280"),
            Shape::Segment { isolated: false } => ("#ecf7ee", "#3f8f5a"),
            Shape::Segment { isolated: true } => ("#fdeeee", "#c0392b"),
            Shape::WanEnd => ("#fff7ed", "#d97706"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    Wan,
    Uplink,
    Intra,
    Segment,
    /// A trunk of the access layer (switch uplinks, access point ports).
    Trunk,
}

impl Stroke {
    fn style(self) -> (&'static str, f64, &'static str) {
        match self {
            Stroke::Wan => ("#d97706", 2.2, ""),
            Stroke::Uplink => ("#7c3aed", 2.2, "6 4"),
            Stroke::Intra => ("#1e3a5f", 1.6, ""),
            Stroke::Segment => ("#3f8f5a", 1.4, ""),
            Stroke::Trunk => ("#0891b2", 2.0, ""),
        }
    }
}

/// A box: its centre, size and lines (the first bold).
#[derive(Debug, Clone)]
pub struct Node {
    /// Short id used in every syntax (`s0`, `d3`): never user text.
    pub id: String,
    /// What the node stands for (a site or device name), for `data-name`.
    pub name: String,
    pub lines: Vec<String>,
    pub shape: Shape,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Node {
    pub fn new(id: String, name: String, lines: Vec<String>, shape: Shape) -> Node {
        let (w, h) = lines_size(&lines);
        Node {
            id,
            name,
            lines,
            shape,
            x: 0.0,
            y: 0.0,
            w,
            h,
        }
    }

    pub fn left(&self) -> f64 {
        self.x - self.w / 2.0
    }

    pub fn top(&self) -> f64 {
        self.y - self.h / 2.0
    }
}

/// A line between two nodes, drawn through `points`, with a label box centred at
/// `label_at` when it has lines.
#[derive(Debug, Clone)]
pub struct Edge {
    pub a: usize,
    pub b: usize,
    pub lines: Vec<String>,
    pub stroke: Stroke,
    pub color: &'static str,
    pub points: Vec<(f64, f64)>,
    pub label_at: (f64, f64),
    pub label_w: f64,
    pub label_h: f64,
}

impl Edge {
    pub fn new(a: usize, b: usize, lines: Vec<String>, stroke: Stroke) -> Edge {
        let (w, h) = if lines.is_empty() {
            (0.0, 0.0)
        } else {
            lines_size(&lines)
        };
        Edge {
            a,
            b,
            lines,
            stroke,
            color: stroke.style().0,
            points: Vec::new(),
            label_at: (0.0, 0.0),
            label_w: w,
            label_h: h,
        }
    }
}

/// A placed diagram. Coordinates are those of the SVG.
#[derive(Debug, Clone)]
pub struct Diagram {
    pub title: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Legend entries: a sample and its meaning.
    pub legend: Vec<(LegendSample, String)>,
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, Copy)]
pub enum LegendSample {
    Line(Stroke),
    Box(Shape),
}

/// Width and height of a box holding `lines` (first line bold, title size).
pub fn lines_size(lines: &[String]) -> (f64, f64) {
    let w = lines
        .iter()
        .enumerate()
        .map(|(i, s)| {
            if i == 0 {
                text_width(s, TITLE, true)
            } else {
                text_width(s, BODY, false)
            }
        })
        .fold(0.0, f64::max);
    (
        (w + 2.0 * PAD).ceil(),
        (lines.len() as f64 * LINE + 2.0 * PAD - 2.0).ceil(),
    )
}

/// Height the legend takes above the drawing.
pub fn legend_height(entries: usize) -> f64 {
    if entries == 0 {
        30.0
    } else {
        30.0 + 20.0 * entries as f64 + 8.0
    }
}

fn text_lines(out: &mut String, lines: &[String], cx: f64, top: f64, first_bold: bool) {
    for (i, s) in lines.iter().enumerate() {
        let y = top + PAD + 11.0 + i as f64 * LINE;
        let (size, bold) = if i == 0 && first_bold {
            (TITLE, " font-weight=\"bold\"")
        } else {
            (BODY, "")
        };
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{bold} text-anchor=\"middle\" fill=\"#1f2937\">{}</text>",
            n(cx),
            n(y),
            n(size),
            esc::xml(s)
        );
    }
}

fn path_d(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{} {}", if i == 0 { "M" } else { " L" }, n(*x), n(*y));
    }
    d
}

/// The diagram as a standalone SVG (`standalone`: with the XML declaration).
pub fn svg(d: &Diagram, class: &str, standalone: bool) -> String {
    let mut out = String::new();
    if standalone {
        out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    }
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{class}\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>",
        w = n(d.width),
        h = n(d.height),
        t = esc::xml(&d.title)
    );
    let _ = write!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        n(d.width),
        n(d.height)
    );
    let _ = write!(
        out,
        "<text class=\"title\" x=\"12\" y=\"20\" font-size=\"14\" font-weight=\"bold\" fill=\"#111827\">{}</text>",
        esc::xml(&d.title)
    );
    legend(&mut out, d);
    for e in &d.edges {
        let (_, w, dash) = e.stroke.style();
        let dash = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let _ = write!(
            out,
            "<path class=\"edge\" data-a=\"{}\" data-b=\"{}\" d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{dash}/>",
            d.nodes[e.a].id,
            d.nodes[e.b].id,
            path_d(&e.points),
            e.color,
            n(w)
        );
    }
    for node in &d.nodes {
        let (fill, stroke) = node.shape.colors();
        let dash = if matches!(
            node.shape,
            Shape::Segment { isolated: true } | Shape::Internet
        ) {
            " stroke-dasharray=\"5 3\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<g class=\"node\" data-id=\"{}\" data-name=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"5\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"1.4\"{dash}/>",
            node.id,
            esc::xml(&node.name),
            n(node.left()),
            n(node.top()),
            n(node.w),
            n(node.h)
        );
        text_lines(&mut out, &node.lines, node.x, node.top(), true);
        out.push_str("</g>");
    }
    for e in d.edges.iter().filter(|e| !e.lines.is_empty()) {
        let (x, y) = e.label_at;
        let _ = write!(
            out,
            "<g class=\"label\" data-a=\"{}\" data-b=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.95\" stroke=\"{}\" stroke-width=\"1\"/>",
            d.nodes[e.a].id,
            d.nodes[e.b].id,
            n(x - e.label_w / 2.0),
            n(y - e.label_h / 2.0),
            n(e.label_w),
            n(e.label_h),
            e.color
        );
        text_lines(&mut out, &e.lines, x, y - e.label_h / 2.0, true);
        out.push_str("</g>");
    }
    out.push_str("</svg>\n");
    out
}

fn legend(out: &mut String, d: &Diagram) {
    if d.legend.is_empty() {
        return;
    }
    out.push_str("<g class=\"legend\">");
    for (i, (sample, text)) in d.legend.iter().enumerate() {
        let y = 40.0 + 20.0 * i as f64;
        match sample {
            LegendSample::Line(s) => {
                let (color, w, dash) = s.style();
                let dash = if dash.is_empty() {
                    String::new()
                } else {
                    format!(" stroke-dasharray=\"{dash}\"")
                };
                let _ = write!(
                    out,
                    "<line x1=\"14\" y1=\"{y}\" x2=\"44\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"{}\"{dash}/>",
                    n(w)
                );
            }
            LegendSample::Box(shape) => {
                let (fill, stroke) = shape.colors();
                let _ = write!(
                    out,
                    "<rect x=\"16\" y=\"{}\" width=\"26\" height=\"12\" rx=\"3\" fill=\"{fill}\" stroke=\"{stroke}\"/>",
                    n(y - 6.0)
                );
            }
        }
        let _ = write!(
            out,
            "<text x=\"52\" y=\"{}\" font-size=\"{}\" fill=\"#4b5563\">{}</text>",
            n(y + 4.0),
            n(BODY),
            esc::xml(text)
        );
    }
    out.push_str("</g>");
}

/// The same diagram in Graphviz DOT (without positions: Graphviz lays it out).
pub fn dot(d: &Diagram, undirected_name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "graph \"{}\" {{", esc::dot(undirected_name));
    let _ = writeln!(out, "  label=\"{}\";", esc::dot(&d.title));
    out.push_str("  labelloc=t;\n  fontname=\"DejaVu Sans\";\n  node [shape=box, style=\"rounded,filled\", fontname=\"DejaVu Sans\", fontsize=10];\n  edge [fontname=\"DejaVu Sans\", fontsize=9];\n");
    let join = |lines: &[String]| {
        lines
            .iter()
            .map(|s| esc::dot(s))
            .collect::<Vec<_>>()
            .join("\\n")
    };
    for node in &d.nodes {
        let (fill, stroke) = node.shape.colors();
        let _ = writeln!(
            out,
            "  {} [label=\"{}\", fillcolor=\"{fill}\", color=\"{stroke}\"];",
            node.id,
            join(&node.lines)
        );
    }
    for e in &d.edges {
        let (color, _, dash) = e.stroke.style();
        let style = if dash.is_empty() { "solid" } else { "dashed" };
        let _ = writeln!(
            out,
            "  {} -- {} [label=\"{}\", color=\"{color}\", style={style}];",
            d.nodes[e.a].id,
            d.nodes[e.b].id,
            join(&e.lines)
        );
    }
    out.push_str("}\n");
    out
}

/// The same diagram as a Mermaid flowchart, `direction` `LR` (left to right) or `TB`
/// (top-down, like the site views).
pub fn mermaid(d: &Diagram, direction: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "---\ntitle: \"{}\"\n---", esc::mermaid(&d.title));
    let _ = writeln!(out, "flowchart {direction}");
    let join = |lines: &[String]| {
        lines
            .iter()
            .map(|s| esc::mermaid(s))
            .collect::<Vec<_>>()
            .join("<br/>")
    };
    for node in &d.nodes {
        let _ = writeln!(out, "  {}[\"{}\"]", node.id, join(&node.lines));
    }
    for e in &d.edges {
        let arrow = if e.stroke == Stroke::Uplink {
            "-.-"
        } else {
            "---"
        };
        if e.lines.is_empty() {
            let _ = writeln!(out, "  {} {arrow} {}", d.nodes[e.a].id, d.nodes[e.b].id);
        } else {
            let _ = writeln!(
                out,
                "  {} {arrow}|\"{}\"| {}",
                d.nodes[e.a].id,
                join(&e.lines),
                d.nodes[e.b].id
            );
        }
    }
    for node in &d.nodes {
        let (fill, stroke) = node.shape.colors();
        let _ = writeln!(out, "  style {} fill:{fill},stroke:{stroke}", node.id);
    }
    out
}

/// The same diagram for draw.io (diagrams.net), with netkit's positions.
pub fn drawio(d: &Diagram, diagram_id: &str) -> String {
    let a = esc::xml_attr_multiline;
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<mxfile host=\"netkit\" agent=\"netkit\" version=\"24.0.0\">\n");
    let _ = writeln!(
        out,
        "  <diagram id=\"{}\" name=\"{}\">",
        a(diagram_id),
        a(&d.title)
    );
    let _ = writeln!(
        out,
        "    <mxGraphModel dx=\"0\" dy=\"0\" grid=\"1\" gridSize=\"10\" guides=\"1\" tooltips=\"1\" connect=\"1\" arrows=\"0\" fold=\"1\" page=\"0\" pageScale=\"1\" pageWidth=\"{}\" pageHeight=\"{}\" math=\"0\" shadow=\"0\">",
        d.width.ceil(),
        d.height.ceil()
    );
    out.push_str(
        "      <root>\n        <mxCell id=\"0\"/>\n        <mxCell id=\"1\" parent=\"0\"/>\n",
    );
    for node in &d.nodes {
        let (fill, stroke) = node.shape.colors();
        let _ = writeln!(
            out,
            "        <mxCell id=\"{}\" value=\"{}\" style=\"rounded=1;whiteSpace=wrap;html=0;fontSize=10;fillColor={fill};strokeColor={stroke};\" vertex=\"1\" parent=\"1\"><mxGeometry x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" as=\"geometry\"/></mxCell>",
            node.id,
            a(&node.lines.join("\n")),
            n(node.left()),
            n(node.top()),
            n(node.w),
            n(node.h)
        );
    }
    for (i, e) in d.edges.iter().enumerate() {
        let (_, w, dash) = e.stroke.style();
        let dashed = if dash.is_empty() { "" } else { "dashed=1;" };
        let mut points = String::new();
        if e.points.len() > 2 {
            points.push_str("<Array as=\"points\">");
            for (x, y) in &e.points[1..e.points.len() - 1] {
                let _ = write!(points, "<mxPoint x=\"{}\" y=\"{}\"/>", n(*x), n(*y));
            }
            points.push_str("</Array>");
        }
        let _ = writeln!(
            out,
            "        <mxCell id=\"e{i}\" value=\"{}\" style=\"endArrow=none;html=0;fontSize=9;labelBackgroundColor=#ffffff;strokeColor={};strokeWidth={};{dashed}\" edge=\"1\" parent=\"1\" source=\"{}\" target=\"{}\"><mxGeometry relative=\"1\" as=\"geometry\">{points}</mxGeometry></mxCell>",
            a(&e.lines.join("\n")),
            e.color,
            n(w),
            d.nodes[e.a].id,
            d.nodes[e.b].id
        );
    }
    out.push_str("      </root>\n    </mxGraphModel>\n  </diagram>\n</mxfile>\n");
    out
}

/// Moves everything so that the drawing starts at (`margin`, `top`) and sets the
/// canvas size.
pub fn fit_canvas(d: &mut Diagram, margin: f64, top: f64) {
    let mut x0 = f64::MAX;
    let mut y0 = f64::MAX;
    let mut x1 = f64::MIN;
    let mut y1 = f64::MIN;
    let mut grow = |x: f64, y: f64, w: f64, h: f64| {
        x0 = x0.min(x - w / 2.0);
        y0 = y0.min(y - h / 2.0);
        x1 = x1.max(x + w / 2.0);
        y1 = y1.max(y + h / 2.0);
    };
    for node in &d.nodes {
        grow(node.x, node.y, node.w, node.h);
    }
    for e in &d.edges {
        for &(x, y) in &e.points {
            grow(x, y, 0.0, 0.0);
        }
        if !e.lines.is_empty() {
            grow(e.label_at.0, e.label_at.1, e.label_w, e.label_h);
        }
    }
    if x0 > x1 {
        (x0, y0, x1, y1) = (0.0, 0.0, 0.0, 0.0);
    }
    let dx = margin - x0;
    let dy = top - y0;
    for node in &mut d.nodes {
        node.x += dx;
        node.y += dy;
    }
    for e in &mut d.edges {
        for p in &mut e.points {
            p.0 += dx;
            p.1 += dy;
        }
        e.label_at.0 += dx;
        e.label_at.1 += dy;
    }
    let legend_w = d
        .legend
        .iter()
        .map(|(_, t)| 52.0 + text_width(t, BODY, false) + 12.0)
        .fold(text_width(&d.title, 14.0, true) + 24.0, f64::max);
    d.width = (x1 - x0 + 2.0 * margin).max(legend_w).ceil();
    d.height = (y1 - y0 + top + margin).ceil();
}
