//! How an intervention sheet closes: its status (conforme, avec réserves, non
//! conforme) and one corrective action per test that did not pass, in the report's
//! language.

use std::fmt::Write;

use netkit_results::{CheckResult, Verdict};

use super::Sheet;
use crate::esc::{md, xml as e};
use crate::i18n::K;
use crate::view::Ctx;
use crate::words::tr;

/// The closing status of a sheet, and its CSS class.
pub fn status(ctx: &Ctx, s: &Sheet) -> (String, &'static str) {
    let l = ctx.l;
    if s.tests.is_empty() {
        return (l.t(K::ClosingNone).to_string(), "none");
    }
    let fail = s
        .tests
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .count();
    let error = s
        .tests
        .iter()
        .filter(|r| r.verdict == Verdict::Error)
        .count();
    // A missed deadline is a reservation even when every test passed.
    let late = match (s.met, s.end, s.deadline) {
        (Some(false), Some(end), Some(d)) => Some(l.duration((end - d).num_seconds())),
        _ => None,
    };
    let (status, class) = if fail > 0 {
        (l.f(K::ClosingKo, &[("n", &l.int(fail as u64))]), "fail")
    } else if error > 0 {
        (
            l.f(K::ClosingReserves, &[("n", &l.int(error as u64))]),
            "error",
        )
    } else if let Some(late) = &late {
        return (l.f(K::ClosingLate, &[("late", late)]), "error");
    } else {
        (l.t(K::ClosingOk).to_string(), "pass")
    };
    match late {
        Some(late) => (
            l.f(K::ClosingLateToo, &[("status", &status), ("late", &late)]),
            class,
        ),
        None => (status, class),
    }
}

/// What to do about one test that did not pass.
pub fn action(ctx: &Ctx, r: &CheckResult) -> String {
    let l = ctx.l;
    let to = r.to.clone().unwrap_or_default();
    let from = r.from.clone().unwrap_or_else(|| to.clone());
    if r.verdict == Verdict::Error {
        return tr(
            l,
            format!(
                "lever l'empêchement ({}) puis relancer le contrôle",
                crate::words::reason(ctx, r)
            ),
            format!(
                "remove the obstacle ({}) and run the check again",
                crate::words::reason(ctx, r)
            ),
        );
    }
    match r.check.as_str() {
        "reach" => tr(
            l,
            format!(
                "rétablir l'acheminement de {from} vers {to} (route, liaison ou filtre indiqué), puis relancer le test"
            ),
            format!(
                "restore forwarding from {from} to {to} (the route, link or filter named), then test again"
            ),
        ),
        "isolate" => tr(
            l,
            format!(
                "ajouter ou corriger la règle de filtrage qui isole {from} de {to} sur la passerelle de {from}"
            ),
            format!(
                "add or fix the filtering rule isolating {from} from {to} on the gateway of {from}"
            ),
        ),
        "tcp" => tr(
            l,
            format!(
                "démarrer le service de {to} ou ouvrir le port dans les filtres, puis relancer le test"
            ),
            format!("start the service of {to} or open the port in the filters, then test again"),
        ),
        "dns" => tr(
            l,
            "corriger l'enregistrement DNS ou démarrer le service DNS, puis relancer le test"
                .into(),
            "fix the DNS record or start the DNS service, then test again".into(),
        ),
        "path" => tr(
            l,
            format!("corriger les routes le long du chemin prévu de {from} vers {to}"),
            format!("fix the routes along the planned path from {from} to {to}"),
        ),
        "bandwidth" => tr(
            l,
            format!(
                "faire vérifier le débit de la liaison {from} – {to} (opérateur, mise en forme du trafic, duplex) puis refaire la mesure"
            ),
            format!(
                "have the bandwidth of link {from} – {to} checked (carrier, traffic shaping, duplex), then measure again"
            ),
        ),
        "latency" => tr(
            l,
            format!(
                "rechercher la cause du délai ou des pertes entre {from} et {to} (charge, file d'attente, liaison) puis refaire la mesure"
            ),
            format!(
                "find the cause of the delay or loss between {from} and {to} (load, queueing, link), then measure again"
            ),
        ),
        "snmp" => tr(
            l,
            format!(
                "aligner la configuration de {from} sur le plan (écart indiqué), puis relancer le contrôle"
            ),
            format!(
                "bring the configuration of {from} in line with the plan (difference named), then check again"
            ),
        ),
        _ => tr(
            l,
            "corriger la cause indiquée puis relancer le contrôle".into(),
            "fix the cause named, then run the check again".into(),
        ),
    }
}

/// Numbered actions of a sheet: `(check name, what, action)`.
fn actions(ctx: &Ctx, s: &Sheet) -> Vec<(String, String)> {
    s.tests
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| {
            let (from, to) = crate::acceptance::what(r);
            let name = ctx.check_name(&r.check);
            let what = match (from.is_empty(), to.is_empty()) {
                (false, false) => format!("{name} {from} → {to}"),
                (true, _) => format!("{name} {to}"),
                (false, true) => format!("{name} {from}"),
            };
            (what, action(ctx, r))
        })
        .collect()
}

/// The closing block of a sheet in HTML.
pub fn html(ctx: &Ctx, s: &Sheet, out: &mut String) {
    let l = ctx.l;
    let (text, class) = status(ctx, s);
    let _ = writeln!(
        out,
        "<p><strong>{}</strong>{}<span class=\"badge {class}\">{}</span></p>",
        e(l.t(K::ClosingStatus)),
        e(l.colon()),
        e(&text)
    );
    let acts = actions(ctx, s);
    if acts.is_empty() {
        return;
    }
    let _ = writeln!(out, "<p><strong>{}</strong></p><ol>", e(l.t(K::Corrective)));
    for (what, act) in acts {
        let _ = writeln!(out, "<li>{}{}{}</li>", e(&what), e(l.colon()), e(&act));
    }
    out.push_str("</ol>\n");
}

/// The closing block of a sheet in Markdown.
pub fn markdown(ctx: &Ctx, s: &Sheet, out: &mut String) {
    let l = ctx.l;
    let (text, _) = status(ctx, s);
    let _ = writeln!(
        out,
        "**{}**{}{}\n",
        md(l.t(K::ClosingStatus)),
        l.colon(),
        md(&text)
    );
    let acts = actions(ctx, s);
    if acts.is_empty() {
        return;
    }
    let _ = writeln!(out, "**{}**\n", md(l.t(K::Corrective)));
    for (i, (what, act)) in acts.iter().enumerate() {
        let _ = writeln!(out, "{}. {}{}{}", i + 1, md(what), l.colon(), md(act));
    }
    out.push('\n');
}
