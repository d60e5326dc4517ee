//! Every embedded scenario is loaded and its `expect` entries run, in order, over HTTP: the
//! scenario library is executable documentation and cannot rot.

use crate::helpers::{FUTURE, TestApp, basic, spawn_scenario};
use reqwest::Method;
use serde_json::Value;
use tripletex_sandbox::scenario::format::{ExpectedRequest, ExpirationChoice, SessionChoice, TokenChoice};
use tripletex_sandbox::scenario::{self, EMBEDDED_SCENARIOS};

fn today() -> String {
    let oslo = jiff::tz::TimeZone::get("Europe/Oslo").unwrap();
    jiff::Timestamp::now().to_zoned_datetime(oslo).date().to_string()
}

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("a method")
}

/// The tokens a request needs, read from the live world (keys may have been regenerated).
struct Tokens {
    state: Value,
}

impl Tokens {
    fn read(app: &TestApp) -> Self {
        Self {
            state: app.get("/_sandbox/state").body,
        }
    }

    fn key(&self, id: i64) -> &Value {
        self.state["world"]["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == id)
            .expect("the key exists")
    }

    fn employee_token(&self, key: i64, choice: TokenChoice) -> String {
        let key = self.key(key);
        let token = match choice {
            TokenChoice::Current => &key["token"],
            TokenChoice::Retired => &key["retiredTokens"]
                .as_array()
                .and_then(|t| t.last())
                .expect("a retired token")["token"],
        };
        token.as_str().unwrap().to_owned()
    }

    fn consumer_token(&self, key: i64, consumer: Option<i64>) -> String {
        let integrations = self.state["world"]["integrations"].as_array().unwrap();
        let key = self.key(key);
        let wanted = consumer
            .map(Value::from)
            .or_else(|| Some(key["integrationId"].clone()).filter(|v| !v.is_null()));
        let integration = match wanted {
            Some(id) => integrations.iter().find(|i| i["id"] == id),
            None => integrations
                .iter()
                .find(|i| i["applicationName"] == key["custom"]["applicationName"]),
        }
        .unwrap_or(&integrations[0]);
        integration["consumerToken"].as_str().unwrap().to_owned()
    }
}

fn run(app: &TestApp, request: &ExpectedRequest) -> crate::helpers::Reply {
    let tokens = Tokens::read(app);
    match request {
        ExpectedRequest::Mint {
            key,
            consumer,
            token,
            expiration,
        } => {
            let date = match expiration {
                ExpirationChoice::Future => FUTURE.to_owned(),
                ExpirationChoice::Today => today(),
            };
            app.create_session(
                Some(&tokens.consumer_token(*key, *consumer)),
                Some(&tokens.employee_token(*key, *token)),
                Some(&date),
            )
        }
        ExpectedRequest::Call {
            key,
            company,
            method: name,
            path,
            session,
        } => {
            let date = if *session == SessionChoice::Expired {
                today()
            } else {
                FUTURE.to_owned()
            };
            let minted = app.create_session(
                Some(&tokens.consumer_token(*key, None)),
                Some(&tokens.employee_token(*key, TokenChoice::Current)),
                Some(&date),
            );
            assert_eq!(
                minted.status, 200,
                "minting a session for key {key} before the call: {}",
                minted.body
            );
            let token = minted.body["value"]["token"].as_str().unwrap().to_owned();
            let username = company.to_string();
            if *session == SessionChoice::Deleted {
                let deleted = app.send(
                    app.request(Method::DELETE, &format!("/v2/token/session/{token}"))
                        .header("Authorization", basic(&username, &token)),
                );
                assert_eq!(
                    deleted.status, 204,
                    "deleting the session before the call: {}",
                    deleted.body
                );
            }
            app.send(
                app.request(method(name), path)
                    .header("Authorization", basic(&username, &token)),
            )
        }
        ExpectedRequest::Control {
            method: name,
            path,
            actor,
            body,
        } => app.control(method(name), path, *actor, body.clone()),
    }
}

#[test]
fn every_scenarios_expectations_hold() {
    let mut ran = 0;
    for (name, text) in EMBEDDED_SCENARIOS {
        let scenario = scenario::parse(name, text).unwrap_or_else(|e| panic!("{e}"));
        assert!(!scenario.file.description.trim().is_empty(), "{name} has a description");
        assert!(
            !scenario.file.expect.is_empty(),
            "{name} states what the API must answer"
        );
        let app = spawn_scenario(name);
        for (index, expectation) in scenario.file.expect.iter().enumerate() {
            let reply = run(&app, &expectation.request);
            let at = format!("{name} expect[{index}] ({}): {}", expectation.description, reply.body);
            assert_eq!(reply.status, expectation.status, "{at}");
            if let Some(code) = expectation.code {
                assert_eq!(reply.body["code"].as_u64(), Some(u64::from(code)), "{at}");
            }
            if let Some(rule) = &expectation.rule {
                let message = reply.body["developerMessage"].as_str().unwrap_or_default();
                assert!(message.contains(&format!("(rule: {rule})")), "{at}");
            }
            ran += 1;
        }
    }
    assert!(ran >= EMBEDDED_SCENARIOS.len());
}

#[test]
fn every_scenario_file_in_the_directory_is_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let embedded = EMBEDDED_SCENARIOS.iter().find(|(n, _)| *n == stem).map(|(_, t)| *t);
        assert_eq!(
            embedded,
            Some(text.as_str()),
            "{} is embedded under its file name",
            path.display()
        );
    }
}
