//! `lab status` and `lab exec`: a lab as it is now, and a command in one of its nodes.

use super::*;

#[derive(Debug, Clone, Serialize)]
pub struct NodeStatus {
    pub node: String,
    pub namespace: String,
    pub kind: NodeKind,
    pub present: bool,
    pub addresses: Vec<IpNet>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkStatus {
    pub what: String,
    pub a: String,
    pub a_interface: String,
    pub b: String,
    pub b_interface: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_bps: Option<u64>,
    /// Both ends exist, are up and have carrier.
    pub up: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcessStatus {
    pub node: String,
    pub program: String,
    pub pid: u32,
    pub running: bool,
}

/// A lab as it is now.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub lab: String,
    pub topology: String,
    pub routing: RoutingMode,
    pub complete: bool,
    pub healthy: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub convergence_ms: Option<u64>,
    /// The nodes by kind: routers, switches, access points, hosts.
    pub counts: NodeCounts,
    pub nodes: Vec<NodeStatus>,
    pub links: Vec<LinkStatus>,
    pub processes: Vec<ProcessStatus>,
    /// What `up` warned about (e.g. snmpd cache tuning that failed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// Look at lab `lab`: namespaces present, veth ends up, processes running.
///
/// # Errors
/// The lab does not exist or its state cannot be read.
pub fn status(lab: &str) -> Result<Status> {
    check_lab_name(lab)?;
    let st = LabState::load(lab)?;
    // Looking at interfaces means entering the namespaces.
    check_privileges()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::step("start the async runtime", lab, e))?;
    let mut iface: std::collections::BTreeMap<(String, String), bool> = Default::default();
    let mut nodes = Vec::new();
    for n in &st.nodes {
        let present = ns::exists(&n.namespace);
        if present {
            let h = rt.handle().clone();
            let conn = netkit_netns::run_in(Some(&n.namespace), move || {
                let _g = h.enter();
                netlink::connect()
            });
            if let Ok(Ok((_task, handle))) = conn
                && let Ok(list) = rt.block_on(netlink::links(&handle))
            {
                for (name, up, running) in list {
                    iface.insert((n.node.clone(), name), up && running);
                }
            }
        }
        nodes.push(NodeStatus {
            node: n.node.clone(),
            namespace: n.namespace.clone(),
            kind: n.kind,
            present,
            addresses: n.addresses.clone(),
        });
    }
    let links: Vec<LinkStatus> = st
        .links
        .iter()
        .map(|l| {
            let a = iface
                .get(&(l.a.clone(), l.a_interface.clone()))
                .copied()
                .unwrap_or(false);
            let b = iface
                .get(&(l.b.clone(), l.b_interface.clone()))
                .copied()
                .unwrap_or(false);
            LinkStatus {
                what: l.what.clone(),
                a: l.a.clone(),
                a_interface: l.a_interface.clone(),
                b: l.b.clone(),
                b_interface: l.b_interface.clone(),
                rate_bps: l.rate_bps,
                up: a && b,
            }
        })
        .collect();
    let processes: Vec<ProcessStatus> = st
        .processes
        .iter()
        .map(|p| ProcessStatus {
            node: p.node.clone(),
            program: p.program.clone(),
            pid: p.pid,
            running: procs::alive(p),
        })
        .collect();
    let healthy = st.complete
        && nodes.iter().all(|n| n.present)
        && links.iter().all(|l| l.up)
        && processes.iter().all(|p| p.running);
    Ok(Status {
        lab: st.lab.clone(),
        topology: st.topology.clone(),
        routing: st.routing,
        complete: st.complete,
        healthy,
        convergence_ms: st.convergence_ms,
        counts: NodeCounts::of(nodes.iter().map(|n| n.kind)),
        nodes,
        links,
        processes,
        warnings: st.warnings.clone(),
    })
}

/// Where `exec` runs: a node of a lab.
#[derive(Debug, Clone)]
pub struct ExecTarget {
    pub lab: String,
    pub node: String,
}

/// Run `argv` (no shell) inside the namespace of `target`, with this process's
/// standard input and output; returns its exit code (128 + signal if killed).
///
/// # Errors
/// Unknown lab or node, or the program cannot be started.
pub fn exec(target: &ExecTarget, argv: &[String]) -> Result<i32> {
    check_lab_name(&target.lab)?;
    if argv.is_empty() {
        return Err(Error::Other(
            "no command given: add it after `--`, e.g. `netkit lab exec --name acme hq.r1 -- ip route`".into(),
        ));
    }
    let namespace = match LabState::load(&target.lab) {
        Ok(st) => match st.namespace(&target.node) {
            Some(n) => n.to_string(),
            None => {
                let known: Vec<&str> = st.nodes.iter().map(|n| n.node.as_str()).collect();
                return Err(Error::UnknownNode {
                    lab: target.lab.clone(),
                    node: target.node.clone(),
                    known: known.join(", "),
                });
            }
        },
        Err(Error::NotFound { .. }) if ns::exists(&namespace_name(&target.lab, &target.node)) => {
            namespace_name(&target.lab, &target.node)
        }
        Err(e) => return Err(e),
    };
    check_privileges()?;
    let file = ns::open(&namespace)?;
    let status = ns::command_in(&file, argv, false)?
        .status()
        .map_err(|e| Error::step(&format!("run {}", argv[0]), &namespace, e))?;
    use std::os::unix::process::ExitStatusExt;
    Ok(status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1))
}

/// Folder of a lab's FRR files (configuration, logs, pid files) for a router.
pub fn frr_dir(lab: &str, device: &str) -> PathBuf {
    state_dir(lab).join("frr").join(device)
}
