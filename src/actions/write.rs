//! Writing: create, update (version checked), delete, the `/list` bulk forms (all or none) and the
//! one settings object per company. Each write runs in one transaction: access, references, the
//! resource's write rules, numbering, lines, then the row; a refused write leaves nothing behind.

use crate::actions::prices::vat_rate;
use crate::actions::search::check_required_query;
use crate::actions::written::{single_default, stored_text, write_page_head};
use crate::actions::{Actor, Answer, Input, check_access, load, object_json, owner_company, views};
use crate::domain::denial::Denial;
use crate::domain::kind::Kind;
use crate::domain::ledger;
use crate::domain::resource::{self, FieldKind, Operation, ResourceDef, WriteRule};
use crate::domain::table::{self, Undocumented};
use crate::store::{Db, ObjectText, StoredObject};
use crate::wire::fields::FieldFilter;
use crate::wire::query::{self, ValueType};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use serde_json::{Map, Value, json};

/// One entry of an object's change log.
pub fn change(actor: &Actor, kind: &str) -> Value {
    json!({"employeeId": actor.person, "timestamp": actor.now.to_string(), "changeType": kind})
}

/// References must point at objects the acting company can see.
pub fn check_references(db: &Db<'_>, company: i64, references: &[resource::Reference]) -> Result<(), ApiError> {
    let mut missing = Vec::new();
    for reference in references {
        let found = match Kind::from_path(&reference.resource) {
            Some(Kind::Employee) => db
                .person(reference.id)?
                .is_some_and(|p| p.company_id == company && !p.is_proxy),
            // Postings are rows of their voucher, kept in the ledger's own table.
            Some(Kind::Posting) => db.posting(company, reference.id)?.is_some(),
            _ => db
                .object(&reference.resource, reference.id)?
                .is_some_and(|o| o.company_id == company || o.company_id == 0),
        };
        if !found {
            missing.push(reference);
        }
    }
    Ok(resource::references_exist(&missing)?)
}

/// An object's unique fields hold values no other object of the company holds; `before`, for a
/// change of object `before.0`, is what it held (a value it keeps is not looked up again).
fn check_unique(
    def: &ResourceDef,
    db: &Db<'_>,
    company: i64,
    body: &Map<String, Value>,
    before: Option<(i64, &Map<String, Value>)>,
) -> Result<(), ApiError> {
    for unique in &def.unique {
        let text = |value: &Value| match value {
            Value::String(text) => text.trim().to_owned(),
            Value::Number(number) => number.to_string(),
            _ => String::new(),
        };
        let wanted = body.get(&unique.field).map(text).unwrap_or_default();
        let kept =
            before.is_some_and(|(_, held)| held.get(&unique.field).map(text).as_deref() == Some(wanted.as_str()));
        if wanted.is_empty() || kept {
            continue;
        }
        let itself = before.map(|(id, _)| id);
        let in_use = db
            .objects(&def.path, company)?
            .iter()
            .filter(|o| Some(o.id) != itself)
            .any(|o| o.body.get(&unique.field).map(text).as_deref() == Some(wanted.as_str()));
        resource::value_is_free(unique, &wanted, in_use)?;
    }
    Ok(())
}

/// The rules the resource names (`write_rules`), checked before an object is saved.
fn check_write_rules(
    def: &ResourceDef,
    db: &Db<'_>,
    company: i64,
    body: &Map<String, Value>,
    sent: &Value,
) -> Result<(), ApiError> {
    for rule in &def.write_rules {
        match rule {
            WriteRule::BalancedPostings => {
                let has_postings = sent.get("postings").is_some_and(|p| !p.is_null())
                    || body
                        .get("postings")
                        .is_some_and(|p| p.as_array().is_some_and(|a| !a.is_empty()));
                resource::postings_balance(body, has_postings)?;
                // Row 0 as the client sent it (a row left out is numbered, not refused).
                let sent_rows = sent.get("postings").and_then(Value::as_array).map(Vec::as_slice);
                ledger::rows_are_numbered(sent_rows.unwrap_or_default())?;
                let postings = body.get("postings").and_then(Value::as_array).map(Vec::as_slice);
                ledger::postings_have_accounts(postings.unwrap_or_default())?;
                postings_keep_vat_locks(db, company, postings.unwrap_or_default())?;
            }
            WriteRule::ProjectManager => {
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
            // Filled, not checked: see `check_and_book`.
            WriteRule::PricesFollowVat => {}
            // Checked with the sandbox's allowed hosts, in `check_and_book`.
            WriteRule::EventSubscription => {}
        }
    }
    Ok(())
}

/// The postings' accounts that are locked to a VAT type hold them to it.
fn postings_keep_vat_locks(db: &Db<'_>, company: i64, postings: &[Value]) -> Result<(), ApiError> {
    let mut locks = std::collections::HashMap::new();
    for account in postings.iter().filter_map(|p| p.get("account")?.get("id")?.as_i64()) {
        if locks.contains_key(&account) {
            continue;
        }
        let lock = match db.object(Kind::Account.path(), account)? {
            Some(a) if a.company_id == company && a.body.get("vatLocked").and_then(Value::as_bool) == Some(true) => {
                let vat_type = a.body.get("vatType").and_then(|v| v.get("id")).and_then(Value::as_i64);
                match vat_type {
                    Some(vat_type) => {
                        let code = db
                            .object(Kind::VatType.path(), vat_type)?
                            .and_then(|v| v.body.get("number").and_then(Value::as_str).map(str::to_owned))
                            .unwrap_or_else(|| vat_type.to_string());
                        let number = a.body.get("number").and_then(Value::as_i64).unwrap_or_default();
                        Some((number, vat_type, code))
                    }
                    None => None,
                }
            }
            _ => None,
        };
        locks.insert(account, lock);
    }
    ledger::postings_keep_their_accounts_vat_lock(postings, |id| {
        let (number, vat_type, code) = locks.get(&id).cloned().flatten()?;
        Some(ledger::VatLock { number, vat_type, code })
    })?;
    Ok(())
}

/// A voucher's postings as the ledger books them (net amounts, VAT rows), for a resource whose
/// postings must balance.
fn book_postings(
    def: &ResourceDef,
    db: &Db<'_>,
    company: i64,
    body: &mut Map<String, Value>,
    actor: &Actor,
) -> Result<(), ApiError> {
    if !def.write_rules.contains(&WriteRule::BalancedPostings) {
        return Ok(());
    }
    let Some(Value::Array(postings)) = body.get("postings") else {
        return Ok(());
    };
    let mut rates = std::collections::HashMap::new();
    for vat in postings.iter().filter_map(|p| p.get("vatType")?.get("id")?.as_i64()) {
        if let std::collections::hash_map::Entry::Vacant(slot) = rates.entry(vat) {
            slot.insert(vat_rate(db, company, vat)?);
        }
    }
    let booked = ledger::booked_postings(
        postings,
        |id| rates.get(&id).copied().flatten(),
        || actor.sandbox.next_id(),
    );
    body.insert("postings".into(), Value::Array(booked));
    Ok(())
}

/// The resource's write rules checked on `body` and, for a voucher, its postings booked.
fn check_and_book(
    def: &ResourceDef,
    db: &Db<'_>,
    actor: &Actor,
    body: &mut Map<String, Value>,
    sent: &Value,
) -> Result<(), ApiError> {
    let company = owner_company(def, actor);
    postings_as_sent(def, body, sent);
    check_write_rules(def, db, company, body, sent)?;
    crate::actions::prices::follow_vat(def, db, company, body, sent)?;
    crate::actions::subscriptions::check(def, actor, body)?;
    book_postings(def, db, company, body, actor)
}

/// A voucher's postings as the client meant them: an amount sent only as `amount` is the gross
/// (the model's default 0 would stand in for it), and rows left unnumbered follow the highest.
fn postings_as_sent(def: &ResourceDef, body: &mut Map<String, Value>, sent: &Value) {
    if !def.write_rules.contains(&WriteRule::BalancedPostings) {
        return;
    }
    if let Some(Value::Array(postings)) = body.get_mut("postings") {
        if let Some(sent) = sent.get("postings").and_then(Value::as_array) {
            ledger::gross_sent_as_amount(postings, sent);
        }
        ledger::number_rows(postings);
    }
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

/// What a new object's body alone decides: its fields merged onto the template, the references
/// it makes, and whether the required fields are there.
pub type CheckedNew = Result<(Map<String, Value>, Vec<resource::Reference>, Result<(), Denial>), Denial>;

/// Required fields are judged on the body as sent: a template's default fills none of them.
pub fn check_new(def: &ResourceDef, body: &Value) -> CheckedNew {
    resource::merge_body(def, &def.template, body).map(|(merged, references)| {
        let sent = body.as_object().unwrap_or(&merged);
        let required = resource::required_fields_are_present(def, sent);
        (merged, references, required)
    })
}

/// Makes one new object in the open transaction: access, references, required fields, its
/// number, default account, lines and stubs, then the insert. Returns it and its stored view.
pub fn insert_new(
    def: &'static ResourceDef,
    db: &Db<'_>,
    actor: &Actor,
    checked: CheckedNew,
    sent: &Value,
) -> Result<(StoredObject, String), ApiError> {
    check_access(def, actor, db)?;
    insert_booked(def, db, actor, checked, sent)
}

/// As [`insert_new`], for an object an operation the caller may run makes as its consequence (an
/// invoice's voucher): the caller's access to the operation is what counts, as in Tripletex,
/// where invoicing books a voucher for a user who cannot register vouchers.
pub fn insert_booked(
    def: &'static ResourceDef,
    db: &Db<'_>,
    actor: &Actor,
    checked: CheckedNew,
    sent: &Value,
) -> Result<(StoredObject, String), ApiError> {
    let company = owner_company(def, actor);
    let (merged, references, required) = checked?;
    check_references(db, company, &references)?;
    required?;
    let highest = match &def.number {
        Some(_) => db.max_number(&def.path, company)?,
        None => None,
    };
    let mut merged = merged;
    check_unique(def, db, company, &merged, None)?;
    check_and_book(def, db, actor, &mut merged, sent)?;
    if let Some(account) = resource::default_account_wanted(def, &merged)
        && let Some(id) = db.account_by_number(company, account.number)?
    {
        merged.insert(account.field.clone(), json!({ "id": id }));
    }
    let next_id = || actor.sandbox.next_id();
    let mut body = resource::new_object_body(def, merged, highest)?;
    number_lines(def, &mut body, &[], next_id);
    resource::add_new_stubs(def, &mut body, next_id);
    let mut object = StoredObject {
        id: next_id(),
        company_id: company,
        version: 0,
        body,
        changes: vec![change(actor, "CREATE")],
    };
    resource::link_lines_to_parent(def, &mut object.body, object.id);
    let (text, view) = stored_text(def, &object);
    db.insert_object_viewed(&def.path, &object, &text, Some(&view))?;
    if def.kind == Some(Kind::Voucher) {
        register_supplier_invoice(db, actor, &object)?;
    }
    Ok((object, view))
}

/// The voucher type whose vouchers are suppliers' invoices, as a new company names it.
const SUPPLIER_INVOICE_TYPE: &str = "Leverandørfaktura";

/// A voucher booked as a supplier's invoice is one: `GET /supplierInvoice` finds it, and it can
/// be approved and paid, as in Tripletex.
fn register_supplier_invoice(db: &Db<'_>, actor: &Actor, voucher: &StoredObject) -> Result<(), ApiError> {
    let type_id = voucher
        .body
        .get("voucherType")
        .and_then(|t| t.get("id"))
        .and_then(Value::as_i64);
    let type_name = match type_id {
        Some(id) => db
            .object(Kind::VoucherType.path(), id)?
            .and_then(|t| t.body.get("name").and_then(Value::as_str).map(str::to_owned)),
        None => None,
    };
    if type_name.as_deref() != Some(SUPPLIER_INVOICE_TYPE) {
        return Ok(());
    }
    let Some(payables) = db.account_by_number(voucher.company_id, ledger::PAYABLES)? else {
        return Ok(());
    };
    let Some(body) = ledger::supplier_invoice_of(voucher.id, &voucher.body, payables) else {
        return Ok(());
    };
    let invoice = StoredObject {
        id: actor.sandbox.next_id(),
        company_id: voucher.company_id,
        version: 0,
        body,
        changes: vec![change(actor, "CREATE")],
    };
    db.insert_object(Kind::SupplierInvoice.path(), &invoice)?;
    Ok(())
}

/// Writes `sent` onto a stored object in the open transaction (version checked, references and
/// rules as on a create); returns it and its stored view.
pub fn change_object(
    def: &'static ResourceDef,
    db: &Db<'_>,
    actor: &Actor,
    mut object: StoredObject,
    sent: &Value,
) -> Result<(StoredObject, String), ApiError> {
    let company = owner_company(def, actor);
    resource::version_is_current(sent.get("version").and_then(Value::as_i64), object.version)?;
    let (mut merged, references) = resource::merge_body(def, &object.body, sent)?;
    if def.write_rules.contains(&WriteRule::BalancedPostings) {
        ledger::without_generated_rows(&mut merged, &object.body);
    }
    check_references(db, company, &references)?;
    resource::required_fields_are_present(def, &merged)?;
    check_unique(def, db, company, &merged, Some((object.id, &object.body)))?;
    check_and_book(def, db, actor, &mut merged, sent)?;
    resource::refresh_display_name(def, &mut merged);
    let held = line_ids(def, &object.body);
    number_lines(def, &mut merged, &held, || actor.sandbox.next_id());
    object.body = merged;
    save(def, db, actor, &mut object).map(|view| (object, view))
}

/// Saves a changed object: a new version with an UPDATE change; returns its stored view.
pub fn save(def: &ResourceDef, db: &Db<'_>, actor: &Actor, object: &mut StoredObject) -> Result<String, ApiError> {
    object.version += 1;
    object.changes.push(change(actor, "UPDATE"));
    let (text, view) = stored_text(def, object);
    db.update_object_viewed(&def.path, object, &text, Some(&view))?;
    Ok(view)
}

/// An operation the document lacks that the live API answers: access as for the resource, then
/// the live API's refusal or required fields; a complete body is not emulated (501). Nothing is
/// written.
pub async fn undocumented(
    def: &'static ResourceDef,
    answer: Undocumented,
    name: String,
    actor: &Actor,
    body: Value,
) -> Result<Answer, ApiError> {
    actor
        .transaction(move |db, acting| check_access(def, acting, db))
        .await?;
    if answer == Undocumented::Refused {
        return Err(table::salary_types_are_tripletex_own().into());
    }
    resource::merge_body(def, &def.template, &body)?;
    if let Some(sent) = body.as_object() {
        resource::required_fields_are_present(def, sent)?;
    }
    Err(ApiError::new(ErrorKind::NotEmulated).with_developer_message(format!(
        "{name} is not in Tripletex's API document; the live API checks its required fields, as the sandbox did, and the sandbox emulates it no further. PUT /_sandbox/overrides can answer it for a test."
    )))
}

/// `{"value": …}` of an object just written, from its stored view.
fn one_written(
    def: &ResourceDef,
    actor: &Actor,
    status: u16,
    object: &StoredObject,
    view: String,
) -> Result<Answer, ApiError> {
    single_default(
        def,
        &actor.base,
        status,
        object.id,
        object.version,
        &ObjectText::View(view),
    )
}

/// `POST /{path}`: one new object.
pub async fn create(def: &'static ResourceDef, actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    check_required_query(def, Operation::Create, &input.query)?;
    let body = input.body.unwrap_or(Value::Null);
    // What the body alone decides is made before the sandbox's connection is taken (every write
    // of the sandbox waits on it); its refusals still come in the order the checks are written.
    let checked = check_new(def, &body);
    // The transaction may run on the worker holding the connection: it takes what it needs along.
    let (object, view, whole) = actor
        .transaction(move |db, acting| {
            let (object, view) = insert_new(def, db, acting, checked, &body)?;
            let whole = match def.create_shows_lines {
                true => Some(views::render(
                    def,
                    &acting.base,
                    &object,
                    db,
                    owner_company(def, acting),
                )?),
                false => None,
            };
            Ok::<_, ApiError>((object, view, whole))
        })
        .await?;
    if let Some(mut whole) = whole {
        if let Some(object) = whole.as_object_mut() {
            object.remove("changes");
        }
        return Ok(Answer::Value {
            status: 201,
            value: whole,
        });
    }
    one_written(def, actor, 201, &object, view)
}

/// `PUT /{path}/{id}`: the body written onto the object.
pub async fn update(def: &'static ResourceDef, actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    check_required_query(def, Operation::Update, &input.query)?;
    let (id, body) = (input.id, input.body.unwrap_or(Value::Null));
    let (object, view) = actor
        .transaction(move |db, acting| {
            check_access(def, acting, db)?;
            let object = load(def, db, owner_company(def, acting), id)?;
            change_object(def, db, acting, object, &body)
        })
        .await?;
    one_written(def, actor, 200, &object, view)
}

/// The objects a bulk write made or changed, as `POST`/`PUT /{path}/list` answer them.
fn bulk_answer(status: u16, base: &str, written: &[(StoredObject, String)]) -> Answer {
    let mut out = Vec::with_capacity(64 + written.len() * 1300);
    write_page_head(
        &mut out,
        written.len(),
        0,
        written.len(),
        crate::wire::envelope::NO_DIGEST,
    );
    for (i, (_, view)) in written.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        object_json::write_view(&mut out, view, base);
    }
    out.extend_from_slice(b"]}");
    Answer::written(status, out)
}

/// The elements of a bulk body, or the 422 that says it must be a list.
fn bulk_items(def: &ResourceDef, method: &str, body: Option<Value>) -> Result<Vec<Value>, ApiError> {
    match body {
        Some(Value::Array(items)) => Ok(items),
        _ => Err(ApiError::new(ErrorKind::Validation)
            .with_developer_message(format!(
                "{method} /{}/list takes a JSON list of {} objects.",
                def.path, def.model
            ))
            .with_validation(vec![ValidationMessage::field("", "Forventet en JSON-liste.")])),
    }
}

/// `POST /{path}/list`: every element is made, or, if one is refused, none.
pub async fn create_list(def: &'static ResourceDef, actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    check_required_query(def, Operation::CreateList, &input.query)?;
    let items = bulk_items(def, "POST", input.body)?;
    let written = actor
        .transaction(move |db, acting| {
            check_access(def, acting, db)?;
            items
                .iter()
                .map(|item| insert_new(def, db, acting, check_new(def, item), item))
                .collect::<Result<Vec<_>, ApiError>>()
        })
        .await?;
    Ok(bulk_answer(201, &actor.base, &written))
}

/// `PUT /{path}/list`: every element names an object by id; all change, or, if one is refused, none.
pub async fn update_list(def: &'static ResourceDef, actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    check_required_query(def, Operation::UpdateList, &input.query)?;
    let items = bulk_items(def, "PUT", input.body)?;
    let written = actor
        .transaction(move |db, acting| {
            check_access(def, acting, db)?;
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
                let object = load(def, db, owner_company(def, acting), id)?;
                written.push(change_object(def, db, acting, object, item)?);
            }
            Ok::<_, ApiError>(written)
        })
        .await?;
    Ok(bulk_answer(200, &actor.base, &written))
}

/// The company's one settings object of `def`, made with the model's defaults the first time it
/// is asked for.
fn settings_object(def: &'static ResourceDef, db: &Db<'_>, actor: &Actor) -> Result<StoredObject, ApiError> {
    if let Some(object) = db.objects(&def.path, owner_company(def, actor))?.into_iter().next() {
        return Ok(object);
    }
    let nothing = json!({});
    // Made with the model's defaults, whatever a client's write of it would have to fill.
    let defaults = check_new(def, &nothing).map(|(merged, references, _)| (merged, references, Ok(())));
    insert_new(def, db, actor, defaults, &nothing).map(|(object, _)| object)
}

/// `GET /{path}` of a settings object (`/project/settings`, `/company/settings/altinn`, …).
pub async fn settings(def: &'static ResourceDef, actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    check_required_query(def, Operation::Settings, &input.query)?;
    let fields = FieldFilter::parse(input.query.get("fields").map(String::as_str))?;
    let (value, fields) = actor
        .transaction(move |db, acting| {
            check_access(def, acting, db)?;
            let object = settings_object(def, db, acting)?;
            views::render_object(def, &acting.base, &object, &fields, db, acting.company).map(|v| (v, fields))
        })
        .await?;
    Ok(Answer::One {
        status: 200,
        value,
        fields,
        model: &def.model,
    })
}

/// `PUT /{path}` of a settings object: the body is written onto the company's one object.
pub async fn update_settings(def: &'static ResourceDef, actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    check_required_query(def, Operation::UpdateSettings, &input.query)?;
    let body = input.body.unwrap_or(Value::Null);
    let (object, view) = actor
        .transaction(move |db, acting| {
            check_access(def, acting, db)?;
            let object = settings_object(def, db, acting)?;
            change_object(def, db, acting, object, &body)
        })
        .await?;
    one_written(def, actor, 200, &object, view)
}

/// Deletes `ids` (each must be visible here): all of them, or, if one is not, none.
async fn delete_all(def: &'static ResourceDef, actor: &Actor, ids: Vec<i64>) -> Result<Answer, ApiError> {
    actor
        .transaction(move |db, acting| {
            check_access(def, acting, db)?;
            for id in ids {
                load(def, db, owner_company(def, acting), id)?;
                db.delete_object(&def.path, id)?;
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(Answer::NoContent)
}

/// `DELETE /{path}/{id}`.
pub async fn delete(def: &'static ResourceDef, actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    check_required_query(def, Operation::Delete, &input.query)?;
    delete_all(def, actor, vec![input.id]).await
}

/// `DELETE /{path}/list?ids=1,2`: deletes all of them or, if one is unknown, none.
pub async fn delete_ids(def: &'static ResourceDef, actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    check_required_query(def, Operation::DeleteIds, &input.query)?;
    let text = input.query.get("ids").map(String::as_str).unwrap_or_default();
    query::check("ids", text, ValueType::IdList)?;
    let ids = text.split(',').filter_map(|i| i.trim().parse().ok()).collect();
    delete_all(def, actor, ids).await
}

/// `DELETE` on a collection with `[{"id": …}, …]`: all of them go, or none does.
pub async fn delete_list(def: &'static ResourceDef, actor: &Actor, input: Input) -> Result<Answer, ApiError> {
    check_required_query(def, Operation::DeleteList, &input.query)?;
    let Some(Value::Array(items)) = &input.body else {
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
    delete_all(def, actor, ids).await
}
