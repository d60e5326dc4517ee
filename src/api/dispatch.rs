//! Every `/v2` request no hand-written handler took: its method and path are looked up in the
//! operation table (every operation of the official document), then served by the engine's
//! generic operation for its kind, by a resource's hook, or answered 501 naming the operation.
//! A path the document does not have gets the real 404; a documented path without the method, the
//! live API's 400 (or, for the few it answers anyway, its answer).

use crate::actions;
use crate::api::auth::CompanyPrincipal;
use crate::api::resources::{self, reads_body};
use crate::domain::resource;
use crate::domain::table::{self, Found, Hook, Level, Route};
use crate::wire::upload::{self, Upload};
use crate::wire::{ApiError, ErrorKind};
use actix_web::{Error, FromRequest, HttpRequest, HttpResponse, web};
use serde_json::Value;
use std::collections::HashMap;

/// A route whose methods not mounted here go to the table, like every other unknown request.
pub fn route(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(dispatch))
}

/// The default service of every `/v2` scope.
pub async fn dispatch(req: HttpRequest, payload: web::Payload) -> Result<HttpResponse, Error> {
    let table = table::table().map_err(|e| ApiError::internal(&e))?;
    let rest = below_v2(req.path());
    let decoded: Vec<String> = rest
        .strip_prefix('/')
        .unwrap_or(rest)
        .split('/')
        .map(crate::wire::params::decode_segment)
        .collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    match table.find(req.method().as_str(), &segments) {
        Found::Nothing => Ok(crate::wire::request_id::no_route(req).await?),
        Found::OtherMethods(methods) => match table::undocumented(req.method().as_str(), &decoded.join("/")) {
            Some(found) => serve_undocumented(found, req, payload.into_inner()).await,
            None => Err(other_method(&req, &methods).into()),
        },
        Found::Operation(route, params) => serve(route, params, req, payload.into_inner()).await,
    }
}

/// A method the document does not give a path it has: the live API answers 400, not 405.
fn other_method(req: &HttpRequest, methods: &[&str]) -> ApiError {
    ApiError::new(ErrorKind::BadRequest)
        .with_allow(methods)
        .with_developer_message(format!(
            "{} is not an operation of {}; the Tripletex API has {} on this path (Tripletex answers 400, not 405).",
            req.method(),
            req.path(),
            methods.join(", ")
        ))
}

/// An operation the document lacks that the live API answers all the same ([`table::Undocumented`]).
async fn serve_undocumented(
    (path, answer): (&'static str, table::Undocumented),
    req: HttpRequest,
    mut payload: actix_web::dev::Payload,
) -> Result<HttpResponse, Error> {
    let principal = CompanyPrincipal::from_request(&req, &mut payload).await?;
    let def = resource::find(path).ok_or_else(|| ApiError::internal(&format!("no resource {path}")))?;
    let body = body(&req, &mut payload).await?;
    let actor = resources::actor(&principal, &req);
    let name = format!("{} /v2/{path}", req.method());
    let answer = actions::undocumented(def, answer, name, &actor, body).await;
    Ok(resources::respond(answer?)?)
}

/// A declared operation whose body is a file form refuses any other body, as the live API does.
fn form_expected(route: &Route, req: &HttpRequest) -> Result<(), ApiError> {
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !route.form || content_type.starts_with("multipart/form-data") {
        return Ok(());
    }
    Err(ApiError::new(ErrorKind::BadRequest).with_developer_message(format!(
        "{} takes a file as multipart/form-data, not {}.",
        route.name(),
        if content_type.is_empty() {
            "a body without Content-Type"
        } else {
            content_type
        }
    )))
}

/// The path below the `/v2` of the default sandbox or of `/sb/{id}`.
fn below_v2(path: &str) -> &str {
    let after_sandbox = path
        .strip_prefix("/sb/")
        .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or(path);
    after_sandbox.strip_prefix("/v2").unwrap_or(after_sandbox)
}

/// A path parameter as the number every emulated id is (digits, a leading minus at most: a `+`
/// the hand-written routes' patterns do not take is refused here too).
fn number(route: &Route, name: &str, value: &str) -> Result<i64, ApiError> {
    let digits = if value.starts_with('+') { "+" } else { value };
    digits.parse().map_err(|_| {
        ApiError::new(ErrorKind::PathParam).with_developer_message(format!(
            "The {name} in the path of {} must be a number, not {value:?}.",
            route.name()
        ))
    })
}

/// The path's ids, in order; a session token in the path (`DELETE /token/session/{token}`) is no id.
fn ids(route: &Route, params: &[(&str, String)]) -> Result<Vec<i64>, ApiError> {
    params
        .iter()
        .filter(|(name, _)| *name != "token")
        .map(|(name, value)| number(route, name, value))
        .collect()
}

/// 501 in the Tripletex envelope: the operation is documented and routed, not emulated yet.
fn not_emulated(route: &Route) -> ApiError {
    ApiError::new(ErrorKind::NotEmulated).with_developer_message(format!(
        "{} is a Tripletex operation this sandbox does not emulate yet. GET /_sandbox/coverage lists every operation and how far it is emulated; PUT /_sandbox/overrides can answer it for a test.",
        route.name()
    ))
}

async fn serve(
    route: &'static Route,
    params: Vec<(&'static str, String)>,
    req: HttpRequest,
    mut payload: actix_web::dev::Payload,
) -> Result<HttpResponse, Error> {
    let principal = CompanyPrincipal::from_request(&req, &mut payload).await?;
    let def = route.resource.as_deref().and_then(resource::find);
    let served = match (route.level, route.hook, route.kind, def) {
        (Level::Semantic, Some(_), _, _) => Some(None),
        (Level::Semantic | Level::Stateful, None, Some(kind), Some(def)) => Some(Some((def, kind))),
        _ => None,
    };
    let Some(generic) = served else {
        // A hand-written route's own pattern took none of its ids: the id is what is wrong.
        if route.level == Level::Semantic {
            ids(route, &params)?;
            // Another hand-written route holds this literal path (`/token/session/>whoAmI` is no
            // session token): the method is what it lacks.
            return Err(ApiError::new(ErrorKind::BadRequest)
                .with_developer_message(format!(
                    "{} is not an operation of {} (Tripletex answers 400, not 405). See the Tripletex API documentation for the methods this path has.",
                    req.method(),
                    req.path()
                ))
                .into());
        }
        form_expected(route, &req)?;
        return Err(not_emulated(route).into());
    };
    // Every parameter of an operation the sandbox serves is an id.
    let path_ids = ids(route, &params)?;
    let id = path_ids.first().copied().unwrap_or_default();
    let query = query_of(&req)?;
    let body = match reads_body(route.kind, route.hook) {
        true => Some(body(&req, &mut payload).await?),
        false => {
            if route.hook == Some(Hook::AttachToVoucher) {
                // A file upload: its bytes are read (within the app's limit) and not kept.
                web::Bytes::from_request(&req, &mut payload).await?;
            }
            None
        }
    };
    let file = match route.hook.filter(|h| actions::hooks::reads_file(*h)) {
        Some(_) => Some(upload(route, &req, &mut payload).await?),
        None => None,
    };
    let actor = resources::actor(&principal, &req);
    let mut input = resources::input(&req, id, query, body);
    input.file = file;
    input.ids = path_ids;
    let answer = match (generic, route.hook) {
        (Some((def, kind)), _) => resources::generic(def, kind, &actor, input).await,
        (None, Some(hook)) => actions::hooks::run(hook, &actor, input).await,
        (None, None) => Err(not_emulated(route)),
    };
    Ok(resources::respond(answer?)?)
}

/// The file of an operation that takes one, read within the app's body limit.
async fn upload(route: &Route, req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Result<Upload, Error> {
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = web::Bytes::from_request(req, payload).await?;
    Ok(upload::file_of(&route.name(), &content_type, bytes).await?)
}

/// The query arguments by name.
fn query_of(req: &HttpRequest) -> Result<HashMap<String, String>, ApiError> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::bad_request(format!("The query string could not be read: {e}.")))
}

/// The JSON body, read as every handler reads it (the app's JSON limits and error answers).
async fn body(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Result<Value, Error> {
    web::Json::<Value>::from_request(req, payload)
        .await
        .map(web::Json::into_inner)
}
