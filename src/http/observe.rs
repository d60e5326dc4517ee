//! The middleware around every `/v2` request: resolves the request context once, lets an override
//! rule answer first, applies the sandbox's rate limit and fault rules before the request is
//! served, and records it in the journal once its response is known (with the denying rule and
//! remedy for a refusal, or the override rule that answered), with its bodies, secrets redacted.

use crate::http::capture;
use crate::http::context::{AccessNeeded, Caller, RequestContext, SANDBOX_ID, resolve};
use crate::http::overrides::Outcome;
use crate::sandbox::journal::Entry;
use crate::sandbox::registry::Registry;
use crate::wire::request_id::{RequestId, as_api_error};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, web};

/// Install with `actix_web::middleware::from_fn(observe)` on each `/v2` scope.
pub async fn observe(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let registry = req.app_data::<web::Data<Registry>>();
    // Zero keeps no bodies, and then the request path pays nothing for them.
    let body_bound = registry.map_or(0, |r| r.journal_body_bytes());
    let resolved = resolve(registry, req.match_info().get(SANDBOX_ID));
    let Ok(sandbox) = resolved else {
        // An unknown sandbox: the handler's extractor answers 404, and there is no journal to write.
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let context = RequestContext {
        now: sandbox.now(),
        sandbox: sandbox.clone(),
    };
    let method = crate::sandbox::journal::method_name(req.method());
    let path = crate::sandbox::journal::redact::path(req.path()).into_owned();
    let query = crate::sandbox::journal::redact::query(req.query_string()).into_owned();
    let request_copy =
        (body_bound > 0 && crate::http::limits::has_body(&req)).then(|| capture::tee_request(&mut req, body_bound));
    let now = context.now;
    req.extensions_mut().insert(context);

    let outcome = if sandbox.overrides().is_idle() {
        Outcome::Passed(req)
    } else {
        crate::http::overrides::try_answer(req, sandbox.overrides()).await
    };
    let (response, override_id) = match outcome {
        Outcome::Answered { response, id } => (response, Some(id)),
        Outcome::Passed(req) if sandbox.faults().is_idle() => (next.call(req).await?.map_into_boxed_body(), None),
        Outcome::Passed(req) => (with_faults(req, next, &sandbox, now).await?, None),
    };

    let (response, response_body) = if body_bound > 0 {
        capture::response_body(response)
    } else {
        (response, None)
    };
    let redact = crate::sandbox::journal::redact::body;
    let bodies = (
        request_copy.and_then(capture::RequestCopy::take).and_then(redact),
        response_body.and_then(redact),
    );
    let asked = Asked {
        time: now,
        method,
        path,
        query,
    };
    let entry = journal_entry(&response, asked, override_id, bodies, body_bound);
    sandbox.journal().record(entry, body_bound);
    Ok(response)
}

/// What the journal keeps of a request before it is served.
struct Asked {
    time: jiff::Timestamp,
    method: std::borrow::Cow<'static, str>,
    path: String,
    query: String,
}

/// The journal's line for a served request: who asked, what for, and for an error of the
/// emulator's own, its code, rule and remedy.
fn journal_entry(
    response: &ServiceResponse<BoxBody>,
    asked: Asked,
    override_id: Option<String>,
    (request_body, response_body): (Option<Bytes>, Option<Bytes>),
    body_bound: usize,
) -> Entry {
    let (request_id, caller, needed) = {
        let extensions = response.request().extensions();
        (
            extensions.get::<RequestId>().copied(),
            extensions.get::<Caller>().copied(),
            extensions
                .get::<AccessNeeded>()
                .map(AccessNeeded::taken)
                .unwrap_or_default(),
        )
    };
    let mut entry = Entry {
        time: asked.time,
        request_id: request_id.map(|r| r.0),
        method: asked.method,
        path: asked.path,
        query: asked.query,
        company_id: caller.and_then(|c| c.company_id),
        key_id: caller.map(|c| c.key_id),
        status: response.status().as_u16(),
        code: None,
        rule: None,
        remedy: None,
        norwegian: None,
        developer_message: None,
        needed,
        override_id,
        request_body,
        response_body,
        bodies_dropped: false,
    };
    // An override's answer is the user's, an upstream's is Tripletex's: not errors of the
    // emulator's to explain.
    let proxied = response
        .headers()
        .contains_key(crate::wire::request_id::UPSTREAM_HEADER);
    if entry.status >= 400 && entry.override_id.is_none() && !proxied {
        explain_error(&mut entry, response, request_id, body_bound);
    }
    entry
}

/// Adds an error's code, body, rule, remedy and messages to its journal line.
fn explain_error(
    entry: &mut Entry,
    response: &ServiceResponse<BoxBody>,
    request_id: Option<RequestId>,
    body_bound: usize,
) {
    let error = as_api_error(response);
    entry.code = Some(error.kind.code());
    // The error body is rendered later, by the request-id stamp outside this middleware; the
    // journal keeps the same envelope the caller receives.
    if body_bound > 0
        && entry.response_body.is_none()
        && let Some(id) = request_id
    {
        let body = error.body(&id.0.hyphenated().to_string());
        entry.response_body = crate::sandbox::journal::redact::body(body.into());
    }
    if let Some(denial) = error.denial {
        let (rule, remedy) = *denial;
        entry.rule = Some(rule);
        entry.remedy = remedy;
    }
    entry.norwegian = Some(match error.norwegian {
        Some(norwegian) => norwegian.remedy.unwrap_or(norwegian.reason),
        None => error.kind.norwegian_message().to_owned(),
    });
    entry.developer_message = error.developer_message.map(|m| m.into_owned());
}

/// The slow path, taken only while the sandbox has a rate limit or fault rules set.
async fn with_faults(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    sandbox: &crate::sandbox::Sandbox,
    now: jiff::Timestamp,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let caller = if sandbox.faults().needs_key() {
        let header = req.headers().get(AUTHORIZATION).map(|v| v.as_bytes());
        crate::wire::auth::parse_basic(header).ok().and_then(|credentials| {
            let found = sandbox
                .store()
                .with(|db| db.session_by_token(&credentials.session_token))
                .ok()?;
            match found {
                crate::domain::rules::SessionLookup::Found(s) => Some((s.key.id, s.key.person_id, s.integration_id)),
                crate::domain::rules::SessionLookup::Unknown => None,
            }
        })
    } else {
        None
    };
    let verdict = sandbox.faults().decide(req.method().as_str(), req.path(), caller, now);
    if verdict.latency_ms > 0 {
        actix_web::rt::time::sleep(std::time::Duration::from_millis(verdict.latency_ms)).await;
    }
    let mut response = match verdict.error {
        Some(error) => req.error_response(error),
        None => next.call(req).await?.map_into_boxed_body(),
    };
    if let Some((limit, remaining, reset)) = verdict.rate_headers {
        let headers = response.headers_mut();
        for (name, value) in [
            ("x-rate-limit-limit", u64::from(limit)),
            ("x-rate-limit-remaining", u64::from(remaining)),
            ("x-rate-limit-reset", reset),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
    Ok(response)
}
