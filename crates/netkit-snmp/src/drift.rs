//! Compare what a device reports over SNMP with what the plan says, and say each
//! difference in one line a technician can act on.
//!
//! Rules worth knowing:
//! - Interfaces are matched by name (ifName, else ifDescr).
//! - A route that vanished because its interface is down or missing, or because
//!   the interface lost its address, is not reported on its own line: the
//!   interface/address line says how many planned routes went with it. One root
//!   cause, one line.
//! - Connected routes that follow from an address the agent reports are never
//!   "not in the plan": the address itself is what `addresses-match-plan` checks.
//! - Kernel housekeeping is ignored: loopback, link-local and multicast routes,
//!   IPv6 host routes of the device's own addresses.
//! - Equal-cost paths: an agent may show only one of several planned next hops
//!   (Linux' `/proc/net/route`, which net-snmp reads, lists the first path of a
//!   multipath route), so a route passes when every next hop it has is planned.
//! - Speed is compared only when the agent reports a speed (ifHighSpeed or
//!   ifSpeed > 0). veth reports 10 Gb/s, which never falls below a declared
//!   bandwidth; interfaces that report 0 (unknown) are not compared.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use netkit_plan::{DevicePlan, InterfacePlan, Plan, RouteKind};
use serde::Serialize;

use crate::device::{DeviceState, Interface};

/// What a `snmp` check verifies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Expectation {
    InterfacesUp,
    AddressesMatchPlan,
    RoutesMatchPlan,
}

impl Expectation {
    pub const ALL: [Expectation; 3] = [
        Expectation::InterfacesUp,
        Expectation::AddressesMatchPlan,
        Expectation::RoutesMatchPlan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Expectation::InterfacesUp => "interfaces-up",
            Expectation::AddressesMatchPlan => "addresses-match-plan",
            Expectation::RoutesMatchPlan => "routes-match-plan",
        }
    }

    /// `interfaces-up`, `addresses-match-plan`, `routes-match-plan`.
    pub fn parse(s: &str) -> Option<Expectation> {
        Expectation::ALL
            .into_iter()
            .find(|e| e.as_str() == s.trim())
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of a difference, most important first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DifferenceKind {
    InterfaceMissing,
    InterfaceAdminDown,
    InterfaceOperDown,
    AddressMissing,
    AddressDifferent,
    AddressElsewhere,
    PrefixLength,
    RouteMissing,
    RouteNextHop,
    RouteExtra,
    SpeedBelowBandwidth,
}

/// One difference between the device and the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub expectation: Expectation,
    pub kind: DifferenceKind,
    /// Interface name or prefix the line is about.
    pub subject: String,
    /// One sentence for a technician: what is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Every difference found on one device, most important first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DriftReport {
    pub device: String,
    pub expectations: Vec<Expectation>,
    pub differences: Vec<Difference>,
    /// How many planned interfaces, addresses and routes were compared.
    pub checked_interfaces: usize,
    pub checked_addresses: usize,
    pub checked_routes: usize,
}

impl DriftReport {
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty()
    }

    /// The first (most important) difference and how many there are, in one
    /// sentence; `None` when clean.
    pub fn summary(&self) -> Option<String> {
        let first = self.differences.first()?;
        let n = self.differences.len();
        Some(if n == 1 {
            format!("{}: {}", self.device, first.message)
        } else {
            format!(
                "{}: {} (and {} other difference{})",
                self.device,
                first.message,
                n - 1,
                if n == 2 { "" } else { "s" }
            )
        })
    }

    /// Differences for one expectation.
    pub fn for_expectation(&self, e: Expectation) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(move |d| d.expectation == e)
    }
}

/// Why drift could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DriftError {
    #[error("device {0} is not in the plan: use a device id such as hq.r1 (see `netkit plan`)")]
    UnknownDevice(String),
}

fn is_ignored_route(dest: &IpNet) -> bool {
    match dest {
        IpNet::V4(n) => {
            let a = n.addr();
            a.is_loopback()
                || a.is_link_local()
                || a.is_multicast()
                || n.prefix_len() >= 4 && a.octets()[0] >= 240
        }
        IpNet::V6(n) => {
            let a = n.addr();
            let seg0 = a.segments()[0];
            a.is_loopback() || (seg0 & 0xffc0) == 0xfe80 || (seg0 & 0xff00) == 0xff00
        }
    }
}

fn is_ignored_address(a: &IpAddr) -> bool {
    match a {
        IpAddr::V4(a) => a.is_loopback() || a.is_link_local(),
        IpAddr::V6(a) => a.is_loopback() || (a.segments()[0] & 0xffc0) == 0xfe80,
    }
}

fn role(dev: &DevicePlan, i: &InterfacePlan) -> String {
    let _ = dev;
    if let Some(peer) = &i.peer {
        format!("link to {peer}")
    } else if let Some(seg) = &i.segment {
        format!("gateway of {seg}")
    } else if let Some(l) = i.link {
        format!("link {l}")
    } else {
        "planned".into()
    }
}

fn mbps(bps: u64) -> String {
    netkit_units::format_rate(bps as f64)
}

/// Compare `state` (what device `device` reports) with the plan: interfaces first
/// (a missing or down interface is the root cause of what goes with it), then
/// addresses, then routes; each in its own step of [`Drift`].
///
/// # Errors
/// The device is not in the plan.
pub fn compare(
    plan: &Plan,
    device: &str,
    state: &DeviceState,
    expectations: &[Expectation],
) -> Result<DriftReport, DriftError> {
    let dev = plan
        .device(device)
        .ok_or_else(|| DriftError::UnknownDevice(device.to_string()))?;
    let want: BTreeSet<Expectation> = if expectations.is_empty() {
        Expectation::ALL.into_iter().collect()
    } else {
        expectations.iter().copied().collect()
    };
    let mut d = Drift {
        plan,
        device,
        dev,
        state,
        want,
        diffs: Vec::new(),
        root_cause: BTreeMap::new(),
        consequences: BTreeMap::new(),
        unusable: BTreeSet::new(),
        address_missing_on: BTreeSet::new(),
    };
    d.interfaces();
    let checked_addresses = d.addresses();
    let checked_routes = d.routes();
    Ok(d.finish(checked_addresses, checked_routes))
}

/// One comparison under way: what was found so far, and what explains what.
struct Drift<'a> {
    plan: &'a Plan,
    device: &'a str,
    dev: &'a DevicePlan,
    state: &'a DeviceState,
    want: BTreeSet<Expectation>,
    diffs: Vec<Difference>,
    /// Interface name -> index in `diffs` of its root-cause line.
    root_cause: BTreeMap<String, usize>,
    /// Root-cause line -> how many planned routes went missing with it.
    consequences: BTreeMap<usize, usize>,
    /// Interfaces missing or down.
    unusable: BTreeSet<String>,
    /// Interfaces without their planned address.
    address_missing_on: BTreeSet<String>,
}

impl Drift<'_> {
    /// Every planned interface exists, is enabled and up (and fast enough).
    fn interfaces(&mut self) {
        for pi in &self.dev.interfaces {
            let found = self.state.interface_named(&pi.name);
            let (kind, message) = match found {
                None => (
                    DifferenceKind::InterfaceMissing,
                    format!(
                        "interface {} ({}) does not exist on the device: create it or fix its name",
                        pi.name,
                        role(self.dev, pi)
                    ),
                ),
                Some(i) if !i.admin_up() => (
                    DifferenceKind::InterfaceAdminDown,
                    format!(
                        "interface {} ({}) is administratively down: bring it up (`ip link set {} up` or `no shutdown`)",
                        pi.name,
                        role(self.dev, pi),
                        pi.name
                    ),
                ),
                Some(i) if !i.oper_up() => (
                    DifferenceKind::InterfaceOperDown,
                    format!(
                        "interface {} ({}) is enabled but down (oper status {}): check the cable, the port and the other end{}",
                        pi.name,
                        role(self.dev, pi),
                        i.oper,
                        pi.peer
                            .as_ref()
                            .map(|p| format!(" ({p})"))
                            .unwrap_or_default()
                    ),
                ),
                Some(i) => {
                    if self.want.contains(&Expectation::InterfacesUp) {
                        speed_check(pi, i, &mut self.diffs);
                    }
                    continue;
                }
            };
            self.unusable.insert(pi.name.clone());
            if self.want.contains(&Expectation::InterfacesUp) {
                self.root_cause.insert(pi.name.clone(), self.diffs.len());
                self.diffs.push(Difference {
                    expectation: Expectation::InterfacesUp,
                    kind,
                    subject: pi.name.clone(),
                    message,
                });
            }
        }
    }

    /// Every planned address is on its interface with its prefix length; the
    /// number checked.
    fn addresses(&mut self) -> usize {
        let mut checked_addresses = 0;
        let mut planned: Vec<(IpNet, Option<&InterfacePlan>)> = Vec::new();
        for pi in &self.dev.interfaces {
            planned.push((IpNet::V4(pi.address), Some(pi)));
            if let Some(a6) = pi.address6 {
                planned.push((IpNet::V6(a6), Some(pi)));
            }
        }
        if let Some(lo) = self.dev.loopback {
            planned.push((IpNet::V4(lo), None));
        }
        if let Some(lo6) = self.dev.loopback6 {
            planned.push((IpNet::V6(lo6), None));
        }
        if self.want.contains(&Expectation::AddressesMatchPlan) {
            for (net, pi) in &planned {
                checked_addresses += 1;
                let addr = net.addr();
                let iface_name = pi.map(|p| p.name.as_str());
                // A missing interface was already reported: its addresses went with it.
                if let Some(name) = iface_name
                    && self.state.interface_named(name).is_none()
                    && self.want.contains(&Expectation::InterfacesUp)
                {
                    continue;
                }
                let found: Vec<_> = self
                    .state
                    .addresses
                    .iter()
                    .filter(|a| a.address == addr)
                    .collect();
                let what = match iface_name {
                    Some(n) => format!("on {n}"),
                    None => "(loopback)".into(),
                };
                if found.is_empty() {
                    let others: Vec<String> = match iface_name {
                        Some(n) => self
                            .state
                            .addresses
                            .iter()
                            .filter(|a| a.interface.as_deref() == Some(n))
                            .filter(|a| {
                                a.address.is_ipv4() == addr.is_ipv4()
                                    && !is_ignored_address(&a.address)
                            })
                            .map(|a| match a.prefix_len {
                                Some(l) => format!("{}/{l}", a.address),
                                None => a.address.to_string(),
                            })
                            .collect(),
                        None => Vec::new(),
                    };
                    let (kind, message) = if others.is_empty() {
                        let fix = match iface_name {
                            Some(n) => format!("add it (`ip addr add {net} dev {n}`)"),
                            None => format!("add it to the loopback (`ip addr add {net} dev lo`)"),
                        };
                        (
                            DifferenceKind::AddressMissing,
                            format!("address {net} is missing {what}: {fix}"),
                        )
                    } else {
                        (
                            DifferenceKind::AddressDifferent,
                            format!(
                                "interface {} has {} instead of the planned {net}: fix the address",
                                iface_name.unwrap_or("?"),
                                others.join(", ")
                            ),
                        )
                    };
                    if let Some(n) = iface_name {
                        self.address_missing_on.insert(n.to_string());
                        self.root_cause
                            .entry(n.to_string())
                            .or_insert(self.diffs.len());
                    }
                    self.diffs.push(Difference {
                        expectation: Expectation::AddressesMatchPlan,
                        kind,
                        subject: net.to_string(),
                        message,
                    });
                    continue;
                }
                if let Some(n) = iface_name
                    && !found.iter().any(|a| a.interface.as_deref() == Some(n))
                {
                    let on: Vec<String> = found
                        .iter()
                        .map(|a| {
                            a.interface
                                .clone()
                                .unwrap_or_else(|| format!("ifIndex {}", a.if_index))
                        })
                        .collect();
                    self.diffs.push(Difference {
                        expectation: Expectation::AddressesMatchPlan,
                        kind: DifferenceKind::AddressElsewhere,
                        subject: net.to_string(),
                        message: format!(
                            "address {net} is on {}, the plan puts it on {n}: move it",
                            on.join(", ")
                        ),
                    });
                    continue;
                }
                let a = found
                    .iter()
                    .find(|a| iface_name.is_none() || a.interface.as_deref() == iface_name)
                    .unwrap_or(&found[0]);
                if let Some(l) = a.prefix_len
                    && l != net.prefix_len()
                {
                    self.diffs.push(Difference {
                        expectation: Expectation::AddressesMatchPlan,
                        kind: DifferenceKind::PrefixLength,
                        subject: net.to_string(),
                        message: format!(
                            "address {addr} {what} has prefix length /{l}, the plan says /{}: fix the mask",
                            net.prefix_len()
                        ),
                    });
                }
            }
        } else {
            for (net, pi) in &planned {
                if let Some(p) = pi
                    && !self.state.addresses.iter().any(|a| a.address == net.addr())
                {
                    self.address_missing_on.insert(p.name.clone());
                }
            }
        }
        checked_addresses
    }

    /// Every planned route is there with its next hops, and no other; the number
    /// of destinations checked.
    fn routes(&mut self) -> usize {
        if !self.want.contains(&Expectation::RoutesMatchPlan) {
            return 0;
        }

        let own: BTreeSet<IpAddr> = self.state.addresses.iter().map(|a| a.address).collect();
        let own_nets: BTreeSet<IpNet> = self
            .state
            .addresses
            .iter()
            .filter_map(|a| a.prefix_len.and_then(|l| IpNet::new(a.address, l).ok()))
            .map(|n| n.trunc())
            .collect();
        let mut agent: BTreeMap<IpNet, Vec<&crate::device::RouteEntry>> = BTreeMap::new();
        for r in &self.state.routes {
            let d = r.destination.trunc();
            if is_ignored_route(&d) {
                continue;
            }
            if d.prefix_len() == d.max_prefix_len()
                && (own.contains(&d.addr()) || own_nets.iter().any(|n| n.addr() == d.addr()))
            {
                // A host route of an own address or a subnet-router anycast
                // address: kernel housekeeping (IPv6 local table).
                continue;
            }
            agent.entry(d).or_default().push(r);
        }
        let mut plan_by_dest: BTreeMap<IpNet, Vec<&netkit_plan::Route>> = BTreeMap::new();
        for r in self
            .plan
            .routes
            .get(self.device)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            plan_by_dest
                .entry(r.destination.trunc())
                .or_default()
                .push(r);
        }
        for (dest, routes) in &plan_by_dest {
            self.planned_route(dest, routes, agent.get(dest).map(Vec::as_slice));
        }
        self.extra_routes(&agent, &plan_by_dest, &own_nets);
        plan_by_dest.len()
    }

    /// One planned destination: missing (or gone with its interface or address,
    /// counted on that line), or through other next hops than planned.
    fn planned_route(
        &mut self,
        dest: &IpNet,
        routes: &[&netkit_plan::Route],
        found: Option<&[&crate::device::RouteEntry]>,
    ) {
        let connected = routes
            .iter()
            .all(|r| r.kind == RouteKind::Connected || r.next_hop.is_none());
        let planned_hops: BTreeSet<IpAddr> = routes.iter().filter_map(|r| r.next_hop).collect();
        let ifaces: BTreeSet<&str> = routes.iter().map(|r| r.interface.as_str()).collect();
        let label = routes
            .iter()
            .find_map(|r| r.describes.clone())
            .map(|d| format!(" ({d})"))
            .unwrap_or_default();
        let Some(found) = found else {
            if connected && dest.prefix_len() == dest.max_prefix_len() {
                // A /32 on the loopback lives in the local table, which the
                // agent does not show; the address check covers it.
                return;
            }
            // Gone with its interface or its address: counted on that line.
            let cause = ifaces
                .iter()
                .find(|i| self.unusable.contains(**i) || self.address_missing_on.contains(**i))
                .and_then(|i| self.root_cause.get(*i).copied());
            if let Some(idx) = cause {
                *self.consequences.entry(idx).or_default() += 1;
                return;
            }
            let how = if connected {
                format!(
                    "connected route to {dest}{label} is missing on {}: check the interface's address",
                    ifaces.into_iter().collect::<Vec<_>>().join(", ")
                )
            } else {
                let hops: Vec<String> = planned_hops.iter().map(ToString::to_string).collect();
                let first = hops.first().cloned().unwrap_or_default();
                format!(
                    "route to {dest}{label} is missing (plan: via {}): add it (`ip route add {dest} via {first}`)",
                    hops.join(", ")
                )
            };
            self.diffs.push(Difference {
                expectation: Expectation::RoutesMatchPlan,
                kind: DifferenceKind::RouteMissing,
                subject: dest.to_string(),
                message: how,
            });
            return;
        };
        if connected {
            return;
        }
        let agent_hops: BTreeSet<IpAddr> = found.iter().filter_map(|r| r.next_hop).collect();
        let unplanned: Vec<String> = agent_hops
            .difference(&planned_hops)
            .map(ToString::to_string)
            .collect();
        if !unplanned.is_empty() || agent_hops.is_empty() {
            let planned_s: Vec<String> = planned_hops.iter().map(ToString::to_string).collect();
            let got = if agent_hops.is_empty() {
                "is directly connected".to_string()
            } else {
                format!(
                    "goes via {}",
                    agent_hops
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            self.diffs.push(Difference {
                expectation: Expectation::RoutesMatchPlan,
                kind: DifferenceKind::RouteNextHop,
                subject: dest.to_string(),
                message: format!(
                    "route to {dest}{label} {got}, the plan says via {}: fix the next hop",
                    planned_s.join(", ")
                ),
            });
        }
    }

    /// Routes the device has and the plan does not.
    fn extra_routes(
        &mut self,
        agent: &BTreeMap<IpNet, Vec<&crate::device::RouteEntry>>,
        plan_by_dest: &BTreeMap<IpNet, Vec<&netkit_plan::Route>>,
        own_nets: &BTreeSet<IpNet>,
    ) {
        for (dest, routes) in agent {
            if plan_by_dest.contains_key(dest) {
                continue;
            }
            let hops: Vec<String> = routes
                .iter()
                .filter_map(|r| r.next_hop)
                .map(|h| h.to_string())
                .collect();
            if hops.is_empty() && own_nets.contains(dest) {
                // The connected route of an address the agent has: the address
                // is what the address check judges.
                continue;
            }
            let via = if hops.is_empty() {
                let on: Vec<String> = routes.iter().filter_map(|r| r.interface.clone()).collect();
                format!(
                    "directly on {}",
                    if on.is_empty() {
                        "?".to_string()
                    } else {
                        on.join(", ")
                    }
                )
            } else {
                format!("via {}", hops.join(", "))
            };
            let del = match hops.first() {
                Some(h) => format!("`ip route del {dest} via {h}`"),
                None => format!("`ip route del {dest}`"),
            };
            self.diffs.push(Difference {
                expectation: Expectation::RoutesMatchPlan,
                kind: DifferenceKind::RouteExtra,
                subject: dest.to_string(),
                message: format!(
                    "route to {dest} {via} is not in the plan: remove it ({del}) or add it to the topology"
                ),
            });
        }
    }

    /// The report: consequences counted on their root-cause lines, most important
    /// first (stable, so the plan's order stays within a kind).
    fn finish(mut self, checked_addresses: usize, checked_routes: usize) -> DriftReport {
        for (idx, n) in std::mem::take(&mut self.consequences) {
            if let Some(d) = self.diffs.get_mut(idx) {
                d.message.push_str(&format!(
                    " ({n} planned route{} through it {} missing as a result)",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "is" } else { "are" }
                ));
            }
        }
        self.diffs.sort_by_key(|d| d.kind);
        DriftReport {
            device: self.device.to_string(),
            expectations: self.want.into_iter().collect(),
            differences: self.diffs,
            checked_interfaces: self.dev.interfaces.len(),
            checked_addresses,
            checked_routes,
        }
    }
}

fn speed_check(pi: &InterfacePlan, i: &Interface, diffs: &mut Vec<Difference>) {
    if let (Some(bw), Some(speed)) = (pi.bandwidth_bps, i.speed_bps)
        && speed < bw
    {
        diffs.push(Difference {
            expectation: Expectation::InterfacesUp,
            kind: DifferenceKind::SpeedBelowBandwidth,
            subject: pi.name.clone(),
            message: format!(
                "interface {} runs at {}, below the link's declared {}: check negotiation, duplex or the circuit",
                pi.name,
                mbps(speed),
                mbps(bw)
            ),
        });
    }
}

/// How long net-snmp keeps its ifTable cache (3 s by default), plus a margin.
pub const IF_CACHE_SETTLE: std::time::Duration = std::time::Duration::from_millis(3500);

/// Read device `device` through `client` and compare it with the plan. When an
/// interface looks down or missing, the interfaces are read once more after
/// [`IF_CACHE_SETTLE`]: net-snmp serves its ifTable from a 3 s cache, so an agent
/// started just before its links came up (a lab right after `lab up`) reports
/// them down for a few seconds. Only a difference seen twice is reported.
///
/// # Errors
/// Reading failed, or the device is not in the plan.
pub async fn check_device(
    client: &mut crate::client::Client,
    plan: &Plan,
    device: &str,
    expectations: &[Expectation],
    limits: crate::client::WalkLimits,
) -> Result<(DeviceState, DriftReport), CheckError> {
    let mut state = crate::device::read_device(client, limits).await?;
    let mut report = compare(plan, device, &state, expectations)?;
    let interface_trouble = report.differences.iter().any(|d| {
        matches!(
            d.kind,
            DifferenceKind::InterfaceMissing
                | DifferenceKind::InterfaceAdminDown
                | DifferenceKind::InterfaceOperDown
        )
    });
    if interface_trouble {
        tokio::time::sleep(IF_CACHE_SETTLE).await;
        let interfaces = crate::device::read_interfaces(client, limits).await?;
        let name_of = |idx: u32| {
            interfaces
                .iter()
                .find(|i| i.index == idx)
                .map(|i| i.name.clone())
        };
        for a in &mut state.addresses {
            a.interface = name_of(a.if_index);
        }
        for r in &mut state.routes {
            r.interface = name_of(r.if_index);
        }
        state.interfaces = interfaces;
        report = compare(plan, device, &state, expectations)?;
    }
    Ok((state, report))
}

/// Why [`check_device`] could not produce a report.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Snmp(#[from] crate::credentials::Error),
    #[error(transparent)]
    Drift(#[from] DriftError),
}
