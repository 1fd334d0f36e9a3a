//! Helpers of the loopback tests: the acme plan, agents served in-process on
//! 127.0.0.0/8, a TCP service to probe, units toward loopback addresses.
#![allow(dead_code)]

use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};

use netkit_agent::{AllowList, ServerConfig};
use netkit_bandwidth::Token;
use netkit_plan::Plan;
use netkit_verify::checks::Unit;
use netkit_verify::resolve::Endpoint;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub fn plan() -> Plan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../inventories/acme.yaml");
    let bytes = std::fs::read(path).expect("acme.yaml");
    let parsed = netkit_model::parse(&bytes);
    let topo = parsed.topology.expect("acme.yaml is valid");
    netkit_plan::plan(&topo, None).expect("acme.yaml plans")
}

pub fn token() -> Token {
    Token::from_text("correct horse battery staple", "test").unwrap()
}

pub fn other_token() -> Token {
    Token::from_text("wrong horse battery staple", "test").unwrap()
}

/// An agent served in this process; stopped when dropped.
pub struct Agent {
    pub addr: SocketAddr,
    pub logs: Arc<Mutex<Vec<String>>>,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Agent {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl Agent {
    pub fn log_lines(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }
}

pub async fn agent_on(ip: &str, token: Option<Token>, allow: &[&str]) -> Agent {
    let mut config = ServerConfig::new(token);
    config.allow = AllowList::parse(allow).unwrap();
    agent_with(ip, config).await
}

pub async fn agent_with(ip: &str, mut config: ServerConfig) -> Agent {
    let logs = Arc::new(Mutex::new(Vec::new()));
    let l2 = logs.clone();
    config.log = Arc::new(move |s| l2.lock().unwrap().push(s.to_string()));
    let listener = TcpListener::bind((ip.parse::<IpAddr>().unwrap(), 0))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(netkit_agent::server::serve(listener, config, async {
        let _ = rx.await;
    }));
    Agent {
        addr,
        logs,
        stop: Some(tx),
    }
}

/// A TCP service on `ip` that accepts and holds connections; returns its port.
pub async fn service(ip: &str) -> u16 {
    let l = TcpListener::bind((ip.parse::<IpAddr>().unwrap(), 0))
        .await
        .unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..10_000 {
            match l.accept().await {
                Ok((s, _)) => {
                    held.push(s);
                    if held.len() > 256 {
                        held.remove(0);
                    }
                }
                Err(_) => break,
            }
        }
    });
    port
}

pub fn endpoint(ip: &str) -> Endpoint {
    Endpoint {
        id: ip.to_string(),
        address: ip.parse().unwrap(),
        segment: None,
    }
}

pub fn tcp_unit(from: &str, ip: &str, port: u16) -> Unit {
    Unit::Tcp {
        from: from.to_string(),
        to: endpoint(ip),
        port,
    }
}
