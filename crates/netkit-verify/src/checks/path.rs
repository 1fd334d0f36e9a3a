//! `path`: a TTL-limited path probe from the source goes through the expected
//! devices, in order (the `via` of the check, or the plan's least-cost route).

use netkit_probe::trace::{self, HopKind};
use netkit_results::CheckResult;
use serde_json::json;

use crate::context::CheckContext;
use crate::diagnose::{self, MAX_HOPS};
use crate::resolve::{self, Endpoint};

pub async fn run(
    ctx: &CheckContext,
    from: &str,
    to: &Endpoint,
    via: Option<&[String]>,
) -> CheckResult {
    let planned = resolve::planned_paths(&ctx.plan, from, to.address);
    let expected_paths: Vec<Vec<String>> = match via {
        Some(v) => vec![v.to_vec()],
        None => planned.clone(),
    };
    let draft = ctx
        .draft("path", Some(from), Some(&to.id))
        .target(to.address)
        .expected(
            json!({ "via": expected_paths.first().cloned().unwrap_or_default(),
                          "alternatives": expected_paths.len().saturating_sub(1) }),
        );
    if expected_paths.is_empty() {
        return draft.error(format!(
            "the plan has no path from {from} to {}; give the expected devices with `via:`",
            to.id
        ));
    }
    let source = match ctx.source(from) {
        Ok(s) => s,
        Err(reason) => return draft.error(reason),
    };
    let mut fig = match trace::trace(
        source.netns(),
        to.address,
        MAX_HOPS,
        ctx.probe,
        &ctx.limiter,
    )
    .await
    {
        Ok(f) => f,
        Err(e) => return draft.error(e.to_string()),
    };
    // A silent router before an answering hop is usually ICMP rate limiting (Linux
    // sends 6 errors, then 1 per second, per destination): wait for the budget to
    // come back and ask again, then fill the gaps.
    for _ in 0..2 {
        let gaps = fig.reached && fig.hops.iter().any(|h| h.address.is_none());
        if !gaps {
            break;
        }
        tokio::time::sleep(ctx.budget(std::time::Duration::from_millis(1100))).await;
        if let Ok(again) = trace::trace(
            source.netns(),
            to.address,
            MAX_HOPS,
            ctx.probe,
            &ctx.limiter,
        )
        .await
        {
            let silent = |f: &netkit_probe::trace::PathFigure| {
                f.hops.iter().filter(|h| h.address.is_none()).count()
            };
            if again.reached && again.hops.len() <= fig.hops.len() && silent(&again) < silent(&fig)
            {
                // The destination's own answers were rate limited too: the
                // shorter, complete answer is the path.
                fig = again;
            } else if again.hops.len() == fig.hops.len() {
                for (h, a) in fig.hops.iter_mut().zip(again.hops) {
                    if h.address.is_none() && a.address.is_some() {
                        *h = a;
                    }
                }
            }
        }
    }
    // Name every hop: devices by their planned addresses.
    let named: Vec<String> = fig
        .hops
        .iter()
        .map(|h| match h.address {
            Some(a) => ctx
                .owner_of(a)
                .map(str::to_owned)
                .unwrap_or_else(|| a.to_string()),
            None => "*".to_string(),
        })
        .collect();
    // The devices on the way: drop a final destination that is not a device (a
    // named host or test host answering for itself).
    let mut devices: Vec<String> = named.clone();
    if let (Some(last), Some(hop)) = (devices.last(), fig.hops.last())
        && hop.kind == Some(HopKind::Destination)
        && ctx.plan.device(last).is_none()
    {
        devices.pop();
    }
    let measured = json!({
        "hops": fig.hops,
        "devices": named,
        "reached": fig.reached,
    });
    let shown = devices.join(" -> ");
    if !fig.reached {
        let mut parts = diagnose::describe_stop(ctx, &fig);
        parts.insert(
            0,
            format!(
                "the path probe to {} did not arrive (went {shown})",
                ctx.describe(to.address)
            ),
        );
        if let Some(p) = expected_paths.first() {
            parts.push(format!("expected {}", p.join(" -> ")));
        }
        return draft.fail(measured, parts.join("; "));
    }
    if expected_paths.contains(&devices) {
        return draft.pass(measured);
    }
    // Hops that stayed silent (rate limiting) match any device; every hop that
    // answered must be the planned one.
    let silent = devices.iter().filter(|d| *d == "*").count();
    if silent > 0
        && expected_paths.iter().any(|p| {
            p.len() == devices.len()
                && p.iter()
                    .zip(&devices)
                    .all(|(want, got)| got == "*" || want == got)
        })
    {
        let mut measured = measured;
        measured["silent_hops"] = json!(silent);
        return draft.pass(measured);
    }
    let want = expected_paths
        .iter()
        .map(|p| p.join(" -> "))
        .collect::<Vec<_>>()
        .join(" or ");
    let source_of_expectation = if via.is_some() {
        "the check expects"
    } else {
        "the plan's least-cost route is"
    };
    draft.fail(
        measured,
        format!("the path went {shown}, but {source_of_expectation} {want}"),
    )
}
