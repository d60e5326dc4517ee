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

#[test]
fn garbage_on_the_socket_never_brings_the_server_down() {
    let app = spawn_app();
    let inputs: [&[u8]; 6] = [
        b"GET /v2/token/session/>whoAmI HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\x00\x01\x02\x03 garbage\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"PUT /v2/token/session/:create HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n{",
        b"GET /v2/token/session/%3EwhoAmI HTTP/1.1\r\nHost: x\r\nAuthorization: Basic \xff\xfe\r\n\r\n",
        b"GET /v2/token/session/%3EwhoAmI HTTP/1.1\r\nHost: x\r\nAuthorization: Basic MDp0ZXN0\r\nYWJj\r\n\r\n",
    ];
    for input in inputs {
        let mut stream = TcpStream::connect(&app.address).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        stream.write_all(input).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let head = String::from_utf8_lossy(&answer);
        assert!(!head.starts_with("HTTP/1.1 5"), "{input:?} → {head}");
    }
    assert_eq!(app.get("/_sandbox/health").status, 200);
}
