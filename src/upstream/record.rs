//! Recording the proxied exchanges: one file per session (the calls made with one session token,
//! and the `:create` that minted it), in the run format `conformance --recorded` replays
//! (`{"run", "calls": [{method, path, template, query_params, request_headers, request_body,
//! status, response_headers, response_body}]}`). Tokens, passwords and Basic credentials are
//! redacted with the journal's rules before anything is written; the `Authorization` header
//! never is. Each file is valid JSON after every call, so a stopped proxy leaves whole files.

use crate::sandbox::journal::redact::{self, REDACTED};
use crate::sandbox::journal::verify::template;
use actix_web::web::Bytes;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

/// Request headers worth keeping: what the body is and what answer was asked for.
const REQUEST_HEADERS: &[&str] = &["content-type", "accept", "accept-language", "if-none-match"];

/// Response headers worth keeping: the body's type, the upstream's request id (to quote to
/// Tripletex support), versions and the rate limit.
const RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "x-tlx-request-id",
    "etag",
    "location",
    "retry-after",
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
];

/// How every recording file ends; each call is written in front of it.
const TAIL: &[u8] = b"\n]}\n";

/// One forwarded call and the upstream's answer, as they passed.
pub struct Exchange<'a> {
    pub method: &'a str,
    /// The path below `/v2`, as sent (`/customer/5`).
    pub path: &'a str,
    /// The query string as sent.
    pub query: &'a str,
    pub request_headers: Vec<(String, String)>,
    pub request_body: &'a Bytes,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: &'a Bytes,
    /// The session token of the call's Basic credentials.
    pub session: Option<String>,
}

/// Writes each session's exchanges to a file of its own under one directory.
pub struct Recorder {
    dir: PathBuf,
    origin: String,
    /// When the proxy started, in file names: `2026-12-07T10-00-00Z-001.json`.
    started: String,
    sessions: Mutex<Sessions>,
}

#[derive(Default)]
struct Sessions {
    /// By session token (kept in memory only); "" for calls made without one.
    open: HashMap<String, RunFile>,
    made: usize,
}

struct RunFile {
    file: File,
    calls: usize,
}

impl Recorder {
    pub fn new(dir: PathBuf, origin: &str) -> Self {
        Self {
            dir,
            origin: origin.to_owned(),
            started: jiff::Timestamp::now().strftime("%Y-%m-%dT%H-%M-%SZ").to_string(),
            sessions: Mutex::default(),
        }
    }

    /// Appends the exchange to its session's file, opening the file on the session's first call.
    pub fn record(&self, exchange: &Exchange<'_>) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(&call(exchange)).map_err(std::io::Error::other)?;
        let key = minted_token(exchange)
            .or_else(|| exchange.session.clone())
            .unwrap_or_default();
        let mut sessions = self.sessions.lock().unwrap_or_else(PoisonError::into_inner);
        if !sessions.open.contains_key(&key) {
            sessions.made += 1;
            let run = self.open(sessions.made)?;
            sessions.open.insert(key.clone(), run);
        }
        let Some(run) = sessions.open.get_mut(&key) else {
            return Ok(());
        };
        let mut text = Vec::with_capacity(line.len() + 8);
        text.extend_from_slice(if run.calls == 0 { b"\n" } else { b",\n" });
        text.append(&mut line);
        text.extend_from_slice(TAIL);
        run.file.seek(SeekFrom::End(-(TAIL.len() as i64)))?;
        run.file.write_all(&text)?;
        run.calls += 1;
        Ok(())
    }

    fn open(&self, number: usize) -> std::io::Result<RunFile> {
        let path = self.dir.join(format!("{}-{number:03}.json", self.started));
        let mut file = File::options().write(true).create_new(true).open(path)?;
        let head = json!({"run": format!("session {number} recorded from {} at {}", self.origin, self.started)});
        let head = head.to_string();
        // `{"run":"…"}` becomes `{"run":"…","calls":[` + TAIL.
        let open = format!("{},\"calls\":[", head.trim_end_matches('}'));
        file.write_all(open.as_bytes())?;
        file.write_all(TAIL)?;
        Ok(RunFile { file, calls: 0 })
    }
}

/// The token a successful `:create` minted: its calls go in the session's file.
fn minted_token(exchange: &Exchange<'_>) -> Option<String> {
    if !exchange.path.ends_with("/token/session/:create") || exchange.status >= 300 {
        return None;
    }
    let answer: Value = serde_json::from_slice(exchange.response_body).ok()?;
    answer["value"]["token"].as_str().map(str::to_owned)
}

/// The exchange as one call of a run, secrets redacted.
fn call(exchange: &Exchange<'_>) -> Value {
    let path = redact::path(exchange.path);
    let mut call = Map::new();
    call.insert("method".into(), json!(exchange.method));
    call.insert("path".into(), json!(path));
    if let Some(found) = template(exchange.method, &path) {
        call.insert("template".into(), json!(found));
    }
    let query = redact::query(exchange.query);
    let params: Vec<(String, String)> = serde_urlencoded::from_str(&query).unwrap_or_default();
    if !params.is_empty() {
        let params: Map<String, Value> = params.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        call.insert("query_params".into(), Value::Object(params));
    }
    call.insert(
        "request_headers".into(),
        kept(&exchange.request_headers, REQUEST_HEADERS),
    );
    if let Some(body) = body(exchange.request_body) {
        call.insert("request_body".into(), body);
    }
    call.insert("status".into(), json!(exchange.status));
    call.insert(
        "response_headers".into(),
        kept(&exchange.response_headers, RESPONSE_HEADERS),
    );
    if let Some(body) = body(exchange.response_body) {
        call.insert("response_body".into(), body);
    }
    Value::Object(call)
}

fn kept(headers: &[(String, String)], names: &[&str]) -> Value {
    let kept: Map<String, Value> = headers
        .iter()
        .filter(|(name, _)| names.contains(&name.to_ascii_lowercase().as_str()))
        .map(|(name, value)| (name.to_ascii_lowercase(), Value::String(value.clone())))
        .collect();
    Value::Object(kept)
}

/// A body as JSON when it is JSON, else as text; redacted, or withheld whole when it may hold a
/// secret and cannot be redacted field by field.
fn body(bytes: &Bytes) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    let Some(redacted) = redact::body(bytes.clone()) else {
        return Some(json!(REDACTED));
    };
    if let Ok(value) = serde_json::from_slice::<Value>(&redacted) {
        return Some(value);
    }
    Some(match std::str::from_utf8(&redacted) {
        Ok(text) => json!(text),
        Err(_) => json!(format!("<{} bytes, not text>", redacted.len())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange<'a>(path: &'a str, query: &'a str, request: &'a Bytes, answer: &'a Bytes) -> Exchange<'a> {
        Exchange {
            method: "PUT",
            path,
            query,
            request_headers: vec![("Authorization".into(), "Basic MDpzZWNyZXQ=".into())],
            request_body: request,
            status: 200,
            response_headers: vec![("Content-Type".into(), "application/json".into())],
            response_body: answer,
            session: None,
        }
    }

    #[test]
    fn a_recorded_call_keeps_no_token_and_no_authorization_header() {
        let request = Bytes::new();
        let answer = Bytes::from_static(br#"{"value":{"id":7,"token":"test-secret"}}"#);
        let written = call(&exchange(
            "/token/session/:create",
            "consumerToken=c-secret&employeeToken=e-secret&expirationDate=2030-01-01",
            &request,
            &answer,
        ));
        assert_eq!(
            written,
            json!({
                "method": "PUT",
                "path": "/token/session/:create",
                "template": "/token/session/:create",
                "query_params": {"consumerToken": REDACTED, "employeeToken": REDACTED, "expirationDate": "2030-01-01"},
                "request_headers": {},
                "status": 200,
                "response_headers": {"content-type": "application/json"},
                "response_body": {"value": {"id": 7, "token": REDACTED}}
            })
        );
    }

    #[test]
    fn each_session_writes_a_file_that_is_whole_after_every_call() {
        let dir = std::env::temp_dir().join(format!("record-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let recorder = Recorder::new(dir.clone(), "http://127.0.0.1:1");
        let empty = Bytes::new();
        let minted = Bytes::from_static(br#"{"value":{"token":"s1"}}"#);
        recorder
            .record(&exchange("/token/session/:create", "", &empty, &minted))
            .unwrap();
        let mut with_session = exchange("/customer", "", &empty, &empty);
        with_session.session = Some("s1".into());
        recorder.record(&with_session).unwrap();
        with_session.session = Some("s2".into());
        recorder.record(&with_session).unwrap();
        let mut files: Vec<Value> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| serde_json::from_slice(&std::fs::read(entry.unwrap().path()).unwrap()).unwrap())
            .collect();
        files.sort_by_key(|run| run["calls"].as_array().map(Vec::len));
        let counts: Vec<usize> = files
            .iter()
            .map(|run| run["calls"].as_array().map_or(0, Vec::len))
            .collect();
        assert_eq!(counts, [1, 2]);
        assert_eq!(files[1]["calls"][1]["path"], "/customer");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
