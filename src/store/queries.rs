//! The queries: rows in, domain values out. Every statement goes through the statement cache.

use super::remembered::{Login, Lookup, Mintable, Remembered};
use super::sessions::{SessionRow, Sessions};
use crate::domain::entitlements::AccessSet;
use crate::domain::events::Verb;
use crate::domain::model::{
    AccountantRelation, Company, CompanyKind, EmployeeTokenLookup, Integration, Key, KeyState, Package, Person, Session,
};
use crate::domain::rules::SessionLookup;
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::cell::RefCell;
use std::sync::{Mutex, MutexGuard};

/// Query access to one connection (or a transaction on it).
pub struct Db<'c> {
    conn: &'c Connection,
    remembered: Option<&'c Mutex<Remembered>>,
    template: Option<&'c super::Template>,
    /// An in-memory store's sessions; `None` where they are the `sessions` table (a file).
    sessions: Option<&'c RefCell<Sessions>>,
}

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

fn conversion_error(column: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unexpected {what} in the database").into(),
    )
}

fn company_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Company> {
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

fn json_column<T: serde::de::DeserializeOwned>(row: &Row<'_>, at: usize, what: &str) -> rusqlite::Result<T> {
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

fn integration_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Integration> {
    Ok(Integration {
        id: row.get(at)?,
        application_name: row.get(at + 1)?,
        consumer_token: row.get(at + 2)?,
        emails: row.get(at + 3)?,
    })
}

fn relation_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Option<AccountantRelation>> {
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

fn timestamp(text: &str, column: usize) -> rusqlite::Result<Timestamp> {
    text.parse().map_err(|_| conversion_error(column, "timestamp"))
}

/// A store's remembered logins and answers. If a request panicked while holding them they may
/// be half-updated: they are forgotten, and the store goes on.
pub(crate) fn lock_remembered(remembered: &Mutex<Remembered>) -> MutexGuard<'_, Remembered> {
    remembered.lock().unwrap_or_else(|poisoned| {
        let mut held = poisoned.into_inner();
        held.forget();
        remembered.clear_poison();
        held
    })
}

impl<'c> Db<'c> {
    /// Queries that remember nothing between calls (building a template, a copy being made).
    pub fn new(conn: &'c Connection) -> Self {
        Self {
            conn,
            remembered: None,
            template: None,
            sessions: None,
        }
    }

    pub(crate) fn remembering(
        conn: &'c Connection,
        remembered: &'c Mutex<Remembered>,
        template: &'c super::Template,
        sessions: Option<&'c RefCell<Sessions>>,
    ) -> Self {
        Self {
            conn,
            remembered: Some(remembered),
            template: Some(template),
            sessions,
        }
    }

    /// Only a store's sessions, where they are not its connection's (see `store::sessions`).
    pub(crate) fn with_sessions(conn: &'c Connection, sessions: Option<&'c RefCell<Sessions>>) -> Self {
        Self {
            sessions,
            ..Self::new(conn)
        }
    }

    /// The default-fields rendering a request made of a seed object, shared by every sandbox of
    /// the same seed.
    pub fn seed_view(&self, resource: &str, id: i64) -> Option<std::sync::Arc<str>> {
        self.template?.view(resource, id)
    }

    pub fn remember_seed_view(&self, resource: &str, id: i64, view: std::sync::Arc<str>) {
        if let Some(template) = self.template {
            template.remember_view(resource, id, view);
        }
    }

    /// The login a session token and company choice resolved to, if nothing changed since.
    pub fn remembered_login(&self, token: &str, company: Option<i64>) -> Option<Login> {
        self.remembered()?.login(token, company)
    }

    pub fn remember_login(&self, token: &str, company: Option<i64>, login: Login) {
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_login(token, company, login);
        }
    }

    /// An answer rendered from this store under `key`, if no row of it changed since.
    pub fn remembered_answer(&self, key: &str) -> Option<bytes::Bytes> {
        self.remembered()?.answer(key, self.conn.total_changes())
    }

    /// Remembers an answer rendered from the store as it is now.
    pub fn remember_answer(&self, key: &str, answer: bytes::Bytes) {
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_answer(key, self.conn.total_changes(), answer);
        }
    }

    /// A lookup's answer as remembered, if no row changed since but the inserts reported to
    /// [`Db::inserted`]; else what `look` reads, remembered.
    pub(crate) fn looked_up(
        &self,
        lookup: Lookup<'_>,
        look: impl FnOnce() -> rusqlite::Result<Option<i64>>,
    ) -> rusqlite::Result<Option<i64>> {
        let changes = self.conn.total_changes();
        if let Some(answer) = self
            .remembered()
            .and_then(|remembered| remembered.lookup(&lookup, changes))
        {
            return Ok(answer);
        }
        let answer = look()?;
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_lookup(lookup, changes, answer);
        }
        Ok(answer)
    }

    /// An object was inserted by the statement that began at `before` row changes.
    pub(crate) fn inserted(&self, resource: &str, company_id: i64, number: Option<i64>, before: u64) {
        if let Some(mut remembered) = self.remembered() {
            remembered.inserted(resource, company_id, number, before, self.conn.total_changes());
        }
    }

    /// A key's effective access in a company, if nothing changed since it was computed.
    pub fn remembered_access(&self, key_id: i64, company_id: i64) -> Option<AccessSet> {
        self.remembered()?.access(key_id, company_id)
    }

    pub fn remember_access(&self, key_id: i64, company_id: i64, access: AccessSet) {
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_access(key_id, company_id, access);
        }
    }

    /// A token pair that passed every rule of minting a session, if nothing changed since.
    pub fn remembered_mintable(&self, consumer_token: &str, employee_token: &str) -> Option<Mintable> {
        self.remembered()?.mintable(consumer_token, employee_token)
    }

    pub fn remember_mintable(&self, consumer_token: &str, employee_token: &str, mintable: Mintable) {
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_mintable(consumer_token, employee_token, mintable);
        }
    }

    /// For writes the connection's update hook does not see: tables WITHOUT ROWID, sessions
    /// marked deleted.
    pub(crate) fn forget_logins(&self) {
        if let Some(mut remembered) = self.remembered() {
            remembered.forget();
        }
    }

    fn remembered(&self) -> Option<MutexGuard<'c, Remembered>> {
        self.remembered.map(lock_remembered)
    }

    pub(crate) fn conn(&self) -> &'c Connection {
        self.conn
    }

    /// A sandbox's own connection (one with its seed template attached) keeps an outbox of
    /// events; a template being built has only its objects.
    pub(super) fn keeps_an_outbox(&self) -> bool {
        self.template.is_some()
    }

    // ---- reads -------------------------------------------------------------------------

    pub fn meta(&self, key: &str) -> rusqlite::Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()
    }

    pub fn company_count(&self) -> rusqlite::Result<i64> {
        self.conn
            .prepare_cached("SELECT COUNT(*) FROM companies")?
            .query_row([], |r| r.get(0))
    }

    /// The largest id in use by people and sessions, so generated ids continue after it.
    pub fn max_generated_id(&self) -> rusqlite::Result<i64> {
        let stored: i64 = self
            .conn
            .prepare_cached(
                "SELECT MAX(COALESCE((SELECT MAX(id) FROM people), 0), COALESCE((SELECT MAX(id) FROM sessions), 0))",
            )?
            .query_row([], |r| r.get(0))?;
        Ok(stored.max(self.sessions.map_or(0, |s| s.borrow().max_id())))
    }

    pub fn integration_by_consumer_token(&self, token: &str) -> rusqlite::Result<Option<Integration>> {
        let sql = concat!(
            "SELECT ",
            integration_columns!(),
            " FROM integrations i WHERE i.consumer_token = ?1"
        );
        self.conn
            .prepare_cached(sql)?
            .query_row([token], |r| integration_from(r, 0))
            .optional()
    }

    pub fn integration(&self, id: i64) -> rusqlite::Result<Option<Integration>> {
        let sql = concat!(
            "SELECT ",
            integration_columns!(),
            " FROM integrations i WHERE i.id = ?1"
        );
        self.conn
            .prepare_cached(sql)?
            .query_row([id], |r| integration_from(r, 0))
            .optional()
    }

    pub fn employee_token(&self, token: &str) -> rusqlite::Result<EmployeeTokenLookup> {
        let sql = concat!("SELECT ", key_columns!(), " FROM keys k WHERE k.token = ?1");
        if let Some(key) = self
            .conn
            .prepare_cached(sql)?
            .query_row([token], |r| key_from(r, 0))
            .optional()?
        {
            return Ok(EmployeeTokenLookup::Current(key));
        }
        let sql = concat!(
            "SELECT ",
            key_columns!(),
            ", t.retired_at FROM retired_tokens t JOIN keys k ON k.id = t.key_id WHERE t.token = ?1"
        );
        let retired = self
            .conn
            .prepare_cached(sql)?
            .query_row([token], |r| {
                let at: String = r.get(7)?;
                Ok((key_from(r, 0)?, timestamp(&at, 7)?))
            })
            .optional()?;
        Ok(match retired {
            Some((key, regenerated_at)) => EmployeeTokenLookup::Superseded { key, regenerated_at },
            None => EmployeeTokenLookup::Unknown,
        })
    }

    pub fn company(&self, id: i64) -> rusqlite::Result<Option<Company>> {
        let sql = concat!("SELECT ", company_columns!(), " FROM companies c WHERE c.id = ?1");
        self.conn
            .prepare_cached(sql)?
            .query_row([id], |r| company_from(r, 0))
            .optional()
    }

    /// Every company with its office relation (a client has at most one office).
    pub fn companies(&self) -> rusqlite::Result<Vec<CompanyRow>> {
        let sql = concat!(
            "SELECT ",
            company_columns!(),
            ", r.office_id, r.client_id, r.api_access, r.office_is_admin
             FROM companies c LEFT JOIN accountant_relations r ON r.client_id = c.id ORDER BY c.id"
        );
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map([], |r| {
            Ok(CompanyRow {
                company: company_from(r, 0)?,
                relation: relation_from(r, 8)?,
            })
        })?;
        rows.collect()
    }

    /// What the session rules need to judge a request to act in `company_id`, in one statement:
    /// the company, its relation to the key's company as office, and whether the key is linked.
    pub fn requested_company(
        &self,
        key_company_id: i64,
        key_id: i64,
        company_id: i64,
    ) -> rusqlite::Result<crate::domain::rules::RequestedCompany> {
        let sql = concat!(
            "SELECT ",
            company_columns!(),
            ", r.office_id, r.client_id, r.api_access, r.office_is_admin, l.key_id, l.pending
             FROM (SELECT ?3 AS id) q
             LEFT JOIN companies c ON c.id = q.id
             LEFT JOIN accountant_relations r ON r.office_id = ?1 AND r.client_id = q.id
             LEFT JOIN client_key_links l ON l.key_id = ?2 AND l.client_id = q.id"
        );
        self.conn
            .prepare_cached(sql)?
            .query_row(params![key_company_id, key_id, company_id], |r| {
                let found: Option<i64> = r.get(0)?;
                let linked: Option<i64> = r.get(12)?;
                let pending: bool = r.get::<_, Option<bool>>(13)?.unwrap_or(false);
                Ok(crate::domain::rules::RequestedCompany {
                    id: company_id,
                    company: found.map(|_| company_from(r, 0)).transpose()?,
                    relation: relation_from(r, 8)?,
                    key_linked: linked.is_some() && !pending,
                    key_link_pending: linked.is_some() && pending,
                })
            })
    }

    pub fn relation(&self, office_id: i64, client_id: i64) -> rusqlite::Result<Option<AccountantRelation>> {
        self.conn
            .prepare_cached(
                "SELECT office_id, client_id, api_access, office_is_admin FROM accountant_relations
                 WHERE office_id = ?1 AND client_id = ?2",
            )?
            .query_row([office_id, client_id], |r| relation_from(r, 0))
            .optional()
            .map(Option::flatten)
    }

    /// The clients a key can log into: linked to the key, related to its office, and consenting («API-tilgang»).
    pub fn login_clients(&self, key: &Key) -> rusqlite::Result<Vec<Company>> {
        let sql = concat!(
            "SELECT ",
            company_columns!(),
            " FROM client_key_links l
             JOIN accountant_relations r ON r.client_id = l.client_id AND r.office_id = ?2 AND r.api_access = 1
             JOIN companies c ON c.id = l.client_id
             WHERE l.key_id = ?1 AND l.pending = 0 ORDER BY c.id"
        );
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map([key.id, key.company_id], |r| company_from(r, 0))?;
        rows.collect()
    }

    pub fn person(&self, id: i64) -> rusqlite::Result<Option<Person>> {
        let sql = concat!("SELECT ", person_columns!(), " FROM people p WHERE p.id = ?1");
        self.conn
            .prepare_cached(sql)?
            .query_row([id], |r| person_from(r, 0))
            .optional()
    }

    /// The record that stands for an accounting office inside one of its clients.
    pub fn proxy_person(&self, client_id: i64, office_id: i64) -> rusqlite::Result<Option<Person>> {
        let sql = concat!(
            "SELECT ",
            person_columns!(),
            " FROM people p WHERE p.company_id = ?1 AND p.proxy_for_office = ?2 AND p.is_proxy = 1"
        );
        self.conn
            .prepare_cached(sql)?
            .query_row([client_id, office_id], |r| person_from(r, 0))
            .optional()
    }

    /// The id of the record that stands for an accounting office inside one of its clients
    /// (remembered: every whoAmI of an office acting as a client asks).
    pub fn proxy_person_id(&self, client_id: i64, office_id: i64) -> rusqlite::Result<Option<i64>> {
        if let Some(known) = self.remembered().and_then(|r| r.proxy(client_id, office_id)) {
            return Ok(known);
        }
        let found = self
            .conn
            .prepare_cached(
                "SELECT p.id FROM people p WHERE p.company_id = ?1 AND p.proxy_for_office = ?2 AND p.is_proxy = 1",
            )?
            .query_row([client_id, office_id], |r| r.get(0))
            .optional()?;
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_proxy(client_id, office_id, found);
        }
        Ok(found)
    }

    /// The session a token names: stored under the id the token carries, with that whole token.
    pub fn session_by_token(&self, token: &str) -> rusqlite::Result<SessionLookup> {
        let Some(id) = crate::domain::token::token_id(token) else {
            return Ok(SessionLookup::Unknown);
        };
        if let Some(sessions) = self.sessions {
            let Some(row) = sessions.borrow().find(id, token).cloned() else {
                return Ok(SessionLookup::Unknown);
            };
            let sql = concat!("SELECT ", key_columns!(), " FROM keys k WHERE k.id = ?1");
            let key = self
                .conn
                .prepare_cached(sql)?
                .query_row([row.key_id], |r| key_from(r, 0))
                .optional()?;
            return Ok(key.map_or(SessionLookup::Unknown, |key| {
                SessionLookup::Found(Session {
                    id: row.id,
                    key,
                    integration_id: row.integration_id,
                    expiration_date: row.expiration_date,
                    expires_at: row.expires_at,
                    deleted: row.deleted,
                    used: row.used,
                })
            }));
        }
        let sql = concat!(
            "SELECT s.id, s.integration_id, s.expiration_date, s.expires_at, s.deleted, s.used, ",
            key_columns!(),
            "
             FROM sessions s JOIN keys k ON k.id = s.key_id WHERE s.id = ?1 AND s.token = ?2"
        );
        let found = self
            .conn
            .prepare_cached(sql)?
            .query_row(params![id, token], |r| {
                let date: String = r.get(2)?;
                let expires_at: i64 = r.get(3)?;
                Ok(Session {
                    id: r.get(0)?,
                    integration_id: r.get(1)?,
                    expiration_date: date.parse().map_err(|_| conversion_error(2, "date"))?,
                    expires_at: Timestamp::from_second(expires_at).map_err(|_| conversion_error(3, "timestamp"))?,
                    deleted: r.get(4)?,
                    used: r.get(5)?,
                    key: key_from(r, 6)?,
                })
            })
            .optional()?;
        Ok(found.map_or(SessionLookup::Unknown, SessionLookup::Found))
    }

    /// Every active key with its token, owner, company, (if registered) integration and, for an
    /// office key, its clients. Remembered until the access world changes, and carried into a
    /// copy of the store: every sandbox made from a scenario starts with its template's keys.
    pub fn credentials(&self) -> rusqlite::Result<std::sync::Arc<[CredentialRow]>> {
        if let Some(known) = self.remembered().and_then(|r| r.credentials()) {
            return Ok(known);
        }
        let rows: std::sync::Arc<[CredentialRow]> = self.read_credentials()?.into();
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_credentials(rows.clone());
        }
        Ok(rows)
    }

    fn read_credentials(&self) -> rusqlite::Result<Vec<CredentialRow>> {
        let sql = concat!(
            "SELECT ",
            key_columns!(),
            ", k.token, ",
            person_columns!(),
            ", ",
            company_columns!(),
            ", ",
            integration_columns!(),
            "
             FROM keys k
             JOIN people p ON p.id = k.person_id
             JOIN companies c ON c.id = k.company_id
             LEFT JOIN integrations i ON i.id = COALESCE(k.integration_id,
                 (SELECT MIN(id) FROM integrations WHERE application_name = k.application_name))
             WHERE k.state = 'active' ORDER BY k.id"
        );
        // Asked for when a sandbox is made and seldom after: not worth a place in its statement cache.
        let mut statement = self.conn.prepare(sql)?;
        let rows = statement.query_map([], |r| {
            let integration_id: Option<i64> = r.get(29)?;
            Ok(CredentialRow {
                key: key_from(r, 0)?,
                token: r.get(7)?,
                person: person_from(r, 8)?,
                company: company_from(r, 21)?,
                integration: integration_id.map(|_| integration_from(r, 29)).transpose()?,
                clients: Vec::new(),
            })
        })?;
        let mut rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        for row in rows.iter_mut().filter(|row| row.key.accountant_key) {
            row.clients = self.login_clients(&row.key)?.iter().map(|c| c.id).collect();
        }
        Ok(rows)
    }

    // ---- writes ------------------------------------------------------------------------

    pub fn set_meta(&self, key: &str, value: &str) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute([key, value])
            .map(drop)
    }

    pub fn insert_session(&self, session: &NewSession<'_>) -> rusqlite::Result<()> {
        if let Some(sessions) = self.sessions {
            let added = sessions.borrow_mut().insert(SessionRow {
                id: session.id,
                token: session.token.into(),
                key_id: session.key_id,
                integration_id: session.integration_id,
                expiration_date: session.expiration_date,
                expires_at: session.expires_at,
                deleted: false,
                used: false,
            });
            // As the table's primary key would refuse it.
            return if added {
                Ok(())
            } else {
                Err(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY),
                    Some(format!("a session with id {} exists", session.id)),
                ))
            };
        }
        self.conn
            .prepare_cached(
                "INSERT INTO sessions(id, token, key_id, integration_id, expiration_date, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                session.id,
                session.token,
                session.key_id,
                session.integration_id,
                session.expiration_date.to_string(),
                session.expires_at.as_second(),
            ])
            .map(drop)
    }

    /// Notes that a session has called the API (once: later calls find it set).
    pub fn mark_session_used(&self, id: i64) -> rusqlite::Result<()> {
        if let Some(sessions) = self.sessions {
            sessions.borrow_mut().mark_used(id);
            return Ok(());
        }
        self.conn
            .prepare_cached("UPDATE sessions SET used = 1 WHERE id = ?1")?
            .execute([id])
            .map(drop)
    }

    /// Forgets sessions that expired before `expired_before`, then, while more than `keep` are
    /// left, the oldest never used, then the oldest used.
    pub fn prune_sessions(&self, expired_before: Timestamp, keep: usize) -> rusqlite::Result<usize> {
        if let Some(sessions) = self.sessions {
            let forgotten = sessions.borrow_mut().prune(expired_before, keep);
            if forgotten > 0 {
                self.forget_logins();
            }
            return Ok(forgotten);
        }
        let expired = self
            .conn
            .prepare_cached("DELETE FROM sessions WHERE expires_at < ?1")?
            .execute([expired_before.as_second()])?;
        let left: i64 = self
            .conn
            .prepare_cached("SELECT count(*) FROM sessions")?
            .query_row([], |r| r.get(0))?;
        let surplus = left - i64::try_from(keep).unwrap_or(i64::MAX);
        if surplus <= 0 {
            return Ok(expired);
        }
        let oldest = self
            .conn
            .prepare_cached("DELETE FROM sessions WHERE id IN (SELECT id FROM sessions ORDER BY used, id LIMIT ?1)")?
            .execute([surplus])?;
        Ok(expired + oldest)
    }

    /// Marks a live session of the given key deleted; false if the key has no such session.
    pub fn delete_session(&self, token: &str, key_id: i64) -> rusqlite::Result<bool> {
        let Some(id) = crate::domain::token::token_id(token) else {
            return Ok(false);
        };
        let deleted = match self.sessions {
            Some(sessions) => sessions.borrow_mut().mark_deleted(id, token, key_id),
            None => {
                self.conn
                    .prepare_cached(
                        "UPDATE sessions SET deleted = 1 WHERE id = ?1 AND token = ?2 AND key_id = ?3 AND deleted = 0",
                    )?
                    .execute(params![id, token, key_id])?
                    == 1
            }
        };
        self.forget_logins();
        Ok(deleted)
    }

    /// Ends every live session of a key.
    pub fn revoke_sessions(&self, key_id: i64) -> rusqlite::Result<usize> {
        let revoked = match self.sessions {
            Some(sessions) => sessions.borrow_mut().revoke(key_id),
            None => self
                .conn
                .prepare_cached("UPDATE sessions SET deleted = 1 WHERE key_id = ?1 AND deleted = 0")?
                .execute([key_id])?,
        };
        self.forget_logins();
        Ok(revoked)
    }

    /// Forgets every session (the world they were minted in is being replaced).
    pub(crate) fn clear_sessions(&self) -> rusqlite::Result<()> {
        if let Some(sessions) = self.sessions {
            sessions.borrow_mut().clear();
        }
        self.conn.execute_batch("DELETE FROM sessions")
    }

    pub fn insert_company(&self, company: &Company) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO companies(id, name, organization_number, kind, package, integrations_enabled, company_type, email)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                company.id,
                company.name,
                company.organization_number,
                company.kind.as_str(),
                company.package.as_str(),
                company.integrations_enabled,
                company.company_type,
                company.email,
            ])
            .map(drop)
    }

    pub fn insert_relation(&self, relation: &AccountantRelation) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO accountant_relations(office_id, client_id, api_access, office_is_admin) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![relation.office_id, relation.client_id, relation.api_access, relation.office_is_admin])?;
        self.forget_logins();
        Ok(())
    }

    /// Stores a person; `proxy_for_office` is set for the record standing for an office in a client.
    pub fn insert_person(&self, person: &Person, proxy_for_office: Option<i64>) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO people(id, company_id, first_name, last_name, email, is_contact, is_proxy, proxy_for_office, user_type, roles, entitlements, client_entitlements, details)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                person.id,
                person.company_id,
                person.first_name,
                person.last_name,
                person.email,
                person.is_contact,
                person.is_proxy,
                proxy_for_office,
                user_type_text(person.user_type),
                json_text(&person.roles),
                json_text(&person.entitlements),
                json_text(&person.client_entitlements),
                json_text(&person.details),
            ])?;
        if !person.is_proxy {
            self.object_written("employee", person.company_id, person.id, Verb::Create)?;
        }
        Ok(())
    }

    pub fn insert_integration(
        &self,
        integration: &Integration,
        in_catalog: bool,
        supports_accountant_keys: bool,
        may_create_employee_tokens: bool,
    ) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO integrations(id, application_name, consumer_token, emails, in_catalog, supports_accountant_keys, may_create_employee_tokens)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                integration.id,
                integration.application_name,
                integration.consumer_token,
                integration.emails,
                in_catalog,
                supports_accountant_keys,
                may_create_employee_tokens,
            ])
            .map(drop)
    }

    pub fn insert_key(
        &self,
        key: &Key,
        integration_id: Option<i64>,
        accesses: &crate::domain::entitlements::KeyAccesses,
        token: &str,
        created_at: Timestamp,
    ) -> rusqlite::Result<()> {
        let state = match key.state {
            KeyState::Active => "active",
            KeyState::Deleted => "deleted",
        };
        self.conn
            .prepare_cached(
                "INSERT INTO keys(id, name, person_id, company_id, integration_id, application_name, accesses, accountant_key, token, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                key.id,
                key.name,
                key.person_id,
                key.company_id,
                integration_id,
                key.application_name,
                super::admin::accesses_text(accesses),
                key.accountant_key,
                token,
                state,
                created_at.to_string(),
            ])
            .map(drop)
    }

    pub fn insert_retired_token(&self, token: &str, key_id: i64, retired_at: Timestamp) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached("INSERT INTO retired_tokens(token, key_id, retired_at) VALUES (?1, ?2, ?3)")?
            .execute(params![token, key_id, retired_at.to_string()])?;
        self.forget_logins();
        Ok(())
    }

    /// Links an office key to a client, or replaces the accesses of an existing link.
    pub fn insert_link(&self, key_id: i64, client_id: i64, accesses_json: &str, pending: bool) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO client_key_links(key_id, client_id, accesses, pending) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(key_id, client_id) DO UPDATE SET accesses = excluded.accesses",
            )?
            .execute(params![key_id, client_id, accesses_json, pending])?;
        self.forget_logins();
        Ok(())
    }
}
