//! Test helpers for the routing tests: topology builders and an independent forwarding
//! simulator. The simulator reads only the plan's JSON-level data (tables, links,
//! interfaces) and has its own Dijkstra: it shares no code with the planner.
#![allow(dead_code)] // Each test binary uses a different part of this module.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use netkit_model::{
    Addressing, AddressingSpans, Device, DeviceKind, Internet, Link, RoutingMode, Segment, Site,
    Span, Topology,
};
use netkit_plan::{Plan, RouteKind};

// ---------------------------------------------------------------- topology builders

pub fn topology(name: &str, routing: RoutingMode, v6: bool) -> Topology {
    Topology {
        name: name.to_string(),
        description: None,
        routing,
        addressing: Addressing {
            ipv4: "10.0.0.0/8".parse().unwrap(),
            ipv6: v6.then(|| "fd00:99::/48".parse().unwrap()),
            wan: Some("10.255.0.0/16".parse().unwrap()),
            loopbacks: Some("10.254.0.0/16".parse().unwrap()),
            p2p_prefix: 31,
            growth_percent: 0,
            reserve: Vec::new(),
            spans: AddressingSpans::default(),
        },
        sites: Vec::new(),
        links: Vec::new(),
        internet: None,
        dns: None,
        snmp: None,
        policies: Vec::new(),
    }
}

pub fn site(
    name: &str,
    devices: &[(&str, DeviceKind)],
    segments: &[(&str, u16, u32, Option<&str>)],
) -> Site {
    Site {
        name: name.to_string(),
        location: None,
        description: None,
        prefix: None,
        prefix6: None,
        devices: devices
            .iter()
            .map(|(n, k)| Device {
                name: n.to_string(),
                kind: *k,
                description: None,
                model: None,
                span: Span::default(),
            })
            .collect(),
        segments: segments
            .iter()
            .map(|(n, vlan, hosts, gw)| Segment {
                name: n.to_string(),
                vlan: *vlan,
                hosts: *hosts,
                description: None,
                prefix: None,
                prefix6: None,
                isolated: false,
                gateway: gw.map(str::to_string),
                named: Vec::new(),
                span: Span::default(),
                prefix_span: None,
            })
            .collect(),
        span: Span::default(),
        prefix_span: None,
        layer2: Default::default(),
    }
}

pub fn link(a: &str, b: &str, cost: Option<u32>, bandwidth_bps: Option<u64>) -> Link {
    Link {
        a: a.to_string(),
        b: b.to_string(),
        bandwidth_bps,
        cost,
        prefix: None,
        description: None,
        targets: Default::default(),
        span: Span::default(),
    }
}

pub fn internet(edge: &str) -> Internet {
    Internet {
        edge: edge.to_string(),
        span: Span::default(),
    }
}

/// The repository's example topology, parsed by the real parser.
pub fn acme_plan() -> Plan {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../inventories/acme.yaml");
    let text = std::fs::read(path).expect("inventories/acme.yaml is readable");
    let parsed = netkit_model::parse(&text);
    let topo = parsed
        .topology
        .unwrap_or_else(|| panic!("acme.yaml parses: {:?}", parsed.diagnostics));
    netkit_plan::plan(&topo, None).unwrap_or_else(|d| panic!("acme plans: {d:?}"))
}

// ---------------------------------------------------------------- the simulator

/// One direction of a link as the simulator sees it.
#[derive(Debug, Clone)]
struct Hop {
    from: String,
    to: String,
    interface: String,
    next_hops: Vec<IpAddr>,
    cost: u64,
}

pub struct Sim<'a> {
    plan: &'a Plan,
    /// Layer-3 device ids.
    routers: Vec<String>,
    hops: Vec<Hop>,
    /// Which device holds an address locally (interfaces, loopbacks).
    local: HashMap<IpAddr, String>,
}

/// Where a packet towards an address must end.
#[derive(Debug, Clone)]
pub struct Target {
    pub address: IpAddr,
    /// The device that must receive it (owner of the address, or the gateway of the
    /// segment it is in).
    pub device: String,
    /// For a host in a segment: the interface it must leave on, from a connected route.
    pub out_interface: Option<String>,
    pub what: String,
}

impl<'a> Sim<'a> {
    pub fn new(plan: &'a Plan) -> Sim<'a> {
        let routers: Vec<String> = plan
            .devices
            .iter()
            .filter(|d| d.kind.is_layer3())
            .map(|d| d.id.clone())
            .collect();
        let mut hops = Vec::new();
        for l in &plan.links {
            let cost = u64::from(l.cost.max(1));
            let mut nh_b = vec![IpAddr::V4(l.b_address)];
            nh_b.extend(l.b_address6.map(IpAddr::V6));
            let mut nh_a = vec![IpAddr::V4(l.a_address)];
            nh_a.extend(l.a_address6.map(IpAddr::V6));
            hops.push(Hop {
                from: l.a.clone(),
                to: l.b.clone(),
                interface: l.a_interface.clone(),
                next_hops: nh_b,
                cost,
            });
            hops.push(Hop {
                from: l.b.clone(),
                to: l.a.clone(),
                interface: l.b_interface.clone(),
                next_hops: nh_a,
                cost,
            });
        }
        let mut local = HashMap::new();
        for d in &plan.devices {
            for i in &d.interfaces {
                local.insert(IpAddr::V4(i.address.addr()), d.id.clone());
                if let Some(a6) = i.address6 {
                    local.insert(IpAddr::V6(a6.addr()), d.id.clone());
                }
            }
            if let Some(l) = d.loopback {
                local.insert(IpAddr::V4(l.addr()), d.id.clone());
            }
            if let Some(l) = d.loopback6 {
                local.insert(IpAddr::V6(l.addr()), d.id.clone());
            }
        }
        Sim {
            plan,
            routers,
            hops,
            local,
        }
    }

    pub fn routers(&self) -> &[String] {
        &self.routers
    }

    /// Least cost from every device to `to`, by a plain O(V²) Dijkstra over the links.
    pub fn distances_to(&self, to: &str) -> BTreeMap<String, u64> {
        let mut dist: BTreeMap<String, u64> = BTreeMap::new();
        let mut done: BTreeSet<String> = BTreeSet::new();
        dist.insert(to.to_string(), 0);
        loop {
            let next = dist
                .iter()
                .filter(|(k, _)| !done.contains(*k))
                .min_by_key(|(_, d)| **d)
                .map(|(k, d)| (k.clone(), *d));
            let Some((u, du)) = next else { break };
            done.insert(u.clone());
            for h in self.hops.iter().filter(|h| h.to == u) {
                let nd = du + h.cost;
                let e = dist.entry(h.from.clone()).or_insert(u64::MAX);
                if nd < *e {
                    *e = nd;
                }
            }
        }
        dist
    }

    /// Every address a packet should be able to reach: each segment's gateway and
    /// test host, each loopback (IPv4 and IPv6).
    pub fn targets(&self) -> Vec<Target> {
        let mut t = Vec::new();
        for s in self.plan.sites.iter().flat_map(|s| &s.segments) {
            t.push(Target {
                address: IpAddr::V4(s.gateway),
                device: s.gateway_device.clone(),
                out_interface: None,
                what: format!("gateway of {}", s.id),
            });
            t.push(Target {
                address: IpAddr::V4(s.test_host()),
                device: s.gateway_device.clone(),
                out_interface: Some(s.interface.clone()),
                what: format!("test host of {}", s.id),
            });
            if let Some(g6) = s.gateway6 {
                t.push(Target {
                    address: IpAddr::V6(g6),
                    device: s.gateway_device.clone(),
                    out_interface: None,
                    what: format!("IPv6 gateway of {}", s.id),
                });
            }
            if let Some(p6) = s.prefix6 {
                let host = IpAddr::V6((u128::from(p6.network()) + 0x99).into());
                t.push(Target {
                    address: host,
                    device: s.gateway_device.clone(),
                    out_interface: Some(s.interface.clone()),
                    what: format!("IPv6 host of {}", s.id),
                });
            }
        }
        for d in self.plan.devices.iter().filter(|d| d.kind.is_layer3()) {
            if let Some(l) = d.loopback {
                t.push(Target {
                    address: IpAddr::V4(l.addr()),
                    device: d.id.clone(),
                    out_interface: None,
                    what: format!("loopback of {}", d.id),
                });
            }
            if let Some(l) = d.loopback6 {
                t.push(Target {
                    address: IpAddr::V6(l.addr()),
                    device: d.id.clone(),
                    out_interface: None,
                    what: format!("IPv6 loopback of {}", d.id),
                });
            }
        }
        t
    }

    /// The longest-prefix-match entries of `device`'s table for `addr`.
    fn lookup(&self, device: &str, addr: IpAddr) -> Vec<&netkit_plan::Route> {
        let Some(table) = self.plan.routes.get(device) else {
            return Vec::new();
        };
        let best = table
            .iter()
            .filter(|r| r.destination.contains(&addr))
            .map(|r| r.destination.prefix_len())
            .max();
        match best {
            Some(len) => table
                .iter()
                .filter(|r| r.destination.contains(&addr) && r.destination.prefix_len() == len)
                .collect(),
            None => Vec::new(),
        }
    }

    /// Forward a packet from `src` towards `t`, following every ECMP branch. Checks
    /// that it arrives, never loops, and that every hop keeps to a least-cost path
    /// (remaining least cost drops by exactly the link's cost), so that the path cost
    /// equals the least cost. Returns the least cost on success.
    pub fn forward(
        &self,
        src: &str,
        t: &Target,
        dist_to: &BTreeMap<String, u64>,
    ) -> Result<u64, String> {
        let want = *dist_to
            .get(src)
            .ok_or_else(|| format!("{src} cannot reach {} at all in the link graph", t.device))?;
        let mut queue: VecDeque<(String, u64, usize)> = VecDeque::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        queue.push_back((src.to_string(), 0, 0));
        let limit = self.routers.len() + 1;
        while let Some((d, cost, n)) = queue.pop_front() {
            if n > limit {
                return Err(format!(
                    "{src} -> {} ({}): loop, more than {limit} hops",
                    t.address, t.what
                ));
            }
            if self.local.get(&t.address) == Some(&d)
                || (d == t.device && t.out_interface.is_none())
            {
                if d != t.device {
                    return Err(format!(
                        "{src} -> {} ({}): ended on {d}, expected {}",
                        t.address, t.what, t.device
                    ));
                }
                if cost != want {
                    return Err(format!(
                        "{src} -> {} ({}): path cost {cost}, least cost {want}",
                        t.address, t.what
                    ));
                }
                continue;
            }
            let entries = self.lookup(&d, t.address);
            if entries.is_empty() {
                return Err(format!(
                    "{src} -> {} ({}): {d} has no route",
                    t.address, t.what
                ));
            }
            for r in entries {
                match r.next_hop {
                    None => {
                        // Connected: the packet is delivered on this interface.
                        if d != t.device || t.out_interface.as_deref() != Some(r.interface.as_str())
                        {
                            return Err(format!(
                                "{src} -> {} ({}): {d} delivers it on connected {} ({}), but it lives behind {} {:?}",
                                t.address,
                                t.what,
                                r.destination,
                                r.interface,
                                t.device,
                                t.out_interface
                            ));
                        }
                        if cost != want {
                            return Err(format!(
                                "{src} -> {} ({}): path cost {cost}, least cost {want}",
                                t.address, t.what
                            ));
                        }
                    }
                    Some(nh) => {
                        let hop = self
                            .hops
                            .iter()
                            .find(|h| {
                                h.from == d
                                    && h.interface == r.interface
                                    && h.next_hops.contains(&nh)
                            })
                            .ok_or_else(|| {
                                format!(
                                    "{d}: route {} via {nh} on {} matches no link of {d}",
                                    r.destination, r.interface
                                )
                            })?;
                        let here = dist_to.get(&d).copied().unwrap_or(u64::MAX);
                        let there = dist_to.get(&hop.to).copied().unwrap_or(u64::MAX);
                        if there.saturating_add(hop.cost) != here {
                            return Err(format!(
                                "{src} -> {} ({}): {d} sends it to {} (cost {} + {there}), off the least-cost path ({here})",
                                t.address, t.what, hop.to, hop.cost
                            ));
                        }
                        let key = hop.to.clone();
                        if seen.insert(key) {
                            queue.push_back((hop.to.clone(), cost + hop.cost, n + 1));
                        }
                    }
                }
            }
        }
        Ok(want)
    }

    /// Check every router against every target. Returns the number of paths checked.
    pub fn check_all(&self) -> Result<usize, String> {
        let mut n = 0;
        let targets = self.targets();
        let mut cache: HashMap<String, BTreeMap<String, u64>> = HashMap::new();
        for t in &targets {
            let dist = cache
                .entry(t.device.clone())
                .or_insert_with(|| self.distances_to(&t.device))
                .clone();
            for src in &self.routers {
                self.forward(src, t, &dist)?;
                n += 1;
            }
        }
        Ok(n)
    }

    /// With `internet`: a packet to an outside address goes, along least-cost paths,
    /// to the edge and leaves by the upstream.
    pub fn check_internet(&self) -> Result<(), String> {
        let Some(inet) = &self.plan.internet else {
            return Ok(());
        };
        let outside = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));
        let dist = self.distances_to(&inet.edge);
        for src in &self.routers {
            let t = Target {
                address: outside,
                device: inet.edge.clone(),
                out_interface: None,
                what: "the internet".into(),
            };
            // Walk to the edge with the same rules, then check the edge's default.
            let mut d = src.clone();
            let mut cost = 0;
            for _ in 0..=self.routers.len() {
                if d == inet.edge {
                    break;
                }
                let entries = self.lookup(&d, outside);
                let r = entries
                    .first()
                    .ok_or_else(|| format!("{d} has no route to the internet"))?;
                if r.kind != RouteKind::Default {
                    return Err(format!(
                        "{d}: the internet matches {} which is not a default route",
                        r.destination
                    ));
                }
                let nh = r
                    .next_hop
                    .ok_or_else(|| format!("{d}: default route without next hop"))?;
                let hop = self
                    .hops
                    .iter()
                    .find(|h| h.from == d && h.next_hops.contains(&nh))
                    .ok_or_else(|| format!("{d}: default via {nh} matches no link"))?;
                cost += hop.cost;
                d = hop.to.clone();
            }
            if d != inet.edge {
                return Err(format!(
                    "{src} -> internet: loops, never reaches {}",
                    inet.edge
                ));
            }
            if cost != dist[src] {
                return Err(format!(
                    "{src} -> internet: cost {cost}, least {}",
                    dist[src]
                ));
            }
            let _ = t;
            let at_edge = self.lookup(&inet.edge, outside);
            if at_edge.len() != 1 || at_edge[0].next_hop != Some(IpAddr::V4(inet.upstream_address))
            {
                return Err(format!(
                    "{}: default route is not the upstream {}",
                    inet.edge, inet.upstream_address
                ));
            }
        }
        Ok(())
    }
}

/// Structural checks of every table: connected first, sorted, no duplicate entry, a
/// route per router.
pub fn check_tables(plan: &Plan) -> Result<(), String> {
    for d in plan.devices.iter().filter(|d| d.kind.is_layer3()) {
        let table = plan
            .routes
            .get(&d.id)
            .ok_or_else(|| format!("{} has no routing table", d.id))?;
        let first_non_connected = table
            .iter()
            .position(|r| r.kind != RouteKind::Connected)
            .unwrap_or(table.len());
        if table[first_non_connected..]
            .iter()
            .any(|r| r.kind == RouteKind::Connected)
        {
            return Err(format!("{}: connected routes are not all first", d.id));
        }
        for w in table[first_non_connected..].windows(2) {
            if w[0].destination > w[1].destination {
                return Err(format!(
                    "{}: {} listed before {}",
                    d.id, w[0].destination, w[1].destination
                ));
            }
            if w[0].destination == w[1].destination
                && w[0].next_hop == w[1].next_hop
                && w[0].interface == w[1].interface
            {
                return Err(format!("{}: duplicate route {}", d.id, w[0].destination));
            }
        }
        for r in table {
            if (r.kind == RouteKind::Connected) != r.next_hop.is_none() {
                return Err(format!(
                    "{}: {} {:?} has a wrong next hop",
                    d.id, r.destination, r.kind
                ));
            }
            if r.destination != r.destination.trunc() {
                return Err(format!(
                    "{}: {} is not a network address",
                    d.id, r.destination
                ));
            }
        }
    }
    Ok(())
}

pub fn v4(s: &str) -> Ipv4Net {
    s.parse().unwrap()
}

pub fn v6(s: &str) -> Ipv6Net {
    s.parse().unwrap()
}

pub fn net(s: &str) -> IpNet {
    s.parse().unwrap()
}
