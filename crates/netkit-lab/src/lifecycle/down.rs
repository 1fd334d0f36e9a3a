//! `lab down`: what the lab made, and only that, removed (after its state file is
//! trusted, `trust.rs`).

use super::*;

/// Namespaces in /run/netns whose name starts with `{lab}.`.
pub(super) fn lab_namespaces(lab: &str) -> Vec<String> {
    let prefix = format!("{lab}.");
    let mut v: Vec<String> = std::fs::read_dir(ns::NETNS_RUN_DIR)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.file_name().into_string().ok())
                .filter(|n| n.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Remove what a state lists: processes, namespaces, files, the state folder.
pub(super) fn teardown(st: &LabState) -> (usize, usize) {
    let killed = procs::stop_all(&st.processes, Duration::from_secs(3));
    let names: Vec<String> = st.nodes.iter().map(|n| n.namespace.clone()).collect();
    let deleted = AtomicUsize::new(0);
    let _ = parallel(&names, |n| {
        if ns::exists(n) {
            ns::delete(n)?;
            deleted.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    });
    for f in &st.files {
        let _ = if f.is_dir() {
            std::fs::remove_dir_all(f)
        } else {
            std::fs::remove_file(f)
        };
    }
    let _ = std::fs::remove_dir_all(state_dir(&st.lab));
    (killed, deleted.into_inner())
}

/// What `down` removed.
#[derive(Debug, Clone, Serialize)]
pub struct DownReport {
    pub lab: String,
    pub processes: usize,
    pub namespaces: usize,
    pub elapsed: Duration,
    /// The state file was missing: namespaces were found by the lab's prefix.
    pub by_prefix: bool,
}

/// Remove lab `lab`: stop its processes (by pid, checking start time), delete its
/// namespaces, its files and its state. Without a state file, the namespaces named
/// `{lab}.*` are deleted.
///
/// # Errors
/// Bad name, missing privileges, or the lab does not exist at all.
pub fn down(lab: &str) -> Result<DownReport> {
    check_lab_name(lab)?;
    check_privileges()?;
    let started = Instant::now();
    match LabState::load(lab) {
        Ok(st) => {
            crate::trust::check_state(lab, &st)?;
            let (processes, namespaces) = teardown(&st);
            // Namespaces of an interrupted `up` that did not reach the state file.
            let mut extra = 0;
            for n in lab_namespaces(lab) {
                if ns::delete(&n).is_ok() {
                    extra += 1;
                }
            }
            Ok(DownReport {
                lab: lab.into(),
                processes,
                namespaces: namespaces + extra,
                elapsed: started.elapsed(),
                by_prefix: false,
            })
        }
        Err(Error::NotFound {
            lab: l,
            state: path,
        }) => {
            let left = lab_namespaces(lab);
            let dir = state_dir(lab);
            if left.is_empty() && !dir.exists() {
                return Err(Error::NotFound {
                    lab: l,
                    state: path,
                });
            }
            for n in &left {
                ns::delete(n)?;
            }
            let _ = std::fs::remove_dir_all(&dir);
            Ok(DownReport {
                lab: lab.into(),
                processes: 0,
                namespaces: left.len(),
                elapsed: started.elapsed(),
                by_prefix: true,
            })
        }
        Err(e) => Err(e),
    }
}
