//! The WAN view (`wan.svg`): one box per site (name, location, block), one line per
//! link between sites (bandwidth, cost, prefix on a label centred on the line), the
//! Internet edge. Readable from 3 to 200 sites.
//!
//! Layout, deterministic: stress majorization (SMACOF) on the hop distances, started
//! from a circle in breadth-first order, then a local search that swaps the positions
//! of two nodes while it strictly reduces the number of edge crossings, then a uniform
//! scale that separates the boxes (scaling never adds a crossing). Labels go on their
//! own line at the first free place from the middle outwards; when one does not fit,
//! the whole drawing is spread further and the labels placed again (bounded).

use std::collections::{HashMap, VecDeque};

use netkit_plan::Plan;

use crate::diagram::{self, Diagram, Edge, LegendSample, Node, Shape, Stroke};
use crate::i18n::{K, Lang};

/// Node centres, in hops.
type Positions = Vec<(f64, f64)>;

/// Colours of WAN links: links side by side differ.
const PALETTE: &[&str] = &[
    "#d97706", "#0e7490", "#4d7c0f", "#a21caf", "#b45309", "#1d4ed8", "#be123c", "#047857",
];
/// Target length of one hop, in pixels, before spreading.
const UNIT: f64 = 230.0;
/// Space kept between boxes and labels.
const GAP: f64 = 10.0;
/// Distance between parallel links of the same two sites.
const PARALLEL: f64 = 44.0;

fn words(l: Lang) -> [&'static str; 3] {
    match l {
        Lang::Fr => [
            "site (nom · localisation · bloc d'adresses)",
            "liaison inter-sites (débit · coût · préfixe)",
            "accès Internet (préfixe)",
        ],
        Lang::En => [
            "site (name · location · address block)",
            "WAN link (bandwidth · cost · prefix)",
            "Internet uplink (prefix)",
        ],
    }
}

/// The title of the WAN view.
pub fn title(plan: &Plan, l: Lang) -> String {
    match l {
        Lang::Fr => format!("Liaisons inter-sites du réseau {}", plan.name),
        Lang::En => format!("WAN links of the network {}", plan.name),
    }
}

/// The WAN view of `plan`, placed.
pub fn view(plan: &Plan, l: Lang) -> Diagram {
    let site_of: HashMap<&str, &str> = plan
        .devices
        .iter()
        .map(|d| (d.id.as_str(), d.site.as_str()))
        .collect();
    let index: HashMap<&str, usize> = plan
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.as_str(), i))
        .collect();
    let mut nodes: Vec<Node> = plan
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut lines = vec![s.name.clone()];
            if let Some(loc) = &s.location {
                lines.push(loc.clone());
            }
            lines.push(s.prefix.to_string());
            Node::new(format!("s{i}"), s.name.clone(), lines, Shape::Site)
        })
        .collect();
    let mut edges = Vec::new();
    for link in plan.links.iter().filter(|k| k.wan) {
        let sa = site_of.get(link.a.as_str()).and_then(|s| index.get(s));
        let sb = site_of.get(link.b.as_str()).and_then(|s| index.get(s));
        let (Some(&a), Some(&b)) = (sa, sb) else {
            continue;
        };
        if a == b {
            continue;
        }
        let cost = format!("{} {}", l.t(K::Cost), link.cost);
        let first = match link.bandwidth_bps {
            Some(bps) => format!("{} · {}", l.bandwidth(bps), cost),
            None => cost,
        };
        edges.push(Edge::new(
            a,
            b,
            vec![first, link.prefix.to_string()],
            Stroke::Wan,
        ));
    }
    if let Some(inet) = &plan.internet
        && let Some(&s) = site_of.get(inet.edge.as_str()).and_then(|s| index.get(s))
    {
        let i = nodes.len();
        nodes.push(Node::new(
            "inet".into(),
            l.t(K::Internet).into(),
            vec![l.t(K::Internet).into()],
            Shape::Internet,
        ));
        edges.push(Edge::new(
            s,
            i,
            vec![l.t(K::Uplink).into(), inet.uplink_prefix.to_string()],
            Stroke::Uplink,
        ));
    }
    for (k, e) in edges
        .iter_mut()
        .filter(|e| e.stroke == Stroke::Wan)
        .enumerate()
    {
        e.color = PALETTE[k % PALETTE.len()];
    }
    let w = words(l);
    let mut legend = vec![
        (LegendSample::Box(Shape::Site), w[0].to_string()),
        (LegendSample::Line(Stroke::Wan), w[1].to_string()),
    ];
    if plan.internet.is_some() {
        legend.push((LegendSample::Line(Stroke::Uplink), w[2].to_string()));
    }
    let mut d = Diagram {
        title: title(plan, l),
        nodes,
        edges,
        legend,
        width: 0.0,
        height: 0.0,
    };
    place(&mut d);
    let top = diagram::legend_height(d.legend.len()) + 10.0;
    diagram::fit_canvas(&mut d, 20.0, top);
    d
}

fn place(d: &mut Diagram) {
    let n = d.nodes.len();
    if n == 0 {
        return;
    }
    let pairs: Vec<(usize, usize)> = d.edges.iter().map(|e| (e.a, e.b)).collect();
    // Stress from several deterministic starts; the local search improves the
    // three with the lowest cost, and the lowest after it wins (ties: the first).
    let starts = if n > 100 { 3 } else { 16 };
    let mut runs: Vec<(usize, u64, Positions)> = (0..starts)
        .map(|start| {
            let p = stress(n, &pairs, start);
            (cost(&p, &pairs), start, p)
        })
        .collect();
    runs.sort_by_key(|r| (r.0, r.1));
    let mut pos = Vec::new();
    let mut best = usize::MAX;
    for (_, _, mut p) in runs.into_iter().take(3) {
        reduce_crossings(&mut p, &pairs);
        let c = cost(&p, &pairs);
        if c < best {
            best = c;
            pos = p;
        }
    }
    let sizes: Vec<(f64, f64)> = d.nodes.iter().map(|n| (n.w, n.h)).collect();
    let mut scale = separate(&pos, &sizes).max(UNIT);
    // Spread until every label finds a free place on its line (bounded).
    for round in 0..14 {
        apply(d, &pos, scale);
        if place_labels(d, round == 13) {
            break;
        }
        scale *= 1.2;
    }
}

/// Hop distances between all nodes (unreachable: one more than the longest).
fn hops(n: usize, pairs: &[(usize, usize)]) -> Vec<Vec<f64>> {
    let mut adj = vec![Vec::new(); n];
    for &(a, b) in pairs {
        adj[a].push(b);
        adj[b].push(a);
    }
    let mut dist = vec![vec![f64::INFINITY; n]; n];
    for (s, row) in dist.iter_mut().enumerate() {
        row[s] = 0.0;
        let mut q = VecDeque::from([s]);
        while let Some(u) = q.pop_front() {
            for &v in &adj[u] {
                if row[v].is_infinite() {
                    row[v] = row[u] + 1.0;
                    q.push_back(v);
                }
            }
        }
    }
    let longest = dist
        .iter()
        .flatten()
        .filter(|d| d.is_finite())
        .fold(1.0, |m: f64, d| m.max(*d));
    for d in dist.iter_mut().flatten() {
        if d.is_infinite() {
            *d = longest + 1.0;
        }
    }
    dist
}

/// Breadth-first order from the node of highest degree (ties: first), every
/// component in turn: neighbours end up next to each other on the start circle.
fn bfs_order(n: usize, pairs: &[(usize, usize)]) -> Vec<usize> {
    let mut adj = vec![Vec::new(); n];
    for &(a, b) in pairs {
        adj[a].push(b);
        adj[b].push(a);
    }
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let start = (0..n)
            .filter(|&i| !seen[i])
            .max_by_key(|&i| (adj[i].len(), std::cmp::Reverse(i)))
            .unwrap_or(0);
        seen[start] = true;
        let mut q = VecDeque::from([start]);
        while let Some(u) = q.pop_front() {
            order.push(u);
            for &v in &adj[u] {
                if !seen[v] {
                    seen[v] = true;
                    q.push_back(v);
                }
            }
        }
    }
    order
}

/// Crossings of straight edges between node centres.
pub fn count(pos: &[(f64, f64)], pairs: &[(usize, usize)]) -> usize {
    (0..pairs.len())
        .map(|e| edge_crossings(pos, pairs, e))
        .sum::<usize>()
        / 2
}

/// Weight of a crossing against a link through a site.
const CROSSING: usize = 4;

/// Radius, in hops, around a node that no other link should enter.
const CLEAR: f64 = 0.12;

fn near_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64), r: f64) -> bool {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let l2 = dx * dx + dy * dy;
    let t = if l2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / l2).clamp(0.0, 1.0)
    };
    let (x, y) = (a.0 + t * dx, a.1 + t * dy);
    (p.0 - x).powi(2) + (p.1 - y).powi(2) < r * r
}

/// Links of `pairs` (other than its own) that pass by node `i`.
fn through(pos: &[(f64, f64)], pairs: &[(usize, usize)], i: usize) -> usize {
    pairs
        .iter()
        .filter(|&&(a, b)| a != i && b != i && near_segment(pos[i], pos[a], pos[b], CLEAR))
        .count()
}

/// What the layout minimizes: crossings, then, weighing as much, links that run
/// through another site.
fn cost(pos: &[(f64, f64)], pairs: &[(usize, usize)]) -> usize {
    CROSSING * count(pos, pairs)
        + (0..pos.len())
            .map(|i| through(pos, pairs, i))
            .sum::<usize>()
}

/// Stress majorization in units of one hop.
/// `start` 0: on a circle in breadth-first order; 1: on a circle in the plan's
/// order; 2 and more: pseudo-random points from a fixed seed.
fn stress(n: usize, pairs: &[(usize, usize)], start: u64) -> Vec<(f64, f64)> {
    let mut pos = vec![(0.0, 0.0); n];
    if n == 1 {
        return pos;
    }
    let r = (n as f64).sqrt().max(1.0);
    let order: Vec<usize> = if start == 0 {
        bfs_order(n, pairs)
    } else {
        (0..n).collect()
    };
    let mut seed = 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(start + 1);
    let mut next = || {
        // xorshift64*: deterministic, good enough to scatter start points.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        (seed.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    for (k, &i) in order.iter().enumerate() {
        pos[i] = if start < 2 {
            let a = std::f64::consts::TAU * k as f64 / n as f64;
            (r * a.cos(), r * a.sin())
        } else {
            (r * (2.0 * next() - 1.0), r * (2.0 * next() - 1.0))
        };
    }
    let dist = hops(n, pairs);
    for _ in 0..300 {
        let mut next = vec![(0.0, 0.0); n];
        let mut moved: f64 = 0.0;
        for i in 0..n {
            let (mut sx, mut sy, mut sw) = (0.0, 0.0, 0.0);
            for j in 0..n {
                if i == j {
                    continue;
                }
                let dij = dist[i][j];
                let w = 1.0 / (dij * dij);
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                let len = (dx * dx + dy * dy).sqrt().max(1e-6);
                sx += w * (pos[j].0 + dij * dx / len);
                sy += w * (pos[j].1 + dij * dy / len);
                sw += w;
            }
            next[i] = (sx / sw, sy / sw);
            moved = moved.max((next[i].0 - pos[i].0).abs() + (next[i].1 - pos[i].1).abs());
        }
        pos = next;
        if moved < 1e-4 {
            break;
        }
    }
    pos
}

/// Do segments p1-p2 and q1-q2 cross properly (touching ends do not count)?
pub fn segments_cross(p1: (f64, f64), p2: (f64, f64), q1: (f64, f64), q2: (f64, f64)) -> bool {
    if p1.0.max(p2.0) < q1.0.min(q2.0)
        || q1.0.max(q2.0) < p1.0.min(p2.0)
        || p1.1.max(p2.1) < q1.1.min(q2.1)
        || q1.1.max(q2.1) < p1.1.min(p2.1)
    {
        return false;
    }
    let o = |a: (f64, f64), b: (f64, f64), c: (f64, f64)| {
        (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0)
    };
    let d1 = o(q1, q2, p1);
    let d2 = o(q1, q2, p2);
    let d3 = o(p1, p2, q1);
    let d4 = o(p1, p2, q2);
    const E: f64 = 1e-9;
    ((d1 > E && d2 < -E) || (d1 < -E && d2 > E)) && ((d3 > E && d4 < -E) || (d3 < -E && d4 > E))
}

fn edge_crossings(pos: &[(f64, f64)], pairs: &[(usize, usize)], e: usize) -> usize {
    let (a, b) = pairs[e];
    pairs
        .iter()
        .enumerate()
        .filter(|&(f, &(c, d))| {
            f != e
                && a != c
                && a != d
                && b != c
                && b != d
                && segments_cross(pos[a], pos[b], pos[c], pos[d])
        })
        .count()
}

/// Swaps node positions while that strictly lowers the crossings: each node tries
/// its nearest positions; a bounded number of passes.
fn reduce_crossings(pos: &mut [(f64, f64)], pairs: &[(usize, usize)]) {
    let n = pos.len();
    let mut incident = vec![Vec::new(); n];
    for (e, &(a, b)) in pairs.iter().enumerate() {
        incident[a].push(e);
        incident[b].push(e);
    }
    let local = |pos: &[(f64, f64)], i: usize, j: usize| -> usize {
        let mut es: Vec<usize> = incident[i].iter().chain(&incident[j]).copied().collect();
        es.sort_unstable();
        es.dedup();
        // Crossings among the touched edges count twice; that is the same before
        // and after a swap, so comparisons stay right.
        let own: usize = es
            .iter()
            .map(|&e| {
                let (a, b) = pairs[e];
                CROSSING * edge_crossings(pos, pairs, e)
                    + (0..pos.len())
                        .filter(|&k| {
                            k != a && k != b && near_segment(pos[k], pos[a], pos[b], CLEAR)
                        })
                        .count()
            })
            .sum();
        own + through(pos, pairs, i) + through(pos, pairs, j)
    };
    let near = 16.min(n.saturating_sub(1));
    let passes = if n > 100 { 2 } else { 5 };
    for _pass in 0..passes {
        let mut improved = false;
        for i in 0..n {
            let mut others: Vec<usize> = (0..n).filter(|&j| j != i).collect();
            let d2 = |j: usize| {
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                dx * dx + dy * dy
            };
            others.sort_by(|&x, &y| d2(x).total_cmp(&d2(y)).then(x.cmp(&y)));
            for &j in others.iter().take(near) {
                if incident[i].is_empty() && incident[j].is_empty() {
                    continue;
                }
                let before = local(pos, i, j);
                if before == 0 {
                    continue;
                }
                pos.swap(i, j);
                let after = local(pos, i, j);
                if after < before {
                    improved = true;
                } else {
                    pos.swap(i, j);
                }
            }
        }
        // Moves: a node tries its neighbours' barycentre and points around it, kept
        // clear of every other node.
        for i in 0..n {
            if incident[i].is_empty() {
                continue;
            }
            let here = pos[i];
            let before = move_cost(pos, pairs, &incident[i], i);
            if before == 0 {
                continue;
            }
            let nb: Vec<usize> = incident[i]
                .iter()
                .map(|&e| {
                    if pairs[e].0 == i {
                        pairs[e].1
                    } else {
                        pairs[e].0
                    }
                })
                .collect();
            let bx = nb.iter().map(|&j| pos[j].0).sum::<f64>() / nb.len() as f64;
            let by = nb.iter().map(|&j| pos[j].1).sum::<f64>() / nb.len() as f64;
            let mut cands = vec![(bx, by)];
            let radii: &[f64] = if n > 100 {
                &[0.5, 1.0, 1.6]
            } else {
                &[0.5, 1.0, 1.6, 2.4, 3.4]
            };
            for &r in radii {
                for k in 0..12 {
                    let a = std::f64::consts::TAU * k as f64 / 12.0;
                    cands.push((here.0 + r * a.cos(), here.1 + r * a.sin()));
                }
            }
            let mut best = (before, here);
            for c in cands {
                if (0..n)
                    .any(|j| j != i && (pos[j].0 - c.0).powi(2) + (pos[j].1 - c.1).powi(2) < 0.36)
                {
                    continue;
                }
                pos[i] = c;
                let after = move_cost(pos, pairs, &incident[i], i);
                if after < best.0 {
                    best = (after, c);
                }
            }
            pos[i] = best.1;
            if best.0 < before {
                improved = true;
            }
        }
        if !improved {
            break;
        }
    }
}

/// The part of [`cost`] that moving node `i` can change.
fn move_cost(pos: &[(f64, f64)], pairs: &[(usize, usize)], incident: &[usize], i: usize) -> usize {
    incident
        .iter()
        .map(|&e| {
            let (a, b) = pairs[e];
            CROSSING * edge_crossings(pos, pairs, e)
                + (0..pos.len())
                    .filter(|&k| k != a && k != b && near_segment(pos[k], pos[a], pos[b], CLEAR))
                    .count()
        })
        .sum::<usize>()
        + through(pos, pairs, i)
}

/// The smallest scale at which no two boxes (plus a gap) overlap.
fn separate(pos: &[(f64, f64)], sizes: &[(f64, f64)]) -> f64 {
    let mut s: f64 = 1.0;
    for i in 0..pos.len() {
        for j in i + 1..pos.len() {
            let dx = (pos[i].0 - pos[j].0).abs();
            let dy = (pos[i].1 - pos[j].1).abs();
            let need_x = (sizes[i].0 + sizes[j].0) / 2.0 + 3.0 * GAP;
            let need_y = (sizes[i].1 + sizes[j].1) / 2.0 + 3.0 * GAP;
            let sx = if dx > 1e-9 { need_x / dx } else { f64::MAX };
            let sy = if dy > 1e-9 { need_y / dy } else { f64::MAX };
            let need = sx.min(sy);
            if need.is_finite() && need < 1e7 {
                s = s.max(need);
            }
        }
    }
    s
}

fn apply(d: &mut Diagram, pos: &[(f64, f64)], scale: f64) {
    for (node, p) in d.nodes.iter_mut().zip(pos) {
        node.x = p.0 * scale;
        node.y = p.1 * scale;
    }
    // Parallel links between the same two nodes: bent apart around the straight line.
    let mut groups: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    for (k, e) in d.edges.iter().enumerate() {
        groups
            .entry((e.a.min(e.b), e.a.max(e.b)))
            .or_default()
            .push(k);
    }
    for ((lo, hi), ks) in groups {
        let (a, b) = (
            (d.nodes[lo].x, d.nodes[lo].y),
            (d.nodes[hi].x, d.nodes[hi].y),
        );
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-6);
        let (nx, ny) = (-dy / len, dx / len);
        let m = ks.len() as f64;
        for (r, &k) in ks.iter().enumerate() {
            let off = (r as f64 - (m - 1.0) / 2.0) * PARALLEL;
            let e = &mut d.edges[k];
            let (pa, pb) = if e.a == lo { (a, b) } else { (b, a) };
            e.points = if off == 0.0 {
                vec![pa, pb]
            } else {
                let mid = ((a.0 + b.0) / 2.0 + nx * off, (a.1 + b.1) / 2.0 + ny * off);
                vec![pa, mid, pb]
            };
        }
    }
}

#[derive(Clone, Copy)]
struct R {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl R {
    fn around(x: f64, y: f64, w: f64, h: f64, gap: f64) -> R {
        R {
            x0: x - w / 2.0 - gap,
            y0: y - h / 2.0 - gap,
            x1: x + w / 2.0 + gap,
            y1: y + h / 2.0 + gap,
        }
    }
    fn hits(&self, o: &R) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
}

/// Points along a polyline at fractions of its length.
fn point_at(points: &[(f64, f64)], t: f64) -> (f64, f64) {
    let segs: Vec<f64> = points
        .windows(2)
        .map(|w| ((w[1].0 - w[0].0).powi(2) + (w[1].1 - w[0].1).powi(2)).sqrt())
        .collect();
    let total: f64 = segs.iter().sum();
    let mut left = total * t;
    for (k, len) in segs.iter().enumerate() {
        if left <= *len || k + 1 == segs.len() {
            let f = if *len > 0.0 {
                (left / len).min(1.0)
            } else {
                0.0
            };
            let (p, q) = (points[k], points[k + 1]);
            return (p.0 + (q.0 - p.0) * f, p.1 + (q.1 - p.1) * f);
        }
        left -= len;
    }
    points.first().copied().unwrap_or((0.0, 0.0))
}

/// Places every label on its own line, clear of boxes and other labels. Returns
/// whether all fit; with `force`, a label that does not fit goes to its middle.
fn place_labels(d: &mut Diagram, force: bool) -> bool {
    let boxes: Vec<R> = d
        .nodes
        .iter()
        .map(|n| R::around(n.x, n.y, n.w, n.h, GAP / 2.0))
        .collect();
    let mut placed: Vec<R> = Vec::new();
    const TS: [f64; 13] = [
        0.5, 0.43, 0.57, 0.36, 0.64, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8, 0.16, 0.84,
    ];
    let mut all = true;
    for k in 0..d.edges.len() {
        let e = &d.edges[k];
        if e.lines.is_empty() {
            continue;
        }
        let mut chosen = None;
        for t in TS {
            let (x, y) = point_at(&e.points, t);
            let r = R::around(x, y, e.label_w, e.label_h, GAP / 2.0);
            if boxes.iter().any(|b| b.hits(&r)) || placed.iter().any(|p| p.hits(&r)) {
                continue;
            }
            chosen = Some((x, y, r));
            break;
        }
        match chosen {
            Some((x, y, r)) => {
                placed.push(r);
                d.edges[k].label_at = (x, y);
            }
            None => {
                all = false;
                if !force {
                    return false;
                }
                let (x, y) = point_at(&d.edges[k].points, 0.5);
                placed.push(R::around(x, y, e.label_w, e.label_h, GAP / 2.0));
                d.edges[k].label_at = (x, y);
            }
        }
    }
    all
}

/// Networks up to this many sites keep the whole topology diagram in `index.html`
/// next to the WAN view; larger ones show the WAN view only (the whole diagram stays
/// in `topology.svg`).
pub const INLINE_TOPOLOGY_SITES: usize = 6;

/// The files of the views, after the other documents: `wan.svg`, `wan.dot`,
/// `wan.mmd`, `wan.drawio`, then the same four per site (`site-<name>.*`, see
/// `site_view::file_stems`).
/// The WAN view (`wan`, placed by [`view`]) and the site views (`sites`, with
/// their file stems, placed by `site_view::view`), each in four syntaxes.
pub fn files(wan: &Diagram, sites: &[(String, Diagram)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut four = |stem: &str, d: &Diagram, class: &str, direction: &str| {
        out.push((format!("{stem}.svg"), diagram::svg(d, class, true)));
        out.push((format!("{stem}.dot"), diagram::dot(d, stem)));
        out.push((format!("{stem}.mmd"), diagram::mermaid(d, direction)));
        out.push((format!("{stem}.drawio"), diagram::drawio(d, stem)));
    };
    four("wan", wan, "wan-view", "LR");
    for (stem, view) in sites {
        four(stem, view, "site-view", "TB");
    }
    out
}

/// The caption of the WAN view in `index.html`.
pub fn caption(l: Lang) -> &'static str {
    match l {
        Lang::Fr => {
            "Liaisons inter-sites (fichiers wan.svg, wan.dot, wan.mmd et wan.drawio fournis ; le détail de chaque site dans les fichiers site-<nom>.svg)."
        }
        Lang::En => {
            "WAN links (files wan.svg, wan.dot, wan.mmd and wan.drawio delivered; each site in detail in the files site-<name>.svg)."
        }
    }
}

/// What `index.html` says instead of a large network's whole diagram.
pub fn whole_elsewhere(l: Lang) -> &'static str {
    match l {
        Lang::Fr => {
            "Le schéma complet du réseau (tous les équipements et segments) est fourni dans le fichier topology.svg ; chaque site est détaillé dans son fichier site-<nom>.svg."
        }
        Lang::En => {
            "The whole network diagram (every device and segment) is delivered in the file topology.svg; each site is detailed in its file site-<name>.svg."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crossing_segments_are_counted_and_touching_ones_are_not() {
        assert!(segments_cross((0., 0.), (2., 2.), (0., 2.), (2., 0.)));
        assert!(!segments_cross((0., 0.), (2., 2.), (2., 2.), (3., 0.)));
        assert!(!segments_cross((0., 0.), (1., 0.), (0., 1.), (1., 1.)));
    }

    #[test]
    fn swaps_remove_the_crossing_of_a_square_drawn_as_a_bow_tie() {
        // A 4-cycle 0-1-2-3 with positions that make 0-1 cross 2-3.
        let pairs = [(0, 1), (1, 2), (2, 3), (3, 0)];
        let mut pos = vec![(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)];
        assert_eq!(count(&pos, &pairs), 1);
        reduce_crossings(&mut pos, &pairs);
        assert_eq!(count(&pos, &pairs), 0);
    }
}
