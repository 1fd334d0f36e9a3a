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
        Ok(common::Checked {
            topology,
            plan,
            warnings,
        }) => {
            // A valid topology may still have warnings (settings with no effect,
            // Wi-Fi passphrases whose variable is not set here).
            let env = |name: &str| std::env::var(name).ok();
            let mut warnings = warnings;
            warnings.extend(netkit_model::check_secrets(&topology, &env));
            common::print_diagnostics(&args.topology, &warnings);
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
            let warnings = diags
                .iter()
                .filter(|d| d.severity == netkit_model::Severity::Warning)
                .count();
            let n = diags.len() - warnings;
            let plural = |n: usize| if n == 1 { "" } else { "s" };
            let also = if warnings > 0 {
                format!(" (and {warnings} warning{})", plural(warnings))
            } else {
                String::new()
            };
            eprintln!(
                "{}: {n} problem{} found{also}: the topology is not valid",
                args.topology.display(),
                plural(n)
            );
            Ok(Outcome::Failure)
        }
    }
}
