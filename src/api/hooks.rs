//! The operations the engine gives behaviour beyond their shape: order lines kept inside their
//! order, postings read from the vouchers that hold them, an invoice's payment, credit note and
//! sending, a voucher's reversal, a travel expense delivered or approved, the activities open for
//! hour registration, a supplier invoice approved. Each is found by its method and path template.

use crate::api::auth::CompanyPrincipal;
use crate::api::render;
use crate::api::resources::{
    self, change, check_access, check_new, check_references, insert_new, load, owner_company, render_line, stored_text,
};
use crate::domain::invoice as rules;
use crate::domain::resource::{self, ResourceDef};
use crate::http::sandbox;
use crate::store::{Db, StoredObject};
use crate::wire::envelope::{ListParams, ListQuery, json_response};
use crate::wire::fields::FieldFilter;
use crate::wire::query::{self, ValueType};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// What a hooked operation gets: its request, caller, the path's id, query and JSON body.
pub struct Call {
    pub req: HttpRequest,
    pub principal: CompanyPrincipal,
    pub id: i64,
    pub query: HashMap<String, String>,
    pub body: Option<Value>,
}

/// Serves a hooked operation (each is listed in `domain::table::SEMANTIC`); gives the call back
/// if `(method, path)` is not one.
pub async fn serve(method: &str, path: &str, call: Call) -> Result<Result<HttpResponse, ApiError>, Call> {
    Ok(match (method, path) {
        ("POST", "/order/orderline") => create_order_lines(call, false).await,
        ("POST", "/order/orderline/list") => create_order_lines(call, true).await,
        ("GET", "/order/orderline/{id}") => get_order_line(call),
        ("PUT", "/order/orderline/{id}") => change_order_line(call, false).await,
        ("DELETE", "/order/orderline/{id}") => change_order_line(call, true).await,
        ("GET", "/ledger/posting") => list_postings(call),
        ("GET", "/ledger/posting/{id}") => get_posting(call),
        ("PUT", "/invoice/{id}/:payment") => pay_invoice(call).await,
        ("PUT", "/invoice/{id}/:createCreditNote") => credit_invoice(call).await,
        ("PUT", "/invoice/{id}/:send") => send_invoice(call),
        ("PUT", "/ledger/voucher/{id}/:reverse") => reverse_voucher(call).await,
        ("PUT", "/ledger/voucher/{id}/:sendToLedger") => voucher_in_ledger(call),
        ("PUT", "/travelExpense/:deliver") => travel_state(call, TravelStep::Deliver).await,
        ("PUT", "/travelExpense/:approve") => travel_state(call, TravelStep::Approve).await,
        ("PUT", "/travelExpense/:undeliver") => travel_state(call, TravelStep::Undeliver).await,
        ("PUT", "/travelExpense/:unapprove") => travel_state(call, TravelStep::Unapprove).await,
        ("GET", "/activity/>forTimeSheet") => activities_for_time_sheet(call).await,
        ("PUT", "/supplierInvoice/{invoiceId}/:approve") => approve_supplier_invoice(call).await,
        ("POST", "/ledger/voucher/{voucherId}/attachment") => attach_to_voucher(call).await,
        ("PUT", "/supplierInvoice/voucher/{id}/postings") => post_supplier_invoice(call).await,
        _ => return Err(call),
    })
}

fn def(path: &str) -> Result<&'static ResourceDef, ApiError> {
    resource::find(path).ok_or_else(|| ApiError::internal(&format!("the {path} definition is missing")))
}

/// A required query argument, or the 422/15000 naming it.
fn argument<'q>(query: &'q HashMap<String, String>, name: &str, operation: &str) -> Result<&'q str, ApiError> {
    query
        .get(name)
        .map(String::as_str)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::missing_arguments(&[name], format!("{operation} needs the query argument {name}.")))
}

fn date_argument(query: &HashMap<String, String>, name: &str, operation: &str) -> Result<jiff::civil::Date, ApiError> {
    let text = argument(query, name, operation)?;
    text.trim().parse().map_err(|_| {
        ApiError::new(ErrorKind::Validation)
            .with_developer_message(format!(
                "{operation}: {name} must be a date as YYYY-MM-DD, not {text:?}."
            ))
            .with_validation(vec![ValidationMessage::arg(
                name,
                "Ugyldig dato. Bruk formatet YYYY-MM-DD.",
            )])
    })
}

fn number_argument(query: &HashMap<String, String>, name: &str, operation: &str) -> Result<f64, ApiError> {
    let text = argument(query, name, operation)?;
    query::check(name, text, ValueType::Number)?;
    text.trim()
        .parse()
        .map_err(|_| ApiError::new(ErrorKind::Validation).with_developer_message(format!("{name} must be a number.")))
}

/// Saves a changed object: a new version with an UPDATE change.
fn save(
    def: &ResourceDef,
    db: &Db<'_>,
    principal: &CompanyPrincipal,
    object: &mut StoredObject,
) -> Result<(), ApiError> {
    object.version += 1;
    object
        .changes
        .push(change(principal, "UPDATE", &principal.0.here.now.to_string()));
    let (text, view) = stored_text(def, object);
    db.update_object_viewed(&def.path, object, &text, Some(&view))?;
    Ok(())
}

/// `{"value": …}` of an object with every field.
fn whole(def: &ResourceDef, base: &str, object: &StoredObject, db: &Db<'_>, company: i64) -> Result<Value, ApiError> {
    let value = resources::render(def, base, object, db, company)?;
    FieldFilter::everything().apply(value, &def.model)
}

fn value_response(status: u16, value: Value) -> HttpResponse {
    json_response(status, &json!({ "value": value }))
}

// ---- order lines ----------------------------------------------------------------------------

fn lines_of(order: &mut StoredObject) -> &mut Vec<Value> {
    let lines = order.body.entry("orderLines").or_insert_with(|| json!([]));
    if !lines.is_array() {
        *lines = json!([]);
    }
    match lines {
        Value::Array(lines) => lines,
        _ => unreachable!("made an array above"),
    }
}

/// `POST /order/orderline` (one) or `/list` (many, all or none): each line joins the order it names.
async fn create_order_lines(call: Call, many: bool) -> Result<HttpResponse, ApiError> {
    let (order_def, line_def) = (def("order")?, def("order/orderline")?);
    let sandbox = sandbox(&call.req)?;
    let base = render::api_base(&call.req);
    let company = owner_company(order_def, &call.principal);
    let items = match (call.body, many) {
        (Some(Value::Array(items)), true) => items,
        (Some(item @ Value::Object(_)), false) => vec![item],
        _ => {
            return Err(ApiError::new(ErrorKind::Validation)
                .with_developer_message(match many {
                    true => "POST /order/orderline/list takes a JSON list of order lines.",
                    false => "POST /order/orderline takes one order line as a JSON object.",
                })
                .with_validation(vec![ValidationMessage::field("", "Forventet et JSON-objekt.")]));
        }
    };
    let principal = call.principal;
    let ids = sandbox.clone();
    let made = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(order_def, &principal, db)?;
            let mut made = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let order_id = item
                    .get("order")
                    .and_then(|o| o.get("id"))
                    .and_then(Value::as_i64)
                    .ok_or_else(|| {
                        ApiError::new(ErrorKind::Validation)
                            .with_developer_message(format!(
                                "Order line {index} names no order: send \"order\": {{\"id\": …}}."
                            ))
                            .with_validation(vec![ValidationMessage::field("order", "Kan ikke være null.")])
                    })?;
                let mut order = load(order_def, db, company, order_id)?;
                let (mut line, references) = resource::merge_body(line_def, &line_def.template, item)?;
                check_references(db, company, &references)?;
                let line_id = ids.next_id();
                line.insert("id".into(), json!(line_id));
                line.insert("order".into(), json!({ "id": order_id }));
                lines_of(&mut order).push(Value::Object(line.clone()));
                save(order_def, db, &principal, &mut order)?;
                made.push(render_line(Some(line_def), &base, &Value::Object(line)));
            }
            Ok::<_, ApiError>(made)
        })
        .await?;
    if many {
        let count = made.len();
        return Ok(json_response(
            201,
            &json!({"fullResultSize": count, "from": 0, "count": count, "versionDigest": null, "values": made}),
        ));
    }
    Ok(value_response(201, made.into_iter().next().unwrap_or(Value::Null)))
}

/// The order holding line `id` in the company, and the line's place in it.
fn order_with_line(db: &Db<'_>, company: i64, id: i64) -> Result<(StoredObject, usize), ApiError> {
    for order in db.objects("order", company)? {
        let place = order
            .body
            .get("orderLines")
            .and_then(Value::as_array)
            .and_then(|lines| {
                lines
                    .iter()
                    .position(|l| l.get("id").and_then(Value::as_i64) == Some(id))
            });
        if let Some(place) = place {
            return Ok((order, place));
        }
    }
    Err(ApiError::not_found(format!(
        "No order line with id {id} in the company you act in; GET /v2/order/{{id}}?fields=orderLines(*) shows an order's lines."
    )))
}

fn get_order_line(call: Call) -> Result<HttpResponse, ApiError> {
    let (order_def, line_def) = (def("order")?, def("order/orderline")?);
    let fields = FieldFilter::parse(call.query.get("fields").map(String::as_str))?;
    let base = render::api_base(&call.req);
    let company = owner_company(order_def, &call.principal);
    let line = sandbox(&call.req)?.store().with(|db| {
        check_access(order_def, &call.principal, db)?;
        let (order, place) = order_with_line(db, company, call.id)?;
        let line = order
            .body
            .get("orderLines")
            .and_then(|l| l.get(place))
            .cloned()
            .unwrap_or_default();
        Ok::<_, ApiError>(render_line(Some(line_def), &base, &line))
    })?;
    crate::wire::envelope::single(line, &fields, &line_def.model)
}

/// `PUT` (the body written onto the line) or `DELETE` of one order line.
async fn change_order_line(call: Call, remove: bool) -> Result<HttpResponse, ApiError> {
    let (order_def, line_def) = (def("order")?, def("order/orderline")?);
    let sandbox = sandbox(&call.req)?;
    let base = render::api_base(&call.req);
    let company = owner_company(order_def, &call.principal);
    let (principal, id, body) = (call.principal, call.id, call.body.unwrap_or_else(|| json!({})));
    let changed = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(order_def, &principal, db)?;
            let (mut order, place) = order_with_line(db, company, id)?;
            let line = lines_of(&mut order)
                .get(place)
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            let shown = if remove {
                lines_of(&mut order).remove(place);
                Value::Null
            } else {
                let (mut merged, references) = resource::merge_body(line_def, &line, &body)?;
                check_references(db, company, &references)?;
                merged.insert("id".into(), json!(id));
                // A line belongs to the order that holds it, whatever the body says.
                merged.insert("order".into(), json!({ "id": order.id }));
                let merged = Value::Object(merged);
                lines_of(&mut order)[place] = merged.clone();
                render_line(Some(line_def), &base, &merged)
            };
            save(order_def, db, &principal, &mut order)?;
            Ok::<_, ApiError>(shown)
        })
        .await?;
    Ok(match remove {
        true => HttpResponse::NoContent().finish(),
        false => value_response(200, changed),
    })
}

// ---- postings -------------------------------------------------------------------------------

/// Every posting of the company's vouchers, each with its voucher and date.
fn postings(db: &Db<'_>, company: i64, base: &str) -> Result<Vec<Value>, ApiError> {
    let posting_def = def("ledger/posting")?;
    let mut out = Vec::new();
    for voucher in db.objects("ledger/voucher", company)? {
        let date = voucher.body.get("date").cloned().unwrap_or(Value::Null);
        for posting in voucher
            .body
            .get("postings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let mut shown = render_line(Some(posting_def), base, posting);
            if let Some(fields) = shown.as_object_mut() {
                fields.insert("voucher".into(), render::stub(base, "ledger/voucher", voucher.id));
                if fields.get("date").is_none_or(|d| d.is_null() || d == "") {
                    fields.insert("date".into(), date.clone());
                }
            }
            out.push(shown);
        }
    }
    Ok(out)
}

/// Whether a posting passes `GET /ledger/posting`'s filters (ids of what it points at, its date).
fn posting_matches(
    posting: &Value,
    query: &HashMap<String, String>,
    from: &str,
    to: &str,
    numbers: &HashMap<i64, i64>,
) -> bool {
    let date = posting.get("date").and_then(Value::as_str).unwrap_or_default();
    if !(resource::date_in_range(resource::Match::From, date, from)
        && resource::date_in_range(resource::Match::Before, date, to))
    {
        return false;
    }
    let points_at = |field: &str, wanted: &str| {
        let id = posting.get(field).and_then(|r| r.get("id")).and_then(Value::as_i64);
        wanted
            .split(',')
            .any(|w| w.trim().parse::<i64>().ok() == id && id.is_some())
    };
    for (param, field) in [
        ("accountId", "account"),
        ("supplierId", "supplier"),
        ("customerId", "customer"),
        ("employeeId", "employee"),
        ("departmentId", "department"),
        ("projectId", "project"),
        ("productId", "product"),
    ] {
        if let Some(wanted) = query.get(param).filter(|w| !w.trim().is_empty())
            && !points_at(field, wanted)
        {
            return false;
        }
    }
    let number = posting
        .get("account")
        .and_then(|a| a.get("id"))
        .and_then(Value::as_i64)
        .and_then(|id| numbers.get(&id).copied());
    let bound = |name: &str| query.get(name).and_then(|v| v.trim().parse::<i64>().ok());
    match (bound("accountNumberFrom"), bound("accountNumberTo"), number) {
        (Some(low), _, Some(n)) if n < low => false,
        (_, Some(high), Some(n)) if n > high => false,
        (Some(_), _, None) | (_, Some(_), None) => false,
        _ => true,
    }
}

fn list_postings(call: Call) -> Result<HttpResponse, ApiError> {
    let voucher_def = def("ledger/voucher")?;
    let operation = "GET /ledger/posting";
    let missing: Vec<&str> = ["dateFrom", "dateTo"]
        .into_iter()
        .filter(|n| call.query.get(*n).is_none_or(|v| v.trim().is_empty()))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::missing_arguments(
            &missing,
            format!("{operation} needs the query arguments dateFrom and dateTo (To is exclusive)."),
        ));
    }
    let from = date_argument(&call.query, "dateFrom", operation)?.to_string();
    let to = date_argument(&call.query, "dateTo", operation)?.to_string();
    for name in [
        "accountId",
        "supplierId",
        "customerId",
        "employeeId",
        "departmentId",
        "projectId",
        "productId",
    ] {
        if let Some(text) = call.query.get(name) {
            query::check(name, text, ValueType::IdList)?;
        }
    }
    let params = ListParams::parse(&ListQuery {
        from: call.query.get("from").cloned(),
        count: call.query.get("count").cloned(),
        sorting: call.query.get("sorting").cloned(),
        fields: call.query.get("fields").cloned(),
    })?;
    let base = render::api_base(&call.req);
    let company = owner_company(voucher_def, &call.principal);
    let values = sandbox(&call.req)?.store().with(|db| {
        check_access(voucher_def, &call.principal, db)?;
        let numbers: HashMap<i64, i64> = db
            .objects("ledger/account", company)?
            .iter()
            .filter_map(|a| Some((a.id, a.body.get("number")?.as_i64()?)))
            .collect();
        let posting_def = def("ledger/posting")?;
        let mut selected = Vec::new();
        for mut posting in postings(db, company, &base)? {
            if posting_matches(&posting, &call.query, &from, &to, &numbers) {
                resources::expand_line_references(posting_def, &mut posting, &params.fields, db, &base, company)?;
                selected.push(posting);
            }
        }
        Ok::<_, ApiError>(selected)
    })?;
    params.respond(values, "Posting")
}

fn get_posting(call: Call) -> Result<HttpResponse, ApiError> {
    let voucher_def = def("ledger/voucher")?;
    let fields = FieldFilter::parse(call.query.get("fields").map(String::as_str))?;
    let base = render::api_base(&call.req);
    let company = owner_company(voucher_def, &call.principal);
    let found = sandbox(&call.req)?.store().with(|db| {
        check_access(voucher_def, &call.principal, db)?;
        let found = postings(db, company, &base)?
            .into_iter()
            .find(|p| p.get("id").and_then(Value::as_i64) == Some(call.id));
        match found {
            Some(mut posting) => {
                resources::expand_line_references(def("ledger/posting")?, &mut posting, &fields, db, &base, company)?;
                Ok::<_, ApiError>(Some(posting))
            }
            None => Ok(None),
        }
    })?;
    let posting = found
        .ok_or_else(|| ApiError::not_found(format!("No posting with id {} in the company you act in.", call.id)))?;
    crate::wire::envelope::single(posting, &fields, "Posting")
}

// ---- invoices -------------------------------------------------------------------------------

/// `PUT /invoice/{id}/:payment?paymentDate&paymentTypeId&paidAmount`: the amount paid is taken off
/// what the invoice has outstanding.
async fn pay_invoice(call: Call) -> Result<HttpResponse, ApiError> {
    let invoice_def = def("invoice")?;
    let operation = "PUT /invoice/{id}/:payment";
    let missing: Vec<&str> = ["paymentDate", "paymentTypeId", "paidAmount"]
        .into_iter()
        .filter(|n| call.query.get(*n).is_none_or(|v| v.trim().is_empty()))
        .collect();
    if !missing.is_empty() {
        return Err(ApiError::missing_arguments(
            &missing,
            format!("{operation} needs paymentDate, paymentTypeId and paidAmount."),
        ));
    }
    date_argument(&call.query, "paymentDate", operation)?;
    let type_text = argument(&call.query, "paymentTypeId", operation)?;
    query::check("paymentTypeId", type_text, ValueType::Integer)?;
    let payment_type: i64 = type_text.trim().parse().unwrap_or_default();
    let paid = number_argument(&call.query, "paidAmount", operation)?;
    let paid_currency = match call.query.get("paidAmountCurrency").filter(|v| !v.trim().is_empty()) {
        Some(_) => number_argument(&call.query, "paidAmountCurrency", operation)?,
        None => paid,
    };
    let sandbox = sandbox(&call.req)?;
    let base = render::api_base(&call.req);
    let company = owner_company(invoice_def, &call.principal);
    let (principal, id) = (call.principal, call.id);
    let value = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(invoice_def, &principal, db)?;
            let mut invoice = load(invoice_def, db, company, id)?;
            let known = db
                .object("invoice/paymentType", payment_type)?
                .is_some_and(|t| t.company_id == company);
            rules::payment_type_exists(payment_type, known)?;
            for (field, amount) in [
                ("amountOutstanding", paid),
                ("amountOutstandingTotal", paid),
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
            save(invoice_def, db, &principal, &mut invoice)?;
            whole(invoice_def, &base, &invoice, db, company)
        })
        .await?;
    Ok(value_response(200, value))
}

/// `PUT /invoice/{id}/:createCreditNote?date`: a new invoice crediting the whole of this one.
async fn credit_invoice(call: Call) -> Result<HttpResponse, ApiError> {
    let invoice_def = def("invoice")?;
    let operation = "PUT /invoice/{id}/:createCreditNote";
    let date = date_argument(&call.query, "date", operation)?;
    let comment = call.query.get("comment").cloned().unwrap_or_default();
    let sandbox = sandbox(&call.req)?;
    let base = render::api_base(&call.req);
    let company = owner_company(invoice_def, &call.principal);
    let (principal, id) = (call.principal, call.id);
    let ids = sandbox.clone();
    let value = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(invoice_def, &principal, db)?;
            let mut original = load(invoice_def, db, company, id)?;
            rules::invoice_can_be_credited(id, &original.body)?;
            let highest = db.max_number(&invoice_def.path, company)?;
            let body = rules::credit_note_of(&original.body, id, &date.to_string(), &comment);
            let body = resource::new_object_body(invoice_def, body, highest)?;
            let note = StoredObject {
                id: ids.next_id(),
                company_id: company,
                version: 0,
                body,
                changes: vec![change(&principal, "CREATE", &principal.0.here.now.to_string())],
            };
            db.insert_object(&invoice_def.path, &note)?;
            for (field, value) in rules::credited(&original.body) {
                original.body.insert(field.into(), value);
            }
            save(invoice_def, db, &principal, &mut original)?;
            whole(invoice_def, &base, &note, db, company)
        })
        .await?;
    Ok(value_response(200, value))
}

/// `PUT /invoice/{id}/:send?sendType`: the invoice exists and the way to send it is one Tripletex has.
fn send_invoice(call: Call) -> Result<HttpResponse, ApiError> {
    let invoice_def = def("invoice")?;
    let send_type = argument(&call.query, "sendType", "PUT /invoice/{id}/:send")?;
    rules::send_type_is_known(send_type)?;
    let company = owner_company(invoice_def, &call.principal);
    sandbox(&call.req)?.store().with(|db| {
        check_access(invoice_def, &call.principal, db)?;
        load(invoice_def, db, company, call.id).map(|_| ())
    })?;
    Ok(HttpResponse::NoContent().finish())
}

// ---- vouchers -------------------------------------------------------------------------------

/// `PUT /ledger/voucher/{id}/:reverse?date`: a new voucher with every posting turned round.
async fn reverse_voucher(call: Call) -> Result<HttpResponse, ApiError> {
    let voucher_def = def("ledger/voucher")?;
    let date = date_argument(&call.query, "date", "PUT /ledger/voucher/{id}/:reverse")?;
    let sandbox = sandbox(&call.req)?;
    let base = render::api_base(&call.req);
    let company = owner_company(voucher_def, &call.principal);
    let (principal, id) = (call.principal, call.id);
    let ids = sandbox.clone();
    let value = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(voucher_def, &principal, db)?;
            let mut original = load(voucher_def, db, company, id)?;
            crate::domain::ledger::voucher_can_be_reversed(id, &original.body)?;
            let sent = crate::domain::ledger::reversal_of(&original.body, &date.to_string());
            let (reversal, _) = insert_new(
                voucher_def,
                db,
                &principal,
                company,
                check_new(voucher_def, &sent),
                &sent,
                &|| ids.next_id(),
            )?;
            original
                .body
                .insert("reverseVoucher".into(), json!({ "id": reversal.id }));
            save(voucher_def, db, &principal, &mut original)?;
            whole(voucher_def, &base, &reversal, db, company)
        })
        .await?;
    Ok(value_response(200, value))
}

/// `POST /ledger/voucher/{voucherId}/attachment` (a multipart file): the voucher gets a document.
/// The file's bytes are read and not kept: the sandbox records that a document is attached.
async fn attach_to_voucher(call: Call) -> Result<HttpResponse, ApiError> {
    let voucher_def = def("ledger/voucher")?;
    let sandbox = sandbox(&call.req)?;
    let base = render::api_base(&call.req);
    let company = owner_company(voucher_def, &call.principal);
    let (principal, id) = (call.principal, call.id);
    let ids = sandbox.clone();
    let value = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(voucher_def, &principal, db)?;
            let mut voucher = load(voucher_def, db, company, id)?;
            let document = json!({ "id": ids.next_id() });
            voucher.body.insert("attachment".into(), document.clone());
            voucher.body.insert("document".into(), document);
            save(voucher_def, db, &principal, &mut voucher)?;
            whole(voucher_def, &base, &voucher, db, company)
        })
        .await?;
    Ok(value_response(201, value))
}

/// `PUT /ledger/voucher/{id}/:sendToLedger`: a voucher made here is in the ledger already.
fn voucher_in_ledger(call: Call) -> Result<HttpResponse, ApiError> {
    let voucher_def = def("ledger/voucher")?;
    let base = render::api_base(&call.req);
    let company = owner_company(voucher_def, &call.principal);
    let value = sandbox(&call.req)?.store().with(|db| {
        check_access(voucher_def, &call.principal, db)?;
        let voucher = load(voucher_def, db, company, call.id)?;
        whole(voucher_def, &base, &voucher, db, company)
    })?;
    Ok(value_response(200, value))
}

// ---- travel expenses, activities, supplier invoices ------------------------------------------

#[derive(Clone, Copy)]
enum TravelStep {
    Deliver,
    Approve,
    Undeliver,
    Unapprove,
}

/// `PUT /travelExpense/:deliver|:approve|:undeliver|:unapprove?id=1,2`: each travel expense named
/// moves to its new state, or, if one cannot, none does.
async fn travel_state(call: Call, step: TravelStep) -> Result<HttpResponse, ApiError> {
    let travel_def = def("travelExpense")?;
    let text = argument(&call.query, "id", "PUT /travelExpense/:…")?;
    query::check("id", text, ValueType::IdList)?;
    let ids: Vec<i64> = text.split(',').filter_map(|i| i.trim().parse().ok()).collect();
    let today = call
        .principal
        .0
        .here
        .now
        .to_string()
        .get(..10)
        .unwrap_or_default()
        .to_owned();
    let sandbox = sandbox(&call.req)?;
    let base = render::api_base(&call.req);
    let company = owner_company(travel_def, &call.principal);
    let principal = call.principal;
    let values = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(travel_def, &principal, db)?;
            let mut values = Vec::with_capacity(ids.len());
            for id in ids {
                let mut travel = load(travel_def, db, company, id)?;
                let state = travel
                    .body
                    .get("state")
                    .and_then(Value::as_str)
                    .unwrap_or("OPEN")
                    .to_owned();
                let changes = match step {
                    TravelStep::Deliver => crate::domain::travel::travel_expense_delivered(id, &state, &today)?,
                    TravelStep::Approve => crate::domain::travel::travel_expense_approved(id, &state, &today)?,
                    TravelStep::Undeliver => crate::domain::travel::travel_expense_undelivered(id, &state)?,
                    TravelStep::Unapprove => crate::domain::travel::travel_expense_unapproved(id, &state)?,
                };
                travel.body.extend(changes);
                save(travel_def, db, &principal, &mut travel)?;
                values.push(whole(travel_def, &base, &travel, db, company)?);
            }
            Ok::<_, ApiError>(values)
        })
        .await?;
    let count = values.len();
    Ok(json_response(
        200,
        &json!({"fullResultSize": count, "from": 0, "count": count, "versionDigest": null, "values": values}),
    ))
}

/// `GET /activity/>forTimeSheet?projectId`: the activities hours can be registered on — the
/// general ones and the project's own.
async fn activities_for_time_sheet(call: Call) -> Result<HttpResponse, ApiError> {
    let activity_def = def("activity")?;
    let project = argument(&call.query, "projectId", "GET /activity/>forTimeSheet")?;
    query::check("projectId", project, ValueType::Integer)?;
    let mut query: HashMap<String, String> = call
        .query
        .iter()
        .filter(|(k, _)| matches!(k.as_str(), "from" | "count" | "sorting" | "fields"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    query.insert("isInactive".into(), "false".into());
    resources::list(activity_def, call.req, call.principal, query).await
}

/// `PUT /supplierInvoice/voucher/{id}/postings` with `[{"posting": {…}}, …]`: the postings of the
/// supplier invoice's voucher are replaced (and must balance); the supplier invoice is answered.
async fn post_supplier_invoice(call: Call) -> Result<HttpResponse, ApiError> {
    let (supplier_invoice_def, voucher_def) = (def("supplierInvoice")?, def("ledger/voucher")?);
    let postings: Vec<Value> = match &call.body {
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.get("posting").cloned().unwrap_or_else(|| i.clone()))
            .collect(),
        _ => {
            return Err(ApiError::new(ErrorKind::Validation)
                .with_developer_message(
                    "PUT /supplierInvoice/voucher/{id}/postings takes a JSON list of {\"posting\": {…}}.",
                )
                .with_validation(vec![ValidationMessage::field("", "Forventet en JSON-liste.")]));
        }
    };
    let sandbox = sandbox(&call.req)?;
    let base = render::api_base(&call.req);
    let company = owner_company(supplier_invoice_def, &call.principal);
    let (principal, id) = (call.principal, call.id);
    let ids = sandbox.clone();
    let value = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(supplier_invoice_def, &principal, db)?;
            let invoice = db
                .objects(&supplier_invoice_def.path, company)?
                .into_iter()
                .find(|i| i.body.get("voucher").and_then(|v| v.get("id")).and_then(Value::as_i64) == Some(id))
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "No supplier invoice with voucher {id} in the company you act in."
                    ))
                })?;
            let voucher = load(voucher_def, db, company, id)?;
            let sent = json!({ "postings": postings });
            resources::change_object(voucher_def, db, &principal, company, voucher, &sent, &|| ids.next_id())?;
            whole(supplier_invoice_def, &base, &invoice, db, company)
        })
        .await?;
    Ok(value_response(200, value))
}

/// `PUT /supplierInvoice/{invoiceId}/:approve`: the supplier invoice is marked approved.
async fn approve_supplier_invoice(call: Call) -> Result<HttpResponse, ApiError> {
    let supplier_invoice_def = def("supplierInvoice")?;
    let comment = call.query.get("comment").cloned();
    let sandbox = sandbox(&call.req)?;
    let base = render::api_base(&call.req);
    let company = owner_company(supplier_invoice_def, &call.principal);
    let (principal, id) = (call.principal, call.id);
    let value = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(supplier_invoice_def, &principal, db)?;
            let mut invoice = load(supplier_invoice_def, db, company, id)?;
            let mut approval = Map::new();
            approval.insert("status".into(), json!("APPROVED"));
            approval.insert("comment".into(), json!(comment));
            invoice.body.insert("approvalListElements".into(), json!([approval]));
            save(supplier_invoice_def, db, &principal, &mut invoice)?;
            whole(supplier_invoice_def, &base, &invoice, db, company)
        })
        .await?;
    Ok(value_response(200, value))
}
