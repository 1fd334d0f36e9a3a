//! The diagram stays readable from 3 to 50 sites (and more): no two boxes overlap, no
//! label overlaps a box or another label, text stays inside its box, WAN links do not
//! cross boxes they do not end at, everything is inside the canvas, and the layout is
//! the same between runs. Checked on the layout's geometry and again on the SVG as
//! parsed by an XML parser.

mod common;

use netkit_report::layout::{BoxKind, EdgeKind, Layout, Rect, layout, text_width};
use netkit_report::{Lang, render};

fn canvas(l: &Layout) -> Rect {
    Rect::new(0.0, 0.0, l.width, l.height)
}

/// Does the axis-parallel segment a-b pass through the interior of r?
fn segment_crosses(a: (f64, f64), b: (f64, f64), r: &Rect) -> bool {
    const E: f64 = 0.5;
    let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
    let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
    x1 > r.x + E && x0 < r.right() - E && y1 > r.y + E && y0 < r.bottom() - E
}

fn check_geometry(l: &Layout, what: &str) {
    let c = canvas(l);
    let boxes = &l.boxes;
    for (i, b) in boxes.iter().enumerate() {
        assert!(
            c.contains(&b.rect),
            "{what}: box {} outside the canvas",
            b.id
        );
        for t in &b.texts {
            assert!(
                b.rect.contains(&t.rect()),
                "{what}: text `{}` spills out of {}",
                t.text,
                b.id
            );
        }
        if let Some(p) = b.parent {
            assert!(
                boxes[p].rect.contains(&b.rect),
                "{what}: {} outside its cluster",
                b.id
            );
        }
        for (j, o) in boxes.iter().enumerate().skip(i + 1) {
            let nested = b.parent == Some(j) || o.parent == Some(i);
            assert!(
                nested || !b.rect.intersects(&o.rect),
                "{what}: boxes {} and {} overlap",
                b.id,
                o.id
            );
        }
        // Cluster texts (titles) never collide with the boxes inside the cluster.
        if matches!(b.kind, BoxKind::Site | BoxKind::Internet) {
            for t in &b.texts {
                for o in boxes.iter().filter(|o| o.parent == Some(i)) {
                    assert!(
                        !t.rect().intersects(&o.rect),
                        "{what}: text `{}` over {}",
                        t.text,
                        o.id
                    );
                }
            }
        }
    }
    let labels: Vec<_> = l.labels().collect();
    for (i, lab) in labels.iter().enumerate() {
        assert!(c.contains(&lab.rect), "{what}: label outside the canvas");
        for t in &lab.texts {
            assert!(
                lab.rect.contains(&t.rect()),
                "{what}: label text `{}` spills out",
                t.text
            );
        }
        for (bi, b) in boxes.iter().enumerate() {
            if lab.parent == Some(bi) {
                for t in &b.texts {
                    assert!(
                        !t.rect().intersects(&lab.rect),
                        "{what}: label over the title of {}",
                        b.id
                    );
                }
                continue;
            }
            assert!(
                !lab.rect.intersects(&b.rect),
                "{what}: label `{:?}` overlaps box {}",
                lab.texts.first().map(|t| &t.text),
                b.id
            );
        }
        for o in labels.iter().skip(i + 1) {
            assert!(!lab.rect.intersects(&o.rect), "{what}: two labels overlap");
        }
    }
    for e in &l.edges {
        for p in &e.points {
            assert!(
                p.0 >= 0.0 && p.0 <= l.width && p.1 >= 0.0 && p.1 <= l.height,
                "{what}: edge point outside"
            );
        }
        if e.kind == EdgeKind::Trunk {
            continue;
        }
        // Links never pass through a device or segment box other than their ends,
        // and WAN links enter no cluster but those of their two ends.
        let end_sites: Vec<Option<usize>> = [&e.from, &e.to]
            .iter()
            .map(|id| l.boxes.iter().find(|b| &&b.id == id).and_then(|b| b.parent))
            .collect();
        for w in e.points.windows(2) {
            for (bi, b) in boxes.iter().enumerate() {
                let is_end = b.id == e.from || b.id == e.to;
                let crosses = segment_crosses(w[0], w[1], &b.rect);
                match b.kind {
                    BoxKind::Device(_) | BoxKind::Upstream | BoxKind::Segment { .. } => {
                        assert!(
                            is_end || !crosses,
                            "{what}: link {} – {} crosses {}",
                            e.from,
                            e.to,
                            b.id
                        );
                    }
                    BoxKind::Site | BoxKind::Internet => {
                        let own = end_sites.contains(&Some(bi));
                        assert!(
                            own || !crosses,
                            "{what}: link {} – {} crosses cluster {}",
                            e.from,
                            e.to,
                            b.id
                        );
                    }
                    BoxKind::Caption | BoxKind::Legend => {
                        assert!(!crosses, "{what}: link crosses the {}", b.id);
                    }
                }
            }
        }
    }
}

fn attr(n: &roxmltree::Node, a: &str) -> f64 {
    n.attribute(a)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{a} missing"))
}

/// The SVG as a browser would read it: parse, then check the drawn rectangles and
/// text against the canvas and each other.
fn check_svg(svg: &str, l: &Layout, what: &str) {
    let doc = roxmltree::Document::parse(svg)
        .unwrap_or_else(|e| panic!("{what}: SVG does not parse: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let vb: Vec<f64> = root
        .attribute("viewBox")
        .expect("viewBox")
        .split(' ')
        .map(|v| v.parse().expect("number"))
        .collect();
    let c = Rect::new(vb[0], vb[1], vb[2], vb[3]);
    let rects: Vec<(String, Rect)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .map(|n| {
            (
                n.attribute("class").unwrap_or("").to_string(),
                Rect::new(
                    attr(&n, "x"),
                    attr(&n, "y"),
                    attr(&n, "width"),
                    attr(&n, "height"),
                ),
            )
        })
        .collect();
    for (_, r) in &rects {
        assert!(c.contains(r), "{what}: a rectangle is outside the viewBox");
    }
    let of = |class: &str| {
        rects
            .iter()
            .filter(|(k, _)| k == class)
            .map(|(_, r)| *r)
            .collect::<Vec<_>>()
    };
    let sites = of("nk-site");
    let inner: Vec<Rect> = of("nk-device")
        .into_iter()
        .chain(of("nk-segment"))
        .collect();
    let labels = of("nk-label");
    assert_eq!(
        sites.len() + of("nk-internet").len() + inner.len(),
        l.boxes
            .iter()
            .filter(|b| !matches!(b.kind, BoxKind::Caption | BoxKind::Legend))
            .count()
    );
    for (i, a) in sites.iter().enumerate() {
        for b in &sites[i + 1..] {
            assert!(
                !a.intersects(b),
                "{what}: two site clusters overlap in the SVG"
            );
        }
    }
    for (i, a) in inner.iter().enumerate() {
        for b in &inner[i + 1..] {
            assert!(!a.intersects(b), "{what}: two boxes overlap in the SVG");
        }
        for lab in &labels {
            assert!(
                !a.intersects(lab),
                "{what}: a label overlaps a box in the SVG"
            );
        }
    }
    for (i, a) in labels.iter().enumerate() {
        for b in &labels[i + 1..] {
            assert!(!a.intersects(b), "{what}: two labels overlap in the SVG");
        }
    }
    for t in doc.descendants().filter(|n| n.has_tag_name("text")) {
        let size = attr(&t, "font-size");
        let bold = t.attribute("font-weight") == Some("bold");
        let text = t.text().unwrap_or("");
        let w = text_width(text, size, bold);
        let x = attr(&t, "x")
            - if t.attribute("text-anchor") == Some("middle") {
                w / 2.0
            } else {
                0.0
            };
        let r = Rect::new(x, attr(&t, "y") - 0.93 * size, w, 1.17 * size);
        assert!(c.contains(&r), "{what}: text `{text}` outside the viewBox");
    }
}

#[test]
fn generated_topologies_lay_out_cleanly() {
    for n in [1, 2, 3, 4, 7, 10, 23, 50] {
        let plan = common::generated(n, false);
        for lang in [Lang::Fr, Lang::En] {
            let what = format!("{n} sites ({})", lang.code());
            let l = layout(&plan, lang);
            check_geometry(&l, &what);
            assert_eq!(
                l,
                layout(&plan, lang),
                "{what}: layout differs between runs"
            );
            let files = render(&plan, None, &common::options(lang)).expect("render");
            let svg = std::str::from_utf8(&files[1].bytes).expect("utf-8");
            check_svg(svg, &l, &what);
            // Every site, device and segment is drawn.
            for s in &plan.sites {
                assert!(
                    l.find(&format!("site:{}", s.name)).is_some(),
                    "{what}: site {} missing",
                    s.name
                );
                for g in &s.segments {
                    assert!(l.find(&format!("segment:{}", g.id)).is_some());
                }
            }
            for d in plan.routers() {
                assert!(l.find(&format!("device:{}", d.id)).is_some());
            }
            let wan = plan.links.iter().filter(|k| k.wan).count();
            assert_eq!(
                l.edges.iter().filter(|e| e.kind == EdgeKind::Wan).count(),
                wan,
                "{what}"
            );
        }
    }
}

#[test]
fn acme_lays_out_cleanly() {
    let plan = common::acme_plan();
    let l = layout(&plan, Lang::Fr);
    check_geometry(&l, "acme");
    assert!(l.find("internet").is_some());
    assert_eq!(
        l.edges
            .iter()
            .filter(|e| e.kind == EdgeKind::Uplink)
            .count(),
        1
    );
    assert_eq!(
        l.edges.iter().filter(|e| e.kind == EdgeKind::Intra).count(),
        1
    );
    let files = render(&plan, None, &common::options(Lang::Fr)).expect("render");
    check_svg(
        std::str::from_utf8(&files[1].bytes).expect("utf-8"),
        &l,
        "acme",
    );
}

#[test]
fn a_large_plan_stays_consistent() {
    let plan = common::generated(200, false);
    let l = layout(&plan, Lang::En);
    check_geometry(&l, "200 sites");
    // Roughly square grid.
    assert!(
        l.cols >= 14 && l.cols <= 15 && l.rows <= 15,
        "{}x{}",
        l.rows,
        l.cols
    );
}
