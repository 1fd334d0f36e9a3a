//! End-to-end tests of the access layer through the `netkit` binary: the plan's
//! `switches`/`cables`/`wifi`, the IOS switch files (counted against the plan and
//! snapshot-tested), the OpenWrt files (parsed by a real UCI parser, `uciparse`,
//! installed by scripts/setup.sh; 0600 when they hold a passphrase), and a random
//! passphrase that appears in no plan, report or log, only in the wireless file written
//! with --show-secrets.

mod support;
#[allow(unused_imports)]
use support::*;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates/netkit-plan/test_data/layer2/spec_example.yaml")
}

fn ferronor() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("inventories/ferronor.yaml")
}

/// A passphrase nobody could have typed: 24 hex characters from the clock and PID.
fn random_passphrase() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{:024x}", t ^ (u128::from(std::process::id()) << 64))[..24].to_string()
}

fn plan_json(path: &Path) -> netkit_plan::Plan {
    let out = netkit()
        .args(["plan", "--format", "json"])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    netkit_plan::Plan::from_json(&String::from_utf8_lossy(&out.stdout)).expect("plan JSON")
}

#[test]
fn ios_switch_files_match_the_plan() {
    let plan = plan_json(&example());
    let dir = tempfile::tempdir().unwrap();
    netkit()
        .args(["config", "--target", "ios", "-o"])
        .arg(dir.path())
        .arg(example())
        .assert()
        .success();
    for sw in &plan.layer2.switches {
        let text = std::fs::read_to_string(dir.path().join(format!("{}.ios.cfg", sw.id)))
            .expect("one file per switch");
        // Access ports per VLAN in the file equal the plan's.
        let mut in_file: BTreeMap<u16, usize> = BTreeMap::new();
        for line in text.lines() {
            if let Some(v) = line.trim().strip_prefix("switchport access vlan ") {
                *in_file.entry(v.parse().unwrap()).or_default() += 1;
            }
        }
        let mut in_plan: BTreeMap<u16, usize> = BTreeMap::new();
        for p in &sw.ports {
            if let Some(v) = p.vlan {
                *in_plan.entry(v).or_default() += 1;
            }
        }
        assert_eq!(in_file, in_plan, "{}", sw.id);
        assert_eq!(
            text.matches("spanning-tree portfast\n").count(),
            in_plan.values().sum::<usize>()
        );
        // Every trunk with its pruned list, every unused port shut.
        for p in sw.ports.iter().filter(|p| p.vlans.is_some()) {
            let list: Vec<String> = p.vlan_list().iter().map(u16::to_string).collect();
            let block = format!(
                "interface GigabitEthernet1/0/{}\n description {} to ",
                p.port,
                p.role.as_str()
            );
            let at = text.find(&block).expect("trunk port block");
            let rest = &text[at..];
            let end = rest.find("!\n").unwrap();
            assert!(
                rest[..end].contains(&format!(
                    "switchport trunk allowed vlan {}\n",
                    list.join(",")
                )),
                "{}",
                &rest[..end]
            );
            assert!(rest[..end].contains(&format!("(cable {})", p.cable)));
        }
        let unused = sw.ports_total as usize - sw.ports.len();
        assert_eq!(
            text.matches(" shutdown\n").count() - text.matches(" no shutdown\n").count(),
            unused
        );
    }
    let sw1 = std::fs::read_to_string(dir.path().join("hq.sw1.ios.cfg")).unwrap();
    insta::assert_snapshot!("spec_example_hq_sw1_ios", sw1);
    // The routers are still written.
    assert!(dir.path().join("hq.r1.ios.cfg").exists());
}

/// Parse a UCI file with `uciparse` (a real parser of the format): the list of
/// (kind, name, value) lines, or the parser's error.
fn uci_parse(path: &Path) -> Result<Vec<(String, String, String)>, String> {
    let script = r#"
import sys
from uciparse.uci import UciFile, UciConfigLine, UciOptionLine, UciListLine
f = UciFile.from_file(sys.argv[1])
for l in f.lines:
    if isinstance(l, UciConfigLine): print("config\t%s\t%s" % (l.section, l.name))
    elif isinstance(l, UciOptionLine): print("option\t%s\t%s" % (l.name, l.value))
    elif isinstance(l, UciListLine): print("list\t%s\t%s" % (l.name, l.value))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut it = l.splitn(3, '\t');
            (
                it.next().unwrap_or("").to_string(),
                it.next().unwrap_or("").to_string(),
                it.next().unwrap_or("").to_string(),
            )
        })
        .collect())
}

fn have_uciparse() -> bool {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import uciparse"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok || !in_ci(), "uciparse is missing: run scripts/setup.sh");
    ok
}

#[test]
fn openwrt_files_parse_and_keep_the_passphrase_private() {
    let secret = random_passphrase();
    let plan = plan_json(&example());
    let dir = tempfile::tempdir().unwrap();
    // Without --show-secrets: no passphrase, still 0600 (it is meant to hold one).
    let out = netkit()
        .env("NETKIT_WIFI_GUESTS", &secret)
        .args(["config", "--target", "openwrt", "-o"])
        .arg(dir.path())
        .arg(example())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!log.contains(&secret));
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "hq.ap1.network",
            "hq.ap1.wireless",
            "hq.ap2.network",
            "hq.ap2.wireless"
        ]
    );
    let wireless = dir.path().join("hq.ap1.wireless");
    assert!(
        !std::fs::read_to_string(&wireless)
            .unwrap()
            .contains(&secret)
    );
    assert_eq!(
        std::fs::metadata(&wireless).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // With --show-secrets: the passphrase is in the wireless file only.
    let shown = tempfile::tempdir().unwrap();
    netkit()
        .env("NETKIT_WIFI_GUESTS", &secret)
        .env("NETKIT_RADIUS_SECRET", "radius-shared-secret")
        .args(["config", "--target", "openwrt", "--show-secrets", "-o"])
        .arg(shown.path())
        .arg(example())
        .assert()
        .success();
    let w = shown.path().join("hq.ap1.wireless");
    assert_eq!(
        std::fs::metadata(&w).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let text = std::fs::read_to_string(&w).unwrap();
    assert!(text.contains(&format!("option key '{secret}'")));
    assert!(
        !std::fs::read_to_string(shown.path().join("hq.ap1.network"))
            .unwrap()
            .contains(&secret)
    );

    // A passphrase of the wrong length is refused, naming the variable, not the value.
    let short = netkit()
        .env("NETKIT_WIFI_GUESTS", "short")
        .args(["config", "--target", "openwrt", "--show-secrets", "-o"])
        .arg(tempfile::tempdir().unwrap().path())
        .arg(example())
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(2));
    let err = String::from_utf8_lossy(&short.stderr);
    assert!(
        err.contains("NETKIT_WIFI_GUESTS") && err.contains("8 to 63"),
        "{err}"
    );
    assert!(!err.contains("short\""), "{err}");

    if !have_uciparse() {
        eprintln!(
            "uciparse not installed: the UCI grammar check is skipped (run scripts/setup.sh)"
        );
        return;
    }
    let lines = uci_parse(&w).expect("uciparse reads the wireless file");
    let w0 = &plan.layer2.wifi[0];
    let channel = |radio: &str| {
        let at = lines
            .iter()
            .position(|l| l.0 == "config" && l.2 == radio)
            .expect("radio");
        lines[at..]
            .iter()
            .find(|l| l.1 == "channel")
            .map(|l| l.2.clone())
    };
    assert_eq!(channel("radio0"), Some(w0.channel_24.to_string()));
    assert_eq!(channel("radio1"), Some(w0.channel_5.to_string()));
    let ifaces = lines
        .iter()
        .filter(|l| l.0 == "config" && l.1 == "wifi-iface")
        .count();
    assert_eq!(
        ifaces,
        2 * w0.ssids.len(),
        "one wifi-iface per SSID and radio"
    );
    let enc: Vec<&str> = lines
        .iter()
        .filter(|l| l.1 == "encryption")
        .map(|l| l.2.as_str())
        .collect();
    assert_eq!(enc, ["wpa3", "wpa3", "psk2", "psk2"]);
    let radius = w0.ssids[0]
        .radius_address
        .expect("RADIUS address planned")
        .to_string();
    assert!(lines.iter().any(|l| l.1 == "auth_server" && l.2 == radius));
    assert!(
        lines
            .iter()
            .any(|l| l.1 == "auth_secret" && l.2 == "radius-shared-secret")
    );
    let net =
        uci_parse(&shown.path().join("hq.ap1.network")).expect("uciparse reads the network file");
    for s in &w0.ssids {
        assert!(
            net.iter()
                .any(|l| l.0 == "list" && l.1 == "ports" && l.2 == format!("lan.{}", s.vlan))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.1 == "network" && l.2 == format!("vlan{}", s.vlan))
        );
    }
}

#[test]
fn no_passphrase_in_plan_report_or_log() {
    let secret = random_passphrase();
    let mut all = String::new();
    for args in [
        vec!["validate"],
        vec!["plan", "--format", "json"],
        vec!["plan", "--format", "md"],
        vec!["plan", "--format", "csv"],
    ] {
        let out = netkit()
            .env("NETKIT_WIFI_GUESTS", &secret)
            .args(&args)
            .arg(ferronor())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        all.push_str(&String::from_utf8_lossy(&out.stdout));
        all.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    assert!(
        all.contains("NETKIT_WIFI_GUESTS"),
        "the variable's name is there"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = netkit()
        .env("NETKIT_WIFI_GUESTS", &secret)
        .args(["report", "-o"])
        .arg(dir.path())
        .arg(ferronor())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    all.push_str(&String::from_utf8_lossy(&out.stdout));
    all.push_str(&String::from_utf8_lossy(&out.stderr));
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        all.push_str(&String::from_utf8_lossy(&bytes));
    }
    assert!(!all.contains(&secret), "the passphrase leaked");
    // And a passphrase of the wrong length makes the topology invalid.
    let out = netkit()
        .env("NETKIT_WIFI_GUESTS", "1234567")
        .arg("validate")
        .arg(ferronor())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ferronor.yaml:") && err.contains("has 7 characters"),
        "{err}"
    );
}

#[test]
fn report_has_the_patching_and_wifi_plans_in_both_languages() {
    for (lang, patching, wifi, uplink, sep) in [
        (
            "fr",
            "Plan de brassage",
            "Plan Wi-Fi",
            "liaison montante",
            ";",
        ),
        ("en", "Patching plan", "Wi-Fi plan", "uplink", ","),
    ] {
        let dir = tempfile::tempdir().unwrap();
        netkit()
            .args(["report", "--lang", lang, "-o"])
            .arg(dir.path())
            .arg(example())
            .assert()
            .success();
        let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
        let html = read("index.html");
        assert!(
            html.contains(&format!("<h2>{patching}</h2>"))
                && html.contains(&format!("<h2>{wifi}</h2>"))
        );
        for f in [
            "cabling.csv",
            "wifi.csv",
            "cabling.md",
            "netbox-cables.csv",
            "cable-labels.txt",
        ] {
            assert!(html.contains(f), "{f} listed in index.html");
        }
        // Spreadsheets in the report's locale: `;` in French (the comma is the decimal
        // separator there), with a byte order mark so that Excel reads UTF-8.
        let csv = read("cabling.csv");
        assert!(csv.starts_with('\u{FEFF}'), "no byte order mark");
        // One row per port in use, plus the header: 15 on sw1, 18 on sw2.
        assert_eq!(csv.lines().count(), 1 + 15 + 18);
        let row = ["baie-a", "pp1:2", "hq.sw1", "4", "10", ""].join(sep);
        assert!(csv.contains(&row), "{csv}");
        // The Wi-Fi plan: one row per access point and SSID, one value per cell.
        let wifi = read("wifi.csv");
        assert!(wifi.starts_with('\u{FEFF}'), "no byte order mark");
        let rows: Vec<Vec<String>> = wifi
            .trim_start_matches('\u{FEFF}')
            .lines()
            .map(|l| fields(l, sep))
            .collect();
        let wifi_plan = &plan_json(&example()).layer2.wifi;
        let pairs: usize = wifi_plan.iter().map(|w| w.ssids.len()).sum();
        assert!(pairs >= 2, "the example has Wi-Fi");
        assert_eq!(rows.len(), 1 + pairs, "{wifi}");
        assert!(rows.iter().all(|r| r.len() == 9), "{wifi}");
        let first = &wifi_plan[0];
        assert_eq!(rows[1][0], first.ap);
        assert_eq!(rows[1][3], first.ssids[0].ssid);
        assert_eq!(rows[1][4], first.ssids[0].vlan.to_string());
        assert_eq!(rows[1][7], first.channel_24.to_string());
        assert!(
            !wifi.contains("NETKIT_WIFI") && !wifi.contains("passphrase"),
            "{wifi}"
        );
        if lang == "fr" {
            assert!(
                rows[0][0] == "Borne" && !wifi.contains("Access point"),
                "{wifi}"
            );
        }
        assert!(csv.contains(uplink));
        if lang == "fr" {
            for word in ["uplink", "trunk", "access point", ";blue"] {
                assert!(
                    !csv.contains(word) && !read("cabling.md").contains(word),
                    "{word}"
                );
            }
        }
        let nb = read("netbox-cables.csv");
        assert!(nb.starts_with("side_a_device,side_a_type,side_a_name,side_b_device,side_b_type,side_b_name,type,status,label,color\r\n"));
        assert!(nb.contains("hq.sw1,dcim.interface,GigabitEthernet1/0/4,hq.baie-a.pp1,dcim.frontport,2,cat6,planned,HQ-C004,"));
        let labels = read("cable-labels.txt");
        assert_eq!(
            labels.lines().count(),
            1 + plan_json(&example()).layer2.cables.len()
        );
        let c4: Vec<&str> = labels
            .lines()
            .find(|l| l.starts_with("HQ-C004 "))
            .map(|l| l.split_whitespace().collect())
            .unwrap_or_default();
        assert_eq!(
            c4,
            ["HQ-C004", "hq.sw1:4", "<->", "baie-a.pp1:2"],
            "{labels}"
        );
    }
}

/// The fields of one CSV record (RFC 4180 quoting: `"a, b"`, `""` for a quote).
fn fields(line: &str, sep: &str) -> Vec<String> {
    let sep = sep.chars().next().expect("a separator");
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == sep && !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}
