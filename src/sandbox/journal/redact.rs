//! Redaction of what the journal keeps: session, consumer and employee tokens, passwords and Basic
//! credentials come out of paths, query strings and bodies before an entry is stored, so a journal
//! read (or a verify report) can be pasted into a bug report.

use bytes::Bytes;
use std::borrow::Cow;

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Words that make a query string worth a closer look.
const QUERY_HINTS: &[&[u8]] = &[b"oken", b"OKEN", b"assword", b"ASSWORD", b"ecret", b"ECRET"];

/// What a JSON body holds when it may hold a secret: a field name ending in one of the words (the
/// quote that closes it included, so that a message *about* tokens does not count) or a string
/// starting with a Basic credential. Most bodies hold none and are kept as they came, unparsed.
const BODY_HINTS: &[&[u8]] = &[
    b"oken\"",
    b"OKEN\"",
    b"assword\"",
    b"ASSWORD\"",
    b"ecret\"",
    b"ECRET\"",
    b"uthorization\"",
    b"\"Basic ",
    b"\"basic ",
    b"\"BASIC ",
];

/// Searchers built once: building one costs more than searching a short body.
static QUERY_FINDERS: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
    std::sync::LazyLock::new(|| QUERY_HINTS.iter().map(memchr::memmem::Finder::new).collect());
static BODY_FINDERS: std::sync::LazyLock<Vec<memchr::memmem::Finder<'static>>> =
    std::sync::LazyLock::new(|| BODY_HINTS.iter().map(memchr::memmem::Finder::new).collect());

fn hinted(finders: &[memchr::memmem::Finder<'static>], text: &[u8]) -> bool {
    finders.iter().any(|finder| finder.find(text).is_some())
}

/// Whether a field or parameter name holds a secret: it ends in `token`, `password`, `secret` or
/// `authorization` (`consumerToken`, not `tokenId`).
fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["token", "password", "secret", "authorization"]
        .iter()
        .any(|word| name.ends_with(word))
}

/// The query string with the value of every secret parameter replaced.
pub fn query(query: &str) -> Cow<'_, str> {
    if !hinted(&QUERY_FINDERS, query.as_bytes()) {
        return Cow::Borrowed(query);
    }
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if secret_name(name) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    Cow::Owned(pairs.join("&"))
}

/// The path with a token in it (`/token/session/{token}`) replaced; other paths as they came.
pub fn path(path: &str) -> Cow<'_, str> {
    let Some(at) = path.find("/token/session/") else {
        return Cow::Borrowed(path);
    };
    let (head, rest) = path.split_at(at + "/token/session/".len());
    // The operations beside `{token}` start with `:` or `>` (`%3E` as sent).
    let named = rest.starts_with(':') || rest.starts_with('>') || rest.to_ascii_uppercase().starts_with("%3E");
    if rest.is_empty() || named {
        return Cow::Borrowed(path);
    }
    Cow::Owned(format!("{head}{REDACTED}"))
}

/// The body with every secret field's value replaced; None when it may hold a secret and is not
/// JSON we can redact field by field (then nothing of it is kept).
pub fn body(body: Bytes) -> Option<Bytes> {
    // Only JSON is redacted field by field; in anything else a secret word anywhere counts.
    let json = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| matches!(b, b'{' | b'['));
    let suspect = hinted(&BODY_FINDERS, &body) || (!json && hinted(&QUERY_FINDERS, &body));
    if !suspect {
        return Some(body);
    }
    let mut value: serde_json::Value = serde_json::from_slice(&body).ok()?;
    redact_value(&mut value);
    serde_json::to_vec(&value).ok().map(Bytes::from)
}

fn redact_value(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if secret_name(name) && !field.is_null() && !field.is_object() && !field.is_array() {
                    *field = Value::String(REDACTED.to_owned());
                } else {
                    redact_value(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        Value::String(text) if text.trim_start().to_ascii_lowercase().starts_with("basic ") => {
            *text = REDACTED.to_owned();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_leave_query_strings_paths_and_bodies() {
        assert_eq!(
            query("consumerToken=abc&employeeToken=def&expirationDate=2030-01-01"),
            "consumerToken=<redacted>&employeeToken=<redacted>&expirationDate=2030-01-01"
        );
        assert_eq!(query("fields=id&count=1"), "fields=id&count=1");
        assert_eq!(path("/v2/token/session/test-abc%3D"), "/v2/token/session/<redacted>");
        assert_eq!(path("/v2/token/session/%3EwhoAmI"), "/v2/token/session/%3EwhoAmI");
        assert_eq!(path("/v2/token/session/:create"), "/v2/token/session/:create");
        let kept = body(Bytes::from_static(
            br#"{"value":{"id":1,"token":"test-xyz","auth":"Basic MDpzZWNyZXQ=","consumer":{"consumerToken":"c"}}}"#,
        ));
        assert_eq!(
            kept.as_deref(),
            Some(&br#"{"value":{"id":1,"token":"<redacted>","auth":"<redacted>","consumer":{"consumerToken":"<redacted>"}}}"#[..])
        );
        assert_eq!(body(Bytes::from_static(b"token=abc")), None);
        assert_eq!(
            body(Bytes::from_static(br#"{"name":"Acme"}"#)).as_deref(),
            Some(&br#"{"name":"Acme"}"#[..])
        );
    }
}
