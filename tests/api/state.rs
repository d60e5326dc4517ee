//! State export and import, reset and scenario loading.

use crate::helpers::{FUTURE, spawn_app};
use reqwest::Method;
use serde_json::json;

#[test]
fn exported_state_imports_to_the_same_world() {
    let app = spawn_app();
    // Change the world first, so the export holds more than the scenario file did.
    let created = app.control(
        Method::POST,
        "/_sandbox/people/5001/keys",
        None,
        Some(json!({"name": "Ekstra", "custom": {"applicationName": "Nordlys Timeføring", "accesses": "ALL"}})),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let key_id = app.control(Method::GET, "/_sandbox/people/5001/keys", None, None).body["values"][0]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.control(Method::POST, &format!("/_sandbox/keys/{key_id}/regenerate"), None, None)
            .status,
        200
    );
    assert_eq!(
        app.control(
            Method::PUT,
            "/_sandbox/clients/2103/accountant",
            None,
            Some(json!({"apiAccess": true}))
        )
        .status,
        200
    );

    let exported = app.get("/_sandbox/state");
    assert_eq!(exported.status, 200);
    let other = spawn_app();
    let imported = other.send(other.request(Method::PUT, "/_sandbox/state").json(&exported.body));
    assert_eq!(imported.status, 204, "{}", imported.body);
    assert_eq!(other.get("/_sandbox/state").body, exported.body, "round trip is exact");
    assert_eq!(other.credentials(), app.credentials());
    let office = other.credential(true);
    let session = other.session_for(&office);
    assert_eq!(other.login_access_ids(&session), vec![2101, 2102, 2103]);
}

#[test]
fn a_bad_state_changes_nothing_and_names_the_problem() {
    let app = spawn_app();
    let before = app.get("/_sandbox/state").body;
    let mut broken = before.clone();
    broken["world"]["keys"][0]["personId"] = json!(424242);
    let reply = app.send(app.request(Method::PUT, "/_sandbox/state").json(&broken));
    assert_eq!((reply.status, reply.body["code"].as_i64()), (422, Some(18000)));
    assert_eq!(reply.body["validationMessages"][0]["field"], "world.keys[0].personId");
    let garbage = app.send(app.request(Method::PUT, "/_sandbox/state").body("{nope"));
    assert_eq!(garbage.status, 422);
    assert_eq!(app.get("/_sandbox/state").body, before);
}

#[test]
fn reset_goes_back_to_the_scenario_and_ends_sessions() {
    let app = spawn_app();
    let before = app.get("/_sandbox/state").body;
    let session = app.session_for(&app.credential(false));
    assert_eq!(
        app.control(
            Method::PUT,
            "/_sandbox/companies/1001/subscription",
            None,
            Some(json!({"integrationsEnabled": false}))
        )
        .status,
        200
    );
    assert_eq!(app.send(app.request(Method::POST, "/_sandbox/reset")).status, 204);
    assert_eq!(app.get("/_sandbox/state").body, before);
    assert_eq!(app.get_as("0", &session, "/v2/token/session/%3EwhoAmI").status, 401);
}

#[test]
fn another_scenario_can_be_loaded_by_name() {
    let app = spawn_app();
    let loaded = app.control(
        Method::POST,
        "/_sandbox/scenario",
        None,
        Some(json!({"name": "integrations-not-activated"})),
    );
    assert_eq!(loaded.status, 200, "{}", loaded.body);
    assert_eq!(
        app.get("/_sandbox/health").body["value"]["scenario"],
        "integrations-not-activated"
    );
    let credential = app.credential(false);
    let refused = app.create_session(
        credential["consumerToken"].as_str(),
        credential["employeeToken"].as_str(),
        Some(FUTURE),
    );
    assert_eq!(refused.status, 403);
    let unknown = app.control(Method::POST, "/_sandbox/scenario", None, Some(json!({"name": "nope"})));
    assert_eq!((unknown.status, unknown.body["code"].as_i64()), (404, Some(6000)));
    assert_eq!(app.send(app.request(Method::POST, "/_sandbox/reset")).status, 204);
    assert_eq!(
        app.get("/_sandbox/health").body["value"]["scenario"],
        "integrations-not-activated"
    );
}
