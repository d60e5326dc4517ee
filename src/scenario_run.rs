//! `scenarios run FILE…`: a scenario's `expect` list executed against an in-process emulator
//! holding that scenario, with one pass/fail line per expectation. The same requests the test
//! suite sends for the embedded scenarios, for users' own scenario files.

use crate::sandbox::Sandbox;
use crate::sandbox::registry::Registry;
use crate::scenario::format::{ExpectedRequest, ExpirationChoice, SessionChoice, TokenChoice};
use crate::scenario::{self, Scenario};
use crate::startup;
use crate::store::Store;
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::web;
use base64::Engine;
use serde_json::Value;
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

async fn run_one(shown: &str, scenario: &Scenario, out: &mut String) -> Result<bool, String> {
    let store = Store::open_in_memory().map_err(|e| e.to_string())?;
    let (sandbox, _) = Sandbox::open(store, scenario, None).map_err(|e| e.to_string())?;
    let registry = Registry::new(web::Data::new(sandbox), None);
    let app = init_service(startup::app(web::Data::new(registry))).await;
    let send = |request: actix_web::test::TestRequest| {
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
    let mut held = 0;
    for (index, expectation) in scenario.file.expect.iter().enumerate() {
        // Tokens are read from the live world each time: an earlier expectation may have
        // regenerated a key.
        let state = send(TestRequest::get().uri("/_sandbox/state")).await.body;
        let reply = match &expectation.request {
            ExpectedRequest::Mint {
                key,
                consumer,
                token,
                expiration,
            } => {
                let date = if *expiration == ExpirationChoice::Today {
                    &today
                } else {
                    FUTURE
                };
                send(mint(&state, *key, *consumer, *token, date)?).await
            }
            ExpectedRequest::Call {
                key,
                company,
                method,
                path,
                session,
            } => {
                let date = if *session == SessionChoice::Expired {
                    &today
                } else {
                    FUTURE
                };
                let minted = send(mint(&state, *key, None, TokenChoice::Current, date)?).await;
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
                send(request(method, path)?.insert_header(("Authorization", auth))).await
            }
            ExpectedRequest::Control {
                method,
                path,
                actor,
                body,
            } => {
                let mut call = request(method, path)?;
                if let Some(actor) = actor {
                    call = call.insert_header(("X-Sandbox-Actor", actor.to_string()));
                }
                if let Some(body) = body {
                    call = call.set_json(body);
                }
                send(call).await
            }
        };
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
        if wrong.is_empty() {
            held += 1;
            let _ = writeln!(out, "{shown}: expect[{index}] pass: {}", expectation.description);
        } else {
            let _ = writeln!(
                out,
                "{shown}: expect[{index}] FAIL: {}: {}",
                expectation.description,
                wrong.join("; ")
            );
        }
    }
    let total = scenario.file.expect.len();
    let _ = writeln!(out, "{shown}: {held} of {total} expectations hold");
    Ok(held == total)
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
