//! A list's search: query arguments checked against the types of what they search, the
//! arguments the document requires, and the filters as the store evaluates them or as one
//! object is tested against them (date ranges), with the checksum of a result.

use crate::domain::resource::{self, FieldKind, Match, Operation, ResourceDef};
use crate::store::{ObjectFilter, StoredObject};
use crate::wire::query::{self, ValueType};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use serde_json::Value;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Refuses a search filter whose value cannot have the type of what it searches (a boolean, ids,
/// a number), so `isInactive=banana` is a 422 naming the argument, not an empty list.
pub fn check_filter_values(def: &ResourceDef, query: &HashMap<String, String>) -> Result<(), ApiError> {
    for (param, filter) in &def.filters {
        let Some(text) = query.get(param) else { continue };
        if filter.matching.is_range() {
            check_date(param, text)?;
            continue;
        }
        let field_kind = filter.field.as_deref().and_then(|f| def.fields.get(f)).map(|f| f.kind);
        let wanted = match (filter.matching, field_kind) {
            (Match::Ids | Match::Ref, _) => ValueType::IdList,
            (Match::Equals, Some(FieldKind::Boolean)) => ValueType::Boolean,
            // A whole-number field is searched for one number or several (`number=1920,2600`).
            (Match::Equals, Some(FieldKind::Integer)) => ValueType::IdList,
            (Match::Equals, Some(FieldKind::Number)) => ValueType::Number,
            _ => continue,
        };
        query::check(param, text, wanted)?;
    }
    Ok(())
}

/// A date range's bound must be a date: a bound that is not one would select by text order.
pub fn check_date(param: &str, text: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() || text.trim().parse::<jiff::civil::Date>().is_ok() {
        return Ok(());
    }
    Err(ApiError::new(ErrorKind::Param)
        .with_developer_message(format!(
            "The query argument {param} must be a date as YYYY-MM-DD, not {text:?}."
        ))
        .with_validation(vec![ValidationMessage::arg(
            param,
            "Ugyldig dato. Bruk formatet YYYY-MM-DD.",
        )]))
}

/// Refuses a call without the query arguments the official document marks required for the
/// operation, as Tripletex does: 422/15000 with one message per missing argument.
pub fn check_required_query(
    def: &ResourceDef,
    operation: Operation,
    query: &HashMap<String, String>,
) -> Result<(), ApiError> {
    let missing = def.missing_query(operation, |name| query.get(name).is_some_and(|v| !v.trim().is_empty()));
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::missing_arguments(
        &missing,
        format!(
            "This call to /{} needs the query arguments {}.",
            def.path,
            missing.join(", ")
        ),
    ))
}

/// Whether `field` of the resource holds a whole number (searched as one or several).
fn is_whole_number(def: &ResourceDef, field: &str) -> bool {
    def.fields.get(field).is_some_and(|f| f.kind == FieldKind::Integer)
}

/// Whether the list asks for a date range, which only [`matches`] can answer (the store's
/// filters have no range).
pub fn asks_for_range(def: &ResourceDef, query: &HashMap<String, String>) -> bool {
    def.filters
        .iter()
        .any(|(param, filter)| filter.matching.is_range() && query.get(param).is_some_and(|v| !v.trim().is_empty()))
}

/// The list's search filters as the store evaluates them: the same decisions as [`matches`],
/// date ranges aside (the list then takes the general path, see [`asks_for_range`]).
pub fn object_filters<'q>(def: &'q ResourceDef, query: &'q HashMap<String, String>) -> Vec<ObjectFilter<'q>> {
    let mut out = Vec::new();
    for (param, filter) in &def.filters {
        let Some(wanted) = query.get(param).map(String::as_str).or(filter.default.as_deref()) else {
            continue;
        };
        if wanted.is_empty() {
            continue;
        }
        let ids = || wanted.split(',').filter_map(|w| w.trim().parse::<i64>().ok()).collect();
        out.push(match (filter.matching, filter.field.as_deref()) {
            (Match::Ids, _) => ObjectFilter::Ids(ids()),
            (_, None) => ObjectFilter::Nothing,
            (Match::Ref, Some(field)) => ObjectFilter::RefIds { field, ids: ids() },
            // isInactive=true|false is answered from the store's inactive column (same decision).
            (Match::Equals, Some("isInactive")) if wanted.eq_ignore_ascii_case("true") => ObjectFilter::Inactive(true),
            (Match::Equals, Some("isInactive")) if wanted.eq_ignore_ascii_case("false") => {
                ObjectFilter::Inactive(false)
            }
            (Match::Equals, Some(field)) if is_whole_number(def, field) && wanted.contains(',') => {
                ObjectFilter::EqualsAny {
                    field,
                    texts: wanted.split(',').map(str::trim).filter(|w| !w.is_empty()).collect(),
                }
            }
            (Match::Equals, Some(field)) => ObjectFilter::Equals { field, text: wanted },
            (Match::Contains, Some(field)) => ObjectFilter::Contains { field, text: wanted },
            // The store has no range; a ranged list is filtered by `matches` instead.
            (Match::From | Match::Before, Some(_)) => continue,
        });
    }
    out
}

/// Whether an object passes the list's search filters; `field` reads one of its stored fields.
pub fn matches(
    def: &ResourceDef,
    id: i64,
    field: impl Fn(&str) -> Option<Value>,
    query: &HashMap<String, String>,
) -> bool {
    def.filters.iter().all(|(param, filter)| {
        let Some(wanted) = query.get(param).map(String::as_str).or(filter.default.as_deref()) else {
            return true;
        };
        if wanted.is_empty() {
            return true;
        }
        let value = filter.field.as_deref().and_then(&field);
        match filter.matching {
            Match::Ids => wanted.split(',').any(|w| w.trim().parse::<i64>().ok() == Some(id)),
            Match::Ref => {
                let ref_id = value.as_ref().and_then(|v| v.get("id")).and_then(Value::as_i64);
                wanted
                    .split(',')
                    .any(|w| w.trim().parse::<i64>().ok() == ref_id && ref_id.is_some())
            }
            Match::Equals if filter.field.as_deref().is_some_and(|f| is_whole_number(def, f)) => {
                value.is_some_and(|v| wanted.split(',').any(|w| as_text(&v).eq_ignore_ascii_case(w.trim())))
            }
            Match::Equals => value.is_some_and(|v| as_text(&v).eq_ignore_ascii_case(wanted)),
            Match::Contains => value.is_some_and(|v| as_text(&v).to_lowercase().contains(&wanted.to_lowercase())),
            Match::From | Match::Before => value
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|date| resource::date_in_range(filter.matching, date, wanted.trim())),
        }
    })
}

pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A checksum of a result: changes whenever an object in it is added, removed or changed.
pub fn digest(objects: &[&StoredObject]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for object in objects {
        (object.id, object.version).hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}
