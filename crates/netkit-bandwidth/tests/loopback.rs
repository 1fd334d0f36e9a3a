//! netkit client against an in-process agent and against a real `iperf3 -s`, on
//! 127.0.0.1 (no privilege needed).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netkit_bandwidth::agent::{self, AgentConfig};
use netkit_bandwidth::client::{self, Options};
use netkit_bandwidth::lab::Iperf3Server;
use netkit_bandwidth::net::Connector;
use netkit_bandwidth::{Direction, TestSpec, Token, iperf3};

fn quiet() -> agent::LogFn {
    Arc::new(|_| {})
}

async fn start_agent(config: AgentConfig) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(agent::serve(l, config, async {
        let _ = rx.await;
    }));
    (addr, tx)
}

fn spec(direction: Direction, streams: u16) -> TestSpec {
    TestSpec {
        streams,
        duration_ms: 1000,
        omit_ms: 0,
        direction,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agent_forward_reverse_bidir() {
    let token = Token::from_text("loopback-test-token", "test").unwrap();
    let mut cfg = AgentConfig::new(Some(token.clone()));
    cfg.log = quiet();
    let (addr, _stop) = start_agent(cfg).await;
    for (dir, streams) in [
        (Direction::Forward, 1),
        (Direction::Reverse, 2),
        (Direction::Bidir, 1),
    ] {
        let opts = Options {
            addr,
            token: Some(token.clone()),
            spec: spec(dir, streams),
            connector: Connector::new(None),
        };
        let mut seen = 0;
        let r = client::run(&opts, |_| seen += 1).await.unwrap();
        eprintln!("{dir:?}: {}", r.summary());
        assert!(r.goodput_bps > 1e7, "{dir:?}: {r:?}");
        assert!(seen >= 1);
        assert_eq!(r.forward.is_some(), dir.client_sends());
        assert_eq!(r.reverse.is_some(), dir.server_sends());
        assert!(r.mss > 0 && r.mtu > 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iperf3_server_both_directions() {
    let port = netkit_bandwidth::lab::free_port(None).await.unwrap();
    let server = Iperf3Server::start(None, port).unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{}", server.port).parse().unwrap();
    for dir in [Direction::Bidir, Direction::Forward, Direction::Reverse] {
        let r = match iperf3::run(addr, &spec(dir, 2), &Connector::new(None), |_| {}).await {
            Ok(r) => r,
            Err(e) => panic!("{dir:?}: {e}\niperf3 said:\n{}", server.output().join("\n")),
        };
        eprintln!("iperf3 {dir:?}: {}", r.summary());
        assert!(r.goodput_bps > 1e7, "{dir:?}: {r:?}");
    }
    let _ = Mutex::new(());
    let _ = Duration::ZERO;
}
