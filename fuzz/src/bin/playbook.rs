//! The acceptance playbook parser: any text as a playbook file. Must never
//! panic; an error list is never empty.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(errors) = netkit_verify::playbook::parse(std::path::Path::new("fuzz.yaml"), text) {
        assert!(!errors.is_empty());
    }
});
