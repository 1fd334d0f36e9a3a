//! The checks a technician would write, derived from the plan (`--auto`,
//! `auto: true`): reachability and isolation between segments (respecting the
//! plan's filters), every named service, every DNS name, the planned paths between
//! sites, and the bandwidth, link service-level (latency) and SNMP hooks of their
//! modules.

use std::net::IpAddr;

use netkit_model::Proto;
use netkit_plan::{Plan, SegmentPlan};

use crate::checks::latency::{self, LatencyCheck};
use crate::checks::{bandwidth, snmp};
use crate::playbook::{Check, DnsCheck, IsolateCheck, PathCheck, ReachCheck, TcpCheck};
use crate::resolve;

/// Every derived check, in a stable order: reach/isolate per source segment (and
/// per wireless client of the lab, [`Plan::wireless_clients`]), then services, DNS,
/// paths, bandwidth, link service levels, SNMP.
pub fn derive(plan: &Plan) -> Vec<Check> {
    let mut out = Vec::new();
    let segments: Vec<&SegmentPlan> = plan.segments().collect();
    let clients = plan.wireless_clients();
    // Sources: every segment's test host (behind its first switch, or the SSID of
    // its first access point when it is only on Wi-Fi), then the wireless clients
    // that have a node of their own, each toward its own segment too.
    let mut sources: Vec<(String, &SegmentPlan)> =
        segments.iter().map(|s| (s.id.clone(), *s)).collect();
    sources.extend(clients.iter().filter_map(|c| {
        segments
            .iter()
            .find(|s| s.id == c.segment)
            .map(|s| (c.id.clone(), *s))
    }));
    for (src, s) in &sources {
        let own = src != &s.id;
        let mut reach: Vec<String> = Vec::new();
        let mut isolate: Vec<String> = Vec::new();
        for t in segments.iter().filter(|t| t.id != s.id || own) {
            // Isolation works both ways (SPEC): toward an isolated segment the plan's
            // inbound rules decide, and the segment stands for its host.
            let mut ends: Vec<(String, IpAddr)> = vec![(t.id.clone(), resolve::segment_target(t))];
            if own && t.id == s.id {
                // A wireless client reaches its own gateway across its access point.
                ends = vec![(t.id.clone(), IpAddr::V4(t.gateway))];
            } else {
                ends.extend(
                    t.named
                        .iter()
                        .map(|n| (n.id.clone(), IpAddr::V4(n.address))),
                );
                ends.extend(
                    clients
                        .iter()
                        .filter(|c| c.segment == t.id)
                        .map(|c| (c.id.clone(), IpAddr::V4(c.address))),
                );
            }
            for (id, addr) in ends {
                // The plan's filters already encode isolation and every policy (an
                // `allow` may open a hole in an isolated segment): they decide.
                if resolve::allowed(plan, src, addr, None, None) {
                    reach.push(id);
                } else {
                    isolate.push(id);
                }
            }
        }
        if let Some(i) = &plan.internet
            && resolve::allowed(plan, src, IpAddr::V4(i.upstream_address), None, None)
        {
            reach.push("internet".into());
        }
        if !reach.is_empty() {
            out.push(Check::Reach(ReachCheck {
                from: src.clone(),
                to: reach,
            }));
        }
        if !isolate.is_empty() {
            out.push(Check::Isolate(IsolateCheck {
                from: src.clone(),
                to: isolate,
            }));
        }
    }

    // Every named TCP service answers, from a segment allowed to open it
    // (another site's first, to exercise the WAN).
    for t in &segments {
        for n in &t.named {
            for svc in n.services.iter().filter(|s| s.proto == Proto::Tcp) {
                let addr = IpAddr::V4(n.address);
                if let Some(src) = pick_source(plan, &segments, &t.site, &t.id, |s| {
                    resolve::allowed(plan, s, addr, Some(Proto::Tcp), Some(svc.port))
                }) {
                    out.push(Check::Tcp(TcpCheck {
                        from: src,
                        to: vec![n.id.clone()],
                        port: svc.port,
                    }));
                }
            }
        }
    }

    // Every planned DNS name resolves to its planned address.
    if let Some(d) = &plan.dns {
        let server = IpAddr::V4(d.server_address);
        let (server_site, server_seg) = plan
            .named_host(&d.server)
            .map(|(s, _)| (s.site.clone(), s.id.clone()))
            .unwrap_or_default();
        if let Some(src) = pick_source(plan, &segments, &server_site, &server_seg, |s| {
            resolve::allowed(plan, s, server, Some(Proto::Udp), Some(53))
        }) {
            for r in &d.records {
                out.push(Check::Dns(DnsCheck {
                    from: src.clone(),
                    name: r.name.trim_end_matches('.').to_string(),
                    expect: Some(r.address),
                    server: None,
                }));
            }
        }
    }

    // Paths follow the planned least-cost route, from each segment to each other site.
    for s in segments.iter().filter(|s| !s.isolated) {
        for site in plan.sites.iter().filter(|x| x.name != s.site) {
            let Some(target) = resolve::site_target(plan, &s.id, &site.name) else {
                continue;
            };
            if !resolve::allowed(plan, &s.id, target.address, None, None) {
                continue;
            }
            out.push(Check::Path(PathCheck {
                from: s.id.clone(),
                to: site.name.clone(),
                via: None,
            }));
        }
    }

    out.extend(bandwidth::auto(plan));
    out.extend(link_service_levels(plan));
    out.extend(snmp::auto(plan));
    out
}

/// The service level of every link that declares one (`latency:`, `jitter:`, `loss:`
/// on the link): from its `a` end to `b`'s address on that very link, so that the
/// round trip is the link's and parallel links are measured each.
fn link_service_levels(plan: &Plan) -> Vec<Check> {
    plan.links
        .iter()
        .filter(|l| !l.targets.is_empty())
        .map(|l| {
            Check::Latency(LatencyCheck {
                from: l.a.clone(),
                to: vec![l.b_address.to_string()],
                max_rtt_ms: l.targets.max_rtt_ms,
                max_jitter_ms: l.targets.max_jitter_ms,
                max_loss_pct: l.targets.max_loss_pct,
                count: latency::DEFAULT_COUNT,
            })
        })
        .collect()
}

/// A source segment for a check toward something in `site`/`segment`: first a
/// non-isolated segment of another site, then of the same site, then the segment
/// itself; the first that `ok` accepts.
fn pick_source(
    plan: &Plan,
    segments: &[&SegmentPlan],
    site: &str,
    segment: &str,
    ok: impl Fn(&str) -> bool,
) -> Option<String> {
    let _ = plan;
    let other_site = segments.iter().filter(|s| !s.isolated && s.site != site);
    let same_site = segments
        .iter()
        .filter(|s| !s.isolated && s.site == site && s.id != segment);
    let itself = segments.iter().filter(|s| s.id == segment);
    other_site
        .chain(same_site)
        .chain(itself)
        .find(|s| ok(&s.id))
        .map(|s| s.id.clone())
}
