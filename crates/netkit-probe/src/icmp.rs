//! ICMP echo (ping), IPv4 and IPv6, on surge-ping. One [`IcmpClient`] (one socket)
//! per source namespace and address family serves any number of concurrent pings.
//! The socket is an unprivileged ICMP datagram socket where the namespace allows it
//! (`net.ipv4.ping_group_range`), a raw socket otherwise (root / CAP_NET_RAW).

use std::net::IpAddr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use surge_ping::{Client, Config, ICMP, IcmpPacket, PingIdentifier, PingSequence, SurgeError};

use crate::{Error, ProbeSettings, RateLimiter, Result, place};

/// What a ping measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PingFigure {
    pub sent: u32,
    pub received: u32,
    /// Round-trip time of the first reply, milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<f64>,
    /// What the socket said when a send failed (e.g. "network unreachable").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl PingFigure {
    pub fn replied(&self) -> bool {
        self.received > 0
    }
}

/// The kind of socket an [`IcmpClient`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SocketKind {
    Datagram,
    Raw,
}

/// An ICMP socket opened in a namespace, driven by tokio.
pub struct IcmpClient {
    client: Client,
    kind: SocketKind,
    v6: bool,
    ident: AtomicU16,
}

impl IcmpClient {
    /// Open an ICMP socket (v4 or v6) in namespace `ns` (`None`: this namespace).
    /// Must be called from within a tokio runtime.
    ///
    /// # Errors
    /// The namespace cannot be entered, or neither a datagram nor a raw ICMP socket
    /// can be opened (no privilege).
    pub async fn open(ns: Option<&str>, v6: bool) -> Result<IcmpClient> {
        let handle = tokio::runtime::Handle::current();
        let owned = ns.map(str::to_owned);
        let cfg = Config::builder()
            .kind(if v6 { ICMP::V6 } else { ICMP::V4 })
            .build();
        let opened = tokio::task::spawn_blocking(move || {
            netkit_netns::run_in(owned.as_deref(), move || {
                // The socket is registered with the runtime's reactor from this
                // thread, which is inside the namespace; tokio drives it anywhere.
                let _guard = handle.enter();
                Client::new(&cfg)
            })
        })
        .await
        .map_err(|e| Error::Task {
            what: e.to_string(),
        })??;
        let client = opened.map_err(|source| Error::Socket {
            what: if v6 { "ICMPv6" } else { "ICMP" },
            place: place(ns),
            source,
        })?;
        let kind = if client.get_socket().get_type() == socket2::Type::RAW {
            SocketKind::Raw
        } else {
            SocketKind::Datagram
        };
        // Sweeps of thousands of targets get their replies in a burst: give the
        // socket room for them (SO_RCVBUFFORCE needs CAP_NET_ADMIN; fall back).
        let fd = client.get_socket().get_native_sock();
        set_buffers(fd, 8 << 20);
        Ok(IcmpClient {
            client,
            kind,
            v6,
            ident: AtomicU16::new(rand::random()),
        })
    }

    /// The ICMP client of namespace `ns` and family `v6` that this process already
    /// has open on the current tokio runtime, or a new one ([`IcmpClient::open`])
    /// kept for the next callers while anyone holds it.
    ///
    /// Why: a raw ICMP socket (root without `ping_group_range`) receives a copy of
    /// every ICMP packet of its namespace. Every check context opening its own (an
    /// agent serving many sessions, many agents in one process) made each echo
    /// reply be copied, woken and parsed once per socket: N sockets, N times the
    /// work for every ping (the fan-out benchmark: 200 agents in one process spent
    /// its time there). One socket per namespace, family and runtime serves any
    /// number of pings; the runtime is part of the key because the socket is driven
    /// by the runtime that opened it.
    ///
    /// # Errors
    /// As [`IcmpClient::open`].
    pub async fn shared(ns: Option<&str>, v6: bool) -> Result<std::sync::Arc<IcmpClient>> {
        use std::collections::HashMap;
        use std::sync::{Arc, Mutex, OnceLock, Weak};
        type Key = (tokio::runtime::Id, Option<String>, bool);
        type Slot = Arc<tokio::sync::Mutex<Weak<IcmpClient>>>;
        static OPEN: OnceLock<Mutex<HashMap<Key, Slot>>> = OnceLock::new();
        let key = (
            tokio::runtime::Handle::current().id(),
            ns.map(str::to_owned),
            v6,
        );
        let slot = {
            let mut map = OPEN
                .get_or_init(Mutex::default)
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            // Forget the clients nobody holds any more (and their namespaces).
            map.retain(|_, s| s.try_lock().map_or(true, |w| w.strong_count() > 0));
            map.entry(key).or_default().clone()
        };
        let mut held = slot.lock().await;
        if let Some(c) = held.upgrade() {
            return Ok(c);
        }
        let c = Arc::new(IcmpClient::open(ns, v6).await?);
        *held = Arc::downgrade(&c);
        Ok(c)
    }

    pub fn kind(&self) -> SocketKind {
        self.kind
    }

    pub fn is_v6(&self) -> bool {
        self.v6
    }

    /// Ping `addr` until one reply comes back or `settings.tries` echoes went
    /// unanswered. Each echo waits `settings.timeout`. Always returns.
    pub async fn ping(
        &self,
        addr: IpAddr,
        settings: ProbeSettings,
        limiter: &RateLimiter,
    ) -> PingFigure {
        self.ping_n(addr, settings, limiter, 1).await
    }

    /// Ping until `want` replies came back or `settings.tries` echoes were sent.
    pub async fn ping_n(
        &self,
        addr: IpAddr,
        settings: ProbeSettings,
        limiter: &RateLimiter,
        want: u32,
    ) -> PingFigure {
        let mut fig = PingFigure {
            sent: 0,
            received: 0,
            rtt_ms: None,
            error: None,
        };
        if addr.is_ipv6() != self.v6 {
            fig.error = Some(format!(
                "{addr} is not an IPv{} address",
                if self.v6 { 6 } else { 4 }
            ));
            return fig;
        }
        let ident = PingIdentifier(self.ident.fetch_add(1, Ordering::Relaxed));
        let mut pinger = self.client.pinger(addr, ident).await;
        pinger.timeout(settings.timeout);
        let payload = [0x6e_u8; 16];
        let tries = settings.tries.max(1);
        for seq in 0..tries {
            limiter.acquire(1).await;
            let started = Instant::now();
            fig.sent += 1;
            match pinger.ping(PingSequence(seq as u16), &payload).await {
                Ok((packet, _)) if !is_echo_reply(&packet) => {
                    // An ICMP error about our echo (unreachable, time exceeded):
                    // no reply, but a clue. Wait out the try to space retries.
                    fig.error = Some(describe_error(&packet));
                    let left = settings.timeout.saturating_sub(started.elapsed());
                    tokio::time::sleep(left.min(Duration::from_millis(200))).await;
                }
                Ok((_, rtt)) => {
                    fig.received += 1;
                    if fig.rtt_ms.is_none() {
                        fig.rtt_ms = Some(ms(rtt));
                    }
                    if fig.received >= want {
                        break;
                    }
                }
                Err(SurgeError::Timeout { .. }) => {}
                Err(e) => {
                    // A send error (no route, network unreachable) comes back at
                    // once: wait out the try so that retries stay spaced.
                    fig.error = Some(e.to_string());
                    let left = settings.timeout.saturating_sub(started.elapsed());
                    tokio::time::sleep(left.min(Duration::from_millis(200))).await;
                }
            }
        }
        fig
    }
}

fn is_echo_reply(p: &IcmpPacket) -> bool {
    match p {
        IcmpPacket::V4(p) => p.get_icmp_type().0 == 0,
        IcmpPacket::V6(p) => p.get_icmpv6_type().0 == 129,
    }
}

/// "host unreachable, said 10.2.0.1".
fn describe_error(p: &IcmpPacket) -> String {
    let (what, from) = match p {
        IcmpPacket::V4(p) => {
            let what = match (p.get_icmp_type().0, p.get_icmp_code().0) {
                (3, 0) => "network unreachable".to_string(),
                (3, 1) => "host unreachable".to_string(),
                (3, 9 | 10 | 13) => "administratively prohibited".to_string(),
                (3, c) => format!("destination unreachable (code {c})"),
                (11, _) => "time exceeded".to_string(),
                (t, c) => format!("ICMP type {t} code {c}"),
            };
            (what, IpAddr::V4(p.get_source()))
        }
        IcmpPacket::V6(p) => {
            let what = match (p.get_icmpv6_type().0, p.get_icmpv6_code().0) {
                (1, 0) => "no route to destination".to_string(),
                (1, 1) => "administratively prohibited".to_string(),
                (1, 3) => "address unreachable".to_string(),
                (1, c) => format!("destination unreachable (code {c})"),
                (3, _) => "time exceeded".to_string(),
                (t, c) => format!("ICMPv6 type {t} code {c}"),
            };
            (what, IpAddr::V6(p.get_source()))
        }
    };
    format!("{what}, said {from}")
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e5).round() / 100.0
}

fn set_buffers(fd: std::os::fd::RawFd, bytes: libc::c_int) {
    for (force, plain) in [
        (libc::SO_RCVBUFFORCE, libc::SO_RCVBUF),
        (libc::SO_SNDBUFFORCE, libc::SO_SNDBUF),
    ] {
        // SAFETY: fd is a live socket owned by the client; the option value is a
        // c_int that outlives the call.
        let rc = unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                force,
                (&bytes as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            // SAFETY: as above.
            unsafe {
                libc::setsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    plain,
                    (&bytes as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
        }
    }
}
