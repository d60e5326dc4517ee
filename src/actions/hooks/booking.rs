//! Booking a business operation's voucher: the entries a `domain::ledger` rule made, their
//! accounts found in the company's chart, written as one voucher of a named voucher type in the
//! operation's transaction (a refused operation books nothing).

use super::def;
use crate::actions::Actor;
use crate::actions::write::{check_new, insert_booked};
use crate::domain::kind::Kind;
use crate::domain::ledger::{self, Account, Entry};
use crate::store::{Db, StoredObject};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use serde_json::Value;

/// Writes the voucher of `entries`, dated `date`, of the company's voucher type named
/// `voucher_type` (none if the company has no such type).
pub fn book(
    db: &Db<'_>,
    actor: &Actor,
    date: &str,
    (description, voucher_type): (&str, &str),
    entries: Vec<Entry>,
) -> Result<StoredObject, ApiError> {
    let voucher_def = def(Kind::Voucher)?;
    let mut resolved = Vec::with_capacity(entries.len());
    for entry in entries {
        let id = match entry.account {
            Account::Id(id) => id,
            Account::Number(number) => account_numbered(db, actor.company, number)?,
        };
        resolved.push((entry, id));
    }
    let type_id = voucher_type_named(db, actor.company, voucher_type)?;
    let body = ledger::voucher_of(date, description, type_id, &resolved);
    let (voucher, _) = insert_booked(voucher_def, db, actor, check_new(voucher_def, &body), &body)?;
    Ok(voucher)
}

/// The company's account with `number`, or the 422 saying the chart lacks it.
pub fn account_numbered(db: &Db<'_>, company: i64, number: i64) -> Result<i64, ApiError> {
    db.account_by_number(company, number)?.ok_or_else(|| {
        ApiError::new(ErrorKind::Validation)
            .with_developer_message(format!(
                "The company has no ledger account {number}, which this booking uses. Create it (POST /v2/ledger/account) or restore the chart."
            ))
            .with_validation(vec![ValidationMessage::field("account", format!("Konto {number} finnes ikke."))])
    })
}

/// The id of the company's voucher type named `name`.
fn voucher_type_named(db: &Db<'_>, company: i64, name: &str) -> Result<Option<i64>, ApiError> {
    Ok(db
        .objects(Kind::VoucherType.path(), company)?
        .iter()
        .find(|t| t.body.get("name").and_then(Value::as_str) == Some(name))
        .map(|t| t.id))
}
