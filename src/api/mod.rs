//! actix handlers for the Tripletex API v2 surface (`/v2/...`), thin: parse (wire) →
//! decide (domain) → read/write (store) → render (wire). One module per upstream resource.

pub mod auth;
mod company;
mod employee;
mod entitlement;
mod errors;
mod invoice;
mod object_json;
pub mod openapi;
pub mod render;
pub(crate) mod resources;
mod token;

use actix_web::web;

/// Mounts every `/v2` route on the given config (the caller adds the `/v2` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::wire::request_id::resource("/openapi.json").route(web::get().to(openapi::document)));
    // Token, company and entitlement routes each sit in a scope of their own, so that a request
    // for another path passes them by their prefix instead of trying each one's `{id}` pattern
    // (a regex match apiece, on every customer create or list). No other route shares their
    // prefixes, and a path under one that matches none of its routes gets the app's 404.
    token::configure(cfg);
    company::configure(cfg);
    entitlement::configure(cfg);
    // Before /employee/{id}, so /employee/employment is not taken for an employee id.
    resources::configure(cfg);
    employee::configure(cfg);
}
