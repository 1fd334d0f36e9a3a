//! Plan -> the mock-up: Linux network namespaces, veth pairs, bridges, addresses and
//! routes (netlink), link shaping (tc tbf), filters (nftables), and real daemons in
//! the namespaces: FRR (zebra + ospfd), dnsmasq, snmpd, TCP/UDP service listeners.
//!
//! One namespace per lab node, named [`namespace_name`]`(lab, node)`. Everything a lab
//! made is listed in its state file ([`LabState`]) so that `down` removes exactly that.
//!
//! Not for: computing addresses or routes (that is `netkit-plan`), checking the lab
//! (that is `netkit-verify`).

mod design;
mod design_types;
mod error;
mod lifecycle;
mod netlink;
pub mod ns;
mod procs;
mod services;
mod state;
mod switching;
mod trust;

pub use design::{Design, NodeCounts, NodeKind};
pub use error::{Error, Result};
pub use lifecycle::{
    DownReport, ExecTarget, FRR_DIR, FRR_RUN, LinkStatus, NodeStatus, ProcessStatus, Status,
    UpOptions, UpReport, down, exec, frr_dir, status, up,
};
pub use state::{
    LabState, LinkState, NodeState, ProcessState, STATE_ROOT, lab_secret, list_labs, state_dir,
};

/// Name of the network namespace that holds lab node `node` of lab `lab`.
/// Nodes are device ids (`hq.r1`), segment ids for the segment's test host
/// (`hq.users`), named host ids (`hq.servers.intranet`) and `internet`.
/// Every other crate finds lab namespaces through this function.
pub fn namespace_name(lab: &str, node: &str) -> String {
    format!("{lab}.{node}")
}

/// FRR pathspace of router `node` in lab `lab` (`vtysh -N PATHSPACE`): the
/// namespace name with `_` for `.`, since FRR refuses dots there. Its sockets are
/// in `/var/run/frr/PATHSPACE/`.
pub fn frr_pathspace(lab: &str, node: &str) -> String {
    namespace_name(lab, node).replace('.', "_")
}

/// Check a lab name: it prefixes every namespace, so it must be short and plain.
///
/// # Errors
/// [`Error::BadName`] when it is empty, longer than 24 characters, or has other
/// characters than `a-z`, `0-9` and `-`.
pub fn check_lab_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 24
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(Error::BadName {
            name: name.to_string(),
        })
    }
}

/// Whether this process may build labs: root, or CAP_NET_ADMIN and CAP_SYS_ADMIN.
///
/// # Errors
/// [`Error::NotPrivileged`] with the fix.
pub fn check_privileges() -> Result<()> {
    if nix::unistd::geteuid().is_root() {
        return Ok(());
    }
    let caps = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapEff:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .unwrap_or(0);
    const NET_ADMIN: u64 = 1 << 12;
    const SYS_ADMIN: u64 = 1 << 21;
    if caps & NET_ADMIN != 0 && caps & SYS_ADMIN != 0 {
        Ok(())
    } else {
        Err(Error::NotPrivileged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_names_are_prefixed_by_the_lab() {
        assert_eq!(namespace_name("acme", "hq.r1"), "acme.hq.r1");
    }

    #[test]
    fn lab_names_are_checked() {
        assert!(check_lab_name("acme").is_ok());
        assert!(check_lab_name("t123-ab").is_ok());
        assert!(check_lab_name("").is_err());
        assert!(check_lab_name("a.b").is_err());
        assert!(check_lab_name("A").is_err());
        assert!(check_lab_name("../x").is_err());
        assert!(check_lab_name(&"a".repeat(25)).is_err());
    }
}
