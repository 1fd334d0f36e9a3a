//! Routing tables, filtering rules and the OSPF design, computed from an addressed plan.
//! (Owned by the routing work, issue 3; the addressing planner calls [`fill`].)

use netkit_model::{Diagnostic, Topology};

use crate::Plan;

/// Fill `plan.routes`, `plan.filters` and `plan.ospf` from an addressed plan.
#[allow(dead_code)] // Called by `plan()` once the addressing planner lands.
pub(crate) fn fill(plan: &mut Plan, topology: &Topology) -> Result<(), Vec<Diagnostic>> {
    let _ = (plan, topology);
    Ok(())
}
