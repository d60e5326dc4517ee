//! PUT /v2/token/session/:create: every rule of minting a session.

use crate::helpers::{FUTURE, redacted, spawn_app, spawn_scenario};
use base64::Engine;
use serde_json::json;
use tripletex_sandbox::scenario;

#[test]
fn a_session_is_minted_with_the_documented_shape() {
    let app = spawn_app();
    let credential = app.credential(false);
    let reply = app.create_session(
        credential["consumerToken"].as_str(),
        credential["employeeToken"].as_str(),
        Some(FUTURE),
    );
    assert_eq!(reply.status, 200);
    let value = &reply.body["value"];
    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "version",
            "url",
            "consumerToken",
            "employeeToken",
            "expirationDate",
            "token"
        ]
    );
    let id = value["id"].as_i64().unwrap();
    assert_eq!(value["url"], format!("{}/v2/token/session/{id}", app.base()));
    assert_eq!(value["expirationDate"], FUTURE);
    assert_eq!(
        value["consumerToken"].as_object().unwrap().len(),
        2,
        "a {{id,url}} stub"
    );
    assert_eq!(
        value["employeeToken"].as_object().unwrap().len(),
        2,
        "a {{id,url}} stub"
    );
    let token = value["token"].as_str().unwrap();
    let encoded = token.strip_prefix("test-").expect("test- prefix");
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
    let inner: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
    assert_eq!(inner["tokenId"], id);
    assert!(inner["token"].as_str().unwrap().len() == 36);
}

#[test]
fn post_mints_a_session_with_201() {
    let app = spawn_app();
    let credential = app.credential(false);
    let reply = app.send(app.request(reqwest::Method::POST, "/v2/token/session/:create").query(&[
        ("consumerToken", credential["consumerToken"].as_str().unwrap()),
        ("employeeToken", credential["employeeToken"].as_str().unwrap()),
        ("expirationDate", FUTURE),
    ]));
    assert_eq!(reply.status, 201);
    assert!(reply.body["value"]["token"].is_string());
}

#[test]
fn missing_arguments_are_named_in_validation_messages() {
    let app = spawn_app();
    let reply = app.create_session(Some("x"), None, None);
    assert_eq!(reply.status, 422);
    assert_eq!(reply.body["code"], 15000);
    assert_eq!(
        reply.body["validationMessages"],
        json!([
            {"field": "employeeToken", "message": "Kan ikke være null.", "path": null, "rootId": null},
            {"field": "expirationDate", "message": "Kan ikke være null.", "path": null, "rootId": null}
        ])
    );
    let none = app.create_session(None, None, None);
    assert_eq!(none.body["validationMessages"].as_array().unwrap().len(), 3);
}

#[test]
fn an_unknown_consumer_token_is_the_real_422() {
    let app = spawn_app();
    let credential = app.credential(false);
    let reply = app.create_session(Some("nope"), credential["employeeToken"].as_str(), Some(FUTURE));
    let body = redacted(&reply);
    assert_eq!(reply.status, 422);
    assert_eq!(body["status"], 422);
    assert_eq!(body["code"], 18000);
    assert_eq!(body["message"], "Validering feilet.");
    assert_eq!(
        body["validationMessages"],
        json!([{"field": "arg:consumerToken", "message": "The consumer token is invalid or does not exist.",
                "path": "arg:consumerToken", "rootId": null}])
    );
    assert!(
        body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("consumer_token_is_known")
    );
}

#[test]
fn an_unknown_employee_token_is_refused_on_arg_employee_token() {
    let app = spawn_app();
    let reply = app.create_session(Some(&app.catalog_consumer_token()), Some("test-bogus"), Some(FUTURE));
    assert_eq!((reply.status, reply.body["code"].as_i64()), (422, Some(18000)));
    assert_eq!(reply.body["validationMessages"][0]["field"], "arg:employeeToken");
    assert_eq!(
        reply.body["validationMessages"][0]["message"],
        "The employee token is invalid or does not exist."
    );
}

#[test]
fn a_regenerated_keys_old_token_and_a_deleted_keys_token_are_refused() {
    let app = spawn_scenario("regenerated-key");
    let world = scenario::resolve("regenerated-key").unwrap().world;
    let consumer = world.integrations[0].consumer_token.clone().unwrap();
    let regenerated = &world.keys[0];
    let old = &regenerated.retired_tokens[0].token;
    let deleted = world.keys[1].token.as_deref().unwrap();

    let reply = app.create_session(Some(&consumer), Some(old), Some(FUTURE));
    assert_eq!((reply.status, reply.body["code"].as_i64()), (422, Some(18000)));
    assert_eq!(reply.body["validationMessages"][0]["field"], "arg:employeeToken");
    assert!(
        reply.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("Gjenopprett nøkkel")
    );

    let reply = app.create_session(Some(&consumer), Some(deleted), Some(FUTURE));
    assert_eq!((reply.status, reply.body["code"].as_i64()), (422, Some(18000)));
    assert!(reply.body["developerMessage"].as_str().unwrap().contains("deleted"));

    let current = regenerated.token.as_deref().unwrap();
    assert_eq!(
        app.create_session(Some(&consumer), Some(current), Some(FUTURE)).status,
        200
    );
}

#[test]
fn a_key_made_for_another_application_name_is_refused() {
    let app = spawn_scenario("custom-setup-mismatch");
    let world = scenario::resolve("custom-setup-mismatch").unwrap().world;
    let consumer = world.integrations[0].consumer_token.clone().unwrap();
    let key = world.keys[0].token.as_deref().unwrap();
    let reply = app.create_session(Some(&consumer), Some(key), Some(FUTURE));
    assert_eq!((reply.status, reply.body["code"].as_i64()), (422, Some(18000)));
    let message = reply.body["developerMessage"].as_str().unwrap();
    assert!(
        message.contains("\"fjord regnskap sync\"") && message.contains("\"Fjord Regnskap Sync\""),
        "{message}"
    );
}

#[test]
fn a_company_without_the_integrations_module_gets_403_with_the_remedy() {
    let app = spawn_scenario("integrations-not-activated");
    let credential = app.credential(false);
    let reply = app.create_session(
        credential["consumerToken"].as_str(),
        credential["employeeToken"].as_str(),
        Some(FUTURE),
    );
    assert_eq!((reply.status, reply.body["code"].as_i64()), (403, Some(9000)));
    assert_eq!(
        reply.body["message"],
        "You do not have permission to access this feature."
    );
    assert!(
        reply.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("Selskap > Mitt abonnement")
    );
}

#[test]
fn a_malformed_expiration_date_is_422() {
    let app = spawn_app();
    let credential = app.credential(false);
    for bad in ["31.12.2099", "2099-02-30", "soon"] {
        let reply = app.create_session(
            credential["consumerToken"].as_str(),
            credential["employeeToken"].as_str(),
            Some(bad),
        );
        assert_eq!(reply.status, 422, "{bad}");
        assert_eq!(reply.body["validationMessages"][0]["field"], "arg:expirationDate");
    }
}

#[test]
fn a_session_for_today_is_minted_already_expired() {
    let app = spawn_app();
    let credential = app.credential(false);
    let oslo = jiff::tz::TimeZone::get("Europe/Oslo").unwrap();
    let today = jiff::Timestamp::now().to_zoned_datetime(oslo).date().to_string();
    for date in [today.as_str(), "2020-01-01"] {
        let reply = app.create_session(
            credential["consumerToken"].as_str(),
            credential["employeeToken"].as_str(),
            Some(date),
        );
        assert_eq!(reply.status, 200, "minting for {date} succeeds");
        let session = reply.body["value"]["token"].as_str().unwrap();
        let who = app.get_as("0", session, "/v2/token/session/%3EwhoAmI");
        assert_eq!((who.status, who.body["code"].as_i64()), (401, Some(3000)), "{date}");
        assert!(
            who.body["developerMessage"]
                .as_str()
                .unwrap()
                .starts_with("Could not log in")
        );
    }
}

#[test]
fn a_long_expired_session_is_forgotten_as_new_ones_are_minted() {
    let app = spawn_app();
    let credential = app.credential(false);
    let consumer = credential["consumerToken"].as_str();
    let employee = credential["employeeToken"].as_str();
    let old = app.create_session(consumer, employee, Some("2031-01-01"));
    let old = old.body["value"]["token"].as_str().unwrap().to_owned();
    let moved = app.control(
        reqwest::Method::PUT,
        "/_sandbox/clock",
        None,
        Some(serde_json::json!({"now": "2031-01-05T00:00:00Z"})),
    );
    assert_eq!(moved.status, 200);
    let expired = app.get_as("0", &old, "/v2/token/session/%3EwhoAmI");
    assert!(
        expired.body["developerMessage"].as_str().unwrap().contains("expired"),
        "{}",
        expired.body
    );

    // Eight days after it expired, a thousand or so new sessions later, it is forgotten.
    let moved = app.control(
        reqwest::Method::PUT,
        "/_sandbox/clock",
        None,
        Some(serde_json::json!({"now": "2031-01-09T00:00:00Z"})),
    );
    assert_eq!(moved.status, 200);
    for _ in 0..1024 {
        let minted = app.create_session(consumer, employee, Some(crate::helpers::FUTURE));
        assert_eq!(minted.status, 200);
    }
    let forgotten = app.get_as("0", &old, "/v2/token/session/%3EwhoAmI");
    assert_eq!(forgotten.status, 401);
    let message = forgotten.body["developerMessage"].as_str().unwrap();
    assert!(
        message.contains("no session has that token") && message.contains("7 days"),
        "{message}"
    );
}
