//! Reminding a customer of an overdue invoice (`PUT /invoice/{id}/:createReminder`): the
//! reminder kept for `GET /reminder`, its fee booked onto the customer's receivable.

use super::booking::book;
use super::{arguments_present, date_argument, def};
use crate::actions::write::save;
use crate::actions::{Actor, Answer, Input, check_access, load, owner_company};
use crate::domain::kind::Kind;
use crate::domain::{invoice as rules, ledger};
use crate::store::StoredObject;
use crate::wire::query::{self, ValueType};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The kinds of reminder the document names.
const KINDS: [&str; 4] = [
    "SOFT_REMINDER",
    "REMINDER",
    "NOTICE_OF_DEBT_COLLECTION",
    "DEBT_COLLECTION",
];
/// How long a reminder gives the customer to pay.
const DAYS_TO_PAY: i64 = 14;

/// A boolean query argument (`false` when left out), checked as the API checks it.
fn flag(query: &HashMap<String, String>, name: &str) -> Result<bool, ApiError> {
    let text = query.get(name).map(|t| t.trim()).unwrap_or_default();
    query::check(name, text, ValueType::Boolean)?;
    Ok(text.eq_ignore_ascii_case("true"))
}

/// `PUT /invoice/{id}/:createReminder?type&date[&includeCharge&includeInterest]`: answers the
/// new reminder's id.
pub async fn create_reminder(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let invoice_def = def(Kind::Invoice)?;
    let operation = "PUT /invoice/{id}/:createReminder";
    let query = &input.query;
    arguments_present(
        query,
        &["type", "date"],
        "PUT /invoice/{id}/:createReminder needs the query arguments type and date.",
    )?;
    let kind = query.get("type").map(|t| t.trim().to_owned()).unwrap_or_default();
    if !KINDS.contains(&kind.as_str()) {
        return Err(ApiError::new(ErrorKind::Validation)
            .with_developer_message(format!("type must be one of {}, not {kind:?}.", KINDS.join(", ")))
            .with_validation(vec![ValidationMessage::arg("type", "Ugyldig verdi.")]));
    }
    let date = date_argument(query, "date", operation)?;
    let included = (flag(query, "includeCharge")?, flag(query, "includeInterest")?);
    let id = input.id;
    let value = actor
        .transaction(move |db, acting| {
            check_access(invoice_def, acting, db)?;
            let company = owner_company(invoice_def, acting);
            let mut invoice = load(invoice_def, db, company, id)?;
            rules::reminder_can_be_made(id, &invoice.body, &date.to_string())?;
            let field = |name: &str| invoice.body.get(name).cloned().unwrap_or(Value::Null);
            let outstanding = field("amountOutstanding").as_f64().unwrap_or_default();
            let due: Option<jiff::civil::Date> = field("invoiceDueDate").as_str().and_then(|d| d.parse().ok());
            let days_overdue = due.map_or(0, |due| i64::from((date - due).get_days()));
            let (fee, interest) = rules::reminder_additions(&kind, included, outstanding, days_overdue);
            let customer = field("customer").get("id").and_then(Value::as_i64);
            let number = field("invoiceNumber")
                .as_i64()
                .map(|n| n.to_string())
                .unwrap_or_default();
            if fee > 0.0 {
                let description = format!("Purregebyr faktura nummer {number}");
                let entries = ledger::reminder_fee_entries((customer, &number), fee, &description);
                book(db, acting, &date.to_string(), (&description, "Purring"), entries)?;
                for total in ["amountOutstandingTotal", "amountCurrencyOutstandingTotal"] {
                    let before = invoice.body.get(total).and_then(Value::as_f64).unwrap_or(outstanding);
                    invoice.body.insert(total.into(), json!(ledger::round(before + fee)));
                }
            }
            let figures = Figures {
                fee,
                interest,
                rate: if included.1 { rules::LATE_INTEREST_PERCENT } else { 0.0 },
                outstanding,
            };
            let reminder = StoredObject {
                id: acting.sandbox.next_id(),
                company_id: company,
                version: 0,
                body: reminder_body(date, &kind, figures, (id, &invoice.body)),
                changes: vec![crate::actions::write::change(acting, "CREATE")],
            };
            db.insert_object(Kind::Reminder.path(), &reminder)?;
            save(invoice_def, db, acting, &mut invoice)?;
            Ok(reminder.id)
        })
        .await?;
    Ok(Answer::Value {
        status: 200,
        value: json!(value),
    })
}

/// The amounts a reminder states: its fee, interest and rate, and what was outstanding before.
struct Figures {
    fee: f64,
    interest: f64,
    rate: f64,
    outstanding: f64,
}

/// A reminder's body: dated `date`, of `kind`, on the invoice `id` with body `invoice`.
fn reminder_body(
    date: jiff::civil::Date,
    kind: &str,
    figures: Figures,
    (id, invoice): (i64, &Map<String, Value>),
) -> Map<String, Value> {
    let field = |name: &str| invoice.get(name).cloned().unwrap_or(Value::Null);
    let Figures {
        fee,
        interest,
        rate,
        outstanding,
    } = figures;
    let term = date
        .checked_add(jiff::Span::new().days(DAYS_TO_PAY))
        .map_or_else(|_| date.to_string(), |d| d.to_string());
    json!({
        "reminderDate": date.to_string(),
        "type": kind,
        "charge": fee,
        "chargeCurrency": fee,
        "totalCharge": fee,
        "totalChargeCurrency": fee,
        "interests": interest,
        "interestRate": rate,
        "totalAmountCurrency": ledger::round(outstanding + fee + interest),
        "termOfPayment": term,
        "currency": field("currency"),
        "kid": field("kid"),
        "comment": "",
        "invoice": {"id": id},
        "customer": {"id": field("customer").get("id").and_then(Value::as_i64)},
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}
