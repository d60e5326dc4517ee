//! Travel expenses moved through their states (delivered, approved — which books them — and
//! back), and the activities open for hour registration.

use super::booking::book;
use super::{argument, def, whole};
use crate::actions::write::{check_new, insert_booked, save};
use crate::actions::{Actor, Answer, Input, check_access, load, owner_company, read};
use crate::domain::kind::Kind;
use crate::domain::{ledger, travel};
use crate::store::{Db, StoredObject};
use crate::wire::ApiError;
use crate::wire::query::{self, ValueType};
use serde_json::{Map, Value, json};

/// A travel expense's move from one state to the next.
#[derive(Clone, Copy)]
pub enum Step {
    Deliver,
    Approve,
    Undeliver,
    Unapprove,
}

/// `PUT /travelExpense/:deliver|:approve|:undeliver|:unapprove?id=1,2`: each travel expense named
/// moves to its new state, or, if one cannot, none does.
pub async fn change_state(actor: &Actor, input: Input, step: Step) -> Result<Answer, ApiError> {
    let travel_def = def(Kind::TravelExpense)?;
    let text = argument(&input.query, "id", "PUT /travelExpense/:…")?;
    query::check("id", text, ValueType::IdList)?;
    let ids: Vec<i64> = text.split(',').filter_map(|i| i.trim().parse().ok()).collect();
    let today = actor.now.to_string().get(..10).unwrap_or_default().to_owned();
    let values = actor
        .transaction(move |db, acting| {
            check_access(travel_def, acting, db)?;
            let company = owner_company(travel_def, acting);
            let mut values = Vec::with_capacity(ids.len());
            for id in ids {
                let mut expense = load(travel_def, db, company, id)?;
                let state = expense
                    .body
                    .get("state")
                    .and_then(Value::as_str)
                    .unwrap_or("OPEN")
                    .to_owned();
                let changes = match step {
                    Step::Deliver => travel::travel_expense_delivered(id, &state, &today)?,
                    Step::Approve => travel::travel_expense_approved(id, &state, &today)?,
                    Step::Undeliver => travel::travel_expense_undelivered(id, &state)?,
                    Step::Unapprove => travel::travel_expense_unapproved(id, &state)?,
                };
                expense.body.extend(changes);
                match step {
                    Step::Approve => book_travel_expense(db, acting, &mut expense, &today)?,
                    Step::Unapprove => unbook_travel_expense(db, acting, &mut expense, &today)?,
                    Step::Deliver | Step::Undeliver => {}
                }
                save(travel_def, db, acting, &mut expense)?;
                values.push(whole(travel_def, &acting.base, &expense, db, company)?);
            }
            Ok::<_, ApiError>(values)
        })
        .await?;
    Ok(Answer::Values { status: 200, values })
}

/// The id a reference field of `body` names.
fn reference(body: &Map<String, Value>, field: &str) -> Option<i64> {
    body.get(field)?.get("id")?.as_i64()
}

/// The objects of `resource` that belong to the travel expense `id`.
fn parts_of(db: &Db<'_>, resource: &str, company: i64, id: i64) -> Result<Vec<StoredObject>, ApiError> {
    Ok(db
        .objects(resource, company)?
        .into_iter()
        .filter(|part| reference(&part.body, "travelExpense") == Some(id))
        .collect())
}

/// An amount field of `body`, else `rate` × `per` (count, km).
fn amount_or(body: &Map<String, Value>, amount: &str, per: &str) -> f64 {
    let number = |name: &str| body.get(name).and_then(Value::as_f64).unwrap_or(0.0);
    match number(amount) {
        given if given != 0.0 => given,
        _ => number("rate") * number(per),
    }
}

/// The costs of a travel expense as its voucher books them.
fn travel_costs(db: &Db<'_>, company: i64, id: i64) -> Result<Vec<ledger::TravelCost>, ApiError> {
    let owed_to_employee = db.account_by_number(company, ledger::OWED_TO_EMPLOYEES)?;
    let mut costs = Vec::new();
    for cost in parts_of(db, Kind::TravelCost.path(), company, id)? {
        let category = match reference(&cost.body, "costCategory") {
            Some(id) => db.object(Kind::TravelCostCategory.path(), id)?,
            None => None,
        };
        let paid_by = match reference(&cost.body, "paymentType") {
            Some(id) => db.object(Kind::TravelPaymentType.path(), id)?,
            None => None,
        };
        let paid_from = paid_by
            .and_then(|p| reference(&p.body, "account"))
            .filter(|a| Some(*a) != owed_to_employee);
        costs.push(ledger::TravelCost {
            account: category.as_ref().and_then(|c| reference(&c.body, "account")),
            gross: ["amountNOKInclVAT", "amountCurrencyIncVat"]
                .iter()
                .filter_map(|name| cost.body.get(*name).and_then(Value::as_f64))
                .find(|amount| *amount != 0.0)
                .unwrap_or(0.0),
            vat_type: reference(&cost.body, "vatType")
                .or_else(|| category.as_ref().and_then(|c| reference(&c.body, "vatType"))),
            paid_from,
        });
    }
    Ok(costs)
}

/// Books an approved travel expense (costs, per diem, mileage) and points it at its voucher.
fn book_travel_expense(db: &Db<'_>, actor: &Actor, expense: &mut StoredObject, date: &str) -> Result<(), ApiError> {
    let (company, id) = (expense.company_id, expense.id);
    let costs = travel_costs(db, company, id)?;
    let per_diem: f64 = parts_of(db, Kind::PerDiemCompensation.path(), company, id)?
        .iter()
        .map(|p| amount_or(&p.body, "amount", "count"))
        .sum();
    let mileage: f64 = parts_of(db, Kind::MileageAllowance.path(), company, id)?
        .iter()
        .map(|m| amount_or(&m.body, "amount", "km"))
        .sum();
    let employee = reference(&expense.body, "employee");
    let title = expense.body.get("title").and_then(Value::as_str).unwrap_or_default();
    let description = format!("Reiseregning {title}").trim_end().to_owned();
    let entries = ledger::travel_entries(employee, &costs, (per_diem, mileage), &description);
    if entries.is_empty() {
        return Ok(());
    }
    let voucher = book(db, actor, date, (&description, "Reiseregning"), entries)?;
    expense.body.insert("voucher".into(), json!({ "id": voucher.id }));
    Ok(())
}

/// Undoes an approval's booking: its voucher is reversed on `date` and the expense forgets it.
fn unbook_travel_expense(db: &Db<'_>, actor: &Actor, expense: &mut StoredObject, date: &str) -> Result<(), ApiError> {
    let Some(voucher) = reference(&expense.body, "voucher") else {
        return Ok(());
    };
    let voucher_def = def(Kind::Voucher)?;
    if let Some(booked) = db.object(&voucher_def.path, voucher)? {
        let body = ledger::reversal_of(&booked.body, date);
        insert_booked(voucher_def, db, actor, check_new(voucher_def, &body), &body)?;
    }
    expense.body.insert("voucher".into(), Value::Null);
    Ok(())
}

/// `GET /activity/>forTimeSheet?projectId`: the activities hours can be registered on — the
/// general ones and the project's own.
pub fn activities_for_time_sheet(actor: &Actor, mut input: Input) -> Result<Answer, ApiError> {
    let activity_def = def(Kind::Activity)?;
    let project = argument(&input.query, "projectId", "GET /activity/>forTimeSheet")?;
    query::check("projectId", project, ValueType::Integer)?;
    input
        .query
        .retain(|k, _| matches!(k.as_str(), "from" | "count" | "sorting" | "fields"));
    input.query.insert("isInactive".into(), "false".into());
    // The remembered page of a list is keyed by its query: this one is the activity list's.
    input.query_string = format!("forTimeSheet\0{}", input.query_string);
    read::list(activity_def, actor, &input)
}
