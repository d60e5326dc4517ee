//! The journal as a verification API: bodies kept (secrets redacted, bounded), filters, the
//! count, and `POST /_sandbox/verify` with its near misses.

use crate::helpers::{TestApp, basic, spawn_app, spawn_with};
use reqwest::Method;
use serde_json::{Value, json};

/// A sandbox where the bakery's administrator has made one customer, `Acme AS`.
fn with_one_customer(app: &TestApp) -> String {
    let session = app.session_with_everything();
    let made = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": "Acme AS", "isPrivateIndividual": false})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    session
}

fn count(app: &TestApp, filters: &str) -> Value {
    let reply = app.get(&format!("/_sandbox/journal/count?{filters}"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

#[test]
fn the_count_filters_by_method_template_status_company_and_a_body_field() {
    let app = spawn_app();
    let session = with_one_customer(&app);
    assert_eq!(app.get_as("0", &session, "/v2/customer?count=1").status, 200);
    assert_eq!(app.get_as("0", &session, "/v2/customer/99999").status, 404);

    assert_eq!(
        count(&app, "method=POST&template=/customer"),
        json!({"value": {"count": 1}})
    );
    assert_eq!(
        count(&app, "template=/v2/customer/{customerId}"),
        json!({"value": {"count": 1}})
    );
    assert_eq!(
        count(&app, "template=/customer/{id}&status=200"),
        json!({"value": {"count": 0}})
    );
    assert_eq!(count(&app, "body=name=Acme%20AS"), json!({"value": {"count": 1}}));
    assert_eq!(count(&app, "body=name=Other"), json!({"value": {"count": 0}}));
    assert_eq!(count(&app, "param=count=1"), json!({"value": {"count": 1}}));
    assert_eq!(count(&app, "method=GET&company=2101"), json!({"value": {"count": 0}}));
    let later = "until=2000-01-01T00:00:00Z";
    assert_eq!(count(&app, later), json!({"value": {"count": 0}}));

    let bad = app.get("/_sandbox/journal/count?body=nothing");
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["validationMessages"][0]["field"], "arg:body");
}

#[test]
fn a_journal_read_shows_the_bodies_of_a_call() {
    let app = spawn_app();
    with_one_customer(&app);
    let made = app.get("/_sandbox/journal?method=POST&template=/customer").body;
    let entry = &made["values"][0];
    assert_eq!(
        entry["requestBody"],
        json!({"name": "Acme AS", "isPrivateIndividual": false})
    );
    assert_eq!(entry["responseBody"]["value"]["name"], "Acme AS");
    assert_eq!(entry["bodiesDropped"], false);
}

#[test]
fn verify_answers_200_when_every_pattern_holds() {
    let app = spawn_app();
    let session = with_one_customer(&app);
    assert_eq!(app.get_as("0", &session, "/v2/customer?count=1").status, 200);
    let reply = app.control(
        Method::POST,
        "/_sandbox/verify",
        None,
        Some(json!({"calls": [
            {"method": "POST", "path": "/customer", "body": [{"path": "name", "equals": "Acme AS"}], "count": 1},
            {"path": "/v2/customer", "query": {"count": 1}, "status": 200},
            {"method": "PUT", "path": "/v2/token/session/:create", "atLeast": 1, "atMost": 3},
            {"method": "DELETE", "path": "/customer/{id}", "count": 0},
        ]})),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let holds: Vec<(Value, Value)> = reply.body["values"]
        .as_array()
        .map(|v| v.iter().map(|v| (v["holds"].clone(), v["matched"].clone())).collect())
        .unwrap_or_default();
    assert_eq!(
        holds,
        [
            (json!(true), json!(1)),
            (json!(true), json!(1)),
            (json!(true), json!(1)),
            (json!(true), json!(0))
        ]
    );
}

#[test]
fn a_pattern_that_fails_lists_the_nearest_calls_closest_first() {
    let app = spawn_app();
    let session = with_one_customer(&app);
    assert_eq!(app.get_as("0", &session, "/v2/customer?name=Acme").status, 200);
    let reply = app.control(
        Method::POST,
        "/_sandbox/verify",
        None,
        Some(json!({"calls": [
            {"method": "POST", "path": "/customer/{id}", "count": 0},
            {"method": "POST", "path": "/customer", "body": [{"path": "name", "equals": "Other AS"}], "count": 1},
        ]})),
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    let mut body = reply.body.clone();
    body["requestId"] = json!("<request-id>");
    assert_eq!(
        body,
        json!({
            "status": 422,
            "code": 18000,
            "message": "1 of 2 call patterns did not hold.",
            "link": body["link"],
            "developerMessage": "Each validation message names a pattern (calls[i]), the calls it expected and saw, and the nearest calls the journal holds.",
            "validationMessages": [{
                "field": "calls[1]",
                "message": "expected exactly 1 of POST /customer, saw 0; nearest: \
                    POST /v2/customer → 201 (differs in: body name); \
                    GET /v2/customer?name=Acme → 200 (differs in: method, body name)",
                "path": null,
                "rootId": null,
            }],
            "requestId": "<request-id>",
        })
    );
}

#[test]
fn no_token_or_basic_credential_reaches_the_journal() {
    let app = spawn_app();
    let credential = app.credential(false);
    let session = app.session_for(&credential);
    let header = basic("0", &session);
    assert_eq!(app.get_as("0", &session, "/v2/token/session/%3EwhoAmI").status, 200);
    let echoed = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": "Leak AS", "token": session, "note": header})),
    );
    assert!(echoed.status < 500, "{}", echoed.body);
    let deleted = app.call_as(
        Method::DELETE,
        "0",
        &session,
        &format!("/v2/token/session/{}", crate::helpers::url_encode(&session)),
        None,
    );
    assert!(deleted.status < 500, "{}", deleted.body);

    let journal = app.get("/_sandbox/journal");
    assert_eq!(journal.status, 200);
    let text = journal.body.to_string();
    let secrets = [
        session.as_str(),
        header.trim_start_matches("Basic "),
        credential["consumerToken"].as_str().unwrap_or("missing"),
        credential["employeeToken"].as_str().unwrap_or("missing"),
    ];
    for secret in secrets {
        assert!(!text.contains(secret), "{secret} is in the journal: {text}");
    }
    assert!(text.contains("<redacted>"), "{text}");
    assert_eq!(journal.body["values"].as_array().map(Vec::len), Some(4));
}

#[test]
fn past_the_byte_bound_the_oldest_bodies_are_dropped_and_the_entries_kept() {
    let bound = 2_000;
    let app = spawn_with(tripletex_sandbox::config::Config {
        journal_body_bytes: bound,
        ..tripletex_sandbox::config::Config::for_tests()
    });
    for _ in 0..20 {
        assert_eq!(app.get("/v2/company/1").status, 401);
    }
    let values = app.get("/_sandbox/journal").body["values"].clone();
    let entries = values.as_array().cloned().unwrap_or_default();
    assert_eq!(entries.len(), 20);
    let kept: usize = entries
        .iter()
        .filter(|e| e["bodiesDropped"] == false)
        .map(|e| e["responseBody"].to_string().len())
        .sum();
    assert!(kept <= bound, "{kept} bytes of bodies kept past the bound");
    assert_eq!(entries[0]["bodiesDropped"], false, "the newest keeps its body");
    assert!(entries[0]["responseBody"].is_object(), "{}", entries[0]);
    assert_eq!(entries[19]["bodiesDropped"], true, "the oldest lost its body");
    assert_eq!(entries[19]["responseBody"], Value::Null);
    assert_eq!(entries[19]["status"], 401, "and kept its entry");
}
