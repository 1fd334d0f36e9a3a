//! Agents that misbehave, played by a small fake UDP responder on 127.0.0.1:
//! silence, a wrong community, truncated and malformed answers, tables that
//! never end. Every case ends with a clear error in bounded time, and no error
//! message contains the community.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use netkit_snmp::client::{Client, Target, WalkLimits};
use netkit_snmp::credentials::{Credentials, Error, Secret};
use netkit_snmp::pdu::{CommunityMessage, Pdu, PduType, VarBind};
use netkit_snmp::{Oid, Value};
use tokio::net::UdpSocket;

const COMMUNITY: &str = "fakeAgentSecret-991";

type Behaviour = Arc<dyn Fn(&CommunityMessage, u64) -> Vec<Vec<u8>> + Send + Sync>;

/// Start a fake agent; `behaviour(request, n)` returns the datagrams to send back
/// for the n-th request (none for silence).
async fn fake_agent(behaviour: Behaviour) -> SocketAddr {
    let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = sock.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65536];
        let mut n = 0u64;
        // Bounded: the test runtime ends with the test.
        while let Ok((len, peer)) = sock.recv_from(&mut buf).await {
            n += 1;
            if let Ok(req) = CommunityMessage::parse(&buf[..len]) {
                for reply in behaviour(&req, n) {
                    let _ = sock.send_to(&reply, peer).await;
                }
            }
        }
    });
    addr
}

fn response(req: &CommunityMessage, varbinds: Vec<VarBind>) -> Vec<u8> {
    CommunityMessage {
        version: req.version,
        community: req.community.clone(),
        pdu: Pdu {
            kind: PduType::Response,
            request_id: req.pdu.request_id,
            error_status: 0,
            error_index: 0,
            varbinds,
        },
    }
    .emit()
}

async fn client(addr: SocketAddr, community: &str) -> Client {
    let mut t = Target::new(addr, Credentials::Community(Secret::new(community)));
    t.timeout = Duration::from_millis(200);
    t.retries = 1;
    Client::connect(t).await.unwrap()
}

fn no_secret(e: &Error) {
    let text = format!("{e} {e:?}");
    assert!(!text.contains(COMMUNITY), "secret leaked: {text}");
}

fn sys_descr() -> Oid {
    "1.3.6.1.2.1.1.1.0".parse().unwrap()
}

#[tokio::test]
async fn silence_is_a_timeout_in_bounded_time() {
    let addr = fake_agent(Arc::new(|_, _| Vec::new())).await;
    let mut c = client(addr, COMMUNITY).await;
    let start = Instant::now();
    let e = c.get(&[sys_descr()]).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { tries: 2, .. }), "{e}");
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
    assert!(e.to_string().contains("no answer"), "{e}");
    no_secret(&e);
}

#[tokio::test]
async fn nobody_listening_is_a_timeout_too() {
    // Bind then drop: the port is very likely closed (ICMP port unreachable).
    let addr = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap()
    };
    let mut c = client(addr, COMMUNITY).await;
    let start = Instant::now();
    let e = c.get(&[sys_descr()]).await.unwrap_err();
    assert!(matches!(e, Error::Timeout { .. }), "{e}");
    assert!(start.elapsed() < Duration::from_millis(1500));
}

#[tokio::test]
async fn wrong_community_is_ignored_like_net_snmp_does() {
    let addr = fake_agent(Arc::new(|req, _| {
        if req.community == b"right-one-123" {
            vec![response(
                req,
                vec![VarBind {
                    oid: req.pdu.varbinds[0].oid.clone(),
                    value: Value::OctetString(b"ok".to_vec()),
                }],
            )]
        } else {
            Vec::new()
        }
    }))
    .await;
    let mut good = client(addr, "right-one-123").await;
    assert_eq!(
        good.get(&[sys_descr()]).await.unwrap()[0].value,
        Value::OctetString(b"ok".to_vec())
    );
    let mut bad = client(addr, COMMUNITY).await;
    let e = bad.get(&[sys_descr()]).await.unwrap_err();
    assert!(e.to_string().contains("credentials"), "{e}");
    no_secret(&e);
}

#[tokio::test]
async fn truncated_answer_is_malformed() {
    let addr = fake_agent(Arc::new(|req, _| {
        let full = response(
            req,
            vec![VarBind {
                oid: sys_descr(),
                value: Value::OctetString(vec![b'x'; 40]),
            }],
        );
        vec![full[..full.len() / 2].to_vec()]
    }))
    .await;
    let mut c = client(addr, COMMUNITY).await;
    let start = Instant::now();
    let e = c.get(&[sys_descr()]).await.unwrap_err();
    assert!(matches!(e, Error::Malformed { .. }), "{e}");
    assert!(e.to_string().contains("truncated"), "{e}");
    assert!(start.elapsed() < Duration::from_millis(300));
    no_secret(&e);
}

#[tokio::test]
async fn garbage_answer_is_malformed() {
    let addr = fake_agent(Arc::new(|_, _| {
        vec![b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()]
    }))
    .await;
    let mut c = client(addr, COMMUNITY).await;
    let e = c.get(&[sys_descr()]).await.unwrap_err();
    assert!(matches!(e, Error::Malformed { .. }), "{e}");
    no_secret(&e);
}

#[tokio::test]
async fn stale_answers_are_skipped() {
    // First a reply to another request id, then the right one.
    let addr = fake_agent(Arc::new(|req, _| {
        let mut stale = req.clone();
        stale.pdu.request_id = req.pdu.request_id.wrapping_add(1000);
        vec![
            response(
                &stale,
                vec![VarBind {
                    oid: sys_descr(),
                    value: Value::Integer(1),
                }],
            ),
            response(
                req,
                vec![VarBind {
                    oid: sys_descr(),
                    value: Value::Integer(2),
                }],
            ),
        ]
    }))
    .await;
    let mut c = client(addr, COMMUNITY).await;
    assert_eq!(
        c.get(&[sys_descr()]).await.unwrap()[0].value,
        Value::Integer(2)
    );
}

#[tokio::test]
async fn agent_error_status_is_reported() {
    let addr = fake_agent(Arc::new(|req, _| {
        let mut m = CommunityMessage::parse(&response(req, req.pdu.varbinds.clone())).unwrap();
        m.pdu.error_status = 5;
        m.pdu.error_index = 1;
        vec![m.emit()]
    }))
    .await;
    let mut c = client(addr, COMMUNITY).await;
    let e = c.get(&[sys_descr()]).await.unwrap_err();
    assert!(
        e.to_string().contains("genErr") && e.to_string().contains("1.3.6.1.2.1.1.1.0"),
        "{e}"
    );
}

/// A table whose OIDs always increase and never leave the subtree.
#[tokio::test]
async fn endless_table_stops_at_the_row_limit() {
    let addr = fake_agent(Arc::new(|req, _| {
        let start = req.pdu.varbinds[0].oid.clone();
        let reps = req.pdu.error_index.clamp(1, 50) as u32;
        let vbs = (1..=reps)
            .map(|i| VarBind {
                // A child of the previous OID is always larger and stays inside.
                oid: start.child(&[i]),
                value: Value::Integer(1),
            })
            .collect();
        vec![response(req, vbs)]
    }))
    .await;
    let mut c = client(addr, COMMUNITY).await;
    let start = Instant::now();
    let root: Oid = "1.3.6.1.2.1.2.2".parse().unwrap();
    let e = c
        .walk(
            &root.child(&[1, 1, 0]),
            WalkLimits {
                max_rows: 2000,
                max_time: Duration::from_secs(20),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TooManyRows { rows: 2000, .. }), "{e}");
    assert!(start.elapsed() < Duration::from_secs(5));
    // And by time when the row limit is high.
    let start = Instant::now();
    let e = c
        .walk(
            &root,
            WalkLimits {
                max_rows: usize::MAX,
                max_time: Duration::from_millis(500),
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::WalkTimeout { .. }), "{e}");
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
}

/// A table that repeats itself (the classic broken agent).
#[tokio::test]
async fn repeating_oids_are_detected() {
    let addr = fake_agent(Arc::new(|req, _| {
        let o: Oid = "1.3.6.1.2.1.2.2.1.2.7".parse().unwrap();
        vec![response(
            req,
            vec![VarBind {
                oid: o,
                value: Value::Integer(1),
            }],
        )]
    }))
    .await;
    let mut c = client(addr, COMMUNITY).await;
    let start = Instant::now();
    let e = c
        .walk(&"1.3.6.1.2.1.2.2".parse().unwrap(), WalkLimits::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NonIncreasing { .. }), "{e}");
    assert!(e.to_string().contains("does not increase"), "{e}");
    assert!(start.elapsed() < Duration::from_secs(1));
}

/// Going backwards inside the subtree is caught as well.
#[tokio::test]
async fn decreasing_oids_are_detected() {
    let addr = fake_agent(Arc::new(|req, n| {
        let o: Oid = if n == 1 {
            "1.3.6.1.2.1.2.2.1.2.9"
        } else {
            "1.3.6.1.2.1.2.2.1.2.3"
        }
        .parse()
        .unwrap();
        vec![response(
            req,
            vec![VarBind {
                oid: o,
                value: Value::Integer(1),
            }],
        )]
    }))
    .await;
    let mut c = client(addr, COMMUNITY).await;
    let e = c
        .walk(&"1.3.6.1.2.1.2.2".parse().unwrap(), WalkLimits::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NonIncreasing { .. }), "{e}");
}

/// An empty GETBULK answer would loop forever: it is an error.
#[tokio::test]
async fn empty_bulk_answer_is_an_error() {
    let addr = fake_agent(Arc::new(|req, _| vec![response(req, Vec::new())])).await;
    let mut c = client(addr, COMMUNITY).await;
    let e = c
        .walk(&"1.3.6.1.2.1.2.2".parse().unwrap(), WalkLimits::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Malformed { .. }), "{e}");
}

/// An error-index of i64::MIN (or 0, or past the bindings) panicked in debug
/// builds on `idx - 1`; it is an agent error without an OID.
#[tokio::test]
async fn hostile_error_index_is_an_error_not_a_panic() {
    for index in [i64::MIN, 0, -1, i64::MAX, 2] {
        let addr = fake_agent(Arc::new(move |req, _| {
            let mut m = CommunityMessage::parse(&response(req, req.pdu.varbinds.clone())).unwrap();
            m.pdu.error_status = 5;
            m.pdu.error_index = index;
            vec![m.emit()]
        }))
        .await;
        let mut c = client(addr, COMMUNITY).await;
        let e = c.get(&[sys_descr()]).await.unwrap_err();
        assert!(
            matches!(e, Error::Agent { oid: None, .. }),
            "index {index}: {e}"
        );
        assert!(e.to_string().contains("genErr"), "{e}");
    }
}
