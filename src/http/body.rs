//! A control-plane body: a JSON object read into its type. serde reads a struct from a JSON
//! array too (by position), so `[true, true]` would set the first two fields of whatever the
//! body is; anything but an object is refused here first.

use crate::wire::{ApiError, ErrorKind};
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;

fn not_an_object() -> ApiError {
    ApiError::new(ErrorKind::InvalidJson)
        .with_developer_message("The request body must be a JSON object ({\"name\": value, …}).")
}

/// Refuses a body read as bytes (for a parser of its own) that is JSON but not an object: its
/// first character after white space is not `{`. An empty body passes (where none is needed).
pub fn expect_object(body: &[u8]) -> Result<(), ApiError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None | Some(b'{') => Ok(()),
        Some(_) => Err(not_an_object()),
    }
}

/// The body as `T`, sent as a JSON object.
pub struct JsonObject<T>(pub T);

impl<T> JsonObject<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for JsonObject<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonObject<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The app's JSON settings (size limit, content type, their error answers) apply as to
        // any other body.
        let json = web::Json::<Value>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner();
            if !value.is_object() {
                return Err(not_an_object().into());
            }
            serde_json::from_value(value).map(JsonObject).map_err(|e| {
                ApiError::new(ErrorKind::InvalidJson)
                    .with_developer_message(format!(
                        "The request body could not be read: Json deserialize error: {e}."
                    ))
                    .into()
            })
        })
    }
}
