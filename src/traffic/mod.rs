//! Replay of real traffic recorded as runs, the second format `conformance --recorded DIR`
//! reads (`{"run", "calls": [{method, path, query_params, request_body, status,
//! response_body}]}`, answers cut at 500 characters): each run, in its recorded order, on a
//! fresh in-process sandbox, with the real ids mapped to ours (`ids`), and a report of status
//! and field agreement per operation (`report`).
//!
//! The real company lived on between runs; ours starts fresh for each. So a call whose real
//! answer rests on what earlier runs left (a 422 "already in use", an id no answer of the run
//! gave, a list holding older objects) is counted apart as depending on earlier state.

mod ids;
mod prefix;
mod report;

pub use report::{CallOutcome, Operation, Report};

use crate::conformance::{InProcess, send};
use crate::replay::{self, Recording, Session, close_session, current_version, open_session};
use ids::IdMap;
use serde_json::{Value, json};
use std::path::Path;

/// One recorded call and the real answer to it.
#[derive(Debug, Clone)]
pub struct Call {
    /// Lower case, as `send` takes it.
    pub method: String,
    /// The API path, `/v2/customer/108265272`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    pub status: u16,
    /// The real answer's text, perhaps cut short.
    pub response: String,
}

/// One recorded run: its calls in order, without those a proxy refused (they never reached
/// Tripletex) and those signing in or out with tokens redacted when recorded (the replay opens
/// its own session).
#[derive(Debug, Clone)]
pub struct Run {
    pub file: String,
    pub name: String,
    pub calls: Vec<Call>,
    pub skipped: usize,
}

/// What a directory of recordings holds, of either format.
#[derive(Debug, Default)]
pub struct Loaded {
    pub recordings: Vec<Recording>,
    pub runs: Vec<Run>,
    pub unreadable: Vec<String>,
}

/// Reads every `*.json` of a directory, each in the format it is written in.
pub fn load_dir(dir: &Path) -> Result<Loaded, String> {
    let mut loaded = Loaded::default();
    for (name, read) in replay::read_json_files(dir)? {
        let parsed = read.and_then(|text| {
            let document: Value = serde_json::from_str(&text).map_err(|e| format!("{name}: not JSON: {e}"))?;
            Ok((text, document))
        });
        match parsed {
            Ok((_, document)) if is_run(&document) => match parse(&name, &document) {
                Ok(run) => loaded.runs.push(run),
                Err(problem) => loaded.unreadable.push(problem),
            },
            Ok((text, _)) => match replay::parse(&name, &text) {
                Ok(recording) => loaded.recordings.push(recording),
                Err(problem) => loaded.unreadable.push(problem),
            },
            Err(problem) => loaded.unreadable.push(problem),
        }
    }
    Ok(loaded)
}

/// A recorded answer's text as JSON, or as much of its head as was recorded.
pub fn parse_answer(text: &str) -> Option<Value> {
    prefix::parse(text)
}

/// True for a document of the run format: it has a list of `calls`.
pub fn is_run(document: &Value) -> bool {
    document.get("calls").is_some_and(Value::is_array)
}

/// Parses one run; the error names the call and the field that is wrong.
pub fn parse(file: &str, document: &Value) -> Result<Run, String> {
    let name = document["run"].as_str().unwrap_or(file).to_owned();
    let mut run = Run {
        file: file.to_owned(),
        name,
        calls: Vec::new(),
        skipped: 0,
    };
    for (index, entry) in document["calls"].as_array().into_iter().flatten().enumerate() {
        let call = call(entry).map_err(|e| format!("{file}: $.calls[{index}]: {e}"))?;
        if call.response.contains("\"source\":\"nmiai-proxy\"") || holds_redacted_secret(&call) {
            run.skipped += 1;
        } else {
            run.calls.push(call);
        }
    }
    Ok(run)
}

/// A call whose path or query held a token that the recorder redacted (`:create`, a logout) can
/// only be sent as recorded, and then it is refused: it is not replayed.
fn holds_redacted_secret(call: &Call) -> bool {
    use crate::sandbox::journal::redact::REDACTED;
    call.path.contains(REDACTED) || call.query.iter().any(|(_, value)| value == REDACTED)
}

fn call(entry: &Value) -> Result<Call, String> {
    let method = entry["method"].as_str().ok_or("method: missing")?.to_ascii_lowercase();
    let path = entry["path"].as_str().ok_or("path: missing")?;
    let status = entry["status"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .ok_or("status: missing or not a status code")?;
    let query = match &entry["query_params"] {
        Value::Null => Vec::new(),
        Value::Object(params) => params
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect(),
        _ => return Err("query_params: must be an object".into()),
    };
    let response = match &entry["response_body"] {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let path = if path.starts_with("/v2/") {
        path.to_owned()
    } else {
        format!("/v2{path}")
    };
    Ok(Call {
        method,
        path,
        query,
        body: entry.get("request_body").filter(|b| !b.is_null()).cloned(),
        status,
        response,
    })
}

/// Replays every run, in order, each on a fresh sandbox of the default scenario.
pub async fn run(runs: &[Run]) -> Result<Report, String> {
    let app = replay::in_process_app().await?;
    let mut report = Report::default();
    for run in runs {
        let session = open_session(&app).await?;
        let mut ids = IdMap::default();
        for (index, call) in run.calls.iter().enumerate() {
            let outcome = replay_call(&app, &session, &mut ids, call, index).await;
            report.calls.push(outcome.named(&run.name, index));
        }
        report.skipped += run.skipped;
        report.runs += 1;
        close_session(&app, &session).await;
    }
    Ok(report)
}

/// Sends one call with our ids, learns the ids of its answer and compares it with the real one.
async fn replay_call<S: InProcess<B>, B: actix_web::body::MessageBody>(
    app: &S,
    session: &Session,
    ids: &mut IdMap,
    call: &Call,
    index: usize,
) -> CallOutcome {
    let mut unknown = Vec::new();
    let path = ids.path(&call.path, &mut unknown);
    let query = ids.query(&call.query, &mut unknown);
    let mut body = call.body.as_ref().map(|b| ids.body(b, &mut unknown));
    if let Some(Value::Object(object)) = body.as_mut()
        && object.contains_key("version")
        && let Some(version) = current_version(app, session, &path).await
    {
        object.insert("version".into(), json!(version));
    }
    let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
    let sent = if encoded.is_empty() {
        path
    } else {
        format!("{path}?{encoded}")
    };
    let uri = format!("{}{sent}", session.base);
    let real = prefix::parse(&call.response);
    let (status, ours) = if uri.parse::<actix_web::http::Uri>().is_ok() {
        send(app, &call.method, &uri, Some(&session.auth), body.as_ref()).await
    } else {
        // The test request builder would panic on it; the outcome says so instead.
        (0, Value::Null)
    };
    let depends = report::dependence(call, real.as_ref(), status, &ours, &unknown, ids);
    if let Some(real) = &real {
        if status < 300 && call.status < 300 {
            ids.learn(real, &ours);
        }
        let by = ids::Seen {
            path: call.path.clone(),
            index,
            depends: depends.is_some(),
        };
        ids.saw(&by, real);
    }
    CallOutcome::compare(call, sent, status, &ours, real.as_ref(), depends)
}
