//! The ledger over HTTP: what each business operation books (accounts and amounts), VAT rows,
//! the balance sheet and the ledger report, and properties that hold over any sequence of
//! invoices, payments, credit notes, manual vouchers, reversals and refused bookings.

use crate::helpers::{Reply, TestApp, spawn_app};
use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;

/// A sandbox, a session with every entitlement, and the ids the bookings need.
struct Books {
    app: TestApp,
    session: String,
    customer: i64,
    accounts: HashMap<i64, i64>,
    bank_payment_type: i64,
}

impl Books {
    fn open(app: TestApp) -> Self {
        let session = app.session_with_everything();
        let get = |path: &str| app.call_as(Method::GET, "0", &session, path, None).body;
        let customer = get("/v2/customer?count=1&fields=id")["values"][0]["id"]
            .as_i64()
            .unwrap();
        let accounts = get("/v2/ledger/account?count=1000&fields=id,number")["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["number"].as_i64().unwrap(), a["id"].as_i64().unwrap()))
            .collect();
        let bank_payment_type = get("/v2/invoice/paymentType?fields=id,description")["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["description"] == "Betalt til bank")
            .map(|t| t["id"].as_i64().unwrap())
            .expect("the bank payment type");
        Self {
            app,
            session,
            customer,
            accounts,
            bank_payment_type,
        }
    }

    fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.app.call_as(method, "0", &self.session, path, body.as_ref())
    }

    fn account(&self, number: i64) -> i64 {
        self.accounts[&number]
    }

    /// An invoice of one order with lines `(count, price, vat type)`, dated 2026-03-02.
    fn invoice(&self, lines: &[(f64, f64, i64)]) -> Value {
        let lines: Vec<Value> = lines
            .iter()
            .map(|(count, price, vat)| json!({"count": count, "unitPriceExcludingVatCurrency": price, "vatType": {"id": vat}}))
            .collect();
        let order = self.call(
            Method::POST,
            "/v2/order",
            Some(json!({"customer": {"id": self.customer}, "orderDate": "2026-03-01", "deliveryDate": "2026-03-01", "orderLines": lines})),
        );
        assert_eq!(order.status, 201, "{}", order.body);
        let id = order.body["value"]["id"].as_i64().unwrap();
        let invoiced = self.call(
            Method::PUT,
            &format!("/v2/order/{id}/:invoice?invoiceDate=2026-03-02"),
            None,
        );
        assert_eq!(invoiced.status, 200, "{}", invoiced.body);
        invoiced.body["value"].clone()
    }

    fn pay(&self, invoice: i64, amount: f64) -> Reply {
        let path = format!(
            "/v2/invoice/{invoice}/:payment?paymentDate=2026-03-10&paymentTypeId={}&paidAmount={amount}",
            self.bank_payment_type
        );
        self.call(Method::PUT, &path, None)
    }

    /// The postings of a voucher: (account number, amount, amountGross, generated).
    fn voucher_postings(&self, voucher: i64) -> Vec<(i64, f64, f64, bool)> {
        let numbers: HashMap<i64, i64> = self.accounts.iter().map(|(n, id)| (*id, *n)).collect();
        let read = self.call(
            Method::GET,
            &format!("/v2/ledger/voucher/{voucher}?fields=postings(account,amount,amountGross,systemGenerated)"),
            None,
        );
        assert_eq!(read.status, 200, "{}", read.body);
        read.body["value"]["postings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    numbers[&p["account"]["id"].as_i64().unwrap()],
                    p["amount"].as_f64().unwrap(),
                    p["amountGross"].as_f64().unwrap(),
                    p["systemGenerated"].as_bool().unwrap(),
                )
            })
            .collect()
    }

    /// Every posting of 2026: (id, voucher id, account id, amount).
    fn postings(&self) -> Vec<(i64, i64, i64, f64)> {
        let read = self.call(
            Method::GET,
            "/v2/ledger/posting?dateFrom=2026-01-01&dateTo=2027-01-01&count=10000&fields=id,voucher,account,amount",
            None,
        );
        assert_eq!(read.status, 200, "{}", read.body);
        read.body["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["id"].as_i64().unwrap(),
                    p["voucher"]["id"].as_i64().unwrap(),
                    p["account"]["id"].as_i64().unwrap(),
                    p["amount"].as_f64().unwrap(),
                )
            })
            .collect()
    }

    /// `balanceChange` per account id over 2026.
    fn balance_changes(&self) -> HashMap<i64, f64> {
        let read = self.call(
            Method::GET,
            "/v2/balanceSheet?dateFrom=2026-01-01&dateTo=2027-01-01&fields=account,balanceChange,balanceIn,balanceOut",
            None,
        );
        assert_eq!(read.status, 200, "{}", read.body);
        read.body["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["account"]["id"].as_i64().unwrap(),
                    r["balanceChange"].as_f64().unwrap(),
                )
            })
            .collect()
    }

    /// The amounts of the open posts on an account at the end of 2026.
    fn open_posts(&self, number: i64) -> Vec<f64> {
        let path = format!(
            "/v2/ledger/posting/openPost?date=2026-12-31&accountId={}&count=10000&fields=amount",
            self.account(number)
        );
        let read = self.call(Method::GET, &path, None);
        assert_eq!(read.status, 200, "{}", read.body);
        read.body["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["amount"].as_f64().unwrap())
            .collect()
    }

    fn outstanding(&self, invoice: i64) -> f64 {
        let read = self.call(
            Method::GET,
            &format!("/v2/invoice/{invoice}?fields=amountOutstanding"),
            None,
        );
        read.body["value"]["amountOutstanding"].as_f64().unwrap()
    }
}

fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

#[test]
fn an_invoice_books_the_receivable_sales_per_line_and_output_vat() {
    let books = Books::open(spawn_app());
    let invoice = books.invoice(&[(2.0, 100.0, 3), (1.0, 50.0, 5)]);
    assert_eq!(invoice["amount"].as_f64(), Some(300.0));
    let voucher = invoice["voucher"]["id"]
        .as_i64()
        .expect("the invoice points at its voucher");
    assert_eq!(
        books.voucher_postings(voucher),
        vec![
            (1500, 300.0, 300.0, false),
            (3000, -200.0, -250.0, false),
            (3100, -50.0, -50.0, false),
            (2700, -50.0, -50.0, true),
        ]
    );
}

/// `POST /invoice` may carry its orders whole: they are made, invoiced and closed in one call, and
/// the invoice books as one made from existing orders; a new order the order rules refuse makes
/// nothing at all.
#[test]
fn an_invoice_posted_with_new_orders_inside_makes_them_and_books_them() {
    let books = Books::open(spawn_app());
    let order = json!({
        "customer": {"id": books.customer},
        "orderDate": "2026-03-01",
        "deliveryDate": "2026-03-01",
        "orderLines": [{"count": 2, "unitPriceExcludingVatCurrency": 100, "vatType": {"id": 3}}]
    });
    let body = json!({"invoiceDate": "2026-03-02", "invoiceDueDate": "2026-03-16", "orders": [order]});
    let made = books.call(Method::POST, "/v2/invoice", Some(body));
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["value"]["amount"].as_f64(), Some(250.0));
    let order_id = made.body["value"]["orders"][0]["id"]
        .as_i64()
        .expect("the new order's id");
    let read = books.call(
        Method::GET,
        &format!("/v2/order/{order_id}?fields=id,isClosed,customer"),
        None,
    );
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["value"]["isClosed"], json!(true));
    assert_eq!(read.body["value"]["customer"]["id"].as_i64(), Some(books.customer));
    let voucher = made.body["value"]["voucher"]["id"].as_i64().expect("a voucher");
    assert_eq!(
        books.voucher_postings(voucher),
        vec![
            (1500, 250.0, 250.0, false),
            (3000, -200.0, -250.0, false),
            (2700, -50.0, -50.0, true)
        ]
    );
    let orders_before = books.call(Method::GET, "/v2/order?count=1000&fields=id", None).body["fullResultSize"].clone();
    let without_customer = json!({"invoiceDate": "2026-03-02", "invoiceDueDate": "2026-03-16",
        "orders": [{"orderDate": "2026-03-01", "deliveryDate": "2026-03-01"}]});
    let refused = books.call(Method::POST, "/v2/invoice", Some(without_customer));
    assert_eq!(refused.status, 422, "{}", refused.body);
    let orders_after = books.call(Method::GET, "/v2/order?count=1000&fields=id", None).body["fullResultSize"].clone();
    assert_eq!(orders_before, orders_after, "a refused invoice leaves no order behind");
}

#[test]
fn a_payment_moves_the_receivable_to_the_bank_and_a_credit_note_turns_the_invoice_round() {
    let books = Books::open(spawn_app());
    let invoice = books.invoice(&[(1.0, 1000.0, 3)]);
    let id = invoice["id"].as_i64().unwrap();
    let before = books.postings().len();
    let paid = books.pay(id, 500.0);
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.body["value"]["amountOutstanding"].as_f64(), Some(750.0));
    let after: Vec<_> = books.postings().into_iter().skip(before).collect();
    let booked: Vec<(i64, f64)> = after.iter().map(|p| (p.2, p.3)).collect();
    assert_eq!(
        booked,
        vec![(books.account(1920), 500.0), (books.account(1500), -500.0)]
    );

    let note = books.call(
        Method::PUT,
        &format!("/v2/invoice/{id}/:createCreditNote?date=2026-03-20"),
        None,
    );
    assert_eq!(note.status, 200, "{}", note.body);
    let voucher = note.body["value"]["voucher"]["id"]
        .as_i64()
        .expect("the note points at its voucher");
    assert_eq!(
        books.voucher_postings(voucher),
        vec![
            (1500, -1250.0, -1250.0, false),
            (3000, 1000.0, 1250.0, false),
            (2700, 250.0, 250.0, true)
        ]
    );
}

#[test]
fn a_manual_voucher_with_input_vat_is_booked_net_and_can_be_sent_back_as_read() {
    let books = Books::open(spawn_app());
    let sent = json!({"date": "2026-03-19", "description": "Kontorrekvisita", "postings": [
        {"row": 1, "account": {"id": books.account(6800)}, "amountGross": 2700, "vatType": {"id": 1}},
        {"row": 2, "account": {"id": books.account(2400)}, "amountGross": -2700}
    ]});
    let made = books.call(Method::POST, "/v2/ledger/voucher", Some(sent));
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["value"]["id"].as_i64().unwrap();
    let expected = vec![
        (6800, 2160.0, 2700.0, false),
        (2400, -2700.0, -2700.0, false),
        (2710, 540.0, 540.0, true),
    ];
    assert_eq!(books.voucher_postings(id), expected);
    let read = books.call(
        Method::GET,
        &format!("/v2/ledger/voucher/{id}?fields=*,postings(*)"),
        None,
    );
    let again = books.call(
        Method::PUT,
        &format!("/v2/ledger/voucher/{id}"),
        Some(read.body["value"].clone()),
    );
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(books.voucher_postings(id), expected, "the VAT row is made anew, once");
}

#[test]
fn a_vouchers_postings_can_be_filtered_to_any_field_of_the_posting_model() {
    let books = Books::open(spawn_app());
    let sent = json!({"date": "2026-03-10", "description": "Kontanter", "postings": [
        {"row": 1, "account": {"id": books.account(1920)}, "amountGross": 100},
        {"row": 2, "account": {"id": books.account(3000)}, "amountGross": -100}
    ]});
    let made = books.call(Method::POST, "/v2/ledger/voucher", Some(sent));
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["value"]["id"].as_i64().unwrap();
    let read = books.call(
        Method::GET,
        &format!("/v2/ledger/voucher/{id}?fields=postings(id,invoiceNumber,amount,account(number))"),
        None,
    );
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["value"]["postings"][0]["account"]["number"], 1920);
    assert!(
        read.body["value"]["postings"][0].get("invoiceNumber").is_some(),
        "{}",
        read.body
    );
}

#[test]
fn a_voucher_on_row_zero_is_refused_and_books_nothing() {
    let books = Books::open(spawn_app());
    let before = books.postings().len();
    let refused = books.call(
        Method::POST,
        "/v2/ledger/voucher",
        Some(json!({"date": "2026-03-19", "description": "x", "postings": [
            {"row": 0, "account": {"id": books.account(6800)}, "amountGross": 10},
            {"row": 1, "account": {"id": books.account(1920)}, "amountGross": -10}
        ]})),
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.body["validationMessages"][0]["field"], "postings.row");
    assert_eq!(books.postings().len(), before);
}

#[test]
fn the_balance_sheet_carries_balance_accounts_over_and_starts_result_accounts_each_year() {
    let books = Books::open(spawn_app());
    for (date, amount) in [("2025-12-15", 100), ("2026-02-10", 40)] {
        let made = books.call(
            Method::POST,
            "/v2/ledger/voucher",
            Some(json!({"date": date, "description": "salg", "postings": [
                {"row": 1, "account": {"id": books.account(1920)}, "amountGross": amount},
                {"row": 2, "account": {"id": books.account(3000)}, "amountGross": -amount}
            ]})),
        );
        assert_eq!(made.status, 201, "{}", made.body);
    }
    let sheet = books.call(
        Method::GET,
        "/v2/balanceSheet?dateFrom=2026-01-01&dateTo=2026-03-01&fields=account(number),balanceIn,balanceChange,balanceOut",
        None,
    );
    assert_eq!(sheet.status, 200, "{}", sheet.body);
    let rows: Vec<(i64, f64, f64, f64)> = sheet.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["account"]["number"].as_i64().unwrap(),
                r["balanceIn"].as_f64().unwrap(),
                r["balanceChange"].as_f64().unwrap(),
                r["balanceOut"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, vec![(1920, 100.0, 40.0, 140.0), (3000, 0.0, -40.0, -40.0)]);
    let missing = books.call(Method::GET, "/v2/balanceSheet?dateFrom=2026-01-01", None);
    assert_eq!(missing.status, 422, "{}", missing.body);

    let ledger = books.call(
        Method::GET,
        "/v2/ledger?dateFrom=2026-01-01&dateTo=2026-03-01&fields=account(number),openingBalance,sumAmount,closingBalance,postings",
        None,
    );
    assert_eq!(ledger.status, 200, "{}", ledger.body);
    assert_eq!(ledger.body["values"][0]["account"]["number"], 1920);
    assert_eq!(ledger.body["values"][0]["closingBalance"].as_f64(), Some(140.0));
    assert_eq!(ledger.body["values"][0]["postings"].as_array().map(Vec::len), Some(1));
}

/// One step of a sequence the properties run.
#[derive(Debug, Clone)]
enum Step {
    Invoice(Vec<(u8, u16, bool)>),
    Pay { invoice: usize, cents: u32 },
    Credit { invoice: usize },
    Voucher { cents: u32, vat: bool },
    Reverse { voucher: usize },
    Unbalanced { cents: u32 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        prop::collection::vec((1u8..5, 1u16..2000, any::<bool>()), 1..4).prop_map(Step::Invoice),
        (0usize..4, 1u32..300_000).prop_map(|(invoice, cents)| Step::Pay { invoice, cents }),
        (0usize..4).prop_map(|invoice| Step::Credit { invoice }),
        (1u32..1_000_000, any::<bool>()).prop_map(|(cents, vat)| Step::Voucher { cents, vat }),
        (0usize..4).prop_map(|voucher| Step::Reverse { voucher }),
        (1u32..100_000).prop_map(|cents| Step::Unbalanced { cents }),
    ]
}

/// What the sequence did, as the properties check it: per invoice its amount, payments and
/// whether it was credited.
#[derive(Default)]
struct Expected {
    invoices: Vec<(i64, i64, i64, bool)>,
    vouchers: Vec<i64>,
}

fn run(books: &Books, step: &Step, expected: &mut Expected) {
    match step {
        Step::Invoice(lines) => {
            let lines: Vec<(f64, f64, i64)> = lines
                .iter()
                .map(|(count, price, vat)| (f64::from(*count), f64::from(*price) / 4.0, if *vat { 3 } else { 5 }))
                .collect();
            let invoice = books.invoice(&lines);
            let amount = cents(invoice["amount"].as_f64().unwrap());
            expected
                .invoices
                .push((invoice["id"].as_i64().unwrap(), amount, 0, false));
        }
        Step::Pay { invoice, cents: paid } => {
            let Some(entry) = expected.invoices.get_mut(*invoice) else {
                return;
            };
            let reply = books.pay(entry.0, f64::from(*paid) / 100.0);
            assert_eq!(reply.status, 200, "{}", reply.body);
            entry.2 += i64::from(*paid);
        }
        Step::Credit { invoice } => {
            let Some(entry) = expected.invoices.get_mut(*invoice) else {
                return;
            };
            let reply = books.call(
                Method::PUT,
                &format!("/v2/invoice/{}/:createCreditNote?date=2026-03-20", entry.0),
                None,
            );
            assert_eq!(reply.status, if entry.3 { 422 } else { 200 }, "{}", reply.body);
            entry.3 = true;
        }
        Step::Voucher { cents: amount, vat } => {
            let amount = f64::from(*amount) / 100.0;
            let vat_type = if *vat { json!({"id": 1}) } else { Value::Null };
            let made = books.call(
                Method::POST,
                "/v2/ledger/voucher",
                Some(json!({"date": "2026-04-01", "description": "kjøp", "postings": [
                    {"row": 1, "account": {"id": books.account(6800)}, "amountGross": amount, "vatType": vat_type},
                    {"row": 2, "account": {"id": books.account(2400)}, "amountGross": -amount}
                ]})),
            );
            assert_eq!(made.status, 201, "{}", made.body);
            expected.vouchers.push(made.body["value"]["id"].as_i64().unwrap());
        }
        Step::Reverse { voucher } => {
            let Some(id) = expected.vouchers.get(*voucher).copied() else {
                return;
            };
            let reply = books.call(
                Method::PUT,
                &format!("/v2/ledger/voucher/{id}/:reverse?date=2026-04-02"),
                None,
            );
            assert!(matches!(reply.status, 200 | 422), "{}", reply.body);
        }
        Step::Unbalanced { cents: amount } => {
            let before = books.postings().len();
            let amount = f64::from(*amount) / 100.0;
            let refused = books.call(
                Method::POST,
                "/v2/ledger/voucher",
                Some(json!({"date": "2026-04-01", "description": "skjev", "postings": [
                    {"row": 1, "account": {"id": books.account(6800)}, "amountGross": amount},
                    {"row": 2, "account": {"id": books.account(2400)}, "amountGross": -amount - 1.0}
                ]})),
            );
            assert_eq!(refused.status, 422, "{}", refused.body);
            assert_eq!(books.postings().len(), before, "a refused voucher books nothing");
        }
    }
}

/// The properties every state of the books has.
fn check(books: &Books, expected: &Expected) -> Result<(), TestCaseError> {
    let postings = books.postings();
    let mut per_voucher: HashMap<i64, i64> = HashMap::new();
    let mut per_account: HashMap<i64, i64> = HashMap::new();
    for (_, voucher, account, amount) in &postings {
        *per_voucher.entry(*voucher).or_default() += cents(*amount);
        *per_account.entry(*account).or_default() += cents(*amount);
    }
    for (voucher, sum) in &per_voucher {
        prop_assert_eq!(*sum, 0, "voucher {} does not balance", voucher);
    }
    let sheet = books.balance_changes();
    for (account, sum) in &per_account {
        prop_assert_eq!(
            cents(sheet.get(account).copied().unwrap_or(0.0)),
            *sum,
            "account {}",
            account
        );
    }
    let mut unpaid = 0;
    for (invoice, amount, paid, credited) in &expected.invoices {
        let outstanding = cents(books.outstanding(*invoice));
        let expected_outstanding = amount - paid - if *credited { *amount } else { 0 };
        prop_assert_eq!(outstanding, expected_outstanding, "invoice {}", invoice);
        unpaid += outstanding;
    }
    let open: i64 = books.open_posts(1500).iter().map(|amount| cents(*amount)).sum();
    prop_assert_eq!(
        open,
        unpaid,
        "the open posts on 1500 are what the invoices have outstanding"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, max_shrink_iters: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_books_balance_after_any_sequence_of_bookings(steps in prop::collection::vec(step(), 1..10)) {
        let books = Books::open(spawn_app());
        let mut expected = Expected::default();
        for step in &steps {
            run(&books, step, &mut expected);
        }
        check(&books, &expected)?;
    }
}

/// The (account number, amount) rows of every posting whose voucher has `description`.
fn booked_as(books: &Books, description: &str) -> Vec<(i64, f64)> {
    let numbers: HashMap<i64, i64> = books.accounts.iter().map(|(n, id)| (*id, *n)).collect();
    let read = books.call(
        Method::GET,
        "/v2/ledger/posting?dateFrom=2026-01-01&dateTo=2027-01-01&count=10000&fields=account,amount,voucher(description)",
        None,
    );
    read.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["voucher"]["description"] == description)
        .map(|p| {
            (
                numbers[&p["account"]["id"].as_i64().unwrap()],
                p["amount"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn first_id(books: &Books, path: &str) -> i64 {
    books.call(Method::GET, &format!("{path}?count=1&fields=id"), None).body["values"][0]["id"]
        .as_i64()
        .unwrap()
}

#[test]
fn an_approved_travel_expense_books_its_costs_and_per_diem_and_unapproving_reverses_them() {
    let books = Books::open(spawn_app());
    let employee = first_id(&books, "/v2/employee");
    let categories = books.call(
        Method::GET,
        "/v2/travelExpense/costCategory?count=100&fields=id,account",
        None,
    );
    let category = categories.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["account"]["id"].as_i64() == Some(books.account(7140)))
        .expect("a cost category on 7140")["id"]
        .clone();
    let payment_type = first_id(&books, "/v2/travelExpense/paymentType");
    let made = |path: &str, body: Value| {
        let reply = books.call(Method::POST, path, Some(body));
        assert_eq!(reply.status, 201, "{path}: {}", reply.body);
        reply.body["value"]["id"].as_i64().unwrap()
    };
    let expense = made(
        "/v2/travelExpense",
        json!({"employee": {"id": employee}, "title": "Bergen"}),
    );
    made(
        "/v2/travelExpense/cost",
        json!({"travelExpense": {"id": expense}, "costCategory": {"id": category}, "paymentType": {"id": payment_type},
               "amountCurrencyIncVat": 1250, "vatType": {"id": 1}}),
    );
    made(
        "/v2/travelExpense/perDiemCompensation",
        json!({"travelExpense": {"id": expense}, "location": "Bergen", "count": 2, "rate": 400}),
    );
    for step in ["deliver", "approve"] {
        let moved = books.call(Method::PUT, &format!("/v2/travelExpense/:{step}?id={expense}"), None);
        assert_eq!(moved.status, 200, "{step}: {}", moved.body);
    }
    assert_eq!(
        booked_as(&books, "Reiseregning Bergen"),
        vec![(7140, 1000.0), (7140, 800.0), (2910, -2050.0), (2710, 250.0)]
    );
    let unapproved = books.call(Method::PUT, &format!("/v2/travelExpense/:unapprove?id={expense}"), None);
    assert_eq!(unapproved.status, 200, "{}", unapproved.body);
    let sums: HashMap<i64, i64> = books.postings().iter().fold(HashMap::new(), |mut sums, p| {
        *sums.entry(p.2).or_default() += cents(p.3);
        sums
    });
    assert!(
        sums.values().all(|sum| *sum == 0),
        "the reversal undoes the booking: {sums:?}"
    );
}

#[test]
fn a_salary_run_books_pay_tax_withheld_and_the_employer_contribution() {
    let books = Books::open(spawn_app());
    let employee = first_id(&books, "/v2/employee");
    let run = books.call(
        Method::POST,
        "/v2/salary/transaction",
        Some(json!({"date": "2026-03-31", "year": 2026, "month": 3, "payslips": [
            {"employee": {"id": employee}, "specifications": [{"rate": 45000, "count": 1}, {"amount": 5000}]}
        ]})),
    );
    assert_eq!(run.status, 201, "{}", run.body);
    assert_eq!(
        booked_as(&books, "Lønnsbilag"),
        vec![
            (5000, 50000.0),
            (2600, -15000.0),
            (2930, -35000.0),
            (5400, 7050.0),
            (2770, -7050.0)
        ]
    );
    let unknown = books.call(
        Method::POST,
        "/v2/salary/transaction",
        Some(json!({"date": "2026-03-31", "year": 2026, "month": 3, "payslips": [{"employee": {"id": 1}, "specifications": []}]})),
    );
    assert_eq!(unknown.status, 422, "an unknown employee: {}", unknown.body);
}

#[test]
fn a_supplier_invoice_sent_to_the_ledger_books_cost_input_vat_and_the_payable() {
    let books = Books::open(spawn_app());
    let supplier = first_id(&books, "/v2/supplier");
    let sent = books.call(
        Method::POST,
        "/v2/incomingInvoice?sendTo=ledger",
        Some(json!({"invoiceHeader": {"vendorId": supplier, "invoiceDate": "2026-03-05", "invoiceNumber": "F-77", "invoiceAmount": 2500},
                    "orderLines": [{"row": 1, "accountId": books.account(6800), "amountInclVat": 2500, "vatTypeId": 1}]})),
    );
    assert_eq!(sent.status, 201, "{}", sent.body);
    assert_eq!(
        booked_as(&books, "Leverandørfaktura F-77"),
        vec![(6800, 2000.0), (2400, -2500.0), (2710, 500.0)]
    );
    let inbox = books.call(
        Method::POST,
        "/v2/incomingInvoice",
        Some(json!({"invoiceHeader": {"vendorId": supplier, "invoiceNumber": "F-78"},
                    "orderLines": [{"row": 1, "accountId": books.account(6800), "amountInclVat": 100}]})),
    );
    assert_eq!(inbox.status, 201, "{}", inbox.body);
    assert!(
        booked_as(&books, "Leverandørfaktura F-78").is_empty(),
        "the inbox books nothing"
    );
}

#[test]
fn the_months_of_2026_are_accounting_periods_found_by_date_and_a_reconciliation_names_one() {
    let books = Books::open(spawn_app());
    let found = books.call(
        Method::GET,
        "/v2/ledger/accountingPeriod?startTo=2026-03-21&endFrom=2026-03-21&fields=id,start,end,number",
        None,
    );
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.body["fullResultSize"], 1, "{}", found.body);
    let march = &found.body["values"][0];
    assert_eq!(
        (march["start"].as_str(), march["end"].as_str()),
        (Some("2026-03-01"), Some("2026-04-01"))
    );
    assert_eq!(march["number"], 3);
    let before = books.call(
        Method::GET,
        "/v2/ledger/accountingPeriod?startTo=2025-06-30&endFrom=2025-06-30",
        None,
    );
    assert_eq!(before.body["fullResultSize"], 0, "{}", before.body);
    let all = books.call(Method::GET, "/v2/ledger/accountingPeriod", None);
    assert_eq!(all.body["fullResultSize"], 12, "{}", all.body);
    let reconciliation = books.call(
        Method::POST,
        "/v2/bank/reconciliation",
        Some(
            json!({"account": {"id": books.account(1920)}, "accountingPeriod": {"id": march["id"]}, "type": "MANUAL"}),
        ),
    );
    assert_eq!(reconciliation.status, 201, "{}", reconciliation.body);
}

#[test]
fn open_posts_are_the_postings_of_invoices_not_yet_settled() {
    let books = Books::open(spawn_app());
    let paid = books.invoice(&[(1.0, 800.0, 3)]);
    let partly = books.invoice(&[(1.0, 400.0, 3)]);
    assert_eq!(books.pay(paid["id"].as_i64().unwrap(), 1000.0).status, 200);
    assert_eq!(books.pay(partly["id"].as_i64().unwrap(), 100.0).status, 200);
    assert_eq!(
        books.open_posts(1500),
        vec![500.0, -100.0],
        "the partly paid invoice and its payment"
    );
    let before = books.call(
        Method::GET,
        &format!(
            "/v2/ledger/posting/openPost?date=2026-03-05&accountId={}&fields=amount",
            books.account(1500)
        ),
        None,
    );
    assert_eq!(
        before.body["fullResultSize"], 2,
        "before the payments both invoices are open: {}",
        before.body
    );
    let missing = books.call(Method::GET, "/v2/ledger/posting/openPost", None);
    assert_eq!(missing.status, 422, "{}", missing.body);
    let note = books.call(
        Method::PUT,
        &format!("/v2/invoice/{}/:createCreditNote?date=2026-03-20", partly["id"]),
        None,
    );
    assert_eq!(note.status, 200, "{}", note.body);
    // Credited after a payment of 100: the three postings of the invoice stay open, owing 100 back.
    assert_eq!(books.open_posts(1500), vec![500.0, -100.0, -500.0]);
}

/// An account locked to a VAT type (2400, recorded locked to code 0) refuses a posting naming
/// another; the voucher is not booked.
#[test]
fn a_posting_on_a_vat_locked_account_keeps_its_vat_type() {
    let books = Books::open(spawn_app());
    let sent = json!({"date": "2026-03-19", "description": "Feil mva", "postings": [
        {"row": 1, "account": {"id": books.account(6800)}, "amountGross": 2700},
        {"row": 2, "account": {"id": books.account(2400)}, "amountGross": -2700, "vatType": {"id": 1}}
    ]});
    let refused = books.call(Method::POST, "/v2/ledger/voucher", Some(sent));
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(
        refused.body["validationMessages"][0]["message"], "Konto 2400 er låst til mva-kode 0.",
        "{}",
        refused.body
    );
    let listed = books.call(
        Method::GET,
        "/v2/ledger/voucher?dateFrom=2026-03-19&dateTo=2026-03-20&fields=id",
        None,
    );
    assert_eq!(listed.body["fullResultSize"], 0, "{}", listed.body);
    let own = json!({"date": "2026-03-19", "description": "Riktig mva", "postings": [
        {"row": 1, "account": {"id": books.account(6800)}, "amountGross": 2700},
        {"row": 2, "account": {"id": books.account(2400)}, "amountGross": -2700, "vatType": {"id": 0}}
    ]});
    let made = books.call(Method::POST, "/v2/ledger/voucher", Some(own));
    assert_eq!(made.status, 201, "{}", made.body);
}
