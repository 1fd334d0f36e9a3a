//! `netkit`: plan, build, verify and document a multi-site network from one topology.
//!
//! Exit codes: 0 success, 1 the work ran but something failed (a check, a
//! validation), 2 the command could not run.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd_agent;
mod cmd_bandwidth;
mod cmd_config;
mod cmd_lab;
mod cmd_plan;
mod cmd_report;
mod cmd_snmp;
mod cmd_validate;
mod cmd_verify;
// Some helpers are only used by commands still being written.
#[allow(dead_code)]
mod common;
mod verify_compare;

pub use common::Outcome;

#[derive(Parser)]
#[command(
    name = "netkit",
    version,
    about = "Plan, build, verify and document a multi-site network from one topology file."
)]
struct Cli {
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
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are successes; anything else is a usage error (2).
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
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
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(e) => {
            eprintln!("netkit: error: {}", common::error_chain(&e));
            ExitCode::from(2)
        }
    }
}
