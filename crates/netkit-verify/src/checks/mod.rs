//! One module per check kind. Adding a kind is a local change: a module here with
//! `pub async fn run(ctx, spec) -> Vec<CheckResult>` (and optionally an `auto`
//! derivation), a variant in `playbook::Check`, and one arm in [`expand`] and
//! [`run_unit`].

pub mod bandwidth;
pub mod control;
pub mod dns;
pub mod isolate;
pub mod latency;
pub mod path;
pub mod reach;
pub mod snmp;
pub mod tcp;

use netkit_plan::Plan;
use netkit_results::CheckResult;

use crate::context::CheckContext;
use crate::playbook::{BandwidthCheck, Check, DnsCheck, SnmpCheck};
use crate::resolve::{self, Endpoint};

/// One schedulable piece of a check: one source and one target. Serializable:
/// a coordinator hands units to remote agents (`netkit-agent`), which run them
/// with [`run_unit`], so a new kind is one variant more here and nothing more there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Unit {
    Reach {
        from: String,
        to: Endpoint,
    },
    Isolate {
        from: String,
        to: Endpoint,
    },
    Tcp {
        from: String,
        to: Endpoint,
        port: u16,
    },
    Dns(DnsCheck),
    Path {
        from: String,
        to: Endpoint,
        via: Option<Vec<String>>,
    },
    Bandwidth(BandwidthCheck),
    Snmp(SnmpCheck),
    Latency {
        from: String,
        to: Endpoint,
        spec: latency::LatencyCheck,
    },
}

impl Unit {
    /// Results this unit produces, for progress bars.
    pub fn expected_results(&self) -> usize {
        match self {
            Unit::Snmp(s) => s.expect.len().max(1),
            _ => 1,
        }
    }
}

/// Split a check into units: one per source (a site as source stands for its
/// segments) and per target (a site as target stands for its segments).
pub fn expand(plan: &Plan, check: &Check) -> Vec<Unit> {
    let mut out = Vec::new();
    match check {
        Check::Reach(c) => {
            for from in resolve::sources(plan, &c.from) {
                for to in c.to.iter().flat_map(|t| resolve::targets(plan, t)) {
                    if Some(to.id.as_str()) == Some(from.as_str()) {
                        continue;
                    }
                    out.push(Unit::Reach {
                        from: from.clone(),
                        to,
                    });
                }
            }
        }
        Check::Isolate(c) => {
            for from in resolve::sources(plan, &c.from) {
                for to in c.to.iter().flat_map(|t| resolve::targets(plan, t)) {
                    if to.id == from {
                        continue;
                    }
                    out.push(Unit::Isolate {
                        from: from.clone(),
                        to,
                    });
                }
            }
        }
        Check::Tcp(c) => {
            for from in resolve::sources(plan, &c.from) {
                for to in c.to.iter().flat_map(|t| resolve::targets(plan, t)) {
                    out.push(Unit::Tcp {
                        from: from.clone(),
                        to,
                        port: c.port,
                    });
                }
            }
        }
        Check::Dns(c) => {
            for from in resolve::sources(plan, &c.from) {
                out.push(Unit::Dns(DnsCheck { from, ..c.clone() }));
            }
        }
        Check::Path(c) => {
            for from in resolve::sources(plan, &c.from) {
                let target = match resolve::classify(plan, &c.to) {
                    Some(resolve::NodeRef::Site(site)) => resolve::site_target(plan, &from, &site),
                    _ => resolve::targets(plan, &c.to).into_iter().next(),
                };
                if let Some(to) = target {
                    out.push(Unit::Path {
                        from,
                        to: Endpoint {
                            id: c.to.clone(),
                            ..to
                        },
                        via: c.via.clone(),
                    });
                }
            }
        }
        Check::Bandwidth(c) => out.push(Unit::Bandwidth(c.clone())),
        Check::Snmp(c) => out.push(Unit::Snmp(c.clone())),
        Check::Latency(c) => {
            for from in resolve::sources(plan, &c.from) {
                for to in c.to.iter().flat_map(|t| resolve::targets(plan, t)) {
                    if to.id != from {
                        out.push(Unit::Latency {
                            from: from.clone(),
                            to,
                            spec: c.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Run one unit; always returns (each result has a verdict, `fail` and `error`
/// with a one-sentence reason).
pub async fn run_unit(ctx: &CheckContext, unit: &Unit) -> Vec<CheckResult> {
    match unit {
        Unit::Reach { from, to } => vec![reach::run(ctx, from, to).await],
        Unit::Isolate { from, to } => vec![isolate::run(ctx, from, to).await],
        Unit::Tcp { from, to, port } => vec![tcp::run(ctx, from, to, *port).await],
        Unit::Dns(c) => vec![dns::run(ctx, c).await],
        Unit::Path { from, to, via } => vec![path::run(ctx, from, to, via.as_deref()).await],
        Unit::Bandwidth(c) => bandwidth::run(ctx, c).await,
        Unit::Snmp(c) => snmp::run(ctx, c).await,
        Unit::Latency { from, to, spec } => vec![latency::run(ctx, from, to, spec).await],
    }
}

/// Run one check (all its units, one after the other).
pub async fn run(ctx: &CheckContext, check: &Check) -> Vec<CheckResult> {
    let mut out = Vec::new();
    for u in expand(&ctx.plan, check) {
        out.extend(run_unit(ctx, &u).await);
    }
    out
}
