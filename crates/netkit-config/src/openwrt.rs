//! OpenWrt (21.02 and later, DSA-era `config device` syntax) files of an access point
//! of the plan: `/etc/config/network` (one 802.1Q device per SSID VLAN on the wired
//! port `lan`, a bridge `br-vlanN` on it, an unaddressed interface `vlanN`) and
//! `/etc/config/wireless` (radio0 on 2.4 GHz and radio1 on 5 GHz with the plan's
//! channels, one `wifi-iface` per SSID and radio on its VLAN's interface).
//!
//! Encryption per security: open `none`, wpa2-psk `psk2`, wpa3-sae `sae`,
//! wpa2-enterprise `wpa2`, wpa3-enterprise `wpa3` (with `auth_server`, `auth_port`
//! 1812 and `auth_secret`). The passphrase and the RADIUS secret are written only with
//! [`Secrets::Expand`]; otherwise the `key`/`auth_secret` lines are comments naming the
//! variable. A wireless file whose SSIDs use a secret is marked private (written 0600).
//!
//! Values are quoted UCI strings (see [`quote`]).

use std::fmt::Write;

use netkit_model::Security;
use netkit_plan::{Plan, SsidPlan, WifiPlan};

use crate::text::ident;
use crate::{Error, Result, Secrets};

/// A UCI quoted value: single quotes; double quotes when the value holds a `'` (and
/// no `"` or `\`); otherwise `'\''` for each `'`, as `uci export` writes it.
pub fn quote(value: &str) -> String {
    let clean: String = value.chars().filter(|c| !c.is_control()).collect();
    if !clean.contains('\'') {
        format!("'{clean}'")
    } else if !clean.contains(['"', '\\']) {
        format!("\"{clean}\"")
    } else {
        format!("'{}'", clean.replace('\'', "'\\''"))
    }
}

/// UCI section and interface names: `[A-Za-z0-9_]`.
fn section(text: &str) -> String {
    ident(text).replace(['.', '-'], "_")
}

pub fn encryption(s: Security) -> &'static str {
    match s {
        Security::Open => "none",
        Security::Wpa2Psk => "psk2",
        Security::Wpa3Sae => "sae",
        Security::Wpa2Enterprise => "wpa2",
        Security::Wpa3Enterprise => "wpa3",
    }
}

/// Whether the wireless file of this access point holds (or would hold) a secret.
pub fn has_secret(w: &WifiPlan) -> bool {
    w.ssids
        .iter()
        .any(|s| s.security.needs_passphrase() || s.security.is_enterprise())
}

fn header(plan: &Plan, w: &WifiPlan, what: &str) -> String {
    format!(
        "# netkit: {what} of access point {} (plan {}), generated from the plan: edit the topology, not this file\n",
        ident(&w.ap),
        crate::text::one_line(&plan.name, 80)
    )
}

/// `/etc/config/network` of access point `w`.
pub fn network(plan: &Plan, w: &WifiPlan) -> String {
    let mut o = header(plan, w, "/etc/config/network");
    o.push_str(
        "\nconfig interface 'loopback'\n\toption device 'lo'\n\toption proto 'static'\n\toption ipaddr '127.0.0.1'\n\toption netmask '255.0.0.0'\n",
    );
    let mut vlans: Vec<u16> = w.ssids.iter().map(|s| s.vlan).collect();
    vlans.sort_unstable();
    vlans.dedup();
    for v in vlans {
        let _ = write!(
            o,
            "\nconfig device 'lan_{v}'\n\toption type '8021q'\n\toption ifname 'lan'\n\toption vid '{v}'\n\toption name 'lan.{v}'\n\
             \nconfig device 'br_vlan{v}'\n\toption type 'bridge'\n\toption name 'br-vlan{v}'\n\tlist ports 'lan.{v}'\n\
             \nconfig interface 'vlan{v}'\n\toption device 'br-vlan{v}'\n\toption proto 'none'\n"
        );
    }
    o
}

/// `/etc/config/wireless` of access point `w`.
///
/// # Errors
/// With [`Secrets::Expand`], a variable that is not set, or a passphrase outside 8 to
/// 63 characters.
pub fn wireless(plan: &Plan, w: &WifiPlan, secrets: &Secrets) -> Result<String> {
    let mut o = header(plan, w, "/etc/config/wireless");
    for (radio, band, channel, htmode) in [
        ("radio0", "2g", w.channel_24, "HT20"),
        ("radio1", "5g", w.channel_5, "VHT20"),
    ] {
        let _ = write!(
            o,
            "\nconfig wifi-device '{radio}'\n\toption type 'mac80211'\n\toption band '{band}'\n\toption channel '{channel}'\n\toption htmode '{htmode}'\n\toption country 'FR'\n\toption disabled '0'\n"
        );
    }
    for s in &w.ssids {
        for radio in ["radio0", "radio1"] {
            let _ = write!(
                o,
                "\nconfig wifi-iface '{}_{radio}'\n\toption device '{radio}'\n\toption mode 'ap'\n\toption network 'vlan{}'\n\toption ssid {}\n\toption encryption '{}'\n",
                section(&s.segment),
                s.vlan,
                quote(&s.ssid),
                encryption(s.security)
            );
            secret_lines(&mut o, s, secrets)?;
        }
    }
    Ok(o)
}

fn secret_lines(o: &mut String, s: &SsidPlan, secrets: &Secrets) -> Result<()> {
    let expand = |var: &str, field: &'static str| -> Result<Option<String>> {
        match secrets {
            Secrets::Hidden => Ok(None),
            Secrets::Expand(lookup) => lookup(var).map(Some).ok_or_else(|| Error::MissingSecret {
                what: field,
                variable: var.to_string(),
            }),
        }
    };
    if s.security.needs_passphrase() {
        let var = s
            .passphrase_env
            .as_deref()
            .unwrap_or("NETKIT_WIFI_PASSPHRASE");
        match expand(var, "Wi-Fi passphrase")? {
            Some(k) => {
                let n = k.chars().count();
                if !(8..=63).contains(&n) {
                    return Err(Error::BadPassphrase {
                        variable: var.to_string(),
                        length: n,
                    });
                }
                let _ = writeln!(o, "\toption key {}", quote(&k));
            }
            None => {
                let _ = writeln!(
                    o,
                    "\t# option key '<the value of {}>' (netkit config --show-secrets writes it)",
                    ident(var)
                );
            }
        }
    }
    if s.security.is_enterprise() {
        let server = s.radius_address.map(|a| a.to_string()).unwrap_or_default();
        let _ = writeln!(
            o,
            "\toption auth_server '{server}'\n\toption auth_port '1812'"
        );
        match s.radius_secret_env.as_deref() {
            Some(var) => match expand(var, "RADIUS secret")? {
                Some(k) => {
                    let _ = writeln!(o, "\toption auth_secret {}", quote(&k));
                }
                None => {
                    let _ = writeln!(o, "\t# option auth_secret '<the value of {}>' (netkit config --show-secrets writes it)", ident(var));
                }
            },
            None => o.push_str("\t# option auth_secret: add `radius_secret: \"${VAR}\"` to the SSID's wifi in the topology\n"),
        }
    }
    Ok(())
}
