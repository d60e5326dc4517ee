//! The UI side over the control plane: subscription, roles, keys, client grants, with the
//! refusals where the real UI refuses and their consequences for the API.

use crate::helpers::{TestApp, assert_denied, spawn_app, spawn_scenario};
use reqwest::Method;
use serde_json::{Value, json};

const OFFICE: i64 = 4000;
const ADA: i64 = 8001;
const CATALOG_APP: i64 = 101;

fn consumer_token(app: &TestApp, integration: i64) -> String {
    let world = tripletex_sandbox::scenario::resolve("empty-office").unwrap().world;
    let _ = app;
    world
        .integrations
        .iter()
        .find(|i| i.id == integration)
        .unwrap()
        .consumer_token
        .clone()
        .unwrap()
}

fn new_office_key(app: &TestApp) -> Value {
    app.control(
        Method::POST,
        &format!("/_sandbox/people/{ADA}/keys"),
        None,
        Some(json!({"name": "Kontornøkkel", "integrationId": CATALOG_APP, "accountantKey": true})),
    )
    .body
}

#[test]
fn the_articles_procedure_on_an_empty_office_ends_with_a_working_office_key() {
    let app = spawn_scenario("empty-office");
    let key_body = json!({"name": "Kontornøkkel", "integrationId": CATALOG_APP, "accountantKey": true});
    let keys_path = format!("/_sandbox/people/{ADA}/keys");

    // Before «Integrasjoner» is activated there is no API-tilgang tab.
    let refused = app.control(Method::POST, &keys_path, None, Some(key_body.clone()));
    assert_denied(&refused, 403, 9000, "integrations_are_active");
    assert!(
        refused.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("Selskap > Mitt abonnement")
    );

    // Selskap > Mitt abonnement: the account administrator activates Integrations.
    let subscription = app.control(
        Method::PUT,
        &format!("/_sandbox/companies/{OFFICE}/subscription"),
        None,
        Some(json!({"integrationsEnabled": true})),
    );
    assert_eq!(subscription.status, 200, "{}", subscription.body);
    assert_eq!(subscription.body["value"]["integrationsEnabled"], true);

    // «Regnskapskontorets brukernøkkel» needs «Brukeradministrator i klientkontoer».
    let refused = app.control(Method::POST, &keys_path, None, Some(key_body.clone()));
    assert_denied(&refused, 403, 9000, "office_key_is_allowed");
    assert!(
        refused.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("Brukeradministrator i klientkontoer")
    );
    let granted = app.control(
        Method::PUT,
        &format!("/_sandbox/people/{ADA}/access"),
        None,
        Some(json!({"roles": ["ACCOUNT_ADMINISTRATOR", "USER_ADMINISTRATOR", "CLIENT_USER_ADMINISTRATOR"]})),
    );
    assert_eq!(granted.status, 200, "{}", granted.body);

    // «Ny nøkkel»: pick the integration, name it, tick the office-key box; the token is shown once.
    let created = app.control(Method::POST, &keys_path, None, Some(key_body));
    assert_eq!(created.status, 201, "{}", created.body);
    let key = &created.body["value"];
    let token = key["token"].as_str().unwrap().to_owned();
    let key_id = key["id"].as_i64().unwrap();
    let listed = app.control(Method::GET, &keys_path, None, None);
    assert!(
        listed.body["values"][0].get("token").is_none(),
        "later reads never show the token"
    );

    // Link the key to every client (Klient > Tilganger).
    for client in [4101, 4102, 4103] {
        let linked = app.control(
            Method::PUT,
            &format!("/_sandbox/clients/{client}/keys/{key_id}"),
            None,
            Some(json!({"template": "STANDARD_PRIVILEGES_ACCOUNTANT"})),
        );
        assert_eq!(linked.status, 200, "{}", linked.body);
    }
    let access = app.get("/_sandbox/clients/4101/access?type=api-key");
    assert_eq!(access.body["values"][0]["key"]["id"], key_id);

    // No client has ticked «API-tilgang» yet: the key opens a session but reaches nobody.
    let consumer = consumer_token(&app, CATALOG_APP);
    let session = app.session_from(&consumer, &token);
    assert_eq!(app.login_access_ids(&session), Vec::<i64>::new());
    let refused = app.get_as("4102", &session, "/v2/token/session/%3EwhoAmI");
    assert_denied(&refused, 403, 9000, "client_allows_api_access");

    // The office ticks it where it has admin rights; elsewhere the client's administrator must.
    let tick = json!({"apiAccess": true});
    let ok = app.control(
        Method::PUT,
        "/_sandbox/clients/4101/accountant",
        Some(ADA),
        Some(tick.clone()),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    let refused = app.control(
        Method::PUT,
        "/_sandbox/clients/4102/accountant",
        Some(ADA),
        Some(tick.clone()),
    );
    assert_denied(&refused, 403, 9000, "actor_may_change_client_settings");
    let ok = app.control(Method::PUT, "/_sandbox/clients/4102/accountant", None, Some(tick));
    assert_eq!(ok.status, 200, "the client's own administrator (the default actor) may");

    // The key now lists exactly the consenting clients and acts as each.
    assert_eq!(app.login_access_ids(&session), vec![4101, 4102]);
    for client in ["4101", "4102"] {
        let who = app.get_as(client, &session, "/v2/token/session/%3EwhoAmI");
        assert_eq!(who.status, 200);
        assert_eq!(who.body["value"]["employeeIsProxy"], true);
    }
    assert_denied(
        &app.get_as("4103", &session, "/v2/token/session/%3EwhoAmI"),
        403,
        9000,
        "client_allows_api_access",
    );
}

#[test]
fn a_custom_setup_needs_the_exact_application_name() {
    let app = spawn_app();
    let body = |name: &str| json!({"name": "Egen", "custom": {"applicationName": name, "accesses": ["AUTH_CUSTOMER"]}});
    let refused = app.control(
        Method::POST,
        "/_sandbox/people/5001/keys",
        None,
        Some(body("fjord regnskap sync")),
    );
    assert_denied(&refused, 422, 18000, "application_is_registered");
    assert_eq!(
        refused.body["validationMessages"][0]["message"],
        "The application could not be found"
    );
    let created = app.control(
        Method::POST,
        "/_sandbox/people/5001/keys",
        None,
        Some(body("Fjord Regnskap Sync")),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["value"]["accesses"], json!(["AUTH_CUSTOMER"]));
}

#[test]
fn key_creation_needs_a_user_administrator() {
    let app = spawn_app();
    let person = app.control(
        Method::POST,
        "/_sandbox/companies/1001/people",
        None,
        Some(json!({"firstName": "Tor", "lastName": "Vanlig", "email": "tor@solsikke.example"})),
    );
    assert_eq!(person.status, 201, "{}", person.body);
    let tor = person.body["value"]["id"].as_i64().unwrap();
    let refused = app.control(
        Method::POST,
        "/_sandbox/people/5001/keys",
        Some(tor),
        Some(json!({"name": "x", "integrationId": 101})),
    );
    assert_denied(&refused, 403, 9000, "actor_is_user_administrator");
    let outsider = app.control(
        Method::POST,
        "/_sandbox/people/5001/keys",
        Some(5101),
        Some(json!({"name": "x", "integrationId": 101})),
    );
    assert_denied(&outsider, 403, 9000, "actor_belongs_to_company");
}

#[test]
fn a_package_without_integrations_cannot_activate_it() {
    let app = spawn_app();
    let refused = app.control(
        Method::PUT,
        "/_sandbox/companies/1001/subscription",
        None,
        Some(json!({"package": "BASIS", "integrationsEnabled": true})),
    );
    assert_denied(&refused, 422, 18000, "package_allows_integrations");
    let not_admin = app.control(
        Method::PUT,
        "/_sandbox/companies/1001/subscription",
        Some(5101),
        Some(json!({"integrationsEnabled": false})),
    );
    assert_denied(&not_admin, 403, 9000, "actor_belongs_to_company");
}

#[test]
fn turning_integrations_off_refuses_new_sessions_and_keeps_the_keys() {
    let app = spawn_app();
    let credential = app.credential(false);
    let (consumer, employee) = (
        credential["consumerToken"].as_str().unwrap(),
        credential["employeeToken"].as_str().unwrap(),
    );
    let path = "/_sandbox/companies/1001/subscription";
    assert_eq!(
        app.control(Method::PUT, path, None, Some(json!({"integrationsEnabled": false})))
            .status,
        200
    );
    let refused = app.create_session(Some(consumer), Some(employee), Some(crate::helpers::FUTURE));
    assert_denied(&refused, 403, 9000, "company_has_integrations");
    assert_eq!(
        app.control(Method::PUT, path, None, Some(json!({"integrationsEnabled": true})))
            .status,
        200
    );
    app.session_from(consumer, employee);
}

#[test]
fn a_regenerated_key_rejects_its_old_token_and_live_sessions_keep_working() {
    let app = spawn_app();
    let credential = app.credential(false);
    let consumer = credential["consumerToken"].as_str().unwrap();
    let old = credential["employeeToken"].as_str().unwrap();
    let live = app.session_from(consumer, old);
    let key_id = app.control(Method::GET, "/_sandbox/people/5001/keys", None, None).body["values"][0]["id"]
        .as_i64()
        .unwrap();
    let regenerated = app.control(Method::POST, &format!("/_sandbox/keys/{key_id}/regenerate"), None, None);
    assert_eq!(regenerated.status, 200, "{}", regenerated.body);
    let new = regenerated.body["value"]["token"].as_str().unwrap();
    assert_ne!(new, old);
    assert_eq!(regenerated.body["value"]["id"], key_id, "same key, new token");
    let refused = app.create_session(Some(consumer), Some(old), Some(crate::helpers::FUTURE));
    assert_denied(&refused, 422, 18000, "employee_token_is_current");
    app.session_from(consumer, new);
    assert_eq!(app.get_as("0", &live, "/v2/token/session/%3EwhoAmI").status, 200);

    // With the per-sandbox setting, regeneration also ends live sessions.
    assert_eq!(
        app.control(
            Method::PUT,
            "/_sandbox/settings",
            None,
            Some(json!({"revokeSessionsOnRegenerate": true}))
        )
        .status,
        200
    );
    let again = app.control(Method::POST, &format!("/_sandbox/keys/{key_id}/regenerate"), None, None);
    assert_eq!(again.status, 200);
    assert_denied(
        &app.get_as("0", &live, "/v2/token/session/%3EwhoAmI"),
        401,
        3000,
        "session_is_alive",
    );
}

#[test]
fn a_deleted_key_refuses_new_sessions_and_ends_live_ones() {
    let app = spawn_app();
    let credential = app.credential(false);
    let consumer = credential["consumerToken"].as_str().unwrap();
    let employee = credential["employeeToken"].as_str().unwrap();
    let live = app.session_from(consumer, employee);
    let key_id = app.control(Method::GET, "/_sandbox/people/5001/keys", None, None).body["values"][0]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        app.control(Method::DELETE, &format!("/_sandbox/keys/{key_id}"), None, None)
            .status,
        204
    );
    assert_denied(
        &app.create_session(Some(consumer), Some(employee), Some(crate::helpers::FUTURE)),
        422,
        18000,
        "employee_token_is_current",
    );
    assert_denied(
        &app.get_as("0", &live, "/v2/token/session/%3EwhoAmI"),
        401,
        3000,
        "session_is_alive",
    );
    assert_eq!(
        app.control(Method::DELETE, &format!("/_sandbox/keys/{key_id}"), None, None)
            .status,
        404
    );
}

#[test]
fn with_link_snapshots_a_new_client_link_works_only_after_regeneration() {
    let app = spawn_scenario("empty-office");
    let ok = |r: &crate::helpers::Reply| assert!(r.status < 300, "{}", r.body);
    ok(&app.control(
        Method::PUT,
        "/_sandbox/settings",
        None,
        Some(json!({"linkSnapshot": true})),
    ));
    ok(&app.control(
        Method::PUT,
        &format!("/_sandbox/companies/{OFFICE}/subscription"),
        None,
        Some(json!({"integrationsEnabled": true})),
    ));
    ok(&app.control(
        Method::PUT,
        &format!("/_sandbox/people/{ADA}/access"),
        None,
        Some(json!({"roles": ["ACCOUNT_ADMINISTRATOR", "USER_ADMINISTRATOR", "CLIENT_USER_ADMINISTRATOR"]})),
    ));
    ok(&app.control(
        Method::PUT,
        "/_sandbox/clients/4101/accountant",
        None,
        Some(json!({"apiAccess": true})),
    ));
    let key = new_office_key(&app);
    let key_id = key["value"]["id"].as_i64().unwrap();
    let token = key["value"]["token"].as_str().unwrap().to_owned();
    ok(&app.control(
        Method::PUT,
        &format!("/_sandbox/clients/4101/keys/{key_id}"),
        None,
        Some(json!({})),
    ));

    // Access looks right (the link is listed, the client consented) yet the token does not reach it.
    let access = app.get("/_sandbox/clients/4101/access?type=api-key");
    assert_eq!(access.body["values"][0]["effective"], false);
    let consumer = consumer_token(&app, CATALOG_APP);
    let session = app.session_from(&consumer, &token);
    assert_eq!(app.login_access_ids(&session), Vec::<i64>::new());
    assert_denied(
        &app.get_as("4101", &session, "/v2/token/session/%3EwhoAmI"),
        401,
        3000,
        "company_context_is_allowed",
    );

    // «Gjenopprett nøkkel» fixes it.
    let regenerated = app.control(Method::POST, &format!("/_sandbox/keys/{key_id}/regenerate"), None, None);
    let new = regenerated.body["value"]["token"].as_str().unwrap();
    let session = app.session_from(&consumer, new);
    assert_eq!(app.login_access_ids(&session), vec![4101]);
    assert_eq!(
        app.get("/_sandbox/clients/4101/access?type=api-key").body["values"][0]["effective"],
        true
    );
}

#[test]
fn unlinking_an_office_key_removes_the_client() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(true));
    assert_eq!(app.login_access_ids(&session), vec![2101, 2102]);
    assert_eq!(
        app.control(Method::DELETE, "/_sandbox/clients/2101/keys/7101", None, None)
            .status,
        204
    );
    assert_eq!(app.login_access_ids(&session), vec![2102]);
    assert_denied(
        &app.get_as("2101", &session, "/v2/token/session/%3EwhoAmI"),
        401,
        3000,
        "company_context_is_allowed",
    );
    let refused = app.control(Method::PUT, "/_sandbox/clients/2101/keys/7001", None, Some(json!({})));
    assert_eq!(
        (refused.status, refused.body["code"].as_i64()),
        (422, Some(18000)),
        "an ordinary key cannot be linked"
    );
}

#[test]
fn the_catalog_is_searchable_and_adding_needs_accepted_terms() {
    let app = spawn_app();
    let found = app.get("/_sandbox/integrations?query=fjord");
    assert_eq!(found.body["values"].as_array().unwrap().len(), 1);
    let hidden = app.get("/_sandbox/integrations?query=kvittering");
    assert_eq!(
        hidden.body["values"],
        json!([]),
        "integrations outside the catalog are not listed"
    );
    let refused = app.control(
        Method::POST,
        "/_sandbox/companies/1001/integrations",
        None,
        Some(json!({"integrationId": 101})),
    );
    assert_denied(&refused, 422, 18000, "terms_are_accepted");
    let added = app.control(
        Method::POST,
        "/_sandbox/companies/1001/integrations",
        None,
        Some(json!({"integrationId": 101, "acceptTerms": true})),
    );
    assert_eq!(added.status, 201);
    assert_eq!(added.body["value"]["integrationIds"], json!([101]));
}

#[test]
fn control_plane_bodies_are_checked() {
    let app = spawn_app();
    let unknown_field = app.control(
        Method::PUT,
        "/_sandbox/people/5001/access",
        None,
        Some(json!({"rolez": []})),
    );
    assert_eq!(unknown_field.status, 422);
    assert!(
        unknown_field.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("rolez")
    );
    let unknown_entitlement = app.control(
        Method::PUT,
        "/_sandbox/people/5001/access",
        None,
        Some(json!({"entitlements": ["AUTH_NOPE"]})),
    );
    assert_eq!(
        (unknown_entitlement.status, unknown_entitlement.body["code"].as_i64()),
        (422, Some(18000))
    );
    let bad_json = app.send(
        app.request(Method::PUT, "/_sandbox/people/5001/access")
            .header("Content-Type", "application/json")
            .body("{"),
    );
    assert_eq!((bad_json.status, bad_json.body["code"].as_i64()), (422, Some(22000)));
    let bad_actor = app.control(
        Method::PUT,
        "/_sandbox/people/5001/access",
        Some(424242),
        Some(json!({})),
    );
    assert_eq!(bad_actor.status, 404);
    let no_person = app.control(Method::PUT, "/_sandbox/people/424242/access", None, Some(json!({})));
    assert_eq!(no_person.status, 404);
}

#[test]
fn only_an_account_administrator_changes_the_subscription() {
    let app = spawn_app();
    let person = app.control(
        Method::POST,
        "/_sandbox/companies/1001/people",
        None,
        Some(json!({"firstName": "Una", "lastName": "Bruker", "roles": ["USER_ADMINISTRATOR"]})),
    );
    let una = person.body["value"]["id"].as_i64().unwrap();
    let refused = app.control(
        Method::PUT,
        "/_sandbox/companies/1001/subscription",
        Some(una),
        Some(json!({"integrationsEnabled": false})),
    );
    assert_denied(&refused, 403, 9000, "actor_may_change_subscription");
    assert!(
        refused.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("Kontoadministrator")
    );
}

#[test]
fn linking_office_keys_needs_the_client_user_administrator_role() {
    let app = spawn_app();
    let linked = app.control(
        Method::PUT,
        "/_sandbox/clients/2101/keys/7101",
        Some(5101),
        Some(json!({})),
    );
    assert_eq!(linked.status, 200, "Ola has the role: {}", linked.body);
    let person = app.control(
        Method::POST,
        "/_sandbox/companies/2000/people",
        Some(5101),
        Some(json!({"firstName": "Liv", "lastName": "Lite", "roles": ["ACCOUNT_ADMINISTRATOR"]})),
    );
    let liv = person.body["value"]["id"].as_i64().unwrap();
    let refused = app.control(
        Method::PUT,
        "/_sandbox/clients/2101/keys/7101",
        Some(liv),
        Some(json!({})),
    );
    assert_denied(&refused, 403, 9000, "actor_may_link_office_keys");
    let refused = app.control(
        Method::PUT,
        "/_sandbox/people/5101/client-access/2101",
        Some(liv),
        Some(json!({"entitlements": ["ALL_PRIVILEGES"]})),
    );
    assert_denied(&refused, 403, 9000, "actor_may_link_office_keys");
}

#[test]
fn office_keys_need_an_office_and_an_integration_that_supports_them() {
    let app = spawn_app();
    let in_standalone = app.control(
        Method::POST,
        "/_sandbox/people/5001/keys",
        None,
        Some(json!({"name": "x", "integrationId": 101, "accountantKey": true})),
    );
    assert_denied(&in_standalone, 403, 9000, "office_key_is_allowed");
    let unsupported = app.control(
        Method::POST,
        "/_sandbox/people/5101/keys",
        None,
        Some(json!({"name": "x", "integrationId": 102, "accountantKey": true})),
    );
    assert_denied(&unsupported, 403, 9000, "office_key_is_allowed");
    assert!(
        unsupported.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("does not support")
    );
}

#[test]
fn reducing_a_persons_rights_shrinks_their_keys_at_once() {
    let app = spawn_app();
    let custom = app.control(
        Method::POST,
        "/_sandbox/people/5001/keys",
        None,
        Some(json!({"name": "Faktura", "custom": {"applicationName": "Fjord Regnskap Sync", "accesses": ["AUTH_CUSTOMER", "AUTH_INVOICING", "AUTH_SALARY"]}})),
    );
    let key = custom.body["value"]["id"].as_i64().unwrap();
    let access = |app: &TestApp| app.get(&format!("/_sandbox/keys/{key}/access")).body["value"]["accesses"].clone();
    // Kari is account administrator: the key has all it asked for.
    assert_eq!(access(&app), json!(["AUTH_CUSTOMER", "AUTH_INVOICING", "AUTH_SALARY"]));
    let reduced = app.control(
        Method::PUT,
        "/_sandbox/people/5001/access",
        None,
        Some(json!({"entitlements": ["AUTH_CUSTOMER", "AUTH_ORDER"]})),
    );
    assert_eq!(reduced.status, 200);
    assert_eq!(access(&app), json!(["AUTH_CUSTOMER"]));
    // An office key in a client: the link's accesses and the owner's client access limit it too.
    let client = app.get("/_sandbox/keys/7101/access?companyId=2101").body["value"]["accesses"].clone();
    assert!(
        client.as_array().unwrap().contains(&json!("AUTH_INVOICING")),
        "{client}"
    );
    assert!(!client.as_array().unwrap().contains(&json!("ROLE_ADMINISTRATOR")));
    assert_eq!(
        app.control(
            Method::PUT,
            "/_sandbox/clients/2101/keys/7101",
            None,
            Some(json!({"accesses": ["AUTH_CUSTOMER"]}))
        )
        .status,
        200
    );
    assert_eq!(
        app.get("/_sandbox/keys/7101/access?companyId=2101").body["value"]["accesses"],
        json!(["AUTH_CUSTOMER"])
    );
    assert_eq!(
        app.get("/_sandbox/keys/7101/access?companyId=1001").body["value"]["accesses"],
        json!([])
    );
}

/// Klient > Tilganger, `GET /_sandbox/keys/{id}/access` and the API agree, for every combination
/// of link (none, linked after the token was made, in force), the client's consent and the
/// owner's access in the client.
#[test]
fn the_accesses_story_is_one_truth_for_every_combination() {
    const KEY: i64 = 7101;
    const OWNER: i64 = 5101;
    const CLIENT: i64 = 2101;
    let ok = |r: &crate::helpers::Reply| assert!(r.status < 300, "{}", r.body);
    for link in ["none", "pending", "in force"] {
        for consent in [false, true] {
            for owner_access in [&[][..], &["AUTH_CUSTOMER"][..]] {
                let app = spawn_app();
                let case = format!("link {link}, consent {consent}, owner {owner_access:?}");
                let session = app.session_for(&app.credential(true));
                if link != "in force" {
                    let unlinked = app.control(
                        Method::DELETE,
                        &format!("/_sandbox/clients/{CLIENT}/keys/{KEY}"),
                        None,
                        None,
                    );
                    assert_eq!(unlinked.status, 204, "{case}: {}", unlinked.body);
                }
                if link == "pending" {
                    ok(&app.control(
                        Method::PUT,
                        "/_sandbox/settings",
                        None,
                        Some(json!({"linkSnapshot": true})),
                    ));
                    ok(&app.control(
                        Method::PUT,
                        &format!("/_sandbox/clients/{CLIENT}/keys/{KEY}"),
                        None,
                        Some(json!({"accesses": ["ALL_PRIVILEGES"]})),
                    ));
                }
                ok(&app.control(
                    Method::PUT,
                    &format!("/_sandbox/clients/{CLIENT}/accountant"),
                    None,
                    Some(json!({"apiAccess": consent})),
                ));
                ok(&app.control(
                    Method::PUT,
                    &format!("/_sandbox/people/{OWNER}/client-access/{CLIENT}"),
                    None,
                    Some(json!({"entitlements": owner_access})),
                ));

                let listed = app.get(&format!("/_sandbox/clients/{CLIENT}/access?type=api-key"));
                let row = listed.body["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|v| v["key"]["id"] == KEY)
                    .cloned();
                let access = app.get(&format!("/_sandbox/keys/{KEY}/access?companyId={CLIENT}"));
                let accesses: Vec<String> = access.body["value"]["accesses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_owned())
                    .collect();
                let customers = app.get_as(&CLIENT.to_string(), &session, "/v2/customer");

                match &row {
                    None => assert_eq!(link, "none", "{case}: a linked key is listed"),
                    Some(row) => {
                        assert_eq!(row["effective"], !accesses.is_empty(), "{case}: {row}");
                        assert_eq!(row["effectiveAccesses"], json!(accesses), "{case}");
                        assert_eq!(row["reason"].is_null(), !accesses.is_empty(), "{case}: {row}");
                    }
                }
                assert_eq!(
                    customers.status == 200,
                    accesses.iter().any(|a| a == "AUTH_CUSTOMER"),
                    "{case}: /v2 answered {} while the control plane says {accesses:?}",
                    customers.status
                );
                let expect_some = link == "in force" && consent && !owner_access.is_empty();
                assert_eq!(!accesses.is_empty(), expect_some, "{case}: {accesses:?}");
                if link == "pending" {
                    let reason = row.as_ref().unwrap()["reason"].as_str().unwrap_or_default().to_owned();
                    assert!(reason.contains("«Gjenopprett nøkkel»"), "{case}: {reason}");
                    let who = app.get_as(&CLIENT.to_string(), &session, "/v2/token/session/%3EwhoAmI");
                    let message = who.body["developerMessage"].as_str().unwrap_or_default();
                    assert!(message.contains("«Gjenopprett nøkkel»"), "{case}: {message}");
                }
            }
        }
    }
}
