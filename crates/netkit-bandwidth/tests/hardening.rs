//! The agent is safe to leave running: every misbehaving client is refused or cut
//! off with a clear message, and the agent still serves the next client.
//! Loopback only, no privilege needed.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use netkit_bandwidth::agent::{self, AgentConfig};
use netkit_bandwidth::client::{self, Options};
use netkit_bandwidth::net::Connector;
use netkit_bandwidth::{Error, TestSpec, Token};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN: &str = "hardening-test-token";

struct Agent {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Agent {
    fn logged(&self, needle: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(needle))
    }
}

async fn agent(tweak: impl FnOnce(&mut AgentConfig)) -> Agent {
    let mut cfg = AgentConfig::new(Some(Token::from_text(TOKEN, "test").unwrap()));
    let log = Arc::new(Mutex::new(Vec::new()));
    let l2 = log.clone();
    cfg.log = Arc::new(move |line| l2.lock().unwrap().push(line.to_string()));
    tweak(&mut cfg);
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(agent::serve(l, cfg, async {
        let _ = rx.await;
    }));
    Agent {
        addr,
        log,
        _stop: tx,
    }
}

fn opts(addr: SocketAddr, token: Option<&str>, duration_ms: u64) -> Options {
    Options {
        addr,
        token: token.map(|t| Token::from_text(t, "test").unwrap()),
        spec: TestSpec {
            duration_ms,
            ..Default::default()
        },
        connector: Connector::new(None),
    }
}

/// A normal, short test succeeds: the agent is still serving.
async fn still_serves(addr: SocketAddr) {
    let r = client::run(&opts(addr, Some(TOKEN), 300), |_| {})
        .await
        .expect("the agent serves the next client");
    assert!(r.goodput_bps > 0.0);
}

async fn write_frame(s: &mut TcpStream, v: &Value) {
    let body = v.to_string();
    s.write_all(&(body.len() as u32).to_be_bytes())
        .await
        .unwrap();
    s.write_all(body.as_bytes()).await.unwrap();
}

async fn read_frame(s: &mut TcpStream) -> Value {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).await.unwrap();
    let mut buf = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut buf).await.unwrap();
    serde_json::from_slice(&buf).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_token_and_wrong_token_are_refused() {
    let a = agent(|_| {}).await;
    let e = client::run(&opts(a.addr, None, 300), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e}");
    assert!(e.to_string().contains("requires a token"), "{e}");
    let e = client::run(&opts(a.addr, Some("not-the-right-token"), 300), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e}");
    assert!(e.to_string().contains("wrong token"), "{e}");
    assert!(a.logged("refused (auth): wrong token"));
    // The token never appears in the log.
    assert!(!a.log.lock().unwrap().iter().any(|l| l.contains(TOKEN)));
    still_serves(a.addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversize_request_is_refused() {
    let a = agent(|_| {}).await;
    let mut s = TcpStream::connect(a.addr).await.unwrap();
    s.write_all(b"NKBW1CTL").await.unwrap();
    let hello = read_frame(&mut s).await;
    assert_eq!(hello["type"], "hello");
    s.write_all(&(10_000_000u32).to_be_bytes()).await.unwrap();
    let err = read_frame(&mut s).await;
    assert_eq!(err["type"], "error");
    assert_eq!(err["code"], "limit");
    assert!(
        err["message"].as_str().unwrap().contains("larger than"),
        "{err}"
    );
    still_serves(a.addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_duration_and_streams_are_refused() {
    let a = agent(|c| c.max_duration = Duration::from_secs(10)).await;
    let e = client::run(&opts(a.addr, Some(TOKEN), 86_400_000), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Refused { .. }), "{e}");
    assert!(
        e.to_string().contains("exceeds this agent's limit of 10s"),
        "{e}"
    );
    let mut o = opts(a.addr, Some(TOKEN), 300);
    o.spec.streams = 100;
    let e = client::run(&o, |_| {}).await.unwrap_err();
    assert!(e.to_string().contains("--max-streams"), "{e}");
    still_serves(a.addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_concurrent_tests_are_refused() {
    let a = agent(|c| c.max_concurrent = 1).await;
    let addr = a.addr;
    let long =
        tokio::spawn(async move { client::run(&opts(addr, Some(TOKEN), 2000), |_| {}).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let e = client::run(&opts(a.addr, Some(TOKEN), 300), |_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Refused { .. }), "{e}");
    assert!(e.to_string().contains("busy"), "{e}");
    assert!(long.await.unwrap().is_ok());
    still_serves(a.addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_connection_is_closed() {
    let a = agent(|_| {}).await;
    let mut s = TcpStream::connect(a.addr).await.unwrap();
    let t = Instant::now();
    let mut b = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(8), s.read(&mut b))
        .await
        .expect("the agent closes a silent connection")
        .unwrap_or(0);
    assert_eq!(n, 0);
    assert!(t.elapsed() >= Duration::from_secs(4));
    assert!(a.logged("no greeting"));
    still_serves(a.addr).await;
}

/// Authenticates by hand, then opens the data connection from another address
/// (127.0.0.2): the agent refuses it (no reflection toward third addresses).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_from_another_address_is_refused() {
    let a = agent(|_| {}).await;
    let (mut ctl, test_id) = handshake(a.addr, "forward", 1000).await;
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.2:0".parse().unwrap()).unwrap();
    let mut d = sock.connect(a.addr).await.unwrap();
    let mut hdr = b"NKBW1DAT".to_vec();
    hdr.extend_from_slice(&unhex(&test_id));
    hdr.extend_from_slice(&[0, 0, 0]);
    d.write_all(&hdr).await.unwrap();
    let err = read_frame(&mut ctl).await;
    assert_eq!(err["type"], "error", "{err}");
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("data connections arrived"),
        "{err}"
    );
    assert!(a.logged("data must come from the same address"));
    still_serves(a.addr).await;
}

/// A client that stops mid-test (never reads, never says stop) is cut off soon
/// after the test's end, with a message, and the agent serves the next client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_client_is_cut_off() {
    let a = agent(|_| {}).await;
    let (mut ctl, test_id) = handshake(a.addr, "reverse", 1000).await;
    let mut d = TcpStream::connect(a.addr).await.unwrap();
    let mut hdr = b"NKBW1DAT".to_vec();
    hdr.extend_from_slice(&unhex(&test_id));
    hdr.extend_from_slice(&[0, 0, 1]);
    d.write_all(&hdr).await.unwrap();
    assert_eq!(read_frame(&mut ctl).await["type"], "start");
    // Stall: read nothing more, from either connection, for 7 s.
    let t = Instant::now();
    tokio::time::sleep(Duration::from_secs(7)).await;
    let mut last = Value::Null;
    for _ in 0..20 {
        last = read_frame(&mut ctl).await;
        if last["type"] == "error" {
            break;
        }
    }
    assert_eq!(last["code"], "cutoff", "{last}");
    assert!(
        last["message"].as_str().unwrap().contains("cut off"),
        "{last}"
    );
    assert!(t.elapsed() < Duration::from_secs(15));
    assert!(a.logged("aborted (cutoff)"));
    drop(d);
    still_serves(a.addr).await;
}

/// Hello, request with a correct proof, accepted: returns the control connection
/// and the test id.
async fn handshake(addr: SocketAddr, direction: &str, duration_ms: u64) -> (TcpStream, String) {
    let token = Token::from_text(TOKEN, "test").unwrap();
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"NKBW1CTL").await.unwrap();
    let hello = read_frame(&mut s).await;
    let nonce = unhex(hello["nonce"].as_str().unwrap());
    let cn = [7u8; 32];
    let req = json!({
        "type": "request",
        "client_nonce": hex(&cn),
        "proof": hex(&token.client_proof(&nonce, &cn)),
        "test": { "streams": 1, "duration_ms": duration_ms, "omit_ms": 0, "direction": direction },
    });
    write_frame(&mut s, &req).await;
    let acc = read_frame(&mut s).await;
    assert_eq!(acc["type"], "accepted", "{acc}");
    let id = acc["test_id"].as_str().unwrap().to_string();
    (s, id)
}
