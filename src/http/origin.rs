//! The emulator's own address as URLs in responses show it (`baseUrl`, the host of `url` fields):
//! the `--public-url` when one is set (behind a proxy or a container's port mapping), otherwise
//! the local address of the connection the request came in on. Never a request header: `Host`
//! and `X-Forwarded-Host` are the caller's to choose, and would put any address into a link.

use actix_web::{HttpRequest, web};
use std::net::SocketAddr;

/// What `--public-url` said: the scheme and the `host[:port]` clients reach the emulator at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicOrigin {
    pub scheme: String,
    pub authority: String,
}

impl PublicOrigin {
    /// Reads `http://host[:port]` or `https://host[:port]` (a trailing `/` allowed, nothing else).
    pub fn parse(text: &str) -> Result<Self, String> {
        let hint = "give the scheme and host as clients reach the emulator, such as http://sandbox.internal:8080";
        let (scheme, rest) = text
            .split_once("://")
            .filter(|(scheme, _)| matches!(*scheme, "http" | "https"))
            .ok_or_else(|| format!("--public-url {text:?} must start with http:// or https://; {hint}"))?;
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        let acceptable = |c: char| c.is_ascii_alphanumeric() || "-._:[]".contains(c);
        if authority.is_empty() || !authority.chars().all(acceptable) {
            return Err(format!(
                "--public-url {text:?} must be a scheme and a host[:port] only, without path, query or user; {hint}"
            ));
        }
        Ok(Self {
            scheme: scheme.to_owned(),
            authority: authority.to_owned(),
        })
    }
}

/// The local address of a connection, kept with it when it is accepted: on a listener bound to
/// a wildcard (`0.0.0.0`) it is the address the client actually reached.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionAddress(pub SocketAddr);

impl ConnectionAddress {
    /// The local address of a TCP connection the server accepted (`on_connect` gives it as `Any`).
    pub fn of(connection: &dyn std::any::Any) -> Option<Self> {
        connection
            .downcast_ref::<actix_web::rt::net::TcpStream>()
            .and_then(|tcp| tcp.local_addr().ok())
            .map(Self)
    }
}

/// The address this request came in on: its connection's, else the listener's.
fn local_address(req: &HttpRequest) -> SocketAddr {
    req.conn_data::<ConnectionAddress>()
        .map_or_else(|| req.app_config().local_addr(), |address| address.0)
}

/// `host:port` of the emulator for this request.
pub fn authority(req: &HttpRequest) -> String {
    match req
        .app_data::<web::Data<Option<PublicOrigin>>>()
        .and_then(|o| o.as_ref().as_ref())
    {
        Some(public) => public.authority.clone(),
        None => local_address(req).to_string(),
    }
}

/// `scheme://host:port` of the emulator for this request.
pub fn base_url(req: &HttpRequest) -> String {
    match req
        .app_data::<web::Data<Option<PublicOrigin>>>()
        .and_then(|o| o.as_ref().as_ref())
    {
        Some(public) => format!("{}://{}", public.scheme, public.authority),
        None => format!("http://{}", local_address(req)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_public_url_is_a_scheme_and_a_host_only() {
        let parsed = PublicOrigin::parse("https://sandbox.internal:8443/").unwrap();
        assert_eq!(
            (parsed.scheme.as_str(), parsed.authority.as_str()),
            ("https", "sandbox.internal:8443")
        );
        assert_eq!(
            PublicOrigin::parse("http://[::1]:8080").unwrap().authority,
            "[::1]:8080"
        );
        for bad in [
            "sandbox:8080",
            "ftp://x",
            "http://",
            "http://x/v2",
            "http://u@x",
            "http://x?y",
        ] {
            assert!(PublicOrigin::parse(bad).is_err(), "{bad}");
        }
    }
}
