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
mod parallel;
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
    match parallel::compute(plan, Some(topology)) {
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

/// Like [`fill`], except the routing tables: `plan.routes` stays empty, but
/// everything the tables need is checked (the same errors as [`fill`]), so that
/// [`stream_tables`] cannot fail afterwards.
///
/// # Errors
/// As [`fill`].
pub(crate) fn fill_deferred(plan: &mut Plan, topology: &Topology) -> Result<(), Vec<Diagnostic>> {
    let mut errors = Vec::new();
    if let Err(mut e) = tables::Tables::new(plan, Some(topology)) {
        errors.append(&mut e);
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

/// Every layer-3 device's table, as [`fill`] computes them.
pub(crate) fn compute_tables(
    plan: &Plan,
) -> Result<std::collections::BTreeMap<String, Vec<crate::Route>>, Vec<Diagnostic>> {
    parallel::compute(plan, None)
}

/// Every layer-3 device's table (what `plan.routes` would hold), computed on
/// `threads` threads: `work` runs on the workers (table in, anything out), `sink`
/// gets the results in device-id order, with a bounded number in flight.
///
/// # Errors
/// `Err` as [`fill`] when the tables cannot be computed; `Ok(Err)` when `sink`
/// failed (it is not called again).
pub(crate) fn stream_tables<T: Send, E>(
    plan: &Plan,
    threads: usize,
    work: impl Fn(&str, Vec<crate::Route>) -> T + Sync,
    sink: impl FnMut(T) -> Result<(), E>,
) -> Result<Result<(), E>, Vec<Diagnostic>> {
    let t = tables::Tables::new(plan, None)?;
    Ok(parallel::in_order(&t, threads, work, sink))
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
        self.routes = parallel::compute(self, None)?;
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
