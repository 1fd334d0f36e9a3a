//! The topology walker: a spanned YAML tree in, a [`Topology`] and every problem out.
//!
//! The walk never stops at a problem: a wrong value is reported and replaced by a
//! harmless default, and the checks that depend on it are skipped, so that one mistake
//! gives one diagnostic, not a cascade. Cross-references (links, gateways, DNS server,
//! policies) and prefix pins are checked once the whole file was read, so that the
//! order of the top-level keys does not matter.

use std::collections::{HashMap, HashSet};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

mod access;
mod addressing;
mod checks;
mod links;
mod policies;
mod segments;
mod services;
mod sites;

use crate::text::{self, Family, NAME_RULE};
use crate::yaml::{self, Kind, Node, parse_yaml_bool, parse_yaml_int, shorten};
use crate::{
    Addressing, AddressingSpans, Device, DeviceKind, Diagnostic, Dns, Internet, Link, LinkTargets,
    NamedHost, Policy, PolicyAction, RoutingMode, Segment, Service, Severity, Site, Snmp,
    SnmpVersion, Span, Topology,
};

/// The result of parsing: the topology when it could be built, and every problem.
/// `topology` is `Some` only when there is no error-severity diagnostic.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub topology: Option<Topology>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Parsed {
    /// True when at least one diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// More diagnostics than this are summarized in one last line.
const MAX_DIAGNOSTICS: usize = 200;
/// Largest topology file: a generated 1,000-site topology takes about 0.5 MB.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Largest `hosts` of a segment: a whole /8.
const MAX_HOSTS: i64 = 16_777_214;
/// Largest `growth`, in percent.
const MAX_GROWTH: i64 = 1000;

/// Parse a topology file's bytes (UTF-8 YAML). Never panics; every problem found is
/// in `diagnostics`, sorted by position.
pub fn parse(source: &[u8]) -> Parsed {
    parse_then(source, |_| Vec::new())
}

/// [`parse`], with the Wi-Fi passphrases checked against `lookup` (the caller's
/// environment: this crate reads none) in the same pass, so that a passphrase of the
/// wrong length is reported with every other problem of the file. Only errors are
/// added: an unset variable is a warning of [`crate::check_secrets`], for `validate`.
pub fn parse_with_secrets(source: &[u8], lookup: &dyn Fn(&str) -> Option<String>) -> Parsed {
    parse_then(source, |t| {
        crate::access::check_secrets(t, lookup)
            .into_iter()
            .filter(|d| d.severity == Severity::Error)
            .collect()
    })
}

/// Parse, and add what `more` finds in the topology built (also when it has errors).
fn parse_then(source: &[u8], more: impl FnOnce(&Topology) -> Vec<Diagnostic>) -> Parsed {
    let (topology, mut diagnostics) = if source.len() > MAX_BYTES {
        (None, vec![too_big(source.len())])
    } else {
        match std::str::from_utf8(source) {
            Err(e) => (None, vec![not_utf8(source, e.valid_up_to())]),
            Ok(text) => build(text),
        }
    };
    if let Some(t) = &topology {
        diagnostics.extend(more(t));
    }
    // Keep diagnostics in file order; whole-file problems first.
    diagnostics.sort_by_key(|d| d.span.map_or((0, 0), |s| (1, s.offset)));
    diagnostics.dedup();
    if diagnostics.len() > MAX_DIAGNOSTICS {
        let more = diagnostics.len() - MAX_DIAGNOSTICS;
        diagnostics.truncate(MAX_DIAGNOSTICS);
        diagnostics.push(
            Diagnostic::error(None, format!("{more} more problems not shown"))
                .with_hint("fix the problems above and validate again"),
        );
    }
    let errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    Parsed {
        topology: if errors { None } else { topology },
        diagnostics,
    }
}

fn build(text: &str) -> (Option<Topology>, Vec<Diagnostic>) {
    let root = match yaml::load(text) {
        Err(d) => return (None, vec![d]),
        Ok(None) => {
            let d = Diagnostic::error(None, "the file is empty").with_hint(
                "a topology needs at least `name`, `addressing` (with `ipv4`) and `sites`: see `inventories/acme.yaml`",
            );
            return (None, vec![d]);
        }
        Ok(Some(root)) => root,
    };
    let mut w = Walker::default();
    let topo = w.topology(&root);
    if let Some(t) = &topo {
        w.cross_checks(t);
    }
    (topo, w.diags)
}

fn too_big(len: usize) -> Diagnostic {
    #[allow(clippy::cast_precision_loss)] // A size in MB for a message.
    let mb = len as f64 / (1024.0 * 1024.0);
    Diagnostic::error(
        None,
        format!(
            "the file is {mb:.1} MB, more than the {} MB a topology file may have",
            MAX_BYTES / (1024 * 1024)
        ),
    )
    .with_hint("check that this is the right file: a 1,000-site topology takes about 0.5 MB")
}

fn not_utf8(source: &[u8], valid_up_to: usize) -> Diagnostic {
    let before = &source[..valid_up_to];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |p| p + 1);
    // Everything before `valid_up_to` is valid UTF-8, so this cannot fail.
    let column =
        std::str::from_utf8(&source[line_start..valid_up_to]).map_or(1, |s| s.chars().count() + 1);
    let byte = source.get(valid_up_to).copied().unwrap_or(0);
    Diagnostic::error(
        Span {
            offset: valid_up_to,
            len: 1,
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        },
        format!("the file is not UTF-8 text: byte 0x{byte:02x} is not valid UTF-8"),
    )
    .with_hint("save the topology as UTF-8 text (it is YAML); check that this is the right file")
}

/// A map's entries looked up by key, after unknown and duplicate keys were reported.
struct Fields<'a> {
    map: HashMap<&'a str, (&'a Node, &'a Node)>,
    /// Keys suggested by "did you mean": not reported again as missing.
    suggested: Vec<String>,
    /// Where the map is, for "missing key" messages.
    at: Span,
}

impl<'a> Fields<'a> {
    /// The value of `key`, `None` when absent or null.
    fn get(&self, key: &str) -> Option<&'a Node> {
        self.map.get(key).map(|(_, v)| *v).filter(|v| !v.is_null())
    }
    fn key_span(&self, key: &str) -> Option<Span> {
        self.map.get(key).map(|(k, _)| k.span)
    }
}

/// A reference to check once every name is known.
struct Ref {
    text: String,
    span: Span,
    what: RefKind,
}

enum RefKind {
    /// One end of link number `.0`.
    LinkEnd(usize),
    InternetEdge,
    DnsServer,
    /// Policy number `.0`, `from` or `to`.
    PolicyEnd(usize, &'static str),
}

/// A pinned prefix, to check against pools, reserves and the other pins.
struct Pin {
    net: IpNet,
    span: Span,
    /// `site hq`, `segment hq.servers`, `link 0 (hq.r1 - lyon.r1)`.
    label: String,
    owner: PinOwner,
}

#[derive(Clone, PartialEq)]
enum PinOwner {
    Site(String),
    Segment(String),
    Link,
}

/// A named host's offset, checked once `growth` is known.
struct OffsetCheck {
    id: String,
    offset: u32,
    span: Span,
    hosts: u32,
    prefix_len: Option<u8>,
}

struct Walker {
    diags: Vec<Diagnostic>,
    refs: Vec<Ref>,
    pins: Vec<Pin>,
    offsets: Vec<OffsetCheck>,
    /// Device ids whose `kind` was wrong: no "not layer-3" message for them.
    unknown_kind: HashSet<String>,
    /// Edit-distance comparisons left for "did you mean" hints: bounded, so that a
    /// hostile file with thousands of bad references stays fast.
    suggest_budget: usize,
    ipv4_ok: bool,
    ipv6_given: bool,
    /// Spans of reference values of gateways, by segment id.
    gateway_spans: HashMap<String, Span>,
    /// RADIUS servers of Wi-Fi segments: (named host id, span, segment id).
    radius_refs: Vec<(String, Span, String)>,
    /// Switch ids that have `ports` or `uplink` (dropped ones already have a message).
    l2_declared: HashSet<String>,
}

impl Default for Walker {
    fn default() -> Self {
        Walker {
            diags: Vec::new(),
            refs: Vec::new(),
            pins: Vec::new(),
            offsets: Vec::new(),
            unknown_kind: HashSet::new(),
            suggest_budget: 200_000,
            ipv4_ok: false,
            ipv6_given: false,
            gateway_spans: HashMap::new(),
            radius_refs: Vec::new(),
            l2_declared: HashSet::new(),
        }
    }
}

/// How the top-level mapping is named in messages.
const TOPOLOGY: &str = "the topology";

const TOP_KEYS: &[&str] = &[
    "name",
    "description",
    "routing",
    "addressing",
    "sites",
    "links",
    "internet",
    "dns",
    "snmp",
    "policies",
];
const ADDRESSING_KEYS: &[&str] = &[
    "ipv4",
    "ipv6",
    "wan",
    "loopbacks",
    "p2p_prefix",
    "growth",
    "reserve",
];
const SITE_KEYS: &[&str] = &[
    "location",
    "description",
    "prefix",
    "prefix6",
    "devices",
    "segments",
    "racks",
];
const DEVICE_KEYS: &[&str] = &["kind", "description", "model", "ports", "uplink", "switch"];
const SEGMENT_KEYS: &[&str] = &[
    "vlan",
    "hosts",
    "prefix",
    "prefix6",
    "isolated",
    "gateway",
    "description",
    "named",
    "access",
    "wifi",
];
const NAMED_KEYS: &[&str] = &["host", "services", "description"];
const LINK_KEYS: &[&str] = &[
    "a",
    "b",
    "bandwidth",
    "cost",
    "prefix",
    "description",
    "latency",
    "jitter",
    "loss",
];
const SNMP_KEYS: &[&str] = &[
    "version",
    "community",
    "user",
    "auth_protocol",
    "auth_password",
    "priv_protocol",
    "priv_password",
];
const KINDS: &[&str] = &[
    "router",
    "l3-switch",
    "firewall",
    "switch",
    "access-point",
    "server",
];

impl Walker {
    fn error(
        &mut self,
        span: impl Into<Option<Span>>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::error(span, message).with_hint(hint));
    }

    /// "did you mean" among many candidates (names, ids), within the budget.
    fn suggest<'a, I>(&mut self, word: &str, candidates: I) -> Option<String>
    where
        I: IntoIterator<Item = &'a str>,
        I::IntoIter: ExactSizeIterator,
    {
        let candidates = candidates.into_iter();
        if candidates.len() > self.suggest_budget {
            return None;
        }
        self.suggest_budget -= candidates.len();
        text::did_you_mean(word, candidates)
    }

    fn warning(&mut self, span: Span, message: impl Into<String>, hint: impl Into<String>) {
        self.diags.push(Diagnostic {
            severity: Severity::Warning,
            span: Some(span),
            message: message.into(),
            hint: Some(hint.into()),
        });
    }

    // ----- generic readers -------------------------------------------------------

    /// The entries of a mapping; `None` (after an error) when `node` is something else.
    /// A null node is an empty mapping.
    fn mapping<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
        example: &str,
    ) -> Option<&'a [(Node, Node)]> {
        match &node.kind {
            Kind::Map(entries) => Some(entries),
            _ if node.is_null() => Some(&[]),
            _ => {
                self.error(
                    node.span,
                    format!(
                        "{what} must be a mapping of keys to values, not {}",
                        node.describe()
                    ),
                    format!("write it like {example}"),
                );
                None
            }
        }
    }

    /// Check a mapping's keys against `allowed` and index them.
    fn fields<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
        allowed: &[&str],
        example: &str,
    ) -> Option<Fields<'a>> {
        let entries = self.mapping(node, what, example)?;
        let mut map: HashMap<&'a str, (&'a Node, &'a Node)> = HashMap::new();
        let mut suggested = Vec::new();
        for (k, v) in entries {
            let Some(key) = self.key_text(k, what) else {
                continue;
            };
            if let Some((first, _)) = map.get(key) {
                let line = first.span.line;
                self.error(
                    k.span,
                    format!(
                        "duplicate key `{}` in {what} (first written on line {line})",
                        shorten(key)
                    ),
                    "keep one of them: YAML keeps only one value per key",
                );
                continue;
            }
            if what == TOPOLOGY && key.starts_with("x-") {
                // Extension keys, as in docker-compose: a place for anchors, ignored.
                continue;
            }
            if !allowed.contains(&key) {
                let hint = match text::did_you_mean(key, allowed.iter().copied()) {
                    Some(s) => {
                        let hint = format!("did you mean `{s}`?");
                        suggested.push(s);
                        hint
                    }
                    None if what == TOPOLOGY => format!(
                        "the keys of {what} are: {} (and `x-…` keys, ignored)",
                        allowed.join(", ")
                    ),
                    None => format!("the keys of {what} are: {}", allowed.join(", ")),
                };
                self.error(
                    k.span,
                    format!("unknown key `{}` in {what}", shorten(key)),
                    hint,
                );
                continue;
            }
            map.insert(key, (k, v));
        }
        Some(Fields {
            map,
            suggested,
            at: node.span,
        })
    }

    fn key_text<'a>(&mut self, k: &'a Node, what: &str) -> Option<&'a str> {
        match &k.kind {
            Kind::Scalar { text, .. } => Some(text),
            _ => {
                self.error(
                    k.span,
                    format!("a key of {what} is {}, not a name", k.describe()),
                    "keys are plain names like `vlan` or `hq`",
                );
                None
            }
        }
    }

    fn missing(&mut self, f: &Fields<'_>, key: &str, what: &str, example: &str) {
        if f.suggested.iter().any(|s| s == key) {
            // "unknown key `vlna`: did you mean `vlan`?" already says it.
            return;
        }
        let present_null = f.map.contains_key(key);
        let at = f.key_span(key).unwrap_or(f.at);
        let message = if present_null {
            format!("`{key}` of {what} has no value")
        } else {
            format!("{what} has no `{key}`, which is required")
        };
        self.error(Some(at), message, format!("add `{key}: {example}`"));
    }

    /// Text: any scalar (a plain number is text too, e.g. a postcode).
    fn text(&mut self, node: &Node, what: &str) -> Option<String> {
        match &node.kind {
            Kind::Scalar { text, .. } if !node.is_null() => Some(text.clone()),
            _ => {
                self.error(
                    node.span,
                    format!("{what} must be text, not {}", node.describe()),
                    "write a single value; quote it if it contains `:` or `#`",
                );
                None
            }
        }
    }

    fn int(&mut self, node: &Node, what: &str, example: &str) -> Option<i64> {
        match &node.kind {
            Kind::Scalar { text, plain: true } => {
                if let Some(v) = parse_yaml_int(text) {
                    return Some(v);
                }
                let hint = if text.parse::<f64>().is_ok() {
                    format!("{what} is a whole number, like `{example}`")
                } else {
                    format!("write a number, like `{example}`")
                };
                self.error(
                    node.span,
                    format!("{what} must be a whole number, not {}", node.describe()),
                    hint,
                );
                None
            }
            Kind::Scalar { text, plain: false } if parse_yaml_int(text).is_some() => {
                self.error(
                    node.span,
                    format!(
                        "{what} must be a number, not quoted text \"{}\"",
                        shorten(text)
                    ),
                    "remove the quotes",
                );
                None
            }
            _ => {
                self.error(
                    node.span,
                    format!("{what} must be a whole number, not {}", node.describe()),
                    format!("write a number, like `{example}`"),
                );
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, what: &str) -> Option<bool> {
        if let Kind::Scalar { text, plain: true } = &node.kind
            && let Some(b) = parse_yaml_bool(text)
        {
            return Some(b);
        }
        self.error(
            node.span,
            format!("{what} must be `true` or `false`, not {}", node.describe()),
            "write `true` or `false` (YAML 1.2: `yes`/`no` are text)",
        );
        None
    }

    fn name(&mut self, key: &Node, what: &str) -> Option<String> {
        let Kind::Scalar { text, .. } = &key.kind else {
            self.error(
                key.span,
                format!("{what} name is {}, not a name", key.describe()),
                NAME_RULE,
            );
            return None;
        };
        if let Some(problem) = text::name_problem(text) {
            let hint = match text::suggest_name(text) {
                Some(s) => format!("{NAME_RULE}: did you mean `{s}`?"),
                None => NAME_RULE.to_string(),
            };
            self.error(
                key.span,
                format!("invalid {what} name `{}`: it {problem}", shorten(text)),
                hint,
            );
            return None;
        }
        Some(text.clone())
    }

    fn cidr(&mut self, node: &Node, what: &str, family: Family) -> Option<IpNet> {
        let t = self.text(node, what)?;
        match text::parse_cidr(&t, family) {
            Ok(n) => Some(n),
            Err((message, hint)) => {
                let hint = hint.unwrap_or_else(|| match family {
                    Family::V6 => "write an IPv6 prefix like fd00:ac::/48".to_string(),
                    _ => "write an IPv4 prefix like 10.1.0.0/16".to_string(),
                });
                self.error(node.span, format!("{what}: {message}"), hint);
                None
            }
        }
    }

    fn cidr4(&mut self, node: &Node, what: &str) -> Option<Ipv4Net> {
        match self.cidr(node, what, Family::V4)? {
            IpNet::V4(n) => Some(n),
            IpNet::V6(_) => None,
        }
    }

    fn cidr6(&mut self, node: &Node, what: &str) -> Option<Ipv6Net> {
        match self.cidr(node, what, Family::V6)? {
            IpNet::V6(n) => Some(n),
            IpNet::V4(_) => None,
        }
    }

    fn services(&mut self, node: &Node, what: &str) -> Vec<Service> {
        let items: Vec<&Node> = match &node.kind {
            Kind::Seq(items) => items.iter().collect(),
            Kind::Scalar { .. } if !node.is_null() => vec![node],
            _ if node.is_null() => vec![],
            _ => {
                self.error(
                    node.span,
                    format!("{what} must be a list of services, not {}", node.describe()),
                    "write it like [tcp/445, udp/53]",
                );
                return vec![];
            }
        };
        let mut out = Vec::new();
        for item in items {
            let Some(t) = self.text(item, &format!("a service of {what}")) else {
                continue;
            };
            match t.trim().to_ascii_lowercase().parse::<Service>() {
                Ok(s) => {
                    if !out.contains(&s) {
                        out.push(s);
                    }
                }
                Err(e) => self.error(
                    item.span,
                    format!("invalid service `{}` in {what}: {e}", shorten(&t)),
                    "a service is PROTOCOL/PORT: tcp/445, udp/53",
                ),
            }
        }
        out
    }

    fn opt_text(&mut self, f: &Fields<'_>, key: &str, what: &str) -> Option<String> {
        let node = f.get(key)?;
        self.text(node, &format!("`{key}` of {what}"))
    }

    // ----- the topology ----------------------------------------------------------

    fn topology(&mut self, root: &Node) -> Option<Topology> {
        if !matches!(root.kind, Kind::Map(_)) {
            self.error(
                root.span,
                format!("the file is {}, not a topology", root.describe()),
                "a topology is a YAML mapping with `name`, `addressing` and `sites` at the top level: see `inventories/acme.yaml`",
            );
            return None;
        }
        let f = self.fields(root, TOPOLOGY, TOP_KEYS, "name: acme")?;

        let name = match f.get("name") {
            Some(n) => self.topology_name(n),
            None => {
                self.missing(&f, "name", "the topology", "acme");
                None
            }
        };
        let description = self.opt_text(&f, "description", "the topology");
        let routing = match f.get("routing") {
            None => RoutingMode::Static,
            Some(n) => self.routing(n),
        };
        let addressing = match f.get("addressing") {
            Some(n) => self.addressing(n),
            None => {
                self.missing(&f, "addressing", "the topology", "{ ipv4: 10.0.0.0/8 }");
                None
            }
        };
        let addressing = addressing.unwrap_or_else(|| Addressing {
            ipv4: Ipv4Net::default(),
            ipv6: None,
            wan: None,
            loopbacks: None,
            p2p_prefix: 31,
            growth_percent: 0,
            reserve: vec![],
            spans: AddressingSpans::default(),
        });
        let sites = match f.get("sites") {
            Some(n) => self.sites(n),
            None => {
                self.missing(
                    &f,
                    "sites",
                    "the topology",
                    "{ hq: { devices: { r1: { kind: router } } } }",
                );
                vec![]
            }
        };
        let links = f.get("links").map(|n| self.links(n)).unwrap_or_default();
        let internet = f.get("internet").and_then(|n| self.internet(n));
        let dns = f.get("dns").and_then(|n| self.dns(n));
        let snmp = f.get("snmp").and_then(|n| self.snmp(n));
        let policies = f
            .get("policies")
            .map(|n| self.policies(n))
            .unwrap_or_default();

        Some(Topology {
            name: name.unwrap_or_default(),
            description,
            routing,
            addressing,
            sites,
            links,
            internet,
            dns,
            snmp,
            policies,
        })
    }

    fn topology_name(&mut self, node: &Node) -> Option<String> {
        let name = self.text(node, "`name` of the topology")?;
        let ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && !name.starts_with(['-', '.']);
        if !ok {
            let hint = match text::suggest_name(&name) {
                Some(s) => format!("the topology name names the lab and the documents: use letters, digits, `-`, `_` and `.`, up to 64 characters (e.g. `{s}`); put free text in `description`"),
                None => "the topology name names the lab and the documents: use letters, digits, `-`, `_` and `.`, up to 64 characters; put free text in `description`".to_string(),
            };
            self.error(
                node.span,
                format!("invalid topology name `{}`", shorten(&name)),
                hint,
            );
            return None;
        }
        Some(name)
    }

    fn routing(&mut self, node: &Node) -> RoutingMode {
        let Some(t) = self.text(node, "`routing`") else {
            return RoutingMode::Static;
        };
        match t.as_str() {
            "static" => RoutingMode::Static,
            "ospf" => RoutingMode::Ospf,
            other => {
                let hint = match text::did_you_mean(other, ["static", "ospf"]) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "use `static` or `ospf`".to_string(),
                };
                self.error(
                    node.span,
                    format!(
                        "unknown routing `{}`: routing is `static` or `ospf`",
                        shorten(other)
                    ),
                    hint,
                );
                RoutingMode::Static
            }
        }
    }
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(b) || b.contains(a)
}

fn l3_list(devices: &[Device]) -> String {
    let l3: Vec<&str> = devices
        .iter()
        .filter(|d| d.kind.is_layer3())
        .map(|d| d.name.as_str())
        .take(5)
        .collect();
    if l3.is_empty() {
        String::new()
    } else {
        format!(" ({})", l3.join(", "))
    }
}

fn value_span(node: &Node, key: &str) -> Option<Span> {
    match &node.kind {
        Kind::Map(entries) => entries
            .iter()
            .find(|(k, _)| matches!(&k.kind, Kind::Scalar { text, .. } if text == key))
            .map(|(_, v)| v.span),
        _ => None,
    }
}

fn vlan_span(node: &Node) -> Option<Span> {
    value_span(node, "vlan")
}

fn host_value_span(node: &Node) -> Option<Span> {
    value_span(node, "host")
}
