//! Property-based fuzzing: random bytes and random mutations of `acme.yaml` never make
//! the parser panic, and whatever it accepts is a consistent topology.
//!
//! `PROPTEST_CASES=20000 cargo test -p netkit-model --release --test fuzz` for a longer run.

use std::collections::HashSet;

use netkit_model::{Parsed, Severity, Topology, parse};
use proptest::prelude::*;

const ACME: &str = include_str!("../../../inventories/acme.yaml");

/// What every result must satisfy, valid or not.
fn check_invariants(source: &[u8], p: &Parsed) {
    let has_errors = p.diagnostics.iter().any(|d| d.severity == Severity::Error);
    assert_eq!(
        p.topology.is_some(),
        !has_errors,
        "topology is Some iff no error"
    );
    for d in &p.diagnostics {
        assert!(!d.message.is_empty());
        assert!(
            d.hint.as_deref().is_some_and(|h| !h.is_empty()),
            "no hint: {}",
            d.message
        );
        if let Some(s) = d.span {
            assert!(s.line >= 1 && s.column >= 1, "bad position {s:?}");
            assert!(s.offset <= source.len(), "span past the end: {s:?}");
            assert!(s.offset + s.len <= source.len(), "span past the end: {s:?}");
        }
    }
    if let Some(t) = &p.topology {
        check_consistent(t);
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 63
        && !n.starts_with('-')
        && !n.ends_with('-')
        && n.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// An accepted topology keeps every rule of the format.
fn check_consistent(t: &Topology) {
    assert!(!t.name.is_empty());
    assert!(matches!(t.addressing.p2p_prefix, 30 | 31));
    let mut sites = HashSet::new();
    for s in &t.sites {
        assert!(valid_name(&s.name), "site name {:?}", s.name);
        assert!(sites.insert(&s.name), "duplicate site");
        let mut ids = HashSet::new();
        let mut vlans = HashSet::new();
        for d in &s.devices {
            assert!(valid_name(&d.name));
            assert!(ids.insert(&d.name), "duplicate device");
        }
        for g in &s.segments {
            assert!(valid_name(&g.name));
            assert!(ids.insert(&g.name), "device and segment share a name");
            assert!((1..=4094).contains(&g.vlan), "vlan {}", g.vlan);
            assert!(vlans.insert(g.vlan), "duplicate vlan");
            assert!(g.hosts >= 1);
            let gw = s.gateway_of(g).expect("every segment has a gateway");
            assert!(gw.kind.is_layer3());
            let mut offsets = HashSet::new();
            for h in &g.named {
                assert!(valid_name(&h.name));
                assert!(h.host >= 2);
                assert!(offsets.insert(h.host), "duplicate offset");
            }
            if let (Some(p), Some(sp)) = (g.prefix, s.prefix) {
                assert!(sp.contains(&p));
            }
        }
        if let Some(p) = s.prefix {
            assert!(t.addressing.ipv4.contains(&p));
        }
    }
    for l in &t.links {
        assert_ne!(l.a, l.b);
        for end in [&l.a, &l.b] {
            let (_, d) = t.device(end).expect("link ends exist");
            assert!(d.kind.is_layer3());
        }
        assert!(l.cost.is_none_or(|c| (1..=65535).contains(&c)));
        assert!(l.bandwidth_bps.is_none_or(|b| b > 0));
    }
    if let Some(i) = &t.internet {
        assert!(t.device(&i.edge).is_some_and(|(_, d)| d.kind.is_layer3()));
    }
    if let Some(d) = &t.dns {
        let mut parts = d.server.splitn(3, '.');
        let (s, g, h) = (parts.next(), parts.next(), parts.next());
        let (_, seg) = t
            .segment(&format!("{}.{}", s.unwrap_or(""), g.unwrap_or("")))
            .expect("dns server's segment exists");
        assert!(seg.named.iter().any(|n| Some(n.name.as_str()) == h));
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, &'static str),
    Replace(usize, u8),
    DuplicateLine(usize),
    SwapLines(usize, usize),
}

const SNIPPETS: &[&str] = &[
    ":", " ", "\n", "-", "- ", "[", "]", "{", "}", ",", "#", "&a ", "*a", "!!str ", "'", "\"",
    "\t", "0", "99999", "-1", "x", "r1", "hq.", ".r1", "10.", "/33", "::", "%", "~", "null",
    "true", "  ", "\n  ", "---\n", "|\n", ">-\n", "\u{e9}", "\0", "\u{feff}", "?", "<<: ",
];

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = ACME.len();
    prop_oneof![
        (0..n, 1..40usize).prop_map(|(a, l)| Mutation::Delete(a, l)),
        (0..n, prop::sample::select(SNIPPETS)).prop_map(|(a, s)| Mutation::Insert(a, s)),
        (0..n, any::<u8>()).prop_map(|(a, b)| Mutation::Replace(a, b)),
        (0..200usize).prop_map(Mutation::DuplicateLine),
        (0..200usize, 0..200usize).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
    ]
}

fn apply(mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = ACME.as_bytes().to_vec();
    for m in mutations {
        match *m {
            Mutation::Delete(a, l) => {
                let a = a.min(bytes.len());
                let b = (a + l).min(bytes.len());
                bytes.drain(a..b);
            }
            Mutation::Insert(a, s) => {
                let a = a.min(bytes.len());
                bytes.splice(a..a, s.bytes());
            }
            Mutation::Replace(a, b) => {
                if let Some(x) = bytes.get_mut(a) {
                    *x = b;
                }
            }
            Mutation::DuplicateLine(i) | Mutation::SwapLines(i, _) => {
                let mut lines: Vec<Vec<u8>> =
                    bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
                let len = lines.len();
                match *m {
                    Mutation::DuplicateLine(_) => {
                        let line = lines[i % len].clone();
                        lines.insert(i % len, line);
                    }
                    Mutation::SwapLines(_, j) => lines.swap(i % len, j % len),
                    _ => {}
                }
                bytes = lines.join(&b'\n');
            }
        }
    }
    bytes
}

/// `PROPTEST_CASES` overrides the default number of cases.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let p = parse(&bytes);
        check_invariants(&bytes, &p);
    }

    #[test]
    fn random_yaml_characters_never_panic(
        chars in prop::collection::vec(prop::sample::select(SNIPPETS), 0..300)
    ) {
        let text: String = chars.concat();
        let p = parse(text.as_bytes());
        check_invariants(text.as_bytes(), &p);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(1024), ..ProptestConfig::default() })]

    #[test]
    fn mutated_acme_never_panics(mutations in prop::collection::vec(mutation(), 1..6)) {
        let bytes = apply(&mutations);
        let p = parse(&bytes);
        check_invariants(&bytes, &p);
    }
}

#[test]
fn unmutated_acme_is_consistent() {
    let p = parse(ACME.as_bytes());
    assert!(p.diagnostics.is_empty());
    check_invariants(ACME.as_bytes(), &p);
}
