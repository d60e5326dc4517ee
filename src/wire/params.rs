//! Path parameters read by name, so the same handlers serve the default sandbox and the ones
//! under `/sb/{sandbox_id}` (whose extra parameter a positional extractor would trip over).

use crate::wire::{ApiError, ErrorKind};
use serde::Deserialize;

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
