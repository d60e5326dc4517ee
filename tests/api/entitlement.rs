//! /employee/entitlement: reading rights and granting them by template.

use crate::helpers::{assert_denied, basic, spawn_app};
use reqwest::Method;
use serde_json::json;

#[test]
fn a_key_reads_its_owners_entitlements_with_stable_ids() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let reply = app.get_as(
        "0",
        &session,
        "/v2/employee/entitlement?fields=name,entitlementId,customer",
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let values = reply.body["values"].as_array().unwrap();
    assert!(values.contains(&json!({"name": "ROLE_ADMINISTRATOR", "entitlementId": 1, "customer": {"id": 1001, "url": format!("{}/v2/company/1001", app.base())}})));
    let id = app.get_as("0", &session, "/v2/employee/entitlement").body["values"][0]["id"]
        .as_i64()
        .unwrap();
    let one = app.get_as("0", &session, &format!("/v2/employee/entitlement/{id}"));
    assert_eq!(one.status, 200);
    assert_eq!(one.body["value"]["employee"]["id"], 5001);
}

#[test]
fn granting_by_template_needs_a_user_administrators_key_and_takes_effect() {
    let app = spawn_app();
    let admin_session = app.session_for(&app.credential(false));
    let person = app.control(
        Method::POST,
        "/_sandbox/companies/1001/people",
        None,
        Some(json!({"firstName": "Nils", "lastName": "Ny", "email": "nils@solsikke.example"})),
    );
    let nils = person.body["value"]["id"].as_i64().unwrap();
    let grant =
        format!("/v2/employee/entitlement/:grantEntitlementsByTemplate?employeeId={nils}&template=INVOICING_MANAGER");
    let granted = app.send(
        app.request(Method::PUT, &grant)
            .header("Authorization", basic("0", &admin_session)),
    );
    assert_eq!(granted.status, 200, "{}", granted.body);
    assert_eq!(granted.body, json!({}), "a JSON 200, as the document declares");
    assert_eq!(
        granted.headers.get("content-type").map(|v| v.to_str().unwrap()),
        Some("application/json")
    );
    let names: Vec<String> = app
        .get_as(
            "0",
            &admin_session,
            &format!("/v2/employee/entitlement?employeeId={nils}"),
        )
        .body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"AUTH_INVOICING".to_owned()), "{names:?}");

    // A key without AUTH_USER_ADMIN (or ROLE_ADMINISTRATOR) may not grant.
    let weak = app.session_with_accesses(&["AUTH_CUSTOMER"]);
    let refused = app.send(
        app.request(Method::PUT, &grant)
            .header("Authorization", basic("0", &weak)),
    );
    assert_denied(&refused, 403, 9000, "may_grant_entitlements");
    let reading = app.get_as("0", &weak, &format!("/v2/employee/entitlement?employeeId={nils}"));
    assert_denied(&reading, 403, 9000, "may_read_entitlements_of_others");
    let bad_template = app.send(
        app.request(
            Method::PUT,
            &format!("/v2/employee/entitlement/:grantEntitlementsByTemplate?employeeId={nils}&template=NOPE"),
        )
        .header("Authorization", basic("0", &admin_session)),
    );
    assert_eq!(
        (bad_template.status, bad_template.body["code"].as_i64()),
        (422, Some(18000))
    );
    let missing = app.send(
        app.request(Method::PUT, "/v2/employee/entitlement/:grantEntitlementsByTemplate")
            .header("Authorization", basic("0", &admin_session)),
    );
    assert_eq!((missing.status, missing.body["code"].as_i64()), (422, Some(15000)));
}

#[test]
fn client_entitlements_are_granted_by_the_office_and_limit_its_key() {
    let app = spawn_app();
    // Ola needs AUTH_CLIENT_USER_ADMIN in his own company for his key to grant client access.
    let office = app.credential(true);
    let session = app.session_for(&office);
    // An office key must act as a client for anything but whoAmI and withLoginAccess, so the grant
    // goes through a key in the office's own company: an ordinary key on Ola.
    let made = app.control(
        Method::POST,
        "/_sandbox/people/5101/keys",
        None,
        Some(json!({"name": "admin", "integrationId": 101})),
    );
    let own = app.session_from(
        office["consumerToken"].as_str().unwrap(),
        made.body["value"]["token"].as_str().unwrap(),
    );
    let listed = app.get_as("0", &own, "/v2/employee/entitlement/client?customerId=2101&fields=name");
    assert!(
        listed.body["values"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "AUTH_CUSTOMER"})),
        "{}",
        listed.body
    );
    let grant = "/v2/employee/entitlement/:grantClientEntitlementsByTemplate?employeeId=5101&customerId=2101&template=STANDARD_PRIVILEGES_AUDITOR";
    let granted = app.send(
        app.request(Method::PUT, grant)
            .header("Authorization", basic("0", &own)),
    );
    assert_eq!(granted.status, 200, "{}", granted.body);
    // Replaced, not added: the office key can no longer read customers in that client.
    let customers = app.get_as("2101", &session, "/v2/customer");
    assert_denied(&customers, 403, 9000, "access_allows");
    assert_eq!(
        app.get_as("2102", &session, "/v2/customer").status,
        200,
        "other clients unchanged"
    );
    let not_a_client = app.send(app.request(Method::PUT, "/v2/employee/entitlement/:grantClientEntitlementsByTemplate?employeeId=5101&customerId=1001&template=ALL_PRIVILEGES").header("Authorization", basic("0", &own)));
    assert_eq!(not_a_client.status, 422);
}

#[test]
fn acting_as_a_client_the_client_entitlement_list_shows_that_client_only() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(true));
    let clients_of = |username: &str, query: &str| -> Vec<i64> {
        let listed = app.get_as(
            username,
            &session,
            &format!("/v2/employee/entitlement/client?fields=customer(id){query}"),
        );
        assert_eq!(listed.status, 200, "{}", listed.body);
        let mut ids: Vec<i64> = listed.body["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["customer"]["id"].as_i64().unwrap())
            .collect();
        ids.dedup();
        ids
    };
    assert_eq!(clients_of("2101", ""), [2101], "only the client acted as");
    assert!(
        clients_of("2101", "&customerId=2102").is_empty(),
        "another client is not shown"
    );
}
