//! netkit's topology model: the YAML text of a topology file in, a typed [`Topology`]
//! and every problem found ([`Diagnostic`]s with line and column) out.
//!
//! This crate does no IO and knows nothing of addresses allocation or routing: it
//! checks what can be checked on the text alone (syntax, types, names, references,
//! CIDR syntax, pins inside their pools). The planner (`netkit-plan`) does the rest.

mod access;
mod diagnostic;
mod parse;
pub mod spreadsheet;
pub mod terminal;
mod text;
mod types;
mod yaml;

pub use access::*;
pub use diagnostic::{Diagnostic, Severity};
pub use parse::{MAX_BYTES, Parsed, parse, parse_with_secrets};
pub use types::*;
