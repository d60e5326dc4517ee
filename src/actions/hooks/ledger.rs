//! The ledger's operations beyond their shape: postings read from the vouchers that hold them,
//! a voucher reversed, attached to or sent to the ledger, and a supplier invoice's voucher
//! posted and approved.

use super::booking::book;
use super::{arguments_present, date_argument, def, whole};
use crate::actions::write::{change_object, check_new, insert_new, save};
use crate::actions::{Actor, Answer, Input, check_access, load, owner_company, views};
use crate::domain::kind::Kind;
use crate::domain::resource;
use crate::store::{Db, PostingColumn, PostingFilter, PostingRow, StoredObject};
use crate::wire::envelope::{ListParams, ListQuery};
use crate::wire::fields::FieldFilter;
use crate::wire::query::{self, ValueType};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The filters of `GET /ledger/posting` that name what a posting points at.
pub(super) const POINTS_AT: [(&str, PostingColumn); 10] = [
    ("accountId", PostingColumn::Account),
    ("supplierId", PostingColumn::Supplier),
    ("customerId", PostingColumn::Customer),
    ("employeeId", PostingColumn::Employee),
    ("departmentId", PostingColumn::Department),
    ("projectId", PostingColumn::Project),
    ("productId", PostingColumn::Product),
    ("accountingDimensionValue1Id", PostingColumn::Dimension1),
    ("accountingDimensionValue2Id", PostingColumn::Dimension2),
    ("accountingDimensionValue3Id", PostingColumn::Dimension3),
];

/// A stored posting as the API shows it: with its voucher and its date.
fn shown_posting(row: &PostingRow, base: &str) -> Result<Value, ApiError> {
    views::posting(base, row)
}

/// The columns `query` narrows postings by: the ids of what they point at, and the accounts
/// whose numbers lie within `accountNumberFrom`/`To`.
fn posting_columns(
    db: &Db<'_>,
    company: i64,
    query: &HashMap<String, String>,
) -> Result<Vec<(PostingColumn, Vec<i64>)>, ApiError> {
    let mut columns = Vec::new();
    for (name, column) in POINTS_AT {
        if let Some(text) = query.get(name).filter(|t| !t.trim().is_empty()) {
            query::check(name, text, ValueType::IdList)?;
            let ids = text.split(',').filter_map(|w| w.trim().parse().ok()).collect();
            columns.push((column, ids));
        }
    }
    let bound = |name: &str| -> Result<Option<i64>, ApiError> {
        match query.get(name).filter(|t| !t.trim().is_empty()) {
            Some(text) => {
                query::check(name, text, ValueType::Integer)?;
                Ok(text.trim().parse().ok())
            }
            None => Ok(None),
        }
    };
    let (low, high) = (bound("accountNumberFrom")?, bound("accountNumberTo")?);
    if low.is_some() || high.is_some() {
        let ids = db
            .account_numbers(company)?
            .into_iter()
            .filter(|(_, n)| low.is_none_or(|l| *n >= l) && high.is_none_or(|h| *n <= h))
            .map(|(id, _)| id)
            .collect();
        columns.push((PostingColumn::Account, ids));
    }
    Ok(columns)
}

/// `GET /ledger/posting?dateFrom&dateTo&…`: a page of the postings in the dates (`dateTo`
/// exclusive), read through the ledger's index and paged there unless a sorting is asked for.
pub fn list_postings(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let (voucher_def, posting_def) = (def(Kind::Voucher)?, def(Kind::Posting)?);
    let operation = "GET /ledger/posting";
    let query = &input.query;
    arguments_present(
        query,
        &["dateFrom", "dateTo"],
        "GET /ledger/posting needs the query arguments dateFrom and dateTo (To is exclusive).",
    )?;
    let from = date_argument(query, "dateFrom", operation)?.to_string();
    let to = date_argument(query, "dateTo", operation)?.to_string();
    let params = ListParams::parse(&ListQuery::of(query))?;
    let company = owner_company(voucher_def, actor);
    let paged_here = params.sorting.is_empty();
    let (full, values) = actor.sandbox.store().with(|db| {
        check_access(voucher_def, actor, db)?;
        let filter = PostingFilter {
            company_id: company,
            from: &from,
            to: &to,
            columns: posting_columns(db, company, query)?,
        };
        let (full, rows) = match paged_here {
            true => db.postings(&filter, params.from, Some(params.count))?,
            false => db.postings(&filter, 0, None)?,
        };
        let mut values = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut posting = shown_posting(row, &actor.base)?;
            views::expand_line_references(posting_def, &mut posting, &params.fields, db, &actor.base, company)?;
            values.push(posting);
        }
        Ok::<_, ApiError>((full, values))
    })?;
    Ok(match paged_here {
        true => Answer::Slice {
            values,
            full,
            params,
            model: "Posting",
        },
        false => Answer::Page {
            values,
            params,
            model: "Posting",
            checksum: None,
        },
    })
}

/// The account numbers whose postings can be open posts: receivables and payables.
const OPEN_POST_ACCOUNTS: [(i64, i64); 2] = [(1500, 1599), (2400, 2499)];

/// `GET /ledger/posting/openPost?date`: the postings on receivables and payables up to `date`
/// (inclusive) whose invoice is not settled by then, narrowed like `GET /ledger/posting`.
pub fn open_postings(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let (voucher_def, posting_def) = (def(Kind::Voucher)?, def(Kind::Posting)?);
    let operation = "GET /ledger/posting/openPost";
    arguments_present(
        &input.query,
        &["date"],
        "GET /ledger/posting/openPost needs the query argument date.",
    )?;
    let date = date_argument(&input.query, "date", operation)?;
    let to = date
        .tomorrow()
        .map_or_else(|_| "9999-12-31".to_owned(), |d| d.to_string());
    let params = ListParams::parse(&ListQuery::of(&input.query))?;
    let company = owner_company(voucher_def, actor);
    let values = actor.sandbox.store().with(|db| {
        check_access(voucher_def, actor, db)?;
        let mut columns = posting_columns(db, company, &input.query)?;
        let open_accounts = db
            .account_numbers(company)?
            .into_iter()
            .filter(|(_, n)| OPEN_POST_ACCOUNTS.iter().any(|(low, high)| (low..=high).contains(&n)))
            .map(|(id, _)| id)
            .collect();
        columns.push((PostingColumn::Account, open_accounts));
        let filter = PostingFilter {
            company_id: company,
            from: "",
            to: &to,
            columns,
        };
        let mut values = Vec::new();
        for row in db.open_postings(&filter)? {
            let mut posting = shown_posting(&row, &actor.base)?;
            views::expand_line_references(posting_def, &mut posting, &params.fields, db, &actor.base, company)?;
            values.push(posting);
        }
        Ok::<_, ApiError>(values)
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
    let (voucher_def, posting_def) = (def(Kind::Voucher)?, def(Kind::Posting)?);
    let fields = FieldFilter::parse(input.query.get("fields").map(String::as_str))?;
    let company = owner_company(voucher_def, actor);
    let found = actor.sandbox.store().with(|db| {
        check_access(voucher_def, actor, db)?;
        match db.posting(company, input.id)? {
            Some(row) => {
                let mut posting = shown_posting(&row, &actor.base)?;
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

/// A reversed payment owes again: each invoice the voucher settled on the receivables account
/// (a row crediting 1500 with the invoice's number) has that amount outstanding once more.
fn reopen_settled_invoices(
    db: &Db<'_>,
    actor: &Actor,
    company: i64,
    voucher: &Map<String, Value>,
) -> Result<(), ApiError> {
    let invoice_def = def(Kind::Invoice)?;
    let Some(receivables) = db.account_by_number(company, crate::domain::ledger::RECEIVABLES)? else {
        return Ok(());
    };
    for (number, settled, settled_currency) in crate::domain::ledger::settlements(voucher, receivables) {
        let found = db.objects(&invoice_def.path, company)?.into_iter().find(|i| {
            i.body
                .get("invoiceNumber")
                .and_then(Value::as_i64)
                .map(|n| n.to_string())
                == Some(number.clone())
        });
        let Some(mut invoice) = found else { continue };
        for (field, amount) in [
            ("amountOutstanding", settled),
            ("amountOutstandingTotal", settled),
            ("amountCurrencyOutstanding", settled_currency),
            ("amountCurrencyOutstandingTotal", settled_currency),
        ] {
            let before = invoice.body.get(field).and_then(Value::as_f64).unwrap_or_default();
            invoice
                .body
                .insert(field.into(), json!(crate::domain::ledger::round(before + amount)));
        }
        save(invoice_def, db, actor, &mut invoice)?;
    }
    Ok(())
}

/// `PUT /ledger/voucher/{id}/:reverse?date`: a new voucher with every posting turned round.
pub async fn reverse_voucher(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let voucher_def = def(Kind::Voucher)?;
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
            reopen_settled_invoices(db, acting, company, &original.body)?;
            whole(voucher_def, &acting.base, &reversal, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 200, value })
}

/// `POST /ledger/voucher/{voucherId}/attachment` (a multipart file): the voucher gets a document.
/// The file's bytes are not kept: the sandbox records that a document is attached.
pub async fn attach_to_voucher(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let voucher_def = def(Kind::Voucher)?;
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
    let voucher_def = def(Kind::Voucher)?;
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
    let (supplier_invoice_def, voucher_def) = (def(Kind::SupplierInvoice)?, def(Kind::Voucher)?);
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
    let supplier_invoice_def = def(Kind::SupplierInvoice)?;
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

/// Books a supplier's invoice sent to the ledger: each order line on its account with its VAT
/// type, the total owed to the supplier.
fn book_incoming_invoice(db: &Db<'_>, actor: &Actor, invoice: &StoredObject) -> Result<(), ApiError> {
    let header = invoice.body.get("invoiceHeader").cloned().unwrap_or(Value::Null);
    let lines: Vec<(i64, f64, Option<i64>)> = invoice
        .body
        .get("orderLines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|line| {
            let account = line.get("accountId")?.as_i64()?;
            let gross = line.get("amountInclVat").and_then(Value::as_f64).unwrap_or(0.0);
            Some((account, gross, line.get("vatTypeId").and_then(Value::as_i64)))
        })
        .collect();
    if lines.is_empty() {
        return Ok(());
    }
    let text = |name: &str| header.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    let date = match text("invoiceDate") {
        date if date.is_empty() => actor.now.to_string().get(..10).unwrap_or_default().to_owned(),
        date => date,
    };
    let description = match text("description") {
        given if given.is_empty() => format!("Leverandørfaktura {}", text("invoiceNumber"))
            .trim_end()
            .to_owned(),
        given => given,
    };
    let supplier = header.get("vendorId").and_then(Value::as_i64);
    let entries = crate::domain::ledger::supplier_invoice_entries(supplier, &lines, &description);
    book(db, actor, &date, (&description, "Leverandørfaktura"), entries).map(|_| ())
}

/// `POST /salary/transaction` with payslips and their specifications: the run is stored as a
/// create stores it, and booked as one salary voucher (each payslip's pay, tax withheld and the
/// employer's contribution).
pub async fn create_salary_transaction(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let salary_def = def(Kind::SalaryTransaction)?;
    let body = input.body.unwrap_or(Value::Null);
    // The read model lists payslips as references; a run is posted with its payslips whole, so
    // they are kept as sent and only the rest is merged onto the model.
    let mut rest = body.clone();
    let payslips = rest
        .as_object_mut()
        .and_then(|b| b.remove("payslips"))
        .unwrap_or_else(|| json!([]));
    if body.get("payslips").is_some() {
        crate::domain::ledger::salary_run_has_payslips(payslips.as_array().map_or(0, Vec::len))?;
    }
    let employees: Vec<resource::Reference> = payslips
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, slip)| {
            Some(resource::Reference {
                field: format!("payslips[{index}].employee"),
                resource: "employee".into(),
                id: slip.get("employee")?.get("id")?.as_i64()?,
            })
        })
        .collect();
    let checked = check_new(salary_def, &rest).map(|(mut merged, mut references, _)| {
        let required = resource::required_fields_are_present(salary_def, body.as_object().unwrap_or(&merged));
        merged.insert("payslips".into(), payslips);
        references.extend(employees);
        (merged, references, required)
    });
    let value = actor
        .transaction(move |db, acting| {
            let (run, _) = insert_new(salary_def, db, acting, checked, &body)?;
            let date = run
                .body
                .get("date")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let date = match date.is_empty() {
                true => acting.now.to_string().get(..10).unwrap_or_default().to_owned(),
                false => date,
            };
            let mut entries = Vec::new();
            for payslip in run.body.get("payslips").and_then(Value::as_array).into_iter().flatten() {
                let employee = payslip
                    .get("employee")
                    .and_then(|e| e.get("id"))
                    .and_then(Value::as_i64);
                let gross: f64 = payslip
                    .get("specifications")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(crate::domain::ledger::specification_amount)
                    .sum();
                entries.extend(crate::domain::ledger::payslip_entries(employee, gross, "Lønn"));
            }
            if !entries.is_empty() {
                book(db, acting, &date, ("Lønnsbilag", "Lønnsbilag"), entries)?;
            }
            whole(salary_def, &acting.base, &run, db, run.company_id)
        })
        .await?;
    Ok(Answer::Value { status: 201, value })
}

/// `POST /incomingInvoice?sendTo`: the supplier's invoice is stored as a create stores it, and
/// answered as the document's `IncomingInvoiceSaveResult`, which names it by its voucher id (the
/// id `GET /incomingInvoice/{voucherId}` reads it by).
pub async fn create_incoming_invoice(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let incoming_def = def(Kind::IncomingInvoice)?;
    let life_cycle = match input.query.get("sendTo").map(String::as_str) {
        Some("ledger") => "IN_LEDGER",
        Some("nonPosted") => "DRAFT_IN_NON_POSTED",
        _ => "DRAFT_IN_INBOX",
    };
    let body = input.body.unwrap_or(Value::Null);
    // The read model's order lines are read-only; the write model's are kept as sent.
    let lines = body.get("orderLines").filter(|l| l.is_array()).cloned();
    let checked = check_new(incoming_def, &body).map(|(mut merged, references, required)| {
        if let Some(lines) = lines {
            merged.insert("orderLines".into(), lines);
        }
        (merged, references, required)
    });
    let (object, _) = actor
        .transaction(move |db, acting| {
            let made = insert_new(incoming_def, db, acting, checked, &body)?;
            if life_cycle == "IN_LEDGER" {
                book_incoming_invoice(db, acting, &made.0)?;
            }
            Ok(made)
        })
        .await?;
    let year = object
        .body
        .get("invoiceHeader")
        .and_then(|h| h.get("invoiceDate"))
        .and_then(Value::as_str)
        .and_then(|date| date.parse::<jiff::civil::Date>().ok())
        .map(|date| i64::from(date.year()))
        .or_else(|| actor.now.to_string().get(..4)?.parse().ok())
        .unwrap_or_default();
    let value = json!({
        "invoiceLifeCycle": life_cycle,
        "paymentIdsToApprove": [],
        "redirectUrl": "",
        "version": object.version,
        "voucherId": object.id,
        "voucherNumber": 0,
        "voucherTempNumber": 0,
        "voucherYear": year,
    });
    Ok(Answer::Value { status: 201, value })
}
