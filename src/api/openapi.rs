//! `GET /v2/openapi.json`: the emulated part of Tripletex API v2 as an OpenAPI 3.0 document.
//! The data resources come from the resource table that mounts them (`fixtures/resources.json`,
//! itself taken from the official document: fields, types, bounds, enums, required arguments);
//! the hand-written handlers (token flow, company, entitlements, employees, invoicing) are
//! listed in [`HANDWRITTEN`] beside them. The conformance walk checks that every served
//! operation is in the document and every operation in it is served.

use crate::domain::kind::Kind;
use crate::domain::resource::{self, FieldDef, FieldKind, Match, Operation, ResourceDef};
use crate::domain::table::{Level, same_template};
use crate::wire::ApiError;
use crate::wire::envelope::{DEFAULT_COUNT, MAX_COUNT, json_response};
use crate::wire::openapi::{self as doc, Field};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value, json};

/// What a hand-written operation answers.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// `{"value": Model}`
    Single(&'static str),
    /// `{"values": [Model]}` with paging.
    List(&'static str),
    /// 204, no body.
    Nothing,
    /// `{}`
    Empty,
}

/// An operation served by a hand-written handler.
#[derive(Debug, Clone, Copy)]
pub struct Handwritten {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    /// Query arguments; a leading `!` marks one required.
    pub query: &'static [Field],
    /// The model a body must be, if it takes one.
    pub body: Option<&'static str>,
    pub status: u16,
    pub answer: Answer,
}

const FIELDS: Field = Field("fields", "string");
/// The lists whose envelope carries more than the values: model, schema name (the official
/// document's), the extra fields.
const LIST_EXTRAS: &[(&str, &str, &[Field])] = &[(
    "TimesheetEntry",
    "TimesheetEntrySearchResponse",
    &[Field("sumAllHours", "number")],
)];
const PAGING: &[Field] = &[
    Field("from", "integer"),
    Field("count", "integer"),
    Field("sorting", "string"),
    Field("fields", "string"),
];
const SESSION_CREATE: &[Field] = &[
    Field("consumerToken", "!string"),
    Field("employeeToken", "!string"),
    Field("expirationDate", "!string"),
];

/// The operations outside the resource table, as their modules mount them.
pub const HANDWRITTEN: &[Handwritten] = &[
    Handwritten {
        method: "put",
        path: "/token/session/:create",
        summary: "Create a session token from a consumer token and an employee token",
        query: SESSION_CREATE,
        body: None,
        status: 200,
        answer: Answer::Single("SessionToken"),
    },
    Handwritten {
        method: "post",
        path: "/token/session/:create",
        summary: "Create a session token (as PUT, answering 201)",
        query: SESSION_CREATE,
        body: None,
        status: 201,
        answer: Answer::Single("SessionToken"),
    },
    Handwritten {
        method: "get",
        path: "/token/session/>whoAmI",
        summary: "Who the session acts as: employee and company",
        query: &[FIELDS],
        body: None,
        status: 200,
        answer: Answer::Single("LoggedInUserInfo"),
    },
    Handwritten {
        method: "delete",
        path: "/token/session/{token}",
        summary: "Delete a session token of the key you are logged in with",
        query: &[],
        body: None,
        status: 204,
        answer: Answer::Nothing,
    },
    Handwritten {
        method: "put",
        path: "/token/employee/:create",
        summary: "Create an employee token (only for integrations allowed to)",
        query: &[
            Field("tokenName", "!string"),
            Field("consumerName", "!string"),
            Field("employeeId", "!integer"),
            Field("companyOwned", "!boolean"),
            Field("expirationDate", "!string"),
        ],
        body: None,
        status: 200,
        answer: Answer::Single("EmployeeToken"),
    },
    Handwritten {
        method: "get",
        path: "/token/consumer/byToken",
        summary: "A consumer token's integration",
        query: &[Field("token", "!string"), FIELDS],
        body: None,
        status: 200,
        answer: Answer::Single("ConsumerToken"),
    },
    Handwritten {
        method: "put",
        path: "/company",
        summary: "Update the company you act in",
        query: &[],
        body: Some("Company"),
        status: 200,
        answer: Answer::Single("Company"),
    },
    Handwritten {
        method: "get",
        path: "/company/salesmodules",
        summary: "The company's sales modules",
        query: PAGING,
        body: None,
        status: 200,
        answer: Answer::List("SalesModuleDTO"),
    },
    Handwritten {
        method: "post",
        path: "/company/salesmodules",
        summary: "Order a sales module",
        query: &[],
        body: Some("SalesModuleDTO"),
        status: 201,
        answer: Answer::Single("SalesModuleDTO"),
    },
    Handwritten {
        method: "get",
        path: "/company/>withLoginAccess",
        summary: "The clients an accounting-office key can act as",
        query: PAGING,
        body: None,
        status: 200,
        answer: Answer::List("Company"),
    },
    Handwritten {
        method: "get",
        path: "/company/{id}",
        summary: "The company you act in",
        query: &[FIELDS],
        body: None,
        status: 200,
        answer: Answer::Single("Company"),
    },
    Handwritten {
        method: "get",
        path: "/employee/entitlement",
        summary: "An employee's entitlements",
        query: &[
            Field("employeeId", "integer"),
            Field("from", "integer"),
            Field("count", "integer"),
            Field("sorting", "string"),
            Field("fields", "string"),
        ],
        body: None,
        status: 200,
        answer: Answer::List("Entitlement"),
    },
    Handwritten {
        method: "get",
        path: "/employee/entitlement/client",
        summary: "An employee's entitlements in a client",
        query: &[
            Field("employeeId", "integer"),
            Field("customerId", "integer"),
            Field("from", "integer"),
            Field("count", "integer"),
            Field("sorting", "string"),
            Field("fields", "string"),
        ],
        body: None,
        status: 200,
        answer: Answer::List("Entitlement"),
    },
    Handwritten {
        method: "put",
        path: "/employee/entitlement/:grantEntitlementsByTemplate",
        summary: "Grant an employee the entitlements of a template",
        query: &[
            Field("employeeId", "!integer"),
            Field("template", "!string"),
            Field("addToExisting", "boolean"),
        ],
        body: None,
        status: 200,
        answer: Answer::Empty,
    },
    Handwritten {
        method: "put",
        path: "/employee/entitlement/:grantClientEntitlementsByTemplate",
        summary: "Grant an employee the entitlements of a template in a client",
        query: &[
            Field("employeeId", "!integer"),
            Field("customerId", "!integer"),
            Field("template", "!string"),
            Field("addToExisting", "boolean"),
        ],
        body: None,
        status: 200,
        answer: Answer::Empty,
    },
    Handwritten {
        method: "get",
        path: "/employee/entitlement/{id}",
        summary: "One entitlement",
        query: &[FIELDS],
        body: None,
        status: 200,
        answer: Answer::Single("Entitlement"),
    },
    Handwritten {
        method: "get",
        path: "/employee",
        summary: "The employees of the company you act in",
        query: &[
            Field("id", "string"),
            Field("firstName", "string"),
            Field("lastName", "string"),
            Field("email", "string"),
            Field("onlyContacts", "boolean"),
            Field("includeContacts", "boolean"),
            Field("from", "integer"),
            Field("count", "integer"),
            Field("sorting", "string"),
            Field("fields", "string"),
        ],
        body: None,
        status: 200,
        answer: Answer::List("Employee"),
    },
    Handwritten {
        method: "post",
        path: "/employee",
        summary: "Create an employee",
        query: &[],
        body: Some("Employee"),
        status: 201,
        answer: Answer::Single("Employee"),
    },
    Handwritten {
        method: "get",
        path: "/employee/{id}",
        summary: "One employee",
        query: &[FIELDS],
        body: None,
        status: 200,
        answer: Answer::Single("Employee"),
    },
    Handwritten {
        method: "put",
        path: "/employee/{id}",
        summary: "Update an employee",
        query: &[],
        body: Some("Employee"),
        status: 200,
        answer: Answer::Single("Employee"),
    },
    Handwritten {
        method: "post",
        path: "/invoice",
        summary: "Invoice open orders",
        query: &[],
        body: Some("Invoice"),
        status: 201,
        answer: Answer::Single("Invoice"),
    },
    Handwritten {
        method: "put",
        path: "/order/{id}/:invoice",
        summary: "Invoice one order",
        query: &[Field("invoiceDate", "!string")],
        body: None,
        status: 200,
        answer: Answer::Single("Invoice"),
    },
    Handwritten {
        method: "get",
        path: "/openapi.json",
        summary: "This document: the emulated operations in OpenAPI 3.0",
        query: &[],
        body: None,
        status: 200,
        answer: Answer::Empty,
    },
];

/// Models of the hand-written handlers, with the fields they render (references are `{id, url}`
/// stubs unless the fields filter expands them).
const HANDWRITTEN_MODELS: &[(&str, &[Field])] = &[
    (
        "SessionToken",
        &[
            Field("id", "integer"),
            Field("version", "integer"),
            Field("url", "string"),
            Field("consumerToken", "stub"),
            Field("employeeToken", "stub"),
            Field("expirationDate", "string"),
            Field("token", "string"),
        ],
    ),
    (
        "LoggedInUserInfo",
        &[
            Field("employeeId", "integer"),
            Field("actualEmployeeId", "integer"),
            Field("employee", "Employee"),
            Field("companyId", "integer"),
            Field("company", "Company"),
            Field("language", "string"),
            Field("loggedInWithConnect", "boolean"),
            Field("employeeIsProxy", "boolean"),
        ],
    ),
    (
        "ConsumerToken",
        &[
            Field("id", "integer"),
            Field("version", "integer"),
            Field("url", "string"),
            Field("apiConsumer", "ApiConsumer"),
            Field("token", "string"),
            Field("expirationDate", "string"),
        ],
    ),
    (
        "EmployeeToken",
        &[
            Field("id", "integer"),
            Field("version", "integer"),
            Field("url", "string"),
            Field("employee", "Employee"),
            Field("apiConsumer", "ApiConsumer"),
            Field("token", "string"),
            Field("expirationDate", "string"),
        ],
    ),
    (
        "ApiConsumer",
        &[
            Field("id", "integer"),
            Field("version", "integer"),
            Field("url", "string"),
            Field("consumerName", "string"),
            Field("emails", "string"),
            Field("changes", "object[]"),
        ],
    ),
    (
        "Company",
        &[
            Field("id", "integer"),
            Field("version", "integer"),
            Field("url", "string"),
            Field("name", "string"),
            Field("displayName", "string"),
            Field("startDate", "string"),
            Field("endDate", "string"),
            Field("organizationNumber", "string"),
            Field("email", "string"),
            Field("phoneNumber", "string"),
            Field("phoneNumberMobile", "string"),
            Field("faxNumber", "string"),
            Field("address", "object"),
            Field("type", "string"),
            Field("currency", "Currency"),
            Field("accountantOrSimilar", "boolean"),
            Field("companyMigration", "string"),
            Field("invoiceShowDeliveryDate", "boolean"),
            Field("customerCompanyId", "integer"),
            Field("changes", "object[]"),
        ],
    ),
    (
        "SalesModuleDTO",
        &[Field("name", "string"), Field("costStartDate", "string")],
    ),
    (
        "Entitlement",
        &[
            Field("id", "integer"),
            Field("version", "integer"),
            Field("url", "string"),
            Field("employee", "Employee"),
            Field("name", "string"),
            Field("entitlementId", "integer"),
            Field("customer", "Company"),
            Field("changes", "object[]"),
        ],
    ),
    (
        "Employee",
        &[
            Field("id", "integer"),
            Field("version", "integer"),
            Field("url", "string"),
            Field("firstName", "string"),
            Field("lastName", "string"),
            Field("displayName", "string"),
            Field("employeeNumber", "string"),
            Field("dateOfBirth", "string"),
            Field("email", "string"),
            Field("phoneNumberMobileCountry", "Country"),
            Field("phoneNumberMobile", "string"),
            Field("phoneNumberHome", "string"),
            Field("phoneNumberWork", "string"),
            Field("nationalIdentityNumber", "string"),
            Field("dnumber", "string"),
            Field("internationalId", "object"),
            Field("bankAccountNumber", "string"),
            Field("iban", "string"),
            Field("bic", "string"),
            Field("creditorBankCountryId", "integer"),
            Field("usesAbroadPayment", "boolean"),
            Field("userType", "string"),
            Field("allowInformationRegistration", "boolean"),
            Field("isContact", "boolean"),
            Field("isProxy", "boolean"),
            Field("comments", "string"),
            Field("address", "object"),
            Field("department", "Department"),
            Field("employments", "Employment[]"),
            Field("holidayAllowanceEarned", "object"),
            Field("employeeCategory", "object"),
            Field("isAuthProjectOverviewURL", "boolean"),
            Field("pictureId", "integer"),
            Field("companyId", "integer"),
            Field("changes", "object[]"),
        ],
    ),
];

/// Serves the document for the server the request came in on (the root or `/sb/{id}`).
pub async fn document(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let origin = crate::http::origin::base_url(&req);
    let base = match req.match_info().get(crate::http::SANDBOX_ID) {
        Some(id) => format!("{origin}/sb/{id}/v2"),
        None => format!("{origin}/v2"),
    };
    Ok(json_response(200, &build(&base)?))
}

/// The whole document; `base` is the `/v2` base URL the servers entry names.
pub fn build(base: &str) -> Result<Value, ApiError> {
    let catalogue = resource::catalogue().map_err(|e| ApiError::internal(&e))?;
    let mut schemas = model_schemas(catalogue);
    let mut paths = Map::new();
    for def in catalogue.iter().filter(|d| !d.embedded) {
        resource_operations(&mut paths, def);
    }
    handwritten_operations(&mut paths);
    declared_operations(&mut paths)?;
    add_envelopes(&mut schemas);
    Ok(json!({
        "openapi": "3.0.3",
        "info": {
            "title": "tripletex-sandbox: the emulated Tripletex API v2",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The operations this emulator serves, with schemas from its resource table (taken from Tripletex's official OpenAPI document). Authenticate with Basic auth: username 0 (or a client's company id), password a session token from PUT /token/session/:create."
        },
        "servers": [{"url": base}],
        "security": [{"tokenAuth": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"tokenAuth": {"type": "http", "scheme": "basic"}}
        }
    }))
}

/// The schemas of the table's models and the hand-written ones, with `Stub` and `Error`.
fn model_schemas(catalogue: &[ResourceDef]) -> Map<String, Value> {
    let mut schemas = Map::new();
    for def in catalogue {
        schemas.insert(def.model.clone(), model_schema(def));
    }
    for (name, fields) in HANDWRITTEN_MODELS {
        let mut schema = handwritten_model(fields);
        // A model both a hand-written handler and a resource of the table answer with (Employee)
        // has the fields of both.
        let table = schemas.get(*name).and_then(|s| s["properties"].as_object());
        if let (Some(table), Some(own)) = (table, schema["properties"].as_object_mut()) {
            for (field, property) in table {
                own.entry(field.clone()).or_insert_with(|| property.clone());
            }
        }
        schemas.insert((*name).to_owned(), schema);
    }
    schemas.insert(
        "Stub".into(),
        json!({"type": "object", "properties": {"id": {"type": "integer"}, "url": {"type": "string"}}}),
    );
    schemas.insert("Error".into(), doc::error_schema());
    schemas
}

/// The operations hand-written handlers serve.
fn handwritten_operations(paths: &mut Map<String, Value>) {
    for op in HANDWRITTEN {
        let mut query: Vec<Value> = op
            .query
            .iter()
            .map(|Field(name, kind)| match kind.strip_prefix('!') {
                Some(kind) => query_parameter(name, kind, true),
                None => query_parameter(name, kind, false),
            })
            .collect();
        query.splice(0..0, doc::path_parameters(op.path, &["token"]));
        let (status, answer) = match op.answer {
            Answer::Single(model) => (op.status, Some(wrapper(model))),
            Answer::List(model) => (op.status, Some(list(model))),
            Answer::Nothing => (op.status, None),
            Answer::Empty => (op.status, Some(json!({"type": "object"}))),
        };
        let body = op
            .body
            .map(|model| json!({"$ref": format!("#/components/schemas/{model}")}));
        insert(
            paths,
            op.method,
            op.path,
            operation(op.method, op.path, op.summary, query, body, status, answer),
        );
    }
}

/// Every model's `ResponseWrapper…` and `ListResponse…`, and the list envelopes with figures of
/// their own.
fn add_envelopes(schemas: &mut Map<String, Value>) {
    let models: Vec<String> = schemas.keys().cloned().collect();
    for model in models {
        schemas.insert(
            format!("ResponseWrapper{model}"),
            json!({"type": "object", "properties": {"value": reference(&model)}}),
        );
        schemas.insert(format!("ListResponse{model}"), list_schema(&model));
    }
    for (model, name, fields) in LIST_EXTRAS {
        let mut envelope = list_schema(model);
        for Field(field, kind) in *fields {
            envelope["properties"][*field] = doc::type_schema(kind);
        }
        schemas.insert((*name).to_owned(), envelope);
    }
}

/// The operations of the official document that no resource above lists: the engine's hooks
/// (order lines, postings, payments, …) with their 2xx, and those the sandbox routes but does not
/// emulate yet, each answering 501 naming itself (`x-sandbox-level: declared`).
fn declared_operations(paths: &mut Map<String, Value>) -> Result<(), ApiError> {
    let table = crate::domain::table::table().map_err(|e| ApiError::internal(&e))?;
    for route in &table.routes {
        let method = route.method.to_lowercase();
        let listed = paths
            .iter()
            .any(|(path, item)| same_template(path, &route.path) && item.get(&method).is_some());
        if listed {
            continue;
        }
        let parameters = doc::path_parameters(&route.path, &["token", "fileName", "eventType"]);
        let mut op = match route.level {
            Level::Declared => {
                let summary = format!("{} (not emulated yet: answers 501)", route.name());
                operation(&method, &route.path, &summary, parameters, None, 501, None)
            }
            _ => {
                let status = if method == "post" { 201 } else { 200 };
                let summary = route.name();
                operation(
                    &method,
                    &route.path,
                    &summary,
                    parameters,
                    None,
                    status,
                    Some(json!({"type": "object"})),
                )
            }
        };
        op["x-sandbox-level"] = json!(route.level.as_str());
        insert(paths, &method, &route.path, op);
    }
    Ok(())
}

/// A query parameter; `from` and `count` with the bounds and defaults every list applies
/// (`wire::envelope::ListParams`): a count past [`MAX_COUNT`] or below 0 is refused.
fn query_parameter(name: &str, kind: &str, required: bool) -> Value {
    let mut parameter = doc::query_parameter(name, kind, required);
    let schema = &mut parameter["schema"];
    match name {
        "from" => {
            schema["minimum"] = json!(0);
            schema["default"] = json!(0);
        }
        "count" => {
            schema["minimum"] = json!(0);
            schema["maximum"] = json!(MAX_COUNT);
            schema["default"] = json!(DEFAULT_COUNT);
        }
        _ => {}
    }
    parameter
}

/// The schema a new object's body must meet: the model, with the fields a create needs. The
/// model itself requires nothing, as it also describes the `{id, url}` stub a reference shows.
fn new_object(def: &ResourceDef) -> Value {
    let names: Vec<&str> = def
        .required
        .iter()
        .filter(|r| r.or.is_empty())
        .map(|r| r.field.as_str())
        .collect();
    if names.is_empty() {
        return reference(&def.model);
    }
    json!({"allOf": [reference(&def.model), {"required": names}]})
}

/// The list envelope a model's search answers with: Tripletex's `ListResponse…`, or the search
/// response of a list that adds figures of its own beside the values.
fn list_envelope(model: &str) -> Value {
    match LIST_EXTRAS.iter().find(|(m, _, _)| *m == model) {
        Some((_, name, _)) => reference(name),
        None => list(model),
    }
}

fn list_schema(model: &str) -> Value {
    json!({"type": "object", "properties": {
    "fullResultSize": {"type": "integer"}, "from": {"type": "integer"}, "count": {"type": "integer"},
    "versionDigest": {"type": "string"}, "values": {"type": "array", "items": reference(model)}}})
}

fn reference(model: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{model}")})
}

fn wrapper(model: &str) -> Value {
    reference(&format!("ResponseWrapper{model}"))
}

fn list(model: &str) -> Value {
    reference(&format!("ListResponse{model}"))
}

fn insert(paths: &mut Map<String, Value>, method: &str, path: &str, operation: Value) {
    let item = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
    item[method] = operation;
}

fn operation(
    method: &str,
    path: &str,
    summary: &str,
    parameters: Vec<Value>,
    body: Option<Value>,
    status: u16,
    answer: Option<Value>,
) -> Value {
    let mut success = json!({"description": summary});
    if let Some(schema) = answer {
        success["content"] = doc::json_content(schema);
    }
    let mut out = json!({
        "operationId": doc::operation_id(method, path),
        "summary": summary,
        "parameters": parameters,
        "responses": {status.to_string(): success, "default": doc::error_response()}
    });
    if path == "/openapi.json" || path == "/token/session/:create" {
        // Open: no session yet.
        out["security"] = json!([]);
    }
    if let Some(schema) = body {
        // Every operation that takes a body refuses one that is missing or empty.
        out["requestBody"] = json!({"required": true, "content": doc::json_content(schema)});
    }
    out
}

/// One operation of a resource as the document describes it.
struct Described {
    method: &'static str,
    path: String,
    summary: String,
    parameters: Vec<Value>,
    body: Option<Value>,
    status: u16,
    answer: Option<Value>,
}

/// The operations a resource may mount, in the order the document lists them.
const RESOURCE_OPERATIONS: [Operation; 11] = [
    Operation::List,
    Operation::Create,
    Operation::DeleteList,
    Operation::DeleteIds,
    Operation::Get,
    Operation::Update,
    Operation::CreateList,
    Operation::UpdateList,
    Operation::Settings,
    Operation::UpdateSettings,
    Operation::Delete,
];

/// The operations the resource table mounts for one resource.
fn resource_operations(paths: &mut Map<String, Value>, def: &ResourceDef) {
    for kind in RESOURCE_OPERATIONS.into_iter().filter(|kind| def.allows(*kind)) {
        let Some(d) = describe_single(def, kind).or_else(|| describe_bulk(def, kind)) else {
            continue;
        };
        let op = operation(d.method, &d.path, &d.summary, d.parameters, d.body, d.status, d.answer);
        insert(paths, d.method, &d.path, op);
    }
}

impl Described {
    /// An operation with no parameters and no body, answering 200 with one `model`.
    fn on(method: &'static str, path: &str, summary: String, model: &str) -> Self {
        Self {
            method,
            path: path.to_owned(),
            summary,
            parameters: Vec::new(),
            body: None,
            status: 200,
            answer: Some(wrapper(model)),
        }
    }
}

/// How the document describes an operation on the collection, one object, or the settings object.
fn describe_single(def: &ResourceDef, kind: Operation) -> Option<Described> {
    let collection = format!("/{}", def.path);
    let item = format!("/{}/{{id}}", def.path);
    let model = &def.model;
    let id = || doc::path_parameters("/{id}", &[]);
    let fields = || vec![doc::query_parameter("fields", "string", false)];
    let on = |method, path: &str, summary: String| Described::on(method, path, summary, model);
    let described = match kind {
        Operation::List => Described {
            parameters: list_parameters(def),
            answer: Some(list_envelope(model)),
            ..on("get", &collection, format!("Find {model} objects"))
        },
        Operation::Create => Described {
            body: Some(new_object(def)),
            status: 201,
            ..on("post", &collection, format!("Create a {model}"))
        },
        Operation::Get => Described {
            parameters: id().into_iter().chain(fields()).collect(),
            ..on("get", &item, format!("Get a {model} by id"))
        },
        Operation::Update => Described {
            parameters: id(),
            body: Some(reference(model)),
            ..on("put", &item, format!("Update a {model}"))
        },
        Operation::Settings => Described {
            parameters: fields(),
            ..on("get", &collection, format!("The company's {model}"))
        },
        Operation::UpdateSettings => Described {
            body: Some(reference(model)),
            ..on("put", &collection, format!("Update the company's {model}"))
        },
        Operation::Delete => Described {
            parameters: id(),
            status: 204,
            answer: None,
            ..on("delete", &item, format!("Delete a {model}"))
        },
        _ => return None,
    };
    Some(described)
}

/// How the document describes an operation on many objects at once.
fn describe_bulk(def: &ResourceDef, kind: Operation) -> Option<Described> {
    let collection = format!("/{}", def.path);
    let list_path = format!("/{}/list", def.path);
    let model = &def.model;
    let on = |method, path: &str, summary: String| Described::on(method, path, summary, model);
    let described = match kind {
        Operation::DeleteList => {
            let path = crate::domain::table::table()
                .ok()
                .and_then(|t| t.path_of(&def.path, Operation::DeleteList))
                .map_or_else(|| collection.clone(), str::to_owned);
            let summary = format!("Delete {model} objects by a list of {{id}}");
            Described {
                body: Some(json!({"type": "array", "items": reference(model)})),
                status: 204,
                answer: None,
                ..on("delete", &path, summary)
            }
        }
        Operation::DeleteIds => Described {
            parameters: vec![doc::query_parameter("ids", "string", true)],
            status: 204,
            answer: None,
            ..on(
                "delete",
                &list_path,
                format!("Delete {model} objects by a comma-separated list of ids"),
            )
        },
        Operation::CreateList => Described {
            body: Some(json!({"type": "array", "items": new_object(def)})),
            status: 201,
            answer: Some(list(model)),
            ..on(
                "post",
                &list_path,
                format!("Create {model} objects from a list, all or none"),
            )
        },
        Operation::UpdateList => Described {
            body: Some(json!({"type": "array", "items": reference(model)})),
            answer: Some(list(model)),
            ..on(
                "put",
                &list_path,
                format!("Update {model} objects from a list, all or none"),
            )
        },
        _ => return None,
    };
    Some(described)
}

/// A list's query parameters: its filters (required where the list needs them), any other
/// argument it requires, then paging.
fn list_parameters(def: &ResourceDef) -> Vec<Value> {
    let required = def.missing_query(Operation::List, |_| false);
    let mut parameters: Vec<Value> = def
        .filters
        .iter()
        .map(|(name, filter)| {
            let mut p = doc::query_parameter(name, "string", required.contains(&name.as_str()));
            if filter.matching.is_range() {
                p["schema"]["format"] = json!("date");
            }
            if filter.matching == Match::Ids {
                p["description"] = json!("A comma-separated list of ids");
            }
            p
        })
        .collect();
    for name in &required {
        if !def.filters.contains_key(*name) {
            parameters.push(doc::query_parameter(name, "string", true));
        }
    }
    parameters.extend(PAGING.iter().map(|Field(n, k)| query_parameter(n, k, false)));
    parameters
}

/// A model's schema from its definition: every field with its type, bounds, enum and
/// read-only flag; references to the referenced model (a `{id, url}` stub unless expanded).
fn model_schema(def: &ResourceDef) -> Value {
    let mut properties = Map::new();
    properties.insert("id".into(), json!({"type": "integer", "format": "int64"}));
    properties.insert("version".into(), json!({"type": "integer", "format": "int32"}));
    properties.insert("url".into(), json!({"type": "string", "readOnly": true}));
    for (name, field) in &def.fields {
        properties.insert(name.clone(), field_schema(field));
    }
    properties.insert(
        "changes".into(),
        json!({"type": "array", "readOnly": true, "items": {"type": "object"}}),
    );
    json!({"type": "object", "properties": properties})
}

/// The model a resource path names, in the table or among the hand-written ones.
fn model_of(path: &str) -> Option<String> {
    if let Some(def) = resource::find(path) {
        return Some(def.model.clone());
    }
    Kind::from_path(path).map(|kind| kind.model().to_owned())
}

fn field_schema(field: &FieldDef) -> Value {
    let target = field.resource.as_deref().and_then(model_of);
    let mut schema = match field.kind {
        FieldKind::String => {
            let mut s = json!({"type": "string"});
            if let Some(format) = &field.format {
                s["format"] = json!(format);
            }
            if let Some(allowed) = &field.allowed {
                s["enum"] = json!(allowed);
            }
            s
        }
        FieldKind::Integer => {
            let mut s = json!({"type": "integer"});
            if let Some(low) = field.minimum {
                s["minimum"] = json!(low);
            }
            if let Some(high) = field.maximum {
                s["maximum"] = json!(high);
            }
            s
        }
        FieldKind::Number => json!({"type": "number"}),
        FieldKind::Boolean => json!({"type": "boolean"}),
        FieldKind::Ref => reference(target.as_deref().unwrap_or("Stub")),
        FieldKind::Object => json!({"type": "object"}),
        FieldKind::Array | FieldKind::Lines => match target {
            Some(model) => json!({"type": "array", "items": reference(&model)}),
            None => json!({"type": "array", "items": {}}),
        },
    };
    if field.read_only {
        // A $ref may have no siblings in OpenAPI 3.0: wrap it.
        schema = if schema.get("$ref").is_some() {
            json!({"allOf": [schema], "readOnly": true})
        } else {
            let mut s = schema;
            s["readOnly"] = json!(true);
            s
        };
    }
    schema
}

fn handwritten_model(fields: &[Field]) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|Field(name, kind)| {
            let schema = match *kind {
                "stub" => reference("Stub"),
                k if k.ends_with("[]") && k.starts_with(char::is_uppercase) => {
                    json!({"type": "array", "items": reference(k.trim_end_matches("[]"))})
                }
                k if k.starts_with(char::is_uppercase) => reference(k),
                k => doc::type_schema(k),
            };
            ((*name).to_owned(), schema)
        })
        .collect();
    json!({"type": "object", "properties": properties})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_operation_of_the_table_is_in_the_document() {
        let document = build("http://127.0.0.1:1/v2").unwrap();
        for def in resource::catalogue().unwrap().iter().filter(|d| !d.embedded) {
            let collection = &document["paths"][format!("/{}", def.path)];
            let item = &document["paths"][format!("/{}/{{id}}", def.path)];
            // Served as the resource's operation, not listed as declared (501).
            let served = |op: &Value| op.is_object() && op["x-sandbox-level"] != "declared";
            let listed = def.allows(Operation::List) || def.allows(Operation::Settings);
            assert_eq!(served(&collection["get"]), listed, "{}", def.path);
            assert_eq!(served(&item["get"]), def.allows(Operation::Get), "{}", def.path);
            assert_eq!(served(&item["put"]), def.allows(Operation::Update), "{}", def.path);
            assert_eq!(served(&item["delete"]), def.allows(Operation::Delete), "{}", def.path);
        }
        let table = crate::domain::table::table().unwrap();
        let paths = document["paths"].as_object().unwrap();
        for route in &table.routes {
            let method = route.method.to_lowercase();
            let found = paths
                .iter()
                .any(|(path, item)| same_template(path, &route.path) && item[&method].is_object());
            assert!(found, "{} is in the document", route.name());
        }
        let invoices = &document["paths"]["/invoice"]["get"]["parameters"];
        let required: Vec<&str> = invoices
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["required"] == true)
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(required, ["invoiceDateFrom", "invoiceDateTo"]);
    }

    #[test]
    fn every_reference_in_the_document_names_a_schema_it_has() {
        let document = build("http://127.0.0.1:1/v2").unwrap();
        let text = document.to_string();
        for (at, _) in text.match_indices("#/components/schemas/") {
            let rest = &text[at + "#/components/schemas/".len()..];
            let name: String = rest.chars().take_while(|c| *c != '"').collect();
            assert!(document["components"]["schemas"][&name].is_object(), "{name}");
        }
    }
}
