//! Plan -> what to build: nodes, bridges, veth pairs (with their interface indexes
//! chosen here, so that no lookup is needed), addresses, routes and shaping. Pure.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use netkit_model::RoutingMode;
use netkit_plan::{Plan, RouteKind};

use crate::namespace_name;

pub use crate::design_types::*;

/// The IPv6 address at the same offset in `net6` as `v4` has in `net4`.
pub fn same_offset6(net4: Ipv4Net, v4: Ipv4Addr, net6: Ipv6Net) -> Ipv6Addr {
    let off = u32::from(v4).wrapping_sub(u32::from(net4.network()));
    Ipv6Addr::from(u128::from(net6.network()) | u128::from(off))
}

impl Design {
    /// Work out the lab of `plan`. `routing` decides which routes are installed
    /// by netlink: all of them (static), or only the IPv6 ones and the edge's
    /// default route (OSPF: FRR learns the IPv4 rest).
    pub fn from_plan(lab: &str, plan: &Plan, routing: RoutingMode) -> Design {
        let mut d = Design {
            lab: lab.to_string(),
            routing,
            nodes: Vec::new(),
            bridges: Vec::new(),
            veths: Vec::new(),
            addresses: Vec::new(),
            routes: Vec::new(),
            gateways: BTreeMap::new(),
            warnings: Vec::new(),
        };
        // Interface index of (node, interface name), for routes.
        let mut ifindex: BTreeMap<(usize, String), u32> = BTreeMap::new();

        for dev in plan.routers() {
            let mut loopbacks = Vec::new();
            if let Some(l) = dev.loopback {
                loopbacks.push(IpNet::V4(l));
            }
            if let Some(l) = dev.loopback6 {
                loopbacks.push(IpNet::V6(l));
            }
            d.add_node(&dev.id, NodeKind::Device, loopbacks);
        }
        let node_of = |d: &Design, id: &str| d.nodes.iter().position(|n| n.id == id);

        // Links between devices.
        for link in &plan.links {
            let (Some(a), Some(b)) = (node_of(&d, &link.a), node_of(&d, &link.b)) else {
                continue;
            };
            let a_index = d.take_index(a);
            let b_index = d.take_index(b);
            d.veths.push(VethDesign {
                what: format!("link {} ({} - {})", link.id, link.a, link.b),
                link: Some(link.id),
                a,
                a_if: link.a_interface.clone(),
                a_index,
                a_master: None,
                b,
                b_if: link.b_interface.clone(),
                b_index,
                b_master: None,
                rate_bps: link.bandwidth_bps,
            });
            ifindex.insert((a, link.a_interface.clone()), a_index);
            ifindex.insert((b, link.b_interface.clone()), b_index);
        }

        // The access layer: switches, access points, trunks, gateway ends.
        let switched = crate::switching::build(&mut d, plan, &mut ifindex);

        // Segments: a veth to the test host, or a bridge when named hosts share it;
        // on switches, a port of the first switch's (or access point's) VLAN bridge.
        let segments: Vec<_> = plan.segments().cloned().collect();
        for seg in &segments {
            let Some(g) = node_of(&d, &seg.gateway_device) else {
                continue;
            };
            // A segment without a free address (every offset taken by named
            // hosts) gets no test host: its vantage named host stands in
            // (`SegmentPlan::vantage_host`), so valid addressing is never refused.
            let mut hosts: Vec<(usize, Ipv4Addr, Option<Ipv6Addr>)> = Vec::new();
            if seg.vantage_host().is_none() {
                let host = d.add_node(&seg.id, NodeKind::TestHost, Vec::new());
                hosts.push((host, seg.test_host(), None));
            }
            for n in &seg.named {
                let h = d.add_node(&n.id, NodeKind::NamedHost, Vec::new());
                hosts.push((h, n.address, n.address6));
            }
            if let Some(sw) = switched.get(&seg.id) {
                let nodes: Vec<usize> = hosts.iter().map(|h| h.0).collect();
                crate::switching::attach_hosts(&mut d, &seg.id, &sw.wired, &nodes);
                if let Some((id, address, at)) = &sw.client {
                    let c = d.add_node(id, NodeKind::TestHost, Vec::new());
                    crate::switching::attach_hosts(&mut d, &seg.id, at, &[c]);
                    hosts.push((c, *address, None));
                }
            } else if let [(host, _, _)] = hosts[..] {
                let gw_index = d.take_index(g);
                ifindex.insert((g, seg.interface.clone()), gw_index);
                let h_index = d.take_index(host);
                d.veths.push(VethDesign {
                    what: format!("segment {}", seg.id),
                    link: None,
                    a: g,
                    a_if: seg.interface.clone(),
                    a_index: gw_index,
                    a_master: None,
                    b: host,
                    b_if: "eth0".into(),
                    b_index: h_index,
                    b_master: None,
                    rate_bps: None,
                });
            } else {
                let gw_index = d.take_index(g);
                ifindex.insert((g, seg.interface.clone()), gw_index);
                d.bridges.push(BridgeDesign {
                    node: g,
                    name: seg.interface.clone(),
                    index: gw_index,
                });
                for (h, _, _) in &hosts {
                    let p_index = d.take_index(g);
                    let h_index = d.take_index(*h);
                    d.veths.push(VethDesign {
                        what: format!("segment {} ({})", seg.id, d.nodes[*h].id),
                        link: None,
                        a: g,
                        a_if: format!("nkp{p_index}"),
                        a_index: p_index,
                        a_master: Some(gw_index),
                        b: *h,
                        b_if: "eth0".into(),
                        b_index: h_index,
                        b_master: None,
                        rate_bps: None,
                    });
                }
            }
            for (h, v4, v6) in hosts {
                let eth0 = d
                    .veths
                    .iter()
                    .find(|v| v.b == h)
                    .map(|v| v.b_index)
                    .unwrap_or(FIRST_IFINDEX);
                d.addresses.push(AddrDesign {
                    node: h,
                    index: eth0,
                    ifname: "eth0".into(),
                    net: IpNet::V4(Ipv4Net::new(v4, seg.prefix.prefix_len()).unwrap_or(seg.prefix)),
                });
                d.routes.push(RouteDesign {
                    node: h,
                    destination: "0.0.0.0/0".parse().unwrap_or(IpNet::V4(Ipv4Net::default())),
                    hops: vec![HopDesign {
                        gateway: Some(IpAddr::V4(seg.gateway)),
                        index: eth0,
                        ifname: "eth0".into(),
                    }],
                    metric: None,
                });
                d.gateways.insert(h, IpAddr::V4(seg.gateway));
                if let (Some(p6), Some(gw6)) = (seg.prefix6, seg.gateway6) {
                    let a6 = v6.unwrap_or_else(|| same_offset6(seg.prefix, v4, p6));
                    d.addresses.push(AddrDesign {
                        node: h,
                        index: eth0,
                        ifname: "eth0".into(),
                        net: IpNet::V6(Ipv6Net::new(a6, p6.prefix_len()).unwrap_or(p6)),
                    });
                    d.routes.push(RouteDesign {
                        node: h,
                        destination: IpNet::V6(Ipv6Net::default()),
                        hops: vec![HopDesign {
                            gateway: Some(IpAddr::V6(gw6)),
                            index: eth0,
                            ifname: "eth0".into(),
                        }],
                        metric: None,
                    });
                }
            }
        }

        // The internet upstream behind the edge.
        if let Some(inet) = &plan.internet
            && let Some(edge) = node_of(&d, &inet.edge)
        {
            let up = d.add_node("internet", NodeKind::Internet, Vec::new());
            let e_index = d.take_index(edge);
            let u_index = d.take_index(up);
            d.veths.push(VethDesign {
                what: format!("internet ({})", inet.edge),
                link: None,
                a: edge,
                a_if: inet.edge_interface.clone(),
                a_index: e_index,
                a_master: None,
                b: up,
                b_if: "eth0".into(),
                b_index: u_index,
                b_master: None,
                rate_bps: None,
            });
            ifindex.insert((edge, inet.edge_interface.clone()), e_index);
            let plen = inet.uplink_prefix.prefix_len();
            let edge_has_uplink = plan
                .device(&inet.edge)
                .is_some_and(|dev| dev.interfaces.iter().any(|i| i.name == inet.edge_interface));
            if !edge_has_uplink {
                d.addresses.push(AddrDesign {
                    node: edge,
                    index: e_index,
                    ifname: inet.edge_interface.clone(),
                    net: IpNet::V4(
                        Ipv4Net::new(inet.edge_address, plen).unwrap_or(inet.uplink_prefix),
                    ),
                });
            }
            d.addresses.push(AddrDesign {
                node: up,
                index: u_index,
                ifname: "eth0".into(),
                net: IpNet::V4(
                    Ipv4Net::new(inet.upstream_address, plen).unwrap_or(inet.uplink_prefix),
                ),
            });
            d.gateways.insert(up, IpAddr::V4(inet.edge_address));
            // The upstream reaches every internal pool through the edge.
            let mut pools: Vec<Ipv4Net> =
                vec![plan.pools.ipv4, plan.pools.wan, plan.pools.loopbacks];
            pools = Ipv4Net::aggregate(&pools);
            for p in pools {
                d.routes.push(RouteDesign {
                    node: up,
                    destination: IpNet::V4(p),
                    hops: vec![HopDesign {
                        gateway: Some(IpAddr::V4(inet.edge_address)),
                        index: u_index,
                        ifname: "eth0".into(),
                    }],
                    metric: None,
                });
            }
        }

        // Device interface addresses (links, segments, uplink) and routes.
        for (i, node) in d.nodes.clone().iter().enumerate() {
            if node.kind != NodeKind::Device {
                continue;
            }
            let Some(dev) = plan.device(&node.id) else {
                continue;
            };
            for itf in &dev.interfaces {
                let Some(&index) = ifindex.get(&(i, itf.name.clone())) else {
                    continue;
                };
                d.addresses.push(AddrDesign {
                    node: i,
                    index,
                    ifname: itf.name.clone(),
                    net: IpNet::V4(itf.address),
                });
                if let Some(a6) = itf.address6 {
                    d.addresses.push(AddrDesign {
                        node: i,
                        index,
                        ifname: itf.name.clone(),
                        net: IpNet::V6(a6),
                    });
                }
            }
            let edge_uplink = plan
                .internet
                .as_ref()
                .filter(|inet| inet.edge == node.id)
                .map(|inet| inet.edge_interface.clone());
            let Some(routes) = plan.routes.get(&node.id) else {
                continue;
            };
            // Group equal-cost entries (same destination and metric) into one
            // multipath route, keeping the plan's order.
            let mut groups: Vec<RouteDesign> = Vec::new();
            for r in routes {
                if r.kind == RouteKind::Connected || r.kind == RouteKind::Ospf {
                    continue;
                }
                let via_uplink = edge_uplink.as_deref() == Some(r.interface.as_str());
                if routing == RoutingMode::Ospf && r.destination.addr().is_ipv4() && !via_uplink {
                    continue;
                }
                let Some(&index) = ifindex.get(&(i, r.interface.clone())) else {
                    d.warnings.push(format!(
                        "route {} of {} is not installed: its interface {} is not in the lab",
                        r.destination, node.id, r.interface
                    ));
                    continue;
                };
                let hop = HopDesign {
                    gateway: r.next_hop,
                    index,
                    ifname: r.interface.clone(),
                };
                match groups
                    .iter_mut()
                    .find(|g| g.destination == r.destination && g.metric == Some(r.metric))
                {
                    Some(g) => {
                        if !g.hops.contains(&hop) {
                            g.hops.push(hop)
                        }
                    }
                    None => groups.push(RouteDesign {
                        node: i,
                        destination: r.destination,
                        hops: vec![hop],
                        metric: Some(r.metric),
                    }),
                }
            }
            d.routes.extend(groups);
        }
        d
    }

    pub(crate) fn add_node(&mut self, id: &str, kind: NodeKind, loopbacks: Vec<IpNet>) -> usize {
        self.nodes.push(NodeDesign {
            id: id.to_string(),
            ns: namespace_name(&self.lab, id),
            kind,
            loopbacks,
            next_ifindex: FIRST_IFINDEX,
        });
        self.nodes.len() - 1
    }

    pub(crate) fn take_index(&mut self, node: usize) -> u32 {
        let n = &mut self.nodes[node];
        let i = n.next_ifindex;
        n.next_ifindex += 1;
        i
    }

    /// Addresses of node `i`, interfaces first, then loopbacks.
    pub fn addresses_of(&self, i: usize) -> Vec<IpNet> {
        self.addresses
            .iter()
            .filter(|a| a.node == i)
            .map(|a| a.net)
            .chain(self.nodes[i].loopbacks.iter().copied())
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn acme() -> Plan {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../inventories/acme.yaml");
        let bytes = std::fs::read(path).expect("acme.yaml");
        let topo = netkit_model::parse(&bytes).topology.expect("acme parses");
        netkit_plan::plan(&topo, None).expect("acme plans")
    }

    #[test]
    fn acme_design_has_every_node_link_and_address() {
        let plan = acme();
        let d = Design::from_plan("t", &plan, RoutingMode::Static);
        let named: usize = plan.segments().map(|s| s.named.len()).sum();
        assert_eq!(
            d.nodes.len(),
            plan.routers().count() + plan.segments().count() + named + 1
        );
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        // Interface names fit Linux, indexes are unique per namespace.
        let mut seen = BTreeSet::new();
        for v in &d.veths {
            assert!(v.a_if.len() <= 15 && v.b_if.len() <= 15, "{v:?}");
            assert!(
                seen.insert((v.a, v.a_index)) && seen.insert((v.b, v.b_index)),
                "{v:?}"
            );
        }
        for b in &d.bridges {
            assert!(seen.insert((b.node, b.index)));
        }
        // hq.servers has named hosts: a bridge with three ports.
        assert_eq!(d.bridges.len(), 1);
        assert_eq!(d.veths.iter().filter(|v| v.a_master.is_some()).count(), 3);
        // Every planned device address is configured.
        for dev in plan.routers() {
            let i = d.nodes.iter().position(|n| n.id == dev.id).unwrap();
            let have = d.addresses_of(i);
            for itf in &dev.interfaces {
                assert!(
                    have.contains(&IpNet::V4(itf.address)),
                    "{} {}",
                    dev.id,
                    itf.name
                );
            }
        }
        // Test hosts are at the last usable address.
        let users = plan.segment("hq.users").unwrap();
        let h = d.nodes.iter().position(|n| n.id == "hq.users").unwrap();
        assert!(
            d.addresses_of(h)
                .iter()
                .any(|a| a.addr() == IpAddr::V4(users.test_host()))
        );
        // Shaped links are the ones with a bandwidth.
        let shaped = d.veths.iter().filter(|v| v.rate_bps.is_some()).count();
        assert_eq!(
            shaped,
            plan.links
                .iter()
                .filter(|l| l.bandwidth_bps.is_some())
                .count()
        );
    }

    #[test]
    fn equal_cost_routes_become_one_multipath_route() {
        let mut plan = acme();
        let routes = plan.routes.get_mut("hq.r1").unwrap();
        let r = routes
            .iter()
            .find(|r| r.kind == RouteKind::Static && r.destination.addr().is_ipv4())
            .unwrap()
            .clone();
        let other = plan
            .links
            .iter()
            .find(|l| l.a == "hq.r1" && l.a_interface != r.interface)
            .unwrap()
            .clone();
        let mut twin = r.clone();
        twin.interface = other.a_interface.clone();
        twin.next_hop = Some(IpAddr::V4(other.b_address));
        plan.routes.get_mut("hq.r1").unwrap().push(twin);
        let d = Design::from_plan("t", &plan, RoutingMode::Static);
        let i = d.nodes.iter().position(|n| n.id == "hq.r1").unwrap();
        let found: Vec<_> = d
            .routes
            .iter()
            .filter(|x| x.node == i && x.destination == r.destination)
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].hops.len(), 2);
    }

    #[test]
    fn ospf_labs_leave_ipv4_routes_to_frr_but_the_edge_default() {
        let plan = acme();
        let d = Design::from_plan("t", &plan, RoutingMode::Ospf);
        let edge = &plan.internet.as_ref().unwrap().edge;
        for r in &d.routes {
            let n = &d.nodes[r.node];
            if n.kind == NodeKind::Device && r.destination.addr().is_ipv4() {
                assert_eq!(&n.id, edge);
                assert_eq!(r.destination.prefix_len(), 0);
            }
        }
    }

    #[test]
    fn v6_offset_follows_v4() {
        let a = same_offset6(
            "10.1.0.0/24".parse().unwrap(),
            "10.1.0.254".parse().unwrap(),
            "fd00:ac:0:1::/64".parse().unwrap(),
        );
        assert_eq!(a, "fd00:ac:0:1::fe".parse::<Ipv6Addr>().unwrap());
    }
}
