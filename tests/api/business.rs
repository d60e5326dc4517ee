//! The behaviour of resources beyond the generic engine: order lines, invoicing, voucher
//! balance, project managers.

use crate::helpers::{TestApp, assert_denied, basic, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

fn post(app: &TestApp, session: &str, path: &str, body: Value) -> crate::helpers::Reply {
    app.call_as(Method::POST, "0", session, path, Some(&body))
}

fn first(app: &TestApp, session: &str, path: &str) -> Value {
    app.get_as("0", session, &format!("{path}?count=1&fields=id")).body["values"][0]["id"].clone()
}

fn order(app: &TestApp, session: &str) -> Value {
    let created = post(
        app,
        session,
        "/v2/order",
        json!({
            "customer": {"id": first(app, session, "/v2/customer")},
            "orderDate": "2026-02-01", "deliveryDate": "2026-02-01",
            "orderLines": [
                {"product": {"id": first(app, session, "/v2/product")}, "count": 2, "unitPriceExcludingVatCurrency": 100, "vatType": {"id": 3}},
                {"product": {"id": first(app, session, "/v2/product")}, "count": 1, "unitPriceExcludingVatCurrency": 50}
            ]
        }),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    created.body["value"].clone()
}

#[test]
fn an_order_keeps_its_lines_as_stubs_unless_expanded() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let order = order(&app, &session);
    assert_eq!(order["number"], "1");
    let lines = order["orderLines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0].as_object().unwrap().len(), 2, "a {{id,url}} stub");
    let expanded = app.get_as(
        "0",
        &session,
        &format!("/v2/order/{}?fields=id,orderLines(count,product)", order["id"]),
    );
    assert_eq!(expanded.body["value"]["orderLines"][0]["count"], 2);
    assert_eq!(
        expanded.body["value"]["orderLines"][0]["product"]
            .as_object()
            .unwrap()
            .len(),
        2
    );
    let bad_line = post(
        &app,
        &session,
        "/v2/order",
        json!({"customer": {"id": first(&app, &session, "/v2/customer")}, "orderDate": "2026-02-01", "deliveryDate": "2026-02-01", "orderLines": [{"cont": 1}]}),
    );
    assert_eq!(bad_line.body["validationMessages"][0]["field"], "orderLines[0].cont");
    let bad_date = post(
        &app,
        &session,
        "/v2/order",
        json!({"customer": {"id": first(&app, &session, "/v2/customer")}, "orderDate": "01.02.2026", "deliveryDate": "2026-02-01"}),
    );
    assert_eq!(bad_date.body["validationMessages"][0]["field"], "orderDate");
}

#[test]
fn invoicing_an_order_sums_its_lines_and_closes_it() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let order = order(&app, &session);
    let id = order["id"].as_i64().unwrap();
    let invoiced = app.send(
        app.request(Method::PUT, &format!("/v2/order/{id}/:invoice?invoiceDate=2026-02-10"))
            .header("Authorization", basic("0", &session)),
    );
    assert_eq!(invoiced.status, 200, "{}", invoiced.body);
    let invoice = &invoiced.body["value"];
    assert_eq!(invoice["amountExcludingVat"], 250.0);
    assert_eq!(invoice["amount"], 300.0, "25 % VAT on the product line");
    assert_eq!(invoice["invoiceDueDate"], "2026-02-24", "the order's 14 days");
    assert_eq!(invoice["invoiceNumber"], 1);
    assert_eq!(invoice["orders"][0]["id"], id);
    assert_eq!(
        app.get_as("0", &session, &format!("/v2/order/{id}")).body["value"]["isClosed"],
        true
    );
    let again = post(
        &app,
        &session,
        "/v2/invoice",
        json!({"invoiceDate": "2026-02-10", "invoiceDueDate": "2026-02-24", "orders": [{"id": id}]}),
    );
    assert_denied(&again, 422, 18000, "order_can_be_invoiced");
    let listed = app.get_as(
        "0",
        &session,
        "/v2/invoice?invoiceDateFrom=2026-01-01&invoiceDateTo=2027-01-01&fields=invoiceNumber",
    );
    assert_eq!(listed.body["values"], json!([{"invoiceNumber": 1}]));
}

#[test]
fn invoicing_needs_the_companys_bank_account() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let account = app
        .get_as("0", &session, "/v2/ledger/account?number=1920&fields=id")
        .body["values"][0]["id"]
        .clone();
    let cleared = app.send(
        app.request(Method::PUT, &format!("/v2/ledger/account/{account}"))
            .header("Authorization", basic("0", &session))
            .json(&json!({"bankAccountNumber": ""})),
    );
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    let order = order(&app, &session);
    let refused = post(
        &app,
        &session,
        "/v2/invoice",
        json!({"invoiceDate": "2026-02-10", "invoiceDueDate": "2026-02-24", "orders": [{"id": order["id"]}]}),
    );
    assert_denied(&refused, 422, 18000, "company_has_bank_account");
    assert_eq!(
        refused.body["validationMessages"][0]["message"],
        "Faktura kan ikke opprettes før selskapet har registrert et bankkontonummer."
    );
    let no_orders = post(
        &app,
        &session,
        "/v2/invoice",
        json!({"invoiceDate": "2026-02-10", "invoiceDueDate": "2026-02-24"}),
    );
    assert_eq!(no_orders.status, 422);
}

#[test]
fn a_voucher_must_balance() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let accounts = app.get_as("0", &session, "/v2/ledger/account?count=2&fields=id").body["values"].clone();
    let voucher = |a: i64, b: i64| {
        json!({"date": "2026-03-01", "description": "Test", "postings": [
        {"row": 1, "date": "2026-03-01", "account": {"id": accounts[0]["id"]}, "amountGross": a},
        {"row": 2, "date": "2026-03-01", "account": {"id": accounts[1]["id"]}, "amountGross": b}]})
    };
    assert_denied(
        &post(&app, &session, "/v2/ledger/voucher", voucher(100, -90)),
        422,
        18000,
        "postings_balance",
    );
    let empty = post(
        &app,
        &session,
        "/v2/ledger/voucher",
        json!({"date": "2026-03-01", "description": "Test", "postings": []}),
    );
    assert_eq!(
        empty.body["validationMessages"][0]["message"],
        "Et bilag kan ikke registreres uten posteringer."
    );
    let missing = post(
        &app,
        &session,
        "/v2/ledger/voucher",
        json!({"date": "2026-03-01", "description": "Test"}),
    );
    assert_eq!(
        missing.body["validationMessages"][0],
        json!({"field": "postings", "message": "Kan ikke være null.", "path": null, "rootId": null})
    );
    let booked = post(&app, &session, "/v2/ledger/voucher", voucher(100, -100));
    assert_eq!(booked.status, 201, "{}", booked.body);
    assert_eq!(booked.body["value"]["number"], 1);
}

#[test]
fn a_project_manager_needs_the_project_manager_access() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let plain = app.control(
        Method::POST,
        "/_sandbox/companies/1001/people",
        None,
        Some(json!({"firstName": "Vanlig", "lastName": "Ansatt", "entitlements": ["AUTH_HOURLIST"]})),
    );
    let plain_id = plain.body["value"]["id"].clone();
    let refused = post(
        &app,
        &session,
        "/v2/project",
        json!({"name": "P", "startDate": "2026-01-01", "projectManager": {"id": plain_id}}),
    );
    assert_denied(&refused, 422, 18000, "project_manager_is_allowed");
    assert_eq!(
        refused.body["validationMessages"][0]["message"],
        "Oppgitt prosjektleder har ikke fått tilgang som prosjektleder i kontoen: Vanlig Ansatt."
    );
    let created = post(
        &app,
        &session,
        "/v2/project",
        json!({"name": "P", "startDate": "2026-01-01", "projectManager": {"id": 5001}}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["value"]["number"], "1");
}

#[test]
fn projects_can_be_deleted_as_a_list_all_or_none() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let make = |name: &str| {
        post(
            &app,
            &session,
            "/v2/project",
            json!({"name": name, "startDate": "2026-01-01", "projectManager": {"id": 5001}}),
        )
        .body["value"]["id"]
            .clone()
    };
    let (a, b) = (make("A"), make("B"));
    let delete = |body: Value| app.call_as(Method::DELETE, "0", &session, "/v2/project", Some(&body));
    assert_eq!(delete(json!([{"id": a}, {"id": 424242}])).status, 404);
    assert_eq!(
        app.get_as("0", &session, &format!("/v2/project/{a}")).status,
        200,
        "nothing deleted when one id is unknown"
    );
    assert_eq!(delete(json!([{"id": a}, {"id": b}])).status, 204);
    assert_eq!(app.get_as("0", &session, &format!("/v2/project/{b}")).status, 404);
    assert_eq!(delete(json!({"id": a})).status, 422);
}

#[test]
fn employments_belong_to_employees_of_the_company() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let created = post(
        &app,
        &session,
        "/v2/employee/employment",
        json!({"employee": {"id": 5001}, "startDate": "2026-01-01"}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let other = post(
        &app,
        &session,
        "/v2/employee/employment",
        json!({"employee": {"id": 5101}, "startDate": "2026-01-01"}),
    );
    assert_eq!(
        other.body["validationMessages"][0]["field"], "employee.id",
        "another company's employee"
    );
    let listed = app.get_as("0", &session, "/v2/employee/employment?employeeId=5001&fields=id");
    assert_eq!(listed.body["values"], json!([{"id": created.body["value"]["id"]}]));
}
