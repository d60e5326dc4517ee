//! The shape of generated token strings: `test-` + base64 (standard alphabet) of
//! `{"tokenId":<id>,"token":"<uuid>"}`, like the tokens of Tripletex's test environment.

use base64::Engine;

/// Builds a token string from its id and 16 random bytes (the caller owns the random source,
/// so a seeded sandbox generates the same tokens every run).
pub fn token_string(token_id: i64, random: [u8; 16]) -> String {
    let uuid = uuid::Builder::from_random_bytes(random).into_uuid();
    let json = format!(r#"{{"tokenId":{token_id},"token":"{uuid}"}}"#);
    let mut out = String::with_capacity(5 + json.len() * 4 / 3 + 4);
    out.push_str("test-");
    base64::engine::general_purpose::STANDARD.encode_string(json, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_token_is_test_prefixed_base64_json() {
        let token = token_string(42, [7; 16]);
        let encoded = token.strip_prefix("test-eyJ").map(|_| &token[5..]).unwrap();
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(value["tokenId"], 42);
        assert!(uuid::Uuid::parse_str(value["token"].as_str().unwrap()).is_ok());
    }
}
