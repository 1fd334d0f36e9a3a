//! `latency`: the service level of a path in delay, jitter and loss. `count` ICMP
//! echo requests from the source to each target, one at a time; the round-trip times
//! of the replies give the average (and min/max), the jitter (mean difference between
//! consecutive round trips, as RFC 3550's interarrival jitter without smoothing) and
//! the loss (share of requests without a reply). Each figure is held against its
//! maximum: `latency: { from, to, max_rtt: 50ms, max_jitter: 10ms, max_loss: 1%, count: 20 }`.
//!
//! Same shape as the other checks (`run(ctx, from, to, spec) -> CheckResult`), so that
//! an agent can run it at a site.

use std::time::Duration;

use netkit_probe::ProbeSettings;
use netkit_results::CheckResult;
use serde_json::json;

use crate::context::CheckContext;
use crate::resolve::Endpoint;

/// Pause between two echo requests (a steady, light probe: 20 requests take about
/// half a second on a healthy link).
const GAP: Duration = Duration::from_millis(20);

/// Echo requests per target when the check does not say (`count:`).
pub const DEFAULT_COUNT: u32 = 20;

/// Most requests one check may send.
pub const MAX_COUNT: u32 = 1000;

/// The service level of the paths from `from` to each of `to`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatencyCheck {
    pub from: String,
    pub to: Vec<String>,
    /// Maximum average round-trip time, milliseconds.
    pub max_rtt_ms: Option<f64>,
    /// Maximum jitter, milliseconds.
    pub max_jitter_ms: Option<f64>,
    /// Maximum loss, percent.
    pub max_loss_pct: Option<f64>,
    /// Echo requests per target (default 20).
    pub count: u32,
}

// The limits are finite (`parse_ms`, `parse_percent`), so equality is total.
impl Eq for LatencyCheck {}

// The delays and shares of a latency check, in the grammar of netkit-units (the same
// as a topology link's `latency:`, `jitter:`, `loss:`).
pub use netkit_units::{parse_millis as parse_ms, parse_percent};

/// What is wrong with a latency check as written: `(message, hint)`.
pub fn problem(
    count: u32,
    no_target: bool,
    limits: [Option<f64>; 3],
) -> Option<(String, &'static str)> {
    if no_target {
        return Some((
            "`to` is an empty list".into(),
            "name at least one segment, named host, device or site",
        ));
    }
    if count == 0 || count > MAX_COUNT {
        return Some((
            format!("{count} echo requests is out of range"),
            "use `count:` from 1 to 1000",
        ));
    }
    if limits.iter().all(Option::is_none) {
        return Some((
            "a latency check without a maximum cannot fail".into(),
            "give at least one of `max_rtt: 50ms`, `max_jitter: 10ms`, `max_loss: 1%`",
        ));
    }
    None
}

/// The figures of a series of round trips (`None`: no reply).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub sent: u32,
    pub received: u32,
    pub loss_pct: f64,
    pub rtt_min_ms: Option<f64>,
    pub rtt_avg_ms: Option<f64>,
    pub rtt_max_ms: Option<f64>,
    pub jitter_ms: Option<f64>,
}

impl Series {
    pub fn of(rtts: &[Option<f64>]) -> Series {
        let got: Vec<f64> = rtts.iter().flatten().copied().collect();
        let sent = rtts.len() as u32;
        let received = got.len() as u32;
        let loss_pct = if sent == 0 {
            100.0
        } else {
            100.0 * f64::from(sent - received) / f64::from(sent)
        };
        let avg = (!got.is_empty()).then(|| got.iter().sum::<f64>() / got.len() as f64);
        let jitter = (got.len() >= 2).then(|| {
            got.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (got.len() - 1) as f64
        });
        Series {
            sent,
            received,
            loss_pct,
            rtt_min_ms: got.iter().copied().reduce(f64::min),
            rtt_avg_ms: avg,
            rtt_max_ms: got.iter().copied().reduce(f64::max),
            jitter_ms: jitter,
        }
    }

    /// The limits it exceeds, each as one sentence part.
    pub fn exceeded(&self, spec: &LatencyCheck) -> Vec<String> {
        let mut out = Vec::new();
        if let (Some(max), Some(avg)) = (spec.max_rtt_ms, self.rtt_avg_ms)
            && avg > max
        {
            out.push(format!(
                "average RTT {avg:.2} ms above the maximum of {max} ms"
            ));
        }
        if let (Some(max), Some(j)) = (spec.max_jitter_ms, self.jitter_ms)
            && j > max
        {
            out.push(format!("jitter {j:.2} ms above the maximum of {max} ms"));
        }
        if let Some(max) = spec.max_loss_pct
            && self.loss_pct > max
        {
            out.push(format!(
                "loss {:.1}% above the maximum of {max}%",
                self.loss_pct
            ));
        }
        out
    }
}

fn round(x: Option<f64>) -> Option<f64> {
    x.map(|v| (v * 1000.0).round() / 1000.0)
}

/// One source, one target.
pub async fn run(
    ctx: &CheckContext,
    from: &str,
    to: &Endpoint,
    spec: &LatencyCheck,
) -> CheckResult {
    let draft = ctx
        .draft("latency", Some(from), Some(&to.id))
        .target(to.address)
        .expected(json!({
            "max_rtt_ms": spec.max_rtt_ms,
            "max_jitter_ms": spec.max_jitter_ms,
            "max_loss_pct": spec.max_loss_pct,
            "count": spec.count,
        }));
    let source = match ctx.source(from) {
        Ok(s) => s,
        Err(reason) => return draft.error(reason),
    };
    let client = match ctx.icmp(&source, to.address.is_ipv6()).await {
        Ok(c) => c,
        Err(reason) => return draft.error(reason),
    };
    let one = ProbeSettings {
        timeout: ctx.probe.timeout,
        tries: 1,
    };
    // One echo first, not counted: the first packet of a path waits for neighbour
    // (ARP/NDP) resolution on every hop, which is not the path's delay.
    let _ = client.ping(to.address, one, &ctx.limiter).await;
    let mut rtts: Vec<Option<f64>> = Vec::with_capacity(spec.count as usize);
    for i in 0..spec.count.min(MAX_COUNT) {
        // Stop early rather than overrun the run's deadline.
        if ctx.budget(one.timeout + GAP) < one.timeout + GAP {
            break;
        }
        if i > 0 {
            tokio::time::sleep(GAP).await;
        }
        let fig = client.ping(to.address, one, &ctx.limiter).await;
        rtts.push(if fig.replied() { fig.rtt_ms } else { None });
    }
    let s = Series::of(&rtts);
    let measured = json!({
        "sent": s.sent,
        "received": s.received,
        "loss_pct": (s.loss_pct * 10.0).round() / 10.0,
        "rtt_min_ms": round(s.rtt_min_ms),
        "rtt_avg_ms": round(s.rtt_avg_ms),
        "rtt_max_ms": round(s.rtt_max_ms),
        "jitter_ms": round(s.jitter_ms),
    });
    let who = ctx.describe(to.address);
    if s.sent == 0 {
        return draft.error_with(
            measured,
            "not enough time left before the run's deadline for a latency test",
        );
    }
    if s.received == 0 {
        return draft.fail(
            measured,
            format!(
                "no reply from {who} to {} echo requests from {from}",
                s.sent
            ),
        );
    }
    let over = s.exceeded(spec);
    if over.is_empty() {
        draft.pass(measured)
    } else {
        draft.fail(measured, format!("{from} -> {who}: {}", over.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> LatencyCheck {
        LatencyCheck {
            from: "a".into(),
            to: vec!["b".into()],
            max_rtt_ms: Some(50.0),
            max_jitter_ms: Some(10.0),
            max_loss_pct: Some(1.0),
            count: 4,
        }
    }

    #[test]
    fn figures_of_a_series() {
        let s = Series::of(&[Some(10.0), Some(14.0), None, Some(12.0)]);
        assert_eq!((s.sent, s.received), (4, 3));
        assert_eq!(s.loss_pct, 25.0);
        assert_eq!(s.rtt_avg_ms, Some(12.0));
        assert_eq!((s.rtt_min_ms, s.rtt_max_ms), (Some(10.0), Some(14.0)));
        assert_eq!(s.jitter_ms, Some(3.0));
        let over = s.exceeded(&spec());
        assert_eq!(over, vec!["loss 25.0% above the maximum of 1%".to_string()]);
    }

    #[test]
    fn every_limit_can_fail() {
        let s = Series::of(&[Some(40.0), Some(80.0), Some(40.0), Some(80.0)]);
        let over = s.exceeded(&spec());
        assert_eq!(over.len(), 2, "{over:?}");
        assert!(over[0].starts_with("average RTT 60.00 ms"));
        assert!(over[1].starts_with("jitter 40.00 ms"));
        assert!(Series::of(&[Some(1.0); 4]).exceeded(&spec()).is_empty());
    }

    #[test]
    fn limits_parse_and_are_required() {
        assert_eq!(parse_ms("50ms"), Some(50.0));
        assert_eq!(parse_ms("0.5 ms"), Some(0.5));
        assert_eq!(parse_ms("1s"), Some(1000.0));
        assert_eq!(parse_ms("-1ms"), None);
        assert_eq!(parse_ms("fast"), None);
        assert_eq!(parse_percent("1%"), Some(1.0));
        assert_eq!(parse_percent("101%"), None);
        assert!(problem(20, false, [None, None, None]).is_some());
        assert!(problem(0, false, [Some(1.0), None, None]).is_some());
        assert!(problem(5000, false, [Some(1.0), None, None]).is_some());
        assert!(problem(20, true, [Some(1.0), None, None]).is_some());
        assert!(problem(20, false, [None, None, Some(1.0)]).is_none());
    }
}
