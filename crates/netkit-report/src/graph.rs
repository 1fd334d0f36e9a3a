//! The topology as Graphviz DOT, Mermaid and draw.io: the same content as the SVG
//! (clusters per site, layer-3 devices, segments, labelled links), for the tools
//! people already use. Every name goes through the syntax's own escaping.

use std::collections::HashMap;
use std::fmt::Write;

use netkit_plan::Plan;

use crate::access_diagram;
use crate::esc;
use crate::i18n::{K, Lang};
use crate::layout::{BoxKind, EdgeKind, Layout};
use crate::svg::{device_color, edge_color};
use crate::view::kind_name;

/// What the three writers draw: nodes per site and labelled edges.
struct Graph {
    clusters: Vec<GCluster>,
    edges: Vec<GEdge>,
}

struct GCluster {
    /// Box id in the layout (`site:hq`, `internet`).
    box_id: String,
    title: Vec<String>,
    internet: bool,
    nodes: Vec<GNode>,
}

struct GNode {
    id: String,
    box_id: String,
    lines: Vec<String>,
    kind: NodeKind,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    Device(netkit_model::DeviceKind),
    Segment { isolated: bool },
    Upstream,
}

struct GEdge {
    a: String,
    b: String,
    lines: Vec<String>,
    kind: EdgeKind,
}

fn graph(plan: &Plan, layout: &Layout, l: Lang) -> Graph {
    let mut node_of: HashMap<String, String> = HashMap::new();
    let mut clusters = Vec::new();
    let mut edges = Vec::new();
    let drawn = |id: &str| layout.find(id).is_some();
    let mut seg_i = 0usize;
    for site in &plan.sites {
        let mut title = vec![site.name.clone()];
        if let Some(loc) = &site.location {
            title.push(loc.clone());
        }
        title.push(site.prefix.to_string());
        let mut nodes = Vec::new();
        let mut l2 = Vec::new();
        for (di, dev) in plan
            .devices
            .iter()
            .enumerate()
            .filter(|(_, d)| d.site == site.name)
        {
            let box_id = format!("device:{}", dev.id);
            let access = access_diagram::is_access_device(plan, &dev.id);
            if !drawn(&box_id) && !access {
                l2.push(format!("{} ({})", dev.name, kind_name(l, dev.kind)));
                continue;
            }
            let id = format!("d{di}");
            node_of.insert(dev.id.clone(), id.clone());
            let mut lines = vec![dev.name.clone(), kind_name(l, dev.kind).to_string()];
            if let Some(lo) = dev.loopback {
                lines.push(format!("{} {}", l.t(K::Loopback), lo.addr()));
            }
            nodes.push(GNode {
                id,
                box_id,
                lines,
                kind: NodeKind::Device(dev.kind),
            });
        }
        if !l2.is_empty() {
            title.push(l.f(K::Layer2, &[("names", &l2.join(", "))]));
        }
        for seg in &site.segments {
            let id = format!("s{seg_i}");
            seg_i += 1;
            let mut lines = vec![
                format!("VLAN {} · {}", seg.vlan, seg.name),
                seg.prefix.to_string(),
            ];
            if let Some(p6) = seg.prefix6 {
                lines.push(p6.to_string());
            }
            if seg.isolated {
                lines.push(l.t(K::Isolated).to_string());
            }
            if let Some(gw) = node_of.get(&seg.gateway_device) {
                edges.push(GEdge {
                    a: gw.clone(),
                    b: id.clone(),
                    lines: Vec::new(),
                    kind: EdgeKind::Trunk,
                });
            }
            nodes.push(GNode {
                id,
                box_id: format!("segment:{}", seg.id),
                lines,
                kind: NodeKind::Segment {
                    isolated: seg.isolated,
                },
            });
        }
        clusters.push(GCluster {
            box_id: format!("site:{}", site.name),
            title,
            internet: false,
            nodes,
        });
    }
    for link in &plan.links {
        let (Some(a), Some(b)) = (node_of.get(&link.a), node_of.get(&link.b)) else {
            continue;
        };
        let wan = link.a.split('.').next() != link.b.split('.').next();
        let lines = if wan {
            let cost = format!("{} {}", l.t(K::Cost), link.cost);
            vec![
                match link.bandwidth_bps {
                    Some(bps) => format!("{} · {cost}", l.bandwidth(bps)),
                    None => cost,
                },
                link.prefix.to_string(),
            ]
        } else {
            vec![link.prefix.to_string()]
        };
        edges.push(GEdge {
            a: a.clone(),
            b: b.clone(),
            lines,
            kind: if wan { EdgeKind::Wan } else { EdgeKind::Intra },
        });
    }
    // The access layer under its gateways: trunks labelled with their VLANs.
    for t in access_diagram::trunks(plan, None) {
        if let (Some(a), Some(b)) = (node_of.get(&t.upper), node_of.get(&t.lower)) {
            edges.push(GEdge {
                a: a.clone(),
                b: b.clone(),
                lines: t.lines,
                kind: EdgeKind::Intra,
            });
        }
    }
    if let Some(inet) = &plan.internet {
        clusters.push(GCluster {
            box_id: "internet".to_string(),
            title: vec![l.t(K::Internet).to_string()],
            internet: true,
            nodes: vec![GNode {
                id: "inet".to_string(),
                box_id: "upstream".to_string(),
                lines: vec![l.f(K::Upstream, &[("addr", &inet.upstream_address.to_string())])],
                kind: NodeKind::Upstream,
            }],
        });
        if let Some(a) = node_of.get(&inet.edge) {
            edges.push(GEdge {
                a: a.clone(),
                b: "inet".to_string(),
                lines: vec![l.t(K::Uplink).to_string(), inet.uplink_prefix.to_string()],
                kind: EdgeKind::Uplink,
            });
        }
    }
    Graph { clusters, edges }
}

fn node_colors(k: NodeKind) -> (&'static str, &'static str) {
    match k {
        NodeKind::Device(d) => ("#ffffff", device_color(d)),
        NodeKind::Segment { isolated: true } => ("#fdeeee", "#c0392b"),
        NodeKind::Segment { isolated: false } => ("#ecf7ee", "#3f8f5a"),
        NodeKind::Upstream => ("#ffffff", "#5b4a8b"),
    }
}

fn dot_label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|s| esc::dot(s))
        .collect::<Vec<_>>()
        .join("\\n")
}

/// Graphviz: `dot -Tsvg topology.dot > topology-graphviz.svg`.
pub fn dot(plan: &Plan, layout: &Layout, l: Lang) -> String {
    let g = graph(plan, layout, l);
    let mut out = String::new();
    let title = l.f(K::DiagramTitle, &[("name", &plan.name)]);
    let _ = writeln!(out, "graph \"{}\" {{", esc::dot(&plan.name));
    let _ = writeln!(
        out,
        "  graph [label=\"{}\", labelloc=t, fontsize=16, fontname=\"DejaVu Sans\", newrank=true, nodesep=0.35, ranksep=0.55];",
        esc::dot(&title)
    );
    out.push_str(
        "  node [shape=box, style=\"rounded,filled\", fontname=\"DejaVu Sans\", fontsize=10];\n",
    );
    out.push_str("  edge [fontname=\"DejaVu Sans\", fontsize=9];\n");
    for (ci, c) in g.clusters.iter().enumerate() {
        let (fill, color) = if c.internet {
            ("#f5f3fb", "#5b4a8b")
        } else {
            ("#f6f8fb", "#1e3a5f")
        };
        let _ = writeln!(out, "  subgraph cluster_{ci} {{");
        let _ = writeln!(
            out,
            "    label=\"{}\"; style=\"rounded,filled\"; fillcolor=\"{fill}\"; color=\"{color}\"; fontsize=12;",
            dot_label(&c.title)
        );
        for nd in &c.nodes {
            let (fill, color) = node_colors(nd.kind);
            let dashed = if matches!(nd.kind, NodeKind::Segment { isolated: true }) {
                ",dashed"
            } else {
                ""
            };
            let shape = if nd.kind == NodeKind::Upstream {
                ", shape=ellipse"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "    {} [label=\"{}\", fillcolor=\"{fill}\", color=\"{color}\", style=\"rounded,filled{dashed}\"{shape}];",
                nd.id,
                dot_label(&nd.lines)
            );
        }
        out.push_str("  }\n");
    }
    for e in &g.edges {
        let width = match e.kind {
            EdgeKind::Wan | EdgeKind::Uplink => 2.0,
            _ => 1.2,
        };
        let style = if e.kind == EdgeKind::Uplink {
            ", style=dashed"
        } else {
            ""
        };
        let label = if e.lines.is_empty() {
            String::new()
        } else {
            format!("label=\"{}\", ", dot_label(&e.lines))
        };
        let _ = writeln!(
            out,
            "  {} -- {} [{label}color=\"{}\", penwidth={width}{style}];",
            e.a,
            e.b,
            edge_color(e.kind)
        );
    }
    out.push_str("}\n");
    out
}

fn mmd_label(lines: &[String]) -> String {
    lines
        .iter()
        .map(|s| esc::mermaid(s))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// Mermaid flowchart with one subgraph per site (for Markdown wikis).
pub fn mermaid(plan: &Plan, layout: &Layout, l: Lang) -> String {
    let g = graph(plan, layout, l);
    let mut out = String::from("flowchart TB\n");
    for (ci, c) in g.clusters.iter().enumerate() {
        let _ = writeln!(out, "  subgraph c{ci}[\"{}\"]", mmd_label(&c.title));
        out.push_str("    direction TB\n");
        for nd in &c.nodes {
            let shape = if nd.kind == NodeKind::Upstream {
                ("((", "))")
            } else {
                ("[", "]")
            };
            let _ = writeln!(
                out,
                "    {}{}\"{}\"{}",
                nd.id,
                shape.0,
                mmd_label(&nd.lines),
                shape.1
            );
        }
        out.push_str("  end\n");
    }
    let mut link_styles: Vec<(usize, EdgeKind)> = Vec::new();
    for (i, e) in g.edges.iter().enumerate() {
        let arrow = if e.kind == EdgeKind::Uplink {
            "-.-"
        } else {
            "---"
        };
        if e.lines.is_empty() {
            let _ = writeln!(out, "  {} {arrow} {}", e.a, e.b);
        } else {
            let _ = writeln!(
                out,
                "  {} {arrow}|\"{}\"| {}",
                e.a,
                mmd_label(&e.lines),
                e.b
            );
        }
        link_styles.push((i, e.kind));
    }
    out.push_str("  classDef device fill:#ffffff,stroke:#1e3a5f,stroke-width:1.5px\n");
    out.push_str("  classDef segment fill:#ecf7ee,stroke:#3f8f5a\n");
    out.push_str("  classDef isolated fill:#fdeeee,stroke:#c0392b,stroke-dasharray:5 3\n");
    for c in &g.clusters {
        for nd in &c.nodes {
            let class = match nd.kind {
                NodeKind::Device(_) | NodeKind::Upstream => "device",
                NodeKind::Segment { isolated: false } => "segment",
                NodeKind::Segment { isolated: true } => "isolated",
            };
            let _ = writeln!(out, "  class {} {class}", nd.id);
        }
    }
    for (i, k) in link_styles {
        let w = if matches!(k, EdgeKind::Wan | EdgeKind::Uplink) {
            "2px"
        } else {
            "1px"
        };
        let _ = writeln!(
            out,
            "  linkStyle {i} stroke:{},stroke-width:{w}",
            edge_color(k)
        );
    }
    out
}

/// draw.io / diagrams.net file: the same positions as the SVG, so that people can
/// keep editing the diagram. Labels are plain text (`html=0`).
pub fn drawio(plan: &Plan, layout: &Layout, l: Lang) -> String {
    let g = graph(plan, layout, l);
    let a = esc::xml_attr_multiline;
    let mut out = String::new();
    let title = l.f(K::DiagramTitle, &[("name", &plan.name)]);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<mxfile host=\"netkit\" agent=\"netkit\" version=\"24.0.0\">\n");
    let _ = writeln!(out, "  <diagram id=\"topology\" name=\"{}\">", a(&title));
    let _ = writeln!(
        out,
        "    <mxGraphModel dx=\"0\" dy=\"0\" grid=\"1\" gridSize=\"10\" guides=\"1\" tooltips=\"1\" connect=\"1\" arrows=\"0\" fold=\"1\" page=\"0\" pageScale=\"1\" pageWidth=\"{}\" pageHeight=\"{}\" math=\"0\" shadow=\"0\">",
        layout.width.ceil(),
        layout.height.ceil()
    );
    out.push_str(
        "      <root>\n        <mxCell id=\"0\"/>\n        <mxCell id=\"1\" parent=\"0\"/>\n",
    );
    let mut cell_of_box: HashMap<&str, String> = HashMap::new();
    let geometry = |r: &crate::layout::Rect, ox: f64, oy: f64| {
        format!(
            "<mxGeometry x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" as=\"geometry\"/>",
            crate::svg::n(r.x - ox),
            crate::svg::n(r.y - oy),
            crate::svg::n(r.w),
            crate::svg::n(r.h)
        )
    };
    for (ci, c) in g.clusters.iter().enumerate() {
        let Some(cb) = layout.find(&c.box_id) else {
            continue;
        };
        let id = format!("c{ci}");
        let (fill, stroke) = if c.internet {
            ("#f5f3fb", "#5b4a8b")
        } else {
            ("#f6f8fb", "#1e3a5f")
        };
        let _ = writeln!(
            out,
            "        <mxCell id=\"{id}\" value=\"{}\" style=\"rounded=1;arcSize=3;whiteSpace=wrap;html=0;container=1;collapsible=0;verticalAlign=top;align=left;spacingLeft=10;spacingTop=4;fontStyle=1;fillColor={fill};strokeColor={stroke};\" vertex=\"1\" parent=\"1\">{}</mxCell>",
            a(&c.title.join("\n")),
            geometry(&cb.rect, 0.0, 0.0)
        );
        for nd in &c.nodes {
            let Some(b) = layout.find(&nd.box_id) else {
                continue;
            };
            let (fill, stroke) = node_colors(nd.kind);
            let dashed = if matches!(nd.kind, NodeKind::Segment { isolated: true }) {
                "dashed=1;"
            } else {
                ""
            };
            let align = if matches!(b.kind, BoxKind::Segment { .. }) {
                "align=left;spacingLeft=6;"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "        <mxCell id=\"{}\" value=\"{}\" style=\"rounded=1;whiteSpace=wrap;html=0;fontSize=10;verticalAlign=top;{align}{dashed}fillColor={fill};strokeColor={stroke};\" vertex=\"1\" parent=\"{id}\">{}</mxCell>",
                nd.id,
                a(&nd.lines.join("\n")),
                geometry(&b.rect, cb.rect.x, cb.rect.y)
            );
            cell_of_box.insert(b.id.as_str(), nd.id.clone());
        }
    }
    let mut ei = 0usize;
    let colors = crate::svg::edge_colors(layout);
    for (e, color) in layout.edges.iter().zip(colors) {
        if e.kind == EdgeKind::Trunk && e.from == e.to {
            continue;
        }
        let (Some(src), Some(dst)) = (
            cell_of_box.get(e.from.as_str()),
            cell_of_box.get(e.to.as_str()),
        ) else {
            continue;
        };
        let value = e
            .label
            .as_ref()
            .map(|lb| {
                lb.texts
                    .iter()
                    .map(|t| t.text.clone())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        let (Some(first), Some(last)) = (e.points.first(), e.points.last()) else {
            continue;
        };
        let (Some(sb), Some(tb)) = (layout.find(&e.from), layout.find(&e.to)) else {
            continue;
        };
        let rel = |p: &(f64, f64), r: &crate::layout::Rect| {
            (
                ((p.0 - r.x) / r.w).clamp(0.0, 1.0),
                ((p.1 - r.y) / r.h).clamp(0.0, 1.0),
            )
        };
        let (ex, ey) = rel(first, &sb.rect);
        let (nx, ny) = rel(last, &tb.rect);
        let dashed = if e.kind == EdgeKind::Uplink {
            "dashed=1;"
        } else {
            ""
        };
        let width = match e.kind {
            EdgeKind::Wan | EdgeKind::Uplink => 2,
            _ => 1,
        };
        let _ = write!(
            out,
            "        <mxCell id=\"e{ei}\" value=\"{}\" style=\"edgeStyle=none;rounded=0;html=0;endArrow=none;startArrow=none;{dashed}strokeColor={};strokeWidth={width};fontSize=10;labelBackgroundColor=#ffffff;exitX={:.3};exitY={:.3};exitDx=0;exitDy=0;exitPerimeter=0;entryX={:.3};entryY={:.3};entryDx=0;entryDy=0;entryPerimeter=0;\" edge=\"1\" parent=\"1\" source=\"{src}\" target=\"{dst}\"><mxGeometry relative=\"1\" as=\"geometry\">",
            a(&value),
            color,
            ex,
            ey,
            nx,
            ny
        );
        if e.points.len() > 2 {
            out.push_str("<Array as=\"points\">");
            for p in &e.points[1..e.points.len() - 1] {
                let _ = write!(
                    out,
                    "<mxPoint x=\"{}\" y=\"{}\"/>",
                    crate::svg::n(p.0),
                    crate::svg::n(p.1)
                );
            }
            out.push_str("</Array>");
        }
        out.push_str("</mxGeometry></mxCell>\n");
        ei += 1;
    }
    out.push_str("      </root>\n    </mxGraphModel>\n  </diagram>\n</mxfile>\n");
    out
}
