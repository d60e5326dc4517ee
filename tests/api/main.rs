//! API tests over real HTTP on loopback.
//!
//! The test binary starts one emulator, on port 0 in a thread of its own with its own actix
//! System, the first time a test asks for it. `spawn_app()` and `spawn_scenario(name)` then make
//! the test a sandbox of its own on it (`POST /_sandbox/sandboxes`), and the returned `TestApp`
//! sends `/v2/…` and `/_sandbox/…` to `/sb/{id}/…`; the sandbox is deleted when the `TestApp`
//! drops. Sandboxes share nothing (world, sessions, clock, faults, journal), so the tests are
//! independent of their order and run in parallel.
//!
//! A test that needs its own configuration starts an emulator of its own with `spawn_with(Config)`
//! (a seed, a database file, a scenario file), and `spawn_server()` gives one for tests of the
//! default sandbox at the root and of the list of sandboxes. `binary` runs the real executable.

mod as_recorded;
mod binary;
mod business;
mod capture;
mod clients;
mod clock;
mod company;
mod company_admin;
mod concurrency;
mod conformance;
mod control;
mod docs;
mod employee;
mod engine;
mod entitlement;
mod eval;
mod faults;
mod guard;
mod helpers;
mod hooks;
mod journal;
mod ledger;
mod malformed;
mod openapi;
mod overrides;
mod payments;
mod probes;
mod proxy;
mod recorded;
mod remembered;
mod required;
mod resources;
mod sandboxes;
mod scenarios;
mod session;
mod session_auth;
mod state;
mod stored_access;
mod traffic;
mod ui;
mod verify;
mod webhooks;
mod wire;
mod worlds;
