//! `tcp`: a TCP connection from the source to `target:port` is accepted.

use std::net::SocketAddr;

use netkit_model::Proto;
use netkit_probe::tcp::{self, TcpOutcome};
use netkit_results::CheckResult;
use serde_json::json;

use crate::context::CheckContext;
use crate::diagnose;
use crate::resolve::{self, Endpoint};

pub async fn run(ctx: &CheckContext, from: &str, to: &Endpoint, port: u16) -> CheckResult {
    let draft = ctx
        .draft("tcp", Some(from), Some(&to.id))
        .target(SocketAddr::new(to.address, port))
        .expected(json!({ "port": port, "open": true }));
    let source = match ctx.source(from) {
        Ok(s) => s,
        Err(reason) => return draft.error(reason),
    };
    let addr = SocketAddr::new(to.address, port);
    let fig = match tcp::connect(source.netns(), addr, ctx.probe, &ctx.limiter).await {
        Ok(f) => f,
        Err(e) => return draft.error(e.to_string()),
    };
    let measured = serde_json::to_value(&fig).unwrap_or_default();
    let who = ctx.describe(to.address);
    match fig.outcome {
        TcpOutcome::Open => draft.pass(measured),
        TcpOutcome::Refused => draft.fail(
            measured,
            format!("{who} refused TCP port {port}: the host is up but nothing listens there (is the service running?)"),
        ),
        TcpOutcome::Unreachable => {
            let why = diagnose::why_silent(ctx, from, &source, to.address).await;
            draft.fail(
                measured,
                format!(
                    "TCP port {port} of {who} is unreachable ({}); {why}",
                    fig.error.as_deref().unwrap_or("ICMP error")
                ),
            )
        }
        TcpOutcome::Timeout => {
            // Does the host answer at all? Then the port is filtered.
            let pings = match ctx.icmp(&source, to.address.is_ipv6()).await {
                Ok(c) => c.ping(to.address, ctx.probe, &ctx.limiter).await.replied(),
                Err(_) => false,
            };
            let plan_rule = resolve::deciding_rule(&ctx.plan, from, to.address, Some(Proto::Tcp), Some(port))
                .filter(|r| r.action == netkit_plan::FilterAction::Drop)
                .map(|r| format!(" (the plan itself filters it: {})", r.comment))
                .unwrap_or_default();
            if pings {
                draft.fail(
                    measured,
                    format!(
                        "no answer on TCP port {port} of {who} after {} tries although the host answers ping: a filter drops the port{plan_rule}",
                        fig.tries
                    ),
                )
            } else {
                let why = diagnose::why_silent(ctx, from, &source, to.address).await;
                draft.fail(
                    measured,
                    format!(
                        "no answer on TCP port {port} of {who} after {} tries, and the host does not answer ping either; {why}",
                        fig.tries
                    ),
                )
            }
        }
    }
}
