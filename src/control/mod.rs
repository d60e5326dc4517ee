//! The control plane (`/_sandbox/...`): what a person does in Tripletex's web UI and what a
//! test needs to see of the world, in the same JSON envelopes and error envelope as `/v2`.

pub mod actor;
pub mod clients;
pub mod company;
mod credentials;
mod journal;
mod openapi;
mod overrides;
pub mod people;
mod score;
mod snapshots;
pub mod views;
mod webhooks;

pub use credentials::{Credential, credentials};

use crate::http::sandbox;
use crate::wire::ApiError;
use crate::wire::envelope::json_response;
use crate::wire::openapi::{Body, Field};
use crate::wire::request_id::resource;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

/// The process-wide routes: the list of sandboxes, making and deleting them (only at the root).
pub const GLOBAL_ROUTES: &[Route] = &[
    Route {
        method: Method::Get,
        path: "/sandboxes",
        summary: "The sandboxes this process serves, each with its baseUrl",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Values(&[Field("id", "string"), Field("baseUrl", "string")]),
        mount: |r| r.to(list_sandboxes),
    },
    Route {
        method: Method::Post,
        path: "/sandboxes",
        summary: "Make a sandbox of its own under /sb/{id}: an embedded scenario by name (the default one if none), or a copy of a sandbox (from: its id, or default)",
        query: &[],
        request: Body::Object(&[Field("scenario", "string"), Field("from", "string")]),
        status: 201,
        response: Body::Value(&[
            Field("id", "string"),
            Field("scenario", "string"),
            Field("from", "string"),
            Field("baseUrl", "string"),
            Field("credentials", "object[]"),
        ]),
        mount: |r| r.to(create_sandbox),
    },
    Route {
        method: Method::Delete,
        path: "/sandboxes/{id}",
        summary: "Delete a sandbox and everything in it",
        query: &[],
        request: Body::None,
        status: 204,
        response: Body::None,
        mount: |r| r.to(delete_sandbox),
    },
];

/// Mounts the process-wide routes ([`GLOBAL_ROUTES`]).
pub fn configure_global(cfg: &mut web::ServiceConfig) {
    mount(cfg, GLOBAL_ROUTES);
}

/// An HTTP method of a control-plane route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Put => "put",
            Self::Delete => "delete",
        }
    }

    /// The name an `Allow` header gives it.
    fn upper(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }

    fn route(self) -> actix_web::Route {
        match self {
            Self::Get => web::get(),
            Self::Post => web::post(),
            Self::Put => web::put(),
            Self::Delete => web::delete(),
        }
    }
}

/// One control-plane route: what mounts it and what `GET /_sandbox/openapi.json` says of it, in
/// one place, so the document cannot list a route that is not served or miss one that is.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: Method,
    /// Below `/_sandbox`.
    pub path: &'static str,
    pub summary: &'static str,
    pub query: &'static [Field],
    pub request: Body,
    /// The status of a success.
    pub status: u16,
    pub response: Body,
    /// Attaches the handler.
    pub mount: fn(actix_web::Route) -> actix_web::Route,
}

/// Mounts routes, one resource per path (in the order paths first appear), so a method a path
/// lacks answers 405 in the Tripletex envelope.
fn mount(cfg: &mut web::ServiceConfig, routes: &[Route]) {
    let mut paths: Vec<&str> = Vec::new();
    for route in routes {
        if !paths.contains(&route.path) {
            paths.push(route.path);
        }
    }
    for path in paths {
        let served = routes.iter().filter(|r| r.path == path);
        let mut service = resource(path, served.clone().map(|r| r.method.upper()).collect());
        for route in served {
            service = service.route((route.mount)(route.method.route()));
        }
        cfg.service(service);
    }
}

fn registry(req: &HttpRequest) -> Result<&web::Data<crate::sandbox::registry::Registry>, ApiError> {
    req.app_data::<web::Data<crate::sandbox::registry::Registry>>()
        .ok_or_else(|| ApiError::internal(&"no sandbox registry"))
}

async fn list_sandboxes(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let base = crate::http::origin::base_url(&req);
    let values: Vec<_> = registry(&req)?
        .ids()
        .into_iter()
        .map(|id| json!({"id": id, "baseUrl": format!("{base}/sb/{id}")}))
        .collect();
    Ok(json_response(200, &json!({ "values": values })))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSandboxBody {
    scenario: Option<String>,
    /// Copy this sandbox (an id, or `default` for the one at the root) instead of a scenario.
    from: Option<String>,
}

fn registry_refusal(err: crate::sandbox::registry::RegistryError) -> ApiError {
    match err {
        crate::sandbox::registry::RegistryError::Full(_) => ApiError::new(crate::wire::ErrorKind::TooManyRequests)
            .with_developer_message(err.to_string())
            .with_norwegian(
                "Så mange sandkasser som emulatoren tillater (--max-sandboxes) finnes allerede.",
                Some(
                    "slett sandkassene dere er ferdige med, eller start emulatoren med en høyere --max-sandboxes."
                        .into(),
                ),
            ),
        crate::sandbox::registry::RegistryError::Store(store) => store.into(),
    }
}

/// Makes a sandbox of its own (a scenario by name, the default one if none) under `/sb/{id}`.
async fn create_sandbox(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let body: NewSandboxBody = if body.iter().all(u8::is_ascii_whitespace) {
        NewSandboxBody::default()
    } else {
        crate::http::body::expect_object(&body)?;
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(crate::wire::ErrorKind::InvalidJson).with_developer_message(format!(
                "The body must be {{\"scenario\": NAME}}, {{\"from\": SANDBOX_ID}} or empty: {e}."
            ))
        })?
    };
    if let Some(from) = &body.from {
        if body.scenario.is_some() {
            return Err(ApiError::new(crate::wire::ErrorKind::Validation)
                .with_developer_message("Give either scenario (a fresh world) or from (a copy of a sandbox), not both.")
                .with_validation(vec![crate::wire::error::ValidationMessage::field(
                    "from",
                    "Velg enten scenario eller from.",
                )]));
        }
        return fork_sandbox(&req, from);
    }
    let name = body
        .scenario
        .unwrap_or_else(|| crate::scenario::DEFAULT_SCENARIO.to_owned());
    let (id, sandbox) = new_sandbox(registry(&req)?, &name)?;
    sandbox_made(&req, &id, &sandbox, &name, None)
}

/// A new sandbox under `/sb/{id}` holding the embedded scenario `name`, and its id.
pub fn new_sandbox(
    registry: &crate::sandbox::registry::Registry,
    name: &str,
) -> Result<(String, web::Data<crate::sandbox::Sandbox>), ApiError> {
    let Some(scenario) = crate::scenario::embedded(name) else {
        return Err(ApiError::not_found(format!(
            "No embedded scenario is named {name:?}; GET /_sandbox/sandboxes lists sandboxes, `tripletex-sandbox scenarios list` the scenarios."
        ))
        .with_norwegian(format!("Ingen innebygd scenario heter {name:?}."), None));
    };
    let scenario = scenario.map_err(scenario_error)?;
    registry.create(&scenario).map_err(registry_refusal)
}

/// The 201 of a new sandbox: where it lives and its credentials (and what it was copied from).
fn sandbox_made(
    req: &HttpRequest,
    id: &str,
    sandbox: &crate::sandbox::Sandbox,
    scenario: &str,
    from: Option<&str>,
) -> Result<HttpResponse, ApiError> {
    let base = crate::http::origin::base_url(req);
    let mut value = json!({"id": id, "scenario": scenario, "baseUrl": format!("{base}/sb/{id}"), "credentials": credentials(sandbox)?});
    if let (Some(from), Some(fields)) = (from, value.as_object_mut()) {
        fields.insert("from".to_owned(), json!(from));
    }
    Ok(json_response(201, &json!({ "value": value })))
}

/// A sandbox holding a copy of another's world (`{"from": ID}`).
fn fork_sandbox(req: &HttpRequest, from: &str) -> Result<HttpResponse, ApiError> {
    let registry = registry(req)?;
    let source = if from == "default" {
        registry.default_sandbox()
    } else {
        registry.resolve(Some(from)).ok_or_else(|| {
            ApiError::not_found(format!(
                "No sandbox {from:?} to copy: GET /_sandbox/sandboxes lists them (\"default\" is the one at the root)."
            ))
        })?
    };
    let (id, sandbox) = registry.fork(&source).map_err(registry_refusal)?;
    sandbox_made(req, &id, &sandbox, &sandbox.scenario_name()?, Some(from))
}

async fn delete_sandbox(req: HttpRequest, id: web::Path<crate::wire::params::Id>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner().id;
    if registry(&req)?.remove(&id) {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::not_found(format!("No sandbox {:?}.", id.as_str())))
    }
}

/// Every per-sandbox `/_sandbox` route, below `/_sandbox` (and `/sb/{id}/_sandbox`).
pub const ROUTES: &[Route] = &[
    Route {
        method: Method::Post,
        path: "/score",
        summary: "Score this sandbox against an evaluation task's checks (points per check and field, correctness), as `eval` does; see docs/eval.md",
        query: &[],
        request: Body::Object(&[Field("checks", "object[]"), Field("companyId", "integer")]),
        status: 200,
        response: Body::Value(&[
            Field("points", "integer"),
            Field("maxPoints", "integer"),
            Field("correctness", "number"),
            Field("checks", "object[]"),
        ]),
        mount: |r| r.to(score::score),
    },
    Route {
        method: Method::Get,
        path: "/coverage",
        summary: "Every operation of the official Tripletex document and how far the sandbox emulates it: semantic (hand-written behaviour), stateful (generic, stored), declared (answered 501); level= picks one",
        query: &[Field("level", "string")],
        request: Body::None,
        status: 200,
        response: Body::Value(&[Field("counts", "object"), Field("operations", "object[]")]),
        mount: |r| r.to(coverage),
    },
    Route {
        method: Method::Get,
        path: "/health",
        summary: "Whether the sandbox answers, its scenario and the emulator version",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Value(&[
            Field("status", "string"),
            Field("scenario", "string"),
            Field("version", "string"),
        ]),
        mount: |r| r.to(health),
    },
    Route {
        method: Method::Get,
        path: "/openapi.json",
        summary: "This document: the control plane in OpenAPI 3.0",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Any,
        mount: |r| r.to(openapi::document),
    },
    Route {
        method: Method::Get,
        path: "/credentials",
        summary: "Every usable consumer-token + employee-token pair, labelled",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Values(CREDENTIAL),
        mount: |r| r.to(get_credentials),
    },
    Route {
        method: Method::Get,
        path: "/companies",
        summary: "The companies, with their kind and client settings",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Values(COMPANY),
        mount: |r| r.to(companies),
    },
    Route {
        method: Method::Get,
        path: "/state",
        summary: "Export the whole world in the scenario format",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Any,
        mount: |r| r.to(get_state),
    },
    Route {
        method: Method::Put,
        path: "/state",
        summary: "Import a world in the scenario format; a bad file changes nothing",
        query: &[],
        request: Body::Any,
        status: 204,
        response: Body::None,
        mount: |r| r.to(put_state),
    },
    Route {
        method: Method::Post,
        path: "/reset",
        summary: "Back to the scenario the sandbox started from",
        query: &[],
        request: Body::None,
        status: 204,
        response: Body::None,
        mount: |r| r.to(reset),
    },
    Route {
        method: Method::Get,
        path: "/snapshots",
        summary: "The snapshots of this sandbox's world, by name",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Values(SNAPSHOT),
        mount: |r| r.to(snapshots::list),
    },
    Route {
        method: Method::Post,
        path: "/snapshots",
        summary: "Save the world (data, access world, sessions, clock) under a name",
        query: &[],
        request: Body::Object(&[Field("name", "string")]),
        status: 201,
        response: Body::Value(SNAPSHOT),
        mount: |r| r.to(snapshots::take),
    },
    Route {
        method: Method::Delete,
        path: "/snapshots/{name}",
        summary: "Forget a snapshot",
        query: &[],
        request: Body::None,
        status: 204,
        response: Body::None,
        mount: |r| r.to(snapshots::delete),
    },
    Route {
        method: Method::Post,
        path: "/snapshots/{name}/restore",
        summary: "Put the world back as it was when the snapshot was taken (the snapshot stays)",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Value(SNAPSHOT),
        mount: |r| r.to(snapshots::restore),
    },
    Route {
        method: Method::Get,
        path: "/webhooks",
        summary: "Webhook delivery: paused or not, deliveries pending, the queue's bound, the receivers' timeout, hosts allowed besides loopback",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Value(webhooks::DELIVERY_SETTINGS),
        mount: |r| r.to(webhooks::get),
    },
    Route {
        method: Method::Put,
        path: "/webhooks",
        summary: "Pause webhook delivery (events are still queued) or resume it",
        query: &[],
        request: Body::Object(&[Field("paused", "boolean")]),
        status: 200,
        response: Body::Value(webhooks::DELIVERY_SETTINGS),
        mount: |r| r.to(webhooks::put),
    },
    Route {
        method: Method::Get,
        path: "/webhooks/deliveries",
        summary: "Webhook deliveries, newest first: event, object, state (PENDING, DELIVERED, FAILED, REFUSED), attempts, last status and error, latency, next attempt",
        query: &[Field("count", "integer")],
        request: Body::None,
        status: 200,
        response: Body::Values(webhooks::DELIVERY),
        mount: |r| r.to(webhooks::deliveries),
    },
    Route {
        method: Method::Post,
        path: "/webhooks/deliveries/{id}/redeliver",
        summary: "Deliver a delivery again now, whatever it came to",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Value(webhooks::DELIVERY),
        mount: |r| r.to(webhooks::redeliver),
    },
    Route {
        method: Method::Get,
        path: "/clock",
        summary: "The sandbox time",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Value(&[Field("now", "date-time")]),
        mount: |r| r.to(get_clock),
    },
    Route {
        method: Method::Put,
        path: "/clock",
        summary: "Set the sandbox time (now) or move it (advance, an ISO 8601 duration)",
        query: &[],
        request: Body::Object(&[Field("now", "date-time"), Field("advance", "string")]),
        status: 200,
        response: Body::Value(&[Field("now", "date-time")]),
        mount: |r| r.to(put_clock),
    },
    Route {
        method: Method::Delete,
        path: "/clock",
        summary: "Back to real time",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Value(&[Field("now", "date-time")]),
        mount: |r| r.to(delete_clock),
    },
    Route {
        method: Method::Post,
        path: "/scenario",
        summary: "Load another embedded scenario",
        query: &[],
        request: Body::Object(&[Field("name", "!string")]),
        status: 200,
        response: Body::Value(&[Field("scenario", "string")]),
        mount: |r| r.to(load_scenario),
    },
    Route {
        method: Method::Get,
        path: "/faults",
        summary: "The rate limit and the fault rules",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Value(FAULTS),
        mount: |r| r.to(get_faults),
    },
    Route {
        method: Method::Put,
        path: "/faults",
        summary: "Replace the rate limit and the fault rules ({} clears them)",
        query: &[],
        request: Body::Object(FAULTS),
        status: 200,
        response: Body::Value(FAULTS),
        mount: |r| r.to(put_faults),
    },
    Route {
        method: Method::Get,
        path: "/overrides",
        summary: "The override rules, in the order they are tried, each with how many requests it answered (matched) and how many it will still answer (remaining, null for no limit)",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Values(OVERRIDE),
        mount: |r| r.to(overrides::list),
    },
    Route {
        method: Method::Put,
        path: "/overrides",
        summary: "Replace the override rules ({\"overrides\": []} clears them); a refused list changes nothing",
        query: &[],
        request: Body::Object(&[Field("overrides", "!object[]")]),
        status: 200,
        response: Body::Values(OVERRIDE),
        mount: |r| r.to(overrides::replace),
    },
    Route {
        method: Method::Post,
        path: "/overrides",
        summary: "Add an override rule after the others; the answer names its id",
        query: &[],
        request: Body::Object(NEW_OVERRIDE),
        status: 201,
        response: Body::Value(OVERRIDE),
        mount: |r| r.to(overrides::add),
    },
    Route {
        method: Method::Delete,
        path: "/overrides",
        summary: "Delete every override rule",
        query: &[],
        request: Body::None,
        status: 204,
        response: Body::None,
        mount: |r| r.to(overrides::clear),
    },
    Route {
        method: Method::Delete,
        path: "/overrides/{id}",
        summary: "Delete one override rule",
        query: &[],
        request: Body::None,
        status: 204,
        response: Body::None,
        mount: |r| r.to(overrides::delete),
    },
    Route {
        method: Method::Get,
        path: "/journal",
        summary: "The request log, newest first, with decisions and reasons",
        query: JOURNAL_QUERY,
        request: Body::None,
        status: 200,
        response: Body::Values(JOURNAL),
        mount: |r| r.to(get_journal),
    },
    Route {
        method: Method::Delete,
        path: "/journal",
        summary: "Clear the request log",
        query: &[],
        request: Body::None,
        status: 204,
        response: Body::None,
        mount: |r| r.to(clear_journal),
    },
    Route {
        method: Method::Get,
        path: "/journal/count",
        summary: "How many journal entries match the filters of GET /journal (method, template, status, company, key, since, until, param=NAME=VALUE, body=PATH=VALUE)",
        query: JOURNAL_QUERY.split_at(JOURNAL_FILTERS).0,
        request: Body::None,
        status: 200,
        response: Body::Value(&[Field("count", "integer")]),
        mount: |r| r.to(journal::count),
    },
    Route {
        method: Method::Post,
        path: "/verify",
        summary: "Check call patterns against the journal: calls [{method, path (or template), query, body [{path, equals}], status, count | atLeast | atMost}]; 422 names each pattern that failed with the nearest calls seen",
        query: &[],
        request: Body::Object(&[Field("calls", "object[]")]),
        status: 200,
        response: Body::Values(&[
            Field("expected", "object"),
            Field("matched", "integer"),
            Field("holds", "boolean"),
            Field("nearMisses", "string[]"),
        ]),
        mount: |r| r.to(journal::verify),
    },
    Route {
        method: Method::Get,
        path: "/journal/required-access",
        summary: "What a key must be granted: the least set of accesses that allowed its calls, each with the calls that needed it, and its refused calls with what they lacked",
        query: &[Field("key", "integer")],
        request: Body::None,
        status: 200,
        response: Body::Value(&[
            Field("keyId", "integer"),
            Field("entitlements", "object[]"),
            Field("denied", "object[]"),
        ]),
        mount: |r| r.to(required_access),
    },
    Route {
        method: Method::Get,
        path: "/settings",
        summary: "The sandbox settings (linkSnapshot, revokeSessionsOnRegenerate, …)",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Value(&[]),
        mount: |r| r.to(get_settings),
    },
    Route {
        method: Method::Put,
        path: "/settings",
        summary: "Replace the sandbox settings",
        query: &[],
        request: Body::Any,
        status: 200,
        response: Body::Value(&[]),
        mount: |r| r.to(put_settings),
    },
    Route {
        method: Method::Get,
        path: "/companies/{id}/subscription",
        summary: "Selskap > Mitt abonnement",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Object(SUBSCRIPTION),
        mount: |r| r.to(company::get_subscription),
    },
    Route {
        method: Method::Put,
        path: "/companies/{id}/subscription",
        summary: "Selskap > Mitt abonnement: change the package or Integrations",
        query: &[],
        request: Body::Object(SUBSCRIPTION),
        status: 200,
        response: Body::Object(SUBSCRIPTION),
        mount: |r| r.to(company::put_subscription),
    },
    Route {
        method: Method::Get,
        path: "/integrations",
        summary: "Search the integration catalog",
        query: &[Field("query", "string")],
        request: Body::None,
        status: 200,
        response: Body::Values(&[Field("id", "integer"), Field("applicationName", "string")]),
        mount: |r| r.to(company::search_integrations),
    },
    Route {
        method: Method::Post,
        path: "/companies/{id}/integrations",
        summary: "Integrasjoner > Legg til",
        query: &[],
        request: Body::Object(&[Field("integrationId", "!integer"), Field("acceptTerms", "boolean")]),
        status: 201,
        response: Body::Value(&[Field("companyId", "integer"), Field("integrationIds", "integer[]")]),
        mount: |r| r.to(company::add_integration),
    },
    Route {
        method: Method::Get,
        path: "/companies/{id}/people",
        summary: "Selskap > Ansatte and Kunde > Kontakter",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Values(PERSON),
        mount: |r| r.to(people::list_people),
    },
    Route {
        method: Method::Post,
        path: "/companies/{id}/people",
        summary: "Add an employee or a contact",
        query: &[],
        request: Body::Object(NEW_PERSON),
        status: 201,
        response: Body::Value(PERSON),
        mount: |r| r.to(people::create_person),
    },
    Route {
        method: Method::Put,
        path: "/people/{id}/access",
        summary: "Brukertilgang: user type, roles and entitlements",
        query: &[],
        request: Body::Object(&[
            Field("userType", "string"),
            Field("roles", "string[]"),
            Field("entitlements", "string[]"),
        ]),
        status: 200,
        response: Body::Value(PERSON),
        mount: |r| r.to(people::put_access),
    },
    Route {
        method: Method::Put,
        path: "/people/{id}/client-access/{clientId}",
        summary: "An office user's access in a client",
        query: &[],
        request: Body::Object(&[Field("entitlements", "!string[]")]),
        status: 200,
        response: Body::Value(PERSON),
        mount: |r| r.to(people::put_client_access),
    },
    Route {
        method: Method::Get,
        path: "/people/{id}/keys",
        summary: "API-tilgang: the person's keys",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Values(KEY),
        mount: |r| r.to(people::list_keys),
    },
    Route {
        method: Method::Post,
        path: "/people/{id}/keys",
        summary: "API-tilgang > Ny nøkkel (the token is returned once)",
        query: &[],
        request: Body::Object(&[
            Field("name", "!string"),
            Field("integrationId", "integer"),
            Field("custom", "object"),
            Field("accountantKey", "boolean"),
        ]),
        status: 201,
        response: Body::Value(KEY),
        mount: |r| r.to(people::create_key),
    },
    Route {
        method: Method::Get,
        path: "/keys/{id}/access",
        summary: "What a key may do now in its own company or a client",
        query: &[Field("companyId", "integer")],
        request: Body::None,
        status: 200,
        response: Body::Any,
        mount: |r| r.to(people::effective_access),
    },
    Route {
        method: Method::Post,
        path: "/keys/{id}/regenerate",
        summary: "Gjenopprett nøkkel: a new token, the old one dies",
        query: &[],
        request: Body::None,
        status: 200,
        response: Body::Value(KEY),
        mount: |r| r.to(people::regenerate_key),
    },
    Route {
        method: Method::Delete,
        path: "/keys/{id}",
        summary: "Delete a key",
        query: &[],
        request: Body::None,
        status: 204,
        response: Body::None,
        mount: |r| r.to(people::delete_key),
    },
    Route {
        method: Method::Put,
        path: "/clients/{clientId}/accountant",
        summary: "The client's Selskap > Regnskapsfører",
        query: &[],
        request: Body::Object(&[Field("apiAccess", "boolean"), Field("officeIsAdmin", "boolean")]),
        status: 200,
        response: Body::Any,
        mount: |r| r.to(clients::put_accountant),
    },
    Route {
        method: Method::Put,
        path: "/clients/{clientId}/keys/{keyId}",
        summary: "Link an office key to a client",
        query: &[],
        request: Body::Object(&[Field("accesses", "string[]"), Field("template", "string")]),
        status: 200,
        response: Body::Any,
        mount: |r| r.to(clients::put_link),
    },
    Route {
        method: Method::Delete,
        path: "/clients/{clientId}/keys/{keyId}",
        summary: "Unlink an office key from a client",
        query: &[],
        request: Body::None,
        status: 204,
        response: Body::None,
        mount: |r| r.to(clients::delete_link),
    },
    Route {
        method: Method::Get,
        path: "/clients/{clientId}/access",
        summary: "Klient > Tilganger (type=api-key: the linked office keys)",
        query: &[Field("type", "string")],
        request: Body::None,
        status: 200,
        response: Body::Values(&[
            Field("key", "object"),
            Field("accesses", "any"),
            Field("effective", "boolean"),
            Field("effectiveAccesses", "string[]"),
            Field("reason", "string"),
        ]),
        mount: |r| r.to(clients::get_client_access),
    },
];

const PERSON: &[Field] = &[
    Field("id", "integer"),
    Field("companyId", "integer"),
    Field("firstName", "string"),
    Field("lastName", "string"),
    Field("email", "string"),
    Field("isContact", "boolean"),
    Field("userType", "string"),
    Field("roles", "string[]"),
    Field("entitlements", "string[]"),
    Field("clientEntitlements", "object"),
];
const NEW_PERSON: &[Field] = &[
    Field("firstName", "!string"),
    Field("lastName", "!string"),
    Field("email", "string"),
    Field("isContact", "boolean"),
    Field("userType", "string"),
    Field("roles", "string[]"),
    Field("entitlements", "string[]"),
];
const KEY: &[Field] = &[
    Field("id", "integer"),
    Field("name", "string"),
    Field("personId", "integer"),
    Field("companyId", "integer"),
    Field("integrationId", "integer"),
    Field("applicationName", "string"),
    Field("accountantKey", "boolean"),
    Field("accesses", "any"),
    Field("createdAt", "string"),
    Field("regeneratedAt", "string"),
    Field("token", "string"),
];
const CREDENTIAL: &[Field] = &[
    Field("label", "string"),
    Field("consumerToken", "string"),
    Field("employeeToken", "string"),
    Field("companyId", "integer"),
    Field("employeeId", "integer"),
    Field("integration", "string"),
    Field("accountantKey", "boolean"),
    Field("clients", "integer[]"),
];
const COMPANY: &[Field] = &[
    Field("id", "integer"),
    Field("name", "string"),
    Field("kind", "string"),
    Field("package", "string"),
    Field("integrationsEnabled", "boolean"),
    Field("officeId", "integer"),
    Field("apiAccess", "boolean"),
    Field("officeIsAdmin", "boolean"),
];
const SUBSCRIPTION: &[Field] = &[Field("package", "string"), Field("integrationsEnabled", "boolean")];
const SNAPSHOT: &[Field] = &[Field("name", "string"), Field("takenAt", "date-time")];
const FAULTS: &[Field] = &[Field("rateLimit", "object"), Field("rules", "object[]")];
const NEW_OVERRIDE: &[Field] = &[
    Field("id", "string"),
    Field("method", "!string"),
    Field("path", "!string"),
    Field("query", "object"),
    Field("body", "object[]"),
    Field("times", "integer"),
    Field("response", "!object"),
];
const OVERRIDE: &[Field] = &[
    Field("id", "string"),
    Field("method", "string"),
    Field("path", "string"),
    Field("query", "object"),
    Field("body", "object[]"),
    Field("times", "integer"),
    Field("response", "object"),
    Field("matched", "integer"),
    Field("remaining", "integer"),
];
/// The query of `GET /journal`: its filters (the first [`JOURNAL_FILTERS`], which
/// `/journal/count` takes too), then paging.
const JOURNAL_QUERY: &[Field] = &[
    Field("path", "string"),
    Field("method", "string"),
    Field("template", "string"),
    Field("status", "string"),
    Field("key", "integer"),
    Field("company", "integer"),
    Field("token", "string"),
    Field("since", "date-time"),
    Field("until", "date-time"),
    Field("param", "string"),
    Field("body", "string"),
    Field("from", "integer"),
    Field("count", "integer"),
];
const JOURNAL_FILTERS: usize = 11;

const JOURNAL: &[Field] = &[
    Field("time", "date-time"),
    Field("requestId", "string"),
    Field("method", "string"),
    Field("path", "string"),
    Field("query", "string"),
    Field("companyId", "integer"),
    Field("keyId", "integer"),
    Field("status", "integer"),
    Field("code", "integer"),
    Field("rule", "string"),
    Field("remedy", "string"),
    Field("developerMessage", "string"),
    Field("needed", "string[]"),
    Field("overrideId", "string"),
    Field("requestBody", "object"),
    Field("responseBody", "object"),
    Field("bodiesDropped", "boolean"),
];

/// Mounts every `/_sandbox` route ([`ROUTES`]) on the given config (the caller adds the
/// `/_sandbox` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    mount(cfg, ROUTES);
}

async fn get_state(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let file = crate::scenario::export_state(sandbox.store(), sandbox.now())?;
    let body = serde_json::to_value(&file).map_err(|e| ApiError::internal(&e))?;
    Ok(json_response(200, &body))
}

/// Imports a world in the scenario format; a bad file changes nothing and says what is wrong.
async fn put_state(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    crate::http::body::expect_object(&body)?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("The body must be UTF-8 JSON."))?;
    let scenario = crate::scenario::parse("PUT /_sandbox/state", text).map_err(scenario_error)?;
    sandbox(&req)?.load(&scenario)?;
    Ok(HttpResponse::NoContent().finish())
}

fn scenario_error(err: crate::scenario::ScenarioError) -> ApiError {
    let messages = err
        .problems
        .iter()
        .map(|p| crate::wire::ValidationMessage {
            field: Some(p.path.clone().into()),
            message: p.message.clone().into(),
            path: Some(p.path.clone().into()),
            root_id: None,
        })
        .collect();
    ApiError::new(crate::wire::ErrorKind::Validation)
        .with_developer_message(err.to_string())
        .with_validation(messages)
}

async fn get_faults(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let config = sandbox(&req)?.faults().config();
    Ok(json_response(200, &json!({ "value": config })))
}

/// Replaces the rate limit and fault rules (`{}` clears them).
async fn put_faults(
    req: HttpRequest,
    body: crate::http::JsonObject<crate::sandbox::faults::FaultConfig>,
) -> Result<HttpResponse, ApiError> {
    let config = body.into_inner();
    config
        .check()
        .map_err(|message| ApiError::new(crate::wire::ErrorKind::Validation).with_developer_message(message))?;
    sandbox(&req)?.faults().set(config.clone());
    Ok(json_response(200, &json!({ "value": config })))
}

async fn get_clock(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let now = sandbox(&req)?.now();
    Ok(json_response(200, &json!({"value": {"now": now.to_string()}})))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockBody {
    now: Option<String>,
    advance: Option<String>,
}

/// Sets the sandbox clock (`{"now": "2026-01-31T12:00:00Z"}`) or moves it (`{"advance": "PT2H"}`,
/// `"P1D"`, `"-PT30M"`): sessions expire and journal times follow it.
async fn put_clock(req: HttpRequest, body: crate::http::JsonObject<ClockBody>) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let invalid = |field: &'static str, message: String| {
        ApiError::new(crate::wire::ErrorKind::Validation)
            .with_developer_message(message)
            .with_validation(vec![crate::wire::ValidationMessage::field(field, "Ugyldig verdi.")])
    };
    match (&body.now, &body.advance) {
        (Some(now), None) => {
            let now: jiff::Timestamp = now.parse().map_err(|e| {
                invalid(
                    "now",
                    format!("now must be an RFC 3339 time such as 2026-01-31T12:00:00Z: {e}"),
                )
            })?;
            sandbox.set_clock(now).map_err(|e| invalid("now", e))?;
        }
        (None, Some(advance)) => {
            let span: jiff::Span = advance.parse().map_err(|e| {
                invalid(
                    "advance",
                    format!("advance must be an ISO 8601 duration such as PT2H or P1D: {e}"),
                )
            })?;
            let duration = span
                .to_duration(jiff::SpanRelativeTo::days_are_24_hours())
                .map_err(|e| invalid("advance", format!("advance cannot use months or years: {e}")))?;
            sandbox.advance_clock(duration).map_err(|e| invalid("advance", e))?;
        }
        _ => return Err(invalid("now", "Send either now or advance.".into())),
    }
    Ok(json_response(
        200,
        &json!({"value": {"now": sandbox.now().to_string()}}),
    ))
}

/// Back to real time: the clock runs with the machine's again.
async fn delete_clock(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    sandbox.real_clock();
    Ok(json_response(
        200,
        &json!({"value": {"now": sandbox.now().to_string()}}),
    ))
}

async fn reset(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    sandbox(&req)?.reset()?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioBody {
    name: String,
}

/// Loads an embedded scenario by name.
async fn load_scenario(
    req: HttpRequest,
    body: crate::http::JsonObject<ScenarioBody>,
) -> Result<HttpResponse, ApiError> {
    let name = load_embedded_scenario(&*sandbox(&req)?, &body.name)?;
    Ok(json_response(200, &json!({"value": {"scenario": name}})))
}

/// Replaces the sandbox's world with the embedded scenario of that name; answers its name.
pub fn load_embedded_scenario(sandbox: &crate::sandbox::Sandbox, wanted: &str) -> Result<String, ApiError> {
    let Some(scenario) = crate::scenario::embedded(wanted) else {
        let names: Vec<&str> = crate::scenario::EMBEDDED_SCENARIOS.iter().map(|(n, _)| *n).collect();
        return Err(ApiError::not_found(format!(
            "No embedded scenario is named {wanted:?}; choose one of: {}. PUT /_sandbox/state loads a world of your own.",
            names.join(", ")
        )));
    };
    let scenario = scenario.map_err(scenario_error)?;
    sandbox.load(&scenario)?;
    Ok(scenario.name().to_owned())
}

/// The journal, newest first, filtered as `journal::JournalQuery` says, paged with `from` and `count`.
async fn get_journal(req: HttpRequest, query: web::Query<journal::JournalQuery>) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let sandbox = sandbox(&req)?;
    let filter = journal::filter(&sandbox, &query)?;
    let params = crate::wire::envelope::ListParams::parse(&crate::wire::envelope::ListQuery {
        from: query.from,
        // Unpaged, a read shows the whole journal, as it did before paging.
        count: query
            .count
            .or_else(|| Some(crate::sandbox::journal::CAPACITY.to_string())),
        sorting: None,
        fields: None,
    })?;
    let page = sandbox.journal().read(&filter, params.from, params.count);
    Ok(json_response(
        200,
        &json!({
            "fullResultSize": page.full_result_size,
            "from": params.from,
            "count": page.entries.len(),
            "values": page.entries,
        }),
    ))
}

/// The key behind a session token or an employee token.
fn key_of_token(db: &crate::store::Db<'_>, token: &str) -> Result<Option<i64>, ApiError> {
    use crate::domain::model::EmployeeTokenLookup;
    if let crate::domain::rules::SessionLookup::Found(session) = db.session_by_token(token)? {
        return Ok(Some(session.key.id));
    }
    Ok(match db.employee_token(token)? {
        EmployeeTokenLookup::Current(key) | EmployeeTokenLookup::Superseded { key, .. } => Some(key.id),
        EmployeeTokenLookup::Unknown => None,
    })
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RequiredAccessQuery {
    key: Option<String>,
}

/// The answer to "what must the customer grant my integration?", from the journal.
async fn required_access(req: HttpRequest, query: web::Query<RequiredAccessQuery>) -> Result<HttpResponse, ApiError> {
    let key = query
        .key
        .as_deref()
        .and_then(|k| k.trim().parse::<i64>().ok())
        .ok_or_else(|| {
            ApiError::new(crate::wire::ErrorKind::Validation)
                .with_developer_message(
                    "key=ID (a key's id, as GET /_sandbox/people/{id}/keys lists them) is required.",
                )
                .with_validation(vec![crate::wire::error::ValidationMessage::field(
                    "key",
                    "Kan ikke være null.",
                )])
        })?;
    let report = sandbox(&req)?.journal().required_access(key);
    let value = serde_json::to_value(&report).map_err(|e| ApiError::internal(&e))?;
    Ok(json_response(200, &json!({ "value": value })))
}

async fn clear_journal(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    sandbox(&req)?.journal().clear();
    Ok(HttpResponse::NoContent().finish())
}

async fn get_settings(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let settings = sandbox(&req)?.settings()?;
    Ok(json_response(200, &json!({ "value": settings })))
}

async fn put_settings(
    req: HttpRequest,
    body: crate::http::JsonObject<crate::scenario::Settings>,
) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let text = crate::store::json_text(&*body);
    sandbox.store().with(|db| db.set_meta("settings", &text))?;
    Ok(json_response(200, &json!({ "value": *body })))
}

async fn coverage(query: web::Query<std::collections::HashMap<String, String>>) -> Result<HttpResponse, ApiError> {
    let table = crate::domain::table::table().map_err(|e| ApiError::internal(&e))?;
    let only = match query.get("level").filter(|l| !l.is_empty()) {
        None => None,
        Some(text) => Some(crate::domain::table::Level::parse(text).ok_or_else(|| {
            ApiError::new(crate::wire::ErrorKind::Param)
                .with_developer_message(format!("level must be semantic, stateful or declared, not {text:?}."))
        })?),
    };
    Ok(json_response(
        200,
        &json!({ "value": crate::domain::table::coverage_json(table, only) }),
    ))
}

async fn health(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    Ok(json_response(
        200,
        &json!({"value": {"status": "ok", "scenario": sandbox.scenario_name()?, "version": env!("CARGO_PKG_VERSION")}}),
    ))
}

async fn get_credentials(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    let values = credentials(&sandbox)?;
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
