//! Response envelopes (`{"value":…}`, `{"fullResultSize",…,"values":[…]}`) and the list
//! helpers every list endpoint shares: paging (`from`, `count`), `sorting` and `fields`.

use crate::wire::error::{ApiError, ErrorKind, ValidationMessage};
use crate::wire::fields::FieldFilter;
use crate::wire::request_id::JSON_UTF8;
use actix_web::HttpResponse;
use actix_web::http::header::CONTENT_TYPE;
use serde::Deserialize;
use serde_json::{Value, json};
use std::cmp::Ordering;

/// The largest page the sandbox hands out in one response.
pub const MAX_COUNT: usize = 10_000;
/// The page size of a list asked for without `count`.
pub const DEFAULT_COUNT: usize = 1000;
/// What the real API puts in `versionDigest` when no checksum was asked for.
pub const NO_DIGEST: &str = "'If-None-Match' header not specified";

/// `200 {"value": …}` after applying the fields filter.
pub fn single(value: Value, fields: &FieldFilter, model: &str) -> Result<HttpResponse, ApiError> {
    let value = fields.apply(value, model)?;
    Ok(json_response(200, &json!({ "value": value })))
}

/// `{"value": …}` of a typed view, serialized straight to bytes (no `Value` tree on the way).
#[derive(serde::Serialize)]
pub struct Single<T> {
    pub value: T,
}

/// A `{id, url}` reference to another object, as nested objects render by default.
#[derive(Debug, serde::Serialize)]
pub struct Stub {
    pub id: i64,
    pub url: String,
}

impl Stub {
    /// A stub of `/{path}/{id}` under the API base `base`.
    pub fn new(base: &str, path: &str, id: i64) -> Self {
        Self {
            id,
            url: format!("{base}/{path}/{id}"),
        }
    }
}

/// A typed body with the JSON content type; `status` is a real HTTP status.
pub fn typed_response<T: serde::Serialize>(status: u16, body: &T) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    match serde_json::to_vec(body) {
        Ok(bytes) => HttpResponse::build(status)
            .insert_header((CONTENT_TYPE, JSON_UTF8))
            .body(bytes),
        Err(err) => HttpResponse::from_error(ApiError::internal(&err)),
    }
}

/// Already serialized JSON with the JSON content type.
pub fn json_bytes(status: u16, body: Vec<u8>) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, JSON_UTF8))
        .body(body)
}

/// A JSON answer whose bytes are shared with whoever else keeps them (not copied).
pub fn json_shared(status: u16, body: bytes::Bytes) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, JSON_UTF8))
        .body(body)
}

pub fn json_response(status: u16, body: &Value) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status)
        .insert_header((CONTENT_TYPE, JSON_UTF8))
        .body(serde_json::to_vec(body).unwrap_or_default())
}

/// Query parameters every list endpoint takes.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub from: Option<String>,
    pub count: Option<String>,
    pub sorting: Option<String>,
    pub fields: Option<String>,
}

impl ListQuery {
    /// The list parameters among a call's query arguments.
    pub fn of(query: &std::collections::HashMap<String, String>) -> Self {
        Self {
            from: query.get("from").cloned(),
            count: query.get("count").cloned(),
            sorting: query.get("sorting").cloned(),
            fields: query.get("fields").cloned(),
        }
    }
}

/// Validated list parameters.
#[derive(Debug, Clone)]
pub struct ListParams {
    pub from: usize,
    pub count: usize,
    pub sorting: Vec<SortKey>,
    pub fields: FieldFilter,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub path: Vec<String>,
    pub descending: bool,
}

impl ListParams {
    pub fn parse(query: &ListQuery) -> Result<Self, ApiError> {
        let from = parse_index("from", query.from.as_deref(), 0)?;
        let count = parse_index("count", query.count.as_deref(), DEFAULT_COUNT)?;
        if count > MAX_COUNT {
            return Err(ApiError::new(ErrorKind::ResultSetTooLarge).with_developer_message(format!(
                "count={count} is more than the {MAX_COUNT} the sandbox returns in one page. Page with from and count."
            )));
        }
        Ok(Self {
            from,
            count,
            sorting: parse_sorting(query.sorting.as_deref())?,
            fields: FieldFilter::parse(query.fields.as_deref())?,
        })
    }

    /// Sorts, pages and filters already rendered objects into the list envelope.
    pub fn respond(&self, values: Vec<Value>, model: &str) -> Result<HttpResponse, ApiError> {
        self.respond_with_digest(values, model, None)
    }

    /// The page of a list paged where it was read: `page` is the page, `full` how many matched.
    pub fn respond_slice(&self, page: Vec<Value>, full: usize, model: &str) -> Result<HttpResponse, ApiError> {
        Ok(json_response(200, &self.slice_of(page, full, model, None)?))
    }

    /// The list envelope of a page paged where it was read, its values field-filtered.
    pub fn slice_of(
        &self,
        page: Vec<Value>,
        full: usize,
        model: &str,
        digest: Option<&str>,
    ) -> Result<Value, ApiError> {
        let page = self.fields.apply(Value::Array(page), model)?;
        let shown = page.as_array().map_or(0, Vec::len);
        Ok(json!({
            "fullResultSize": full,
            "from": self.from,
            "count": shown,
            "versionDigest": digest.unwrap_or(NO_DIGEST),
            "values": page,
        }))
    }

    /// The list envelope of a whole result: sorted, paged and field-filtered.
    pub fn page_of(&self, mut values: Vec<Value>, model: &str, digest: Option<&str>) -> Result<Value, ApiError> {
        sort(&mut values, &self.sorting, model)?;
        let full = values.len();
        let page: Vec<Value> = values.into_iter().skip(self.from).take(self.count).collect();
        self.slice_of(page, full, model, digest)
    }

    /// As [`respond`](Self::respond), with the checksum of the whole result as `versionDigest`.
    pub fn respond_with_digest(
        &self,
        values: Vec<Value>,
        model: &str,
        digest: Option<&str>,
    ) -> Result<HttpResponse, ApiError> {
        Ok(json_response(200, &self.page_of(values, model, digest)?))
    }
}

fn parse_index(name: &'static str, text: Option<&str>, default: usize) -> Result<usize, ApiError> {
    match text.map(str::trim) {
        None | Some("") => Ok(default),
        Some(text) => text.parse::<usize>().map_err(|_| {
            ApiError::new(ErrorKind::Param)
                .with_developer_message(format!("{name} must be a whole number of 0 or more, not {text:?}."))
                .with_validation(vec![ValidationMessage::arg(
                    name,
                    "Verdien er ikke av korrekt type for dette feltet.",
                )])
        }),
    }
}

fn parse_sorting(text: Option<&str>) -> Result<Vec<SortKey>, ApiError> {
    let Some(text) = text else { return Ok(Vec::new()) };
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (descending, name) = match part.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, part),
            };
            let path: Vec<String> = name.split('.').map(str::to_owned).collect();
            if path
                .iter()
                .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            {
                return Err(sorting_error(format!(
                    "Illegal sorting field {part:?}. Use field names, '.' for sub-objects, '-' for descending."
                )));
            }
            Ok(SortKey { path, descending })
        })
        .collect()
}

fn sorting_error(developer_message: String) -> ApiError {
    ApiError::new(ErrorKind::Sorting).with_developer_message(developer_message)
}

fn lookup<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| v.get(key))
}

fn sort(values: &mut [Value], keys: &[SortKey], model: &str) -> Result<(), ApiError> {
    if keys.is_empty() {
        return Ok(());
    }
    if let Some(first) = values.first() {
        for key in keys {
            if first.get(&key.path[0]).is_none() {
                return Err(sorting_error(format!(
                    "Cannot sort on {}: no such field in the model {model}.",
                    key.path.join(".")
                )));
            }
        }
    }
    values.sort_by(|a, b| {
        keys.iter()
            .map(|key| {
                let order = compare(lookup(a, &key.path), lookup(b, &key.path));
                if key.descending { order.reverse() } else { order }
            })
            .find(|o| *o != Ordering::Equal)
            .unwrap_or(Ordering::Equal)
    });
    Ok(())
}

fn compare(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => {
            x.as_f64().unwrap_or(0.0).total_cmp(&y.as_f64().unwrap_or(0.0))
        }
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        (None | Some(Value::Null), None | Some(Value::Null)) => Ordering::Equal,
        (None | Some(Value::Null), _) => Ordering::Less,
        (_, None | Some(Value::Null)) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, count: &str, sorting: &str) -> ListQuery {
        ListQuery {
            from: Some(from.into()),
            count: Some(count.into()),
            sorting: Some(sorting.into()),
            fields: None,
        }
    }

    #[test]
    fn paging_rejects_non_numbers_and_huge_pages() {
        assert_eq!(
            ListParams::parse(&query("x", "1", "")).unwrap_err().kind,
            ErrorKind::Param
        );
        assert_eq!(
            ListParams::parse(&query("0", "-1", "")).unwrap_err().kind,
            ErrorKind::Param
        );
        assert_eq!(
            ListParams::parse(&query("0", "10001", "")).unwrap_err().kind,
            ErrorKind::ResultSetTooLarge
        );
    }

    #[test]
    fn sorting_orders_by_several_keys_and_direction() {
        let params = ListParams::parse(&query("0", "10", "-a,b")).unwrap();
        let mut values = vec![
            json!({"a": 1, "b": "y"}),
            json!({"a": 2, "b": "z"}),
            json!({"a": 1, "b": "x"}),
        ];
        sort(&mut values, &params.sorting, "M").unwrap();
        assert_eq!(
            values,
            vec![
                json!({"a": 2, "b": "z"}),
                json!({"a": 1, "b": "x"}),
                json!({"a": 1, "b": "y"})
            ]
        );
    }

    #[test]
    fn sorting_on_an_unknown_field_is_a_sorting_error() {
        let params = ListParams::parse(&query("0", "10", "nope")).unwrap();
        let mut values = vec![json!({"a": 1})];
        assert_eq!(
            sort(&mut values, &params.sorting, "M").unwrap_err().kind,
            ErrorKind::Sorting
        );
    }
}
