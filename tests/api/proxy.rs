//! Proxy mode over real HTTP: a second emulator on loopback is the upstream. Calls pass through
//! with the caller's credentials and come back as the upstream answered them; each session is
//! recorded, no secret reaches the file, and the recording replays green through
//! `conformance --recorded`.

use crate::helpers::{TestApp, basic, spawn_server, spawn_with};
use reqwest::Method;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tripletex_sandbox::config::Config;
use tripletex_sandbox::upstream::Settings;

/// A proxy in front of `upstream` (an emulator's `host:port` or any origin), recording into `dir`.
pub fn spawn_proxy(upstream: &str, dir: Option<&Path>) -> TestApp {
    let settings = Settings::parse(upstream, dir.map(Path::to_path_buf)).expect("a good upstream");
    spawn_with(Config {
        upstream: Some(settings),
        ..Config::for_tests()
    })
}

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tripletex-sandbox-{name}-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// The recording files of a directory, parsed, sorted by name.
pub fn recordings(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("the recording directory")
        .map(|entry| {
            let path = entry.expect("an entry").path();
            (
                path.display().to_string(),
                std::fs::read_to_string(&path).expect("a file"),
            )
        })
        .collect();
    files.sort();
    files
}

/// Through `proxy`: a session, whoAmI, a customer, an order for it and its invoice, a logout.
/// Returns the secrets used and the invoice the upstream made.
pub fn invoice_a_new_customer(proxy: &TestApp, upstream: &TestApp) -> (Vec<String>, Value) {
    let credential = upstream.credential(false);
    let consumer = credential["consumerToken"]
        .as_str()
        .expect("a consumer token")
        .to_owned();
    let employee = credential["employeeToken"]
        .as_str()
        .expect("an employee token")
        .to_owned();
    let session = proxy.session_for(&credential);
    let post = |path: &str, body: Value| proxy.call_as(Method::POST, "0", &session, path, Some(&body));
    let me = proxy.get_as("0", &session, "/v2/token/session/%3EwhoAmI");
    assert_eq!(me.status, 200, "{}", me.body);
    let customer = post(
        "/v2/customer",
        json!({"name": "Fjordkraft Demo AS", "email": "post@fjordkraft-demo.no", "isCustomer": true}),
    );
    assert_eq!(customer.status, 201, "{}", customer.body);
    let order = post(
        "/v2/order",
        json!({
            "customer": {"id": customer.body["value"]["id"]},
            "orderDate": "2026-03-20", "deliveryDate": "2026-03-20",
            "orderLines": [{"description": "Konsulenttimer", "count": 10, "unitPriceExcludingVatCurrency": 1200, "vatType": {"id": 3}}]
        }),
    );
    assert_eq!(order.status, 201, "{}", order.body);
    let invoice = post(
        "/v2/invoice",
        json!({
            "invoiceDate": "2026-03-20", "invoiceDueDate": "2026-04-03",
            "customer": {"id": customer.body["value"]["id"]},
            "orders": [{"id": order.body["value"]["id"]}]
        }),
    );
    assert_eq!(invoice.status, 201, "{}", invoice.body);
    let read = proxy.get_as("0", &session, &format!("/v2/invoice/{}", invoice.body["value"]["id"]));
    assert_eq!(read.status, 200, "{}", read.body);
    let logout = proxy.call_as(
        Method::DELETE,
        "0",
        &session,
        &format!("/v2/token/session/{session}"),
        None,
    );
    assert_eq!(logout.status, 204, "{}", logout.body);
    let header = basic("0", &session);
    let encoded = header.trim_start_matches("Basic ").to_owned();
    (
        vec![consumer, employee, session, encoded],
        invoice.body["value"].clone(),
    )
}

#[test]
fn calls_pass_through_with_the_callers_credentials_and_come_back_as_the_upstream_answered() {
    let upstream = spawn_server();
    let proxy = spawn_proxy(&format!("http://{}", upstream.address), None);
    let credential = upstream.credential(false);
    let session = proxy.session_for(&credential);
    let made = proxy.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": "Through the proxy AS"})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(
        made.headers["x-tripletex-sandbox-upstream"],
        format!("http://{}", upstream.address).as_str()
    );
    let id = made.body["value"]["id"].clone();
    // The session and the customer live upstream: the upstream answers the same session directly.
    let direct = upstream.get_as("0", &session, &format!("/v2/customer/{id}"));
    assert_eq!(direct.status, 200, "{}", direct.body);
    assert_eq!(direct.body["value"]["name"], "Through the proxy AS");
    // An upstream's refusal passes through as it was given, its request id included.
    let refused = proxy.get_as("0", &session, "/v2/customer/999999999");
    assert_eq!(refused.status, 404);
    let upstream_refusal = upstream.get_as("0", &session, "/v2/customer/999999999");
    let mut expected = upstream_refusal.body.clone();
    expected["requestId"] = refused.body["requestId"].clone();
    assert_eq!(refused.body, expected);
    assert_eq!(
        refused.request_id.as_ref(),
        refused.body["requestId"].as_str().map(str::to_owned).as_ref()
    );
    // The proxy's journal sees what went through, so verify works on proxied calls too.
    let count = proxy.get("/_sandbox/journal/count?method=POST&template=/customer");
    assert_eq!(count.body, json!({"value": {"count": 1}}));
}

#[test]
fn a_recorded_session_holds_no_secret_and_replays_green() {
    let upstream = spawn_server();
    let dir = temp_dir("recording");
    let proxy = spawn_proxy(&format!("http://{}/v2/", upstream.address), Some(&dir));
    let (secrets, _) = invoice_a_new_customer(&proxy, &upstream);

    let files = recordings(&dir);
    assert_eq!(files.len(), 1, "one session, one file: {files:?}");
    let (name, text) = &files[0];
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "{name} holds a secret: {text}");
    }
    let run: Value = serde_json::from_str(text).expect("the recording is JSON");
    let calls = run["calls"].as_array().expect("calls");
    let shape: Vec<(String, String, u64)> = calls
        .iter()
        .map(|c| {
            (
                c["method"].as_str().unwrap_or_default().to_owned(),
                c["template"].as_str().unwrap_or_default().to_owned(),
                c["status"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let expected: Vec<(String, String, u64)> = [
        ("PUT", "/token/session/:create", 200),
        ("GET", "/token/session/>whoAmI", 200),
        ("POST", "/customer", 201),
        ("POST", "/order", 201),
        ("POST", "/invoice", 201),
        ("GET", "/invoice/{id}", 200),
        ("DELETE", "/token/session/{token}", 204),
    ]
    .iter()
    .map(|(m, t, s)| ((*m).to_owned(), (*t).to_owned(), *s))
    .collect();
    assert_eq!(shape, expected);
    assert_eq!(calls[0]["query_params"]["consumerToken"], "<redacted>");
    assert_eq!(calls[0]["response_body"]["value"]["token"], "<redacted>");
    assert_eq!(calls[6]["path"], "/token/session/<redacted>");
    assert_eq!(calls[2]["request_body"]["name"], "Fjordkraft Demo AS");
    assert_eq!(calls[2]["request_headers"]["content-type"], "application/json");
    assert!(calls[2]["response_headers"]["x-tlx-request-id"].is_string());
    assert!(calls.iter().all(|c| {
        c.get("request_headers")
            .is_some_and(|h| h.get("authorization").is_none())
    }));

    let replay = std::process::Command::new(env!("CARGO_BIN_EXE_tripletex-sandbox"))
        .args([
            "conformance",
            "--format",
            "json",
            "--min-agreement",
            "100",
            "--recorded",
        ])
        .arg(&dir)
        .env_remove("TRIPLETEX_OPENAPI")
        .output()
        .expect("the binary runs");
    let report: Value = serde_json::from_slice(&replay.stdout).expect("one JSON document");
    assert_eq!(replay.status.code(), Some(0), "{report:#}");
    let traffic = &report["traffic"];
    assert_eq!(
        (traffic["skipped"].as_u64(), traffic["overall"]["calls"].as_u64()),
        (Some(2), Some(5)),
        "signing in and out with redacted tokens is the replay's own business: {traffic:#}"
    );
    assert_eq!(traffic["overall"]["independentStatusAgreement"], 100.0, "{traffic:#}");
    assert_eq!(traffic["overall"]["fieldAgreement"], 100.0, "{traffic:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_upstream_that_cannot_be_reached_is_a_502_naming_it() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let origin = format!("http://{}", closed.local_addr().expect("an address"));
    drop(closed);
    let proxy = spawn_proxy(&origin, None);
    let reply = proxy.get_as("0", "some-session", "/v2/customer?consumerToken=not-for-the-journal");
    assert_eq!(reply.status, 502, "{}", reply.body);
    assert_eq!(reply.body["code"], 0);
    assert_eq!(
        reply.body["message"],
        format!("The upstream Tripletex at {origin} did not answer.")
    );
    let developer = reply.body["developerMessage"].as_str().unwrap_or_default();
    assert!(
        developer.starts_with(&format!("Forwarding to {origin} failed")),
        "{developer}"
    );
    assert!(!developer.contains("not-for-the-journal"), "{developer}");
}
