//! Netlink work (rtnetlink): one route-netlink socket per namespace, created inside
//! that namespace on the thread that made it, then driven by one tokio runtime.

use std::fs::File;
use std::net::IpAddr;
use std::os::fd::AsRawFd;

use futures::{StreamExt, TryStreamExt, stream};
use ipnet::IpNet;
use netlink_packet_route::link::{InfoData, InfoKind, InfoVeth, LinkAttribute, LinkFlags};
use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteNextHop};
use rtnetlink::{
    Handle, LinkBridge, LinkMessageBuilder, LinkUnspec, LinkVeth, RouteMessageBuilder,
};

use crate::design::{AddrDesign, BridgeDesign, RouteDesign, VethDesign};
use crate::{Error, Result};

/// Concurrent netlink requests in flight.
const CONCURRENCY: usize = 64;

/// The kernel's answer to a failed request, as one readable phrase.
pub fn kernel_error(e: &rtnetlink::Error) -> String {
    match e {
        rtnetlink::Error::NetlinkError(m) => format!("kernel said: {m}"),
        other => other.to_string(),
    }
}

/// A netlink connection whose socket lives in the current thread's namespace.
/// Must run with a tokio runtime entered (the socket registers with its reactor).
pub fn connect() -> Result<(tokio::task::JoinHandle<()>, Handle)> {
    let (conn, handle, _) = rtnetlink::new_connection()
        .map_err(|e| Error::step("open a netlink socket", "(namespace)", e))?;
    Ok((tokio::spawn(conn), handle))
}

pub struct Nodes<'a> {
    pub handles: &'a [Handle],
    pub files: &'a [File],
    pub names: &'a [String],
}

pub async fn lo_up(n: &Nodes<'_>) -> Result<()> {
    stream::iter(0..n.handles.len())
        .map(Ok)
        .try_for_each_concurrent(CONCURRENCY, |i| async move {
            n.handles[i]
                .link()
                .set(LinkUnspec::new_with_index(1).up().build())
                .execute()
                .await
                .map_err(|e| Error::step("bring up lo", &n.names[i], kernel_error(&e)))
        })
        .await
}

pub async fn create_bridges(n: &Nodes<'_>, bridges: &[BridgeDesign]) -> Result<()> {
    stream::iter(bridges)
        .map(Ok)
        .try_for_each_concurrent(CONCURRENCY, |b| async move {
            let msg = LinkBridge::new(&b.name).index(b.index).build();
            n.handles[b.node]
                .link()
                .add(msg)
                .execute()
                .await
                .map_err(|e| {
                    Error::step(
                        "create bridge",
                        &format!("{}:{}", n.names[b.node], b.name),
                        kernel_error(&e),
                    )
                })
        })
        .await
}

/// Create every veth pair from its `a` end, with the `b` end put straight into
/// `b`'s namespace (IFLA_NET_NS_FD in the peer message).
pub async fn create_veths(n: &Nodes<'_>, veths: &[VethDesign]) -> Result<()> {
    stream::iter(veths)
        .map(Ok)
        .try_for_each_concurrent(CONCURRENCY, |v| async move {
            let peer = LinkMessageBuilder::<LinkUnspec>::new()
                .name(v.b_if.clone())
                .index(v.b_index)
                .setns_by_fd(n.files[v.b].as_raw_fd())
                .build();
            let msg = LinkMessageBuilder::<LinkVeth>::new_with_info_kind(InfoKind::Veth)
                .name(v.a_if.clone())
                .index(v.a_index)
                .set_info_data(InfoData::Veth(InfoVeth::Peer(peer)))
                .build();
            n.handles[v.a].link().add(msg).execute().await.map_err(|e| {
                Error::step(
                    "create veth pair",
                    &format!(
                        "{}:{} <-> {}:{} ({})",
                        n.names[v.a], v.a_if, n.names[v.b], v.b_if, v.what
                    ),
                    kernel_error(&e),
                )
            })
        })
        .await
}

/// Attach bridge ports and bring both ends of every veth up.
pub async fn veths_up(n: &Nodes<'_>, veths: &[VethDesign]) -> Result<()> {
    let ends: Vec<(usize, u32, &str, Option<u32>)> = veths
        .iter()
        .flat_map(|v| {
            [
                (v.a, v.a_index, v.a_if.as_str(), v.a_master),
                (v.b, v.b_index, v.b_if.as_str(), v.b_master),
            ]
        })
        .collect();
    stream::iter(ends)
        .map(Ok)
        .try_for_each_concurrent(CONCURRENCY, |(node, index, name, master)| async move {
            let mut b = LinkUnspec::new_with_index(index).up();
            if let Some(m) = master {
                b = b.controller(m);
            }
            n.handles[node]
                .link()
                .set(b.build())
                .execute()
                .await
                .map_err(|e| {
                    Error::step(
                        "bring up interface",
                        &format!("{}:{name}", n.names[node]),
                        kernel_error(&e),
                    )
                })
        })
        .await
}

pub async fn add_addresses(n: &Nodes<'_>, addrs: &[(usize, u32, String, IpNet)]) -> Result<()> {
    stream::iter(addrs)
        .map(Ok)
        .try_for_each_concurrent(CONCURRENCY, |(node, index, ifname, net)| async move {
            n.handles[*node]
                .address()
                .add(*index, net.addr(), net.prefix_len())
                .execute()
                .await
                .map_err(|e| {
                    Error::step(
                        "add address",
                        &format!("{} on {}:{ifname}", net, n.names[*node]),
                        kernel_error(&e),
                    )
                })
        })
        .await
}

/// Interface addresses and loopbacks, as (node, ifindex, ifname, address).
pub fn address_list(
    addrs: &[AddrDesign],
    loopbacks: &[(usize, IpNet)],
) -> Vec<(usize, u32, String, IpNet)> {
    addrs
        .iter()
        .map(|a| (a.node, a.index, a.ifname.clone(), a.net))
        .chain(
            loopbacks
                .iter()
                .map(|(n, net)| (*n, 1, "lo".to_string(), *net)),
        )
        .collect()
}

pub async fn add_routes(n: &Nodes<'_>, routes: &[RouteDesign]) -> Result<()> {
    stream::iter(routes)
        .map(Ok)
        .try_for_each_concurrent(CONCURRENCY, |r| async move {
            let object = || {
                let hops: Vec<String> = r
                    .hops
                    .iter()
                    .map(|h| match h.gateway {
                        Some(g) => format!("via {g} dev {}", h.ifname),
                        None => format!("dev {}", h.ifname),
                    })
                    .collect();
                format!(
                    "{} {} in {}",
                    r.destination,
                    hops.join(" "),
                    n.names[r.node]
                )
            };
            let msg = route_message(r).map_err(|e| Error::step("build route", &object(), e))?;
            n.handles[r.node]
                .route()
                .add(msg)
                .execute()
                .await
                .map_err(|e| Error::step("add route", &object(), kernel_error(&e)))
        })
        .await
}

fn route_message(
    r: &RouteDesign,
) -> std::result::Result<netlink_packet_route::route::RouteMessage, String> {
    let dest = r.destination.trunc();
    let mut b = RouteMessageBuilder::<IpAddr>::new()
        .destination_prefix(dest.addr(), dest.prefix_len())
        .map_err(|e| e.to_string())?;
    if let Some(m) = r.metric {
        b = b.priority(m);
    }
    if r.hops.len() == 1 {
        let h = &r.hops[0];
        if let Some(g) = h.gateway {
            b = b.gateway(g).map_err(|e| e.to_string())?;
        }
        b = b.output_interface(h.index);
    } else {
        let hops = r
            .hops
            .iter()
            .map(|h| {
                let mut hop = RouteNextHop::default();
                hop.interface_index = h.index;
                if let Some(g) = h.gateway {
                    hop.attributes = vec![RouteAttribute::Gateway(RouteAddress::from(g))];
                }
                hop
            })
            .collect();
        b = b.multipath(hops);
    }
    Ok(b.build())
}

/// One kernel route: destination and next-hop gateways.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelRoute {
    pub destination: IpNet,
    pub gateways: Vec<IpAddr>,
    pub protocol: u8,
}

/// The main table's unicast IPv4 routes of a namespace.
pub async fn ipv4_routes(h: &Handle) -> std::result::Result<Vec<KernelRoute>, String> {
    let msg = RouteMessageBuilder::<std::net::Ipv4Addr>::new().build();
    let mut s = h.route().get(msg).execute();
    let mut out = Vec::new();
    while let Some(m) = s.try_next().await.map_err(|e| kernel_error(&e))? {
        if m.header.table != 254 || m.header.kind != netlink_packet_route::route::RouteType::Unicast
        {
            continue;
        }
        let mut dest: Option<IpAddr> = None;
        let mut gateways = Vec::new();
        for a in &m.attributes {
            match a {
                RouteAttribute::Destination(RouteAddress::Inet(d)) => dest = Some(IpAddr::V4(*d)),
                RouteAttribute::Gateway(RouteAddress::Inet(g)) => gateways.push(IpAddr::V4(*g)),
                RouteAttribute::MultiPath(hops) => {
                    for hop in hops {
                        for a in &hop.attributes {
                            if let RouteAttribute::Gateway(RouteAddress::Inet(g)) = a {
                                gateways.push(IpAddr::V4(*g));
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let dest = dest.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let Ok(destination) = IpNet::new(dest, m.header.destination_prefix_length) else {
            continue;
        };
        out.push(KernelRoute {
            destination,
            gateways,
            protocol: u8::from(m.header.protocol),
        });
    }
    Ok(out)
}

/// Interfaces of a namespace: (name, administratively up, running).
pub async fn links(h: &Handle) -> std::result::Result<Vec<(String, bool, bool)>, String> {
    let mut s = h.link().get().execute();
    let mut out = Vec::new();
    while let Some(m) = s.try_next().await.map_err(|e| kernel_error(&e))? {
        let name = m
            .attributes
            .iter()
            .find_map(|a| match a {
                LinkAttribute::IfName(n) => Some(n.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let up = m.header.flags.contains(LinkFlags::Up);
        let running = m.header.flags.contains(LinkFlags::Running);
        out.push((name, up, running));
    }
    Ok(out)
}
