//! `reach`: an ICMP echo from the source gets a reply from the target.

use netkit_results::CheckResult;
use serde_json::json;

use crate::context::CheckContext;
use crate::diagnose;
use crate::resolve::Endpoint;

pub async fn run(ctx: &CheckContext, from: &str, to: &Endpoint) -> CheckResult {
    let draft = ctx
        .draft("reach", Some(from), Some(&to.id))
        .target(to.address)
        .expected(json!({ "reply": true }));
    let source = match ctx.source(from) {
        Ok(s) => s,
        Err(reason) => return draft.error(reason),
    };
    let client = match ctx.icmp(&source, to.address.is_ipv6()).await {
        Ok(c) => c,
        Err(reason) => return draft.error(reason),
    };
    let fig = client.ping(to.address, ctx.probe, &ctx.limiter).await;
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
    let why = diagnose::why_silent(ctx, from, &source, to.address).await;
    if !why.is_empty() {
        reason.push_str("; ");
        reason.push_str(&why);
    }
    draft.fail(measured, reason)
}
