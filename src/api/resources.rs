//! The data endpoints' handlers (`/customer`, `/ledger/voucher`, every resource of the official
//! document): the caller, the path's id, the query and the body extracted, the operation's action
//! called (`actions`: the generic one for the operation's kind, or the resource's hook), and its
//! answer put on the wire.

use crate::actions::{self, Actor, Answer, Input};
use crate::api::auth::CompanyPrincipal;
use crate::api::render;
use crate::domain::resource::{Operation, ResourceDef};
use crate::domain::table::Hook;
use crate::wire::ApiError;
use crate::wire::envelope::{json_response, json_shared};
use actix_web::http::header::{ETAG, IF_NONE_MATCH};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The caller as actions see it: the key, its person and the company it acts in, the sandbox
/// and its clock reading, and this request's API base.
pub fn actor(principal: &CompanyPrincipal, req: &HttpRequest) -> Actor {
    let principal = &principal.0;
    Actor {
        sandbox: principal.here.sandbox.clone().into_inner(),
        company: principal.context.company_id(),
        person: principal.session.key.person_id,
        key: principal.session.key.id,
        now: principal.here.now,
        base: render::api_base(req),
        needed: principal.needed.clone(),
    }
}

/// What an operation is called with besides its caller.
pub fn input(req: &HttpRequest, id: i64, query: HashMap<String, String>, body: Option<Value>) -> Input {
    Input {
        id,
        ids: vec![id],
        query,
        body,
        query_string: req.query_string().to_owned(),
        if_none_match: req
            .headers()
            .get(IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        file: None,
    }
}

/// Runs the generic operation of `kind` on `def`.
pub async fn generic(
    def: &'static ResourceDef,
    kind: Operation,
    actor: &Actor,
    input: Input,
) -> Result<Answer, ApiError> {
    match kind {
        Operation::List => actions::list(def, actor, &input),
        Operation::Get => actions::get(def, actor, &input),
        Operation::Settings => actions::settings(def, actor, input).await,
        Operation::Create => actions::create(def, actor, input).await,
        Operation::Update => actions::update(def, actor, input).await,
        Operation::UpdateSettings => actions::update_settings(def, actor, input).await,
        Operation::CreateList => actions::create_list(def, actor, input).await,
        Operation::UpdateList => actions::update_list(def, actor, input).await,
        Operation::Delete => actions::delete(def, actor, input).await,
        Operation::DeleteIds => actions::delete_ids(def, actor, input).await,
        Operation::DeleteList => actions::delete_list(def, actor, input).await,
    }
}

/// Whether the operation reads a JSON body.
pub fn reads_body(kind: Option<Operation>, hook: Option<Hook>) -> bool {
    match (hook, kind) {
        (Some(hook), _) => actions::hooks::reads_json_body(hook),
        (None, Some(kind)) => matches!(
            kind,
            Operation::Create
                | Operation::Update
                | Operation::UpdateSettings
                | Operation::CreateList
                | Operation::UpdateList
                | Operation::DeleteList
        ),
        (None, None) => false,
    }
}

/// An action's answer on the wire.
pub fn respond(answer: Answer) -> Result<HttpResponse, ApiError> {
    Ok(match answer {
        Answer::Written { status, body } => json_shared(status, body),
        Answer::One {
            status,
            value,
            fields,
            model,
        } => json_response(status, &json!({ "value": fields.apply(value, model)? })),
        Answer::Page {
            values,
            params,
            model,
            checksum,
        } => params.respond_with_digest(values, model, checksum.as_deref())?,
        Answer::Slice {
            values,
            full,
            params,
            model,
        } => params.respond_slice(values, full, model)?,
        Answer::Value { status, value } => json_response(status, &json!({ "value": value })),
        Answer::Values { status, values } => {
            let count = values.len();
            let page =
                json!({"fullResultSize": count, "from": 0, "count": count, "versionDigest": null, "values": values});
            json_response(status, &page)
        }
        Answer::NotModified { checksum } => HttpResponse::NotModified()
            .insert_header((ETAG, format!("\"{checksum}\"")))
            .finish(),
        Answer::NoContent => HttpResponse::NoContent().finish(),
    })
}
