//! `netkit agent`: the endpoint at a site that `netkit verify --target live` hands
//! the checks of that source to (protocol `netkit-agent/1`), and that bandwidth
//! tests talk to (`netkit-bw/1`), both on one port (default 5301). Runs until
//! SIGTERM or SIGINT, then stops running sessions and tests and exits 0.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use netkit_model::terminal::safe;

use anyhow::{Context, Result, bail};
use netkit_agent::{AllowList, ServerConfig};
use netkit_bandwidth::agent::{self, AgentConfig};
use netkit_bandwidth::{DEFAULT_AGENT_PORT, TOKEN_ENV, Token, fmt_duration, fmt_rate};

use crate::Outcome;

#[derive(clap::Args)]
pub struct Args {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value_t = SocketAddr::from(([0, 0, 0, 0], DEFAULT_AGENT_PORT)))]
    listen: SocketAddr,
    /// File holding the shared token (else the NETKIT_AGENT_TOKEN environment variable).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Serve without authentication; only allowed on a loopback address.
    #[arg(long)]
    insecure_no_auth: bool,
    /// Longest test accepted, warm-up included.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    max_duration: std::time::Duration,
    /// Tests that may run at the same time.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    max_concurrent: u16,
    /// Parallel streams per direction a test may use.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=128))]
    max_streams: u16,
    /// Highest rate the agent sends at in one test (e.g. 1Gbps); unlimited by default.
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    max_rate: Option<u64>,
    /// Listen inside this network namespace (e.g. a lab node's: acme.hq.r1).
    #[arg(long, value_name = "NAME")]
    netns: Option<String>,
    /// Prefixes checks may probe (default: 10.0.0.0/8 172.16.0.0/12 192.168.0.0/16 fc00::/7).
    #[arg(long, value_name = "PREFIX", num_args = 1..)]
    allow: Vec<String>,
    /// Coordinator sessions that may run at the same time.
    #[arg(long, value_name = "N", default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    max_sessions: u16,
    /// Probe packets per second one session may send, at most.
    #[arg(long, value_name = "PPS", default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_pps: u32,
}

// The one grammar and message of netkit-units, as in topologies and playbooks.
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    netkit_units::parse_positive_duration(s).map_err(|e| e.to_string())
}

fn parse_rate(s: &str) -> Result<u64, String> {
    netkit_units::parse_rate(s).map_err(|e| e.to_string())
}

/// The token from `--token-file`, else the environment; `None` when neither.
pub(crate) fn load_token(file: Option<&PathBuf>) -> Result<Option<Token>> {
    if let Some(path) = file {
        warn_if_readable_by_others(path);
        return Token::from_file(path)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{e}"));
    }
    match std::env::var(TOKEN_ENV) {
        Ok(v) if !v.trim().is_empty() => Token::from_text(&v, &format!("in {TOKEN_ENV}"))
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{e}")),
        _ => Ok(None),
    }
}

fn warn_if_readable_by_others(path: &PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(m) = std::fs::metadata(path)
        && m.permissions().mode() & 0o077 != 0
    {
        eprintln!(
            "netkit: warning: the token file {} can be read by other users: `chmod 600 {}`",
            path.display(),
            path.display()
        );
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn run(args: Args) -> Result<Outcome> {
    let token = if args.insecure_no_auth {
        if args.token_file.is_some() {
            bail!("--insecure-no-auth and --token-file exclude each other: keep one");
        }
        if !args.listen.ip().is_loopback() {
            bail!(
                "--insecure-no-auth is only allowed on a loopback address (e.g. --listen 127.0.0.1:{DEFAULT_AGENT_PORT}); {} is reachable from the network, give --token-file FILE instead",
                args.listen.ip()
            );
        }
        None
    } else {
        match load_token(args.token_file.as_ref())? {
            Some(t) => Some(t),
            None => bail!(
                "no token: give --token-file FILE or set {TOKEN_ENV} (or, on a loopback address only, --insecure-no-auth)"
            ),
        }
    };
    let allow = AllowList::parse(&args.allow).map_err(|e| anyhow::anyhow!("--allow {e}"))?;
    let mut config = AgentConfig::new(token.clone());
    config.max_duration = args.max_duration;
    config.max_concurrent = args.max_concurrent;
    config.max_streams = args.max_streams;
    config.max_rate_bps = args.max_rate.unwrap_or(0);
    config.log = Arc::new(|line| eprintln!("{} netkit agent: {}", now(), safe(line)));
    let mut server = ServerConfig::new(token);
    server.allow = allow;
    server.max_sessions = usize::from(args.max_sessions);
    server.limits.max_rate_pps = args.max_pps;
    server.limits.max_bandwidth_ms = args.max_duration.as_millis() as u64;
    server.log = config.log.clone();
    server.bandwidth = config.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let listener = netkit_bandwidth::lab::bind_in(args.netns.as_deref(), args.listen)
            .await
            .map_err(|e| {
                anyhow::anyhow!("{e} (is another agent already listening there? choose another --listen port)")
            })?;
        let addr = listener.local_addr().unwrap_or(args.listen);
        (config.log)(&format!(
            "listening on {addr}{} (protocols netkit-agent/1 and netkit-bw/1, auth {}, probes toward {}; bandwidth: at most {} per test, {} stream(s), {} concurrent test(s), rate {})",
            args.netns
                .as_deref()
                .map(|n| format!(" in namespace {n}"))
                .unwrap_or_default(),
            if config.token.is_some() { "hmac-sha256" } else { "none (loopback only)" },
            server.allow,
            fmt_duration(config.max_duration),
            config.max_streams,
            config.max_concurrent,
            if config.max_rate_bps > 0 {
                fmt_rate(config.max_rate_bps as f64)
            } else {
                "unlimited".to_string()
            }
        ));
        let log = config.log.clone();
        netkit_agent::server::serve(listener, server, shutdown_signal(log.clone()))
            .await
            .context("the agent stopped")?;
        log("stopped");
        Ok(Outcome::Success)
    })
}

/// Completes on SIGTERM or SIGINT.
async fn shutdown_signal(log: agent::LogFn) {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    match (term, int) {
        (Ok(mut t), Ok(mut i)) => {
            tokio::select! {
                _ = t.recv() => log("SIGTERM received"),
                _ = i.recv() => log("SIGINT received"),
            }
        }
        _ => {
            // Without signal handlers, Ctrl-C still ends the process the default way.
            std::future::pending::<()>().await;
        }
    }
}
