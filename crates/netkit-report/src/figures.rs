//! Labels and values of the raw figures (`expected`/`measured` JSON keys written by
//! `netkit verify`) for the appendix table, in the report's language: no JSON key
//! and no English value reaches a French document.

use serde_json::Value;

use crate::i18n::Lang;

/// Keys not worth a cell: per-interval series (in the JSON), internal tags.
pub fn hidden(key: &str, v: &Value) -> bool {
    matches!(key, "intervals" | "kinds" | "compares")
        || (key == "differences" && v.as_array().is_some_and(|a| a.is_empty()))
        || v.as_str().is_some_and(str::is_empty)
}

/// The label of a key the main catalog does not name.
pub fn label(l: Lang, key: &str) -> Option<String> {
    let (fr, en) = match key {
        "goodput_bps" => ("débit utile", "goodput"),
        "wire_bps" => ("débit sur le fil (estimé)", "on the wire (estimated)"),
        "omit_s" => ("démarrage ignoré", "omitted start"),
        "direction" => ("sens", "direction"),
        "tool" => ("outil", "tool"),
        "server" => ("serveur", "server"),
        "mss" => ("MSS", "MSS"),
        "mtu" => ("MTU", "MTU"),
        "path" => ("chemin", "path"),
        "alternatives" => ("autres chemins possibles", "other possible paths"),
        "devices" => ("équipements traversés", "devices crossed"),
        "reached" => ("destination atteinte", "destination reached"),
        "silent_hops" => ("sauts muets", "silent hops"),
        "control" => ("témoin", "control"),
        "target_control" => ("témoin côté cible", "target control"),
        "tcp_ports_tried" => ("ports TCP essayés", "TCP ports tried"),
        "tcp_ports_open" => ("ports TCP ouverts", "TCP ports open"),
        "agent" => ("agent SNMP", "SNMP agent"),
        "version" => ("version", "version"),
        "address_table" => ("table des adresses", "address table"),
        "route_table" => ("table des routes", "route table"),
        "interfaces_reported" => ("interfaces annoncées", "interfaces reported"),
        "addresses_reported" => ("adresses annoncées", "addresses reported"),
        "routes_reported" => ("routes annoncées", "routes reported"),
        "checked" => ("éléments vérifiés", "items checked"),
        "differences" => ("écarts", "differences"),
        "outcome" => ("état", "state"),
        "tries" => ("essais", "tries"),
        "rcode" => ("code de réponse", "response code"),
        "name" => ("nom", "name"),
        "address" => ("adresse", "address"),
        "error" => ("erreur", "error"),
        "open" => ("ouvert", "open"),
        "jitter_ms" => ("gigue", "jitter"),
        "max_rtt_ms" => ("RTT maximal", "maximum RTT"),
        "max_jitter_ms" => ("gigue maximale", "maximum jitter"),
        "max_loss_pct" => ("perte maximale", "maximum loss"),
        "target" => ("cible", "target"),
        "detail" => ("détail", "detail"),
        "ttl" => ("TTL", "TTL"),
        "kind" => ("nature", "kind"),
        _ => return None,
    };
    Some(
        match l {
            Lang::Fr => fr,
            Lang::En => en,
        }
        .to_string(),
    )
}

/// A string value: the few English words the checks write, in French.
pub fn value(l: Lang, key: Option<&str>, v: &str) -> String {
    if l == Lang::En {
        return v.to_string();
    }
    let fr = match v {
        "forward" => "aller",
        "reverse" => "retour",
        "bidir" | "both" => "aller et retour",
        "open" => "ouvert",
        "refused" => "refusé",
        "timeout" => "sans réponse",
        "unreachable" => "injoignable",
        "goodput" => "débit utile",
        "router" => "routeur",
        "destination" => "destination",
        "interfaces-up" => "interfaces actives",
        "addresses-match-plan" => "adresses conformes au plan",
        "routes-match-plan" => "routes conformes au plan",
        _ => {
            return match key {
                Some("control" | "target_control") => crate::reasons::sentence(l, v),
                Some("error" | "detail") => crate::reasons::system(v),
                // `127.0.0.1:161 in lab.hq.r1`: the agent's socket and namespace.
                Some("agent") => v.replace(" in ", " dans "),
                _ => v.to_string(),
            };
        }
    };
    fr.to_string()
}
