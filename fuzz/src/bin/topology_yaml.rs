//! The YAML walker: any bytes as a topology file. Must never panic, and a
//! result is either a topology or at least one diagnostic.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let parsed = netkit_model::parse(data);
    assert!(parsed.topology.is_some() || !parsed.diagnostics.is_empty());
});
