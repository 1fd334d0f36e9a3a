//! `netkit verify --compare PREVIOUS.json`: reading the earlier run, with errors that
//! name the file, the place and the fix. The matching itself is
//! `netkit_results::compare` (shared with anything else that reads results).

use std::path::Path;

use anyhow::{Result, bail};
use netkit_results::{RESULTS_FORMAT, Results};

use crate::common;

/// Read and check an earlier `netkit verify --format json` output. Done before any
/// check runs, so that a wrong file costs nothing.
///
/// # Errors
/// The file cannot be read, is not JSON, or is not a `netkit-results/1` document.
pub fn load_previous(path: &Path) -> Result<Results> {
    let bytes = common::read_file(path)?;
    let fix = "give a file written by `netkit verify --format json -o FILE`";
    let Ok(text) = std::str::from_utf8(&bytes) else {
        bail!(
            "{}: --compare needs a netkit-results/1 JSON file, and this one is not UTF-8 text: {fix}",
            path.display()
        );
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: --compare needs a netkit-results/1 JSON file, and this one is not valid JSON ({e}): {fix}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(RESULTS_FORMAT) => {}
        Some(other) => bail!(
            "{}:{}: --compare needs a {RESULTS_FORMAT} file, and this one is `{other}`: {fix}",
            path.display(),
            line_of(text, "\"format\"")
        ),
        None => bail!(
            "{}:1:1: --compare needs a {RESULTS_FORMAT} file, and this one has no \"format\": \"{RESULTS_FORMAT}\": {fix}",
            path.display()
        ),
    }
    Results::from_json(text).map_err(|e| {
        anyhow::anyhow!(
            "{}:{}:{}: not a valid {RESULTS_FORMAT} document ({e}): {fix}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// `LINE:COL` of the first occurrence of `needle` (1-based), for an error message.
fn line_of(text: &str, needle: &str) -> String {
    match text.find(needle) {
        Some(at) => {
            let before = &text[..at];
            let line = before.matches('\n').count() + 1;
            let col = before.rfind('\n').map(|n| at - n).unwrap_or(at + 1);
            format!("{line}:{col}")
        }
        None => "1:1".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_of_is_one_based() {
        assert_eq!(line_of("{\n  \"format\": 1}", "\"format\""), "2:3");
        assert_eq!(line_of("{\"format\": 1}", "\"format\""), "1:2");
        assert_eq!(line_of("{}", "\"format\""), "1:1");
    }
}
