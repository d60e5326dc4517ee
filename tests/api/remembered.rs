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

/// A query parameter the list does not know is ignored (FIDELITY.md, "Wire"): the page is the
/// one asked for without it, whatever its value (`tools/load-bench.py` sends a new one each time).
#[test]
fn a_list_ignores_a_query_parameter_it_does_not_know() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let plain = customer_page(&app, "0", &session, "?count=20");
    for n in 0..3 {
        assert_eq!(
            customer_page(&app, "0", &session, &format!("?count=20&nocache={n}")),
            plain
        );
    }
}

/// (id, version, name) of every customer a list with the default fields shows, with its
/// fullResultSize; asked twice, so the second answer is the remembered one, and both agree.
fn customer_page(app: &TestApp, username: &str, session: &str, query: &str) -> (Vec<(i64, i64, String)>, i64) {
    let path = format!("/v2/customer{query}");
    let first = app.get_as(username, session, &path);
    assert_eq!(first.status, 200, "{}", first.body);
    let again = app.get_as(username, session, &path);
    assert_eq!(again.body, first.body, "{path} read again");
    let rows = first.body["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().expect("id"),
                c["version"].as_i64().expect("version"),
                c["name"].as_str().expect("name").to_owned(),
            )
        })
        .collect();
    (rows, first.body["fullResultSize"].as_i64().expect("fullResultSize"))
}

fn customer_call(app: &TestApp, session: &str, method: Method, path: &str, body: Option<Value>, status: u16) -> Value {
    let reply = app.call_as(method, "0", session, path, body.as_ref());
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.body
}

/// A page of a list is answered as it was rendered until a row of the sandbox changes: each
/// kind of write is read back through the very query whose answer was remembered before it.
#[test]
fn a_list_read_again_follows_every_write_to_the_data() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    const ALL: &str = "?count=1000";
    let (seeded, seeded_total) = customer_page(&app, "0", &session, ALL);
    assert!(seeded.len() >= 2, "the scenario seeds customers: {seeded:?}");
    let taken = app.control(
        Method::POST,
        "/_sandbox/snapshots",
        None,
        Some(json!({"name": "seeded"})),
    );
    assert_eq!(taken.status, 201, "{}", taken.body);

    let made = customer_call(
        &app,
        &session,
        Method::POST,
        "/v2/customer",
        Some(json!({"name": "Ny AS"})),
        201,
    );
    let made_id = made["value"]["id"].as_i64().expect("id");
    let (rows, total) = customer_page(&app, "0", &session, ALL);
    assert_eq!(total, seeded_total + 1, "created");
    assert!(
        rows.iter().any(|(id, _, name)| *id == made_id && name == "Ny AS"),
        "{rows:?}"
    );

    // Pages of one list are answers of their own.
    let (first, _) = customer_page(&app, "0", &session, "?from=0&count=1");
    let (second, _) = customer_page(&app, "0", &session, "?from=1&count=1");
    assert_eq!([first.len(), second.len()], [1, 1]);
    assert_ne!(first, second);

    // A seed object changed is copied into the sandbox's own rows; one deleted is only hidden.
    let (seed_id, seed_version, _) = seeded[0].clone();
    let body = json!({"name": "Endret AS", "version": seed_version});
    customer_call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/customer/{seed_id}"),
        Some(body),
        200,
    );
    let (rows, _) = customer_page(&app, "0", &session, ALL);
    assert!(
        rows.contains(&(seed_id, seed_version + 1, "Endret AS".to_owned())),
        "{rows:?}"
    );
    customer_call(
        &app,
        &session,
        Method::DELETE,
        &format!("/v2/customer/{}", seeded[1].0),
        None,
        204,
    );
    let (rows, total) = customer_page(&app, "0", &session, ALL);
    assert_eq!(total, seeded_total, "a seed customer deleted");
    assert!(!rows.iter().any(|(id, ..)| *id == seeded[1].0), "{rows:?}");

    let body = json!({"name": "Ny og endret AS", "version": 0});
    customer_call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/customer/{made_id}"),
        Some(body),
        200,
    );
    let (rows, _) = customer_page(&app, "0", &session, ALL);
    assert!(rows.contains(&(made_id, 1, "Ny og endret AS".to_owned())), "{rows:?}");
    customer_call(
        &app,
        &session,
        Method::DELETE,
        &format!("/v2/customer/{made_id}"),
        None,
        204,
    );
    let (rows, total) = customer_page(&app, "0", &session, ALL);
    assert_eq!(total, seeded_total - 1, "an own customer deleted");
    assert!(!rows.iter().any(|(id, ..)| *id == made_id), "{rows:?}");

    // A world restored, or reset, is read as it is.
    let restored = app.send(app.request(Method::POST, "/_sandbox/snapshots/seeded/restore"));
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(
        customer_page(&app, "0", &session, ALL),
        (seeded.clone(), seeded_total),
        "restored"
    );
    customer_call(
        &app,
        &session,
        Method::POST,
        "/v2/customer",
        Some(json!({"name": "Igjen AS"})),
        201,
    );
    assert_eq!(customer_page(&app, "0", &session, ALL).1, seeded_total + 1);
    assert_eq!(app.send(app.request(Method::POST, "/_sandbox/reset")).status, 204);
    let session = app.session_for(&app.credential(false));
    assert_eq!(customer_page(&app, "0", &session, ALL), (seeded, seeded_total), "reset");
}

/// The same query in two clients of one office answers each client's own page.
#[test]
fn a_remembered_list_is_the_company_s_own() {
    let app = spawn_app();
    let (_, session) = office(&app);
    let (first, _) = customer_page(&app, "2101", &session, "?count=1000");
    let (second, _) = customer_page(&app, "2102", &session, "?count=1000");
    assert!(!first.is_empty() && !second.is_empty(), "{first:?} {second:?}");
    assert!(first.iter().all(|row| !second.contains(row)), "{first:?} {second:?}");
}
