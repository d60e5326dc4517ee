//! Who performs a UI action: the person named by `X-Sandbox-Actor`, or by default the first
//! account administrator of the company the action is in.

use crate::domain::model::{Person, Role};
use crate::store::Db;
use crate::wire::ApiError;
use actix_web::HttpRequest;

pub const ACTOR_HEADER: &str = "x-sandbox-actor";

pub fn actor(req: &HttpRequest, db: &Db<'_>, default_company: i64) -> Result<Person, ApiError> {
    if let Some(value) = req.headers().get(ACTOR_HEADER) {
        let id: i64 = value.to_str().ok().and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
            ApiError::bad_request(
                "X-Sandbox-Actor must be the numeric id of a person (GET /_sandbox/companies/{id}/people).",
            )
        })?;
        return db
            .person(id)?
            .filter(|p| !p.is_proxy)
            .ok_or_else(|| ApiError::not_found(format!("X-Sandbox-Actor names person {id}, who does not exist.")));
    }
    db.people_of(default_company)?
        .into_iter()
        .find(|p| p.has_role(Role::AccountAdministrator))
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "Company {default_company} has no account administrator to act by default; send X-Sandbox-Actor with a person id."
            ))
        })
}
