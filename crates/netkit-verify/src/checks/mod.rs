//! One module per check kind. Adding a kind is a local change: a module here with
//! `pub async fn run(ctx, spec) -> Vec<CheckResult>` (and optionally an `auto`
//! derivation), a variant in `playbook::Check`, and one line in [`run`].

pub mod bandwidth;
pub mod snmp;

use netkit_results::CheckResult;

use crate::context::CheckContext;
use crate::playbook::Check;

/// Run one check; always returns (each result has a verdict, `fail` and `error`
/// with a one-sentence reason).
pub async fn run(ctx: &CheckContext, check: &Check) -> Vec<CheckResult> {
    match check {
        Check::Bandwidth(c) => bandwidth::run(ctx, c).await,
        Check::Snmp(c) => snmp::run(ctx, c).await,
        other => vec![ctx.draft(other.kind(), None, None).error(format!(
            "{} checks are not available in this build yet",
            other.kind()
        ))],
    }
}
