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

use crate::text::{self, Family, NAME_RULE};
use crate::yaml::{self, Kind, Node, parse_yaml_bool, parse_yaml_int, shorten};
use crate::{
    Addressing, AddressingSpans, Device, DeviceKind, Diagnostic, Dns, Internet, Link, NamedHost,
    Policy, PolicyAction, RoutingMode, Segment, Service, Severity, Site, Snmp, SnmpVersion, Span,
    Topology,
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
    let (topology, mut diagnostics) = if source.len() > MAX_BYTES {
        (None, vec![too_big(source.len())])
    } else {
        match std::str::from_utf8(source) {
            Err(e) => (None, vec![not_utf8(source, e.valid_up_to())]),
            Ok(text) => build(text),
        }
    };
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
const LINK_KEYS: &[&str] = &["a", "b", "bandwidth", "cost", "prefix", "description"];
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

    fn addressing(&mut self, node: &Node) -> Option<Addressing> {
        let what = "`addressing`";
        let f = self.fields(node, what, ADDRESSING_KEYS, "{ ipv4: 10.0.0.0/8 }")?;
        let mut spans = AddressingSpans::default();
        let ipv4 = match f.get("ipv4") {
            Some(n) => {
                spans.ipv4 = n.span;
                self.cidr4(n, "addressing.ipv4")
            }
            None => {
                self.missing(&f, "ipv4", what, "10.0.0.0/8");
                None
            }
        };
        self.ipv4_ok = ipv4.is_some();
        let ipv6 = f.get("ipv6").and_then(|n| {
            self.ipv6_given = true;
            spans.ipv6 = Some(n.span);
            let net = self.cidr6(n, "addressing.ipv6")?;
            if net.prefix_len() > 64 {
                self.error(
                    n.span,
                    format!("addressing.ipv6 {net} is smaller than a /64: every segment gets a /64 from it"),
                    "use a /48 or /56 (e.g. fd00:ac::/48)",
                );
                return None;
            }
            Some(net)
        });
        let wan = f.get("wan").and_then(|n| {
            spans.wan = Some(n.span);
            let net = self.cidr4(n, "addressing.wan")?;
            if net.prefix_len() > 31 {
                self.error(
                    n.span,
                    format!("addressing.wan {net} cannot hold a point-to-point link"),
                    "use a pool of at least a /30, e.g. 10.255.0.0/16",
                );
                return None;
            }
            Some(net)
        });
        let loopbacks = f.get("loopbacks").and_then(|n| {
            spans.loopbacks = Some(n.span);
            self.cidr4(n, "addressing.loopbacks")
        });
        if let (Some(w), Some(l)) = (wan, loopbacks)
            && (w.contains(&l) || l.contains(&w))
        {
            self.error(
                spans.loopbacks,
                format!("addressing.loopbacks {l} overlaps addressing.wan {w}"),
                "give loopbacks and point-to-point links separate pools",
            );
        }
        let p2p_prefix = match f.get("p2p_prefix") {
            None => 31,
            Some(n) => match self.int(n, "addressing.p2p_prefix", "31") {
                Some(v @ (30 | 31)) => v as u8,
                Some(v) => {
                    self.error(
                        n.span,
                        format!("addressing.p2p_prefix is {v}: point-to-point links use /31 or /30"),
                        "write `p2p_prefix: 31` (RFC 3021, two addresses per link) or `p2p_prefix: 30`",
                    );
                    31
                }
                None => 31,
            },
        };
        let growth_percent = f.get("growth").map_or(0, |n| self.growth(n));
        let mut reserve = Vec::new();
        if let Some(n) = f.get("reserve") {
            let items: Vec<&Node> = match &n.kind {
                Kind::Seq(items) => items.iter().collect(),
                Kind::Scalar { .. } => vec![n],
                Kind::Map(_) => {
                    self.error(
                        n.span,
                        format!(
                            "addressing.reserve must be a list of prefixes, not {}",
                            n.describe()
                        ),
                        "write it like [10.0.0.0/16, 10.200.0.0/16]",
                    );
                    vec![]
                }
            };
            for item in items {
                if let Some(net) = self.cidr(item, "a reserve entry", Family::Any) {
                    if net.addr().is_ipv6() && !self.ipv6_given {
                        self.warning(
                            item.span,
                            format!("reserve {net} is IPv6 but addressing has no `ipv6`: it has no effect"),
                            "remove it, or add `ipv6:` to addressing",
                        );
                    }
                    reserve.push(net);
                    spans.reserve.push(item.span);
                }
            }
        }
        // Pools inside a reserve are useless.
        for (pool, span, name) in [
            (wan, spans.wan, "wan"),
            (loopbacks, spans.loopbacks, "loopbacks"),
            (ipv4, Some(spans.ipv4), "ipv4"),
        ] {
            if let Some(p) = pool
                && let Some(r) = reserve.iter().find(|r| r.contains(&IpNet::V4(p)))
            {
                self.error(
                    span,
                    format!("addressing.{name} {p} lies entirely inside reserve {r}: nothing could be allocated from it"),
                    "shrink the reserve or choose another pool",
                );
            }
        }
        Some(Addressing {
            ipv4: ipv4.unwrap_or_default(),
            ipv6,
            wan,
            loopbacks,
            p2p_prefix,
            growth_percent,
            reserve,
            spans,
        })
    }

    fn growth(&mut self, node: &Node) -> u32 {
        let Kind::Scalar { text, .. } = &node.kind else {
            self.error(
                node.span,
                format!(
                    "addressing.growth must be a percentage, not {}",
                    node.describe()
                ),
                "write it like `growth: 25%`",
            );
            return 0;
        };
        let t = text.trim();
        let number = t.strip_suffix('%').unwrap_or(t).trim();
        match number.parse::<f64>() {
            Ok(v) if v < 0.0 => {
                self.error(
                    node.span,
                    format!("addressing.growth is negative ({t}): growth is spare room added on top of `hosts`"),
                    "use 0% or more, e.g. `growth: 25%`",
                );
                0
            }
            Ok(v) if v > MAX_GROWTH as f64 => {
                self.error(
                    node.span,
                    format!("addressing.growth {t} is more than {MAX_GROWTH}%"),
                    "raise `hosts` instead, and keep growth for spare room (e.g. `growth: 25%`)",
                );
                0
            }
            Ok(v) if v.fract() != 0.0 => {
                self.error(
                    node.span,
                    format!("addressing.growth {t} is not a whole percentage"),
                    if v < 1.0 && !t.ends_with('%') {
                        // `0.25` is most likely a fraction.
                        format!(
                            "growth is in percent: did you mean `growth: {}%`?",
                            (v * 100.0).round()
                        )
                    } else {
                        format!(
                            "write a whole number of percent, e.g. `growth: {}%`",
                            v.ceil()
                        )
                    },
                );
                0
            }
            // Checked above: a whole number from 0 to MAX_GROWTH.
            Ok(v) => v as u32,
            Err(_) => {
                self.error(
                    node.span,
                    format!("addressing.growth `{}` is not a percentage", shorten(t)),
                    "write it like `growth: 25%` (or the number 25)",
                );
                0
            }
        }
    }

    fn sites(&mut self, node: &Node) -> Vec<Site> {
        let Some(entries) = self.mapping(node, "`sites`", "{ hq: { location: Paris } }") else {
            return vec![];
        };
        if entries.is_empty() {
            self.error(
                node.span,
                "`sites` is empty: a topology has at least one site",
                "add a site, like `hq: { devices: { r1: { kind: router } } }`",
            );
        }
        let mut sites: Vec<Site> = Vec::new();
        let mut seen: HashMap<String, u32> = HashMap::new();
        for (k, v) in entries {
            let Some(name) = self.name(k, "site") else {
                continue;
            };
            if let Some(line) = seen.get(&name) {
                self.error(
                    k.span,
                    format!("duplicate site `{name}` (first written on line {line})"),
                    "give each site its own name, or merge the two",
                );
                continue;
            }
            seen.insert(name.clone(), k.span.line);
            if let Some(site) = self.site(name, k, v) {
                sites.push(site);
            }
        }
        sites
    }

    fn site(&mut self, name: String, key: &Node, node: &Node) -> Option<Site> {
        let what = format!("site `{name}`");
        let f = self.fields(
            node,
            &what,
            SITE_KEYS,
            "{ location: Paris, devices: { r1: { kind: router } } }",
        )?;
        let location = self.opt_text(&f, "location", &what);
        let description = self.opt_text(&f, "description", &what);
        let prefix_node = f.get("prefix");
        let prefix =
            prefix_node.and_then(|n| self.cidr4(n, &format!("the prefix of site `{name}`")));
        let prefix_span = prefix_node.map(|n| n.span);
        if let (Some(p), Some(span)) = (prefix, prefix_span) {
            self.pins.push(Pin {
                net: IpNet::V4(p),
                span,
                label: format!("site `{name}`"),
                owner: PinOwner::Site(name.clone()),
            });
        }
        let prefix6_node = f.get("prefix6");
        let prefix6 =
            prefix6_node.and_then(|n| self.cidr6(n, &format!("the prefix6 of site `{name}`")));
        if let (Some(p), Some(n)) = (prefix6, prefix6_node) {
            if p.prefix_len() > 64 {
                self.error(
                    n.span,
                    format!(
                        "site `{name}`'s prefix6 {p} is smaller than a /64: each segment gets a /64"
                    ),
                    "pin a /56 or /48, or leave prefix6 out",
                );
            }
            self.pins.push(Pin {
                net: IpNet::V6(p),
                span: n.span,
                label: format!("site `{name}`"),
                owner: PinOwner::Site(name.clone()),
            });
        }

        let mut devices: Vec<Device> = Vec::new();
        // Set when a device was dropped for an error: "no layer-3 device" would only
        // repeat that error.
        let mut devices_incomplete = false;
        if let Some(n) = f.get("devices") {
            let entries = self.mapping(
                n,
                &format!("the devices of {what}"),
                "{ r1: { kind: router } }",
            );
            devices_incomplete |= entries.is_none();
            let entries = entries.unwrap_or_default();
            let mut seen: HashMap<String, u32> = HashMap::new();
            for (k, v) in entries {
                let Some(dname) = self.name(k, "device") else {
                    devices_incomplete = true;
                    continue;
                };
                if let Some(line) = seen.get(&dname) {
                    self.error(
                        k.span,
                        format!("duplicate device `{name}.{dname}` (first written on line {line})"),
                        "give each device of a site its own name",
                    );
                    continue;
                }
                seen.insert(dname.clone(), k.span.line);
                match self.device(&name, dname, k, v) {
                    Some(d) => devices.push(d),
                    None => devices_incomplete = true,
                }
            }
        }

        let device_index: HashMap<&str, usize> = devices
            .iter()
            .enumerate()
            .map(|(i, d)| (d.name.as_str(), i))
            .collect();
        let mut segments: Vec<Segment> = Vec::new();
        if let Some(n) = f.get("segments")
            && let Some(entries) = self.mapping(
                n,
                &format!("the segments of {what}"),
                "{ users: { vlan: 10, hosts: 50 } }",
            )
        {
            let mut seen: HashMap<String, u32> = HashMap::new();
            let mut vlans: HashMap<u16, (String, u32)> = HashMap::new();
            for (k, v) in entries {
                let Some(sname) = self.name(k, "segment") else {
                    continue;
                };
                if let Some(line) = seen.get(&sname) {
                    self.error(
                        k.span,
                        format!(
                            "duplicate segment `{name}.{sname}` (first written on line {line})"
                        ),
                        "give each segment of a site its own name",
                    );
                    continue;
                }
                seen.insert(sname.clone(), k.span.line);
                if let Some(d) = device_index.get(sname.as_str()).map(|&i| &devices[i]) {
                    self.error(
                        k.span,
                        format!("`{name}.{sname}` is both a device (line {}) and a segment: they share the `site.name` ids", d.span.line),
                        "rename the segment or the device",
                    );
                }
                let Some(seg) = self.segment(&name, sname, k, v) else {
                    continue;
                };
                if (1..=4094).contains(&seg.vlan) {
                    if let Some((other, line)) = vlans.get(&seg.vlan) {
                        let vspan = vlan_span(v).unwrap_or(seg.span);
                        self.error(
                            vspan,
                            format!(
                                "duplicate VLAN {} in site `{name}`: segment `{name}.{}` uses the VLAN of `{name}.{other}` (line {line})",
                                seg.vlan, seg.name
                            ),
                            "give each segment of a site its own VLAN",
                        );
                    } else {
                        vlans.insert(seg.vlan, (seg.name.clone(), seg.span.line));
                    }
                }
                segments.push(seg);
            }
        }

        // Gateways: a layer-3 device of this site.
        for seg in &mut segments {
            let Some(g) = seg.gateway.clone() else {
                continue;
            };
            let seg_id = format!("{name}.{}", seg.name);
            let span = self.gateway_spans.get(&seg_id).copied().unwrap_or(seg.span);
            let local = match g.split_once('.') {
                Some((s, d)) if s == name => d.to_string(),
                Some((s, _)) => {
                    self.error(
                        span,
                        format!("the gateway of `{seg_id}` is `{g}`, a device of site `{s}`"),
                        format!("the gateway is a layer-3 device of site `{name}`: write its name only, e.g. `gateway: r1`"),
                    );
                    seg.gateway = None;
                    continue;
                }
                None => g.clone(),
            };
            match device_index.get(local.as_str()).map(|&i| &devices[i]) {
                Some(d)
                    if !d.kind.is_layer3()
                        && !self.unknown_kind.contains(&format!("{name}.{local}")) =>
                {
                    self.error(
                        span,
                        format!("the gateway of `{seg_id}` is `{name}.{local}`, a {}: only layer-3 devices route a segment", d.kind),
                        format!("name a router, l3-switch or firewall of site `{name}`{}", l3_list(&devices)),
                    );
                }
                Some(_) => seg.gateway = Some(local),
                None => {
                    let hint = match self.suggest(&local, devices.iter().map(|d| d.name.as_str())) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!(
                            "name a layer-3 device of site `{name}`{}",
                            l3_list(&devices)
                        ),
                    };
                    self.error(
                        span,
                        format!("unknown gateway `{}` for `{seg_id}`: it is not a device of site `{name}`", shorten(&local)),
                        hint,
                    );
                }
            }
        }

        let unknown_kind = devices
            .iter()
            .any(|d| self.unknown_kind.contains(&format!("{name}.{}", d.name)));
        if !segments.is_empty()
            && !devices.iter().any(|d| d.kind.is_layer3())
            && !unknown_kind
            && !devices_incomplete
        {
            self.error(
                key.span,
                format!("site `{name}` has segments but no layer-3 device to route them"),
                "add a router, l3-switch or firewall, e.g. `devices: { r1: { kind: router } }`",
            );
        }

        let layer2 = self.layer2(&name, &f, &devices, &segments);
        Some(Site {
            name,
            location,
            description,
            prefix,
            prefix6,
            devices,
            segments,
            span: key.span,
            prefix_span,
            layer2,
        })
    }

    fn device(&mut self, site: &str, name: String, key: &Node, node: &Node) -> Option<Device> {
        let id = format!("{site}.{name}");
        let what = format!("device `{id}`");
        let f = self.fields(node, &what, DEVICE_KEYS, "{ kind: router }")?;
        let kind = match f.get("kind") {
            None => {
                self.missing(&f, "kind", &what, "router");
                None
            }
            Some(n) => self.text(n, &format!("the kind of {what}")).and_then(|t| {
                let k = match t.as_str() {
                    "router" => Some(DeviceKind::Router),
                    "l3-switch" => Some(DeviceKind::L3Switch),
                    "firewall" => Some(DeviceKind::Firewall),
                    "switch" => Some(DeviceKind::Switch),
                    "access-point" => Some(DeviceKind::AccessPoint),
                    "server" => Some(DeviceKind::Server),
                    _ => None,
                };
                if k.is_none() {
                    let normalized = t.to_lowercase().replace(['_', ' '], "-");
                    let hint = match text::did_you_mean(&normalized, KINDS.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => format!("use one of: {}", KINDS.join(", ")),
                    };
                    self.error(
                        n.span,
                        format!("unknown device kind `{}` for {what}", shorten(&t)),
                        hint,
                    );
                }
                k
            }),
        };
        if kind.is_none() {
            self.unknown_kind.insert(id);
        }
        Some(Device {
            name,
            kind: kind.unwrap_or(DeviceKind::Router),
            description: self.opt_text(&f, "description", &what),
            model: self.opt_text(&f, "model", &what),
            span: key.span,
        })
    }

    fn segment(&mut self, site: &str, name: String, key: &Node, node: &Node) -> Option<Segment> {
        let id = format!("{site}.{name}");
        let what = format!("segment `{id}`");
        let f = self.fields(node, &what, SEGMENT_KEYS, "{ vlan: 10, hosts: 50 }")?;
        let vlan = match f.get("vlan") {
            None => {
                self.missing(&f, "vlan", &what, "10");
                0
            }
            Some(n) => match self.int(n, &format!("the VLAN of {what}"), "10") {
                Some(v) if (1..=4094).contains(&v) => v as u16,
                Some(v) => {
                    self.error(
                        n.span,
                        format!("VLAN {v} of {what} is outside 1-4094"),
                        "use a VLAN id from 1 to 4094 (0 and 4095 are reserved)",
                    );
                    0
                }
                None => 0,
            },
        };
        let hosts = match f.get("hosts") {
            None => {
                self.missing(&f, "hosts", &what, "50");
                0
            }
            Some(n) => match self.int(n, &format!("the hosts of {what}"), "50") {
                Some(v) if v <= 0 => {
                    self.error(
                        n.span,
                        format!("{what} has {v} hosts: a segment holds at least 1 host"),
                        "write how many hosts the segment must hold, e.g. `hosts: 50`",
                    );
                    0
                }
                Some(v) if v > MAX_HOSTS => {
                    self.error(
                        n.span,
                        format!("{what} has {v} hosts, more than a /8 holds ({MAX_HOSTS})"),
                        "split it into several segments with realistic sizes",
                    );
                    0
                }
                // Checked: 1 ..= MAX_HOSTS fits in u32.
                Some(v) => v as u32,
                None => 0,
            },
        };
        let description = self.opt_text(&f, "description", &what);
        let prefix_node = f.get("prefix");
        let prefix = prefix_node.and_then(|n| self.cidr4(n, &format!("the prefix of {what}")));
        let prefix_span = prefix_node.map(|n| n.span);
        if let (Some(p), Some(span)) = (prefix, prefix_span) {
            if p.prefix_len() > 30 {
                self.error(
                    span,
                    format!("the prefix {p} of {what} is too small for a segment"),
                    "a segment needs at least a /30 (gateway and one host)",
                );
            }
            self.pins.push(Pin {
                net: IpNet::V4(p),
                span,
                label: format!("segment `{id}`"),
                owner: PinOwner::Segment(site.to_string()),
            });
        }
        let prefix6_node = f.get("prefix6");
        let prefix6 = prefix6_node.and_then(|n| self.cidr6(n, &format!("the prefix6 of {what}")));
        if let (Some(p), Some(n)) = (prefix6, prefix6_node) {
            if p.prefix_len() != 64 {
                self.error(
                    n.span,
                    format!("the prefix6 {p} of {what} is not a /64"),
                    "every segment gets a /64: pin a /64, e.g. fd00:ac:1:10::/64",
                );
            } else {
                self.pins.push(Pin {
                    net: IpNet::V6(p),
                    span: n.span,
                    label: format!("segment `{id}`"),
                    owner: PinOwner::Segment(site.to_string()),
                });
            }
        }
        let isolated = f
            .get("isolated")
            .and_then(|n| self.boolean(n, &format!("`isolated` of {what}")))
            .unwrap_or(false);
        let gateway = f.get("gateway").and_then(|n| {
            self.gateway_spans.insert(id.clone(), n.span);
            self.text(n, &format!("the gateway of {what}"))
        });
        let mut named = Vec::new();
        if let Some(n) = f.get("named")
            && let Some(entries) = self.mapping(
                n,
                &format!("`named` of {what}"),
                "{ fs1: { host: 10, services: [tcp/445] } }",
            )
        {
            let mut seen: HashMap<String, u32> = HashMap::new();
            let mut offsets: HashMap<u32, (String, u32)> = HashMap::new();
            for (k, v) in entries {
                let Some(hname) = self.name(k, "named host") else {
                    continue;
                };
                if let Some(line) = seen.get(&hname) {
                    self.error(
                        k.span,
                        format!(
                            "duplicate named host `{id}.{hname}` (first written on line {line})"
                        ),
                        "give each named host of a segment its own name",
                    );
                    continue;
                }
                seen.insert(hname.clone(), k.span.line);
                let Some(h) = self.named_host(&id, hname, k, v, hosts, prefix) else {
                    continue;
                };
                if h.host != 0 {
                    if let Some((other, line)) = offsets.get(&h.host) {
                        self.error(
                            host_value_span(v).unwrap_or(h.span),
                            format!("duplicate offset {} in `{id}`: named host `{id}.{}` takes the address of `{id}.{other}` (line {line})", h.host, h.name),
                            "give each named host its own offset",
                        );
                    } else {
                        offsets.insert(h.host, (h.name.clone(), h.span.line));
                    }
                }
                named.push(h);
            }
        }
        Some(Segment {
            name,
            vlan,
            hosts,
            description,
            prefix,
            prefix6,
            isolated,
            gateway,
            named,
            span: key.span,
            prefix_span,
        })
    }

    fn named_host(
        &mut self,
        seg_id: &str,
        name: String,
        key: &Node,
        node: &Node,
        hosts: u32,
        prefix: Option<Ipv4Net>,
    ) -> Option<NamedHost> {
        let id = format!("{seg_id}.{name}");
        let what = format!("named host `{id}`");
        let f = self.fields(node, &what, NAMED_KEYS, "{ host: 10, services: [tcp/445] }")?;
        let host = match f.get("host") {
            None => {
                self.missing(&f, "host", &what, "10");
                0
            }
            Some(n) => match self.int(n, &format!("the host offset of {what}"), "10") {
                Some(0) => {
                    self.error(
                        n.span,
                        format!("{what} has offset 0, the network address of the subnet"),
                        "use an offset from 2 up (offset 1 is the gateway), e.g. `host: 10`",
                    );
                    0
                }
                Some(1) => {
                    self.error(
                        n.span,
                        format!("{what} has offset 1, the address of the segment's gateway"),
                        "use an offset from 2 up, e.g. `host: 10`",
                    );
                    0
                }
                Some(v) if v < 0 => {
                    self.error(n.span, format!("{what} has a negative offset {v}"), "the offset counts from the subnet's network address: use 2 or more, e.g. `host: 10`");
                    0
                }
                Some(v) if v > i64::from(u32::MAX) => {
                    self.error(
                        n.span,
                        format!("{what} has offset {v}, far outside any IPv4 subnet"),
                        "use an offset inside the segment's subnet, e.g. `host: 10`",
                    );
                    0
                }
                Some(v) => {
                    let offset = v as u32;
                    if hosts > 0 {
                        self.offsets.push(OffsetCheck {
                            id: id.clone(),
                            offset,
                            span: n.span,
                            hosts,
                            prefix_len: prefix.map(|p| p.prefix_len()),
                        });
                    }
                    offset
                }
                None => 0,
            },
        };
        let services = f
            .get("services")
            .map(|n| self.services(n, &format!("the services of {what}")))
            .unwrap_or_default();
        Some(NamedHost {
            name,
            host,
            services,
            span: key.span,
        })
    }

    fn links(&mut self, node: &Node) -> Vec<Link> {
        let items = match &node.kind {
            Kind::Seq(items) => items,
            _ => {
                self.error(
                    node.span,
                    format!("`links` must be a list, not {}", node.describe()),
                    "write it like `links: [ { a: hq.r1, b: lyon.r1, bandwidth: 100Mbps } ]`",
                );
                return vec![];
            }
        };
        let mut out = Vec::new();
        for item in items {
            let index = out.len();
            let what = format!("link {index}");
            let Some(f) = self.fields(
                item,
                &what,
                LINK_KEYS,
                "{ a: hq.r1, b: lyon.r1, bandwidth: 100Mbps }",
            ) else {
                continue;
            };
            let end = |w: &mut Walker, key: &str| -> String {
                match f.get(key) {
                    None => {
                        w.missing(&f, key, &what, "site.device");
                        String::new()
                    }
                    Some(n) => match w.text(n, &format!("`{key}` of {what}")) {
                        Some(t) => {
                            w.refs.push(Ref {
                                text: t.clone(),
                                span: n.span,
                                what: RefKind::LinkEnd(index),
                            });
                            t
                        }
                        None => String::new(),
                    },
                }
            };
            let a = end(self, "a");
            let b = end(self, "b");
            if !a.is_empty()
                && a == b
                && let Some(n) = f.get("b")
            {
                self.error(
                    n.span,
                    format!("{what} joins `{}` to itself", shorten(&a)),
                    "a link joins two different layer-3 devices: fix `a` or `b`",
                );
            }
            let bandwidth_bps = f.get("bandwidth").and_then(|n| {
                let t = self.text(n, &format!("the bandwidth of {what}"))?;
                match text::parse_bandwidth(&t) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        self.error(
                            n.span,
                            format!("invalid bandwidth for {what}: {e}"),
                            "write a number and a unit in bits per second: 100Mbps, 1Gbps, 1.5Gbps, 512kbps",
                        );
                        None
                    }
                }
            });
            let cost = f.get("cost").and_then(|n| {
                match self.int(n, &format!("the cost of {what}"), "10")? {
                    v if v <= 0 => {
                        self.error(
                            n.span,
                            format!("the cost of {what} is {v}: costs are positive"),
                            "use a cost from 1 to 65535 (lower is preferred)",
                        );
                        None
                    }
                    v if v > 65535 => {
                        self.error(
                            n.span,
                            format!("the cost of {what} is {v}, more than 65535"),
                            "use a cost from 1 to 65535 (the OSPF range)",
                        );
                        None
                    }
                    v => Some(v as u32),
                }
            });
            let prefix_node = f.get("prefix");
            let prefix = prefix_node.and_then(|n| {
                let p = self.cidr4(n, &format!("the prefix of {what}"))?;
                if !matches!(p.prefix_len(), 30 | 31) {
                    self.error(n.span, format!("the prefix {p} of {what} is a /{}: a point-to-point link uses a /31 or a /30", p.prefix_len()), "pin a /31 (or /30), e.g. 10.255.0.0/31");
                    return None;
                }
                self.pins.push(Pin {
                    net: IpNet::V4(p),
                    span: n.span,
                    label: format!("link {index} ({a} - {b})"),
                    owner: PinOwner::Link,
                });
                Some(p)
            });
            let description = self.opt_text(&f, "description", &what);
            out.push(Link {
                a,
                b,
                bandwidth_bps,
                cost,
                prefix,
                description,
                span: item.span,
            });
        }
        out
    }

    fn internet(&mut self, node: &Node) -> Option<Internet> {
        let f = self.fields(node, "`internet`", &["edge"], "{ edge: hq.fw1 }")?;
        let Some(n) = f.get("edge") else {
            self.missing(&f, "edge", "`internet`", "hq.fw1");
            return None;
        };
        let edge = self.text(n, "the internet edge")?;
        self.refs.push(Ref {
            text: edge.clone(),
            span: n.span,
            what: RefKind::InternetEdge,
        });
        Some(Internet { edge, span: n.span })
    }

    fn dns(&mut self, node: &Node) -> Option<Dns> {
        let f = self.fields(
            node,
            "`dns`",
            &["domain", "server"],
            "{ domain: acme.lan, server: hq.servers.dns1 }",
        )?;
        let domain = match f.get("domain") {
            None => {
                self.missing(&f, "domain", "`dns`", "acme.lan");
                None
            }
            Some(n) => self.text(n, "the DNS domain").and_then(|d| {
                // DNS names are case-insensitive: keep them in lowercase.
                let d = d.trim_end_matches('.').to_lowercase();
                let ok = !d.is_empty()
                    && d.len() <= 253
                    && d.split('.').all(|l| text::name_problem(l).is_none());
                if !ok {
                    self.error(
                        n.span,
                        format!("`{}` is not a valid DNS domain", shorten(&d)),
                        "write dot-separated labels of a-z, 0-9 and `-`, e.g. `acme.lan`",
                    );
                    return None;
                }
                Some(d)
            }),
        };
        let server = match f.get("server") {
            None => {
                self.missing(&f, "server", "`dns`", "hq.servers.dns1");
                None
            }
            Some(n) => self.text(n, "the DNS server").inspect(|s| {
                self.refs.push(Ref {
                    text: s.clone(),
                    span: n.span,
                    what: RefKind::DnsServer,
                });
            }),
        };
        Some(Dns {
            domain: domain?,
            server: server?,
            span: node.span,
        })
    }

    fn snmp(&mut self, node: &Node) -> Option<Snmp> {
        let what = "`snmp`";
        let f = self.fields(
            node,
            what,
            SNMP_KEYS,
            "{ version: 2c, community: \"${NETKIT_SNMP_COMMUNITY}\" }",
        )?;
        let version = match f.get("version") {
            None => {
                self.missing(&f, "version", what, "2c");
                None
            }
            Some(n) => match &n.kind {
                Kind::Scalar { text, .. } => match text.trim() {
                    "1" | "v1" => Some(SnmpVersion::V1),
                    "2c" | "v2c" | "2C" => Some(SnmpVersion::V2c),
                    "3" | "v3" => Some(SnmpVersion::V3),
                    other => {
                        let hint = if other == "2" {
                            "did you mean `2c`?".to_string()
                        } else {
                            "use 1, 2c or 3".to_string()
                        };
                        self.error(
                            n.span,
                            format!(
                                "unknown SNMP version `{}`: netkit speaks SNMP 1, 2c and 3",
                                shorten(other)
                            ),
                            hint,
                        );
                        None
                    }
                },
                _ => {
                    self.error(
                        n.span,
                        format!("the SNMP version must be 1, 2c or 3, not {}", n.describe()),
                        "write `version: 2c`",
                    );
                    None
                }
            },
        };
        // Secrets are kept exactly as written and never echoed in messages.
        let secret = |w: &mut Walker, key: &str| -> Option<String> {
            let n = f.get(key)?;
            match &n.kind {
                Kind::Scalar { text, .. } => Some(text.clone()),
                _ => {
                    w.error(
                        n.span,
                        format!("`{key}` of {what} must be text"),
                        format!(
                            "write it like `{key}: \"${{NETKIT_SNMP_{}}}\"`",
                            key.to_uppercase()
                        ),
                    );
                    None
                }
            }
        };
        let community = secret(self, "community");
        let auth_password = secret(self, "auth_password");
        let priv_password = secret(self, "priv_password");
        let user = self.opt_text(&f, "user", what);
        let auth_protocol = f.get("auth_protocol").and_then(|n| {
            let t = self.text(n, "snmp.auth_protocol")?;
            const AUTH: &[&str] = &["MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512"];
            if AUTH.iter().any(|a| a.eq_ignore_ascii_case(&t)) {
                Some(t)
            } else {
                self.error(
                    n.span,
                    format!("unknown SNMPv3 authentication protocol `{}`", shorten(&t)),
                    format!("use one of: {}", AUTH.join(", ")),
                );
                None
            }
        });
        let priv_protocol = f.get("priv_protocol").and_then(|n| {
            let t = self.text(n, "snmp.priv_protocol")?;
            const PRIV: &[&str] = &["AES", "AES-128", "AES-192", "AES-256", "DES"];
            if PRIV.iter().any(|a| a.eq_ignore_ascii_case(&t)) {
                Some(t)
            } else {
                self.error(
                    n.span,
                    format!("unknown SNMPv3 privacy protocol `{}`", shorten(&t)),
                    format!("use one of: {}", PRIV.join(", ")),
                );
                None
            }
        });
        if version == Some(SnmpVersion::V3) && user.is_none() {
            self.missing(&f, "user", "`snmp` version 3", "netkit");
        }
        if let Some(v) = version
            && v != SnmpVersion::V3
        {
            for key in [
                "user",
                "auth_protocol",
                "auth_password",
                "priv_protocol",
                "priv_password",
            ] {
                if let Some(span) = f.key_span(key) {
                    self.warning(
                        span,
                        format!("`{key}` is only used by SNMP version 3, but `version` is not 3"),
                        "remove it, or set `version: 3`",
                    );
                }
            }
        }
        Some(Snmp {
            version: version?,
            community,
            user,
            auth_protocol,
            auth_password,
            priv_protocol,
            priv_password,
            span: node.span,
        })
    }

    fn policies(&mut self, node: &Node) -> Vec<Policy> {
        let items = match &node.kind {
            Kind::Seq(items) => items,
            _ => {
                self.error(
                    node.span,
                    format!("`policies` must be a list, not {}", node.describe()),
                    "write it like `policies: [ { deny: { from: lyon.users, to: hq.users } } ]`",
                );
                return vec![];
            }
        };
        let mut out = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let what = format!("policy {index}");
            let Some(entries) =
                self.mapping(item, &what, "{ deny: { from: lyon.users, to: hq.users } }")
            else {
                continue;
            };
            if entries.len() != 1 {
                self.error(
                    item.span,
                    format!("{what} must have exactly one key, `deny` or `allow` (it has {})", entries.len()),
                    "write one rule per list item: `- { deny: { from: lyon.users, to: hq.users } }`",
                );
                continue;
            }
            let (k, v) = &entries[0];
            let Some(key) = self.key_text(k, &what) else {
                continue;
            };
            let action = match key {
                "deny" => PolicyAction::Deny,
                "allow" => PolicyAction::Allow,
                other => {
                    let hint = match text::did_you_mean(other, ["deny", "allow"]) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "a policy is `deny: {...}` or `allow: {...}`".to_string(),
                    };
                    self.error(
                        k.span,
                        format!("unknown policy action `{}` in {what}", shorten(other)),
                        hint,
                    );
                    continue;
                }
            };
            let Some(f) = self.fields(
                v,
                &format!("{what} ({key})"),
                &["from", "to", "services", "description"],
                "{ from: lyon.users, to: hq.users }",
            ) else {
                continue;
            };
            let end = |w: &mut Walker, which: &'static str| -> Option<String> {
                let Some(n) = f.get(which) else {
                    w.missing(&f, which, &what, "site.segment");
                    return None;
                };
                let t = w.text(n, &format!("`{which}` of {what}"))?;
                w.refs.push(Ref {
                    text: t.clone(),
                    span: n.span,
                    what: RefKind::PolicyEnd(index, which),
                });
                Some(t)
            };
            let from = end(self, "from");
            let to = end(self, "to");
            let services = f
                .get("services")
                .map(|n| self.services(n, &format!("the services of {what}")))
                .unwrap_or_default();
            if let (Some(a), Some(b)) = (&from, &to)
                && a == b
            {
                self.error(
                    f.get("to").map_or(item.span, |n| n.span),
                    format!("{what} goes from `{}` to itself", shorten(a)),
                    "a policy filters traffic between two different places: fix `from` or `to`",
                );
            }
            out.push(Policy {
                action,
                from: from.unwrap_or_default(),
                to: to.unwrap_or_default(),
                services,
                span: item.span,
            });
        }
        out
    }

    // ----- checks across the file ------------------------------------------------

    fn cross_checks(&mut self, topo: &Topology) {
        self.check_refs(topo);
        self.check_pins(topo);
        self.check_offsets(topo);
        self.check_layer2_refs(topo);
    }

    fn check_refs(&mut self, topo: &Topology) {
        let mut devices: HashMap<String, DeviceKind> = HashMap::new();
        let mut segments: HashSet<String> = HashSet::new();
        let mut named: HashSet<String> = HashSet::new();
        for s in &topo.sites {
            for d in &s.devices {
                devices.insert(format!("{}.{}", s.name, d.name), d.kind);
            }
            for g in &s.segments {
                segments.insert(format!("{}.{}", s.name, g.name));
                for h in &g.named {
                    named.insert(format!("{}.{}.{}", s.name, g.name, h.name));
                }
            }
        }
        let sites: HashSet<&str> = topo.sites.iter().map(|s| s.name.as_str()).collect();
        // Sorted, so that hints do not depend on hash order.
        let mut device_ids: Vec<&str> = devices.keys().map(String::as_str).collect();
        device_ids.sort_unstable();
        let mut named_ids: Vec<&str> = named.iter().map(String::as_str).collect();
        named_ids.sort_unstable();
        let mut endpoint_ids: Vec<&str> = segments
            .iter()
            .chain(named.iter())
            .map(String::as_str)
            .chain(sites.iter().copied())
            .collect();
        endpoint_ids.sort_unstable();

        let refs = std::mem::take(&mut self.refs);
        for r in refs {
            let t = r.text.as_str();
            let shown = shorten(t);
            match r.what {
                RefKind::LinkEnd(_) | RefKind::InternetEdge => {
                    let what = match r.what {
                        RefKind::LinkEnd(i) => format!("link {i}"),
                        _ => "the internet edge".to_string(),
                    };
                    let role = match r.what {
                        RefKind::LinkEnd(_) => {
                            "links join layer-3 devices (router, l3-switch, firewall)"
                        }
                        _ => "the internet edge is a layer-3 device (router or firewall)",
                    };
                    if let Some(kind) = devices.get(t) {
                        if !kind.is_layer3() && !self.unknown_kind.contains(t) {
                            self.error(
                                r.span,
                                format!("{what} names `{shown}`, a {kind}: {role}"),
                                format!(
                                    "connect a layer-3 device of that site instead, or change `{shown}`'s kind"
                                ),
                            );
                        }
                    } else if segments.contains(t) {
                        self.error(
                            r.span,
                            format!("{what} names `{shown}`, a segment, not a device: {role}"),
                            "name the segment's gateway device instead (`site.device`)",
                        );
                    } else {
                        let hint = match self.suggest(t, device_ids.iter().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None if t.contains('.') => "write a device id `site.device` of a layer-3 device declared under `sites`".to_string(),
                            None => "write a device id as `site.device`, e.g. `hq.r1`".to_string(),
                        };
                        self.error(
                            r.span,
                            format!("{what} names unknown device `{shown}`"),
                            hint,
                        );
                    }
                }
                RefKind::DnsServer => {
                    if named.contains(t) {
                        continue;
                    }
                    let kind = if segments.contains(t) {
                        " (a segment)"
                    } else if devices.contains_key(t) {
                        " (a device)"
                    } else {
                        ""
                    };
                    let hint = match self.suggest(t, named_ids.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "the DNS server is a named host `site.segment.host`: declare it under the segment's `named` (e.g. `dns1: { host: 10, services: [udp/53] }`)".to_string(),
                    };
                    self.error(
                        r.span,
                        format!(
                            "unknown DNS server `{shown}`{kind}: it is not a named host of this topology"
                        ),
                        hint,
                    );
                }
                RefKind::PolicyEnd(i, which) => {
                    if segments.contains(t) || named.contains(t) || sites.contains(t) {
                        continue;
                    }
                    let kind = if devices.contains_key(t) {
                        " (a device)"
                    } else {
                        ""
                    };
                    let hint = match self.suggest(t, endpoint_ids.iter().copied()) {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "policy ends are a segment (`site.segment`), a named host (`site.segment.host`) or a site name".to_string(),
                    };
                    self.error(
                        r.span,
                        format!("unknown `{which}` of policy {i}: `{shown}`{kind} is not a segment, named host or site"),
                        hint,
                    );
                }
            }
        }
    }

    fn check_pins(&mut self, topo: &Topology) {
        let a = &topo.addressing;
        let pins = std::mem::take(&mut self.pins);
        let sites: HashMap<&str, &Site> = topo.sites.iter().map(|s| (s.name.as_str(), s)).collect();
        // Containment in pools.
        for p in &pins {
            match (&p.owner, p.net) {
                (PinOwner::Site(_), IpNet::V4(n)) if self.ipv4_ok && !a.ipv4.contains(&n) => {
                    self.error(
                        p.span,
                        format!(
                            "the prefix {n} of {} is outside addressing.ipv4 {}",
                            p.label, a.ipv4
                        ),
                        format!("pin a prefix inside {}, or widen addressing.ipv4", a.ipv4),
                    );
                }
                (PinOwner::Site(_) | PinOwner::Segment(_), IpNet::V6(n)) => {
                    let outer = match &p.owner {
                        PinOwner::Segment(site) => sites.get(site.as_str()).and_then(|s| {
                            s.prefix6.map(|q| (q, format!("site `{site}`'s prefix6")))
                        }),
                        _ => None,
                    };
                    match (outer, a.ipv6) {
                        (Some((q, label)), _) => {
                            if !q.contains(&n) {
                                self.error(
                                    p.span,
                                    format!(
                                        "the prefix6 {n} of {} is outside {label} {q}",
                                        p.label
                                    ),
                                    format!("pin a /64 inside {q}"),
                                );
                            }
                        }
                        (None, Some(pool)) => {
                            if !pool.contains(&n) {
                                self.error(
                                    p.span,
                                    format!(
                                        "the prefix6 {n} of {} is outside addressing.ipv6 {pool}",
                                        p.label
                                    ),
                                    format!("pin a prefix inside {pool}, or widen addressing.ipv6"),
                                );
                            }
                        }
                        (None, None) if !self.ipv6_given => {
                            self.error(
                                p.span,
                                format!("{} pins a prefix6 but addressing has no `ipv6`", p.label),
                                "add `ipv6: fd00:…/48` to addressing, or remove prefix6",
                            );
                        }
                        (None, None) => {}
                    }
                }
                (PinOwner::Segment(site), IpNet::V4(n)) => {
                    let site_prefix = sites.get(site.as_str()).and_then(|s| s.prefix);
                    match site_prefix {
                        Some(sp) if !sp.contains(&n) => {
                            self.error(
                                p.span,
                                format!(
                                    "the prefix {n} of {} is outside its site's prefix {sp}",
                                    p.label
                                ),
                                format!("pin a prefix inside {sp}, or remove the pin"),
                            );
                        }
                        None if self.ipv4_ok && !a.ipv4.contains(&n) => {
                            self.error(
                                p.span,
                                format!(
                                    "the prefix {n} of {} is outside addressing.ipv4 {}",
                                    p.label, a.ipv4
                                ),
                                format!("pin a prefix inside {}", a.ipv4),
                            );
                        }
                        _ => {}
                    }
                }
                (PinOwner::Link, IpNet::V4(n)) => match a.wan {
                    Some(wan) if !wan.contains(&n) => {
                        self.error(
                            p.span,
                            format!(
                                "the prefix {n} of {} is outside addressing.wan {wan}",
                                p.label
                            ),
                            format!("pin a /31 inside {wan}"),
                        );
                    }
                    None if self.ipv4_ok && !a.ipv4.contains(&n) => {
                        self.error(
                            p.span,
                            format!(
                                "the prefix {n} of {} is outside addressing.ipv4 {}",
                                p.label, a.ipv4
                            ),
                            format!("pin a /31 inside {}", a.ipv4),
                        );
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        // Pins against reserves and the special pools.
        for p in &pins {
            if let Some((r, _)) = a
                .reserve
                .iter()
                .zip(&a.spans.reserve)
                .find(|(r, _)| overlaps(r, &p.net))
            {
                self.error(p.span, format!("the prefix {} of {} overlaps reserve {r}", p.net, p.label), "reserved ranges are never allocated: pin a prefix outside them, or shrink the reserve");
            }
            if p.owner != PinOwner::Link
                && let Some(w) = a.wan
                && overlaps(&IpNet::V4(w), &p.net)
            {
                self.error(
                    p.span,
                    format!(
                        "the prefix {} of {} overlaps the link pool addressing.wan {w}",
                        p.net, p.label
                    ),
                    "pin a prefix outside the wan pool",
                );
            }
            if let Some(l) = a.loopbacks
                && overlaps(&IpNet::V4(l), &p.net)
            {
                self.error(
                    p.span,
                    format!(
                        "the prefix {} of {} overlaps the loopback pool addressing.loopbacks {l}",
                        p.net, p.label
                    ),
                    "pin a prefix outside the loopback pool",
                );
            }
        }
        // Pins against each other: only a site and its own segments may nest. Prefixes
        // either nest or are disjoint, so a sweep in address order with a stack of the
        // prefixes that contain the current one finds every overlap in O(n log n).
        let key = |p: &Pin| match p.net {
            IpNet::V4(n) => (4u8, u128::from(u32::from(n.network())), n.prefix_len()),
            IpNet::V6(n) => (6u8, u128::from(n.network()), n.prefix_len()),
        };
        let mut order: Vec<usize> = (0..pins.len()).collect();
        order.sort_by_key(|&i| (key(&pins[i]), pins[i].span.offset));
        let mut stack: Vec<usize> = Vec::new();
        for i in order {
            let p = &pins[i];
            while let Some(&top) = stack.last() {
                if pins[top].net.contains(&p.net) {
                    break;
                }
                stack.pop();
            }
            let same_as_top = stack.last().is_some_and(|&top| pins[top].net == p.net);
            for &j in stack.iter().rev() {
                let q = &pins[j];
                let nested_ok = match (&p.owner, &q.owner) {
                    (PinOwner::Segment(s), PinOwner::Site(t))
                    | (PinOwner::Site(t), PinOwner::Segment(s)) => s == t,
                    _ => false,
                };
                if !nested_ok && p.label != q.label {
                    // Report on the one written later, naming the earlier one.
                    let (later, earlier) = if p.span.offset > q.span.offset {
                        (p, q)
                    } else {
                        (q, p)
                    };
                    self.error(
                        later.span,
                        format!(
                            "the prefix {} of {} overlaps the prefix {} of {} (line {})",
                            later.net, later.label, earlier.net, earlier.label, earlier.span.line
                        ),
                        "pinned prefixes must not overlap: change one of them, or remove a pin and let the planner choose",
                    );
                }
                if same_as_top {
                    // Equal prefixes: compare with the first copy only, keeping the
                    // stack (and the work) small.
                    break;
                }
            }
            if !same_as_top {
                stack.push(i);
            }
        }
    }

    fn check_offsets(&mut self, topo: &Topology) {
        let growth = u64::from(topo.addressing.growth_percent);
        for c in std::mem::take(&mut self.offsets) {
            let (len, why) = match c.prefix_len {
                Some(l) => (u32::from(l), format!("its pinned /{l}")),
                None => {
                    let need = (u64::from(c.hosts) * (100 + growth)).div_ceil(100) + 1;
                    // Addresses for hosts + gateway + network + broadcast.
                    let total = need + 2;
                    let bits = 64 - (total - 1).leading_zeros();
                    let l = 32u32.saturating_sub(bits);
                    (l, format!("a /{l} for {} hosts", c.hosts))
                }
            };
            let size: u64 = 1u64 << (32 - len.min(32));
            // Offset 1 is the gateway; every offset from 2 to the last usable address
            // (size - 2) is valid (SPEC). The lab puts its test host on a free
            // address, or uses a named host when none is left: never a reason to
            // refuse a topology.
            let last = size.saturating_sub(2);
            let offset = u64::from(c.offset);
            if offset <= last {
                continue;
            }
            let message = if last < 2 {
                format!(
                    "named host `{}` has offset {}, but its segment ({why}) has no room for named hosts",
                    c.id, c.offset
                )
            } else {
                format!(
                    "named host `{}` has offset {}, outside its segment ({why} holds offsets 2 to {last})",
                    c.id, c.offset
                )
            };
            self.error(
                c.span,
                message,
                "use a smaller offset, raise the segment's `hosts`, or pin a larger `prefix`",
            );
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
