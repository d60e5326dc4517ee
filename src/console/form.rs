//! A posted HTML form as the browser sends it (`application/x-www-form-urlencoded`, a name may
//! repeat for checkboxes), read without ever failing: a field that is missing or not a number
//! becomes a readable validation error on the page, never a 500.

use crate::wire::{ApiError, ErrorKind, ValidationMessage};

pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// An unreadable body reads as an empty form (whose required fields are then reported missing).
    pub fn parse(body: &[u8]) -> Self {
        Self {
            pairs: serde_urlencoded::from_bytes(body).unwrap_or_default(),
        }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The value of `name`, trimmed, or None when it is missing or blank.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Every value of `name` (the ticked boxes of a group).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Whether the checkbox `name` was ticked (a browser sends nothing for an unticked box).
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A required whole number; `label` is what the page calls the field.
    pub fn number(&self, name: &str, label: &str) -> Result<i64, ApiError> {
        let value = self
            .text(name)
            .ok_or_else(|| invalid(name, label, ("må fylles ut", "is required")))?;
        value
            .parse()
            .map_err(|_| invalid(name, label, ("må være et tall", "must be a number")))
    }

    /// An optional whole number: blank is None, anything else must be a number.
    pub fn optional_number(&self, name: &str, label: &str) -> Result<Option<i64>, ApiError> {
        match self.text(name) {
            None => Ok(None),
            Some(_) => self.number(name, label).map(Some),
        }
    }
}

/// `problem` in Norwegian and in English; the field message is Norwegian, as Tripletex's are.
fn invalid(name: &str, label: &str, (no, en): (&str, &str)) -> ApiError {
    ApiError::new(ErrorKind::Validation)
        .with_developer_message(format!("«{label}» {en}."))
        .with_norwegian(format!("«{label}» {no}."), None)
        .with_validation(vec![ValidationMessage::field(
            name.to_owned(),
            format!("«{label}» {no}"),
        )])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_a_group_of_ticked_boxes() {
        let form = Form::parse(b"roles=A&roles=B&name=+Kontor+n%C3%B8kkel+&empty=");
        assert_eq!(form.all("roles"), ["A", "B"]);
        assert_eq!(form.text("name"), Some("Kontor nøkkel"));
        assert_eq!(form.text("empty"), None);
        assert!(form.checked("empty") && !form.checked("missing"));
    }

    #[test]
    fn a_bad_number_is_a_validation_error_not_a_panic() {
        let form = Form::parse(b"id=12x&blank=");
        let error = form.number("id", "Integrasjon").unwrap_err();
        assert_eq!(error.kind.status(), 422);
        assert_eq!(form.optional_number("blank", "X").unwrap(), None);
        assert!(Form::parse(&[0xff, b'=', b'%']).get("x").is_none());
    }
}
