//! Call patterns over the journal: the matchers a read, a count and a verify share (operation
//! template, query parameter, a predicate on the request body), and the verify check itself with
//! its near misses (the calls closest to a pattern that did not hold, as WireMock lists them).

use super::Entry;
use crate::domain::table::{Found, same_template, table};
use crate::wire::params::decode_segment;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How many near misses a verdict lists.
const NEAR_MISSES: usize = 3;

/// A field of the request body (a dotted path, numbers index arrays: `orders.0.id`) equal to a
/// JSON value (`1250` equals `1250.0`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BodyPredicate {
    pub path: String,
    pub equals: Value,
}

impl BodyPredicate {
    /// Reads `paidAmount=1250` or `body.customer.id=5`: the value as JSON where it is JSON, else
    /// as text (`name=Acme AS`).
    pub fn parse(text: &str) -> Option<Self> {
        let (path, value) = text.split_once('=')?;
        let path = path.trim();
        let path = path.strip_prefix("body.").unwrap_or(path);
        if path.is_empty() {
            return None;
        }
        let equals = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
        Some(Self {
            path: path.to_owned(),
            equals,
        })
    }

    /// Whether the entry's request body (kept, JSON) holds the value at the path.
    pub fn holds(&self, entry: &Entry) -> bool {
        let Some(bytes) = &entry.request_body else {
            return false;
        };
        let Ok(body) = serde_json::from_slice::<Value>(bytes) else {
            return false;
        };
        let mut at = &body;
        for segment in self.path.split('.') {
            let next = match at {
                Value::Object(fields) => fields.get(segment),
                Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            let Some(next) = next else { return false };
            at = next;
        }
        same_value(at, &self.equals)
    }
}

fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// The operation template the entry's method and path find in the table (`/invoice/{id}/:payment`).
pub fn template_of(entry: &Entry) -> Option<&'static str> {
    template(&entry.method, entry.api_path())
}

/// The operation template a method (`GET`) and a path below `/v2` find in the table.
pub fn template(method: &str, api_path: &str) -> Option<&'static str> {
    let table = table().ok()?;
    let segments: Vec<String> = api_path
        .trim_start_matches('/')
        .split('/')
        .map(decode_segment)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    match table.find(method, &segments) {
        Found::Operation(route, _) => Some(route.path.as_str()),
        Found::OtherMethods(_) | Found::Nothing => None,
    }
}

/// A path as a user writes it, with or without `/v2` in front.
fn below_v2(path: &str) -> &str {
    path.strip_prefix("/v2")
        .filter(|rest| rest.starts_with('/'))
        .unwrap_or(path)
}

/// Whether the entry's operation has this template (parameter names need not agree).
pub fn has_template(entry: &Entry, template: &str) -> bool {
    template_of(entry).is_some_and(|found| same_template(found, below_v2(template)))
}

/// Whether the entry matches a path (segments compared decoded) or, when it holds `{`, a template.
pub fn has_path(entry: &Entry, path: &str) -> bool {
    if path.contains('{') {
        return has_template(entry, path);
    }
    let wanted = below_v2(path).split('/').map(decode_segment);
    wanted.eq(entry.api_path().split('/').map(decode_segment))
}

/// Whether the call was sent with the query parameter `name` equal to `value` (both decoded).
pub fn has_param(entry: &Entry, name: &str, value: &str) -> bool {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&entry.query)
        .is_ok_and(|pairs| pairs.iter().any(|(n, v)| n == name && v == value))
}

/// One call pattern with the number of calls expected to match it (`count`, or `atLeast` and/or
/// `atMost`; none of them means at least one).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expectation {
    pub method: Option<String>,
    /// A path below `/v2` (`/invoice/7/:payment`) or an operation template (`/invoice/{id}/:payment`).
    pub path: Option<String>,
    /// Query parameters the call was sent with; a number or true/false stands for its text.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub query: serde_json::Map<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<BodyPredicate>,
    pub status: Option<u16>,
    pub count: Option<usize>,
    pub at_least: Option<usize>,
    pub at_most: Option<usize>,
}

impl Expectation {
    /// The bounds on the number of matching calls.
    pub fn bounds(&self) -> (usize, Option<usize>) {
        match self.count {
            Some(exact) => (exact, Some(exact)),
            None => (
                self.at_least.unwrap_or(usize::from(self.at_most.is_none())),
                self.at_most,
            ),
        }
    }

    /// What of the pattern the entry does not match, by name; empty when it matches.
    fn differences(&self, entry: &Entry) -> Vec<String> {
        let mut differs = Vec::new();
        if self
            .method
            .as_deref()
            .is_some_and(|m| !entry.method.eq_ignore_ascii_case(m))
        {
            differs.push("method".to_owned());
        }
        if self.path.as_deref().is_some_and(|p| !has_path(entry, p)) {
            differs.push("path".to_owned());
        }
        if self.status.is_some_and(|s| s != entry.status) {
            differs.push("status".to_owned());
        }
        for (name, value) in &self.query {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            if !has_param(entry, name, &text) {
                differs.push(format!("query {name}"));
            }
        }
        for predicate in &self.body {
            if !predicate.holds(entry) {
                differs.push(format!("body {}", predicate.path));
            }
        }
        differs
    }
}

/// Whether an expectation held, how many calls matched, and, when too few did, the nearest calls.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub expected: Expectation,
    pub matched: usize,
    pub holds: bool,
    /// The closest calls that share the method or the path, fewest differences first, each as
    /// `METHOD /v2/path?query → status (differs in: …)`.
    pub near_misses: Vec<String>,
}

/// Checks one expectation against the entries (oldest first).
pub fn check(expected: &Expectation, entries: &std::collections::VecDeque<Entry>) -> Verdict {
    let (least, most) = expected.bounds();
    let mut matched = 0;
    let mut near: Vec<(usize, &Entry, Vec<String>)> = Vec::new();
    // Newest first, so that among equally near calls the latest is listed first.
    for (age, entry) in entries.iter().rev().enumerate() {
        let differs = expected.differences(entry);
        if differs.is_empty() {
            matched += 1;
        } else if !(differs.iter().any(|d| d == "method") && differs.iter().any(|d| d == "path")) {
            near.push((age, entry, differs));
        }
    }
    let holds = matched >= least && most.is_none_or(|m| matched <= m);
    let near_misses = if matched < least {
        near.sort_by_key(|(age, _, differs)| (differs.len(), *age));
        near.iter()
            .take(NEAR_MISSES)
            .map(|(_, entry, differs)| describe(entry, differs))
            .collect()
    } else {
        Vec::new()
    };
    Verdict {
        expected: expected.clone(),
        matched,
        holds,
        near_misses,
    }
}

fn describe(entry: &Entry, differs: &[String]) -> String {
    let query = if entry.query.is_empty() {
        String::new()
    } else {
        format!("?{}", entry.query)
    };
    format!(
        "{} /v2{}{query} → {} (differs in: {})",
        entry.method,
        entry.api_path(),
        entry.status,
        differs.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;
    use std::collections::VecDeque;

    fn call(method: &'static str, path: &str, body: &'static str) -> Entry {
        Entry {
            time: jiff::Timestamp::UNIX_EPOCH,
            request_id: None,
            method: Cow::Borrowed(method),
            path: path.to_owned(),
            query: String::new(),
            company_id: None,
            key_id: None,
            status: 200,
            code: None,
            rule: None,
            remedy: None,
            norwegian: None,
            developer_message: None,
            needed: Vec::new(),
            override_id: None,
            request_body: (!body.is_empty()).then(|| bytes::Bytes::from_static(body.as_bytes())),
            response_body: None,
            bodies_dropped: false,
        }
    }

    #[test]
    fn a_pattern_without_a_count_wants_at_least_one_call() {
        assert_eq!(Expectation::default().bounds(), (1, None));
        let at_most = Expectation {
            at_most: Some(2),
            ..Expectation::default()
        };
        assert_eq!(at_most.bounds(), (0, Some(2)));
    }

    #[test]
    fn near_misses_share_the_method_or_the_path_and_come_fewest_differences_first() {
        let entries: VecDeque<Entry> = [
            call("POST", "/v2/customer", r#"{"name":"Acme AS"}"#),
            call("GET", "/v2/customer", ""),
            call("GET", "/v2/product", ""),
        ]
        .into();
        let expected = Expectation {
            method: Some("POST".into()),
            path: Some("/customer".into()),
            body: BodyPredicate::parse("name=Other AS").into_iter().collect(),
            ..Expectation::default()
        };
        let verdict = check(&expected, &entries);
        assert!(!verdict.holds);
        assert_eq!(
            verdict.near_misses,
            [
                "POST /v2/customer → 200 (differs in: body name)",
                "GET /v2/customer → 200 (differs in: method, body name)",
            ]
        );
        let numbers = BodyPredicate::parse("body.amount=1250").into_iter().collect();
        let paid = Expectation {
            body: numbers,
            ..Expectation::default()
        };
        let entries: VecDeque<Entry> = [call("PUT", "/v2/x", r#"{"amount":1250.0}"#)].into();
        assert!(check(&paid, &entries).holds);
    }
}
