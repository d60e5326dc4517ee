//! The Tripletex error envelope and the one table of error kinds (status, code, default message).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use std::borrow::Cow;

/// The documentation link the real API puts in every error body.
pub const DOCS_LINK: &str = "https://tripletex.no/v2-docs/";

macro_rules! error_kinds {
    ($($kind:ident => $status:literal, $code:literal, $message:literal, $norwegian:literal;)*) => {
        /// Every kind of error the emulator answers with: HTTP status, Tripletex code, default
        /// message, and that message in Norwegian for the console's Norwegian pages.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorKind { $($kind,)* }

        impl ErrorKind {
            pub fn status(self) -> u16 { match self { $(Self::$kind => $status,)* } }
            pub fn code(self) -> u32 { match self { $(Self::$kind => $code,)* } }
            pub fn default_message(self) -> &'static str { match self { $(Self::$kind => $message,)* } }
            pub fn norwegian_message(self) -> &'static str { match self { $(Self::$kind => $norwegian,)* } }
        }
    };
}

error_kinds! {
    BadRequest => 400, 4000, "Bad Request", "Ugyldig forespørsel";
    IllegalFilter => 400, 11000, "Illegal Filter Exception", "Ugyldig filter";
    PathParam => 400, 12000, "Path Param Exception", "Ugyldig verdi i adressen";
    Unauthorized => 401, 3000, "Unauthorized", "Ikke innlogget";
    Forbidden => 403, 9000, "You do not have permission to access this feature.", "Du har ikke tilgang til denne funksjonen.";
    NotFound => 404, 6000, "Object not found", "Objektet finnes ikke";
    MethodNotAllowed => 405, 4000, "Method Not Allowed", "Metoden er ikke tillatt";
    RequestTimeout => 408, 4000, "Request Timeout", "Forespørselen tok for lang tid";
    ObjectExists => 409, 7000, "Object Exists Exception", "Objektet finnes allerede";
    RevisionConflict => 409, 8000, "Revision Exception", "Objektet er endret av noen andre";
    Locked => 409, 10000, "Locked Exception", "Objektet er låst";
    Duplicate => 409, 14000, "Duplicate entry", "Finnes fra før";
    PayloadTooLarge => 413, 4000, "Payload Too Large", "Forespørselen er for stor";
    UnsupportedMediaType => 415, 4000, "Unsupported Media Type", "Innholdstypen støttes ikke";
    ValueValidation => 422, 15000, "Validation failed", "Validering feilet.";
    Mapping => 422, 16000, "Mapping Exception", "Kunne ikke lese verdiene";
    Sorting => 422, 17000, "Sorting Exception", "Ugyldig sortering";
    Validation => 422, 18000, "Validering feilet.", "Validering feilet.";
    Param => 422, 21000, "Param Exception", "Ugyldig parameter";
    InvalidJson => 422, 22000, "Invalid JSON Exception", "Ugyldig JSON";
    ResultSetTooLarge => 422, 23000, "Result Set Too Large", "For mange treff";
    TooManyRequests => 429, 0, "Too Many Requests", "For mange forespørsler";
    BadGateway => 502, 0, "Bad Gateway", "Feil hos tjenesten bak";
    ServiceUnavailable => 503, 0, "Service Unavailable", "Tjenesten er ikke tilgjengelig";
    GatewayTimeout => 504, 0, "Gateway Timeout", "Tjenesten bak svarte ikke i tide";
    NotEmulated => 501, 0, "Not Implemented", "Ikke emulert ennå";
    Internal => 500, 1000, "Exception", "Intern feil";
}

/// One entry of `validationMessages`: the real API always sends all four keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationMessage {
    pub field: Option<Cow<'static, str>>,
    pub message: Cow<'static, str>,
    pub path: Option<Cow<'static, str>>,
    pub root_id: Option<i64>,
}

impl ValidationMessage {
    /// A message about a query argument: field and path are both `arg:<name>`, as the real API sends.
    pub fn arg(name: &str, message: impl Into<Cow<'static, str>>) -> Self {
        let field = format!("arg:{name}");
        Self {
            path: Some(field.clone().into()),
            field: Some(field.into()),
            message: message.into(),
            root_id: None,
        }
    }

    /// A message about the whole object: the real API sends `field` null.
    pub fn unnamed(message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            field: None,
            message: message.into(),
            path: None,
            root_id: None,
        }
    }

    /// A message about a named field without a path.
    pub fn field(name: impl Into<Cow<'static, str>>, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            field: Some(name.into()),
            message: message.into(),
            path: None,
            root_id: None,
        }
    }
}

/// An error on its way to the wire. The request id is added by the request-id middleware,
/// which is the one place that renders error bodies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} {}: {}", kind.status(), kind.code(), message)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub message: Cow<'static, str>,
    pub developer_message: Option<Cow<'static, str>>,
    pub validation_messages: Option<Vec<ValidationMessage>>,
    /// For a denial: the rule that said no and its remedy, for the journal (boxed, as `norwegian`).
    pub denial: Option<Box<(&'static str, Option<String>)>>,
    /// The reason and remedy in Norwegian, where the rule or page gave them (boxed: it travels
    /// in every `Result` of the request path and is rarely there).
    pub norwegian: Option<Box<Norwegian>>,
    /// For a 405: the methods the path has, sent as `Allow`, one bit each of [`METHODS`] (a bit
    /// set keeps the error small: it travels in every `Result` of the request path).
    pub allow: u8,
}

/// An error's reason and remedy in Norwegian, as Tripletex's own screens speak.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Norwegian {
    pub reason: String,
    pub remedy: Option<String>,
}

/// The methods an `Allow` header can name, in the order it names them.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

impl ApiError {
    pub fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            message: Cow::Borrowed(kind.default_message()),
            developer_message: None,
            validation_messages: None,
            denial: None,
            norwegian: None,
            allow: 0,
        }
    }

    /// A 405's `Allow` header: the methods the path has.
    pub fn with_allow(mut self, methods: &[&str]) -> Self {
        for (bit, name) in METHODS.iter().enumerate() {
            if methods.contains(name) {
                self.allow |= 1 << bit;
            }
        }
        self
    }

    pub fn with_developer_message(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.developer_message = Some(text.into());
        self
    }

    /// The reason (and remedy) in Norwegian, for the console's Norwegian pages.
    pub fn with_norwegian(mut self, reason: impl Into<String>, remedy: Option<String>) -> Self {
        self.norwegian = Some(Box::new(Norwegian {
            reason: reason.into(),
            remedy,
        }));
        self
    }

    pub fn with_message(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.message = text.into();
        self
    }

    pub fn with_validation(mut self, messages: Vec<ValidationMessage>) -> Self {
        self.validation_messages = Some(messages);
        self
    }

    /// The same error about an object sent inside another: each named field is put under
    /// `prefix` (`employments[0].` + `startDate`).
    pub fn within(mut self, prefix: &str) -> Self {
        for message in self.validation_messages.iter_mut().flatten() {
            if let Some(field) = message
                .field
                .as_mut()
                .filter(|f| !f.is_empty() && !f.starts_with("arg:"))
            {
                *field = Cow::Owned(format!("{prefix}{field}"));
            }
        }
        self
    }

    /// Shorthand for the common "bad request" with a reason.
    pub fn bad_request(developer_message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::BadRequest).with_developer_message(developer_message)
    }

    /// 422/15000 for required query arguments that are missing, each named with "Kan ikke være null.".
    pub fn missing_arguments(names: &[&str], developer_message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::ValueValidation)
            .with_developer_message(developer_message)
            .with_validation(
                names
                    .iter()
                    .map(|name| ValidationMessage::field(name.to_string(), "Kan ikke være null."))
                    .collect(),
            )
    }

    pub fn not_found(developer_message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound).with_developer_message(developer_message)
    }

    /// Logs an internal failure and returns the opaque 500 that never echoes its cause.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        log::error!("internal error: {cause}");
        Self::new(ErrorKind::Internal).with_developer_message("The sandbox hit an internal error; see its log.")
    }

    /// Renders the Tripletex error envelope with all seven keys.
    pub fn body(&self, request_id: &str) -> Vec<u8> {
        self.body_with_link(request_id, DOCS_LINK)
    }

    /// The envelope with another `link`: the control plane is the emulator's, not Tripletex's, so
    /// its errors point to the emulator's own documentation.
    pub fn body_with_link(&self, request_id: &str, link: &'static str) -> Vec<u8> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Envelope<'a> {
            status: u16,
            code: u32,
            message: &'a str,
            link: &'static str,
            developer_message: Option<&'a str>,
            validation_messages: Option<&'a [ValidationMessage]>,
            request_id: &'a str,
        }
        let envelope = Envelope {
            status: self.kind.status(),
            code: self.kind.code(),
            message: &self.message,
            link,
            developer_message: self.developer_message.as_deref(),
            validation_messages: self.validation_messages.as_deref(),
            request_id,
        };
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_vec(&envelope).unwrap_or_default()
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The body is written by the request-id middleware, which knows the request id.
    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if self.allow != 0 {
            let methods: Vec<&str> = (0..METHODS.len())
                .filter(|bit| self.allow & (1 << bit) != 0)
                .filter_map(|bit| METHODS.get(bit).copied())
                .collect();
            response.insert_header((actix_web::http::header::ALLOW, methods.join(", ")));
        }
        response.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_body_has_all_seven_keys() {
        let body = ApiError::new(ErrorKind::NotFound).body("rid");
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "status",
                "code",
                "message",
                "link",
                "developerMessage",
                "validationMessages",
                "requestId"
            ]
        );
        assert_eq!(value["status"], 404);
        assert_eq!(value["code"], 6000);
        assert_eq!(value["message"], "Object not found");
        assert_eq!(value["requestId"], "rid");
    }

    #[test]
    fn an_argument_validation_message_names_field_and_path() {
        let message = ValidationMessage::arg("consumerToken", "bad");
        assert_eq!(message.field.as_deref(), Some("arg:consumerToken"));
        assert_eq!(message.path.as_deref(), Some("arg:consumerToken"));
    }
}
