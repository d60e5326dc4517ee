//! `/event` and `/event/{eventType}`: the event types a subscription may name, with their
//! descriptions and payload models, behind the entitlement of `/event/subscription`.

use crate::api::auth::CompanyPrincipal;
use crate::api::dispatch::route as resource;
use crate::domain::events::{self, EventType};
use crate::http::sandbox;
use crate::wire::ApiError;
use crate::wire::envelope::json_response;
use crate::wire::fields::FieldFilter;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `/event/subscription` is the table's (served by the engine): mounted first, so the
    // `{eventType}` pattern after it never takes it.
    cfg.service(resource("/event").route(web::get().to(list)))
        .service(resource("/event/subscription"))
        .service(resource("/event/{eventType}").route(web::get().to(example)));
}

#[derive(Debug, Deserialize)]
struct EventPath {
    #[serde(rename = "eventType")]
    event_type: String,
}

#[derive(Debug, Deserialize)]
struct FieldsQuery {
    fields: Option<String>,
}

/// The subscriptions' entitlement, which reading the event types needs too.
fn check_access(req: &HttpRequest, principal: &CompanyPrincipal) -> Result<(), ApiError> {
    let needed =
        crate::domain::resource::of(crate::domain::kind::Kind::EventSubscription).and_then(|def| def.entitlement);
    match needed {
        Some(needed) => sandbox(req)?.store().with(|db| principal.require(db, needed, "/event")),
        None => Ok(()),
    }
}

fn description(event: &EventType) -> Value {
    let mut out = Map::new();
    out.insert("description".into(), json!(event.description));
    if let Some(model) = event.payload_model {
        out.insert("payloadModel".into(), json!(model));
    }
    Value::Object(out)
}

/// `GET /event`: `{"value": {"customer.create": {"description": …, "payloadModel": …}, …}}`.
async fn list(
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: web::Query<FieldsQuery>,
) -> Result<HttpResponse, ApiError> {
    check_access(&req, &principal)?;
    FieldFilter::parse(query.fields.as_deref())?;
    let value: Map<String, Value> = events::event_types()
        .iter()
        .map(|e| (e.name.to_owned(), description(e)))
        .collect();
    Ok(json_response(200, &json!({ "value": value })))
}

/// `GET /event/{eventType}`: the event type with an example of the webhook it sends.
async fn example(
    req: HttpRequest,
    principal: CompanyPrincipal,
    path: web::Path<EventPath>,
    query: web::Query<FieldsQuery>,
) -> Result<HttpResponse, ApiError> {
    check_access(&req, &principal)?;
    FieldFilter::parse(query.fields.as_deref())?;
    let name = path.into_inner().event_type;
    let event = events::find(&name).ok_or_else(|| {
        ApiError::not_found(format!(
            "No event type is named {name:?}; GET /v2/event lists them (customer.create, invoice.charged, …)."
        ))
    })?;
    // A delete's webhook carries no object; any other carries the object (here its id only).
    let example_value = event.payload_model.map(|_| json!({"id": 1}));
    let value = json!({
        "name": event.name,
        "description": event.description,
        "payloadModel": event.payload_model,
        "examples": [{"subscriptionId": 1, "event": event.name, "id": 1, "value": example_value}],
    });
    Ok(json_response(200, &json!({ "value": value })))
}
