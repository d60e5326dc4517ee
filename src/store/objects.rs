//! Storage of data objects: one JSON body per object, keyed by resource and id, owned by a
//! company (or by company 0 for shared reference data).
//!
//! Reads see one merged view: the sandbox's own rows in `main.objects`, then the seed template's
//! rows in `tmpl.objects` that the sandbox has not shadowed (changed or deleted). Writes go to
//! `main` only: a change to a template object copies it up and shadows the template's row, a
//! delete shadows it. Ids never collide (generated ids start above every seeded one), so the merge
//! is a `UNION ALL` in id order.

use super::db::Db;
use super::remembered::Lookup;
use super::rows::{ACCOUNT, json_text};
use crate::domain::events::Verb;
use rusqlite::{OptionalExtension, params};
use serde_json::{Map, Value};

#[derive(Debug, Clone)]
pub struct StoredObject {
    pub id: i64,
    pub company_id: i64,
    pub version: i64,
    pub body: Map<String, Value>,
    pub changes: Vec<Value>,
}

/// A stored object as text, for answers written straight from it: owned, or (`ObjectRow<&str>`)
/// borrowed from the row SQLite is reading.
#[derive(Debug, Clone)]
pub struct ObjectRow<T = String> {
    pub id: i64,
    pub company_id: i64,
    pub version: i64,
    pub text: ObjectText<T>,
    /// The row is the seed template's (a sandbox's own rows never are).
    pub seeded: bool,
}

impl ObjectRow {
    pub fn borrowed(&self) -> ObjectRow<&str> {
        ObjectRow {
            id: self.id,
            company_id: self.company_id,
            version: self.version,
            text: self.text.borrowed(),
            seeded: self.seeded,
        }
    }
}

/// What a read found of an object: the default-fields rendering stored when it was written, or,
/// where there is none, its body as JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectText<T = String> {
    View(T),
    Body(T),
}

impl ObjectText {
    pub fn borrowed(&self) -> ObjectText<&str> {
        match self {
            ObjectText::View(view) => ObjectText::View(view),
            ObjectText::Body(body) => ObjectText::Body(body),
        }
    }
}

impl ObjectText<&str> {
    fn owned(&self) -> ObjectText {
        match *self {
            ObjectText::View(view) => ObjectText::View(view.to_owned()),
            ObjectText::Body(body) => ObjectText::Body(body.to_owned()),
        }
    }
}

/// The view, or the body where the object has no view: the body is only read when needed.
const VIEW_OR_BODY: &str = "view IS NOT NULL, COALESCE(view, body)";

fn object_text(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<ObjectText> {
    object_text_ref(row, at).map(|text| text.owned())
}

/// The row's text as SQLite holds it, not copied.
fn object_text_ref<'row>(row: &'row rusqlite::Row<'_>, at: usize) -> rusqlite::Result<ObjectText<&'row str>> {
    let viewed: bool = row.get(at)?;
    let text = row
        .get_ref(at + 1)?
        .as_str()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(at + 1, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(if viewed {
        ObjectText::View(text)
    } else {
        ObjectText::Body(text)
    })
}

/// A list's search filter, as the store evaluates it over the stored bodies (in SQL, so a list
/// reads only the bodies of its page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectFilter<'a> {
    /// The object's id is one of these.
    Ids(Vec<i64>),
    /// The field holds a reference `{"id": …}` to one of these ids.
    RefIds { field: &'a str, ids: Vec<i64> },
    /// The field's text (a string as it is, anything else as JSON) equals `text`, ASCII case aside.
    Equals { field: &'a str, text: &'a str },
    /// The field's text equals one of `texts` (`number=1920,2600`).
    EqualsAny { field: &'a str, texts: Vec<&'a str> },
    /// The field's text contains `text`, case aside (both lower-cased as Rust does).
    Contains { field: &'a str, text: &'a str },
    /// `isInactive` is this boolean (answered from the `inactive` column's index).
    Inactive(bool),
    /// Nothing matches (a filter on a field the resource does not store).
    Nothing,
}

/// What [`Db::each_object_on_page`] hands on: how many objects match, then each row of the page.
pub enum PageItem<'row> {
    Total(usize),
    Row(ObjectRow<&'row str>),
}

/// One page of a list: how many objects match, their (id, version) in id order when the checksum
/// is wanted, and the page's objects with their bodies.
#[derive(Debug, Default)]
pub struct ObjectPage {
    pub total: usize,
    pub matched: Vec<(i64, i64)>,
    pub page: Vec<ObjectRow>,
}

/// The condition under which a template row (`tmpl.objects t`) is part of the merged view.
macro_rules! visible {
    () => {
        "NOT EXISTS (SELECT 1 FROM main.objects_shadowed s WHERE s.resource = t.resource AND s.id = t.id)"
    };
}

/// The filtered field's text: a string as it is, any other value as its JSON.
const FIELD_TEXT: &str = "CASE json_type(body, ?N) WHEN 'text' THEN body ->> ?N ELSE body -> ?N END";

fn object_row_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<ObjectRow> {
    Ok(ObjectRow {
        id: row.get(0)?,
        company_id: row.get(1)?,
        version: row.get(2)?,
        text: object_text(row, 3)?,
        seeded: row.get(5)?,
    })
}

fn object_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredObject> {
    let body: String = row.get(3)?;
    let changes: String = row.get(4)?;
    let bad = |at: usize| {
        rusqlite::Error::FromSqlConversionFailure(at, rusqlite::types::Type::Text, "an object body is not JSON".into())
    };
    Ok(StoredObject {
        id: row.get(0)?,
        company_id: row.get(1)?,
        version: row.get(2)?,
        body: serde_json::from_str(&body).map_err(|_| bad(3))?,
        changes: serde_json::from_str(&changes).map_err(|_| bad(4))?,
    })
}

/// The value of the resource's numbered field (customerNumber, …) in the object, if it has one.
fn number_of(resource: &str, object: &StoredObject) -> Option<i64> {
    number_column(resource, &object.body)
}

/// `objects.number` of a body: its numbered field's value, or a ledger account's number (an
/// integer), which `account_by_number` finds from an index.
pub fn number_column(resource: &str, body: &Map<String, Value>) -> Option<i64> {
    if resource == ACCOUNT {
        return body.get("number").and_then(Value::as_i64);
    }
    let field = &crate::domain::resource::find(resource)?.number.as_ref()?.field;
    body.get(field)
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
}

/// `objects.inactive` of an object: 1 or 0 where `isInactive` is a boolean, NULL otherwise (as
/// migration 3 computed it in SQL for the rows it found).
fn inactive(object: &StoredObject) -> Option<i64> {
    object.body.get("isInactive").and_then(Value::as_bool).map(i64::from)
}

/// Fills `objects.number` in a database made before the column existed.
pub(super) fn fill_numbers(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    for def in crate::domain::resource::catalogue().unwrap_or_default() {
        if let Some(number) = &def.number {
            conn.execute(
                "UPDATE objects SET number = CAST(json_extract(body, '$.' || ?1) AS INTEGER) WHERE resource = ?2",
                params![number.field, def.path],
            )?;
        }
    }
    Ok(())
}

/// The highest number of a resource's objects in a company, its own and the template's.
const HIGHEST_NUMBER: &str = concat!(
    "SELECT MAX(n) FROM (
       SELECT MAX(number) AS n FROM main.objects WHERE resource = ?1 AND company_id = ?2
       UNION ALL
       SELECT * FROM (SELECT number FROM tmpl.objects t WHERE resource = ?1 AND company_id = ?2
         AND number IS NOT NULL AND ",
    visible!(),
    " ORDER BY number DESC LIMIT 1))"
);

/// A company's ledger account by its number (the lowest id, should two share it; NULL if none).
/// Named indexes: the planner would rather walk the primary key's entries of every account in id
/// order. `MIN` rather than `ORDER BY id LIMIT 1`, which sorted the union in a temporary B-tree.
pub(crate) const ACCOUNT_BY_NUMBER: &str = concat!(
    "SELECT MIN(id) FROM (
       SELECT id FROM main.objects INDEXED BY objects_by_account_number
         WHERE resource = 'ledger/account' AND company_id = ?1 AND number = ?2
       UNION ALL
       SELECT id FROM tmpl.objects t INDEXED BY objects_by_account_number
         WHERE resource = 'ledger/account' AND company_id = ?1 AND number = ?2 AND ",
    visible!(),
    ")"
);

/// The WHERE condition of a list and its bound values.
fn filter_sql(resource: &str, company_id: i64, filters: &[ObjectFilter<'_>]) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value as Sql;
    let mut sql = String::from("resource = ?1 AND company_id = ?2");
    let mut values = vec![Sql::Text(resource.to_owned()), Sql::Integer(company_id)];
    let next = |values: &mut Vec<Sql>, value: Sql| {
        values.push(value);
        values.len()
    };
    for filter in filters {
        match filter {
            ObjectFilter::Ids(ids) if ids.is_empty() => sql.push_str(" AND 0"),
            ObjectFilter::Ids(ids) => {
                let marks: Vec<String> = ids
                    .iter()
                    .map(|id| format!("?{}", next(&mut values, Sql::Integer(*id))))
                    .collect();
                sql.push_str(&format!(" AND id IN ({})", marks.join(",")));
            }
            ObjectFilter::RefIds { ids, .. } if ids.is_empty() => sql.push_str(" AND 0"),
            ObjectFilter::RefIds { field, ids } => {
                let path = next(&mut values, Sql::Text(format!("$.{field}.id")));
                let marks: Vec<String> = ids
                    .iter()
                    .map(|id| format!("?{}", next(&mut values, Sql::Integer(*id))))
                    .collect();
                sql.push_str(&format!(
                    " AND json_type(body, ?{path}) = 'integer' AND json_extract(body, ?{path}) IN ({})",
                    marks.join(",")
                ));
            }
            ObjectFilter::Equals { field, text } => {
                let path = next(&mut values, Sql::Text(format!("$.{field}")));
                let wanted = next(&mut values, Sql::Text((*text).to_owned()));
                let field_text = FIELD_TEXT.replace("?N", &format!("?{path}"));
                sql.push_str(&format!(" AND lower({field_text}) = lower(?{wanted})"));
            }
            ObjectFilter::EqualsAny { field, texts } => {
                let path = next(&mut values, Sql::Text(format!("$.{field}")));
                let marks: Vec<String> = texts
                    .iter()
                    .map(|text| format!("lower(?{})", next(&mut values, Sql::Text((*text).to_owned()))))
                    .collect();
                let field_text = FIELD_TEXT.replace("?N", &format!("?{path}"));
                sql.push_str(&format!(" AND lower({field_text}) IN ({})", marks.join(",")));
            }
            ObjectFilter::Contains { field, text } => {
                let path = next(&mut values, Sql::Text(format!("$.{field}")));
                let wanted = next(&mut values, Sql::Text(text.to_lowercase()));
                let field_text = FIELD_TEXT.replace("?N", &format!("?{path}"));
                sql.push_str(&format!(" AND instr(sandbox_lower({field_text}), ?{wanted}) > 0"));
            }
            ObjectFilter::Inactive(inactive) => sql.push_str(if *inactive {
                " AND inactive = 1"
            } else {
                " AND inactive = 0"
            }),
            ObjectFilter::Nothing => sql.push_str(" AND 0"),
        }
    }
    (sql, values)
}

/// Whether a page of a company's own objects is read through the company's index entries rather
/// than by walking the resource's rows in id order: when the resource has many rows and the
/// company holds few of them (an office's small client beside a big one), the walk would read
/// past every other company's rows to find its page.
fn walks_by_company(company_rows: i64, resource_rows: i64) -> bool {
    resource_rows >= 512 && company_rows.saturating_mul(4) < resource_rows
}

/// The rows of a company's own page read through its index entries (see [`walks_by_company`]):
/// the ids come from `objects_by_inactive` (small records, sorted by id, at most `from + count`
/// of them, bound at `?{end}`), then each row by its key.
fn own_page_by_company(condition: &str, end: usize) -> String {
    format!(
        "SELECT id, version, {VIEW_OR_BODY}, 0 FROM main.objects WHERE resource = ?1 AND id IN
           (SELECT id FROM main.objects INDEXED BY objects_by_inactive WHERE {condition}
            ORDER BY id LIMIT ?{end})"
    )
}

/// The sandbox's own objects and the template's visible ones that meet `condition`, merged in id
/// order.
fn merged_in_id_order(condition: &str) -> String {
    format!(
        "SELECT id, version, {VIEW_OR_BODY}, 0 FROM main.objects WHERE {condition}
         UNION ALL
         SELECT id, version, {VIEW_OR_BODY}, 1 FROM tmpl.objects t WHERE {condition} AND {} ORDER BY id",
        visible!()
    )
}

/// When `filters` ask for nothing beyond isInactive, the isInactive they ask for (None: any), so
/// the count can come from `object_counts`.
fn counted(filters: &[ObjectFilter<'_>]) -> Option<Option<bool>> {
    match filters {
        [] => Some(None),
        [ObjectFilter::Inactive(inactive)] => Some(Some(*inactive)),
        _ => None,
    }
}

impl Db<'_> {
    pub fn object(&self, resource: &str, id: i64) -> rusqlite::Result<Option<StoredObject>> {
        self.conn()
            .prepare_cached(concat!(
                "SELECT id, company_id, version, body, changes FROM main.objects WHERE resource = ?1 AND id = ?2
                 UNION ALL
                 SELECT id, company_id, version, body, changes FROM tmpl.objects t WHERE resource = ?1 AND id = ?2 AND ",
                visible!()
            ))?
            .query_row(params![resource, id], object_from)
            .optional()
    }

    /// Every object of a resource owned by the company, in id order.
    pub fn objects(&self, resource: &str, company_id: i64) -> rusqlite::Result<Vec<StoredObject>> {
        let mut statement = self.conn().prepare_cached(concat!(
            "SELECT id, company_id, version, body, changes FROM main.objects WHERE resource = ?1 AND company_id = ?2
             UNION ALL
             SELECT id, company_id, version, body, changes FROM tmpl.objects t WHERE resource = ?1 AND company_id = ?2 AND ",
            visible!(),
            " ORDER BY id"
        ))?;
        let rows = statement.query_map(params![resource, company_id], object_from)?;
        rows.collect()
    }

    /// The objects of a resource owned by the company that pass `filters`, in id order: their
    /// number, the bodies of those from `from` to `from + count`, and, with `checksum`, every
    /// match's (id, version). Without a checksum only the page's rows are read.
    pub fn object_page(
        &self,
        resource: &str,
        company_id: i64,
        filters: &[ObjectFilter<'_>],
        (from, count): (usize, usize),
        checksum: bool,
    ) -> rusqlite::Result<ObjectPage> {
        let mut page = ObjectPage::default();
        if checksum {
            let (condition, values) = filter_sql(resource, company_id, filters);
            let sql = merged_in_id_order(&condition);
            let mut statement = self.conn().prepare_cached(&sql)?;
            let mut rows = statement.query(rusqlite::params_from_iter(values))?;
            let wanted = from..from.saturating_add(count);
            while let Some(row) = rows.next()? {
                let (id, version) = (row.get(0)?, row.get(1)?);
                if wanted.contains(&page.matched.len()) {
                    page.page.push(ObjectRow {
                        id,
                        company_id,
                        version,
                        text: object_text(row, 2)?,
                        seeded: row.get(4)?,
                    });
                }
                page.matched.push((id, version));
            }
            page.total = page.matched.len();
            return Ok(page);
        }
        self.each_object_on_page(resource, company_id, filters, (from, count), |item| {
            match item {
                PageItem::Total(total) => page.total = total,
                PageItem::Row(row) => page.page.push(ObjectRow {
                    id: row.id,
                    company_id: row.company_id,
                    version: row.version,
                    text: row.text.owned(),
                    seeded: row.seeded,
                }),
            }
            Ok::<_, rusqlite::Error>(())
        })?;
        Ok(page)
    }

    /// The page of [`Db::object_page`] without a checksum, handed to `each` as SQLite reads it:
    /// first how many objects match, then each row of the page (its text borrowed, not copied).
    pub fn each_object_on_page<E: From<rusqlite::Error>>(
        &self,
        resource: &str,
        company_id: i64,
        filters: &[ObjectFilter<'_>],
        (from, count): (usize, usize),
        mut each: impl FnMut(PageItem<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let (condition, values) = filter_sql(resource, company_id, filters);
        // The sandbox's own objects are counted from object_counts where the filters allow it
        // (none, or isInactive only: every list's default), the template's (a seed's few) by index.
        let own = match counted(filters) {
            Some(inactive) => format!(
                "SELECT COALESCE(SUM(n), 0) FROM main.object_counts WHERE resource = ?1 AND company_id = ?2{}",
                match inactive {
                    Some(true) => " AND inactive = 1",
                    Some(false) => " AND inactive = 0",
                    None => "",
                }
            ),
            None => format!("SELECT COUNT(*) FROM main.objects WHERE {condition}"),
        };
        let sql = format!(
            "SELECT ({own}) + (SELECT COUNT(*) FROM tmpl.objects t WHERE {condition} AND {}),
                    (SELECT COALESCE(SUM(n), 0) FROM main.object_counts WHERE resource = ?1 AND company_id = ?2),
                    (SELECT COALESCE(SUM(n), 0) FROM main.object_counts WHERE resource = ?1)",
            visible!()
        );
        let (matching, company_rows, resource_rows): (i64, i64, i64) = self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(values.iter()), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        each(PageItem::Total(usize::try_from(matching).unwrap_or_default()))?;
        // Page bounds are bound values, so every page of a list shares one cached statement.
        let mut values = values;
        let limit = values.len() + 1;
        let by_company = walks_by_company(company_rows, resource_rows);
        let merged = if by_company {
            format!(
                "{} UNION ALL
                 SELECT id, version, {VIEW_OR_BODY}, 1 FROM tmpl.objects t WHERE {condition} AND {} ORDER BY id",
                own_page_by_company(&condition, limit + 2),
                visible!()
            )
        } else {
            merged_in_id_order(&condition)
        };
        let sql = format!("{merged} LIMIT ?{limit} OFFSET ?{}", limit + 1);
        let bound = |n: usize| rusqlite::types::Value::Integer(i64::try_from(n).unwrap_or(i64::MAX));
        values.push(bound(count));
        values.push(bound(from));
        if by_company {
            values.push(bound(from.saturating_add(count)));
        }
        let mut statement = self.conn().prepare_cached(&sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(values))?;
        while let Some(row) = rows.next()? {
            each(PageItem::Row(ObjectRow {
                id: row.get(0)?,
                company_id,
                version: row.get(1)?,
                text: object_text_ref(row, 2)?,
                seeded: row.get(4)?,
            }))?;
        }
        Ok(())
    }

    /// One object as text: its view, or its body where it has none.
    pub fn object_row(&self, resource: &str, id: i64) -> rusqlite::Result<Option<ObjectRow>> {
        self.conn()
            .prepare_cached(concat!(
                "SELECT id, company_id, version, view IS NOT NULL, COALESCE(view, body), 0 FROM main.objects WHERE resource = ?1 AND id = ?2
                 UNION ALL
                 SELECT id, company_id, version, view IS NOT NULL, COALESCE(view, body), 1 FROM tmpl.objects t WHERE resource = ?1 AND id = ?2 AND ",
                visible!()
            ))?
            .query_row(params![resource, id], object_row_from)
            .optional()
    }

    pub fn insert_object(&self, resource: &str, object: &StoredObject) -> rusqlite::Result<()> {
        self.insert_object_viewed(resource, object, &json_text(&object.body), None)
    }

    /// Stores a new object whose body is already JSON text, with its default-fields rendering
    /// (`view`) where the caller made one.
    pub fn insert_object_viewed(
        &self,
        resource: &str,
        object: &StoredObject,
        body: &str,
        view: Option<&str>,
    ) -> rusqlite::Result<()> {
        let number = number_of(resource, object);
        let before = self.conn().total_changes();
        self.conn()
            .prepare_cached(
                "INSERT INTO objects(resource, id, company_id, version, body, changes, number, inactive, view)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                resource,
                object.id,
                object.company_id,
                object.version,
                body,
                json_text(&object.changes),
                number,
                inactive(object),
                view,
            ])?;
        // The event the insert queues is part of it: lookups carried over the insert stay good.
        self.object_written(resource, object.company_id, object.id, Verb::Create)?;
        self.inserted(resource, object.company_id, number, before);
        Ok(())
    }

    /// Stores objects whose bodies and change logs are already JSON text (seed data made once
    /// for many companies): one statement for all of them, so a template's thousands of rows
    /// are bound and stepped without looking the statement up again for each.
    pub fn object_inserter(&self) -> rusqlite::Result<ObjectInserter<'_>> {
        let statement = self.conn().prepare_cached(
            "INSERT INTO objects(resource, id, company_id, version, body, changes, number, inactive)
             VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7)",
        )?;
        Ok(ObjectInserter { statement })
    }

    /// Copies the seed objects of the template attached as `seeds` into the store's own rows, in
    /// one statement (a store that keeps every object, see `Store::replace_world`).
    pub fn copy_seed_objects(&self) -> rusqlite::Result<()> {
        self.conn().execute_batch(
            "INSERT INTO main.objects(resource, id, company_id, version, body, changes, number, inactive, view)
             SELECT resource, id, company_id, version, body, changes, number, inactive, view FROM seeds.objects
             ORDER BY resource, id",
        )
    }

    /// Saves a changed object; a template object is copied up into the sandbox's own rows.
    pub fn update_object(&self, resource: &str, object: &StoredObject) -> rusqlite::Result<()> {
        self.update_object_viewed(resource, object, &json_text(&object.body), None)
    }

    /// Saves a changed object whose body is already JSON text, with its new default-fields
    /// rendering where the caller made one (an old view never outlives the body it was made of).
    pub fn update_object_viewed(
        &self,
        resource: &str,
        object: &StoredObject,
        body: &str,
        view: Option<&str>,
    ) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO main.objects(resource, id, company_id, version, body, changes, number, inactive, view)
                 VALUES (?1, ?2, ?7, ?3, ?4, ?5, ?6, ?8, ?9) ON CONFLICT(resource, id) DO UPDATE SET version = excluded.version, body = excluded.body,
                 changes = excluded.changes, number = excluded.number, inactive = excluded.inactive, view = excluded.view",
            )?
            .execute(params![
                resource,
                object.id,
                object.version,
                body,
                json_text(&object.changes),
                number_of(resource, object),
                object.company_id,
                inactive(object),
                view,
            ])?;
        self.shadow_template_object(resource, object.id)?;
        self.object_written(resource, object.company_id, object.id, Verb::Update)
    }

    /// Hides the template's row of an object, if it has one still visible; true if it had.
    fn shadow_template_object(&self, resource: &str, id: i64) -> rusqlite::Result<bool> {
        let shadowed = self
            .conn()
            .prepare_cached(concat!(
                "INSERT OR IGNORE INTO main.objects_shadowed(resource, id)
                 SELECT resource, id FROM tmpl.objects t WHERE resource = ?1 AND id = ?2 AND ",
                visible!()
            ))?
            .execute(params![resource, id])?;
        Ok(shadowed == 1)
    }

    pub fn delete_object(&self, resource: &str, id: i64) -> rusqlite::Result<bool> {
        let subscribable = self.company_before_delete(resource, id)?;
        let own = self
            .conn()
            .prepare_cached("DELETE FROM main.objects WHERE resource = ?1 AND id = ?2")?
            .execute(params![resource, id])?;
        let seeded = self.shadow_template_object(resource, id)?;
        if let (Some(company), true) = (subscribable, own == 1 || seeded) {
            self.object_written(resource, company, id, Verb::Delete)?;
        }
        Ok(own == 1 || seeded)
    }

    /// The highest number among a company's objects of a numbered resource (from its index).
    pub fn max_number(&self, resource: &str, company_id: i64) -> rusqlite::Result<Option<i64>> {
        let lookup = Lookup::HighestNumber {
            resource: resource.into(),
            company_id,
        };
        self.looked_up(lookup, || self.highest_number(resource, company_id))
    }

    fn highest_number(&self, resource: &str, company_id: i64) -> rusqlite::Result<Option<i64>> {
        self.conn()
            .prepare_cached(HIGHEST_NUMBER)?
            .query_row(params![resource, company_id], |r| r.get(0))
    }

    /// The ledger account of a company with the given number (from its index).
    pub fn account_by_number(&self, company_id: i64, number: i64) -> rusqlite::Result<Option<i64>> {
        self.looked_up(Lookup::AccountByNumber { company_id, number }, || {
            self.conn()
                .prepare_cached(ACCOUNT_BY_NUMBER)?
                .query_row(params![company_id, number], |r| r.get(0))
        })
    }

    /// The largest id of the objects this store holds itself (not its template's: see
    /// [`Store::max_id`](super::Store::max_id)).
    /// A company's ledger accounts as (id, number), read from the number column alone.
    pub fn account_numbers(&self, company_id: i64) -> rusqlite::Result<Vec<(i64, i64)>> {
        let mut statement = self.conn().prepare_cached(concat!(
            "SELECT id, number FROM main.objects INDEXED BY objects_by_account_number
               WHERE resource = 'ledger/account' AND company_id = ?1 AND number IS NOT NULL
             UNION ALL
             SELECT id, number FROM tmpl.objects t INDEXED BY objects_by_account_number
               WHERE resource = 'ledger/account' AND company_id = ?1 AND number IS NOT NULL AND ",
            visible!()
        ))?;
        let rows = statement.query_map(params![company_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect()
    }

    pub fn max_object_id(&self) -> rusqlite::Result<i64> {
        self.conn()
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM main.objects")?
            .query_row([], |r| r.get(0))
    }
}

/// Stores ready-made object rows (see [`Db::object_inserter`]).
pub struct ObjectInserter<'conn> {
    statement: rusqlite::CachedStatement<'conn>,
}

impl ObjectInserter<'_> {
    /// Stores one object, with its numbered field's value (if the resource has one) and its
    /// `isInactive` (if a boolean) as the maker read them.
    pub fn insert(
        &mut self,
        resource: &str,
        id: i64,
        company_id: i64,
        body: &str,
        changes: &str,
        (number, inactive): (Option<i64>, Option<bool>),
    ) -> rusqlite::Result<()> {
        self.statement
            .execute(params![
                resource,
                id,
                company_id,
                body,
                changes,
                number,
                inactive.map(i64::from)
            ])
            .map(drop)
    }
}

/// An object a store holds itself, bodies still as JSON text, for an export of the world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnObject {
    pub resource: String,
    pub id: i64,
    pub company_id: i64,
    pub version: i64,
    pub body: String,
    pub changes: String,
}

/// The seed objects a fresh world of the store's companies starts with, as
/// [`Store::with_seed`] has them at hand: the attached template, or a fresh one beside a file's
/// own objects.
#[derive(Debug, Clone, Copy)]
pub struct SeedAtHand {
    /// Attached as `seed` for the call (a file keeps its seed objects itself); else `tmpl` is it.
    beside: bool,
}

impl super::Store {
    /// Runs `f` with the seed objects of a fresh world at hand, under one lock: the template an
    /// in-memory store reads through (`fresh` None), or `fresh` attached for as long as `f` runs
    /// (a file keeps its seed objects among its own, so they are told apart by comparing).
    pub fn with_seed<T, E: From<rusqlite::Error>>(
        &self,
        fresh: Option<&super::Template>,
        f: impl FnOnce(&Db<'_>, SeedAtHand) -> Result<T, E>,
    ) -> Result<T, E> {
        let attached = self.lock();
        let Some(fresh) = fresh else {
            return f(&Db::new(&attached), SeedAtHand { beside: false });
        };
        attached.execute("ATTACH DATABASE ?1 AS seed", [fresh.uri()])?;
        let out = f(&Db::new(&attached), SeedAtHand { beside: true });
        attached.execute_batch("DETACH DATABASE seed")?;
        out
    }
}

impl Db<'_> {
    /// The objects this store holds itself that a fresh world does not hold as they are
    /// (created ones, changed seed objects), by resource and id.
    pub fn objects_unlike_seed(&self, seed: SeedAtHand) -> rusqlite::Result<Vec<OwnObject>> {
        let schema = if seed.beside { "seed" } else { "tmpl" };
        // Not cached: `seed` is attached for one export only.
        let mut statement = self.conn().prepare(&format!(
            "SELECT resource, id, company_id, version, body, changes FROM main.objects m
             WHERE NOT EXISTS (SELECT 1 FROM {schema}.objects s WHERE s.resource = m.resource AND s.id = m.id
               AND s.company_id = m.company_id AND s.version = m.version AND s.body = m.body)
             ORDER BY resource, id"
        ))?;
        let rows = statement.query_map([], |row| {
            Ok(OwnObject {
                resource: row.get(0)?,
                id: row.get(1)?,
                company_id: row.get(2)?,
                version: row.get(3)?,
                body: row.get(4)?,
                changes: row.get(5)?,
            })
        })?;
        rows.collect()
    }

    /// The (resource, id) of the seed objects a fresh world holds and this one has deleted, in order.
    pub fn seed_objects_deleted(&self, seed: SeedAtHand) -> rusqlite::Result<Vec<(String, i64)>> {
        let sql = if seed.beside {
            "SELECT resource, id FROM seed.objects s
             WHERE NOT EXISTS (SELECT 1 FROM main.objects m WHERE m.resource = s.resource AND m.id = s.id)
             ORDER BY resource, id"
        } else {
            "SELECT resource, id FROM main.objects_shadowed s
             WHERE NOT EXISTS (SELECT 1 FROM main.objects m WHERE m.resource = s.resource AND m.id = s.id)
             ORDER BY resource, id"
        };
        let mut statement = self.conn().prepare(sql)?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect()
    }

    /// Stores an object of a loaded world with its own id, version and owner, in place of the
    /// seed object with that id if there is one.
    pub fn put_loaded_object(&self, resource: &str, object: &StoredObject) -> rusqlite::Result<()> {
        self.delete_object(resource, object.id)?;
        self.insert_object(resource, object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    /// A new object of `company_id` with the given body fields.
    fn object(id: i64, company_id: i64, fields: impl IntoIterator<Item = (&'static str, Value)>) -> StoredObject {
        StoredObject {
            id,
            company_id,
            version: 0,
            body: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            changes: Vec::new(),
        }
    }

    fn account(id: i64, company_id: i64, number: Value) -> StoredObject {
        object(id, company_id, [("number", number)])
    }

    /// An account written through the API is found by its number as a seed account is: the
    /// number column is filled from the body on every write.
    #[test]
    fn an_account_is_found_by_the_number_its_body_has_now() {
        let store = Store::open_in_memory().unwrap();
        store
            .with(|db| {
                db.insert_object(ACCOUNT, &account(70, 7, 4242.into()))?;
                // Not an integer: never found by number, as with the index over the body.
                db.insert_object(ACCOUNT, &account(71, 7, "4343".into()))?;
                assert_eq!(db.account_by_number(7, 4242)?, Some(70));
                assert_eq!(db.account_by_number(8, 4242)?, None);
                assert_eq!(db.account_by_number(7, 4343)?, None);
                db.update_object(ACCOUNT, &account(70, 7, 4244.into()))?;
                assert_eq!(db.account_by_number(7, 4242)?, None);
                assert_eq!(db.account_by_number(7, 4244)?, Some(70));
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }

    /// What the lookups read from SQL, bypassing what the store remembers of them.
    fn read_afresh(db: &Db<'_>, company_id: i64) -> rusqlite::Result<(Option<i64>, Option<i64>)> {
        let highest = db.highest_number("customer", company_id)?;
        let account = db
            .conn()
            .prepare_cached(ACCOUNT_BY_NUMBER)?
            .query_row(params![company_id, 1500], |r| r.get(0))?;
        Ok((highest, account))
    }

    fn numbered(id: i64, company_id: i64, number: i64) -> StoredObject {
        object(id, company_id, [("customerNumber", number.into())])
    }

    /// A create reads its company's highest customer number and its account 1500 (remembered,
    /// and carried past the inserts the store makes); after every other kind of write, and a
    /// transaction rolled back, the remembered answers are the ones SQL gives.
    #[test]
    fn remembered_lookups_answer_as_sql_does_after_every_kind_of_write() {
        let store = Store::open_in_memory().unwrap();
        let check = |db: &Db<'_>, step: &str| -> rusqlite::Result<()> {
            for company in [7, 8] {
                let remembered = (
                    db.max_number("customer", company)?,
                    db.account_by_number(company, 1500)?,
                );
                assert_eq!(remembered, read_afresh(db, company)?, "{step}, company {company}");
            }
            Ok(())
        };
        store
            .with(|db| {
                check(db, "empty")?;
                db.insert_object("customer", &numbered(1, 7, 10_005))?;
                check(db, "a first customer")?;
                db.insert_object("customer", &numbered(2, 7, 10_001))?;
                check(db, "a lower number")?;
                db.insert_object("customer", &object(3, 7, [("name", "Uten nummer".into())]))?;
                check(db, "no number")?;
                db.insert_object("customer", &numbered(4, 8, 20_000))?;
                check(db, "another company's")?;
                db.insert_object(ACCOUNT, &account(5, 7, 1500.into()))?;
                check(db, "the account")?;
                db.insert_object(ACCOUNT, &account(6, 7, 1499.into()))?;
                check(db, "an account with another number")?;
                db.update_object("customer", &numbered(1, 7, 9_000))?;
                check(db, "the highest renumbered lower")?;
                db.delete_object("customer", 2)?;
                check(db, "the highest deleted")?;
                db.update_object(ACCOUNT, &account(5, 7, 1501.into()))?;
                check(db, "the account renumbered")?;
                // A write that is not an insert, then an insert, with nothing read between them:
                // what stood before the first must not be carried past the second.
                db.insert_object("customer", &numbered(11, 7, 30_000))?;
                check(db, "a new highest")?;
                db.update_object("customer", &numbered(11, 7, 8_000))?;
                db.insert_object("customer", &numbered(12, 7, 7_000))?;
                check(db, "renumbered lower, then a lower insert")?;
                db.delete_object("customer", 1)?;
                db.insert_object("customer", &numbered(13, 7, 6_000))?;
                check(db, "deleted, then a lower insert")?;
                // Another numbered resource with a higher number in the same company, and an
                // account of another company with the looked-up number.
                db.insert_object("supplier", &object(14, 7, [("supplierNumber", 99_000.into())]))?;
                check(db, "another resource's higher number")?;
                assert_eq!(db.max_number("supplier", 7)?, Some(99_000));
                db.insert_object(ACCOUNT, &account(15, 8, 1500.into()))?;
                check(db, "another company's account")?;
                // The account with the lowest id of two with the number is the one found.
                db.insert_object(ACCOUNT, &account(4, 7, 1500.into()))?;
                check(db, "a second account 1500 with a lower id")?;
                assert_eq!(db.account_by_number(7, 1500)?, Some(4));
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
        let failed = store.transaction(|db| {
            db.insert_object("customer", &numbered(9, 7, 99_999))?;
            db.insert_object(ACCOUNT, &account(10, 7, 1500.into()))?;
            check(db, "inside the transaction")?;
            Err::<(), _>(rusqlite::Error::InvalidQuery)
        });
        assert!(failed.is_err());
        store.with(|db| check(db, "after the rollback")).unwrap();
        assert_eq!(
            store.with(|db| db.max_number("customer", 7)).unwrap(),
            Some(8_000),
            "the rolled-back 99 999 is gone"
        );
    }

    /// A create that queues an event for a subscriber still carries the company's remembered
    /// numbers past it: the event's row is part of the insert, not a write that could change them.
    #[test]
    fn an_insert_that_queues_an_event_keeps_the_lookups_it_carries() {
        let store = Store::open_in_memory().unwrap();
        store
            .with(|db| {
                let subscription = [("event", "customer.create".into()), ("status", "ACTIVE".into())];
                db.insert_object("event/subscription", &object(1, 7, subscription))?;
                db.insert_object("customer", &numbered(2, 7, 10_001))?;
                assert_eq!(db.max_number("customer", 7)?, Some(10_001));
                db.insert_object("customer", &numbered(3, 7, 10_002))?;
                let queued: i64 = db.conn().query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
                assert_eq!(queued, 2, "both creates queued their event");
                let lookup = Lookup::HighestNumber {
                    resource: "customer".into(),
                    company_id: 7,
                };
                let carried = db.looked_up(lookup, || Ok(None))?;
                assert_eq!(carried, Some(10_002), "answered from memory, not read again");
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }

    /// A database file reads its lookups from SQL in every transaction: another connection's
    /// insert into its objects moves no count of this connection's, and a remembered lookup
    /// would then miss it. An in-memory store remembers them.
    #[test]
    fn a_file_store_never_answers_a_lookup_from_memory() {
        let dir = std::env::temp_dir().join(format!("lookups-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let lookup = || Lookup::HighestNumber {
            resource: "customer".into(),
            company_id: 7,
        };
        let looked_twice = |store: &Store| {
            store
                .with(|db| {
                    db.looked_up(lookup(), || Ok(Some(10_001)))?;
                    db.looked_up(lookup(), || Ok(None))
                })
                .unwrap()
        };
        assert_eq!(looked_twice(&Store::open_file(&dir.join("world.db")).unwrap()), None);
        assert_eq!(
            looked_twice(&Store::open_in_memory().unwrap()),
            Some(10_001),
            "an in-memory store does"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// The point of remembering them: a run of creates reads the highest number once, not once
    /// per create.
    #[test]
    fn a_run_of_inserts_reads_the_highest_number_once() {
        let store = Store::open_in_memory().unwrap();
        let runs = || {
            store
                .with(|db| {
                    let statement = db.conn().prepare_cached(HIGHEST_NUMBER)?;
                    Ok::<_, rusqlite::Error>(statement.get_status(rusqlite::StatementStatus::Run))
                })
                .unwrap()
        };
        let before = runs();
        for id in 1..=20 {
            store
                .transaction(|db| {
                    let next = db.max_number("customer", 7)?.unwrap_or(10_000) + 1;
                    db.insert_object("customer", &numbered(id, 7, next))
                })
                .unwrap();
        }
        assert_eq!(runs() - before, 1);
        assert_eq!(store.with(|db| db.max_number("customer", 7)).unwrap(), Some(10_020));
    }

    fn customer(id: i64, company_id: i64, inactive: bool) -> StoredObject {
        object(
            id,
            company_id,
            [("name", format!("Kunde {id}").into()), ("isInactive", inactive.into())],
        )
    }

    /// A small company beside a big one in the same sandbox (an office's clients) gets its page
    /// through its own index entries, and the page is the one the walk in id order would give.
    #[test]
    fn a_small_companys_page_beside_a_big_one_is_read_through_its_index_entries() {
        assert!(walks_by_company(30, 930), "30 of 930 rows");
        assert!(!walks_by_company(900, 930), "the company holds most rows");
        assert!(!walks_by_company(3, 100), "too few rows for the walk to matter");

        let store = Store::open_in_memory().unwrap();
        store
            .with(|db| {
                for id in 1..=900 {
                    db.insert_object("customer", &customer(id, 7, false))?;
                }
                // Company 8's rows come after company 7's; every third is inactive.
                for id in 901..=930 {
                    db.insert_object("customer", &customer(id, 8, id % 3 == 0))?;
                }
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
        let ids = |company, filters: &[ObjectFilter<'_>], from, count| {
            let page = store
                .with(|db| db.object_page("customer", company, filters, (from, count), false))
                .unwrap();
            (page.total, page.page.iter().map(|row| row.id).collect::<Vec<_>>())
        };
        assert_eq!(ids(8, &[], 0, 3), (30, vec![901, 902, 903]));
        assert_eq!(ids(8, &[], 28, 5), (30, vec![929, 930]));
        let active = [ObjectFilter::Inactive(false)];
        assert_eq!(ids(8, &active, 1, 3), (20, vec![902, 904, 905]));
        assert_eq!(
            ids(8, &[ObjectFilter::Ids(vec![930, 905, 1])], 0, 10),
            (2, vec![905, 930])
        );
        // A page far past the end (from + count beyond i64) is empty, not an error.
        assert_eq!(ids(8, &[], usize::MAX - 1, 10_000), (30, vec![]));
        // The big company still walks, with the same answers as before.
        assert_eq!(ids(7, &[], 898, 5), (900, vec![899, 900]));

        // Company 8's first page costs about what company 7's first page does: it does not walk
        // past company 7's 900 rows (that walk costs ~20 times as much).
        let steps = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counted = |company| {
            steps.store(0, std::sync::atomic::Ordering::Relaxed);
            let counter = steps.clone();
            store
                .lock()
                .conn
                .progress_handler(
                    10,
                    Some(move || {
                        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        false
                    }),
                )
                .unwrap();
            ids(company, &[], 0, 3);
            store.lock().conn.progress_handler(0, None::<fn() -> bool>).unwrap();
            steps.load(std::sync::atomic::Ordering::Relaxed)
        };
        let (small, big) = (counted(8), counted(7));
        assert!(small < big * 5, "{small} against {big} steps of ten instructions");

        // The statement reads the company's entries of the index, not the resource's rows.
        let (condition, values) = filter_sql("customer", 8, &[]);
        let sql = format!(
            "EXPLAIN QUERY PLAN {}",
            own_page_by_company(&condition, values.len() + 1)
        );
        let conn = store.lock();
        let mut values = values;
        values.push(rusqlite::types::Value::Integer(3));
        let plan: Vec<String> = conn
            .prepare(&sql)
            .unwrap()
            .query_map(rusqlite::params_from_iter(values), |r| r.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING COVERING INDEX objects_by_inactive (resource=? AND company_id=?)")),
            "{plan:?}"
        );
        assert!(!plan.iter().any(|step| step.starts_with("SCAN")), "{plan:?}");
    }
}
