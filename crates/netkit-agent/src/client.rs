//! The client side of `netkit-agent/1`: connect, prove the token, check the agent's
//! proof (a client that holds a token refuses an agent that skips authentication
//! or cannot prove it knows the token), then hand it units and read their results.

use std::net::SocketAddr;
use std::time::Duration;

use netkit_bandwidth::Token;
use netkit_bandwidth::auth::{hex, random_bytes, unhex};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::proto::{self, AGENT_LABEL, CLIENT_LABEL, FrameError, Limits, Msg, PROTOCOL};

/// Why a session with an agent could not be opened or went wrong. Each message
/// completes "agent ADDR ...".
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot be reached: {0} (is `netkit agent` running there and the port open?)")]
    Connect(std::io::Error),
    #[error("did not answer in time while {0}")]
    Timeout(&'static str),
    #[error("refused the token: {0}")]
    TokenRefused(String),
    #[error("failed authentication: {0}")]
    Auth(String),
    #[error("refused ({code}): {message}")]
    Refused { code: String, message: String },
    #[error("does not speak {PROTOCOL}: {0}")]
    Protocol(String),
    #[error("dropped the connection while {0}")]
    Closed(&'static str),
    #[error("connection failed while {op}: {source}")]
    Io {
        op: &'static str,
        source: std::io::Error,
    },
}

/// An authenticated connection to an agent.
pub struct Connection {
    pub addr: SocketAddr,
    /// What the agent accepts per session.
    pub limits: Limits,
    pub reader: OwnedReadHalf,
    pub writer: OwnedWriteHalf,
}

fn frame_error(e: FrameError, op: &'static str) -> ClientError {
    match e {
        FrameError::Timeout => ClientError::Timeout(op),
        FrameError::Closed => ClientError::Closed(op),
        FrameError::Io(source) => ClientError::Io { op, source },
        e => ClientError::Protocol(e.to_string()),
    }
}

/// Connect to `addr` and authenticate, each step within `timeout`.
///
/// # Errors
/// Unreachable, timed out, token refused, the agent announces `auth: none` while
/// we hold a token, the agent's proof is wrong, or garbage.
pub async fn connect(
    addr: SocketAddr,
    token: Option<&Token>,
    timeout: Duration,
) -> Result<Connection, ClientError> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return Err(ClientError::Connect(e)),
        Err(_) => return Err(ClientError::Timeout("connecting")),
    };
    let _ = stream.set_nodelay(true);
    let (mut r, mut w) = stream.into_split();
    tokio::time::timeout(
        timeout,
        tokio::io::AsyncWriteExt::write_all(&mut w, proto::MAGIC),
    )
    .await
    .map_err(|_| ClientError::Timeout("greeting"))?
    .map_err(|source| ClientError::Io {
        op: "greeting",
        source,
    })?;
    let hello: Msg = proto::read(&mut r, proto::MAX_HANDSHAKE_FRAME, timeout)
        .await
        .map_err(|e| frame_error(e, "waiting for the agent's hello"))?;
    let Msg::Hello {
        proto: p,
        nonce,
        auth,
        limits,
    } = hello
    else {
        return Err(ClientError::Protocol(
            "the first message was not a hello".into(),
        ));
    };
    if p != PROTOCOL {
        return Err(ClientError::Protocol(format!(
            "it speaks {}",
            proto::escape(&p)
        )));
    }
    let agent_nonce = unhex(&nonce)
        .filter(|n| n.len() >= 16)
        .ok_or_else(|| ClientError::Protocol("malformed nonce".into()))?;
    let client_nonce = random_bytes::<32>();
    let proof = match (auth.as_str(), token) {
        ("none", Some(_)) => {
            return Err(ClientError::Auth(
                "it announces no authentication (`auth: none`) although this coordinator holds a token: refusing it (an impostor, or an agent started with --insecure-no-auth)".into(),
            ));
        }
        ("none", None) => None,
        ("hmac-sha256", Some(t)) => Some(hex(&t.prove(CLIENT_LABEL, &agent_nonce, &client_nonce))),
        ("hmac-sha256", None) => {
            return Err(ClientError::Auth(
                "it requires a token: give --token-file FILE or set NETKIT_AGENT_TOKEN".into(),
            ));
        }
        (other, _) => {
            return Err(ClientError::Protocol(format!(
                "unknown authentication scheme `{}`",
                proto::escape(other)
            )));
        }
    };
    proto::write(
        &mut w,
        &Msg::Auth {
            client_nonce: hex(&client_nonce),
            proof,
        },
        timeout,
    )
    .await
    .map_err(|source| ClientError::Io {
        op: "authenticating",
        source,
    })?;
    match proto::read::<Msg, _>(&mut r, proto::MAX_HANDSHAKE_FRAME, timeout)
        .await
        .map_err(|e| frame_error(e, "authenticating"))?
    {
        Msg::Welcome { proof } => {
            if let Some(t) = token {
                let p = proof.and_then(|p| unhex(&p)).unwrap_or_default();
                if !t.verify(AGENT_LABEL, &client_nonce, &agent_nonce, &p) {
                    return Err(ClientError::Auth(
                        "it could not prove it knows the token (an impostor, or another token)"
                            .into(),
                    ));
                }
            }
        }
        Msg::Error { code, message } if code == "auth" => {
            return Err(ClientError::TokenRefused(proto::escape(&message)));
        }
        Msg::Error { code, message } => {
            return Err(ClientError::Refused {
                code: proto::escape(&code),
                message: proto::escape(&message),
            });
        }
        _ => return Err(ClientError::Protocol("expected `welcome`".into())),
    }
    Ok(Connection {
        addr,
        limits,
        reader: r,
        writer: w,
    })
}
