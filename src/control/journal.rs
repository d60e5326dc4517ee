//! The journal as a verification API: the filters a journal read and a count share, the count,
//! and `POST /_sandbox/verify` (call patterns with expected counts, near misses when one fails).

use crate::http::sandbox;
use crate::sandbox::journal::{BodyPredicate, Expectation, Filter, StatusFilter};
use crate::wire::envelope::json_response;
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// The filters of `GET /_sandbox/journal` and `GET /_sandbox/journal/count`.
#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct JournalQuery {
    path: Option<String>,
    method: Option<String>,
    template: Option<String>,
    status: Option<String>,
    key: Option<i64>,
    company: Option<i64>,
    /// A session token or an employee token: the key behind it.
    token: Option<String>,
    since: Option<String>,
    until: Option<String>,
    /// `name=value`: a query parameter the call was sent with.
    param: Option<String>,
    /// `path=value`: a field of the request body (`paidAmount=1250`, `customer.id=5`).
    body: Option<String>,
    pub(super) from: Option<String>,
    pub(super) count: Option<String>,
}

fn invalid(field: &'static str, message: String) -> ApiError {
    ApiError::new(ErrorKind::Param)
        .with_developer_message(message)
        .with_validation(vec![ValidationMessage::arg(
            field,
            "Verdien er ikke av korrekt type for dette feltet.",
        )])
}

/// A non-empty text parameter.
fn given(text: Option<&String>) -> Option<&str> {
    text.map(String::as_str).filter(|s| !s.trim().is_empty())
}

fn time(field: &'static str, text: Option<&String>) -> Result<Option<jiff::Timestamp>, ApiError> {
    given(text)
        .map(|s| {
            s.parse::<jiff::Timestamp>().map_err(|e| {
                invalid(
                    field,
                    format!("{field} must be an RFC 3339 time such as 2026-01-31T12:00:00Z: {e}."),
                )
            })
        })
        .transpose()
}

/// The filter the query asks for, or a 422 naming the parameter to fix.
pub(super) fn filter(sandbox: &crate::sandbox::Sandbox, query: &JournalQuery) -> Result<Filter, ApiError> {
    let status = given(query.status.as_ref())
        .map(|s| {
            StatusFilter::parse(s).ok_or_else(|| {
                invalid(
                    "status",
                    format!("status must be a status such as 403 or a class such as 4xx, not {s:?}."),
                )
            })
        })
        .transpose()?;
    let params = given(query.param.as_ref())
        .map(|p| match p.split_once('=') {
            Some((name, value)) if !name.is_empty() => Ok(vec![(name.to_owned(), value.to_owned())]),
            _ => Err(invalid(
                "param",
                format!("param must be NAME=VALUE, a query parameter as the call sent it (param=paidAmount=1250), not {p:?}."),
            )),
        })
        .transpose()?
        .unwrap_or_default();
    let body = given(query.body.as_ref())
        .map(|b| {
            BodyPredicate::parse(b).map(|p| vec![p]).ok_or_else(|| {
                invalid(
                    "body",
                    format!("body must be PATH=VALUE, a dotted path into the request body and a JSON value or text (body=paidAmount=1250, body=customer.id=5), not {b:?}."),
                )
            })
        })
        .transpose()?
        .unwrap_or_default();
    let key = match (query.key, given(query.token.as_ref())) {
        (Some(key), _) => Some(key),
        (None, Some(token)) => Some(
            sandbox
                .store()
                .with(|db| super::key_of_token(db, token))?
                .ok_or_else(|| ApiError::not_found("No session or employee token in this sandbox is that token."))?,
        ),
        (None, None) => None,
    };
    Ok(Filter {
        path: given(query.path.as_ref()).map(str::to_owned),
        method: given(query.method.as_ref()).map(str::to_owned),
        template: given(query.template.as_ref()).map(str::to_owned),
        status,
        key,
        company: query.company,
        since: time("since", query.since.as_ref())?,
        until: time("until", query.until.as_ref())?,
        params,
        body,
    })
}

/// How many journal entries match the filters: `{"value": {"count": n}}`.
pub(super) async fn count(req: HttpRequest, query: web::Query<JournalQuery>) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let filter = filter(&sandbox, &query)?;
    let count = sandbox.journal().count(&filter);
    Ok(json_response(200, &json!({ "value": { "count": count } })))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct VerifyBody {
    calls: Vec<Expectation>,
}

/// Checks call patterns against the journal: 200 with each verdict when all hold, else 422 with
/// one validation message per pattern that failed (its count and nearest calls) and the verdicts.
pub(super) async fn verify(
    req: HttpRequest,
    body: crate::http::JsonObject<VerifyBody>,
) -> Result<HttpResponse, ApiError> {
    let calls = body.into_inner().calls;
    check_counts(&calls)?;
    let verdicts = sandbox(&req)?.journal().verify(&calls);
    let failed: Vec<ValidationMessage> = verdicts
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.holds)
        .map(|(i, v)| ValidationMessage::field(format!("calls[{i}]"), mismatch(v)))
        .collect();
    if failed.is_empty() {
        return Ok(json_response(200, &json!({ "values": verdicts })));
    }
    Err(ApiError::new(ErrorKind::Validation)
        .with_message(format!("{} of {} call patterns did not hold.", failed.len(), verdicts.len()))
        .with_developer_message(
            "Each validation message names a pattern (calls[i]), the calls it expected and saw, and the nearest calls the journal holds.",
        )
        .with_validation(failed))
}

/// A pattern's bounds must make sense before any call is counted.
fn check_counts(calls: &[Expectation]) -> Result<(), ApiError> {
    for (i, call) in calls.iter().enumerate() {
        let mixed = call.count.is_some() && (call.at_least.is_some() || call.at_most.is_some());
        let empty = call
            .at_least
            .zip(call.at_most)
            .is_some_and(|(least, most)| least > most);
        if mixed || empty {
            return Err(ApiError::new(ErrorKind::Validation)
                .with_developer_message(format!(
                    "calls[{i}]: give count (exactly) or atLeast and/or atMost, with atLeast no more than atMost."
                ))
                .with_validation(vec![ValidationMessage::field(format!("calls[{i}]"), "Ugyldig antall.")]));
        }
    }
    Ok(())
}

fn mismatch(verdict: &crate::sandbox::journal::Verdict) -> String {
    let expected = &verdict.expected;
    let pattern = format!(
        "{} {}",
        expected.method.as_deref().unwrap_or("any method"),
        expected.path.as_deref().unwrap_or("any path")
    );
    let wanted = match expected.bounds() {
        (least, Some(most)) if least == most => format!("exactly {least}"),
        (least, None) => format!("at least {least}"),
        (0, Some(most)) => format!("at most {most}"),
        (least, Some(most)) => format!("{least} to {most}"),
    };
    let near = if verdict.near_misses.is_empty() {
        String::new()
    } else {
        format!("; nearest: {}", verdict.near_misses.join("; "))
    };
    format!("expected {wanted} of {pattern}, saw {}{near}", verdict.matched)
}
