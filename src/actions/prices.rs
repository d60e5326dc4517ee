//! A product's prices kept in step with its VAT type on every write (the resource's
//! `pricesFollowVat` write rule): the price including VAT is computed from the price excluding it,
//! or, where a write gives only the price including VAT, the other way round.

use crate::domain::kind::Kind;
use crate::domain::ledger;
use crate::domain::product::{PriceGiven, prices_with_vat};
use crate::domain::resource::{ResourceDef, WriteRule};
use crate::store::Db;
use crate::wire::ApiError;
use serde_json::{Map, Value, json};

const EXCLUDING: &str = "priceExcludingVatCurrency";
const INCLUDING: &str = "priceIncludingVatCurrency";

/// Computes the price the write did not give, at the percentage of the VAT type `body` names.
pub fn follow_vat(
    def: &ResourceDef,
    db: &Db<'_>,
    company: i64,
    body: &mut Map<String, Value>,
    sent: &Value,
) -> Result<(), ApiError> {
    if !def.write_rules.contains(&WriteRule::PricesFollowVat) {
        return Ok(());
    }
    let given = |name: &str| sent.get(name).is_some_and(|v| !v.is_null());
    let which = match given(INCLUDING) && !given(EXCLUDING) {
        true => PriceGiven::IncludingVatOnly,
        false => PriceGiven::ExcludingVat,
    };
    let percentage = match body.get("vatType").and_then(|v| v.get("id")).and_then(Value::as_i64) {
        Some(id) => vat_rate(db, company, id)?.map_or(0.0, |rate| rate.percentage),
        None => 0.0,
    };
    let number = |name: &str| body.get(name).and_then(Value::as_f64).unwrap_or(0.0);
    let (excluding, including) = prices_with_vat(number(EXCLUDING), number(INCLUDING), percentage, which);
    body.insert(EXCLUDING.into(), amount(excluding));
    body.insert(INCLUDING.into(), amount(including));
    Ok(())
}

/// An amount as JSON: a whole amount as an integer, as the template's defaults are.
fn amount(value: f64) -> Value {
    match value.fract() == 0.0 && value.abs() < 1e15 {
        true => json!(value as i64),
        false => json!(value),
    }
}

/// How a VAT type is booked in the company: its rate and the account its VAT goes to.
pub fn vat_rate(db: &Db<'_>, company: i64, vat_type: i64) -> Result<Option<ledger::VatRate>, ApiError> {
    let Some(vat) = db.object(Kind::VatType.path(), vat_type)? else {
        return Ok(None);
    };
    let percentage = vat.body.get("percentage").and_then(Value::as_f64).unwrap_or(0.0);
    let name = vat.body.get("name").and_then(Value::as_str).unwrap_or_default();
    let account_id = match ledger::vat_account_number(name, percentage) {
        Some(number) => db.account_by_number(company, number)?,
        None => None,
    };
    Ok(Some(ledger::VatRate { percentage, account_id }))
}
