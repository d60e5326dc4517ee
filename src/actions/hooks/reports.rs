//! The ledger read as reports: `GET /balanceSheet` (each account's balance in, movement and
//! balance out over dates) and `GET /ledger` (each account's opening balance, postings and
//! closing balance), summed by the database from the postings vouchers book.

use super::{arguments_present, date_argument, def};
use crate::actions::{Actor, Answer, Input, check_access, owner_company, views};
use crate::domain::kind::Kind;
use crate::domain::ledger;
use crate::store::{AccountSums, Db, PostingColumn, PostingFilter};
use crate::wire::ApiError;
use crate::wire::envelope::{ListParams, ListQuery};
use crate::wire::query::{self, ValueType};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The dates a report covers, `from` inclusive and `to` exclusive, and the start of `from`'s year
/// (where the result accounts start again from zero).
struct Period {
    from: String,
    to: String,
    year_start: String,
}

fn period(input: &Input, operation: &str) -> Result<Period, ApiError> {
    arguments_present(
        &input.query,
        &["dateFrom", "dateTo"],
        &format!("{operation} needs the query arguments dateFrom and dateTo (To is exclusive)."),
    )?;
    let from = date_argument(&input.query, "dateFrom", operation)?;
    let to = date_argument(&input.query, "dateTo", operation)?;
    Ok(Period {
        from: from.to_string(),
        to: to.to_string(),
        year_start: format!("{:04}-01-01", from.year()),
    })
}

/// The filters a report narrows its postings by (`customerId`, `projectId`, …).
fn party_columns(input: &Input, names: &[(&str, PostingColumn)]) -> Result<Vec<(PostingColumn, Vec<i64>)>, ApiError> {
    let mut columns = Vec::new();
    for (name, column) in names {
        if let Some(text) = input.query.get(*name).filter(|t| !t.trim().is_empty()) {
            query::check(name, text, ValueType::IdList)?;
            columns.push((*column, text.split(',').filter_map(|w| w.trim().parse().ok()).collect()));
        }
    }
    Ok(columns)
}

/// The company's accounts: id → number.
fn account_numbers(db: &Db<'_>, company: i64) -> Result<HashMap<i64, i64>, ApiError> {
    Ok(db.account_numbers(company)?.into_iter().collect())
}

/// An account number bound of the query (`accountNumberFrom`, `accountNumberTo`).
fn number_bound(input: &Input, name: &str) -> Result<Option<i64>, ApiError> {
    match input.query.get(name).filter(|t| !t.trim().is_empty()) {
        Some(text) => {
            query::check(name, text, ValueType::Integer)?;
            Ok(text.trim().parse().ok())
        }
        None => Ok(None),
    }
}

/// `GET /balanceSheet?dateFrom&dateTo`: per account with a balance or a movement, its balance
/// in at `dateFrom`, its movement to `dateTo` and its balance out, by account number.
pub fn balance_sheet(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let (voucher_def, report_def) = (def(Kind::Voucher)?, def(Kind::BalanceSheet)?);
    let period = period(&input, "GET /balanceSheet")?;
    let columns = party_columns(
        &input,
        &[
            ("customerId", PostingColumn::Customer),
            ("employeeId", PostingColumn::Employee),
            ("departmentId", PostingColumn::Department),
            ("projectId", PostingColumn::Project),
        ],
    )?;
    let (low, high) = (
        number_bound(&input, "accountNumberFrom")?,
        number_bound(&input, "accountNumberTo")?,
    );
    let every_account = input
        .query
        .get("includeActiveAccountsWithoutMovements")
        .is_some_and(|v| v.trim() == "true");
    let params = ListParams::parse(&ListQuery::of(&input.query))?;
    let company = owner_company(voucher_def, actor);
    let values = actor.sandbox.store().with(|db| {
        check_access(voucher_def, actor, db)?;
        let sums = match columns.is_empty() {
            true => db.account_sums(company, (&period.year_start, &period.from, &period.to))?,
            false => db.account_sums_filtered(
                &PostingFilter {
                    company_id: company,
                    from: &period.from,
                    to: &period.to,
                    columns,
                },
                &period.year_start,
            )?,
        };
        let numbers = account_numbers(db, company)?;
        let mut by_id: HashMap<i64, AccountSums> = sums.into_iter().map(|s| (s.account_id, s)).collect();
        let mut accounts: Vec<(i64, i64)> = numbers
            .iter()
            .filter(|(_, n)| low.is_none_or(|l| **n >= l) && high.is_none_or(|h| **n <= h))
            .map(|(id, n)| (*n, *id))
            .collect();
        accounts.sort_unstable();
        let mut values = Vec::new();
        for (number, id) in accounts {
            let sums = by_id.remove(&id);
            let balance_in = sums.map_or(0.0, |s| ledger::opening_balance(number, s.before, s.before_this_year));
            let change = sums.map_or(0.0, |s| s.during);
            if !every_account && ledger::round(balance_in) == 0.0 && ledger::round(change) == 0.0 {
                continue;
            }
            let mut value = json!({
                "account": views::stub(&actor.base, Kind::Account.path(), id),
                "balanceIn": ledger::round(balance_in),
                "balanceChange": ledger::round(change),
                "balanceOut": ledger::round(balance_in + change),
                "startDate": period.from,
                "endDate": period.to,
            });
            views::expand_line_references(report_def, &mut value, &params.fields, db, &actor.base, company)?;
            values.push(value);
        }
        Ok::<_, ApiError>(values)
    })?;
    Ok(Answer::Page {
        values,
        params,
        model: "BalanceSheetAccount",
        checksum: None,
    })
}

/// `GET /ledger?dateFrom&dateTo`: per account with postings in the dates, its opening balance,
/// the postings, their sum and the closing balance.
pub fn ledger_accounts(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let (voucher_def, report_def) = (def(Kind::Voucher)?, def(Kind::Ledger)?);
    let period = period(&input, "GET /ledger")?;
    let columns = party_columns(&input, &super::ledger::POINTS_AT)?;
    let params = ListParams::parse(&ListQuery::of(&input.query))?;
    let company = owner_company(voucher_def, actor);
    let values = actor.sandbox.store().with(|db| {
        check_access(voucher_def, actor, db)?;
        let filter = PostingFilter {
            company_id: company,
            from: &period.from,
            to: &period.to,
            columns,
        };
        let sums = db.account_sums_filtered(&filter, &period.year_start)?;
        let (_, rows) = db.postings(&filter, 0, None)?;
        let mut postings: HashMap<i64, Vec<Value>> = HashMap::new();
        for row in rows {
            let stored: Value = serde_json::from_str(&row.body).unwrap_or(Value::Null);
            let account = stored.get("account").and_then(|a| a.get("id")).and_then(Value::as_i64);
            let id = stored.get("id").and_then(Value::as_i64).unwrap_or_default();
            postings
                .entry(account.unwrap_or_default())
                .or_default()
                .push(views::stub(&actor.base, Kind::Posting.path(), id));
        }
        let numbers = account_numbers(db, company)?;
        let mut ordered: Vec<(i64, AccountSums)> = sums
            .into_iter()
            .filter(|s| postings.contains_key(&s.account_id))
            .map(|s| (numbers.get(&s.account_id).copied().unwrap_or_default(), s))
            .collect();
        ordered.sort_by_key(|(number, s)| (*number, s.account_id));
        let mut values = Vec::with_capacity(ordered.len());
        for (number, s) in ordered {
            let opening = ledger::opening_balance(number, s.before, s.before_this_year);
            let mut value = json!({
                "account": views::stub(&actor.base, Kind::Account.path(), s.account_id),
                "openingBalance": ledger::round(opening),
                "openingBalanceCurrency": ledger::round(opening),
                "sumAmount": ledger::round(s.during),
                "sumAmountCurrency": ledger::round(s.during_currency),
                "closingBalance": ledger::round(opening + s.during),
                "closingBalanceCurrency": ledger::round(opening + s.during_currency),
                "balanceOutInAccountCurrency": ledger::round(opening + s.during_currency),
                "currency": null,
                "postings": postings.remove(&s.account_id).unwrap_or_default(),
            });
            views::expand_line_references(report_def, &mut value, &params.fields, db, &actor.base, company)?;
            values.push(value);
        }
        Ok::<_, ApiError>(values)
    })?;
    Ok(Answer::Page {
        values,
        params,
        model: "LedgerAccount",
        checksum: None,
    })
}
