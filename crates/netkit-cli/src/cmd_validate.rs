//! `netkit validate TOPOLOGY`: every problem at once, exit 0 when valid, 1 otherwise.
use std::path::PathBuf;

use anyhow::Result;

use crate::{Outcome, common};

#[derive(clap::Args)]
pub struct Args {
    /// Topology file (YAML).
    topology: PathBuf,
}

pub fn run(args: Args) -> Result<Outcome> {
    match common::check_topology(&args.topology, None)? {
        Ok((topology, plan)) => {
            // A valid topology may still have warnings (settings with no effect):
            // `check_topology` returns only the plan, so read them again (cheap).
            if let Ok(bytes) = std::fs::read(&args.topology) {
                let warnings = netkit_model::parse(&bytes).diagnostics;
                common::print_diagnostics(&args.topology, &warnings);
            }
            let segments: usize = plan.sites.iter().map(|s| s.segments.len()).sum();
            println!(
                "{}: valid: {} ({} sites, {} devices, {} segments, {} links)",
                args.topology.display(),
                topology.name,
                plan.sites.len(),
                plan.devices.len(),
                segments,
                plan.links.len()
            );
            Ok(Outcome::Success)
        }
        Err(diags) => {
            common::print_diagnostics(&args.topology, &diags);
            let n = diags.len();
            eprintln!(
                "{}: {n} problem{} found",
                args.topology.display(),
                if n == 1 { "" } else { "s" }
            );
            Ok(Outcome::Failure)
        }
    }
}
