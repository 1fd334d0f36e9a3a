//! `netkit snmp DEVICE-OR-ADDRESS`: what a device reports over SNMP (system,
//! interfaces, addresses, routes), `--walk OID` for any subtree, `--check` to
//! compare with the plan (drift).
//!
//! Where to ask: an address is asked directly; a device id (`hq.r1`) is looked up
//! in `--topology` (its loopback, else its first interface address). With `--lab
//! NAME` the socket is opened inside the device's lab namespace and asks
//! 127.0.0.1 there, which needs no routing. Credentials: `--community-file`, the
//! topology's `snmp` section (`${VAR}` from the environment) or the
//! `NETKIT_SNMP_*` variables, then the secrets of the lab. Secrets are never
//! printed.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use netkit_model::SnmpVersion;
use netkit_plan::Plan;
use netkit_snmp::device::{DeviceState, read_device};
use netkit_snmp::drift::{DriftReport, Expectation, check_device};
use netkit_snmp::{Client, Credentials, Oid, Target, WalkLimits};
use serde_json::json;

use crate::{Outcome, common};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable tables.
    Table,
    /// One JSON object.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Version {
    #[value(name = "2c")]
    V2c,
    #[value(name = "3")]
    V3,
}

#[derive(clap::Args)]
pub struct Args {
    /// A device id of the topology (`hq.r1`) or an address (`10.254.0.1`, `[::1]:1161`).
    #[arg(value_name = "DEVICE-OR-ADDRESS")]
    pub device: String,
    /// Topology (YAML) or plan JSON: resolves device ids, gives the `snmp` settings.
    #[arg(short, long, value_name = "FILE")]
    pub topology: Option<PathBuf>,
    /// Ask the device inside this lab (`netkit lab up --name NAME`): the query leaves
    /// from the device's own namespace to 127.0.0.1.
    #[arg(long, value_name = "NAME")]
    pub lab: Option<String>,
    /// Walk this OID (dotted, or a known name such as ifTable, system, ipAddressTable).
    #[arg(long, value_name = "OID")]
    pub walk: Option<String>,
    /// Compare what the device reports with the plan; exit 1 on any difference.
    #[arg(long, conflicts_with = "walk")]
    pub check: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// SNMP version (default: the topology's, else NETKIT_SNMP_VERSION, else 2c).
    #[arg(long, value_enum)]
    pub version: Option<Version>,
    /// Read the v2c community from the first line of this file.
    #[arg(long, value_name = "FILE")]
    pub community_file: Option<PathBuf>,
    /// Agent UDP port.
    #[arg(long, default_value_t = 161)]
    pub port: u16,
    /// Time to wait for each try, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub timeout_ms: u64,
    /// Tries after the first one.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// GETBULK max-repetitions.
    #[arg(long, default_value_t = 25)]
    pub max_repetitions: u32,
    /// Most rows one walk may return.
    #[arg(long, default_value_t = 100_000)]
    pub max_rows: usize,
    /// Most time one walk may take, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub walk_timeout: u64,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short, long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// Where the query goes, and the device it is about (when known).
struct Resolved {
    addr: SocketAddr,
    namespace: Option<String>,
    device: Option<String>,
}

fn parse_addr(text: &str, port: u16) -> Option<SocketAddr> {
    if let Ok(sa) = text.parse::<SocketAddr>() {
        return Some(sa);
    }
    let t = text.trim_start_matches('[').trim_end_matches(']');
    t.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, port))
}

fn resolve(args: &Args, plan: Option<&Plan>) -> Result<Resolved> {
    let topo = || {
        args.topology
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "TOPOLOGY".into())
    };
    if let Some(addr) = parse_addr(&args.device, args.port) {
        // The device that owns the address, for --lab and --check.
        let owner = plan.and_then(|p| {
            p.devices
                .iter()
                .find(|d| {
                    d.loopback
                        .is_some_and(|l| IpAddr::V4(l.addr()) == addr.ip())
                        || d.interfaces.iter().any(|i| {
                            IpAddr::V4(i.address.addr()) == addr.ip()
                                || i.address6
                                    .is_some_and(|a| IpAddr::V6(a.addr()) == addr.ip())
                        })
                })
                .map(|d| d.id.clone())
        });
        let namespace = match (&args.lab, &owner) {
            (Some(lab), Some(dev)) => Some(netkit_lab::namespace_name(lab, dev)),
            (Some(_), None) => bail!(
                "{} is not an address of any device in {}: with --lab, give a device id or one of its planned addresses",
                args.device,
                topo()
            ),
            _ => None,
        };
        return Ok(Resolved {
            addr,
            namespace,
            device: owner,
        });
    }
    let Some(plan) = plan else {
        bail!(
            "`{}` is not an address: to use a device id, pass the topology with --topology FILE",
            args.device
        );
    };
    let Some(dev) = plan.device(&args.device) else {
        let ids: Vec<&str> = plan.routers().map(|d| d.id.as_str()).collect();
        bail!(
            "device {} is not in {}: use one of {}",
            args.device,
            topo(),
            if ids.is_empty() {
                "its devices".to_string()
            } else {
                ids.join(", ")
            }
        );
    };
    if let Some(lab) = &args.lab {
        let ns = netkit_lab::namespace_name(lab, &dev.id);
        if !netkit_netns::exists(&ns) {
            bail!(
                "lab {lab} has no namespace {ns}: start it with `netkit lab up {} --name {lab}`",
                topo()
            );
        }
        return Ok(Resolved {
            addr: SocketAddr::new(IpAddr::from([127, 0, 0, 1]), args.port),
            namespace: Some(ns),
            device: Some(dev.id.clone()),
        });
    }
    let ip = dev
        .loopback
        .map(|l| IpAddr::V4(l.addr()))
        .or_else(|| dev.interfaces.first().map(|i| IpAddr::V4(i.address.addr())))
        .with_context(|| {
            format!(
                "device {} has no address in the plan (it is not a layer-3 device): give an address instead",
                dev.id
            )
        })?;
    Ok(Resolved {
        addr: SocketAddr::new(ip, args.port),
        namespace: None,
        device: Some(dev.id.clone()),
    })
}

fn credentials(args: &Args, plan: Option<&Plan>) -> Result<Credentials> {
    if let Some(path) = &args.community_file {
        return Ok(Credentials::community_file(path)?);
    }
    let version = args.version.map(|v| match v {
        Version::V2c => SnmpVersion::V2c,
        Version::V3 => SnmpVersion::V3,
    });
    let snmp = plan.and_then(|p| p.snmp.as_ref());
    let read = |lab: &str| {
        let lab = lab.to_string();
        move |key: &str| netkit_lab::lab_secret(&lab, key).map_err(|e| e.to_string())
    };
    let reader = args.lab.as_deref().map(read);
    let lab = args.lab.as_deref().zip(
        reader
            .as_ref()
            .map(|r| r as &netkit_snmp::credentials::SecretFn),
    );
    Ok(netkit_snmp::credentials::resolve(snmp, version, lab)?)
}

pub fn run(args: Args) -> Result<Outcome> {
    let loaded = match &args.topology {
        Some(p) => Some(common::load(p)?),
        None => None,
    };
    let plan = loaded.as_ref().map(|l| &l.plan);
    let where_ = resolve(&args, plan)?;
    if args.check && (plan.is_none() || where_.device.is_none()) {
        bail!(
            "--check compares with the plan: pass --topology FILE and a device id (or one of its planned addresses)"
        );
    }
    let creds = credentials(&args, plan)?;
    let version = creds.version_label();
    let mut target = Target::new(where_.addr, creds).in_namespace(where_.namespace.clone());
    target.timeout = Duration::from_millis(args.timeout_ms.max(1));
    target.retries = args.retries;
    target.max_repetitions = args.max_repetitions.clamp(1, 1000);
    let limits = WalkLimits {
        max_rows: args.max_rows.max(1),
        max_time: Duration::from_secs(args.walk_timeout.max(1)),
    };
    let walk: Option<Oid> = match &args.walk {
        Some(w) => Some(w.parse::<Oid>()?),
        None => None,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let agent_label = match &where_.namespace {
        Some(ns) => format!("{} (from namespace {ns})", where_.addr),
        None => where_.addr.to_string(),
    };
    let check_target = match (plan, &where_.device) {
        (Some(p), Some(d)) => Some((p, d.as_str())),
        _ => None,
    };
    let what = rt.block_on(async {
        let mut client = Client::connect(target).await?;
        match &walk {
            Some(oid) => {
                let mut rows = client.walk(oid, limits).await?;
                // Like snmpwalk: an OID with nothing under it may be a scalar.
                if rows.is_empty() {
                    rows = client
                        .get(std::slice::from_ref(oid))
                        .await?
                        .into_iter()
                        .filter(|vb| !vb.value.is_exception())
                        .collect();
                }
                Ok::<_, anyhow::Error>(Read::Walk(rows))
            }
            None => match (&check_target, args.check) {
                (Some((p, dev)), true) => {
                    let (state, report) =
                        check_device(&mut client, p, dev, &Expectation::ALL, limits)
                            .await
                            .map_err(|e| anyhow::anyhow!("{e}"))?;
                    Ok(Read::Device(Box::new(state), Some(report)))
                }
                _ => Ok(Read::Device(
                    Box::new(read_device(&mut client, limits).await?),
                    None,
                )),
            },
        }
    });
    let what = what.with_context(|| format!("SNMP query of {} failed", args.device))?;
    match what {
        Read::Walk(rows) => {
            let oid = walk.unwrap_or_default();
            let text = match args.format {
                Format::Json => {
                    let rows: Vec<_> = rows
                        .iter()
                        .map(|vb| json!({ "oid": vb.oid.to_string(), "type": vb.value.type_name(), "value": vb.value.to_string() }))
                        .collect();
                    let v = json!({ "agent": where_.addr.to_string(), "namespace": where_.namespace, "version": version, "walk": oid.to_string(), "rows": rows });
                    pretty(&v)
                }
                Format::Table => {
                    let mut s = String::new();
                    for vb in &rows {
                        s.push_str(&format!(
                            ".{} = {}: {}\n",
                            vb.oid,
                            vb.value.type_name(),
                            vb.value
                        ));
                    }
                    if rows.is_empty() {
                        s.push_str(&format!("{agent_label}: nothing under {oid}\n"));
                    }
                    s
                }
            };
            common::emit(args.output.as_deref(), &text)?;
            Ok(Outcome::Success)
        }
        Read::Device(state, drift) => {
            let text = match args.format {
                Format::Json => {
                    let mut v = json!({
                        "agent": where_.addr.to_string(),
                        "namespace": where_.namespace,
                        "device": where_.device,
                        "version": version,
                        "system": state.system,
                        "interfaces": state.interfaces,
                        "addresses": state.addresses,
                        "routes": state.routes,
                        "address_table": state.address_table,
                        "route_table": state.route_table,
                    });
                    if let Some(d) = &drift {
                        v["drift"] = serde_json::to_value(d).unwrap_or_default();
                    }
                    pretty(&v)
                }
                Format::Table => render_tables(&agent_label, version, &state, drift.as_ref()),
            };
            common::emit(args.output.as_deref(), &text)?;
            Ok(match drift {
                Some(d) => Outcome::from_ok(d.is_clean()),
                None => Outcome::Success,
            })
        }
    }
}

enum Read {
    Walk(Vec<netkit_snmp::VarBind>),
    Device(Box<DeviceState>, Option<DriftReport>),
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

fn speed(bps: Option<u64>) -> String {
    bps.map_or_else(|| "-".into(), |b| netkit_units::format_rate(b as f64))
}

fn render_tables(
    agent: &str,
    version: &str,
    s: &DeviceState,
    drift: Option<&DriftReport>,
) -> String {
    let mut out = String::new();
    let sys = &s.system;
    out.push_str(&format!("Agent {agent}, SNMP v{version}\n"));
    out.push_str(&format!(
        "System: {}\n  {}\n  location: {}  contact: {}  up: {}\n\n",
        sys.name.as_deref().unwrap_or("?"),
        sys.descr.as_deref().unwrap_or("?"),
        sys.location.as_deref().unwrap_or("-"),
        sys.contact.as_deref().unwrap_or("-"),
        sys.uptime_ticks
            .map(|t| {
                let secs = t / 100;
                format!(
                    "{}d {:02}:{:02}:{:02}",
                    secs / 86400,
                    secs / 3600 % 24,
                    secs / 60 % 60,
                    secs % 60
                )
            })
            .unwrap_or_else(|| "-".into())
    ));
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(["ifIndex", "name", "admin", "oper", "speed", "mtu", "mac"]);
    for i in &s.interfaces {
        t.add_row([
            i.index.to_string(),
            i.name.clone(),
            i.admin.clone(),
            i.oper.clone(),
            speed(i.speed_bps),
            i.mtu.map(|m| m.to_string()).unwrap_or_default(),
            i.mac.clone().unwrap_or_default(),
        ]);
    }
    out.push_str(&format!("Interfaces (IF-MIB)\n{t}\n\n"));
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(["address", "interface"]);
    for a in &s.addresses {
        t.add_row([
            match a.prefix_len {
                Some(l) => format!("{}/{l}", a.address),
                None => a.address.to_string(),
            },
            a.interface
                .clone()
                .unwrap_or_else(|| format!("ifIndex {}", a.if_index)),
        ]);
    }
    out.push_str(&format!("Addresses ({})\n{t}\n\n", s.address_table));
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header([
        "destination",
        "next hop",
        "interface",
        "type",
        "proto",
        "metric",
    ]);
    for r in &s.routes {
        t.add_row([
            r.destination.to_string(),
            r.next_hop
                .map(|h| h.to_string())
                .unwrap_or_else(|| "connected".into()),
            r.interface
                .clone()
                .unwrap_or_else(|| format!("ifIndex {}", r.if_index)),
            format!("{:?}", r.route_type).to_lowercase(),
            r.proto.map(|p| p.to_string()).unwrap_or_default(),
            r.metric.map(|m| m.to_string()).unwrap_or_default(),
        ]);
    }
    out.push_str(&format!("Routes ({})\n{t}\n", s.route_table));
    if let Some(d) = drift {
        out.push('\n');
        if d.is_clean() {
            out.push_str(&format!(
                "{} matches the plan ({} interfaces, {} addresses, {} routes compared)\n",
                d.device, d.checked_interfaces, d.checked_addresses, d.checked_routes
            ));
        } else {
            out.push_str(&format!(
                "{}: {} difference(s) with the plan\n",
                d.device,
                d.differences.len()
            ));
            for x in &d.differences {
                out.push_str(&format!("  - [{}] {}\n", x.expectation, x.message));
            }
        }
    }
    out
}
