//! `snmp` checks: a device answers SNMP and what it reports matches the plan
//! (interfaces up, addresses, routes).
//!
//! Owned by the SNMP engineer. The engine (`crate::checks::run`) calls [`run`]
//! for every `snmp` check of a playbook, and [`auto`] when deriving checks from
//! the plan (`--auto`).
//!
//! How: in the lab, the UDP socket is opened inside the device's own namespace
//! and asks 127.0.0.1 there (no routing needed); on a live network, this machine
//! asks the device's loopback (else its first planned address). Everything the
//! device reports is read once (`netkit_snmp::device::read_device`), compared with
//! the plan (`netkit_snmp::drift::compare`), and one result per expectation is
//! returned: `measured.differences` lists every difference of that expectation,
//! `reason` is the most important one plus how many others there are.
//! Credentials: the plan's `snmp` section (`${VAR}` from the environment), else
//! the `NETKIT_SNMP_*` variables, else the lab's stored secrets; they never appear
//! in a result (errors from `netkit_snmp` never contain them).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use netkit_plan::Plan;
use netkit_results::CheckResult;
use netkit_snmp::client::{Client, Target, WalkLimits};
use netkit_snmp::drift::{DriftReport, Expectation, check_device};
use serde_json::json;

use crate::context::CheckContext;
use crate::playbook::Target as RunTarget;
use crate::playbook::{Check, SnmpCheck, SnmpExpectation};

/// Longest a whole `snmp` check may take (reading four tables of a device).
const CHECK_BUDGET: Duration = Duration::from_secs(30);

fn expectation(e: SnmpExpectation) -> Expectation {
    match e {
        SnmpExpectation::InterfacesUp => Expectation::InterfacesUp,
        SnmpExpectation::AddressesMatchPlan => Expectation::AddressesMatchPlan,
        SnmpExpectation::RoutesMatchPlan => Expectation::RoutesMatchPlan,
    }
}

/// Where to ask: (namespace, agent address), or the reason of an `error`.
fn agent_of(ctx: &CheckContext, device: &str) -> Result<(Option<String>, SocketAddr), String> {
    let plan = &ctx.plan;
    let Some(dev) = plan.device(device) else {
        return Err(format!(
            "device {device} is not in the plan: use a device id such as {}",
            plan.routers()
                .next()
                .map(|d| d.id.as_str())
                .unwrap_or("hq.r1")
        ));
    };
    match ctx.target {
        RunTarget::Lab => {
            let ns = ctx
                .namespace(device)
                .ok_or_else(|| "no lab name was given (use --lab NAME)".to_string())?;
            if !netkit_netns::exists(&ns) {
                return Err(format!(
                    "the lab namespace {ns} of {device} does not exist: is the lab up (`netkit lab status`)?"
                ));
            }
            Ok((
                Some(ns),
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 161),
            ))
        }
        RunTarget::Live => {
            let ip = dev
                .loopback
                .map(|l| IpAddr::V4(l.addr()))
                .or_else(|| dev.interfaces.first().map(|i| IpAddr::V4(i.address.addr())))
                .ok_or_else(|| format!("{device} has no planned address to ask over SNMP"))?;
            Ok((None, SocketAddr::new(ip, 161)))
        }
    }
}

async fn read_and_compare(
    ctx: &CheckContext,
    device: &str,
    wanted: &[Expectation],
) -> Result<(String, DriftReport, serde_json::Value), String> {
    let (ns, addr) = agent_of(ctx, device)?;
    let creds = netkit_snmp::credentials::resolve(
        ctx.plan.snmp.as_ref(),
        None,
        ctx.lab.as_deref().zip(ctx.lab_secrets.as_deref()),
    )
    .map_err(|e| e.to_string())?;
    let version = creds.version_label();
    let mut target = Target::new(addr, creds).in_namespace(ns.clone());
    target.timeout = ctx.probe.timeout;
    target.retries = ctx.probe.tries.saturating_sub(1);
    let budget = ctx.budget(CHECK_BUDGET);
    let limits = WalkLimits {
        max_rows: 50_000,
        max_time: budget,
    };
    let agent = match &ns {
        Some(n) => format!("{addr} in {n}"),
        None => addr.to_string(),
    };
    ctx.limiter.acquire(1).await;
    let read = async {
        let mut client = Client::connect(target).await?;
        check_device(&mut client, &ctx.plan, device, wanted, limits).await
    };
    let (state, report) = match tokio::time::timeout(budget, read).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(format!("cannot read {device} over SNMP: {e}")),
        Err(_) => {
            return Err(format!(
                "reading {device} over SNMP did not finish within {} s",
                budget.as_secs()
            ));
        }
    };
    let info = json!({
        "agent": agent,
        "version": version,
        "address_table": state.address_table,
        "route_table": state.route_table,
        "interfaces_reported": state.interfaces.len(),
        "addresses_reported": state.addresses.len(),
        "routes_reported": state.routes.len(),
    });
    Ok((agent, report, info))
}

/// Run one `snmp` check: one result per expectation of `spec.expect`. Always
/// returns within the probe timeouts and the run's budget.
pub async fn run(ctx: &CheckContext, spec: &SnmpCheck) -> Vec<CheckResult> {
    let expects: Vec<SnmpExpectation> = if spec.expect.is_empty() {
        SnmpExpectation::ALL.to_vec()
    } else {
        spec.expect.clone()
    };
    let wanted: Vec<Expectation> = expects.iter().map(|e| expectation(*e)).collect();
    let outcome = read_and_compare(ctx, &spec.device, &wanted).await;
    expects
        .iter()
        .map(|e| {
            let draft = ctx
                .draft("snmp", Some(&spec.device), Some(e.as_str()))
                .target(&spec.device)
                .expected(json!({ "expect": e.as_str() }));
            match &outcome {
                Err(reason) => draft.error(reason.clone()),
                Ok((agent, report, info)) => {
                    let draft = draft.target(agent);
                    let diffs: Vec<&netkit_snmp::drift::Difference> =
                        report.for_expectation(expectation(*e)).collect();
                    let checked = match e {
                        SnmpExpectation::InterfacesUp => report.checked_interfaces,
                        SnmpExpectation::AddressesMatchPlan => report.checked_addresses,
                        SnmpExpectation::RoutesMatchPlan => report.checked_routes,
                    };
                    let mut measured = info.clone();
                    measured["checked"] = json!(checked);
                    measured["differences"] =
                        json!(diffs.iter().map(|d| d.message.clone()).collect::<Vec<_>>());
                    measured["kinds"] = json!(diffs.iter().map(|d| d.kind).collect::<Vec<_>>());
                    match diffs.first() {
                        None => draft.pass(measured),
                        Some(first) => {
                            let n = diffs.len();
                            let reason = if n == 1 {
                                format!("{}: {}", spec.device, first.message)
                            } else {
                                format!(
                                    "{}: {} (and {} other difference{})",
                                    spec.device,
                                    first.message,
                                    n - 1,
                                    if n == 2 { "" } else { "s" }
                                )
                            };
                            draft.fail(measured, reason)
                        }
                    }
                }
            }
        })
        .collect()
}

/// The SNMP checks `--auto` derives from the plan: when the topology has `snmp`,
/// every layer-3 device is checked for all expectations.
pub fn auto(plan: &Plan) -> Vec<Check> {
    if plan.snmp.is_none() {
        return Vec::new();
    }
    plan.routers()
        .map(|d| {
            Check::Snmp(SnmpCheck {
                device: d.id.clone(),
                expect: SnmpExpectation::ALL.to_vec(),
            })
        })
        .collect()
}
