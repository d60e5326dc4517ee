//! A minimal HTTP/1.1 client over a TCP stream, for the two kinds of call `eval` makes: minting
//! a session on its own emulator and posting a task to the agent. Plain `http://` only, one
//! request per connection, the whole exchange bounded by one deadline.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The most of an answer's body kept (an agent's answer is shown, never parsed for scoring).
const MAX_BODY: usize = 1024 * 1024;

/// An answer: its status and body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// Why no answer came.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No connection could be made (or the URL cannot be reached at all).
    Unreachable(String),
    /// The deadline passed before the answer was complete.
    Timeout,
    /// The connection broke, or what came back is not HTTP.
    Broken(String),
}

/// Host, port and path of an `http://` URL.
fn split(url: &str) -> Result<(String, u16, String), Failure> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        Failure::Unreachable(format!(
            "{url:?} is not an http:// URL; eval speaks plain HTTP (put a TLS-terminating proxy in front of an https agent)"
        ))
    })?;
    let (authority, path) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || authority.starts_with('[') => {
            let port = port
                .parse()
                .map_err(|_| Failure::Unreachable(format!("{url:?}: the port {port:?} is not a number")))?;
            (host, port)
        }
        _ => (authority, 80),
    };
    if host.is_empty() {
        return Err(Failure::Unreachable(format!("{url:?} names no host")));
    }
    Ok((host.to_owned(), port, path.to_owned()))
}

fn remaining(deadline: Instant) -> Result<Duration, Failure> {
    deadline
        .checked_duration_since(Instant::now())
        .filter(|d| !d.is_zero())
        .ok_or(Failure::Timeout)
}

fn io_failure(err: &std::io::Error) -> Failure {
    match err.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => Failure::Timeout,
        _ => Failure::Broken(err.to_string()),
    }
}

/// Sends one request and reads the answer, all before `timeout` has passed.
pub fn send(
    method: &str,
    url: &str,
    bearer: Option<&str>,
    json: Option<&str>,
    timeout: Duration,
) -> Result<Reply, Failure> {
    let deadline = Instant::now() + timeout;
    let (host, port, path) = split(url)?;
    let address = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| Failure::Unreachable(format!("cannot resolve {host}: {e}")))?
        .next()
        .ok_or_else(|| Failure::Unreachable(format!("{host} resolves to no address")))?;
    let mut stream = TcpStream::connect_timeout(&address, remaining(deadline)?)
        .map_err(|e| Failure::Unreachable(format!("cannot connect to {address}: {e}")))?;
    let _ = stream.set_nodelay(true);
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nAccept: application/json\r\n");
    if let Some(token) = bearer {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    let body = json.unwrap_or_default();
    if json.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream
        .set_write_timeout(Some(remaining(deadline)?))
        .map_err(|e| io_failure(&e))?;
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body.as_bytes()))
        .map_err(|e| io_failure(&e))?;
    read_reply(&mut stream, deadline)
}

/// Reads the status line, the head and as much of the body as the head announces (or up to
/// the end of the connection).
fn read_reply(stream: &mut TcpStream, deadline: Instant) -> Result<Reply, Failure> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut head_end = None;
    loop {
        stream
            .set_read_timeout(Some(remaining(deadline)?))
            .map_err(|e| io_failure(&e))?;
        let read = stream.read(&mut chunk).map_err(|e| io_failure(&e))?;
        if read == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..read]);
        if head_end.is_none() {
            head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").map(|at| at + 4);
        }
        if let Some(end) = head_end {
            let head = String::from_utf8_lossy(&bytes[..end]);
            let length = content_length(&head);
            if length.is_some_and(|n| bytes.len() >= end + n) || bytes.len() > end + MAX_BODY {
                break;
            }
        }
    }
    let end = head_end.ok_or_else(|| Failure::Broken("the connection closed before an HTTP answer came".into()))?;
    let head = String::from_utf8_lossy(&bytes[..end]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .filter(|_| head.starts_with("HTTP/"))
        .ok_or_else(|| {
            Failure::Broken(format!(
                "not an HTTP answer: {:?}",
                head.lines().next().unwrap_or_default()
            ))
        })?;
    let body_end = content_length(&head).map_or(bytes.len(), |n| (end + n).min(bytes.len()));
    Ok(Reply {
        status,
        body: String::from_utf8_lossy(&bytes[end..body_end]).into_owned(),
    })
}

fn content_length(head: &str) -> Option<usize> {
    head.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-length")
            .then(|| value.trim().parse().ok())
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_splits_into_host_port_and_path() {
        assert_eq!(
            split("http://127.0.0.1:9000/agent"),
            Ok(("127.0.0.1".into(), 9000, "/agent".into()))
        );
        assert_eq!(split("http://agent.local"), Ok(("agent.local".into(), 80, "/".into())));
    }

    #[test]
    fn an_https_url_is_refused_with_the_way_round() {
        let Err(Failure::Unreachable(message)) = split("https://agent.example/solve") else {
            panic!("https was accepted");
        };
        assert!(message.contains("TLS-terminating proxy"), "{message}");
    }

    #[test]
    fn the_content_length_is_read_whatever_its_case() {
        assert_eq!(
            content_length("HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n"),
            Some(12)
        );
        assert_eq!(content_length("HTTP/1.1 200 OK\r\n\r\n"), None);
    }
}
