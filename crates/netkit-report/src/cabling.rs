//! The access-layer documents, from the plan's `switches`, `cables` and `wifi`: the
//! patching plan (plan de brassage) and the Wi-Fi plan as an `index.html` section, as
//! Markdown (`cabling.md`), as `cabling.csv` and `wifi.csv` (spreadsheets in the
//! report's locale, one value per cell); the NetBox `dcim.cable` bulk-import
//! CSV (`netbox-cables.csv`); cable labels ready to print (`cable-labels.txt`).
//!
//! Its words live in the small catalog below (same rule as `i18n`: both languages for
//! every key, checked by a test), so that this chapter stays out of the main catalog.

use std::fmt::Write;

use netkit_model::Security;
use netkit_plan::{CablePlan, Plan, PortPlan, PortRole, SwitchPlan};

use crate::esc::{csv_row, csv_row_sep, md, xml};
use crate::i18n::Lang;

/// Files this module adds when the plan has an access layer, in order.
pub const FILES: &[&str] = &[
    "cabling.csv",
    "wifi.csv",
    "cabling.md",
    "netbox-cables.csv",
    "cable-labels.txt",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum W {
    SecPatching,
    SecWifi,
    PatchingIntro,
    WifiIntro,
    Rack,
    Panel,
    Switch,
    Port,
    Vlan,
    FarEnd,
    Cable,
    Colour,
    Role,
    AccessPoint,
    Ssids,
    Security,
    Channel24,
    Channel5,
    Direct,
    Desk,
    LabelsTitle,
    FileCablingCsv,
    FileWifiCsv,
    FileCablingMd,
    FileNetboxCables,
    FileLabels,
    Ssid,
    Segment,
}

impl W {
    #[cfg(test)]
    pub(crate) const ALL: &'static [W] = &[
        W::SecPatching,
        W::SecWifi,
        W::PatchingIntro,
        W::WifiIntro,
        W::Rack,
        W::Panel,
        W::Switch,
        W::Port,
        W::Vlan,
        W::FarEnd,
        W::Cable,
        W::Colour,
        W::Role,
        W::AccessPoint,
        W::Ssids,
        W::Security,
        W::Channel24,
        W::Channel5,
        W::Direct,
        W::Desk,
        W::LabelsTitle,
        W::FileCablingCsv,
        W::FileWifiCsv,
        W::FileCablingMd,
        W::FileNetboxCables,
        W::FileLabels,
        W::Ssid,
        W::Segment,
    ];

    fn text(self, l: Lang) -> &'static str {
        let (fr, en) = match self {
            W::SecPatching => ("Plan de brassage", "Patching plan"),
            W::SecWifi => ("Plan Wi-Fi", "Wi-Fi plan"),
            W::PatchingIntro => (
                "Chaque port de commutateur utilisé : la baie et le port du panneau de brassage par lequel il passe, le VLAN, ce qui se trouve à l'autre bout, le repère du câble et sa couleur.",
                "Every switch port in use: the rack and patch panel port it goes through, the VLAN, what is at the far end, the cable id and its colour.",
            ),
            W::WifiIntro => (
                "Chaque borne diffuse tous les réseaux sans fil de son site, chacun sur le VLAN de son segment ; deux bornes d'un même site ne partagent un canal que lorsqu'aucun n'est libre.",
                "Every access point broadcasts every SSID of its site, each on its segment's VLAN; two access points of a site share a channel only when none is free.",
            ),
            W::Rack => ("Baie", "Rack"),
            W::Panel => ("Panneau : port", "Panel: port"),
            W::Switch => ("Commutateur", "Switch"),
            W::Port => ("Port", "Port"),
            W::Vlan => ("VLAN", "VLAN"),
            W::FarEnd => ("Extrémité distante", "Far end"),
            W::Cable => ("Câble", "Cable"),
            W::Colour => ("Couleur", "Colour"),
            W::Role => ("Usage", "Role"),
            W::AccessPoint => ("Borne", "Access point"),
            W::Ssids => ("Réseaux diffusés (VLAN)", "SSIDs (VLAN)"),
            W::Security => ("Sécurité", "Security"),
            W::Channel24 => ("Canal 2,4 GHz", "2.4 GHz channel"),
            W::Channel5 => ("Canal 5 GHz", "5 GHz channel"),
            W::Direct => ("liaison directe en baie", "direct in the rack"),
            W::Desk => ("prise murale, segment {id}", "wall socket, segment {id}"),
            W::LabelsTitle => ("Étiquettes de câbles", "Cable labels"),
            W::FileCablingCsv => ("plan de brassage (CSV)", "patching plan (CSV)"),
            W::FileWifiCsv => (
                "plan Wi-Fi (CSV, une ligne par borne et réseau diffusé)",
                "Wi-Fi plan (CSV, one row per access point and SSID)",
            ),
            W::Ssid => ("Réseau diffusé (SSID)", "SSID"),
            W::Segment => ("Segment", "Segment"),
            W::FileCablingMd => (
                "plan de brassage et plan Wi-Fi (Markdown)",
                "patching plan and Wi-Fi plan (Markdown)",
            ),
            W::FileNetboxCables => (
                "import en masse NetBox (câbles, dcim.cable)",
                "NetBox bulk import (cables, dcim.cable)",
            ),
            W::FileLabels => ("étiquettes de câbles à imprimer", "cable labels to print"),
        };
        match l {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }
}

fn t(l: Lang, w: W) -> &'static str {
    w.text(l)
}

fn role(l: Lang, r: PortRole) -> &'static str {
    match (l, r) {
        (Lang::Fr, PortRole::Uplink) => "liaison montante",
        (Lang::Fr, PortRole::Trunk) => "liaison entre commutateurs",
        (Lang::Fr, PortRole::AccessPoint) => "borne Wi-Fi",
        (Lang::Fr, PortRole::Access) => "poste de travail",
        (Lang::En, PortRole::Uplink) => "uplink",
        (Lang::En, PortRole::Trunk) => "trunk",
        (Lang::En, PortRole::AccessPoint) => "access point",
        (Lang::En, PortRole::Access) => "access",
    }
}

fn colour(l: Lang, c: &str) -> String {
    let fr = match c {
        "blue" => "bleu",
        "green" => "vert",
        "yellow" => "jaune",
        "red" => "rouge",
        other => other,
    };
    match l {
        Lang::Fr => fr.to_string(),
        Lang::En => c.to_string(),
    }
}

fn security(l: Lang, s: Security) -> &'static str {
    match (l, s) {
        (Lang::Fr, Security::Open) => "ouvert, sans chiffrement",
        (Lang::Fr, Security::Wpa2Psk) => "WPA2 personnel (clé partagée)",
        (Lang::Fr, Security::Wpa3Sae) => "WPA3 personnel (SAE)",
        (Lang::Fr, Security::Wpa2Enterprise) => "WPA2 entreprise (802.1X, RADIUS)",
        (Lang::Fr, Security::Wpa3Enterprise) => "WPA3 entreprise (802.1X, RADIUS)",
        (Lang::En, Security::Open) => "open, no encryption",
        (Lang::En, Security::Wpa2Psk) => "WPA2 personal (pre-shared key)",
        (Lang::En, Security::Wpa3Sae) => "WPA3 personal (SAE)",
        (Lang::En, Security::Wpa2Enterprise) => "WPA2 enterprise (802.1X, RADIUS)",
        (Lang::En, Security::Wpa3Enterprise) => "WPA3 enterprise (802.1X, RADIUS)",
    }
}

/// One row of the patching plan.
struct Row {
    rack: String,
    panel: String,
    switch: String,
    port: u32,
    vlans: String,
    far: String,
    cable: String,
    colour: String,
    role: String,
}

fn vlans(p: &PortPlan) -> String {
    let v: Vec<String> = p.vlan_list().iter().map(u16::to_string).collect();
    if v.is_empty() {
        "—".into()
    } else {
        v.join(", ")
    }
}

fn far_end(l: Lang, p: &PortPlan) -> String {
    match p.role {
        PortRole::Access => t(l, W::Desk).replace("{id}", p.segment.as_deref().unwrap_or("")),
        _ => p.to.clone().unwrap_or_default(),
    }
}

fn rows(plan: &Plan, l: Lang) -> Vec<Row> {
    let mut out = Vec::new();
    for s in &plan.layer2.switches {
        for p in &s.ports {
            let (rack, panel) = match p.panel.as_deref().and_then(|x| x.split_once('.')) {
                Some((r, pp)) => (r.to_string(), pp.to_string()),
                None => (
                    s.rack.clone().unwrap_or_else(|| "—".into()),
                    t(l, W::Direct).to_string(),
                ),
            };
            let c = plan.layer2.cable(&p.cable);
            out.push(Row {
                rack,
                panel,
                switch: s.id.clone(),
                port: p.port,
                vlans: vlans(p),
                far: far_end(l, p),
                cable: p.cable.clone(),
                colour: colour(l, c.map_or("", |c| c.colour.as_str())),
                role: role(l, p.role).to_string(),
            });
        }
    }
    out
}

fn heads(l: Lang) -> Vec<&'static str> {
    [
        W::Rack,
        W::Panel,
        W::Switch,
        W::Port,
        W::Vlan,
        W::Role,
        W::FarEnd,
        W::Cable,
        W::Colour,
    ]
    .iter()
    .map(|w| t(l, *w))
    .collect()
}

fn fields(r: &Row) -> Vec<String> {
    vec![
        r.rack.clone(),
        r.panel.clone(),
        r.switch.clone(),
        r.port.to_string(),
        r.vlans.clone(),
        r.role.clone(),
        r.far.clone(),
        r.cable.clone(),
        r.colour.clone(),
    ]
}

/// `cabling.csv`: the patching plan, one row per switch port in use, for a
/// spreadsheet in the report's locale (`;` in French, a byte order mark for Excel).
pub fn csv(plan: &Plan, l: Lang) -> String {
    let sep = crate::tables::sep(l);
    let mut out = crate::tables::BOM.to_string();
    out.push_str(&csv_row_sep(&heads(l), sep));
    for r in rows(plan, l) {
        out.push_str(&csv_row_sep(&fields(&r), sep));
    }
    out
}

/// `wifi.csv`: the Wi-Fi plan, one row per access point and SSID, one value per cell.
pub fn wifi_csv(plan: &Plan, l: Lang) -> String {
    let sep = crate::tables::sep(l);
    let mut out = crate::tables::BOM.to_string();
    let heads = [
        W::AccessPoint,
        W::Switch,
        W::Port,
        W::Ssid,
        W::Vlan,
        W::Segment,
        W::Security,
        W::Channel24,
        W::Channel5,
    ]
    .map(|w| t(l, w));
    out.push_str(&csv_row_sep(&heads, sep));
    for w in &plan.layer2.wifi {
        for s in &w.ssids {
            out.push_str(&csv_row_sep(
                &[
                    w.ap.clone(),
                    w.switch.clone(),
                    w.port.to_string(),
                    s.ssid.clone(),
                    s.vlan.to_string(),
                    s.segment.clone(),
                    security(l, s.security).to_string(),
                    w.channel_24.to_string(),
                    w.channel_5.to_string(),
                ],
                sep,
            ));
        }
    }
    out
}

fn wifi_rows(plan: &Plan, l: Lang) -> Vec<Vec<String>> {
    plan.layer2
        .wifi
        .iter()
        .map(|w| {
            let ssids: Vec<String> = w
                .ssids
                .iter()
                .map(|s| format!("{} ({})", s.ssid, s.vlan))
                .collect();
            let sec: Vec<&str> = w.ssids.iter().map(|s| security(l, s.security)).collect();
            vec![
                w.ap.clone(),
                format!("{}:{}", w.switch, w.port),
                ssids.join(", "),
                sec.join(", "),
                w.channel_24.to_string(),
                w.channel_5.to_string(),
            ]
        })
        .collect()
}

fn wifi_heads(l: Lang) -> Vec<&'static str> {
    [
        W::AccessPoint,
        W::Switch,
        W::Ssids,
        W::Security,
        W::Channel24,
        W::Channel5,
    ]
    .iter()
    .map(|w| t(l, *w))
    .collect()
}

/// `cabling.md`: the patching plan and the Wi-Fi plan.
pub fn markdown(plan: &Plan, l: Lang) -> String {
    let mut o = String::new();
    let table = |o: &mut String, head: &[&str], rows: &[Vec<String>]| {
        let _ = writeln!(
            o,
            "| {} |",
            head.iter().map(|h| md(h)).collect::<Vec<_>>().join(" | ")
        );
        let _ = writeln!(o, "|{}", "---|".repeat(head.len()));
        for r in rows {
            let _ = writeln!(
                o,
                "| {} |",
                r.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")
            );
        }
    };
    let sep = if l == Lang::Fr { " : " } else { ": " };
    let _ = writeln!(
        o,
        "# {}{sep}{}\n\n{}\n",
        md(t(l, W::SecPatching)),
        md(&plan.name),
        md(t(l, W::PatchingIntro))
    );
    let r: Vec<Vec<String>> = rows(plan, l).iter().map(fields).collect();
    table(&mut o, &heads(l), &r);
    if !plan.layer2.wifi.is_empty() {
        let _ = writeln!(
            o,
            "\n# {}\n\n{}\n",
            md(t(l, W::SecWifi)),
            md(t(l, W::WifiIntro))
        );
        table(&mut o, &wifi_heads(l), &wifi_rows(plan, l));
    }
    o
}

/// NetBox device name of a patch panel `baie-a.pp1` of site `hq`: `hq.baie-a.pp1`.
fn panel_device(site: &str, panel: &str) -> Option<(String, String)> {
    let (rack_panel, port) = panel.split_once(':')?;
    Some((format!("{site}.{rack_panel}"), port.to_string()))
}

fn end(c: &CablePlan, text: &str, switches: &[SwitchPlan]) -> (String, &'static str, String) {
    if let Some((dev, port)) = text.split_once(':') {
        if switches.iter().any(|s| s.id == dev) {
            return (
                dev.to_string(),
                "dcim.interface",
                format!("GigabitEthernet1/0/{port}"),
            );
        }
        if let Some((d, p)) = panel_device(&c.site, text) {
            return (d, "dcim.frontport", p);
        }
    }
    // A layer-3 device's trunk, an access point's port, or a wall socket.
    (text.to_string(), "dcim.interface", "eth0".to_string())
}

/// `netbox-cables.csv`: a `dcim.cable` bulk import. Switch ports are interfaces
/// `GigabitEthernet1/0/N`, panel ports front ports of the panel device `site.rack.ppN`,
/// the far ends (layer-3 device, access point) their `eth0`. Desk cables beyond the
/// panel are the building's fixed cabling and are not listed.
pub fn netbox_cables(plan: &Plan) -> String {
    let mut out = csv_row(&[
        "side_a_device",
        "side_a_type",
        "side_a_name",
        "side_b_device",
        "side_b_type",
        "side_b_name",
        "type",
        "status",
        "label",
        "color",
    ]);
    for c in &plan.layer2.cables {
        if c.role == PortRole::Access && !c.b.contains(".pp") {
            // Straight to a desk without panel: the far end is not a NetBox device.
            continue;
        }
        let (ad, at, an) = end(c, &c.a, &plan.layer2.switches);
        let (bd, bt, bn) = end(c, &c.b, &plan.layer2.switches);
        let color = match c.colour.as_str() {
            "blue" => "2196f3",
            "green" => "4caf50",
            "yellow" => "ffeb3b",
            "red" => "f44336",
            _ => "9e9e9e",
        };
        out.push_str(&csv_row(&[
            ad,
            at.to_string(),
            an,
            bd,
            bt.to_string(),
            bn,
            "cat6".to_string(),
            "planned".to_string(),
            c.id.clone(),
            color.to_string(),
        ]));
    }
    out
}

/// `cable-labels.txt`: one line per cable, `ID  this end  <->  far end`, for a label
/// printer (fixed-width columns, plain text).
pub fn labels(plan: &Plan, l: Lang) -> String {
    let sep = if l == Lang::Fr { " : " } else { ": " };
    let mut o = format!(
        "{}{sep}{}\n",
        t(l, W::LabelsTitle),
        crate::esc::one_line(&plan.name)
    );
    let wa = plan
        .layer2
        .cables
        .iter()
        .map(|c| c.a.len())
        .max()
        .unwrap_or(0);
    for c in &plan.layer2.cables {
        let _ = writeln!(
            o,
            "{:<10} {:<wa$}  <->  {}",
            crate::esc::one_line(&c.id),
            crate::esc::one_line(&c.a),
            crate::esc::one_line(&c.b)
        );
    }
    o
}

/// The `index.html` section: the patching plan and the Wi-Fi plan.
pub fn html_section(plan: &Plan, l: Lang) -> String {
    let mut o = String::new();
    let table = |o: &mut String, head: &[&str], rows: &[Vec<String>]| {
        o.push_str("<table><thead><tr>");
        for h in head {
            let _ = write!(o, "<th>{}</th>", xml(h));
        }
        o.push_str("</tr></thead><tbody>\n");
        for r in rows {
            o.push_str("<tr>");
            for c in r {
                // A name or number (`baie-a`, `HQ-C001`, `pp1:2`) never wraps in
                // print; text with spaces wraps at them.
                let class = if c.contains(' ') { "" } else { " class=\"nw\"" };
                let _ = write!(o, "<td{class}>{}</td>", xml(c));
            }
            o.push_str("</tr>\n");
        }
        o.push_str("</tbody></table>\n");
    };
    let _ = writeln!(
        o,
        "<section class=\"chapter\" id=\"patching\"><h2>{}</h2>\n<p>{}</p>",
        xml(t(l, W::SecPatching)),
        xml(t(l, W::PatchingIntro))
    );
    let r: Vec<Vec<String>> = rows(plan, l).iter().map(fields).collect();
    table(&mut o, &heads(l), &r);
    o.push_str("</section>\n");
    if !plan.layer2.wifi.is_empty() {
        let _ = writeln!(
            o,
            "<section class=\"chapter\" id=\"wifi\"><h2>{}</h2>\n<p>{}</p>",
            xml(t(l, W::SecWifi)),
            xml(t(l, W::WifiIntro))
        );
        table(&mut o, &wifi_heads(l), &wifi_rows(plan, l));
        o.push_str("</section>\n");
    }
    o
}

/// The chapters [`html_section`] writes: (anchor, title), for the contents.
pub fn chapters(plan: &Plan, l: Lang) -> Vec<(&'static str, &'static str)> {
    let mut v = Vec::new();
    if !plan.layer2.is_empty() {
        v.push(("patching", t(l, W::SecPatching)));
        if !plan.layer2.wifi.is_empty() {
            v.push(("wifi", t(l, W::SecWifi)));
        }
    }
    v
}

/// Descriptions of the files, for the file list of `index.html`.
pub fn described(l: Lang) -> Vec<(String, String)> {
    FILES
        .iter()
        .zip([
            W::FileCablingCsv,
            W::FileWifiCsv,
            W::FileCablingMd,
            W::FileNetboxCables,
            W::FileLabels,
        ])
        .map(|(f, w)| (f.to_string(), t(l, w).to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_complete_and_french_has_no_english_words() {
        for w in W::ALL {
            assert!(
                !w.text(Lang::Fr).is_empty() && !w.text(Lang::En).is_empty(),
                "{w:?}"
            );
            let ph = |s: &str| s.matches('{').count();
            assert_eq!(ph(w.text(Lang::Fr)), ph(w.text(Lang::En)), "{w:?}");
        }
        for r in [
            PortRole::Uplink,
            PortRole::Trunk,
            PortRole::AccessPoint,
            PortRole::Access,
        ] {
            for word in ["trunk", "uplink", "access"] {
                assert!(!role(Lang::Fr, r).contains(word), "{r:?}");
            }
        }
        for s in Security::ALL {
            for word in ["open", "personal", "enterprise", "key"] {
                assert!(!security(Lang::Fr, s).contains(word), "{s:?}");
            }
        }
    }
}
