//! The data of a lab design (nodes, bridges, veth pairs, addresses, routes), apart
//! from the code that works it out (`design`, `switching`), so that both use it
//! without importing each other.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use netkit_model::RoutingMode;
use serde::{Deserialize, Serialize};

/// What a lab node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NodeKind {
    /// A layer-3 device (router, l3-switch, firewall): forwards.
    Device,
    /// A segment's test host, at the segment's last usable address.
    TestHost,
    /// A named host of a segment, at its planned address.
    NamedHost,
    /// The upstream behind the internet edge (TEST-NET-3).
    Internet,
    /// A switch of the access layer: one bridge per VLAN (`switching`).
    Switch,
    /// An access point: one bridge per SSID VLAN, its wireless client behind it.
    AccessPoint,
    /// A test host behind the SSID of an access point (a segment's test host when
    /// the segment is only on Wi-Fi, or its extra client `site.segment.wifi-AP`).
    WirelessClient,
}

/// How many lab nodes there are of each kind, for summaries (`lab up`, `lab status`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeCounts {
    /// Layer-3 devices (routers, layer-3 switches, firewalls).
    pub routers: usize,
    pub switches: usize,
    pub access_points: usize,
    /// Wired hosts: test hosts, named hosts and the internet upstream.
    pub hosts: usize,
    /// Test hosts behind an SSID of an access point.
    pub wireless_clients: usize,
}

impl NodeCounts {
    /// Count the nodes of these kinds.
    pub fn of(kinds: impl IntoIterator<Item = NodeKind>) -> NodeCounts {
        let mut c = NodeCounts::default();
        for k in kinds {
            match k {
                NodeKind::Device => c.routers += 1,
                NodeKind::Switch => c.switches += 1,
                NodeKind::AccessPoint => c.access_points += 1,
                NodeKind::TestHost | NodeKind::NamedHost | NodeKind::Internet => c.hosts += 1,
                NodeKind::WirelessClient => c.wireless_clients += 1,
            }
        }
        c
    }
}

/// Interface indexes chosen by the lab start here (a fresh namespace has `lo` = 1,
/// and fallback tunnel devices may take a few low indexes).
pub(crate) const FIRST_IFINDEX: u32 = 100;

#[derive(Debug, Clone)]
pub struct NodeDesign {
    pub id: String,
    pub ns: String,
    pub kind: NodeKind,
    pub loopbacks: Vec<IpNet>,
    pub(crate) next_ifindex: u32,
}

#[derive(Debug, Clone)]
pub struct BridgeDesign {
    pub node: usize,
    pub name: String,
    pub index: u32,
}

#[derive(Debug, Clone)]
pub struct VethDesign {
    pub what: String,
    pub link: Option<usize>,
    pub a: usize,
    pub a_if: String,
    pub a_index: u32,
    /// Bridge (index in node `a`) the `a` end is a port of.
    pub a_master: Option<u32>,
    pub b: usize,
    pub b_if: String,
    pub b_index: u32,
    /// Bridge (index in node `b`) the `b` end is a port of.
    pub b_master: Option<u32>,
    pub rate_bps: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct AddrDesign {
    pub node: usize,
    pub index: u32,
    pub ifname: String,
    pub net: IpNet,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HopDesign {
    pub gateway: Option<IpAddr>,
    pub index: u32,
    pub ifname: String,
}

#[derive(Debug, Clone)]
pub struct RouteDesign {
    pub node: usize,
    pub destination: IpNet,
    pub hops: Vec<HopDesign>,
    pub metric: Option<u32>,
}

/// Everything `up` builds from a plan.
#[derive(Debug, Clone)]
pub struct Design {
    pub lab: String,
    pub routing: RoutingMode,
    pub nodes: Vec<NodeDesign>,
    pub bridges: Vec<BridgeDesign>,
    pub veths: Vec<VethDesign>,
    pub addresses: Vec<AddrDesign>,
    pub routes: Vec<RouteDesign>,
    /// Default gateway of host nodes, by node index.
    pub gateways: BTreeMap<usize, IpAddr>,
    /// What cannot be reproduced from the plan, one sentence each.
    pub warnings: Vec<String>,
}
