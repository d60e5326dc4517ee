//! Parsing of the `Authorization: Basic base64(<companyId>:<sessionToken>)` header. Only the
//! syntax lives here; whether the session and company are acceptable is the domain's call.

use crate::wire::error::{ApiError, ErrorKind};
use base64::Engine;

/// Which company the caller asks to act in: the username of the Basic header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyChoice {
    /// Username `0` or blank: the company that owns the key behind the session.
    Own,
    /// A numeric username: act in that company (normally a client of an accounting office).
    Company(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    pub company: CompanyChoice,
    pub session_token: String,
}

const HOW_TO: &str = "Send Authorization: Basic base64(<companyId>:<sessionToken>), with 0 as companyId for the key's own company; mint the session token with PUT /v2/token/session/:create.";

/// Parses the header value; every failure is the 401/3000 the real API answers.
pub fn parse_basic(header: Option<&[u8]>) -> Result<BasicCredentials, ApiError> {
    let unauthorized =
        |why: String| Err(ApiError::new(ErrorKind::Unauthorized).with_developer_message(format!("{why} {HOW_TO}")));
    let Some(raw) = header else {
        return unauthorized("No Authorization header.".into());
    };
    let Ok(text) = std::str::from_utf8(raw) else {
        return unauthorized("The Authorization header is not text.".into());
    };
    let text = text.trim();
    let Some((scheme, encoded)) = text.split_once(' ') else {
        return unauthorized("The Authorization header is not of the Basic scheme.".into());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return unauthorized(format!("The Authorization scheme is {scheme:?}, not Basic."));
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return unauthorized("The Basic credentials are not valid base64.".into());
    };
    let Ok(decoded) = String::from_utf8(decoded) else {
        return unauthorized("The Basic credentials are not UTF-8 text.".into());
    };
    let Some((username, password)) = decoded.split_once(':') else {
        return unauthorized("The Basic credentials have no ':' between company id and session token.".into());
    };
    let company = parse_username(username)?;
    if password.is_empty() {
        return unauthorized("The session token (the Basic password) is empty.".into());
    }
    Ok(BasicCredentials {
        company,
        session_token: password.to_owned(),
    })
}

/// `0` (the key's own company) or a client's id; anything else, an empty name too, is refused
/// with the real API's message.
fn parse_username(username: &str) -> Result<CompanyChoice, ApiError> {
    let numeric = !username.is_empty() && username.bytes().all(|b| b.is_ascii_digit());
    match username.parse::<i64>() {
        Ok(0) if numeric => Ok(CompanyChoice::Own),
        Ok(id) if numeric => Ok(CompanyChoice::Company(id)),
        _ => Err(ApiError::new(ErrorKind::Unauthorized).with_developer_message(format!(
            "Authorization header has invalid username: {username}. Should be a customer id or 0 for default. The expected format is base64encoded(<<companyId>>:<<sessionToken>>)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(user_pass: &str) -> Vec<u8> {
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(user_pass)).into_bytes()
    }

    #[test]
    fn username_zero_means_the_keys_own_company_and_a_blank_one_is_refused() {
        assert_eq!(parse_basic(Some(&header("0:tok"))).unwrap().company, CompanyChoice::Own);
        let blank = parse_basic(Some(&header(":tok"))).unwrap_err();
        assert_eq!(blank.kind, ErrorKind::Unauthorized);
        let message = blank.developer_message.unwrap_or_default();
        assert!(
            message.contains("invalid username: . Should be a customer id or 0"),
            "{message}"
        );
    }

    #[test]
    fn a_numeric_username_asks_for_that_company() {
        let credentials = parse_basic(Some(&header("2001:tok:with:colons"))).unwrap();
        assert_eq!(credentials.company, CompanyChoice::Company(2001));
        assert_eq!(credentials.session_token, "tok:with:colons");
    }

    #[test]
    fn a_non_numeric_username_gets_the_real_developer_message() {
        let err = parse_basic(Some(&header("me@example.com:tok"))).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unauthorized);
        assert_eq!(
            err.developer_message.as_deref(),
            Some(
                "Authorization header has invalid username: me@example.com. Should be a customer id or 0 for default. The expected format is base64encoded(<<companyId>>:<<sessionToken>>)"
            )
        );
    }

    #[test]
    fn missing_or_undecodable_headers_are_unauthorized() {
        for raw in [
            None,
            Some(&b"Bearer x"[..]),
            Some(&b"Basic !!!"[..]),
            Some(&b"Basic"[..]),
        ] {
            assert_eq!(parse_basic(raw).unwrap_err().kind, ErrorKind::Unauthorized, "{raw:?}");
        }
        assert_eq!(
            parse_basic(Some(&header("0"))).unwrap_err().kind,
            ErrorKind::Unauthorized
        );
    }
}
