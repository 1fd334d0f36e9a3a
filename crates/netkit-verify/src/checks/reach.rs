//! `reach`: an ICMP echo from the source gets a reply from the target. Many targets
//! from one source are swept with one socket (`netkit_probe::sweep`), fping-style.

use futures::StreamExt;
use netkit_probe::icmp::PingFigure;
use netkit_results::CheckResult;
use serde_json::json;

use crate::context::{CheckContext, Draft, Source};
use crate::diagnose;
use crate::resolve::Endpoint;

fn draft(ctx: &CheckContext, from: &str, to: &Endpoint) -> Draft {
    ctx.draft("reach", Some(from), Some(&to.id))
        .target(to.address)
        .expected(json!({ "reply": true }))
}

/// One target.
pub async fn run(ctx: &CheckContext, from: &str, to: &Endpoint) -> CheckResult {
    let draft = draft(ctx, from, to);
    let source = match ctx.source(from) {
        Ok(s) => s,
        Err(reason) => return draft.error(reason),
    };
    let client = match ctx.icmp(&source, to.address.is_ipv6()).await {
        Ok(c) => c,
        Err(reason) => return draft.error(reason),
    };
    let fig = client.ping(to.address, ctx.probe, &ctx.limiter).await;
    judge(ctx, from, to, &source, draft, fig).await
}

/// Many targets from one source: one sweep, then a verdict per target (failures
/// diagnosed at most `concurrency` at a time). Results in the order of `to`.
pub async fn run_batch(
    ctx: &CheckContext,
    from: &str,
    to: &[Endpoint],
    concurrency: usize,
) -> Vec<CheckResult> {
    let drafts: Vec<Draft> = to.iter().map(|t| draft(ctx, from, t)).collect();
    let source = match ctx.source(from) {
        Ok(s) => s,
        Err(reason) => {
            return drafts
                .into_iter()
                .map(|d| d.error(reason.clone()))
                .collect();
        }
    };
    let addrs: Vec<_> = to.iter().map(|t| t.address).collect();
    let figs =
        match netkit_probe::sweep::sweep(source.netns(), &addrs, ctx.probe, &ctx.limiter).await {
            Ok(f) => f,
            Err(e) => {
                let reason = e.to_string();
                return drafts
                    .into_iter()
                    .map(|d| d.error(reason.clone()))
                    .collect();
            }
        };
    let source = &source;
    let mut done: Vec<(usize, CheckResult)> =
        futures::stream::iter(drafts.into_iter().zip(figs).zip(to).enumerate())
            .map(|(i, ((d, fig), t))| async move { (i, judge(ctx, from, t, source, d, fig).await) })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

async fn judge(
    ctx: &CheckContext,
    from: &str,
    to: &Endpoint,
    source: &Source,
    draft: Draft,
    fig: PingFigure,
) -> CheckResult {
    let measured = serde_json::to_value(&fig).unwrap_or_default();
    if fig.replied() {
        return draft.pass(measured);
    }
    let mut reason = format!(
        "no reply from {} after {} tr{}",
        ctx.describe(to.address),
        fig.sent,
        if fig.sent == 1 { "y" } else { "ies" }
    );
    if let Some(e) = &fig.error {
        reason.push_str(&format!(" ({e})"));
    }
    let why = diagnose::why_silent(ctx, from, source, to.address).await;
    if !why.is_empty() {
        reason.push_str("; ");
        reason.push_str(&why);
    }
    draft.fail(measured, reason)
}
