//! Who performs a UI action: the person named by `X-Sandbox-Actor` (or the console's «acting as»
//! picker), or by default the first account administrator of the company the action is in.

use crate::domain::model::{Person, Role};
use crate::store::Db;
use crate::wire::ApiError;
use actix_web::HttpRequest;

pub const ACTOR_HEADER: &str = "x-sandbox-actor";

/// Who a caller asked to act as, before the world is consulted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActingAs {
    /// The first account administrator of the company the action is in.
    Default,
    Person(i64),
    /// An `X-Sandbox-Actor` header that is not a number: refused when the actor is looked up,
    /// so the refusal comes at the same point of an action as any other actor problem.
    Unreadable,
}

impl ActingAs {
    /// What the request's `X-Sandbox-Actor` header asks for.
    pub fn of(req: &HttpRequest) -> Self {
        match req.headers().get(ACTOR_HEADER) {
            None => Self::Default,
            Some(value) => value
                .to_str()
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .map_or(Self::Unreadable, Self::Person),
        }
    }
}

pub fn actor(req: &HttpRequest, db: &Db<'_>, default_company: i64) -> Result<Person, ApiError> {
    resolve(db, ActingAs::of(req), default_company)
}

/// The acting person for an action in `default_company`.
pub fn resolve(db: &Db<'_>, acting: ActingAs, default_company: i64) -> Result<Person, ApiError> {
    match acting {
        ActingAs::Unreadable => Err(ApiError::bad_request(
            "X-Sandbox-Actor must be the numeric id of a person (GET /_sandbox/companies/{id}/people).",
        )),
        ActingAs::Person(id) => db
            .person(id)?
            .filter(|p| !p.is_proxy)
            .ok_or_else(|| ApiError::not_found(format!("X-Sandbox-Actor names person {id}, who does not exist."))),
        ActingAs::Default => db
            .people_of(default_company)?
            .into_iter()
            .find(|p| p.has_role(Role::AccountAdministrator))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "Company {default_company} has no account administrator to act by default; send X-Sandbox-Actor with a person id."
                ))
            }),
    }
}
