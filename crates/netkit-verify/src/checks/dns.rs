//! `dns`: a name resolves, from the source, against the planned DNS server (or the
//! one the check names), to the expected address.

use std::net::IpAddr;

use netkit_probe::dns;
use netkit_results::CheckResult;
use serde_json::json;

use crate::context::CheckContext;
use crate::diagnose;
use crate::playbook::DnsCheck;
use crate::resolve;

/// The server a DNS check asks: `spec.server` (named host id or address), else the
/// plan's `dns.server`.
pub fn server_of(ctx: &CheckContext, spec: &DnsCheck) -> Option<IpAddr> {
    match &spec.server {
        Some(s) => resolve::targets(&ctx.plan, s).first().map(|e| e.address),
        None => ctx.plan.dns.as_ref().map(|d| IpAddr::V4(d.server_address)),
    }
}

pub async fn run(ctx: &CheckContext, spec: &DnsCheck) -> CheckResult {
    let mut expected = json!({ "name": spec.name, "answer": true });
    if let Some(e) = spec.expect {
        expected["address"] = json!(e.to_string());
    }
    let draft = ctx
        .draft("dns", Some(&spec.from), Some(&spec.name))
        .target(&spec.name)
        .expected(expected);
    let Some(server) = server_of(ctx, spec) else {
        return draft.error(
            "the topology has no `dns` server and the check names none (add `server:` to the check)",
        );
    };
    let source = match ctx.source(&spec.from) {
        Ok(s) => s,
        Err(reason) => return draft.error(reason),
    };
    let fig = dns::resolve(source.netns(), server, &spec.name, ctx.probe, &ctx.limiter).await;
    let measured = serde_json::to_value(&fig).unwrap_or_default();
    let who = ctx.describe(server);
    let got = fig
        .addresses
        .iter()
        .map(IpAddr::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    match (&fig.rcode, spec.expect) {
        (Some(rc), _) if rc != "NOERROR" => {
            draft.fail(measured, format!("{who} answered {rc} for {}", spec.name))
        }
        (Some(_), Some(want)) if !fig.addresses.contains(&want) => draft.fail(
            measured,
            if fig.addresses.is_empty() {
                format!("{who} has no address for {}, expected {want}", spec.name)
            } else {
                format!("{} resolved to {got}, expected {want}", spec.name)
            },
        ),
        (Some(_), None) if fig.addresses.is_empty() => {
            draft.fail(measured, format!("{who} has no address for {}", spec.name))
        }
        (Some(_), _) => draft.pass(measured),
        (None, _) => {
            // No answer: is the server there at all?
            let pings = match ctx.icmp(&source, server.is_ipv6()).await {
                Ok(c) => c.ping(server, ctx.probe, &ctx.limiter).await.replied(),
                Err(_) => false,
            };
            let tries = ctx.probe.tries;
            if pings {
                draft.fail(
                    measured,
                    format!(
                        "no DNS answer from {who} after {tries} tries although it answers ping: the DNS service is not running or port 53 is filtered"
                    ),
                )
            } else {
                let why = diagnose::why_silent(ctx, &spec.from, &source, server).await;
                draft.fail(
                    measured,
                    format!("no DNS answer from {who} after {tries} tries, and it does not answer ping either; {why}"),
                )
            }
        }
    }
}
