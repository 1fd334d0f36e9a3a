//! The acceptance report: what was checked, what passed, failed or could not run,
//! and why, with the figures measured.

use std::collections::BTreeMap;
use std::fmt::Write;

use netkit_results::{CheckResult, Results, Verdict};

use crate::esc::md;
use crate::i18n::{K, parse_time};
use crate::markup::md_table;
use crate::view::Ctx;

/// Counts of one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: usize,
    pub pass: usize,
    pub fail: usize,
    pub error: usize,
}

impl Counts {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CheckResult>) -> Counts {
        let mut c = Counts::default();
        for r in results {
            c.total += 1;
            match r.verdict {
                Verdict::Pass => c.pass += 1,
                Verdict::Fail => c.fail += 1,
                Verdict::Error => c.error += 1,
            }
        }
        c
    }

    /// Percentage of passed checks.
    pub fn rate(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            100.0 * self.pass as f64 / self.total as f64
        }
    }
}

/// Counts per check kind, in order of first appearance.
pub fn by_check(res: &Results) -> Vec<(String, Counts)> {
    let mut order: Vec<String> = Vec::new();
    let mut map: BTreeMap<String, Vec<&CheckResult>> = BTreeMap::new();
    for r in &res.results {
        if !map.contains_key(&r.check) {
            order.push(r.check.clone());
        }
        map.entry(r.check.clone()).or_default().push(r);
    }
    order
        .into_iter()
        .map(|k| {
            let c = Counts::of(map[&k].iter().copied());
            (k, c)
        })
        .collect()
}

/// One sentence about the whole run, for the cover and the summary.
pub fn verdict_sentence(ctx: &Ctx) -> String {
    let Some(res) = ctx.results else {
        return ctx.t(K::AcceptanceNotRun).to_string();
    };
    let c = Counts::of(&res.results);
    if c.total > 0 && c.fail == 0 && c.error == 0 {
        ctx.f(
            K::AcceptancePassed,
            &[
                ("passed", &c.pass.to_string()),
                ("total", &c.total.to_string()),
            ],
        )
    } else {
        ctx.f(
            if c.error == 0 {
                K::AcceptanceFailedOnly
            } else {
                K::AcceptanceFailed
            },
            &[
                ("failed", &c.fail.to_string()),
                ("errors", &c.error.to_string()),
                ("total", &c.total.to_string()),
            ],
        )
    }
}

/// `from → to` of a result (or its target).
pub fn what(r: &CheckResult) -> (String, String) {
    let from = r.from.clone().unwrap_or_default();
    // An SNMP check is about its device; its `to` is the expectation (shown in
    // words in the expected column) and its target the agent's socket.
    if r.check == "snmp" {
        return (
            r.from.clone().or(r.to.clone()).unwrap_or_default(),
            String::new(),
        );
    }
    let to = match (&r.to, &r.target) {
        (Some(t), Some(p)) if t != p => format!("{t} ({p})"),
        (Some(t), _) => t.clone(),
        (None, Some(p)) => p.clone(),
        (None, None) => String::new(),
    };
    (from, to)
}

/// Time of a check, `14:02:12`, and its duration in seconds.
pub fn timing(ctx: &Ctx, r: &CheckResult) -> (String, Option<i64>) {
    match (parse_time(&r.start), parse_time(&r.end)) {
        (Some(s), Some(e)) => (ctx.time(s), Some((e - s).num_seconds())),
        (Some(s), None) => (ctx.time(s), None),
        _ => (r.start.clone(), None),
    }
}

/// Run facts: target, start, end, duration.
pub fn run_facts(ctx: &Ctx, res: &Results) -> Vec<(String, String)> {
    let l = ctx.l;
    let target = match res.target.as_str() {
        "lab" => l.t(K::TargetLab).to_string(),
        "live" => l.t(K::TargetLive).to_string(),
        other => other.to_string(),
    };
    let mut facts = vec![
        (l.t(K::Playbook).to_string(), res.playbook.clone()),
        (l.t(K::Target).to_string(), target),
    ];
    let (s, e) = (parse_time(&res.started), parse_time(&res.finished));
    facts.push((
        l.t(K::Started).to_string(),
        s.map(|t| ctx.datetime(t))
            .unwrap_or_else(|| res.started.clone()),
    ));
    facts.push((
        l.t(K::Finished).to_string(),
        e.map(|t| ctx.datetime(t))
            .unwrap_or_else(|| res.finished.clone()),
    ));
    if let (Some(s), Some(e)) = (s, e) {
        facts.push((
            l.t(K::Duration).to_string(),
            l.duration((e - s).num_seconds()),
        ));
    }
    facts
}

/// `acceptance.md`.
pub fn markdown(ctx: &Ctx) -> String {
    let l = ctx.l;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# {} — {}\n",
        md(l.t(K::SecAcceptance)),
        md(&ctx.plan.name)
    );
    let Some(res) = ctx.results else {
        let _ = writeln!(out, "{}\n", md(l.t(K::NoResults)));
        return out;
    };
    let _ = writeln!(out, "**{}**\n", md(&verdict_sentence(ctx)));
    let facts: Vec<Vec<String>> = run_facts(ctx, res)
        .into_iter()
        .map(|(k, v)| vec![k, v])
        .collect();
    md_table(&mut out, &[l.t(K::Field), l.t(K::Value)], &facts);
    let c = Counts::of(&res.results);
    let _ = writeln!(out, "## {}\n", md(l.t(K::ByCheck)));
    let mut rows: Vec<Vec<String>> = by_check(res)
        .into_iter()
        .map(|(k, c)| {
            vec![
                ctx.check_name(&k),
                c.total.to_string(),
                c.pass.to_string(),
                c.fail.to_string(),
                c.error.to_string(),
            ]
        })
        .collect();
    rows.push(vec![
        l.t(K::Total).to_string(),
        c.total.to_string(),
        c.pass.to_string(),
        c.fail.to_string(),
        c.error.to_string(),
    ]);
    md_table(
        &mut out,
        &[
            l.t(K::Check),
            l.t(K::Checks),
            l.t(K::Passed),
            l.t(K::Failed),
            l.t(K::Errors),
        ],
        &rows,
    );
    let _ = writeln!(
        out,
        "{}{}{}\n",
        md(l.t(K::SuccessRate)),
        l.colon(),
        md(&l.percent(c.rate()))
    );
    crate::service::markdown(ctx, &mut out);
    let _ = writeln!(out, "## {}\n", md(l.t(K::Details)));
    let rows: Vec<Vec<String>> = res
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (from, to) = what(r);
            vec![
                (i + 1).to_string(),
                ctx.check_name(&r.check),
                from,
                to,
                ctx.verdict(r.verdict).to_string(),
                crate::words::expected(ctx, r),
                crate::words::measured(ctx, r),
                crate::words::reason(ctx, r),
            ]
        })
        .collect();
    md_table(
        &mut out,
        &[
            "#",
            l.t(K::Check),
            l.t(K::From),
            l.t(K::To),
            l.t(K::Verdict),
            l.t(K::Expected),
            l.t(K::Measured),
            l.t(K::Reason),
        ],
        &rows,
    );
    out
}
