//! `netkit`: plan, build, verify and document a multi-site network from one topology.
//!
//! Exit codes: 0 success, 1 the work ran but something failed (a check, a
//! validation), 2 the command could not run.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use netkit_model::terminal::safe_multiline;

mod cmd_agent;
mod cmd_bandwidth;
mod cmd_completions;
mod cmd_config;
mod cmd_export;
mod cmd_lab;
mod cmd_plan;
mod cmd_report;
mod cmd_snmp;
mod cmd_validate;
mod cmd_verify;
mod common;
mod pdf;
mod plan_json;
mod verify_compare;

pub use common::Outcome;

/// `0.1.0 (c884179 2026-12-02)`: the package version and the commit it was built from
/// (build.rs; `commit unknown` without git).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("NETKIT_COMMIT"), ")");

#[derive(Parser)]
#[command(
    name = "netkit",
    version = VERSION,
    about = "Plan, build, verify and document a multi-site network from one topology file."
)]
struct Cli {
    /// Less on stderr: no progress, no summary lines (errors and warnings stay).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// More on stderr: each check as it finishes (verify), each step (lab up).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check a topology, and run the planner on it.
    Validate(cmd_validate::Args),
    /// Addressing plan and routing tables.
    Plan(cmd_plan::Args),
    /// One configuration file per layer-3 device (FRR, Cisco IOS, Linux).
    Config(cmd_config::Args),
    /// The mock-up: the topology built as Linux network namespaces.
    Lab(cmd_lab::Args),
    /// Run an acceptance playbook, or the checks derived from the plan.
    Verify(cmd_verify::Args),
    /// The endpoint that bandwidth tests and remote checks talk to.
    Agent(cmd_agent::Args),
    /// A one-off throughput test against a netkit agent or an iperf3 server.
    Bandwidth(cmd_bandwidth::Args),
    /// What a device reports over SNMP.
    Snmp(cmd_snmp::Args),
    /// The documents: diagram, addressing plan, routing tables, acceptance report, sheets.
    Report(cmd_report::Args),
    /// Export the plan for other tools: `export ansible-inventory PLAYBOOK`.
    Export(cmd_export::Args),
    /// A shell completion script (bash, zsh, fish) on standard output.
    Completions(cmd_completions::Args),
    /// The man page (roff), as shipped in docs/netkit.1: `netkit man | man -l -`.
    Man(cmd_completions::ManArgs),
}

/// The whole `netkit` command: parses the arguments, runs the command, returns the exit
/// code (0 success, 1 the work ran but something failed, 2 the command could not run).
pub fn main() -> ExitCode {
    // NO_COLOR (no-color.org): set and not empty, no colour anywhere, whatever a
    // terminal or CLICOLOR_FORCE says.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let mut command = <Cli as clap::CommandFactory>::command();
    if no_color {
        command = command.color(clap::ColorChoice::Never);
    }
    let parsed = command
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are successes; anything else is a usage error (2).
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    common::set_verbosity(if cli.quiet {
        common::Verbosity::Quiet
    } else if cli.verbose {
        common::Verbosity::Verbose
    } else {
        common::Verbosity::Normal
    });
    let result = match cli.command {
        Command::Validate(a) => cmd_validate::run(a),
        Command::Plan(a) => cmd_plan::run(a),
        Command::Config(a) => cmd_config::run(a),
        Command::Lab(a) => cmd_lab::run(a),
        Command::Verify(a) => cmd_verify::run(a),
        Command::Agent(a) => cmd_agent::run(a),
        Command::Bandwidth(a) => cmd_bandwidth::run(a),
        Command::Snmp(a) => cmd_snmp::run(a),
        Command::Report(a) => cmd_report::run(a),
        Command::Export(a) => cmd_export::run(a),
        Command::Completions(a) => cmd_completions::run(a),
        Command::Man(a) => cmd_completions::run_man(a),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(e) => {
            eprintln!(
                "netkit: error: {}",
                safe_multiline(&common::error_chain(&e))
            );
            ExitCode::from(2)
        }
    }
}
