//! The entitlement catalogue (stable ids), the access templates that expand to entitlements, and
//! the effective access of a key: key ∩ owner's current access (∩ the client link when proxied).

use crate::domain::denial::{Denial, DenialKind, Rule};
use crate::domain::model::UserType;

/// Declares the entitlement catalogue from one table: each entitlement's API name, its stable
/// `entitlementId` and its labels, giving the `Entitlement` constants, [`CATALOGUE`] and the
/// labels [`label`] reads.
macro_rules! entitlement_catalogue {
    ($($name:ident => $id:literal, $norwegian:literal, $english:literal;)*) => {
        /// Each entitlement's place in the catalogue, numbered by the compiler in table order.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[repr(u8)]
        enum Place { $($name,)* }

        impl Entitlement {
            $(pub const $name: Self = Self(Place::$name as u8);)*
        }

        /// `(entitlementId, name)`. Ids 1, 10 and 45 are Tripletex's own; the rest are the
        /// sandbox's, kept stable so tests and scenarios can rely on them.
        pub const CATALOGUE: &[(i32, &str)] = &[$(($id, stringify!($name)),)*];

        /// `(name, Norwegian label, English label)` of each entitlement.
        const ENTITLEMENT_LABELS: &[(&str, &str, &str)] = &[$((stringify!($name), $norwegian, $english),)*];
    };
}

// The entitlements' labels are the Brukertilgang screen's area names (FIDELITY.md, «Entitlement
// labels»).
entitlement_catalogue! {
    ROLE_ADMINISTRATOR => 1, "Kontoadministrator", "Account administrator";
    AUTH_USER_ADMIN => 2, "Brukeradministrator", "User administrator";
    AUTH_CLIENT_USER_ADMIN => 3, "Brukeradministrator i klientkontoer", "User administrator in client accounts";
    AUTH_CUSTOMER => 4, "Kunder", "Customers";
    AUTH_SUPPLIER => 5, "Leverandører", "Suppliers";
    AUTH_PRODUCT => 6, "Produkter", "Products";
    AUTH_INVOICING => 7, "Fakturering", "Invoicing";
    AUTH_ORDER => 8, "Ordre", "Orders";
    AUTH_EMPLOYEE => 9, "Ansatte", "Employees";
    AUTH_PROJECT_MANAGER => 10, "Prosjektleder", "Project manager";
    AUTH_HOURLIST => 11, "Timeføring", "Time tracking";
    AUTH_TRAVEL_EXPENSE => 12, "Reiseregninger", "Travel expenses";
    AUTH_VOUCHER => 13, "Bilagsføring", "Voucher entry";
    AUTH_ADVANCED_VOUCHER => 14, "Avansert bilagsføring", "Advanced voucher";
    AUTH_ALL_VOUCHERS => 15, "Alle bilag", "All vouchers";
    AUTH_SALARY => 16, "Lønn", "Salary";
    AUTH_DEPARTMENT => 17, "Avdelinger", "Departments";
    AUTH_COMPANY_INFO => 18, "Firmaopplysninger", "Company information";
    AUTH_CREATE_PROJECT => 45, "Opprette prosjekter", "Create projects";
}

/// The Norwegian and English label of an entitlement or template, by its API name.
pub fn label(name: &str) -> Option<(&'static str, &'static str)> {
    ENTITLEMENT_LABELS
        .iter()
        .chain(TEMPLATE_LABELS)
        .find(|(n, ..)| *n == name)
        .map(|&(_, no, en)| (no, en))
}

/// Entitlements a STANDARD user cannot hold.
const ADMINISTRATIVE: &[&str] = &["ROLE_ADMINISTRATOR", "AUTH_USER_ADMIN", "AUTH_CLIENT_USER_ADMIN"];

/// Declares the access templates from one table: each template's API name, its labels (the words
/// the Brukertilgang and Klient > Tilganger screens use, Tripletex's own) and the entitlements it
/// gives (`*`: every one), giving the `Template` constants and [`TEMPLATES`].
macro_rules! access_templates {
    ($($name:ident => $norwegian:literal, $english:literal, [$($member:tt),*];)*) => {
        /// Each template's place in [`TEMPLATES`], numbered by the compiler in table order.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[repr(u8)]
        enum TemplatePlace { $($name,)* }

        impl Template {
            $(pub const $name: Self = Self(TemplatePlace::$name as u8);)*
        }

        /// Access templates, as `:grantEntitlementsByTemplate` and the client-access screen name them.
        pub const TEMPLATES: &[(&str, &[&str])] = &[$((stringify!($name), &[$(stringify!($member)),*]),)*];

        /// `(name, Norwegian label, English label)` of each template.
        const TEMPLATE_LABELS: &[(&str, &str, &str)] = &[$((stringify!($name), $norwegian, $english),)*];
    };
}

access_templates! {
    NONE_PRIVILEGES => "Ingen rettigheter", "No privileges", [];
    ALL_PRIVILEGES => "Samtlige rettigheter", "All privileges", [*];
    STANDARD_PRIVILEGES_ACCOUNTANT => "Standardrettigheter for regnskapsførere", "Standard privileges for accountants", [AUTH_CUSTOMER, AUTH_SUPPLIER, AUTH_PRODUCT, AUTH_INVOICING, AUTH_ORDER, AUTH_EMPLOYEE, AUTH_TRAVEL_EXPENSE, AUTH_VOUCHER, AUTH_ADVANCED_VOUCHER, AUTH_ALL_VOUCHERS, AUTH_SALARY, AUTH_DEPARTMENT, AUTH_COMPANY_INFO];
    STANDARD_PRIVILEGES_AUDITOR => "Standardrettigheter for revisorer", "Standard privileges for auditors", [AUTH_ALL_VOUCHERS, AUTH_COMPANY_INFO];
    ACCOUNTANT => "Regnskapsfører", "Accountant", [AUTH_CUSTOMER, AUTH_SUPPLIER, AUTH_INVOICING, AUTH_VOUCHER, AUTH_ADVANCED_VOUCHER, AUTH_ALL_VOUCHERS, AUTH_SALARY, AUTH_COMPANY_INFO];
    AUDITOR => "Revisor", "Auditor", [AUTH_ALL_VOUCHERS, AUTH_COMPANY_INFO];
    INVOICING_MANAGER => "Fakturaansvarlig", "Invoicing manager", [AUTH_CUSTOMER, AUTH_PRODUCT, AUTH_INVOICING, AUTH_ORDER];
    PERSONELL_MANAGER => "Personalansvarlig", "Personnel manager", [AUTH_EMPLOYEE, AUTH_SALARY, AUTH_TRAVEL_EXPENSE, AUTH_HOURLIST, AUTH_DEPARTMENT];
    DEPARTMENT_LEADER => "Avdelingsleder", "Department leader", [AUTH_EMPLOYEE, AUTH_HOURLIST, AUTH_DEPARTMENT, AUTH_PROJECT_MANAGER, AUTH_CREATE_PROJECT];
}

/// One entitlement of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entitlement(u8);

impl Entitlement {
    pub fn parse(name: &str) -> Option<Self> {
        CATALOGUE
            .iter()
            .position(|(_, n)| *n == name)
            .and_then(|at| u8::try_from(at).ok())
            .map(Self)
    }

    pub fn name(self) -> &'static str {
        CATALOGUE.get(usize::from(self.0)).map_or("", |(_, n)| *n)
    }

    /// The stable `entitlementId` the API shows.
    pub fn id(self) -> i32 {
        CATALOGUE.get(usize::from(self.0)).map_or(0, |(id, _)| *id)
    }

    pub fn all() -> impl Iterator<Item = Self> {
        (0..CATALOGUE.len()).filter_map(|at| u8::try_from(at).ok()).map(Self)
    }
}

impl std::fmt::Display for Entitlement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Entitlement {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("{name:?} is not a catalogue entitlement")))
    }
}

/// An access template («Standard», «Alle tilganger», …): a named set of entitlements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Template(u8);

impl Template {
    pub fn parse(name: &str) -> Option<Self> {
        TEMPLATES
            .iter()
            .position(|(n, _)| *n == name)
            .and_then(|at| u8::try_from(at).ok())
            .map(Self)
    }

    pub fn name(self) -> &'static str {
        TEMPLATES.get(usize::from(self.0)).map_or("", |(n, _)| *n)
    }

    /// The entitlements the template gives.
    pub fn members(self) -> AccessSet {
        match TEMPLATES.get(usize::from(self.0)) {
            Some((_, members)) if members.first() == Some(&"*") => AccessSet::everything(),
            Some((_, members)) => members.iter().filter_map(|n| Entitlement::parse(n)).collect(),
            None => AccessSet::NONE,
        }
    }
}

/// One item of an access list: an entitlement or a template standing for several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grant {
    Entitlement(Entitlement),
    Template(Template),
}

impl Grant {
    pub fn parse(name: &str) -> Option<Self> {
        Entitlement::parse(name)
            .map(Self::Entitlement)
            .or_else(|| Template::parse(name).map(Self::Template))
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Entitlement(e) => e.name(),
            Self::Template(t) => t.name(),
        }
    }

    pub fn members(self) -> AccessSet {
        match self {
            Self::Entitlement(e) => AccessSet::NONE.with(e),
            Self::Template(t) => t.members(),
        }
    }
}

impl serde::Serialize for Grant {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Grant {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("{name:?} is neither an entitlement nor a template")))
    }
}

/// A set of catalogue entitlements, one bit each: what effective access is computed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccessSet(u32);

const _: () = assert!(
    CATALOGUE.len() <= 32,
    "AccessSet holds one bit per catalogue entitlement"
);

impl AccessSet {
    pub const NONE: Self = Self(0);

    pub fn everything() -> Self {
        Entitlement::all().collect()
    }

    pub fn contains(self, entitlement: Entitlement) -> bool {
        self.0 & (1 << entitlement.0) != 0
    }

    #[must_use]
    pub fn with(self, entitlement: Entitlement) -> Self {
        Self(self.0 | (1 << entitlement.0))
    }

    #[must_use]
    pub fn without(self, entitlement: Entitlement) -> Self {
        Self(self.0 & !(1 << entitlement.0))
    }

    #[must_use]
    pub fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    #[must_use]
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn iter(self) -> impl Iterator<Item = Entitlement> {
        Entitlement::all().filter(move |e| self.contains(*e))
    }

    /// The names, sorted by name (as the API and the control plane list them).
    pub fn names(self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.iter().map(Entitlement::name).collect();
        names.sort_unstable();
        names
    }
}

impl FromIterator<Entitlement> for AccessSet {
    fn from_iter<I: IntoIterator<Item = Entitlement>>(items: I) -> Self {
        items.into_iter().fold(Self::NONE, Self::with)
    }
}

impl serde::Serialize for AccessSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.names())
    }
}

pub fn id_of(name: &str) -> Option<i32> {
    Entitlement::parse(name).map(Entitlement::id)
}

/// True for a catalogue entitlement name or a template name.
pub fn is_known(name: &str) -> bool {
    Grant::parse(name).is_some()
}

/// Expands names and template names into the entitlements they give; unknown names give nothing.
pub fn expand<'a>(names: impl IntoIterator<Item = &'a str>) -> AccessSet {
    names
        .into_iter()
        .filter_map(Grant::parse)
        .fold(AccessSet::NONE, |set, grant| set.union(grant.members()))
}

/// What a person can hold given their user type.
pub fn holdable(user_type: UserType, names: AccessSet) -> AccessSet {
    match user_type {
        UserType::NoAccess => AccessSet::NONE,
        UserType::Standard => ADMINISTRATIVE
            .iter()
            .filter_map(|n| Entitlement::parse(n))
            .fold(names, AccessSet::without),
        UserType::Extended => names,
    }
}

/// A key's own accesses: everything its owner has («Alle tilganger» or a catalog integration),
/// or a chosen list. Stored by the store only; a stored value it cannot read grants nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAccesses {
    All,
    Only(Vec<Grant>),
}

impl KeyAccesses {
    /// The entitlements the key itself carries, before its owner's and the link's limits.
    pub fn grants(&self) -> AccessSet {
        match self {
            Self::All => AccessSet::everything(),
            Self::Only(grants) => grants.iter().fold(AccessSet::NONE, |set, g| set.union(g.members())),
        }
    }

    /// A list of names as a person typed them (validated by the caller); unknown names are dropped.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self::Only(names.into_iter().filter_map(Grant::parse).collect())
    }

    pub fn names(&self) -> Option<Vec<&'static str>> {
        match self {
            Self::All => None,
            Self::Only(grants) => Some(grants.iter().map(|g| g.name()).collect()),
        }
    }
}

/// The client link an accounting-office key has in one client (Klient > Tilganger).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkFacts {
    pub accesses: Vec<Grant>,
    /// Linked after the key's token was made, under the `linkSnapshot` setting: not in force
    /// until «Gjenopprett nøkkel».
    pub pending: bool,
}

/// Everything effective access depends on, for one key in one company, read in one store call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessFacts {
    pub key: KeyAccesses,
    pub key_company_id: i64,
    pub accountant_key: bool,
    /// The company the access is asked for.
    pub company_id: i64,
    pub owner_user_type: UserType,
    /// The owner's entitlement names in the own company.
    pub owner_entitlements: Vec<String>,
    /// The owner's entitlement names in `company_id`, when that is a client.
    pub owner_client_entitlements: Vec<String>,
    /// The key's link to `company_id`, when there is one.
    pub link: Option<LinkFacts>,
    /// `company_id` is a client of the key's office that has ticked «API-tilgang» for it.
    pub client_consents: bool,
}

/// Effective access of a key on one request: the key's accesses ∩ the owner's current access
/// (∩ the client link's accesses when acting as a client). Empty where the key cannot act at all.
pub fn effective_access(facts: &AccessFacts) -> AccessSet {
    if facts.company_id == facts.key_company_id {
        return limited_access(&facts.key, facts.owner_user_type, &facts.owner_entitlements, None);
    }
    match &facts.link {
        Some(link) if facts.accountant_key && !link.pending && facts.client_consents => limited_access(
            &facts.key,
            facts.owner_user_type,
            &facts.owner_client_entitlements,
            Some(&link.accesses),
        ),
        _ => AccessSet::NONE,
    }
}

/// Why a key has no access in a client of its office, in the UI's own words, as Klient >
/// Tilganger explains it beside the key; None when it has some. The same facts as
/// [`effective_access`], so the two never disagree.
/// The explanation in English and in Norwegian.
pub fn why_no_access_in_client(facts: &AccessFacts) -> Option<(&'static str, &'static str)> {
    if !effective_access(facts).is_empty() {
        return None;
    }
    Some(match &facts.link {
        _ if !facts.accountant_key => (
            "not an accounting-office key: make one with «Regnskapskontorets brukernøkkel» ticked.",
            "ikke regnskapskontorets brukernøkkel: lag en med «Regnskapskontorets brukernøkkel» avkrysset.",
        ),
        None => (
            "not linked to this client: give the key access here (Klient > Tilganger).",
            "ikke koblet til denne klienten: gi nøkkelen tilgang her (Klient > Tilganger).",
        ),
        Some(link) if link.pending => (
            "linked after the key's token was made: click «Gjenopprett nøkkel» on the key in its owner's API-tilgang tab and hand over the new token.",
            "koblet etter at nøkkelen ble laget: klikk «Gjenopprett nøkkel» på nøkkelen under eierens fane API-tilgang, og gi integrasjonen den nye nøkkelen.",
        ),
        Some(_) if !facts.client_consents => (
            "the client has not ticked «API-tilgang» for the office under Selskap > Regnskapsfører.",
            "klienten har ikke krysset av for «API-tilgang» for kontoret under Selskap > Regnskapsfører.",
        ),
        Some(_) => (
            "the key, its owner's access in this client and the link allow nothing in common: give the owner access in the client (its entitlements there) or the link more accesses.",
            "nøkkelen, eierens tilgang i klienten og koblingen har ingen tilgang felles: gi eieren tilgang i klienten, eller koblingen flere tilganger.",
        ),
    })
}

/// Key ∩ owner (∩ link), for an owner whose access in the company is `owner_access`.
pub fn limited_access(
    key: &KeyAccesses,
    owner_user_type: UserType,
    owner_access: &[String],
    link: Option<&[Grant]>,
) -> AccessSet {
    let mut owner = expand(owner_access.iter().map(String::as_str));
    // The account administrator may do everything in the account.
    if owner.contains(Entitlement::ROLE_ADMINISTRATOR) {
        owner = AccessSet::everything();
    }
    let mut access = holdable(owner_user_type, owner).intersection(key.grants());
    if let Some(link) = link {
        access = access.intersection(link.iter().fold(AccessSet::NONE, |set, g| set.union(g.members())));
    }
    access
}

/// An operation on `what` needs `needed` in the key's effective access.
pub fn access_allows(access: AccessSet, needed: Entitlement, what: &str) -> Result<(), Denial> {
    if access.contains(needed) {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Forbidden,
        Rule::AccessAllows,
        format!("{what} needs the access {needed}, which the key does not have here."),
    )
    .remedy(format!(
        "a key has at most its owner's accesses: give the owner {needed} under Brukertilgang (or, acting as a client, in the client access and the key's link under Klient > Tilganger), and make sure the key's own accesses include it."
    ))
    .norwegian(
        format!("{what} krever tilgangen «{}», som nøkkelen ikke har her.", label_no(needed)),
        format!(
            "en nøkkel har høyst eierens tilganger: gi eieren «{}» under Brukertilgang (eller, som klient, i klienttilgangen og nøkkelens kobling under Klient > Tilganger), og sørg for at nøkkelens egne tilganger har den.",
            label_no(needed)
        ),
    ))
}

fn label_no(entitlement: Entitlement) -> &'static str {
    label(entitlement.name()).map_or(entitlement.name(), |(no, _)| no)
}

/// Templates `:grantEntitlementsByTemplate` accepts.
pub const EMPLOYEE_TEMPLATES: &[&str] = &[
    "NONE_PRIVILEGES",
    "ALL_PRIVILEGES",
    "INVOICING_MANAGER",
    "PERSONELL_MANAGER",
    "ACCOUNTANT",
    "AUDITOR",
    "DEPARTMENT_LEADER",
];

/// Templates `:grantClientEntitlementsByTemplate` accepts for clients that are not Agro-migrated.
pub const CLIENT_TEMPLATES: &[&str] = &[
    "NONE_PRIVILEGES",
    "STANDARD_PRIVILEGES_ACCOUNTANT",
    "STANDARD_PRIVILEGES_AUDITOR",
    "ALL_PRIVILEGES",
];

fn lacks(rule: Rule, needed: Entitlement, what: &str) -> Denial {
    Denial::new(
        DenialKind::Forbidden,
        rule,
        format!("{what} needs {needed} (or ROLE_ADMINISTRATOR) in the key's effective access."),
    )
    .remedy(format!(
        "make the key on a user administrator: the owner needs {needed} (Brukertilgang), and the key must carry it."
    ))
    .norwegian(
        format!(
            "Dette krever «{}» (eller Kontoadministrator) i nøkkelens tilganger.",
            label_no(needed)
        ),
        format!(
            "lag nøkkelen på en brukeradministrator: eieren trenger «{}» (Brukertilgang), og nøkkelen må ha den.",
            label_no(needed)
        ),
    )
}

/// Granting entitlements in the own company takes a user administrator's key.
pub fn may_grant_entitlements(access: AccessSet) -> Result<(), Denial> {
    if access.contains(Entitlement::ROLE_ADMINISTRATOR) || access.contains(Entitlement::AUTH_USER_ADMIN) {
        return Ok(());
    }
    Err(lacks(
        Rule::MayGrantEntitlements,
        Entitlement::AUTH_USER_ADMIN,
        "Granting entitlements",
    ))
}

/// Granting an office person access in a client takes «Brukeradministrator i klientkontoer».
pub fn may_grant_client_entitlements(access: AccessSet) -> Result<(), Denial> {
    if access.contains(Entitlement::ROLE_ADMINISTRATOR) || access.contains(Entitlement::AUTH_CLIENT_USER_ADMIN) {
        return Ok(());
    }
    Err(lacks(
        Rule::MayGrantClientEntitlements,
        Entitlement::AUTH_CLIENT_USER_ADMIN,
        "Granting access in a client",
    ))
}

/// Reading another person's entitlements takes a user administrator's key too.
pub fn may_read_entitlements_of_others(access: AccessSet) -> Result<(), Denial> {
    may_grant_entitlements(access).map_err(|mut d| {
        d.rule = Rule::MayReadEntitlementsOfOthers.name();
        d.reason = "Reading another person's entitlements needs AUTH_USER_ADMIN (or ROLE_ADMINISTRATOR) in the key's effective access.".into();
        d
    })
}

/// Making employee tokens over the API takes a user administrator's (or administrator's) key.
pub fn may_create_employee_tokens(access: AccessSet) -> Result<(), Denial> {
    may_grant_entitlements(access).map_err(|mut d| {
        d.rule = Rule::MayCreateEmployeeTokens.name();
        d.reason =
            "Creating employee tokens needs AUTH_USER_ADMIN (or ROLE_ADMINISTRATOR) in the key's effective access."
                .into();
        d
    })
}

/// The accesses a request's handler asked the key for (each check, allowed or not), for the
/// journal's required-access report: filled by the authenticated principal, read once the
/// response is known.
#[derive(Debug, Clone, Default)]
pub struct AccessNeeded(std::sync::Arc<std::sync::Mutex<Vec<Entitlement>>>);

impl AccessNeeded {
    pub fn note(&self, needed: Entitlement) {
        let mut list = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !list.contains(&needed) {
            list.push(needed);
        }
    }

    pub fn taken(&self) -> Vec<Entitlement> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogues_constants_name_their_own_rows_and_every_template_member_is_an_entitlement() {
        assert_eq!(Entitlement::ROLE_ADMINISTRATOR.id(), 1);
        assert_eq!(Entitlement::AUTH_PROJECT_MANAGER.id(), 10);
        assert_eq!(Entitlement::AUTH_CREATE_PROJECT.id(), 45);
        for entitlement in Entitlement::all() {
            assert_eq!(Entitlement::parse(entitlement.name()), Some(entitlement));
            assert!(label(entitlement.name()).is_some(), "{entitlement} has no label");
        }
        assert_eq!(Template::ALL_PRIVILEGES.name(), "ALL_PRIVILEGES");
        assert_eq!(Template::ALL_PRIVILEGES.members(), AccessSet::everything());
        for (name, members) in TEMPLATES {
            assert!(label(name).is_some(), "{name} has no label");
            for member in members.iter().filter(|m| **m != "*") {
                assert!(
                    Entitlement::parse(member).is_some(),
                    "{name} names {member}, not an entitlement"
                );
            }
        }
    }

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn set(list: &[&str]) -> AccessSet {
        expand(list.iter().copied())
    }

    fn only(list: &[&str]) -> KeyAccesses {
        KeyAccesses::from_names(list.iter().copied())
    }

    #[test]
    fn the_named_entitlements_are_the_catalogues() {
        for (constant, name) in [
            (Entitlement::ROLE_ADMINISTRATOR, "ROLE_ADMINISTRATOR"),
            (Entitlement::AUTH_USER_ADMIN, "AUTH_USER_ADMIN"),
            (Entitlement::AUTH_CLIENT_USER_ADMIN, "AUTH_CLIENT_USER_ADMIN"),
            (Entitlement::AUTH_INVOICING, "AUTH_INVOICING"),
            (Entitlement::AUTH_EMPLOYEE, "AUTH_EMPLOYEE"),
            (Entitlement::AUTH_PROJECT_MANAGER, "AUTH_PROJECT_MANAGER"),
            (Entitlement::AUTH_COMPANY_INFO, "AUTH_COMPANY_INFO"),
        ] {
            assert_eq!(constant.name(), name);
            assert_eq!(Entitlement::parse(name), Some(constant));
        }
        assert_eq!(Template::ALL_PRIVILEGES.name(), "ALL_PRIVILEGES");
        assert_eq!(Entitlement::parse("AUTH_CREATE_PROJECT").map(Entitlement::id), Some(45));
    }

    #[test]
    fn a_key_never_has_more_access_than_its_owner_has_now() {
        let key = only(&["AUTH_CUSTOMER", "AUTH_INVOICING"]);
        let owner = names(&["AUTH_CUSTOMER"]);
        let access = limited_access(&key, UserType::Extended, &owner, None);
        assert_eq!(access.names(), ["AUTH_CUSTOMER"]);
        assert!(limited_access(&KeyAccesses::All, UserType::NoAccess, &owner, None).is_empty());
    }

    #[test]
    fn an_account_administrator_holds_every_entitlement() {
        let owner = names(&["ROLE_ADMINISTRATOR"]);
        let access = limited_access(&KeyAccesses::All, UserType::Extended, &owner, None);
        assert_eq!(access.len(), CATALOGUE.len());
        let key = only(&["AUTH_SALARY"]);
        assert_eq!(
            limited_access(&key, UserType::Extended, &owner, None).names(),
            ["AUTH_SALARY"]
        );
    }

    fn facts(company_id: i64, link: Option<LinkFacts>) -> AccessFacts {
        AccessFacts {
            key: KeyAccesses::All,
            key_company_id: 1,
            accountant_key: true,
            company_id,
            owner_user_type: UserType::Extended,
            owner_entitlements: names(&["AUTH_CUSTOMER", "AUTH_PRODUCT"]),
            owner_client_entitlements: names(&["ALL_PRIVILEGES"]),
            link,
            client_consents: true,
        }
    }

    #[test]
    fn acting_as_a_client_is_also_limited_by_the_link() {
        let link = LinkFacts {
            accesses: vec![Grant::parse("AUTH_CUSTOMER").unwrap()],
            pending: false,
        };
        assert_eq!(effective_access(&facts(2, Some(link))).names(), ["AUTH_CUSTOMER"]);
        assert_eq!(
            effective_access(&facts(1, None)).names(),
            ["AUTH_CUSTOMER", "AUTH_PRODUCT"]
        );
    }

    #[test]
    fn a_key_without_a_link_in_force_has_no_access_in_the_client() {
        assert!(effective_access(&facts(2, None)).is_empty());
        let pending = LinkFacts {
            accesses: vec![Grant::Template(Template::ALL_PRIVILEGES)],
            pending: true,
        };
        assert!(effective_access(&facts(2, Some(pending.clone()))).is_empty());
        let mut not_an_office_key = facts(
            2,
            Some(LinkFacts {
                pending: false,
                ..pending
            }),
        );
        not_an_office_key.accountant_key = false;
        assert!(effective_access(&not_an_office_key).is_empty());
    }

    /// Every combination of link, consent and owner access: the explanation is given exactly
    /// when the effective access is empty, and names the first thing to fix.
    #[test]
    fn why_no_access_in_client_agrees_with_effective_access_for_every_combination() {
        let link = |pending| LinkFacts {
            accesses: vec![Grant::Template(Template::ALL_PRIVILEGES)],
            pending,
        };
        for accountant_key in [false, true] {
            for linked in [None, Some(false), Some(true)] {
                for client_consents in [false, true] {
                    for owner in [&[][..], &["AUTH_CUSTOMER"][..]] {
                        let mut f = facts(2, linked.map(link));
                        f.accountant_key = accountant_key;
                        f.client_consents = client_consents;
                        f.owner_client_entitlements = names(owner);
                        let access = effective_access(&f);
                        let why = why_no_access_in_client(&f);
                        assert_eq!(access.is_empty(), why.is_some(), "{f:?}");
                        let expected = match (accountant_key, linked, client_consents, owner.is_empty()) {
                            (false, ..) => Some("«Regnskapskontorets brukernøkkel»"),
                            (_, None, ..) => Some("Klient > Tilganger"),
                            (_, Some(true), ..) => Some("«Gjenopprett nøkkel»"),
                            (_, _, false, _) => Some("«API-tilgang»"),
                            (_, _, _, true) => Some("owner access"),
                            _ => None,
                        };
                        match (why, expected) {
                            (Some((why, norsk)), Some(part)) => {
                                assert!(why.contains(part), "{why} for {f:?}");
                                assert!(!norsk.is_empty() && norsk != why, "{norsk} for {f:?}");
                            }
                            (None, None) => assert_eq!(access.names(), ["AUTH_CUSTOMER"]),
                            other => panic!("{other:?} for {f:?}"),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn templates_expand_and_standard_users_hold_no_administrative_rights() {
        let all = set(&["ALL_PRIVILEGES"]);
        assert_eq!(all.len(), CATALOGUE.len());
        let standard = holdable(UserType::Standard, all);
        assert!(!standard.contains(Entitlement::ROLE_ADMINISTRATOR));
        assert!(standard.names().contains(&"AUTH_CUSTOMER"));
        assert!(is_known("STANDARD_PRIVILEGES_ACCOUNTANT") && is_known("AUTH_VOUCHER") && !is_known("AUTH_NOPE"));
    }

    #[test]
    fn access_allows_names_the_missing_access() {
        let denial = access_allows(set(&["AUTH_CUSTOMER"]), Entitlement::AUTH_INVOICING, "/invoice").unwrap_err();
        assert_eq!((denial.kind, denial.rule), (DenialKind::Forbidden, "access_allows"));
        assert!(denial.reason.contains("AUTH_INVOICING"));
        assert!(access_allows(set(&["AUTH_INVOICING"]), Entitlement::AUTH_INVOICING, "/invoice").is_ok());
    }

    #[test]
    fn may_grant_entitlements_needs_user_admin_or_administrator() {
        assert!(may_grant_entitlements(set(&["AUTH_CUSTOMER"])).is_err());
        assert!(may_grant_entitlements(set(&["AUTH_USER_ADMIN"])).is_ok());
        assert!(may_grant_entitlements(set(&["ROLE_ADMINISTRATOR"])).is_ok());
    }

    #[test]
    fn may_grant_client_entitlements_needs_the_client_user_admin_right() {
        assert!(may_grant_client_entitlements(set(&["AUTH_USER_ADMIN"])).is_err());
        assert!(may_grant_client_entitlements(set(&["AUTH_CLIENT_USER_ADMIN"])).is_ok());
    }

    #[test]
    fn may_read_entitlements_of_others_needs_user_admin() {
        assert_eq!(
            may_read_entitlements_of_others(AccessSet::NONE).unwrap_err().rule,
            "may_read_entitlements_of_others"
        );
    }

    #[test]
    fn may_create_employee_tokens_needs_user_admin_or_administrator() {
        let denial = may_create_employee_tokens(set(&["AUTH_CUSTOMER"])).unwrap_err();
        assert_eq!(denial.rule, "may_create_employee_tokens");
        assert!(may_create_employee_tokens(set(&["AUTH_USER_ADMIN"])).is_ok());
        assert!(may_create_employee_tokens(set(&["ROLE_ADMINISTRATOR"])).is_ok());
    }
}
