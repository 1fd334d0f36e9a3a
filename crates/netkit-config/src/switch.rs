//! Cisco IOS configuration of a switch of the plan (Catalyst, IOS 15.x syntax):
//! the VLAN database with names, every used port (`GigabitEthernet1/0/N`) as an access
//! port (`switchport mode access`, `switchport access vlan N`, `spanning-tree
//! portfast`) or a trunk (`switchport mode trunk`, `switchport trunk allowed vlan ...`,
//! the plan's pruned list), descriptions naming the far end, the patch panel port and
//! the cable id; unused ports are shut down.

use std::fmt::Write;

use netkit_plan::{Plan, PortMode, PortPlan, PortRole, SwitchPlan};

use crate::text::{ident, one_line};

/// Interface name of switch port `n`.
pub fn port_name(n: u32) -> String {
    format!("GigabitEthernet1/0/{n}")
}

/// The IOS configuration of switch `switch_id`; `None` when the plan has no such
/// switch with ports.
pub fn render(plan: &Plan, switch_id: &str) -> Option<String> {
    let sw = plan.layer2.switch(switch_id)?;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "! netkit: switch configuration of {} (plan {}), generated from the plan: edit the topology, not this file",
        ident(&sw.id),
        one_line(&plan.name, 80)
    );
    let _ = writeln!(o, "hostname {}", ident(&sw.id).replace('.', "-"));
    o.push_str("!\nvtp mode transparent\nspanning-tree mode rapid-pvst\n!\n");
    let vlans = carried(sw);
    for v in &vlans {
        let _ = writeln!(o, "vlan {v}");
        if let Some(seg) = plan.segments().find(|s| s.site == sw.site && s.vlan == *v) {
            let _ = writeln!(o, " name {}", ident(&seg.name));
        }
    }
    o.push_str("!\n");
    for n in 1..=sw.ports_total {
        let _ = writeln!(o, "interface {}", port_name(n));
        match sw.port(n) {
            Some(p) => port(&mut o, plan, p),
            None => o.push_str(" description unused\n shutdown\n"),
        }
        o.push_str("!\n");
    }
    o.push_str("end\n");
    Some(o)
}

/// Every VLAN the switch carries: the ones of its uplink (which carries everything
/// below it), and of each port, ascending.
pub fn carried(sw: &SwitchPlan) -> Vec<u16> {
    let mut v: Vec<u16> = sw.ports.iter().flat_map(PortPlan::vlan_list).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn port(o: &mut String, plan: &Plan, p: &PortPlan) {
    let far = match p.role {
        PortRole::Uplink | PortRole::Trunk => {
            let to = p.to.as_deref().unwrap_or("");
            // The far port: the other switch's, or the layer-3 device's trunk.
            let far_port = plan.layer2.switch(to).and_then(|other| {
                other
                    .ports
                    .iter()
                    .find(|q| q.cable == p.cable)
                    .map(|q| port_name(q.port))
            });
            match far_port {
                Some(fp) => format!("{} {}", ident(to), fp),
                None => format!("{} GigabitEthernet0/0", ident(to)),
            }
        }
        // The role already says "access-point": the far end is its id.
        PortRole::AccessPoint => ident(p.to.as_deref().unwrap_or("")),
        PortRole::Access => format!("desk {}", ident(p.segment.as_deref().unwrap_or(""))),
    };
    let panel = p
        .panel
        .as_deref()
        .map(|pp| format!(" via {}", one_line(pp, 40)))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        " description {} to {far}{panel} (cable {})",
        p.role.as_str(),
        ident(&p.cable)
    );
    match p.mode {
        PortMode::Access => {
            let _ = writeln!(
                o,
                " switchport mode access\n switchport access vlan {}\n spanning-tree portfast\n spanning-tree bpduguard enable",
                p.vlan.unwrap_or(1)
            );
        }
        PortMode::Trunk => {
            let list = p.vlan_list();
            let allowed = if list.is_empty() {
                "none".to_string()
            } else {
                list.iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            };
            let _ = writeln!(
                o,
                " switchport mode trunk\n switchport trunk allowed vlan {allowed}\n switchport nonegotiate"
            );
            if p.role == PortRole::AccessPoint {
                o.push_str(" spanning-tree portfast trunk\n");
            }
        }
    }
    o.push_str(" no shutdown\n");
}
