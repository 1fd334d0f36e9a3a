//! The `latency` check on the real acme lab: `playbooks/acme-niveaux-de-service.yaml`
//! passes on the lab as built; with half of lyon.r1's forwarded ICMP dropped by
//! nftables, exactly lyon's latency checks fail, on loss, with the figures measured;
//! marseille's still pass. Unique lab name, torn down by a guard. Needs root
//! (skipped with a note when not root, never in CI).

mod support;
#[allow(unused_imports)]
use support::*;

use std::path::{Path, PathBuf};
use std::process::Command;

use netkit_results::{Results, Verdict};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".")
}

/// The lab and the guard that tears it down (also when a check fails).
struct Lab {
    name: String,
    _guard: LabGuard,
}

impl Lab {
    fn up() -> Lab {
        let guard = lab_up(&root().join("inventories/acme.yaml"), "nkl", &[]);
        Lab {
            name: guard.name.clone(),
            _guard: guard,
        }
    }

    fn verify(&self) -> Results {
        let out = netkit()
            .arg("verify")
            .arg(root().join("playbooks/acme-niveaux-de-service.yaml"))
            .args([
                "--lab",
                &self.name,
                "--format",
                "json",
                "--skip",
                "bandwidth",
            ])
            .output()
            .expect("verify");
        Results::from_json(&String::from_utf8_lossy(&out.stdout)).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
        })
    }
}

#[test]
fn latency_checks_on_the_acme_lab() {
    if !can_run_lab("latency_lab") {
        return;
    }
    let lab = Lab::up();
    let r = lab.verify();
    let lat: Vec<_> = r.results.iter().filter(|x| x.check == "latency").collect();
    assert_eq!(lat.len(), 3, "{:?}", r.results);
    for x in &lat {
        assert_eq!(x.verdict, Verdict::Pass, "{x:?}");
        assert_eq!(x.measured["sent"], 20);
        assert_eq!(x.measured["received"], 20);
        assert!(x.measured["rtt_avg_ms"].as_f64().is_some_and(|v| v < 50.0));
        assert!(x.measured["jitter_ms"].as_f64().is_some());
    }
    // Half of what lyon.r1 forwards as ICMP is dropped (nft, random).
    let ns = format!("{}.lyon.r1", lab.name);
    let st = Command::new("ip")
        .args([
            "netns", "exec", &ns, "nft", "add", "rule", "inet", "netkit", "forward",
        ])
        .args([
            "ip", "protocol", "icmp", "numgen", "random", "mod", "2", "==", "0", "drop",
        ])
        .status()
        .expect("nft");
    assert!(st.success());
    let r = lab.verify();
    for x in r.results.iter().filter(|x| x.check == "latency") {
        let lyon = x.from.as_deref() == Some("lyon.users");
        if lyon {
            // 20 requests and their replies, each dropped with probability 1/2
            // on the way: no loss at all has a chance below 0.25^20.
            assert_eq!(x.verdict, Verdict::Fail, "{x:?}");
            let reason = x.reason.as_deref().unwrap_or_default();
            assert!(reason.contains("above the maximum of 1%"), "{reason}");
            assert!(x.measured["loss_pct"].as_f64().is_some_and(|l| l > 1.0));
        } else {
            assert_eq!(x.verdict, Verdict::Pass, "{x:?}");
        }
    }
}
