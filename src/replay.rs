//! Replay of recorded Tripletex traffic (`conformance --recorded DIR`): each request of a
//! recording (`api` → method → path → `{request, status, response}`) is sent to a fresh
//! in-process sandbox, and our answer is compared with the recorded one by status and by field
//! paths (`value.postalAddress.id`, `values[*].department`), not by value.
//!
//! Recorded ids name objects of the real test company. They are mapped, per file, in this order:
//! an id a replayed create answered with (the recorded create's id → ours), else an object of
//! the same resource from the sandbox's seed (distinct recorded ids get distinct seed objects).
//! A recorded `version` in a PUT body becomes the object's current version here. Within a file
//! creates go first, then updates, reads and deletes, so reads see what was created and deletes
//! come last.

use crate::conformance::{InProcess, send, wide_list_arguments};
use crate::domain::resource::{self, FieldKind, ResourceDef};
use crate::startup;
use crate::store::Store;
use actix_web::test::init_service;
use actix_web::web;
use base64::Engine;
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

/// One recorded request and the real answer to it.
#[derive(Debug, Clone)]
pub struct Pair {
    pub method: String,
    /// The recorded path, `/v2/customer/93640703`.
    pub path: String,
    pub params: Vec<(String, String)>,
    pub data: Option<Value>,
    pub status: u16,
    pub response: Value,
}

/// A recording file: its name and its pairs in replay order.
#[derive(Debug, Clone)]
pub struct Recording {
    pub file: String,
    pub pairs: Vec<Pair>,
}

/// What replaying one pair showed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub file: String,
    pub method: String,
    pub path: String,
    /// What was sent here, ids mapped.
    pub sent: String,
    pub real_status: u16,
    pub our_status: u16,
    /// Field paths the real answer had that ours lacks.
    pub missing: Vec<String>,
    /// Field paths ours has that the real answer lacked.
    pub added: Vec<String>,
    /// Why ids could not be mapped, or our error's message when the statuses differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Outcome {
    pub fn holds(&self) -> bool {
        self.real_status == self.our_status && self.missing.is_empty()
    }
}

/// Every pair of every file, and the files that could not be read.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    pub unreadable: Vec<String>,
}

impl Report {
    /// True when every status matched, no field was missing and every file could be read.
    pub fn holds(&self) -> bool {
        self.unreadable.is_empty() && self.outcomes.iter().all(Outcome::holds)
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        for problem in &self.unreadable {
            let _ = writeln!(out, "unreadable: {problem}");
        }
        for o in &self.outcomes {
            let verdict = if o.holds() { "ok" } else { "DIFFERS" };
            let _ = writeln!(
                out,
                "{verdict}: {} {} {} (sent {}): status real {}, ours {}",
                o.file,
                o.method.to_uppercase(),
                o.path,
                o.sent,
                o.real_status,
                o.our_status
            );
            if !o.missing.is_empty() {
                let _ = writeln!(out, "  missing: {}", o.missing.join(", "));
            }
            if !o.added.is_empty() {
                let _ = writeln!(out, "  added: {}", o.added.join(", "));
            }
            if let Some(note) = &o.note {
                let _ = writeln!(out, "  note: {note}");
            }
        }
        let failing = self.outcomes.iter().filter(|o| !o.holds()).count();
        let _ = writeln!(
            out,
            "{} recorded requests replayed: {}",
            self.outcomes.len(),
            if failing == 0 && self.unreadable.is_empty() {
                "every status and every recorded field matches".to_owned()
            } else {
                format!(
                    "{failing} differ in status or lack fields, {} files unreadable",
                    self.unreadable.len()
                )
            }
        );
        out
    }

    pub fn json(&self) -> Value {
        json!({
            "holds": self.holds(),
            "replayed": self.outcomes.len(),
            "differing": self.outcomes.iter().filter(|o| !o.holds()).count(),
            "unreadable": self.unreadable,
            "outcomes": self.outcomes,
        })
    }
}

/// Order of methods within a file: creates first, deletes last.
fn method_rank(method: &str) -> u8 {
    match method {
        "post" => 0,
        "put" => 1,
        "patch" => 2,
        "get" => 3,
        "delete" => 5,
        _ => 4,
    }
}

/// Parses one recording; the error names the JSON path that is wrong.
pub fn parse(file: &str, text: &str) -> Result<Recording, String> {
    let document: Value = serde_json::from_str(text).map_err(|e| format!("{file}: not JSON: {e}"))?;
    let api = document
        .get("api")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{file}: $.api: missing; a recording has api → method → path → entry"))?;
    let mut pairs = Vec::new();
    for (method, paths) in api {
        let paths = paths
            .as_object()
            .ok_or_else(|| format!("{file}: $.api.{method}: must be an object of paths"))?;
        for (path, entries) in paths {
            let entries: Vec<&Value> = match entries {
                Value::Array(list) => list.iter().collect(),
                one => vec![one],
            };
            for (index, entry) in entries.into_iter().enumerate() {
                let at = format!("{file}: $.api.{method}[\"{path}\"][{index}]");
                pairs.push(pair(method, path, entry).map_err(|e| format!("{at}: {e}"))?);
            }
        }
    }
    pairs.sort_by_key(|p| method_rank(&p.method));
    Ok(Recording {
        file: file.to_owned(),
        pairs,
    })
}

fn pair(method: &str, path: &str, entry: &Value) -> Result<Pair, String> {
    let status = entry
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .ok_or("status: missing or not a status code")?;
    if !path.starts_with("/v2/") {
        return Err(format!("the path {path:?} is not under /v2/"));
    }
    let request = entry.get("request").cloned().unwrap_or(Value::Null);
    let params = match request.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(params)) => params
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect(),
        Some(_) => return Err("request.params: must be an object".into()),
    };
    Ok(Pair {
        method: method.to_ascii_lowercase(),
        path: path.to_owned(),
        params,
        data: request.get("data").cloned(),
        status,
        response: entry.get("response").cloned().unwrap_or(Value::Null),
    })
}

/// Reads every `*.json` of a directory, in name order.
pub fn load_dir(dir: &Path) -> Result<(Vec<Recording>, Vec<String>), String> {
    let mut recordings = Vec::new();
    let mut unreadable = Vec::new();
    for (name, read) in read_json_files(dir)? {
        match read.and_then(|text| parse(&name, &text)) {
            Ok(recording) => recordings.push(recording),
            Err(problem) => unreadable.push(problem),
        }
    }
    Ok((recordings, unreadable))
}

/// A file's name and its text, or why it cannot be read.
pub type JsonFile = (String, Result<String, String>);

/// The `*.json` files of a directory in name order, each with its text or why it cannot be read.
pub fn read_json_files(dir: &Path) -> Result<Vec<JsonFile>, String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("{}: {e}; give a directory of recordings", dir.display()))?;
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no .json recordings in the directory", dir.display()));
    }
    Ok(files
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{name}: {e}"));
            (name, text)
        })
        .collect())
}

/// Every field path of a JSON value: object keys joined with `.`, array items as `[*]` (the
/// union over the items).
pub fn field_paths(value: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_paths(value, "", &mut out);
    out
}

fn collect_paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(path.clone());
                collect_paths(child, &path, out);
            }
        }
        Value::Array(items) => {
            let path = format!("{prefix}[*]");
            if items.iter().any(|i| i.is_object() || i.is_array()) {
                out.insert(path.clone());
            }
            for item in items {
                collect_paths(item, &path, out);
            }
        }
        _ => {}
    }
}

/// The resource path of a url or API path whose last numeric segment is an id
/// (`…/v2/ledger/account/291297359` → `ledger/account`).
fn resource_of_url(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("/v2/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    let (last, head) = segments.split_last()?;
    (last.parse::<i64>().is_ok() && !head.is_empty()).then(|| head.join("/"))
}

/// Recorded ids of one file mapped to ours.
#[derive(Default)]
struct Ids {
    mapped: HashMap<(String, i64), i64>,
    /// Seed objects per resource, and how many are already taken.
    seed: HashMap<String, (Vec<i64>, usize)>,
    notes: Vec<String>,
}

impl Ids {
    /// Maps the ids of a recorded create's answer to ours at the same places.
    fn learn(&mut self, real: &Value, ours: &Value) {
        match (real, ours) {
            (Value::Object(r), Value::Object(o)) => {
                if let (Some(rid), Some(oid), Some(url)) = (
                    r.get("id").and_then(Value::as_i64),
                    o.get("id").and_then(Value::as_i64),
                    r.get("url").and_then(Value::as_str),
                ) && let Some(resource) = resource_of_url(url)
                {
                    self.mapped.entry((resource, rid)).or_insert(oid);
                }
                for (key, child) in r {
                    if let Some(other) = o.get(key) {
                        self.learn(child, other);
                    }
                }
            }
            (Value::Array(r), Value::Array(o)) => {
                for (a, b) in r.iter().zip(o) {
                    self.learn(a, b);
                }
            }
            _ => {}
        }
    }

    fn get(&self, resource: &str, id: i64) -> Option<i64> {
        self.mapped.get(&(resource.to_owned(), id)).copied()
    }
}

/// Walks a body and collects the `(resource, id)` references it makes, by the resource table.
fn references(def: Option<&ResourceDef>, value: &Value, out: &mut Vec<(String, i64)>) {
    let (Some(def), Value::Object(object)) = (def, value) else {
        return;
    };
    for (name, child) in object {
        let Some(field) = def.fields.get(name) else { continue };
        let target = field.resource.as_deref();
        match (field.kind, child, target) {
            (FieldKind::Ref, Value::Object(o), Some(target)) => {
                if let Some(id) = o.get("id").and_then(Value::as_i64) {
                    out.push((target.to_owned(), id));
                }
            }
            (FieldKind::Array, Value::Array(items), Some(target)) => {
                for id in items.iter().filter_map(|i| i.get("id").and_then(Value::as_i64)) {
                    out.push((target.to_owned(), id));
                }
            }
            (FieldKind::Lines, Value::Array(items), Some(target)) => {
                for item in items {
                    references(resource::find(target), item, out);
                }
            }
            _ => {}
        }
    }
}

/// The body with its references, `id` and `version` replaced by ours.
fn substitute(def: Option<&ResourceDef>, value: &Value, ids: &Ids) -> Value {
    let (Some(def), Value::Object(object)) = (def, value) else {
        return value.clone();
    };
    let mut out = Map::with_capacity(object.len());
    for (name, child) in object {
        let field = def.fields.get(name);
        let target = field.and_then(|f| f.resource.as_deref());
        let replaced = match (field.map(|f| f.kind), child, target) {
            (Some(FieldKind::Ref), Value::Object(o), Some(target)) => {
                let mut o = o.clone();
                if let Some(id) = o.get("id").and_then(Value::as_i64).and_then(|id| ids.get(target, id)) {
                    o.insert("id".into(), json!(id));
                }
                Value::Object(o)
            }
            (Some(FieldKind::Array), Value::Array(items), Some(target)) => Value::Array(
                items
                    .iter()
                    .map(|item| match item.get("id").and_then(Value::as_i64) {
                        Some(id) => json!({"id": ids.get(target, id).unwrap_or(id)}),
                        None => item.clone(),
                    })
                    .collect(),
            ),
            (Some(FieldKind::Lines), Value::Array(items), Some(target)) => Value::Array(
                items
                    .iter()
                    .map(|item| substitute(resource::find(target), item, ids))
                    .collect(),
            ),
            _ => child.clone(),
        };
        out.insert(name.clone(), replaced);
    }
    Value::Object(out)
}

/// Replays every recording, each on a sandbox of its own, and compares the answers.
pub async fn run(recordings: &[Recording]) -> Result<Report, String> {
    let app = in_process_app().await?;
    let mut report = Report::default();

    for recording in recordings {
        let session = open_session(&app).await?;
        let mut ids = Ids::default();
        for pair in &recording.pairs {
            let outcome = replay_pair(&app, &session, &mut ids, &recording.file, pair).await;
            report.outcomes.push(outcome);
        }
        close_session(&app, &session).await;
    }
    Ok(report)
}

/// The emulator in process, serving the default scenario, for replays to make sandboxes in.
pub(crate) async fn in_process_app() -> Result<
    impl actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
    >,
    String,
> {
    let scenario = crate::scenario::resolve(crate::scenario::DEFAULT_SCENARIO).map_err(|e| e.to_string())?;
    let store = Store::open_in_memory().map_err(|e| e.to_string())?;
    let (sandbox, _) = crate::sandbox::Sandbox::open(store, &scenario, Some(1)).map_err(|e| e.to_string())?;
    let registry = crate::sandbox::registry::Registry::new(web::Data::new(sandbox), Some(1));
    Ok(init_service(startup::app(web::Data::new(registry))).await)
}

/// A fresh sandbox of the default scenario and a session of its company's own key.
pub(crate) struct Session {
    /// The sandbox's id.
    pub id: String,
    /// `/sb/{id}`
    pub base: String,
    /// The `Authorization` header of the session.
    pub auth: String,
}

/// Makes a fresh sandbox and opens a session in it, as the scenario's first company key.
pub(crate) async fn open_session<S: InProcess<B>, B: actix_web::body::MessageBody>(app: &S) -> Result<Session, String> {
    let (status, made) = send(app, "post", "/_sandbox/sandboxes", None, None).await;
    let id = made["value"]["id"].as_str().unwrap_or_default().to_owned();
    if status != 201 || id.is_empty() {
        return Err(format!("cannot make a sandbox to replay in: {status} {made}"));
    }
    let base = format!("/sb/{id}");
    let own = made["value"]["credentials"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["accountantKey"] == false && c["consumerToken"].is_string())
        .ok_or("the default scenario has no key of a company's own to replay with")?;
    let mint = format!(
        "{base}/v2/token/session/:create?consumerToken={}&employeeToken={}&expirationDate=2099-12-31",
        own["consumerToken"].as_str().unwrap_or_default(),
        own["employeeToken"].as_str().unwrap_or_default()
    );
    let (_, minted) = send(app, "put", &mint, None, None).await;
    let token = minted["value"]["token"].as_str().unwrap_or_default();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("0:{token}"))
    );
    Ok(Session { id, base, auth })
}

/// Deletes the sandbox a session was opened in.
pub(crate) async fn close_session<S: InProcess<B>, B: actix_web::body::MessageBody>(app: &S, session: &Session) {
    send(
        app,
        "delete",
        &format!("/_sandbox/sandboxes/{}", session.id),
        None,
        None,
    )
    .await;
}

/// The current `version` of the object an API path (`/v2/customer/7`) names, if it has one.
pub(crate) async fn current_version<S: InProcess<B>, B: actix_web::body::MessageBody>(
    app: &S,
    session: &Session,
    path: &str,
) -> Option<i64> {
    let uri = format!("{}{path}?fields=version", session.base);
    uri.parse::<actix_web::http::Uri>().ok()?;
    let (_, current) = send(app, "get", &uri, Some(&session.auth), None).await;
    current["value"]["version"].as_i64()
}

/// The resource a numeric path segment belongs to: the segments before it.
fn path_ids(path: &str) -> Vec<(usize, String, i64)> {
    let segments: Vec<&str> = path.trim_start_matches("/v2/").split('/').collect();
    segments
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let id = s.parse::<i64>().ok()?;
            let head: Vec<&str> = segments[..i]
                .iter()
                .copied()
                .filter(|s| s.parse::<i64>().is_err())
                .collect();
            (!head.is_empty()).then(|| (i, head.join("/"), id))
        })
        .collect()
}

/// The resource of the collection a path addresses (`/v2/contact/list` → `contact`).
fn collection_of(path: &str) -> String {
    let segments: Vec<&str> = path
        .trim_start_matches("/v2/")
        .split('/')
        .take_while(|s| s.parse::<i64>().is_err() && !s.starts_with(':') && *s != "list")
        .collect();
    segments.join("/")
}

/// The resource an id argument names: `id`/`ids` the request's own, `customerId` a customer.
fn id_argument_target(name: &str, collection: &str) -> Option<String> {
    if name == "id" || name == "ids" {
        return Some(collection.to_owned());
    }
    name.strip_suffix("Id")
        .filter(|r| resource::find(r).is_some())
        .map(str::to_owned)
}

/// Every recorded id a request names: in its path, its id arguments and its body.
fn recorded_ids(pair: &Pair, collection: &str, def: Option<&ResourceDef>) -> Vec<(String, i64)> {
    let mut wanted: Vec<(String, i64)> = path_ids(&pair.path).into_iter().map(|(_, r, id)| (r, id)).collect();
    for (name, value) in &pair.params {
        if let Some(target) = id_argument_target(name, collection) {
            let listed = value.split(',').filter_map(|v| v.trim().parse().ok());
            wanted.extend(listed.map(|id| (target.clone(), id)));
        }
    }
    if let Some(data) = &pair.data {
        references(def, data, &mut wanted);
    }
    wanted
}

/// The recorded path and query arguments with our ids.
fn mapped_target(pair: &Pair, collection: &str, ids: &Ids) -> (String, Vec<(String, String)>) {
    let mut path = pair.path.clone();
    for (_, target, id) in path_ids(&pair.path).into_iter().rev() {
        if let Some(ours) = ids.get(&target, id) {
            path = path.replacen(&format!("/{id}"), &format!("/{ours}"), 1);
        }
    }
    let params = pair
        .params
        .iter()
        .map(|(name, value)| {
            let mapped = match id_argument_target(name, collection) {
                Some(target) => value
                    .split(',')
                    .map(
                        |v| match v.trim().parse::<i64>().ok().and_then(|id| ids.get(&target, id)) {
                            Some(ours) => ours.to_string(),
                            None => v.to_owned(),
                        },
                    )
                    .collect::<Vec<_>>()
                    .join(","),
                None => value.clone(),
            };
            (name.clone(), mapped)
        })
        .collect();
    (path, params)
}

async fn replay_pair<S: InProcess<B>, B: actix_web::body::MessageBody>(
    app: &S,
    session: &Session,
    ids: &mut Ids,
    file: &str,
    pair: &Pair,
) -> Outcome {
    let collection = collection_of(&pair.path);
    let def = resource::find(&collection);
    for (target, id) in recorded_ids(pair, &collection, def) {
        if ids.get(&target, id).is_none() {
            resolve_from_seed(app, session, ids, &target, id).await;
        }
    }
    let (path, params) = mapped_target(pair, &collection, ids);
    let mut body = pair.data.as_ref().map(|d| substitute(def, d, ids));
    if let Some(Value::Object(object)) = body.as_mut() {
        let own = path_ids(&path).last().map(|(_, _, id)| *id);
        if let (Some(Value::Number(_)), Some(own)) = (object.get("id"), own) {
            object.insert("id".into(), json!(own));
        }
        if object.contains_key("version")
            && let Some(version) = current_version(app, session, &path).await
        {
            object.insert("version".into(), json!(version));
        }
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let sent = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{query}")
    };
    let uri = format!("{}{sent}", session.base);
    let mut notes: Vec<String> = std::mem::take(&mut ids.notes);
    if uri.parse::<actix_web::http::Uri>().is_err() {
        // The test request builder would panic on it; report it instead.
        notes.push("the recorded path is not a valid URI (percent-encode it), so nothing was sent".into());
        return compare(file, pair, sent, 0, &Value::Null, notes);
    }
    let (status, ours) = send(app, &pair.method, &uri, Some(&session.auth), body.as_ref()).await;
    if pair.method == "post" && status < 300 {
        ids.learn(&pair.response["value"], &ours["value"]);
    }
    if status != pair.status && status >= 400 {
        let message = ours["developerMessage"].as_str().unwrap_or_default();
        notes.push(format!("ours: {} {message}", ours["code"]));
    }
    compare(file, pair, sent, status, &ours, notes)
}

/// The outcome of one pair: statuses and the field paths either side lacks.
fn compare(file: &str, pair: &Pair, sent: String, status: u16, ours: &Value, mut notes: Vec<String>) -> Outcome {
    let real_paths = field_paths(&pair.response);
    let our_paths = field_paths(ours);
    if let (Some(real), Some(mine)) = (pair.response["values"].as_array(), ours["values"].as_array())
        && real.len() != mine.len()
    {
        notes.push(format!("the real list held {}, ours {}", real.len(), mine.len()));
    }
    Outcome {
        file: file.to_owned(),
        method: pair.method.clone(),
        path: pair.path.clone(),
        sent,
        real_status: pair.status,
        our_status: status,
        missing: real_paths.difference(&our_paths).cloned().collect(),
        added: our_paths.difference(&real_paths).cloned().collect(),
        note: (!notes.is_empty()).then(|| notes.join("; ")),
    }
}

/// Maps a recorded id to the next unused object of its resource in the sandbox's seed.
async fn resolve_from_seed<S: InProcess<B>, B: actix_web::body::MessageBody>(
    app: &S,
    session: &Session,
    ids: &mut Ids,
    target: &str,
    id: i64,
) {
    if !ids.seed.contains_key(target) {
        let range: String = resource::find(target)
            .map(wide_list_arguments)
            .unwrap_or_default()
            .into_iter()
            .map(|(name, date)| format!("&{name}={date}"))
            .collect();
        let uri = format!("{}/v2/{target}?count=1000&fields=id{range}", session.base);
        let listed = match uri.parse::<actix_web::http::Uri>() {
            Ok(_) => send(app, "get", &uri, Some(&session.auth), None).await.1,
            Err(_) => Value::Null,
        };
        let found = listed["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["id"].as_i64())
            .collect();
        ids.seed.insert(target.to_owned(), (found, 0));
    }
    let Some((found, taken)) = ids.seed.get_mut(target) else {
        return;
    };
    match found.get(*taken) {
        Some(ours) => {
            let ours = *ours;
            *taken += 1;
            ids.mapped.insert((target.to_owned(), id), ours);
        }
        None => ids.notes.push(format!(
            "no {target} {id}: the file creates none and the seed has no unused one, so the recorded id was sent"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_name_nested_fields_and_list_items() {
        let paths = field_paths(&json!({"values": [{"id": 1, "department": {"id": 2}}, {"name": "x"}], "count": 2}));
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "count",
                "values",
                "values[*]",
                "values[*].department",
                "values[*].department.id",
                "values[*].id",
                "values[*].name"
            ]
        );
    }

    #[test]
    fn ids_in_paths_belong_to_the_segments_before_them() {
        assert_eq!(
            path_ids("/v2/ledger/voucher/44"),
            [(2, "ledger/voucher".to_owned(), 44)]
        );
        assert_eq!(path_ids("/v2/order/7/:invoice"), [(1, "order".to_owned(), 7)]);
        assert_eq!(collection_of("/v2/contact/list"), "contact");
        assert_eq!(
            resource_of_url("host/v2/ledger/account/291297359").as_deref(),
            Some("ledger/account")
        );
        assert_eq!(resource_of_url("host/v2/customer"), None);
    }

    #[test]
    fn a_recording_parses_into_pairs_creates_first() {
        let recording = parse(
            "x.json",
            r#"{"api": {"get": {"/v2/customer/5": {"status": 200, "response": {"value": {"id": 5}}, "request": {}}},
                        "post": {"/v2/customer": {"status": 201, "response": {"value": {"id": 5}}, "request": {"data": {"name": "A"}}}}}}"#,
        )
        .unwrap();
        let methods: Vec<&str> = recording.pairs.iter().map(|p| p.method.as_str()).collect();
        assert_eq!(methods, ["post", "get"]);
        assert!(
            parse("y.json", r#"{"api": {"get": {"/v2/x": {"response": {}}}}}"#)
                .unwrap_err()
                .contains("status")
        );
        assert!(parse("z.json", "{}").unwrap_err().contains("$.api"));
    }

    #[test]
    fn a_create_teaches_the_ids_at_the_same_places() {
        let mut ids = Ids::default();
        ids.learn(
            &json!({"id": 9, "url": "h/v2/order/9", "orderLines": [{"id": 3, "url": "h/v2/order/orderline/3"}]}),
            &json!({"id": 1, "url": "x/v2/order/1", "orderLines": [{"id": 2, "url": "x/v2/order/orderline/2"}]}),
        );
        assert_eq!(ids.get("order", 9), Some(1));
        assert_eq!(ids.get("order/orderline", 3), Some(2));
        let def = resource::find("invoice");
        let body = substitute(def, &json!({"orders": [{"id": 9}], "invoiceDate": "2026-01-01"}), &ids);
        assert_eq!(body["orders"], json!([{"id": 1}]));
    }
}
