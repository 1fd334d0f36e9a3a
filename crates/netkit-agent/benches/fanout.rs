//! One coordinator, N agents on 127.0.0.0/8 (default 200), M checks each
//! (default 50): wall time of the whole run against the slowest agent's own time
//! (the same agent and checks alone), and the coordinator's peak memory.
//!
//! The agents run in a child process (this binary re-executed with `--serve`), so
//! the memory figure is the coordinator's alone (VmHWM of this process).
//!
//! `cargo bench -p netkit-agent --bench fanout [-- --agents 200 --checks 50 --mode wait|open]`
//! - `wait`: every check is a tcp check toward a port that never answers (a
//!   listener whose backlog is full), so it waits its probe timeout like a check
//!   across a slow or filtered WAN; this is what fan-out is for.
//! - `open`: every check connects to an open port at once: pure overhead.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use netkit_agent::{AllowList, Options, ServerConfig};
use netkit_bandwidth::Token;
use netkit_verify::playbook::{Check, TcpCheck};
use netkit_verify::{CheckContext, RunInfo};

fn arg(name: &str, default: &str) -> String {
    let a: Vec<String> = std::env::args().collect();
    a.iter()
        .position(|x| x == name)
        .and_then(|i| a.get(i + 1).cloned())
        .unwrap_or_else(|| default.to_string())
}

fn token() -> Token {
    Token::from_text("bench-token-0123456789", "bench").expect("token")
}

fn topology(agents: usize) -> String {
    let mut t = String::from(
        "name: bench\naddressing: { ipv4: 10.0.0.0/8 }\nsites:\n  hq:\n    devices: { r1: { kind: router } }\n    segments:\n      users:\n        vlan: 10\n        hosts: 1000\n        named:\n",
    );
    for i in 0..agents {
        t.push_str(&format!("          h{i}: {{ host: {} }}\n", i + 2));
    }
    t
}

fn vm(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Child: serve `n` agents on 127.0.1.x and the two services; print them; wait
/// for stdin to close.
fn serve(n: usize) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async move {
        let mut out = String::new();
        // A port that never answers: backlog 1, never accepted, filled up.
        let sock = tokio::net::TcpSocket::new_v4().expect("socket");
        sock.bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        let stuck = sock.listen(1).expect("listen");
        let stuck_addr = stuck.local_addr().expect("addr");
        let mut fillers = Vec::new();
        for _ in 0..4 {
            if let Ok(Ok(s)) = tokio::time::timeout(
                Duration::from_millis(300),
                tokio::net::TcpStream::connect(stuck_addr),
            )
            .await
            {
                fillers.push(s);
            }
        }
        let open = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let open_port = open.local_addr().expect("addr").port();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = open.accept().await {
                held.push(s);
                if held.len() > 1024 {
                    held.clear();
                }
            }
        });
        out.push_str(&format!("PORTS {} {open_port}\n", stuck_addr.port()));
        for i in 0..n {
            let ip = format!("127.0.{}.{}", 1 + i / 250, 1 + i % 250);
            let l = tokio::net::TcpListener::bind((ip.as_str(), 0))
                .await
                .expect("bind agent");
            let addr = l.local_addr().expect("addr");
            let mut c = ServerConfig::new(Some(token()));
            c.allow = AllowList::parse(&["127.0.0.0/8"]).expect("allow");
            c.log = Arc::new(|_| {});
            c.max_sessions = 4;
            tokio::spawn(netkit_agent::server::serve(
                l,
                c,
                std::future::pending::<()>(),
            ));
            out.push_str(&format!("AGENT {addr}\n"));
        }
        out.push_str("READY\n");
        let mut so = std::io::stdout();
        let _ = so.write_all(out.as_bytes());
        let _ = so.flush();
        // Until the parent closes our stdin.
        let _ = tokio::task::spawn_blocking(|| {
            let mut s = String::new();
            let _ = std::io::stdin().read_line(&mut s);
        })
        .await;
        drop(stuck);
        drop(fillers);
    });
}

fn main() {
    if std::env::args().any(|a| a == "--serve") {
        serve(arg("--serve", "200").parse().unwrap_or(200));
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let n: usize = arg("--agents", "200").parse().unwrap_or(200);
    let m: usize = arg("--checks", "50").parse().unwrap_or(50);
    let mode = arg("--mode", "wait");
    let mut child = Command::new(std::env::current_exe().expect("exe"))
        .args(["--serve", &n.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start agents");
    let stdout = child.stdout.take().expect("stdout");
    let mut agents: Vec<SocketAddr> = Vec::new();
    let mut ports = (0u16, 0u16);
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.first().copied() {
            Some("PORTS") => ports = (w[1].parse().unwrap_or(0), w[2].parse().unwrap_or(0)),
            Some("AGENT") => agents.push(w[1].parse().expect("agent addr")),
            Some("READY") => break,
            _ => {}
        }
    }
    let port = if mode == "open" { ports.1 } else { ports.0 };
    let parsed = netkit_model::parse(topology(n).as_bytes());
    let plan = netkit_plan::plan(&parsed.topology.expect("bench topology"), None).expect("plan");
    let plan = Arc::new(plan);
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let run = |which: &[usize]| -> (Duration, usize, usize) {
        let mut ctx = CheckContext::live(plan.clone());
        ctx.probe = netkit_probe::ProbeSettings {
            timeout: Duration::from_millis(300),
            tries: 1,
        };
        let map: BTreeMap<String, SocketAddr> = which
            .iter()
            .map(|&i| (format!("hq.users.h{i}"), agents[i]))
            .collect();
        let checks: Vec<Check> = which
            .iter()
            .map(|&i| {
                Check::Tcp(TcpCheck {
                    from: format!("hq.users.h{i}"),
                    to: vec!["127.0.0.1".to_string(); m],
                    port,
                })
            })
            .collect();
        let mut opts = Options::new(Some(token()), map);
        opts.idle_timeout = Duration::from_secs(60);
        let t = Instant::now();
        let out = rt.block_on(netkit_agent::coordinator::run(
            &ctx,
            &RunInfo::default(),
            &checks,
            &opts,
            &|_| {},
            &|_| {},
        ));
        let errs: Vec<&netkit_results::CheckResult> = out
            .results
            .results
            .iter()
            .filter(|r| r.verdict == netkit_results::Verdict::Error)
            .collect();
        let errors = errs.len();
        let mut kinds: Vec<String> = errs
            .iter()
            .filter_map(|r| r.reason.clone())
            .map(|r| r.chars().take(120).collect())
            .collect();
        kinds.sort();
        kinds.dedup();
        for k in kinds.iter().take(5) {
            eprintln!("error: {k}");
        }
        (t.elapsed(), out.results.results.len(), errors)
    };
    // The slowest single agent: a sample of agents alone (first, last, spread).
    let sample: Vec<usize> = (0..5).map(|k| k * (n - 1) / 4).collect();
    let mut single = Duration::ZERO;
    for &i in &sample {
        let (t, _, _) = run(&[i]);
        single = single.max(t);
    }
    let rss_before = vm("VmRSS:");
    let all: Vec<usize> = (0..n).collect();
    let (t, results, errors) = run(&all);
    let hwm = vm("VmHWM:");
    println!(
        "fanout mode={mode}: {n} agents x {m} checks = {results} results ({errors} errors) in {:.3}s; slowest single agent alone {:.3}s; ratio {:.2} (target <= 2); coordinator peak RSS {:.1} MiB (before the run {:.1} MiB; target < 200)",
        t.as_secs_f64(),
        single.as_secs_f64(),
        t.as_secs_f64() / single.as_secs_f64().max(1e-9),
        hwm as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );
    drop(child.stdin.take());
    let _ = child.wait();
}
