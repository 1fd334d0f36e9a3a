//! Planner benchmark: a generated 1,000-site topology (1 router and 4 segments per
//! site, a ring plus chords: 1,500 links), dual stack.
//!
//! `cargo bench -p netkit-plan --bench plan` first prints one measured run of each
//! stage with its peak heap (a counting allocator) and the process's peak RSS, then
//! runs criterion on the same stages:
//! - `address+json`: the addressing plan and its JSON (the target: well under 1 s and
//!   100 MB);
//! - `address+table`: the addressing plan and the terminal tables;
//! - `plan+json`: the whole plan (routing tables included) and its JSON, only with
//!   `NETKIT_BENCH_FULL=1` (it needs gigabytes today).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use criterion::Criterion;
use netkit_model::*;
use netkit_report::plan_tables::{self as output, What};

/// Counts live heap bytes and their peak.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded to the system allocator with the caller's layout.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn span() -> Span {
    Span::default()
}

/// 1,000 sites `s0000`..`s0999`: router `r1`, segments of 20 to 250 hosts; links: a
/// ring, plus a chord from every even site to the site 37 further on.
pub fn generated(sites: usize) -> Topology {
    let mut t = Topology {
        name: format!("bench-{sites}"),
        description: None,
        routing: RoutingMode::Static,
        addressing: Addressing {
            ipv4: "10.0.0.0/8".parse().unwrap(),
            ipv6: Some("fd00:b::/40".parse().unwrap()),
            wan: None,
            loopbacks: None,
            p2p_prefix: 31,
            growth_percent: 20,
            reserve: vec!["10.0.0.0/16".parse().unwrap()],
            spans: AddressingSpans::default(),
        },
        sites: Vec::new(),
        links: Vec::new(),
        internet: None,
        dns: Some(Dns {
            domain: "bench.lan".into(),
            server: "s0000.servers.dns".into(),
            span: span(),
        }),
        snmp: None,
        policies: Vec::new(),
    };
    for i in 0..sites {
        let seg = |name: &str, vlan: u16, hosts: u32| Segment {
            name: name.into(),
            vlan,
            hosts,
            description: None,
            prefix: None,
            prefix6: None,
            isolated: name == "guests",
            gateway: None,
            named: if name == "servers" {
                vec![NamedHost {
                    name: "dns".into(),
                    host: 10,
                    services: vec!["udp/53".parse().unwrap()],
                    span: span(),
                }]
            } else {
                Vec::new()
            },
            span: span(),
            prefix_span: None,
        };
        let v = (i % 7) as u32;
        t.sites.push(Site {
            name: format!("s{i:04}"),
            location: None,
            description: None,
            prefix: None,
            prefix6: None,
            devices: vec![Device {
                name: "r1".into(),
                kind: DeviceKind::Router,
                description: None,
                model: None,
                span: span(),
            }],
            segments: vec![
                seg("users", 10, 60 + 30 * v),
                seg("voice", 20, 20 + 5 * v),
                seg("servers", 30, 20),
                seg("guests", 99, 100 + 20 * v),
            ],
            span: span(),
            prefix_span: None,
            layer2: Default::default(),
        });
    }
    let link = |a: usize, b: usize, bw: u64| Link {
        a: format!("s{a:04}.r1"),
        b: format!("s{b:04}.r1"),
        bandwidth_bps: Some(bw),
        cost: None,
        prefix: None,
        description: None,
        targets: Default::default(),
        span: span(),
    };
    for i in 0..sites {
        t.links.push(link(i, (i + 1) % sites, 1_000_000_000));
    }
    for i in (0..sites).step_by(2) {
        t.links.push(link(i, (i + 37) % sites, 100_000_000));
    }
    t
}

fn peak_rss_mb() -> f64 {
    // SAFETY: getrusage fills the struct we hand it; zeroed is a valid start value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_SELF with a valid pointer.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return f64::NAN;
    }
    ru.ru_maxrss as f64 / 1024.0
}

/// CPU time of this thread: on a shared machine, wall time also counts the others.
fn thread_cpu() -> f64 {
    // SAFETY: clock_gettime writes into the timespec we hand it.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: a valid clock id and pointer.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

fn measure<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let cpu = thread_cpu();
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    let cpu = thread_cpu() - cpu;
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    println!(
        "{what:<34} {:>8.1} ms wall {:>8.1} ms CPU   peak heap {:>7.1} MB",
        took.as_secs_f64() * 1000.0,
        cpu * 1000.0,
        peak as f64 / 1e6
    );
    out
}

fn main() {
    let t = generated(1000);
    println!(
        "topology: {} sites, {} segments, {} links",
        t.sites.len(),
        t.sites.iter().map(|s| s.segments.len()).sum::<usize>(),
        t.links.len()
    );
    let json = measure("addressing + JSON", || {
        let p = netkit_plan::address(&t, None).expect("plans");
        p.to_json()
    });
    let p = netkit_plan::address(&t, None).expect("plans");
    measure("addressing + table", || {
        let p = netkit_plan::address(&t, None).expect("plans");
        output::table(&p, What::Addressing)
    });
    measure("addressing --keep + JSON", || {
        netkit_plan::address(&t, Some(&p)).expect("plans").to_json()
    });
    println!(
        "addressing JSON {:.1} MB; process peak RSS so far {:.1} MB",
        json.len() as f64 / 1e6,
        peak_rss_mb()
    );
    drop(json);
    // The whole plan (routing tables of 1,000 routers) is far heavier: opt in.
    let full = std::env::var_os("NETKIT_BENCH_FULL").is_some();
    if full {
        let text = measure("whole plan (routing too) + JSON", || {
            netkit_plan::plan(&t, None).expect("plans").to_json()
        });
        println!(
            "whole plan JSON {:.1} MB; process peak RSS {:.1} MB",
            text.len() as f64 / 1e6,
            peak_rss_mb()
        );
    }

    let mut c = Criterion::default().sample_size(10).configure_from_args();
    c.bench_function("address+json 1000 sites", |b| {
        b.iter(|| black_box(netkit_plan::address(black_box(&t), None).unwrap().to_json()))
    });
    c.bench_function("address+table 1000 sites", |b| {
        b.iter(|| {
            let p = netkit_plan::address(black_box(&t), None).unwrap();
            black_box(output::table(&p, What::Addressing))
        })
    });
    if full {
        c.bench_function("plan+json 1000 sites", |b| {
            b.iter(|| black_box(netkit_plan::plan(black_box(&t), None).unwrap().to_json()))
        });
    }
    c.final_summary();
}
