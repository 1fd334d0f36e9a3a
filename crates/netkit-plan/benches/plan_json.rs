//! What `netkit plan TOPOLOGY --format json -o FILE` costs on a generated 1,000-site
//! network (1 router and 4 segments per site, a ring plus chords: 1,500 links, dual
//! stack, DNS, an isolated segment per site), measured per process: each run is a
//! fresh child process (this binary again) that parses the YAML text, plans and
//! writes the JSON to a file (synced, as `-o` does), then reports its own wall time,
//! CPU time (user + system, all threads) and peak RSS. Modes:
//!
//! - `whole`: the plan in memory, then `Plan::to_json` (what `netkit plan` did
//!   before streaming);
//! - `stream-1`: `plan_deferred` + `write_json` on one thread;
//! - `stream`: the same on every core (what `netkit plan` does now).
//!
//! The outputs of all modes are compared byte for byte.
//!
//! ```sh
//! cargo bench -p netkit-plan --bench plan_json                 # 1,000 sites, 3 rounds
//! NETKIT_BENCH_SITES=300 NETKIT_BENCH_ROUNDS=5 cargo bench -p netkit-plan --bench plan_json
//! ```

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The generated topology as YAML text (what a user would give `netkit plan`).
fn generated_yaml(sites: usize) -> String {
    let mut y = String::new();
    let _ = writeln!(y, "name: bench-{sites}");
    let _ = writeln!(
        y,
        "addressing: {{ ipv4: 10.0.0.0/8, ipv6: fd00:b::/40, growth: 20%, reserve: [10.0.0.0/16] }}"
    );
    let _ = writeln!(y, "sites:");
    for i in 0..sites {
        let v = i % 7;
        let _ = writeln!(y, "  s{i:04}:");
        let _ = writeln!(y, "    devices: {{ r1: {{ kind: router }} }}");
        let _ = writeln!(y, "    segments:");
        let _ = writeln!(y, "      users: {{ vlan: 10, hosts: {} }}", 60 + 30 * v);
        let _ = writeln!(y, "      voice: {{ vlan: 20, hosts: {} }}", 20 + 5 * v);
        let _ = writeln!(
            y,
            "      servers: {{ vlan: 30, hosts: 20, named: {{ dns: {{ host: 10, services: [udp/53] }} }} }}"
        );
        let _ = writeln!(
            y,
            "      guests: {{ vlan: 99, hosts: {}, isolated: true }}",
            100 + 20 * v
        );
    }
    let _ = writeln!(y, "links:");
    for i in 0..sites {
        let _ = writeln!(
            y,
            "  - {{ a: s{i:04}.r1, b: s{:04}.r1, bandwidth: 1Gbps }}",
            (i + 1) % sites
        );
    }
    for i in (0..sites).step_by(2) {
        let _ = writeln!(
            y,
            "  - {{ a: s{i:04}.r1, b: s{:04}.r1, bandwidth: 100Mbps }}",
            (i + 37) % sites
        );
    }
    let _ = writeln!(y, "dns: {{ domain: bench.lan, server: s0000.servers.dns }}");
    y
}

/// (user + system CPU seconds, peak RSS in MB) of this process so far.
fn usage() -> (f64, f64) {
    // SAFETY: getrusage fills the struct we hand it; zeroed is a valid start value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return (f64::NAN, f64::NAN);
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    (
        secs(ru.ru_utime) + secs(ru.ru_stime),
        ru.ru_maxrss as f64 / 1024.0,
    )
}

/// One run, in this (child) process: read, parse, plan, write, sync.
fn child(mode: &str, input: &Path, output: &Path) {
    let start = Instant::now();
    let text = std::fs::read(input).expect("read the topology");
    let parsed = netkit_model::parse(&text);
    let topology = parsed.topology.expect("the generated topology parses");
    let mut file = std::fs::File::create(output).expect("create the output");
    match mode {
        "whole" => {
            let plan = netkit_plan::plan(&topology, None).expect("plans");
            file.write_all(plan.to_json().as_bytes()).expect("write");
        }
        "stream-1" | "stream" => {
            let threads = if mode == "stream" {
                std::thread::available_parallelism().map_or(1, |n| n.get())
            } else {
                1
            };
            let d = netkit_plan::plan_deferred(&topology, None).expect("plans");
            d.write_json(&mut file, threads).expect("write");
        }
        other => panic!("unknown mode {other}"),
    }
    file.sync_all().expect("sync");
    let wall = start.elapsed().as_secs_f64();
    let (cpu, rss) = usage();
    println!("{wall:.3} {cpu:.3} {rss:.1}");
}

fn same_bytes(a: &Path, b: &Path) -> bool {
    use std::io::Read;
    let (Ok(fa), Ok(fb)) = (std::fs::File::open(a), std::fs::File::open(b)) else {
        return false;
    };
    let (mut ra, mut rb) = (std::io::BufReader::new(fa), std::io::BufReader::new(fb));
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let na = ra.read(&mut ba).unwrap_or(0);
        let mut nb = 0;
        while nb < na {
            match rb.read(&mut bb[nb..na]) {
                Ok(0) | Err(_) => break,
                Ok(n) => nb += n,
            }
        }
        if na != nb || ba[..na] != bb[..nb] {
            return false;
        }
        if na == 0 {
            return rb.read(&mut bb).unwrap_or(1) == 0;
        }
    }
}

fn stats(v: &mut [f64]) -> String {
    v.sort_by(f64::total_cmp);
    format!("{:.2} ({:.2}-{:.2})", v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        child(
            &args[i + 1],
            Path::new(&args[i + 2]),
            Path::new(&args[i + 3]),
        );
        return;
    }
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let sites = env("NETKIT_BENCH_SITES", 1000);
    let rounds = env("NETKIT_BENCH_ROUNDS", 3).max(1);
    let dir = std::env::temp_dir().join(format!("netkit-plan-json-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temporary folder");
    let input = dir.join("topology.yaml");
    std::fs::write(&input, generated_yaml(sites)).expect("write the topology");
    let exe = std::env::current_exe().expect("this binary");
    let modes = ["whole", "stream-1", "stream"];
    let out_of = |m: &str| -> PathBuf { dir.join(format!("{m}.json")) };
    let mut figures: Vec<(Vec<f64>, Vec<f64>, Vec<f64>)> = vec![Default::default(); modes.len()];
    println!(
        "netkit plan --format json of {sites} sites (1 router, 4 segments, ~{} links each), {rounds} rounds, {} cores",
        "1.5",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // Rounds interleave the modes, so that load from other work spreads evenly.
    for _ in 0..rounds {
        for (k, m) in modes.iter().enumerate() {
            let out = Command::new(&exe)
                .arg("--child")
                .arg(m)
                .arg(&input)
                .arg(out_of(m))
                .output()
                .expect("run the child");
            assert!(
                out.status.success(),
                "{m}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let line = String::from_utf8_lossy(&out.stdout);
            let f: Vec<f64> = line
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            figures[k].0.push(f[0]);
            figures[k].1.push(f[1]);
            figures[k].2.push(f[2]);
        }
    }
    let size = std::fs::metadata(out_of("whole")).map_or(0, |m| m.len());
    println!("JSON: {:.1} MB", size as f64 / 1e6);
    println!(
        "{:<10} {:>22} {:>22} {:>26}",
        "mode", "wall s median (range)", "CPU s median (range)", "peak RSS MB median (range)"
    );
    for (k, m) in modes.iter().enumerate() {
        let (w, c, r) = &mut figures[k];
        println!("{m:<10} {:>22} {:>22} {:>26}", stats(w), stats(c), stats(r));
    }
    for m in &modes[1..] {
        let same = same_bytes(&out_of("whole"), &out_of(m));
        println!("{m}: output byte-identical to whole: {same}");
        assert!(same, "{m} differs from the whole plan's JSON");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
