//! The layering of the crate's map, checked from the sources: imports between rooms only go the
//! ways `MAY_IMPORT` lists, and the modules inside a room import each other without a circle.
//! Also checked: no function outside test modules is longer than a screen (`LONGEST_FUNCTION`).
//! The rule and its reasons are docs/architecture.md.
//!
//! Every path a file names counts, however it is spelt: `crate::…`, `super::…` and `self::…`
//! (resolved from the file's own place), grouped ones included. A room's `mod.rs` is its face:
//! it declares its modules and re-exports their names, so what it names is not counted as an
//! import of theirs; a module that names something through the face (`super::Db`) imports the
//! module the face re-exports it from. Test modules (`#[cfg(test)] mod … { }`) are not read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each room and the rooms of ours it may import (besides itself).
const MAY_IMPORT: &[(&str, &[&str])] = &[
    ("wire", &[]),
    ("domain", &[]),
    ("store", &["domain"]),
    ("scenario", &["domain", "store"]),
    ("sandbox", &["domain", "store", "wire", "scenario"]),
    ("actions", &["domain", "store", "wire", "sandbox"]),
    ("http", &["domain", "store", "wire", "sandbox", "scenario"]),
    ("eval", &["domain", "store", "sandbox", "scenario", "actions"]),
    ("events", &["domain", "store", "wire", "sandbox", "actions"]),
    (
        "control",
        &["domain", "store", "wire", "sandbox", "scenario", "http", "eval"],
    ),
    (
        "api",
        &["domain", "store", "wire", "sandbox", "scenario", "http", "actions"],
    ),
    (
        "console",
        &["domain", "store", "wire", "sandbox", "scenario", "http", "control"],
    ),
];

/// One source file: where it sits in the crate's module tree, and its text.
struct Source {
    /// `src/store/access/admin.rs` is `["store", "access", "admin"]`; a `mod.rs` is its folder.
    module: Vec<String>,
    text: String,
}

/// The name of the face of a room, as a node of its import graph.
const FACE: &str = "mod.rs";

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// A source text without its test modules (rustfmt closes a top-level module at column 0).
fn without_tests(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]\nmod ") {
        kept.push_str(&rest[..at]);
        rest = match rest[at..].find("\n}\n") {
            Some(end) => &rest[at + end + 3..],
            None => "",
        };
    }
    kept.push_str(rest);
    kept
}

/// The end of the group that opens at `text[0] == '{'`, and its top-level parts.
fn group_parts(text: &str) -> (usize, Vec<&str>) {
    let (mut depth, mut start, mut parts) = (0usize, 1usize, Vec::new());
    for (at, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                parts.push(text[start..at].trim());
                start = at + 1;
                if c == '}' {
                    return (at + 1, parts);
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    (text.len(), parts)
}

/// The module paths, from the crate root, that the path at the start of `text` names (several
/// where it ends in a group), resolved from module `here`; and how long the path is.
fn resolve(here: &[String], text: &str, base: Option<Vec<String>>) -> (usize, Vec<Vec<String>>) {
    let mut path = base.unwrap_or_default();
    let mut at = 0;
    loop {
        let rest = &text[at..];
        if rest.starts_with('{') {
            let (end, parts) = group_parts(rest);
            let mut named = Vec::new();
            for part in parts.into_iter().filter(|p| !p.is_empty()) {
                named.extend(resolve(here, part, Some(path.clone())).1);
            }
            return (at + end, named);
        }
        let word: String = rest.chars().take_while(|c| is_ident(*c)).collect();
        match word.as_str() {
            "" => break,
            "crate" => path.clear(),
            "super" if at == 0 => path = here[..here.len().saturating_sub(1)].to_vec(),
            "super" => {
                path.pop();
            }
            "self" if at == 0 && path.is_empty() => path = here.to_vec(),
            "self" => {}
            _ => path.push(word.clone()),
        }
        at += word.len();
        match text[at..].strip_prefix("::") {
            Some(_) => at += 2,
            None => break,
        }
    }
    (at, vec![path])
}

/// Every module path a source names through `crate::`, `super::` or `self::`.
fn named_paths(source: &Source) -> Vec<Vec<String>> {
    let text = without_tests(&source.text);
    let mut named = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let rest = &text[at..];
        let starts = ["crate::", "super::", "self::"].iter().any(|p| rest.starts_with(p));
        let boundary = !text[..at].ends_with(|c: char| is_ident(c) || c == ':');
        if starts && boundary {
            let (len, paths) = resolve(&source.module, rest, None);
            named.extend(paths);
            at += len.max(1);
        } else {
            at += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    named
}

/// The rooms of ours a source names, other than its own.
fn imported_rooms(source: &Source) -> BTreeSet<String> {
    named_paths(source)
        .into_iter()
        .filter_map(|path| path.into_iter().next())
        .filter(|room| Some(room) != source.module.first())
        .collect()
}

/// The names a room's face re-exports, each with the module of the room it comes from.
fn re_exports(face: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut from = BTreeMap::new();
    for statement in without_tests(face).split(';') {
        let Some(at) = statement.find("pub use ").or_else(|| statement.find("pub(crate) use ")) else {
            continue;
        };
        let path = statement[at..].split_once("use ").map_or("", |(_, p)| p.trim());
        let path = path.strip_prefix("self::").unwrap_or(path);
        let module: String = path.chars().take_while(|c| is_ident(*c)).collect();
        if modules.contains(&module) {
            for name in path[module.len()..]
                .split(|c: char| !is_ident(c))
                .filter(|n| !n.is_empty())
            {
                from.insert(name.to_owned(), module.clone());
            }
        }
    }
    from
}

/// The import graph of a room's modules: who names whom (the face counts as named, not naming).
fn room_edges(room: &str, sources: &[Source]) -> BTreeMap<String, BTreeSet<String>> {
    let in_room = |s: &&Source| s.module.first().is_some_and(|r| r == room);
    let modules: BTreeSet<String> = sources
        .iter()
        .filter(in_room)
        .filter_map(|s| s.module.get(1).cloned())
        .collect();
    let face = sources.iter().filter(in_room).find(|s| s.module.len() == 1);
    let re_exported = re_exports(face.map_or("", |s| s.text.as_str()), &modules);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in sources.iter().filter(in_room) {
        let Some(from) = source.module.get(1) else { continue };
        for path in named_paths(source)
            .into_iter()
            .filter(|p| p.first().is_some_and(|r| r == room))
        {
            let to = match path.get(1) {
                Some(name) if modules.contains(name) => name.clone(),
                Some(name) => re_exported.get(name).cloned().unwrap_or_else(|| FACE.to_owned()),
                None => FACE.to_owned(),
            };
            if &to != from {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    edges
}

/// A circle in an import graph, as the modules along it (the first again at the end).
fn find_circle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        trail: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = trail.iter().position(|n| n == node) {
            let mut circle = trail[at..].to_vec();
            circle.push(node.to_owned());
            return Some(circle);
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        trail.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, done, trail) {
                return Some(circle);
            }
        }
        trail.pop();
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|start| visit(start, edges, &mut done, &mut Vec::new()))
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every source file of a room, read.
fn room_sources(src: &Path, room: &str) -> Vec<Source> {
    let mut files = Vec::new();
    collect(&src.join(room), &mut files);
    files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(src).unwrap_or(&file).with_extension("");
            let mut module: Vec<String> = relative
                .iter()
                .map(|part| part.to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|last| last == "mod") {
                module.pop();
            }
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            Source { module, text }
        })
        .collect()
}

#[test]
fn imports_only_go_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (room, allowed) in MAY_IMPORT {
        let sources = room_sources(&src, room);
        assert!(!sources.is_empty(), "src/{room} has no sources: update MAY_IMPORT");
        for source in &sources {
            for imported in imported_rooms(source) {
                if !allowed.contains(&imported.as_str()) {
                    violations.push(format!("{} imports {imported}", source.module.join("::")));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports that go up or sideways:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_room_has_a_circle_inside() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let circles: Vec<String> = MAY_IMPORT
        .iter()
        .filter_map(|(room, _)| find_circle(&room_edges(room, &room_sources(&src, room))))
        .map(|circle| circle.join(" → "))
        .collect();
    assert!(
        circles.is_empty(),
        "circles between a room's modules:\n{}",
        circles.join("\n")
    );
}

fn source(module: &str, text: &str) -> Source {
    Source {
        module: module.split('/').map(str::to_owned).collect(),
        text: text.to_owned(),
    }
}

#[test]
fn the_import_check_sees_plain_grouped_and_relative_paths() {
    let plain = source(
        "sandbox/registry",
        "use crate::api::auth::X;\nuse crate::{control::y, wire};",
    );
    assert_eq!(
        imported_rooms(&plain),
        ["api", "control", "wire"].map(str::to_owned).into()
    );
    let relative = source(
        "store/access/admin",
        "use super::super::super::http::X;\nlet _ = self::a::b;",
    );
    assert_eq!(imported_rooms(&relative), ["http"].map(str::to_owned).into());
    let face = source("store", "use super::{console, store::db};");
    assert_eq!(imported_rooms(&face), ["console"].map(str::to_owned).into());
}

#[test]
fn the_circle_check_sees_a_circle_however_it_is_spelt() {
    let through_the_face = [
        source("store", "mod a;\nmod b;\npub use b::{Db, Other};"),
        source("store/a", "use super::Db;"),
        source("store/b", "fn f() { crate::store::a::g() }"),
    ];
    let circle = find_circle(&room_edges("store", &through_the_face));
    assert_eq!(circle, Some(["a", "b", "a"].map(str::to_owned).to_vec()));
    let grouped = [
        source("store/a", "use super::{b::X, c};"),
        source("store/b", "use self::inner::Y;"),
        source("store/c", "use super::a::Z;"),
    ];
    assert!(find_circle(&room_edges("store", &grouped)).is_some());
    let tested_only = [
        source("store/a", "use super::b::X;"),
        source("store/b", "#[cfg(test)]\nmod tests {\n    use crate::store::a::Y;\n}\n"),
    ];
    assert_eq!(find_circle(&room_edges("store", &tested_only)), None);
}

/// Lines a function may take, its signature and closing brace included.
const LONGEST_FUNCTION: usize = 80;

/// Functions of `text` (rustfmt's layout: a body closes on a line of the `fn`'s own indent)
/// longer than `LONGEST_FUNCTION`, before its test module, as `name (lines)`.
fn long_functions(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]"
            && lines
                .get(at + 1)
                .is_some_and(|next| next.trim_start().starts_with("mod "))
        {
            break;
        }
        let body = line.trim_start();
        let words: Vec<&str> = body.split_whitespace().collect();
        let Some(fn_at) = words.iter().position(|word| *word == "fn") else {
            continue;
        };
        let qualifiers = &words[..fn_at];
        if !qualifiers
            .iter()
            .all(|w| w.starts_with("pub") || matches!(*w, "async" | "const" | "unsafe"))
        {
            continue;
        }
        // A body on the signature's own line, or no body (a trait's declaration).
        if body.ends_with('}') || body.ends_with(';') {
            continue;
        }
        let indent = &line[..line.len() - body.len()];
        let closing = format!("{indent}}}");
        if let Some(length) = lines[at..].iter().position(|l| *l == closing).map(|end| end + 1)
            && length > LONGEST_FUNCTION
        {
            let name = words
                .get(fn_at + 1)
                .map_or("?", |n| n.split(['(', '<']).next().unwrap_or(n));
            found.push(format!("{name} ({length} lines)"));
        }
    }
    found
}

#[test]
fn no_function_outside_tests_is_longer_than_a_screen() {
    let mut files = Vec::new();
    collect(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .flat_map(|file| {
            let text = std::fs::read_to_string(file).unwrap_or_default();
            long_functions(&text)
                .into_iter()
                .map(move |function| format!("{}: {function}", file.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "functions over {LONGEST_FUNCTION} lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_length_check_counts_a_function_to_its_closing_brace_and_skips_tests() {
    let body = |n: usize| "    let x = 1;\n".repeat(n);
    let long = format!("pub(crate) fn long() {{\n{}}}\n", body(LONGEST_FUNCTION - 1));
    let short = format!("fn short() {{\n{}}}\n", body(LONGEST_FUNCTION - 2));
    assert_eq!(
        long_functions(&long),
        [format!("long ({} lines)", LONGEST_FUNCTION + 1)]
    );
    assert!(long_functions(&short).is_empty());
    let in_tests = format!("#[cfg(test)]\nmod tests {{\n{long}}}\n");
    assert!(long_functions(&in_tests).is_empty());
}
