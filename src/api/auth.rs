//! Authentication in the handler signature: extractors that turn the Basic header into a
//! principal (session, key, company context) or into the exact 401/403 the real API answers.

use crate::domain::model::{CompanyContext, Session};
use crate::domain::rules::{self, RequestedCompany};
use crate::sandbox::Sandbox;
use crate::wire::ApiError;
use crate::wire::auth::{CompanyChoice, parse_basic};
use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use std::future::{Ready, ready};

/// The sandbox a request is served by.
/// The path parameter that names a sandbox other than the default one (`/sb/{sandbox_id}/…`).
pub const SANDBOX_ID: &str = "sandbox_id";

pub fn sandbox(req: &HttpRequest) -> Result<web::Data<Sandbox>, ApiError> {
    let registry = req
        .app_data::<web::Data<crate::sandbox::registry::Registry>>()
        .ok_or_else(|| ApiError::internal(&"no sandbox registry for this request"))?;
    let id = req.match_info().get(SANDBOX_ID);
    registry.resolve(id).ok_or_else(|| {
        ApiError::not_found(format!(
            "No sandbox {:?}: it was deleted or never made. POST /_sandbox/sandboxes makes one.",
            id.unwrap_or_default()
        ))
    })
}

/// Who a request was made by, as far as it got: for the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthContext {
    pub key_id: i64,
    /// Set once the company context was accepted.
    pub company_id: Option<i64>,
}

/// A logged-in caller in any company context, including an office key with username 0.
/// Only whoAmI and withLoginAccess take this; everything else takes [`CompanyPrincipal`].
#[derive(Debug, Clone)]
pub struct Principal {
    pub session: Session,
    pub context: CompanyContext,
}

impl Principal {
    fn authenticate(req: &HttpRequest) -> Result<Self, ApiError> {
        let credentials = parse_basic(req.headers().get(AUTHORIZATION).map(|v| v.as_bytes()))?;
        let sandbox = sandbox(req)?;
        let now = sandbox.now();
        sandbox.store().with(|db| {
            let session = rules::session_is_alive(db.session_by_token(&credentials.session_token)?, now)?;
            req.extensions_mut().insert(AuthContext {
                key_id: session.key.id,
                company_id: None,
            });
            let requested = match credentials.company {
                CompanyChoice::Own => None,
                CompanyChoice::Company(id) => Some(RequestedCompany {
                    id,
                    company: db.company(id)?,
                    relation: db.relation(session.key.company_id, id)?,
                    key_linked: db.key_linked(session.key.id, id)?,
                }),
            };
            let context = rules::company_context_is_allowed(&session.key, requested.clone())?;
            req.extensions_mut().insert(AuthContext {
                key_id: session.key.id,
                company_id: Some(context.company_id()),
            });
            if let (CompanyContext::Client { .. }, Some(requested)) = (context, requested)
                && let (Some(relation), Some(client)) = (requested.relation, requested.company)
            {
                rules::client_allows_api_access(&relation, &client.name)?;
            }
            Ok(Self { session, context })
        })
    }
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::authenticate(req))
    }
}

impl Principal {
    /// What the key may do now in the company the request acts in.
    pub fn access(&self, db: &crate::store::Db<'_>) -> Result<Vec<&'static str>, ApiError> {
        let key = &self.session.key;
        let row = db
            .key_row(key.id)?
            .ok_or_else(|| ApiError::internal(&format!("key {} vanished", key.id)))?;
        let owner = db
            .person(key.person_id)?
            .ok_or_else(|| ApiError::internal(&format!("owner of key {} vanished", key.id)))?;
        access_in(db, &row, &owner, self.context.company_id())
    }
}

impl CompanyPrincipal {
    /// Refuses with 403/9000 unless the key's effective access here includes `needed`.
    pub fn require(&self, db: &crate::store::Db<'_>, needed: &str, what: &str) -> Result<(), ApiError> {
        let access: std::collections::BTreeSet<&'static str> = self.0.access(db)?.into_iter().collect();
        crate::domain::entitlements::access_includes(&access, needed, what)?;
        Ok(())
    }
}

/// The effective access of a key in one company; empty where the key cannot act at all.
pub fn access_in(
    db: &crate::store::Db<'_>,
    row: &crate::store::KeyRow,
    owner: &crate::domain::model::Person,
    company_id: i64,
) -> Result<Vec<&'static str>, ApiError> {
    if company_id == row.key.company_id {
        return Ok(crate::domain::entitlements::effective_access(
            &row.accesses,
            owner.user_type,
            &owner.entitlements,
            None,
        )
        .into_iter()
        .collect());
    }
    let effective_link = db.key_linked(row.key.id, company_id)?;
    let link = db
        .link_accesses(row.key.id, company_id)?
        .filter(|_| effective_link && row.key.accountant_key);
    let Some(link) = link else { return Ok(Vec::new()) };
    let owner_access = owner.client_entitlements.get(&company_id).cloned().unwrap_or_default();
    Ok(
        crate::domain::entitlements::effective_access(&row.accesses, owner.user_type, &owner_access, Some(&link))
            .into_iter()
            .collect(),
    )
}

/// A logged-in caller allowed to work with company data: an office key must act as a client.
#[derive(Debug, Clone)]
pub struct CompanyPrincipal(pub Principal);

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
