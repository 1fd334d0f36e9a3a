//! `netkit verify --compare PREVIOUS.json`: what changed since an earlier run of the
//! same checks.
//!
//! A result of this run is matched to one of the previous run by the identity of its
//! check, never by its position (a playbook that gains a check in the middle must not
//! shift every comparison after it). The identity is the kind of check, its source
//! (`from`), what it is about (`to`: a node, a DNS name, an SNMP expectation), the
//! address or name probed (`target`) and, for a TCP check, the port. A result whose
//! target is missing on one side (a check that could not resolve its target, say) is
//! matched on the rest of its identity in a second pass. Two results with the same
//! identity (the same check written twice) are paired in order.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::{CheckResult, Results, Verdict};

/// How one result compares with the previous run (field `change`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Passed before, fails (or could not run) now.
    NewFailure,
    /// Failed (or could not run) before, passes now.
    Fixed,
    /// Failed (or could not run) before and now.
    StillFailing,
    /// Passed before and now.
    Unchanged,
    /// Not in the previous run.
    New,
}

impl Change {
    pub const ALL: [Change; 5] = [
        Change::NewFailure,
        Change::Fixed,
        Change::New,
        Change::StillFailing,
        Change::Unchanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Change::NewFailure => "new-failure",
            Change::Fixed => "fixed",
            Change::StillFailing => "still-failing",
            Change::Unchanged => "unchanged",
            Change::New => "new",
        }
    }

    /// The order a report lists results in: what changed first (new failures, then
    /// fixes, then new checks), then what did not.
    pub fn rank(self) -> u8 {
        match self {
            Change::NewFailure => 0,
            Change::Fixed => 1,
            Change::New => 2,
            Change::StillFailing => 3,
            Change::Unchanged => 4,
        }
    }

    /// Whether the result differs from the previous run.
    pub fn is_change(self) -> bool {
        matches!(self, Change::NewFailure | Change::Fixed | Change::New)
    }

    fn between(before: Verdict, now: Verdict) -> Change {
        match (before == Verdict::Pass, now == Verdict::Pass) {
            (true, true) => Change::Unchanged,
            (true, false) => Change::NewFailure,
            (false, true) => Change::Fixed,
            (false, false) => Change::StillFailing,
        }
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What [`mark`] found, for the summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// How many results got each change, in [`Change::ALL`] order.
    pub counts: [usize; 5],
    /// Results of the previous run that this run no longer has (a check removed from
    /// the playbook, a segment removed from the topology).
    pub gone: usize,
}

impl Comparison {
    pub fn count(&self, c: Change) -> usize {
        let i = Change::ALL.iter().position(|x| *x == c).unwrap_or(0);
        self.counts[i]
    }

    /// `2 new failures, 1 fixed, 0 new, 3 still failing, 40 unchanged` (and how many
    /// checks of the previous run are gone, when some are).
    pub fn summary(&self) -> String {
        let n = |c| self.count(c);
        let mut s = format!(
            "{} new failure{}, {} fixed, {} new, {} still failing, {} unchanged",
            n(Change::NewFailure),
            if n(Change::NewFailure) == 1 { "" } else { "s" },
            n(Change::Fixed),
            n(Change::New),
            n(Change::StillFailing),
            n(Change::Unchanged)
        );
        if self.gone > 0 {
            s.push_str(&format!(
                ", {} check{} of the previous run not run this time",
                self.gone,
                if self.gone == 1 { "" } else { "s" }
            ));
        }
        s
    }
}

type Key = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<u64>,
);

fn key(r: &CheckResult, with_target: bool) -> Key {
    let port = r
        .expected
        .get("port")
        .and_then(|p| p.as_u64())
        .filter(|_| r.check == "tcp");
    (
        r.check.clone(),
        r.from.clone(),
        r.to.clone(),
        if with_target { r.target.clone() } else { None },
        port,
    )
}

/// Set `change` on every result of `current` against `previous`.
pub fn mark(current: &mut Results, previous: &Results) -> Comparison {
    let mut used = vec![false; previous.results.len()];
    let mut found: Vec<Option<Verdict>> = vec![None; current.results.len()];
    for with_target in [true, false] {
        let mut index: HashMap<Key, VecDeque<usize>> = HashMap::new();
        for (i, r) in previous.results.iter().enumerate() {
            if !used[i] {
                index.entry(key(r, with_target)).or_default().push_back(i);
            }
        }
        for (j, r) in current.results.iter().enumerate() {
            if found[j].is_some() {
                continue;
            }
            if let Some(i) = index
                .get_mut(&key(r, with_target))
                .and_then(VecDeque::pop_front)
            {
                used[i] = true;
                found[j] = Some(previous.results[i].verdict);
            }
        }
    }
    let mut cmp = Comparison {
        gone: used.iter().filter(|u| !**u).count(),
        ..Comparison::default()
    };
    for (r, before) in current.results.iter_mut().zip(found) {
        let change = match before {
            Some(b) => Change::between(b, r.verdict),
            None => Change::New,
        };
        if let Some(i) = Change::ALL.iter().position(|x| *x == change) {
            cmp.counts[i] += 1;
        }
        r.change = Some(change);
    }
    cmp
}

/// Indices of `results` in report order: what changed first ([`Change::rank`]), and
/// the playbook's order within each group. Results without a change keep their place.
pub fn report_order(results: &[CheckResult]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..results.len()).collect();
    order.sort_by_key(|&i| results[i].change.map(Change::rank).unwrap_or(u8::MAX));
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn r(check: &str, from: &str, to: &str, target: Option<&str>, v: Verdict) -> CheckResult {
        CheckResult {
            check: check.into(),
            from: Some(from.into()),
            to: Some(to.into()),
            target: target.map(Into::into),
            verdict: v,
            expected: json!({}),
            measured: json!({}),
            reason: None,
            start: String::new(),
            end: String::new(),
            site: None,
            agent: None,
            change: None,
        }
    }

    fn results(rs: Vec<CheckResult>) -> Results {
        Results {
            format: crate::RESULTS_FORMAT.into(),
            playbook: "p".into(),
            target: "lab".into(),
            started: String::new(),
            finished: String::new(),
            topology: None,
            lab: None,
            technician: None,
            requester: None,
            deadline: None,
            results: rs,
        }
    }

    #[test]
    fn every_change_by_identity_not_position() {
        use Verdict::*;
        let prev = results(vec![
            r("reach", "a", "b", Some("10.0.0.1"), Pass),
            r("reach", "a", "c", Some("10.0.0.2"), Fail),
            r("reach", "a", "d", Some("10.0.0.3"), Error),
            r("reach", "a", "e", Some("10.0.0.4"), Pass),
            r("dns", "a", "x.lan", Some("x.lan"), Pass),
        ]);
        // Reordered, one added, one removed.
        let mut now = results(vec![
            r("reach", "a", "new", Some("10.0.0.9"), Fail),
            r("reach", "a", "e", Some("10.0.0.4"), Pass),
            r("reach", "a", "d", Some("10.0.0.3"), Fail),
            r("reach", "a", "c", Some("10.0.0.2"), Pass),
            r("reach", "a", "b", Some("10.0.0.1"), Error),
        ]);
        let cmp = mark(&mut now, &prev);
        let changes: Vec<_> = now.results.iter().map(|r| r.change.unwrap()).collect();
        assert_eq!(
            changes,
            [
                Change::New,
                Change::Unchanged,
                Change::StillFailing,
                Change::Fixed,
                Change::NewFailure
            ]
        );
        assert_eq!(cmp.gone, 1);
        assert_eq!(cmp.count(Change::New), 1);
        assert_eq!(
            cmp.summary(),
            "1 new failure, 1 fixed, 1 new, 1 still failing, 1 unchanged, 1 check of the previous run not run this time"
        );
        let order: Vec<_> = report_order(&now.results)
            .into_iter()
            .map(|i| now.results[i].change.unwrap())
            .collect();
        assert_eq!(
            order,
            [
                Change::NewFailure,
                Change::Fixed,
                Change::New,
                Change::StillFailing,
                Change::Unchanged
            ]
        );
    }

    #[test]
    fn tcp_port_is_part_of_the_identity_and_missing_target_still_matches() {
        use Verdict::*;
        let mut t445 = r("tcp", "a", "h", None, Pass);
        t445.expected = json!({ "port": 445, "open": true });
        let mut t80 = r("tcp", "a", "h", None, Fail);
        t80.expected = json!({ "port": 80, "open": true });
        let prev = results(vec![t445.clone(), t80.clone()]);
        let mut now_80 = t80.clone();
        now_80.verdict = Pass;
        now_80.target = Some("10.0.0.5:80".into());
        let mut now = results(vec![now_80, t445]);
        mark(&mut now, &prev);
        assert_eq!(now.results[0].change, Some(Change::Fixed));
        assert_eq!(now.results[1].change, Some(Change::Unchanged));
    }

    #[test]
    fn duplicates_pair_in_order_and_json_carries_the_field() {
        use Verdict::*;
        let prev = results(vec![
            r("reach", "a", "b", Some("t"), Pass),
            r("reach", "a", "b", Some("t"), Fail),
        ]);
        let mut now = results(vec![
            r("reach", "a", "b", Some("t"), Pass),
            r("reach", "a", "b", Some("t"), Pass),
            r("reach", "a", "b", Some("t"), Pass),
        ]);
        let cmp = mark(&mut now, &prev);
        assert_eq!(now.results[0].change, Some(Change::Unchanged));
        assert_eq!(now.results[1].change, Some(Change::Fixed));
        assert_eq!(now.results[2].change, Some(Change::New));
        assert_eq!(cmp.gone, 0);
        let back = Results::from_json(&now.to_json()).unwrap();
        assert_eq!(back, now);
        assert!(now.to_json().contains("\"change\": \"fixed\""));
        // Without --compare there is no `change` field at all.
        assert!(!prev.to_json().contains("\"change\""));
    }
}
