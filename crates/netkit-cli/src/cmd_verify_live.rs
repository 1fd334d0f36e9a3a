//! The live target of `netkit verify`: the checks of each source run on this
//! machine when it is in the source, else on the source's `netkit agent`
//! (`agents:` of the playbook, `--agent NODE=ADDR[:PORT]`), through
//! `netkit_agent::coordinator`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::{Result, bail};
use indicatif::ProgressBar;
use netkit_agent::{AgentEvent, Options};
use netkit_results::{CheckResult, Results};
use netkit_verify::playbook::Playbook;
use netkit_verify::{Check, CheckContext, RunInfo};

/// Options of the live target.
#[derive(clap::Args, Debug, Default)]
pub struct LiveArgs {
    /// The agent of a source on a live network (adds to or overrides the playbook's `agents:`); repeatable.
    #[arg(long = "agent", value_name = "NODE=ADDR[:PORT]")]
    pub agents: Vec<String>,
    /// File holding the agents' shared token (else the NETKIT_AGENT_TOKEN environment variable).
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Leave out checks whose source has no agent and is not this machine (instead of `error`).
    #[arg(long)]
    pub skip_unreachable_sources: bool,
    /// Agents talked to at once.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub agent_concurrency: usize,
}

/// The agents of the run: the playbook's, then `--agent` (later wins).
///
/// # Errors
/// A malformed `--agent`, or a node the plan does not have.
pub fn agents(
    args: &LiveArgs,
    pb: Option<&Playbook>,
    plan: &netkit_plan::Plan,
) -> Result<BTreeMap<String, SocketAddr>> {
    let mut out: BTreeMap<String, SocketAddr> = pb
        .map(|p| p.agents.iter().map(|a| (a.node.clone(), a.addr)).collect())
        .unwrap_or_default();
    for a in &args.agents {
        let (node, addr) = netkit_verify::agents::parse_assignment(a)
            .map_err(|e| anyhow::anyhow!("--agent {e}"))?;
        let known = plan.segment(&node).is_some()
            || plan.named_host(&node).is_some()
            || plan.device(&node).is_some();
        if !known {
            bail!(
                "--agent {a}: `{node}` is not a segment, named host or device of topology {}; {}",
                plan.name,
                netkit_verify::resolve::known_ids_hint(plan, "source")
            );
        }
        out.insert(node, addr);
    }
    Ok(out)
}

/// What the run gives: the results, and a note for the summary (checks left out,
/// agents that failed).
pub struct LiveRun {
    pub results: Results,
    pub note: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    runtime: &tokio::runtime::Runtime,
    ctx: &CheckContext,
    info: &RunInfo,
    checks: &[Check],
    opts: Options,
    on_result: &(dyn Fn(&CheckResult) + Sync),
    bar: Option<&ProgressBar>,
    agent_note: &Mutex<String>,
) -> LiveRun {
    let total_agents = {
        let mut a: Vec<&SocketAddr> = opts.agents.values().collect();
        a.sort();
        a.dedup();
        a.len()
    };
    let state = Mutex::new((0usize, 0usize, 0usize));
    let on_agent = |e: &AgentEvent| {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        match e {
            AgentEvent::Connected(_) => s.0 += 1,
            AgentEvent::Finished(_) => s.1 += 1,
            AgentEvent::Failed(_, _) => s.2 += 1,
        }
        let note = format!(
            "; agents: {} connected, {} done, {} failed of {total_agents}",
            s.0, s.1, s.2
        );
        *agent_note.lock().unwrap_or_else(|e| e.into_inner()) = note;
        if let (Some(b), AgentEvent::Failed(addr, cause)) = (bar, e) {
            b.println(format!("agent {addr} {cause}"));
        }
    };
    let out = runtime.block_on(netkit_agent::coordinator::run(
        ctx, info, checks, &opts, on_result, &on_agent,
    ));
    let mut notes = Vec::new();
    if out.left_out > 0 {
        notes.push(format!(
            "{} check(s) left out: no agent at {} and this machine is not there (--skip-unreachable-sources)",
            out.left_out,
            out.left_out_sources.join(", ")
        ));
    }
    if out.agents_failed > 0 {
        notes.push(format!(
            "{} of {} agent(s) failed: their checks are errors",
            out.agents_failed, out.agents_used
        ));
    }
    LiveRun {
        results: out.results,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}
