//! Wi-Fi passphrases checked against the environment in the same pass as the rest of
//! the file (`parse_with_secrets`): a passphrase of the wrong length is reported with
//! every other problem, at its line and column, without its value; an unset variable
//! adds nothing (it is a warning of `check_secrets`, for `validate`).

use netkit_model::{Severity, parse, parse_with_secrets};

const INVALID: &str = include_str!("../test_data/invalid/access_layer.yaml");

#[test]
fn a_wrong_length_passphrase_is_reported_with_the_other_problems() {
    let lookup = |name: &str| (name == "NETKIT_WIFI_STAFF").then(|| "short".to_string());
    let with = parse_with_secrets(INVALID.as_bytes(), &lookup);
    let without = parse(INVALID.as_bytes());
    assert!(with.topology.is_none());
    let messages: Vec<String> = with.diagnostics.iter().map(|d| d.message.clone()).collect();
    let passphrase: Vec<&netkit_model::Diagnostic> = with
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("NETKIT_WIFI_STAFF") && d.message.contains("5 characters"))
        .collect();
    assert_eq!(passphrase.len(), 1, "{messages:#?}");
    let d = passphrase[0];
    assert_eq!(d.severity, Severity::Error);
    let at = d.span.expect("a span");
    let line = INVALID[..at.offset].lines().count();
    assert!(
        INVALID
            .lines()
            .nth(line - 1)
            .is_some_and(|l| l.contains("${NETKIT_WIFI_STAFF}")),
        "points at the passphrase: line {line}"
    );
    assert!(
        !messages.iter().any(|m| m.contains("short")),
        "the value is never shown"
    );
    // Everything else is still there, in file order.
    assert_eq!(with.diagnostics.len(), without.diagnostics.len() + 1);
    assert!(messages.iter().any(|m| m.contains("needs 10 ports")));
    let offsets: Vec<usize> = with
        .diagnostics
        .iter()
        .filter_map(|d| d.span.map(|s| s.offset))
        .collect();
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");

    // Unset variables add nothing here.
    let unset = parse_with_secrets(INVALID.as_bytes(), &|_| None);
    assert_eq!(unset.diagnostics, without.diagnostics);
}
