//! netkit's planner: a checked [`netkit_model::Topology`] in, a [`Plan`] out: one
//! contiguous block per site, VLSM segments, point-to-point links, loopbacks, routing
//! tables (least-cost, loop-free), filtering rules and, with `routing: ospf`, the OSPF
//! design. Pure and deterministic: no IO, the same input gives the same bytes.
//!
//! Not here: reading files, parsing YAML (`netkit-model`), configurations, labs.
//! [`output`] renders a plan as terminal tables, Markdown or CSV.

mod addressing;
mod decide;
mod keep;
mod layer2;
mod routing;
pub mod stream;
mod types;

pub use stream::{DeferredPlan, plan_deferred};

pub use addressing::{
    EDGE_ADDRESS, UPLINK_INTERFACE, UPLINK_PREFIX, UPSTREAM_ADDRESS, sized_for, usable,
};
pub use layer2::*;
pub use types::*;

use netkit_model::{Diagnostic, Topology};

/// Reference bandwidth of derived link costs: 100 Gbit/s.
pub const REFERENCE_BANDWIDTH_BPS: u64 = 100_000_000_000;

/// Cost of a link without a declared `cost`, OSPF-style: the reference bandwidth
/// (100 Gbit/s) divided by the link's bandwidth, at least 1; 10 when the bandwidth is
/// not declared (the cost of a 10 Gbit/s link).
pub fn default_cost(bandwidth_bps: Option<u64>) -> u32 {
    match bandwidth_bps {
        None | Some(0) => 10,
        Some(bw) => u32::try_from((REFERENCE_BANDWIDTH_BPS / bw).max(1)).unwrap_or(u32::MAX),
    }
}

/// Plan a checked topology. With `previous`, every allocation of that plan that
/// still fits is kept (`netkit plan --keep`): site blocks, segment prefixes, link
/// prefixes (by endpoint pair), loopbacks and link interface names; new things are
/// allocated around them.
///
/// # Errors
/// Every reason the topology cannot be planned (pins that conflict, no space left),
/// each with the place in the file it comes from and a hint.
pub fn plan(topology: &Topology, previous: Option<&Plan>) -> Result<Plan, Vec<Diagnostic>> {
    let mut plan = address(topology, previous)?;
    routing::fill(&mut plan, topology)?;
    layer2::fill(&mut plan, topology, previous)?;
    Ok(plan)
}

/// The addressing plan only: like [`plan`] without routing tables, filters and OSPF
/// (`routes`, `filters` stay empty). For tools that need addresses alone, and for the
/// benchmark.
///
/// # Errors
/// Pins that conflict, no space left, references the planner cannot follow.
pub fn address(topology: &Topology, previous: Option<&Plan>) -> Result<Plan, Vec<Diagnostic>> {
    addressing::address(topology, previous)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_costs() {
        assert_eq!(default_cost(None), 10);
        assert_eq!(default_cost(Some(100_000_000)), 1000);
        assert_eq!(default_cost(Some(1_000_000_000)), 100);
        assert_eq!(default_cost(Some(400_000_000_000)), 1);
        assert_eq!(default_cost(Some(1)), u32::MAX);
    }
}
