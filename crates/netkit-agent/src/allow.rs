//! Where an agent may send probes: `netkit agent --allow PREFIX...`, by default the
//! private ranges of RFC 1918 and RFC 4193. An agent is never a tool against third
//! parties: a unit whose target is outside is refused before any packet leaves.

use std::net::IpAddr;

use ipnet::IpNet;
use netkit_verify::CheckContext;
use netkit_verify::checks::Unit;

/// Prefixes probes may go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList(Vec<IpNet>);

/// RFC 1918 and RFC 4193.
pub const DEFAULT_ALLOW: [&str; 4] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

impl Default for AllowList {
    fn default() -> Self {
        AllowList(
            DEFAULT_ALLOW
                .iter()
                // Constants above: they parse.
                .map(|p| p.parse().expect("valid default prefix"))
                .collect(),
        )
    }
}

impl AllowList {
    /// Parse prefixes (`10.0.0.0/8`, `fd00::/8`, or a bare address for one host).
    ///
    /// # Errors
    /// The first text that is not a prefix, in one sentence.
    pub fn parse<S: AsRef<str>>(items: &[S]) -> Result<AllowList, String> {
        let mut out = Vec::new();
        for s in items {
            let s = s.as_ref().trim();
            let net = match s.parse::<IpNet>() {
                Ok(n) => n.trunc(),
                Err(_) => match s.parse::<IpAddr>() {
                    Ok(a) => IpNet::from(a),
                    Err(_) => {
                        return Err(format!(
                            "`{s}` is not a prefix: write it like 10.0.0.0/8 or fd00::/8"
                        ));
                    }
                },
            };
            out.push(net);
        }
        if out.is_empty() {
            return Ok(AllowList::default());
        }
        Ok(AllowList(out))
    }

    pub fn contains(&self, a: IpAddr) -> bool {
        let a = match a {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(a),
            v4 => v4,
        };
        self.0.iter().any(|n| n.contains(&a))
    }

    pub fn prefixes(&self) -> &[IpNet] {
        &self.0
    }
}

impl std::fmt::Display for AllowList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&v.join(" "))
    }
}

/// The addresses a unit sends its own probes to (its positive control and the
/// bandwidth far end are filtered where they are chosen, through
/// `CheckContext::allow`).
pub fn unit_targets(ctx: &CheckContext, unit: &Unit) -> Vec<IpAddr> {
    match unit {
        Unit::Reach { to, .. }
        | Unit::Isolate { to, .. }
        | Unit::Tcp { to, .. }
        | Unit::Path { to, .. } => vec![to.address],
        Unit::Dns(c) => netkit_verify::checks::dns::server_of(ctx, c)
            .into_iter()
            .collect(),
        Unit::Bandwidth(_) => Vec::new(),
        Unit::Snmp(c) => netkit_verify::resolve::device_address(&ctx.plan, &c.device)
            .into_iter()
            .collect(),
        // A kind this agent does not know the targets of is refused by the caller.
        #[allow(unreachable_patterns)]
        _ => vec![IpAddr::from([255, 255, 255, 255])],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_private_ranges_only() {
        let a = AllowList::default();
        assert!(a.contains("10.2.0.1".parse().unwrap()));
        assert!(a.contains("192.168.1.1".parse().unwrap()));
        assert!(a.contains("fd00:ac::1".parse().unwrap()));
        assert!(!a.contains("8.8.8.8".parse().unwrap()));
        assert!(!a.contains("127.0.0.1".parse().unwrap()));
        assert!(!a.contains("203.0.113.1".parse().unwrap()));
        assert!(!a.contains("::ffff:8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn parse_prefixes_and_hosts() {
        let a = AllowList::parse(&["127.0.0.0/8", "10.9.9.9"]).unwrap();
        assert!(a.contains("127.0.0.5".parse().unwrap()));
        assert!(a.contains("10.9.9.9".parse().unwrap()));
        assert!(!a.contains("10.9.9.8".parse().unwrap()));
        assert!(AllowList::parse(&["ten"]).unwrap_err().contains("ten"));
    }
}
