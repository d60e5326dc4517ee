//! The emulator's own OpenAPI documents (`/v2/openapi.json`, `/_sandbox/openapi.json`): both are
//! OpenAPI 3.0 documents, every operation in them is served, and (in `conformance.rs`) every
//! served `/v2` operation is in the document.
//!
//! No OpenAPI meta-schema is available offline, so `openapi_problems` checks the rules of the
//! OpenAPI 3.0.3 specification a tool relies on to import a document: the `openapi`, `info` and
//! `paths` fields; paths that start with `/`; operations under the eight method names, each
//! with a unique `operationId` and `responses` whose entries are status codes or `default`
//! with a `description`; parameters with `name`, a valid `in`, a `schema`, path parameters
//! `required` and declared exactly for the path's templates; request bodies with `content`;
//! no sibling keys beside a `$ref`; every `$ref` resolving inside the document; and every
//! component schema compiling as a JSON Schema (the `jsonschema` crate).

use crate::helpers::{TestApp, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeSet;

pub const METHODS: [&str; 4] = ["get", "post", "put", "delete"];

/// What is wrong with a document as OpenAPI 3.0; empty when nothing is.
pub fn openapi_problems(document: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let version = document["openapi"].as_str().unwrap_or_default();
    if !version.starts_with("3.0.") {
        problems.push(format!("openapi must be 3.0.x, is {:?}", document["openapi"]));
    }
    for field in ["title", "version"] {
        if !document["info"][field].is_string() {
            problems.push(format!("info.{field} must be a string"));
        }
    }
    let Some(paths) = document["paths"].as_object() else {
        problems.push("paths must be an object".into());
        return problems;
    };
    let mut operation_ids = BTreeSet::new();
    for (path, item) in paths {
        if !path.starts_with('/') {
            problems.push(format!("path {path:?} must start with /"));
        }
        let templates: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let Some(item) = item.as_object() else {
            problems.push(format!("{path}: a path item must be an object"));
            continue;
        };
        for (key, operation) in item {
            if matches!(key.as_str(), "servers" | "summary" | "description" | "parameters") {
                continue;
            }
            let at = format!("{} {path}", key.to_uppercase());
            if !["get", "put", "post", "delete", "options", "head", "patch", "trace"].contains(&key.as_str()) {
                problems.push(format!("{path}: {key:?} is not an HTTP method"));
                continue;
            }
            match operation["operationId"].as_str() {
                Some(id) if !operation_ids.insert(id.to_owned()) => {
                    problems.push(format!("{at}: operationId {id} is not unique"))
                }
                None => problems.push(format!("{at}: no operationId")),
                _ => {}
            }
            let mut declared = BTreeSet::new();
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap_or_default();
                let place = parameter["in"].as_str().unwrap_or_default();
                if name.is_empty() || !["query", "header", "path", "cookie"].contains(&place) {
                    problems.push(format!(
                        "{at}: parameter {parameter} needs a name and in: query|header|path|cookie"
                    ));
                }
                if !parameter["schema"].is_object() {
                    problems.push(format!("{at}: parameter {name} has no schema"));
                }
                if place == "path" {
                    if parameter["required"] != true {
                        problems.push(format!("{at}: path parameter {name} must be required"));
                    }
                    declared.insert(name.to_owned());
                }
            }
            let templates: BTreeSet<String> = templates.iter().map(|t| (*t).to_owned()).collect();
            if declared != templates {
                problems.push(format!(
                    "{at}: path parameters {declared:?}, the path has {templates:?}"
                ));
            }
            match operation["responses"].as_object() {
                Some(responses) if !responses.is_empty() => {
                    for (code, response) in responses {
                        let is_code = code.len() == 3 && code.chars().all(|c| c.is_ascii_digit());
                        if !is_code && code != "default" {
                            problems.push(format!("{at}: response key {code:?} is not a status code"));
                        }
                        if !response["description"].is_string() {
                            problems.push(format!("{at}: response {code} has no description"));
                        }
                    }
                }
                _ => problems.push(format!("{at}: no responses")),
            }
            if let Some(body) = operation.get("requestBody")
                && !body["content"].is_object()
            {
                problems.push(format!("{at}: requestBody has no content"));
            }
        }
    }
    check_refs(document, document, "#", &mut problems);
    for (name, schema) in document["components"]["schemas"].as_object().into_iter().flatten() {
        let root =
            serde_json::json!({"$ref": format!("#/components/schemas/{name}"), "components": document["components"]});
        if let Err(e) = jsonschema::validator_for(&root) {
            problems.push(format!(
                "components.schemas.{name} is not a usable JSON Schema: {e} ({schema})"
            ));
        }
    }
    problems
}

fn check_refs(document: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(object) => {
            if let Some(reference) = object.get("$ref") {
                if object.len() > 1 {
                    problems.push(format!("{at}: $ref must have no sibling keys in OpenAPI 3.0"));
                }
                let target = reference
                    .as_str()
                    .and_then(|r| r.strip_prefix('#'))
                    .and_then(|pointer| document.pointer(pointer));
                if target.is_none() {
                    problems.push(format!("{at}: $ref {reference} does not resolve"));
                }
            }
            for (key, child) in object {
                check_refs(document, child, &format!("{at}/{key}"), problems);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                check_refs(document, child, &format!("{at}/{i}"), problems);
            }
        }
        _ => {}
    }
}

/// A concrete URL path for a path template, with `>` percent-encoded as clients send it.
pub fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|s| {
            if s.starts_with('{') {
                "987654321".to_owned()
            } else {
                s.replace('>', "%3E")
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether the emulator serves `method` on `path` (below the prefix): anything but the answer for
/// an unknown route (404 "No endpoint …") or an unknown method (400 naming it on `/v2`, 405 on
/// the control plane). Bodies are of no known
/// shape, so a served write refuses them instead of changing anything.
pub fn served(app: &TestApp, method: &str, path: &str) -> bool {
    let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method");
    let mut request = app.request(method.clone(), path);
    if method == reqwest::Method::POST || method == reqwest::Method::PUT {
        request = request.json(&serde_json::json!({"__probe": true}));
    }
    let reply = app.send(request);
    let unknown_route = reply.status == 404
        && reply.body["developerMessage"]
            .as_str()
            .is_some_and(|m| m.starts_with("No endpoint"));
    // Tripletex answers a method a documented path does not have with 400 (the sandbox says so).
    let other_method = reply.status == 400
        && reply.body["developerMessage"]
            .as_str()
            .is_some_and(|m| m.contains("is not an operation of"));
    !(unknown_route || other_method || reply.status == 405)
}

fn document(app: &TestApp, path: &str) -> Value {
    let reply = app.get(path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    let kind = reply
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(kind.starts_with("application/json"), "{path}: {kind}");
    reply.body
}

#[test]
fn the_v2_document_is_openapi_3_and_names_this_sandbox() {
    let app = spawn_app();
    let document = document(&app, "/v2/openapi.json");
    let problems = openapi_problems(&document);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(document["servers"][0]["url"], format!("http://{}/v2", app.base()));
    let customer = &document["components"]["schemas"]["Customer"]["properties"];
    assert_eq!(
        customer["customerNumber"]["maximum"], 2147483647,
        "bounds from the table"
    );
    assert!(customer["description"].is_object());
    let invoice_list = &document["paths"]["/invoice"]["get"]["parameters"];
    let required: Vec<&str> = invoice_list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["required"] == true)
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(required, ["invoiceDateFrom", "invoiceDateTo"]);
}

#[test]
fn the_control_plane_document_is_openapi_3_and_every_operation_in_it_is_served() {
    let app = spawn_app();
    let document = document(&app, "/_sandbox/openapi.json");
    let problems = openapi_problems(&document);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(document["servers"][0]["url"], format!("http://{}", app.base()));
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 25, "{} paths", paths.len());
    for (path, item) in paths {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            assert!(
                served(&app, method, &concrete(path)),
                "{method} {path} is documented but not served"
            );
        }
    }
    // Beside every documented path, the methods it does not document are not served.
    for (path, item) in paths.iter().filter(|(p, _)| !p.starts_with("/_sandbox/sandboxes")) {
        for method in METHODS.iter().filter(|m| item.get(**m).is_none()) {
            assert!(
                !served(&app, method, &concrete(path)),
                "{method} {path} is served but not documented"
            );
        }
    }
}

#[test]
fn a_document_with_a_broken_reference_or_an_undeclared_path_parameter_is_refused() {
    let broken = serde_json::json!({
        "openapi": "3.0.3", "info": {"title": "t", "version": "1"},
        "paths": {"/x/{id}": {"get": {"operationId": "a", "parameters": [],
            "responses": {"200": {"description": "d", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}}}}},
        "components": {"schemas": {}}
    });
    let problems = openapi_problems(&broken).join("\n");
    assert!(problems.contains("path parameters"), "{problems}");
    assert!(problems.contains("does not resolve"), "{problems}");
}

/// The `/v2` document's paging bounds and required bodies are those the emulator serves: every
/// list refuses a `count` past the maximum its document declares and a `from` below its minimum,
/// and every operation whose body the document requires refuses a request without one.
#[test]
fn the_v2_documents_paging_bounds_and_required_bodies_are_as_served() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let document = document(&app, "/v2/openapi.json");
    let (mut lists, mut bodies) = (0, 0);
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
            let named = |name: &str| {
                parameters
                    .iter()
                    .find(|p| p["name"] == name && p["in"] == "query")
                    .cloned()
            };
            let required: Vec<String> = parameters
                .iter()
                .filter(|p| p["in"] == "query" && p["required"] == true)
                .filter_map(|p| p["name"].as_str())
                .map(|name| format!("{name}={}", tripletex_sandbox::conformance::argument_sample(name)))
                .collect();
            let call = |method: &str, query: &str, body: Option<&str>| {
                let arguments = required
                    .iter()
                    .map(String::as_str)
                    .chain([query])
                    .collect::<Vec<_>>()
                    .join("&");
                let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut request = app
                    .request(method, &format!("/v2{}?{arguments}", concrete(path)))
                    .header("Authorization", crate::helpers::basic("0", &session));
                if let Some(body) = body {
                    request = request.header("Content-Type", "application/json").body(body.to_owned());
                }
                app.send(request)
            };
            if let (Some(count), Some(from)) = (named("count"), named("from")) {
                lists += 1;
                assert_eq!(
                    (&count["schema"]["minimum"], &from["schema"]["minimum"]),
                    (&json!(0), &json!(0)),
                    "{path}"
                );
                let max = count["schema"]["maximum"].as_u64().expect("count declares its maximum");
                for query in [format!("count={}", max + 1), "from=-1".to_owned()] {
                    let reply = call(method, &query, None);
                    let said = reply.body["developerMessage"].as_str().unwrap_or_default().to_owned();
                    let argument = &query[..query.find('=').unwrap()];
                    assert!(
                        reply.status == 422 && said.contains(argument),
                        "{method} {path}?{query}: {} {}",
                        reply.status,
                        reply.body
                    );
                }
            }
            if let Some(body) = operation.get("requestBody") {
                bodies += 1;
                assert_eq!(body["required"], true, "{method} {path}");
                let reply = call(method, "", Some(""));
                let said = reply.body["developerMessage"].as_str().unwrap_or_default().to_owned();
                assert!(
                    reply.status == 422 && said.contains("body"),
                    "{method} {path} without a body: {} {}",
                    reply.status,
                    reply.body
                );
            }
        }
    }
    assert!(lists > 100 && bodies > 200, "{lists} lists, {bodies} bodies");
}
