//! Every emulated response body validates against the official Tripletex OpenAPI document, read
//! by path from `TRIPLETEX_OPENAPI` (never copied into this repository).
//!
//! The official schemas mark nothing nullable and allow extra properties; the real API sends
//! nulls freely, and the sandbox should send no field the schema does not know. So each schema
//! is checked with null allowed everywhere and unknown properties refused.

use crate::helpers::{FUTURE, spawn_app};
use serde_json::{Map, Value, json};

/// Makes an OpenAPI 3.0 schema a JSON Schema that allows null and refuses undeclared properties.
fn tighten(schema: &Value) -> Value {
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

struct Spec {
    document: Value,
    components: Value,
}

impl Spec {
    fn load() -> Option<Self> {
        let path = std::env::var("TRIPLETEX_OPENAPI").ok()?;
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("TRIPLETEX_OPENAPI={path}: {e}"));
        let document: Value = serde_json::from_str(&text).expect("the OpenAPI document is JSON");
        let schemas = document["components"]["schemas"]
            .as_object()
            .expect("components.schemas");
        let tightened: Map<String, Value> = schemas.iter().map(|(k, v)| (k.clone(), tighten(v))).collect();
        Some(Self {
            components: json!({ "schemas": tightened }),
            document,
        })
    }

    /// Validates a body against the response schema of one operation of the official document.
    fn check(&self, method: &str, path: &str, status: u16, body: &Value) -> Vec<String> {
        let operation = &self.document["paths"][path][method];
        assert!(operation.is_object(), "{method} {path} is not in the official document");
        let responses = &operation["responses"];
        let response = [status.to_string().as_str(), "default"]
            .iter()
            .map(|k| &responses[*k])
            .find(|r| r.is_object())
            .unwrap_or_else(|| panic!("{method} {path} documents no response for {status}"));
        let Some(schema) = response["content"]["application/json"].get("schema") else {
            assert_eq!(body, &Value::Null, "{method} {path} documents no body");
            return Vec::new();
        };
        let root = json!({"$ref": schema["$ref"], "components": self.components});
        let validator = jsonschema::validator_for(&root).expect("a valid schema");
        validator
            .iter_errors(body)
            .map(|e| format!("{method} {path}: {} at {}", e, e.instance_path()))
            .collect()
    }
}

#[test]
fn every_emulated_response_validates_against_the_official_schema() {
    let Some(spec) = Spec::load() else {
        println!(
            "CONFORMANCE NOT CHECKED: set TRIPLETEX_OPENAPI to the path of Tripletex's openapi.json to validate responses against it."
        );
        return;
    };
    let app = spawn_app();
    let office = app.credential(true);
    let ordinary = app.credential(false);
    let consumer = ordinary["consumerToken"].as_str().unwrap();

    let mut cases = Vec::new();
    let minted = app.create_session(Some(consumer), ordinary["employeeToken"].as_str(), Some(FUTURE));
    cases.push(("put", "/token/session/:create", minted));
    let session = app.session_for(&ordinary);
    let office_session = app.session_for(&office);
    let client = office["clients"][0].to_string();
    let all = "fields=*,company(*,currency(*)),employee(*)";
    cases.push((
        "get",
        "/token/session/>whoAmI",
        app.get_as("0", &session, &format!("/v2/token/session/%3EwhoAmI?{all}")),
    ));
    cases.push((
        "get",
        "/token/session/>whoAmI",
        app.get_as(&client, &office_session, &format!("/v2/token/session/%3EwhoAmI?{all}")),
    ));
    cases.push((
        "get",
        "/company/>withLoginAccess",
        app.get_as(
            "0",
            &office_session,
            "/v2/company/%3EwithLoginAccess?fields=*,currency(*)",
        ),
    ));
    cases.push((
        "get",
        "/company/{id}",
        app.get_as("0", &session, &format!("/v2/company/{}", ordinary["companyId"])),
    ));
    cases.push((
        "get",
        "/token/consumer/byToken",
        app.get_as(
            "0",
            &session,
            &format!("/v2/token/consumer/byToken?token={consumer}&fields=*,apiConsumer(*)"),
        ),
    ));

    // Every data resource: list (with change logs), get, create.
    let all_access = app.control(
        reqwest::Method::PUT,
        "/_sandbox/people/5001/access",
        None,
        Some(json!({"entitlements": ["ALL_PRIVILEGES"]})),
    );
    assert_eq!(all_access.status, 200);
    for def in tripletex_sandbox::domain::resource::catalogue().unwrap() {
        let collection = format!("/{}", def.path);
        let list = app.get_as("0", &session, &format!("/v2{collection}?fields=*,changes&count=5"));
        let id = list.body["values"][0]["id"].as_i64().expect("seed data to list");
        cases.push(("get", leak(collection.clone()), list));
        cases.push((
            "get",
            leak(format!("{collection}/{{id}}")),
            app.get_as("0", &session, &format!("/v2{collection}/{id}")),
        ));
    }
    let entitlements = app.get_as("0", &session, "/v2/employee/entitlement?fields=*,employee(*)");
    let entitlement_id = entitlements.body["values"][0]["id"].as_i64().expect("an entitlement");
    cases.push(("get", "/employee/entitlement", entitlements));
    cases.push((
        "get",
        "/employee/entitlement/{id}",
        app.get_as("0", &session, &format!("/v2/employee/entitlement/{entitlement_id}")),
    ));
    let ola_key = app.control(
        reqwest::Method::POST,
        "/_sandbox/people/5101/keys",
        None,
        Some(json!({"name": "c", "integrationId": 101})),
    );
    let ola = app.session_from(consumer, ola_key.body["value"]["token"].as_str().unwrap());
    cases.push((
        "get",
        "/employee/entitlement/client",
        app.get_as("0", &ola, "/v2/employee/entitlement/client"),
    ));
    cases.push((
        "get",
        "/employee",
        app.get_as("0", &session, "/v2/employee?fields=*,changes"),
    ));
    cases.push(("get", "/employee/{id}", app.get_as("0", &session, "/v2/employee/5001")));
    cases.push((
        "get",
        "/company/salesmodules",
        app.get_as("0", &session, "/v2/company/salesmodules"),
    ));
    let renamed = app.send(
        app.request(reqwest::Method::PUT, "/v2/company")
            .header("Authorization", crate::helpers::basic("0", &session))
            .json(&json!({"email": "post@solsikke.example"})),
    );
    cases.push(("put", "/company", renamed));
    let created = app.send(
        app.request(reqwest::Method::POST, "/v2/customer")
            .header("Authorization", crate::helpers::basic("0", &session))
            .json(&json!({"name": "Konform"})),
    );
    cases.push(("post", "/customer", created));

    let mut problems = Vec::new();
    for (method, path, reply) in &cases {
        assert!(
            reply.status < 300,
            "{method} {path} answered {}: {}",
            reply.status,
            reply.body
        );
        problems.extend(spec.check(method, path, reply.status, &reply.body));
    }
    let deleted = app.send(
        app.request(reqwest::Method::DELETE, &format!("/v2/token/session/{session}"))
            .header("Authorization", crate::helpers::basic("0", &session)),
    );
    assert_eq!(deleted.status, 204);
    problems.extend(spec.check("delete", "/token/session/{token}", 204, &deleted.body));
    assert!(
        problems.is_empty(),
        "responses that do not match the official schema:\n{}",
        problems.join("\n")
    );
    println!(
        "conformance checked: {} responses against {}",
        cases.len() + 1,
        std::env::var("TRIPLETEX_OPENAPI").unwrap_or_default()
    );
}

/// Paths of the resource catalogue live as long as the test.
fn leak(path: String) -> &'static str {
    Box::leak(path.into_boxed_str())
}

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
