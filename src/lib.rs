//! tripletex-sandbox: an offline emulator of the Tripletex API v2 for integration tests, CI
//! pipelines and trainings.
//!
//! The architecture, outside in:
//! - [`cli`] → [`config`] → [`startup`]: arguments, validated configuration, building the server
//!   (bind, open the store, load the scenario) apart from running it; `main.rs` stays thin.
//!   [`commands`] holds the `scenarios` subcommands, [`conformance`] the drift report.
//! - [`api`] (`/v2/...`) and [`control`] (`/_sandbox/...`): thin actix handlers that parse with
//!   [`wire`], decide with [`domain`], read and write with [`store`], and render with [`wire`].
//!   Data resources are served by one generic engine from a table of resource definitions.
//! - [`wire`]: Tripletex HTTP conventions only: envelopes, the error table, request ids,
//!   Basic-auth parsing, `fields`, paging, sorting, path parameters.
//! - [`domain`]: the access model and the data rules, pure: one function per rule, denials as data.
//! - [`store`]: SQLite through rusqlite; one store per sandbox; migrations in code.
//! - [`sandbox`]: one isolated world (store, clock, token randomness, id sequence, journal,
//!   faults) and the registry of the sandboxes a process serves (`/sb/{id}`).
//! - [`scenario`]: scenario and fixture files: embedded library, strict parsing, validation,
//!   seed data, export.

pub mod api;
pub mod cli;
pub mod commands;
pub mod config;
pub mod conformance;
pub mod control;
pub mod domain;
pub mod sandbox;
pub mod scenario;
pub mod startup;
pub mod store;
pub mod wire;
