//! netkit's own diagram layout: deterministic, no Graphviz at run time.
//!
//! Sites (and the Internet, when the plan has an edge) are clusters placed on a grid,
//! in breadth-first order from the most connected site so that neighbours sit close.
//! Inside a cluster: a title band (name, location, block), a zone of horizontal
//! "lanes", then one column per layer-3 device with the segments it routes stacked
//! under it on a trunk line.
//!
//! Edges never cross a box: a link inside a site runs in its own lane above the
//! devices; a WAN link leaves its cluster through a lane to the left or right side,
//! runs in the vertical gutter next to the column, along a horizontal gutter between
//! rows (where its label sits), and enters the other cluster the same way. Gutter
//! tracks are assigned by interval packing, so that parallel segments never overlap;
//! a gutter is as wide as its tracks need. Labels live in gutter tracks (WAN) or lanes
//! (inside a site), sized from the text, so that no label overlaps a box or another
//! label. Text widths are estimated from DejaVu Sans advance widths (a wide font), so
//! that text fits with narrower fallback fonts too.

use std::collections::{BTreeMap, HashMap, VecDeque};

use netkit_model::DeviceKind;
use netkit_plan::Plan;

use crate::i18n::{K, Lang};
use crate::view::kind_name;

mod placement;
mod text;
use placement::{clusters_of, edges_of, grid, interiors, sides_and_stubs};
use text::fit;
pub use text::text_width;

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn new(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect { x, y, w, h }
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    /// The interiors intersect (touching edges do not count).
    pub fn intersects(&self, o: &Rect) -> bool {
        const E: f64 = 1e-6;
        self.x < o.right() - E
            && o.x < self.right() - E
            && self.y < o.bottom() - E
            && o.y < self.bottom() - E
    }
    /// `o` lies inside `self` (edges may touch).
    pub fn contains(&self, o: &Rect) -> bool {
        const E: f64 = 1e-6;
        o.x >= self.x - E
            && o.y >= self.y - E
            && o.right() <= self.right() + E
            && o.bottom() <= self.bottom() + E
    }
}

/// One line of text, positioned by its baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub text: String,
    /// Left end of the text, or its middle when `middle`.
    pub x: f64,
    /// Baseline.
    pub y: f64,
    pub size: f64,
    pub bold: bool,
    pub middle: bool,
    pub style: TextStyle,
    /// Estimated width.
    pub width: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextStyle {
    Normal,
    Muted,
    OnDark,
    Warning,
    Title,
}

impl Text {
    /// The box the text occupies (ascent and descent of DejaVu Sans).
    pub fn rect(&self) -> Rect {
        let x = if self.middle {
            self.x - self.width / 2.0
        } else {
            self.x
        };
        Rect::new(x, self.y - 0.93 * self.size, self.width, 1.17 * self.size)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxKind {
    /// A site cluster.
    Site,
    /// The Internet cluster.
    Internet,
    Device(DeviceKind),
    /// The upstream inside the Internet cluster.
    Upstream,
    Segment {
        isolated: bool,
    },
    /// The diagram title.
    Caption,
    Legend,
}

/// A box of the diagram, with its text.
#[derive(Debug, Clone, PartialEq)]
pub struct LBox {
    /// `site:hq`, `device:hq.r1`, `segment:hq.users`, `internet`, `upstream`, `caption`, `legend`.
    pub id: String,
    pub kind: BoxKind,
    pub rect: Rect,
    /// Index of the cluster that holds this box.
    pub parent: Option<usize>,
    /// Height of the title band (clusters).
    pub band: f64,
    pub texts: Vec<Text>,
    /// Full text for a tooltip (the box may show it shortened).
    pub tooltip: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    Wan,
    Intra,
    Uplink,
    /// Device to the segments it routes.
    Trunk,
}

/// A label on an edge: a white tag with one or two lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub rect: Rect,
    pub texts: Vec<Text>,
    /// Cluster holding the label (labels inside a site), if any.
    pub parent: Option<usize>,
}

/// A polyline edge.
#[derive(Debug, Clone, PartialEq)]
pub struct LEdge {
    pub kind: EdgeKind,
    pub points: Vec<(f64, f64)>,
    /// Box ids of the two ends.
    pub from: String,
    pub to: String,
    pub label: Option<Label>,
    /// Link id in the plan.
    pub link: Option<usize>,
    pub tooltip: String,
}

/// A sample in the legend: what it shows, where.
#[derive(Debug, Clone, PartialEq)]
pub enum Sample {
    Edge(EdgeKind, (f64, f64), (f64, f64)),
    Box(BoxKind, Rect),
}

/// The whole diagram, in pixels, origin top-left.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub boxes: Vec<LBox>,
    pub edges: Vec<LEdge>,
    pub samples: Vec<Sample>,
    /// Grid size, for tests and the draw.io page.
    pub rows: usize,
    pub cols: usize,
}

impl Layout {
    /// Every label of every edge.
    pub fn labels(&self) -> impl Iterator<Item = &Label> {
        self.edges.iter().filter_map(|e| e.label.as_ref())
    }

    pub fn find(&self, id: &str) -> Option<&LBox> {
        self.boxes.iter().find(|b| b.id == id)
    }
}

// ---------------------------------------------------------------------------------
// Text metrics.

/// A line of text to place: content, size, weight, style.
#[derive(Debug, Clone)]
struct Line {
    text: String,
    size: f64,
    bold: bool,
    style: TextStyle,
}

impl Line {
    fn new(text: &str, size: f64, bold: bool, style: TextStyle, max: f64) -> Line {
        Line {
            text: fit(text, size, bold, max),
            size,
            bold,
            style,
        }
    }
    fn width(&self) -> f64 {
        text_width(&self.text, self.size, self.bold)
    }
    fn height(&self) -> f64 {
        (self.size * 1.35).ceil()
    }
}

fn lines_width(lines: &[Line]) -> f64 {
    lines.iter().map(Line::width).fold(0.0, f64::max)
}

fn lines_height(lines: &[Line]) -> f64 {
    lines.iter().map(Line::height).sum()
}

/// Place lines from `top`, left-aligned at `x` (or centred on `x`).
fn place(lines: &[Line], x: f64, top: f64, middle: bool) -> Vec<Text> {
    let mut y = top;
    let mut out = Vec::new();
    for l in lines {
        let h = l.height();
        // Baseline: centre the 1.17 em text box in the line box.
        let baseline = y + (h - 1.17 * l.size) / 2.0 + 0.93 * l.size;
        out.push(Text {
            text: l.text.clone(),
            x,
            y: baseline,
            size: l.size,
            bold: l.bold,
            middle,
            style: l.style,
            width: l.width(),
        });
        y += h;
    }
    out
}

// ---------------------------------------------------------------------------------
// Dimensions.

const MARGIN: f64 = 20.0;
const PAD: f64 = 12.0;
const COL_GAP: f64 = 26.0;
const TRUNK_IN: f64 = 14.0;
const SEG_IN: f64 = 28.0;
const SEG_GAP: f64 = 10.0;
const INTRA_LANE: f64 = 20.0;
const WAN_LANE: f64 = 9.0;
const LANE_GAP: f64 = 10.0;
const V_TRACK: f64 = 10.0;
const V_MARGIN: f64 = 14.0;
const H_TRACK: f64 = 38.0;
const H_MARGIN: f64 = 10.0;
const MIN_GUTTER: f64 = 36.0;
const TITLE_MAX: f64 = 330.0;
const DEVICE_MAX: f64 = 200.0;
const SEGMENT_MAX: f64 = 250.0;
const LABEL_MAX: f64 = 280.0;
const MAX_NAMED: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

/// A link end inside a cluster: which device column, which side it leaves by.
#[derive(Debug, Clone)]
struct Stub {
    /// Edge index in `wan` (WAN) or `intra`.
    edge: usize,
    /// For intra links: which end (0 = a, 1 = b).
    end: usize,
    order: (u8, i64),
    x: f64,
}

struct Column {
    device: String,
    kind: DeviceKind,
    lines: Vec<Line>,
    w: f64,
    dev_w: f64,
    dev_h: f64,
    segments: Vec<SegBox>,
    h: f64,
    x: f64,
    stubs: Vec<usize>,
    tooltip: String,
}

struct SegBox {
    id: String,
    isolated: bool,
    lines: Vec<Line>,
    w: f64,
    h: f64,
    tooltip: String,
}

struct Cluster {
    id: String,
    internet: bool,
    title: Vec<Line>,
    title_h: f64,
    columns: Vec<Column>,
    footer: Vec<Line>,
    inner_w: f64,
    /// Intra lane of each intra link of this cluster (index into `intra`).
    intra_lanes: Vec<(usize, usize)>,
    n_intra_lanes: usize,
    stubs: Vec<Stub>,
    tooltip: String,
    w: f64,
    h: f64,
    row: usize,
    col: usize,
    x: f64,
    y: f64,
}

struct WanEdge {
    link: Option<usize>,
    kind: EdgeKind,
    ends: [(usize, usize); 2], // (cluster, column)
    label: Vec<Line>,
    tooltip: String,
    sides: [Side; 2],
    slots: [usize; 2],
    stubs: [usize; 2],
    gutter_h: usize,
    tracks_v: [usize; 2],
    track_h: usize,
    ids: [String; 2],
}

struct IntraEdge {
    link: usize,
    cluster: usize,
    cols: [usize; 2],
    label: Line,
    tooltip: String,
    stubs: [usize; 2],
    ids: [String; 2],
}

/// Greedy interval packing: the first track whose last interval ends before this one
/// starts. Returns the track of each interval (in input order) and the track count.
fn pack<T: PartialOrd + Copy>(intervals: &[(T, T)]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..intervals.len()).collect();
    order.sort_by(|&a, &b| {
        intervals[a]
            .0
            .partial_cmp(&intervals[b].0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let mut ends: Vec<T> = Vec::new();
    let mut track = vec![0; intervals.len()];
    for i in order {
        let (lo, hi) = intervals[i];
        match ends.iter().position(|e| *e < lo) {
            Some(t) => {
                ends[t] = hi;
                track[i] = t;
            }
            None => {
                ends.push(hi);
                track[i] = ends.len() - 1;
            }
        }
    }
    let n = ends.len();
    (track, n)
}

/// Lay the plan out.
pub fn layout(plan: &Plan, l: Lang) -> Layout {
    let (mut clusters, col_of_device, internet_cluster) = clusters_of(plan, l);
    let (mut wan, mut intra) = edges_of(plan, l, &col_of_device, internet_cluster);
    let (rows, cols) = grid(&mut clusters, &wan, internet_cluster);
    let n = clusters.len();
    sides_and_stubs(&mut clusters, &mut wan, &mut intra);
    let slots_needed = interiors(&mut clusters, &mut wan, &intra);

    // Row-wide alignment of the title band, the lanes and the device row.
    let mut row_title = vec![0.0f64; rows];
    let mut row_intra = vec![0usize; rows];
    let mut row_slots = vec![0usize; rows];
    for (ci, c) in clusters.iter().enumerate() {
        row_title[c.row] = row_title[c.row].max(c.title_h);
        row_intra[c.row] = row_intra[c.row].max(c.n_intra_lanes);
        row_slots[c.row] = row_slots[c.row].max(slots_needed[ci]);
    }
    let lanes_top = |r: usize| row_title[r] + 6.0;
    let wan_top = |r: usize| lanes_top(r) + row_intra[r] as f64 * INTRA_LANE;
    let devices_top = |r: usize| {
        wan_top(r)
            + row_slots[r] as f64 * WAN_LANE
            + if row_slots[r] + row_intra[r] > 0 {
                LANE_GAP
            } else {
                4.0
            }
    };
    for c in clusters.iter_mut() {
        c.w = (c.inner_w + 2.0 * PAD).ceil();
        let cols_h = c.columns.iter().map(|k| k.h).fold(0.0, f64::max);
        let footer_h = if c.footer.is_empty() {
            0.0
        } else {
            lines_height(&c.footer) + 6.0
        };
        c.h = (devices_top(c.row) + cols_h + footer_h + PAD).ceil();
    }

    // --- Gutters -------------------------------------------------------------------
    // Horizontal gutter of each WAN edge (h = gutter above row h).
    let mut h_load = vec![0usize; rows + 1];
    for e in wan.iter_mut() {
        let (ra, rb) = (clusters[e.ends[0].0].row, clusters[e.ends[1].0].row);
        let (lo, hi) = (ra.min(rb), ra.max(rb));
        e.gutter_h = if lo == hi {
            lo
        } else {
            let mut best = hi;
            for h in (lo + 1..=hi).rev() {
                if h_load[h] < h_load[best] {
                    best = h;
                }
            }
            best
        };
        h_load[e.gutter_h] += 1;
    }
    // Vertical gutter of an edge end: left of the column, or right of it.
    let v_gutter = |c: &Cluster, side: Side| match side {
        Side::Left => c.col,
        Side::Right => c.col + 1,
    };
    // Port height inside the row band: title, intra lanes, then the slot.
    let port_rel = |row: usize, slot: usize| wan_top(row) + slot as f64 * WAN_LANE + WAN_LANE / 2.0;
    // Intervals in "band" coordinates: band 2h = gutter h, band 2r+1 = row r.
    type Key = (usize, f64);
    let mut v_intervals: Vec<Vec<(Key, Key)>> = vec![Vec::new(); cols + 1];
    let mut v_owner: Vec<Vec<(usize, usize)>> = vec![Vec::new(); cols + 1];
    for (ei, e) in wan.iter().enumerate() {
        for end in 0..2 {
            let c = &clusters[e.ends[end].0];
            let g = v_gutter(c, e.sides[end]);
            let port: Key = (2 * c.row + 1, port_rel(c.row, e.slots[end]));
            let h = e.gutter_h;
            let iv = if h <= c.row {
                ((2 * h, 0.0), port)
            } else {
                (port, (2 * h, f64::MAX))
            };
            v_intervals[g].push(iv);
            v_owner[g].push((ei, end));
        }
    }
    let mut v_count = vec![0usize; cols + 1];
    for g in 0..=cols {
        let (tracks, count) = pack(&v_intervals[g]);
        v_count[g] = count;
        for (i, &(ei, end)) in v_owner[g].iter().enumerate() {
            wan[ei].tracks_v[end] = tracks[i];
        }
    }
    let gutter_w: Vec<f64> = v_count
        .iter()
        .map(|&k| (2.0 * V_MARGIN + (k.max(1) - 1) as f64 * V_TRACK).max(MIN_GUTTER))
        .collect();
    let mut col_w = vec![0.0f64; cols];
    for c in &clusters {
        col_w[c.col] = col_w[c.col].max(c.w);
    }
    // x of each vertical gutter and column.
    let mut gx = vec![0.0f64; cols + 1];
    let mut cx = vec![0.0f64; cols];
    let mut x = MARGIN;
    for g in 0..=cols {
        gx[g] = x;
        x += gutter_w[g];
        if g < cols {
            cx[g] = x;
            x += col_w[g];
        }
    }
    let mut width = x + MARGIN;
    let track_x = |g: usize, t: usize| {
        let k = v_count[g].max(1) as f64;
        gx[g] + (gutter_w[g] - (k - 1.0) * V_TRACK) / 2.0 + t as f64 * V_TRACK
    };

    // Caption and legend sizes (they may widen the canvas).
    let caption_lines = vec![Line::new(
        &l.f(K::DiagramTitle, &[("name", &plan.name)]),
        18.0,
        true,
        TextStyle::Title,
        900.0,
    )];
    let legend_items: Vec<(Sample, Line)> = vec![
        (
            Sample::Edge(EdgeKind::Wan, (0.0, 0.0), (0.0, 0.0)),
            Line::new(l.t(K::LegendWan), 10.5, false, TextStyle::Normal, 400.0),
        ),
        (
            Sample::Edge(EdgeKind::Intra, (0.0, 0.0), (0.0, 0.0)),
            Line::new(l.t(K::LegendIntra), 10.5, false, TextStyle::Normal, 400.0),
        ),
        (
            Sample::Box(
                BoxKind::Segment { isolated: false },
                Rect::new(0.0, 0.0, 0.0, 0.0),
            ),
            Line::new(l.t(K::LegendSegment), 10.5, false, TextStyle::Normal, 400.0),
        ),
        (
            Sample::Box(
                BoxKind::Segment { isolated: true },
                Rect::new(0.0, 0.0, 0.0, 0.0),
            ),
            Line::new(
                l.t(K::LegendIsolated),
                10.5,
                false,
                TextStyle::Normal,
                400.0,
            ),
        ),
    ];
    let legend_title = Line::new(l.t(K::Legend), 10.5, true, TextStyle::Normal, 200.0);
    let legend_w = 16.0
        + legend_title.width()
        + 14.0
        + legend_items
            .iter()
            .map(|(_, t)| 34.0 + t.width() + 18.0)
            .sum::<f64>();
    let caption_w = lines_width(&caption_lines);
    width = width
        .max(legend_w + 2.0 * MARGIN)
        .max(caption_w + 2.0 * MARGIN)
        .ceil();

    // Vertical segments touching each horizontal gutter: a label is better placed
    // where none of them runs under it.
    let mut touching: Vec<Vec<(f64, usize)>> = vec![Vec::new(); rows + 1];
    for (ei, e) in wan.iter().enumerate() {
        for end in 0..2 {
            let c = &clusters[e.ends[end].0];
            let x = track_x(v_gutter(c, e.sides[end]), e.tracks_v[end]);
            let range = if e.gutter_h <= c.row {
                e.gutter_h..=c.row
            } else {
                c.row + 1..=e.gutter_h
            };
            for h in range {
                touching[h].push((x, ei));
            }
        }
    }
    // Horizontal gutters: pack segment + label extents.
    let mut h_intervals: Vec<Vec<(f64, f64)>> = vec![Vec::new(); rows + 1];
    let mut h_owner: Vec<Vec<usize>> = vec![Vec::new(); rows + 1];
    let mut label_cx = vec![0.0f64; wan.len()];
    for (ei, e) in wan.iter().enumerate() {
        let xs: Vec<f64> = (0..2)
            .map(|end| {
                track_x(
                    v_gutter(&clusters[e.ends[end].0], e.sides[end]),
                    e.tracks_v[end],
                )
            })
            .collect();
        let lw = lines_width(&e.label) + 12.0;
        let (lo_x, hi_x) = (xs[0].min(xs[1]), xs[0].max(xs[1]));
        let clamp = |c: f64| {
            c.clamp(lo_x, hi_x)
                .clamp(MARGIN + lw / 2.0, width - MARGIN - lw / 2.0)
        };
        let mid = clamp((xs[0] + xs[1]) / 2.0);
        // Candidates: the middle, both ends of the segment, and beside every vertical
        // that crosses this gutter; the fewest verticals under the label wins, then
        // the nearest to the middle.
        let others: Vec<f64> = touching[e.gutter_h]
            .iter()
            .filter(|(_, o)| *o != ei)
            .map(|(x, _)| *x)
            .collect();
        let mut candidates = vec![mid, clamp(lo_x + lw / 2.0), clamp(hi_x - lw / 2.0)];
        for &x in &others {
            candidates.push(clamp(x - lw / 2.0 - 5.0));
            candidates.push(clamp(x + lw / 2.0 + 5.0));
        }
        let under = |c: f64| {
            others
                .iter()
                .filter(|&&x| x > c - lw / 2.0 - 2.0 && x < c + lw / 2.0 + 2.0)
                .count()
        };
        let best = candidates
            .into_iter()
            .min_by(|a, b| {
                under(*a)
                    .cmp(&under(*b))
                    .then((a - mid).abs().total_cmp(&(b - mid).abs()))
            })
            .unwrap_or(mid);
        label_cx[ei] = best;
        let lo = lo_x.min(best - lw / 2.0) - 4.0;
        let hi = hi_x.max(best + lw / 2.0) + 4.0;
        h_intervals[e.gutter_h].push((lo, hi));
        h_owner[e.gutter_h].push(ei);
    }
    let mut h_count = vec![0usize; rows + 1];
    for h in 0..=rows {
        let (tracks, count) = pack(&h_intervals[h]);
        h_count[h] = count;
        for (i, &ei) in h_owner[h].iter().enumerate() {
            wan[ei].track_h = tracks[i];
        }
    }
    let gutter_h: Vec<f64> = h_count
        .iter()
        .map(|&k| (2.0 * H_MARGIN + k as f64 * H_TRACK).max(MIN_GUTTER))
        .collect();
    let mut row_h = vec![0.0f64; rows];
    for c in &clusters {
        row_h[c.row] = row_h[c.row].max(c.h);
    }
    let caption_h = lines_height(&caption_lines) + 10.0;
    let mut gy = vec![0.0f64; rows + 1];
    let mut ry = vec![0.0f64; rows];
    let mut y = MARGIN + caption_h;
    for h in 0..=rows {
        gy[h] = y;
        y += gutter_h[h];
        if h < rows {
            ry[h] = y;
            y += row_h[h];
        }
    }
    let legend_top = y + 6.0;
    let legend_h = 26.0;
    let height = (legend_top + legend_h + MARGIN).ceil();
    let track_y = |h: usize, t: usize| gy[h] + H_MARGIN + t as f64 * H_TRACK + H_TRACK / 2.0;

    // --- Emit ----------------------------------------------------------------------
    let mut boxes: Vec<LBox> = Vec::new();
    let mut edges: Vec<LEdge> = Vec::new();
    boxes.push(LBox {
        id: "caption".to_string(),
        kind: BoxKind::Caption,
        rect: Rect::new(MARGIN, MARGIN, caption_w + 4.0, caption_h - 6.0),
        parent: None,
        band: 0.0,
        texts: place(&caption_lines, MARGIN + 2.0, MARGIN, false),
        tooltip: String::new(),
    });
    let mut cluster_box = vec![0usize; n];
    for (ci, c) in clusters.iter_mut().enumerate() {
        c.x = cx[c.col];
        c.y = ry[c.row];
        let bi = boxes.len();
        cluster_box[ci] = bi;
        let band = row_title[c.row];
        let title_top = c.y + (band - lines_height(&c.title)) / 2.0;
        boxes.push(LBox {
            id: c.id.clone(),
            kind: if c.internet {
                BoxKind::Internet
            } else {
                BoxKind::Site
            },
            rect: Rect::new(c.x, c.y, c.w, c.h),
            parent: None,
            band,
            texts: place(&c.title, c.x + PAD, title_top, false),
            tooltip: c.tooltip.clone(),
        });
        let dev_top = c.y + devices_top(c.row);
        for col in &c.columns {
            let dx = c.x + PAD + (col.x - PAD);
            let id = if c.internet {
                "upstream".to_string()
            } else {
                format!("device:{}", col.device)
            };
            boxes.push(LBox {
                id: id.clone(),
                kind: if c.internet {
                    BoxKind::Upstream
                } else {
                    BoxKind::Device(col.kind)
                },
                rect: Rect::new(dx, dev_top, col.dev_w, col.dev_h),
                parent: Some(bi),
                band: 0.0,
                texts: place(&col.lines, dx + col.dev_w / 2.0, dev_top + 5.0, true),
                tooltip: col.tooltip.clone(),
            });
            let mut sy = dev_top + col.dev_h + SEG_GAP + 4.0;
            let trunk_x = dx + TRUNK_IN;
            for s in &col.segments {
                let sx = dx + SEG_IN;
                boxes.push(LBox {
                    id: format!("segment:{}", s.id),
                    kind: BoxKind::Segment {
                        isolated: s.isolated,
                    },
                    rect: Rect::new(sx, sy, s.w, s.h),
                    parent: Some(bi),
                    band: 0.0,
                    texts: place(&s.lines, sx + 8.0, sy + 5.0, false),
                    tooltip: s.tooltip.clone(),
                });
                let tick_y = sy + 13.0;
                edges.push(LEdge {
                    kind: EdgeKind::Trunk,
                    points: vec![
                        (trunk_x, dev_top + col.dev_h),
                        (trunk_x, tick_y),
                        (sx, tick_y),
                    ],
                    from: id.clone(),
                    to: format!("segment:{}", s.id),
                    label: None,
                    link: None,
                    tooltip: String::new(),
                });
                sy += s.h + SEG_GAP;
            }
        }
        if !c.footer.is_empty() {
            let fy = c.y + c.h - PAD - lines_height(&c.footer);
            boxes[bi]
                .texts
                .extend(place(&c.footer, c.x + PAD, fy, false));
        }
    }
    // Intra-site links.
    for (ci, c) in clusters.iter().enumerate() {
        let dev_top = c.y + devices_top(c.row);
        let n_row = row_intra[c.row];
        for &(ii, lane) in &c.intra_lanes {
            let e = &intra[ii];
            // Lane 0 is the one nearest to the devices.
            let ly =
                c.y + lanes_top(c.row) + (n_row - 1 - lane) as f64 * INTRA_LANE + INTRA_LANE / 2.0;
            let xa = c.x + c.stubs[e.stubs[0]].x;
            let xb = c.x + c.stubs[e.stubs[1]].x;
            let lw = e.label.width() + 8.0;
            let lh = 15.0;
            let mid = (xa + xb) / 2.0;
            let rect = Rect::new(mid - lw / 2.0, ly - lh / 2.0, lw, lh);
            let texts = place(
                std::slice::from_ref(&e.label),
                mid,
                ly - e.label.height() / 2.0,
                true,
            );
            edges.push(LEdge {
                kind: EdgeKind::Intra,
                points: vec![(xa, dev_top), (xa, ly), (xb, ly), (xb, dev_top)],
                from: e.ids[0].clone(),
                to: e.ids[1].clone(),
                label: Some(Label {
                    rect,
                    texts,
                    parent: Some(cluster_box[ci]),
                }),
                link: Some(e.link),
                tooltip: e.tooltip.clone(),
            });
        }
    }
    // WAN links and the uplink.
    for (ei, e) in wan.iter().enumerate() {
        let mut pts: Vec<(f64, f64)> = Vec::new();
        let hy = track_y(e.gutter_h, e.track_h);
        let mut half: [Vec<(f64, f64)>; 2] = [Vec::new(), Vec::new()];
        for end in 0..2 {
            let c = &clusters[e.ends[end].0];
            let s = &c.stubs[e.stubs[end]];
            let ax = c.x + s.x;
            let dev_top = c.y + devices_top(c.row);
            let py = c.y + port_rel(c.row, e.slots[end]);
            let port_x = match e.sides[end] {
                Side::Left => c.x,
                Side::Right => c.x + c.w,
            };
            let g = v_gutter(c, e.sides[end]);
            let tx = track_x(g, e.tracks_v[end]);
            half[end] = vec![(ax, dev_top), (ax, py), (port_x, py), (tx, py), (tx, hy)];
        }
        pts.extend(half[0].iter().copied());
        pts.extend(half[1].iter().rev().copied());
        simplify(&mut pts);
        let lw = lines_width(&e.label) + 12.0;
        let lh = lines_height(&e.label) + 4.0;
        let mid = label_cx[ei];
        let rect = Rect::new(mid - lw / 2.0, hy - lh / 2.0, lw, lh);
        let texts = place(&e.label, mid, hy - lh / 2.0 + 2.0, true);
        edges.push(LEdge {
            kind: e.kind,
            points: pts,
            from: e.ids[0].clone(),
            to: e.ids[1].clone(),
            label: Some(Label {
                rect,
                texts,
                parent: None,
            }),
            link: e.link,
            tooltip: e.tooltip.clone(),
        });
    }
    // Legend.
    let mut lx = MARGIN + 8.0;
    let mid_y = legend_top + legend_h / 2.0;
    let title_texts = place(
        std::slice::from_ref(&legend_title),
        lx,
        mid_y - legend_title.height() / 2.0,
        false,
    );
    lx += legend_title.width() + 14.0;
    let mut samples = Vec::new();
    let mut texts = title_texts;
    for (sample, line) in legend_items {
        let s = match sample {
            Sample::Edge(k, _, _) => Sample::Edge(k, (lx, mid_y), (lx + 28.0, mid_y)),
            Sample::Box(k, _) => Sample::Box(k, Rect::new(lx, mid_y - 7.0, 28.0, 14.0)),
        };
        samples.push(s);
        lx += 34.0;
        texts.extend(place(
            std::slice::from_ref(&line),
            lx,
            mid_y - line.height() / 2.0,
            false,
        ));
        lx += line.width() + 18.0;
    }
    boxes.push(LBox {
        id: "legend".to_string(),
        kind: BoxKind::Legend,
        rect: Rect::new(MARGIN, legend_top, lx - MARGIN, legend_h),
        parent: None,
        band: 0.0,
        texts,
        tooltip: String::new(),
    });
    Layout {
        width: width.ceil(),
        height,
        boxes,
        edges,
        samples,
        rows,
        cols,
    }
}

/// Drop repeated points and middle points of straight runs.
fn simplify(pts: &mut Vec<(f64, f64)>) {
    pts.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9);
    let mut i = 1;
    while i + 1 < pts.len() {
        let (a, b, c) = (pts[i - 1], pts[i], pts[i + 1]);
        let collinear = ((a.0 - b.0).abs() < 1e-9 && (b.0 - c.0).abs() < 1e-9)
            || ((a.1 - b.1).abs() < 1e-9 && (b.1 - c.1).abs() < 1e-9);
        if collinear {
            pts.remove(i);
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_separates_overlapping_intervals() {
        let (t, n) = pack(&[(0.0, 10.0), (5.0, 15.0), (11.0, 20.0), (16.0, 18.0)]);
        assert_eq!(n, 2);
        assert_ne!(t[0], t[1]);
        assert_eq!(t[0], t[2]);
        assert_ne!(t[2], t[1]);
    }

    #[test]
    fn fit_shortens_long_text() {
        let s = fit(&"x".repeat(200), 10.0, false, 100.0);
        assert!(s.ends_with('…'));
        assert!(text_width(&s, 10.0, false) <= 100.0);
    }
}
