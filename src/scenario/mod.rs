//! Scenario and fixture files: the embedded library, parsing with JSON-path errors, validation
//! of references and tokens, and installing a world into a store.

pub mod capture;
mod export;
pub mod format;
mod objects;
pub mod overrides;
mod problem;
mod seed;

pub use seed::template as seed_template;
mod validate;

pub use export::{export, export_state};

pub use format::{ScenarioFile, Settings, World};
pub use problem::Problem;

use crate::domain::entitlements::KeyAccesses;
use crate::domain::model::{
    AccountantRelation, Company, CompanyKind, Integration, Key, KeyState, Package, Person, UserType,
};
use crate::store::{Db, json_text};
use format::{CompanyKindSpec, KeyStateSpec, PackageSpec};
use jiff::Timestamp;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

/// The scenarios built into the binary, so `serve` works from any directory.
pub const EMBEDDED_SCENARIOS: &[(&str, &str)] = &[
    ("quickstart", include_str!("../../scenarios/quickstart.json")),
    (
        "integrations-not-activated",
        include_str!("../../scenarios/integrations-not-activated.json"),
    ),
    ("regenerated-key", include_str!("../../scenarios/regenerated-key.json")),
    (
        "custom-setup-mismatch",
        include_str!("../../scenarios/custom-setup-mismatch.json"),
    ),
    ("empty-office", include_str!("../../scenarios/empty-office.json")),
    (
        "office-several-clients",
        include_str!("../../scenarios/office-several-clients.json"),
    ),
    (
        "package-without-integrations",
        include_str!("../../scenarios/package-without-integrations.json"),
    ),
    (
        "missing-client-user-admin",
        include_str!("../../scenarios/missing-client-user-admin.json"),
    ),
    (
        "client-without-api-access",
        include_str!("../../scenarios/client-without-api-access.json"),
    ),
    (
        "office-without-admin-rights",
        include_str!("../../scenarios/office-without-admin-rights.json"),
    ),
    (
        "office-key-needs-regeneration",
        include_str!("../../scenarios/office-key-needs-regeneration.json"),
    ),
    (
        "owner-rights-reduced",
        include_str!("../../scenarios/owner-rights-reduced.json"),
    ),
    (
        "expired-and-deleted-sessions",
        include_str!("../../scenarios/expired-and-deleted-sessions.json"),
    ),
    (
        "flow-order-invoice-payment",
        include_str!("../../scenarios/flow-order-invoice-payment.json"),
    ),
    (
        "flow-credit-note",
        include_str!("../../scenarios/flow-credit-note.json"),
    ),
    (
        "flow-supplier-invoice-voucher",
        include_str!("../../scenarios/flow-supplier-invoice-voucher.json"),
    ),
    (
        "flow-travel-expense",
        include_str!("../../scenarios/flow-travel-expense.json"),
    ),
    ("flow-payroll", include_str!("../../scenarios/flow-payroll.json")),
    (
        "flow-eur-payment",
        include_str!("../../scenarios/flow-eur-payment.json"),
    ),
    (
        "flow-overdue-reminder",
        include_str!("../../scenarios/flow-overdue-reminder.json"),
    ),
    (
        "flow-supplier-invoice-payment",
        include_str!("../../scenarios/flow-supplier-invoice-payment.json"),
    ),
    (
        "flow-bank-reconciliation-csv",
        include_str!("../../scenarios/flow-bank-reconciliation-csv.json"),
    ),
    ("flow-year-end", include_str!("../../scenarios/flow-year-end.json")),
    (
        "flow-create-employee",
        include_str!("../../scenarios/flow-create-employee.json"),
    ),
    (
        "flow-create-supplier",
        include_str!("../../scenarios/flow-create-supplier.json"),
    ),
    (
        "flow-payment-existing-invoice",
        include_str!("../../scenarios/flow-payment-existing-invoice.json"),
    ),
    (
        "flow-project-basic",
        include_str!("../../scenarios/flow-project-basic.json"),
    ),
    (
        "flow-project-fixed-price",
        include_str!("../../scenarios/flow-project-fixed-price.json"),
    ),
    (
        "flow-correct-ledger-error",
        include_str!("../../scenarios/flow-correct-ledger-error.json"),
    ),
    (
        "flow-project-cost-analysis",
        include_str!("../../scenarios/flow-project-cost-analysis.json"),
    ),
    (
        "flow-balance-sheet-report",
        include_str!("../../scenarios/flow-balance-sheet-report.json"),
    ),
    ("flow-asset", include_str!("../../scenarios/flow-asset.json")),
    ("flow-month-end", include_str!("../../scenarios/flow-month-end.json")),
    (
        "flow-dimension-voucher",
        include_str!("../../scenarios/flow-dimension-voucher.json"),
    ),
    (
        "flow-receipt-voucher",
        include_str!("../../scenarios/flow-receipt-voucher.json"),
    ),
    (
        "flow-employee-from-contract",
        include_str!("../../scenarios/flow-employee-from-contract.json"),
    ),
    (
        "flow-project-lifecycle",
        include_str!("../../scenarios/flow-project-lifecycle.json"),
    ),
    (
        "flow-update-delete",
        include_str!("../../scenarios/flow-update-delete.json"),
    ),
    (
        "flow-project-timesheet-hours",
        include_str!("../../scenarios/flow-project-timesheet-hours.json"),
    ),
    (
        "flow-reverse-payment",
        include_str!("../../scenarios/flow-reverse-payment.json"),
    ),
    (
        "flow-create-departments",
        include_str!("../../scenarios/flow-create-departments.json"),
    ),
    (
        "flow-create-product",
        include_str!("../../scenarios/flow-create-product.json"),
    ),
    (
        "flow-invoice-mixed-vat",
        include_str!("../../scenarios/flow-invoice-mixed-vat.json"),
    ),
    (
        "flow-create-customer",
        include_str!("../../scenarios/flow-create-customer.json"),
    ),
    (
        "flow-enable-module",
        include_str!("../../scenarios/flow-enable-module.json"),
    ),
    (
        "flow-simple-invoice",
        include_str!("../../scenarios/flow-simple-invoice.json"),
    ),
];

/// The fixture files scenarios may compose from, by name.
pub const EMBEDDED_FIXTURES: &[(&str, &str)] = &[(
    "integration-catalog",
    include_str!("../../fixtures/integration-catalog.json"),
)];

pub const DEFAULT_SCENARIO: &str = "quickstart";

/// A scenario ready to install: its file and the world composed from fixtures plus its own.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: ScenarioFile,
    pub world: World,
}

impl Scenario {
    pub fn name(&self) -> &str {
        &self.file.name
    }
}

/// Why a scenario could not be used; each problem names the file, the JSON path and the fix.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.iter().map(|p| format!("{source_name}: {p}")).collect::<Vec<_>>().join("\n"))]
pub struct ScenarioError {
    pub source_name: String,
    pub problems: Vec<Problem>,
}

impl ScenarioError {
    fn one(source_name: &str, path: &str, message: String) -> Self {
        Self {
            source_name: source_name.to_owned(),
            problems: vec![Problem {
                path: path.to_owned(),
                message,
            }],
        }
    }
}

/// An embedded scenario by name, parsed once per process: making a sandbox need not parse and
/// validate its scenario again. None if no embedded scenario has the name.
pub fn embedded(name: &str) -> Option<Result<Arc<Scenario>, ScenarioError>> {
    static PARSED: OnceLock<Mutex<HashMap<&'static str, Arc<Scenario>>>> = OnceLock::new();
    let (name, text) = EMBEDDED_SCENARIOS.iter().find(|(n, _)| *n == name)?;
    let mut parsed = PARSED
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(scenario) = parsed.get(name) {
        return Some(Ok(scenario.clone()));
    }
    Some(parse(name, text).map(|scenario| {
        let scenario = Arc::new(scenario);
        parsed.insert(name, scenario.clone());
        scenario
    }))
}

/// Resolves `--scenario`: an embedded name, or else a path to a scenario file.
pub fn resolve(name_or_path: &str) -> Result<Scenario, ScenarioError> {
    if let Some((_, text)) = EMBEDDED_SCENARIOS.iter().find(|(name, _)| *name == name_or_path) {
        return parse(name_or_path, text);
    }
    let path = Path::new(name_or_path);
    match std::fs::read_to_string(path) {
        Ok(text) => parse(name_or_path, &text),
        Err(err) => Err(ScenarioError::one(
            name_or_path,
            "$",
            format!(
                "no embedded scenario has this name and it cannot be read as a file ({err}); embedded scenarios: {}",
                EMBEDDED_SCENARIOS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(source_name: &str, text: &str) -> Result<T, ScenarioError> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let hint = if inner.is_syntax() || inner.is_eof() {
            "; fix the JSON syntax at that line and column"
        } else {
            ""
        };
        ScenarioError::one(source_name, &path, format!("{inner}{hint}"))
    })
}

/// Parses and validates a scenario text; `source_name` names it in errors.
pub fn parse(source_name: &str, text: &str) -> Result<Scenario, ScenarioError> {
    let file: ScenarioFile = parse_json(source_name, text)?;
    let mut world = World::default();
    let mut origins = Vec::new();
    for (index, fixture) in file.fixtures.iter().enumerate() {
        let Some((_, fixture_text)) = EMBEDDED_FIXTURES.iter().find(|(name, _)| name == fixture) else {
            return Err(ScenarioError::one(
                source_name,
                &format!("fixtures[{index}]"),
                format!(
                    "unknown fixture {fixture:?}; use one of: {}",
                    EMBEDDED_FIXTURES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            ));
        };
        let piece: World = parse_json(&format!("fixtures/{fixture}.json"), fixture_text)?;
        origins.push((format!("fixtures/{fixture}.json:"), validate::Counts::of(&piece)));
        world.extend(piece);
    }
    origins.push(("world.".to_owned(), validate::Counts::of(&file.world)));
    world.extend(file.world.clone());
    let mut problems = validate::world(&world, &origins);
    problems.extend(validate::expectations(&file.expect, &world));
    problems.extend(objects::check(&file.objects, &world));
    problems.extend(overrides::check(&file.overrides, "overrides"));
    if !problems.is_empty() {
        return Err(ScenarioError {
            source_name: source_name.to_owned(),
            problems,
        });
    }
    Ok(Scenario { file, world })
}

fn company_kind(spec: CompanyKindSpec) -> CompanyKind {
    match spec {
        CompanyKindSpec::Office => CompanyKind::Office,
        CompanyKindSpec::Client => CompanyKind::Client,
        CompanyKindSpec::Standalone => CompanyKind::Standalone,
    }
}

pub(crate) fn package(spec: PackageSpec) -> Package {
    match spec {
        PackageSpec::Mikro => Package::Mikro,
        PackageSpec::Basis => Package::Basis,
        PackageSpec::Smart => Package::Smart,
        PackageSpec::Komplett => Package::Komplett,
        PackageSpec::AccountingOffice => Package::AccountingOffice,
    }
}

/// The highest id a scenario's objects section names, so ids generated after it is loaded are new.
pub fn highest_object_id(scenario: &Scenario) -> i64 {
    objects::highest_id(&scenario.file.objects)
}

/// The companies of a scenario's world.
pub fn company_ids(scenario: &Scenario) -> Vec<i64> {
    scenario.world.companies.iter().map(|c| c.id).collect()
}

/// Writes a validated world into an empty store, its seed objects aside (the store reads them from
/// the template of its companies, or has copied them in already). `new_token(id)` generates
/// unpinned tokens.
pub fn install(
    scenario: &Scenario,
    db: &Db<'_>,
    new_token: &mut dyn FnMut(i64) -> String,
    now: Timestamp,
) -> rusqlite::Result<()> {
    let world = &scenario.world;
    db.set_meta("scenario", scenario.name())?;
    db.set_meta("settings", &json_text(&scenario.file.settings))?;
    db.set_meta("description", &scenario.file.description)?;
    install_companies_and_people(world, db)?;
    install_relations(world, db)?;
    for spec in &world.integrations {
        let integration = Integration {
            id: spec.id,
            application_name: spec.application_name.clone(),
            consumer_token: spec.consumer_token.clone().unwrap_or_else(|| new_token(spec.id)),
            emails: spec.emails.clone(),
        };
        db.insert_integration(
            &integration,
            spec.in_catalog,
            spec.supports_accountant_keys,
            spec.may_create_employee_tokens,
        )?;
    }
    for spec in &world.keys {
        install_key(world, spec, db, new_token, now)?;
    }
    let company_ids = company_ids(scenario);
    seed::install_people(db, &company_ids)?;
    for spec in &world.company_integrations {
        db.add_company_integration(spec.company_id, spec.integration_id)?;
    }
    for spec in &world.client_key_links {
        db.insert_link(spec.key_id, spec.client_id, &json_text(&spec.accesses), spec.pending)?;
    }
    objects::install(&scenario.file.objects, db, now)
}

fn install_companies_and_people(world: &World, db: &Db<'_>) -> rusqlite::Result<()> {
    for spec in &world.companies {
        db.insert_company(&Company {
            id: spec.id,
            name: spec.name.clone(),
            organization_number: spec.organization_number.clone(),
            kind: company_kind(spec.kind),
            package: package(spec.package),
            integrations_enabled: spec.integrations_enabled,
            company_type: spec.company_type.clone(),
            email: spec.email.clone(),
        })?;
    }
    for spec in &world.people {
        let person = Person {
            id: spec.id,
            company_id: spec.company_id,
            first_name: spec.first_name.clone(),
            last_name: spec.last_name.clone(),
            email: spec.email.clone(),
            is_contact: spec.is_contact,
            is_proxy: false,
            user_type: spec.user_type,
            roles: spec.roles.clone(),
            entitlements: spec.entitlements.clone(),
            client_entitlements: spec.client_entitlements.clone(),
            version: 0,
            details: spec.details.clone(),
        };
        db.insert_person(&person, None)?;
    }
    Ok(())
}

/// The accountant relations, each office represented inside each of its clients by a proxy
/// employee record.
fn install_relations(world: &World, db: &Db<'_>) -> rusqlite::Result<()> {
    for spec in &world.accountant_relations {
        // A client has one office, so its proxy record's id follows from the client's.
        let proxy_id = spec.client_id * 10_000 + 9_900;
        db.insert_relation(&AccountantRelation {
            office_id: spec.office_id,
            client_id: spec.client_id,
            api_access: spec.api_access,
            office_is_admin: spec.office_is_admin,
        })?;
        let office_name = world
            .companies
            .iter()
            .find(|c| c.id == spec.office_id)
            .map_or("Regnskapskontor", |c| c.name.as_str());
        let proxy = Person {
            id: proxy_id,
            company_id: spec.client_id,
            first_name: office_name.to_owned(),
            last_name: "(regnskapsfører)".to_owned(),
            email: String::new(),
            is_contact: false,
            is_proxy: true,
            user_type: UserType::Extended,
            roles: Vec::new(),
            entitlements: Vec::new(),
            client_entitlements: Default::default(),
            version: 0,
            details: Default::default(),
        };
        db.insert_person(&proxy, Some(spec.office_id))?;
    }
    Ok(())
}

/// One key with its accesses, token and retired tokens.
fn install_key(
    world: &World,
    spec: &format::KeySpec,
    db: &Db<'_>,
    new_token: &mut dyn FnMut(i64) -> String,
    now: Timestamp,
) -> rusqlite::Result<()> {
    let owner_company = world
        .people
        .iter()
        .find(|p| p.id == spec.person_id)
        .map_or(0, |p| p.company_id);
    let application_name = match (&spec.custom, spec.integration_id) {
        (Some(custom), _) => custom.application_name.clone(),
        (None, Some(id)) => world
            .integrations
            .iter()
            .find(|i| i.id == id)
            .map(|i| i.application_name.clone())
            .unwrap_or_default(),
        (None, None) => String::new(),
    };
    let key = Key {
        id: spec.id,
        name: spec.name.clone(),
        person_id: spec.person_id,
        company_id: owner_company,
        application_name,
        accountant_key: spec.accountant_key,
        state: match spec.state {
            KeyStateSpec::Active => KeyState::Active,
            KeyStateSpec::Deleted => KeyState::Deleted,
        },
    };
    let accesses = spec.custom.as_ref().map_or(KeyAccesses::All, |c| {
        KeyAccesses::from_names(c.accesses.iter().map(String::as_str))
    });
    let token = spec.token.clone().unwrap_or_else(|| new_token(spec.id));
    db.insert_key(&key, spec.integration_id, &accesses, &token, now)?;
    for retired in &spec.retired_tokens {
        let at = retired.retired_at.parse().unwrap_or(now);
        db.insert_retired_token(&retired.token, spec.id, at)?;
    }
    Ok(())
}
