//! SQLite storage of one sandbox's world through rusqlite: one connection behind a mutex (a
//! request's writes handed to its holder rather than waited for, see `handoff`), cached prepared
//! statements, short transactions. The store reads and writes; it never decides.

mod access;
mod db;
mod handoff;
mod ledger;
mod objects;
mod outbox;
mod pages;
mod remembered;
mod rows;
pub mod schema;
mod session_map;
mod sessions;
mod template;

pub use access::{ClientLinkRow, IntegrationRow, KeyRow, WorldRows};
pub use db::Db;
pub use ledger::{AccountSums, PostingColumn, PostingFilter, PostingRow};
pub use objects::{
    ObjectFilter, ObjectPage, ObjectRow, ObjectText, OwnObject, PageItem, SeedAtHand, StoredObject, number_column,
};
pub use outbox::{Attempt, AttemptThen, DeliveryRow, DeliveryState, RefusedEvents};
pub use remembered::{Login, Mintable};
pub use rows::{CompanyRow, CredentialRow, NewSession, json_text};
pub use template::Template;

use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database {path}: {source}")]
    Open { path: String, source: rusqlite::Error },
    #[error(transparent)]
    Migration(#[from] schema::MigrationError),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// The page size of in-memory stores (SQLite's default is 4096).
const MEMORY_PAGE_SIZE: i64 = 1024;

/// Pages of a sandbox's own database kept in its page cache, beside the memdb buffer that holds
/// them all: a request's working set, small enough that a thousand sandboxes don't hold their
/// pages twice (a page read past it is a copy from the buffer).
const MEMORY_CACHE_PAGES: i64 = 32;

/// How long a caller of [`Store::with`] or [`Store::transaction`] that finds a sandbox's
/// connection taken keeps trying for it (yielding its core between tries) before it sleeps on
/// the lock (a request's writes are handed to the holder instead: see `store::handoff`). A
/// create holds the connection for some tens of microseconds, and a worker thread that sleeps on
/// the lock and is woken again spends about as long in the kernel (two futex calls, two context
/// switches, an idle core woken), with the connection idle until the wake-up lands: under 32
/// connections of creates on 2 cores, trying first served 40-50 % more of them. A holder that
/// keeps it longer (a scenario install, a world import) still lets the waiters sleep. Not fair: a request still trying can take the
/// connection ahead of one already asleep (the bench's create p99 shows what that costs).
const LOCK_SPIN: Duration = Duration::from_micros(100);

/// A private in-memory database in SQLite's `memdb` VFS rather than `:memory:`. A `:memory:`
/// database lives in its page cache, and a B-tree split renumbers a page through the lock-byte
/// page number, after which every commit scans the whole cache's hash table (`pcache1Truncate`
/// from `pager_end_transaction`): writes got slower as the world grew. In memdb the pages live
/// in one buffer and the cache stays small, so a commit scans little.
fn open_private_memory() -> Result<Connection, StoreError> {
    // A name without a leading '/' is private to the connection.
    let uri = "file:sandbox?vfs=memdb";
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags).map_err(|source| StoreError::Open {
        path: uri.into(),
        source,
    })?;
    conn.pragma_update(None, "cache_size", MEMORY_CACHE_PAGES)?;
    Ok(conn)
}

impl Template {
    /// A template holding what `fill` stores in its `objects` table, in one transaction.
    pub fn build(fill: impl FnOnce(&Db<'_>) -> rusqlite::Result<()>) -> Result<Self, StoreError> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let uri = format!(
            "file:/tripletex-sandbox-template-{}-{}?vfs=memdb",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(&uri, flags).map_err(|source| StoreError::Open {
            path: uri.clone(),
            source,
        })?;
        // Built once, in one transaction, by nobody else: no journal, and a small cache. Pages
        // the cache lets go are written to the shared memory, which nobody reads before the
        // build is done (a failed build is thrown away whole), and keeping them there instead
        // of in a cache as big as the template is as fast and leaves the start ~3 MB of freed
        // cache pages fewer.
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = 64;")?;
        conn.execute_batch(schema::TEMPLATE_TABLE)?;
        let tx = conn.transaction()?;
        let db = Db::new(&tx);
        fill(&db)?;
        let max_id = db.max_object_id()?;
        tx.execute_batch(schema::TEMPLATE_INDEXES)?;
        tx.commit()?;
        // No one reads through this connection again, so its cache goes back to the allocator.
        conn.execute_batch("PRAGMA cache_size = 0; PRAGMA shrink_memory;")?;
        Ok(Self::new(uri, max_id, conn))
    }
}

/// Makes `dest`'s main database a copy of `source`'s: the source's pages, serialized (for an
/// in-memory store that is its memdb buffer, not a copy), are copied into a new memdb buffer in
/// one piece — several times faster than the backup API, which writes page by page through the
/// destination's cache.
fn copy_database(source: &mut Connection, dest: &mut Connection) -> Result<(), StoreError> {
    let image = source.serialize(rusqlite::MAIN_DB)?;
    // A database file is in WAL mode, and its header (bytes 18 and 19: the file format's read
    // and write versions, 2 for WAL) would have the copy look for a WAL file memdb cannot open.
    if image.get(18..20) == Some(&[2, 2]) {
        let mut rollback = image.to_vec();
        rollback[18..20].copy_from_slice(&[1, 1]);
        dest.deserialize_read_exact(rusqlite::MAIN_DB, &*rollback, rollback.len(), false)?;
    } else {
        dest.deserialize_read_exact(rusqlite::MAIN_DB, &*image, image.len(), false)?;
    }
    dest.pragma_update(None, "cache_size", MEMORY_CACHE_PAGES)?;
    Ok(())
}

/// Where a store's connection came from, and so what opening it still has to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opened {
    /// An in-memory database of its own, brought up to this build's schema (made, if empty).
    Memory,
    /// A database file, perhaps from an older build: migrated, and shared with other writers.
    File,
    /// A copy of another store's pages, whose schema is this build's already.
    Copy,
    /// A private in-memory database a file's next world is built in (see
    /// [`Store::replace_world`]): a copy of an image of the file's schema with the seed objects
    /// in, keeping its sessions and seed objects in its tables like a file.
    Scratch,
}

/// All state of one sandbox.
pub struct Store {
    conn: Mutex<Attached>,
    /// Transactions of requests that found the connection taken, run by whoever holds it
    /// before letting it go (see `store::handoff`).
    waiting: handoff::Waiting,
    /// Times a caller gave up trying for the connection and slept on the lock.
    #[cfg(test)]
    slept_on_the_lock: std::sync::atomic::AtomicUsize,
    /// The same as the connection's (see [`Store::login`]).
    remembered: Arc<Mutex<remembered::Remembered>>,
    /// A file keeps every object itself (its world must reopen as it was left, whatever the
    /// templates of a later build hold); an in-memory store reads the seed objects from a template.
    keeps_seed_objects: bool,
    /// What writes tell the delivery worker of the events they queued or turned away.
    outbox: Arc<outbox::Signals>,
}

/// The connection and the seed template attached to it as `tmpl`.
struct Attached {
    conn: Connection,
    template: Arc<Template>,
    /// Behind a lock of its own, so that a login can be looked up while a write holds the
    /// connection; taken only briefly, and always after the connection's.
    remembered: Arc<Mutex<remembered::Remembered>>,
    /// An in-memory store's sessions (see `store::sessions`); a file's are in its table.
    sessions: Option<std::cell::RefCell<session_map::Sessions>>,
    /// A file's: the image its last world was built on (see [`Store::replace_world`]), kept
    /// for the next world of the same companies.
    world_image: Option<WorldImage>,
}

impl Attached {
    fn db(&self) -> Db<'_> {
        Db::remembering(&self.conn, &self.remembered, &self.template, self.sessions.as_ref())
    }

    /// After the connection's pages were replaced (written as pages, or copied): no trigger saw them, and
    /// the copied generation may be one this store had before. It moves past both.
    fn pages_replaced(&self) -> rusqlite::Result<()> {
        let copied: i64 = self
            .conn
            .prepare_cached(remembered::READ_GENERATION)?
            .query_row([], |r| r.get(0))?;
        let next = db::lock_remembered(&self.remembered).after_pages_replaced(u64::try_from(copied).unwrap_or(0));
        self.conn
            .prepare_cached("UPDATE generation SET value = ?1")?
            .execute([i64::try_from(next).unwrap_or(i64::MAX)])?;
        self.settle(false);
        Ok(())
    }

    /// Mirrors the committed generation before the connection is let go or a write answered
    /// (see `store::remembered`); `others_write` for a file, before it is read.
    fn settle(&self, others_write: bool) {
        db::lock_remembered(&self.remembered).settle(&self.conn, others_write);
    }
}

/// A file's schema with the seed objects of some companies in and nothing else, as pages: what
/// each new world of those companies starts from.
struct WorldImage {
    seeds: Arc<Template>,
    pages: Vec<u8>,
}

impl WorldImage {
    /// Migrates an empty database with the page size of `file` (its pages are written into the
    /// file as they are), copies `seeds`' objects into it, and keeps its pages.
    fn build(file: &Connection, seeds: Arc<Template>) -> Result<Self, StoreError> {
        let page_size: i64 = file.pragma_query_value(None, "page_size", |row| row.get(0))?;
        let conn = open_private_memory()?;
        conn.pragma_update(None, "page_size", page_size)?;
        let store = Store::prepare(conn, Template::empty()?, Opened::Memory)?;
        let mut attached = store.lock();
        seeds.attach_to_copy(&attached.conn)?;
        attached.db().copy_seed_objects()?;
        attached.conn.execute_batch("DETACH DATABASE seeds")?;
        let pages = attached.conn.serialize(rusqlite::MAIN_DB)?.to_vec();
        Ok(Self { seeds, pages })
    }
}

/// What a store transaction wrote beside its connection, taken back when it ends without a
/// commit: an error, a failed commit, or a panic (rusqlite rolls the SQL back as it unwinds, and
/// the request's task catches the panic; the store goes on serving).
struct OpenTransaction<'a> {
    attached: &'a Attached,
    /// The connection's row changes when it began.
    began_at: u64,
    committed: bool,
}

impl<'a> OpenTransaction<'a> {
    fn begin(attached: &'a Attached) -> Self {
        if let Some(sessions) = &attached.sessions {
            sessions.borrow_mut().begin();
        }
        Self {
            attached,
            began_at: attached.conn.total_changes(),
            committed: false,
        }
    }
}

impl Drop for OpenTransaction<'_> {
    fn drop(&mut self) {
        if let Some(sessions) = &self.attached.sessions {
            let mut sessions = sessions.borrow_mut();
            if self.committed {
                sessions.commit();
            } else {
                sessions.rollback();
            }
        }
        let mut remembered = db::lock_remembered(&self.attached.remembered);
        if !self.committed && self.attached.conn.total_changes() != self.began_at {
            remembered.rolled_back();
        }
        // A queued transaction's request is answered as soon as it ends.
        remembered.settle(&self.attached.conn, false);
    }
}

/// A transaction of the connection, begun and committed through cached statements: rusqlite's
/// own `Transaction` parses `BEGIN` and `COMMIT` again every time (a twelfth of a write's
/// time). Dropped before [`Begun::commit`], or after a commit that failed, it rolls back.
struct Begun<'conn> {
    conn: &'conn Connection,
}

impl<'conn> Begun<'conn> {
    fn begin(conn: &'conn Connection) -> rusqlite::Result<Self> {
        conn.prepare_cached("BEGIN")?.execute([])?;
        Ok(Self { conn })
    }

    fn commit(self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        Ok(())
    }
}

impl Drop for Begun<'_> {
    fn drop(&mut self) {
        if !self.conn.is_autocommit() {
            // Nothing to report to: the caller has its error already, and a connection whose
            // rollback fails is left for the next BEGIN to refuse.
            if let Err(error) = self.conn.execute_batch("ROLLBACK") {
                log::warn!("rolling back a store transaction failed: {error}");
            }
        }
    }
}

impl std::ops::Deref for Attached {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl Store {
    /// A private in-memory database (the default).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let conn = open_private_memory()?;
        // A sandbox holds little of its own (its seed objects are the template's), and every
        // table and index takes a page at least: small pages keep a thousand sandboxes small.
        conn.pragma_update(None, "page_size", MEMORY_PAGE_SIZE)?;
        Self::prepare(conn, Template::empty()?, Opened::Memory)
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
        Self::prepare(conn, Template::empty()?, Opened::File)
    }

    /// A private in-memory copy of another store (its pages serialized and deserialized, see
    /// `copy_database`): far cheaper than installing a scenario again.
    pub fn copy_of(template: &Store) -> Result<Self, StoreError> {
        // The copy's pages become a memdb database of their own, so the connection starts empty.
        let mut conn = Connection::open_in_memory().map_err(|source| StoreError::Open {
            path: ":memory:".into(),
            source,
        })?;
        let (seeds, credentials, sessions) = {
            let mut source = template.lock();
            copy_database(&mut source.conn, &mut conn)?;
            let sessions = source.sessions.as_ref().map(|s| s.borrow().clone());
            (
                source.template.clone(),
                db::lock_remembered(&source.remembered).credentials(),
                sessions,
            )
        };
        let copy = Self::prepare(conn, seeds, Opened::Copy)?;
        // A file's sessions came along in its table's pages: the copy keeps them beside itself.
        let sessions = match sessions {
            Some(sessions) => sessions,
            None => session_map::take_from_table(&copy.lock().conn)?,
        };
        copy.lock().sessions = Some(sessions.into());
        // The copy holds the same keys: what was read of them holds for it too.
        if let Some(rows) = credentials {
            let attached = copy.lock();
            db::lock_remembered(&attached.remembered).remember_credentials(&attached.conn, rows);
        }
        Ok(copy)
    }

    fn prepare(mut conn: Connection, template: Arc<Template>, opened: Opened) -> Result<Self, StoreError> {
        let file = opened == Opened::File;
        let keeps_everything = file || opened == Opened::Scratch;
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
        let outbox = outbox::Signals::install(&conn)?;
        // A copy is of a store that was brought up to date when it was opened.
        if opened == Opened::Memory || opened == Opened::File {
            let found = schema::migrate(&mut conn)?;
            if found > 0 && found < schema::NUMBER_COLUMN_VERSION {
                objects::fill_numbers(&conn)?;
            }
        }
        template.attach(&conn, false)?;
        let remembered = Arc::new(Mutex::new(remembered::Remembered::new(!file)));
        db::lock_remembered(&remembered).settle(&conn, true);
        Ok(Self {
            waiting: handoff::Waiting::default(),
            #[cfg(test)]
            slept_on_the_lock: Default::default(),
            conn: Mutex::new(Attached {
                conn,
                template,
                remembered: remembered.clone(),
                sessions: (!keeps_everything).then(Default::default),
                world_image: None,
            }),
            remembered,
            keeps_seed_objects: keeps_everything,
            outbox,
        })
    }

    /// How many events writes have queued in the outbox since the store opened.
    pub fn events_queued(&self) -> u64 {
        self.outbox.written()
    }

    /// Pending deliveries past which a write turns its event away instead of queueing it.
    pub fn limit_pending_deliveries(&self, limit: usize) {
        self.outbox.limit_pending(limit);
    }

    /// The events writes turned away since this was last asked, if any.
    pub fn take_refused_events(&self) -> Option<RefusedEvents> {
        self.outbox.take_refused()
    }

    /// True when the seed objects are stored in this store (a file) rather than read from a template.
    pub fn keeps_seed_objects(&self) -> bool {
        self.keeps_seed_objects
    }

    /// Replaces the world in one transaction (`install` writes the new one into an empty store:
    /// the old world and its sessions are gone) and, in the same lock, attaches `template` as the
    /// seed objects it reads: no request sees the
    /// new world with the old seed objects. The new template is attached before `install` runs
    /// (SQLite attaches outside transactions only), so the objects a loaded world changed or
    /// deleted shadow the new seed's; if `install` fails, the old one is attached again.
    /// A file's world is built elsewhere and copied in (see [`Store::replace_file_world`]).
    pub fn replace_world<T, E: From<rusqlite::Error> + From<StoreError>>(
        &self,
        template: Arc<Template>,
        install: impl FnOnce(&Db<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        if self.keeps_seed_objects {
            return self.replace_file_world(template, install);
        }
        let mut guard = self.lock();
        let attached = &mut *guard;
        let previous = if attached.template.uri() != template.uri() {
            template.attach(&attached.conn, true)?;
            Some(std::mem::replace(&mut attached.template, template))
        } else {
            None
        };
        let written = Self::in_transaction(attached, |db| {
            db.clear_world()?;
            install(db)
        });
        if written.is_err()
            && let Some(previous) = previous
        {
            previous.attach(&attached.conn, true)?;
            attached.template = previous;
        }
        written
    }

    /// A file's new world is installed in a private in-memory copy of an image of the file's
    /// schema with `seeds`' objects in (a file keeps every object as its own row and attaches no
    /// template), and the pages that differ from the file's are written into it (see
    /// `store::pages`): a few pages instead of every row inserted through the file's journal and
    /// indexes, and the clear's deletes before them. The write is one transaction of the file:
    /// a reader sees the old world or the new one, and a failed install leaves the file as it was.
    fn replace_file_world<T, E: From<rusqlite::Error> + From<StoreError>>(
        &self,
        seeds: Arc<Template>,
        install: impl FnOnce(&Db<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut guard = self.lock();
        let attached = &mut *guard;
        let image = match attached.world_image.take() {
            Some(image) if image.seeds.uri() == seeds.uri() => image,
            _ => WorldImage::build(&attached.conn, seeds)?,
        };
        let mut conn = Connection::open_in_memory()?;
        conn.deserialize_read_exact(rusqlite::MAIN_DB, &*image.pages, image.pages.len(), false)?;
        attached.world_image = Some(image);
        let scratch = Self::prepare(conn, Template::empty()?, Opened::Scratch)?;
        let mut built = scratch.lock();
        let written = Self::in_transaction(&mut built, install)?;
        pages::write_differing(&mut attached.conn, &built.conn.serialize(rusqlite::MAIN_DB)?)?;
        attached.pages_replaced()?;
        Ok(written)
    }

    /// Runs `f` in one transaction of the connection and of the sessions beside it: if it fails,
    /// its commit does, or it panics, neither keeps any of its writes.
    fn in_transaction<T, E: From<rusqlite::Error>>(
        attached: &mut Attached,
        f: impl FnOnce(&Db<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        // Declared first, dropped last: the SQL is rolled back before the generation is settled.
        let mut open = OpenTransaction::begin(attached);
        let tx = Begun::begin(&attached.conn)?;
        let db = attached.db();
        let committed = match f(&db) {
            Ok(out) => tx.commit().map(|()| out).map_err(E::from),
            Err(error) => Err(error),
        };
        open.committed = committed.is_ok();
        committed
    }

    /// Makes this store's world a copy of `snapshot`'s (a store made with [`Store::copy_of`]).
    pub fn restore_from(&self, snapshot: &Store) -> Result<(), StoreError> {
        let mut source = snapshot.lock();
        let mut attached = self.lock();
        let restored = self.copy_from(&mut source, &mut attached);
        // The snapshot (maybe the scenario's pristine store, which every reset and new sandbox
        // copies) is let go before this store's queued transactions run as it lets go.
        drop(source);
        drop(attached);
        restored
    }

    fn copy_from(&self, source: &mut Attached, attached: &mut Attached) -> Result<(), StoreError> {
        if self.keeps_seed_objects {
            // A file stays a file: the pages that differ are written into it.
            let world = source.conn.serialize(rusqlite::MAIN_DB)?;
            pages::write_differing(&mut attached.conn, &world)?;
        } else {
            copy_database(&mut source.conn, &mut attached.conn)?;
        }
        // A snapshot is a copy: its sessions are beside it (see `copy_of`).
        let sessions = source.sessions.as_ref().map(|s| s.borrow().clone()).unwrap_or_default();
        match &attached.sessions {
            Some(own) => *own.borrow_mut() = sessions,
            None => session_map::write_to_table(&attached.conn, &sessions)?,
        }
        if attached.template.uri() != source.template.uri() {
            source.template.attach(&attached.conn, true)?;
            attached.template = source.template.clone();
        }
        attached.pages_replaced()?;
        Ok(())
    }

    /// The largest id of any object, person or session, so generated ids continue after it.
    pub fn max_id(&self) -> rusqlite::Result<i64> {
        let attached = self.lock();
        let db = Db::with_sessions(&attached.conn, attached.sessions.as_ref());
        Ok(db
            .max_generated_id()?
            .max(db.max_object_id()?)
            .max(attached.template.max_id()))
    }

    /// The login a session token and company choice resolve to: as remembered while the access
    /// world is unchanged and `fresh` holds of it, else what `resolve` reads under the connection,
    /// remembered. A remembered one is answered without waiting for the connection: a write in
    /// progress does not hold up the logins it leaves alone (one that changes them has moved the
    /// generation on before it is answered). A file can be written by another connection, which
    /// only the connection can tell: its logins take the connection.
    pub fn login<E: From<rusqlite::Error>>(
        &self,
        token: &str,
        company: Option<i64>,
        fresh: impl Fn(&Login) -> bool,
        resolve: impl FnOnce(&Db<'_>) -> Result<Login, E>,
    ) -> Result<Login, E> {
        if !self.keeps_seed_objects
            && let Some(login) = db::lock_remembered(&self.remembered).login(token, company)
            && fresh(&login)
        {
            return Ok(login);
        }
        self.with(|db| db.login(token, company, fresh, resolve))
    }

    fn lock(&self) -> handoff::Held<'_> {
        // A panic while holding the lock cannot leave a half-written transaction behind
        // (rusqlite rolls back on drop), so the connection is still sound.
        let mut spinning_since = None;
        loop {
            if let Some(guard) = self.take_if_free() {
                return self.held(guard);
            }
            if spinning_since.get_or_insert_with(Instant::now).elapsed() >= LOCK_SPIN {
                #[cfg(test)]
                self.slept_on_the_lock
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                return self.held(self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
            }
            // Yielding rather than spinning in place: on a machine with as many busy threads as
            // cores (the clients' own among them) the core goes to a thread with work to do.
            std::thread::yield_now();
        }
    }

    /// Runs queries under one lock; each statement commits on its own.
    pub fn with<T, E: From<rusqlite::Error>>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E> {
        let attached = self.lock();
        if self.keeps_seed_objects {
            attached.settle(true);
        }
        f(&attached.db())
    }

    /// Runs writes in one transaction: all of it lands or none of it does.
    pub fn transaction<T, E: From<rusqlite::Error>>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, E>) -> Result<T, E> {
        handoff::checked_transaction(&mut self.lock(), self.keeps_seed_objects, f)
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
        let store = Store::prepare(conn, Template::empty().unwrap(), Opened::Memory).unwrap();
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
        let attached = store.lock();
        let kept: Vec<i64> = attached
            .sessions
            .as_ref()
            .unwrap()
            .borrow()
            .rows()
            .map(|row| row.id)
            .collect();
        assert_eq!(kept, [3, 7, 8, 9, 10], "the used session outlives newer unused ones");
        let in_the_table: i64 = attached
            .query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0))
            .unwrap();
        assert_eq!(
            in_the_table, 0,
            "an in-memory store keeps its sessions beside its connection"
        );
    }

    /// A transaction that fails takes back what it did to the sessions beside the connection, as
    /// it takes back its rows; one that commits keeps it. A replaced world's sessions are gone.
    #[test]
    fn a_failed_transaction_leaves_the_sessions_as_they_were() {
        let store = Store::open_in_memory().unwrap();
        let date: jiff::civil::Date = "2030-01-01".parse().unwrap();
        let session = |id: i64, token: &'static str| NewSession {
            id,
            token,
            key_id: 1,
            integration_id: 1,
            expiration_date: date,
            expires_at: jiff::Timestamp::from_second(1_900_000_000).unwrap(),
        };
        let rows = |store: &Store| -> Vec<(i64, bool)> {
            let attached = store.lock();
            let sessions = attached.sessions.as_ref().unwrap().borrow();
            sessions.rows().map(|row| (row.id, row.deleted)).collect()
        };
        store.with(|db| db.insert_session(&session(1, "one"))).unwrap();
        let failed = store.transaction(|db| {
            db.insert_session(&session(2, "two"))?;
            db.revoke_sessions(1)?;
            db.set_meta("note", "written")?;
            Err::<(), _>(rusqlite::Error::InvalidQuery)
        });
        assert!(failed.is_err());
        assert_eq!(rows(&store), [(1, false)], "nothing of the failed transaction stays");
        assert_eq!(store.with(|db| db.meta("note")).unwrap(), None, "nor of its rows");
        let taken = store.transaction(|db| db.insert_session(&session(1, "again")));
        assert!(taken.is_err(), "an id is taken once");
        store.transaction(|db| db.insert_session(&session(3, "three"))).unwrap();
        assert_eq!(rows(&store), [(1, false), (3, false)]);
        assert_eq!(store.max_id().unwrap(), 3, "ids go on after the sessions'");
        let replaced: Result<(), StoreError> = store.replace_world(Template::empty().unwrap(), |db| {
            db.clear_world()?;
            Err(rusqlite::Error::InvalidQuery.into())
        });
        assert!(replaced.is_err());
        assert_eq!(
            rows(&store),
            [(1, false), (3, false)],
            "a world that failed to install clears nothing"
        );
        store
            .replace_world(Template::empty().unwrap(), |db| Ok::<_, StoreError>(db.clear_world()?))
            .unwrap();
        assert_eq!(rows(&store), [], "a new world starts without sessions");

        // A transaction that panics (the request's task catches it) takes its sessions back too.
        store.with(|db| db.insert_session(&session(4, "four"))).unwrap();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = store.transaction(|db| {
                db.insert_session(&session(5, "five"))?;
                db.revoke_sessions(1)?;
                db.set_meta("note", "written")?;
                if db.meta("note")?.is_some() {
                    panic!("a bug in a handler");
                }
                Ok::<_, rusqlite::Error>(())
            });
        }));
        assert!(panicked.is_err());
        assert_eq!(
            store.with(|db| db.meta("note")).unwrap(),
            None,
            "the rows are rolled back"
        );
        assert_eq!(rows(&store), [(4, false)], "and so are the sessions");
        store.with(|db| db.insert_session(&session(6, "six"))).unwrap();
        assert!(
            !store.lock().sessions.as_ref().unwrap().borrow().in_transaction(),
            "no undo log is left open to grow"
        );
    }

    /// A request that meets the connection held past the spin sleeps on the lock and still gets
    /// it, with the holder's writes in place, once the holder lets go.
    #[test]
    fn a_request_waits_for_a_connection_held_longer_than_the_spin() {
        let store = Arc::new(Store::open_in_memory().unwrap());
        let slept = || store.slept_on_the_lock.load(std::sync::atomic::Ordering::Relaxed);
        let held = store.lock();
        let (sent, received) = std::sync::mpsc::channel();
        let waiter = {
            let store = store.clone();
            std::thread::spawn(move || sent.send(store.with(|db| db.meta("note"))).unwrap())
        };
        // However late the waiter thread starts on a busy machine, it gives up trying while the
        // connection is still held.
        let deadline = Instant::now() + Duration::from_secs(10);
        while slept() == 0 && Instant::now() < deadline {
            std::thread::sleep(LOCK_SPIN);
        }
        assert_eq!(
            slept(),
            1,
            "the waiter kept trying past the spin instead of sleeping on the lock"
        );
        assert!(
            received.try_recv().is_err(),
            "the waiter got the connection while it was held"
        );
        held.conn
            .execute("INSERT INTO meta(key, value) VALUES ('note', 'written')", [])
            .unwrap();
        drop(held);
        let note = received.recv_timeout(Duration::from_secs(10)).unwrap();
        waiter.join().unwrap();
        assert_eq!(note.unwrap().as_deref(), Some("written"));
    }

    /// The person an office acts as in a client is remembered, and follows a change of it.
    #[test]
    fn the_remembered_proxy_person_follows_the_people_table() {
        let store = Store::open_in_memory().unwrap();
        store
            .lock()
            .execute_batch(
                "INSERT INTO companies VALUES (1, 'Client', '1', 'client', 'complete', 1, 'AS', 'c@example.com'),
                                              (2, 'Office', '2', 'office', 'complete', 1, 'AS', 'o@example.com');
                 INSERT INTO people(id, company_id, first_name, last_name, email, is_contact, is_proxy, proxy_for_office, user_type, roles, entitlements)
                   VALUES (7, 1, 'Office', 'Proxy', 'o@example.com', 0, 1, 2, 'STANDARD', '[]', '[]');",
            )
            .unwrap();
        let proxy = || store.with(|db| db.proxy_person_id(1, 2)).unwrap();
        assert_eq!((proxy(), proxy()), (Some(7), Some(7)));
        store
            .with(|db| db.conn().execute_batch("UPDATE people SET id = 8 WHERE id = 7"))
            .unwrap();
        assert_eq!(proxy(), Some(8), "a changed row is read again");
        store
            .with(|db| db.conn().execute_batch("DELETE FROM people WHERE id = 8"))
            .unwrap();
        assert_eq!(proxy(), None);
    }

    /// The counts a list's fullResultSize is read from follow every insert, update and delete.
    #[test]
    fn object_counts_follow_every_write() {
        let store = Store::open_in_memory().unwrap();
        let object = |id: i64, inactive: bool| StoredObject {
            id,
            company_id: 7,
            version: 0,
            body: serde_json::json!({"name": format!("n{id}"), "isInactive": inactive})
                .as_object()
                .cloned()
                .unwrap(),
            changes: Vec::new(),
        };
        let counts = |db: &Db<'_>| {
            let total =
                |filters: &[ObjectFilter<'_>]| db.object_page("customer", 7, filters, (0, 1), false).unwrap().total;
            let scanned: i64 = db
                .conn()
                .query_row(
                    "SELECT COUNT(*) FROM objects WHERE resource = 'customer' AND inactive = 0",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            (
                total(&[]),
                total(&[ObjectFilter::Inactive(false)]),
                total(&[ObjectFilter::Inactive(true)]),
                scanned,
            )
        };
        store
            .transaction(|db| {
                for id in 1..=5 {
                    db.insert_object("customer", &object(id, id == 5))?;
                }
                assert_eq!(counts(db), (5, 4, 1, 4));
                db.update_object("customer", &object(2, true))?;
                assert_eq!(counts(db), (5, 3, 2, 3), "an update that deactivates moves the count");
                db.update_object("customer", &object(3, false))?;
                assert_eq!(
                    counts(db),
                    (5, 3, 2, 3),
                    "an update that changes nothing counted moves nothing"
                );
                assert!(db.delete_object("customer", 1)?);
                assert_eq!(counts(db), (4, 2, 2, 2));
                db.clear_world()?;
                assert_eq!(counts(db), (0, 0, 0, 0));
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }

    /// A loaded world's changed and deleted seed objects hide the seed of the world being
    /// loaded, not the one attached before it; a failed load leaves the old seed attached.
    #[test]
    fn a_loaded_world_shadows_the_seed_it_is_loaded_with() {
        let customer = |id: i64, name: &str| StoredObject {
            id,
            company_id: 7,
            version: 0,
            body: serde_json::json!({ "name": name }).as_object().cloned().unwrap(),
            changes: Vec::new(),
        };
        let seed = Arc::new(
            Template::build(|db| {
                db.insert_object("customer", &customer(1, "seeded"))?;
                db.insert_object("customer", &customer(2, "seeded"))
            })
            .unwrap(),
        );
        let store = Store::open_in_memory().unwrap();
        let names = |store: &Store| {
            let objects = store.with(|db| db.objects("customer", 7)).unwrap();
            objects
                .iter()
                .map(|o| (o.id, o.body["name"].clone()))
                .collect::<Vec<_>>()
        };
        let refused: Result<(), StoreError> = store.replace_world(seed.clone(), |db| {
            db.put_loaded_object("customer", &customer(1, "changed"))?;
            Err(rusqlite::Error::InvalidQuery.into())
        });
        assert!(refused.is_err());
        assert_eq!(names(&store), [], "the old (empty) seed is attached again");
        store
            .replace_world(seed, |db| {
                db.put_loaded_object("customer", &customer(1, "changed"))?;
                Ok::<_, StoreError>(db.delete_object("customer", 2).map(drop)?)
            })
            .unwrap();
        assert_eq!(names(&store), [(1, serde_json::json!("changed"))]);
    }

    /// A file's world is built apart and copied in whole: a failed install leaves the file as it
    /// was, and what a successful one wrote is the file's after a reopen.
    #[test]
    fn a_files_world_is_replaced_whole_or_not_at_all() {
        let dir = std::env::temp_dir().join(format!("replaced-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("world.db");
        let store = Store::open_file(&path).unwrap();
        store.with(|db| db.set_meta("note", "old")).unwrap();
        let note = |store: &Store| store.with(|db| db.meta("note")).unwrap();
        let failed: Result<(), StoreError> = store.replace_world(Template::empty().unwrap(), |db| {
            db.clear_world()?;
            db.set_meta("note", "half")?;
            Err(rusqlite::Error::InvalidQuery.into())
        });
        assert!(failed.is_err());
        assert_eq!(note(&store).as_deref(), Some("old"), "a failed install changes nothing");
        store
            .replace_world(Template::empty().unwrap(), |db| {
                db.clear_world()?;
                Ok::<_, StoreError>(db.set_meta("note", "new")?)
            })
            .unwrap();
        assert_eq!(note(&store).as_deref(), Some("new"));
        drop(store);
        let reopened = Store::open_file(&path).unwrap();
        assert_eq!(note(&reopened).as_deref(), Some("new"), "the new world is the file's");
        drop(reopened);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_ledger_account_is_found_by_its_number_from_an_index() {
        let store = Store::open_in_memory().unwrap();
        let conn = store.lock();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", objects::ACCOUNT_BY_NUMBER))
            .unwrap()
            .query_map([1, 1500], |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let searches: Vec<&String> = plan.iter().filter(|step| step.starts_with("SEARCH")).collect();
        assert!(
            searches.iter().any(|step| step.starts_with("SEARCH main.objects USING")
                && step.contains("INDEX objects_by_account_number"))
                && searches
                    .iter()
                    .any(|step| step.starts_with("SEARCH t USING") && step.contains("INDEX objects_by_account_number"))
                && !plan
                    .iter()
                    .any(|step| step.starts_with("SCAN") || step.contains("TEMP B-TREE")),
            "{plan:?}"
        );
    }

    /// A login is answered from what the store remembers without waiting for the connection a
    /// write holds, and not once that write, changing the access world, is done (its request is
    /// answered after the connection is let go).
    #[test]
    fn a_remembered_login_is_answered_beside_a_write_until_it_changes_the_access_world() {
        use crate::domain::model::{CompanyContext, Key, KeyState, Session};
        let store = Arc::new(Store::open_in_memory().unwrap());
        let session = Session {
            id: 7,
            key: Key {
                id: 3,
                name: "key".into(),
                person_id: 2,
                company_id: 1,
                application_name: "app".into(),
                accountant_key: false,
                state: KeyState::Active,
            },
            integration_id: 4,
            expiration_date: "2030-01-01".parse().unwrap(),
            expires_at: "2030-01-01T00:00:00Z".parse().unwrap(),
            deleted: false,
            used: true,
        };
        let login = Login {
            session: Arc::new(session),
            context: CompanyContext::Own(1),
        };
        let resolved = store
            .login("token", None, |_| true, |_| Ok::<_, rusqlite::Error>(login))
            .unwrap();
        assert_eq!(resolved.session.id, 7);
        let looked_up_elsewhere = || {
            let (sent, received) = std::sync::mpsc::channel();
            let store = store.clone();
            std::thread::spawn(move || {
                let refused = |_: &Db<'_>| Err(rusqlite::Error::InvalidQuery);
                sent.send(store.login("token", None, |_| true, refused).ok().map(|l| l.session.id))
            });
            received
                .recv_timeout(std::time::Duration::from_secs(10))
                .expect("the lookup waited for the connection")
        };
        let held = store.lock();
        held.conn.execute_batch("BEGIN").unwrap();
        assert_eq!(looked_up_elsewhere(), Some(7), "a write that holds the connection");
        held.conn
            .execute(
                "INSERT INTO companies VALUES (900, 'Ny AS', '999999999', 'company', 'basic', 1, 'AS', 'a@b.no')",
                [],
            )
            .unwrap();
        held.conn.execute_batch("COMMIT").unwrap();
        drop(held);
        assert_eq!(looked_up_elsewhere(), None, "the write changed the access world");
        let stale = |_: &Login| false;
        assert!(
            store
                .login("token", None, stale, |_| Err(rusqlite::Error::InvalidQuery))
                .is_err(),
            "a login no longer fresh is resolved again"
        );
    }
}
