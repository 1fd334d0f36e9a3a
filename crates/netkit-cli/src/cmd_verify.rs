//! `netkit verify PLAYBOOK` / `netkit verify TOPOLOGY --auto`: the acceptance test
//! (recette) on the lab or the live network. Exit 0 when every check passed, 1 when
//! one failed or could not run, 2 when verify itself could not run.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use netkit_model::terminal::safe_multiline;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use comfy_table::{ContentArrangement, Table};
use indicatif::{ProgressBar, ProgressStyle};
use netkit_results::{CheckResult, Results, Verdict};
use netkit_verify::playbook::{self, Playbook, Target};
use netkit_verify::{Check, CheckContext, RunInfo};

use crate::Outcome;
use crate::common;
use crate::verify_compare;

#[path = "cmd_verify_live.rs"]
mod live;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Junit,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetArg {
    Lab,
    Live,
}

/// Boxed so that the `Command` enum of `main.rs` stays small.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub opts: Box<Opts>,
}

#[derive(clap::Args)]
pub struct Opts {
    /// An acceptance playbook (YAML), or a topology / plan JSON with --auto.
    pub input: PathBuf,
    /// Derive the checks from the plan (added to a playbook's own checks).
    #[arg(long)]
    pub auto: bool,
    /// Lab name (default: the playbook's `lab`, else the topology's name).
    #[arg(long, value_name = "NAME")]
    pub lab: Option<String>,
    /// Where the checks run (default: the playbook's `target`, else lab).
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the results to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Checks running at once.
    #[arg(long, default_value_t = netkit_verify::DEFAULT_CONCURRENCY, value_name = "N")]
    pub concurrency: usize,
    /// Probe packets per second, all checks together (0: no limit).
    #[arg(long, default_value_t = netkit_verify::DEFAULT_RATE, value_name = "PPS")]
    pub rate: u32,
    /// How long one probe try waits for an answer (e.g. 1s, 500ms).
    #[arg(long = "probe-timeout", default_value = "1s", value_name = "DURATION")]
    pub probe_timeout: String,
    /// Tries per probe before a target counts as silent.
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub tries: u32,
    /// Stop the whole run after this long; unfinished checks are errors (e.g. 10m).
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// Leave out these check kinds (comma-separated: reach,isolate,tcp,dns,path,bandwidth,snmp).
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub skip: Vec<String>,
    /// Run only these check kinds (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "KINDS")]
    pub only: Vec<String>,
    /// Technician's name for the report (overrides the playbook's).
    #[arg(long, value_name = "NAME")]
    pub technician: Option<String>,
    /// Requester's name for the report (overrides the playbook's).
    #[arg(long, value_name = "NAME")]
    pub requester: Option<String>,
    #[command(flatten)]
    pub live: live::LiveArgs,
    /// Mark each result against an earlier run (its `--format json` output): new-failure,
    /// fixed, still-failing, unchanged or new; the table lists the changes first.
    #[arg(long, value_name = "PREVIOUS.json")]
    pub compare: Option<PathBuf>,
}

/// A YAML file is a playbook when it has a top-level `checks:`, `topology:` or `auto:`.
fn looks_like_playbook(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("checks:") || l.starts_with("topology:") || l.starts_with("auto:"))
}

pub fn run(args: Args) -> Result<Outcome> {
    let args = *args.opts;
    let (probe_timeout, run_timeout) = check_options(&args)?;

    let previous = match &args.compare {
        Some(p) => Some(verify_compare::load_previous(p)?),
        None => None,
    };

    let (pb, loaded) = load_input(&args)?;
    let plan = Arc::new(loaded.plan);

    let target = match (args.target, pb.as_ref().map(|p| p.target)) {
        (Some(TargetArg::Lab), _) => Target::Lab,
        (Some(TargetArg::Live), _) => Target::Live,
        (None, Some(t)) => t,
        (None, None) => Target::Lab,
    };
    let lab_name = args
        .lab
        .clone()
        .or_else(|| pb.as_ref().and_then(|p| p.lab.clone()))
        .unwrap_or_else(|| plan.name.clone());
    let plan = with_lab_routing(plan, target, &lab_name)?;

    let checks = select_checks(&args, pb.as_ref(), &plan)?;

    let agents = live::agents(&args.live, pb.as_ref(), &plan)?;
    if target == Target::Lab && !args.live.agents.is_empty() {
        bail!(
            "--agent is for a live network: add --target live (in a lab every check runs in its source's namespace)"
        );
    }
    let token = if target == Target::Live {
        crate::cmd_agent::load_token(args.live.token_file.as_ref())?
    } else {
        None
    };
    let mut ctx = context(target, &plan, &lab_name, &args.input, pb.as_ref())?;
    ctx.topology = loaded.topology.map(Arc::new);
    ctx.probe = netkit_probe::ProbeSettings {
        timeout: probe_timeout,
        tries: args.tries,
    };
    ctx.limiter = Arc::new(netkit_probe::RateLimiter::new(args.rate));
    ctx.run_deadline = run_timeout.map(|t| Instant::now() + t);
    ctx.playbook_deadline = pb.as_ref().and_then(|p| p.deadline.clone());
    ctx.agent_token = token.clone();
    ctx.far_ends = Arc::new(agents.clone().into_iter().collect());

    let info = run_info(&args, pb.as_ref(), &plan);
    let progress = Progress::new(netkit_verify::total_results(&ctx, &checks));
    let live_opts = (target == Target::Live).then(|| live_options(&args, token, agents));
    let (mut results, note) =
        execute(&ctx, &info, &checks, args.concurrency, live_opts, &progress)?;
    progress.finish();
    let comparison = previous
        .as_ref()
        .map(|p| netkit_results::compare::mark(&mut results, p));
    print_results(&args, &results, comparison.as_ref(), note.as_deref())?;
    Ok(Outcome::from_ok(results.all_passed()))
}

/// Check the options that clap does not: check kinds, durations, ranges. Gives the
/// probe timeout and the whole run's timeout.
fn check_options(args: &Opts) -> Result<(Duration, Option<Duration>)> {
    for k in args.skip.iter().chain(&args.only) {
        if !playbook::CHECK_KINDS.contains(&k.as_str()) {
            bail!(
                "unknown check kind `{k}` in --skip/--only: use {}",
                playbook::CHECK_KINDS.join(", ")
            );
        }
    }
    let probe_timeout = netkit_units::parse_positive_duration(&args.probe_timeout)
        .map_err(|e| anyhow::anyhow!("--probe-timeout: {e}"))?;
    let run_timeout = match &args.timeout {
        Some(t) => Some(
            netkit_units::parse_positive_duration(t)
                .map_err(|e| anyhow::anyhow!("--timeout: {e}"))?,
        ),
        None => None,
    };
    if args.tries == 0 || args.tries > 20 {
        bail!("--tries {} is out of range: use 1 to 20", args.tries);
    }
    if args.concurrency == 0 || args.concurrency > 65_536 {
        bail!(
            "--concurrency {} is out of range: use 1 to 65536",
            args.concurrency
        );
    }
    Ok((probe_timeout, run_timeout))
}

/// Read the input: a playbook and the topology it names, or (with --auto) a
/// topology or plan JSON.
fn load_input(args: &Opts) -> Result<(Option<Playbook>, common::Loaded)> {
    let bytes = common::read_file(&args.input)?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let is_json = text.trim_start().starts_with('{');
    if !is_json && looks_like_playbook(&text) {
        let (pb, loaded) = load_playbook(&args.input, &text)?;
        Ok((Some(pb), loaded))
    } else {
        if !args.auto {
            bail!(
                "{} is a topology, not a playbook: add --auto to derive the checks from its plan, or give a playbook",
                args.input.display()
            );
        }
        Ok((None, common::load(&args.input)?))
    }
}

/// Parse the playbook at `input`, load its topology and check that the playbook
/// names only things the topology has.
fn load_playbook(input: &Path, text: &str) -> Result<(Playbook, common::Loaded)> {
    let pb = match playbook::parse(input, text) {
        Ok(pb) => pb,
        Err(errors) => {
            for e in &errors {
                eprintln!("{}", safe_multiline(&e.to_string()));
            }
            bail!(
                "{} is not a valid playbook ({} problem{} above): fix it and run again",
                input.display(),
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
        }
    };
    if !pb.topology.exists() {
        bail!(
            "{}:{}:{}: the topology {} does not exist: `topology:` is relative to the playbook's folder",
            pb.path.display(),
            pb.topology_at.line,
            pb.topology_at.col,
            pb.topology.display()
        );
    }
    let loaded = common::load(&pb.topology)?;
    let errors = playbook::validate(&pb, &loaded.plan);
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("{}", safe_multiline(&e.to_string()));
        }
        bail!(
            "{} names things topology {} does not have ({} problem{} above): fix the ids",
            input.display(),
            pb.topology.display(),
            errors.len(),
            if errors.len() == 1 { "" } else { "s" }
        );
    }
    Ok((pb, loaded))
}

/// A lab built with `lab up --routing X` runs another routing mode than the topology
/// says: the expected tables (SNMP route checks, paths) are those of the lab's mode.
/// The lab runs ospfd for IPv4 only; IPv6 routes stay the plan's static ones.
fn with_lab_routing(
    plan: Arc<netkit_plan::Plan>,
    target: Target,
    lab_name: &str,
) -> Result<Arc<netkit_plan::Plan>> {
    let plan = match (target, netkit_lab::LabState::load(lab_name)) {
        (Target::Lab, Ok(st)) if st.routing != plan.routing => {
            let mut p = (*plan).clone();
            p.routing = st.routing;
            match p.recompute_routing() {
                Ok(()) => {
                    for (device, routes) in p.routes.iter_mut() {
                        routes.retain(|r| r.destination.addr().is_ipv4());
                        if let Some(before) = plan.routes.get(device) {
                            routes.extend(
                                before
                                    .iter()
                                    .filter(|r| r.destination.addr().is_ipv6())
                                    .cloned(),
                            );
                        }
                    }
                    Arc::new(p)
                }
                // Checking against the other mode's tables would report differences
                // that are not there (or hide real ones): refuse instead.
                Err(diags) => {
                    let why: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
                    bail!(
                        "lab {lab_name} runs {} routing, and the expected routes of that mode cannot be computed from this plan ({}): rebuild the lab with `netkit lab up --routing {}` or fix the topology",
                        st.routing,
                        why.join("; "),
                        plan.routing
                    );
                }
            }
        }
        _ => plan,
    };
    Ok(plan)
}

/// The checks: the playbook's, plus derived ones, less those --skip/--only leave out.
fn select_checks(
    args: &Opts,
    pb: Option<&Playbook>,
    plan: &netkit_plan::Plan,
) -> Result<Vec<Check>> {
    let mut checks: Vec<Check> = pb
        .map(|p| p.checks.iter().map(|c| c.check.clone()).collect())
        .unwrap_or_default();
    if args.auto || pb.is_some_and(|p| p.auto) {
        checks.extend(netkit_verify::auto::derive(plan));
    }
    checks.retain(|c| {
        !args.skip.iter().any(|k| k == c.kind())
            && (args.only.is_empty() || args.only.iter().any(|k| k == c.kind()))
    });
    if checks.is_empty() {
        bail!(
            "there is no check to run for {}: check --skip/--only, or the playbook's checks",
            args.input.display()
        );
    }
    Ok(checks)
}

/// Where the checks run: in the lab's namespaces (once the lab is found up), or
/// from this machine on the live network.
fn context(
    target: Target,
    plan: &Arc<netkit_plan::Plan>,
    lab_name: &str,
    input: &Path,
    pb: Option<&Playbook>,
) -> Result<CheckContext> {
    Ok(match target {
        Target::Lab => {
            check_lab_is_up(lab_name, plan, input, pb)?;
            let mut ctx = CheckContext::lab(
                plan.clone(),
                lab_name,
                Arc::new(|lab: &str, node: &str| netkit_lab::namespace_name(lab, node)),
            );
            let lab = lab_name.to_string();
            ctx.lab_secrets = Some(Arc::new(move |key: &str| {
                netkit_lab::lab_secret(&lab, key).map_err(|e| e.to_string())
            }));
            ctx
        }
        Target::Live => CheckContext::live(plan.clone()),
    })
}

/// What the results say about the run: its name, who ran it, for whom, by when.
fn run_info(args: &Opts, pb: Option<&Playbook>, plan: &netkit_plan::Plan) -> RunInfo {
    RunInfo {
        name: pb
            .map(|p| p.name.clone())
            .unwrap_or_else(|| format!("auto: {}", plan.name)),
        technician: args
            .technician
            .clone()
            .or_else(|| pb.and_then(|p| p.technician.clone())),
        requester: args
            .requester
            .clone()
            .or_else(|| pb.and_then(|p| p.requester.clone())),
        deadline: pb.and_then(|p| p.deadline.clone()),
    }
}

/// How the coordinator of a live run talks to the agents.
fn live_options(
    args: &Opts,
    token: Option<netkit_bandwidth::Token>,
    agents: BTreeMap<String, SocketAddr>,
) -> netkit_agent::Options {
    let mut opts = netkit_agent::Options::new(token, agents);
    opts.concurrency = args.concurrency;
    opts.max_agents = args.live.agent_concurrency.max(1);
    opts.skip_unreachable = args.live.skip_unreachable_sources;
    if args.rate > 0 {
        opts.rate_pps = args.rate;
    }
    opts
}

/// Run the checks on a runtime of their own: in the lab, or on the live network
/// through the agents (`live`). Gives the results and a note for the terminal.
fn execute(
    ctx: &CheckContext,
    info: &RunInfo,
    checks: &[Check],
    concurrency: usize,
    live_opts: Option<netkit_agent::Options>,
    progress: &Progress,
) -> Result<(Results, Option<String>)> {
    let on_result = |r: &CheckResult| progress.on_result(r);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (results, note) = match live_opts {
        None => (
            runtime.block_on(netkit_verify::run(
                ctx,
                info,
                checks,
                concurrency,
                &on_result,
            )),
            None,
        ),
        Some(opts) => {
            let r = live::run(
                &runtime,
                ctx,
                info,
                checks,
                opts,
                &on_result,
                progress.bar.as_ref(),
                &progress.agent_note,
            );
            (r.results, r.note)
        }
    };
    // Probe sockets and tasks end with the runtime.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok((results, note))
}

/// The progress of a run on the terminal: a bar, or each result on stderr with
/// --verbose.
struct Progress {
    bar: Option<ProgressBar>,
    verbose: bool,
    /// Passed, failed, errors so far.
    counts: Mutex<(usize, usize, usize)>,
    /// What the agents are doing, after the counts on the bar (live runs).
    agent_note: Mutex<String>,
}

impl Progress {
    fn new(total: usize) -> Progress {
        let verbose = common::verbosity() == common::Verbosity::Verbose;
        let bar = if common::show_progress() && !verbose {
            let bar = ProgressBar::new(total as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} checks, {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            Some(bar)
        } else {
            None
        };
        Progress {
            bar,
            verbose,
            counts: Mutex::new((0usize, 0usize, 0usize)),
            agent_note: Mutex::new(String::new()),
        }
    }

    fn on_result(&self, r: &CheckResult) {
        let mut c = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        match r.verdict {
            Verdict::Pass => c.0 += 1,
            Verdict::Fail => c.1 += 1,
            Verdict::Error => c.2 += 1,
        }
        if self.verbose {
            // --verbose: each result on stderr as it finishes, in a pipe too.
            eprint!("{}", plain_line(r));
        }
        if let Some(b) = &self.bar {
            b.inc(1);
            let note = self
                .agent_note
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            b.set_message(format!(
                "{} passed, {} failed, {} errors{note}",
                c.0, c.1, c.2
            ));
        }
    }

    fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// Write the results in the chosen format, then the summary and the run's note
/// on stderr.
fn print_results(
    args: &Opts,
    results: &Results,
    comparison: Option<&netkit_results::compare::Comparison>,
    note: Option<&str>,
) -> Result<()> {
    let text = match args.format {
        Format::Json => results.to_json(),
        Format::Junit => junit(results),
        Format::Table => {
            let to_terminal = args.output.is_none() && common::stdout_is_terminal();
            if to_terminal {
                table(results, comparison)
            } else {
                plain(results, comparison)
            }
        }
    };
    common::emit(args.output.as_deref(), &text)?;
    if common::show_notes() && (args.output.is_some() || args.format != Format::Table) {
        eprintln!("{}", safe_multiline(&summary(results)));
        if let Some(c) = comparison {
            eprintln!("{}", compare_summary(c));
        }
    }
    if let Some(n) = note {
        eprintln!("netkit: {n}");
    }
    Ok(())
}

/// For a lab target, the lab must be up: its namespaces exist.
fn check_lab_is_up(
    lab: &str,
    plan: &netkit_plan::Plan,
    input: &Path,
    pb: Option<&Playbook>,
) -> Result<()> {
    let topo = pb
        .map(|p| p.topology.display().to_string())
        .unwrap_or_else(|| input.display().to_string());
    let probes: Vec<String> = plan
        .segments()
        .map(|s| s.id.clone())
        .chain(plan.routers().map(|d| d.id.clone()))
        .collect();
    let up = probes
        .iter()
        .filter(|n| netkit_netns::exists(&netkit_lab::namespace_name(lab, n)))
        .count();
    if up == 0 {
        bail!(
            "lab {lab} is not up (no namespace {} found): run `netkit lab up {topo} --name {lab}` first, or pass --lab NAME",
            netkit_lab::namespace_name(lab, probes.first().map(String::as_str).unwrap_or("NODE"))
        );
    }
    // Entering a namespace needs CAP_SYS_ADMIN: find out now, once, rather than
    // in every check.
    let probe_ns = probes
        .iter()
        .map(|n| netkit_lab::namespace_name(lab, n))
        .find(|ns| netkit_netns::exists(ns));
    if let Some(ns) = probe_ns
        && let Err(e @ netkit_netns::Error::Enter { .. }) = netkit_netns::run_in(Some(&ns), || ())
    {
        bail!("{e}: run netkit verify with sudo");
    }
    Ok(())
}

fn short_measured(r: &CheckResult) -> String {
    let m = &r.measured;
    let f = |k: &str| m.get(k).and_then(|v| v.as_f64());
    match r.check.as_str() {
        "reach" | "isolate" => {
            let sent = m.get("sent").and_then(|v| v.as_u64()).unwrap_or(0);
            let recv = m.get("received").and_then(|v| v.as_u64()).unwrap_or(0);
            match f("rtt_ms") {
                Some(rtt) => format!("{recv}/{sent} replies, {rtt} ms"),
                None if sent > 0 => format!("{recv}/{sent} replies"),
                None => String::new(),
            }
        }
        "tcp" => match (m.get("outcome").and_then(|v| v.as_str()), f("latency_ms")) {
            (Some(o), Some(l)) => format!("{o}, {l} ms"),
            (Some(o), None) => o.to_string(),
            _ => String::new(),
        },
        "dns" => m
            .get("addresses")
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default(),
        "path" => m
            .get("devices")
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .collect::<Vec<_>>()
                    .join(" -> ")
            })
            .unwrap_or_default(),
        "bandwidth" => f("bps")
            .map(|b| format!("{:.1} Mbit/s", b / 1e6))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn summary(results: &Results) -> String {
    format!(
        "{} checks: {} passed, {} failed, {} could not run",
        results.results.len(),
        results.count(Verdict::Pass),
        results.count(Verdict::Fail),
        results.count(Verdict::Error)
    )
}

fn compare_summary(c: &netkit_results::compare::Comparison) -> String {
    format!("since the previous run: {}", c.summary())
}

/// The results in the order a reader wants them: with --compare, what changed first.
fn ordered(results: &Results) -> impl Iterator<Item = &CheckResult> {
    netkit_results::compare::report_order(&results.results)
        .into_iter()
        .map(|i| &results.results[i])
}

fn table(results: &Results, comparison: Option<&netkit_results::compare::Comparison>) -> String {
    let mut t = Table::new();
    let mut header = vec![
        "verdict", "check", "from", "to", "target", "measured", "reason",
    ];
    if comparison.is_some() {
        header.insert(0, "change");
    }
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    for r in ordered(results) {
        let mut row = Vec::with_capacity(8);
        if comparison.is_some() {
            row.push(r.change.map(|c| c.to_string()).unwrap_or_default());
        }
        row.extend([
            r.verdict.as_str().to_uppercase(),
            r.check.clone(),
            r.from.clone().unwrap_or_default(),
            r.to.clone().unwrap_or_default(),
            r.target.clone().unwrap_or_default(),
            short_measured(r),
            r.reason.clone().unwrap_or_default(),
        ]);
        t.add_row(row);
    }
    match comparison {
        Some(c) => format!("{t}\n{}\n{}\n", summary(results), compare_summary(c)),
        None => format!("{t}\n{}\n", summary(results)),
    }
}

/// One line per result, tab-free and stable: for pipes, grep and logs.
fn plain(results: &Results, comparison: Option<&netkit_results::compare::Comparison>) -> String {
    let mut out = String::new();
    for r in ordered(results) {
        out.push_str(&plain_line(r));
    }
    out.push_str(&summary(results));
    out.push('\n');
    if let Some(c) = comparison {
        out.push_str(&compare_summary(c));
        out.push('\n');
    }
    out
}

/// `PASS reach hq.users -> lyon.users (10.2.0.1): 1/1 replies, 0.3 ms` and a newline.
fn plain_line(r: &CheckResult) -> String {
    {
        let mut line = match r.change {
            Some(c) => format!("[{c}] "),
            None => String::new(),
        };
        line += &format!(
            "{} {} {} -> {}",
            r.verdict.as_str().to_uppercase(),
            r.check,
            r.from.as_deref().unwrap_or("-"),
            r.to.as_deref().unwrap_or("-")
        );
        if let Some(t) = &r.target {
            line.push_str(&format!(" ({t})"));
        }
        let m = short_measured(r);
        if !m.is_empty() {
            line.push_str(&format!(": {m}"));
        }
        if let Some(reason) = &r.reason {
            line.push_str(&format!(": {reason}"));
        }
        line.push('\n');
        line
    }
}

fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => o.push(c),
        }
    }
    o
}

fn seconds_between(a: &str, b: &str) -> f64 {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => ((b - a).num_milliseconds().max(0) as f64) / 1000.0,
        _ => 0.0,
    }
}

/// JUnit XML, as CI systems read it: one test case per result.
fn junit(results: &Results) -> String {
    let failures = results.count(Verdict::Fail);
    let errors = results.count(Verdict::Error);
    let total = results.results.len();
    let time = seconds_between(&results.started, &results.finished);
    let name = xml_escape(&results.playbook);
    let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.push_str(&format!(
        "<testsuites name=\"netkit verify\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">\n"
    ));
    o.push_str(&format!(
        "  <testsuite name=\"{name}\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" timestamp=\"{}\" time=\"{time:.3}\">\n",
        xml_escape(&results.started)
    ));
    o.push_str(&format!(
        "    <properties>\n      <property name=\"target\" value=\"{}\"/>\n",
        xml_escape(&results.target)
    ));
    if let Some(l) = &results.lab {
        o.push_str(&format!(
            "      <property name=\"lab\" value=\"{}\"/>\n",
            xml_escape(l)
        ));
    }
    o.push_str("    </properties>\n");
    for r in &results.results {
        let case = format!(
            "{} -> {}{}",
            r.from.as_deref().unwrap_or("-"),
            r.to.as_deref().unwrap_or("-"),
            r.target
                .as_deref()
                .map(|t| format!(" ({t})"))
                .unwrap_or_default()
        );
        let t = seconds_between(&r.start, &r.end);
        o.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"{t:.3}\"",
            xml_escape(&r.check),
            xml_escape(&case)
        ));
        let reason = xml_escape(r.reason.as_deref().unwrap_or(""));
        // With --compare, each case carries its change as a test-case property (the
        // place JUnit readers such as GitLab and Jenkins show per-case metadata).
        let props = r
            .change
            .map(|c| {
                format!(
                    "      <properties>\n        <property name=\"change\" value=\"{c}\"/>\n      </properties>\n"
                )
            })
            .unwrap_or_default();
        match r.verdict {
            Verdict::Pass if props.is_empty() => o.push_str("/>\n"),
            Verdict::Pass => o.push_str(&format!(">\n{props}    </testcase>\n")),
            Verdict::Fail => o.push_str(&format!(
                ">\n{props}      <failure message=\"{reason}\" type=\"fail\">{}</failure>\n    </testcase>\n",
                xml_escape(&r.measured.to_string())
            )),
            Verdict::Error => o.push_str(&format!(
                ">\n{props}      <error message=\"{reason}\" type=\"error\"/>\n    </testcase>\n"
            )),
        }
    }
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}
