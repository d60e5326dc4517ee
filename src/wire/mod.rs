//! Tripletex HTTP conventions, free of business rules: envelopes, the error envelope and its
//! code table, request ids, Basic-auth parsing, the fields filter, paging and sorting, typed query values, uploaded files.

pub mod auth;
pub mod envelope;
pub mod error;
pub mod fields;
pub mod openapi;
pub mod params;
pub mod query;
pub mod request_id;
pub mod upload;

pub use error::{ApiError, ErrorKind, ValidationMessage};
