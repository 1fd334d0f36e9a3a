//! netkit's documents: a [`Plan`] (and, when the acceptance test ran, its
//! [`Results`]) in, the files a technician hands in out — topology diagram (SVG drawn
//! by netkit's own layout, Graphviz DOT, Mermaid, draw.io), addressing plan and routing
//! tables (CSV, Markdown, NetBox import), acceptance report, intervention sheets and
//! one self-contained printable `index.html`, in French or English.
//!
//! Pure: no IO, no clock, no tokio. [`render`] returns file names and bytes; the CLI
//! writes them. The same input (including [`Options::date`]) gives the same bytes.
//! Free text from the topology is escaped for every syntax (see `esc`).

mod acceptance;
mod access_diagram;
mod appendix;
mod atlas;
mod cabling;
mod diagram;
mod esc;
mod figures;
mod graph;
mod html;
pub mod i18n;
pub mod layout;
mod markup;
pub mod plan_tables;
mod print;
mod reasons;
mod service;
mod sheets;
mod site_view;
mod style;
mod svg;
mod tables;
mod view;
mod wan;
mod words;

use chrono::NaiveDate;
use netkit_plan::Plan;
use netkit_results::{RESULTS_FORMAT, Results};

pub use i18n::Lang;
pub use layout::{Layout, layout};

/// What the caller knows beyond the plan and the results.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub lang: Lang,
    /// The day the documents are made (cover, sheets without tests). Passed in so
    /// that the output is reproducible.
    pub date: NaiveDate,
    /// Overrides the results' technician.
    pub technician: Option<String>,
    /// Overrides the results' requester.
    pub requester: Option<String>,
    /// RFC 3339 deadline; overrides the results' deadline.
    pub deadline: Option<String>,
    /// Name of the acceptance playbook, when no results say it.
    pub playbook: Option<String>,
    /// The time zone the documents print times in (default UTC).
    pub time_zone: TimeZone,
    /// The intervention's own start and end, RFC 3339 (`--started`, `--finished`):
    /// they replace the window of the tests on the sheets.
    pub started: Option<String>,
    pub finished: Option<String>,
}

/// A named time zone at a fixed offset (the offset in force during the intervention;
/// the caller resolves daylight saving time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZone {
    /// `Europe/Paris`, or `UTC`.
    pub name: String,
    /// Seconds east of UTC.
    pub offset_seconds: i32,
}

impl Default for TimeZone {
    fn default() -> TimeZone {
        TimeZone {
            name: "UTC".into(),
            offset_seconds: 0,
        }
    }
}

impl Options {
    pub fn new(lang: Lang, date: NaiveDate) -> Options {
        Options {
            lang,
            date,
            technician: None,
            requester: None,
            deadline: None,
            playbook: None,
            time_zone: TimeZone::default(),
            started: None,
            finished: None,
        }
    }
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    /// File name inside the output folder (no directories).
    pub name: String,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    #[error(
        "the results are about topology `{results}` but the plan is `{plan}`: pass the results of `netkit verify` run against this topology"
    )]
    ResultsMismatch { results: String, plan: String },
    #[error(
        "the results have format `{0}`, not `{RESULTS_FORMAT}`: regenerate them with `netkit verify ... --format json`"
    )]
    ResultsFormat(String),
    #[error(
        "the time `{0}` (deadline, start or end) is not an RFC 3339 date and time: write it like 2026-12-01T18:00:00Z"
    )]
    Deadline(String),
}

/// The names of the files [`render`] produces, in order; a plan with an access layer
/// adds [`ACCESS_FILES`] after them.
pub const FILES: &[&str] = &[
    "index.html",
    "topology.svg",
    "topology.dot",
    "topology.mmd",
    "topology.drawio",
    "addressing.csv",
    "addressing.md",
    "routes.csv",
    "routes.md",
    "acceptance.md",
    "interventions.md",
    "netbox-sites.csv",
    "netbox-vlans.csv",
    "netbox-prefixes.csv",
    "netbox-ip-addresses.csv",
];

/// Files added when the plan has switches, cables or Wi-Fi.
pub const ACCESS_FILES: &[&str] = cabling::FILES;

/// Every document for `plan`.
///
/// # Errors
/// Results of another topology or format, or a deadline that is not RFC 3339.
pub fn render(
    plan: &Plan,
    results: Option<&Results>,
    options: &Options,
) -> Result<Vec<ReportFile>, Error> {
    if let Some(r) = results {
        if r.format != RESULTS_FORMAT {
            return Err(Error::ResultsFormat(r.format.clone()));
        }
        if let Some(t) = &r.topology
            && t != &plan.name
        {
            return Err(Error::ResultsMismatch {
                results: t.clone(),
                plan: plan.name.clone(),
            });
        }
    }
    for d in [&options.deadline, &options.started, &options.finished]
        .into_iter()
        .flatten()
    {
        if i18n::parse_time(d).is_none() {
            return Err(Error::Deadline(d.clone()));
        }
    }
    let ctx = view::Ctx::new(plan, results, options);
    let l = options.lang;
    let lay = layout::layout(plan, l);
    let title = l.f(i18n::K::DiagramTitle, &[("name", &plan.name)]);
    let svg_file = svg::render(&lay, &title, true);
    let svg_inline = svg::render(&lay, &title, false);
    let rows = view::addressing_rows(plan);
    let sheets = sheets::sheets(&ctx);
    let wan_view = wan::view(plan, l);
    let site_views: Vec<(String, diagram::Diagram)> = site_view::file_stems(plan)
        .into_iter()
        .zip(&plan.sites)
        .map(|(stem, site)| (stem, site_view::view(plan, site, l)))
        .collect();
    use i18n::K;
    let nb = |what: K| l.f(K::FileNetbox, &[("what", l.t(what))]);
    let described: Vec<(String, String)> = vec![
        ("index.html".into(), l.t(K::FileIndex).into()),
        ("topology.svg".into(), l.t(K::FileSvg).into()),
        ("topology.dot".into(), l.t(K::FileDot).into()),
        ("topology.mmd".into(), l.t(K::FileMmd).into()),
        ("topology.drawio".into(), l.t(K::FileDrawio).into()),
        ("addressing.csv".into(), l.t(K::FileAddrCsv).into()),
        ("addressing.md".into(), l.t(K::FileAddrMd).into()),
        ("routes.csv".into(), l.t(K::FileRoutesCsv).into()),
        ("routes.md".into(), l.t(K::FileRoutesMd).into()),
        ("acceptance.md".into(), l.t(K::FileAcceptanceMd).into()),
        ("interventions.md".into(), l.t(K::FileSheetsMd).into()),
        ("netbox-sites.csv".into(), nb(K::NetboxSites)),
        ("netbox-vlans.csv".into(), nb(K::NetboxVlans)),
        ("netbox-prefixes.csv".into(), nb(K::NetboxPrefixes)),
        ("netbox-ip-addresses.csv".into(), nb(K::NetboxAddresses)),
    ];
    let access_layer = !plan.layer2.is_empty();
    let mut described = described;
    // The WAN view and the site views, after the whole diagram's files.
    let at = described
        .iter()
        .position(|(f, _)| f == "topology.drawio")
        .map_or(described.len(), |i| i + 1);
    let mut views = vec![("wan.svg".to_string(), l.t(K::FileWan).to_string())];
    for (site, stem) in plan.sites.iter().zip(site_view::file_stems(plan)) {
        views.push((
            format!("{stem}.svg"),
            l.f(K::FileSite, &[("site", &site.name)]),
        ));
    }
    described.splice(at..at, views);
    if access_layer {
        described.extend(cabling::described(l));
    }
    let files: Vec<(&str, String)> = vec![
        (
            "index.html",
            html::render(
                &ctx,
                &html::Figures {
                    topology_svg: &svg_inline,
                    landscape: lay.width >= lay.height,
                    wan: &wan_view,
                    sites: &site_views,
                },
                &rows,
                &sheets,
                &described,
            ),
        ),
        ("topology.svg", svg_file),
        ("topology.dot", graph::dot(plan, &lay, l)),
        ("topology.mmd", graph::mermaid(plan, &lay, l)),
        ("topology.drawio", graph::drawio(plan, &lay, l)),
        ("addressing.csv", tables::addressing_csv(&ctx, &rows)),
        ("addressing.md", tables::addressing_md(&ctx, &rows)),
        ("routes.csv", tables::routes_csv(&ctx)),
        ("routes.md", tables::routes_md(&ctx)),
        ("acceptance.md", acceptance::markdown(&ctx)),
        ("interventions.md", sheets::markdown(&ctx, &sheets)),
        ("netbox-sites.csv", tables::netbox_sites(&ctx)),
        ("netbox-vlans.csv", tables::netbox_vlans(&ctx)),
        ("netbox-prefixes.csv", tables::netbox_prefixes(&ctx)),
        ("netbox-ip-addresses.csv", tables::netbox_addresses(&ctx)),
    ];
    debug_assert_eq!(files.iter().map(|f| f.0).collect::<Vec<_>>(), FILES);
    let mut files = files;
    if access_layer {
        // The patching and Wi-Fi plans' own files after the others (`cabling::FILES`);
        // their chapter is in index.html.
        let extra = [
            cabling::csv(plan, l),
            cabling::wifi_csv(plan, l),
            cabling::markdown(plan, l),
            cabling::netbox_cables(plan),
            cabling::labels(plan, l),
        ];
        files.extend(cabling::FILES.iter().copied().zip(extra));
    }
    let mut out: Vec<ReportFile> = files
        .into_iter()
        .map(|(name, text)| ReportFile {
            name: name.to_string(),
            bytes: text.into_bytes(),
        })
        .collect();
    // The WAN view and one view per site, each in four syntaxes (`wan::files`).
    out.extend(
        wan::files(&wan_view, &site_views)
            .into_iter()
            .map(|(name, text)| ReportFile {
                name,
                bytes: text.into_bytes(),
            }),
    );
    Ok(out)
}
