//! The client side of an accounting office: Selskap > Regnskapsfører (API access, office admin
//! rights), office keys linked to clients, and Klient > Tilganger filtered on API keys.

use crate::control::actor::{ActingAs, resolve};
use crate::control::company::company_or_404;
use crate::domain::entitlements::{self, AccessSet};
use crate::domain::model::{AccountantRelation, Company, Key, KeyState};
use crate::domain::ui;
use crate::http::sandbox;
use crate::sandbox::Sandbox;
use crate::store::Db;
use crate::wire::envelope::json_response;
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

fn client_and_relation(db: &Db<'_>, client_id: i64) -> Result<(Company, AccountantRelation), ApiError> {
    let client = company_or_404(db, client_id)?;
    let relation = db.relation_of_client(client_id)?.ok_or_else(|| {
        ApiError::new(ErrorKind::Validation).with_developer_message(format!(
            "\"{}\" (id {client_id}) has no accounting office; only clients of an office have these settings.",
            client.name
        ))
    })?;
    Ok((client, relation))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountantBody {
    pub api_access: Option<bool>,
    pub office_is_admin: Option<bool>,
}

pub async fn put_accountant(
    req: HttpRequest,
    client_id: web::Path<crate::wire::params::ClientId>,
    body: crate::http::JsonObject<AccountantBody>,
) -> Result<HttpResponse, ApiError> {
    let client_id = client_id.into_inner().client_id;
    let relation = set_accountant(&*sandbox(&req)?, ActingAs::of(&req), client_id, &body)?;
    Ok(json_response(
        200,
        &json!({"value": {"clientId": relation.client_id, "officeId": relation.office_id,
                          "apiAccess": relation.api_access, "officeIsAdmin": relation.office_is_admin}}),
    ))
}

/// The client's Selskap > Regnskapsfører: «API-tilgang» and the office's admin rights.
pub fn set_accountant(
    sandbox: &Sandbox,
    acting: ActingAs,
    client_id: i64,
    body: &AccountantBody,
) -> Result<AccountantRelation, ApiError> {
    sandbox.store().transaction(|db| {
        let (client, relation) = client_and_relation(db, client_id)?;
        let actor = resolve(db, acting, client.id)?;
        ui::actor_may_change_client_settings(&actor, &client, &relation)?;
        let updated = AccountantRelation {
            api_access: body.api_access.unwrap_or(relation.api_access),
            office_is_admin: body.office_is_admin.unwrap_or(relation.office_is_admin),
            ..relation
        };
        db.update_relation(client.id, updated.api_access, updated.office_is_admin)?;
        Ok::<_, ApiError>(updated)
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkBody {
    #[serde(default)]
    pub accesses: Vec<String>,
    pub template: Option<String>,
}

pub async fn put_link(
    req: HttpRequest,
    path: web::Path<crate::wire::params::ClientKey>,
    body: crate::http::JsonObject<LinkBody>,
) -> Result<HttpResponse, ApiError> {
    let crate::wire::params::ClientKey { client_id, key_id } = path.into_inner();
    link_key(&*sandbox(&req)?, ActingAs::of(&req), client_id, key_id, &body)?;
    client_access_response(&req, client_id)
}

/// Gives an office key access to a client with the given accesses or template
/// («Standardrettigheter for regnskapsførere» when none is named).
pub fn link_key(
    sandbox: &Sandbox,
    acting: ActingAs,
    client_id: i64,
    key_id: i64,
    body: &LinkBody,
) -> Result<(), ApiError> {
    let mut accesses = body.accesses.clone();
    accesses.extend(body.template.clone());
    if accesses.is_empty() {
        accesses.push("STANDARD_PRIVILEGES_ACCOUNTANT".to_owned());
    }
    let unknown: Vec<_> = accesses
        .iter()
        .filter(|n| !entitlements::is_known(n))
        .map(|n| ValidationMessage::field("accesses", format!("Ukjent tilgang: {n}")))
        .collect();
    if !unknown.is_empty() {
        return Err(ApiError::new(ErrorKind::Validation)
            .with_developer_message("Use entitlement or template names, e.g. STANDARD_PRIVILEGES_ACCOUNTANT.")
            .with_validation(unknown));
    }
    let pending = sandbox.settings()?.link_snapshot;
    sandbox.store().transaction(|db| {
        let (client, relation) = client_and_relation(db, client_id)?;
        let key = db
            .key_row(key_id)?
            .filter(|r| r.key.state == KeyState::Active)
            .ok_or_else(|| ApiError::not_found(format!("No key has id {key_id}.")))?;
        ui::key_is_an_office_key(&key.key)?;
        ui::key_belongs_to_the_clients_office(&key.key, &relation, &client)?;
        let actor = resolve(db, acting, relation.office_id)?;
        ui::actor_may_link_office_keys(&actor, relation.office_id)?;
        let already_linked = db.link_accesses(key_id, client_id)?.is_some();
        db.insert_link(
            key_id,
            client_id,
            &crate::store::json_text(&accesses),
            pending && !already_linked,
        )?;
        Ok::<_, ApiError>(())
    })
}

pub async fn delete_link(
    req: HttpRequest,
    path: web::Path<crate::wire::params::ClientKey>,
) -> Result<HttpResponse, ApiError> {
    let crate::wire::params::ClientKey { client_id, key_id } = path.into_inner();
    unlink_key(&*sandbox(&req)?, ActingAs::of(&req), client_id, key_id)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes an office key's access to a client away.
pub fn unlink_key(sandbox: &Sandbox, acting: ActingAs, client_id: i64, key_id: i64) -> Result<(), ApiError> {
    sandbox.store().transaction(|db| {
        let (_, relation) = client_and_relation(db, client_id)?;
        let actor = resolve(db, acting, relation.office_id)?;
        ui::actor_may_link_office_keys(&actor, relation.office_id)?;
        if !db.delete_link(key_id, client_id)? {
            return Err(ApiError::not_found(format!(
                "Key {key_id} is not linked to client {client_id}."
            )));
        }
        Ok(())
    })
}

#[derive(Debug, Deserialize)]
pub struct AccessQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub async fn get_client_access(
    req: HttpRequest,
    client_id: web::Path<crate::wire::params::ClientId>,
    query: web::Query<AccessQuery>,
) -> Result<HttpResponse, ApiError> {
    let client_id = client_id.into_inner().client_id;
    match query.kind.as_deref() {
        None | Some("api-key") => client_access_response(&req, client_id),
        Some(other) => Err(ApiError::bad_request(format!(
            "type={other} is not supported; the sandbox lists API keys (type=api-key)."
        ))),
    }
}

fn client_access_response(req: &HttpRequest, client_id: i64) -> Result<HttpResponse, ApiError> {
    let values: Vec<_> = client_access(&*sandbox(req)?, client_id)?
        .iter()
        .map(|access| {
            json!({
                "key": {"id": access.key.id, "name": access.key.name, "personId": access.key.person_id},
                "accesses": access.accesses,
                "effective": !access.effective.is_empty(),
                "effectiveAccesses": access.effective,
                "reason": access.reason.map(|(english, _)| english),
            })
        })
        .collect();
    Ok(json_response(200, &json!({ "values": values })))
}

/// One office key as Klient > Tilganger lists it when filtered on «API-nøkkel».
#[derive(Debug, Clone)]
pub struct ClientKeyAccess {
    pub key: Key,
    /// What the link grants, as the office chose it.
    pub accesses: Vec<String>,
    /// What the key can do in the client right now.
    pub effective: AccessSet,
    /// Why the key can do nothing there, when it cannot.
    pub reason: Option<(&'static str, &'static str)>,
}

/// Klient > Tilganger filtered on «API-nøkkel»: every office key linked to the client.
pub fn client_access(sandbox: &Sandbox, client_id: i64) -> Result<Vec<ClientKeyAccess>, ApiError> {
    sandbox.store().with(|db| {
        client_and_relation(db, client_id)?;
        let mut values = Vec::new();
        for link in db.client_links(client_id)? {
            // The same facts and the same function as the API and GET /_sandbox/keys/{id}/access.
            let facts = db
                .access_facts(link.key.id, client_id)?
                .ok_or_else(|| ApiError::internal(&format!("the owner of key {} vanished", link.key.id)))?;
            values.push(ClientKeyAccess {
                effective: entitlements::effective_access(&facts),
                reason: entitlements::why_no_access_in_client(&facts),
                key: link.key,
                accesses: link.accesses,
            });
        }
        Ok::<_, ApiError>(values)
    })
}
