//! Exchange rates read as the API shows them: a currency's rate on a date, and an amount in a
//! currency converted to the company's.

use super::{date_argument, number_argument};
use crate::actions::{Actor, Answer, Input, views};
use crate::domain::currency;
use crate::domain::kind::Kind;
use crate::store::Db;
use crate::wire::ApiError;
use crate::wire::fields::FieldFilter;
use serde_json::{Value, json};

/// A currency's code and factor (the units its rate is quoted per), or 404 naming the id.
pub(super) fn code_and_factor(db: &Db<'_>, id: i64) -> Result<(String, f64), ApiError> {
    let found = db
        .object(Kind::Currency.path(), id)?
        .ok_or_else(|| ApiError::not_found(format!("No currency with id {id}. GET /v2/currency lists them.")))?;
    let code = found
        .body
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let factor = found.body.get("factor").and_then(Value::as_f64).unwrap_or(1.0);
    Ok((code, factor))
}

/// NOK per unit of the currency `id`, or the 422 naming a currency without a rate.
pub(super) fn rate_of(db: &Db<'_>, id: i64) -> Result<f64, ApiError> {
    let (code, factor) = code_and_factor(db, id)?;
    Ok(currency::rate_of(&code, factor)?)
}

/// `GET /currency/{id}/rate?date`: the rate (NOK per the currency's factor) on that date.
pub fn rate(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let date = date_argument(&input.query, "date", "GET /currency/{id}/rate")?;
    let fields = FieldFilter::parse(input.query.get("fields").map(String::as_str))?;
    let (code, factor) = actor.sandbox.store().with(|db| code_and_factor(db, input.id))?;
    let per_unit = currency::rate_of(&code, factor)?;
    let value = json!({
        "id": input.id,
        "version": 0,
        "date": date.to_string(),
        "source": "NORGES_BANK",
        "sourceCurrency": views::stub(&actor.base, Kind::Currency.path(), input.id),
        "targetCurrency": views::stub(&actor.base, Kind::Currency.path(), currency::COMPANY_CURRENCY),
        "rate": per_unit * factor.max(1.0),
    });
    Ok(Answer::One {
        status: 200,
        value,
        fields,
        model: "CurrencyExchangeRate",
    })
}

/// `GET /currency/{fromCurrencyID}/exchangeRate?amount&date`: the amount in NOK.
pub fn exchange(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let operation = "GET /currency/{fromCurrencyID}/exchangeRate";
    let amount = number_argument(&input.query, "amount", operation)?;
    date_argument(&input.query, "date", operation)?;
    let rate = actor.sandbox.store().with(|db| rate_of(db, input.id))?;
    Ok(Answer::Value {
        status: 200,
        value: json!(currency::in_company_currency(amount, rate)),
    })
}

/// `GET /currency/{fromCurrencyID}/{toCurrencyID}/exchangeRate?amount&date`: the amount in the
/// second currency, through NOK at each currency's rate.
pub fn convert(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let operation = "GET /currency/{fromCurrencyID}/{toCurrencyID}/exchangeRate";
    let amount = number_argument(&input.query, "amount", operation)?;
    date_argument(&input.query, "date", operation)?;
    let to = input.ids.get(1).copied().unwrap_or(input.id);
    let (from_rate, to_rate) = actor
        .sandbox
        .store()
        .with(|db| Ok::<_, ApiError>((rate_of(db, input.id)?, rate_of(db, to)?)))?;
    Ok(Answer::Value {
        status: 200,
        value: json!(currency::converted(amount, from_rate, to_rate)),
    })
}
