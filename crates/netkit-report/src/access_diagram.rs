//! The access layer on the topology diagram: switches and access points under their
//! gateway, trunks labelled with the VLANs they carry, access points with their
//! SSIDs. DOT and Mermaid draw them as nodes and edges (Graphviz lays them out);
//! the SVG, whose own layout has columns per layer-3 device, lists them in the
//! site's footer as a tree under the gateway (`r1 → sw1 : VLAN 10, 11`). The site
//! views (`site_view`, `site-<name>.svg`) draw them as boxes. Every name is escaped
//! by the writer that prints it.

use netkit_plan::Plan;

/// Whether `id` is a switch or access point of the plan's access layer.
pub(crate) fn is_access_device(plan: &Plan, id: &str) -> bool {
    plan.layer2.switch(id).is_some() || plan.layer2.wifi.iter().any(|w| w.ap == id)
}

fn vlans(v: &[u16]) -> String {
    let list: Vec<String> = v.iter().map(u16::to_string).collect();
    format!("VLAN {}", list.join(", "))
}

fn short(id: &str) -> &str {
    id.split_once('.').map_or(id, |(_, d)| d)
}

/// One trunk of the access layer: device ids of both ends, the label lines.
pub(crate) struct Trunk {
    pub upper: String,
    pub lower: String,
    pub lines: Vec<String>,
}

/// The trunks of site `site` (every site when `None`), top-down: each switch's
/// uplink (VLANs), then each access point's port (VLANs and SSIDs).
pub(crate) fn trunks(plan: &Plan, site: Option<&str>) -> Vec<Trunk> {
    let in_site = |s: &str| site.is_none_or(|x| x == s);
    let mut out = Vec::new();
    // Switches in uplink order: those under a layer-3 device first, then below.
    let mut placed: Vec<&str> = Vec::new();
    let switches: Vec<_> = plan
        .layer2
        .switches
        .iter()
        .filter(|s| in_site(&s.site))
        .collect();
    // Bounded: each pass places at least one switch, or stops.
    for _ in 0..=switches.len() {
        let before = placed.len();
        for sw in &switches {
            if placed.contains(&sw.id.as_str()) {
                continue;
            }
            let parent_is_switch = plan.layer2.switch(&sw.uplink).is_some();
            if parent_is_switch && !placed.contains(&sw.uplink.as_str()) {
                continue;
            }
            placed.push(&sw.id);
            let v = sw.uplink_port().map(|p| p.vlan_list()).unwrap_or_default();
            out.push(Trunk {
                upper: sw.uplink.clone(),
                lower: sw.id.clone(),
                lines: vec![vlans(&v)],
            });
        }
        if placed.len() == before {
            break;
        }
    }
    for w in plan.layer2.wifi.iter().filter(|w| in_site(&w.site)) {
        let v: Vec<u16> = w.ssids.iter().map(|s| s.vlan).collect();
        let ssids: Vec<&str> = w.ssids.iter().map(|s| s.ssid.as_str()).collect();
        out.push(Trunk {
            upper: w.switch.clone(),
            lower: w.ap.clone(),
            lines: vec![vlans(&v), format!("SSID {}", ssids.join(", "))],
        });
    }
    out
}

/// The footer lines of site `site` in the SVG: one per trunk, indented by depth
/// under the gateway (`r1 → sw1 : VLAN 10, 11, 99`), with no-break spaces (SVG
/// collapses plain ones).
pub(crate) fn footer_lines(plan: &Plan, site: &str) -> Vec<String> {
    let t = trunks(plan, Some(site));
    let depth = |id: &str| {
        let mut d = 0usize;
        let mut cur = id.to_string();
        // Bounded by the number of trunks (uplink chains have no loop).
        while let Some(up) = t.iter().find(|x| x.lower == cur) {
            d += 1;
            if d > t.len() {
                break;
            }
            cur = up.upper.clone();
        }
        d
    };
    t.iter()
        .map(|x| {
            format!(
                "{}{} → {} : {}",
                "\u{a0}\u{a0}\u{a0}".repeat(depth(&x.upper)),
                short(&x.upper),
                short(&x.lower),
                x.lines.join(" · ")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(yaml: &str) -> Plan {
        let parsed = netkit_model::parse(yaml.as_bytes());
        let topo = parsed.topology.expect("parses");
        netkit_plan::plan(&topo, None).expect("plans")
    }

    const HQ: &str = r#"
name: t
addressing: { ipv4: 10.0.0.0/8 }
sites:
  hq:
    devices:
      r1:  { kind: router }
      sw2: { kind: switch, ports: 24, uplink: sw1 }
      sw1: { kind: switch, ports: 24, uplink: r1 }
      ap1: { kind: access-point, switch: sw2 }
    segments:
      users: { vlan: 10, hosts: 20, access: { sw2: 4 } }
      guests: { vlan: 99, hosts: 20, isolated: true, wifi: { ssid: "<Invités>", security: open } }
"#;

    #[test]
    fn trunks_go_top_down_with_their_vlans_and_ssids() {
        let p = plan(HQ);
        let t = trunks(&p, None);
        let pairs: Vec<(&str, &str)> = t
            .iter()
            .map(|x| (x.upper.as_str(), x.lower.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("hq.r1", "hq.sw1"),
                ("hq.sw1", "hq.sw2"),
                ("hq.sw2", "hq.ap1")
            ]
        );
        assert_eq!(t[0].lines, ["VLAN 10, 99"]);
        assert_eq!(t[2].lines, ["VLAN 99", "SSID <Invités>"]);
        let f = footer_lines(&p, "hq");
        assert_eq!(f[0], "r1 → sw1 : VLAN 10, 99");
        assert_eq!(f[1], "\u{a0}\u{a0}\u{a0}sw1 → sw2 : VLAN 10, 99");
        assert_eq!(
            f[2],
            "\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}sw2 → ap1 : VLAN 99 · SSID <Invités>"
        );
    }
}
