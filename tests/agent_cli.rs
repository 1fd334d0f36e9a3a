//! `netkit agent`: refuses unsafe setups, serves, and exits 0 on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_netkit");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `netkit agent`, killed by PID when dropped.
pub struct AgentProc {
    child: Child,
    pub lines: mpsc::Receiver<String>,
}

impl AgentProc {
    pub fn start(args: &[&str]) -> AgentProc {
        let mut child = Command::new(BIN)
            .arg("agent")
            .args(args)
            .env_remove("NETKIT_AGENT_TOKEN")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let p = AgentProc { child, lines: rx };
        p.wait_for("listening on");
        p
    }

    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(l) if l.contains(needle) => return l,
                Ok(_) => {}
                Err(_) => break,
            }
        }
        panic!("the agent never logged {needle:?}");
    }

    pub fn terminate(mut self) -> i32 {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        for _ in 0..100 {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st.code().unwrap_or(-1);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the agent did not exit within 5 s of SIGTERM");
    }
}

impl Drop for AgentProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token_file(dir: &tempfile::TempDir) -> String {
    let p = dir.path().join("token");
    std::fs::write(&p, "cli-agent-test-token\n").unwrap();
    p.display().to_string()
}

#[test]
fn refuses_to_start_without_a_token() {
    let out = Command::new(BIN)
        .args(["agent", "--listen", "127.0.0.1:0"])
        .env_remove("NETKIT_AGENT_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no token"), "{err}");
}

#[test]
fn insecure_mode_only_on_loopback() {
    let out = Command::new(BIN)
        .args(["agent", "--insecure-no-auth", "--listen", "0.0.0.0:0"])
        .env_remove("NETKIT_AGENT_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("loopback"), "{err}");
}

#[test]
fn serves_and_exits_0_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let tok = token_file(&dir);
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let a = AgentProc::start(&["--listen", &listen, "--token-file", &tok]);
    let out = Command::new(BIN)
        .args([
            "bandwidth",
            &listen,
            "--token-file",
            &tok,
            "-t",
            "1",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = a.wait_for("test from 127.0.0.1");
    assert!(log.contains("ok"), "{log}");
    assert!(!log.contains("cli-agent-test-token"));
    assert_eq!(a.terminate(), 0);
}

#[test]
fn insecure_loopback_agent_serves_without_token() {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let a = AgentProc::start(&["--listen", &listen, "--insecure-no-auth"]);
    let out = Command::new(BIN)
        .args(["bandwidth", &listen, "-t", "1", "--reverse"])
        .env_remove("NETKIT_AGENT_TOKEN")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Goodput"), "{text}");
    assert_eq!(a.terminate(), 0);
}
