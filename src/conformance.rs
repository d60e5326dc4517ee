//! Conformance of the emulator against an official Tripletex OpenAPI document, read by path:
//! every emulated endpoint is called in-process and its body validated against the document's
//! response schema for that operation. Used by `tripletex-sandbox conformance --spec FILE` and
//! by the test suite.
//!
//! The official schemas mark nothing nullable and allow extra properties; the real API sends
//! nulls freely, and the sandbox should send no field the schema does not know. So each schema
//! is checked with null allowed everywhere and unknown properties refused.

use crate::domain::kind::Kind;
use crate::domain::resource::{self, Operation};
use crate::domain::table;
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
    let mut walk = Walk {
        app: &app,
        body: std::marker::PhantomData,
        spec,
        report: Report::default(),
        own: None,
    };
    let world = World::of(&scenario.world);
    let office = walk.sessions(&world).await;
    walk.check_calls(account_reads(&world, &office)).await;
    walk.entitlements_and_employees(&world).await;
    walk.list_every_resource(&world).await?;
    walk.business_objects(&world).await;
    walk.walk_the_table().await?;
    let session = walk.own.clone().map(|(_, token)| token).unwrap_or_default();
    walk.check_calls(vec![Call::to(
        "delete",
        "/token/session/{token}",
        format!("/v2/token/session/{session}"),
    )])
    .await;
    Ok(walk.report)
}

/// What the hand-written calls take from the quickstart world.
struct World {
    consumer: String,
    own_key: String,
    office_key: String,
    /// The first client an office key is linked to (not pending).
    first_client: i64,
    /// The company of the first own (non-office) key's owner.
    company_id: i64,
    person: i64,
}

impl World {
    fn of(world: &scenario::format::World) -> Self {
        Self {
            consumer: world
                .integrations
                .first()
                .and_then(|i| i.consumer_token.clone())
                .unwrap_or_default(),
            own_key: world.first_key_token(false),
            office_key: world.first_key_token(true),
            first_client: world
                .client_key_links
                .iter()
                .find(|l| !l.pending)
                .map_or(0, |l| l.client_id),
            company_id: world
                .people
                .iter()
                .find(|p| world.keys.iter().any(|k| !k.accountant_key && k.person_id == p.id))
                .map_or(0, |p| p.company_id),
            person: world.people.first().map_or(0, |p| p.id),
        }
    }

    fn mint(&self, key: &str) -> String {
        let consumer = &self.consumer;
        format!("/v2/token/session/:create?consumerToken={consumer}&employeeToken={key}&expirationDate=2099-12-31")
    }
}

/// Whose session a call is made with.
#[derive(Clone)]
enum Caller {
    Nobody,
    /// The own key's session, in its own company.
    Own,
    /// Explicit Basic credentials (company id, session token).
    As(String, String),
}

/// One call of a conformance run, checked against the operation `template` of the document.
struct Call {
    method: &'static str,
    template: String,
    uri: String,
    caller: Caller,
    body: Option<Value>,
}

impl Call {
    /// A call with the own session and no body.
    fn to(method: &'static str, template: &str, uri: impl Into<String>) -> Self {
        Self {
            method,
            template: template.to_owned(),
            uri: uri.into(),
            caller: Caller::Own,
            body: None,
        }
    }

    fn by(mut self, caller: Caller) -> Self {
        self.caller = caller;
        self
    }

    fn with(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

/// The reads of the account itself (whoAmI, company, consumer, modules) and a company update.
fn account_reads(world: &World, office: &str) -> Vec<Call> {
    let all = "fields=*,company(*,currency(*)),employee(*)";
    let client = Caller::As(world.first_client.to_string(), office.to_owned());
    let consumer = &world.consumer;
    vec![
        Call::to(
            "get",
            "/token/session/>whoAmI",
            format!("/v2/token/session/%3EwhoAmI?{all}"),
        ),
        Call::to(
            "get",
            "/token/session/>whoAmI",
            format!("/v2/token/session/%3EwhoAmI?{all}"),
        )
        .by(client),
        Call::to(
            "get",
            "/company/>withLoginAccess",
            "/v2/company/%3EwithLoginAccess?fields=*,currency(*)",
        )
        .by(Caller::As("0".into(), office.to_owned())),
        Call::to("get", "/company/{id}", format!("/v2/company/{}", world.company_id)),
        Call::to(
            "get",
            "/token/consumer/byToken",
            format!("/v2/token/consumer/byToken?token={consumer}&fields=*,apiConsumer(*)"),
        ),
        Call::to("get", "/company/salesmodules", "/v2/company/salesmodules"),
        Call::to("put", "/company", "/v2/company").with(json!({"email": "post@example.com"})),
    ]
}

/// The conformance run's state: the app called in process, the document and what was found.
struct Walk<'a, S, B> {
    app: &'a S,
    /// The body type of the app's answers.
    body: std::marker::PhantomData<fn() -> B>,
    spec: &'a Spec,
    report: Report,
    /// The own key's session, once minted.
    own: Option<(String, String)>,
}

impl<S, B> Walk<'_, S, B>
where
    S: InProcess<B>,
    B: actix_web::body::MessageBody,
{
    /// Calls the app without checking the answer.
    async fn fetch(&self, method: &str, uri: &str, caller: Caller, body: Option<&Value>) -> (u16, Value) {
        let auth = match caller {
            Caller::Nobody => None,
            Caller::Own => self.own.clone(),
            Caller::As(user, token) => Some((user, token)),
        };
        send(self.app, method, uri, basic(auth).as_deref(), body).await
    }

    /// Counts an answer and records its problems: an error status, or a body off the document.
    fn record(&mut self, method: &str, template: &str, (status, body): (u16, Value)) -> Value {
        self.report.checked += 1;
        if status >= 300 {
            self.report.problems.push(format!(
                "{} {template}: the sandbox answered {status}: {body}",
                method.to_uppercase()
            ));
        } else {
            self.report
                .problems
                .extend(self.spec.check(method, template, status, &body));
        }
        body
    }

    async fn check(&mut self, call: Call) -> Value {
        let reply = self
            .fetch(call.method, &call.uri, call.caller, call.body.as_ref())
            .await;
        self.record(call.method, &call.template, reply)
    }

    /// Makes each call in turn; the answers, in order.
    async fn check_calls(&mut self, calls: Vec<Call>) -> Vec<Value> {
        let mut answers = Vec::with_capacity(calls.len());
        for call in calls {
            answers.push(self.check(call).await);
        }
        answers
    }

    /// Mints the own key's session (checked) and the office key's; the office session's token.
    async fn sessions(&mut self, world: &World) -> String {
        let minted = self
            .check(Call::to("put", "/token/session/:create", world.mint(&world.own_key)).by(Caller::Nobody))
            .await;
        let session = minted["value"]["token"].as_str().unwrap_or_default().to_owned();
        self.own = Some(("0".to_owned(), session));
        let office = self
            .fetch("put", &world.mint(&world.office_key), Caller::Nobody, None)
            .await;
        office.1["value"]["token"].as_str().unwrap_or_default().to_owned()
    }

    async fn entitlements_and_employees(&mut self, world: &World) {
        let entitlements = self
            .check(Call::to(
                "get",
                "/employee/entitlement",
                "/v2/employee/entitlement?fields=*,employee(*)",
            ))
            .await;
        let entitlement = entitlements["values"][0]["id"].as_i64().unwrap_or_default();
        let person = world.person;
        self.check_calls(vec![
            Call::to(
                "get",
                "/employee/entitlement/{id}",
                format!("/v2/employee/entitlement/{entitlement}"),
            ),
            Call::to("get", "/employee/entitlement/client", "/v2/employee/entitlement/client"),
            Call::to("get", "/employee", "/v2/employee?fields=*,changes"),
            Call::to("get", "/employee/{id}", format!("/v2/employee/{person}")),
        ])
        .await;
    }

    /// Lists every listable resource (and reads one of each), against the document's operation
    /// where it has one, else against the model's schema.
    async fn list_every_resource(&mut self, world: &World) -> Result<(), String> {
        // An employment to list (no seed data has one).
        let employment = json!({"employee": {"id": world.person}, "startDate": "2026-01-01"});
        self.fetch("post", "/v2/employee/employment", Caller::Own, Some(&employment))
            .await;
        for def in resource::catalogue()?
            .iter()
            .filter(|d| !d.embedded && d.allows(Operation::List))
        {
            let list = format!("ListResponse{}", def.model);
            let documented = self.spec.has("get", &format!("/{}", def.path));
            if documented {
                self.list_documented(def).await;
            } else if self.spec.has_schema(&list) || self.spec.has_schema(&def.model) {
                self.list_by_model(def, &list).await;
            }
            // Else a document without the operation or its model (a subset) has nothing to check it by.
        }
        Ok(())
    }

    /// A resource the document has no list operation for, checked against its model's schema.
    async fn list_by_model(&mut self, def: &resource::ResourceDef, list: &str) {
        let uri = format!("/v2/{}?fields=*,changes{}", def.path, required_range(def));
        let (status, body) = self.fetch("get", &uri, Caller::Own, None).await;
        self.report.checked += 1;
        let label = format!("GET /{} (not in the document)", def.path);
        if status >= 300 {
            self.report
                .problems
                .push(format!("{label}: the sandbox answered {status}: {body}"));
        } else if self.spec.has_schema(list) {
            self.report.problems.extend(self.spec.check_schema(&label, list, &body));
        } else {
            for value in body["values"].as_array().into_iter().flatten() {
                let problems = self.spec.check_schema(&label, &def.model, value);
                self.report.problems.extend(problems);
            }
        }
    }

    /// A documented list, then a read of its first object, then (for customers) a create.
    async fn list_documented(&mut self, def: &resource::ResourceDef) {
        let collection = format!("/{}", def.path);
        let uri = format!("/v2{collection}?fields=*,changes&count=5{}", required_range(def));
        let listed = self.check(Call::to("get", &collection, uri)).await;
        if let Some(id) = listed["values"][0]["id"]
            .as_i64()
            .filter(|_| def.allows(Operation::Get))
        {
            let item = format!("{collection}/{{id}}");
            self.check(Call::to("get", &item, format!("/v2{collection}/{id}")))
                .await;
        }
        if def.allows(Operation::Create) && def.kind == Some(Kind::Customer) {
            let create = Call::to("post", &collection, format!("/v2{collection}"));
            self.check(create.with(json!({"name": "Conformance"}))).await;
        }
    }

    /// The id of the first object a list answers (null when there is none).
    async fn first_id(&self, uri: &str) -> Value {
        self.fetch("get", uri, Caller::Own, None).await.1["values"][0]["id"].clone()
    }

    /// Business objects without seed data: create them, then read them back.
    async fn business_objects(&mut self, world: &World) {
        self.orders_and_invoices().await;
        self.voucher().await;
        self.project_and_timesheet(world).await;
    }

    async fn orders_and_invoices(&mut self) {
        let customer = self.first_id("/v2/customer?count=1").await;
        let product = self.first_id("/v2/product?count=1").await;
        let order = self
            .check(Call::to("post", "/order", "/v2/order").with(json!({
                "customer": {"id": customer}, "orderDate": "2026-01-15", "deliveryDate": "2026-01-15",
                "orderLines": [{"product": {"id": product}, "count": 1, "unitPriceExcludingVatCurrency": 100, "vatType": {"id": 3}}]})))
            .await;
        let order = &order["value"]["id"];
        let invoice = json!({"invoiceDate": "2026-01-20", "invoiceDueDate": "2026-02-03", "orders": [{"id": order}]});
        let answers = self
            .check_calls(vec![
                Call::to(
                    "get",
                    "/order/{id}",
                    format!("/v2/order/{order}?fields=*,orderLines(*)"),
                ),
                Call::to("post", "/invoice", "/v2/invoice").with(invoice),
            ])
            .await;
        let invoice = &answers[1]["value"]["id"];
        self.check_calls(vec![
            Call::to("get", "/invoice/{id}", format!("/v2/invoice/{invoice}")),
            Call::to(
                "get",
                "/invoice",
                "/v2/invoice?fields=*,changes&invoiceDateFrom=2000-01-01&invoiceDateTo=2100-01-01",
            ),
        ])
        .await;
    }

    async fn voucher(&mut self) {
        let accounts = self
            .fetch("get", "/v2/ledger/account?count=2", Caller::Own, None)
            .await
            .1;
        let voucher = self
            .check(Call::to("post", "/ledger/voucher", "/v2/ledger/voucher").with(
                json!({"date": "2026-01-15", "description": "Conformance", "postings": [
                {"row": 1, "date": "2026-01-15", "account": {"id": accounts["values"][0]["id"]}, "amountGross": 10},
                {"row": 2, "date": "2026-01-15", "account": {"id": accounts["values"][1]["id"]}, "amountGross": -10}]}),
            ))
            .await;
        let voucher = &voucher["value"]["id"];
        let uri = format!("/v2/ledger/voucher/{voucher}?fields=*,postings(*)");
        self.check(Call::to("get", "/ledger/voucher/{id}", uri)).await;
    }

    async fn project_and_timesheet(&mut self, world: &World) {
        let activity = self.first_id("/v2/activity?count=1").await;
        let person = world.person;
        let project = self
            .check(
                Call::to("post", "/project", "/v2/project")
                    .with(json!({"name": "Conformance", "startDate": "2026-01-01", "projectManager": {"id": person}})),
            )
            .await;
        let entry = json!({
            "employee": {"id": person}, "activity": {"id": activity}, "project": {"id": project["value"]["id"]},
            "date": "2026-01-15", "hours": 7.5});
        self.check_calls(vec![
            Call::to("post", "/timesheet/entry", "/v2/timesheet/entry").with(entry),
            Call::to(
                "get",
                "/timesheet/entry",
                "/v2/timesheet/entry?dateFrom=2000-01-01&dateTo=2100-01-01",
            ),
        ])
        .await;
    }
}

impl<S, B> Walk<'_, S, B>
where
    S: InProcess<B>,
    B: actix_web::body::MessageBody,
{
    /// Every operation the engine serves by its shape (`stateful` in the coverage list), called once
    /// with a well-formed request built from the table, and each answer checked against the document.
    /// An operation on one object is called on one made for it; where the resource cannot be made
    /// through the API (reference data), there is no object to name and the operation is left out.
    async fn walk_the_table(&mut self) -> Result<(), String> {
        for route in &table::table()?.routes {
            let def = route.resource.as_deref().and_then(resource::find);
            if let (table::Level::Stateful, Some(kind), Some(def)) = (route.level, route.kind, def) {
                self.walk_route(route, kind, def).await;
            }
        }
        Ok(())
    }

    async fn walk_route(&mut self, route: &table::Route, kind: Operation, def: &resource::ResourceDef) {
        let Some(id) = self.object_for(route, kind, def).await else {
            return;
        };
        let Some((uri, body)) = self.request_for(route, kind, def, id).await else {
            return;
        };
        let method = route.method.to_lowercase();
        let (status, answer) = self.fetch(&method, &uri, Caller::Own, body.as_ref()).await;
        self.report.checked += 1;
        if status >= 300 {
            self.report
                .problems
                .push(format!("{}: the sandbox answered {status}: {answer}", route.name()));
        } else if status != 204 && self.spec.has(&method, &route.path) {
            let problems = self.spec.check(&method, &route.path, status, &answer);
            self.report.problems.extend(problems);
        }
    }

    /// The id of the object an operation on one object is called on, made for it (0 for the
    /// other operations); None where there is none to make, so the operation is left out.
    async fn object_for(&mut self, route: &table::Route, kind: Operation, def: &resource::ResourceDef) -> Option<i64> {
        let on_one = matches!(
            kind,
            Operation::Get
                | Operation::Update
                | Operation::Delete
                | Operation::UpdateList
                | Operation::DeleteIds
                | Operation::DeleteList
        );
        if !on_one {
            return Some(0);
        }
        if !(def.allows(Operation::Create) && def.identity) {
            return None;
        }
        let auth = basic(self.own.clone());
        let least = least_body_in(self.app, auth.as_deref(), def).await?;
        let collection = format!("/v2/{}", def.path);
        let (status, made) = send(self.app, "post", &collection, auth.as_deref(), Some(&least)).await;
        let id = made["value"]["id"].as_i64();
        if id.is_none() {
            self.report.checked += 1;
            self.report.problems.push(format!(
                "{}: no {} could be made to call it on ({status}: {made})",
                route.name(),
                def.model
            ));
        }
        id
    }

    /// The URI (required query arguments included) and body of a well-formed call of the route on
    /// object `id`; None where a create has no least body.
    async fn request_for(
        &self,
        route: &table::Route,
        kind: Operation,
        def: &resource::ResourceDef,
        id: i64,
    ) -> Option<(String, Option<Value>)> {
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
            Operation::Create | Operation::CreateList => {
                let auth = basic(self.own.clone());
                least_body_in(self.app, auth.as_deref(), def).await?
            }
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
        Some((with_required_query(def, kind, uri), body))
    }
}

/// The URI with a sample of each query argument the operation requires and it does not name.
fn with_required_query(def: &resource::ResourceDef, kind: Operation, uri: String) -> String {
    let required: String = def
        .missing_query(kind, |name| uri.contains(&format!("?{name}=")))
        .into_iter()
        .map(|name| format!("{name}={}", argument_sample(name)))
        .collect::<Vec<_>>()
        .join("&");
    match (required.is_empty(), uri.contains('?')) {
        (true, _) => uri,
        (false, true) => format!("{uri}&{required}"),
        (false, false) => format!("{uri}?{required}"),
    }
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
