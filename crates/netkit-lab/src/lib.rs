//! Plan -> the mock-up: Linux network namespaces, veth, addresses, routes, shaping, filters, FRR, dnsmasq, snmpd.

/// Name of the network namespace that holds lab node `node` of lab `lab`.
/// Nodes are device ids (`hq.r1`), segment ids for the segment's test host
/// (`hq.users`), named host ids (`hq.servers.intranet`) and `internet`.
/// Every other crate finds lab namespaces through this function.
pub fn namespace_name(lab: &str, node: &str) -> String {
    format!("{lab}.{node}")
}
