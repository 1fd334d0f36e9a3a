//! What `netkit plan TOPOLOGY --format json -o FILE` costs on a generated 1,000-site
//! network (1 router and 4 segments per site, a ring plus chords: 1,500 links, IPv4,
//! DNS, an isolated segment per site: the issue-12 case, a ~425 MB plan), measured
//! per process: each run is a
//! fresh child process (this binary again) that parses the YAML text, plans and
//! writes the JSON to a file (synced, as `-o` does), then reports its own wall time,
//! CPU time (user + system, all threads) and peak RSS. Modes:
//!
//! - `whole`: the plan in memory, then `Plan::to_json` (what `netkit plan` did
//!   before streaming);
//! - `stream-1`: `plan_deferred` + `write_json` on one thread;
//! - `stream`: the same on every core (what `netkit plan` does now).
//!
//! The outputs of all modes are compared: byte for byte with `NETKIT_BENCH_FILE=1`
//! (each run writes and syncs a file, as `-o` does), else by length and checksum of
//! what was written to a sink (the default: the disk here is shared and slow).
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
        "addressing: {{ ipv4: 10.0.0.0/8, growth: 20%, reserve: [10.0.0.0/16] }}"
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

/// Where a child writes: a file (synced, as `-o` does), or a sink that keeps only
/// the length and a checksum (the default: the machine's disk is shared and slow,
/// and what is measured is netkit, not the disk).
enum Out {
    File(std::fs::File),
    Sink { len: u64, sum: u64, carry: Vec<u8> },
}

impl std::io::Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Out::File(f) => f.write(buf),
            Out::Sink { len, sum, carry } => {
                // Order-sensitive checksum of 8-byte words (cheap next to netkit),
                // the same whatever the sizes of the writes: a partial word waits in
                // `carry` for the next write.
                let mut word = |c: &[u8]| {
                    let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
                    *sum = (*sum ^ w).wrapping_mul(0x100_0000_01b3).rotate_left(5);
                };
                let mut rest = buf;
                if !carry.is_empty() {
                    let take = (8 - carry.len()).min(rest.len());
                    carry.extend_from_slice(&rest[..take]);
                    rest = &rest[take..];
                    if carry.len() == 8 {
                        word(carry);
                        carry.clear();
                    }
                }
                let mut chunks = rest.chunks_exact(8);
                for c in &mut chunks {
                    word(c);
                }
                carry.extend_from_slice(chunks.remainder());
                *len += buf.len() as u64;
                Ok(buf.len())
            }
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One run, in this (child) process: read, parse, plan, write (and sync a file).
fn child(mode: &str, input: &Path, output: &Path) {
    let start = Instant::now();
    let text = std::fs::read(input).expect("read the topology");
    let parsed = netkit_model::parse(&text);
    let topology = parsed.topology.expect("the generated topology parses");
    let mut file = if std::env::var("NETKIT_BENCH_FILE").is_ok_and(|v| v == "1") {
        Out::File(std::fs::File::create(output).expect("create the output"))
    } else {
        Out::Sink {
            len: 0,
            sum: 0,
            carry: Vec::new(),
        }
    };
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
    let (len, sum) = match &file {
        Out::File(f) => {
            f.sync_all().expect("sync");
            (f.metadata().map_or(0, |m| m.len()), 0)
        }
        Out::Sink { len, sum, carry } => {
            let tail = carry.iter().fold(*sum, |s, &b| {
                (s ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
            });
            (*len, tail)
        }
    };
    let wall = start.elapsed().as_secs_f64();
    let (cpu, rss) = usage();
    println!("{wall:.3} {cpu:.3} {rss:.1} {len} {sum}");
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
    let mut outputs: Vec<String> = vec![String::new(); modes.len()];
    let to_file = std::env::var("NETKIT_BENCH_FILE").is_ok_and(|v| v == "1");
    println!(
        "netkit plan --format json of {sites} sites (1 router, 4 segments, ~1.5 links each), {rounds} rounds, {} cores",
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
            let id: Vec<&str> = line.split_whitespace().skip(3).collect();
            outputs[k] = id.join(" ");
        }
    }
    let size: f64 = outputs[0]
        .split_whitespace()
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    println!(
        "JSON: {:.1} MB, written to {}",
        size / 1e6,
        if to_file {
            "files (synced)"
        } else {
            "a checksumming sink"
        }
    );
    println!(
        "{:<10} {:>22} {:>22} {:>26}",
        "mode", "wall s median (range)", "CPU s median (range)", "peak RSS MB median (range)"
    );
    for (k, m) in modes.iter().enumerate() {
        let (w, c, r) = &mut figures[k];
        println!("{m:<10} {:>22} {:>22} {:>26}", stats(w), stats(c), stats(r));
    }
    for (k, m) in modes.iter().enumerate().skip(1) {
        let same = if to_file {
            same_bytes(&out_of("whole"), &out_of(m))
        } else {
            outputs[k] == outputs[0]
        };
        println!("{m}: output byte-identical to whole: {same}");
        assert!(same, "{m} differs from the whole plan's JSON");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
