//! How the domain's denials and the store's failures become Tripletex errors on the wire.

use crate::domain::denial::{Denial, DenialKind};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};

impl From<Denial> for ApiError {
    fn from(denial: Denial) -> Self {
        let kind = match denial.kind {
            DenialKind::Unauthorized => ErrorKind::Unauthorized,
            DenialKind::Forbidden => ErrorKind::Forbidden,
            DenialKind::Invalid => ErrorKind::Validation,
            DenialKind::MissingArgument => ErrorKind::ValueValidation,
            DenialKind::Conflict => ErrorKind::RevisionConflict,
            DenialKind::NotFound => ErrorKind::NotFound,
        };
        let mut error = ApiError::new(kind).with_developer_message(denial.developer_message());
        error.denial = Some(Box::new((denial.rule, denial.remedy.clone())));
        if let Some(norwegian) = denial.norwegian {
            let (reason, remedy) = *norwegian;
            error = error.with_norwegian(reason, remedy);
        }
        if denial.fields.is_empty() {
            return error;
        }
        let messages = denial
            .fields
            .into_iter()
            .map(|f| {
                if f.is_argument {
                    ValidationMessage::arg(&f.field, f.message)
                } else if f.field.is_empty() {
                    ValidationMessage::unnamed(f.message)
                } else {
                    ValidationMessage::field(f.field, f.message)
                }
            })
            .collect();
        error.with_validation(messages)
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(err: crate::store::StoreError) -> Self {
        match err {
            crate::store::StoreError::Sqlite(err) => err.into(),
            other => ApiError::internal(&other),
        }
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            // Another program writing a --db file (a sqlite3 shell holding a transaction) for
            // longer than the store waits: the user's to end, not the emulator's fault.
            Some(rusqlite::ErrorCode::DatabaseBusy) => ApiError::new(ErrorKind::ServiceUnavailable).with_developer_message(
                "The sandbox's database file is locked by another connection (a sqlite3 shell holding a transaction?); end that transaction and try again.",
            ),
            _ => ApiError::internal(&err),
        }
    }
}
