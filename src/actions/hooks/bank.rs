//! The bank: a statement imported from the bank's CSV file, and reconciliation matches between
//! its transactions and the ledger's postings on the bank account (suggested or made by hand).

use super::{argument, arguments_present, date_argument, def, id_argument, whole};
use crate::actions::write::{check_new, insert_new, save};
use crate::actions::{Actor, Answer, Input, check_access, load, owner_company};
use crate::domain::bank;
use crate::domain::kind::Kind;
use crate::domain::ledger::round;
use crate::store::{Db, PostingColumn, PostingFilter, StoredObject};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use serde_json::{Map, Value, json};
use std::collections::HashSet;

fn stored(company_id: i64, id: i64, body: Value) -> StoredObject {
    StoredObject {
        id,
        company_id,
        version: 0,
        body: body.as_object().cloned().unwrap_or_default(),
        changes: vec![],
    }
}

/// `POST /bank/statement/import?bankId&accountId&fromDate&toDate&fileFormat` with the bank's
/// file: the statement and one transaction per line, on the ledger account `accountId`.
pub async fn import_statement(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let operation = "POST /bank/statement/import";
    arguments_present(
        &input.query,
        &["bankId", "accountId", "fromDate", "toDate", "fileFormat"],
        "POST /bank/statement/import needs bankId, accountId, fromDate, toDate and fileFormat.",
    )?;
    id_argument(&input.query, "bankId", operation)?;
    let account = id_argument(&input.query, "accountId", operation)?;
    let from = date_argument(&input.query, "fromDate", operation)?.to_string();
    let to = date_argument(&input.query, "toDate", operation)?.to_string();
    let format = argument(&input.query, "fileFormat", operation)?.trim().to_owned();
    let file = input.file.ok_or_else(|| {
        ApiError::new(ErrorKind::BadRequest)
            .with_developer_message("POST /bank/statement/import takes the bank's file as a multipart part named file.")
    })?;
    let read = bank::statement_can_be_read(&format, &String::from_utf8_lossy(&file.bytes))?;
    let statement_def = def(Kind::BankStatement)?;
    let value = actor
        .transaction(move |db, acting| {
            check_access(statement_def, acting, db)?;
            let company = owner_company(statement_def, acting);
            load(def(Kind::Account)?, db, company, account)?;
            let statement_id = acting.sandbox.next_id();
            let mut ids = Vec::with_capacity(read.transactions.len());
            for line in &read.transactions {
                let id = acting.sandbox.next_id();
                let body = json!({
                    "postedDate": line.date,
                    "description": line.description,
                    "amountCurrency": line.amount,
                    "account": {"id": account},
                    "bankStatement": {"id": statement_id},
                    "matched": false,
                    "matchType": "NO_MATCH",
                    "bankReconciliationMatchSum": 0,
                    "companyId": company,
                });
                db.insert_object(Kind::BankTransaction.path(), &stored(company, id, body))?;
                ids.push(json!({ "id": id }));
            }
            let body = json!({
                "fileName": file.file_name,
                "fromDate": from,
                "toDate": to,
                "openingBalanceCurrency": read.opening_balance,
                "closingBalanceCurrency": read.closing_balance,
                "bank": null,
                "transactions": ids,
            });
            let statement = stored(company, statement_id, body);
            db.insert_object(Kind::BankStatement.path(), &statement)?;
            whole(statement_def, &acting.base, &statement, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 201, value })
}

/// A reconciliation's account and the dates of its accounting period (`end` exclusive).
struct Reconciled {
    account: i64,
    start: String,
    end: String,
}

fn reconciled(db: &Db<'_>, company: i64, id: i64) -> Result<Reconciled, ApiError> {
    let reconciliation = load(def(Kind::BankReconciliation)?, db, company, id)?;
    let reference = |name: &str| {
        reconciliation
            .body
            .get(name)
            .and_then(|r| r.get("id"))
            .and_then(Value::as_i64)
    };
    let period = match reference("accountingPeriod") {
        Some(period) => db.object(Kind::AccountingPeriod.path(), period)?,
        None => None,
    };
    let date = |name: &str| {
        period
            .as_ref()
            .and_then(|p| p.body.get(name)?.as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    Ok(Reconciled {
        account: reference("account").unwrap_or_default(),
        start: date("start"),
        end: date("end"),
    })
}

/// The ids of the transactions and postings the reconciliation's matches already hold.
fn matched_ids(db: &Db<'_>, company: i64, reconciliation: i64) -> Result<(HashSet<i64>, HashSet<i64>), ApiError> {
    let (mut transactions, mut postings) = (HashSet::new(), HashSet::new());
    for found in db.objects(Kind::BankMatch.path(), company)? {
        let of_this = found
            .body
            .get("bankReconciliation")
            .and_then(|r| r.get("id"))
            .and_then(Value::as_i64);
        if of_this != Some(reconciliation) {
            continue;
        }
        transactions.extend(ids_in(&found.body, "transactions"));
        postings.extend(ids_in(&found.body, "postings"));
    }
    Ok((transactions, postings))
}

/// `PUT /bank/reconciliation/match/:suggest?bankReconciliationId`: each unmatched transaction in
/// the period that has exactly one unmatched posting of the same amount on the same date on the
/// bank account is suggested as a match (`PENDING_SUGGESTION`).
pub async fn suggest(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let reconciliation = id_argument(
        &input.query,
        "bankReconciliationId",
        "PUT /bank/reconciliation/match/:suggest",
    )?;
    let match_def = def(Kind::BankMatch)?;
    let values = actor
        .transaction(move |db, acting| {
            check_access(match_def, acting, db)?;
            let company = owner_company(match_def, acting);
            let period = reconciled(db, company, reconciliation)?;
            let (taken_transactions, taken_postings) = matched_ids(db, company, reconciliation)?;
            let filter = PostingFilter {
                company_id: company,
                from: &period.start,
                to: &period.end,
                columns: vec![(PostingColumn::Account, vec![period.account])],
            };
            let (_, rows) = db.postings(&filter, 0, None)?;
            let postings: Vec<(i64, String, f64)> = rows
                .iter()
                .filter_map(|row| {
                    let body: Value = serde_json::from_str(&row.body).ok()?;
                    Some((
                        body.get("id")?.as_i64()?,
                        row.date.clone(),
                        body.get("amount")?.as_f64()?,
                    ))
                })
                .filter(|(id, _, _)| !taken_postings.contains(id))
                .collect();
            let mut suggested = Vec::new();
            for transaction in db.objects(Kind::BankTransaction.path(), company)? {
                let field = |name: &str| transaction.body.get(name).cloned().unwrap_or(Value::Null);
                let date = field("postedDate").as_str().unwrap_or_default().to_owned();
                let on_account = field("account").get("id").and_then(Value::as_i64) == Some(period.account);
                let in_period = date >= period.start && date < period.end;
                if !on_account || !in_period || taken_transactions.contains(&transaction.id) {
                    continue;
                }
                let amount = round(field("amountCurrency").as_f64().unwrap_or_default());
                let candidates: Vec<i64> = postings
                    .iter()
                    .filter(|(_, on, posted)| *on == date && round(*posted) == amount)
                    .map(|(id, _, _)| *id)
                    .collect();
                if let [posting] = candidates[..] {
                    let body = json!({
                        "bankReconciliation": {"id": reconciliation},
                        "type": "PENDING_SUGGESTION",
                        "transactions": [{"id": transaction.id}],
                        "postings": [{"id": posting}],
                    });
                    let (made, _) = insert_new(match_def, db, acting, check_new(match_def, &body), &body)?;
                    suggested.push(whole(match_def, &acting.base, &made, db, company)?);
                }
            }
            Ok(suggested)
        })
        .await?;
    let params = crate::wire::envelope::ListParams::parse(&crate::wire::envelope::ListQuery::of(&input.query))?;
    Ok(Answer::Page {
        values,
        params,
        model: "BankReconciliationMatch",
        checksum: None,
    })
}

/// The ids of a match's `transactions` or `postings`.
fn ids_in(object: &Map<String, Value>, name: &str) -> Vec<i64> {
    object
        .get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.get("id")?.as_i64())
        .collect()
}

fn refused(field: &str, developer: String, message: &str) -> ApiError {
    ApiError::new(ErrorKind::Validation)
        .with_developer_message(developer)
        .with_validation(vec![ValidationMessage::field(field.to_owned(), message.to_owned())])
}

/// `POST /bank/reconciliation/match`: transactions of the bank's statement matched to postings of
/// the ledger; the transactions are matched from then on. A pending suggestion for the same
/// transactions gives way.
pub async fn create_match(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let match_def = def(Kind::BankMatch)?;
    let body = input.body.unwrap_or(Value::Null);
    let sent = |name: &str| body.as_object().map(|b| ids_in(b, name)).unwrap_or_default();
    let (transactions, postings) = (sent("transactions"), sent("postings"));
    let checked = check_new(match_def, &body);
    let value = actor
        .transaction(move |db, acting| {
            let company = owner_company(match_def, acting);
            check_access(match_def, acting, db)?;
            let reconciliation = body
                .get("bankReconciliation")
                .and_then(|r| r.get("id"))
                .and_then(Value::as_i64)
                .unwrap_or_default();
            for posting in &postings {
                if db.posting(company, *posting)?.is_none() {
                    return Err(refused(
                        "postings",
                        format!("There is no posting {posting} in the company you act in."),
                        "Posteringen finnes ikke.",
                    ));
                }
            }
            let mut sum = 0.0;
            let mut marked = Vec::with_capacity(transactions.len());
            for id in &transactions {
                let transaction = load(def(Kind::BankTransaction)?, db, company, *id)?;
                if transaction.body.get("matched").and_then(Value::as_bool) == Some(true) {
                    return Err(refused(
                        "transactions",
                        format!("Bank transaction {id} is matched already; delete its match first."),
                        "Transaksjonen er allerede avstemt.",
                    ));
                }
                sum += transaction
                    .body
                    .get("amountCurrency")
                    .and_then(Value::as_f64)
                    .unwrap_or_default();
                marked.push(transaction);
            }
            give_way(db, company, reconciliation, &transactions)?;
            let (made, _) = insert_new(match_def, db, acting, checked, &body)?;
            let transaction_def = def(Kind::BankTransaction)?;
            for mut transaction in marked {
                let fields: &mut Map<String, Value> = &mut transaction.body;
                fields.insert("matched".into(), json!(true));
                fields.insert("bankReconciliationMatchSum".into(), json!(round(sum)));
                fields.insert(
                    "matchType".into(),
                    json!(match_type(transactions.len(), postings.len())),
                );
                save(transaction_def, db, acting, &mut transaction)?;
            }
            whole(match_def, &acting.base, &made, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 201, value })
}

/// `DELETE /bank/reconciliation/match/{id}`: the match goes, and its transactions are unmatched
/// again (free for another match or suggestion).
pub async fn delete_match(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let match_def = def(Kind::BankMatch)?;
    actor
        .transaction(move |db, acting| {
            let company = owner_company(match_def, acting);
            check_access(match_def, acting, db)?;
            let found = load(match_def, db, company, input.id)?;
            db.delete_object(Kind::BankMatch.path(), found.id)?;
            let transaction_def = def(Kind::BankTransaction)?;
            for id in ids_in(&found.body, "transactions") {
                let Some(mut transaction) = db
                    .object(Kind::BankTransaction.path(), id)?
                    .filter(|t| t.company_id == company)
                else {
                    continue;
                };
                let fields: &mut Map<String, Value> = &mut transaction.body;
                fields.insert("matched".into(), json!(false));
                fields.insert("bankReconciliationMatchSum".into(), json!(0));
                fields.remove("matchType");
                save(transaction_def, db, acting, &mut transaction)?;
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(Answer::NoContent)
}

/// Pending suggestions holding any of `transactions` are withdrawn.
fn give_way(db: &Db<'_>, company: i64, reconciliation: i64, transactions: &[i64]) -> Result<(), ApiError> {
    for found in db.objects(Kind::BankMatch.path(), company)? {
        let pending = found.body.get("type").and_then(Value::as_str) == Some("PENDING_SUGGESTION");
        let of_this = found
            .body
            .get("bankReconciliation")
            .and_then(|r| r.get("id"))
            .and_then(Value::as_i64)
            == Some(reconciliation);
        let overlaps = ids_in(&found.body, "transactions")
            .iter()
            .any(|id| transactions.contains(id));
        if pending && of_this && overlaps {
            db.delete_object(Kind::BankMatch.path(), found.id)?;
        }
    }
    Ok(())
}

fn match_type(transactions: usize, postings: usize) -> &'static str {
    match (transactions > 1, postings > 1) {
        (false, false) => "ONE_TRANSACTION_TO_ONE_POSTING",
        (false, true) => "ONE_TRANSACTION_TO_MANY_POSTINGS",
        (true, false) => "MANY_TRANSACTIONS_TO_ONE_POSTING",
        (true, true) => "MANY_TRANSACTIONS_TO_MANY_POSTINGS",
    }
}
