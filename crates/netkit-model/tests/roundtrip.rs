//! Generated topologies, written out as YAML in block or flow style, parse back to the
//! same model with no diagnostic: the parser has no false positives on valid input.

use netkit_model::{DeviceKind, parse};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct GenSegment {
    vlan: u16,
    hosts: u32,
    isolated: bool,
    gateway: bool,
    named: Vec<u32>,
}

#[derive(Debug, Clone)]
struct GenSite {
    location: Option<String>,
    kinds: Vec<DeviceKind>,
    segments: Vec<GenSegment>,
}

#[derive(Debug, Clone)]
struct GenLink {
    a: (usize, usize),
    b: (usize, usize),
    bandwidth: Option<(&'static str, u64)>,
    cost: Option<u32>,
}

const KINDS: [DeviceKind; 6] = [
    DeviceKind::Router,
    DeviceKind::L3Switch,
    DeviceKind::Firewall,
    DeviceKind::Switch,
    DeviceKind::AccessPoint,
    DeviceKind::Server,
];

const BANDWIDTHS: [(&str, u64); 6] = [
    ("100Mbps", 100_000_000),
    ("1Gbps", 1_000_000_000),
    ("1.5Gbps", 1_500_000_000),
    ("10M", 10_000_000),
    ("100 Mbit/s", 100_000_000),
    ("512kbps", 512_000),
];

fn segment(index: usize) -> impl Strategy<Value = GenSegment> {
    (
        0u16..10,
        1u32..5000,
        any::<bool>(),
        any::<bool>(),
        0usize..3,
    )
        .prop_flat_map(move |(v, hosts, isolated, gateway, n)| {
            let named = if hosts >= 10 {
                prop::collection::btree_set(2u32..=hosts, n)
                    .prop_map(|s| s.into_iter().collect())
                    .boxed()
            } else {
                Just(Vec::new()).boxed()
            };
            named.prop_map(move |named| GenSegment {
                // Distinct per site: 10 VLANs per segment index.
                vlan: 10 * (index as u16 + 1) + v,
                hosts,
                isolated,
                gateway,
                named,
            })
        })
}

fn site() -> impl Strategy<Value = GenSite> {
    (
        prop::option::of("[A-Za-z ]{1,12}"),
        prop::collection::vec(prop::sample::select(KINDS.to_vec()), 0..4),
        0usize..4,
    )
        .prop_flat_map(|(location, more, nseg)| {
            let segs: Vec<_> = (0..nseg).map(segment).collect();
            segs.prop_map(move |segments| {
                // The first device routes, so that every site may have segments.
                let mut kinds = vec![DeviceKind::Router];
                kinds.extend(more.iter().copied());
                GenSite {
                    location: location.clone(),
                    kinds,
                    segments,
                }
            })
        })
}

fn topology() -> impl Strategy<Value = (Vec<GenSite>, Vec<GenLink>, bool)> {
    prop::collection::vec(site(), 1..6).prop_flat_map(|sites| {
        let l3: Vec<(usize, usize)> = sites
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.kinds
                    .iter()
                    .enumerate()
                    .filter(|(_, k)| k.is_layer3())
                    .map(move |(j, _)| (i, j))
            })
            .collect();
        let n = l3.len();
        let link = (
            0..n,
            0..n,
            prop::option::of(prop::sample::select(BANDWIDTHS.to_vec())),
            prop::option::of(1u32..=65535),
        )
            .prop_map(move |(a, b, bandwidth, cost)| GenLink {
                a: l3[a],
                b: l3[b],
                bandwidth,
                cost,
            });
        (
            Just(sites),
            prop::collection::vec(link, 0..8),
            any::<bool>(),
        )
    })
}

fn site_name(i: usize) -> String {
    format!("site-{i}")
}
fn device_name(j: usize) -> String {
    format!("d{j}")
}

fn to_yaml(sites: &[GenSite], links: &[GenLink], flow: bool) -> String {
    let mut y = String::from(
        "# generated\nname: gen\naddressing:\n  ipv4: 10.0.0.0/8\n  growth: 10%\nsites:\n",
    );
    for (i, s) in sites.iter().enumerate() {
        y.push_str(&format!("  {}:\n", site_name(i)));
        if let Some(l) = &s.location {
            y.push_str(&format!("    location: \"{l}\"\n"));
        }
        y.push_str("    devices:\n");
        for (j, k) in s.kinds.iter().enumerate() {
            if flow {
                y.push_str(&format!("      {}: {{ kind: {k} }}\n", device_name(j)));
            } else {
                y.push_str(&format!("      {}:\n        kind: {k}\n", device_name(j)));
            }
        }
        if !s.segments.is_empty() {
            y.push_str("    segments:\n");
        }
        for (g, seg) in s.segments.iter().enumerate() {
            let mut fields = vec![
                format!("vlan: {}", seg.vlan),
                format!("hosts: {}", seg.hosts),
                format!("isolated: {}", seg.isolated),
            ];
            if seg.gateway {
                fields.push("gateway: d0".to_string());
            }
            if !seg.named.is_empty() {
                let named: Vec<String> = seg
                    .named
                    .iter()
                    .enumerate()
                    .map(|(h, off)| {
                        format!("h{h}: {{ host: {off}, services: [tcp/{}] }}", 1000 + h)
                    })
                    .collect();
                fields.push(format!("named: {{ {} }}", named.join(", ")));
            }
            if flow {
                y.push_str(&format!("      s{g}: {{ {} }}\n", fields.join(", ")));
            } else {
                y.push_str(&format!("      s{g}:\n"));
                for f in fields {
                    y.push_str(&format!("        {f}\n"));
                }
            }
        }
    }
    let links: Vec<&GenLink> = links.iter().filter(|l| l.a != l.b).collect();
    if !links.is_empty() {
        y.push_str("links:\n");
    }
    for l in links {
        let mut fields = vec![
            format!("a: {}.{}", site_name(l.a.0), device_name(l.a.1)),
            format!("b: {}.{}", site_name(l.b.0), device_name(l.b.1)),
        ];
        if let Some((text, _)) = l.bandwidth {
            fields.push(format!("bandwidth: {text}"));
        }
        if let Some(c) = l.cost {
            fields.push(format!("cost: {c}"));
        }
        y.push_str(&format!("  - {{ {} }}\n", fields.join(", ")));
    }
    y
}

/// `PROPTEST_CASES` overrides the default number of cases.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(128)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn generated_topologies_round_trip((sites, links, flow) in topology()) {
        let yaml = to_yaml(&sites, &links, flow);
        let parsed = parse(yaml.as_bytes());
        prop_assert!(parsed.diagnostics.is_empty(), "{:#?}\n{yaml}", parsed.diagnostics);
        let t = parsed.topology.expect("no diagnostics means a topology");
        prop_assert_eq!(t.sites.len(), sites.len());
        for (i, (got, want)) in t.sites.iter().zip(&sites).enumerate() {
            prop_assert_eq!(&got.name, &site_name(i));
            prop_assert_eq!(&got.location, &want.location);
            let kinds: Vec<DeviceKind> = got.devices.iter().map(|d| d.kind).collect();
            prop_assert_eq!(&kinds, &want.kinds);
            prop_assert_eq!(got.segments.len(), want.segments.len());
            for (gs, ws) in got.segments.iter().zip(&want.segments) {
                prop_assert_eq!(gs.vlan, ws.vlan);
                prop_assert_eq!(gs.hosts, ws.hosts);
                prop_assert_eq!(gs.isolated, ws.isolated);
                prop_assert_eq!(gs.gateway.is_some(), ws.gateway);
                let offsets: Vec<u32> = gs.named.iter().map(|h| h.host).collect();
                prop_assert_eq!(&offsets, &ws.named);
            }
        }
        let want: Vec<&GenLink> = links.iter().filter(|l| l.a != l.b).collect();
        prop_assert_eq!(t.links.len(), want.len());
        for (gl, wl) in t.links.iter().zip(want) {
            prop_assert_eq!(&gl.a, &format!("{}.{}", site_name(wl.a.0), device_name(wl.a.1)));
            prop_assert_eq!(gl.bandwidth_bps, wl.bandwidth.map(|(_, b)| b));
            prop_assert_eq!(gl.cost, wl.cost);
        }
    }
}
