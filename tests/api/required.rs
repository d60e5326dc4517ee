//! Required query arguments, as the official document marks them: every operation of the resource
//! table refuses a call without one (422/15000, one message per missing argument), and the date
//! ranges of the lists that require one select from their start (inclusive) to their end (exclusive).

use crate::helpers::{Reply, TestApp, basic, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use tripletex_sandbox::domain::resource::{Operation, ResourceDef, catalogue};

/// The method and path of one operation of a resource (an id that need not exist: the arguments
/// are checked before the object is looked up).
fn call_of(def: &ResourceDef, operation: Operation) -> (Method, String) {
    let (collection, item) = (format!("/v2/{}", def.path), format!("/v2/{}/1", def.path));
    match operation {
        Operation::List => (Method::GET, collection),
        Operation::Create => (Method::POST, collection),
        Operation::DeleteList => (Method::DELETE, collection),
        Operation::DeleteIds => (Method::DELETE, format!("{collection}/list")),
        Operation::Get => (Method::GET, item),
        Operation::Update => (Method::PUT, item),
        Operation::Delete => (Method::DELETE, item),
        Operation::CreateList => (Method::POST, format!("{collection}/list")),
        Operation::UpdateList => (Method::PUT, format!("{collection}/list")),
        Operation::Settings => (Method::GET, collection),
        Operation::UpdateSettings => (Method::PUT, collection),
    }
}

fn call(app: &TestApp, session: &str, method: &Method, path: &str, sent: &[&String]) -> Reply {
    let query: Vec<String> = sent
        .iter()
        .map(|n| format!("{n}={}", tripletex_sandbox::conformance::argument_sample(n)))
        .collect();
    let url = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query.join("&"))
    };
    let body = matches!(*method, Method::POST | Method::PUT).then(|| json!({}));
    app.call_as(method.clone(), "0", session, &url, body.as_ref())
}

fn missing(names: &[&str]) -> Value {
    Value::Array(
        names
            .iter()
            .map(|n| json!({"field": n, "message": "Kan ikke være null.", "path": null, "rootId": null}))
            .collect(),
    )
}

fn assert_refused(reply: &Reply, names: &[&str], what: &str) {
    assert_eq!(
        (
            reply.status,
            reply.body["code"].as_i64(),
            reply.body["message"].as_str()
        ),
        (422, Some(15000), Some("Validation failed")),
        "{what}: {}",
        reply.body
    );
    assert_eq!(reply.body["validationMessages"], missing(names), "{what}");
}

#[test]
fn every_required_query_argument_in_the_table_is_refused_when_missing() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let mut checked = Vec::new();
    for def in catalogue().unwrap().iter().filter(|d| !d.embedded) {
        for (operation, names) in &def.required_query {
            assert!(def.allows(*operation), "{} {operation:?} is served", def.path);
            let (method, path) = call_of(def, *operation);
            let all: Vec<&String> = names.iter().collect();
            let none = call(&app, &session, &method, &path, &[]);
            let names_str: Vec<&str> = names.iter().map(String::as_str).collect();
            assert_refused(&none, &names_str, &format!("{method} {path} without arguments"));
            for left_out in names {
                let sent: Vec<&String> = names.iter().filter(|n| *n != left_out).collect();
                let reply = call(&app, &session, &method, &path, &sent);
                assert_refused(&reply, &[left_out], &format!("{method} {path} without {left_out}"));
            }
            let empty = app.call_as(
                method.clone(),
                "0",
                &session,
                &format!("{path}?{}=", names[0]),
                matches!(method, Method::POST | Method::PUT).then(|| json!({})).as_ref(),
            );
            assert_eq!(empty.status, 422, "{method} {path}: an empty value is no value");
            let complete = call(&app, &session, &method, &path, &all);
            assert_ne!(
                complete.body["code"].as_i64(),
                Some(15000),
                "{method} {path} with every argument: {}",
                complete.body
            );
            checked.push(format!("{method} {path}"));
        }
    }
    for expected in [
        "GET /v2/invoice",
        "GET /v2/order",
        "GET /v2/ledger/voucher",
        "GET /v2/timesheet/entry",
    ] {
        assert!(checked.iter().any(|c| c == expected), "{expected} in {checked:?}");
    }
}

fn get(app: &TestApp, session: &str, path: &str) -> Reply {
    app.send(
        app.request(Method::GET, path)
            .header("Authorization", basic("0", session)),
    )
}

fn post(app: &TestApp, session: &str, path: &str, body: Value) -> Value {
    let created = app.call_as(Method::POST, "0", session, path, Some(&body));
    assert_eq!(created.status, 201, "{path}: {}", created.body);
    created.body["value"]["id"].clone()
}

fn first(app: &TestApp, session: &str, path: &str) -> Value {
    get(app, session, &format!("{path}?count=1&fields=id")).body["values"][0]["id"].clone()
}

/// The ids a ranged list returns, in id order.
fn ids(app: &TestApp, session: &str, path: &str) -> Vec<Value> {
    let listed = get(app, session, path);
    assert_eq!(listed.status, 200, "{path}: {}", listed.body);
    let ids: Vec<Value> = listed.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].clone())
        .collect();
    ids
}

fn order_on(app: &TestApp, session: &str, date: &str) -> Value {
    post(
        app,
        session,
        "/v2/order",
        json!({
            "customer": {"id": first(app, session, "/v2/customer")},
            "orderDate": date, "deliveryDate": date,
            "orderLines": [{"product": {"id": first(app, session, "/v2/product")}, "count": 1, "unitPriceExcludingVatCurrency": 100}]
        }),
    )
}

#[test]
fn invoices_need_their_date_range_and_are_selected_by_it() {
    let app = spawn_app();
    let session = app.session_with_everything();
    assert_refused(
        &get(&app, &session, "/v2/invoice"),
        &["invoiceDateFrom", "invoiceDateTo"],
        "GET /invoice",
    );
    assert_refused(
        &get(&app, &session, "/v2/invoice?invoiceDateFrom=2026-01-01"),
        &["invoiceDateTo"],
        "GET /invoice without its end",
    );
    let mut invoices = Vec::new();
    for date in ["2026-02-28", "2026-03-01", "2026-03-31", "2026-04-01"] {
        let order = order_on(&app, &session, date);
        let invoiced = app.send(
            app.request(Method::PUT, &format!("/v2/order/{order}/:invoice?invoiceDate={date}"))
                .header("Authorization", basic("0", &session)),
        );
        assert_eq!(invoiced.status, 200, "{}", invoiced.body);
        invoices.push(invoiced.body["value"]["id"].clone());
    }
    assert_eq!(
        ids(
            &app,
            &session,
            "/v2/invoice?invoiceDateFrom=2026-03-01&invoiceDateTo=2026-04-01&fields=id"
        ),
        invoices[1..3],
        "from the first of March, up to but not including the first of April"
    );
    // The default fields take the same road as a fields filter.
    assert_eq!(
        get(
            &app,
            &session,
            "/v2/invoice?invoiceDateFrom=2026-03-01&invoiceDateTo=2026-04-01"
        )
        .body["fullResultSize"],
        2
    );
    assert!(
        ids(
            &app,
            &session,
            "/v2/invoice?invoiceDateFrom=2026-03-01&invoiceDateTo=2026-03-01"
        )
        .is_empty()
    );
}

#[test]
fn orders_need_their_date_range_and_are_selected_by_it() {
    let app = spawn_app();
    let session = app.session_with_everything();
    assert_refused(
        &get(&app, &session, "/v2/order"),
        &["orderDateFrom", "orderDateTo"],
        "GET /order",
    );
    let orders: Vec<Value> = ["2026-05-01", "2026-05-02", "2026-05-03"]
        .iter()
        .map(|d| order_on(&app, &session, d))
        .collect();
    assert_eq!(
        ids(
            &app,
            &session,
            "/v2/order?orderDateFrom=2026-05-02&orderDateTo=2026-05-03&fields=id"
        ),
        orders[1..2]
    );
    let page = get(
        &app,
        &session,
        "/v2/order?orderDateFrom=2026-05-01&orderDateTo=2026-05-04&from=1&count=1&fields=id",
    );
    assert_eq!(
        (page.body["fullResultSize"].clone(), page.body["values"].clone()),
        (json!(3), json!([{"id": orders[1]}])),
        "paging applies to the range"
    );
    let bad = get(
        &app,
        &session,
        "/v2/order?orderDateFrom=01.05.2026&orderDateTo=2026-05-04",
    );
    assert_eq!(
        (bad.status, bad.body["code"].as_i64()),
        (422, Some(21000)),
        "{}",
        bad.body
    );
    assert_eq!(bad.body["validationMessages"][0]["field"], "arg:orderDateFrom");
}

#[test]
fn vouchers_need_their_date_range_and_are_selected_by_it() {
    let app = spawn_app();
    let session = app.session_with_everything();
    assert_refused(
        &get(&app, &session, "/v2/ledger/voucher"),
        &["dateFrom", "dateTo"],
        "GET /ledger/voucher",
    );
    assert_refused(
        &get(&app, &session, "/v2/ledger/voucher?dateTo=2026-01-01"),
        &["dateFrom"],
        "GET /ledger/voucher without its start",
    );
    let accounts = get(&app, &session, "/v2/ledger/account?count=2&fields=id").body["values"].clone();
    let vouchers: Vec<Value> = ["2026-06-30", "2026-07-01", "2026-07-31", "2026-08-01"]
        .iter()
        .map(|date| {
            post(
                &app,
                &session,
                "/v2/ledger/voucher",
                json!({"date": date, "description": "Test", "postings": [
                    {"account": {"id": accounts[0]["id"]}, "amountGross": 10},
                    {"account": {"id": accounts[1]["id"]}, "amountGross": -10}]}),
            )
        })
        .collect();
    assert_eq!(
        ids(
            &app,
            &session,
            "/v2/ledger/voucher?dateFrom=2026-07-01&dateTo=2026-08-01&fields=id"
        ),
        vouchers[1..3]
    );
}

#[test]
fn timesheet_entries_need_their_date_range_and_are_selected_by_it() {
    let app = spawn_app();
    let session = app.session_with_everything();
    assert_refused(
        &get(&app, &session, "/v2/timesheet/entry"),
        &["dateFrom", "dateTo"],
        "GET /timesheet/entry",
    );
    let activity = first(&app, &session, "/v2/activity");
    let entries: Vec<Value> = ["2026-09-01", "2026-09-02", "2026-09-03"]
        .iter()
        .map(|date| {
            post(
                &app,
                &session,
                "/v2/timesheet/entry",
                json!({"employee": {"id": 5001}, "activity": {"id": activity}, "date": date, "hours": 7.5}),
            )
        })
        .collect();
    assert_eq!(
        ids(
            &app,
            &session,
            "/v2/timesheet/entry?dateFrom=2026-09-02&dateTo=2026-09-04&fields=id"
        ),
        entries[1..3]
    );
    assert_eq!(
        ids(
            &app,
            &session,
            "/v2/timesheet/entry?dateFrom=2026-09-01&dateTo=2026-09-02&employeeId=5001&fields=id"
        ),
        entries[..1],
        "a range and a search filter together"
    );
}
