//! The `scenarios` subcommands: list, show and check scenario files.

use crate::scenario::{self, EMBEDDED_SCENARIOS};
use std::fmt::Write as _;
use std::path::Path;

/// One line per embedded scenario: its name and the first line of its description.
pub fn list() -> String {
    let mut out = String::new();
    for (name, text) in EMBEDDED_SCENARIOS {
        let description = scenario::parse(name, text)
            .map(|s| s.file.description.lines().next().unwrap_or_default().to_owned())
            .unwrap_or_else(|e| format!("(invalid: {e})"));
        let _ = writeln!(out, "{name:<28} {description}");
    }
    out
}

/// The text of an embedded scenario.
pub fn show(name: &str) -> Result<&'static str, String> {
    EMBEDDED_SCENARIOS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .ok_or_else(|| {
            let names: Vec<&str> = EMBEDDED_SCENARIOS.iter().map(|(n, _)| *n).collect();
            format!(
                "no embedded scenario is named {name:?}; choose one of: {}",
                names.join(", ")
            )
        })
}

/// Validates files; returns the report and whether all of them are valid.
pub fn check(files: &[impl AsRef<Path>]) -> (String, bool) {
    let mut out = String::new();
    let mut all_valid = true;
    for file in files {
        let file = file.as_ref();
        let shown = file.display().to_string();
        let result = std::fs::read_to_string(file)
            .map_err(|err| format!("{shown}: $: cannot read the file ({err}); check the path"))
            .and_then(|text| {
                // A task file for `eval` is checked as one (see docs/eval.md).
                if crate::eval::task::looks_like_task(&text) {
                    let task = crate::eval::task::parse(&shown, &text).map_err(|e| e.to_string())?;
                    return Ok(format!("task {}", task.id()));
                }
                scenario::parse(&shown, &text)
                    .map(|s| s.name().to_owned())
                    .map_err(|e| e.to_string())
            });
        match result {
            Ok(name) => {
                let _ = writeln!(out, "{shown}: ok ({name})");
            }
            Err(report) => {
                all_valid = false;
                let _ = writeln!(out, "{report}");
            }
        }
    }
    (out, all_valid)
}

/// `coverage`: every operation of the official document with its level, as text or JSON.
pub fn coverage(level: Option<&str>, format: crate::cli::Format) -> Result<String, String> {
    use crate::domain::table::{self, Level};
    let table = table::table()?;
    let only = match level {
        None => None,
        Some(text) => Some(
            Level::parse(text)
                .ok_or_else(|| format!("--level must be semantic, stateful or declared, not {text:?}"))?,
        ),
    };
    Ok(match format {
        crate::cli::Format::Text => table::coverage_text(table, only),
        crate::cli::Format::Json => format!("{:#}\n", table::coverage_json(table, only)),
    })
}
