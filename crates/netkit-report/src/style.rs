//! The stylesheet of `index.html`, inline in its `<style>`: the screen layout, and
//! the print rules that do not depend on the document (A4 pages, landscape pages
//! for wide chapters, rows and sheets never split). The rules that do (running
//! header, sheet numbers in the margin) are written by `print`.

pub const CSS: &str = r#"
:root { --ink:#1f2937; --muted:#4b5563; --line:#d1d5db; --head:#1e3a5f; --soft:#f3f6fa; --ok:#15803d; --ko:#b91c1c; --warn:#b45309; }
* { box-sizing: border-box; }
html { font-family: "DejaVu Sans", Verdana, Arial, Helvetica, sans-serif; font-size: 10.5pt; color: var(--ink); background: #fff; }
body { margin: 0 auto; max-width: 1120px; padding: 0 24px 48px; line-height: 1.45; }
h1 { font-size: 26pt; color: var(--head); margin: 0 0 8px; line-height: 1.2; }
h2 { font-size: 16pt; color: var(--head); border-bottom: 2px solid var(--head); padding-bottom: 4px; margin: 28px 0 12px; }
h3 { font-size: 12.5pt; color: var(--head); margin: 20px 0 8px; }
h4 { font-size: 11pt; margin: 14px 0 6px; }
p { margin: 6px 0; }
a { color: #1d4ed8; text-decoration: none; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 14px; font-size: 9pt; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: var(--soft); color: var(--head); font-weight: bold; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.mono, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.5pt; }
td { overflow-wrap: normal; word-break: normal; } td.mono, td.num, td.nw { white-space: nowrap; }
nav.toc .pg { float: right; font-variant-numeric: tabular-nums; }
.sheet-end { break-inside: avoid; page-break-inside: avoid; }
p:has(+ table), p:has(+ ul), h4:has(+ table) { break-after: avoid; page-break-after: avoid; }
th { hyphens: auto; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
.cover { padding: 36px 0 12px; }
.cover .kicker { text-transform: uppercase; letter-spacing: 0.12em; color: var(--muted); font-size: 10pt; margin-bottom: 8px; }
.cover .subtitle { font-size: 13pt; color: var(--muted); margin-bottom: 28px; }
.cover table { width: auto; min-width: 60%; font-size: 10.5pt; }
table.facts { width: auto; min-width: 50%; }
table.facts th { width: 14em; }
.cover th { width: 15em; }
.cover .foot { margin-top: 36px; color: var(--muted); font-size: 9pt; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 9px; font-size: 8.5pt; font-weight: bold; color: #fff; white-space: nowrap; }
.badge.pass { background: var(--ok); } .badge.fail { background: var(--ko); } .badge.error { background: var(--warn); } .badge.none { background: #6b7280; }
.result { font-size: 12pt; font-weight: bold; padding: 8px 12px; border-radius: 6px; display: inline-block; }
.result.pass { background: #dcfce7; color: var(--ok); } .result.fail { background: #fee2e2; color: var(--ko); } .result.none { background: #f3f4f6; color: var(--muted); }
nav.toc ol { list-style: none; padding-left: 0; } nav.toc ol ol { padding-left: 1.6em; } nav.toc li { margin: 4px 0; font-size: 11pt; }
nav.toc ol ol { font-size: 10pt; }
figure { margin: 0; } figure svg { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 9pt; margin-top: 6px; }
.cards { display: flex; gap: 10px; flex-wrap: wrap; margin: 8px 0 14px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card .v { font-size: 18pt; font-weight: bold; color: var(--head); } .card .k { color: var(--muted); font-size: 9pt; }
.card.ok .v { color: var(--ok); } .card.ko .v { color: var(--ko); } .card.warn .v { color: var(--warn); }
.note { color: var(--muted); font-style: italic; }
.sheet { border: 2px solid var(--head); border-radius: 6px; padding: 14px 18px; margin: 18px 0; }
.sheet header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 2px solid var(--head); margin-bottom: 10px; padding-bottom: 6px; }
.sheet header .t { font-size: 15pt; font-weight: bold; color: var(--head); text-transform: uppercase; letter-spacing: 0.04em; }
.sheet header .n { font-size: 12pt; font-weight: bold; font-family: "DejaVu Sans Mono", monospace; }
.sheet .facts th { width: 13em; }
.sheet h4 { border-left: 4px solid var(--head); padding-left: 6px; }
.signs { display: flex; gap: 16px; margin-top: 12px; break-inside: avoid; page-break-inside: avoid; }
.sign { flex: 1; border: 1px solid var(--ink); border-radius: 4px; height: 38mm; padding: 6px 10px; }
.sign .who { font-weight: bold; } .sign .hint { color: var(--muted); font-size: 8.5pt; }
section.tile, .print-only { display: none; }
.met-yes { color: var(--ok); font-weight: bold; } .met-no { color: var(--ko); font-weight: bold; }
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
@page wide { size: A4 landscape; margin: 10mm; }
@media print {
  html { font-size: 9.5pt; }
  body { max-width: none; padding: 0; }
  .chapter { break-before: page; page-break-before: always; }
  section.wide, section#addressing, section#acceptance, section#patching { page: wide; }
  section.wide figure svg { width: 100%; height: 165mm; border: none; }
  section.tall figure svg { width: 100%; height: 235mm; border: none; }
  section.tall figure.wan svg { height: 225mm; } section.wide figure.wan svg { height: 158mm; }
  .figure-page { break-before: page; page-break-before: always; } section.tile { display: block; } .print-only { display: inline; }
  section.figure-page figure svg { width: auto; height: auto; max-width: 100%; border: none; margin: 0 auto; }
  section.figure-page.wide figure svg { max-height: 170mm; } section.figure-page.tall figure svg { max-height: 250mm; }
  .sheet { break-before: page; page-break-before: always; border: none; padding: 0; margin: 0; }
  #sheets > h2 + .sheet { break-before: auto; page-break-before: auto; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  .cover { height: 255mm; display: flex; flex-direction: column; justify-content: center; padding: 0; }
  a { color: inherit; }
}
"#;
