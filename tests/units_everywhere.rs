//! One rule for one thing: the same table of rate and duration inputs gives the same
//! value, or the same error message, from a topology (`links: bandwidth`), a playbook
//! (`bandwidth: min`, `duration`) and the command line (`netkit bandwidth --min`,
//! `netkit verify --probe-timeout`). The grammar is netkit-units'.

use std::path::Path;
use std::process::{Command, Output};

fn netkit() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("netkit"))
}

/// (input, bits per second or the start of the one error message)
const RATES: &[(&str, Result<u64, &str>)] = &[
    ("90Mbps", Ok(90_000_000)),
    ("90mbps", Ok(90_000_000)),
    ("100mbps", Ok(100_000_000)),
    ("10M", Ok(10_000_000)),
    ("90 Mbit/s", Ok(90_000_000)),
    ("1.5Gbps", Ok(1_500_000_000)),
    ("1,5Gbps", Ok(1_500_000_000)),
    ("512kbps", Ok(512_000)),
    ("2000000", Ok(2_000_000)),
    (
        "90MBps",
        Err(
            "`90MBps` is bytes per second, and netkit reads rates in bits per second: write 720Mbps",
        ),
    ),
    (
        "fast",
        Err("`fast` is not a bandwidth (a rate in bits per second)"),
    ),
    ("10 parsecs", Err("`10 parsecs` is not a bandwidth")),
    ("0Mbps", Err("`0Mbps` is out of range")),
];

/// (input, milliseconds or the start of the one error message), for durations that
/// must be longer than zero.
const DURATIONS: &[(&str, Result<u64, &str>)] = &[
    ("5s", Ok(5000)),
    ("500ms", Ok(500)),
    ("1.5s", Ok(1500)),
    ("2m", Ok(120_000)),
    ("2min", Ok(120_000)),
    ("3", Ok(3000)),
    (
        "soon",
        Err("`soon` is not a duration: write a number and a unit"),
    ),
    ("5 sec", Err("`5 sec` is not a duration")),
    ("25h", Err("`25h` is not a duration")),
    ("0s", Err("`0s` is not a duration longer than zero")),
];

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn topology(dir: &Path, bandwidth: &str) -> std::path::PathBuf {
    let t = format!(
        "name: units\naddressing: {{ ipv4: 10.0.0.0/8 }}\nsites:\n  a:\n    devices: {{ r1: {{ kind: router }} }}\n    segments: {{ users: {{ vlan: 10, hosts: 10 }} }}\n  b:\n    devices: {{ r1: {{ kind: router }} }}\n    segments: {{ users: {{ vlan: 10, hosts: 10 }} }}\nlinks:\n  - {{ a: a.r1, b: b.r1, bandwidth: \"{bandwidth}\" }}\n"
    );
    let p = dir.join("units.yaml");
    std::fs::write(&p, t).unwrap();
    p
}

fn playbook(dir: &Path, min: &str, duration: &str) -> (std::path::PathBuf, String) {
    topology(dir, "100Mbps");
    let text = format!(
        "name: units\ntopology: units.yaml\ntarget: live\nchecks:\n  - bandwidth: {{ from: a.r1, to: b.r1, min: \"{min}\", duration: \"{duration}\" }}\n"
    );
    let p = dir.join("pb.yaml");
    std::fs::write(&p, &text).unwrap();
    (p, text)
}

#[test]
fn rates_are_one_rule_in_topology_playbook_and_cli() {
    let dir = tempfile::tempdir().unwrap();
    for (input, want) in RATES {
        // Topology: the plan's bandwidth_bps, or a located error.
        let topo = topology(dir.path(), input);
        let out = netkit()
            .args(["plan", "--format", "json"])
            .arg(&topo)
            .output()
            .unwrap();
        match want {
            Ok(bps) => {
                assert_eq!(out.status.code(), Some(0), "{input}: {}", stderr(&out));
                let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert_eq!(plan["links"][0]["bandwidth_bps"], *bps, "{input}");
            }
            Err(msg) => {
                assert_eq!(out.status.code(), Some(2), "{input}");
                assert!(
                    stderr(&out).contains("units.yaml:11:"),
                    "{input}: {}",
                    stderr(&out)
                );
                assert!(stderr(&out).contains(msg), "{input}: {}", stderr(&out));
            }
        }

        // Playbook: the parsed min_bps, or the same message, located.
        let (pb, text) = playbook(dir.path(), input, "5s");
        let parsed = netkit_verify::playbook::parse(&pb, &text);
        match (want, parsed) {
            (Ok(bps), Ok(p)) => match &p.checks[0].check {
                netkit_verify::Check::Bandwidth(b) => assert_eq!(b.min_bps, *bps, "{input}"),
                other => panic!("{other:?}"),
            },
            (Err(msg), Err(errors)) => {
                let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                assert!(
                    all.iter()
                        .any(|e| e.contains(msg) && e.contains("pb.yaml:5:")),
                    "{input}: {all:?}"
                );
            }
            (w, p) => panic!("{input}: wanted {w:?}, playbook gave {:?}", p.map(|_| ())),
        }

        // Command line: accepted (the run then fails to connect to a closed port on
        // 127.0.0.1), or refused with the same message.
        let out = netkit()
            .args([
                "bandwidth",
                "127.0.0.1:9",
                "--connect-timeout",
                "200ms",
                "--min",
                input,
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{input}");
        match want {
            Ok(_) => assert!(!stderr(&out).contains("--min"), "{input}: {}", stderr(&out)),
            Err(msg) => {
                assert!(stderr(&out).contains("--min"), "{input}: {}", stderr(&out));
                assert!(stderr(&out).contains(msg), "{input}: {}", stderr(&out));
            }
        }
    }
}

#[test]
fn durations_are_one_rule_in_playbook_and_cli() {
    let dir = tempfile::tempdir().unwrap();
    let acme = Path::new(env!("CARGO_MANIFEST_DIR")).join("inventories/acme.yaml");
    for (input, want) in DURATIONS {
        let (pb, text) = playbook(dir.path(), "90Mbps", input);
        let parsed = netkit_verify::playbook::parse(&pb, &text);
        match (want, parsed) {
            (Ok(ms), Ok(p)) => match &p.checks[0].check {
                netkit_verify::Check::Bandwidth(b) => {
                    assert_eq!(b.duration.as_millis() as u64, *ms, "{input}")
                }
                other => panic!("{other:?}"),
            },
            (Err(msg), Err(errors)) => {
                let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                assert!(
                    all.iter()
                        .any(|e| e.contains(msg) && e.contains("pb.yaml:5:")),
                    "{input}: {all:?}"
                );
            }
            (w, p) => panic!("{input}: wanted {w:?}, playbook gave {:?}", p.map(|_| ())),
        }

        // `netkit verify --probe-timeout` (a live run whose checks need agents: exit 1
        // once the value is accepted) and `netkit bandwidth --duration`.
        let out = netkit()
            .arg("verify")
            .arg(&acme)
            .args([
                "--auto",
                "--target",
                "live",
                "--only",
                "dns",
                "--probe-timeout",
                input,
            ])
            .output()
            .unwrap();
        let bw = netkit()
            .args([
                "bandwidth",
                "127.0.0.1:9",
                "--connect-timeout",
                "200ms",
                "--duration",
                input,
            ])
            .output()
            .unwrap();
        match want {
            Ok(_) => {
                assert_eq!(out.status.code(), Some(1), "{input}: {}", stderr(&out));
                assert!(
                    !stderr(&bw).contains("--duration"),
                    "{input}: {}",
                    stderr(&bw)
                );
            }
            Err(msg) => {
                assert_eq!(out.status.code(), Some(2), "{input}");
                assert!(stderr(&out).contains(msg), "{input}: {}", stderr(&out));
                assert_eq!(bw.status.code(), Some(2), "{input}");
                assert!(stderr(&bw).contains(msg), "{input}: {}", stderr(&bw));
            }
        }
    }
}
