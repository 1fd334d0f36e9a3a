//! `netkit verify --compare PREVIOUS.json` against the binary, no root needed: a
//! topology whose segment is 127.0.0.0/24 makes this machine a live source, and TCP
//! listeners on 127.0.0.10 that the test opens and closes between two runs make real
//! passes and failures. Then a bad PREVIOUS file is a located error, exit 2.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use netkit_results::{Change, Results, Verdict};

fn netkit() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("netkit"))
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
";

/// A port on 127.0.0.10 that is open while the listener lives.
fn listener() -> TcpListener {
    TcpListener::bind("127.0.0.10:0").unwrap()
}

fn write_playbook(dir: &Path, ports: &[u16]) -> std::path::PathBuf {
    std::fs::write(dir.join("topo.yaml"), TOPOLOGY).unwrap();
    let mut pb = String::from("name: compare test\ntopology: topo.yaml\ntarget: live\nchecks:\n");
    for p in ports {
        pb.push_str(&format!(
            "  - tcp: {{ from: here.users, to: here.users.app, port: {p} }}\n"
        ));
    }
    let path = dir.join("pb.yaml");
    std::fs::write(&path, pb).unwrap();
    path
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    netkit()
        .arg("verify")
        .args(args)
        .args(["--probe-timeout", "300ms", "--tries", "1"])
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn compare_marks_every_change_and_lists_changes_first() {
    let dir = tempfile::tempdir().unwrap();
    // Ports: a passes then fails, b fails then passes, c fails twice, d passes twice,
    // e is only in the second run.
    let a = listener();
    let b = listener();
    let c = listener();
    let d = listener();
    let e = listener();
    let port = |l: &TcpListener| l.local_addr().unwrap().port();
    let (pa, pb_, pc, pd, pe) = (port(&a), port(&b), port(&c), port(&d), port(&e));
    drop(b);
    drop(c);

    let pb = write_playbook(dir.path(), &[pa, pb_, pc, pd]);
    let first = dir.path().join("first.json");
    let out = run(&[
        pb.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "-o".as_ref(),
        first.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r1 = Results::from_json(&std::fs::read_to_string(&first).unwrap()).unwrap();
    let verdicts: Vec<_> = r1.results.iter().map(|r| r.verdict).collect();
    assert_eq!(
        verdicts,
        [Verdict::Pass, Verdict::Fail, Verdict::Fail, Verdict::Pass],
        "{r1:?}"
    );
    assert!(r1.results.iter().all(|r| r.change.is_none()));

    // Between the runs: a closes, b opens again (same port), e is a new check.
    drop(a);
    let _b = TcpListener::bind(("127.0.0.10", pb_)).unwrap();
    let pb = write_playbook(dir.path(), &[pa, pb_, pc, pd, pe]);

    // JSON: playbook order, each result with its change.
    let out = run(&[
        pb.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
        "--compare".as_ref(),
        first.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r2 = Results::from_json(&String::from_utf8_lossy(&out.stdout)).unwrap();
    let changes: Vec<_> = r2.results.iter().map(|r| r.change).collect();
    assert_eq!(
        changes,
        [
            Some(Change::NewFailure),
            Some(Change::Fixed),
            Some(Change::StillFailing),
            Some(Change::Unchanged),
            Some(Change::New)
        ],
        "{r2:?}"
    );
    assert!(
        stderr(&out).contains(
            "since the previous run: 1 new failure, 1 fixed, 1 new, 1 still failing, 1 unchanged"
        ),
        "{}",
        stderr(&out)
    );

    // Plain lines (a pipe): what changed first, then the rest, in playbook order.
    let out = run(&[pb.as_os_str(), "--compare".as_ref(), first.as_os_str()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let firsts: Vec<&str> = text
        .lines()
        .take(5)
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        firsts,
        [
            "[new-failure]",
            "[fixed]",
            "[new]",
            "[still-failing]",
            "[unchanged]"
        ],
        "{text}"
    );
    assert!(
        text.lines().next().unwrap().contains(&format!(":{pa}")),
        "{text}"
    );
    assert!(
        text.contains("since the previous run: 1 new failure"),
        "{text}"
    );

    // JUnit: the change is a property of each test case.
    let out = run(&[
        pb.as_os_str(),
        "--format".as_ref(),
        "junit".as_ref(),
        "--compare".as_ref(),
        first.as_os_str(),
    ]);
    let xml = String::from_utf8_lossy(&out.stdout);
    for c in ["new-failure", "fixed", "still-failing", "unchanged", "new"] {
        assert_eq!(
            xml.matches(&format!("<property name=\"change\" value=\"{c}\"/>"))
                .count(),
            1,
            "{xml}"
        );
    }
    assert_eq!(xml.matches("<testcase ").count(), 5, "{xml}");
    assert_eq!(xml.matches("</testcase>").count(), 5, "{xml}");
    drop((d, e));
}

#[test]
fn a_bad_previous_file_is_a_located_error_before_any_check_runs() {
    let dir = tempfile::tempdir().unwrap();
    let pb = write_playbook(dir.path(), &[9]);
    let prev = dir.path().join("prev.json");
    let cases: [(&str, &str); 4] = [
        (
            "{\n  \"format\": \"netkit-results/1\",\n  \"results\": [\n    oops\n",
            "prev.json:4:",
        ),
        (
            "{\n  \"format\": \"netkit-plan/1\"\n}\n",
            "prev.json:2:3: --compare needs a netkit-results/1 file, and this one is `netkit-plan/1`",
        ),
        (
            "[1, 2]\n",
            "prev.json:1:1: --compare needs a netkit-results/1 file, and this one has no",
        ),
        (
            "{\"format\": \"netkit-results/1\", \"playbook\": \"p\", \"target\": \"lab\", \"started\": \"\", \"finished\": \"\", \"results\": [{\"check\": \"reach\"}]}",
            "prev.json:1:",
        ),
    ];
    for (text, want) in cases {
        std::fs::write(&prev, text).unwrap();
        let out = run(&[pb.as_os_str(), "--compare".as_ref(), prev.as_os_str()]);
        assert_eq!(out.status.code(), Some(2), "{text}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(want), "{text}: {err}");
        assert!(err.contains("netkit verify --format json"), "{err}");
        // Nothing ran: no result on standard output.
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let out = run(&[
        pb.as_os_str(),
        "--compare".as_ref(),
        dir.path().join("missing.json").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
    assert!(stderr(&out).contains("missing.json"), "{}", stderr(&out));
}
