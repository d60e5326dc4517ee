//! Override rules at the door of `/v2`: a request a rule matches gets the rule's answer before
//! authentication and before any handler. The body is read only when a rule that could answer
//! looks at it, and is then handed on unchanged to the handler if no rule answers.

use crate::sandbox::overrides::{Armed, Overrides, Request, answer, body_needed, percent_decoded};
use crate::wire::request_id::{JSON_UTF8, OVERRIDE_HEADER};
use actix_web::body::BoxBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::{HttpMessage, HttpResponse, web::Bytes};
use futures_core::Stream;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The largest body a rule looks at: the most the API accepts. A larger one matches no body
/// predicate and reaches its handler whole, to be refused there.
const MAX_BODY: usize = 1024 * 1024;

pub enum Outcome {
    /// A rule answered; its id is for the journal.
    Answered {
        response: ServiceResponse<BoxBody>,
        id: String,
    },
    /// No rule answered: the request goes on as it came (its body too).
    Passed(ServiceRequest),
}

/// The answer of the first rule that matches, or the request back.
pub async fn try_answer(mut req: ServiceRequest, overrides: &Overrides) -> Outcome {
    let rules = overrides.armed();
    let Some(below) = below_v2(req.path()) else {
        return Outcome::Passed(req);
    };
    let segments: Vec<String> = below.split('/').skip(1).map(percent_decoded).collect();
    let query: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let method = req.method().clone();
    let request = Request {
        method: method.as_str(),
        segments: &segments,
        query: &query,
    };
    let body = if body_needed(&rules, &request) {
        read_body(&mut req)
            .await
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
    } else {
        None
    };
    match answer(&rules, &request, body.as_ref()) {
        Some(rule) => Outcome::Answered {
            id: rule.id().to_owned(),
            response: req.into_response(respond(rule)),
        },
        None => Outcome::Passed(req),
    }
}

/// The rule's answer: its status, its body as JSON, its headers and the header naming it.
fn respond(rule: &Armed) -> HttpResponse {
    let answer = &rule.rule().response;
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = match &answer.body {
        Some(body) => HttpResponse::build(status)
            .insert_header((CONTENT_TYPE, JSON_UTF8))
            // Serialising a JSON value cannot fail.
            .body(serde_json::to_vec(body).unwrap_or_default()),
        None => HttpResponse::build(status).finish(),
    };
    let headers = response.headers_mut();
    // The rule's headers were checked when it was set; one that still does not parse is left out.
    for (name, value) in &answer.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::from_str(value)) {
            headers.insert(name, value);
        }
    }
    if let Ok(id) = HeaderValue::from_str(rule.id()) {
        headers.insert(OVERRIDE_HEADER, id);
    }
    response
}

/// The path below `/v2` of `/v2/…` or `/sb/{id}/v2/…`.
fn below_v2(path: &str) -> Option<&str> {
    let path = match path.strip_prefix("/sb/") {
        Some(rest) => &rest[rest.find('/')?..],
        None => path,
    };
    path.strip_prefix("/v2")
        .filter(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Reads the whole body and puts it back for the handler; None (with whatever arrived handed
/// back, followed by the rest or the failure) when it is too large or fails to arrive.
async fn read_body(req: &mut ServiceRequest) -> Option<Bytes> {
    let mut payload = req.take_payload();
    let mut buffer = bytes::BytesMut::new();
    loop {
        match std::future::poll_fn(|cx| Pin::new(&mut payload).poll_next(cx)).await {
            Some(Ok(chunk)) => {
                buffer.extend_from_slice(&chunk);
                if buffer.len() > MAX_BODY {
                    hand_back(req, buffer.freeze(), None, Some(payload));
                    return None;
                }
            }
            Some(Err(error)) => {
                hand_back(req, buffer.freeze(), Some(error), None);
                return None;
            }
            None => break,
        }
    }
    let body = buffer.freeze();
    req.set_payload(Payload::from(body.clone()));
    Some(body)
}

fn hand_back(req: &mut ServiceRequest, head: Bytes, error: Option<PayloadError>, rest: Option<Payload>) {
    let replayed = Replayed {
        head: Some(head).filter(|h| !h.is_empty()),
        error,
        rest,
    };
    req.set_payload(Payload::from(
        Box::pin(replayed) as Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>
    ));
}

/// A body stream that gives what was read already, then the failure or the rest of the body.
struct Replayed {
    head: Option<Bytes>,
    error: Option<PayloadError>,
    rest: Option<Payload>,
}

impl Stream for Replayed {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(head) = self.head.take() {
            return Poll::Ready(Some(Ok(head)));
        }
        if let Some(error) = self.error.take() {
            return Poll::Ready(Some(Err(error)));
        }
        match self.rest.as_mut() {
            Some(rest) => Pin::new(rest).poll_next(cx),
            None => Poll::Ready(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_below_v2_is_found_at_the_root_and_under_a_sandbox() {
        assert_eq!(below_v2("/v2/customer/1"), Some("/customer/1"));
        assert_eq!(below_v2("/sb/abc/v2/customer"), Some("/customer"));
        assert_eq!(below_v2("/v2"), Some(""));
        assert_eq!(below_v2("/v2x/customer"), None);
        assert_eq!(below_v2("/sb/abc"), None);
    }
}
