//! Hour registrations: `GET /timesheet/entry` answers the document's
//! `TimesheetEntrySearchResponse`, the list envelope with `sumAllHours`.

use super::def;
use crate::actions::search::matches;
use crate::actions::{Actor, Answer, Input, list, owner_company};
use crate::domain::kind::Kind;
use crate::domain::resource::ResourceDef;
use crate::wire::ApiError;
use serde_json::{Value, json};
use std::collections::HashMap;

/// `GET /timesheet/entry`: the list as every list answers, with the hours of every entry the
/// search matched (on any page) summed as `sumAllHours`.
pub fn list_entries(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let entry_def = def(Kind::TimesheetEntry)?;
    let answer = list(entry_def, actor, &input)?;
    let envelope = match answer {
        Answer::Written { body, .. } => serde_json::from_slice(&body).map_err(|e| ApiError::internal(&e))?,
        Answer::Page {
            values,
            params,
            model,
            checksum,
        } => params.page_of(values, model, checksum.as_deref())?,
        Answer::Slice {
            values,
            full,
            params,
            model,
        } => params.slice_of(values, full, model, None)?,
        other => return Ok(other),
    };
    let mut envelope: serde_json::Map<String, Value> = match envelope {
        Value::Object(envelope) => envelope,
        _ => return Err(ApiError::internal(&"a list answered without its envelope")),
    };
    envelope.insert(
        "sumAllHours".into(),
        json!(hours_matched(entry_def, actor, &input.query)?),
    );
    let body = serde_json::to_vec(&envelope).map_err(|e| ApiError::internal(&e))?;
    Ok(Answer::written(200, body))
}

/// The hours of every entry of the company the list's search matches.
fn hours_matched(def: &ResourceDef, actor: &Actor, query: &HashMap<String, String>) -> Result<f64, ApiError> {
    let company = owner_company(def, actor);
    let entries = actor.sandbox.store().with(|db| db.objects(&def.path, company))?;
    Ok(entries
        .iter()
        .filter(|e| matches(def, e.id, |f| e.body.get(f).cloned(), query))
        .filter_map(|e| e.body.get("hours").and_then(Value::as_f64))
        .sum())
}
