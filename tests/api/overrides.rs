//! Override rules: answers the sandbox gives instead of its own for what it cannot know, set over
//! the control plane or carried by a scenario, tried before authentication and any handler.

use crate::helpers::{TestApp, basic, redacted, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const OVERRIDE: &str = "x-tripletex-sandbox-override";

fn set(app: &TestApp, rules: Value) -> crate::helpers::Reply {
    app.control(
        Method::PUT,
        "/_sandbox/overrides",
        None,
        Some(json!({ "overrides": rules })),
    )
}

fn set_ok(app: &TestApp, rules: Value) {
    let reply = set(app, rules);
    assert_eq!(reply.status, 200, "{}", reply.body);
}

fn listed(app: &TestApp) -> Vec<Value> {
    let reply = app.get("/_sandbox/overrides");
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["values"].as_array().cloned().expect("values")
}

fn overridden_by(reply: &crate::helpers::Reply) -> Option<&str> {
    reply.headers.get(OVERRIDE).and_then(|v| v.to_str().ok())
}

fn session(app: &TestApp) -> String {
    app.session_for(&app.credential(false))
}

#[test]
fn an_override_answers_with_its_status_body_and_headers_even_without_credentials() {
    let app = spawn_app();
    set_ok(
        &app,
        json!([
            {"id": "who", "method": "get", "path": "/token/session/>whoAmI",
             "response": {"status": 200, "body": {"value": {"employeeId": 42}}, "headers": {"x-foo": "bar"}}},
            {"method": "PUT", "path": "/invoice/{id}/:send", "query": {"sendType": "EMAIL"},
             "response": {"status": 409, "body": {"status": 409, "message": "Mottaker mangler e-post"}}}
        ]),
    );
    let who = app.get("/v2/token/session/%3EwhoAmI");
    assert_eq!(who.status, 200);
    assert_eq!(who.body, json!({"value": {"employeeId": 42}}));
    assert_eq!(who.headers["x-foo"], "bar");
    assert_eq!(overridden_by(&who), Some("who"));
    assert!(
        who.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "{:?}",
        who.headers
    );
    // An error status keeps the rule's own body: it is not rewritten into the error envelope.
    let send = app.send(app.request(Method::PUT, "/v2/invoice/123/:send?sendType=EMAIL"));
    assert_eq!(send.status, 409);
    assert_eq!(send.body, json!({"status": 409, "message": "Mottaker mangler e-post"}));
    assert_eq!(overridden_by(&send), Some("1"));
    assert!(send.request_id.is_some(), "the answer is stamped like any other");
}

#[test]
fn a_request_that_differs_in_method_path_query_or_body_reaches_its_handler() {
    let app = spawn_app();
    let session = session(&app);
    set_ok(
        &app,
        json!([
            {"method": "POST", "path": "/customer", "body": [{"pointer": "/name", "equals": "Overstyrt AS"}],
             "response": {"status": 201, "body": {"value": {"id": 1}}}},
            {"method": "GET", "path": "/token/session/>whoAmI", "query": {"fields": "employeeId"},
             "response": {"status": 500}},
            {"method": "DELETE", "path": "/customer/{id}", "response": {"status": 204}}
        ]),
    );
    let whoami = |query: &str| app.get_as("0", &session, &format!("/v2/token/session/%3EwhoAmI{query}"));
    // Method: GET where the rule wants DELETE.
    let customers = app.get_as("0", &session, "/v2/customer");
    assert_eq!(customers.status, 200, "{}", customers.body);
    assert_eq!(overridden_by(&customers), None);
    // Path: one segment more than the template.
    let deeper = app.send(
        app.request(Method::DELETE, "/v2/customer/1/x")
            .header("Authorization", basic("0", &session)),
    );
    assert_eq!(overridden_by(&deeper), None);
    assert_ne!(deeper.status, 204);
    // Query: absent, then another value.
    for query in ["", "?fields=companyId"] {
        let reply = whoami(query);
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        assert_eq!(overridden_by(&reply), None);
    }
    assert_eq!(whoami("?fields=employeeId").status, 500);
    // Body: another name; the handler gets the body whole and creates the customer.
    let real = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": "Ekte AS"})),
    );
    assert_eq!(real.status, 201, "{}", real.body);
    assert_eq!(real.body["value"]["name"], "Ekte AS");
    assert_eq!(overridden_by(&real), None);
    let fake = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": "Overstyrt AS"})),
    );
    assert_eq!((fake.status, &fake.body), (201, &json!({"value": {"id": 1}})));
    assert_eq!(overridden_by(&fake), Some("1"));
    let names: Vec<Value> = app.get_as("0", &session, "/v2/customer?fields=name").body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert!(names.contains(&json!("Ekte AS")), "{names:?}");
    assert!(!names.contains(&json!("Overstyrt AS")), "{names:?}");
}

#[test]
fn times_one_answers_once_then_the_handler_answers() {
    let app = spawn_app();
    set_ok(
        &app,
        json!([{"id": "down-once", "method": "GET", "path": "/token/session/>whoAmI", "times": 1,
                "response": {"status": 503, "body": {"message": "try again"}}}]),
    );
    let first = app.get("/v2/token/session/%3EwhoAmI");
    assert_eq!((first.status, overridden_by(&first)), (503, Some("down-once")));
    let second = app.get("/v2/token/session/%3EwhoAmI");
    assert_eq!(
        second.status, 401,
        "the real handler wants credentials: {}",
        second.body
    );
    assert_eq!(overridden_by(&second), None);
    let rules = listed(&app);
    assert_eq!((&rules[0]["matched"], &rules[0]["remaining"]), (&json!(1), &json!(0)));
}

#[test]
fn times_n_answers_exactly_n_of_many_concurrent_requests() {
    let app = spawn_app();
    set_ok(
        &app,
        json!([{"method": "GET", "path": "/token/session/>whoAmI", "times": 7, "response": {"status": 200}}]),
    );
    let overridden: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..6)
            .map(|_| {
                scope.spawn(|| {
                    (0..5)
                        .filter(|_| overridden_by(&app.get("/v2/token/session/%3EwhoAmI")).is_some())
                        .count()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    assert_eq!(overridden, 7);
    let rules = listed(&app);
    assert_eq!((&rules[0]["matched"], &rules[0]["remaining"]), (&json!(7), &json!(0)));
}

#[test]
fn an_override_in_one_sandbox_leaves_another_alone() {
    let app = spawn_app();
    let other = spawn_app();
    set_ok(
        &app,
        json!([{"method": "GET", "path": "/token/session/>whoAmI", "response": {"status": 200}}]),
    );
    assert_eq!(app.get("/v2/token/session/%3EwhoAmI").status, 200);
    let untouched = other.get("/v2/token/session/%3EwhoAmI");
    assert_eq!((untouched.status, overridden_by(&untouched)), (401, None));
    assert_eq!(listed(&other), Vec::<Value>::new());
}

#[test]
fn the_journal_marks_an_overridden_request_with_the_rule_id() {
    let app = spawn_app();
    set_ok(
        &app,
        json!([{"id": "teapot", "method": "GET", "path": "/customer/{id}", "response": {"status": 418}}]),
    );
    assert_eq!(app.get("/v2/customer/5").status, 418);
    assert_eq!(app.get("/v2/customer").status, 401);
    let journal = app.get("/_sandbox/journal").body["values"].as_array().cloned().unwrap();
    let marks: Vec<(Value, Value, Value)> = journal
        .iter()
        .map(|e| (e["path"].clone(), e["status"].clone(), e["overrideId"].clone()))
        .collect();
    let path = |p: &str| json!(app.path(p));
    assert_eq!(
        marks,
        [
            (path("/v2/customer"), json!(401), Value::Null),
            (path("/v2/customer/5"), json!(418), json!("teapot")),
        ]
    );
    assert_eq!(journal[1]["code"], Value::Null, "an override is no emulator error");
}

#[test]
fn rules_are_listed_with_counts_added_and_deleted_one_by_one_or_all() {
    let app = spawn_app();
    set_ok(
        &app,
        json!([{"id": "a", "method": "GET", "path": "/a", "times": 2, "response": {"status": 200}}]),
    );
    let added = app.control(
        Method::POST,
        "/_sandbox/overrides",
        None,
        Some(json!({"method": "GET", "path": "/b", "response": {"status": 202, "body": "ok"}})),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let id = added.body["value"]["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        added.body["value"],
        json!({"id": id, "method": "GET", "path": "/b", "response": {"status": 202, "body": "ok"},
               "matched": 0, "remaining": null})
    );
    assert_eq!(app.get("/v2/a").status, 200);
    assert_eq!(app.get("/v2/b").body, json!("ok"));
    assert_eq!(
        listed(&app),
        [
            json!({"id": "a", "method": "GET", "path": "/a", "times": 2, "response": {"status": 200},
                   "matched": 1, "remaining": 1}),
            json!({"id": id, "method": "GET", "path": "/b", "response": {"status": 202, "body": "ok"},
                   "matched": 1, "remaining": null}),
        ]
    );
    let taken = app.control(
        Method::POST,
        "/_sandbox/overrides",
        None,
        Some(json!({"id": "a", "method": "GET", "path": "/c", "response": {"status": 200}})),
    );
    assert_eq!(
        (taken.status, &taken.body["validationMessages"][0]["field"]),
        (422, &json!("id"))
    );
    assert_eq!(
        app.control(Method::DELETE, "/_sandbox/overrides/a", None, None).status,
        204
    );
    let gone = app.control(Method::DELETE, "/_sandbox/overrides/a", None, None);
    assert_eq!(gone.status, 404);
    assert_eq!(app.get("/v2/a").status, 404, "the real answer: no such path");
    assert_eq!(listed(&app).len(), 1);
    assert_eq!(
        app.control(Method::DELETE, "/_sandbox/overrides", None, None).status,
        204
    );
    assert_eq!(listed(&app), Vec::<Value>::new());
    assert_eq!(overridden_by(&app.get("/v2/b")), None);
}

#[test]
fn invalid_rules_are_refused_by_field_and_change_nothing() {
    let app = spawn_app();
    set_ok(
        &app,
        json!([{"id": "kept", "method": "GET", "path": "/a", "response": {"status": 200}}]),
    );
    let refused = set(
        &app,
        json!([
            {"method": "GET", "path": "/fine", "response": {"status": 200}},
            {"method": "FETCH", "path": "/v2/customer", "times": 0,
             "body": [{"pointer": "name", "equals": 1}], "response": {"status": 99}}
        ]),
    );
    let fields: Vec<&str> = refused.body["validationMessages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        (refused.status, refused.body["code"].as_i64(), fields),
        (
            422,
            Some(18000),
            vec![
                "overrides[1].method",
                "overrides[1].path",
                "overrides[1].body[0].pointer",
                "overrides[1].times",
                "overrides[1].response.status",
            ]
        ),
        "{}",
        refused.body
    );
    let wrong_type = set(
        &app,
        json!([{"method": "GET", "path": "/a", "response": {"status": "200"}}]),
    );
    let mut body = redacted(&wrong_type);
    body["developerMessage"] = json!("<message>");
    body["validationMessages"][0]["message"] = json!("<message>");
    assert_eq!(
        body,
        json!({"status": 422, "code": 18000, "message": "Validering feilet.", "link": "docs/control-plane.md",
               "developerMessage": "<message>", "requestId": "<request-id>",
               "validationMessages": [{"field": "overrides[0].response.status", "message": "<message>",
                                       "path": "overrides[0].response.status", "rootId": null}]})
    );
    let unknown = app.control(
        Method::POST,
        "/_sandbox/overrides",
        None,
        Some(json!({"method": "GET", "path": "/a", "respones": {}})),
    );
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert_eq!(
        listed(&app),
        [
            json!({"id": "kept", "method": "GET", "path": "/a", "response": {"status": 200}, "matched": 0, "remaining": null})
        ]
    );
}

#[test]
fn a_scenario_carrying_overrides_installs_them_and_a_reset_brings_them_back() {
    let app = spawn_app();
    let mut world = app.get("/_sandbox/state").body;
    world["overrides"] = json!([{"id": "from-scenario", "method": "GET", "path": "/token/session/>whoAmI",
                                  "times": 1, "response": {"status": 200, "body": {"value": "canned"}}}]);
    let loaded = app.control(Method::PUT, "/_sandbox/state", None, Some(world.clone()));
    assert_eq!(loaded.status, 204, "{}", loaded.body);
    let first = app.get("/v2/token/session/%3EwhoAmI");
    assert_eq!((first.status, overridden_by(&first)), (200, Some("from-scenario")));
    assert_eq!(app.get("/v2/token/session/%3EwhoAmI").status, 401, "used up");
    set_ok(&app, json!([]));
    assert_eq!(app.control(Method::POST, "/_sandbox/reset", None, None).status, 204);
    let rules = listed(&app);
    assert_eq!(rules.len(), 1);
    assert_eq!(
        (&rules[0]["id"], &rules[0]["remaining"]),
        (&json!("from-scenario"), &json!(1))
    );
    // A scenario's bad rule is refused with the rule's path, and the world stays.
    world["overrides"][0]["method"] = json!("BREW");
    let refused = app.control(Method::PUT, "/_sandbox/state", None, Some(world));
    assert_eq!(refused.status, 422);
    assert_eq!(refused.body["validationMessages"][0]["field"], "overrides[0].method");
    assert_eq!(listed(&app).len(), 1);
}

#[test]
fn a_reset_of_a_scenario_without_overrides_clears_them() {
    let app = spawn_app();
    set_ok(
        &app,
        json!([{"method": "GET", "path": "/token/session/>whoAmI", "response": {"status": 200}}]),
    );
    assert_eq!(app.control(Method::POST, "/_sandbox/reset", None, None).status, 204);
    assert_eq!(listed(&app), Vec::<Value>::new());
    assert_eq!(app.get("/v2/token/session/%3EwhoAmI").status, 401);
}

#[test]
fn a_body_too_large_to_match_reaches_its_handler_which_refuses_it() {
    let app = spawn_app();
    let session = session(&app);
    set_ok(
        &app,
        json!([{"method": "POST", "path": "/customer", "body": [{"pointer": "/name", "equals": "x"}],
                "response": {"status": 200}}]),
    );
    let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let reply = app.send(
        app.request(Method::POST, "/v2/customer")
            .header("Authorization", basic("0", &session))
            .header("Content-Type", "application/json")
            .body(huge),
    );
    assert_eq!((reply.status, overridden_by(&reply)), (413, None), "{}", reply.body);
    let small = app.call_as(Method::POST, "0", &session, "/v2/customer", Some(&json!({"name": "x"})));
    assert_eq!(overridden_by(&small), Some("1"));
}
