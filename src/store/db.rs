//! A connection as the store's parts use it: [`Db`] carries the connection with what a sandbox
//! keeps beside it (its remembered answers, its seed template and, in memory, its sessions).
//! The queries themselves live with their part: `access`, `sessions`, `objects`, `ledger`.

use super::remembered::{Login, Lookup, Mintable, Remembered};
use super::session_map::Sessions;
use super::template::Template;
use crate::domain::entitlements::AccessSet;
use rusqlite::{Connection, OptionalExtension};
use std::cell::RefCell;
use std::sync::{Mutex, MutexGuard};

/// Query access to one connection (or a transaction on it).
pub struct Db<'c> {
    pub(super) conn: &'c Connection,
    remembered: Option<&'c Mutex<Remembered>>,
    template: Option<&'c super::Template>,
    /// An in-memory store's sessions; `None` where they are the `sessions` table (a file).
    pub(super) sessions: Option<&'c RefCell<Sessions>>,
}

/// A store's remembered logins and answers. If a request panicked while holding them they may
/// be half-updated: they are forgotten, and the store goes on.
pub(super) fn lock_remembered(remembered: &Mutex<Remembered>) -> MutexGuard<'_, Remembered> {
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
        template: &'c Template,
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

    /// The default-fields rendering of a seed object: as a request made it before, shared by
    /// every sandbox of the same seed (a seed object never changes), else what `render` makes.
    pub fn seed_view<E>(
        &self,
        resource: &str,
        id: i64,
        render: impl FnOnce() -> Result<std::sync::Arc<str>, E>,
    ) -> Result<std::sync::Arc<str>, E> {
        if let Some(view) = self.template.and_then(|template| template.view(resource, id)) {
            return Ok(view);
        }
        let view = render()?;
        if let Some(template) = self.template {
            template.remember_view(resource, id, view.clone());
        }
        Ok(view)
    }

    /// The login a session token and company choice resolve to: as remembered while the access
    /// world is unchanged and `fresh` holds of it, else what `resolve` reads, remembered.
    pub(super) fn login<E>(
        &self,
        token: &str,
        company: Option<i64>,
        fresh: impl Fn(&Login) -> bool,
        resolve: impl FnOnce(&Self) -> Result<Login, E>,
    ) -> Result<Login, E> {
        if let Some(login) = self
            .remembered()
            .and_then(|r| r.login(token, company))
            .filter(|l| fresh(l))
        {
            return Ok(login);
        }
        let login = resolve(self)?;
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_login(self.conn, token, company, login.clone());
        }
        Ok(login)
    }

    /// A page rendered from this store under `key`: as made before if no row changed since,
    /// else what `render` makes, kept.
    pub fn rendered<E>(&self, key: &str, render: impl FnOnce() -> Result<bytes::Bytes, E>) -> Result<bytes::Bytes, E> {
        if let Some(answer) = self.remembered().and_then(|r| r.answer(self.conn, key)) {
            return Ok(answer);
        }
        let answer = render()?;
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_answer(self.conn, key, answer.clone());
        }
        Ok(answer)
    }

    /// A lookup's answer as remembered, if no row changed since but the inserts reported to
    /// [`Db::inserted`]; else what `look` reads, remembered.
    pub(super) fn looked_up(
        &self,
        lookup: Lookup<'_>,
        look: impl FnOnce() -> rusqlite::Result<Option<i64>>,
    ) -> rusqlite::Result<Option<i64>> {
        if let Some(answer) = self.remembered().and_then(|r| r.lookup(self.conn, &lookup)) {
            return Ok(answer);
        }
        let answer = look()?;
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_lookup(self.conn, lookup, answer);
        }
        Ok(answer)
    }

    /// An object was inserted by the statement that began at `before` row changes.
    pub(super) fn inserted(&self, resource: &str, company_id: i64, number: Option<i64>, before: u64) {
        if let Some(mut remembered) = self.remembered() {
            remembered.inserted(self.conn, resource, company_id, number, before);
        }
    }

    /// A key's effective access in a company: as remembered while the access world is
    /// unchanged, else what `decide` makes of it, remembered.
    pub fn effective_access<E>(
        &self,
        key_id: i64,
        company_id: i64,
        decide: impl FnOnce() -> Result<AccessSet, E>,
    ) -> Result<AccessSet, E> {
        if let Some(access) = self.remembered().and_then(|r| r.access(key_id, company_id)) {
            return Ok(access);
        }
        let access = decide()?;
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_access(self.conn, key_id, company_id, access);
        }
        Ok(access)
    }

    /// A token pair that may mint a session: as remembered while the access world is
    /// unchanged, else what `check` decides, remembered.
    pub fn mintable<E>(
        &self,
        consumer_token: &str,
        employee_token: &str,
        check: impl FnOnce() -> Result<Mintable, E>,
    ) -> Result<Mintable, E> {
        if let Some(mintable) = self
            .remembered()
            .and_then(|r| r.mintable(consumer_token, employee_token))
        {
            return Ok(mintable);
        }
        let mintable = check()?;
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_mintable(self.conn, consumer_token, employee_token, mintable);
        }
        Ok(mintable)
    }

    /// Moves the generation on for a change of the access world no trigger sees: the sessions
    /// an in-memory store keeps beside its connection.
    pub(super) fn access_world_changed(&self) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached("UPDATE generation SET value = value + 1")?
            .execute([])
            .map(drop)
    }

    pub(super) fn remembered(&self) -> Option<MutexGuard<'c, Remembered>> {
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

    pub fn set_meta(&self, key: &str, value: &str) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            )?
            .execute([key, value])
            .map(drop)
    }
}
