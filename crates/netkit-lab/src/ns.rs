//! Named network namespaces made the way iproute2 makes them, without forking:
//! `unshare(CLONE_NEWNET)` on a dedicated thread, then a bind mount of that thread's
//! `/proc/self/task/TID/ns/net` onto `/run/netns/NAME`.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};

use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sched::{CloneFlags, unshare};

use crate::{Error, Result};

pub use netkit_netns::{NETNS_RUN_DIR, exists, path_of};

/// Make sure `/run/netns` exists and is a shared mount point, as `ip netns add`
/// does, so that namespace mounts propagate to other mount namespaces.
pub fn ensure_run_dir() -> Result<()> {
    let dir = Path::new(NETNS_RUN_DIR);
    std::fs::create_dir_all(dir).map_err(|e| Error::step("create /run/netns", "/run/netns", e))?;
    let shared = || {
        mount(
            None::<&str>,
            dir,
            Some("none"),
            MsFlags::MS_SHARED | MsFlags::MS_REC,
            None::<&str>,
        )
    };
    match shared() {
        Ok(()) => Ok(()),
        Err(nix::errno::Errno::EINVAL) => {
            mount(
                Some(dir),
                dir,
                Some("none"),
                MsFlags::MS_BIND | MsFlags::MS_REC,
                None::<&str>,
            )
            .map_err(|e| Error::step("bind-mount /run/netns", "/run/netns", e))?;
            shared().map_err(|e| Error::step("make /run/netns shared", "/run/netns", e))
        }
        Err(e) => Err(Error::step("make /run/netns shared", "/run/netns", e)),
    }
}

/// What to set inside a new namespace right after it is made, before any
/// interface exists (so that `conf/default` applies to every interface).
#[derive(Debug, Clone, Copy)]
pub struct NsSetup {
    /// IPv4 and IPv6 forwarding (layer-3 devices).
    pub forwarding: bool,
}

/// Create the named namespace `name` and run `then` inside it (on the same thread,
/// which is then dropped). The namespace file is removed again if anything fails.
pub fn create<T, F>(name: &str, setup: NsSetup, then: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    let path = path_of(name);
    // O_EXCL: never reuse a namespace that someone else made.
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o444)
        .open(&path)
        .map_err(|e| {
            Error::step(
                "create network namespace file",
                &path.display().to_string(),
                e,
            )
        })?;
    let owned = name.to_string();
    let path2 = path.clone();
    let result = std::thread::Builder::new()
        .name(format!("mkns-{name}"))
        .spawn(move || -> Result<T> {
            unshare(CloneFlags::CLONE_NEWNET)
                .map_err(|e| Error::step("unshare a new network namespace", &owned, e))?;
            let tid = nix::unistd::gettid();
            let me = format!("/proc/self/task/{tid}/ns/net");
            mount(
                Some(me.as_str()),
                &path2,
                Some("none"),
                MsFlags::MS_BIND,
                None::<&str>,
            )
            .map_err(|e| Error::step("bind-mount the network namespace", &owned, e))?;
            let mut sysctls: Vec<(&str, &str)> = vec![
                // No duplicate address detection: addresses are usable at once.
                ("/proc/sys/net/ipv6/conf/all/accept_dad", "0"),
                ("/proc/sys/net/ipv6/conf/default/accept_dad", "0"),
                ("/proc/sys/net/ipv6/conf/default/dad_transmits", "0"),
            ];
            if setup.forwarding {
                sysctls.push(("/proc/sys/net/ipv4/ip_forward", "1"));
                sysctls.push(("/proc/sys/net/ipv6/conf/all/forwarding", "1"));
                sysctls.push(("/proc/sys/net/ipv6/conf/default/forwarding", "1"));
            }
            for (file, value) in sysctls {
                write_sysctl(file, value)
                    .map_err(|e| Error::step("set sysctl", &format!("{owned}: {file}"), e))?;
            }
            then()
        })
        .map_err(|e| Error::step("start a thread", name, e))
        .and_then(|h| {
            h.join().map_err(|_| {
                Error::Other(format!(
                    "the thread creating network namespace {name} panicked"
                ))
            })?
        });
    if result.is_err() {
        let _ = umount2(&path, MntFlags::MNT_DETACH);
        let _ = std::fs::remove_file(&path);
    }
    result
}

fn write_sysctl(file: &str, value: &str) -> std::io::Result<()> {
    match OpenOptions::new().write(true).open(file) {
        Ok(mut f) => f.write_all(value.as_bytes()),
        // IPv6 may be disabled on this kernel: nothing to set then.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && file.contains("ipv6") => Ok(()),
        Err(e) => Err(e),
    }
}

/// Delete the named namespace: unmount and remove `/run/netns/NAME`. The kernel
/// frees it (and its interfaces) once no process is left in it.
pub fn delete(name: &str) -> Result<()> {
    let path = path_of(name);
    if !path.exists() {
        return Ok(());
    }
    match umount2(&path, MntFlags::MNT_DETACH) {
        Ok(()) | Err(nix::errno::Errno::EINVAL) | Err(nix::errno::Errno::ENOENT) => {}
        Err(e) => return Err(Error::step("unmount network namespace", name, e)),
    }
    std::fs::remove_file(&path).map_err(|e| Error::step("remove network namespace file", name, e))
}

/// Open the namespace file (to `setns` into it or to move interfaces there).
pub fn open(name: &str) -> Result<File> {
    File::open(path_of(name)).map_err(|e| Error::step("open network namespace", name, e))
}

/// Build a command that runs inside the namespace `ns` (an open namespace file):
/// `setns` happens in the child between fork and exec, so no thread of ours moves.
/// `new_session`: detach from our terminal and process group (daemons).
pub fn command_in(ns: &File, argv: &[String], new_session: bool) -> Result<Command> {
    let Some((program, args)) = argv.split_first() else {
        return Err(Error::Other("empty command line".into()));
    };
    let mut cmd = Command::new(program);
    cmd.args(args);
    let fd = ns.as_raw_fd();
    // SAFETY: setns and setsid are async-signal-safe system calls; the closure
    // allocates nothing and touches no lock.
    unsafe {
        cmd.pre_exec(move || {
            if libc::setns(fd, libc::CLONE_NEWNET) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if new_session && libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    Ok(cmd)
}

/// Run a short command in a namespace and wait for it; its stderr goes into the error.
pub fn run_tool(ns: &File, argv: &[String], step: &str, object: &str) -> Result<()> {
    let out = command_in(ns, argv, false)?
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::step(step, object, format!("cannot run {}: {e}", argv[0])))?;
    if out.status.success() {
        Ok(())
    } else {
        let msg = String::from_utf8_lossy(&out.stderr)
            .trim()
            .replace('\n', " / ");
        Err(Error::step(
            step,
            object,
            format!("{} failed ({}): {msg}", argv[0], out.status),
        ))
    }
}
