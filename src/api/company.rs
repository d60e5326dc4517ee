//! `/company/...`: the company a caller acts in and the clients it can log into.

use crate::api::auth::{CompanyPrincipal, Principal, sandbox};
use crate::api::render;
use crate::domain::rules;
use crate::wire::envelope::{ListParams, ListQuery, single};
use crate::wire::fields::FieldFilter;
use crate::wire::request_id::resource;
use crate::wire::{ApiError, ErrorKind};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/company/>withLoginAccess").route(web::get().to(with_login_access)))
        .service(resource("/company/{id}").route(web::get().to(get_company)));
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
    id: web::Path<String>,
    query: web::Query<FieldsQuery>,
) -> Result<HttpResponse, ApiError> {
    let fields = FieldFilter::parse(query.fields.as_deref())?;
    let id: i64 = id.parse().map_err(|_| {
        ApiError::new(ErrorKind::PathParam).with_developer_message(format!(
            "The company id in the path must be a number, not {:?}.",
            id.as_str()
        ))
    })?;
    let sandbox = sandbox(&req)?;
    let company = sandbox
        .store()
        .with(|db| db.company(id))?
        .ok_or_else(|| ApiError::not_found(format!("No company has id {id}.")))?;
    rules::company_is_the_acting_company(principal.context, &company)?;
    single(render::company(&render::api_base(&req), &company), &fields, "Company")
}
