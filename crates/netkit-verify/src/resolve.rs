//! Ids of the playbook (segments, named hosts, devices, sites, addresses) -> what to
//! probe, and what the plan says about a pair: filters, planned path.

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;
use netkit_model::Proto;
use netkit_plan::{FilterAction, FilterRule, Plan, Route};

/// The site of a node id: `hq` for `hq.users`, `hq.r1`, `hq.servers.fs1` or `hq`.
pub fn site_of(plan: &Plan, node: &str) -> Option<String> {
    if let Some(seg) = plan.segment(node) {
        return Some(seg.site.clone());
    }
    if let Some((seg, _)) = plan.named_host(node) {
        return Some(seg.site.clone());
    }
    if let Some(d) = plan.device(node) {
        return Some(d.site.clone());
    }
    if let Some(c) = plan.wireless_client(node) {
        return plan.segment(&c.segment).map(|s| s.site.clone());
    }
    plan.sites
        .iter()
        .find(|s| s.name == node)
        .map(|s| s.name.clone())
}

/// What an id names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeRef {
    Segment(String),
    NamedHost(String),
    Device(String),
    /// A wireless client of the lab with a node of its own
    /// (`hq.users.wifi-ap1`, [`Plan::wireless_clients`]).
    Client(String),
    Site(String),
    Internet,
    Address(IpAddr),
}

/// Classify an id against the plan; `None` when the plan does not know it.
pub fn classify(plan: &Plan, id: &str) -> Option<NodeRef> {
    if plan.segment(id).is_some() {
        Some(NodeRef::Segment(id.to_string()))
    } else if plan.named_host(id).is_some() {
        Some(NodeRef::NamedHost(id.to_string()))
    } else if plan.device(id).is_some() {
        Some(NodeRef::Device(id.to_string()))
    } else if plan.sites.iter().any(|s| s.name == id) {
        Some(NodeRef::Site(id.to_string()))
    } else if plan.wireless_client(id).is_some() {
        Some(NodeRef::Client(id.to_string()))
    } else if id == "internet" && plan.internet.is_some() {
        Some(NodeRef::Internet)
    } else {
        id.parse::<IpAddr>().ok().map(NodeRef::Address)
    }
}

/// A hint listing the ids a field accepts, for "unknown id" errors.
pub fn known_ids_hint(plan: &Plan, what: &str) -> String {
    let mut ids: Vec<String> = plan.segments().map(|s| s.id.clone()).collect();
    ids.extend(
        plan.segments()
            .flat_map(|s| s.named.iter().map(|n| n.id.clone())),
    );
    if what != "source" {
        ids.extend(plan.devices.iter().map(|d| d.id.clone()));
    }
    let shown: Vec<&str> = ids.iter().take(12).map(String::as_str).collect();
    format!(
        "known ids: {}{}",
        shown.join(", "),
        if ids.len() > shown.len() { ", ..." } else { "" }
    )
}

/// One thing to probe: the id it came from and its address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Endpoint {
    /// The id as the results show it (`lyon.users`, `hq.servers.fs1`, `10.9.0.1`).
    pub id: String,
    pub address: IpAddr,
    /// The segment that holds the address, if any.
    pub segment: Option<String>,
}

/// The address that stands for a device: its loopback, else its first interface.
pub fn device_address(plan: &Plan, id: &str) -> Option<IpAddr> {
    let d = plan.device(id)?;
    d.loopback
        .map(|l| IpAddr::V4(l.addr()))
        .or_else(|| d.interfaces.first().map(|i| IpAddr::V4(i.address.addr())))
}

/// The address a segment stands for as a target: its gateway, except for an
/// isolated segment, which stands for its host (the lab's test host, or the named
/// host standing in for it): the gateway of an isolated segment is the router itself,
/// reachable from both sides by design, so only a host says whether the segment is
/// closed.
pub fn segment_target(seg: &netkit_plan::SegmentPlan) -> IpAddr {
    if seg.isolated {
        IpAddr::V4(seg.test_host())
    } else {
        IpAddr::V4(seg.gateway)
    }
}

/// Targets of `to` (reach, isolate, tcp): a segment stands for its gateway (an
/// isolated one for its host, see [`segment_target`]), a site for each of its
/// segments, a named host for its address, a device for its loopback, `internet`
/// for the upstream address.
pub fn targets(plan: &Plan, id: &str) -> Vec<Endpoint> {
    match classify(plan, id) {
        Some(NodeRef::Segment(s)) => plan
            .segment(&s)
            .map(|seg| Endpoint {
                id: s.clone(),
                address: segment_target(seg),
                segment: Some(s.clone()),
            })
            .into_iter()
            .collect(),
        Some(NodeRef::NamedHost(h)) => plan
            .named_host(&h)
            .map(|(seg, n)| Endpoint {
                id: h.clone(),
                address: IpAddr::V4(n.address),
                segment: Some(seg.id.clone()),
            })
            .into_iter()
            .collect(),
        Some(NodeRef::Client(c)) => plan
            .wireless_client(&c)
            .map(|w| Endpoint {
                id: c.clone(),
                address: IpAddr::V4(w.address),
                segment: Some(w.segment),
            })
            .into_iter()
            .collect(),
        Some(NodeRef::Device(d)) => device_address(plan, &d)
            .map(|a| Endpoint {
                id: d.clone(),
                address: a,
                segment: None,
            })
            .into_iter()
            .collect(),
        Some(NodeRef::Site(site)) => plan
            .sites
            .iter()
            .filter(|s| s.name == site)
            .flat_map(|s| &s.segments)
            .map(|seg| Endpoint {
                id: seg.id.clone(),
                address: segment_target(seg),
                segment: Some(seg.id.clone()),
            })
            .collect(),
        Some(NodeRef::Internet) => plan
            .internet
            .as_ref()
            .map(|i| Endpoint {
                id: "internet".into(),
                address: IpAddr::V4(i.upstream_address),
                segment: None,
            })
            .into_iter()
            .collect(),
        Some(NodeRef::Address(a)) => vec![Endpoint {
            id: a.to_string(),
            address: a,
            segment: segment_of_address(plan, a).map(str::to_owned),
        }],
        None => Vec::new(),
    }
}

/// Sources of `from`: a segment (its test host), a named host, a device; a site
/// stands for each of its segments.
pub fn sources(plan: &Plan, id: &str) -> Vec<String> {
    match classify(plan, id) {
        Some(NodeRef::Site(site)) => plan
            .sites
            .iter()
            .filter(|s| s.name == site)
            .flat_map(|s| &s.segments)
            .map(|s| s.id.clone())
            .collect(),
        Some(
            NodeRef::Segment(_) | NodeRef::NamedHost(_) | NodeRef::Device(_) | NodeRef::Client(_),
        ) => {
            vec![id.to_string()]
        }
        _ => Vec::new(),
    }
}

/// The address packets from source `id` leave with: a segment's test host (last
/// usable address), a named host's address, a device's loopback.
pub fn source_address(plan: &Plan, id: &str) -> Option<IpAddr> {
    if let Some(seg) = plan.segment(id) {
        return Some(IpAddr::V4(seg.test_host()));
    }
    if let Some((_, n)) = plan.named_host(id) {
        return Some(IpAddr::V4(n.address));
    }
    if let Some(c) = plan.wireless_client(id) {
        return Some(IpAddr::V4(c.address));
    }
    device_address(plan, id)
}

/// The gateway device and gateway address of a source (segment or named host).
pub fn source_gateway(plan: &Plan, id: &str) -> Option<(String, IpAddr)> {
    let client = plan.wireless_client(id).map(|c| c.segment);
    let seg = plan
        .segment(id)
        .or_else(|| plan.named_host(id).map(|(s, _)| s))
        .or_else(|| client.and_then(|c| plan.segment(&c)))?;
    Some((seg.gateway_device.clone(), IpAddr::V4(seg.gateway)))
}

/// The segment whose prefix holds `a`.
pub fn segment_of_address(plan: &Plan, a: IpAddr) -> Option<&str> {
    let IpAddr::V4(v4) = a else {
        return plan
            .segments()
            .find(|s| {
                s.prefix6
                    .is_some_and(|p| matches!(a, IpAddr::V6(v6) if p.contains(&v6)))
            })
            .map(|s| s.id.as_str());
    };
    plan.segments()
        .find(|s| s.prefix.contains(&v4))
        .map(|s| s.id.as_str())
}

/// The rule that decides a new connection from source `from` to `dst`
/// (`proto`/`port` `None` for ICMP), across the gateways it crosses (the source's,
/// and an isolated destination's: [`Plan::decide`]), when one matches.
pub fn deciding_rule<'a>(
    plan: &'a Plan,
    from: &str,
    dst: IpAddr,
    proto: Option<Proto>,
    port: Option<u16>,
) -> Option<&'a FilterRule> {
    let src = source_address(plan, from)?;
    plan.decide(src, dst, proto, port)
}

/// Whether the plan lets source `from` open a connection to `dst`.
pub fn allowed(
    plan: &Plan,
    from: &str,
    dst: IpAddr,
    proto: Option<Proto>,
    port: Option<u16>,
) -> bool {
    deciding_rule(plan, from, dst, proto, port).is_none_or(|r| r.action == FilterAction::Accept)
}

/// Map of every planned address to the device (or named host / test host) that
/// holds it, for naming the hops of a path probe.
pub fn address_owners(plan: &Plan) -> HashMap<IpAddr, String> {
    let mut m = HashMap::new();
    for d in &plan.devices {
        for i in &d.interfaces {
            m.insert(IpAddr::V4(i.address.addr()), d.id.clone());
            if let Some(a6) = i.address6 {
                m.insert(IpAddr::V6(a6.addr()), d.id.clone());
            }
        }
        if let Some(l) = d.loopback {
            m.insert(IpAddr::V4(l.addr()), d.id.clone());
        }
        if let Some(l) = d.loopback6 {
            m.insert(IpAddr::V6(l.addr()), d.id.clone());
        }
    }
    for seg in plan.segments() {
        m.entry(IpAddr::V4(seg.gateway))
            .or_insert_with(|| seg.gateway_device.clone());
        for n in &seg.named {
            m.insert(IpAddr::V4(n.address), n.id.clone());
        }
        m.entry(IpAddr::V4(seg.test_host()))
            .or_insert_with(|| format!("test host of {}", seg.id));
    }
    for c in plan.wireless_clients() {
        m.entry(IpAddr::V4(c.address))
            .or_insert_with(|| format!("wireless client {} on {}", c.id, c.ap));
    }
    if let Some(i) = &plan.internet {
        m.insert(IpAddr::V4(i.upstream_address), "internet".into());
        m.insert(IpAddr::V4(i.edge_address), i.edge.clone());
    }
    m
}

/// `10.255.0.1 (lyon.r1)`, or just the address when the plan does not know it.
pub fn describe_address(owners: &HashMap<IpAddr, String>, a: IpAddr) -> String {
    match owners.get(&a) {
        Some(o) => format!("{a} ({o})"),
        None => a.to_string(),
    }
}

/// The longest-prefix routes of `device` toward `dst` (several when equal-cost).
pub fn lookup<'a>(plan: &'a Plan, device: &str, dst: IpAddr) -> Vec<&'a Route> {
    let Some(routes) = plan.routes.get(device) else {
        return Vec::new();
    };
    let best = routes
        .iter()
        .filter(|r| r.destination.contains(&dst))
        .map(|r| r.destination.prefix_len())
        .max();
    match best {
        Some(len) => routes
            .iter()
            .filter(|r| r.destination.contains(&dst) && r.destination.prefix_len() == len)
            .collect(),
        None => Vec::new(),
    }
}

/// Device ids holding an address (interfaces and loopbacks of layer-3 devices).
fn device_of(plan: &Plan, a: IpAddr) -> Option<&str> {
    plan.devices
        .iter()
        .find(|d| {
            d.interfaces.iter().any(|i| {
                IpAddr::V4(i.address.addr()) == a
                    || i.address6.is_some_and(|p| IpAddr::V6(p.addr()) == a)
            }) || d.loopback.is_some_and(|l| IpAddr::V4(l.addr()) == a)
        })
        .map(|d| d.id.as_str())
}

/// Whether `device` owns `dst` itself.
fn owns(plan: &Plan, device: &str, dst: IpAddr) -> bool {
    device_of(plan, dst) == Some(device)
        || plan
            .segments()
            .any(|s| s.gateway_device == device && IpAddr::V4(s.gateway) == dst)
}

/// The planned paths (device ids, first hop first) from source `from` to `dst`:
/// from the source's gateway, following the plan's routes (every equal-cost
/// branch, at most 8 paths of at most 32 devices). The last device is the one
/// that delivers to `dst` (or owns it).
pub fn planned_paths(plan: &Plan, from: &str, dst: IpAddr) -> Vec<Vec<String>> {
    let start = match source_gateway(plan, from) {
        Some((gw, _)) => gw,
        None => match plan.device(from) {
            Some(d) => d.id.clone(),
            None => return Vec::new(),
        },
    };
    let mut done: Vec<Vec<String>> = Vec::new();
    let mut stack: Vec<Vec<String>> = vec![vec![start]];
    while let Some(path) = stack.pop() {
        if done.len() >= 8 {
            break;
        }
        let Some(here) = path.last().cloned() else {
            continue;
        };
        if owns(plan, &here, dst) || path.len() >= 32 {
            done.push(path);
            continue;
        }
        let routes = lookup(plan, &here, dst);
        let mut nexts: Vec<String> = Vec::new();
        for r in &routes {
            match r.next_hop {
                None => {}
                Some(nh) => {
                    if let Some(d) = device_of(plan, nh)
                        && !nexts.iter().any(|n| n == d)
                    {
                        nexts.push(d.to_string());
                    }
                }
            }
        }
        if nexts.is_empty() {
            // Connected (delivered here), or no route: the path ends here.
            done.push(path);
            continue;
        }
        for n in nexts.into_iter().rev() {
            if path.contains(&n) {
                // A loop in the plan would be a planner bug; stop this branch.
                done.push(path.clone());
                continue;
            }
            let mut p = path.clone();
            p.push(n);
            stack.push(p);
        }
    }
    done.sort();
    done.dedup();
    done
}

/// Segment prefixes of a site, for messages ("10.2.0.0/22").
pub fn site_prefix(plan: &Plan, site: &str) -> Option<IpNet> {
    plan.sites
        .iter()
        .find(|s| s.name == site)
        .map(|s| IpNet::V4(s.prefix))
}

/// The IPv4 address used to stand for "this site" in a path check toward a site:
/// the gateway of the first segment the source may reach.
pub fn site_target(plan: &Plan, from: &str, site: &str) -> Option<Endpoint> {
    let s = plan.sites.iter().find(|s| s.name == site)?;
    s.segments
        .iter()
        .find(|seg| !seg.isolated && allowed(plan, from, IpAddr::V4(seg.gateway), None, None))
        .or_else(|| s.segments.first())
        .map(|seg| Endpoint {
            id: seg.id.clone(),
            address: IpAddr::V4(seg.gateway),
            segment: Some(seg.id.clone()),
        })
}
