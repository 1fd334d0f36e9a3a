//! Runs units with bounded concurrency, in any order, and gives the results back
//! in the order of the checks; reports each result as it comes (progress bars).

use std::time::Instant;

use futures::StreamExt;
use netkit_results::CheckResult;

use crate::checks::{self, Unit};
use crate::context::CheckContext;

/// Run `units` at most `concurrency` at a time. `on_result` sees every result as
/// soon as it is known. Units still running at `ctx.run_deadline` end with an
/// `error` verdict.
pub async fn run_units(
    ctx: &CheckContext,
    units: &[Unit],
    concurrency: usize,
    on_result: &(dyn Fn(&CheckResult) + Sync),
) -> Vec<CheckResult> {
    let mut done: Vec<(usize, Vec<CheckResult>)> = futures::stream::iter(units.iter().enumerate())
        .map(|(i, unit)| async move {
            let results = match ctx.run_deadline {
                None => checks::run_unit(ctx, unit).await,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match tokio::time::timeout(left, checks::run_unit(ctx, unit)).await {
                        Ok(r) => r,
                        Err(_) => vec![timed_out(ctx, unit)],
                    }
                }
            };
            for r in &results {
                on_result(r);
            }
            (i, results)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().flat_map(|(_, r)| r).collect()
}

fn timed_out(ctx: &CheckContext, unit: &Unit) -> CheckResult {
    let (kind, from, to) = describe(unit);
    ctx.draft(kind, from.as_deref(), to.as_deref())
        .error("the run's time limit (--timeout) passed before this check finished")
}

/// Kind, source and target of a unit, for results made by the engine itself.
pub fn describe(unit: &Unit) -> (&'static str, Option<String>, Option<String>) {
    match unit {
        Unit::Reach { from, to } => ("reach", Some(from.clone()), Some(to.id.clone())),
        Unit::Isolate { from, to } => ("isolate", Some(from.clone()), Some(to.id.clone())),
        Unit::Tcp { from, to, .. } => ("tcp", Some(from.clone()), Some(to.id.clone())),
        Unit::Dns(c) => ("dns", Some(c.from.clone()), Some(c.name.clone())),
        Unit::Path { from, to, .. } => ("path", Some(from.clone()), Some(to.id.clone())),
        Unit::Bandwidth(c) => ("bandwidth", Some(c.from.clone()), Some(c.to.clone())),
        Unit::Snmp(c) => ("snmp", Some(c.device.clone()), None),
    }
}
