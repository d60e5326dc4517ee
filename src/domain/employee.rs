//! Rules for writing employees through the API: the validation messages the real API gives.

use crate::domain::denial::{Denial, DenialKind, Rule};
use crate::domain::model::UserType;

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
        Rule::EmployeeDenial,
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
        Rule::ProjectManagerIsAllowed,
        format!("{} does not hold AUTH_PROJECT_MANAGER, so cannot manage projects.", manager.display_name()),
    )
    .remedy("give the person the project manager access (AUTH_PROJECT_MANAGER, with AUTH_CREATE_PROJECT) under Brukertilgang, or pick another project manager.")
    .field(
        "projectManager.id",
        &format!("Oppgitt prosjektleder har ikke fått tilgang som prosjektleder i kontoen: {}.", manager.display_name()),
    ))
}

/// The hours of a full-time year an annual salary is divided by for its hourly wage: 37.5 hours a
/// week for 52 weeks.
pub const FULL_TIME_HOURS_A_YEAR: f64 = 1950.0;

/// The hourly wage Tripletex gives a new salary line that names only its annual salary, in whole
/// kroner: 660 000 a year is 338 an hour and 500 000 is 256, whatever the position's percentage
/// (recorded on the live API).
pub fn hourly_wage_of(annual_salary: f64) -> f64 {
    (annual_salary / FULL_TIME_HOURS_A_YEAR).round()
}

/// An employment has one salary line (employment details) per date.
pub fn details_date_is_free(date: &str, taken: &[String]) -> Result<(), Denial> {
    if !taken.iter().any(|t| t == date) {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::DetailsDateIsFree,
        format!("The employment already has employment details dated {date}."),
    )
    .remedy(
        "change the existing details with PUT /v2/employee/employment/details/{id}, or give the new ones another date.",
    )
    .field("date", "Finnes fra før."))
}

/// A salary line cannot start before its employment does.
pub fn details_date_is_within_employment(date: &str, start: &str) -> Result<(), Denial> {
    if date.is_empty() || start.is_empty() || date >= start {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::DetailsDateIsWithinEmployment,
        format!("The employment details are dated {date}, before the employment starts ({start})."),
    )
    .remedy("date the details on or after the employment's startDate, or move the employment's startDate first.")
    .field("date", "Dato på lønnsraden er før arbeidsforholdets startdato."))
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

    #[test]
    fn hourly_wage_of_an_annual_salary_is_as_recorded() {
        assert_eq!(hourly_wage_of(660_000.0), 338.0);
        assert_eq!(hourly_wage_of(500_000.0), 256.0);
        assert_eq!(hourly_wage_of(0.0), 0.0);
    }

    #[test]
    fn details_date_is_free_once_per_employment() {
        assert!(details_date_is_free("2026-09-06", &["2026-01-01".into()]).is_ok());
        let taken = details_date_is_free("2026-09-06", &["2026-09-06".into()]).unwrap_err();
        assert_eq!(
            (taken.fields[0].field.as_str(), taken.fields[0].message.as_str()),
            ("date", "Finnes fra før.")
        );
    }

    #[test]
    fn details_date_is_within_employment_from_its_start() {
        assert!(details_date_is_within_employment("2026-09-06", "2026-09-06").is_ok());
        assert!(details_date_is_within_employment("2026-09-06", "").is_ok());
        let early = details_date_is_within_employment("2024-03-15", "2026-07-06").unwrap_err();
        assert_eq!(
            early.fields[0].message,
            "Dato på lønnsraden er før arbeidsforholdets startdato."
        );
    }
}
