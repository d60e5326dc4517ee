//! `scenarios run FILE…`: a scenario's `expect` list executed against an in-process emulator
//! holding that scenario, with one pass/fail line per expectation. The same requests the test
//! suite sends for the embedded scenarios, for users' own scenario files.

use crate::sandbox::Sandbox;
use crate::sandbox::registry::Registry;
use crate::scenario::format::{Expectation, ExpectedRequest, ExpirationChoice, SessionChoice, TokenChoice};
use crate::scenario::{self, Scenario};
use crate::startup;
use crate::store::Store;
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::web;
use base64::Engine;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A date far enough ahead that a session minted for it is alive.
const FUTURE: &str = "2099-12-31";

/// One reply: status and JSON body (Null when empty or not JSON).
struct Reply {
    status: u16,
    body: Value,
}

/// Runs every file's expectations; returns the report and whether all of them held.
pub async fn run(files: &[impl AsRef<std::path::Path>]) -> (String, bool) {
    let mut out = String::new();
    let mut all_held = true;
    for file in files {
        let shown = file.as_ref().display().to_string();
        let loaded = std::fs::read_to_string(file.as_ref())
            .map_err(|err| format!("{shown}: $: cannot read the file ({err}); check the path"))
            .and_then(|text| scenario::parse(&shown, &text).map_err(|e| e.to_string()));
        let scenario = match loaded {
            Ok(scenario) => scenario,
            Err(report) => {
                all_held = false;
                let _ = writeln!(out, "{report}");
                continue;
            }
        };
        match run_one(&shown, &scenario, &mut out).await {
            Ok(held) => all_held &= held,
            Err(message) => {
                all_held = false;
                let _ = writeln!(out, "{shown}: cannot run: {message}");
            }
        }
    }
    (out, all_held)
}

/// What a run of one scenario's expectations has seen: the values saved by name, the calls sent
/// and how many of them were answered 4xx (how integrations and agents are measured).
#[derive(Default)]
struct Run {
    saved: BTreeMap<String, Value>,
    calls: usize,
    refused: usize,
}

async fn run_one(shown: &str, scenario: &Scenario, out: &mut String) -> Result<bool, String> {
    let store = Store::open_in_memory().map_err(|e| e.to_string())?;
    let (sandbox, _) = Sandbox::open(store, scenario, None).map_err(|e| e.to_string())?;
    let registry = Registry::new(web::Data::new(sandbox), None);
    let app = init_service(startup::app(web::Data::new(registry))).await;
    let send = |request: TestRequest| {
        let app = &app;
        async move {
            let response = call_service(app, request.to_request()).await;
            let status = response.status().as_u16();
            let bytes = read_body(response).await;
            Reply {
                status,
                body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            }
        }
    };
    if scenario.file.expect.is_empty() {
        let _ = writeln!(
            out,
            "{shown}: no expectations (add an \"expect\" list to check the API's answers)"
        );
        return Ok(true);
    }
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Oslo").map_err(|e| e.to_string())?)
        .date()
        .to_string();
    let mut run = Run::default();
    let mut held = 0;
    for (index, expectation) in scenario.file.expect.iter().enumerate() {
        // Tokens are read from the live world each time: an earlier expectation may have
        // regenerated a key.
        let state = send(TestRequest::get().uri("/_sandbox/state")).await.body;
        let reply = match &expectation.request {
            call @ ExpectedRequest::Call { .. } => {
                let reply = session_call(&send, call, (&state, &today, &run.saved), index).await?;
                run.calls += 1;
                run.refused += usize::from((400..500).contains(&reply.status));
                reply
            }
            other => send(prepared(other, &state, &today, &run.saved)?).await,
        };
        let wrong = verdict(expectation, &reply, &run.saved);
        keep_saved(expectation, &reply.body, &mut run.saved);
        if wrong.is_empty() {
            held += 1;
            let _ = writeln!(out, "{shown}: expect[{index}] pass: {}", expectation.description);
        } else {
            let _ = writeln!(
                out,
                "{shown}: expect[{index}] FAIL: {}: {}\n    answered {}: {}",
                expectation.description,
                wrong.join("; "),
                reply.status,
                answer_excerpt(&reply.body)
            );
        }
    }
    let total = scenario.file.expect.len();
    let _ = writeln!(
        out,
        "{shown}: {held} of {total} expectations hold; {} API calls, {} answered 4xx",
        run.calls, run.refused
    );
    Ok(held == total)
}

/// The start of an answer, enough to see why an expectation failed without a wall of JSON.
fn answer_excerpt(body: &Value) -> String {
    let text = body.to_string();
    match text.char_indices().nth(600) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

/// The one request a mint or a control-plane expectation sends.
fn prepared(
    expected: &ExpectedRequest,
    state: &Value,
    today: &str,
    saved: &BTreeMap<String, Value>,
) -> Result<TestRequest, String> {
    match expected {
        ExpectedRequest::Mint {
            key,
            consumer,
            token,
            expiration,
        } => {
            let date = if *expiration == ExpirationChoice::Today {
                today
            } else {
                FUTURE
            };
            mint(state, *key, *consumer, *token, date)
        }
        ExpectedRequest::Control {
            method,
            path,
            actor,
            body,
        } => {
            let mut call = request(method, &filled_in(path, saved))?;
            if let Some(actor) = actor {
                call = call.insert_header(("X-Sandbox-Actor", actor.to_string()));
            }
            if let Some(body) = body {
                call = call.set_json(filled_in_json(body, saved));
            }
            Ok(call)
        }
        ExpectedRequest::Call { .. } => Err("a /v2 call needs its session first".into()),
    }
}

/// A `/v2` call of an expectation: a session of the key minted (and deleted first when the
/// expectation wants a dead one), then the call with saved values filled into path and body.
async fn session_call<F, R>(
    send: &F,
    request_of: &ExpectedRequest,
    (state, today, saved): (&Value, &str, &BTreeMap<String, Value>),
    index: usize,
) -> Result<Reply, String>
where
    F: Fn(TestRequest) -> R,
    R: std::future::Future<Output = Reply>,
{
    let ExpectedRequest::Call {
        key,
        company,
        method,
        path,
        session,
        body,
        file,
    } = request_of
    else {
        return Err("not a /v2 call".into());
    };
    let date = if *session == SessionChoice::Expired {
        today
    } else {
        FUTURE
    };
    let minted = send(mint(state, *key, None, TokenChoice::Current, date)?).await;
    let Some(token) = minted.body["value"]["token"].as_str().map(str::to_owned) else {
        return Err(format!(
            "expect[{index}]: minting a session for key {key} answered {}",
            minted.status
        ));
    };
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{company}:{token}"))
    );
    if *session == SessionChoice::Deleted {
        let deleted = send(
            TestRequest::delete()
                .uri(&format!("/v2/token/session/{token}"))
                .insert_header(("Authorization", auth.clone())),
        )
        .await;
        if deleted.status != 204 {
            return Err(format!(
                "expect[{index}]: deleting the session answered {}",
                deleted.status
            ));
        }
    }
    let mut call = request(method, &filled_in(path, saved))?.insert_header(("Authorization", auth));
    if let Some(body) = body {
        call = call.set_json(filled_in_json(body, saved));
    }
    if let Some(file) = file {
        let (content_type, bytes) = file.multipart();
        call = call.insert_header(("Content-Type", content_type)).set_payload(bytes);
    }
    Ok(send(call).await)
}

/// What is wrong with `reply` for `expectation`: status, error code, rule and fields.
fn verdict(expectation: &Expectation, reply: &Reply, saved: &BTreeMap<String, Value>) -> Vec<String> {
    let mut wrong = Vec::new();
    if reply.status != expectation.status {
        wrong.push(format!("status {} (expected {})", reply.status, expectation.status));
    }
    if let Some(code) = expectation.code
        && reply.body["code"].as_u64() != Some(u64::from(code))
    {
        wrong.push(format!("code {} (expected {code})", reply.body["code"]));
    }
    if let Some(rule) = &expectation.rule {
        let message = reply.body["developerMessage"].as_str().unwrap_or_default();
        if !message.contains(&format!("(rule: {rule})")) {
            wrong.push(format!("rule not named (expected {rule}): {message}"));
        }
    }
    wrong.extend(fields_wrong(expectation, &reply.body, saved));
    wrong
}

/// The `fields` of an expectation that `body` does not hold, each said as `path is X (expected Y)`.
pub fn fields_wrong(expectation: &Expectation, body: &Value, saved: &BTreeMap<String, Value>) -> Vec<String> {
    let mut wrong = Vec::new();
    for (path, wanted) in &expectation.fields {
        let wanted = filled_in_json(wanted, saved);
        let found = at_path(body, path);
        if !found.is_some_and(|found| same_value(found, &wanted)) {
            wrong.push(format!(
                "{path} is {} (expected {wanted})",
                found.unwrap_or(&Value::Null)
            ));
        }
    }
    wrong
}

/// Keeps the values an expectation's `save` names from its answer `body`.
pub fn keep_saved(expectation: &Expectation, body: &Value, saved: &mut BTreeMap<String, Value>) {
    for (name, path) in &expectation.save {
        saved.insert(name.clone(), at_path(body, path).cloned().unwrap_or(Value::Null));
    }
}

/// The value at a dotted path (`value.postings.0.amount`) of a JSON body.
fn at_path<'v>(body: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.')
        .filter(|p| !p.is_empty())
        .try_fold(body, |at, part| match at {
            Value::Array(items) => items.get(part.parse::<usize>().ok()?),
            Value::Object(fields) => fields.get(part),
            _ => None,
        })
}

/// Equal as JSON, numbers within half an øre (an amount is 250 or 250.0 alike).
fn same_value(found: &Value, wanted: &Value) -> bool {
    match (found.as_f64(), wanted.as_f64()) {
        (Some(a), Some(b)) => (a - b).abs() < 0.005,
        _ => found == wanted,
    }
}

/// `text` with each `{name}` of a saved value replaced by it.
pub fn filled_in(text: &str, saved: &BTreeMap<String, Value>) -> String {
    saved.iter().fold(text.to_owned(), |text, (name, value)| {
        let shown = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
        text.replace(&format!("{{{name}}}"), &shown)
    })
}

/// A JSON body with saved values filled in: a string that is only `{name}` becomes the saved
/// value itself (a number stays a number), other strings have names replaced in their text.
pub fn filled_in_json(value: &Value, saved: &BTreeMap<String, Value>) -> Value {
    match value {
        Value::String(text) => {
            let whole = text.strip_prefix('{').and_then(|t| t.strip_suffix('}'));
            match whole.and_then(|name| saved.get(name)) {
                Some(found) => found.clone(),
                None => Value::String(filled_in(text, saved)),
            }
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| filled_in_json(v, saved)).collect()),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), filled_in_json(v, saved)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn request(method: &str, path: &str) -> Result<TestRequest, String> {
    let method = actix_web::http::Method::from_bytes(method.as_bytes())
        .map_err(|_| format!("{method:?} is not an HTTP method"))?;
    Ok(TestRequest::default().method(method).uri(path))
}

/// `PUT /v2/token/session/:create` for a key, with its integration's consumer token.
fn mint(
    state: &Value,
    key: i64,
    consumer: Option<i64>,
    choice: TokenChoice,
    date: &str,
) -> Result<TestRequest, String> {
    let query = session_query(state, key, consumer, choice, date)?;
    Ok(TestRequest::put().uri(&format!("/v2/token/session/:create?{query}")))
}

/// The query of a session create for key `key` in a world as `GET /_sandbox/state` exports it:
/// its current or last retired token, and the consumer token of the integration named by
/// `consumer`, else of the key's own, else of the one named like its custom setup.
pub fn session_query(
    state: &Value,
    key: i64,
    consumer: Option<i64>,
    choice: TokenChoice,
    date: &str,
) -> Result<String, String> {
    let keys = state["world"]["keys"].as_array().ok_or("the world has no keys")?;
    let found = keys
        .iter()
        .find(|k| k["id"] == key)
        .ok_or_else(|| format!("no key {key}"))?;
    let employee = match choice {
        TokenChoice::Current => &found["token"],
        TokenChoice::Retired => found["retiredTokens"]
            .as_array()
            .and_then(|t| t.last())
            .map_or(&Value::Null, |t| &t["token"]),
    }
    .as_str()
    .ok_or_else(|| format!("key {key} has no such token"))?;
    let integrations = state["world"]["integrations"]
        .as_array()
        .ok_or("the world has no integrations")?;
    let wanted = consumer
        .map(Value::from)
        .or_else(|| Some(found["integrationId"].clone()).filter(|v| !v.is_null()));
    let integration = match wanted {
        Some(id) => integrations.iter().find(|i| i["id"] == id),
        None => integrations
            .iter()
            .find(|i| i["applicationName"] == found["custom"]["applicationName"]),
    }
    .or_else(|| integrations.first())
    .ok_or("the world has no integrations")?;
    let consumer = integration["consumerToken"].as_str().unwrap_or_default();
    serde_urlencoded::to_string([
        ("consumerToken", consumer),
        ("employeeToken", employee),
        ("expirationDate", date),
    ])
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_dotted_path_walks_objects_and_lists() {
        let body = json!({"values": [{"account": {"number": 1920}}]});
        assert_eq!(at_path(&body, "values.0.account.number"), Some(&json!(1920)));
        assert_eq!(at_path(&body, "values.1.account"), None);
        assert_eq!(at_path(&body, "values.x"), None);
    }

    #[test]
    fn saved_values_fill_paths_and_bodies_keeping_numbers_numbers() {
        let saved = BTreeMap::from([("order".to_owned(), json!(42)), ("name".to_owned(), json!("Ola"))]);
        assert_eq!(filled_in("/v2/order/{order}/:invoice", &saved), "/v2/order/42/:invoice");
        let body = json!({"order": {"id": "{order}"}, "text": "til {name}", "list": ["{name}"]});
        assert_eq!(
            filled_in_json(&body, &saved),
            json!({"order": {"id": 42}, "text": "til Ola", "list": ["Ola"]})
        );
    }

    #[test]
    fn numbers_compare_to_the_ore_and_other_values_exactly() {
        assert!(same_value(&json!(250.0), &json!(250)));
        assert!(!same_value(&json!(250.01), &json!(250)));
        assert!(same_value(&json!(true), &json!(true)));
        assert!(!same_value(&json!("1"), &json!(1)));
    }
}
