//! Path parameters read by name, so the same handlers serve the default sandbox and the ones
//! under `/sb/{sandbox_id}` (whose extra parameter a positional extractor would trip over).

use serde::Deserialize;

/// `{id}` as text (parsed by the handler, which answers 400/12000 on a non-number).
#[derive(Debug, Deserialize)]
pub struct Id {
    pub id: String,
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
