//! `netkit verify --target live` through `netkit agent`, end to end in real
//! namespaces. The acme lab is built, then treated as a live network netkit did
//! not build for the test: `netkit agent` runs in the host namespaces of several
//! sites (`ip netns exec`), and `netkit verify --target live` runs from hq.users.
//! Shown: each check ran at its source (an nftables rule in lyon.r1 fails exactly
//! the check from lyon.users), agent-to-agent bandwidth follows the shaped path,
//! a stopped agent, a wrong token and an agent killed mid-run give `error`
//! verdicts naming it while the rest passes, an `snmp` check runs at the agent on
//! lyon.r1 against that router's real snmpd (the community only in that agent's
//! environment, never in the results or any log), and fping, dig and iperf3 run by
//! hand from the same namespaces agree. Needs root: skipped with a note without
//! it, except in CI (`CI` set), where it must run.

mod support;
#[allow(unused_imports)]
use support::*;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use netkit_results::{Results, Verdict};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".")
}

fn topology() -> PathBuf {
    root().join("inventories/acme.yaml")
}

struct Lab {
    name: String,
    /// Tears the lab down when the test ends, also when it fails.
    _guard: LabGuard,
}

impl Lab {
    fn up() -> Lab {
        let guard = lab_up(&topology(), "nka", &[]);
        Lab {
            name: guard.name.clone(),
            _guard: guard,
        }
    }

    fn ns(&self, node: &str) -> String {
        netkit_lab::namespace_name(&self.name, node)
    }
}

/// The variables that carry SNMP credentials: only the agent that runs the
/// `snmp` check gets one.
const SNMP_ENV: [&str; 7] = [
    "NETKIT_SNMP_COMMUNITY",
    "NETKIT_SNMP_VERSION",
    "NETKIT_SNMP_USER",
    "NETKIT_SNMP_AUTH_PASSWORD",
    "NETKIT_SNMP_PRIV_PASSWORD",
    "NETKIT_SNMP_AUTH_PROTOCOL",
    "NETKIT_SNMP_PRIV_PROTOCOL",
];

/// A `netkit agent` in a namespace; killed by its PID when dropped.
struct AgentProc {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Every line read so far.
    seen: Vec<String>,
}

impl AgentProc {
    fn start(ns: &str, token_file: &Path) -> AgentProc {
        AgentProc::start_with(ns, token_file, &[])
    }

    fn start_with(ns: &str, token_file: &Path, env: &[(&str, &str)]) -> AgentProc {
        let mut cmd = Command::new("ip");
        for k in SNMP_ENV {
            cmd.env_remove(k);
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd
            .args(["netns", "exec", ns])
            .arg(netkit_bin())
            .args(["agent", "--listen", "0.0.0.0:5301", "--token-file"])
            .arg(token_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start netkit agent");
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let mut a = AgentProc {
            child,
            lines: rx,
            seen: Vec::new(),
        };
        a.wait_for("listening on", Duration::from_secs(20));
        a
    }

    fn wait_for(&mut self, what: &str, within: Duration) -> String {
        let end = Instant::now() + within;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if l.contains(what) {
                        return l;
                    }
                }
                Err(_) => panic!("the agent did not log `{what}` within {within:?}"),
            }
        }
    }

    /// Stop the agent and return everything it logged.
    fn stop_and_log(&mut self) -> Vec<String> {
        self.kill();
        let end = Instant::now() + Duration::from_secs(5);
        while let Ok(l) = self
            .lines
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            self.seen.push(l);
        }
        self.seen.clone()
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for AgentProc {
    fn drop(&mut self) {
        self.kill();
    }
}

fn in_ns(ns: &str, args: &[&str]) -> std::process::Output {
    Command::new("ip")
        .args(["netns", "exec", ns])
        .args(args)
        .output()
        .expect("ip netns exec")
}

#[test]
fn live_verify_runs_each_check_at_its_source() {
    if !can_run_lab("live_agents") {
        return;
    }
    let plan = {
        let parsed = netkit_model::parse(&std::fs::read(topology()).unwrap());
        netkit_plan::plan(&parsed.topology.unwrap(), None).unwrap()
    };
    let th = |seg: &str| plan.segment(seg).unwrap().test_host().to_string();
    let lab = Lab::up();
    let dir = tempfile::tempdir().unwrap();
    let tok = dir.path().join("agent.token");
    let bad = dir.path().join("other.token");
    std::fs::write(&tok, "e2e-live-token-0123456789\n").unwrap();
    std::fs::write(&bad, "another-token-9876543210\n").unwrap();
    for f in [&tok, &bad] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    // A fault only one vantage point sees: lyon.r1 drops lyon.users -> intranet.
    let lyon_users = plan.segment("lyon.users").unwrap().prefix.to_string();
    let rules = dir.path().join("fault.nft");
    std::fs::write(
        &rules,
        format!(
            "table inet nkfault {{\n  chain nkforward {{\n    type filter hook forward priority -5; policy accept;\n    ip saddr {lyon_users} ip daddr 10.1.20.11 drop\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let out = in_ns(&lab.ns("lyon.r1"), &["nft", "-f", rules.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // lyon.r1's snmpd, configured by `lab up` with a generated community: it answers
    // before the run starts (snmpd may need a few seconds after its start).
    let community = netkit_lab::lab_secret(&lab.name, "snmp-community")
        .unwrap()
        .expect("the lab stored its SNMP community");
    assert!(community.len() >= 8, "a distinctive community");
    let snmp_ready = Instant::now();
    loop {
        let o = netkit()
            .args(["snmp", "lyon.r1", "--topology"])
            .arg(topology())
            .args(["--lab", &lab.name, "--check"])
            .output()
            .unwrap();
        if o.status.code() == Some(0) {
            break;
        }
        assert!(
            snmp_ready.elapsed() < Duration::from_secs(30),
            "lyon.r1's snmpd does not match the plan: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    let _lyon = AgentProc::start(&lab.ns("lyon.users"), &tok);
    // The agent on the router lyon.r1 runs its snmp check; only it knows the
    // community (the plan says `${NETKIT_SNMP_COMMUNITY}`, expanded at the agent).
    let mut router = AgentProc::start_with(
        &lab.ns("lyon.r1"),
        &tok,
        &[("NETKIT_SNMP_COMMUNITY", community.as_str())],
    );
    let _marseille = AgentProc::start(&lab.ns("marseille.users"), &tok);
    let _wrong = AgentProc::start(&lab.ns("hq.servers.fs1"), &bad);
    let mut doomed = AgentProc::start(&lab.ns("hq.servers"), &tok);
    // marseille.voice: an agent is named, none runs (stopped).

    let pb = dir.path().join("live.yaml");
    std::fs::write(
        &pb,
        format!(
            "name: live acme\ntopology: {topo}\ntarget: live\nagents:\n  lyon.users: {ly}\n  lyon.r1: {lyr}\n  marseille.users: {ma}\n  marseille.voice: {vo}\n  hq.servers.fs1: 10.1.20.10\n  hq.servers: {hs}:5301\nchecks:\n\
  - reach: {{ from: hq.users, to: [lyon.users, marseille.users] }}\n\
  - reach: {{ from: lyon.users, to: [hq.servers.intranet, marseille.users] }}\n\
  - reach: {{ from: marseille.users, to: [hq.servers.intranet, lyon.users] }}\n\
  - tcp: {{ from: lyon.users, to: hq.servers.fs1, port: 445 }}\n\
  - dns: {{ from: marseille.users, name: intranet.hq.acme.lan, expect: 10.1.20.11 }}\n\
  - path: {{ from: lyon.users, to: hq.servers, via: [lyon.r1, hq.r1] }}\n\
  - isolate: {{ from: lyon.users, to: hq.users }}\n\
  - bandwidth: {{ from: marseille.users, to: lyon.users, min: 30Mbps, duration: 3s }}\n\
  - bandwidth: {{ from: marseille.users, to: hq.users, min: 30Mbps, duration: 2s }}\n\
  - reach: {{ from: marseille.voice, to: lyon.users }}\n\
  - reach: {{ from: hq.servers.fs1, to: lyon.users }}\n\
  - isolate: {{ from: hq.servers, to: hq.guests }}\n\
  - snmp: {{ device: lyon.r1 }}\n",
            topo = topology().display(),
            ly = th("lyon.users"),
            lyr = plan.segment("lyon.users").unwrap().gateway,
            ma = th("marseille.users"),
            vo = th("marseille.voice"),
            hs = th("hq.servers"),
        ),
    )
    .unwrap();

    let started = Instant::now();
    let mut verify = Command::new("ip");
    for k in SNMP_ENV {
        verify.env_remove(k);
    }
    let verify = verify
        .args(["netns", "exec", &lab.ns("hq.users")])
        .arg(netkit_bin())
        .arg("verify")
        .arg(&pb)
        .args(["--format", "json", "--token-file"])
        .arg(&tok)
        .args([
            "--timeout",
            "90s",
            "--probe-timeout",
            "700ms",
            "--tries",
            "2",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run netkit verify");
    // Kill the hq.servers agent as soon as it has its session (its isolate checks
    // wait for silence, so they are still running).
    doomed.wait_for("session for", Duration::from_secs(30));
    doomed.kill();
    let out = verify.wait_with_output().expect("verify output");
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    let results = Results::from_json(&text).unwrap_or_else(|e| {
        panic!(
            "not results ({e}): {text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(took < Duration::from_secs(90), "took {took:?}");
    assert_eq!(out.status.code(), Some(1));
    let show: Vec<String> = results
        .results
        .iter()
        .map(|r| {
            format!(
                "{} {} {} -> {} [{}]: {}",
                r.verdict.as_str(),
                r.check,
                r.from.as_deref().unwrap_or("-"),
                r.to.as_deref().unwrap_or("-"),
                r.agent.as_deref().unwrap_or("here"),
                r.reason.as_deref().unwrap_or("")
            )
        })
        .collect();
    let find = |check: &str, from: &str, to: &str| {
        results
            .results
            .iter()
            .find(|r| {
                r.check == check && r.from.as_deref() == Some(from) && r.to.as_deref() == Some(to)
            })
            .unwrap_or_else(|| panic!("no {check} {from} -> {to}: {show:#?}"))
    };
    let pass = |check: &str, from: &str, to: &str| {
        let r = find(check, from, to);
        assert_eq!(
            r.verdict,
            Verdict::Pass,
            "{check} {from} -> {to}: {show:#?}"
        );
        r
    };
    // Local checks carry no agent; remote ones name theirs.
    assert!(pass("reach", "hq.users", "lyon.users").agent.is_none());
    pass("reach", "hq.users", "marseille.users");
    let ly_agent = format!("{}:5301", th("lyon.users"));
    assert_eq!(
        pass("reach", "lyon.users", "marseille.users")
            .agent
            .as_deref(),
        Some(ly_agent.as_str())
    );
    // The fault is seen from lyon.users only.
    let f = find("reach", "lyon.users", "hq.servers.intranet");
    assert_eq!(f.verdict, Verdict::Fail, "{show:#?}");
    assert_eq!(f.agent.as_deref(), Some(ly_agent.as_str()));
    pass("reach", "marseille.users", "hq.servers.intranet");
    pass("reach", "marseille.users", "lyon.users");
    pass("tcp", "lyon.users", "hq.servers.fs1");
    pass("dns", "marseille.users", "intranet.hq.acme.lan");
    pass("path", "lyon.users", "hq.servers");
    pass("isolate", "lyon.users", "hq.users");
    // Agent to agent bandwidth over the shaped path (marseille -> hq -> lyon, 50 Mbit/s).
    let bw = pass("bandwidth", "marseille.users", "lyon.users");
    let goodput = bw.measured["goodput_bps"].as_f64().unwrap();
    assert!(
        (30e6..=50.5e6).contains(&goodput),
        "goodput {goodput}: {show:#?}"
    );
    let path: Vec<&str> = bw.measured["path"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    assert!(path.contains(&"hq.r1"), "path {path:?}");
    // Toward this machine: the coordinator serves the far end itself.
    let to_here = pass("bandwidth", "marseille.users", "hq.users");
    let g = to_here.measured["goodput_bps"].as_f64().unwrap();
    assert!((30e6..=50.5e6).contains(&g), "goodput {g}: {show:#?}");
    // Faults are errors naming the agent.
    let stopped = find("reach", "marseille.voice", "lyon.users");
    assert_eq!(stopped.verdict, Verdict::Error);
    let reason = stopped.reason.as_deref().unwrap_or("");
    assert!(
        reason.contains(&th("marseille.voice")) && reason.contains("cannot be reached"),
        "{reason}"
    );
    let wrong = find("reach", "hq.servers.fs1", "lyon.users");
    assert_eq!(wrong.verdict, Verdict::Error);
    let reason = wrong.reason.as_deref().unwrap_or("");
    assert!(
        reason.contains("10.1.20.10:5301") && reason.contains("token"),
        "{reason}"
    );
    {
        let killed = find("isolate", "hq.servers", "hq.guests");
        assert_eq!(
            killed.verdict,
            Verdict::Error,
            "an isolate that could not run is never a pass: {show:#?}"
        );
        let reason = killed.reason.as_deref().unwrap_or("");
        assert!(
            reason.contains(&th("hq.servers")) && reason.contains("dropped"),
            "{reason}"
        );
    }
    // SNMP at the agent of lyon.r1, against lyon.r1's own snmpd: one pass per
    // expectation, each naming the agent; the community is nowhere to be seen.
    let router_agent = format!("{}:5301", plan.segment("lyon.users").unwrap().gateway);
    let snmp: Vec<_> = results
        .results
        .iter()
        .filter(|r| r.check == "snmp")
        .collect();
    assert_eq!(snmp.len(), 3, "{show:#?}");
    for r in &snmp {
        assert_eq!(r.verdict, Verdict::Pass, "{show:#?}");
        assert_eq!(r.from.as_deref(), Some("lyon.r1"));
        assert_eq!(r.agent.as_deref(), Some(router_agent.as_str()), "{show:#?}");
    }
    let router_log = router.stop_and_log();
    assert!(
        router_log.iter().any(|l| l.contains("session for")),
        "{router_log:#?}"
    );
    let verify_err = String::from_utf8_lossy(&out.stderr);
    for (what, text) in [
        ("the results", text.to_string()),
        ("verify's messages", verify_err.to_string()),
        ("the lyon.r1 agent's log", router_log.join("\n")),
    ] {
        assert!(
            !text.contains(&community),
            "the SNMP community appears in {what}"
        );
    }
    let errors = results.count(Verdict::Error);
    assert_eq!(errors, 3, "{show:#?}");
    assert_eq!(results.count(Verdict::Fail), 1, "{show:#?}");

    // The reference tools, by hand, from the same namespaces, agree.
    let fp = |ns: &str| {
        in_ns(
            &lab.ns(ns),
            &["fping", "-c", "2", "-t", "500", "10.1.20.11"],
        )
        .status
        .success()
    };
    assert!(
        !fp("lyon.users"),
        "fping from lyon.users should not reach the intranet"
    );
    assert!(fp("marseille.users"));
    let dig = in_ns(
        &lab.ns("marseille.users"),
        &[
            "dig",
            "@10.1.20.11",
            "intranet.hq.acme.lan",
            "+short",
            "+time=2",
            "+tries=2",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&dig.stdout).trim(), "10.1.20.11");
    let mut server = Command::new("ip")
        .args([
            "netns",
            "exec",
            &lab.ns("lyon.users"),
            "iperf3",
            "-s",
            "-1",
            "-p",
            "5202",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("iperf3 -s");
    std::thread::sleep(Duration::from_millis(500));
    let ly = th("lyon.users");
    let c = in_ns(
        &lab.ns("marseille.users"),
        &[
            "iperf3", "-c", &ly, "-p", "5202", "-t", "3", "-O", "1", "-J",
        ],
    );
    let _ = server.kill();
    let _ = server.wait();
    let j: serde_json::Value = serde_json::from_slice(&c.stdout).expect("iperf3 JSON");
    let iperf = j["end"]["sum_received"]["bits_per_second"]
        .as_f64()
        .unwrap_or(0.0);
    let ratio = goodput / iperf;
    assert!(
        (0.8..1.25).contains(&ratio),
        "netkit {goodput} vs iperf3 {iperf}"
    );
    eprintln!(
        "agent-to-agent bandwidth: netkit {goodput:.0} bit/s, iperf3 {iperf:.0} bit/s, ratio {ratio:.3}; verify took {took:?}"
    );
}
