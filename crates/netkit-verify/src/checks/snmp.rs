//! `snmp` checks: a device answers SNMP and what it reports matches the plan
//! (interfaces up, addresses, routes).
//!
//! Owned by the SNMP engineer (issue: netkit snmp). The engine
//! (`crate::checks::run`) calls [`run`] for every `snmp` check of a playbook, and
//! [`auto`] when deriving checks from the plan (`--auto`).
//!
//! What the context gives you (`CheckContext`, additive changes only):
//! - `ctx.plan` (devices, interfaces, routes, `snmp` settings with `${VAR}` secrets
//!   unexpanded) and `ctx.topology`.
//! - `ctx.target` / `ctx.lab`; `ctx.namespace(node)`: the lab namespace of a node.
//!   In the lab, query the device from a namespace that routes to it (e.g. the
//!   device's own namespace, `ctx.namespace(&spec.device)`) or from the segment
//!   the topology says manages it.
//! - `ctx.source(node)` / `ctx.run_in(&source, || ...)`: open the UDP socket inside a
//!   namespace on a dedicated thread, then drive it from tokio.
//! - `ctx.probe` (per-try timeout and tries), `ctx.budget(wanted)`, `ctx.limiter`
//!   (`ctx.limiter.acquire(1).await` before each request packet).
//! - `ctx.draft("snmp", Some(device), None)`: a result with site/start filled; finish
//!   it with `.pass(measured)`, `.fail(measured, reason)` or `.error(reason)`.
//!   Never put the community or any secret in a result.

use netkit_plan::Plan;
use netkit_results::CheckResult;
use serde_json::json;

use crate::context::CheckContext;
use crate::playbook::{Check, SnmpCheck, SnmpExpectation};

/// Run one `snmp` check: one result per expectation of `spec.expect`. Must always
/// return within the probe timeouts.
pub async fn run(ctx: &CheckContext, spec: &SnmpCheck) -> Vec<CheckResult> {
    spec.expect
        .iter()
        .map(|e| {
            ctx.draft("snmp", Some(&spec.device), None)
                .target(&spec.device)
                .expected(json!({ "expect": e.as_str() }))
                .error("snmp checks are not available in this build")
        })
        .collect()
}

/// The SNMP checks `--auto` derives from the plan: when the topology has `snmp`,
/// every layer-3 device is checked for all expectations.
pub fn auto(plan: &Plan) -> Vec<Check> {
    if plan.snmp.is_none() {
        return Vec::new();
    }
    plan.routers()
        .map(|d| {
            Check::Snmp(SnmpCheck {
                device: d.id.clone(),
                expect: SnmpExpectation::ALL.to_vec(),
            })
        })
        .collect()
}
