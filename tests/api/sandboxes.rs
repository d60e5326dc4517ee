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

/// Mints a session in the sandbox under `prefix` from its first credential; returns the token.
fn session_in(app: &crate::helpers::TestApp, prefix: &str) -> String {
    let credentials = app.get(&format!("{prefix}/_sandbox/credentials"));
    let credential = &credentials.body["values"][0];
    let minted = app.send(
        app.request(Method::PUT, &format!("{prefix}/v2/token/session/:create"))
            .query(&[
                ("consumerToken", credential["consumerToken"].as_str().unwrap()),
                ("employeeToken", credential["employeeToken"].as_str().unwrap()),
                ("expirationDate", crate::helpers::FUTURE),
            ]),
    );
    assert_eq!(minted.status, 200, "{}", minted.body);
    minted.body["value"]["token"].as_str().unwrap().to_owned()
}

/// Two sandboxes on a seeded emulator, and a session minted in each.
fn two_seeded_sandboxes(seed: u64) -> (Vec<String>, Vec<String>, Vec<u16>) {
    let app = crate::helpers::spawn_with(tripletex_sandbox::config::Config {
        seed: Some(seed),
        ..tripletex_sandbox::config::Config::for_tests()
    });
    let ids: Vec<String> = (0..2)
        .map(|_| {
            let made = app.control(Method::POST, "/_sandbox/sandboxes", None, Some(json!({})));
            assert_eq!(made.status, 201, "{}", made.body);
            made.body["value"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let sessions: Vec<String> = ids.iter().map(|id| session_in(&app, &format!("/sb/{id}"))).collect();
    let crossed = vec![
        app.get_as("0", &sessions[0], &format!("/sb/{}/v2/token/session/%3EwhoAmI", ids[1]))
            .status,
        app.get_as("0", &sessions[1], &format!("/sb/{}/v2/token/session/%3EwhoAmI", ids[0]))
            .status,
        app.get_as("0", &sessions[0], "/v2/token/session/%3EwhoAmI").status,
        app.get_as("0", &sessions[0], &format!("/sb/{}/v2/token/session/%3EwhoAmI", ids[0]))
            .status,
    ];
    (ids, sessions, crossed)
}

#[test]
fn with_a_seed_a_token_minted_in_one_sandbox_is_unknown_in_every_other() {
    let (ids, sessions, crossed) = two_seeded_sandboxes(42);
    assert_ne!(sessions[0], sessions[1], "each sandbox draws from a stream of its own");
    assert_eq!(
        crossed,
        [401, 401, 401, 200],
        "a session works only where it was minted"
    );

    // The same seed gives the same sandbox ids and the same tokens in the next run.
    let (again_ids, again_sessions, _) = two_seeded_sandboxes(42);
    assert_eq!((ids, sessions), (again_ids, again_sessions));
}

#[test]
fn without_a_seed_a_token_minted_in_one_sandbox_is_unknown_in_every_other() {
    let app = spawn_server();
    let ids: Vec<String> = (0..2)
        .map(|_| {
            let made = app.control(Method::POST, "/_sandbox/sandboxes", None, Some(json!({})));
            made.body["value"]["id"].as_str().unwrap().to_owned()
        })
        .collect();
    let session = session_in(&app, &format!("/sb/{}", ids[0]));
    let elsewhere = app.get_as("0", &session, &format!("/sb/{}/v2/token/session/%3EwhoAmI", ids[1]));
    assert_eq!(elsewhere.status, 401, "{}", elsewhere.body);
}
