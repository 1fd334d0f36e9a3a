//! What the documents show, derived once from the plan and the results: rows of the
//! addressing plan, readable names of route destinations and filter prefixes,
//! translated names of kinds, checks and verdicts, figures of measurements.

use std::collections::HashMap;
use std::net::Ipv4Addr;

use ipnet::{IpNet, Ipv4Net};
use netkit_model::DeviceKind;
use netkit_plan::{FilterAction, Plan, Route, RouteKind};
use netkit_results::{CheckResult, Results, Verdict};
use serde_json::Value;

use crate::Options;
use crate::i18n::{K, Lang};

/// Everything a document needs.
pub struct Ctx<'a> {
    pub plan: &'a Plan,
    pub results: Option<&'a Results>,
    pub opt: &'a Options,
    pub l: Lang,
    names: HashMap<IpNet, Named>,
    /// `prefix_meaning` of every named prefix, made once (a 1,000-site plan has a
    /// million routes to describe).
    meanings: HashMap<IpNet, String>,
}

/// What a prefix of the plan is.
#[derive(Debug, Clone)]
enum Named {
    Segment(String),
    Site(String),
    Loopback(String),
    Link(String, String),
    Uplink(String),
    /// The whole internal address space.
    Pool,
    /// A single address: a segment's gateway or a fixed host.
    Host(String),
}

impl<'a> Ctx<'a> {
    pub fn new(plan: &'a Plan, results: Option<&'a Results>, opt: &'a Options) -> Ctx<'a> {
        let mut names = HashMap::new();
        // Insert from the least to the most specific meaning: a later insert wins.
        names.insert(IpNet::V4(plan.pools.ipv4), Named::Pool);
        if let Some(v6) = plan.pools.ipv6 {
            names.insert(IpNet::V6(v6), Named::Pool);
        }
        for site in &plan.sites {
            names.insert(IpNet::V4(site.prefix), Named::Site(site.name.clone()));
            if let Some(p6) = site.prefix6 {
                names.insert(IpNet::V6(p6), Named::Site(site.name.clone()));
            }
        }
        for seg in plan.segments() {
            if let Ok(gw) = ipnet::Ipv4Net::new(seg.gateway, 32) {
                names.insert(IpNet::V4(gw), Named::Host(seg.gateway_device.clone()));
            }
            if let Some(gw6) = seg.gateway6.and_then(|g| ipnet::Ipv6Net::new(g, 128).ok()) {
                names.insert(IpNet::V6(gw6), Named::Host(seg.gateway_device.clone()));
            }
            for n in &seg.named {
                if let Ok(a) = ipnet::Ipv4Net::new(n.address, 32) {
                    names.insert(IpNet::V4(a), Named::Host(n.id.clone()));
                }
                if let Some(a6) = n.address6.and_then(|a| ipnet::Ipv6Net::new(a, 128).ok()) {
                    names.insert(IpNet::V6(a6), Named::Host(n.id.clone()));
                }
            }
            names.insert(IpNet::V4(seg.prefix), Named::Segment(seg.id.clone()));
            if let Some(p6) = seg.prefix6 {
                names.insert(IpNet::V6(p6), Named::Segment(seg.id.clone()));
            }
        }
        for link in &plan.links {
            let n = Named::Link(link.a.clone(), link.b.clone());
            names.insert(IpNet::V4(link.prefix), n.clone());
            if let Some(p6) = link.prefix6 {
                names.insert(IpNet::V6(p6), n);
            }
        }
        for dev in &plan.devices {
            if let Some(lo) = dev.loopback {
                names.insert(IpNet::V4(lo), Named::Loopback(dev.id.clone()));
            }
            if let Some(lo6) = dev.loopback6 {
                names.insert(IpNet::V6(lo6), Named::Loopback(dev.id.clone()));
            }
        }
        if let Some(inet) = &plan.internet {
            names.insert(
                IpNet::V4(inet.uplink_prefix),
                Named::Uplink(inet.edge.clone()),
            );
        }
        let mut ctx = Ctx {
            plan,
            results,
            opt,
            l: opt.lang,
            names,
            meanings: HashMap::new(),
        };
        ctx.meanings = ctx
            .names
            .iter()
            .map(|(p, n)| (*p, ctx.meaning_of(n)))
            .collect();
        ctx
    }

    pub fn t(&self, k: K) -> &'static str {
        self.l.t(k)
    }

    pub fn f(&self, k: K, args: &[(&str, &str)]) -> String {
        self.l.f(k, args)
    }

    /// A date and time in the documents' time zone, named: `01/12/2026 15:02:11
    /// (Europe/Paris, UTC+01:00)`; UTC prints as `01/12/2026 14:02:11 UTC`.
    pub fn datetime(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        let tz = &self.opt.time_zone;
        if tz.offset_seconds == 0 && tz.name == "UTC" {
            return self.l.datetime(t);
        }
        let off = chrono::FixedOffset::east_opt(tz.offset_seconds)
            .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
        let local = t.with_timezone(&off);
        let when = match self.l {
            Lang::Fr => local.format("%d/%m/%Y %H:%M:%S"),
            Lang::En => local.format("%Y-%m-%d %H:%M:%S"),
        };
        format!("{when} ({}, UTC{})", tz.name, local.format("%:z"))
    }

    /// `14:02:11` in the documents' time zone.
    pub fn time(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        let off = chrono::FixedOffset::east_opt(self.opt.time_zone.offset_seconds)
            .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset"));
        t.with_timezone(&off).format("%H:%M:%S").to_string()
    }

    /// What a route leads to, for people.
    pub fn route_target(&self, r: &Route) -> String {
        if r.destination.prefix_len() == 0 {
            return self.t(K::DescDefault).to_string();
        }
        self.prefix_meaning(r.destination)
            .unwrap_or_else(|| self.t(K::DescOther).to_string())
    }

    /// The name of a prefix of the plan (`segment hq.users`), if it is one.
    pub fn prefix_meaning(&self, p: IpNet) -> Option<String> {
        self.meanings.get(&p).cloned()
    }

    fn meaning_of(&self, n: &Named) -> String {
        match n {
            Named::Segment(id) => self.f(K::DescSegment, &[("id", id)]),
            Named::Site(s) => self.f(K::DescSite, &[("site", s)]),
            Named::Loopback(d) => self.f(K::DescLoopback, &[("device", d)]),
            Named::Link(a, b) => self.f(K::DescLink, &[("a", a), ("b", b)]),
            Named::Uplink(d) => self.f(K::DescUplink, &[("device", d)]),
            Named::Host(h) => self.f(K::DescHost, &[("host", h)]),
            Named::Pool => self.t(K::DescPool).to_string(),
        }
    }

    /// A filter prefix shown with what it is: `10.1.2.0/24 (hq.guests)`.
    pub fn prefix_with_name(&self, p: IpNet) -> String {
        match self.names.get(&p) {
            Some(Named::Segment(id)) => format!("{p} ({id})"),
            Some(Named::Site(s)) => format!("{p} ({s})"),
            Some(Named::Loopback(d)) => format!("{p} ({d})"),
            Some(Named::Link(a, b)) => format!("{p} ({a} – {b})"),
            Some(Named::Uplink(_)) => format!("{p} ({})", self.t(K::Internet)),
            Some(Named::Host(h)) => format!("{p} ({h})"),
            Some(Named::Pool) => format!("{p} ({})", self.t(K::DescPool)),
            None => p.to_string(),
        }
    }

    pub fn kind_name(&self, k: DeviceKind) -> &'static str {
        kind_name(self.l, k)
    }

    pub fn route_kind(&self, k: RouteKind) -> &'static str {
        self.t(match k {
            RouteKind::Connected => K::KindConnected,
            RouteKind::Static => K::KindStatic,
            RouteKind::Default => K::KindDefault,
            RouteKind::Ospf => K::KindOspf,
        })
    }

    pub fn action(&self, a: FilterAction) -> &'static str {
        self.t(match a {
            FilterAction::Accept => K::Accept,
            FilterAction::Drop => K::Drop,
        })
    }

    pub fn verdict(&self, v: Verdict) -> &'static str {
        self.t(match v {
            Verdict::Pass => K::VerdictPass,
            Verdict::Fail => K::VerdictFail,
            Verdict::Error => K::VerdictError,
        })
    }

    /// A check kind for people; unknown kinds are shown as written.
    pub fn check_name(&self, check: &str) -> String {
        let k = match check {
            "reach" => K::CheckReach,
            "isolate" => K::CheckIsolate,
            "tcp" => K::CheckTcp,
            "udp" => K::CheckUdp,
            "dns" => K::CheckDns,
            "path" => K::CheckPath,
            "bandwidth" => K::CheckBandwidth,
            "snmp" => K::CheckSnmp,
            "latency" => K::CheckLatency,
            "service" => K::CheckService,
            other => return other.to_string(),
        };
        self.t(k).to_string()
    }

    /// `expected`/`measured` JSON as figures: `envoyés 3 · reçus 0 · perte 100 %`.
    pub fn figures(&self, v: &Value) -> String {
        match v {
            Value::Null => String::new(),
            Value::Object(map) => map
                .iter()
                .filter(|(k, v)| !v.is_null() && !crate::figures::hidden(k, v))
                .map(|(k, v)| self.figure(k, v))
                .collect::<Vec<_>>()
                .join(" · "),
            other => self.value(None, other),
        }
    }

    fn figure(&self, key: &str, v: &Value) -> String {
        let label = match key {
            "sent" => Some(K::FigSent),
            "received" => Some(K::FigReceived),
            "loss" | "loss_percent" | "loss_pct" => Some(K::FigLoss),
            "rtt_ms" | "latency_ms" => Some(K::FigLatency),
            "rtt_avg_ms" | "avg_ms" => Some(K::FigRttAvg),
            "rtt_min_ms" | "min_ms" => Some(K::FigRttMin),
            "rtt_max_ms" | "max_ms" => Some(K::FigRttMax),
            "bps" | "throughput_bps" | "bits_per_second" => Some(K::FigThroughput),
            "min_bps" => Some(K::FigMinThroughput),
            "hops" => Some(K::FigHops),
            "via" => Some(K::FigVia),
            "reply" => Some(K::FigReply),
            "connected" | "open" => Some(K::FigConnected),
            "answer" | "answers" | "addresses" => Some(K::FigAnswer),
            "expect" => Some(K::FigExpect),
            "port" => Some(K::FigPort),
            "duration_s" | "seconds" | "duration" => Some(K::FigDuration),
            "streams" => Some(K::FigStreams),
            "retransmits" => Some(K::FigRetransmits),
            "count" => Some(K::FigCount),
            "time_ms" | "elapsed_ms" => Some(K::FigTime),
            _ => None,
        };
        // What was expected, in the expected column: the value says it all.
        if key == "expect" {
            return self.value(Some(key), v);
        }
        let name = label
            .map(|k| self.t(k).to_string())
            .or_else(|| crate::figures::label(self.l, key))
            .unwrap_or_else(|| key.replace('_', " "));
        if v.is_boolean() {
            // `réponse : non`, not `réponse non`.
            return format!("{name}{}{}", self.l.colon(), self.value(Some(key), v));
        }
        format!("{name} {}", self.value(Some(key), v))
    }

    fn value(&self, key: Option<&str>, v: &Value) -> String {
        let l = self.l;
        match v {
            Value::Null => "—".to_string(),
            Value::Bool(b) => l.yes_no(*b).to_string(),
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(0.0);
                match key {
                    Some(k) if k.ends_with("bps") || k == "bits_per_second" => l.bandwidth_f(x),
                    Some(k) if k.ends_with("_ms") => format!("{}{}ms", l.dec(x, 2), l.unit_sep()),
                    Some(k) if k.starts_with("loss") || k.starts_with("max_loss") => l.percent(x),
                    Some(k) if k == "seconds" || k.ends_with("_s") => {
                        format!("{}{}s", l.dec(x, 1), l.unit_sep())
                    }
                    Some("port") => n.to_string(),
                    _ => {
                        if let Some(u) = n.as_u64() {
                            l.int(u)
                        } else {
                            l.dec(x, 3)
                        }
                    }
                }
            }
            Value::String(s) => crate::figures::value(l, key, s),
            Value::Array(items) => {
                let sep = if key == Some("hops") || key == Some("via") {
                    " → "
                } else {
                    ", "
                };
                items
                    .iter()
                    .map(|i| self.value(None, i))
                    .collect::<Vec<_>>()
                    .join(sep)
            }
            Value::Object(_) => self.figures(v),
        }
    }

    /// Results of checks about a site: the check's `site`, or a `from`/`to` inside it.
    pub fn results_of_site(&self, site: &str) -> Vec<&'a CheckResult> {
        let Some(res) = self.results else {
            return Vec::new();
        };
        res.results
            .iter()
            .filter(|r| {
                r.site.as_deref() == Some(site)
                    || r.from.as_deref().is_some_and(|f| in_site(f, site))
                    || r.to.as_deref().is_some_and(|t| in_site(t, site))
            })
            .collect()
    }
}

/// `hq`, `hq.users`, `hq.r1`, `hq.servers.fs1` are all in site `hq`.
pub fn in_site(id: &str, site: &str) -> bool {
    id == site || id.split('.').next() == Some(site) && id.len() > site.len()
}

pub fn kind_name(l: Lang, k: DeviceKind) -> &'static str {
    l.t(match k {
        DeviceKind::Router => K::KindRouter,
        DeviceKind::L3Switch => K::KindL3Switch,
        DeviceKind::Firewall => K::KindFirewall,
        DeviceKind::Switch => K::KindSwitch,
        DeviceKind::AccessPoint => K::KindAccessPoint,
        DeviceKind::Server => K::KindServer,
    })
}

/// Dotted mask of an IPv4 prefix.
pub fn mask(p: Ipv4Net) -> Ipv4Addr {
    p.netmask()
}

/// Kind of a row of the addressing plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    SiteBlock,
    Segment,
    Named,
    Loopback,
    IntraLink,
    WanLink,
    Uplink,
}

impl RowKind {
    pub fn name(self, l: Lang) -> &'static str {
        l.t(match self {
            RowKind::SiteBlock => K::RowSiteBlock,
            RowKind::Segment => K::RowSegment,
            RowKind::Named => K::RowNamed,
            RowKind::Loopback => K::RowLoopback,
            RowKind::IntraLink => K::RowIntra,
            RowKind::WanLink => K::RowWan,
            RowKind::Uplink => K::RowUplink,
        })
    }
}

/// One row of the addressing plan (one line of `addressing.csv`).
#[derive(Debug, Clone)]
pub struct AddrRow {
    pub kind: RowKind,
    pub site: String,
    pub object: String,
    pub vlan: Option<u16>,
    pub prefix: String,
    pub mask: String,
    /// Gateway of a segment, address of a host or loopback, both ends of a link.
    pub address: String,
    pub device: String,
    pub interface: String,
    pub hosts: Option<u32>,
    pub sized_for: Option<u32>,
    pub usable: Option<u64>,
    pub isolated: Option<bool>,
    pub prefix6: String,
    pub address6: String,
    pub description: String,
}

impl AddrRow {
    fn new(kind: RowKind, site: &str, object: &str) -> AddrRow {
        AddrRow {
            kind,
            site: site.to_string(),
            object: object.to_string(),
            vlan: None,
            prefix: String::new(),
            mask: String::new(),
            address: String::new(),
            device: String::new(),
            interface: String::new(),
            hosts: None,
            sized_for: None,
            usable: None,
            isolated: None,
            prefix6: String::new(),
            address6: String::new(),
            description: String::new(),
        }
    }
}

/// First usable, last usable and broadcast address of an IPv4 prefix (a /31 has
/// both addresses usable and no broadcast, RFC 3021; a /32 is one address).
pub fn range_v4(p: Ipv4Net) -> (Ipv4Addr, Ipv4Addr, Option<Ipv4Addr>) {
    match p.prefix_len() {
        32 => (p.addr(), p.addr(), None),
        31 => (p.network(), p.broadcast(), None),
        _ => {
            let first = Ipv4Addr::from(u32::from(p.network()) + 1);
            let last = Ipv4Addr::from(u32::from(p.broadcast()) - 1);
            (first, last, Some(p.broadcast()))
        }
    }
}

/// Usable host addresses of an IPv4 prefix (RFC 3021: both addresses of a /31).
pub fn usable_v4(p: Ipv4Net) -> u64 {
    match p.prefix_len() {
        32 => 1,
        31 => 2,
        n => (1u64 << (32 - n)) - 2,
    }
}

/// The addressing plan as rows: per site its block, segments and fixed hosts,
/// loopbacks and links inside the site; then the WAN links and the Internet uplink.
pub fn addressing_rows(plan: &Plan) -> Vec<AddrRow> {
    let mut rows = Vec::new();
    // Sorted by address: sites by block, segments by prefix (the planner packs
    // them largest first).
    let mut sites: Vec<&netkit_plan::SitePlan> = plan.sites.iter().collect();
    sites.sort_by_key(|s| s.prefix);
    for site in sites {
        let mut r = AddrRow::new(RowKind::SiteBlock, &site.name, &site.name);
        r.prefix = site.prefix.to_string();
        r.mask = mask(site.prefix).to_string();
        r.usable = Some(usable_v4(site.prefix));
        r.prefix6 = site.prefix6.map(|p| p.to_string()).unwrap_or_default();
        r.description = site
            .location
            .iter()
            .chain(site.description.iter())
            .cloned()
            .collect::<Vec<_>>()
            .join(" — ");
        rows.push(r);
        let mut segments: Vec<&netkit_plan::SegmentPlan> = site.segments.iter().collect();
        segments.sort_by_key(|g| g.prefix);
        for seg in segments {
            let mut r = AddrRow::new(RowKind::Segment, &site.name, &seg.id);
            r.vlan = Some(seg.vlan);
            r.prefix = seg.prefix.to_string();
            r.mask = mask(seg.prefix).to_string();
            r.address = seg.gateway.to_string();
            r.device = seg.gateway_device.clone();
            r.interface = seg.interface.clone();
            r.hosts = Some(seg.hosts);
            r.sized_for = Some(seg.sized_for);
            r.usable = Some(seg.usable);
            r.isolated = Some(seg.isolated);
            r.prefix6 = seg.prefix6.map(|p| p.to_string()).unwrap_or_default();
            r.address6 = seg.gateway6.map(|a| a.to_string()).unwrap_or_default();
            r.description = seg.description.clone().unwrap_or_default();
            rows.push(r);
            for n in &seg.named {
                let mut r = AddrRow::new(RowKind::Named, &site.name, &n.id);
                r.vlan = Some(seg.vlan);
                r.prefix = seg.prefix.to_string();
                r.mask = mask(seg.prefix).to_string();
                r.address = n.address.to_string();
                r.address6 = n.address6.map(|a| a.to_string()).unwrap_or_default();
                r.description = [
                    n.fqdn.clone().unwrap_or_default(),
                    n.services
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                ]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" — ");
                rows.push(r);
            }
        }
        for dev in plan.devices.iter().filter(|d| d.site == site.name) {
            if let Some(lo) = dev.loopback {
                let mut r = AddrRow::new(RowKind::Loopback, &site.name, &dev.id);
                r.prefix = lo.to_string();
                r.mask = mask(lo).to_string();
                r.address = lo.addr().to_string();
                r.device = dev.id.clone();
                r.interface = "lo".to_string();
                r.prefix6 = dev.loopback6.map(|p| p.to_string()).unwrap_or_default();
                r.address6 = dev
                    .loopback6
                    .map(|p| p.addr().to_string())
                    .unwrap_or_default();
                r.description = dev.fqdn.clone().unwrap_or_default();
                rows.push(r);
            }
        }
        for link in plan
            .links
            .iter()
            .filter(|l| !l.wan && site_of(&l.a) == site.name)
        {
            rows.push(link_row(RowKind::IntraLink, &site.name, link));
        }
    }
    for link in plan.links.iter().filter(|l| l.wan) {
        rows.push(link_row(RowKind::WanLink, "", link));
    }
    if let Some(inet) = &plan.internet {
        let mut r = AddrRow::new(RowKind::Uplink, site_of(&inet.edge), &inet.edge);
        r.prefix = inet.uplink_prefix.to_string();
        r.mask = mask(inet.uplink_prefix).to_string();
        r.address = format!("{} – {}", inet.edge_address, inet.upstream_address);
        r.device = inet.edge.clone();
        r.interface = inet.edge_interface.clone();
        rows.push(r);
    }
    rows
}

fn link_row(kind: RowKind, site: &str, link: &netkit_plan::LinkPlan) -> AddrRow {
    let mut r = AddrRow::new(kind, site, &format!("{} – {}", link.a, link.b));
    r.prefix = link.prefix.to_string();
    r.mask = mask(link.prefix).to_string();
    r.address = format!("{} – {}", link.a_address, link.b_address);
    r.device = format!("{} – {}", link.a, link.b);
    r.interface = format!("{} – {}", link.a_interface, link.b_interface);
    r.usable = Some(usable_v4(link.prefix));
    r.prefix6 = link.prefix6.map(|p| p.to_string()).unwrap_or_default();
    if let (Some(a), Some(b)) = (link.a_address6, link.b_address6) {
        r.address6 = format!("{a} – {b}");
    }
    r.description = link.description.clone().unwrap_or_default();
    r
}

/// `hq` of `hq.r1`.
pub fn site_of(id: &str) -> &str {
    id.split('.').next().unwrap_or(id)
}
