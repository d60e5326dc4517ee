//! What a store remembers of logins between changes to its access world: the sessions a Basic
//! header resolved to (with the company contexts they were accepted in), the effective access of
//! a key in a company, the person an office acts as in a client, the credentials a session was minted from, and the list of usable
//! credentials (carried into a copy of the store: a sandbox made from a scenario lists its
//! template's without reading them again). Every row change to a table
//! of the access world (an update hook on the connection) moves the world's generation on, and an
//! entry of an older generation is never used: a remembered answer is always the one the store
//! would give now. Sessions' own writes are left out (minting one, or noting its first use, changes
//! nothing remembered); deleting sessions moves the generation on. A database file can also be
//! written by another connection (a user's `sqlite3` shell): its `data_version` is read before a
//! file store remembers anything.
//!
//! It also keeps answers rendered from the data (a page of a list, as bytes the caller made):
//! those stand only while no row of the store changed at all since they were made. And the two
//! lookups every create of a customer repeats (its company's highest customer number, and its
//! ledger account 1500): those stand while no row changed either, except the inserts of objects
//! that the store reports as it makes them (an insert moves a highest number on, and leaves the
//! other lookups as they were). A database file does not remember them (see `remember_lookup`).

use super::rows::{ACCOUNT, CredentialRow};
use crate::domain::entitlements::AccessSet;
use crate::domain::model::{CompanyContext, Session};
use bytes::Bytes;
use rusqlite::Connection;
use rusqlite::hooks::Action;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Enough for every session a busy test suite keeps using; past it everything is forgotten at
/// once (a miss only costs the store reads it saves).
const MOST_REMEMBERED: usize = 4096;

/// Bytes of rendered answers a store keeps: a few pages of lists, or one chart of accounts.
/// A thousand sandboxes each listing must not hold a gigabyte.
const MOST_ANSWER_BYTES: usize = 512 * 1024;

/// Tables whose rows never change what a login resolves to.
const NOT_THE_ACCESS_WORLD: [&str; 10] = [
    "objects",
    "objects_shadowed",
    "object_counts",
    "postings",
    "posting_days",
    "posting_months",
    "event_subscriptions",
    "outbox",
    "webhook_deliveries",
    "webhook_pending",
];

/// Lookups kept at most: a store's numbered resources and the accounts its creates default to,
/// in the few companies a sandbox has.
const MOST_LOOKUPS: usize = 64;

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

/// A rendered answer and the count of row changes it was made at (its entry's value).
type Answer = (Entry<u64>, Bytes);

/// The contexts one session token was accepted in, by the company asked for.
type Contexts = Vec<(Option<i64>, Entry<Login>)>;

struct Entry<T> {
    generation: u64,
    value: T,
}

pub struct Remembered {
    generation: Arc<AtomicU64>,
    /// By session token, then by the company asked for.
    logins: HashMap<Box<str>, Contexts>,
    access: HashMap<(i64, i64), Entry<AccessSet>>,
    /// The person standing for an office inside a client, by (client, office).
    proxies: HashMap<(i64, i64), Entry<Option<i64>>>,
    /// By employee token, with the consumer token it was checked with.
    mintable: HashMap<Box<str>, (Box<str>, Entry<Mintable>)>,
    credentials: Option<Entry<Arc<[CredentialRow]>>>,
    /// Rendered answers by what was asked (see [`Remembered::answer`]), with the count of row
    /// changes they were made at, and the bytes they hold together.
    answers: HashMap<Box<str>, Answer>,
    answer_bytes: usize,
    /// Lookups of the data, with the count of row changes they stand at (see
    /// [`Remembered::lookup`]); a handful, looked through in order.
    lookups: Vec<(Entry<u64>, Lookup<'static>, Option<i64>)>,
    /// For a file: `PRAGMA data_version` when last looked at.
    data_version: Option<i64>,
}

impl Remembered {
    /// Remembers for `conn`, whose writes to the access world it watches from now on.
    pub fn watching(conn: &mut Connection, shared_file: bool) -> rusqlite::Result<Self> {
        let generation = Arc::new(AtomicU64::new(0));
        let moved = generation.clone();
        conn.update_hook(Some(move |action: Action, _db: &str, table: &str, _row: i64| {
            let sessions_unchanged = table == "sessions" && action != Action::SQLITE_DELETE;
            if !sessions_unchanged && !NOT_THE_ACCESS_WORLD.contains(&table) {
                // Release/Acquire: a login looked up beside a write (see `Store::remembered_login`)
                // sees the generation the write moved on before its rows.
                moved.fetch_add(1, Ordering::Release);
            }
        }))?;
        Ok(Self {
            generation,
            logins: HashMap::new(),
            access: HashMap::new(),
            proxies: HashMap::new(),
            mintable: HashMap::new(),
            credentials: None,
            answers: HashMap::new(),
            answer_bytes: 0,
            lookups: Vec::new(),
            data_version: if shared_file { Some(data_version(conn)?) } else { None },
        })
    }

    /// Forgets everything if another connection committed to the file since the last look.
    pub fn notice_other_writers(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        if let Some(seen) = self.data_version {
            let now = data_version(conn)?;
            if now != seen {
                self.forget();
                self.data_version = Some(now);
            }
        }
        Ok(())
    }

    fn now(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Forgets everything: for changes the update hook does not see (a world replaced, restored
    /// from a snapshot, a session marked deleted).
    pub fn forget(&mut self) {
        self.generation.fetch_add(1, Ordering::Release);
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
        let now = self.now();
        self.logins
            .get(token)?
            .iter()
            .find(|(asked, entry)| *asked == company && entry.generation == now)
            .map(|(_, entry)| entry.value.clone())
    }

    pub fn remember_login(&mut self, token: &str, company: Option<i64>, login: Login) {
        self.make_room();
        let generation = self.now();
        let contexts = self.logins.entry(token.into()).or_default();
        contexts.retain(|(asked, entry)| *asked != company && entry.generation == generation);
        contexts.push((
            company,
            Entry {
                generation,
                value: login,
            },
        ));
    }

    pub fn access(&self, key_id: i64, company_id: i64) -> Option<AccessSet> {
        let entry = self.access.get(&(key_id, company_id))?;
        (entry.generation == self.now()).then_some(entry.value)
    }

    pub fn remember_access(&mut self, key_id: i64, company_id: i64, access: AccessSet) {
        self.make_room();
        let generation = self.now();
        self.access.insert(
            (key_id, company_id),
            Entry {
                generation,
                value: access,
            },
        );
    }

    pub fn proxy(&self, client_id: i64, office_id: i64) -> Option<Option<i64>> {
        let entry = self.proxies.get(&(client_id, office_id))?;
        (entry.generation == self.now()).then_some(entry.value)
    }

    pub fn remember_proxy(&mut self, client_id: i64, office_id: i64, person_id: Option<i64>) {
        self.make_room();
        let generation = self.now();
        self.proxies.insert(
            (client_id, office_id),
            Entry {
                generation,
                value: person_id,
            },
        );
    }

    pub fn credentials(&self) -> Option<Arc<[CredentialRow]>> {
        let entry = self.credentials.as_ref()?;
        (entry.generation == self.now()).then(|| entry.value.clone())
    }

    pub fn remember_credentials(&mut self, rows: Arc<[CredentialRow]>) {
        let generation = self.now();
        self.credentials = Some(Entry {
            generation,
            value: rows,
        });
    }

    pub fn mintable(&self, consumer_token: &str, employee_token: &str) -> Option<Mintable> {
        let (consumer, entry) = self.mintable.get(employee_token)?;
        (&**consumer == consumer_token && entry.generation == self.now()).then_some(entry.value)
    }

    pub fn remember_mintable(&mut self, consumer_token: &str, employee_token: &str, mintable: Mintable) {
        self.make_room();
        let generation = self.now();
        self.mintable.insert(
            employee_token.into(),
            (
                consumer_token.into(),
                Entry {
                    generation,
                    value: mintable,
                },
            ),
        );
    }
}

impl Remembered {
    /// An answer rendered from the store when it had seen `changes` row changes
    /// (`sqlite3_total_changes`, which counts every insert, update and delete on the connection,
    /// triggers' too), if none happened since and nothing was forgotten. A write that touches no
    /// row (an update matching nothing) leaves answers standing, as it leaves the data.
    pub fn answer(&self, key: &str, changes: u64) -> Option<Bytes> {
        let (made, answer) = self.answers.get(key)?;
        (made.generation == self.now() && made.value == changes).then(|| answer.clone())
    }

    /// Remembers an answer made at `changes`; a store keeps at most [`MOST_ANSWER_BYTES`] of
    /// them (past it, every older one is dropped) and never one bigger than that.
    pub fn remember_answer(&mut self, key: &str, changes: u64, answer: Bytes) {
        if answer.len() > MOST_ANSWER_BYTES {
            return;
        }
        if self.answer_bytes + answer.len() > MOST_ANSWER_BYTES {
            self.answers.clear();
            self.answer_bytes = 0;
        }
        let generation = self.now();
        self.answer_bytes += answer.len();
        let made = Entry {
            generation,
            value: changes,
        };
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
    /// A lookup's answer from when the store had seen `changes` row changes, if none happened
    /// since (but the inserts reported through [`Remembered::inserted`]) and nothing was
    /// forgotten.
    pub fn lookup(&self, lookup: &Lookup<'_>, changes: u64) -> Option<Option<i64>> {
        if self.data_version.is_some() {
            return None;
        }
        let now = self.now();
        self.lookups
            .iter()
            .find(|(made, looked, _)| made.generation == now && made.value == changes && looked == lookup)
            .map(|(_, _, answer)| *answer)
    }

    pub fn remember_lookup(&mut self, lookup: Lookup<'_>, changes: u64, answer: Option<i64>) {
        // A file's other writers are noticed before a transaction begins, not inside it: one that
        // commits in between would be missed by the lookup, and a create would take a number it
        // already holds. A file store reads its lookups from SQL inside its transaction instead.
        if self.data_version.is_some() {
            return;
        }
        let generation = self.now();
        self.lookups
            .retain(|(made, looked, _)| made.generation == generation && *looked != lookup);
        if self.lookups.len() >= MOST_LOOKUPS {
            self.lookups.clear();
        }
        let made = Entry {
            generation,
            value: changes,
        };
        self.lookups.push((made, lookup.into_owned(), answer));
    }

    /// One object was inserted (`before` and `after` are the row changes around its statement,
    /// its triggers' among them): the lookups that stood before it are carried past it, as the
    /// insert changed them; a lookup it may have changed otherwise is dropped.
    pub fn inserted(&mut self, resource: &str, company_id: i64, number: Option<i64>, before: u64, after: u64) {
        let now = self.now();
        self.lookups.retain_mut(|(made, looked, answer)| {
            if made.generation != now || made.value != before {
                return false;
            }
            match looked.after_insert(*answer, resource, company_id, number) {
                Some(carried) => {
                    *answer = carried;
                    made.value = after;
                    true
                }
                None => false,
            }
        });
    }
}

fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("PRAGMA main.data_version")?
        .query_row([], |r| r.get(0))
}

/// Tables of the access world the update hook cannot see (SQLite calls it for rowid tables
/// only): every statement writing one of them is followed by `Db::forget_logins`.
#[cfg(test)]
pub(crate) const FORGOTTEN_BY_HAND: [&str; 5] = [
    "accountant_relations",
    "client_key_links",
    "company_integrations",
    "company_modules",
    "retired_tokens",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_the_update_hook_cannot_see_is_forgotten_by_hand() {
        let store = crate::store::Store::open_in_memory().unwrap();
        let unseen: Vec<String> = store
            .with(|db| {
                let mut statement = db.conn().prepare(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%WITHOUT ROWID%' ORDER BY name",
                )?;
                let names = statement.query_map([], |r| r.get::<_, String>(0))?;
                names.collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap()
            .into_iter()
            .filter(|name| !NOT_THE_ACCESS_WORLD.contains(&name.as_str()))
            .collect();
        assert_eq!(
            unseen, FORGOTTEN_BY_HAND,
            "a new WITHOUT ROWID table of the access world: call forget_logins() after each write to it"
        );
    }

    #[test]
    fn a_write_to_the_access_world_moves_the_generation_and_objects_do_not() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE keys (id INTEGER PRIMARY KEY, name TEXT);
             CREATE TABLE objects (id INTEGER PRIMARY KEY, body TEXT);
             CREATE TABLE sessions (id INTEGER PRIMARY KEY, used INTEGER);",
        )
        .unwrap();
        let remembered = Remembered::watching(&mut conn, false).unwrap();
        let start = remembered.now();
        conn.execute_batch(
            "INSERT INTO objects VALUES (1, '{}'); INSERT INTO sessions VALUES (1, 0); UPDATE sessions SET used = 1",
        )
        .unwrap();
        assert_eq!(
            remembered.now(),
            start,
            "objects and session writes change nothing remembered"
        );
        conn.execute_batch("INSERT INTO keys VALUES (1, 'k')").unwrap();
        assert_ne!(remembered.now(), start);
        let after_key = remembered.now();
        conn.execute_batch("DELETE FROM sessions WHERE id = 1").unwrap();
        assert_ne!(remembered.now(), after_key, "a session deleted moves the generation");
    }

    #[test]
    fn an_answer_stands_until_any_row_changes_and_answers_stay_within_their_bytes() {
        let store = crate::store::Store::open_in_memory().unwrap();
        let page = Bytes::from_static(b"{\"values\":[]}");
        store
            .with(|db| {
                db.remember_answer("customer?count=20", page.clone());
                assert_eq!(db.remembered_answer("customer?count=20"), Some(page.clone()));
                assert_eq!(db.remembered_answer("customer?count=21"), None, "another question");
                // A table WITHOUT ROWID, which the update hook does not see, ends it too.
                db.conn()
                    .execute("INSERT INTO objects_shadowed(resource, id) VALUES ('customer', 1)", [])?;
                assert_eq!(db.remembered_answer("customer?count=20"), None, "a row changed");
                db.remember_answer("customer?count=20", page.clone());
                db.conn().execute("DELETE FROM objects_shadowed WHERE id = 2", [])?;
                assert_eq!(
                    db.remembered_answer("customer?count=20"),
                    Some(page.clone()),
                    "no row changed"
                );
                db.forget_logins();
                assert_eq!(db.remembered_answer("customer?count=20"), None, "forgotten");

                let big = Bytes::from(vec![b' '; MOST_ANSWER_BYTES / 3]);
                for n in 0..4 {
                    db.remember_answer(&format!("big {n}"), big.clone());
                }
                let kept: Vec<bool> = (0..4)
                    .map(|n| db.remembered_answer(&format!("big {n}")).is_some())
                    .collect();
                assert_eq!(kept, [false, false, false, true], "past the bytes, the older ones go");
                db.remember_answer("huge", Bytes::from(vec![b' '; MOST_ANSWER_BYTES + 1]));
                assert_eq!(db.remembered_answer("huge"), None, "too big to keep");
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }
}
