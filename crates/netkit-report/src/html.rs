//! `index.html`: one self-contained, printable file (inline CSS and SVG, nothing
//! fetched): cover, contents, diagram, addressing plan, routing tables, filtering
//! rules, acceptance report, intervention sheets. Built by hand: every piece of data
//! goes through [`esc::xml`] on its way in.

use std::fmt::Write;

use netkit_results::Verdict;

use crate::acceptance::{Counts, by_check, run_facts, timing, verdict_sentence, what};
use crate::diagram::Diagram;
use crate::esc::xml as e;
use crate::i18n::K;
use crate::markup::{Cell, chapter, facts, table};
use crate::sheets::{Sheet, filter_cells, observations, schedule};
use crate::view::{AddrRow, Ctx, RowKind};
use crate::{wan, words};

fn badge(ctx: &Ctx, v: Verdict) -> String {
    let class = v.as_str();
    format!("<span class=\"badge {class}\">{}</span>", e(ctx.verdict(v)))
}

fn opt_n(ctx: &Ctx, v: Option<u64>) -> String {
    v.map(|x| ctx.l.int(x)).unwrap_or_default()
}

/// Sections of the document, in order: (anchor, title key).
const SECTIONS: &[(&str, K)] = &[
    ("topology", K::SecTopology),
    ("addressing", K::SecAddressing),
    ("routing", K::SecRouting),
    ("filters", K::SecFilters),
    ("acceptance", K::SecAcceptance),
    ("sheets", K::SecSheets),
    ("files", K::SecFiles),
    ("appendix", K::SecAppendix),
];

/// The diagrams of the topology chapter.
pub struct Figures<'a> {
    /// The whole network (`topology.svg` without its XML declaration).
    pub topology_svg: &'a str,
    /// Print the whole diagram on an A4 landscape page (wide diagrams).
    pub landscape: bool,
    /// The WAN view (`wan.svg`), placed once for the index and the files.
    pub wan: &'a Diagram,
    /// One view per site (`site-<name>.svg`), in the plan's order of sites, with
    /// its file stem.
    pub sites: &'a [(String, Diagram)],
}

pub fn render(
    ctx: &Ctx,
    figures: &Figures,
    rows: &[AddrRow],
    sheets: &[Sheet],
    files: &[(String, String)],
) -> String {
    let l = ctx.l;
    let plan = ctx.plan;
    let mut out = String::with_capacity(256 * 1024);
    let title = l.f(K::DocTitle, &[("name", &plan.name)]);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<meta name=\"generator\" content=\"netkit\"/>\n<title>{}</title>\n<style>{}</style>\n{}</head>\n<body>\n",
        l.code(),
        e(&title),
        crate::style::CSS,
        crate::print::css(ctx, sheets)
    );
    cover(&mut out, ctx, &title);
    contents(&mut out, ctx, sheets);
    topology(&mut out, ctx, figures);
    addressing(&mut out, ctx, rows);
    routing(&mut out, ctx);
    filters(&mut out, ctx);
    acceptance(&mut out, ctx);
    sheets_chapter(&mut out, ctx, sheets);
    if !plan.layer2.is_empty() {
        // The patching and Wi-Fi plans, before the file list.
        out.push_str(&crate::cabling::html_section(plan, l));
    }
    files_chapter(&mut out, ctx, files);
    out.push_str("</section>\n</body>\n</html>\n");
    out
}

/// The cover: title, network, technician, dates, the verdict.
fn cover(out: &mut String, ctx: &Ctx, title: &str) {
    let l = ctx.l;
    let plan = ctx.plan;
    out.push_str("<section class=\"cover\" id=\"cover\">\n");
    let _ = writeln!(
        out,
        "<div class=\"kicker\">netkit</div><h1>{}</h1>",
        e(title)
    );
    let _ = writeln!(
        out,
        "<div class=\"subtitle\">{}</div>",
        e(l.t(K::DocSubtitle))
    );
    let mut cover = vec![(l.t(K::Topology).to_string(), plan.name.clone())];
    if let Some(d) = &plan.description {
        cover.push((l.t(K::Description).to_string(), d.clone()));
    }
    cover.push((l.t(K::Date).to_string(), l.date(ctx.opt.date)));
    cover.push((
        l.t(K::Technician).to_string(),
        crate::sheets::technician(ctx).unwrap_or_else(|| l.t(K::NotSet).to_string()),
    ));
    cover.push((
        l.t(K::Requester).to_string(),
        crate::sheets::requester(ctx).unwrap_or_else(|| l.t(K::NotSet).to_string()),
    ));
    if let Some(p) = ctx
        .results
        .map(|r| r.playbook.clone())
        .or_else(|| ctx.opt.playbook.clone())
    {
        cover.push((l.t(K::Playbook).to_string(), p));
    }
    cover.push((
        l.t(K::RoutingMode).to_string(),
        l.t(match plan.routing {
            netkit_model::RoutingMode::Static => K::RoutingStatic,
            netkit_model::RoutingMode::Ospf => K::RoutingOspf,
        })
        .to_string(),
    ));
    let wan = plan.links.iter().filter(|k| k.wan).count();
    cover.push((l.t(K::Sites).to_string(), l.int(plan.sites.len() as u64)));
    cover.push((
        l.t(K::Segments).to_string(),
        l.int(plan.segments().count() as u64),
    ));
    cover.push((
        l.t(K::L3Devices).to_string(),
        l.int(plan.routers().count() as u64),
    ));
    cover.push((
        l.t(K::Links).to_string(),
        l.f(
            K::LinksValue,
            &[
                ("n", &l.int(plan.links.len() as u64)),
                ("wan", &l.int(wan as u64)),
                ("intra", &l.int((plan.links.len() - wan) as u64)),
            ],
        ),
    ));
    facts(out, "facts", &cover);
    let (class, _) = match ctx.results {
        None => ("none", ()),
        Some(r) if r.all_passed() => ("pass", ()),
        Some(_) => ("fail", ()),
    };
    let _ = writeln!(
        out,
        "<p>{}{}<span class=\"result {class}\">{}</span></p>",
        e(l.t(K::AcceptanceResult)),
        e(l.colon()),
        e(&verdict_sentence(ctx))
    );
    let _ = writeln!(
        out,
        "<p class=\"foot\">{}</p>",
        e(&l.f(K::GeneratedBy, &[("date", &l.date(ctx.opt.date))]))
    );
    out.push_str("</section>\n");
}

/// The table of contents, with the sheets under their chapter.
fn contents(out: &mut String, ctx: &Ctx, sheets: &[Sheet]) {
    let l = ctx.l;
    let _ = writeln!(
        out,
        "<nav class=\"toc chapter\" id=\"toc\"><h2>{}</h2><ol>",
        e(l.t(K::Contents))
    );
    for (i, (anchor, k)) in SECTIONS.iter().enumerate() {
        let _ = write!(
            out,
            "<li><a href=\"#{anchor}\">{n}. {t}</a><span class=\"pg\" data-find=\"{n}. {t}\"></span>",
            n = i + 1,
            t = e(l.t(*k))
        );
        if *anchor == "sheets" && !sheets.is_empty() {
            out.push_str("<ol>");
            for s in sheets {
                let _ = write!(
                    out,
                    "<li><a href=\"#{}\">{} — {}</a><span class=\"pg\" data-find=\"{}\"></span></li>",
                    e(&s.anchor),
                    e(&s.number),
                    e(&s.site.name),
                    e(&s.number)
                );
            }
            out.push_str("</ol>");
        }
        out.push_str("</li>\n");
        if *anchor == "sheets" {
            // The patching and Wi-Fi plans, unnumbered, between the sheets and the
            // file list, as in the document.
            for (id, title) in crate::cabling::chapters(ctx.plan, l) {
                let _ = writeln!(
                    out,
                    "<li><a href=\"#{id}\">{t}</a><span class=\"pg\" data-find=\"{t}\"></span></li>",
                    t = e(title)
                );
            }
        }
    }
    out.push_str("</ol></nav>\n");
}

/// Chapter 1, the topology: the WAN view first, then the whole network, which a
/// large network leaves to `topology.svg` (too dense for a page) with a pointer.
fn topology(out: &mut String, ctx: &Ctx, figures: &Figures) {
    let l = ctx.l;
    // A large network prints the WAN view alone: its page follows the view's shape,
    // and the pointer to the whole diagram goes in the caption, so that it does not
    // fall alone onto the next page.
    let alone = ctx.plan.sites.len() > wan::INLINE_TOPOLOGY_SITES;
    let (landscape, caption) = if alone {
        (
            figures.wan.width >= figures.wan.height,
            format!("{} {}", wan::caption(l), wan::whole_elsewhere(l)),
        )
    } else {
        (figures.landscape, wan::caption(l).to_string())
    };
    // The WAN view scaled to its page, then, when its text prints too small there,
    // in enlarged parts on pages of their own (print only).
    let room = if landscape {
        (277.0, 158.0)
    } else {
        (186.0, 225.0)
    };
    let parts = if alone {
        crate::atlas::html(figures.wan, "wan-view", room, l)
    } else {
        String::new()
    };
    let _ = write!(
        out,
        "<section class=\"chapter {}\" id=\"topology\"><h2>1. {}</h2>\n<figure class=\"wan\">\n{}<figcaption>{}</figcaption></figure>",
        if landscape { "wide" } else { "tall" },
        e(l.t(K::SecTopology)),
        crate::diagram::svg(figures.wan, "wan-view", false),
        crate::atlas::caption(&caption, &parts, l)
    );
    if alone {
        out.push_str("</section>\n");
        out.push_str(&parts);
    } else {
        let _ = writeln!(
            out,
            "\n<figure>\n{}<figcaption>{}</figcaption></figure></section>",
            figures.topology_svg,
            e(l.t(K::DiagramCaption))
        );
    }
    out.push_str(&crate::site_view::html(ctx.plan, figures.sites, l));
}

/// 2. The addressing plan: pools, then every row of the plan.
fn addressing(out: &mut String, ctx: &Ctx, rows: &[AddrRow]) {
    let l = ctx.l;
    let plan = ctx.plan;
    chapter(out, "addressing", 2, l.t(K::SecAddressing));
    let _ = writeln!(out, "<h3>{}</h3>", e(l.t(K::Pools)));
    let mut pools = vec![
        (l.t(K::PoolIpv4).to_string(), plan.pools.ipv4.to_string()),
        (l.t(K::PoolWan).to_string(), plan.pools.wan.to_string()),
        (
            l.t(K::PoolLoopbacks).to_string(),
            plan.pools.loopbacks.to_string(),
        ),
    ];
    if let Some(v6) = plan.pools.ipv6 {
        pools.insert(1, (l.t(K::PoolIpv6).to_string(), v6.to_string()));
    }
    if !plan.pools.reserve.is_empty() {
        pools.push((
            l.t(K::PoolReserve).to_string(),
            plan.pools
                .reserve
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    pools.push((
        l.t(K::P2pPrefix).to_string(),
        format!("/{}", plan.pools.p2p_prefix),
    ));
    pools.push((
        l.t(K::Growth).to_string(),
        l.percent(plan.pools.growth_percent as f64),
    ));
    facts(out, "facts", &pools);
    for site in &plan.sites {
        let mut t = l.f(K::SegmentsOfSite, &[("site", &site.name)]);
        if let Some(loc) = &site.location {
            t.push_str(&format!(" — {loc}"));
        }
        let _ = writeln!(
            out,
            "<h3>{} <span class=\"mono\">{}{}</span></h3>",
            e(&t),
            e(&site.prefix.to_string()),
            e(&site.prefix6.map(|p| format!(" · {p}")).unwrap_or_default())
        );
        if let Some(d) = &site.description {
            let _ = writeln!(out, "<p>{}</p>", e(d));
        }
        let seg_rows: Vec<Vec<Cell>> = rows
            .iter()
            .filter(|r| r.site == site.name && r.kind == RowKind::Segment)
            .map(|r| {
                let [first, last, bcast] = crate::tables::range_cells(&r.prefix);
                vec![
                    Cell::T(r.object.clone()),
                    Cell::Num(r.vlan.map(|v| v.to_string()).unwrap_or_default()),
                    Cell::Mono(r.prefix.clone()),
                    Cell::Mono(r.mask.clone()),
                    Cell::Mono(r.address.clone()),
                    Cell::Mono(first),
                    Cell::Mono(last),
                    Cell::Mono(bcast),
                    Cell::Num(format!(
                        "{} / {} / {}",
                        opt_n(ctx, r.hosts.map(u64::from)),
                        opt_n(ctx, r.sized_for.map(u64::from)),
                        opt_n(ctx, r.usable)
                    )),
                    Cell::T(
                        r.isolated
                            .map(|b| l.yes_no(b).to_string())
                            .unwrap_or_default(),
                    ),
                    Cell::Mono(r.prefix6.clone()),
                ]
            })
            .collect();
        table(
            out,
            &[
                (l.t(K::Segment), false),
                (l.t(K::Vlan), true),
                (l.t(K::Prefix), false),
                (l.t(K::Mask), false),
                (l.t(K::Gateway), false),
                (l.t(K::FirstUsable), false),
                (l.t(K::LastUsable), false),
                (l.t(K::Broadcast), false),
                (l.t(K::HostsTriple), true),
                (l.t(K::IsolatedCol), false),
                (l.t(K::Prefix6), false),
            ],
            &seg_rows,
        );
        let named: Vec<Vec<Cell>> = rows
            .iter()
            .filter(|r| r.site == site.name && r.kind == RowKind::Named)
            .map(|r| {
                vec![
                    Cell::T(r.object.clone()),
                    Cell::Mono(r.address.clone()),
                    Cell::Mono(r.address6.clone()),
                    Cell::T(r.description.clone()),
                ]
            })
            .collect();
        if !named.is_empty() {
            let _ = writeln!(out, "<h4>{}</h4>", e(l.t(K::NamedHosts)));
            table(
                out,
                &[
                    (l.t(K::Name), false),
                    (l.t(K::Address), false),
                    (l.t(K::Address6), false),
                    (l.t(K::Description), false),
                ],
                &named,
            );
        }
    }
    let lo: Vec<Vec<Cell>> = rows
        .iter()
        .filter(|r| r.kind == RowKind::Loopback)
        .map(|r| {
            vec![
                Cell::T(r.device.clone()),
                Cell::Mono(r.prefix.clone()),
                Cell::Mono(r.prefix6.clone()),
            ]
        })
        .collect();
    if !lo.is_empty() {
        let _ = writeln!(out, "<h3>{}</h3>", e(l.t(K::LoopbacksTable)));
        table(
            out,
            &[
                (l.t(K::Device), false),
                (l.t(K::Prefix), false),
                (l.t(K::Prefix6), false),
            ],
            &lo,
        );
    }
    if !plan.links.is_empty() {
        let _ = writeln!(out, "<h3>{}</h3>", e(l.t(K::LinksTable)));
        let links: Vec<Vec<Cell>> = plan
            .links
            .iter()
            .map(|k| {
                vec![
                    Cell::T(
                        if k.wan {
                            l.t(K::RowWan)
                        } else {
                            l.t(K::RowIntra)
                        }
                        .to_string(),
                    ),
                    Cell::Mono(k.prefix.to_string()),
                    Cell::T(format!("{} {}", k.a, k.a_interface)),
                    Cell::Mono(k.a_address.to_string()),
                    Cell::T(format!("{} {}", k.b, k.b_interface)),
                    Cell::Mono(k.b_address.to_string()),
                    Cell::Num(k.bandwidth_bps.map(|b| l.bandwidth(b)).unwrap_or_default()),
                    Cell::Num(k.cost.to_string()),
                ]
            })
            .collect();
        table(
            out,
            &[
                (l.t(K::Type), false),
                (l.t(K::Prefix), false),
                (l.t(K::EndA), false),
                (l.t(K::AddressA), false),
                (l.t(K::EndB), false),
                (l.t(K::AddressB), false),
                (l.t(K::Bandwidth), true),
                (l.t(K::CostCol), true),
            ],
            &links,
        );
    }
    if let Some(inet) = &plan.internet {
        let _ = writeln!(
            out,
            "<p><strong>{}</strong>{}{} {} <span class=\"mono\">{} ({})</span>, {}</p>",
            e(&words::capital(l.t(K::Uplink))),
            e(l.colon()),
            e(&inet.edge),
            e(&inet.edge_interface),
            e(&inet.edge_address.to_string()),
            e(&inet.uplink_prefix.to_string()),
            e(&l.f(K::Upstream, &[("addr", &inet.upstream_address.to_string())]))
        );
    }
    if let Some(dns) = &plan.dns {
        let _ = writeln!(
            out,
            "<p>{}</p>",
            e(&l.f(
                K::DnsZone,
                &[
                    ("domain", &dns.domain),
                    ("server", &dns.server),
                    ("addr", &dns.server_address.to_string())
                ]
            ))
        );
    }
    out.push_str("</section>\n");
}

/// 3. Routing: the design and the summary of every table.
fn routing(out: &mut String, ctx: &Ctx) {
    let l = ctx.l;
    let plan = ctx.plan;
    chapter(out, "routing", 3, l.t(K::SecRouting));
    if let Some(o) = &plan.ospf {
        let bw = l.bandwidth(o.reference_bandwidth_mbps.saturating_mul(1_000_000));
        let _ = writeln!(
            out,
            "<p>{}</p>",
            e(&l.f(K::OspfDesign, &[("design", &o.design), ("bw", &bw)]))
        );
    }
    crate::appendix::routing_summary(ctx, out);
    out.push_str("</section>\n");
}

/// 4. Filters: the rules of every router that has some.
fn filters(out: &mut String, ctx: &Ctx) {
    let l = ctx.l;
    let plan = ctx.plan;
    chapter(out, "filters", 4, l.t(K::SecFilters));
    let any_filters = plan.filters.values().any(|v| !v.is_empty());
    if any_filters {
        let _ = writeln!(out, "<p>{}</p>", e(l.t(K::FiltersIntro)));
        for dev in plan.routers() {
            let Some(rules) = plan.filters.get(&dev.id).filter(|v| !v.is_empty()) else {
                continue;
            };
            let _ = writeln!(
                out,
                "<h3>{}</h3>",
                e(&l.f(K::FiltersOf, &[("device", &dev.id)]))
            );
            let rows: Vec<Vec<Cell>> = rules
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let [a, f, t, p, port] = filter_cells(ctx, r);
                    vec![
                        Cell::Num((i + 1).to_string()),
                        Cell::T(a),
                        Cell::T(f),
                        Cell::T(t),
                        Cell::T(p),
                        Cell::Num(port),
                    ]
                })
                .collect();
            table(
                out,
                &[
                    ("#", true),
                    (l.t(K::Action), false),
                    (l.t(K::From), false),
                    (l.t(K::To), false),
                    (l.t(K::Protocol), false),
                    (l.t(K::Port), true),
                ],
                &rows,
            );
        }
    } else {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", e(l.t(K::NoFilters)));
    }
    out.push_str("</section>\n");
}

/// 5. Acceptance: the verdict, then the results by site.
fn acceptance(out: &mut String, ctx: &Ctx) {
    let l = ctx.l;
    chapter(out, "acceptance", 5, l.t(K::SecAcceptance));
    match ctx.results {
        None => {
            let _ = writeln!(out, "<p class=\"result none\">{}</p>", e(l.t(K::NoResults)));
        }
        Some(res) => {
            let c = Counts::of(&res.results);
            let class = if res.all_passed() { "pass" } else { "fail" };
            let _ = writeln!(
                out,
                "<p class=\"result {class}\">{}</p>",
                e(&verdict_sentence(ctx))
            );
            facts(out, "facts", &run_facts(ctx, res));
            let _ = write!(out, "<div class=\"cards\">");
            for (k, v, cls) in [
                (K::CardChecks, l.int(c.total as u64), ""),
                (K::CardPassed, l.int(c.pass as u64), "ok"),
                (
                    K::CardFailed,
                    l.int(c.fail as u64),
                    if c.fail > 0 { "ko" } else { "" },
                ),
                (
                    K::CardErrors,
                    l.int(c.error as u64),
                    if c.error > 0 { "warn" } else { "" },
                ),
                (K::SuccessRate, l.percent(c.rate()), ""),
            ] {
                let _ = write!(
                    out,
                    "<div class=\"card {cls}\"><div class=\"v\">{}</div><div class=\"k\">{}</div></div>",
                    e(&v),
                    e(&l.f(k, &[("n", &v)]))
                );
            }
            out.push_str("</div>\n");
            let _ = writeln!(out, "<h3>{}</h3>", e(l.t(K::ByCheck)));
            let rows: Vec<Vec<Cell>> = by_check(res)
                .into_iter()
                .map(|(k, c)| {
                    vec![
                        Cell::T(ctx.check_name(&k)),
                        Cell::Num(c.total.to_string()),
                        Cell::Num(c.pass.to_string()),
                        Cell::Num(c.fail.to_string()),
                        Cell::Num(c.error.to_string()),
                    ]
                })
                .collect();
            table(
                out,
                &[
                    (l.t(K::Check), false),
                    (l.t(K::Checks), true),
                    (l.t(K::Passed), true),
                    (l.t(K::Failed), true),
                    (l.t(K::Errors), true),
                ],
                &rows,
            );
            crate::service::html(ctx, out);
            let bad: Vec<_> = res
                .results
                .iter()
                .enumerate()
                .filter(|(_, r)| r.verdict != Verdict::Pass)
                .collect();
            let _ = writeln!(out, "<h3>{}</h3>", e(l.t(K::FailuresTitle)));
            if bad.is_empty() {
                let _ = writeln!(out, "<p class=\"note\">{}</p>", e(l.t(K::NoFailures)));
            } else {
                out.push_str("<ul>");
                for (i, r) in bad {
                    let (from, to) = what(r);
                    let _ = writeln!(
                        out,
                        "<li>{} <strong>#{} {}</strong> {} → {}{}{}</li>",
                        badge(ctx, r.verdict),
                        i + 1,
                        e(&ctx.check_name(&r.check)),
                        e(&from),
                        e(&to),
                        e(l.colon()),
                        e(&crate::reasons::sentence(
                            l,
                            r.reason.as_deref().unwrap_or("")
                        ))
                    );
                }
                out.push_str("</ul>\n");
            }
            let _ = writeln!(out, "<h3>{}</h3>", e(l.t(K::Details)));
            let rows: Vec<Vec<Cell>> = res
                .results
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let (from, to) = what(r);
                    let (time, dur) = timing(ctx, r);
                    let time = match dur {
                        Some(d) => format!("{time} ({})", l.duration(d)),
                        None => time,
                    };
                    vec![
                        Cell::Num((i + 1).to_string()),
                        Cell::T(ctx.check_name(&r.check)),
                        Cell::T(from),
                        Cell::T(to),
                        Cell::H(badge(ctx, r.verdict)),
                        Cell::T(words::expected(ctx, r)),
                        Cell::T(words::measured(ctx, r)),
                        Cell::T(words::reason(ctx, r)),
                        Cell::T(time),
                    ]
                })
                .collect();
            table(
                out,
                &[
                    ("#", true),
                    (l.t(K::Check), false),
                    (l.t(K::From), false),
                    (l.t(K::To), false),
                    (l.t(K::Verdict), false),
                    (l.t(K::Expected), false),
                    (l.t(K::Measured), false),
                    (l.t(K::Reason), false),
                    (l.t(K::Started), false),
                ],
                &rows,
            );
        }
    }
    out.push_str("</section>\n");
}

/// 6. The intervention sheets.
fn sheets_chapter(out: &mut String, ctx: &Ctx, sheets: &[Sheet]) {
    let l = ctx.l;
    match sheets.first() {
        // The chapter's heading prints on the first sheet's own page (a named page
        // always starts a new one), so that it does not stand alone on a page.
        Some(first) => {
            let _ = writeln!(
                out,
                "<section class=\"chapter\" id=\"sheets\" style=\"page: {}\"><h2>6. {}</h2>",
                e(&first.anchor),
                e(l.t(K::SecSheets))
            );
        }
        None => chapter(out, "sheets", 6, l.t(K::SecSheets)),
    }
    for (i, s) in sheets.iter().enumerate() {
        sheet(out, ctx, s, i + 1, sheets.len());
    }
    out.push_str("</section>\n");
}

/// 7. The files of the folder, and 8. the appendix (full tables, figures).
fn files_chapter(out: &mut String, ctx: &Ctx, files: &[(String, String)]) {
    let l = ctx.l;
    chapter(out, "files", 7, l.t(K::SecFiles));
    let rows: Vec<Vec<Cell>> = files
        .iter()
        .map(|(f, d)| vec![Cell::Mono(f.clone()), Cell::T(d.clone())])
        .collect();
    table(
        out,
        &[(l.t(K::File), false), (l.t(K::Contents_), false)],
        &rows,
    );
    let _ = writeln!(out, "<p class=\"note\">{}</p>", e(l.t(K::NetboxNote)));
    let _ = writeln!(
        out,
        "</section>\n<section class=\"chapter\" id=\"appendix\"><h2>8. {}</h2>",
        e(l.t(K::SecAppendix))
    );
    crate::appendix::routing_full(ctx, out);
    crate::appendix::figures(ctx, out);
}

fn sheet(out: &mut String, ctx: &Ctx, s: &Sheet, n: usize, total: usize) {
    let l = ctx.l;
    out.push_str(&crate::print::sheet_open(ctx, s));
    let blank = |v: &str| {
        if v.is_empty() {
            "\u{A0}".to_string()
        } else {
            v.to_string()
        }
    };
    let mut f = vec![
        (l.t(K::SheetNumber).to_string(), s.number.clone()),
        (l.t(K::Date).to_string(), s.date.clone()),
        (l.t(K::SheetSite).to_string(), s.site.name.clone()),
    ];
    if let Some(loc) = &s.site.location {
        f.push((l.t(K::Location).to_string(), loc.clone()));
    }
    f.push((l.t(K::Technician).to_string(), blank(&s.technician)));
    f.push((l.t(K::Requester).to_string(), blank(&s.requester)));
    f.push((l.t(K::KindOfWork).to_string(), s.kind_of_work.clone()));
    f.push((l.t(K::Request).to_string(), s.request.clone()));
    facts(out, "facts", &f);

    let _ = writeln!(out, "<h4>{}</h4>", e(l.t(K::WorkDone)));
    if !s.segments.is_empty() {
        let _ = writeln!(
            out,
            "<p><strong>{}</strong></p>",
            e(l.t(K::SegmentsConfigured))
        );
        let rows: Vec<Vec<Cell>> = s
            .segments
            .iter()
            .map(|g| {
                vec![
                    Cell::T(g.id.clone()),
                    Cell::Num(g.vlan.to_string()),
                    Cell::Mono(g.prefix.to_string()),
                    Cell::Mono(g.gateway.to_string()),
                    Cell::T(format!("{} {}", g.gateway_device, g.interface)),
                    Cell::T(l.yes_no(g.isolated).to_string()),
                ]
            })
            .collect();
        table(
            out,
            &[
                (l.t(K::Segment), false),
                (l.t(K::Vlan), true),
                (l.t(K::Prefix), false),
                (l.t(K::Gateway), false),
                (l.t(K::Interface), false),
                (l.t(K::IsolatedCol), false),
            ],
            &rows,
        );
    }
    for d in &s.devices {
        let _ = writeln!(out, "<p><strong>{}</strong></p>", e(&d.title));
        let rows: Vec<Vec<Cell>> = d
            .interfaces
            .iter()
            .map(|f| {
                vec![
                    Cell::T(f.name.clone()),
                    Cell::Mono(f.address.clone()),
                    Cell::Mono(f.address6.clone()),
                    Cell::T(f.role.clone()),
                ]
            })
            .collect();
        table(
            out,
            &[
                (l.t(K::Interface), false),
                (l.t(K::Address), false),
                (l.t(K::Address6), false),
                (l.t(K::Role), false),
            ],
            &rows,
        );
        let _ = writeln!(
            out,
            "<ul><li>{} (<a href=\"#routes-{}\">{}</a>)</li><li>{}</li></ul>",
            e(&l.f(
                crate::sheets::routes_key(ctx),
                &[
                    ("n", &l.int(d.routes.len() as u64)),
                    ("device", &d.device.id)
                ]
            )),
            e(&d.device.id),
            e(&l.f(K::SeeRoutesOf, &[("device", &d.device.id)])),
            e(&crate::sheets::filters_configured(
                ctx,
                d.filters.len(),
                &d.device.id
            ))
        );
        if !d.filters.is_empty() {
            let rows: Vec<Vec<Cell>> = d
                .filters
                .iter()
                .map(|r| {
                    let [a, f, t, p, port] = filter_cells(ctx, r);
                    vec![
                        Cell::T(a),
                        Cell::T(f),
                        Cell::T(t),
                        Cell::T(p),
                        Cell::Num(port),
                    ]
                })
                .collect();
            table(
                out,
                &[
                    (l.t(K::Action), false),
                    (l.t(K::From), false),
                    (l.t(K::To), false),
                    (l.t(K::Protocol), false),
                    (l.t(K::Port), true),
                ],
                &rows,
            );
        }
    }
    if !s.layer2.is_empty() {
        let _ = writeln!(
            out,
            "<p>{}</p>",
            e(&l.f(K::Layer2Installed, &[("names", &s.layer2.join(", "))]))
        );
    }

    let _ = writeln!(out, "<h4>{}</h4>", e(l.t(K::TestsRun)));
    if s.tests.is_empty() {
        let _ = writeln!(out, "<p class=\"note\">{}</p>", e(&observations(ctx, s)));
    } else {
        let rows: Vec<Vec<Cell>> = s
            .tests
            .iter()
            .map(|r| {
                let (from, to) = what(r);
                vec![
                    Cell::T(ctx.check_name(&r.check)),
                    Cell::T(from),
                    Cell::T(to),
                    Cell::H(badge(ctx, r.verdict)),
                    Cell::T(words::measured(ctx, r)),
                    Cell::T(words::reason(ctx, r)),
                ]
            })
            .collect();
        table(
            out,
            &[
                (l.t(K::Check), false),
                (l.t(K::From), false),
                (l.t(K::To), false),
                (l.t(K::Verdict), false),
                (l.t(K::Measured), false),
                (l.t(K::Reason), false),
            ],
            &rows,
        );
    }
    let _ = writeln!(
        out,
        "<div class=\"sheet-end\"><h4>{}</h4>",
        e(l.t(K::Schedule))
    );
    out.push_str("<table class=\"facts\"><tbody>");
    for (k, v) in schedule(ctx, s) {
        let class = if k == l.t(K::DeadlineMet) {
            match s.met {
                Some(true) => " class=\"met-yes\"",
                Some(false) => " class=\"met-no\"",
                None => "",
            }
        } else {
            ""
        };
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td{class}>{}</td></tr>",
            e(&k),
            e(&v)
        );
    }
    out.push_str("</tbody></table>\n");
    let _ = writeln!(
        out,
        "<p><strong>{}</strong>{}{}</p>",
        e(l.t(K::Observations)),
        e(l.colon()),
        e(&observations(ctx, s))
    );
    crate::sheets::closing::html(ctx, s, out);
    let _ = writeln!(
        out,
        "<div class=\"signs\"><div class=\"sign\"><div class=\"who\">{}</div><div class=\"hint\">{}</div></div><div class=\"sign\"><div class=\"who\">{}</div><div class=\"hint\">{}</div></div></div>",
        e(l.t(K::SignTechnician)),
        e(l.t(K::SignHint)),
        e(l.t(K::SignClient)),
        e(l.t(K::SignHint))
    );
    out.push_str("</div>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">{}</p></article>",
        e(&l.f(
            K::PageOf,
            &[("n", &n.to_string()), ("total", &total.to_string())]
        ))
    );
}
