//! `netkit completions bash|zsh|fish` and `netkit man`: generated from the same clap
//! definitions as the parser, so they never drift from the real options.

use anyhow::Result;
use clap::CommandFactory;

use crate::Outcome;
use crate::common;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

#[derive(clap::Args)]
pub struct Args {
    /// The shell: bash, zsh or fish.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(clap::Args)]
pub struct ManArgs {
    /// Write the page to FILE (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

/// Print the completion script. Install it e.g. with
/// `netkit completions bash > /usr/share/bash-completion/completions/netkit`.
pub fn run(args: Args) -> Result<Outcome> {
    let mut cmd = crate::Cli::command();
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "netkit", &mut out);
    common::emit(None, &String::from_utf8_lossy(&out))?;
    Ok(Outcome::Success)
}

/// The man page (roff) of `netkit` and all its commands, one page: what
/// `docs/netkit.1` ships and `scripts/setup.sh` installs.
pub fn man_page() -> Result<String> {
    // The package version alone, not the commit: the shipped page must not change
    // with every commit.
    let cmd = crate::Cli::command().version(env!("CARGO_PKG_VERSION"));
    let mut out = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    // One section per command, with its own options, so that `man netkit` holds the
    // whole reference (clap_mangen's subcommand section lists names only).
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        let full = format!("netkit {name}");
        let sub = sub.clone().bin_name(full);
        let man = clap_mangen::Man::new(sub.clone());
        out.extend_from_slice(format!(".SH \"NETKIT {}\"\n", name.to_uppercase()).as_bytes());
        let mut syn = Vec::new();
        man.render_synopsis_section(&mut syn)?;
        // Demote the sub-page's section headings to subsections of this page.
        let syn = String::from_utf8_lossy(&syn).replace(".SH SYNOPSIS", ".SS Synopsis");
        out.extend_from_slice(syn.as_bytes());
        let mut desc = Vec::new();
        man.render_description_section(&mut desc)?;
        let desc = String::from_utf8_lossy(&desc).replace(".SH DESCRIPTION", ".SS Description");
        out.extend_from_slice(desc.as_bytes());
        let mut opts = Vec::new();
        man.render_options_section(&mut opts)?;
        let opts = String::from_utf8_lossy(&opts).replace(".SH OPTIONS", ".SS Options");
        out.extend_from_slice(opts.as_bytes());
        for subsub in sub.get_subcommands().filter(|s| !s.is_hide_set()) {
            let line = format!(
                ".TP\n\\fBnetkit {name} {}\\fR\n{}\n",
                subsub.get_name(),
                subsub
                    .get_about()
                    .map(|a| a.to_string())
                    .unwrap_or_default()
            );
            out.extend_from_slice(line.as_bytes());
        }
    }
    out.extend_from_slice(EXIT_STATUS.as_bytes());
    man.render_version_section(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

const EXIT_STATUS: &str = ".SH \"EXIT STATUS\"
.TP
\\fB0\\fR
success (every check passed)
.TP
\\fB1\\fR
the work ran but something failed (a check, a validation)
.TP
\\fB2\\fR
the command could not run (bad arguments, unreadable or invalid input, missing privilege)
.SH ENVIRONMENT
.TP
\\fBNO_COLOR\\fR
when set and not empty, no colour in any output
.TP
\\fBNETKIT_AGENT_TOKEN\\fR
the agents' shared token, when no \\-\\-token\\-file is given
";

pub fn run_man(args: ManArgs) -> Result<Outcome> {
    let page = man_page()?;
    common::emit(args.output.as_deref(), &page)?;
    Ok(Outcome::Success)
}
