//! Reading: a list (search filters, paging, sorting, `fields`, checksums) and one object. The
//! default fields are written straight from the stored JSON; any other selection renders values.

use crate::actions::search::{self, asks_for_range, check_filter_values, check_required_query, digest, matches};
use crate::actions::written::{value_envelope, write_page_head, write_row};
use crate::actions::{Actor, Answer, Input, check_access, load, owner_company, views};
use crate::domain::resource::{Operation, ResourceDef};
use crate::store::{Db, ObjectFilter, PageItem, StoredObject};
use crate::wire::ApiError;
use crate::wire::envelope::{ListParams, ListQuery, NO_DIGEST};
use crate::wire::fields::FieldFilter;
use std::hash::{Hash, Hasher};

/// `GET /{path}`: the acting company's objects that pass the search, paged.
pub fn list(def: &'static ResourceDef, actor: &Actor, input: &Input) -> Result<Answer, ApiError> {
    let query = &input.query;
    let list_query = ListQuery::of(query);
    check_required_query(def, Operation::List, query)?;
    let params = ListParams::parse(&list_query)?;
    check_filter_values(def, query)?;
    let company = owner_company(def, actor);
    if params.sorting.is_empty() && !asks_for_range(def, query) {
        if params.fields.is_everything() {
            return list_default(def, actor, input, &params, company);
        }
        if input.if_none_match.is_none() {
            return list_page_with_fields(def, actor, input, params, company);
        }
    }
    let (values, checksum) = actor.sandbox.store().with(|db| {
        check_access(def, actor, db)?;
        let objects = db.objects(&def.path, company)?;
        let selected: Vec<&StoredObject> = objects
            .iter()
            .filter(|o| matches(def, o.id, |f| o.body.get(f).cloned(), query))
            .collect();
        let checksum = digest(&selected);
        let values = selected
            .iter()
            .map(|o| views::render_object(def, &actor.base, o, &params.fields, db, actor.company))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok::<_, ApiError>((values, checksum))
    })?;
    Ok(match &input.if_none_match {
        Some(sent) if sent.trim_matches('"') == checksum => Answer::NotModified { checksum },
        sent => Answer::Page {
            values,
            params,
            model: &def.model,
            checksum: sent.as_ref().map(|_| checksum),
        },
    })
}

/// A list with a `fields` filter and no sorting: the page is found by the store as for the default
/// fields, and only its objects are read and rendered (not every object of the company).
fn list_page_with_fields(
    def: &'static ResourceDef,
    actor: &Actor,
    input: &Input,
    params: ListParams,
    company: i64,
) -> Result<Answer, ApiError> {
    let filters = search::object_filters(def, &input.query);
    let (values, full) = actor.sandbox.store().with(|db| {
        check_access(def, actor, db)?;
        let found = db.object_page(&def.path, company, &filters, (params.from, params.count), false)?;
        let mut values = Vec::with_capacity(found.page.len());
        for row in &found.page {
            if let Some(object) = db.object(&def.path, row.id)? {
                values.push(views::render_object(
                    def,
                    &actor.base,
                    &object,
                    &params.fields,
                    db,
                    actor.company,
                )?);
            }
        }
        Ok::<_, ApiError>((values, found.total))
    })?;
    Ok(Answer::Slice {
        values,
        full,
        params,
        model: &def.model,
    })
}

/// A list with the default fields and no sorting, written straight from the stored JSON: only the
/// page is rendered, and no object is parsed into a tree.
fn list_default(
    def: &ResourceDef,
    actor: &Actor,
    input: &Input,
    params: &ListParams,
    company: i64,
) -> Result<Answer, ApiError> {
    let filters = search::object_filters(def, &input.query);
    let base = &actor.base;
    actor.sandbox.store().with(|db| {
        check_access(def, actor, db)?;
        let Some(sent) = &input.if_none_match else {
            // The page is the same for everyone who may read it here, until a row of the store
            // changes: a list read again (reference data, a poll) is answered as rendered the
            // first time. (A caller that sent If-None-Match gets the checksum path instead.)
            let key = format!("{}\0{company}\0{base}\0{}", def.path, input.query_string);
            let body = db.rendered(&key, || list_page_as_read(def, base, db, company, &filters, params))?;
            return Ok(Answer::Written { status: 200, body });
        };
        // The checksum (over every match) is only needed when the caller sent If-None-Match.
        let found = db.object_page(&def.path, company, &filters, (params.from, params.count), true)?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for pair in &found.matched {
            pair.hash(&mut hasher);
        }
        let checksum = format!("{:016x}", hasher.finish());
        if sent.trim_matches('"') == checksum {
            return Ok(Answer::NotModified { checksum });
        }
        let mut out = Vec::with_capacity(128 + found.page.len() * 1280);
        write_page_head(&mut out, found.total, params.from, found.page.len(), &checksum);
        for (i, row) in found.page.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_row(&mut out, def, base, db, &row.borrowed())?;
        }
        out.extend_from_slice(b"]}");
        Ok(Answer::written(200, out))
    })
}

/// A default-fields page without a checksum, each row written as SQLite reads it (its text not
/// copied first).
pub(super) fn list_page_as_read(
    def: &ResourceDef,
    base: &str,
    db: &Db<'_>,
    company: i64,
    filters: &[ObjectFilter<'_>],
    params: &ListParams,
) -> Result<bytes::Bytes, ApiError> {
    let mut out = Vec::new();
    // The head's count is the page's length as the total foretells it; the rare page that came
    // out otherwise (counts that drifted from the rows) has its head written again.
    let (mut total, mut foretold, mut head, mut written) = (0usize, 0usize, 0, 0usize);
    db.each_object_on_page(&def.path, company, filters, (params.from, params.count), |item| {
        match item {
            PageItem::Total(matching) => {
                total = matching;
                foretold = total.saturating_sub(params.from).min(params.count);
                out.reserve(128 + foretold * 1280);
                write_page_head(&mut out, total, params.from, foretold, NO_DIGEST);
                head = out.len();
            }
            PageItem::Row(row) => {
                if written > 0 {
                    out.push(b',');
                }
                written += 1;
                write_row(&mut out, def, base, db, &row)?;
            }
        }
        Ok::<_, ApiError>(())
    })?;
    out.extend_from_slice(b"]}");
    if written != foretold {
        let mut again = Vec::with_capacity(out.len());
        write_page_head(&mut again, total, params.from, written, NO_DIGEST);
        again.extend_from_slice(out.get(head..).unwrap_or_default());
        out = again;
    }
    // Bytes takes the Vec as it is (an Arc<[u8]> would copy the page once more), room to spare
    // and all: a page that came out well short of its reservation gives the rest back first, so
    // the memo holds about the bytes it counts.
    if out.capacity() - out.len() > out.len() / 8 {
        out.shrink_to_fit();
    }
    Ok(bytes::Bytes::from(out))
}

/// `GET /{path}/{id}`: one object the acting company can see.
pub fn get(def: &'static ResourceDef, actor: &Actor, input: &Input) -> Result<Answer, ApiError> {
    check_required_query(def, Operation::Get, &input.query)?;
    let fields = FieldFilter::parse(input.query.get("fields").map(String::as_str))?;
    let company = owner_company(def, actor);
    let base = &actor.base;
    if fields.is_everything() {
        let out = actor.sandbox.store().with(|db| {
            check_access(def, actor, db)?;
            let row = db.object_row(&def.path, input.id)?;
            crate::domain::resource::visible_in(def, row.as_ref().map(|r| r.company_id), company, input.id)?;
            let row = row.ok_or_else(|| ApiError::internal(&"a visible object vanished"))?;
            value_envelope(|out| write_row(out, def, base, db, &row.borrowed()))
        })?;
        return Ok(Answer::written(200, out));
    }
    let value = actor.sandbox.store().with(|db| {
        check_access(def, actor, db)?;
        let object = load(def, db, company, input.id)?;
        views::render_object(def, base, &object, &fields, db, actor.company)
    })?;
    Ok(Answer::One {
        status: 200,
        value,
        fields,
        model: &def.model,
    })
}
