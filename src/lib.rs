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
//! - [`store`]: SQLite through rusqlite; one store per sandbox; migrations in code; its parts
//!   (row decoders in a leaf, the access model, sessions, objects, the ledger) without a circle.
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
//!
//! Imports only go down between these rooms and never in a circle inside one: the rule, as the
//! test in `architecture.rs` enforces it, is docs/architecture.md.

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

/// The layering of the map above, checked: imports only go down, and no room has a circle inside.
#[cfg(test)]
mod architecture;
