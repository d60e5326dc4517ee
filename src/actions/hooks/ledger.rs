//! The ledger's operations beyond their shape: postings read from the vouchers that hold them,
//! a voucher reversed, attached to or sent to the ledger, and a supplier invoice's voucher
//! posted and approved.

use super::{arguments_present, date_argument, def, whole};
use crate::actions::write::{change_object, check_new, insert_new, save};
use crate::actions::{Actor, Answer, Input, check_access, load, owner_company, views};
use crate::domain::resource;
use crate::store::Db;
use crate::wire::envelope::{ListParams, ListQuery};
use crate::wire::fields::FieldFilter;
use crate::wire::query::{self, ValueType};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The filters of `GET /ledger/posting` that name what a posting points at.
const POINTS_AT: [(&str, &str); 7] = [
    ("accountId", "account"),
    ("supplierId", "supplier"),
    ("customerId", "customer"),
    ("employeeId", "employee"),
    ("departmentId", "department"),
    ("projectId", "project"),
    ("productId", "product"),
];

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
            let mut shown = views::render_line(Some(posting_def), base, posting);
            if let Some(fields) = shown.as_object_mut() {
                fields.insert("voucher".into(), views::stub(base, "ledger/voucher", voucher.id));
                if fields.get("date").is_none_or(|d| d.is_null() || d == "") {
                    fields.insert("date".into(), date.clone());
                }
            }
            out.push(shown);
        }
    }
    Ok(out)
}

/// Whether a posting passes `GET /ledger/posting`'s filters (ids of what it points at, its date,
/// its account's number within bounds).
fn posting_matches(
    posting: &Value,
    query: &HashMap<String, String>,
    (from, to): (&str, &str),
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
    for (param, field) in POINTS_AT {
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

/// `GET /ledger/posting?dateFrom&dateTo&…`.
pub fn list_postings(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let (voucher_def, posting_def) = (def("ledger/voucher")?, def("ledger/posting")?);
    let operation = "GET /ledger/posting";
    let query = &input.query;
    arguments_present(
        query,
        &["dateFrom", "dateTo"],
        "GET /ledger/posting needs the query arguments dateFrom and dateTo (To is exclusive).",
    )?;
    let from = date_argument(query, "dateFrom", operation)?.to_string();
    let to = date_argument(query, "dateTo", operation)?.to_string();
    for (name, _) in POINTS_AT {
        if let Some(text) = query.get(name) {
            query::check(name, text, ValueType::IdList)?;
        }
    }
    let params = ListParams::parse(&ListQuery::of(query))?;
    let company = owner_company(voucher_def, actor);
    let values = actor.sandbox.store().with(|db| {
        check_access(voucher_def, actor, db)?;
        let numbers: HashMap<i64, i64> = db
            .objects("ledger/account", company)?
            .iter()
            .filter_map(|a| Some((a.id, a.body.get("number")?.as_i64()?)))
            .collect();
        let mut selected = Vec::new();
        for mut posting in postings(db, company, &actor.base)? {
            if posting_matches(&posting, query, (&from, &to), &numbers) {
                views::expand_line_references(posting_def, &mut posting, &params.fields, db, &actor.base, company)?;
                selected.push(posting);
            }
        }
        Ok::<_, ApiError>(selected)
    })?;
    Ok(Answer::Page {
        values,
        params,
        model: "Posting",
        checksum: None,
    })
}

/// `GET /ledger/posting/{id}`.
pub fn get_posting(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let (voucher_def, posting_def) = (def("ledger/voucher")?, def("ledger/posting")?);
    let fields = FieldFilter::parse(input.query.get("fields").map(String::as_str))?;
    let company = owner_company(voucher_def, actor);
    let found = actor.sandbox.store().with(|db| {
        check_access(voucher_def, actor, db)?;
        let found = postings(db, company, &actor.base)?
            .into_iter()
            .find(|p| p.get("id").and_then(Value::as_i64) == Some(input.id));
        match found {
            Some(mut posting) => {
                views::expand_line_references(posting_def, &mut posting, &fields, db, &actor.base, company)?;
                Ok::<_, ApiError>(Some(posting))
            }
            None => Ok(None),
        }
    })?;
    let value = found
        .ok_or_else(|| ApiError::not_found(format!("No posting with id {} in the company you act in.", input.id)))?;
    Ok(Answer::One {
        status: 200,
        value,
        fields,
        model: "Posting",
    })
}

/// `PUT /ledger/voucher/{id}/:reverse?date`: a new voucher with every posting turned round.
pub async fn reverse_voucher(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let voucher_def = def("ledger/voucher")?;
    let date = date_argument(&input.query, "date", "PUT /ledger/voucher/{id}/:reverse")?;
    let id = input.id;
    let value = actor
        .transaction(move |db, acting| {
            check_access(voucher_def, acting, db)?;
            let company = owner_company(voucher_def, acting);
            let mut original = load(voucher_def, db, company, id)?;
            crate::domain::ledger::voucher_can_be_reversed(id, &original.body)?;
            let sent = crate::domain::ledger::reversal_of(&original.body, &date.to_string());
            let (reversal, _) = insert_new(voucher_def, db, acting, check_new(voucher_def, &sent), &sent)?;
            original
                .body
                .insert("reverseVoucher".into(), json!({ "id": reversal.id }));
            save(voucher_def, db, acting, &mut original)?;
            whole(voucher_def, &acting.base, &reversal, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 200, value })
}

/// `POST /ledger/voucher/{voucherId}/attachment` (a multipart file): the voucher gets a document.
/// The file's bytes are not kept: the sandbox records that a document is attached.
pub async fn attach_to_voucher(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let voucher_def = def("ledger/voucher")?;
    let id = input.id;
    let value = actor
        .transaction(move |db, acting| {
            check_access(voucher_def, acting, db)?;
            let company = owner_company(voucher_def, acting);
            let mut voucher = load(voucher_def, db, company, id)?;
            let document = json!({ "id": acting.sandbox.next_id() });
            voucher.body.insert("attachment".into(), document.clone());
            voucher.body.insert("document".into(), document);
            save(voucher_def, db, acting, &mut voucher)?;
            whole(voucher_def, &acting.base, &voucher, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 201, value })
}

/// `PUT /ledger/voucher/{id}/:sendToLedger`: a voucher made here is in the ledger already.
pub fn voucher_in_ledger(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let voucher_def = def("ledger/voucher")?;
    let company = owner_company(voucher_def, actor);
    let value = actor.sandbox.store().with(|db| {
        check_access(voucher_def, actor, db)?;
        let voucher = load(voucher_def, db, company, input.id)?;
        whole(voucher_def, &actor.base, &voucher, db, company)
    })?;
    Ok(Answer::Value { status: 200, value })
}

/// `PUT /supplierInvoice/voucher/{id}/postings` with `[{"posting": {…}}, …]`: the postings of the
/// supplier invoice's voucher are replaced (and must balance); the supplier invoice is answered.
pub async fn post_supplier_invoice(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let (supplier_invoice_def, voucher_def) = (def("supplierInvoice")?, def("ledger/voucher")?);
    let postings: Vec<Value> = match &input.body {
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
    let id = input.id;
    let value = actor
        .transaction(move |db, acting| {
            check_access(supplier_invoice_def, acting, db)?;
            let company = owner_company(supplier_invoice_def, acting);
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
            change_object(voucher_def, db, acting, voucher, &json!({ "postings": postings }))?;
            whole(supplier_invoice_def, &acting.base, &invoice, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 200, value })
}

/// `PUT /supplierInvoice/{invoiceId}/:approve`: the supplier invoice is marked approved.
pub async fn approve_supplier_invoice(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let supplier_invoice_def = def("supplierInvoice")?;
    let comment = input.query.get("comment").cloned();
    let id = input.id;
    let value = actor
        .transaction(move |db, acting| {
            check_access(supplier_invoice_def, acting, db)?;
            let company = owner_company(supplier_invoice_def, acting);
            let mut invoice = load(supplier_invoice_def, db, company, id)?;
            let mut approval = Map::new();
            approval.insert("status".into(), json!("APPROVED"));
            approval.insert("comment".into(), json!(comment));
            invoice.body.insert("approvalListElements".into(), json!([approval]));
            save(supplier_invoice_def, db, acting, &mut invoice)?;
            whole(supplier_invoice_def, &acting.base, &invoice, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 200, value })
}
