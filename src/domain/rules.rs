//! Every access decision of the emulator, one function per rule, each returning the accepted
//! value or a [`Denial`]. Pure and synchronous: no HTTP, no SQL; callers fetch the facts first.

use crate::domain::denial::{Denial, DenialKind, Rule};
use crate::domain::model::{
    AccountantRelation, Company, CompanyContext, EmployeeTokenLookup, Integration, Key, KeyState, Person, Session,
    UserType,
};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use std::sync::LazyLock;

/// Session expiry is reckoned in Norwegian time, as Tripletex does.
static OSLO: LazyLock<TimeZone> = LazyLock::new(|| TimeZone::get("Europe/Oslo").unwrap_or(TimeZone::UTC));

const NOT_NULL: &str = "Kan ikke være null.";
const MINT_REMEDY: &str = "mint a new session with PUT /v2/token/session/:create?consumerToken=…&employeeToken=…&expirationDate=YYYY-MM-DD (a date after today).";
const SUBSCRIPTION_REMEDY: &str = "an account administrator activates «Integrasjoner» under Selskap > Mitt abonnement (needs the Smart or Komplett package, or an accounting-office account).";

/// The three query arguments of `PUT /token/session/:create`, as they arrived.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionArguments<'a> {
    pub consumer_token: Option<&'a str>,
    pub employee_token: Option<&'a str>,
    pub expiration_date: Option<&'a str>,
}

/// All three arguments are present (blank counts as missing); every missing one is named.
pub fn session_arguments_are_complete<'a>(args: SessionArguments<'a>) -> Result<(&'a str, &'a str, &'a str), Denial> {
    let present = |v: Option<&'a str>| v.filter(|s| !s.trim().is_empty());
    match (
        present(args.consumer_token),
        present(args.employee_token),
        present(args.expiration_date),
    ) {
        (Some(c), Some(e), Some(d)) => Ok((c, e, d)),
        (c, e, d) => {
            let mut denial = Denial::new(
                DenialKind::MissingArgument,
                Rule::SessionArgumentsAreComplete,
                "PUT /token/session/:create needs the query arguments consumerToken, employeeToken and expirationDate.",
            )
            .remedy(MINT_REMEDY);
            for (name, value) in [("consumerToken", c), ("employeeToken", e), ("expirationDate", d)] {
                if value.is_none() {
                    denial = denial.field(name, NOT_NULL);
                }
            }
            Err(denial)
        }
    }
}

/// `expirationDate` is `YYYY-MM-DD`; an ISO date-time is accepted and its date part used.
pub fn expiration_date_is_a_date(text: &str) -> Result<Date, Denial> {
    let text = text.trim();
    let date_part = text
        .get(..10)
        .filter(|_| text.len() == 10 || text.as_bytes().get(10) == Some(&b'T'));
    date_part.and_then(|d| d.parse::<Date>().ok()).ok_or_else(|| {
        Denial::new(
            DenialKind::Invalid,
            Rule::ExpirationDateIsADate,
            format!("expirationDate {text:?} is not a date."),
        )
        .remedy("send expirationDate as YYYY-MM-DD, e.g. tomorrow's date.")
        .argument("expirationDate", "Ugyldig dato. Bruk formatet YYYY-MM-DD.")
    })
}

/// When a session with this `expirationDate` stops working: 00:00 Europe/Oslo on that date.
/// A date of today or earlier therefore gives a session that is born expired, as the real API does.
/// How many sessions a sandbox keeps: past this, its oldest are forgotten (Tripletex sets no
/// limit that is known; an emulator that kept every session would grow without bound).
pub const SESSIONS_KEPT: usize = 50_000;

/// How long an expired session is still recognised as expired (rather than unknown).
pub const EXPIRED_SESSIONS_KEPT_DAYS: i64 = 7;

/// The moment before which an expired session is forgotten.
pub fn forget_sessions_expired_before(now: Timestamp) -> Timestamp {
    now.checked_sub(jiff::SignedDuration::from_hours(24 * EXPIRED_SESSIONS_KEPT_DAYS))
        .unwrap_or(Timestamp::MIN)
}

pub fn session_expires_at(expiration_date: Date) -> Timestamp {
    expiration_date
        .to_zoned_datetime(OSLO.clone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// The consumer token names a registered integration.
pub fn consumer_token_is_known(found: Option<Integration>) -> Result<Integration, Denial> {
    found.ok_or_else(|| {
        Denial::new(
            DenialKind::Invalid,
            Rule::ConsumerTokenIsKnown,
            "No integration in this sandbox has that consumer token.",
        )
        .remedy("use the consumerToken the integration was registered with; GET /_sandbox/credentials lists them.")
        .norwegian(
            "Ingen integrasjon i sandkassen har denne consumer token.",
            "bruk consumer token integrasjonen ble registrert med.",
        )
        .argument("consumerToken", "The consumer token is invalid or does not exist.")
    })
}

/// The employee token is the current token of a key that has not been deleted.
pub fn employee_token_is_current(found: EmployeeTokenLookup) -> Result<Key, Denial> {
    const MESSAGE: &str = "The employee token is invalid or does not exist.";
    let denial = |(reason, remedy): (String, &str), (reason_no, remedy_no): (String, &str)| {
        Err(Denial::new(DenialKind::Invalid, Rule::EmployeeTokenIsCurrent, reason)
            .remedy(remedy)
            .argument("employeeToken", MESSAGE)
            .norwegian(reason_no, remedy_no))
    };
    match found {
        EmployeeTokenLookup::Current(key) if key.state == KeyState::Active => Ok(key),
        EmployeeTokenLookup::Unknown => denial(
            (
                "No key in this sandbox has that employee token.".into(),
                "create a key under Selskap > Ansatte > (person) > API-tilgang > «Ny nøkkel» and copy its token; GET /_sandbox/credentials lists the tokens of this sandbox.",
            ),
            (
                "Ingen nøkkel i sandkassen har denne brukernøkkelen.".into(),
                "lag en nøkkel under Selskap > Ansatte > (person) > API-tilgang > «Ny nøkkel» og kopier den.",
            ),
        ),
        EmployeeTokenLookup::Current(key) => denial(
            (
                format!("The key \"{}\" (id {}) was deleted.", key.name, key.id),
                "create a new key under API-tilgang > «Ny nøkkel» and give its token to the integration.",
            ),
            (
                format!("Nøkkelen «{}» er slettet.", key.name),
                "lag en ny nøkkel under API-tilgang > «Ny nøkkel» og gi den til integrasjonen.",
            ),
        ),
        EmployeeTokenLookup::Superseded { key, regenerated_at } => denial(
            (
                format!(
                    "This is an old token of the key \"{}\" (id {}), replaced when the key was regenerated («Gjenopprett nøkkel») at {regenerated_at}.",
                    key.name, key.id
                ),
                "use the key's new token, shown once when «Gjenopprett nøkkel» was clicked; regenerate again if it was lost.",
            ),
            (
                format!(
                    "Dette er en gammel utgave av nøkkelen «{}», erstattet da nøkkelen ble gjenopprettet («Gjenopprett nøkkel»).",
                    key.name
                ),
                "bruk nøkkelens nye utgave, som ble vist én gang ved «Gjenopprett nøkkel»; gjenopprett på nytt om den er borte.",
            ),
        ),
    }
}

/// A key works only with the consumer of the application it was made for (exact, case-sensitive).
pub fn key_matches_consumer(key: &Key, consumer: &Integration) -> Result<(), Denial> {
    if key.application_name == consumer.application_name {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::KeyMatchesConsumer,
        format!(
            "The key \"{}\" was made for the application \"{}\", but the consumer token belongs to \"{}\". Names are compared exactly, case included.",
            key.name, key.application_name, consumer.application_name
        ),
    )
    .remedy(format!(
        "make the key for \"{}\": pick it in «Ny nøkkel», or under «Tilpasset oppsett» type the Applikasjonsnavn exactly as registered.",
        consumer.application_name
    ))
    .norwegian(
        format!(
            "Nøkkelen «{}» ble laget for applikasjonen «{}», men consumer token tilhører «{}». Navnene sammenlignes nøyaktig.",
            key.name, key.application_name, consumer.application_name
        ),
        format!(
            "lag nøkkelen for «{}»: velg den i «Ny nøkkel», eller skriv Applikasjonsnavn nøyaktig som registrert under «Tilpasset oppsett».",
            consumer.application_name
        ),
    )
    .argument("employeeToken", "The employee token is not valid for this consumer token."))
}

/// A key works only while its owner has system access (user type other than NO_ACCESS).
pub fn key_owner_has_system_access(key: &Key, owner: &Person) -> Result<(), Denial> {
    if owner.user_type != UserType::NoAccess {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::KeyOwnerHasSystemAccess,
        format!(
            "The key \"{}\" belongs to {} (id {}), who has no system access («Uten systemtilgang»), so the key has no access either.",
            key.name,
            owner.display_name(),
            owner.id
        ),
    )
    .remedy("give the person system access (user type Standard or Utvidet) under Selskap > Ansatte > Brukertilgang, or make the key on another person.")
    .norwegian(
        format!(
            "Nøkkelen «{}» tilhører {}, som er uten systemtilgang, så nøkkelen har heller ingen tilgang.",
            key.name,
            owner.display_name()
        ),
        "gi personen systemtilgang (brukertype Standard eller Utvidet) under Selskap > Ansatte > Brukertilgang, eller lag nøkkelen på en annen person.",
    )
    .argument("employeeToken", "The employee token is invalid or does not exist."))
}

/// Only integrations Tripletex has selected may create employee tokens through the API.
pub fn consumer_may_create_employee_tokens(allowed: bool) -> Result<(), Denial> {
    if allowed {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Forbidden,
        Rule::ConsumerMayCreateEmployeeTokens,
        "Only selected consumers are allowed to create employee tokens through the API, and this integration is not one of them.",
    )
    .remedy("have a user administrator make the key in Tripletex (API-tilgang > «Ny nøkkel»), or ask Tripletex to allow your integration.")
    .norwegian(
        "Bare utvalgte integrasjoner kan lage brukernøkler gjennom API-et, og denne er ikke en av dem.",
        "la en brukeradministrator lage nøkkelen i Tripletex (API-tilgang > «Ny nøkkel»).",
    ))
}

/// The company that owns the key has the Integrations module switched on.
pub fn company_has_integrations(company: &Company) -> Result<(), Denial> {
    if company.integrations_enabled {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Forbidden,
        Rule::CompanyHasIntegrations,
        format!(
            "The company \"{}\" (id {}) has not activated the Integrations module, so its keys cannot open sessions.",
            company.name, company.id
        ),
    )
    .remedy(SUBSCRIPTION_REMEDY)
    .norwegian(
        format!(
            "Firmaet «{}» har ikke aktivert modulen Integrasjoner, så nøklene kan ikke åpne sesjoner.",
            company.name
        ),
        "en kontoadministrator aktiverer «Integrasjoner» under Selskap > Mitt abonnement (krever pakken Smart eller Komplett, eller en regnskapskontorkonto).",
    ))
}

/// Why a session token did not log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLookup {
    Unknown,
    Found(Session),
}

/// The session exists, is not deleted, has not expired and its key still exists.
pub fn session_is_alive(found: SessionLookup, now: Timestamp) -> Result<Session, Denial> {
    let denial = |reason: String| {
        Err(Denial::new(
            DenialKind::Unauthorized,
            Rule::SessionIsAlive,
            format!("Could not log in: {reason}"),
        )
        .remedy(MINT_REMEDY)
        .norwegian(
            "Kunne ikke logge inn: sesjonen er ukjent, slettet eller utløpt.",
            "lag en ny sesjon med consumer token, brukernøkkel og en utløpsdato etter i dag.",
        ))
    };
    match found {
        SessionLookup::Unknown => denial(format!(
            "no session has that token in this sandbox (a sandbox forgets a session {} days after it expired, and, once it holds more than {SESSIONS_KEPT}, the oldest that were never used, then the oldest).",
            EXPIRED_SESSIONS_KEPT_DAYS
        )),
        SessionLookup::Found(session) if session.deleted => denial(format!(
            "session {} was deleted with DELETE /token/session/{{token}}.",
            session.id
        )),
        SessionLookup::Found(session) if session.key.state == KeyState::Deleted => denial(format!(
            "the key \"{}\" behind session {} was deleted.",
            session.key.name, session.id
        )),
        SessionLookup::Found(session) if now >= session.expires_at => denial(format!(
            "session {} expired at 00:00 Europe/Oslo on its expirationDate {}.",
            session.id, session.expiration_date
        )),
        SessionLookup::Found(session) => Ok(session),
    }
}

/// What the rules need to know about a company the caller asked to act in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedCompany {
    pub id: i64,
    /// The company, if it exists.
    pub company: Option<Company>,
    /// The relation between the key's company (as office) and the requested company.
    pub relation: Option<AccountantRelation>,
    /// The key is linked to the requested company as a client.
    pub key_linked: bool,
    /// The key was linked after its token was made (the `linkSnapshot` situation): the link shows
    /// under Klient > Tilganger but is not in force until the key is regenerated.
    pub key_link_pending: bool,
}

/// Username 0 is the key's own company; a numeric username must be a client the key may act as:
/// an accounting-office key, an accountant relation, and the key linked to that client.
pub fn company_context_is_allowed(key: &Key, requested: Option<RequestedCompany>) -> Result<CompanyContext, Denial> {
    let Some(requested) = requested else {
        return Ok(CompanyContext::Own(key.company_id));
    };
    if requested.id == key.company_id {
        return Ok(CompanyContext::Own(key.company_id));
    }
    let name = requested.company.as_ref().map_or_else(
        || "which does not exist in this sandbox".to_owned(),
        |c| format!("\"{}\"", c.name),
    );
    let Some(((reason, remedy), norwegian)) = why_not_in_company(key, &requested) else {
        return Ok(CompanyContext::Client {
            client_id: requested.id,
            office_id: key.company_id,
        });
    };
    Err(Denial::new(
        DenialKind::Unauthorized,
        Rule::CompanyContextIsAllowed,
        format!("Could not log in to company {} ({name}): {reason}", requested.id),
    )
    .remedy(remedy)
    .norwegian(
        format!("Kunne ikke logge inn i firma {}: {}", requested.id, norwegian.0),
        norwegian.1,
    ))
}

/// A refusal's English reason and remedy, then its Norwegian ones.
type Why = ((String, String), (String, &'static str));

/// Why a key may not act in the requested company, or None when it may act there as a client.
fn why_not_in_company(key: &Key, requested: &RequestedCompany) -> Option<Why> {
    let why = if requested.company.is_none() {
        (
            (
                String::from("there is no such company."),
                String::from(
                    "use 0 as username for the key's own company, or a client id from GET /v2/company/>withLoginAccess.",
                ),
            ),
            (
                String::from("firmaet finnes ikke."),
                "bruk 0 som brukernavn for nøkkelens eget firma, eller id-en til en klient nøkkelen når.",
            ),
        )
    } else if !key.accountant_key {
        (
            (
                format!(
                    "the key \"{}\" is not an accounting-office key, so it can only act in its own company.",
                    key.name
                ),
                String::from(
                    "use 0 as username, or make the key with «Regnskapskontorets brukernøkkel» ticked in the office account.",
                ),
            ),
            (
                format!(
                    "nøkkelen «{}» er ikke regnskapskontorets brukernøkkel, og kan bare brukes i sitt eget firma.",
                    key.name
                ),
                "bruk 0 som brukernavn, eller lag nøkkelen med «Regnskapskontorets brukernøkkel» avkrysset i kontorkontoen.",
            ),
        )
    } else if requested.relation.is_none() {
        (
            (
                String::from("it is not a client of the office that owns the key."),
                String::from("pick a client id from GET /v2/company/>withLoginAccess."),
            ),
            (
                String::from("firmaet er ikke klient av regnskapskontoret som eier nøkkelen."),
                "velg en av kontorets klienter.",
            ),
        )
    } else if requested.key_link_pending {
        (
            (
                String::from(
                    "the office key was linked to that client after its token was made, and such a link takes effect only with a new token.",
                ),
                String::from(
                    "in the office account open the key owner's API-tilgang tab and click «Gjenopprett nøkkel» on the key, then give the integration the new token (the old one stops working).",
                ),
            ),
            (
                String::from(
                    "kontornøkkelen ble koblet til klienten etter at den ble laget, og en slik kobling virker først med en ny nøkkel.",
                ),
                "åpne fanen API-tilgang hos nøkkelens eier i kontorkontoen og klikk «Gjenopprett nøkkel», og gi integrasjonen den nye nøkkelen (den gamle slutter å virke).",
            ),
        )
    } else if !requested.key_linked {
        (
            (
                String::from("the office key is not linked to that client."),
                String::from(
                    "in the office account give the key access to the client (Klient > Tilganger, filter «API-nøkkel»), then check GET /v2/company/>withLoginAccess.",
                ),
            ),
            (
                String::from("kontornøkkelen er ikke koblet til klienten."),
                "gi nøkkelen tilgang til klienten i kontorkontoen (Klient > Tilganger, filter «API-nøkkel»).",
            ),
        )
    } else {
        return None;
    };
    Some(why)
}

/// A client reached by proxy must have ticked "API-tilgang" for its accounting office.
pub fn client_allows_api_access(relation: &AccountantRelation, client_name: &str) -> Result<(), Denial> {
    if relation.api_access {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Forbidden,
        Rule::ClientAllowsApiAccess,
        format!(
            "The client \"{client_name}\" (id {}) has not given its accounting office API access.",
            relation.client_id
        ),
    )
    .remedy(if relation.office_is_admin {
        "the office has admin rights in the client: open the client's account, Selskap > Regnskapsfører, and tick «API-tilgang»."
    } else {
        "ask the client's administrator to tick «API-tilgang» under Selskap > Regnskapsfører in the client's account (the office has no admin rights there)."
    })
    .norwegian(
        format!("Klienten «{client_name}» har ikke gitt regnskapskontoret API-tilgang."),
        if relation.office_is_admin {
            "kontoret har admin-rettigheter i klienten: åpne klientkontoen, Selskap > Regnskapsfører, og kryss av for «API-tilgang»."
        } else {
            "be klientens administrator krysse av for «API-tilgang» under Selskap > Regnskapsfører i klientkontoen (kontoret har ikke admin-rettigheter der)."
        },
    ))
}

/// With username 0 an accounting-office key may only ask who it is and which clients it reaches.
pub fn office_key_in_own_company_is_limited(key: &Key, context: CompanyContext) -> Result<(), Denial> {
    if !key.accountant_key || !matches!(context, CompanyContext::Own(_)) {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Forbidden,
        Rule::OfficeKeyInOwnCompanyIsLimited,
        format!(
            "The key \"{}\" is an accounting-office key (Regnskapskontorets brukernøkkel); with username 0 it may only call GET /token/session/>whoAmI and GET /company/>withLoginAccess.",
            key.name
        ),
    )
    .remedy("send a client's company id (from GET /v2/company/>withLoginAccess) as the Basic-auth username.")
    .norwegian(
        format!(
            "Nøkkelen «{}» er regnskapskontorets brukernøkkel; med brukernavn 0 kan den bare spørre hvem den er og hvilke klienter den når.",
            key.name
        ),
        "send id-en til en klient som brukernavn.",
    ))
}

/// Company data can be read only in the company the request acts in.
/// `PUT /company` changes the company the request acts in, never another one.
pub fn company_update_is_for_the_acting_company(context: CompanyContext, sent_id: Option<i64>) -> Result<(), Denial> {
    let acting_in = context.company_id();
    match sent_id {
        Some(id) if id != acting_in => Err(Denial::new(
            DenialKind::Invalid,
            Rule::CompanyUpdateIsForTheActingCompany,
            format!("PUT /company changes the company you act in ({acting_in}), not {id}."),
        )
        .remedy(format!(
            "leave id out or send {acting_in}; to change company {id}, act in it (Basic-auth username {id})."
        ))
        .field("id", "Ugyldig verdi.")),
        _ => Ok(()),
    }
}

/// A `companyOwned` employee token («Regnskapskontorets brukernøkkel») belongs to an accounting
/// or auditor office.
pub fn company_owned_keys_belong_to_offices(company_owned: bool, company: &Company) -> Result<(), Denial> {
    if !company_owned || company.kind == crate::domain::model::CompanyKind::Office {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::CompanyOwnedKeysBelongToOffices,
        format!(
            "companyOwned keys exist only for accounting and auditor offices, and {} is not one.",
            company.name
        ),
    )
    .remedy("send companyOwned=false, or make the key in the accounting office's own account.")
    .argument("companyOwned", "Ugyldig verdi."))
}

/// An office person can be given access only in a client of their own office.
pub fn company_is_a_client_of_the_office(relation: Option<&AccountantRelation>, client_id: i64) -> Result<(), Denial> {
    if relation.is_some() {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Invalid,
        Rule::CompanyIsAClientOfTheOffice,
        format!("Company {client_id} is not a client of the employee's accounting office."),
    )
    .remedy("pick a client from GET /v2/company/>withLoginAccess, or register the client under the office's Klienter.")
    .argument("customerId", "Ugyldig klient."))
}

pub fn company_is_the_acting_company(context: CompanyContext, company: &Company) -> Result<(), Denial> {
    let acting_in = context.company_id();
    if company.id == acting_in {
        return Ok(());
    }
    Err(Denial::new(
        DenialKind::Forbidden,
        Rule::CompanyIsTheActingCompany,
        format!(
            "You are acting in company {acting_in}; company {} (\"{}\") can only be read when acting in it.",
            company.id, company.name
        ),
    )
    .remedy(format!(
        "send {} as the Basic-auth username if the key may log into it (see GET /v2/company/>withLoginAccess).",
        company.id
    )))
}

/// The first day a session can be minted for and still be usable today: tomorrow in Oslo.
pub fn first_usable_expiration_date(now: Timestamp) -> Date {
    let today = now.to_zoned_datetime(OSLO.clone()).date();
    today.checked_add(1.day()).unwrap_or(today)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{CompanyKind, Package};

    fn key(accountant: bool) -> Key {
        Key {
            id: 7,
            name: "Sync".into(),
            person_id: 3,
            company_id: 100,
            application_name: "Acme Sync".into(),
            accountant_key: accountant,
            state: KeyState::Active,
        }
    }

    fn company(id: i64, integrations: bool) -> Company {
        Company {
            id,
            name: format!("Company {id}"),
            organization_number: String::new(),
            kind: CompanyKind::Client,
            package: Package::Smart,
            integrations_enabled: integrations,
            company_type: "AS".into(),
            email: String::new(),
        }
    }

    fn consumer(name: &str) -> Integration {
        Integration {
            id: 1,
            application_name: name.into(),
            consumer_token: "c".into(),
            emails: String::new(),
        }
    }

    fn requested(relation: bool, linked: bool) -> RequestedCompany {
        RequestedCompany {
            id: 200,
            company: Some(company(200, false)),
            relation: relation.then_some(AccountantRelation {
                office_id: 100,
                client_id: 200,
                api_access: true,
                office_is_admin: false,
            }),
            key_linked: linked,
            key_link_pending: false,
        }
    }

    #[test]
    fn session_arguments_are_complete_names_every_missing_argument() {
        let denial = session_arguments_are_complete(SessionArguments {
            consumer_token: Some("c"),
            employee_token: Some(" "),
            expiration_date: None,
        })
        .unwrap_err();
        assert_eq!(denial.kind, DenialKind::MissingArgument);
        let fields: Vec<&str> = denial.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["employeeToken", "expirationDate"]);
        assert_eq!(denial.fields[1].message, "Kan ikke være null.");
    }

    #[test]
    fn expiration_date_is_a_date_accepts_dates_and_date_times_only() {
        assert_eq!(
            expiration_date_is_a_date("2030-01-31").unwrap().to_string(),
            "2030-01-31"
        );
        assert_eq!(
            expiration_date_is_a_date("2030-01-31T11:42:39.439Z")
                .unwrap()
                .to_string(),
            "2030-01-31"
        );
        for bad in ["2030-13-01", "tomorrow", "2030-1-1", "2030-01-31X", ""] {
            assert_eq!(
                expiration_date_is_a_date(bad).unwrap_err().rule,
                "expiration_date_is_a_date",
                "{bad}"
            );
        }
    }

    #[test]
    fn a_session_expires_at_oslo_midnight_of_its_expiration_date() {
        let date: Date = "2030-06-01".parse().unwrap();
        // Summer time: Oslo is UTC+2.
        assert_eq!(session_expires_at(date).to_string(), "2030-05-31T22:00:00Z");
        let winter: Date = "2030-01-15".parse().unwrap();
        assert_eq!(session_expires_at(winter).to_string(), "2030-01-14T23:00:00Z");
    }

    #[test]
    fn consumer_token_is_known_rejects_unknown_tokens_as_arg_consumer_token() {
        let denial = consumer_token_is_known(None).unwrap_err();
        assert_eq!(denial.kind, DenialKind::Invalid);
        assert_eq!(denial.fields[0].field, "consumerToken");
        assert_eq!(
            denial.fields[0].message,
            "The consumer token is invalid or does not exist."
        );
    }

    #[test]
    fn employee_token_is_current_rejects_unknown_deleted_and_superseded_tokens() {
        let mut deleted = key(false);
        deleted.state = KeyState::Deleted;
        for lookup in [
            EmployeeTokenLookup::Unknown,
            EmployeeTokenLookup::Current(deleted),
            EmployeeTokenLookup::Superseded {
                key: key(false),
                regenerated_at: Timestamp::UNIX_EPOCH,
            },
        ] {
            let denial = employee_token_is_current(lookup).unwrap_err();
            assert_eq!(denial.fields[0].field, "employeeToken");
        }
        assert!(employee_token_is_current(EmployeeTokenLookup::Current(key(false))).is_ok());
    }

    #[test]
    fn key_matches_consumer_compares_application_names_exactly() {
        assert!(key_matches_consumer(&key(false), &consumer("Acme Sync")).is_ok());
        assert!(key_matches_consumer(&key(false), &consumer("acme sync")).is_err());
        assert!(key_matches_consumer(&key(false), &consumer("Acme Sync ")).is_err());
    }

    #[test]
    fn key_owner_has_system_access_refuses_keys_of_people_without_access() {
        let mut owner = Person {
            id: 3,
            company_id: 100,
            first_name: "A".into(),
            last_name: "B".into(),
            email: String::new(),
            is_contact: false,
            is_proxy: false,
            user_type: UserType::Extended,
            roles: Vec::new(),
            entitlements: Vec::new(),
            client_entitlements: Default::default(),
            version: 0,
            details: Default::default(),
        };
        assert!(key_owner_has_system_access(&key(false), &owner).is_ok());
        owner.user_type = UserType::NoAccess;
        let denial = key_owner_has_system_access(&key(false), &owner).unwrap_err();
        assert!(denial.developer_message().contains("Uten systemtilgang"));
    }

    #[test]
    fn consumer_may_create_employee_tokens_only_when_selected() {
        assert!(consumer_may_create_employee_tokens(true).is_ok());
        assert_eq!(
            consumer_may_create_employee_tokens(false).unwrap_err().kind,
            DenialKind::Forbidden
        );
    }

    #[test]
    fn company_has_integrations_refuses_with_the_subscription_remedy() {
        assert!(company_has_integrations(&company(1, true)).is_ok());
        let denial = company_has_integrations(&company(1, false)).unwrap_err();
        assert_eq!(denial.kind, DenialKind::Forbidden);
        assert!(denial.developer_message().contains("Selskap > Mitt abonnement"));
    }

    #[test]
    fn session_is_alive_refuses_unknown_deleted_and_expired_sessions() {
        let session = Session {
            id: 1,
            key: key(false),
            integration_id: 1,
            expiration_date: "2030-01-02".parse().unwrap(),
            expires_at: session_expires_at("2030-01-02".parse().unwrap()),
            deleted: false,
            used: false,
        };
        let before: Timestamp = "2030-01-01T12:00:00Z".parse().unwrap();
        let after: Timestamp = "2030-01-02T00:00:00Z".parse().unwrap();
        assert!(session_is_alive(SessionLookup::Found(session.clone()), before).is_ok());
        let expired = session_is_alive(SessionLookup::Found(session.clone()), after).unwrap_err();
        assert!(expired.reason.starts_with("Could not log in"));
        let mut deleted = session.clone();
        deleted.deleted = true;
        assert!(session_is_alive(SessionLookup::Found(deleted), before).is_err());
        let mut key_gone = session;
        key_gone.key.state = KeyState::Deleted;
        assert!(session_is_alive(SessionLookup::Found(key_gone), before).is_err());
        assert_eq!(
            session_is_alive(SessionLookup::Unknown, before).unwrap_err().kind,
            DenialKind::Unauthorized
        );
    }

    #[test]
    fn company_context_is_allowed_only_for_a_linked_office_key_and_a_related_client() {
        assert_eq!(
            company_context_is_allowed(&key(false), None).unwrap(),
            CompanyContext::Own(100)
        );
        let own = RequestedCompany {
            id: 100,
            ..requested(false, false)
        };
        assert_eq!(
            company_context_is_allowed(&key(false), Some(own)).unwrap(),
            CompanyContext::Own(100)
        );
        assert_eq!(
            company_context_is_allowed(&key(true), Some(requested(true, true))).unwrap(),
            CompanyContext::Client {
                client_id: 200,
                office_id: 100
            }
        );
        for (k, r) in [
            (key(false), requested(true, true)),
            (key(true), requested(false, true)),
            (key(true), requested(true, false)),
        ] {
            let denial = company_context_is_allowed(&k, Some(r)).unwrap_err();
            assert_eq!(denial.kind, DenialKind::Unauthorized);
            assert!(denial.reason.contains("Company 200"), "{}", denial.reason);
        }
        // Linked after the token was made: the fix is a new token, not another link.
        let pending = RequestedCompany {
            key_link_pending: true,
            ..requested(true, false)
        };
        let denial = company_context_is_allowed(&key(true), Some(pending)).unwrap_err();
        let remedy = denial.remedy.unwrap();
        assert!(
            remedy.contains("«Gjenopprett nøkkel»") && !remedy.contains("Klient > Tilganger"),
            "{remedy}"
        );
    }

    #[test]
    fn client_allows_api_access_names_the_checkbox() {
        let mut relation = AccountantRelation {
            office_id: 1,
            client_id: 2,
            api_access: true,
            office_is_admin: false,
        };
        assert!(client_allows_api_access(&relation, "C").is_ok());
        relation.api_access = false;
        let denial = client_allows_api_access(&relation, "C").unwrap_err();
        assert_eq!(denial.kind, DenialKind::Forbidden);
        assert!(denial.developer_message().contains("Selskap > Regnskapsfører"));
    }

    #[test]
    fn company_is_the_acting_company_refuses_other_companies() {
        assert!(company_is_the_acting_company(CompanyContext::Own(1), &company(1, true)).is_ok());
        let denial = company_is_the_acting_company(CompanyContext::Own(1), &company(2, true)).unwrap_err();
        assert_eq!(denial.kind, DenialKind::Forbidden);
    }

    #[test]
    fn office_key_in_own_company_is_limited_to_who_am_i_and_login_access() {
        assert!(office_key_in_own_company_is_limited(&key(false), CompanyContext::Own(100)).is_ok());
        let client = CompanyContext::Client {
            client_id: 200,
            office_id: 100,
        };
        assert!(office_key_in_own_company_is_limited(&key(true), client).is_ok());
        assert_eq!(
            office_key_in_own_company_is_limited(&key(true), CompanyContext::Own(100))
                .unwrap_err()
                .kind,
            DenialKind::Forbidden
        );
    }

    #[test]
    fn company_update_is_for_the_acting_company_refuses_another_id() {
        let own = CompanyContext::Own(100);
        assert!(company_update_is_for_the_acting_company(own, None).is_ok());
        assert!(company_update_is_for_the_acting_company(own, Some(100)).is_ok());
        let denial = company_update_is_for_the_acting_company(own, Some(200)).unwrap_err();
        assert_eq!(
            (denial.kind, denial.rule),
            (DenialKind::Invalid, "company_update_is_for_the_acting_company")
        );
    }

    #[test]
    fn company_owned_keys_belong_to_offices_only() {
        let mut office = company(100, true);
        office.kind = CompanyKind::Office;
        assert!(company_owned_keys_belong_to_offices(true, &office).is_ok());
        assert!(company_owned_keys_belong_to_offices(false, &company(200, true)).is_ok());
        let denial = company_owned_keys_belong_to_offices(true, &company(200, true)).unwrap_err();
        assert_eq!(denial.rule, "company_owned_keys_belong_to_offices");
        assert!(denial.fields[0].is_argument);
    }

    #[test]
    fn company_is_a_client_of_the_office_needs_the_relation() {
        let relation = requested(true, false).relation;
        assert!(company_is_a_client_of_the_office(relation.as_ref(), 200).is_ok());
        let denial = company_is_a_client_of_the_office(None, 200).unwrap_err();
        assert_eq!(
            (denial.kind, denial.rule),
            (DenialKind::Invalid, "company_is_a_client_of_the_office")
        );
    }
}
