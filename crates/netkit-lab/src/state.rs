//! The lab state file: everything `up` made, so that `down` removes exactly that and
//! other crates find nodes, namespaces and credentials.

use std::io::Write;
use std::net::IpAddr;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use netkit_model::RoutingMode;
use netkit_plan::Plan;
use serde::{Deserialize, Serialize};

use crate::design::NodeKind;
use crate::{Error, Result};

/// Where lab state folders live: `/run/netkit/labs/<lab>/`.
pub const STATE_ROOT: &str = "/run/netkit/labs";
pub const STATE_FORMAT: &str = "netkit-lab-state/1";

/// The state folder of lab `lab`: `state.json`, `plan.json`, configuration files,
/// logs, pid files and `secrets/` (mode 0700).
pub fn state_dir(lab: &str) -> PathBuf {
    Path::new(STATE_ROOT).join(lab)
}

/// Labs that have a state folder, sorted.
pub fn list_labs() -> Vec<String> {
    let mut labs: Vec<String> = std::fs::read_dir(STATE_ROOT)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().join("state.json").exists())
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    labs.sort();
    labs
}

/// A secret of a running lab (`snmp-community`, `snmp-user`, `snmp-auth-password`,
/// `snmp-priv-password`), as `lab up` configured it: from the environment variable
/// named in the topology, or generated when that variable was unset. `Ok(None)`
/// when the lab has no such secret.
///
/// # Errors
/// The secret file exists but cannot be read.
pub fn lab_secret(lab: &str, key: &str) -> Result<Option<String>> {
    if key.contains('/') || key.contains("..") {
        return Ok(None);
    }
    let path = state_dir(lab).join("secrets").join(key);
    match std::fs::read_to_string(&path) {
        Ok(s) => Ok(Some(s.trim_end_matches('\n').to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::State {
            lab: lab.to_string(),
            path,
            detail: e.to_string(),
        }),
    }
}

pub(crate) fn write_secret(lab: &str, key: &str, value: &str) -> Result<PathBuf> {
    let dir = state_dir(lab).join("secrets");
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::step("create secrets folder", &dir.display().to_string(), e))?;
    let _ = std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o700));
    let path = dir.join(key);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| Error::step("write secret", &path.display().to_string(), e))?;
    f.write_all(value.as_bytes())
        .map_err(|e| Error::step("write secret", &path.display().to_string(), e))?;
    Ok(path)
}

/// One lab node and its namespace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeState {
    /// Device id, segment id (test host), named host id, or `internet`.
    pub node: String,
    pub namespace: String,
    pub kind: NodeKind,
    /// Addresses configured in the node (interface addresses, then loopbacks).
    #[serde(default)]
    pub addresses: Vec<IpNet>,
    /// Default gateway of a host node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<IpAddr>,
}

/// One veth pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkState {
    /// `link 0`, `segment hq.users`, `internet`.
    pub what: String,
    pub a: String,
    pub a_interface: String,
    pub b: String,
    pub b_interface: String,
    /// Shaping rate (tbf) on both ends, bits per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_bps: Option<u64>,
    /// Plan link id, for links between devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<usize>,
}

/// One process that `up` started; `down` kills it only if its pid still has the
/// same start time (so a recycled pid is never killed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProcessState {
    pub node: String,
    /// `zebra`, `ospfd`, `snmpd`, `dnsmasq`, `listener`.
    pub program: String,
    pub pid: u32,
    /// Field 22 of /proc/PID/stat (clock ticks since boot).
    pub start_time: u64,
    pub argv: Vec<String>,
    /// FRR pathspace (`vtysh -N PATHSPACE`), for zebra and ospfd.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pathspace: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<PathBuf>,
}

/// What a lab is made of. Written to `/run/netkit/labs/<lab>/state.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabState {
    pub format: String,
    pub lab: String,
    /// The topology's name.
    pub topology: String,
    pub routing: RoutingMode,
    /// Unix time when `up` started.
    pub created_unix: u64,
    /// `false` while `up` runs (or if it was interrupted).
    pub complete: bool,
    pub nodes: Vec<NodeState>,
    pub links: Vec<LinkState>,
    pub processes: Vec<ProcessState>,
    /// Files and folders made outside the state folder (FRR socket folders).
    #[serde(default)]
    pub files: Vec<PathBuf>,
    /// OSPF convergence time measured by `up`, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convergence_ms: Option<u64>,
    /// Warnings of `up` (what the lab could not reproduce, snmpd tuning that failed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl LabState {
    pub(crate) fn new(lab: &str, plan: &Plan, routing: RoutingMode) -> LabState {
        LabState {
            format: STATE_FORMAT.to_string(),
            lab: lab.to_string(),
            topology: plan.name.clone(),
            routing,
            created_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            complete: false,
            nodes: Vec::new(),
            links: Vec::new(),
            processes: Vec::new(),
            files: Vec::new(),
            convergence_ms: None,
            warnings: Vec::new(),
        }
    }

    /// Path of the state file of lab `lab`.
    pub fn path(lab: &str) -> PathBuf {
        state_dir(lab).join("state.json")
    }

    /// Read the state of lab `lab`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when the lab has no state file, [`Error::State`] when it
    /// cannot be read or parsed.
    pub fn load(lab: &str) -> Result<LabState> {
        let path = Self::path(lab);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::NotFound {
                    lab: lab.to_string(),
                    state: path,
                });
            }
            Err(e) => {
                return Err(Error::State {
                    lab: lab.to_string(),
                    path,
                    detail: e.to_string(),
                });
            }
        };
        serde_json::from_str(&text).map_err(|e| Error::State {
            lab: lab.to_string(),
            path,
            detail: e.to_string(),
        })
    }

    /// The plan the lab was built from (`plan.json` in the state folder).
    ///
    /// # Errors
    /// [`Error::State`] when it cannot be read or parsed.
    pub fn plan(&self) -> Result<Plan> {
        let path = state_dir(&self.lab).join("plan.json");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::State {
            lab: self.lab.clone(),
            path: path.clone(),
            detail: e.to_string(),
        })?;
        Plan::from_json(&text).map_err(|e| Error::State {
            lab: self.lab.clone(),
            path,
            detail: e.to_string(),
        })
    }

    /// Namespace of node `node` (device id, segment id, named host id, `internet`).
    pub fn namespace(&self, node: &str) -> Option<&str> {
        self.nodes
            .iter()
            .find(|n| n.node == node)
            .map(|n| n.namespace.as_str())
    }

    pub fn node(&self, node: &str) -> Option<&NodeState> {
        self.nodes.iter().find(|n| n.node == node)
    }

    /// FRR pathspace of a router (`vtysh -N PATHSPACE`), in OSPF labs.
    pub fn frr_pathspace(&self, node: &str) -> Option<&str> {
        self.processes
            .iter()
            .find(|p| p.node == node && p.pathspace.is_some())
            .and_then(|p| p.pathspace.as_deref())
    }

    /// Write the state file atomically.
    pub(crate) fn save(&self) -> Result<()> {
        let dir = state_dir(&self.lab);
        let path = Self::path(&self.lab);
        let tmp = dir.join(".state.json.tmp");
        // A LabState holds only strings, numbers and addresses: it always serializes.
        let text = serde_json::to_string_pretty(self).unwrap_or_default() + "\n";
        std::fs::write(&tmp, text)
            .and_then(|_| std::fs::rename(&tmp, &path))
            .map_err(|e| Error::step("write lab state", &path.display().to_string(), e))
    }
}
