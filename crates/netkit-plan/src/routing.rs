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
    match tables::compute(plan, topology) {
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
