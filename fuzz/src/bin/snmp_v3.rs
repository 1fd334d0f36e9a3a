//! The SNMPv3 security path of the client: any datagram as an answer. Parse the
//! message, check its MAC with the user's localized key, decrypt the scoped PDU
//! with the privacy key and parse it, as `Client` does. Must never panic.
#![no_main]

use std::sync::OnceLock;

use netkit_snmp::usm::{AuthProtocol, ScopedData, ScopedPdu, V3Message, aes_decrypt};

struct Keys {
    sha1: Vec<u8>,
    sha256: Vec<u8>,
    privacy: Vec<u8>,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let engine = b"\x80\x00\x1f\x88\x04fuzz-engine";
        let s1 = AuthProtocol::Sha1;
        let s2 = AuthProtocol::Sha256;
        Keys {
            sha1: s1.localize(&s1.password_to_key(b"fuzzAuthPass"), engine),
            sha256: s2.localize(&s2.password_to_key(b"fuzzAuthPass"), engine),
            privacy: s1.localize(&s1.password_to_key(b"fuzzPrivPass"), engine),
        }
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(m) = V3Message::parse(data) else {
        return;
    };
    let k = keys();
    let _ = m.verify(data, AuthProtocol::Sha1, &k.sha1);
    let _ = m.verify(data, AuthProtocol::Sha256, &k.sha256);
    if let ScopedData::Encrypted(mut bytes) = m.data.clone() {
        if let Ok(salt) = <[u8; 8]>::try_from(m.usm.priv_params.as_slice()) {
            aes_decrypt(&k.privacy, m.usm.engine_boots, m.usm.engine_time, &salt, &mut bytes);
            let _ = ScopedPdu::parse(&bytes);
        }
    }
});
