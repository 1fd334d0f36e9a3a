//! Text from outside never acts on a terminal, and an SNMPv3 impostor never
//! makes `netkit snmp` print a result: end to end through the `netkit` binary.

#[path = "../crates/netkit-snmp/tests/support/fake_v3.rs"]
mod fake_v3;

use std::process::{Command, Output};

use fake_v3::{AUTH_PASSWORD, FORGED, FakeV3, Mode, PRIV_PASSWORD, USER};

/// Control and bidirectional characters that must never be printed raw.
/// (A CR is allowed only as the CR of a CSV's CRLF.)
const RAW: [char; 5] = ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}', '\u{2066}'];

fn netkit(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netkit"));
    c.args(args);
    for k in [
        "NETKIT_SNMP_COMMUNITY",
        "NETKIT_SNMP_VERSION",
        "NETKIT_SNMP_USER",
        "NETKIT_SNMP_AUTH_PASSWORD",
        "NETKIT_SNMP_PRIV_PASSWORD",
        "NETKIT_SNMP_AUTH_PROTOCOL",
        "NETKIT_SNMP_PRIV_PROTOCOL",
    ] {
        c.env_remove(k);
    }
    c.envs(env.iter().copied());
    c.output().unwrap()
}

fn assert_clean(label: &str, text: &str) {
    for c in RAW {
        assert!(!text.contains(c), "{label}: raw {c:?} in output:\n{text:?}");
    }
    assert!(
        !text.replace("\r\n", "\n").contains('\r'),
        "{label}: a bare CR in output:\n{text:?}"
    );
}

const HOSTILE_LOCATION: &str = "Paris\u{1b}[2J\u{1b}]0;owned\u{7}\u{202e}txt.exe\u{9b}31m\u{2066}";

fn hostile_topology(dir: &std::path::Path) -> std::path::PathBuf {
    let p = dir.join("hostile.yaml");
    let yaml = format!(
        "name: hostile\naddressing: {{ ipv4: 10.0.0.0/8 }}\nsites:\n  hq:\n    location: \"{}\"\n    devices: {{ r1: {{ kind: router }} }}\n    segments: {{ users: {{ vlan: 10, hosts: 10 }} }}\n",
        HOSTILE_LOCATION
            .replace('\u{1b}', "\\e")
            .replace('\u{7}', "\\a")
            .replace('\u{202e}', "\\u202E")
            .replace('\u{9b}', "\\x9b")
            .replace('\u{2066}', "\\u2066")
    );
    std::fs::write(&p, yaml).unwrap();
    p
}

#[test]
fn plan_output_escapes_a_hostile_location_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let topo = hostile_topology(dir.path());
    let t = topo.to_str().unwrap();
    for format in ["table", "md", "csv", "json"] {
        let out = netkit(&["plan", t, "--format", format], &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{format}: {stderr}");
        assert_clean(format, &stdout);
        assert_clean(format, &stderr);
        if format == "json" {
            // Still the same JSON, the location intact once decoded.
            let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(v["sites"][0]["location"], HOSTILE_LOCATION, "{stdout}");
        } else if format != "csv" {
            assert!(stdout.contains("\\u{1b}"), "{format}: {stdout}");
        }
    }
}

#[test]
fn diagnostics_escape_the_source_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.yaml");
    std::fs::write(
        &p,
        "name: x\u{1b}[31m\u{202e}\naddressing: { ipv4: 10.0.0.0/8 }\nsites: { \u{1b}]0;t\u{7}: {} }\n",
    )
    .unwrap();
    let out = netkit(&["validate", p.to_str().unwrap()], &[]);
    assert_ne!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.is_empty());
    assert_clean("validate", &stderr);
}

/// `netkit snmp --version 3` against agents that answer without the keys, or with
/// a wrong MAC, or outside the time window: exit 2, a clear error, no forged result.
#[test]
fn snmp_v3_impostors_make_the_cli_fail() {
    let env = [
        ("NETKIT_SNMP_USER", USER),
        ("NETKIT_SNMP_AUTH_PASSWORD", AUTH_PASSWORD),
        ("NETKIT_SNMP_PRIV_PASSWORD", PRIV_PASSWORD),
    ];
    let run = |agent: &FakeV3| {
        let addr = agent.addr.to_string();
        netkit(
            &[
                "snmp",
                &addr,
                "--version",
                "3",
                "--walk",
                "1.3.6.1.2.1.1.1.0",
                "--timeout-ms",
                "300",
                "--retries",
                "0",
            ],
            &env,
        )
    };
    // The control: the honest fake is read.
    let honest = FakeV3::start(Mode::Honest);
    let out = run(&honest);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains(FORGED), "{stdout}");
    for (mode, needle) in [
        (Mode::NoAuth, "security level"),
        (Mode::PlainToAuthPriv, "security level"),
        (Mode::BadMac, "authentication code"),
        (Mode::OutsideWindow, "time window"),
    ] {
        let agent = FakeV3::start(mode);
        let out = run(&agent);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{mode:?}: {stdout} {stderr}");
        assert!(!stdout.contains(FORGED), "{mode:?}: {stdout}");
        assert!(stderr.contains(needle), "{mode:?}: {stderr}");
        for secret in [AUTH_PASSWORD, PRIV_PASSWORD] {
            assert!(!stderr.contains(secret) && !stdout.contains(secret));
        }
    }
}

/// What an SNMP agent says (here a v3 agent's sysDescr with escape sequences and a
/// line break) is printed escaped: no terminal control, no fake line.
#[test]
fn snmp_values_are_escaped() {
    let agent = FakeV3::start(Mode::HostileText);
    let addr = agent.addr.to_string();
    let out = netkit(
        &[
            "snmp",
            &addr,
            "--version",
            "3",
            "--walk",
            "1.3.6.1.2.1.1.1.0",
            "--timeout-ms",
            "300",
            "--retries",
            "0",
        ],
        &[
            ("NETKIT_SNMP_USER", USER),
            ("NETKIT_SNMP_AUTH_PASSWORD", AUTH_PASSWORD),
            ("NETKIT_SNMP_PRIV_PASSWORD", PRIV_PASSWORD),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    // Not printable as text: shown as hex bytes, like net-snmp does.
    assert!(stdout.contains("4c:69:6e:75:78:1b"), "{stdout}");
    assert_clean("snmp", &stdout);
    // The device view (system table) prints sysDescr as text: escaped.
    let out = netkit(
        &[
            "snmp",
            &addr,
            "--version",
            "3",
            "--timeout-ms",
            "300",
            "--retries",
            "0",
        ],
        &[
            ("NETKIT_SNMP_USER", USER),
            ("NETKIT_SNMP_AUTH_PASSWORD", AUTH_PASSWORD),
            ("NETKIT_SNMP_PRIV_PASSWORD", PRIV_PASSWORD),
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Linux\\u{1b}[2J"), "{stdout}");
    assert_clean("snmp device", &stdout);
}
