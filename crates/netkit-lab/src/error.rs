use std::path::PathBuf;

/// Everything that can go wrong with a lab. Messages are one sentence with the fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "netkit lab needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) to work with network namespaces: run it as root, e.g. `sudo netkit lab ...`"
    )]
    NotPrivileged,
    #[error(
        "lab {lab} already exists ({what}): run `netkit lab down --name {lab}` first, or choose another name with `--name`"
    )]
    Exists { lab: String, what: String },
    #[error(
        "lab {lab} does not exist (no {}): start it with `netkit lab up TOPOLOGY --name {lab}`, or see `netkit lab status`",
        state.display()
    )]
    NotFound { lab: String, state: PathBuf },
    #[error(
        "invalid lab name {name:?}: use 1 to 24 characters from a-z, 0-9 and '-' (it prefixes every namespace), e.g. `--name acme`"
    )]
    BadName { name: String },
    #[error("lab node {node} does not exist in lab {lab}: pick one of: {known}")]
    UnknownNode {
        lab: String,
        node: String,
        known: String,
    },
    /// A step of building or removing the lab failed: which step, on which object,
    /// and what the kernel or the tool said.
    #[error("{step} failed on {object}: {detail}")]
    Step {
        step: String,
        object: String,
        detail: String,
    },
    #[error("cannot read lab state {}: {detail}: remove the lab with `netkit lab down --name {lab}`", path.display())]
    State {
        lab: String,
        path: PathBuf,
        detail: String,
    },
    /// The state file lists something the lab would never have made: `down`
    /// refuses to act on any of it.
    #[error("lab {lab}: refusing to act on the state file {}: {detail}; it was not written by `netkit lab up` for this lab: check it, then remove the lab's namespaces (`ip netns del {lab}.…`) and that file by hand", path.display())]
    Untrusted {
        lab: String,
        path: PathBuf,
        detail: String,
    },
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub(crate) fn step(step: &str, object: &str, detail: impl std::fmt::Display) -> Error {
        Error::Step {
            step: step.to_string(),
            object: object.to_string(),
            detail: detail.to_string(),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
