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
            draft.pass(measured)
        }
        Err(reason) => draft.error_with(
            measured,
            format!("{} did not answer, but {reason}", ctx.describe(to.address)),
        ),
    }
}
