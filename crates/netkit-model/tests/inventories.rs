//! Every bundled example topology (`inventories/*.yaml`) parses with no diagnostic at all.

#[test]
fn every_inventory_parses_cleanly() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../inventories");
    let mut seen = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("inventories/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    entries.sort();
    for path in entries {
        let bytes = std::fs::read(&path).expect("inventory is readable");
        let parsed = netkit_model::parse(&bytes);
        let name = path.display().to_string();
        let rendered: Vec<String> = parsed
            .diagnostics
            .iter()
            .map(|d| d.display_with(&name).to_string())
            .collect();
        assert!(rendered.is_empty(), "{}", rendered.join("\n"));
        assert!(parsed.topology.is_some(), "{name}");
        seen += 1;
    }
    assert!(seen >= 1, "no inventory found in {dir}");
}
