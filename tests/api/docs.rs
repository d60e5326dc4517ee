//! The README and the docs book link to what exists: every relative link names a file of the
//! repository, and every `#anchor` into a Markdown file names one of its headings.

use std::path::{Path, PathBuf};

/// A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|line| {
            line.trim_start_matches('#')
                .strip_prefix(' ')
                .filter(|_| line.starts_with('#'))
        })
        .map(slug)
        .collect()
}

/// The targets of the `[text](target)` links of a Markdown text.
fn links(markdown: &str) -> Vec<String> {
    markdown
        .match_indices("](")
        .filter_map(|(at, _)| {
            let rest = &markdown[at + 2..];
            rest.find(')').map(|end| rest[..end].to_owned())
        })
        .filter(|target| !target.contains("://") && !target.starts_with("mailto:") && !target.contains(' '))
        .collect()
}

#[test]
fn every_relative_link_of_the_readme_and_the_docs_names_what_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut pages: Vec<PathBuf> = vec![root.join("README.md"), root.join("FIDELITY.md")];
    pages.extend(
        std::fs::read_dir(root.join("docs"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        for target in links(&text) {
            checked += 1;
            let (file, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let linked = match file {
                "" => page.clone(),
                file => page.parent().unwrap().join(file),
            };
            if !linked.exists() {
                broken.push(format!("{}: {target} (no such file)", page.display()));
                continue;
            }
            if !anchor.is_empty() && linked.extension().is_some_and(|e| e == "md") {
                let headings = anchors(&std::fs::read_to_string(&linked).unwrap());
                if !headings.iter().any(|h| h == anchor) {
                    broken.push(format!("{}: {target} (no such heading)", page.display()));
                }
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(checked > 20, "only {checked} links found: is the scan broken?");
}

#[test]
fn the_readme_stays_short() {
    let readme = include_str!("../../README.md");
    let lines = readme.lines().count();
    assert!(lines <= 250, "README.md has {lines} lines: move detail into docs/");
}

/// Where the README's first screen ends, and the mark on the install block that
/// tools/packages-test runs (in a fresh folder holding the built packages).
const FIRST_SCREEN_END: &str = "<!-- end of the first screen: tests/api/docs.rs runs every command above -->";
const INSTALL_MARK: &str = "<!-- install: tools/packages-test runs these -->";

/// The ```sh blocks of a Markdown text, each with whether the install mark precedes it.
fn shell_blocks(markdown: &str) -> Vec<(bool, String)> {
    let mut blocks = Vec::new();
    let mut lines = markdown.lines().peekable();
    let mut previous = "";
    while let Some(line) = lines.next() {
        if line == "```sh" {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
            blocks.push((previous == INSTALL_MARK, body.join("\n")));
        }
        previous = line;
    }
    blocks
}

/// Every command of the README's first screen runs: the install block through
/// tools/packages-test (it needs the built packages), `tripletex-sandbox serve` as written (on a
/// free port through its environment twin), the curl session as written against it; `tools/test`
/// is the suite this test belongs to.
#[test]
fn every_command_of_the_readmes_first_screen_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let (first, _) = readme
        .split_once(FIRST_SCREEN_END)
        .expect("the README marks its first screen");
    assert!(
        first.lines().count() <= 70,
        "the first screen is {} lines",
        first.lines().count()
    );
    let packages_test = std::fs::read_to_string(root.join("tools/packages-test")).unwrap();
    let bin_dir = Path::new(crate::helpers::BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut served = None;
    let mut ran = Vec::new();
    for (install, block) in shell_blocks(first) {
        if install {
            assert!(
                packages_test.contains(INSTALL_MARK),
                "tools/packages-test runs the install block"
            );
            ran.push("install block");
            continue;
        }
        if block.contains("BASE=") {
            let served: &crate::helpers::Served = served.as_ref().expect("serve comes before the curl session");
            let text = run_against(served, &block);
            assert!(
                text.contains("\"companyId\": 2101"),
                "the last call acts as client 2101:\n{text}"
            );
            assert!(
                text.contains("\"name\": \"Havbris Fiske AS\""),
                "the office's clients:\n{text}"
            );
            ran.push("curl session");
            continue;
        }
        for line in block.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            if line.starts_with("tripletex-sandbox serve") {
                let mut command = std::process::Command::new("bash");
                command
                    .arg("-c")
                    .arg(format!("exec {line}"))
                    .env("PATH", &path)
                    .env("TRIPLETEX_SANDBOX_PORT", "0")
                    .stderr(std::process::Stdio::null());
                served = Some(crate::helpers::serve_command(command));
                ran.push("serve");
            } else if line.starts_with("tools/test") {
                let meta = std::fs::metadata(root.join("tools/test")).unwrap();
                assert!(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o111 != 0);
                ran.push("tools/test");
            } else {
                panic!("the first screen has a command no test runs: {line}");
            }
        }
    }
    assert_eq!(ran, ["install block", "serve", "tools/test", "curl session"]);
}

/// Runs shell commands written for the default address against `served`, and answers what
/// they printed; they must all succeed.
fn run_against(served: &crate::helpers::Served, commands: &str) -> String {
    let script = format!(
        "set -euo pipefail\n{}",
        commands.replace("http://127.0.0.1:8080", &served.base)
    );
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text
}

/// Every command of docs/getting-started.md runs as written, against `serve` started as its
/// first block says (on a free port through its environment twin), and shows what the page says.
#[test]
fn every_command_of_the_getting_started_page_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(root.join("docs/getting-started.md")).unwrap();
    let blocks: Vec<String> = shell_blocks(&page).into_iter().map(|(_, block)| block).collect();
    assert_eq!(blocks.first().map(String::as_str), Some("tripletex-sandbox serve &"));
    let bin_dir = Path::new(crate::helpers::BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let mut command = std::process::Command::new("bash");
    command
        .arg("-c")
        .arg("exec tripletex-sandbox serve")
        .env("PATH", &path)
        .env("TRIPLETEX_SANDBOX_PORT", "0")
        .stderr(std::process::Stdio::null());
    let served = crate::helpers::serve_command(command);
    let text = run_against(&served, &blocks[1..].join("\n"));
    for shown in [
        "\"companyId\":1001",
        "\"name\":\"Fjordlys AS\"",
        "\"status\":422,\"code\":18000",
        "{\"count\":1}",
        "204",
    ] {
        assert!(text.contains(shown), "the page shows {shown}:\n{text}");
    }
}
