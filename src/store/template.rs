//! Seed templates: the data objects every sandbox of the same companies starts with (charts of
//! accounts, VAT types, countries, currencies, each company's seed customers, products, …), held
//! once per process in a shared in-memory database and attached read-only to each sandbox's
//! connection as `tmpl`. A sandbox stores only what it changed: its own rows in `objects`, and in
//! `objects_shadowed` the template objects it changed or deleted (see `store::objects`).
//!
//! SQLite's `memdb` VFS keeps a database whose name starts with `/` in memory for every
//! connection of the process that opens that name, for as long as one of them is open; the
//! template's own connection keeps it alive.

use super::StoreError;
use rusqlite::Connection;
use std::collections::HashMap;
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
    /// A template over a shared memory database that `keeper` keeps alive, its objects built
    /// (see [`Template::build`], which sits with the store's other ways of opening a database).
    pub(super) fn new(uri: String, max_id: i64, keeper: Connection) -> Self {
        Self {
            uri,
            max_id,
            _keeper: Mutex::new(keeper),
            views: Mutex::default(),
        }
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

    /// Attaches the template to a connection as `seeds`, for a store that keeps the seed objects
    /// as its own rows to copy them from (see `Db::copy_seed_objects`).
    pub(super) fn attach_to_copy(&self, conn: &Connection) -> rusqlite::Result<()> {
        conn.execute("ATTACH DATABASE ?1 AS seeds", [&self.uri])?;
        Ok(())
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
