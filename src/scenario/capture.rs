//! A world captured from what a real Tripletex answered (`scenarios capture`): the company and the
//! person `whoAmI` named, the employees seen as people, and every object an answer showed
//! (customers, suppliers, products, departments, accounts, …) stored with its real id and its
//! fields, so a sandbox loaded from it answers those reads as Tripletex did.
//!
//! The seed every company starts with stays where nothing replaces it: a captured object takes
//! the place of the seed object with the same `number`, and the seed's customers, suppliers,
//! products, departments, contacts, projects and activities give way to the real company's.

use super::format::{ObjectSpec, Objects, ScenarioFile, World};
use crate::domain::kind::Kind;
use crate::domain::resource::{self, Scope};
use crate::store::Store;
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Resources whose seed objects give way to the captured company's own.
const REPLACED: &[Kind] = &[
    Kind::Customer,
    Kind::Supplier,
    Kind::Product,
    Kind::Department,
    Kind::Contact,
    Kind::Project,
    Kind::Activity,
];

/// An employee's fields a person of the world holds itself; the rest go in its `details`.
const PERSON_FIELDS: &[&str] = &[
    "id",
    "version",
    "url",
    "changes",
    "firstName",
    "lastName",
    "email",
    "userType",
    "companyId",
];

/// One answer a real Tripletex gave.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The path below `/v2` (`/customer/5`, `/token/session/>whoAmI`; `%3E` is read as `>`).
    pub path: String,
    pub status: u16,
    pub answer: Value,
}

/// What the answers showed, merged per object (a later answer's fields over an earlier one's).
#[derive(Default)]
struct Gathered {
    company: Option<i64>,
    me: Option<i64>,
    companies: BTreeMap<i64, Map<String, Value>>,
    employees: BTreeMap<i64, Map<String, Value>>,
    objects: BTreeMap<String, BTreeMap<i64, Map<String, Value>>>,
}

/// The scenario file of the captured world, checked as `scenarios check` checks it.
pub fn world(name: &str, seen: &[Seen], now: Timestamp) -> Result<ScenarioFile, String> {
    let mut gathered = Gathered::default();
    for answer in seen.iter().filter(|s| s.status < 300) {
        gathered.take(answer);
    }
    let company = gathered
        .company
        .or_else(|| gathered.companies.keys().next().copied())
        .ok_or(
            "the answers name no company: record a GET /v2/token/session/>whoAmI (or /v2/company/{id}) in the session",
        )?;
    let mut file = ScenarioFile {
        name: name.to_owned(),
        description: format!(
            "Captured from Tripletex at {now}: company {company} with the people and objects its answers showed. \
             Use the printed credentials (username 0)."
        ),
        fixtures: Vec::new(),
        settings: Default::default(),
        world: gathered.world(company)?,
        objects: Objects::new(),
        overrides: Vec::new(),
        expect: Vec::new(),
    };
    file.objects = gathered
        .objects(company, now)
        .map_err(|e| format!("cannot make the seed to compare with: {e}"))?;
    let text = serde_json::to_string(&file).map_err(|e| e.to_string())?;
    super::parse(name, &text).map_err(|e| format!("the captured world does not check: {e}"))?;
    Ok(file)
}

impl Gathered {
    fn take(&mut self, seen: &Seen) {
        let path = seen.path.split('?').next().unwrap_or_default();
        let path = path.replace("%3E", ">").replace("%3e", ">");
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        if path.ends_with(">whoAmI") {
            let value = &seen.answer["value"];
            self.company = self.company.or(id(&value["company"])).or(value["companyId"].as_i64());
            self.me = self.me.or(id(&value["employee"])).or(value["employeeId"].as_i64());
            merge_into(&mut self.companies, &value["company"]);
            merge_into(&mut self.employees, &value["employee"]);
            return;
        }
        // Actions (`/order/5/:invoice`) answer with other objects; `>` paths are searches.
        if segments.iter().any(|s| s.starts_with(':') || s.starts_with('>')) {
            return;
        }
        let resource: Vec<&str> = segments.iter().copied().filter(|s| s.parse::<i64>().is_err()).collect();
        let resource = resource.join("/");
        let items: Vec<&Value> = match (&seen.answer["value"], &seen.answer["values"]) {
            (Value::Object(_), _) => vec![&seen.answer["value"]],
            (_, Value::Array(values)) => values.iter().collect(),
            _ => Vec::new(),
        };
        for item in items {
            match Kind::from_path(&resource) {
                Some(Kind::Company) => merge_into(&mut self.companies, item),
                Some(Kind::Employee) => merge_into(&mut self.employees, item),
                _ => {
                    let captured = resource::find(&resource).filter(|d| !d.embedded && d.scope == Scope::Company);
                    if captured.is_some() {
                        merge_into(self.objects.entry(resource.clone()).or_default(), item);
                    }
                }
            }
        }
    }

    /// The company, its people (the key holder an administrator with every access) and a key.
    fn world(&self, company: i64) -> Result<World, String> {
        let fields = self.companies.get(&company).cloned().unwrap_or_default();
        let text =
            |map: &Map<String, Value>, name: &str| map.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
        let name = Some(text(&fields, "name"))
            .filter(|n| !n.is_empty())
            .unwrap_or(format!("Captured company {company}"));
        let me = self.me.or_else(|| self.employees.keys().next().copied()).unwrap_or(1);
        let mut people: Vec<Value> = self
            .employees
            .iter()
            .filter(|(id, _)| **id != me)
            .map(|(id, e)| person(*id, company, e, false))
            .collect();
        people.insert(
            0,
            person(me, company, self.employees.get(&me).unwrap_or(&Map::new()), true),
        );
        let world = json!({
            "integrations": [{"id": 1, "applicationName": "Captured world"}],
            "companies": [{
                "id": company, "name": name, "organizationNumber": text(&fields, "organizationNumber"),
                "kind": "standalone", "package": "KOMPLETT", "integrationsEnabled": true, "email": text(&fields, "email")
            }],
            "people": people,
            "keys": [{"id": 1, "name": "captured", "personId": me, "integrationId": 1}],
            "companyIntegrations": [{"companyId": company, "integrationId": 1}]
        });
        serde_json::from_value(world).map_err(|e| format!("cannot build the world: {e}"))
    }

    /// The captured objects, and the seed objects they replace, as the `objects` section.
    fn objects(&self, company: i64, now: Timestamp) -> Result<Objects, crate::store::StoreError> {
        let store = Store::open_in_memory()?;
        store.transaction(|db| super::seed::install_objects(db, &[company], now))?;
        let mut objects = Objects::new();
        for (path, captured) in &self.objects {
            let Some(def) = resource::find(path) else { continue };
            let section = objects.entry(path.clone()).or_default();
            for (id, fields) in captured {
                let body: Map<String, Value> = fields
                    .iter()
                    .filter(|(name, _)| {
                        def.fields.contains_key(*name) && !["id", "version", "url", "changes"].contains(&name.as_str())
                    })
                    .map(|(name, value)| (name.clone(), reference(value)))
                    .collect();
                section.stored.push(ObjectSpec {
                    id: *id,
                    company_id: company,
                    version: fields.get("version").and_then(Value::as_i64).unwrap_or(0),
                    body: Value::Object(body),
                    changes: None,
                });
            }
            let numbers: Vec<&Value> = captured.values().filter_map(|f| f.get("number")).collect();
            let seeded = store.with(|db| db.objects(path, company))?;
            section.deleted = seeded
                .iter()
                .filter(|seed| !captured.contains_key(&seed.id))
                .filter(|seed| {
                    def.kind.is_some_and(|k| REPLACED.contains(&k))
                        || seed.body.get("number").is_some_and(|n| numbers.contains(&n))
                })
                .map(|seed| seed.id)
                .collect();
        }
        Ok(objects)
    }
}

fn id(value: &Value) -> Option<i64> {
    value["id"].as_i64()
}

fn merge_into(into: &mut BTreeMap<i64, Map<String, Value>>, item: &Value) {
    if let (Some(id), Value::Object(fields)) = (id(item), item) {
        let entry = into.entry(id).or_default();
        entry.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

/// A reference as the API shows it (`{"id": 5, "url": "…"}`) becomes `{"id": 5}`, as stored.
fn reference(value: &Value) -> Value {
    match value {
        Value::Object(fields) if fields.contains_key("id") && fields.contains_key("url") => json!({"id": fields["id"]}),
        Value::Array(items) => Value::Array(items.iter().map(reference).collect()),
        other => other.clone(),
    }
}

/// A person of the world from an employee's answer; the key holder may do everything.
fn person(id: i64, company: i64, employee: &Map<String, Value>, holder: bool) -> Value {
    let text = |name: &str| employee.get(name).and_then(Value::as_str).unwrap_or_default();
    let first = Some(text("firstName")).filter(|t| !t.is_empty()).unwrap_or("Captured");
    let last = Some(text("lastName")).filter(|t| !t.is_empty()).unwrap_or("User");
    let mut person = json!({
        "id": id, "companyId": company, "firstName": first, "lastName": last, "email": text("email"),
        "userType": if holder { "EXTENDED" } else { "STANDARD" },
    });
    let details: Map<String, Value> = employee
        .iter()
        .filter(|(name, _)| !PERSON_FIELDS.contains(&name.as_str()))
        .map(|(name, value)| (name.clone(), reference(value)))
        .collect();
    if !details.is_empty() {
        person["details"] = Value::Object(details);
    }
    if holder {
        person["roles"] = json!(["ACCOUNT_ADMINISTRATOR"]);
        person["entitlements"] = json!(["ALL_PRIVILEGES"]);
    }
    person
}
