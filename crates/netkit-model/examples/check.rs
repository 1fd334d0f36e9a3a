//! `cargo run -p netkit-model --example check -- FILE`: print the diagnostics of a
//! topology file and, when valid, the parsed topology as JSON (debugging aid).
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: check FILE");
        std::process::exit(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(2);
        }
    };
    let start = std::time::Instant::now();
    let parsed = netkit_model::parse(&bytes);
    let elapsed = start.elapsed();
    for d in &parsed.diagnostics {
        println!("{}", d.display_with(&path));
    }
    if let Some(t) = &parsed.topology
        && std::env::var_os("QUIET").is_none()
    {
        println!("{}", serde_json::to_string_pretty(t).unwrap_or_default());
    }
    eprintln!("parsed in {elapsed:?}");
}
