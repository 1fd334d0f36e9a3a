//! `isolated: true` works both ways (SPEC "Topology format"): the segment opens no
//! connection to any internal segment, and no internal segment opens one to it;
//! an `allow` policy still opens a precise hole in either direction. Read through
//! `Plan::decide`, the one function verify and the lab tests use.

mod routing_common;

use std::net::IpAddr;

use netkit_model::Proto;
use netkit_plan::{FilterAction, Plan};
use routing_common::acme_plan;

fn host(plan: &Plan, seg: &str) -> IpAddr {
    IpAddr::V4(plan.segment(seg).unwrap().test_host())
}

fn gw(plan: &Plan, seg: &str) -> IpAddr {
    IpAddr::V4(plan.segment(seg).unwrap().gateway)
}

fn action(
    plan: &Plan,
    src: IpAddr,
    dst: IpAddr,
    proto: Option<Proto>,
    port: Option<u16>,
) -> Option<FilterAction> {
    plan.decide(src, dst, proto, port).map(|r| r.action)
}

#[test]
fn no_internal_segment_opens_a_connection_to_acme_guests() {
    let plan = acme_plan();
    let guest = host(&plan, "hq.guests");
    // The segments the review saw getting echo replies from the guest host.
    for seg in [
        "hq.users",
        "hq.servers",
        "lyon.users",
        "marseille.users",
        "marseille.voice",
    ] {
        assert_eq!(
            action(&plan, host(&plan, seg), guest, None, None),
            Some(FilterAction::Drop),
            "{seg} -> hq.guests"
        );
        assert_eq!(
            action(&plan, host(&plan, seg), guest, Some(Proto::Tcp), Some(22)),
            Some(FilterAction::Drop),
            "{seg} -> hq.guests tcp/22"
        );
        // The gateway of the guests is the router itself, reachable from both sides.
        assert_ne!(
            action(&plan, host(&plan, seg), gw(&plan, "hq.guests"), None, None),
            Some(FilterAction::Drop),
            "{seg} -> the guests' gateway"
        );
    }
    // Named hosts and devices are internal too: the DNS server, a remote router.
    let dns = IpAddr::V4(plan.dns.as_ref().unwrap().server_address);
    assert_eq!(
        action(&plan, dns, guest, None, None),
        Some(FilterAction::Drop)
    );
    let lyon_lo = IpAddr::V4(plan.device("lyon.r1").unwrap().loopback.unwrap().addr());
    assert_eq!(
        action(&plan, lyon_lo, guest, None, None),
        Some(FilterAction::Drop)
    );
    // IPv6 as well.
    let g6 = plan.segment("hq.guests").unwrap().prefix6.unwrap();
    let u6 = plan.segment("lyon.users").unwrap().prefix6.unwrap();
    let guest6 = IpAddr::V6((u128::from(g6.network()) + 5).into());
    let user6 = IpAddr::V6((u128::from(u6.network()) + 5).into());
    assert_eq!(
        action(&plan, user6, guest6, None, None),
        Some(FilterAction::Drop)
    );
    // The first direction still holds, and what the guests may open still passes.
    assert_eq!(
        action(&plan, guest, host(&plan, "hq.users"), None, None),
        Some(FilterAction::Drop)
    );
    assert_eq!(
        action(&plan, guest, dns, Some(Proto::Udp), Some(53)),
        Some(FilterAction::Accept)
    );
    let outside: IpAddr = "198.51.100.7".parse().unwrap();
    assert_eq!(action(&plan, guest, outside, None, None), None);
    // Traffic between internal segments is untouched by the isolation.
    assert_eq!(
        action(
            &plan,
            host(&plan, "hq.users"),
            host(&plan, "lyon.users"),
            None,
            None
        ),
        None
    );
    // The inbound rules sit on the guests' gateway (hq.r1) and are stateful like
    // every rule: they are listed after the outbound half.
    let rules = &plan.filters["hq.r1"];
    let inbound = rules
        .iter()
        .position(|r| {
            r.comment == "isolated hq.guests: no internal prefix opens a connection to it"
        })
        .expect("the inbound rule of hq.guests is on hq.r1");
    let outbound = rules
        .iter()
        .position(|r| r.comment == "isolated hq.guests: no internal prefix, internet only")
        .unwrap();
    assert!(outbound < inbound);
}

const HOLES: &str = r#"
name: holes
addressing: { ipv4: 10.0.0.0/8, ipv6: fd00:1::/48 }
sites:
  hq:
    devices: { r1: { kind: router }, fw1: { kind: firewall } }
    segments:
      mgmt: { vlan: 10, hosts: 10 }
      servers:
        vlan: 20
        hosts: 10
        named: { web: { host: 10, services: [tcp/443] } }
      guests:
        vlan: 99
        hosts: 50
        isolated: true
        gateway: fw1
        named: { agent: { host: 20, services: [tcp/5301] } }
  lyon:
    devices: { r1: { kind: router } }
    segments: { users: { vlan: 10, hosts: 10 } }
links:
  - { a: hq.r1, b: lyon.r1 }
  - { a: hq.r1, b: hq.fw1 }
internet: { edge: hq.fw1 }
policies:
  - { allow: { from: hq.mgmt, to: hq.guests.agent, services: [tcp/5301] } }
  - { allow: { from: hq.guests, to: hq.servers.web, services: [tcp/443] } }
"#;

fn holes_plan() -> Plan {
    let parsed = netkit_model::parse(HOLES.as_bytes());
    let topo = parsed
        .topology
        .unwrap_or_else(|| panic!("parses: {:?}", parsed.diagnostics));
    netkit_plan::plan(&topo, None).unwrap_or_else(|d| panic!("plans: {d:?}"))
}

#[test]
fn an_allow_policy_opens_a_precise_hole_in_either_direction() {
    let plan = holes_plan();
    let mgmt = host(&plan, "hq.mgmt");
    let lyon = host(&plan, "lyon.users");
    let guest = host(&plan, "hq.guests");
    let (_, agent) = plan.named_host("hq.guests.agent").unwrap();
    let agent = IpAddr::V4(agent.address);
    let (_, web) = plan.named_host("hq.servers.web").unwrap();
    let web = IpAddr::V4(web.address);

    // Into the isolated segment: exactly mgmt -> agent tcp/5301. The hole is on the
    // guests' own gateway (fw1) as well as on mgmt's (r1).
    assert_eq!(
        action(&plan, mgmt, agent, Some(Proto::Tcp), Some(5301)),
        Some(FilterAction::Accept)
    );
    assert!(
        plan.filters["hq.fw1"]
            .iter()
            .any(|r| r.comment.starts_with("policy 1: allow"))
    );
    for (src, dst, proto, port) in [
        (mgmt, agent, Some(Proto::Tcp), Some(22)),
        (mgmt, agent, None, None),
        (mgmt, guest, Some(Proto::Tcp), Some(5301)),
        (lyon, agent, Some(Proto::Tcp), Some(5301)),
    ] {
        assert_eq!(
            action(&plan, src, dst, proto, port),
            Some(FilterAction::Drop),
            "{src} -> {dst} {proto:?}/{port:?}"
        );
    }
    // Out of it: exactly guests -> web tcp/443.
    assert_eq!(
        action(&plan, guest, web, Some(Proto::Tcp), Some(443)),
        Some(FilterAction::Accept)
    );
    assert_eq!(
        action(&plan, guest, web, Some(Proto::Tcp), Some(22)),
        Some(FilterAction::Drop)
    );
    assert_eq!(
        action(&plan, guest, mgmt, None, None),
        Some(FilterAction::Drop)
    );
}
