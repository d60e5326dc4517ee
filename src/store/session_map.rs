//! The sessions of an in-memory store, kept beside its connection instead of in a table of it.
//!
//! Minting a session is the hottest write a test suite makes, and in SQLite it was most of the
//! request: a row and two indexes written, a commit, the journal. A session is never joined
//! with anything but its key, which stays in SQLite. Here it is an ordered map by id (a token
//! carries its id, see `domain::token`), so minting one appends to the map. Writes made inside a
//! store transaction keep an undo log and are rolled back with it: a transaction that fails
//! leaves the sessions as they were, as it leaves the tables. A database file keeps its
//! sessions in its `sessions` table (other connections read it); see `Store`.

use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::BTreeMap;

/// One session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: i64,
    pub token: Box<str>,
    pub key_id: i64,
    pub integration_id: i64,
    pub expiration_date: Date,
    pub expires_at: Timestamp,
    pub deleted: bool,
    pub used: bool,
}

/// What undoes one write: remove a row that was added, or put back a row as it was.
#[derive(Debug, Clone)]
enum Undo {
    Inserted(i64),
    Was(SessionRow),
}

#[derive(Debug, Default)]
pub struct Sessions {
    rows: BTreeMap<i64, SessionRow>,
    /// While a transaction is open: how to undo each write made in it, oldest first.
    undo: Option<Vec<Undo>>,
}

/// A copy holds the same sessions, outside any transaction.
impl Clone for Sessions {
    fn clone(&self) -> Self {
        Self {
            rows: self.rows.clone(),
            undo: None,
        }
    }
}

impl Sessions {
    pub fn from_rows(rows: impl IntoIterator<Item = SessionRow>) -> Self {
        Self {
            rows: rows.into_iter().map(|row| (row.id, row)).collect(),
            undo: None,
        }
    }

    pub fn rows(&self) -> impl Iterator<Item = &SessionRow> {
        self.rows.values()
    }

    pub fn max_id(&self) -> i64 {
        self.rows.keys().next_back().copied().unwrap_or(0)
    }

    fn note(&mut self, undo: impl FnOnce() -> Undo) {
        if let Some(log) = &mut self.undo {
            log.push(undo());
        }
    }

    /// Adds a session; false (and nothing changes) if its id is taken.
    pub fn insert(&mut self, row: SessionRow) -> bool {
        let id = row.id;
        if self.rows.contains_key(&id) {
            return false;
        }
        self.rows.insert(id, row);
        self.note(|| Undo::Inserted(id));
        true
    }

    /// The session stored under `id` whose token is `token`.
    pub fn find(&self, id: i64, token: &str) -> Option<&SessionRow> {
        self.rows.get(&id).filter(|row| &*row.token == token)
    }

    fn change(&mut self, id: i64, change: impl FnOnce(&mut SessionRow) -> bool) -> bool {
        let Some(row) = self.rows.get_mut(&id) else {
            return false;
        };
        let before = self.undo.is_some().then(|| row.clone());
        if !change(row) {
            return false;
        }
        if let Some(before) = before {
            self.note(|| Undo::Was(before));
        }
        true
    }

    pub fn mark_used(&mut self, id: i64) {
        self.change(id, |row| !std::mem::replace(&mut row.used, true));
    }

    /// Marks the live session `id` with this token and key deleted; false if there is none.
    pub fn mark_deleted(&mut self, id: i64, token: &str, key_id: i64) -> bool {
        self.change(id, |row| {
            if &*row.token != token || row.key_id != key_id || row.deleted {
                return false;
            }
            row.deleted = true;
            true
        })
    }

    /// Marks every live session of a key deleted; answers how many there were.
    pub fn revoke(&mut self, key_id: i64) -> usize {
        let ids: Vec<i64> = self
            .rows
            .values()
            .filter(|row| row.key_id == key_id && !row.deleted)
            .map(|row| row.id)
            .collect();
        for &id in &ids {
            self.change(id, |row| !std::mem::replace(&mut row.deleted, true));
        }
        ids.len()
    }

    fn remove(&mut self, id: i64) {
        if let Some(row) = self.rows.remove(&id) {
            self.note(|| Undo::Was(row));
        }
    }

    /// Forgets sessions that expired before `expired_before`, then, while more than `keep` are
    /// left, the oldest never used, then the oldest used (the same order as a file's table).
    pub fn prune(&mut self, expired_before: Timestamp, keep: usize) -> usize {
        let expired: Vec<i64> = self
            .rows
            .values()
            .filter(|row| row.expires_at < expired_before)
            .map(|row| row.id)
            .collect();
        for &id in &expired {
            self.remove(id);
        }
        let surplus = self.rows.len().saturating_sub(keep);
        let oldest: Vec<i64> = self
            .rows
            .values()
            .filter(|row| !row.used)
            .chain(self.rows.values().filter(|row| row.used))
            .take(surplus)
            .map(|row| row.id)
            .collect();
        for &id in &oldest {
            self.remove(id);
        }
        expired.len() + oldest.len()
    }

    pub fn clear(&mut self) {
        let rows = std::mem::take(&mut self.rows);
        if let Some(log) = &mut self.undo {
            log.extend(rows.into_values().map(Undo::Was));
        }
    }

    /// Starts keeping what undoes each write, until [`commit`](Self::commit) or
    /// [`rollback`](Self::rollback).
    pub fn begin(&mut self) {
        self.undo = Some(Vec::new());
    }

    /// True between [`begin`](Self::begin) and the commit or rollback that ends it.
    #[cfg(test)]
    pub fn in_transaction(&self) -> bool {
        self.undo.is_some()
    }

    pub fn commit(&mut self) {
        self.undo = None;
    }

    /// Undoes every write since [`begin`](Self::begin), newest first.
    pub fn rollback(&mut self) {
        for undo in self.undo.take().unwrap_or_default().into_iter().rev() {
            match undo {
                Undo::Inserted(id) => {
                    self.rows.remove(&id);
                }
                Undo::Was(row) => {
                    self.rows.insert(row.id, row);
                }
            }
        }
    }
}

/// Moves the rows of the connection's `sessions` table (a copy of a file's pages) beside it.
pub fn take_from_table(conn: &rusqlite::Connection) -> rusqlite::Result<Sessions> {
    let mut statement = conn.prepare(
        "SELECT id, token, key_id, integration_id, expiration_date, expires_at, deleted, used FROM sessions",
    )?;
    let rows = statement
        .query_map([], |r| {
            let date: String = r.get(4)?;
            let unreadable = |at: usize| {
                rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Text, "a stored session".into())
            };
            Ok(SessionRow {
                id: r.get(0)?,
                token: r.get::<_, String>(1)?.into(),
                key_id: r.get(2)?,
                integration_id: r.get(3)?,
                expiration_date: date.parse().map_err(|_| unreadable(4))?,
                expires_at: Timestamp::from_second(r.get(5)?).map_err(|_| unreadable(5))?,
                deleted: r.get(6)?,
                used: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    conn.execute_batch("DELETE FROM sessions")?;
    Ok(Sessions::from_rows(rows))
}

/// Writes sessions into the connection's (emptied) `sessions` table, in one transaction: a
/// snapshot restored into a file.
pub fn write_to_table(conn: &rusqlite::Connection, sessions: &Sessions) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch("DELETE FROM sessions")?;
    let mut insert = tx.prepare(
        "INSERT INTO sessions(id, token, key_id, integration_id, expiration_date, expires_at, deleted, used)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for row in sessions.rows() {
        insert.execute(rusqlite::params![
            row.id,
            &*row.token,
            row.key_id,
            row.integration_id,
            row.expiration_date.to_string(),
            row.expires_at.as_second(),
            row.deleted,
            row.used,
        ])?;
    }
    drop(insert);
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, key_id: i64, expires_day: i64) -> SessionRow {
        SessionRow {
            id,
            token: format!("token-{id}").into(),
            key_id,
            integration_id: 1,
            expiration_date: "2030-01-01".parse().unwrap(),
            expires_at: Timestamp::from_second(expires_day * 86_400).unwrap(),
            deleted: false,
            used: false,
        }
    }

    fn ids(sessions: &Sessions) -> Vec<i64> {
        sessions.rows().map(|row| row.id).collect()
    }

    #[test]
    fn a_session_is_found_by_its_id_and_whole_token_only() {
        let mut sessions = Sessions::default();
        assert!(sessions.insert(row(7, 1, 100)));
        assert!(!sessions.insert(row(7, 2, 100)), "an id is taken once");
        assert_eq!(sessions.find(7, "token-7").map(|r| r.key_id), Some(1));
        assert!(sessions.find(7, "token-8").is_none());
        assert!(sessions.find(8, "token-7").is_none());
        assert_eq!(sessions.max_id(), 7);
    }

    #[test]
    fn deleting_needs_the_sessions_own_key_and_happens_once() {
        let mut sessions = Sessions::default();
        sessions.insert(row(1, 1, 100));
        sessions.insert(row(2, 1, 100));
        sessions.insert(row(3, 2, 100));
        assert!(!sessions.mark_deleted(1, "token-1", 2), "another key's session");
        assert!(sessions.mark_deleted(1, "token-1", 1));
        assert!(!sessions.mark_deleted(1, "token-1", 1), "already deleted");
        assert_eq!(sessions.revoke(1), 1, "only the live one of key 1 is left");
        assert!(!sessions.find(3, "token-3").unwrap().deleted, "key 2's lives on");
    }

    #[test]
    fn pruning_forgets_long_expired_sessions_then_the_oldest_unused_ones() {
        let mut sessions = Sessions::default();
        for id in 1..=10 {
            // Sessions 1 and 2 expired on day 1; the others live until day 100.
            sessions.insert(row(id, 1, if id <= 2 { 1 } else { 100 }));
        }
        let day = |d: i64| Timestamp::from_second(d * 86_400).unwrap();
        assert_eq!(sessions.prune(day(0), 10), 0, "nothing expired before day 0");
        sessions.mark_used(3);
        assert_eq!(
            sessions.prune(day(2), 5),
            2 + 3,
            "two expired, then the three oldest unused"
        );
        assert_eq!(
            ids(&sessions),
            [3, 7, 8, 9, 10],
            "the used session outlives newer unused ones"
        );
        assert_eq!(sessions.prune(day(2), 2), 3, "every unused one goes before a used one");
        assert_eq!(ids(&sessions), [3, 10]);
        assert_eq!(sessions.prune(day(2), 0), 2, "then the used ones too");
        assert_eq!(ids(&sessions), Vec::<i64>::new());
    }

    #[test]
    fn a_rolled_back_transaction_leaves_the_sessions_as_they_were() {
        let mut sessions = Sessions::default();
        for id in 1..=4 {
            sessions.insert(row(id, 1, 100));
        }
        sessions.mark_used(2);
        let before: Vec<SessionRow> = sessions.rows().cloned().collect();
        sessions.begin();
        sessions.insert(row(5, 1, 100));
        sessions.mark_used(1);
        sessions.mark_deleted(3, "token-3", 1);
        sessions.revoke(1);
        sessions.prune(Timestamp::from_second(0).unwrap(), 2);
        sessions.insert(row(6, 1, 100));
        sessions.clear();
        sessions.insert(row(7, 1, 100));
        sessions.rollback();
        assert_eq!(sessions.rows().cloned().collect::<Vec<_>>(), before);
        // Committed writes stay, and a later rollback has nothing to undo.
        sessions.begin();
        sessions.insert(row(8, 1, 100));
        sessions.commit();
        sessions.rollback();
        assert_eq!(ids(&sessions), [1, 2, 3, 4, 8]);
    }
}
