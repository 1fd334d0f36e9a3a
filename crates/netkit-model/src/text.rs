//! Small text rules shared by the walker: names, "did you mean", bandwidths, CIDRs.

use std::net::IpAddr;

use ipnet::IpNet;

/// Longest name: names become DNS labels (`intranet.hq.acme.lan`), which stop at 63.
pub(crate) const MAX_NAME: usize = 63;

pub(crate) const NAME_RULE: &str = "names use only lowercase letters a-z, digits 0-9 and `-`, do not start or end with `-`, and have 1 to 63 characters";

/// `None` when `name` follows the rule; otherwise what is wrong with it.
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("is empty");
    }
    if name.len() > MAX_NAME {
        return Some("is longer than 63 characters");
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Some("starts or ends with `-`");
    }
    if name.contains('.') {
        return Some("contains `.` (the separator of ids like `site.device`)");
    }
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some("contains uppercase letters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some("contains characters other than a-z, 0-9 and `-`");
    }
    None
}

/// A valid name close to an invalid one (`Paris HQ` -> `paris-hq`), if there is one.
pub(crate) fn suggest_name(name: &str) -> Option<String> {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out
        .trim_matches('-')
        .chars()
        .take(MAX_NAME)
        .collect::<String>();
    let out = out.trim_matches('-').to_string();
    (!out.is_empty() && out != name).then_some(out)
}

/// Edit distance counting a swap of two neighbours as one edit (`vlna` -> `vlan`).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// The candidate closest to `word`, when it is close enough to be a likely typo.
pub(crate) fn did_you_mean<'a, I>(word: &str, candidates: I) -> Option<String>
where
    I: IntoIterator<Item = &'a str>,
{
    if word.chars().count() > 200 {
        return None;
    }
    let lower = word.to_lowercase();
    let wlen = lower.chars().count();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let clen = c.chars().count();
        // A candidate whose length differs more than the accepted distance cannot win.
        if clen.abs_diff(wlen) > (clen.max(wlen) / 3).max(1) {
            continue;
        }
        let d = edit_distance(&lower, c);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let (d, c) = best?;
    let limit = (c.chars().count().max(lower.chars().count()) / 3).max(1);
    (d <= limit && c != word).then(|| c.to_string())
}

/// `100Mbps`, `1.5Gbps`, `10M`, `100 Mbit/s`, `500kbps`, or a plain number of bits/s:
/// the one grammar of `netkit-units`, shared with playbooks and the command line.
pub(crate) fn parse_bandwidth(text: &str) -> Result<u64, String> {
    netkit_units::parse_rate(text).map_err(|e| e.to_string())
}

/// What kind of prefix a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    V4,
    V6,
    Any,
}

/// A CIDR prefix with its host bits clear, or a message saying what is wrong.
pub(crate) fn parse_cidr(text: &str, family: Family) -> Result<IpNet, (String, Option<String>)> {
    let t = text.trim();
    let fam_word = match family {
        Family::V4 => "an IPv4 prefix",
        Family::V6 => "an IPv6 prefix",
        Family::Any => "a prefix",
    };
    let Some((addr, len)) = t.split_once('/') else {
        return Err(match t.parse::<IpAddr>() {
            Ok(a) => {
                let full = if a.is_ipv4() { 32 } else { 128 };
                (
                    format!("`{t}` has no prefix length: {fam_word} is written ADDRESS/LENGTH"),
                    Some(format!(
                        "write it as `{t}/LENGTH`, e.g. `{t}/{full}` for this one address"
                    )),
                )
            }
            Err(_) => (
                format!(
                    "`{}` is not {fam_word} (CIDR such as 10.1.0.0/16)",
                    crate::yaml::shorten(t)
                ),
                None,
            ),
        });
    };
    let Ok(ip) = addr.parse::<IpAddr>() else {
        return Err((
            format!(
                "`{}` is not {fam_word}: `{}` is not an IP address",
                crate::yaml::shorten(t),
                crate::yaml::shorten(addr)
            ),
            Some(match family {
                Family::V6 => "write it like fd00:ac::/48".to_string(),
                _ => "write it like 10.1.0.0/16".to_string(),
            }),
        ));
    };
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let Some(len) = len.parse::<u8>().ok().filter(|l| *l <= max) else {
        return Err((
            format!(
                "`{}` has an invalid prefix length `{}`",
                crate::yaml::shorten(t),
                crate::yaml::shorten(len)
            ),
            Some(format!("the length is a number from 0 to {max}")),
        ));
    };
    match (family, ip) {
        (Family::V4, IpAddr::V6(_)) => {
            return Err((
                format!("`{t}` is an IPv6 prefix where an IPv4 prefix is expected"),
                Some(
                    "write an IPv4 prefix here; IPv6 prefixes go in `ipv6` / `prefix6`".to_string(),
                ),
            ));
        }
        (Family::V6, IpAddr::V4(_)) => {
            return Err((
                format!("`{t}` is an IPv4 prefix where an IPv6 prefix is expected"),
                Some("write an IPv6 prefix here (like fd00:ac::/48); IPv4 prefixes go in `ipv4` / `prefix`".to_string()),
            ));
        }
        _ => {}
    }
    // The length was checked against the family just above.
    let net = IpNet::new(ip, len).map_err(|_| (format!("`{t}` is not a valid prefix"), None))?;
    let clean = net.trunc();
    if clean != net {
        return Err((
            format!("{t} has host bits set: did you mean {clean}?"),
            Some(format!(
                "write `{clean}`: a prefix names its network address, not an address inside it"
            )),
        ));
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandwidths() {
        assert_eq!(parse_bandwidth("100Mbps"), Ok(100_000_000));
        assert_eq!(parse_bandwidth("1Gbps"), Ok(1_000_000_000));
        assert_eq!(parse_bandwidth("1.5Gbps"), Ok(1_500_000_000));
        assert_eq!(parse_bandwidth("10M"), Ok(10_000_000));
        assert_eq!(parse_bandwidth("100 Mbit/s"), Ok(100_000_000));
        assert_eq!(parse_bandwidth("512kbps"), Ok(512_000));
        assert_eq!(parse_bandwidth("2000000"), Ok(2_000_000));
        assert_eq!(parse_bandwidth("1,5 Gbit/s"), Ok(1_500_000_000));
        assert!(parse_bandwidth("100MB/s").is_err());
        assert!(parse_bandwidth("fast").is_err());
        assert!(parse_bandwidth("0Mbps").is_err());
        assert!(parse_bandwidth("10 parsecs").is_err());
    }

    #[test]
    fn names() {
        assert_eq!(name_problem("hq"), None);
        assert_eq!(name_problem("r-1"), None);
        assert!(name_problem("-r1").is_some());
        assert!(name_problem("HQ").is_some());
        assert!(name_problem("a_b").is_some());
        assert!(name_problem("").is_some());
        assert_eq!(suggest_name("Paris HQ").as_deref(), Some("paris-hq"));
    }

    #[test]
    fn typos() {
        assert_eq!(
            did_you_mean("vlna", ["vlan", "hosts"]).as_deref(),
            Some("vlan")
        );
        assert_eq!(did_you_mean("zzzzzz", ["vlan", "hosts"]), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn cidrs() {
        assert!(parse_cidr("10.0.0.0/8", Family::V4).is_ok());
        let (msg, _) = parse_cidr("10.1.0.1/16", Family::V4).unwrap_err();
        assert_eq!(
            msg,
            "10.1.0.1/16 has host bits set: did you mean 10.1.0.0/16?"
        );
        assert!(parse_cidr("fd00::/48", Family::V4).is_err());
        assert!(parse_cidr("10.0.0.0/8", Family::V6).is_err());
        assert!(parse_cidr("10.0.0.0/33", Family::V4).is_err());
        assert!(parse_cidr("10.0.0.0", Family::V4).is_err());
        assert!(parse_cidr("fd00:ac::/48", Family::Any).is_ok());
    }
}
