//! Routing tables, filtering rules and the OSPF design, computed from an addressed plan.
//! (Owned by the routing work, issue 3; the addressing planner calls [`fill`].)
//!
//! - [`tables`]: least-cost, loop-free routing tables with ECMP and safe site summaries.
//! - [`policy`]: `isolated` segments and `policies` as ordered stateful filter rules.
//! - [`ospf`]: the OSPF design when the topology says `routing: ospf`.
//!
//! Everything here reads the addressed [`Plan`] (devices, interfaces, links with their
//! costs, segments, loopbacks, internet uplink) and, for the policies only, the
//! [`Topology`] (to point errors at the right line).

mod ospf;
mod policy;
mod tables;

use netkit_model::{Diagnostic, Topology};

use crate::Plan;

/// Fill `plan.routes`, `plan.filters` and `plan.ospf` from an addressed plan.
///
/// # Errors
/// A layer-3 device that no chain of links joins to the others, an internet edge
/// that is not a layer-3 device, or a policy naming something that does not exist:
/// each diagnostic names the object, points at its place in the file and says how
/// to fix it.
pub fn fill(plan: &mut Plan, topology: &Topology) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    match tables::compute(plan, Some(topology)) {
        Ok(routes) => plan.routes = routes,
        Err(mut e) => errors.append(&mut e),
    }
    match policy::compute(plan, topology) {
        Ok(filters) => plan.filters = filters,
        Err(mut e) => errors.append(&mut e),
    }
    plan.ospf = ospf::compute(plan);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

impl Plan {
    /// Recompute the routing tables and the OSPF design from this plan's addressing,
    /// links and `routing` mode, keeping its filter rules. [`crate::plan`] already did
    /// it; this is for a plan whose `routing` was switched after planning (`netkit
    /// lab up --routing ospf` on a plan JSON) and for benchmarks of the routing alone.
    ///
    /// # Errors
    /// A layer-3 device that no chain of links joins to the others, or an internet
    /// edge that is not a layer-3 device (diagnostics without a place in a file).
    pub fn recompute_routing(&mut self) -> Result<(), Vec<Diagnostic>> {
        self.routes = tables::compute(self, None)?;
        self.ospf = ospf::compute(self);
        Ok(())
    }

    /// The routing table of one layer-3 device, computed from this plan's addressing
    /// alone (what `routes[device_id]` holds after [`crate::plan`]); `None` when
    /// `device_id` is not a layer-3 device. Costs one shortest-path tree, not one per
    /// device: for tools that need a few tables of a very large network.
    ///
    /// # Errors
    /// As [`Plan::recompute_routing`].
    pub fn routing_table(
        &self,
        device_id: &str,
    ) -> Result<Option<Vec<crate::Route>>, Vec<Diagnostic>> {
        tables::compute_one(self, device_id)
    }
}
