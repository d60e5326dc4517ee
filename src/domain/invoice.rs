//! Invoicing rules: which orders can be invoiced, the company's bank account, and the amounts.

use crate::domain::denial::{Denial, DenialKind, Rule};
use crate::domain::ledger::round;
use serde_json::{Map, Value};

/// An invoice is made from orders: `POST /invoice` must name at least one.
pub fn invoice_has_orders(order_ids: &[i64]) -> Result<(), Denial> {
    if !order_ids.is_empty() {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::InvoiceHasOrders,
        "An invoice is made from orders, and none were sent.",
    )
    .remedy("send the orders to invoice: \"orders\": [{\"id\": …}] (or use PUT /v2/order/{id}/:invoice).")
    .field("orders", "Kan ikke være null."))
}

/// An invoice needs the company's bank account number (ledger account 1920), as in Tripletex.
pub fn company_has_bank_account(bank_account_number: Option<&str>) -> Result<(), Denial> {
    if bank_account_number.is_some_and(|n| !n.trim().is_empty()) {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::CompanyHasBankAccount,
        "The company has not registered a bank account number, so it cannot invoice.",
    )
    .remedy(
        "set bankAccountNumber on ledger account 1920 (PUT /v2/ledger/account/{id}), as under Selskap > Bankkontoer.",
    )
    .field(
        "",
        "Faktura kan ikke opprettes før selskapet har registrert et bankkontonummer.",
    ))
}

/// An order can be invoiced once, and only if it has lines.
pub fn order_can_be_invoiced(order_id: i64, order: &Map<String, Value>) -> Result<(), Denial> {
    let closed = order.get("isClosed").and_then(Value::as_bool).unwrap_or(false);
    let lines = order
        .get("orderLines")
        .and_then(Value::as_array)
        .is_some_and(|l| !l.is_empty());
    let problem = if closed {
        "is already invoiced (closed)"
    } else if !lines {
        "has no order lines"
    } else {
        return Ok(());
    };
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::OrderCanBeInvoiced,
        format!("Order {order_id} {problem}."),
    )
    .remedy("invoice an open order that has order lines; create a new order for new work.")
    .field("orders", &format!("Ordre {order_id} kan ikke faktureres.")))
}

/// The invoice's due date, `days` after its date: refused when the calendar has no such day (an
/// order stored with an `invoicesDueIn` beyond what the document allows, 0 to 10,000).
pub fn due_date_exists(invoice_date: jiff::civil::Date, days: i64) -> Result<jiff::civil::Date, Denial> {
    jiff::Span::new()
        .try_days(days)
        .ok()
        .and_then(|span| invoice_date.checked_add(span).ok())
        .ok_or_else(|| {
            Denial::new(
                DenialKind::Invalid,
                Rule::DueDateExists,
                format!("An invoice dated {invoice_date} due in {days} days would fall outside the calendar."),
            )
            .field("invoicesDueIn", "Verdien må være mellom 0 og 10000.")
            .remedy("set the order's invoicesDueIn to between 0 and 10000 days, then invoice it.")
        })
}

/// A line's VAT type, if it names one.
pub fn line_vat_type(line: &Value) -> Option<i64> {
    line.get("vatType").and_then(|v| v.get("id")).and_then(Value::as_i64)
}

/// One order line's amounts excluding and including VAT, in whole øre: count × unit price less
/// the discount, and that with the VAT of its type (`vat_percent` gives a type's rate).
pub fn line_amounts(line: &Value, vat_percent: impl Fn(i64) -> f64) -> (f64, f64) {
    let number = |name: &str| line.get(name).and_then(Value::as_f64).unwrap_or(0.0);
    let net = number("count") * number("unitPriceExcludingVatCurrency") * (1.0 - number("discount") / 100.0);
    let vat = line_vat_type(line).map_or(0.0, vat_percent);
    (round(net), round(net * (1.0 + vat / 100.0)))
}

/// The amounts of the lines of some orders, excluding and including VAT: the sums of the lines'
/// own amounts, so the invoice is what its voucher books line by line.
pub fn amounts(lines: &[&Value], vat_percent: impl Fn(i64) -> f64) -> (f64, f64) {
    let (mut excluding, mut including) = (0.0, 0.0);
    for line in lines {
        let (net, gross) = line_amounts(line, &vat_percent);
        excluding += net;
        including += gross;
    }
    (round(excluding), round(including))
}

/// A payment names one of the company's invoice payment types (`GET /invoice/paymentType`).
pub fn payment_type_exists(payment_type_id: i64, known: bool) -> Result<(), Denial> {
    if known {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::PaymentTypeExists,
        format!("There is no invoice payment type {payment_type_id} in the company you act in."),
    )
    .remedy("send paymentTypeId of one of GET /v2/invoice/paymentType (Kontant, Betalt til bank in a new company).")
    .argument("paymentTypeId", "Betalingstypen finnes ikke."))
}

/// Whether an invoice is in another currency than the company's (NOK, currency 1).
pub fn in_foreign_currency(invoice: &Map<String, Value>) -> bool {
    invoice
        .get("currency")
        .and_then(|c| c.get("id"))
        .and_then(Value::as_i64)
        .is_some_and(|id| id != crate::domain::currency::COMPANY_CURRENCY)
}

/// What a payment paid in the invoice's currency: `paidAmountCurrency`, which an invoice in a
/// foreign currency needs (the NOK amount alone does not say how much of it was paid); for an
/// invoice in NOK, `paidAmount` when it is left out.
pub fn paid_in_invoice_currency(
    in_foreign_currency: bool,
    paid: f64,
    paid_currency: Option<f64>,
) -> Result<f64, Denial> {
    match (paid_currency, in_foreign_currency) {
        (Some(amount), _) => Ok(amount),
        (None, false) => Ok(paid),
        (None, true) => Err(Denial::new(
            DenialKind::Invalid,
            Rule::PaidInInvoiceCurrency,
            "The invoice is in a foreign currency, and the payment does not say how much of it was paid in that currency.",
        )
        .remedy("send paidAmountCurrency (the amount in the invoice's currency) beside paidAmount (what came in, in NOK).")
        .argument("paidAmountCurrency", "Må fylles ut for fakturaer i utenlandsk valuta.")),
    }
}

/// A reminder's fee (purregebyr) when the client asks for it: a tenth of the debt-collection
/// rate, as Norwegian law caps it; a soft reminder (betalingspåminnelse) carries none.
pub const REMINDER_FEE: f64 = 70.0;
/// The yearly late-payment interest (forsinkelsesrente) a reminder may add.
pub const LATE_INTEREST_PERCENT: f64 = 12.5;

/// An invoice can be reminded of once it is overdue on the reminder's date and still owes
/// something; a credit note never.
pub fn reminder_can_be_made(invoice_id: i64, invoice: &Map<String, Value>, date: &str) -> Result<(), Denial> {
    let text = |name: &str| invoice.get(name).and_then(Value::as_str).unwrap_or_default();
    let outstanding = invoice.get("amountOutstanding").and_then(Value::as_f64).unwrap_or(0.0);
    let credit_note = invoice.get("isCreditNote").and_then(Value::as_bool).unwrap_or(false);
    let problem = if credit_note {
        Some((
            "Invoice {id} is a credit note; there is nothing to remind of.",
            "Kreditnotaer kan ikke purres.",
        ))
    } else if outstanding < 0.005 {
        Some((
            "Invoice {id} is paid; there is nothing to remind of.",
            "Fakturaen er betalt.",
        ))
    } else if text("invoiceDueDate").is_empty() || date <= text("invoiceDueDate") {
        Some((
            "Invoice {id} is not overdue on the reminder's date.",
            "Fakturaen har ikke forfalt.",
        ))
    } else {
        None
    };
    let Some((reason, message)) = problem else {
        return Ok(());
    };
    Err(Denial::new(DenialKind::Invalid, Rule::ReminderCanBeMade, reason.replace("{id}", &invoice_id.to_string()))
        .remedy("remind of an unpaid invoice after its due date (invoiceDueDate); GET /v2/invoice?invoiceDateFrom=…&fields=amountOutstanding,invoiceDueDate finds them.")
        .argument("date", message))
}

/// The fee and the late interest a reminder of `kind` adds to what is outstanding, from the due
/// date to the reminder's date.
pub fn reminder_additions(
    kind: &str,
    (include_charge, include_interest): (bool, bool),
    outstanding: f64,
    days_overdue: i64,
) -> (f64, f64) {
    let fee = match include_charge && kind != "SOFT_REMINDER" {
        true => REMINDER_FEE,
        false => 0.0,
    };
    let interest = match include_interest {
        true => round(outstanding * LATE_INTEREST_PERCENT / 100.0 * days_overdue.max(0) as f64 / 365.0),
        false => 0.0,
    };
    (fee, interest)
}

/// What is outstanding after `paid` is taken off `outstanding`, in whole øre.
pub fn outstanding_after(outstanding: f64, paid: f64) -> f64 {
    ((outstanding - paid) * 100.0).round() / 100.0
}

/// A credit note credits a whole invoice once, and a credit note is not credited itself.
pub fn invoice_can_be_credited(invoice_id: i64, invoice: &Map<String, Value>) -> Result<(), Denial> {
    let flag = |name: &str| invoice.get(name).and_then(Value::as_bool).unwrap_or(false);
    let problem = if flag("isCreditNote") {
        "is a credit note"
    } else if flag("isCredited") {
        "is already credited"
    } else {
        return Ok(());
    };
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::InvoiceCanBeCredited,
        format!("Invoice {invoice_id} {problem}."),
    )
    .remedy("credit an invoice that is not credited yet; a credit note stands as it is.")
    .field("", &format!("Faktura {invoice_id} kan ikke krediteres.")))
}

/// The amounts a credit note turns round, with their outstanding twins set to nothing.
const CREDITED_AMOUNTS: &[&str] = &[
    "amount",
    "amountCurrency",
    "amountExcludingVat",
    "amountExcludingVatCurrency",
];
const OUTSTANDING: &[&str] = &[
    "amountOutstanding",
    "amountCurrencyOutstanding",
    "amountOutstandingTotal",
    "amountCurrencyOutstandingTotal",
];

/// The body of the credit note of an invoice: its amounts turned round, dated `date`, pointing at
/// the invoice it credits; nothing is outstanding on it (the two settle each other).
pub fn credit_note_of(invoice: &Map<String, Value>, invoice_id: i64, date: &str, comment: &str) -> Map<String, Value> {
    let mut note = invoice.clone();
    for name in CREDITED_AMOUNTS {
        if let Some(amount) = invoice.get(*name).and_then(Value::as_f64) {
            note.insert((*name).into(), Value::from(-amount));
        }
    }
    for name in OUTSTANDING {
        note.insert((*name).into(), Value::from(0.0));
    }
    // The note books and is paid on its own: the original's voucher, postings and payments stay there.
    for own in ["invoiceNumber", "voucher", "postings", "payments", "kid"] {
        note.remove(own);
    }
    note.insert("invoiceDate".into(), Value::from(date));
    note.insert("invoiceDueDate".into(), Value::from(date));
    note.insert("isCreditNote".into(), Value::Bool(true));
    note.insert("isCredited".into(), Value::Bool(false));
    note.insert("creditedInvoice".into(), serde_json::json!({ "id": invoice_id }));
    note.insert("comment".into(), Value::from(comment));
    note
}

/// What changes on a credited invoice: marked credited, and its whole amount taken off what is
/// outstanding (an invoice paid in part is then owed back to the customer: outstanding is
/// amount − payments − credit notes).
pub fn credited(invoice: &Map<String, Value>) -> Vec<(&'static str, Value)> {
    let number = |name: &str| invoice.get(name).and_then(Value::as_f64).unwrap_or(0.0);
    let mut out = vec![("isCredited", Value::Bool(true))];
    for (outstanding, amount) in [
        ("amountOutstanding", "amount"),
        ("amountOutstandingTotal", "amount"),
        ("amountCurrencyOutstanding", "amountCurrency"),
        ("amountCurrencyOutstandingTotal", "amountCurrency"),
    ] {
        out.push((outstanding, Value::from(round(number(outstanding) - number(amount)))));
    }
    out
}

/// The ways Tripletex sends an invoice (`sendType`).
const SEND_TYPES: &[&str] = &[
    "EMAIL",
    "EHF",
    "AVTALEGIRO",
    "EFAKTURA",
    "VIPPS",
    "PAPER",
    "MANUAL",
    "DIRECT",
    "AUTOINVOICE_EHF_INBOUND",
    "PEPPOL_EHF",
];

/// An invoice is sent one of the ways Tripletex has.
pub fn send_type_is_known(send_type: &str) -> Result<(), Denial> {
    if SEND_TYPES.contains(&send_type.trim()) {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::SendTypeIsKnown,
        format!("{send_type:?} is not a way Tripletex sends an invoice."),
    )
    .remedy(format!("send sendType as one of {}.", SEND_TYPES.join(", ")))
    .argument("sendType", "Ugyldig verdi."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paid_in_invoice_currency_needs_the_currency_amount_of_a_foreign_invoice() {
        assert_eq!(paid_in_invoice_currency(false, 100.0, None).ok(), Some(100.0));
        assert_eq!(paid_in_invoice_currency(true, 1165.0, Some(100.0)).ok(), Some(100.0));
        let denial = paid_in_invoice_currency(true, 1165.0, None).unwrap_err();
        assert_eq!(denial.rule, "paid_in_invoice_currency");
        assert_eq!(denial.fields[0].field, "paidAmountCurrency");
        let eur = json!({"currency": {"id": 5}});
        assert!(in_foreign_currency(eur.as_object().unwrap()));
        assert!(!in_foreign_currency(
            json!({"currency": {"id": 1}}).as_object().unwrap()
        ));
    }

    #[test]
    fn reminder_can_be_made_of_an_overdue_unpaid_invoice() {
        let invoice = json!({"invoiceDueDate": "2026-03-01", "amountOutstanding": 500.0});
        let invoice = invoice.as_object().unwrap();
        assert!(reminder_can_be_made(1, invoice, "2026-03-02").is_ok());
        let early = reminder_can_be_made(1, invoice, "2026-03-01").unwrap_err();
        assert_eq!(
            (early.rule, early.fields[0].field.as_str()),
            ("reminder_can_be_made", "date")
        );
        let paid = json!({"invoiceDueDate": "2026-03-01", "amountOutstanding": 0.0});
        assert!(reminder_can_be_made(1, paid.as_object().unwrap(), "2026-04-01").is_err());
        assert_eq!(reminder_additions("REMINDER", (true, false), 500.0, 30), (70.0, 0.0));
        assert_eq!(
            reminder_additions("SOFT_REMINDER", (true, false), 500.0, 30),
            (0.0, 0.0)
        );
        assert_eq!(reminder_additions("REMINDER", (false, true), 1000.0, 73), (0.0, 25.0));
    }

    #[test]
    fn invoice_has_orders_refuses_an_invoice_without_orders() {
        assert!(invoice_has_orders(&[7]).is_ok());
        let denial = invoice_has_orders(&[]).unwrap_err();
        assert_eq!((denial.kind, denial.rule), (DenialKind::Invalid, "invoice_has_orders"));
        assert_eq!(denial.fields[0].field, "orders");
    }

    #[test]
    fn company_has_bank_account_gives_the_real_message() {
        assert!(company_has_bank_account(Some("15030012345")).is_ok());
        let denial = company_has_bank_account(Some("")).unwrap_err();
        assert_eq!(
            denial.fields[0].message,
            "Faktura kan ikke opprettes før selskapet har registrert et bankkontonummer."
        );
    }

    #[test]
    fn order_can_be_invoiced_once_and_with_lines() {
        let open: Map<String, Value> =
            serde_json::from_value(json!({"isClosed": false, "orderLines": [{"id": 1}]})).unwrap();
        assert!(order_can_be_invoiced(1, &open).is_ok());
        let closed: Map<String, Value> =
            serde_json::from_value(json!({"isClosed": true, "orderLines": [{"id": 1}]})).unwrap();
        assert!(order_can_be_invoiced(1, &closed).is_err());
        let empty: Map<String, Value> = serde_json::from_value(json!({"isClosed": false, "orderLines": []})).unwrap();
        assert!(order_can_be_invoiced(1, &empty).is_err());
    }

    #[test]
    fn due_date_exists_within_the_calendar_only() {
        let date: jiff::civil::Date = "2026-01-05".parse().unwrap();
        assert_eq!(due_date_exists(date, 14).unwrap().to_string(), "2026-01-19");
        for days in [10_000_000, i64::MAX, i64::MIN] {
            let refused = due_date_exists(date, days).unwrap_err();
            assert_eq!(refused.kind, DenialKind::Invalid);
            assert!(refused.remedy.unwrap().contains("invoicesDueIn"));
        }
    }

    #[test]
    fn amounts_add_vat_per_line() {
        let a = json!({"count": 2, "unitPriceExcludingVatCurrency": 100, "vatType": {"id": 3}});
        let b = json!({"count": 1, "unitPriceExcludingVatCurrency": 50, "discount": 10});
        let (excluding, including) = amounts(&[&a, &b], |id| if id == 3 { 25.0 } else { 0.0 });
        assert_eq!(excluding, 245.0);
        assert_eq!(including, 295.0);
    }

    #[test]
    fn payment_type_exists_only_for_a_known_type() {
        assert!(payment_type_exists(7, true).is_ok());
        let denied = payment_type_exists(7, false).unwrap_err();
        assert_eq!(denied.fields[0].field, "paymentTypeId");
    }

    #[test]
    fn outstanding_after_a_payment_is_in_whole_ore() {
        assert_eq!(outstanding_after(1250.0, 1000.1), 249.9);
        assert_eq!(outstanding_after(100.0, 100.0), 0.0);
    }

    #[test]
    fn invoice_can_be_credited_once_and_a_credit_note_not_at_all() {
        assert!(invoice_can_be_credited(1, &Map::new()).is_ok());
        let credited: Map<String, Value> = serde_json::from_value(json!({"isCredited": true})).unwrap();
        assert!(invoice_can_be_credited(1, &credited).is_err());
        let note: Map<String, Value> = serde_json::from_value(json!({"isCreditNote": true})).unwrap();
        assert!(invoice_can_be_credited(1, &note).is_err());
    }

    #[test]
    fn a_credit_note_turns_the_amounts_round_and_points_at_its_invoice() {
        let invoice: Map<String, Value> = serde_json::from_value(
            json!({"amount": 125.0, "amountExcludingVat": 100.0, "amountOutstanding": 125.0, "invoiceNumber": 3}),
        )
        .unwrap();
        let note = credit_note_of(&invoice, 9, "2026-03-01", "feil");
        assert_eq!(note["amount"], json!(-125.0));
        assert_eq!(note["amountExcludingVat"], json!(-100.0));
        assert_eq!(note["amountOutstanding"], json!(0.0));
        assert_eq!(note["creditedInvoice"], json!({"id": 9}));
        assert!(!note.contains_key("invoiceNumber"));
        let changes = credited(&invoice);
        assert!(changes.contains(&("isCredited", Value::Bool(true))));
        assert!(changes.contains(&("amountOutstanding", json!(0.0))));
        let half_paid: Map<String, Value> =
            serde_json::from_value(json!({"amount": 125.0, "amountOutstanding": 25.0})).unwrap();
        assert!(credited(&half_paid).contains(&("amountOutstanding", json!(-100.0))));
    }

    #[test]
    fn send_type_is_known_for_the_ways_tripletex_sends() {
        assert!(send_type_is_known("EMAIL").is_ok());
        assert!(send_type_is_known("PIGEON").is_err());
    }
}
