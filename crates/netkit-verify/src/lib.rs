//! Acceptance tests (recette) of a network: playbooks, checks derived from the plan,
//! honest verdicts. Drives the probes of `netkit-probe` on the lab's namespaces or
//! on the live network from this machine.
//!
//! Flow: [`playbook::parse`] (YAML -> checks, located errors) and
//! [`playbook::validate`] (ids against the plan), or [`auto::derive`] (checks from
//! the plan); then [`run`] with a [`CheckContext`] gives `netkit_results::Results`.
//!
//! Not for: opening sockets by itself (that is `netkit-probe`), terminal output
//! (that is the CLI), or building the lab (`netkit-lab`).

pub mod agents;
pub mod auto;
pub mod checks;
pub mod context;
pub mod diagnose;
pub mod engine;
pub mod playbook;
pub mod resolve;
pub mod target;

pub use context::{CheckContext, Draft, NamespaceFn, Source};
pub use playbook::{Check, Playbook, PlaybookError, Target};

use netkit_results::{CheckResult, RESULTS_FORMAT, Results};

/// Default packet rate limit of a run, packets per second (`--rate`).
pub const DEFAULT_RATE: u32 = 20_000;
/// Default number of checks running at once (`--concurrency`).
pub const DEFAULT_CONCURRENCY: usize = 64;

/// What the results say about the run, besides the results.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Playbook name (or "auto: TOPOLOGY").
    pub name: String,
    pub technician: Option<String>,
    pub requester: Option<String>,
    /// The playbook's deadline, RFC 3339.
    pub deadline: Option<String>,
}

/// Run `checks` and return the results (SPEC's `netkit-results/1`). `on_result` is
/// called as each result comes (progress); `total_hint` below says how many.
pub async fn run(
    ctx: &CheckContext,
    info: &RunInfo,
    checks: &[Check],
    concurrency: usize,
    on_result: &(dyn Fn(&CheckResult) + Sync),
) -> Results {
    let started = netkit_results::now_rfc3339();
    let units = units(ctx, checks);
    let results = engine::run_units(ctx, &units, concurrency, on_result).await;
    document(ctx, info, started, results)
}

/// The `netkit-results/1` document of a run that started at `started` (RFC 3339)
/// and gave `results` (in playbook order); for coordinators that run units
/// elsewhere (`netkit-agent`).
pub fn document(
    ctx: &CheckContext,
    info: &RunInfo,
    started: String,
    results: Vec<CheckResult>,
) -> Results {
    Results {
        format: RESULTS_FORMAT.to_string(),
        playbook: info.name.clone(),
        target: ctx.target.as_str().to_string(),
        started,
        finished: netkit_results::now_rfc3339(),
        topology: Some(ctx.plan.name.clone()),
        lab: ctx.lab.clone(),
        technician: info.technician.clone(),
        requester: info.requester.clone(),
        deadline: info
            .deadline
            .clone()
            .or_else(|| ctx.playbook_deadline.clone()),
        results,
    }
}

/// The units `checks` expand to (what [`run`] schedules).
pub fn units(ctx: &CheckContext, checks: &[Check]) -> Vec<checks::Unit> {
    checks
        .iter()
        .flat_map(|c| checks::expand(&ctx.plan, c))
        .collect()
}

/// How many results `checks` will give, for a progress bar.
pub fn total_results(ctx: &CheckContext, checks: &[Check]) -> usize {
    units(ctx, checks)
        .iter()
        .map(checks::Unit::expected_results)
        .sum()
}
