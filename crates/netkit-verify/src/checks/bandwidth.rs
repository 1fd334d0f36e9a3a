//! `bandwidth` checks: throughput between two points of the network against the
//! service level (SPEC.md: "every WAN link carries at least 90% of its declared
//! bandwidth").
//!
//! Owned by the bandwidth engineer (issue: netkit bandwidth / agent). The engine
//! (`crate::checks::run`) calls [`run`] for every `bandwidth` check of a playbook,
//! and [`auto`] when deriving checks from the plan (`--auto`).
//!
//! What the context gives you (`CheckContext`, additive changes only):
//! - `ctx.plan` / `ctx.topology`: the plan (links with `bandwidth_bps`, interfaces).
//! - `ctx.target`: `Target::Lab` or `Target::Live`; `ctx.lab`: the lab name.
//! - `ctx.namespace(node)`: the lab namespace of a device / segment / named host.
//! - `ctx.source(node)`: `Ok(Source::Namespace(ns))` in the lab, `Ok(Source::Local)`
//!   when live and this machine is `node`, else `Err("needs an agent at SITE ...")`,
//!   which is the reason of an `error` verdict.
//! - `ctx.run_in(&source, || ...)`: run blocking code (open sockets, start a server)
//!   on a dedicated thread inside the source's namespace, awaited without blocking.
//! - `ctx.budget(wanted)`: the time left before the run's deadline.
//! - `ctx.limiter`: the shared packet-rate limiter (throughput tests may ignore it:
//!   a bandwidth test is the one place where filling the link is the point).
//! - `ctx.draft("bandwidth", Some(from), Some(to))`: a result with site/start filled;
//!   finish it with `.pass(measured)`, `.fail(measured, reason)` or `.error(reason)`.
//!   `measured` should hold `{"bps": N, ...}` and `expected` `{"min_bps": N}`.

use netkit_plan::Plan;
use netkit_results::CheckResult;
use serde_json::json;

use crate::context::CheckContext;
use crate::playbook::{BandwidthCheck, Check};

/// Run one `bandwidth` check; returns one result (or several, e.g. one per
/// direction). Must always return, within `spec.duration` plus the probe timeouts.
pub async fn run(ctx: &CheckContext, spec: &BandwidthCheck) -> Vec<CheckResult> {
    vec![
        ctx.draft("bandwidth", Some(&spec.from), Some(&spec.to))
            .expected(json!({ "min_bps": spec.min_bps }))
            .error("bandwidth checks are not available in this build"),
    ]
}

/// The bandwidth checks `--auto` derives from the plan: every WAN link (both ends
/// in different sites) with a declared bandwidth carries at least 90% of it, from
/// end `a` to end `b`, for 5 seconds.
pub fn auto(plan: &Plan) -> Vec<Check> {
    plan.links
        .iter()
        .filter(|l| l.wan)
        .filter_map(|l| {
            let bps = l.bandwidth_bps?;
            Some(Check::Bandwidth(BandwidthCheck {
                from: l.a.clone(),
                to: l.b.clone(),
                min_bps: bps / 10 * 9,
                duration: std::time::Duration::from_secs(5),
                streams: 1,
                reverse: false,
            }))
        })
        .collect()
}
