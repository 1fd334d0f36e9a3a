//! A plan for people: terminal tables, Markdown and CSV of the addressing plan and
//! the routing tables. Pure functions of the [`Plan`]: no terminal detection, no IO,
//! the same plan gives the same text.
//!
//! - [`table`]: one section per site (segments with VLAN, prefix, gateway,
//!   hosts/capacity, gateway device; named hosts; devices with loopbacks), then the
//!   links, the internet uplink and DNS, then one routing table per layer-3 device
//!   (and its filtering rules).
//! - [`markdown`]: the same sections as Markdown headings and pipe tables.
//! - [`addressing_csv`] and [`routes_csv`]: one table each that a spreadsheet opens
//!   directly (RFC 4180: comma-separated, CRLF line ends, fields quoted when needed).

use std::fmt::Write as _;

use comfy_table::{ContentArrangement, Table, presets};

use netkit_plan::{FilterAction, Plan, RouteKind};

/// Which part of the plan to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum What {
    /// Addressing plan and routing tables.
    #[default]
    All,
    Addressing,
    Routes,
}

impl What {
    fn addressing(self) -> bool {
        matches!(self, What::All | What::Addressing)
    }
    fn routes(self) -> bool {
        matches!(self, What::All | What::Routes)
    }
}

/// A titled table, rendered by [`table`] and [`markdown`].
struct Section {
    /// Heading level: 1 plan, 2 site/part, 3 table inside a part.
    level: u8,
    title: String,
    /// Free text under the title (one paragraph).
    text: Option<String>,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Section {
    fn heading(level: u8, title: String, text: Option<String>) -> Section {
        Section {
            level,
            title,
            text,
            headers: Vec::new(),
            rows: Vec::new(),
        }
    }
}

/// `100 Mbit/s`, `1 Gbit/s`, `2.5 Gbit/s`: the one rate format of netkit (`netkit-units`).
pub fn format_bandwidth(bps: u64) -> String {
    netkit_units::format_rate(bps as f64)
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

fn route_kind(k: RouteKind) -> &'static str {
    match k {
        RouteKind::Connected => "connected",
        RouteKind::Static => "static",
        RouteKind::Default => "default",
        RouteKind::Ospf => "ospf",
    }
}

fn addressing_sections(plan: &Plan, out: &mut Vec<Section>) {
    let pools = &plan.pools;
    let mut summary = format!(
        "IPv4 pool {}, links from {} (/{}), loopbacks from {}",
        pools.ipv4, pools.wan, pools.p2p_prefix, pools.loopbacks
    );
    if let Some(v6) = pools.ipv6 {
        let _ = write!(summary, "; IPv6 pool {v6}");
        if let (Some(w6), Some(l6)) = (pools.wan6, pools.loopbacks6) {
            let _ = write!(summary, ", links from {w6} (/127), loopbacks from {l6}");
        }
    }
    if pools.growth_percent > 0 {
        let _ = write!(summary, "; growth {}%", pools.growth_percent);
    }
    if !pools.reserve.is_empty() {
        let r: Vec<String> = pools.reserve.iter().map(ToString::to_string).collect();
        let _ = write!(summary, "; reserved {}", r.join(", "));
    }
    summary.push('.');
    out.push(Section::heading(
        1,
        format!("Addressing plan of {}", plan.name),
        Some(summary),
    ));

    let mut devices_of: std::collections::HashMap<&str, Vec<&netkit_plan::DevicePlan>> =
        std::collections::HashMap::new();
    for d in &plan.devices {
        devices_of.entry(d.site.as_str()).or_default().push(d);
    }
    for site in &plan.sites {
        let mut title = format!("Site {}", site.name);
        if let Some(loc) = &site.location {
            let _ = write!(title, " ({loc})");
        }
        let mut text = format!("Block {}", site.prefix);
        if let Some(p6) = site.prefix6 {
            let _ = write!(text, ", {p6}");
        }
        text.push('.');
        if let Some(d) = &site.description {
            let _ = write!(text, " {d}");
        }
        out.push(Section::heading(2, title, Some(text)));
        let dual = site.prefix6.is_some();
        let mut seg = Section::heading(3, format!("Segments of {}", site.name), None);
        seg.headers = vec![
            "Segment",
            "VLAN",
            "Prefix",
            "Gateway",
            "Hosts / capacity",
            "Gateway device",
        ];
        if dual {
            seg.headers.extend(["IPv6 prefix", "IPv6 gateway"]);
        }
        seg.headers.push("Notes");
        for g in &site.segments {
            let mut row = vec![
                g.id.clone(),
                g.vlan.to_string(),
                g.prefix.to_string(),
                g.gateway.to_string(),
                if u64::from(g.sized_for) != u64::from(g.hosts) {
                    format!("{} (sized {}) / {}", g.hosts, g.sized_for, g.usable)
                } else {
                    format!("{} / {}", g.hosts, g.usable)
                },
                format!("{} ({})", g.gateway_device, g.interface),
            ];
            if dual {
                row.push(opt(&g.prefix6));
                row.push(opt(&g.gateway6));
            }
            let mut notes = Vec::new();
            if g.isolated {
                notes.push("isolated".to_string());
            }
            if let Some(d) = &g.description {
                notes.push(d.clone());
            }
            row.push(notes.join("; "));
            seg.rows.push(row);
        }
        out.push(seg);

        let named: Vec<_> = site
            .segments
            .iter()
            .flat_map(|g| g.named.iter().map(move |n| (g, n)))
            .collect();
        if !named.is_empty() {
            let mut s = Section::heading(3, format!("Named hosts of {}", site.name), None);
            s.headers = vec!["Host", "Address", "Segment"];
            if dual {
                s.headers.push("IPv6 address");
            }
            s.headers.extend(["Services", "DNS name"]);
            for (g, n) in named {
                let mut row = vec![n.id.clone(), n.address.to_string(), g.id.clone()];
                if dual {
                    row.push(opt(&n.address6));
                }
                let services: Vec<String> = n.services.iter().map(ToString::to_string).collect();
                row.push(services.join(", "));
                row.push(opt(&n.fqdn));
                s.rows.push(row);
            }
            out.push(s);
        }

        let mut devs = Section::heading(3, format!("Devices of {}", site.name), None);
        devs.headers = vec!["Device", "Kind", "Loopback"];
        if dual {
            devs.headers.push("IPv6 loopback");
        }
        devs.headers.extend(["Interfaces", "DNS name"]);
        for d in devices_of.get(site.name.as_str()).into_iter().flatten() {
            let mut row = vec![d.id.clone(), d.kind.to_string(), opt(&d.loopback)];
            if dual {
                row.push(opt(&d.loopback6));
            }
            let ifs: Vec<String> = d
                .interfaces
                .iter()
                .map(|i| format!("{} {}", i.name, i.address))
                .collect();
            row.push(if ifs.is_empty() {
                "(layer 2, no address)".to_string()
            } else {
                ifs.join("\n")
            });
            row.push(opt(&d.fqdn));
            devs.rows.push(row);
        }
        out.push(devs);
    }

    if !plan.links.is_empty() {
        let dual = plan.links.iter().any(|l| l.prefix6.is_some());
        let mut s = Section::heading(2, "Links".to_string(), None);
        s.headers = vec!["#", "A", "A address", "B", "B address", "Prefix"];
        if dual {
            s.headers.push("IPv6 prefix");
        }
        s.headers.extend(["Bandwidth", "Cost", "Kind"]);
        for l in &plan.links {
            let mut row = vec![
                l.id.to_string(),
                format!("{} ({})", l.a, l.a_interface),
                l.a_address.to_string(),
                format!("{} ({})", l.b, l.b_interface),
                l.b_address.to_string(),
                l.prefix.to_string(),
            ];
            if dual {
                row.push(opt(&l.prefix6));
            }
            row.push(l.bandwidth_bps.map(format_bandwidth).unwrap_or_default());
            row.push(l.cost.to_string());
            let mut kind = if l.wan { "WAN" } else { "inside site" }.to_string();
            if let Some(d) = &l.description {
                let _ = write!(kind, "; {d}");
            }
            row.push(kind);
            s.rows.push(row);
        }
        out.push(s);
    }

    if let Some(inet) = &plan.internet {
        out.push(Section::heading(
            2,
            "Internet".to_string(),
            Some(format!(
                "{} reaches the internet on {} with {}/{} (uplink {}); the upstream is {}.",
                inet.edge,
                inet.edge_interface,
                inet.edge_address,
                inet.uplink_prefix.prefix_len(),
                inet.uplink_prefix,
                inet.upstream_address
            )),
        ));
    }
    if let Some(dns) = &plan.dns {
        let mut s = Section::heading(
            2,
            format!("DNS ({})", dns.domain),
            Some(format!("Server {} at {}.", dns.server, dns.server_address)),
        );
        s.headers = vec!["Name", "Address"];
        for r in &dns.records {
            s.rows.push(vec![r.name.clone(), r.address.to_string()]);
        }
        out.push(s);
    }
    if let Some(snmp) = &plan.snmp {
        let version = match snmp.version {
            netkit_model::SnmpVersion::V1 => "1",
            netkit_model::SnmpVersion::V2c => "2c",
            netkit_model::SnmpVersion::V3 => "3",
        };
        // Secrets are never shown, not even as written in the topology.
        out.push(Section::heading(
            2,
            "SNMP".to_string(),
            Some(format!(
                "SNMP version {version}{}.",
                snmp.user
                    .as_ref()
                    .map(|u| format!(", user {u}"))
                    .unwrap_or_default()
            )),
        ));
    }
}

fn routing_sections(plan: &Plan, out: &mut Vec<Section>) {
    out.push(Section::heading(
        1,
        format!("Routing tables of {}", plan.name),
        Some(format!("Routing: {}.", plan.routing)),
    ));
    for d in plan.routers() {
        let mut s = Section::heading(2, format!("Routes of {}", d.id), None);
        s.headers = vec![
            "Destination",
            "Next hop",
            "Interface",
            "Metric",
            "Kind",
            "What",
        ];
        if let Some(routes) = plan.routes.get(&d.id) {
            for r in routes {
                s.rows.push(vec![
                    r.destination.to_string(),
                    r.next_hop
                        .map(|h| h.to_string())
                        .unwrap_or_else(|| "-".to_string()),
                    r.interface.clone(),
                    r.metric.to_string(),
                    route_kind(r.kind).to_string(),
                    opt(&r.describes),
                ]);
            }
        }
        if s.rows.is_empty() {
            s.text = Some("No routes.".to_string());
            s.headers.clear();
        }
        out.push(s);
        if let Some(rules) = plan.filters.get(&d.id)
            && !rules.is_empty()
        {
            let mut f = Section::heading(3, format!("Filtering rules of {}", d.id), None);
            f.headers = vec!["#", "Action", "From", "To", "Service", "Why"];
            for (i, r) in rules.iter().enumerate() {
                let list = |v: &[ipnet::IpNet]| {
                    if v.is_empty() {
                        "any".to_string()
                    } else {
                        v.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                };
                let service = match (r.proto, r.port) {
                    (Some(p), Some(port)) => format!("{p}/{port}"),
                    (Some(p), None) => p.to_string(),
                    (None, Some(port)) => format!("port {port}"),
                    (None, None) => "all".to_string(),
                };
                f.rows.push(vec![
                    (i + 1).to_string(),
                    match r.action {
                        FilterAction::Accept => "accept",
                        FilterAction::Drop => "drop",
                    }
                    .to_string(),
                    list(&r.from),
                    list(&r.to),
                    service,
                    r.comment.clone(),
                ]);
            }
            out.push(f);
        }
    }
}

fn sections(plan: &Plan, what: What) -> Vec<Section> {
    let mut out = Vec::new();
    if what.addressing() {
        addressing_sections(plan, &mut out);
    }
    if what.routes() {
        routing_sections(plan, &mut out);
    }
    out
}

/// Terminal tables (UTF-8 box drawing), one per section, each under its title.
pub fn table(plan: &Plan, what: What) -> String {
    let mut s = String::new();
    for sec in sections(plan, what) {
        if !s.is_empty() {
            s.push('\n');
        }
        let underline = match sec.level {
            1 => '=',
            2 => '-',
            _ => ' ',
        };
        s.push_str(&netkit_model::terminal::safe(&sec.title));
        s.push('\n');
        if underline != ' ' {
            s.extend(std::iter::repeat_n(underline, sec.title.chars().count()));
            s.push('\n');
        }
        if let Some(t) = &sec.text {
            s.push_str(&netkit_model::terminal::safe_multiline(t));
            s.push('\n');
        }
        if !sec.headers.is_empty() {
            let mut t = Table::new();
            t.force_no_tty()
                .load_style(presets::UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Disabled)
                .set_header(sec.headers.clone());
            // Text from the topology (a `location`, a name) never acts on a
            // terminal: control and bidirectional characters are shown escaped.
            for row in &sec.rows {
                t.add_row(
                    row.iter()
                        .map(|c| netkit_model::terminal::safe(c).into_owned())
                        .collect::<Vec<_>>(),
                );
            }
            s.push_str(&t.to_string());
            s.push('\n');
        }
    }
    s
}

/// A Markdown table cell: pipes escaped, line breaks as spaces, and characters that
/// Markdown or HTML would interpret (`<`, `>`, `&`, `*`, `_`, backticks) escaped.
fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '*' | '_' | '`' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Markdown: headings and pipe tables (GitHub-flavoured).
pub fn markdown(plan: &Plan, what: What) -> String {
    let mut s = String::new();
    for sec in sections(plan, what) {
        if !s.is_empty() && !s.ends_with("\n\n") {
            s.push('\n');
        }
        for _ in 0..sec.level {
            s.push('#');
        }
        s.push(' ');
        s.push_str(&md_cell(&sec.title));
        s.push_str("\n\n");
        if let Some(t) = &sec.text {
            s.push_str(&md_cell(t));
            s.push_str("\n\n");
        }
        if !sec.headers.is_empty() {
            let hs: Vec<String> = sec.headers.iter().map(|h| md_cell(h)).collect();
            let _ = writeln!(s, "| {} |", hs.join(" | "));
            let _ = writeln!(
                s,
                "|{}",
                sec.headers.iter().map(|_| " --- |").collect::<String>()
            );
            for row in &sec.rows {
                let cells: Vec<String> = row.iter().map(|c| md_cell(c)).collect();
                let _ = writeln!(s, "| {} |", cells.join(" | "));
            }
        }
    }
    s
}

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
/// Free text that a spreadsheet would take for a formula
/// ([`netkit_model::spreadsheet::formula_like`]) gets a leading apostrophe.
fn csv_field(s: &str, free_text: bool) -> String {
    let s = if free_text && netkit_model::spreadsheet::formula_like(s) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

fn csv_line(out: &mut String, fields: &[String], free_text_from: usize) {
    let cells: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| csv_field(f, i >= free_text_from))
        .collect();
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

/// Columns of [`addressing_csv`].
pub const ADDRESSING_CSV_HEADER: [&str; 17] = [
    "type",
    "site",
    "name",
    "vlan",
    "prefix",
    "address",
    "device",
    "interface",
    "peer_device",
    "peer_address",
    "peer_interface",
    "hosts",
    "sized_for",
    "capacity",
    "prefix6",
    "address6",
    "notes",
];

/// The addressing plan as one CSV table, one row per segment (address = its
/// gateway), named host, link (address = end A, peer = end B), loopback and
/// internet uplink. `type` says which.
pub fn addressing_csv(plan: &Plan) -> String {
    let mut out = String::new();
    let header: Vec<String> = ADDRESSING_CSV_HEADER
        .iter()
        .map(|h| h.to_string())
        .collect();
    csv_line(&mut out, &header, usize::MAX);
    let notes = ADDRESSING_CSV_HEADER.len() - 1;
    for site in &plan.sites {
        for g in &site.segments {
            let mut n = Vec::new();
            if g.isolated {
                n.push("isolated".to_string());
            }
            if let Some(d) = &g.description {
                n.push(d.clone());
            }
            csv_line(
                &mut out,
                &[
                    "segment".into(),
                    site.name.clone(),
                    g.id.clone(),
                    g.vlan.to_string(),
                    g.prefix.to_string(),
                    g.gateway.to_string(),
                    g.gateway_device.clone(),
                    g.interface.clone(),
                    String::new(),
                    String::new(),
                    String::new(),
                    g.hosts.to_string(),
                    g.sized_for.to_string(),
                    g.usable.to_string(),
                    opt(&g.prefix6),
                    opt(&g.gateway6),
                    n.join("; "),
                ],
                notes,
            );
            for h in &g.named {
                let services: Vec<String> = h.services.iter().map(ToString::to_string).collect();
                let mut n = Vec::new();
                if !services.is_empty() {
                    n.push(format!("services {}", services.join(" ")));
                }
                if let Some(f) = &h.fqdn {
                    n.push(format!("dns {f}"));
                }
                csv_line(
                    &mut out,
                    &[
                        "host".into(),
                        site.name.clone(),
                        h.id.clone(),
                        g.vlan.to_string(),
                        g.prefix.to_string(),
                        h.address.to_string(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        opt(&g.prefix6),
                        opt(&h.address6),
                        n.join("; "),
                    ],
                    notes,
                );
            }
        }
    }
    for l in &plan.links {
        let site = l.a.split('.').next().unwrap_or_default().to_string();
        let mut n = vec![if l.wan { "wan" } else { "inside site" }.to_string()];
        if let Some(bw) = l.bandwidth_bps {
            n.push(format!("bandwidth {}", format_bandwidth(bw)));
        }
        n.push(format!("cost {}", l.cost));
        if let Some(d) = &l.description {
            n.push(d.clone());
        }
        csv_line(
            &mut out,
            &[
                "link".into(),
                site,
                format!("link {}", l.id),
                String::new(),
                l.prefix.to_string(),
                l.a_address.to_string(),
                l.a.clone(),
                l.a_interface.clone(),
                l.b.clone(),
                l.b_address.to_string(),
                l.b_interface.clone(),
                String::new(),
                String::new(),
                String::new(),
                opt(&l.prefix6),
                opt(&l.a_address6),
                n.join("; "),
            ],
            notes,
        );
    }
    for d in &plan.devices {
        let Some(lo) = d.loopback else { continue };
        csv_line(
            &mut out,
            &[
                "loopback".into(),
                d.site.clone(),
                d.id.clone(),
                String::new(),
                lo.to_string(),
                lo.addr().to_string(),
                d.id.clone(),
                "lo".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                opt(&d.loopback6),
                d.loopback6
                    .map(|l| l.addr().to_string())
                    .unwrap_or_default(),
                d.fqdn
                    .as_ref()
                    .map(|f| format!("dns {f}"))
                    .unwrap_or_default(),
            ],
            notes,
        );
    }
    if let Some(inet) = &plan.internet {
        csv_line(
            &mut out,
            &[
                "uplink".into(),
                inet.edge.split('.').next().unwrap_or_default().to_string(),
                "internet".into(),
                String::new(),
                inet.uplink_prefix.to_string(),
                inet.edge_address.to_string(),
                inet.edge.clone(),
                inet.edge_interface.clone(),
                "upstream".into(),
                inet.upstream_address.to_string(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ],
            notes,
        );
    }
    out
}

/// Columns of [`routes_csv`].
pub const ROUTES_CSV_HEADER: [&str; 7] = [
    "device",
    "destination",
    "next_hop",
    "interface",
    "metric",
    "kind",
    "describes",
];

/// Every routing table as one CSV table, one row per route, devices in plan order.
pub fn routes_csv(plan: &Plan) -> String {
    let mut out = String::new();
    let header: Vec<String> = ROUTES_CSV_HEADER.iter().map(|h| h.to_string()).collect();
    csv_line(&mut out, &header, usize::MAX);
    for d in plan.routers() {
        let Some(routes) = plan.routes.get(&d.id) else {
            continue;
        };
        for r in routes {
            csv_line(
                &mut out,
                &[
                    d.id.clone(),
                    r.destination.to_string(),
                    opt(&r.next_hop),
                    r.interface.clone(),
                    r.metric.to_string(),
                    route_kind(r.kind).to_string(),
                    opt(&r.describes),
                ],
                6,
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting() {
        assert_eq!(csv_field("a,b", false), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\"", false), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()", true), "'=cmd()");
        assert_eq!(csv_field("  =cmd()", true), "'  =cmd()");
        assert_eq!(csv_field("＝cmd()", true), "'＝cmd()");
        assert_eq!(csv_field("-1", false), "-1");
        assert_eq!(csv_field("plain", true), "plain");
    }

    #[test]
    fn bandwidths() {
        assert_eq!(format_bandwidth(100_000_000), "100 Mbit/s");
        assert_eq!(format_bandwidth(2_500_000_000), "2.5 Gbit/s");
        assert_eq!(format_bandwidth(1_250_000), "1.25 Mbit/s");
        assert_eq!(format_bandwidth(999), "999 bit/s");
    }

    #[test]
    fn markdown_escapes() {
        assert_eq!(md_cell("a|b<script>"), "a\\|b&lt;script&gt;");
    }
}
