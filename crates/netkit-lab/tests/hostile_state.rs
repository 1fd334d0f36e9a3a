//! `lab down` trusts nothing in its state file: a state that names another
//! lab's folder, files elsewhere, a namespace the lab would not make, or a
//! process that is not the lab's (a real process this test starts, with its
//! real start time) is refused with a clear error, and nothing is killed or
//! deleted. A well-formed state of the same shape is torn down (the control).
//!
//! Needs root (namespaces, /run/netkit): skipped with a note outside CI, fails in CI.

mod common;

use common::{privileged, unique};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use netkit_lab::{Error, state_dir};

fn ip(args: &[&str]) {
    let ok = Command::new("ip")
        .args(args)
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "ip {}", args.join(" "));
}

fn ns_exists(name: &str) -> bool {
    Path::new("/run/netns").join(name).exists()
}

/// Start time of a pid (field 22 of /proc/PID/stat).
fn start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 1..];
    rest.split_whitespace().nth(19).unwrap().parse().unwrap()
}

/// Everything a test made, removed on drop even when it fails: its processes
/// (by pid), namespaces, state folder and victim paths.
#[derive(Default)]
struct Guard {
    children: Vec<Child>,
    namespaces: Vec<String>,
    paths: Vec<PathBuf>,
}

impl Guard {
    fn netns(&mut self, name: &str) {
        ip(&["netns", "add", name]);
        self.namespaces.push(name.to_string());
    }

    /// `sleep 20` in the root namespace, or inside `ns` (`ip netns exec` execs it).
    fn sleeper(&mut self, ns: Option<&str>) -> u32 {
        let mut cmd = match ns {
            Some(n) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", n, "sleep", "20"]);
                c
            }
            None => {
                let mut c = Command::new("sleep");
                c.arg("20");
                c
            }
        };
        let child = cmd.stdin(Stdio::null()).spawn().unwrap();
        let pid = child.id();
        self.children.push(child);
        // Wait (bounded) until the exec of sleep happened.
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
            if exe.file_name().is_some_and(|n| n == "sleep") {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        pid
    }

    fn running(&mut self, pid: u32) -> bool {
        let c = self.children.iter_mut().find(|c| c.id() == pid).unwrap();
        c.try_wait().unwrap().is_none()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for n in &self.namespaces {
            let _ = Command::new("ip")
                .args(["netns", "del", n])
                .stderr(Stdio::null())
                .status();
        }
        for p in &self.paths {
            let _ = std::fs::remove_dir_all(p);
        }
    }
}

/// A lab state with one router node `hq.r1`, written for lab `lab`.
fn write_state(
    g: &mut Guard,
    lab: &str,
    lab_field: &str,
    namespace: &str,
    processes: serde_json::Value,
    files: &[PathBuf],
) {
    let dir = state_dir(lab);
    std::fs::create_dir_all(&dir).unwrap();
    g.paths.push(dir.clone());
    let state = serde_json::json!({
        "format": "netkit-lab-state/1",
        "lab": lab_field,
        "topology": "t",
        "routing": "static",
        "created_unix": 0,
        "complete": true,
        "nodes": [{ "node": "hq.r1", "namespace": namespace, "kind": "device" }],
        "links": [],
        "processes": processes,
        "files": files,
    });
    std::fs::write(dir.join("state.json"), state.to_string()).unwrap();
}

fn process(pid: u32, program: &str, argv: &[&str]) -> serde_json::Value {
    serde_json::json!([{
        "node": "hq.r1", "program": program, "pid": pid,
        "start_time": start_time(pid), "argv": argv,
    }])
}

fn refused(lab: &str, needle: &str) {
    match netkit_lab::down(lab) {
        Ok(r) => panic!("down acted on a hostile state: {r:?}"),
        Err(e) => {
            let text = e.to_string();
            assert!(matches!(e, Error::Untrusted { .. }), "{text}");
            assert!(text.contains(needle), "{text}");
            assert!(text.contains("state.json"), "{text}");
        }
    }
}

#[test]
fn lab_field_with_parent_dirs_is_refused() {
    if !privileged("lab_field_with_parent_dirs_is_refused") {
        return;
    }
    let mut g = Guard::default();
    let lab = unique("hs");
    let victim_name = unique("victim");
    let victim = PathBuf::from("/run/netkit").join(&victim_name);
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("keep"), "x").unwrap();
    g.paths.push(victim.clone());
    let ns = format!("{lab}.hq.r1");
    write_state(
        &mut g,
        &lab,
        &format!("../{victim_name}"),
        &ns,
        serde_json::json!([]),
        &[],
    );
    refused(&lab, "the command line");
    assert!(victim.join("keep").exists());
}

#[test]
fn files_outside_the_lab_are_refused() {
    if !privileged("files_outside_the_lab_are_refused") {
        return;
    }
    let mut g = Guard::default();
    let lab = unique("hs");
    let victim = std::env::temp_dir().join(unique("nk-victim-"));
    std::fs::create_dir_all(&victim).unwrap();
    g.paths.push(victim.clone());
    let sneaky = state_dir(&lab).join("..").join("..").join("..").join("..");
    for files in [vec![victim.clone()], vec![sneaky]] {
        let ns = format!("{lab}.hq.r1");
        write_state(&mut g, &lab, &lab, &ns, serde_json::json!([]), &files);
        refused(&lab, "file");
        assert!(victim.exists());
    }
}

#[test]
fn a_namespace_the_lab_would_not_make_is_refused() {
    if !privileged("a_namespace_the_lab_would_not_make_is_refused") {
        return;
    }
    let mut g = Guard::default();
    let lab = unique("hs");
    let other = unique("nkvictim");
    g.netns(&other);
    write_state(&mut g, &lab, &lab, &other, serde_json::json!([]), &[]);
    refused(&lab, "namespace");
    assert!(ns_exists(&other), "the foreign namespace was deleted");
}

#[test]
fn a_foreign_process_with_its_real_start_time_is_not_killed() {
    if !privileged("a_foreign_process_with_its_real_start_time_is_not_killed") {
        return;
    }
    let mut g = Guard::default();
    let lab = unique("hs");
    let ns = format!("{lab}.hq.r1");
    g.netns(&ns);
    let pid = g.sleeper(None);
    // Named as a daemon the lab starts: the executable differs.
    let p = process(pid, "snmpd", &["snmpd"]);
    write_state(&mut g, &lab, &lab, &ns, p, &[]);
    refused(&lab, "runs sleep");
    assert!(
        g.running(pid),
        "down killed a process that is not the lab's"
    );
    // Named as itself: the executable matches, but it is not in the lab's namespace.
    let p = process(pid, "listener", &["sleep", "20"]);
    write_state(&mut g, &lab, &lab, &ns, p, &[]);
    refused(&lab, "namespace");
    assert!(g.running(pid));
    // A program the lab never starts.
    let p = process(pid, "sshd", &["sleep"]);
    write_state(&mut g, &lab, &lab, &ns, p, &[]);
    refused(&lab, "not a program the lab starts");
    assert!(g.running(pid));
    assert!(ns_exists(&ns), "down deleted namespaces before refusing");
}

/// The control: the same shape, made as the lab makes it, is torn down.
#[test]
fn a_well_formed_state_is_torn_down() {
    if !privileged("a_well_formed_state_is_torn_down") {
        return;
    }
    let mut g = Guard::default();
    let lab = unique("hs");
    let ns = format!("{lab}.hq.r1");
    g.netns(&ns);
    let pid = g.sleeper(Some(&ns));
    let own = state_dir(&lab).join("frr");
    std::fs::create_dir_all(&own).unwrap();
    let p = process(pid, "listener", &["sleep", "20"]);
    write_state(&mut g, &lab, &lab, &ns, p, std::slice::from_ref(&own));
    let report = netkit_lab::down(&lab).unwrap();
    assert_eq!(report.processes, 1);
    assert!(report.namespaces >= 1);
    assert!(!g.running(pid), "the lab's process still runs");
    assert!(!ns_exists(&ns));
    assert!(!state_dir(&lab).exists());
}
