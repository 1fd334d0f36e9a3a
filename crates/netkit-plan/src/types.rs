//! The plan: what every other part of netkit reads. Serialized as SPEC.md's
//! "Plan JSON" (`netkit-plan/1`); field order here is the JSON's field order.
//! New fields are added with `#[serde(default)]` so that older plans still load.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use netkit_model::{DeviceKind, Proto, RoutingMode, Service, SnmpVersion};
use serde::{Deserialize, Serialize};

pub const PLAN_FORMAT: &str = "netkit-plan/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Always [`PLAN_FORMAT`].
    pub format: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub routing: RoutingMode,
    /// The pools the plan was made from.
    pub pools: Pools,
    pub sites: Vec<SitePlan>,
    pub devices: Vec<DevicePlan>,
    pub links: Vec<LinkPlan>,
    /// Routing table of every layer-3 device, by device id. IPv4 and IPv6 routes in
    /// one list, connected first, then by destination.
    pub routes: BTreeMap<String, Vec<Route>>,
    /// Ordered filtering rules per gateway device id (first match wins).
    #[serde(default)]
    pub filters: BTreeMap<String, Vec<FilterRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ospf: Option<OspfPlan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet: Option<InternetPlan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsPlan>,
    /// SNMP settings without secrets: the secret fields keep their `${VAR}` text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snmp: Option<SnmpPlan>,
    /// Switches, cables and Wi-Fi (`switches`, `cables`, `wifi` in the JSON; absent
    /// when the topology has no access layer).
    #[serde(flatten)]
    pub layer2: crate::Layer2Plan,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pools {
    pub ipv4: Ipv4Net,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<Ipv6Net>,
    /// Where link prefixes came from.
    pub wan: Ipv4Net,
    /// Where loopbacks came from.
    pub loopbacks: Ipv4Net,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wan6: Option<Ipv6Net>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loopbacks6: Option<Ipv6Net>,
    pub p2p_prefix: u8,
    pub growth_percent: u32,
    #[serde(default)]
    pub reserve: Vec<IpNet>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SitePlan {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub prefix: Ipv4Net,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix6: Option<Ipv6Net>,
    pub segments: Vec<SegmentPlan>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentPlan {
    /// `site.segment`.
    pub id: String,
    pub vlan: u16,
    /// Hosts asked for in the topology.
    pub hosts: u32,
    pub prefix: Ipv4Net,
    /// First usable address of `prefix`.
    pub gateway: Ipv4Addr,
    /// Device id of the layer-3 device that routes the segment.
    pub gateway_device: String,
    pub isolated: bool,
    /// Site name.
    pub site: String,
    /// Segment name inside the site.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Hosts the subnet was sized for: `ceil(hosts × (1 + growth))`.
    pub sized_for: u32,
    /// Usable host addresses in `prefix` (gateway included).
    pub usable: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix6: Option<Ipv6Net>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway6: Option<Ipv6Addr>,
    /// Gateway's interface name for this segment.
    pub interface: String,
    /// Layer-2 devices (switches, access points, servers) of the site attached here.
    #[serde(default)]
    pub named: Vec<NamedHostPlan>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedHostPlan {
    /// `site.segment.host`.
    pub id: String,
    pub name: String,
    pub address: Ipv4Addr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address6: Option<Ipv6Addr>,
    #[serde(default)]
    pub services: Vec<Service>,
    /// Fully qualified DNS name when the topology has `dns`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevicePlan {
    /// `site.device`.
    pub id: String,
    pub kind: DeviceKind,
    /// `/32` loopback, layer-3 devices only.
    #[serde(default)]
    pub loopback: Option<Ipv4Net>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loopback6: Option<Ipv6Net>,
    pub interfaces: Vec<InterfacePlan>,
    pub site: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Fully qualified DNS name when the topology has `dns`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fqdn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterfacePlan {
    /// Linux-safe name (at most 15 characters), stable across plans.
    pub name: String,
    /// Address with its prefix length, e.g. `10.255.0.0/31`.
    pub address: Ipv4Net,
    /// Link id when the interface ends a link.
    pub link: Option<usize>,
    /// Segment id when the interface is a segment's gateway.
    pub segment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address6: Option<Ipv6Net>,
    /// Device id at the other end of a link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u16>,
    /// Declared bandwidth of the link, bits per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_bps: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkPlan {
    pub id: usize,
    pub a: String,
    pub b: String,
    pub prefix: Ipv4Net,
    pub a_address: Ipv4Addr,
    pub b_address: Ipv4Addr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth_bps: Option<u64>,
    pub cost: u32,
    pub a_interface: String,
    pub b_interface: String,
    /// Both ends in different sites.
    pub wan: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix6: Option<Ipv6Net>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_address6: Option<Ipv6Addr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b_address6: Option<Ipv6Addr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The link's service-level targets (`max_rtt_ms`, `max_jitter_ms`,
    /// `max_loss_pct`, each only when the topology sets it).
    #[serde(default, flatten)]
    pub targets: netkit_model::LinkTargets,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    Connected,
    Static,
    Default,
    Ospf,
}

/// One routing table entry. Equal-cost paths are several entries with the same
/// destination and different next hops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub destination: IpNet,
    /// `None` for connected routes.
    pub next_hop: Option<IpAddr>,
    pub interface: String,
    pub metric: u32,
    pub kind: RouteKind,
    /// What the destination is, for people: `lyon.users`, `site lyon`, `loopback hq.r1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub describes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FilterAction {
    Accept,
    Drop,
}

/// A stateful filtering rule on a gateway: it matches packets that open a new
/// connection; replies to connections opened from the other side always pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterRule {
    pub action: FilterAction,
    /// Source prefixes (IPv4 and IPv6).
    pub from: Vec<IpNet>,
    /// Destination prefixes; empty means any destination.
    pub to: Vec<IpNet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proto: Option<Proto>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Why the rule exists: `isolated hq.guests`, `policy 1: deny lyon.users -> hq.users`.
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OspfPlan {
    /// How areas were chosen, e.g. `single-area` (everything in area 0).
    pub design: String,
    pub reference_bandwidth_mbps: u64,
    pub routers: Vec<OspfRouter>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OspfRouter {
    pub device: String,
    pub router_id: Ipv4Addr,
    pub interfaces: Vec<OspfInterface>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OspfInterface {
    pub name: String,
    pub area: Ipv4Addr,
    pub cost: u32,
    pub passive: bool,
    /// `point-to-point` on links, `broadcast` on segments.
    pub network_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InternetPlan {
    pub edge: String,
    /// Address of the upstream on the edge's uplink (TEST-NET-3 in labs).
    pub uplink_prefix: Ipv4Net,
    pub edge_address: Ipv4Addr,
    pub upstream_address: Ipv4Addr,
    pub edge_interface: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DnsPlan {
    pub domain: String,
    /// Named host id of the server.
    pub server: String,
    pub server_address: Ipv4Addr,
    /// Every name the server answers for, sorted by name.
    pub records: Vec<DnsRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsRecord {
    pub name: String,
    pub address: IpAddr,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnmpPlan {
    pub version: SnmpVersion,
    /// As written in the topology (e.g. `${NETKIT_SNMP_COMMUNITY}`), never expanded here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priv_protocol: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priv_password: Option<String>,
}

impl Plan {
    pub fn device(&self, id: &str) -> Option<&DevicePlan> {
        self.devices.iter().find(|d| d.id == id)
    }

    pub fn segment(&self, id: &str) -> Option<&SegmentPlan> {
        self.sites
            .iter()
            .flat_map(|s| &s.segments)
            .find(|s| s.id == id)
    }

    pub fn segments(&self) -> impl Iterator<Item = &SegmentPlan> {
        self.sites.iter().flat_map(|s| &s.segments)
    }

    pub fn named_host(&self, id: &str) -> Option<(&SegmentPlan, &NamedHostPlan)> {
        self.segments()
            .flat_map(|s| s.named.iter().map(move |n| (s, n)))
            .find(|(_, n)| n.id == id)
    }

    /// Layer-3 devices, in plan order.
    pub fn routers(&self) -> impl Iterator<Item = &DevicePlan> {
        self.devices.iter().filter(|d| d.kind.is_layer3())
    }

    /// Serialize as SPEC's plan JSON, pretty-printed, with a final newline.
    pub fn to_json(&self) -> String {
        // A Plan holds only strings, numbers, addresses and maps with string keys:
        // serde_json cannot fail on it.
        let mut s = serde_json::to_string_pretty(self).expect("plan serializes");
        s.push('\n');
        s
    }

    /// Read a plan JSON written by [`Plan::to_json`].
    pub fn from_json(text: &str) -> Result<Plan, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl SegmentPlan {
    /// The segment's vantage address: where probes "from the segment" start, and what
    /// an isolated segment stands for as a target. The lab's test host takes the
    /// highest usable address that no named host holds (the last usable one, unless
    /// a named host was given it); when a named host holds every address from
    /// offset 2 up, that host stands in for the test host ([`Self::vantage_host`])
    /// and this is its address.
    pub fn test_host(&self) -> Ipv4Addr {
        match self.free_test_host() {
            Some(a) => a,
            None => self
                .vantage_host()
                .map(|h| h.address)
                .unwrap_or_else(|| self.last_usable()),
        }
    }

    /// The named host that stands in for the lab's test host when the segment has
    /// no free address (e.g. `hosts: 1` in a /30 with a named host at offset 2);
    /// `None` when the lab has a test host of its own at [`Self::test_host`].
    pub fn vantage_host(&self) -> Option<&NamedHostPlan> {
        if self.free_test_host().is_some() {
            return None;
        }
        self.named.iter().max_by_key(|n| n.address)
    }

    fn last_usable(&self) -> Ipv4Addr {
        let b = u32::from(self.prefix.broadcast());
        if self.prefix.prefix_len() >= 31 {
            Ipv4Addr::from(b)
        } else {
            Ipv4Addr::from(b - 1)
        }
    }

    /// The highest usable address above the gateway that no named host holds.
    fn free_test_host(&self) -> Option<Ipv4Addr> {
        let low = u32::from(self.gateway).max(u32::from(self.prefix.network()));
        let mut a = u32::from(self.last_usable());
        // At most one step per named host: the loop is bounded by their number.
        while a > low {
            if !self.named.iter().any(|n| u32::from(n.address) == a) {
                return Some(Ipv4Addr::from(a));
            }
            a -= 1;
        }
        None
    }
}

impl FilterRule {
    /// Whether this rule matches a packet from `src` to `dst` that opens a connection
    /// (`proto`/`port` `None` for ICMP or "any").
    pub fn matches(
        &self,
        src: IpAddr,
        dst: IpAddr,
        proto: Option<Proto>,
        port: Option<u16>,
    ) -> bool {
        self.from.iter().any(|p| p.contains(&src))
            && (self.to.is_empty() || self.to.iter().any(|p| p.contains(&dst)))
            && (self.proto.is_none() || self.proto == proto)
            && (self.port.is_none() || self.port == port)
    }
}

/// The rule of an ordered list that decides a new connection from `src` to `dst`:
/// the first that matches; `None` means no rule matches and the connection passes.
/// Verify, the lab and the tests read the rules through this one function.
pub fn first_matching_rule(
    rules: &[FilterRule],
    src: IpAddr,
    dst: IpAddr,
    proto: Option<Proto>,
    port: Option<u16>,
) -> Option<&FilterRule> {
    rules.iter().find(|r| r.matches(src, dst, proto, port))
}
