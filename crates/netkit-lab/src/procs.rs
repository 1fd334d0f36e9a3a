//! Processes of a lab: started in a namespace (setns between fork and exec, in a new
//! session, output to a log file), identified by pid + start time, killed by pid.

use std::fs::File;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::state::ProcessState;
use crate::{Error, Result, ns};

/// Start time (field 22 of /proc/PID/stat), or `None` when the process is gone or
/// a zombie.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: fields are counted after its ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    if fields.first() == Some(&"Z") || fields.first() == Some(&"X") {
        return None;
    }
    fields.get(19)?.parse().ok()
}

/// Whether the process we started is still the one running under its pid.
pub fn alive(p: &ProcessState) -> bool {
    start_time(p.pid) == Some(p.start_time)
}

pub struct Spawned {
    pub state: ProcessState,
    pub child: Child,
}

/// Start `argv` in namespace `ns_file` as a daemon of the lab.
pub fn spawn(
    node: &str,
    program: &str,
    ns_file: &File,
    argv: Vec<String>,
    log: &Path,
    env: &[(&str, String)],
) -> Result<Spawned> {
    let out = File::create(log)
        .map_err(|e| Error::step("create log file", &log.display().to_string(), e))?;
    let err = out
        .try_clone()
        .map_err(|e| Error::step("create log file", &log.display().to_string(), e))?;
    let mut cmd = ns::command_in(ns_file, &argv, true)?;
    cmd.stdin(Stdio::null()).stdout(out).stderr(err);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().map_err(|e| {
        Error::step(
            &format!("start {program}"),
            node,
            format!("cannot run {}: {e}", argv[0]),
        )
    })?;
    let pid = child.id();
    // The child exists (we hold it unreaped), so its stat file is there.
    let start = start_time(pid).unwrap_or(0);
    Ok(Spawned {
        state: ProcessState {
            node: node.to_string(),
            program: program.to_string(),
            pid,
            start_time: start,
            argv,
            pathspace: None,
            log: Some(log.to_path_buf()),
        },
        child,
    })
}

/// Stop processes we started: SIGTERM, then SIGKILL after `grace`. Processes whose
/// pid now belongs to someone else are left alone. Returns how many were stopped.
pub fn stop_all(procs: &[ProcessState], grace: Duration) -> usize {
    let mine: Vec<&ProcessState> = procs.iter().filter(|p| alive(p)).collect();
    for p in &mine {
        let _ = kill(Pid::from_raw(p.pid as i32), Signal::SIGTERM);
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline && mine.iter().any(|p| alive(p)) {
        std::thread::sleep(Duration::from_millis(20));
    }
    for p in &mine {
        if alive(p) {
            let _ = kill(Pid::from_raw(p.pid as i32), Signal::SIGKILL);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline && mine.iter().any(|p| alive(p)) {
        std::thread::sleep(Duration::from_millis(10));
    }
    mine.len()
}

/// Last lines of a log file, for error messages.
pub fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let start = lines.len().saturating_sub(3);
    lines[start..].join(" / ")
}
