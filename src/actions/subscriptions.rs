//! Event subscriptions as the data endpoints and the delivery worker need them: a subscription
//! write checked against the event types and the sandbox's allowed hosts, and an event's
//! webhook body (`subscriptionId`, `event`, `id`, `value` rendered with the subscription's
//! `fields`, null on a delete) made from the store.

use crate::actions::employees::{Belongings, person_view};
use crate::actions::{Actor, views};
use crate::domain::events::{self, Verb};
use crate::domain::kind::Kind;
use crate::domain::resource::{self, ResourceDef, WriteRule};
use crate::store::{Db, StoredObject};
use crate::wire::ApiError;
use crate::wire::fields::FieldFilter;
use serde_json::{Map, Value, json};

fn text<'a>(body: &'a Map<String, Value>, name: &str) -> &'a str {
    body.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// A subscription being written names a known event, a target the sandbox may deliver to, and
/// an auth header it can send; the worker is woken to see it.
pub fn check(def: &ResourceDef, actor: &Actor, body: &Map<String, Value>) -> Result<(), ApiError> {
    if !def.write_rules.contains(&WriteRule::EventSubscription) {
        return Ok(());
    }
    let webhooks = actor.sandbox.webhooks();
    events::subscription_event_is_known(text(body, "event"))?;
    events::subscription_target_is_allowed(text(body, "targetUrl"), &webhooks.settings().allowed_hosts)?;
    events::subscription_auth_header_is_sendable(text(body, "authHeaderName"), text(body, "authHeaderValue"))?;
    // `fields` selects from the object as a GET's `fields` does, and is refused as it would be.
    FieldFilter::parse(Some(text(body, "fields")))?;
    webhooks.wake();
    Ok(())
}

/// What a delivery sends where: the subscription's target, its headers, and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub target_url: String,
    /// The subscription's auth header, if it has one.
    pub header: Option<(String, String)>,
    pub body: Value,
}

/// The webhook of delivery `(subscription, event, object)` as the store holds them now: the
/// object as it stands (Tripletex sends an object's latest version), or null on a delete or
/// when the object is gone. None if the subscription is gone.
pub fn webhook(
    db: &Db<'_>,
    base: &str,
    subscription_id: i64,
    event: &str,
    object_id: i64,
) -> Result<Option<Webhook>, ApiError> {
    let Some(subscription) = db.object(Kind::EventSubscription.path(), subscription_id)? else {
        return Ok(None);
    };
    let body = &subscription.body;
    let value = match events::find(event).and_then(|e| e.emitted_by) {
        // Employees are people of the access model, not stored objects.
        Some((Kind::Employee, verb)) if verb != Verb::Delete => {
            employee(db, base, object_id, text(body, "fields")).unwrap_or_else(|e| unrendered(event, object_id, &e))
        }
        Some((kind, verb)) if verb != Verb::Delete => match (resource::of(kind), db.object(kind.path(), object_id)?) {
            (Some(def), Some(object)) => rendered(def, base, &object, text(body, "fields"), db)
                .unwrap_or_else(|e| unrendered(event, object_id, &e)),
            _ => Value::Null,
        },
        _ => Value::Null,
    };
    let name = text(body, "authHeaderName");
    Ok(Some(Webhook {
        target_url: text(body, "targetUrl").to_owned(),
        header: (!name.is_empty()).then(|| (name.to_owned(), text(body, "authHeaderValue").to_owned())),
        body: json!({"subscriptionId": subscription_id, "event": event, "id": object_id, "value": value}),
    }))
}

/// A subscription stored before its fields were checked: the webhook still leaves, its value null.
fn unrendered(event: &str, object_id: i64, error: &ApiError) -> Value {
    log::warn!("webhook of {event} {object_id}: its value cannot be rendered: {error:?}");
    Value::Null
}

/// An employee as `GET /employee/{id}?fields=…` renders it (null once gone).
fn employee(db: &Db<'_>, base: &str, id: i64, fields: &str) -> Result<Value, ApiError> {
    let Some(person) = db.person(id)? else {
        return Ok(Value::Null);
    };
    let filter = FieldFilter::parse(Some(fields))?;
    let belongings =
        Belongings::of(db, person.company_id)?.expanded(db, base, person.company_id, &filter, &[&person])?;
    filter.apply(person_view(base, &person, &belongings), "Employee")
}

/// An object as `GET /{path}/{id}?fields=…` renders it.
fn rendered(
    def: &ResourceDef,
    base: &str,
    object: &StoredObject,
    fields: &str,
    db: &Db<'_>,
) -> Result<Value, ApiError> {
    let filter = FieldFilter::parse(Some(fields))?;
    let value = views::render_object(def, base, object, &filter, db, object.company_id)?;
    filter.apply(value, &def.model)
}

/// Marks subscription `id` as Tripletex does after too many failed deliveries (a new version,
/// as any change). Its pending deliveries wait until it is made `ACTIVE` again.
pub fn disable_for_errors(db: &Db<'_>, id: i64) -> Result<(), ApiError> {
    let Some(mut subscription) = db.object(Kind::EventSubscription.path(), id)? else {
        return Ok(());
    };
    subscription
        .body
        .insert("status".into(), Value::String(events::TOO_MANY_ERRORS.into()));
    subscription.version += 1;
    db.update_object(Kind::EventSubscription.path(), &subscription)?;
    Ok(())
}
