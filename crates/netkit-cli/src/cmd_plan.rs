//! `netkit plan TOPOLOGY`: the addressing plan and the routing tables.
//!
//! `--format table` (the default, on a terminal and in a pipe alike: people read it)
//! prints one section per site then one routing table per router; `json` prints
//! SPEC's plan JSON (the machine interface); `csv` prints one table a spreadsheet
//! opens directly: the addressing plan, or the routes with `--what routes`; `md`
//! prints Markdown. `--keep PREVIOUS.json` keeps every allocation of a previous plan
//! that still fits. The input may also be a plan JSON, which is then rendered again.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use netkit_plan::Plan;
use netkit_report::plan_tables::{self as output, What};

use crate::{Outcome, common};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable tables, one section per site, then the routing tables.
    Table,
    /// The plan JSON (`netkit-plan/1`), read by every other command.
    Json,
    /// One CSV table (RFC 4180): the addressing plan, or the routes with `--what routes`.
    Csv,
    /// Markdown headings and tables.
    Md,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    /// Addressing plan and routing tables (CSV: not allowed, pick one).
    All,
    /// Sites, segments, named hosts, devices, links, loopbacks, internet, DNS.
    Addressing,
    /// Routing tables (and filtering rules) of every layer-3 device.
    Routes,
}

#[derive(clap::Args)]
pub struct Args {
    /// Topology file (YAML), or a plan JSON written by `netkit plan --format json`.
    pub topology: PathBuf,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Keep every allocation of this previous plan JSON that still fits.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub keep: Option<PathBuf>,
    /// Which part to print (table, md: all by default; csv: addressing by default).
    #[arg(long, value_enum)]
    pub what: Option<Part>,
}

fn read_previous(path: &Path) -> Result<Plan> {
    let bytes = common::read_file(path)?;
    let text = std::str::from_utf8(&bytes).with_context(|| {
        format!(
            "{} is not UTF-8 text: --keep takes a plan written by `netkit plan --format json`",
            path.display()
        )
    })?;
    Plan::from_json(text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not a netkit plan JSON ({e}): --keep takes a plan written by `netkit plan TOPOLOGY --format json -o {}`",
            path.display(),
            e.line(),
            e.column(),
            path.display()
        )
    })
}

pub fn run(args: Args) -> Result<Outcome> {
    let previous = match &args.keep {
        Some(p) => Some(read_previous(p)?),
        None => None,
    };
    // The plan JSON of a topology is streamed: its routing tables (most of its
    // bytes) never sit in memory all at once.
    let loaded = if args.format == Format::Json {
        match crate::plan_json::load(&args.topology, previous.as_ref())? {
            crate::plan_json::Input::Topology(deferred) => {
                crate::plan_json::write(&deferred, args.output.as_deref())?;
                return Ok(Outcome::Success);
            }
            crate::plan_json::Input::Plan(loaded) => *loaded,
        }
    } else {
        common::load_with_previous(&args.topology, previous.as_ref())?
    };
    if loaded.topology.is_none() && args.keep.is_some() {
        bail!(
            "{} is already a plan, so --keep has nothing to re-plan: give the topology file instead",
            args.topology.display()
        );
    }
    let plan = &loaded.plan;
    let text = match args.format {
        Format::Json => plan.to_json(),
        Format::Table => output::table(plan, what(args.what, What::All)),
        Format::Md => output::markdown(plan, what(args.what, What::All)),
        Format::Csv => match args.what {
            None | Some(Part::Addressing) => output::addressing_csv(plan),
            Some(Part::Routes) => output::routes_csv(plan),
            Some(Part::All) => bail!(
                "a CSV file holds one table: use `--what addressing` (the default) or `--what routes`"
            ),
        },
    };
    common::emit(args.output.as_deref(), &text)?;
    Ok(Outcome::Success)
}

fn what(part: Option<Part>, default: What) -> What {
    match part {
        None => default,
        Some(Part::All) => What::All,
        Some(Part::Addressing) => What::Addressing,
        Some(Part::Routes) => What::Routes,
    }
}
