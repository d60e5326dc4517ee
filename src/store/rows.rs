//! The store's leaf: row decoders (rows in, domain values out), the column lists they read,
//! the stored forms of access, and the types the store's parts share. It imports nothing else of
//! the store, so every part can use it without a circle.

use crate::domain::entitlements::{Grant, KeyAccesses};
use crate::domain::kind::Kind;
use crate::domain::model::{AccountantRelation, Company, CompanyKind, Integration, Key, KeyState, Package, Person};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::Row;

/// The resource of ledger accounts.
pub(super) const ACCOUNT: &str = Kind::Account.path();

/// A company with, for clients, the relation to its office.
#[derive(Debug, Clone)]
pub struct CompanyRow {
    pub company: Company,
    pub relation: Option<AccountantRelation>,
}

/// One key with what a user needs to open a session with it.
#[derive(Debug, Clone)]
pub struct CredentialRow {
    pub key: Key,
    pub token: String,
    pub person: Person,
    pub company: Company,
    pub integration: Option<Integration>,
    /// For an accounting-office key, the clients it can log into (see [`Db::login_clients`]).
    pub clients: Vec<i64>,
}

/// A session about to be stored.
pub struct NewSession<'a> {
    pub id: i64,
    pub token: &'a str,
    pub key_id: i64,
    pub integration_id: i64,
    pub expiration_date: Date,
    pub expires_at: Timestamp,
}

// Column lists are macros so every statement is one `concat!`ed literal: no SQL is formatted on
// the request path, and the statement cache is keyed by a string that never changes.
macro_rules! company_columns {
    () => {
        "c.id, c.name, c.organization_number, c.kind, c.package, c.integrations_enabled, c.company_type, c.email"
    };
}
macro_rules! key_columns {
    () => {
        "k.id, k.name, k.person_id, k.company_id, k.application_name, k.accountant_key, k.state"
    };
}
macro_rules! person_columns {
    () => {
        "p.id, p.company_id, p.first_name, p.last_name, p.email, p.is_contact, p.is_proxy, p.user_type, p.roles, p.entitlements, p.client_entitlements, p.version, p.details"
    };
}
pub(crate) use person_columns;
macro_rules! integration_columns {
    () => {
        "i.id, i.application_name, i.consumer_token, i.emails"
    };
}
pub(super) use {company_columns, integration_columns, key_columns};

pub(super) fn conversion_error(column: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unexpected {what} in the database").into(),
    )
}

pub(super) fn company_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Company> {
    let kind: String = row.get(at + 3)?;
    let package: String = row.get(at + 4)?;
    Ok(Company {
        id: row.get(at)?,
        name: row.get(at + 1)?,
        organization_number: row.get(at + 2)?,
        kind: CompanyKind::parse(&kind).ok_or_else(|| conversion_error(at + 3, "company kind"))?,
        package: Package::parse(&package).ok_or_else(|| conversion_error(at + 4, "package"))?,
        integrations_enabled: row.get(at + 5)?,
        company_type: row.get(at + 6)?,
        email: row.get(at + 7)?,
    })
}

pub(crate) fn key_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Key> {
    let state: String = row.get(at + 6)?;
    Ok(Key {
        id: row.get(at)?,
        name: row.get(at + 1)?,
        person_id: row.get(at + 2)?,
        company_id: row.get(at + 3)?,
        application_name: row.get(at + 4)?,
        accountant_key: row.get(at + 5)?,
        state: match state.as_str() {
            "active" => KeyState::Active,
            "deleted" => KeyState::Deleted,
            _ => return Err(conversion_error(at + 6, "key state")),
        },
    })
}

pub(super) fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, at: usize, what: &str) -> rusqlite::Result<T> {
    let text: String = row.get(at)?;
    serde_json::from_str(&text).map_err(|_| conversion_error(at, what))
}

pub(crate) fn person_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Person> {
    let user_type: String = row.get(at + 7)?;
    Ok(Person {
        user_type: user_type_from(&user_type).ok_or_else(|| conversion_error(at + 7, "user type"))?,
        roles: json_column(row, at + 8, "roles")?,
        entitlements: json_column(row, at + 9, "entitlements")?,
        client_entitlements: json_column(row, at + 10, "client entitlements")?,
        version: row.get(at + 11)?,
        details: json_column(row, at + 12, "details")?,
        id: row.get(at)?,
        company_id: row.get(at + 1)?,
        first_name: row.get(at + 2)?,
        last_name: row.get(at + 3)?,
        email: row.get(at + 4)?,
        is_contact: row.get(at + 5)?,
        is_proxy: row.get(at + 6)?,
    })
}

pub(super) fn integration_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Integration> {
    Ok(Integration {
        id: row.get(at)?,
        application_name: row.get(at + 1)?,
        consumer_token: row.get(at + 2)?,
        emails: row.get(at + 3)?,
    })
}

pub(super) fn relation_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Option<AccountantRelation>> {
    let office_id: Option<i64> = row.get(at)?;
    let Some(office_id) = office_id else { return Ok(None) };
    Ok(Some(AccountantRelation {
        office_id,
        client_id: row.get(at + 1)?,
        api_access: row.get(at + 2)?,
        office_is_admin: row.get(at + 3)?,
    }))
}

pub fn json_text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

pub(crate) fn user_type_text(user_type: crate::domain::model::UserType) -> &'static str {
    match user_type {
        crate::domain::model::UserType::Standard => "STANDARD",
        crate::domain::model::UserType::Extended => "EXTENDED",
        crate::domain::model::UserType::NoAccess => "NO_ACCESS",
    }
}

pub(crate) fn user_type_from(text: &str) -> Option<crate::domain::model::UserType> {
    use crate::domain::model::UserType;
    Some(match text {
        "STANDARD" => UserType::Standard,
        "EXTENDED" => UserType::Extended,
        "NO_ACCESS" => UserType::NoAccess,
        _ => return None,
    })
}

pub(super) fn timestamp(text: &str, column: usize) -> rusqlite::Result<Timestamp> {
    text.parse().map_err(|_| conversion_error(column, "timestamp"))
}

/// How a key's accesses are stored: `"ALL"` or a list of names.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum StoredAccesses {
    Word(String),
    List(Vec<Grant>),
}

/// A stored accesses value as the domain sees it. One that cannot be read grants nothing (and
/// says so in the log): a damaged row must never widen what a key may do.
pub(crate) fn accesses_from(key_id: i64, text: &str) -> KeyAccesses {
    match serde_json::from_str::<StoredAccesses>(text) {
        Ok(StoredAccesses::Word(word)) if word == "ALL" => KeyAccesses::All,
        Ok(StoredAccesses::List(grants)) => KeyAccesses::Only(grants),
        _ => {
            log::error!("key {key_id}: stored accesses {text:?} cannot be read; the key is given no access");
            KeyAccesses::Only(Vec::new())
        }
    }
}

/// The stored form of a key's accesses; only the store writes it.
pub(crate) fn accesses_text(accesses: &KeyAccesses) -> String {
    match accesses {
        KeyAccesses::All => json_text(&StoredAccesses::Word("ALL".to_owned())),
        KeyAccesses::Only(grants) => json_text(grants),
    }
}

/// A link's stored accesses; unreadable ones grant nothing.
pub(super) fn link_grants_from(text: &str) -> Vec<Grant> {
    serde_json::from_str(text).unwrap_or_else(|_| {
        log::error!("a client link's stored accesses {text:?} cannot be read; the link gives no access");
        Vec::new()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_access_that_is_null_or_unreadable_grants_nothing() {
        for stored in ["null", "", "{}", "[1]", "\"SOME\"", "[\"NO_SUCH_ACCESS\"]"] {
            let read = accesses_from(7, stored);
            assert!(
                matches!(&read, KeyAccesses::Only(grants) if grants.is_empty()),
                "{stored}: {read:?}"
            );
        }
        assert!(matches!(accesses_from(7, "\"ALL\""), KeyAccesses::All));
        assert!(matches!(
            accesses_from(7, &accesses_text(&KeyAccesses::All)),
            KeyAccesses::All
        ));
        assert!(link_grants_from("null").is_empty());
    }
}
