//! Probes against real namespaces: src -- router -- dst, built with `ip` for this
//! test run only (unique names, removed by a Drop guard even on failure).
//! Needs root; skipped with a note when not root and not in CI.

use std::net::{IpAddr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use netkit_probe::icmp::IcmpClient;
use netkit_probe::tcp::{self, TcpOutcome};
use netkit_probe::trace::{self, HopKind};
use netkit_probe::{ProbeSettings, RateLimiter, dns};

fn sh(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("run ip");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_root() -> bool {
    nix::unistd::Uid::effective().is_root()
}

fn skip() -> bool {
    if is_root() {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "these tests need root in CI"
    );
    eprintln!("note: skipped (needs root for network namespaces)");
    true
}

/// src (10.98.1.2) -- r (10.98.1.1 | 10.98.2.1) -- dst (10.98.2.2), plus IPv6.
struct Net {
    src: String,
    r: String,
    dst: String,
    dnsmasq: Option<Child>,
}

impl Net {
    fn new() -> Net {
        let tag = format!("nkt{}{:04x}", std::process::id(), rand::random::<u16>());
        let net = Net {
            src: format!("{tag}s"),
            r: format!("{tag}r"),
            dst: format!("{tag}d"),
            dnsmasq: None,
        };
        for ns in [&net.src, &net.r, &net.dst] {
            sh(&["ip", "netns", "add", ns]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        let v = |s: &str| format!("{}{s}", &tag[3..].chars().take(9).collect::<String>());
        let (sa, ra, rb, db) = (v("sa"), v("ra"), v("rb"), v("db"));
        sh(&[
            "ip", "link", "add", &sa, "netns", &net.src, "type", "veth", "peer", "name", &ra,
            "netns", &net.r,
        ]);
        sh(&[
            "ip", "link", "add", &rb, "netns", &net.r, "type", "veth", "peer", "name", &db,
            "netns", &net.dst,
        ]);
        for (ns, dev, a4, a6) in [
            (&net.src, &sa, "10.98.1.2/24", "fd98:1::2/64"),
            (&net.r, &ra, "10.98.1.1/24", "fd98:1::1/64"),
            (&net.r, &rb, "10.98.2.1/24", "fd98:2::1/64"),
            (&net.dst, &db, "10.98.2.2/24", "fd98:2::2/64"),
        ] {
            sh(&["ip", "-n", ns, "addr", "add", a4, "dev", dev]);
            sh(&["ip", "-n", ns, "addr", "add", a6, "dev", dev, "nodad"]);
            sh(&["ip", "-n", ns, "link", "set", dev, "up"]);
        }
        sh(&[
            "ip",
            "netns",
            "exec",
            &net.r,
            "sysctl",
            "-qw",
            "net.ipv4.ip_forward=1",
        ]);
        sh(&[
            "ip",
            "netns",
            "exec",
            &net.r,
            "sysctl",
            "-qw",
            "net.ipv6.conf.all.forwarding=1",
        ]);
        sh(&[
            "ip",
            "-n",
            &net.src,
            "route",
            "add",
            "default",
            "via",
            "10.98.1.1",
        ]);
        sh(&[
            "ip",
            "-n",
            &net.dst,
            "route",
            "add",
            "default",
            "via",
            "10.98.2.1",
        ]);
        sh(&[
            "ip",
            "-n",
            &net.src,
            "-6",
            "route",
            "add",
            "default",
            "via",
            "fd98:1::1",
        ]);
        sh(&[
            "ip",
            "-n",
            &net.dst,
            "-6",
            "route",
            "add",
            "default",
            "via",
            "fd98:2::1",
        ]);
        net
    }

    fn start_dnsmasq(&mut self) {
        let child = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.dst,
                "dnsmasq",
                "--no-daemon",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--bind-interfaces",
                "--listen-address=10.98.2.2",
                "--except-interface=lo",
                "--address=/www.probe.lan/10.98.2.80",
                "--user=root",
                "--pid-file=",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dnsmasq");
        self.dnsmasq = Some(child);
        std::thread::sleep(Duration::from_millis(500));
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        if let Some(c) = &mut self.dnsmasq {
            let _ = c.kill();
            let _ = c.wait();
        }
        for ns in [&self.src, &self.r, &self.dst] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

fn quick() -> ProbeSettings {
    ProbeSettings {
        timeout: Duration::from_millis(500),
        tries: 2,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_tcp_trace_dns_in_namespaces() {
    if skip() {
        return;
    }
    let mut net = Net::new();
    let limiter = RateLimiter::new(1000);

    // ICMP v4 and v6, through the router.
    let c4 = IcmpClient::open(Some(&net.src), false).await.unwrap();
    let f = c4
        .ping("10.98.2.2".parse().unwrap(), quick(), &limiter)
        .await;
    assert!(f.replied(), "{f:?}");
    assert!(f.rtt_ms.is_some());
    let f = c4
        .ping("10.98.3.3".parse().unwrap(), quick(), &limiter)
        .await;
    assert!(!f.replied(), "{f:?}");
    assert_eq!(f.sent, 2);
    let c6 = IcmpClient::open(Some(&net.src), true).await.unwrap();
    // The first IPv6 packet waits for neighbour discovery (about 1 s).
    let f = c6
        .ping(
            "fd98:2::2".parse().unwrap(),
            ProbeSettings::default(),
            &limiter,
        )
        .await;
    assert!(f.replied(), "{f:?}");

    // TCP: a listener opened inside dst, then refused and dropped ports.
    let listener = netkit_netns::run_in(Some(&net.dst), || {
        let l = std::net::TcpListener::bind("10.98.2.2:8443").unwrap();
        l.set_nonblocking(true).unwrap();
        l
    })
    .unwrap();
    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
    let acceptor = tokio::spawn(async move {
        for _ in 0..2 {
            let _ = listener.accept().await;
        }
    });
    let open = tcp::connect(
        Some(&net.src),
        "10.98.2.2:8443".parse().unwrap(),
        quick(),
        &limiter,
    )
    .await
    .unwrap();
    assert_eq!(open.outcome, TcpOutcome::Open, "{open:?}");
    let refused = tcp::connect(
        Some(&net.src),
        "10.98.2.2:8444".parse().unwrap(),
        quick(),
        &limiter,
    )
    .await
    .unwrap();
    assert_eq!(refused.outcome, TcpOutcome::Refused, "{refused:?}");
    sh(&[
        "ip",
        "netns",
        "exec",
        &net.dst,
        "nft",
        "add table inet t; add chain inet t in { type filter hook input priority 0; }; add rule inet t in tcp dport 8445 drop",
    ]);
    let dropped = tcp::connect(
        Some(&net.src),
        "10.98.2.2:8445".parse().unwrap(),
        quick(),
        &limiter,
    )
    .await
    .unwrap();
    assert_eq!(dropped.outcome, TcpOutcome::Timeout, "{dropped:?}");
    assert_eq!(dropped.tries, 2);
    acceptor.abort();

    // Path: the router, then the destination.
    let p = trace::trace(
        Some(&net.src),
        "10.98.2.2".parse().unwrap(),
        8,
        quick(),
        &limiter,
    )
    .await
    .unwrap();
    assert!(p.reached, "{p:?}");
    let addrs: Vec<_> = p.hops.iter().map(|h| h.address).collect();
    assert_eq!(
        addrs,
        [
            Some("10.98.1.1".parse::<IpAddr>().unwrap()),
            Some("10.98.2.2".parse().unwrap())
        ]
    );
    assert_eq!(p.hops[0].kind, Some(HopKind::Router));
    assert_eq!(p.hops[1].kind, Some(HopKind::Destination));
    // IPv6 too.
    let p6 = trace::trace(
        Some(&net.src),
        "fd98:2::2".parse().unwrap(),
        8,
        quick(),
        &limiter,
    )
    .await
    .unwrap();
    assert!(p6.reached, "{p6:?}");
    assert_eq!(p6.hops.len(), 2, "{p6:?}");
    // No route at the router: it says so, and the probe stops there.
    let p = trace::trace(
        Some(&net.src),
        "10.98.3.3".parse().unwrap(),
        8,
        quick(),
        &limiter,
    )
    .await
    .unwrap();
    assert!(!p.reached, "{p:?}");
    assert_eq!(
        p.hops[0].address,
        Some("10.98.1.1".parse().unwrap()),
        "{p:?}"
    );
    assert_eq!(p.hops[0].kind, Some(HopKind::Unreachable), "{p:?}");

    // DNS against dnsmasq in dst.
    net.start_dnsmasq();
    let server: IpAddr = "10.98.2.2".parse().unwrap();
    let d = dns::resolve(Some(&net.src), server, "www.probe.lan", quick(), &limiter).await;
    assert_eq!(
        d.addresses,
        vec!["10.98.2.80".parse::<IpAddr>().unwrap()],
        "{d:?}"
    );
    assert_eq!(d.rcode.as_deref(), Some("NOERROR"));
    // A server that is not there: no answer, an error, and it returns in time.
    let t0 = std::time::Instant::now();
    let d = dns::resolve(
        Some(&net.src),
        "10.98.2.9".parse().unwrap(),
        "www.probe.lan",
        quick(),
        &limiter,
    )
    .await;
    assert!(!d.answered(), "{d:?}");
    assert!(d.error.is_some());
    assert!(t0.elapsed() < Duration::from_secs(10));
    let _ = SocketAddr::new(server, 53);
}

#[tokio::test]
async fn missing_namespace_is_an_error_not_a_hang() {
    let err = IcmpClient::open(Some("nkt-no-such-namespace"), false)
        .await
        .err()
        .expect("fails");
    assert!(err.to_string().contains("does not exist"), "{err}");
}
