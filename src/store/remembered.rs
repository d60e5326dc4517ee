//! What a store remembers between requests, and the one rule that keeps it true: every answer
//! is tagged with the store's generation when it was made, and used only while the generation
//! is the same. The generation is the `generation` row of the database: triggers on every table
//! of the access world (and deleting or ending sessions) move it on in the same transaction as
//! the write, also when another connection writes a database file. The store mirrors the
//! committed value here before it lets the connection go (see [`Remembered::settle`]), so a
//! request that starts after a write was answered sees the new value without reading SQL.
//!
//! Of the access world it remembers the sessions a Basic header resolved to (with the company
//! contexts they were accepted in), the effective access of a key in a company, the person an
//! office acts as in a client, the token pairs that may mint a session, and the list of usable
//! credentials (carried into a copy of the store). An answer of the access world is remembered
//! only while the connection has written nothing since its last settle: one read inside a
//! transaction after its own write may rest on rows a rollback takes back.
//!
//! Rendered list pages and the two lookups every create of a customer repeats (its company's
//! highest customer number, its ledger account 1500) rest on every row, not only the access
//! world's, so they also carry the connection's count of row changes (`sqlite3_total_changes`,
//! triggers' too, with a rolled-back transaction counted as a change) and stand only while it is
//! the same; the inserts the store reports carry the lookups past them. A database file keeps
//! neither (another connection's writes to its objects move no count of this one's).

use super::rows::{ACCOUNT, CredentialRow};
use crate::domain::entitlements::AccessSet;
use crate::domain::model::{CompanyContext, Session};
use bytes::Bytes;
use rusqlite::{Connection, OptionalExtension};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// Enough for every session a busy test suite keeps using; past it everything is forgotten at
/// once (a miss only costs the store reads it saves).
const MOST_REMEMBERED: usize = 4096;

/// Bytes of rendered answers a store keeps: a few pages of lists, or one chart of accounts.
/// A thousand sandboxes each listing must not hold a gigabyte.
const MOST_ANSWER_BYTES: usize = 512 * 1024;

/// Lookups kept at most: a store's numbered resources and the accounts its creates default to,
/// in the few companies a sandbox has.
const MOST_LOOKUPS: usize = 64;

/// The generation row a store's triggers move on.
pub(super) const READ_GENERATION: &str = "SELECT value FROM generation";

/// A session accepted in one company context: `None` is username 0 (the key's own company).
#[derive(Clone)]
pub struct Login {
    pub session: Arc<Session>,
    pub context: CompanyContext,
}

/// A consumer and employee token pair that passed every rule of minting a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mintable {
    pub key_id: i64,
    pub company_id: i64,
    pub integration_id: i64,
}

/// What the data looked like when an answer resting on every row was made.
#[derive(Clone, Copy, PartialEq, Eq)]
struct DataMark {
    generation: u64,
    changes: u64,
}

/// A rendered answer and what the data looked like when it was made.
type Answer = (DataMark, Bytes);

/// The contexts one session token was accepted in, by the company asked for.
type Contexts = Vec<(Option<i64>, Entry<Login>)>;

struct Entry<T> {
    generation: u64,
    value: T,
}

impl<T> Entry<T> {
    fn at(generation: u64, value: T) -> Self {
        Self { generation, value }
    }
}

pub struct Remembered {
    /// The committed generation, as last read; `None` while it could not be read (nothing is
    /// remembered or answered then).
    generation: Option<u64>,
    /// The connection's row changes when the generation was last settled.
    settled_changes: u64,
    /// Transactions rolled back after writing: changes the row count does not take back.
    rolled_back: u64,
    /// Whether rendered answers and lookups are kept (not for a database file).
    keeps_data_answers: bool,
    /// By session token, then by the company asked for.
    logins: HashMap<Box<str>, Contexts>,
    access: HashMap<(i64, i64), Entry<AccessSet>>,
    /// The person standing for an office inside a client, by (client, office).
    proxies: HashMap<(i64, i64), Entry<Option<i64>>>,
    /// By employee token, with the consumer token it was checked with.
    mintable: HashMap<Box<str>, (Box<str>, Entry<Mintable>)>,
    credentials: Option<Entry<Arc<[CredentialRow]>>>,
    /// Rendered answers by what was asked, and the bytes they hold together.
    answers: HashMap<Box<str>, Answer>,
    answer_bytes: usize,
    /// Lookups of the data (see [`Lookup`]); a handful, looked through in order.
    lookups: Vec<(DataMark, Lookup<'static>, Option<i64>)>,
}

impl Remembered {
    /// Remembers for a store whose generation is read at its first settle.
    pub fn new(keeps_data_answers: bool) -> Self {
        Self {
            generation: None,
            settled_changes: u64::MAX,
            rolled_back: 0,
            keeps_data_answers,
            logins: HashMap::new(),
            access: HashMap::new(),
            proxies: HashMap::new(),
            mintable: HashMap::new(),
            credentials: None,
            answers: HashMap::new(),
            answer_bytes: 0,
            lookups: Vec::new(),
        }
    }

    /// Mirrors the committed generation: read again if `conn` changed a row since the last
    /// settle, or always when `others_write` (a database file other connections may write).
    /// Called before a write is answered, so no request after it finds an older value.
    pub fn settle(&mut self, conn: &Connection, others_write: bool) {
        let changes = conn.total_changes();
        // Inside a transaction the row may yet be rolled back: it is settled once that ends.
        if (changes == self.settled_changes && !others_write && self.generation.is_some()) || !conn.is_autocommit() {
            return;
        }
        let read = conn
            .prepare_cached(READ_GENERATION)
            .and_then(|mut statement| statement.query_row([], |r| r.get::<_, i64>(0)).optional());
        self.generation = match read {
            Ok(Some(value)) => u64::try_from(value).ok(),
            Ok(None) => None,
            Err(error) => {
                log::warn!("reading the store's generation failed: {error}");
                None
            }
        };
        self.settled_changes = changes;
    }

    /// The generation a write that replaced the database's pages sets, so that no answer of the
    /// world before them is ever current again: past both the one before and the copied one.
    pub fn after_pages_replaced(&mut self, copied: u64) -> u64 {
        self.rolled_back += 1;
        self.generation.map_or(copied, |before| before.max(copied)) + 1
    }

    /// A transaction that wrote was rolled back: its changes were counted, and are gone.
    pub fn rolled_back(&mut self) {
        self.rolled_back += 1;
    }

    /// The current generation, if an answer of the access world may be remembered at it now: not
    /// while `conn` has written since the last settle.
    fn remembering_at(&self, conn: &Connection) -> Option<u64> {
        self.generation.filter(|_| conn.total_changes() == self.settled_changes)
    }

    fn current<T>(&self, entry: &Entry<T>) -> bool {
        Some(entry.generation) == self.generation
    }

    fn data_mark(&self, conn: &Connection) -> Option<DataMark> {
        let generation = self.generation.filter(|_| self.keeps_data_answers)?;
        Some(DataMark {
            generation,
            changes: conn.total_changes().wrapping_add(self.rolled_back),
        })
    }

    /// Forgets everything (a request panicked while holding it: it may be half-updated).
    pub fn forget(&mut self) {
        self.generation = None;
        self.logins.clear();
        self.access.clear();
        self.proxies.clear();
        self.mintable.clear();
        self.credentials = None;
        self.answers.clear();
        self.answer_bytes = 0;
        self.lookups.clear();
    }

    fn make_room(&mut self) {
        if self.logins.len() + self.access.len() + self.proxies.len() + self.mintable.len() >= MOST_REMEMBERED {
            self.logins.clear();
            self.access.clear();
            self.proxies.clear();
            self.mintable.clear();
        }
    }

    pub fn login(&self, token: &str, company: Option<i64>) -> Option<Login> {
        self.logins
            .get(token)?
            .iter()
            .find(|(asked, entry)| *asked == company && self.current(entry))
            .map(|(_, entry)| entry.value.clone())
    }

    pub fn remember_login(&mut self, conn: &Connection, token: &str, company: Option<i64>, login: Login) {
        let Some(generation) = self.remembering_at(conn) else {
            return;
        };
        self.make_room();
        let contexts = self.logins.entry(token.into()).or_default();
        contexts.retain(|(asked, entry)| *asked != company && entry.generation == generation);
        contexts.push((company, Entry::at(generation, login)));
    }

    pub fn access(&self, key_id: i64, company_id: i64) -> Option<AccessSet> {
        let entry = self.access.get(&(key_id, company_id))?;
        self.current(entry).then_some(entry.value)
    }

    pub fn remember_access(&mut self, conn: &Connection, key_id: i64, company_id: i64, access: AccessSet) {
        let Some(generation) = self.remembering_at(conn) else {
            return;
        };
        self.make_room();
        self.access.insert((key_id, company_id), Entry::at(generation, access));
    }

    pub fn proxy(&self, client_id: i64, office_id: i64) -> Option<Option<i64>> {
        let entry = self.proxies.get(&(client_id, office_id))?;
        self.current(entry).then_some(entry.value)
    }

    pub fn remember_proxy(&mut self, conn: &Connection, client_id: i64, office_id: i64, person_id: Option<i64>) {
        let Some(generation) = self.remembering_at(conn) else {
            return;
        };
        self.make_room();
        self.proxies
            .insert((client_id, office_id), Entry::at(generation, person_id));
    }

    pub fn credentials(&self) -> Option<Arc<[CredentialRow]>> {
        let entry = self.credentials.as_ref()?;
        self.current(entry).then(|| entry.value.clone())
    }

    pub fn remember_credentials(&mut self, conn: &Connection, rows: Arc<[CredentialRow]>) {
        let Some(generation) = self.remembering_at(conn) else {
            return;
        };
        self.credentials = Some(Entry::at(generation, rows));
    }

    pub fn mintable(&self, consumer_token: &str, employee_token: &str) -> Option<Mintable> {
        let (consumer, entry) = self.mintable.get(employee_token)?;
        (&**consumer == consumer_token && self.current(entry)).then_some(entry.value)
    }

    pub fn remember_mintable(
        &mut self,
        conn: &Connection,
        consumer_token: &str,
        employee_token: &str,
        mintable: Mintable,
    ) {
        let Some(generation) = self.remembering_at(conn) else {
            return;
        };
        self.make_room();
        let entry = Entry::at(generation, mintable);
        self.mintable
            .insert(employee_token.into(), (consumer_token.into(), entry));
    }
}

impl Remembered {
    /// An answer rendered from the store, if no row changed since it was made.
    pub fn answer(&self, conn: &Connection, key: &str) -> Option<Bytes> {
        let (made, answer) = self.answers.get(key)?;
        (Some(*made) == self.data_mark(conn)).then(|| answer.clone())
    }

    /// Remembers an answer made from the store as it is now; a store keeps at most
    /// [`MOST_ANSWER_BYTES`] of them (past it, every older one is dropped) and never one bigger.
    pub fn remember_answer(&mut self, conn: &Connection, key: &str, answer: Bytes) {
        let Some(made) = self.data_mark(conn) else { return };
        if answer.len() > MOST_ANSWER_BYTES {
            return;
        }
        if self.answer_bytes + answer.len() > MOST_ANSWER_BYTES {
            self.answers.clear();
            self.answer_bytes = 0;
        }
        self.answer_bytes += answer.len();
        if let Some((_, old)) = self.answers.insert(key.into(), (made, answer)) {
            self.answer_bytes -= old.len();
        }
    }
}

/// A lookup of the data that creates repeat, answered from the `objects` table. A create asks
/// with the resource borrowed; only a lookup remembered owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<'r> {
    /// The highest `objects.number` of a resource in a company.
    HighestNumber { resource: Cow<'r, str>, company_id: i64 },
    /// The id of a company's ledger account with this number.
    AccountByNumber { company_id: i64, number: i64 },
}

impl Lookup<'_> {
    fn into_owned(self) -> Lookup<'static> {
        match self {
            Lookup::HighestNumber { resource, company_id } => Lookup::HighestNumber {
                resource: Cow::Owned(resource.into_owned()),
                company_id,
            },
            Lookup::AccountByNumber { company_id, number } => Lookup::AccountByNumber { company_id, number },
        }
    }

    /// What an insert of an object of `resource` with `number` into `company_id` makes of this
    /// lookup's answer `was`: `None` if it can no longer tell.
    fn after_insert(
        &self,
        was: Option<i64>,
        resource: &str,
        company_id: i64,
        number: Option<i64>,
    ) -> Option<Option<i64>> {
        match self {
            Lookup::HighestNumber {
                resource: looked,
                company_id: company,
            } if looked == resource && *company == company_id => Some(was.max(number)),
            Lookup::AccountByNumber { .. } if resource == ACCOUNT => None,
            _ => Some(was),
        }
    }
}

impl Remembered {
    /// A lookup's answer, if no row changed since it was made but the inserts reported through
    /// [`Remembered::inserted`].
    pub fn lookup(&self, conn: &Connection, lookup: &Lookup<'_>) -> Option<Option<i64>> {
        let now = self.data_mark(conn)?;
        self.lookups
            .iter()
            .find(|(made, looked, _)| *made == now && looked == lookup)
            .map(|(_, _, answer)| *answer)
    }

    pub fn remember_lookup(&mut self, conn: &Connection, lookup: Lookup<'_>, answer: Option<i64>) {
        let Some(made) = self.data_mark(conn) else { return };
        self.lookups
            .retain(|(was, looked, _)| was.generation == made.generation && *looked != lookup);
        if self.lookups.len() >= MOST_LOOKUPS {
            self.lookups.clear();
        }
        self.lookups.push((made, lookup.into_owned(), answer));
    }

    /// One object was inserted by a statement that began at `before` row changes (its triggers'
    /// among them): the lookups that stood before it are carried past it, as the insert changed
    /// them; a lookup it may have changed otherwise is dropped.
    pub fn inserted(&mut self, conn: &Connection, resource: &str, company_id: i64, number: Option<i64>, before: u64) {
        let Some(after) = self.data_mark(conn) else { return };
        let before = DataMark {
            changes: before.wrapping_add(self.rolled_back),
            ..after
        };
        self.lookups.retain_mut(|(made, looked, answer)| {
            if *made != before {
                return false;
            }
            match looked.after_insert(*answer, resource, company_id, number) {
                Some(carried) => {
                    *answer = carried;
                    *made = after;
                    true
                }
                None => false,
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Db, Store};
    use std::cell::Cell;

    /// Tables whose rows never change an access decision: objects and what is derived from
    /// them, the webhook queue, the generation itself, and sessions (their own triggers move the
    /// generation on a delete or an end, not on minting or first use).
    const NOT_THE_ACCESS_WORLD: [&str; 12] = [
        "event_subscriptions",
        "generation",
        "object_counts",
        "objects",
        "objects_shadowed",
        "outbox",
        "posting_days",
        "posting_months",
        "postings",
        "sessions",
        "webhook_deliveries",
        "webhook_pending",
    ];

    /// The effective access of key 1 in company 1 as the store gives it, and whether it was
    /// decided again to give it.
    fn access(db: &Db<'_>, set: AccessSet) -> (AccessSet, bool) {
        let decided = Cell::new(false);
        let access = db
            .effective_access(1, 1, || {
                decided.set(true);
                Ok::<_, rusqlite::Error>(set)
            })
            .unwrap();
        (access, decided.get())
    }

    /// [`access`] under the store's connection.
    fn access_now(store: &Store, set: AccessSet) -> (AccessSet, bool) {
        store.with(|db| Ok::<_, rusqlite::Error>(access(db, set))).unwrap()
    }

    const NEW_COMPANY: &str =
        "INSERT INTO companies VALUES (9, 'Ny AS', '999999999', 'company', 'basic', 1, 'AS', 'a@b.no')";

    #[test]
    fn every_table_of_the_access_world_moves_the_generation_on_every_write() {
        let store = Store::open_in_memory().unwrap();
        let (tables, triggers) = store
            .with(|db| {
                let names = |sql: &str| -> rusqlite::Result<Vec<String>> {
                    let mut statement = db.conn().prepare(sql)?;
                    let names = statement.query_map([], |r| r.get::<_, String>(0))?;
                    names.collect()
                };
                Ok::<_, rusqlite::Error>((
                    names("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?,
                    names("SELECT name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE '%UPDATE generation%'")?,
                ))
            })
            .unwrap();
        for table in tables.iter().filter(|t| !NOT_THE_ACCESS_WORLD.contains(&t.as_str())) {
            for when in ["in", "on", "out"] {
                let trigger = format!("{table}_moves_generation_{when}");
                assert!(
                    triggers.contains(&trigger),
                    "{trigger} is missing: a table of the access world needs its triggers (see `moves_generation!`), another table a place in NOT_THE_ACCESS_WORLD"
                );
            }
        }
    }

    /// A write by another connection to a database file (a user's `sqlite3` shell) ends what
    /// the store remembered of the access world; a write to objects does not.
    #[test]
    fn another_connections_write_to_a_file_ends_what_was_remembered() {
        let dir = std::env::temp_dir().join(format!("generation-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("world.db");
        let store = Store::open_file(&path).unwrap();
        let everything = AccessSet::everything();
        assert_eq!(access_now(&store, everything), (everything, true));
        assert_eq!(access_now(&store, AccessSet::NONE), (everything, false));
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("INSERT INTO objects_shadowed(resource, id) VALUES ('customer', 1)")
            .unwrap();
        assert_eq!(
            access_now(&store, AccessSet::NONE),
            (everything, false),
            "a write outside the access world"
        );
        other.execute_batch(NEW_COMPANY).unwrap();
        assert_eq!(
            access_now(&store, AccessSet::NONE),
            (AccessSet::NONE, true),
            "the other connection's write to the access world"
        );
        drop((store, other));
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Inside a transaction, an answer read after the transaction's own write to the access world
    /// is not kept (a rollback would take its rows back); once the write commits, the generation
    /// has moved on and what was remembered before it is not used.
    #[test]
    fn an_answer_read_after_an_unsettled_write_is_not_kept_and_a_commit_ends_older_ones() {
        let store = Store::open_in_memory().unwrap();
        let everything = AccessSet::everything();
        access_now(&store, everything);
        let failed = store.transaction(|db| {
            db.conn().execute_batch(NEW_COMPANY)?;
            assert_eq!(
                access(db, AccessSet::NONE),
                (everything, false),
                "not settled: as before it"
            );
            db.effective_access(2, 1, || Ok::<_, rusqlite::Error>(AccessSet::NONE))?;
            Err::<(), _>(rusqlite::Error::InvalidQuery)
        });
        assert!(failed.is_err());
        let decided_again = store
            .with(|db| db.effective_access(2, 1, || Ok::<_, rusqlite::Error>(everything)))
            .unwrap();
        assert_eq!(
            decided_again, everything,
            "what was read inside the rolled-back transaction was not kept"
        );
        assert_eq!(
            access_now(&store, AccessSet::NONE),
            (everything, false),
            "a rollback moves nothing"
        );
        store.transaction(|db| db.conn().execute_batch(NEW_COMPANY)).unwrap();
        assert_eq!(
            access_now(&store, AccessSet::NONE),
            (AccessSet::NONE, true),
            "the committed write moved the generation on"
        );
    }

    #[test]
    fn a_page_stands_until_any_row_changes_and_pages_stay_within_their_bytes() {
        let store = Store::open_in_memory().unwrap();
        let page = Bytes::from_static(b"{\"values\":[]}");
        let rendered = |db: &Db<'_>, key: &str, made: &Bytes| -> (Bytes, bool) {
            let rendered = Cell::new(false);
            let answer = db
                .rendered(key, || {
                    rendered.set(true);
                    Ok::<_, rusqlite::Error>(made.clone())
                })
                .unwrap();
            (answer, rendered.get())
        };
        let other = Bytes::from_static(b"{}");
        store
            .with(|db| {
                assert_eq!(rendered(db, "customer?count=20", &page), (page.clone(), true));
                assert_eq!(rendered(db, "customer?count=20", &other), (page.clone(), false));
                assert_eq!(
                    rendered(db, "customer?count=21", &other),
                    (other.clone(), true),
                    "another question"
                );
                db.conn()
                    .execute("INSERT INTO objects_shadowed(resource, id) VALUES ('customer', 1)", [])?;
                assert_eq!(
                    rendered(db, "customer?count=20", &other),
                    (other.clone(), true),
                    "a row changed"
                );
                db.conn().execute("DELETE FROM objects_shadowed WHERE id = 2", [])?;
                assert_eq!(
                    rendered(db, "customer?count=20", &page),
                    (other.clone(), false),
                    "no row changed"
                );

                let big = Bytes::from(vec![b' '; MOST_ANSWER_BYTES / 3]);
                for n in 0..4 {
                    rendered(db, &format!("big {n}"), &big);
                }
                assert!(!rendered(db, "big 3", &big).1, "the newest is kept");
                assert!(rendered(db, "big 0", &big).1, "past the bytes, the older ones go");
                let huge = Bytes::from(vec![b' '; MOST_ANSWER_BYTES + 1]);
                rendered(db, "huge", &huge);
                assert!(rendered(db, "huge", &huge).1, "too big to keep");
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
        // A transaction that wrote and rolled back changed rows the count does not take back.
        let failed = store.transaction(|db| {
            db.conn()
                .execute("INSERT INTO objects_shadowed(resource, id) VALUES ('customer', 3)", [])?;
            assert_eq!(rendered(db, "customer?count=20", &page), (page.clone(), true));
            Err::<(), _>(rusqlite::Error::InvalidQuery)
        });
        assert!(failed.is_err());
        store
            .with(|db| {
                assert_eq!(
                    rendered(db, "customer?count=20", &other),
                    (other.clone(), true),
                    "rolled back"
                );
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }
}
