//! The admin token in front of the control plane (`/_sandbox`): whoever can reach it can read
//! every token and change any world, so off loopback it asks for a secret. `/v2` is never
//! guarded here; it authenticates the way Tripletex does. `GET /_sandbox/health` stays open for
//! liveness probes (it tells the scenario's name and nothing else).

use crate::wire::{ApiError, ErrorKind};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{AUTHORIZATION, HeaderName};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use subtle::ConstantTimeEq;

/// The header a client that cannot set `Authorization` (it carries Basic auth elsewhere) may use.
pub const ADMIN_TOKEN_HEADER: HeaderName = HeaderName::from_static("x-sandbox-admin-token");

/// The control plane's secret. Debug never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    /// At least 16 characters, none of them whitespace or control characters, so it fits a header.
    pub fn new(secret: String) -> Result<Self, &'static str> {
        if secret.chars().count() < 16 {
            return Err("must be at least 16 characters long; `openssl rand -hex 16` makes one");
        }
        if !secret.chars().all(|c| c.is_ascii_graphic()) {
            return Err("may hold printable ASCII only (no spaces), since it is sent in a header");
        }
        Ok(Self(secret))
    }

    /// Compared in constant time, so the answer's timing does not tell how much of a guess was right.
    pub fn matches(&self, sent: &[u8]) -> bool {
        bool::from(self.0.as_bytes().ct_eq(sent))
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(…)")
    }
}

/// Install with `actix_web::middleware::from_fn(admin_only)` on each `/_sandbox` scope; the
/// token is read from the app data `web::Data<Option<AdminToken>>` (None: open, as on loopback).
pub async fn admin_only(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let token = req
        .app_data::<web::Data<Option<AdminToken>>>()
        .and_then(|t| t.as_ref().as_ref());
    let Some(token) = token else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let health = req.method() == Method::GET && req.path().ends_with("/_sandbox/health");
    if health || sent_token(&req).is_some_and(|sent| token.matches(sent)) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let refusal = ApiError::new(ErrorKind::Unauthorized).with_developer_message(match sent_token(&req) {
        None => "The control plane (/_sandbox) of this sandbox needs its admin token: send `Authorization: Bearer <token>` or `X-Sandbox-Admin-Token: <token>` with the value given to --admin-token (TRIPLETEX_SANDBOX_ADMIN_TOKEN).",
        Some(_) => "The admin token sent is not the one this sandbox was started with (--admin-token / TRIPLETEX_SANDBOX_ADMIN_TOKEN).",
    });
    Ok(req.error_response(refusal).map_into_boxed_body())
}

/// The token from `X-Sandbox-Admin-Token`, or from `Authorization: Bearer …`.
fn sent_token(req: &ServiceRequest) -> Option<&[u8]> {
    if let Some(value) = req.headers().get(ADMIN_TOKEN_HEADER) {
        return Some(value.as_bytes());
    }
    let value = req.headers().get(AUTHORIZATION)?.as_bytes();
    let scheme = value.get(..7)?;
    scheme
        .eq_ignore_ascii_case(b"bearer ")
        .then(|| value.get(7..).unwrap_or_default().trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_token_is_long_enough_and_fits_a_header() {
        assert!(AdminToken::new("short".into()).is_err());
        assert!(AdminToken::new("sixteen chars ok".into()).is_err(), "a space");
        let token = AdminToken::new("0123456789abcdef".into()).unwrap();
        assert!(token.matches(b"0123456789abcdef"));
        assert!(!token.matches(b"0123456789abcdeF"));
        assert!(!token.matches(b"0123456789abcde"));
        assert_eq!(format!("{token:?}"), "AdminToken(…)");
    }
}
