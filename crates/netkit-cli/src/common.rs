//! What every command shares: loading topologies and plans with readable errors,
//! atomic file writes, terminal detection.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use netkit_model::terminal::{safe_json, safe_multiline};
use netkit_model::{Diagnostic, Topology};
use netkit_plan::Plan;

/// How a command that ran ended: exit 0 or 1. Errors (exit 2) are `Err`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn from_ok(ok: bool) -> Outcome {
        if ok {
            Outcome::Success
        } else {
            Outcome::Failure
        }
    }
}

/// `a: b: c` from an error and its causes.
pub fn error_chain(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ")
}

/// `--quiet`, `--verbose` or neither (global options of every command).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

static VERBOSITY: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(1);

pub fn set_verbosity(v: Verbosity) {
    let n = match v {
        Verbosity::Quiet => 0,
        Verbosity::Normal => 1,
        Verbosity::Verbose => 2,
    };
    VERBOSITY.store(n, std::sync::atomic::Ordering::Relaxed);
}

pub fn verbosity() -> Verbosity {
    match VERBOSITY.load(std::sync::atomic::Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        2 => Verbosity::Verbose,
        _ => Verbosity::Normal,
    }
}

/// Progress bars and spinners: on a terminal, unless `--quiet`.
pub fn show_progress() -> bool {
    stderr_is_terminal() && verbosity() != Verbosity::Quiet
}

/// Notes and summary lines on stderr: unless `--quiet`.
pub fn show_notes() -> bool {
    verbosity() != Verbosity::Quiet
}

pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Read a file, with an error naming it and saying what to do.
pub fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).with_context(|| {
        format!(
            "cannot read {}: check the path and that you may read it",
            path.display()
        )
    })
}

/// A topology, checked and planned. Diagnostics are printed to stderr.
pub struct Loaded {
    /// `None` when the input was a plan JSON.
    pub topology: Option<Topology>,
    pub plan: Plan,
}

/// Print diagnostics the way compilers do: `FILE:LINE:COL: error: ...` plus a hint.
pub fn print_diagnostics(path: &Path, diagnostics: &[Diagnostic]) {
    let file = path.display().to_string();
    for d in diagnostics {
        eprintln!("{}", safe_multiline(&d.display_with(&file).to_string()));
    }
}

/// A valid topology, its plan, and the warnings (settings with no effect) found on the way.
pub struct Checked {
    pub topology: Topology,
    pub plan: Plan,
    pub warnings: Vec<Diagnostic>,
}

/// Parse and check a topology file. `Err(diagnostics)` when it is invalid.
pub fn check_topology(
    path: &Path,
    previous: Option<&Plan>,
) -> Result<std::result::Result<Checked, Vec<Diagnostic>>> {
    let bytes = read_file(path)?;
    Ok(check_bytes(&bytes, previous))
}

/// Parse and plan a topology already read (a pipe such as `/dev/stdin` reads only once).
fn check_bytes(
    bytes: &[u8],
    previous: Option<&Plan>,
) -> std::result::Result<Checked, Vec<Diagnostic>> {
    // Wi-Fi passphrases of the wrong length once expanded make the topology invalid,
    // reported with every other problem; unset variables are only a warning, given by
    // `validate`.
    let env = |name: &str| std::env::var(name).ok();
    let parsed = netkit_model::parse_with_secrets(bytes, &env);
    let Some(topology) = parsed.topology else {
        return Err(parsed.diagnostics);
    };
    match netkit_plan::plan(&topology, previous) {
        Ok(plan) => Ok(Checked {
            topology,
            plan,
            warnings: parsed.diagnostics,
        }),
        Err(mut diags) => {
            let mut all = parsed.diagnostics;
            all.append(&mut diags);
            Err(all)
        }
    }
}

/// Load a topology (YAML) or a plan (`netkit plan --format json` output).
/// Invalid input is an error (exit 2) after its diagnostics were printed.
pub fn load(path: &Path) -> Result<Loaded> {
    load_with_previous(path, None)
}

pub fn load_with_previous(path: &Path, previous: Option<&Plan>) -> Result<Loaded> {
    let bytes = read_file(path)?;
    load_bytes(path, &bytes, previous)
}

/// [`load_with_previous`] on the bytes of `path`, already read.
pub fn load_bytes(path: &Path, bytes: &[u8], previous: Option<&Plan>) -> Result<Loaded> {
    if looks_like_plan_json(bytes) {
        let text = std::str::from_utf8(bytes)
            .with_context(|| format!("{} is not UTF-8 text", path.display()))?;
        let plan = Plan::from_json(text).map_err(|e| {
            anyhow::anyhow!(
                "{}:{}:{}: not a valid netkit plan: {e}: regenerate it with `netkit plan TOPOLOGY --format json`",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        return Ok(Loaded {
            topology: None,
            plan,
        });
    }
    match check_bytes(bytes, previous) {
        Ok(checked) => {
            print_diagnostics(path, &checked.warnings);
            Ok(Loaded {
                topology: Some(checked.topology),
                plan: checked.plan,
            })
        }
        Err(diags) => {
            print_diagnostics(path, &diags);
            let n = diags.len();
            bail!(
                "{} is not a valid topology ({n} problem{} above): fix {} and run `netkit validate {}`",
                path.display(),
                if n == 1 { "" } else { "s" },
                if n == 1 { "it" } else { "them" },
                path.display()
            )
        }
    }
}

pub fn looks_like_plan_json(bytes: &[u8]) -> bool {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    matches!(start, Some(i) if bytes[i] == b'{') && bytes.windows(12).any(|w| w == b"\"netkit-plan")
}

/// Write a file atomically: a temporary file in the same folder, then a rename, so
/// that readers never see a half-written file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).with_context(|| {
        format!(
            "cannot write into {}: check that the folder exists and is writable",
            dir.display()
        )
    })?;
    tmp.write_all(contents)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Write to `-o PATH` atomically, or to stdout.
pub fn emit(output: Option<&Path>, contents: &str) -> Result<()> {
    match output {
        Some(p) if p != Path::new("-") => write_atomic(p, contents.as_bytes()),
        _ => {
            use std::io::Write;
            // Text from outside (a topology's `location`, what an agent said)
            // never acts on a terminal: control and bidirectional characters are
            // escaped, JSON staying the same JSON. Files (`-o`) get the data as is.
            let contents = if contents.trim_start().starts_with(['{', '[']) {
                safe_json(contents)
            } else {
                safe_multiline(contents)
            };
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            match out.write_all(contents.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}
