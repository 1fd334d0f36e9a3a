//! Two network namespaces joined by a veth pair, deleted when the guard drops
//! (even when the test panics). Needs root; see `need_root`.

#![allow(dead_code)]

use std::process::Command;

/// Whether namespace tests can run. Not root and not in CI: skip with a note.
/// In CI (CI=true) they must run: not being root there is a failure.
pub fn need_root(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{test}: CI must run namespace tests as root");
    }
    eprintln!("{test}: skipped (needs root to create network namespaces)");
    false
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub struct Pair {
    /// Namespace of the client side (address 192.0.2.1).
    pub a: String,
    /// Namespace of the server side (address 192.0.2.2).
    pub b: String,
    pub veth_a: String,
    pub veth_b: String,
}

pub const ADDR_A: &str = "192.0.2.1";
pub const ADDR_B: &str = "192.0.2.2";

impl Pair {
    /// Fresh namespaces with unique names (pid + random), a veth between them, up.
    pub fn new() -> Pair {
        let tag = format!("{:x}{:04x}", std::process::id() & 0xffff, rand_u16());
        let p = Pair {
            a: format!("nkt{tag}a"),
            b: format!("nkt{tag}b"),
            veth_a: format!("nk{tag}a"),
            veth_b: format!("nk{tag}b"),
        };
        ip(&["netns", "add", &p.a]);
        // From here on, Drop cleans up whatever was made.
        ip(&["netns", "add", &p.b]);
        ip(&[
            "link", "add", &p.veth_a, "type", "veth", "peer", "name", &p.veth_b,
        ]);
        ip(&["link", "set", &p.veth_a, "netns", &p.a]);
        ip(&["link", "set", &p.veth_b, "netns", &p.b]);
        ip(&[
            "-n",
            &p.a,
            "addr",
            "add",
            &format!("{ADDR_A}/24"),
            "dev",
            &p.veth_a,
        ]);
        ip(&[
            "-n",
            &p.b,
            "addr",
            "add",
            &format!("{ADDR_B}/24"),
            "dev",
            &p.veth_b,
        ]);
        for (ns, dev) in [(&p.a, &p.veth_a), (&p.b, &p.veth_b)] {
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
        }
        p
    }

    /// Shape the egress of side `a` (true) or `b` (false) with tbf at `mbit`.
    pub fn shape(&self, side_a: bool, mbit: u64) {
        let (ns, dev) = if side_a {
            (&self.a, &self.veth_a)
        } else {
            (&self.b, &self.veth_b)
        };
        // 5 ms of burst (at least two full frames), 50 ms of queue.
        let burst = (mbit * 1_000_000 / 8 / 200).max(3028);
        let out = Command::new("ip")
            .args([
                "netns", "exec", ns, "tc", "qdisc", "replace", "dev", dev, "root", "tbf",
            ])
            .args([
                "rate",
                &format!("{mbit}mbit"),
                "burst",
                &burst.to_string(),
                "latency",
                "50ms",
            ])
            .output()
            .expect("run tc");
        assert!(
            out.status.success(),
            "tc tbf: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

fn rand_u16() -> u16 {
    let mut b = [0u8; 2];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        use std::io::Read;
        let _ = f.read_exact(&mut b);
    }
    u16::from_le_bytes(b)
}
