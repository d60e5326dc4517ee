//! State export and import, reset and scenario loading.

use crate::helpers::{FUTURE, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

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

/// The bakery's (company 1001) own session.
fn bakery(app: &TestApp) -> String {
    app.session_for(&app.credential(false))
}

/// A `/v2` answer as JSON text with the sandbox's own address taken out of its urls, so answers
/// of two sandboxes compare.
fn answer(app: &TestApp, session: &str, path: &str) -> String {
    let reply = app.get_as("0", session, path);
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    reply.body.to_string().replace(&app.base(), "BASE")
}

/// Every customer of the bakery, every field, as the list shows them.
fn all_customers(app: &TestApp, session: &str) -> String {
    answer(app, session, "/v2/customer?fields=*&count=1000")
}

/// The exported state as the bytes the emulator sends.
fn state_text(app: &TestApp) -> String {
    let response = app.request(Method::GET, "/_sandbox/state").send().unwrap();
    assert_eq!(response.status(), 200);
    response.text().unwrap()
}

fn call(app: &TestApp, session: &str, method: Method, path: &str, body: Option<Value>) -> Value {
    let reply = app.call_as(method, "0", session, path, body.as_ref());
    assert!(reply.status < 300, "{path}: {} {}", reply.status, reply.body);
    reply.body["value"].clone()
}

/// Creates, changes and deletes customers (seeded ones too) and makes an order with lines; answers
/// (created customer, changed seeded customer, deleted seeded customer, order) ids.
fn populate(app: &TestApp, session: &str) -> (i64, i64, i64, i64) {
    let seeded = app.get_as("0", session, "/v2/customer?fields=id,version&count=2").body["values"].clone();
    let (changed, deleted) = (seeded[0]["id"].as_i64().unwrap(), seeded[1]["id"].as_i64().unwrap());
    let made = call(
        app,
        session,
        Method::POST,
        "/v2/customer",
        Some(json!({"name": "Ny Kunde AS"})),
    );
    let made_id = made["id"].as_i64().unwrap();
    call(
        app,
        session,
        Method::PUT,
        &format!("/v2/customer/{made_id}"),
        Some(json!({"version": 0, "email": "post@nykunde.no"})),
    );
    call(
        app,
        session,
        Method::PUT,
        &format!("/v2/customer/{changed}"),
        Some(json!({"version": seeded[0]["version"], "name": "Endret AS", "isInactive": true})),
    );
    let gone = app.call_as(Method::DELETE, "0", session, &format!("/v2/customer/{deleted}"), None);
    assert_eq!(gone.status, 204, "{}", gone.body);
    let product = app.get_as("0", session, "/v2/product?fields=id&count=1").body["values"][0]["id"].clone();
    let order = call(
        app,
        session,
        Method::POST,
        "/v2/order",
        Some(json!({
            "customer": {"id": made_id}, "orderDate": "2026-02-01", "deliveryDate": "2026-02-01",
            "orderLines": [{"product": {"id": product}, "count": 2, "unitPriceExcludingVatCurrency": 100}]
        })),
    );
    (made_id, changed, deleted, order["id"].as_i64().unwrap())
}

#[test]
fn the_state_carries_the_data_objects_that_differ_from_the_seed() {
    let app = spawn_app();
    let session = bakery(&app);
    let untouched = state_text(&app);
    assert!(
        !untouched.contains("\"objects\""),
        "a world as seeded has no objects section: {untouched}"
    );
    let (made, changed, deleted, order) = populate(&app, &session);

    let exported = app.get("/_sandbox/state").body;
    let objects = exported["objects"].as_object().expect("an objects section");
    assert_eq!(
        objects.keys().collect::<Vec<_>>(),
        ["customer", "order"],
        "only what changed: {objects:?}"
    );
    let stored: Vec<(i64, i64, i64)> = exported["objects"]["customer"]["stored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["id"].as_i64().unwrap(),
                o["version"].as_i64().unwrap(),
                o["companyId"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(stored, [(changed, 1, 1001), (made, 1, 1001)], "in id order");
    assert_eq!(exported["objects"]["customer"]["deleted"], json!([deleted]));
    assert_eq!(
        exported["objects"]["customer"]["stored"][0]["body"]["name"],
        "Endret AS"
    );
    assert_eq!(state_text(&app), state_text(&app), "two exports are byte-equal");

    let other = spawn_app();
    let imported = other.send(other.request(Method::PUT, "/_sandbox/state").body(state_text(&app)));
    assert_eq!(imported.status, 204, "{}", imported.body);
    assert_eq!(state_text(&other), state_text(&app), "the round trip is byte-equal");
    let there = bakery(&other);
    assert_eq!(all_customers(&other, &there), all_customers(&app, &session));
    let inactive = "/v2/customer?fields=*&isInactive=true";
    assert_eq!(answer(&other, &there, inactive), answer(&app, &session, inactive));
    let with_lines = format!("/v2/order/{order}?fields=*,orderLines(*)");
    assert_eq!(answer(&other, &there, &with_lines), answer(&app, &session, &with_lines));
    let gone = other.get_as("0", &there, &format!("/v2/customer/{deleted}"));
    assert_eq!(gone.status, 404, "the deleted seed customer stays deleted");

    let next = call(
        &other,
        &there,
        Method::POST,
        "/v2/customer",
        Some(json!({"name": "Etter AS"})),
    );
    let line_id = exported["objects"]["order"]["stored"][0]["body"]["orderLines"][0]["id"]
        .as_i64()
        .unwrap();
    assert!(
        next["id"].as_i64().unwrap() > made.max(order).max(line_id),
        "new ids come after the imported ones: {next}"
    );
}

#[test]
fn a_bad_objects_section_is_refused_at_its_path_and_changes_nothing() {
    let app = spawn_app();
    let session = bakery(&app);
    populate(&app, &session);
    let before = state_text(&app);
    let state: Value = serde_json::from_str(&before).unwrap();
    let customers = |edit: &dyn Fn(&mut Value)| {
        let mut broken = state.clone();
        edit(&mut broken["objects"]["customer"]);
        broken
    };
    let first_id = state["objects"]["customer"]["stored"][0]["id"].clone();
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            {
                let mut broken = state.clone();
                broken["objects"]["kunde"] = json!({"deleted": [1]});
                broken
            },
            "objects.kunde",
            "unknown resource",
        ),
        (
            customers(&|c| c["stored"][0]["companyId"] = json!(4242)),
            "objects.customer.stored[0].companyId",
            "no company has id 4242",
        ),
        (
            customers(&|c| c["stored"][1]["id"] = first_id.clone()),
            "objects.customer.stored[1].id",
            "used twice",
        ),
        (
            customers(&|c| c["stored"][0]["body"] = json!("Nordlys AS")),
            "objects.customer.stored[0].body",
            "must be a JSON object",
        ),
        (
            customers(&|c| c["stored"][0]["body"]["kundenavn"] = json!("x")),
            "objects.customer.stored[0].body.kundenavn",
            "no field",
        ),
        (
            customers(&|c| c["deleted"] = json!([first_id.clone()])),
            "objects.customer.deleted[0]",
            "both stored and deleted",
        ),
        (
            customers(&|c| c["stored"][0]["id"] = json!(0)),
            "objects.customer.stored[0].id",
            "positive",
        ),
        (
            customers(&|c| c["stored"][0]["version"] = json!("one")),
            "objects.customer.stored[0].version",
            "invalid type",
        ),
    ];
    for (broken, path, says) in cases {
        let reply = app.send(app.request(Method::PUT, "/_sandbox/state").json(&broken));
        assert_eq!(
            (reply.status, reply.body["code"].as_i64()),
            (422, Some(18000)),
            "{path}: {}",
            reply.body
        );
        let message = &reply.body["validationMessages"][0];
        assert_eq!(message["field"], path, "{}", reply.body);
        assert!(
            message["message"].as_str().unwrap_or_default().contains(says),
            "{path}: {message}"
        );
        assert_eq!(state_text(&app), before, "{path}: the world is as it was");
    }
    let changed = answer(&app, &session, "/v2/customer?fields=name&isInactive=true");
    assert!(changed.contains("Endret AS"), "{changed}");
}

/// An object a state or scenario writes with only some fields has the model's defaults for the
/// rest, as a created one does: without `isInactive` it is active, and listed.
#[test]
fn an_imported_object_with_some_fields_has_the_models_defaults_and_is_listed() {
    let app = spawn_app();
    let mut state = app.get("/_sandbox/state").body;
    state["objects"] = json!({"customer": {"stored": [
        {"id": 777_001, "companyId": 1001, "version": 0, "body": {"name": "Lunde Snekkeri AS"}}
    ]}});
    let imported = app.send(app.request(Method::PUT, "/_sandbox/state").json(&state));
    assert_eq!(imported.status, 204, "{}", imported.body);
    let session = app.session_for(&app.credential(false));
    let listed = app.get_as(
        "0",
        &session,
        "/v2/customer?customerName=Lunde&fields=id,isInactive,email",
    );
    assert_eq!(
        listed.body["values"],
        json!([{"id": 777_001, "isInactive": false, "email": ""}]),
        "{}",
        listed.body
    );
}
