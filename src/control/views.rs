//! JSON views of the control plane's objects.

use crate::domain::entitlements::KeyAccesses;
use crate::domain::model::Person;
use crate::store::KeyRow;
use serde_json::{Value, json};

pub fn person(person: &Person) -> Value {
    json!({
        "id": person.id,
        "companyId": person.company_id,
        "firstName": person.first_name,
        "lastName": person.last_name,
        "email": person.email,
        "isContact": person.is_contact,
        "userType": person.user_type,
        "roles": person.roles,
        "entitlements": person.entitlements,
        "clientEntitlements": person.client_entitlements,
    })
}

pub fn accesses(accesses: &KeyAccesses) -> Value {
    match accesses {
        KeyAccesses::All => json!("ALL"),
        KeyAccesses::Only(grants) => json!(grants),
    }
}

/// A key as the API-tilgang tab lists it; `token` only when it was just made or regenerated.
pub fn key(row: &KeyRow, token: Option<&str>) -> Value {
    let mut value = json!({
        "id": row.key.id,
        "name": row.key.name,
        "personId": row.key.person_id,
        "companyId": row.key.company_id,
        "integrationId": row.integration_id,
        "applicationName": row.key.application_name,
        "accountantKey": row.key.accountant_key,
        "accesses": accesses(&row.accesses),
        "createdAt": row.created_at,
        "regeneratedAt": row.regenerated_at,
    });
    if let (Some(token), Some(object)) = (token, value.as_object_mut()) {
        object.insert("token".into(), json!(token));
    }
    value
}
