//! The data endpoints (`/customer`, `/product`, `/ledger/account`, …), served by one generic
//! engine from the resource definitions: list with filters, paging, sorting, `fields` and
//! checksums; get; create; update with version check; delete. Every call needs the resource's
//! entitlement in the key's effective access, and sees only the acting company's objects.

use crate::api::auth::CompanyPrincipal;
use crate::api::object_json::{self, RawBody};
use crate::api::render;
use crate::domain::denial::Denial;
use crate::domain::resource::{self, FieldKind, Match, Operation, ResourceDef, Scope};
use crate::http::sandbox;
use crate::store::{Db, ObjectFilter, ObjectRow, ObjectText, PageItem, StoredObject};
use crate::wire::envelope::{ListParams, ListQuery, NO_DIGEST, json_bytes, json_response, json_shared};
use crate::wire::fields::FieldFilter;
use crate::wire::query::{self, ValueType};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::http::header::{ETAG, IF_NONE_MATCH};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

type Query = actix_web::web::Query<HashMap<String, String>>;

/// The company whose objects the request sees: the acting company, or 0 for shared data.
pub(crate) fn owner_company(def: &ResourceDef, principal: &CompanyPrincipal) -> i64 {
    match def.scope {
        Scope::Company => principal.0.context.company_id(),
        Scope::Global => 0,
    }
}

pub(crate) fn check_access(def: &ResourceDef, principal: &CompanyPrincipal, db: &Db<'_>) -> Result<(), ApiError> {
    let Some(needed) = def.entitlement else {
        return Ok(());
    };
    principal.0.needed.note(needed);
    resource::access_allows(def, principal.0.access(db)?)?;
    Ok(())
}

fn not_found(def: &ResourceDef, id: i64) -> ApiError {
    ApiError::not_found(format!(
        "No {} with id {id} in the company you act in. Objects of other companies are not visible; list them with GET /v2/{}.",
        def.model, def.path
    ))
}

pub(crate) fn load(def: &ResourceDef, db: &Db<'_>, company: i64, id: i64) -> Result<StoredObject, ApiError> {
    db.object(&def.path, id)?
        .filter(|o| o.company_id == company)
        .ok_or_else(|| not_found(def, id))
}

/// Renders a stored object with every field (callers apply their fields filter).
pub fn render(
    def: &ResourceDef,
    base: &str,
    object: &StoredObject,
    db: &Db<'_>,
    company: i64,
) -> Result<Value, ApiError> {
    render_object(def, base, object, &FieldFilter::everything(), db, company)
}

/// Renders a stored object: id, version, url, its fields with references as `{id,url}` (or
/// expanded when the fields filter asks), and its change log.
pub(crate) fn render_object(
    def: &ResourceDef,
    base: &str,
    object: &StoredObject,
    fields: &FieldFilter,
    db: &Db<'_>,
    company: i64,
) -> Result<Value, ApiError> {
    let mut out = Map::with_capacity(object.body.len() + 4);
    if def.identity {
        out.insert("id".into(), json!(object.id));
        out.insert("version".into(), json!(object.version));
        out.insert("url".into(), json!(format!("{base}/{}/{}", def.path, object.id)));
    }
    for (name, value) in &object.body {
        let field = def.fields.get(name);
        if let (Some(field), Value::Array(lines)) = (field, value)
            && field.kind == FieldKind::Lines
        {
            let child = field.resource.as_deref().and_then(resource::find);
            let mut rendered = Vec::with_capacity(lines.len());
            for line in lines {
                let mut shown = render_line(child, base, line);
                if let (Some(child), Some(sub)) = (child, fields.expansion(name)) {
                    expand_line_references(child, &mut shown, sub, db, base, company)?;
                }
                rendered.push(shown);
            }
            out.insert(name.clone(), Value::Array(rendered));
            continue;
        }
        if let (Some(field), Value::Array(items)) = (field, value)
            && field.kind == FieldKind::Array
            && let Some(target) = field.resource.as_deref()
        {
            let mut shown = Vec::with_capacity(items.len());
            for id in items.iter().map(|i| i.get("id").and_then(Value::as_i64)) {
                shown.push(match (id, fields.expansion(name)) {
                    (Some(id), Some(sub)) => expand(target, base, id, sub, db, company)?,
                    (Some(id), None) => render::stub(base, target, id),
                    (None, _) => Value::Null,
                });
            }
            out.insert(name.clone(), Value::Array(shown));
            continue;
        }
        let rendered = match (field, value.get("id").and_then(Value::as_i64)) {
            (Some(field), Some(id)) if field.renders_as_stub() => {
                let target = field.resource.as_deref().unwrap_or_default();
                if let (FieldKind::Ref, Some(sub)) = (field.kind, fields.expansion(name)) {
                    expand(target, base, id, sub, db, company)?
                } else {
                    render::stub(base, target, id)
                }
            }
            _ => value.clone(),
        };
        out.insert(name.clone(), rendered);
    }
    if def.identity {
        out.insert("changes".into(), Value::Array(object.changes.clone()));
    }
    Ok(Value::Object(out))
}

/// An embedded line (order line, posting) with its url and its references as stubs.
pub(crate) fn render_line(child: Option<&ResourceDef>, base: &str, line: &Value) -> Value {
    let (Some(child), Value::Object(fields)) = (child, line) else {
        return line.clone();
    };
    let id = fields.get("id").and_then(Value::as_i64).unwrap_or_default();
    let mut out = Map::with_capacity(fields.len() + 2);
    out.insert("id".into(), json!(id));
    out.insert("version".into(), json!(0));
    out.insert("url".into(), json!(format!("{base}/{}/{id}", child.path)));
    for (name, value) in fields.iter().filter(|(n, _)| *n != "id") {
        let target = child
            .fields
            .get(name)
            .filter(|f| f.kind == FieldKind::Ref)
            .and_then(|f| f.resource.as_deref());
        let rendered = match (target, value.get("id").and_then(Value::as_i64)) {
            (Some(target), Some(ref_id)) => render::stub(base, target, ref_id),
            _ => value.clone(),
        };
        out.insert(name.clone(), rendered);
    }
    Value::Object(out)
}

/// Expands the references of a rendered line (a posting, an order line) that the fields filter
/// selects into (`account(number)`), as a stored object's are.
pub(crate) fn expand_line_references(
    def: &ResourceDef,
    line: &mut Value,
    fields: &FieldFilter,
    db: &Db<'_>,
    base: &str,
    company: i64,
) -> Result<(), ApiError> {
    let Value::Object(line) = line else { return Ok(()) };
    for (name, value) in line.iter_mut() {
        let target = def
            .fields
            .get(name)
            .filter(|f| f.kind == FieldKind::Ref)
            .and_then(|f| f.resource.as_deref())
            .or_else(|| (name == "voucher").then_some("ledger/voucher"));
        if let (Some(target), Some(id), Some(sub)) =
            (target, value.get("id").and_then(Value::as_i64), fields.expansion(name))
        {
            *value = expand(target, base, id, sub, db, company)?;
        }
    }
    Ok(())
}

/// Gives embedded lines their ids: a line keeps an id only if the object held a line with it
/// before (`held`, once each), so an id a client makes up never names another object's line.
fn number_lines(def: &ResourceDef, body: &mut Map<String, Value>, held: &[i64], mut next_id: impl FnMut() -> i64) {
    for (name, field) in &def.fields {
        if field.kind != FieldKind::Lines {
            continue;
        }
        let mut kept = Vec::new();
        if let Some(Value::Array(lines)) = body.get_mut(name) {
            for line in lines.iter_mut().filter_map(Value::as_object_mut) {
                let id = line.get("id").and_then(Value::as_i64);
                match id {
                    Some(id) if held.contains(&id) && !kept.contains(&id) => kept.push(id),
                    _ => {
                        line.insert("id".into(), json!(next_id()));
                    }
                }
            }
        }
    }
}

/// The ids of an object's embedded lines.
fn line_ids(def: &ResourceDef, body: &Map<String, Value>) -> Vec<i64> {
    def.fields
        .iter()
        .filter(|(_, f)| f.kind == FieldKind::Lines)
        .filter_map(|(name, _)| body.get(name).and_then(Value::as_array))
        .flatten()
        .filter_map(|line| line.get("id").and_then(Value::as_i64))
        .collect()
}

/// The rules only some resources have, checked before an object is saved.
fn resource_rules(
    def: &ResourceDef,
    db: &Db<'_>,
    company: i64,
    body: &Map<String, Value>,
    sent: &Value,
) -> Result<(), ApiError> {
    match def.path.as_str() {
        "ledger/voucher" => {
            let has_postings = sent.get("postings").is_some_and(|p| !p.is_null())
                || body
                    .get("postings")
                    .is_some_and(|p| p.as_array().is_some_and(|a| !a.is_empty()));
            resource::postings_balance(body, has_postings)?
        }
        "project" => {
            let manager = body
                .get("projectManager")
                .and_then(|m| m.get("id"))
                .and_then(Value::as_i64);
            if let Some(person) = manager
                .map(|id| db.person(id))
                .transpose()?
                .flatten()
                .filter(|p| p.company_id == company)
            {
                crate::domain::employee::project_manager_is_allowed(&person)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A referenced object rendered in full, its own references expanded where `fields` (the
/// selection inside the reference, `account(vatType(name))`) reaches into them; the caller's
/// fields filter then picks.
pub(crate) fn expand(
    target: &str,
    base: &str,
    id: i64,
    fields: &FieldFilter,
    db: &Db<'_>,
    company: i64,
) -> Result<Value, ApiError> {
    if target == "employee" {
        return Ok(db
            .person(id)?
            .map_or_else(|| render::stub(base, target, id), |p| render::employee(base, &p)));
    }
    let Some(def) = resource::find(target) else {
        return Ok(render::stub(base, target, id));
    };
    match db.object(&def.path, id)? {
        Some(object) if object.company_id == company || object.company_id == 0 => {
            render_object(def, base, &object, fields, db, company)
        }
        _ => Ok(render::stub(base, target, id)),
    }
}

/// Refuses a search filter whose value cannot have the type of what it searches (a boolean, ids,
/// a number), so `isInactive=banana` is a 422 naming the argument, not an empty list.
fn check_filter_values(def: &ResourceDef, query: &HashMap<String, String>) -> Result<(), ApiError> {
    for (param, filter) in &def.filters {
        let Some(text) = query.get(param) else { continue };
        if filter.matching.is_range() {
            check_date(param, text)?;
            continue;
        }
        let field_kind = filter.field.as_deref().and_then(|f| def.fields.get(f)).map(|f| f.kind);
        let wanted = match (filter.matching, field_kind) {
            (Match::Ids | Match::Ref, _) => ValueType::IdList,
            (Match::Equals, Some(FieldKind::Boolean)) => ValueType::Boolean,
            (Match::Equals, Some(FieldKind::Integer)) => ValueType::Integer,
            (Match::Equals, Some(FieldKind::Number)) => ValueType::Number,
            _ => continue,
        };
        query::check(param, text, wanted)?;
    }
    Ok(())
}

/// A date range's bound must be a date: a bound that is not one would select by text order.
fn check_date(param: &str, text: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() || text.trim().parse::<jiff::civil::Date>().is_ok() {
        return Ok(());
    }
    Err(ApiError::new(ErrorKind::Param)
        .with_developer_message(format!(
            "The query argument {param} must be a date as YYYY-MM-DD, not {text:?}."
        ))
        .with_validation(vec![ValidationMessage::arg(
            param,
            "Ugyldig dato. Bruk formatet YYYY-MM-DD.",
        )]))
}

/// Refuses a call without the query arguments the official document marks required for the
/// operation, as Tripletex does: 422/15000 with one message per missing argument.
fn check_required_query(
    def: &ResourceDef,
    operation: Operation,
    query: &HashMap<String, String>,
) -> Result<(), ApiError> {
    let missing = def.missing_query(operation, |name| query.get(name).is_some_and(|v| !v.trim().is_empty()));
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::missing_arguments(
        &missing,
        format!(
            "This call to /{} needs the query arguments {}.",
            def.path,
            missing.join(", ")
        ),
    ))
}

/// [`check_required_query`] for operations that do not read their query otherwise.
fn check_required_query_of(def: &ResourceDef, operation: Operation, req: &HttpRequest) -> Result<(), ApiError> {
    if !def.required_query.contains_key(&operation) {
        return Ok(());
    }
    let query = Query::from_query(req.query_string())
        .map(Query::into_inner)
        .unwrap_or_default();
    check_required_query(def, operation, &query)
}

/// Whether the list asks for a date range, which only [`matches`] can answer (the store's
/// filters have no range).
fn asks_for_range(def: &ResourceDef, query: &HashMap<String, String>) -> bool {
    def.filters
        .iter()
        .any(|(param, filter)| filter.matching.is_range() && query.get(param).is_some_and(|v| !v.trim().is_empty()))
}

/// The list's search filters as the store evaluates them: the same decisions as [`matches`],
/// date ranges aside (the list then takes the general path, see [`asks_for_range`]).
fn object_filters<'q>(def: &'q ResourceDef, query: &'q HashMap<String, String>) -> Vec<ObjectFilter<'q>> {
    let mut out = Vec::new();
    for (param, filter) in &def.filters {
        let Some(wanted) = query.get(param).map(String::as_str).or(filter.default.as_deref()) else {
            continue;
        };
        if wanted.is_empty() {
            continue;
        }
        let ids = || wanted.split(',').filter_map(|w| w.trim().parse::<i64>().ok()).collect();
        out.push(match (filter.matching, filter.field.as_deref()) {
            (Match::Ids, _) => ObjectFilter::Ids(ids()),
            (_, None) => ObjectFilter::Nothing,
            (Match::Ref, Some(field)) => ObjectFilter::RefIds { field, ids: ids() },
            // isInactive=true|false is answered from the store's inactive column (same decision).
            (Match::Equals, Some("isInactive")) if wanted.eq_ignore_ascii_case("true") => ObjectFilter::Inactive(true),
            (Match::Equals, Some("isInactive")) if wanted.eq_ignore_ascii_case("false") => {
                ObjectFilter::Inactive(false)
            }
            (Match::Equals, Some(field)) => ObjectFilter::Equals { field, text: wanted },
            (Match::Contains, Some(field)) => ObjectFilter::Contains { field, text: wanted },
            // The store has no range; a ranged list is filtered by `matches` instead.
            (Match::From | Match::Before, Some(_)) => continue,
        });
    }
    out
}

/// Whether an object passes the list's search filters; `field` reads one of its stored fields.
fn matches(def: &ResourceDef, id: i64, field: impl Fn(&str) -> Option<Value>, query: &HashMap<String, String>) -> bool {
    def.filters.iter().all(|(param, filter)| {
        let Some(wanted) = query.get(param).map(String::as_str).or(filter.default.as_deref()) else {
            return true;
        };
        if wanted.is_empty() {
            return true;
        }
        let value = filter.field.as_deref().and_then(&field);
        match filter.matching {
            Match::Ids => wanted.split(',').any(|w| w.trim().parse::<i64>().ok() == Some(id)),
            Match::Ref => {
                let ref_id = value.as_ref().and_then(|v| v.get("id")).and_then(Value::as_i64);
                wanted
                    .split(',')
                    .any(|w| w.trim().parse::<i64>().ok() == ref_id && ref_id.is_some())
            }
            Match::Equals => value.is_some_and(|v| as_text(&v).eq_ignore_ascii_case(wanted)),
            Match::Contains => value.is_some_and(|v| as_text(&v).to_lowercase().contains(&wanted.to_lowercase())),
            Match::From | Match::Before => value
                .as_ref()
                .and_then(Value::as_str)
                .is_some_and(|date| resource::date_in_range(filter.matching, date, wanted.trim())),
        }
    })
}

fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A checksum of a result: changes whenever an object in it is added, removed or changed.
fn digest(objects: &[&StoredObject]) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for object in objects {
        (object.id, object.version).hash(&mut hasher);
    }
    format!("{:016x}", hasher.finish())
}

pub(crate) async fn list(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: HashMap<String, String>,
) -> Result<HttpResponse, ApiError> {
    let list_query = ListQuery {
        from: query.get("from").cloned(),
        count: query.get("count").cloned(),
        sorting: query.get("sorting").cloned(),
        fields: query.get("fields").cloned(),
    };
    check_required_query(def, Operation::List, &query)?;
    let params = ListParams::parse(&list_query)?;
    check_filter_values(def, &query)?;
    let base = render::api_base(&req);
    let company = owner_company(def, &principal);
    if params.fields.is_everything() && params.sorting.is_empty() && !asks_for_range(def, &query) {
        return list_default(def, &req, &principal, &query, &params, &base, company);
    }
    let (values, checksum) = sandbox(&req)?.store().with(|db| {
        check_access(def, &principal, db)?;
        let objects = db.objects(&def.path, company)?;
        let selected: Vec<&StoredObject> = objects
            .iter()
            .filter(|o| matches(def, o.id, |f| o.body.get(f).cloned(), &query))
            .collect();
        let checksum = digest(&selected);
        let values = selected
            .iter()
            .map(|o| render_object(def, &base, o, &params.fields, db, principal.0.context.company_id()))
            .collect::<Result<Vec<_>, ApiError>>()?;
        Ok::<_, ApiError>((values, checksum))
    })?;
    match req.headers().get(IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        Some(sent) if sent.trim_matches('"') == checksum => Ok(HttpResponse::NotModified()
            .insert_header((ETAG, format!("\"{checksum}\"")))
            .finish()),
        Some(_) => params.respond_with_digest(values, &def.model, Some(&checksum)),
        None => params.respond(values, &def.model),
    }
}

/// A list with the default fields and no sorting, written straight from the stored JSON: only the
/// page is rendered, and no object is parsed into a tree.
fn list_default(
    def: &ResourceDef,
    req: &HttpRequest,
    principal: &CompanyPrincipal,
    query: &HashMap<String, String>,
    params: &ListParams,
    base: &str,
    company: i64,
) -> Result<HttpResponse, ApiError> {
    let sent = req.headers().get(IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    let filters = object_filters(def, query);
    // The page is the same for everyone who may read it here, until a row of the store changes:
    // a list read again (reference data, a poll) is answered as rendered the first time.
    // (A caller that sent If-None-Match gets the checksum path instead.)
    let remembered_as = match sent {
        None => Ok(format!("{}\0{company}\0{base}\0{}", def.path, req.query_string())),
        Some(sent) => Err(sent),
    };
    principal.0.here.sandbox.store().with(|db| {
        check_access(def, principal, db)?;
        let sent = match &remembered_as {
            Ok(key) => {
                if let Some(answer) = db.remembered_answer(key) {
                    return Ok(json_shared(200, answer));
                }
                return list_page_as_read(def, base, db, company, &filters, params, key);
            }
            Err(sent) => *sent,
        };
        // The checksum (over every match) is only needed when the caller sent If-None-Match.
        let found = db.object_page(&def.path, company, &filters, (params.from, params.count), true)?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        for pair in &found.matched {
            pair.hash(&mut hasher);
        }
        let checksum = format!("{:016x}", hasher.finish());
        if sent.trim_matches('"') == checksum {
            return Ok(HttpResponse::NotModified()
                .insert_header((ETAG, format!("\"{checksum}\"")))
                .finish());
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
        Ok(json_bytes(200, out))
    })
}

/// `{"fullResultSize":…,"from":…,"count":…,"versionDigest":…,"values":[`.
fn write_page_head(out: &mut Vec<u8>, total: usize, from: usize, count: usize, digest: &str) {
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

/// A default-fields page without a checksum, each row written as SQLite reads it (its text not
/// copied first), remembered under `key`.
fn list_page_as_read(
    def: &ResourceDef,
    base: &str,
    db: &Db<'_>,
    company: i64,
    filters: &[ObjectFilter<'_>],
    params: &ListParams,
    key: &str,
) -> Result<HttpResponse, ApiError> {
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
    let answer = bytes::Bytes::from(out);
    db.remember_answer(key, answer.clone());
    Ok(json_shared(200, answer))
}

/// One stored object with the default fields: its view with the base put in, or, where it has
/// none, rendered from its body.
fn write_stored(
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
fn write_row(
    out: &mut Vec<u8>,
    def: &ResourceDef,
    base: &str,
    db: &Db<'_>,
    row: &ObjectRow<&str>,
) -> Result<(), ApiError> {
    if let (true, ObjectText::Body(body)) = (row.seeded, row.text) {
        let view = match db.seed_view(&def.path, row.id) {
            Some(view) => view,
            None => {
                let made: std::sync::Arc<str> = object_json::default_view(def, row.id, row.version, body)
                    .ok_or_else(|| ApiError::internal(&format!("seed object {} is not a JSON object", row.id)))?
                    .into();
                db.remember_seed_view(&def.path, row.id, made.clone());
                made
            }
        };
        object_json::write_view(out, &view, base);
        return Ok(());
    }
    write_stored(out, def, base, row.id, row.version, row.text)
}

/// `{"value": …}` of one stored object with the default fields.
fn single_default(
    def: &ResourceDef,
    base: &str,
    status: u16,
    id: i64,
    version: i64,
    text: &ObjectText,
) -> Result<HttpResponse, ApiError> {
    value_envelope(|out| write_stored(out, def, base, id, version, text.borrowed())).map(|out| json_bytes(status, out))
}

/// `{"value": …}` around what `write` writes.
fn value_envelope(write: impl FnOnce(&mut Vec<u8>) -> Result<(), ApiError>) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::with_capacity(1300);
    out.extend_from_slice(b"{\"value\":");
    write(&mut out)?;
    out.push(b'}');
    Ok(out)
}

/// A written object's body as stored, and its view.
pub(crate) fn stored_text(def: &ResourceDef, object: &StoredObject) -> (String, String) {
    object_json::body_and_view(def, object.id, object.version, &object.body)
}

pub(crate) async fn get(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    id: i64,
    query: HashMap<String, String>,
) -> Result<HttpResponse, ApiError> {
    check_required_query(def, Operation::Get, &query)?;
    let fields = FieldFilter::parse(query.get("fields").map(String::as_str))?;
    let base = render::api_base(&req);
    let company = owner_company(def, &principal);
    if fields.is_everything() {
        let out = principal.0.here.sandbox.store().with(|db| {
            check_access(def, &principal, db)?;
            let row = db
                .object_row(&def.path, id)?
                .filter(|o| o.company_id == company)
                .ok_or_else(|| not_found(def, id))?;
            value_envelope(|out| write_row(out, def, &base, db, &row.borrowed()))
        })?;
        return Ok(json_bytes(200, out));
    }
    let value = sandbox(&req)?.store().with(|db| {
        check_access(def, &principal, db)?;
        let object = load(def, db, company, id)?;
        render_object(def, &base, &object, &fields, db, principal.0.context.company_id())
    })?;
    crate::wire::envelope::single(value, &fields, &def.model)
}

/// The id of the company's ledger account with `number`, if its chart of accounts has one.
fn account_with_number(db: &Db<'_>, company: i64, number: i64) -> Result<Option<i64>, ApiError> {
    Ok(db.account_by_number(company, number)?)
}

/// References must point at objects the acting company can see.
pub(crate) fn check_references(db: &Db<'_>, company: i64, references: &[resource::Reference]) -> Result<(), ApiError> {
    let mut missing = Vec::new();
    for reference in references {
        let found = if reference.resource == "employee" {
            db.person(reference.id)?
                .is_some_and(|p| p.company_id == company && !p.is_proxy)
        } else {
            db.object(&reference.resource, reference.id)?
                .is_some_and(|o| o.company_id == company || o.company_id == 0)
        };
        if !found {
            missing.push(reference);
        }
    }
    Ok(resource::references_exist(&missing)?)
}

pub(crate) fn change(principal: &CompanyPrincipal, kind: &str, now: &str) -> Value {
    json!({"employeeId": principal.0.session.key.person_id, "timestamp": now, "changeType": kind})
}

pub(crate) async fn create(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    check_required_query_of(def, Operation::Create, &req)?;
    let sandbox = sandbox(&req)?;
    let base = render::api_base(&req);
    let company = owner_company(def, &principal);
    // What the body alone decides is made before the sandbox's connection is taken (every write
    // of the sandbox waits on it); its refusals still come in the order the checks are written.
    let checked = check_new(def, &body);
    // The transaction may run on the worker holding the connection: it takes what it needs along.
    let ids = sandbox.clone();
    let shown_base = base.clone();
    let value = sandbox
        .store()
        .transaction_in_turn(move |db| {
            let (object, view) = insert_new(def, db, &principal, company, checked, &body, &|| ids.next_id())?;
            let whole = match def.create_shows_lines {
                true => Some(render(def, &shown_base, &object, db, company)?),
                false => None,
            };
            Ok::<_, ApiError>((object, ObjectText::View(view), whole))
        })
        .await?;
    let (value, text, whole) = value;
    if let Some(mut whole) = whole {
        if let Some(object) = whole.as_object_mut() {
            object.remove("changes");
        }
        return Ok(json_response(201, &json!({ "value": whole })));
    }
    single_default(def, &base, 201, value.id, value.version, &text)
}

/// What a new object's body alone decides: its fields merged onto the template, the references
/// it makes, and whether the required fields are there.
pub(crate) type CheckedNew = Result<(Map<String, Value>, Vec<resource::Reference>, Result<(), Denial>), Denial>;

pub(crate) fn check_new(def: &ResourceDef, body: &Value) -> CheckedNew {
    resource::merge_body(def, &def.template, body).map(|(merged, references)| {
        let required = resource::required_fields_are_present(def, &merged);
        (merged, references, required)
    })
}

/// Makes one new object in the open transaction: access, references, required fields, its
/// number, default account, lines and stubs, then the insert. Returns it and its stored view.
pub(crate) fn insert_new(
    def: &'static ResourceDef,
    db: &Db<'_>,
    principal: &CompanyPrincipal,
    company: i64,
    checked: CheckedNew,
    sent: &Value,
    next_id: &dyn Fn() -> i64,
) -> Result<(StoredObject, String), ApiError> {
    check_access(def, principal, db)?;
    let (merged, references, required) = checked?;
    check_references(db, company, &references)?;
    required?;
    let highest = match &def.number {
        Some(_) => db.max_number(&def.path, company)?,
        None => None,
    };
    resource_rules(def, db, company, &merged, sent)?;
    let mut merged = merged;
    if let Some(account) = resource::default_account_wanted(def, &merged)
        && let Some(id) = account_with_number(db, company, account.number)?
    {
        merged.insert(account.field.clone(), json!({ "id": id }));
    }
    let mut body = resource::new_object_body(def, merged, highest)?;
    number_lines(def, &mut body, &[], next_id);
    resource::add_new_stubs(def, &mut body, next_id);
    let mut object = StoredObject {
        id: next_id(),
        company_id: company,
        version: 0,
        body,
        changes: vec![change(principal, "CREATE", &principal.0.here.now.to_string())],
    };
    resource::link_lines_to_parent(def, &mut object.body, object.id);
    let (text, view) = stored_text(def, &object);
    db.insert_object_viewed(&def.path, &object, &text, Some(&view))?;
    Ok((object, view))
}

pub(crate) async fn update(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    id: i64,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    check_required_query_of(def, Operation::Update, &req)?;
    let sandbox = sandbox(&req)?;
    let base = render::api_base(&req);
    let company = owner_company(def, &principal);
    let ids = sandbox.clone();
    let value = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(def, &principal, db)?;
            let object = load(def, db, company, id)?;
            let (object, view) = change_object(def, db, &principal, company, object, &body, &|| ids.next_id())?;
            Ok::<_, ApiError>((object, ObjectText::View(view)))
        })
        .await?;
    let (value, text) = value;
    single_default(def, &base, 200, value.id, value.version, &text)
}

/// Writes `sent` onto a stored object in the open transaction (version checked, references and
/// rules as on a create); returns it and its stored view.
pub(crate) fn change_object(
    def: &'static ResourceDef,
    db: &Db<'_>,
    principal: &CompanyPrincipal,
    company: i64,
    mut object: StoredObject,
    sent: &Value,
    next_id: &dyn Fn() -> i64,
) -> Result<(StoredObject, String), ApiError> {
    resource::version_is_current(sent.get("version").and_then(Value::as_i64), object.version)?;
    let (mut merged, references) = resource::merge_body(def, &object.body, sent)?;
    check_references(db, company, &references)?;
    resource::required_fields_are_present(def, &merged)?;
    resource_rules(def, db, company, &merged, sent)?;
    resource::refresh_display_name(def, &mut merged);
    let held = line_ids(def, &object.body);
    number_lines(def, &mut merged, &held, next_id);
    object.body = merged;
    object.version += 1;
    object
        .changes
        .push(change(principal, "UPDATE", &principal.0.here.now.to_string()));
    let (text, view) = stored_text(def, &object);
    db.update_object_viewed(&def.path, &object, &text, Some(&view))?;
    Ok((object, view))
}

/// The objects a bulk write made or changed, as `POST`/`PUT /{path}/list` answer them.
fn bulk_answer(status: u16, base: &str, written: &[(StoredObject, String)]) -> HttpResponse {
    let mut out = Vec::with_capacity(64 + written.len() * 1300);
    write_page_head(&mut out, written.len(), 0, written.len(), NO_DIGEST);
    for (i, (_, view)) in written.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        object_json::write_view(&mut out, view, base);
    }
    out.extend_from_slice(b"]}");
    json_bytes(status, out)
}

/// The elements of a bulk body, or the 422 that says it must be a list.
fn bulk_items<'b>(def: &ResourceDef, method: &str, body: &'b Value) -> Result<&'b [Value], ApiError> {
    match body {
        Value::Array(items) => Ok(items),
        _ => Err(ApiError::new(ErrorKind::Validation)
            .with_developer_message(format!(
                "{method} /{}/list takes a JSON list of {} objects.",
                def.path, def.model
            ))
            .with_validation(vec![ValidationMessage::field("", "Forventet en JSON-liste.")])),
    }
}

/// `POST /{path}/list`: every element is made, or, if one is refused, none.
pub(crate) async fn create_list(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    check_required_query_of(def, Operation::CreateList, &req)?;
    bulk_items(def, "POST", &body)?;
    let sandbox = sandbox(&req)?;
    let base = render::api_base(&req);
    let company = owner_company(def, &principal);
    let ids = sandbox.clone();
    let written = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(def, &principal, db)?;
            let items = bulk_items(def, "POST", &body)?;
            let mut written = Vec::with_capacity(items.len());
            for item in items {
                let made = insert_new(def, db, &principal, company, check_new(def, item), item, &|| {
                    ids.next_id()
                })?;
                written.push(made);
            }
            Ok::<_, ApiError>(written)
        })
        .await?;
    Ok(bulk_answer(201, &base, &written))
}

/// `PUT /{path}/list`: every element names an object by id; all change, or, if one is refused, none.
pub(crate) async fn update_list(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    check_required_query_of(def, Operation::UpdateList, &req)?;
    bulk_items(def, "PUT", &body)?;
    let sandbox = sandbox(&req)?;
    let base = render::api_base(&req);
    let company = owner_company(def, &principal);
    let ids = sandbox.clone();
    let written = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(def, &principal, db)?;
            let items = bulk_items(def, "PUT", &body)?;
            let mut written = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let id = item.get("id").and_then(Value::as_i64).ok_or_else(|| {
                    ApiError::new(ErrorKind::Validation)
                        .with_developer_message(format!("Element {index} of the list has no numeric id."))
                        .with_validation(vec![ValidationMessage::field(
                            format!("[{index}].id"),
                            "Kan ikke være null.",
                        )])
                })?;
                let object = load(def, db, company, id)?;
                written.push(change_object(def, db, &principal, company, object, item, &|| {
                    ids.next_id()
                })?);
            }
            Ok::<_, ApiError>(written)
        })
        .await?;
    Ok(bulk_answer(200, &base, &written))
}

/// The company's one settings object of `def`, made with the model's defaults the first time it
/// is asked for.
fn settings_object(
    def: &'static ResourceDef,
    db: &Db<'_>,
    principal: &CompanyPrincipal,
    company: i64,
    next_id: &dyn Fn() -> i64,
) -> Result<StoredObject, ApiError> {
    if let Some(object) = db.objects(&def.path, company)?.into_iter().next() {
        return Ok(object);
    }
    let (object, _) = insert_new(
        def,
        db,
        principal,
        company,
        check_new(def, &json!({})),
        &json!({}),
        next_id,
    )?;
    Ok(object)
}

/// `GET /{path}` of a settings object (`/invoice/settings`, `/company/settings/altinn`, …).
pub(crate) async fn settings(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: HashMap<String, String>,
) -> Result<HttpResponse, ApiError> {
    check_required_query(def, Operation::Settings, &query)?;
    let fields = FieldFilter::parse(query.get("fields").map(String::as_str))?;
    let sandbox = sandbox(&req)?;
    let base = render::api_base(&req);
    let company = owner_company(def, &principal);
    let ids = sandbox.clone();
    let value = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(def, &principal, db)?;
            let object = settings_object(def, db, &principal, company, &|| ids.next_id())?;
            render_object(def, &base, &object, &fields, db, company).map(|v| (v, fields))
        })
        .await?;
    crate::wire::envelope::single(value.0, &value.1, &def.model)
}

/// `PUT /{path}` of a settings object: the body is written onto the company's one object.
pub(crate) async fn update_settings(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    check_required_query_of(def, Operation::UpdateSettings, &req)?;
    let sandbox = sandbox(&req)?;
    let base = render::api_base(&req);
    let company = owner_company(def, &principal);
    let ids = sandbox.clone();
    let value = sandbox
        .store()
        .transaction_in_turn(move |db| {
            check_access(def, &principal, db)?;
            let object = settings_object(def, db, &principal, company, &|| ids.next_id())?;
            let (object, view) = change_object(def, db, &principal, company, object, &body, &|| ids.next_id())?;
            Ok::<_, ApiError>((object, ObjectText::View(view)))
        })
        .await?;
    single_default(def, &base, 200, value.0.id, value.0.version, &value.1)
}

pub(crate) async fn delete(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    id: i64,
) -> Result<HttpResponse, ApiError> {
    check_required_query_of(def, Operation::Delete, &req)?;
    let company = owner_company(def, &principal);
    sandbox(&req)?
        .store()
        .transaction_in_turn(move |db| {
            check_access(def, &principal, db)?;
            load(def, db, company, id)?;
            db.delete_object(&def.path, id)?;
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE` on a collection with `[{"id": …}, …]`: all of them go, or none does.
/// `DELETE /{path}/list?ids=1,2`: deletes all of them or, if one is unknown, none.
pub(crate) async fn delete_ids(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    query: HashMap<String, String>,
) -> Result<HttpResponse, ApiError> {
    check_required_query(def, Operation::DeleteIds, &query)?;
    let text = query.get("ids").map(String::as_str).unwrap_or_default();
    query::check("ids", text, ValueType::IdList)?;
    let ids: Vec<i64> = text.split(',').filter_map(|i| i.trim().parse().ok()).collect();
    let company = owner_company(def, &principal);
    sandbox(&req)?.store().transaction(|db| {
        check_access(def, &principal, db)?;
        for id in &ids {
            load(def, db, company, *id)?;
            db.delete_object(&def.path, *id)?;
        }
        Ok::<_, ApiError>(())
    })?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) async fn delete_list(
    def: &'static ResourceDef,
    req: HttpRequest,
    principal: CompanyPrincipal,
    body: Value,
) -> Result<HttpResponse, ApiError> {
    check_required_query_of(def, Operation::DeleteList, &req)?;
    let Value::Array(items) = &body else {
        return Err(ApiError::new(ErrorKind::Validation).with_developer_message(format!(
            "DELETE /{} takes a list of objects with ids: [{{\"id\": 1}}].",
            def.path
        )));
    };
    let ids: Vec<i64> = items
        .iter()
        .filter_map(|i| i.get("id").and_then(Value::as_i64))
        .collect();
    if ids.len() != items.len() || ids.is_empty() {
        return Err(ApiError::new(ErrorKind::Validation)
            .with_developer_message("Every element needs a numeric id.")
            .with_validation(vec![ValidationMessage::field("id", "Kan ikke være null.")]));
    }
    let company = owner_company(def, &principal);
    sandbox(&req)?.store().transaction(|db| {
        check_access(def, &principal, db)?;
        for id in &ids {
            load(def, db, company, *id)?;
            db.delete_object(&def.path, *id)?;
        }
        Ok::<_, ApiError>(())
    })?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::object_json::{RawBody, write_object};
    use crate::sandbox::Sandbox;
    use crate::store::Store;

    /// The general path: render every field, then apply the default `fields`.
    /// The general path: render every field, then apply the default `fields`; compared as bytes.
    fn general(def: &ResourceDef, base: &str, object: &StoredObject, db: &Db<'_>) -> String {
        let value = render_object(def, base, object, &FieldFilter::everything(), db, object.company_id).unwrap();
        serde_json::to_string(&FieldFilter::everything().apply(value, &def.model).unwrap()).unwrap()
    }

    fn direct(def: &ResourceDef, base: &str, object: &StoredObject) -> String {
        let text = crate::store::json_text(&object.body);
        let mut out = Vec::new();
        write_object(
            &mut out,
            def,
            base,
            object.id,
            object.version,
            &RawBody::parse(&text).unwrap(),
        );
        String::from_utf8(out).unwrap()
    }

    /// A page whose count of objects drifted from its rows (an edited database file, say)
    /// still says how many values it holds, and every value is written whole.
    #[test]
    fn a_page_says_how_many_values_it_holds_where_the_counts_drifted_from_the_rows() {
        let scenario = crate::scenario::resolve(crate::scenario::DEFAULT_SCENARIO).unwrap();
        let (sandbox, _) = Sandbox::open(Store::open_in_memory().unwrap(), &scenario, Some(7)).unwrap();
        let def = resource::find("customer").unwrap();
        let params = ListParams::parse(&ListQuery {
            count: Some("1000".into()),
            ..ListQuery::default()
        })
        .unwrap();
        let page = |db: &Db<'_>, company: i64| -> Value {
            let answer = list_page_as_read(def, "b", db, company, &[], &params, "test page").unwrap();
            let body = actix_web::body::MessageBody::try_into_bytes(answer.into_body()).unwrap();
            serde_json::from_slice(&body).unwrap()
        };
        sandbox
            .store()
            .with(|db| {
                let company = db.companies()?[0].company.id;
                let held = db.objects("customer", company)?.len();
                assert!(held > 0, "the default scenario's first company has customers");
                let before = page(db, company);
                assert_eq!(
                    (before["fullResultSize"].as_u64(), before["count"].as_u64()),
                    (Some(held as u64), Some(held as u64))
                );
                db.conn().execute(
                    "INSERT INTO object_counts(resource, company_id, inactive, n) VALUES ('customer', ?1, 0, 5)
                     ON CONFLICT(resource, company_id, inactive) DO UPDATE SET n = n + 5",
                    [company],
                )?;
                let drifted = page(db, company);
                assert_eq!(
                    drifted["fullResultSize"].as_u64(),
                    Some(held as u64 + 5),
                    "the count as stored"
                );
                assert_eq!(
                    drifted["count"].as_u64(),
                    Some(held as u64),
                    "the values the page holds"
                );
                assert_eq!(drifted["values"], before["values"]);
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }

    #[test]
    fn the_default_fields_written_straight_equal_the_general_path() {
        let scenario = crate::scenario::resolve(crate::scenario::DEFAULT_SCENARIO).unwrap();
        let (sandbox, _) = Sandbox::open(Store::open_in_memory().unwrap(), &scenario, Some(7)).unwrap();
        let base = "127.0.0.1:1/sb/x/v2";
        let mut compared = 0;
        sandbox
            .store()
            .with(|db| {
                let companies: Vec<i64> = db.companies()?.iter().map(|c| c.company.id).chain([0]).collect();
                for def in resource::catalogue().unwrap() {
                    for company in &companies {
                        for object in db.objects(&def.path, *company)? {
                            let general = general(def, base, &object, db);
                            assert_eq!(direct(def, base, &object), general, "{}", def.path);
                            // The stored view, with a base put in, is the same text again.
                            let (text, view) = stored_text(def, &object);
                            assert_eq!(text, crate::store::json_text(&object.body), "{} body", def.path);
                            assert_eq!(
                                Some(view.as_str()),
                                object_json::default_view(def, object.id, object.version, &text).as_deref(),
                                "{} view made in one pass",
                                def.path
                            );
                            let mut put_in = Vec::new();
                            object_json::write_view(&mut put_in, &view, base);
                            assert_eq!(String::from_utf8(put_in).unwrap(), general, "{} view", def.path);
                            compared += 1;
                        }
                    }
                }
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
        assert!(compared > 100, "only {compared} seeded objects compared");
    }

    #[test]
    fn list_filters_in_the_store_select_what_the_general_path_selects() {
        let scenario = crate::scenario::resolve(crate::scenario::DEFAULT_SCENARIO).unwrap();
        let (sandbox, _) = Sandbox::open(Store::open_in_memory().unwrap(), &scenario, Some(7)).unwrap();
        let customer = resource::find("customer").unwrap();
        sandbox
            .store()
            .with(|db| {
                // Odd values on purpose: non-ASCII case, null, a float reference id, a number.
                let mut odd = db.objects("customer", 1001)?.remove(0);
                odd.body.insert("name".into(), json!("ØSTLANDET İnc"));
                odd.body.insert("email".into(), Value::Null);
                odd.body.insert("accountManager".into(), json!({"id": 5001.0}));
                odd.body.insert("phoneNumberMobile".into(), json!(4790));
                db.update_object("customer", &odd)?;
                let queries: &[&[(&str, &str)]] = &[
                    &[],
                    &[("isInactive", "")],
                    &[("isInactive", "TRUE")],
                    &[("isInactive", "no")],
                    &[("customerName", "østland")],
                    &[("customerName", "i̇nc")],
                    &[("customerName", "KUNDE")],
                    &[("email", "null")],
                    &[("email", "POST@kunde.example")],
                    &[("phoneNumberMobile", "4790")],
                    &[("accountManagerId", "5001")],
                    &[("id", &format!("{}, x, 1", odd.id))],
                    &[("id", "x")],
                    &[("organizationNumber", ""), ("customerName", "a")],
                ];
                let mut found = Vec::new();
                let mut defs: Vec<&ResourceDef> = resource::catalogue().unwrap().iter().collect();
                defs.sort_by_key(|d| d.path != "customer");
                for def in defs {
                    let company = if def.scope == Scope::Global { 0 } else { 1001 };
                    for query in queries {
                        let query: HashMap<String, String> =
                            query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
                        let general: Vec<i64> = db
                            .objects(&def.path, company)?
                            .iter()
                            .filter(|o| matches(def, o.id, |f| o.body.get(f).cloned(), &query))
                            .map(|o| o.id)
                            .collect();
                        let filters = object_filters(def, &query);
                        let stored: Vec<i64> = db
                            .object_page(&def.path, company, &filters, (0, 0), true)?
                            .matched
                            .iter()
                            .map(|(id, _)| *id)
                            .collect();
                        assert_eq!(stored, general, "{} {query:?}", def.path);
                        let paged = db.object_page(&def.path, company, &filters, (1, 2), false)?;
                        let page: Vec<i64> = paged.page.iter().map(|o| o.id).collect();
                        assert_eq!(paged.total, general.len(), "{} {query:?}", def.path);
                        assert_eq!(page, general.iter().skip(1).take(2).copied().collect::<Vec<_>>());
                        if def.path == "customer" {
                            found.push(general.len());
                        }
                    }
                }
                // The odd customer is found by its non-ASCII name both ways, its null e-mail, its
                // number and its id; the float reference id matches neither way.
                assert_eq!(
                    (found[4], found[5], found[7], found[9], found[10], found[11], found[12]),
                    (1, 1, 1, 1, 0, 1, 0),
                    "{found:?}"
                );
                assert!(found[0] > 1 && found[13] > 0 && found[3] == 0, "{found:?}");
                assert!(customer.filters.contains_key("customerName"));
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }

    #[test]
    fn lines_references_and_nested_objects_render_the_same_both_ways() {
        let scenario = crate::scenario::resolve(crate::scenario::DEFAULT_SCENARIO).unwrap();
        let (sandbox, _) = Sandbox::open(Store::open_in_memory().unwrap(), &scenario, Some(7)).unwrap();
        let order = resource::find("order").unwrap();
        let body = json!({
            "customer": {"id": 3, "name": "ignored"},
            "contact": {"name": "no id"},
            "project": {"id": "7"},
            "department": {"id": 2.5},
            "ourContact": {"id": 18446744073709551615u64},
            "attn": {"id": null},
            "currency": null,
            "orderLines": [{"id": 5, "product": {"id": 7}, "count": 1.5}, {"description": "no id"}, 4],
            "orderGroups": [{"id": 9}, {"x": 1}, 3],
            "attachment": [{"id": 2, "url": "kept", "other": true}],
            "deliveryComment": "a \"quoted\" ø",
            "unknownNested": {"id": 11, "deep": {"id": 12}},
            "unknownList": [[{"id": 1}], {"id": 2, "url": "u"}],
            "a \"quoted\" key\u{1}": [[5], {"id": null}],
            "markInAValue": "before\u{1}after",
            "float": 1.0,
            "emptyObject": {},
        });
        let Value::Object(body) = body else { unreachable!() };
        let object = StoredObject {
            id: 42,
            company_id: 1001,
            version: 3,
            body,
            changes: vec![json!({"changeType": "CREATE"})],
        };
        sandbox
            .store()
            .with(|db| {
                let general = general(order, "h/v2", &object, db);
                assert_eq!(direct(order, "h/v2", &object), general);
                // The body and view a write stores, made in one pass, say the same.
                let (text, view) = stored_text(order, &object);
                assert_eq!(text, crate::store::json_text(&object.body));
                assert_eq!(
                    Some(view.as_str()),
                    object_json::default_view(order, object.id, object.version, &text).as_deref()
                );
                let mut put_in = Vec::new();
                object_json::write_view(&mut put_in, &view, "h/v2");
                assert_eq!(String::from_utf8(put_in).unwrap(), general);
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }
}
