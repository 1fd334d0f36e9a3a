//! Cisco IOS configuration. Syntax target: classic IOS 15.x (ISR G2 routers, IOSv in
//! labs): interface-level OSPF (`ip ospf 1 area 0`, 12.3(11)T and later), reflexive
//! access lists (`reflect`/`evaluate`) for stateful filtering, `ipv6 router ospf`.
//! IOS-XE 16+ accepts the same interface, route, OSPF and ACL lines; on IOS-XE
//! platforms without reflexive ACL support use a zone-based firewall instead (not
//! generated).
//!
//! Interfaces: segments are dot1Q sub-interfaces of one trunk,
//! `GigabitEthernet0/0.<vlan>`; links get their own `GigabitEthernet0/1`, `0/2`...
//! in the plan's interface order, then the internet uplink; the loopback is
//! `Loopback0`. Each interface's description names the plan's interface.
//!
//! Filter rules: per segment sub-interface that has rules, an inbound extended ACL
//! `NETKIT-IN-<segment>` (`evaluate` first, so replies to connections opened from the
//! other side pass; then the plan's rules for connections that segment opens, in
//! order; then `permit ip any any`) and an outbound ACL `NETKIT-OUT-<segment>` that
//! records those connections (`reflect`). An isolated segment's outbound ACL also
//! holds the rules for connections opened towards it (isolation works both ways:
//! the `allow` holes into it, then the drop), after `evaluate NETKIT-RFLB-<segment>`,
//! the reflexive list its inbound ACL fills with the connections it opened, so their
//! replies still pass. IPv6 the same with `ipv6 access-list`/`traffic-filter`.

use std::collections::BTreeMap;
use std::fmt::Write;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use netkit_model::{Proto, RoutingMode, SnmpVersion};
use netkit_plan::{DevicePlan, FilterAction, FilterRule, InterfacePlan, Plan, RouteKind};

use crate::text::{ident, one_line};
use crate::{Result, Secrets, expand_secret, header, is_edge, purpose, router};

const TRUNK: &str = "GigabitEthernet0/0";

/// The IOS configuration of layer-3 device `device_id`, secrets hidden; empty when the
/// plan has no such layer-3 device.
pub fn render(plan: &Plan, device_id: &str) -> String {
    // Hidden secrets need no lookup, so rendering cannot fail.
    render_with_secrets(plan, device_id, &Secrets::Hidden).unwrap_or_default()
}

/// IOS interface name of each plan interface of `dev` (and `lo`).
pub fn interface_names(plan: &Plan, dev: &DevicePlan) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let mut next = 1;
    for i in &dev.interfaces {
        let ios = match (i.segment.is_some(), vlan_of(plan, i)) {
            (true, Some(vlan)) => format!("{TRUNK}.{vlan}"),
            _ => {
                let n = format!("GigabitEthernet0/{next}");
                next += 1;
                n
            }
        };
        names.insert(i.name.clone(), ios);
    }
    names.insert("lo".to_string(), "Loopback0".to_string());
    names
}

/// The VLAN of a segment interface: the interface's, or its segment's.
fn vlan_of(plan: &Plan, i: &InterfacePlan) -> Option<u16> {
    let seg = i.segment.as_deref()?;
    i.vlan.or_else(|| plan.segment(seg).map(|s| s.vlan))
}

fn mask4(p: &Ipv4Net) -> String {
    format!("{} {}", p.addr(), p.netmask())
}

fn acl4(p: &Ipv4Net) -> String {
    match p.prefix_len() {
        0 => "any".to_string(),
        32 => format!("host {}", p.addr()),
        _ => format!("{} {}", p.network(), p.hostmask()),
    }
}

fn acl6(p: &Ipv6Net) -> String {
    match p.prefix_len() {
        0 => "any".to_string(),
        128 => format!("host {}", p.addr()),
        _ => p.trunc().to_string(),
    }
}

/// The IOS configuration, with secrets written as `secrets` says.
///
/// # Errors
/// With [`Secrets::Expand`], a secret that names an unset variable.
pub fn render_with_secrets(plan: &Plan, device_id: &str, secrets: &Secrets) -> Result<String> {
    let Some(dev) = router(plan, device_id) else {
        return Ok(String::new());
    };
    let dual = plan.pools.ipv6.is_some();
    let ospf = plan.routing == RoutingMode::Ospf;
    let names = interface_names(plan, dev);
    let ios_name = |plan_name: &str| {
        names
            .get(plan_name)
            .cloned()
            .unwrap_or_else(|| ident(plan_name))
    };
    let ospf_router = plan
        .ospf
        .as_ref()
        .and_then(|o| o.routers.iter().find(|r| r.device == dev.id));
    let rules = plan.filters.get(&dev.id).map(Vec::as_slice).unwrap_or(&[]);

    let mut s = String::new();
    let _ = writeln!(s, "! {}", header(plan, dev, "Cisco IOS configuration"));
    let _ = writeln!(
        s,
        "! Syntax: IOS 15.x; segments are dot1Q sub-interfaces of {TRUNK}."
    );
    let _ = writeln!(s, "hostname {}", ident(&dev.id).replace(['.', '_'], "-"));
    if let Some(d) = &plan.dns {
        let _ = writeln!(s, "ip domain-name {}", ident(&d.domain));
    }
    let _ = writeln!(s, "ip routing");
    let _ = writeln!(s, "ip cef");
    if dual {
        let _ = writeln!(s, "ipv6 unicast-routing");
        let _ = writeln!(s, "ipv6 cef");
    }
    let _ = writeln!(s, "!");

    // Loopback.
    let _ = writeln!(s, "interface Loopback0");
    let _ = writeln!(s, " description loopback of {}", ident(&dev.id));
    if let Some(l) = dev.loopback {
        let _ = writeln!(s, " ip address {}", mask4(&l));
    }
    if let Some(l) = dev.loopback6 {
        let _ = writeln!(s, " ipv6 address {l}");
    }
    if ospf {
        let _ = writeln!(s, " ip ospf 1 area 0.0.0.0");
        if dual {
            let _ = writeln!(s, " ipv6 ospf 1 area 0.0.0.0");
        }
    }
    let _ = writeln!(s, "!");

    // The trunk carrying the segments.
    if dev.interfaces.iter().any(|i| vlan_of(plan, i).is_some()) {
        let _ = writeln!(s, "interface {TRUNK}");
        let _ = writeln!(
            s,
            " description trunk to the site's switches (segments as dot1Q sub-interfaces)"
        );
        let _ = writeln!(s, " no ip address");
        let _ = writeln!(s, " no shutdown");
        let _ = writeln!(s, "!");
    }

    let mut acls = String::new();
    for i in &dev.interfaces {
        let name = ios_name(&i.name);
        let _ = writeln!(s, "interface {name}");
        let what = one_line(&format!("{} ({})", purpose(plan, &dev.id, i), i.name), 200);
        let _ = writeln!(s, " description {what}");
        if let Some(vlan) = vlan_of(plan, i) {
            let _ = writeln!(s, " encapsulation dot1Q {vlan}");
        }
        let _ = writeln!(s, " ip address {}", mask4(&i.address));
        if let Some(a6) = i.address6 {
            let _ = writeln!(s, " ipv6 address {a6}");
        }
        if let Some(o) = ospf_router.and_then(|r| r.interfaces.iter().find(|o| o.name == i.name)) {
            let _ = writeln!(s, " ip ospf 1 area {}", o.area);
            let _ = writeln!(s, " ip ospf cost {}", o.cost.clamp(1, 65535));
            if o.network_type == "point-to-point" {
                let _ = writeln!(s, " ip ospf network point-to-point");
            }
            if dual {
                let _ = writeln!(s, " ipv6 ospf 1 area {}", o.area);
                let _ = writeln!(s, " ipv6 ospf cost {}", o.cost.clamp(1, 65535));
                if o.network_type == "point-to-point" {
                    let _ = writeln!(s, " ipv6 ospf network point-to-point");
                }
            }
        }
        if let Some(seg_id) = &i.segment
            && let Some(seg) = plan.segment(seg_id)
        {
            let mut prefixes = vec![IpNet::V4(seg.prefix)];
            prefixes.extend(seg.prefix6.map(IpNet::V6));
            let mine: Vec<&FilterRule> =
                rules.iter().filter(|r| from_inside(r, &prefixes)).collect();
            // Toward an isolated segment: the rules for connections others open to
            // it (the inbound half of the isolation, `allow` holes into it).
            let toward: Vec<&FilterRule> = if seg.isolated {
                rules
                    .iter()
                    .filter(|r| !from_inside(r, &prefixes))
                    .filter(|r| r.to.iter().any(|t| prefixes.iter().any(|p| overlaps(t, p))))
                    .collect()
            } else {
                Vec::new()
            };
            if !mine.is_empty() || !toward.is_empty() {
                let id = ident(seg_id);
                let _ = writeln!(s, " ip access-group NETKIT-IN-{id} in");
                let _ = writeln!(s, " ip access-group NETKIT-OUT-{id} out");
                let acl = Acl {
                    id: &id,
                    mine: &mine,
                    toward: &toward,
                    seg: &prefixes,
                };
                write_acl(&mut acls, &acl, false);
                if dual {
                    let _ = writeln!(s, " ipv6 traffic-filter NETKIT6-IN-{id} in");
                    let _ = writeln!(s, " ipv6 traffic-filter NETKIT6-OUT-{id} out");
                    write_acl(&mut acls, &acl, true);
                }
            }
        }
        let _ = writeln!(s, " no shutdown");
        let _ = writeln!(s, "!");
    }

    // Static routes (with OSPF: only the edge's way out).
    let edge = is_edge(plan, &dev.id);
    for r in plan.routes.get(&dev.id).into_iter().flatten() {
        if r.kind == RouteKind::Connected {
            continue;
        }
        if ospf && !(edge && r.kind == RouteKind::Default) {
            continue;
        }
        let Some(nh) = r.next_hop else { continue };
        let label = ident(r.describes.as_deref().unwrap_or("")).replace('.', "_");
        match r.destination {
            IpNet::V4(d) => {
                let _ = writeln!(s, "ip route {} {nh} name {label}", mask4(&d.trunc()));
            }
            IpNet::V6(d) => {
                let _ = writeln!(s, "ipv6 route {} {nh} name {label}", d.trunc());
            }
        }
    }
    let _ = writeln!(s, "!");

    if let (true, Some(o)) = (ospf, ospf_router) {
        let reference = plan
            .ospf
            .as_ref()
            .map(|p| p.reference_bandwidth_mbps)
            .unwrap_or(100_000);
        let passive: Vec<String> = o
            .interfaces
            .iter()
            .filter(|i| i.passive)
            .map(|i| ios_name(&i.name))
            .collect();
        let _ = writeln!(s, "router ospf 1");
        let _ = writeln!(s, " router-id {}", o.router_id);
        let _ = writeln!(s, " auto-cost reference-bandwidth {reference}");
        for p in &passive {
            let _ = writeln!(s, " passive-interface {p}");
        }
        if edge {
            let _ = writeln!(s, " default-information originate metric 0 metric-type 1");
        }
        let _ = writeln!(s, "!");
        if dual {
            let _ = writeln!(s, "ipv6 router ospf 1");
            let _ = writeln!(s, " router-id {}", o.router_id);
            let _ = writeln!(s, " auto-cost reference-bandwidth {reference}");
            for p in &passive {
                let _ = writeln!(s, " passive-interface {p}");
            }
            if edge {
                let _ = writeln!(
                    s,
                    " default-information originate always metric 0 metric-type 1"
                );
            }
            let _ = writeln!(s, "!");
        }
    }

    s.push_str(&acls);
    write_snmp(&mut s, plan, secrets)?;
    let _ = writeln!(s, "end");
    Ok(s)
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// Whether one of the rule's sources lies inside the segment (a rule for
/// connections the segment opens).
fn from_inside(r: &FilterRule, seg: &[IpNet]) -> bool {
    r.from.iter().any(|f| {
        seg.iter()
            .any(|p| p.contains(&f.network()) && p.prefix_len() <= f.prefix_len())
    })
}

/// The access lists of one segment sub-interface.
struct Acl<'a> {
    id: &'a str,
    /// Rules for connections the segment opens (inbound ACL).
    mine: &'a [&'a FilterRule],
    /// Rules for connections opened toward the (isolated) segment (outbound ACL).
    toward: &'a [&'a FilterRule],
    seg: &'a [IpNet],
}

fn write_acl(out: &mut String, acl: &Acl, v6: bool) {
    let id = acl.id;
    let (kw_in, any_any, rfl, rfl_back) = if v6 {
        (
            format!("ipv6 access-list NETKIT6-IN-{id}"),
            "permit ipv6 any any",
            format!("NETKIT6-RFL-{id}"),
            format!("NETKIT6-RFLB-{id}"),
        )
    } else {
        (
            format!("ip access-list extended NETKIT-IN-{id}"),
            "permit ip any any",
            format!("NETKIT-RFL-{id}"),
            format!("NETKIT-RFLB-{id}"),
        )
    };
    // With rules toward the segment, the connections it opens are recorded too, so
    // that their replies pass the outbound list (stateful both ways).
    let both_ways = !acl.toward.is_empty();
    let _ = writeln!(out, "{kw_in}");
    let _ = writeln!(
        out,
        " remark netkit: filter rules for traffic that {id} opens; replies pass"
    );
    let _ = writeln!(out, " evaluate {rfl}");
    let record_back = both_ways.then_some(rfl_back.as_str());
    for r in acl.mine {
        let from: Vec<&IpNet> = r
            .from
            .iter()
            .filter(|f| acl.seg.iter().any(|p| overlaps(f, p)))
            .collect();
        rule_lines(out, r, &from, v6, record_back);
    }
    if both_ways {
        for p in ["tcp", "udp", "icmp"] {
            let _ = writeln!(out, " permit {p} any any reflect {rfl_back}");
        }
    }
    let _ = writeln!(out, " {any_any}");
    let _ = writeln!(out, "!");
    let kw_out = if v6 {
        format!("ipv6 access-list NETKIT6-OUT-{id}")
    } else {
        format!("ip access-list extended NETKIT-OUT-{id}")
    };
    let _ = writeln!(out, "{kw_out}");
    if both_ways {
        let _ = writeln!(
            out,
            " remark netkit: filter rules for connections opened towards {id}; replies to what it opened pass"
        );
        let _ = writeln!(out, " evaluate {rfl_back}");
        for r in acl.toward {
            let from: Vec<&IpNet> = r.from.iter().collect();
            rule_lines(out, r, &from, v6, Some(&rfl));
        }
    } else {
        let _ = writeln!(
            out,
            " remark netkit: record connections opened towards {id}"
        );
    }
    for p in ["tcp", "udp", "icmp"] {
        let _ = writeln!(out, " permit {p} any any reflect {rfl}");
    }
    let _ = writeln!(out, " {any_any}");
    let _ = writeln!(out, "!");
}

/// The access-list entries of one rule for the sources `from`; a permit records
/// its connection in reflexive list `reflect` when given (then `ip` permits are
/// written per protocol: reflexive entries follow TCP, UDP and ICMP sessions).
fn rule_lines(out: &mut String, r: &FilterRule, from: &[&IpNet], v6: bool, reflect: Option<&str>) {
    let _ = writeln!(out, " remark {}", one_line(&r.comment, 90));
    let action = match r.action {
        FilterAction::Accept => "permit",
        FilterAction::Drop => "deny",
    };
    let fam = |p: &&IpNet| p.addr().is_ipv6() == v6;
    let to: Vec<Option<&IpNet>> = if r.to.is_empty() {
        vec![None]
    } else {
        r.to.iter().filter(fam).map(Some).collect()
    };
    let reflect = reflect.filter(|_| r.action == FilterAction::Accept);
    let protos: Vec<&str> = match (r.proto, r.port, reflect) {
        (Some(Proto::Tcp), _, _) => vec!["tcp"],
        (Some(Proto::Udp), _, _) => vec!["udp"],
        (None, Some(_), _) => vec!["tcp", "udp"],
        (None, None, Some(_)) => vec!["tcp", "udp", "icmp"],
        (None, None, None) => vec![if v6 { "ipv6" } else { "ip" }],
    };
    let tail = reflect.map(|n| format!(" reflect {n}")).unwrap_or_default();
    for f in from.iter().filter(|f| fam(f)) {
        for t in &to {
            for p in &protos {
                let src = addr(f);
                let dst = t.map(addr).unwrap_or_else(|| "any".to_string());
                let port = r.port.map(|n| format!(" eq {n}")).unwrap_or_default();
                let _ = writeln!(out, " {action} {p} {src} {dst}{port}{tail}");
            }
        }
    }
}

fn addr(p: &IpNet) -> String {
    match p {
        IpNet::V4(p) => acl4(p),
        IpNet::V6(p) => acl6(p),
    }
}

fn write_snmp(s: &mut String, plan: &Plan, secrets: &Secrets) -> Result<()> {
    let Some(snmp) = &plan.snmp else {
        return Ok(());
    };
    let secret = |value: &Option<String>, field: &'static str| -> Result<Option<String>> {
        match (value, secrets) {
            (None, _) => Ok(None),
            (Some(_), Secrets::Hidden) => Ok(None),
            (Some(v), Secrets::Expand(lookup)) => {
                let e = expand_secret(v, field, *lookup)?;
                Ok(Some(ident_secret(&e)))
            }
        }
    };
    let hidden = "<hidden: run netkit config --show-secrets>";
    match snmp.version {
        SnmpVersion::V1 | SnmpVersion::V2c => {
            if snmp.community.is_some() {
                match secret(&snmp.community, "community")? {
                    Some(c) => {
                        let _ = writeln!(s, "snmp-server community {c} RO");
                    }
                    None => {
                        let _ = writeln!(s, "! snmp-server community {hidden} RO");
                    }
                }
            }
        }
        SnmpVersion::V3 => {
            let user = ident(snmp.user.as_deref().unwrap_or("netkit"));
            let _ = writeln!(s, "snmp-server view NETKIT iso included");
            let _ = writeln!(s, "snmp-server group NETKIT v3 priv read NETKIT");
            let auth = secret(&snmp.auth_password, "auth_password")?;
            let privacy = secret(&snmp.priv_password, "priv_password")?;
            match (auth, privacy) {
                (Some(a), Some(p)) => {
                    let _ = writeln!(
                        s,
                        "snmp-server user {user} NETKIT v3 auth sha {a} priv aes 128 {p}"
                    );
                }
                _ => {
                    let _ = writeln!(
                        s,
                        "! snmp-server user {user} NETKIT v3 auth sha {hidden} priv aes 128 {hidden}"
                    );
                }
            }
        }
    }
    let _ = writeln!(s, "!");
    Ok(())
}

/// A secret as one IOS token: no spaces or line breaks that would end the command.
fn ident_secret(v: &str) -> String {
    v.chars()
        .filter(|c| !c.is_whitespace() && !c.is_control() && *c != '?')
        .collect()
}
