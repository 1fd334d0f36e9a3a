//! SPEC.md's example, bundled as `inventories/acme.yaml`, parses with no diagnostic.

#[test]
fn acme_parses_cleanly() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../inventories/acme.yaml");
    let bytes = std::fs::read(path).expect("inventories/acme.yaml is in the repository");
    let parsed = netkit_model::parse(&bytes);
    assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
    let t = parsed.topology.expect("acme is valid");
    assert_eq!(t.name, "acme");
    assert_eq!(t.sites.len(), 3);
    assert_eq!(t.links.len(), 4);
    assert_eq!(t.addressing.growth_percent, 25);
    assert_eq!(t.links[0].bandwidth_bps, Some(100_000_000));
    let (_, servers) = t.segment("hq.servers").expect("hq.servers exists");
    assert_eq!(servers.named.len(), 2);
    assert_eq!(servers.named[0].services[0].to_string(), "tcp/445");
    let (site, seg, host) = t.named_host("hq.servers.intranet").expect("named host");
    assert_eq!(
        (site.name.as_str(), seg.name.as_str(), host.host),
        ("hq", "servers", 11)
    );
    assert!(t.named_host("hq.servers.nope").is_none());
    let l3: Vec<String> = t
        .layer3_devices()
        .map(|(s, d)| format!("{}.{}", s.name, d.name))
        .collect();
    assert_eq!(l3, ["hq.r1", "hq.fw1", "lyon.r1", "marseille.r1"]);
    assert_eq!(
        t.snmp.as_ref().and_then(|s| s.community.as_deref()),
        Some("${NETKIT_SNMP_COMMUNITY}")
    );
}
