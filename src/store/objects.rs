//! Storage of data objects: one JSON body per object, keyed by resource and id, owned by a
//! company (or by company 0 for shared reference data).

use super::queries::Db;
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

/// A stored object with its body still as JSON text, for answers written straight from it.
#[derive(Debug, Clone)]
pub struct ObjectRow {
    pub id: i64,
    pub company_id: i64,
    pub version: i64,
    pub body: String,
}

fn object_row_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<ObjectRow> {
    Ok(ObjectRow {
        id: row.get(0)?,
        company_id: row.get(1)?,
        version: row.get(2)?,
        body: row.get(3)?,
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
    let field = &crate::domain::resource::find(resource)?.number.as_ref()?.field;
    object
        .body
        .get(field)
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
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

impl Db<'_> {
    pub fn object(&self, resource: &str, id: i64) -> rusqlite::Result<Option<StoredObject>> {
        self.conn()
            .prepare_cached(
                "SELECT id, company_id, version, body, changes FROM objects WHERE resource = ?1 AND id = ?2",
            )?
            .query_row(params![resource, id], object_from)
            .optional()
    }

    /// Every object of a resource owned by the company, in id order.
    pub fn objects(&self, resource: &str, company_id: i64) -> rusqlite::Result<Vec<StoredObject>> {
        let mut statement = self.conn().prepare_cached(
            "SELECT id, company_id, version, body, changes FROM objects WHERE resource = ?1 AND company_id = ?2 ORDER BY id",
        )?;
        let rows = statement.query_map(params![resource, company_id], object_from)?;
        rows.collect()
    }

    /// Every object of a resource owned by the company, in id order, bodies unparsed.
    pub fn object_rows(&self, resource: &str, company_id: i64) -> rusqlite::Result<Vec<ObjectRow>> {
        let mut statement = self.conn().prepare_cached(
            "SELECT id, company_id, version, body FROM objects WHERE resource = ?1 AND company_id = ?2 ORDER BY id",
        )?;
        let rows = statement.query_map(params![resource, company_id], object_row_from)?;
        rows.collect()
    }

    /// One object with its body unparsed.
    pub fn object_row(&self, resource: &str, id: i64) -> rusqlite::Result<Option<ObjectRow>> {
        self.conn()
            .prepare_cached("SELECT id, company_id, version, body FROM objects WHERE resource = ?1 AND id = ?2")?
            .query_row(params![resource, id], object_row_from)
            .optional()
    }

    pub fn insert_object(&self, resource: &str, object: &StoredObject) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO objects(resource, id, company_id, version, body, changes, number) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                resource,
                object.id,
                object.company_id,
                object.version,
                super::json_text(&object.body),
                super::json_text(&object.changes),
                number_of(resource, object),
            ])
            .map(drop)
    }

    /// Stores an object whose body and change log are already JSON text (seed data made once
    /// for many companies); `number` is its numbered field's value, if the resource has one.
    pub fn insert_object_text(
        &self,
        resource: &str,
        id: i64,
        company_id: i64,
        body: &str,
        changes: &str,
        number: Option<i64>,
    ) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO objects(resource, id, company_id, version, body, changes, number) VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6)",
            )?
            .execute(params![resource, id, company_id, body, changes, number])
            .map(drop)
    }

    pub fn update_object(&self, resource: &str, object: &StoredObject) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE objects SET version = ?3, body = ?4, changes = ?5, number = ?6 WHERE resource = ?1 AND id = ?2",
            )?
            .execute(params![
                resource,
                object.id,
                object.version,
                super::json_text(&object.body),
                super::json_text(&object.changes),
                number_of(resource, object),
            ])
            .map(drop)
    }

    pub fn delete_object(&self, resource: &str, id: i64) -> rusqlite::Result<bool> {
        let changed = self
            .conn()
            .prepare_cached("DELETE FROM objects WHERE resource = ?1 AND id = ?2")?
            .execute(params![resource, id])?;
        Ok(changed == 1)
    }

    /// The highest number among a company's objects of a numbered resource (from its index).
    pub fn max_number(&self, resource: &str, company_id: i64) -> rusqlite::Result<Option<i64>> {
        self.conn()
            .prepare_cached("SELECT MAX(number) FROM objects WHERE resource = ?1 AND company_id = ?2")?
            .query_row(params![resource, company_id], |r| r.get(0))
    }

    pub fn max_object_id(&self) -> rusqlite::Result<i64> {
        self.conn()
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM objects")?
            .query_row([], |r| r.get(0))
    }
}
