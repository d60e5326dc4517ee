//! Rules of the actions a person performs in Tripletex's web UI (the control plane): who may
//! switch on Integrations, create keys, tick a client's checkboxes, link office keys to clients.
//! Each refusal names the missing role or setting, where the real UI would refuse.

use crate::domain::denial::{Denial, DenialKind, Rule};
use crate::domain::model::{AccountantRelation, Company, CompanyKind, Integration, Package, Person, Role};

fn forbidden(rule: Rule, reason: String, remedy: &str) -> Denial {
    Denial::new(DenialKind::Forbidden, rule, reason).remedy(remedy)
}

/// The acting person must be a user of the company the action is in.
pub fn actor_belongs_to_company(actor: &Person, company: &Company) -> Result<(), Denial> {
    if actor.company_id == company.id && !actor.is_proxy {
        return Ok(());
    }
    Err(forbidden(
        Rule::ActorBelongsToCompany,
        format!(
            "Person {} is not a user of \"{}\" (id {}).",
            actor.id, company.name, company.id
        ),
        "send X-Sandbox-Actor with the id of a person in that company, or leave it out to act as its first account administrator.",
    )
    .norwegian(
        format!("{} er ikke bruker i «{}».", actor.display_name(), company.name),
        "handle som en person i dette firmaet, eller som firmaets første kontoadministrator.",
    ))
}

/// `what` is the action refused, in English and in Norwegian.
fn require_role(actor: &Person, role: Role, rule: Rule, what: (&str, &str)) -> Result<(), Denial> {
    if actor.has_role(role) {
        return Ok(());
    }
    Err(forbidden(
        rule,
        format!(
            "{} (id {}) lacks the user access «{}», needed to {}.",
            actor.first_name,
            actor.id,
            role.ui_name(),
            what.0
        ),
        &format!(
            "give the person «{}» under Selskap > Ansatte > (person) > Brukertilgang (PUT /_sandbox/people/{{id}}/access), or act as someone who has it.",
            role.ui_name()
        ),
    )
    .norwegian(
        format!(
            "{} mangler brukertilgangen «{}», som trengs for å {}.",
            actor.display_name(),
            role.ui_name(),
            what.1
        ),
        format!(
            "gi personen «{}» under Selskap > Ansatte > (person) > Brukertilgang, eller handle som noen som har den.",
            role.ui_name()
        ),
    ))
}

/// Selskap > Mitt abonnement is changed by an account administrator.
pub fn actor_may_change_subscription(actor: &Person) -> Result<(), Denial> {
    require_role(
        actor,
        Role::AccountAdministrator,
        Rule::ActorMayChangeSubscription,
        ("change the subscription", "endre abonnementet"),
    )
}

/// The Integrations module can be switched on only under a package that has it.
pub fn package_allows_integrations(package: Package, enabling: bool) -> Result<(), Denial> {
    if !enabling || package.allows_integrations() {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::PackageAllowsIntegrations,
        format!("The package {} does not include the Integrations module.", package.as_str()),
    )
    .remedy("upgrade to Smart or Komplett (accounting offices have it) under Selskap > Mitt abonnement, then activate «Integrasjoner».")
    .field("integrationsEnabled", "Pakken har ikke Integrasjoner.")
    .norwegian(
        format!("Pakken {} har ikke modulen Integrasjoner.", package.as_str()),
        "oppgrader til Smart eller Komplett (regnskapskontorer har den) under Selskap > Mitt abonnement, og aktiver så «Integrasjoner».",
    ))
}

/// The sales modules a company holds, as `GET /company/salesmodules` lists them. A Komplett
/// company as a fresh one was recorded: wage, electronic vouchers, time tracking, the API while
/// Integrations is on, the package and up to 500 vouchers. Any other package: its name, and
/// API_V2 while Integrations is on (no recording says more).
pub fn sales_modules(package: Package, integrations: bool) -> Vec<&'static str> {
    let api = integrations.then_some("API_V2");
    match package {
        Package::Komplett => ["WAGE", "ELECTRONIC_VOUCHERS", "TIME_TRACKING"]
            .into_iter()
            .chain(api)
            .chain(["KOMPLETT", "UP_TO_500_VOUCHERS"])
            .collect(),
        other => std::iter::once(other.as_str()).chain(api).collect(),
    }
}

/// Sales modules are bought by the account's owner in Tripletex, not through the API: the live
/// API refused `POST /company/salesmodules` to a company administrator holding every entitlement.
pub fn sales_modules_are_ordered_in_tripletex(name: &str) -> Denial {
    forbidden(
        Rule::SalesModulesAreOrderedInTripletex,
        format!("The module {name} cannot be ordered through the API: Tripletex refuses it to every key."),
        "the account's owner orders modules in Tripletex under Selskap > Mitt abonnement; in the sandbox, PUT /_sandbox/companies/{id}/subscription sets the package and Integrations.",
    )
    .norwegian(
        format!("Modulen {name} kan ikke bestilles gjennom API-et: Tripletex avviser det for alle nøkler."),
        "kontoens eier bestiller moduler i Tripletex under Selskap > Mitt abonnement.",
    )
}

/// Keys, the API-tilgang tab and the Integrasjoner menu exist only once Integrations is on.
pub fn integrations_are_active(company: &Company) -> Result<(), Denial> {
    if company.integrations_enabled {
        return Ok(());
    }
    Err(forbidden(
        Rule::IntegrationsAreActive,
        format!("\"{}\" has not activated the Integrations module.", company.name),
        "an account administrator activates «Integrasjoner» under Selskap > Mitt abonnement first.",
    )
    .norwegian(
        format!("«{}» har ikke aktivert modulen Integrasjoner.", company.name),
        "en kontoadministrator aktiverer først «Integrasjoner» under Selskap > Mitt abonnement.",
    ))
}

/// Only a user administrator sees the API-tilgang tab and manages people's access and keys.
pub fn actor_is_user_administrator(actor: &Person) -> Result<(), Denial> {
    require_role(
        actor,
        Role::UserAdministrator,
        Rule::ActorIsUserAdministrator,
        ("manage users and API keys", "administrere brukere og API-nøkler"),
    )
}

/// Adding an integration from the catalog requires accepting its terms.
pub fn terms_are_accepted(accepted: bool) -> Result<(), Denial> {
    if accepted {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::TermsAreAccepted,
        "The integration's terms were not accepted.",
    )
    .remedy("tick the box that accepts the agreement before «Legg til» (acceptTerms: true).")
    .field("acceptTerms", "Avtalen må godkjennes.")
    .norwegian(
        "Integrasjonens vilkår er ikke godtatt.",
        "kryss av for at du godtar avtalen før du trykker «Legg til».",
    ))
}

/// «Tilpasset oppsett»: the application name must be identical to a registered integration's.
pub fn application_is_registered<'a>(name: &str, registered: &'a [Integration]) -> Result<&'a Integration, Denial> {
    registered.iter().find(|i| i.application_name == name).ok_or_else(|| {
        let close = registered
            .iter()
            .find(|i| i.application_name.eq_ignore_ascii_case(name));
        let hint = close.map_or_else(String::new, |i| {
            format!(" Did you mean \"{}\"? Case matters.", i.application_name)
        });
        let hint_no = close.map_or_else(String::new, |i| {
            format!(" Mente du «{}»? Store og små bokstaver teller.", i.application_name)
        });
        Denial::new(
            DenialKind::Invalid,
            Rule::ApplicationIsRegistered,
            format!("The application could not be found: no integration is registered as \"{name}\".{hint}"),
        )
        .remedy("type the Applikasjonsnavn exactly as the integration partner registered it; ask them if unsure.")
        .field("custom.applicationName", "The application could not be found")
        .norwegian(
            format!("Applikasjonen ble ikke funnet: ingen integrasjon er registrert som «{name}».{hint_no}"),
            "skriv Applikasjonsnavn nøyaktig slik integrasjonspartneren registrerte det; spør dem om du er usikker.",
        )
    })
}

/// «Regnskapskontorets brukernøkkel» needs an office account, the right role and an integration
/// that supports such keys.
pub fn office_key_is_allowed(
    company: &Company,
    actor: &Person,
    integration: Option<&Integration>,
    supports: bool,
) -> Result<(), Denial> {
    if company.kind != CompanyKind::Office {
        return Err(forbidden(
            Rule::OfficeKeyIsAllowed,
            format!(
                "\"{}\" is not an accounting office; the «Regnskapskontorets brukernøkkel» checkbox exists only in office accounts.",
                company.name
            ),
            "make an ordinary key here, or make the office key in the accounting office's account.",
        )
        .norwegian(
            format!(
                "«{}» er ikke et regnskapskontor; avkrysningen «Regnskapskontorets brukernøkkel» finnes bare i kontorkontoer.",
                company.name
            ),
            "lag en vanlig nøkkel her, eller lag kontornøkkelen i regnskapskontorets konto.",
        ));
    }
    require_role(
        actor,
        Role::ClientUserAdministrator,
        Rule::OfficeKeyIsAllowed,
        (
            "create an accounting-office key",
            "opprette regnskapskontorets brukernøkkel",
        ),
    )?;
    if let Some(integration) = integration
        && !supports
    {
        return Err(forbidden(
            Rule::OfficeKeyIsAllowed,
            format!(
                "\"{}\" does not support accounting-office keys.",
                integration.application_name
            ),
            "leave «Regnskapskontorets brukernøkkel» unticked and make an end-user key inside each client account instead.",
        )
        .norwegian(
            format!(
                "«{}» støtter ikke regnskapskontorets brukernøkkel.",
                integration.application_name
            ),
            "la «Regnskapskontorets brukernøkkel» stå uavkrysset, og lag heller en sluttbrukernøkkel i hver klientkonto.",
        ));
    }
    Ok(())
}

/// A client's Selskap > Regnskapsfører settings are changed by the client's administrator, or by
/// the office when the client gave it admin rights.
pub fn actor_may_change_client_settings(
    actor: &Person,
    client: &Company,
    relation: &AccountantRelation,
) -> Result<(), Denial> {
    let is_client_admin = actor.company_id == client.id && actor.has_role(Role::AccountAdministrator);
    let is_office_admin = actor.company_id == relation.office_id
        && relation.office_is_admin
        && (actor.has_role(Role::AccountAdministrator) || actor.has_role(Role::ClientUserAdministrator));
    if is_client_admin || is_office_admin {
        return Ok(());
    }
    let (reason, reason_no) = if actor.company_id == relation.office_id {
        (
            format!(
                "The office has no admin rights in \"{}\", so it cannot change the client's Selskap > Regnskapsfører settings.",
                client.name
            ),
            format!(
                "Regnskapskontoret har ikke admin-rettigheter i «{}», og kan derfor ikke endre klientens innstillinger under Selskap > Regnskapsfører.",
                client.name
            ),
        )
    } else {
        (
            format!(
                "{} (id {}) is not an account administrator of \"{}\".",
                actor.first_name, actor.id, client.name
            ),
            format!(
                "{} er ikke kontoadministrator i «{}».",
                actor.display_name(),
                client.name
            ),
        )
    };
    Err(forbidden(
        Rule::ActorMayChangeClientSettings,
        reason,
        "ask the client's administrator to do it in the client's account (Selskap > Regnskapsfører), or have the client give the office admin rights.",
    )
    .norwegian(
        reason_no,
        "be klientens administrator gjøre det i klientkontoen (Selskap > Regnskapsfører), eller la klienten gi regnskapskontoret admin-rettigheter.",
    ))
}

/// Linking an office key to a client (Klient > Tilganger) takes «Brukeradministrator i
/// klientkontoer» in the office.
pub fn actor_may_link_office_keys(actor: &Person, office_id: i64) -> Result<(), Denial> {
    if actor.company_id != office_id {
        return Err(forbidden(
            Rule::ActorMayLinkOfficeKeys,
            format!("Person {} is not a user of the office that owns the key.", actor.id),
            "act as a person of the accounting office (X-Sandbox-Actor).",
        )
        .norwegian(
            format!(
                "{} er ikke bruker i regnskapskontoret som eier nøkkelen.",
                actor.display_name()
            ),
            "handle som en person i regnskapskontoret.",
        ));
    }
    require_role(
        actor,
        Role::ClientUserAdministrator,
        Rule::ActorMayLinkOfficeKeys,
        (
            "give an office key access to a client",
            "gi en kontornøkkel tilgang til en klient",
        ),
    )
}

/// Only an accounting-office key («Regnskapskontorets brukernøkkel») can be linked to a client.
pub fn key_is_an_office_key(key: &crate::domain::model::Key) -> Result<(), Denial> {
    if key.accountant_key {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::KeyIsAnOfficeKey,
        format!("Key {} («{}») is not an accounting-office key; only office keys reach clients.", key.id, key.name),
    )
    .remedy("make a new key with «Regnskapskontorets brukernøkkel» ticked under API-tilgang > «Ny nøkkel», and link that one.")
    .norwegian(
        format!("Nøkkelen «{}» er ikke regnskapskontorets brukernøkkel; bare kontornøkler når klienter.", key.name),
        "lag en ny nøkkel med «Regnskapskontorets brukernøkkel» avkrysset under API-tilgang > «Ny nøkkel», og koble den.",
    ))
}

/// An office key reaches only the clients of the office that owns it.
pub fn key_belongs_to_the_clients_office(
    key: &crate::domain::model::Key,
    relation: &AccountantRelation,
    client: &Company,
) -> Result<(), Denial> {
    if key.company_id == relation.office_id {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::KeyBelongsToTheClientsOffice,
        format!(
            "\"{}\" is not a client of the office that owns key {}.",
            client.name, key.id
        ),
    )
    .remedy("link a key of the client's own accounting office (see the client's Selskap > Regnskapsfører).")
    .norwegian(
        format!(
            "«{}» er ikke klient av regnskapskontoret som eier nøkkelen «{}».",
            client.name, key.name
        ),
        "koble en nøkkel fra klientens eget regnskapskontor (se klientens Selskap > Regnskapsfører).",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::UserType;

    fn person(company_id: i64, roles: &[Role]) -> Person {
        Person {
            id: 9,
            company_id,
            first_name: "Ada".into(),
            last_name: "L".into(),
            email: String::new(),
            is_contact: false,
            is_proxy: false,
            user_type: UserType::Extended,
            roles: roles.to_vec(),
            entitlements: Vec::new(),
            client_entitlements: Default::default(),
            version: 0,
            details: Default::default(),
        }
    }

    fn company(id: i64, kind: CompanyKind) -> Company {
        Company {
            id,
            name: "C".into(),
            organization_number: String::new(),
            kind,
            package: Package::Smart,
            integrations_enabled: true,
            company_type: "AS".into(),
            email: String::new(),
        }
    }

    fn integration(name: &str) -> Integration {
        Integration {
            id: 1,
            application_name: name.into(),
            consumer_token: "c".into(),
            emails: String::new(),
        }
    }

    #[test]
    fn actor_may_change_subscription_needs_an_account_administrator() {
        assert!(actor_may_change_subscription(&person(1, &[Role::AccountAdministrator])).is_ok());
        let denial = actor_may_change_subscription(&person(1, &[Role::UserAdministrator])).unwrap_err();
        assert!(denial.developer_message().contains("Kontoadministrator"));
    }

    #[test]
    fn package_allows_integrations_only_for_smart_komplett_and_offices() {
        assert!(package_allows_integrations(Package::Basis, true).is_err());
        assert!(package_allows_integrations(Package::Basis, false).is_ok());
        assert!(package_allows_integrations(Package::Komplett, true).is_ok());
    }

    #[test]
    fn application_is_registered_compares_names_exactly() {
        let registered = [integration("Fjord Sync")];
        assert!(application_is_registered("Fjord Sync", &registered).is_ok());
        let denial = application_is_registered("fjord sync", &registered).unwrap_err();
        assert!(denial.reason.starts_with("The application could not be found"));
        assert!(denial.reason.contains("Did you mean \"Fjord Sync\""));
    }

    #[test]
    fn office_key_is_allowed_needs_an_office_the_role_and_support() {
        let office = company(1, CompanyKind::Office);
        let admin = person(1, &[Role::ClientUserAdministrator]);
        let i = integration("X");
        assert!(office_key_is_allowed(&office, &admin, Some(&i), true).is_ok());
        assert!(office_key_is_allowed(&office, &admin, Some(&i), false).is_err());
        assert!(office_key_is_allowed(&office, &person(1, &[Role::UserAdministrator]), Some(&i), true).is_err());
        assert!(office_key_is_allowed(&company(1, CompanyKind::Standalone), &admin, Some(&i), true).is_err());
    }

    #[test]
    fn actor_may_change_client_settings_as_client_admin_or_admin_office() {
        let client = company(2, CompanyKind::Client);
        let mut relation = AccountantRelation {
            office_id: 1,
            client_id: 2,
            api_access: false,
            office_is_admin: false,
        };
        assert!(
            actor_may_change_client_settings(&person(2, &[Role::AccountAdministrator]), &client, &relation).is_ok()
        );
        let office_admin = person(1, &[Role::AccountAdministrator]);
        assert!(actor_may_change_client_settings(&office_admin, &client, &relation).is_err());
        relation.office_is_admin = true;
        assert!(actor_may_change_client_settings(&office_admin, &client, &relation).is_ok());
    }

    #[test]
    fn actor_may_link_office_keys_needs_the_client_user_administrator_role() {
        assert!(actor_may_link_office_keys(&person(1, &[Role::ClientUserAdministrator]), 1).is_ok());
        assert!(actor_may_link_office_keys(&person(1, &[Role::AccountAdministrator]), 1).is_err());
        assert!(actor_may_link_office_keys(&person(2, &[Role::ClientUserAdministrator]), 1).is_err());
    }

    #[test]
    fn terms_are_accepted_refuses_unaccepted_terms() {
        assert!(terms_are_accepted(false).is_err());
        assert!(terms_are_accepted(true).is_ok());
    }

    #[test]
    fn integrations_are_active_refuses_while_the_module_is_off() {
        let mut c = company(1, CompanyKind::Standalone);
        assert!(integrations_are_active(&c).is_ok());
        c.integrations_enabled = false;
        assert!(integrations_are_active(&c).is_err());
    }

    #[test]
    fn actor_is_user_administrator_needs_the_role() {
        assert!(actor_is_user_administrator(&person(1, &[])).is_err());
        assert!(actor_is_user_administrator(&person(1, &[Role::UserAdministrator])).is_ok());
    }

    #[test]
    fn actor_belongs_to_company_refuses_people_of_other_companies() {
        assert!(actor_belongs_to_company(&person(2, &[]), &company(1, CompanyKind::Standalone)).is_err());
        assert!(actor_belongs_to_company(&person(1, &[]), &company(1, CompanyKind::Standalone)).is_ok());
    }

    #[test]
    fn key_is_an_office_key_refuses_ordinary_keys() {
        let mut key = crate::domain::model::Key {
            id: 7,
            name: "Sync".into(),
            person_id: 1,
            company_id: 100,
            application_name: "A".into(),
            accountant_key: false,
            state: crate::domain::model::KeyState::Active,
        };
        assert_eq!(key_is_an_office_key(&key).unwrap_err().rule, "key_is_an_office_key");
        key.accountant_key = true;
        assert!(key_is_an_office_key(&key).is_ok());
    }

    #[test]
    fn key_belongs_to_the_clients_office_refuses_another_offices_key() {
        let key = crate::domain::model::Key {
            id: 7,
            name: "Sync".into(),
            person_id: 1,
            company_id: 100,
            application_name: "A".into(),
            accountant_key: true,
            state: crate::domain::model::KeyState::Active,
        };
        let relation = |office_id| AccountantRelation {
            office_id,
            client_id: 200,
            api_access: true,
            office_is_admin: false,
        };
        let client = company(200, CompanyKind::Client);
        assert!(key_belongs_to_the_clients_office(&key, &relation(100), &client).is_ok());
        let denial = key_belongs_to_the_clients_office(&key, &relation(300), &client).unwrap_err();
        assert_eq!(
            (denial.kind, denial.rule),
            (DenialKind::Invalid, "key_belongs_to_the_clients_office")
        );
    }

    #[test]
    fn sales_modules_of_a_komplett_company_are_the_recorded_ones() {
        assert_eq!(
            sales_modules(Package::Komplett, true),
            [
                "WAGE",
                "ELECTRONIC_VOUCHERS",
                "TIME_TRACKING",
                "API_V2",
                "KOMPLETT",
                "UP_TO_500_VOUCHERS"
            ]
        );
        assert_eq!(sales_modules(Package::Smart, true), ["SMART", "API_V2"]);
        assert_eq!(sales_modules(Package::Basis, false), ["BASIS"]);
    }

    #[test]
    fn sales_modules_are_ordered_in_tripletex_not_through_the_api() {
        let denial = sales_modules_are_ordered_in_tripletex("PROJECT");
        assert_eq!(denial.kind, DenialKind::Forbidden);
        assert!(denial.reason.contains("PROJECT"));
        assert!(denial.remedy.is_some_and(|r| r.contains("Mitt abonnement")));
    }
}
