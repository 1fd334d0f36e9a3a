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
    let mut host_dropped = false;
    if let (Some(last), Some(hop)) = (devices.last(), fig.hops.last())
        && hop.kind == Some(HopKind::Destination)
        && ctx.plan.device(last).is_none()
    {
        devices.pop();
        host_dropped = true;
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
        && expected_paths
            .iter()
            .any(|p| matches_with_silent_hops(p, &devices, !host_dropped))
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

/// Whether the devices a trace saw (`*` for a hop that stayed silent) can be the
/// planned path `want`: every hop that answered is the planned one, and silent
/// hops stand for planned ones. A run of silent hops just before the destination
/// may also be the destination's own answers lost to ICMP rate limiting (its
/// answers to probes with a TTL larger than the path), so the trace may be longer
/// than the path by such a run. `ends_at_device`: the destination is the last
/// planned device (it answered for itself), not a host behind it.
fn matches_with_silent_hops(want: &[String], got: &[String], ends_at_device: bool) -> bool {
    let same = |w: &[String], g: &[String]| {
        w.len() == g.len() && w.iter().zip(g).all(|(w, g)| g == "*" || w == g)
    };
    let silent = |g: &[String]| g.iter().all(|d| d == "*");
    if want.is_empty() || want.len() > got.len() {
        return false;
    }
    if ends_at_device {
        let n = want.len();
        got.last() == want.last()
            && same(&want[..n - 1], &got[..n - 1])
            && silent(&got[n - 1..got.len() - 1])
    } else {
        same(want, &got[..want.len()]) && silent(&got[want.len()..])
    }
}

#[cfg(test)]
mod silent_hops {
    use super::matches_with_silent_hops as m;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn silent_hops_match_planned_ones_and_lost_destination_answers() {
        let want = v(&["marseille.r1", "hq.r1"]);
        // Same length, a silent hop.
        assert!(m(&want, &v(&["*", "hq.r1"]), true));
        // The destination's answers to TTL 2..5 lost, its answer to TTL 6 seen.
        assert!(m(
            &want,
            &v(&["marseille.r1", "*", "*", "*", "*", "hq.r1"]),
            true
        ));
        // A host behind the last device: trailing silence after the planned path.
        assert!(m(&want, &v(&["marseille.r1", "hq.r1", "*", "*"]), false));
    }

    #[test]
    fn an_answering_hop_off_the_plan_never_matches() {
        let want = v(&["marseille.r1", "hq.r1"]);
        assert!(!m(&want, &v(&["marseille.r1", "hq.fw1", "hq.r1"]), true));
        assert!(!m(&want, &v(&["lyon.r1", "*", "hq.r1"]), true));
        assert!(!m(&want, &v(&["marseille.r1", "*", "lyon.r1"]), true));
        // Shorter than the plan: a planned hop is missing.
        assert!(!m(&v(&["a", "b", "c"]), &v(&["a", "c"]), true));
        assert!(!m(&want, &v(&["marseille.r1", "hq.r1", "hq.fw1"]), false));
    }
}
