//! The control plane (`/_sandbox/...`): what a person does in Tripletex's web UI and what a
//! test needs to see of the world, in the same JSON envelopes and error envelope as `/v2`.

pub mod actor;
pub mod clients;
pub mod company;
mod credentials;
pub mod people;
pub mod views;

pub use credentials::{Credential, credentials};

use crate::http::sandbox;
use crate::wire::ApiError;
use crate::wire::envelope::json_response;
use crate::wire::request_id::resource;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// Mounts the process-wide routes: the list of sandboxes, making and deleting them.
pub fn configure_global(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/sandboxes")
            .route(web::get().to(list_sandboxes))
            .route(web::post().to(create_sandbox)),
    )
    .service(resource("/sandboxes/{id}").route(web::delete().to(delete_sandbox)));
}

fn registry(req: &HttpRequest) -> Result<&web::Data<crate::sandbox::registry::Registry>, ApiError> {
    req.app_data::<web::Data<crate::sandbox::registry::Registry>>()
        .ok_or_else(|| ApiError::internal(&"no sandbox registry"))
}

async fn list_sandboxes(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let base = crate::http::origin::base_url(&req);
    let values: Vec<_> = registry(&req)?
        .ids()
        .into_iter()
        .map(|id| json!({"id": id, "baseUrl": format!("{base}/sb/{id}")}))
        .collect();
    Ok(json_response(200, &json!({ "values": values })))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSandboxBody {
    scenario: Option<String>,
}

/// Makes a sandbox of its own (a scenario by name, the default one if none) under `/sb/{id}`.
async fn create_sandbox(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let body: NewSandboxBody = if body.iter().all(u8::is_ascii_whitespace) {
        NewSandboxBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(crate::wire::ErrorKind::InvalidJson)
                .with_developer_message(format!("The body must be {{\"scenario\": NAME}} or empty: {e}."))
        })?
    };
    let name = body
        .scenario
        .unwrap_or_else(|| crate::scenario::DEFAULT_SCENARIO.to_owned());
    let Some((name, text)) = crate::scenario::EMBEDDED_SCENARIOS.iter().find(|(n, _)| *n == name) else {
        return Err(ApiError::not_found(format!(
            "No embedded scenario is named {name:?}; GET /_sandbox/sandboxes lists sandboxes, `tripletex-sandbox scenarios list` the scenarios."
        )));
    };
    let scenario = crate::scenario::parse(name, text).map_err(scenario_error)?;
    let (id, sandbox) = registry(&req)?.create(&scenario).map_err(|e| match e {
        crate::sandbox::registry::RegistryError::Full => {
            ApiError::new(crate::wire::ErrorKind::Locked).with_developer_message(e.to_string())
        }
        other => ApiError::internal(&other),
    })?;
    let base = crate::http::origin::base_url(&req);
    let values = credentials(&sandbox)?;
    Ok(json_response(
        201,
        &json!({"value": {"id": id, "scenario": name, "baseUrl": format!("{base}/sb/{id}"), "credentials": values}}),
    ))
}

async fn delete_sandbox(req: HttpRequest, id: web::Path<crate::wire::params::Id>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    if registry(&req)?.remove(&id) {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(format!("No sandbox {:?}.", id.as_str())))
    }
}

/// Mounts every `/_sandbox` route on the given config (the caller adds the `/_sandbox` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/health").route(web::get().to(health)))
        .service(resource("/credentials").route(web::get().to(get_credentials)))
        .service(resource("/companies").route(web::get().to(companies)))
        .service(
            resource("/state")
                .route(web::get().to(get_state))
                .route(web::put().to(put_state)),
        )
        .service(resource("/reset").route(web::post().to(reset)))
        .service(
            resource("/clock")
                .route(web::get().to(get_clock))
                .route(web::put().to(put_clock))
                .route(web::delete().to(delete_clock)),
        )
        .service(resource("/scenario").route(web::post().to(load_scenario)))
        .service(
            resource("/faults")
                .route(web::get().to(get_faults))
                .route(web::put().to(put_faults)),
        )
        .service(
            resource("/journal")
                .route(web::get().to(get_journal))
                .route(web::delete().to(clear_journal)),
        )
        .service(
            resource("/settings")
                .route(web::get().to(get_settings))
                .route(web::put().to(put_settings)),
        )
        .service(
            resource("/companies/{id}/subscription")
                .route(web::get().to(company::get_subscription))
                .route(web::put().to(company::put_subscription)),
        )
        .service(resource("/integrations").route(web::get().to(company::search_integrations)))
        .service(resource("/companies/{id}/integrations").route(web::post().to(company::add_integration)))
        .service(
            resource("/companies/{id}/people")
                .route(web::get().to(people::list_people))
                .route(web::post().to(people::create_person)),
        )
        .service(resource("/people/{id}/access").route(web::put().to(people::put_access)))
        .service(resource("/people/{id}/client-access/{clientId}").route(web::put().to(people::put_client_access)))
        .service(
            resource("/people/{id}/keys")
                .route(web::get().to(people::list_keys))
                .route(web::post().to(people::create_key)),
        )
        .service(resource("/keys/{id}/access").route(web::get().to(people::effective_access)))
        .service(resource("/keys/{id}/regenerate").route(web::post().to(people::regenerate_key)))
        .service(resource("/keys/{id}").route(web::delete().to(people::delete_key)))
        .service(resource("/clients/{clientId}/accountant").route(web::put().to(clients::put_accountant)))
        .service(
            resource("/clients/{clientId}/keys/{keyId}")
                .route(web::put().to(clients::put_link))
                .route(web::delete().to(clients::delete_link)),
        )
        .service(resource("/clients/{clientId}/access").route(web::get().to(clients::get_client_access)));
}

async fn get_state(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let file = sandbox(&req)?.store().with(crate::scenario::export)?;
    let body = serde_json::to_value(&file).map_err(|e| ApiError::internal(&e))?;
    Ok(json_response(200, &body))
}

/// Imports a world in the scenario format; a bad file changes nothing and says what is wrong.
async fn put_state(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("The body must be UTF-8 JSON."))?;
    let scenario = crate::scenario::parse("PUT /_sandbox/state", text).map_err(scenario_error)?;
    sandbox(&req)?.load(&scenario)?;
    Ok(HttpResponse::NoContent().finish())
}

fn scenario_error(err: crate::scenario::ScenarioError) -> ApiError {
    let messages = err
        .problems
        .iter()
        .map(|p| crate::wire::ValidationMessage {
            field: Some(p.path.clone().into()),
            message: p.message.clone().into(),
            path: Some(p.path.clone().into()),
            root_id: None,
        })
        .collect();
    ApiError::new(crate::wire::ErrorKind::Validation)
        .with_developer_message(err.to_string())
        .with_validation(messages)
}

async fn get_faults(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let config = sandbox(&req)?.faults().config();
    Ok(json_response(200, &json!({ "value": config })))
}

/// Replaces the rate limit and fault rules (`{}` clears them).
async fn put_faults(
    req: HttpRequest,
    body: web::Json<crate::sandbox::faults::FaultConfig>,
) -> Result<HttpResponse, ApiError> {
    let config = body.into_inner();
    config
        .check()
        .map_err(|message| ApiError::new(crate::wire::ErrorKind::Validation).with_developer_message(message))?;
    sandbox(&req)?.faults().set(config.clone());
    Ok(json_response(200, &json!({ "value": config })))
}

async fn get_clock(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let now = sandbox(&req)?.now();
    Ok(json_response(200, &json!({"value": {"now": now.to_string()}})))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    now: Option<String>,
    advance: Option<String>,
}

/// Sets the sandbox clock (`{"now": "2026-01-31T12:00:00Z"}`) or moves it (`{"advance": "PT2H"}`,
/// `"P1D"`, `"-PT30M"`): sessions expire and journal times follow it.
async fn put_clock(req: HttpRequest, body: web::Json<ClockBody>) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let invalid = |field: &'static str, message: String| {
        ApiError::new(crate::wire::ErrorKind::Validation)
            .with_developer_message(message)
            .with_validation(vec![crate::wire::ValidationMessage::field(field, "Ugyldig verdi.")])
    };
    match (&body.now, &body.advance) {
        (Some(now), None) => {
            let now: jiff::Timestamp = now.parse().map_err(|e| {
                invalid(
                    "now",
                    format!("now must be an RFC 3339 time such as 2026-01-31T12:00:00Z: {e}"),
                )
            })?;
            sandbox.set_clock(now).map_err(|e| invalid("now", e))?;
        }
        (None, Some(advance)) => {
            let span: jiff::Span = advance.parse().map_err(|e| {
                invalid(
                    "advance",
                    format!("advance must be an ISO 8601 duration such as PT2H or P1D: {e}"),
                )
            })?;
            let duration = span
                .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
                .map_err(|e| invalid("advance", format!("advance cannot use months or years: {e}")))?;
            sandbox.advance_clock(duration).map_err(|e| invalid("advance", e))?;
        }
        _ => return Err(invalid("now", "Send either now or advance.".into())),
    }
    Ok(json_response(
        200,
        &json!({"value": {"now": sandbox.now().to_string()}}),
    ))
}

/// Back to real time: the clock runs with the machine's again.
async fn delete_clock(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    sandbox.real_clock();
    Ok(json_response(
        200,
        &json!({"value": {"now": sandbox.now().to_string()}}),
    ))
}

async fn reset(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    sandbox(&req)?.reset()?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioBody {
    name: String,
}

/// Loads an embedded scenario by name.
async fn load_scenario(req: HttpRequest, body: web::Json<ScenarioBody>) -> Result<HttpResponse, ApiError> {
    let name = load_embedded_scenario(&*sandbox(&req)?, &body.name)?;
    Ok(json_response(200, &json!({"value": {"scenario": name}})))
}

/// Replaces the sandbox's world with the embedded scenario of that name; answers its name.
pub fn load_embedded_scenario(sandbox: &crate::sandbox::Sandbox, wanted: &str) -> Result<&'static str, ApiError> {
    let Some((name, text)) = crate::scenario::EMBEDDED_SCENARIOS.iter().find(|(n, _)| *n == wanted) else {
        let names: Vec<&str> = crate::scenario::EMBEDDED_SCENARIOS.iter().map(|(n, _)| *n).collect();
        return Err(ApiError::not_found(format!(
            "No embedded scenario is named {wanted:?}; choose one of: {}. PUT /_sandbox/state loads a world of your own.",
            names.join(", ")
        )));
    };
    let scenario = crate::scenario::parse(name, text).map_err(scenario_error)?;
    sandbox.load(&scenario)?;
    Ok(name)
}

#[derive(Debug, serde::Deserialize)]
struct JournalQuery {
    path: Option<String>,
    status: Option<String>,
    key: Option<i64>,
    /// A session token or an employee token: the key behind it.
    token: Option<String>,
    since: Option<String>,
    from: Option<String>,
    count: Option<String>,
}

/// The journal, newest first: `path` (part of), `status` (`403` or `4xx`), `key` (id) or `token`
/// (a session or employee token), `since` (an RFC 3339 time), paged with `from` and `count`.
async fn get_journal(req: HttpRequest, query: web::Query<JournalQuery>) -> Result<HttpResponse, ApiError> {
    use crate::sandbox::journal::{Filter, StatusFilter};
    use crate::wire::{ErrorKind, ValidationMessage};
    let query = query.into_inner();
    let invalid = |field: &'static str, message: String| {
        ApiError::new(ErrorKind::Param)
            .with_developer_message(message)
            .with_validation(vec![ValidationMessage::arg(
                field,
                "Verdien er ikke av korrekt type for dette feltet.",
            )])
    };
    let status = query
        .status
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            StatusFilter::parse(s).ok_or_else(|| {
                invalid(
                    "status",
                    format!("status must be a status such as 403 or a class such as 4xx, not {s:?}."),
                )
            })
        })
        .transpose()?;
    let since = query
        .since
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.parse::<jiff::Timestamp>().map_err(|e| {
                invalid(
                    "since",
                    format!("since must be an RFC 3339 time such as 2026-01-31T12:00:00Z: {e}."),
                )
            })
        })
        .transpose()?;
    let params = crate::wire::envelope::ListParams::parse(&crate::wire::envelope::ListQuery {
        from: query.from,
        // Unpaged, a read shows the whole journal, as it did before paging.
        count: query
            .count
            .or_else(|| Some(crate::sandbox::journal::CAPACITY.to_string())),
        sorting: None,
        fields: None,
    })?;
    let sandbox = sandbox(&req)?;
    let key = match (query.key, query.token.as_deref().filter(|t| !t.is_empty())) {
        (Some(key), _) => Some(key),
        (None, Some(token)) => Some(
            sandbox
                .store()
                .with(|db| key_of_token(db, token))?
                .ok_or_else(|| ApiError::not_found("No session or employee token in this sandbox is that token."))?,
        ),
        (None, None) => None,
    };
    let filter = Filter {
        path: query.path,
        status,
        key,
        since,
    };
    let page = sandbox.journal().read(&filter, params.from, params.count);
    Ok(json_response(
        200,
        &json!({
            "fullResultSize": page.full_result_size,
            "from": params.from,
            "count": page.entries.len(),
            "values": page.entries,
        }),
    ))
}

/// The key behind a session token or an employee token.
fn key_of_token(db: &crate::store::Db<'_>, token: &str) -> Result<Option<i64>, ApiError> {
    use crate::domain::model::EmployeeTokenLookup;
    if let crate::domain::rules::SessionLookup::Found(session) = db.session_by_token(token)? {
        return Ok(Some(session.key.id));
    }
    Ok(match db.employee_token(token)? {
        EmployeeTokenLookup::Current(key) | EmployeeTokenLookup::Superseded { key, .. } => Some(key.id),
        EmployeeTokenLookup::Unknown => None,
    })
}

async fn clear_journal(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    sandbox(&req)?.journal().clear();
    Ok(HttpResponse::NoContent().finish())
}

async fn get_settings(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let settings = sandbox(&req)?.settings()?;
    Ok(json_response(200, &json!({ "value": settings })))
}

async fn put_settings(req: HttpRequest, body: web::Json<crate::scenario::Settings>) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let text = crate::store::json_text(&*body);
    sandbox.store().with(|db| db.set_meta("settings", &text))?;
    Ok(json_response(200, &json!({ "value": *body })))
}

async fn health(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    Ok(json_response(
        200,
        &json!({"value": {"status": "ok", "scenario": sandbox.scenario_name()?, "version": env!("CARGO_PKG_VERSION")}}),
    ))
}

async fn get_credentials(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let values = credentials(&sandbox)?;
    Ok(json_response(200, &json!({ "values": values })))
}

async fn companies(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let rows = sandbox.store().with(|db| db.companies())?;
    let values: Vec<_> = rows
        .iter()
        .map(|row| {
            let c = &row.company;
            json!({
                "id": c.id,
                "name": c.name,
                "kind": c.kind.as_str(),
                "package": c.package.as_str(),
                "integrationsEnabled": c.integrations_enabled,
                "officeId": row.relation.map(|r| r.office_id),
                "apiAccess": row.relation.map(|r| r.api_access),
                "officeIsAdmin": row.relation.map(|r| r.office_is_admin),
            })
        })
        .collect();
    Ok(json_response(200, &json!({ "values": values })))
}
