//! The addressing planner through its public API: SPEC's example by hand, the
//! fixture folder, planner errors, `--keep` stability.

mod addressing_support;

use addressing_support::*;
use netkit_plan::plan;

#[test]
fn acme_by_hand() {
    let t = acme();
    let p = plan(&t, None).expect("acme plans");
    check_invariants(&t, &p);
    println!("{}", p.to_json());
}
