//! API tests over real HTTP on loopback: each test starts its own emulator on port 0.

mod binary;
mod business;
mod clock;
mod company;
mod company_admin;
mod concurrency;
mod conformance;
mod control;
mod employee;
mod entitlement;
mod faults;
mod helpers;
mod journal;
mod malformed;
mod resources;
mod sandboxes;
mod scenarios;
mod session;
mod session_auth;
mod state;
mod stored_access;
mod ui;
mod wire;
