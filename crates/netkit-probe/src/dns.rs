//! DNS probe with hickory-resolver: ask one given server (the plan's), from inside
//! the source's namespace, for a name's A and AAAA records. The resolver's sockets
//! are opened in the namespace by a custom hickory `RuntimeProvider`.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::time::{Duration, Instant};

use hickory_resolver::Resolver;
use hickory_resolver::config::{
    LookupIpStrategy, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::{
    RuntimeProvider, TokioHandle, TokioRuntimeProvider, TokioTime, iocompat::AsyncIoTokioAsStd,
};
use hickory_resolver::net::{DnsError, NetError};
use serde::Serialize;
use socket2::{Domain, Protocol, Socket, Type};

use crate::{ProbeSettings, RateLimiter};

/// What a DNS query measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DnsFigure {
    pub server: IpAddr,
    pub name: String,
    /// Addresses in the answer (A then AAAA), in the server's order.
    pub addresses: Vec<IpAddr>,
    /// `NOERROR`, `NXDOMAIN`, `SERVFAIL`..., or `None` when no answer came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// Why there is no answer (timeout, refused...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl DnsFigure {
    /// The server answered (with records or with an error code).
    pub fn answered(&self) -> bool {
        self.rcode.is_some()
    }
}

/// A hickory runtime whose sockets are created inside a network namespace.
#[derive(Clone)]
struct NetnsRuntime {
    inner: TokioRuntimeProvider,
    ns: Option<String>,
}

fn in_ns<T: Send + 'static>(
    ns: Option<String>,
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Pin<Box<dyn Send + Future<Output = io::Result<T>>>> {
    Box::pin(async move {
        tokio::task::spawn_blocking(move || netkit_netns::run_in(ns.as_deref(), f))
            .await
            .map_err(io::Error::other)?
            .map_err(io::Error::other)?
    })
}

impl RuntimeProvider for NetnsRuntime {
    type Handle = TokioHandle;
    type Timer = TokioTime;
    type Udp = tokio::net::UdpSocket;
    type Tcp = AsyncIoTokioAsStd<tokio::net::TcpStream>;

    fn create_handle(&self) -> Self::Handle {
        self.inner.create_handle()
    }

    fn connect_tcp(
        &self,
        server_addr: SocketAddr,
        bind_addr: Option<SocketAddr>,
        wait_for: Option<Duration>,
    ) -> Pin<Box<dyn Send + Future<Output = io::Result<Self::Tcp>>>> {
        let made = in_ns(self.ns.clone(), move || {
            let s = Socket::new(
                Domain::for_address(server_addr),
                Type::STREAM.cloexec(),
                Some(Protocol::TCP),
            )?;
            s.set_nonblocking(true)?;
            if let Some(b) = bind_addr {
                s.bind(&b.into())?;
            }
            Ok(s)
        });
        Box::pin(async move {
            let s = made.await?;
            let sock = tokio::net::TcpSocket::from_std_stream(s.into());
            let wait = wait_for.unwrap_or(Duration::from_secs(5));
            match tokio::time::timeout(wait, sock.connect(server_addr)).await {
                Ok(Ok(stream)) => Ok(AsyncIoTokioAsStd(stream)),
                Ok(Err(e)) => Err(e),
                Err(_) => Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "TCP connect timed out",
                )),
            }
        })
    }

    fn bind_udp(
        &self,
        local_addr: SocketAddr,
        _server_addr: SocketAddr,
    ) -> Pin<Box<dyn Send + Future<Output = io::Result<Self::Udp>>>> {
        let made = in_ns(self.ns.clone(), move || {
            let s = std::net::UdpSocket::bind(local_addr)?;
            s.set_nonblocking(true)?;
            Ok(s)
        });
        Box::pin(async move { tokio::net::UdpSocket::from_std(made.await?) })
    }
}

/// Ask `server` (port 53, UDP then TCP on truncation) for `name`'s addresses, from
/// namespace `ns`. `settings.tries` attempts of `settings.timeout` each. Always
/// returns a figure.
pub async fn resolve(
    ns: Option<&str>,
    server: IpAddr,
    name: &str,
    settings: ProbeSettings,
    limiter: &RateLimiter,
) -> DnsFigure {
    let mut fig = DnsFigure {
        server,
        name: name.to_string(),
        addresses: Vec::new(),
        rcode: None,
        latency_ms: None,
        error: None,
    };
    let config = ResolverConfig::from_name_servers(vec![NameServerConfig::udp_and_tcp(server)]);
    let provider = NetnsRuntime {
        inner: TokioRuntimeProvider::new(),
        ns: ns.map(str::to_owned),
    };
    let mut opts = ResolverOpts::default();
    opts.timeout = settings.timeout;
    opts.attempts = settings.tries.max(1) as usize;
    opts.cache_size = 0;
    opts.use_hosts_file = ResolveHosts::Never;
    opts.ndots = 0;
    // Both families: a check may expect an AAAA record.
    opts.ip_strategy = LookupIpStrategy::Ipv4AndIpv6;
    let resolver: Resolver<NetnsRuntime> = match Resolver::builder_with_config(config, provider)
        .with_options(opts)
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            fig.error = Some(format!("cannot set up the resolver: {e}"));
            return fig;
        }
    };
    // A fully qualified name: no search list.
    let fqdn = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    // Two queries (A and AAAA) per attempt.
    limiter.acquire(2).await;
    let started = Instant::now();
    let overall = settings.timeout * (settings.tries.max(1) + 1) * 2;
    match tokio::time::timeout(overall, resolver.lookup_ip(fqdn.as_str())).await {
        Ok(Ok(found)) => {
            fig.latency_ms = Some((started.elapsed().as_secs_f64() * 1e5).round() / 100.0);
            fig.rcode = Some("NOERROR".to_string());
            fig.addresses = found.iter().collect();
        }
        Ok(Err(e)) => match &e {
            NetError::Dns(DnsError::NoRecordsFound(nr)) => {
                fig.latency_ms = Some((started.elapsed().as_secs_f64() * 1e5).round() / 100.0);
                fig.rcode = Some(nr.response_code.to_str().to_uppercase());
            }
            NetError::Dns(DnsError::ResponseCode(rc)) => {
                fig.latency_ms = Some((started.elapsed().as_secs_f64() * 1e5).round() / 100.0);
                fig.rcode = Some(rc.to_str().to_uppercase());
            }
            NetError::Timeout => fig.error = Some("no answer (timed out)".to_string()),
            other => fig.error = Some(other.to_string()),
        },
        Err(_) => fig.error = Some("no answer (timed out)".to_string()),
    }
    fig
}
