//! Configuration of what runs in the lab, generated from the plan: tc shaping, FRR (zebra + ospfd), snmpd, dnsmasq. Pure text generation.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;

use netkit_plan::{OspfInterface, OspfRouter, Plan};

/// tbf arguments for a rate: burst of 10 ms of traffic (at least 32 KiB, more than
/// one timer tick at any HZ), 50 ms of queue.
pub fn tbf_args(rate_bps: u64) -> Vec<String> {
    let burst = (rate_bps / 8 / 100).max(32 * 1024);
    vec![
        "tbf".into(),
        "rate".into(),
        format!("{rate_bps}bit"),
        "burst".into(),
        format!("{burst}"),
        "latency".into(),
        "50ms".into(),
    ]
}

/// The OSPF design of a router: the plan's, or (when the plan has none) every link
/// interface in area 0 with the link's cost, every segment interface passive.
pub fn ospf_router(plan: &Plan, device: &str) -> Option<OspfRouter> {
    if let Some(o) = &plan.ospf {
        return o.routers.iter().find(|r| r.device == device).cloned();
    }
    let dev = plan.device(device)?;
    let router_id = dev
        .loopback
        .map(|l| l.addr())
        .or_else(|| dev.interfaces.first().map(|i| i.address.addr()))?;
    let interfaces = dev
        .interfaces
        .iter()
        .filter(|i| i.link.is_some() || i.segment.is_some())
        .map(|i| OspfInterface {
            name: i.name.clone(),
            area: std::net::Ipv4Addr::UNSPECIFIED,
            cost: i
                .link
                .and_then(|l| plan.links.iter().find(|k| k.id == l))
                .map(|k| k.cost)
                .unwrap_or(10),
            passive: i.link.is_none(),
            network_type: if i.link.is_some() {
                "point-to-point".into()
            } else {
                "broadcast".into()
            },
        })
        .collect();
    Some(OspfRouter {
        device: device.to_string(),
        router_id,
        interfaces,
    })
}

/// zebra's configuration (interfaces are configured by the lab through netlink).
pub fn zebra_conf(device: &str) -> String {
    format!("! netkit lab: zebra of {device}\nfrr defaults traditional\nhostname {device}\n!\n")
}

/// Timers added to every OSPF interface of the lab: fast hellos (1 s / dead 4 s) and
/// retransmissions, so that a lab converges in seconds rather than a minute.
const LAB_OSPF_INTERFACE: &[&str] = &[
    " ip ospf hello-interval 1",
    " ip ospf dead-interval 4",
    " ip ospf retransmit-interval 1",
];
const LAB_OSPF_ROUTER: &[&str] = &[
    " timers throttle spf 0 50 500",
    " timers throttle lsa all 0",
    " timers lsa min-arrival 0",
];

/// ospfd's configuration for `device`. When the plan has an OSPF design, it is
/// `netkit_config::frr::render` (what `netkit config --target frr` writes: the same
/// areas, costs, network types, passive interfaces and default origination), with the
/// lab's fast timers added; otherwise a design of our own (every link in area 0 at its
/// cost, segments passive).
pub fn ospfd_conf(plan: &Plan, device: &str) -> Option<String> {
    if plan
        .ospf
        .as_ref()
        .is_some_and(|o| o.routers.iter().any(|r| r.device == device))
    {
        let mut p = plan.clone();
        p.routing = netkit_model::RoutingMode::Ospf;
        let text = netkit_config::frr::render(&p, device);
        if text.is_empty() {
            return None;
        }
        return Some(with_lab_timers(&text));
    }
    own_ospfd_conf(plan, device)
}

/// Add the lab's timers under every `interface` and `router ospf` block.
fn with_lab_timers(conf: &str) -> String {
    let mut out = String::new();
    for line in conf.lines() {
        out.push_str(line);
        out.push('\n');
        let extra: &[&str] = if line.starts_with("interface ") {
            LAB_OSPF_INTERFACE
        } else if line == "router ospf" {
            LAB_OSPF_ROUTER
        } else {
            &[]
        };
        for e in extra {
            out.push_str(e);
            out.push('\n');
        }
    }
    out
}

fn own_ospfd_conf(plan: &Plan, device: &str) -> Option<String> {
    let r = ospf_router(plan, device)?;
    let reference = plan
        .ospf
        .as_ref()
        .map(|o| o.reference_bandwidth_mbps)
        .unwrap_or(100_000);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "! netkit lab: ospfd of {device} (from the plan's OSPF design)"
    );
    let _ = writeln!(out, "frr defaults traditional\nhostname {device}\n!");
    let mut has_lo = false;
    for i in &r.interfaces {
        has_lo |= i.name == "lo";
        let _ = writeln!(out, "interface {}", i.name);
        let _ = writeln!(out, " ip ospf area {}", i.area);
        let _ = writeln!(out, " ip ospf cost {}", i.cost.max(1));
        if i.network_type == "point-to-point" {
            let _ = writeln!(out, " ip ospf network point-to-point");
        }
        for e in LAB_OSPF_INTERFACE {
            let _ = writeln!(out, "{e}");
        }
        let _ = writeln!(out, "!");
    }
    if !has_lo && plan.device(device).and_then(|d| d.loopback).is_some() {
        let _ = writeln!(out, "interface lo\n ip ospf area 0.0.0.0\n!");
    }
    let _ = writeln!(out, "router ospf");
    let _ = writeln!(out, " ospf router-id {}", r.router_id);
    let _ = writeln!(
        out,
        " auto-cost reference-bandwidth {}",
        reference.clamp(1, 4_294_967)
    );
    for e in LAB_OSPF_ROUTER {
        let _ = writeln!(out, "{e}");
    }
    for i in r.interfaces.iter().filter(|i| i.passive) {
        let _ = writeln!(out, " passive-interface {}", i.name);
    }
    if plan.internet.as_ref().is_some_and(|i| i.edge == device) {
        let _ = writeln!(out, " default-information originate always");
    }
    let _ = writeln!(out, "!");
    Some(out)
}

/// snmpd's configuration for a device: listening on the device's addresses (and
/// 127.0.0.1), v2c community and a v3 authPriv (SHA/AES) user, read-only.
pub fn snmpd_conf(device: &str, location: &str, addresses: &[IpAddr], c: &SnmpSecrets) -> String {
    let SnmpSecrets {
        community,
        user,
        auth_protocol,
        auth,
        priv_protocol,
        privacy,
        cache_community,
    } = c;
    let mut agents = vec!["udp:127.0.0.1:161".to_string()];
    for a in addresses {
        match a {
            IpAddr::V4(v4) => agents.push(format!("udp:{v4}:161")),
            IpAddr::V6(v6) => agents.push(format!("udp6:[{v6}]:161")),
        }
    }
    let mut out = String::new();
    let _ = writeln!(out, "# netkit lab: snmpd of {device}");
    let _ = writeln!(out, "agentAddress {}", agents.join(","));
    let _ = writeln!(out, "rocommunity {community} default");
    let _ = writeln!(out, "rocommunity6 {community} default");
    let _ = writeln!(
        out,
        "createUser {user} {auth_protocol} \"{auth}\" {priv_protocol} \"{privacy}\""
    );
    let _ = writeln!(out, "rouser {user} priv");
    // Write access from the namespace itself, only to NET-SNMP-AGENT-MIB's cache
    // settings: `up` shortens the table caches through it (see `cache_set_argv`).
    let _ = writeln!(
        out,
        "rwcommunity {cache_community} 127.0.0.1 {NS_CACHE_SUBTREE}"
    );
    let _ = writeln!(out, "sysName {device}");
    // One line each: a location with a line break must not add directives.
    let location: String = location
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let _ = writeln!(out, "sysLocation {location}");
    let _ = writeln!(out, "sysContact netkit lab");
    let _ = writeln!(out, "sysServices 76");
    // Do not chase disks or processes: this agent reports interfaces, addresses, routes.
    let _ = writeln!(out, "dontLogTCPWrappersConnects yes");
    out
}

/// The lab's SNMP credentials (never printed).
pub struct SnmpSecrets {
    pub community: String,
    pub user: String,
    /// net-snmp's name: `SHA`, `SHA-256`, `SHA-512`, `MD5`.
    pub auth_protocol: &'static str,
    pub auth: String,
    /// net-snmp's name: `AES`, `AES-256`, `DES`.
    pub priv_protocol: &'static str,
    pub privacy: String,
    /// Write community of `NS_CACHE_SUBTREE`, from 127.0.0.1 only.
    pub cache_community: String,
}

/// NET-SNMP-AGENT-MIB::nsCache, the subtree the cache community may write.
pub const NS_CACHE_SUBTREE: &str = ".1.3.6.1.4.1.8072.1.5";
/// nsCacheTimeout, indexed by the OID of the cached table.
pub const NS_CACHE_TIMEOUT: &str = ".1.3.6.1.4.1.8072.1.5.3.1.2";
/// Tables whose net-snmp cache the lab shortens (net-snmp 5.9 defaults in
/// parentheses): ifTable (3 s), the ip group with ipAddrTable (5 s),
/// ipCidrRouteTable (60 s), inetCidrRouteTable (60 s), ipAddressTable (30 s).
pub const CACHED_TABLES: &[&str] = &[
    "1.3.6.1.2.1.2.2",
    "1.3.6.1.2.1.4",
    "1.3.6.1.2.1.4.24.4",
    "1.3.6.1.2.1.4.24.7",
    "1.3.6.1.2.1.4.34",
];
/// Cache timeout the lab sets on those tables, seconds.
pub const LAB_CACHE_TIMEOUT_S: u32 = 1;

/// `snmpget` of `table`'s cache timeout (answers once snmpd is up). The community
/// comes from [`tools_conf`] (`SNMPCONFPATH`), never from the command line.
pub fn cache_get_argv(table: &str) -> Vec<String> {
    let mut a = snmp_base_argv("snmpget");
    a.push(format!("{NS_CACHE_TIMEOUT}.{table}"));
    a
}

/// `snmpset` of `table`'s cache timeout to `seconds`, over 127.0.0.1, numeric OIDs,
/// at most about 2 s (1 s timeout, 1 retry). The community comes from [`tools_conf`].
pub fn cache_set_argv(table: &str, seconds: u32) -> Vec<String> {
    let mut a = snmp_base_argv("snmpset");
    a.push(format!("{NS_CACHE_TIMEOUT}.{table}"));
    a.push("i".into());
    a.push(seconds.to_string());
    a
}

fn snmp_base_argv(program: &str) -> Vec<String> {
    [program, "-v2c", "-t", "1", "-r", "1", "-On", "127.0.0.1"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// net-snmp's client configuration (`snmp.conf`, found through `SNMPCONFPATH`)
/// that gives `snmpget`/`snmpset` the cache write community: a command line is
/// visible to every user in `ps`, a 0600 file in the lab's secrets folder is not.
/// `None` when the community could not be written safely on one line.
pub fn tools_conf(community: &str) -> Option<String> {
    let one_word = !community.is_empty()
        && !community
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '#' || c == '"');
    one_word.then(|| format!("defVersion 2c\ndefCommunity {community}\n"))
}

/// net-snmp's name of an authentication protocol from the topology (default SHA).
pub fn auth_protocol(p: Option<&str>) -> Option<&'static str> {
    match p
        .map(|p| p.to_ascii_uppercase().replace(['-', '_'], ""))
        .as_deref()
    {
        None | Some("SHA") | Some("SHA1") => Some("SHA"),
        Some("SHA224") => Some("SHA-224"),
        Some("SHA256") => Some("SHA-256"),
        Some("SHA384") => Some("SHA-384"),
        Some("SHA512") => Some("SHA-512"),
        Some("MD5") => Some("MD5"),
        _ => None,
    }
}

/// net-snmp's name of a privacy protocol from the topology (default AES).
pub fn priv_protocol(p: Option<&str>) -> Option<&'static str> {
    match p
        .map(|p| p.to_ascii_uppercase().replace(['-', '_'], ""))
        .as_deref()
    {
        None | Some("AES") | Some("AES128") => Some("AES"),
        Some("AES192") => Some("AES-192"),
        Some("AES256") => Some("AES-256"),
        Some("DES") => Some("DES"),
        _ => None,
    }
}

/// Whether a secret can be written into snmpd.conf as one token.
pub fn secret_is_plain(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' && c != '#')
}

/// dnsmasq's configuration: authoritative answers for every record of the plan's
/// `dns`, no DHCP, no upstream, its own pid and lease files.
pub fn dnsmasq_conf(plan: &Plan, listen: &[IpAddr], dir: &Path) -> Option<String> {
    let dns = plan.dns.as_ref()?;
    let mut by_name: BTreeMap<&str, Vec<IpAddr>> = BTreeMap::new();
    for r in &dns.records {
        by_name.entry(r.name.as_str()).or_default().push(r.address);
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# netkit lab: DNS server {} for {}",
        dns.server, dns.domain
    );
    let _ = writeln!(
        out,
        "no-resolv\nno-hosts\nno-poll\nbind-interfaces\nport=53\nuser=root"
    );
    for a in listen {
        let _ = writeln!(out, "listen-address={a}");
    }
    let _ = writeln!(out, "pid-file={}", dir.join("dnsmasq.pid").display());
    let _ = writeln!(
        out,
        "dhcp-leasefile={}",
        dir.join("dnsmasq.leases").display()
    );
    let _ = writeln!(out, "local=/{}/", dns.domain.trim_matches('.'));
    for (name, addrs) in by_name {
        let list: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
        let _ = writeln!(
            out,
            "host-record={},{}",
            name.trim_end_matches('.'),
            list.join(",")
        );
    }
    Some(out)
}

/// Expand `${VAR}` references from the environment (the one grammar of
/// `netkit-units`). `None` when a referenced variable is unset (or empty).
pub fn expand_env(text: &str) -> Option<String> {
    netkit_units::expand_env(text, "").ok()
}

/// 24 random hexadecimal characters from the kernel's generator.
pub fn random_secret() -> std::io::Result<String> {
    use std::io::Read;
    let mut buf = [0u8; 12];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_expansion() {
        // SAFETY: single-threaded use of a variable name no other test touches.
        unsafe { std::env::set_var("NETKIT_LAB_TEST_X", "abc") };
        assert_eq!(
            expand_env("p-${NETKIT_LAB_TEST_X}-s").as_deref(),
            Some("p-abc-s")
        );
        assert_eq!(expand_env("${NETKIT_LAB_TEST_UNSET_Y}"), None);
        assert_eq!(expand_env("plain").as_deref(), Some("plain"));
    }

    #[test]
    fn tbf_burst_is_large_enough() {
        let a = tbf_args(100_000_000);
        assert_eq!(a[2], "100000000bit");
        assert_eq!(a[4], "125000");
        assert_eq!(tbf_args(1_000_000)[4], "32768");
    }

    #[test]
    fn snmp_protocols_and_plain_secrets() {
        assert_eq!(auth_protocol(None), Some("SHA"));
        assert_eq!(auth_protocol(Some("sha-256")), Some("SHA-256"));
        assert_eq!(auth_protocol(Some("rot13")), None);
        assert_eq!(priv_protocol(Some("AES256")), Some("AES-256"));
        assert!(secret_is_plain("abc-123_X"));
        assert!(!secret_is_plain("a b"));
        assert!(!secret_is_plain("a\"b"));
        assert!(!secret_is_plain(""));
    }

    #[test]
    fn snmpd_conf_has_cache_write_community_on_localhost_only() {
        let c = SnmpSecrets {
            community: "ro".into(),
            user: "u".into(),
            auth_protocol: "SHA",
            auth: "authpass1".into(),
            priv_protocol: "AES",
            privacy: "privpass1".into(),
            cache_community: "cachesecret".into(),
        };
        let conf = snmpd_conf("hq.r1", "Paris", &[], &c);
        assert!(conf.contains("rwcommunity cachesecret 127.0.0.1 .1.3.6.1.4.1.8072.1.5\n"));
        assert_eq!(conf.matches("rwcommunity").count(), 1);
        let set = cache_set_argv("1.3.6.1.2.1.4.24.7", 1);
        assert_eq!(set[0], "snmpset");
        assert!(!set.iter().any(|a| a.contains("cachesecret") || a == "-c"));
        assert_eq!(
            tools_conf("cachesecret").unwrap(),
            "defVersion 2c\ndefCommunity cachesecret\n"
        );
        assert_eq!(tools_conf("two words"), None);
        assert_eq!(tools_conf("line\nrwcommunity x"), None);
        assert_eq!(
            &set[set.len() - 3..],
            [".1.3.6.1.4.1.8072.1.5.3.1.2.1.3.6.1.2.1.4.24.7", "i", "1"]
        );
    }

    #[test]
    fn secrets_are_random() {
        let a = random_secret().unwrap();
        assert_eq!(a.len(), 24);
        assert_ne!(a, random_secret().unwrap());
    }
}
