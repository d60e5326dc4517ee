//! The journal: every `/v2` request of a sandbox with its outcome and, for a denial, the rule
//! and the remedy, or the override rule that answered it, with its request and response bodies
//! (secrets redacted). Kept in memory, bounded: the oldest entries are dropped first, and past the
//! byte bound for bodies, the oldest bodies (the entries stay).

pub mod redact;
pub mod verify;

pub use verify::{BodyPredicate, Expectation, Verdict};

use actix_web::http::Method;
use bytes::Bytes;
use jiff::Timestamp;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many entries a sandbox keeps.
pub const CAPACITY: usize = 2_000;

/// How many bytes of request and response bodies a sandbox keeps by default (`--journal-body-bytes`).
pub const BODY_BYTES: usize = 4 * 1024 * 1024;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Kept as a timestamp and rendered only when the journal is read: the request path stays cheap.
    #[serde(serialize_with = "display")]
    pub time: Timestamp,
    #[serde(serialize_with = "display_or_empty")]
    pub request_id: Option<uuid::Uuid>,
    pub method: Cow<'static, str>,
    pub path: String,
    /// The query string as sent (without `?`), empty when there was none.
    pub query: String,
    /// The company the request acted in, once authenticated.
    pub company_id: Option<i64>,
    pub key_id: Option<i64>,
    pub status: u16,
    pub code: Option<u32>,
    /// For a denial: the rule that said no and how to fix it.
    pub rule: Option<&'static str>,
    pub remedy: Option<String>,
    /// What the training console's Norwegian journal says of a refusal: the rule's Norwegian
    /// remedy, else its reason, else the error's Norwegian message (not part of the JSON).
    #[serde(skip)]
    pub norwegian: Option<String>,
    pub developer_message: Option<String>,
    /// The accesses the call asked the key for (allowed or not), by name.
    #[serde(serialize_with = "names")]
    pub needed: Vec<crate::domain::entitlements::Entitlement>,
    /// The override rule that answered instead of the emulator, by id.
    pub override_id: Option<String>,
    /// The request body as the emulator read it, secrets redacted: JSON as JSON, anything else as text.
    #[serde(serialize_with = "body")]
    pub request_body: Option<Bytes>,
    #[serde(serialize_with = "body")]
    pub response_body: Option<Bytes>,
    /// The bodies were kept once and later dropped to stay within the sandbox's byte bound.
    pub bodies_dropped: bool,
}

impl Entry {
    fn body_len(&self) -> usize {
        self.request_body.as_ref().map_or(0, Bytes::len) + self.response_body.as_ref().map_or(0, Bytes::len)
    }

    /// The call below `/v2` as an integration makes it, without the `/sb/{id}` of the sandbox.
    pub fn api_path(&self) -> &str {
        self.path
            .find("/v2/")
            .map_or(self.path.as_str(), |at| &self.path[at + 3..])
    }
}

fn body<S: Serializer>(body: &Option<Bytes>, serializer: S) -> Result<S::Ok, S::Error> {
    let Some(bytes) = body else {
        return serializer.serialize_none();
    };
    match serde_json::from_slice::<&serde_json::value::RawValue>(bytes) {
        Ok(json) => json.serialize(serializer),
        Err(_) => serializer.serialize_str(&String::from_utf8_lossy(bytes)),
    }
}

fn names<S: Serializer>(needed: &[crate::domain::entitlements::Entitlement], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(needed.iter().map(ToString::to_string))
}

/// What a key must be granted, from what it did (`GET /_sandbox/journal/required-access`).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredAccess {
    pub key_id: i64,
    /// The least set of accesses that would have allowed every call the key made, each with the
    /// calls that needed it.
    pub entitlements: Vec<NeededBy>,
    /// The calls that were refused, with the rule and what they lacked.
    pub denied: Vec<DeniedCall>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NeededBy {
    pub name: String,
    pub calls: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeniedCall {
    pub call: String,
    pub status: u16,
    pub rule: Option<&'static str>,
    pub remedy: Option<String>,
    /// The accesses the call asked for (the one it lacked among them).
    pub needed: Vec<String>,
}

fn display<S: Serializer, T: std::fmt::Display>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

fn display_or_empty<S: Serializer>(value: &Option<uuid::Uuid>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(id) => serializer.collect_str(&id.hyphenated()),
        None => serializer.serialize_str(""),
    }
}

/// The method's name without an allocation for the methods Tripletex has.
pub fn method_name(method: &Method) -> Cow<'static, str> {
    Cow::Borrowed(match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => return Cow::Owned(method.as_str().to_owned()),
    })
}

/// Which statuses to keep: one (`403`) or a class (`4xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Exactly(u16),
    Class(u16),
}

impl StatusFilter {
    /// Reads `403` or `4xx`; None for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some(class) = text.strip_suffix("xx").or_else(|| text.strip_suffix("XX")) {
            return class.parse().ok().filter(|c| (1..=5).contains(c)).map(Self::Class);
        }
        text.parse().ok().filter(|s| (100..=599).contains(s)).map(Self::Exactly)
    }

    fn keeps(self, status: u16) -> bool {
        match self {
            Self::Exactly(wanted) => status == wanted,
            Self::Class(class) => status / 100 == class,
        }
    }
}

/// What to keep of the journal when reading it; every given matcher must match.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Part of the path.
    pub path: Option<String>,
    pub method: Option<String>,
    /// The operation's path template (`/invoice/{id}/:payment`); parameter names need not agree.
    pub template: Option<String>,
    pub status: Option<StatusFilter>,
    pub key: Option<i64>,
    pub company: Option<i64>,
    /// Only entries after this time.
    pub since: Option<Timestamp>,
    /// Only entries before this time.
    pub until: Option<Timestamp>,
    /// Query parameters the call was sent with (name, value as sent).
    pub params: Vec<(String, String)>,
    pub body: Vec<BodyPredicate>,
}

impl Filter {
    pub fn keeps(&self, e: &Entry) -> bool {
        self.path.as_deref().is_none_or(|p| e.path.contains(p))
            && self.method.as_deref().is_none_or(|m| e.method.eq_ignore_ascii_case(m))
            && self.status.is_none_or(|s| s.keeps(e.status))
            && self.key.is_none_or(|k| e.key_id == Some(k))
            && self.company.is_none_or(|c| e.company_id == Some(c))
            && self.since.is_none_or(|t| e.time > t)
            && self.until.is_none_or(|t| e.time < t)
            && self.template.as_deref().is_none_or(|t| verify::has_template(e, t))
            && self
                .params
                .iter()
                .all(|(name, value)| verify::has_param(e, name, value))
            && self.body.iter().all(|p| p.holds(e))
    }
}

/// One page of matching entries, newest first, and how many matched in all.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub full_result_size: usize,
    pub entries: Vec<Entry>,
}

#[derive(Default)]
pub struct Journal {
    inner: Mutex<Kept>,
}

/// The entries, and which of them still hold bodies, oldest first, so the bound drops bodies in
/// the order they came without a scan.
#[derive(Default)]
struct Kept {
    entries: VecDeque<Entry>,
    /// The sequence number of `entries[0]`.
    first: u64,
    /// Sequence numbers of the entries that hold bodies.
    with_bodies: VecDeque<u64>,
    body_bytes: usize,
}

impl Journal {
    /// The accesses the key's calls needed, and its refused calls, from the entries kept.
    pub fn required_access(&self, key_id: i64) -> RequiredAccess {
        let kept = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let entries = &kept.entries;
        let mut needed: std::collections::BTreeMap<String, Vec<String>> = std::collections::BTreeMap::new();
        let mut denied = Vec::new();
        for entry in entries.iter().filter(|e| e.key_id == Some(key_id)) {
            // The call as the integration makes it, without the `/sb/{id}` of the sandbox.
            let path = entry
                .path
                .find("/v2/")
                .map_or(entry.path.as_str(), |at| &entry.path[at..]);
            let call = format!("{} {path}", entry.method);
            let names: Vec<String> = entry.needed.iter().map(ToString::to_string).collect();
            if entry.status == 401 || entry.status == 403 {
                denied.push(DeniedCall {
                    call: call.clone(),
                    status: entry.status,
                    rule: entry.rule,
                    remedy: entry.remedy.clone(),
                    needed: names.clone(),
                });
            }
            for name in names {
                let calls = needed.entry(name).or_default();
                if !calls.contains(&call) {
                    calls.push(call.clone());
                }
            }
        }
        RequiredAccess {
            key_id,
            entitlements: needed
                .into_iter()
                .map(|(name, calls)| NeededBy { name, calls })
                .collect(),
            denied,
        }
    }

    /// Keeps `entry`, dropping the oldest entry past [`CAPACITY`] and the oldest bodies past
    /// `body_bound` bytes of bodies.
    pub fn record(&self, entry: Entry, body_bound: usize) {
        let mut kept = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let kept = &mut *kept;
        if kept.entries.len() == CAPACITY
            && let Some(oldest) = kept.entries.pop_front()
        {
            if kept.with_bodies.front() == Some(&kept.first) {
                kept.with_bodies.pop_front();
                kept.body_bytes -= oldest.body_len();
            }
            kept.first += 1;
        }
        let size = entry.body_len();
        let seq = kept.first + kept.entries.len() as u64;
        kept.entries.push_back(entry);
        if size > 0 {
            kept.with_bodies.push_back(seq);
            kept.body_bytes += size;
        }
        while kept.body_bytes > body_bound {
            let Some(seq) = kept.with_bodies.pop_front() else { break };
            let at = usize::try_from(seq - kept.first).unwrap_or(usize::MAX);
            if let Some(entry) = kept.entries.get_mut(at) {
                kept.body_bytes -= entry.body_len();
                entry.request_body = None;
                entry.response_body = None;
                entry.bodies_dropped = true;
            }
        }
    }

    /// How many bytes of bodies the journal holds now.
    pub fn body_bytes(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).body_bytes
    }

    /// How many entries match.
    pub fn count(&self, filter: &Filter) -> usize {
        let kept = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        kept.entries.iter().filter(|e| filter.keeps(e)).count()
    }

    /// Checks each expectation against the entries kept.
    pub fn verify(&self, expectations: &[Expectation]) -> Vec<Verdict> {
        let kept = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        expectations.iter().map(|e| verify::check(e, &kept.entries)).collect()
    }

    /// Matching entries, newest first: `count` of them from the `from`-th.
    pub fn read(&self, filter: &Filter, from: usize, count: usize) -> Page {
        let kept = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut page = Page::default();
        for entry in kept.entries.iter().rev().filter(|e| filter.keeps(e)) {
            if page.full_result_size >= from && page.entries.len() < count {
                page.entries.push(entry.clone());
            }
            page.full_result_size += 1;
        }
        page
    }

    pub fn clear(&self) {
        let mut kept = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        kept.first += kept.entries.len() as u64;
        kept.entries.clear();
        kept.with_bodies.clear();
        kept.body_bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(status: u16, second: i64) -> Entry {
        Entry {
            time: Timestamp::from_second(second).unwrap_or_default(),
            request_id: None,
            method: Cow::Borrowed("GET"),
            path: "/v2/customer".into(),
            query: String::new(),
            company_id: None,
            key_id: Some(1),
            status,
            code: None,
            rule: None,
            remedy: None,
            norwegian: None,
            developer_message: None,
            needed: Vec::new(),
            override_id: None,
            request_body: None,
            response_body: Some(Bytes::from_static(b"{\"value\":{}}")),
            bodies_dropped: false,
        }
    }

    #[test]
    fn the_journal_pages_and_filters_by_status_class_and_time() {
        let journal = Journal::default();
        for (second, status) in [(1, 200), (2, 403), (3, 404), (4, 201), (5, 422)] {
            journal.record(entry(status, second), BODY_BYTES);
        }
        let all = Filter::default();
        let page = journal.read(&all, 1, 2);
        assert_eq!(page.full_result_size, 5);
        assert_eq!(page.entries.iter().map(|e| e.status).collect::<Vec<_>>(), [201, 404]);
        let client_errors = Filter {
            status: StatusFilter::parse("4xx"),
            ..Filter::default()
        };
        let statuses: Vec<u16> = journal
            .read(&client_errors, 0, 10)
            .entries
            .iter()
            .map(|e| e.status)
            .collect();
        assert_eq!(statuses, [422, 404, 403]);
        let since = Filter {
            since: Timestamp::from_second(3).ok(),
            ..Filter::default()
        };
        assert_eq!(journal.read(&since, 0, 10).full_result_size, 2);
        assert_eq!(StatusFilter::parse("403"), Some(StatusFilter::Exactly(403)));
        assert_eq!(StatusFilter::parse("9xx"), None);
        assert_eq!(StatusFilter::parse("banana"), None);
    }

    #[test]
    fn past_the_byte_bound_the_oldest_bodies_go_and_the_entries_stay() {
        let journal = Journal::default();
        let size = entry(200, 0).body_len();
        for second in 0..10 {
            journal.record(entry(200, second), size * 3);
        }
        let page = journal.read(&Filter::default(), 0, 100);
        assert_eq!(page.full_result_size, 10);
        let dropped: Vec<bool> = page.entries.iter().map(|e| e.bodies_dropped).collect();
        assert_eq!(dropped, [false, false, false, true, true, true, true, true, true, true]);
        assert_eq!(journal.body_bytes(), size * 3);
        journal.clear();
        journal.record(entry(200, 11), size);
        assert_eq!(journal.body_bytes(), size);
    }
}
