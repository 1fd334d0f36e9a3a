//! `netkit plan TOPOLOGY --format json` without the whole plan in memory: the
//! routing tables are computed on every core while the JSON is written
//! (`netkit_plan::stream`). Same bytes as `Plan::to_json`; atomic with `-o`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use netkit_plan::{DeferredPlan, Plan};

use crate::common;

/// What `netkit plan --format json` was given.
pub enum Input {
    /// A topology, planned with its tables deferred.
    Topology(Box<DeferredPlan>),
    /// A plan JSON, loaded whole (it is rendered again as usual).
    Plan(Box<common::Loaded>),
}

/// Plan `path` (a topology) with its tables deferred, or load it when it is a plan
/// JSON. The file is read once (a pipe such as `/dev/stdin` reads only once).
/// Diagnostics go to stderr; an invalid topology is an error (exit 2).
pub fn load(path: &Path, previous: Option<&Plan>) -> Result<Input> {
    let bytes = common::read_file(path)?;
    if common::looks_like_plan_json(&bytes) {
        return Ok(Input::Plan(Box::new(common::load_bytes(
            path, &bytes, previous,
        )?)));
    }
    let parsed = netkit_model::parse(&bytes);
    let mut diags = parsed.diagnostics;
    let Some(topology) = parsed.topology else {
        return invalid(path, &diags);
    };
    match netkit_plan::plan_deferred(&topology, previous) {
        Ok(deferred) => {
            common::print_diagnostics(path, &diags);
            Ok(Input::Topology(Box::new(deferred)))
        }
        Err(mut more) => {
            diags.append(&mut more);
            invalid(path, &diags)
        }
    }
}

fn invalid<T>(path: &Path, diags: &[netkit_model::Diagnostic]) -> Result<T> {
    common::print_diagnostics(path, diags);
    let n = diags.len();
    bail!(
        "{} is not a valid topology ({n} problem{} above): fix {} and run `netkit validate {}`",
        path.display(),
        if n == 1 { "" } else { "s" },
        if n == 1 { "it" } else { "them" },
        path.display()
    )
}

/// Threads for the routing tables: every core this process may use.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Write the plan JSON to `-o PATH` (atomically: a temporary file renamed once
/// complete) or to standard output.
pub fn write(deferred: &DeferredPlan, output: Option<&Path>) -> Result<()> {
    match output {
        Some(p) if p != Path::new("-") => {
            let dir = match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let mut tmp = tempfile::NamedTempFile::new_in(&dir).with_context(|| {
                format!(
                    "cannot write into {}: check that the folder exists and is writable",
                    dir.display()
                )
            })?;
            deferred
                .write_json(tmp.as_file_mut(), threads())
                .and_then(|_| tmp.as_file().sync_all())
                .with_context(|| format!("cannot write {}", p.display()))?;
            tmp.persist(p)
                .map_err(|e| e.error)
                .with_context(|| format!("cannot write {}", p.display()))?;
            Ok(())
        }
        _ => {
            // Text from outside (a topology's `location`) never acts on a
            // terminal: escaped as `common::emit` does, the JSON staying the same.
            let mut out = netkit_model::terminal::SafeJsonWriter::new(std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth a message.
            match deferred
                .write_json(&mut out, threads())
                .and_then(|_| out.flush())
            {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}
