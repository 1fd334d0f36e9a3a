//! The shared token and the challenge-response that proves it without sending it.
//!
//! The agent sends a fresh 32-byte nonce; the client answers with
//! `HMAC-SHA256(token, "netkit-bw/1 client" | agent_nonce | client_nonce)`; the agent
//! checks it in constant time and proves itself back with
//! `HMAC-SHA256(token, "netkit-bw/1 agent" | client_nonce | agent_nonce)`.
//! The token never crosses the network and a recorded answer is useless for
//! another session (the nonce differs).

use std::path::Path;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The HMAC labels of `netkit-bw/1` (`handshake::BANDWIDTH`).
pub(crate) const CLIENT_LABEL: &[u8] = b"netkit-bw/1 client";
pub(crate) const AGENT_LABEL: &[u8] = b"netkit-bw/1 agent";

/// A shared secret. Its `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(Vec<u8>);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Why a token could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("cannot read the token file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the token {origin} is empty: put a secret of at least 8 characters in it")]
    Empty { origin: String },
    #[error(
        "the token {origin} is too short ({len} characters): use at least 8 (e.g. `openssl rand -hex 16`)"
    )]
    TooShort { origin: String, len: usize },
}

impl Token {
    /// A token from text (surrounding whitespace and a final newline are ignored).
    ///
    /// # Errors
    /// The text is empty or shorter than 8 characters.
    pub fn from_text(text: &str, origin: &str) -> Result<Token, TokenError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(TokenError::Empty {
                origin: origin.into(),
            });
        }
        if t.chars().count() < 8 {
            return Err(TokenError::TooShort {
                origin: origin.into(),
                len: t.chars().count(),
            });
        }
        Ok(Token(t.as_bytes().to_vec()))
    }

    /// Read a token file.
    ///
    /// # Errors
    /// The file cannot be read, or holds an empty or too short token.
    pub fn from_file(path: &Path) -> Result<Token, TokenError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Token::from_text(&text, &format!("in {}", path.display()))
    }

    /// A fresh random token (32 hex characters), for agents netkit starts itself.
    pub fn random() -> Token {
        Token(hex(&random_bytes::<16>()).into_bytes())
    }

    fn mac(&self, label: &[u8], a: &[u8], b: &[u8]) -> HmacSha256 {
        // HMAC accepts keys of any length: `new_from_slice` cannot fail.
        let mut m = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        m.update(label);
        m.update(a);
        m.update(b);
        m
    }

    /// The client's answer to the agent's challenge.
    pub fn client_proof(&self, agent_nonce: &[u8], client_nonce: &[u8]) -> Vec<u8> {
        self.mac(CLIENT_LABEL, agent_nonce, client_nonce)
            .finalize()
            .into_bytes()
            .to_vec()
    }

    /// Constant-time check of a client's answer.
    pub fn verify_client(&self, agent_nonce: &[u8], client_nonce: &[u8], proof: &[u8]) -> bool {
        self.mac(CLIENT_LABEL, agent_nonce, client_nonce)
            .verify_slice(proof)
            .is_ok()
    }

    /// The agent's proof that it knows the token too.
    pub fn agent_proof(&self, agent_nonce: &[u8], client_nonce: &[u8]) -> Vec<u8> {
        self.mac(AGENT_LABEL, client_nonce, agent_nonce)
            .finalize()
            .into_bytes()
            .to_vec()
    }

    /// Constant-time check of the agent's proof.
    pub fn verify_agent(&self, agent_nonce: &[u8], client_nonce: &[u8], proof: &[u8]) -> bool {
        self.mac(AGENT_LABEL, client_nonce, agent_nonce)
            .verify_slice(proof)
            .is_ok()
    }
}

impl Token {
    /// `HMAC-SHA256(token, label | a | b)`: the proof of another protocol built on
    /// the same token (`netkit-agent/1` uses its own labels, so that a proof made
    /// for one protocol is worth nothing in the other).
    pub fn prove(&self, label: &[u8], a: &[u8], b: &[u8]) -> Vec<u8> {
        self.mac(label, a, b).finalize().into_bytes().to_vec()
    }

    /// Constant-time check of a [`Token::prove`] proof.
    pub fn verify(&self, label: &[u8], a: &[u8], b: &[u8], proof: &[u8]) -> bool {
        self.mac(label, a, b).verify_slice(proof).is_ok()
    }
}

/// `N` random bytes from the operating system's generator.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    rand::rng().fill_bytes(&mut b);
    b
}

/// Lower-case hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Hexadecimal back to bytes; `None` when malformed or longer than 1,024 digits.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 1024 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_verify_and_differ_by_role() {
        let t = Token::from_text("correct horse battery", "test").unwrap();
        let (a, c) = (random_bytes::<32>(), random_bytes::<32>());
        let p = t.client_proof(&a, &c);
        assert!(t.verify_client(&a, &c, &p));
        assert!(!t.verify_agent(&a, &c, &p));
        let other = Token::from_text("wrong horse battery", "test").unwrap();
        assert!(!other.verify_client(&a, &c, &p));
        let q = t.agent_proof(&a, &c);
        assert!(t.verify_agent(&a, &c, &q));
    }

    #[test]
    fn token_is_never_printed() {
        let t = Token::from_text("supersecret-token", "test").unwrap();
        assert!(!format!("{t:?}").contains("supersecret"));
    }

    #[test]
    fn short_tokens_are_refused() {
        assert!(Token::from_text("  \n", "x").is_err());
        assert!(Token::from_text("abc", "x").is_err());
    }

    #[test]
    fn hex_round_trip() {
        let b = random_bytes::<20>();
        assert_eq!(unhex(&hex(&b)).unwrap(), b.to_vec());
        assert!(unhex("zz").is_none());
    }
}
