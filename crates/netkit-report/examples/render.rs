//! Render a plan JSON (and optional results JSON) into a folder, for looking at the
//! documents by hand: `cargo run -p netkit-report --example render -- PLAN.json OUT [RESULTS.json] [fr|en]`.
//! `PLAN.json` may also be `gen:N` for a generated plan of N sites.

#[path = "../tests/common/mod.rs"]
mod common;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        eprintln!("usage: render PLAN.json|gen:N OUT [RESULTS.json|-] [fr|en]");
        std::process::exit(2);
    }
    let plan = match args[0].strip_prefix("gen:") {
        Some(n) => common::generated(n.parse().expect("a number of sites"), true),
        None => {
            netkit_plan::Plan::from_json(&std::fs::read_to_string(&args[0]).expect("plan file"))
                .expect("plan JSON")
        }
    };
    let results = args.get(2).filter(|s| s.as_str() != "-").map(|p| {
        netkit_results::Results::from_json(&std::fs::read_to_string(p).expect("results"))
            .expect("results JSON")
    });
    let lang = args
        .get(3)
        .and_then(|l| netkit_report::Lang::parse(l))
        .unwrap_or_default();
    let files =
        netkit_report::render(&plan, results.as_ref(), &common::options(lang)).expect("render");
    std::fs::create_dir_all(&args[1]).expect("output folder");
    for f in files {
        std::fs::write(std::path::Path::new(&args[1]).join(&f.name), &f.bytes).expect("write");
    }
}
