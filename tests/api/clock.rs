//! The sandbox clock: set or advanced through the control plane, it decides session expiry.

use crate::helpers::{assert_denied, spawn_app};
use reqwest::Method;
use serde_json::json;

#[test]
fn advancing_the_clock_expires_sessions() {
    let app = spawn_app();
    let credential = app.credential(false);
    let oslo = jiff::tz::TimeZone::get("Europe/Oslo").unwrap();
    let tomorrow = jiff::Timestamp::now()
        .to_zoned_datetime(oslo)
        .date()
        .tomorrow()
        .unwrap()
        .to_string();
    let minted = app.create_session(
        credential["consumerToken"].as_str(),
        credential["employeeToken"].as_str(),
        Some(&tomorrow),
    );
    let session = minted.body["value"]["token"].as_str().unwrap().to_owned();
    assert_eq!(app.get_as("0", &session, "/v2/token/session/%3EwhoAmI").status, 200);
    let moved = app.control(Method::PUT, "/_sandbox/clock", None, Some(json!({"advance": "P2D"})));
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_denied(
        &app.get_as("0", &session, "/v2/token/session/%3EwhoAmI"),
        401,
        3000,
        "session_is_alive",
    );
    let set = app.control(
        Method::PUT,
        "/_sandbox/clock",
        None,
        Some(json!({"now": "2020-06-01T12:00:00Z"})),
    );
    assert!(
        set.body["value"]["now"]
            .as_str()
            .unwrap()
            .starts_with("2020-06-01T12:00")
    );
    assert_eq!(
        app.get_as("0", &session, "/v2/token/session/%3EwhoAmI").status,
        200,
        "back before the expiry"
    );
    let bad = app.control(
        Method::PUT,
        "/_sandbox/clock",
        None,
        Some(json!({"advance": "two hours"})),
    );
    assert_eq!((bad.status, bad.body["code"].as_i64()), (422, Some(18000)));
    assert_eq!(
        app.control(Method::PUT, "/_sandbox/clock", None, Some(json!({})))
            .status,
        422
    );
}

#[test]
fn a_clock_outside_its_range_is_refused_and_the_clock_stays() {
    let app = spawn_app();
    let set = app.control(
        Method::PUT,
        "/_sandbox/clock",
        None,
        Some(json!({"now": "2030-01-01T00:00:00Z"})),
    );
    assert_eq!(set.status, 200, "{}", set.body);
    for body in [
        json!({"now": "2400-01-01T00:00:00Z"}),
        json!({"now": "1969-12-31T23:59:59Z"}),
        json!({"advance": "P73000D"}),
        json!({"advance": "-P40000D"}),
    ] {
        let field = if body.get("now").is_some() { "now" } else { "advance" };
        let refused = app.control(Method::PUT, "/_sandbox/clock", None, Some(body.clone()));
        assert_eq!(
            (refused.status, refused.body["code"].as_i64()),
            (422, Some(18000)),
            "{body}"
        );
        assert_eq!(refused.body["validationMessages"][0]["field"], field, "{body}");
        assert!(
            refused.body["developerMessage"]
                .as_str()
                .unwrap()
                .contains("2199-12-31"),
            "the message names the range: {}",
            refused.body
        );
    }
    let now = app.get("/_sandbox/clock").body["value"]["now"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(now.starts_with("2030-01-01"), "the clock was left where it was: {now}");
}

#[test]
fn deleting_the_clock_returns_to_real_time() {
    let app = spawn_app();
    let set = app.control(
        Method::PUT,
        "/_sandbox/clock",
        None,
        Some(json!({"now": "2031-05-05T00:00:00Z"})),
    );
    assert_eq!(set.status, 200);
    let back = app.send(app.request(Method::DELETE, "/_sandbox/clock"));
    assert_eq!(back.status, 200, "{}", back.body);
    let now: jiff::Timestamp = back.body["value"]["now"].as_str().unwrap().parse().unwrap();
    let drift = jiff::Timestamp::now().duration_since(now).abs();
    assert!(
        drift < jiff::SignedDuration::from_secs(60),
        "the clock is real time again: {now}"
    );
}
