//! The override rule format — a request pattern and the answer to give instead of the emulator's
//! own, for what the sandbox cannot know — shared by `PUT /_sandbox/overrides` and a scenario's
//! `overrides` list, and the checks that refuse a rule that could never work, each at its JSON path.

use super::problem::Problem;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// The methods a rule may match (Tripletex's API has no others).
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

/// The longest rule id, which stands in a URL path and a header.
pub const MAX_ID: usize = 64;

/// Headers a rule may not set: they frame the response or are the emulator's own.
const RESERVED_HEADERS: [&str; 6] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "x-tripletex-sandbox-override",
    "x-tripletex-sandbox",
    "x-tlx-request-id",
];

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OverrideRule {
    /// Names the rule in `DELETE /_sandbox/overrides/{id}`, the answer's header and the journal;
    /// the sandbox numbers a rule without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub method: String,
    /// A path below `/v2`; a `{name}` segment matches any one segment.
    pub path: String,
    /// Query arguments that must each be present with this value (a string, number or boolean).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, Value>,
    /// Predicates on the JSON request body; all must hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body: Vec<BodyPredicate>,
    /// How many requests the rule answers; absent: every one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    pub response: OverrideResponse,
}

/// The value at a JSON pointer (`/customer/id`) of the request body equals `equals`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BodyPredicate {
    pub pointer: String,
    pub equals: Value,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OverrideResponse {
    pub status: u16,
    /// Sent as JSON; absent (or null): an empty body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

/// A query value as text, the way it arrives in a URL; None for what a URL cannot carry.
pub fn query_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// A rule id a URL path and a header can carry as it is.
pub fn is_good_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Everything wrong with a list of rules, at paths below `at` (`overrides[0].response.status`).
pub fn check(rules: &[OverrideRule], at: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut ids = HashSet::new();
    for (index, rule) in rules.iter().enumerate() {
        let prefix = format!("{at}[{index}]");
        problems.extend(check_one(rule, &prefix));
        if let Some(id) = &rule.id
            && !ids.insert(id.as_str())
        {
            problems.push(problem(
                &prefix,
                "id",
                format!("another rule is named {id:?} already; give each rule its own id"),
            ));
        }
    }
    problems
}

/// Everything wrong with one rule, at paths below `prefix` (empty for a rule on its own).
pub fn check_one(rule: &OverrideRule, prefix: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut bad = |field: &str, message: String| problems.push(problem(prefix, field, message));
    if let Some(id) = &rule.id
        && !is_good_id(id)
    {
        bad(
            "id",
            format!("an id is 1 to {MAX_ID} letters, digits, '.', '_' or '-', so it can stand in a URL path"),
        );
    }
    if !METHODS.iter().any(|m| m.eq_ignore_ascii_case(&rule.method)) {
        bad("method", format!("use one of {}", METHODS.join(", ")));
    }
    if let Some(message) = path_problem(&rule.path) {
        bad("path", message);
    }
    for (name, value) in &rule.query {
        if name.is_empty() {
            bad("query", "a query argument needs a name".into());
        } else if query_text(value).is_none() {
            bad(
                &format!("query.{name}"),
                "a query value is a string, a number or a boolean".into(),
            );
        }
    }
    for (index, predicate) in rule.body.iter().enumerate() {
        if !predicate.pointer.is_empty() && !predicate.pointer.starts_with('/') {
            bad(
                &format!("body[{index}].pointer"),
                "a JSON pointer starts with '/' (\"/customer/id\"), or is empty for the whole body".into(),
            );
        }
    }
    if rule.times == Some(0) {
        bad(
            "times",
            "times counts from 1; leave it out to answer every request, or delete the rule".into(),
        );
    }
    let response = &rule.response;
    if !(200..=599).contains(&response.status) {
        bad(
            "response.status",
            "the status must be 200..=599 (a 1xx is not a final answer)".into(),
        );
    }
    if matches!(response.status, 204 | 304) && response.body.is_some() {
        bad(
            "response.body",
            format!("a {} answer has no body; leave body out", response.status),
        );
    }
    for (name, value) in &response.headers {
        let lower = name.to_ascii_lowercase();
        if name.is_empty() || !name.bytes().all(is_token_byte) {
            bad(
                &format!("response.headers.{name}"),
                "a header name is letters, digits and !#$%&'*+-.^_`|~".into(),
            );
        } else if RESERVED_HEADERS.contains(&lower.as_str()) {
            bad(
                &format!("response.headers.{name}"),
                "the sandbox sets this header itself; leave it out".into(),
            );
        }
        if !value.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b)) {
            bad(
                &format!("response.headers.{name}"),
                "a header value is printable ASCII on one line".into(),
            );
        }
    }
    problems
}

fn problem(prefix: &str, field: &str, message: String) -> Problem {
    let path = if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    };
    Problem { path, message }
}

/// Why a path template could never match, if it could not.
fn path_problem(path: &str) -> Option<String> {
    let Some(rest) = path.strip_prefix('/') else {
        return Some("a path starts with '/' (\"/invoice/{id}/:send\")".into());
    };
    if path == "/v2" || path.starts_with("/v2/") {
        return Some(format!(
            "the path is below /v2: write {:?}",
            path.strip_prefix("/v2").filter(|p| !p.is_empty()).unwrap_or("/…")
        ));
    }
    if path.contains('?') {
        return Some("put query arguments in query, not in the path".into());
    }
    for segment in rest.split('/') {
        if segment.is_empty() {
            return Some("a path has no empty segments (no '//' and no trailing '/')".into());
        }
        let name = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'));
        let placeholder = name.is_some_and(|n| !n.is_empty() && !n.contains(['{', '}']));
        if !placeholder && segment.contains(['{', '}']) {
            return Some(format!("{segment:?}: a placeholder is a whole segment, {{name}}"));
        }
    }
    None
}

/// A byte of an HTTP token (RFC 9110), which header names are.
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(value: Value) -> OverrideRule {
        serde_json::from_value(value).unwrap()
    }

    fn paths(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.path.as_str()).collect()
    }

    #[test]
    fn a_sound_rule_passes() {
        let sound = rule(json!({"id": "send-ok", "method": "put", "path": "/invoice/{id}/:send",
            "query": {"sendType": "EMAIL", "count": 3}, "body": [{"pointer": "/amount", "equals": 100}],
            "times": 2, "response": {"status": 200, "body": {"value": true}, "headers": {"x-foo": "bar"}}}));
        assert_eq!(check(&[sound], "overrides"), []);
    }

    #[test]
    fn each_bad_field_is_named_by_its_path() {
        let bad = rule(
            json!({"id": "a b", "method": "FETCH", "path": "invoice//x", "query": {"q": [1]},
            "body": [{"pointer": "amount", "equals": 1}], "times": 0,
            "response": {"status": 99, "headers": {"content-length": "3", "x-ok": "line\nbreak"}}}),
        );
        let problems = check(&[bad], "overrides");
        assert_eq!(
            paths(&problems),
            [
                "overrides[0].id",
                "overrides[0].method",
                "overrides[0].path",
                "overrides[0].query.q",
                "overrides[0].body[0].pointer",
                "overrides[0].times",
                "overrides[0].response.status",
                "overrides[0].response.headers.content-length",
                "overrides[0].response.headers.x-ok",
            ]
        );
    }

    #[test]
    fn two_rules_may_not_share_an_id() {
        let one = rule(json!({"id": "x", "method": "GET", "path": "/a", "response": {"status": 200}}));
        assert_eq!(paths(&check(&[one.clone(), one], "overrides")), ["overrides[1].id"]);
    }

    #[test]
    fn a_path_is_below_v2_with_whole_segment_placeholders() {
        assert!(path_problem("/customer/{id}").is_none());
        assert!(path_problem("/token/session/>whoAmI").is_none());
        assert!(path_problem("/v2/customer").unwrap().contains("\"/customer\""));
        assert!(path_problem("/customer/").is_some());
        assert!(path_problem("/customer/x{id}").is_some());
        assert!(path_problem("/customer/{}").is_some());
        assert!(path_problem("/customer?x=1").is_some());
    }

    #[test]
    fn a_scenario_file_with_a_bad_rule_is_refused_at_the_rule_s_path() {
        let text = json!({"name": "x", "description": "d", "overrides": [
            {"method": "GET", "path": "/a", "response": {"status": 200}},
            {"method": "GET", "path": "/a", "response": {"status": 200, "headers": {"connection": "close"}}}
        ]})
        .to_string();
        let refused = crate::scenario::parse("my.json", &text).unwrap_err();
        assert_eq!(paths(&refused.problems), ["overrides[1].response.headers.connection"]);
        assert!(refused.to_string().starts_with("my.json: overrides[1]"), "{refused}");
        let typo = json!({"name": "x", "description": "d", "overrides": [
            {"method": "GET", "path": "/a", "response": {"status": 200}},
            {"method": "GET", "path": "/a", "tims": 1, "response": {"status": 200}}
        ]});
        let refused = crate::scenario::parse("my.json", &typo.to_string()).unwrap_err();
        assert_eq!(paths(&refused.problems), ["overrides[1].tims"]);
    }

    #[test]
    fn a_no_content_answer_has_no_body() {
        let empty = rule(json!({"method": "DELETE", "path": "/a", "response": {"status": 204, "body": {}}}));
        assert_eq!(paths(&check_one(&empty, "")), ["response.body"]);
    }
}
