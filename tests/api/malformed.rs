//! Bad input is normal input: no request, however malformed, produces a 5xx or a panic.

use crate::helpers::{FUTURE, basic, spawn_app};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

#[test]
fn malformed_requests_get_4xx_envelopes_never_5xx() {
    let app = spawn_app();
    let credential = app.credential(true);
    let session = app.session_for(&credential);
    let auth = basic("2101", &session);
    let paths = [
        "/v2/token/session/:create?consumerToken=%FF%FE&employeeToken=%00&expirationDate=%",
        "/v2/token/session/:create?expirationDate=99999-99-99&consumerToken=a&employeeToken=b",
        "/v2/token/session/%3EwhoAmI?fields=((((",
        "/v2/token/session/%3EwhoAmI?fields=*,company(*,currency(*,x))",
        "/v2/company/%3EwithLoginAccess?from=99999999999999999999999",
        "/v2/company/99999999999999999999999999",
        "/v2/company/-1",
        "/v2/company/%00",
        "/v2/token/consumer/byToken?token=%E2%82",
        "/v2/token/session/",
        "/v2/token/session/%2F%2F",
        "/v2//company",
        "/_sandbox/nope",
        "/sb/x/v2/company/1",
    ];
    for method in [
        reqwest::Method::GET,
        reqwest::Method::PUT,
        reqwest::Method::DELETE,
        reqwest::Method::POST,
    ] {
        for path in paths {
            let reply = app.send(
                app.request(method.clone(), path)
                    .header("Authorization", &auth)
                    .header("Content-Type", "application/json")
                    .body("{not json"),
            );
            assert!((400..500).contains(&reply.status), "{method} {path} → {}", reply.status);
            assert_eq!(reply.body["status"], reply.status, "{method} {path}: an error envelope");
            assert!(reply.body["requestId"].is_string());
        }
    }
    // The emulator is still serving afterwards.
    let reply = app.create_session(
        credential["consumerToken"].as_str(),
        credential["employeeToken"].as_str(),
        Some(FUTURE),
    );
    assert_eq!(reply.status, 200);
}

/// What the server sends up to the end of the response head, or until it closes the connection
/// or goes quiet: a connection it keeps alive would otherwise hold the read until the timeout.
fn read_head(stream: &mut TcpStream) -> Vec<u8> {
    let mut answer = Vec::new();
    let mut buffer = [0; 4096];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buffer[..n]),
        }
    }
    answer
}

#[test]
fn garbage_on_the_socket_never_brings_the_server_down() {
    let app = spawn_app();
    // Paths go to this test's sandbox, as `app.request` would send them.
    let who = app.path("/v2/token/session/%3EwhoAmI");
    let inputs: [Vec<u8>; 6] = [
        format!(
            "GET {} HTTP/1.1\r\nHost: x\r\n\r\n",
            app.path("/v2/token/session/>whoAmI")
        )
        .into_bytes(),
        b"\x00\x01\x02\x03 garbage\r\n\r\n".to_vec(),
        b"GET / HTTP/9.9\r\n\r\n".to_vec(),
        format!(
            "PUT {} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{{",
            app.path("/v2/token/session/:create")
        )
        .into_bytes(),
        [
            format!("GET {who} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ").as_bytes(),
            b"\xff\xfe\r\n\r\n",
        ]
        .concat(),
        format!("GET {who} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic MDp0ZXN0\r\nYWJj\r\n\r\n").into_bytes(),
    ];
    for input in &inputs {
        let mut stream = TcpStream::connect(&app.address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        stream.write_all(input).unwrap();
        let answer = read_head(&mut stream);
        let head = String::from_utf8_lossy(&answer);
        assert!(!head.starts_with("HTTP/1.1 5"), "{input:?} → {head}");
    }
    assert_eq!(app.get("/_sandbox/health").status, 200);
}

#[test]
fn no_body_or_query_on_any_data_endpoint_produces_a_5xx() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let office = app.session_for(&app.credential(true));
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    let bodies = [
        "{not json".to_owned(),
        "[]".to_owned(),
        "{}".to_owned(),
        "null".to_owned(),
        r#"{"id": "x", "version": "y", "name": {"a": 1}, "customer": {"id": "nope"}, "orderLines": [1, {"count": "many"}], "postings": {"x": 1}}"#.to_owned(),
        r#"{"name": "x", "number": 99999999999999999999999, "hours": 1e400, "date": "2026-02-30"}"#.to_owned(),
        deep,
    ];
    let paths = [
        "/v2/customer",
        "/v2/customer/1",
        "/v2/customer/10010002",
        "/v2/order",
        "/v2/order/1/:invoice?invoiceDate=x",
        "/v2/invoice",
        "/v2/invoice/1",
        "/v2/ledger/voucher",
        "/v2/ledger/account/10010140",
        "/v2/project",
        "/v2/timesheet/entry",
        "/v2/employee",
        "/v2/employee/5001",
        "/v2/employee/entitlement/:grantEntitlementsByTemplate?employeeId=x&template=y",
        "/v2/employee/entitlement/:grantClientEntitlementsByTemplate?employeeId=5001&customerId=abc&template=ALL_PRIVILEGES",
        "/v2/employee/entitlement/abc",
        "/v2/company",
        "/v2/company/salesmodules",
        "/v2/token/employee/:create?employeeId=abc",
        "/v2/product?ids=a,b&count=5&from=2&sorting=-name,nope",
        "/v2/country?fields=*,nope(x)",
        "/_sandbox/people/5001/keys",
        "/_sandbox/people/5001/access",
        "/_sandbox/clients/2101/keys/7101",
        "/_sandbox/state",
        "/_sandbox/companies/1001/subscription",
        "/_sandbox/scenario",
        "/_sandbox/settings",
        "/_sandbox/keys/abc/access",
    ];
    for (username, token) in [("0", &session), ("2101", &office)] {
        for path in paths {
            for method in [
                reqwest::Method::GET,
                reqwest::Method::PUT,
                reqwest::Method::POST,
                reqwest::Method::DELETE,
            ] {
                for body in &bodies {
                    let reply = app.send(
                        app.request(method.clone(), path)
                            .header("Authorization", basic(username, token))
                            .header("Content-Type", "application/json")
                            .body(body.clone()),
                    );
                    assert!(
                        reply.status < 500,
                        "{method} {path} as {username} with {body:.40} → {}: {}",
                        reply.status,
                        reply.body
                    );
                }
            }
        }
    }
    assert_eq!(app.get("/_sandbox/health").status, 200);
}

#[test]
fn an_oversized_body_is_413_in_the_error_envelope() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(2 * 1024 * 1024));
    let reply = app.send(
        app.request(reqwest::Method::POST, "/v2/customer")
            .header("Authorization", basic("0", &session))
            .header("Content-Type", "application/json")
            .body(huge),
    );
    assert_eq!(reply.status, 413);
    assert_eq!(reply.body["status"], 413);
    assert!(reply.body["requestId"].is_string());
    let wrong_type = app.send(
        app.request(reqwest::Method::POST, "/v2/customer")
            .header("Authorization", basic("0", &session))
            .header("Content-Type", "text/plain")
            .body("name=x"),
    );
    assert_eq!(wrong_type.status, 415);
    assert_eq!(wrong_type.body["status"], 415);
}

/// The sandbox reads bodies as sent: a compressed one is refused as not JSON, and the message
/// names the encoding to drop, instead of only saying the JSON is broken.
#[test]
fn a_compressed_body_is_refused_with_the_encoding_named() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    // The first bytes of a gzip stream: magic, deflate, no flags.
    let gzip = vec![0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0xab, 0x56];
    let reply = app.send(
        app.request(reqwest::Method::POST, "/v2/customer")
            .header("Authorization", basic("0", &session))
            .header("Content-Type", "application/json")
            .header("Content-Encoding", "gzip")
            .body(gzip),
    );
    assert_eq!(
        (reply.status, reply.body["code"].as_i64()),
        (422, Some(22000)),
        "{}",
        reply.body
    );
    let message = reply.body["developerMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("Content-Encoding: gzip") && message.contains("uncompressed"),
        "{message}"
    );
    let plain = app.send(
        app.request(reqwest::Method::POST, "/v2/customer")
            .header("Authorization", basic("0", &session))
            .header("Content-Type", "application/json")
            .body("{not json"),
    );
    assert_eq!(plain.status, 422);
    assert!(
        !plain.body["developerMessage"]
            .as_str()
            .unwrap_or_default()
            .contains("Content-Encoding"),
        "{}",
        plain.body
    );
}
