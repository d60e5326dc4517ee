//! SQLite storage of one sandbox's world through rusqlite: one connection behind a mutex,
//! cached prepared statements, short transactions. The store reads and writes; it never decides.

mod admin;
mod objects;
mod queries;
pub mod schema;

pub use admin::{ClientLinkRow, IntegrationRow, KeyRow, WorldRows};
pub use objects::{ObjectFilter, ObjectPage, ObjectRow, StoredObject};
pub use queries::{CompanyRow, CredentialRow, Db, NewSession, json_text};

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error(transparent)]
    Migration(#[from] schema::MigrationError),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// All state of one sandbox.
pub struct Store {
    conn: Mutex<Connection>,
}

impl Store {
    /// A private in-memory database (the default).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: ":memory:".into(),
            source,
        })?;
        Self::prepare(conn)
    }

    /// A database file that survives restarts, in WAL mode.
    pub fn open_file(path: &Path) -> Result<Self, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: path.display().to_string(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::prepare(conn)
    }

    /// A private in-memory copy of another store, made with SQLite's backup API: far cheaper than
    /// installing a scenario again.
    pub fn copy_of(template: &Store) -> Result<Self, StoreError> {
        let mut conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: ":memory:".into(),
            source,
        })?;
        {
            let source = template.lock();
            let backup = rusqlite::backup::Backup::new(&source, &mut conn)?;
            backup.run_to_completion(1024, std::time::Duration::ZERO, None)?;
        }
        Self::prepare(conn)
    }

    fn prepare(mut conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Without the query planner stability guarantee SQLite marks statements whose plan could
        // depend on a bound value (`col = ?` anywhere the planner weighs it) to be prepared again
        // after every rebinding, so the statement cache saved nothing: each request re-parsed its SQL.
        conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.set_prepared_statement_cache_capacity(128);
        // Lists filter on text "case aside" as Rust's to_lowercase does, not only in ASCII.
        conn.create_scalar_function(
            "sandbox_lower",
            1,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8 | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| Ok(ctx.get::<Option<String>>(0)?.map(|text| text.to_lowercase())),
        )?;
        let found = schema::migrate(&mut conn)?;
        if found > 0 && found < schema::NUMBER_COLUMN_VERSION {
            objects::fill_numbers(&conn)?;
        }
        Ok(Self { conn: Mutex::new(conn) })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written transaction behind
        // (rusqlite rolls back on drop), so the connection is still sound.
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs queries under one lock; each statement commits on its own.
    pub fn with<T, E: From<rusqlite::Error>>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E> {
        let conn = self.lock();
        f(&Db::new(&conn))
    }

    /// Runs writes in one transaction: all of it lands or none of it does.
    pub fn transaction<T, E: From<rusqlite::Error>>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let out = f(&Db::new(&tx))?;
        tx.commit()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::StatementStatus;

    #[test]
    fn cached_statements_are_not_prepared_again_on_every_use() {
        let store = Store::open_in_memory().unwrap();
        let sql =
            "SELECT s.id, k.id FROM sessions s JOIN keys k ON k.id = s.key_id WHERE s.token = ?1 AND s.deleted = ?2";
        let conn = store.lock();
        for token in ["a", "b", "c"] {
            let mut statement = conn.prepare_cached(sql).unwrap();
            let _ = statement.query_row(rusqlite::params![token, 0], |r| r.get::<_, i64>(0));
        }
        let statement = conn.prepare_cached(sql).unwrap();
        assert_eq!(statement.get_status(StatementStatus::RePrepare), 0);
    }

    #[test]
    fn a_database_from_before_the_number_and_inactive_columns_gets_them_filled_in() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(schema::MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO objects(resource, id, company_id, version, body, changes) VALUES ('customer', 1, 7, 0, '{\"customerNumber\": 10005, \"isInactive\": true}', '[]')",
            [],
        )
        .unwrap();
        let store = Store::prepare(conn).unwrap();
        assert_eq!(store.with(|db| db.max_number("customer", 7)).unwrap(), Some(10005));
        let inactive = [ObjectFilter::Inactive(true)];
        let page = store
            .with(|db| db.object_page("customer", 7, &inactive, (0, 10), false))
            .unwrap();
        assert_eq!((page.total, page.page.len()), (1, 1), "isInactive is filled in too");
    }

    #[test]
    fn pruning_forgets_long_expired_sessions_then_the_oldest_unused_ones() {
        let store = Store::open_in_memory().unwrap();
        store.lock().pragma_update(None, "foreign_keys", false).unwrap();
        let day = |d: i64| jiff::Timestamp::from_second(d * 86_400).unwrap();
        let date: jiff::civil::Date = "2030-01-01".parse().unwrap();
        let tokens: Vec<String> = (1..=10).map(|id| format!("token-{id}")).collect();
        store
            .with(|db| {
                for (id, token) in (1..=10).zip(&tokens) {
                    // Sessions 1 and 2 expired on day 1; the others live until day 100.
                    let expires_at = if id <= 2 { day(1) } else { day(100) };
                    db.insert_session(&NewSession {
                        id,
                        token,
                        key_id: 1,
                        integration_id: 1,
                        expiration_date: date,
                        expires_at,
                    })?;
                }
                assert_eq!(db.prune_sessions(day(0), 10)?, 0, "nothing expired before day 0");
                db.mark_session_used(3)?;
                assert_eq!(
                    db.prune_sessions(day(2), 5)?,
                    2 + 3,
                    "two expired, then the three oldest unused"
                );
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
        let kept: String = store
            .lock()
            .query_row(
                "SELECT group_concat(id, ',') FROM (SELECT id FROM sessions ORDER BY id)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, "3,7,8,9,10", "the used session outlives newer unused ones");
    }

    #[test]
    fn a_ledger_account_is_found_by_its_number_from_an_index() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.lock();
        let plan: Vec<String> = conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT id FROM objects WHERE resource = 'ledger/account' AND company_id = ?1
                 AND json_extract(body, '$.number') = ?2 ORDER BY id LIMIT 1",
            )
            .unwrap()
            .query_map([1, 1500], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter().any(|step| step.contains("objects_by_account_number")),
            "{plan:?}"
        );
    }
}
