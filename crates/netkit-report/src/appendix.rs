//! The routing chapter's summary (per router: what it reaches directly, the site
//! summaries, the default route, and how many routes of each origin) and the
//! appendices of `index.html`: the full routing tables, and every figure each check
//! measured. The main chapters stay readable on paper; nothing is lost.

use std::fmt::Write;

use netkit_model::RoutingMode;
use netkit_plan::{Route, RouteKind};

use crate::esc::xml as e;
use crate::i18n::{K, Lang};
use crate::markup::{Cell, table};
use crate::view::Ctx;
use crate::words::{count, tr};

/// The origin of a route for people: in an OSPF plan a route that is not connected
/// is what OSPF is expected to learn, not a configured static.
pub fn origin(ctx: &Ctx, r: &Route) -> String {
    let l = ctx.l;
    if ctx.plan.routing == RoutingMode::Ospf
        && matches!(r.kind, RouteKind::Static | RouteKind::Ospf)
    {
        return tr(
            l,
            "appris par OSPF (attendu)".into(),
            "learned by OSPF (expected)".into(),
        );
    }
    ctx.route_kind(r.kind).to_string()
}

/// Is `r` one of the routes the summary shows: connected, a site summary, the
/// default route (IPv4)?
fn in_summary(ctx: &Ctx, r: &Route) -> bool {
    if !r.destination.addr().is_ipv4() {
        return false;
    }
    r.kind == RouteKind::Connected
        || r.destination.prefix_len() == 0
        || ctx
            .plan
            .sites
            .iter()
            .any(|s| ipnet::IpNet::V4(s.prefix) == r.destination)
}

fn rows(ctx: &Ctx, routes: &[&Route]) -> Vec<Vec<Cell>> {
    let l = ctx.l;
    routes
        .iter()
        .map(|r| {
            vec![
                Cell::Mono(r.destination.to_string()),
                Cell::Mono(
                    r.next_hop
                        .map(|h| h.to_string())
                        .unwrap_or_else(|| l.t(K::DirectlyConnected).to_string()),
                ),
                Cell::T(r.interface.clone()),
                Cell::Num(r.metric.to_string()),
                Cell::T(origin(ctx, r)),
                Cell::T(ctx.route_target(r)),
            ]
        })
        .collect()
}

fn head(ctx: &Ctx) -> [(&'static str, bool); 6] {
    let l = ctx.l;
    [
        (l.t(K::Destination), false),
        (l.t(K::NextHop), false),
        (l.t(K::Interface), false),
        (l.t(K::Metric), true),
        (l.t(K::RouteKind), false),
        (l.t(K::Describes), false),
    ]
}

/// One sentence of counts: "138 routes (dont 46 IPv6) : 4 directement connectées,
/// 12 résumés de site, 1 par défaut, 121 plus précises".
pub fn counts(ctx: &Ctx, routes: &[Route]) -> String {
    let l = ctx.l;
    let n = routes.len() as u64;
    let conn = routes
        .iter()
        .filter(|r| r.kind == RouteKind::Connected)
        .count() as u64;
    let def = routes
        .iter()
        .filter(|r| r.destination.prefix_len() == 0)
        .count() as u64;
    let summ = routes
        .iter()
        .filter(|r| r.kind != RouteKind::Connected && r.destination.prefix_len() != 0)
        .filter(|r| in_summary(ctx, r))
        .count() as u64;
    let v6 = routes
        .iter()
        .filter(|r| !r.destination.addr().is_ipv4())
        .count() as u64;
    let rest = n - conn - def - summ;
    // The IPv6 share is of the total, so it goes with it.
    let total = match (v6, l) {
        (0, Lang::Fr) => count(l, n, ("route", "routes"), ("", "")),
        (0, Lang::En) => count(l, n, ("", ""), ("route", "routes")),
        (_, Lang::Fr) => format!(
            "{} (dont {} IPv6)",
            count(l, n, ("route", "routes"), ("", "")),
            l.int(v6)
        ),
        (_, Lang::En) => format!(
            "{} ({} of them IPv6)",
            count(l, n, ("", ""), ("route", "routes")),
            l.int(v6)
        ),
    };
    tr(
        l,
        format!(
            "{total} : {} directement connectée{}, {} de site, {} par défaut, {} plus précise{}",
            l.int(conn),
            crate::words::s(l, conn),
            if summ == 0 {
                "aucun résumé".to_string()
            } else {
                count(l, summ, ("résumé", "résumés"), ("", ""))
            },
            l.int(def),
            l.int(rest),
            crate::words::s(l, rest),
        ),
        format!(
            "{total}: {} connected, {} of sites, {} default, {} more specific",
            l.int(conn),
            if summ == 0 {
                "no summary".to_string()
            } else {
                count(l, summ, ("", ""), ("summary", "summaries"))
            },
            l.int(def),
            l.int(rest),
        ),
    )
}

/// Chapter 3 without the full tables: per router its counts and the routes that
/// say how it forwards (connected, site summaries, default).
pub fn routing_summary(ctx: &Ctx, out: &mut String) {
    let l = ctx.l;
    let plan = ctx.plan;
    let _ = writeln!(
        out,
        "<p>{}</p>",
        e(&tr(
            l,
            "Pour chaque routeur : les réseaux directement connectés, les résumés de site et la route par défaut. Les routes plus précises sont en annexe A ; les tables complètes (avec les interfaces de bouclage et IPv6) sont dans le fichier routes.csv.".into(),
            "For each router: the networks directly connected, the site summaries and the default route. The more specific routes are in appendix A; the full tables (with loopbacks and IPv6) are in routes.csv.".into(),
        ))
    );
    for dev in plan.routers() {
        let _ = writeln!(
            out,
            "<h3 id=\"routes-{}\">{}</h3>",
            e(&dev.id),
            e(&l.f(K::RoutesOf, &[("device", &dev.id)]))
        );
        let routes = plan.routes.get(&dev.id).map(Vec::as_slice).unwrap_or(&[]);
        if routes.is_empty() {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", e(l.t(K::NoRoutes)));
            continue;
        }
        let _ = writeln!(
            out,
            "<p>{} (<a href=\"#full-routes-{}\">{}</a>)</p>",
            e(&counts(ctx, routes)),
            e(&dev.id),
            e(&tr(l, "table complète".into(), "full table".into()))
        );
        let shown: Vec<&Route> = routes.iter().filter(|r| in_summary(ctx, r)).collect();
        table(out, &head(ctx), &rows(ctx, &shown));
    }
}

/// In appendix A: the IPv4 routes the summary does not show, except the /32 host
/// routes of loopbacks (those and the IPv6 routes are in `routes.csv`).
fn in_appendix(ctx: &Ctx, r: &Route) -> bool {
    r.destination.addr().is_ipv4() && !in_summary(ctx, r) && r.destination.prefix_len() < 32
}

/// Appendix A: the more specific routes of every router.
pub fn routing_full(ctx: &Ctx, out: &mut String) {
    let l = ctx.l;
    let plan = ctx.plan;
    let _ = writeln!(
        out,
        "<h3 id=\"appendix-routes\">{}</h3>",
        e(&tr(
            l,
            "Annexe A — Tables de routage : routes plus précises".into(),
            "Appendix A — Routing tables: more specific routes".into(),
        ))
    );
    let _ = writeln!(
        out,
        "<p>{}</p>",
        e(&tr(
            l,
            "Routes IPv4 de chaque routeur vers les segments et liaisons des autres sites, en plus de celles du chapitre 3. Les routes vers les interfaces de bouclage (/32) et les routes IPv6 figurent dans le fichier routes.csv, qui contient les tables complètes.".into(),
            "IPv4 routes of each router toward the segments and links of the other sites, besides those of chapter 3. Routes toward loopbacks (/32) and IPv6 routes are in routes.csv, which holds the full tables.".into(),
        ))
    );
    for dev in plan.routers() {
        let routes = plan.routes.get(&dev.id).map(Vec::as_slice).unwrap_or(&[]);
        if routes.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<h4 id=\"full-routes-{}\">{}</h4>",
            e(&dev.id),
            e(&l.f(K::RoutesOf, &[("device", &dev.id)]))
        );
        let more: Vec<&Route> = routes.iter().filter(|r| in_appendix(ctx, r)).collect();
        if more.is_empty() {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", e(l.t(K::NoRoutes)));
            continue;
        }
        table(out, &head(ctx), &rows(ctx, &more));
    }
}

/// Appendix B: the figures of every check, as measured (what the results JSON
/// holds, with labels in the report's language).
pub fn figures(ctx: &Ctx, out: &mut String) {
    let l = ctx.l;
    let Some(res) = ctx.results else {
        return;
    };
    let _ = writeln!(
        out,
        "<h3 id=\"appendix-figures\">{}</h3>",
        e(&tr(
            l,
            "Annexe B — Mesures détaillées des contrôles".into(),
            "Appendix B — Detailed figures of the checks".into(),
        ))
    );
    let rows: Vec<Vec<Cell>> = res
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (from, to) = crate::acceptance::what(r);
            let mut figures = ctx.figures(&r.measured);
            // A message the report cannot put in French stays here, as written.
            if let Some(why) = r
                .reason
                .as_deref()
                .filter(|w| l == crate::Lang::Fr && !crate::reasons::known(w))
            {
                figures.push_str(&format!(" · message d'origine de l'outil : « {why} »"));
            }
            vec![
                Cell::Num((i + 1).to_string()),
                Cell::T(ctx.check_name(&r.check)),
                Cell::T(if to.is_empty() {
                    from.clone()
                } else {
                    format!("{from} → {to}")
                }),
                Cell::T(ctx.figures(&r.expected)),
                Cell::T(figures),
            ]
        })
        .collect();
    table(
        out,
        &[
            ("#", true),
            (l.t(K::Check), false),
            (
                if l == crate::Lang::Fr {
                    "De → vers"
                } else {
                    "From → to"
                },
                false,
            ),
            (l.t(K::Expected), false),
            (l.t(K::Measured), false),
        ],
        &rows,
    );
}
