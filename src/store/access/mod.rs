//! The access model's rows: companies and their office relations, people, the integration
//! catalog, keys, retired tokens, client links, and the credentials listed from them. The
//! control plane's queries over the same rows are in `admin`.

mod admin;

pub use admin::{ClientLinkRow, IntegrationRow, KeyRow, WorldRows};

use super::db::Db;
use super::rows::{
    CompanyRow, CredentialRow, accesses_text, company_columns, company_from, integration_columns, integration_from,
    json_text, key_columns, key_from, person_columns, person_from, relation_from, timestamp, user_type_text,
};
use crate::domain::events::Verb;
use crate::domain::kind::Kind;
use crate::domain::model::{AccountantRelation, Company, EmployeeTokenLookup, Integration, Key, KeyState, Person};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

impl Db<'_> {
    pub fn integration_by_consumer_token(&self, token: &str) -> rusqlite::Result<Option<Integration>> {
        let sql = concat!(
            "SELECT ",
            integration_columns!(),
            " FROM integrations i WHERE i.consumer_token = ?1"
        );
        self.conn
            .prepare_cached(sql)?
            .query_row([token], |r| integration_from(r, 0))
            .optional()
    }

    pub fn integration(&self, id: i64) -> rusqlite::Result<Option<Integration>> {
        let sql = concat!(
            "SELECT ",
            integration_columns!(),
            " FROM integrations i WHERE i.id = ?1"
        );
        self.conn
            .prepare_cached(sql)?
            .query_row([id], |r| integration_from(r, 0))
            .optional()
    }

    pub fn employee_token(&self, token: &str) -> rusqlite::Result<EmployeeTokenLookup> {
        let sql = concat!("SELECT ", key_columns!(), " FROM keys k WHERE k.token = ?1");
        if let Some(key) = self
            .conn
            .prepare_cached(sql)?
            .query_row([token], |r| key_from(r, 0))
            .optional()?
        {
            return Ok(EmployeeTokenLookup::Current(key));
        }
        let sql = concat!(
            "SELECT ",
            key_columns!(),
            ", t.retired_at FROM retired_tokens t JOIN keys k ON k.id = t.key_id WHERE t.token = ?1"
        );
        let retired = self
            .conn
            .prepare_cached(sql)?
            .query_row([token], |r| {
                let at: String = r.get(7)?;
                Ok((key_from(r, 0)?, timestamp(&at, 7)?))
            })
            .optional()?;
        Ok(match retired {
            Some((key, regenerated_at)) => EmployeeTokenLookup::Superseded { key, regenerated_at },
            None => EmployeeTokenLookup::Unknown,
        })
    }

    pub fn company(&self, id: i64) -> rusqlite::Result<Option<Company>> {
        let sql = concat!("SELECT ", company_columns!(), " FROM companies c WHERE c.id = ?1");
        self.conn
            .prepare_cached(sql)?
            .query_row([id], |r| company_from(r, 0))
            .optional()
    }

    /// Every company with its office relation (a client has at most one office).
    pub fn companies(&self) -> rusqlite::Result<Vec<CompanyRow>> {
        let sql = concat!(
            "SELECT ",
            company_columns!(),
            ", r.office_id, r.client_id, r.api_access, r.office_is_admin
             FROM companies c LEFT JOIN accountant_relations r ON r.client_id = c.id ORDER BY c.id"
        );
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map([], |r| {
            Ok(CompanyRow {
                company: company_from(r, 0)?,
                relation: relation_from(r, 8)?,
            })
        })?;
        rows.collect()
    }

    /// What the session rules need to judge a request to act in `company_id`, in one statement:
    /// the company, its relation to the key's company as office, and whether the key is linked.
    pub fn requested_company(
        &self,
        key_company_id: i64,
        key_id: i64,
        company_id: i64,
    ) -> rusqlite::Result<crate::domain::rules::RequestedCompany> {
        let sql = concat!(
            "SELECT ",
            company_columns!(),
            ", r.office_id, r.client_id, r.api_access, r.office_is_admin, l.key_id, l.pending
             FROM (SELECT ?3 AS id) q
             LEFT JOIN companies c ON c.id = q.id
             LEFT JOIN accountant_relations r ON r.office_id = ?1 AND r.client_id = q.id
             LEFT JOIN client_key_links l ON l.key_id = ?2 AND l.client_id = q.id"
        );
        self.conn
            .prepare_cached(sql)?
            .query_row(params![key_company_id, key_id, company_id], |r| {
                let found: Option<i64> = r.get(0)?;
                let linked: Option<i64> = r.get(12)?;
                let pending: bool = r.get::<_, Option<bool>>(13)?.unwrap_or(false);
                Ok(crate::domain::rules::RequestedCompany {
                    id: company_id,
                    company: found.map(|_| company_from(r, 0)).transpose()?,
                    relation: relation_from(r, 8)?,
                    key_linked: linked.is_some() && !pending,
                    key_link_pending: linked.is_some() && pending,
                })
            })
    }

    pub fn relation(&self, office_id: i64, client_id: i64) -> rusqlite::Result<Option<AccountantRelation>> {
        self.conn
            .prepare_cached(
                "SELECT office_id, client_id, api_access, office_is_admin FROM accountant_relations
                 WHERE office_id = ?1 AND client_id = ?2",
            )?
            .query_row([office_id, client_id], |r| relation_from(r, 0))
            .optional()
            .map(Option::flatten)
    }

    /// The clients a key can log into: linked to the key, related to its office, and consenting («API-tilgang»).
    pub fn login_clients(&self, key: &Key) -> rusqlite::Result<Vec<Company>> {
        let sql = concat!(
            "SELECT ",
            company_columns!(),
            " FROM client_key_links l
             JOIN accountant_relations r ON r.client_id = l.client_id AND r.office_id = ?2 AND r.api_access = 1
             JOIN companies c ON c.id = l.client_id
             WHERE l.key_id = ?1 AND l.pending = 0 ORDER BY c.id"
        );
        let mut statement = self.conn.prepare_cached(sql)?;
        let rows = statement.query_map([key.id, key.company_id], |r| company_from(r, 0))?;
        rows.collect()
    }

    pub fn person(&self, id: i64) -> rusqlite::Result<Option<Person>> {
        let sql = concat!("SELECT ", person_columns!(), " FROM people p WHERE p.id = ?1");
        self.conn
            .prepare_cached(sql)?
            .query_row([id], |r| person_from(r, 0))
            .optional()
    }

    /// The record that stands for an accounting office inside one of its clients.
    pub fn proxy_person(&self, client_id: i64, office_id: i64) -> rusqlite::Result<Option<Person>> {
        let sql = concat!(
            "SELECT ",
            person_columns!(),
            " FROM people p WHERE p.company_id = ?1 AND p.proxy_for_office = ?2 AND p.is_proxy = 1"
        );
        self.conn
            .prepare_cached(sql)?
            .query_row([client_id, office_id], |r| person_from(r, 0))
            .optional()
    }

    /// The id of the record that stands for an accounting office inside one of its clients
    /// (remembered: every whoAmI of an office acting as a client asks).
    pub fn proxy_person_id(&self, client_id: i64, office_id: i64) -> rusqlite::Result<Option<i64>> {
        if let Some(known) = self.remembered().and_then(|r| r.proxy(client_id, office_id)) {
            return Ok(known);
        }
        let found = self
            .conn
            .prepare_cached(
                "SELECT p.id FROM people p WHERE p.company_id = ?1 AND p.proxy_for_office = ?2 AND p.is_proxy = 1",
            )?
            .query_row([client_id, office_id], |r| r.get(0))
            .optional()?;
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_proxy(self.conn, client_id, office_id, found);
        }
        Ok(found)
    }

    /// Every active key with its token, owner, company, (if registered) integration and, for an
    /// office key, its clients. Remembered until the access world changes, and carried into a
    /// copy of the store: every sandbox made from a scenario starts with its template's keys.
    pub fn credentials(&self) -> rusqlite::Result<std::sync::Arc<[CredentialRow]>> {
        if let Some(known) = self.remembered().and_then(|r| r.credentials()) {
            return Ok(known);
        }
        let rows: std::sync::Arc<[CredentialRow]> = self.read_credentials()?.into();
        if let Some(mut remembered) = self.remembered() {
            remembered.remember_credentials(self.conn, rows.clone());
        }
        Ok(rows)
    }

    fn read_credentials(&self) -> rusqlite::Result<Vec<CredentialRow>> {
        let sql = concat!(
            "SELECT ",
            key_columns!(),
            ", k.token, ",
            person_columns!(),
            ", ",
            company_columns!(),
            ", ",
            integration_columns!(),
            "
             FROM keys k
             JOIN people p ON p.id = k.person_id
             JOIN companies c ON c.id = k.company_id
             LEFT JOIN integrations i ON i.id = COALESCE(k.integration_id,
                 (SELECT MIN(id) FROM integrations WHERE application_name = k.application_name))
             WHERE k.state = 'active' ORDER BY k.id"
        );
        // Asked for when a sandbox is made and seldom after: not worth a place in its statement cache.
        let mut statement = self.conn.prepare(sql)?;
        let rows = statement.query_map([], |r| {
            let integration_id: Option<i64> = r.get(29)?;
            Ok(CredentialRow {
                key: key_from(r, 0)?,
                token: r.get(7)?,
                person: person_from(r, 8)?,
                company: company_from(r, 21)?,
                integration: integration_id.map(|_| integration_from(r, 29)).transpose()?,
                clients: Vec::new(),
            })
        })?;
        let mut rows = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        for row in rows.iter_mut().filter(|row| row.key.accountant_key) {
            row.clients = self.login_clients(&row.key)?.iter().map(|c| c.id).collect();
        }
        Ok(rows)
    }

    pub fn insert_company(&self, company: &Company) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO companies(id, name, organization_number, kind, package, integrations_enabled, company_type, email)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                company.id,
                company.name,
                company.organization_number,
                company.kind.as_str(),
                company.package.as_str(),
                company.integrations_enabled,
                company.company_type,
                company.email,
            ])
            .map(drop)
    }

    pub fn insert_relation(&self, relation: &AccountantRelation) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO accountant_relations(office_id, client_id, api_access, office_is_admin) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![relation.office_id, relation.client_id, relation.api_access, relation.office_is_admin])?;
        Ok(())
    }

    /// Stores a person; `proxy_for_office` is set for the record standing for an office in a client.
    pub fn insert_person(&self, person: &Person, proxy_for_office: Option<i64>) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO people(id, company_id, first_name, last_name, email, is_contact, is_proxy, proxy_for_office, user_type, roles, entitlements, client_entitlements, details)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                person.id,
                person.company_id,
                person.first_name,
                person.last_name,
                person.email,
                person.is_contact,
                person.is_proxy,
                proxy_for_office,
                user_type_text(person.user_type),
                json_text(&person.roles),
                json_text(&person.entitlements),
                json_text(&person.client_entitlements),
                json_text(&person.details),
            ])?;
        if !person.is_proxy {
            self.object_written(Kind::Employee.path(), person.company_id, person.id, Verb::Create)?;
        }
        Ok(())
    }

    pub fn insert_integration(
        &self,
        integration: &Integration,
        in_catalog: bool,
        supports_accountant_keys: bool,
        may_create_employee_tokens: bool,
    ) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO integrations(id, application_name, consumer_token, emails, in_catalog, supports_accountant_keys, may_create_employee_tokens)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                integration.id,
                integration.application_name,
                integration.consumer_token,
                integration.emails,
                in_catalog,
                supports_accountant_keys,
                may_create_employee_tokens,
            ])
            .map(drop)
    }

    pub fn insert_key(
        &self,
        key: &Key,
        integration_id: Option<i64>,
        accesses: &crate::domain::entitlements::KeyAccesses,
        token: &str,
        created_at: Timestamp,
    ) -> rusqlite::Result<()> {
        let state = match key.state {
            KeyState::Active => "active",
            KeyState::Deleted => "deleted",
        };
        self.conn
            .prepare_cached(
                "INSERT INTO keys(id, name, person_id, company_id, integration_id, application_name, accesses, accountant_key, token, state, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                key.id,
                key.name,
                key.person_id,
                key.company_id,
                integration_id,
                key.application_name,
                accesses_text(accesses),
                key.accountant_key,
                token,
                state,
                created_at.to_string(),
            ])
            .map(drop)
    }

    pub fn insert_retired_token(&self, token: &str, key_id: i64, retired_at: Timestamp) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached("INSERT INTO retired_tokens(token, key_id, retired_at) VALUES (?1, ?2, ?3)")?
            .execute(params![token, key_id, retired_at.to_string()])?;
        Ok(())
    }

    /// Links an office key to a client, or replaces the accesses of an existing link.
    pub fn insert_link(&self, key_id: i64, client_id: i64, accesses_json: &str, pending: bool) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO client_key_links(key_id, client_id, accesses, pending) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(key_id, client_id) DO UPDATE SET accesses = excluded.accesses",
            )?
            .execute(params![key_id, client_id, accesses_json, pending])?;
        Ok(())
    }
}
