//! Boundary values a client stores and the emulator later computes with. Numbers: an object
//! created with the largest number its field holds (`customerNumber`, `supplierNumber`, `number`,
//! `invoiceNumber`), then one without, for every resource the emulator numbers itself; the next
//! create must answer (a number or a refusal in the error envelope), never drop the connection or
//! panic the emulator, and never repeat a number. Due days: an order whose `invoicesDueIn` is
//! beyond any calendar is invoiced or refused, never a crash.

use crate::figures;
use crate::harness::{Emulator, Sandbox, basic, send, try_send, violations};
use serde_json::{Value, json};

/// Resource, number field, whether the number is sent as text, and the rest of a valid body.
fn numbered(employee: i64, customer: i64) -> Vec<(&'static str, &'static str, bool, Value)> {
    vec![
        ("customer", "customerNumber", false, json!({"name": "edge"})),
        ("supplier", "supplierNumber", false, json!({"name": "edge"})),
        (
            "project",
            "number",
            true,
            json!({"name": "edge", "projectManager": {"id": employee}, "startDate": "2026-01-01"}),
        ),
        (
            "order",
            "number",
            true,
            json!({"customer": {"id": customer}, "orderDate": "2026-01-01", "deliveryDate": "2026-01-02"}),
        ),
    ]
}

fn first_id(sandbox: &Sandbox, auth: &str, collection: &str) -> i64 {
    let answer = send(
        sandbox
            .client
            .get(sandbox.url(&format!("/v2/{collection}?fields=id&count=1")))
            .header("Authorization", auth),
    );
    answer.json()["values"][0]["id"].as_i64().expect("an id")
}

#[test]
fn a_number_at_the_top_of_its_range_never_breaks_the_next_create() {
    let emulator = Emulator::start();
    let sandbox = Sandbox::on(&emulator);
    let auth = basic("0", &sandbox.session(&sandbox.credential(false)));
    let (employee, customer) = (
        first_id(&sandbox, &auth, "employee"),
        first_id(&sandbox, &auth, "customer"),
    );
    let mut problems = Vec::new();
    let mut tried = 0;
    for (resource, field, as_text, body) in numbered(employee, customer) {
        let post = |body: &Value| {
            try_send(
                sandbox
                    .client
                    .post(sandbox.url(&format!("/v2/{resource}")))
                    .header("Authorization", &auth)
                    .json(body),
            )
        };
        let mut edge = body.clone();
        edge[field] = if as_text {
            json!(i64::MAX.to_string())
        } else {
            json!(i64::MAX)
        };
        let mut numbers = Vec::new();
        for (label, body) in [("with the largest number", &edge), ("next, without a number", &body)] {
            tried += 1;
            let request = format!("POST /v2/{resource} {label}: {body}");
            match post(body) {
                Err(why) => problems.push(format!("{request}\n    → {why:.200}")),
                Ok(answer) => {
                    let found = violations(&answer);
                    if !found.is_empty() {
                        problems.push(format!(
                            "{request}\n    → {} {:.200}: {found:?}",
                            answer.status, answer.text
                        ));
                    }
                    if answer.status == 201 {
                        numbers.push(answer.json()["value"][field].clone());
                    }
                }
            }
        }
        if numbers.len() == 2 && numbers[0] == numbers[1] {
            problems.push(format!("two {resource}s numbered {}", numbers[0]));
        }
    }
    let panics = emulator.panics();
    figures::report(&format!(
        "numbering: {tried} creates at the edge of the number range, {} problems, {panics} server panics",
        problems.len()
    ));
    assert!(
        problems.is_empty(),
        "creates after the largest number:\n{}",
        problems.join("\n")
    );
    assert_eq!(panics, 0, "the emulator's threads panicked");
}

#[test]
fn an_invoice_number_at_the_top_of_its_range_never_breaks_the_next_invoice() {
    let emulator = Emulator::start();
    let sandbox = Sandbox::on(&emulator);
    let auth = basic("0", &sandbox.session(&sandbox.credential(false)));
    let (customer, product) = (
        first_id(&sandbox, &auth, "customer"),
        first_id(&sandbox, &auth, "product"),
    );
    let order = json!({"customer": {"id": customer}, "orderDate": "2026-01-01", "deliveryDate": "2026-01-02",
                       "orderLines": [{"product": {"id": product}, "count": 1, "unitPriceExcludingVatCurrency": 100}]});
    let orders: Vec<i64> = (0..2)
        .map(|_| {
            let made = send(
                sandbox
                    .client
                    .post(sandbox.url("/v2/order"))
                    .header("Authorization", &auth)
                    .json(&order),
            );
            assert_eq!(made.status, 201, "an order to invoice: {}", made.text);
            made.json()["value"]["id"].as_i64().expect("an order id")
        })
        .collect();
    let first = send(
        sandbox
            .client
            .post(sandbox.url("/v2/invoice"))
            .header("Authorization", &auth)
            .json(
                &json!({"invoiceNumber": i64::MAX, "invoiceDate": "2026-01-05", "invoiceDueDate": "2026-01-20",
                          "orders": [{"id": orders[0]}]}),
            ),
    );
    assert!(violations(&first).is_empty(), "{} {}", first.status, first.text);
    let next = try_send(
        sandbox
            .client
            .put(sandbox.url(&format!("/v2/order/{}/:invoice", orders[1])))
            .query(&[("invoiceDate", "2026-01-05")])
            .header("Authorization", &auth),
    );
    let panics = emulator.panics();
    figures::report(&format!(
        "invoice numbering: an invoice after invoiceNumber {} answered {}, {panics} server panics",
        i64::MAX,
        next.as_ref()
            .map_or_else(|why| format!("nothing ({why:.60})"), |a| a.status.to_string())
    ));
    let next = next.expect("the invoice after the largest invoice number is answered");
    assert!(violations(&next).is_empty(), "{} {}", next.status, next.text);
    assert_eq!(panics, 0, "the emulator's threads panicked");
}

#[test]
fn an_order_due_in_more_days_than_a_calendar_holds_is_invoiced_or_refused() {
    let emulator = Emulator::start();
    let sandbox = Sandbox::on(&emulator);
    let auth = basic("0", &sandbox.session(&sandbox.credential(false)));
    let (customer, product) = (
        first_id(&sandbox, &auth, "customer"),
        first_id(&sandbox, &auth, "product"),
    );
    let mut problems = Vec::new();
    let edges = [7_304_485, 10_000_000, i64::MAX, i64::MIN];
    for due_in in edges {
        let order = json!({"invoicesDueIn": due_in, "customer": {"id": customer}, "orderDate": "2026-01-01",
                           "deliveryDate": "2026-01-02",
                           "orderLines": [{"product": {"id": product}, "count": 1, "unitPriceExcludingVatCurrency": 100}]});
        let made = send(
            sandbox
                .client
                .post(sandbox.url("/v2/order"))
                .header("Authorization", &auth)
                .json(&order),
        );
        if made.status != 201 {
            // Refused at the door: nothing stored to trip over later.
            assert!(violations(&made).is_empty(), "{} {}", made.status, made.text);
            continue;
        }
        let id = made.json()["value"]["id"].as_i64().expect("an order id");
        let request = format!("PUT /v2/order/{id}/:invoice?invoiceDate=2026-01-05 (invoicesDueIn {due_in})");
        match try_send(
            sandbox
                .client
                .put(sandbox.url(&format!("/v2/order/{id}/:invoice")))
                .query(&[("invoiceDate", "2026-01-05")])
                .header("Authorization", &auth),
        ) {
            Err(why) => problems.push(format!("{request}\n    → {why:.200}")),
            Ok(answer) if !violations(&answer).is_empty() => {
                problems.push(format!("{request}\n    → {} {:.200}", answer.status, answer.text));
            }
            Ok(_) => {}
        }
    }
    let panics = emulator.panics();
    figures::report(&format!(
        "due days: {} orders due beyond the calendar invoiced, {} problems, {panics} server panics",
        edges.len(),
        problems.len()
    ));
    assert!(
        problems.is_empty(),
        "invoicing orders due beyond the calendar:\n{}",
        problems.join("\n")
    );
    assert_eq!(panics, 0, "the emulator's threads panicked");
}
