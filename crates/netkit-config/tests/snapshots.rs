//! Every configuration of `inventories/acme.yaml`, static and OSPF, as snapshots
//! (`INSTA_UPDATE=always cargo test -p netkit-config` to accept changes after review).
//! The IOS files are only checked this way (no IOS here); FRR and Linux files are
//! also loaded by the real programs in `real_software.rs`.

mod common;

use netkit_config::{Secrets, Target, render_all};
use netkit_model::RoutingMode;

fn all(routing: RoutingMode, target: Target) -> String {
    let plan = common::acme(routing);
    let files = render_all(&plan, target, &[], &Secrets::Hidden).unwrap();
    let mut s = String::new();
    for f in files {
        s.push_str(&format!("===== {}\n{}", f.name, f.contents));
    }
    s
}

#[test]
fn acme_static_frr() {
    insta::assert_snapshot!(all(RoutingMode::Static, Target::Frr));
}

#[test]
fn acme_static_ios() {
    insta::assert_snapshot!(all(RoutingMode::Static, Target::Ios));
}

#[test]
fn acme_static_linux() {
    insta::assert_snapshot!(all(RoutingMode::Static, Target::Linux));
}

#[test]
fn acme_ospf_frr() {
    insta::assert_snapshot!(all(RoutingMode::Ospf, Target::Frr));
}

#[test]
fn acme_ospf_ios() {
    insta::assert_snapshot!(all(RoutingMode::Ospf, Target::Ios));
}

#[test]
fn acme_ospf_linux() {
    insta::assert_snapshot!(all(RoutingMode::Ospf, Target::Linux));
}
