//! Authentication in the handler signature: extractors that turn the Basic header into a
//! principal (session, key, company context) or into the exact 401/403 the real API answers.

use crate::actions;
use crate::domain::entitlements::{self, AccessSet, Entitlement};
use crate::domain::model::{CompanyContext, Session};
use crate::domain::rules;
use crate::http::{AccessNeeded, RequestContext};
use crate::store::Db;
use crate::wire::ApiError;
use crate::wire::auth::{CompanyChoice, parse_basic};
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
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
        let outcome = actions::log_in(
            here.sandbox.store(),
            &credentials.session_token,
            asked,
            here.now,
            &mut caller,
        );
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
