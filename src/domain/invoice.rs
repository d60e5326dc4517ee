//! Invoicing rules: which orders can be invoiced, the company's bank account, and the amounts.

use crate::domain::denial::{Denial, DenialKind};
use crate::rule_name;
use serde_json::{Map, Value};

/// An invoice is made from orders: `POST /invoice` must name at least one.
pub fn invoice_has_orders(order_ids: &[i64]) -> Result<(), Denial> {
    if !order_ids.is_empty() {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        rule_name!(),
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
        rule_name!(),
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
        rule_name!(),
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
                rule_name!(),
                format!("An invoice dated {invoice_date} due in {days} days would fall outside the calendar."),
            )
            .field("invoicesDueIn", "Verdien må være mellom 0 og 10000.")
            .remedy("set the order's invoicesDueIn to between 0 and 10000 days, then invoice it.")
        })
}

/// The amounts of the lines of some orders, excluding and including VAT. `vat_percent` gives the
/// rate of a VAT type id.
pub fn amounts(lines: &[&Value], vat_percent: impl Fn(i64) -> f64) -> (f64, f64) {
    let mut excluding = 0.0;
    let mut including = 0.0;
    for line in lines {
        let count = line.get("count").and_then(Value::as_f64).unwrap_or(0.0);
        let price = line
            .get("unitPriceExcludingVatCurrency")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let discount = line.get("discount").and_then(Value::as_f64).unwrap_or(0.0);
        let net = count * price * (1.0 - discount / 100.0);
        let vat = line
            .get("vatType")
            .and_then(|v| v.get("id"))
            .and_then(Value::as_i64)
            .map_or(0.0, &vat_percent);
        excluding += net;
        including += net * (1.0 + vat / 100.0);
    }
    ((excluding * 100.0).round() / 100.0, (including * 100.0).round() / 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
