//! Hostile peers against the agent on 127.0.0.0/8: downgrade, slowloris, garbage,
//! oversized frames, replay, a target outside --allow, bandwidth toward a
//! non-agent. Each is refused, and the agent still serves an authenticated
//! client afterwards (a real tcp check toward a loopback service passes).

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::*;
use netkit_agent::client::{self, ClientError};
use netkit_agent::proto::{self, Msg};
use netkit_bandwidth::auth::{hex, random_bytes, unhex};
use netkit_results::{CheckResult, Verdict};
use netkit_verify::checks::Unit;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const T: Duration = Duration::from_secs(5);

/// Open a session as a coordinator would, run `units`, return their results.
async fn run_units(
    addr: SocketAddr,
    token: &netkit_bandwidth::Token,
    sources: &[&str],
    far_ends: &[(&str, SocketAddr)],
    units: Vec<Unit>,
) -> Vec<Vec<CheckResult>> {
    let mut c = client::connect(addr, Some(token), T)
        .await
        .expect("connect");
    let session = Msg::Session {
        plan: serde_json::to_value(plan()).unwrap(),
        sources: sources.iter().map(|s| s.to_string()).collect(),
        probe: proto::Probe {
            timeout_ms: 500,
            tries: 2,
            rate_pps: 100,
        },
        far_ends: far_ends.iter().map(|(n, a)| (n.to_string(), *a)).collect(),
    };
    proto::write(&mut c.writer, &session, T).await.unwrap();
    let n = units.len();
    for (id, unit) in units.into_iter().enumerate() {
        let run = Msg::Run {
            id: id as u32,
            deadline_ms: 20_000,
            unit,
        };
        proto::write(&mut c.writer, &run, T).await.unwrap();
    }
    proto::write(&mut c.writer, &Msg::End, T).await.unwrap();
    let mut out: Vec<Option<Vec<CheckResult>>> = vec![None; n];
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(
            Instant::now() < deadline,
            "the agent did not finish in time"
        );
        let m: Msg = proto::read(&mut c.reader, 1 << 20, Duration::from_secs(30))
            .await
            .expect("a message");
        match m {
            Msg::Results { id, results } => out[id as usize] = Some(results),
            Msg::Alive => {}
            Msg::Bye => break,
            other => panic!("unexpected {other:?}"),
        }
    }
    out.into_iter()
        .map(|r| r.expect("every unit has results"))
        .collect()
}

/// The control: an authenticated client still gets a real check run.
async fn still_serves(addr: SocketAddr) {
    let port = service("127.0.0.1").await;
    let r = run_units(
        addr,
        &token(),
        &["lyon.users"],
        &[],
        vec![tcp_unit("lyon.users", "127.0.0.1", port)],
    )
    .await;
    assert_eq!(r[0][0].verdict, Verdict::Pass, "{:?}", r[0][0]);
    assert_eq!(r[0][0].check, "tcp");
}

async fn raw(addr: SocketAddr) -> TcpStream {
    TcpStream::connect(addr).await.unwrap()
}

/// Bind the client side on another loopback address (a legitimate user elsewhere).
async fn from_ip(ip: &str, to: SocketAddr) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(SocketAddr::new(ip.parse().unwrap(), 0)).unwrap();
    s.connect(to).await.unwrap()
}

async fn read_hello(s: &mut TcpStream) -> String {
    s.write_all(proto::MAGIC).await.unwrap();
    match proto::read::<Msg, _>(s, proto::MAX_HANDSHAKE_FRAME, T)
        .await
        .unwrap()
    {
        Msg::Hello { nonce, .. } => nonce,
        other => panic!("expected hello, got {other:?}"),
    }
}

async fn expect_error(s: &mut TcpStream, code: &str) -> String {
    match proto::read::<Msg, _>(s, proto::MAX_HANDSHAKE_FRAME, T).await {
        Ok(Msg::Error { code: c, message }) => {
            assert_eq!(c, code, "{message}");
            message
        }
        other => panic!("expected error {code}, got {other:?}"),
    }
}

#[tokio::test]
async fn a_token_holder_refuses_an_agent_without_auth_or_with_a_wrong_proof() {
    // An agent that announces `auth: none`.
    let open = agent_on("127.0.0.1", None, &["127.0.0.0/8"]).await;
    match client::connect(open.addr, Some(&token()), T).await {
        Err(ClientError::Auth(m)) => assert!(m.contains("auth: none"), "{m}"),
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("a token holder accepted an agent without authentication"),
    }
    // Without a token, such an agent is accepted (loopback development only).
    assert!(client::connect(open.addr, None, T).await.is_ok());
    // An impostor that accepts any proof and answers with garbage as its own.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake = l.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let mut m = [0u8; 8];
        s.read_exact(&mut m).await.unwrap();
        let hello = Msg::Hello {
            proto: proto::PROTOCOL.into(),
            nonce: hex(&random_bytes::<32>()),
            auth: "hmac-sha256".into(),
            limits: netkit_agent::ServerConfig::new(None).limits,
        };
        proto::write(&mut s, &hello, T).await.unwrap();
        let _: Msg = proto::read(&mut s, 4096, T).await.unwrap();
        proto::write(
            &mut s,
            &Msg::Welcome {
                proof: Some(hex(&[7u8; 32])),
            },
            T,
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    });
    match client::connect(fake, Some(&token()), T).await {
        Err(ClientError::Auth(m)) => assert!(m.contains("prove"), "{m}"),
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("accepted an agent that cannot prove the token"),
    }
    // The bandwidth client too (`netkit bandwidth --token-file` against `auth: none`).
    let bw = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bw_addr = bw.local_addr().unwrap();
    let mut cfg = netkit_bandwidth::agent::AgentConfig::new(None);
    cfg.log = std::sync::Arc::new(|_| {});
    tokio::spawn(netkit_bandwidth::agent::serve(
        bw,
        cfg,
        std::future::pending::<()>(),
    ));
    let opts = netkit_bandwidth::client::Options {
        addr: bw_addr,
        token: Some(token()),
        spec: netkit_bandwidth::TestSpec {
            streams: 1,
            duration_ms: 500,
            ..Default::default()
        },
        connector: netkit_bandwidth::net::Connector::new(None),
    };
    let e = netkit_bandwidth::client::run(&opts, |_| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("auth: none"), "{e}");
}

#[tokio::test]
async fn wrong_token_and_replayed_proof_are_refused() {
    let a = agent_on("127.0.0.1", Some(token()), &["127.0.0.0/8"]).await;
    match client::connect(a.addr, Some(&other_token()), T).await {
        Err(ClientError::TokenRefused(m)) => assert!(m.contains("wrong token"), "{m}"),
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("wrong token accepted"),
    }
    match client::connect(a.addr, None, T).await {
        Err(ClientError::Auth(m)) => assert!(m.contains("requires a token"), "{m}"),
        Err(e) => panic!("wrong error {e}"),
        Ok(_) => panic!("no token accepted"),
    }
    // Record a valid answer to one challenge, replay it on another connection.
    let mut s1 = raw(a.addr).await;
    let nonce = unhex(&read_hello(&mut s1).await).unwrap();
    let client_nonce = random_bytes::<32>();
    let proof = token().prove(proto::CLIENT_LABEL, &nonce, &client_nonce);
    let auth = Msg::Auth {
        client_nonce: hex(&client_nonce),
        proof: Some(hex(&proof)),
    };
    proto::write(&mut s1, &auth, T).await.unwrap();
    assert!(matches!(
        proto::read::<Msg, _>(&mut s1, 4096, T).await.unwrap(),
        Msg::Welcome { .. }
    ));
    let mut s2 = raw(a.addr).await;
    let _ = read_hello(&mut s2).await;
    proto::write(&mut s2, &auth, T).await.unwrap();
    let m = expect_error(&mut s2, "auth").await;
    assert!(m.contains("wrong token"), "{m}");
    // A proof made for netkit-bw/1 is worth nothing here.
    let mut s3 = raw(a.addr).await;
    let nonce = unhex(&read_hello(&mut s3).await).unwrap();
    let bw_proof = token().client_proof(&nonce, &client_nonce);
    proto::write(
        &mut s3,
        &Msg::Auth {
            client_nonce: hex(&client_nonce),
            proof: Some(hex(&bw_proof)),
        },
        T,
    )
    .await
    .unwrap();
    expect_error(&mut s3, "auth").await;
    drop((s1, s2, s3));
    still_serves(a.addr).await;
}

#[tokio::test]
async fn slowloris_and_idle_sockets_do_not_lock_users_out() {
    let a = agent_on("127.0.0.1", Some(token()), &["127.0.0.0/8"]).await;
    // 80 idle sockets from one address, as in the issue.
    let mut idle = Vec::new();
    for _ in 0..80 {
        idle.push(raw(a.addr).await);
    }
    // One that trickles its greeting a byte every 500 ms.
    let mut slow = raw(a.addr).await;
    let trickle = tokio::spawn(async move {
        let mut sent = 0;
        for b in proto::MAGIC {
            if slow.write_all(&[*b]).await.is_err() {
                break;
            }
            sent += 1;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        let mut buf = [0u8; 64];
        let n = tokio::time::timeout(Duration::from_secs(5), slow.read(&mut buf)).await;
        (sent, n.map(|r| r.unwrap_or(0)).unwrap_or(usize::MAX))
    });
    // Three authenticated sessions from another address all succeed, at once.
    for _ in 0..3 {
        let started = Instant::now();
        let mut s = from_ip("127.0.0.2", a.addr).await;
        let nonce = unhex(&read_hello(&mut s).await).unwrap();
        let cn = random_bytes::<32>();
        let auth = Msg::Auth {
            client_nonce: hex(&cn),
            proof: Some(hex(&token().prove(proto::CLIENT_LABEL, &nonce, &cn))),
        };
        proto::write(&mut s, &auth, T).await.unwrap();
        assert!(matches!(
            proto::read::<Msg, _>(&mut s, 4096, T).await.unwrap(),
            Msg::Welcome { .. }
        ));
        assert!(started.elapsed() < Duration::from_secs(2));
    }
    // The trickler is cut off by the 3 s handshake deadline (the greeting takes 4 s).
    let (sent, n) = trickle.await.unwrap();
    assert!(sent < 8 || n == 0, "sent {sent}, read {n}");
    // Refusals are logged once per peer per interval, not per connection.
    let lines = a.log_lines();
    let refused = lines
        .iter()
        .filter(|l| l.contains("refused: 4 connections"))
        .count();
    assert!(refused <= 2, "{refused} refusal lines: {lines:#?}");
    drop(idle);
    tokio::time::sleep(Duration::from_millis(200)).await;
    still_serves(a.addr).await;
}

#[tokio::test]
async fn garbage_and_oversized_frames_are_refused() {
    let a = agent_on("127.0.0.1", Some(token()), &["127.0.0.0/8"]).await;
    // Not a netkit greeting: closed, the greeting escaped in the log.
    let mut s = raw(a.addr).await;
    s.write_all(b"GET /\n\x1b[31m").await.unwrap();
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(T, s.read(&mut buf))
        .await
        .unwrap()
        .unwrap_or(0);
    assert_eq!(n, 0);
    // Garbage after the greeting.
    let mut s = raw(a.addr).await;
    let _ = read_hello(&mut s).await;
    s.write_all(&9u32.to_be_bytes()).await.unwrap();
    s.write_all(b"{\"type\":\xff").await.unwrap();
    expect_error(&mut s, "protocol").await;
    // An oversized frame before authentication.
    let mut s = raw(a.addr).await;
    let _ = read_hello(&mut s).await;
    s.write_all(&(64u32 << 20).to_be_bytes()).await.unwrap();
    let m = expect_error(&mut s, "protocol").await;
    assert!(m.contains("larger than"), "{m}");
    // The log holds no raw control characters from the peer.
    tokio::time::sleep(Duration::from_millis(100)).await;
    for l in a.log_lines() {
        assert!(!l.contains('\u{1b}') && !l.contains('\n'), "{l:?}");
    }
    still_serves(a.addr).await;
}

#[tokio::test]
async fn targets_outside_allow_and_bandwidth_toward_a_non_agent_are_refused() {
    // Only 127.0.0.1 may be probed: 127.0.0.2 is outside (and still loopback, so
    // nothing could leave this machine even if the refusal failed).
    let a = agent_on("127.0.0.1", Some(token()), &["127.0.0.1/32"]).await;
    let port = service("127.0.0.2").await;
    // A "bandwidth far end" that is not an agent: a plain listener counting bytes.
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let not_agent = l.local_addr().unwrap();
    let received = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let r2 = received.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let r3 = r2.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    r3.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    let bw = |to: &str, iperf3: bool| {
        Unit::Bandwidth(netkit_verify::playbook::BandwidthCheck {
            from: "lyon.users".into(),
            to: to.into(),
            min_bps: 1_000_000,
            duration: Duration::from_secs(1),
            streams: 1,
            reverse: false,
            bidir: false,
            iperf3,
        })
    };
    let units = vec![
        tcp_unit("lyon.users", "127.0.0.2", port),
        Unit::Reach {
            from: "lyon.users".into(),
            to: endpoint("127.0.0.2"),
        },
        // A source this session did not name.
        tcp_unit("marseille.users", "127.0.0.1", port),
        bw("hq.users", false),
        bw("hq.r1", false),
        bw("hq.r1", true),
    ];
    let r = run_units(
        a.addr,
        &token(),
        &["lyon.users"],
        &[("hq.r1", not_agent)],
        units,
    )
    .await;
    let reason = |i: usize| r[i][0].reason.clone().unwrap_or_default();
    for (i, res) in r.iter().enumerate() {
        assert_eq!(res[0].verdict, Verdict::Error, "unit {i}: {:?}", res[0]);
    }
    assert!(reason(0).contains("outside the prefixes"), "{}", reason(0));
    assert!(reason(1).contains("outside the prefixes"), "{}", reason(1));
    assert!(
        reason(2).contains("did not name marseille.users"),
        "{}",
        reason(2)
    );
    assert!(reason(3).contains("no netkit agent"), "{}", reason(3));
    assert!(
        reason(4).contains("auth") || reason(4).contains("protocol") || reason(4).contains("agent"),
        "{}",
        reason(4)
    );
    assert!(reason(5).contains("iperf3"), "{}", reason(5));
    // The non-agent got at most the bandwidth greeting, never test traffic.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(received.load(std::sync::atomic::Ordering::Relaxed) <= 64);
    // Session limits: too many tries per probe is a clear refusal.
    let mut c = client::connect(a.addr, Some(&token()), T).await.unwrap();
    let session = Msg::Session {
        plan: serde_json::to_value(plan()).unwrap(),
        sources: vec!["lyon.users".into()],
        probe: proto::Probe {
            timeout_ms: 500,
            tries: 1000,
            rate_pps: 100,
        },
        far_ends: Default::default(),
    };
    proto::write(&mut c.writer, &session, T).await.unwrap();
    match proto::read::<Msg, _>(&mut c.reader, 4096, T).await.unwrap() {
        Msg::Error { code, message } => {
            assert_eq!(code, "limit");
            assert!(message.contains("tries"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // And the agent still runs an allowed check.
    still_serves(a.addr).await;
}
