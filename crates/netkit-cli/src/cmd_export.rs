//! `netkit export ansible-inventory PLAYBOOK`: the Ansible inventory of the agents'
//! hosts, from the playbook's `agents:` map (SPEC "Live networks"), for the
//! `netkit_agent` role in `deploy/ansible`. Every node is checked against the plan
//! and every address parsed, so the inventory holds only ids and addresses.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::Outcome;
use crate::common;

/// The agent's port when an address has none.
const AGENT_PORT: u16 = 5301;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub what: What,
}

#[derive(clap::Subcommand)]
pub enum What {
    /// The Ansible inventory (YAML) of the agents named in a playbook's `agents:`.
    AnsibleInventory(InventoryArgs),
}

#[derive(clap::Args)]
pub struct InventoryArgs {
    /// An acceptance playbook with `topology:` and `agents:`.
    pub playbook: PathBuf,
    /// Write the inventory to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Only what the export needs; other keys of the playbook are the verifier's business.
#[derive(Deserialize)]
struct RawAgents {
    topology: Option<Spanned<String>>,
    #[serde(default)]
    agents: Option<BTreeMap<String, Spanned<String>>>,
}

/// One agent: node id, address, port, and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    pub node: String,
    pub addr: SocketAddr,
}

pub fn run(args: Args) -> Result<Outcome> {
    match args.what {
        What::AnsibleInventory(a) => inventory(a),
    }
}

fn inventory(args: InventoryArgs) -> Result<Outcome> {
    let path = &args.playbook;
    let bytes = common::read_file(path)?;
    let text = String::from_utf8_lossy(&bytes);
    let raw: RawAgents = serde_saphyr::from_str(&text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!("{}:{}:", l.line(), l.column()))
            .unwrap_or_default();
        anyhow::anyhow!(
            "{}:{at} not a playbook netkit can read ({e}): fix the YAML",
            path.display()
        )
    })?;
    let Some(topology) = raw.topology else {
        bail!(
            "{}: no `topology:`: export ansible-inventory reads a playbook, whose `topology:` and `agents:` name the sites' agents",
            path.display()
        );
    };
    let agents = raw.agents.unwrap_or_default();
    if agents.is_empty() {
        bail!(
            "{}: no `agents:` map: name the agent of each site, e.g. `agents: {{ lyon.users: 10.2.0.250 }}`",
            path.display()
        );
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let topo_path = dir.join(&topology.value);
    let loaded = common::load(&topo_path)?;
    let plan = &loaded.plan;

    let mut problems = Vec::new();
    let mut list = Vec::new();
    for (node, value) in &agents {
        let at = format!(
            "{}:{}:{}",
            path.display(),
            value.referenced.line(),
            value.referenced.column()
        );
        let known = plan.segment(node).is_some()
            || plan.device(node).is_some()
            || plan.named_host(node).is_some();
        if !known {
            problems.push(format!(
                "{at}: `{node}` in agents: is not a segment, device or named host of {}: use an id such as site.segment",
                topo_path.display()
            ));
            continue;
        }
        match parse_addr(value.value.trim()) {
            Some(addr) => list.push(Agent {
                node: node.clone(),
                addr,
            }),
            None => problems.push(format!(
                "{at}: the agent of {node} is `{}`, not an address: write ADDR or ADDR:PORT (e.g. 10.2.0.250 or [fd00::5]:5301)",
                value.value.chars().take(60).collect::<String>()
            )),
        }
    }
    if !problems.is_empty() {
        for p in &problems {
            eprintln!("{p}");
        }
        bail!(
            "{} has {} problem{} in agents: (above): fix them and export again",
            path.display(),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
    }
    common::emit(args.output.as_deref(), &render(&list))?;
    Ok(Outcome::Success)
}

/// `10.2.0.250`, `10.2.0.250:5301`, `fd00::5`, `[fd00::5]:5301`.
fn parse_addr(s: &str) -> Option<SocketAddr> {
    if let Ok(a) = s.parse::<SocketAddr>() {
        return (a.port() != 0).then_some(a);
    }
    s.parse::<IpAddr>()
        .ok()
        .map(|ip| SocketAddr::new(ip, AGENT_PORT))
}

/// The inventory in Ansible's YAML format. Node ids are `[a-z0-9-.]` (checked against
/// the plan) and addresses were parsed: nothing here needs quoting beyond what is done.
pub fn render(agents: &[Agent]) -> String {
    let mut o = String::from(
        "# Written by `netkit export ansible-inventory`: the hosts of the netkit agents.\n\
         # Use with deploy/ansible/site.yml (role netkit_agent).\n\
         all:\n  children:\n    netkit_agents:\n      hosts:\n",
    );
    for a in agents {
        let host = format!("agent-{}", a.node.replace('.', "-"));
        o.push_str(&format!(
            "        {host}:\n          ansible_host: \"{ip}\"\n          netkit_agent_node: {node}\n          netkit_agent_address: \"{ip}\"\n          netkit_agent_port: {port}\n",
            ip = a.addr.ip(),
            node = a.node,
            port = a.addr.port()
        ));
    }
    o
}
