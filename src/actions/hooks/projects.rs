//! A project's activities: `POST /project/projectActivity` links an activity to a project, and
//! makes the activity first where the body describes a new one instead of naming one by id.

use super::def;
use crate::actions::write::{check_new, insert_new};
use crate::actions::written::single_default;
use crate::actions::{Actor, Answer, Input, owner_company};
use crate::domain::kind::Kind;
use crate::domain::project;
use crate::store::{Db, ObjectText};
use crate::wire::ApiError;
use serde_json::{Map, Value, json};

/// `POST /project/projectActivity`: `activity` is `{"id": …}`, or the fields of a new activity,
/// made in the same transaction (a refused link leaves no activity behind).
pub async fn create_project_activity(actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    let link_def = def(Kind::ProjectActivity)?;
    let body = input.body.unwrap_or(Value::Null);
    let (object, view) = actor
        .transaction(move |db, acting| {
            let mut body = body;
            if let Some(activity) = new_activity(&body) {
                let id = make_activity(db, acting, &activity)?;
                if let Some(fields) = body.as_object_mut() {
                    fields.insert("activity".into(), json!({ "id": id }));
                }
            }
            let checked = check_new(link_def, &body);
            if let Ok((merged, _, _)) = &checked {
                activity_is_not_linked(db, owner_company(link_def, acting), merged)?;
            }
            insert_new(link_def, db, acting, checked, &body)
        })
        .await?;
    single_default(
        link_def,
        &actor.base,
        201,
        object.id,
        object.version,
        &ObjectText::View(view),
    )
}

/// The activity the body describes without an id, if it does.
fn new_activity(body: &Value) -> Option<Value> {
    let activity = body.get("activity")?;
    let named = activity.get("id").is_some_and(|id| !id.is_null());
    (activity.is_object() && !named).then(|| activity.clone())
}

/// Makes the activity a link describes; returns its id. Its refusals name `activity.<field>`.
fn make_activity(db: &Db<'_>, actor: &Actor, activity: &Value) -> Result<i64, ApiError> {
    let activity_def = def(Kind::Activity)?;
    insert_new(activity_def, db, actor, check_new(activity_def, activity), activity)
        .map(|(made, _)| made.id)
        .map_err(|e| e.within("activity."))
}

/// A project lists an activity once.
fn activity_is_not_linked(db: &Db<'_>, company: i64, merged: &Map<String, Value>) -> Result<(), ApiError> {
    let id_of = |body: &Map<String, Value>, field: &str| body.get(field)?.get("id")?.as_i64();
    let (Some(project), Some(activity)) = (id_of(merged, "project"), id_of(merged, "activity")) else {
        return Ok(());
    };
    let linked = db
        .objects(Kind::ProjectActivity.path(), company)?
        .iter()
        .any(|link| id_of(&link.body, "project") == Some(project) && id_of(&link.body, "activity") == Some(activity));
    Ok(project::activity_is_new_to_project(linked)?)
}
