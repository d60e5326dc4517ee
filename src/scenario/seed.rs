//! Seed data: reference lists shared by every company (countries, currencies, VAT types) and,
//! for each company, a chart of accounts, a department, customers, suppliers, products and an
//! activity, so a fresh sandbox has something to list. Built from `fixtures/seed.json`.

use crate::domain::kind::Kind;
use crate::domain::resource::{self, ResourceDef};
use crate::store::{Db, StoreError, Template};
use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// A few employees every company starts with, besides the people its scenario names.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SeedPerson {
    first_name: String,
    last_name: String,
    user_type: crate::domain::model::UserType,
    entitlements: Vec<String>,
}

/// Only the people of the seed file: the objects are read only when a template is built.
#[derive(Debug, Deserialize)]
struct SeedPeople {
    people: Vec<SeedPerson>,
}

/// The objects of the seed file (its people are read by [`install_people`]).
#[derive(Debug, Deserialize)]
struct SeedFile {
    global: BTreeMap<String, Vec<Map<String, Value>>>,
    company: BTreeMap<String, Vec<Map<String, Value>>>,
}

/// Seed objects of one company get ids `company_id * 10_000 + n`, so they are stable.
const IDS_PER_COMPANY: i64 = 10_000;

fn definition(path: &str) -> rusqlite::Result<&'static ResourceDef> {
    resource::find(path).ok_or_else(|| {
        rusqlite::Error::InvalidParameterName(format!("fixtures/seed.json names the unknown resource {path}"))
    })
}

const SEED_JSON: &str = include_str!("../../fixtures/seed.json");

fn seed_file() -> rusqlite::Result<SeedFile> {
    serde_json::from_str(SEED_JSON).map_err(seed_unreadable)
}

fn seed_unreadable(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::InvalidParameterName(format!("fixtures/seed.json is not valid: {e}"))
}

fn created(now: Timestamp) -> Vec<Value> {
    vec![json!({"employeeId": null, "timestamp": now.to_string(), "changeType": "CREATE"})]
}

/// The seed template of a set of companies: built on first use, then shared by every sandbox
/// of the process whose world has exactly these companies.
pub fn template(company_ids: &[i64], now: Timestamp) -> Result<Arc<Template>, StoreError> {
    // Weak: a template lives as long as a store reads from it, so worlds of many different
    // companies (imported one per test) do not pile up.
    static TEMPLATES: OnceLock<Mutex<HashMap<Vec<i64>, Weak<Template>>>> = OnceLock::new();
    let mut ids = company_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let templates = TEMPLATES.get_or_init(Mutex::default);
    // Held while building, so two sandboxes asking at once build it once.
    let mut templates = templates.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(template) = templates.get(&ids).and_then(Weak::upgrade) {
        return Ok(template);
    }
    templates.retain(|_, template| template.strong_count() > 0);
    let template = Arc::new(Template::build(|db| install_objects(db, &ids, now))?);
    templates.insert(ids, Arc::downgrade(&template));
    Ok(template)
}

/// Installs the employees every company starts with.
pub fn install_people(db: &Db<'_>, company_ids: &[i64]) -> rusqlite::Result<()> {
    // Skipping the objects unparsed: a start reads the file once for the template already.
    let seed: SeedPeople = serde_json::from_str(SEED_JSON).map_err(seed_unreadable)?;
    for company_id in company_ids {
        for (n, person) in (9001..).zip(&seed.people) {
            let id = company_id * IDS_PER_COMPANY + n;
            // An imported world already holds the seeded people it exported.
            if db.person(id)?.is_some() {
                continue;
            }
            let record = crate::domain::model::Person {
                id,
                company_id: *company_id,
                first_name: person.first_name.clone(),
                last_name: person.last_name.clone(),
                email: format!("{}.{}@{company_id}.example", person.first_name, person.last_name).to_lowercase(),
                user_type: person.user_type,
                entitlements: person.entitlements.clone(),
                ..crate::domain::model::Person::blank()
            };
            db.insert_person(&record, None)?;
        }
    }
    Ok(())
}

/// Installs the shared reference data and every company's seed objects.
pub fn install_objects(db: &Db<'_>, company_ids: &[i64], now: Timestamp) -> rusqlite::Result<()> {
    let seed = seed_file()?;
    let changes = crate::store::json_text(&created(now));
    let global_objects = global_rows(&seed)?;
    let company_objects = company_rows(&seed)?;
    let places = places_of(&company_objects);
    // Stored in the order of the table's key (resource, id): each row goes at the end of the
    // B-tree, where one in the middle moves the rows after it on every page split.
    let paths: std::collections::BTreeSet<&str> = global_objects
        .keys()
        .copied()
        .chain(company_objects.iter().map(|(row, _)| row.path))
        .collect();
    let mut inserter = db.object_inserter()?;
    for path in paths {
        for row in global_objects.get(path).into_iter().flatten() {
            inserter.insert(path, row.id, 0, &row.body, &changes, (row.number, row.inactive))?;
        }
        for company_id in company_ids {
            let base = company_id * IDS_PER_COMPANY;
            for ((row, per_company), place) in company_objects.iter().zip(1..).filter(|((row, _), _)| row.path == path)
            {
                let id = base + place;
                let finished = per_company
                    .as_ref()
                    .map(|(def, body)| finish_for_company(def, body.clone(), *company_id, id, &places));
                let body = finished.as_deref().unwrap_or(&row.body);
                inserter.insert(path, id, *company_id, body, &changes, (row.number, row.inactive))?;
            }
        }
    }
    Ok(())
}

/// The shared reference data, by resource.
fn global_rows(seed: &SeedFile) -> rusqlite::Result<BTreeMap<&'static str, Vec<SeedRow<'static>>>> {
    let mut global_objects: BTreeMap<&str, Vec<SeedRow>> = BTreeMap::new();
    for (path, objects) in &seed.global {
        let def = definition(path)?;
        let rows = global_objects.entry(def.path.as_str()).or_default();
        for fields in objects {
            let id = fields.get("id").and_then(Value::as_i64).unwrap_or_default();
            let mut body = def.template.clone();
            body.extend(
                fields
                    .iter()
                    .filter(|(k, _)| *k != "id")
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            rows.push(SeedRow::of(&def.path, id, &body, None));
        }
    }
    Ok(global_objects)
}

/// A company's seed object, with its definition and body where it is finished per company.
type CompanyRow = (SeedRow<'static>, Option<(&'static ResourceDef, Map<String, Value>)>);

/// Every company gets the same seed objects (only their ids differ): each body is made and
/// serialized once, then stored for every company.
fn company_rows(seed: &SeedFile) -> rusqlite::Result<Vec<CompanyRow>> {
    let mut company_objects = Vec::new();
    for (path, objects) in &seed.company {
        let def = definition(path)?;
        let mut highest = None;
        for fields in objects {
            let mut body = def.template.clone();
            body.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
            let unusable = |d: crate::domain::denial::Denial| {
                rusqlite::Error::InvalidParameterName(format!("fixtures/seed.json: {}", d.reason))
            };
            let number = resource::numbers_are_left(def, highest).map_err(unusable)?;
            let body = resource::new_object_body(def, body, highest).map_err(unusable)?;
            highest = number.or(highest);
            // Objects whose account and address ids depend on the company are finished per company.
            let per_company =
                (def.default_account.is_some() || !def.new_stubs.is_empty() || names_a_seed_object(&body))
                    .then(|| (def, body.clone()));
            company_objects.push((SeedRow::of(&def.path, 0, &body, number), per_company));
        }
    }
    Ok(company_objects)
}

/// A company's objects get ids in the order of `company_objects`, so an account's id is the
/// company's base plus its place there.
fn places_of(company_objects: &[CompanyRow]) -> Places<'static> {
    // Each account's number (the first account of a number is the one named).
    let mut account_places: BTreeMap<i64, i64> = BTreeMap::new();
    for (place, (row, _)) in (1..).zip(company_objects) {
        if let Some(number) = row.number.filter(|_| row.path == Kind::Account.path()) {
            account_places.entry(number).or_insert(place);
        }
    }
    let accounts = account_places;
    // `{"id": "@customer"}` in a seed object names the company's first seeded customer.
    let mut firsts: BTreeMap<&str, i64> = BTreeMap::new();
    for ((row, _), place) in company_objects.iter().zip(1..) {
        firsts.entry(row.path).or_insert(place);
    }
    Places { accounts, firsts }
}

/// A seed object ready to store: its body as JSON text and the columns read from the body.
struct SeedRow<'a> {
    path: &'a str,
    id: i64,
    body: String,
    number: Option<i64>,
    inactive: Option<bool>,
}

impl<'a> SeedRow<'a> {
    /// `number` is the number the seed gave a numbered object (its body holds the same).
    fn of(path: &'a str, id: i64, body: &Map<String, Value>, number: Option<i64>) -> Self {
        Self {
            path,
            id,
            body: crate::store::json_text(body),
            number: number.or_else(|| crate::store::number_column(path, body)),
            inactive: body.get("isInactive").and_then(Value::as_bool),
        }
    }
}

/// Where a company's seeded objects sit in the order they get their ids: the default accounts by
/// number, and the first object of each resource.
struct Places<'a> {
    /// Each account number's place among a company's seed objects.
    accounts: BTreeMap<i64, i64>,
    firsts: BTreeMap<&'a str, i64>,
}

/// Whether a seed body names another seeded object of its company (`{"id": "@customer"}`, or an
/// account by its number: `{"id": "@ledger/account#1920"}`).
fn names_a_seed_object(body: &Map<String, Value>) -> bool {
    body.values()
        .any(|v| v.get("id").and_then(Value::as_str).is_some_and(|n| n.starts_with('@')))
}

/// A seeded customer or supplier as a created one would be: booked against the company's default
/// account and with its addresses (ids derived from its own, so they are stable).
fn finish_for_company(
    def: &ResourceDef,
    mut body: Map<String, Value>,
    company_id: i64,
    id: i64,
    places: &Places<'_>,
) -> String {
    for value in body.values_mut() {
        let named = value
            .get("id")
            .and_then(Value::as_str)
            .and_then(|n| n.strip_prefix('@'));
        let place = match named.and_then(|n| n.split_once('#')) {
            Some((path, number)) if Kind::from_path(path) == Some(Kind::Account) => {
                number.parse().ok().and_then(|n: i64| places.accounts.get(&n))
            }
            Some(_) => None,
            None => named.and_then(|path| places.firsts.get(path)),
        };
        if let Some(place) = place {
            *value = json!({ "id": company_id * IDS_PER_COMPANY + place });
        }
    }
    if let Some(account) = resource::default_account_wanted(def, &body)
        && let Some(place) = places.accounts.get(&account.number)
    {
        body.insert(
            account.field.clone(),
            json!({ "id": company_id * IDS_PER_COMPANY + place }),
        );
    }
    let mut k = 0;
    resource::add_new_stubs(def, &mut body, || {
        k += 1;
        id * 10 + k
    });
    crate::store::json_text(&body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_field_is_a_field_of_its_resource() {
        let seed = seed_file().unwrap();
        for (path, objects) in seed.global.iter().chain(seed.company.iter()) {
            let def = definition(path).unwrap();
            for object in objects {
                for name in object.keys().filter(|k| *k != "id") {
                    assert!(
                        def.fields.contains_key(name),
                        "seed {path}.{name} is not a field of {}",
                        def.model
                    );
                }
            }
        }
    }
}
