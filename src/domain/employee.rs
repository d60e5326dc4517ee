//! Rules for writing employees through the API: the validation messages the real API gives.

use crate::domain::denial::{Denial, DenialKind};
use crate::domain::model::UserType;
use crate::rule_name;

/// What a POST or PUT wants an employee to be, after parsing.
#[derive(Debug, Clone, Default)]
pub struct EmployeeDraft {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub user_type: Option<UserType>,
    /// The other fields the write sets, by their API names (see `Person::details`).
    pub details: serde_json::Map<String, serde_json::Value>,
}

/// What the real API says of a missing or unknown user type (with no field named).
pub const NO_USER_TYPE: &str = "Brukertype kan ikke være \"0\" eller tom.";

fn employee_denial() -> Denial {
    Denial::new(
        DenialKind::Invalid,
        rule_name!(),
        "The employee cannot be saved as sent.",
    )
    .remedy("fix the fields named in validationMessages.")
}

/// Names first; once they are there, a user type, and for users who can log in an e-mail that no
/// one else has: the real API validates in these rounds and reports only the first that fails.
pub fn employee_is_valid(draft: &EmployeeDraft, email_taken: bool) -> Result<(), Denial> {
    let mut denial = employee_denial();
    if draft.first_name.trim().is_empty() {
        denial = denial.field("firstName", "Kan ikke være null.");
    }
    if draft.last_name.trim().is_empty() {
        denial = denial.field("lastName", "Kan ikke være null.");
    }
    if !denial.fields.is_empty() {
        return Err(denial);
    }
    match draft.user_type {
        None => denial = denial.unnamed(NO_USER_TYPE),
        Some(UserType::NoAccess) => {}
        Some(_) if draft.email.trim().is_empty() => {
            denial = denial.field("email", "Må angis for Tripletex-brukere");
        }
        Some(_) => {}
    }
    if email_taken {
        denial = denial.field("email", "Det finnes allerede en bruker med denne e-postadressen");
    }
    if denial.fields.is_empty() { Ok(()) } else { Err(denial) }
}

/// A new employee names its department (a fresh company answers `department.id` «Feltet må fylles
/// ut.» once everything else is right).
pub fn new_employee_has_a_department(draft: &EmployeeDraft) -> Result<(), Denial> {
    let named = draft
        .details
        .get("department")
        .and_then(|d| d.get("id"))
        .is_some_and(|id| !id.is_null());
    match named {
        true => Ok(()),
        false => Err(employee_denial()
            .remedy("send department: {\"id\": …}, one of GET /v2/department.")
            .field("department.id", "Feltet må fylles ut.")),
    }
}

/// A project manager must hold AUTH_PROJECT_MANAGER (an account administrator holds everything).
pub fn project_manager_is_allowed(manager: &crate::domain::model::Person) -> Result<(), Denial> {
    use crate::domain::entitlements::{Entitlement, KeyAccesses, limited_access};
    let held = limited_access(&KeyAccesses::All, manager.user_type, &manager.entitlements, None);
    if held.contains(Entitlement::AUTH_PROJECT_MANAGER) {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        rule_name!(),
        format!("{} does not hold AUTH_PROJECT_MANAGER, so cannot manage projects.", manager.display_name()),
    )
    .remedy("give the person the project manager access (AUTH_PROJECT_MANAGER, with AUTH_CREATE_PROJECT) under Brukertilgang, or pick another project manager.")
    .field(
        "projectManager.id",
        &format!("Oppgitt prosjektleder har ikke fått tilgang som prosjektleder i kontoen: {}.", manager.display_name()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(user_type: Option<UserType>, email: &str) -> EmployeeDraft {
        EmployeeDraft {
            first_name: "A".into(),
            last_name: "B".into(),
            email: email.into(),
            user_type,
            details: Default::default(),
        }
    }

    #[test]
    fn employee_is_valid_gives_the_real_messages() {
        assert!(employee_is_valid(&draft(Some(UserType::Standard), "a@b.example"), false).is_ok());
        assert!(employee_is_valid(&draft(Some(UserType::NoAccess), ""), false).is_ok());
        let no_type = employee_is_valid(&draft(None, ""), false).unwrap_err();
        assert_eq!(
            (no_type.fields[0].field.as_str(), no_type.fields[0].message.as_str()),
            ("", NO_USER_TYPE)
        );
        let mut unnamed = draft(None, "");
        unnamed.first_name.clear();
        let names_first = employee_is_valid(&unnamed, false).unwrap_err();
        assert_eq!(
            names_first.fields.len(),
            1,
            "the user type waits for the names: {names_first:?}"
        );
        let no_email = employee_is_valid(&draft(Some(UserType::Extended), ""), false).unwrap_err();
        assert_eq!(no_email.fields[0].message, "Må angis for Tripletex-brukere");
        let taken = employee_is_valid(&draft(Some(UserType::Extended), "a@b.example"), true).unwrap_err();
        assert_eq!(
            taken.fields[0].message,
            "Det finnes allerede en bruker med denne e-postadressen"
        );
    }

    #[test]
    fn new_employee_has_a_department_named_by_its_id() {
        let mut new = draft(Some(UserType::Standard), "a@b.example");
        let missing = new_employee_has_a_department(&new).unwrap_err();
        assert_eq!(missing.fields[0].field, "department.id");
        new.details.insert("department".into(), serde_json::json!({"id": 7}));
        assert!(new_employee_has_a_department(&new).is_ok());
    }

    #[test]
    fn project_manager_is_allowed_only_with_the_project_manager_access() {
        let mut person = crate::domain::model::Person::blank();
        person.entitlements = vec!["AUTH_HOURLIST".into()];
        assert!(project_manager_is_allowed(&person).is_err());
        person.entitlements.push("AUTH_PROJECT_MANAGER".into());
        assert!(project_manager_is_allowed(&person).is_ok());
    }
}
