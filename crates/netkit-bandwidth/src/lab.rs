//! Tests between two network namespaces of this machine (the lab): netkit serves
//! the far end itself, either in-process (an agent whose listening socket was
//! created inside the far namespace, with a fresh random token) or as an
//! `iperf3 -s` process started there and killed by PID when done.

use std::io::{BufRead, BufReader};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::agent::{self, AgentConfig, LogFn};
use crate::client::{self, AbortOnDrop};
use crate::net::Connector;
use crate::{Error, Interval, Report, Result, TestSpec, Token, Tool};

/// Create a TCP listener inside namespace `ns` (`None`: here) and hand it to tokio.
/// Must be called from within a tokio runtime.
///
/// # Errors
/// The namespace cannot be entered, or the address cannot be bound.
pub async fn bind_in(ns: Option<&str>, addr: SocketAddr) -> Result<TcpListener> {
    let ns_owned = ns.map(str::to_owned);
    let std_listener = tokio::task::spawn_blocking(move || {
        netkit_netns::run_in(ns_owned.as_deref(), move || {
            let l = std::net::TcpListener::bind(addr)?;
            l.set_nonblocking(true)?;
            Ok::<_, std::io::Error>(l)
        })
    })
    .await
    .map_err(|e| Error::Local {
        op: "run the bind thread".into(),
        source: std::io::Error::other(e.to_string()),
    })??
    .map_err(|source| Error::Local {
        op: format!(
            "listen on {addr}{}",
            ns.map(|n| format!(" in namespace {n}")).unwrap_or_default()
        ),
        source,
    })?;
    TcpListener::from_std(std_listener).map_err(|source| Error::Local {
        op: "register the listener".into(),
        source,
    })
}

/// An agent served by this process, listening inside a namespace. Stopped (and its
/// port closed) by [`LocalAgent::stop`] or when dropped.
pub struct LocalAgent {
    /// The listening address (the unspecified address when bound to all).
    pub local_addr: SocketAddr,
    pub token: Token,
    stop: Option<oneshot::Sender<()>>,
    task: AbortOnDrop<std::io::Result<()>>,
}

impl LocalAgent {
    /// Start an agent in `ns` on a free port of all its addresses, with a random
    /// token, at most one test at a time, and log lines going to `log`.
    ///
    /// # Errors
    /// As [`bind_in`].
    pub async fn start(ns: Option<&str>, v6: bool, log: LogFn) -> Result<LocalAgent> {
        let any = if v6 {
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        } else {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        };
        let listener = bind_in(ns, SocketAddr::new(any, 0)).await?;
        let local_addr = listener.local_addr().map_err(|source| Error::Local {
            op: "read the listener's address".into(),
            source,
        })?;
        let token = Token::random();
        let mut config = AgentConfig::new(Some(token.clone()));
        config.max_concurrent = 1;
        config.max_duration = Duration::from_secs(3600);
        config.max_streams = 128;
        config.log = log;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(agent::serve(listener, config, async {
            let _ = rx.await;
        }));
        Ok(LocalAgent {
            local_addr,
            token,
            stop: Some(tx),
            task: AbortOnDrop(task),
        })
    }

    /// Stop serving and wait (at most 4 s) for the agent to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(4), &mut self.task.0).await;
    }
}

/// `iperf3 -s` running in a namespace; killed (by its PID) and reaped when dropped.
pub struct Iperf3Server {
    child: Child,
    pub port: u16,
    output: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Iperf3Server {
    /// Start `iperf3 -s -p PORT` in `ns` (through `ip netns exec`, which execs
    /// iperf3 itself, so the PID is iperf3's) and wait until it listens.
    ///
    /// # Errors
    /// iperf3 is missing, or it did not say it listens within 5 s.
    pub fn start(ns: Option<&str>, port: u16) -> Result<Iperf3Server> {
        let mut cmd = match ns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, "iperf3"]);
                c
            }
            None => Command::new("iperf3"),
        };
        cmd.args(["-s", "-p", &port.to_string(), "--forceflush"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = cmd.spawn().map_err(|source| Error::Local {
            op: "start iperf3 (install the iperf3 package)".into(),
            source,
        })?;
        let Some(out) = child.stdout.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Local {
                op: "read iperf3's output".into(),
                source: std::io::Error::other("no stdout"),
            });
        };
        let output = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let server = Iperf3Server {
            child,
            port,
            output: output.clone(),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Read until iperf3 says it listens, then keep draining so that it
            // never blocks on a full pipe (the last 2000 lines are kept); ends
            // when iperf3 exits.
            let mut told = false;
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if !told && line.contains("Server listening") {
                    told = true;
                    let _ = tx.send(());
                }
                let mut o = output.lock().unwrap_or_else(|p| p.into_inner());
                if o.len() >= 2000 {
                    o.remove(0);
                }
                o.push(line);
            }
        });
        match rx.recv_timeout(Duration::from_secs(5)) {
            Ok(()) => Ok(server),
            Err(_) => Err(Error::Local {
                op: format!("start iperf3 -s on port {port}"),
                source: std::io::Error::other("it did not report listening within 5s"),
            }),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What iperf3 printed so far (its last 2000 lines).
    pub fn output(&self) -> Vec<String> {
        self.output
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl Drop for Iperf3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free TCP port in namespace `ns` (bound to port 0 and released: another
/// process could take it in between, which is unlikely inside a lab namespace).
///
/// # Errors
/// As [`bind_in`].
pub async fn free_port(ns: Option<&str>) -> Result<u16> {
    let l = bind_in(ns, SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)).await?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|source| Error::Local {
            op: "read a free port".into(),
            source,
        })
}

/// Run one test from namespace `near` to a server netkit starts in namespace `far`,
/// reached at address `target` (an address of `far`).
///
/// # Errors
/// The server cannot be started, or the test fails (see [`client::run`] and
/// [`crate::iperf3::run`]).
pub async fn run_between(
    near: Option<&str>,
    far: Option<&str>,
    target: IpAddr,
    spec: &TestSpec,
    tool: Tool,
    log: LogFn,
    on_interval: impl FnMut(&Interval),
) -> Result<Report> {
    let connector = Connector::new(near.map(str::to_owned));
    match tool {
        Tool::Netkit => {
            let agent = LocalAgent::start(far, target.is_ipv6(), log).await?;
            let opts = client::Options {
                addr: SocketAddr::new(target, agent.local_addr.port()),
                token: Some(agent.token.clone()),
                spec: spec.clone(),
                connector,
            };
            let r = client::run(&opts, on_interval).await;
            agent.stop().await;
            r
        }
        Tool::Iperf3 => {
            let port = free_port(far).await?;
            let far_owned = far.map(str::to_owned);
            let server = tokio::task::spawn_blocking(move || {
                Iperf3Server::start(far_owned.as_deref(), port)
            })
            .await
            .map_err(|e| Error::Local {
                op: "start iperf3".into(),
                source: std::io::Error::other(e.to_string()),
            })??;
            let r = crate::iperf3::run(
                SocketAddr::new(target, server.port),
                spec,
                &connector,
                on_interval,
            )
            .await;
            drop(server);
            r
        }
    }
}
