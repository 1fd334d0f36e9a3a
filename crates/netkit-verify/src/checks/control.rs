//! The positive control of a source: proof that probes from it work at all, so
//! that an `isolate` check never reads a broken probe (or a dead test host) as
//! isolation.

use std::net::IpAddr;

use netkit_model::Proto;

use crate::context::CheckContext;
use crate::resolve;

impl CheckContext {
    /// The positive control of `node`, run once per run and shared: proof that
    /// probes from `node` work at all (its gateway answers ping, or else the
    /// internet, or else the DNS server answers). `Ok(what answered)`;
    /// `Err(reason)` when nothing did, so that silence cannot be read as isolation.
    pub async fn positive_control(&self, node: &str) -> Result<String, String> {
        let cell = {
            let mut map = self.controls.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(node.to_string()).or_default().clone()
        };
        cell.get_or_init(|| run(self, node)).await.clone()
    }
}

/// Try, in order: the source's own gateway (segments and named hosts) or its
/// first link neighbour (devices); the internet's upstream; the DNS server.
/// `Ok(what answered)`, or `Err(one sentence)`.
pub async fn run(ctx: &CheckContext, node: &str) -> Result<String, String> {
    let source = ctx.source(node)?;
    let plan = &ctx.plan;
    let mut candidates: Vec<(String, IpAddr)> = Vec::new();
    if let Some((gw, addr)) = resolve::source_gateway(plan, node) {
        candidates.push((format!("its gateway {addr} ({gw})"), addr));
    } else if let Some(d) = plan.device(node)
        && let Some(l) = plan.links.iter().find(|l| l.a == d.id || l.b == d.id)
    {
        {
            let (peer, addr) = if l.a == d.id {
                (&l.b, l.b_address)
            } else {
                (&l.a, l.a_address)
            };
            candidates.push((format!("its neighbour {addr} ({peer})"), IpAddr::V4(addr)));
        }
    }
    if let Some(i) = &plan.internet {
        let up = IpAddr::V4(i.upstream_address);
        if resolve::allowed(plan, node, up, None, None) {
            candidates.push((format!("the internet ({up})"), up));
        }
    }
    // An agent probes only inside its --allow prefixes: a candidate outside them
    // is not tried (the internet's upstream, typically).
    candidates.retain(|(_, a)| ctx.may_probe(*a));
    let mut tried: Vec<String> = Vec::new();
    for (what, addr) in &candidates {
        let client = match ctx.icmp(&source, addr.is_ipv6()).await {
            Ok(c) => c,
            Err(e) => return Err(format!("probes cannot run from {node}: {e}")),
        };
        let fig = client.ping(*addr, ctx.probe, &ctx.limiter).await;
        if fig.replied() {
            return Ok(format!("{what} answers ping"));
        }
        tried.push(what.clone());
    }
    if let Some(d) = &plan.dns {
        let server = IpAddr::V4(d.server_address);
        if resolve::allowed(plan, node, server, Some(Proto::Udp), Some(53)) && ctx.may_probe(server)
        {
            let name = d
                .records
                .first()
                .map(|r| r.name.clone())
                .unwrap_or_else(|| d.domain.clone());
            let fig =
                netkit_probe::dns::resolve(source.netns(), server, &name, ctx.probe, &ctx.limiter)
                    .await;
            if fig.answered() {
                return Ok(format!("the DNS server {} answers", ctx.describe(server)));
            }
            tried.push(format!("the DNS server {server}"));
        }
    }
    if tried.is_empty() {
        Err(format!(
            "there is nothing {node} is known to reach, so silence proves nothing"
        ))
    } else {
        Err(format!(
            "the positive control failed: {} did not answer from {node}, so silence proves nothing",
            tried.join(", nor ")
        ))
    }
}
