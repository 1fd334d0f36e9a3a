//! A fake SNMPv3 agent on 127.0.0.1 that knows the user's keys (SHA-1, AES-128)
//! and answers in one chosen (honest or hostile) way. It runs on its own thread
//! with a bounded life (30 s at most) and stops when dropped.
//!
//! Shared by the client tests (netkit-snmp) and the CLI tests (netkit-cli, by
//! `#[path]`), so it only uses netkit-snmp's public API.
#![allow(dead_code)]

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use netkit_snmp::Oid;
use netkit_snmp::pdu::{Pdu, PduType, Value, VarBind};
use netkit_snmp::usm::{
    AuthProtocol, FLAG_AUTH, FLAG_PRIV, ScopedData, ScopedPdu, UsmParams, V3Message, aes_decrypt,
    aes_encrypt,
};

pub const USER: &str = "nkfake";
pub const AUTH_PASSWORD: &str = "fakeAuthPass-3141";
pub const PRIV_PASSWORD: &str = "fakePrivPass-2718";
pub const ENGINE_ID: &[u8] = b"\x80\x00\x1f\x88\x04nkfake-engine";
pub const BOOTS: u32 = 7;
/// What the fake puts in every answer's variable bindings.
pub const FORGED: &str = "forged sysDescr from an impostor";

/// How the fake answers a request (after an honest discovery).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// authPriv, valid MAC, in the time window: the control case.
    Honest,
    /// A plaintext, unauthenticated Response (noAuthNoPriv).
    NoAuth,
    /// authPriv with a MAC computed under a wrong key.
    BadMac,
    /// authPriv, valid MAC, but engine time 1,000 s behind the discovery's.
    OutsideWindow,
    /// authPriv, valid MAC, but one boot fewer than the discovery's.
    OlderBoots,
    /// authNoPriv: a valid MAC over a plaintext scoped PDU, to an authPriv request.
    PlainToAuthPriv,
    /// authPriv, valid MAC, another user name.
    OtherUser,
    /// authPriv, valid MAC, another engine id in the answer.
    OtherEngine,
    /// An unauthenticated notInTimeWindow Report pointing far in the future.
    UnauthTimeReport,
    /// Honest, but the value is [`HOSTILE_TEXT`]: terminal escapes and a line break.
    HostileText,
}

/// A value with an ANSI clear-screen, a window-title OSC, a BEL, a bidi override
/// and a line break that would fake another line of a walk.
pub const HOSTILE_TEXT: &str =
    "Linux\u{1b}[2J\u{1b}]0;owned\u{7}\u{202e}\n.1.3.6.1.2.1.1.5.0 = STRING: injected";

/// The fake agent; `seen` records (msgID, request-id) of every request.
pub struct FakeV3 {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<(i32, i32)>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for FakeV3 {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn keys() -> (Vec<u8>, Vec<u8>) {
    let p = AuthProtocol::Sha1;
    let auth = p.localize(&p.password_to_key(AUTH_PASSWORD.as_bytes()), ENGINE_ID);
    let privacy = p.localize(&p.password_to_key(PRIV_PASSWORD.as_bytes()), ENGINE_ID);
    (auth, privacy)
}

impl FakeV3 {
    pub fn start(mode: Mode) -> FakeV3 {
        let sock = UdpSocket::bind("127.0.0.1:0").expect("bind fake agent");
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("read timeout");
        let addr = sock.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (auth_key, priv_key) = keys();
        let thread = {
            let stop = stop.clone();
            let seen = seen.clone();
            std::thread::spawn(move || {
                let born = Instant::now();
                let mut buf = vec![0u8; 65_536];
                let mut salt = 0x5eed_0000_0000_0000u64;
                // Bounded in time: at most 30 s, or until dropped.
                while !stop.load(Ordering::SeqCst) && born.elapsed() < Duration::from_secs(30) {
                    let Ok((n, peer)) = sock.recv_from(&mut buf) else {
                        continue;
                    };
                    let now = 1_000 + u32::try_from(born.elapsed().as_secs()).unwrap_or(0);
                    salt += 1;
                    let reply = answer(mode, &buf[..n], now, salt, &auth_key, &priv_key, &seen);
                    if let Some(reply) = reply {
                        let _ = sock.send_to(&reply, peer);
                    }
                }
            })
        };
        FakeV3 {
            addr,
            seen,
            stop,
            thread: Some(thread),
        }
    }
}

fn answer(
    mode: Mode,
    raw: &[u8],
    now: u32,
    salt: u64,
    auth_key: &[u8],
    priv_key: &[u8],
    seen: &Mutex<Vec<(i32, i32)>>,
) -> Option<Vec<u8>> {
    let m = V3Message::parse(raw).ok()?;
    let scoped = match m.data {
        ScopedData::Plain(s) => s,
        ScopedData::Encrypted(mut bytes) => {
            let salt: [u8; 8] = m.usm.priv_params.as_slice().try_into().ok()?;
            aes_decrypt(
                priv_key,
                m.usm.engine_boots,
                m.usm.engine_time,
                &salt,
                &mut bytes,
            );
            ScopedPdu::parse(&bytes).ok()?
        }
    };
    seen.lock()
        .expect("seen lock")
        .push((m.msg_id, scoped.pdu.request_id));
    if m.usm.engine_id.is_empty() {
        // Discovery (RFC 3414 §4): an unauthenticated Report of usmStatsUnknownEngineIDs.
        return Some(report(m.msg_id, &scoped.pdu, 4, BOOTS, now, &[]));
    }
    if mode == Mode::UnauthTimeReport {
        return Some(report(
            m.msg_id,
            &scoped.pdu,
            2,
            BOOTS + 100,
            5,
            &m.usm.user,
        ));
    }
    let response = Pdu {
        kind: PduType::Response,
        request_id: scoped.pdu.request_id,
        error_status: 0,
        error_index: 0,
        varbinds: scoped
            .pdu
            .varbinds
            .iter()
            .map(|vb| VarBind {
                oid: vb.oid.clone(),
                // A walk (GETNEXT, GETBULK) ends at once; a GET gets the value.
                value: match scoped.pdu.kind {
                    PduType::GetNext | PduType::GetBulk => Value::EndOfMibView,
                    _ if mode == Mode::HostileText => {
                        Value::OctetString(HOSTILE_TEXT.as_bytes().to_vec())
                    }
                    _ => Value::OctetString(FORGED.as_bytes().to_vec()),
                },
            })
            .collect(),
    };
    let out = ScopedPdu {
        context_engine_id: ENGINE_ID.to_vec(),
        context_name: Vec::new(),
        pdu: response,
    };
    let mut boots = BOOTS;
    let mut time = now;
    let mut user = m.usm.user.clone();
    let mut engine_id = ENGINE_ID.to_vec();
    let mut key = auth_key.to_vec();
    match mode {
        Mode::OutsideWindow => time = now.saturating_sub(1_000),
        Mode::OlderBoots => boots = BOOTS - 1,
        Mode::OtherUser => user = b"intruder".to_vec(),
        Mode::OtherEngine => engine_id = b"\x80\x00\x1f\x88\x04other-engine".to_vec(),
        Mode::BadMac => key[0] ^= 0x55,
        _ => {}
    }
    let salt = salt.to_be_bytes();
    let (flags, data, priv_params, auth) = match mode {
        Mode::NoAuth => (0, ScopedData::Plain(out), Vec::new(), None),
        Mode::PlainToAuthPriv => (
            FLAG_AUTH,
            ScopedData::Plain(out),
            Vec::new(),
            Some((AuthProtocol::Sha1, key.as_slice())),
        ),
        _ => {
            let mut plain = out.emit();
            aes_encrypt(priv_key, boots, time, &salt, &mut plain);
            (
                FLAG_AUTH | FLAG_PRIV,
                ScopedData::Encrypted(plain),
                salt.to_vec(),
                Some((AuthProtocol::Sha1, key.as_slice())),
            )
        }
    };
    let usm = UsmParams {
        engine_id,
        engine_boots: boots,
        engine_time: time,
        user,
        auth_params: Vec::new(),
        priv_params,
    };
    Some(V3Message::emit(m.msg_id, 65_507, flags, &usm, &data, auth))
}

/// An unauthenticated Report of `usmStats.<which>.0`.
fn report(msg_id: i32, request: &Pdu, which: u32, boots: u32, time: u32, user: &[u8]) -> Vec<u8> {
    let oid = Oid::new(&[1, 3, 6, 1, 6, 3, 15, 1, 1, which, 0]);
    let scoped = ScopedPdu {
        context_engine_id: ENGINE_ID.to_vec(),
        context_name: Vec::new(),
        pdu: Pdu {
            kind: PduType::Report,
            request_id: request.request_id,
            error_status: 0,
            error_index: 0,
            varbinds: vec![VarBind {
                oid,
                value: Value::Counter32(1),
            }],
        },
    };
    let usm = UsmParams {
        engine_id: ENGINE_ID.to_vec(),
        engine_boots: boots,
        engine_time: time,
        user: user.to_vec(),
        auth_params: Vec::new(),
        priv_params: Vec::new(),
    };
    V3Message::emit(msg_id, 65_507, 0, &usm, &ScopedData::Plain(scoped), None)
}
