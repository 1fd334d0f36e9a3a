//! The `agents:` key of a playbook (SPEC.md "Live networks: agents at the sites"):
//! the vantage point of each source on a live network, `NODE: ADDR[:PORT]`.

use std::net::{IpAddr, SocketAddr};

use crate::target::Loc;

/// Default port of `netkit agent`.
pub const DEFAULT_PORT: u16 = 5301;

/// One entry of `agents:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentEntry {
    /// A segment, named host or device id.
    pub node: String,
    pub addr: SocketAddr,
    /// Where the value was written.
    pub at: Loc,
}

/// `10.2.0.250`, `10.2.0.250:5301`, `fd00::5`, `[fd00::5]:5301`.
///
/// # Errors
/// One sentence naming the text and the form expected.
pub fn parse_addr(s: &str) -> Result<SocketAddr, String> {
    let t = s.trim();
    if let Ok(a) = t.parse::<SocketAddr>() {
        if a.port() == 0 {
            return Err(format!("`{t}`: port 0 is not a port an agent listens on"));
        }
        return Ok(a);
    }
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, DEFAULT_PORT));
    }
    Err(format!(
        "`{t}` is not an agent address: write ADDR or ADDR:PORT, e.g. 10.2.0.250 or 10.2.0.250:{DEFAULT_PORT} ([fd00::5]:{DEFAULT_PORT} for IPv6)"
    ))
}

/// `NODE=ADDR[:PORT]` (the `--agent` option).
///
/// # Errors
/// One sentence naming the text and the form expected.
pub fn parse_assignment(s: &str) -> Result<(String, SocketAddr), String> {
    let Some((node, addr)) = s.split_once('=') else {
        return Err(format!(
            "`{s}` is not NODE=ADDR[:PORT]: write e.g. --agent lyon.users=10.2.0.250"
        ));
    };
    let node = node.trim();
    if node.is_empty() {
        return Err(format!("`{s}` names no node before `=`"));
    }
    Ok((node.to_string(), parse_addr(addr)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(
            parse_addr("10.2.0.250").unwrap().to_string(),
            "10.2.0.250:5301"
        );
        assert_eq!(parse_addr("10.2.0.250:6000").unwrap().port(), 6000);
        assert_eq!(parse_addr("[fd00::5]:7").unwrap().port(), 7);
        assert_eq!(parse_addr("fd00::5").unwrap().port(), 5301);
        assert!(parse_addr("lyon").unwrap_err().contains("ADDR:PORT"));
        assert!(parse_addr("10.0.0.1:0").is_err());
        assert_eq!(
            parse_assignment("lyon.users=10.2.0.250:1").unwrap(),
            ("lyon.users".into(), "10.2.0.250:1".parse().unwrap())
        );
        assert!(parse_assignment("lyon.users").is_err());
    }
}
