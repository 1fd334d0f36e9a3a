//! The small types the playbook, the context and the checks all speak of: where
//! checks run ([`Target`]) and a position in the playbook file ([`Loc`]). Below
//! every other module, so that none of them needs the playbook parser for these.

use std::fmt;

/// Where the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Target {
    /// The namespaces of `netkit lab up`.
    #[default]
    Lab,
    /// The real network, from this machine.
    Live,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Lab => "lab",
            Target::Live => "live",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A position in the playbook file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Loc {
    pub line: u64,
    pub col: u64,
}
