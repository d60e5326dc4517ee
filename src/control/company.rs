//! Selskap > Mitt abonnement and the Integrasjoner menu.

use crate::control::actor::{ActingAs, resolve};
use crate::domain::model::{Company, Package};
use crate::domain::ui;
use crate::http::sandbox;
use crate::sandbox::Sandbox;
use crate::store::Db;
use crate::store::IntegrationRow;
use crate::wire::envelope::json_response;
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

pub fn company_or_404(db: &Db<'_>, id: i64) -> Result<Company, ApiError> {
    db.company(id)?
        .ok_or_else(|| ApiError::not_found(format!("No company has id {id}; GET /_sandbox/companies lists them.")))
}

fn subscription_view(company: &Company) -> serde_json::Value {
    json!({"value": {"package": company.package.as_str(), "integrationsEnabled": company.integrations_enabled}})
}

pub async fn get_subscription(
    req: HttpRequest,
    id: web::Path<crate::wire::params::NumericId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    let company = sandbox(&req)?.store().with(|db| company_or_404(db, id))?;
    Ok(json_response(200, &subscription_view(&company)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SubscriptionBody {
    pub package: Option<String>,
    pub integrations_enabled: Option<bool>,
}

pub async fn put_subscription(
    req: HttpRequest,
    id: web::Path<crate::wire::params::NumericId>,
    body: crate::http::JsonObject<SubscriptionBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    let company = set_subscription(&*sandbox(&req)?, ActingAs::of(&req), id, &body)?;
    Ok(json_response(200, &subscription_view(&company)))
}

/// Selskap > Mitt abonnement: the package and the Integrations module; answers the company as it
/// now is.
pub fn set_subscription(
    sandbox: &Sandbox,
    acting: ActingAs,
    id: i64,
    body: &SubscriptionBody,
) -> Result<Company, ApiError> {
    sandbox.store().transaction(|db| {
        let company = company_or_404(db, id)?;
        let actor = resolve(db, acting, company.id)?;
        ui::actor_belongs_to_company(&actor, &company)?;
        ui::actor_may_change_subscription(&actor)?;
        let package = match &body.package {
            Some(name) => Package::parse(name).ok_or_else(|| {
                ApiError::new(ErrorKind::Validation)
                    .with_developer_message("package must be one of MIKRO, BASIS, SMART, KOMPLETT, ACCOUNTING_OFFICE.")
                    .with_validation(vec![ValidationMessage::field("package", "Ugyldig pakke.")])
            })?,
            None => company.package,
        };
        let enabled = body
            .integrations_enabled
            .unwrap_or(company.integrations_enabled && package.allows_integrations());
        ui::package_allows_integrations(package, enabled)?;
        db.set_subscription(company.id, package, enabled)?;
        company_or_404(db, company.id)
    })
}

#[derive(Debug, Deserialize)]
pub struct CatalogQuery {
    query: Option<String>,
}

pub async fn search_integrations(req: HttpRequest, query: web::Query<CatalogQuery>) -> Result<HttpResponse, ApiError> {
    let rows = catalog(&*sandbox(&req)?, query.query.as_deref().unwrap_or(""))?;
    let values: Vec<_> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.integration.id,
                "applicationName": r.integration.application_name,
                "supportsAccountantKeys": r.supports_accountant_keys,
            })
        })
        .collect();
    Ok(json_response(200, &json!({ "values": values })))
}

/// The integration catalog, searched on the application name (any case, any part of it).
pub fn catalog(sandbox: &Sandbox, query: &str) -> Result<Vec<IntegrationRow>, ApiError> {
    let needle = query.to_lowercase();
    let rows = sandbox.store().with(|db| db.integrations())?;
    Ok(rows
        .into_iter()
        .filter(|r| r.in_catalog && r.integration.application_name.to_lowercase().contains(&needle))
        .collect())
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddIntegrationBody {
    pub integration_id: i64,
    #[serde(default)]
    pub accept_terms: bool,
}

pub async fn add_integration(
    req: HttpRequest,
    id: web::Path<crate::wire::params::NumericId>,
    body: crate::http::JsonObject<AddIntegrationBody>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    let added = add_catalog_integration(&*sandbox(&req)?, ActingAs::of(&req), id, &body)?;
    Ok(json_response(
        201,
        &json!({"value": {"companyId": id, "integrationIds": added}}),
    ))
}

/// Integrasjoner > «Legg til»: answers the ids of every integration the company has added.
pub fn add_catalog_integration(
    sandbox: &Sandbox,
    acting: ActingAs,
    id: i64,
    body: &AddIntegrationBody,
) -> Result<Vec<i64>, ApiError> {
    sandbox.store().transaction(|db| {
        let company = company_or_404(db, id)?;
        let actor = resolve(db, acting, company.id)?;
        ui::actor_belongs_to_company(&actor, &company)?;
        ui::integrations_are_active(&company)?;
        ui::actor_is_user_administrator(&actor)?;
        let integration = db
            .integrations()?
            .into_iter()
            .find(|r| r.integration.id == body.integration_id && r.in_catalog)
            .ok_or_else(|| ApiError::not_found(format!("No catalog integration has id {}.", body.integration_id)))?;
        ui::terms_are_accepted(body.accept_terms)?;
        db.add_company_integration(company.id, integration.integration.id)?;
        Ok::<_, ApiError>(db.company_integrations(company.id)?)
    })
}
