//! Money in and out beyond the plain invoice, over HTTP: invoices in a foreign currency and the
//! exchange loss, reminders, supplier invoices paid, bank statements imported and matched — and
//! how each refuses malformed calls without booking anything.

use crate::helpers::{Reply, TestApp, basic, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

struct Books {
    app: TestApp,
    session: String,
}

impl Books {
    fn open() -> Self {
        let app = spawn_app();
        let session = app.session_with_everything();
        Self { app, session }
    }

    fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.app.call_as(method, "0", &self.session, path, body.as_ref())
    }

    fn id(&self, path: &str) -> i64 {
        let reply = self.call(Method::GET, path, None);
        reply.body["values"][0]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("{path}: {}", reply.body))
    }

    /// The number of vouchers the company holds: a refused operation must not change it.
    fn vouchers(&self) -> usize {
        let reply = self.call(
            Method::GET,
            "/v2/ledger/voucher?dateFrom=2000-01-01&dateTo=2100-01-01&fields=id&count=10000",
            None,
        );
        reply.body["fullResultSize"].as_u64().unwrap_or_default() as usize
    }

    /// An invoice of one order line (`price` excluding VAT, no VAT) in `currency`, dated `date`.
    fn invoice(&self, currency: i64, price: f64, date: &str) -> Value {
        let bank = self.id("/v2/ledger/account?number=1920&fields=id");
        let registered = self.call(
            Method::PUT,
            &format!("/v2/ledger/account/{bank}"),
            Some(json!({"bankAccountNumber": "15030012345"})),
        );
        assert_eq!(registered.status, 200, "{}", registered.body);
        let customer = self.id("/v2/customer?count=1&fields=id");
        let order = self.call(
            Method::POST,
            "/v2/order",
            Some(json!({"customer": {"id": customer}, "orderDate": date, "deliveryDate": date, "currency": {"id": currency},
                        "orderLines": [{"count": 1, "unitPriceExcludingVatCurrency": price, "vatType": {"id": 6}}]})),
        );
        assert_eq!(order.status, 201, "{}", order.body);
        let id = order.body["value"]["id"].as_i64().unwrap();
        let invoiced = self.call(
            Method::PUT,
            &format!("/v2/order/{id}/:invoice?invoiceDate={date}"),
            None,
        );
        assert_eq!(invoiced.status, 200, "{}", invoiced.body);
        invoiced.body["value"].clone()
    }

    fn bank_payment_type(&self) -> i64 {
        self.id("/v2/invoice/paymentType?description=Betalt%20til%20bank&fields=id")
    }
}

fn assert_refused(reply: &Reply, status: u16, field: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    let named = reply.body["validationMessages"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| {
            m["field"] == field
                || m["field"] == format!("arg:{field}")
                || m["field"].as_str().is_some_and(|f| f.ends_with(field))
        });
    assert!(named || field.is_empty(), "no message on {field}: {}", reply.body);
}

#[test]
fn an_invoice_in_dollars_paid_at_a_worse_rate_books_an_exchange_loss() {
    let books = Books::open();
    let usd = books.id("/v2/currency?code=USD&fields=id");
    let rate = books.call(Method::GET, &format!("/v2/currency/{usd}/rate?date=2026-05-01"), None);
    assert_eq!(rate.body["value"]["rate"], 10.2, "{}", rate.body);
    let in_nok = books.call(
        Method::GET,
        &format!("/v2/currency/{usd}/exchangeRate?amount=100&date=2026-05-01"),
        None,
    );
    assert_eq!(in_nok.body["value"], 1020.0, "{}", in_nok.body);
    let eur = books.id("/v2/currency?code=EUR&fields=id");
    let in_euro = books.call(
        Method::GET,
        &format!("/v2/currency/{usd}/{eur}/exchangeRate?amount=100&date=2026-05-01"),
        None,
    );
    assert_eq!(
        in_euro.body["value"], 87.55,
        "USD 100 at 10.20 is NOK 1020, EUR 87.55 at 11.65: {}",
        in_euro.body
    );
    let unknown_target = books.call(
        Method::GET,
        &format!("/v2/currency/{usd}/999999/exchangeRate?amount=100&date=2026-05-01"),
        None,
    );
    assert_eq!(unknown_target.status, 404, "{}", unknown_target.body);

    let invoice = books.invoice(usd, 500.0, "2026-05-04");
    assert_eq!(
        (invoice["amountCurrency"].as_f64(), invoice["amount"].as_f64()),
        (Some(500.0), Some(5100.0))
    );
    let id = invoice["id"].as_i64().unwrap();
    let paid = books.call(
        Method::PUT,
        &format!(
            "/v2/invoice/{id}/:payment?paymentDate=2026-05-20&paymentTypeId={}&paidAmount=4950&paidAmountCurrency=500",
            books.bank_payment_type()
        ),
        None,
    );
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.body["value"]["amountOutstanding"], 0.0);
    let loss = books.call(
        Method::GET,
        "/v2/ledger/posting?dateFrom=2026-05-20&dateTo=2026-05-21&accountNumberFrom=8160&accountNumberTo=8160&fields=amount",
        None,
    );
    assert_eq!(loss.body["values"][0]["amount"], 150.0, "{}", loss.body);
}

#[test]
fn rates_of_unknown_currencies_and_malformed_rate_calls_are_refused() {
    let books = Books::open();
    let usd = books.id("/v2/currency?code=USD&fields=id");
    let no_date = books.call(Method::GET, &format!("/v2/currency/{usd}/rate"), None);
    assert_eq!(
        (no_date.status, no_date.body["code"].as_u64()),
        (422, Some(15000)),
        "{}",
        no_date.body
    );
    let bad_amount = books.call(
        Method::GET,
        &format!("/v2/currency/{usd}/exchangeRate?amount=ti&date=2026-05-01"),
        None,
    );
    assert_eq!(
        (bad_amount.status, bad_amount.body["code"].as_u64()),
        (422, Some(21000)),
        "{}",
        bad_amount.body
    );
    let unknown = books.call(Method::GET, "/v2/currency/999999/rate?date=2026-05-01", None);
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}

#[test]
fn a_reminder_is_refused_when_malformed_early_or_for_a_paid_invoice_and_books_nothing() {
    let books = Books::open();
    let invoice = books.invoice(1, 1000.0, "2026-02-02");
    let id = invoice["id"].as_i64().unwrap();
    let before = books.vouchers();
    let no_type = books.call(
        Method::PUT,
        &format!("/v2/invoice/{id}/:createReminder?date=2026-04-01"),
        None,
    );
    assert_eq!(
        (no_type.status, no_type.body["code"].as_u64()),
        (422, Some(15000)),
        "{}",
        no_type.body
    );
    let bad_type = books.call(
        Method::PUT,
        &format!("/v2/invoice/{id}/:createReminder?type=ANGRY&date=2026-04-01"),
        None,
    );
    assert_refused(&bad_type, 422, "type");
    let bad_flag = books.call(
        Method::PUT,
        &format!("/v2/invoice/{id}/:createReminder?type=REMINDER&date=2026-04-01&includeCharge=ja"),
        None,
    );
    assert_eq!(
        (bad_flag.status, bad_flag.body["code"].as_u64()),
        (422, Some(21000)),
        "{}",
        bad_flag.body
    );
    let early = books.call(
        Method::PUT,
        &format!("/v2/invoice/{id}/:createReminder?type=REMINDER&date=2026-02-03&includeCharge=true"),
        None,
    );
    assert_refused(&early, 422, "date");
    assert_eq!(books.vouchers(), before, "a refused reminder booked a fee");

    let soft = books.call(
        Method::PUT,
        &format!("/v2/invoice/{id}/:createReminder?type=SOFT_REMINDER&date=2026-04-01&includeCharge=true&includeInterest=true"),
        None,
    );
    assert_eq!(soft.status, 200, "{}", soft.body);
    assert_eq!(books.vouchers(), before, "a soft reminder carries no fee to book");
    let reminder = soft.body["value"].as_i64().unwrap();
    let shown = books.call(
        Method::GET,
        &format!("/v2/reminder/{reminder}?fields=charge,interests,type"),
        None,
    );
    assert_eq!(shown.body["value"]["charge"], 0.0, "{}", shown.body);
    assert_eq!(shown.body["value"]["type"], "SOFT_REMINDER");
    assert!(
        shown.body["value"]["interests"].as_f64().unwrap() > 0.0,
        "{}",
        shown.body
    );

    let paid = books.call(
        Method::PUT,
        &format!(
            "/v2/invoice/{id}/:payment?paymentDate=2026-04-02&paymentTypeId={}&paidAmount=1000",
            books.bank_payment_type()
        ),
        None,
    );
    assert_eq!(paid.status, 200, "{}", paid.body);
    let after_paid = books.call(
        Method::PUT,
        &format!("/v2/invoice/{id}/:createReminder?type=REMINDER&date=2026-04-10"),
        None,
    );
    assert_refused(&after_paid, 422, "date");
}

#[test]
fn a_supplier_invoice_payment_without_a_payment_type_or_for_no_invoice_is_refused() {
    let books = Books::open();
    let missing = books.call(Method::POST, "/v2/supplierInvoice/1/:addPayment?amount=10", None);
    assert_eq!(
        (missing.status, missing.body["code"].as_u64()),
        (422, Some(15000)),
        "{}",
        missing.body
    );
    let paid_from = books.id("/v2/ledger/paymentTypeOut?fields=id");
    let nothing = books.call(
        Method::POST,
        &format!("/v2/supplierInvoice/999999/:addPayment?paymentType={paid_from}"),
        None,
    );
    assert_eq!(nothing.status, 404, "{}", nothing.body);
    let not_a_number = books.call(Method::POST, "/v2/supplierInvoice/1/:addPayment?paymentType=bank", None);
    assert_eq!(
        (not_a_number.status, not_a_number.body["code"].as_u64()),
        (422, Some(21000)),
        "{}",
        not_a_number.body
    );
}

/// A `multipart/form-data` body with one part.
fn form(part_name: &str, file_name: &str, text: &str) -> (String, Vec<u8>) {
    let body = format!(
        "--B0UND\r\nContent-Disposition: form-data; name=\"{part_name}\"; filename=\"{file_name}\"\r\n\r\n{text}\r\n--B0UND--\r\n"
    );
    ("multipart/form-data; boundary=B0UND".into(), body.into_bytes())
}

const DNB: &str = "Konto;Kontonavn;Inngående saldo;Utgående saldo;Bokført dato;Forklarende tekst;Ut;Inn\n\
                   1503;Drift;100,00;1 100,00;03.03.2026;Innbetaling;;1 000,00\n";

#[test]
fn a_bank_statement_must_be_a_readable_file_of_its_format_sent_as_a_form() {
    let books = Books::open();
    let bank = books.id("/v2/ledger/account?number=1920&fields=id");
    let import = |format: &str, content: Option<(String, Vec<u8>)>| {
        let path = format!(
            "/v2/bank/statement/import?bankId=0&accountId={bank}&fromDate=2026-03-01&toDate=2026-03-31&fileFormat={format}"
        );
        let mut request = books
            .app
            .request(Method::POST, &path)
            .header("Authorization", basic("0", &books.session));
        if let Some((content_type, bytes)) = content {
            request = request.header("Content-Type", content_type).body(bytes);
        }
        books.app.send(request)
    };
    let as_json = books.call(
        Method::POST,
        &format!("/v2/bank/statement/import?bankId=0&accountId={bank}&fromDate=2026-03-01&toDate=2026-03-31&fileFormat=DNB_CSV"),
        Some(json!({"file": DNB})),
    );
    assert_eq!(as_json.status, 400, "{}", as_json.body);
    let no_file_part = import("DNB_CSV", Some(form("statement", "a.csv", DNB)));
    assert_eq!(no_file_part.status, 400, "{}", no_file_part.body);
    let wrong_format = import("DANSKE_BANK_CSV", Some(form("file", "a.csv", DNB)));
    assert_eq!(wrong_format.status, 422, "{}", wrong_format.body);
    let said = wrong_format.body["validationMessages"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        said.starts_with("Filen må inneholde følgende kolonner: Bokført dato, Rentedato"),
        "{said}"
    );
    let unread = import("ZTL", Some(form("file", "a.csv", DNB)));
    assert_eq!(unread.status, 422, "{}", unread.body);
    let bad_line = import(
        "DNB_CSV",
        Some(form("file", "a.csv", &DNB.replace("1 000,00", "tusen"))),
    );
    assert_eq!(bad_line.status, 422, "{}", bad_line.body);
    let no_dates = books.app.send(
        books
            .app
            .request(Method::POST, "/v2/bank/statement/import?bankId=0&fileFormat=DNB_CSV")
            .header("Authorization", basic("0", &books.session))
            .header("Content-Type", form("file", "a.csv", DNB).0)
            .body(form("file", "a.csv", DNB).1),
    );
    assert_eq!(
        (no_dates.status, no_dates.body["code"].as_u64()),
        (422, Some(15000)),
        "{}",
        no_dates.body
    );
    let none = books.call(Method::GET, "/v2/bank/statement?fields=id", None);
    assert_eq!(
        none.body["fullResultSize"], 0,
        "a refused import kept a statement: {}",
        none.body
    );

    let read = import("DNB_CSV", Some(form("file", "mars.csv", DNB)));
    assert_eq!(read.status, 201, "{}", read.body);
    assert_eq!(read.body["value"]["openingBalanceCurrency"], 100.0);
    assert_eq!(read.body["value"]["transactions"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_match_needs_postings_that_exist_and_suggestions_need_their_reconciliation() {
    let books = Books::open();
    let no_id = books.call(Method::PUT, "/v2/bank/reconciliation/match/:suggest", None);
    assert_eq!(
        (no_id.status, no_id.body["code"].as_u64()),
        (422, Some(15000)),
        "{}",
        no_id.body
    );
    let unknown = books.call(
        Method::PUT,
        "/v2/bank/reconciliation/match/:suggest?bankReconciliationId=999999",
        None,
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    let no_posting = books.call(
        Method::POST,
        "/v2/bank/reconciliation/match",
        Some(json!({"type": "MANUAL", "transactions": [], "postings": [{"id": 999999}]})),
    );
    assert_refused(&no_posting, 422, "postings");
    let not_json = books.call(Method::POST, "/v2/bank/reconciliation/match", Some(json!([1, 2])));
    assert!(not_json.status == 400 || not_json.status == 422, "{}", not_json.body);
}
