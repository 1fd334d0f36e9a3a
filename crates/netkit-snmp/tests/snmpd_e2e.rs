//! End to end against the real net-snmp agent in a namespace of our own:
//! reading (v2c, v3 SHA/AES, v3 SHA-256/AES), agreement with `snmpbulkwalk`,
//! and drift caused with ordinary tools, each reported precisely and alone.

mod support;

use std::time::{Duration, Instant};

use netkit_plan::Plan;
use netkit_snmp::client::{Client, Target, WalkLimits};
use netkit_snmp::device::{DeviceState, read_device};
use netkit_snmp::drift::{DifferenceKind, DriftReport, Expectation, compare};
use netkit_snmp::{Oid, Value};
use support::*;

/// A namespace laid out like a small router: eth1 toward a peer (link), eth2
/// a segment gateway, a loopback address and two static routes.
fn router() -> Netns {
    let ns = Netns::new();
    ns.ip(&[
        "link", "add", "eth1", "type", "veth", "peer", "name", "peer1",
    ]);
    ns.ip(&[
        "link", "add", "eth2", "type", "veth", "peer", "name", "peer2",
    ]);
    for l in ["eth1", "peer1", "eth2", "peer2"] {
        ns.ip(&["link", "set", l, "up"]);
    }
    ns.ip(&["addr", "add", "192.0.2.1/24", "dev", "eth1"]);
    ns.ip(&["addr", "add", "198.51.100.1/25", "dev", "eth2"]);
    ns.ip(&["addr", "add", "10.254.0.1/32", "dev", "lo"]);
    add_static_routes(&ns);
    ns
}

fn add_static_routes(ns: &Netns) {
    ns.ip(&[
        "route",
        "replace",
        "203.0.113.0/24",
        "via",
        "192.0.2.2",
        "dev",
        "eth1",
    ]);
    ns.ip(&[
        "route",
        "replace",
        "10.99.0.0/16",
        "via",
        "192.0.2.2",
        "dev",
        "eth1",
    ]);
}

/// The plan of `router()`, written by hand.
fn plan() -> Plan {
    Plan::from_json(
        r#"{
  "format": "netkit-plan/1",
  "name": "t",
  "pools": { "ipv4": "10.0.0.0/8", "wan": "192.0.2.0/24", "loopbacks": "10.254.0.0/24",
             "p2p_prefix": 31, "growth_percent": 0 },
  "sites": [],
  "devices": [
    { "id": "t.r1", "kind": "router", "loopback": "10.254.0.1/32", "site": "t", "name": "r1",
      "interfaces": [
        { "name": "eth1", "address": "192.0.2.1/24", "link": 0, "segment": null,
          "peer": "t.r2", "bandwidth_bps": 100000000 },
        { "name": "eth2", "address": "198.51.100.1/25", "link": null, "segment": "t.users" }
      ] }
  ],
  "links": [],
  "routes": {
    "t.r1": [
      { "destination": "192.0.2.0/24", "next_hop": null, "interface": "eth1", "metric": 0, "kind": "connected" },
      { "destination": "198.51.100.0/25", "next_hop": null, "interface": "eth2", "metric": 0, "kind": "connected" },
      { "destination": "10.254.0.1/32", "next_hop": null, "interface": "lo", "metric": 0, "kind": "connected" },
      { "destination": "10.99.0.0/16", "next_hop": "192.0.2.2", "interface": "eth1", "metric": 10, "kind": "static" },
      { "destination": "203.0.113.0/24", "next_hop": "192.0.2.2", "interface": "eth1", "metric": 10, "kind": "static", "describes": "t.far" }
    ]
  }
}"#,
    )
    .expect("hand-written plan parses")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn read(ns: &Netns, creds: netkit_snmp::Credentials) -> DeviceState {
    let target =
        Target::new("127.0.0.1:161".parse().unwrap(), creds).in_namespace(Some(ns.name.clone()));
    let mut c = Client::connect(target).await.expect("socket in namespace");
    read_device(&mut c, WalkLimits::default())
        .await
        .expect("read device")
}

async fn drift(ns: &Netns) -> DriftReport {
    let state = read(ns, v2c()).await;
    compare(&plan(), "t.r1", &state, &Expectation::ALL).unwrap()
}

/// Poll (bounded) until the drift report has exactly `want` kinds, and return it.
async fn expect_drift(ns: &Netns, want: &[(DifferenceKind, &str)]) -> DriftReport {
    let start = Instant::now();
    loop {
        let r = drift(ns).await;
        let got: Vec<(DifferenceKind, String)> = r
            .differences
            .iter()
            .map(|d| (d.kind, d.subject.clone()))
            .collect();
        let want_v: Vec<(DifferenceKind, String)> =
            want.iter().map(|(k, s)| (*k, s.to_string())).collect();
        if got == want_v {
            return r;
        }
        if start.elapsed() > Duration::from_secs(15) {
            panic!("expected exactly {want_v:?}, got {:#?}", r.differences);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

#[test]
fn reads_a_real_agent_with_v2c_and_v3() {
    if !privileged("reads_a_real_agent_with_v2c_and_v3") {
        return;
    }
    let ns = router();
    let agent = Snmpd::start(&ns);
    rt().block_on(async {
        for creds in [v2c(), v3_sha(), v3_sha256()] {
            let label = creds.level();
            let s = read(&ns, creds).await;
            assert!(s.system.descr.is_some(), "{label}: {s:?}");
            let eth1 = s
                .interface_named("eth1")
                .unwrap_or_else(|| panic!("eth1 in {s:?}"));
            assert!(eth1.admin_up() && eth1.oper_up(), "{eth1:?}");
            assert_eq!(eth1.speed_bps, Some(10_000_000_000), "veth reports 10 Gb/s");
            assert!(
                s.addresses
                    .iter()
                    .any(|a| a.address.to_string() == "198.51.100.1"
                        && a.prefix_len == Some(25)
                        && a.interface.as_deref() == Some("eth2")),
                "{:?}",
                s.addresses
            );
            let r = s
                .routes
                .iter()
                .find(|r| r.destination.to_string() == "203.0.113.0/24")
                .unwrap_or_else(|| panic!("route in {:?}", s.routes));
            assert_eq!(
                r.next_hop.map(|h| h.to_string()).as_deref(),
                Some("192.0.2.2")
            );
            assert_eq!(r.interface.as_deref(), Some("eth1"));
            assert_eq!(s.address_table, "ipAddressTable");
            assert_eq!(s.route_table, "inetCidrRouteTable");
        }
    });
    drop(agent);
}

/// The rows netkit reads equal what `snmpbulkwalk` prints for the same tables.
#[test]
fn agrees_with_snmpbulkwalk() {
    if !privileged("agrees_with_snmpbulkwalk") {
        return;
    }
    let ns = router();
    let _agent = Snmpd::start(&ns);
    let tables = [
        "1.3.6.1.2.1.2.2",
        "1.3.6.1.2.1.31.1.1",
        "1.3.6.1.2.1.4.34",
        "1.3.6.1.2.1.4.24.7",
        "1.3.6.1.2.1.4.20",
    ];
    let v3args = [
        "-v3", "-l", "authPriv", "-u", V3_USER, "-a", "SHA", "-A", V3_AUTH, "-x", "AES", "-X",
        V3_PRIV,
    ];
    let v2args = ["-v2c", "-c", COMMUNITY];
    rt().block_on(async {
        for (creds, args) in [(v2c(), &v2args[..]), (v3_sha(), &v3args[..])] {
            let target = Target::new("127.0.0.1:161".parse().unwrap(), creds)
                .in_namespace(Some(ns.name.clone()));
            let mut c = Client::connect(target).await.unwrap();
            for t in tables {
                let oid: Oid = t.parse().unwrap();
                let ours = c.walk(&oid, WalkLimits::default()).await.unwrap();
                let theirs = snmpbulkwalk(&ns.name, args, t);
                let our_oids: Vec<String> = ours.iter().map(|vb| format!(".{}", vb.oid)).collect();
                let their_oids: Vec<String> = theirs
                    .iter()
                    .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
                    .collect();
                assert_eq!(our_oids, their_oids, "table {t} with {args:?}");
                assert!(
                    !ours.is_empty() || t == "1.3.6.1.2.1.4.20",
                    "table {t} is empty"
                );
                // Values that do not move between two walks: integers and gauges.
                for (vb, line) in ours.iter().zip(&theirs) {
                    let text = line.split_once(' ').map(|x| x.1.trim()).unwrap_or("");
                    match &vb.value {
                        Value::Integer(v) => assert_eq!(text, v.to_string(), "{line}"),
                        Value::Gauge32(v) if !t.ends_with("2.2") => {
                            assert_eq!(text, v.to_string(), "{line}")
                        }
                        _ => {}
                    }
                }
            }
        }
    });
}

#[test]
fn drift_is_reported_precisely() {
    if !privileged("drift_is_reported_precisely") {
        return;
    }
    let ns = router();
    let _agent = Snmpd::start(&ns);
    rt().block_on(async {
        // Clean: nothing to report.
        let r = expect_drift(&ns, &[]).await;
        assert!(r.is_clean());
        assert_eq!(r.checked_interfaces, 2);
        assert_eq!(r.checked_routes, 5);

        // A route deleted by hand.
        ns.ip(&["route", "del", "203.0.113.0/24"]);
        let r = expect_drift(&ns, &[(DifferenceKind::RouteMissing, "203.0.113.0/24")]).await;
        let msg = &r.differences[0].message;
        assert!(
            msg.contains("203.0.113.0/24 (t.far) is missing") && msg.contains("via 192.0.2.2"),
            "{msg}"
        );
        assert!(
            r.summary()
                .unwrap()
                .starts_with("t.r1: route to 203.0.113.0/24")
        );
        add_static_routes(&ns);
        expect_drift(&ns, &[]).await;

        // Another next hop.
        ns.ip(&[
            "route",
            "replace",
            "203.0.113.0/24",
            "via",
            "192.0.2.3",
            "dev",
            "eth1",
        ]);
        let r = expect_drift(&ns, &[(DifferenceKind::RouteNextHop, "203.0.113.0/24")]).await;
        assert!(
            r.differences[0]
                .message
                .contains("goes via 192.0.2.3, the plan says via 192.0.2.2"),
            "{:?}",
            r.differences
        );
        add_static_routes(&ns);

        // A route that is not in the plan.
        ns.ip(&["route", "add", "100.64.0.0/24", "via", "192.0.2.2"]);
        let r = expect_drift(&ns, &[(DifferenceKind::RouteExtra, "100.64.0.0/24")]).await;
        assert!(
            r.differences[0].message.contains("not in the plan"),
            "{:?}",
            r.differences
        );
        ns.ip(&["route", "del", "100.64.0.0/24"]);
        expect_drift(&ns, &[]).await;

        // An address deleted: one line, the connected route counted on it.
        ns.ip(&["addr", "del", "198.51.100.1/25", "dev", "eth2"]);
        let r = expect_drift(&ns, &[(DifferenceKind::AddressMissing, "198.51.100.1/25")]).await;
        let msg = &r.differences[0].message;
        assert!(
            msg.contains("missing on eth2")
                && msg.contains("1 planned route through it is missing"),
            "{msg}"
        );
        // A typo instead.
        ns.ip(&["addr", "add", "198.51.100.2/25", "dev", "eth2"]);
        let r = expect_drift(
            &ns,
            &[(DifferenceKind::AddressDifferent, "198.51.100.1/25")],
        )
        .await;
        assert!(
            r.differences[0]
                .message
                .contains("has 198.51.100.2/25 instead of the planned 198.51.100.1/25"),
            "{:?}",
            r.differences
        );
        ns.ip(&["addr", "del", "198.51.100.2/25", "dev", "eth2"]);
        ns.ip(&["addr", "add", "198.51.100.1/25", "dev", "eth2"]);
        expect_drift(&ns, &[]).await;

        // Loopback address gone.
        ns.ip(&["addr", "del", "10.254.0.1/32", "dev", "lo"]);
        let r = expect_drift(&ns, &[(DifferenceKind::AddressMissing, "10.254.0.1/32")]).await;
        assert!(
            r.differences[0].message.contains("(loopback)"),
            "{:?}",
            r.differences
        );
        ns.ip(&["addr", "add", "10.254.0.1/32", "dev", "lo"]);

        // Interface shut: the kernel drops its routes too; one line says so.
        ns.ip(&["link", "set", "eth1", "down"]);
        let r = expect_drift(&ns, &[(DifferenceKind::InterfaceAdminDown, "eth1")]).await;
        let msg = &r.differences[0].message;
        assert!(
            msg.contains("administratively down") && msg.contains("3 planned routes"),
            "{msg}"
        );
        ns.ip(&["link", "set", "eth1", "up"]);
        add_static_routes(&ns);
        expect_drift(&ns, &[]).await;

        // The far end goes down: eth1 stays enabled but loses its carrier.
        ns.ip(&["link", "set", "peer2", "down"]);
        let r = expect_drift(&ns, &[(DifferenceKind::InterfaceOperDown, "eth2")]).await;
        assert!(
            r.differences[0].message.contains("enabled but down"),
            "{:?}",
            r.differences
        );
        ns.ip(&["link", "set", "peer2", "up"]);
        expect_drift(&ns, &[]).await;
    });
}
