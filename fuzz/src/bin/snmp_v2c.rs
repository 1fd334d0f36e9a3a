//! The BER/SNMP decoder, community messages (v1/v2c): any datagram. A message
//! that parses re-encodes and parses again to the same message.
#![no_main]

use netkit_snmp::pdu::{CommunityMessage, peek_version};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = peek_version(data);
    if let Ok(m) = CommunityMessage::parse(data) {
        let again = CommunityMessage::parse(&m.emit()).expect("re-encoded message parses");
        assert_eq!(again, m);
    }
});
