//! Selskap > Ansatte / Kunde > Kontakter: people, their user access, their access in clients,
//! and the API-tilgang tab (keys: create, list, regenerate, delete).

use crate::control::actor::{ActingAs, resolve};
use crate::control::company::company_or_404;
use crate::control::views;
use crate::domain::entitlements::{self, Grant, KeyAccesses, Template};
use crate::domain::model::{Key, KeyState, Person, Role, UserType};
use crate::domain::ui;
use crate::http::sandbox;
use crate::sandbox::Sandbox;
use crate::store::{Db, KeyRow};
use crate::wire::envelope::json_response;
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

fn person_or_404(db: &Db<'_>, id: i64) -> Result<Person, ApiError> {
    db.person(id)?
        .filter(|p| !p.is_proxy)
        .ok_or_else(|| ApiError::not_found(format!("No person has id {id}.")))
}

/// Every name must be a catalogue entitlement or a template.
fn check_entitlements(field: &str, names: &[String]) -> Result<(), ApiError> {
    let unknown: Vec<ValidationMessage> = names
        .iter()
        .filter(|n| !entitlements::is_known(n))
        .map(|n| ValidationMessage::field(field.to_owned(), format!("Ukjent tilgang: {n}")))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ApiError::new(ErrorKind::Validation)
        .with_developer_message("Use entitlement names from the catalogue (docs/control-plane.md#entitlements), such as AUTH_CUSTOMER, or template names such as ALL_PRIVILEGES.")
        .with_validation(unknown))
}

pub async fn list_people(
    req: HttpRequest,
    company: web::Path<crate::wire::params::NumericId>,
) -> Result<HttpResponse, ApiError> {
    let people = people_of(&*sandbox(&req)?, company.into_inner().id)?;
    let values: Vec<_> = people.iter().map(views::person).collect();
    Ok(json_response(200, &json!({ "values": values })))
}

/// Selskap > Ansatte and Kunde > Kontakter: the people of a company (employees and contacts).
pub fn people_of(sandbox: &Sandbox, company: i64) -> Result<Vec<Person>, ApiError> {
    sandbox.store().with(|db| {
        company_or_404(db, company)?;
        Ok::<_, ApiError>(db.people_of(company)?)
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPersonBody {
    first_name: String,
    last_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    is_contact: bool,
    #[serde(default)]
    user_type: UserType,
    #[serde(default)]
    roles: Vec<Role>,
    #[serde(default)]
    entitlements: Vec<String>,
}

pub async fn create_person(
    req: HttpRequest,
    company: web::Path<crate::wire::params::NumericId>,
    body: crate::http::JsonObject<NewPersonBody>,
) -> Result<HttpResponse, ApiError> {
    let company = company.into_inner().id;
    let sandbox = sandbox(&req)?;
    let body = body.into_inner();
    check_entitlements("entitlements", &body.entitlements)?;
    let person = sandbox.store().transaction(|db| {
        let company = company_or_404(db, company)?;
        let actor = resolve(db, ActingAs::of(&req), company.id)?;
        ui::actor_belongs_to_company(&actor, &company)?;
        ui::actor_is_user_administrator(&actor)?;
        let person = Person {
            id: sandbox.next_id(),
            company_id: company.id,
            first_name: body.first_name,
            last_name: body.last_name,
            email: body.email,
            is_contact: body.is_contact,
            is_proxy: false,
            user_type: body.user_type,
            roles: body.roles,
            entitlements: body.entitlements,
            client_entitlements: BTreeMap::new(),
            version: 0,
            details: Default::default(),
        };
        db.insert_person(&person, None)?;
        Ok::<_, ApiError>(person)
    })?;
    Ok(json_response(201, &json!({ "value": views::person(&person) })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccessBody {
    pub user_type: Option<UserType>,
    pub roles: Option<Vec<Role>>,
    pub entitlements: Option<Vec<String>>,
}

pub async fn put_access(
    req: HttpRequest,
    id: web::Path<crate::wire::params::NumericId>,
    body: crate::http::JsonObject<AccessBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    let person = set_access(&*sandbox(&req)?, ActingAs::of(&req), id, body.into_inner())?;
    Ok(json_response(200, &json!({ "value": views::person(&person) })))
}

/// Brukertilgang: a person's user type, roles and entitlements (each left as it is when not given).
pub fn set_access(sandbox: &Sandbox, acting: ActingAs, id: i64, body: AccessBody) -> Result<Person, ApiError> {
    if let Some(names) = &body.entitlements {
        check_entitlements("entitlements", names)?;
    }
    sandbox.store().transaction(|db| {
        let mut person = person_or_404(db, id)?;
        let company = company_or_404(db, person.company_id)?;
        let actor = resolve(db, acting, company.id)?;
        ui::actor_belongs_to_company(&actor, &company)?;
        ui::actor_is_user_administrator(&actor)?;
        if let Some(user_type) = body.user_type {
            person.user_type = user_type;
        }
        if let Some(roles) = body.roles {
            person.roles = roles;
        }
        if let Some(names) = body.entitlements {
            person.entitlements = names;
        }
        db.update_person_access(&person)?;
        Ok::<_, ApiError>(person)
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientAccessBody {
    entitlements: Vec<String>,
}

pub async fn put_client_access(
    req: HttpRequest,
    path: web::Path<crate::wire::params::PersonClient>,
    body: crate::http::JsonObject<ClientAccessBody>,
) -> Result<HttpResponse, ApiError> {
    let crate::wire::params::PersonClient {
        id: person_id,
        client_id,
    } = path.into_inner();
    check_entitlements("entitlements", &body.entitlements)?;
    let person = set_client_access(
        &*sandbox(&req)?,
        ActingAs::of(&req),
        person_id,
        client_id,
        &body.entitlements,
    )?;
    Ok(json_response(200, &json!({ "value": views::person(&person) })))
}

/// An office person's access in one client (none removes it).
pub fn set_client_access(
    sandbox: &Sandbox,
    acting: ActingAs,
    person_id: i64,
    client_id: i64,
    entitlements: &[String],
) -> Result<Person, ApiError> {
    check_entitlements("entitlements", entitlements)?;
    sandbox.store().transaction(|db| {
        let mut person = person_or_404(db, person_id)?;
        company_or_404(db, client_id)?;
        crate::domain::rules::company_is_a_client_of_the_office(
            db.relation(person.company_id, client_id)?.as_ref(),
            client_id,
        )?;
        let actor = resolve(db, acting, person.company_id)?;
        ui::actor_may_link_office_keys(&actor, person.company_id)?;
        if entitlements.is_empty() {
            person.client_entitlements.remove(&client_id);
        } else {
            person.client_entitlements.insert(client_id, entitlements.to_vec());
        }
        db.update_person_access(&person)?;
        Ok::<_, ApiError>(person)
    })
}

/// The API-tilgang tab: visible to user administrators once Integrations is on.
fn open_api_tab(db: &Db<'_>, acting: ActingAs, person: &Person) -> Result<crate::domain::model::Company, ApiError> {
    let company = company_or_404(db, person.company_id)?;
    let actor = resolve(db, acting, company.id)?;
    ui::actor_belongs_to_company(&actor, &company)?;
    ui::integrations_are_active(&company)?;
    ui::actor_is_user_administrator(&actor)?;
    Ok(company)
}

pub async fn list_keys(
    req: HttpRequest,
    id: web::Path<crate::wire::params::NumericId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    let rows = keys_of(&*sandbox(&req)?, ActingAs::of(&req), id)?;
    let values: Vec<_> = rows.iter().map(|r| views::key(r, None)).collect();
    Ok(json_response(200, &json!({ "values": values })))
}

/// The API-tilgang tab of a person: their keys (never with a token).
pub fn keys_of(sandbox: &Sandbox, acting: ActingAs, id: i64) -> Result<Vec<KeyRow>, ApiError> {
    sandbox.store().with(|db| {
        let person = person_or_404(db, id)?;
        open_api_tab(db, acting, &person)?;
        Ok::<_, ApiError>(db.keys_of_person(person.id)?)
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomSetup {
    pub application_name: String,
    /// A list of entitlement names, "ALL" or "COPY_USER".
    pub accesses: serde_json::Value,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewKeyBody {
    pub name: String,
    pub integration_id: Option<i64>,
    pub custom: Option<CustomSetup>,
    #[serde(default)]
    pub accountant_key: bool,
}

fn custom_accesses(value: &serde_json::Value, owner: &Person) -> Result<KeyAccesses, ApiError> {
    match value {
        serde_json::Value::String(s) if s == "ALL" => Ok(KeyAccesses::Only(vec![Grant::Template(Template::ALL_PRIVILEGES)])),
        serde_json::Value::String(s) if s == "COPY_USER" => {
            Ok(KeyAccesses::from_names(owner.entitlements.iter().map(String::as_str)))
        }
        serde_json::Value::Array(items) => {
            let names: Option<Vec<String>> = items.iter().map(|v| v.as_str().map(str::to_owned)).collect();
            let names = names.ok_or_else(|| ApiError::bad_request("custom.accesses lists entitlement names as strings."))?;
            check_entitlements("custom.accesses", &names)?;
            Ok(KeyAccesses::from_names(names.iter().map(String::as_str)))
        }
        _ => Err(ApiError::new(ErrorKind::Validation)
            .with_developer_message("custom.accesses is \"ALL\" («Alle tilganger»), \"COPY_USER\" («Gi brukernøkkelen denne brukerens tilganger») or a list of entitlement names («Bestem selv»).")
            .with_validation(vec![ValidationMessage::field("custom.accesses", "Ugyldig verdi.")])),
    }
}

pub async fn create_key(
    req: HttpRequest,
    id: web::Path<crate::wire::params::NumericId>,
    body: crate::http::JsonObject<NewKeyBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    let (row, token) = create_person_key(&*sandbox(&req)?, ActingAs::of(&req), id, body.into_inner())?;
    Ok(json_response(201, &json!({ "value": views::key(&row, Some(&token)) })))
}

/// API-tilgang > «Ny nøkkel»: the new key and its token, which is shown this once.
pub fn create_person_key(
    sandbox: &Sandbox,
    acting: ActingAs,
    id: i64,
    body: NewKeyBody,
) -> Result<(KeyRow, String), ApiError> {
    sandbox.store().transaction(|db| {
        let owner = person_or_404(db, id)?;
        let company = open_api_tab(db, acting, &owner)?;
        let integrations = db.integrations()?;
        let (integration, accesses, supports) = match (&body.integration_id, &body.custom) {
            (Some(integration_id), None) => {
                let row = integrations
                    .iter()
                    .find(|r| r.integration.id == *integration_id && r.in_catalog)
                    .ok_or_else(|| ApiError::not_found(format!("No catalog integration has id {integration_id}; use custom for integrations not in the catalog.")))?;
                (row.integration.clone(), KeyAccesses::All, row.supports_accountant_keys)
            }
            (None, Some(custom)) => {
                let registered: Vec<_> = integrations.iter().map(|r| r.integration.clone()).collect();
                let integration = ui::application_is_registered(&custom.application_name, &registered)?.clone();
                let supports = integrations.iter().any(|r| r.integration.id == integration.id && r.supports_accountant_keys);
                (integration, custom_accesses(&custom.accesses, &owner)?, supports)
            }
            _ => {
                return Err(ApiError::new(ErrorKind::Validation)
                    .with_developer_message("Give either integrationId (an integration from the catalog) or custom {applicationName, accesses} («Tilpasset oppsett»), not both.")
                    .with_validation(vec![ValidationMessage::field("integrationId", "Velg en integrasjon eller tilpasset oppsett.")]));
            }
        };
        if body.accountant_key {
            let actor = resolve(db, acting, company.id)?;
            ui::office_key_is_allowed(&company, &actor, Some(&integration), supports)?;
        }
        let key = Key {
            id: sandbox.next_id(),
            name: body.name.clone(),
            person_id: owner.id,
            company_id: company.id,
            application_name: integration.application_name.clone(),
            accountant_key: body.accountant_key,
            state: KeyState::Active,
        };
        let token = sandbox.new_token(key.id);
        let integration_id = body.integration_id.or(Some(integration.id)).filter(|_| body.custom.is_none());
        db.insert_key(&key, integration_id, &accesses, &token, sandbox.now())?;
        let row = db.key_row(key.id)?.ok_or_else(|| ApiError::internal(&"a key just stored is missing"))?;
        Ok::<_, ApiError>((row, token))
    })
}

fn key_or_404(db: &Db<'_>, id: i64) -> Result<crate::store::KeyRow, ApiError> {
    db.key_row(id)?
        .filter(|r| r.key.state == KeyState::Active)
        .ok_or_else(|| ApiError::not_found(format!("No key has id {id} (or it was deleted).")))
}

pub async fn regenerate_key(
    req: HttpRequest,
    id: web::Path<crate::wire::params::NumericId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    let (row, token) = regenerate(&*sandbox(&req)?, ActingAs::of(&req), id)?;
    Ok(json_response(200, &json!({ "value": views::key(&row, Some(&token)) })))
}

/// «Gjenopprett nøkkel»: the same key with a new token (shown this once); the old token is dead.
pub fn regenerate(sandbox: &Sandbox, acting: ActingAs, id: i64) -> Result<(KeyRow, String), ApiError> {
    let revoke = sandbox.settings()?.revoke_sessions_on_regenerate;
    sandbox.store().transaction(|db| {
        let row = key_or_404(db, id)?;
        let owner = person_or_404(db, row.key.person_id)?;
        open_api_tab(db, acting, &owner)?;
        let token = sandbox.new_token(row.key.id);
        db.regenerate_key(row.key.id, &token, sandbox.now())?;
        if revoke {
            db.revoke_sessions(row.key.id)?;
        }
        let row = key_or_404(db, row.key.id)?;
        Ok::<_, ApiError>((row, token))
    })
}

pub async fn delete_key(
    req: HttpRequest,
    id: web::Path<crate::wire::params::NumericId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    remove_key(&*sandbox(&req)?, ActingAs::of(&req), id)?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes a key from the API-tilgang tab: its token opens no session any more.
pub fn remove_key(sandbox: &Sandbox, acting: ActingAs, id: i64) -> Result<(), ApiError> {
    sandbox.store().transaction(|db| {
        let row = key_or_404(db, id)?;
        let owner = person_or_404(db, row.key.person_id)?;
        open_api_tab(db, acting, &owner)?;
        db.delete_key(row.key.id)?;
        Ok::<_, ApiError>(())
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EffectiveQuery {
    company_id: Option<i64>,
}

/// What a key may do right now in its own company or, for an office key, in a client: the key's
/// accesses ∩ its owner's current access (∩ the client link).
pub async fn effective_access(
    req: HttpRequest,
    id: web::Path<crate::wire::params::NumericId>,
    query: web::Query<EffectiveQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    let (row, company_id, access) = sandbox(&req)?.store().with(|db| {
        let row = key_or_404(db, id)?;
        let company_id = query.company_id.filter(|c| *c != 0).unwrap_or(row.key.company_id);
        let facts = db
            .access_facts(row.key.id, company_id)?
            .ok_or_else(|| ApiError::internal(&format!("the owner of key {} vanished", row.key.id)))?;
        let access = crate::domain::entitlements::effective_access(&facts);
        Ok::<_, ApiError>((row, company_id, access))
    })?;
    Ok(json_response(
        200,
        &json!({"value": {"keyId": row.key.id, "companyId": company_id, "accesses": access}}),
    ))
}
