//! Why a probe got no answer, in one sentence, using the plan (the planned path,
//! the filters) and, on a lab target, what the lab's kernel says (routes and link
//! states of the router where the path stops, read with `ip -n NS`).

use std::net::IpAddr;
use std::time::Duration;

use netkit_probe::ProbeSettings;
use netkit_probe::trace::{HopKind, PathFigure};

use crate::context::{CheckContext, Source};
use crate::resolve;
use crate::target::Target;

/// Hops a path probe tries at most.
pub use crate::context::MAX_HOPS;

/// The sentence after "no reply from X after N tries": where the path stops and
/// why, e.g. "; in the plan the path is lyon.r1 -> hq.r1; the last hop that
/// answered was 10.255.0.1 (lyon.r1); lyon.r1's eth1 toward hq.r1 is down in the lab".
pub async fn why_silent(ctx: &CheckContext, from: &str, source: &Source, dst: IpAddr) -> String {
    let mut parts: Vec<String> = Vec::new();
    let planned = resolve::planned_paths(&ctx.plan, from, dst);
    if let Some(p) = planned.first() {
        parts.push(format!("in the plan the path is {}", p.join(" -> ")));
    }
    if let Some(rule) = resolve::deciding_rule(&ctx.plan, from, dst, None, None)
        && rule.action == netkit_plan::FilterAction::Drop
    {
        parts.push(format!("the plan filters it ({})", rule.comment));
    }
    let settings = ProbeSettings {
        timeout: ctx.budget(Duration::from_millis(800)),
        tries: 2,
    };
    // One trace per source and place behind `dst` (see `diagnosis_trace`).
    let key = ctx
        .owner_of(dst)
        .map(str::to_owned)
        .or_else(|| resolve::segment_of_address(&ctx.plan, dst).map(str::to_owned))
        .unwrap_or_else(|| dst.to_string());
    let fig = match ctx.diagnosis_trace(from, source, &key, dst, settings).await {
        Ok(f) => f,
        Err(e) => {
            parts.push(format!("the path probe could not run ({e})"));
            return parts.join("; ");
        }
    };
    parts.extend(describe_stop(ctx, &fig));
    if ctx.target == Target::Lab
        && let Some(extra) = lab_reason(ctx, from, &fig, planned.first(), dst).await
    {
        parts.push(extra);
    }
    parts.join("; ")
}

/// What a path probe that did not reach its target shows.
pub fn describe_stop(ctx: &CheckContext, fig: &PathFigure) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(e) = &fig.error {
        parts.push(format!("the source could not send: {e}"));
        return parts;
    }
    if let Some(h) = fig
        .hops
        .iter()
        .find(|h| h.kind == Some(HopKind::Unreachable))
    {
        let who = h
            .address
            .map(|a| ctx.describe(a))
            .unwrap_or_else(|| "a router".into());
        parts.push(format!(
            "{who} answered {}",
            h.detail.as_deref().unwrap_or("destination unreachable")
        ));
        return parts;
    }
    if fig.reached {
        parts.push(
            "a path probe does reach it, so echo requests or replies are dropped on the way".into(),
        );
        return parts;
    }
    match fig.last_answer() {
        Some(h) => parts.push(format!(
            "the last hop that answered was {}",
            h.address.map(|a| ctx.describe(a)).unwrap_or_default()
        )),
        None => parts.push("no hop answered, not even the first router".into()),
    }
    parts
}

/// On a lab target: look at the router where the planned path stops answering.
async fn lab_reason(
    ctx: &CheckContext,
    from: &str,
    fig: &PathFigure,
    planned: Option<&Vec<String>>,
    dst: IpAddr,
) -> Option<String> {
    let planned = planned?;
    let answered: Vec<&str> = fig
        .answered()
        .filter_map(|h| h.address.and_then(|a| ctx.owner_of(a)))
        .collect();
    // The last planned device that answered (or the source's gateway when none
    // did): the place to look.
    let idx = planned
        .iter()
        .rposition(|d| answered.contains(&d.as_str()))
        .unwrap_or(0);
    let device = &planned[idx];
    let next = planned.get(idx + 1);
    let ns = ctx.namespace(device)?;
    if !netkit_netns::exists(&ns) {
        return Some(format!("{device}'s namespace {ns} is missing in the lab"));
    }
    let _ = from;
    let toward = next.map(|n| format!(" toward {n}")).unwrap_or_default();
    // What the plan says this device does with the packet.
    let planned_routes = resolve::lookup(&ctx.plan, device, dst);
    let planned_route = planned_routes
        .iter()
        .find(|r| {
            r.next_hop
                .and_then(|nh| ctx.owner_of(nh))
                .is_some_and(|o| next.is_some_and(|n| n == o))
        })
        .or(planned_routes.first());
    // 1. The planned outgoing interface is down.
    if let Some(r) = planned_route
        && let Some(state) = link_state(&ns, &r.interface).await
        && state != "UP"
        && state != "UNKNOWN"
    {
        return Some(format!(
            "{device}'s interface {}{toward} is down in the lab (state {state})",
            r.interface
        ));
    }
    // 2. What the lab's kernel does with it.
    match route_get(&ns, dst).await {
        RouteAnswer::NoRoute(msg) => Some(format!(
            "{device} has no route toward {dst} in the lab ({msg})"
        )),
        RouteAnswer::Via { dev, gateway } => {
            let via = gateway
                .map(|g| format!(" via {}", ctx.describe(g)))
                .unwrap_or_default();
            if let Some(state) = link_state(&ns, &dev).await
                && state != "UP"
                && state != "UNKNOWN"
            {
                return Some(format!(
                    "{device}'s interface {dev}{toward} is down in the lab (state {state})"
                ));
            }
            match planned_route {
                Some(r) if r.next_hop.is_some() && r.next_hop != gateway => Some(format!(
                    "{device} sends it out of {dev}{via}, but the plan says via {} on {}: its route toward {} is missing or wrong in the lab",
                    r.next_hop.map(|n| ctx.describe(n)).unwrap_or_default(),
                    r.interface,
                    r.destination
                )),
                _ if answered.contains(&device.as_str()) || idx == 0 => Some(format!(
                    "{device} routes it out of {dev}{via}{toward} as planned, and nothing answers beyond (check the next hop's routes back and its filters)"
                )),
                _ => None,
            }
        }
        RouteAnswer::Unknown => None,
    }
}

enum RouteAnswer {
    NoRoute(String),
    Via {
        dev: String,
        gateway: Option<IpAddr>,
    },
    Unknown,
}

/// `ip -n NS -j ARGS` parsed, from the system crate that runs it (netkit-netns),
/// on a blocking thread.
async fn ip_json(ns: &str, args: &[&str]) -> Result<serde_json::Value, String> {
    let ns = ns.to_string();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let text = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        netkit_netns::ip_json(&ns, &args, Duration::from_secs(3))
    })
    .await
    .map_err(|e| e.to_string())??;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

async fn route_get(ns: &str, dst: IpAddr) -> RouteAnswer {
    let d = dst.to_string();
    match ip_json(ns, &["route", "get", &d]).await {
        Err(msg) if !msg.is_empty() => RouteAnswer::NoRoute(msg.to_lowercase()),
        Err(_) => RouteAnswer::Unknown,
        Ok(v) => {
            let r = &v[0];
            if let Some(kind @ ("unreachable" | "blackhole" | "prohibit")) =
                r.get("type").and_then(|t| t.as_str())
            {
                return RouteAnswer::NoRoute(format!("{kind} route"));
            }
            match r.get("dev").and_then(|d| d.as_str()) {
                Some(dev) => RouteAnswer::Via {
                    dev: dev.to_string(),
                    gateway: r
                        .get("gateway")
                        .and_then(|g| g.as_str())
                        .and_then(|g| g.parse().ok()),
                },
                None => RouteAnswer::Unknown,
            }
        }
    }
}

async fn link_state(ns: &str, dev: &str) -> Option<String> {
    let v = ip_json(ns, &["link", "show", "dev", dev]).await.ok()?;
    let l = &v[0];
    let flags: Vec<&str> = l
        .get("flags")
        .and_then(|f| f.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    if !flags.contains(&"UP") {
        return Some("DOWN".into());
    }
    l.get("operstate")
        .and_then(|s| s.as_str())
        .map(str::to_owned)
}
