//! `netkit bandwidth HOST[:PORT]`: a one-off TCP throughput test from this machine
//! against a `netkit agent` (port 5301) or, with `--iperf3`, a stock `iperf3 -s`
//! (port 5201), the way technicians use `iperf3 -c`.
//!
//! Figures: goodput (TCP payload bits/s counted by the receiver) is what `--min`
//! compares; the on-the-wire rate (Ethernet header included) is shown next to it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, anyhow};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use netkit_bandwidth::net::{Connector, resolve};
use netkit_bandwidth::{
    DEFAULT_AGENT_PORT, DEFAULT_IPERF3_PORT, Direction, Flow, Interval, Report, TestSpec, Tool,
    client, fmt_bytes, fmt_duration, fmt_rate, iperf3,
};

use crate::Outcome;
use crate::common;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(clap::Args)]
pub struct Args {
    /// The server: HOST or HOST:PORT (IPv6 as [ADDR]:PORT). Default port 5301,
    /// or 5201 with --iperf3.
    #[arg(value_name = "HOST[:PORT]")]
    target: String,
    /// File holding the agent's token (else the NETKIT_AGENT_TOKEN environment variable).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Talk to a stock `iperf3 -s` server instead of a netkit agent.
    #[arg(long)]
    iperf3: bool,
    /// Measured time (after the warm-up).
    #[arg(short = 't', long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    duration: std::time::Duration,
    /// Parallel TCP streams (per direction).
    #[arg(short = 'P', long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=128))]
    streams: u16,
    /// The server sends, this machine receives.
    #[arg(short = 'R', long, conflicts_with = "bidir")]
    reverse: bool,
    /// Both directions at once.
    #[arg(long)]
    bidir: bool,
    /// Warm-up before the measured time, shown but not counted (like iperf3 -O).
    #[arg(short = 'O', long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration_or_zero)]
    omit: std::time::Duration,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the result to this file instead of stdout.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Exit 1 when the goodput is below this rate (e.g. 90Mbps).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    min: Option<u64>,
    /// Run the client inside this network namespace (e.g. a lab node's: acme.lyon.r1).
    #[arg(long, value_name = "NAME")]
    netns: Option<String>,
    /// Connection timeout.
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    connect_timeout: std::time::Duration,
}

// The one grammar and message of netkit-units, as in topologies and playbooks.
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    netkit_units::parse_positive_duration(s).map_err(|e| e.to_string())
}

fn parse_duration_or_zero(s: &str) -> Result<std::time::Duration, String> {
    netkit_units::parse_duration(s).map_err(|e| e.to_string())
}

fn parse_rate(s: &str) -> Result<u64, String> {
    netkit_units::parse_rate(s).map_err(|e| e.to_string())
}

pub fn run(args: Args) -> Result<Outcome> {
    let tool = if args.iperf3 {
        Tool::Iperf3
    } else {
        Tool::Netkit
    };
    let port = match tool {
        Tool::Netkit => DEFAULT_AGENT_PORT,
        Tool::Iperf3 => DEFAULT_IPERF3_PORT,
    };
    let addr = resolve(&args.target, port).map_err(|e| anyhow!("{e}"))?;
    let direction = if args.bidir {
        Direction::Bidir
    } else if args.reverse {
        Direction::Reverse
    } else {
        Direction::Forward
    };
    let spec = TestSpec {
        streams: args.streams,
        duration_ms: args.duration.as_millis() as u64,
        omit_ms: args.omit.as_millis() as u64,
        direction,
        ..Default::default()
    };
    spec.validate().map_err(|e| anyhow!("{e}"))?;
    let token = match tool {
        Tool::Netkit => crate::cmd_agent::load_token(args.token_file.as_ref())?,
        Tool::Iperf3 => None,
    };
    let mut connector = Connector::new(args.netns.clone());
    connector.timeout = args.connect_timeout;
    let live =
        args.format == Format::Table && args.output.is_none() && common::stdout_is_terminal();
    if live {
        println!(
            "Testing {addr} ({}): tcp, {} stream(s), {}, {}{}",
            match tool {
                Tool::Netkit => "netkit agent",
                Tool::Iperf3 => "iperf3 server",
            },
            spec.streams,
            direction_words(direction),
            fmt_duration(spec.duration()),
            if spec.omit_ms > 0 {
                format!(" after a {} warm-up", fmt_duration(spec.omit()))
            } else {
                String::new()
            }
        );
        println!("{}", interval_header(direction));
    }
    let on_interval = |i: &Interval| {
        if live {
            println!("{}", interval_line(i));
            let _ = std::io::stdout().flush();
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let report = rt
        .block_on(async {
            match tool {
                Tool::Netkit => {
                    let opts = client::Options {
                        addr,
                        token,
                        spec: spec.clone(),
                        connector,
                    };
                    client::run(&opts, on_interval).await
                }
                Tool::Iperf3 => iperf3::run(addr, &spec, &connector, on_interval).await,
            }
        })
        .map_err(|e| anyhow!("{e}"))?;

    let text = match args.format {
        Format::Json => {
            let mut s =
                serde_json::to_string_pretty(&report).context("cannot encode the result")?;
            s.push('\n');
            s
        }
        Format::Table => render_table(&report, live),
    };
    common::emit(args.output.as_deref(), &text)?;
    if let Some(min) = args.min
        && report.goodput_bps < min as f64
    {
        eprintln!(
            "netkit: goodput {} is below the minimum {}",
            fmt_rate(report.goodput_bps),
            fmt_rate(min as f64)
        );
        return Ok(Outcome::Failure);
    }
    Ok(Outcome::Success)
}

fn direction_words(d: Direction) -> &'static str {
    match d {
        Direction::Forward => "this machine sends",
        Direction::Reverse => "the server sends (reverse)",
        Direction::Bidir => "both directions at once",
    }
}

fn interval_header(d: Direction) -> String {
    match d {
        Direction::Bidir => format!(
            "{:<14} {:>14} {:>6}   {:>14} {:>6}",
            "interval", "sent goodput", "retr", "received", "retr"
        ),
        _ => format!(
            "{:<14} {:>14} {:>12} {:>6}",
            "interval", "goodput", "transfer", "retr"
        ),
    }
}

fn interval_line(i: &Interval) -> String {
    let span = format!("{:5.2}-{:5.2} s", i.start, i.end);
    let retr = |f: &Flow| f.retransmits.map_or("-".to_string(), |r| r.to_string());
    let tail = if i.omitted { "  (warm-up)" } else { "" };
    match (&i.forward, &i.reverse) {
        (Some(f), Some(r)) => format!(
            "{span:<14} {:>14} {:>6}   {:>14} {:>6}{tail}",
            fmt_rate(f.goodput_bps),
            retr(f),
            fmt_rate(r.goodput_bps),
            retr(r)
        ),
        (Some(f), None) | (None, Some(f)) => format!(
            "{span:<14} {:>14} {:>12} {:>6}{tail}{}",
            fmt_rate(f.goodput_bps),
            fmt_bytes(f.bytes),
            retr(f),
            if f.measured_by == "sender" {
                "  (sender side)"
            } else {
                ""
            }
        ),
        (None, None) => span,
    }
}

fn render_table(r: &Report, live_shown: bool) -> String {
    let mut out = String::new();
    if !live_shown {
        out.push_str(&format!(
            "Test against {} ({}): tcp, {} stream(s), {}, {}{}\n",
            r.server,
            r.tool.as_str(),
            r.streams,
            direction_words(r.direction),
            fmt_duration(std::time::Duration::from_secs_f64(r.duration_s)),
            if r.omit_s > 0.0 {
                format!(
                    " after a {} warm-up",
                    fmt_duration(std::time::Duration::from_secs_f64(r.omit_s))
                )
            } else {
                String::new()
            }
        ));
        out.push_str(&interval_header(r.direction));
        out.push('\n');
        for i in &r.intervals {
            out.push_str(&interval_line(i));
            out.push('\n');
        }
    }
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED);
    t.set_header(vec![
        "direction",
        "transfer",
        "time",
        "goodput",
        "on the wire (est.)",
        "retransmits",
    ]);
    let mut row = |name: &str, f: &Flow| {
        t.add_row(vec![
            Cell::new(name),
            Cell::new(fmt_bytes(f.bytes)).set_alignment(CellAlignment::Right),
            Cell::new(format!("{:.2} s", f.seconds)).set_alignment(CellAlignment::Right),
            Cell::new(fmt_rate(f.goodput_bps)).set_alignment(CellAlignment::Right),
            Cell::new(fmt_rate(f.wire_bps)).set_alignment(CellAlignment::Right),
            Cell::new(f.retransmits.map_or("-".into(), |x| x.to_string()))
                .set_alignment(CellAlignment::Right),
        ]);
    };
    if let Some(f) = &r.forward {
        row("sent (client -> server)", f);
    }
    if let Some(f) = &r.reverse {
        row("received (server -> client)", f);
    }
    out.push_str(&t.to_string());
    out.push('\n');
    out.push_str(&format!(
        "Goodput: {} (TCP payload counted by the receiver; thresholds compare this). On the wire: about {} (MSS {} bytes, MTU {}).\n",
        fmt_rate(r.goodput_bps),
        fmt_rate(r.wire_bps),
        r.mss,
        r.mtu
    ));
    out
}
