//! A login, an access, a mintable token pair or a credentials list the emulator remembers between requests never
//! outlives the change that ends it: each test first makes the answer remembered (the same call
//! twice), then changes the world and expects the refusal on the very next call.

use crate::helpers::{TestApp, assert_denied, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const WHO_AM_I: &str = "/v2/token/session/%3EwhoAmI";

fn twice_ok(app: &TestApp, username: &str, session: &str, path: &str) {
    for _ in 0..2 {
        let reply = app.get_as(username, session, path);
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
}

/// The id of the key whose token a credential carries.
fn key_id(app: &TestApp, credential: &Value) -> i64 {
    let state = app.get("/_sandbox/state").body;
    state["world"]["keys"]
        .as_array()
        .expect("the keys of the world")
        .iter()
        .find(|k| k["token"] == credential["employeeToken"])
        .and_then(|k| k["id"].as_i64())
        .expect("the credential's key")
}

/// The client's consent to its accounting office's API access («API-tilgang»), set.
fn set_consent(app: &TestApp, client: i64, api_access: bool) {
    let set = app.control(
        Method::PUT,
        &format!("/_sandbox/clients/{client}/accountant"),
        None,
        Some(json!({"apiAccess": api_access})),
    );
    assert_eq!(set.status, 200, "{}", set.body);
}

fn office(app: &TestApp) -> (Value, String) {
    let credential = app.credential(true);
    let session = app.session_for(&credential);
    (credential, session)
}

#[test]
fn a_client_withdrawing_consent_refuses_the_next_call() {
    let app = spawn_app();
    let (_, session) = office(&app);
    twice_ok(&app, "2101", &session, WHO_AM_I);
    set_consent(&app, 2101, false);
    assert_denied(
        &app.get_as("2101", &session, WHO_AM_I),
        403,
        9000,
        "client_allows_api_access",
    );
    set_consent(&app, 2101, true);
    assert_eq!(app.get_as("2101", &session, WHO_AM_I).status, 200);
}

#[test]
fn a_link_removed_from_a_client_refuses_the_next_call() {
    let app = spawn_app();
    let (credential, session) = office(&app);
    let key = key_id(&app, &credential);
    twice_ok(&app, "2101", &session, WHO_AM_I);
    let removed = app.control(
        Method::DELETE,
        &format!("/_sandbox/clients/2101/keys/{key}"),
        None,
        None,
    );
    assert!(removed.status < 300, "{}", removed.body);
    assert_denied(
        &app.get_as("2101", &session, WHO_AM_I),
        401,
        3000,
        "company_context_is_allowed",
    );
}

#[test]
fn an_owner_losing_an_entitlement_refuses_the_next_list() {
    let app = spawn_app();
    let session = app.session_with_accesses(&["AUTH_CUSTOMER"]);
    twice_ok(&app, "0", &session, "/v2/customer?count=1");
    let reduced = app.control(
        Method::PUT,
        "/_sandbox/people/5001/access",
        None,
        Some(json!({"entitlements": ["AUTH_DEPARTMENT"]})),
    );
    assert_eq!(reduced.status, 200, "{}", reduced.body);
    assert_denied(
        &app.get_as("0", &session, "/v2/customer?count=1"),
        403,
        9000,
        "access_allows",
    );
}

#[test]
fn a_deleted_session_is_refused_on_the_next_call() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    twice_ok(&app, "0", &session, WHO_AM_I);
    let encoded: String = session
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let deleted = app.call_as(
        Method::DELETE,
        "0",
        &session,
        &format!("/v2/token/session/{encoded}"),
        None,
    );
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_denied(&app.get_as("0", &session, WHO_AM_I), 401, 3000, "session_is_alive");
}

#[test]
fn a_regenerated_key_mints_no_more_sessions_from_its_old_token() {
    let app = spawn_app();
    let credential = app.credential(false);
    let consumer = credential["consumerToken"].as_str().unwrap();
    let employee = credential["employeeToken"].as_str().unwrap();
    app.session_from(consumer, employee);
    let session = app.session_from(consumer, employee);
    let key = key_id(&app, &credential);
    let regenerated = app.control(Method::POST, &format!("/_sandbox/keys/{key}/regenerate"), None, None);
    assert_eq!(regenerated.status, 200, "{}", regenerated.body);
    let again = app.create_session(Some(consumer), Some(employee), Some("2099-12-31"));
    assert_denied(&again, 422, 18000, "employee_token_is_current");
    let deleted = app.control(Method::DELETE, &format!("/_sandbox/keys/{key}"), None, None);
    assert!(deleted.status < 300, "{}", deleted.body);
    assert_eq!(app.get_as("0", &session, WHO_AM_I).status, 401);
}

#[test]
fn a_company_turning_integrations_off_mints_no_more_sessions() {
    let app = spawn_app();
    let credential = app.credential(false);
    let consumer = credential["consumerToken"].as_str().unwrap();
    let employee = credential["employeeToken"].as_str().unwrap();
    app.session_from(consumer, employee);
    app.session_from(consumer, employee);
    let company = credential["companyId"].as_i64().unwrap();
    let off = app.control(
        Method::PUT,
        &format!("/_sandbox/companies/{company}/subscription"),
        None,
        Some(json!({"integrationsEnabled": false})),
    );
    assert_eq!(off.status, 200, "{}", off.body);
    let refused = app.create_session(Some(consumer), Some(employee), Some("2099-12-31"));
    assert_denied(&refused, 403, 9000, "company_has_integrations");
}

/// A new sandbox lists the credentials its scenario's template read once; they follow what
/// changes in this sandbox, and only here.
#[test]
fn a_new_sandboxs_credentials_follow_new_and_regenerated_keys_and_withdrawn_consent() {
    let app = spawn_app();
    let neighbour = spawn_app();
    let before = app.credentials();
    assert_eq!(
        before,
        neighbour.credentials(),
        "sandboxes of one scenario start with its keys"
    );
    let own = app.credential(false);
    let key = key_id(&app, &own);
    let regenerated = app.control(Method::POST, &format!("/_sandbox/keys/{key}/regenerate"), None, None);
    assert_eq!(regenerated.status, 200, "{}", regenerated.body);
    let after = app.credentials();
    let tokens = |list: &[Value]| list.iter().map(|c| c["employeeToken"].clone()).collect::<Vec<_>>();
    assert!(
        !tokens(&after).contains(&own["employeeToken"]),
        "the old token is still listed: {after:?}"
    );
    assert_eq!(after.len(), before.len());
    assert_eq!(neighbour.credentials(), before, "another sandbox's keys did not change");

    // A key table row, which the update hook sees (the writes above are forgotten by hand).
    let made = app.control(
        Method::POST,
        "/_sandbox/people/5001/keys",
        None,
        Some(json!({"name": "test", "custom": {"applicationName": "Fjord Regnskap Sync", "accesses": ["AUTH_CUSTOMER"]}})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    assert!(
        tokens(&app.credentials()).contains(&made.body["value"]["token"]),
        "the new key is not listed"
    );

    let (office_key, _) = office(&app);
    let clients = |list: &[Value]| {
        list.iter()
            .find(|c| c["employeeToken"] == office_key["employeeToken"])
            .map(|c| c["clients"].clone())
            .expect("the office key is listed")
    };
    assert!(
        clients(&app.credentials())
            .as_array()
            .is_some_and(|c| c.contains(&json!(2101)))
    );
    set_consent(&app, 2101, false);
    let listed = clients(&app.credentials());
    assert!(
        listed.as_array().is_some_and(|c| !c.contains(&json!(2101))),
        "client 2101 withdrew consent but is still listed: {listed}"
    );
}
