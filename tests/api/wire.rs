//! Wire conventions shared by every endpoint: request ids, error envelope, fields filter.

use crate::helpers::{redacted, spawn_app};
use serde_json::json;

#[test]
fn every_response_carries_a_request_id_equal_to_the_error_body() {
    let app = spawn_app();
    let ok = app.get("/_sandbox/health");
    let session = app.session_for(&app.credential(false));
    let who = app.get_as("0", &session, "/v2/token/session/%3EwhoAmI");
    for reply in [&ok, &who] {
        let id = reply.request_id.as_deref().expect("x-tlx-request-id");
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
    }
    assert_ne!(ok.request_id, who.request_id);
    let error = app.get("/v2/token/session/%3EwhoAmI");
    assert_eq!(error.body["requestId"].as_str(), error.request_id.as_deref());
    assert_eq!(
        error.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json;charset=UTF-8")
    );
    assert!(
        error.headers.get("x-tripletex-sandbox").is_some(),
        "says it is an emulator"
    );
}

#[test]
fn unknown_routes_and_methods_answer_in_the_error_envelope() {
    let app = spawn_app();
    let unknown = app.get("/v2/nothing/here");
    assert_eq!(unknown.status, 404);
    assert_eq!(
        redacted(&unknown),
        json!({"status": 404, "code": 6000, "message": "Object not found", "link": "https://tripletex.no/v2-docs/",
               "developerMessage": format!("No endpoint GET {} in the sandbox. Paths are /v2/… (Tripletex API), /_sandbox/… (control plane).", app.path("/v2/nothing/here")),
               "validationMessages": null, "requestId": "<request-id>"})
    );
    // Tripletex answers a method a path does not have with 400, in the same envelope.
    let method = app.send(app.request(reqwest::Method::PATCH, "/v2/token/session/:create"));
    assert_eq!(
        (method.status, &method.body["status"], &method.body["code"]),
        (400, &json!(400), &json!(4000))
    );
    let root = app.get("/");
    assert_eq!(root.status, 404);
    assert_eq!(root.body["code"], 6000);
}

/// Token, company and entitlement routes are mounted in scopes of their own prefixes: a path
/// under one of them that none of its routes takes is the same 404 as any unknown path, a known
/// path with another method the same 400, and a path that only starts with the same letters is
/// not taken for it.
#[test]
fn paths_under_the_scoped_prefixes_that_match_no_route_are_unknown_routes() {
    let app = spawn_app();
    for path in [
        "/v2/token",
        "/v2/token/session",
        "/v2/token/session/abc/def",
        "/v2/tokens",
        "/v2/company/",
        "/v2/company/1/modules",
        "/v2/companyX",
        "/v2/employee/entitlement/",
        "/v2/employee/entitlement/5/6",
    ] {
        let reply = app.get(path);
        assert_eq!(reply.status, 404, "{path}");
        let message = format!("No endpoint GET {} in the sandbox.", app.path(path));
        let said = reply.body["developerMessage"].as_str().unwrap_or_default();
        assert!(said.starts_with(&message), "{path}: {said}");
    }
    for (method, path) in [
        (reqwest::Method::GET, "/v2/company"),
        (reqwest::Method::POST, "/v2/company/salesmodules/x"),
        (reqwest::Method::DELETE, "/v2/employee/entitlement/client"),
        (reqwest::Method::GET, "/v2/token/session/abc"),
    ] {
        let reply = app.send(app.request(method.clone(), path));
        let expected = if path.ends_with("/x") { 404 } else { 400 };
        assert_eq!(reply.status, expected, "{method} {path}");
        assert_eq!(reply.body["status"], expected, "{method} {path}");
    }
}

#[test]
fn fields_expand_nested_objects_and_reject_unknown_fields() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let stubbed = app.get_as("0", &session, "/v2/token/session/%3EwhoAmI");
    assert_eq!(stubbed.body["value"]["company"].as_object().unwrap().len(), 2);
    let expanded = app.get_as(
        "0",
        &session,
        "/v2/token/session/%3EwhoAmI?fields=*,company(*),employee(*)",
    );
    assert_eq!(expanded.body["value"]["company"]["name"], "Solsikke Bakeri AS");
    assert!(expanded.body["value"]["employee"]["firstName"].is_string());
    let picked = app.get_as(
        "0",
        &session,
        "/v2/token/session/%3EwhoAmI?fields=companyId,company(name)",
    );
    assert_eq!(
        picked.body["value"],
        json!({"companyId": 1001, "company": {"name": "Solsikke Bakeri AS"}})
    );
    let unknown = app.get_as("0", &session, "/v2/token/session/%3EwhoAmI?fields=companyId,nonsense");
    assert_eq!((unknown.status, unknown.body["code"].as_i64()), (400, Some(11000)));
    assert!(unknown.body["developerMessage"].as_str().unwrap().contains("nonsense"));
    let broken = app.get_as("0", &session, "/v2/token/session/%3EwhoAmI?fields=company(name");
    assert_eq!((broken.status, broken.body["code"].as_i64()), (400, Some(11000)));
}

#[test]
fn paging_and_sorting_errors_have_their_codes() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(true));
    for (query, status, code) in [
        ("count=abc", 422, 21000),
        ("from=-1", 422, 21000),
        ("count=100000", 422, 23000),
        ("sorting=nope", 422, 17000),
        ("sorting=na%20me", 422, 17000),
    ] {
        let reply = app.get_as("0", &session, &format!("/v2/company/%3EwithLoginAccess?{query}"));
        assert_eq!(
            (reply.status, reply.body["code"].as_i64()),
            (status, Some(code)),
            "{query}"
        );
    }
}
