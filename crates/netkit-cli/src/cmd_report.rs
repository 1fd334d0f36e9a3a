//! `netkit report TOPOLOGY [--results RESULTS.json] [--lang fr|en] -o DIR`: the
//! documents (see `netkit-report`). The folder is filled atomically: every file is
//! written into a temporary folder next to DIR first, then moved in, so that DIR never
//! holds a half-written set.

use std::path::{Path, PathBuf};

use netkit_model::terminal::safe_multiline;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use netkit_report::{Lang, Options, ReportFile};
use netkit_results::Results;

use crate::Outcome;
use crate::common;

#[derive(clap::Args)]
pub struct Args {
    /// Topology (YAML) or plan (`netkit plan --format json`).
    pub topology: PathBuf,
    /// Acceptance results (`netkit verify ... --format json`); without them the
    /// documents say that no test was run yet.
    #[arg(long, value_name = "RESULTS.json")]
    pub results: Option<PathBuf>,
    /// Language of the documents.
    #[arg(long, default_value = "fr", value_parser = ["fr", "en"])]
    pub lang: String,
    /// Technician named on the intervention sheets (default: the results', then the playbook's).
    #[arg(long, value_name = "NAME")]
    pub technician: Option<String>,
    /// Requester named on the intervention sheets (default: the results', then the playbook's).
    #[arg(long, value_name = "NAME")]
    pub requester: Option<String>,
    /// Acceptance playbook: its name, deadline, technician and requester fill the sheets.
    #[arg(long, value_name = "PLAYBOOK")]
    pub playbook: Option<PathBuf>,
    /// Deadline of the intervention, RFC 3339 (default: the results', then the playbook's).
    #[arg(long, value_name = "RFC3339")]
    pub deadline: Option<String>,
    /// Date printed on the documents, YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else today).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<NaiveDate>,
    /// Start of the intervention, RFC 3339 (default: the first test's start).
    #[arg(long, value_name = "RFC3339")]
    pub started: Option<String>,
    /// End of the intervention, RFC 3339 (default: the last test's end).
    #[arg(long, value_name = "RFC3339")]
    pub finished: Option<String>,
    /// Also write dossier.pdf (A4, printed by headless Chromium; see ARCHITECTURE.md).
    #[arg(long)]
    pub pdf: bool,
    /// Output folder (created if missing; existing files of the same names are replaced).
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: PathBuf,
}

pub fn run(args: Args) -> Result<Outcome> {
    let lang = Lang::parse(&args.lang).unwrap_or_default();
    let loaded = common::load(&args.topology)?;
    let results = match &args.results {
        Some(p) => Some(read_results(p)?),
        None => None,
    };
    let mut options = Options::new(lang, report_date(args.date)?);
    options.technician = args.technician.clone();
    options.requester = args.requester.clone();
    options.deadline = args.deadline.clone();
    options.started = args.started.clone();
    options.finished = args.finished.clone();
    // Times in the machine's zone (`TZ` honoured), at the offset in force when the
    // test ran.
    let at = results
        .as_ref()
        .and_then(|r| chrono::DateTime::parse_from_rfc3339(&r.started).ok())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(chrono::Utc::now);
    options.time_zone = local_zone(at);
    if let Some(pb) = &args.playbook {
        let text = String::from_utf8(common::read_file(pb)?)
            .with_context(|| format!("{} is not UTF-8 text", pb.display()))?;
        match netkit_verify::playbook::parse(pb, &text) {
            Ok(p) => {
                options.playbook = Some(p.name);
                options.deadline = options.deadline.or(p.deadline);
                // The results say who ran the test; the playbook only what was planned.
                let res_tech = results.as_ref().and_then(|r| r.technician.clone());
                let res_req = results.as_ref().and_then(|r| r.requester.clone());
                options.technician = options.technician.or(res_tech).or(p.technician);
                options.requester = options.requester.or(res_req).or(p.requester);
            }
            Err(errors) => {
                for e in &errors {
                    eprintln!("{}", safe_multiline(&e.to_string()));
                }
                bail!(
                    "{} is not a valid playbook ({} problem(s) above): fix it or leave out --playbook",
                    pb.display(),
                    errors.len()
                );
            }
        }
    }
    let files = netkit_report::render(&loaded.plan, results.as_ref(), &options)
        .with_context(|| format!("cannot make the documents of {}", args.topology.display()))?;
    write_folder(&args.output, &files)?;
    if args.pdf {
        let pages = crate::pdf::write(&args.output)?;
        if common::show_progress() {
            eprintln!(
                "netkit: wrote {} ({pages} pages)",
                args.output.join("dossier.pdf").display()
            );
        }
    }
    if common::show_progress() {
        eprintln!(
            "netkit: wrote {} files into {} (open {})",
            files.len(),
            args.output.display(),
            args.output.join("index.html").display()
        );
    }
    Ok(Outcome::Success)
}

fn read_results(path: &Path) -> Result<Results> {
    let bytes = common::read_file(path)?;
    let text = String::from_utf8(bytes)
        .with_context(|| format!("{} is not UTF-8 text", path.display()))?;
    Results::from_json(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not netkit results: {e}: produce them with `netkit verify PLAYBOOK --format json -o {}`",
            path.display(),
            e.line(),
            e.column(),
            path.display()
        )
    })
}

/// The machine's time zone at `at`: its name from `TZ`, `/etc/timezone` or the
/// `/etc/localtime` link, its offset from the system's rules.
fn local_zone(at: chrono::DateTime<chrono::Utc>) -> netkit_report::TimeZone {
    use chrono::Offset;
    let offset = at
        .with_timezone(&chrono::Local)
        .offset()
        .fix()
        .local_minus_utc();
    let name = std::env::var("TZ")
        .ok()
        .map(|t| t.trim_start_matches(':').to_string())
        .filter(|t| !t.is_empty() && !t.starts_with('/'))
        .or_else(|| {
            std::fs::read_to_string("/etc/timezone")
                .ok()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
        })
        .or_else(|| {
            std::fs::read_link("/etc/localtime").ok().and_then(|p| {
                let s = p.to_string_lossy().to_string();
                s.split_once("zoneinfo/").map(|(_, z)| z.to_string())
            })
        })
        .map(|n| {
            if n == "Etc/UTC" || n == "UTC0" {
                "UTC".to_string()
            } else {
                n
            }
        })
        .unwrap_or_else(|| "UTC".to_string());
    netkit_report::TimeZone {
        name,
        offset_seconds: offset,
    }
}

/// `--date`, else `SOURCE_DATE_EPOCH` (reproducible builds), else today (UTC).
fn report_date(date: Option<NaiveDate>) -> Result<NaiveDate> {
    if let Some(d) = date {
        return Ok(d);
    }
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        let secs: i64 = s.trim().parse().with_context(|| {
            format!("SOURCE_DATE_EPOCH is `{s}`, not a number of seconds: unset it or fix it")
        })?;
        let t = chrono::DateTime::from_timestamp(secs, 0).with_context(|| {
            format!("SOURCE_DATE_EPOCH `{s}` is out of range: unset it or fix it")
        })?;
        return Ok(t.date_naive());
    }
    Ok(chrono::Utc::now().date_naive())
}

/// Write every file into a temporary folder next to `dir`, then move them in: a new
/// `dir` appears whole (one rename); in an existing one each file is replaced
/// atomically.
fn write_folder(dir: &Path, files: &[ReportFile]) -> Result<()> {
    use std::io::Write;
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{} exists and is not a folder: choose another -o DIR",
            dir.display()
        );
    }
    std::fs::create_dir_all(&parent).with_context(|| {
        format!(
            "cannot create {}: check the path and your rights",
            parent.display()
        )
    })?;
    let tmp = tempfile::Builder::new()
        .prefix(".netkit-report-")
        .tempdir_in(&parent)
        .with_context(|| {
            format!(
                "cannot write into {}: check that it is writable",
                parent.display()
            )
        })?;
    for f in files {
        let path = tmp.path().join(&f.name);
        let mut file = std::fs::File::create(&path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.write_all(&f.bytes)
            .and_then(|_| file.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if !dir.exists() {
        let kept = tmp.keep();
        if let Err(e) = std::fs::rename(&kept, dir) {
            let _ = std::fs::remove_dir_all(&kept);
            return Err(e).with_context(|| format!("cannot create {}", dir.display()));
        }
        return Ok(());
    }
    for f in files {
        std::fs::rename(tmp.path().join(&f.name), dir.join(&f.name))
            .with_context(|| format!("cannot write {}", dir.join(&f.name).display()))?;
    }
    Ok(())
}
