//! ICMP echo sweep: many targets from one source with one socket, the way fping
//! does it: send every echo as fast as the rate limit allows while a receiver reads
//! replies on the same task, then re-send only to the silent targets. Replies are
//! matched by sequence number (the target's index) and source address, so there is
//! no per-target timer, task or lock.
//!
//! The socket is an unprivileged ICMP datagram socket where allowed, raw otherwise
//! (socket2), opened in the source's namespace on a dedicated thread and driven by
//! tokio's reactor (`AsyncFd`).

use std::cell::RefCell;
use std::io;
use std::mem::MaybeUninit;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::io::unix::AsyncFd;

use crate::icmp::PingFigure;
use crate::{Error, ProbeSettings, RateLimiter, Result, place};

/// At most this many targets per socket pass (16-bit sequence numbers).
const CHUNK: usize = 65_536;

/// Ping every target; one figure per target, in order. `settings.tries` rounds:
/// each round re-sends only to targets that have not answered, and waits
/// `settings.timeout` after its last send. Mixed IPv4/IPv6 lists are fine.
///
/// # Errors
/// The namespace cannot be entered or no ICMP socket can be opened there.
pub async fn sweep(
    ns: Option<&str>,
    targets: &[IpAddr],
    settings: ProbeSettings,
    limiter: &RateLimiter,
) -> Result<Vec<PingFigure>> {
    let mut out: Vec<PingFigure> = targets
        .iter()
        .map(|_| PingFigure {
            sent: 0,
            received: 0,
            rtt_ms: None,
            error: None,
        })
        .collect();
    for v6 in [false, true] {
        let idx: Vec<usize> = (0..targets.len())
            .filter(|i| targets[*i].is_ipv6() == v6)
            .collect();
        if idx.is_empty() {
            continue;
        }
        let sock = open(ns, v6).await?;
        for chunk in idx.chunks(CHUNK) {
            let list: Vec<IpAddr> = chunk.iter().map(|i| targets[*i]).collect();
            let figs = run(&sock, v6, &list, settings, limiter)
                .await
                .map_err(|source| Error::Socket {
                    what: if v6 { "ICMPv6" } else { "ICMP" },
                    place: place(ns),
                    source,
                })?;
            for (i, f) in chunk.iter().zip(figs) {
                out[*i] = f;
            }
        }
    }
    Ok(out)
}

struct Sock {
    fd: AsyncFd<Socket>,
    raw: bool,
    ident: u16,
}

async fn open(ns: Option<&str>, v6: bool) -> Result<Sock> {
    let owned = ns.map(str::to_owned);
    let made = tokio::task::spawn_blocking(move || {
        netkit_netns::run_in(owned.as_deref(), move || {
            let (domain, proto) = if v6 {
                (Domain::IPV6, Protocol::ICMPV6)
            } else {
                (Domain::IPV4, Protocol::ICMPV4)
            };
            let (s, raw) = match Socket::new(domain, Type::DGRAM.cloexec(), Some(proto)) {
                Ok(s) => (s, false),
                Err(_) => (Socket::new(domain, Type::RAW.cloexec(), Some(proto))?, true),
            };
            s.set_nonblocking(true)?;
            // Room for a burst of replies (SO_RCVBUFFORCE needs CAP_NET_ADMIN).
            if s.set_recv_buffer_size(16 << 20).is_err()
                || s.recv_buffer_size().unwrap_or(0) < (8 << 20)
            {
                force_rcvbuf(&s, 16 << 20);
            }
            let _ = s.set_send_buffer_size(4 << 20);
            Ok::<_, io::Error>((s, raw))
        })
    })
    .await
    .map_err(|e| Error::Task {
        what: e.to_string(),
    })??;
    let (s, raw) = made.map_err(|source| Error::Socket {
        what: if v6 { "ICMPv6" } else { "ICMP" },
        place: place(ns),
        source,
    })?;
    // SAFETY: `s` is an open socket owned by the AsyncFd for its whole life; its
    // raw fd never changes.
    let fd = unsafe { AsyncFd::register(s) }.map_err(|e| Error::Socket {
        what: "ICMP",
        place: place(ns),
        source: io::Error::from(e),
    })?;
    Ok(Sock {
        fd,
        raw,
        ident: rand::random(),
    })
}

fn force_rcvbuf(s: &Socket, bytes: libc::c_int) {
    use std::os::fd::AsRawFd;
    // SAFETY: a live socket and a c_int option value that outlives the call.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUFFORCE,
            (&bytes as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in data.chunks(2) {
        let w = if c.len() == 2 {
            u16::from_be_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], 0])
        };
        sum += u32::from(w);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn echo(v6: bool, ident: u16, seq: u16, buf: &mut [u8; 16]) {
    buf[0] = if v6 { 128 } else { 8 };
    buf[1] = 0;
    buf[2] = 0;
    buf[3] = 0;
    buf[4..6].copy_from_slice(&ident.to_be_bytes());
    buf[6..8].copy_from_slice(&seq.to_be_bytes());
    buf[8..16].copy_from_slice(b"netkitsw");
    if !v6 {
        // The kernel fills the ICMPv6 checksum; ICMPv4 is ours to compute.
        let c = checksum(&buf[..]);
        buf[2..4].copy_from_slice(&c.to_be_bytes());
    }
}

/// An echo reply in `data` (with the IPv4 header on raw v4 sockets): (ident, seq).
fn parse_reply(v6: bool, raw: bool, data: &[u8]) -> Option<(u16, u16)> {
    let icmp = if !v6 && raw {
        let ihl = usize::from(data.first()? & 0x0f) * 4;
        data.get(ihl..)?
    } else {
        data
    };
    if icmp.len() < 8 {
        return None;
    }
    let want = if v6 { 129 } else { 0 };
    if icmp[0] != want || icmp[1] != 0 {
        return None;
    }
    Some((
        u16::from_be_bytes([icmp[4], icmp[5]]),
        u16::from_be_bytes([icmp[6], icmp[7]]),
    ))
}

struct State {
    sent_at: Vec<Option<Instant>>,
    figs: Vec<PingFigure>,
    answered: usize,
}

async fn run(
    sock: &Sock,
    v6: bool,
    targets: &[IpAddr],
    settings: ProbeSettings,
    limiter: &RateLimiter,
) -> io::Result<Vec<PingFigure>> {
    let state = RefCell::new(State {
        sent_at: vec![None; targets.len()],
        figs: targets
            .iter()
            .map(|_| PingFigure {
                sent: 0,
                received: 0,
                rtt_ms: None,
                error: None,
            })
            .collect(),
        answered: 0,
    });
    let addrs: Vec<SockAddr> = targets
        .iter()
        .map(|a| SockAddr::from(SocketAddr::new(*a, 0)))
        .collect();
    for _round in 0..settings.tries.max(1) {
        let pending: Vec<usize> = {
            let st = state.borrow();
            (0..targets.len())
                .filter(|i| st.figs[*i].received == 0)
                .collect()
        };
        if pending.is_empty() {
            break;
        }
        let sending_done: std::cell::Cell<Option<Instant>> = std::cell::Cell::new(None);
        let sender = async {
            let mut buf = [0u8; 16];
            for (n, &i) in pending.iter().enumerate() {
                // Let the receiver drain replies regularly: a send that does not
                // block never yields, and the socket buffer would overflow.
                if n % 128 == 127 {
                    tokio::task::yield_now().await;
                }
                limiter.acquire(1).await;
                echo(v6, sock.ident, i as u16, &mut buf);
                loop {
                    let mut guard = sock.fd.writable().await?;
                    match guard.try_io(|fd| fd.get_ref().send_to(&buf, &addrs[i])) {
                        Ok(Ok(_)) => {
                            let mut st = state.borrow_mut();
                            st.sent_at[i] = Some(Instant::now());
                            st.figs[i].sent += 1;
                            break;
                        }
                        Ok(Err(e)) => {
                            // No route and the like: a figure, not a failure.
                            let mut st = state.borrow_mut();
                            st.figs[i].sent += 1;
                            st.figs[i].error = Some(e.to_string());
                            break;
                        }
                        Err(_would_block) => continue,
                    }
                }
            }
            sending_done.set(Some(Instant::now()));
            Ok::<(), io::Error>(())
        };
        let receiver = async {
            let mut buf = [MaybeUninit::<u8>::uninit(); 2048];
            loop {
                {
                    let st = state.borrow();
                    if st.answered == targets.len() {
                        return Ok::<(), io::Error>(());
                    }
                }
                let wait = match sending_done.get() {
                    Some(t) => {
                        let end = t + settings.timeout;
                        let now = Instant::now();
                        if now >= end {
                            return Ok(());
                        }
                        (end - now).min(Duration::from_millis(50))
                    }
                    None => Duration::from_millis(20),
                };
                let Ok(ready) = tokio::time::timeout(wait, sock.fd.readable()).await else {
                    continue;
                };
                let mut guard = ready?;
                loop {
                    match guard.try_io(|fd| fd.get_ref().recv_from(&mut buf)) {
                        Ok(Ok((n, from))) => {
                            // SAFETY: recv_from initialised the first n bytes.
                            let data: &[u8] =
                                unsafe { std::slice::from_raw_parts(buf.as_ptr().cast(), n) };
                            let Some((ident, seq)) = parse_reply(v6, sock.raw, data) else {
                                continue;
                            };
                            if sock.raw && ident != sock.ident {
                                continue;
                            }
                            let i = usize::from(seq);
                            let Some(from) = from.as_socket().map(|s| s.ip()) else {
                                continue;
                            };
                            if i >= targets.len() || targets[i] != from {
                                continue;
                            }
                            let mut st = state.borrow_mut();
                            if st.figs[i].received == 0 {
                                st.answered += 1;
                                let rtt = st.sent_at[i].map(|t| t.elapsed()).unwrap_or_default();
                                st.figs[i].rtt_ms = Some((rtt.as_secs_f64() * 1e5).round() / 100.0);
                            }
                            st.figs[i].received += 1;
                        }
                        Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                        // ICMP errors queued on a datagram socket: not a reply.
                        Ok(Err(_)) => {}
                        Err(_would_block) => break,
                    }
                }
            }
        };
        let (s, r) = tokio::join!(sender, receiver);
        s?;
        r?;
    }
    Ok(state.into_inner().figs)
}
