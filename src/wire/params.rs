//! Path parameters read by name, so the same handlers serve the default sandbox and the ones
//! under `/sb/{sandbox_id}` (whose extra parameter a positional extractor would trip over).

use crate::wire::{ApiError, ErrorKind};
use serde::Deserialize;

/// One path segment with its `%XX` escapes decoded (`%3EwhoAmI` is `>whoAmI`); an escape that is
/// not one, or bytes that are not UTF-8, stay as sent.
pub fn decode_segment(segment: &str) -> String {
    if !segment.contains('%') {
        return segment.to_owned();
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| segment.to_owned())
}

/// `{id}` as text (parsed by the handler, which answers 400/12000 on a non-number).
#[derive(Debug, Deserialize)]
pub struct Id {
    pub id: String,
}

impl Id {
    /// The id as a number, or the 400/12000 the real API answers for a malformed path parameter.
    pub fn number(&self) -> Result<i64, ApiError> {
        self.id.parse().map_err(|_| {
            ApiError::new(ErrorKind::PathParam)
                .with_developer_message(format!("The id in the path must be a number, not {:?}.", self.id))
        })
    }
}

/// `{id}` as a number.
#[derive(Debug, Deserialize)]
pub struct NumericId {
    pub id: i64,
}

/// `{token}`: a session token in the path.
#[derive(Debug, Deserialize)]
pub struct Token {
    pub token: String,
}

/// `{clientId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientId {
    pub client_id: i64,
}

/// `{clientId}` and `{keyId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientKey {
    pub client_id: i64,
    pub key_id: i64,
}

/// `{id}` (a person) and `{clientId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonClient {
    pub id: i64,
    pub client_id: i64,
}

#[cfg(test)]
mod tests {
    use super::decode_segment;

    #[test]
    fn a_segment_is_decoded_where_its_escapes_are_escapes() {
        assert_eq!(decode_segment("%3EwhoAmI"), ">whoAmI");
        assert_eq!(decode_segment("%3ewhoAmI"), ">whoAmI");
        assert_eq!(decode_segment("plain"), "plain");
        assert_eq!(decode_segment("100%"), "100%");
        assert_eq!(decode_segment("%+1x"), "%+1x");
        assert_eq!(decode_segment("%C3%B8"), "ø");
        assert_eq!(decode_segment("%FF"), "%FF");
    }
}
