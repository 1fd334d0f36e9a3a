//! FRR configuration (`frr.conf`, integrated config, FRR 8.x syntax; checked with
//! `vtysh --dryrun` against FRR 8.4).
//!
//! Static plans: one `ip route`/`ipv6 route` per route entry of the plan (ECMP =
//! several lines, same prefix). OSPF plans: `ip ospf area`, `ip ospf cost`,
//! `ip ospf network point-to-point` and `ip ospf passive` on the interfaces, the router
//! id from the loopback, `default-information originate metric 0 metric-type 1` on
//! the edge (so that the default route's metric is the path cost, as in the plan);
//! IPv6 the same way with `ospf6d` when the plan is dual stack (there the edge
//! originates `::/0` with `always`: the plan has no IPv6 upstream). Connected routes are
//! not written (zebra derives them from the addresses).

use std::fmt::Write;

use netkit_model::RoutingMode;
use netkit_plan::{OspfInterface, Plan, RouteKind};

/// OSPFv3 cost of the loopback; must match the planner's expected IPv6 metrics.
const OSPF6_LOOPBACK_COST: u32 = 1;

use crate::text::{ident, one_line};
use crate::{header, is_edge, purpose, router};

/// The `frr.conf` of layer-3 device `device_id`; an empty string when the plan has no
/// such layer-3 device.
pub fn render(plan: &Plan, device_id: &str) -> String {
    let Some(dev) = router(plan, device_id) else {
        return String::new();
    };
    let dual = plan.pools.ipv6.is_some();
    let ospf = plan.routing == RoutingMode::Ospf;
    let ospf_router = plan
        .ospf
        .as_ref()
        .and_then(|o| o.routers.iter().find(|r| r.device == dev.id));
    let ospf_if = |name: &str| -> Option<&OspfInterface> {
        ospf_router.and_then(|r| r.interfaces.iter().find(|i| i.name == name))
    };

    let mut s = String::new();
    // Writing into a String cannot fail.
    let _ = writeln!(s, "! {}", header(plan, dev, "FRR configuration"));
    let _ = writeln!(s, "frr defaults traditional");
    let _ = writeln!(s, "hostname {}", ident(&dev.id));
    let _ = writeln!(s, "service integrated-vtysh-config");
    let _ = writeln!(s, "ip forwarding");
    if dual {
        let _ = writeln!(s, "ipv6 forwarding");
    }
    let _ = writeln!(s, "!");

    for i in &dev.interfaces {
        let _ = writeln!(s, "interface {}", ident(&i.name));
        let what = one_line(&purpose(plan, &dev.id, i), 200);
        if !what.is_empty() {
            let _ = writeln!(s, " description {what}");
        }
        let _ = writeln!(s, " ip address {}", i.address);
        if let Some(a6) = i.address6 {
            let _ = writeln!(s, " ipv6 address {a6}");
        }
        if let Some(o) = ospf_if(&i.name) {
            write_ospf_interface(&mut s, o, dual);
        }
        let _ = writeln!(s, "exit\n!");
    }
    if dev.loopback.is_some() || dev.loopback6.is_some() {
        let _ = writeln!(s, "interface lo");
        let _ = writeln!(s, " description loopback of {}", ident(&dev.id));
        if let Some(l) = dev.loopback {
            let _ = writeln!(s, " ip address {l}");
        }
        if let Some(l) = dev.loopback6 {
            let _ = writeln!(s, " ipv6 address {l}");
        }
        if let Some(o) = ospf_if("lo") {
            write_ospf_interface(&mut s, o, dual);
        }
        let _ = writeln!(s, "exit\n!");
    }

    let edge = is_edge(plan, &dev.id);
    let mut statics = 0;
    for r in plan.routes.get(&dev.id).into_iter().flatten() {
        if r.kind == RouteKind::Connected {
            continue;
        }
        // With OSPF only the edge's way out is static; OSPF computes the rest.
        let upstream = edge && r.kind == RouteKind::Default;
        if ospf && !upstream {
            continue;
        }
        let Some(nh) = r.next_hop else { continue };
        let family = if r.destination.addr().is_ipv4() {
            "ip"
        } else {
            "ipv6"
        };
        let _ = writeln!(
            s,
            "{family} route {} {nh} {}",
            r.destination,
            ident(&r.interface)
        );
        statics += 1;
    }
    if statics > 0 {
        let _ = writeln!(s, "!");
    }

    if let (true, Some(o)) = (ospf, ospf_router) {
        let _ = writeln!(s, "router ospf");
        let _ = writeln!(s, " ospf router-id {}", o.router_id);
        if let Some(p) = &plan.ospf {
            let _ = writeln!(
                s,
                " auto-cost reference-bandwidth {}",
                p.reference_bandwidth_mbps
            );
        }
        if edge {
            let _ = writeln!(s, " default-information originate metric 0 metric-type 1");
        }
        let _ = writeln!(s, "exit\n!");
        if dual {
            let _ = writeln!(s, "router ospf6");
            let _ = writeln!(s, " ospf6 router-id {}", o.router_id);
            if let Some(p) = &plan.ospf {
                let _ = writeln!(
                    s,
                    " auto-cost reference-bandwidth {}",
                    p.reference_bandwidth_mbps
                );
            }
            if edge {
                // The edge has no IPv6 upstream in the plan, yet every router's ::/0
                // points to it (as in static plans): originate it unconditionally.
                let _ = writeln!(
                    s,
                    " default-information originate always metric 0 metric-type 1"
                );
            }
            let _ = writeln!(s, "exit\n!");
        }
    }
    let _ = writeln!(s, "end");
    s
}

fn write_ospf_interface(s: &mut String, o: &OspfInterface, dual: bool) {
    let _ = writeln!(s, " ip ospf area {}", o.area);
    // FRR advertises a loopback with cost 0 whatever is set; a cost of 0 is not
    // accepted by `ip ospf cost` (1-65535).
    if o.cost > 0 {
        let _ = writeln!(s, " ip ospf cost {}", o.cost.min(65535));
    }
    if o.network_type == "point-to-point" {
        let _ = writeln!(s, " ip ospf network point-to-point");
    }
    if o.passive {
        let _ = writeln!(s, " ip ospf passive");
    }
    if dual {
        let _ = writeln!(s, " ipv6 ospf6 area {}", o.area);
        if o.network_type == "loopback" {
            // ospf6d advertises the loopback's /128 with this cost (the plan's
            // expected IPv6 metrics count it).
            let _ = writeln!(s, " ipv6 ospf6 cost {OSPF6_LOOPBACK_COST}");
        } else if o.cost > 0 {
            let _ = writeln!(s, " ipv6 ospf6 cost {}", o.cost.min(65535));
        }
        if o.network_type == "point-to-point" {
            let _ = writeln!(s, " ipv6 ospf6 network point-to-point");
        }
        if o.passive {
            let _ = writeln!(s, " ipv6 ospf6 passive");
        }
    }
}
