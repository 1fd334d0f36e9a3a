//! The addressing planner: a checked topology (and optionally the previous plan) in,
//! every address of the plan out. Routing is filled afterwards by `routing::fill`.
//!
//! Decisions (see the crate README for the why):
//! - Site blocks: the segments of a site packed largest first need a block of
//!   `2^k` addresses; a site gets twice that, and at least a /24, when the pool has
//!   room ("room to grow", so that a site can take new segments without moving), or
//!   exactly `2^k` otherwise. Sites are placed in file order at the lowest free
//!   aligned place, after pinned sites, sites with pinned segments and kept sites.
//! - IPv6: every segment a /64; a site a nibble-aligned block of twice its /64s
//!   (at least a /60); links /127 from the last /64 of the pool, loopbacks /128 from
//!   the /64 before it.
//! - Carved IPv4 pools (no `addressing.wan` / `addressing.loopbacks`): the WAN pool
//!   is the highest free block of 1/256 of the pool (a /16 of a /8, at most a /24,
//!   at least 1/4), loopbacks the highest free block of the same size below it;
//!   either is made larger when the things it must hold do not fit. Both are taken
//!   before sites, so adding sites never moves them; `--keep` reuses them.

mod alloc;
mod requests;
pub(crate) mod space;

use std::collections::{BTreeSet, HashMap};
use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use netkit_model::{Diagnostic, Topology};

use crate::keep::{Kept, KeptLink};
use crate::{
    DevicePlan, DnsPlan, DnsRecord, InterfacePlan, InternetPlan, LinkPlan, NamedHostPlan,
    PLAN_FORMAT, Plan, Pools, SegmentPlan, SitePlan, SnmpPlan, default_cost,
};
use alloc::{FamOut, FamReq, LinkReq, LoopReq, Pin, PoolSrc, SegReq, SiteReq};
use requests::{v4_request, v6_request};
use space::{Block, Fam, from_v4, from_v6, to_v4, to_v6, v4_addr, v6_addr};

/// The internet uplink of the edge device: TEST-NET-3 (RFC 5737), the upstream
/// (the provider's side) on `.1`, the edge on `.2`.
pub const UPLINK_PREFIX: Ipv4Net = match Ipv4Net::new(Ipv4Addr::new(203, 0, 113, 0), 24) {
    Ok(n) => n,
    Err(_) => panic!("valid prefix"),
};
pub const UPSTREAM_ADDRESS: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);
pub const EDGE_ADDRESS: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 2);
/// Interface name of the edge's uplink.
pub const UPLINK_INTERFACE: &str = "uplink";

/// Addresses in a segment sized for `sized_for` hosts plus the gateway. A segment is a
/// LAN: it always keeps its network and broadcast addresses, so it is at most a /30
/// (/31 and /32 are for point-to-point links and loopbacks, RFC 3021).
fn segment_len(sized_for: u64, max_offset: u32) -> u8 {
    let need = sized_for.saturating_add(1);
    let mut len = 30u8;
    loop {
        let size = 1u64 << (32 - len);
        let usable = size - 2;
        // A named host may take any offset up to the last usable address (SPEC).
        let offsets_ok = max_offset == 0 || size >= u64::from(max_offset) + 2;
        if (usable >= need && offsets_ok) || len == 0 {
            return len;
        }
        len -= 1;
    }
}

/// Usable host addresses of an IPv4 prefix length (gateway included).
pub fn usable(len: u8) -> u64 {
    match len {
        32 => 1,
        31 => 2,
        l => (1u64 << (32 - u32::from(l.min(32)))) - 2,
    }
}

/// `ceil(hosts × (1 + growth))`.
pub fn sized_for(hosts: u32, growth_percent: u32) -> u64 {
    // In u128: hosts and growth both near u32::MAX overflow a u64 product.
    let n = (u128::from(hosts) * (100 + u128::from(growth_percent))).div_ceil(100);
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Default length of a carved IPv4 pool (WAN or loopbacks) for a pool of length `p`.
fn default_carve_len(p: u8) -> u8 {
    (p + 8).min(24).max(p + 2).min(32)
}

fn roomy_v4(tight: u8) -> u8 {
    tight.saturating_sub(1).min(24)
}

fn roomy_v6(tight: u8) -> u8 {
    ((tight.saturating_sub(1) / 4) * 4).min(60)
}

struct Names {
    /// Device id -> (site index, device index).
    devices: HashMap<String, (usize, usize)>,
}

/// The two usable addresses of a link prefix: /31 and /127 use both addresses
/// (RFC 3021, RFC 6164), longer-lived /30 the first two after the network address.
fn link_ends(fam: Fam, b: Block) -> (u128, u128) {
    if fam.mask(b.len) <= 1 {
        (b.start, b.start + fam.mask(b.len))
    } else {
        (b.start + 1, b.start + 2)
    }
}

pub(crate) fn address(t: &Topology, previous: Option<&Plan>) -> Result<Plan, Vec<Diagnostic>> {
    let kept = previous.map(Kept::from_plan).unwrap_or_default();
    let a = &t.addressing;
    let mut errors: Vec<Diagnostic> = Vec::new();
    // References the planner relies on (the model checks them too; a hand-built
    // topology may not have been checked), then the size of every segment.
    let refs = references(t, &mut errors);
    let (seg_sized, seg_len4) = segment_sizes(t, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let link_ids: Vec<(String, String, crate::keep::LinkAttrs)> = t
        .links
        .iter()
        .map(|l| {
            (
                l.a.clone(),
                l.b.clone(),
                (
                    l.bandwidth_bps,
                    l.cost.unwrap_or_else(|| default_cost(l.bandwidth_bps)),
                    l.description.clone(),
                ),
            )
        })
        .collect();
    let kept_links = kept.match_links(&link_ids);
    let l3 = layer3_devices(t);
    // IPv4, then IPv6.
    let p2p_len = if a.p2p_prefix == 30 { 30 } else { 31 };
    let v4 = alloc::allocate(&v4_request(t, &kept, &kept_links, &seg_len4, &l3, p2p_len))?;
    let v6 = match a.ipv6 {
        None => None,
        Some(pool6) => Some(alloc::allocate(&v6_request(
            t,
            &kept,
            &kept_links,
            &l3,
            pool6,
        )?)?),
    };
    let if_names = interface_names(t, &kept_links, &refs.link_devs);
    let links = link_plans(t, &v4, v6.as_ref(), &kept_links, &refs.link_devs, &if_names);
    let sites = site_plans(t, &v4, v6.as_ref(), &refs.gateways, &seg_sized);
    let devices = device_plans(t, &v4, v6.as_ref(), &l3, &refs, &links, &sites);
    let internet = t.internet.as_ref().map(|inet| InternetPlan {
        edge: inet.edge.clone(),
        uplink_prefix: UPLINK_PREFIX,
        edge_address: EDGE_ADDRESS,
        upstream_address: UPSTREAM_ADDRESS,
        edge_interface: UPLINK_INTERFACE.to_string(),
    });
    let dns = dns_plan(t, refs.dns_server, &devices, &sites);
    let snmp = t.snmp.as_ref().map(|s| SnmpPlan {
        version: s.version,
        community: s.community.clone(),
        user: s.user.clone(),
        auth_protocol: s.auth_protocol.clone(),
        auth_password: s.auth_password.clone(),
        priv_protocol: s.priv_protocol.clone(),
        priv_password: s.priv_password.clone(),
    });
    Ok(Plan {
        format: PLAN_FORMAT.to_string(),
        name: t.name.clone(),
        description: t.description.clone(),
        routing: t.routing,
        pools: Pools {
            ipv4: a.ipv4,
            ipv6: a.ipv6,
            wan: to_v4(v4.wan),
            loopbacks: to_v4(v4.lo),
            wan6: v6.as_ref().map(|v| to_v6(v.wan)),
            loopbacks6: v6.as_ref().map(|v| to_v6(v.lo)),
            p2p_prefix: p2p_len,
            growth_percent: a.growth_percent,
            reserve: a.reserve.clone(),
        },
        sites,
        devices,
        links,
        routes: Default::default(),
        filters: Default::default(),
        ospf: None,
        internet,
        dns,
        snmp,
        layer2: Default::default(),
    })
}

/// The (site, device) of each end of a link.
type LinkEnds = ((usize, usize), (usize, usize));

/// What the steps below need of the topology's references, by index.
struct Refs {
    /// Per site, per segment: the index of its gateway device in the site.
    gateways: Vec<Vec<usize>>,
    /// Per link: the (site, device) of each end.
    link_devs: Vec<LinkEnds>,
    /// The (site, device) of the internet edge.
    edge: Option<(usize, usize)>,
    /// The (site, segment, named host) of the DNS server.
    dns_server: Option<(usize, usize, usize)>,
}

/// Gateways, link ends, the internet edge and the DNS server, resolved to indexes.
fn references(t: &Topology, errors: &mut Vec<Diagnostic>) -> Refs {
    let mut names = Names {
        devices: HashMap::new(),
    };
    for (si, s) in t.sites.iter().enumerate() {
        for (di, d) in s.devices.iter().enumerate() {
            names
                .devices
                .insert(format!("{}.{}", s.name, d.name), (si, di));
        }
    }
    let mut gateways: Vec<Vec<usize>> = Vec::new();
    for s in &t.sites {
        let mut row = Vec::new();
        for g in &s.segments {
            let found = match &g.gateway {
                Some(name) => s.devices.iter().position(|d| &d.name == name),
                None => s.devices.iter().position(|d| d.kind.is_layer3()),
            };
            match found {
                Some(di) if s.devices[di].kind.is_layer3() => row.push(di),
                Some(di) => {
                    errors.push(
                        Diagnostic::error(
                            g.span,
                            format!(
                                "segment {}.{} is routed by {}.{}, a {} that cannot route",
                                s.name, g.name, s.name, s.devices[di].name, s.devices[di].kind
                            ),
                        )
                        .with_hint("set `gateway` to a router, l3-switch or firewall of the site"),
                    );
                    row.push(0);
                }
                None => {
                    errors.push(
                        Diagnostic::error(
                            g.span,
                            match &g.gateway {
                                Some(name) => format!(
                                    "segment {}.{} names gateway `{name}`, which is not a device of site {}",
                                    s.name, g.name, s.name
                                ),
                                None => format!(
                                    "segment {}.{} has no gateway: site {} has no router, l3-switch or firewall",
                                    s.name, g.name, s.name
                                ),
                            },
                        )
                        .with_hint("add a layer-3 device to the site or set the segment's `gateway`"),
                    );
                    row.push(0);
                }
            }
        }
        gateways.push(row);
    }
    let mut link_devs: Vec<((usize, usize), (usize, usize))> = Vec::new();
    for (i, l) in t.links.iter().enumerate() {
        let mut end = |id: &str| -> Option<(usize, usize)> {
            match names.devices.get(id) {
                None => {
                    errors.push(
                        Diagnostic::error(
                            l.span,
                            format!(
                                "link {i} ({} - {}) names `{id}`, which is not a device",
                                l.a, l.b
                            ),
                        )
                        .with_hint("write the device id as site.device"),
                    );
                    None
                }
                Some(&(si, di)) if !t.sites[si].devices[di].kind.is_layer3() => {
                    errors.push(
                        Diagnostic::error(
                            l.span,
                            format!(
                                "link {i} ({} - {}) ends on {id}, a {}: point-to-point links join routers, l3-switches and firewalls",
                                l.a, l.b, t.sites[si].devices[di].kind
                            ),
                        )
                        .with_hint("attach layer-2 devices to a segment instead of a link"),
                    );
                    None
                }
                Some(&x) => Some(x),
            }
        };
        let ea = end(&l.a);
        let eb = end(&l.b);
        if let (Some(x), Some(y)) = (ea, eb) {
            if x == y {
                errors.push(
                    Diagnostic::error(l.span, format!("link {i} joins {} to itself", l.a))
                        .with_hint("a link joins two different devices"),
                );
            }
            link_devs.push((x, y));
        }
    }
    let edge = match &t.internet {
        Some(inet) => match names.devices.get(&inet.edge) {
            Some(&(si, di)) if t.sites[si].devices[di].kind.is_layer3() => Some((si, di)),
            _ => {
                errors.push(
                    Diagnostic::error(
                        inet.span,
                        format!(
                            "internet edge `{}` is not a router, l3-switch or firewall of the topology",
                            inet.edge
                        ),
                    )
                    .with_hint("set `internet.edge` to a layer-3 device id (site.device)"),
                );
                None
            }
        },
        None => None,
    };
    let mut dns_server = None;
    if let Some(dns) = &t.dns {
        let parts: Vec<&str> = dns.server.split('.').collect();
        let found = if parts.len() == 3 {
            t.sites.iter().enumerate().find_map(|(si, s)| {
                (s.name == parts[0]).then_some(())?;
                s.segments.iter().enumerate().find_map(|(gi, g)| {
                    (g.name == parts[1]).then_some(())?;
                    g.named
                        .iter()
                        .position(|n| n.name == parts[2])
                        .map(|ni| (si, gi, ni))
                })
            })
        } else {
            None
        };
        match found {
            Some(x) => dns_server = Some(x),
            None => errors.push(
                Diagnostic::error(
                    dns.span,
                    format!(
                        "DNS server `{}` is not a named host of the topology",
                        dns.server
                    ),
                )
                .with_hint("set `dns.server` to a named host id (site.segment.host)"),
            ),
        }
    }
    Refs {
        gateways,
        link_devs,
        edge,
        dns_server,
    }
}

/// Per site, per segment: the hosts it is sized for and its IPv4 prefix length.
fn segment_sizes(t: &Topology, errors: &mut Vec<Diagnostic>) -> (Vec<Vec<u64>>, Vec<Vec<u8>>) {
    let a = &t.addressing;
    let mut seg_sized: Vec<Vec<u64>> = Vec::new();
    let mut seg_len4: Vec<Vec<u8>> = Vec::new();
    for s in &t.sites {
        let mut sized_row = Vec::new();
        let mut len_row = Vec::new();
        for g in &s.segments {
            let sf = sized_for(g.hosts, a.growth_percent);
            let mut offsets = BTreeSet::new();
            for n in &g.named {
                if n.host <= 1 {
                    errors.push(
                        Diagnostic::error(
                            n.span,
                            format!(
                                "named host {}.{}.{} is at host {}, which is the {} of the segment",
                                s.name,
                                g.name,
                                n.name,
                                n.host,
                                if n.host == 0 {
                                    "network address"
                                } else {
                                    "gateway"
                                }
                            ),
                        )
                        .with_hint("use a host offset of 2 or more (the gateway takes 1)"),
                    );
                }
                if !offsets.insert(n.host) {
                    errors.push(
                        Diagnostic::error(
                            n.span,
                            format!(
                                "named host {}.{}.{} is at host {}, already taken by another named host of the segment",
                                s.name, g.name, n.name, n.host
                            ),
                        )
                        .with_hint("give each named host its own offset"),
                    );
                }
            }
            let max_offset = offsets.last().copied().unwrap_or(0);
            let need_len = segment_len(sf, max_offset);
            let len = match g.prefix {
                Some(p) => {
                    let l = p.prefix_len();
                    let size = 1u64 << (32 - u32::from(l));
                    if usable(l) < sf.saturating_add(1) {
                        errors.push(
                            Diagnostic::error(
                                g.prefix_span.or(Some(g.span)),
                                format!(
                                    "segment {}.{} is pinned to {p}, which has {} usable addresses, but it needs {} ({} hosts{} plus the gateway)",
                                    s.name,
                                    g.name,
                                    usable(l),
                                    sf.saturating_add(1),
                                    sf,
                                    if a.growth_percent > 0 {
                                        format!(" with {}% growth", a.growth_percent)
                                    } else {
                                        String::new()
                                    }
                                ),
                            )
                            .with_hint(format!("pin a /{need_len} or larger, or lower `hosts`")),
                        );
                    }
                    if max_offset > 0 && u64::from(max_offset) + 1 >= size {
                        errors.push(
                            Diagnostic::error(
                                g.prefix_span.or(Some(g.span)),
                                format!(
                                    "segment {}.{} is pinned to {p}, too small for its named host at offset {max_offset}",
                                    s.name, g.name
                                ),
                            )
                            .with_hint("pin a larger prefix or use smaller host offsets"),
                        );
                    }
                    l
                }
                None => need_len,
            };
            sized_row.push(sf);
            len_row.push(len);
        }
        seg_sized.push(sized_row);
        seg_len4.push(len_row);
    }
    (seg_sized, seg_len4)
}

/// The (site, device) of every layer-3 device, in topology order.
fn layer3_devices(t: &Topology) -> Vec<(usize, usize)> {
    t.sites
        .iter()
        .enumerate()
        .flat_map(|(si, s)| {
            s.devices
                .iter()
                .enumerate()
                .filter(|(_, d)| d.kind.is_layer3())
                .map(move |(di, _)| (si, di))
        })
        .collect()
}

fn dev_id(t: &Topology, (si, di): (usize, usize)) -> String {
    format!("{}.{}", t.sites[si].name, t.sites[si].devices[di].name)
}

fn link_what(t: &Topology, i: usize) -> String {
    format!("link {i} ({} - {})", t.links[i].a, t.links[i].b)
}

/// Interface names of link ends: kept names first, then the lowest free `ethN`
/// (N from 1) per device, in link order.
fn interface_names(
    t: &Topology,
    kept_links: &[Option<&KeptLink>],
    link_devs: &[LinkEnds],
) -> Vec<[Option<String>; 2]> {
    let mut used: HashMap<(usize, usize), BTreeSet<String>> = HashMap::new();
    let mut if_names: Vec<[Option<String>; 2]> = vec![[None, None]; t.links.len()];
    for (i, l) in t.links.iter().enumerate() {
        let Some(k) = kept_links[i] else {
            continue;
        };
        let (da, db) = link_devs[i];
        for (side, (dev, id)) in [(da, &l.a), (db, &l.b)].into_iter().enumerate() {
            if let Some(end) = k.end(id) {
                let name = &end.3;
                let set = used.entry(dev).or_default();
                let valid = !name.is_empty()
                    && name.len() <= 15
                    && name.starts_with("eth")
                    && !set.contains(name);
                if valid {
                    set.insert(name.clone());
                    if_names[i][side] = Some(name.clone());
                }
            }
        }
    }
    for (i, _) in t.links.iter().enumerate() {
        let (da, db) = link_devs[i];
        for (side, dev) in [da, db].into_iter().enumerate() {
            if if_names[i][side].is_some() {
                continue;
            }
            let set = used.entry(dev).or_default();
            let mut n = 1usize;
            let name = loop {
                let candidate = format!("eth{n}");
                if !set.contains(&candidate) {
                    break candidate;
                }
                n += 1;
            };
            set.insert(name.clone());
            if_names[i][side] = Some(name);
        }
    }
    if_names
}

/// The links: prefixes, the address of each end (kept on its side), interfaces.
fn link_plans(
    t: &Topology,
    v4: &FamOut,
    v6: Option<&FamOut>,
    kept_links: &[Option<&KeptLink>],
    link_devs: &[LinkEnds],
    if_names: &[[Option<String>; 2]],
) -> Vec<LinkPlan> {
    let fam4 = Fam::V4;
    let mut links: Vec<LinkPlan> = Vec::new();
    for (i, l) in t.links.iter().enumerate() {
        let b4 = v4.links[i];
        let (x, y) = link_ends(fam4, b4);
        let (mut aa, mut ba) = (v4_addr(x), v4_addr(y));
        let k = kept_links[i];
        // Keep each device on its side of the link if the ends were swapped.
        if let Some(k) = k
            && k.prefix == to_v4(b4)
            && k.end(&l.a).is_some_and(|e| e.1 == ba)
        {
            std::mem::swap(&mut aa, &mut ba);
        }
        let (p6, a6, b6) = match &v6 {
            Some(v6) => {
                let b = v6.links[i];
                let (x, y) = link_ends(Fam::V6, b);
                let (mut a6, mut b6) = (v6_addr(x), v6_addr(y));
                if let Some(k) = k
                    && k.prefix6 == Some(to_v6(b))
                    && k.end(&l.a).is_some_and(|e| e.2 == Some(b6))
                {
                    std::mem::swap(&mut a6, &mut b6);
                }
                (Some(to_v6(b)), Some(a6), Some(b6))
            }
            None => (None, None, None),
        };
        let (da, db) = link_devs[i];
        links.push(LinkPlan {
            id: i,
            a: l.a.clone(),
            b: l.b.clone(),
            prefix: to_v4(b4),
            a_address: aa,
            b_address: ba,
            bandwidth_bps: l.bandwidth_bps,
            cost: l.cost.unwrap_or_else(|| default_cost(l.bandwidth_bps)),
            a_interface: if_names[i][0].clone().unwrap_or_default(),
            b_interface: if_names[i][1].clone().unwrap_or_default(),
            wan: da.0 != db.0,
            prefix6: p6,
            a_address6: a6,
            b_address6: b6,
            description: l.description.clone(),
            targets: l.targets,
        });
    }
    links
}

fn fqdn(t: &Topology, host: &str, site: &str) -> Option<String> {
    t.dns
        .as_ref()
        .map(|d| format!("{host}.{site}.{}", d.domain))
}

/// Sites and their segments: prefixes, gateways, interfaces, named hosts.
fn site_plans(
    t: &Topology,
    v4: &FamOut,
    v6: Option<&FamOut>,
    gateways: &[Vec<usize>],
    seg_sized: &[Vec<u64>],
) -> Vec<SitePlan> {
    let mut sites: Vec<SitePlan> = Vec::new();
    for (si, s) in t.sites.iter().enumerate() {
        let mut segments = Vec::new();
        let mut seg_if_used: BTreeSet<String> = BTreeSet::new();
        for (gi, g) in s.segments.iter().enumerate() {
            let b4 = v4.segs[si][gi];
            let prefix = to_v4(b4);
            let net = u32::from(prefix.network());
            let gw_dev = &s.devices[gateways[si][gi]];
            let p6 = v6.as_ref().map(|v| to_v6(v.segs[si][gi]));
            let mut ifname = format!("vlan{}", g.vlan);
            let mut n = 2;
            while !seg_if_used.insert(format!("{}/{ifname}", gw_dev.name)) {
                ifname = format!("vlan{}-{n}", g.vlan);
                n += 1;
            }
            segments.push(SegmentPlan {
                id: format!("{}.{}", s.name, g.name),
                vlan: g.vlan,
                hosts: g.hosts,
                prefix,
                gateway: Ipv4Addr::from(net.wrapping_add(if b4.len >= 31 { 0 } else { 1 })),
                gateway_device: format!("{}.{}", s.name, gw_dev.name),
                isolated: g.isolated,
                site: s.name.clone(),
                name: g.name.clone(),
                description: g.description.clone(),
                sized_for: u32::try_from(seg_sized[si][gi]).unwrap_or(u32::MAX),
                usable: usable(b4.len),
                prefix6: p6,
                gateway6: p6.map(|p| v6_addr(u128::from(p.network()) + 1)),
                interface: ifname,
                named: g
                    .named
                    .iter()
                    .map(|n| NamedHostPlan {
                        id: format!("{}.{}.{}", s.name, g.name, n.name),
                        name: n.name.clone(),
                        address: Ipv4Addr::from(net.wrapping_add(n.host)),
                        address6: p6.map(|p| v6_addr(u128::from(p.network()) + u128::from(n.host))),
                        services: n.services.clone(),
                        fqdn: fqdn(t, &n.name, &s.name),
                    })
                    .collect(),
            });
        }
        sites.push(SitePlan {
            name: s.name.clone(),
            location: s.location.clone(),
            description: s.description.clone(),
            prefix: to_v4(v4.sites[si]),
            prefix6: v6.as_ref().map(|v| to_v6(v.sites[si])),
            segments,
        });
    }
    sites
}

/// Devices: loopbacks and interfaces (link ends, segment gateways, the uplink).
fn device_plans(
    t: &Topology,
    v4: &FamOut,
    v6: Option<&FamOut>,
    l3: &[(usize, usize)],
    refs: &Refs,
    links: &[LinkPlan],
    sites: &[SitePlan],
) -> Vec<DevicePlan> {
    let (gateways, link_devs, edge) = (&refs.gateways, &refs.link_devs, refs.edge);
    let mut loop_of: HashMap<(usize, usize), usize> = HashMap::new();
    for (i, &d) in l3.iter().enumerate() {
        loop_of.insert(d, i);
    }
    // Link ends per device, in link order.
    let mut links_of: HashMap<(usize, usize), Vec<(usize, usize)>> = HashMap::new();
    for (i, &(da, db)) in link_devs.iter().enumerate() {
        links_of.entry(da).or_default().push((i, 0));
        links_of.entry(db).or_default().push((i, 1));
    }
    let mut devices = Vec::new();
    for (si, s) in t.sites.iter().enumerate() {
        for (di, d) in s.devices.iter().enumerate() {
            let id = format!("{}.{}", s.name, d.name);
            let mut interfaces = Vec::new();
            let li = loop_of.get(&(si, di)).copied();
            if li.is_some() {
                for &(i, side) in links_of.get(&(si, di)).map_or(&[][..], |v| &v[..]) {
                    let link = &links[i];
                    {
                        let (addr, addr6, name, peer) = if side == 0 {
                            (link.a_address, link.a_address6, &link.a_interface, &link.b)
                        } else {
                            (link.b_address, link.b_address6, &link.b_interface, &link.a)
                        };
                        interfaces.push(InterfacePlan {
                            name: name.clone(),
                            address: Ipv4Net::new(addr, link.prefix.prefix_len())
                                .unwrap_or_default(),
                            link: Some(i),
                            segment: None,
                            address6: match (addr6, link.prefix6) {
                                (Some(a6), Some(p6)) => Ipv6Net::new(a6, p6.prefix_len()).ok(),
                                _ => None,
                            },
                            peer: Some(peer.clone()),
                            vlan: None,
                            bandwidth_bps: link.bandwidth_bps,
                        });
                    }
                }
                for (gi, seg) in sites[si].segments.iter().enumerate() {
                    if gateways[si][gi] != di {
                        continue;
                    }
                    interfaces.push(InterfacePlan {
                        name: seg.interface.clone(),
                        address: Ipv4Net::new(seg.gateway, seg.prefix.prefix_len())
                            .unwrap_or_default(),
                        link: None,
                        segment: Some(seg.id.clone()),
                        address6: match (seg.gateway6, seg.prefix6) {
                            (Some(g6), Some(p6)) => Ipv6Net::new(g6, p6.prefix_len()).ok(),
                            _ => None,
                        },
                        peer: None,
                        vlan: Some(seg.vlan),
                        bandwidth_bps: None,
                    });
                }
                if edge == Some((si, di)) {
                    interfaces.push(InterfacePlan {
                        name: UPLINK_INTERFACE.to_string(),
                        address: Ipv4Net::new(EDGE_ADDRESS, UPLINK_PREFIX.prefix_len())
                            .unwrap_or_default(),
                        link: None,
                        segment: None,
                        address6: None,
                        peer: Some("internet".to_string()),
                        vlan: None,
                        bandwidth_bps: None,
                    });
                }
            }
            devices.push(DevicePlan {
                id,
                kind: d.kind,
                loopback: li.map(|i| to_v4(v4.loops[i])),
                loopback6: li.and_then(|i| v6.as_ref().map(|v| to_v6(v.loops[i]))),
                interfaces,
                site: s.name.clone(),
                name: d.name.clone(),
                description: d.description.clone(),
                model: d.model.clone(),
                fqdn: fqdn(t, &d.name, &s.name),
            });
        }
    }
    devices
}

/// Records for every device (loopbacks) and named host, when the topology has `dns`.
fn dns_plan(
    t: &Topology,
    dns_server: Option<(usize, usize, usize)>,
    devices: &[DevicePlan],
    sites: &[SitePlan],
) -> Option<DnsPlan> {
    match (&t.dns, dns_server) {
        (Some(d), Some((si, gi, ni))) => {
            let mut records: Vec<DnsRecord> = Vec::new();
            for dev in devices {
                let Some(name) = &dev.fqdn else { continue };
                if let Some(l) = dev.loopback {
                    records.push(DnsRecord {
                        name: name.clone(),
                        address: l.addr().into(),
                    });
                }
                if let Some(l) = dev.loopback6 {
                    records.push(DnsRecord {
                        name: name.clone(),
                        address: l.addr().into(),
                    });
                }
            }
            for seg in sites.iter().flat_map(|s| &s.segments) {
                for n in &seg.named {
                    let Some(name) = &n.fqdn else { continue };
                    records.push(DnsRecord {
                        name: name.clone(),
                        address: n.address.into(),
                    });
                    if let Some(a6) = n.address6 {
                        records.push(DnsRecord {
                            name: name.clone(),
                            address: a6.into(),
                        });
                    }
                }
            }
            records.sort_by(|x, y| (&x.name, x.address).cmp(&(&y.name, y.address)));
            records.dedup();
            Some(DnsPlan {
                domain: d.domain.clone(),
                server: d.server.clone(),
                server_address: sites[si].segments[gi].named[ni].address,
                records,
            })
        }
        _ => None,
    }
}
