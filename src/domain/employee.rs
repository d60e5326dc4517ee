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

/// Names and a user type are required; users who can log in need an e-mail that no one else has.
pub fn employee_is_valid(draft: &EmployeeDraft, email_taken: bool) -> Result<(), Denial> {
    let mut denial = Denial::new(
        DenialKind::Invalid,
        rule_name!(),
        "The employee cannot be saved as sent.",
    )
    .remedy("fix the fields named in validationMessages.");
    let mut wrong = false;
    if draft.first_name.trim().is_empty() {
        denial = denial.field("firstName", "Kan ikke være null.");
        wrong = true;
    }
    if draft.last_name.trim().is_empty() {
        denial = denial.field("lastName", "Kan ikke være null.");
        wrong = true;
    }
    match draft.user_type {
        None => {
            denial = denial.field("userType", "Brukertype kan ikke være «0» eller tom.");
            wrong = true;
        }
        Some(UserType::NoAccess) => {}
        Some(_) if draft.email.trim().is_empty() => {
            denial = denial.field("email", "Må angis for Tripletex-brukere");
            wrong = true;
        }
        Some(_) => {}
    }
    if email_taken {
        denial = denial.field("email", "Det finnes allerede en bruker med denne e-postadressen");
        wrong = true;
    }
    if wrong { Err(denial) } else { Ok(()) }
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
        assert_eq!(no_type.fields[0].message, "Brukertype kan ikke være «0» eller tom.");
        let no_email = employee_is_valid(&draft(Some(UserType::Extended), ""), false).unwrap_err();
        assert_eq!(no_email.fields[0].message, "Må angis for Tripletex-brukere");
        let taken = employee_is_valid(&draft(Some(UserType::Extended), "a@b.example"), true).unwrap_err();
        assert_eq!(
            taken.fields[0].message,
            "Det finnes allerede en bruker med denne e-postadressen"
        );
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
