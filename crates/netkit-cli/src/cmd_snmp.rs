//! `netkit snmp` (being written).
use anyhow::{Result, bail};

use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Arguments of this command.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    rest: Vec<String>,
}

pub fn run(args: Args) -> Result<Outcome> {
    let _ = args.rest;
    bail!("`netkit snmp` is not available in this build yet")
}
