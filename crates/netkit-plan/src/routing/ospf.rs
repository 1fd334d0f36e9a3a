//! The OSPF design for `routing: ospf`.
//!
//! Single area 0 for the whole network. Why: one area makes every router compute the
//! same global least-cost tree, so OSPF converges to exactly the tables the static
//! planner computes (inter-area routing must cross the backbone and can pick a
//! costlier path than the global optimum); the networks netkit targets (a head office
//! and tens of branches) are far below the few hundred routers where one area's
//! flooding and SPF cost start to matter. Site blocks are still contiguous, so moving
//! to one area per site later is an `area range` per block on the site's ABR.
//!
//! Interfaces: links are point-to-point (no DR election, RFC 3021 /31s work), with the
//! link's cost; segment interfaces are passive broadcast stubs with cost
//! [`OSPF_SEGMENT_COST`]; the loopback is a passive stub (FRR advertises it with cost 0).
//! The router id is the loopback address. The internet uplink is not in OSPF: the edge
//! originates the default route instead.

use std::net::Ipv4Addr;

use netkit_model::RoutingMode;

use super::tables::{LOOPBACK_INTERFACE, OSPF_MAX_COST, OSPF_SEGMENT_COST, effective_cost};
use crate::{OspfInterface, OspfPlan, OspfRouter, Plan};

/// Reference bandwidth written into the configurations (`auto-cost
/// reference-bandwidth`): 100 Gbit/s, so that 1, 10 and 100 Gbit/s links get distinct
/// costs. Every interface also gets its cost explicitly, so it only matters for
/// interfaces that netkit does not configure.
pub const REFERENCE_BANDWIDTH_MBPS: u64 = 100_000;

/// The design name written in the plan.
pub const DESIGN: &str = "single-area";

pub(super) fn compute(plan: &Plan) -> Option<OspfPlan> {
    if plan.routing != RoutingMode::Ospf {
        return None;
    }
    let area = Ipv4Addr::UNSPECIFIED;
    let mut routers = Vec::new();
    for d in plan.routers() {
        let router_id = d
            .loopback
            .map(|l| l.addr())
            .or_else(|| d.interfaces.iter().map(|i| i.address.addr()).max())
            .unwrap_or(Ipv4Addr::UNSPECIFIED);
        let mut interfaces = Vec::new();
        for i in &d.interfaces {
            if let Some(link) = i.link.and_then(|id| {
                plan.links
                    .get(id)
                    .filter(|l| l.id == id)
                    .or_else(|| plan.links.iter().find(|l| l.id == id))
            }) {
                interfaces.push(OspfInterface {
                    name: i.name.clone(),
                    area,
                    cost: u32::try_from(effective_cost(link.cost, true)).unwrap_or(OSPF_MAX_COST),
                    passive: false,
                    network_type: "point-to-point".to_string(),
                });
            } else if i.segment.is_some() {
                interfaces.push(OspfInterface {
                    name: i.name.clone(),
                    area,
                    cost: OSPF_SEGMENT_COST,
                    passive: true,
                    network_type: "broadcast".to_string(),
                });
            }
        }
        if d.loopback.is_some() {
            interfaces.push(OspfInterface {
                name: LOOPBACK_INTERFACE.to_string(),
                area,
                cost: 0,
                passive: true,
                network_type: "loopback".to_string(),
            });
        }
        routers.push(OspfRouter {
            device: d.id.clone(),
            router_id,
            interfaces,
        });
    }
    Some(OspfPlan {
        design: DESIGN.to_string(),
        reference_bandwidth_mbps: REFERENCE_BANDWIDTH_MBPS,
        routers,
    })
}
