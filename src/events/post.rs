//! One webhook `POST` over plain HTTP/1.1 on a blocking socket, with the receiver's time bounded:
//! the status it answered, or why there was none (refused, timed out, TLS asked for).

use crate::domain::events::Target;
use base64::Engine;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// What came of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub latency: Duration,
}

impl Outcome {
    pub fn delivered(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Posts `body` to `target` with `headers`, waiting at most `timeout` to connect and again to answer.
pub fn post(target: &Target, headers: &[(String, String)], body: &[u8], timeout: Duration) -> Outcome {
    let started = Instant::now();
    let answered = send(target, headers, body, timeout);
    let latency = started.elapsed();
    match answered {
        Ok(status) if (200..300).contains(&status) => Outcome {
            status: Some(status),
            error: None,
            latency,
        },
        Ok(status) => Outcome {
            status: Some(status),
            error: Some(format!("the receiver answered {status}")),
            latency,
        },
        Err(error) => Outcome {
            status: None,
            error: Some(error),
            latency,
        },
    }
}

fn send(target: &Target, headers: &[(String, String)], body: &[u8], timeout: Duration) -> Result<u16, String> {
    if target.tls {
        return Err("https targets are not delivered: the sandbox has no TLS client; use an http:// receiver".into());
    }
    let mut stream = connect(target, timeout)?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| format!("cannot set the socket's timeouts: {e}"))?;
    stream
        .write_all(&request(target, headers, body))
        .map_err(|e| describe("sending the webhook", &e, timeout))?;
    read_status(&mut stream, timeout)
}

fn connect(target: &Target, timeout: Duration) -> Result<TcpStream, String> {
    let addresses = (target.host.as_str(), target.port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {}: {e}", target.host))?;
    let mut last = format!("{} resolves to no address", target.host);
    for address in addresses {
        match TcpStream::connect_timeout(&address, timeout) {
            Ok(stream) => return Ok(stream),
            Err(e) => last = describe(&format!("connecting to {address}"), &e, timeout),
        }
    }
    Err(last)
}

fn request(target: &Target, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut head = format!(
        "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nUser-Agent: tripletex-sandbox-webhooks\r\nConnection: close\r\n",
        target.path,
        target.host,
        target.port,
        body.len()
    );
    if let Some(credentials) = &target.basic {
        let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
        head.push_str(&format!("Authorization: Basic {encoded}\r\n"));
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    out.extend_from_slice(body);
    out
}

/// Reads the response until its status line is in, and takes the status from it.
fn read_status(stream: &mut TcpStream, timeout: Duration) -> Result<u16, String> {
    let mut seen = Vec::with_capacity(256);
    let mut buffer = [0u8; 512];
    while !seen.contains(&b'\n') && seen.len() < 8192 {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
            Err(e) => return Err(describe("waiting for the answer", &e, timeout)),
        }
    }
    let line = String::from_utf8_lossy(&seen);
    let line = line.lines().next().unwrap_or_default();
    line.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .filter(|_| line.starts_with("HTTP/"))
        .ok_or_else(|| {
            format!(
                "the receiver's answer is not HTTP: {:?}",
                line.chars().take(80).collect::<String>()
            )
        })
}

fn describe(doing: &str, error: &std::io::Error, timeout: Duration) -> String {
    use std::io::ErrorKind::{TimedOut, WouldBlock};
    match error.kind() {
        TimedOut | WouldBlock => format!("{doing}: no answer within {} ms", timeout.as_millis()),
        _ => format!("{doing}: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn target(port: u16) -> Target {
        crate::domain::events::parse_target(&format!("http://u:p@127.0.0.1:{port}/hook?x=1")).unwrap()
    }

    #[test]
    fn a_webhook_is_posted_with_its_headers_and_the_status_is_read() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut got = vec![0u8; 4096];
            let n = stream.read(&mut got).unwrap();
            stream.write_all(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
            String::from_utf8_lossy(&got[..n]).into_owned()
        });
        let headers = [("X-Key".to_owned(), "secret".to_owned())];
        let outcome = post(&target(port), &headers, b"{}", Duration::from_secs(5));
        let request = receiver.join().unwrap();
        assert!(outcome.delivered(), "{outcome:?}");
        assert!(request.starts_with("POST /hook?x=1 HTTP/1.1\r\n"), "{request}");
        assert!(request.contains("Authorization: Basic dTpw\r\n") && request.contains("X-Key: secret\r\n"));
        assert!(request.ends_with("\r\n\r\n{}"));
    }

    #[test]
    fn a_closed_port_and_a_silent_receiver_are_failures_that_say_why() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let silent = post(&target(port), &[], b"{}", Duration::from_millis(200));
        assert_eq!(silent.status, None);
        assert!(silent.error.unwrap().contains("no answer within 200 ms"));
        drop(listener);
        let refused = post(&target(port), &[], b"{}", Duration::from_millis(200));
        assert!(!refused.delivered() && refused.error.is_some());
    }
}
