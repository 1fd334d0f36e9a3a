//! The client side of `netkit-agent/1`: connect, prove the token, check the agent's
//! proof (a client that holds a token refuses an agent that skips authentication
//! or cannot prove it knows the token), then hand it units and read their results.

use std::net::SocketAddr;
use std::time::Duration;

use netkit_bandwidth::Token;
use netkit_bandwidth::handshake::{Answer, HandshakeError};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use crate::proto::{self, FrameError, Limits, Msg, PROTOCOL};

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

fn handshake_error(e: HandshakeError) -> ClientError {
    if e.is_protocol() {
        ClientError::Protocol(e.to_string())
    } else {
        ClientError::Auth(e.to_string())
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
    let answer = Answer::new(proto::LABELS, token, &auth, &nonce).map_err(handshake_error)?;
    proto::write(
        &mut w,
        &Msg::Auth {
            client_nonce: answer.client_nonce_hex(),
            proof: answer.proof.clone(),
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
        Msg::Welcome { proof } => answer
            .verify_agent(proof.as_deref())
            .map_err(handshake_error)?,
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
