//! Free accounting dimensions: a dimension name takes the next free index (1–3), its values the
//! next position within it, and the `/search` forms list what the plain resources hold.

use super::{def, whole};
use crate::actions::write::{check_new, insert_new};
use crate::actions::{Actor, Answer, Input, list, owner_company};
use crate::domain::kind::Kind;
use crate::domain::ledger;
use crate::wire::ApiError;
use serde_json::{Value, json};

/// `POST /ledger/accountingDimensionName`: the dimension gets the lowest free index, as in a
/// company where at most three free dimensions exist.
pub async fn create_name(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let name_def = def(Kind::DimensionName)?;
    let body = input.body.unwrap_or_else(|| json!({}));
    let value = actor
        .transaction(move |db, acting| {
            let company = owner_company(name_def, acting);
            let taken: Vec<i64> = db
                .objects(Kind::DimensionName.path(), company)?
                .iter()
                .filter_map(|o| o.body.get("dimensionIndex")?.as_i64())
                .collect();
            let index = ledger::free_dimension_index(&taken)?;
            // The index is read-only to clients: it is set after their body is merged.
            let checked = check_new(name_def, &body).map(|(mut merged, references, required)| {
                merged.insert("dimensionIndex".into(), json!(index));
                (merged, references, required)
            });
            let (made, _) = insert_new(name_def, db, acting, checked, &body)?;
            whole(name_def, &acting.base, &made, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 201, value })
}

/// `POST /ledger/accountingDimensionValue`: the value comes last in its dimension (`position`),
/// and `nameAndNumber` shows its number and name as the UI lists them.
pub async fn create_value(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let value_def = def(Kind::DimensionValue)?;
    let body = input.body.unwrap_or_else(|| json!({}));
    let value = actor
        .transaction(move |db, acting| {
            let company = owner_company(value_def, acting);
            let index = body.get("dimensionIndex").and_then(Value::as_i64);
            let last = db
                .objects(Kind::DimensionValue.path(), company)?
                .iter()
                .filter(|o| o.body.get("dimensionIndex").and_then(Value::as_i64) == index)
                .filter_map(|o| o.body.get("position")?.as_i64())
                .max()
                .unwrap_or(0);
            let text = |name: &str| {
                body.get(name)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            };
            let shown = format!("{} {}", text("number"), text("displayName")).trim().to_owned();
            let sent_position = body.get("position").and_then(Value::as_i64).filter(|p| *p > 0);
            let checked = check_new(value_def, &body).map(|(mut merged, references, required)| {
                merged.insert("position".into(), json!(sent_position.unwrap_or(last + 1)));
                merged.insert("nameAndNumber".into(), json!(shown));
                (merged, references, required)
            });
            let (made, _) = insert_new(value_def, db, acting, checked, &body)?;
            whole(value_def, &acting.base, &made, db, company)
        })
        .await?;
    Ok(Answer::Value { status: 201, value })
}

/// `GET /ledger/accountingDimensionName/search` and `…Value/search`: the plain resource's list.
pub fn search(actor: &Actor, input: Input, kind: Kind) -> Result<Answer, ApiError> {
    list(def(kind)?, actor, &input)
}
