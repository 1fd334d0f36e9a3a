//! The acceptance results of `netkit verify --format json` (SPEC.md: `netkit-results/1`).
//! `netkit-verify` writes them, `netkit-report` reads them; this crate holds only the
//! types so that the pure report crate does not depend on the async verify engine.

use serde::{Deserialize, Serialize};

pub mod compare;

pub use compare::Change;

pub const RESULTS_FORMAT: &str = "netkit-results/1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The network is as expected.
    Pass,
    /// The network is not as expected.
    Fail,
    /// The check could not be run (no agent at the source, no privilege...).
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }
}

/// One run of a playbook (or of `--auto`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// Always [`RESULTS_FORMAT`].
    pub format: String,
    pub playbook: String,
    /// `lab` or `live`.
    pub target: String,
    /// RFC 3339, UTC, seconds: `2026-12-01T14:02:11Z`.
    pub started: String,
    pub finished: String,
    /// Topology name (the plan's `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topology: Option<String>,
    /// Lab name when `target` is `lab`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lab: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub technician: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<String>,
    /// The playbook's deadline, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    pub results: Vec<CheckResult>,
}

/// One check against one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// `reach`, `isolate`, `tcp`, `dns`, `path`, `bandwidth`, `snmp`.
    pub check: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The address or name actually probed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    pub verdict: Verdict,
    #[serde(default)]
    pub expected: serde_json::Value,
    #[serde(default)]
    pub measured: serde_json::Value,
    /// One sentence; present on every `fail` and `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub start: String,
    pub end: String,
    /// Site the check is about (the source's site), for the intervention sheets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// The agent that ran the check (`ADDR:PORT`), when a remote agent ran it
    /// (SPEC.md "Live networks: agents at the sites").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// Against an earlier run (`netkit verify --compare PREVIOUS.json`): `new-failure`,
    /// `fixed`, `still-failing`, `unchanged` or `new`. Absent without `--compare`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
}

impl Results {
    pub fn passed(&self) -> usize {
        self.count(Verdict::Pass)
    }

    pub fn count(&self, v: Verdict) -> usize {
        self.results.iter().filter(|r| r.verdict == v).count()
    }

    /// Every check passed (and there was at least one).
    pub fn all_passed(&self) -> bool {
        !self.results.is_empty() && self.results.iter().all(|r| r.verdict == Verdict::Pass)
    }

    pub fn to_json(&self) -> String {
        // Only strings, numbers and JSON values: serialization cannot fail.
        let mut s = serde_json::to_string_pretty(self).expect("results serialize");
        s.push('\n');
        s
    }

    pub fn from_json(text: &str) -> Result<Results, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// Now, as RFC 3339 UTC with seconds: `2026-12-01T14:02:11Z`.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
