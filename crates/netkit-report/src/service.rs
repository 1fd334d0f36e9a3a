//! Service levels: the words of a `latency` check (RTT, jitter, loss against their
//! maxima).

use serde_json::Value;

use crate::i18n::Lang;
use crate::words::{ms, tr};

fn num(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// "RTT ≤ 50 ms, gigue ≤ 10 ms, perte ≤ 1 %".
pub fn expected_words(l: Lang, e: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(x) = num(e, "max_rtt_ms") {
        parts.push(format!("RTT ≤ {}", ms(l, x)));
    }
    if let Some(x) = num(e, "max_jitter_ms") {
        parts.push(tr(
            l,
            format!("gigue ≤ {}", ms(l, x)),
            format!("jitter ≤ {}", ms(l, x)),
        ));
    }
    if let Some(x) = num(e, "max_loss_pct") {
        parts.push(tr(
            l,
            format!("perte ≤ {}", l.percent(x)),
            format!("loss ≤ {}", l.percent(x)),
        ));
    }
    parts.join(", ")
}

/// "RTT moyen 0,41 ms (max 0,9 ms), gigue 0,05 ms, perte 0 % sur 20 paquets".
pub fn measured_words(l: Lang, _e: &Value, m: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(x) = num(m, "rtt_avg_ms") {
        let max = num(m, "rtt_max_ms")
            .map(|y| format!(" (max {})", ms(l, y)))
            .unwrap_or_default();
        parts.push(tr(
            l,
            format!("RTT moyen {}{max}", ms(l, x)),
            format!("average RTT {}{max}", ms(l, x)),
        ));
    }
    if let Some(x) = num(m, "jitter_ms") {
        parts.push(tr(
            l,
            format!("gigue {}", ms(l, x)),
            format!("jitter {}", ms(l, x)),
        ));
    }
    if let Some(x) = num(m, "loss_pct") {
        let sent = m.get("sent").and_then(Value::as_u64).unwrap_or(0);
        parts.push(tr(
            l,
            format!(
                "perte {} sur {}",
                l.percent(x),
                crate::words::count(l, sent, ("paquet", "paquets"), ("", ""))
            ),
            format!(
                "loss {} of {}",
                l.percent(x),
                crate::words::count(l, sent, ("", ""), ("packet", "packets"))
            ),
        ));
    }
    parts.join(", ")
}
