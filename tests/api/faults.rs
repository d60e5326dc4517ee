//! Fault injection: Tripletex's rate limit and rules that add latency or answer with an error.

use crate::helpers::spawn_app;
use reqwest::Method;
use serde_json::json;

#[test]
fn the_rate_limit_sends_headers_and_429_when_used_up() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let set = app.control(
        Method::PUT,
        "/_sandbox/faults",
        None,
        Some(json!({"rateLimit": {"limit": 2, "windowSeconds": 60}})),
    );
    assert_eq!(set.status, 200, "{}", set.body);
    let first = app.get_as("0", &session, "/v2/token/session/%3EwhoAmI");
    assert_eq!(first.headers.get("x-rate-limit-limit").unwrap(), "2");
    assert_eq!(first.headers.get("x-rate-limit-remaining").unwrap(), "1");
    assert_eq!(app.get_as("0", &session, "/v2/token/session/%3EwhoAmI").status, 200);
    let refused = app.get_as("0", &session, "/v2/token/session/%3EwhoAmI");
    assert_eq!(refused.status, 429);
    assert_eq!(refused.body["status"], 429);
    assert_eq!(refused.headers.get("x-rate-limit-remaining").unwrap(), "0");
    // Another employee's key has its own window.
    let office = app.session_for(&app.credential(true));
    assert_eq!(app.get_as("0", &office, "/v2/token/session/%3EwhoAmI").status, 200);
    assert_eq!(
        app.control(Method::PUT, "/_sandbox/faults", None, Some(json!({})))
            .status,
        200
    );
    assert_eq!(app.get_as("0", &session, "/v2/token/session/%3EwhoAmI").status, 200);
}

#[test]
fn a_fault_rule_injects_an_error_on_its_nth_match() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let rule = json!({"rules": [{"path": "/customer", "method": "GET", "nth": 2, "status": 503, "latencyMs": 20}]});
    assert_eq!(
        app.control(Method::PUT, "/_sandbox/faults", None, Some(rule)).status,
        200
    );
    assert_eq!(app.get_as("0", &session, "/v2/customer").status, 200);
    let injected = app.get_as("0", &session, "/v2/customer");
    assert_eq!(injected.status, 503);
    assert!(
        injected.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("fault rule 0")
    );
    assert_eq!(app.get_as("0", &session, "/v2/customer").status, 200);
    let journal = app.get("/_sandbox/journal?status=503").body["values"]
        .as_array()
        .cloned()
        .unwrap();
    assert_eq!(journal.len(), 1, "injected faults are journaled");
    let refused = app.control(
        Method::PUT,
        "/_sandbox/faults",
        None,
        Some(json!({"rules": [{"status": 418}]})),
    );
    assert_eq!((refused.status, refused.body["code"].as_i64()), (422, Some(18000)));
    assert_eq!(
        app.control(
            Method::PUT,
            "/_sandbox/faults",
            None,
            Some(json!({"rules": [{"drop": true}]}))
        )
        .status,
        422
    );
}

#[test]
fn fault_rules_whose_delays_add_up_past_the_cap_are_refused() {
    let app = spawn_app();
    let slow = json!({"latencyMs": 60000});
    let refused = app.control(
        Method::PUT,
        "/_sandbox/faults",
        None,
        Some(json!({"rules": [slow, slow, slow]})),
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("add up to 180000"),
        "{}",
        refused.body
    );
    assert_eq!(
        app.get("/_sandbox/faults").body["value"]["rules"],
        json!([]),
        "nothing was set"
    );
}
