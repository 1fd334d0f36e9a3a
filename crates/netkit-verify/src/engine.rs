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
    run_units_grouped(ctx, units, concurrency, on_result)
        .await
        .into_iter()
        .flatten()
        .collect()
}

/// [`run_units`], with the results of each unit apart: element `i` holds the
/// results of `units[i]` (a coordinator merges them with units run elsewhere).
pub async fn run_units_grouped(
    ctx: &CheckContext,
    units: &[Unit],
    concurrency: usize,
    on_result: &(dyn Fn(&CheckResult) + Sync),
) -> Vec<Vec<CheckResult>> {
    // Reach units of one source become one sweep (one socket, fping-style);
    // everything else runs unit by unit.
    let mut tasks: Vec<Task> = Vec::new();
    let mut batch_of: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, unit) in units.iter().enumerate() {
        if let Unit::Reach { from, to } = unit {
            match batch_of.get(from.as_str()) {
                Some(&t) => {
                    if let Task::Batch { items, .. } = &mut tasks[t] {
                        items.push((i, to.clone()));
                    }
                }
                None => {
                    batch_of.insert(from.as_str(), tasks.len());
                    tasks.push(Task::Batch {
                        from: from.clone(),
                        items: vec![(i, to.clone())],
                    });
                }
            }
        } else {
            tasks.push(Task::Single(i));
        }
    }
    let mut done: Vec<(usize, Vec<CheckResult>)> = futures::stream::iter(tasks.iter())
        .map(|task| async move {
            let work = async {
                match task {
                    Task::Single(i) => vec![(*i, checks::run_unit(ctx, &units[*i]).await)],
                    Task::Batch { from, items } => {
                        let targets: Vec<_> = items.iter().map(|(_, t)| t.clone()).collect();
                        let results =
                            checks::reach::run_batch(ctx, from, &targets, concurrency).await;
                        items
                            .iter()
                            .zip(results)
                            .map(|((i, _), r)| (*i, vec![r]))
                            .collect()
                    }
                }
            };
            let out: Vec<(usize, Vec<CheckResult>)> = match ctx.run_deadline {
                None => work.await,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    match tokio::time::timeout(left, work).await {
                        Ok(r) => r,
                        Err(_) => task
                            .indices()
                            .into_iter()
                            .map(|i| (i, vec![timed_out(ctx, &units[i])]))
                            .collect(),
                    }
                }
            };
            for (_, rs) in &out {
                for r in rs {
                    on_result(r);
                }
            }
            out
        })
        .buffer_unordered(concurrency.max(1))
        .flat_map(futures::stream::iter)
        .collect()
        .await;
    done.sort_by_key(|(i, _)| *i);
    let mut grouped: Vec<Vec<CheckResult>> = vec![Vec::new(); units.len()];
    for (i, r) in done {
        grouped[i].extend(r);
    }
    grouped
}

enum Task {
    Single(usize),
    Batch {
        from: String,
        items: Vec<(usize, crate::resolve::Endpoint)>,
    },
}

impl Task {
    fn indices(&self) -> Vec<usize> {
        match self {
            Task::Single(i) => vec![*i],
            Task::Batch { items, .. } => items.iter().map(|(i, _)| *i).collect(),
        }
    }
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
        Unit::Latency { from, to, .. } => ("latency", Some(from.clone()), Some(to.id.clone())),
    }
}
