//! Intervention sheets (fiches d'intervention): one per site deployed, with what was
//! configured on the site's devices, the tests about the site and their results, the
//! times, the deadline and whether it was met, and blank signature boxes.

pub(crate) mod closing;

use std::fmt::Write;

use chrono::{DateTime, Utc};
use netkit_plan::{DevicePlan, FilterRule, Route, SegmentPlan, SitePlan};
use netkit_results::{CheckResult, Verdict};

use crate::acceptance::what;
use crate::esc::md;
use crate::i18n::{K, parse_time};
use crate::markup::md_table;
use crate::view::Ctx;

/// One interface of a device, for the "work done" part.
pub struct IfaceRow {
    pub name: String,
    pub address: String,
    pub address6: String,
    pub role: String,
}

pub struct DeviceWork<'a> {
    pub device: &'a DevicePlan,
    pub title: String,
    pub interfaces: Vec<IfaceRow>,
    pub routes: &'a [Route],
    pub filters: &'a [FilterRule],
}

pub struct Sheet<'a> {
    pub number: String,
    /// Anchor id in the HTML.
    pub anchor: String,
    pub date: String,
    pub site: &'a SitePlan,
    pub technician: String,
    pub requester: String,
    pub kind_of_work: String,
    pub request: String,
    pub segments: Vec<&'a SegmentPlan>,
    pub devices: Vec<DeviceWork<'a>>,
    pub layer2: Vec<String>,
    pub tests: Vec<&'a CheckResult>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    /// Deadline as written when it does not parse.
    pub deadline_text: Option<String>,
    pub met: Option<bool>,
}

impl Sheet<'_> {
    pub fn failed(&self) -> usize {
        self.tests
            .iter()
            .filter(|r| r.verdict != Verdict::Pass)
            .count()
    }
}

/// `FI-ACME-001`: the topology name reduced to letters, digits and dashes.
pub fn number(topology: &str, n: usize) -> String {
    let mut t: String = topology
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '-'
            }
        })
        .collect();
    t = t.trim_matches('-').to_string();
    if t.is_empty() {
        t = "NET".to_string();
    }
    format!("FI-{t}-{n:03}")
}

pub fn technician(ctx: &Ctx) -> Option<String> {
    ctx.opt
        .technician
        .clone()
        .or_else(|| ctx.results.and_then(|r| r.technician.clone()))
}

pub fn requester(ctx: &Ctx) -> Option<String> {
    ctx.opt
        .requester
        .clone()
        .or_else(|| ctx.results.and_then(|r| r.requester.clone()))
}

pub fn deadline(ctx: &Ctx) -> Option<String> {
    ctx.opt
        .deadline
        .clone()
        .or_else(|| ctx.results.and_then(|r| r.deadline.clone()))
}

pub fn sheets<'a>(ctx: &Ctx<'a>) -> Vec<Sheet<'a>> {
    let l = ctx.l;
    let plan = ctx.plan;
    let deadline_s = deadline(ctx);
    let deadline_t = deadline_s.as_deref().and_then(parse_time);
    let tech = technician(ctx).unwrap_or_default();
    let req = requester(ctx).unwrap_or_default();
    let mut out = Vec::new();
    for (i, site) in plan.sites.iter().enumerate() {
        let devices_of_site: Vec<&DevicePlan> = plan
            .devices
            .iter()
            .filter(|d| d.site == site.name)
            .collect();
        let l3: Vec<&DevicePlan> = devices_of_site
            .iter()
            .copied()
            .filter(|d| d.kind.is_layer3())
            .collect();
        let layer2: Vec<String> = devices_of_site
            .iter()
            .filter(|d| !d.kind.is_layer3())
            .map(|d| format!("{} ({})", d.id, ctx.kind_name(d.kind)))
            .collect();
        let links = plan
            .links
            .iter()
            .filter(|k| {
                crate::view::site_of(&k.a) == site.name || crate::view::site_of(&k.b) == site.name
            })
            .count();
        let location = site
            .location
            .as_ref()
            .map(|x| format!(" ({x})"))
            .unwrap_or_default();
        let request = l.f(
            K::RequestValue,
            &[
                ("site", &site.name),
                ("location", &location),
                ("name", &plan.name),
                ("segments", &site.segments.len().to_string()),
                ("devices", &l3.len().to_string()),
                ("links", &links.to_string()),
            ],
        );
        let devices = l3
            .iter()
            .map(|d| {
                let kind = ctx.kind_name(d.kind);
                let title = match d.loopback {
                    Some(lo) => l.f(
                        K::InterfacesOf,
                        &[
                            ("device", &d.id),
                            ("kind", kind),
                            ("loopback", &lo.to_string()),
                        ],
                    ),
                    None => l.f(
                        K::InterfacesOfNoLoopback,
                        &[("device", &d.id), ("kind", kind)],
                    ),
                };
                let interfaces = d
                    .interfaces
                    .iter()
                    .map(|f| {
                        let uplink = plan
                            .internet
                            .as_ref()
                            .filter(|i| i.edge == d.id && i.edge_interface == f.name);
                        let role = if let Some(inet) = uplink {
                            l.f(
                                K::RoleUplink,
                                &[("addr", &inet.upstream_address.to_string())],
                            )
                        } else if let Some(seg) = f.segment.as_ref() {
                            let vlan = plan
                                .segment(seg)
                                .map(|s| s.vlan.to_string())
                                .unwrap_or_default();
                            l.f(K::RoleSegment, &[("id", seg), ("vlan", &vlan)])
                        } else if let Some(peer) = f.peer.as_ref().or_else(|| {
                            f.link
                                .and_then(|id| plan.links.iter().find(|k| k.id == id))
                                .map(|k| if k.a == d.id { &k.b } else { &k.a })
                        }) {
                            l.f(K::RoleLink, &[("peer", peer)])
                        } else {
                            String::new()
                        };
                        IfaceRow {
                            name: f.name.clone(),
                            address: f.address.to_string(),
                            address6: f.address6.map(|a| a.to_string()).unwrap_or_default(),
                            role,
                        }
                    })
                    .collect();
                DeviceWork {
                    device: d,
                    title,
                    interfaces,
                    routes: plan.routes.get(&d.id).map(Vec::as_slice).unwrap_or(&[]),
                    filters: plan.filters.get(&d.id).map(Vec::as_slice).unwrap_or(&[]),
                }
            })
            .collect();
        let tests = ctx.results_of_site(&site.name);
        // The intervention's own times when given, else the window of its tests.
        let start = ctx
            .opt
            .started
            .as_deref()
            .and_then(parse_time)
            .or_else(|| tests.iter().filter_map(|r| parse_time(&r.start)).min());
        let end = ctx
            .opt
            .finished
            .as_deref()
            .and_then(parse_time)
            .or_else(|| tests.iter().filter_map(|r| parse_time(&r.end)).max());
        let met = match (end, deadline_t) {
            (Some(e), Some(d)) => Some(e <= d),
            _ => None,
        };
        let date = start
            .map(|s| l.date(s.date_naive()))
            .unwrap_or_else(|| l.date(ctx.opt.date));
        let number = number(&plan.name, i + 1);
        out.push(Sheet {
            anchor: number.to_ascii_lowercase(),
            number,
            date,
            site,
            technician: tech.clone(),
            requester: req.clone(),
            kind_of_work: l.t(K::KindOfWorkValue).to_string(),
            request,
            segments: site.segments.iter().collect(),
            devices,
            layer2,
            tests,
            start,
            end,
            deadline: deadline_t,
            deadline_text: deadline_s.clone().filter(|_| deadline_t.is_none()),
            met,
        });
    }
    out
}

/// `6 règles de filtrage configurées sur hq.r1`, or `aucune règle de filtrage sur
/// hq.fw1`.
pub fn filters_configured(ctx: &Ctx, n: usize, device: &str) -> String {
    if n == 0 {
        ctx.l.f(K::NoFilterConfigured, &[("device", device)])
    } else {
        ctx.l.f(
            K::FiltersConfigured,
            &[("n", &ctx.l.int(n as u64)), ("device", device)],
        )
    }
}

/// Facts of the schedule block: (label, value).
pub fn schedule(ctx: &Ctx, s: &Sheet) -> Vec<(String, String)> {
    let l = ctx.l;
    let dash = "—".to_string();
    let mut v = vec![
        (
            l.t(K::Started).to_string(),
            s.start
                .map(|t| ctx.datetime(t))
                .unwrap_or_else(|| dash.clone()),
        ),
        (
            l.t(K::Finished).to_string(),
            s.end
                .map(|t| ctx.datetime(t))
                .unwrap_or_else(|| dash.clone()),
        ),
        (
            l.t(K::Duration).to_string(),
            match (s.start, s.end) {
                (Some(a), Some(b)) => l.duration((b - a).num_seconds()),
                _ => dash.clone(),
            },
        ),
    ];
    let deadline = match (&s.deadline, &s.deadline_text) {
        (Some(d), _) => ctx.datetime(*d),
        (None, Some(t)) => t.clone(),
        (None, None) => l.t(K::NoDeadline).to_string(),
    };
    v.push((l.t(K::Deadline).to_string(), deadline));
    v.push((
        l.t(K::DeadlineMet).to_string(),
        match (s.met, s.end, s.deadline) {
            (Some(false), Some(end), Some(d)) => l.f(
                K::DeadlineMissedBy,
                &[("late", &l.duration((end - d).num_seconds()))],
            ),
            (Some(b), _, _) => l.yes_no(b).to_string(),
            (None, _, _) => l.t(K::NotAssessed).to_string(),
        },
    ));
    v
}

/// "N routes configured" (static plans) or "N routes expected" (OSPF plans: the
/// tables are what OSPF should learn, not configured statics).
pub fn routes_key(ctx: &Ctx) -> K {
    if ctx.plan.routing == netkit_model::RoutingMode::Ospf {
        K::RoutesOspf
    } else {
        K::RoutesConfigured
    }
}

/// Observations line of a sheet.
pub fn observations(ctx: &Ctx, s: &Sheet) -> String {
    if ctx.results.is_none() {
        ctx.t(K::NoTestsForSite).to_string()
    } else if s.tests.is_empty() {
        ctx.t(K::NoTestsInResults).to_string()
    } else if s.failed() == 0 {
        ctx.t(K::ObservationsOk).to_string()
    } else {
        ctx.f(K::ObservationsKo, &[("n", &s.failed().to_string())])
    }
}

/// A filter rule as table cells: action, from, to, protocol, port.
pub fn filter_cells(ctx: &Ctx, r: &FilterRule) -> [String; 5] {
    let list = |v: &[ipnet::IpNet]| {
        if v.is_empty() {
            ctx.t(K::Any).to_string()
        } else {
            v.iter()
                .map(|p| ctx.prefix_with_name(*p))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    [
        ctx.action(r.action).to_string(),
        list(&r.from),
        list(&r.to),
        r.proto
            .map(|p| p.to_string())
            .unwrap_or_else(|| ctx.t(K::AllTraffic).to_string()),
        r.port.map(|p| p.to_string()).unwrap_or_default(),
    ]
}

/// `interventions.md`: every sheet in Markdown.
pub fn markdown(ctx: &Ctx, sheets: &[Sheet]) -> String {
    let l = ctx.l;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        md(l.t(K::SecSheets)),
        md(&ctx.plan.name)
    );
    for s in sheets {
        let _ = writeln!(out, "## {} {}\n", md(l.t(K::Sheet)), md(&s.number));
        let location = s.site.location.clone().unwrap_or_default();
        let blank = |v: &str| {
            if v.is_empty() {
                "………………………………".to_string()
            } else {
                v.to_string()
            }
        };
        let facts = vec![
            vec![l.t(K::SheetNumber).to_string(), s.number.clone()],
            vec![l.t(K::Date).to_string(), s.date.clone()],
            vec![l.t(K::SheetSite).to_string(), s.site.name.clone()],
            vec![l.t(K::Location).to_string(), location],
            vec![l.t(K::Technician).to_string(), blank(&s.technician)],
            vec![l.t(K::Requester).to_string(), blank(&s.requester)],
            vec![l.t(K::KindOfWork).to_string(), s.kind_of_work.clone()],
            vec![l.t(K::Request).to_string(), s.request.clone()],
        ];
        md_table(&mut out, &[l.t(K::Field), l.t(K::Value)], &facts);
        let _ = writeln!(out, "### {}\n", md(l.t(K::WorkDone)));
        let seg_rows: Vec<Vec<String>> = s
            .segments
            .iter()
            .map(|g| {
                vec![
                    g.id.clone(),
                    g.vlan.to_string(),
                    g.prefix.to_string(),
                    g.gateway.to_string(),
                    format!("{} {}", g.gateway_device, g.interface),
                    l.yes_no(g.isolated).to_string(),
                ]
            })
            .collect();
        if !seg_rows.is_empty() {
            let _ = writeln!(out, "**{}**\n", md(l.t(K::SegmentsConfigured)));
            md_table(
                &mut out,
                &[
                    l.t(K::Segment),
                    l.t(K::Vlan),
                    l.t(K::Prefix),
                    l.t(K::Gateway),
                    l.t(K::Interface),
                    l.t(K::IsolatedCol),
                ],
                &seg_rows,
            );
        }
        for d in &s.devices {
            let _ = writeln!(out, "**{}**\n", md(&d.title));
            let rows: Vec<Vec<String>> = d
                .interfaces
                .iter()
                .map(|f| {
                    vec![
                        f.name.clone(),
                        f.address.clone(),
                        f.address6.clone(),
                        f.role.clone(),
                    ]
                })
                .collect();
            md_table(
                &mut out,
                &[
                    l.t(K::Interface),
                    l.t(K::Address),
                    l.t(K::Address6),
                    l.t(K::Role),
                ],
                &rows,
            );
            let _ = writeln!(
                out,
                "- {}\n- {}\n",
                md(&l.f(
                    crate::sheets::routes_key(ctx),
                    &[("n", &d.routes.len().to_string()), ("device", &d.device.id)]
                )),
                md(&filters_configured(ctx, d.filters.len(), &d.device.id))
            );
        }
        if !s.layer2.is_empty() {
            let _ = writeln!(
                out,
                "{}\n",
                md(&l.f(K::Layer2Installed, &[("names", &s.layer2.join(", "))]))
            );
        }
        let _ = writeln!(out, "### {}\n", md(l.t(K::TestsRun)));
        if s.tests.is_empty() {
            let _ = writeln!(out, "{}\n", md(&observations(ctx, s)));
        } else {
            let rows: Vec<Vec<String>> = s
                .tests
                .iter()
                .map(|r| {
                    let (from, to) = what(r);
                    vec![
                        ctx.check_name(&r.check),
                        from,
                        to,
                        ctx.verdict(r.verdict).to_string(),
                        crate::words::measured(ctx, r),
                        crate::words::reason(ctx, r),
                    ]
                })
                .collect();
            md_table(
                &mut out,
                &[
                    l.t(K::Check),
                    l.t(K::From),
                    l.t(K::To),
                    l.t(K::Verdict),
                    l.t(K::Measured),
                    l.t(K::Reason),
                ],
                &rows,
            );
        }
        let _ = writeln!(out, "### {}\n", md(l.t(K::Schedule)));
        let rows: Vec<Vec<String>> = schedule(ctx, s)
            .into_iter()
            .map(|(a, b)| vec![a, b])
            .collect();
        md_table(&mut out, &[l.t(K::Field), l.t(K::Value)], &rows);
        let _ = writeln!(
            out,
            "{}{}{}\n",
            md(l.t(K::Observations)),
            l.colon(),
            md(&observations(ctx, s))
        );
        closing::markdown(ctx, s, &mut out);
        let _ = writeln!(out, "### {}\n", md(l.t(K::Signatures)));
        md_table(
            &mut out,
            &[l.t(K::SignTechnician), l.t(K::SignClient)],
            &[
                vec![l.t(K::SignHint).to_string(), l.t(K::SignHint).to_string()],
                vec![String::new(), String::new()],
                vec![String::new(), String::new()],
            ],
        );
    }
    out
}
