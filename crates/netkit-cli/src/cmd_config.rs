//! `netkit config TOPOLOGY --target frr|ios|linux|openwrt -o DIR`: one configuration
//! file (two for linux) per layer-3 device, one per switch with `ios`, two per access
//! point with `openwrt` (the wireless one 0600), each written atomically into DIR.
use std::path::PathBuf;

use anyhow::{Context, Result};
use netkit_config::{Secrets, Target};

use crate::Outcome;
use crate::common;

#[derive(Clone, Copy, clap::ValueEnum)]
enum TargetArg {
    /// FRR frr.conf (static routes or OSPF).
    Frr,
    /// Cisco IOS 15.x configuration.
    Ios,
    /// `ip -batch` file plus `nft -f` ruleset.
    Linux,
    /// OpenWrt `/etc/config/wireless` and `/etc/config/network` of each access point.
    Openwrt,
}

#[derive(clap::Args)]
pub struct Args {
    /// Topology (YAML) or plan (`netkit plan --format json` output).
    topology: PathBuf,
    /// Kind of configuration to write.
    #[arg(long, short = 't', value_enum)]
    target: TargetArg,
    /// Folder to write into (created if missing). Files are named after the device:
    /// hq.r1.frr.conf, hq.r1.ios.cfg (routers and switches), hq.r1.ip + hq.r1.nft,
    /// hq.ap1.wireless + hq.ap1.network (openwrt).
    #[arg(long, short = 'o', value_name = "DIR")]
    output: PathBuf,
    /// Only these devices (repeat the option); default: every device of the target.
    #[arg(long, value_name = "DEVICE")]
    device: Vec<String>,
    /// Write SNMP secrets and Wi-Fi passphrases in clear, expanding `${VAR}` from the
    /// environment. Without it, secret lines are written commented out with a placeholder.
    #[arg(long)]
    show_secrets: bool,
}

pub fn run(args: Args) -> Result<Outcome> {
    let loaded = common::load(&args.topology)?;
    let target = match args.target {
        TargetArg::Frr => Target::Frr,
        TargetArg::Ios => Target::Ios,
        TargetArg::Linux => Target::Linux,
        TargetArg::Openwrt => Target::Openwrt,
    };
    let env = |name: &str| std::env::var(name).ok();
    let secrets = if args.show_secrets {
        Secrets::Expand(&env)
    } else {
        Secrets::Hidden
    };
    let files = netkit_config::render_all(&loaded.plan, target, &args.device, &secrets)
        .with_context(|| {
            format!(
                "cannot write the {target} configurations of {}",
                args.topology.display()
            )
        })?;
    std::fs::create_dir_all(&args.output).with_context(|| {
        format!(
            "cannot create the folder {}: check the path and your permissions",
            args.output.display()
        )
    })?;
    for f in &files {
        let path = args.output.join(&f.name);
        common::write_atomic(&path, f.contents.as_bytes())?;
        if f.private {
            // A file that holds a passphrase: its owner only (the temporary file was
            // already created 0600; say it explicitly).
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("cannot make {} private", path.display()))?;
        }
        println!("{}", path.display());
    }
    if files.is_empty() && common::show_progress() {
        let what = match target {
            Target::Openwrt => "access point with Wi-Fi",
            _ => "layer-3 device",
        };
        eprintln!("netkit: the plan has no {what}: nothing to write");
    }
    Ok(Outcome::Success)
}
