//! The layer-2 part of the plan (SPEC "Switches, patching and Wi-Fi"): `switches`,
//! `cables` and `wifi`, flattened into the plan JSON; each list is left out when empty,
//! so that a topology without an access layer gives the plan it gave before.

use std::net::Ipv4Addr;

use netkit_model::Security;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Layer2Plan {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub switches: Vec<SwitchPlan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cables: Vec<CablePlan>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wifi: Vec<WifiPlan>,
}

impl Layer2Plan {
    pub fn is_empty(&self) -> bool {
        self.switches.is_empty() && self.cables.is_empty() && self.wifi.is_empty()
    }

    pub fn switch(&self, id: &str) -> Option<&SwitchPlan> {
        self.switches.iter().find(|s| s.id == id)
    }

    pub fn cable(&self, id: &str) -> Option<&CablePlan> {
        self.cables.iter().find(|c| c.id == id)
    }
}

/// One switch with every used port, in port order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwitchPlan {
    /// `site.switch`.
    pub id: String,
    pub site: String,
    pub ports_total: u32,
    pub ports: Vec<PortPlan>,
    /// Device id the uplink trunk goes to (a layer-3 device or a switch).
    pub uplink: String,
    /// The rack it stands in (the site's first rack), when the site has racks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rack: Option<String>,
}

impl SwitchPlan {
    pub fn port(&self, number: u32) -> Option<&PortPlan> {
        self.ports.iter().find(|p| p.port == number)
    }

    /// The uplink port.
    pub fn uplink_port(&self) -> Option<&PortPlan> {
        self.ports.iter().find(|p| p.role == PortRole::Uplink)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PortMode {
    Access,
    Trunk,
}

/// What a port is for; also the cable's role (and colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PortRole {
    /// Toward the switch's `uplink`.
    Uplink,
    /// Toward a cascaded switch.
    Trunk,
    AccessPoint,
    Access,
}

impl PortRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PortRole::Uplink => "uplink",
            PortRole::Trunk => "trunk",
            PortRole::AccessPoint => "access-point",
            PortRole::Access => "access",
        }
    }

    /// Cable colour by role: access blue, access point green, trunk between switches
    /// yellow, uplink to the layer-3 device red.
    pub fn colour(self) -> &'static str {
        match self {
            PortRole::Uplink => "red",
            PortRole::Trunk => "yellow",
            PortRole::AccessPoint => "green",
            PortRole::Access => "blue",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortPlan {
    pub port: u32,
    pub mode: PortMode,
    /// Trunks: the VLANs carried (tagged), ascending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlans: Option<Vec<u16>>,
    /// Access ports: the VLAN (untagged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vlan: Option<u16>,
    /// Trunks: the device id at the other end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Access ports: the segment id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<String>,
    pub role: PortRole,
    /// Patch panel port `rack.ppN:P`, for access ports and access points in a site with racks.
    pub panel: Option<String>,
    /// Cable id.
    pub cable: String,
}

impl PortPlan {
    /// VLANs of the port: the carried ones of a trunk, the one of an access port.
    pub fn vlan_list(&self) -> Vec<u16> {
        match (&self.vlans, self.vlan) {
            (Some(v), _) => v.clone(),
            (None, Some(v)) => vec![v],
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CablePlan {
    /// `HQ-C001`, numbered per site.
    pub id: String,
    /// `hq.sw1:4`.
    pub a: String,
    /// `baie-a.pp1:2`, `hq.sw2:1`, `hq.r1` or `hq.ap1`.
    pub b: String,
    pub role: PortRole,
    pub colour: String,
    pub site: String,
    /// What the patched line serves beyond the panel: the access point's id, or the
    /// segment id of a desk port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub far_end: Option<String>,
    /// VLANs the cable carries.
    #[serde(default)]
    pub vlans: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WifiPlan {
    /// Access point id.
    pub ap: String,
    /// Switch id.
    pub switch: String,
    /// Switch port.
    pub port: u32,
    /// 1, 6 or 11.
    pub channel_24: u8,
    /// 36, 40, 44, 48, 149, 153, 157, 161 or 165.
    pub channel_5: u8,
    pub ssids: Vec<SsidPlan>,
    pub site: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SsidPlan {
    pub ssid: String,
    pub vlan: u16,
    pub segment: String,
    pub security: Security,
    /// Environment variable that holds the passphrase: never the passphrase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passphrase_env: Option<String>,
    /// Named host id of the RADIUS server (enterprise security).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_address: Option<Ipv4Addr>,
    /// Environment variable of the RADIUS shared secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius_secret_env: Option<String>,
}

/// 2.4 GHz channels that do not overlap.
pub const CHANNELS_24: [u8; 3] = [1, 6, 11];
/// 5 GHz 20 MHz channels without DFS first (UNII-1), then UNII-3.
pub const CHANNELS_5: [u8; 9] = [36, 40, 44, 48, 149, 153, 157, 161, 165];
