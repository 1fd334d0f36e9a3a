//! The streamed plan JSON (`plan_deferred` + `write_json`, what `netkit plan
//! --format json` writes) is byte for byte the JSON of the whole plan
//! (`plan` + `to_json`, the output before streaming), on the inventories and on a
//! generated mid-size network, with any number of threads.

use std::fmt::Write;

use netkit_plan::{Plan, plan_deferred};

/// `sites` sites with one router and four segments each (every fifth site has an
/// isolated guest segment), a ring plus chords, the internet, DNS and a policy.
fn generated(sites: usize, routing: &str) -> String {
    let mut y = String::new();
    let _ = writeln!(y, "name: gen-{sites}");
    let _ = writeln!(y, "routing: {routing}");
    let _ = writeln!(
        y,
        "addressing: {{ ipv4: 10.0.0.0/8, ipv6: fd00:9::/40, growth: 20%, reserve: [10.0.0.0/16] }}"
    );
    let _ = writeln!(y, "sites:");
    for i in 0..sites {
        let _ = writeln!(y, "  s{i:03}:");
        let _ = writeln!(y, "    location: \"Site {i} \\\"quoted\\\"\"");
        let _ = writeln!(y, "    devices: {{ r1: {{ kind: router }} }}");
        let _ = writeln!(y, "    segments:");
        let _ = writeln!(
            y,
            "      users: {{ vlan: 10, hosts: {} }}",
            20 + (i * 37) % 230
        );
        let _ = writeln!(
            y,
            "      voice: {{ vlan: 20, hosts: {} }}",
            10 + (i * 11) % 50
        );
        let _ = writeln!(
            y,
            "      servers: {{ vlan: 30, hosts: 12, named: {{ dns: {{ host: 10, services: [udp/53, tcp/22] }} }} }}"
        );
        if i % 5 == 0 {
            let _ = writeln!(y, "      guests: {{ vlan: 99, hosts: 60, isolated: true }}");
        } else {
            let _ = writeln!(y, "      print: {{ vlan: 40, hosts: 5 }}");
        }
    }
    let _ = writeln!(y, "links:");
    for i in 0..sites {
        let j = (i + 1) % sites;
        let _ = writeln!(
            y,
            "  - {{ a: s{i:03}.r1, b: s{j:03}.r1, bandwidth: {}Mbps }}",
            100 + (i % 3) * 50
        );
        if i % 2 == 0 && sites > 40 {
            let k = (i + 17) % sites;
            let _ = writeln!(y, "  - {{ a: s{i:03}.r1, b: s{k:03}.r1, cost: 25 }}");
        }
    }
    let _ = writeln!(y, "internet: {{ edge: s000.r1 }}");
    let _ = writeln!(y, "dns: {{ domain: gen.lan, server: s000.servers.dns }}");
    let _ = writeln!(y, "policies:");
    let _ = writeln!(
        y,
        "  - {{ deny: {{ from: s001.users, to: s002.servers }} }}"
    );
    let _ = writeln!(
        y,
        "  - {{ allow: {{ from: s003.users, to: s005.guests, services: [tcp/5301] }} }}"
    );
    y
}

fn topology(yaml: &str) -> netkit_model::Topology {
    let parsed = netkit_model::parse(yaml.as_bytes());
    parsed
        .topology
        .unwrap_or_else(|| panic!("parses: {:?}", parsed.diagnostics))
}

fn streamed(t: &netkit_model::Topology, threads: usize) -> Vec<u8> {
    let d = plan_deferred(t, None).unwrap_or_else(|e| panic!("plans: {e:?}"));
    assert!(d.plan().routes.is_empty(), "the tables are deferred");
    let mut out = Vec::new();
    d.write_json(&mut out, threads).unwrap();
    out
}

fn whole(t: &netkit_model::Topology) -> Plan {
    netkit_plan::plan(t, None).unwrap_or_else(|e| panic!("plans: {e:?}"))
}

fn assert_same(name: &str, expected: &[u8], got: &[u8]) {
    if expected != got {
        let at = expected
            .iter()
            .zip(got)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(got.len()));
        let from = at.saturating_sub(200);
        panic!(
            "{name}: streamed JSON differs at byte {at} (lengths {} and {}):\nexpected ...{}\ngot      ...{}",
            expected.len(),
            got.len(),
            String::from_utf8_lossy(&expected[from..(at + 200).min(expected.len())]),
            String::from_utf8_lossy(&got[from..(at + 200).min(got.len())]),
        );
    }
}

#[test]
fn a_generated_network_streams_the_same_bytes() {
    for (routing, sites, threads) in [("static", 100, &[1, 2, 3][..]), ("ospf", 50, &[2][..])] {
        let t = topology(&generated(sites, routing));
        let plan = whole(&t);
        let expected = plan.to_json();
        assert!(expected.len() > 500_000, "a mid-size plan");
        assert!(plan.routes.len() == sites && !plan.filters.is_empty());
        for &threads in threads {
            let got = streamed(&t, threads);
            assert_same(
                &format!("{routing}, {threads} threads"),
                expected.as_bytes(),
                &got,
            );
        }
        // Filling the tables in gives the same plan.
        let filled = plan_deferred(&t, None).unwrap().into_plan();
        assert!(filled == plan, "{routing}: into_plan differs from plan");
    }
}

#[test]
fn the_inventories_stream_the_same_bytes() {
    for name in ["acme", "ferronor"] {
        let path = format!(
            "{}/../../inventories/{name}.yaml",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let t = topology(&text);
        let expected = whole(&t).to_json();
        assert_same(name, expected.as_bytes(), &streamed(&t, 2));
    }
}

#[test]
fn a_network_without_routers_streams_the_same_bytes() {
    let t = topology(
        "name: flat\naddressing: { ipv4: 10.0.0.0/8 }\nsites:\n  a:\n    devices: { sw1: { kind: switch } }\n",
    );
    let expected = whole(&t).to_json();
    assert_same("flat", expected.as_bytes(), &streamed(&t, 2));
}

#[test]
fn a_failing_writer_stops_the_stream() {
    struct Fails(usize);
    impl std::io::Write for Fails {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 == 0 {
                return Err(std::io::Error::other("disk full"));
            }
            self.0 -= 1;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let t = topology(&generated(60, "static"));
    let d = plan_deferred(&t, None).unwrap();
    let err = d.write_json(Fails(2), 2).unwrap_err();
    assert_eq!(err.to_string(), "disk full");
}

#[test]
fn deferred_planning_reports_the_same_errors() {
    // A router joined to nothing: no routing table can reach it.
    let t = topology(
        "name: cut\naddressing: { ipv4: 10.0.0.0/8 }\nsites:\n  a:\n    devices: { r1: { kind: router } }\n  b:\n    devices: { r1: { kind: router } }\n",
    );
    let whole_err = netkit_plan::plan(&t, None).unwrap_err();
    let deferred_err = plan_deferred(&t, None).unwrap_err();
    assert_eq!(
        whole_err
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>(),
        deferred_err
            .iter()
            .map(|d| d.message.clone())
            .collect::<Vec<_>>()
    );
    assert!(!whole_err.is_empty());
}
