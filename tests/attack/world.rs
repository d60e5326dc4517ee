//! What the fuzzer may call "valid" in one sandbox: the real ids of each resource (listed, and
//! objects it seeds itself so that `GET`/`PUT`/`DELETE …/{id}` of orders, projects, vouchers,
//! timesheet entries and invoices hit something), the credential's tokens, and which resource a
//! reference field or `…Id` query parameter points at.

use crate::harness::{Sandbox, send};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Ids tried when a resource has none of its own: seed ids of the default scenario and junk.
const FALLBACK_IDS: &[i64] = &[1, 2, 1001, 2101, 5001, 10001, 20001];

/// Collections listed for ids before and after seeding.
const COLLECTIONS: &[&str] = &[
    "customer",
    "supplier",
    "employee",
    "department",
    "activity",
    "product",
    "ledger/account",
    "ledger/vatType",
    "currency",
    "country",
    "contact",
    "project",
    "order",
    "invoice",
    "ledger/voucher",
    "timesheet/entry",
    "employee/employment",
    "employee/entitlement",
];

pub struct Known {
    pools: BTreeMap<String, Vec<i64>>,
    pub consumer_token: String,
    pub employee_token: String,
    /// Seed objects that the emulator accepted, of those tried.
    pub seeded: usize,
    pub seeds_tried: usize,
}

/// The resource a field or query parameter named `name` refers to, if the name says.
pub fn target_of(name: &str) -> Option<&'static str> {
    let base = name
        .strip_suffix("Ids")
        .or_else(|| name.strip_suffix("Id"))
        .unwrap_or(name);
    Some(match base {
        "customer" => "customer",
        "supplier" => "supplier",
        "employee" | "projectManager" | "accountManager" | "departmentManager" => "employee",
        "department" => "department",
        "activity" => "activity",
        "project" => "project",
        "product" => "product",
        "account" => "ledger/account",
        "vatType" => "ledger/vatType",
        "currency" => "currency",
        "country" => "country",
        "order" | "orders" => "order",
        "voucher" => "ledger/voucher",
        "invoice" => "invoice",
        "contact" => "contact",
        _ => return None,
    })
}

impl Known {
    /// Lists every collection, seeds one object of each kind the scenario has none of, and
    /// lists again.
    pub fn gather(sandbox: &Sandbox, auth: &str, credential: &Value) -> Self {
        let mut known = Self {
            pools: BTreeMap::new(),
            consumer_token: credential["consumerToken"].as_str().unwrap_or_default().to_owned(),
            employee_token: credential["employeeToken"].as_str().unwrap_or_default().to_owned(),
            seeded: 0,
            seeds_tried: 0,
        };
        known.list_all(sandbox, auth);
        known.seed(sandbox, auth);
        known.list_all(sandbox, auth);
        known
    }

    fn list_all(&mut self, sandbox: &Sandbox, auth: &str) {
        for collection in COLLECTIONS {
            // The date ranges some lists require, spanning every date the world holds.
            let range = tripletex_sandbox::domain::resource::find(collection)
                .map(tripletex_sandbox::conformance::wide_list_arguments)
                .unwrap_or_default();
            let answer = send(
                sandbox
                    .client
                    .get(sandbox.url(&format!("/v2/{collection}")))
                    .query(&[("fields", "id"), ("count", "20")])
                    .query(&range)
                    .header("Authorization", auth),
            );
            let body: Value = serde_json::from_str(&answer.text).unwrap_or(Value::Null);
            let ids: Vec<i64> = body["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v["id"].as_i64())
                .collect();
            self.pools.insert((*collection).to_owned(), ids);
        }
    }

    /// The first id of a resource, or a fallback.
    fn first(&self, resource: &str) -> i64 {
        self.ids(resource)[0]
    }

    fn nth(&self, resource: &str, n: usize) -> i64 {
        let ids = self.ids(resource);
        ids[n % ids.len()]
    }

    fn seed(&mut self, sandbox: &Sandbox, auth: &str) {
        let post = |known: &mut Self, path: &str, body: Value| -> Option<i64> {
            known.seeds_tried += 1;
            let answer = send(
                sandbox
                    .client
                    .post(sandbox.url(&format!("/v2/{path}")))
                    .header("Authorization", auth)
                    .json(&body),
            );
            let id = (answer.status == 201)
                .then(|| serde_json::from_str::<Value>(&answer.text).ok())
                .flatten()
                .and_then(|b| b["value"]["id"].as_i64());
            known.seeded += usize::from(id.is_some());
            if id.is_none() {
                eprintln!("seed object {path} refused: {} {:.300}", answer.status, answer.text);
            }
            id
        };
        let customer = self.first("customer");
        post(
            self,
            "contact",
            json!({"firstName": "Seed", "lastName": "Contact", "customer": {"id": customer}}),
        );
        // A project manager must be allowed to be one: try the employees in turn.
        for n in 0..self.ids("employee").len().min(4) {
            let manager = self.nth("employee", n);
            let project = json!({"name": "Seed project", "projectManager": {"id": manager},
                                 "startDate": "2026-01-01", "customer": {"id": customer}});
            if post(self, "project", project).is_some() {
                break;
            }
        }
        let order = json!({"customer": {"id": customer}, "orderDate": "2026-01-10", "deliveryDate": "2026-01-20",
                           "orderLines": [{"product": {"id": self.first("product")}, "count": 2,
                                           "unitPriceExcludingVatCurrency": 100}]});
        let orders: Vec<i64> = (0..2).filter_map(|_| post(self, "order", order.clone())).collect();
        let entry = json!({"employee": {"id": self.first("employee")}, "activity": {"id": self.first("activity")},
                           "date": "2026-01-12", "hours": 7.5, "comment": "seed"});
        post(self, "timesheet/entry", entry);
        let voucher = json!({"date": "2026-01-12", "description": "Seed voucher", "postings": [
            {"account": {"id": self.nth("ledger/account", 0)}, "amountGross": 100, "amountGrossCurrency": 100},
            {"account": {"id": self.nth("ledger/account", 1)}, "amountGross": -100, "amountGrossCurrency": -100}]});
        post(self, "ledger/voucher", voucher);
        post(
            self,
            "employee/employment",
            json!({"employee": {"id": self.first("employee")}, "startDate": "2026-01-01"}),
        );
        // One order becomes an invoice; the other stays an order for the fuzzer.
        if let Some(order) = orders.first() {
            self.seeds_tried += 1;
            let answer = send(
                sandbox
                    .client
                    .put(sandbox.url(&format!("/v2/order/{order}/:invoice")))
                    .query(&[("invoiceDate", "2026-01-15")])
                    .header("Authorization", auth),
            );
            self.seeded += usize::from(answer.status == 200);
        }
    }

    /// The real ids of a resource (by its path below `/v2`), or fallbacks when it has none.
    pub fn ids(&self, resource: &str) -> &[i64] {
        match self.pools.get(resource) {
            Some(ids) if !ids.is_empty() => ids,
            _ => FALLBACK_IDS,
        }
    }

    /// Ids for a field or parameter: of the resource its name points at, else of `own`.
    pub fn ids_for(&self, name: &str, own: &str) -> &[i64] {
        self.ids(target_of(name).unwrap_or(own))
    }

    /// The account ids for balanced postings.
    pub fn accounts(&self) -> (i64, i64) {
        (self.nth("ledger/account", 0), self.nth("ledger/account", 1))
    }

    pub fn first_of(&self, resource: &str) -> i64 {
        self.first(resource)
    }
}

#[test]
fn reference_names_point_at_their_resources() {
    assert_eq!(target_of("customerId"), Some("customer"));
    assert_eq!(target_of("projectManager"), Some("employee"));
    assert_eq!(target_of("vatType"), Some("ledger/vatType"));
    assert_eq!(target_of("orders"), Some("order"));
    assert_eq!(target_of("name"), None);
}
