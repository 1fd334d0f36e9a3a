//! Acceptance playbooks (SPEC.md "Acceptance playbook"): YAML in, typed checks out,
//! every problem reported as `FILE:LINE:COL: message (hint)`.
//!
//! Parsing happens in two steps: [`parse`] reads the YAML (syntax, unknown fields,
//! unknown check kinds, bad figures), then [`Playbook::validate`] checks every id
//! against the plan (unknown segments, devices, hosts, sites), once the topology the
//! playbook names has been planned.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_saphyr::Spanned;

pub use crate::target::{Loc, Target};

impl Loc {
    fn of(l: &serde_saphyr::Location) -> Loc {
        Loc {
            line: l.line(),
            col: l.column(),
        }
    }
}

/// `ping` from `from` to each of `to` must get a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReachCheck {
    pub from: String,
    pub to: Vec<String>,
}

/// `from` must NOT reach any of `to` (new connections: ICMP echo and, for named
/// hosts, their services). Passes only when a positive control from `from` works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsolateCheck {
    pub from: String,
    pub to: Vec<String>,
}

/// A TCP connection from `from` to `to:port` must be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpCheck {
    pub from: String,
    /// Named host, device or segment (its gateway) ids, or addresses.
    pub to: Vec<String>,
    pub port: u16,
}

/// `name` must resolve (A/AAAA) from `from`, against the planned DNS server unless
/// `server` says otherwise, to `expect` when given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DnsCheck {
    pub from: String,
    pub name: String,
    pub expect: Option<IpAddr>,
    /// Named host id or address of the server; default: the plan's `dns.server`.
    pub server: Option<String>,
}

/// A TTL-limited path probe from `from` to `to` must go through the devices of `via`
/// in that order (default: the plan's least-cost route).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathCheck {
    pub from: String,
    pub to: String,
    /// Device ids, e.g. `[lyon.r1, hq.r1]`. `None`: the planned route.
    pub via: Option<Vec<String>>,
}

/// Throughput from `from` to `to` (device ids, segment or named host ids) must be
/// at least `min_bps` over `duration`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BandwidthCheck {
    pub from: String,
    pub to: String,
    /// Bits per second.
    pub min_bps: u64,
    /// How long the test runs (default 5 s).
    pub duration: Duration,
    /// Parallel streams (default 1).
    pub streams: u32,
    /// Measure `to` -> `from` instead (`direction: reverse`).
    pub reverse: bool,
    /// Both directions at once (`direction: bidir`).
    pub bidir: bool,
    /// Use a stock iperf3 server at the far end (`tool: iperf3`) instead of a netkit agent.
    pub iperf3: bool,
}

/// What an SNMP check expects of a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SnmpExpectation {
    /// Every interface of the plan is administratively and operationally up.
    InterfacesUp,
    /// The device's addresses are the plan's.
    AddressesMatchPlan,
    /// The device's routing table holds the plan's routes.
    RoutesMatchPlan,
}

impl SnmpExpectation {
    pub const ALL: [SnmpExpectation; 3] = [
        SnmpExpectation::InterfacesUp,
        SnmpExpectation::AddressesMatchPlan,
        SnmpExpectation::RoutesMatchPlan,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SnmpExpectation::InterfacesUp => "interfaces-up",
            SnmpExpectation::AddressesMatchPlan => "addresses-match-plan",
            SnmpExpectation::RoutesMatchPlan => "routes-match-plan",
        }
    }

    pub fn parse(s: &str) -> Option<SnmpExpectation> {
        SnmpExpectation::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// The device answers SNMP and matches the plan on each of `expect`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SnmpCheck {
    pub device: String,
    pub expect: Vec<SnmpExpectation>,
}

pub use crate::checks::latency::LatencyCheck;

/// One check of a playbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    Reach(ReachCheck),
    Isolate(IsolateCheck),
    Tcp(TcpCheck),
    Dns(DnsCheck),
    Path(PathCheck),
    Bandwidth(BandwidthCheck),
    Snmp(SnmpCheck),
    Latency(LatencyCheck),
}

impl Check {
    /// The kind as written in playbooks and results: `reach`, `isolate`...
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Reach(_) => "reach",
            Check::Isolate(_) => "isolate",
            Check::Tcp(_) => "tcp",
            Check::Dns(_) => "dns",
            Check::Path(_) => "path",
            Check::Bandwidth(_) => "bandwidth",
            Check::Snmp(_) => "snmp",
            Check::Latency(_) => "latency",
        }
    }

    /// Results this check produces (one per target); for progress bars.
    pub fn expected_results(&self) -> usize {
        match self {
            Check::Reach(c) => c.to.len(),
            Check::Isolate(c) => c.to.len(),
            Check::Tcp(c) => c.to.len(),
            Check::Snmp(c) => c.expect.len().max(1),
            Check::Latency(c) => c.to.len(),
            _ => 1,
        }
    }
}

/// Every check kind a playbook may hold.
pub const CHECK_KINDS: [&str; 8] = [
    "reach",
    "isolate",
    "tcp",
    "dns",
    "path",
    "bandwidth",
    "snmp",
    "latency",
];

/// A check with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedCheck {
    pub check: Check,
    /// The check's entry in the file.
    pub at: Loc,
    /// Where each id-valued field was written: (`from`, loc), (`to`, loc)...
    pub fields: Vec<(&'static str, Loc)>,
}

/// A parsed playbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playbook {
    /// The playbook file (for messages).
    pub path: PathBuf,
    pub name: String,
    /// The topology (or plan JSON), resolved against the playbook's folder.
    pub topology: PathBuf,
    pub topology_at: Loc,
    pub target: Target,
    /// Lab name; default: the topology's name.
    pub lab: Option<String>,
    /// RFC 3339, as written.
    pub deadline: Option<String>,
    pub technician: Option<String>,
    pub requester: Option<String>,
    /// Add the checks derived from the plan.
    pub auto: bool,
    pub checks: Vec<LocatedCheck>,
    /// The agents of a live network, by source (`agents:`).
    pub agents: Vec<crate::agents::AgentEntry>,
}

/// A playbook problem: `FILE:LINE:COL: message`, with a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaybookError {
    pub path: PathBuf,
    pub at: Option<Loc>,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for PlaybookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(at) = self.at {
            write!(f, ":{}:{}", at.line, at.col)?;
        }
        write!(f, ": error: {}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for PlaybookError {}

// ---------------------------------------------------------------------------
// Raw YAML shapes.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaybook {
    name: Option<String>,
    topology: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    lab: Option<String>,
    deadline: Option<Spanned<String>>,
    technician: Option<String>,
    requester: Option<String>,
    #[serde(default)]
    auto: bool,
    #[serde(default)]
    checks: Vec<Spanned<RawCheck>>,
    /// `NODE: ADDR[:PORT]`, the agents of a live network.
    agents: Option<std::collections::BTreeMap<String, Spanned<Scalar>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawCheck {
    Reach(RawFromTo),
    Isolate(RawFromTo),
    Tcp(RawTcp),
    Dns(RawDns),
    Path(RawPath),
    // Boxed: by far the largest variant.
    Bandwidth(Box<RawBandwidth>),
    Snmp(RawSnmp),
    Latency(RawLatency),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLatency {
    from: Spanned<String>,
    to: Spanned<OneOrMany>,
    max_rtt: Option<Spanned<Scalar>>,
    max_jitter: Option<Spanned<Scalar>>,
    max_loss: Option<Spanned<Scalar>>,
    count: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFromTo {
    from: Spanned<String>,
    to: Spanned<OneOrMany>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTcp {
    from: Spanned<String>,
    to: Spanned<OneOrMany>,
    port: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDns {
    from: Spanned<String>,
    name: String,
    expect: Option<Spanned<String>>,
    server: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPath {
    from: Spanned<String>,
    to: Spanned<String>,
    via: Option<Spanned<OneOrMany>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBandwidth {
    from: Spanned<String>,
    to: Spanned<String>,
    min: Spanned<Scalar>,
    duration: Option<Spanned<Scalar>>,
    streams: Option<u32>,
    #[serde(default)]
    reverse: bool,
    /// `forward` (from sends, default), `reverse` (to sends) or `bidir` (both at once).
    direction: Option<Spanned<String>>,
    /// `netkit` (default) or `iperf3`.
    tool: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSnmp {
    device: Spanned<String>,
    expect: Option<Spanned<OneOrMany>>,
}

/// A string or a list of strings.
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an id or a list of ids")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string or a number, as written (for `90Mbps`, `5s`, `100000000`).
struct Scalar(String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a string such as 90Mbps or 5s")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `90Mbps`, `1Gbps`, `500kbps`, `100000000` (bits per second): the one grammar of
/// `netkit-units`, shared with topologies and the command line.
pub fn parse_bandwidth(s: &str) -> Option<u64> {
    netkit_units::parse_rate(s).ok()
}

/// `5s`, `500ms`, `2m`, `10` (seconds), longer than zero (`netkit-units`).
pub fn parse_duration(s: &str) -> Option<Duration> {
    netkit_units::parse_positive_duration(s).ok()
}

/// Parse a playbook's text. `path` is the playbook file: messages name it and the
/// topology path is resolved against its folder.
///
/// # Errors
/// Every problem found, each with its line and column and a hint.
pub fn parse(path: &Path, text: &str) -> Result<Playbook, Vec<PlaybookError>> {
    let err = |at: Option<Loc>, message: String, hint: Option<&str>| PlaybookError {
        path: path.to_path_buf(),
        at,
        message,
        hint: hint.map(str::to_owned),
    };
    let raw: RawPlaybook = match serde_saphyr::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let at = e.location().map(|l| Loc::of(&l));
            let mut message = e.without_snippet().to_string();
            // The plain rendering ends with the position, which we print first.
            if let Some(i) = message.rfind(" at line ") {
                message.truncate(i);
            }
            let hint = if message.contains("unknown variant") {
                Some(format!(
                    "a check is one of: {}, e.g. `- reach: {{ from: hq.users, to: lyon.users }}`",
                    CHECK_KINDS.join(", ")
                ))
            } else if message.contains("unknown field") {
                Some(
                    "see SPEC.md \"Acceptance playbook\" for the fields of a playbook and of each check"
                        .to_string(),
                )
            } else if message.contains("missing field") {
                Some("add the field named above".to_string())
            } else {
                None
            };
            return Err(vec![PlaybookError {
                path: path.to_path_buf(),
                at,
                message,
                hint,
            }]);
        }
    };

    let mut errors = Vec::new();
    let Some(topology) = raw.topology else {
        return Err(vec![err(
            Some(Loc { line: 1, col: 1 }),
            "the playbook has no `topology`".to_string(),
            Some(
                "add `topology: PATH` (relative to the playbook's folder), e.g. `topology: ../inventories/acme.yaml`",
            ),
        )]);
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let topology_path = base.join(&topology.value);

    let target = match raw.target.as_ref().map(|t| t.value.as_str()) {
        None | Some("lab") => Target::Lab,
        Some("live") => Target::Live,
        Some(other) => {
            errors.push(err(
                raw.target.as_ref().map(|t| Loc::of(&t.referenced)),
                format!("unknown target `{other}`"),
                Some("write `target: lab` (the namespaces of `netkit lab up`) or `target: live`"),
            ));
            Target::Lab
        }
    };

    if let Some(d) = &raw.deadline
        && chrono::DateTime::parse_from_rfc3339(d.value.trim()).is_err()
    {
        errors.push(err(
            Some(Loc::of(&d.referenced)),
            format!("`{}` is not a date and time", d.value),
            Some("write it as RFC 3339, e.g. `deadline: 2026-12-01T18:00:00Z`"),
        ));
    }

    let mut agents = Vec::new();
    for (node, v) in raw.agents.unwrap_or_default() {
        let at = Loc::of(&v.referenced);
        match crate::agents::parse_addr(&v.value.0) {
            Ok(addr) => agents.push(crate::agents::AgentEntry { node, addr, at }),
            Err(message) => errors.push(err(
                Some(at),
                format!("agents: {node}: {message}"),
                Some("each entry is `NODE: ADDR[:PORT]`, e.g. `lyon.users: 10.2.0.250` (port 5301 by default)"),
            )),
        }
    }

    let mut checks = Vec::new();
    for c in raw.checks {
        let at = Loc::of(&c.referenced);
        let mut fields: Vec<(&'static str, Loc)> = Vec::new();
        let check = match c.value {
            RawCheck::Reach(r) | RawCheck::Isolate(r) if r.to.value.0.is_empty() => {
                errors.push(err(
                    Some(Loc::of(&r.to.referenced)),
                    "`to` is an empty list".to_string(),
                    Some("name at least one segment, named host, device or site"),
                ));
                continue;
            }
            RawCheck::Reach(r) => {
                fields.push(("from", Loc::of(&r.from.referenced)));
                fields.push(("to", Loc::of(&r.to.referenced)));
                Check::Reach(ReachCheck {
                    from: r.from.value,
                    to: r.to.value.0,
                })
            }
            RawCheck::Isolate(r) => {
                fields.push(("from", Loc::of(&r.from.referenced)));
                fields.push(("to", Loc::of(&r.to.referenced)));
                Check::Isolate(IsolateCheck {
                    from: r.from.value,
                    to: r.to.value.0,
                })
            }
            RawCheck::Tcp(r) => {
                fields.push(("from", Loc::of(&r.from.referenced)));
                fields.push(("to", Loc::of(&r.to.referenced)));
                if r.port == 0 {
                    errors.push(err(
                        Some(at),
                        "port 0 is not a TCP port".to_string(),
                        Some("use a port from 1 to 65535"),
                    ));
                }
                if r.to.value.0.is_empty() {
                    errors.push(err(
                        Some(Loc::of(&r.to.referenced)),
                        "`to` is an empty list".to_string(),
                        Some("name at least one named host, device or address"),
                    ));
                }
                Check::Tcp(TcpCheck {
                    from: r.from.value,
                    to: r.to.value.0,
                    port: r.port,
                })
            }
            RawCheck::Dns(r) => {
                fields.push(("from", Loc::of(&r.from.referenced)));
                let expect = match &r.expect {
                    None => None,
                    Some(e) => match e.value.trim().parse::<IpAddr>() {
                        Ok(a) => Some(a),
                        Err(_) => {
                            errors.push(err(
                                Some(Loc::of(&e.referenced)),
                                format!("`{}` is not an IP address", e.value),
                                Some("write the address the name must resolve to, e.g. `expect: 10.1.20.11`"),
                            ));
                            None
                        }
                    },
                };
                if let Some(s) = &r.server {
                    fields.push(("server", Loc::of(&s.referenced)));
                }
                if r.name.trim().is_empty() {
                    errors.push(err(
                        Some(at),
                        "`name` is empty".to_string(),
                        Some("write the DNS name to resolve, e.g. `name: intranet.hq.acme.lan`"),
                    ));
                }
                Check::Dns(DnsCheck {
                    from: r.from.value,
                    name: r.name.trim().trim_end_matches('.').to_string(),
                    expect,
                    server: r.server.map(|s| s.value),
                })
            }
            RawCheck::Path(r) => {
                fields.push(("from", Loc::of(&r.from.referenced)));
                fields.push(("to", Loc::of(&r.to.referenced)));
                if let Some(v) = &r.via {
                    fields.push(("via", Loc::of(&v.referenced)));
                }
                Check::Path(PathCheck {
                    from: r.from.value,
                    to: r.to.value,
                    via: r.via.map(|v| v.value.0),
                })
            }
            RawCheck::Bandwidth(r) => {
                let r = *r;
                fields.push(("from", Loc::of(&r.from.referenced)));
                fields.push(("to", Loc::of(&r.to.referenced)));
                let min_bps = match netkit_units::parse_rate(&r.min.value.0) {
                    Ok(b) => b,
                    Err(e) => {
                        errors.push(err(
                            Some(Loc::of(&r.min.referenced)),
                            e.to_string(),
                            Some("e.g. `min: 90Mbps` (bps, kbps, Mbps, Gbps)"),
                        ));
                        0
                    }
                };
                let duration = match &r.duration {
                    None => Duration::from_secs(5),
                    Some(d) => match netkit_units::parse_positive_duration(&d.value.0) {
                        Ok(d) => d,
                        Err(e) => {
                            errors.push(err(
                                Some(Loc::of(&d.referenced)),
                                e.to_string(),
                                Some("e.g. `duration: 5s`"),
                            ));
                            Duration::from_secs(5)
                        }
                    },
                };
                let streams = r.streams.unwrap_or(1);
                if streams == 0 || streams > 128 {
                    errors.push(err(
                        Some(at),
                        format!("{streams} streams is out of range"),
                        Some("use from 1 to 128 streams"),
                    ));
                }
                let (mut reverse, mut bidir) = (r.reverse, false);
                if let Some(d) = &r.direction {
                    match d.value.as_str() {
                        "forward" | "send" | "upload" => {}
                        "reverse" | "receive" | "download" => reverse = true,
                        "bidir" | "both" => bidir = true,
                        other => errors.push(err(
                            Some(Loc::of(&d.referenced)),
                            format!("`{other}` is not a direction"),
                            Some("write `direction: forward` (from sends), `reverse` (to sends) or `bidir` (both at once)"),
                        )),
                    }
                }
                let iperf3 = match &r.tool {
                    None => false,
                    Some(t) => match t.value.as_str() {
                        "netkit" => false,
                        "iperf3" => true,
                        other => {
                            errors.push(err(
                                Some(Loc::of(&t.referenced)),
                                format!("`{other}` is not a bandwidth tool"),
                                Some("write `tool: netkit` (a netkit agent, default) or `tool: iperf3` (a stock iperf3 server)"),
                            ));
                            false
                        }
                    },
                };
                Check::Bandwidth(BandwidthCheck {
                    from: r.from.value,
                    to: r.to.value,
                    min_bps,
                    duration,
                    streams,
                    reverse,
                    bidir,
                    iperf3,
                })
            }
            RawCheck::Latency(r) => {
                fields.push(("from", Loc::of(&r.from.referenced)));
                fields.push(("to", Loc::of(&r.to.referenced)));
                let mut limit =
                    |v: &Option<Spanned<Scalar>>, parse: fn(&str) -> Option<f64>, how: &str| {
                        let v = v.as_ref()?;
                        let got = parse(&v.value.0);
                        if got.is_none() {
                            errors.push(err(
                                Some(Loc::of(&v.referenced)),
                                format!("`{}` is not valid here", v.value.0),
                                Some(how),
                            ));
                        }
                        got
                    };
                let max_rtt_ms = limit(
                    &r.max_rtt,
                    crate::checks::latency::parse_ms,
                    "write a delay like `max_rtt: 50ms`",
                );
                let max_jitter_ms = limit(
                    &r.max_jitter,
                    crate::checks::latency::parse_ms,
                    "write a delay like `max_jitter: 10ms`",
                );
                let max_loss_pct = limit(
                    &r.max_loss,
                    crate::checks::latency::parse_percent,
                    "write a share like `max_loss: 1%`",
                );
                let count = r.count.unwrap_or(crate::checks::latency::DEFAULT_COUNT);
                if let Some(problem) = crate::checks::latency::problem(
                    count,
                    r.to.value.0.is_empty(),
                    [max_rtt_ms, max_jitter_ms, max_loss_pct],
                ) {
                    errors.push(err(Some(at), problem.0, Some(problem.1)));
                }
                Check::Latency(LatencyCheck {
                    from: r.from.value,
                    to: r.to.value.0,
                    max_rtt_ms,
                    max_jitter_ms,
                    max_loss_pct,
                    count,
                })
            }
            RawCheck::Snmp(r) => {
                fields.push(("device", Loc::of(&r.device.referenced)));
                let mut expect = Vec::new();
                match &r.expect {
                    None => expect.extend(SnmpExpectation::ALL),
                    Some(list) => {
                        for e in &list.value.0 {
                            match SnmpExpectation::parse(e) {
                                Some(x) => expect.push(x),
                                None => errors.push(err(
                                    Some(Loc::of(&list.referenced)),
                                    format!("unknown SNMP expectation `{e}`"),
                                    Some("use interfaces-up, addresses-match-plan or routes-match-plan"),
                                )),
                            }
                        }
                    }
                }
                Check::Snmp(SnmpCheck {
                    device: r.device.value,
                    expect,
                })
            }
        };
        checks.push(LocatedCheck { check, at, fields });
    }

    if !raw.auto && checks.is_empty() && errors.is_empty() {
        errors.push(err(
            Some(Loc { line: 1, col: 1 }),
            "the playbook has no checks".to_string(),
            Some("add a `checks:` list, or `auto: true` to derive the checks from the plan"),
        ));
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Playbook {
        path: path.to_path_buf(),
        name: raw.name.unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "playbook".into())
        }),
        topology: topology_path,
        topology_at: Loc::of(&topology.referenced),
        target,
        lab: raw.lab,
        deadline: raw.deadline.map(|d| d.value.trim().to_string()),
        technician: raw.technician,
        requester: raw.requester,
        auto: raw.auto,
        checks,
        agents,
    })
}

/// Check every id of `pb` against the plan: sources, targets, `via` devices,
/// DNS servers, SNMP devices. Every problem at once, located.
pub fn validate(pb: &Playbook, plan: &netkit_plan::Plan) -> Vec<PlaybookError> {
    use crate::resolve::{NodeRef, classify, known_ids_hint};
    let mut errors = Vec::new();
    for a in &pb.agents {
        if !matches!(
            classify(plan, &a.node),
            Some(NodeRef::Segment(_) | NodeRef::NamedHost(_) | NodeRef::Device(_))
        ) {
            errors.push(PlaybookError {
                path: pb.path.clone(),
                at: Some(a.at),
                message: format!(
                    "agents: `{}` is not a segment, named host or device of topology {}",
                    a.node, plan.name
                ),
                hint: Some(known_ids_hint(plan, "source")),
            });
        }
    }
    for c in &pb.checks {
        let loc = |field: &str| {
            c.fields
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, l)| *l)
                .unwrap_or(c.at)
        };
        let mut bad = |field: &str, id: &str, what: &str| {
            errors.push(PlaybookError {
                path: pb.path.clone(),
                at: Some(loc(field)),
                message: format!(
                    "{} check: `{field}: {id}` is not {what} of topology {}",
                    c.check.kind(),
                    plan.name
                ),
                hint: Some(known_ids_hint(
                    plan,
                    if field == "from" { "source" } else { "target" },
                )),
            });
        };
        let source_ok = |id: &str| {
            matches!(
                classify(plan, id),
                Some(
                    NodeRef::Segment(_)
                        | NodeRef::NamedHost(_)
                        | NodeRef::Device(_)
                        | NodeRef::Client(_)
                        | NodeRef::Site(_)
                )
            )
        };
        let target_ok = |id: &str| classify(plan, id).is_some();
        match &c.check {
            Check::Reach(r) => {
                if !source_ok(&r.from) {
                    bad("from", &r.from, "a segment, named host, device or site");
                }
                for t in r.to.iter().filter(|t| !target_ok(t)) {
                    bad("to", t, "a segment, named host, device, site or address");
                }
            }
            Check::Isolate(r) => {
                if !source_ok(&r.from) {
                    bad("from", &r.from, "a segment, named host, device or site");
                }
                for t in r.to.iter().filter(|t| !target_ok(t)) {
                    bad("to", t, "a segment, named host, device, site or address");
                }
            }
            Check::Tcp(r) => {
                if !source_ok(&r.from) {
                    bad("from", &r.from, "a segment, named host, device or site");
                }
                for t in r.to.iter().filter(|t| !target_ok(t)) {
                    bad("to", t, "a named host, device, segment or address");
                }
            }
            Check::Dns(r) => {
                if !source_ok(&r.from) {
                    bad("from", &r.from, "a segment, named host, device or site");
                }
                match &r.server {
                    Some(s) if !target_ok(s) => bad("server", s, "a named host or address"),
                    None if plan.dns.is_none() => errors.push(PlaybookError {
                        path: pb.path.clone(),
                        at: Some(c.at),
                        message: format!(
                            "dns check: topology {} has no `dns` server and the check names none",
                            plan.name
                        ),
                        hint: Some(
                            "add `server: SITE.SEGMENT.HOST` (or an address) to the check".into(),
                        ),
                    }),
                    _ => {}
                }
            }
            Check::Path(r) => {
                if !source_ok(&r.from) {
                    bad("from", &r.from, "a segment, named host, device or site");
                }
                if !target_ok(&r.to) {
                    bad(
                        "to",
                        &r.to,
                        "a segment, named host, device, site or address",
                    );
                }
                for v in r.via.iter().flatten() {
                    if plan.device(v).is_none() {
                        bad("via", v, "a device");
                    }
                }
            }
            Check::Bandwidth(r) => {
                if !source_ok(&r.from) {
                    bad("from", &r.from, "a device, segment or named host");
                }
                if !target_ok(&r.to) {
                    bad("to", &r.to, "a device, segment or named host");
                }
            }
            Check::Snmp(r) => {
                if plan.device(&r.device).is_none() {
                    bad("device", &r.device, "a device");
                }
            }
            Check::Latency(r) => {
                if !source_ok(&r.from) {
                    bad("from", &r.from, "a segment, named host, device or site");
                }
                for t in r.to.iter().filter(|t| !target_ok(t)) {
                    bad("to", t, "a segment, named host, device, site or address");
                }
            }
        }
    }
    errors
}
