//! The suite's figures: printed to stderr and appended, one line per part, to
//! `$CARGO_TARGET_TMPDIR/attack-figures.txt` so CI can print them after the run.

use std::io::Write;
use std::path::PathBuf;

/// Where the figures go: `attack-figures.txt` in the directory cargo gives integration tests.
pub fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("attack-figures.txt")
}

/// Prints one line of figures and appends it to the figures file.
pub fn report(line: &str) {
    eprintln!("{line}");
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path())
        .and_then(|mut file| writeln!(file, "{line}"));
    if let Err(err) = written {
        eprintln!("could not append to {}: {err}", path().display());
    }
}
