//! The `fields` query filter: `a,b,sub(x,y)`, `*` for every field of a level, nested objects
//! rendered as `{id,url}` stubs unless expanded, `changes` only when asked for by name.

use crate::wire::error::{ApiError, ErrorKind};
use serde_json::{Map, Value};

/// A parsed `fields` expression for one object level.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldFilter {
    /// `*` was given (or nothing at all): every field of this level.
    all: bool,
    /// Fields named at this level, each with its own filter if it was expanded with `(…)`.
    named: Vec<(String, Option<FieldFilter>)>,
}

impl FieldFilter {
    /// The default of every endpoint: all fields, nested objects as stubs.
    pub fn everything() -> Self {
        Self {
            all: true,
            named: Vec::new(),
        }
    }

    /// True for the default (`*` or no `fields` at all): every field, nested objects as stubs.
    /// Handlers may then render a typed view straight to JSON instead of filtering a tree.
    pub fn is_everything(&self) -> bool {
        self.all && self.named.is_empty()
    }

    /// Parses a `fields` parameter; an empty or absent one means every field.
    pub fn parse(text: Option<&str>) -> Result<Self, ApiError> {
        let text = text.map(str::trim).unwrap_or("");
        if text.is_empty() {
            return Ok(Self::everything());
        }
        let mut chars = text.char_indices().peekable();
        let filter = parse_level(text, &mut chars, 0)?;
        if let Some((at, c)) = chars.next() {
            return Err(illegal(format!(
                "Unexpected '{c}' at position {at} in fields={text}. Close each '(' once."
            )));
        }
        Ok(filter)
    }

    /// The sub-filter of a field expanded with `name(…)` at this level, if it was.
    pub fn expansion(&self, name: &str) -> Option<&FieldFilter> {
        self.named
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, sub)| sub.as_ref())
    }

    /// Applies the filter to one rendered object of the named model.
    pub fn apply(&self, value: Value, model: &str) -> Result<Value, ApiError> {
        match value {
            Value::Object(object) => self.apply_object(object, model).map(Value::Object),
            Value::Array(items) => items
                .into_iter()
                .map(|item| self.apply(item, model))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            other => Ok(other),
        }
    }

    fn apply_object(&self, mut object: Map<String, Value>, model: &str) -> Result<Map<String, Value>, ApiError> {
        for (name, _) in &self.named {
            if name != "*" && !object.contains_key(name) {
                return Err(illegal(format!(
                    "Illegal field in fields filter: {name}. {name} does not match a field in the model: {model}"
                )));
            }
        }
        let mut out = Map::with_capacity(object.len());
        for (key, value) in object.iter_mut() {
            let named = self.named.iter().find(|(name, _)| name == key);
            let include = named.is_some() || (self.all && key != "changes");
            if !include {
                continue;
            }
            let value = std::mem::take(value);
            let rendered = match named.and_then(|(_, sub)| sub.as_ref()) {
                Some(sub) => sub.apply(value, key)?,
                None => stub(value),
            };
            out.insert(key.clone(), rendered);
        }
        Ok(out)
    }
}

/// A nested object with an id collapses to `{id,url}`; lists of such objects collapse element-wise.
/// This is what the default `fields` does to every value below the top level.
pub fn stub(value: Value) -> Value {
    match value {
        Value::Object(object) if object.contains_key("id") => {
            let mut stub = Map::with_capacity(2);
            for key in ["id", "url"] {
                if let Some(v) = object.get(key) {
                    stub.insert(key.to_owned(), v.clone());
                }
            }
            Value::Object(stub)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(stub).collect()),
        other => other,
    }
}

fn illegal(developer_message: String) -> ApiError {
    ApiError::new(ErrorKind::IllegalFilter).with_developer_message(developer_message)
}

type Chars<'a> = std::iter::Peekable<std::str::CharIndices<'a>>;

fn parse_level(text: &str, chars: &mut Chars<'_>, depth: usize) -> Result<FieldFilter, ApiError> {
    if depth > 16 {
        return Err(illegal("The fields filter nests deeper than 16 levels.".into()));
    }
    let mut filter = FieldFilter::default();
    loop {
        let mut name = String::new();
        while let Some(&(_, c)) = chars.peek() {
            if c == ',' || c == '(' || c == ')' {
                break;
            }
            if !c.is_whitespace() {
                name.push(c);
            }
            chars.next();
        }
        let sub = if matches!(chars.peek(), Some((_, '('))) {
            chars.next();
            let sub = parse_level(text, chars, depth + 1)?;
            match chars.next() {
                Some((_, ')')) => Some(sub),
                _ => return Err(illegal(format!("Missing ')' in fields={text}."))),
            }
        } else {
            None
        };
        if name == "*" {
            filter.all = true;
        } else if !name.is_empty() {
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(illegal(format!("Illegal field name '{name}' in fields={text}.")));
            }
            filter.named.push((name, sub));
        } else if sub.is_some() {
            return Err(illegal(format!("'(' without a field name in fields={text}.")));
        }
        match chars.peek() {
            Some((_, ',')) => {
                chars.next();
            }
            _ => return Ok(filter),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn company() -> Value {
        json!({"id": 1, "url": "h/v2/company/1", "name": "A",
               "currency": {"id": 1, "url": "h/v2/currency/1", "code": "NOK"},
               "changes": [{"changeType": "CREATE"}]})
    }

    #[test]
    fn empty_fields_give_every_field_with_nested_objects_as_stubs() {
        let out = FieldFilter::parse(None).unwrap().apply(company(), "Company").unwrap();
        assert_eq!(
            out,
            json!({"id": 1, "url": "h/v2/company/1", "name": "A",
                                "currency": {"id": 1, "url": "h/v2/currency/1"}})
        );
    }

    #[test]
    fn an_expanded_field_shows_its_own_fields() {
        let filter = FieldFilter::parse(Some("name,currency(code)")).unwrap();
        assert_eq!(
            filter.apply(company(), "Company").unwrap(),
            json!({"name": "A", "currency": {"code": "NOK"}})
        );
        let filter = FieldFilter::parse(Some("*,currency(*)")).unwrap();
        assert_eq!(filter.apply(company(), "Company").unwrap()["currency"]["code"], "NOK");
    }

    #[test]
    fn changes_appear_only_when_named() {
        let filter = FieldFilter::parse(Some("*,changes")).unwrap();
        assert!(filter.apply(company(), "Company").unwrap().get("changes").is_some());
    }

    #[test]
    fn an_unknown_field_is_an_illegal_filter() {
        let err = FieldFilter::parse(Some("id,nope"))
            .unwrap()
            .apply(company(), "Company")
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::IllegalFilter);
        assert!(err.developer_message.unwrap().contains("nope"));
    }

    #[test]
    fn unbalanced_parentheses_are_an_illegal_filter() {
        for text in ["a(b", "a)b", "(x)", "a(b(c)", "a b!"] {
            assert!(FieldFilter::parse(Some(text)).is_err(), "{text}");
        }
    }
}
