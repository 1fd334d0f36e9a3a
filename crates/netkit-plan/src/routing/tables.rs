//! Routing tables: one shortest-path tree per layer-3 device (Dijkstra over the links,
//! cost = the plan's `LinkPlan.cost`), every equal-cost first hop kept (ECMP), and one
//! summary route per remote site block whenever that is provably the same forwarding.
//!
//! Why the summary test is safe: a site block `P` is summarized on device `s` only when
//! every allocated prefix of the whole plan that overlaps `P` (segments of any site,
//! loopbacks, link prefixes, the internet uplink) is remote from `s` and reached from `s`
//! through exactly the same set of next hops. Then every allocated address inside `P`
//! is forwarded by the summary exactly as its own route would have forwarded it, and
//! prefixes that overlap `P` but live elsewhere forbid the summary. Prefixes inside
//! `P` are then dropped from the table (they are covered); everything else keeps its
//! own route, which longest-prefix match prefers anyway.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use netkit_model::{Diagnostic, RoutingMode, Topology};

use crate::{InternetPlan, Plan, Route, RouteKind};

/// Cost given to a link whose plan cost is 0: OSPF's smallest interface cost. A zero
/// cost would let equal-cost cycles form; the addressing planner never emits one.
const MIN_COST: u64 = 1;

/// OSPF's largest interface cost (16 bits). With `routing: ospf` a larger link cost
/// (a derived cost below 1.5 Mbit/s) is what OSPF can configure: 65,535.
pub(super) const OSPF_MAX_COST: u32 = 65_535;

/// The cost routing uses for a link: at least 1, and at most [`OSPF_MAX_COST`] in
/// OSPF plans, so that the expected tables are what OSPF computes.
pub(super) fn effective_cost(cost: u32, ospf: bool) -> u64 {
    let c = if ospf { cost.min(OSPF_MAX_COST) } else { cost };
    u64::from(c).max(MIN_COST)
}

/// OSPF cost of a passive segment interface (a stub network in the router LSA). Used
/// for the metrics of the expected OSPF tables and by the OSPF design.
pub(super) const OSPF_SEGMENT_COST: u32 = 1;

/// OSPFv3 cost of the loopback (FRR's ospf6d advertises the loopback's /128 with its
/// interface cost; the configurations set it to this).
pub(super) const OSPF6_LOOPBACK_COST: u32 = 1;

/// Name of the loopback interface on every layer-3 device.
pub(super) const LOOPBACK_INTERFACE: &str = "lo";

/// The layer-3 graph: one node per layer-3 device, one edge per link direction.
pub(super) struct Graph<'a> {
    pub nodes: Vec<&'a str>,
    pub index: HashMap<&'a str, usize>,
    pub adj: Vec<Vec<Edge<'a>>>,
}

pub(super) struct Edge<'a> {
    pub to: usize,
    pub cost: u64,
    /// Index in `adj[to]` of the same link seen from the other end.
    pub rev: usize,
    /// Local interface name.
    pub interface: &'a str,
    pub next_hop4: Ipv4Addr,
    pub next_hop6: Option<Ipv6Addr>,
}

impl<'a> Graph<'a> {
    pub fn new(plan: &'a Plan) -> Graph<'a> {
        let ospf = plan.routing == RoutingMode::Ospf;
        let nodes: Vec<&str> = plan.routers().map(|d| d.id.as_str()).collect();
        let index: HashMap<&str, usize> = nodes.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let mut adj: Vec<Vec<Edge>> = (0..nodes.len()).map(|_| Vec::new()).collect();
        for l in &plan.links {
            let (Some(&a), Some(&b)) = (index.get(l.a.as_str()), index.get(l.b.as_str())) else {
                continue;
            };
            if a == b {
                continue;
            }
            let cost = effective_cost(l.cost, ospf);
            let (ia, ib) = (adj[a].len(), adj[b].len());
            adj[a].push(Edge {
                to: b,
                cost,
                rev: ib,
                interface: &l.a_interface,
                next_hop4: l.b_address,
                next_hop6: l.b_address6,
            });
            adj[b].push(Edge {
                to: a,
                cost,
                rev: ia,
                interface: &l.b_interface,
                next_hop4: l.a_address,
                next_hop6: l.a_address6,
            });
        }
        Graph { nodes, index, adj }
    }
}

/// A shortest-path tree from one source, with the set of first hops (edges of the
/// source) that start some least-cost path to each node.
pub(super) struct Spt {
    pub dist: Vec<u64>,
    /// Words per node in `hops`.
    words: usize,
    /// Bit `k` of node `v`'s row: edge `adj[src][k]` starts a least-cost path to `v`.
    hops: Vec<u64>,
    order: Vec<usize>,
    heap: BinaryHeap<Reverse<(u64, usize)>>,
}

impl Spt {
    pub fn new() -> Spt {
        Spt {
            dist: Vec::new(),
            words: 1,
            hops: Vec::new(),
            order: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Dijkstra from `src`, then first-hop sets in settling order. Costs are at
    /// least 1, so every predecessor on a least-cost path settles before its
    /// successor and one pass in that order is exact.
    pub fn run(&mut self, g: &Graph, src: usize) {
        let n = g.nodes.len();
        self.dist.clear();
        self.dist.resize(n, u64::MAX);
        self.order.clear();
        self.heap.clear();
        self.words = g.adj[src].len().div_ceil(64).max(1);
        self.hops.clear();
        self.hops.resize(n * self.words, 0);
        self.dist[src] = 0;
        self.heap.push(Reverse((0, src)));
        let mut settled = vec![false; n];
        while let Some(Reverse((d, u))) = self.heap.pop() {
            if settled[u] || d > self.dist[u] {
                continue;
            }
            settled[u] = true;
            self.order.push(u);
            for e in &g.adj[u] {
                let nd = d + e.cost;
                if nd < self.dist[e.to] {
                    self.dist[e.to] = nd;
                    self.heap.push(Reverse((nd, e.to)));
                }
            }
        }
        let w = self.words;
        for &u in self.order.iter().skip(1) {
            for e in &g.adj[u] {
                let p = e.to;
                if self.dist[p] == u64::MAX || self.dist[p] + e.cost != self.dist[u] {
                    continue;
                }
                if p == src {
                    let k = e.rev;
                    self.hops[u * w + k / 64] |= 1 << (k % 64);
                } else {
                    for j in 0..w {
                        let x = self.hops[p * w + j];
                        self.hops[u * w + j] |= x;
                    }
                }
            }
        }
    }

    pub fn hops(&self, v: usize) -> &[u64] {
        &self.hops[v * self.words..(v + 1) * self.words]
    }
}

/// Something that can be routed to: a prefix, the devices that own it (with the
/// extra cost of reaching it from there) and, for connected routes, their interface.
struct Dest<'a> {
    prefix: IpNet,
    owners: Vec<Owner<'a>>,
    describes: String,
    /// Routed from devices that do not own it (links are only in OSPF mode).
    routed: bool,
}

struct Owner<'a> {
    node: usize,
    extra: u64,
    interface: &'a str,
}

/// Best cost and first-hop set from the current source to a destination.
struct Reach {
    cost: u64,
    hops: Vec<u64>,
}

impl Reach {
    fn new() -> Reach {
        Reach {
            cost: 0,
            hops: Vec::new(),
        }
    }
}

/// Fill `out` with the best cost and first hops from the current source to `d`;
/// false when `d` cannot be reached. Reuses `out`'s buffer (this runs for every
/// destination of every device).
fn reach(spt: &Spt, d: &Dest, out: &mut Reach) -> bool {
    let Some(best) = d
        .owners
        .iter()
        .filter(|o| spt.dist[o.node] != u64::MAX)
        .map(|o| spt.dist[o.node] + o.extra)
        .min()
    else {
        return false;
    };
    out.cost = best;
    out.hops.clear();
    out.hops.resize(spt.words, 0);
    for o in &d.owners {
        if spt.dist[o.node] != u64::MAX && spt.dist[o.node] + o.extra == best {
            for (h, x) in out.hops.iter_mut().zip(spt.hops(o.node)) {
                *h |= x;
            }
        }
    }
    true
}

fn metric(cost: u64) -> u32 {
    u32::try_from(cost).unwrap_or(u32::MAX)
}

/// Everything the tables of all devices share, computed once.
pub(super) struct Tables<'a> {
    g: Graph<'a>,
    dests: Vec<Dest<'a>>,
    site_blocks: Vec<SiteBlock>,
    /// Index in `plan.sites` of each node's site.
    node_site: Vec<usize>,
    edge: Option<(usize, &'a InternetPlan)>,
    ospf: bool,
    dual: bool,
}

/// The table of one layer-3 device (`None`: no such layer-3 device).
pub(super) fn compute_one(
    plan: &Plan,
    device: &str,
) -> Result<Option<Vec<Route>>, Vec<Diagnostic>> {
    let t = Tables::new(plan, None)?;
    let mut spt = Spt::new();
    Ok(t.g.index.get(device).map(|&src| t.table(src, &mut spt)))
}

impl<'a> Tables<'a> {
    pub(super) fn new(
        plan: &'a Plan,
        topology: Option<&Topology>,
    ) -> Result<Tables<'a>, Vec<Diagnostic>> {
        let g = Graph::new(plan);
        let n = g.nodes.len();
        let ospf = plan.routing == RoutingMode::Ospf;
        let mut errors = Vec::new();

        // Every layer-3 device must be joined to the others by links.
        let mut spt = Spt::new();
        if n > 0 {
            spt.run(&g, 0);
        }
        for (v, id) in g.nodes.iter().enumerate() {
            if spt.dist[v] == u64::MAX {
                let span = topology.and_then(|t| t.device(id)).map(|(_, d)| d.span);
                errors.push(
                Diagnostic::error(
                    span,
                    format!(
                        "layer-3 device {id} is not joined to {} by any chain of links, so no routing table can reach it",
                        g.nodes[0]
                    ),
                )
                .with_hint(format!("add a link between {id} and a device of the rest of the network under `links:`")),
            );
            }
        }
        let edge = match &plan.internet {
            Some(i) => match g.index.get(i.edge.as_str()) {
                Some(&e) => Some((e, i)),
                None => {
                    errors.push(
                        Diagnostic::error(
                            topology.and_then(|t| t.internet.as_ref()).map(|i| i.span),
                            format!("the internet edge {} is not a layer-3 device", i.edge),
                        )
                        .with_hint("set `internet.edge` to a router, l3-switch or firewall"),
                    );
                    None
                }
            },
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }

        let dests = destinations(plan, &g, ospf);
        // For each site with segments: the destinations overlapping its v4 and v6 blocks.
        let site_blocks = site_blocks(plan, &dests);
        Ok(Tables {
            dual: plan.pools.ipv6.is_some(),
            node_site: {
                let by_name: HashMap<&str, usize> = plan
                    .sites
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.name.as_str(), i))
                    .collect();
                plan.routers()
                    .map(|d| by_name.get(d.site.as_str()).copied().unwrap_or(usize::MAX))
                    .collect()
            },
            g,
            dests,
            site_blocks,
            edge,
            ospf,
        })
    }

    /// The layer-3 devices, in plan order (index = node).
    pub(super) fn nodes(&self) -> &[&'a str] {
        &self.g.nodes
    }

    /// The sorted table of node `src`.
    pub(super) fn table(&self, src: usize, spt: &mut Spt) -> Vec<Route> {
        let Tables {
            g,
            dests,
            site_blocks,
            node_site,
            edge,
            ospf,
            dual,
        } = self;
        let (g, dests, site_blocks, edge, ospf, dual) = (
            g,
            dests.as_slice(),
            site_blocks.as_slice(),
            *edge,
            *ospf,
            *dual,
        );
        spt.run(g, src);
        let src_site = node_site[src];
        let mut table: Vec<Route> = Vec::new();
        let mut covered = vec![false; dests.len()];
        let (mut common, mut other) = (Reach::new(), Reach::new());

        // Remote site summaries (static mode only: single-area OSPF does not summarize).
        if !ospf {
            for sb in site_blocks {
                if sb.site_index == src_site || sb.members.is_empty() {
                    continue;
                }
                let mut ok = true;
                for (k, &m) in sb.members.iter().enumerate() {
                    let d = &dests[m];
                    if d.owners.iter().any(|o| o.node == src) {
                        ok = false;
                        break;
                    }
                    let target = if k == 0 { &mut common } else { &mut other };
                    if !reach(spt, d, target) {
                        ok = false;
                        break;
                    }
                    if k > 0 {
                        if common.hops != other.hops {
                            ok = false;
                            break;
                        }
                        common.cost = common.cost.min(other.cost);
                    }
                }
                if !ok {
                    continue;
                }
                let c = &common;
                for &m in &sb.members {
                    if sb.block.contains(&dests[m].prefix) {
                        covered[m] = true;
                    }
                }
                push_via(
                    &mut table,
                    g,
                    src,
                    sb.block,
                    c,
                    RouteKind::Static,
                    &sb.describes,
                );
            }
        }

        for (i, d) in dests.iter().enumerate() {
            if let Some(o) = d.owners.iter().find(|o| o.node == src) {
                table.push(Route {
                    destination: d.prefix,
                    next_hop: None,
                    interface: o.interface.to_string(),
                    metric: 0,
                    kind: RouteKind::Connected,
                    describes: Some(d.describes.clone()),
                });
                continue;
            }
            if covered[i] || !d.routed {
                continue;
            }
            if reach(spt, d, &mut other) {
                push_via(
                    &mut table,
                    g,
                    src,
                    d.prefix,
                    &other,
                    RouteKind::Static,
                    &d.describes,
                );
            }
        }

        if let Some((e, inet)) = edge {
            let v4_default = IpNet::V4(Ipv4Net::default());
            let v6_default = IpNet::V6(Ipv6Net::default());
            if e == src {
                table.push(Route {
                    destination: v4_default,
                    next_hop: Some(IpAddr::V4(inet.upstream_address)),
                    interface: inet.edge_interface.clone(),
                    metric: 0,
                    kind: RouteKind::Default,
                    describes: Some("internet".to_string()),
                });
            } else if spt.dist[e] != u64::MAX {
                let r = Reach {
                    cost: spt.dist[e],
                    hops: spt.hops(e).to_vec(),
                };
                let what = format!("internet via {}", inet.edge);
                push_via(
                    &mut table,
                    g,
                    src,
                    v4_default,
                    &r,
                    RouteKind::Default,
                    &what,
                );
                if dual {
                    push_via(
                        &mut table,
                        g,
                        src,
                        v6_default,
                        &r,
                        RouteKind::Default,
                        &what,
                    );
                }
            }
        }

        sort_table(&mut table);
        // Tables of large networks are most of the plan's memory: no growth slack.
        table.shrink_to_fit();
        table
    }
}

/// Connected first, then by destination (IPv4 before IPv6), then by next hop.
pub(super) fn sort_table(table: &mut [Route]) {
    // Unstable is deterministic here: no two entries compare equal.
    table.sort_unstable_by(|a, b| {
        (a.kind != RouteKind::Connected)
            .cmp(&(b.kind != RouteKind::Connected))
            .then(a.destination.cmp(&b.destination))
            .then(a.next_hop.cmp(&b.next_hop))
            .then(a.interface.cmp(&b.interface))
    });
}

/// One route entry per first hop in `r.hops` (ECMP), for `prefix`'s address family.
fn push_via(
    table: &mut Vec<Route>,
    g: &Graph,
    src: usize,
    prefix: IpNet,
    r: &Reach,
    kind: RouteKind,
    describes: &str,
) {
    for (k, e) in g.adj[src].iter().enumerate() {
        if r.hops[k / 64] & (1 << (k % 64)) == 0 {
            continue;
        }
        let next_hop = match prefix {
            IpNet::V4(_) => Some(IpAddr::V4(e.next_hop4)),
            IpNet::V6(_) => e.next_hop6.map(IpAddr::V6),
        };
        let Some(next_hop) = next_hop else { continue };
        table.push(Route {
            destination: prefix,
            next_hop: Some(next_hop),
            interface: e.interface.to_string(),
            metric: metric(r.cost),
            kind,
            describes: Some(describes.to_string()),
        });
    }
}

/// Every destination of the network: segments, loopbacks, link prefixes, the uplink.
fn destinations<'a>(plan: &'a Plan, g: &Graph<'a>, ospf: bool) -> Vec<Dest<'a>> {
    let mut dests = Vec::new();
    let seg_extra = if ospf {
        u64::from(OSPF_SEGMENT_COST)
    } else {
        0
    };
    for s in plan.segments() {
        let Some(&node) = g.index.get(s.gateway_device.as_str()) else {
            continue;
        };
        let owner = || Owner {
            node,
            extra: seg_extra,
            interface: s.interface.as_str(),
        };
        dests.push(Dest {
            prefix: IpNet::V4(s.prefix),
            owners: vec![owner()],
            describes: s.id.clone(),
            routed: true,
        });
        if let Some(p6) = s.prefix6 {
            dests.push(Dest {
                prefix: IpNet::V6(p6),
                owners: vec![owner()],
                describes: s.id.clone(),
                routed: true,
            });
        }
    }
    for d in plan.routers() {
        let Some(&node) = g.index.get(d.id.as_str()) else {
            continue;
        };
        // OSPFv2 advertises a loopback with cost 0; OSPFv3 (FRR's ospf6d) with the
        // interface cost, which the configurations set to OSPF6_LOOPBACK_COST.
        let prefixes = [
            d.loopback.map(|p| (IpNet::V4(p), 0)),
            d.loopback6.map(|p| {
                (
                    IpNet::V6(p),
                    if ospf {
                        u64::from(OSPF6_LOOPBACK_COST)
                    } else {
                        0
                    },
                )
            }),
        ];
        for (p, extra) in prefixes.into_iter().flatten() {
            dests.push(Dest {
                prefix: p,
                owners: vec![Owner {
                    node,
                    extra,
                    interface: LOOPBACK_INTERFACE,
                }],
                describes: format!("loopback {}", d.id),
                routed: true,
            });
        }
    }
    for l in &plan.links {
        let (Some(&a), Some(&b)) = (g.index.get(l.a.as_str()), g.index.get(l.b.as_str())) else {
            continue;
        };
        // OSPF advertises a point-to-point link's subnet from both ends, each with its
        // interface cost.
        let extra = if ospf {
            effective_cost(l.cost, ospf)
        } else {
            0
        };
        let owners = || {
            vec![
                Owner {
                    node: a,
                    extra,
                    interface: l.a_interface.as_str(),
                },
                Owner {
                    node: b,
                    extra,
                    interface: l.b_interface.as_str(),
                },
            ]
        };
        let describes = format!("link {} {}-{}", l.id, l.a, l.b);
        dests.push(Dest {
            prefix: IpNet::V4(l.prefix),
            owners: owners(),
            describes: describes.clone(),
            routed: ospf,
        });
        if let Some(p6) = l.prefix6 {
            dests.push(Dest {
                prefix: IpNet::V6(p6),
                owners: owners(),
                describes,
                routed: ospf,
            });
        }
    }
    if let Some(i) = &plan.internet
        && let Some(&node) = g.index.get(i.edge.as_str())
    {
        dests.push(Dest {
            prefix: IpNet::V4(i.uplink_prefix),
            owners: vec![Owner {
                node,
                extra: 0,
                interface: i.edge_interface.as_str(),
            }],
            describes: "internet uplink".to_string(),
            routed: false,
        });
    }
    for d in &mut dests {
        d.prefix = d.prefix.trunc();
    }
    dests
}

struct SiteBlock {
    site_index: usize,
    /// `site NAME`, for the routes' `describes`.
    describes: String,
    block: IpNet,
    /// Destinations overlapping `block` (inside it, or containing it).
    members: Vec<usize>,
}

/// For every site block (v4 and v6) that holds at least one segment: which
/// destinations overlap it. Sorted lookups keep this near-linear for large plans.
fn site_blocks(plan: &Plan, dests: &[Dest]) -> Vec<SiteBlock> {
    let mut sorted: Vec<(IpNet, usize)> = dests
        .iter()
        .enumerate()
        .map(|(i, d)| (d.prefix, i))
        .collect();
    sorted.sort();
    let by_prefix: HashMap<IpNet, Vec<usize>> = {
        let mut m: HashMap<IpNet, Vec<usize>> = HashMap::new();
        for (p, i) in &sorted {
            m.entry(*p).or_default().push(*i);
        }
        m
    };
    let mut out = Vec::new();
    for (site_index, site) in plan.sites.iter().enumerate() {
        if site.segments.is_empty() {
            continue;
        }
        let blocks = [Some(IpNet::V4(site.prefix)), site.prefix6.map(IpNet::V6)];
        for block in blocks.into_iter().flatten() {
            let mut members = Vec::new();
            // Inside the block: prefixes whose network address falls in it.
            // Inside the block: prefixes whose network address falls in it, a run of
            // the list sorted by (family, address, length).
            let lo = IpNet::new(block.network(), 0).unwrap_or(block);
            let start = sorted.partition_point(|(p, _)| *p < lo);
            for (p, i) in &sorted[start..] {
                if !same_family(p, &block) || p.network() > block.broadcast() {
                    break;
                }
                members.push(*i);
            }
            // Containing the block: any supernet of it that is a destination.
            for len in 0..block.prefix_len() {
                if let Ok(sup) = IpNet::new(block.network(), len)
                    && let Some(v) = by_prefix.get(&sup.trunc())
                {
                    members.extend(v.iter().copied());
                }
            }
            members.sort_unstable();
            members.dedup();
            out.push(SiteBlock {
                site_index,
                describes: format!("site {}", site.name),
                block,
                members,
            });
        }
    }
    out
}

fn same_family(a: &IpNet, b: &IpNet) -> bool {
    matches!(
        (a, b),
        (IpNet::V4(_), IpNet::V4(_)) | (IpNet::V6(_), IpNet::V6(_))
    )
}
