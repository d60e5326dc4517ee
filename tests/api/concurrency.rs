//! Concurrent regenerate, session create and grant changes on one sandbox: no 5xx, and nothing
//! half-applied afterwards.

use crate::helpers::{FUTURE, spawn_app};
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const THREADS: usize = 6;
const ROUNDS: usize = 40;

#[test]
fn concurrent_ui_actions_and_sessions_leave_a_consistent_world() {
    let app = Arc::new(spawn_app());
    let office = app.credential(true);
    let consumer = office["consumerToken"].as_str().unwrap().to_owned();
    let regenerations = Arc::new(AtomicUsize::new(0));
    let mut handles = Vec::new();
    for thread in 0..THREADS {
        let app = app.clone();
        let consumer = consumer.clone();
        let regenerations = regenerations.clone();
        handles.push(std::thread::spawn(move || {
            let mut statuses = Vec::new();
            for round in 0..ROUNDS {
                let reply = match (thread + round) % 5 {
                    0 => {
                        let r = app.control(Method::POST, "/_sandbox/keys/7101/regenerate", None, None);
                        if r.status == 200 {
                            regenerations.fetch_add(1, Ordering::Relaxed);
                        }
                        r
                    }
                    1 => {
                        let state = app.get("/_sandbox/state").body;
                        let key = state["world"]["keys"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .find(|k| k["id"] == 7101)
                            .unwrap()
                            .clone();
                        let minted = app.create_session(Some(&consumer), key["token"].as_str(), Some(FUTURE));
                        if minted.status == 200 {
                            let session = minted.body["value"]["token"].as_str().unwrap().to_owned();
                            statuses.push(app.get_as("2102", &session, "/v2/token/session/%3EwhoAmI").status);
                        }
                        minted
                    }
                    2 => app.control(
                        Method::PUT,
                        "/_sandbox/clients/2101/accountant",
                        None,
                        Some(json!({"apiAccess": round % 2 == 0})),
                    ),
                    3 => app.control(
                        Method::PUT,
                        "/_sandbox/clients/2103/keys/7101",
                        None,
                        Some(json!({"accesses": ["AUTH_CUSTOMER"]})),
                    ),
                    _ => app.control(Method::DELETE, "/_sandbox/clients/2103/keys/7101", None, None),
                };
                statuses.push(reply.status);
            }
            statuses
        }));
    }
    for handle in handles {
        for status in handle.join().expect("no thread panicked") {
            assert!(status < 500, "a 5xx under concurrency");
        }
    }
    let state = app.get("/_sandbox/state").body;
    let key = state["world"]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == 7101)
        .unwrap();
    assert_eq!(
        key["retiredTokens"].as_array().unwrap().len(),
        regenerations.load(Ordering::Relaxed),
        "every regeneration retired exactly one token"
    );
    // The world is whole: it imports into a fresh sandbox and its current token works.
    let other = spawn_app();
    assert_eq!(
        other
            .send(other.request(Method::PUT, "/_sandbox/state").json(&state))
            .status,
        204
    );
    let session = other.session_from(&consumer, key["token"].as_str().unwrap());
    assert_eq!(
        other.get_as("2102", &session, "/v2/token/session/%3EwhoAmI").status,
        200
    );
}
