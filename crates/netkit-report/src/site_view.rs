//! One view per site (`site-<name>.svg`): the site's WAN ends on top (far site,
//! bandwidth, cost, prefix, local interface), its devices in the middle, its segments
//! (VLAN, name, prefix) below; links inside the site run in their own tracks between
//! devices and segments. Rows keep every text apart whatever the site's size.

use std::collections::{HashMap, HashSet};

use netkit_model::DeviceKind;
use netkit_plan::{Plan, SitePlan};

use crate::diagram::{self, Diagram, Edge, LegendSample, Node, Shape, Stroke};
use crate::i18n::{K, Lang};
use crate::view::kind_name;

/// Space between boxes of a row.
const HGAP: f64 = 28.0;
/// Space between rows.
const VGAP: f64 = 80.0;
/// Space between two tracks of links inside the site.
const TRACK: f64 = 14.0;

fn words(l: Lang) -> [&'static str; 3] {
    match l {
        Lang::Fr => [
            "extrémité de liaison inter-sites (site distant · débit · coût · préfixe · interface)",
            "équipement (nom · type · bouclage)",
            "segment isolé",
        ],
        Lang::En => [
            "WAN link end (far site · bandwidth · cost · prefix · interface)",
            "device (name · kind · loopback)",
            "isolated segment",
        ],
    }
}

/// `site-<name>` made safe for a file name: letters, digits, `-`, `_` kept, the rest
/// `_`; a name that another site already took gets `-2`, `-3`.
pub fn file_stems(plan: &Plan) -> Vec<String> {
    let mut taken = HashSet::new();
    plan.sites
        .iter()
        .map(|s| {
            let slug: String = s
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            let base = format!("site-{slug}");
            let mut name = base.clone();
            let mut k = 2;
            while !taken.insert(name.to_ascii_lowercase()) {
                name = format!("{base}-{k}");
                k += 1;
            }
            name
        })
        .collect()
}

pub fn title(site: &SitePlan, l: Lang) -> String {
    match l {
        Lang::Fr => format!("Site {}", site.name),
        Lang::En => format!("Site {}", site.name),
    }
}

fn shape_of(k: DeviceKind) -> Shape {
    match k {
        DeviceKind::Router => Shape::Router,
        DeviceKind::Firewall => Shape::Firewall,
        DeviceKind::L3Switch => Shape::L3Switch,
        _ => Shape::Other,
    }
}

/// The view of `site`, placed.
pub fn view(plan: &Plan, site: &SitePlan, l: Lang) -> Diagram {
    let site_of: HashMap<&str, &str> = plan
        .devices
        .iter()
        .map(|d| (d.id.as_str(), d.site.as_str()))
        .collect();
    let mut devices: Vec<_> = plan
        .devices
        .iter()
        .filter(|d| d.site == site.name)
        .collect();
    devices.sort_by_key(|d| !d.kind.is_layer3());
    let mut nodes = Vec::new();
    let mut rows: [Vec<usize>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    let mut edges = Vec::new();
    let mut dev_node: HashMap<&str, usize> = HashMap::new();
    for (i, dev) in devices.iter().enumerate() {
        let mut lines = vec![dev.name.clone(), kind_name(l, dev.kind).to_string()];
        if let Some(lo) = dev.loopback {
            lines.push(format!("{} {}", l.t(K::Loopback), lo.addr()));
        }
        dev_node.insert(dev.id.as_str(), nodes.len());
        rows[1].push(nodes.len());
        nodes.push(Node::new(
            format!("d{i}"),
            dev.name.clone(),
            lines,
            shape_of(dev.kind),
        ));
    }
    // WAN ends, in the order of the local devices.
    let mut ends = Vec::new();
    for link in plan.links.iter().filter(|k| k.wan) {
        let (sa, sb) = (
            site_of.get(link.a.as_str()).copied(),
            site_of.get(link.b.as_str()).copied(),
        );
        let (local, far, iface, addr) = if sa == Some(site.name.as_str()) {
            (&link.a, sb, &link.a_interface, link.a_address)
        } else if sb == Some(site.name.as_str()) {
            (&link.b, sa, &link.b_interface, link.b_address)
        } else {
            continue;
        };
        let Some(&d) = dev_node.get(local.as_str()) else {
            continue;
        };
        let far = far.unwrap_or("?").to_string();
        let cost = format!("{} {}", l.t(K::Cost), link.cost);
        let bw = match link.bandwidth_bps {
            Some(bps) => format!("{} · {}", l.bandwidth(bps), cost),
            None => cost,
        };
        let lines = vec![
            format!("→ {far}"),
            bw,
            link.prefix.to_string(),
            format!("{iface} {addr}"),
        ];
        ends.push((d, far, lines, Stroke::Wan));
    }
    if let Some(inet) = &plan.internet
        && let Some(&d) = dev_node.get(inet.edge.as_str())
    {
        let lines = vec![
            format!("→ {}", l.t(K::Internet)),
            l.t(K::Uplink).to_string(),
            inet.uplink_prefix.to_string(),
            format!("{} {}", inet.edge_interface, inet.edge_address),
        ];
        ends.push((d, l.t(K::Internet).to_string(), lines, Stroke::Uplink));
    }
    ends.sort_by_key(|e| e.0);
    for (k, (d, far, lines, stroke)) in ends.into_iter().enumerate() {
        let i = nodes.len();
        rows[0].push(i);
        nodes.push(Node::new(format!("w{k}"), far, lines, Shape::WanEnd));
        edges.push(Edge::new(i, d, Vec::new(), stroke));
    }
    // Segments, in the order of their gateways.
    let mut segs: Vec<_> = site.segments.iter().collect();
    segs.sort_by_key(|s| {
        (
            dev_node.get(s.gateway_device.as_str()).copied(),
            s.prefix.network(),
        )
    });
    for (k, seg) in segs.iter().enumerate() {
        let mut first = format!("VLAN {} · {}", seg.vlan, seg.name);
        if seg.isolated {
            first = format!("{first} ({})", l.t(K::Isolated));
        }
        let i = nodes.len();
        rows[2].push(i);
        nodes.push(Node::new(
            format!("g{k}"),
            seg.name.clone(),
            vec![first, seg.prefix.to_string(), format!("→ {}", seg.gateway)],
            Shape::Segment {
                isolated: seg.isolated,
            },
        ));
        if let Some(&d) = dev_node.get(seg.gateway_device.as_str()) {
            edges.push(Edge::new(d, i, Vec::new(), Stroke::Segment));
        }
    }
    // Links inside the site.
    let mut intra = Vec::new();
    for link in plan.links.iter().filter(|k| !k.wan) {
        if let (Some(&a), Some(&b)) = (dev_node.get(link.a.as_str()), dev_node.get(link.b.as_str()))
            && a != b
        {
            intra.push(edges.len());
            edges.push(Edge::new(a, b, Vec::new(), Stroke::Intra));
        }
    }
    // Rows, centred on the widest.
    let widths: Vec<f64> = rows
        .iter()
        .map(|r| {
            r.iter().map(|&i| nodes[i].w).sum::<f64>() + HGAP * r.len().saturating_sub(1) as f64
        })
        .collect();
    let widest = widths.iter().copied().fold(0.0, f64::max);
    let heights: Vec<f64> = rows
        .iter()
        .map(|r| r.iter().map(|&i| nodes[i].h).fold(0.0, f64::max))
        .collect();
    let channel = VGAP + TRACK * intra.len() as f64;
    let ys = [
        heights[0] / 2.0,
        heights[0] + VGAP + heights[1] / 2.0,
        heights[0] + VGAP + heights[1] + channel + heights[2] / 2.0,
    ];
    for (r, row) in rows.iter().enumerate() {
        let mut x = (widest - widths[r]) / 2.0;
        for &i in row {
            nodes[i].x = x + nodes[i].w / 2.0;
            nodes[i].y = ys[r];
            x += nodes[i].w + HGAP;
        }
    }
    let bottom = |n: &Node, f: f64| (n.left() + n.w * f, n.y + n.h / 2.0);
    let mut used: HashMap<usize, usize> = HashMap::new();
    let mut slot = |d: usize| {
        let k = used.entry(d).or_insert(0);
        *k += 1;
        // Away from the centre, where segment lines leave.
        [0.2, 0.8, 0.32, 0.68, 0.12, 0.88][(*k - 1) % 6]
    };
    let track_top = ys[1] + heights[1] / 2.0 + VGAP / 2.0;
    let mut track = 0;
    for (k, e) in edges.iter_mut().enumerate() {
        let (a, b) = (&nodes[e.a], &nodes[e.b]);
        e.points = match e.stroke {
            Stroke::Wan | Stroke::Uplink => vec![(a.x, a.y + a.h / 2.0), (b.x, b.y - b.h / 2.0)],
            Stroke::Segment => vec![(a.x, a.y + a.h / 2.0), (b.x, b.y - b.h / 2.0)],
            Stroke::Intra => {
                let _ = k;
                let pa = bottom(a, slot(e.a));
                let pb = bottom(b, slot(e.b));
                let y = track_top + TRACK * track as f64;
                track += 1;
                vec![pa, (pa.0, y), (pb.0, y), pb]
            }
        };
    }
    let w = words(l);
    let mut legend = vec![
        (LegendSample::Box(Shape::Router), w[1].to_string()),
        (
            LegendSample::Box(Shape::Segment { isolated: false }),
            l.t(K::LegendSegment).to_string(),
        ),
    ];
    if site.segments.iter().any(|s| s.isolated) {
        legend.push((
            LegendSample::Box(Shape::Segment { isolated: true }),
            w[2].to_string(),
        ));
    }
    if !rows[0].is_empty() {
        legend.push((LegendSample::Box(Shape::WanEnd), w[0].to_string()));
    }
    if !intra.is_empty() {
        legend.push((
            LegendSample::Line(Stroke::Intra),
            l.t(K::LegendIntra).to_string(),
        ));
    }
    let mut d = Diagram {
        title: title(site, l),
        nodes,
        edges,
        legend,
        width: 0.0,
        height: 0.0,
    };
    let top = diagram::legend_height(d.legend.len()) + 10.0;
    diagram::fit_canvas(&mut d, 20.0, top);
    d
}
