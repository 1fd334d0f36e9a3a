//! The bandwidth agent's control frames (4-byte length + JSON) and its token
//! handshake checks: any byte stream as what a peer sends. Must never panic.
//! (When the `netkit-agent` crate lands, its frames get a file like this one.)
#![no_main]

use std::sync::OnceLock;
use std::time::Duration;

use netkit_bandwidth::auth::Token;
use netkit_bandwidth::frame::{Msg, read_msg};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a current-thread runtime")
    })
}

fn token() -> &'static Token {
    static T: OnceLock<Token> = OnceLock::new();
    T.get_or_init(|| Token::from_text("fuzz-token-0123456789abcdef", "fuzz").expect("token"))
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    runtime().block_on(async {
        let mut stream = data;
        // Bounded: every frame consumes at least its 4-byte length.
        for _ in 0..64 {
            match read_msg(&mut stream, Duration::from_secs(1)).await {
                Ok(Msg::Request {
                    client_nonce,
                    proof,
                    ..
                }) => {
                    let proof = proof.unwrap_or_default();
                    let _ = token().verify_client(
                        b"agent-nonce",
                        client_nonce.as_bytes(),
                        proof.as_bytes(),
                    );
                }
                Ok(Msg::Accepted { proof, .. }) => {
                    let _ = token().verify_agent(
                        b"agent-nonce",
                        b"client-nonce",
                        proof.unwrap_or_default().as_bytes(),
                    );
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
});
