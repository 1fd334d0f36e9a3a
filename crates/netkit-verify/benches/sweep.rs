//! Reachability sweep benchmark: netkit against fping, in the same run, on the same
//! namespaces. Run as root:
//!
//!     cargo bench -p netkit-verify --bench sweep            # 4,096 and 16,384 targets
//!     cargo bench -p netkit-verify --bench sweep -- 65536   # other sizes
//!
//! Setup: namespace `src` and namespace `dst` joined by a veth; `dst` answers for a
//! whole /16 through a `local` route on `lo`, so every target is a live address.
//! Measured for each size: wall time, targets per second, targets that answered
//! (must be all of them: zero loss), and peak memory (VmHWM of this process for
//! netkit, reset before each run; fping's own VmHWM, polled until it exits). netkit runs the real verify engine
//! (a `reach` check with every target, rate limit off) and, separately, the bare
//! ICMP probe; fping runs with `-i 0` (no pause between packets).

use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use netkit_plan::Plan;
use netkit_probe::icmp::IcmpClient;
use netkit_probe::{ProbeSettings, RateLimiter};
use netkit_results::{CheckResult, Verdict};
use netkit_verify::playbook::ReachCheck;
use netkit_verify::{Check, CheckContext, RunInfo};

const PLAN: &str = r#"{
  "format": "netkit-plan/1", "name": "bench",
  "pools": { "ipv4": "10.0.0.0/8", "wan": "10.255.0.0/16", "loopbacks": "10.254.0.0/24",
             "p2p_prefix": 31, "growth_percent": 0 },
  "sites": [ { "name": "b", "prefix": "10.97.0.0/16", "segments": [
      { "id": "b.src", "vlan": 10, "hosts": 1, "prefix": "10.97.0.0/30", "gateway": "10.97.0.1",
        "gateway_device": "b.r1", "isolated": false, "site": "b", "name": "src",
        "sized_for": 1, "usable": 2, "interface": "src" } ] } ],
  "devices": [], "links": [], "routes": {}
}"#;

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

struct Net {
    src: String,
    dst: String,
}

impl Net {
    fn up() -> Net {
        let tag = format!("nkb{}", std::process::id());
        let net = Net {
            src: format!("{tag}s"),
            dst: format!("{tag}d"),
        };
        for ns in [&net.src, &net.dst] {
            sh(&["ip", "netns", "add", ns]);
            sh(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        sh(&[
            "ip", "link", "add", "bs0", "netns", &net.src, "type", "veth", "peer", "name", "bd0",
            "netns", &net.dst,
        ]);
        sh(&[
            "ip",
            "-n",
            &net.src,
            "addr",
            "add",
            "10.97.0.2/30",
            "dev",
            "bs0",
        ]);
        sh(&[
            "ip",
            "-n",
            &net.dst,
            "addr",
            "add",
            "10.97.0.1/30",
            "dev",
            "bd0",
        ]);
        sh(&["ip", "-n", &net.src, "link", "set", "bs0", "up"]);
        sh(&["ip", "-n", &net.dst, "link", "set", "bd0", "up"]);
        sh(&[
            "ip",
            "-n",
            &net.dst,
            "route",
            "add",
            "local",
            "10.200.0.0/16",
            "dev",
            "lo",
        ]);
        sh(&[
            "ip",
            "-n",
            &net.src,
            "route",
            "add",
            "10.200.0.0/16",
            "via",
            "10.97.0.1",
        ]);
        net
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for ns in [&self.src, &self.dst] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

fn targets(n: usize) -> Vec<IpAddr> {
    (0..n as u32)
        .map(|i| IpAddr::V4(Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 200, 0, 0)) + i)))
        .collect()
}

/// Peak resident memory of this process since the last reset, KiB.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn reset_hwm() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

struct Row {
    tool: &'static str,
    targets: usize,
    alive: usize,
    secs: f64,
    peak_kib: u64,
}

async fn netkit_engine(net: &Net, n: usize) -> Row {
    let plan = Arc::new(Plan::from_json(PLAN).expect("bench plan"));
    let src = net.src.clone();
    let mut ctx = CheckContext::lab(
        plan,
        "bench",
        Arc::new(move |_l: &str, _n: &str| src.clone()),
    );
    ctx.probe = ProbeSettings {
        timeout: Duration::from_secs(1),
        tries: 3,
    };
    ctx.limiter = Arc::new(RateLimiter::unlimited());
    // Open the source's socket before timing, as a run does once per source.
    let _ = ctx
        .icmp(&ctx.source("b.src").expect("lab source"), false)
        .await
        .expect("open ICMP socket");
    let checks = vec![Check::Reach(ReachCheck {
        from: "b.src".into(),
        to: targets(n).iter().map(IpAddr::to_string).collect(),
    })];
    reset_hwm();
    let t0 = Instant::now();
    let results = netkit_verify::run(
        &ctx,
        &RunInfo::default(),
        &checks,
        n,
        &|_r: &CheckResult| {},
    )
    .await;
    let secs = t0.elapsed().as_secs_f64();
    Row {
        tool: "netkit verify (engine)",
        targets: n,
        alive: results
            .results
            .iter()
            .filter(|r| r.verdict == Verdict::Pass)
            .count(),
        secs,
        peak_kib: vm_hwm_kib(),
    }
}

async fn netkit_probe(net: &Net, n: usize) -> Row {
    let client = IcmpClient::open(Some(&net.src), false)
        .await
        .expect("open ICMP socket");
    let limiter = RateLimiter::unlimited();
    let settings = ProbeSettings {
        timeout: Duration::from_secs(1),
        tries: 3,
    };
    let list = targets(n);
    reset_hwm();
    let t0 = Instant::now();
    let alive = futures::stream::iter(list.iter())
        .map(|a| client.ping(*a, settings, &limiter))
        .buffer_unordered(n)
        .filter(|f| futures::future::ready(f.replied()))
        .count()
        .await;
    Row {
        tool: "netkit-probe ping/target",
        targets: n,
        alive,
        secs: t0.elapsed().as_secs_f64(),
        peak_kib: vm_hwm_kib(),
    }
}

async fn netkit_sweep(net: &Net, n: usize) -> Row {
    let settings = ProbeSettings {
        timeout: Duration::from_secs(1),
        tries: 3,
    };
    let list = targets(n);
    let limiter = RateLimiter::unlimited();
    reset_hwm();
    let t0 = Instant::now();
    let figs = netkit_probe::sweep::sweep(Some(&net.src), &list, settings, &limiter)
        .await
        .expect("sweep");
    Row {
        tool: "netkit-probe sweep",
        targets: n,
        alive: figs.iter().filter(|f| f.replied()).count(),
        secs: t0.elapsed().as_secs_f64(),
        peak_kib: vm_hwm_kib(),
    }
}

fn fping(net: &Net, n: usize) -> Row {
    let list: String = targets(n).iter().map(|a| format!("{a}\n")).collect();
    let file = std::env::temp_dir().join(format!("nkb{}-{n}.txt", std::process::id()));
    std::fs::write(&file, list).expect("write target list");
    let t0 = Instant::now();
    let mut child = Command::new("ip")
        .args([
            "netns", "exec", &net.src, "fping", "-i", "0", "-r", "2", "-t", "1000", "-a", "-q",
            "-f",
        ])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run fping (apt install fping)");
    // `ip netns exec` execs fping in the same process. Its peak memory is the
    // VmHWM of its own address space, polled until it exits (ru_maxrss would
    // include this benchmark's memory at fork time).
    let status_path = format!("/proc/{}/status", child.id());
    let mut stdout = child.stdout.take().expect("fping stdout");
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        use std::io::Read;
        let _ = stdout.read_to_string(&mut out);
        out
    });
    let mut peak_kib = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Ok(s) = std::fs::read_to_string(&status_path)
            && let Some(v) = s
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(v);
        }
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill();
    let _ = child.wait();
    let out = reader.join().unwrap_or_default();
    let secs = t0.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(&file);
    Row {
        tool: "fping -i0",
        targets: n,
        alive: out.lines().filter(|l| !l.trim().is_empty()).count(),
        secs,
        peak_kib,
    }
}

fn main() {
    if !nix::unistd::Uid::effective().is_root() {
        eprintln!(
            "the sweep benchmark needs root (it creates network namespaces): run it with sudo"
        );
        return;
    }
    let sizes: Vec<usize> = {
        let args: Vec<usize> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        if args.is_empty() {
            vec![4096, 16384]
        } else {
            args
        }
    };
    if sizes.iter().any(|s| *s == 0 || *s > 65_536) {
        eprintln!("sizes must be from 1 to 65536");
        return;
    }
    let net = Net::up();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut rows = Vec::new();
    for &n in &sizes {
        // Warm the path (ARP) once.
        let _ = fping(&net, 16.min(n));
        rows.push(fping(&net, n));
        rows.push(rt.block_on(netkit_sweep(&net, n)));
        rows.push(rt.block_on(netkit_probe(&net, n)));
        rows.push(rt.block_on(netkit_engine(&net, n)));
    }
    println!(
        "{:<26} {:>8} {:>8} {:>6} {:>9} {:>12} {:>10}",
        "tool", "targets", "alive", "lost", "seconds", "targets/s", "peak MiB"
    );
    for r in &rows {
        println!(
            "{:<26} {:>8} {:>8} {:>6} {:>9.3} {:>12.0} {:>10.1}",
            r.tool,
            r.targets,
            r.alive,
            r.targets - r.alive,
            r.secs,
            r.targets as f64 / r.secs,
            r.peak_kib as f64 / 1024.0
        );
    }
}
