//! The daemons of a lab: FRR (zebra, ospfd) per router with its own config, pid and
//! socket directories, snmpd and dnsmasq, started in their namespaces and checked.

use super::*;

pub(super) fn start_daemons(
    plan: &Plan,
    d: &Design,
    opts: &UpOptions,
    st: &mut LabState,
    files: &[File],
    routing: RoutingMode,
    spawned: &mut Vec<Spawned>,
) -> Result<Started> {
    let lab = opts.lab.as_str();
    let daemons = Daemons {
        plan,
        d,
        opts,
        lab,
        dir: state_dir(lab),
        files,
    };
    let without_listener = daemons.listeners(spawned)?;
    daemons.dnsmasq(spawned)?;
    if let Some(snmp) = &plan.snmp {
        daemons.snmpd(snmp, spawned)?;
    }
    let mut ospf_started = None;
    if routing == RoutingMode::Ospf {
        ospf_started = Some(daemons.frr(st, spawned)?);
    }
    Ok((ospf_started, without_listener))
}

/// What every daemon of a lab is started from: the plan, the design, the lab's
/// folder and a namespace file per node.
struct Daemons<'a> {
    plan: &'a Plan,
    d: &'a Design,
    opts: &'a UpOptions,
    lab: &'a str,
    dir: PathBuf,
    files: &'a [File],
}

/// A router of the design: its index among the nodes, and the node.
type Router<'a> = (usize, &'a crate::design::NodeDesign);

/// Create the folder `p` and its parents.
fn mkdir(p: &Path) -> Result<()> {
    std::fs::create_dir_all(p)
        .map_err(|e| Error::step("create folder", &p.display().to_string(), e))
}

impl Daemons<'_> {
    fn node_index(&self, id: &str) -> Option<usize> {
        self.d.nodes.iter().position(|n| n.id == id)
    }

    /// Service listeners on named hosts. Gives the number of services left without
    /// one (no listener program given).
    fn listeners(&self, spawned: &mut Vec<Spawned>) -> Result<usize> {
        let (plan, opts) = (self.plan, self.opts);
        let mut without_listener = 0;
        for seg in plan.segments() {
            for n in seg.named.iter().filter(|n| !n.services.is_empty()) {
                let Some(i) = self.node_index(&n.id) else {
                    continue;
                };
                let Some(prefix) = &opts.listener else {
                    without_listener += n.services.len();
                    continue;
                };
                // On the DNS server, dnsmasq itself answers port 53: a listener there would
                // take the port from it.
                let is_dns_server = plan.dns.as_ref().is_some_and(|dns| dns.server == n.id);
                let ports: Vec<String> = n
                    .services
                    .iter()
                    .filter(|s| !(is_dns_server && s.port == 53))
                    .map(|s| s.to_string())
                    .collect();
                if ports.is_empty() {
                    continue;
                }
                let mut argv = prefix.clone();
                for p in ports {
                    argv.push("--port".into());
                    argv.push(p);
                }
                let logs = self.dir.join("logs");
                mkdir(&logs)?;
                opts.say(&format!("listener on {}", n.id));
                spawned.push(procs::spawn(
                    &n.id,
                    "listener",
                    &self.files[i],
                    argv,
                    &logs.join(format!("{}.listener.log", n.id)),
                    &[],
                )?);
            }
        }
        Ok(without_listener)
    }

    /// DNS: dnsmasq in the server's named-host namespace.
    fn dnsmasq(&self, spawned: &mut Vec<Spawned>) -> Result<()> {
        let plan = self.plan;
        let Some(dns) = &plan.dns else { return Ok(()) };
        let Some(i) = self.node_index(&dns.server) else {
            return Ok(());
        };
        let ddir = self.dir.join("dns");
        mkdir(&ddir)?;
        let listen: Vec<IpAddr> = self.d.addresses_of(i).iter().map(|a| a.addr()).collect();
        if let Some(conf) = services::dnsmasq_conf(plan, &listen, &ddir) {
            let path = ddir.join("dnsmasq.conf");
            std::fs::write(&path, conf).map_err(|e| {
                Error::step(
                    "write dnsmasq configuration",
                    &path.display().to_string(),
                    e,
                )
            })?;
            self.opts.say(&format!("dnsmasq on {}", dns.server));
            let argv = vec![
                "dnsmasq".to_string(),
                "--keep-in-foreground".into(),
                format!("--conf-file={}", path.display()),
                format!("--log-facility={}", ddir.join("dnsmasq.log").display()),
            ];
            spawned.push(procs::spawn(
                &dns.server,
                "dnsmasq",
                &self.files[i],
                argv,
                &ddir.join("dnsmasq.out"),
                &[],
            )?);
        }
        Ok(())
    }

    /// The value of one SNMP secret: the topology's (expanded), else `default`, else
    /// a random one; written to the lab's secrets.
    fn secret(&self, key: &str, written: Option<&String>, default: Option<&str>) -> Result<String> {
        let value = match written.and_then(|w| services::expand_env(w)) {
            Some(v) => v,
            None => match default {
                Some(v) => v.to_string(),
                None => services::random_secret()
                    .map_err(|e| Error::step("generate a secret", key, e))?,
            },
        };
        state::write_secret(self.lab, key, &value)?;
        Ok(value)
    }

    /// The lab's SNMP secrets, written to its secrets folder and checked to fit in
    /// snmpd.conf.
    fn snmp_secrets(&self, snmp: &netkit_plan::SnmpPlan) -> Result<services::SnmpSecrets> {
        let lab = self.lab;
        let community = self.secret("snmp-community", snmp.community.as_ref(), None)?;
        let user = self.secret("snmp-user", snmp.user.as_ref(), Some("netkit"))?;
        let mut auth = self.secret("snmp-auth-password", snmp.auth_password.as_ref(), None)?;
        let mut privacy = self.secret("snmp-priv-password", snmp.priv_password.as_ref(), None)?;
        // net-snmp refuses passphrases shorter than 8 characters.
        if auth.len() < 8 {
            auth = self.secret("snmp-auth-password", None, None)?;
        }
        if privacy.len() < 8 {
            privacy = self.secret("snmp-priv-password", None, None)?;
        }
        let auth_protocol =
            services::auth_protocol(snmp.auth_protocol.as_deref()).ok_or_else(|| {
                Error::step(
                    "configure snmpd",
                    "snmp.auth_protocol",
                    "unknown authentication protocol: use SHA, SHA-256, SHA-512 or MD5",
                )
            })?;
        let priv_protocol =
            services::priv_protocol(snmp.priv_protocol.as_deref()).ok_or_else(|| {
                Error::step(
                    "configure snmpd",
                    "snmp.priv_protocol",
                    "unknown privacy protocol: use AES, AES-256 or DES",
                )
            })?;
        state::write_secret(lab, "snmp-auth-protocol", auth_protocol)?;
        state::write_secret(lab, "snmp-priv-protocol", priv_protocol)?;
        for (key, value) in [
            ("snmp-community", &community),
            ("snmp-user", &user),
            ("snmp-auth-password", &auth),
            ("snmp-priv-password", &privacy),
        ] {
            if !services::secret_is_plain(value) {
                return Err(Error::step(
                    "configure snmpd",
                    key,
                    "the value has spaces, quotes, '#' or non-ASCII characters that snmpd.conf cannot hold: choose a plain one",
                ));
            }
        }
        Ok(services::SnmpSecrets {
            community,
            user,
            auth_protocol,
            auth,
            priv_protocol,
            privacy,
            cache_community: self.secret("snmp-cache-community", None, None)?,
        })
    }

    /// SNMP: snmpd in every layer-3 device.
    fn snmpd(&self, snmp: &netkit_plan::SnmpPlan, spawned: &mut Vec<Spawned>) -> Result<()> {
        let (plan, d) = (self.plan, self.d);
        let secrets = self.snmp_secrets(snmp)?;
        for (i, node) in d
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == NodeKind::Device)
        {
            let sdir = self.dir.join("snmp").join(&node.id);
            mkdir(&sdir)?;
            let _ = std::fs::set_permissions(
                &sdir,
                std::os::unix::fs::PermissionsExt::from_mode(0o700),
            );
            let addrs: Vec<IpAddr> = d.addresses_of(i).iter().map(|a| a.addr()).collect();
            let location = plan
                .device(&node.id)
                .and_then(|dev| plan.sites.iter().find(|s| s.name == dev.site))
                .and_then(|s| s.location.clone())
                .unwrap_or_default();
            let conf = services::snmpd_conf(&node.id, &location, &addrs, &secrets);
            let path = sdir.join("snmpd.conf");
            write_private(&path, &conf)?;
            let argv = vec![
                "snmpd".to_string(),
                "-f".into(),
                "-C".into(),
                "-c".into(),
                path.display().to_string(),
                "-p".into(),
                sdir.join("snmpd.pid").display().to_string(),
                "-Lf".into(),
                sdir.join("snmpd.log").display().to_string(),
            ];
            self.opts.say(&format!("snmpd on {}", node.id));
            let env = [("SNMP_PERSISTENT_DIR", sdir.display().to_string())];
            spawned.push(procs::spawn(
                &node.id,
                "snmpd",
                &self.files[i],
                argv,
                &sdir.join("snmpd.out"),
                &env,
            )?);
        }
        Ok(())
    }

    /// OSPF: zebra, then ospfd, in every router, each with its own pathspace.
    /// Gives when the last ospfd was about to start.
    fn frr(&self, st: &mut LabState, spawned: &mut Vec<Spawned>) -> Result<Instant> {
        let routers: Vec<Router> = self
            .d
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.kind == NodeKind::Device)
            .collect();
        let waits = self.zebras(&routers, st, spawned)?;
        wait_for_zebra(&waits, spawned)?;
        let ospf_started = Instant::now();
        self.ospfds(&routers, spawned)?;
        Ok(ospf_started)
    }

    /// Write each router's zebra and ospfd configurations and start its zebra.
    /// Gives the zebra sockets to wait for.
    fn zebras(
        &self,
        routers: &[Router],
        st: &mut LabState,
        spawned: &mut Vec<Spawned>,
    ) -> Result<Vec<PathBuf>> {
        let (uid, gid) = frr_ids();
        let mut waits = Vec::new();
        for (i, node) in routers {
            let fdir = self.dir.join("frr").join(&node.id);
            mkdir(&fdir)?;
            let ps = crate::frr_pathspace(self.lab, &node.id);
            let run = Path::new(FRR_RUN).join(&ps);
            if !run.exists() {
                mkdir(&run)?;
                st.files.push(run.clone());
            }
            chown(&fdir, uid, gid);
            chown(&run, uid, gid);
            let zconf = fdir.join("zebra.conf");
            std::fs::write(&zconf, services::zebra_conf(&node.id)).map_err(|e| {
                Error::step("write zebra configuration", &zconf.display().to_string(), e)
            })?;
            let oconf = fdir.join("ospfd.conf");
            let Some(text) = services::ospfd_conf(self.plan, &node.id) else {
                return Err(Error::step(
                    "write ospfd configuration",
                    &node.id,
                    "the plan has no OSPF design for this router",
                ));
            };
            std::fs::write(&oconf, text).map_err(|e| {
                Error::step("write ospfd configuration", &oconf.display().to_string(), e)
            })?;
            for f in [&zconf, &oconf] {
                chown(f, uid, gid);
            }
            self.opts.say(&format!("zebra on {}", node.id));
            let mut z = procs::spawn(
                &node.id,
                "zebra",
                &self.files[*i],
                frr_argv("zebra", &ps, &zconf, &fdir),
                &fdir.join("zebra.out"),
                &[],
            )?;
            z.state.pathspace = Some(ps.clone());
            spawned.push(z);
            waits.push(run.join("zserv.api"));
        }
        Ok(waits)
    }

    /// Start each router's ospfd, once its zebra is up.
    fn ospfds(&self, routers: &[Router], spawned: &mut Vec<Spawned>) -> Result<()> {
        for (i, node) in routers {
            let fdir = self.dir.join("frr").join(&node.id);
            let oconf = fdir.join("ospfd.conf");
            let ps = crate::frr_pathspace(self.lab, &node.id);
            self.opts.say(&format!("ospfd on {}", node.id));
            let mut o = procs::spawn(
                &node.id,
                "ospfd",
                &self.files[*i],
                frr_argv("ospfd", &ps, &oconf, &fdir),
                &fdir.join("ospfd.out"),
                &[],
            )?;
            o.state.pathspace = Some(ps);
            spawned.push(o);
        }
        Ok(())
    }
}

/// ospfd needs zebra's socket: wait up to 15 s for every one of them.
fn wait_for_zebra(waits: &[PathBuf], spawned: &mut [Spawned]) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(15);
    while waits.iter().any(|w| !w.exists()) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    if let Some(w) = waits.iter().find(|w| !w.exists()) {
        check_started(spawned)?;
        return Err(Error::step(
            "start zebra",
            &w.display().to_string(),
            "zebra's socket did not appear within 15 s",
        ));
    }
    Ok(())
}

pub(super) fn frr_argv(daemon: &str, pathspace: &str, conf: &Path, dir: &Path) -> Vec<String> {
    vec![
        format!("{FRR_DIR}/{daemon}"),
        "-N".into(),
        pathspace.into(),
        "-f".into(),
        conf.display().to_string(),
        "-i".into(),
        dir.join(format!("{daemon}.pid")).display().to_string(),
        "--log".into(),
        format!("file:{}", dir.join(format!("{daemon}.log")).display()),
        // No TCP vty: vtysh talks to the daemons through their pathspace sockets.
        "-P".into(),
        "0".into(),
    ]
}

pub(super) fn frr_ids() -> (Option<u32>, Option<u32>) {
    let user = nix::unistd::User::from_name("frr").ok().flatten();
    (
        user.as_ref().map(|u| u.uid.as_raw()),
        user.map(|u| u.gid.as_raw()),
    )
}

pub(super) fn chown(path: &Path, uid: Option<u32>, gid: Option<u32>) {
    let _ = std::os::unix::fs::chown(path, uid, gid);
}

pub(super) fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::step("write configuration", &path.display().to_string(), e))
}

/// Fail if a daemon we started has already exited, with the end of its log.
pub(super) fn check_started(spawned: &mut [Spawned]) -> Result<()> {
    let deadline = Instant::now() + Duration::from_millis(300);
    loop {
        for s in spawned.iter_mut() {
            if let Ok(Some(status)) = s.child.try_wait() {
                let log = s
                    .state
                    .log
                    .as_deref()
                    .map(procs::log_tail)
                    .unwrap_or_default();
                return Err(Error::step(
                    &format!("start {}", s.state.program),
                    &s.state.node,
                    format!("it exited ({status}): {log}"),
                ));
            }
        }
        if Instant::now() >= deadline {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(super) fn run_plain(argv: &[String], step: &str, object: &str) -> Result<()> {
    let out = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .output()
        .map_err(|e| Error::step(step, object, format!("cannot run {}: {e}", argv[0])))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::step(
            step,
            object,
            format!(
                "{} failed: {}",
                argv[0],
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        ))
    }
}

/// Run `f` on every item with a few threads; the first error wins.
pub(super) fn parallel<T: Sync>(items: &[T], f: impl Fn(&T) -> Result<()> + Sync) -> Result<()> {
    let next = AtomicUsize::new(0);
    let err: Mutex<Option<Error>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..8.min(items.len()) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= items.len() {
                        break;
                    }
                    if let Err(e) = f(&items[i])
                        && let Ok(mut slot) = err.lock()
                    {
                        slot.get_or_insert(e);
                    }
                }
            });
        }
    });
    match err.into_inner().ok().flatten() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
