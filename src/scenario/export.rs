//! Exporting a stored world back into the scenario format, so `GET /_sandbox/state` followed by
//! `PUT /_sandbox/state` gives the same world.

use super::format::{
    CompanyIntegrationSpec, CompanyKindSpec, CompanySpec, CustomSetupSpec, IntegrationSpec, KeySpec, KeyStateSpec,
    LinkSpec, PackageSpec, PersonSpec, RelationSpec, RetiredTokenSpec, ScenarioFile, Settings, World,
};
use crate::domain::entitlements::KeyAccesses;
use crate::domain::model::{CompanyKind, KeyState, Package, Person};
use crate::store::{CompanyRow, Db, KeyRow, SeedAtHand, Store, StoreError};
use jiff::Timestamp;

fn kind(kind: CompanyKind) -> CompanyKindSpec {
    match kind {
        CompanyKind::Office => CompanyKindSpec::Office,
        CompanyKind::Client => CompanyKindSpec::Client,
        CompanyKind::Standalone => CompanyKindSpec::Standalone,
    }
}

fn package(package: Package) -> PackageSpec {
    match package {
        Package::Mikro => PackageSpec::Mikro,
        Package::Basis => PackageSpec::Basis,
        Package::Smart => PackageSpec::Smart,
        Package::Komplett => PackageSpec::Komplett,
        Package::AccountingOffice => PackageSpec::AccountingOffice,
    }
}

/// The whole world of a store in the scenario format, its data objects as they differ from the
/// seed of its companies (a file's compared with a seed made `now`); sessions are not part of it.
pub fn export_state(store: &Store, now: Timestamp) -> Result<ScenarioFile, StoreError> {
    let fresh = match store.keeps_seed_objects() {
        true => {
            let companies = store.with(|db| db.companies())?;
            let ids: Vec<i64> = companies.iter().map(|row| row.company.id).collect();
            Some(super::seed_template(&ids, now)?)
        }
        false => None,
    };
    Ok(store.with_seed(fresh.as_deref(), export)?)
}

fn company_spec(row: CompanyRow) -> CompanySpec {
    CompanySpec {
        id: row.company.id,
        name: row.company.name,
        organization_number: row.company.organization_number,
        kind: kind(row.company.kind),
        package: package(row.company.package),
        integrations_enabled: row.company.integrations_enabled,
        company_type: row.company.company_type,
        email: row.company.email,
    }
}

fn person_spec(p: Person) -> PersonSpec {
    PersonSpec {
        id: p.id,
        company_id: p.company_id,
        first_name: p.first_name,
        last_name: p.last_name,
        email: p.email,
        is_contact: p.is_contact,
        user_type: p.user_type,
        roles: p.roles,
        entitlements: p.entitlements,
        client_entitlements: p.client_entitlements,
        details: p.details,
    }
}

/// A key as the scenario format writes it: its integration, or its custom setup with its
/// accesses; `retired` holds every key's retired tokens as (key id, token, time).
fn key_spec(row: KeyRow, token: String, retired: &[(i64, String, String)]) -> KeySpec {
    let custom = match (&row.integration_id, row.accesses) {
        (Some(_), _) => None,
        (None, KeyAccesses::Only(grants)) => Some(CustomSetupSpec {
            application_name: row.key.application_name.clone(),
            accesses: grants.iter().map(|g| g.name().to_owned()).collect(),
        }),
        (None, KeyAccesses::All) => Some(CustomSetupSpec {
            application_name: row.key.application_name.clone(),
            accesses: vec!["ALL_PRIVILEGES".to_owned()],
        }),
    };
    KeySpec {
        id: row.key.id,
        name: row.key.name,
        person_id: row.key.person_id,
        integration_id: row.integration_id,
        custom,
        accountant_key: row.key.accountant_key,
        token: Some(token),
        state: match row.key.state {
            KeyState::Active => KeyStateSpec::Active,
            KeyState::Deleted => KeyStateSpec::Deleted,
        },
        retired_tokens: retired
            .iter()
            .filter(|(key_id, _, _)| *key_id == row.key.id)
            .map(|(_, token, at)| RetiredTokenSpec {
                token: token.clone(),
                retired_at: at.clone(),
            })
            .collect(),
    }
}

/// The whole world of a store in the scenario format, its data objects as they differ from
/// `seed` (sessions are not part of a world).
pub fn export(db: &Db<'_>, seed: SeedAtHand) -> rusqlite::Result<ScenarioFile> {
    let companies = db.companies()?;
    let rows = db.world_rows()?;
    let world = World {
        integrations: db
            .integrations()?
            .into_iter()
            .map(|r| IntegrationSpec {
                id: r.integration.id,
                application_name: r.integration.application_name,
                consumer_token: Some(r.integration.consumer_token),
                emails: r.integration.emails,
                in_catalog: r.in_catalog,
                supports_accountant_keys: r.supports_accountant_keys,
                may_create_employee_tokens: r.may_create_employee_tokens,
            })
            .collect(),
        accountant_relations: companies
            .iter()
            .filter_map(|c| c.relation)
            .map(|r| RelationSpec {
                office_id: r.office_id,
                client_id: r.client_id,
                api_access: r.api_access,
                office_is_admin: r.office_is_admin,
            })
            .collect(),
        companies: companies.into_iter().map(company_spec).collect(),
        people: rows.people.into_iter().map(person_spec).collect(),
        keys: rows
            .keys
            .into_iter()
            .map(|(row, token)| key_spec(row, token, &rows.retired_tokens))
            .collect(),
        client_key_links: rows
            .links
            .into_iter()
            .map(|(key_id, client_id, accesses, pending)| LinkSpec {
                key_id,
                client_id,
                accesses,
                pending,
            })
            .collect(),
        company_integrations: rows
            .company_integrations
            .into_iter()
            .map(|(company_id, integration_id)| CompanyIntegrationSpec {
                company_id,
                integration_id,
            })
            .collect(),
    };
    let settings: Settings = db
        .meta("settings")?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    Ok(ScenarioFile {
        name: db.meta("scenario")?.unwrap_or_default(),
        description: db.meta("description")?.unwrap_or_default(),
        fixtures: Vec::new(),
        settings,
        world,
        objects: super::objects::export(db, seed)?,
        // Overrides are the sandbox's, like its faults, not the world's: an export leaves them out.
        overrides: Vec::new(),
        expect: Vec::new(),
    })
}
