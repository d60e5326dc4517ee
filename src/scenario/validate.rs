//! Checks a composed world before it is installed: unique ids and tokens, references that
//! resolve, and combinations the real product cannot be in. Every problem says how to fix it.

use super::format::{CompanyKindSpec, CompanySpec, IntegrationSpec, KeySpec, PersonSpec, World};
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
    /// Every pinned token seen so far, with the path it was first seen at.
    tokens: HashMap<String, String>,
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

    /// Records a pinned token, or reports it blank or already used.
    fn claim_token(&mut self, token: &str, collection: usize, index: usize, field: &str) {
        let path = self.path(collection, index, field);
        if token.trim().is_empty() {
            self.problems.push(Problem {
                path,
                message: "a pinned token cannot be blank; remove the field to have one generated".into(),
            });
        } else if let Some(first) = self.tokens.get(token) {
            let message = format!("this token is already used at {first}; every token must be unique");
            self.problems.push(Problem { path, message });
        } else {
            self.tokens.insert(token.to_owned(), path);
        }
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

/// The world's items by id, for the checks that follow references.
struct Index<'w> {
    world: &'w World,
    companies: HashMap<i64, &'w CompanySpec>,
    people: HashMap<i64, &'w PersonSpec>,
    integrations: HashMap<i64, &'w IntegrationSpec>,
    keys: HashMap<i64, &'w KeySpec>,
    /// (office, client) of every accountant relation.
    relations: HashSet<(i64, i64)>,
}

impl<'w> Index<'w> {
    fn of(world: &'w World) -> Self {
        Self {
            world,
            companies: world.companies.iter().map(|x| (x.id, x)).collect(),
            people: world.people.iter().map(|x| (x.id, x)).collect(),
            integrations: world.integrations.iter().map(|x| (x.id, x)).collect(),
            keys: world.keys.iter().map(|x| (x.id, x)).collect(),
            relations: world
                .accountant_relations
                .iter()
                .map(|r| (r.office_id, r.client_id))
                .collect(),
        }
    }
}

/// One check of a world: reads the index, reports into the checker.
type Check = fn(&mut Checker<'_>, &Index<'_>);

/// The checks, in the order their problems are listed (a token is "already used" at the first
/// place the checks meet it, so integrations' tokens come before keys').
const CHECKS: &[Check] = &[
    unique_ids,
    companies,
    relations,
    people,
    integration_tokens,
    keys,
    client_key_links,
    company_integrations,
];

pub fn world(world: &World, origins: &[(String, Counts)]) -> Vec<Problem> {
    let mut c = Checker {
        origins,
        problems: Vec::new(),
        tokens: HashMap::new(),
    };
    let index = Index::of(world);
    for check in CHECKS {
        check(&mut c, &index);
    }
    c.problems
}

fn unique_ids(c: &mut Checker<'_>, at: &Index<'_>) {
    let world = at.world;
    let collections: [(usize, &str, Vec<i64>); 4] = [
        (
            INTEGRATIONS,
            "integration",
            world.integrations.iter().map(|x| x.id).collect(),
        ),
        (COMPANIES, "company", world.companies.iter().map(|x| x.id).collect()),
        (PEOPLE, "person", world.people.iter().map(|x| x.id).collect()),
        (KEYS, "key", world.keys.iter().map(|x| x.id).collect()),
    ];
    for (collection, noun, ids) in collections {
        for (i, id) in duplicates(ids.into_iter()) {
            let message = format!("{noun} id {id} is used twice; give each {noun} its own id");
            c.report(collection, i, "id", message);
        }
    }
}

fn companies(c: &mut Checker<'_>, at: &Index<'_>) {
    for (i, company) in at.world.companies.iter().enumerate() {
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
}

/// A relation's end that must be a company of `kind` (`role` names it in the message).
fn relation_end(c: &mut Checker<'_>, at: &Index<'_>, i: usize, field: &str, id: i64, kind: CompanyKindSpec) {
    let (role, noun) = match kind {
        CompanyKindSpec::Office => ("an office", "office"),
        _ => ("a client", "client"),
    };
    match at.companies.get(&id) {
        None => c.report(
            RELATIONS,
            i,
            field,
            format!("no company has id {id}; name {role} from companies"),
        ),
        Some(company) if company.kind != kind => c.report(
            RELATIONS,
            i,
            field,
            format!("company {id} is not of kind \"{noun}\"; set its kind to {noun} or name another company"),
        ),
        Some(_) => {}
    }
}

fn relations(c: &mut Checker<'_>, at: &Index<'_>) {
    let mut clients_with_office = HashSet::new();
    for (i, relation) in at.world.accountant_relations.iter().enumerate() {
        relation_end(c, at, i, "officeId", relation.office_id, CompanyKindSpec::Office);
        relation_end(c, at, i, "clientId", relation.client_id, CompanyKindSpec::Client);
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
    }
}

fn people(c: &mut Checker<'_>, at: &Index<'_>) {
    for (i, person) in at.world.people.iter().enumerate() {
        if !at.companies.contains_key(&person.company_id) {
            c.report(
                PEOPLE,
                i,
                "companyId",
                format!("no company has id {}; name one from companies", person.company_id),
            );
        }
    }
}

fn integration_tokens(c: &mut Checker<'_>, at: &Index<'_>) {
    for (i, integration) in at.world.integrations.iter().enumerate() {
        if let Some(token) = &integration.consumer_token {
            c.claim_token(token, INTEGRATIONS, i, "consumerToken");
        }
    }
}

fn keys(c: &mut Checker<'_>, at: &Index<'_>) {
    for (i, key) in at.world.keys.iter().enumerate() {
        key_owner_and_origin(c, at, i, key);
        if let Some(token) = &key.token {
            c.claim_token(token, KEYS, i, "token");
        }
        if let Some(custom) = &key.custom {
            for (j, name) in custom.accesses.iter().enumerate() {
                check_entitlement(c, KEYS, i, &format!("custom.accesses[{j}]"), name);
            }
        }
        for (j, retired) in key.retired_tokens.iter().enumerate() {
            c.claim_token(&retired.token, KEYS, i, &format!("retiredTokens[{j}].token"));
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
}

/// A key's owner, its integration or custom setup, and whether an accountant key sits in an office.
fn key_owner_and_origin(c: &mut Checker<'_>, at: &Index<'_>, i: usize, key: &KeySpec) {
    let owner = at.people.get(&key.person_id);
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
        (None, Some(id)) if !at.integrations.contains_key(&id) => c.report(
            KEYS,
            i,
            "integrationId",
            format!("no integration has id {id}; name one from integrations"),
        ),
        _ => {}
    }
    if key.accountant_key {
        let office = owner.and_then(|p| at.companies.get(&p.company_id)).map(|co| co.kind);
        if office.is_some_and(|kind| kind != CompanyKindSpec::Office) {
            c.report(KEYS, i, "accountantKey", "«Regnskapskontorets brukernøkkel» exists only in accounting-office accounts; make the key on a person of an office company or set accountantKey to false".into());
        }
    }
}

fn client_key_links(c: &mut Checker<'_>, at: &Index<'_>) {
    let mut links = HashSet::new();
    for (i, link) in at.world.client_key_links.iter().enumerate() {
        let Some(key) = at.keys.get(&link.key_id) else {
            c.report(
                LINKS,
                i,
                "keyId",
                format!("no key has id {}; name an accounting-office key from keys", link.key_id),
            );
            continue;
        };
        link_ends(c, at, i, key, link.client_id);
        for (j, name) in link.accesses.iter().enumerate() {
            check_entitlement(c, LINKS, i, &format!("accesses[{j}]"), name);
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
}

/// A link's key must be an accounting-office key, and its client a client of the key's office.
fn link_ends(c: &mut Checker<'_>, at: &Index<'_>, i: usize, key: &KeySpec, client_id: i64) {
    if !key.accountant_key {
        c.report(
            LINKS,
            i,
            "keyId",
            format!(
                "key {} is not an accounting-office key; set accountantKey on it or link another key",
                key.id
            ),
        );
    }
    let office = at.people.get(&key.person_id).map(|p| p.company_id);
    if !at.companies.contains_key(&client_id) {
        c.report(
            LINKS,
            i,
            "clientId",
            format!("no company has id {client_id}; name a client from companies"),
        );
    } else if office.is_some_and(|office| !at.relations.contains(&(office, client_id))) {
        c.report(
            LINKS,
            i,
            "clientId",
            format!("company {client_id} is not a client of the key's office; add an accountantRelations entry first"),
        );
    }
}

fn company_integrations(c: &mut Checker<'_>, at: &Index<'_>) {
    for (i, added) in at.world.company_integrations.iter().enumerate() {
        if !at.companies.contains_key(&added.company_id) {
            c.report(
                ADDED,
                i,
                "companyId",
                format!("no company has id {}; name one from companies", added.company_id),
            );
        }
        if !at.integrations.contains_key(&added.integration_id) {
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
