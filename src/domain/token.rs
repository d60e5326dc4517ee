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

/// The `tokenId` a token string of this shape carries; `None` for any other string. A session is
/// stored under its token's id, so this is how it is found.
pub fn token_id(token: &str) -> Option<i64> {
    let encoded = token.strip_prefix("test-")?;
    // `{"tokenId":` + 19 digits + `,"token":"` + a uuid + `"}` fits in 80 bytes; a longer
    // string is not one of these tokens, and is not decoded.
    if encoded.len() > 120 {
        return None;
    }
    let json = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let rest = json.strip_prefix(br#"{"tokenId":"#)?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if !rest[digits..].starts_with(br#","token":""#) {
        return None;
    }
    std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_a_token_carries_is_read_back_and_other_strings_carry_none() {
        for id in [0, 42, 7001, i64::MAX] {
            assert_eq!(token_id(&token_string(id, [9; 16])), Some(id));
        }
        let json = |text: &str| format!("test-{}", base64::engine::general_purpose::STANDARD.encode(text));
        for other in [
            String::new(),
            "test-".into(),
            "test-!!!!".into(),
            token_string(42, [9; 16]).replacen("test-", "prod-", 1),
            json(r#"{"tokenId":-1,"token":"x"}"#),
            json(r#"{"tokenId":99999999999999999999,"token":"x"}"#),
            json(r#"{"token":"x","tokenId":4}"#),
            json(r#"{"tokenId":4}"#),
            format!("test-{}", "A".repeat(200)),
        ] {
            assert_eq!(token_id(&other), None, "{other}");
        }
    }

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
