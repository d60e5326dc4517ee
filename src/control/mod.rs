//! The control plane (`/_sandbox/...`): what a person does in Tripletex's web UI and what a
//! test needs to see of the world, in the same JSON envelopes and error envelope as `/v2`.

mod credentials;

pub use credentials::{Credential, credentials};

use crate::api::auth::sandbox;
use crate::wire::ApiError;
use crate::wire::envelope::json_response;
use crate::wire::request_id::method_not_allowed;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// Mounts every `/_sandbox` route on the given config (the caller adds the `/_sandbox` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/health")
            .route(web::get().to(health))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/credentials")
            .route(web::get().to(get_credentials))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/companies")
            .route(web::get().to(companies))
            .default_service(web::to(method_not_allowed)),
    );
}

async fn health(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    Ok(json_response(
        200,
        &json!({"value": {"status": "ok", "scenario": sandbox.scenario_name(), "version": env!("CARGO_PKG_VERSION")}}),
    ))
}

async fn get_credentials(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let values = credentials(sandbox)?;
    Ok(json_response(200, &json!({ "values": values })))
}

async fn companies(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let rows = sandbox.store().with(|db| db.companies())?;
    let values: Vec<_> = rows
        .iter()
        .map(|row| {
            let c = &row.company;
            json!({
                "id": c.id,
                "name": c.name,
                "kind": c.kind.as_str(),
                "package": c.package.as_str(),
                "integrationsEnabled": c.integrations_enabled,
                "officeId": row.relation.map(|r| r.office_id),
                "apiAccess": row.relation.map(|r| r.api_access),
                "officeIsAdmin": row.relation.map(|r| r.office_is_admin),
            })
        })
        .collect();
    Ok(json_response(200, &json!({ "values": values })))
}
