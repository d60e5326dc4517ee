//! Stored objects written straight from their stored JSON text to the response for the default
//! `fields` (every field, nested objects as `{id,url}` stubs, no `changes`), without building a
//! `serde_json::Value` tree and filtering it: the hot path of lists and single objects. Any other
//! `fields` or a `sorting` takes the general path in `resources`, which this must match byte for
//! byte (a unit test renders every seeded object both ways).
//!
//! An object written through the API also gets its rendering stored beside its body (its *view*),
//! made once with the API base left as [`BASE_MARK`]: answering with it is a copy with the base
//! put in. Objects without a view (seed data, imported worlds) are rendered from their body.

use crate::domain::resource::{self, FieldKind, ResourceDef};
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// The top-level fields of a stored body, in stored order, each still as JSON text.
pub struct RawBody<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> RawBody<'a> {
    pub fn parse(text: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
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
    // Most names and values need no escapes: copied as they are, as serde_json would write them.
    if is_plain(text) {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        return;
    }
    // Writing a &str into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

fn write_int(out: &mut Vec<u8>, n: i64) {
    use std::io::Write as _;
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{n}");
}

/// Stands for the API base in a stored view. JSON text never holds a raw U+0001 (a string escapes
/// it), so every mark in a view is the base's place.
const BASE_MARK: &str = "\u{1}";

/// The default-fields rendering of an object, with [`BASE_MARK`] for the API base: what is
/// stored as the object's view. None if the body is not a JSON object.
pub fn default_view(def: &ResourceDef, id: i64, version: i64, body: &str) -> Option<String> {
    let parsed = RawBody::parse(body).ok()?;
    let mut out = Vec::with_capacity(body.len() + 256);
    write_object(&mut out, def, BASE_MARK, id, version, &parsed);
    String::from_utf8(out).ok()
}

/// A new or changed object's body as JSON text and its view ([`default_view`] of that text),
/// written in one pass over the body: each field's value is written once into the text and its
/// view made from that piece (a nested object or array is read back from it, a scalar copied),
/// without reading the whole text back.
pub fn body_and_view(def: &ResourceDef, id: i64, version: i64, body: &Map<String, Value>) -> (String, String) {
    let mut text = Vec::with_capacity(1024);
    let mut view = Vec::with_capacity(1280);
    write_head(&mut view, def, BASE_MARK, id, version);
    text.push(b'{');
    for (name, value) in body {
        if text.len() > 1 {
            text.push(b',');
        }
        let key_at = text.len();
        write_str(&mut text, name);
        text.push(b':');
        let value_at = text.len();
        write_value(&mut text, value);
        separate(&mut view);
        // The key as serde_json escaped it, as write_object writes a key read back from text.
        view.extend_from_slice(&text[key_at..value_at]);
        match value {
            // As write_field writes them from their text, without reading the text back.
            Value::Object(_) | Value::Array(_) => {}
            _ => {
                view.extend_from_slice(&text[value_at..]);
                continue;
            }
        }
        if let Some(id) = value.get("id").and_then(Value::as_i64)
            && let Some(field) = def.fields.get(name).filter(|f| f.renders_as_stub())
        {
            write_stub(&mut view, BASE_MARK, field.resource.as_deref().unwrap_or_default(), id);
            continue;
        }
        // Every piece written is JSON text, so valid UTF-8.
        let written = std::str::from_utf8(&text[value_at..]).unwrap_or("null");
        write_field(&mut view, def, BASE_MARK, name, written);
    }
    text.push(b'}');
    view.push(b'}');
    (
        String::from_utf8(text).unwrap_or_default(),
        String::from_utf8(view).unwrap_or_default(),
    )
}

/// A stored view with the API base put in place of every mark.
pub fn write_view(out: &mut Vec<u8>, view: &str, base: &str) {
    let escaped;
    let base = if is_plain(base) {
        base
    } else {
        escaped = serde_json::to_string(base).unwrap_or_default();
        escaped.get(1..escaped.len().saturating_sub(1)).unwrap_or_default()
    };
    let view = view.as_bytes();
    let mut from = 0;
    for mark in memchr::memchr_iter(BASE_MARK.as_bytes()[0], view) {
        out.extend_from_slice(&view[from..mark]);
        out.extend_from_slice(base.as_bytes());
        from = mark + 1;
    }
    out.extend_from_slice(&view[from..]);
}

/// True when a text can stand in a JSON string as it is.
fn is_plain(text: &str) -> bool {
    !text.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20)
}

/// `"{base}/{path}/{id}"`, escaped only when base or path need it (base comes from the Host header).
fn write_url(out: &mut Vec<u8>, base: &str, path: &str, id: i64) {
    // The mark is written as it is, for write_view to replace: escaping the base there and the
    // rest here gives the same text as escaping the whole URL (JSON escapes each character alone).
    let base_as_is = base == BASE_MARK || is_plain(base);
    if base_as_is && is_plain(path) {
        out.push(b'"');
        out.extend_from_slice(base.as_bytes());
        out.push(b'/');
        out.extend_from_slice(path.as_bytes());
        out.push(b'/');
        write_int(out, id);
        out.push(b'"');
    } else if base == BASE_MARK {
        out.push(b'"');
        out.extend_from_slice(BASE_MARK.as_bytes());
        let rest = serde_json::to_string(&format!("/{path}/{id}")).unwrap_or_default();
        out.extend_from_slice(rest.get(1..).unwrap_or_default().as_bytes());
    } else {
        write_str(out, &format!("{base}/{path}/{id}"));
    }
}

fn write_stub(out: &mut Vec<u8>, base: &str, path: &str, id: i64) {
    out.extend_from_slice(b"{\"id\":");
    write_int(out, id);
    out.extend_from_slice(b",\"url\":");
    write_url(out, base, path, id);
    out.push(b'}');
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::String(text) => write_str(out, text),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Null => out.extend_from_slice(b"null"),
        // Writing into a Vec cannot fail.
        _ => drop(serde_json::to_writer(&mut *out, value)),
    }
}

/// One stored object, as the default `fields` renders it.
pub fn write_object(out: &mut Vec<u8>, def: &ResourceDef, base: &str, id: i64, version: i64, body: &RawBody<'_>) {
    write_head(out, def, base, id, version);
    for (name, raw) in &body.0 {
        separate(out);
        match name {
            // A key borrowed from the stored text had no escapes, so it is written as it was.
            Cow::Borrowed(key) => {
                out.push(b'"');
                out.extend_from_slice(key.as_bytes());
                out.push(b'"');
            }
            Cow::Owned(key) => write_str(out, key),
        }
        out.push(b':');
        write_field(out, def, base, name, raw.get());
    }
    out.push(b'}');
}

/// The fields every object begins with: `{"id":…,"version":…,"url":…`, left open (only `{` for a
/// model without them).
fn write_head(out: &mut Vec<u8>, def: &ResourceDef, base: &str, id: i64, version: i64) {
    if !def.identity {
        out.push(b'{');
        return;
    }
    out.extend_from_slice(b"{\"id\":");
    write_int(out, id);
    out.extend_from_slice(b",\"version\":");
    write_int(out, version);
    out.extend_from_slice(b",\"url\":");
    write_url(out, base, &def.path, id);
}

/// The comma before a field, unless it is the first of its object (an object without a head).
fn separate(out: &mut Vec<u8>) {
    if out.last() != Some(&b'{') {
        out.push(b',');
    }
}

/// One field, from its value's JSON text.
fn write_field(out: &mut Vec<u8>, def: &ResourceDef, base: &str, name: &str, text: &str) {
    let first = text.as_bytes().first();
    if !matches!(first, Some(b'{' | b'[')) {
        // Scalars are written as they were stored: serde_json wrote them in the same form.
        out.extend_from_slice(text.as_bytes());
        return;
    }
    let field = def.fields.get(name);
    match first {
        Some(b'{') => {
            if let Some(field) = field.filter(|f| f.renders_as_stub())
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
        _ => write_general(out, text),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_body_is_stored_and_viewed_as_one_read_back_from_text() {
        let def = resource::find("customer").unwrap();
        let (text, view) = body_and_view(def, 5, 2, &Map::new());
        assert_eq!(text, "{}");
        assert_eq!(Some(view), default_view(def, 5, 2, "{}"));
    }

    #[test]
    fn a_url_is_escaped_only_when_its_base_needs_it() {
        let mut plain = Vec::new();
        write_url(&mut plain, "h:1/v2", "customer", 5);
        assert_eq!(plain, br#""h:1/v2/customer/5""#);
        let mut odd = Vec::new();
        write_url(&mut odd, "h\"x", "customer", 5);
        assert_eq!(serde_json::from_slice::<String>(&odd).unwrap(), "h\"x/customer/5");
    }

    #[test]
    fn a_view_with_its_base_put_in_is_the_url_written_with_that_base() {
        for (base, path) in [("h:1/v2", "customer"), ("h\"x\\y", "customer"), ("h:1/v2", "odd\"path")] {
            let mut direct = Vec::new();
            write_url(&mut direct, base, path, 5);
            let mut marked = Vec::new();
            write_url(&mut marked, BASE_MARK, path, 5);
            let mut put_in = Vec::new();
            write_view(&mut put_in, std::str::from_utf8(&marked).unwrap(), base);
            assert_eq!(String::from_utf8(put_in).unwrap(), String::from_utf8(direct).unwrap());
        }
    }
}
