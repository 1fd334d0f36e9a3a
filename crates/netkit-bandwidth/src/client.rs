//! The client side of `netkit-bw/1`: one test against a `netkit agent`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::auth::unhex;
use crate::frame::{
    self, CONTROL_MAGIC, DATA_MAGIC, FrameError, Msg, PROTOCOL, Part, ROLE_AGENT_SENDS,
    ROLE_CLIENT_SENDS, Totals,
};
use crate::handshake::{self, Answer, HandshakeError};
use crate::meter::{self, Counters};
use crate::net::Connector;
use crate::wire::Reader;
use crate::{Direction, Error, Interval, Report, Result, TestSpec, Token, Tool, flow, wire_factor};

const AGENT: &str = "netkit agent";
const STEP_TIMEOUT: Duration = Duration::from_secs(10);
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// One test to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub addr: SocketAddr,
    /// Needed unless the agent runs with `--insecure-no-auth`.
    pub token: Option<Token>,
    pub spec: TestSpec,
    /// Where the client's sockets live (a lab namespace, or here).
    pub connector: Connector,
}

fn frame_err(addr: &str, op: &'static str, e: FrameError) -> Error {
    match e {
        FrameError::Timeout => Error::Timeout {
            addr: addr.into(),
            op,
        },
        FrameError::Io(source) => Error::Io {
            addr: addr.into(),
            op,
            source,
        },
        FrameError::Closed => Error::Protocol {
            addr: addr.into(),
            message: format!("the connection was closed while {op}"),
        },
        other => Error::Protocol {
            addr: addr.into(),
            message: other.to_string(),
        },
    }
}

fn handshake_err(addr: &str, e: HandshakeError) -> Error {
    if e.is_protocol() {
        Error::Protocol {
            addr: addr.into(),
            message: e.to_string(),
        }
    } else {
        Error::Auth {
            addr: addr.into(),
            message: e.to_string(),
        }
    }
}

fn agent_error(addr: &str, message: String, code: &str) -> Error {
    match code {
        "auth" => Error::Auth {
            addr: addr.into(),
            message,
        },
        _ => Error::Refused {
            addr: addr.into(),
            message,
        },
    }
}

/// Run one test against a netkit agent. `on_interval` sees each interval as soon as
/// both sides' figures for it are in.
///
/// # Errors
/// Cannot connect, authentication refused (either way), the agent refuses the test
/// (limits, busy) or cuts it off, or a timeout.
pub async fn run(opts: &Options, mut on_interval: impl FnMut(&Interval)) -> Result<Report> {
    let spec = &opts.spec;
    spec.validate()?;
    let addr = opts.addr.to_string();
    let addr_io = addr.clone();
    let io = move |op: &'static str| {
        let addr = addr_io.clone();
        move |source| Error::Io { addr, op, source }
    };

    let mut ctl = opts.connector.connect(opts.addr, AGENT).await?;
    let _ = ctl.set_nodelay(true);
    ctl.write_all(CONTROL_MAGIC)
        .await
        .map_err(io("sending the greeting"))?;
    let (mut r, mut w) = ctl.into_split();
    let hello = frame::read_msg(&mut r, STEP_TIMEOUT).await.map_err(|e| {
        frame_err(
            &addr,
            "waiting for the agent's hello (if it is an iperf3 server, use --iperf3)",
            e,
        )
    })?;
    let Msg::Hello {
        proto, nonce, auth, ..
    } = hello
    else {
        return Err(Error::Protocol {
            addr,
            message: "the first message was not a hello".into(),
        });
    };
    if proto != PROTOCOL {
        return Err(Error::Protocol {
            addr,
            message: format!("the agent speaks {proto}, this client {PROTOCOL}"),
        });
    }
    let answer = Answer::new(handshake::BANDWIDTH, opts.token.as_ref(), &auth, &nonce)
        .map_err(|e| handshake_err(&addr, e))?;
    let req = Msg::Request {
        client_nonce: answer.client_nonce_hex(),
        proof: answer.proof.clone(),
        test: spec.clone(),
    };
    frame::write_msg(&mut w, &req, WRITE_TIMEOUT)
        .await
        .map_err(io("sending the request"))?;
    let test_id = match frame::read_msg(&mut r, STEP_TIMEOUT)
        .await
        .map_err(|e| frame_err(&addr, "waiting for the agent to accept the test", e))?
    {
        Msg::Accepted { test_id, proof } => {
            answer
                .verify_agent(proof.as_deref())
                .map_err(|e| handshake_err(&addr, e))?;
            unhex(&test_id)
                .filter(|b| b.len() == 16)
                .ok_or_else(|| Error::Protocol {
                    addr: addr.clone(),
                    message: "malformed test id".into(),
                })?
        }
        Msg::Error { message, code } => return Err(agent_error(&addr, message, &code)),
        _ => {
            return Err(Error::Protocol {
                addr,
                message: "unexpected answer to the request".into(),
            });
        }
    };

    // Data connections: the client's sending streams first, then the receiving ones.
    let n = spec.streams;
    let mut roles = Vec::new();
    if spec.direction.client_sends() {
        roles.extend((0..n).map(|i| (i, ROLE_CLIENT_SENDS)));
    }
    if spec.direction.server_sends() {
        roles.extend((0..n).map(|i| (i, ROLE_AGENT_SENDS)));
    }
    let mut socks = Vec::new();
    for &(index, role) in &roles {
        let mut s = opts.connector.connect(opts.addr, AGENT).await?;
        let mut hdr = Vec::with_capacity(8 + frame::DATA_HEADER_LEN);
        hdr.extend_from_slice(DATA_MAGIC);
        hdr.extend_from_slice(&test_id);
        hdr.extend_from_slice(&index.to_be_bytes());
        hdr.push(role);
        s.write_all(&hdr)
            .await
            .map_err(io("opening a data connection"))?;
        socks.push(s);
    }
    match frame::read_msg(&mut r, STEP_TIMEOUT)
        .await
        .map_err(|e| frame_err(&addr, "waiting for the test to start", e))?
    {
        Msg::Start => {}
        Msg::Error { message, code } => return Err(agent_error(&addr, message, &code)),
        _ => {
            return Err(Error::Protocol {
                addr,
                message: "expected the start of the test".into(),
            });
        }
    }
    let t0 = Instant::now();
    let end = t0 + spec.total();
    let sending: Vec<bool> = roles.iter().map(|&(_, r)| r == ROLE_CLIENT_SENDS).collect();
    let counters = Counters::new(&sending);
    let mut streams = meter::spawn_streams(
        socks.into_iter().enumerate(),
        &sending,
        end,
        &counters,
        spec.block_size as usize,
        None,
    );
    let (part_tx, mut part_rx) = mpsc::channel(256);
    let mut meter = tokio::spawn(meter::run_meter(
        t0,
        meter::sample_points(spec.total(), spec.omit()),
        counters.clone(),
        Some(part_tx),
    ));
    let mut msg_rx = Reader::<Msg>::spawn(r, frame::MAX_FRAME, Duration::from_secs(86_400), 64);

    let mut merge = Merge::new(spec.direction, spec.omit());
    let mut snaps = None;
    let mut agent_totals: Option<Totals> = None;
    let mut stop_sent = false;
    let result_deadline = end + STEP_TIMEOUT;
    while agent_totals.is_none() {
        tokio::select! {
            Some(p) = part_rx.recv() => {
                merge.local(p);
                merge.emit(&counters, &mut on_interval);
            }
            s = &mut meter, if snaps.is_none() => {
                snaps = Some(s.unwrap_or_default());
                if !stop_sent {
                    stop_sent = true;
                    frame::write_msg(&mut w, &Msg::Stop, WRITE_TIMEOUT)
                        .await
                        .map_err(io("sending stop"))?;
                }
            }
            m = msg_rx.recv() => match m {
                Some(Ok(Msg::Interval { part })) => {
                    merge.remote(part);
                    merge.emit(&counters, &mut on_interval);
                }
                Some(Ok(Msg::Result { totals })) => agent_totals = Some(totals),
                Some(Ok(Msg::Error { message, code })) => {
                    return Err(agent_error(&addr, message, &code));
                }
                Some(Ok(_)) => {
                    return Err(Error::Protocol { addr, message: "unexpected message during the test".into() });
                }
                Some(Err(e)) => return Err(frame_err(&addr, "running the test", e)),
                None => return Err(Error::Protocol { addr, message: "the control connection ended".into() }),
            },
            _ = tokio::time::sleep_until(result_deadline) => {
                return Err(Error::Timeout { addr, op: "waiting for the agent's results" });
            }
        }
    }
    let snaps = match snaps {
        Some(s) => s,
        None => meter.await.unwrap_or_default(),
    };
    while let Ok(p) = part_rx.try_recv() {
        merge.local(p);
    }
    merge.emit(&counters, &mut on_interval);
    merge.flush(&counters, &mut on_interval);
    streams.abort_all();

    let local = meter::totals(&snaps, spec.omit(), &counters);
    let agent = agent_totals.unwrap_or_default();
    let (mss, mtu) = if local.mss > 0 {
        (local.mss, local.mtu)
    } else {
        (agent.mss, agent.mtu)
    };
    let factor = wire_factor(mss, mtu);
    let forward = spec.direction.client_sends().then(|| {
        flow(
            agent.received,
            agent.seconds,
            Some(local.retransmits),
            factor,
            "receiver",
        )
    });
    let reverse = spec.direction.server_sends().then(|| {
        flow(
            local.received,
            local.seconds,
            Some(agent.retransmits),
            factor,
            "receiver",
        )
    });
    Ok(assemble(
        Tool::Netkit,
        addr,
        spec,
        merge.done,
        forward,
        reverse,
        mss,
        mtu,
    ))
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn assemble(
    tool: Tool,
    server: String,
    spec: &TestSpec,
    intervals: Vec<Interval>,
    forward: Option<crate::Flow>,
    reverse: Option<crate::Flow>,
    mss: u32,
    mtu: u32,
) -> Report {
    let flows: Vec<&crate::Flow> = forward.iter().chain(reverse.iter()).collect();
    let lowest = flows
        .iter()
        .min_by(|a, b| a.goodput_bps.total_cmp(&b.goodput_bps))
        .copied();
    let retransmits = if flows.iter().all(|f| f.retransmits.is_some()) && !flows.is_empty() {
        Some(flows.iter().filter_map(|f| f.retransmits).sum())
    } else {
        None
    };
    Report {
        tool,
        server,
        protocol: "tcp".into(),
        streams: spec.streams,
        direction: spec.direction,
        duration_s: spec.duration().as_secs_f64(),
        omit_s: spec.omit().as_secs_f64(),
        intervals,
        goodput_bps: lowest.map(|f| f.goodput_bps).unwrap_or(0.0),
        wire_bps: lowest.map(|f| f.wire_bps).unwrap_or(0.0),
        forward,
        reverse,
        retransmits,
        mss,
        mtu,
        threshold_compares: "goodput".into(),
    }
}

/// Pairs this side's interval figures with the agent's.
struct Merge {
    direction: Direction,
    omit: Duration,
    local: BTreeMap<usize, Part>,
    remote: BTreeMap<usize, Part>,
    next: usize,
    done: Vec<Interval>,
}

impl Merge {
    fn new(direction: Direction, omit: Duration) -> Merge {
        Merge {
            direction,
            omit,
            local: BTreeMap::new(),
            remote: BTreeMap::new(),
            next: 0,
            done: Vec::new(),
        }
    }

    fn local(&mut self, p: Part) {
        self.local.insert(p.index, p);
    }

    fn remote(&mut self, p: Part) {
        // Bounded: an agent cannot make us keep more parts than the test has.
        if self.remote.len() < 100_000 {
            self.remote.insert(p.index, p);
        }
    }

    fn build(&self, l: Option<&Part>, r: Option<&Part>, factor: f64) -> Option<Interval> {
        let base = l.or(r)?;
        let secs_of = |p: &Part| {
            if p.seconds > 0.0 {
                p.seconds
            } else {
                (p.end - p.start).max(0.0)
            }
        };
        // Each side's bytes over that side's own elapsed time.
        let lsecs = l.map_or(0.0, secs_of);
        let rsecs = r.map_or(lsecs, secs_of);
        let lsecs = if l.is_some() { lsecs } else { rsecs };
        let forward = self.direction.client_sends().then(|| match r {
            Some(r) => flow(
                r.received,
                rsecs,
                l.map(|l| l.retransmits),
                factor,
                "receiver",
            ),
            None => flow(
                l.map_or(0, |l| l.sent),
                lsecs,
                l.map(|l| l.retransmits),
                factor,
                "sender",
            ),
        });
        let reverse = self.direction.server_sends().then(|| {
            flow(
                l.map_or(0, |l| l.received),
                lsecs,
                r.map(|r| r.retransmits),
                factor,
                "receiver",
            )
        });
        Some(Interval {
            start: base.start,
            end: base.end,
            omitted: base.end <= self.omit.as_secs_f64() + 1e-9,
            forward,
            reverse,
        })
    }

    fn emit(&mut self, counters: &Counters, f: &mut impl FnMut(&Interval)) {
        let factor = factor_of(counters);
        while let (Some(l), Some(r)) = (self.local.get(&self.next), self.remote.get(&self.next)) {
            if let Some(i) = self.build(Some(l), Some(r), factor) {
                f(&i);
                self.done.push(i);
            }
            self.local.remove(&self.next);
            self.remote.remove(&self.next);
            self.next += 1;
        }
    }

    /// Whatever is left once the test is over (an agent that sent fewer parts).
    fn flush(&mut self, counters: &Counters, f: &mut impl FnMut(&Interval)) {
        let factor = factor_of(counters);
        let keys: Vec<usize> = self
            .local
            .keys()
            .chain(self.remote.keys())
            .copied()
            .filter(|k| *k >= self.next)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        for k in keys {
            if let Some(i) = self.build(self.local.get(&k), self.remote.get(&k), factor) {
                f(&i);
                self.done.push(i);
            }
        }
        self.local.clear();
        self.remote.clear();
    }
}

pub(crate) fn factor_of(c: &Counters) -> f64 {
    use std::sync::atomic::Ordering;
    wire_factor(c.mss.load(Ordering::Relaxed), c.mtu.load(Ordering::Relaxed))
}

pub(crate) struct AbortOnDrop<T>(pub tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
