//! The mutual challenge-response both netkit protocols open with (`netkit-bw/1`
//! here, `netkit-agent/1` in `netkit-agent`); only the messages that carry it and
//! the HMAC labels differ.
//!
//! 1. The agent sends a fresh 32-byte nonce and its scheme ([`HMAC`] or [`NONE`]).
//! 2. The client answers with its own nonce and
//!    `HMAC-SHA256(token, labels.client | agent_nonce | client_nonce)`.
//! 3. The agent checks it in constant time ([`Challenge::check`]) and proves itself
//!    back with `HMAC-SHA256(token, labels.agent | client_nonce | agent_nonce)`,
//!    which the client checks ([`Answer::verify_agent`]).
//!
//! A client that holds a token never accepts an agent that announces [`NONE`]: it
//! could be anything, and what it reports would be invented.

use crate::Token;
use crate::auth::{hex, random_bytes, unhex};
use crate::wire::escape;

/// The scheme of an agent that has a token.
pub const HMAC: &str = "hmac-sha256";
/// The scheme of an agent started without a token (`--insecure-no-auth`).
pub const NONE: &str = "none";

/// The HMAC labels of one protocol: a proof made for one protocol is worth
/// nothing in another.
#[derive(Debug, Clone, Copy)]
pub struct Labels {
    pub client: &'static [u8],
    pub agent: &'static [u8],
}

/// The labels of `netkit-bw/1`.
pub const BANDWIDTH: Labels = Labels {
    client: crate::auth::CLIENT_LABEL,
    agent: crate::auth::AGENT_LABEL,
};

/// The scheme an agent with (or without) `token` announces.
pub fn scheme(token: Option<&Token>) -> &'static str {
    if token.is_some() { HMAC } else { NONE }
}

/// The agent's side: one fresh nonce per connection.
pub struct Challenge {
    nonce: [u8; 32],
}

impl Default for Challenge {
    fn default() -> Self {
        Challenge::new()
    }
}

impl Challenge {
    pub fn new() -> Challenge {
        Challenge {
            nonce: random_bytes::<32>(),
        }
    }

    /// The nonce as the hello carries it (hex).
    pub fn nonce_hex(&self) -> String {
        hex(&self.nonce)
    }

    /// Check the client's answer. `Ok(Some(proof))`: the agent's own proof (hex)
    /// to send back; `Ok(None)`: the agent has no token, nothing to check.
    ///
    /// # Errors
    /// One sentence for the client (code `auth`): no proof, or a wrong one.
    pub fn check(
        &self,
        token: Option<&Token>,
        labels: Labels,
        client_nonce: &str,
        proof: Option<&str>,
    ) -> Result<Option<String>, String> {
        let Some(token) = token else {
            return Ok(None);
        };
        let client_nonce = unhex(client_nonce).unwrap_or_default();
        let Some(proof) = proof else {
            return Err(
                "this agent requires a token: give --token-file FILE or set NETKIT_AGENT_TOKEN"
                    .into(),
            );
        };
        let proof = unhex(proof).unwrap_or_default();
        if client_nonce.len() < 16
            || !token.verify(labels.client, &self.nonce, &client_nonce, &proof)
        {
            return Err("wrong token: the client's token does not match the agent's".into());
        }
        Ok(Some(hex(&token.prove(
            labels.agent,
            &client_nonce,
            &self.nonce,
        ))))
    }
}

/// Why the client side of the handshake refuses an agent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandshakeError {
    #[error(
        "the agent announces no authentication (`auth: none`) although this client holds a token: refusing it (an impostor, or an agent started with --insecure-no-auth)"
    )]
    NoAuthButToken,
    #[error("the agent requires a token: give --token-file FILE or set NETKIT_AGENT_TOKEN")]
    TokenRequired,
    #[error("the agent could not prove it knows the token (an impostor, or another token)")]
    AgentUnproven,
    #[error("unknown authentication scheme `{0}`")]
    UnknownScheme(String),
    #[error("malformed nonce")]
    MalformedNonce,
}

impl HandshakeError {
    /// The peer does not speak the protocol (rather than failing authentication).
    pub fn is_protocol(&self) -> bool {
        matches!(
            self,
            HandshakeError::UnknownScheme(_) | HandshakeError::MalformedNonce
        )
    }
}

/// The client's side: its answer to one challenge, kept to check the agent's proof.
pub struct Answer {
    labels: Labels,
    token: Option<Token>,
    agent_nonce: Vec<u8>,
    client_nonce: [u8; 32],
    /// Hex HMAC to send; `None` when the agent announced [`NONE`].
    pub proof: Option<String>,
}

impl Answer {
    /// Answer the challenge of a hello announcing `auth` with `nonce` (hex).
    ///
    /// # Errors
    /// The agent skips authentication while we hold a token, requires one we do
    /// not have, names an unknown scheme, or sends a malformed nonce.
    pub fn new(
        labels: Labels,
        token: Option<&Token>,
        auth: &str,
        nonce: &str,
    ) -> Result<Answer, HandshakeError> {
        let agent_nonce = unhex(nonce)
            .filter(|n| n.len() >= 16)
            .ok_or(HandshakeError::MalformedNonce)?;
        let client_nonce = random_bytes::<32>();
        let proof = match (auth, token) {
            (NONE, Some(_)) => return Err(HandshakeError::NoAuthButToken),
            (NONE, None) => None,
            (HMAC, Some(t)) => Some(hex(&t.prove(labels.client, &agent_nonce, &client_nonce))),
            (HMAC, None) => return Err(HandshakeError::TokenRequired),
            (other, _) => return Err(HandshakeError::UnknownScheme(escape(other))),
        };
        Ok(Answer {
            labels,
            token: token.cloned(),
            agent_nonce,
            client_nonce,
            proof,
        })
    }

    /// The client nonce as the answer carries it (hex).
    pub fn client_nonce_hex(&self) -> String {
        hex(&self.client_nonce)
    }

    /// Check the agent's proof (when we hold a token).
    ///
    /// # Errors
    /// [`HandshakeError::AgentUnproven`]: missing, malformed or wrong.
    pub fn verify_agent(&self, proof: Option<&str>) -> Result<(), HandshakeError> {
        let Some(t) = &self.token else {
            return Ok(());
        };
        let p = proof.and_then(unhex).unwrap_or_default();
        if t.verify(self.labels.agent, &self.client_nonce, &self.agent_nonce, &p) {
            Ok(())
        } else {
            Err(HandshakeError::AgentUnproven)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(s: &str) -> Token {
        Token::from_text(s, "test").unwrap()
    }

    #[test]
    fn both_sides_prove_the_token() {
        let t = token("correct horse battery");
        let c = Challenge::new();
        let a = Answer::new(BANDWIDTH, Some(&t), HMAC, &c.nonce_hex()).unwrap();
        let back = c
            .check(
                Some(&t),
                BANDWIDTH,
                &a.client_nonce_hex(),
                a.proof.as_deref(),
            )
            .unwrap();
        assert!(a.verify_agent(back.as_deref()).is_ok());
        assert_eq!(
            a.verify_agent(Some("00")),
            Err(HandshakeError::AgentUnproven)
        );
    }

    #[test]
    fn wrong_token_missing_proof_and_other_labels_are_refused() {
        let t = token("correct horse battery");
        let c = Challenge::new();
        let a = Answer::new(
            BANDWIDTH,
            Some(&token("wrong horse battery")),
            HMAC,
            &c.nonce_hex(),
        )
        .unwrap();
        let e = c.check(
            Some(&t),
            BANDWIDTH,
            &a.client_nonce_hex(),
            a.proof.as_deref(),
        );
        assert!(e.unwrap_err().contains("wrong token"));
        let e = c.check(Some(&t), BANDWIDTH, &a.client_nonce_hex(), None);
        assert!(e.unwrap_err().contains("requires a token"));
        let other = Labels {
            client: b"other client",
            agent: b"other agent",
        };
        let a = Answer::new(other, Some(&t), HMAC, &c.nonce_hex()).unwrap();
        let e = c.check(
            Some(&t),
            BANDWIDTH,
            &a.client_nonce_hex(),
            a.proof.as_deref(),
        );
        assert!(e.is_err());
    }

    #[test]
    fn a_token_holder_refuses_an_agent_without_auth() {
        let t = token("correct horse battery");
        let n = Challenge::new().nonce_hex();
        let e = Answer::new(BANDWIDTH, Some(&t), NONE, &n).err();
        assert_eq!(e, Some(HandshakeError::NoAuthButToken));
        assert!(Answer::new(BANDWIDTH, None, NONE, &n).is_ok());
        let e = Answer::new(BANDWIDTH, None, HMAC, &n).err();
        assert_eq!(e, Some(HandshakeError::TokenRequired));
        let e = Answer::new(BANDWIDTH, Some(&t), HMAC, "zz").err();
        assert_eq!(e, Some(HandshakeError::MalformedNonce));
    }
}
