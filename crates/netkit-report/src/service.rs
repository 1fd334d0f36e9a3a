//! Service levels: the table of site pairs, their declared bandwidth and what their
//! bandwidth and latency checks measured against the targets (the words of one
//! `latency` check are in words.rs).

use serde_json::Value;

use crate::i18n::Lang;
use crate::words::{ms, tr};

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// One row of the service-level table: a site pair (the WAN link between them, when
/// there is one) and the worst of what its bandwidth and latency checks measured.
struct Row {
    sites: (String, String),
    declared_bps: Option<u64>,
    min_bps: Option<f64>,
    bps: Option<f64>,
    max_rtt: Option<f64>,
    rtt: Option<f64>,
    max_jitter: Option<f64>,
    jitter: Option<f64>,
    max_loss: Option<f64>,
    loss: Option<f64>,
    checks: usize,
    met: bool,
}

fn worse(a: Option<f64>, b: Option<f64>, higher_is_worse: bool) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if higher_is_worse { x.max(y) } else { x.min(y) }),
        (x, None) => x,
        (None, y) => y,
    }
}

/// The site of a check's end: its id's first part (`lyon.users`, `hq.r1`), or, for an
/// address (`10.63.224.15`, the far end of a link a service level is measured on),
/// the site of the device or segment that holds it.
fn site_at<'a>(plan: &'a netkit_plan::Plan, id: &'a str) -> &'a str {
    let Ok(addr) = id.parse::<std::net::Ipv4Addr>() else {
        return crate::view::site_of(id);
    };
    let device = plan.devices.iter().find(|d| {
        d.loopback.is_some_and(|l| l.addr() == addr)
            || d.interfaces.iter().any(|i| i.address.addr() == addr)
    });
    if let Some(d) = device {
        return &d.site;
    }
    plan.segments()
        .find(|s| s.prefix.contains(&addr))
        .map_or(id, |s| crate::view::site_of(&s.id))
}

fn pair(plan: &netkit_plan::Plan, a: &str, b: &str) -> (String, String) {
    let (a, b) = (site_at(plan, a), site_at(plan, b));
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

fn rows(ctx: &crate::view::Ctx) -> Vec<Row> {
    let plan = ctx.plan;
    let mut rows: Vec<Row> = Vec::new();
    let row_of = |rows: &mut Vec<Row>, sites: (String, String)| -> usize {
        if let Some(i) = rows.iter().position(|r| r.sites == sites) {
            return i;
        }
        let links: Vec<_> = plan
            .links
            .iter()
            .filter(|l| l.wan && pair(plan, &l.a, &l.b) == sites)
            .collect();
        let declared_bps = links.iter().filter_map(|l| l.bandwidth_bps).max();
        // The service levels written on the links: the strictest of the pair's.
        let target = |f: fn(&netkit_model::LinkTargets) -> Option<f64>| {
            links.iter().filter_map(|l| f(&l.targets)).reduce(f64::min)
        };
        rows.push(Row {
            sites,
            declared_bps,
            min_bps: None,
            bps: None,
            max_rtt: target(|t| t.max_rtt_ms),
            rtt: None,
            max_jitter: target(|t| t.max_jitter_ms),
            jitter: None,
            max_loss: target(|t| t.max_loss_pct),
            loss: None,
            checks: 0,
            met: true,
        });
        rows.len() - 1
    };
    for l in plan.links.iter().filter(|l| l.wan) {
        row_of(&mut rows, pair(plan, &l.a, &l.b));
    }
    let Some(res) = ctx.results else {
        return rows;
    };
    for r in res
        .results
        .iter()
        .filter(|r| r.check == "bandwidth" || r.check == "latency")
    {
        let (Some(from), Some(to)) = (&r.from, &r.to) else {
            continue;
        };
        let i = row_of(&mut rows, pair(plan, from, to));
        let row = &mut rows[i];
        row.checks += 1;
        row.met &= r.verdict == netkit_results::Verdict::Pass;
        let (e, m) = (&r.expected, &r.measured);
        if r.check == "bandwidth" {
            row.min_bps = worse(row.min_bps, num(e, "min_bps"), true);
            row.bps = worse(row.bps, num(m, "goodput_bps").or(num(m, "bps")), false);
        } else {
            row.max_rtt = worse(row.max_rtt, num(e, "max_rtt_ms"), false);
            row.rtt = worse(row.rtt, num(m, "rtt_avg_ms"), true);
            row.max_jitter = worse(row.max_jitter, num(e, "max_jitter_ms"), false);
            row.jitter = worse(row.jitter, num(m, "jitter_ms"), true);
            row.max_loss = worse(row.max_loss, num(e, "max_loss_pct"), false);
            row.loss = worse(row.loss, num(m, "loss_pct"), true);
        }
    }
    rows
}

/// The service-level section of the acceptance chapter: per WAN link and per site
/// pair measured, expected against measured bandwidth, RTT, jitter and loss, met or
/// not met.
pub fn html(ctx: &crate::view::Ctx, out: &mut String) {
    use crate::markup::{Cell, table};
    use std::fmt::Write;
    let l = ctx.l;
    let e = crate::esc::xml;
    let _ = writeln!(
        out,
        "<h3>{}</h3>",
        e(&tr(l, "Niveaux de service".into(), "Service levels".into()))
    );
    let rows = rows(ctx);
    let dash = || "—".to_string();
    let f_ms = |x: Option<f64>| x.map(|v| ms(l, v)).unwrap_or_else(dash);
    let f_pct = |x: Option<f64>| x.map(|v| l.percent(v)).unwrap_or_else(dash);
    let f_bw = |x: Option<f64>| x.map(|v| l.bandwidth_f(v)).unwrap_or_else(dash);
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let verdict = if r.checks == 0 {
                tr(l, "non mesuré".into(), "not measured".into())
            } else if r.met {
                tr(l, "respecté".into(), "met".into())
            } else {
                tr(l, "non respecté".into(), "not met".into())
            };
            vec![
                Cell::T(format!("{} – {}", r.sites.0, r.sites.1)),
                Cell::Num(r.declared_bps.map(|b| l.bandwidth(b)).unwrap_or_else(dash)),
                Cell::Num(f_bw(r.min_bps)),
                Cell::Num(f_bw(r.bps)),
                Cell::Num(f_ms(r.max_rtt)),
                Cell::Num(f_ms(r.rtt)),
                Cell::Num(f_ms(r.max_jitter)),
                Cell::Num(f_ms(r.jitter)),
                Cell::Num(f_pct(r.max_loss)),
                Cell::Num(f_pct(r.loss)),
                Cell::T(verdict),
            ]
        })
        .collect();
    let h = |fr: &'static str, en: &'static str| match l {
        Lang::Fr => fr,
        Lang::En => en,
    };
    table(
        out,
        &[
            (h("Sites", "Sites"), false),
            (h("Liaison (débit déclaré)", "Link (declared)"), true),
            (h("Débit exigé", "Bandwidth required"), true),
            (h("Débit mesuré", "Bandwidth measured"), true),
            (h("RTT maximal", "Maximum RTT"), true),
            (h("RTT mesuré", "RTT measured"), true),
            (h("Gigue maximale", "Maximum jitter"), true),
            (h("Gigue mesurée", "Jitter measured"), true),
            (h("Perte maximale", "Maximum loss"), true),
            (h("Perte mesurée", "Loss measured"), true),
            (h("Niveau de service", "Service level"), false),
        ],
        &cells,
    );
    let _ = writeln!(
        out,
        "<p class=\"note\">{}</p>",
        e(&tr(
            l,
            "Débit : le plus faible mesuré entre les deux sites ; RTT, gigue et perte : les plus élevés mesurés (RTT moyen de la série d'échos ICMP).".into(),
            "Bandwidth: the lowest measured between the two sites; RTT, jitter and loss: the highest measured (average RTT of the ICMP echo series).".into(),
        ))
    );
}

/// The service-level table of `acceptance.md`.
pub fn markdown(ctx: &crate::view::Ctx, out: &mut String) {
    use std::fmt::Write;
    let l = ctx.l;
    let rows = rows(ctx);
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## {}\n",
        tr(l, "Niveaux de service".into(), "Service levels".into())
    );
    let dash = || "—".to_string();
    let f_ms = |x: Option<f64>| x.map(|v| ms(l, v)).unwrap_or_else(dash);
    let f_pct = |x: Option<f64>| x.map(|v| l.percent(v)).unwrap_or_else(dash);
    let f_bw = |x: Option<f64>| x.map(|v| l.bandwidth_f(v)).unwrap_or_else(dash);
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                format!("{} – {}", r.sites.0, r.sites.1),
                r.declared_bps.map(|b| l.bandwidth(b)).unwrap_or_else(dash),
                f_bw(r.min_bps),
                f_bw(r.bps),
                f_ms(r.max_rtt),
                f_ms(r.rtt),
                f_ms(r.max_jitter),
                f_ms(r.jitter),
                f_pct(r.max_loss),
                f_pct(r.loss),
                match (r.checks, r.met) {
                    (0, _) => tr(l, "non mesuré".into(), "not measured".into()),
                    (_, true) => tr(l, "respecté".into(), "met".into()),
                    (_, false) => tr(l, "non respecté".into(), "not met".into()),
                },
            ]
        })
        .collect();
    let h: [&str; 11] = match l {
        Lang::Fr => [
            "Sites",
            "Liaison (débit déclaré)",
            "Débit exigé",
            "Débit mesuré",
            "RTT maximal",
            "RTT mesuré",
            "Gigue maximale",
            "Gigue mesurée",
            "Perte maximale",
            "Perte mesurée",
            "Niveau de service",
        ],
        Lang::En => [
            "Sites",
            "Link (declared)",
            "Bandwidth required",
            "Bandwidth measured",
            "Maximum RTT",
            "RTT measured",
            "Maximum jitter",
            "Jitter measured",
            "Maximum loss",
            "Loss measured",
            "Service level",
        ],
    };
    crate::markup::md_table(out, &h, &cells);
}
