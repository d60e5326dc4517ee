//! Invoicing: an invoice made from orders (`POST /invoice`, `PUT /order/{id}/:invoice`), paid,
//! credited and sent.

use super::booking::{account_numbered, book};
use super::{
    argument, arguments_present, company_object, date_argument, def, id_argument, number_argument,
    optional_number_argument, whole,
};
use crate::actions::write::{CheckedNew, change, check_new, insert_booked, insert_new, save};
use crate::actions::{Actor, Answer, Input, check_access, load, owner_company};
use crate::domain::currency;
use crate::domain::invoice as rules;
use crate::domain::kind::Kind;
use crate::domain::ledger;
use crate::domain::resource;
use crate::store::{Db, StoredObject};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The account number whose bank account number an invoice needs (the company's bank account).
const BANK_ACCOUNT: i64 = 1920;

/// A new invoice of the acting company with the next invoice number.
fn insert_invoice(db: &Db<'_>, actor: &Actor, body: Map<String, Value>) -> Result<StoredObject, ApiError> {
    let invoice_def = def(Kind::Invoice)?;
    let highest = db.max_number(&invoice_def.path, actor.company)?;
    let invoice = StoredObject {
        id: actor.sandbox.next_id(),
        company_id: actor.company,
        version: 0,
        body: resource::new_object_body(invoice_def, body, highest)?,
        changes: vec![change(actor, "CREATE")],
    };
    db.insert_object(&invoice_def.path, &invoice)?;
    Ok(invoice)
}

/// The order lines of an invoice as its voucher books them, and the VAT rates they name.
struct BookedLines {
    lines: Vec<ledger::InvoiceLine>,
    rates: HashMap<i64, f64>,
}

/// The lines as booked, their amounts converted at `rate` NOK per unit of the invoice's currency.
fn booked_lines(db: &Db<'_>, lines: &[&Value], rate: f64) -> Result<BookedLines, ApiError> {
    let mut rates = HashMap::new();
    for id in lines.iter().filter_map(|l| rules::line_vat_type(l)) {
        if let std::collections::hash_map::Entry::Vacant(slot) = rates.entry(id) {
            let rate = db
                .object(Kind::VatType.path(), id)?
                .and_then(|v| v.body.get("percentage")?.as_f64());
            slot.insert(rate.unwrap_or(0.0));
        }
    }
    let mut booked = Vec::with_capacity(lines.len());
    for line in lines {
        let vat_type = rules::line_vat_type(line);
        let vat_percentage = vat_type.and_then(|id| rates.get(&id).copied()).unwrap_or(0.0);
        let (_, gross) = rules::line_amounts(line, |_| vat_percentage);
        let product = line.get("product").and_then(|p| p.get("id")).and_then(Value::as_i64);
        let account = match product {
            Some(id) => db
                .object(Kind::Product.path(), id)?
                .and_then(|p| p.body.get("account")?.get("id")?.as_i64()),
            None => None,
        };
        booked.push(ledger::InvoiceLine {
            gross: currency::in_company_currency(gross, rate),
            gross_currency: gross,
            vat_type,
            vat_percentage,
            account,
            product,
        });
    }
    Ok(BookedLines { lines: booked, rates })
}

/// Books an invoice's voucher (receivable, sales per line, VAT) and points the invoice at it.
fn book_invoice(
    db: &Db<'_>,
    actor: &Actor,
    invoice: &mut StoredObject,
    lines: &[ledger::InvoiceLine],
) -> Result<(), ApiError> {
    let field = |name: &str| invoice.body.get(name).cloned().unwrap_or(Value::Null);
    let number = field("invoiceNumber");
    let date = field("invoiceDate").as_str().unwrap_or_default().to_owned();
    let customer = field("customer").get("id").and_then(Value::as_i64);
    let number = number.as_i64().map(|n| n.to_string()).unwrap_or_default();
    let description = format!("Faktura nummer {number}");
    let entries = ledger::invoice_entries(customer, lines, (&number, &description));
    let voucher = book(db, actor, &date, (&description, "Utgående faktura"), entries)?;
    invoice.body.insert("voucher".into(), json!({ "id": voucher.id }));
    db.update_object(Kind::Invoice.path(), invoice)?;
    Ok(())
}

/// Creates an invoice for orders of the acting company in the open transaction, closing them.
fn invoice_orders(
    db: &Db<'_>,
    actor: &Actor,
    mut body: Map<String, Value>,
    order_ids: &[i64],
) -> Result<Value, ApiError> {
    let (invoice_def, order_def) = (def(Kind::Invoice)?, def(Kind::Order)?);
    let company = actor.company;
    check_access(invoice_def, actor, db)?;
    resource::required_fields_are_present(invoice_def, &body)?;
    rules::invoice_has_orders(order_ids)?;
    let bank = db
        .account_by_number(company, BANK_ACCOUNT)?
        .map(|id| db.object(Kind::Account.path(), id))
        .transpose()?
        .flatten()
        .and_then(|a| {
            a.body
                .get("bankAccountNumber")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    rules::company_has_bank_account(bank.as_deref())?;
    let mut orders = Vec::with_capacity(order_ids.len());
    for id in order_ids {
        let order = load(order_def, db, company, *id)?;
        rules::order_can_be_invoiced(*id, &order.body)?;
        orders.push(order);
    }
    let lines: Vec<&Value> = orders
        .iter()
        .flat_map(|o| o.body.get("orderLines").and_then(Value::as_array).into_iter().flatten())
        .collect();
    let first = |name: &str| orders.first().and_then(|o| o.body.get(name)).cloned();
    let currency_id = first("currency")
        .and_then(|c| c.get("id")?.as_i64())
        .unwrap_or(currency::COMPANY_CURRENCY);
    let rate = match currency_id == currency::COMPANY_CURRENCY {
        true => 1.0,
        false => super::currency::rate_of(db, currency_id)?,
    };
    let booked = booked_lines(db, &lines, rate)?;
    let percent = |id: i64| booked.rates.get(&id).copied().unwrap_or(0.0);
    let (excluding, including) = rules::amounts(&lines, percent);
    let including_nok = ledger::round(booked.lines.iter().map(|l| l.gross).sum());
    let excluding_nok = currency::in_company_currency(excluding, rate);
    for (name, value) in [
        ("amount", json!(including_nok)),
        ("amountCurrency", json!(including)),
        ("amountExcludingVat", json!(excluding_nok)),
        ("amountExcludingVatCurrency", json!(excluding)),
        ("amountOutstanding", json!(including_nok)),
        ("amountCurrencyOutstanding", json!(including)),
        ("amountOutstandingTotal", json!(including_nok)),
        ("amountCurrencyOutstandingTotal", json!(including)),
        ("currency", json!({ "id": currency_id })),
        ("customer", first("customer").unwrap_or(Value::Null)),
        (
            "orders",
            Value::Array(order_ids.iter().map(|id| json!({"id": id})).collect()),
        ),
    ] {
        body.insert(name.into(), value);
    }
    let mut invoice = insert_invoice(db, actor, body)?;
    book_invoice(db, actor, &mut invoice, &booked.lines)?;
    for mut order in orders {
        order.body.insert("isClosed".into(), json!(true));
        save(order_def, db, actor, &mut order)?;
    }
    whole(invoice_def, &actor.base, &invoice, db, company)
}

/// An order `POST /invoice` names: one that exists, or one written whole in the body.
enum SentOrder {
    Existing(i64),
    New(Box<(CheckedNew, Value)>),
}

/// The orders of a `POST /invoice` body in the order sent: an order with an `id` is one that
/// exists; one without is made first, as Tripletex makes it, checked as `POST /order` checks it.
fn sent_orders(body: &Value) -> Result<Vec<SentOrder>, ApiError> {
    let order_def = def(Kind::Order)?;
    let sent = body.get("orders").and_then(Value::as_array);
    Ok(sent
        .into_iter()
        .flatten()
        .map(|order| match order.get("id").and_then(Value::as_i64) {
            Some(id) => SentOrder::Existing(id),
            None => SentOrder::New(Box::new((check_new(order_def, order), order.clone()))),
        })
        .collect())
}

/// `POST /invoice` with `invoiceDate`, `invoiceDueDate` and `orders` (by id, or new ones whole).
pub async fn create(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let (invoice_def, order_def) = (def(Kind::Invoice)?, def(Kind::Order)?);
    let mut body = input.body.unwrap_or(Value::Null);
    let orders = sent_orders(&body)?;
    // The new orders are checked as orders; the invoice's own fields are checked without them.
    if let Some(sent) = body.get_mut("orders").and_then(Value::as_array_mut) {
        sent.retain(|order| order.get("id").is_some());
    }
    let (merged, _) = resource::merge_body(invoice_def, &invoice_def.template, &body)?;
    let value = actor
        .transaction(move |db, acting| {
            let mut order_ids = Vec::with_capacity(orders.len());
            for order in orders {
                order_ids.push(match order {
                    SentOrder::Existing(id) => id,
                    SentOrder::New(new) => {
                        let (checked, sent) = *new;
                        insert_new(order_def, db, acting, checked, &sent)?.0.id
                    }
                });
            }
            invoice_orders(db, acting, merged, &order_ids)
        })
        .await?;
    Ok(Answer::Value { status: 201, value })
}

/// `PUT /order/{id}/:invoice?invoiceDate=…`: invoices one order; the due date follows the order's terms.
pub async fn invoice_order(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let (invoice_def, order_def) = (def(Kind::Invoice)?, def(Kind::Order)?);
    arguments_present(
        &input.query,
        &["invoiceDate"],
        "PUT /order/{id}/:invoice needs the query argument invoiceDate (YYYY-MM-DD).",
    )?;
    let date = date_argument(&input.query, "invoiceDate", "PUT /order/{id}/:invoice")?;
    let id = input.id;
    let value = actor
        .transaction(move |db, acting| {
            let order = load(order_def, db, acting.company, id)?;
            let days = order.body.get("invoicesDueIn").and_then(Value::as_i64).unwrap_or(14);
            let due = rules::due_date_exists(date, days)?;
            let mut body = invoice_def.template.clone();
            body.insert("invoiceDate".into(), json!(date.to_string()));
            body.insert("invoiceDueDate".into(), json!(due.to_string()));
            invoice_orders(db, acting, body, &[id])
        })
        .await?;
    Ok(Answer::Value { status: 200, value })
}

/// `PUT /invoice/{id}/:payment?paymentDate&paymentTypeId&paidAmount`: the amount paid is taken off
/// what the invoice has outstanding.
pub async fn pay(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let invoice_def = def(Kind::Invoice)?;
    let operation = "PUT /invoice/{id}/:payment";
    let query = &input.query;
    arguments_present(
        query,
        &["paymentDate", "paymentTypeId", "paidAmount"],
        "PUT /invoice/{id}/:payment needs paymentDate, paymentTypeId and paidAmount.",
    )?;
    let date = date_argument(query, "paymentDate", operation)?.to_string();
    let payment_type = id_argument(query, "paymentTypeId", operation)?;
    let paid = number_argument(query, "paidAmount", operation)?;
    let paid_currency = optional_number_argument(query, "paidAmountCurrency", operation)?;
    let id = input.id;
    let value = actor
        .transaction(move |db, acting| {
            check_access(invoice_def, acting, db)?;
            let company = owner_company(invoice_def, acting);
            let mut invoice = load(invoice_def, db, company, id)?;
            let kind = company_object(db, Kind::InvoicePaymentType.path(), payment_type, company)?;
            rules::payment_type_exists(payment_type, kind.is_some())?;
            let paid_to = match kind.and_then(|t| t.body.get("debitAccount")?.get("id")?.as_i64()) {
                Some(account) => account,
                None => account_numbered(db, company, BANK_ACCOUNT)?,
            };
            let invoiced_field = |name: &str| invoice.body.get(name).and_then(Value::as_f64).unwrap_or_default();
            let invoiced = (invoiced_field("amount"), invoiced_field("amountCurrency"));
            let in_currency = rules::in_foreign_currency(&invoice.body);
            let paid_currency = rules::paid_in_invoice_currency(in_currency, paid, paid_currency)?;
            let settled = ledger::settled_at_invoice_rate((paid, paid_currency), invoiced);
            for (field, amount) in [
                ("amountOutstanding", settled),
                ("amountOutstandingTotal", settled),
                ("amountCurrencyOutstanding", paid_currency),
                ("amountCurrencyOutstandingTotal", paid_currency),
            ] {
                let outstanding = invoice.body.get(field).and_then(Value::as_f64).unwrap_or_default();
                let after = rules::outstanding_after(outstanding, amount);
                if !after.is_finite() {
                    return Err(ApiError::new(ErrorKind::Validation)
                        .with_developer_message(format!("paidAmount {amount} is beyond what an invoice can hold."))
                        .with_validation(vec![ValidationMessage::arg("paidAmount", "Ugyldig verdi.")]));
                }
                invoice.body.insert(field.into(), json!(after));
            }
            book_payment(db, acting, &invoice, paid_to, (paid, paid_currency), &date)?;
            save(invoice_def, db, acting, &mut invoice)?;
            whole(invoice_def, &acting.base, &invoice, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 200, value })
}

/// Books a payment of `invoice` into account `paid_to` on `date`.
fn book_payment(
    db: &Db<'_>,
    actor: &Actor,
    invoice: &StoredObject,
    paid_to: i64,
    paid: (f64, f64),
    date: &str,
) -> Result<(), ApiError> {
    let field = |name: &str| invoice.body.get(name).cloned().unwrap_or(Value::Null);
    let amounts = (
        field("amount").as_f64().unwrap_or_default(),
        field("amountCurrency").as_f64().unwrap_or_default(),
    );
    let customer = field("customer").get("id").and_then(Value::as_i64);
    let number = field("invoiceNumber")
        .as_i64()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let description = format!("Innbetaling faktura nummer {number}");
    let entries = ledger::payment_entries((customer, &number), paid_to, paid, amounts, &description);
    book(db, actor, date, (&description, "Betaling"), entries).map(|_| ())
}

/// `PUT /invoice/{id}/:createCreditNote?date`: a new invoice crediting the whole of this one.
pub async fn credit(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let invoice_def = def(Kind::Invoice)?;
    let date = date_argument(&input.query, "date", "PUT /invoice/{id}/:createCreditNote")?;
    let comment = input.query.get("comment").cloned().unwrap_or_default();
    let id = input.id;
    let value = actor
        .transaction(move |db, acting| {
            check_access(invoice_def, acting, db)?;
            let company = owner_company(invoice_def, acting);
            let mut original = load(invoice_def, db, company, id)?;
            rules::invoice_can_be_credited(id, &original.body)?;
            let body = rules::credit_note_of(&original.body, id, &date.to_string(), &comment);
            let mut note = insert_invoice(db, acting, body)?;
            book_credit_note(db, acting, &original, &mut note, &date.to_string())?;
            for (field, value) in rules::credited(&original.body) {
                original.body.insert(field.into(), value);
            }
            save(invoice_def, db, acting, &mut original)?;
            whole(invoice_def, &acting.base, &note, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 200, value })
}

/// Books a credit note: the voucher of the invoice it credits, turned round on its date.
fn book_credit_note(
    db: &Db<'_>,
    actor: &Actor,
    original: &StoredObject,
    note: &mut StoredObject,
    date: &str,
) -> Result<(), ApiError> {
    let voucher_def = def(Kind::Voucher)?;
    let booked = original
        .body
        .get("voucher")
        .and_then(|v| v.get("id"))
        .and_then(Value::as_i64);
    let Some(voucher) = booked.map(|id| db.object(&voucher_def.path, id)).transpose()?.flatten() else {
        // An invoice a scenario wrote without its voucher has nothing to turn round.
        return Ok(());
    };
    let mut body = ledger::reversal_of(&voucher.body, date);
    let number = note.body.get("invoiceNumber").cloned().unwrap_or(Value::Null);
    body["description"] = json!(format!("Kreditnota nummer {number}"));
    body["voucherType"] = voucher.body.get("voucherType").cloned().unwrap_or(Value::Null);
    let (booked, _) = insert_booked(voucher_def, db, actor, check_new(voucher_def, &body), &body)?;
    note.body.insert("voucher".into(), json!({ "id": booked.id }));
    db.update_object(Kind::Invoice.path(), note)?;
    Ok(())
}

/// `PUT /invoice/{id}/:send?sendType`: the invoice exists and the way to send it is one Tripletex has.
pub fn send(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let invoice_def = def(Kind::Invoice)?;
    let send_type = argument(&input.query, "sendType", "PUT /invoice/{id}/:send")?;
    rules::send_type_is_known(send_type)?;
    actor.sandbox.store().with(|db| {
        check_access(invoice_def, actor, db)?;
        load(invoice_def, db, owner_company(invoice_def, actor), input.id).map(|_| ())
    })?;
    Ok(Answer::NoContent)
}
