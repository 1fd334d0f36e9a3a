//! Loopback throughput of netkit's test against iperf3's, in the same run.
//!
//! `cargo bench -p netkit-bandwidth --bench loopback` (add `-- --rounds 5
//! --seconds 3 --streams 1` to change the defaults). Each round runs, back to back:
//! 1. `iperf3 -c` against `iperf3 -s` (both stock, on 127.0.0.1);
//! 2. netkit's client against an in-process netkit agent on 127.0.0.1;
//! 3. netkit's iperf3 client against the same `iperf3 -s`.
//!
//! It prints each figure (receiver goodput) and the median ratios netkit / iperf3
//! (aim: at least 0.9). Loopback throughput is CPU-bound: on a shared machine the
//! figures move with the load, which is why the rounds alternate the tools.

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use netkit_bandwidth::agent::{self, AgentConfig};
use netkit_bandwidth::lab::{Iperf3Server, free_port};
use netkit_bandwidth::net::Connector;
use netkit_bandwidth::{Direction, TestSpec, Token, client, fmt_rate, iperf3};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn stock_iperf3(port: u16, seconds: u64, streams: u64) -> Option<f64> {
    let out = Command::new("iperf3")
        .args(["-c", "127.0.0.1", "-p", &port.to_string(), "-J"])
        .args(["-t", &seconds.to_string(), "-P", &streams.to_string()])
        .output()
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    v["end"]["sum_received"]["bits_per_second"].as_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { 0.0 } else { v[v.len() / 2] }
}

fn main() {
    // `cargo bench` passes `--bench`; a plain `cargo test --benches` passes nothing
    // and should stay quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds = arg("--rounds", if quick { 1 } else { 5 });
    let seconds = arg("--seconds", if quick { 1 } else { 3 });
    let streams = arg("--streams", 1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let token = Token::random();
        let mut cfg = AgentConfig::new(Some(token.clone()));
        cfg.log = Arc::new(|_| {});
        cfg.max_streams = 128;
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let agent_addr = l.local_addr().expect("addr");
        tokio::spawn(agent::serve(l, cfg, std::future::pending::<()>()));
        let port = free_port(None).await.expect("free port");
        let server = Iperf3Server::start(None, port).expect("iperf3 -s (install iperf3)");
        let iperf_addr: SocketAddr = format!("127.0.0.1:{port}").parse().expect("addr");
        let spec = TestSpec {
            streams: streams as u16,
            duration_ms: seconds * 1000,
            omit_ms: 0,
            direction: Direction::Forward,
            ..Default::default()
        };
        let (mut r_agent, mut r_client) = (Vec::new(), Vec::new());
        println!(
            "loopback, {streams} stream(s), {seconds}s per run, {rounds} round(s)\n{:>6} {:>16} {:>16} {:>16}",
            "round", "iperf3 -> iperf3", "netkit -> agent", "netkit -> iperf3"
        );
        for round in 1..=rounds {
            let stock = tokio::task::spawn_blocking(move || stock_iperf3(port, seconds, streams))
                .await
                .ok()
                .flatten()
                .unwrap_or(0.0);
            tokio::time::sleep(Duration::from_millis(300)).await;
            let opts = client::Options {
                addr: agent_addr,
                token: Some(token.clone()),
                spec: spec.clone(),
                connector: Connector::new(None),
            };
            let nk = client::run(&opts, |_| {}).await.map(|r| r.goodput_bps).unwrap_or(0.0);
            let nk_ip = iperf3::run(iperf_addr, &spec, &Connector::new(None), |_| {})
                .await
                .map(|r| r.goodput_bps)
                .unwrap_or(0.0);
            tokio::time::sleep(Duration::from_millis(300)).await;
            println!(
                "{round:>6} {:>16} {:>16} {:>16}",
                fmt_rate(stock),
                fmt_rate(nk),
                fmt_rate(nk_ip)
            );
            if stock > 0.0 {
                r_agent.push(nk / stock);
                r_client.push(nk_ip / stock);
            }
        }
        println!(
            "median ratio netkit/iperf3: agent test {:.3}, iperf3-compatible client {:.3} (aim >= 0.9)",
            median(&mut r_agent),
            median(&mut r_client)
        );
        drop(server);
    });
}
