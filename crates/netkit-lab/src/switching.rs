//! The access layer in the lab (SPEC "Switches, patching and Wi-Fi"): each switch and
//! access point of the plan is a namespace with one bridge per VLAN it carries, named
//! `vlanN`. This kernel has neither 802.1Q links nor bridge VLAN filtering, so a trunk
//! is one veth pair per VLAN it carries, between the two bridges of that VLAN, each end
//! named after its port and VLAN (`p2v10`: port 2, VLAN 10; on an access point
//! `lanv11`). The gateway's segment interface (the plan's name, with its addresses)
//! is the far end of the VLAN's veth on the uplink port of the switch that uplinks to
//! the gateway. Hosts then plug into a bridge: a segment's test host and named hosts
//! into its first switch's (on its access ports, `p4v10`), or, for a segment that is
//! only on Wi-Fi, into the bridge of its SSID on its first access point (`wlan11`);
//! a segment with both also gets a wireless client there. Pure, like `design`.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use netkit_plan::Plan;

use crate::design_types::{BridgeDesign, Design, NodeKind, VethDesign};

/// A bridge that hosts plug into.
#[derive(Debug, Clone)]
pub(crate) struct Attach {
    pub node: usize,
    pub bridge: u32,
    pub vlan: u16,
    /// Port names for the hosts, in order; hosts beyond them get `hKvN`.
    pub ports: Vec<String>,
}

impl Attach {
    pub fn port_name(&self, k: usize) -> String {
        self.ports
            .get(k)
            .cloned()
            .unwrap_or_else(|| format!("h{k}v{}", self.vlan))
    }
}

/// Where the lab hosts of a segment on switches go.
#[derive(Debug, Clone)]
pub(crate) struct Switched {
    /// The test host and the named hosts.
    pub wired: Attach,
    /// A wireless client of its own: (node id, address, where).
    pub client: Option<(String, Ipv4Addr, Attach)>,
}

/// Build the switches, access points, trunks and gateway ends of `plan` into `d`;
/// records the gateway interfaces in `ifindex`. Returns the segments whose hosts go
/// behind a switch or access point; the others are built as without an access layer.
pub(crate) fn build(
    d: &mut Design,
    plan: &Plan,
    ifindex: &mut BTreeMap<(usize, String), u32>,
) -> BTreeMap<String, Switched> {
    let mut out = BTreeMap::new();
    if plan.layer2.switches.is_empty() {
        return out;
    }
    // (node, vlan) -> bridge index.
    let mut bridge: BTreeMap<(usize, u16), u32> = BTreeMap::new();
    let mut node: BTreeMap<String, usize> = BTreeMap::new();
    for sw in &plan.layer2.switches {
        let n = d.add_node(&sw.id, NodeKind::Switch, Vec::new());
        node.insert(sw.id.clone(), n);
        let mut vlans: Vec<u16> = sw.ports.iter().flat_map(|p| p.vlan_list()).collect();
        vlans.sort_unstable();
        vlans.dedup();
        for v in vlans {
            add_bridge(d, &mut bridge, n, v);
        }
    }
    for w in &plan.layer2.wifi {
        let n = d.add_node(&w.ap, NodeKind::AccessPoint, Vec::new());
        node.insert(w.ap.clone(), n);
        for s in &w.ssids {
            add_bridge(d, &mut bridge, n, s.vlan);
        }
    }

    // Trunks between switches, and from switches to access points.
    for sw in &plan.layer2.switches {
        let s = node[&sw.id];
        let Some(up) = sw.uplink_port() else { continue };
        if let Some(&p) = node.get(&sw.uplink)
            && let Some(parent) = plan.layer2.switch(&sw.uplink)
            && let Some(pp) = parent
                .ports
                .iter()
                .find(|x| x.to.as_deref() == Some(&sw.id))
        {
            for v in up.vlan_list() {
                let what = format!(
                    "trunk {}:{} - {}:{} vlan {v}",
                    parent.id, pp.port, sw.id, up.port
                );
                trunk(d, &bridge, what, (p, pp.port), (s, up.port), v, false);
            }
        }
    }
    for w in &plan.layer2.wifi {
        let (Some(&s), Some(&a)) = (node.get(&w.switch), node.get(&w.ap)) else {
            continue;
        };
        for ssid in &w.ssids {
            let what = format!(
                "access point {}:{} - {} vlan {}",
                w.switch, w.port, w.ap, ssid.vlan
            );
            trunk(d, &bridge, what, (s, w.port), (a, 0), ssid.vlan, true);
        }
    }

    // Gateway ends: the VLANs on the uplink of a switch that uplinks to a layer-3
    // device, each toward the segment of that VLAN the device routes.
    let mut roots: BTreeMap<String, Vec<(usize, u32, u16)>> = BTreeMap::new();
    for sw in &plan.layer2.switches {
        if plan.layer2.switch(&sw.uplink).is_some() {
            continue;
        }
        let Some(up) = sw.uplink_port() else { continue };
        for v in up.vlan_list() {
            match plan
                .segments()
                .find(|g| g.site == sw.site && g.vlan == v && g.gateway_device == sw.uplink)
            {
                Some(seg) => roots
                    .entry(seg.id.clone())
                    .or_default()
                    .push((node[&sw.id], up.port, v)),
                None => d.warnings.push(format!(
                    "VLAN {v} on the uplink of {} is not in the lab: {} routes no segment with that VLAN",
                    sw.id, sw.uplink
                )),
            }
        }
    }
    let clients = plan.wireless_clients();
    for (seg_id, ends) in roots {
        let Some(seg) = plan.segment(&seg_id) else {
            continue;
        };
        let Some(g) = d.nodes.iter().position(|n| n.id == seg.gateway_device) else {
            continue;
        };
        let Some(&(first_switch, _, first_vlan)) = ends.first() else {
            continue;
        };
        if let [(s, port, v)] = ends[..] {
            let a_index = d.take_index(g);
            let b_index = d.take_index(s);
            d.veths.push(VethDesign {
                what: format!("segment {} ({}:{port} vlan {v})", seg.id, d.nodes[s].id),
                link: None,
                a: g,
                a_if: seg.interface.clone(),
                a_index,
                a_master: None,
                b: s,
                b_if: format!("p{port}v{v}"),
                b_index,
                b_master: bridge.get(&(s, v)).copied(),
                rate_bps: None,
            });
            ifindex.insert((g, seg.interface.clone()), a_index);
        } else {
            // Several switches uplink to the gateway with this VLAN: the gateway
            // bridges them under the plan's interface name.
            let gw_bridge = d.take_index(g);
            d.bridges.push(BridgeDesign {
                node: g,
                name: seg.interface.clone(),
                index: gw_bridge,
            });
            for (s, port, v) in ends {
                let a_index = d.take_index(g);
                let b_index = d.take_index(s);
                d.veths.push(VethDesign {
                    what: format!("segment {} ({}:{port} vlan {v})", seg.id, d.nodes[s].id),
                    link: None,
                    a: g,
                    a_if: format!("nkp{a_index}"),
                    a_index,
                    a_master: Some(gw_bridge),
                    b: s,
                    b_if: format!("p{port}v{v}"),
                    b_index,
                    b_master: bridge.get(&(s, v)).copied(),
                    rate_bps: None,
                });
            }
            ifindex.insert((g, seg.interface.clone()), gw_bridge);
        }

        // Where the hosts go.
        let wired = plan.first_access_switch(&seg.id).and_then(|(sw, ports)| {
            let n = node[&sw.id];
            Some(Attach {
                node: n,
                bridge: *bridge.get(&(n, seg.vlan))?,
                vlan: seg.vlan,
                ports: ports
                    .iter()
                    .map(|p| format!("p{}v{}", p.port, seg.vlan))
                    .collect(),
            })
        });
        let wireless = plan.first_access_point(&seg.id).and_then(|(w, ssid)| {
            let n = node[&w.ap];
            Some(Attach {
                node: n,
                bridge: *bridge.get(&(n, ssid.vlan))?,
                vlan: ssid.vlan,
                ports: vec![format!("wlan{}", ssid.vlan)],
            })
        });
        let sw = match (wired, wireless) {
            (Some(wired), wireless) => Switched {
                client: wireless.and_then(|at| {
                    let c = clients.iter().find(|c| c.segment == seg.id)?;
                    Some((c.id.clone(), c.address, at))
                }),
                wired,
            },
            (None, Some(wireless)) => Switched {
                wired: wireless,
                client: None,
            },
            // On a trunk but with no access port and no SSID: the hosts hang off
            // the first switch of the uplink.
            (None, None) => match bridge.get(&(first_switch, first_vlan)) {
                Some(&b) => Switched {
                    wired: Attach {
                        node: first_switch,
                        bridge: b,
                        vlan: first_vlan,
                        ports: Vec::new(),
                    },
                    client: None,
                },
                None => continue,
            },
        };
        out.insert(seg.id.clone(), sw);
    }
    out
}

fn add_bridge(d: &mut Design, bridge: &mut BTreeMap<(usize, u16), u32>, n: usize, v: u16) {
    if bridge.contains_key(&(n, v)) {
        return;
    }
    let index = d.take_index(n);
    d.bridges.push(BridgeDesign {
        node: n,
        name: format!("vlan{v}"),
        index,
    });
    bridge.insert((n, v), index);
}

/// One VLAN of a trunk: a veth between the bridges of VLAN `v` of `a` and `b`,
/// each end named `pPORTvV` (`b`'s `lanvV` when `b` is an access point).
fn trunk(
    d: &mut Design,
    bridge: &BTreeMap<(usize, u16), u32>,
    what: String,
    (a, a_port): (usize, u32),
    (b, b_port): (usize, u32),
    v: u16,
    b_is_ap: bool,
) {
    let (Some(&am), Some(&bm)) = (bridge.get(&(a, v)), bridge.get(&(b, v))) else {
        return;
    };
    let a_index = d.take_index(a);
    let b_index = d.take_index(b);
    let b_if = if b_is_ap {
        format!("lanv{v}")
    } else {
        format!("p{b_port}v{v}")
    };
    d.veths.push(VethDesign {
        what,
        link: None,
        a,
        a_if: format!("p{a_port}v{v}"),
        a_index,
        a_master: Some(am),
        b,
        b_if,
        b_index,
        b_master: Some(bm),
        rate_bps: None,
    });
}

/// Attach `hosts` (node, in order) to `at`: one veth each, `eth0` in the host.
pub(crate) fn attach_hosts(d: &mut Design, seg: &str, at: &Attach, hosts: &[usize]) {
    for (k, &h) in hosts.iter().enumerate() {
        if d.nodes[at.node].kind == NodeKind::AccessPoint && d.nodes[h].kind == NodeKind::TestHost {
            d.nodes[h].kind = NodeKind::WirelessClient;
        }
        let a_index = d.take_index(at.node);
        let b_index = d.take_index(h);
        d.veths.push(VethDesign {
            what: format!(
                "segment {seg} ({} behind {})",
                d.nodes[h].id, d.nodes[at.node].id
            ),
            link: None,
            a: at.node,
            a_if: at.port_name(k),
            a_index,
            a_master: Some(at.bridge),
            b: h,
            b_if: "eth0".into(),
            b_index,
            b_master: None,
            rate_bps: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use netkit_model::RoutingMode;
    use netkit_plan::Plan;

    use crate::design_types::{Design, NodeKind};

    fn plan() -> Plan {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test_data/access_lab.yaml");
        let bytes = std::fs::read(path).expect("access_lab.yaml");
        let parsed = netkit_model::parse(&bytes);
        let topo = parsed.topology.expect("access_lab parses");
        netkit_plan::plan(&topo, None).expect("access_lab plans")
    }

    /// Two switches uplink to hq.r1 with VLAN 10; an access point on the second.
    const TWO_ROOTS: &str = include_str!("../test_data/two_roots_lab.yaml");

    fn node(d: &Design, id: &str) -> usize {
        d.nodes
            .iter()
            .position(|n| n.id == id)
            .unwrap_or_else(|| panic!("no node {id}"))
    }

    #[test]
    fn every_switch_and_access_point_is_a_namespace_with_a_bridge_per_vlan() {
        let plan = plan();
        let d = Design::from_plan("t", &plan, RoutingMode::Static);
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        for sw in &plan.layer2.switches {
            let n = node(&d, &sw.id);
            assert_eq!(d.nodes[n].kind, NodeKind::Switch);
            let mut want: Vec<u16> = sw.ports.iter().flat_map(|p| p.vlan_list()).collect();
            want.sort_unstable();
            want.dedup();
            let mut have: Vec<String> = d
                .bridges
                .iter()
                .filter(|b| b.node == n)
                .map(|b| b.name.clone())
                .collect();
            have.sort();
            let mut want: Vec<String> = want.iter().map(|v| format!("vlan{v}")).collect();
            want.sort();
            assert_eq!(have, want, "{}", sw.id);
        }
        for w in &plan.layer2.wifi {
            let n = node(&d, &w.ap);
            assert_eq!(d.nodes[n].kind, NodeKind::AccessPoint);
            let bridges = d.bridges.iter().filter(|b| b.node == n).count();
            assert_eq!(bridges, w.ssids.len(), "{}", w.ap);
        }
        // Names fit Linux; indexes are unique per namespace; every bridge port's
        // master is a bridge of its own namespace.
        let mut seen = BTreeSet::new();
        for b in &d.bridges {
            assert!(seen.insert((b.node, b.index)));
        }
        for v in &d.veths {
            assert!(v.a_if.len() <= 15 && v.b_if.len() <= 15, "{v:?}");
            assert!(seen.insert((v.a, v.a_index)) && seen.insert((v.b, v.b_index)));
            for (n, m) in [(v.a, v.a_master), (v.b, v.b_master)] {
                if let Some(m) = m {
                    assert!(
                        d.bridges.iter().any(|b| b.node == n && b.index == m),
                        "{v:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn two_switches_on_one_gateway_vlan_meet_on_a_gateway_bridge() {
        let parsed = netkit_model::parse(TWO_ROOTS.as_bytes());
        let topo = parsed.topology.expect("parses");
        let plan = netkit_plan::plan(&topo, None).expect("plans");
        let d = Design::from_plan("t", &plan, RoutingMode::Static);
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        let users = plan.segment("hq.users").expect("hq.users");
        let r1 = node(&d, "hq.r1");
        // The plan's interface is a bridge of hq.r1, with the gateway's address.
        let bridge = d
            .bridges
            .iter()
            .find(|b| b.node == r1 && b.name == users.interface)
            .expect("a gateway bridge");
        assert!(d.addresses.iter().any(|a| a.node == r1
            && a.index == bridge.index
            && a.net.addr() == std::net::IpAddr::V4(users.gateway)));
        // One port of it per root switch, toward that switch's uplink VLAN 10.
        let mut far: Vec<(String, String)> = d
            .veths
            .iter()
            .filter(|v| v.a == r1 && v.a_master == Some(bridge.index))
            .map(|v| (d.nodes[v.b].id.clone(), v.b_if.clone()))
            .collect();
        far.sort();
        assert_eq!(
            far,
            [
                ("hq.sw1".to_string(), "p1v10".to_string()),
                ("hq.sw2".to_string(), "p1v10".to_string())
            ]
        );
        // The wired test host is on sw1, the wireless client behind sw2's access point.
        let on = |id: &str| {
            let h = node(&d, id);
            let v = d.veths.iter().find(|v| v.b == h).expect("cabled");
            (d.nodes[v.a].id.clone(), v.a_if.clone())
        };
        assert_eq!(on("hq.users"), ("hq.sw1".to_string(), "p2v10".to_string()));
        assert_eq!(
            on("hq.users.wifi-ap1"),
            ("hq.ap1".to_string(), "wlan10".to_string())
        );
    }

    #[test]
    fn nodes_are_counted_by_kind() {
        let d = Design::from_plan("t", &plan(), RoutingMode::Static);
        let c = crate::design_types::NodeCounts::of(d.nodes.iter().map(|n| n.kind));
        let want = crate::design_types::NodeCounts {
            routers: 2,
            switches: 3,
            access_points: 3,
            hosts: 5,
            wireless_clients: 3,
        };
        assert_eq!(c, want);
    }

    #[test]
    fn a_trunk_is_one_veth_per_vlan_between_the_two_bridges() {
        let plan = plan();
        let d = Design::from_plan("t", &plan, RoutingMode::Static);
        let (sw1, sw2) = (node(&d, "hq.sw1"), node(&d, "hq.sw2"));
        let sw2_plan = plan.layer2.switch("hq.sw2").expect("hq.sw2 planned");
        let up = sw2_plan.uplink_port().expect("uplink");
        let down = plan
            .layer2
            .switch("hq.sw1")
            .and_then(|s| s.ports.iter().find(|p| p.to.as_deref() == Some("hq.sw2")))
            .expect("hq.sw1 has a port toward hq.sw2");
        let trunk: Vec<_> = d
            .veths
            .iter()
            .filter(|v| v.a == sw1 && v.b == sw2)
            .collect();
        assert_eq!(trunk.len(), up.vlan_list().len());
        for v in up.vlan_list() {
            let t = trunk
                .iter()
                .find(|t| t.a_if == format!("p{}v{v}", down.port))
                .unwrap_or_else(|| panic!("no trunk veth for VLAN {v}: {trunk:?}"));
            assert_eq!(t.b_if, format!("p{}v{v}", up.port));
            assert!(t.a_master.is_some() && t.b_master.is_some());
        }
    }

    #[test]
    fn hosts_hang_off_their_first_switch_or_access_point() {
        let plan = plan();
        let d = Design::from_plan("t", &plan, RoutingMode::Static);
        let r1 = node(&d, "hq.r1");
        let sw1 = node(&d, "hq.sw1");
        // The gateway's segment interface is the far end of sw1's uplink VLAN 10.
        let users = plan.segment("hq.users").expect("hq.users");
        let gw = d
            .veths
            .iter()
            .find(|v| v.a == r1 && v.a_if == users.interface)
            .expect("gateway end of hq.users");
        assert_eq!((gw.b, gw.b_if.as_str()), (sw1, "p1v10"));
        // hq.users is only on sw2: its test host is on sw2's first access port.
        let (sw, ports) = plan.first_access_switch("hq.users").expect("on a switch");
        assert_eq!(sw.id, "hq.sw2");
        let h = node(&d, "hq.users");
        let v = d.veths.iter().find(|v| v.b == h).expect("hq.users cabled");
        assert_eq!(d.nodes[v.a].id, "hq.sw2");
        assert_eq!(v.a_if, format!("p{}v10", ports[0].port));
        // hq.guests is only on Wi-Fi: its test host is a wireless client of ap1.
        let g = node(&d, "hq.guests");
        assert_eq!(d.nodes[g].kind, NodeKind::WirelessClient);
        let v = d.veths.iter().find(|v| v.b == g).expect("hq.guests cabled");
        assert_eq!(
            (d.nodes[v.a].id.as_str(), v.a_if.as_str()),
            ("hq.ap1", "wlan99")
        );
        // hq.staff is wired and on Wi-Fi: a wired test host and a client of its own.
        let c = node(&d, "hq.staff.wifi-ap1");
        assert_eq!(d.nodes[c].kind, NodeKind::WirelessClient);
        let client = plan
            .wireless_client("hq.staff.wifi-ap1")
            .expect("planned client");
        assert!(d.addresses_of(c).iter().any(|a| a.addr() == client.address));
        assert_eq!(d.nodes[node(&d, "hq.staff")].kind, NodeKind::TestHost);
        // A segment without access ports or Wi-Fi is built as before.
        let servers = plan.segment("hq.servers").expect("hq.servers");
        assert!(
            d.bridges
                .iter()
                .any(|b| b.node == r1 && b.name == servers.interface)
        );
    }
}
