//! tripletex-sandbox: an offline emulator of the Tripletex API v2 for integration tests, CI
//! pipelines and trainings.
//!
//! The architecture, outside in:
//! - [`cli`] → [`config`] → [`startup`]: arguments, validated configuration, building the server
//!   (bind, open the store, load the scenario) apart from running it; [`main`](../tripletex_sandbox/index.html)
//!   stays thin. [`commands`] holds the `scenarios` subcommands.
//! - [`api`] (`/v2/...`) and [`control`] (`/_sandbox/...`): thin actix handlers that parse with
//!   [`wire`], decide with [`domain`], read and write with [`store`], and render with [`wire`].
//! - [`wire`]: Tripletex HTTP conventions only: envelopes, the error table, request ids,
//!   Basic-auth parsing, `fields`, paging and sorting.
//! - [`domain`]: the access model, pure: one function per rule, denials as data.
//! - [`store`]: SQLite through rusqlite; one store per sandbox; migrations in code.
//! - [`sandbox`]: one isolated world: its store, token randomness and id sequence.
//! - [`scenario`]: scenario and fixture files: embedded library, strict parsing, validation.

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
