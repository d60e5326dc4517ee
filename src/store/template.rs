//! Seed templates: the data objects every sandbox of the same companies starts with (charts of
//! accounts, VAT types, countries, currencies, each company's seed customers, products, …), held
//! once per process in a shared in-memory database and attached read-only to each sandbox's
//! connection as `tmpl`. A sandbox stores only what it changed: its own rows in `objects`, and in
//! `objects_shadowed` the template objects it changed or deleted (see `store::objects`).
//!
//! SQLite's `memdb` VFS keeps a database whose name starts with `/` in memory for every
//! connection of the process that opens that name, for as long as one of them is open; the
//! template's own connection keeps it alive.

use super::queries::Db;
use super::{StoreError, schema};
use rusqlite::{Connection, OpenFlags};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Pages of the template each sandbox connection keeps cached: reading a page again is a copy
/// from the shared memory, so a small cache keeps a sandbox small without slowing it much.
const CACHED_PAGES: i64 = 16;

pub struct Template {
    uri: String,
    /// The largest object id in the template: generated ids continue above it.
    max_id: i64,
    /// Keeps the shared memory database alive; never used after the template is built.
    _keeper: Mutex<Connection>,
    /// The default-fields renderings of template objects, made by the first request that showed
    /// each (a template object never changes, so neither does its rendering): by id, with the
    /// resource it was made for. Bounded by the template's own size.
    views: Mutex<HashMap<i64, SeedView>>,
}

/// A template object's rendering, with the resource it was made for.
type SeedView = (Box<str>, Arc<str>);

/// Renderings kept of one template's objects before new ones are no longer kept (far above any
/// seed's size: only a guard).
const MOST_VIEWS: usize = 100_000;

impl std::fmt::Debug for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Template").field("uri", &self.uri).finish()
    }
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
        Ok(Self {
            uri,
            max_id,
            _keeper: Mutex::new(conn),
            views: Mutex::default(),
        })
    }

    /// The template without objects, for stores that keep every object themselves (`--db` files).
    pub fn empty() -> Result<Arc<Self>, StoreError> {
        static EMPTY: OnceLock<Arc<Template>> = OnceLock::new();
        if let Some(empty) = EMPTY.get() {
            return Ok(empty.clone());
        }
        let built = Arc::new(Self::build(|_| Ok(()))?);
        Ok(EMPTY.get_or_init(|| built).clone())
    }

    /// Attaches the template to a connection as `tmpl`, replacing the one attached before.
    pub(super) fn attach(&self, conn: &Connection, replacing: bool) -> rusqlite::Result<()> {
        if replacing {
            conn.execute_batch("DETACH DATABASE tmpl")?;
        }
        conn.execute("ATTACH DATABASE ?1 AS tmpl", [&self.uri])?;
        conn.execute_batch(&format!("PRAGMA tmpl.cache_size = {CACHED_PAGES}"))
    }

    /// The rendering a request made of a template object, if one did.
    pub fn view(&self, resource: &str, id: i64) -> Option<Arc<str>> {
        let views = self.views.lock().unwrap_or_else(|p| p.into_inner());
        match views.get(&id) {
            Some((made_for, view)) if &**made_for == resource => Some(view.clone()),
            _ => None,
        }
    }

    pub fn remember_view(&self, resource: &str, id: i64, view: Arc<str>) {
        let mut views = self.views.lock().unwrap_or_else(|p| p.into_inner());
        if views.len() < MOST_VIEWS {
            views.insert(id, (resource.into(), view));
        }
    }

    pub fn max_id(&self) -> i64 {
        self.max_id
    }

    pub fn uri(&self) -> &str {
        &self.uri
    }
}
