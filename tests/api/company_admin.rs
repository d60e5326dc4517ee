//! Company administration through the API: sales modules, PUT /company, and employee tokens
//! created by an integration Tripletex allows to.

use crate::helpers::{TestApp, assert_denied, basic, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

fn consumer_of(app: &TestApp, integration: i64) -> String {
    app.get("/_sandbox/state").body["world"]["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == integration)
        .unwrap()["consumerToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn sales_modules_list_the_package_and_are_not_ordered_through_the_api() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let listed = app.get_as("0", &session, "/v2/company/salesmodules?fields=name");
    assert_eq!(
        listed.body["values"],
        json!([{"name": "SMART"}, {"name": "API_V2"}]),
        "{}",
        listed.body
    );
    let post = |body: Value| app.call_as(Method::POST, "0", &session, "/v2/company/salesmodules", Some(&body));
    assert_denied(
        &post(json!({"name": "SMART_WAGE"})),
        403,
        9000,
        "sales_modules_are_ordered_in_tripletex",
    );
    assert_eq!(
        app.get_as("0", &session, "/v2/company/salesmodules").body["fullResultSize"],
        2
    );
    assert_eq!(post(json!({"name": "NOT_A_MODULE"})).status, 422);
    assert_eq!(post(json!({"nme": "SMART_WAGE"})).status, 422);
}

#[test]
fn put_company_changes_the_acting_company_only() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let put = |body: Value| app.call_as(Method::PUT, "0", &session, "/v2/company", Some(&body));
    let renamed = put(json!({"name": "Solsikke Bakeri og Kafé AS"}));
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(
        app.get_as("0", &session, "/v2/company/1001").body["value"]["name"],
        "Solsikke Bakeri og Kafé AS"
    );
    assert_eq!(put(json!({"id": 2000, "name": "x"})).status, 422);
    assert_eq!(
        put(json!({"foundedIn": 1999})).body["validationMessages"][0]["message"],
        "Feltet eksisterer ikke i objektet."
    );
    let weak = app.session_with_accesses(&["AUTH_CUSTOMER"]);
    let refused = app.send(
        app.request(Method::PUT, "/v2/company")
            .header("Authorization", basic("0", &weak))
            .json(&json!({"name": "y"})),
    );
    assert_denied(&refused, 403, 9000, "access_allows");
}

#[test]
fn only_selected_integrations_create_employee_tokens() {
    let app = spawn_app();
    let create = |session: &str| {
        app.send(
            app.request(Method::PUT, "/v2/token/employee/:create")
                .header("Authorization", basic("0", session))
                .query(&[
                    ("tokenName", "Fra API"),
                    ("consumerName", "Fjord Regnskap Sync"),
                    ("employeeId", "5001"),
                    ("companyOwned", "false"),
                    ("expirationDate", "2099-01-01"),
                ]),
        )
    };
    // The catalog integration is not selected: 403.
    let ordinary = app.session_for(&app.credential(false));
    assert_denied(&create(&ordinary), 403, 9000, "consumer_may_create_employee_tokens");
    // «Kvittering Pro» is: its key on an administrator makes a working key for another application.
    let made = app.control(
        Method::POST,
        "/_sandbox/people/5001/keys",
        None,
        Some(json!({"name": "kv", "custom": {"applicationName": "Kvittering Pro", "accesses": "ALL"}})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let selected = app.session_from(&consumer_of(&app, 103), made.body["value"]["token"].as_str().unwrap());
    let created = create(&selected);
    assert_eq!(created.status, 200, "{}", created.body);
    let token = created.body["value"]["token"].as_str().unwrap();
    assert_eq!(created.body["value"]["apiConsumer"]["id"], 101);
    let session = app.session_from(&consumer_of(&app, 101), token);
    assert_eq!(app.get_as("0", &session, "/v2/token/session/%3EwhoAmI").status, 200);
    let missing = app.send(
        app.request(Method::PUT, "/v2/token/employee/:create")
            .header("Authorization", basic("0", &selected)),
    );
    assert_eq!((missing.status, missing.body["code"].as_i64()), (422, Some(15000)));
    assert_eq!(missing.body["validationMessages"].as_array().unwrap().len(), 5);
}

#[test]
fn sales_modules_and_employee_tokens_need_their_accesses() {
    let app = spawn_app();
    let weak = app.session_with_accesses(&["AUTH_CUSTOMER"]);
    assert_denied(
        &app.get_as("0", &weak, "/v2/company/salesmodules"),
        403,
        9000,
        "access_allows",
    );
    let ordered = app.call_as(
        Method::POST,
        "0",
        &weak,
        "/v2/company/salesmodules",
        Some(&json!({"name": "SMART_WAGE"})),
    );
    assert_denied(&ordered, 403, 9000, "access_allows");
    // A selected integration, but a key without AUTH_USER_ADMIN or ROLE_ADMINISTRATOR.
    let made = app.control(
        Method::POST,
        "/_sandbox/people/5001/keys",
        None,
        Some(json!({"name": "kv", "custom": {"applicationName": "Kvittering Pro", "accesses": ["AUTH_CUSTOMER"]}})),
    );
    let selected = app.session_from(&consumer_of(&app, 103), made.body["value"]["token"].as_str().unwrap());
    let refused = app.send(
        app.request(Method::PUT, "/v2/token/employee/:create")
            .header("Authorization", basic("0", &selected))
            .query(&[
                ("tokenName", "x"),
                ("consumerName", "Fjord Regnskap Sync"),
                ("employeeId", "5001"),
                ("companyOwned", "false"),
                ("expirationDate", "2099-01-01"),
            ]),
    );
    assert_denied(&refused, 403, 9000, "may_create_employee_tokens");
}
