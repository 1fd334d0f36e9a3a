//! `netkit bandwidth`: against `netkit agent` and a stock `iperf3 -s`; exit codes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_netkit");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process (agent or iperf3 -s) killed by PID when dropped, started once
/// it printed `ready` on the given stream.
struct Proc(Child);

impl Proc {
    fn start(mut cmd: Command, ready: &str, on_stderr: bool) -> Proc {
        if on_stderr {
            cmd.stderr(Stdio::piped()).stdout(Stdio::null());
        } else {
            cmd.stdout(Stdio::piped()).stderr(Stdio::null());
        }
        let mut child = cmd.spawn().unwrap();
        let out: Box<dyn std::io::Read + Send> = if on_stderr {
            Box::new(child.stderr.take().unwrap())
        } else {
            Box::new(child.stdout.take().unwrap())
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let ready = ready.to_string();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if line.contains(&ready) {
                    let _ = tx.send(());
                }
            }
        });
        let p = Proc(child);
        rx.recv_timeout(Duration::from_secs(10))
            .expect("server ready");
        p
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn agent(dir: &tempfile::TempDir) -> (Proc, String, String) {
    let tok = dir.path().join("token");
    std::fs::write(&tok, "bandwidth-cli-token").unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let mut cmd = Command::new(BIN);
    cmd.args(["agent", "--listen", &listen, "--token-file"])
        .arg(&tok);
    cmd.env_remove("NETKIT_AGENT_TOKEN");
    let p = Proc::start(cmd, "listening on", true);
    (p, listen, tok.display().to_string())
}

fn bandwidth(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .arg("bandwidth")
        .args(args)
        .env_remove("NETKIT_AGENT_TOKEN")
        .output()
        .unwrap()
}

#[test]
fn json_report_against_the_agent() {
    let dir = tempfile::tempdir().unwrap();
    let (_a, listen, tok) = agent(&dir);
    let out = bandwidth(&[
        &listen,
        "--token-file",
        &tok,
        "-t",
        "1",
        "-P",
        "2",
        "--bidir",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tool"], "netkit");
    assert_eq!(v["direction"], "bidir");
    assert_eq!(v["streams"], 2);
    assert_eq!(v["threshold_compares"], "goodput");
    assert!(v["forward"]["goodput_bps"].as_f64().unwrap() > 0.0);
    assert!(v["reverse"]["goodput_bps"].as_f64().unwrap() > 0.0);
    assert!(v["wire_bps"].as_f64().unwrap() >= v["goodput_bps"].as_f64().unwrap());
    assert!(!v["intervals"].as_array().unwrap().is_empty());
}

#[test]
fn token_from_the_environment_and_min_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let (_a, listen, _tok) = agent(&dir);
    let out = Command::new(BIN)
        .args(["bandwidth", &listen, "-t", "1", "--min", "1000Gbps"])
        .env("NETKIT_AGENT_TOKEN", "bandwidth-cli-token")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("below the minimum"));
}

#[test]
fn refusals_exit_2_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let (_a, listen, _tok) = agent(&dir);
    let out = bandwidth(&[&listen, "-t", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("requires a token"), "{err}");
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "some-other-token").unwrap();
    let out = bandwidth(&[&listen, "--token-file", wrong.to_str().unwrap(), "-t", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong token"));
    let closed = format!("127.0.0.1:{}", free_port());
    let out = bandwidth(&[&closed, "-t", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect"));
    let out = bandwidth(&[&listen, "--iperf3", "-t", "1.5"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn iperf3_server_both_directions() {
    let port = free_port();
    let mut cmd = Command::new("iperf3");
    cmd.args(["-s", "-p", &port.to_string(), "--forceflush"]);
    let _srv = Proc::start(cmd, "Server listening", false);
    let target = format!("127.0.0.1:{port}");
    for extra in [&[][..], &["-R"][..]] {
        let mut args = vec![target.as_str(), "--iperf3", "-t", "1", "--format", "json"];
        args.extend_from_slice(extra);
        let out = bandwidth(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["tool"], "iperf3");
        assert!(v["goodput_bps"].as_f64().unwrap() > 1e6, "{v}");
    }
}
