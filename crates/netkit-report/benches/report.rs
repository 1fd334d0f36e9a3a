//! Benchmark: the documents of a generated 1,000-site plan (with full routing tables:
//! one route per other site on every router, about a million routes).
//!
//! `cargo bench -p netkit-report --bench report` (add `-- N` for another site count).
//! Prints the time of the layout alone and of the whole report (best of 3), and the
//! size of every file. For comparison it times Graphviz (`dot -Tsvg`) on the same
//! `topology.dot` when `dot` is installed (bounded to 120 s).

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use netkit_report::{Lang, layout, render};

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        last = Some(v);
    }
    (best, last.expect("at least one run"))
}

fn main() {
    let sites: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let t = Instant::now();
    let plan = common::generated(sites, true);
    let routes: usize = plan.routes.values().map(Vec::len).sum();
    println!(
        "plan: {sites} sites, {} devices, {} links, {routes} routes (generated in {:.2?})",
        plan.devices.len(),
        plan.links.len(),
        t.elapsed()
    );
    let (t_layout, lay) = best_of(3, || layout(&plan, Lang::Fr));
    println!(
        "layout: {:.2?} (best of 3), canvas {} x {} px, grid {} x {}",
        t_layout, lay.width, lay.height, lay.rows, lay.cols
    );
    let opt = common::options(Lang::Fr);
    let (t_all, files) = best_of(3, || render(&plan, None, &opt).expect("render"));
    let total: usize = files.iter().map(|f| f.bytes.len()).sum();
    println!(
        "report: {t_all:.2?} (best of 3), {} files, {:.1} MB in all",
        files.len(),
        total as f64 / 1e6
    );
    for f in &files {
        println!("  {:<26} {:>12} bytes", f.name, f.bytes.len());
    }
    let dot = files
        .iter()
        .find(|f| f.name == "topology.dot")
        .expect("dot file");
    let Ok(mut child) = Command::new("timeout")
        .args(["120", "dot", "-Tsvg"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        println!("graphviz: not installed, no comparison");
        return;
    };
    let t = Instant::now();
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(&dot.bytes);
    }
    match child.wait() {
        Ok(s) if s.success() => println!(
            "graphviz dot -Tsvg on the same topology.dot: {:.2?}",
            t.elapsed()
        ),
        Ok(s) if s.code() == Some(124) => {
            println!("graphviz dot -Tsvg on the same topology.dot: gave up after 120 s")
        }
        Ok(s) => println!("graphviz dot -Tsvg failed ({s}) after {:.2?}", t.elapsed()),
        Err(e) => println!("graphviz: {e}"),
    }
}
