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
    let method = app.send(app.request(reqwest::Method::PATCH, "/v2/token/session/:create"));
    assert_eq!(method.status, 405);
    assert_eq!(method.body["status"], 405);
    let root = app.get("/");
    assert_eq!(root.status, 404);
    assert_eq!(root.body["code"], 6000);
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
