//! What a check expected and measured, in words of the report's language, per check
//! kind: "3 paquets envoyés, 3 reçus, 0,4 ms", "aucune réponse (3 envois) ; témoin :
//! la passerelle 10.1.1.1 répond", "95,7 Mbit/s mesurés pour 90 Mbit/s exigés",
//! "port 445 ouvert en 0,5 ms", "2 sauts : lyon.r1, hq.r1", "14 adresses conformes au
//! plan". The full figures stay in the results JSON and in the appendix table
//! ([`crate::appendix`]); the sheets and the acceptance tables show these sentences.
//!
//! Both languages are written side by side at each sentence (`tr`), so that neither
//! can be missing.

use netkit_results::{CheckResult, Verdict};
use serde_json::Value;

use crate::i18n::Lang;
use crate::view::Ctx;

/// `fr` or `en` text, whichever the report is written in.
pub fn tr(l: Lang, fr: String, en: String) -> String {
    match l {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

/// `n` with the singular or the plural of its noun: French takes the singular for 0
/// and 1 ("0 écart", "1 route"), English only for 1 ("0 differences").
pub fn count(l: Lang, n: u64, fr: (&str, &str), en: (&str, &str)) -> String {
    let noun = match l {
        Lang::Fr if n <= 1 => fr.0,
        Lang::Fr => fr.1,
        Lang::En if n == 1 => en.0,
        Lang::En => en.1,
    };
    format!("{}{}{noun}", l.int(n), l.unit_sep())
}

/// `s` with its first letter in upper case (a label that opens a sentence).
pub fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The plural ending alone (for adjectives and participles): `""` or `"s"`.
pub fn s(l: Lang, n: u64) -> &'static str {
    match l {
        Lang::Fr if n <= 1 => "",
        Lang::En if n == 1 => "",
        _ => "s",
    }
}

/// Milliseconds for people: `0,41 ms`, `12,3 ms`.
pub fn ms(l: Lang, x: f64) -> String {
    let places = if x < 1.0 { 2 } else { 1 };
    format!("{}{}ms", l.dec(x, places), l.unit_sep())
}

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

fn int(v: &Value, key: &str) -> Option<u64> {
    v.get(key).and_then(Value::as_u64)
}

fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| match x {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The port of a tcp check: `expected.port`, else the `:port` of its target.
fn port_of(r: &CheckResult) -> String {
    int(&r.expected, "port")
        .map(|p| p.to_string())
        .or_else(|| {
            r.target
                .as_deref()
                .and_then(|t| t.rsplit_once(':'))
                .map(|(_, p)| p.to_string())
        })
        .unwrap_or_default()
}

/// What the check expected, in words.
pub fn expected(ctx: &Ctx, r: &CheckResult) -> String {
    let l = ctx.l;
    let e = &r.expected;
    match r.check.as_str() {
        "reach" => tr(l, "une réponse".into(), "a reply".into()),
        "isolate" => tr(l, "aucune réponse".into(), "no reply".into()),
        "tcp" => {
            let p = port_of(r);
            tr(l, format!("port {p} ouvert"), format!("port {p} open"))
        }
        "dns" => {
            let name = text(e, "name").or(r.to.as_deref()).unwrap_or_default();
            let mut want = strings(e, "answer");
            if let Some(a) = text(e, "address") {
                want = vec![a.to_string()];
            }
            if want.is_empty() {
                tr(l, format!("{name} résolu"), format!("{name} resolved"))
            } else {
                format!("{name} → {}", want.join(", "))
            }
        }
        "path" => {
            let via = strings(e, "via");
            if via.is_empty() {
                tr(l, "le chemin du plan".into(), "the planned path".into())
            } else {
                tr(
                    l,
                    format!("par {}", via.join(", ")),
                    format!("via {}", via.join(", ")),
                )
            }
        }
        "bandwidth" => match num(e, "min_bps") {
            Some(b) => tr(
                l,
                format!("au moins {}", l.bandwidth(b as u64)),
                format!("at least {}", l.bandwidth(b as u64)),
            ),
            None => String::new(),
        },
        "snmp" => match text(e, "expect") {
            Some("interfaces-up") => tr(l, "interfaces actives".into(), "interfaces up".into()),
            Some("addresses-match-plan") => tr(
                l,
                "adresses conformes au plan".into(),
                "addresses as planned".into(),
            ),
            Some("routes-match-plan") => tr(
                l,
                "routes conformes au plan".into(),
                "routes as planned".into(),
            ),
            _ => String::new(),
        },
        "latency" => latency_expected(l, e),
        _ => ctx.figures(e),
    }
}

/// What the check measured, in words, against what it expected.
pub fn measured(ctx: &Ctx, r: &CheckResult) -> String {
    let l = ctx.l;
    let m = &r.measured;
    if m.is_null() || m.as_object().is_some_and(|o| o.is_empty()) {
        return if r.verdict == Verdict::Error {
            tr(l, "contrôle non exécuté".into(), "check not run".into())
        } else {
            "—".into()
        };
    }
    match r.check.as_str() {
        "reach" => echo(l, m, false),
        "isolate" => isolate(ctx, m),
        "tcp" => tcp(l, r),
        "dns" => dns(l, r),
        "path" => path(ctx, r),
        "bandwidth" => bandwidth(l, r),
        "snmp" => snmp(l, r),
        "latency" => latency_measured(l, &r.expected, m),
        _ => ctx.figures(m),
    }
}

/// Echo requests: "3 paquets envoyés, 3 reçus, 0,41 ms" or "aucune réponse (3 envois)".
fn echo(l: Lang, m: &Value, answered_is_bad: bool) -> String {
    let sent = int(m, "sent").unwrap_or(0);
    let got = int(m, "received").unwrap_or(0);
    if got == 0 {
        return tr(
            l,
            format!(
                "aucune réponse ({})",
                count(l, sent, ("envoi", "envois"), ("sent", "sent"))
            ),
            format!(
                "no reply ({})",
                count(l, sent, ("sent", "sent"), ("sent", "sent"))
            ),
        );
    }
    let rtt = num(m, "rtt_ms")
        .map(|x| format!(", {}", ms(l, x)))
        .unwrap_or_default();
    if answered_is_bad {
        return tr(
            l,
            format!("réponse reçue ({got} sur {sent}{rtt})"),
            format!("answered ({got} of {sent}{rtt})"),
        );
    }
    tr(
        l,
        format!(
            "{} envoyé{}, {got} reçu{}{rtt}",
            count(l, sent, ("paquet", "paquets"), ("", "")),
            s(l, sent),
            s(l, got)
        ),
        format!(
            "{} sent, {got} received{rtt}",
            count(l, sent, ("packet", "packets"), ("packet", "packets"))
        ),
    )
}

fn isolate(ctx: &Ctx, m: &Value) -> String {
    let l = ctx.l;
    let mut parts = vec![echo(l, m, true)];
    let tried = strings(m, "tcp_ports_tried");
    let open = strings(m, "tcp_ports_open");
    if !open.is_empty() {
        let n = open.len() as u64;
        parts.push(tr(
            l,
            format!("port{} TCP {} ouvert{}", s(l, n), open.join(", "), s(l, n)),
            format!("TCP port{} {} open", s(l, n), open.join(", ")),
        ));
    } else if !tried.is_empty() {
        let n = tried.len() as u64;
        parts.push(tr(
            l,
            format!("port{} TCP {} fermé{}", s(l, n), tried.join(", "), s(l, n)),
            format!("TCP port{} {} closed", s(l, n), tried.join(", ")),
        ));
    }
    if let Some(c) = text(m, "control") {
        let c = crate::reasons::sentence(l, c);
        parts.push(tr(
            l,
            format!("témoin{}{c}", l.colon()),
            format!("control{}{c}", l.colon()),
        ));
    }
    if let Some(c) = text(m, "target_control") {
        let c = crate::reasons::sentence(l, c);
        parts.push(tr(
            l,
            format!("témoin côté cible{}{c}", l.colon()),
            format!("target control{}{c}", l.colon()),
        ));
    }
    parts.join(if l == Lang::Fr { " ; " } else { "; " })
}

fn tcp(l: Lang, r: &CheckResult) -> String {
    let m = &r.measured;
    let p = port_of(r);
    let time = num(m, "latency_ms").or_else(|| num(m, "time_ms"));
    let outcome = text(m, "outcome").or(match m.get("connected").and_then(Value::as_bool) {
        Some(true) => Some("open"),
        Some(false) => Some("timeout"),
        None => None,
    });
    let tries = int(m, "tries").unwrap_or(1);
    match outcome {
        Some("open") => match time {
            Some(t) => tr(
                l,
                format!("port {p} ouvert en {}", ms(l, t)),
                format!("port {p} open in {}", ms(l, t)),
            ),
            None => tr(l, format!("port {p} ouvert"), format!("port {p} open")),
        },
        Some("refused") => tr(
            l,
            format!("port {p} refusé (rien n'y écoute)"),
            format!("port {p} refused (nothing listens)"),
        ),
        Some("unreachable") => tr(
            l,
            format!("port {p} injoignable (erreur ICMP)"),
            format!("port {p} unreachable (ICMP error)"),
        ),
        _ => tr(
            l,
            format!(
                "port {p} sans réponse ({})",
                count(l, tries, ("essai", "essais"), ("try", "tries"))
            ),
            format!(
                "no answer on port {p} ({})",
                count(l, tries, ("essai", "essais"), ("try", "tries"))
            ),
        ),
    }
}

fn dns(l: Lang, r: &CheckResult) -> String {
    let m = &r.measured;
    let name = text(m, "name")
        .or(text(&r.expected, "name"))
        .or(r.to.as_deref())
        .unwrap_or_default();
    let mut got = strings(m, "addresses");
    if got.is_empty() {
        got = strings(m, "answer");
    }
    let time = num(m, "latency_ms").or_else(|| num(m, "time_ms"));
    let rcode = text(m, "rcode");
    let answered = rcode.is_some() || !got.is_empty();
    if !answered {
        return tr(
            l,
            "aucune réponse du serveur DNS".into(),
            "no answer from the DNS server".into(),
        );
    }
    if let Some(rc) = rcode.filter(|c| *c != "NOERROR") {
        return tr(
            l,
            format!("le serveur répond {rc} pour {name}"),
            format!("the server answers {rc} for {name}"),
        );
    }
    if got.is_empty() {
        return tr(
            l,
            format!("aucune adresse pour {name}"),
            format!("no address for {name}"),
        );
    }
    let t = time
        .map(|t| tr(l, format!(" en {}", ms(l, t)), format!(" in {}", ms(l, t))))
        .unwrap_or_default();
    format!("{name} → {}{t}", got.join(", "))
}

fn path(ctx: &Ctx, r: &CheckResult) -> String {
    let l = ctx.l;
    let m = &r.measured;
    // `devices` names who answered each hop (`*`: silent); older results only list
    // the hops' addresses.
    let mut shown = strings(m, "devices");
    if shown.is_empty() {
        shown = m
            .get("hops")
            .and_then(Value::as_array)
            .map(|hops| {
                hops.iter()
                    .map(|h| match h {
                        Value::String(s) => s.clone(),
                        Value::Object(o) => o
                            .get("address")
                            .and_then(Value::as_str)
                            .unwrap_or("*")
                            .to_string(),
                        _ => "*".to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
    // The destination answering for itself is not a hop on the way.
    if shown.len() > 1
        && (shown.last() == r.to.as_ref() || shown.last() == r.target.as_ref())
        && ctx
            .plan
            .device(shown.last().map(String::as_str).unwrap_or(""))
            .is_none()
    {
        shown.pop();
    }
    let n = shown.len() as u64;
    let reached = m.get("reached").and_then(Value::as_bool).unwrap_or(true);
    let hops = count(l, n, ("saut", "sauts"), ("hop", "hops"));
    let list = shown.join(", ");
    if reached {
        format!("{hops}{}{list}", l.colon())
    } else {
        tr(
            l,
            format!("destination non atteinte après {hops}{}{list}", l.colon()),
            format!("destination not reached after {hops}{}{list}", l.colon()),
        )
    }
}

fn bandwidth(l: Lang, r: &CheckResult) -> String {
    let m = &r.measured;
    let got = num(m, "goodput_bps").or_else(|| num(m, "bps"));
    let want = num(&r.expected, "min_bps");
    match (got, want) {
        (Some(g), Some(w)) => tr(
            l,
            format!(
                "{} mesurés pour {} exigés",
                l.bandwidth_f(g),
                l.bandwidth(w as u64)
            ),
            format!(
                "{} measured for {} required",
                l.bandwidth_f(g),
                l.bandwidth(w as u64)
            ),
        ),
        (Some(g), None) => tr(
            l,
            format!("{} mesurés", l.bandwidth_f(g)),
            format!("{} measured", l.bandwidth_f(g)),
        ),
        _ => "—".into(),
    }
}

fn snmp(l: Lang, r: &CheckResult) -> String {
    let m = &r.measured;
    let checked = int(m, "checked").or_else(|| int(m, "count")).unwrap_or(0);
    let diffs = m
        .get("differences")
        .and_then(Value::as_array)
        .map(Vec::len)
        .unwrap_or(0) as u64;
    let (fr_noun, en_noun, fr_ok, en_ok) = match text(&r.expected, "expect") {
        Some("interfaces-up") => (
            ("interface", "interfaces"),
            ("interface", "interfaces"),
            ("active", "actives"),
            "up",
        ),
        Some("addresses-match-plan") => (
            ("adresse", "adresses"),
            ("address", "addresses"),
            ("conforme au plan", "conformes au plan"),
            "as planned",
        ),
        Some("routes-match-plan") => (
            ("route", "routes"),
            ("route", "routes"),
            ("conforme au plan", "conformes au plan"),
            "as planned",
        ),
        _ => (
            ("élément", "éléments"),
            ("item", "items"),
            ("conforme", "conformes"),
            "as expected",
        ),
    };
    if diffs == 0 {
        let ok = if checked <= 1 { fr_ok.0 } else { fr_ok.1 };
        return tr(
            l,
            format!("{} {ok}", count(l, checked, fr_noun, en_noun)),
            format!("{} {en_ok}", count(l, checked, fr_noun, en_noun)),
        );
    }
    tr(
        l,
        format!(
            "{} sur {}",
            count(l, diffs, ("écart", "écarts"), ("", "")),
            count(l, checked, fr_noun, en_noun)
        ),
        format!(
            "{} out of {}",
            count(l, diffs, ("", ""), ("difference", "differences")),
            count(l, checked, fr_noun, en_noun)
        ),
    )
}

/// The reason of a `fail` or `error`, in the report's language (empty on a pass).
pub fn reason(ctx: &Ctx, r: &CheckResult) -> String {
    r.reason
        .as_deref()
        .map(|t| crate::reasons::sentence(ctx.l, t))
        .unwrap_or_default()
}

/// A figure of a check's `expected` or `measured`.
fn num_of(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// "RTT ≤ 50 ms, gigue ≤ 10 ms, perte ≤ 1 %".
fn latency_expected(l: Lang, e: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(x) = num_of(e, "max_rtt_ms") {
        parts.push(format!("RTT ≤ {}", ms(l, x)));
    }
    if let Some(x) = num_of(e, "max_jitter_ms") {
        parts.push(tr(
            l,
            format!("gigue ≤ {}", ms(l, x)),
            format!("jitter ≤ {}", ms(l, x)),
        ));
    }
    if let Some(x) = num_of(e, "max_loss_pct") {
        parts.push(tr(
            l,
            format!("perte ≤ {}", l.percent(x)),
            format!("loss ≤ {}", l.percent(x)),
        ));
    }
    parts.join(", ")
}

/// "RTT moyen 0,41 ms (max 0,9 ms), gigue 0,05 ms, perte 0 % sur 20 paquets".
fn latency_measured(l: Lang, _e: &Value, m: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(x) = num_of(m, "rtt_avg_ms") {
        let max = num_of(m, "rtt_max_ms")
            .map(|y| format!(" (max {})", ms(l, y)))
            .unwrap_or_default();
        parts.push(tr(
            l,
            format!("RTT moyen {}{max}", ms(l, x)),
            format!("average RTT {}{max}", ms(l, x)),
        ));
    }
    if let Some(x) = num_of(m, "jitter_ms") {
        parts.push(tr(
            l,
            format!("gigue {}", ms(l, x)),
            format!("jitter {}", ms(l, x)),
        ));
    }
    if let Some(x) = num_of(m, "loss_pct") {
        let sent = m.get("sent").and_then(Value::as_u64).unwrap_or(0);
        parts.push(tr(
            l,
            format!(
                "perte {} sur {}",
                l.percent(x),
                count(l, sent, ("paquet", "paquets"), ("", ""))
            ),
            format!(
                "loss {} of {}",
                l.percent(x),
                count(l, sent, ("", ""), ("packet", "packets"))
            ),
        ));
    }
    parts.join(", ")
}
