//! TTL-limited path probe (traceroute): UDP datagrams with increasing TTL toward a
//! high port; each router on the way answers "time exceeded", the destination
//! answers "port unreachable". The answers are read from the socket's error queue
//! (`IP_RECVERR`), which works without a raw socket. The hops are compared with the
//! plan by `netkit-verify`.
//!
//! The probe runs on a dedicated thread inside the source's namespace (it blocks in
//! `poll(2)` with a timeout), so it never holds a tokio worker.

use std::io;
use std::mem::{MaybeUninit, size_of};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use serde::Serialize;
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::{Error, ProbeSettings, RateLimiter, Result, place};

/// First destination port (traceroute's classic base); probe `ttl` goes to base+ttl.
const BASE_PORT: u16 = 33434;
/// TTLs sent at once before waiting: enough for a lab path, few enough not to spend
/// the destination's ICMP rate-limit tokens on packets that all reach it.
const WINDOW: u8 = 5;

/// What answered a probe of one TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HopKind {
    /// A router on the way ("time exceeded").
    Router,
    /// The destination itself ("port unreachable" from it).
    Destination,
    /// A router or host said the destination cannot be reached (no route, filtered).
    Unreachable,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hop {
    pub ttl: u8,
    /// Who answered; `None`: nobody within the timeout (`*` in traceroute).
    pub address: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<HopKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<f64>,
    /// The ICMP type/code in words for `Unreachable` hops.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// What a path probe measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathFigure {
    pub target: IpAddr,
    /// One entry per TTL from 1 up to the destination (or the last TTL tried).
    pub hops: Vec<Hop>,
    /// The destination answered.
    pub reached: bool,
    /// The source could not send at all (e.g. "network unreachable": no route).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl PathFigure {
    /// Addresses of the routers that answered, in order, ending with the
    /// destination when reached.
    pub fn answered(&self) -> impl Iterator<Item = &Hop> {
        self.hops.iter().filter(|h| h.address.is_some())
    }

    /// The last hop that answered, if any.
    pub fn last_answer(&self) -> Option<&Hop> {
        self.hops.iter().rev().find(|h| h.address.is_some())
    }
}

/// Trace the path from namespace `ns` to `target`, at most `max_hops` TTLs,
/// `settings.tries` rounds for TTLs that got no answer, each waiting
/// `settings.timeout`. Always returns a figure unless the probe itself could not run.
///
/// # Errors
/// The namespace cannot be entered or the UDP socket cannot be created.
pub async fn trace(
    ns: Option<&str>,
    target: IpAddr,
    max_hops: u8,
    settings: ProbeSettings,
    limiter: &RateLimiter,
) -> Result<PathFigure> {
    // Reserve the packets up front: the probe thread does not await.
    limiter.acquire(u32::from(max_hops.min(WINDOW))).await;
    let owned = ns.map(str::to_owned);
    let done = tokio::task::spawn_blocking(move || {
        netkit_netns::run_in(owned.as_deref(), move || {
            trace_blocking(target, max_hops.max(1), settings)
        })
    })
    .await
    .map_err(|e| Error::Task {
        what: e.to_string(),
    })??;
    done.map_err(|source| Error::Socket {
        what: "UDP (path probe)",
        place: place(ns),
        source,
    })
}

struct Answer {
    ttl: u8,
    from: Option<IpAddr>,
    kind: HopKind,
    detail: Option<String>,
    at: Instant,
}

/// The blocking trace, in the calling thread's namespace.
///
/// # Errors
/// The socket cannot be created or configured.
pub fn trace_blocking(
    target: IpAddr,
    max_hops: u8,
    settings: ProbeSettings,
) -> io::Result<PathFigure> {
    let v6 = target.is_ipv6();
    let sock = Socket::new(
        if v6 { Domain::IPV6 } else { Domain::IPV4 },
        Type::DGRAM.cloexec(),
        Some(Protocol::UDP),
    )?;
    let fd = sock.as_raw_fd();
    let one: libc::c_int = 1;
    let (level, opt) = if v6 {
        (libc::SOL_IPV6, libc::IPV6_RECVERR)
    } else {
        (libc::SOL_IP, libc::IP_RECVERR)
    };
    // SAFETY: fd is a live socket; the value is a c_int living across the call.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            opt,
            (&one as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    // A random nonce in every payload: answers to someone else's probe are ignored.
    let nonce: u32 = rand::random();
    let mut sent_at: Vec<Option<Instant>> = vec![None; usize::from(max_hops) + 1];
    let mut answers: Vec<Option<Answer>> = (0..=max_hops).map(|_| None).collect();
    let mut send_error: Option<String> = None;
    // The lowest TTL at which the destination or an "unreachable" answered.
    let mut end_ttl: Option<u8> = None;

    let mut first: u8 = 1;
    'windows: while first <= max_hops {
        let last = (first + WINDOW - 1).min(max_hops);
        for round in 0..settings.tries.max(1) {
            let mut any_sent = false;
            for ttl in first..=last {
                if answers[usize::from(ttl)].is_some() || end_ttl.is_some_and(|e| ttl > e) {
                    continue;
                }
                set_ttl(&sock, v6, ttl)?;
                let mut payload = [0u8; 12];
                payload[..4].copy_from_slice(&nonce.to_be_bytes());
                payload[4] = ttl;
                payload[5] = round as u8;
                payload[6..10].copy_from_slice(b"nktr");
                let dst = SocketAddr::new(target, BASE_PORT.wrapping_add(u16::from(ttl)));
                match send_probe(&sock, &payload, &SockAddr::from(dst)) {
                    Ok(_) => {
                        sent_at[usize::from(ttl)] = Some(Instant::now());
                        any_sent = true;
                    }
                    Err(e) => {
                        // A local error (no route): nothing left the source.
                        send_error = Some(describe_errno(&e));
                        break 'windows;
                    }
                }
            }
            if !any_sent {
                break;
            }
            let deadline = Instant::now() + settings.timeout;
            loop {
                let complete = (first..=last)
                    .all(|t| answers[usize::from(t)].is_some() || end_ttl.is_some_and(|e| t > e));
                if complete {
                    break;
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                if !wait_error(fd, left)? {
                    break;
                }
                while let Some(a) = read_error(fd, v6, nonce)? {
                    if a.ttl == 0 || a.ttl > max_hops {
                        continue;
                    }
                    if matches!(a.kind, HopKind::Destination | HopKind::Unreachable) {
                        end_ttl = Some(end_ttl.map_or(a.ttl, |e| e.min(a.ttl)));
                    }
                    let slot = &mut answers[usize::from(a.ttl)];
                    if slot.is_none() {
                        *slot = Some(a);
                    }
                }
            }
            let complete = (first..=last)
                .all(|t| answers[usize::from(t)].is_some() || end_ttl.is_some_and(|e| t > e));
            if complete {
                break;
            }
        }
        if end_ttl.is_some() {
            break;
        }
        first = last + 1;
    }

    let upto = end_ttl.unwrap_or_else(|| {
        // Not reached: keep TTLs up to the last answer, plus one silent hop to show
        // where it stopped.
        let last_answer = (1..=max_hops)
            .rev()
            .find(|t| answers[usize::from(*t)].is_some())
            .unwrap_or(0);
        (last_answer + 1).min(max_hops)
    });
    let mut hops = Vec::new();
    for ttl in 1..=upto {
        let a = answers[usize::from(ttl)].take();
        let rtt = match (&a, sent_at[usize::from(ttl)]) {
            (Some(a), Some(s)) => {
                Some((a.at.saturating_duration_since(s).as_secs_f64() * 1e5).round() / 100.0)
            }
            _ => None,
        };
        hops.push(Hop {
            ttl,
            address: a.as_ref().and_then(|a| a.from),
            kind: a.as_ref().map(|a| a.kind),
            rtt_ms: rtt,
            detail: a.and_then(|a| a.detail),
        });
    }
    let reached = hops.iter().any(|h| h.kind == Some(HopKind::Destination));
    Ok(PathFigure {
        target,
        hops,
        reached,
        error: send_error,
    })
}

/// Send one probe. With `IP_RECVERR`, an ICMP error about an earlier probe is
/// also reported as the error of the next system call on the socket: clear it
/// first (`SO_ERROR`), and retry a failed send a few times, so that only an error
/// of this send (e.g. no route at the source) is reported.
fn send_probe(sock: &Socket, payload: &[u8], dst: &SockAddr) -> io::Result<usize> {
    let mut last = None;
    for _ in 0..4 {
        let _ = sock.take_error();
        match sock.send_to(payload, dst) {
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("send failed")))
}

fn set_ttl(sock: &Socket, v6: bool, ttl: u8) -> io::Result<()> {
    if v6 {
        sock.set_unicast_hops_v6(u32::from(ttl))
    } else {
        sock.set_ttl_v4(u32::from(ttl))
    }
}

fn describe_errno(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(libc::ENETUNREACH) => "network unreachable (the source has no route)".to_string(),
        Some(libc::EHOSTUNREACH) => "host unreachable".to_string(),
        _ => e.to_string(),
    }
}

/// Wait until the error queue has something, at most `left`.
fn wait_error(fd: libc::c_int, left: Duration) -> io::Result<bool> {
    let mut pfd = libc::pollfd {
        fd,
        events: libc::POLLERR,
        revents: 0,
    };
    let ms = left.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
    // SAFETY: one valid pollfd for the duration of the call.
    let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
    if rc < 0 {
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            return Ok(true);
        }
        return Err(e);
    }
    Ok(rc > 0)
}

/// Linux's `struct sock_extended_err`.
#[repr(C)]
#[derive(Clone, Copy)]
struct SockExtendedErr {
    ee_errno: u32,
    ee_origin: u8,
    ee_type: u8,
    ee_code: u8,
    ee_pad: u8,
    ee_info: u32,
    ee_data: u32,
}

const SO_EE_ORIGIN_LOCAL: u8 = 1;
const SO_EE_ORIGIN_ICMP: u8 = 2;
const SO_EE_ORIGIN_ICMP6: u8 = 3;

/// Read one message from the error queue (non-blocking). `Ok(None)`: queue empty.
fn read_error(fd: libc::c_int, v6: bool, nonce: u32) -> io::Result<Option<Answer>> {
    loop {
        let mut data = [0u8; 64];
        let mut control = [0u8; 512];
        let mut from = MaybeUninit::<libc::sockaddr_storage>::zeroed();
        let mut iov = libc::iovec {
            iov_base: data.as_mut_ptr().cast(),
            iov_len: data.len(),
        };
        // SAFETY: an all-zero msghdr is valid; the pointers set below point to
        // buffers that outlive the recvmsg call.
        let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
        msg.msg_name = from.as_mut_ptr().cast();
        msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = control.len();
        // SAFETY: msg describes valid buffers.
        let n = unsafe { libc::recvmsg(fd, &mut msg, libc::MSG_ERRQUEUE | libc::MSG_DONTWAIT) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.raw_os_error() {
                Some(libc::EAGAIN) => Ok(None),
                Some(libc::EINTR) => continue,
                _ => Err(e),
            };
        }
        let n = n as usize;
        let received = Instant::now();
        if n < 10 || data[..4] != nonce.to_be_bytes() || &data[6..10] != b"nktr" {
            // Someone else's datagram (or truncated): not ours.
            continue;
        }
        let ttl = data[4];
        // Walk the control messages for the extended error.
        // SAFETY: msg was filled by the kernel; CMSG_* walk within msg_controllen.
        let mut cmsg = unsafe { libc::CMSG_FIRSTHDR(&msg) };
        while !cmsg.is_null() {
            // SAFETY: cmsg is non-null and within the control buffer.
            let hdr = unsafe { &*cmsg };
            let ours = (hdr.cmsg_level == libc::SOL_IP && hdr.cmsg_type == libc::IP_RECVERR)
                || (hdr.cmsg_level == libc::SOL_IPV6 && hdr.cmsg_type == libc::IPV6_RECVERR);
            let len = hdr.cmsg_len;
            // SAFETY: the data of a cmsg starts at CMSG_DATA.
            let data_ptr = unsafe { libc::CMSG_DATA(cmsg) };
            // SAFETY: CMSG_LEN(0) is a constant computation.
            let header_len = unsafe { libc::CMSG_LEN(0) } as usize;
            if ours && len >= header_len + size_of::<SockExtendedErr>() {
                // SAFETY: length checked above; read_unaligned copes with alignment.
                let ee: SockExtendedErr =
                    unsafe { std::ptr::read_unaligned(data_ptr.cast::<SockExtendedErr>()) };
                let offender_len = len - header_len - size_of::<SockExtendedErr>();
                // SAFETY: the offender address follows the struct (SO_EE_OFFENDER).
                let off_ptr = unsafe { data_ptr.add(size_of::<SockExtendedErr>()) };
                let offender = parse_sockaddr(off_ptr, offender_len);
                let answer = classify(&ee, v6, offender, ttl, received);
                return Ok(Some(answer));
            }
            // SAFETY: CMSG_NXTHDR walks within msg.
            cmsg = unsafe { libc::CMSG_NXTHDR(&msg, cmsg) };
        }
    }
}

fn parse_sockaddr(ptr: *const u8, len: usize) -> Option<IpAddr> {
    if len < size_of::<libc::sa_family_t>() {
        return None;
    }
    // SAFETY: at least a family field is there (checked).
    let family = unsafe { std::ptr::read_unaligned(ptr.cast::<libc::sa_family_t>()) };
    match i32::from(family) {
        libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: length checked.
            let sa = unsafe { std::ptr::read_unaligned(ptr.cast::<libc::sockaddr_in>()) };
            Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(sa.sin_addr.s_addr))))
        }
        libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: length checked.
            let sa = unsafe { std::ptr::read_unaligned(ptr.cast::<libc::sockaddr_in6>()) };
            Some(IpAddr::V6(Ipv6Addr::from(sa.sin6_addr.s6_addr)))
        }
        _ => None,
    }
}

fn classify(ee: &SockExtendedErr, v6: bool, from: Option<IpAddr>, ttl: u8, at: Instant) -> Answer {
    let (kind, detail) = match ee.ee_origin {
        SO_EE_ORIGIN_ICMP if !v6 => match (ee.ee_type, ee.ee_code) {
            (11, _) => (HopKind::Router, None),
            (3, 3) => (HopKind::Destination, None),
            (3, code) => (HopKind::Unreachable, Some(icmp4_unreach(code))),
            (t, c) => (
                HopKind::Unreachable,
                Some(format!("ICMP type {t} code {c}")),
            ),
        },
        SO_EE_ORIGIN_ICMP6 => match (ee.ee_type, ee.ee_code) {
            (3, _) => (HopKind::Router, None),
            (1, 4) => (HopKind::Destination, None),
            (1, code) => (HopKind::Unreachable, Some(icmp6_unreach(code))),
            (t, c) => (
                HopKind::Unreachable,
                Some(format!("ICMPv6 type {t} code {c}")),
            ),
        },
        SO_EE_ORIGIN_LOCAL => (
            HopKind::Unreachable,
            Some(format!(
                "local error: {}",
                io::Error::from_raw_os_error(ee.ee_errno as i32)
            )),
        ),
        _ => (
            HopKind::Unreachable,
            Some(io::Error::from_raw_os_error(ee.ee_errno as i32).to_string()),
        ),
    };
    Answer {
        ttl,
        from,
        kind,
        detail,
        at,
    }
}

fn icmp4_unreach(code: u8) -> String {
    match code {
        0 => "network unreachable".into(),
        1 => "host unreachable".into(),
        2 => "protocol unreachable".into(),
        9 | 10 | 13 => "administratively prohibited (filtered)".into(),
        c => format!("destination unreachable (code {c})"),
    }
}

fn icmp6_unreach(code: u8) -> String {
    match code {
        0 => "no route to destination".into(),
        1 => "administratively prohibited (filtered)".into(),
        3 => "address unreachable".into(),
        c => format!("destination unreachable (code {c})"),
    }
}
