//! `isolated: true` segments and `policies` as ordered, stateful filtering rules on the
//! gateway of the source segment.
//!
//! Rule order on each gateway (first match wins, anything unmatched passes):
//! 1. `allow` policies, in file order (so an allow can open a hole in a deny or in an
//!    isolation, e.g. guests to one web server);
//! 2. `deny` policies, in file order;
//! 3. isolation of each isolated segment, in plan order: accept its own gateway
//!    address (the router itself), accept DNS (udp/53 and tcp/53) to the `dns` server,
//!    then drop everything towards internal space (every pool, site block, segment,
//!    loopback and link prefix, IPv4 and IPv6). What remains is the internet. Then
//!    the other direction (isolation works both ways): from internal space, accept
//!    the segment's gateway address (the router itself), drop everything towards the
//!    segment.
//!
//! An `allow` policy sits on the gateway of its source and, when its `to` reaches
//! into an isolated segment, on that segment's gateway too (ahead of the inbound
//! drop), so that it opens its precise hole in either direction.
//!
//! Rules only match packets that open a connection: replies to connections opened from
//! the other side pass (`ct state established,related accept` comes first in nftables,
//! `established`/reflexive entries on IOS).

use std::collections::BTreeMap;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use netkit_model::{Diagnostic, PolicyAction, Proto, Topology};

use crate::{FilterAction, FilterRule, Plan};

/// What a policy's `from` or `to` names, resolved against the plan.
struct Endpoint {
    /// Every prefix it covers (IPv4 and IPv6).
    prefixes: Vec<IpNet>,
    /// Per source gateway device: the source prefixes behind it.
    sources: Vec<(String, Vec<IpNet>)>,
}

fn host4(a: std::net::Ipv4Addr) -> IpNet {
    IpNet::V4(Ipv4Net::from(a))
}

fn host6(a: std::net::Ipv6Addr) -> IpNet {
    IpNet::V6(Ipv6Net::from(a))
}

fn resolve(plan: &Plan, name: &str) -> Option<Endpoint> {
    if let Some(seg) = plan.segment(name) {
        let mut p = vec![IpNet::V4(seg.prefix)];
        p.extend(seg.prefix6.map(IpNet::V6));
        return Some(Endpoint {
            sources: vec![(seg.gateway_device.clone(), p.clone())],
            prefixes: p,
        });
    }
    if let Some((seg, host)) = plan.named_host(name) {
        let mut p = vec![host4(host.address)];
        p.extend(host.address6.map(host6));
        return Some(Endpoint {
            sources: vec![(seg.gateway_device.clone(), p.clone())],
            prefixes: p,
        });
    }
    if let Some(site) = plan.sites.iter().find(|s| s.name == name) {
        let mut prefixes = vec![IpNet::V4(site.prefix)];
        prefixes.extend(site.prefix6.map(IpNet::V6));
        let mut sources: Vec<(String, Vec<IpNet>)> = Vec::new();
        for seg in &site.segments {
            let mut p = vec![IpNet::V4(seg.prefix)];
            p.extend(seg.prefix6.map(IpNet::V6));
            match sources.iter_mut().find(|(g, _)| *g == seg.gateway_device) {
                Some((_, v)) => v.extend(p),
                None => sources.push((seg.gateway_device.clone(), p)),
            }
        }
        return Some(Endpoint { prefixes, sources });
    }
    None
}

/// Every internal prefix of the plan, aggregated: pools, site blocks, segments,
/// loopbacks, links, IPv4 and IPv6.
pub(crate) fn internal_prefixes(plan: &Plan) -> Vec<IpNet> {
    let mut all: Vec<IpNet> = Vec::new();
    let p = &plan.pools;
    all.push(IpNet::V4(p.ipv4));
    all.push(IpNet::V4(p.wan));
    all.push(IpNet::V4(p.loopbacks));
    all.extend(p.ipv6.map(IpNet::V6));
    all.extend(p.wan6.map(IpNet::V6));
    all.extend(p.loopbacks6.map(IpNet::V6));
    for s in &plan.sites {
        all.push(IpNet::V4(s.prefix));
        all.extend(s.prefix6.map(IpNet::V6));
        for seg in &s.segments {
            all.push(IpNet::V4(seg.prefix));
            all.extend(seg.prefix6.map(IpNet::V6));
        }
    }
    for d in &plan.devices {
        all.extend(d.loopback.map(IpNet::V4));
        all.extend(d.loopback6.map(IpNet::V6));
    }
    for l in &plan.links {
        all.push(IpNet::V4(l.prefix));
        all.extend(l.prefix6.map(IpNet::V6));
    }
    let mut agg = IpNet::aggregate(&all);
    agg.sort();
    agg
}

/// Whether any of `prefixes` overlaps the segment's IPv4 or IPv6 prefix.
fn segment_overlaps(seg: &crate::SegmentPlan, prefixes: &[IpNet]) -> bool {
    let mut mine = vec![IpNet::V4(seg.prefix)];
    mine.extend(seg.prefix6.map(IpNet::V6));
    prefixes.iter().any(|p| {
        mine.iter()
            .any(|m| p.contains(&m.network()) || m.contains(&p.network()))
    })
}

fn push(filters: &mut BTreeMap<String, Vec<FilterRule>>, device: &str, rule: FilterRule) {
    filters.entry(device.to_string()).or_default().push(rule);
}

/// Build every gateway's ordered rule list.
pub(super) fn compute(
    plan: &Plan,
    topology: &Topology,
) -> Result<BTreeMap<String, Vec<FilterRule>>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut allow: Vec<(String, FilterRule)> = Vec::new();
    let mut deny: Vec<(String, FilterRule)> = Vec::new();

    for (n, pol) in topology.policies.iter().enumerate() {
        let number = n + 1;
        let verb = match pol.action {
            PolicyAction::Allow => "allow",
            PolicyAction::Deny => "deny",
        };
        let from = resolve(plan, &pol.from);
        let to = resolve(plan, &pol.to);
        for (field, name, found) in [
            ("from", &pol.from, from.is_some()),
            ("to", &pol.to, to.is_some()),
        ] {
            if !found {
                errors.push(
                    Diagnostic::error(
                        pol.span,
                        format!("policy {number} ({verb}): `{field}: {name}` names no segment, named host or site"),
                    )
                    .with_hint("use a segment id `site.segment`, a named host id `site.segment.host` or a site name"),
                );
            }
        }
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let action = match pol.action {
            PolicyAction::Allow => FilterAction::Accept,
            PolicyAction::Deny => FilterAction::Drop,
        };
        let services: Vec<Option<(Proto, u16)>> = if pol.services.is_empty() {
            vec![None]
        } else {
            pol.services
                .iter()
                .map(|s| Some((s.proto, s.port)))
                .collect()
        };
        // The gateways of the isolated segments this policy reaches into: an `allow`
        // must open its hole there too, ahead of the isolation's inbound drop.
        let into_isolated: Vec<&str> = plan
            .segments()
            .filter(|s| s.isolated && segment_overlaps(s, &to.prefixes))
            .map(|s| s.gateway_device.as_str())
            .collect();
        for (gateway, src) in &from.sources {
            for svc in &services {
                let what = match svc {
                    Some((p, port)) => format!(" {p}/{port}"),
                    None => String::new(),
                };
                let rule = FilterRule {
                    action,
                    from: src.clone(),
                    to: to.prefixes.clone(),
                    proto: svc.map(|s| s.0),
                    port: svc.map(|s| s.1),
                    comment: format!("policy {number}: {verb} {} -> {}{what}", pol.from, pol.to),
                };
                match pol.action {
                    PolicyAction::Allow => {
                        let mut at: Vec<&str> = vec![gateway.as_str()];
                        for g in &into_isolated {
                            if !at.contains(g) {
                                at.push(g);
                            }
                        }
                        for g in at {
                            allow.push((g.to_string(), rule.clone()));
                        }
                    }
                    PolicyAction::Deny => deny.push((gateway.clone(), rule)),
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut filters: BTreeMap<String, Vec<FilterRule>> = BTreeMap::new();
    for (g, r) in allow.into_iter().chain(deny) {
        push(&mut filters, &g, r);
    }

    let isolated: Vec<_> = plan.segments().filter(|s| s.isolated).collect();
    if !isolated.is_empty() {
        let internal = internal_prefixes(plan);
        let dns: Vec<IpNet> = match &plan.dns {
            Some(d) => {
                let mut v = vec![host4(d.server_address)];
                if let Some((_, h)) = plan.named_host(&d.server) {
                    v.extend(h.address6.map(host6));
                }
                v
            }
            None => Vec::new(),
        };
        for seg in isolated {
            let mut src = vec![IpNet::V4(seg.prefix)];
            src.extend(seg.prefix6.map(IpNet::V6));
            let mut own = vec![host4(seg.gateway)];
            own.extend(seg.gateway6.map(host6));
            let g = &seg.gateway_device;
            push(
                &mut filters,
                g,
                FilterRule {
                    action: FilterAction::Accept,
                    from: src.clone(),
                    to: own,
                    proto: None,
                    port: None,
                    comment: format!("isolated {}: its own gateway", seg.id),
                },
            );
            if !dns.is_empty() {
                for proto in [Proto::Udp, Proto::Tcp] {
                    push(
                        &mut filters,
                        g,
                        FilterRule {
                            action: FilterAction::Accept,
                            from: src.clone(),
                            to: dns.clone(),
                            proto: Some(proto),
                            port: Some(53),
                            comment: format!("isolated {}: DNS to the dns server", seg.id),
                        },
                    );
                }
            }
            push(
                &mut filters,
                g,
                FilterRule {
                    action: FilterAction::Drop,
                    from: src,
                    to: internal.clone(),
                    proto: None,
                    port: None,
                    comment: format!("isolated {}: no internal prefix, internet only", seg.id),
                },
            );
            // The other direction: no internal address opens a connection into the
            // segment. Its gateway address stays the router's own (reachable from
            // both sides, as above); replies to what the segment opened pass by
            // connection tracking.
            let mut own = vec![host4(seg.gateway)];
            own.extend(seg.gateway6.map(host6));
            let mut dst = vec![IpNet::V4(seg.prefix)];
            dst.extend(seg.prefix6.map(IpNet::V6));
            push(
                &mut filters,
                g,
                FilterRule {
                    action: FilterAction::Accept,
                    from: internal.clone(),
                    to: own,
                    proto: None,
                    port: None,
                    comment: format!("isolated {}: its gateway, from inside", seg.id),
                },
            );
            push(
                &mut filters,
                g,
                FilterRule {
                    action: FilterAction::Drop,
                    from: internal.clone(),
                    to: dst,
                    proto: None,
                    port: None,
                    comment: format!(
                        "isolated {}: no internal prefix opens a connection to it",
                        seg.id
                    ),
                },
            );
        }
    }
    Ok(filters)
}
