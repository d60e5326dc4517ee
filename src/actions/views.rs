//! Objects as the API shows them: stored objects with their references as `{id, url}` stubs or
//! expanded where `fields` selects into them, embedded lines, and the wire views of the access
//! model's objects (company, employee, API consumer) in the official schema's field names, with
//! host-relative `url`s. Every field the schema has and the sandbox does not model is null.

use crate::domain::address;
use crate::domain::kind::Kind;
use crate::domain::model::{Company, Integration, Person};
use crate::domain::resource::{self, FieldKind, ResourceDef};
use crate::store::{Db, PostingRow, StoredObject};
use crate::wire::ApiError;
use crate::wire::fields::FieldFilter;
use serde_json::{Map, Value, json};

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
pub fn render_object(
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
                    (Some(id), None) => stub(base, target, id),
                    (None, _) => Value::Null,
                });
            }
            out.insert(name.clone(), Value::Array(shown));
            continue;
        }
        let rendered = match (field, value.get("id").and_then(Value::as_i64)) {
            (Some(field), Some(id)) if field.renders_as_stub() => {
                let target = field.resource.as_deref().unwrap_or_default();
                match (field.kind, fields.expansion(name)) {
                    (FieldKind::Ref, Some(sub)) => expand(target, base, id, sub, db, company)?,
                    (FieldKind::Object, Some(sub)) => {
                        embedded_whole(target, base, value, &object.body, sub, db, company)?
                    }
                    _ => stub(base, target, id),
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

/// An object kept inside its owner (a customer's address) shown whole, with the text Tripletex
/// makes of it (`addressAsString`, `displayName` with the owner's name).
fn embedded_whole(
    target: &str,
    base: &str,
    stored: &Value,
    owner: &Map<String, Value>,
    fields: &FieldFilter,
    db: &Db<'_>,
    company: i64,
) -> Result<Value, ApiError> {
    let Some(child) = resource::find(target) else {
        return Ok(stored.clone());
    };
    let mut shown = render_line(Some(child), base, stored);
    let country = match shown.get("country").and_then(|c| c.get("id")).and_then(Value::as_i64) {
        Some(id) => db
            .object(Kind::Country.path(), id)?
            .and_then(|c| c.body.get("name").and_then(Value::as_str).map(str::to_owned)),
        None => None,
    };
    if let Value::Object(address) = &mut shown {
        let owner_name = owner.get("name").and_then(Value::as_str).unwrap_or_default();
        let (as_string, display) = address::describe(address, owner_name, country.as_deref().unwrap_or_default());
        address.insert("addressAsString".into(), json!(as_string));
        address.insert("displayName".into(), json!(display));
        address.insert("displayNameInklMatrikkel".into(), json!(display));
    }
    expand_line_references(child, &mut shown, fields, db, base, company)?;
    Ok(shown)
}

/// A stored posting as the API shows it: a line of its voucher, with the voucher and its date.
pub fn posting(base: &str, row: &PostingRow) -> Result<Value, ApiError> {
    let stored: Value = serde_json::from_str(&row.body)
        .map_err(|e| ApiError::internal(&format!("a stored posting is not JSON: {e}")))?;
    let mut shown = render_line(resource::of(Kind::Posting), base, &stored);
    if let Some(fields) = shown.as_object_mut() {
        fields.insert("voucher".into(), stub(base, Kind::Voucher.path(), row.voucher_id));
        fields.insert("date".into(), json!(row.date));
    }
    Ok(shown)
}

/// An embedded line (order line, posting) with its url and its references as stubs.
pub fn render_line(child: Option<&ResourceDef>, base: &str, line: &Value) -> Value {
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
            (Some(target), Some(ref_id)) => stub(base, target, ref_id),
            _ => value.clone(),
        };
        out.insert(name.clone(), rendered);
    }
    // A field the line was stored without is shown with its default, so a fields filter may
    // name any field of the model (`postings(invoiceNumber)`), as the real API allows.
    for (name, default) in &child.template {
        out.entry(name.clone()).or_insert_with(|| default.clone());
    }
    Value::Object(out)
}

/// Expands the references of a rendered line (a posting, an order line) that the fields filter
/// selects into (`account(number)`), as a stored object's are.
pub fn expand_line_references(
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
            .or_else(|| (name == "voucher").then_some(Kind::Voucher.path()));
        if let (Some(target), Some(id), Some(sub)) =
            (target, value.get("id").and_then(Value::as_i64), fields.expansion(name))
        {
            *value = expand(target, base, id, sub, db, company)?;
        }
    }
    Ok(())
}

/// A referenced object rendered in full, its own references expanded where `fields` (the
/// selection inside the reference, `account(vatType(name))`) reaches into them; the caller's
/// fields filter then picks.
pub fn expand(
    target: &str,
    base: &str,
    id: i64,
    fields: &FieldFilter,
    db: &Db<'_>,
    company: i64,
) -> Result<Value, ApiError> {
    match Kind::from_path(target) {
        Some(Kind::Employee) => {
            return Ok(db
                .person(id)?
                .map_or_else(|| stub(base, target, id), |p| employee(base, &p)));
        }
        Some(Kind::Posting) => {
            let Some(row) = db.posting(company, id)? else {
                return Ok(stub(base, target, id));
            };
            let mut shown = posting(base, &row)?;
            if let Some(def) = resource::of(Kind::Posting) {
                expand_line_references(def, &mut shown, fields, db, base, company)?;
            }
            return Ok(shown);
        }
        _ => {}
    }
    let Some(def) = resource::find(target) else {
        return Ok(stub(base, target, id));
    };
    match db.object(&def.path, id)? {
        Some(object) if object.company_id == company || object.company_id == 0 => {
            render_object(def, base, &object, fields, db, company)
        }
        _ => Ok(stub(base, target, id)),
    }
}

pub fn stub(base: &str, path: &str, id: i64) -> Value {
    json!({ "id": id, "url": format!("{base}/{path}/{id}") })
}

pub fn company(base: &str, company: &Company) -> Value {
    json!({
        "id": company.id,
        "version": 1,
        "url": format!("{base}/company/{}", company.id),
        "name": company.name,
        "displayName": company.name,
        "startDate": null,
        "endDate": null,
        "organizationNumber": company.organization_number,
        "email": company.email,
        "phoneNumber": "",
        "phoneNumberMobile": "",
        "faxNumber": "",
        "address": null,
        "type": company.company_type,
        "currency": stub(base, Kind::Currency.path(), 1),
        "accountantOrSimilar": company.kind == crate::domain::model::CompanyKind::Office,
        "companyMigration": "NONE",
        "invoiceShowDeliveryDate": false,
        "changes": [],
    })
}

/// A client as `withLoginAccess` lists it: a company plus `customerCompanyId` (the same id).
pub fn client(base: &str, company: &Company) -> Value {
    let mut value = self::company(base, company);
    if let Some(object) = value.as_object_mut() {
        object.insert("customerCompanyId".to_owned(), json!(company.id));
    }
    value
}

/// Norway's id in the country list (seeded as Tripletex numbers it).
pub const NORWAY: i64 = 161;

/// The resources an employee's reference fields point at.
const EMPLOYEE_REFERENCES: &[(&str, Kind)] = &[
    ("department", Kind::Department),
    ("employeeCategory", Kind::EmployeeCategory),
    ("phoneNumberMobileCountry", Kind::Country),
];

/// An employee: the person record, with the fields written through the API in place of their
/// defaults.
pub fn employee(base: &str, person: &Person) -> Value {
    let mut value = employee_defaults(base, person);
    if let Some(object) = value.as_object_mut() {
        for (name, written) in &person.details {
            let target = EMPLOYEE_REFERENCES.iter().find(|(field, _)| field == name);
            let shown = match (target, written.get("id").and_then(Value::as_i64)) {
                (Some((_, kind)), Some(id)) => stub(base, kind.path(), id),
                _ => written.clone(),
            };
            object.insert(name.clone(), shown);
        }
    }
    value
}

fn employee_defaults(base: &str, person: &Person) -> Value {
    json!({
        "id": person.id,
        "version": 1,
        "url": format!("{base}/employee/{}", person.id),
        "firstName": person.first_name,
        "lastName": person.last_name,
        "displayName": person.display_name(),
        "employeeNumber": "",
        "dateOfBirth": null,
        "email": person.email,
        // Norway, as every recorded employee shows.
        "phoneNumberMobileCountry": stub(base, Kind::Country.path(), NORWAY),
        "phoneNumberMobile": "",
        "phoneNumberHome": "",
        "phoneNumberWork": "",
        "nationalIdentityNumber": "",
        "dnumber": "",
        "internationalId": {"intAmeldingType": null, "country": null, "number": ""},
        "bankAccountNumber": "",
        "iban": "",
        "bic": "",
        "creditorBankCountryId": 0,
        "usesAbroadPayment": false,
        "userType": null,
        "allowInformationRegistration": !person.is_contact,
        "isContact": person.is_contact,
        "isProxy": person.is_proxy,
        "comments": "",
        "address": null,
        "department": null,
        "employments": [],
        "holidayAllowanceEarned": {"year": 0, "amount": 0, "basis": 0, "amountExtraHolidayWeek": 0},
        "employeeCategory": null,
        "isAuthProjectOverviewURL": false,
        "pictureId": 0,
        "companyId": person.company_id,
        "changes": [],
    })
}

pub fn api_consumer(base: &str, integration: &Integration) -> Value {
    json!({
        "id": integration.id,
        "version": 1,
        "url": format!("{base}/token/consumer/{}", integration.id),
        "consumerName": integration.application_name,
        "emails": integration.emails,
        "changes": [],
    })
}
