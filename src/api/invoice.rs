//! Invoicing: `POST /invoice` from orders and `PUT /order/{id}/:invoice`. The rest of
//! `/invoice` (list, get) is the generic resource engine's.

use crate::api::auth::CompanyPrincipal;
use crate::api::render;
use crate::domain::invoice;
use crate::domain::resource::{self, ResourceDef};
use crate::http::sandbox;
use crate::store::{Db, StoredObject};
use crate::wire::envelope::json_response;
use crate::wire::fields::FieldFilter;
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse};
use jiff::civil::Date;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

fn definitions() -> Result<(&'static ResourceDef, &'static ResourceDef), ApiError> {
    match (resource::find("invoice"), resource::find("order")) {
        (Some(invoice), Some(order)) => Ok((invoice, order)),
        _ => Err(ApiError::internal(&"the invoice and order definitions are missing")),
    }
}

/// Creates an invoice for orders of the acting company, closing them.
fn invoice_orders(
    db: &Db<'_>,
    req: &HttpRequest,
    principal: &CompanyPrincipal,
    mut body: Map<String, Value>,
    order_ids: &[i64],
) -> Result<Value, ApiError> {
    let sandbox = sandbox(req)?;
    let (invoice_def, order_def) = definitions()?;
    let company = principal.0.context.company_id();
    principal.require(db, crate::domain::entitlements::Entitlement::AUTH_INVOICING, "/invoice")?;
    resource::required_fields_are_present(invoice_def, &body)?;
    invoice::invoice_has_orders(order_ids)?;
    let bank = db
        .objects("ledger/account", company)?
        .into_iter()
        .find(|a| a.body.get("number").and_then(Value::as_i64) == Some(1920))
        .and_then(|a| {
            a.body
                .get("bankAccountNumber")
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
    invoice::company_has_bank_account(bank.as_deref())?;
    let mut orders = Vec::with_capacity(order_ids.len());
    for id in order_ids {
        let order = db
            .object(&order_def.path, *id)?
            .filter(|o| o.company_id == company)
            .ok_or_else(|| ApiError::not_found(format!("No order with id {id} in the company you act in.")))?;
        invoice::order_can_be_invoiced(*id, &order.body)?;
        orders.push(order);
    }
    let lines: Vec<&Value> = orders
        .iter()
        .flat_map(|o| o.body.get("orderLines").and_then(Value::as_array).into_iter().flatten())
        .collect();
    let vat = |id: i64| -> f64 {
        db.object("ledger/vatType", id)
            .ok()
            .flatten()
            .and_then(|v| v.body.get("percentage").and_then(Value::as_f64))
            .unwrap_or(0.0)
    };
    let (excluding, including) = invoice::amounts(&lines, vat);
    let customer = orders[0].body.get("customer").cloned().unwrap_or(Value::Null);
    for (name, value) in [
        ("amount", json!(including)),
        ("amountCurrency", json!(including)),
        ("amountExcludingVat", json!(excluding)),
        ("amountExcludingVatCurrency", json!(excluding)),
        ("amountOutstanding", json!(including)),
        ("amountCurrencyOutstanding", json!(including)),
        ("amountOutstandingTotal", json!(including)),
        ("amountCurrencyOutstandingTotal", json!(including)),
        ("customer", customer),
        (
            "orders",
            Value::Array(order_ids.iter().map(|id| json!({"id": id})).collect()),
        ),
    ] {
        body.insert(name.into(), value);
    }
    let highest = db.max_number(&invoice_def.path, company)?;
    let body = resource::new_object_body(invoice_def, body, highest)?;
    let now = principal.0.here.now.to_string();
    let change =
        |kind: &str| json!({"employeeId": principal.0.session.key.person_id, "timestamp": now, "changeType": kind});
    let invoice = StoredObject {
        id: sandbox.next_id(),
        company_id: company,
        version: 0,
        body,
        changes: vec![change("CREATE")],
    };
    db.insert_object(&invoice_def.path, &invoice)?;
    for mut order in orders {
        order.body.insert("isClosed".into(), json!(true));
        order.version += 1;
        order.changes.push(change("UPDATE"));
        db.update_object(&order_def.path, &order)?;
    }
    let base = render::api_base(req);
    let value = super::resources::render(invoice_def, &base, &invoice, db, company)?;
    FieldFilter::everything().apply(value, &invoice_def.model)
}

/// `POST /invoice` with `invoiceDate`, `invoiceDueDate` and `orders`.
pub async fn create(req: HttpRequest, principal: CompanyPrincipal, body: Value) -> Result<HttpResponse, ApiError> {
    let (invoice_def, _) = definitions()?;
    let order_ids: Vec<i64> = body
        .get("orders")
        .and_then(Value::as_array)
        .map(|orders| {
            orders
                .iter()
                .filter_map(|o| o.get("id").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default();
    let (merged, _) = resource::merge_body(invoice_def, &invoice_def.template, &body)?;
    let value = sandbox(&req)?
        .store()
        .transaction(|db| invoice_orders(db, &req, &principal, merged, &order_ids))?;
    Ok(json_response(201, &json!({ "value": value })))
}

/// `PUT /order/{id}/:invoice?invoiceDate=…`: invoices one order; the due date follows the order's terms.
pub async fn invoice_order(
    req: HttpRequest,
    principal: CompanyPrincipal,
    id: i64,
    query: HashMap<String, String>,
) -> Result<HttpResponse, ApiError> {
    let (invoice_def, order_def) = definitions()?;
    let date_text = query.get("invoiceDate").filter(|d| !d.is_empty()).ok_or_else(|| {
        ApiError::missing_arguments(
            &["invoiceDate"],
            "PUT /order/{id}/:invoice needs the query argument invoiceDate (YYYY-MM-DD).",
        )
    })?;
    let date: Date = date_text.parse().map_err(|_| {
        ApiError::new(ErrorKind::Validation).with_validation(vec![ValidationMessage::arg(
            "invoiceDate",
            "Ugyldig dato. Bruk formatet YYYY-MM-DD.",
        )])
    })?;
    let value = sandbox(&req)?.store().transaction(|db| {
        let company = principal.0.context.company_id();
        let order = db
            .object(&order_def.path, id)?
            .filter(|o| o.company_id == company)
            .ok_or_else(|| ApiError::not_found(format!("No order with id {id} in the company you act in.")))?;
        let days = order.body.get("invoicesDueIn").and_then(Value::as_i64).unwrap_or(14);
        let due = crate::domain::invoice::due_date_exists(date, days)?;
        let mut body = invoice_def.template.clone();
        body.insert("invoiceDate".into(), json!(date.to_string()));
        body.insert("invoiceDueDate".into(), json!(due.to_string()));
        invoice_orders(db, &req, &principal, body, &[id])
    })?;
    Ok(json_response(200, &json!({ "value": value })))
}
