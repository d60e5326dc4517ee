//! A sandbox's override rules in force: which rule answers a request (first in list order whose
//! method, path, query and body match and which has answers left), and how often each has.

use crate::scenario::overrides::{OverrideRule, query_text};
use serde::Serialize;
use serde_json::Value;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// One segment of a rule's path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}`: any one segment.
    Any,
}

/// A rule in force, with its counters.
#[derive(Debug)]
pub struct Armed {
    /// The rule as given, its id filled in.
    rule: OverrideRule,
    id: String,
    method: String,
    template: Vec<Segment>,
    query: Vec<(String, String)>,
    matched: AtomicU64,
    /// None: answers every time.
    remaining: Option<AtomicU64>,
}

/// A rule as `GET /_sandbox/overrides` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub rule: OverrideRule,
    /// How many requests it answered.
    pub matched: u64,
    /// How many more it will answer; null for no limit.
    pub remaining: Option<u64>,
}

/// The parts of a request the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    /// The path below `/v2`, split at `/` and percent-decoded.
    pub segments: &'a [String],
    /// The query arguments, decoded.
    pub query: &'a [(String, String)],
}

impl Armed {
    fn new(mut rule: OverrideRule, id: String) -> Self {
        rule.id = Some(id.clone());
        let template = rule
            .path
            .split('/')
            .skip(1)
            .map(|s| {
                if s.starts_with('{') && s.ends_with('}') {
                    Segment::Any
                } else {
                    // Requests are compared decoded, so a template written encoded matches too.
                    Segment::Literal(percent_decoded(s))
                }
            })
            .collect();
        let query = rule
            .query
            .iter()
            .filter_map(|(name, value)| Some((name.clone(), query_text(value)?)))
            .collect();
        Self {
            method: rule.method.to_ascii_uppercase(),
            template,
            query,
            id,
            matched: AtomicU64::new(0),
            remaining: rule.times.map(AtomicU64::new),
            rule,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn rule(&self) -> &OverrideRule {
        &self.rule
    }

    /// Whether the rule looks at the body (which must then be read to decide).
    pub fn wants_body(&self) -> bool {
        !self.rule.body.is_empty()
    }

    fn has_answers_left(&self) -> bool {
        self.remaining.as_ref().is_none_or(|r| r.load(Ordering::Acquire) > 0)
    }

    /// Method, path and query match, and answers are left (the body aside).
    pub fn matches_head(&self, request: &Request<'_>) -> bool {
        self.method.eq_ignore_ascii_case(request.method)
            && self.template.len() == request.segments.len()
            && self
                .template
                .iter()
                .zip(request.segments)
                .all(|(want, got)| match want {
                    Segment::Any => !got.is_empty(),
                    Segment::Literal(literal) => literal == got,
                })
            && self
                .query
                .iter()
                .all(|(name, value)| request.query.iter().any(|(n, v)| n == name && v == value))
            && self.has_answers_left()
    }

    /// Every body predicate holds of `body` (the request body as JSON, None when it is not JSON).
    pub fn matches_body(&self, body: Option<&Value>) -> bool {
        self.rule.body.iter().all(|predicate| {
            body.and_then(|b| b.pointer(&predicate.pointer))
                .is_some_and(|found| same(found, &predicate.equals))
        })
    }

    /// Takes one answer; false when another request took the last one first.
    fn claim(&self) -> bool {
        let taken = match &self.remaining {
            None => true,
            Some(remaining) => remaining
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_ok(),
        };
        if taken {
            self.matched.fetch_add(1, Ordering::Relaxed);
        }
        taken
    }

    fn listed(&self) -> Listed {
        Listed {
            rule: self.rule.clone(),
            matched: self.matched.load(Ordering::Relaxed),
            remaining: self.remaining.as_ref().map(|r| r.load(Ordering::Acquire)),
        }
    }
}

/// A path segment as the client meant it (`%3EwhoAmI` is `>whoAmI`).
pub fn percent_decoded(segment: &str) -> String {
    if !segment.contains('%') {
        return segment.to_owned();
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let hex = bytes
            .get(at + 1..at + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[at], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                at += 3;
            }
            (byte, _) => {
                out.push(byte);
                at += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// JSON equality where `100` and `100.0` are the same number, as they are to a JSON reader.
fn same(found: &Value, wanted: &Value) -> bool {
    match (found, wanted) {
        (Value::Number(a), Value::Number(b)) => a == b || a.as_f64().zip(b.as_f64()).is_some_and(|(a, b)| a == b),
        _ => found == wanted,
    }
}

/// Another rule already has this id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a rule is named {0:?} already; DELETE /_sandbox/overrides/{0} first, or choose another id")]
pub struct IdTaken(pub String);

#[derive(Default)]
pub struct Overrides {
    rules: RwLock<Arc<Vec<Arc<Armed>>>>,
    /// The number the next rule without an id is named by; never given out twice.
    next_number: AtomicU64,
}

impl Overrides {
    /// True when no rule is set, so the request path can skip all of this.
    pub fn is_idle(&self) -> bool {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).is_empty()
    }

    /// The rules in force, to match a request against without holding a lock.
    pub fn armed(&self) -> Arc<Vec<Arc<Armed>>> {
        self.rules.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The rules with their counts, in order.
    pub fn list(&self) -> Vec<Listed> {
        self.armed().iter().map(|a| a.listed()).collect()
    }

    /// Replaces every rule with `rules` (checked already), their counts fresh.
    pub fn replace(&self, rules: Vec<OverrideRule>) -> Vec<Listed> {
        let mut given: Vec<String> = rules.iter().filter_map(|r| r.id.clone()).collect();
        let armed: Vec<Arc<Armed>> = rules
            .into_iter()
            .map(|rule| {
                let id = match rule.id.clone() {
                    Some(id) => id,
                    None => {
                        let id = self.fresh_id(&given);
                        given.push(id.clone());
                        id
                    }
                };
                Arc::new(Armed::new(rule, id))
            })
            .collect();
        let listed = armed.iter().map(|a| a.listed()).collect();
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(armed);
        listed
    }

    /// Adds a rule (checked already) after the others.
    pub fn add(&self, rule: OverrideRule) -> Result<Listed, IdTaken> {
        let mut rules = self.rules.write().unwrap_or_else(|p| p.into_inner());
        let taken: Vec<String> = rules.iter().map(|a| a.id.clone()).collect();
        let id = match rule.id.clone() {
            Some(id) if taken.contains(&id) => return Err(IdTaken(id)),
            Some(id) => id,
            None => self.fresh_id(&taken),
        };
        let armed = Arc::new(Armed::new(rule, id));
        let listed = armed.listed();
        let mut next = Vec::clone(&rules);
        next.push(armed);
        *rules = Arc::new(next);
        Ok(listed)
    }

    /// Deletes the rule named `id`; false when there is none.
    pub fn remove(&self, id: &str) -> bool {
        let mut rules = self.rules.write().unwrap_or_else(|p| p.into_inner());
        let kept: Vec<Arc<Armed>> = rules.iter().filter(|a| a.id != id).cloned().collect();
        let removed = kept.len() != rules.len();
        *rules = Arc::new(kept);
        removed
    }

    pub fn clear(&self) {
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = Arc::default();
    }

    fn fresh_id(&self, taken: &[String]) -> String {
        loop {
            let id = (self.next_number.fetch_add(1, Ordering::Relaxed) + 1).to_string();
            if !taken.contains(&id) {
                return id;
            }
        }
    }
}

/// The first rule that answers the request, its answer taken (so a rule with `times` never
/// answers more requests than that, however many arrive at once).
pub fn answer<'a>(rules: &'a [Arc<Armed>], request: &Request<'_>, body: Option<&Value>) -> Option<&'a Arc<Armed>> {
    rules
        .iter()
        .find(|rule| rule.matches_head(request) && rule.matches_body(body) && rule.claim())
}

/// Whether some rule that may answer the request looks at its body (only then is it read).
pub fn body_needed(rules: &[Arc<Armed>], request: &Request<'_>) -> bool {
    rules.iter().any(|rule| rule.wants_body() && rule.matches_head(request))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(value: Value) -> OverrideRule {
        serde_json::from_value(value).unwrap()
    }

    fn segments(path: &str) -> Vec<String> {
        path.split('/').skip(1).map(str::to_owned).collect()
    }

    fn first(
        overrides: &Overrides,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Option<String> {
        let segments = segments(path);
        let query: Vec<(String, String)> = query.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        let request = Request {
            method,
            segments: &segments,
            query: &query,
        };
        let rules = overrides.armed();
        answer(&rules, &request, body.as_ref()).map(|a| a.id().to_owned())
    }

    #[test]
    fn a_placeholder_matches_one_segment_and_literals_match_exactly() {
        let overrides = Overrides::default();
        overrides.replace(vec![rule(
            json!({"method": "put", "path": "/invoice/{id}/:send", "response": {"status": 200}}),
        )]);
        assert_eq!(
            first(&overrides, "PUT", "/invoice/7/:send", &[], None).as_deref(),
            Some("1")
        );
        assert_eq!(first(&overrides, "GET", "/invoice/7/:send", &[], None), None);
        assert_eq!(first(&overrides, "PUT", "/invoice/7", &[], None), None);
        assert_eq!(first(&overrides, "PUT", "/invoice/7/:send/x", &[], None), None);
        assert_eq!(first(&overrides, "PUT", "/invoice//:send", &[], None), None);
        assert_eq!(first(&overrides, "PUT", "/order/7/:send", &[], None), None);
    }

    #[test]
    fn a_template_written_encoded_matches_the_decoded_request() {
        let overrides = Overrides::default();
        overrides.replace(vec![rule(
            json!({"method": "GET", "path": "/token/session/%3EwhoAmI", "response": {"status": 200}}),
        )]);
        assert!(first(&overrides, "GET", "/token/session/>whoAmI", &[], None).is_some());
    }

    #[test]
    fn segments_are_percent_decoded_and_stray_percents_kept() {
        assert_eq!(percent_decoded("%3EwhoAmI"), ">whoAmI");
        assert_eq!(percent_decoded("a%2Fb"), "a/b");
        assert_eq!(percent_decoded("100%"), "100%");
        assert_eq!(percent_decoded("%zz"), "%zz");
        assert_eq!(percent_decoded("%C3%A6"), "æ");
    }

    #[test]
    fn every_named_query_argument_must_be_there_with_its_value() {
        let overrides = Overrides::default();
        overrides.replace(vec![rule(
            json!({"method": "GET", "path": "/customer", "query": {"count": 5, "isInactive": false}, "response": {"status": 200}}),
        )]);
        let both = [("count", "5"), ("from", "0"), ("isInactive", "false")];
        assert!(first(&overrides, "GET", "/customer", &both, None).is_some());
        assert!(first(&overrides, "GET", "/customer", &[("count", "5")], None).is_none());
        assert!(
            first(
                &overrides,
                "GET",
                "/customer",
                &[("count", "6"), ("isInactive", "false")],
                None
            )
            .is_none()
        );
    }

    #[test]
    fn body_predicates_compare_the_value_at_a_pointer() {
        let overrides = Overrides::default();
        overrides.replace(vec![rule(json!({"method": "POST", "path": "/customer",
            "body": [{"pointer": "/amount", "equals": 100}, {"pointer": "/customer/id", "equals": 7}],
            "response": {"status": 200}}))]);
        let hit = json!({"amount": 100.0, "customer": {"id": 7}});
        assert!(first(&overrides, "POST", "/customer", &[], Some(hit)).is_some());
        let other = json!({"amount": 100, "customer": {"id": 8}});
        assert!(first(&overrides, "POST", "/customer", &[], Some(other)).is_none());
        assert!(
            first(&overrides, "POST", "/customer", &[], None).is_none(),
            "no JSON body"
        );
    }

    #[test]
    fn the_first_rule_with_answers_left_answers_and_times_counts_down() {
        let overrides = Overrides::default();
        overrides.replace(vec![
            rule(json!({"id": "once", "method": "GET", "path": "/a", "times": 1, "response": {"status": 500}})),
            rule(json!({"method": "GET", "path": "/a", "response": {"status": 200}})),
        ]);
        assert_eq!(first(&overrides, "GET", "/a", &[], None).as_deref(), Some("once"));
        assert_eq!(first(&overrides, "GET", "/a", &[], None).as_deref(), Some("1"));
        let listed = overrides.list();
        assert_eq!(
            listed.iter().map(|l| (l.matched, l.remaining)).collect::<Vec<_>>(),
            [(1, Some(0)), (1, None)]
        );
    }

    #[test]
    fn concurrent_requests_never_take_more_answers_than_times() {
        let overrides = Arc::new(Overrides::default());
        overrides.replace(vec![rule(
            json!({"method": "GET", "path": "/a", "times": 25, "response": {"status": 200}}),
        )]);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let overrides = overrides.clone();
                std::thread::spawn(move || {
                    (0..50)
                        .filter(|_| first(&overrides, "GET", "/a", &[], None).is_some())
                        .count()
                })
            })
            .collect();
        let answered: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(answered, 25);
        assert_eq!(overrides.list()[0].matched, 25);
    }

    #[test]
    fn generated_ids_skip_given_ones_and_are_never_reused() {
        let overrides = Overrides::default();
        let listed = overrides.replace(vec![
            rule(json!({"id": "1", "method": "GET", "path": "/a", "response": {"status": 200}})),
            rule(json!({"method": "GET", "path": "/b", "response": {"status": 200}})),
        ]);
        let ids: Vec<_> = listed.iter().map(|l| l.rule.id.clone().unwrap()).collect();
        assert_eq!(ids, ["1", "2"]);
        assert!(overrides.remove("2"));
        let added = overrides
            .add(rule(
                json!({"method": "GET", "path": "/c", "response": {"status": 200}}),
            ))
            .unwrap();
        assert_eq!(added.rule.id.as_deref(), Some("3"));
        let taken = overrides.add(rule(
            json!({"id": "1", "method": "GET", "path": "/d", "response": {"status": 200}}),
        ));
        assert_eq!(taken, Err(IdTaken("1".into())));
        assert!(!overrides.remove("nope"));
        overrides.clear();
        assert!(overrides.is_idle());
    }

    #[test]
    fn body_is_read_only_when_a_rule_for_the_request_wants_it() {
        let overrides = Overrides::default();
        overrides.replace(vec![
            rule(json!({"method": "GET", "path": "/a", "response": {"status": 200}})),
            rule(json!({"method": "POST", "path": "/b", "body": [{"pointer": "", "equals": 1}], "response": {"status": 200}})),
        ]);
        let rules = overrides.armed();
        let (a, b) = (segments("/a"), segments("/b"));
        let request = |segments| Request {
            method: "POST",
            segments,
            query: &[],
        };
        assert!(!body_needed(&rules, &request(&a)));
        assert!(body_needed(&rules, &request(&b)));
    }
}
