//! The entitlement catalogue (stable ids), the access templates that expand to entitlements, and
//! the effective access of a key: key ∩ owner's current access (∩ the client link when proxied).

use crate::domain::model::UserType;
use std::collections::BTreeSet;

/// `(entitlementId, name)`. Ids 1, 10 and 45 are Tripletex's own; the rest are the sandbox's,
/// kept stable so tests and scenarios can rely on them.
pub const CATALOGUE: &[(i32, &str)] = &[
    (1, "ROLE_ADMINISTRATOR"),
    (2, "AUTH_USER_ADMIN"),
    (3, "AUTH_CLIENT_USER_ADMIN"),
    (4, "AUTH_CUSTOMER"),
    (5, "AUTH_SUPPLIER"),
    (6, "AUTH_PRODUCT"),
    (7, "AUTH_INVOICING"),
    (8, "AUTH_ORDER"),
    (9, "AUTH_EMPLOYEE"),
    (10, "AUTH_PROJECT_MANAGER"),
    (11, "AUTH_HOURLIST"),
    (12, "AUTH_TRAVEL_EXPENSE"),
    (13, "AUTH_VOUCHER"),
    (14, "AUTH_ADVANCED_VOUCHER"),
    (15, "AUTH_ALL_VOUCHERS"),
    (16, "AUTH_SALARY"),
    (17, "AUTH_DEPARTMENT"),
    (18, "AUTH_COMPANY_INFO"),
    (45, "AUTH_CREATE_PROJECT"),
];

/// Entitlements a STANDARD user cannot hold.
const ADMINISTRATIVE: &[&str] = &["ROLE_ADMINISTRATOR", "AUTH_USER_ADMIN", "AUTH_CLIENT_USER_ADMIN"];

/// Access templates, as `:grantEntitlementsByTemplate` and the client-access screen name them.
pub const TEMPLATES: &[(&str, &[&str])] = &[
    ("NONE_PRIVILEGES", &[]),
    ("ALL_PRIVILEGES", &["*"]),
    (
        "STANDARD_PRIVILEGES_ACCOUNTANT",
        &[
            "AUTH_CUSTOMER",
            "AUTH_SUPPLIER",
            "AUTH_PRODUCT",
            "AUTH_INVOICING",
            "AUTH_ORDER",
            "AUTH_EMPLOYEE",
            "AUTH_TRAVEL_EXPENSE",
            "AUTH_VOUCHER",
            "AUTH_ADVANCED_VOUCHER",
            "AUTH_ALL_VOUCHERS",
            "AUTH_SALARY",
            "AUTH_DEPARTMENT",
            "AUTH_COMPANY_INFO",
        ],
    ),
    (
        "STANDARD_PRIVILEGES_AUDITOR",
        &["AUTH_ALL_VOUCHERS", "AUTH_COMPANY_INFO"],
    ),
    (
        "ACCOUNTANT",
        &[
            "AUTH_CUSTOMER",
            "AUTH_SUPPLIER",
            "AUTH_INVOICING",
            "AUTH_VOUCHER",
            "AUTH_ADVANCED_VOUCHER",
            "AUTH_ALL_VOUCHERS",
            "AUTH_SALARY",
            "AUTH_COMPANY_INFO",
        ],
    ),
    ("AUDITOR", &["AUTH_ALL_VOUCHERS", "AUTH_COMPANY_INFO"]),
    (
        "INVOICING_MANAGER",
        &["AUTH_CUSTOMER", "AUTH_PRODUCT", "AUTH_INVOICING", "AUTH_ORDER"],
    ),
    (
        "PERSONELL_MANAGER",
        &[
            "AUTH_EMPLOYEE",
            "AUTH_SALARY",
            "AUTH_TRAVEL_EXPENSE",
            "AUTH_HOURLIST",
            "AUTH_DEPARTMENT",
        ],
    ),
    (
        "DEPARTMENT_LEADER",
        &[
            "AUTH_EMPLOYEE",
            "AUTH_HOURLIST",
            "AUTH_DEPARTMENT",
            "AUTH_PROJECT_MANAGER",
            "AUTH_CREATE_PROJECT",
        ],
    ),
];

pub fn id_of(name: &str) -> Option<i32> {
    CATALOGUE.iter().find(|(_, n)| *n == name).map(|(id, _)| *id)
}

/// True for a catalogue entitlement name or a template name.
pub fn is_known(name: &str) -> bool {
    id_of(name).is_some() || TEMPLATES.iter().any(|(t, _)| *t == name)
}

/// Expands names and template names into a set of catalogue entitlement names.
pub fn expand<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    for name in names {
        if let Some((_, entitlement)) = CATALOGUE.iter().find(|(_, n)| *n == name) {
            out.insert(*entitlement);
        } else if let Some((_, members)) = TEMPLATES.iter().find(|(t, _)| *t == name) {
            if members.first() == Some(&"*") {
                out.extend(CATALOGUE.iter().map(|(_, n)| *n));
            } else {
                out.extend(members.iter().copied());
            }
        }
    }
    out
}

/// What a person can hold given their user type.
pub fn holdable(user_type: UserType, names: BTreeSet<&'static str>) -> BTreeSet<&'static str> {
    match user_type {
        UserType::NoAccess => BTreeSet::new(),
        UserType::Standard => names.into_iter().filter(|n| !ADMINISTRATIVE.contains(n)).collect(),
        UserType::Extended => names,
    }
}

/// A key's own accesses: everything its integration's template gives, or a chosen list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAccesses {
    All,
    Only(Vec<String>),
}

/// Effective access of a key on one request: the key's accesses ∩ the owner's current access
/// (∩ the client link's accesses when acting as a client). Evaluated anew on every request.
pub fn effective_access(
    key: &KeyAccesses,
    owner_user_type: UserType,
    owner_access: &[String],
    link: Option<&[String]>,
) -> BTreeSet<&'static str> {
    let mut owner = expand(owner_access.iter().map(String::as_str));
    // The account administrator may do everything in the account.
    if owner.contains("ROLE_ADMINISTRATOR") {
        owner = expand(["ALL_PRIVILEGES"]);
    }
    let owner = holdable(owner_user_type, owner);
    let mut access: BTreeSet<&'static str> = match key {
        KeyAccesses::All => owner,
        KeyAccesses::Only(names) => {
            let key = expand(names.iter().map(String::as_str));
            key.intersection(&owner).copied().collect()
        }
    };
    if let Some(link) = link {
        let link = expand(link.iter().map(String::as_str));
        access.retain(|n| link.contains(n));
    }
    access
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_key_never_has_more_access_than_its_owner_has_now() {
        let key = KeyAccesses::Only(names(&["AUTH_CUSTOMER", "AUTH_INVOICING"]));
        let owner = names(&["AUTH_CUSTOMER"]);
        let access = effective_access(&key, UserType::Extended, &owner, None);
        assert_eq!(access.into_iter().collect::<Vec<_>>(), ["AUTH_CUSTOMER"]);
        assert!(effective_access(&KeyAccesses::All, UserType::NoAccess, &owner, None).is_empty());
    }

    #[test]
    fn an_account_administrator_holds_every_entitlement() {
        let owner = names(&["ROLE_ADMINISTRATOR"]);
        let access = effective_access(&KeyAccesses::All, UserType::Extended, &owner, None);
        assert_eq!(access.len(), CATALOGUE.len());
        let key = KeyAccesses::Only(names(&["AUTH_SALARY"]));
        assert_eq!(
            effective_access(&key, UserType::Extended, &owner, None)
                .into_iter()
                .collect::<Vec<_>>(),
            ["AUTH_SALARY"]
        );
    }

    #[test]
    fn acting_as_a_client_is_also_limited_by_the_link() {
        let owner = names(&["ALL_PRIVILEGES"]);
        let link = names(&["AUTH_CUSTOMER"]);
        let access = effective_access(&KeyAccesses::All, UserType::Extended, &owner, Some(&link));
        assert_eq!(access.into_iter().collect::<Vec<_>>(), ["AUTH_CUSTOMER"]);
    }

    #[test]
    fn templates_expand_and_standard_users_hold_no_administrative_rights() {
        let all = expand(["ALL_PRIVILEGES"]);
        assert_eq!(all.len(), CATALOGUE.len());
        let standard = holdable(UserType::Standard, all);
        assert!(!standard.contains("ROLE_ADMINISTRATOR"));
        assert!(standard.contains("AUTH_CUSTOMER"));
        assert!(is_known("STANDARD_PRIVILEGES_ACCOUNTANT") && is_known("AUTH_VOUCHER") && !is_known("AUTH_NOPE"));
    }
}

/// An operation on `what` needs `needed` in the key's effective access.
pub fn access_includes(
    access: &BTreeSet<&'static str>,
    needed: &str,
    what: &str,
) -> Result<(), crate::domain::denial::Denial> {
    if access.contains(needed) {
        return Ok(());
    }
    Err(crate::domain::denial::Denial::new(
        crate::domain::denial::DenialKind::Forbidden,
        "access_allows",
        format!("{what} needs the access {needed}, which the key does not have here."),
    )
    .remedy(format!(
        "a key has at most its owner's accesses: give the owner {needed} under Brukertilgang (or, acting as a client, in the client access and the key's link under Klient > Tilganger), and make sure the key's own accesses include it."
    )))
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

fn lacks(rule: &'static str, needed: &str, what: &str) -> crate::domain::denial::Denial {
    crate::domain::denial::Denial::new(
        crate::domain::denial::DenialKind::Forbidden,
        rule,
        format!("{what} needs {needed} (or ROLE_ADMINISTRATOR) in the key's effective access."),
    )
    .remedy(format!(
        "make the key on a user administrator: the owner needs {needed} (Brukertilgang), and the key must carry it."
    ))
}

/// Granting entitlements in the own company takes a user administrator's key.
pub fn may_grant_entitlements(access: &BTreeSet<&'static str>) -> Result<(), crate::domain::denial::Denial> {
    if access.contains("ROLE_ADMINISTRATOR") || access.contains("AUTH_USER_ADMIN") {
        return Ok(());
    }
    Err(lacks(
        "may_grant_entitlements",
        "AUTH_USER_ADMIN",
        "Granting entitlements",
    ))
}

/// Granting an office person access in a client takes «Brukeradministrator i klientkontoer».
pub fn may_grant_client_entitlements(access: &BTreeSet<&'static str>) -> Result<(), crate::domain::denial::Denial> {
    if access.contains("ROLE_ADMINISTRATOR") || access.contains("AUTH_CLIENT_USER_ADMIN") {
        return Ok(());
    }
    Err(lacks(
        "may_grant_client_entitlements",
        "AUTH_CLIENT_USER_ADMIN",
        "Granting access in a client",
    ))
}

/// Reading another person's entitlements takes a user administrator's key too.
pub fn may_read_entitlements_of_others(access: &BTreeSet<&'static str>) -> Result<(), crate::domain::denial::Denial> {
    may_grant_entitlements(access).map_err(|mut d| {
        d.rule = "may_read_entitlements_of_others";
        d.reason = "Reading another person's entitlements needs AUTH_USER_ADMIN (or ROLE_ADMINISTRATOR) in the key's effective access.".into();
        d
    })
}

#[cfg(test)]
mod grant_tests {
    use super::*;

    #[test]
    fn may_grant_entitlements_needs_user_admin_or_administrator() {
        assert!(may_grant_entitlements(&BTreeSet::from(["AUTH_CUSTOMER"])).is_err());
        assert!(may_grant_entitlements(&BTreeSet::from(["AUTH_USER_ADMIN"])).is_ok());
        assert!(may_grant_entitlements(&BTreeSet::from(["ROLE_ADMINISTRATOR"])).is_ok());
    }

    #[test]
    fn may_grant_client_entitlements_needs_the_client_user_admin_right() {
        assert!(may_grant_client_entitlements(&BTreeSet::from(["AUTH_USER_ADMIN"])).is_err());
        assert!(may_grant_client_entitlements(&BTreeSet::from(["AUTH_CLIENT_USER_ADMIN"])).is_ok());
    }

    #[test]
    fn may_read_entitlements_of_others_needs_user_admin() {
        assert_eq!(
            may_read_entitlements_of_others(&BTreeSet::new()).unwrap_err().rule,
            "may_read_entitlements_of_others"
        );
    }
}
