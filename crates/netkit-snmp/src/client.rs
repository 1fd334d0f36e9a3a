//! The async SNMP client: one UDP socket (created inside a network namespace
//! when asked), GET, GETNEXT, GETBULK, SET, and walks bounded in rows and time.
//!
//! Every request has a per-try timeout and a number of retries; every walk has a
//! row limit and a deadline and stops at the first OID that does not increase.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

use crate::credentials::{Credentials, Error, Result};
use crate::mib;
use crate::oid::Oid;
use crate::pdu::{
    CommunityMessage, Pdu, PduType, VERSION_2C, VarBind, error_status_name, peek_version,
};
use crate::security::Request;
use crate::usm::{
    AuthProtocol, FLAG_AUTH, FLAG_PRIV, FLAG_REPORTABLE, ScopedData, ScopedPdu, UsmParams,
    V3Message, aes_decrypt, aes_encrypt,
};

/// Largest datagram netkit accepts (and announces as msgMaxSize).
pub const MAX_MESSAGE: usize = 65_507;

/// Where and how to reach an agent.
#[derive(Clone, Debug)]
pub struct Target {
    /// The agent's address, usually port 161.
    pub addr: SocketAddr,
    /// Create the socket inside this network namespace (a lab node's netns).
    pub namespace: Option<String>,
    pub credentials: Credentials,
    /// Time to wait for each try.
    pub timeout: Duration,
    /// Tries after the first one.
    pub retries: u32,
    /// GETBULK max-repetitions.
    pub max_repetitions: u32,
}

impl Target {
    /// Defaults: 1 s per try, 2 retries, 25 repetitions.
    pub fn new(addr: SocketAddr, credentials: Credentials) -> Target {
        Target {
            addr,
            namespace: None,
            credentials,
            timeout: Duration::from_secs(1),
            retries: 2,
            max_repetitions: 25,
        }
    }

    pub fn in_namespace(mut self, ns: Option<String>) -> Target {
        self.namespace = ns;
        self
    }
}

/// Bounds of one walk.
#[derive(Clone, Copy, Debug)]
pub struct WalkLimits {
    /// Most variable bindings collected (all columns together).
    pub max_rows: usize,
    /// Most time the walk may take.
    pub max_time: Duration,
}

impl Default for WalkLimits {
    fn default() -> WalkLimits {
        WalkLimits {
            max_rows: 100_000,
            max_time: Duration::from_secs(60),
        }
    }
}

/// What an SNMPv3 client learned about the agent's engine, and its keys.
struct Engine {
    id: Vec<u8>,
    boots: u32,
    time: u32,
    learned: Instant,
    auth_key: Option<(AuthProtocol, Vec<u8>)>,
    priv_key: Option<Vec<u8>>,
}

/// An SNMP session with one agent. Requests are sequential (`&mut self`).
pub struct Client {
    socket: UdpSocket,
    target: Target,
    salt: u64,
    engine: Option<Engine>,
    /// Non-localized keys (Ku), computed once: the 1 MiB hash is not free.
    ku: Option<(Vec<u8>, Option<Vec<u8>>)>,
    buf: Vec<u8>,
}

impl Client {
    /// Open a UDP socket toward `target` (inside its namespace, if any).
    ///
    /// # Errors
    /// The namespace does not exist or cannot be entered, or the socket cannot
    /// be opened.
    pub async fn connect(target: Target) -> Result<Client> {
        let addr = target.addr;
        let ns = target.namespace.clone();
        let opened = netkit_netns::run_in(
            ns.as_deref(),
            move || -> std::io::Result<std::net::UdpSocket> {
                let local: SocketAddr = if addr.is_ipv4() {
                    "0.0.0.0:0".parse().expect("literal address")
                } else {
                    "[::]:0".parse().expect("literal address")
                };
                let s = std::net::UdpSocket::bind(local)?;
                s.connect(addr)?;
                s.set_nonblocking(true)?;
                Ok(s)
            },
        )?;
        let socket_err = |source| Error::Socket {
            agent: addr,
            namespace: ns.clone(),
            source,
        };
        let std_socket = opened.map_err(socket_err)?;
        let socket = UdpSocket::from_std(std_socket).map_err(socket_err)?;
        Ok(Client {
            socket,
            target,
            salt: rand::random(),
            engine: None,
            ku: None,
            buf: vec![0u8; MAX_MESSAGE + 1],
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    fn agent(&self) -> SocketAddr {
        self.target.addr
    }

    /// A fresh random request id or msgID (1 ..= 2^31 - 1): an impostor that
    /// cannot see the request cannot guess it (sequential ids could be).
    fn next_request_id(&mut self) -> i32 {
        let r: u32 = rand::random::<u32>() & 0x7fff_ffff;
        i32::try_from(r).unwrap_or(1).max(1)
    }

    /// GET of the given OIDs.
    ///
    /// # Errors
    /// See [`Error`]: timeout, malformed answer, agent error, v3 failure.
    pub async fn get(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>> {
        let id = self.next_request_id();
        let pdu = Pdu::request(PduType::Get, id, oids);
        Ok(self.request(pdu).await?.varbinds)
    }

    /// GETNEXT of the given OIDs.
    ///
    /// # Errors
    /// See [`Client::get`].
    pub async fn get_next(&mut self, oids: &[Oid]) -> Result<Vec<VarBind>> {
        let id = self.next_request_id();
        let pdu = Pdu::request(PduType::GetNext, id, oids);
        Ok(self.request(pdu).await?.varbinds)
    }

    /// GETBULK with no non-repeaters.
    ///
    /// # Errors
    /// See [`Client::get`].
    pub async fn get_bulk(&mut self, oids: &[Oid], max_repetitions: u32) -> Result<Vec<VarBind>> {
        let id = self.next_request_id();
        let pdu = Pdu::get_bulk(id, 0, max_repetitions, oids);
        Ok(self.request(pdu).await?.varbinds)
    }

    /// SET of the given bindings.
    ///
    /// # Errors
    /// See [`Client::get`]; a read-only agent answers `noAccess` or `notWritable`.
    pub async fn set(&mut self, bindings: &[VarBind]) -> Result<Vec<VarBind>> {
        let id = self.next_request_id();
        let pdu = Pdu {
            kind: PduType::Set,
            request_id: id,
            error_status: 0,
            error_index: 0,
            varbinds: bindings.to_vec(),
        };
        Ok(self.request(pdu).await?.varbinds)
    }

    /// Walk the subtree under `root` with GETBULK.
    ///
    /// # Errors
    /// See [`Client::walk_columns`].
    pub async fn walk(&mut self, root: &Oid, limits: WalkLimits) -> Result<Vec<VarBind>> {
        let mut cols = self
            .walk_columns(std::slice::from_ref(root), limits)
            .await?;
        Ok(cols.pop().unwrap_or_default())
    }

    /// Walk several subtrees (typically table columns) in lockstep: each GETBULK
    /// carries one binding per unfinished column, so a table of N rows and C
    /// columns takes about N / max-repetitions round trips, not C times that.
    /// Returns one list per root, in order.
    ///
    /// # Errors
    /// An OID that does not increase ([`Error::NonIncreasing`]), more rows than
    /// `limits.max_rows` ([`Error::TooManyRows`]), more time than
    /// `limits.max_time` ([`Error::WalkTimeout`]), or any request error.
    pub async fn walk_columns(
        &mut self,
        roots: &[Oid],
        limits: WalkLimits,
    ) -> Result<Vec<Vec<VarBind>>> {
        let start = Instant::now();
        let mut out: Vec<Vec<VarBind>> = vec![Vec::new(); roots.len()];
        let mut last: Vec<Oid> = roots.to_vec();
        let mut done = vec![false; roots.len()];
        let mut rows = 0usize;
        let first_root = roots.first().cloned().unwrap_or_default();
        // Each round trip makes progress or ends a column, and rows and time are
        // bounded, so this loop ends.
        while done.iter().any(|d| !d) {
            let elapsed = start.elapsed();
            if elapsed >= limits.max_time {
                return Err(Error::WalkTimeout {
                    agent: self.agent(),
                    root: first_root,
                    secs: limits.max_time.as_secs(),
                    rows,
                });
            }
            let active: Vec<usize> = (0..roots.len()).filter(|i| !done[*i]).collect();
            let oids: Vec<Oid> = active.iter().map(|i| last[*i].clone()).collect();
            let reps = self.target.max_repetitions.max(1);
            let remaining = limits.max_time - elapsed;
            let answer = match tokio::time::timeout(remaining, self.get_bulk(&oids, reps)).await {
                Ok(r) => r?,
                Err(_) => {
                    return Err(Error::WalkTimeout {
                        agent: self.agent(),
                        root: first_root,
                        secs: limits.max_time.as_secs(),
                        rows,
                    });
                }
            };
            if answer.is_empty() {
                return Err(Error::Malformed {
                    agent: self.agent(),
                    detail: "an empty answer to GETBULK".into(),
                });
            }
            let n = active.len();
            for (k, vb) in answer.into_iter().enumerate() {
                let col = active[k % n];
                if done[col] {
                    continue;
                }
                let root = &roots[col];
                if matches!(vb.value, crate::pdu::Value::EndOfMibView) || !vb.oid.starts_with(root)
                {
                    done[col] = true;
                    continue;
                }
                if vb.oid <= last[col] {
                    return Err(Error::NonIncreasing {
                        agent: self.agent(),
                        root: root.clone(),
                        prev: last[col].clone(),
                        got: vb.oid,
                    });
                }
                last[col] = vb.oid.clone();
                out[col].push(vb);
                rows += 1;
                if rows > limits.max_rows {
                    return Err(Error::TooManyRows {
                        agent: self.agent(),
                        root: root.clone(),
                        rows: limits.max_rows,
                    });
                }
            }
        }
        Ok(out)
    }

    /// Send a request PDU and return the response PDU (error-status checked).
    async fn request(&mut self, pdu: Pdu) -> Result<Pdu> {
        let response = match self.target.credentials.clone() {
            Credentials::Community(c) => {
                let msg = CommunityMessage {
                    version: VERSION_2C,
                    community: c.expose().to_vec(),
                    pdu: pdu.clone(),
                };
                let bytes = msg.emit();
                self.exchange_v2c(&bytes, pdu.request_id).await?
            }
            Credentials::V3 { .. } => self.request_v3(pdu.clone()).await?,
        };
        if response.error_status != 0 {
            let idx = response.error_index;
            let oid = idx
                .checked_sub(1)
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| pdu.varbinds.get(i))
                .map(|vb| vb.oid.clone());
            return Err(Error::Agent {
                agent: self.agent(),
                status: response.error_status,
                status_name: error_status_name(response.error_status),
                index: idx,
                oid,
            });
        }
        Ok(response)
    }

    fn timeout_error(&self) -> Error {
        Error::Timeout {
            agent: self.agent(),
            tries: self.target.retries + 1,
            timeout_ms: u64::try_from(self.target.timeout.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Send `bytes` and wait for the datagram that `accept` takes, with retries.
    /// `accept` returns `Ok(Some(x))` to finish, `Ok(None)` to keep waiting
    /// (a stale answer to an earlier try), or an error to stop at once.
    async fn exchange<T>(
        &mut self,
        bytes: &[u8],
        mut accept: impl FnMut(&[u8]) -> Result<Option<T>>,
    ) -> Result<T> {
        for _try in 0..=self.target.retries {
            self.socket
                .send(bytes)
                .await
                .map_err(|source| Error::Socket {
                    agent: self.target.addr,
                    namespace: self.target.namespace.clone(),
                    source,
                })?;
            let deadline = tokio::time::Instant::now() + self.target.timeout;
            loop {
                let recv = tokio::time::timeout_at(deadline, self.socket.recv(&mut self.buf)).await;
                let n = match recv {
                    Err(_) => break, // this try timed out
                    // ICMP port unreachable shows up as ECONNREFUSED on a
                    // connected socket: the agent does not listen. Treat it as
                    // no answer, so that retries still happen.
                    Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                        tokio::time::sleep_until(deadline).await;
                        break;
                    }
                    Ok(Err(source)) => {
                        return Err(Error::Socket {
                            agent: self.target.addr,
                            namespace: self.target.namespace.clone(),
                            source,
                        });
                    }
                    Ok(Ok(n)) => n,
                };
                if n > MAX_MESSAGE {
                    return Err(Error::Malformed {
                        agent: self.target.addr,
                        detail: "a datagram larger than 65507 bytes".into(),
                    });
                }
                let data = self.buf[..n].to_vec();
                if let Some(v) = accept(&data)? {
                    return Ok(v);
                }
            }
        }
        Err(self.timeout_error())
    }

    async fn exchange_v2c(&mut self, bytes: &[u8], request_id: i32) -> Result<Pdu> {
        let agent = self.agent();
        self.exchange(bytes, |data| {
            let msg = CommunityMessage::parse(data).map_err(|e| Error::Malformed {
                agent,
                detail: e.to_string(),
            })?;
            if msg.pdu.request_id != request_id {
                return Ok(None);
            }
            if msg.pdu.kind != PduType::Response {
                return Err(Error::Malformed {
                    agent,
                    detail: format!("a {:?} PDU where a Response was expected", msg.pdu.kind),
                });
            }
            Ok(Some(msg.pdu))
        })
        .await
    }

    /// Keys for the engine `id`, localized from the user's passwords.
    fn localized_keys(&mut self, id: &[u8]) -> LocalKeys {
        let Credentials::V3 { auth, privacy, .. } = &self.target.credentials else {
            return (None, None);
        };
        let Some((proto, auth_pw)) = auth else {
            return (None, None);
        };
        let proto = *proto;
        if self.ku.is_none() {
            let ku_auth = proto.password_to_key(auth_pw.expose());
            let ku_priv = privacy
                .as_ref()
                .map(|(_, pw)| proto.password_to_key(pw.expose()));
            self.ku = Some((ku_auth, ku_priv));
        }
        let Some((ku_auth, ku_priv)) = &self.ku else {
            return (None, None);
        };
        let auth_key = proto.localize(ku_auth, id);
        let priv_key = ku_priv.as_ref().map(|k| proto.localize(k, id));
        (Some((proto, auth_key)), priv_key)
    }

    /// RFC 3414 §4: learn the agent's engine id, boots and time from a Report.
    async fn discover(&mut self) -> Result<()> {
        let agent = self.agent();
        let msg_id = self.next_request_id();
        let req_id = self.next_request_id();
        let scoped = ScopedPdu {
            context_engine_id: Vec::new(),
            context_name: Vec::new(),
            pdu: Pdu::request(PduType::Get, req_id, &[]),
        };
        let bytes = V3Message::emit(
            msg_id,
            MAX_MESSAGE as i64,
            FLAG_REPORTABLE,
            &UsmParams::default(),
            &ScopedData::Plain(scoped),
            None,
        );
        let usm = self
            .exchange(&bytes, |data| {
                let m = parse_v3(agent, data)?;
                if m.msg_id != msg_id {
                    return Ok(None);
                }
                Ok(Some(m.usm))
            })
            .await?;
        if usm.engine_id.is_empty() {
            return Err(Error::V3 {
                agent,
                reason: "the agent did not reveal its engine id during discovery".into(),
            });
        }
        let (auth_key, priv_key) = self.localized_keys(&usm.engine_id);
        self.engine = Some(Engine {
            id: usm.engine_id,
            boots: usm.engine_boots,
            time: usm.engine_time,
            learned: Instant::now(),
            auth_key,
            priv_key,
        });
        Ok(())
    }

    async fn request_v3(&mut self, pdu: Pdu) -> Result<Pdu> {
        // One rediscovery and one time resynchronisation at most.
        for _round in 0..3 {
            if self.engine.is_none() {
                self.discover().await?;
            }
            match self.try_v3(pdu.clone()).await? {
                V3Outcome::Response(p) => return Ok(p),
                V3Outcome::Resync { boots, time } => {
                    if let Some(e) = &mut self.engine {
                        e.boots = boots;
                        e.time = time;
                        e.learned = Instant::now();
                    }
                }
                V3Outcome::Rediscover => self.engine = None,
            }
        }
        Err(Error::V3 {
            agent: self.agent(),
            reason: "the agent kept rejecting the engine time or id after resynchronising: check that its clock and boot counter are sane".into(),
        })
    }

    async fn try_v3(&mut self, pdu: Pdu) -> Result<V3Outcome> {
        let agent = self.agent();
        let Credentials::V3 { user, .. } = &self.target.credentials else {
            return Err(Error::V3 {
                agent,
                reason: "internal: v3 request without v3 credentials".into(),
            });
        };
        let user = user.as_bytes().to_vec();
        let Some(engine) = &self.engine else {
            return Err(Error::V3 {
                agent,
                reason: "internal: no engine".into(),
            });
        };
        let elapsed = u32::try_from(engine.learned.elapsed().as_secs()).unwrap_or(u32::MAX);
        let boots = engine.boots;
        let time = engine.time.saturating_add(elapsed);
        let engine_id = engine.id.clone();
        let auth_key = engine.auth_key.clone();
        let priv_key = engine.priv_key.clone();
        let msg_id = self.next_request_id();
        let request_id = pdu.request_id;
        let scoped = ScopedPdu {
            context_engine_id: engine_id.clone(),
            context_name: Vec::new(),
            pdu,
        };
        let mut flags = FLAG_REPORTABLE;
        let mut priv_params = Vec::new();
        let data = match (&auth_key, &priv_key) {
            (Some(_), Some(pk)) => {
                flags |= FLAG_AUTH | FLAG_PRIV;
                self.salt = self.salt.wrapping_add(1);
                let salt = self.salt.to_be_bytes();
                let mut plain = scoped.emit();
                aes_encrypt(pk, boots, time, &salt, &mut plain);
                priv_params = salt.to_vec();
                ScopedData::Encrypted(plain)
            }
            (Some(_), None) => {
                flags |= FLAG_AUTH;
                ScopedData::Plain(scoped)
            }
            _ => ScopedData::Plain(scoped),
        };
        let usm = UsmParams {
            engine_id: engine_id.clone(),
            engine_boots: boots,
            engine_time: time,
            user: user.clone(),
            auth_params: Vec::new(),
            priv_params,
        };
        let auth = auth_key.as_ref().map(|(p, k)| (*p, k.as_slice()));
        let bytes = V3Message::emit(msg_id, MAX_MESSAGE as i64, flags, &usm, &data, auth);
        let request = Request {
            agent,
            engine_id: &engine_id,
            user: &user,
            auth: auth_key.as_ref().map(|(p, k)| (*p, k.as_slice())),
            privacy: priv_key.is_some(),
            boots,
            time,
        };
        let (outcome, clock) = self
            .exchange(&bytes, |raw| {
                let m = parse_v3(agent, raw)?;
                if m.msg_id != msg_id {
                    return Ok(None);
                }
                let checked = request.check(&m, raw)?;
                let flags = m.flags;
                let usm = m.usm.clone();
                let scoped = match m.data {
                    ScopedData::Plain(s) => s,
                    ScopedData::Encrypted(mut bytes) => {
                        let Some(pk) = &priv_key else {
                            return Err(Error::V3 {
                                agent,
                                reason: "the agent encrypted an answer to an unencrypted request"
                                    .into(),
                            });
                        };
                        let salt: [u8; 8] =
                            usm.priv_params.as_slice().try_into().map_err(|_| {
                                Error::Malformed {
                                    agent,
                                    detail: "privacy parameters are not 8 bytes".into(),
                                }
                            })?;
                        aes_decrypt(pk, usm.engine_boots, usm.engine_time, &salt, &mut bytes);
                        ScopedPdu::parse(&bytes).map_err(|e| Error::V3 {
                            agent,
                            reason: format!(
                                "cannot decrypt the answer ({e}): the privacy password or protocol differs from the agent's"
                            ),
                        })?
                    }
                };
                let m = V3Message {
                    data: ScopedData::Plain(scoped.clone()),
                    usm,
                    flags,
                    ..m
                };
                match scoped.pdu.kind {
                    PduType::Report => {
                        let outcome = report_outcome(agent, &scoped.pdu, &m.usm)?;
                        if matches!(outcome, V3Outcome::Resync { .. }) && !checked.authenticated {
                            // RFC 3414 §3.2 7b: the clock moves only on an
                            // authentic message; net-snmp authenticates this report.
                            return Err(Error::V3 {
                                agent,
                                reason: "the agent reports the request outside its time window, but the report is not authenticated: refused (someone without the keys may be answering)".into(),
                            });
                        }
                        Ok(Some((outcome, None)))
                    }
                    PduType::Response if scoped.pdu.request_id == request_id => {
                        request.check_response(&m, &checked)?;
                        Ok(Some((V3Outcome::Response(scoped.pdu), checked.newer_clock)))
                    }
                    PduType::Response => Ok(None),
                    other => Err(Error::Malformed {
                        agent,
                        detail: format!("a {other:?} PDU where a Response was expected"),
                    }),
                }
            })
            .await?;
        if let (Some((b, t)), Some(e)) = (clock, &mut self.engine) {
            e.boots = b;
            e.time = t;
            e.learned = Instant::now();
        }
        Ok(outcome)
    }
}

/// Localized authentication key (with its protocol) and privacy key.
type LocalKeys = (Option<(AuthProtocol, Vec<u8>)>, Option<Vec<u8>>);

enum V3Outcome {
    Response(Pdu),
    Resync { boots: u32, time: u32 },
    Rediscover,
}

fn parse_v3(agent: SocketAddr, data: &[u8]) -> Result<V3Message> {
    let malformed = |e: crate::ber::DecodeError| Error::Malformed {
        agent,
        detail: e.to_string(),
    };
    let version = peek_version(data).map_err(malformed)?;
    if version != crate::pdu::VERSION_3 {
        return Err(Error::Malformed {
            agent,
            detail: format!("an SNMP version {version} message where v3 was expected"),
        });
    }
    V3Message::parse(data).map_err(malformed)
}

/// What a Report PDU means (RFC 3414 usmStats counters).
fn report_outcome(agent: SocketAddr, pdu: &Pdu, usm: &UsmParams) -> Result<V3Outcome> {
    let usm_stats = Oid::new(mib::USM_STATS);
    let which = pdu
        .varbinds
        .first()
        .and_then(|vb| vb.oid.suffix(&usm_stats).and_then(|s| s.first().copied()));
    let reason = match which {
        Some(2) => {
            return Ok(V3Outcome::Resync {
                boots: usm.engine_boots,
                time: usm.engine_time,
            });
        }
        Some(4) => return Ok(V3Outcome::Rediscover),
        Some(1) => {
            "the agent does not accept this security level for the user (usmStatsUnsupportedSecLevels): check the user's auth/priv settings"
        }
        Some(3) => {
            "the agent does not know this user (usmStatsUnknownUserNames): check the user name"
        }
        Some(5) => "wrong authentication password or protocol (usmStatsWrongDigests)",
        Some(6) => {
            "the agent cannot decrypt the request (usmStatsDecryptionErrors): check the privacy password and protocol"
        }
        _ => {
            return Err(Error::V3 {
                agent,
                reason: format!(
                    "the agent sent a report: {}",
                    pdu.varbinds
                        .first()
                        .map(|vb| vb.oid.to_string())
                        .unwrap_or_else(|| "(empty)".into())
                ),
            });
        }
    };
    Err(Error::V3 {
        agent,
        reason: reason.into(),
    })
}
