//! A corpus of malformed HTTP/1.1 requests written to a bare `TcpStream`: bad request lines and
//! methods, header injection, Content-Length / Transfer-Encoding smuggling, bad chunks, oversized
//! heads, NUL bytes and invalid UTF-8, absolute-form URIs, 1,000 pipelined requests. No answer
//! may be a 5xx, no emulator thread may panic, and a normal whoAmI answers 200 afterwards.

use crate::figures;
use crate::harness::{Emulator, Rng, Sandbox, basic, send};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::{Duration, Instant};

/// What a case may be answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Any answer but a 5xx, or no answer.
    NoServerError,
    /// A 4xx, or the connection closed without an answer.
    RejectedOrClosed,
    /// A well-formed request in an odd shape: every answer is a 200.
    Success,
}

struct Case {
    name: String,
    bytes: Vec<u8>,
    expect: Expect,
}

/// What came back on one connection.
#[derive(Debug)]
struct Outcome {
    statuses: Vec<u16>,
    /// Bytes that did not parse as an HTTP/1.x response.
    garbage: bool,
    timed_out: bool,
}

fn case(name: &str, bytes: impl Into<Vec<u8>>, expect: Expect) -> Case {
    Case {
        name: name.to_owned(),
        bytes: bytes.into(),
        expect,
    }
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|at| at + from)
}

/// Splits what the server sent into responses by their heads and Content-Length.
fn parse_responses(bytes: &[u8]) -> (Vec<u16>, bool) {
    let mut statuses = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let Some(end) = find(bytes, b"\r\n\r\n", at) else {
            return (statuses, true);
        };
        let head = String::from_utf8_lossy(&bytes[at..end]);
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .or_else(|| status_line.strip_prefix("HTTP/1.0 "))
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse::<u16>().ok());
        let Some(status) = status else {
            return (statuses, true);
        };
        statuses.push(status);
        let length = lines
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.trim().parse::<usize>().ok());
        at = end + 4 + length.unwrap_or(0);
        if length.is_none() && !matches!(status, 100..200 | 204 | 304) {
            // A body up to the end of the connection.
            break;
        }
    }
    (statuses, false)
}

/// Writes the bytes, half-closes, and reads everything the server sends until it closes.
fn exchange(address: &str, bytes: &[u8]) -> Outcome {
    let mut stream = TcpStream::connect(address).expect("the emulator accepts connections");
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .expect("a read timeout");
    stream
        .set_write_timeout(Some(Duration::from_secs(3)))
        .expect("a write timeout");
    // Written from a thread of its own, so a server answering while it reads (pipelining)
    // cannot deadlock against us; the server may close before taking everything.
    let mut writer = stream.try_clone().expect("a second handle on the socket");
    let bytes = bytes.to_vec();
    let writing = std::thread::spawn(move || {
        let _ = writer.write_all(&bytes);
        let _ = writer.shutdown(Shutdown::Write);
    });
    let mut received = Vec::new();
    let mut buffer = [0; 16 * 1024];
    let timed_out = loop {
        match stream.read(&mut buffer) {
            Ok(0) => break false,
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(err)
                if matches!(
                    err.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break true;
            }
            // A reset after the server gave up on the request.
            Err(_) => break false,
        }
    };
    let _ = writing.join();
    let (statuses, garbage) = parse_responses(&received);
    Outcome {
        statuses,
        garbage,
        timed_out,
    }
}

/// Why an outcome breaks its case's expectation, if it does.
fn judge(expect: Expect, outcome: &Outcome) -> Option<String> {
    if outcome.statuses.iter().any(|s| *s >= 500) {
        return Some(format!("a server error: {:?}", outcome.statuses));
    }
    if outcome.garbage {
        return Some(format!(
            "bytes that are not an HTTP response after {:?}",
            outcome.statuses
        ));
    }
    match expect {
        Expect::NoServerError => None,
        Expect::RejectedOrClosed => {
            let rejected = outcome.statuses.iter().all(|s| (400..500).contains(s));
            (!rejected || outcome.timed_out).then(|| {
                format!(
                    "expected a 4xx or a closed connection, got {:?} (timed out: {})",
                    outcome.statuses, outcome.timed_out
                )
            })
        }
        Expect::Success => {
            let ok = !outcome.statuses.is_empty() && outcome.statuses.iter().all(|s| *s == 200);
            (!ok).then(|| format!("expected 200s, got {:?}", outcome.statuses))
        }
    }
}

fn corpus(sandbox: &Sandbox, auth: &str) -> Vec<Case> {
    use Expect::{NoServerError as Any, RejectedOrClosed as Rejected, Success};
    let health = sandbox.path("/_sandbox/health");
    let who = sandbox.path("/v2/token/session/%3EwhoAmI");
    let customers = sandbox.path("/v2/customer");
    let get = |path: &str, headers: &str| format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n");
    let post = |headers: &str, body: &str| {
        format!(
            "POST {customers} HTTP/1.1\r\nHost: localhost\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\n{headers}\r\n{body}"
        )
    };
    let chunked = |chunks: &str| post("Transfer-Encoding: chunked\r\n", chunks);
    let mut random = Rng::new(0x5EED);
    let noise: Vec<u8> = (0..4096).map(|_| random.next_u64() as u8).collect();
    let mut cases = vec![
        // Controls: the same request in shapes the server must accept.
        case("plain GET", get(&health, ""), Success),
        case(
            "whoAmI with a session",
            get(&who, &format!("Authorization: {auth}\r\n")),
            Success,
        ),
        case(
            "HTTP/1.0 without Host",
            format!("GET {health} HTTP/1.0\r\n\r\n"),
            Success,
        ),
        case(
            "absolute-form URI",
            format!("GET http://localhost{health} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            Any,
        ),
        case(
            "absolute-form URI with another host",
            format!("GET http://evil.example{health} HTTP/1.1\r\nHost: localhost\r\n\r\n"),
            Any,
        ),
        case("written one byte at a time", get(&health, ""), Success),
        // Request lines.
        case("only CRLFs", "\r\n\r\n\r\n", Any),
        case("a method alone", "GET\r\n\r\n", Rejected),
        case("HTTP/0.9 request line", "GET /\r\n\r\n", Rejected),
        case(
            "an extra token in the request line",
            format!("GET {health} HTTP/1.1 extra\r\n\r\n"),
            Rejected,
        ),
        case(
            "double spaces in the request line",
            format!("GET  {health}  HTTP/1.1\r\n\r\n"),
            Any,
        ),
        case("HTTP/9.9", format!("GET {health} HTTP/9.9\r\n\r\n"), Rejected),
        case("HTTP/1.10", format!("GET {health} HTTP/1.10\r\n\r\n"), Any),
        case(
            "lower-case protocol",
            format!("GET {health} http/1.1\r\n\r\n"),
            Rejected,
        ),
        case("bare LF line ends", format!("GET {health} HTTP/1.1\nHost: x\n\n"), Any),
        case("CR without LF", format!("GET {health} HTTP/1.1\r\r\n\r\n"), Rejected),
        case("lower-case method", get(&health, "").replacen("GET", "get", 1), Any),
        case("a method with @", get(&health, "").replacen("GET", "G@T", 1), Rejected),
        case(
            "a method with a tab",
            get(&health, "").replacen("GET", "GE\tT", 1),
            Rejected,
        ),
        case(
            "an unknown method",
            get(&health, "").replacen("GET", "FROBNICATE", 1),
            Any,
        ),
        case(
            "a 10,000-byte method",
            get(&health, "").replacen("GET", &"X".repeat(10_000), 1),
            Any,
        ),
        case("an empty method", get(&health, "").replacen("GET", "", 1), Rejected),
        case("a path without a slash", get("sb", ""), Any),
        case("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", Any),
        case(
            "CONNECT authority form",
            "CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\n",
            Any,
        ),
        case(
            "a raw NUL in the path",
            [format!("GET {health}").as_bytes(), b"\x00x HTTP/1.1\r\nHost: x\r\n\r\n"].concat(),
            Rejected,
        ),
        case(
            "invalid UTF-8 in the path",
            [
                format!("GET {health}").as_bytes(),
                b"\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
            ]
            .concat(),
            Any,
        ),
        case(
            "invalid UTF-8 in the query",
            [
                format!("GET {health}?q=").as_bytes(),
                b"\xc3\x28 HTTP/1.1\r\nHost: x\r\n\r\n",
            ]
            .concat(),
            Any,
        ),
        case(
            "percent-encoded invalid UTF-8 in the path",
            get(&format!("{who}%ff%fe"), &format!("Authorization: {auth}\r\n")),
            Any,
        ),
        case(
            "percent-encoded invalid UTF-8 in the query",
            get(
                &format!("{who}?fields=%ff%fe%00"),
                &format!("Authorization: {auth}\r\n"),
            ),
            Any,
        ),
        case(
            "percent-encoded NUL in the path",
            get(&sandbox.path("/v2/customer/%00"), &format!("Authorization: {auth}\r\n")),
            Any,
        ),
        case(
            "a bad percent escape",
            get(&sandbox.path("/v2/customer/%zz"), &format!("Authorization: {auth}\r\n")),
            Any,
        ),
        case(
            "a 100 KB URI",
            get(&format!("{health}?q={}", "a".repeat(100_000)), ""),
            Any,
        ),
        case(
            "a 1 MB URI",
            get(&format!("{health}?q={}", "a".repeat(1_000_000)), ""),
            Rejected,
        ),
        case(
            "a fragment in the request target",
            get(&format!("{health}#fragment"), ""),
            Any,
        ),
        case("dot segments", get("/sb/../_sandbox/health/../health", ""), Any),
        case("path traversal", get("/../../../../etc/passwd", ""), Any),
        case(
            "an unencoded > in the path",
            get(&sandbox.path("/v2/token/session/>whoAmI"), ""),
            Any,
        ),
        // Headers.
        case("a header without a colon", get(&health, "NoColonHere\r\n"), Rejected),
        case("a space before the colon", get(&health, "Host : x\r\n"), Any),
        case("a header name with (", get(&health, "Ho(st: x\r\n"), Rejected),
        case("an empty header name", get(&health, ": value\r\n"), Rejected),
        case("obs-fold continuation", get(&health, "X-A: a\r\n folded\r\n"), Any),
        case("a bare CR in a header value", get(&health, "X-A: a\rb\r\n"), Any),
        case(
            "CRLF injection through a header value",
            get(&health, "X-A: a\r\nSet-Cookie: injected=1\r\n"),
            Any,
        ),
        case("a NUL in a header value", get(&health, "X-A: a\x00b\r\n"), Any),
        case(
            "invalid UTF-8 in a header value",
            [
                get(&health, "").trim_end_matches("\r\n").as_bytes(),
                b"\r\nX-A: \xff\xfe\r\n\r\n",
            ]
            .concat(),
            Any,
        ),
        case(
            "invalid UTF-8 in Authorization",
            [
                get(&who, "").trim_end_matches("\r\n").as_bytes(),
                b"\r\nAuthorization: Basic \xff\xfe\r\n\r\n",
            ]
            .concat(),
            Any,
        ),
        case(
            "a wrapped Basic header",
            get(&who, "Authorization: Basic MDp0ZXN0\r\nYWJj\r\n"),
            Rejected,
        ),
        case(
            "two Authorization headers",
            get(&who, &format!("Authorization: {auth}\r\nAuthorization: Basic MDp4\r\n")),
            Any,
        ),
        case("two Host headers", get(&health, "Host: other\r\n"), Any),
        case(
            "a Host with CRLF-looking text",
            get(&health, "Host: a%0d%0aX-Evil: 1\r\n"),
            Any,
        ),
        case(
            "90 headers",
            get(&health, &(0..90).map(|i| format!("X-H{i}: v\r\n")).collect::<String>()),
            Any,
        ),
        case(
            "1,000 headers",
            get(
                &health,
                &(0..1000).map(|i| format!("X-H{i}: v\r\n")).collect::<String>(),
            ),
            Rejected,
        ),
        case(
            "a 64 KB header value",
            get(&health, &format!("X-Big: {}\r\n", "v".repeat(65_536))),
            Any,
        ),
        case(
            "a 10 KB header name",
            get(&health, &format!("{}: v\r\n", "N".repeat(10_000))),
            Any,
        ),
        case(
            "a 1 MB head",
            get(&health, &format!("X-Big: {}\r\n", "v".repeat(1_000_000))),
            Rejected,
        ),
        case(
            "Expect: 100-continue",
            post("Expect: 100-continue\r\nContent-Length: 14\r\n", "{\"name\": \"e\"}\n"),
            Any,
        ),
        case(
            "Expect: nonsense",
            post("Expect: nonsense\r\nContent-Length: 2\r\n", "{}"),
            Any,
        ),
        case(
            "Upgrade: websocket",
            get(
                &health,
                "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n",
            ),
            Any,
        ),
        case(
            "Upgrade: h2c",
            get(
                &health,
                "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n",
            ),
            Any,
        ),
        // Content-Length.
        case("Content-Length -1", post("Content-Length: -1\r\n", "{}"), Rejected),
        case("Content-Length abc", post("Content-Length: abc\r\n", "{}"), Rejected),
        case("Content-Length +2", post("Content-Length: +2\r\n", "{}"), Rejected),
        case("Content-Length 0x10", post("Content-Length: 0x10\r\n", "{}"), Rejected),
        case(
            "two different Content-Lengths",
            post("Content-Length: 2\r\nContent-Length: 3\r\n", "{}x"),
            Rejected,
        ),
        case("Content-Length: 2, 2", post("Content-Length: 2, 2\r\n", "{}"), Rejected),
        case(
            "Content-Length beyond u64",
            post("Content-Length: 99999999999999999999999\r\n", "{}"),
            Rejected,
        ),
        case(
            "Content-Length longer than the body",
            post("Content-Length: 100\r\n", "{\"name\": \"short\"}"),
            Rejected,
        ),
        case(
            "Content-Length shorter than the body",
            post("Content-Length: 2\r\n", "{}GARBAGE / HTTP/1.1\r\n\r\n"),
            Any,
        ),
        case("a body on GET", get(&health, "Content-Length: 5\r\n") + "hello", Any),
        // Transfer-Encoding and smuggling.
        case(
            "TE and CL together",
            post("Transfer-Encoding: chunked\r\nContent-Length: 4\r\n", "0\r\n\r\n")
                + &get(&sandbox.path("/_sandbox/smuggled"), ""),
            Any,
        ),
        case(
            "CL then TE",
            post("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"),
            Any,
        ),
        case(
            "TE: chunked, identity",
            post("Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n"),
            Any,
        ),
        case(
            "TE: identity, chunked",
            post("Transfer-Encoding: identity, chunked\r\n", "2\r\n{}\r\n0\r\n\r\n"),
            Any,
        ),
        case(
            "TE: xchunked",
            post("Transfer-Encoding: xchunked\r\n", "2\r\n{}\r\n0\r\n\r\n"),
            Rejected,
        ),
        case(
            "TE with a tab",
            post("Transfer-Encoding:\tchunked\r\n", "2\r\n{}\r\n0\r\n\r\n"),
            Any,
        ),
        case(
            "TE: CHUNKED",
            post("transfer-encoding: CHUNKED\r\n", "2\r\n{}\r\n0\r\n\r\n"),
            Any,
        ),
        case(
            "TE twice",
            post(
                "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
                "2\r\n{}\r\n0\r\n\r\n",
            ),
            Any,
        ),
        case(
            "TE on HTTP/1.0",
            post("Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n").replacen("HTTP/1.1", "HTTP/1.0", 1),
            Any,
        ),
        case(
            "a chunked JSON body",
            chunked("e\r\n{\"name\": \"ch\"}\r\n0\r\n\r\n"),
            Any,
        ),
        case(
            "a chunk extension",
            chunked("e;ext=1\r\n{\"name\": \"ch\"}\r\n0\r\n\r\n"),
            Any,
        ),
        case(
            "a chunk trailer",
            chunked("e\r\n{\"name\": \"ch\"}\r\n0\r\nX-Trailer: t\r\n\r\n"),
            Any,
        ),
        case("chunk size zz", chunked("zz\r\n{}\r\n0\r\n\r\n"), Rejected),
        case("chunk size -1", chunked("-1\r\n{}\r\n0\r\n\r\n"), Rejected),
        case(
            "chunk size beyond u64",
            chunked("ffffffffffffffffffffff\r\n{}\r\n0\r\n\r\n"),
            Rejected,
        ),
        case(
            "a chunk shorter than its size",
            chunked("5\r\n{}\r\n0\r\n\r\n"),
            Rejected,
        ),
        case("a chunk without its CRLF", chunked("2\r\n{}0\r\n\r\n"), Rejected),
        case("no last chunk", chunked("2\r\n{}\r\n"), Rejected),
        case("a chunk size with spaces", chunked("2 \r\n{}\r\n0\r\n\r\n"), Any),
        // Not HTTP at all.
        case("an HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Any),
        case(
            "a TLS ClientHello",
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03".to_vec(),
            Rejected,
        ),
        case("4 KB of noise", noise, Rejected),
        case("NUL bytes only", vec![0; 512], Rejected),
        case(
            "an incomplete head",
            format!("GET {health} HTTP/1.1\r\nHost: x\r\n"),
            Rejected,
        ),
        // Several requests on one connection.
        case(
            "keep-alive then garbage",
            get(&health, "") + "\x00\x01garbage\r\n\r\n",
            Any,
        ),
        case("HEAD", get(&health, "").replacen("GET", "HEAD", 1), Any),
        case(
            "OPTIONS, TRACE and PATCH",
            ["OPTIONS", "TRACE", "PATCH"]
                .map(|m| get(&health, "").replacen("GET", m, 1))
                .concat(),
            Any,
        ),
        case(
            "a good request, a bad one, a good one",
            get(&health, "") + "BAD\x01 / HTTP/1.1\r\n\r\n" + &get(&health, ""),
            Any,
        ),
    ];
    let pipelined = (0..1000).map(|_| get(&health, "")).collect::<String>();
    cases.push(case("1,000 pipelined requests", pipelined, Success));
    cases
}

#[test]
fn no_malformed_request_on_a_raw_socket_gets_a_server_error() {
    let emulator = Emulator::start();
    let sandbox = Sandbox::on(&emulator);
    let credential = sandbox.credential(false);
    let auth = basic("0", &sandbox.session(&credential));
    let address = sandbox.address.clone();
    let started = Instant::now();
    let cases = corpus(&sandbox, &auth);
    let mut failures = Vec::new();
    let (mut server_errors, mut rejected, mut answered, mut pipelined_answers) = (0, 0, 0, 0);
    for case in &cases {
        let outcome = if case.name == "written one byte at a time" {
            byte_by_byte(&address, &case.bytes)
        } else {
            exchange(&address, &case.bytes)
        };
        server_errors += outcome.statuses.iter().filter(|s| **s >= 500).count();
        if outcome.statuses.is_empty() || outcome.statuses.iter().any(|s| (400..500).contains(s)) {
            rejected += 1;
        } else {
            answered += 1;
        }
        if case.name.starts_with("1,000 pipelined") {
            pipelined_answers = outcome.statuses.len();
        }
        let shown = match outcome.statuses.as_slice() {
            many if many.len() > 8 => format!("{} answers, first {:?}", many.len(), &many[..8]),
            few => format!("{few:?}"),
        };
        let timed_out = if outcome.timed_out { " (timed out)" } else { "" };
        eprintln!("{:<45} {:?} → {shown}{timed_out}", case.name, case.expect);
        if let Some(why) = judge(case.expect, &outcome) {
            failures.push(format!("{}: {why}", case.name));
        }
    }
    let panics = emulator.panics();
    figures::report(&format!(
        "raw-tcp: {} cases, {server_errors} 5xx, {rejected} rejected or closed, {answered} answered, {pipelined_answers}/1000 pipelined answered, {panics} server panics in {:.1}s",
        cases.len(),
        started.elapsed().as_secs_f64()
    ));
    assert!(
        failures.is_empty(),
        "cases that broke their expectation:\n{}",
        failures.join("\n")
    );
    assert_eq!(panics, 0, "the emulator's threads panicked");
    assert_eq!(pipelined_answers, 1000, "every pipelined request is answered");
    let who = send(
        sandbox
            .client
            .get(sandbox.url("/v2/token/session/%3EwhoAmI"))
            .header("Authorization", &auth),
    );
    assert_eq!(who.status, 200, "whoAmI after the corpus: {}", who.text);
}

/// The request written one byte per write, with a flush between: slow but complete.
fn byte_by_byte(address: &str, bytes: &[u8]) -> Outcome {
    let mut stream = TcpStream::connect(address).expect("the emulator accepts connections");
    stream.set_nodelay(true).expect("no Nagle");
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .expect("a read timeout");
    for byte in bytes {
        let _ = stream.write_all(&[*byte]);
        let _ = stream.flush();
    }
    let _ = stream.shutdown(Shutdown::Write);
    let mut received = Vec::new();
    let timed_out = stream.read_to_end(&mut received).is_err();
    let (statuses, garbage) = parse_responses(&received);
    Outcome {
        statuses,
        garbage,
        timed_out,
    }
}

#[test]
fn the_response_splitter_reads_heads_and_bodies() {
    let bytes = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(parse_responses(bytes), (vec![200, 404], false));
    assert_eq!(parse_responses(b"garbage\r\n\r\n"), (vec![], true));
    assert_eq!(parse_responses(b""), (vec![], false));
}
