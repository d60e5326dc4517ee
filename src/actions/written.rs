//! Answers written as bytes from stored JSON, for the default `fields`: a page's head, one
//! stored object from its view or body (a seed object's view made once per seed), and the
//! `{"value": …}` around one.

use crate::actions::Answer;
use crate::actions::object_json::{self, RawBody};
use crate::domain::resource::ResourceDef;
use crate::store::{Db, ObjectRow, ObjectText, StoredObject};
use crate::wire::ApiError;

/// `{"fullResultSize":…,"from":…,"count":…,"versionDigest":…,"values":[`.
pub fn write_page_head(out: &mut Vec<u8>, total: usize, from: usize, count: usize, digest: &str) {
    out.extend_from_slice(b"{\"fullResultSize\":");
    out.extend_from_slice(total.to_string().as_bytes());
    out.extend_from_slice(b",\"from\":");
    out.extend_from_slice(from.to_string().as_bytes());
    out.extend_from_slice(b",\"count\":");
    out.extend_from_slice(count.to_string().as_bytes());
    out.extend_from_slice(b",\"versionDigest\":");
    out.extend_from_slice(serde_json::to_string(digest).unwrap_or_default().as_bytes());
    out.extend_from_slice(b",\"values\":[");
}

/// One stored object with the default fields: its view with the base put in, or, where it has
/// none, rendered from its body.
pub fn write_stored(
    out: &mut Vec<u8>,
    def: &ResourceDef,
    base: &str,
    id: i64,
    version: i64,
    text: ObjectText<&str>,
) -> Result<(), ApiError> {
    match text {
        ObjectText::View(view) => object_json::write_view(out, view, base),
        ObjectText::Body(body) => {
            let body = RawBody::parse(body).map_err(|e| ApiError::internal(&e))?;
            object_json::write_object(out, def, base, id, version, &body);
        }
    }
    Ok(())
}

/// A row of a read with the default fields. A seed object has no view of its own (the seed is
/// built without rendering anything): the first request that shows it renders it once for every
/// sandbox of that seed.
pub fn write_row(
    out: &mut Vec<u8>,
    def: &ResourceDef,
    base: &str,
    db: &Db<'_>,
    row: &ObjectRow<&str>,
) -> Result<(), ApiError> {
    if let (true, ObjectText::Body(body)) = (row.seeded, row.text) {
        let view = db.seed_view(&def.path, row.id, || {
            object_json::default_view(def, row.id, row.version, body)
                .map(Into::into)
                .ok_or_else(|| ApiError::internal(&format!("seed object {} is not a JSON object", row.id)))
        })?;
        object_json::write_view(out, &view, base);
        return Ok(());
    }
    write_stored(out, def, base, row.id, row.version, row.text)
}

/// `{"value": …}` of one stored object with the default fields.
pub fn single_default(
    def: &ResourceDef,
    base: &str,
    status: u16,
    id: i64,
    version: i64,
    text: &ObjectText,
) -> Result<Answer, ApiError> {
    value_envelope(|out| write_stored(out, def, base, id, version, text.borrowed()))
        .map(|out| Answer::written(status, out))
}

/// `{"value": …}` around what `write` writes.
pub fn value_envelope(write: impl FnOnce(&mut Vec<u8>) -> Result<(), ApiError>) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(1300);
    out.extend_from_slice(b"{\"value\":");
    write(&mut out)?;
    out.push(b'}');
    Ok(out)
}

/// A written object's body as stored, and its view.
pub fn stored_text(def: &ResourceDef, object: &StoredObject) -> (String, String) {
    object_json::body_and_view(def, object.id, object.version, &object.body)
}
