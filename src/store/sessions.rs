//! Sessions: minted, found by the token that names them, marked used, pruned, deleted and
//! revoked; in a sandbox's in-memory map (see `session_map`) or, for a database file, in its
//! `sessions` table.

use super::db::Db;
use super::rows::{NewSession, conversion_error, key_columns, key_from};
use super::session_map::SessionRow;
use crate::domain::model::Session;
use crate::domain::rules::SessionLookup;
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

impl Db<'_> {
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
                self.access_world_changed()?;
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
            Some(sessions) => {
                let deleted = sessions.borrow_mut().mark_deleted(id, token, key_id);
                if deleted {
                    self.access_world_changed()?;
                }
                deleted
            }
            None => {
                self.conn
                    .prepare_cached(
                        "UPDATE sessions SET deleted = 1 WHERE id = ?1 AND token = ?2 AND key_id = ?3 AND deleted = 0",
                    )?
                    .execute(params![id, token, key_id])?
                    == 1
            }
        };
        Ok(deleted)
    }

    /// Ends every live session of a key.
    pub fn revoke_sessions(&self, key_id: i64) -> rusqlite::Result<usize> {
        let revoked = match self.sessions {
            Some(sessions) => {
                let revoked = sessions.borrow_mut().revoke(key_id);
                if revoked > 0 {
                    self.access_world_changed()?;
                }
                revoked
            }
            None => self
                .conn
                .prepare_cached("UPDATE sessions SET deleted = 1 WHERE key_id = ?1 AND deleted = 0")?
                .execute([key_id])?,
        };
        Ok(revoked)
    }

    /// Forgets every session (the world they were minted in is being replaced).
    pub(crate) fn clear_sessions(&self) -> rusqlite::Result<()> {
        if let Some(sessions) = self.sessions {
            sessions.borrow_mut().clear();
            self.access_world_changed()?;
        }
        self.conn.execute_batch("DELETE FROM sessions")
    }
}
