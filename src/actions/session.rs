//! The token flow's decisions over the store: a session token and company choice accepted as a
//! login, and a consumer and employee token pair accepted for minting (the store remembers each
//! until a row its rules read changes). Callers learn the key as soon as it is known ([`Caller`]), so the
//! journal names it even when a later rule refuses.

use crate::domain::model::{Caller, CompanyContext, Session};
use crate::domain::rules;
use crate::store::{Db, Login, Mintable, Store};
use crate::wire::ApiError;
use jiff::Timestamp;
use std::sync::Arc;

/// A session token and company choice (`None`: the key's own company) as a login.
pub fn log_in(
    store: &Store,
    token: &str,
    asked: Option<i64>,
    now: Timestamp,
    caller: &mut Option<Caller>,
) -> Result<(Arc<Session>, CompanyContext), ApiError> {
    // A login accepted before stands while nothing its rules read has changed; only the clock
    // moves on its own.
    let login = store.login(
        token,
        asked,
        |login| now < login.session.expires_at,
        |db| resolve_login(db, token, asked, now, caller),
    )?;
    *caller = Some(Caller {
        key_id: login.session.key.id,
        company_id: Some(login.context.company_id()),
    });
    Ok((login.session, login.context))
}

/// A consumer and employee token pair that may mint a session.
pub fn mintable(
    db: &Db<'_>,
    consumer_token: &str,
    employee_token: &str,
    caller: &mut Option<Caller>,
) -> Result<Mintable, ApiError> {
    let mintable = db.mintable(consumer_token, employee_token, || {
        mintable_pair(db, consumer_token, employee_token, caller)
    })?;
    *caller = Some(Caller {
        key_id: mintable.key_id,
        company_id: Some(mintable.company_id),
    });
    Ok(mintable)
}

/// Resolves a session token and company choice under the store's lock. `caller` names the key
/// as soon as it is known, for the journal.
fn resolve_login(
    db: &Db<'_>,
    token: &str,
    asked: Option<i64>,
    now: Timestamp,
    caller: &mut Option<Caller>,
) -> Result<Login, ApiError> {
    let session = rules::session_is_alive(db.session_by_token(token)?, now)?;
    if !session.used {
        db.mark_session_used(session.id)?;
    }
    *caller = Some(Caller {
        key_id: session.key.id,
        company_id: None,
    });
    let requested = match asked {
        None => None,
        Some(id) => Some(db.requested_company(session.key.company_id, session.key.id, id)?),
    };
    let context = rules::company_context_is_allowed(&session.key, requested.clone())?;
    *caller = Some(Caller {
        key_id: session.key.id,
        company_id: Some(context.company_id()),
    });
    if let (CompanyContext::Client { .. }, Some(requested)) = (context, requested)
        && let (Some(relation), Some(client)) = (requested.relation, requested.company)
    {
        rules::client_allows_api_access(&relation, &client.name)?;
    }
    Ok(Login {
        session: Arc::new(session),
        context,
    })
}

/// Every rule a token pair must pass before a session is minted from it (none reads the clock).
fn mintable_pair(
    db: &Db<'_>,
    consumer_token: &str,
    employee_token: &str,
    caller: &mut Option<Caller>,
) -> Result<Mintable, ApiError> {
    let consumer = rules::consumer_token_is_known(db.integration_by_consumer_token(consumer_token)?)?;
    let key = rules::employee_token_is_current(db.employee_token(employee_token)?)?;
    // The journal names the key even when a later rule refuses it.
    *caller = Some(Caller {
        key_id: key.id,
        company_id: Some(key.company_id),
    });
    rules::key_matches_consumer(&key, &consumer)?;
    let owner = db
        .person(key.person_id)?
        .ok_or_else(|| ApiError::internal(&format!("key {} has no owner", key.id)))?;
    rules::key_owner_has_system_access(&key, &owner)?;
    let company = db
        .company(key.company_id)?
        .ok_or_else(|| ApiError::internal(&format!("key {} has no company", key.id)))?;
    rules::company_has_integrations(&company)?;
    Ok(Mintable {
        key_id: key.id,
        company_id: key.company_id,
        integration_id: consumer.id,
    })
}
