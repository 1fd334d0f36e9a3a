//! Run code inside a named network namespace (`ip netns add NAME`, i.e.
//! `/run/netns/NAME`) without ever moving a tokio worker thread.
//!
//! `setns(2)` changes the namespace of the calling thread only, and a socket belongs
//! to the namespace it was created in, forever. So the pattern is: spawn a dedicated
//! thread, enter the namespace there, create the sockets (or run the blocking work),
//! hand the sockets back; the async runtime then drives them from any thread.
//!
//! Not for: creating or deleting namespaces (that is `netkit-lab`'s job).

use std::fs::File;
use std::path::PathBuf;

use nix::sched::{CloneFlags, setns};

/// Where iproute2 keeps named network namespaces.
pub const NETNS_RUN_DIR: &str = "/run/netns";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "network namespace {name} does not exist ({path}): is the lab up? (`netkit lab status`)"
    )]
    NotFound { name: String, path: PathBuf },
    #[error("cannot open network namespace {name}: {source}")]
    Open {
        name: String,
        source: std::io::Error,
    },
    #[error(
        "cannot enter network namespace {name}: {source} (netkit needs root or CAP_SYS_ADMIN for this)"
    )]
    Enter { name: String, source: nix::Error },
    #[error("the thread working in network namespace {name} panicked")]
    Panicked { name: String },
}

pub type Result<T> = std::result::Result<T, Error>;

/// Path of a named namespace.
pub fn path_of(name: &str) -> PathBuf {
    PathBuf::from(NETNS_RUN_DIR).join(name)
}

/// Whether the named namespace exists.
pub fn exists(name: &str) -> bool {
    path_of(name).exists()
}

/// Run `f` on a new thread that has entered the network namespace `name`, and wait
/// for its result. `None` runs `f` in the caller's namespace (still on a new thread,
/// so that behaviour is the same). Sockets created by `f` stay in that namespace.
///
/// # Errors
/// The namespace does not exist, cannot be opened or entered, or `f` panicked.
pub fn run_in<T, F>(name: Option<&str>, f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let owned = name.map(str::to_owned);
    let ns_file = match &owned {
        Some(n) => {
            let path = path_of(n);
            if !path.exists() {
                return Err(Error::NotFound {
                    name: n.clone(),
                    path,
                });
            }
            Some(File::open(&path).map_err(|source| Error::Open {
                name: n.clone(),
                source,
            })?)
        }
        None => None,
    };
    let label = owned.clone().unwrap_or_else(|| "(current)".into());
    let handle = std::thread::Builder::new()
        .name(format!("netns-{label}"))
        .spawn(move || -> Result<T> {
            if let (Some(file), Some(n)) = (ns_file, owned) {
                setns(&file, CloneFlags::CLONE_NEWNET)
                    .map_err(|source| Error::Enter { name: n, source })?;
            }
            Ok(f())
        })
        .map_err(|source| Error::Open {
            name: label.clone(),
            source,
        })?;
    handle.join().map_err(|_| Error::Panicked { name: label })?
}

/// What the kernel says of namespace `ns` through iproute2 in JSON:
/// `ip -n NS -j ARGS...` (e.g. `["route", "get", "10.2.0.1"]`), its standard
/// output as text. Arguments go as a vector, never through a shell. Waits at most
/// `timeout`, then kills the `ip` it started (by its PID) and says so.
///
/// # Errors
/// `ip` cannot start, times out, or fails: the kernel's message, without iproute2's
/// `RTNETLINK answers: ` prefix.
pub fn ip_json(
    ns: &str,
    args: &[&str],
    timeout: std::time::Duration,
) -> std::result::Result<String, String> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new("ip")
        .args(["-n", ns, "-j"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    let (mut stdout, mut stderr) = (child.stdout.take(), child.stderr.take());
    // Read both pipes on their own threads so a full pipe never blocks `ip`.
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = stdout.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let start = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() < timeout => {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("ip timed out".to_string());
            }
            Err(e) => return Err(format!("cannot wait for ip: {e}")),
        }
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    if !status.success() {
        let msg = stderr.trim();
        return Err(msg.trim_start_matches("RTNETLINK answers: ").to_string());
    }
    Ok(stdout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_namespace_is_a_clear_error() {
        let err = run_in(Some("netkit-no-such-namespace-xyz"), || 1).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }

    #[test]
    fn none_runs_in_current_namespace() {
        assert_eq!(run_in(None, || 41 + 1).unwrap(), 42);
    }
}
