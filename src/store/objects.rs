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

    pub fn insert_object(&self, resource: &str, object: &StoredObject) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO objects(resource, id, company_id, version, body, changes) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                resource,
                object.id,
                object.company_id,
                object.version,
                super::json_text(&object.body),
                super::json_text(&object.changes),
            ])
            .map(drop)
    }

    pub fn update_object(&self, resource: &str, object: &StoredObject) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached("UPDATE objects SET version = ?3, body = ?4, changes = ?5 WHERE resource = ?1 AND id = ?2")?
            .execute(params![
                resource,
                object.id,
                object.version,
                super::json_text(&object.body),
                super::json_text(&object.changes),
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

    /// The highest value of a numeric field among a company's objects of a resource.
    pub fn max_number(&self, resource: &str, company_id: i64, field: &str) -> rusqlite::Result<Option<i64>> {
        self.conn()
            .prepare_cached(
                "SELECT MAX(CAST(json_extract(body, '$.' || ?3) AS INTEGER)) FROM objects WHERE resource = ?1 AND company_id = ?2",
            )?
            .query_row(params![resource, company_id, field], |r| r.get(0))
    }

    pub fn max_object_id(&self) -> rusqlite::Result<i64> {
        self.conn()
            .prepare_cached("SELECT COALESCE(MAX(id), 0) FROM objects")?
            .query_row([], |r| r.get(0))
    }
}
