//! Hostile input ends with a clear error, never a panic or a stack overflow, and fast.
//! The time bound is a loose guard against exponential blow-ups (a real run takes
//! milliseconds), not a benchmark.

use std::time::{Duration, Instant};

use netkit_model::{Parsed, parse};

const GUARD: Duration = Duration::from_secs(60);

fn parse_guarded(bytes: &[u8]) -> Parsed {
    let start = Instant::now();
    let parsed = parse(bytes);
    let took = start.elapsed();
    assert!(took < GUARD, "parsing took {took:?}");
    assert!(
        parsed.topology.is_none(),
        "hostile input parsed as a topology"
    );
    assert!(!parsed.diagnostics.is_empty());
    for d in &parsed.diagnostics {
        assert!(d.hint.is_some(), "no hint for {}", d.message);
    }
    parsed
}

fn first_message(p: &Parsed) -> &str {
    &p.diagnostics[0].message
}

/// A small deterministic generator, so that the test needs no extra crate.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn billion_laughs_is_refused() {
    let mut s = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let mut prev = 'a';
    for c in "bcdefghijk".chars() {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        s.push_str(&format!("{c}: &{c} [{refs}]\n"));
        prev = c;
    }
    let p = parse_guarded(s.as_bytes());
    assert!(first_message(&p).contains("alias"), "{p:?}");
    assert!(p.diagnostics[0].span.is_some());
}

#[test]
fn megabytes_of_random_bytes() {
    let mut g = Lcg(7);
    let bytes: Vec<u8> = (0..netkit_model::MAX_BYTES)
        .map(|_| g.next() as u8)
        .collect();
    let p = parse_guarded(&bytes);
    assert!(first_message(&p).contains("UTF-8"), "{p:?}");
}

#[test]
fn five_megabytes_of_text_is_refused_by_size() {
    let bytes = b"name: x\n".repeat(5 * 1024 * 1024 / 8 + 1);
    let p = parse_guarded(&bytes);
    assert!(first_message(&p).contains("MB"), "{p:?}");
}

#[test]
fn megabytes_of_yaml_like_junk() {
    let alphabet = b"ab1: -[]{},\n#&*!|>'\" \t?%@`";
    let mut g = Lcg(11);
    let bytes: Vec<u8> = (0..netkit_model::MAX_BYTES)
        .map(|_| alphabet[(g.next() as usize) % alphabet.len()])
        .collect();
    parse_guarded(&bytes);
}

#[test]
fn megabytes_of_valid_yaml_values() {
    // Valid YAML under the size limit, but far too many values for a topology.
    let mut s = String::from("name: big\nsites:\n");
    let mut i = 0;
    while s.len() < netkit_model::MAX_BYTES - 100 {
        s.push_str(&format!("  s{i}: {{ location: x }}\n"));
        i += 1;
    }
    let p = parse_guarded(s.as_bytes());
    assert!(first_message(&p).contains("values"), "{p:?}");
}

#[test]
fn megabytes_in_one_scalar() {
    let s = format!("name: {}\n", "a".repeat(netkit_model::MAX_BYTES - 100));
    parse_guarded(s.as_bytes());
}

#[test]
fn ten_thousand_levels_of_flow_nesting() {
    for (open, close) in [("[", "]"), ("{a: ", "}")] {
        let s = format!(
            "name: x\naddressing: {}1{}\n",
            open.repeat(10_000),
            close.repeat(10_000)
        );
        let p = parse_guarded(s.as_bytes());
        assert!(
            first_message(&p).contains("recursion") || first_message(&p).contains("nest"),
            "{p:?}"
        );
    }
}

#[test]
fn ten_thousand_levels_of_block_nesting() {
    let mut s = String::new();
    for i in 0..10_000 {
        s.push_str(&" ".repeat(i));
        s.push_str("k:\n");
    }
    parse_guarded(s.as_bytes());
    let mut s = String::new();
    for i in 0..10_000 {
        s.push_str(&"  ".repeat(i));
        s.push_str("-\n");
    }
    parse_guarded(s.as_bytes());
}

#[test]
fn non_utf8_bytes_are_located() {
    let p = parse_guarded(b"name: acme\nsites:\n  caf\xe9: {}\n");
    let span = p.diagnostics[0].span.expect("a position");
    assert_eq!((span.line, span.column), (3, 6));
}

#[test]
fn empty_list_scalar_and_null_files() {
    for (src, word) in [
        (&b""[..], "empty"),
        (b"   \n\n# just comments\n", "empty"),
        (b"- a\n- b\n", "list"),
        (b"42\n", "42"),
        (b"~\n", "nothing"),
        (b"\xef\xbb\xbf", "empty"),
    ] {
        let p = parse_guarded(src);
        assert!(
            first_message(&p).contains(word),
            "{:?}: {p:?}",
            String::from_utf8_lossy(src)
        );
    }
}

#[test]
fn a_nul_byte_is_an_error_not_a_panic() {
    parse_guarded(b"name: a\0b\naddressing: {}\n");
}

/// A 1,000-switch uplink chain (the most a site may have) and a 1,000-switch loop:
/// checked in linear time, the loop reported once.
#[test]
fn long_uplink_chains_and_loops_stay_fast() {
    for closed in [false, true] {
        let mut y = String::from(
            "name: big\naddressing: { ipv4: 10.0.0.0/8 }\nsites:\n  hq:\n    devices:\n      r1: { kind: router }\n",
        );
        for i in 0..1000 {
            let up = if i == 0 {
                if closed {
                    "sw999".to_string()
                } else {
                    "r1".to_string()
                }
            } else {
                format!("sw{}", i - 1)
            };
            y.push_str(&format!(
                "      sw{i}: {{ kind: switch, ports: 4, uplink: {up} }}\n"
            ));
        }
        y.push_str("    segments: { users: { vlan: 10, hosts: 10, access: { sw999: 2 } } }\n");
        let t = std::time::Instant::now();
        let parsed = netkit_model::parse(y.as_bytes());
        assert!(t.elapsed() < std::time::Duration::from_secs(10));
        let loops = parsed
            .diagnostics
            .iter()
            .filter(|d| d.message.starts_with("uplink loop"))
            .count();
        assert_eq!(
            loops,
            usize::from(closed),
            "{:?}",
            parsed.diagnostics.first()
        );
        assert_eq!(parsed.topology.is_some(), !closed);
    }
}
