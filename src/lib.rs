//! tripletex-sandbox: an offline emulator of the Tripletex API v2 for integration tests, CI
//! pipelines and trainings.
//!
//! The architecture, outside in:
//! - [`cli`] → [`config`] → [`startup`]: arguments, validated configuration, building the server
//!   (bind, open the store, load the scenario) apart from running it; `main.rs` stays thin.
//!   [`commands`] holds the `scenarios` subcommands ([`scenario_run`] runs a file's `expect`
//!   list, [`capture`] makes a world of recorded or live answers), [`conformance`] the drift report, [`replay`] and [`traffic`] the replays of recorded
//!   traffic (request/response pairs; runs of calls with their ids mapped).
//! - [`api`] (`/v2/...`) and [`control`] (`/_sandbox/...`): thin actix handlers that parse with
//!   [`wire`], act through [`actions`] (or, for the access model, decide with [`domain`] and read
//!   and write with [`store`]), and render with [`wire`].
//! - [`actions`]: the data endpoints' operations, one function per operation kind (list, get,
//!   create, update, delete, bulk, settings) and the resources' typed hooks, over a table of
//!   resource definitions generated from the official document.
//! - [`console`] (`/console/...`): the training console, server-rendered pages over the control
//!   plane's own functions (so its refusals are the control plane's), for trainers and classes.
//! - [`http`]: the per-request layer: the request context (sandbox, clock reading, caller)
//!   resolved once per request, the middleware around `/v2` (overrides, faults, journal), the admin token
//!   in front of `/_sandbox`, the limits on slow and many clients, and the emulator's own address
//!   for the URLs it hands out.
//! - [`wire`]: Tripletex HTTP conventions only: envelopes, the error table, request ids,
//!   Basic-auth parsing, `fields`, paging, sorting, path parameters.
//! - [`domain`]: the access model and the data rules, pure: one function per rule, denials as data.
//! - [`store`]: SQLite through rusqlite; one store per sandbox; migrations in code.
//! - [`sandbox`]: one isolated world (store, clock, token randomness, id sequence, journal,
//!   faults, overrides) and the registry of the sandboxes a process serves (`/sb/{id}`).
//! - [`scenario`]: scenario and fixture files: embedded library, strict parsing, validation,
//!   seed data, export.
//! - [`events`]: the delivery worker of event subscriptions: every sandbox's outbox, read off the
//!   request path and posted to the subscriptions' targets with retries on the sandbox clock.
//! - [`eval`]: agent evaluation tasks (seed, prompts, checks with points) and scoring a sandbox
//!   against them; [`eval_run`] drives an agent over HTTP through a task set (`eval`).
//! - [`upstream`]: proxy mode: `/v2` forwarded to a real Tripletex, each session's exchanges
//!   recorded (redacted) in the run format [`traffic`] replays.

pub mod actions;
pub mod api;
pub mod capture;
pub mod cli;
pub mod commands;
pub mod config;
pub mod conformance;
pub mod console;
pub mod control;
pub mod domain;
pub mod eval;
pub mod eval_run;
pub mod events;
pub mod http;
pub mod replay;
pub mod sandbox;
pub mod scenario;
pub mod scenario_run;
pub mod startup;
pub mod store;
pub mod traffic;
pub mod upstream;
pub mod wire;

/// The layering of the map above, checked: imports only go down.
#[cfg(test)]
mod architecture {
    use std::path::Path;

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

    /// The rooms of ours a source text names through `crate::…` paths, grouped ones included.
    fn imported_rooms(text: &str) -> Vec<String> {
        let mut rooms = Vec::new();
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let inner = group.split('}').next().unwrap_or_default();
                rooms.extend(
                    inner
                        .split(',')
                        .map(|part| part.trim().split("::").next().unwrap_or_default().to_owned()),
                );
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                rooms.push(name);
            }
        }
        rooms.retain(|r| !r.is_empty());
        rooms
    }

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn imports_only_go_down() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut violations = Vec::new();
        for (room, allowed) in MAY_IMPORT {
            let mut files = Vec::new();
            sources(&src.join(room), &mut files);
            assert!(!files.is_empty(), "src/{room} has no sources: update MAY_IMPORT");
            for file in files {
                let text = std::fs::read_to_string(&file).unwrap_or_default();
                for imported in imported_rooms(&text) {
                    if imported != *room && !allowed.contains(&imported.as_str()) {
                        violations.push(format!("{} imports crate::{imported}", file.display()));
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
    fn the_import_check_sees_plain_and_grouped_paths() {
        let rooms = imported_rooms("use crate::api::auth::X;\nuse crate::{control::y, wire};");
        assert_eq!(rooms, ["api", "control", "wire"]);
    }
}
