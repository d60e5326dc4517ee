//! Webhook delivery of one sandbox (`/_sandbox/webhooks`): pause and resume it, list the
//! deliveries with their attempts, status codes, latency and next retry, and deliver one again.

use crate::http::sandbox;
use crate::sandbox::Sandbox;
use crate::store::DeliveryRow;
use crate::wire::envelope::json_response;
use crate::wire::openapi::Field;
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// The fields of a delivery as the control plane shows it.
pub const DELIVERY: &[Field] = &[
    Field("id", "integer"),
    Field("subscriptionId", "integer"),
    Field("event", "string"),
    Field("objectId", "integer"),
    Field("state", "string"),
    Field("attempts", "integer"),
    Field("lastStatus", "integer"),
    Field("lastError", "string"),
    Field("latencyMs", "integer"),
    Field("createdAt", "string"),
    Field("nextAttemptAt", "string"),
    Field("finishedAt", "string"),
];

/// The fields of the delivery settings as the control plane shows them.
pub const DELIVERY_SETTINGS: &[Field] = &[
    Field("paused", "boolean"),
    Field("pending", "integer"),
    Field("queueLimit", "integer"),
    Field("timeoutMs", "integer"),
    Field("allowedHosts", "string[]"),
];

/// Deliveries listed at most.
const MOST_LISTED: usize = 1000;

fn time(ms: Option<i64>) -> Value {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map_or(Value::Null, |t| json!(t.to_string()))
}

pub fn view(row: &DeliveryRow) -> Value {
    json!({
        "id": row.id,
        "subscriptionId": row.subscription_id,
        "event": row.event,
        "objectId": row.object_id,
        "state": row.state.as_str(),
        "attempts": row.attempts,
        "lastStatus": row.last_status,
        "lastError": row.last_error,
        "latencyMs": row.latency_ms,
        "createdAt": time(Some(row.created_ms)),
        "nextAttemptAt": time(row.next_ms),
        "finishedAt": time(row.done_ms),
    })
}

fn settings_view(sandbox: &Sandbox) -> Result<Value, ApiError> {
    let settings = sandbox.webhooks().settings();
    let pending = sandbox.store().with(|db| db.pending_deliveries())?;
    Ok(json!({
        "paused": sandbox.webhooks().paused(),
        "pending": pending,
        "queueLimit": settings.queue_limit,
        "timeoutMs": u64::try_from(settings.timeout.as_millis()).unwrap_or(u64::MAX),
        "allowedHosts": settings.allowed_hosts,
    }))
}

/// `GET /_sandbox/webhooks`.
pub async fn get(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Ok(json_response(
        200,
        &json!({ "value": settings_view(&sandbox(&req)?.into_inner())? }),
    ))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryBody {
    paused: bool,
}

/// `PUT /_sandbox/webhooks {"paused": true|false}`: hold deliveries (events are still queued)
/// or let them go.
pub async fn put(req: HttpRequest, body: crate::http::JsonObject<DeliveryBody>) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    sandbox.webhooks().set_paused(body.paused);
    Ok(json_response(200, &json!({ "value": settings_view(&sandbox)? })))
}

#[derive(Debug, serde::Deserialize)]
pub struct ListQuery {
    count: Option<String>,
}

/// `GET /_sandbox/webhooks/deliveries?count=N`: the newest first.
pub async fn deliveries(req: HttpRequest, query: web::Query<ListQuery>) -> Result<HttpResponse, ApiError> {
    let count = match query.count.as_deref() {
        None => MOST_LISTED,
        Some(text) => text.parse::<usize>().map_err(|_| {
            ApiError::new(ErrorKind::Validation)
                .with_developer_message(format!("count must be a whole number of deliveries, not {text:?}."))
                .with_validation(vec![ValidationMessage::field("count", "Ugyldig tall.")])
        })?,
    };
    let rows = sandbox(&req)?
        .store()
        .with(|db| db.deliveries(count.min(MOST_LISTED)))?;
    let values: Vec<Value> = rows.iter().map(view).collect();
    Ok(json_response(200, &json!({ "values": values })))
}

#[derive(Debug, serde::Deserialize)]
pub struct DeliveryPath {
    id: i64,
}

/// `POST /_sandbox/webhooks/deliveries/{id}/redeliver`: due again now, whatever it came to.
pub async fn redeliver(req: HttpRequest, path: web::Path<DeliveryPath>) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let now = sandbox.now().as_millisecond();
    let row = sandbox.store().transaction(|db| {
        if !db.redeliver(path.id, now)? {
            return Ok(None);
        }
        db.delivery(path.id)
    })?;
    let row = row.ok_or_else(|| {
        ApiError::not_found(format!(
            "This sandbox has no delivery {}; GET /_sandbox/webhooks/deliveries lists them.",
            path.id
        ))
    })?;
    sandbox.webhooks().wake();
    Ok(json_response(200, &json!({ "value": view(&row) })))
}
