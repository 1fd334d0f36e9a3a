//! The layer-2 planner: switch ports, pruned trunks, patch panel positions, cables and
//! radio channels, from each site's [`netkit_model::Layer2`].
//!
//! Rules (SPEC "Switches, patching and Wi-Fi"):
//! - ports: the uplink first (port 1), then the trunks toward cascaded switches, then
//!   the access points (file order), then the access ports grouped by VLAN (ascending),
//!   each in the lowest free port;
//! - a trunk carries exactly the VLANs used below it: the access VLANs of the switches
//!   below, and the site's Wi-Fi VLANs when an access point is below;
//! - panels are filled in order (racks in file order, `pp1` then `pp2`, port 1 first),
//!   following the patched ports (access points and access ports) switch by switch in
//!   port order;
//! - cables are numbered per site (`HQ-C001`) switch by switch in port order, a trunk
//!   between two switches being one cable;
//! - channels: the 2.4 GHz channel least used so far among 1, 6, 11 (first in that
//!   order on a tie), the same on 5 GHz among 36, 40, 44, 48, 149, ..., so that two
//!   access points of a site share a channel only when none is free.
//!
//! With `--keep`, everything of the previous plan that still fits keeps its place:
//! a port by its identity (the uplink, the trunk toward a device, the access point, the
//! n-th access port of a segment on that switch), a cable id and a panel port by what
//! the cable joins, a channel by the access point. New things take what is free.

mod lab;
mod types;

pub use lab::WirelessClient;
pub use types::*;

use std::collections::{BTreeSet, HashMap, HashSet};

use netkit_model::{Diagnostic, Site, Topology};

use crate::Plan;

/// What the previous plan gave, by stable identity.
#[derive(Default)]
struct Kept {
    /// (switch id, "up" | "to:<device id>") -> port.
    ports: HashMap<(String, String), u32>,
    /// (switch id, segment id) -> the access ports, ascending.
    access: HashMap<(String, String), Vec<u32>>,
    /// Cable key -> cable id.
    cables: HashMap<String, String>,
    /// Cable key -> panel port.
    panels: HashMap<String, String>,
    /// Access point id -> (2.4 GHz, 5 GHz).
    channels: HashMap<String, (u8, u8)>,
}

impl Kept {
    fn from_plan(p: &Layer2Plan) -> Kept {
        let mut k = Kept::default();
        for s in &p.switches {
            for port in &s.ports {
                let key = cable_key(&s.id, port);
                if let Some(panel) = &port.panel {
                    k.panels.insert(key.clone(), panel.clone());
                }
                k.cables.entry(key).or_insert_with(|| port.cable.clone());
                match port.role {
                    PortRole::Uplink => {
                        k.ports.insert((s.id.clone(), "up".into()), port.port);
                    }
                    PortRole::Trunk | PortRole::AccessPoint => {
                        if let Some(to) = &port.to {
                            k.ports
                                .insert((s.id.clone(), format!("to:{to}")), port.port);
                        }
                    }
                    PortRole::Access => {
                        if let Some(seg) = &port.segment {
                            k.access
                                .entry((s.id.clone(), seg.clone()))
                                .or_default()
                                .push(port.port);
                        }
                    }
                }
            }
        }
        for v in k.access.values_mut() {
            v.sort_unstable();
        }
        for w in &p.wifi {
            k.channels.insert(w.ap.clone(), (w.channel_24, w.channel_5));
        }
        k
    }
}

/// What a cable joins, independent of port numbers that may move: the uplink of a
/// switch (also the trunk port of its parent), an access point, or an access port.
fn cable_key(switch: &str, p: &PortPlan) -> String {
    match p.role {
        PortRole::Uplink => format!("up:{switch}"),
        PortRole::Trunk => format!("up:{}", p.to.as_deref().unwrap_or("")),
        PortRole::AccessPoint => format!("ap:{}", p.to.as_deref().unwrap_or("")),
        PortRole::Access => format!("acc:{switch}:{}", p.port),
    }
}

/// Fill `plan.layer2` from the topology.
pub(crate) fn fill(
    plan: &mut Plan,
    t: &Topology,
    previous: Option<&Plan>,
) -> Result<(), Vec<Diagnostic>> {
    let kept = previous
        .map(|p| Kept::from_plan(&p.layer2))
        .unwrap_or_default();
    let mut out = Layer2Plan::default();
    let mut errors = Vec::new();
    for site in &t.sites {
        if site.layer2.is_empty() {
            continue;
        }
        if let Err(e) = plan_site(plan, site, &kept, &mut out) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    plan.layer2 = out;
    Ok(())
}

/// One item that needs a port, in the order ports are given.
enum Need {
    Uplink,
    /// A cascaded switch or an access point (device id).
    Trunk(String, PortRole),
    /// The n-th access port of a segment.
    Access {
        segment: String,
        vlan: u16,
        nth: usize,
    },
}

fn plan_site(
    plan: &Plan,
    site: &Site,
    kept: &Kept,
    out: &mut Layer2Plan,
) -> Result<(), Diagnostic> {
    let l2 = &site.layer2;
    let sid = |name: &str| format!("{}.{name}", site.name);
    let vlan_of = |seg: &str| {
        site.segments
            .iter()
            .find(|s| s.name == seg)
            .map_or(0, |s| s.vlan)
    };
    let wifi_vlans: BTreeSet<u16> = l2.wifi.iter().map(|w| vlan_of(&w.segment)).collect();

    // VLANs needed at or below each switch, children before parents (bounded walk).
    let mut below: HashMap<&str, BTreeSet<u16>> = HashMap::new();
    for s in &l2.switches {
        let mut v: BTreeSet<u16> = BTreeSet::new();
        if l2.access_points.iter().any(|a| a.switch == s.name) {
            v.extend(&wifi_vlans);
        }
        v.extend(
            l2.access
                .iter()
                .filter(|a| a.switch == s.name)
                .map(|a| vlan_of(&a.segment)),
        );
        // Propagate up the chain (acyclic: the model checked it; bounded anyway).
        let mut at = s.name.as_str();
        for _ in 0..=l2.switches.len() {
            below.entry(at).or_default().extend(&v);
            match l2.switch(at) {
                Some(sw) if l2.switch(&sw.uplink).is_some() => at = &sw.uplink,
                _ => break,
            }
        }
    }
    let vlans_of = |name: &str| {
        below
            .get(name)
            .map(|s| s.iter().copied().collect::<Vec<u16>>())
            .unwrap_or_default()
    };
    let wifi_list: Vec<u16> = wifi_vlans.iter().copied().collect();

    // Ports.
    let mut switches: Vec<SwitchPlan> = Vec::new();
    for s in &l2.switches {
        let id = sid(&s.name);
        let mut needs: Vec<Need> = vec![Need::Uplink];
        for c in l2.switches.iter().filter(|c| c.uplink == s.name) {
            needs.push(Need::Trunk(sid(&c.name), PortRole::Trunk));
        }
        for a in l2.access_points.iter().filter(|a| a.switch == s.name) {
            needs.push(Need::Trunk(sid(&a.name), PortRole::AccessPoint));
        }
        let mut access: Vec<(u16, &str, u32)> = l2
            .access
            .iter()
            .filter(|a| a.switch == s.name)
            .map(|a| (vlan_of(&a.segment), a.segment.as_str(), a.count))
            .collect();
        access.sort_unstable();
        for (vlan, seg, count) in access {
            for nth in 0..count as usize {
                needs.push(Need::Access {
                    segment: sid(seg),
                    vlan,
                    nth,
                });
            }
        }
        if needs.len() > s.ports as usize {
            return Err(Diagnostic::error(
                s.span,
                format!(
                    "switch `{id}` needs {} ports but has {}",
                    needs.len(),
                    s.ports
                ),
            )
            .with_hint(format!("raise `ports` to at least {}", needs.len())));
        }
        let kept_port = |n: &Need| -> Option<u32> {
            match n {
                Need::Uplink => kept.ports.get(&(id.clone(), "up".into())).copied(),
                Need::Trunk(to, _) => kept.ports.get(&(id.clone(), format!("to:{to}"))).copied(),
                Need::Access { segment, nth, .. } => kept
                    .access
                    .get(&(id.clone(), segment.clone()))
                    .and_then(|v| v.get(*nth))
                    .copied(),
            }
        };
        let mut used: HashSet<u32> = HashSet::new();
        let mut given: Vec<Option<u32>> = vec![None; needs.len()];
        for (i, n) in needs.iter().enumerate() {
            if let Some(p) = kept_port(n)
                && (1..=s.ports).contains(&p)
                && used.insert(p)
            {
                given[i] = Some(p);
            }
        }
        let mut next = 1u32;
        for g in &mut given {
            if g.is_none() {
                while used.contains(&next) {
                    next += 1;
                }
                used.insert(next);
                *g = Some(next);
            }
        }
        let mut ports: Vec<PortPlan> = needs
            .iter()
            .zip(given)
            .map(|(n, p)| {
                let port = p.unwrap_or(0);
                match n {
                    Need::Uplink => PortPlan {
                        port,
                        mode: PortMode::Trunk,
                        vlans: Some(vlans_of(&s.name)),
                        vlan: None,
                        to: Some(sid(&s.uplink)),
                        segment: None,
                        role: PortRole::Uplink,
                        panel: None,
                        cable: String::new(),
                    },
                    Need::Trunk(to, role) => PortPlan {
                        port,
                        mode: PortMode::Trunk,
                        vlans: Some(if *role == PortRole::Trunk {
                            vlans_of(to.rsplit('.').next().unwrap_or(""))
                        } else {
                            wifi_list.clone()
                        }),
                        vlan: None,
                        to: Some(to.clone()),
                        segment: None,
                        role: *role,
                        panel: None,
                        cable: String::new(),
                    },
                    Need::Access { segment, vlan, .. } => PortPlan {
                        port,
                        mode: PortMode::Access,
                        vlans: None,
                        vlan: Some(*vlan),
                        to: None,
                        segment: Some(segment.clone()),
                        role: PortRole::Access,
                        panel: None,
                        cable: String::new(),
                    },
                }
            })
            .collect();
        ports.sort_by_key(|p| p.port);
        switches.push(SwitchPlan {
            id: id.clone(),
            site: site.name.clone(),
            ports_total: s.ports,
            ports,
            uplink: sid(&s.uplink),
            rack: l2.racks.first().map(|r| r.name.clone()),
        });
    }

    // Panels: every patched port, switch by switch in port order.
    if !l2.racks.is_empty() {
        let slots: Vec<String> = l2
            .racks
            .iter()
            .flat_map(|r| {
                (1..=r.panels).flat_map(move |p| {
                    (1..=r.panel_ports).map(move |n| format!("{}.pp{p}:{n}", r.name))
                })
            })
            .collect();
        let slot_set: HashSet<&str> = slots.iter().map(String::as_str).collect();
        let mut taken: HashSet<String> = HashSet::new();
        let mut pending: Vec<(usize, usize)> = Vec::new();
        for (si, s) in switches.iter_mut().enumerate() {
            for (pi, p) in s.ports.iter_mut().enumerate() {
                if !matches!(p.role, PortRole::Access | PortRole::AccessPoint) {
                    continue;
                }
                let key = cable_key(&s.id, p);
                match kept.panels.get(&key) {
                    Some(panel)
                        if slot_set.contains(panel.as_str()) && taken.insert(panel.clone()) =>
                    {
                        p.panel = Some(panel.clone());
                    }
                    _ => pending.push((si, pi)),
                }
            }
        }
        let mut free = slots.iter().filter(|s| !taken.contains(*s));
        for (si, pi) in pending {
            let Some(slot) = free.next() else {
                return Err(Diagnostic::error(
                    site.span,
                    format!(
                        "site `{}` has more patched ports than panel ports",
                        site.name
                    ),
                )
                .with_hint("add panels to its racks or raise `panel_ports`"));
            };
            switches[si].ports[pi].panel = Some(slot.clone());
        }
    }

    // Cables.
    let prefix = site.name.to_ascii_uppercase();
    let number =
        |id: &str| -> Option<u32> { id.strip_prefix(&prefix)?.strip_prefix("-C")?.parse().ok() };
    let port_of = |switches: &[SwitchPlan], sw: &str, key: &str| -> Option<u32> {
        let s = switches.iter().find(|s| s.id == sw)?;
        s.ports
            .iter()
            .find(|p| cable_key(&s.id, p) == key)
            .map(|p| p.port)
    };
    let mut keys: Vec<String> = Vec::new();
    let mut cables: HashMap<String, CablePlan> = HashMap::new();
    for s in &switches {
        for p in &s.ports {
            let key = cable_key(&s.id, p);
            if cables.contains_key(&key) {
                continue;
            }
            let a = format!("{}:{}", s.id, p.port);
            let b = match p.role {
                PortRole::Uplink => match switches.iter().any(|u| Some(&u.id) == p.to.as_ref()) {
                    true => {
                        let up = p.to.clone().unwrap_or_default();
                        format!("{up}:{}", port_of(&switches, &up, &key).unwrap_or(0))
                    }
                    false => p.to.clone().unwrap_or_default(),
                },
                PortRole::Trunk => {
                    let down = p.to.clone().unwrap_or_default();
                    format!("{down}:{}", port_of(&switches, &down, &key).unwrap_or(0))
                }
                PortRole::AccessPoint => p
                    .panel
                    .clone()
                    .unwrap_or_else(|| p.to.clone().unwrap_or_default()),
                PortRole::Access => p
                    .panel
                    .clone()
                    .unwrap_or_else(|| p.segment.clone().unwrap_or_default()),
            };
            let far_end = match p.role {
                PortRole::AccessPoint => p.to.clone(),
                PortRole::Access => p.segment.clone(),
                _ => None,
            };
            cables.insert(
                key.clone(),
                CablePlan {
                    id: String::new(),
                    a,
                    b,
                    role: if p.role == PortRole::Trunk {
                        PortRole::Trunk
                    } else {
                        p.role
                    },
                    colour: p.role.colour().to_string(),
                    site: site.name.clone(),
                    far_end,
                    vlans: p.vlan_list(),
                },
            );
            keys.push(key);
        }
    }
    // A trunk between two switches: the cable's role is `trunk` whichever end came first.
    for s in &l2.switches {
        if l2.switch(&s.uplink).is_some()
            && let Some(c) = cables.get_mut(&format!("up:{}", sid(&s.name)))
        {
            c.role = PortRole::Trunk;
            c.colour = PortRole::Trunk.colour().to_string();
        }
    }
    let mut ids_taken: HashSet<u32> = HashSet::new();
    let mut numbered: Vec<(u32, String)> = Vec::new();
    let mut fresh: Vec<String> = Vec::new();
    for key in &keys {
        match kept.cables.get(key).and_then(|id| number(id)) {
            Some(n) if ids_taken.insert(n) => numbered.push((n, key.clone())),
            _ => fresh.push(key.clone()),
        }
    }
    let first = ids_taken.iter().max().copied().unwrap_or(0) + 1;
    numbered.extend((first..).zip(fresh));
    numbered.sort_unstable();
    let id_of: HashMap<String, String> = numbered
        .iter()
        .map(|(n, k)| (k.clone(), format!("{prefix}-C{n:03}")))
        .collect();
    for s in &mut switches {
        for p in &mut s.ports {
            p.cable = id_of.get(&cable_key(&s.id, p)).cloned().unwrap_or_default();
        }
    }
    for (n, key) in numbered {
        if let Some(mut c) = cables.remove(&key) {
            c.id = format!("{prefix}-C{n:03}");
            out.cables.push(c);
        }
    }

    // Wi-Fi: channels and SSIDs.
    let ssids: Vec<SsidPlan> = l2
        .wifi
        .iter()
        .map(|w| SsidPlan {
            ssid: w.ssid.clone(),
            vlan: vlan_of(&w.segment),
            segment: sid(&w.segment),
            security: w.security,
            passphrase_env: w.passphrase_env.clone(),
            radius: w.radius.clone(),
            radius_address: w
                .radius
                .as_deref()
                .and_then(|r| plan.named_host(r))
                .map(|(_, h)| h.address),
            radius_secret_env: w.radius_secret_env.clone(),
        })
        .collect();
    let aps: Vec<String> = l2.access_points.iter().map(|a| sid(&a.name)).collect();
    let (ch24, ch5) = channels(&aps, kept);
    for (i, a) in l2.access_points.iter().enumerate() {
        let sw = sid(&a.switch);
        let port = switches
            .iter()
            .find(|s| s.id == sw)
            .and_then(|s| {
                s.ports
                    .iter()
                    .find(|p| p.to.as_deref() == Some(aps[i].as_str()))
            })
            .map_or(0, |p| p.port);
        out.wifi.push(WifiPlan {
            ap: aps[i].clone(),
            switch: sw,
            port,
            channel_24: ch24[i],
            channel_5: ch5[i],
            ssids: ssids.clone(),
            site: site.name.clone(),
        });
    }
    out.switches.extend(switches);
    Ok(())
}

/// Channels of the access points of one site, in their order.
fn channels(aps: &[String], kept: &Kept) -> (Vec<u8>, Vec<u8>) {
    let pick = |list: &[u8], previous: &dyn Fn(&str) -> Option<u8>| -> Vec<u8> {
        let mut uses: HashMap<u8, usize> = list.iter().map(|c| (*c, 0)).collect();
        let mut out: Vec<Option<u8>> = vec![None; aps.len()];
        for (i, ap) in aps.iter().enumerate() {
            if let Some(c) = previous(ap)
                && let Some(n) = uses.get_mut(&c)
                && *n == 0
            {
                *n = 1;
                out[i] = Some(c);
            }
        }
        out.into_iter()
            .map(|c| {
                c.unwrap_or_else(|| {
                    let best = list
                        .iter()
                        .copied()
                        .min_by_key(|c| uses.get(c).copied().unwrap_or(0))
                        .unwrap_or(list[0]);
                    *uses.entry(best).or_default() += 1;
                    best
                })
            })
            .collect()
    };
    let c24 = pick(&CHANNELS_24, &|ap| kept.channels.get(ap).map(|c| c.0));
    let c5 = pick(&CHANNELS_5, &|ap| kept.channels.get(ap).map(|c| c.1));
    (c24, c5)
}
