//! Units that users write by hand, with one grammar each and one error message each,
//! used by the topology parser, the playbook parser and the command line alike (so the
//! same text `90Mbps` means the same thing, or the same error, everywhere).
//!
//! What it is not: it reads no file and no environment by itself ([`expand`] takes a
//! lookup function), and knows nothing of topologies or playbooks.
//!
//! # Grammar
//!
//! ```text
//! rate     = number [" "] [prefix] [bits]      ; bits per second
//! number   = digits ["." digits | "," digits]  ; a decimal comma is fine: 1,5Gbps
//! prefix   = "k" | "K" | "m" | "M" | "g" | "G" | "t" | "T"   ; 10^3, 10^6, 10^9, 10^12
//! bits     = "bps" | "bit/s" | "bits/s" | "b/s" | "bit" | "bits" | "b"   ; any case, but a
//!            capital B is a byte: `MBps`, `MB/s` are refused with the figure in bits
//! duration = number [" "] [unit]               ; a bare number is seconds
//! unit     = "ms" | "s" | "m" | "min" | "h"
//! delay    = number [" "] ["ms" | "s"]        ; a service-level delay: a bare number is ms
//! percent  = number [" "] ["%"]                ; from 0 to 100
//! text     = { char | "${" NAME "}" }          ; NAME = [A-Za-z_][A-Za-z0-9_]*
//! ```
//!
//! A rate lies between 1 bit/s and 1 Pbit/s; a duration between 0 and 24 h (callers
//! that need a positive one use [`parse_positive_duration`]).

use std::time::Duration;

/// The one error of each unit. Its text names the input and shows how to write it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitError {
    #[error(
        "`{text}` is not a bandwidth (a rate in bits per second): write a number and a unit in bits per second, like 90Mbps, 1.5Gbps or 512kbps"
    )]
    Rate { text: String },
    #[error(
        "`{text}` is bytes per second, and netkit reads rates in bits per second: write {bits}"
    )]
    Bytes { text: String, bits: String },
    #[error("`{text}` is out of range: a rate is from 1bps to 1000Tbps")]
    RateRange { text: String },
    #[error(
        "`{text}` is not a duration: write a number and a unit, like 5s, 500ms, 2m or 1h (at most 24h)"
    )]
    Duration { text: String },
    #[error("`{text}` is not a duration longer than zero: write it like 5s or 500ms")]
    ZeroDuration { text: String },
    #[error("{field} has an unclosed `${{`: write `${{VARIABLE}}`")]
    Unclosed { field: String },
    #[error(
        "{field} refers to `${{{name}}}`, which is not a variable name: use letters, digits and _"
    )]
    BadName { field: String, name: String },
    #[error(
        "{field} refers to ${{{name}}}, which is not set in the environment: export {name} before running netkit"
    )]
    Unset { field: String, name: String },
}

/// Split `90 Mbit/s` into (`90`, `Mbit/s`) with the number as f64.
fn number(text: &str) -> Option<(f64, &str)> {
    let t = text.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(t.len());
    let (n, rest) = t.split_at(end);
    if n.is_empty()
        || !n.starts_with(|c: char| c.is_ascii_digit())
        || n.matches(['.', ',']).count() > 1
    {
        return None;
    }
    let v: f64 = n.replace(',', ".").parse().ok()?;
    v.is_finite().then_some((v, rest.trim_start()))
}

/// A rate in bits per second. See the grammar in the crate documentation.
///
/// # Errors
/// [`UnitError::Rate`], [`UnitError::Bytes`] (with the figure in bits) or
/// [`UnitError::RateRange`].
pub fn parse_rate(text: &str) -> Result<u64, UnitError> {
    let bad = || UnitError::Rate {
        text: text.trim().to_string(),
    };
    let (v, unit) = number(text).ok_or_else(bad)?;
    let (mult, prefix, rest) = match unit.chars().next() {
        Some(c @ ('k' | 'K')) => (1e3, c, &unit[1..]),
        Some(c @ ('m' | 'M')) => (1e6, c, &unit[1..]),
        Some(c @ ('g' | 'G')) => (1e9, c, &unit[1..]),
        Some(c @ ('t' | 'T')) => (1e12, c, &unit[1..]),
        _ => (1.0, ' ', unit),
    };
    let lower = rest.to_ascii_lowercase();
    if rest.starts_with('B')
        && matches!(
            lower.as_str(),
            "b" | "bps" | "b/s" | "byte/s" | "bytes/s" | "byte" | "bytes"
        )
    {
        let p = if prefix == ' ' {
            String::new()
        } else {
            prefix.to_ascii_uppercase().to_string().replace('K', "k")
        };
        return Err(UnitError::Bytes {
            text: text.trim().to_string(),
            bits: format!("{}{p}bps", trim_number(v * 8.0)),
        });
    }
    if !matches!(
        lower.as_str(),
        "" | "bps" | "bit/s" | "bits/s" | "b/s" | "bit" | "bits" | "b"
    ) {
        return Err(bad());
    }
    let bps = (v * mult).round();
    if !(1.0..=1e15).contains(&bps) {
        return Err(UnitError::RateRange {
            text: text.trim().to_string(),
        });
    }
    // Bounded above, so the conversion cannot truncate.
    Ok(bps as u64)
}

/// A duration from 0 to 24 h. See the grammar in the crate documentation.
///
/// # Errors
/// [`UnitError::Duration`].
pub fn parse_duration(text: &str) -> Result<Duration, UnitError> {
    let bad = || UnitError::Duration {
        text: text.trim().to_string(),
    };
    let (v, unit) = number(text).ok_or_else(bad)?;
    let mult = match unit {
        "ms" => 0.001,
        "" | "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(bad()),
    };
    let secs = v * mult;
    if !(0.0..=86_400.0).contains(&secs) {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A service-level delay in milliseconds, from 0 to 60 s: `50ms`, `0.5ms`, `1s`, `50`
/// (a bare number is milliseconds, as RTT and jitter are written in the field). The
/// same grammar in a topology's link targets and a playbook's `latency` check.
pub fn parse_millis(text: &str) -> Option<f64> {
    let t = text.trim().to_ascii_lowercase();
    let (n, mult) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (t.as_str(), 1.0)
    };
    let v: f64 = n.trim().replace(',', ".").parse().ok()?;
    let ms = v * mult;
    (ms.is_finite() && (0.0..=60_000.0).contains(&ms)).then_some(ms)
}

/// A share from 0 to 100 percent: `1%`, `0.5 %`, `2`.
pub fn parse_percent(text: &str) -> Option<f64> {
    let t = text.trim();
    let v: f64 = t
        .strip_suffix('%')
        .unwrap_or(t)
        .trim()
        .replace(',', ".")
        .parse()
        .ok()?;
    (v.is_finite() && (0.0..=100.0).contains(&v)).then_some(v)
}

/// A duration longer than zero (a timeout, a test length).
///
/// # Errors
/// [`UnitError::Duration`], or [`UnitError::ZeroDuration`] for `0s`.
pub fn parse_positive_duration(text: &str) -> Result<Duration, UnitError> {
    let d = parse_duration(text)?;
    if d.is_zero() {
        return Err(UnitError::ZeroDuration {
            text: text.trim().to_string(),
        });
    }
    Ok(d)
}

/// `100`, `1.5`, `2.25`: at most two decimals, no trailing zeros.
fn trim_number(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// A rate for people: `100 Mbit/s`, `1.5 Gbit/s`, `94.12 Mbit/s`, `512 kbit/s`.
pub fn format_rate(bps: f64) -> String {
    let (v, u) = if bps >= 1e12 {
        (bps / 1e12, "Tbit/s")
    } else if bps >= 1e9 {
        (bps / 1e9, "Gbit/s")
    } else if bps >= 1e6 {
        (bps / 1e6, "Mbit/s")
    } else if bps >= 1e3 {
        (bps / 1e3, "kbit/s")
    } else {
        (bps, "bit/s")
    };
    format!("{} {u}", trim_number(v))
}

/// A duration as it would be written in a playbook: `5s`, `1.5s`, `250ms`, `2m`, `1h`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        "0s".to_string()
    } else if ms.is_multiple_of(3_600_000) {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else if ms < 1000 {
        format!("{ms}ms")
    } else {
        format!("{}s", trim_number(d.as_secs_f64()))
    }
}

/// Expand `${NAME}` references with `lookup` (usually the environment). An unset or
/// empty variable is an error naming it and `field`, never a value: secrets come this
/// way and must not leak into messages.
///
/// # Errors
/// [`UnitError::Unclosed`], [`UnitError::BadName`] or [`UnitError::Unset`].
pub fn expand(
    text: &str,
    field: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<String, UnitError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| UnitError::Unclosed {
            field: field.to_string(),
        })?;
        let name = &after[..end];
        let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(UnitError::BadName {
                field: field.to_string(),
                name: name.chars().take(40).collect(),
            });
        }
        let value = lookup(name)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| UnitError::Unset {
                field: field.to_string(),
                name: name.to_string(),
            })?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// [`expand`] from the process environment.
///
/// # Errors
/// As [`expand`].
pub fn expand_env(text: &str, field: &str) -> Result<String, UnitError> {
    expand(text, field, &|n| std::env::var(n).ok())
}

#[cfg(test)]
mod tests;
