//! Plan -> device configurations, one file (or two) per layer-3 device:
//!
//! - [`frr::render`]: an FRR `frr.conf` (FRR 8.x): interfaces with their addresses,
//!   static routes or OSPF (`ospfd`, and `ospf6d` for IPv6), forwarding on.
//! - [`ios::render`]: a Cisco IOS configuration (IOS 15.x syntax): dot1Q
//!   sub-interfaces for segments, one interface per link, static routes or OSPF,
//!   reflexive access lists for the filter rules, SNMP.
//! - [`linux::ip_batch`] and [`linux::nftables`]: an `ip -batch` file (addresses,
//!   routes) and an `nft -f` ruleset (the filter rules, stateful).
//!
//! Pure: no IO. Secrets are never written unless the caller passes
//! [`Secrets::Expand`] with a way to read them (the CLI's `--show-secrets` reads the
//! environment). Names and descriptions from the topology go through [`text`] so that
//! they cannot inject configuration syntax.
//!
//! - [`switch::render`]: a Cisco IOS switch configuration (VLANs, access ports, pruned
//!   trunks) for every switch of the plan, with `--target ios`.
//! - [`openwrt::wireless`] and [`openwrt::network`]: an access point's
//!   `/etc/config/wireless` and `/etc/config/network`, with `--target openwrt`.
//!
//! Not here: writing files (the CLI does it atomically), running FRR or `ip` (the lab).

pub mod frr;
pub mod ios;
pub mod linux;
pub mod openwrt;
pub mod switch;
pub mod text;

use std::fmt;
use std::str::FromStr;

use netkit_plan::{DevicePlan, InterfacePlan, Plan};

/// Which kind of configuration to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Frr,
    Ios,
    Linux,
    /// Access points: OpenWrt `wireless` and `network` files.
    Openwrt,
}

impl Target {
    pub const ALL: [Target; 4] = [Target::Frr, Target::Ios, Target::Linux, Target::Openwrt];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Frr => "frr",
            Target::Ios => "ios",
            Target::Linux => "linux",
            Target::Openwrt => "openwrt",
        }
    }

    /// File names written for `device_id`: `hq.r1.frr.conf`, `hq.r1.ios.cfg`, or
    /// `hq.r1.ip` + `hq.r1.nft`.
    pub fn file_names(self, device_id: &str) -> Vec<String> {
        let id = text::ident(device_id);
        match self {
            Target::Frr => vec![format!("{id}.frr.conf")],
            Target::Ios => vec![format!("{id}.ios.cfg")],
            Target::Linux => vec![format!("{id}.ip"), format!("{id}.nft")],
            Target::Openwrt => vec![format!("{id}.wireless"), format!("{id}.network")],
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Target {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "frr" => Ok(Target::Frr),
            "ios" => Ok(Target::Ios),
            "linux" => Ok(Target::Linux),
            "openwrt" => Ok(Target::Openwrt),
            other => Err(Error::UnknownTarget(other.to_string())),
        }
    }
}

/// How secrets (SNMP communities and passphrases) are written.
pub enum Secrets<'a> {
    /// Never: the lines that would hold them are written commented out, with a
    /// placeholder.
    Hidden,
    /// `${VAR}` references in the secret fields are expanded with this lookup
    /// (the CLI passes the environment); literal text is written as is.
    Expand(&'a dyn Fn(&str) -> Option<String>),
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown configuration target `{0}`: use frr, ios, linux or openwrt")]
    UnknownTarget(String),
    #[error(
        "{0} is not a layer-3 device of the plan for this target: pick a router, l3-switch or firewall id (frr, ios, linux), a switch with ports (ios) or an access point with Wi-Fi (openwrt)"
    )]
    UnknownDevice(String),
    #[error(
        "the {what} comes from the environment variable {variable}, which is not set: export {variable}, or leave out --show-secrets"
    )]
    MissingSecret {
        what: &'static str,
        variable: String,
    },
    #[error(
        "the Wi-Fi passphrase in {variable} has {length} characters: WPA needs 8 to 63; set {variable} to a longer or shorter one"
    )]
    BadPassphrase { variable: String, length: usize },
    #[error(
        "the SNMP {field} refers to the environment variable {variable}, which is not set: export {variable}, or leave out --show-secrets"
    )]
    MissingVariable {
        field: &'static str,
        variable: String,
    },
    #[error("the SNMP {field} has an unterminated `${{`: write it as ${{VARIABLE}}")]
    BadReference { field: &'static str },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One file to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub name: String,
    pub contents: String,
    /// Holds (or is meant to hold) a secret: written readable by its owner only (0600).
    pub private: bool,
}

/// Every file of `target` for every layer-3 device of the plan (or only `devices`
/// when not empty), in plan order; with `ios`, every switch with ports too; with
/// `openwrt`, every access point with its Wi-Fi (and no layer-3 device).
///
/// # Errors
/// A device id in `devices` that is not a layer-3 device; with
/// [`Secrets::Expand`], a secret naming an unset variable.
pub fn render_all(
    plan: &Plan,
    target: Target,
    devices: &[String],
    secrets: &Secrets,
) -> Result<Vec<ConfigFile>> {
    for d in devices {
        let known = match target {
            Target::Openwrt => plan.layer2.wifi.iter().any(|w| &w.ap == d),
            Target::Ios => plan.routers().any(|r| &r.id == d) || plan.layer2.switch(d).is_some(),
            _ => plan.routers().any(|r| &r.id == d),
        };
        if !known {
            return Err(Error::UnknownDevice(d.clone()));
        }
    }
    let wanted = |id: &str| devices.is_empty() || devices.iter().any(|d| d == id);
    let mut files = Vec::new();
    if target == Target::Openwrt {
        for w in plan.layer2.wifi.iter().filter(|w| wanted(&w.ap)) {
            let names = target.file_names(&w.ap);
            files.push(ConfigFile {
                name: names[0].clone(),
                contents: openwrt::wireless(plan, w, secrets)?,
                private: openwrt::has_secret(w),
            });
            files.push(ConfigFile {
                name: names[1].clone(),
                contents: openwrt::network(plan, w),
                private: false,
            });
        }
        return Ok(files);
    }
    for d in plan.routers() {
        if !devices.is_empty() && !devices.contains(&d.id) {
            continue;
        }
        let names = target.file_names(&d.id);
        let contents = match target {
            Target::Frr => vec![frr::render(plan, &d.id)],
            Target::Ios => vec![ios::render_with_secrets(plan, &d.id, secrets)?],
            Target::Linux => vec![linux::ip_batch(plan, &d.id), linux::nftables(plan, &d.id)],
            Target::Openwrt => Vec::new(),
        };
        for (name, contents) in names.into_iter().zip(contents) {
            files.push(ConfigFile {
                name,
                contents,
                private: false,
            });
        }
    }
    if target == Target::Ios {
        for s in plan.layer2.switches.iter().filter(|s| wanted(&s.id)) {
            if let Some(contents) = switch::render(plan, &s.id) {
                files.push(ConfigFile {
                    name: target.file_names(&s.id).remove(0),
                    contents,
                    private: false,
                });
            }
        }
    }
    Ok(files)
}

/// Expand `${VAR}` references in a secret with `lookup`.
///
/// # Errors
/// A variable that `lookup` does not know, or an unterminated `${`.
pub fn expand_secret(
    value: &str,
    field: &'static str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String> {
    // The one grammar of `netkit-units`; the errors keep this crate's variants.
    netkit_units::expand(value, field, lookup).map_err(|e| match e {
        netkit_units::UnitError::Unset { name, .. } => Error::MissingVariable {
            field,
            variable: name,
        },
        _ => Error::BadReference { field },
    })
}

/// What an interface is for, in words, for descriptions: `link 0 to lyon.r1`,
/// `segment hq.users`, `internet uplink`.
pub(crate) fn purpose(plan: &Plan, device_id: &str, i: &InterfacePlan) -> String {
    if let Some(id) = i.link {
        let link = plan.links.iter().find(|l| l.id == id);
        let peer = i
            .peer
            .clone()
            .or_else(|| {
                link.map(|l| {
                    if l.a == device_id {
                        l.b.clone()
                    } else {
                        l.a.clone()
                    }
                })
            })
            .unwrap_or_default();
        let mut s = format!("link {id} to {peer}");
        if let Some(d) = link.and_then(|l| l.description.as_deref()) {
            s.push_str(": ");
            s.push_str(d);
        }
        return s;
    }
    if let Some(seg) = &i.segment {
        let mut s = format!("segment {seg}");
        if let Some(d) = plan.segment(seg).and_then(|s| s.description.as_deref()) {
            s.push_str(": ");
            s.push_str(d);
        }
        return s;
    }
    if plan
        .internet
        .as_ref()
        .is_some_and(|n| n.edge_interface == i.name)
    {
        return "internet uplink".to_string();
    }
    String::new()
}

/// Layer-3 device `id` of the plan.
pub(crate) fn router<'a>(plan: &'a Plan, id: &str) -> Option<&'a DevicePlan> {
    plan.routers().find(|d| d.id == id)
}

/// Is this device the internet edge?
pub(crate) fn is_edge(plan: &Plan, id: &str) -> bool {
    plan.internet.as_ref().is_some_and(|i| i.edge == id)
}

/// The first line of every file: what it is and where it comes from.
pub(crate) fn header(plan: &Plan, device: &DevicePlan, what: &str) -> String {
    format!(
        "netkit: {what} of {} (plan {}), generated from the plan: edit the topology, not this file",
        text::ident(&device.id),
        text::one_line(&plan.name, 80)
    )
}
