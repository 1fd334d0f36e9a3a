//! Routing benchmark: the routing tables of generated topologies of 100, 1,000 and
//! 5,000 sites (one router and three segments per site; links: a ring plus a chord
//! from every even site to the site 37 further on, so 1.5 links per site; the
//! internet at site 0).
//!
//! `cargo bench -p netkit-plan --bench routing` prints, for each size, one measured
//! run of `Plan::recompute_routing` (every table of the network, from the addressed
//! plan) with its wall time, routes per second and peak heap (a counting allocator),
//! then runs criterion on the 1,000-site case. The targets: 1,000 sites in under 2 s
//! and 500 MB.
//!
//! 5,000 sites: the tables themselves are quadratic (5,000 routers × ~10,000 routes =
//! 50 million entries, several GB), so that size is measured by computing the tables
//! of 100 routers spread over the network with `Plan::routing_table` (each costs
//! what one router costs inside `recompute_routing`, plus the shared preparation),
//! and the full run is projected from it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::Criterion;
use ipnet::Ipv4Net;
use netkit_model::*;
use netkit_plan::{DevicePlan, InterfacePlan, LinkPlan, Plan, Pools, SegmentPlan, SitePlan};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

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

fn generated(sites: usize, dual: bool) -> Topology {
    let mut t = Topology {
        name: format!("bench-{sites}"),
        description: None,
        routing: RoutingMode::Static,
        addressing: Addressing {
            ipv4: "10.0.0.0/8".parse().unwrap(),
            ipv6: dual.then(|| "fd00:b::/40".parse().unwrap()),
            wan: None,
            loopbacks: None,
            p2p_prefix: 31,
            growth_percent: 0,
            reserve: Vec::new(),
            spans: AddressingSpans::default(),
        },
        sites: Vec::new(),
        links: Vec::new(),
        internet: None,
        dns: None,
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
            isolated: false,
            gateway: None,
            named: Vec::new(),
            span: Span::default(),
            prefix_span: None,
        };
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
                span: Span::default(),
            }],
            segments: vec![
                seg("users", 10, 100),
                seg("voice", 20, 50),
                seg("mgmt", 30, 20),
            ],
            span: Span::default(),
            prefix_span: None,
            layer2: Default::default(),
        });
    }
    let link = |a: usize, b: usize, cost: u32| Link {
        a: format!("s{a:04}.r1"),
        b: format!("s{b:04}.r1"),
        bandwidth_bps: Some(100_000_000),
        cost: Some(cost),
        prefix: None,
        description: None,
        targets: Default::default(),
        span: Span::default(),
    };
    for i in 0..sites {
        t.links.push(link(i, (i + 1) % sites, 10 + (i % 7) as u32));
        if i % 2 == 0 && sites > 40 {
            t.links.push(link(i, (i + 37) % sites, 25 + (i % 5) as u32));
        }
    }
    t.internet = Some(Internet {
        edge: "s0000.r1".into(),
        span: Span::default(),
    });
    t
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// CPU time of this thread (user + system), from /proc: on a busy machine the wall
/// time also counts other processes' turns.
fn thread_cpu() -> Duration {
    let ticks = std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            // Fields after the command name (which is in parentheses).
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    // USER_HZ is 100 on Linux.
    Duration::from_millis(ticks * 10)
}

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The addressed plan of `generated(sites, false)` without running the planner
/// (whose routing would build every table): site i gets 10.x.y.0/24 (users /25,
/// voice /26, mgmt /27), loopbacks from 172.16.0.0/16, links /31s from 172.17.0.0/16.
fn synthetic_plan(t: &Topology) -> Plan {
    let v4 = |n: u32| Ipv4Addr::from(n);
    let mut sites = Vec::new();
    let mut devices = Vec::new();
    let mut ifaces: Vec<Vec<InterfacePlan>> = vec![Vec::new(); t.sites.len()];
    let index: BTreeMap<String, usize> = t
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("{}.r1", s.name), i))
        .collect();
    let mut links = Vec::new();
    for (id, l) in t.links.iter().enumerate() {
        let base = u32::from(Ipv4Addr::new(172, 17, 0, 0)) + 2 * id as u32;
        let (a, b) = (index[&l.a], index[&l.b]);
        let (an, bn) = (
            format!("eth{}", ifaces[a].len() + 1),
            format!("eth{}", ifaces[b].len() + 1),
        );
        for (dev, name, addr, peer) in [(a, &an, base, &l.b), (b, &bn, base + 1, &l.a)] {
            ifaces[dev].push(InterfacePlan {
                name: name.clone(),
                address: Ipv4Net::new(v4(addr), 31).unwrap(),
                link: Some(id),
                segment: None,
                address6: None,
                peer: Some(peer.clone()),
                vlan: None,
                bandwidth_bps: l.bandwidth_bps,
            });
        }
        links.push(LinkPlan {
            id,
            a: l.a.clone(),
            b: l.b.clone(),
            prefix: Ipv4Net::new(v4(base), 31).unwrap(),
            a_address: v4(base),
            b_address: v4(base + 1),
            bandwidth_bps: l.bandwidth_bps,
            cost: l.cost.unwrap_or(10),
            a_interface: an,
            b_interface: bn,
            wan: true,
            prefix6: None,
            a_address6: None,
            b_address6: None,
            description: None,
            targets: Default::default(),
        });
    }
    for (i, s) in t.sites.iter().enumerate() {
        let block = u32::from(Ipv4Addr::new(10, 0, 0, 0)) + ((i as u32 + 256) << 8);
        let dev = format!("{}.r1", s.name);
        let mut segments = Vec::new();
        for (g, (off, len)) in s.segments.iter().zip([(0u32, 25u8), (128, 26), (192, 27)]) {
            let prefix = Ipv4Net::new(v4(block + off), len).unwrap();
            let ifname = format!("vlan{}", g.vlan);
            ifaces[i].push(InterfacePlan {
                name: ifname.clone(),
                address: Ipv4Net::new(v4(block + off + 1), len).unwrap(),
                link: None,
                segment: Some(format!("{}.{}", s.name, g.name)),
                address6: None,
                peer: None,
                vlan: Some(g.vlan),
                bandwidth_bps: None,
            });
            segments.push(SegmentPlan {
                id: format!("{}.{}", s.name, g.name),
                vlan: g.vlan,
                hosts: g.hosts,
                prefix,
                gateway: v4(block + off + 1),
                gateway_device: dev.clone(),
                isolated: false,
                site: s.name.clone(),
                name: g.name.clone(),
                description: None,
                sized_for: g.hosts,
                usable: 0,
                prefix6: None,
                gateway6: None,
                interface: ifname,
                named: Vec::new(),
            });
        }
        sites.push(SitePlan {
            name: s.name.clone(),
            location: None,
            description: None,
            prefix: Ipv4Net::new(v4(block), 24).unwrap(),
            prefix6: None,
            segments,
        });
        devices.push(DevicePlan {
            id: dev,
            kind: DeviceKind::Router,
            loopback: Some(
                Ipv4Net::new(v4(u32::from(Ipv4Addr::new(172, 16, 0, 1)) + i as u32), 32).unwrap(),
            ),
            loopback6: None,
            interfaces: std::mem::take(&mut ifaces[i]),
            site: s.name.clone(),
            name: "r1".into(),
            description: None,
            model: None,
            fqdn: None,
        });
    }
    Plan {
        format: netkit_plan::PLAN_FORMAT.into(),
        name: t.name.clone(),
        description: None,
        routing: RoutingMode::Static,
        pools: Pools {
            ipv4: "10.0.0.0/8".parse().unwrap(),
            ipv6: None,
            wan: "172.17.0.0/16".parse().unwrap(),
            loopbacks: "172.16.0.0/16".parse().unwrap(),
            wan6: None,
            loopbacks6: None,
            p2p_prefix: 31,
            growth_percent: 0,
            reserve: Vec::new(),
        },
        sites,
        devices,
        links,
        routes: BTreeMap::new(),
        filters: BTreeMap::new(),
        ospf: None,
        internet: None,
        dns: None,
        snmp: None,
        layer2: Default::default(),
    }
}

/// Routing alone: drop the planner's tables, then recompute them all.
fn measure_full(sites: usize, dual: bool) {
    let t = generated(sites, dual);
    let mut plan = netkit_plan::plan(&t, None).expect("the generated topology plans");
    plan.routes.clear();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let (start, cpu0) = (Instant::now(), thread_cpu());
    plan.recompute_routing().expect("routes");
    let (took, cpu) = (start.elapsed(), thread_cpu() - cpu0);
    let peak = PEAK.load(Ordering::Relaxed) - base;
    let kept = LIVE.load(Ordering::Relaxed) - base;
    let routes: usize = plan.routes.values().map(Vec::len).sum();
    println!(
        "{sites:>5} sites {:<10} {:>5} links  {:>9} routes  {:>7.3} s wall {:>7.2} s CPU  {:>9.0} routes/s (CPU)  peak heap {:>6.1} MB (tables {:>6.1} MB)",
        if dual { "dual-stack" } else { "IPv4" },
        plan.links.len(),
        routes,
        took.as_secs_f64(),
        cpu.as_secs_f64(),
        routes as f64 / cpu.as_secs_f64().max(0.01),
        mb(peak),
        mb(kept),
    );
}

/// Large networks: the tables of `sample` routers spread over the network, projected
/// to all of them.
fn measure_sampled(sites: usize, dual: bool, sample: usize) {
    let t = generated(sites, dual);
    assert!(!dual, "the synthetic plan is IPv4 only");
    let plan = synthetic_plan(&t);
    let ids: Vec<String> = plan.routers().map(|d| d.id.clone()).collect();
    let step = (ids.len() / sample).max(1);
    let mut took = Duration::ZERO;
    let mut routes = 0usize;
    let mut n = 0usize;
    // The preparation every call repeats (destinations, site blocks): measured alone
    // with an id that is no device, then taken out of the per-router figure.
    let prep_runs = 20;
    let cpu0 = thread_cpu();
    for _ in 0..prep_runs {
        black_box(plan.routing_table("no.such-device").expect("routes"));
    }
    let prep = (thread_cpu() - cpu0) / prep_runs;
    let cpu0 = thread_cpu();
    for id in ids.iter().step_by(step).take(sample) {
        let start = Instant::now();
        let table = plan.routing_table(id).expect("routes").expect("a router");
        took += start.elapsed();
        routes += table.len();
        n += 1;
        black_box(table);
    }
    let cpu = thread_cpu() - cpu0;
    let _wall = took;
    let per_router = (cpu / n as u32).saturating_sub(prep);
    let projected = prep + per_router * ids.len() as u32;
    let routes_total = routes / n * ids.len();
    println!(
        "{sites:>5} sites {:<10} {:>5} links  {:>9} routes  {:>7.2} s CPU  {:>9.0} routes/s (CPU)  (projected: preparation {:.0} ms once + {n} sampled routers at {:.2} ms CPU each; the full tables would hold ~{:.0} MB)",
        if dual { "dual-stack" } else { "IPv4" },
        plan.links.len(),
        routes_total,
        projected.as_secs_f64(),
        routes_total as f64 / projected.as_secs_f64(),
        prep.as_secs_f64() * 1000.0,
        per_router.as_secs_f64() * 1000.0,
        routes_total as f64 * 101.0 / 1e6, // bytes per route, measured at 1,000 sites
    );
}

fn main() {
    if std::env::var("NETKIT_BENCH_SAMPLED").is_ok() {
        measure_sampled(1000, false, 100);
        measure_sampled(5000, false, 100);
        return;
    }
    if std::env::var("NETKIT_BENCH_QUICK").is_ok() {
        measure_full(1000, false);
        measure_full(1000, true);
        return;
    }
    println!(
        "routing tables of generated topologies (ring + chords, 1 router and 3 segments per site):"
    );
    measure_full(100, false);
    measure_full(100, true);
    measure_full(1000, false);
    measure_full(1000, true);
    // The sampled method against the full run of the same size, on the synthetic plan.
    let mut p = synthetic_plan(&generated(1000, false));
    let start = Instant::now();
    p.recompute_routing().expect("routes");
    println!(
        " 1000 sites IPv4 (synthetic addressing, all tables): {:.3} s, {} routes",
        start.elapsed().as_secs_f64(),
        p.routes.values().map(Vec::len).sum::<usize>()
    );
    drop(p);
    measure_sampled(1000, false, 100);
    measure_sampled(5000, false, 100);
    println!("peak RSS of this process so far: {:.0} MB", peak_rss_mb());

    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(20))
        .configure_from_args();
    let t = generated(1000, false);
    let plan = netkit_plan::plan(&t, None).expect("plans");
    c.bench_function("routing/1000 sites IPv4 (recompute_routing)", |b| {
        b.iter_batched(
            || plan.clone(),
            |mut p| {
                p.recompute_routing().expect("routes");
                p
            },
            criterion::BatchSize::LargeInput,
        )
    });
    c.final_summary();
}
