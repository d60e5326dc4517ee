//! One typed request context: the sandbox a request is served by, resolved once per request for
//! `/` and `/sb/{id}`, with the sandbox clock read once, and the caller as far as authentication got.

use crate::sandbox::Sandbox;
use crate::sandbox::registry::Registry;
use crate::wire::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use jiff::Timestamp;
use std::future::{Ready, ready};

/// The path parameter that names a sandbox other than the default one (`/sb/{sandbox_id}/…`).
pub const SANDBOX_ID: &str = "sandbox_id";

/// The sandbox serving a request and the sandbox time the request is judged at.
#[derive(Clone)]
pub struct RequestContext {
    pub sandbox: web::Data<Sandbox>,
    pub now: Timestamp,
}

impl RequestContext {
    /// The context of this request: the one the middleware resolved, or resolved here.
    pub fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        if let Some(context) = req.extensions().get::<RequestContext>() {
            return Ok(context.clone());
        }
        let sandbox = resolve(req.app_data::<web::Data<Registry>>(), req.match_info().get(SANDBOX_ID))?;
        let now = sandbox.now();
        Ok(Self { sandbox, now })
    }
}

impl FromRequest for RequestContext {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::of(req))
    }
}

/// The sandbox a request is served by (for handlers that need nothing else of the context).
pub fn sandbox(req: &HttpRequest) -> Result<web::Data<Sandbox>, ApiError> {
    RequestContext::of(req).map(|c| c.sandbox)
}

/// The one place a sandbox id in a path becomes a sandbox.
pub(crate) fn resolve(
    registry: Option<&web::Data<Registry>>,
    id: Option<&str>,
) -> Result<web::Data<Sandbox>, ApiError> {
    let registry = registry.ok_or_else(|| ApiError::internal(&"no sandbox registry for this request"))?;
    registry.resolve(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "No sandbox {:?}: it was deleted, forgotten after going idle (--sandbox-idle-ttl), or never made. POST /_sandbox/sandboxes makes one.",
            id.unwrap_or_default()
        ))
    })
}

pub use crate::domain::entitlements::AccessNeeded;
pub use crate::domain::model::Caller;
