//! `lab down` acts only on what the lab itself made. The state file is data on
//! disk, and a hostile or corrupted one must not turn `down` into "kill that
//! process, delete that folder": before anything is removed, every recorded
//! name is checked against the names the lab makes, and every live process
//! against the program the lab started (its executable and its namespace, not
//! only its start time). One entry that fails refuses the whole `down`, with an
//! error that names the entry, the state file and the fix.

use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use crate::state::{LabState, ProcessState, STATE_FORMAT, state_dir};
use crate::{Error, FRR_RUN, frr_pathspace, namespace_name, ns, procs};

/// Daemons the lab starts, and the executable file name each one runs.
const DAEMONS: &[(&str, &str)] = &[
    ("zebra", "zebra"),
    ("ospfd", "ospfd"),
    ("snmpd", "snmpd"),
    ("dnsmasq", "dnsmasq"),
];

fn refuse(lab: &str, detail: String) -> Error {
    Error::Untrusted {
        lab: lab.to_string(),
        path: LabState::path(lab),
        detail: netkit_model::terminal::safe(&detail).into_owned(),
    }
}

/// A node id the lab makes: `internet`, or 2 to 3 names of `[a-z0-9-]` joined by
/// dots (`hq.r1`, `hq.users`, `hq.servers.fs1`).
fn plausible_node(node: &str) -> bool {
    if node == "internet" {
        return true;
    }
    let parts: Vec<&str> = node.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 63
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

/// An absolute path made of plain names only (no `..`, no `.`).
fn plain_absolute(p: &Path) -> bool {
    p.is_absolute()
        && p.components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
}

/// Check the whole state of lab `lab` (as named on the command line).
///
/// # Errors
/// [`Error::Untrusted`] naming the first entry that the lab would not have made.
pub(crate) fn check_state(lab: &str, st: &LabState) -> crate::Result<()> {
    if st.format != STATE_FORMAT {
        return Err(refuse(
            lab,
            format!("its format is {:?}, not {STATE_FORMAT:?}", st.format),
        ));
    }
    if st.lab != lab {
        return Err(refuse(
            lab,
            format!(
                "it names the lab {:?}, not {lab:?} (the lab given on the command line)",
                st.lab
            ),
        ));
    }
    for n in &st.nodes {
        if !plausible_node(&n.node) {
            return Err(refuse(
                lab,
                format!("node {:?} is not a lab node id", n.node),
            ));
        }
        let expected = namespace_name(lab, &n.node);
        if n.namespace != expected {
            return Err(refuse(
                lab,
                format!(
                    "node {} has namespace {:?}; the lab names it {expected:?}",
                    n.node, n.namespace
                ),
            ));
        }
    }
    for f in &st.files {
        check_file(lab, st, f)?;
    }
    for p in &st.processes {
        check_process(lab, st, p)?;
    }
    Ok(())
}

/// Files are the lab's own: under its state folder, or the FRR run folder of
/// one of its routers (`/var/run/frr/LAB_site_dev`).
fn check_file(lab: &str, st: &LabState, f: &Path) -> crate::Result<()> {
    let own_dir = state_dir(lab);
    let ok = plain_absolute(f)
        && (f.starts_with(&own_dir)
            || st
                .nodes
                .iter()
                .any(|n| f == Path::new(FRR_RUN).join(frr_pathspace(lab, &n.node))));
    if ok {
        Ok(())
    } else {
        Err(refuse(
            lab,
            format!(
                "file {} is neither under the lab's folder {} nor the FRR folder of one of its routers",
                f.display(),
                own_dir.display()
            ),
        ))
    }
}

/// `(device, inode)` of a file, the identity of a namespace.
fn identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The file name of `/proc/PID/exe` (without the ` (deleted)` of a replaced binary).
fn exe_name(pid: u32) -> Option<String> {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok()?;
    let name = exe.file_name()?.to_str()?;
    Some(name.trim_end_matches(" (deleted)").to_string())
}

/// A live process must be the program the lab started, inside the node's
/// namespace. A process that is gone (or whose pid was reused: another start
/// time) is left alone by `down` anyway and passes.
fn check_process(lab: &str, st: &LabState, p: &ProcessState) -> crate::Result<()> {
    let what = || format!("process {} ({} of {})", p.pid, p.program, p.node);
    if p.pid <= 1 || i32::try_from(p.pid).is_err() || p.pid == std::process::id() {
        return Err(refuse(lab, format!("{} has an impossible pid", what())));
    }
    let Some(node) = st.nodes.iter().find(|n| n.node == p.node) else {
        return Err(refuse(
            lab,
            format!("{} belongs to no node of the lab", what()),
        ));
    };
    let expected_exe: Option<String> = match DAEMONS.iter().find(|(prog, _)| *prog == p.program) {
        Some((_, exe)) => Some((*exe).to_string()),
        None if p.program == "listener" => p
            .argv
            .first()
            .and_then(|a| Path::new(a).file_name())
            .and_then(|n| n.to_str())
            .map(str::to_string),
        None => {
            return Err(refuse(
                lab,
                format!("{} is not a program the lab starts", what()),
            ));
        }
    };
    if !procs::alive(p) {
        return Ok(());
    }
    let running = exe_name(p.pid);
    if running.is_none() || running != expected_exe {
        return Err(refuse(
            lab,
            format!(
                "{} runs {}, not the {} the lab started",
                what(),
                running.as_deref().unwrap_or("an unreadable executable"),
                expected_exe.as_deref().unwrap_or("program")
            ),
        ));
    }
    let netns = PathBuf::from(ns::NETNS_RUN_DIR).join(&node.namespace);
    let in_lab = identity(&netns).is_some()
        && identity(Path::new(&format!("/proc/{}/ns/net", p.pid))) == identity(&netns);
    if !in_lab {
        return Err(refuse(
            lab,
            format!(
                "{} does not run in the lab's namespace {}",
                what(),
                node.namespace
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_and_paths() {
        for good in ["hq.r1", "hq.users", "hq.servers.fs1", "internet"] {
            assert!(plausible_node(good), "{good}");
        }
        for bad in [
            "", "hq", "../x", "hq/r1", "a.b.c.d", "HQ.r1", "hq..r1", "hq.r1 ",
        ] {
            assert!(!plausible_node(bad), "{bad}");
        }
        assert!(plain_absolute(Path::new("/run/netkit/labs/a/frr")));
        assert!(!plain_absolute(Path::new("/run/netkit/labs/a/../../etc")));
        assert!(!plain_absolute(Path::new("run/netkit")));
    }
}
