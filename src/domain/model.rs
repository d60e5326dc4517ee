//! The access model's nouns: companies, accountant relations, people, integrations, keys,
//! client links and sessions, as the rules see them.

use jiff::Timestamp;
use jiff::civil::Date;

/// What kind of Tripletex account a company is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyKind {
    /// An accounting office ("regnskapskontor") with clients.
    Office,
    /// A client company of an accounting office.
    Client,
    /// A company with no accountant relation.
    Standalone,
}

impl CompanyKind {
    pub const ALL: [Self; 3] = [Self::Office, Self::Client, Self::Standalone];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Office => "office",
            Self::Client => "client",
            Self::Standalone => "standalone",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// The main package of a company's subscription (Selskap > Mitt abonnement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Package {
    Mikro,
    Basis,
    Smart,
    Komplett,
    AccountingOffice,
}

impl Package {
    pub const ALL: [Self; 5] = [
        Self::Mikro,
        Self::Basis,
        Self::Smart,
        Self::Komplett,
        Self::AccountingOffice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mikro => "MIKRO",
            Self::Basis => "BASIS",
            Self::Smart => "SMART",
            Self::Komplett => "KOMPLETT",
            Self::AccountingOffice => "ACCOUNTING_OFFICE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// Packages under which the Integrations module can be switched on.
    pub fn allows_integrations(self) -> bool {
        matches!(self, Self::Smart | Self::Komplett | Self::AccountingOffice)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub id: i64,
    pub name: String,
    pub organization_number: String,
    pub kind: CompanyKind,
    pub package: Package,
    pub integrations_enabled: bool,
    /// The legal form (AS, ENK, …) as Tripletex names it.
    pub company_type: String,
    pub email: String,
}

/// An office ↔ client relation with the client's two checkboxes under Selskap > Regnskapsfører.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountantRelation {
    pub office_id: i64,
    pub client_id: i64,
    /// "API-tilgang": the client lets the office's API keys in.
    pub api_access: bool,
    /// The office has admin rights in the client account.
    pub office_is_admin: bool,
}

/// A person's user type (`Employee.userType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserType {
    /// Reduced access: may not hold administrator entitlements.
    Standard,
    /// «Utvidet tilgang»: may hold every entitlement.
    #[default]
    Extended,
    /// «Uten systemtilgang»: cannot log in; keys on such a person have no access.
    NoAccess,
}

/// User accesses that are roles rather than entitlements in Tripletex's UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// «Kontoadministrator».
    AccountAdministrator,
    /// «Brukeradministrator»: sees the API-tilgang tab and creates keys.
    UserAdministrator,
    /// «Brukeradministrator i klientkontoer»: creates accounting-office keys and links them to clients.
    ClientUserAdministrator,
    /// «Regnskapskontorets brukernøkkel» held as a user access.
    AccountantKeyHolder,
}

impl Role {
    /// The name Tripletex's UI gives the role.
    pub fn ui_name(self) -> &'static str {
        match self {
            Self::AccountAdministrator => "Kontoadministrator",
            Self::UserAdministrator => "Brukeradministrator",
            Self::ClientUserAdministrator => "Brukeradministrator i klientkontoer",
            Self::AccountantKeyHolder => "Regnskapskontorets brukernøkkel",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub company_id: i64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub is_contact: bool,
    /// The record that represents an accounting office inside a client company.
    pub is_proxy: bool,
    pub user_type: UserType,
    pub roles: Vec<Role>,
    /// Entitlement names in the person's own company.
    pub entitlements: Vec<String>,
    /// For office people: entitlement names per client company id.
    pub client_entitlements: std::collections::BTreeMap<i64, Vec<String>>,
    /// Revision of the employee record, raised by each update through the API.
    pub version: i64,
    /// The employee's other fields as written through the API (`dateOfBirth`, phone numbers,
    /// `bankAccountNumber`, `department`, …), by their API names.
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Person {
    /// A person with no name, roles or rights, to build others from.
    pub fn blank() -> Self {
        Self {
            id: 0,
            company_id: 0,
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            is_contact: false,
            is_proxy: false,
            user_type: UserType::default(),
            roles: Vec::new(),
            entitlements: Vec::new(),
            client_entitlements: std::collections::BTreeMap::new(),
            version: 0,
            details: serde_json::Map::new(),
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

impl Person {
    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// A registered API consumer (integration) and its consumer token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integration {
    pub id: i64,
    pub application_name: String,
    pub consumer_token: String,
    pub emails: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyState {
    Active,
    Deleted,
}

/// An employee token ("brukernøkkel") as the session rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub id: i64,
    pub name: String,
    pub person_id: i64,
    pub company_id: i64,
    /// The application the key was made for: the catalog integration's name or the custom setup's.
    pub application_name: String,
    /// "Regnskapskontorets brukernøkkel".
    pub accountant_key: bool,
    pub state: KeyState,
}

/// What an employee token string turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmployeeTokenLookup {
    Unknown,
    /// The token of a key, active or deleted.
    Current(Key),
    /// An old token string of a key that was regenerated ("Gjenopprett nøkkel").
    Superseded {
        key: Key,
        regenerated_at: Timestamp,
    },
}

/// A session as basic auth finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub key: Key,
    pub integration_id: i64,
    pub expiration_date: Date,
    pub expires_at: Timestamp,
    pub deleted: bool,
    /// The session has called the API at least once.
    pub used: bool,
}

/// The company a request acts in, once the rules have accepted it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompanyContext {
    /// The company that owns the key.
    Own(i64),
    /// A client of the office that owns the key, reached with a linked accounting-office key.
    Client { client_id: i64, office_id: i64 },
}

impl CompanyContext {
    pub fn company_id(self) -> i64 {
        match self {
            Self::Own(id) => id,
            Self::Client { client_id, .. } => client_id,
        }
    }
}
/// Who a request was made by, as far as authentication got: for the journal and the faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caller {
    pub key_id: i64,
    /// Set once the company context was accepted.
    pub company_id: Option<i64>,
}
