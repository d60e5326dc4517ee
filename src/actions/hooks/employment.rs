//! Employments and their salary lines (employment details): a line is listed on the employment
//! it names, dated once per employment and not before it starts, and a line that gives only an
//! annual salary gets the hourly wage Tripletex derives from it. Employments sent inside a new
//! employee (`POST /employee` with `employments`) are made here too.

use super::def;
use crate::actions::write::{CheckedNew, check_new, insert_new};
use crate::actions::written::{single_default, stored_text};
use crate::actions::{Actor, Answer, Input, load, owner_company};
use crate::domain::employee;
use crate::domain::kind::Kind;
use crate::store::{Db, ObjectText, StoredObject};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use serde_json::{Map, Value, json};

/// `POST /employee/employment/details`: the line is made and listed on its employment.
pub async fn create_details(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let details_def = def(Kind::EmploymentDetails)?;
    let body = input.body.unwrap_or(Value::Null);
    let checked = as_tripletex_fills(check_new(details_def, &body), &body);
    let (object, view) = actor
        .transaction(move |db, acting| add_details(db, acting, checked, &body))
        .await?;
    single_default(
        details_def,
        &actor.base,
        201,
        object.id,
        object.version,
        &ObjectText::View(view),
    )
}

/// What Tripletex fills in a new line the client left out: no remuneration type or working-hours
/// scheme chosen, and the hourly wage of the annual salary.
fn as_tripletex_fills(checked: CheckedNew, sent: &Value) -> CheckedNew {
    let (mut merged, references, required) = checked?;
    let unsent = |name: &str| sent.get(name).is_none_or(Value::is_null);
    for name in ["remunerationType", "workingHoursScheme"] {
        if unsent(name) {
            merged.insert(name.into(), json!("NOT_CHOSEN"));
        }
    }
    let annual = merged.get("annualSalary").and_then(Value::as_f64).unwrap_or(0.0);
    if unsent("hourlyWage") && annual > 0.0 {
        merged.insert("hourlyWage".into(), json!(employee::hourly_wage_of(annual)));
    }
    Ok((merged, references, required))
}

/// Makes a line in the open transaction and lists it on the employment it names; returns the
/// line and its stored view.
fn add_details(
    db: &Db<'_>,
    actor: &Actor,
    checked: CheckedNew,
    sent: &Value,
) -> Result<(StoredObject, String), ApiError> {
    let (details_def, employment_def) = (def(Kind::EmploymentDetails)?, def(Kind::Employment)?);
    let (object, view) = insert_new(details_def, db, actor, checked, sent)?;
    let Some(employment_id) = reference(&object.body, "employment") else {
        return Ok((object, view));
    };
    let company = owner_company(employment_def, actor);
    let mut employment = load(employment_def, db, company, employment_id)?;
    let date = text(&object.body, "date");
    employee::details_date_is_within_employment(&date, &text(&employment.body, "startDate"))?;
    employee::details_date_is_free(&date, &dates_of(db, &employment, company, object.id)?)?;
    let listed = employment.body.entry("employmentDetails").or_insert_with(|| json!([]));
    if !listed.is_array() {
        *listed = json!([]);
    }
    if let Value::Array(listed) = listed {
        listed.push(json!({ "id": object.id }));
    }
    // Tripletex leaves the employment at its version: the line is an object of its own.
    let (text, employment_view) = stored_text(employment_def, &employment);
    db.update_object_viewed(Kind::Employment.path(), &employment, &text, Some(&employment_view))?;
    Ok((object, view))
}

/// The dates of the lines an employment lists, but for the line `except`.
fn dates_of(db: &Db<'_>, employment: &StoredObject, company: i64, except: i64) -> Result<Vec<String>, ApiError> {
    let ids: Vec<i64> = employment
        .body
        .get("employmentDetails")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|line| line.get("id").and_then(Value::as_i64))
        .filter(|id| *id != except)
        .collect();
    let mut dates = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(line) = db
            .object(Kind::EmploymentDetails.path(), id)?
            .filter(|l| l.company_id == company)
        {
            dates.push(text(&line.body, "date"));
        }
    }
    Ok(dates)
}

/// `POST /employee` with `employments` (each may hold `employmentDetails`): every employment is
/// made for the new employee, with its lines, in the employee's transaction.
pub fn add_employments(db: &Db<'_>, actor: &Actor, employee: i64, employments: &Value) -> Result<(), ApiError> {
    let employment_def = def(Kind::Employment)?;
    let Some(employments) = employments.as_array() else {
        return match employments {
            Value::Null => Ok(()),
            _ => Err(not_a_list("employments")),
        };
    };
    for (index, sent) in employments.iter().enumerate() {
        let Value::Object(sent) = sent else {
            return Err(not_a_list("employments"));
        };
        let mut body: Map<String, Value> = sent.clone();
        let lines = body.remove("employmentDetails").unwrap_or(Value::Null);
        body.insert("employee".into(), json!({ "id": employee }));
        let body = Value::Object(body);
        let (made, _) = insert_new(employment_def, db, actor, check_new(employment_def, &body), &body)
            .map_err(|e| e.within(&format!("employments[{index}].")))?;
        add_lines(db, actor, made.id, &lines).map_err(|e| e.within(&format!("employments[{index}].")))?;
    }
    Ok(())
}

/// The lines sent inside an employment, each made for it.
fn add_lines(db: &Db<'_>, actor: &Actor, employment: i64, lines: &Value) -> Result<(), ApiError> {
    let details_def = def(Kind::EmploymentDetails)?;
    let lines = match lines {
        Value::Null => return Ok(()),
        Value::Array(lines) => lines,
        _ => return Err(not_a_list("employmentDetails")),
    };
    for (index, line) in lines.iter().enumerate() {
        let mut line = line.clone();
        if let Value::Object(fields) = &mut line {
            fields.insert("employment".into(), json!({ "id": employment }));
        }
        let checked = as_tripletex_fills(check_new(details_def, &line), &line);
        add_details(db, actor, checked, &line).map_err(|e| e.within(&format!("employmentDetails[{index}].")))?;
    }
    Ok(())
}

fn not_a_list(field: &str) -> ApiError {
    ApiError::new(ErrorKind::Validation)
        .with_developer_message(format!("{field} takes a JSON list of objects."))
        .with_validation(vec![ValidationMessage::field(
            field.to_owned(),
            "Forventet en JSON-liste.",
        )])
}

/// The id a reference field of `body` names.
fn reference(body: &Map<String, Value>, field: &str) -> Option<i64> {
    body.get(field)?.get("id")?.as_i64()
}

/// A text field of `body`, empty where it has none.
fn text(body: &Map<String, Value>, field: &str) -> String {
    body.get(field).and_then(Value::as_str).unwrap_or_default().to_owned()
}
