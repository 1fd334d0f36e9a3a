//! `isolate`: the source must NOT reach the target (no echo reply, and no TCP
//! connection to a named host's services). Passes only when the source's positive
//! control worked: silence from a source that cannot send anything proves nothing.

use netkit_model::Proto;
use netkit_probe::tcp::{self, TcpOutcome};
use netkit_results::CheckResult;
use serde_json::json;

use crate::context::CheckContext;
use crate::resolve::{self, Endpoint};

pub async fn run(ctx: &CheckContext, from: &str, to: &Endpoint) -> CheckResult {
    let draft = ctx
        .draft("isolate", Some(from), Some(&to.id))
        .target(to.address)
        .expected(json!({ "reply": false }));
    let source = match ctx.source(from) {
        Ok(s) => s,
        Err(reason) => return draft.error(reason),
    };
    let client = match ctx.icmp(&source, to.address.is_ipv6()).await {
        Ok(c) => c,
        Err(reason) => return draft.error(reason),
    };
    let fig = client.ping(to.address, ctx.probe, &ctx.limiter).await;
    let mut measured = json!({ "sent": fig.sent, "received": fig.received });
    let plan_says = match resolve::deciding_rule(&ctx.plan, from, to.address, None, None) {
        Some(r) => format!("the plan filters it ({})", r.comment),
        None => "the playbook expects isolation".to_string(),
    };
    if fig.replied() {
        measured["rtt_ms"] = json!(fig.rtt_ms);
        return draft.fail(
            measured,
            format!(
                "{} answered ping from {from} although {plan_says}: the filter is missing or wrong",
                ctx.describe(to.address)
            ),
        );
    }
    // Services of a named host must not open either, except those the plan itself
    // lets through (an isolated segment may still query the DNS server on port 53).
    let plan_blocks = !resolve::allowed(&ctx.plan, from, to.address, None, None);
    let services: Vec<u16> = ctx
        .plan
        .named_host(&to.id)
        .map(|(_, h)| {
            h.services
                .iter()
                .filter(|s| s.proto == Proto::Tcp)
                .filter(|s| {
                    !plan_blocks
                        || !resolve::allowed(
                            &ctx.plan,
                            from,
                            to.address,
                            Some(Proto::Tcp),
                            Some(s.port),
                        )
                })
                .map(|s| s.port)
                .collect()
        })
        .unwrap_or_default();
    let mut opened: Vec<u16> = Vec::new();
    for port in &services {
        let settings = netkit_probe::ProbeSettings {
            timeout: ctx.probe.timeout,
            tries: 1,
        };
        match tcp::connect(
            source.netns(),
            std::net::SocketAddr::new(to.address, *port),
            settings,
            &ctx.limiter,
        )
        .await
        {
            Ok(t) if t.outcome == TcpOutcome::Open => opened.push(*port),
            Ok(_) => {}
            Err(e) => return draft.error(e.to_string()),
        }
    }
    if !services.is_empty() {
        measured["tcp_ports_tried"] = json!(services);
        measured["tcp_ports_open"] = json!(opened);
    }
    if !opened.is_empty() {
        return draft.fail(
            measured,
            format!(
                "{} accepted TCP port {} from {from} although {plan_says}",
                ctx.describe(to.address),
                opened
                    .iter()
                    .map(u16::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    match ctx.positive_control(from).await {
        Ok(control) => {
            measured["control"] = json!(control);
        }
        Err(reason) => {
            return draft.error_with(
                measured,
                format!("{} did not answer, but {reason}", ctx.describe(to.address)),
            );
        }
    }
    // Toward an isolated segment, the other half of the control: the target itself
    // answers its own gateway, so that its silence toward `from` is the filter's.
    if let Some(gateway) = inbound_gateway(ctx, from, to) {
        match target_control(ctx, &gateway, to).await {
            Ok(Some(what)) => measured["target_control"] = json!(what),
            Ok(None) => {}
            Err(reason) => return draft.error_with(measured, reason),
        }
    }
    draft.pass(measured)
}

/// The gateway device of `to`'s segment when `to` lies in an isolated segment that
/// `from` is not part of (the inbound half of an isolation).
fn inbound_gateway(ctx: &CheckContext, from: &str, to: &Endpoint) -> Option<String> {
    let seg = ctx.plan.segment(to.segment.as_deref()?)?;
    if !seg.isolated {
        return None;
    }
    let from_seg = ctx
        .plan
        .segment(from)
        .or_else(|| ctx.plan.named_host(from).map(|(s, _)| s));
    if from_seg.is_some_and(|f| f.id == seg.id) {
        return None;
    }
    Some(seg.gateway_device.clone())
}

/// Ping `to` from `gateway` (whose own packets no filter stops). `Ok(None)` when
/// probes cannot run from the gateway here (a live network seen from elsewhere).
async fn target_control(
    ctx: &CheckContext,
    gateway: &str,
    to: &Endpoint,
) -> Result<Option<String>, String> {
    let Ok(source) = ctx.source(gateway) else {
        return Ok(None);
    };
    let client = ctx
        .icmp(&source, to.address.is_ipv6())
        .await
        .map_err(|e| format!("probes cannot run from {gateway}: {e}"))?;
    let fig = client.ping(to.address, ctx.probe, &ctx.limiter).await;
    if fig.replied() {
        Ok(Some(format!(
            "{} answers ping from its gateway {gateway}",
            ctx.describe(to.address)
        )))
    } else {
        Err(format!(
            "{} did not answer, but it does not answer its own gateway {gateway} either, so silence proves nothing",
            ctx.describe(to.address)
        ))
    }
}
