//! The API base a request's `url`s start with, and the wire views of objects (`actions::views`).

use actix_web::HttpRequest;

/// The host-relative API base of this request, e.g. `127.0.0.1:8080/v2`, as real `url` fields are
/// (the host is the emulator's own, see [`crate::http::origin`]).
pub fn api_base(req: &HttpRequest) -> String {
    let host = crate::http::origin::authority(req);
    match req.match_info().get(crate::http::SANDBOX_ID) {
        Some(id) => format!("{host}/sb/{id}/v2"),
        None => format!("{host}/v2"),
    }
}

pub use crate::actions::views::{NORWAY, api_consumer, client, company, employee, stub};
