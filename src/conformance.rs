//! Conformance of the emulator against an official Tripletex OpenAPI document, read by path:
//! every emulated endpoint is called in-process and its body validated against the document's
//! response schema for that operation. Used by `tripletex-sandbox conformance --spec FILE` and
//! by the test suite.
//!
//! The official schemas mark nothing nullable and allow extra properties; the real API sends
//! nulls freely, and the sandbox should send no field the schema does not know. So each schema
//! is checked with null allowed everywhere and unknown properties refused.

use crate::domain::resource::{self, Operation};
use crate::sandbox::Sandbox;
use crate::scenario;
use crate::startup;
use crate::store::Store;
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::web;
use base64::Engine;
use serde_json::{Map, Value, json};

/// Makes an OpenAPI 3.0 schema a JSON Schema that allows null and refuses undeclared properties.
pub fn tighten(schema: &Value) -> Value {
    match schema {
        Value::Object(object) => {
            if let Some(reference) = object.get("$ref") {
                return json!({"anyOf": [{"$ref": reference}, {"type": "null"}]});
            }
            let mut out = Map::new();
            for (key, value) in object {
                let value = match key.as_str() {
                    "properties" => Value::Object(
                        value
                            .as_object()
                            .map(|p| p.iter().map(|(k, v)| (k.clone(), tighten(v))).collect())
                            .unwrap_or_default(),
                    ),
                    "items" | "additionalProperties" => tighten(value),
                    "type" => json!([value, "null"]),
                    "enum" => {
                        let mut values = value.as_array().cloned().unwrap_or_default();
                        values.push(Value::Null);
                        Value::Array(values)
                    }
                    _ => value.clone(),
                };
                out.insert(key.clone(), value);
            }
            if out.contains_key("properties") {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// An official OpenAPI document, ready to check responses against.
pub struct Spec {
    document: Value,
    components: Value,
}

impl Spec {
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let document: Value = serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        Self::from_document(document).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A document already read (the emulator's own, say).
    pub fn from_document(document: Value) -> Result<Self, String> {
        let schemas = document["components"]["schemas"]
            .as_object()
            .ok_or("no components.schemas; is this an OpenAPI 3 document?")?;
        let tightened: Map<String, Value> = schemas.iter().map(|(k, v)| (k.clone(), tighten(v))).collect();
        Ok(Self {
            components: json!({ "schemas": tightened }),
            document,
        })
    }

    /// True if the document describes the operation.
    pub fn has(&self, method: &str, path: &str) -> bool {
        self.document["paths"][path][method].is_object()
    }

    pub fn has_schema(&self, schema: &str) -> bool {
        self.components["schemas"][schema].is_object()
    }

    /// Problems of a body against a named schema of the document (`ListResponseEmployment`, …).
    pub fn check_schema(&self, label: &str, schema: &str, body: &Value) -> Vec<String> {
        if !self.components["schemas"][schema].is_object() {
            return vec![format!("{label}: the document has no schema {schema}")];
        }
        self.validate(label, &format!("#/components/schemas/{schema}"), body)
    }

    fn validate(&self, label: &str, reference: &str, body: &Value) -> Vec<String> {
        let root = json!({"$ref": reference, "components": self.components});
        match jsonschema::validator_for(&root) {
            Ok(validator) => validator
                .iter_errors(body)
                .map(|e| format!("{label}: {} at {}", e, e.instance_path()))
                .collect(),
            Err(e) => vec![format!("{label}: the document's schema cannot be used: {e}")],
        }
    }

    /// Problems of one response against the document's schema for the operation; empty if none.
    pub fn check(&self, method: &str, path: &str, status: u16, body: &Value) -> Vec<String> {
        let label = format!("{} {path}", method.to_uppercase());
        let operation = &self.document["paths"][path][method];
        if !operation.is_object() {
            return vec![format!("{label}: the document has no such operation")];
        }
        let responses = &operation["responses"];
        let Some(response) = [status.to_string().as_str(), "default"]
            .iter()
            .map(|k| &responses[*k])
            .find(|r| r.is_object())
        else {
            return vec![format!("{label}: the document has no response for {status}")];
        };
        let Some(schema) = response["content"]["application/json"].get("schema") else {
            return if body.is_null() {
                Vec::new()
            } else {
                vec![format!("{label}: the document says no body, the sandbox sent one")]
            };
        };
        self.validate(&label, schema["$ref"].as_str().unwrap_or_default(), body)
    }
}

/// What a conformance run found.
#[derive(Debug, Default)]
pub struct Report {
    pub checked: usize,
    pub problems: Vec<String>,
}

/// Calls every emulated endpoint on a fresh quickstart sandbox and checks each response.
pub async fn run(spec: &Spec) -> Result<Report, String> {
    let scenario = scenario::resolve(scenario::DEFAULT_SCENARIO).map_err(|e| e.to_string())?;
    let store = Store::open_in_memory().map_err(|e| e.to_string())?;
    let (sandbox, _) = Sandbox::open(store, &scenario, Some(1)).map_err(|e| e.to_string())?;
    let registry = crate::sandbox::registry::Registry::new(web::Data::new(sandbox), Some(1));
    let app = init_service(startup::app(web::Data::new(registry))).await;
    let mut report = Report::default();

    macro_rules! fetch {
        ($method:expr, $uri:expr, $auth:expr, $body:expr) => {{
            let uri: String = $uri;
            let auth: Option<(String, String)> = $auth;
            let body: Option<Value> = $body;
            send(&app, $method, &uri, basic(auth).as_deref(), body.as_ref()).await
        }};
    }
    macro_rules! check {
        ($method:expr, $template:expr, $reply:expr) => {{
            let (status, body) = $reply;
            report.checked += 1;
            if status >= 300 {
                report.problems.push(format!(
                    "{} {}: the sandbox answered {status}: {body}",
                    $method.to_uppercase(),
                    $template
                ));
            } else {
                report.problems.extend(spec.check($method, $template, status, &body));
            }
            body
        }};
    }

    let world = &scenario.world;
    let consumer = world
        .integrations
        .first()
        .and_then(|i| i.consumer_token.clone())
        .unwrap_or_default();
    let own_key = world
        .keys
        .iter()
        .find(|k| !k.accountant_key)
        .and_then(|k| k.token.clone())
        .unwrap_or_default();
    let office_key = world
        .keys
        .iter()
        .find(|k| k.accountant_key)
        .and_then(|k| k.token.clone())
        .unwrap_or_default();
    let mint = |key: &str| {
        format!("/v2/token/session/:create?consumerToken={consumer}&employeeToken={key}&expirationDate=2099-12-31")
    };
    let minted = check!(
        "put",
        "/token/session/:create",
        fetch!("put", mint(&own_key), None, None)
    );
    let session = minted["value"]["token"].as_str().unwrap_or_default().to_owned();
    let office = fetch!("put", mint(&office_key), None, None).1["value"]["token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let own = || Some(("0".to_owned(), session.clone()));
    let first_client = world
        .client_key_links
        .iter()
        .find(|l| !l.pending)
        .map_or(0, |l| l.client_id);

    let all = "fields=*,company(*,currency(*)),employee(*)";
    check!(
        "get",
        "/token/session/>whoAmI",
        fetch!("get", format!("/v2/token/session/%3EwhoAmI?{all}"), own(), None)
    );
    check!(
        "get",
        "/token/session/>whoAmI",
        fetch!(
            "get",
            format!("/v2/token/session/%3EwhoAmI?{all}"),
            Some((first_client.to_string(), office.clone())),
            None
        )
    );
    check!(
        "get",
        "/company/>withLoginAccess",
        fetch!(
            "get",
            "/v2/company/%3EwithLoginAccess?fields=*,currency(*)".into(),
            Some(("0".into(), office.clone())),
            None
        )
    );
    let company_id = world
        .people
        .iter()
        .find(|p| world.keys.iter().any(|k| !k.accountant_key && k.person_id == p.id))
        .map_or(0, |p| p.company_id);
    check!(
        "get",
        "/company/{id}",
        fetch!("get", format!("/v2/company/{company_id}"), own(), None)
    );
    check!(
        "get",
        "/token/consumer/byToken",
        fetch!(
            "get",
            format!("/v2/token/consumer/byToken?token={consumer}&fields=*,apiConsumer(*)"),
            own(),
            None
        )
    );
    check!(
        "get",
        "/company/salesmodules",
        fetch!("get", "/v2/company/salesmodules".into(), own(), None)
    );
    check!(
        "put",
        "/company",
        fetch!(
            "put",
            "/v2/company".into(),
            own(),
            Some(json!({"email": "post@example.com"}))
        )
    );
    let entitlements = check!(
        "get",
        "/employee/entitlement",
        fetch!(
            "get",
            "/v2/employee/entitlement?fields=*,employee(*)".into(),
            own(),
            None
        )
    );
    let entitlement = entitlements["values"][0]["id"].as_i64().unwrap_or_default();
    check!(
        "get",
        "/employee/entitlement/{id}",
        fetch!("get", format!("/v2/employee/entitlement/{entitlement}"), own(), None)
    );
    check!(
        "get",
        "/employee/entitlement/client",
        fetch!("get", "/v2/employee/entitlement/client".into(), own(), None)
    );
    check!(
        "get",
        "/employee",
        fetch!("get", "/v2/employee?fields=*,changes".into(), own(), None)
    );
    let person = world.people.first().map_or(0, |p| p.id);
    check!(
        "get",
        "/employee/{id}",
        fetch!("get", format!("/v2/employee/{person}"), own(), None)
    );

    // An employment to list (no seed data has one).
    fetch!(
        "post",
        "/v2/employee/employment".into(),
        own(),
        Some(json!({"employee": {"id": person}, "startDate": "2026-01-01"}))
    );
    for def in resource::catalogue()?
        .iter()
        .filter(|d| !d.embedded && d.allows(Operation::List))
    {
        let list = format!("ListResponse{}", def.model);
        if !spec.has("get", &format!("/{}", def.path)) && !spec.has_schema(&list) && !spec.has_schema(&def.model) {
            // A document without the operation or its model (a subset) has nothing to check it by.
            continue;
        }
        if !spec.has("get", &format!("/{}", def.path)) {
            // Operations this version of the document lacks are checked against the model's schema.
            let (status, body) = fetch!(
                "get",
                format!("/v2/{}?fields=*,changes{}", def.path, required_range(def)),
                own(),
                None
            );
            report.checked += 1;
            let label = format!("GET /{} (not in the document)", def.path);
            if status >= 300 {
                report
                    .problems
                    .push(format!("{label}: the sandbox answered {status}: {body}"));
            } else {
                if spec.has_schema(&list) {
                    report.problems.extend(spec.check_schema(&label, &list, &body));
                } else {
                    for value in body["values"].as_array().into_iter().flatten() {
                        report.problems.extend(spec.check_schema(&label, &def.model, value));
                    }
                }
            }
            continue;
        }
        let collection = format!("/{}", def.path);
        let listed = check!(
            "get",
            collection.as_str(),
            fetch!(
                "get",
                format!("/v2{collection}?fields=*,changes&count=5{}", required_range(def)),
                own(),
                None
            )
        );
        if let Some(id) = listed["values"][0]["id"]
            .as_i64()
            .filter(|_| def.allows(Operation::Get))
        {
            check!(
                "get",
                format!("{collection}/{{id}}").as_str(),
                fetch!("get", format!("/v2{collection}/{id}"), own(), None)
            );
        }
        if def.allows(Operation::Create) && def.path == "customer" {
            check!(
                "post",
                collection.as_str(),
                fetch!(
                    "post",
                    format!("/v2{collection}"),
                    own(),
                    Some(json!({"name": "Conformance"}))
                )
            );
        }
    }
    // Business objects without seed data: create them, then read them back.
    let first_id = |body: &Value| body["values"][0]["id"].clone();
    let customer = first_id(&fetch!("get", "/v2/customer?count=1".into(), own(), None).1);
    let product = first_id(&fetch!("get", "/v2/product?count=1".into(), own(), None).1);
    let activity = first_id(&fetch!("get", "/v2/activity?count=1".into(), own(), None).1);
    let accounts = fetch!("get", "/v2/ledger/account?count=2".into(), own(), None).1;
    let order = check!(
        "post",
        "/order",
        fetch!(
            "post",
            "/v2/order".into(),
            own(),
            Some(json!({
        "customer": {"id": customer}, "orderDate": "2026-01-15", "deliveryDate": "2026-01-15",
        "orderLines": [{"product": {"id": product}, "count": 1, "unitPriceExcludingVatCurrency": 100, "vatType": {"id": 3}}]}))
        )
    );
    check!(
        "get",
        "/order/{id}",
        fetch!(
            "get",
            format!("/v2/order/{}?fields=*,orderLines(*)", order["value"]["id"]),
            own(),
            None
        )
    );
    let invoice = check!(
        "post",
        "/invoice",
        fetch!(
            "post",
            "/v2/invoice".into(),
            own(),
            Some(json!({
        "invoiceDate": "2026-01-20", "invoiceDueDate": "2026-02-03", "orders": [{"id": order["value"]["id"]}]}))
        )
    );
    check!(
        "get",
        "/invoice/{id}",
        fetch!("get", format!("/v2/invoice/{}", invoice["value"]["id"]), own(), None)
    );
    check!(
        "get",
        "/invoice",
        fetch!(
            "get",
            "/v2/invoice?fields=*,changes&invoiceDateFrom=2000-01-01&invoiceDateTo=2100-01-01".into(),
            own(),
            None
        )
    );
    let voucher = check!(
        "post",
        "/ledger/voucher",
        fetch!(
            "post",
            "/v2/ledger/voucher".into(),
            own(),
            Some(json!({"date": "2026-01-15", "description": "Conformance", "postings": [
        {"row": 1, "date": "2026-01-15", "account": {"id": accounts["values"][0]["id"]}, "amountGross": 10},
        {"row": 2, "date": "2026-01-15", "account": {"id": accounts["values"][1]["id"]}, "amountGross": -10}]}))
        )
    );
    check!(
        "get",
        "/ledger/voucher/{id}",
        fetch!(
            "get",
            format!("/v2/ledger/voucher/{}?fields=*,postings(*)", voucher["value"]["id"]),
            own(),
            None
        )
    );
    let project = check!(
        "post",
        "/project",
        fetch!(
            "post",
            "/v2/project".into(),
            own(),
            Some(json!({"name": "Conformance", "startDate": "2026-01-01", "projectManager": {"id": person}}))
        )
    );
    check!(
        "post",
        "/timesheet/entry",
        fetch!(
            "post",
            "/v2/timesheet/entry".into(),
            own(),
            Some(json!({
        "employee": {"id": person}, "activity": {"id": activity}, "project": {"id": project["value"]["id"]}, "date": "2026-01-15", "hours": 7.5}))
        )
    );
    check!(
        "get",
        "/timesheet/entry",
        fetch!(
            "get",
            "/v2/timesheet/entry?dateFrom=2000-01-01&dateTo=2100-01-01".into(),
            own(),
            None
        )
    );
    walk_the_table(&app, spec, &session, &mut report).await?;
    check!(
        "delete",
        "/token/session/{token}",
        fetch!("delete", format!("/v2/token/session/{session}"), own(), None)
    );
    Ok(report)
}

/// The `Authorization` header of Basic credentials (company id, session token).
fn basic(credentials: Option<(String, String)>) -> Option<String> {
    credentials.map(|(user, token)| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{token}"))
        )
    })
}

/// Calls the app in process: the status and the JSON answer (null when there is none).
pub(crate) async fn send<S, B>(
    app: &S,
    method: &str,
    uri: &str,
    auth: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value)
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut request = match method {
        "put" => TestRequest::put(),
        "post" => TestRequest::post(),
        "delete" => TestRequest::delete(),
        "patch" => TestRequest::patch(),
        _ => TestRequest::get(),
    }
    .uri(uri);
    if let Some(auth) = auth {
        request = request.insert_header(("Authorization", auth.to_owned()));
    }
    if let Some(body) = body {
        request = request.set_json(body);
    }
    let response = call_service(app, request.to_request()).await;
    let status = response.status().as_u16();
    let bytes = read_body(response).await;
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Every operation the engine serves by its shape (`stateful` in the coverage list), called once
/// with a well-formed request built from the table, and each answer checked against the document.
/// An operation on one object is called on one made for it; where the resource cannot be made
/// through the API (reference data), there is no object to name and the operation is left out.
async fn walk_the_table<S, B>(app: &S, spec: &Spec, session: &str, report: &mut Report) -> Result<(), String>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let auth = basic(Some(("0".to_owned(), session.to_owned())));
    for route in &crate::domain::table::table()?.routes {
        let def = route.resource.as_deref().and_then(resource::find);
        let (crate::domain::table::Level::Stateful, Some(kind), Some(def)) = (route.level, route.kind, def) else {
            continue;
        };
        let on_one = matches!(
            kind,
            Operation::Get
                | Operation::Update
                | Operation::Delete
                | Operation::UpdateList
                | Operation::DeleteIds
                | Operation::DeleteList
        );
        let id = match on_one {
            false => 0,
            true if def.allows(Operation::Create) && def.identity => {
                let Some(least) = least_body_in(app, auth.as_deref(), def).await else {
                    continue;
                };
                let (status, made) =
                    send(app, "post", &format!("/v2/{}", def.path), auth.as_deref(), Some(&least)).await;
                match made["value"]["id"].as_i64() {
                    Some(id) => id,
                    None => {
                        report.checked += 1;
                        report.problems.push(format!(
                            "{}: no {} could be made to call it on ({status}: {made})",
                            route.name(),
                            def.model
                        ));
                        continue;
                    }
                }
            }
            true => continue,
        };
        let item = route.path.split('/').map(|s| {
            if s.starts_with('{') {
                id.to_string()
            } else {
                s.to_owned()
            }
        });
        let item = format!("/v2{}", item.collect::<Vec<_>>().join("/"));
        let collection = format!("/v2/{}", def.path);
        let least = match kind {
            Operation::Create | Operation::CreateList => match least_body_in(app, auth.as_deref(), def).await {
                Some(least) => least,
                None => continue,
            },
            _ => Value::Null,
        };
        let (uri, body) = match kind {
            Operation::List => (format!("{collection}?fields=*,changes"), None),
            Operation::Create => (collection, Some(least)),
            Operation::Get | Operation::Delete => (item, None),
            Operation::Update => (item, Some(json!({}))),
            Operation::CreateList => (format!("{collection}/list"), Some(json!([least.clone(), least]))),
            Operation::UpdateList => (format!("{collection}/list"), Some(json!([{"id": id}]))),
            Operation::DeleteIds => (format!("{collection}/list?ids={id}"), None),
            Operation::DeleteList => (item, Some(json!([{"id": id}]))),
            Operation::Settings => (collection, None),
            Operation::UpdateSettings => (collection, Some(json!({}))),
        };
        let required: String = def
            .missing_query(kind, |name| uri.contains(&format!("?{name}=")))
            .into_iter()
            .map(|name| format!("{name}={}", argument_sample(name)))
            .collect::<Vec<_>>()
            .join("&");
        let uri = match (required.is_empty(), uri.contains('?')) {
            (true, _) => uri,
            (false, true) => format!("{uri}&{required}"),
            (false, false) => format!("{uri}?{required}"),
        };
        let method = route.method.to_lowercase();
        let (status, answer) = send(app, &method, &uri, auth.as_deref(), body.as_ref()).await;
        report.checked += 1;
        if status >= 300 {
            report
                .problems
                .push(format!("{}: the sandbox answered {status}: {answer}", route.name()));
        } else if status != 204 && spec.has(&method, &route.path) {
            report
                .problems
                .extend(spec.check(&method, &route.path, status, &answer));
        }
    }
    Ok(())
}

/// A value for a required query argument that selects everything a world can hold, or nothing
/// where it names an object: a range's start far back, an id that is no object's (0), a date far
/// ahead for anything else.
pub fn argument_sample(name: &str) -> &'static str {
    if name.ends_with("From") {
        "2000-01-01"
    } else if name.ends_with("Id") || name.ends_with("Ids") || name == "ids" {
        "0"
    } else {
        "2100-01-01"
    }
}

/// The arguments a list of `def` requires, as `name=value` pairs ([`argument_sample`]): what a
/// walk over every resource sends to see them all.
pub fn wide_list_arguments(def: &resource::ResourceDef) -> Vec<(&str, &'static str)> {
    def.missing_query(resource::Operation::List, |_| false)
        .into_iter()
        .map(|name| (name, argument_sample(name)))
        .collect()
}

/// The resources a create of `def` must name an object of: its required references.
pub fn required_references(def: &resource::ResourceDef) -> Vec<&str> {
    def.required
        .iter()
        .filter_map(|r| def.fields.get(&r.field))
        .filter(|f| f.kind == resource::FieldKind::Ref)
        .filter_map(|f| f.resource.as_deref())
        .collect()
}

/// The least body a create of `def` passes its required fields with: a sample of each field's
/// type, and for a reference the id `pick` gives for its resource. None when `pick` has no object
/// to name: the sandbox's world holds none of that resource.
pub fn least_body(def: &resource::ResourceDef, pick: impl Fn(&str) -> Option<i64> + Copy) -> Option<Value> {
    use resource::FieldKind;
    let mut body = Map::new();
    for name in def.required.iter().map(|r| &r.field) {
        let field = def.fields.get(name)?;
        let value = match field.kind {
            FieldKind::String => match (&field.allowed, field.format.as_deref()) {
                (Some(allowed), _) => json!(allowed.first()?),
                (None, Some("date")) => json!("2026-03-01"),
                (None, _) => json!(text_sample(def, name).unwrap_or("Sandbox sample")),
            },
            FieldKind::Integer => json!(7.clamp(field.minimum.unwrap_or(i64::MIN), field.maximum.unwrap_or(i64::MAX))),
            FieldKind::Number => json!(1.5),
            FieldKind::Boolean => json!(true),
            FieldKind::Ref => json!({ "id": pick(field.resource.as_deref()?)? }),
            FieldKind::Object => json!({}),
            // A required list may not be empty (a salary run's payslips): one element of its
            // resource's own least body, where the list names a resource.
            FieldKind::Array | FieldKind::Lines => match field.resource.as_deref().and_then(resource::find) {
                Some(element) if element.path != def.path => json!([least_body(element, pick)?]),
                _ => json!([]),
            },
        };
        body.insert(name.clone(), value);
    }
    Some(Value::Object(body))
}

/// A text the resource's write rules accept for `field`, where they ask for one.
pub fn text_sample(def: &resource::ResourceDef, field: &str) -> Option<&'static str> {
    def.write_rules.iter().find_map(|rule| rule.sample(field))
}

/// The emulator's app called in process (actix's test service), as the walks and replays call it.
pub(crate) trait InProcess<B>:
    actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>
{
}

impl<S, B> InProcess<B> for S where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >
{
}

/// [`least_body`] over the app: each reference names the first object of its resource, one made
/// for it (with its own least body) where there is none yet.
async fn least_body_in<S: InProcess<B>, B: actix_web::body::MessageBody>(
    app: &S,
    auth: Option<&str>,
    def: &resource::ResourceDef,
) -> Option<Value> {
    let mut ids = std::collections::HashMap::new();
    for target in required_references(def) {
        let range = resource::find(target).map(required_range).unwrap_or_default();
        let (_, listed) = send(
            app,
            "get",
            &format!("/v2/{target}?count=1&fields=id{range}"),
            auth,
            None,
        )
        .await;
        let mut id = listed["values"][0]["id"].as_i64();
        if let (None, Some(made)) = (id, resource::find(target).and_then(|t| least_body(t, |_| None))) {
            let (_, answer) = send(app, "post", &format!("/v2/{target}"), auth, Some(&made)).await;
            id = answer["value"]["id"].as_i64();
        }
        ids.insert(target, id);
    }
    least_body(def, |target| ids.get(target).copied().flatten())
}

/// [`wide_list_arguments`] as query text to append (`&name=value…`).
fn required_range(def: &resource::ResourceDef) -> String {
    wide_list_arguments(def)
        .into_iter()
        .map(|(name, date)| format!("&{name}={date}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tightened_schema_refuses_undeclared_fields_and_wrong_types() {
        let schema = tighten(
            &json!({"type": "object", "properties": {"id": {"type": "integer"}, "sub": {"$ref": "#/components/schemas/S"}}}),
        );
        let root = json!({"$ref": "#/components/schemas/T", "components": {"schemas": {
            "T": schema, "S": tighten(&json!({"type": "object", "properties": {"x": {"type": "string"}}}))}}});
        let validator = jsonschema::validator_for(&root).unwrap();
        assert!(validator.is_valid(&json!({"id": 1, "sub": {"x": "a"}})));
        assert!(validator.is_valid(&json!({"id": null, "sub": null})));
        assert!(!validator.is_valid(&json!({"id": "1"})));
        assert!(!validator.is_valid(&json!({"id": 1, "extra": true})));
        assert!(!validator.is_valid(&json!({"sub": {"x": 1}})));
    }
}
