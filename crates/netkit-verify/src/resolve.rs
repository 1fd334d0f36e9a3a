//! Ids of the playbook (segments, named hosts, devices, sites) -> what to probe.

use netkit_plan::Plan;

/// The site of a node id: `hq` for `hq.users`, `hq.r1`, `hq.servers.fs1` or `hq`.
pub fn site_of(plan: &Plan, node: &str) -> Option<String> {
    if let Some(seg) = plan.segment(node) {
        return Some(seg.site.clone());
    }
    if let Some((seg, _)) = plan.named_host(node) {
        return Some(seg.site.clone());
    }
    if let Some(d) = plan.device(node) {
        return Some(d.site.clone());
    }
    plan.sites
        .iter()
        .find(|s| s.name == node)
        .map(|s| s.name.clone())
}
