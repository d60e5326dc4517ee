//! The pieces both of the emulator's own OpenAPI 3.0 documents share: the error envelope, the
//! value / list envelopes, path parameters and a compact notation for the control plane's bodies.

use serde_json::{Map, Value, json};

/// A field of a body in a compact notation: its name and its type, `string`, `integer`,
/// `number`, `boolean`, `object`, `any`, `date-time`, or a list of one of them (`string[]`); a
/// leading `!` marks it required.
#[derive(Debug, Clone, Copy)]
pub struct Field(pub &'static str, pub &'static str);

/// The shape of a request or response body.
#[derive(Debug, Clone, Copy)]
pub enum Body {
    /// No body (204, or a request without one).
    None,
    /// A plain object.
    Object(&'static [Field]),
    /// `{"value": {…}}`
    Value(&'static [Field]),
    /// `{"values": [{…}]}`
    Values(&'static [Field]),
    /// Any JSON object (the world in the scenario format).
    Any,
}

/// The JSON Schema of one field type in the notation.
pub fn type_schema(kind: &str) -> Value {
    if let Some(item) = kind.strip_suffix("[]") {
        return json!({"type": "array", "items": type_schema(item)});
    }
    match kind {
        "string" | "integer" | "number" | "boolean" => json!({ "type": kind }),
        "date-time" => json!({"type": "string", "format": "date-time"}),
        "object" => json!({"type": "object"}),
        _ => json!({}),
    }
}

/// An object schema from fields in the notation.
pub fn object_schema(fields: &[Field]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for Field(name, kind) in fields {
        let kind = match kind.strip_prefix('!') {
            Some(kind) => {
                required.push(Value::from(*name));
                kind
            }
            None => kind,
        };
        properties.insert((*name).to_owned(), type_schema(kind));
    }
    let mut schema = json!({"type": "object", "properties": properties});
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    schema
}

/// The schema of a body shape, `None` when there is no body.
pub fn body_schema(body: Body) -> Option<Value> {
    match body {
        Body::None => None,
        Body::Object(fields) => Some(object_schema(fields)),
        Body::Value(fields) => Some(json!({"type": "object", "properties": {"value": object_schema(fields)}})),
        Body::Values(fields) => Some(json!({"type": "object", "properties": {
            "fullResultSize": {"type": "integer"}, "from": {"type": "integer"}, "count": {"type": "integer"},
            "values": {"type": "array", "items": object_schema(fields)}}})),
        Body::Any => Some(json!({"type": "object"})),
    }
}

/// `application/json` content with the given schema.
pub fn json_content(schema: Value) -> Value {
    json!({"application/json": {"schema": schema}})
}

/// Tripletex's error envelope, which every error of the emulator has.
pub fn error_schema() -> Value {
    json!({"type": "object", "properties": {
        "status": {"type": "integer"},
        "code": {"type": "integer"},
        "message": {"type": "string"},
        "link": {"type": "string"},
        "developerMessage": {"type": "string"},
        "validationMessages": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "message": {"type": "string"}, "path": {"type": "string"},
            "rootId": {"type": "integer"}}}},
        "requestId": {"type": "string"}}})
}

/// The `default` response: an error in the envelope.
pub fn error_response() -> Value {
    json!({"description": "An error in Tripletex's envelope", "content": json_content(json!({"$ref": "#/components/schemas/Error"}))})
}

/// The path parameters of a path template (`/people/{id}/keys` → `id`), integers unless `text`
/// names them as strings.
pub fn path_parameters(path: &str, text: &[&str]) -> Vec<Value> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let kind = if text.contains(&name) { "string" } else { "integer" };
            json!({"name": name, "in": "path", "required": true, "schema": {"type": kind}})
        })
        .collect()
}

/// A query parameter.
pub fn query_parameter(name: &str, kind: &str, required: bool) -> Value {
    json!({"name": name, "in": "query", "required": required, "schema": type_schema(kind)})
}

/// A unique, readable operation id from method and path (`get /people/{id}/keys` →
/// `get_people_id_keys`).
pub fn operation_id(method: &str, path: &str) -> String {
    let mut out = method.to_owned();
    for part in path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
    {
        out.push('_');
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notation_marks_required_fields_and_lists() {
        let schema = object_schema(&[Field("name", "!string"), Field("roles", "string[]")]);
        assert_eq!(schema["required"], json!(["name"]));
        assert_eq!(schema["properties"]["roles"]["items"]["type"], "string");
        assert_eq!(operation_id("get", "/people/{id}/keys"), "get_people_id_keys");
        assert_eq!(
            path_parameters("/sandboxes/{id}", &["id"])[0]["schema"]["type"],
            "string"
        );
    }
}
