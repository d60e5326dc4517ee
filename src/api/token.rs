//! `/token/...`: minting and deleting session tokens, whoAmI, and consumer-token look-up.

use crate::api::auth::{CompanyPrincipal, Principal};
use crate::api::dispatch::route as resource;
use crate::api::render;
use crate::domain::kind::Kind;
use crate::domain::model::CompanyContext;
use crate::domain::rules::{self, SessionArguments};
use crate::http::{RequestContext, sandbox};
use crate::store::NewSession;
use crate::wire::envelope::{Single, Stub, single, typed_response};
use crate::wire::fields::FieldFilter;
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpMessage, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

/// In a scope of their own (see `api::configure`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/token")
            .default_service(web::to(super::dispatch::dispatch))
            .service(
                resource("/session/:create")
                    .route(web::put().to(create_session_put))
                    .route(web::post().to(create_session_post)),
            )
            .service(resource("/session/>whoAmI").route(web::get().to(who_am_i)))
            .service(resource("/session/{token}").route(web::delete().to(delete_session)))
            .service(resource("/employee/:create").route(web::put().to(create_employee_token)))
            .service(resource("/consumer/byToken").route(web::get().to(consumer_by_token))),
    );
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionCreateQuery {
    consumer_token: Option<String>,
    employee_token: Option<String>,
    expiration_date: Option<String>,
}

async fn create_session_put(req: HttpRequest, query: web::Query<SessionCreateQuery>) -> Result<HttpResponse, ApiError> {
    create_session(&req, &query, 200)
}

/// Some clients mint with POST on the same path and get 201, as observed against the real API.
async fn create_session_post(
    req: HttpRequest,
    query: web::Query<SessionCreateQuery>,
) -> Result<HttpResponse, ApiError> {
    create_session(&req, &query, 201)
}

fn create_session(req: &HttpRequest, query: &SessionCreateQuery, status: u16) -> Result<HttpResponse, ApiError> {
    let (consumer_token, employee_token, expiration) = rules::session_arguments_are_complete(SessionArguments {
        consumer_token: query.consumer_token.as_deref(),
        employee_token: query.employee_token.as_deref(),
        expiration_date: query.expiration_date.as_deref(),
    })?;
    let expiration_date = rules::expiration_date_is_a_date(expiration)?;
    let RequestContext { sandbox, now } = RequestContext::of(req)?;
    let (session_id, token, key_id, consumer_id) = sandbox.store().with(|db| {
        let mut caller = None;
        let mintable = crate::actions::mintable(db, consumer_token, employee_token, &mut caller);
        if let Some(caller) = caller {
            req.extensions_mut().insert(caller);
        }
        let mintable = mintable?;
        let id = sandbox.next_id();
        let token = sandbox.new_token(id);
        db.insert_session(&NewSession {
            id,
            token: &token,
            key_id: mintable.key_id,
            integration_id: mintable.integration_id,
            expiration_date,
            expires_at: rules::session_expires_at(expiration_date),
        })?;
        sandbox.session_minted(db, now)?;
        Ok::<_, ApiError>((id, token, mintable.key_id, mintable.integration_id))
    })?;
    let base = render::api_base(req);
    let view = SessionTokenView {
        id: session_id,
        version: 0,
        url: format!("{base}/token/session/{session_id}"),
        consumer_token: Stub::new(&base, Kind::ConsumerToken.path(), consumer_id),
        employee_token: Stub::new(&base, Kind::EmployeeToken.path(), key_id),
        expiration_date: expiration_date.to_string(),
        token,
    };
    Ok(typed_response(status, &Single { value: view }))
}

/// `SessionToken` as `:create` answers it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionTokenView {
    id: i64,
    version: i64,
    url: String,
    consumer_token: Stub,
    employee_token: Stub,
    expiration_date: String,
    token: String,
}

/// `LoggedInUserInfo` with the default fields: nested employee and company as stubs.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct WhoAmIView {
    employee_id: i64,
    actual_employee_id: i64,
    employee: Stub,
    company_id: i64,
    company: Stub,
    language: &'static str,
    logged_in_with_connect: bool,
    employee_is_proxy: bool,
}

#[derive(Debug, Deserialize)]
struct FieldsQuery {
    fields: Option<String>,
}

async fn who_am_i(
    req: HttpRequest,
    principal: Principal,
    query: web::Query<FieldsQuery>,
) -> Result<HttpResponse, ApiError> {
    let fields = FieldFilter::parse(query.fields.as_deref())?;
    let sandbox = &principal.here.sandbox;
    let key = &principal.session.key;
    let company_id = principal.context.company_id();
    if fields.is_everything() {
        // The default answer needs only ids: no person or company is read or rendered.
        let employee_id = match principal.context {
            CompanyContext::Own(_) => Some(key.person_id),
            CompanyContext::Client { client_id, office_id } => {
                sandbox.store().with(|db| db.proxy_person_id(client_id, office_id))?
            }
        };
        let Some(employee_id) = employee_id else {
            return Err(ApiError::internal(&format!(
                "whoAmI: no proxy person for key {}",
                key.id
            )));
        };
        let base = render::api_base(&req);
        let view = WhoAmIView {
            employee_id,
            actual_employee_id: key.person_id,
            employee: Stub::new(&base, Kind::Employee.path(), employee_id),
            company_id,
            company: Stub::new(&base, Kind::Company.path(), company_id),
            language: "no",
            logged_in_with_connect: false,
            employee_is_proxy: matches!(principal.context, CompanyContext::Client { .. }),
        };
        return Ok(typed_response(200, &Single { value: view }));
    }
    let (employee, company) = sandbox.store().with(|db| {
        let acting = match principal.context {
            CompanyContext::Own(_) => db.person(key.person_id)?,
            CompanyContext::Client { client_id, office_id } => db.proxy_person(client_id, office_id)?,
        };
        Ok::<_, ApiError>((acting, db.company(company_id)?))
    })?;
    let (Some(employee), Some(company)) = (employee, company) else {
        return Err(ApiError::internal(&format!(
            "whoAmI: person or company missing for key {}",
            key.id
        )));
    };
    let base = render::api_base(&req);
    let value = json!({
        "employeeId": employee.id,
        "actualEmployeeId": key.person_id,
        "employee": render::employee(&base, &employee),
        "companyId": company.id,
        "company": render::company(&base, &company),
        "language": "no",
        "loggedInWithConnect": false,
        "employeeIsProxy": matches!(principal.context, CompanyContext::Client { .. }),
    });
    single(value, &fields, "LoggedInUserInfo")
}

async fn delete_session(
    req: HttpRequest,
    CompanyPrincipal(principal): CompanyPrincipal,
    token: web::Path<crate::wire::params::Token>,
) -> Result<HttpResponse, ApiError> {
    let token = token.into_inner().token;
    let sandbox = sandbox(&req)?;
    let deleted = sandbox
        .store()
        .with(|db| db.delete_session(&token, principal.session.key.id))?;
    if deleted {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(
            "No live session with that token belongs to the key you are logged in with. Send the session token percent-encoded in the path.",
        ))
    }
}

#[derive(Debug, Deserialize)]
struct ByTokenQuery {
    token: Option<String>,
    fields: Option<String>,
}

async fn consumer_by_token(
    req: HttpRequest,
    _principal: CompanyPrincipal,
    query: web::Query<ByTokenQuery>,
) -> Result<HttpResponse, ApiError> {
    let fields = FieldFilter::parse(query.fields.as_deref())?;
    let Some(token) = query.token.as_deref().filter(|t| !t.is_empty()) else {
        return Err(ApiError::missing_arguments(
            &["token"],
            "GET /token/consumer/byToken needs the query argument token.",
        ));
    };
    let sandbox = sandbox(&req)?;
    let integration = sandbox
        .store()
        .with(|db| db.integration_by_consumer_token(token))?
        .ok_or_else(|| ApiError::not_found("No integration in this sandbox has that consumer token."))?;
    let base = render::api_base(&req);
    let value = json!({
        "id": integration.id,
        "version": 1,
        "url": format!("{base}/token/consumer/{}", integration.id),
        "apiConsumer": render::api_consumer(&base, &integration),
        "token": integration.consumer_token,
        "expirationDate": null,
    });
    single(value, &fields, "ConsumerToken")
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EmployeeTokenQuery {
    token_name: Option<String>,
    consumer_name: Option<String>,
    employee_id: Option<String>,
    company_owned: Option<String>,
    expiration_date: Option<String>,
}

/// The arguments of `PUT /token/employee/:create`, each present and readable.
struct EmployeeTokenArguments<'q> {
    name: &'q str,
    consumer_name: &'q str,
    employee: i64,
    expiration: jiff::civil::Date,
    company_owned: bool,
}

fn employee_token_arguments(query: &EmployeeTokenQuery) -> Result<EmployeeTokenArguments<'_>, ApiError> {
    let arguments = [
        ("tokenName", query.token_name.as_deref()),
        ("consumerName", query.consumer_name.as_deref()),
        ("employeeId", query.employee_id.as_deref()),
        ("companyOwned", query.company_owned.as_deref()),
        ("expirationDate", query.expiration_date.as_deref()),
    ];
    let missing: Vec<&str> = arguments
        .iter()
        .filter(|(_, value)| value.is_none_or(str::is_empty))
        .map(|(name, _)| *name)
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::missing_arguments(
            &missing,
            "PUT /token/employee/:create needs tokenName, consumerName, employeeId, companyOwned and expirationDate.",
        ));
    }
    let [name, consumer_name, employee, owned, date] = arguments.map(|(_, v)| v.unwrap_or_default());
    let employee: i64 = employee.parse().map_err(|_| {
        ApiError::new(ErrorKind::Param).with_validation(vec![ValidationMessage::arg(
            "employeeId",
            "Verdien er ikke av korrekt type for dette feltet.",
        )])
    })?;
    let expiration = rules::expiration_date_is_a_date(date)?;
    let company_owned = crate::wire::query::flag("companyOwned", Some(owned))?;
    Ok(EmployeeTokenArguments {
        name,
        consumer_name,
        employee,
        expiration,
        company_owned,
    })
}

/// `PUT /token/employee/:create`: only integrations Tripletex allows may make keys through the API.
async fn create_employee_token(
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: web::Query<EmployeeTokenQuery>,
) -> Result<HttpResponse, ApiError> {
    let EmployeeTokenArguments {
        name,
        consumer_name,
        employee,
        expiration,
        company_owned,
    } = employee_token_arguments(&query)?;
    let sandbox = sandbox(&req)?;
    let base = render::api_base(&req);
    let (key_id, token, owner, integration) = sandbox.store().transaction(|db| {
        let integrations = db.integrations()?;
        let caller = integrations
            .iter()
            .find(|r| r.integration.id == principal.0.session.integration_id);
        rules::consumer_may_create_employee_tokens(caller.is_some_and(|r| r.may_create_employee_tokens))?;
        crate::domain::entitlements::may_create_employee_tokens(principal.0.access(db)?)?;
        let registered: Vec<_> = integrations.iter().map(|r| r.integration.clone()).collect();
        let integration = crate::domain::ui::application_is_registered(consumer_name, &registered)?.clone();
        let company_id = principal.0.context.company_id();
        let owner = db
            .person(employee)?
            .filter(|p| p.company_id == company_id && !p.is_proxy)
            .ok_or_else(|| ApiError::not_found(format!("No employee {employee} in the company you act in.")))?;
        let company = db
            .company(company_id)?
            .ok_or_else(|| ApiError::not_found("The acting company is gone."))?;
        rules::company_owned_keys_belong_to_offices(company_owned, &company)?;
        let key = crate::domain::model::Key {
            id: sandbox.next_id(),
            name: name.to_owned(),
            person_id: owner.id,
            company_id,
            application_name: integration.application_name.clone(),
            accountant_key: company_owned,
            state: crate::domain::model::KeyState::Active,
        };
        let token = sandbox.new_token(key.id);
        db.insert_key(
            &key,
            Some(integration.id),
            &crate::domain::entitlements::KeyAccesses::All,
            &token,
            principal.0.here.now,
        )?;
        Ok::<_, ApiError>((key.id, token, owner, integration))
    })?;
    let value = json!({
        "id": key_id,
        "version": 0,
        "url": format!("{base}/token/employee/{key_id}"),
        "employee": render::employee(&base, &owner),
        "apiConsumer": render::api_consumer(&base, &integration),
        "token": token,
        "expirationDate": expiration.to_string(),
    });
    single(value, &FieldFilter::everything(), "EmployeeToken")
}
