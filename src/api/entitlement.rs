//! `/employee/entitlement`: the rights people hold (in their company and, for office people, in
//! clients) and granting them by template, checked against the key's effective access.

use crate::api::auth::CompanyPrincipal;
use crate::api::dispatch::route as resource;
use crate::api::render;
use crate::domain::entitlements::AccessSet;
use crate::domain::entitlements::{self, CATALOGUE, CLIENT_TEMPLATES, EMPLOYEE_TEMPLATES};
use crate::domain::kind::Kind;
use crate::domain::model::Person;
use crate::http::sandbox;
use crate::store::Db;
use crate::wire::envelope::{ListParams, ListQuery, single};
use crate::wire::fields::FieldFilter;
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

/// In a scope of their own (see `api::configure`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/employee/entitlement")
            .default_service(web::to(super::dispatch::dispatch))
            .service(resource("").route(web::get().to(list)))
            .service(resource("/client").route(web::get().to(list_client)))
            .service(resource("/:grantEntitlementsByTemplate").route(web::put().to(grant)))
            .service(resource("/:grantClientEntitlementsByTemplate").route(web::put().to(grant_client)))
            .service(resource(r"/{id:[-+]?\d+}").route(web::get().to(get))),
    );
}

/// Entitlement ids are derived: person id × 1000 + entitlementId, stable as long as the right is held.
fn entitlement_id(person: i64, entitlement: i32) -> i64 {
    person * 1000 + i64::from(entitlement)
}

fn render_entitlement(base: &str, person: &Person, company_id: i64, name: &'static str) -> Value {
    let entitlement = entitlements::id_of(name).unwrap_or_default();
    let id = entitlement_id(person.id, entitlement);
    json!({
        "id": id,
        "version": 0,
        "url": format!("{base}/employee/entitlement/{id}"),
        "employee": render::stub(base, Kind::Employee.path(), person.id),
        "name": name,
        "entitlementId": entitlement,
        "customer": render::stub(base, Kind::Company.path(), company_id),
        "changes": [],
    })
}

/// What a person holds, by name in name order (as the API lists entitlements).
fn held(person: &Person, names: &[String]) -> Vec<&'static str> {
    entitlements::holdable(person.user_type, entitlements::expand(names.iter().map(String::as_str))).names()
}

fn missing_argument(name: &'static str) -> ApiError {
    ApiError::missing_arguments(&[name], format!("The query argument {name} is required."))
}

fn parse_arg(name: &'static str, text: Option<&String>) -> Result<Option<i64>, ApiError> {
    text.filter(|t| !t.is_empty())
        .map(|t| {
            t.parse().map_err(|_| {
                ApiError::new(ErrorKind::Param)
                    .with_developer_message(format!("{name} must be a number."))
                    .with_validation(vec![ValidationMessage::arg(
                        name,
                        "Verdien er ikke av korrekt type for dette feltet.",
                    )])
            })
        })
        .transpose()
}

/// The person named by `employeeId` (default: the key's owner), who must be in the acting company.
fn person_in_context(db: &Db<'_>, principal: &CompanyPrincipal, employee: Option<i64>) -> Result<Person, ApiError> {
    let company = principal.0.context.company_id();
    let id = employee.unwrap_or(principal.0.session.key.person_id);
    db.person(id)?
        .filter(|p| p.company_id == company || id == principal.0.session.key.person_id)
        .ok_or_else(|| ApiError::not_found(format!("No employee {id} in the company you act in.")))
}

/// The person whose entitlements are read: the key's owner, or anyone in the acting company
/// for a user administrator's key.
fn readable_person(db: &Db<'_>, principal: &CompanyPrincipal, employee: Option<i64>) -> Result<Person, ApiError> {
    let person = person_in_context(db, principal, employee)?;
    if person.id != principal.0.session.key.person_id {
        entitlements::may_read_entitlements_of_others(access(principal, db)?)?;
    }
    Ok(person)
}

fn access(principal: &CompanyPrincipal, db: &Db<'_>) -> Result<AccessSet, ApiError> {
    principal.0.access(db)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntitlementQuery {
    employee_id: Option<String>,
    customer_id: Option<String>,
    #[serde(flatten)]
    list: ListQuery,
}

async fn list(
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: web::Query<EntitlementQuery>,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::parse(&query.list)?;
    let employee = parse_arg("employeeId", query.employee_id.as_ref())?;
    let base = render::api_base(&req);
    let values = sandbox(&req)?.store().with(|db| {
        let person = readable_person(db, &principal, employee)?;
        let names = held(&person, &person.entitlements);
        Ok::<_, ApiError>(
            names
                .into_iter()
                .map(|n| render_entitlement(&base, &person, person.company_id, n))
                .collect(),
        )
    })?;
    params.respond(values, "Entitlement")
}

async fn list_client(
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: web::Query<EntitlementQuery>,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::parse(&query.list)?;
    let employee = parse_arg("employeeId", query.employee_id.as_ref())?;
    let client = parse_arg("customerId", query.customer_id.as_ref())?;
    let base = render::api_base(&req);
    let values = sandbox(&req)?.store().with(|db| {
        let person = readable_person(db, &principal, employee)?;
        // Acting as a client, a key sees that client only, never the office's other clients.
        let acting_as = match principal.0.context {
            crate::domain::model::CompanyContext::Client { client_id, .. } => Some(client_id),
            crate::domain::model::CompanyContext::Own(_) => None,
        };
        let mut values = Vec::new();
        for (client_id, names) in &person.client_entitlements {
            if client.is_some_and(|c| c != *client_id) || acting_as.is_some_and(|c| c != *client_id) {
                continue;
            }
            values.extend(
                held(&person, names)
                    .into_iter()
                    .map(|n| render_entitlement(&base, &person, *client_id, n)),
            );
        }
        Ok::<_, ApiError>(values)
    })?;
    params.respond(values, "Entitlement")
}

#[derive(Debug, Deserialize)]
struct FieldsQuery {
    fields: Option<String>,
}

async fn get(
    req: HttpRequest,
    principal: CompanyPrincipal,
    id: web::Path<crate::wire::params::Id>,
    query: web::Query<FieldsQuery>,
) -> Result<HttpResponse, ApiError> {
    let fields = FieldFilter::parse(query.fields.as_deref())?;
    let id = id.number()?;
    let base = render::api_base(&req);
    let value = sandbox(&req)?.store().with(|db| {
        let not_found = || ApiError::not_found(format!("No entitlement has id {id} in the company you act in."));
        let person = db
            .person(id / 1000)?
            .filter(|p| p.company_id == principal.0.context.company_id())
            .ok_or_else(not_found)?;
        if person.id != principal.0.session.key.person_id {
            entitlements::may_read_entitlements_of_others(access(&principal, db)?)?;
        }
        let name = CATALOGUE
            .iter()
            .find(|(eid, _)| i64::from(*eid) == id % 1000)
            .map(|(_, n)| *n)
            .filter(|n| held(&person, &person.entitlements).contains(n))
            .ok_or_else(not_found)?;
        Ok::<_, ApiError>(render_entitlement(&base, &person, person.company_id, name))
    })?;
    single(value, &fields, "Entitlement")
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrantQuery {
    employee_id: Option<String>,
    customer_id: Option<String>,
    template: Option<String>,
    add_to_existing: Option<String>,
}

fn template_arg<'a>(text: Option<&'a String>, allowed: &[&str]) -> Result<&'a str, ApiError> {
    let template = text
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing_argument("template"))?;
    if allowed.contains(&template) {
        return Ok(template);
    }
    Err(ApiError::new(ErrorKind::Validation)
        .with_developer_message(format!("template must be one of {}.", allowed.join(", ")))
        .with_validation(vec![ValidationMessage::arg("template", "Ugyldig verdi.")]))
}

async fn grant(
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: web::Query<GrantQuery>,
) -> Result<HttpResponse, ApiError> {
    let employee =
        parse_arg("employeeId", query.employee_id.as_ref())?.ok_or_else(|| missing_argument("employeeId"))?;
    let template = template_arg(query.template.as_ref(), EMPLOYEE_TEMPLATES)?;
    sandbox(&req)?.store().transaction(|db| {
        entitlements::may_grant_entitlements(access(&principal, db)?)?;
        let mut person = person_in_context(db, &principal, Some(employee))?;
        if template == "NONE_PRIVILEGES" {
            person.entitlements.clear();
        } else if !person.entitlements.iter().any(|n| n == template) {
            person.entitlements.push(template.to_owned());
        }
        db.update_person_access(&person)?;
        Ok::<_, ApiError>(())
    })?;
    Ok(granted())
}

async fn grant_client(
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: web::Query<GrantQuery>,
) -> Result<HttpResponse, ApiError> {
    let employee =
        parse_arg("employeeId", query.employee_id.as_ref())?.ok_or_else(|| missing_argument("employeeId"))?;
    let client = parse_arg("customerId", query.customer_id.as_ref())?.ok_or_else(|| missing_argument("customerId"))?;
    let template = template_arg(query.template.as_ref(), CLIENT_TEMPLATES)?;
    let add = crate::wire::query::flag("addToExisting", query.add_to_existing.as_deref())?;
    sandbox(&req)?.store().transaction(|db| {
        entitlements::may_grant_client_entitlements(access(&principal, db)?)?;
        let mut person = person_in_context(db, &principal, Some(employee))?;
        crate::domain::rules::company_is_a_client_of_the_office(
            db.relation(person.company_id, client)?.as_ref(),
            client,
        )?;
        let entry = person.client_entitlements.entry(client).or_default();
        if !add || template == "NONE_PRIVILEGES" {
            entry.clear();
        }
        if template != "NONE_PRIVILEGES" && !entry.iter().any(|n| n == template) {
            entry.push(template.to_owned());
        }
        if entry.is_empty() {
            person.client_entitlements.remove(&client);
        }
        db.update_person_access(&person)?;
        Ok::<_, ApiError>(())
    })?;
    Ok(granted())
}

/// The answer to a template grant: the document declares a JSON 200 without a schema, so the
/// body is an empty JSON object (a client that parses every 2xx as JSON must not trip on it).
fn granted() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body("{}")
}
