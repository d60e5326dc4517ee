//! `/company/...`: the company a caller acts in and the clients it can log into.

use crate::api::auth::{CompanyPrincipal, Principal};
use crate::api::dispatch::route as resource;
use crate::api::render;
use crate::domain::rules;
use crate::http::sandbox;
use crate::wire::ValidationMessage;
use crate::wire::envelope::{ListParams, ListQuery, single};
use crate::wire::fields::FieldFilter;
use crate::wire::{ApiError, ErrorKind};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

/// In a scope of their own (see `api::configure`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/company")
            .default_service(web::to(super::dispatch::dispatch))
            .service(resource("").route(web::put().to(put_company)))
            .service(
                resource("/salesmodules")
                    .route(web::get().to(list_sales_modules))
                    .route(web::post().to(add_sales_module)),
            )
            .service(resource("/>withLoginAccess").route(web::get().to(with_login_access)))
            .service(resource(r"/{id:[-+]?\d+}").route(web::get().to(get_company))),
    );
}

async fn with_login_access(
    req: HttpRequest,
    principal: Principal,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::parse(&query)?;
    let sandbox = sandbox(&req)?;
    let clients = sandbox.store().with(|db| db.login_clients(&principal.session.key))?;
    let base = render::api_base(&req);
    let values = clients.iter().map(|c| render::client(&base, c)).collect();
    params.respond(values, "Client")
}

#[derive(Debug, Deserialize)]
struct FieldsQuery {
    fields: Option<String>,
}

async fn get_company(
    req: HttpRequest,
    CompanyPrincipal(principal): CompanyPrincipal,
    id: web::Path<crate::wire::params::Id>,
    query: web::Query<FieldsQuery>,
) -> Result<HttpResponse, ApiError> {
    let fields = FieldFilter::parse(query.fields.as_deref())?;
    let id = id.number()?;
    let sandbox = sandbox(&req)?;
    let company = sandbox
        .store()
        .with(|db| db.company(id))?
        .ok_or_else(|| ApiError::not_found(format!("No company has id {id}.")))?;
    rules::company_is_the_acting_company(principal.context, &company)?;
    single(render::company(&render::api_base(&req), &company), &fields, "Company")
}

/// The sales modules the API knows (`SalesModule.name`).
const SALES_MODULES: &[&str] = &[
    "MAMUT",
    "MAMUT_WITH_WAGE",
    "AGRO_LICENCE",
    "AGRO_CLIENT",
    "AGRO_DOCUMENT_CENTER",
    "AGRO_INVOICE",
    "AGRO_INVOICE_MIGRATED",
    "AGRO_WAGE",
    "NO1TS",
    "NO1TS_TRAVELREPORT",
    "NO1TS_ACCOUNTING",
    "DIYPACKAGE",
    "BASIS",
    "SMART",
    "KOMPLETT",
    "VVS",
    "ELECTRO",
    "ACCOUNTING_OFFICE",
    "SMART_WAGE",
    "SMART_TIME_TRACKING",
    "SMART_PROJECT",
    "OCR",
    "API_V2",
    "ELECTRONIC_VOUCHERS",
    "UP_TO_100_VOUCHERS",
    "UP_TO_500_VOUCHERS",
    "UP_TO_1000_VOUCHERS",
    "UP_TO_2000_VOUCHERS",
    "UP_TO_3500_VOUCHERS",
    "UP_TO_5000_VOUCHERS",
    "UP_TO_10000_VOUCHERS",
    "UNLIMITED_VOUCHERS",
    "UP_TO_100_VOUCHERS_AUTOMATION",
    "UP_TO_500_VOUCHERS_AUTOMATION",
    "UP_TO_1000_VOUCHERS_AUTOMATION",
    "UP_TO_2000_VOUCHERS_AUTOMATION",
    "UP_TO_3500_VOUCHERS_AUTOMATION",
    "UP_TO_5000_VOUCHERS_AUTOMATION",
    "UP_TO_10000_VOUCHERS_AUTOMATION",
    "UNLIMITED_VOUCHERS_AUTOMATION",
    "LOGISTICS",
    "MIKRO",
    "AUTOPLUS_MINI",
    "AUTOPLUS_MEDIUM",
    "AUTOPLUS_STOR",
    "INTEGRATION_PARTNER",
    "PROJECT",
    "YEAR_END_REPORTING_ENK",
    "YEAR_END_REPORTING_AS",
    "YEAR_END_REPORTING_ANS",
    "YEAR_END_REPORTING_DA",
    "YEAR_END_REPORTING_STI",
    "YEAR_END_REPORTING_ORG",
    "YEAR_END_REPORTING_SA",
    "YEAR_END_REPORTING_FLI",
    "YEAR_END_REPORTING_NUF",
    "PRIMARY_INDUSTRY",
    "STICOS",
];

/// The company's active modules: its package, Integrations (API_V2) when on, and what it added.
async fn list_sales_modules(
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let params = ListParams::parse(&query)?;
    let company_id = principal.0.context.company_id();
    let (company, added) = sandbox(&req)?.store().with(|db| {
        principal.require(
            db,
            crate::domain::entitlements::Entitlement::AUTH_COMPANY_INFO,
            "/company/salesmodules",
        )?;
        let company = db
            .company(company_id)?
            .ok_or_else(|| ApiError::not_found("The acting company is gone."))?;
        Ok::<_, ApiError>((company, db.company_modules(company_id)?))
    })?;
    let mut values: Vec<serde_json::Value> =
        crate::domain::ui::sales_modules(company.package, company.integrations_enabled)
            .into_iter()
            .map(|name| json!({"name": name, "costStartDate": null}))
            .collect();
    values.extend(
        added
            .into_iter()
            .map(|(name, date)| json!({"name": name, "costStartDate": date})),
    );
    params.respond(values, "SalesModule")
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SalesModuleBody {
    name: String,
    /// Accepted as the document has it; nothing is ordered.
    #[serde(default, rename = "costStartDate")]
    _cost_start_date: Option<String>,
}

/// Ordering a module: a name the API knows is refused 403/9000 as the live API refused it
/// (modules are bought in Tripletex), after the caller's access is checked.
async fn add_sales_module(
    req: HttpRequest,
    principal: CompanyPrincipal,
    body: web::Json<SalesModuleBody>,
) -> Result<HttpResponse, ApiError> {
    if !SALES_MODULES.contains(&body.name.as_str()) {
        return Err(ApiError::new(ErrorKind::Validation)
            .with_developer_message(format!(
                "{:?} is not a sales module; see SalesModule.name in the API documentation.",
                body.name
            ))
            .with_validation(vec![ValidationMessage::field("name", "Ugyldig verdi.")]));
    }
    sandbox(&req)?.store().with(|db| {
        principal.require(
            db,
            crate::domain::entitlements::Entitlement::ROLE_ADMINISTRATOR,
            "Ordering sales modules",
        )
    })?;
    Err(crate::domain::ui::sales_modules_are_ordered_in_tripletex(&body.name).into())
}

/// Updates the acting company's own details (name, organization number, e-mail).
async fn put_company(
    req: HttpRequest,
    principal: CompanyPrincipal,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let company_id = principal.0.context.company_id();
    let base = render::api_base(&req);
    let company = sandbox(&req)?.store().transaction(|db| {
        principal.require(
            db,
            crate::domain::entitlements::Entitlement::AUTH_COMPANY_INFO,
            "PUT /company",
        )?;
        let mut company = db
            .company(company_id)?
            .ok_or_else(|| ApiError::not_found("The acting company is gone."))?;
        let serde_json::Value::Object(fields) = &*body else {
            return Err(
                ApiError::new(ErrorKind::Validation).with_developer_message("The body must be a Company object.")
            );
        };
        let known = render::company("", &company);
        let mut problems = Vec::new();
        for (name, value) in fields {
            if known.get(name).is_none() {
                problems.push(ValidationMessage::field(
                    name.clone(),
                    "Feltet eksisterer ikke i objektet.",
                ));
                continue;
            }
            let slot = match name.as_str() {
                "name" => &mut company.name,
                "organizationNumber" => &mut company.organization_number,
                "email" => &mut company.email,
                _ => continue,
            };
            match value {
                serde_json::Value::String(s) => *slot = s.clone(),
                serde_json::Value::Null => {}
                _ => problems.push(ValidationMessage::field(
                    name.clone(),
                    "Verdien er ikke av korrekt type for dette feltet.",
                )),
            }
        }
        if company.name.trim().is_empty() {
            problems.push(ValidationMessage::field("name", "Kan ikke være null."));
        }
        crate::domain::rules::company_update_is_for_the_acting_company(
            principal.0.context,
            fields.get("id").and_then(serde_json::Value::as_i64),
        )?;
        if !problems.is_empty() {
            return Err(ApiError::new(ErrorKind::Validation)
                .with_developer_message("Fix the fields named in validationMessages.")
                .with_validation(problems));
        }
        db.update_company_details(&company)?;
        Ok(company)
    })?;
    single(render::company(&base, &company), &FieldFilter::everything(), "Company")
}
