//! Query values of a type other than text: booleans and id lists, read the way the real API reads
//! them, and refused with 422/21000 naming the argument when they cannot be read, so a client bug
//! shows here instead of as a silently empty list.

use crate::wire::{ApiError, ErrorKind, ValidationMessage};

/// The type a query argument must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// `true` or `false` (any case).
    Boolean,
    /// One whole number, or several separated by commas.
    IdList,
    /// A whole number.
    Integer,
    /// A number, decimals allowed.
    Number,
}

impl ValueType {
    fn expected(self) -> &'static str {
        match self {
            Self::Boolean => "true or false",
            Self::IdList => "a whole number or a comma-separated list of them (id=1,2,3)",
            Self::Integer => "a whole number",
            Self::Number => "a number",
        }
    }

    fn accepts(self, text: &str) -> bool {
        match self {
            Self::Boolean => text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false"),
            Self::IdList => text
                .split(',')
                .map(str::trim)
                .all(|part| !part.is_empty() && part.parse::<i64>().is_ok()),
            Self::Integer => text.parse::<i64>().is_ok(),
            Self::Number => text.parse::<f64>().is_ok_and(f64::is_finite),
        }
    }
}

/// Checks that the argument `name`, sent as `text`, has type `kind`; an empty value counts as
/// not sent.
pub fn check(name: &str, text: &str, kind: ValueType) -> Result<(), ApiError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || kind.accepts(trimmed) {
        return Ok(());
    }
    Err(ApiError::new(ErrorKind::Param)
        .with_developer_message(format!(
            "The query argument {name} must be {}, not {text:?}.",
            kind.expected()
        ))
        .with_validation(vec![ValidationMessage::arg(
            name,
            "Verdien er ikke av korrekt type for dette feltet.",
        )]))
}

/// The boolean argument `name`: false when absent or empty, refused when not a boolean.
pub fn flag(name: &str, text: Option<&str>) -> Result<bool, ApiError> {
    match text {
        None => Ok(false),
        Some(text) => {
            check(name, text, ValueType::Boolean)?;
            Ok(text.trim().eq_ignore_ascii_case("true"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_typed_query_value_is_refused_naming_the_argument() {
        let refused = check("isInactive", "banana", ValueType::Boolean).unwrap_err();
        assert_eq!((refused.kind.status(), refused.kind.code()), (422, 21000));
        let messages = refused.validation_messages.unwrap();
        assert_eq!(messages[0].field.as_deref(), Some("arg:isInactive"));
        assert!(refused.developer_message.unwrap().contains("\"banana\""));
    }

    #[test]
    fn values_of_the_right_type_pass() {
        for (text, kind) in [
            ("TRUE", ValueType::Boolean),
            ("false", ValueType::Boolean),
            ("1, 2,3", ValueType::IdList),
            ("-4", ValueType::Integer),
            ("1.5", ValueType::Number),
            ("", ValueType::Integer),
        ] {
            assert!(check("x", text, kind).is_ok(), "{text:?} as {kind:?}");
        }
        for (text, kind) in [
            ("yes", ValueType::Boolean),
            ("1,,2", ValueType::IdList),
            ("1,x", ValueType::IdList),
            ("1.5", ValueType::Integer),
            ("NaN", ValueType::Number),
            ("inf", ValueType::Number),
        ] {
            assert!(check("x", text, kind).is_err(), "{text:?} as {kind:?}");
        }
    }

    #[test]
    fn an_absent_flag_is_false_and_a_bad_one_is_refused() {
        assert!(!flag("onlyContacts", None).unwrap());
        assert!(flag("onlyContacts", Some("True")).unwrap());
        assert!(flag("onlyContacts", Some("1")).is_err());
    }
}
