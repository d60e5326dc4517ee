//! actix handlers for the Tripletex API v2 surface (`/v2/...`), thin: extract (wire) → act
//! (`actions`, or domain and store for the access model) → render (wire). The token flow, the
//! company, employees and entitlements have a module each; every other operation of the document
//! is found in the operation table (`dispatch`) and served through `resources` by its action.

pub mod auth;
mod company;
pub mod dispatch;
mod employee;
mod entitlement;
mod errors;
mod event;
pub mod openapi;
pub mod render;
pub(crate) mod resources;
mod token;

use actix_web::web;

/// Mounts every `/v2` route on the given config (the caller adds the `/v2` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(dispatch::route("/openapi.json").route(web::get().to(openapi::document)));
    // Token, company and entitlement routes each sit in a scope of their own, so that a request
    // for another path passes them by their prefix instead of trying each one's `{id}` pattern
    // (a regex match apiece, on every customer create or list). No other route shares their
    // prefixes, and a path under one that matches none of its routes gets the app's 404.
    token::configure(cfg);
    company::configure(cfg);
    entitlement::configure(cfg);
    employee::configure(cfg);
    event::configure(cfg);
    // Every other documented operation (customer, invoice, travelExpense, …) is found in the
    // operation table by the scope's default service, `dispatch::dispatch`.
}
