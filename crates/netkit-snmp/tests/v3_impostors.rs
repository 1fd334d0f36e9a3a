//! SNMPv3 answers that must never become a result (RFC 3414 §3.2): a reply at a
//! lower security level than the request, a wrong MAC, an answer outside the
//! time window, another user or engine, an unauthenticated time report. Each is
//! played by a fake agent on 127.0.0.1 that knows the user's keys; an honest run
//! of the same fake is the positive control.

#[path = "support/fake_v3.rs"]
mod fake_v3;

use std::time::Duration;

use fake_v3::{AUTH_PASSWORD, FORGED, FakeV3, Mode, PRIV_PASSWORD, USER};
use netkit_snmp::client::{Client, Target};
use netkit_snmp::credentials::{Error, v3};
use netkit_snmp::{Oid, Value};

fn sys_descr() -> Oid {
    "1.3.6.1.2.1.1.1.0".parse().unwrap()
}

async fn client(agent: &FakeV3) -> Client {
    let creds = v3(
        USER.into(),
        Some("SHA"),
        Some(AUTH_PASSWORD.into()),
        Some("AES"),
        Some(PRIV_PASSWORD.into()),
    )
    .unwrap();
    let mut t = Target::new(agent.addr, creds);
    t.timeout = Duration::from_millis(300);
    t.retries = 0;
    Client::connect(t).await.unwrap()
}

/// The fake's answer in `mode` must be refused with an error whose text has `needle`.
async fn refused(mode: Mode, needle: &str) {
    let agent = FakeV3::start(mode);
    let mut c = client(&agent).await;
    match c.get(&[sys_descr()]).await {
        Ok(vbs) => panic!("{mode:?}: the forged answer was accepted: {vbs:?}"),
        Err(e) => {
            let text = e.to_string();
            assert!(matches!(e, Error::V3 { .. }), "{mode:?}: {text}");
            assert!(text.contains(needle), "{mode:?}: {text}");
            for secret in [AUTH_PASSWORD, PRIV_PASSWORD] {
                assert!(!text.contains(secret), "{text}");
            }
        }
    }
}

#[tokio::test]
async fn honest_fake_is_accepted_positive_control() {
    let agent = FakeV3::start(Mode::Honest);
    let mut c = client(&agent).await;
    let vbs = c.get(&[sys_descr()]).await.unwrap();
    assert_eq!(vbs[0].value, Value::OctetString(FORGED.as_bytes().to_vec()));
    // And a second request on the same engine state.
    c.get(&[sys_descr()]).await.unwrap();
}

#[tokio::test]
async fn unauthenticated_answer_to_authpriv_is_refused() {
    refused(Mode::NoAuth, "security level").await;
}

#[tokio::test]
async fn plaintext_scoped_pdu_to_authpriv_is_refused() {
    refused(Mode::PlainToAuthPriv, "security level").await;
}

#[tokio::test]
async fn wrong_mac_is_refused() {
    refused(Mode::BadMac, "authentication code").await;
}

#[tokio::test]
async fn answer_outside_the_time_window_is_refused() {
    refused(Mode::OutsideWindow, "time window").await;
}

#[tokio::test]
async fn answer_from_an_older_boot_is_refused() {
    refused(Mode::OlderBoots, "time window").await;
}

#[tokio::test]
async fn answer_for_another_user_is_refused() {
    refused(Mode::OtherUser, "user").await;
}

#[tokio::test]
async fn answer_from_another_engine_is_refused() {
    refused(Mode::OtherEngine, "engine").await;
}

#[tokio::test]
async fn unauthenticated_time_report_is_refused() {
    refused(Mode::UnauthTimeReport, "not authenticated").await;
}

/// Request ids and msgIDs are unpredictable: not a counter an impostor can guess.
#[tokio::test]
async fn request_ids_and_msg_ids_are_random() {
    let agent = FakeV3::start(Mode::Honest);
    let mut c = client(&agent).await;
    for _ in 0..12 {
        c.get(&[sys_descr()]).await.unwrap();
    }
    let seen = agent.seen.lock().unwrap().clone();
    assert!(seen.len() >= 13, "{seen:?}");
    let steps = |ids: Vec<i64>| -> Vec<i64> { ids.windows(2).map(|w| w[1] - w[0]).collect() };
    let msg_steps = steps(seen.iter().map(|(m, _)| i64::from(*m)).collect());
    let req_steps = steps(seen.iter().map(|(_, r)| i64::from(*r)).collect());
    // A counter moves by a small constant step; random ids are spread over 2^31.
    for s in [&msg_steps, &req_steps] {
        let small = s.iter().filter(|d| d.abs() < 1_000).count();
        assert!(small <= 1, "predictable ids: steps {s:?}");
    }
    let all: std::collections::HashSet<i32> = seen.iter().flat_map(|(m, r)| [*m, *r]).collect();
    assert!(all.len() >= seen.len() * 2 - 1, "ids repeat: {seen:?}");
}
