//! Every function outside tests reads in one screen: none in `src/` is longer than
//! [`MOST_LINES`] lines, counted from its `fn` line to its closing brace in the formatted source.

use std::path::{Path, PathBuf};

const MOST_LINES: usize = 80;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                sources(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") && path.file_name().is_some_and(|n| n != "tests.rs") {
            out.push(path);
        }
    }
}

fn indent(line: &str) -> &str {
    &line[..line.len() - line.trim_start().len()]
}

/// The name of the function a line starts, if it starts one.
fn starts_fn(line: &str) -> Option<&str> {
    let mut rest = line.trim_start();
    if let Some(after) = rest.strip_prefix("pub") {
        rest = match after.strip_prefix('(') {
            Some(scoped) => scoped.split_once(')')?.1,
            None => after,
        }
        .trim_start();
    }
    for qualifier in ["const ", "async ", "unsafe ", "extern \"C\" "] {
        rest = rest.strip_prefix(qualifier).unwrap_or(rest);
    }
    let name = rest.strip_prefix("fn ")?;
    let end = name.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
    Some(&name[..end])
}

/// Each function of a formatted source longer than `most` lines: (first line, name, lines).
fn long_functions(text: &str, most: usize) -> Vec<(usize, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let closing = |from: usize, indent: &str| {
        (from..lines.len())
            .find(|&at| lines[at].strip_prefix(indent) == Some("}"))
            .unwrap_or(lines.len())
    };
    let mut long = Vec::new();
    let mut at = 0;
    while at < lines.len() {
        let line = lines[at];
        let test_module = line.trim() == "#[cfg(test)]"
            && lines.get(at + 1).is_some_and(|next| {
                let next = next.trim_start();
                (next.starts_with("mod ") || next.starts_with("pub mod ")) && next.ends_with('{')
            });
        if test_module {
            at = closing(at + 2, indent(lines[at + 1])) + 1;
            continue;
        }
        if let Some(name) = starts_fn(line) {
            let signature_end = (at..lines.len())
                .find(|&i| {
                    let l = lines[i].trim_end();
                    l.ends_with('{') || l.ends_with(';') || l.ends_with('}')
                })
                .unwrap_or(at);
            if lines[signature_end].trim_end().ends_with('{') {
                let end = closing(signature_end + 1, indent(line));
                let length = end - at + 1;
                if length > most {
                    long.push((at + 1, name.to_owned(), length));
                }
            }
        }
        at += 1;
    }
    long
}

#[test]
fn no_function_outside_tests_is_longer_than_a_screen() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(files.len() > 50, "the sources were not found");
    let mut long = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (line, name, length) in long_functions(&text, MOST_LINES) {
            long.push(format!("{}:{line} {name} has {length} lines", file.display()));
        }
    }
    assert!(
        long.is_empty(),
        "split these into named steps of at most {MOST_LINES} lines each:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_count_runs_from_fn_to_its_closing_brace_and_skips_test_modules() {
    let body = "        let x = 1;\n".repeat(3);
    let text = format!(
        "pub(crate) async fn long<T>(\n    a: T,\n) {{\n{body}}}\n\nfn short() {{}}\n\n#[cfg(test)]\nmod tests {{\n    fn also_long() {{\n{body}    }}\n}}\n"
    );
    assert_eq!(long_functions(&text, 3), vec![(1, "long".to_owned(), 7)]);
    assert!(long_functions(&text, 7).is_empty());
}
