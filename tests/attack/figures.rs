//! The suite's figures: printed to stderr and appended, one line per part, to
//! `$CARGO_TARGET_TMPDIR/attack-figures.txt` so CI can print them after the run.

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// Where the figures go: `attack-figures.txt` in the directory cargo gives integration tests.
pub fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("attack-figures.txt")
}

/// Prints one line of figures and appends it to the figures file; the first line of a run is
/// preceded by a line that opens the run, so the runs a reused target directory has seen stay
/// apart.
pub fn report(line: &str) {
    static RUN: OnceLock<String> = OnceLock::new();
    let mut opened = false;
    let header = RUN.get_or_init(|| {
        opened = true;
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        format!(
            "attack run at unix time {} (pid {}, seed {})",
            since_epoch.as_secs(),
            std::process::id(),
            crate::harness::seed()
        )
    });
    eprintln!("{line}");
    let text = if opened {
        format!("{header}\n{line}")
    } else {
        line.to_owned()
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path())
        .and_then(|mut file| writeln!(file, "{text}"));
    if let Err(err) = written {
        eprintln!("could not append to {}: {err}", path().display());
    }
}
