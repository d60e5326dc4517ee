//! `GET /_sandbox/openapi.json`: the control plane as an OpenAPI 3.0 document, generated from
//! the route tables that mount it ([`super::ROUTES`], [`super::GLOBAL_ROUTES`]).

use super::{GLOBAL_ROUTES, ROUTES, Route};
use crate::wire::ApiError;
use crate::wire::envelope::json_response;
use crate::wire::openapi::{self as doc, Field};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value, json};

/// The document, with the server the request came in on (the root or `/sb/{id}`).
pub async fn document(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let origin = crate::http::origin::base_url(&req);
    let prefix = req.path().strip_suffix("/_sandbox/openapi.json").unwrap_or_default();
    Ok(json_response(200, &build(&origin, prefix)))
}

/// The control plane's document; `prefix` is `""` for the default sandbox, `/sb/{id}` for another.
pub fn build(origin: &str, prefix: &str) -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        add(&mut paths, route, None);
    }
    // The list of sandboxes lives at the root only, whichever sandbox serves the document.
    let root = json!([{ "url": origin }]);
    for route in GLOBAL_ROUTES {
        add(&mut paths, route, Some(&root));
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "tripletex-sandbox control plane",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "What a person does in Tripletex's web UI, and what a test needs to see of the world. The acting person is named by the X-Sandbox-Actor header (default: the company's first administrator). With --admin-token, every request needs Authorization: Bearer <token>."
        },
        "servers": [{ "url": format!("{origin}{prefix}") }],
        "security": [{}, { "adminToken": [] }],
        "paths": paths,
        "components": {
            "schemas": { "Error": doc::error_schema() },
            "securitySchemes": { "adminToken": { "type": "http", "scheme": "bearer" } }
        }
    })
}

fn add(paths: &mut Map<String, Value>, route: &Route, servers: Option<&Value>) {
    let full = format!("/_sandbox{}", route.path);
    let text_ids: &[&str] = if route.path.starts_with("/sandboxes") || route.path.starts_with("/overrides") {
        &["id"]
    } else {
        &[]
    };
    let mut parameters = doc::path_parameters(route.path, text_ids);
    parameters.extend(
        route
            .query
            .iter()
            .map(|Field(name, kind)| doc::query_parameter(name, kind, false)),
    );
    if !route.path.starts_with("/sandboxes") {
        parameters.push(json!({"name": "X-Sandbox-Actor", "in": "header", "required": false,
            "description": "The person acting (default: the company's first administrator)", "schema": {"type": "integer"}}));
    }
    let mut success = json!({ "description": route.summary });
    if let Some(schema) = doc::body_schema(route.response) {
        success["content"] = doc::json_content(schema);
    }
    let mut operation = json!({
        "operationId": doc::operation_id(route.method.as_str(), route.path),
        "summary": route.summary,
        "parameters": parameters,
        "responses": { route.status.to_string(): success, "default": doc::error_response() }
    });
    if let Some(schema) = doc::body_schema(route.request) {
        operation["requestBody"] = json!({ "required": false, "content": doc::json_content(schema) });
    }
    let item = paths.entry(full).or_insert_with(|| json!({}));
    if let Some(servers) = servers {
        item["servers"] = servers.clone();
    }
    item[route.method.as_str()] = operation;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_in_the_document_once_with_its_success_status() {
        let document = build("http://127.0.0.1:1", "");
        let mut seen = 0;
        for route in ROUTES.iter().chain(GLOBAL_ROUTES) {
            let operation = &document["paths"][format!("/_sandbox{}", route.path)][route.method.as_str()];
            assert!(
                operation["responses"][route.status.to_string()].is_object(),
                "{}",
                route.path
            );
            seen += 1;
        }
        let counted: usize = document["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().keys().filter(|k| *k != "servers").count())
            .sum();
        assert_eq!(counted, seen);
    }
}
