//! Linux: an `ip -batch` file (addresses and routes on interfaces that already exist
//! with the plan's names) and an `nft -f` ruleset (the plan's filter rules).
//!
//! `ip -batch FILE` brings the interfaces up, adds the addresses (loopback on `lo`)
//! and every non-connected route of the plan, ECMP entries as one multipath route
//! (`nexthop via A dev X nexthop via B dev Y`); the address family follows from
//! each prefix. Connected routes come
//! from the addresses. Forwarding is a sysctl, not an `ip` command: the lab (or the
//! operator) sets `net.ipv4.ip_forward=1` and `net.ipv6.conf.all.forwarding=1`.
//!
//! `nft -f FILE` replaces table `inet netkit`: chains `forward` and `input` (the
//! rules also protect the gateway's own addresses on other segments), policy accept,
//! `ct state established,related accept` first (stateful: replies to connections
//! opened from the other side pass), then the plan's rules in order, split per
//! address family. Loading it twice gives the same ruleset.

use std::collections::BTreeMap;
use std::fmt::Write;

use ipnet::IpNet;
use netkit_model::{Proto, RoutingMode};
use netkit_plan::{FilterAction, FilterRule, Plan, Route, RouteKind};

use crate::text::{ident, one_line};
use crate::{header, router};

/// The `ip -batch` file of layer-3 device `device_id`; empty when the plan has no such
/// layer-3 device. With `routing: ospf` only the edge's default route is written
/// (OSPF computes the rest); use [`ip_batch_static`] to get every route anyway.
pub fn ip_batch(plan: &Plan, device_id: &str) -> String {
    render_ip(plan, device_id, plan.routing == RoutingMode::Ospf)
}

/// Like [`ip_batch`], but every route of the plan as a kernel route even when the
/// plan is OSPF (a lab that runs without routing daemons).
pub fn ip_batch_static(plan: &Plan, device_id: &str) -> String {
    render_ip(plan, device_id, false)
}

fn render_ip(plan: &Plan, device_id: &str, only_edge_default: bool) -> String {
    let Some(dev) = router(plan, device_id) else {
        return String::new();
    };
    let mut s = String::new();
    let _ = writeln!(s, "# {}", header(plan, dev, "ip -batch file"));
    let _ = writeln!(s, "link set lo up");
    if let Some(l) = dev.loopback {
        let _ = writeln!(s, "addr replace {l} dev lo");
    }
    if let Some(l) = dev.loopback6 {
        let _ = writeln!(s, "addr replace {l} dev lo");
    }
    for i in &dev.interfaces {
        let name = ident(&i.name);
        let _ = writeln!(s, "link set {name} up");
        let _ = writeln!(s, "addr replace {} dev {name}", i.address);
        if let Some(a6) = i.address6 {
            // No duplicate address detection: the plan guarantees unique addresses,
            // and routes through a tentative address would fail.
            let _ = writeln!(s, "addr replace {a6} dev {name} nodad");
        }
    }
    // Group ECMP entries: one multipath route per destination.
    let mut by_dest: BTreeMap<IpNet, Vec<&Route>> = BTreeMap::new();
    let mut order: Vec<IpNet> = Vec::new();
    for r in plan.routes.get(&dev.id).into_iter().flatten() {
        if r.kind == RouteKind::Connected || r.next_hop.is_none() {
            continue;
        }
        if only_edge_default && r.kind != RouteKind::Default {
            continue;
        }
        if only_edge_default && !crate::is_edge(plan, &dev.id) {
            continue;
        }
        if !by_dest.contains_key(&r.destination) {
            order.push(r.destination);
        }
        by_dest.entry(r.destination).or_default().push(r);
    }
    for dest in order {
        let entries = &by_dest[&dest];
        let metric = entries.iter().map(|r| r.metric).min().unwrap_or(0);
        // The family follows from the prefix (`ip -batch` lines take no `-6`).
        let dst = dest.to_string();
        match entries.as_slice() {
            [one] => {
                let nh = one.next_hop.map(|a| a.to_string()).unwrap_or_default();
                let _ = writeln!(
                    s,
                    "route replace {dst} via {nh} dev {} metric {metric}",
                    ident(&one.interface)
                );
            }
            many => {
                let mut line = format!("route replace {dst} metric {metric}");
                for r in many {
                    let nh = r.next_hop.map(|a| a.to_string()).unwrap_or_default();
                    let _ = write!(
                        line,
                        " nexthop via {nh} dev {} weight 1",
                        ident(&r.interface)
                    );
                }
                let _ = writeln!(s, "{line}");
            }
        }
    }
    s
}

/// The `nft -f` ruleset of layer-3 device `device_id`: table `inet netkit` with the
/// plan's filter rules for it (an accept-all stateful table when it has none); empty
/// when the plan has no such layer-3 device.
pub fn nftables(plan: &Plan, device_id: &str) -> String {
    let Some(dev) = router(plan, device_id) else {
        return String::new();
    };
    let rules = plan.filters.get(&dev.id).map(Vec::as_slice).unwrap_or(&[]);
    let mut body = String::new();
    for r in rules {
        for line in rule_lines(r) {
            let _ = writeln!(body, "    {line}");
        }
    }
    let mut s = String::new();
    let _ = writeln!(s, "# {}", header(plan, dev, "nftables ruleset"));
    let _ = writeln!(
        s,
        "# Rules match new connections only; first match wins; what no rule matches passes."
    );
    // Create then delete, so that the file replaces an older netkit table and still
    // loads when there is none.
    let _ = writeln!(s, "table inet netkit");
    let _ = writeln!(s, "delete table inet netkit");
    let _ = writeln!(s, "table inet netkit {{");
    for (chain, hook) in [("forward", "forward"), ("input", "input")] {
        let _ = writeln!(s, "  chain {chain} {{");
        let _ = writeln!(
            s,
            "    type filter hook {hook} priority filter; policy accept;"
        );
        let _ = writeln!(s, "    ct state established,related accept");
        if hook == "input" {
            let _ = writeln!(s, "    iif \"lo\" accept");
        }
        s.push_str(&body);
        let _ = writeln!(s, "  }}");
    }
    let _ = writeln!(s, "}}");
    s
}

/// One nft rule per address family the rule applies to.
fn rule_lines(r: &FilterRule) -> Vec<String> {
    let mut out = Vec::new();
    for v4 in [true, false] {
        let fam = |p: &&IpNet| p.addr().is_ipv4() == v4;
        let from = minimal(r.from.iter().filter(fam));
        let to = minimal(r.to.iter().filter(fam));
        if from.is_empty() || (!r.to.is_empty() && to.is_empty()) {
            continue;
        }
        let ip = if v4 { "ip" } else { "ip6" };
        let mut line = format!("{ip} saddr {}", set(&from));
        if !to.is_empty() {
            let _ = write!(line, " {ip} daddr {}", set(&to));
        }
        match (r.proto, r.port) {
            (Some(p), Some(port)) => {
                let _ = write!(line, " {} dport {port}", proto(p));
            }
            (Some(p), None) => {
                let _ = write!(line, " meta l4proto {}", proto(p));
            }
            (None, Some(port)) => {
                let _ = write!(line, " meta l4proto {{ tcp, udp }} th dport {port}");
            }
            (None, None) => {}
        }
        let action = match r.action {
            FilterAction::Accept => "accept",
            FilterAction::Drop => "drop",
        };
        let _ = write!(line, " {action} comment \"{}\"", one_line(&r.comment, 120));
        out.push(line);
    }
    out
}

/// The prefixes as nft set elements: aggregated, so that no two overlap (nft refuses
/// overlapping intervals in one set).
fn minimal<'a>(prefixes: impl Iterator<Item = &'a IpNet>) -> Vec<String> {
    let all: Vec<IpNet> = prefixes.map(|p| p.trunc()).collect();
    IpNet::aggregate(&all)
        .iter()
        .map(|p| p.to_string())
        .collect()
}

fn set(items: &[String]) -> String {
    if items.len() == 1 {
        items[0].clone()
    } else {
        format!("{{ {} }}", items.join(", "))
    }
}

fn proto(p: Proto) -> &'static str {
    match p {
        Proto::Tcp => "tcp",
        Proto::Udp => "udp",
    }
}
