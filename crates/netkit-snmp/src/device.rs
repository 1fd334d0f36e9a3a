//! What a device reports: system group, IF-MIB interfaces, IP-MIB addresses and
//! IP-FORWARD-MIB routes, read with bounded walks and decoded from table indexes.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::Serialize;

use crate::client::{Client, WalkLimits};
use crate::credentials::Result;
use crate::mib;
use crate::oid::Oid;
use crate::pdu::{Value, VarBind};

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SystemInfo {
    pub name: Option<String>,
    pub descr: Option<String>,
    pub object_id: Option<String>,
    /// sysUpTime in hundredths of a second.
    pub uptime_ticks: Option<u64>,
    pub contact: Option<String>,
    pub location: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Interface {
    pub index: u32,
    /// ifName (IF-MIB ifXTable), else ifDescr.
    pub name: String,
    pub descr: Option<String>,
    pub alias: Option<String>,
    pub if_type: Option<i64>,
    pub mtu: Option<i64>,
    /// `up`, `down`, `testing` or the number.
    pub admin: String,
    /// `up`, `down`, `lowerLayerDown`, ... or the number.
    pub oper: String,
    /// ifHighSpeed × 10^6 when the agent has it, else ifSpeed; `None` when the
    /// agent reports 0 (unknown).
    pub speed_bps: Option<u64>,
    pub mac: Option<String>,
}

impl Interface {
    pub fn admin_up(&self) -> bool {
        self.admin == "up"
    }

    pub fn oper_up(&self) -> bool {
        self.oper == "up"
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Address {
    pub if_index: u32,
    /// Interface name when known.
    pub interface: Option<String>,
    pub address: IpAddr,
    /// `None` when the agent does not say.
    pub prefix_len: Option<u8>,
}

/// RFC 4292 route types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteType {
    Other,
    Reject,
    /// Directly connected (`local(3)`).
    Local,
    /// Through a next hop (`remote(4)`).
    Remote,
    Blackhole,
}

impl RouteType {
    fn from_i64(v: i64) -> RouteType {
        match v {
            2 => RouteType::Reject,
            3 => RouteType::Local,
            4 => RouteType::Remote,
            5 => RouteType::Blackhole,
            _ => RouteType::Other,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RouteEntry {
    pub destination: IpNet,
    /// `None` for directly connected routes (next hop 0.0.0.0 or ::).
    pub next_hop: Option<IpAddr>,
    pub if_index: u32,
    pub interface: Option<String>,
    pub route_type: RouteType,
    /// IANA ip route protocol (2 local, 3 netmgmt/static, 13 ospf...).
    pub proto: Option<i64>,
    pub metric: Option<i64>,
}

/// Everything netkit read from a device.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DeviceState {
    pub system: SystemInfo,
    pub interfaces: Vec<Interface>,
    pub addresses: Vec<Address>,
    pub routes: Vec<RouteEntry>,
    /// The tables the addresses and routes came from (`ipAddressTable` or
    /// `ipAddrTable`; `inetCidrRouteTable` or `ipCidrRouteTable`).
    pub address_table: String,
    pub route_table: String,
}

impl DeviceState {
    pub fn interface(&self, index: u32) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.index == index)
    }

    pub fn interface_named(&self, name: &str) -> Option<&Interface> {
        self.interfaces.iter().find(|i| i.name == name).or_else(|| {
            self.interfaces
                .iter()
                .find(|i| i.descr.as_deref() == Some(name))
        })
    }
}

/// Read system, interfaces, addresses and routes.
///
/// # Errors
/// Any request or walk error (see [`crate::credentials::Error`]).
pub async fn read_device(client: &mut Client, limits: WalkLimits) -> Result<DeviceState> {
    let system = read_system(client).await?;
    let interfaces = read_interfaces(client, limits).await?;
    let (mut addresses, address_table) = read_addresses(client, limits).await?;
    let (mut routes, route_table) = read_routes(client, limits).await?;
    let name_of = |idx: u32| {
        interfaces
            .iter()
            .find(|i| i.index == idx)
            .map(|i| i.name.clone())
    };
    for a in &mut addresses {
        a.interface = name_of(a.if_index);
    }
    for r in &mut routes {
        r.interface = name_of(r.if_index);
    }
    Ok(DeviceState {
        system,
        interfaces,
        addresses,
        routes,
        address_table,
        route_table,
    })
}

/// The system group scalars (one GET).
///
/// # Errors
/// Any request error.
pub async fn read_system(client: &mut Client) -> Result<SystemInfo> {
    let oids: Vec<Oid> = [
        mib::SYS_NAME,
        mib::SYS_DESCR,
        mib::SYS_OBJECT_ID,
        mib::SYS_UPTIME,
        mib::SYS_CONTACT,
        mib::SYS_LOCATION,
    ]
    .iter()
    .map(|a| Oid::new(a))
    .collect();
    let vbs = client.get(&oids).await?;
    let val = |i: usize| vbs.get(i).map(|vb| &vb.value).filter(|v| !v.is_exception());
    Ok(SystemInfo {
        name: val(0).and_then(Value::as_text),
        descr: val(1).and_then(Value::as_text),
        object_id: val(2).map(|v| v.to_string()),
        uptime_ticks: val(3).and_then(Value::as_u64),
        contact: val(4).and_then(Value::as_text),
        location: val(5).and_then(Value::as_text),
    })
}

/// Rows of a table: index suffix -> column -> value.
type Rows = BTreeMap<Vec<u32>, BTreeMap<u32, Value>>;

async fn walk_table(
    client: &mut Client,
    entry: &[u32],
    columns: &[u32],
    limits: WalkLimits,
) -> Result<Rows> {
    let entry = Oid::new(entry);
    let roots: Vec<Oid> = columns.iter().map(|c| entry.child(&[*c])).collect();
    let cols = client.walk_columns(&roots, limits).await?;
    Ok(assemble(&entry, cols.into_iter().flatten()))
}

fn assemble(entry: &Oid, vbs: impl Iterator<Item = VarBind>) -> Rows {
    let mut rows = Rows::new();
    for vb in vbs {
        if let Some([col, index @ ..]) = vb.oid.suffix(entry)
            && !index.is_empty()
        {
            rows.entry(index.to_vec())
                .or_default()
                .insert(*col, vb.value);
        }
    }
    rows
}

fn oper_name(v: i64) -> String {
    match v {
        1 => "up",
        2 => "down",
        3 => "testing",
        4 => "unknown",
        5 => "dormant",
        6 => "notPresent",
        7 => "lowerLayerDown",
        _ => return v.to_string(),
    }
    .to_string()
}

/// IF-MIB ifTable joined with ifXTable by ifIndex.
///
/// # Errors
/// Any walk error.
pub async fn read_interfaces(client: &mut Client, limits: WalkLimits) -> Result<Vec<Interface>> {
    let if_entry = Oid::new(mib::IF_ENTRY);
    let ifx_entry = Oid::new(mib::IFX_ENTRY);
    let if_cols = [
        mib::IF_DESCR,
        mib::IF_TYPE,
        mib::IF_MTU,
        mib::IF_SPEED,
        mib::IF_PHYS_ADDRESS,
        mib::IF_ADMIN_STATUS,
        mib::IF_OPER_STATUS,
    ];
    let ifx_cols = [mib::IF_NAME, mib::IF_HIGH_SPEED, mib::IF_ALIAS];
    let mut roots: Vec<Oid> = if_cols.iter().map(|c| if_entry.child(&[*c])).collect();
    roots.extend(ifx_cols.iter().map(|c| ifx_entry.child(&[*c])));
    let cols = client.walk_columns(&roots, limits).await?;
    let (if_part, ifx_part) = cols.split_at(if_cols.len());
    let base = assemble(&if_entry, if_part.iter().flatten().cloned());
    let ext = assemble(&ifx_entry, ifx_part.iter().flatten().cloned());
    let mut out = Vec::new();
    for (index, row) in &base {
        let [idx] = index.as_slice() else { continue };
        let x = ext.get(index);
        let text = |m: Option<&BTreeMap<u32, Value>>, c: u32| {
            m.and_then(|m| m.get(&c))
                .and_then(Value::as_text)
                .filter(|s| !s.is_empty())
        };
        let descr = text(Some(row), mib::IF_DESCR);
        let name = text(x, mib::IF_NAME)
            .or_else(|| descr.clone())
            .unwrap_or_else(|| format!("ifIndex {idx}"));
        let high = x
            .and_then(|m| m.get(&mib::IF_HIGH_SPEED))
            .and_then(Value::as_u64)
            .filter(|v| *v > 0)
            .map(|v| v * 1_000_000);
        let low = row
            .get(&mib::IF_SPEED)
            .and_then(Value::as_u64)
            .filter(|v| *v > 0);
        // ifSpeed saturates at 4 294 967 295: prefer ifHighSpeed when present.
        let speed_bps = high.or(low);
        let status = |c: u32| {
            row.get(&c)
                .and_then(Value::as_i64)
                .map(oper_name)
                .unwrap_or_else(|| "unknown".into())
        };
        let mac = row
            .get(&mib::IF_PHYS_ADDRESS)
            .and_then(Value::as_bytes)
            .filter(|b| !b.is_empty())
            .map(|b| {
                b.iter()
                    .map(|c| format!("{c:02x}"))
                    .collect::<Vec<_>>()
                    .join(":")
            });
        out.push(Interface {
            index: *idx,
            name,
            descr,
            alias: text(x, mib::IF_ALIAS),
            if_type: row.get(&mib::IF_TYPE).and_then(Value::as_i64),
            mtu: row.get(&mib::IF_MTU).and_then(Value::as_i64),
            admin: status(mib::IF_ADMIN_STATUS),
            oper: status(mib::IF_OPER_STATUS),
            speed_bps,
            mac,
        });
    }
    Ok(out)
}

/// An InetAddress index part: type, length, bytes. Returns the address and the
/// rest of the index. Zoned types (ipv4z, ipv6z) drop the zone.
fn inet_address(index: &[u32]) -> Option<(IpAddr, &[u32])> {
    let (&kind, rest) = index.split_first()?;
    let (&len, rest) = rest.split_first()?;
    let len = usize::try_from(len).ok()?;
    if rest.len() < len {
        return None;
    }
    let (bytes, rest) = rest.split_at(len);
    let bytes: Vec<u8> = bytes
        .iter()
        .map(|b| u8::try_from(*b).ok())
        .collect::<Option<_>>()?;
    let addr = match (kind, len) {
        (1, 4) | (3, 8) => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        (2, 16) | (4, 20) => {
            let mut b = [0u8; 16];
            b.copy_from_slice(&bytes[..16]);
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some((addr, rest))
}

fn ipv4_of(arcs: &[u32]) -> Option<Ipv4Addr> {
    let b: Vec<u8> = arcs
        .iter()
        .map(|b| u8::try_from(*b).ok())
        .collect::<Option<_>>()?;
    let b: [u8; 4] = b.try_into().ok()?;
    Some(Ipv4Addr::from(b))
}

/// IP-MIB ipAddressTable (IPv4 and IPv6), or ipAddrTable when the agent has no
/// ipAddressTable. Returns the addresses and the table's name.
///
/// # Errors
/// Any walk error.
pub async fn read_addresses(
    client: &mut Client,
    limits: WalkLimits,
) -> Result<(Vec<Address>, String)> {
    let rows = walk_table(
        client,
        mib::IP_ADDRESS_ENTRY,
        &[
            mib::IP_ADDRESS_IF_INDEX,
            mib::IP_ADDRESS_TYPE,
            mib::IP_ADDRESS_PREFIX,
        ],
        limits,
    )
    .await?;
    let prefix_table = Oid::new(&[1, 3, 6, 1, 2, 1, 4, 32, 1]);
    let mut out = Vec::new();
    for (index, row) in &rows {
        let Some((address, rest)) = inet_address(index) else {
            continue;
        };
        if !rest.is_empty() {
            continue;
        }
        // Only unicast addresses (ipAddressType 1); anycast and broadcast are not
        // interface addresses in the plan's sense.
        if row
            .get(&mib::IP_ADDRESS_TYPE)
            .and_then(Value::as_i64)
            .is_some_and(|t| t != 1)
        {
            continue;
        }
        let Some(if_index) = row
            .get(&mib::IP_ADDRESS_IF_INDEX)
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
        else {
            continue;
        };
        let prefix_len = match row.get(&mib::IP_ADDRESS_PREFIX) {
            Some(Value::Oid(o)) if o.starts_with(&prefix_table) => {
                o.arcs().last().and_then(|v| u8::try_from(*v).ok())
            }
            _ => None,
        };
        out.push(Address {
            if_index,
            interface: None,
            address,
            prefix_len,
        });
    }
    if !out.is_empty() {
        return Ok((out, "ipAddressTable".into()));
    }
    let rows = walk_table(
        client,
        mib::IP_ADDR_ENTRY,
        &[mib::IP_AD_ENT_IF_INDEX, mib::IP_AD_ENT_NET_MASK],
        limits,
    )
    .await?;
    for (index, row) in &rows {
        let Some(addr) = ipv4_of(index) else { continue };
        let Some(if_index) = row
            .get(&mib::IP_AD_ENT_IF_INDEX)
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
        else {
            continue;
        };
        let prefix_len = match row.get(&mib::IP_AD_ENT_NET_MASK) {
            Some(Value::IpAddress(m)) => mask_len(*m),
            _ => None,
        };
        out.push(Address {
            if_index,
            interface: None,
            address: IpAddr::V4(addr),
            prefix_len,
        });
    }
    Ok((out, "ipAddrTable".into()))
}

/// Prefix length of a contiguous netmask.
fn mask_len(m: Ipv4Addr) -> Option<u8> {
    let v = u32::from(m);
    let ones = v.leading_ones();
    if v.checked_shl(ones).unwrap_or(0) == 0 {
        u8::try_from(ones).ok()
    } else {
        None
    }
}

fn unspecified_to_none(a: IpAddr) -> Option<IpAddr> {
    if a.is_unspecified() { None } else { Some(a) }
}

/// IP-FORWARD-MIB inetCidrRouteTable, or ipCidrRouteTable when the agent has
/// no inetCidrRouteTable. Returns the routes and the table's name.
///
/// # Errors
/// Any walk error.
pub async fn read_routes(
    client: &mut Client,
    limits: WalkLimits,
) -> Result<(Vec<RouteEntry>, String)> {
    let rows = walk_table(
        client,
        mib::INET_CIDR_ROUTE_ENTRY,
        &[
            mib::INET_CIDR_ROUTE_IF_INDEX,
            mib::INET_CIDR_ROUTE_TYPE,
            mib::INET_CIDR_ROUTE_PROTO,
            mib::INET_CIDR_ROUTE_METRIC1,
        ],
        limits,
    )
    .await?;
    let mut out = Vec::new();
    for (index, row) in &rows {
        // dest (type, len, bytes), prefix length, policy (len, arcs), next hop.
        let Some((dest, rest)) = inet_address(index) else {
            continue;
        };
        let Some((&pfx, rest)) = rest.split_first() else {
            continue;
        };
        let Some((&policy_len, rest)) = rest.split_first() else {
            continue;
        };
        let Ok(policy_len) = usize::try_from(policy_len) else {
            continue;
        };
        if rest.len() < policy_len {
            continue;
        }
        let rest = &rest[policy_len..];
        let Some((next_hop, _)) = inet_address(rest) else {
            continue;
        };
        let Ok(pfx) = u8::try_from(pfx) else { continue };
        let Ok(destination) = IpNet::new(dest, pfx) else {
            continue;
        };
        out.push(route_from_row(
            destination,
            next_hop,
            row,
            mib::INET_CIDR_ROUTE_IF_INDEX,
            mib::INET_CIDR_ROUTE_TYPE,
            mib::INET_CIDR_ROUTE_PROTO,
            mib::INET_CIDR_ROUTE_METRIC1,
        ));
    }
    if !out.is_empty() {
        return Ok((out, "inetCidrRouteTable".into()));
    }
    let rows = walk_table(
        client,
        mib::IP_CIDR_ROUTE_ENTRY,
        &[
            mib::IP_CIDR_ROUTE_IF_INDEX,
            mib::IP_CIDR_ROUTE_TYPE,
            mib::IP_CIDR_ROUTE_PROTO,
            mib::IP_CIDR_ROUTE_METRIC1,
        ],
        limits,
    )
    .await?;
    for (index, row) in &rows {
        if index.len() != 13 {
            continue;
        }
        let (Some(dest), Some(mask), Some(nh)) = (
            ipv4_of(&index[0..4]),
            ipv4_of(&index[4..8]),
            ipv4_of(&index[9..13]),
        ) else {
            continue;
        };
        let Some(len) = mask_len(mask) else { continue };
        let Ok(destination) = IpNet::new(IpAddr::V4(dest), len) else {
            continue;
        };
        out.push(route_from_row(
            destination,
            IpAddr::V4(nh),
            row,
            mib::IP_CIDR_ROUTE_IF_INDEX,
            mib::IP_CIDR_ROUTE_TYPE,
            mib::IP_CIDR_ROUTE_PROTO,
            mib::IP_CIDR_ROUTE_METRIC1,
        ));
    }
    Ok((out, "ipCidrRouteTable".into()))
}

fn route_from_row(
    destination: IpNet,
    next_hop: IpAddr,
    row: &BTreeMap<u32, Value>,
    c_if: u32,
    c_type: u32,
    c_proto: u32,
    c_metric: u32,
) -> RouteEntry {
    RouteEntry {
        destination,
        next_hop: unspecified_to_none(next_hop),
        if_index: row
            .get(&c_if)
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0),
        interface: None,
        route_type: RouteType::from_i64(row.get(&c_type).and_then(Value::as_i64).unwrap_or(1)),
        proto: row.get(&c_proto).and_then(Value::as_i64),
        metric: row.get(&c_metric).and_then(Value::as_i64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_address_index() {
        let idx = [1, 4, 192, 0, 2, 1, 24, 3, 0, 0, 3, 1, 4, 0, 0, 0, 0];
        let (a, rest) = inet_address(&idx).unwrap();
        assert_eq!(a, "192.0.2.1".parse::<IpAddr>().unwrap());
        assert_eq!(rest[0], 24);
        assert!(inet_address(&[1, 4, 192, 0]).is_none());
        assert!(inet_address(&[1, 4, 300, 0, 0, 0]).is_none());
        assert!(inet_address(&[9, 4, 1, 2, 3, 4]).is_none());
    }

    #[test]
    fn masks() {
        assert_eq!(mask_len(Ipv4Addr::new(255, 255, 255, 0)), Some(24));
        assert_eq!(mask_len(Ipv4Addr::new(255, 255, 255, 255)), Some(32));
        assert_eq!(mask_len(Ipv4Addr::new(0, 0, 0, 0)), Some(0));
        assert_eq!(mask_len(Ipv4Addr::new(255, 0, 255, 0)), None);
    }
}
