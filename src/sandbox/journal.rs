//! The journal: every `/v2` request of a sandbox with its outcome and, for a denial, the rule
//! and the remedy. Kept in memory, bounded: the oldest entries are dropped first.

use actix_web::http::Method;
use jiff::Timestamp;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many entries a sandbox keeps.
pub const CAPACITY: usize = 2_000;

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
    /// The company the request acted in, once authenticated.
    pub company_id: Option<i64>,
    pub key_id: Option<i64>,
    pub status: u16,
    pub code: Option<u32>,
    /// For a denial: the rule that said no and how to fix it.
    pub rule: Option<&'static str>,
    pub remedy: Option<String>,
    pub developer_message: Option<String>,
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

/// What to keep of the journal when reading it.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub path: Option<String>,
    pub status: Option<u16>,
    pub key: Option<i64>,
}

#[derive(Default)]
pub struct Journal {
    entries: Mutex<VecDeque<Entry>>,
}

impl Journal {
    pub fn record(&self, entry: Entry) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() == CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Matching entries, newest first.
    pub fn read(&self, filter: &Filter) -> Vec<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .rev()
            .filter(|e| filter.path.as_deref().is_none_or(|p| e.path.contains(p)))
            .filter(|e| filter.status.is_none_or(|s| e.status == s))
            .filter(|e| filter.key.is_none_or(|k| e.key_id == Some(k)))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
