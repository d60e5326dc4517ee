//! Stamps every response with `x-tlx-request-id` and the emulator marker, and renders error
//! bodies (ours and actix's own) as the Tripletex error envelope carrying that same id — except
//! the training console's own HTML pages and the answers of override rules, sent as written.

use crate::wire::error::{ApiError, ErrorKind};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse};

pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-tlx-request-id");
/// Says openly, on every response, that this is an emulator and not Tripletex.
pub const EMULATOR_HEADER: HeaderName = HeaderName::from_static("x-tripletex-sandbox");
/// Names the override rule that answered instead of the emulator; such an answer is sent as the
/// rule gives it, never rewritten into the error envelope.
pub const OVERRIDE_HEADER: HeaderName = HeaderName::from_static("x-tripletex-sandbox-override");
/// Marks an answer a proxied upstream gave (its origin): passed on as it came, request id included.
pub const UPSTREAM_HEADER: HeaderName = HeaderName::from_static("x-tripletex-sandbox-upstream");
pub const JSON_UTF8: HeaderValue = HeaderValue::from_static("application/json;charset=UTF-8");

/// Where a control-plane error points: the emulator's own documentation, never Tripletex's.
pub const CONTROL_PLANE_DOCS: &str = "docs/control-plane.md";

/// `/_sandbox/…` or `/sb/{id}/_sandbox/…`.
fn is_control_plane(path: &str) -> bool {
    let rest = match path.strip_prefix("/sb/") {
        Some(rest) => rest.split_once('/').map_or("", |(_, after)| after),
        None => path.strip_prefix('/').unwrap_or(path),
    };
    rest == "_sandbox" || rest.starts_with("_sandbox/")
}

fn is_html_page(response: &ServiceResponse<BoxBody>) -> bool {
    response
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"))
}

/// The id of the request being served, readable from the request's extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId(pub uuid::Uuid);

/// The middleware function; install with `actix_web::middleware::from_fn(stamp)`.
pub async fn stamp(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = RequestId(uuid::Uuid::new_v4());
    req.extensions_mut().insert(id);
    // Handler and extractor errors arrive here as responses carrying their error; an `Err` could
    // only come from an inner middleware, and ours answer with responses.
    let response = next.call(req).await?.map_into_boxed_body();
    let mut buffer = uuid::Uuid::encode_buffer();
    let request_id = id.0.hyphenated().encode_lower(&mut buffer);
    // The training console's refusals are pages in their own right (HTML, with the refusal on the
    // form that was refused), and an override rule's answer is the user's own; every other error
    // speaks the Tripletex envelope.
    let overridden = response.headers().contains_key(OVERRIDE_HEADER);
    let upstream = response.headers().contains_key(UPSTREAM_HEADER);
    let response = if response.status().as_u16() >= 400 && !is_html_page(&response) && !overridden && !upstream {
        let error = as_api_error(&response);
        let body = if is_control_plane(response.request().path()) {
            error.body_with_link(request_id, CONTROL_PLANE_DOCS)
        } else {
            error.body(request_id)
        };
        response.map_body(|head, _| {
            head.headers.insert(CONTENT_TYPE, JSON_UTF8);
            BoxBody::new(body)
        })
    } else {
        response
    };
    let mut response = response;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(request_id)
        && !(upstream && headers.contains_key(REQUEST_ID_HEADER))
    {
        headers.insert(REQUEST_ID_HEADER, value);
    }
    headers.insert(EMULATOR_HEADER, HeaderValue::from_static(env!("CARGO_PKG_VERSION")));
    Ok(response)
}

/// Our own errors pass through; anything actix produced on its own is translated by status.
pub fn as_api_error(response: &ServiceResponse<BoxBody>) -> ApiError {
    let cause = response.response().error();
    if let Some(api_error) = cause.and_then(|e| e.as_error::<ApiError>()) {
        return api_error.clone();
    }
    let kind = match response.status().as_u16() {
        400 => ErrorKind::BadRequest,
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden,
        404 => ErrorKind::NotFound,
        405 => ErrorKind::MethodNotAllowed,
        408 => ErrorKind::RequestTimeout,
        413 => ErrorKind::PayloadTooLarge,
        415 => ErrorKind::UnsupportedMediaType,
        422 => ErrorKind::Validation,
        status => {
            log::error!("unexpected {status} from the HTTP layer: {cause:?}");
            ErrorKind::Internal
        }
    };
    let error = ApiError::new(kind);
    match cause {
        Some(cause) if kind != ErrorKind::Internal => error.with_developer_message(cause.to_string()),
        _ => error,
    }
}

/// The response for routes that do not exist and methods a route does not have.
pub async fn no_route(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "No endpoint {} {} in the sandbox. Paths are /v2/… (Tripletex API), /_sandbox/… (control plane).",
        req.method(),
        req.path()
    )))
}

/// A 405 naming the methods the path has, in the answer's `Allow` header and in its message.
pub fn method_not_allowed(req: &actix_web::HttpRequest, allowed: &[&str]) -> ApiError {
    ApiError::new(ErrorKind::MethodNotAllowed)
        .with_developer_message(format!(
            "{} is not allowed on {}: send {}.",
            req.method(),
            req.path(),
            allowed.join(", ")
        ))
        .with_allow(allowed)
}

/// A route whose unsupported methods answer 405 in the Tripletex envelope, with `Allow` naming
/// `allowed` (upper-case method names).
pub fn resource(path: &str, allowed: Vec<&'static str>) -> actix_web::Resource {
    let allowed = std::sync::Arc::new(allowed);
    actix_web::web::resource(path).default_service(actix_web::web::to(move |req: actix_web::HttpRequest| {
        let allowed = allowed.clone();
        async move { Err::<HttpResponse, _>(method_not_allowed(&req, &allowed)) }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_plane_paths_are_told_apart_from_the_api() {
        for path in ["/_sandbox/health", "/_sandbox", "/sb/abc/_sandbox/clock"] {
            assert!(is_control_plane(path), "{path}");
        }
        for path in ["/v2/customer", "/sb/abc/v2/customer", "/_sandboxes", "/sb/_sandbox"] {
            assert!(!is_control_plane(path), "{path}");
        }
    }
}
