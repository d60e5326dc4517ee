//! Forwarding one `/v2` call to the upstream Tripletex: the caller's method, path, query, headers
//! (its `Authorization` included) and body go out as they came, the upstream's status, headers
//! and body come back as they are; an upstream that cannot be reached is a 502 naming it.

use super::Settings;
use super::record::{Exchange, Recorder};
use crate::wire::auth::parse_basic;
use crate::wire::error::{ApiError, ErrorKind};
use crate::wire::request_id::UPSTREAM_HEADER;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, HeaderMap};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{Error, HttpRequest, HttpResponse, web};
use futures_util::StreamExt as _;
use std::cell::RefCell;
use std::time::Duration;

/// The largest request body forwarded (attachments and bank statements are uploaded whole).
const MAX_FORWARDED: usize = 64 * 1024 * 1024;

/// Headers that describe one hop, not the exchange: never passed on. `accept-encoding` is left
/// out so the upstream answers uncompressed and the recording holds readable bodies.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "accept-encoding",
];

/// The upstream `/v2` calls go to, and the recorder their exchanges go to.
pub struct Upstream {
    origin: String,
    recorder: Option<Recorder>,
}

thread_local! {
    /// One client per worker thread: a client's connections live on the runtime that opened
    /// them, and each actix worker runs its own.
    static CLIENT: RefCell<Option<reqwest::Client>> = const { RefCell::new(None) };
}

fn new_client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()
}

fn client() -> reqwest::Result<reqwest::Client> {
    CLIENT.with(|cell| {
        if let Some(client) = cell.borrow().as_ref() {
            return Ok(client.clone());
        }
        let client = new_client()?;
        *cell.borrow_mut() = Some(client.clone());
        Ok(client)
    })
}

impl Upstream {
    /// Checks that a client can be built (the TLS roots load) before anything is served.
    pub fn new(settings: &Settings) -> Result<Self, String> {
        new_client().map_err(|e| format!("cannot make an HTTP client for --upstream: {e}"))?;
        Ok(Self {
            origin: settings.origin.clone(),
            recorder: settings
                .record
                .as_ref()
                .map(|dir| Recorder::new(dir.clone(), &settings.origin)),
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Sends the call on and answers with the upstream's answer, recording the exchange.
    async fn answer(&self, request: &HttpRequest, payload: Payload) -> Result<HttpResponse, ApiError> {
        let body = read_body(payload).await?;
        let path = below_v2(request.uri().path());
        let query = request.query_string();
        let mut url = format!("{}/v2{path}", self.origin);
        if !query.is_empty() {
            url = format!("{url}?{query}");
        }
        let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes())
            .map_err(|_| ApiError::new(ErrorKind::MethodNotAllowed))?;
        let sent = client()
            .map_err(|e| self.unreachable(&e))?
            .request(method, url)
            .headers(forwarded(request.headers()))
            .body(body.clone())
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = sent.status().as_u16();
        let headers = sent.headers().clone();
        let answer = sent.bytes().await.map_err(|e| self.unreachable(&e))?;
        if let Some(recorder) = &self.recorder {
            let exchange = Exchange {
                method: request.method().as_str(),
                path,
                query,
                request_headers: pairs(request.headers().iter().map(|(n, v)| (n.as_str(), v.as_bytes()))),
                request_body: &body,
                status,
                response_headers: pairs(headers.iter().map(|(n, v)| (n.as_str(), v.as_bytes()))),
                response_body: &answer,
                session: session_of(request.headers()),
            };
            if let Err(err) = recorder.record(&exchange) {
                log::warn!("cannot write the recording of {} {path}: {err}", exchange.method);
            }
        }
        Ok(response(status, &headers, answer, &self.origin))
    }

    /// A 502 (504 for a timeout) that names the upstream and what went wrong, without the URL:
    /// its query may hold the caller's tokens.
    fn unreachable(&self, error: &reqwest::Error) -> ApiError {
        let kind = if error.is_timeout() {
            ErrorKind::GatewayTimeout
        } else {
            ErrorKind::BadGateway
        };
        let mut cause = String::new();
        let mut source = std::error::Error::source(error);
        while let Some(inner) = source {
            cause = inner.to_string();
            source = inner.source();
        }
        ApiError::new(kind)
            .with_message(format!("The upstream Tripletex at {} did not answer.", self.origin))
            .with_developer_message(format!(
                "Forwarding to {} failed ({}{}). Check --upstream, that the host is up and reachable from the sandbox, and try again.",
                self.origin,
                if error.is_timeout() { "timed out" } else { "could not connect or read the answer" },
                if cause.is_empty() { String::new() } else { format!(": {cause}") }
            ))
    }
}

/// Installed on every `/v2` scope: with an upstream configured, the call is forwarded and never
/// reaches the emulator's own handlers.
pub async fn divert(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(upstream) = req.app_data::<web::Data<Upstream>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let (request, payload) = req.into_parts();
    Ok(match upstream.answer(&request, payload).await {
        Ok(response) => ServiceResponse::new(request, response),
        Err(error) => ServiceResponse::from_err(error, request),
    })
}

async fn read_body(mut payload: Payload) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("The request body could not be read: {e}.")))?;
        if body.len() + chunk.len() > MAX_FORWARDED {
            return Err(
                ApiError::new(ErrorKind::PayloadTooLarge).with_developer_message(format!(
                    "The proxy forwards request bodies of at most {MAX_FORWARDED} bytes."
                )),
            );
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The path below `/v2` of `/v2/…` or `/sb/{id}/v2/…`, as sent.
fn below_v2(path: &str) -> &str {
    let inside = match path.strip_prefix("/sb/") {
        Some(rest) => rest.find('/').map_or("", |at| &rest[at..]),
        None => path,
    };
    inside.strip_prefix("/v2").unwrap_or(inside)
}

fn forwarded(headers: &HeaderMap) -> reqwest::header::HeaderMap {
    let mut out = reqwest::header::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        if let (Ok(name), Ok(value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()),
            reqwest::header::HeaderValue::from_bytes(value.as_bytes()),
        ) {
            out.append(name, value);
        }
    }
    out
}

fn response(status: u16, headers: &reqwest::header::HeaderMap, body: Bytes, origin: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY);
    let mut builder = HttpResponse::build(status);
    for (name, value) in headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            builder.append_header((name.as_str(), value.as_bytes()));
        }
    }
    builder.insert_header((UPSTREAM_HEADER, origin));
    builder.body(body)
}

fn pairs<'a>(headers: impl Iterator<Item = (&'a str, &'a [u8])>) -> Vec<(String, String)> {
    headers
        .map(|(name, value)| (name.to_owned(), String::from_utf8_lossy(value).into_owned()))
        .collect()
}

/// The session token a call is made with, so each session's calls share a recording.
fn session_of(headers: &HeaderMap) -> Option<String> {
    let header = headers.get(AUTHORIZATION).map(|v| v.as_bytes());
    parse_basic(header).ok().map(|credentials| credentials.session_token)
}

#[cfg(test)]
mod tests {
    use super::below_v2;

    #[test]
    fn the_path_below_v2_is_found_at_the_root_and_in_a_sandbox() {
        assert_eq!(below_v2("/v2/customer/5"), "/customer/5");
        assert_eq!(
            below_v2("/sb/abc/v2/token/session/%3EwhoAmI"),
            "/token/session/%3EwhoAmI"
        );
        assert_eq!(below_v2("/v2"), "");
    }
}
