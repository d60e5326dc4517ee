//! `/employee`: the people of the acting company as Tripletex employees — list, get, create,
//! update with version check — behind AUTH_EMPLOYEE.

use crate::api::auth::CompanyPrincipal;
use crate::api::dispatch::route as resource;
use crate::api::render;
use crate::domain::employee::{EmployeeDraft, employee_is_valid};
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

/// What `/employee` shows of an employee besides the person record: the department it belongs
/// to (see [`department_of`]) and the employments made for it.
#[derive(Default)]
struct Belongings {
    department: Option<i64>,
    /// The department rendered whole, where the fields filter selects into it (`department(name)`).
    department_view: Option<Value>,
    /// Employment ids by employee id, in id order.
    employments: HashMap<i64, Vec<i64>>,
}

impl Belongings {
    fn of(db: &Db<'_>, company: i64) -> Result<Self, ApiError> {
        let mut employments: HashMap<i64, Vec<i64>> = HashMap::new();
        for employment in db.objects("employee/employment", company)? {
            if let Some(employee) = employment
                .body
                .get("employee")
                .and_then(|e| e.get("id"))
                .and_then(Value::as_i64)
            {
                employments.entry(employee).or_default().push(employment.id);
            }
        }
        for ids in employments.values_mut() {
            ids.sort_unstable();
        }
        Ok(Self {
            department: department_of(db, company)?,
            department_view: None,
            employments,
        })
    }

    /// Renders the department whole when `fields` selects into it.
    fn expanded(mut self, db: &Db<'_>, base: &str, company: i64, fields: &FieldFilter) -> Result<Self, ApiError> {
        if let (Some(id), Some(sub)) = (self.department, fields.expansion("department")) {
            self.department_view = Some(crate::actions::expand("department", base, id, sub, db, company)?);
        }
        Ok(self)
    }
}

/// An employee as `/employee` renders it.
fn person_view(base: &str, person: &Person, belongings: &Belongings) -> Value {
    let mut value = render::employee(base, person);
    if let Some(object) = value.as_object_mut() {
        object.insert("version".into(), json!(person.version));
        if let Some(view) = &belongings.department_view {
            object.insert("department".into(), view.clone());
        } else if let Some(id) = belongings.department {
            object.insert("department".into(), render::stub(base, "department", id));
        }
        let employments: Vec<Value> = belongings
            .employments
            .get(&person.id)
            .into_iter()
            .flatten()
            .map(|id| render::stub(base, "employee/employment", *id))
            .collect();
        object.insert("employments".into(), Value::Array(employments));
    }
    value
}

/// The department a company's employees belong to: its first (the seed's «Avdeling»). Real
/// employees always belong to one, and clients (the PyPI `tripletex` package) require it; the
/// sandbox keeps no department per person yet.
fn department_of(db: &Db<'_>, company: i64) -> Result<Option<i64>, ApiError> {
    Ok(db.objects("department", company)?.iter().map(|d| d.id).min())
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
        let belongings = Belongings::of(db, company)?.expanded(db, &base, company, &params.fields)?;
        if let Some(proxy) = match principal.0.context {
            crate::domain::model::CompanyContext::Client { client_id, office_id } => {
                db.proxy_person(client_id, office_id)?
            }
            crate::domain::model::CompanyContext::Own(_) => None,
        } {
            people.push(proxy);
        }
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
        let belongings = Belongings::of(db, company)?.expanded(db, &base, company, &fields)?;
        Ok::<_, ApiError>((load(db, company, id)?, belongings))
    })?;
    single(person_view(&base, &person, &belongings), &fields, "Employee")
}

/// Reads the fields an employee write may carry; fields the schema has but the sandbox does not
/// keep are accepted and ignored, fields the schema does not have are refused.
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
                            "Brukertype kan ikke være «0» eller tom.",
                        )),
                    },
                    _ => problems.push(ValidationMessage::field(
                        "userType",
                        "Verdien er ikke av korrekt type for dette feltet.",
                    )),
                }
                continue;
            }
            _ => continue,
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
    let person = sandbox.store().transaction(|db| {
        check_access(&principal, db)?;
        let draft = read_body(&body, &EmployeeDraft::default())?;
        employee_is_valid(&draft, db.email_taken(company, &draft.email, 0)?)?;
        let person = Person {
            id: sandbox.next_id(),
            company_id: company,
            first_name: draft.first_name,
            last_name: draft.last_name,
            email: draft.email,
            user_type: draft.user_type.unwrap_or_default(),
            ..Person::blank()
        };
        db.insert_person(&person, None)?;
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
        };
        let draft = read_body(&body, &current)?;
        employee_is_valid(&draft, db.email_taken(company, &draft.email, person.id)?)?;
        person.first_name = draft.first_name;
        person.last_name = draft.last_name;
        person.email = draft.email;
        person.user_type = draft.user_type.unwrap_or(person.user_type);
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
