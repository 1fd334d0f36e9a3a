//! deploy/: the hardened systemd units pass `systemd-analyze verify` (no warning) and
//! score "OK" in `systemd-analyze security`; the Ansible role passes
//! `ansible-playbook --syntax-check` and `ansible-lint`; the history script keeps runs
//! and compares each with the previous one; `netkit export ansible-inventory` writes an
//! inventory that Ansible itself reads. In CI (`CI` set) a missing tool is a failure:
//! scripts/setup.sh installs them.

mod support;
#[allow(unused_imports)]
use support::*;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".")
        .canonicalize()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The units with their program paths pointed at this build (verify checks that the
/// programs exist), templates under an instance name.
fn units_in(dir: &Path) -> Vec<PathBuf> {
    let src = root().join("deploy/systemd");
    let history = src.join("netkit-verify-history");
    let mut out = Vec::new();
    for (from, to) in [
        ("netkit-agent.service", "netkit-agent.service"),
        ("netkit-verify@.service", "netkit-verify@recette.service"),
        ("netkit-verify@.timer", "netkit-verify@recette.timer"),
    ] {
        let t = std::fs::read_to_string(src.join(from))
            .unwrap()
            .replace("/usr/local/bin/netkit", &netkit_bin().display().to_string())
            .replace(
                "/usr/local/lib/netkit/netkit-verify-history",
                &history.display().to_string(),
            );
        let p = dir.join(to);
        std::fs::write(&p, t).unwrap();
        out.push(p);
    }
    out
}

#[test]
fn systemd_units_verify_and_are_hardened() {
    if !require("systemd-analyze") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let units = units_in(dir.path());
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&units)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stderr.is_empty(), "warnings: {}", text(&out));

    // The check can fail: a misspelt key is reported.
    let bad = dir.path().join("bad.service");
    let t = std::fs::read_to_string(&units[0])
        .unwrap()
        .replace("ProtectSystem=strict", "ProtectSystm=strict");
    std::fs::write(&bad, t).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&bad)
        .output()
        .unwrap();
    assert!(text(&out).contains("ProtectSystm"), "{}", text(&out));

    // systemd's own exposure score (0 = locked down, 10 = unprotected): both services
    // at most 2.0 ("OK").
    for unit in &units[..2] {
        let out = Command::new("systemd-analyze")
            .args(["security", "--offline=yes", "--no-pager"])
            .arg(unit)
            .output()
            .unwrap();
        let t = text(&out);
        let score: f64 = t
            .lines()
            .find_map(|l| l.split("Overall exposure level for ").nth(1))
            .and_then(|rest| rest.split(": ").nth(1))
            .and_then(|s| s.split_whitespace().next())
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no exposure level in: {t}"));
        assert!(score <= 2.0, "{}: exposure {score}\n{t}", unit.display());
    }
}

#[test]
fn the_role_template_is_the_shipped_unit() {
    // The role installs the same hardening as deploy/systemd: every setting but
    // ExecStart (made from the role's variables) is the same, in the same order.
    let settings = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && !l.starts_with("ExecStart="))
            .map(str::to_owned)
            .collect()
    };
    let unit = std::fs::read_to_string(root().join("deploy/systemd/netkit-agent.service")).unwrap();
    let tpl = std::fs::read_to_string(
        root().join("deploy/ansible/roles/netkit_agent/templates/netkit-agent.service.j2"),
    )
    .unwrap();
    assert_eq!(settings(&unit), settings(&tpl));
    assert!(tpl.contains("--token-file ${CREDENTIALS_DIRECTORY}/token"));
    assert!(tpl.contains("{% for p in netkit_agent_allow %} --allow {{ p }}{% endfor %}"));
}

#[test]
fn ansible_role_passes_syntax_check_and_lint() {
    if !require("ansible-playbook") {
        return;
    }
    let dir = root().join("deploy/ansible");
    let out = Command::new("ansible-playbook")
        .args(["-i", "inventory.example.yml", "--syntax-check", "site.yml"])
        .current_dir(&dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    if !require("ansible-lint") {
        return;
    }
    let out = Command::new("ansible-lint")
        .args(["--offline", "-p", "site.yml", "roles/netkit_agent"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("0 failure(s), 0 warning(s)"),
        "{}",
        text(&out)
    );
}

const TOPOLOGY: &str = "\
name: loopnet
addressing:
  ipv4: 127.0.0.0/8
sites:
  here:
    devices: { r1: { kind: router } }
    segments:
      users:
        vlan: 10
        hosts: 10
        prefix: 127.0.0.0/24
        named:
          app: { host: 10 }
  there:
    devices: { r1: { kind: router } }
    segments: { users: { vlan: 10, hosts: 10 } }
links:
  - { a: here.r1, b: there.r1 }
";

#[test]
fn history_script_keeps_runs_and_compares_with_the_last() {
    if !require("bash") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("topo.yaml"), TOPOLOGY).unwrap();
    let open = TcpListener::bind("127.0.0.10:0").unwrap();
    let port = open.local_addr().unwrap().port();
    let pb = dir.path().join("pb.yaml");
    std::fs::write(
        &pb,
        format!("name: history\ntopology: topo.yaml\ntarget: live\nchecks:\n  - tcp: {{ from: here.users, to: here.users.app, port: {port} }}\n"),
    )
    .unwrap();
    let state = dir.path().join("state");
    let run = || {
        Command::new(root().join("deploy/systemd/netkit-verify-history"))
            .arg(&pb)
            .arg(&state)
            .env("NETKIT", netkit_bin())
            .env("NETKIT_HISTORY_KEEP", "2")
            .env_remove("CREDENTIALS_DIRECTORY")
            .output()
            .unwrap()
    };
    let first = run();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let latest = || {
        let t = std::fs::read_to_string(state.join("latest.json")).unwrap();
        netkit_results::Results::from_json(&t).unwrap()
    };
    assert_eq!(latest().results[0].change, None);
    drop(open);
    // Runs are named by the second: wait for the next one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = run();
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    assert_eq!(
        latest().results[0].change,
        Some(netkit_results::Change::NewFailure)
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let third = run();
    assert_eq!(third.status.code(), Some(1), "{}", text(&third));
    assert_eq!(
        latest().results[0].change,
        Some(netkit_results::Change::StillFailing)
    );
    // NETKIT_HISTORY_KEEP=2: the oldest run was removed.
    let mut runs: Vec<String> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("results-"))
        .collect();
    runs.sort();
    assert_eq!(runs.len(), 2, "{runs:?}");
    assert_eq!(
        std::fs::read_link(state.join("latest.json")).unwrap(),
        PathBuf::from(&runs[1])
    );
}

fn export(pb: &Path) -> Output {
    Command::new(netkit_bin())
        .args(["export", "ansible-inventory"])
        .arg(pb)
        .output()
        .unwrap()
}

#[test]
fn export_ansible_inventory_from_the_agents_map() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("topo.yaml"), TOPOLOGY).unwrap();
    let pb = dir.path().join("pb.yaml");
    std::fs::write(
        &pb,
        "name: agents\ntopology: topo.yaml\ntarget: live\nagents:\n  there.users: 10.9.0.250\n  here.r1: \"[fd00::5]:6000\"\nchecks:\n  - reach: { from: there.users, to: here.users }\n",
    )
    .unwrap();
    let out = export(&pb);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let inv = String::from_utf8(out.stdout).unwrap();
    assert!(inv.contains("agent-there-users:\n          ansible_host: \"10.9.0.250\"\n          netkit_agent_node: there.users\n          netkit_agent_address: \"10.9.0.250\"\n          netkit_agent_port: 5301\n"), "{inv}");
    assert!(
        inv.contains("agent-here-r1:\n          ansible_host: \"fd00::5\""),
        "{inv}"
    );
    assert!(inv.contains("netkit_agent_port: 6000"), "{inv}");

    // Ansible reads it: the group, the hosts and their variables.
    if require("ansible-inventory") {
        let file = dir.path().join("inventory.yml");
        std::fs::write(&file, &inv).unwrap();
        let out = Command::new("ansible-inventory")
            .arg("-i")
            .arg(&file)
            .arg("--list")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut hosts: Vec<&str> = v["netkit_agents"]["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        hosts.sort();
        assert_eq!(hosts, ["agent-here-r1", "agent-there-users"]);
        let vars = &v["_meta"]["hostvars"]["agent-there-users"];
        assert_eq!(vars["netkit_agent_node"], "there.users");
        assert_eq!(vars["netkit_agent_port"], 5301);
    }

    // Problems are located, all at once, and nothing is written.
    std::fs::write(
        &pb,
        "name: agents\ntopology: topo.yaml\nagents:\n  nowhere.users: 10.9.0.250\n  here.users: 10.9.0.300\n",
    )
    .unwrap();
    let out = export(&pb);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out);
    assert!(out.stdout.is_empty());
    assert!(
        err.contains("pb.yaml:4:18: `nowhere.users` in agents: is not a segment"),
        "{err}"
    );
    assert!(
        err.contains("pb.yaml:5:15: the agent of here.users is `10.9.0.300`, not an address"),
        "{err}"
    );
    assert!(err.contains("2 problems"), "{err}");

    std::fs::write(&pb, "name: agents\ntopology: topo.yaml\nchecks: []\n").unwrap();
    let out = export(&pb);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("no `agents:` map"), "{}", text(&out));
}
