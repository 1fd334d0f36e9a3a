//! What each address family's allocator is asked (`alloc::FamReq`): the pool,
//! reserves, pins and the prefixes kept from the previous plan.

use super::*;

/// What the IPv4 allocator is asked: pool, reserves, pins, kept prefixes.
pub(super) fn v4_request(
    t: &Topology,
    kept: &Kept,
    kept_links: &[Option<&KeptLink>],
    seg_len4: &[Vec<u8>],
    l3: &[(usize, usize)],
    p2p_len: u8,
) -> FamReq {
    let a = &t.addressing;
    FamReq {
        fam: Fam::V4,
        pool_name: "addressing.ipv4",
        pool: from_v4(a.ipv4),
        pool_span: a.spans.ipv4,
        reserves: a
            .reserve
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r {
                IpNet::V4(n) => Some(Pin {
                    block: from_v4(*n),
                    span: a.spans.reserve.get(i).copied(),
                }),
                IpNet::V6(_) => None,
            })
            .collect(),
        sites: t
            .sites
            .iter()
            .enumerate()
            .map(|(si, s)| SiteReq {
                name: s.name.clone(),
                span: s.span,
                pin: s.prefix.map(|p| Pin {
                    block: from_v4(p),
                    span: s.prefix_span.or(Some(s.span)),
                }),
                kept: kept.site4.get(&s.name).map(|p| from_v4(*p)),
                segs: s
                    .segments
                    .iter()
                    .enumerate()
                    .map(|(gi, g)| {
                        let id = format!("{}.{}", s.name, g.name);
                        SegReq {
                            kept: kept.seg4.get(&id).map(|p| from_v4(*p)),
                            id,
                            len: seg_len4[si][gi],
                            pin: g.prefix.map(|p| Pin {
                                block: from_v4(p),
                                span: g.prefix_span.or(Some(g.span)),
                            }),
                        }
                    })
                    .collect(),
            })
            .collect(),
        links: t
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| LinkReq {
                what: link_what(t, i),
                span: l.span,
                pin: l.prefix.map(|p| Pin {
                    block: from_v4(p),
                    span: Some(l.span),
                }),
                kept: kept_links[i].map(|k| from_v4(k.prefix)),
            })
            .collect(),
        loops: l3
            .iter()
            .map(|&(si, di)| {
                let id = dev_id(t, (si, di));
                LoopReq {
                    kept: kept.loop4.get(&id).map(|p| from_v4(*p)),
                    device: id,
                    span: t.sites[si].devices[di].span,
                }
            })
            .collect(),
        wan: match a.wan {
            Some(w) => PoolSrc::Explicit(from_v4(w), a.spans.wan.unwrap_or_default()),
            None => PoolSrc::Carved {
                kept: kept.wan.map(from_v4),
                default_len: default_carve_len(a.ipv4.prefix_len()),
            },
        },
        lo: match a.loopbacks {
            Some(w) => PoolSrc::Explicit(from_v4(w), a.spans.loopbacks.unwrap_or_default()),
            None => PoolSrc::Carved {
                kept: kept.loopbacks.map(from_v4),
                default_len: default_carve_len(a.ipv4.prefix_len()),
            },
        },
        p2p_len,
        loop_len: 32,
        roomy: roomy_v4,
    }
}

/// What the IPv6 allocator is asked (a /64 per segment, link and loopback).
pub(super) fn v6_request(
    t: &Topology,
    kept: &Kept,
    kept_links: &[Option<&KeptLink>],
    l3: &[(usize, usize)],
    pool6: Ipv6Net,
) -> Result<FamReq, Vec<Diagnostic>> {
    let a = &t.addressing;
    if pool6.prefix_len() > 62 {
        return Err(vec![
                Diagnostic::error(
                    a.spans.ipv6.or(Some(a.spans.ipv4)),
                    format!(
                        "addressing.ipv6 {pool6} is too small: segments take a /64 each, and links and loopbacks a /64 each"
                    ),
                )
                .with_hint("use a /48 (or at least a /60)"),
            ]);
    }
    let req = FamReq {
        fam: Fam::V6,
        pool_name: "addressing.ipv6",
        pool: from_v6(pool6),
        pool_span: a.spans.ipv6.unwrap_or_default(),
        reserves: a
            .reserve
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r {
                IpNet::V6(n) => Some(Pin {
                    block: from_v6(*n),
                    span: a.spans.reserve.get(i).copied(),
                }),
                IpNet::V4(_) => None,
            })
            .collect(),
        sites: t
            .sites
            .iter()
            .map(|s| SiteReq {
                name: s.name.clone(),
                span: s.span,
                pin: s.prefix6.map(|p| Pin {
                    block: from_v6(p),
                    span: Some(s.span),
                }),
                kept: kept.site6.get(&s.name).map(|p| from_v6(*p)),
                segs: s
                    .segments
                    .iter()
                    .map(|g| {
                        let id = format!("{}.{}", s.name, g.name);
                        SegReq {
                            kept: kept.seg6.get(&id).map(|p| from_v6(*p)),
                            id,
                            len: g.prefix6.map_or(64, |p| p.prefix_len()),
                            pin: g.prefix6.map(|p| Pin {
                                block: from_v6(p),
                                span: Some(g.span),
                            }),
                        }
                    })
                    .collect(),
            })
            .collect(),
        links: t
            .links
            .iter()
            .enumerate()
            .map(|(i, l)| LinkReq {
                what: link_what(t, i),
                span: l.span,
                pin: None,
                kept: kept_links[i].and_then(|k| k.prefix6).map(from_v6),
            })
            .collect(),
        loops: l3
            .iter()
            .map(|&(si, di)| {
                let id = dev_id(t, (si, di));
                LoopReq {
                    kept: kept.loop6.get(&id).map(|p| from_v6(*p)),
                    device: id,
                    span: t.sites[si].devices[di].span,
                }
            })
            .collect(),
        wan: PoolSrc::Carved {
            kept: kept.wan6.map(from_v6),
            default_len: 64,
        },
        lo: PoolSrc::Carved {
            kept: kept.loopbacks6.map(from_v6),
            default_len: 64,
        },
        p2p_len: 127,
        loop_len: 128,
        roomy: roomy_v6,
    };
    Ok(req)
}
