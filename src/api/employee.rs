//! `/employee`: the people of the acting company as Tripletex employees — list, get, create,
//! update with version check — behind AUTH_EMPLOYEE.

use crate::actions::employees::{Belongings, person_view};
use crate::api::auth::CompanyPrincipal;
use crate::api::dispatch::route as resource;
use crate::api::render;
use crate::domain::employee::{EmployeeDraft, employee_is_valid};
use crate::domain::kind::Kind;
use crate::domain::model::{Person, UserType};
use crate::domain::resource::version_is_current;
use crate::http::sandbox;
use crate::store::Db;
use crate::wire::envelope::{ListParams, ListQuery, json_response, single};
use crate::wire::fields::FieldFilter;
use crate::wire::query::{self, ValueType};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const ENTITLEMENT: crate::domain::entitlements::Entitlement = crate::domain::entitlements::Entitlement::AUTH_EMPLOYEE;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/employee")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        resource(r"/employee/{id:[-+]?\d+}")
            .route(web::get().to(get))
            .route(web::put().to(update)),
    );
}

fn check_access(principal: &CompanyPrincipal, db: &Db<'_>) -> Result<(), ApiError> {
    principal.require(db, ENTITLEMENT, "/employee")
}

fn load(db: &Db<'_>, company: i64, id: i64) -> Result<Person, ApiError> {
    db.person(id)?
        .filter(|p| p.company_id == company)
        .ok_or_else(|| ApiError::not_found(format!("No employee with id {id} in the company you act in.")))
}

async fn list(
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::parse(&ListQuery::of(&query))?;
    let only_contacts = query::flag("onlyContacts", query.get("onlyContacts").map(String::as_str))?;
    let include_contacts = query::flag("includeContacts", query.get("includeContacts").map(String::as_str))?;
    if let Some(ids) = query.get("id") {
        query::check("id", ids, ValueType::IdList)?;
    }
    let base = render::api_base(&req);
    let company = principal.0.context.company_id();
    let people = sandbox(&req)?.store().with(|db| {
        check_access(&principal, db)?;
        let mut people = db.people_of(company)?;
        if let Some(proxy) = match principal.0.context {
            crate::domain::model::CompanyContext::Client { client_id, office_id } => {
                db.proxy_person(client_id, office_id)?
            }
            crate::domain::model::CompanyContext::Own(_) => None,
        } {
            people.push(proxy);
        }
        let listed: Vec<&Person> = people.iter().collect();
        let belongings = Belongings::of(db, company)?.expanded(db, &base, company, &params.fields, &listed)?;
        Ok::<_, ApiError>((people, belongings))
    })?;
    let (people, belongings) = people;
    let contains =
        |wanted: Option<&String>, value: &str| wanted.is_none_or(|w| value.to_lowercase().contains(&w.to_lowercase()));
    let ids: Option<Vec<i64>> = query
        .get("id")
        .map(|ids| ids.split(',').filter_map(|i| i.trim().parse().ok()).collect());
    let values = people
        .iter()
        .filter(|p| {
            if only_contacts {
                p.is_contact
            } else {
                !p.is_contact || include_contacts
            }
        })
        .filter(|p| contains(query.get("firstName"), &p.first_name) && contains(query.get("lastName"), &p.last_name))
        .filter(|p| query.get("email").is_none_or(|e| p.email.eq_ignore_ascii_case(e)))
        .filter(|p| ids.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .map(|p| person_view(&base, p, &belongings))
        .collect();
    params.respond(values, "Employee")
}

async fn get(
    req: HttpRequest,
    principal: CompanyPrincipal,
    id: web::Path<crate::wire::params::Id>,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    let fields = FieldFilter::parse(query.get("fields").map(String::as_str))?;
    let id = id.number()?;
    let base = render::api_base(&req);
    let company = principal.0.context.company_id();
    let (person, belongings) = sandbox(&req)?.store().with(|db| {
        check_access(&principal, db)?;
        let person = load(db, company, id)?;
        let belongings = Belongings::of(db, company)?.expanded(db, &base, company, &fields, &[&person])?;
        Ok::<_, ApiError>((person, belongings))
    })?;
    single(person_view(&base, &person, &belongings), &fields, "Employee")
}

/// The fields of an employee kept as written, each with the type it must have; a reference names
/// the resource it points at.
const KEPT: &[(&str, Kept)] = &[
    ("dateOfBirth", Kept::Date),
    ("employeeNumber", Kept::Text),
    ("phoneNumberMobile", Kept::Text),
    ("phoneNumberHome", Kept::Text),
    ("phoneNumberWork", Kept::Text),
    ("nationalIdentityNumber", Kept::Text),
    ("dnumber", Kept::Text),
    ("bankAccountNumber", Kept::Text),
    ("iban", Kept::Text),
    ("bic", Kept::Text),
    ("comments", Kept::Text),
    ("creditorBankCountryId", Kept::Integer),
    ("usesAbroadPayment", Kept::Boolean),
    ("address", Kept::Object),
    ("internationalId", Kept::Object),
    ("department", Kept::Reference(Kind::Department)),
    ("employeeCategory", Kept::Reference(Kind::EmployeeCategory)),
    ("phoneNumberMobileCountry", Kept::Reference(Kind::Country)),
];

#[derive(Clone, Copy)]
enum Kept {
    Text,
    Date,
    Integer,
    Boolean,
    Object,
    Reference(Kind),
}

impl Kept {
    /// Whether `value` (not null) has this type.
    fn accepts(self, value: &Value) -> bool {
        match self {
            Kept::Text => value.is_string(),
            Kept::Date => value
                .as_str()
                .is_some_and(|d| d.is_empty() || d.parse::<jiff::civil::Date>().is_ok()),
            Kept::Integer => value.is_i64(),
            Kept::Boolean => value.is_boolean(),
            Kept::Object => value.is_object(),
            Kept::Reference(_) => value.get("id").is_some_and(Value::is_i64),
        }
    }
}

/// The references among an employee's kept fields, to be checked in its company.
fn references(details: &Map<String, Value>) -> Vec<crate::domain::resource::Reference> {
    KEPT.iter()
        .filter_map(|(name, kept)| match kept {
            Kept::Reference(resource) => Some(crate::domain::resource::Reference {
                field: (*name).to_owned(),
                resource: resource.path().to_owned(),
                id: details.get(*name)?.get("id")?.as_i64()?,
            }),
            _ => None,
        })
        .collect()
}

/// Keeps one of the [`KEPT`] fields of a write (null puts it back to its default), or says why not.
fn keep(draft: &mut EmployeeDraft, name: &str, kept: Kept, value: &Value) -> Option<ValidationMessage> {
    if value.is_null() {
        draft.details.remove(name);
        return None;
    }
    if !kept.accepts(value) {
        let message = match kept {
            Kept::Date => "Ugyldig dato. Bruk formatet YYYY-MM-DD.",
            _ => "Verdien er ikke av korrekt type for dette feltet.",
        };
        return Some(ValidationMessage::field(name.to_owned(), message));
    }
    let stored = match kept {
        Kept::Reference(_) => json!({ "id": value.get("id") }),
        _ => value.clone(),
    };
    draft.details.insert(name.to_owned(), stored);
    None
}

/// Reads the fields an employee write may carry; read-only fields and the few the sandbox does
/// not keep here (`employments`, made apart on a create; `holidayAllowanceEarned`) are accepted
/// and ignored, fields the schema does not have are refused.
fn read_body(body: &Value, base: &EmployeeDraft) -> Result<EmployeeDraft, ApiError> {
    let Value::Object(object) = body else {
        return Err(ApiError::new(ErrorKind::Validation).with_developer_message("The body must be a JSON object."));
    };
    let known: Map<String, Value> = match render::employee("", &Person::blank()) {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    let mut draft = base.clone();
    let mut problems = Vec::new();
    for (name, value) in object {
        if !known.contains_key(name) && name != "changes" {
            problems.push(ValidationMessage::field(
                name.clone(),
                "Feltet eksisterer ikke i objektet.",
            ));
            continue;
        }
        let text = || value.as_str().map(str::to_owned);
        let slot = match name.as_str() {
            "firstName" => &mut draft.first_name,
            "lastName" => &mut draft.last_name,
            "email" => &mut draft.email,
            "userType" => {
                match value {
                    Value::Null => {}
                    Value::String(s) => match serde_json::from_value::<UserType>(Value::String(s.clone())) {
                        Ok(user_type) => draft.user_type = Some(user_type),
                        Err(_) => problems.push(ValidationMessage::field(
                            "userType",
                            crate::domain::employee::NO_USER_TYPE,
                        )),
                    },
                    _ => problems.push(ValidationMessage::field(
                        "userType",
                        "Verdien er ikke av korrekt type for dette feltet.",
                    )),
                }
                continue;
            }
            other => {
                if let Some((_, kept)) = KEPT.iter().find(|(name, _)| *name == other) {
                    problems.extend(keep(&mut draft, other, *kept, value));
                }
                continue;
            }
        };
        match text() {
            Some(v) => *slot = v,
            None if value.is_null() => {}
            None => problems.push(ValidationMessage::field(
                name.clone(),
                "Verdien er ikke av korrekt type for dette feltet.",
            )),
        }
    }
    if problems.is_empty() {
        return Ok(draft);
    }
    Err(ApiError::new(ErrorKind::Validation)
        .with_developer_message("Fix the fields named in validationMessages.")
        .with_validation(problems))
}

async fn create(
    req: HttpRequest,
    principal: CompanyPrincipal,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let base = render::api_base(&req);
    let company = principal.0.context.company_id();
    let actor = crate::api::resources::actor(&principal, &req);
    let person = sandbox.store().transaction(|db| {
        check_access(&principal, db)?;
        let draft = read_body(&body, &EmployeeDraft::default())?;
        crate::actions::check_references(db, company, &references(&draft.details))?;
        employee_is_valid(&draft, db.email_taken(company, &draft.email, 0)?)?;
        crate::domain::employee::new_employee_has_a_department(&draft)?;
        let person = Person {
            id: sandbox.next_id(),
            company_id: company,
            first_name: draft.first_name,
            last_name: draft.last_name,
            email: draft.email,
            user_type: draft.user_type.unwrap_or_default(),
            details: draft.details,
            ..Person::blank()
        };
        db.insert_person(&person, None)?;
        if let Some(employments) = body.get("employments") {
            crate::actions::hooks::add_employments(db, &actor, person.id, employments)?;
        }
        Ok::<_, ApiError>((person, Belongings::of(db, company)?))
    })?;
    let (person, belongings) = person;
    Ok(json_response(
        201,
        &json!({ "value": FieldFilter::everything().apply(person_view(&base, &person, &belongings), "Employee")? }),
    ))
}

async fn update(
    req: HttpRequest,
    principal: CompanyPrincipal,
    id: web::Path<crate::wire::params::Id>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let id = id.number()?;
    let sandbox = sandbox(&req)?;
    let base = render::api_base(&req);
    let company = principal.0.context.company_id();
    let person = sandbox.store().transaction(|db| {
        check_access(&principal, db)?;
        let mut person = load(db, company, id)?;
        version_is_current(body.get("version").and_then(Value::as_i64), person.version)?;
        let current = EmployeeDraft {
            first_name: person.first_name.clone(),
            last_name: person.last_name.clone(),
            email: person.email.clone(),
            user_type: Some(person.user_type),
            details: person.details.clone(),
        };
        let draft = read_body(&body, &current)?;
        crate::actions::check_references(db, company, &references(&draft.details))?;
        employee_is_valid(&draft, db.email_taken(company, &draft.email, person.id)?)?;
        person.first_name = draft.first_name;
        person.last_name = draft.last_name;
        person.email = draft.email;
        person.user_type = draft.user_type.unwrap_or(person.user_type);
        person.details = draft.details;
        person.version += 1;
        db.update_person_details(&person)?;
        Ok::<_, ApiError>((person, Belongings::of(db, company)?))
    })?;
    let (person, belongings) = person;
    Ok(json_response(
        200,
        &json!({ "value": FieldFilter::everything().apply(person_view(&base, &person, &belongings), "Employee")? }),
    ))
}
