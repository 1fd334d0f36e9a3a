//! The typed topology: what a `netkit` YAML file means once it parsed and checked.
//!
//! Every collection keeps the order of the file, so that the planner is deterministic
//! and the documents list things the way the author wrote them.

use std::fmt;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

/// A place in the source text. Lines and columns count from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Span {
    /// Byte offset of the first character.
    pub offset: usize,
    /// Length in bytes (0 when only the start is known).
    pub len: usize,
    pub line: u32,
    pub column: u32,
}

/// Dynamic routing protocol of the whole network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoutingMode {
    #[default]
    Static,
    Ospf,
}

impl fmt::Display for RoutingMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RoutingMode::Static => "static",
            RoutingMode::Ospf => "ospf",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceKind {
    Router,
    L3Switch,
    Firewall,
    Switch,
    AccessPoint,
    Server,
}

impl DeviceKind {
    /// Routers, layer-3 switches and firewalls route; they get a loopback, interfaces
    /// with addresses and a routing table.
    pub fn is_layer3(self) -> bool {
        matches!(
            self,
            DeviceKind::Router | DeviceKind::L3Switch | DeviceKind::Firewall
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::Router => "router",
            DeviceKind::L3Switch => "l3-switch",
            DeviceKind::Firewall => "firewall",
            DeviceKind::Switch => "switch",
            DeviceKind::AccessPoint => "access-point",
            DeviceKind::Server => "server",
        }
    }
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The whole topology file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topology {
    pub name: String,
    /// Free text shown on the documents' cover.
    pub description: Option<String>,
    pub routing: RoutingMode,
    pub addressing: Addressing,
    pub sites: Vec<Site>,
    pub links: Vec<Link>,
    pub internet: Option<Internet>,
    pub dns: Option<Dns>,
    pub snmp: Option<Snmp>,
    pub policies: Vec<Policy>,
}

/// The `addressing:` block: pools and allocation rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Addressing {
    pub ipv4: Ipv4Net,
    pub ipv6: Option<Ipv6Net>,
    /// Pool for point-to-point links; `None` means carved from `ipv4`.
    pub wan: Option<Ipv4Net>,
    /// Pool for loopbacks; `None` means carved from `ipv4`.
    pub loopbacks: Option<Ipv4Net>,
    /// 31 (RFC 3021, default) or 30.
    pub p2p_prefix: u8,
    /// Spare room per segment, in percent of `hosts` (0 by default).
    pub growth_percent: u32,
    pub reserve: Vec<IpNet>,
    /// Where each field was written, for the planner's errors.
    pub spans: AddressingSpans,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddressingSpans {
    pub ipv4: Span,
    pub ipv6: Option<Span>,
    pub wan: Option<Span>,
    pub loopbacks: Option<Span>,
    /// One span per `reserve` entry, same order.
    pub reserve: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub name: String,
    pub location: Option<String>,
    pub description: Option<String>,
    /// Pinned IPv4 block of the site.
    pub prefix: Option<Ipv4Net>,
    /// Pinned IPv6 block of the site (only with `addressing.ipv6`).
    pub prefix6: Option<Ipv6Net>,
    pub devices: Vec<Device>,
    pub segments: Vec<Segment>,
    pub span: Span,
    pub prefix_span: Option<Span>,
    /// Switches, racks, access ports and Wi-Fi (empty when the site has none).
    #[serde(default, skip_serializing_if = "crate::Layer2::is_empty")]
    pub layer2: crate::Layer2,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    /// Name inside its site (`r1`); the id is `site.name`.
    pub name: String,
    pub kind: DeviceKind,
    pub description: Option<String>,
    /// Vendor/model, free text for the documents.
    pub model: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub name: String,
    pub vlan: u16,
    pub hosts: u32,
    pub description: Option<String>,
    pub prefix: Option<Ipv4Net>,
    pub prefix6: Option<Ipv6Net>,
    pub isolated: bool,
    /// Device name inside the site that routes this segment; `None` = the site's
    /// first layer-3 device.
    pub gateway: Option<String>,
    pub named: Vec<NamedHost>,
    pub span: Span,
    pub prefix_span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedHost {
    pub name: String,
    /// Offset of the host in its segment's subnet (10 means network address + 10).
    pub host: u32,
    pub services: Vec<Service>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Proto {
    Tcp,
    Udp,
}

impl fmt::Display for Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
        })
    }
}

/// `tcp/445`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Service {
    pub proto: Proto,
    pub port: u16,
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.proto, self.port)
    }
}

impl std::str::FromStr for Service {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (proto, port) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not a service: write it as tcp/PORT or udp/PORT"))?;
        let proto = match proto {
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            other => return Err(format!("unknown protocol `{other}`: use tcp or udp")),
        };
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("`{port}` is not a port: use a number from 1 to 65535"))?;
        Ok(Service { proto, port })
    }
}

impl Serialize for Service {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Service {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// Device id `site.device`.
    pub a: String,
    pub b: String,
    /// Declared bandwidth in bits per second.
    pub bandwidth_bps: Option<u64>,
    /// Declared cost; `None` = derived from bandwidth by the planner.
    pub cost: Option<u32>,
    /// Pinned link prefix.
    pub prefix: Option<Ipv4Net>,
    pub description: Option<String>,
    /// The service level the link must meet (`latency:`, `jitter:`, `loss:`).
    #[serde(default)]
    pub targets: LinkTargets,
    pub span: Span,
}

/// The service level a link must meet, written on the link (`latency: 20ms`, `jitter:
/// 5ms`, `loss: 1%`): the most the round trip across it may take, its jitter and its
/// loss, measured by `verify` (ICMP between the link's two ends). Targets, not an
/// emulation: the lab does not add delay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkTargets {
    /// Most average round-trip time, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rtt_ms: Option<f64>,
    /// Most jitter, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_jitter_ms: Option<f64>,
    /// Most loss, percent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_loss_pct: Option<f64>,
}

impl LinkTargets {
    /// No target at all (nothing to check).
    pub fn is_empty(&self) -> bool {
        self.max_rtt_ms.is_none() && self.max_jitter_ms.is_none() && self.max_loss_pct.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Internet {
    /// Device id of the edge (`hq.fw1`).
    pub edge: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dns {
    pub domain: String,
    /// Named host id `site.segment.host`.
    pub server: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SnmpVersion {
    #[serde(rename = "1")]
    V1,
    #[serde(rename = "2c")]
    V2c,
    #[serde(rename = "3")]
    V3,
}

/// SNMP credentials. Secret fields hold the text as written (usually `${VAR}`);
/// they are expanded from the environment only where they are used, and never printed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snmp {
    pub version: SnmpVersion,
    pub community: Option<String>,
    /// SNMPv3 user, authentication (SHA) and privacy (AES) passphrases.
    pub user: Option<String>,
    pub auth_protocol: Option<String>,
    pub auth_password: Option<String>,
    pub priv_protocol: Option<String>,
    pub priv_password: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyAction {
    Allow,
    Deny,
}

/// `{ deny: { from: lyon.users, to: hq.users } }`. `from`/`to` are segment ids
/// (`site.segment`), named host ids, or site names (every segment of the site).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub action: PolicyAction,
    pub from: String,
    pub to: String,
    /// Restrict to these services; empty = all traffic.
    pub services: Vec<Service>,
    pub span: Span,
}

impl Topology {
    pub fn site(&self, name: &str) -> Option<&Site> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// Look up a device by id `site.device`.
    pub fn device(&self, id: &str) -> Option<(&Site, &Device)> {
        let (site, dev) = id.split_once('.')?;
        let site = self.site(site)?;
        site.devices
            .iter()
            .find(|d| d.name == dev)
            .map(|d| (site, d))
    }

    /// Look up a segment by id `site.segment`.
    pub fn segment(&self, id: &str) -> Option<(&Site, &Segment)> {
        let (site, seg) = id.split_once('.')?;
        let site = self.site(site)?;
        site.segments
            .iter()
            .find(|s| s.name == seg)
            .map(|s| (site, s))
    }
}

impl Topology {
    /// Look up a named host by id `site.segment.host`.
    pub fn named_host(&self, id: &str) -> Option<(&Site, &Segment, &NamedHost)> {
        let (seg_id, host) = id.rsplit_once('.')?;
        let (site, seg) = self.segment(seg_id)?;
        seg.named
            .iter()
            .find(|h| h.name == host)
            .map(|h| (site, seg, h))
    }

    /// Every layer-3 device (router, l3-switch, firewall) with its site, in file order.
    pub fn layer3_devices(&self) -> impl Iterator<Item = (&Site, &Device)> {
        self.sites.iter().flat_map(|s| {
            s.devices
                .iter()
                .filter(|d| d.kind.is_layer3())
                .map(move |d| (s, d))
        })
    }
}

impl Site {
    /// The layer-3 device that routes `segment`: its `gateway`, or the site's first
    /// layer-3 device.
    pub fn gateway_of(&self, segment: &Segment) -> Option<&Device> {
        match &segment.gateway {
            Some(g) => self.devices.iter().find(|d| &d.name == g),
            None => self.devices.iter().find(|d| d.kind.is_layer3()),
        }
    }
}
