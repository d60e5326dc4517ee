//! Override rules of one sandbox (`/_sandbox/overrides`): set, add, list with their counts, and
//! delete the answers the sandbox gives instead of its own. A refused list changes nothing.

use crate::http::sandbox;
use crate::sandbox::overrides::Listed;
use crate::scenario::overrides::{OverrideRule, check, check_one};
use crate::scenario::{Problem, ScenarioError};
use crate::wire::envelope::json_response;
use crate::wire::error::ValidationMessage;
use crate::wire::{ApiError, ErrorKind};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesBody {
    overrides: Vec<OverrideRule>,
}

/// Reads a body strictly; a field of the wrong type is named by its JSON path, as the checks do.
fn parse<T: serde::de::DeserializeOwned>(source: &str, body: &[u8]) -> Result<T, ApiError> {
    crate::http::body::expect_object(body)?;
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    let parsed = serde_path_to_error::deserialize(&mut *deserializer)
        .map_err(|err| {
            let path = err.path().to_string();
            (path, err.into_inner().to_string())
        })
        .and_then(|value| {
            deserializer
                .end()
                .map(|()| value)
                .map_err(|e| (".".to_owned(), e.to_string()))
        });
    parsed.map_err(|(path, message)| refused(source, vec![Problem { path, message }]))
}

fn refused(source: &str, problems: Vec<Problem>) -> ApiError {
    super::scenario_error(ScenarioError {
        source_name: source.to_owned(),
        problems,
    })
}

fn value_of(listed: &Listed) -> Result<Value, ApiError> {
    serde_json::to_value(listed).map_err(|e| ApiError::internal(&e))
}

fn values(listed: &[Listed]) -> Result<HttpResponse, ApiError> {
    let values = listed.iter().map(value_of).collect::<Result<Vec<_>, _>>()?;
    Ok(json_response(200, &json!({ "values": values })))
}

pub async fn list(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    values(&sandbox(&req)?.overrides().list())
}

/// Replaces every rule (`{"overrides": []}` clears them).
pub async fn replace(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    const SOURCE: &str = "PUT /_sandbox/overrides";
    let body: RulesBody = parse(SOURCE, &body)?;
    let problems = check(&body.overrides, "overrides");
    if !problems.is_empty() {
        return Err(refused(SOURCE, problems));
    }
    values(&sandbox(&req)?.overrides().replace(body.overrides))
}

/// Adds one rule after the others; answers it with its id.
pub async fn add(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    const SOURCE: &str = "POST /_sandbox/overrides";
    let rule: OverrideRule = parse(SOURCE, &body)?;
    let problems = check_one(&rule, "");
    if !problems.is_empty() {
        return Err(refused(SOURCE, problems));
    }
    let added = sandbox(&req)?.overrides().add(rule).map_err(|taken| {
        ApiError::new(ErrorKind::Validation)
            .with_developer_message(taken.to_string())
            .with_validation(vec![ValidationMessage::field("id", "Verdien er allerede i bruk.")])
    })?;
    Ok(json_response(201, &json!({ "value": value_of(&added)? })))
}

pub async fn clear(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    sandbox(&req)?.overrides().clear();
    Ok(HttpResponse::NoContent().finish())
}

pub async fn delete(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let id = req.match_info().get("id").unwrap_or_default();
    if sandbox(&req)?.overrides().remove(id) {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(format!(
            "No override rule is named {id:?}; GET /_sandbox/overrides lists them."
        )))
    }
}
