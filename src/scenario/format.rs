//! The JSON formats of scenario and fixture files. Parsing is strict: unknown fields are errors.

use crate::domain::model::{Role, UserType};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A scenario: a named world for CI runs and trainings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: String,
    /// What the world shows, for trainers and the CI log.
    pub description: String,
    /// Names of fixture files (in `fixtures/`) whose pieces come before the inline world.
    #[serde(default)]
    pub fixtures: Vec<String>,
    #[serde(default)]
    pub settings: Settings,
    #[serde(default)]
    pub world: World,
    /// The data objects (customers, orders, …) that differ from the seed the world's companies
    /// start with, per resource path; `GET /_sandbox/state` exports them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub objects: Objects,
    /// Answers the sandbox gives instead of its own (`PUT /_sandbox/overrides`), installed with
    /// the world and again on every reset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<super::overrides::OverrideRule>,
    /// What the API must answer in this world, in order; the test suite runs every entry.
    #[serde(default)]
    pub expect: Vec<Expectation>,
}

/// One request against the scenario's world and the answer it must get.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expectation {
    pub description: String,
    pub request: ExpectedRequest,
    pub status: u16,
    /// The Tripletex error code, for errors.
    #[serde(default)]
    pub code: Option<u32>,
    /// The rule named in developerMessage, for denials.
    #[serde(default)]
    pub rule: Option<String>,
    /// Values the answer must hold, by dotted path (`value.amountOutstanding`,
    /// `values.0.account.number`); numbers compare to the øre, `"{name}"` is a saved value.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, serde_json::Value>,
    /// Values of the answer kept for later expectations, by name → dotted path; a later path or
    /// body names one as `{name}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub save: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum ExpectedRequest {
    /// `PUT /v2/token/session/:create` with a key's token and its integration's consumer token.
    Mint {
        key: i64,
        /// The integration whose consumer token is sent; by default the one named like the key's application.
        #[serde(default)]
        consumer: Option<i64>,
        #[serde(default)]
        token: TokenChoice,
        #[serde(default)]
        expiration: ExpirationChoice,
    },
    /// A `/v2` call with a session of the key, as company `company` (0 = own).
    Call {
        key: i64,
        #[serde(default)]
        company: i64,
        method: String,
        path: String,
        #[serde(default)]
        session: SessionChoice,
        /// The JSON body of a POST or PUT.
        #[serde(default)]
        body: Option<serde_json::Value>,
        /// A file sent as `multipart/form-data` instead (a bank statement).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<FileSpec>,
    },
    /// A control-plane call (a UI action), as `actor` or the default actor.
    Control {
        method: String,
        path: String,
        #[serde(default)]
        actor: Option<i64>,
        #[serde(default)]
        body: Option<serde_json::Value>,
    },
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenChoice {
    /// The key's current token.
    #[default]
    Current,
    /// The newest token the key had before it was regenerated.
    Retired,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ExpirationChoice {
    /// A date after today: a live session.
    #[default]
    Future,
    /// Today: a session born expired.
    Today,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SessionChoice {
    #[default]
    Live,
    /// Minted for today, so already expired.
    Expired,
    /// Minted, then deleted with `DELETE /token/session/{token}`.
    Deleted,
}

/// Behaviour switches of a sandbox.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Regenerating a key also ends the sessions minted with its old token.
    #[serde(default)]
    pub revoke_sessions_on_regenerate: bool,
    /// The known failure: an office key's client links take effect for a token only when the
    /// key is (re)generated, so a link added later needs «Gjenopprett nøkkel».
    #[serde(default)]
    pub link_snapshot: bool,
}

/// The pieces of a world. A fixture file is one of these.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct World {
    #[serde(default)]
    pub integrations: Vec<IntegrationSpec>,
    #[serde(default)]
    pub companies: Vec<CompanySpec>,
    #[serde(default)]
    pub accountant_relations: Vec<RelationSpec>,
    #[serde(default)]
    pub people: Vec<PersonSpec>,
    #[serde(default)]
    pub keys: Vec<KeySpec>,
    #[serde(default)]
    pub client_key_links: Vec<LinkSpec>,
    /// Integrations a company added from the catalog (Integrasjoner > Legg til).
    #[serde(default)]
    pub company_integrations: Vec<CompanyIntegrationSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompanyIntegrationSpec {
    pub company_id: i64,
    pub integration_id: i64,
}

impl World {
    /// The pinned token of the world's first office key (`office`) or first own key, or "".
    pub fn first_key_token(&self, office: bool) -> String {
        self.keys
            .iter()
            .find(|k| k.accountant_key == office)
            .and_then(|k| k.token.clone())
            .unwrap_or_default()
    }

    /// Appends another world's pieces after this one's.
    pub fn extend(&mut self, other: World) {
        self.integrations.extend(other.integrations);
        self.companies.extend(other.companies);
        self.accountant_relations.extend(other.accountant_relations);
        self.people.extend(other.people);
        self.keys.extend(other.keys);
        self.client_key_links.extend(other.client_key_links);
        self.company_integrations.extend(other.company_integrations);
    }
}

/// A file an expectation uploads: its name and its text, sent as the form part `file`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileSpec {
    pub name: String,
    pub text: String,
}

impl FileSpec {
    /// The boundary of the form the file is sent in.
    const BOUNDARY: &'static str = "tripletex-sandbox-file";

    /// The `Content-Type` header and the body of a `multipart/form-data` request carrying it.
    pub fn multipart(&self) -> (String, Vec<u8>) {
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n{text}\r\n--{b}--\r\n",
            b = Self::BOUNDARY,
            name = self.name.replace('"', ""),
            text = self.text
        );
        (
            format!("multipart/form-data; boundary={}", Self::BOUNDARY),
            body.into_bytes(),
        )
    }
}

/// A registered API consumer.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IntegrationSpec {
    pub id: i64,
    /// The application name keys must be made for, compared exactly.
    pub application_name: String,
    /// Pinned consumer token; generated when absent.
    #[serde(default)]
    pub consumer_token: Option<String>,
    #[serde(default)]
    pub emails: String,
    /// Listed in the «Integrasjoner» catalog and the «Ny nøkkel» dropdown.
    #[serde(default = "yes")]
    pub in_catalog: bool,
    /// Supports «Regnskapskontorets brukernøkkel».
    #[serde(default)]
    pub supports_accountant_keys: bool,
    /// May call PUT /token/employee/:create.
    #[serde(default)]
    pub may_create_employee_tokens: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CompanyKindSpec {
    Office,
    Client,
    Standalone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PackageSpec {
    Mikro,
    Basis,
    Smart,
    Komplett,
    AccountingOffice,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompanySpec {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub organization_number: String,
    pub kind: CompanyKindSpec,
    pub package: PackageSpec,
    /// The Integrations module under Selskap > Mitt abonnement.
    pub integrations_enabled: bool,
    /// Legal form as Tripletex names it (AS, ENK, …).
    #[serde(default = "default_company_type", rename = "type")]
    pub company_type: String,
    #[serde(default)]
    pub email: String,
}

fn default_company_type() -> String {
    "AS".to_owned()
}

/// An accounting office ↔ client relation with the client's Selskap > Regnskapsfører settings.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RelationSpec {
    pub office_id: i64,
    pub client_id: i64,
    /// «API-tilgang» ticked by the client.
    pub api_access: bool,
    #[serde(default)]
    pub office_is_admin: bool,
}

/// An employee or a contact.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PersonSpec {
    pub id: i64,
    pub company_id: i64,
    pub first_name: String,
    pub last_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub is_contact: bool,
    #[serde(default = "default_user_type")]
    pub user_type: UserType,
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Entitlement or template names in the person's own company (AUTH_CUSTOMER, ALL_PRIVILEGES, …).
    #[serde(default)]
    pub entitlements: Vec<String>,
    /// For office people: entitlement or template names per client company id.
    #[serde(default)]
    pub client_entitlements: BTreeMap<i64, Vec<String>>,
    /// The employee's other fields as the API shows them (`dateOfBirth`, `phoneNumberMobile`,
    /// `bankAccountNumber`, `department`, …).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub details: serde_json::Map<String, serde_json::Value>,
}

fn default_user_type() -> UserType {
    UserType::Extended
}

/// «Tilpasset oppsett»: a key for an application typed by name, with chosen accesses.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomSetupSpec {
    pub application_name: String,
    #[serde(default)]
    pub accesses: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyStateSpec {
    #[default]
    Active,
    Deleted,
}

/// An old token string of a regenerated key.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetiredTokenSpec {
    pub token: String,
    /// When «Gjenopprett nøkkel» replaced it (RFC 3339).
    pub retired_at: String,
}

/// An employee token ("brukernøkkel").
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct KeySpec {
    pub id: i64,
    pub name: String,
    pub person_id: i64,
    /// A catalog integration; give this or `custom`.
    #[serde(default)]
    pub integration_id: Option<i64>,
    #[serde(default)]
    pub custom: Option<CustomSetupSpec>,
    /// «Regnskapskontorets brukernøkkel».
    #[serde(default)]
    pub accountant_key: bool,
    /// Pinned token string; generated when absent.
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub state: KeyStateSpec,
    #[serde(default)]
    pub retired_tokens: Vec<RetiredTokenSpec>,
}

/// An accounting-office key linked to a client, with its accesses there.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkSpec {
    pub key_id: i64,
    pub client_id: i64,
    #[serde(default)]
    pub accesses: Vec<String>,
    /// Linked after the key's token was made while the sandbox snapshots links: visible under
    /// Klient > Tilganger, not effective until the key is regenerated.
    #[serde(default)]
    pub pending: bool,
}

/// Data objects that differ from the seed, by resource path (`customer`, `ledger/account`, …).
pub type Objects = BTreeMap<String, ResourceObjects>;

/// One resource's objects that differ from the seed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceObjects {
    /// Objects the world holds itself, in id order: created ones, and seed objects changed (one
    /// with a seed object's id takes its place).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stored: Vec<ObjectSpec>,
    /// Ids of seed objects deleted, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted: Vec<i64>,
}

/// A data object as the store keeps it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectSpec {
    pub id: i64,
    /// The company that owns it; 0 for reference data shared by every company.
    pub company_id: i64,
    #[serde(default)]
    pub version: i64,
    /// The object's fields, as `GET` shows them with `fields=*` (references as `{"id": N}`),
    /// without `id`, `version`, `url` and `changes`.
    pub body: serde_json::Value,
    /// The change log (`changes`); absent: one CREATE when the world is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<serde_json::Value>>,
}
