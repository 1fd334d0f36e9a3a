//! A hand-written JSON writer for routing tables: the bytes serde_json's pretty
//! printer (two-space indent) gives for one `"id": [routes]` entry of the plan's
//! `routes` object, written straight into a reused buffer. Routing tables are
//! nearly all of a large plan's bytes (618 MB at 1,000 sites); going through serde
//! (a `Formatter` call per token, `Display` for every address and number) cost
//! more than computing the tables. Byte-identical output is tested against
//! serde_json in this module's tests and in `tests/stream_json.rs`.

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use crate::{Route, RouteKind};

/// Append `    "id": [ ... ]` (no final newline): the entry of `id` inside the
/// plan's `routes` object, as `serde_json::to_vec_pretty` of the whole plan
/// writes it.
pub(crate) fn write_entry(buf: &mut Vec<u8>, id: &str, table: &[Route]) {
    // ~200 bytes per route: one reservation instead of a few doublings.
    buf.reserve(32 + id.len() + table.len() * 200);
    buf.extend_from_slice(b"    ");
    string(buf, id);
    if table.is_empty() {
        buf.extend_from_slice(b": []");
        return;
    }
    buf.extend_from_slice(b": [");
    for (k, r) in table.iter().enumerate() {
        buf.extend_from_slice(if k == 0 {
            b"\n      {\n        \"destination\": \""
        } else {
            b",\n      {\n        \"destination\": \""
        });
        net(buf, r.destination);
        buf.extend_from_slice(b"\",\n        \"next_hop\": ");
        match r.next_hop {
            Some(a) => {
                buf.push(b'"');
                addr(buf, a);
                buf.push(b'"');
            }
            None => buf.extend_from_slice(b"null"),
        }
        buf.extend_from_slice(b",\n        \"interface\": ");
        string(buf, &r.interface);
        buf.extend_from_slice(b",\n        \"metric\": ");
        u32_dec(buf, r.metric);
        buf.extend_from_slice(match r.kind {
            RouteKind::Connected => b",\n        \"kind\": \"connected\"",
            RouteKind::Static => b",\n        \"kind\": \"static\"",
            RouteKind::Default => b",\n        \"kind\": \"default\"",
            RouteKind::Ospf => b",\n        \"kind\": \"ospf\"",
        });
        if let Some(d) = &r.describes {
            buf.extend_from_slice(b",\n        \"describes\": ");
            string(buf, d);
        }
        buf.extend_from_slice(b"\n      }");
    }
    buf.extend_from_slice(b"\n    ]");
}

/// A JSON string with serde_json's escapes: `"`, `\`, and control characters
/// (`\b \t \n \f \r`, else `\u00xx` in lowercase hex); everything else raw.
fn string(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            0x00..=0x1f => b"",
            _ => continue,
        };
        buf.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            buf.extend_from_slice(b"\\u00");
            buf.push(HEX[usize::from(b >> 4)]);
            buf.push(HEX[usize::from(b & 0xf)]);
        } else {
            buf.extend_from_slice(esc);
        }
        start = i + 1;
    }
    buf.extend_from_slice(&bytes[start..]);
    buf.push(b'"');
}

fn net(buf: &mut Vec<u8>, n: IpNet) {
    match n {
        IpNet::V4(n) => {
            v4(buf, n.addr());
            buf.push(b'/');
            u8_dec(buf, n.prefix_len());
        }
        // IPv6 text (RFC 5952 compression) is rare next to IPv4: the standard
        // library's formatting, which serde_json uses too.
        IpNet::V6(n) => {
            let _ = write!(buf, "{n}");
        }
    }
}

fn addr(buf: &mut Vec<u8>, a: IpAddr) {
    match a {
        IpAddr::V4(a) => v4(buf, a),
        IpAddr::V6(a) => {
            let _ = write!(buf, "{a}");
        }
    }
}

fn v4(buf: &mut Vec<u8>, a: Ipv4Addr) {
    let [a, b, c, d] = a.octets();
    u8_dec(buf, a);
    buf.push(b'.');
    u8_dec(buf, b);
    buf.push(b'.');
    u8_dec(buf, c);
    buf.push(b'.');
    u8_dec(buf, d);
}

/// Decimal digits of an octet, pushed one by one (no copy call for 1 to 3 bytes).
fn u8_dec(buf: &mut Vec<u8>, n: u8) {
    if n >= 100 {
        buf.push(b'0' + n / 100);
    }
    if n >= 10 {
        buf.push(b'0' + (n / 10) % 10);
    }
    buf.push(b'0' + n % 10);
}

/// Decimal digits of `n`, no sign, no leading zeros.
fn u32_dec(buf: &mut Vec<u8>, n: u32) {
    if let Ok(small) = u8::try_from(n) {
        return u8_dec(buf, small);
    }
    let mut tmp = [0u8; 10];
    let mut i = tmp.len();
    let mut n = n;
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    /// serde_json's bytes for the same entry (what `stream.rs` used before).
    fn serde_entry(id: &str, table: &[Route]) -> Vec<u8> {
        #[derive(serde::Serialize)]
        struct Wrapper<'a> {
            routes: BTreeMap<&'a str, &'a [Route]>,
        }
        let open: &[u8] = b"{\n  \"routes\": {\n";
        let close: &[u8] = b"\n  }\n}";
        let w = Wrapper {
            routes: BTreeMap::from([(id, table)]),
        };
        let mut bytes = serde_json::to_vec_pretty(&w).expect("serializes");
        assert!(bytes.starts_with(open) && bytes.ends_with(close));
        bytes.truncate(bytes.len() - close.len());
        bytes.drain(..open.len());
        bytes
    }

    fn kind() -> impl Strategy<Value = RouteKind> {
        prop_oneof![
            Just(RouteKind::Connected),
            Just(RouteKind::Static),
            Just(RouteKind::Default),
            Just(RouteKind::Ospf),
        ]
    }

    fn ip() -> impl Strategy<Value = IpAddr> {
        prop_oneof![
            any::<u32>().prop_map(|v| IpAddr::V4(Ipv4Addr::from(v))),
            any::<u128>().prop_map(|v| IpAddr::V6(std::net::Ipv6Addr::from(v))),
            // Runs of zeros, the cases of `::` compression.
            (any::<u16>(), 0usize..8).prop_map(|(v, at)| {
                let mut s = [0u16; 8];
                s[at] = v;
                IpAddr::V6(std::net::Ipv6Addr::from(s))
            }),
        ]
    }

    fn route() -> impl Strategy<Value = Route> {
        (
            ip(),
            0u8..=128,
            proptest::option::of(ip()),
            // Any text: quotes, backslashes, controls, non-ASCII.
            any::<String>(),
            any::<u32>(),
            kind(),
            proptest::option::of(any::<String>()),
        )
            .prop_map(|(a, len, next_hop, interface, metric, kind, describes)| {
                let destination = match a {
                    IpAddr::V4(a) => IpNet::V4(ipnet::Ipv4Net::new(a, len % 33).expect("len")),
                    IpAddr::V6(a) => IpNet::V6(ipnet::Ipv6Net::new(a, len).expect("len")),
                };
                Route {
                    destination,
                    next_hop,
                    interface,
                    metric,
                    kind,
                    describes,
                }
            })
    }

    proptest! {
        #[test]
        fn same_bytes_as_serde_json(
            id in any::<String>(),
            table in proptest::collection::vec(route(), 0..6),
        ) {
            let mut mine = b"left over".to_vec();
            write_entry(&mut mine, &id, &table);
            let theirs = serde_entry(&id, &table);
            prop_assert_eq!(
                String::from_utf8_lossy(&mine[9..]),
                String::from_utf8_lossy(&theirs)
            );
            prop_assert_eq!(&mine[..9], b"left over");
        }
    }

    #[test]
    fn every_control_character_and_escape() {
        let all: String = (0u8..0x80).map(char::from).collect::<String>() + "é\u{202e}\u{7f}";
        let r = Route {
            destination: "10.0.0.0/8".parse().expect("net"),
            next_hop: None,
            interface: all.clone(),
            metric: u32::MAX,
            kind: RouteKind::Default,
            describes: Some(all.clone()),
        };
        let mut mine = Vec::new();
        write_entry(&mut mine, &all, std::slice::from_ref(&r));
        assert_eq!(mine, serde_entry(&all, &[r]));
        let mut empty = Vec::new();
        write_entry(&mut empty, "a.r1", &[]);
        assert_eq!(empty, serde_entry("a.r1", &[]));
        assert_eq!(empty, b"    \"a.r1\": []");
    }
}
