//! The few MIB objects netkit reads, by name (no MIB files are needed).

use std::str::FromStr;

use crate::oid::{Oid, ParseOidError};

pub const SYSTEM: &[u32] = &[1, 3, 6, 1, 2, 1, 1];
pub const SYS_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 1, 0];
pub const SYS_OBJECT_ID: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 2, 0];
pub const SYS_UPTIME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 3, 0];
pub const SYS_CONTACT: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 4, 0];
pub const SYS_NAME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 5, 0];
pub const SYS_LOCATION: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 6, 0];

/// IF-MIB ifTable entry (`ifEntry`) and its columns.
pub const IF_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1];
pub const IF_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2];
pub const IF_DESCR: u32 = 2;
pub const IF_TYPE: u32 = 3;
pub const IF_MTU: u32 = 4;
pub const IF_SPEED: u32 = 5;
pub const IF_PHYS_ADDRESS: u32 = 6;
pub const IF_ADMIN_STATUS: u32 = 7;
pub const IF_OPER_STATUS: u32 = 8;

/// IF-MIB ifXTable entry and its columns.
pub const IFX_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1];
pub const IFX_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1];
pub const IF_NAME: u32 = 1;
pub const IF_HIGH_SPEED: u32 = 15;
pub const IF_ALIAS: u32 = 18;

/// IP-MIB ipAddressTable entry (RFC 4293) and its columns.
pub const IP_ADDRESS_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 34, 1];
pub const IP_ADDRESS_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 34];
pub const IP_ADDRESS_IF_INDEX: u32 = 3;
pub const IP_ADDRESS_TYPE: u32 = 4;
pub const IP_ADDRESS_PREFIX: u32 = 5;

/// IP-MIB ipAddrTable entry (RFC 1213, IPv4 only) and its columns.
pub const IP_ADDR_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 20, 1];
pub const IP_ADDR_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 20];
pub const IP_AD_ENT_IF_INDEX: u32 = 2;
pub const IP_AD_ENT_NET_MASK: u32 = 3;

/// IP-FORWARD-MIB inetCidrRouteTable entry (RFC 4292) and its columns.
pub const INET_CIDR_ROUTE_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 24, 7, 1];
pub const INET_CIDR_ROUTE_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 24, 7];
pub const INET_CIDR_ROUTE_IF_INDEX: u32 = 7;
pub const INET_CIDR_ROUTE_TYPE: u32 = 8;
pub const INET_CIDR_ROUTE_PROTO: u32 = 9;
pub const INET_CIDR_ROUTE_METRIC1: u32 = 12;

/// IP-FORWARD-MIB ipCidrRouteTable entry (RFC 2096, IPv4 only) and its columns.
pub const IP_CIDR_ROUTE_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 24, 4, 1];
pub const IP_CIDR_ROUTE_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 24, 4];
pub const IP_CIDR_ROUTE_IF_INDEX: u32 = 5;
pub const IP_CIDR_ROUTE_TYPE: u32 = 6;
pub const IP_CIDR_ROUTE_PROTO: u32 = 7;
pub const IP_CIDR_ROUTE_METRIC1: u32 = 11;

/// USM statistics reported by agents (RFC 3414).
pub const USM_STATS: &[u32] = &[1, 3, 6, 1, 6, 3, 15, 1, 1];

/// net-snmp's nsCacheTable (NET-SNMP-AGENT-MIB): per-table cache timeouts.
pub const NS_CACHE_TIMEOUT: &[u32] = &[1, 3, 6, 1, 4, 1, 8072, 1, 5, 3, 1, 2];

const NAMES: &[(&str, &[u32])] = &[
    ("system", SYSTEM),
    ("sysDescr", SYS_DESCR),
    ("sysObjectID", SYS_OBJECT_ID),
    ("sysUpTime", SYS_UPTIME),
    ("sysContact", SYS_CONTACT),
    ("sysName", SYS_NAME),
    ("sysLocation", SYS_LOCATION),
    ("interfaces", &[1, 3, 6, 1, 2, 1, 2]),
    ("ifTable", IF_TABLE),
    ("ifXTable", IFX_TABLE),
    ("ip", &[1, 3, 6, 1, 2, 1, 4]),
    ("ipAddressTable", IP_ADDRESS_TABLE),
    ("ipAddrTable", IP_ADDR_TABLE),
    ("ipForward", &[1, 3, 6, 1, 2, 1, 4, 24]),
    ("inetCidrRouteTable", INET_CIDR_ROUTE_TABLE),
    ("ipCidrRouteTable", IP_CIDR_ROUTE_TABLE),
    ("mib-2", &[1, 3, 6, 1, 2, 1]),
    ("mib2", &[1, 3, 6, 1, 2, 1]),
    ("nsCacheTable", &[1, 3, 6, 1, 4, 1, 8072, 1, 5, 3]),
];

/// The OID of a name netkit knows (`ifTable`, `system`, `inetCidrRouteTable`...),
/// case-insensitive, optionally with a numeric suffix (`ifTable.1.2`).
pub fn by_name(text: &str) -> Option<Oid> {
    let (head, tail) = match text.find('.') {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, ""),
    };
    let (_, arcs) = NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(head))?;
    let mut oid = Oid::new(arcs);
    if !tail.is_empty() {
        for part in tail.split('.') {
            oid.0.push(part.parse().ok()?);
        }
    }
    Some(oid)
}

/// The short name of a known OID prefix plus the rest, for display: `ifDescr.3`
/// is not attempted; `ifTable.1.2.3` is.
pub fn describe(oid: &Oid) -> Option<String> {
    NAMES
        .iter()
        .filter(|(_, arcs)| oid.0.starts_with(arcs))
        .max_by_key(|(_, arcs)| arcs.len())
        .map(|(name, arcs)| {
            let rest = &oid.0[arcs.len()..];
            if rest.is_empty() {
                (*name).to_string()
            } else {
                let r: Vec<String> = rest.iter().map(u32::to_string).collect();
                format!("{name}.{}", r.join("."))
            }
        })
}

/// Parsing lives next to the names it knows, so that `oid` needs nothing from here.
impl FromStr for Oid {
    type Err = ParseOidError;

    /// Dotted numbers (`1.3.6.1.2.1.1`, a leading dot allowed) or one of the
    /// names netkit knows (`ifTable`, `system`...; see [`by_name`]).
    fn from_str(s: &str) -> Result<Oid, ParseOidError> {
        let t = s.trim();
        if let Some(oid) = by_name(t) {
            return Ok(oid);
        }
        let t = t.strip_prefix('.').unwrap_or(t);
        let err = || ParseOidError {
            text: s.to_string(),
        };
        if t.is_empty() {
            return Err(err());
        }
        let arcs: Result<Vec<u32>, _> = t.split('.').map(|p| p.parse::<u32>()).collect();
        let arcs = arcs.map_err(|_| err())?;
        if arcs.len() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40) {
            return Err(err());
        }
        Ok(Oid(arcs))
    }
}
