//! Several sandboxes in one process: each under `/sb/{id}`, isolated from the others. These tests
//! run on emulators of their own, since they look at the default sandbox at the root and at the
//! whole list of sandboxes.

use crate::helpers::{basic, spawn_server};
use reqwest::Method;
use serde_json::json;

#[test]
fn a_sandbox_of_its_own_is_isolated_from_the_default_one() {
    let app = spawn_server();
    let made = app.control(
        Method::POST,
        "/_sandbox/sandboxes",
        None,
        Some(json!({"scenario": "integrations-not-activated"})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["value"]["id"].as_str().unwrap().to_owned();
    assert_eq!(made.body["value"]["baseUrl"], format!("http://{}/sb/{id}", app.address));
    let credential = &made.body["value"]["credentials"][0];
    let prefix = format!("/sb/{id}");
    assert_eq!(
        app.get(&format!("{prefix}/_sandbox/health")).body["value"]["scenario"],
        "integrations-not-activated"
    );

    // Its keys are refused as that scenario says; the default sandbox does not know them.
    let minted = app.send(
        app.request(Method::PUT, &format!("{prefix}/v2/token/session/:create"))
            .query(&[
                ("consumerToken", credential["consumerToken"].as_str().unwrap()),
                ("employeeToken", credential["employeeToken"].as_str().unwrap()),
                ("expirationDate", crate::helpers::FUTURE),
            ]),
    );
    assert_eq!(minted.status, 403, "{}", minted.body);
    let elsewhere = app.create_session(
        credential["consumerToken"].as_str(),
        credential["employeeToken"].as_str(),
        Some(crate::helpers::FUTURE),
    );
    assert_eq!(elsewhere.status, 422, "the default sandbox has no such key");

    // Changes in one sandbox stay there, and urls name the sandbox.
    let turned_on = app.control(
        Method::PUT,
        &format!("{prefix}/_sandbox/companies/3001/subscription"),
        None,
        Some(json!({"integrationsEnabled": true})),
    );
    assert_eq!(turned_on.status, 200, "{}", turned_on.body);
    let minted = app.send(
        app.request(Method::PUT, &format!("{prefix}/v2/token/session/:create"))
            .query(&[
                ("consumerToken", credential["consumerToken"].as_str().unwrap()),
                ("employeeToken", credential["employeeToken"].as_str().unwrap()),
                ("expirationDate", crate::helpers::FUTURE),
            ]),
    );
    assert_eq!(minted.status, 200);
    assert!(
        minted.body["value"]["url"]
            .as_str()
            .unwrap()
            .contains(&format!("/sb/{id}/v2/token/session/"))
    );
    let session = minted.body["value"]["token"].as_str().unwrap();
    let who = app.send(
        app.request(Method::GET, &format!("{prefix}/v2/token/session/%3EwhoAmI"))
            .header("Authorization", basic("0", session)),
    );
    assert_eq!(who.body["value"]["companyId"], 3001);
    assert_eq!(
        app.get("/_sandbox/journal").body["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["keyId"] == 7301)
            .count(),
        0,
        "journals are per sandbox"
    );

    let listed = app.get("/_sandbox/sandboxes");
    assert_eq!(listed.body["values"][0]["id"], id);
    assert_eq!(
        app.send(app.request(Method::DELETE, &format!("/_sandbox/sandboxes/{id}")))
            .status,
        204
    );
    let gone = app.get(&format!("{prefix}/_sandbox/health"));
    assert_eq!((gone.status, gone.body["code"].as_i64()), (404, Some(6000)));
    assert_eq!(
        app.send(app.request(Method::POST, "/_sandbox/sandboxes").body("{nope"))
            .status,
        422
    );
    assert_eq!(
        app.control(
            Method::POST,
            "/_sandbox/sandboxes",
            None,
            Some(json!({"scenario": "nope"}))
        )
        .status,
        404
    );
    let default = app.send(app.request(Method::POST, "/_sandbox/sandboxes"));
    assert_eq!(default.body["value"]["scenario"], "quickstart");
}

#[test]
fn sandboxes_of_the_same_scenario_do_not_share_state() {
    let app = spawn_server();
    let make = || {
        app.send(app.request(Method::POST, "/_sandbox/sandboxes")).body["value"]["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (a, b) = (make(), make());
    let off = app.control(
        Method::PUT,
        &format!("/sb/{a}/_sandbox/companies/1001/subscription"),
        None,
        Some(json!({"integrationsEnabled": false})),
    );
    assert_eq!(off.status, 200);
    let state =
        |id: &str| app.get(&format!("/sb/{id}/_sandbox/companies")).body["values"][0]["integrationsEnabled"].clone();
    assert_eq!(state(&a), json!(false));
    assert_eq!(state(&b), json!(true), "a copy of the template, not the same database");
    assert_eq!(
        app.get("/_sandbox/companies").body["values"][0]["integrationsEnabled"],
        json!(true)
    );
    assert_eq!(
        app.send(app.request(Method::POST, &format!("/sb/{a}/_sandbox/reset")))
            .status,
        204
    );
    assert_eq!(state(&a), json!(true));
}
