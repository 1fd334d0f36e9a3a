//! One view per site (`site-<name>.svg`), drawn top-down as a tree: the site's WAN
//! ends on top (far site, bandwidth, cost, prefix, local interface), its layer-3
//! devices below them, and under each device what hangs from it: its segments (VLAN,
//! name, prefix) and its switches, each switch with its cascaded switches and access
//! points (SSIDs, radio channels) under it, every trunk labelled with the VLANs it
//! carries. Links inside the site run in their own tracks under the devices.
//!
//! Layout guarantees, whatever the site's size: every subtree has a column of its
//! own, as wide as its widest box or label, so no two boxes or texts meet; a trunk's
//! label sits on the last vertical stretch of its own line, between its parent's bus
//! and the box it leads to.

use std::collections::{HashMap, HashSet, VecDeque};

use netkit_model::{DeviceKind, Security};
use netkit_plan::{Plan, SitePlan};

use crate::diagram::{self, Diagram, Edge, LegendSample, Node, Shape, Stroke};
use crate::i18n::{K, Lang};
use crate::view::kind_name;

/// Space between boxes of a row.
const HGAP: f64 = 28.0;
/// Space between the WAN ends and the devices.
const VGAP: f64 = 80.0;
/// Space between two tracks of links inside the site.
const TRACK: f64 = 14.0;
/// Space between a label and the bus above it or the box below it.
const LABEL_GAP: f64 = 8.0;
/// VLANs per line of a trunk label.
const VLANS_PER_LINE: usize = 8;

/// Legend texts: WAN end, device, isolated segment, switch, access point, trunk, and
/// what a switch or access point without ports or uplink in the topology lacks.
fn words(l: Lang) -> [&'static str; 7] {
    match l {
        Lang::Fr => [
            "extrémité de liaison inter-sites (site distant · débit · coût · préfixe · interface)",
            "équipement de niveau 3 (nom · type · bouclage)",
            "segment isolé",
            "commutateur (nom · type · ports)",
            "point d'accès (nom · SSID diffusés · canaux 2,4 / 5 GHz)",
            "lien étiqueté 802.1Q (VLAN transportés)",
            "(raccordement non décrit dans la topologie)",
        ],
        Lang::En => [
            "WAN link end (far site · bandwidth · cost · prefix · interface)",
            "layer-3 device (name · kind · loopback)",
            "isolated segment",
            "switch (name · kind · ports)",
            "access point (name · SSIDs broadcast · 2.4 / 5 GHz channels)",
            "trunk (VLANs carried)",
            "(connection not described in the topology)",
        ],
    }
}

/// `24 ports` (the same word in both languages).
fn ports_word(n: u32) -> String {
    if n == 1 {
        "1 port".to_string()
    } else {
        format!("{n} ports")
    }
}

fn security_word(l: Lang, s: Security) -> String {
    match (s, l) {
        (Security::Open, Lang::Fr) => "ouvert".to_string(),
        (Security::Open, Lang::En) => "open".to_string(),
        _ => s.as_str().to_ascii_uppercase(),
    }
}

fn channels_word(l: Lang, c24: u8, c5: u8) -> String {
    match l {
        Lang::Fr => format!("canaux {c24} / {c5}"),
        Lang::En => format!("channels {c24} / {c5}"),
    }
}

/// `VLAN 10, 20, 30` on lines of at most [`VLANS_PER_LINE`] VLANs.
fn vlan_lines(v: &[u16]) -> Vec<String> {
    if v.is_empty() {
        return Vec::new();
    }
    v.chunks(VLANS_PER_LINE)
        .enumerate()
        .map(|(i, c)| {
            let list: Vec<String> = c.iter().map(u16::to_string).collect();
            let s = list.join(", ");
            if i == 0 { format!("VLAN {s}") } else { s }
        })
        .collect()
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

/// The caption of a site's view in `index.html`.
pub fn caption(site: &str, stem: &str, l: Lang) -> String {
    match l {
        Lang::Fr => format!(
            "Site {site} : équipements de niveau 3, segments, commutateurs et points d'accès, liaisons inter-sites (fichiers {stem}.svg, .dot, .mmd et .drawio fournis)."
        ),
        Lang::En => format!(
            "Site {site}: layer-3 devices, segments, switches and access points, WAN links (files {stem}.svg, .dot, .mmd and .drawio delivered)."
        ),
    }
}

/// Width of a portrait A4 page between its margins (186 mm), in CSS pixels: a view
/// at most this wide prints at its own size on a portrait page.
const PORTRAIT_PX: f64 = 186.0 / 25.4 * 96.0;

/// The pages of the site views in `index.html`, after the WAN view: one figure
/// per site, each printed on its own page, landscape when the view is wider than
/// tall and than a portrait page, followed by its enlarged parts (`atlas`) when
/// it would print its text too small.
pub fn html(plan: &Plan, views: &[(String, Diagram)], l: Lang) -> String {
    use crate::esc::xml as e;
    use std::fmt::Write;
    let mut out = String::new();
    for (site, (stem, view)) in plan.sites.iter().zip(views) {
        let shape = if view.width >= view.height && view.width > PORTRAIT_PX {
            "wide"
        } else {
            "tall"
        };
        // As the WAN view: enlarged parts when the whole view prints too small.
        let room = if shape == "wide" {
            (273.0, 165.0)
        } else {
            (186.0, 240.0)
        };
        let parts = crate::atlas::html(view, "site-view", room, l);
        let caption = crate::atlas::caption(&caption(&site.name, stem, l), &parts, l);
        let _ = writeln!(
            out,
            "<section class=\"figure-page {shape}\" id=\"{}\"><figure class=\"site\">\n{}<figcaption>{}</figcaption></figure></section>",
            e(stem),
            crate::diagram::svg(view, "site-view", false),
            caption
        );
        out.push_str(&parts);
    }
    out
}

fn shape_of(k: DeviceKind) -> Shape {
    match k {
        DeviceKind::Router => Shape::Router,
        DeviceKind::Firewall => Shape::Firewall,
        DeviceKind::L3Switch => Shape::L3Switch,
        DeviceKind::Switch => Shape::Switch,
        DeviceKind::AccessPoint => Shape::AccessPoint,
        DeviceKind::Server => Shape::Other,
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
    let switch_of = |id: &str| plan.layer2.switch(id).filter(|s| s.site == site.name);
    let wifi_of = |id: &str| {
        plan.layer2
            .wifi
            .iter()
            .find(|w| w.ap == id && w.site == site.name)
    };
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut dev_node: HashMap<&str, usize> = HashMap::new();
    for (i, dev) in devices.iter().enumerate() {
        let mut lines = vec![dev.name.clone(), kind_name(l, dev.kind).to_string()];
        if let Some(sw) = switch_of(&dev.id) {
            lines[1] = format!("{} · {}", lines[1], ports_word(sw.ports_total));
        }
        if let Some(w) = wifi_of(&dev.id) {
            for s in &w.ssids {
                lines.push(format!(
                    "SSID {} ({})",
                    s.ssid,
                    security_word(l, s.security)
                ));
            }
            lines.push(channels_word(l, w.channel_24, w.channel_5));
        }
        if let Some(lo) = dev.loopback {
            lines.push(format!("{} {}", l.t(K::Loopback), lo.addr()));
        }
        dev_node.insert(dev.id.as_str(), nodes.len());
        nodes.push(Node::new(
            format!("d{i}"),
            dev.name.clone(),
            lines,
            shape_of(dev.kind),
        ));
    }
    // WAN ends.
    let mut wan_row = Vec::new();
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
        wan_row.push((d, far, lines, Stroke::Wan));
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
        wan_row.push((d, l.t(K::Internet).to_string(), lines, Stroke::Uplink));
    }
    wan_row.sort_by_key(|e| e.0);
    let mut wan_ends = Vec::new();
    for (k, (d, far, lines, stroke)) in wan_row.into_iter().enumerate() {
        let i = nodes.len();
        wan_ends.push(i);
        nodes.push(Node::new(format!("w{k}"), far, lines, Shape::WanEnd));
        edges.push(Edge::new(i, d, Vec::new(), stroke));
    }
    // What hangs under what: segments under their gateway, then switches under their
    // uplink and access points under their switch, in device order.
    let mut hang: Vec<(Option<usize>, usize, Vec<String>, Stroke)> = Vec::new();
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
        nodes.push(Node::new(
            format!("g{k}"),
            seg.name.clone(),
            vec![first, seg.prefix.to_string(), format!("→ {}", seg.gateway)],
            Shape::Segment {
                isolated: seg.isolated,
            },
        ));
        let gw = dev_node.get(seg.gateway_device.as_str()).copied();
        hang.push((gw, i, Vec::new(), Stroke::Segment));
    }
    for dev in &devices {
        let i = dev_node[dev.id.as_str()];
        if let Some(sw) = switch_of(&dev.id) {
            let v = sw.uplink_port().map(|p| p.vlan_list()).unwrap_or_default();
            let up = dev_node.get(sw.uplink.as_str()).copied();
            hang.push((up, i, vlan_lines(&v), Stroke::Trunk));
        } else if let Some(w) = wifi_of(&dev.id) {
            let mut v: Vec<u16> = plan
                .layer2
                .switch(&w.switch)
                .and_then(|s| s.port(w.port))
                .map(|p| p.vlan_list())
                .unwrap_or_else(|| w.ssids.iter().map(|s| s.vlan).collect());
            v.sort_unstable();
            v.dedup();
            let up = dev_node.get(w.switch.as_str()).copied();
            hang.push((up, i, vlan_lines(&v), Stroke::Trunk));
        }
    }
    let count = nodes.len();
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut edge_into: Vec<Option<usize>> = vec![None; count];
    let mut has_parent = vec![false; count];
    for (parent, child, lines, stroke) in hang {
        if let Some(p) = parent.filter(|&p| p != child) {
            kids[p].push(child);
            has_parent[child] = true;
            edge_into[child] = Some(edges.len());
            edges.push(Edge::new(p, child, lines, stroke));
        }
    }
    // Breadth first from the devices that hang from nothing; a node of an uplink loop
    // (only a hand-made plan has one) becomes a root and loses the line into it.
    let in_tree: Vec<usize> = (0..count).filter(|i| !wan_ends.contains(i)).collect();
    let mut roots: Vec<usize> = in_tree
        .iter()
        .copied()
        .filter(|&i| !has_parent[i])
        .collect();
    let mut depth = vec![usize::MAX; count];
    let mut order = Vec::new();
    let mut cut: HashSet<usize> = HashSet::new();
    let mut queue = VecDeque::new();
    let mut seen_roots = 0;
    // Bounded: each pass reaches at least one more node of `in_tree`, or ends.
    for _ in 0..=in_tree.len() {
        for &r in &roots[seen_roots..] {
            if depth[r] == usize::MAX {
                depth[r] = 0;
                queue.push_back(r);
            }
        }
        seen_roots = roots.len();
        while let Some(i) = queue.pop_front() {
            order.push(i);
            for &c in &kids[i] {
                if depth[c] == usize::MAX {
                    depth[c] = depth[i] + 1;
                    queue.push_back(c);
                }
            }
        }
        let Some(&lost) = in_tree.iter().find(|&&i| depth[i] == usize::MAX) else {
            break;
        };
        if let Some(e) = edge_into[lost].take() {
            cut.insert(e);
            let p = edges[e].a;
            kids[p].retain(|&c| c != lost);
        }
        roots.push(lost);
    }
    // Columns: a subtree is as wide as its widest box or label, or its children.
    let label_w = |i: usize| edge_into[i].map_or(0.0, |e| edges[e].label_w);
    let mut sub: Vec<f64> = (0..count).map(|i| nodes[i].w.max(label_w(i))).collect();
    let kids_w = |sub: &[f64], k: &[usize]| {
        k.iter().map(|&c| sub[c]).sum::<f64>() + HGAP * k.len().saturating_sub(1) as f64
    };
    for &i in order.iter().rev() {
        if !kids[i].is_empty() {
            sub[i] = sub[i].max(kids_w(&sub, &kids[i]));
        }
    }
    let mut x0 = vec![0.0; count];
    let mut x = 0.0;
    for &r in &roots {
        x0[r] = x;
        x += sub[r] + HGAP;
    }
    let tree_w = (x - HGAP).max(0.0);
    for &i in &order {
        nodes[i].x = x0[i] + sub[i] / 2.0;
        let mut cx = x0[i] + (sub[i] - kids_w(&sub, &kids[i])) / 2.0;
        for &c in &kids[i] {
            x0[c] = cx;
            cx += sub[c] + HGAP;
        }
    }
    // Levels, tops aligned: WAN ends, devices (depth 0), then one level per depth.
    let levels = order.iter().map(|&i| depth[i] + 1).max().unwrap_or(1);
    let mut level_h = vec![0.0f64; levels];
    let mut label_h = vec![0.0f64; levels];
    for &i in &order {
        level_h[depth[i]] = level_h[depth[i]].max(nodes[i].h);
        if let Some(e) = edge_into[i] {
            label_h[depth[i]] = label_h[depth[i]].max(edges[e].label_h);
        }
    }
    let intra_count = plan
        .links
        .iter()
        .filter(|k| !k.wan)
        .filter(|k| {
            matches!(
                (dev_node.get(k.a.as_str()), dev_node.get(k.b.as_str())),
                (Some(a), Some(b)) if a != b
            )
        })
        .count();
    let wan_h = wan_ends.iter().map(|&i| nodes[i].h).fold(0.0, f64::max);
    let mut top = vec![0.0f64; levels];
    let mut bus = vec![0.0f64; levels];
    top[0] = if wan_ends.is_empty() {
        0.0
    } else {
        wan_h + VGAP
    };
    let track_top = top[0] + level_h[0] + 24.0;
    for d in 0..levels {
        bus[d] = top[d]
            + level_h[d]
            + if d == 0 {
                24.0 + TRACK * intra_count as f64
            } else {
                20.0
            };
        if d + 1 < levels {
            top[d + 1] = bus[d]
                + if label_h[d + 1] > 0.0 {
                    label_h[d + 1] + 2.0 * LABEL_GAP
                } else {
                    24.0
                };
        }
    }
    for &i in &order {
        nodes[i].y = top[depth[i]] + nodes[i].h / 2.0;
    }
    // The WAN ends in the order of their devices; when the row is narrower than the
    // devices, each device's ends are centred over it as far as the row allows, and
    // the row is kept over the devices.
    let wan_dev: HashMap<usize, usize> = edges
        .iter()
        .filter(|e| wan_ends.contains(&e.a))
        .map(|e| (e.a, e.b))
        .collect();
    let dev_of = |w: usize| wan_dev.get(&w).copied().unwrap_or(0);
    wan_ends.sort_by(|&a, &b| nodes[dev_of(a)].x.total_cmp(&nodes[dev_of(b)].x));
    let wan_w = wan_ends.iter().map(|&i| nodes[i].w).sum::<f64>()
        + HGAP * wan_ends.len().saturating_sub(1) as f64;
    // A row wider than the devices is simply centred over them (a hub's ends).
    let mut x = if wan_w >= tree_w {
        (tree_w - wan_w) / 2.0
    } else {
        f64::MIN
    };
    let mut k = 0;
    while k < wan_ends.len() {
        let d = dev_of(wan_ends[k]);
        let group: Vec<usize> = wan_ends[k..]
            .iter()
            .copied()
            .take_while(|&w| dev_of(w) == d)
            .collect();
        let group_w =
            group.iter().map(|&i| nodes[i].w).sum::<f64>() + HGAP * (group.len() - 1) as f64;
        if wan_w < tree_w {
            x = x.max(nodes[d].x - group_w / 2.0);
        }
        for &i in &group {
            nodes[i].x = x + nodes[i].w / 2.0;
            nodes[i].y = wan_h / 2.0;
            x += nodes[i].w + HGAP;
        }
        k += group.len();
    }
    if let (Some(&first), Some(&last)) = (wan_ends.first(), wan_ends.last()) {
        let (start, end) = (nodes[first].left(), nodes[last].left() + nodes[last].w);
        let shift = if start < 0.0 && end < tree_w {
            (-start).min(tree_w - end)
        } else if end > tree_w && start > 0.0 {
            -(end - tree_w).min(start)
        } else {
            0.0
        };
        for &i in &wan_ends {
            nodes[i].x += shift;
        }
    }
    // Links inside the site.
    let mut used: HashMap<usize, usize> = HashMap::new();
    let mut slot = |d: usize| {
        let k = used.entry(d).or_insert(0);
        *k += 1;
        // Away from the centre, where the lines to segments and switches leave.
        [0.2, 0.8, 0.32, 0.68, 0.12, 0.88][(*k - 1) % 6]
    };
    let mut intra = 0;
    for link in plan.links.iter().filter(|k| !k.wan) {
        let (Some(&a), Some(&b)) = (dev_node.get(link.a.as_str()), dev_node.get(link.b.as_str()))
        else {
            continue;
        };
        if a == b {
            continue;
        }
        let mut e = Edge::new(a, b, Vec::new(), Stroke::Intra);
        let (na, nb) = (&nodes[a], &nodes[b]);
        e.points = if depth[a] == 0 && depth[b] == 0 {
            let pa = (na.left() + na.w * slot(a), na.y + na.h / 2.0);
            let pb = (nb.left() + nb.w * slot(b), nb.y + nb.h / 2.0);
            let y = track_top + TRACK * intra as f64;
            intra += 1;
            vec![pa, (pa.0, y), (pb.0, y), pb]
        } else {
            vec![(na.x, na.y), (nb.x, nb.y)]
        };
        edges.push(e);
    }
    let mut wan_rank: HashMap<usize, (usize, usize)> = HashMap::new();
    for &w in &wan_ends {
        let d = dev_of(w);
        let of = wan_ends.iter().filter(|&&v| dev_of(v) == d).count();
        let rank = wan_ends
            .iter()
            .take_while(|&&v| v != w)
            .filter(|&&v| dev_of(v) == d)
            .count();
        wan_rank.insert(w, (rank, of));
    }
    // Lines of the tree and of the WAN ends.
    for (k, e) in edges.iter_mut().enumerate() {
        if e.stroke == Stroke::Intra {
            continue;
        }
        let (a, b) = (&nodes[e.a], &nodes[e.b]);
        let from = (a.x, a.y + a.h / 2.0);
        let mut to = (b.x, b.y - b.h / 2.0);
        if matches!(e.stroke, Stroke::Wan | Stroke::Uplink) {
            // The WAN lines of one device land side by side on its top, in the
            // order of their ends, so that they do not meet in one point.
            let (rank, of) = wan_rank[&e.a];
            to.0 = b.left() + b.w * (rank as f64 + 1.0) / (of as f64 + 1.0);
            e.points = vec![from, to];
            continue;
        }
        if cut.contains(&k) {
            e.points = vec![from, to];
            continue;
        }
        let y = bus[depth[e.a]];
        e.points = if (from.0 - to.0).abs() < 0.5 {
            vec![from, (from.0, to.1)]
        } else {
            vec![from, (from.0, y), (to.0, y), to]
        };
        e.label_at = (to.0, y + LABEL_GAP + e.label_h / 2.0);
    }
    let edges: Vec<Edge> = edges
        .into_iter()
        .enumerate()
        .filter(|(k, _)| !cut.contains(k))
        .map(|(_, e)| e)
        .collect();
    let w = words(l);
    let kinds: HashSet<DeviceKind> = devices.iter().map(|d| d.kind).collect();
    let mut legend = vec![(LegendSample::Box(Shape::Router), w[1].to_string())];
    if kinds.contains(&DeviceKind::Switch) {
        // A switch the topology only names (no ports, no uplink) has no port count
        // and hangs from nothing: the legend says why it stands alone.
        let text = if plan.layer2.switches.iter().any(|s| s.site == site.name) {
            w[3].to_string()
        } else {
            format!("{} {}", kind_name(l, DeviceKind::Switch), w[6])
        };
        legend.push((LegendSample::Box(Shape::Switch), text));
    }
    if kinds.contains(&DeviceKind::AccessPoint) {
        let text = if plan.layer2.wifi.iter().any(|w| w.site == site.name) {
            w[4].to_string()
        } else {
            format!("{} {}", kind_name(l, DeviceKind::AccessPoint), w[6])
        };
        legend.push((LegendSample::Box(Shape::AccessPoint), text));
    }
    legend.push((
        LegendSample::Box(Shape::Segment { isolated: false }),
        l.t(K::LegendSegment).to_string(),
    ));
    if site.segments.iter().any(|s| s.isolated) {
        legend.push((
            LegendSample::Box(Shape::Segment { isolated: true }),
            w[2].to_string(),
        ));
    }
    if !wan_ends.is_empty() {
        legend.push((LegendSample::Box(Shape::WanEnd), w[0].to_string()));
    }
    if intra > 0 {
        legend.push((
            LegendSample::Line(Stroke::Intra),
            l.t(K::LegendIntra).to_string(),
        ));
    }
    if edges.iter().any(|e| e.stroke == Stroke::Trunk) {
        legend.push((LegendSample::Line(Stroke::Trunk), w[5].to_string()));
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
