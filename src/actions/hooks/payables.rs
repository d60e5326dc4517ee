//! What the company owes: a supplier invoice paid (`POST /supplierInvoice/{invoiceId}/:addPayment`),
//! booked off the payables account from the payment type's account.

use super::booking::book;
use super::{company_object, date_argument, def, id_argument, optional_number_argument, whole};
use crate::actions::write::save;
use crate::actions::{Actor, Answer, Input, check_access, load, owner_company};
use crate::domain::kind::Kind;
use crate::domain::{invoice as rules, ledger};
use crate::wire::ApiError;
use serde_json::{Value, json};

/// `POST /supplierInvoice/{invoiceId}/:addPayment?paymentType&amount&paymentDate`: the amount
/// (all that is outstanding when left out) paid from the outgoing payment type's account.
pub async fn add_payment(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let invoice_def = def(Kind::SupplierInvoice)?;
    let operation = "POST /supplierInvoice/{invoiceId}/:addPayment";
    let query = &input.query;
    let payment_type = id_argument(query, "paymentType", operation)?;
    let amount = optional_number_argument(query, "amount", operation)?;
    let date = match query.get("paymentDate").filter(|v| !v.trim().is_empty()) {
        Some(_) => date_argument(query, "paymentDate", operation)?.to_string(),
        None => actor.now.to_string().get(..10).unwrap_or_default().to_owned(),
    };
    let id = input.id;
    let value = actor
        .transaction(move |db, acting| {
            check_access(invoice_def, acting, db)?;
            let company = owner_company(invoice_def, acting);
            let mut invoice = load(invoice_def, db, company, id)?;
            let kind = company_object(db, Kind::PaymentTypeOut.path(), payment_type, company)?;
            let paid_from = kind
                .as_ref()
                .and_then(|t| t.body.get("creditAccount")?.get("id")?.as_i64());
            rules::payment_type_exists(payment_type, paid_from.is_some())?;
            let field = |name: &str| invoice.body.get(name).cloned().unwrap_or(Value::Null);
            let outstanding = field("outstandingAmount").as_f64().unwrap_or_default();
            let paid = amount.unwrap_or(outstanding);
            let supplier = field("supplier").get("id").and_then(Value::as_i64);
            let number = field("invoiceNumber").as_str().unwrap_or_default().to_owned();
            let description = format!("Betaling leverandørfaktura {number}").trim_end().to_owned();
            let entries = ledger::supplier_payment_entries(
                (supplier, &number),
                paid_from.unwrap_or_default(),
                paid,
                &description,
            );
            let voucher = book(db, acting, &date, (&description, "Betaling"), entries)?;
            let mut payments = field("payments").as_array().cloned().unwrap_or_default();
            // The payment is shown by its posting on the payables account (the voucher's first row).
            let payable_row = voucher.body.get("postings").and_then(|p| p.get(0)?.get("id")).cloned();
            payments.push(json!({ "id": payable_row }));
            invoice.body.insert("payments".into(), json!(payments));
            invoice.body.insert(
                "outstandingAmount".into(),
                json!(rules::outstanding_after(outstanding, paid)),
            );
            save(invoice_def, db, acting, &mut invoice)?;
            whole(invoice_def, &acting.base, &invoice, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 201, value })
}
