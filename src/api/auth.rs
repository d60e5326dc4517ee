//! Authentication in the handler signature: extractors that turn the Basic header into a
//! principal (session, key, company context) or into the exact 401/403 the real API answers.

use crate::domain::entitlements::{self, AccessSet, Entitlement};
use crate::domain::model::{CompanyContext, Session};
use crate::domain::rules;
use crate::http::{AccessNeeded, Caller, RequestContext};
use crate::store::{Db, Login};
use crate::wire::ApiError;
use crate::wire::auth::{CompanyChoice, parse_basic};
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use jiff::Timestamp;
use std::future::{Ready, ready};
use std::sync::Arc;

/// A logged-in caller in any company context, including an office key with username 0.
/// Only whoAmI and withLoginAccess take this; everything else takes [`CompanyPrincipal`].
#[derive(Clone)]
pub struct Principal {
    pub session: Arc<Session>,
    pub context: CompanyContext,
    /// The sandbox and clock reading the request was authenticated in.
    pub here: RequestContext,
    /// Every access the handler checks, for the journal.
    pub needed: AccessNeeded,
}

impl Principal {
    fn authenticate(req: &HttpRequest) -> Result<Self, ApiError> {
        let credentials = parse_basic(req.headers().get(AUTHORIZATION).map(|v| v.as_bytes()))?;
        let here = RequestContext::of(req)?;
        let mut caller = None;
        let asked = match credentials.company {
            CompanyChoice::Own => None,
            CompanyChoice::Company(id) => Some(id),
        };
        let store = here.sandbox.store();
        // Nothing the rules of a login read has changed since this one was accepted; only the
        // clock moves on its own.
        let outcome = match store.remembered_login(&credentials.session_token, asked) {
            Some(login) if here.now < login.session.expires_at => {
                caller = Some(Caller {
                    key_id: login.session.key.id,
                    company_id: Some(login.context.company_id()),
                });
                Ok((login.session, login.context))
            }
            _ => store.with(|db| Self::log_in(db, &credentials.session_token, asked, here.now, &mut caller)),
        };
        // One insert, however far authentication got: the journal names the key even for a refusal.
        let needed = AccessNeeded::default();
        {
            let mut extensions = req.extensions_mut();
            if let Some(caller) = caller {
                extensions.insert(caller);
            }
            extensions.insert(needed.clone());
        }
        let (session, context) = outcome?;
        Ok(Self {
            session,
            context,
            here,
            needed,
        })
    }

    /// Resolves a session token and company choice under the store's lock, and remembers the
    /// login it accepts. `caller` names the key as soon as it is known, for the journal.
    fn log_in(
        db: &Db<'_>,
        token: &str,
        asked: Option<i64>,
        now: Timestamp,
        caller: &mut Option<Caller>,
    ) -> Result<(Arc<Session>, CompanyContext), ApiError> {
        // A file's logins are looked up only here, where its other writers can be noticed; an
        // in-memory store's again, since another request may have logged in while this one waited.
        if let Some(login) = db.remembered_login(token, asked)
            && now < login.session.expires_at
        {
            *caller = Some(Caller {
                key_id: login.session.key.id,
                company_id: Some(login.context.company_id()),
            });
            return Ok((login.session, login.context));
        }
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
        let session = Arc::new(session);
        db.remember_login(
            token,
            asked,
            Login {
                session: session.clone(),
                context,
            },
        );
        Ok((session, context))
    }

    /// What the key may do now in the company the request acts in.
    pub fn access(&self, db: &Db<'_>) -> Result<AccessSet, ApiError> {
        access_in(db, self.session.key.id, self.context.company_id())
    }
}

pub use crate::actions::access_in;

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::authenticate(req))
    }
}

/// A logged-in caller allowed to work with company data: an office key must act as a client.
#[derive(Clone)]
pub struct CompanyPrincipal(pub Principal);

impl CompanyPrincipal {
    /// Refuses with 403/9000 unless the key's effective access here includes `needed`.
    pub fn require(&self, db: &Db<'_>, needed: Entitlement, what: &str) -> Result<(), ApiError> {
        self.0.needed.note(needed);
        entitlements::access_allows(self.0.access(db)?, needed, what)?;
        Ok(())
    }
}

impl FromRequest for CompanyPrincipal {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Principal::authenticate(req).and_then(|principal| {
            rules::office_key_in_own_company_is_limited(&principal.session.key, principal.context)?;
            Ok(Self(principal))
        }))
    }
}
