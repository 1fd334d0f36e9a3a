//! Placement: the clusters (sites, the internet) with their columns and segments,
//! the edges between them, the grid the clusters stand on, the stubs where links
//! leave a cluster, and each cluster's interior. The gutters and the routing of the
//! edges through them, then the drawing, are in `layout.rs`.

use super::*;

/// The (cluster, column) of each device, by device id.
pub(super) type DeviceColumns = HashMap<String, (usize, usize)>;

/// Clusters and their columns: one cluster per site (its layer-3 devices as columns,
/// their segments below), and one for the internet; the (cluster, column) of each
/// device; the internet's cluster.
pub(super) fn clusters_of(plan: &Plan, l: Lang) -> (Vec<Cluster>, DeviceColumns, Option<usize>) {
    let mut clusters: Vec<Cluster> = Vec::new();
    let mut col_of_device: HashMap<String, (usize, usize)> = HashMap::new();
    let link_devices: std::collections::HashSet<&str> = plan
        .links
        .iter()
        .flat_map(|k| [k.a.as_str(), k.b.as_str()])
        .chain(plan.internet.iter().map(|i| i.edge.as_str()))
        .collect();

    for site in &plan.sites {
        let ci = clusters.len();
        let mut title = vec![Line::new(
            &site.name,
            15.0,
            true,
            TextStyle::OnDark,
            TITLE_MAX,
        )];
        if let Some(loc) = &site.location {
            title.push(Line::new(loc, 11.5, false, TextStyle::OnDark, TITLE_MAX));
        }
        let mut block = site.prefix.to_string();
        if let Some(p6) = site.prefix6 {
            block.push_str(&format!(" · {p6}"));
        }
        title.push(Line::new(&block, 11.5, false, TextStyle::OnDark, TITLE_MAX));

        let mut columns: Vec<Column> = Vec::new();
        let mut l2: Vec<String> = Vec::new();
        for dev in plan.devices.iter().filter(|d| d.site == site.name) {
            if !(dev.kind.is_layer3() || link_devices.contains(dev.id.as_str())) {
                // Switches and access points of the access layer are drawn as a
                // tree in the footer (`access_diagram::footer_lines`).
                if !crate::access_diagram::is_access_device(plan, &dev.id) {
                    l2.push(format!("{} ({})", dev.name, kind_name(l, dev.kind)));
                }
                continue;
            }
            let mut lines = vec![
                Line::new(&dev.name, 12.5, true, TextStyle::Normal, DEVICE_MAX),
                Line::new(
                    kind_name(l, dev.kind),
                    10.5,
                    false,
                    TextStyle::Muted,
                    DEVICE_MAX,
                ),
            ];
            if let Some(lo) = dev.loopback {
                lines.push(Line::new(
                    &format!("{} {}", l.t(K::Loopback), lo.addr()),
                    10.5,
                    false,
                    TextStyle::Muted,
                    DEVICE_MAX,
                ));
            }
            let mut tooltip = format!("{} ({})", dev.id, kind_name(l, dev.kind));
            if let Some(d) = &dev.description {
                tooltip.push_str(&format!(" — {d}"));
            }
            if let Some(m) = &dev.model {
                tooltip.push_str(&format!(" — {m}"));
            }
            col_of_device.insert(dev.id.clone(), (ci, columns.len()));
            columns.push(Column {
                device: dev.id.clone(),
                kind: dev.kind,
                lines,
                w: 0.0,
                dev_w: 0.0,
                dev_h: 0.0,
                segments: Vec::new(),
                h: 0.0,
                x: 0.0,
                stubs: Vec::new(),
                tooltip,
            });
        }
        for seg in &site.segments {
            let mut lines = vec![
                Line::new(
                    &format!("VLAN {} · {}", seg.vlan, seg.name),
                    11.5,
                    true,
                    TextStyle::Normal,
                    SEGMENT_MAX,
                ),
                Line::new(
                    &seg.prefix.to_string(),
                    11.0,
                    false,
                    TextStyle::Normal,
                    SEGMENT_MAX,
                ),
            ];
            if let Some(p6) = seg.prefix6 {
                lines.push(Line::new(
                    &p6.to_string(),
                    10.5,
                    false,
                    TextStyle::Muted,
                    SEGMENT_MAX,
                ));
            }
            if seg.isolated {
                lines.push(Line::new(
                    l.t(K::Isolated),
                    10.5,
                    true,
                    TextStyle::Warning,
                    SEGMENT_MAX,
                ));
            }
            for n in seg.named.iter().take(MAX_NAMED) {
                let host = u32::from(n.address) - u32::from(seg.prefix.network());
                let mut t = format!("{} .{}", n.name, host);
                if !n.services.is_empty() {
                    t.push(' ');
                    t.push_str(
                        &n.services
                            .iter()
                            .map(|s| s.to_string())
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
                lines.push(Line::new(&t, 10.5, false, TextStyle::Muted, SEGMENT_MAX));
            }
            if seg.named.len() > MAX_NAMED {
                let more = (seg.named.len() - MAX_NAMED).to_string();
                lines.push(Line::new(
                    &l.f(K::MoreHosts, &[("n", &more)]),
                    10.5,
                    false,
                    TextStyle::Muted,
                    SEGMENT_MAX,
                ));
            }
            let w = lines_width(&lines) + 16.0;
            let h = lines_height(&lines) + 10.0;
            let mut tooltip = format!("{} — VLAN {} — {}", seg.id, seg.vlan, seg.prefix);
            if let Some(d) = &seg.description {
                tooltip.push_str(&format!(" — {d}"));
            }
            let sb = SegBox {
                id: seg.id.clone(),
                isolated: seg.isolated,
                lines,
                w,
                h,
                tooltip,
            };
            let col = columns
                .iter()
                .position(|c| c.device == seg.gateway_device)
                .unwrap_or(0);
            if columns.is_empty() {
                // A segment without a drawable gateway: give it a column of its own.
                columns.push(Column {
                    device: seg.gateway_device.clone(),
                    kind: DeviceKind::Router,
                    lines: vec![Line::new(
                        &seg.gateway_device,
                        12.5,
                        true,
                        TextStyle::Normal,
                        DEVICE_MAX,
                    )],
                    w: 0.0,
                    dev_w: 0.0,
                    dev_h: 0.0,
                    segments: Vec::new(),
                    h: 0.0,
                    x: 0.0,
                    stubs: Vec::new(),
                    tooltip: seg.gateway_device.clone(),
                });
            }
            columns[col].segments.push(sb);
        }
        let mut footer = if l2.is_empty() {
            Vec::new()
        } else {
            vec![Line::new(
                &l.f(K::Layer2, &[("names", &l2.join(", "))]),
                10.5,
                false,
                TextStyle::Muted,
                TITLE_MAX,
            )]
        };
        footer.extend(
            crate::access_diagram::footer_lines(plan, &site.name)
                .iter()
                .map(|t| Line::new(t, 10.5, false, TextStyle::Muted, TITLE_MAX)),
        );
        let mut tooltip = site.name.clone();
        if let Some(loc) = &site.location {
            tooltip.push_str(&format!(" — {loc}"));
        }
        if let Some(d) = &site.description {
            tooltip.push_str(&format!(" — {d}"));
        }
        tooltip.push_str(&format!(" — {}", site.prefix));
        clusters.push(Cluster {
            id: format!("site:{}", site.name),
            internet: false,
            title,
            title_h: 0.0,
            columns,
            footer,
            inner_w: 0.0,
            intra_lanes: Vec::new(),
            n_intra_lanes: 0,
            stubs: Vec::new(),
            tooltip,
            w: 0.0,
            h: 0.0,
            row: 0,
            col: 0,
            x: 0.0,
            y: 0.0,
        });
    }
    let internet_cluster = plan.internet.as_ref().map(|inet| {
        let ci = clusters.len();
        clusters.push(Cluster {
            id: "internet".to_string(),
            internet: true,
            title: vec![Line::new(
                l.t(K::Internet),
                15.0,
                true,
                TextStyle::OnDark,
                TITLE_MAX,
            )],
            title_h: 0.0,
            columns: vec![Column {
                device: "upstream".to_string(),
                kind: DeviceKind::Router,
                lines: vec![Line::new(
                    &l.f(K::Upstream, &[("addr", &inet.upstream_address.to_string())]),
                    11.0,
                    false,
                    TextStyle::Normal,
                    DEVICE_MAX,
                )],
                w: 0.0,
                dev_w: 0.0,
                dev_h: 0.0,
                segments: Vec::new(),
                h: 0.0,
                x: 0.0,
                stubs: Vec::new(),
                tooltip: format!("{} {}", l.t(K::Internet), inet.upstream_address),
            }],
            footer: Vec::new(),
            inner_w: 0.0,
            intra_lanes: Vec::new(),
            n_intra_lanes: 0,
            stubs: Vec::new(),
            tooltip: l.t(K::Internet).to_string(),
            w: 0.0,
            h: 0.0,
            row: 0,
            col: 0,
            x: 0.0,
            y: 0.0,
        });
        ci
    });
    (clusters, col_of_device, internet_cluster)
}

/// The WAN edges (between clusters, and to the internet) and the links inside a site.
pub(super) fn edges_of(
    plan: &Plan,
    l: Lang,
    col_of_device: &HashMap<String, (usize, usize)>,
    internet_cluster: Option<usize>,
) -> (Vec<WanEdge>, Vec<IntraEdge>) {
    let mut wan: Vec<WanEdge> = Vec::new();
    let mut intra: Vec<IntraEdge> = Vec::new();
    for link in &plan.links {
        let (Some(&a), Some(&b)) = (col_of_device.get(&link.a), col_of_device.get(&link.b)) else {
            continue;
        };
        let tooltip = format!(
            "{} {} {} — {} {} {} — {}",
            link.a,
            link.a_interface,
            link.a_address,
            link.b,
            link.b_interface,
            link.b_address,
            link.prefix
        );
        if a.0 == b.0 {
            intra.push(IntraEdge {
                link: link.id,
                cluster: a.0,
                cols: [a.1, b.1],
                label: Line::new(
                    &link.prefix.to_string(),
                    10.0,
                    false,
                    TextStyle::Normal,
                    LABEL_MAX,
                ),
                tooltip,
                stubs: [0, 0],
                ids: [format!("device:{}", link.a), format!("device:{}", link.b)],
            });
        } else {
            let cost = format!("{} {}", l.t(K::Cost), link.cost);
            let first = match link.bandwidth_bps {
                Some(bps) => format!("{} · {}", l.bandwidth(bps), cost),
                None => cost,
            };
            wan.push(WanEdge {
                link: Some(link.id),
                kind: EdgeKind::Wan,
                ends: [a, b],
                label: vec![
                    Line::new(&first, 10.5, true, TextStyle::Normal, LABEL_MAX),
                    Line::new(
                        &link.prefix.to_string(),
                        10.5,
                        false,
                        TextStyle::Normal,
                        LABEL_MAX,
                    ),
                ],
                tooltip,
                sides: [Side::Left, Side::Left],
                slots: [0, 0],
                stubs: [0, 0],
                gutter_h: 0,
                tracks_v: [0, 0],
                track_h: 0,
                ids: [format!("device:{}", link.a), format!("device:{}", link.b)],
            });
        }
    }
    if let (Some(inet), Some(ic)) = (&plan.internet, internet_cluster)
        && let Some(&a) = col_of_device.get(&inet.edge)
    {
        wan.push(WanEdge {
            link: None,
            kind: EdgeKind::Uplink,
            ends: [a, (ic, 0)],
            label: vec![
                Line::new(l.t(K::Uplink), 10.5, true, TextStyle::Normal, LABEL_MAX),
                Line::new(
                    &inet.uplink_prefix.to_string(),
                    10.5,
                    false,
                    TextStyle::Normal,
                    LABEL_MAX,
                ),
            ],
            tooltip: format!(
                "{} {} {} — {} {}",
                inet.edge,
                inet.edge_interface,
                inet.edge_address,
                l.t(K::Internet),
                inet.upstream_address
            ),
            sides: [Side::Left, Side::Left],
            slots: [0, 0],
            stubs: [0, 0],
            gutter_h: 0,
            tracks_v: [0, 0],
            track_h: 0,
            ids: [format!("device:{}", inet.edge), "upstream".to_string()],
        });
    }
    (wan, intra)
}

/// Grid placement: breadth-first from the most connected cluster (the internet
/// first), row by row; the grid's rows and columns.
pub(super) fn grid(
    clusters: &mut [Cluster],
    wan: &[WanEdge],
    internet_cluster: Option<usize>,
) -> (usize, usize) {
    let n = clusters.len();
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in wan {
        let (a, b) = (e.ends[0].0, e.ends[1].0);
        adj[a].push(b);
        adj[b].push(a);
    }
    let degree: Vec<usize> = adj.iter().map(Vec::len).collect();
    for list in adj.iter_mut() {
        list.sort_by(|&x, &y| degree[y].cmp(&degree[x]).then(x.cmp(&y)));
        list.dedup();
    }
    let mut order: Vec<usize> = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    let mut starts: Vec<usize> = (0..n).collect();
    starts.sort_by(|&x, &y| degree[y].cmp(&degree[x]).then(x.cmp(&y)));
    if let Some(ic) = internet_cluster {
        starts.retain(|&s| s != ic);
        starts.insert(0, ic);
    }
    for s in starts {
        if seen[s] {
            continue;
        }
        let mut q = VecDeque::from([s]);
        seen[s] = true;
        while let Some(c) = q.pop_front() {
            order.push(c);
            for &m in &adj[c] {
                if !seen[m] {
                    seen[m] = true;
                    q.push_back(m);
                }
            }
        }
    }
    let cols = ((n as f64).sqrt().ceil() as usize).max(1);
    let rows = n.div_ceil(cols).max(1);
    for (i, &c) in order.iter().enumerate() {
        clusters[c].row = i / cols;
        clusters[c].col = i % cols;
    }
    (rows, cols)
}

/// Which side of its cluster each WAN end leaves by, and the stubs of every link end.
pub(super) fn sides_and_stubs(
    clusters: &mut [Cluster],
    wan: &mut [WanEdge],
    intra: &mut [IntraEdge],
) {
    for (ei, e) in wan.iter_mut().enumerate() {
        let (ca, cb) = (e.ends[0].0, e.ends[1].0);
        let (col_a, col_b) = (clusters[ca].col, clusters[cb].col);
        e.sides = if col_a < col_b {
            [Side::Right, Side::Left]
        } else if col_a > col_b {
            [Side::Left, Side::Right]
        } else {
            [Side::Left, Side::Left]
        };
        for end in 0..2 {
            let (c, col) = e.ends[end];
            let order = match e.sides[end] {
                Side::Left => (0u8, 0i64),
                Side::Right => (3u8, 0i64),
            };
            let si = clusters[c].stubs.len();
            clusters[c].stubs.push(Stub {
                edge: ei,
                end,
                order,
                x: 0.0,
            });
            clusters[c].columns[col].stubs.push(si);
            e.stubs[end] = si;
        }
    }
    for (ii, e) in intra.iter_mut().enumerate() {
        let c = e.cluster;
        for end in 0..2 {
            let col = e.cols[end];
            let other = e.cols[1 - end] as i64;
            // Links to columns on the left attach left of those on the right.
            let order = if other < col as i64 {
                (1u8, -other)
            } else {
                (2u8, -other)
            };
            let si = clusters[c].stubs.len();
            clusters[c].stubs.push(Stub {
                edge: ii,
                end,
                order,
                x: 0.0,
            });
            clusters[c].columns[col].stubs.push(si);
            e.stubs[end] = si;
        }
    }
}

/// Cluster interiors (relative to the cluster's top-left): columns, intra lanes,
/// WAN lane slots; the slots each cluster needs.
pub(super) fn interiors(
    clusters: &mut [Cluster],
    wan: &mut [WanEdge],
    intra: &[IntraEdge],
) -> Vec<usize> {
    for c in clusters.iter_mut() {
        c.title_h = lines_height(&c.title) + 12.0;
        let mut x = PAD;
        for col in c.columns.iter_mut() {
            let n_stubs = col.stubs.len() as f64;
            col.dev_w = (lines_width(&col.lines) + 18.0)
                .max(96.0)
                .max(n_stubs * 12.0 + 12.0)
                .ceil();
            col.dev_h = (lines_height(&col.lines) + 10.0).ceil();
            let seg_w = col.segments.iter().map(|s| s.w).fold(0.0, f64::max);
            col.w = col
                .dev_w
                .max(if col.segments.is_empty() {
                    0.0
                } else {
                    SEG_IN + seg_w
                })
                .ceil();
            col.h = col.dev_h
                + col.segments.iter().map(|s| s.h + SEG_GAP).sum::<f64>()
                + if col.segments.is_empty() { 0.0 } else { 4.0 };
            col.x = x;
            x += col.w + COL_GAP;
        }
        let cols_w = if c.columns.is_empty() {
            0.0
        } else {
            x - COL_GAP - PAD
        };
        c.inner_w = cols_w
            .max(lines_width(&c.title) + 4.0)
            .max(lines_width(&c.footer))
            .max(120.0);
        // Attach points: stubs spread over the device's top edge, in side order.
        for ci in 0..c.columns.len() {
            let mut ss = c.columns[ci].stubs.clone();
            ss.sort_by_key(|&s| (c.stubs[s].order, s));
            let k = ss.len() as f64;
            for (i, &s) in ss.iter().enumerate() {
                let col = &c.columns[ci];
                c.stubs[s].x = col.x + col.dev_w * (i as f64 + 1.0) / (k + 1.0);
            }
        }
    }
    // Intra lanes: interval packing of span + label.
    {
        let mut by_cluster: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (ii, e) in intra.iter().enumerate() {
            by_cluster.entry(e.cluster).or_default().push(ii);
        }
        for (ci, list) in by_cluster {
            let c = &mut clusters[ci];
            let mut widest: f64 = 0.0;
            let intervals: Vec<(f64, f64)> = list
                .iter()
                .map(|&ii| {
                    let e = &intra[ii];
                    let xa = c.stubs[e.stubs[0]].x;
                    let xb = c.stubs[e.stubs[1]].x;
                    let lw = e.label.width() + 8.0;
                    widest = widest.max(lw);
                    let cx = (xa + xb) / 2.0;
                    (
                        xa.min(xb).min(cx - lw / 2.0) - 3.0,
                        xa.max(xb).max(cx + lw / 2.0) + 3.0,
                    )
                })
                .collect();
            c.inner_w = c.inner_w.max(widest);
            let (tracks, count) = pack(&intervals);
            c.intra_lanes = list.iter().zip(tracks).map(|(&ii, t)| (ii, t)).collect();
            c.n_intra_lanes = count;
        }
    }
    // WAN lane slots: left stubs on even slots, right stubs on odd slots, so that two
    // clusters facing each other across a gutter never use the same height.
    let mut slots_needed = vec![0usize; clusters.len()];
    for (ci, c) in clusters.iter().enumerate() {
        let mut left: Vec<usize> = Vec::new();
        let mut right: Vec<usize> = Vec::new();
        for (si, s) in c.stubs.iter().enumerate() {
            if s.order.0 == 0 {
                left.push(si);
            } else if s.order.0 == 3 {
                right.push(si);
            }
        }
        left.sort_by(|&a, &b| c.stubs[b].x.total_cmp(&c.stubs[a].x).then(a.cmp(&b)));
        right.sort_by(|&a, &b| c.stubs[a].x.total_cmp(&c.stubs[b].x).then(a.cmp(&b)));
        for (i, &si) in left.iter().enumerate() {
            let s = &c.stubs[si];
            wan[s.edge].slots[s.end] = 2 * i;
        }
        for (i, &si) in right.iter().enumerate() {
            let s = &c.stubs[si];
            wan[s.edge].slots[s.end] = 2 * i + 1;
        }
        slots_needed[ci] = (2 * left.len()).saturating_sub(1).max(2 * right.len());
    }
    slots_needed
}
