//! /v2/company: withLoginAccess and company by id.

use crate::helpers::spawn_app;

#[test]
fn with_login_access_lists_exactly_the_clients_the_key_can_act_as() {
    let app = spawn_app();
    let credential = app.credential(true);
    let session = app.session_for(&credential);
    let reply = app.get_as("0", &session, "/v2/company/%3EwithLoginAccess");
    assert_eq!(reply.status, 200);
    let ids: Vec<i64> = reply.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = credential["clients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_i64().unwrap())
        .collect();
    assert_eq!(ids, expected);
    // Exactly the consenting clients: every linked client except the one that did not tick API access.
    let companies = app.get("/_sandbox/companies").body["values"]
        .as_array()
        .cloned()
        .unwrap();
    let consenting: Vec<i64> = companies
        .iter()
        .filter(|c| c["officeId"] == credential["companyId"] && c["apiAccess"] == true)
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, consenting);
    assert_eq!(reply.body["fullResultSize"], ids.len());
    let first = &reply.body["values"][0];
    assert_eq!(first["customerCompanyId"], first["id"]);
    assert_eq!(
        first["currency"].as_object().unwrap().len(),
        2,
        "nested objects are stubs"
    );
}

#[test]
fn with_login_access_pages_sorts_and_filters_fields() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(true));
    let page = app.get_as(
        "0",
        &session,
        "/v2/company/%3EwithLoginAccess?from=1&count=1&fields=id,name",
    );
    assert_eq!(page.body["from"], 1);
    assert_eq!(page.body["count"], 1);
    assert_eq!(page.body["fullResultSize"], 2);
    assert_eq!(page.body["values"][0].as_object().unwrap().len(), 2);
    let sorted = app.get_as("0", &session, "/v2/company/%3EwithLoginAccess?sorting=-id&fields=id");
    let ids: Vec<i64> = sorted.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    let by_name = app.get_as("0", &session, "/v2/company/%3EwithLoginAccess?sorting=name&fields=name");
    let names: Vec<&str> = by_name.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
}

#[test]
fn an_ordinary_key_has_no_clients() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let reply = app.get_as("0", &session, "/v2/company/%3EwithLoginAccess");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["values"], serde_json::json!([]));
    assert_eq!(reply.body["fullResultSize"], 0);
}

#[test]
fn a_company_is_readable_in_its_own_context_only() {
    let app = spawn_app();
    let credential = app.credential(false);
    let session = app.session_for(&credential);
    let own = app.get_as("0", &session, &format!("/v2/company/{}", credential["companyId"]));
    assert_eq!(own.status, 200);
    assert_eq!(own.body["value"]["id"], credential["companyId"]);
    assert_eq!(
        own.body["value"]["url"],
        format!("{}/v2/company/{}", app.base(), credential["companyId"])
    );
    let other = app.get_as("0", &session, "/v2/company/2000");
    assert_eq!((other.status, other.body["code"].as_i64()), (403, Some(9000)));
    let unknown = app.get_as("0", &session, "/v2/company/424242");
    assert_eq!((unknown.status, unknown.body["code"].as_i64()), (404, Some(6000)));
    let bad = app.get_as("0", &session, "/v2/company/abc");
    assert_eq!((bad.status, bad.body["code"].as_i64()), (400, Some(12000)));
}

#[test]
fn a_consumer_token_is_looked_up() {
    let app = spawn_app();
    let credential = app.credential(false);
    let session = app.session_for(&credential);
    let consumer = credential["consumerToken"].as_str().unwrap();
    let reply = app.get_as(
        "0",
        &session,
        &format!("/v2/token/consumer/byToken?token={consumer}&fields=*,apiConsumer(*)"),
    );
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["value"]["token"], consumer);
    assert_eq!(
        reply.body["value"]["apiConsumer"]["consumerName"],
        credential["integration"]
    );
    let unknown = app.get_as("0", &session, "/v2/token/consumer/byToken?token=nope");
    assert_eq!((unknown.status, unknown.body["code"].as_i64()), (404, Some(6000)));
    let missing = app.get_as("0", &session, "/v2/token/consumer/byToken");
    assert_eq!((missing.status, missing.body["code"].as_i64()), (422, Some(15000)));
}
