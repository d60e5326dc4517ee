//! Stored objects written straight from their stored JSON text to the response for the default
//! `fields` (every field, nested objects as `{id,url}` stubs, no `changes`), without building a
//! `serde_json::Value` tree and filtering it: the hot path of lists and single objects. Any other
//! `fields` or a `sorting` takes the general path in `resources`, which this must match byte for
//! byte (a unit test renders every seeded object both ways).

use crate::domain::resource::{self, FieldKind, ResourceDef};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use std::borrow::Cow;

/// The top-level fields of a stored body, in stored order, each still as JSON text.
pub struct RawBody<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> RawBody<'a> {
    pub fn parse(text: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    pub fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| *value)
    }
}

/// A map key, borrowed from the text unless it had escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a field name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for RawBody<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BodyVisitor;
        impl<'de> Visitor<'de> for BodyVisitor {
            type Value = RawBody<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a stored object body")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(48));
                while let Some((Key(key), value)) = map.next_entry::<Key<'de>, &'de RawValue>()? {
                    fields.push((key, value));
                }
                Ok(RawBody(fields))
            }
        }
        deserializer.deserialize_map(BodyVisitor)
    }
}

/// Just the id of a nested object, whatever else it holds.
#[derive(serde::Deserialize)]
struct IdOnly {
    id: Option<Value>,
}

fn write_str(out: &mut Vec<u8>, text: &str) {
    // Writing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

fn write_stub(out: &mut Vec<u8>, base: &str, path: &str, id: i64) {
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(id.to_string().as_bytes());
    out.extend_from_slice(b",\"url\":");
    write_str(out, &format!("{base}/{path}/{id}"));
    out.push(b'}');
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    let _ = serde_json::to_writer(&mut *out, value);
}

/// One stored object, as the default `fields` renders it.
pub fn write_object(out: &mut Vec<u8>, def: &ResourceDef, base: &str, id: i64, version: i64, body: &RawBody<'_>) {
    out.extend_from_slice(b"{\"id\":");
    out.extend_from_slice(id.to_string().as_bytes());
    out.extend_from_slice(b",\"version\":");
    out.extend_from_slice(version.to_string().as_bytes());
    out.extend_from_slice(b",\"url\":");
    write_str(out, &format!("{base}/{}/{id}", def.path));
    for (name, raw) in &body.0 {
        out.push(b',');
        write_str(out, name);
        out.push(b':');
        write_field(out, def, base, name, raw);
    }
    out.push(b'}');
}

fn write_field(out: &mut Vec<u8>, def: &ResourceDef, base: &str, name: &str, raw: &RawValue) {
    let text = raw.get();
    let field = def.fields.get(name);
    match text.as_bytes().first() {
        // Scalars are written as they were stored: serde_json wrote them in the same form.
        Some(b'{') => {
            if let Some(field) = field.filter(|f| f.kind == FieldKind::Ref)
                && let Ok(IdOnly { id: Some(id) }) = serde_json::from_str::<IdOnly>(text)
                && let Some(id) = id.as_i64()
            {
                write_stub(out, base, field.resource.as_deref().unwrap_or_default(), id);
                return;
            }
            write_general(out, text);
        }
        Some(b'[') => match field.map(|f| (f.kind, f.resource.as_deref())) {
            Some((FieldKind::Lines, Some(child))) if resource::find(child).is_some() => {
                write_lines(out, base, child, text);
            }
            Some((FieldKind::Array, Some(target))) => write_ref_array(out, base, target, text),
            _ => write_general(out, text),
        },
        _ => out.extend_from_slice(text.as_bytes()),
    }
}

/// Embedded lines collapse to `{id,url}` of their own resource (a line without an id shows 0).
fn write_lines(out: &mut Vec<u8>, base: &str, child: &str, text: &str) {
    let Ok(lines) = serde_json::from_str::<Vec<&RawValue>>(text) else {
        return write_general(out, text);
    };
    out.push(b'[');
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match serde_json::from_str::<IdOnly>(line.get()) {
            Ok(IdOnly { id }) => {
                let id = id.as_ref().and_then(Value::as_i64).unwrap_or_default();
                write_stub(out, base, child, id);
            }
            Err(_) => write_general(out, line.get()),
        }
    }
    out.push(b']');
}

/// A list of references: each `{id,url}`, or null where an item has no id.
fn write_ref_array(out: &mut Vec<u8>, base: &str, target: &str, text: &str) {
    let Ok(items) = serde_json::from_str::<Vec<Value>>(text) else {
        return write_general(out, text);
    };
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        match item.get("id").and_then(Value::as_i64) {
            Some(id) => write_stub(out, base, target, id),
            None => out.extend_from_slice(b"null"),
        }
    }
    out.push(b']');
}

/// Anything else nested: the default `fields` collapses objects with an id to `{id,url}`.
fn write_general(out: &mut Vec<u8>, text: &str) {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => write_value(out, &crate::wire::fields::stub(value)),
        Err(_) => out.extend_from_slice(b"null"),
    }
}
