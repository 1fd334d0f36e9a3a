//! The layer-2 part of a site (SPEC "Switches, patching and Wi-Fi"): switch ports and
//! uplinks, access points on their switch, racks with patch panels, wired access ports
//! per segment and switch, and the Wi-Fi of segments.
//!
//! Kept in one [`Layer2`] value per site rather than spread over devices and segments:
//! a site without it is exactly what it was before (a switch with neither `ports` nor
//! `uplink` is only drawn).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Diagnostic, Severity, Span, Topology};

/// Everything below layer 3 in a site, in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Layer2 {
    /// Switches with `ports` and `uplink` (the others are only drawn).
    pub switches: Vec<SwitchSpec>,
    /// Access points with a `switch`.
    pub access_points: Vec<AccessPointSpec>,
    pub racks: Vec<Rack>,
    /// `access: { sw1: 12 }` of every segment, segment order then switch order.
    pub access: Vec<AccessPorts>,
    /// `wifi` of every segment, in segment order.
    pub wifi: Vec<Wifi>,
}

impl Layer2 {
    /// True when the site has no layer-2 part at all.
    pub fn is_empty(&self) -> bool {
        self.switches.is_empty()
            && self.access_points.is_empty()
            && self.racks.is_empty()
            && self.access.is_empty()
            && self.wifi.is_empty()
    }

    pub fn switch(&self, name: &str) -> Option<&SwitchSpec> {
        self.switches.iter().find(|s| s.name == name)
    }
}

/// `sw1: { kind: switch, ports: 24, uplink: r1 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwitchSpec {
    /// Device name inside the site.
    pub name: String,
    /// Ports numbered 1..=ports.
    pub ports: u32,
    /// Device name (inside the site) its trunk goes to: a layer-3 device or a switch.
    pub uplink: String,
    pub span: Span,
}

/// `ap1: { kind: access-point, switch: sw1 }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessPointSpec {
    pub name: String,
    /// Switch name inside the site.
    pub switch: String,
    pub span: Span,
}

/// `baie-a: { panels: 2, panel_ports: 24 }`: patch panels `pp1`, `pp2`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rack {
    pub name: String,
    pub panels: u32,
    pub panel_ports: u32,
    pub span: Span,
}

/// `count` wired access ports of `segment` on `switch`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessPorts {
    /// Segment name inside the site.
    pub segment: String,
    pub switch: String,
    pub count: u32,
    pub span: Span,
}

/// Wi-Fi security of an SSID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Security {
    Open,
    Wpa2Psk,
    Wpa3Sae,
    Wpa2Enterprise,
    Wpa3Enterprise,
}

impl Security {
    pub const ALL: [Security; 5] = [
        Security::Open,
        Security::Wpa2Psk,
        Security::Wpa3Sae,
        Security::Wpa2Enterprise,
        Security::Wpa3Enterprise,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Security::Open => "open",
            Security::Wpa2Psk => "wpa2-psk",
            Security::Wpa3Sae => "wpa3-sae",
            Security::Wpa2Enterprise => "wpa2-enterprise",
            Security::Wpa3Enterprise => "wpa3-enterprise",
        }
    }

    /// WPA2/WPA3 personal: a passphrase (8 to 63 characters).
    pub fn needs_passphrase(self) -> bool {
        matches!(self, Security::Wpa2Psk | Security::Wpa3Sae)
    }

    /// 802.1X: a RADIUS server.
    pub fn is_enterprise(self) -> bool {
        matches!(self, Security::Wpa2Enterprise | Security::Wpa3Enterprise)
    }
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Security {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Security::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(())
    }
}

/// `wifi: { ssid: Acme, security: wpa2-psk, passphrase: "${NETKIT_WIFI_GUESTS}" }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wifi {
    /// Segment name inside the site.
    pub segment: String,
    pub ssid: String,
    pub security: Security,
    /// Name of the environment variable that holds the passphrase (written
    /// `"${NAME}"` in the topology); never the passphrase itself.
    pub passphrase_env: Option<String>,
    /// Named host id `site.segment.host` of the RADIUS server (enterprise security).
    pub radius: Option<String>,
    /// Environment variable of the RADIUS shared secret (`radius_secret: "${NAME}"`).
    pub radius_secret_env: Option<String>,
    pub span: Span,
    /// Where `passphrase` was written.
    pub passphrase_span: Option<Span>,
}

/// Check the passphrases of every Wi-Fi segment against the environment (`lookup`):
/// once expanded, a passphrase has 8 to 63 characters. A variable that is not set is
/// a warning (a topology is often validated where the secrets are not); a wrong length
/// is an error. The messages never contain the value.
pub fn check_secrets(
    topology: &Topology,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for site in &topology.sites {
        for w in &site.layer2.wifi {
            let Some(var) = &w.passphrase_env else {
                continue;
            };
            let id = format!("{}.{}", site.name, w.segment);
            let span = w.passphrase_span.unwrap_or(w.span);
            match lookup(var) {
                None => out.push(Diagnostic {
                    severity: Severity::Warning,
                    span: Some(span),
                    message: format!(
                        "the Wi-Fi passphrase of `{id}` comes from {var}, which is not set here"
                    ),
                    hint: Some(format!(
                        "export {var} (8 to 63 characters) before `netkit config --target openwrt --show-secrets` or `netkit lab up`"
                    )),
                }),
                Some(v) => {
                    let n = v.chars().count();
                    if !(8..=63).contains(&n) || v.chars().any(|c| !(' '..='~').contains(&c)) {
                        out.push(
                            Diagnostic::error(
                                span,
                                format!(
                                    "the Wi-Fi passphrase of `{id}` (from {var}) has {n} characters: WPA needs 8 to 63 printable ASCII characters"
                                ),
                            )
                            .with_hint(format!("set {var} to a passphrase of 8 to 63 characters")),
                        );
                    }
                }
            }
        }
    }
    out
}
