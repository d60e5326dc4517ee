//! The `/v2` operations the fuzzer attacks: read from the official OpenAPI document named by
//! `TRIPLETEX_OPENAPI` when it is set, else built from the emulator's own resource catalogue
//! (`fixtures/resources.json` through `domain::resource::catalogue()`) and its hand-written routes.

use serde_json::Value;
use tripletex_sandbox::domain::resource::{FieldKind, Operation as ResourceOperation, catalogue};

/// The type of a parameter or body field, as far as generating values needs it.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Text,
    Integer,
    Number,
    Boolean,
    Date,
    OneOf(Vec<String>),
    /// `{"id": n}`.
    Reference,
    Object,
    List,
}

#[derive(Debug, Clone)]
pub struct Param {
    pub name: String,
    pub kind: Kind,
    /// Read-only body fields are left out of valid-shaped bodies.
    pub read_only: bool,
}

impl Param {
    fn new(name: &str, kind: Kind) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            read_only: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Body {
    pub fields: Vec<Param>,
    /// The body is a JSON list of such objects.
    pub list: bool,
}

#[derive(Debug, Clone)]
pub struct Operation {
    pub method: reqwest::Method,
    /// The path below `/v2` with `{name}` placeholders, as the document writes it.
    pub path: String,
    pub path_params: Vec<Param>,
    pub query: Vec<Param>,
    pub body: Option<Body>,
}

impl Operation {
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The operations and where they came from.
pub fn load() -> (Vec<Operation>, String) {
    match std::env::var("TRIPLETEX_OPENAPI") {
        Ok(path) if !path.is_empty() => {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|err| panic!("TRIPLETEX_OPENAPI={path} cannot be read: {err}"));
            let document: Value =
                serde_json::from_str(&text).unwrap_or_else(|err| panic!("TRIPLETEX_OPENAPI={path} is not JSON: {err}"));
            (from_openapi(&document), format!("OpenAPI document {path}"))
        }
        _ => (built_in(), "the emulator's built-in route list".to_owned()),
    }
}

/// Every get/put/post/delete operation of an OpenAPI 3 document.
pub fn from_openapi(document: &Value) -> Vec<Operation> {
    let schemas = &document["components"]["schemas"];
    let mut operations = Vec::new();
    let Some(paths) = document["paths"].as_object() else {
        panic!("the OpenAPI document has no paths");
    };
    for (path, item) in paths {
        for (method, name) in [
            (reqwest::Method::GET, "get"),
            (reqwest::Method::PUT, "put"),
            (reqwest::Method::POST, "post"),
            (reqwest::Method::DELETE, "delete"),
        ] {
            let Some(op) = item.get(name) else { continue };
            let mut path_params = Vec::new();
            let mut query = Vec::new();
            for parameter in op["parameters"].as_array().into_iter().flatten() {
                let param = Param::new(
                    parameter["name"].as_str().unwrap_or_default(),
                    kind_of(&parameter["schema"]),
                );
                match parameter["in"].as_str() {
                    Some("path") => path_params.push(param),
                    Some("query") => query.push(param),
                    _ => {}
                }
            }
            let body = op["requestBody"]["content"]
                .as_object()
                .and_then(|content| content.values().next())
                .map(|media| body_of(&media["schema"], schemas));
            operations.push(Operation {
                method,
                path: path.clone(),
                path_params,
                query,
                body,
            });
        }
    }
    operations
}

fn resolve<'a>(schema: &'a Value, schemas: &'a Value) -> &'a Value {
    match schema["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &schemas[name],
        None => schema,
    }
}

fn kind_of(schema: &Value) -> Kind {
    if schema.get("$ref").is_some() {
        return Kind::Reference;
    }
    if let Some(values) = schema["enum"].as_array() {
        return Kind::OneOf(values.iter().filter_map(Value::as_str).map(str::to_owned).collect());
    }
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (Some("integer"), _) => Kind::Integer,
        (Some("number"), _) => Kind::Number,
        (Some("boolean"), _) => Kind::Boolean,
        (Some("string"), Some("date")) => Kind::Date,
        (Some("array"), _) => Kind::List,
        (Some("object"), _) => Kind::Object,
        _ if schema.get("allOf").is_some() => kind_of(&schema["allOf"][0]),
        _ => Kind::Text,
    }
}

fn body_of(schema: &Value, schemas: &Value) -> Body {
    let (object, list) = if schema["type"] == "array" {
        (resolve(&schema["items"], schemas), true)
    } else {
        (resolve(schema, schemas), false)
    };
    let fields = object["properties"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, property)| Param {
            name: name.clone(),
            kind: kind_of(property),
            read_only: property["readOnly"] == true,
        })
        .collect();
    Body { fields, list }
}

fn list_query() -> Vec<Param> {
    vec![
        Param::new("from", Kind::Integer),
        Param::new("count", Kind::Integer),
        Param::new("sorting", Kind::Text),
        Param::new("fields", Kind::Text),
    ]
}

fn op(method: reqwest::Method, path: &str, query: Vec<Param>, body: Option<Vec<Param>>) -> Operation {
    let path_params = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| Param::new(name, if name == "token" { Kind::Text } else { Kind::Integer }))
        .collect();
    Operation {
        method,
        path: path.to_owned(),
        path_params,
        query,
        body: body.map(|fields| Body { fields, list: false }),
    }
}

/// The routes the emulator serves: its resource catalogue plus the hand-written token, company,
/// employee and entitlement routes.
pub fn built_in() -> Vec<Operation> {
    use reqwest::Method;
    let p = Param::new;
    let fields = || vec![p("fields", Kind::Text)];
    let with = |mut base: Vec<Param>, more: Vec<Param>| {
        base.extend(more);
        base
    };
    let employee_body = vec![
        p("firstName", Kind::Text),
        p("lastName", Kind::Text),
        p("email", Kind::Text),
        p("dateOfBirth", Kind::Date),
        p("department", Kind::Reference),
        p(
            "userType",
            Kind::OneOf(vec!["STANDARD".into(), "EXTENDED".into(), "NO_ACCESS".into()]),
        ),
        p("version", Kind::Integer),
    ];
    let mut operations = vec![
        op(
            Method::PUT,
            "/token/session/:create",
            vec![
                p("consumerToken", Kind::Text),
                p("employeeToken", Kind::Text),
                p("expirationDate", Kind::Date),
            ],
            None,
        ),
        op(Method::GET, "/token/session/>whoAmI", fields(), None),
        op(Method::DELETE, "/token/session/{token}", vec![], None),
        op(
            Method::GET,
            "/token/consumer/byToken",
            vec![p("token", Kind::Text), p("fields", Kind::Text)],
            None,
        ),
        op(
            Method::PUT,
            "/token/employee/:create",
            vec![
                p("tokenName", Kind::Text),
                p("consumerName", Kind::Text),
                p("employeeId", Kind::Integer),
                p("companyOwned", Kind::Boolean),
                p("expirationDate", Kind::Date),
            ],
            None,
        ),
        op(
            Method::PUT,
            "/company",
            vec![],
            Some(vec![
                p("name", Kind::Text),
                p("id", Kind::Integer),
                p("version", Kind::Integer),
            ]),
        ),
        op(Method::GET, "/company/>withLoginAccess", list_query(), None),
        op(Method::GET, "/company/salesmodules", list_query(), None),
        op(
            Method::POST,
            "/company/salesmodules",
            vec![],
            Some(vec![p("name", Kind::Text), p("costStartDate", Kind::Date)]),
        ),
        op(Method::GET, "/company/{id}", fields(), None),
        op(
            Method::GET,
            "/employee",
            with(
                list_query(),
                vec![
                    p("firstName", Kind::Text),
                    p("email", Kind::Text),
                    p("hasSystemAccess", Kind::Boolean),
                ],
            ),
            None,
        ),
        op(Method::POST, "/employee", vec![], Some(employee_body.clone())),
        op(Method::GET, "/employee/{id}", fields(), None),
        op(Method::PUT, "/employee/{id}", vec![], Some(employee_body)),
        op(
            Method::GET,
            "/employee/entitlement",
            with(list_query(), vec![p("employeeId", Kind::Integer)]),
            None,
        ),
        op(
            Method::GET,
            "/employee/entitlement/client",
            with(
                list_query(),
                vec![p("employeeId", Kind::Integer), p("customerId", Kind::Integer)],
            ),
            None,
        ),
        op(
            Method::PUT,
            "/employee/entitlement/:grantEntitlementsByTemplate",
            vec![p("employeeId", Kind::Integer), p("template", Kind::Text)],
            None,
        ),
        op(
            Method::PUT,
            "/employee/entitlement/:grantClientEntitlementsByTemplate",
            vec![
                p("employeeId", Kind::Integer),
                p("customerId", Kind::Integer),
                p("template", Kind::Text),
                p("addToExisting", Kind::Boolean),
            ],
            None,
        ),
        op(Method::GET, "/employee/entitlement/{id}", fields(), None),
        op(
            Method::POST,
            "/invoice",
            vec![p("sendToCustomer", Kind::Boolean), p("paidAmount", Kind::Number)],
            Some(vec![
                p("invoiceDate", Kind::Date),
                p("invoiceDueDate", Kind::Date),
                p("customer", Kind::Reference),
                p("orders", Kind::List),
            ]),
        ),
        op(
            Method::PUT,
            "/order/{id}/:invoice",
            vec![p("invoiceDate", Kind::Date), p("sendToCustomer", Kind::Boolean)],
            None,
        ),
    ];
    let catalogue = catalogue().expect("the emulator's resource catalogue parses");
    for def in catalogue.iter().filter(|d| !d.embedded) {
        let collection = format!("/{}", def.path);
        let item = format!("/{}/{{id}}", def.path);
        let body: Vec<Param> = def
            .fields
            .iter()
            .map(|(name, field)| Param {
                name: name.clone(),
                kind: match (field.kind, &field.allowed, field.format.as_deref()) {
                    (_, Some(allowed), _) => Kind::OneOf(allowed.clone()),
                    (FieldKind::String, _, Some("date")) => Kind::Date,
                    (FieldKind::String, _, _) => Kind::Text,
                    (FieldKind::Integer, _, _) => Kind::Integer,
                    (FieldKind::Number, _, _) => Kind::Number,
                    (FieldKind::Boolean, _, _) => Kind::Boolean,
                    (FieldKind::Ref, _, _) => Kind::Reference,
                    (FieldKind::Object, _, _) => Kind::Object,
                    (FieldKind::Array | FieldKind::Lines, _, _) => Kind::List,
                },
                read_only: field.read_only,
            })
            .chain([p("version", Kind::Integer)])
            .collect();
        let filters: Vec<Param> = def
            .filters
            .keys()
            .map(|name| {
                let boolean = name.starts_with("is");
                p(name, if boolean { Kind::Boolean } else { Kind::Text })
            })
            .collect();
        for (operation, method, path, query, with_body) in [
            (
                ResourceOperation::List,
                Method::GET,
                &collection,
                with(list_query(), filters.clone()),
                false,
            ),
            (ResourceOperation::Get, Method::GET, &item, fields(), false),
            (ResourceOperation::Create, Method::POST, &collection, vec![], true),
            (ResourceOperation::Update, Method::PUT, &item, vec![], true),
            (ResourceOperation::Delete, Method::DELETE, &item, vec![], false),
            (ResourceOperation::Settings, Method::GET, &collection, fields(), false),
            (
                ResourceOperation::UpdateSettings,
                Method::PUT,
                &collection,
                vec![],
                true,
            ),
        ] {
            if def.allows(operation) {
                operations.push(op(method, path, query, with_body.then(|| body.clone())));
            }
        }
        if def.allows(ResourceOperation::DeleteList) {
            let mut delete_list = op(Method::DELETE, &collection, vec![], None);
            delete_list.body = Some(Body {
                fields: vec![p("id", Kind::Integer), p("version", Kind::Integer)],
                list: true,
            });
            operations.push(delete_list);
        }
    }
    operations
}

#[test]
fn the_built_in_route_list_covers_every_resource_of_the_catalogue() {
    let operations = built_in();
    let catalogue = catalogue().expect("the catalogue parses");
    for def in catalogue.iter().filter(|d| !d.embedded) {
        let path = format!("/{}", def.path);
        assert!(
            operations
                .iter()
                .any(|o| o.path == path || o.path.starts_with(&format!("{path}/"))),
            "no operation on {path}"
        );
    }
    assert!(operations.len() > 40, "{} operations", operations.len());
    assert!(operations.iter().any(|o| o.path == "/token/session/>whoAmI"));
}

#[test]
fn an_openapi_document_gives_its_operations_with_parameters_and_bodies() {
    let document = serde_json::json!({
        "components": {"schemas": {"Customer": {"properties": {
            "name": {"type": "string"}, "id": {"type": "integer", "readOnly": true},
            "currency": {"$ref": "#/components/schemas/Currency"}}}}},
        "paths": {"/customer/{id}": {"put": {
            "parameters": [{"in": "path", "name": "id", "schema": {"type": "integer"}},
                           {"in": "query", "name": "fields", "schema": {"type": "string"}}],
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Customer"}}}}}}}
    });
    let operations = from_openapi(&document);
    assert_eq!(operations.len(), 1);
    let put = &operations[0];
    assert_eq!(put.label(), "PUT /customer/{id}");
    assert_eq!(put.path_params[0].kind, Kind::Integer);
    assert_eq!(put.query[0].name, "fields");
    let body = put.body.as_ref().expect("a body");
    assert!(!body.list);
    let kinds: Vec<(&str, &Kind, bool)> = body
        .fields
        .iter()
        .map(|f| (f.name.as_str(), &f.kind, f.read_only))
        .collect();
    assert_eq!(
        kinds,
        [
            ("name", &Kind::Text, false),
            ("id", &Kind::Integer, true),
            ("currency", &Kind::Reference, false)
        ]
    );
}
