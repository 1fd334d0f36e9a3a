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
