//! Queries behind the control plane: people and their access, subscriptions, the integration
//! catalog, keys (create, regenerate, delete) and office-key links to clients.

use crate::domain::entitlements::{AccessFacts, KeyAccesses, LinkFacts};
use crate::domain::events::Verb;
use crate::domain::kind::Kind;
use crate::domain::model::{Integration, Key, Package, Person};
use crate::store::db::Db;
use crate::store::rows::{
    accesses_from, json_text, key_from, link_grants_from, person_columns, person_from, user_type_from, user_type_text,
};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

/// A catalog integration with its flags.
#[derive(Debug, Clone)]
pub struct IntegrationRow {
    pub integration: Integration,
    pub in_catalog: bool,
    pub supports_accountant_keys: bool,
    pub may_create_employee_tokens: bool,
}

/// A key as the API-tilgang tab shows it (never with its token).
#[derive(Debug, Clone)]
pub struct KeyRow {
    pub key: Key,
    pub integration_id: Option<i64>,
    pub accesses: KeyAccesses,
    pub created_at: String,
    pub regenerated_at: Option<String>,
}

/// An office key active on a client, as Klient > Tilganger filtered on API keys shows it.
#[derive(Debug, Clone)]
pub struct ClientLinkRow {
    pub key: Key,
    pub accesses: Vec<String>,
    /// Linked, but not effective for the key's current token (see the link snapshot setting).
    pub pending: bool,
}

macro_rules! key_row_sql_with_token {
    () => {
        "SELECT k.id, k.name, k.person_id, k.company_id, k.application_name, k.accountant_key, k.state, k.integration_id, k.accesses, k.created_at, k.regenerated_at, k.token FROM keys k"
    };
}

macro_rules! key_row_sql {
    () => {
        "SELECT k.id, k.name, k.person_id, k.company_id, k.application_name, k.accountant_key, k.state, k.integration_id, k.accesses, k.created_at, k.regenerated_at FROM keys k"
    };
}

impl Db<'_> {
    /// The people of a company (employees and contacts, not proxy records), by id.
    pub fn people_of(&self, company_id: i64) -> rusqlite::Result<Vec<Person>> {
        let mut statement = self.conn().prepare_cached(concat!(
            "SELECT ",
            person_columns!(),
            " FROM people p WHERE p.company_id = ?1 AND p.is_proxy = 0 ORDER BY p.id"
        ))?;
        let rows = statement.query_map([company_id], |r| person_from(r, 0))?;
        rows.collect()
    }

    pub fn set_subscription(&self, company_id: i64, package: Package, enabled: bool) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached("UPDATE companies SET package = ?2, integrations_enabled = ?3 WHERE id = ?1")?
            .execute(params![company_id, package.as_str(), enabled])
            .map(drop)
    }

    pub fn integrations(&self) -> rusqlite::Result<Vec<IntegrationRow>> {
        let mut statement = self.conn().prepare_cached(
            "SELECT id, application_name, consumer_token, emails, in_catalog, supports_accountant_keys, may_create_employee_tokens
             FROM integrations ORDER BY id",
        )?;
        let rows = statement.query_map([], |r| {
            Ok(IntegrationRow {
                integration: Integration {
                    id: r.get(0)?,
                    application_name: r.get(1)?,
                    consumer_token: r.get(2)?,
                    emails: r.get(3)?,
                },
                in_catalog: r.get(4)?,
                supports_accountant_keys: r.get(5)?,
                may_create_employee_tokens: r.get(6)?,
            })
        })?;
        rows.collect()
    }

    pub fn add_company_integration(&self, company_id: i64, integration_id: i64) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached("INSERT OR IGNORE INTO company_integrations(company_id, integration_id) VALUES (?1, ?2)")?
            .execute([company_id, integration_id])?;
        Ok(())
    }

    pub fn company_integrations(&self, company_id: i64) -> rusqlite::Result<Vec<i64>> {
        let mut statement = self.conn().prepare_cached(
            "SELECT integration_id FROM company_integrations WHERE company_id = ?1 ORDER BY integration_id",
        )?;
        let rows = statement.query_map([company_id], |r| r.get(0))?;
        rows.collect()
    }

    /// Replaces a person's user type, roles, entitlements and client entitlements.
    pub fn update_person_access(&self, person: &Person) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE people SET user_type = ?2, roles = ?3, entitlements = ?4, client_entitlements = ?5 WHERE id = ?1",
            )?
            .execute(params![
                person.id,
                user_type_text(person.user_type),
                json_text(&person.roles),
                json_text(&person.entitlements),
                json_text(&person.client_entitlements),
            ])
            .map(drop)
    }

    fn key_row_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRow> {
        let accesses: String = r.get(8)?;
        let key = key_from(r, 0)?;
        Ok(KeyRow {
            accesses: accesses_from(key.id, &accesses),
            key,
            integration_id: r.get(7)?,
            created_at: r.get(9)?,
            regenerated_at: r.get(10)?,
        })
    }

    pub fn key_row(&self, key_id: i64) -> rusqlite::Result<Option<KeyRow>> {
        self.conn()
            .prepare_cached(concat!(key_row_sql!(), " WHERE k.id = ?1"))?
            .query_row([key_id], Self::key_row_from)
            .optional()
    }

    pub fn keys_of_person(&self, person_id: i64) -> rusqlite::Result<Vec<KeyRow>> {
        let mut statement = self.conn().prepare_cached(concat!(
            key_row_sql!(),
            " WHERE k.person_id = ?1 AND k.state = 'active' ORDER BY k.id"
        ))?;
        let rows = statement.query_map([person_id], Self::key_row_from)?;
        rows.collect()
    }

    pub fn key_token(&self, key_id: i64) -> rusqlite::Result<Option<String>> {
        self.conn()
            .prepare_cached("SELECT token FROM keys WHERE id = ?1")?
            .query_row([key_id], |r| r.get(0))
            .optional()
    }

    /// «Gjenopprett nøkkel»: a new token for the same key; the old one is retired, and every
    /// client link takes effect for the new token.
    pub fn regenerate_key(&self, key_id: i64, new_token: &str, now: Timestamp) -> rusqlite::Result<()> {
        let conn = self.conn();
        conn.prepare_cached(
            "INSERT INTO retired_tokens(token, key_id, retired_at) SELECT token, id, ?2 FROM keys WHERE id = ?1",
        )?
        .execute(params![key_id, now.to_string()])?;
        conn.prepare_cached("UPDATE keys SET token = ?2, regenerated_at = ?3 WHERE id = ?1")?
            .execute(params![key_id, new_token, now.to_string()])?;
        conn.prepare_cached("UPDATE client_key_links SET pending = 0 WHERE key_id = ?1")?
            .execute([key_id])?;
        Ok(())
    }

    pub fn delete_key(&self, key_id: i64) -> rusqlite::Result<bool> {
        let changed = self
            .conn()
            .prepare_cached("UPDATE keys SET state = 'deleted' WHERE id = ?1 AND state = 'active'")?
            .execute([key_id])?;
        Ok(changed == 1)
    }

    pub fn update_relation(&self, client_id: i64, api_access: bool, office_is_admin: bool) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached(
                "UPDATE accountant_relations SET api_access = ?2, office_is_admin = ?3 WHERE client_id = ?1",
            )?
            .execute(params![client_id, api_access, office_is_admin])?;
        Ok(())
    }

    /// The office relation of a client, if it has one.
    pub fn relation_of_client(
        &self,
        client_id: i64,
    ) -> rusqlite::Result<Option<crate::domain::model::AccountantRelation>> {
        self.conn()
            .prepare_cached(
                "SELECT office_id, client_id, api_access, office_is_admin FROM accountant_relations WHERE client_id = ?1",
            )?
            .query_row([client_id], |r| {
                Ok(crate::domain::model::AccountantRelation {
                    office_id: r.get(0)?,
                    client_id: r.get(1)?,
                    api_access: r.get(2)?,
                    office_is_admin: r.get(3)?,
                })
            })
            .optional()
    }

    pub fn delete_link(&self, key_id: i64, client_id: i64) -> rusqlite::Result<bool> {
        let changed = self
            .conn()
            .prepare_cached("DELETE FROM client_key_links WHERE key_id = ?1 AND client_id = ?2")?
            .execute([key_id, client_id])?;
        Ok(changed == 1)
    }

    /// The office keys linked to a client, with their accesses there.
    pub fn client_links(&self, client_id: i64) -> rusqlite::Result<Vec<ClientLinkRow>> {
        let mut statement = self.conn().prepare_cached(
            "SELECT k.id, k.name, k.person_id, k.company_id, k.application_name, k.accountant_key, k.state, l.accesses, l.pending
             FROM client_key_links l JOIN keys k ON k.id = l.key_id
             WHERE l.client_id = ?1 AND k.state = 'active' ORDER BY k.id",
        )?;
        let rows = statement.query_map([client_id], |r| {
            let accesses: String = r.get(7)?;
            Ok(ClientLinkRow {
                key: key_from(r, 0)?,
                accesses: serde_json::from_str(&accesses).unwrap_or_default(),
                pending: r.get(8)?,
            })
        })?;
        rows.collect()
    }

    /// The accesses of one link, if the key is linked (effective or not) to the client.
    pub fn link_accesses(&self, key_id: i64, client_id: i64) -> rusqlite::Result<Option<Vec<String>>> {
        let text: Option<String> = self
            .conn()
            .prepare_cached("SELECT accesses FROM client_key_links WHERE key_id = ?1 AND client_id = ?2")?
            .query_row([key_id, client_id], |r| r.get(0))
            .optional()?;
        Ok(text.map(|t| serde_json::from_str(&t).unwrap_or_default()))
    }

    /// Everything the effective access of a key in `company_id` depends on, in one statement:
    /// the key's accesses, its owner's user type and entitlements, and its link to that company.
    pub fn access_facts(&self, key_id: i64, company_id: i64) -> rusqlite::Result<Option<AccessFacts>> {
        self.conn()
            .prepare_cached(
                "SELECT k.accesses, k.company_id, k.accountant_key, p.user_type, p.entitlements, p.client_entitlements,
                        l.accesses, l.pending, r.api_access
                 FROM keys k JOIN people p ON p.id = k.person_id
                 LEFT JOIN client_key_links l ON l.key_id = k.id AND l.client_id = ?2
                 LEFT JOIN accountant_relations r ON r.office_id = k.company_id AND r.client_id = ?2
                 WHERE k.id = ?1",
            )?
            .query_row(params![key_id, company_id], |r| {
                let accesses: String = r.get(0)?;
                let user_type: String = r.get(3)?;
                let entitlements: String = r.get(4)?;
                let client_entitlements: String = r.get(5)?;
                let link: Option<String> = r.get(6)?;
                let mut clients: std::collections::BTreeMap<i64, Vec<String>> =
                    serde_json::from_str(&client_entitlements).unwrap_or_default();
                Ok(AccessFacts {
                    key: accesses_from(key_id, &accesses),
                    key_company_id: r.get(1)?,
                    accountant_key: r.get(2)?,
                    company_id,
                    // An unreadable user type or entitlement list grants nothing.
                    owner_user_type: user_type_from(&user_type).unwrap_or(crate::domain::model::UserType::NoAccess),
                    owner_entitlements: serde_json::from_str(&entitlements).unwrap_or_default(),
                    owner_client_entitlements: clients.remove(&company_id).unwrap_or_default(),
                    link: match link {
                        Some(text) => Some(LinkFacts {
                            accesses: link_grants_from(&text),
                            pending: r.get(7)?,
                        }),
                        None => None,
                    },
                    client_consents: r.get::<_, Option<bool>>(8)?.unwrap_or(false),
                })
            })
            .optional()
    }
}

/// Every row of one world, as stored, for exporting it.
#[derive(Debug, Clone, Default)]
pub struct WorldRows {
    pub people: Vec<Person>,
    pub keys: Vec<(KeyRow, String)>,
    pub retired_tokens: Vec<(i64, String, String)>,
    pub links: Vec<(i64, i64, Vec<String>, bool)>,
    pub company_integrations: Vec<(i64, i64)>,
}

impl Db<'_> {
    /// People, keys with tokens, retired tokens, links and added integrations, in id order.
    pub fn world_rows(&self) -> rusqlite::Result<WorldRows> {
        let conn = self.conn();
        let mut people = conn.prepare_cached(concat!(
            "SELECT ",
            person_columns!(),
            " FROM people p WHERE p.is_proxy = 0 ORDER BY p.id"
        ))?;
        let people = people.query_map([], |r| person_from(r, 0))?.collect::<Result<_, _>>()?;
        let mut keys = conn.prepare_cached(concat!(key_row_sql_with_token!(), " ORDER BY k.id"))?;
        let keys = keys
            .query_map([], |r| Ok((Self::key_row_from(r)?, r.get(11)?)))?
            .collect::<Result<_, _>>()?;
        let mut retired =
            conn.prepare_cached("SELECT key_id, token, retired_at FROM retired_tokens ORDER BY retired_at, token")?;
        let retired_tokens = retired
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        let mut links = conn.prepare_cached(
            "SELECT key_id, client_id, accesses, pending FROM client_key_links ORDER BY key_id, client_id",
        )?;
        let links = links
            .query_map([], |r| {
                let accesses: String = r.get(2)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    serde_json::from_str(&accesses).unwrap_or_default(),
                    r.get(3)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut added = conn.prepare_cached(
            "SELECT company_id, integration_id FROM company_integrations ORDER BY company_id, integration_id",
        )?;
        let company_integrations = added
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(WorldRows {
            people,
            keys,
            retired_tokens,
            links,
            company_integrations,
        })
    }

    /// Removes the whole world (and its sessions) so another can be installed.
    pub fn clear_world(&self) -> rusqlite::Result<()> {
        self.clear_sessions()?;
        self.conn().execute_batch(
            "DELETE FROM objects; DELETE FROM objects_shadowed; DELETE FROM company_modules; DELETE FROM client_key_links; DELETE FROM retired_tokens; DELETE FROM keys;
             DELETE FROM company_integrations; DELETE FROM integrations; DELETE FROM people;
             DELETE FROM accountant_relations; DELETE FROM companies; DELETE FROM meta;",
        )?;
        Ok(())
    }
}

impl Db<'_> {
    /// Saves an employee's own details (names, e-mail, user type, the other fields the API
    /// wrote) and its new version.
    pub fn update_person_details(&self, person: &Person) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached("UPDATE people SET first_name = ?2, last_name = ?3, email = ?4, user_type = ?5, version = ?6, details = ?7 WHERE id = ?1")?
            .execute(params![
                person.id,
                person.first_name,
                person.last_name,
                person.email,
                user_type_text(person.user_type),
                person.version,
                json_text(&person.details),
            ])?;
        self.object_written(Kind::Employee.path(), person.company_id, person.id, Verb::Update)
    }

    /// True if another person of the company already has this e-mail address.
    pub fn email_taken(&self, company_id: i64, email: &str, except: i64) -> rusqlite::Result<bool> {
        self.conn()
            .prepare_cached(
                "SELECT 1 FROM people WHERE company_id = ?1 AND lower(email) = lower(?2) AND id != ?3 AND email != ''",
            )?
            .exists(params![company_id, email, except])
    }
}

impl Db<'_> {
    /// Sales modules a company added beyond its package, with their cost start dates.
    pub fn company_modules(&self, company_id: i64) -> rusqlite::Result<Vec<(String, String)>> {
        let mut statement = self
            .conn()
            .prepare_cached("SELECT name, cost_start_date FROM company_modules WHERE company_id = ?1 ORDER BY name")?;
        let rows = statement.query_map([company_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }

    pub fn add_company_module(&self, company_id: i64, name: &str, cost_start_date: &str) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached(
                "INSERT INTO company_modules(company_id, name, cost_start_date) VALUES (?1, ?2, ?3)
                 ON CONFLICT(company_id, name) DO UPDATE SET cost_start_date = excluded.cost_start_date",
            )?
            .execute(params![company_id, name, cost_start_date])?;
        Ok(())
    }

    /// Saves the details PUT /company may change.
    pub fn update_company_details(&self, company: &crate::domain::model::Company) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached("UPDATE companies SET name = ?2, organization_number = ?3, email = ?4 WHERE id = ?1")?
            .execute(params![
                company.id,
                company.name,
                company.organization_number,
                company.email
            ])
            .map(drop)
    }
}
