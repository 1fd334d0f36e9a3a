//! `netkit snmp` end to end: a real snmpd in a namespace named like a lab node
//! (`LAB.t.r1`, so that `--lab LAB` finds it), a plan JSON with an `snmp`
//! section, reads in table and JSON, `--walk`, `--check` with drift, v3, a
//! community file, and a distinctive community that must never appear in any
//! output, error messages included.

mod support;
#[allow(unused_imports)]
use support::*;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const COMMUNITY: &str = "Zq7-distinctive-COMMUNITY-4471";
const USER: &str = "nkcliuser";
const AUTH: &str = "cliAuthPass-2201";
const PRIV: &str = "cliPrivPass-8830";

fn sh(args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The namespace `LAB.t.r1` with eth1/eth2, addresses and routes, deleted on drop.
struct Lab {
    lab: String,
    ns: String,
    snmpd: Option<std::process::Child>,
    dir: tempfile::TempDir,
}

impl Lab {
    fn new() -> Lab {
        let lab = unique_lab_name("nkc");
        let ns = format!("{lab}.t.r1");
        sh(&["ip", "netns", "add", &ns]);
        let l = Lab {
            lab,
            ns,
            snmpd: None,
            dir: tempfile::tempdir().unwrap(),
        };
        for cmd in [
            "link set lo up",
            "link add eth1 type veth peer name peer1",
            "link add eth2 type veth peer name peer2",
            "link set eth1 up",
            "link set peer1 up",
            "link set eth2 up",
            "link set peer2 up",
            "addr add 192.0.2.1/24 dev eth1",
            "addr add 198.51.100.1/25 dev eth2",
            "addr add 10.254.0.1/32 dev lo",
            "route add 203.0.113.0/24 via 192.0.2.2",
        ] {
            l.ip(cmd);
        }
        l
    }

    fn ip(&self, cmd: &str) {
        let mut args = vec!["ip", "-n", self.ns.as_str()];
        args.extend(cmd.split_whitespace());
        sh(&args);
    }

    fn start_snmpd(&mut self) {
        let conf = self.dir.path().join("snmpd.conf");
        std::fs::write(
            &conf,
            format!(
                "agentAddress udp:127.0.0.1:161\nrocommunity {COMMUNITY} 127.0.0.1\n\
                 rwcommunity nkcli-rw-cache 127.0.0.1 .1.3.6.1.4.1.8072.1.5\n\
                 createUser {USER} SHA {AUTH} AES {PRIV}\nrouser {USER} priv\n"
            ),
        )
        .unwrap();
        let child = Command::new("ip")
            .args(["netns", "exec", &self.ns, "snmpd", "-f", "-Lf"])
            .arg(self.dir.path().join("log"))
            .args(["-C", "-c"])
            .arg(&conf)
            .arg(format!("--persistentDir={}", self.dir.path().display()))
            .env("MIBS", "")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.snmpd = Some(child);
        let start = Instant::now();
        loop {
            let ok = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    &self.ns,
                    "snmpget",
                    "-v2c",
                    "-c",
                    COMMUNITY,
                    "-t",
                    "0.3",
                    "-r",
                    "0",
                    "127.0.0.1",
                    "1.3.6.1.2.1.1.3.0",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap()
                .success();
            if ok {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "snmpd did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // No caching: drift shows at once.
        for t in ["1.3.6.1.2.1.2.2", "1.3.6.1.2.1.4.34", "1.3.6.1.2.1.4.24.7"] {
            let _ = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    &self.ns,
                    "snmpset",
                    "-v2c",
                    "-c",
                    "nkcli-rw-cache",
                    "127.0.0.1",
                ])
                .arg(format!(".1.3.6.1.4.1.8072.1.5.3.1.2.{t}"))
                .args(["i", "0"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some(c) = &mut self.snmpd {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).status();
    }
}

fn write_plan(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("plan.json");
    std::fs::write(
        &p,
        r#"{
  "format": "netkit-plan/1", "name": "t",
  "pools": { "ipv4": "10.0.0.0/8", "wan": "192.0.2.0/24", "loopbacks": "10.254.0.0/24", "p2p_prefix": 31, "growth_percent": 0 },
  "sites": [],
  "devices": [ { "id": "t.r1", "kind": "router", "loopback": "10.254.0.1/32", "site": "t", "name": "r1",
    "interfaces": [
      { "name": "eth1", "address": "192.0.2.1/24", "link": 0, "segment": null, "peer": "t.r2" },
      { "name": "eth2", "address": "198.51.100.1/25", "link": null, "segment": "t.users" } ] } ],
  "links": [],
  "routes": { "t.r1": [
      { "destination": "192.0.2.0/24", "next_hop": null, "interface": "eth1", "metric": 0, "kind": "connected" },
      { "destination": "198.51.100.0/25", "next_hop": null, "interface": "eth2", "metric": 0, "kind": "connected" },
      { "destination": "203.0.113.0/24", "next_hop": "192.0.2.2", "interface": "eth1", "metric": 10, "kind": "static" } ] },
  "snmp": { "version": "2c", "community": "${NKT_CLI_COMMUNITY}" }
}"#,
    )
    .unwrap();
    p
}

fn netkit(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netkit"));
    c.args(args);
    for k in [
        "NETKIT_SNMP_COMMUNITY",
        "NETKIT_SNMP_VERSION",
        "NETKIT_SNMP_USER",
        "NKT_CLI_COMMUNITY",
    ] {
        c.env_remove(k);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// Assert no secret is in stdout or stderr, and return (code, stdout, stderr).
fn clean(o: Output) -> (i32, String, String) {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    for s in [COMMUNITY, AUTH, PRIV, "wrong-community-xyz-991"] {
        assert!(
            !out.contains(s) && !err.contains(s),
            "secret in output:\n{out}\n{err}"
        );
    }
    (o.status.code().unwrap_or(-1), out, err)
}

#[test]
fn no_answer_is_exit_2_without_the_secret() {
    let port = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap().port().to_string()
    };
    let start = Instant::now();
    let (code, _, err) = clean(netkit(
        &[
            "snmp",
            &format!("127.0.0.1:{port}"),
            "--timeout-ms",
            "150",
            "--retries",
            "1",
        ],
        &[("NETKIT_SNMP_COMMUNITY", COMMUNITY)],
    ));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no answer"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(3));
    let (code, _, err) = clean(netkit(&["snmp", "127.0.0.1", "--timeout-ms", "100"], &[]));
    assert_eq!(code, 2);
    assert!(err.contains("NETKIT_SNMP_COMMUNITY"), "{err}");
    let (code, _, err) = clean(netkit(&["snmp", "hq.r1"], &[]));
    assert_eq!(code, 2);
    assert!(err.contains("--topology"), "{err}");
}

#[test]
fn reads_walks_and_checks_a_device() {
    if !can_run_lab("snmp_cli") {
        return;
    }
    let mut lab = Lab::new();
    lab.start_snmpd();
    let plan = write_plan(lab.dir.path());
    let plan_s = plan.display().to_string();
    let env = [("NKT_CLI_COMMUNITY", COMMUNITY)];
    let base = [
        "snmp",
        "t.r1",
        "--topology",
        plan_s.as_str(),
        "--lab",
        lab.lab.as_str(),
    ];

    // Table and JSON reads.
    let (code, out, err) = clean(netkit(&base, &env));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("eth1") && out.contains("192.0.2.1/24") && out.contains("203.0.113.0/24"),
        "{out}"
    );
    let mut a = base.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, _) = clean(netkit(&a, &env));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["device"], "t.r1");
    assert!(
        v["interfaces"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["name"] == "eth2" && i["oper"] == "up")
    );
    assert!(
        v["routes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["destination"] == "203.0.113.0/24" && r["next_hop"] == "192.0.2.2")
    );

    // --walk, table and JSON, by name and by number.
    let mut a = base.to_vec();
    a.extend(["--walk", "ifXTable"]);
    let (code, out, _) = clean(netkit(&a, &env));
    assert_eq!(code, 0);
    assert!(
        out.contains(".1.3.6.1.2.1.31.1.1.1.1.") && out.contains("STRING: eth1"),
        "{out}"
    );
    let mut a = base.to_vec();
    a.extend(["--walk", "1.3.6.1.2.1.1.5.0", "--format", "json"]);
    let (code, out, _) = clean(netkit(&a, &env));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["rows"].as_array().unwrap().len(), 1, "{out}");

    // --check: clean, then drift (exit 1, one line), in table and JSON.
    let mut check = base.to_vec();
    check.push("--check");
    let (code, out, err) = clean(netkit(&check, &env));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("matches the plan"), "{out}");
    lab.ip("route del 203.0.113.0/24");
    let start = Instant::now();
    loop {
        let (code, out, _) = clean(netkit(&check, &env));
        if code == 1 {
            assert!(
                out.contains("1 difference(s)")
                    && out.contains("route to 203.0.113.0/24 is missing"),
                "{out}"
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "drift not seen: {out}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let mut cj = check.clone();
    cj.extend(["--format", "json"]);
    let (code, out, _) = clean(netkit(&cj, &env));
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["drift"]["differences"][0]["kind"], "route-missing",
        "{out}"
    );

    // SNMPv3 from the environment.
    let mut a = base.to_vec();
    a.extend(["--version", "3", "--walk", "sysName"]);
    let (code, out, err) = clean(netkit(
        &a,
        &[
            ("NETKIT_SNMP_USER", USER),
            ("NETKIT_SNMP_AUTH_PASSWORD", AUTH),
            ("NETKIT_SNMP_PRIV_PASSWORD", PRIV),
        ],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1.3.6.1.2.1.1.5.0 = STRING"), "{out}");
    // A wrong v3 password is named as such.
    let (code, _, err) = clean(netkit(
        &a,
        &[
            ("NETKIT_SNMP_USER", USER),
            ("NETKIT_SNMP_AUTH_PASSWORD", "wrong-community-xyz-991"),
            ("NETKIT_SNMP_PRIV_PASSWORD", PRIV),
        ],
    ));
    assert_eq!(code, 2);
    assert!(err.contains("authentication"), "{err}");

    // A community file; then a wrong community: a clear error, no secret.
    let file = lab.dir.path().join("community");
    std::fs::write(&file, format!("{COMMUNITY}\n")).unwrap();
    let file_s = file.display().to_string();
    let mut a = base.to_vec();
    a.extend(["--community-file", file_s.as_str(), "--walk", "sysName"]);
    let (code, _, err) = clean(netkit(&a, &[]));
    assert_eq!(code, 0, "{err}");
    let mut a = base.to_vec();
    a.extend(["--timeout-ms", "200", "--retries", "1"]);
    let (code, _, err) = clean(netkit(
        &a,
        &[("NKT_CLI_COMMUNITY", "wrong-community-xyz-991")],
    ));
    assert_eq!(code, 2);
    assert!(
        err.contains("no answer") && err.contains("credentials"),
        "{err}"
    );
}
