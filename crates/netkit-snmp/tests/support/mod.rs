//! Test fixtures: a throw-away network namespace and a real net-snmp agent in it,
//! both removed by `Drop` even when a test fails.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use netkit_snmp::credentials::{Credentials, Secret, v3};

/// Whether the test may run: root is needed for namespaces. Outside CI a
/// non-root run is skipped with a note; in CI it fails.
pub fn privileged(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test} needs root (network namespaces) and CI must run it as root");
    }
    eprintln!("note: {test} skipped: it needs root for network namespaces");
    false
}

fn unique(prefix: &str) -> String {
    let r: u32 = rand::random();
    format!("{prefix}{}{:x}", std::process::id(), r & 0xfffff)
}

/// `ip` with arguments; panics with the command's stderr on failure.
pub fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A network namespace deleted on drop.
pub struct Netns {
    pub name: String,
}

impl Netns {
    pub fn new() -> Netns {
        let name = unique("nkt");
        ip(&["netns", "add", &name]);
        let ns = Netns { name };
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// `ip -n NAME args...`
    pub fn ip(&self, args: &[&str]) {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all);
    }

    /// Run a command inside the namespace; returns stdout, panics on failure.
    pub fn exec(&self, cmd: &[&str]) -> String {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.name])
            .args(cmd)
            .output()
            .expect("run ip netns exec");
        assert!(
            out.status.success(),
            "{}: {}",
            cmd.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .stderr(Stdio::null())
            .status();
    }
}

pub const COMMUNITY: &str = "nkTopSecret-c0mm-7731";
pub const RW_COMMUNITY: &str = "nkRw-cache-4412";
pub const V3_USER: &str = "nkuser";
pub const V3_AUTH: &str = "nkAuthPass-9123";
pub const V3_PRIV: &str = "nkPrivPass-5561";
pub const V3_USER256: &str = "nkuser256";

/// A real snmpd in a namespace, on 127.0.0.1:161 there, killed by PID on drop.
pub struct Snmpd {
    pub child: Child,
    pub dir: tempfile::TempDir,
    pub ns: String,
}

impl Snmpd {
    /// Start snmpd with a v2c community, a write community limited to
    /// net-snmp's cache table, and v3 users (SHA/AES and SHA-256/AES).
    pub fn start(ns: &Netns) -> Snmpd {
        Snmpd::start_with(ns, true)
    }

    /// Like [`Snmpd::start`]; `live` sets net-snmp's table cache timeouts to 0.
    pub fn start_with(ns: &Netns, live: bool) -> Snmpd {
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = dir.path().join("snmpd.conf");
        std::fs::write(
            &conf,
            format!(
                "agentAddress udp:127.0.0.1:161\n\
                 rocommunity {COMMUNITY} 127.0.0.1\n\
                 rwcommunity {RW_COMMUNITY} 127.0.0.1 .1.3.6.1.4.1.8072.1.5\n\
                 createUser {V3_USER} SHA {V3_AUTH} AES {V3_PRIV}\n\
                 createUser {V3_USER256} SHA-256 {V3_AUTH} AES {V3_PRIV}\n\
                 rouser {V3_USER} priv\n\
                 rouser {V3_USER256} priv\n"
            ),
        )
        .expect("write snmpd.conf");
        let log = std::fs::File::create(dir.path().join("snmpd.log")).expect("log file");
        let child = Command::new("ip")
            .args(["netns", "exec", &ns.name, "snmpd", "-f", "-Lf"])
            .arg(dir.path().join("snmpd.log"))
            .args(["-C", "-c"])
            .arg(&conf)
            .arg(format!("--persistentDir={}", dir.path().display()))
            .env("MIBS", "")
            .env("MIBDIRS", "/nonexistent")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start snmpd (apt install snmpd)");
        let d = Snmpd {
            child,
            dir,
            ns: ns.name.clone(),
        };
        d.wait_ready();
        if live {
            d.disable_caches();
        }
        d
    }

    fn wait_ready(&self) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            let ok = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    &self.ns,
                    "snmpget",
                    "-v2c",
                    "-c",
                    COMMUNITY,
                    "-t",
                    "0.3",
                    "-r",
                    "0",
                    "127.0.0.1",
                    "1.3.6.1.2.1.1.3.0",
                ])
                .env("MIBS", "")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(self.dir.path().join("snmpd.log")).unwrap_or_default();
        panic!("snmpd did not answer within 10 s; its log:\n{log}");
    }

    /// net-snmp caches tables (ifTable 3 s, ipAddressTable 30 s, routes 60 s):
    /// set those cache timeouts to 0 so that drift shows at once.
    pub fn disable_caches(&self) {
        let mut args: Vec<String> = [
            "netns",
            "exec",
            &self.ns,
            "snmpset",
            "-v2c",
            "-c",
            RW_COMMUNITY,
            "127.0.0.1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for table in [
            "1.3.6.1.2.1.2.2",
            "1.3.6.1.2.1.4.34",
            "1.3.6.1.2.1.4.24.7",
            "1.3.6.1.2.1.4.24.4",
            "1.3.6.1.2.1.4.20",
        ] {
            args.push(format!(".1.3.6.1.4.1.8072.1.5.3.1.2.{table}"));
            args.push("i".into());
            args.push("0".into());
        }
        // Some of these tables may not be cached on every build: set them one by
        // one so that one refusal does not stop the others.
        let base = &args[..8];
        for chunk in args[8..].chunks(3) {
            let mut a = base.to_vec();
            a.extend_from_slice(chunk);
            let _ = Command::new("ip")
                .args(&a)
                .env("MIBS", "")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }

    pub fn addr(&self) -> SocketAddr {
        "127.0.0.1:161".parse().unwrap()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("snmpd.log")).unwrap_or_default()
    }
}

impl Drop for Snmpd {
    fn drop(&mut self) {
        // `ip netns exec` execs snmpd, so this PID is snmpd's own.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn v2c() -> Credentials {
    Credentials::Community(Secret::new(COMMUNITY))
}

pub fn v3_sha() -> Credentials {
    v3(
        V3_USER.into(),
        Some("SHA"),
        Some(V3_AUTH.into()),
        Some("AES"),
        Some(V3_PRIV.into()),
    )
    .unwrap()
}

pub fn v3_sha256() -> Credentials {
    v3(
        V3_USER256.into(),
        Some("SHA-256"),
        Some(V3_AUTH.into()),
        Some("AES"),
        Some(V3_PRIV.into()),
    )
    .unwrap()
}

/// Run `snmpbulkwalk` in the namespace and return (numeric OID, value text) lines.
pub fn snmpbulkwalk(ns: &str, creds: &[&str], oid: &str) -> Vec<String> {
    let out = Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "snmpbulkwalk",
            "-On",
            "-Oq",
            "-Ot",
            "-Ox",
            "-Cr25",
        ])
        .args(creds)
        .args(["127.0.0.1", oid])
        .env("MIBS", "")
        .output()
        .expect("run snmpbulkwalk");
    assert!(
        out.status.success(),
        "snmpbulkwalk: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty() && !l.contains("No more variables") && !l.contains("No Such"))
        .map(str::to_string)
        .collect()
}

pub fn path_of_bin(name: &str) -> PathBuf {
    PathBuf::from(name)
}
