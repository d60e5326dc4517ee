//! The JSON formats of scenario and fixture files. Parsing is strict: unknown fields are errors.

use serde::{Deserialize, Serialize};

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
    pub world: World,
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
}

impl World {
    /// Appends another world's pieces after this one's.
    pub fn extend(&mut self, other: World) {
        self.integrations.extend(other.integrations);
        self.companies.extend(other.companies);
        self.accountant_relations.extend(other.accountant_relations);
        self.people.extend(other.people);
        self.keys.extend(other.keys);
        self.client_key_links.extend(other.client_key_links);
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserTypeSpec {
    Standard,
    Extended,
    NoAccess,
}

impl UserTypeSpec {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "STANDARD",
            Self::Extended => "EXTENDED",
            Self::NoAccess => "NO_ACCESS",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RoleSpec {
    AccountAdministrator,
    UserAdministrator,
    /// «Brukeradministrator i klientkontoer».
    ClientUserAdministrator,
    /// «Regnskapskontorets brukernøkkel» held as a user access.
    AccountantKeyHolder,
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
    pub user_type: UserTypeSpec,
    #[serde(default)]
    pub roles: Vec<RoleSpec>,
    /// Entitlement names in the person's own company (AUTH_CUSTOMER, …).
    #[serde(default)]
    pub entitlements: Vec<String>,
}

fn default_user_type() -> UserTypeSpec {
    UserTypeSpec::Extended
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
}
