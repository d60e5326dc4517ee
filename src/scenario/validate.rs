//! Checks a composed world before it is installed: unique ids and tokens, references that
//! resolve, and combinations the real product cannot be in. Every problem says how to fix it.

use super::format::{CompanyKindSpec, World};
use super::package;
use crate::domain::entitlements;
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};

pub use super::problem::Problem;

/// How many items of each collection one source contributed, to map indices back to files.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts([usize; 7]);

const COLLECTIONS: [&str; 7] = [
    "integrations",
    "companies",
    "accountantRelations",
    "people",
    "keys",
    "clientKeyLinks",
    "companyIntegrations",
];

impl Counts {
    pub fn of(world: &World) -> Self {
        Self([
            world.integrations.len(),
            world.companies.len(),
            world.accountant_relations.len(),
            world.people.len(),
            world.keys.len(),
            world.client_key_links.len(),
            world.company_integrations.len(),
        ])
    }
}

struct Checker<'a> {
    origins: &'a [(String, Counts)],
    problems: Vec<Problem>,
}

impl Checker<'_> {
    /// The JSON path of item `index` of a composed collection, in the file it came from.
    fn path(&self, collection: usize, mut index: usize, field: &str) -> String {
        for (prefix, counts) in self.origins {
            if index < counts.0[collection] {
                return format!(
                    "{prefix}{}[{index}]{}{field}",
                    COLLECTIONS[collection],
                    if field.is_empty() { "" } else { "." }
                );
            }
            index -= counts.0[collection];
        }
        format!("{}[?]", COLLECTIONS[collection])
    }

    fn report(&mut self, collection: usize, index: usize, field: &str, message: String) {
        let path = self.path(collection, index, field);
        self.problems.push(Problem { path, message });
    }
}

const INTEGRATIONS: usize = 0;
const COMPANIES: usize = 1;
const RELATIONS: usize = 2;
const PEOPLE: usize = 3;
const KEYS: usize = 4;
const LINKS: usize = 5;
const ADDED: usize = 6;

fn duplicates<'a>(ids: impl Iterator<Item = i64> + 'a) -> impl Iterator<Item = (usize, i64)> + 'a {
    let mut seen = HashSet::new();
    ids.enumerate().filter(move |(_, id)| !seen.insert(*id))
}

fn check_entitlement(c: &mut Checker<'_>, collection: usize, index: usize, field: &str, name: &str) {
    if !entitlements::is_known(name) {
        c.report(
            collection,
            index,
            field,
            format!("unknown entitlement or template {name:?}; use a name from the entitlement catalogue (docs/control-plane.md#entitlements) such as AUTH_CUSTOMER, or a template such as ALL_PRIVILEGES"),
        );
    }
}

pub fn world(world: &World, origins: &[(String, Counts)]) -> Vec<Problem> {
    let mut c = Checker {
        origins,
        problems: Vec::new(),
    };
    for (i, id) in duplicates(world.integrations.iter().map(|x| x.id)) {
        c.report(
            INTEGRATIONS,
            i,
            "id",
            format!("integration id {id} is used twice; give each integration its own id"),
        );
    }
    for (i, id) in duplicates(world.companies.iter().map(|x| x.id)) {
        c.report(
            COMPANIES,
            i,
            "id",
            format!("company id {id} is used twice; give each company its own id"),
        );
    }
    for (i, id) in duplicates(world.people.iter().map(|x| x.id)) {
        c.report(
            PEOPLE,
            i,
            "id",
            format!("person id {id} is used twice; give each person its own id"),
        );
    }
    for (i, id) in duplicates(world.keys.iter().map(|x| x.id)) {
        c.report(
            KEYS,
            i,
            "id",
            format!("key id {id} is used twice; give each key its own id"),
        );
    }

    let companies: HashMap<i64, &super::format::CompanySpec> = world.companies.iter().map(|x| (x.id, x)).collect();
    for (i, company) in world.companies.iter().enumerate() {
        if company.id <= 0 {
            c.report(
                COMPANIES,
                i,
                "id",
                "company ids must be positive: 0 means \"own company\" in Basic auth".into(),
            );
        }
        if company.integrations_enabled && !package(company.package).allows_integrations() {
            c.report(
                COMPANIES,
                i,
                "integrationsEnabled",
                format!(
                    "the package {:?} cannot have the Integrations module; set package to SMART, KOMPLETT or ACCOUNTING_OFFICE, or integrationsEnabled to false",
                    company.package
                ),
            );
        }
    }

    let mut clients_with_office = HashSet::new();
    let mut relations = HashSet::new();
    for (i, relation) in world.accountant_relations.iter().enumerate() {
        match companies.get(&relation.office_id) {
            None => c.report(
                RELATIONS,
                i,
                "officeId",
                format!(
                    "no company has id {}; name an office from companies",
                    relation.office_id
                ),
            ),
            Some(office) if office.kind != CompanyKindSpec::Office => c.report(
                RELATIONS,
                i,
                "officeId",
                format!(
                    "company {} is not of kind \"office\"; set its kind to office or name another company",
                    relation.office_id
                ),
            ),
            Some(_) => {}
        }
        match companies.get(&relation.client_id) {
            None => c.report(
                RELATIONS,
                i,
                "clientId",
                format!("no company has id {}; name a client from companies", relation.client_id),
            ),
            Some(client) if client.kind != CompanyKindSpec::Client => c.report(
                RELATIONS,
                i,
                "clientId",
                format!(
                    "company {} is not of kind \"client\"; set its kind to client or name another company",
                    relation.client_id
                ),
            ),
            Some(_) => {}
        }
        if !clients_with_office.insert(relation.client_id) {
            c.report(
                RELATIONS,
                i,
                "clientId",
                format!(
                    "client {} already has an accounting office; a client has one office",
                    relation.client_id
                ),
            );
        }
        relations.insert((relation.office_id, relation.client_id));
    }

    let people: HashMap<i64, &super::format::PersonSpec> = world.people.iter().map(|x| (x.id, x)).collect();
    for (i, person) in world.people.iter().enumerate() {
        if !companies.contains_key(&person.company_id) {
            c.report(
                PEOPLE,
                i,
                "companyId",
                format!("no company has id {}; name one from companies", person.company_id),
            );
        }
    }

    let mut tokens: HashMap<String, String> = HashMap::new();
    let mut claim_token = |c: &mut Checker<'_>, token: &str, collection: usize, index: usize, field: &str| {
        let path = c.path(collection, index, field);
        if token.trim().is_empty() {
            c.problems.push(Problem {
                path,
                message: "a pinned token cannot be blank; remove the field to have one generated".into(),
            });
        } else if let Some(first) = tokens.get(token) {
            c.problems.push(Problem {
                path,
                message: format!("this token is already used at {first}; every token must be unique"),
            });
        } else {
            tokens.insert(token.to_owned(), path);
        }
    };
    for (i, integration) in world.integrations.iter().enumerate() {
        if let Some(token) = &integration.consumer_token {
            claim_token(&mut c, token, INTEGRATIONS, i, "consumerToken");
        }
    }

    let integrations: HashMap<i64, &super::format::IntegrationSpec> =
        world.integrations.iter().map(|x| (x.id, x)).collect();
    let keys: HashMap<i64, &super::format::KeySpec> = world.keys.iter().map(|x| (x.id, x)).collect();
    for (i, key) in world.keys.iter().enumerate() {
        let owner = people.get(&key.person_id);
        if owner.is_none() {
            c.report(
                KEYS,
                i,
                "personId",
                format!(
                    "no person has id {}; name the employee or contact the key is made on",
                    key.person_id
                ),
            );
        }
        match (&key.custom, key.integration_id) {
            (Some(_), Some(_)) => c.report(
                KEYS,
                i,
                "custom",
                "give either integrationId (from the catalog) or custom («Tilpasset oppsett»), not both".into(),
            ),
            (None, None) => c.report(
                KEYS,
                i,
                "integrationId",
                "a key needs integrationId (from the catalog) or custom {applicationName, accesses}".into(),
            ),
            (None, Some(id)) if !integrations.contains_key(&id) => c.report(
                KEYS,
                i,
                "integrationId",
                format!("no integration has id {id}; name one from integrations"),
            ),
            _ => {}
        }
        if key.accountant_key {
            let office = owner.and_then(|p| companies.get(&p.company_id)).map(|co| co.kind);
            if office.is_some_and(|kind| kind != CompanyKindSpec::Office) {
                c.report(KEYS, i, "accountantKey", "«Regnskapskontorets brukernøkkel» exists only in accounting-office accounts; make the key on a person of an office company or set accountantKey to false".into());
            }
        }
        if let Some(token) = &key.token {
            claim_token(&mut c, token, KEYS, i, "token");
        }
        if let Some(custom) = &key.custom {
            for (j, name) in custom.accesses.iter().enumerate() {
                check_entitlement(&mut c, KEYS, i, &format!("custom.accesses[{j}]"), name);
            }
        }
        for (j, retired) in key.retired_tokens.iter().enumerate() {
            claim_token(&mut c, &retired.token, KEYS, i, &format!("retiredTokens[{j}].token"));
            if retired.retired_at.parse::<Timestamp>().is_err() {
                c.report(
                    KEYS,
                    i,
                    &format!("retiredTokens[{j}].retiredAt"),
                    "not an RFC 3339 time; write e.g. 2026-01-31T12:00:00Z".into(),
                );
            }
        }
    }

    let mut links = HashSet::new();
    for (i, link) in world.client_key_links.iter().enumerate() {
        let Some(key) = keys.get(&link.key_id) else {
            c.report(
                LINKS,
                i,
                "keyId",
                format!("no key has id {}; name an accounting-office key from keys", link.key_id),
            );
            continue;
        };
        if !key.accountant_key {
            c.report(
                LINKS,
                i,
                "keyId",
                format!(
                    "key {} is not an accounting-office key; set accountantKey on it or link another key",
                    link.key_id
                ),
            );
        }
        let office = people.get(&key.person_id).map(|p| p.company_id);
        if !companies.contains_key(&link.client_id) {
            c.report(
                LINKS,
                i,
                "clientId",
                format!("no company has id {}; name a client from companies", link.client_id),
            );
        } else if office.is_some_and(|office| !relations.contains(&(office, link.client_id))) {
            c.report(
                LINKS,
                i,
                "clientId",
                format!(
                    "company {} is not a client of the key's office; add an accountantRelations entry first",
                    link.client_id
                ),
            );
        }
        for (j, name) in link.accesses.iter().enumerate() {
            check_entitlement(&mut c, LINKS, i, &format!("accesses[{j}]"), name);
        }
        if !links.insert((link.key_id, link.client_id)) {
            c.report(
                LINKS,
                i,
                "",
                format!(
                    "key {} is linked to client {} twice; keep one link",
                    link.key_id, link.client_id
                ),
            );
        }
    }
    for (i, added) in world.company_integrations.iter().enumerate() {
        if !companies.contains_key(&added.company_id) {
            c.report(
                ADDED,
                i,
                "companyId",
                format!("no company has id {}; name one from companies", added.company_id),
            );
        }
        if !integrations.contains_key(&added.integration_id) {
            c.report(
                ADDED,
                i,
                "integrationId",
                format!(
                    "no integration has id {}; name one from integrations",
                    added.integration_id
                ),
            );
        }
    }
    c.problems
}

/// Expectations must name keys of the world and real HTTP methods.
pub fn expectations(expect: &[super::format::Expectation], world: &World) -> Vec<Problem> {
    use super::format::ExpectedRequest;
    let keys: HashSet<i64> = world.keys.iter().map(|k| k.id).collect();
    let mut problems = Vec::new();
    for (i, expectation) in expect.iter().enumerate() {
        let (key, method) = match &expectation.request {
            ExpectedRequest::Mint { key, .. } => (Some(*key), "PUT"),
            ExpectedRequest::Call { key, method, .. } => (Some(*key), method.as_str()),
            ExpectedRequest::Control { method, .. } => (None, method.as_str()),
        };
        if let Some(key) = key.filter(|k| !keys.contains(k)) {
            problems.push(Problem {
                path: format!("expect[{i}].request"),
                message: format!("no key has id {key}; name one from world.keys"),
            });
        }
        if !["GET", "PUT", "POST", "DELETE"].contains(&method) {
            problems.push(Problem {
                path: format!("expect[{i}].request.method"),
                message: format!("{method:?} is not a method the sandbox serves; use GET, PUT, POST or DELETE"),
            });
        }
        if !(100..600).contains(&expectation.status) {
            problems.push(Problem {
                path: format!("expect[{i}].status"),
                message: "not an HTTP status; use e.g. 200, 401, 403 or 422".into(),
            });
        }
    }
    problems
}
