//! The operations the engine gives behaviour beyond their shape: order lines inside their order,
//! postings read from vouchers, an invoice paid, credited and sent, a voucher reversed, travel
//! expenses delivered and approved, the activities for a time sheet.

use crate::helpers::{Reply, TestApp, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

fn call(app: &TestApp, session: &str, method: Method, path: &str, body: Option<Value>) -> Reply {
    app.call_as(method, "0", session, path, body.as_ref())
}

fn first(app: &TestApp, session: &str, path: &str) -> Value {
    let joined = if path.contains('?') { '&' } else { '?' };
    app.get_as("0", session, &format!("{path}{joined}count=1&fields=id"))
        .body["values"][0]["id"]
        .clone()
}

fn made(reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.body["value"].clone()
}

fn new_order(app: &TestApp, session: &str) -> Value {
    let body = json!({
        "customer": {"id": first(app, session, "/v2/customer")},
        "orderDate": "2026-03-02", "deliveryDate": "2026-03-02",
        "orderLines": [{"product": {"id": first(app, session, "/v2/product")}, "count": 2, "unitPriceExcludingVatCurrency": 500}]
    });
    made(&call(app, session, Method::POST, "/v2/order", Some(body)), 201)
}

#[test]
fn order_lines_are_made_read_changed_and_deleted_inside_their_order() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let order = new_order(&app, &session);
    let line = made(
        &call(
            &app,
            &session,
            Method::POST,
            "/v2/order/orderline",
            Some(
                json!({"order": {"id": order["id"]}, "description": "Frakt", "count": 1, "unitPriceExcludingVatCurrency": 99}),
            ),
        ),
        201,
    );
    assert_eq!(line["description"], "Frakt");
    assert_eq!(line["order"]["id"], order["id"]);
    let id = line["id"].as_i64().unwrap();
    let read = app.get_as(
        "0",
        &session,
        &format!("/v2/order/{}?fields=version,orderLines(id,description)", order["id"]),
    );
    assert_eq!(
        read.body["value"]["orderLines"].as_array().map(Vec::len),
        Some(2),
        "{}",
        read.body
    );
    assert_eq!(read.body["value"]["version"], 1);
    let one = app.get_as(
        "0",
        &session,
        &format!("/v2/order/orderline/{id}?fields=description,count"),
    );
    assert_eq!(one.body["value"], json!({"description": "Frakt", "count": 1}));
    let changed = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/order/orderline/{id}"),
        Some(json!({"count": 3})),
    );
    assert_eq!(made(&changed, 200)["count"], 3);
    let many = call(
        &app,
        &session,
        Method::POST,
        "/v2/order/orderline/list",
        Some(
            json!([{"order": {"id": order["id"]}, "description": "a"}, {"order": {"id": 999_999_999}, "description": "b"}]),
        ),
    );
    assert_eq!(many.status, 404, "{}", many.body);
    let after = app.get_as(
        "0",
        &session,
        &format!("/v2/order/{}?fields=orderLines(id)", order["id"]),
    );
    assert_eq!(
        after.body["value"]["orderLines"].as_array().map(Vec::len),
        Some(2),
        "a refused list adds nothing"
    );
    let both = call(
        &app,
        &session,
        Method::POST,
        "/v2/order/orderline/list",
        Some(
            json!([{"order": {"id": order["id"]}, "description": "a"}, {"order": {"id": order["id"]}, "description": "b"}]),
        ),
    );
    assert_eq!(both.status, 201, "{}", both.body);
    assert_eq!(both.body["count"], 2);
    let deleted = call(
        &app,
        &session,
        Method::DELETE,
        &format!("/v2/order/orderline/{id}"),
        None,
    );
    assert_eq!(deleted.status, 204);
    assert_eq!(
        app.get_as("0", &session, &format!("/v2/order/orderline/{id}")).status,
        404
    );
    let orphan = call(
        &app,
        &session,
        Method::POST,
        "/v2/order/orderline",
        Some(json!({"description": "x"})),
    );
    assert_eq!(orphan.status, 422, "{}", orphan.body);
    assert_eq!(orphan.body["validationMessages"][0]["field"], "order");
}

fn accounts(app: &TestApp, session: &str) -> (Value, Value) {
    let id = |n: i64| {
        let found = app.get_as("0", session, &format!("/v2/ledger/account?number={n}&fields=id"));
        assert_eq!(found.status, 200, "{}", found.body);
        found.body["values"][0]["id"].clone()
    };
    (id(1920), id(6300))
}

fn rent_voucher(app: &TestApp, session: &str, date: &str) -> Value {
    let (bank, rent) = accounts(app, session);
    assert!(bank.is_i64() && rent.is_i64(), "{bank} {rent}");
    made(
        &call(
            app,
            session,
            Method::POST,
            "/v2/ledger/voucher",
            Some(json!({"date": date, "description": "Husleie", "postings": [
                {"account": {"id": rent}, "amountGross": 1000, "amountGrossCurrency": 1000, "row": 1},
                {"account": {"id": bank}, "amountGross": -1000, "amountGrossCurrency": -1000, "row": 2}
            ]})),
        ),
        201,
    )
}

#[test]
fn postings_are_read_from_their_vouchers_by_date_and_account() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let (bank, _) = accounts(&app, &session);
    let voucher = rent_voucher(&app, &session, "2026-03-10");
    rent_voucher(&app, &session, "2026-05-10");
    let missing = app.get_as("0", &session, "/v2/ledger/posting");
    assert_eq!(
        (missing.status, missing.body["code"].as_i64()),
        (422, Some(15000)),
        "{}",
        missing.body
    );
    let march = app.get_as(
        "0",
        &session,
        "/v2/ledger/posting?dateFrom=2026-03-01&dateTo=2026-04-01&fields=date,amountGross,account(number),voucher",
    );
    assert_eq!(march.status, 200, "{}", march.body);
    assert_eq!(march.body["fullResultSize"], 2);
    let amounts: Vec<f64> = march.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["amountGross"].as_f64())
        .collect();
    assert_eq!(amounts.iter().sum::<f64>(), 0.0, "a voucher's postings balance");
    assert_eq!(march.body["values"][0]["date"], "2026-03-10");
    assert_eq!(march.body["values"][0]["account"], json!({"number": 6300}));
    assert_eq!(march.body["values"][0]["voucher"]["id"], voucher["id"]);
    let on_bank = app.get_as(
        "0",
        &session,
        &format!("/v2/ledger/posting?dateFrom=2026-01-01&dateTo=2027-01-01&accountId={bank}&fields=amountGross"),
    );
    assert_eq!(
        on_bank.body["values"],
        json!([{"amountGross": -1000.0}, {"amountGross": -1000.0}])
    );
    let by_number = app.get_as(
        "0",
        &session,
        "/v2/ledger/posting?dateFrom=2026-01-01&dateTo=2027-01-01&accountNumberFrom=6000&accountNumberTo=6999&fields=amountGross",
    );
    assert_eq!(by_number.body["fullResultSize"], 2);
    let id = march.body["values"][0]["id"].as_i64().unwrap_or_else(|| {
        let all = app.get_as(
            "0",
            &session,
            "/v2/ledger/posting?dateFrom=2026-03-01&dateTo=2026-04-01",
        );
        all.body["values"][0]["id"].as_i64().unwrap()
    });
    let one = app.get_as("0", &session, &format!("/v2/ledger/posting/{id}?fields=id"));
    assert_eq!(one.body["value"]["id"], id, "{}", one.body);
}

#[test]
fn a_voucher_is_reversed_once_by_a_voucher_that_turns_its_postings_round() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let voucher = rent_voucher(&app, &session, "2026-03-10");
    let id = &voucher["id"];
    let reversal = made(
        &call(
            &app,
            &session,
            Method::PUT,
            &format!("/v2/ledger/voucher/{id}/:reverse?date=2026-03-31"),
            None,
        ),
        200,
    );
    assert_eq!(reversal["date"], "2026-03-31");
    let original = app.get_as("0", &session, &format!("/v2/ledger/voucher/{id}?fields=reverseVoucher"));
    assert_eq!(original.body["value"]["reverseVoucher"]["id"], reversal["id"]);
    let again = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/ledger/voucher/{id}/:reverse?date=2026-03-31"),
        None,
    );
    assert_eq!(again.status, 422, "{}", again.body);
    assert!(
        again.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("voucher_can_be_reversed")
    );
    let march = app.get_as(
        "0",
        &session,
        "/v2/ledger/posting?dateFrom=2026-03-01&dateTo=2026-04-01&fields=amountGross",
    );
    assert_eq!(march.body["fullResultSize"], 4);
    let total: f64 = march.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["amountGross"].as_f64())
        .sum();
    assert_eq!(total, 0.0);
    let no_date = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/ledger/voucher/{id}/:reverse"),
        None,
    );
    assert_eq!(no_date.status, 422);
    let sent = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/ledger/voucher/{id}/:sendToLedger"),
        None,
    );
    assert_eq!(sent.status, 200, "{}", sent.body);
}

fn invoice(app: &TestApp, session: &str) -> Value {
    let order = new_order(app, session);
    made(
        &call(
            app,
            session,
            Method::PUT,
            &format!("/v2/order/{}/:invoice?invoiceDate=2026-03-02", order["id"]),
            None,
        ),
        200,
    )
}

#[test]
fn an_invoice_is_paid_credited_and_sent() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let invoice = invoice(&app, &session);
    let id = &invoice["id"];
    let amount = invoice["amount"].as_f64().unwrap();
    assert!(amount > 0.0);
    let bank = app
        .get_as("0", &session, "/v2/invoice/paymentType?fields=id,description")
        .body["values"][1]["id"]
        .clone();
    let paid = made(
        &call(
            &app,
            &session,
            Method::PUT,
            &format!("/v2/invoice/{id}/:payment?paymentDate=2026-03-05&paymentTypeId={bank}&paidAmount=100"),
            None,
        ),
        200,
    );
    assert_eq!(paid["amountOutstanding"].as_f64(), Some(amount - 100.0));
    let unknown_type = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/invoice/{id}/:payment?paymentDate=2026-03-05&paymentTypeId=1&paidAmount=100"),
        None,
    );
    assert_eq!(unknown_type.status, 422, "{}", unknown_type.body);
    assert_eq!(unknown_type.body["validationMessages"][0]["field"], "arg:paymentTypeId");
    let incomplete = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/invoice/{id}/:payment?paidAmount=1"),
        None,
    );
    assert_eq!(
        incomplete.body["validationMessages"].as_array().map(Vec::len),
        Some(2),
        "{}",
        incomplete.body
    );
    let note = made(
        &call(
            &app,
            &session,
            Method::PUT,
            &format!("/v2/invoice/{id}/:createCreditNote?date=2026-03-06"),
            None,
        ),
        200,
    );
    assert_eq!(note["isCreditNote"], true);
    assert_eq!(note["amount"].as_f64(), Some(-amount));
    assert_eq!(note["creditedInvoice"]["id"], *id);
    assert_eq!(note["invoiceNumber"], invoice["invoiceNumber"].as_i64().unwrap() + 1);
    let credited = app.get_as(
        "0",
        &session,
        &format!("/v2/invoice/{id}?fields=isCredited,amountOutstanding"),
    );
    // Paid 100 and then credited whole: 100 is owed back to the customer.
    assert_eq!(
        credited.body["value"],
        json!({"isCredited": true, "amountOutstanding": -100.0})
    );
    let twice = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/invoice/{id}/:createCreditNote?date=2026-03-06"),
        None,
    );
    assert_eq!(twice.status, 422);
    let sent = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/invoice/{id}/:send?sendType=EMAIL"),
        None,
    );
    assert_eq!(sent.status, 204, "recorded: 204 with no body; {}", sent.body);
    let pigeon = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/invoice/{id}/:send?sendType=PIGEON"),
        None,
    );
    assert_eq!(pigeon.status, 422);
    let elsewhere = call(
        &app,
        &session,
        Method::PUT,
        "/v2/invoice/999999999/:send?sendType=EMAIL",
        None,
    );
    assert_eq!(elsewhere.status, 404);
}

#[test]
fn a_travel_expense_is_delivered_then_approved_and_steps_back() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let travel = made(
        &call(
            &app,
            &session,
            Method::POST,
            "/v2/travelExpense",
            Some(json!({"title": "Bergen", "employee": {"id": 5001}})),
        ),
        201,
    );
    assert_eq!(travel["state"], "OPEN");
    let id = &travel["id"];
    let early = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/travelExpense/:approve?id={id}"),
        None,
    );
    assert_eq!(early.status, 422, "{}", early.body);
    let delivered = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/travelExpense/:deliver?id={id}"),
        None,
    );
    assert_eq!(delivered.status, 200, "{}", delivered.body);
    assert_eq!(delivered.body["values"][0]["state"], "DELIVERED");
    let approved = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/travelExpense/:approve?id={id}"),
        None,
    );
    assert_eq!(approved.body["values"][0]["state"], "APPROVED");
    assert_eq!(approved.body["values"][0]["isApproved"], true);
    let back = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/travelExpense/:unapprove?id={id}"),
        None,
    );
    assert_eq!(back.body["values"][0]["state"], "DELIVERED");
}

#[test]
fn the_activities_for_a_time_sheet_are_the_active_ones() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let project = first(&app, &session, "/v2/project");
    let project = if project.is_null() { json!(1) } else { project };
    let listed = app.get_as(
        "0",
        &session,
        &format!("/v2/activity/%3EforTimeSheet?projectId={project}&fields=name"),
    );
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(listed.body["fullResultSize"].as_i64().unwrap() >= 1);
    let without = app.get_as("0", &session, "/v2/activity/%3EforTimeSheet");
    assert_eq!(without.status, 422);
}

#[test]
fn a_file_attached_to_a_voucher_gives_it_a_document() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let voucher = rent_voucher(&app, &session, "2026-03-10");
    let boundary = "sandboxboundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"kvittering.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 test\r\n--{boundary}--\r\n"
    );
    let attached = app.send(
        app.request(
            Method::POST,
            &format!("/v2/ledger/voucher/{}/attachment", voucher["id"]),
        )
        .header("Authorization", crate::helpers::basic("0", &session))
        .header("Content-Type", format!("multipart/form-data; boundary={boundary}"))
        .body(body),
    );
    let value = made(&attached, 201);
    assert!(value["attachment"]["id"].is_i64(), "{value}");
    assert_eq!(value["version"], 1);
    let elsewhere = app.send(
        app.request(Method::POST, "/v2/ledger/voucher/999999999/attachment")
            .header("Authorization", crate::helpers::basic("0", &session))
            .body("x"),
    );
    assert_eq!(elsewhere.status, 404);
}

#[test]
fn a_supplier_invoices_voucher_gets_its_postings_and_they_must_balance() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let voucher = rent_voucher(&app, &session, "2026-03-10");
    let (bank, rent) = accounts(&app, &session);
    let postings = |amount: i64| {
        json!([
            {"posting": {"account": {"id": rent}, "amountGross": amount, "amountGrossCurrency": amount, "row": 1}},
            {"posting": {"account": {"id": bank}, "amountGross": -500, "amountGrossCurrency": -500, "row": 2}}
        ])
    };
    let path = format!("/v2/supplierInvoice/voucher/{}/postings", voucher["id"]);
    let none = call(&app, &session, Method::PUT, &path, Some(postings(500)));
    assert_eq!(
        none.status, 404,
        "no supplier invoice holds the voucher yet: {}",
        none.body
    );
    // A world holding a supplier invoice on that voucher.
    let mut state = app.get("/_sandbox/state").body;
    state["objects"]["supplierInvoice"] = json!({"stored": [{
        "id": 77_000_001, "companyId": 1001,
        "body": {"invoiceNumber": "F-1", "voucher": {"id": voucher["id"]}, "amount": 500}
    }]});
    let loaded = app.control(Method::PUT, "/_sandbox/state", None, Some(state));
    assert_eq!(loaded.status, 204, "{}", loaded.body);
    let session = app.session_with_everything();
    let unbalanced = call(&app, &session, Method::PUT, &path, Some(postings(400)));
    assert_eq!(unbalanced.status, 422, "{}", unbalanced.body);
    let posted = made(&call(&app, &session, Method::PUT, &path, Some(postings(500))), 200);
    assert_eq!(posted["invoiceNumber"], "F-1");
    let read = app.get_as(
        "0",
        &session,
        &format!("/v2/ledger/voucher/{}?fields=postings(amountGross)", voucher["id"]),
    );
    assert_eq!(
        read.body["value"]["postings"],
        json!([{"amountGross": 500.0}, {"amountGross": -500.0}])
    );
}

#[test]
fn a_line_id_a_client_makes_up_never_names_another_orders_line() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let first_order = new_order(&app, &session);
    let held = app.get_as(
        "0",
        &session,
        &format!("/v2/order/{}?fields=orderLines(id)", first_order["id"]),
    );
    let taken = held.body["value"]["orderLines"][0]["id"].clone();
    let body = json!({
        "customer": {"id": first(&app, &session, "/v2/customer")},
        "orderDate": "2026-03-02", "deliveryDate": "2026-03-02",
        "orderLines": [{"id": taken, "description": "copy"}, {"id": taken, "description": "copy again"}]
    });
    let second = made(&call(&app, &session, Method::POST, "/v2/order", Some(body)), 201);
    let lines = app.get_as(
        "0",
        &session,
        &format!("/v2/order/{}?fields=orderLines(id)", second["id"]),
    );
    let ids: Vec<Value> = lines.body["value"]["orderLines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].clone())
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(!ids.contains(&taken) && ids[0] != ids[1], "{ids:?} beside {taken}");
    // The line keeps its order, whatever a change says.
    let moved = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/order/orderline/{taken}"),
        Some(json!({"order": {"id": second["id"]}, "description": "moved?"})),
    );
    assert_eq!(made(&moved, 200)["order"]["id"], first_order["id"]);
}

#[test]
fn a_travel_expense_list_moves_all_or_none_and_needs_its_entitlement() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let open = made(
        &call(
            &app,
            &session,
            Method::POST,
            "/v2/travelExpense",
            Some(json!({"title": "a", "employee": {"id": 5001}})),
        ),
        201,
    );
    let other = made(
        &call(
            &app,
            &session,
            Method::POST,
            "/v2/travelExpense",
            Some(json!({"title": "b", "employee": {"id": 5001}})),
        ),
        201,
    );
    let delivered = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/travelExpense/:deliver?id={}", other["id"]),
        None,
    );
    assert_eq!(delivered.status, 200);
    let both = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/travelExpense/:deliver?id={},{}", open["id"], other["id"]),
        None,
    );
    assert_eq!(both.status, 422, "the second is delivered already: {}", both.body);
    let still = app.get_as("0", &session, &format!("/v2/travelExpense/{}?fields=state", open["id"]));
    assert_eq!(still.body["value"]["state"], "OPEN", "nothing moved");
    let undelivered = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/travelExpense/:undeliver?id={}", other["id"]),
        None,
    );
    assert_eq!(undelivered.body["values"][0]["state"], "OPEN", "{}", undelivered.body);
    let customers_only = app.session_with_accesses(&["AUTH_CUSTOMER"]);
    let refused = call(
        &app,
        &customers_only,
        Method::PUT,
        &format!("/v2/travelExpense/:deliver?id={}", open["id"]),
        None,
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
}

#[test]
fn nested_fields_reach_through_lines_and_references() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let voucher = rent_voucher(&app, &session, "2026-03-10");
    let read = app.get_as(
        "0",
        &session,
        &format!(
            "/v2/ledger/voucher/{}?fields=postings(amountGross,account(number,name))",
            voucher["id"]
        ),
    );
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["value"]["postings"][0]["account"]["number"], 6300);
    assert!(read.body["value"]["postings"][1]["account"]["name"].is_string());
    let invoice = invoice(&app, &session);
    let orders = app.get_as(
        "0",
        &session,
        &format!(
            "/v2/invoice/{}?fields=orders(customer(name)),customer(name)",
            invoice["id"]
        ),
    );
    assert_eq!(orders.status, 200, "{}", orders.body);
    assert!(
        orders.body["value"]["orders"][0]["customer"]["name"].is_string(),
        "{}",
        orders.body
    );
    // An employee's department, as a recorded agent asks for it.
    let asked = "fields=id,firstName,lastName,email,dateOfBirth,phoneNumberMobile,department(id,name)";
    let listed = app.get_as("0", &session, &format!("/v2/employee?count=1&{asked}"));
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(
        listed.body["values"][0]["department"]["name"].is_string(),
        "{}",
        listed.body
    );
    let id = &listed.body["values"][0]["id"];
    let one = app.get_as("0", &session, &format!("/v2/employee/{id}?{asked}"));
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["value"]["department"], listed.body["values"][0]["department"]);
}

#[test]
fn ids_the_hand_written_routes_do_not_take_are_refused_as_ids() {
    let app = spawn_app();
    let session = app.session_with_everything();
    for path in ["/v2/employee/%2B5", "/v2/company/%2B5", "/v2/employee/abc"] {
        let reply = app.get_as("0", &session, path);
        assert_eq!(
            (reply.status, reply.body["code"].as_i64()),
            (400, Some(12000)),
            "{path}: {}",
            reply.body
        );
    }
    let token_method = call(&app, &session, Method::DELETE, "/v2/token/session/%3EwhoAmI", None);
    assert_ne!(
        token_method.body["code"], 12000,
        "a token in the path is no id: {}",
        token_method.body
    );
    assert!(token_method.status < 500);
}

/// `POST /incomingInvoice` answers the document's `IncomingInvoiceSaveResult`: the voucher id the
/// stored invoice is read back by, the invoice date's year and where `sendTo` put it.
#[test]
fn an_incoming_invoice_is_answered_by_its_voucher_id_and_read_back_by_it() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let header =
        json!({"invoiceDate": "2025-11-03", "dueDate": "2025-12-03", "invoiceNumber": "F-17", "invoiceAmount": 1250});
    let saved = made(
        &call(
            &app,
            &session,
            Method::POST,
            "/v2/incomingInvoice?sendTo=ledger",
            Some(json!({"invoiceHeader": header, "orderLines": []})),
        ),
        201,
    );
    assert_eq!(saved["invoiceLifeCycle"], "IN_LEDGER");
    let voucher = saved["voucherId"].as_i64().expect("a voucher id");
    let read = made(
        &app.get_as("0", &session, &format!("/v2/incomingInvoice/{voucher}")),
        200,
    );
    assert_eq!(read["invoiceHeader"], header, "{read}");
    assert_eq!(saved["voucherYear"], 2025, "{saved}");
    assert_eq!(saved["paymentIdsToApprove"], json!([]));
    let inbox = made(
        &call(
            &app,
            &session,
            Method::POST,
            "/v2/incomingInvoice",
            Some(json!({"invoiceHeader": header})),
        ),
        201,
    );
    assert_eq!(inbox["invoiceLifeCycle"], "DRAFT_IN_INBOX");
    assert_ne!(inbox["voucherId"], saved["voucherId"]);
}
