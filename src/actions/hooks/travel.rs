//! Travel expenses moved through their states (delivered, approved, and back), and the
//! activities open for hour registration.

use super::{argument, def, whole};
use crate::actions::write::save;
use crate::actions::{Actor, Answer, Input, check_access, load, owner_company, read};
use crate::domain::travel;
use crate::wire::ApiError;
use crate::wire::query::{self, ValueType};
use serde_json::Value;

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
    let travel_def = def("travelExpense")?;
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
                save(travel_def, db, acting, &mut expense)?;
                values.push(whole(travel_def, &acting.base, &expense, db, company)?);
            }
            Ok::<_, ApiError>(values)
        })
        .await?;
    Ok(Answer::Values { status: 200, values })
}

/// `GET /activity/>forTimeSheet?projectId`: the activities hours can be registered on — the
/// general ones and the project's own.
pub fn activities_for_time_sheet(actor: &Actor, mut input: Input) -> Result<Answer, ApiError> {
    let activity_def = def("activity")?;
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
