//! The BER/SNMP codec: known vectors, round trips, and properties on random
//! bytes (the decoders never panic and never loop).

use netkit_snmp::ber::{self, Reader};
use netkit_snmp::pdu::{CommunityMessage, Pdu, PduType, VarBind};
use netkit_snmp::usm::{
    AuthProtocol, FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE, ScopedData, ScopedPdu, UsmParams,
    V3Message, aes_decrypt, aes_encrypt, hex,
};
use netkit_snmp::{Oid, Value};
use proptest::prelude::*;

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// RFC 3414 appendix A.3.2: "maplesyrup" with SHA, engine 00..02.
#[test]
fn rfc3414_sha_key_localization() {
    let ku = AuthProtocol::Sha1.password_to_key(b"maplesyrup");
    assert_eq!(hex(&ku), "9fb5cc0381497b3793528939ff788d5d79145211");
    let kul = AuthProtocol::Sha1.localize(&ku, &unhex("000000000000000000000002"));
    assert_eq!(hex(&kul), "6695febc9288e36282235fc7151f128497b38f3f");
}

/// RFC 7860 uses the same algorithm with SHA-256; this vector is the widely
/// published one for "maplesyrup" (also used by net-snmp's test suite).
#[test]
fn sha256_key_localization() {
    let ku = AuthProtocol::Sha256.password_to_key(b"maplesyrup");
    let kul = AuthProtocol::Sha256.localize(&ku, &unhex("000000000000000000000002"));
    assert_eq!(
        hex(&kul),
        "8982e0e549e866db361a6b625d84cccc11162d453ee8ce3a6445c2d6776f0f8b"
    );
}

#[test]
fn oid_encoding_known_bytes() {
    let o: Oid = "1.3.6.1.2.1.1.1.0".parse().unwrap();
    assert_eq!(o.encode(), vec![0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0]);
    let big: Oid = "1.3.6.1.4.1.8072.4294967295".parse().unwrap();
    let t = Reader::new(&big.encode()).any().unwrap().content.to_vec();
    let back = Oid::decode(ber::Tlv {
        tag: 6,
        content: &t,
        offset: 0,
    })
    .unwrap();
    assert_eq!(back, big);
    assert!("1.3.x".parse::<Oid>().is_err());
    assert!("".parse::<Oid>().is_err());
    assert_eq!(
        "ifTable".parse::<Oid>().unwrap().to_string(),
        "1.3.6.1.2.1.2.2"
    );
}

#[test]
fn integers_are_minimal_twos_complement() {
    assert_eq!(ber::integer(0), vec![2, 1, 0]);
    assert_eq!(ber::integer(127), vec![2, 1, 0x7f]);
    assert_eq!(ber::integer(128), vec![2, 2, 0, 0x80]);
    assert_eq!(ber::integer(-1), vec![2, 1, 0xff]);
    assert_eq!(ber::integer(-129), vec![2, 2, 0xff, 0x7f]);
    assert_eq!(
        ber::unsigned(0x41, 0xffff_ffff),
        vec![0x41, 5, 0, 0xff, 0xff, 0xff, 0xff]
    );
}

#[test]
fn indefinite_and_oversized_lengths_are_refused() {
    assert!(Reader::new(&[0x30, 0x80, 0, 0]).any().is_err());
    assert!(Reader::new(&[0x30, 0x85, 1, 1, 1, 1, 1]).any().is_err());
    assert!(
        Reader::new(&[0x04, 0x84, 0xff, 0xff, 0xff, 0xff])
            .any()
            .is_err()
    );
}

#[test]
fn v3_message_round_trip_with_auth_and_privacy() {
    let proto = AuthProtocol::Sha1;
    let engine = unhex("80001f8880e9b1043c48d1d85e00000000");
    let key = proto.localize(&proto.password_to_key(b"authpassword"), &engine);
    let pkey = proto.localize(&proto.password_to_key(b"privpassword"), &engine);
    let scoped = ScopedPdu {
        context_engine_id: engine.clone(),
        context_name: Vec::new(),
        pdu: Pdu::request(PduType::Get, 42, &["1.3.6.1.2.1.1.5.0".parse().unwrap()]),
    };
    let mut enc = scoped.emit();
    let salt = 7u64.to_be_bytes();
    aes_encrypt(&pkey, 3, 1000, &salt, &mut enc);
    let usm = UsmParams {
        engine_id: engine.clone(),
        engine_boots: 3,
        engine_time: 1000,
        user: b"u".to_vec(),
        auth_params: Vec::new(),
        priv_params: salt.to_vec(),
    };
    let bytes = V3Message::emit(
        9,
        65507,
        FLAG_AUTH | FLAG_PRIV | FLAG_REPORTABLE,
        &usm,
        &ScopedData::Encrypted(enc),
        Some((proto, &key)),
    );
    let m = V3Message::parse(&bytes).unwrap();
    assert_eq!(m.msg_id, 9);
    assert!(m.verify(&bytes, proto, &key));
    let mut tampered = bytes.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(!m.verify(&tampered, proto, &key));
    let ScopedData::Encrypted(mut data) = m.data else {
        panic!("encrypted")
    };
    aes_decrypt(&pkey, 3, 1000, &salt, &mut data);
    assert_eq!(ScopedPdu::parse(&data).unwrap(), scoped);
}

fn arb_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::Integer),
        proptest::collection::vec(any::<u8>(), 0..64).prop_map(Value::OctetString),
        Just(Value::Null),
        proptest::collection::vec(0u32..100_000, 2..20).prop_map(|mut v| {
            v[0] %= 3;
            if v[0] < 2 {
                v[1] %= 40;
            }
            Value::Oid(Oid(v))
        }),
        any::<[u8; 4]>().prop_map(|b| Value::IpAddress(b.into())),
        any::<u32>().prop_map(Value::Counter32),
        any::<u32>().prop_map(Value::Gauge32),
        any::<u32>().prop_map(Value::TimeTicks),
        any::<u64>().prop_map(Value::Counter64),
        Just(Value::EndOfMibView),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any bytes: the decoders return a value or an error, never panic.
    #[test]
    fn decoders_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = CommunityMessage::parse(&bytes);
        let _ = V3Message::parse(&bytes);
        let _ = ScopedPdu::parse(&bytes);
        let mut r = Reader::new(&bytes);
        for _ in 0..64 {
            match r.any() {
                Ok(t) => { let _ = Value::parse(t); let _ = Pdu::parse(t); let _ = Oid::decode(t); }
                Err(_) => break,
            }
        }
    }

    /// Mutations of a valid message (flipped and cut bytes) never panic either.
    #[test]
    fn mutated_messages_never_panic(pos in 0usize..200, val in any::<u8>(), cut in 0usize..200) {
        let msg = CommunityMessage {
            version: 1,
            community: b"public".to_vec(),
            pdu: Pdu::get_bulk(77, 0, 25, &["1.3.6.1.2.1.2.2.1.2".parse().unwrap(), "1.3.6.1.2.1.31.1.1.1.1".parse().unwrap()]),
        };
        let mut b = msg.emit();
        let n = b.len();
        b[pos % n] = val;
        b.truncate(cut.min(n));
        let _ = CommunityMessage::parse(&b);
        let _ = V3Message::parse(&b);
    }

    /// emit then parse gives the same message back.
    #[test]
    fn community_messages_round_trip(
        id in any::<i32>(),
        community in proptest::collection::vec(any::<u8>(), 0..40),
        values in proptest::collection::vec(arb_value(), 0..20),
    ) {
        let varbinds: Vec<VarBind> = values
            .into_iter()
            .enumerate()
            .map(|(i, value)| VarBind { oid: Oid(vec![1, 3, 6, 1, 2, 1, i as u32]), value })
            .collect();
        let msg = CommunityMessage {
            version: 1,
            community,
            pdu: Pdu { kind: PduType::Response, request_id: id, error_status: 0, error_index: 0, varbinds },
        };
        let back = CommunityMessage::parse(&msg.emit()).unwrap();
        prop_assert_eq!(back, msg);
    }
}
