//! Snapshots of one sandbox's world (`/_sandbox/snapshots`): save it under a name, go back to it
//! as often as a test suite likes, forget it.

use crate::http::sandbox;
use crate::sandbox::{SnapshotError, SnapshotInfo};
use crate::wire::envelope::json_response;
use crate::wire::error::ValidationMessage;
use crate::wire::{ApiError, ErrorKind};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

/// The longest snapshot name.
const MAX_NAME: usize = 64;

fn view(info: &SnapshotInfo) -> Value {
    json!({"name": info.name, "takenAt": info.taken_at.to_string()})
}

fn refusal(err: SnapshotError) -> ApiError {
    match err {
        SnapshotError::Unknown(_) => ApiError::not_found(err.to_string()),
        SnapshotError::Exists(_) => ApiError::new(ErrorKind::Locked).with_developer_message(err.to_string()),
        SnapshotError::Full => ApiError::new(ErrorKind::TooManyRequests).with_developer_message(err.to_string()),
        SnapshotError::Store(store) => store.into(),
    }
}

/// A name a URL path can carry as it is: letters, digits, `.`, `_` and `-`.
fn checked_name(name: &str) -> Result<&str, ApiError> {
    let fine = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if fine {
        Ok(name)
    } else {
        Err(ApiError::new(ErrorKind::Validation)
            .with_developer_message(format!(
                "A snapshot name is 1 to {MAX_NAME} letters, digits, '.', '_' or '-', so it can stand in a URL path."
            ))
            .with_validation(vec![ValidationMessage::field("name", "Ugyldig navn.")]))
    }
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSnapshotBody {
    name: String,
}

/// The snapshot a path names (`/_sandbox/snapshots/{name}…`, under `/sb/{id}` too).
#[derive(Debug, serde::Deserialize)]
pub struct SnapshotPath {
    name: String,
}

pub async fn list(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let values: Vec<Value> = sandbox(&req)?.snapshots().iter().map(view).collect();
    Ok(json_response(200, &json!({ "values": values })))
}

pub async fn take(req: HttpRequest, body: crate::http::JsonObject<NewSnapshotBody>) -> Result<HttpResponse, ApiError> {
    let name = checked_name(&body.name)?;
    let info = sandbox(&req)?.take_snapshot(name).map_err(refusal)?;
    Ok(json_response(201, &json!({ "value": view(&info) })))
}

pub async fn restore(req: HttpRequest, path: web::Path<SnapshotPath>) -> Result<HttpResponse, ApiError> {
    let info = sandbox(&req)?.restore_snapshot(&path.name).map_err(refusal)?;
    Ok(json_response(200, &json!({ "value": view(&info) })))
}

pub async fn delete(req: HttpRequest, path: web::Path<SnapshotPath>) -> Result<HttpResponse, ApiError> {
    sandbox(&req)?.delete_snapshot(&path.name).map_err(refusal)?;
    Ok(HttpResponse::NoContent().finish())
}
