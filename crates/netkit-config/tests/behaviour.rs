//! What the configurations must and must not contain: file names, routes of the plan,
//! secrets only on request, no syntax injected through names or descriptions.

mod common;

use netkit_config::{Error, Secrets, Target, frr, ios, linux, render_all};
use netkit_model::RoutingMode;
use netkit_plan::RouteKind;

#[test]
fn one_file_per_layer3_device_named_after_it() {
    let plan = common::acme(RoutingMode::Static);
    let names = |t| -> Vec<String> {
        render_all(&plan, t, &[], &Secrets::Hidden)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect()
    };
    assert_eq!(
        names(Target::Frr),
        [
            "hq.r1.frr.conf",
            "hq.fw1.frr.conf",
            "lyon.r1.frr.conf",
            "marseille.r1.frr.conf"
        ]
    );
    assert!(names(Target::Ios).contains(&"hq.r1.ios.cfg".to_string()));
    let linux = names(Target::Linux);
    assert!(linux.contains(&"hq.r1.ip".to_string()) && linux.contains(&"hq.r1.nft".to_string()));
    assert_eq!(linux.len(), 8, "the switch gets no file");
    let one = render_all(&plan, Target::Frr, &["lyon.r1".into()], &Secrets::Hidden).unwrap();
    assert_eq!(one.len(), 1);
    let err = render_all(&plan, Target::Frr, &["hq.sw1".into()], &Secrets::Hidden).unwrap_err();
    assert!(matches!(err, Error::UnknownDevice(_)));
    assert_eq!(frr::render(&plan, "hq.sw1"), "");
}

#[test]
fn every_static_route_of_the_plan_is_in_every_config() {
    let plan = common::acme(RoutingMode::Static);
    for dev in plan.routers() {
        let f = frr::render(&plan, &dev.id);
        let i = ios::render(&plan, &dev.id);
        let l = linux::ip_batch(&plan, &dev.id);
        for r in &plan.routes[&dev.id] {
            let Some(nh) = r.next_hop else { continue };
            let fam = if r.destination.addr().is_ipv4() {
                "ip"
            } else {
                "ipv6"
            };
            assert!(
                f.contains(&format!(
                    "{fam} route {} {nh} {}",
                    r.destination, r.interface
                )),
                "{} {r:?}",
                dev.id
            );
            assert!(i.contains(&format!(" {nh} name ")), "{} {r:?}", dev.id);
            assert!(
                l.contains(&format!(
                    "route replace {} via {nh} dev {}",
                    r.destination, r.interface
                )),
                "{} {r:?}",
                dev.id
            );
        }
    }
}

#[test]
fn ospf_configs_carry_the_design() {
    let plan = common::acme(RoutingMode::Ospf);
    let f = frr::render(&plan, "hq.r1");
    assert!(f.contains("router ospf\n ospf router-id 10.254.0.1"), "{f}");
    assert!(f.contains(" ip ospf network point-to-point"));
    assert!(f.contains(" ip ospf passive"));
    assert!(
        !f.contains("\nip route "),
        "no static routes with OSPF except the edge's: {f}"
    );
    let edge = frr::render(&plan, "hq.fw1");
    assert!(edge.contains("ip route 0.0.0.0/0 203.0.113.1 uplink"));
    assert!(edge.contains("default-information originate"));
    let i = ios::render(&plan, "lyon.r1");
    assert!(i.contains("router ospf 1\n router-id"));
    assert!(i.contains(" passive-interface GigabitEthernet0/0.10"));
    assert!(i.contains(" ip ospf 1 area 0.0.0.0"));
    let l = linux::ip_batch(&plan, "lyon.r1");
    assert!(
        !l.contains("route replace"),
        "OSPF computes lyon's routes: {l}"
    );
    let all = linux::ip_batch_static(&plan, "lyon.r1");
    let n = plan.routes["lyon.r1"]
        .iter()
        .filter(|r| r.kind != RouteKind::Connected)
        .count();
    assert!(all.matches("route replace").count() >= n.min(1));
}

#[test]
fn secrets_only_with_show_secrets() {
    let mut plan = common::acme(RoutingMode::Static);
    assert_eq!(
        plan.snmp.as_ref().unwrap().community.as_deref(),
        Some("${NETKIT_SNMP_COMMUNITY}")
    );
    let hidden = ios::render(&plan, "hq.r1");
    assert!(
        hidden.contains("! snmp-server community <hidden"),
        "{hidden}"
    );
    let lookup = |v: &str| (v == "NETKIT_SNMP_COMMUNITY").then(|| "s3cr3t-Comm".to_string());
    let shown = ios::render_with_secrets(&plan, "hq.r1", &Secrets::Expand(&lookup)).unwrap();
    assert!(shown.contains("\nsnmp-server community s3cr3t-Comm RO\n"));
    let none = |_: &str| None;
    let err = ios::render_with_secrets(&plan, "hq.r1", &Secrets::Expand(&none)).unwrap_err();
    assert!(err.to_string().contains("NETKIT_SNMP_COMMUNITY"), "{err}");
    // A literal community typed in the topology is a secret too.
    plan.snmp.as_mut().unwrap().community = Some("literal-secret".into());
    for t in [Target::Frr, Target::Ios, Target::Linux] {
        for f in render_all(&plan, t, &[], &Secrets::Hidden).unwrap() {
            assert!(!f.contents.contains("literal-secret"), "{}", f.name);
            assert!(!f.contents.contains("s3cr3t"), "{}", f.name);
        }
    }
}

#[test]
fn descriptions_cannot_inject_commands() {
    let mut plan = common::acme(RoutingMode::Static);
    let evil =
        "users\n!\ninterface GigabitEthernet0/9\n shutdown\nip route 0.0.0.0 0.0.0.0 Null0 \"x\" ?";
    for s in plan.sites.iter_mut().flat_map(|s| &mut s.segments) {
        s.description = Some(evil.into());
    }
    for l in &mut plan.links {
        l.description = Some(evil.into());
    }
    for f in render_all(&plan, Target::Ios, &[], &Secrets::Hidden).unwrap() {
        assert!(
            !f.contents.contains("\ninterface GigabitEthernet0/9"),
            "{}",
            f.contents
        );
        assert!(!f.contents.contains("\n shutdown"));
        assert!(!f.contents.contains("Null0 \""));
        assert!(!f.contents.contains('?'));
    }
    for f in render_all(&plan, Target::Frr, &[], &Secrets::Hidden).unwrap() {
        assert!(!f.contents.contains("\ninterface GigabitEthernet0/9"));
        assert!(!f.contents.contains("\nip route 0.0.0.0 0.0.0.0 Null0"));
    }
    // A filter comment with quotes and a newline stays inside the nft string.
    plan.filters.get_mut("lyon.r1").unwrap()[0].comment = "a\"; flush ruleset; \"\nb".into();
    let nft = linux::nftables(&plan, "lyon.r1");
    assert!(!nft.contains("flush ruleset;"), "{nft}");
    assert!(nft.lines().all(|l| l.matches('"').count() % 2 == 0));
}

#[test]
fn hand_edited_plan_names_are_sanitized() {
    let mut plan = common::acme(RoutingMode::Static);
    let dev = plan.devices.iter_mut().find(|d| d.id == "lyon.r1").unwrap();
    dev.interfaces[0].name = "eth1\nlink set lo down".into();
    let ip = linux::ip_batch(&plan, "lyon.r1");
    assert!(!ip.contains("\nlink set lo down"), "{ip}");
}
