//! Benchmark: walk the ifTable of a namespace with 500 interfaces (250 veth
//! pairs), netkit's client against net-snmp's `snmpbulkwalk`, same agent, same
//! run, same max-repetitions, alternating. Needs root.
//!
//! `cargo bench -p netkit-snmp --bench walk` (env `NETKIT_BENCH_ROUNDS`, default 10).

#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use netkit_snmp::client::{Client, Target, WalkLimits};
use netkit_snmp::{Credentials, Oid};
use support::*;

const PAIRS: usize = 250;
const REPS: u32 = 25;

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn snmpbulkwalk_once(ns: &str, args: &[&str], reps: u32) -> (Duration, usize) {
    let start = Instant::now();
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "snmpbulkwalk",
            "-On",
            &format!("-Cr{reps}"),
        ])
        .args(args)
        .args(["127.0.0.1", "1.3.6.1.2.1.2.2"])
        .env("MIBS", "")
        .stderr(Stdio::null())
        .output()
        .expect("snmpbulkwalk");
    let t = start.elapsed();
    let rows = String::from_utf8_lossy(&out.stdout).lines().count();
    (t, rows)
}

fn main() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("walk bench skipped: it needs root (network namespaces)");
        return;
    }
    let rounds: usize = std::env::var("NETKIT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
        .max(1);
    let ns = Netns::new();
    let batch: String = (0..PAIRS)
        .map(|i| format!("link add b{i} type veth peer name c{i}\n"))
        .collect();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), batch).unwrap();
    ns.ip(&["-batch", &file.path().display().to_string()]);
    // The agent keeps its default caches: with ifTable's cache off, net-snmp
    // reloads 500 interfaces for every request and both tools wait ~15 s on it.
    let agent = Snmpd::start_with(&ns, false);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let root: Oid = "1.3.6.1.2.1.2.2".parse().unwrap();
    let v3args = [
        "-v3", "-l", "authPriv", "-u", V3_USER, "-a", "SHA", "-A", V3_AUTH, "-x", "AES", "-X",
        V3_PRIV,
    ];
    let v2args = ["-v2c", "-c", COMMUNITY];
    println!(
        "ifTable walk, {} interfaces, max-repetitions {REPS}, {rounds} rounds (median)",
        2 * PAIRS + 1
    );
    for (label, creds, args) in [
        ("v2c", v2c(), &v2args[..]),
        ("v3 authPriv SHA/AES", v3_sha(), &v3args[..]),
    ] {
        let mut ours = Vec::new();
        let mut ours_warm = Vec::new();
        let mut theirs = Vec::new();
        let mut rows = (0, 0);
        // Warm the agent's cache once so that neither side pays for it alone.
        let _ = snmpbulkwalk_once(&ns.name, args, REPS);
        for _ in 0..rounds {
            let (t, n) = rt.block_on(async {
                let start = Instant::now();
                let target = Target {
                    max_repetitions: REPS,
                    ..Target::new(agent.addr(), creds.clone()).in_namespace(Some(ns.name.clone()))
                };
                let mut c = Client::connect(target).await.unwrap();
                let rows = c.walk(&root, WalkLimits::default()).await.unwrap();
                let cold = start.elapsed();
                // Same session again: what a long-running verify pays per walk.
                let start = Instant::now();
                let again = c.walk(&root, WalkLimits::default()).await.unwrap();
                ours_warm.push(start.elapsed());
                assert_eq!(again.len(), rows.len());
                (cold, rows.len())
            });
            ours.push(t);
            let (t2, n2) = snmpbulkwalk_once(&ns.name, args, REPS);
            theirs.push(t2);
            rows = (n, n2);
        }
        let (o, w, t) = (
            median(&mut ours),
            median(&mut ours_warm),
            median(&mut theirs),
        );
        println!(
            "{label}: netkit {:.1} ms (new session; {:.1} ms reusing it), snmpbulkwalk {:.1} ms (process included); rows {} vs {}; ratio netkit/snmpbulkwalk {:.2}",
            o.as_secs_f64() * 1e3,
            w.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e3,
            rows.0,
            rows.1,
            o.as_secs_f64() / t.as_secs_f64()
        );
        let _ = Credentials::version_label(&creds);
    }
    // Out of the box: netkit's default max-repetitions (25) against
    // snmpbulkwalk's (10), v2c.
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..rounds {
        ours.push(rt.block_on(async {
            let start = Instant::now();
            let target = Target::new(agent.addr(), v2c()).in_namespace(Some(ns.name.clone()));
            let mut c = Client::connect(target).await.unwrap();
            c.walk(&root, WalkLimits::default()).await.unwrap();
            start.elapsed()
        }));
        theirs.push(snmpbulkwalk_once(&ns.name, &v2args, 10).0);
    }
    let (o, t) = (median(&mut ours), median(&mut theirs));
    println!(
        "v2c, each tool's defaults (netkit 25, snmpbulkwalk 10 repetitions): netkit {:.1} ms, snmpbulkwalk {:.1} ms; ratio {:.2}",
        o.as_secs_f64() * 1e3,
        t.as_secs_f64() * 1e3,
        o.as_secs_f64() / t.as_secs_f64()
    );
    drop(agent);
}
