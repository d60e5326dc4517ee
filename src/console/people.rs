//! People's screens: Selskap > Ansatte and Kunde > Kontakter, a person's Brukertilgang (user
//! type, roles, entitlements) and the API-tilgang tab (the keys, «Ny nøkkel» with the catalog
//! search and «Tilpasset oppsett», «Gjenopprett nøkkel», delete).

use crate::console::company::company_of;
use crate::console::form::Form;
use crate::console::page::{Ctx, Flash, Problem, no_such, path_id};
use crate::console::security::posted;
use crate::control::company::catalog;
use crate::control::people::{self as control, AccessBody, CustomSetup, NewKeyBody};
use crate::domain::entitlements::{CATALOGUE, KeyAccesses, TEMPLATES};
use crate::domain::model::{Company, CompanyKind, Person, Role, UserType};
use crate::store::{IntegrationRow, KeyRow};
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};

const ROLES: [Role; 4] = [
    Role::AccountAdministrator,
    Role::UserAdministrator,
    Role::ClientUserAdministrator,
    Role::AccountantKeyHolder,
];

fn role_code(role: Role) -> &'static str {
    match role {
        Role::AccountAdministrator => "ACCOUNT_ADMINISTRATOR",
        Role::UserAdministrator => "USER_ADMINISTRATOR",
        Role::ClientUserAdministrator => "CLIENT_USER_ADMINISTRATOR",
        Role::AccountantKeyHolder => "ACCOUNTANT_KEY_HOLDER",
    }
}

const USER_TYPES: [(UserType, &str, &str, &str); 3] = [
    (UserType::Extended, "EXTENDED", "Utvidet tilgang", "Extended access"),
    (UserType::Standard, "STANDARD", "Standard tilgang", "Standard access"),
    (
        UserType::NoAccess,
        "NO_ACCESS",
        "Uten systemtilgang",
        "No system access",
    ),
];

pub async fn employees(req: HttpRequest) -> Result<HttpResponse, Problem> {
    people_list(&req, false)
}

pub async fn contacts(req: HttpRequest) -> Result<HttpResponse, Problem> {
    people_list(&req, true)
}

fn people_list(req: &HttpRequest, contacts: bool) -> Result<HttpResponse, Problem> {
    let ctx = Ctx::of(req)?;
    let id = path_id(req).map_err(|e| ctx.problem(&e))?;
    let company = company_of(&ctx, id)?;
    let people: Vec<Person> = control::people_of(&ctx.sandbox, company.id)
        .map_err(|e| ctx.problem(&e))?
        .into_iter()
        .filter(|p| p.is_contact == contacts && !p.is_proxy)
        .collect();
    let title = if contacts {
        format!("{} > {}", ctx.t("Kunde", "Customer"), ctx.t("Kontakter", "Contacts"))
    } else {
        format!("{} > {}", ctx.t("Selskap", "Company"), ctx.t("Ansatte", "Employees"))
    };
    let body = html! {
        @if people.is_empty() {
            p { (ctx.t("Ingen her ennå.", "Nobody here yet.")) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (ctx.t("Navn", "Name")) }
                    th scope="col" { (ctx.t("E-post", "E-mail")) }
                    th scope="col" { (ctx.t("Brukertilgang", "User access")) }
                    th scope="col" { (ctx.t("Faner", "Tabs")) }
                } }
                tbody {
                    @for person in &people {
                        tr {
                            td title={ "id " (person.id) } { (person.display_name()) }
                            td { (person.email) }
                            td { (person.roles.iter().map(|r| r.ui_name()).collect::<Vec<_>>().join(", ")) }
                            td.links {
                                a href=(ctx.url(&format!("/people/{}/access", person.id))) { (ctx.t("Brukertilgang", "User access")) }
                                " "
                                a id={ "api-access-" (person.id) } href=(ctx.url(&format!("/people/{}/api-access", person.id))) { (ctx.t("API-tilgang", "API access")) }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(ctx.page(None, &title, Some(&company), body))
}

fn person_in_path(req: &HttpRequest, ctx: &Ctx) -> Result<(Person, Company), Problem> {
    let id = path_id(req).map_err(|e| ctx.problem(&e))?;
    person_by_id(ctx, id)
}

fn person_by_id(ctx: &Ctx, id: i64) -> Result<(Person, Company), Problem> {
    let person = ctx
        .sandbox
        .store()
        .with(|db| db.person(id))
        .map_err(|e| ctx.problem(&e.into()))?
        .filter(|p| !p.is_proxy)
        .ok_or_else(|| ctx.problem(&no_such("person", id)))?;
    let company = company_of(ctx, person.company_id)?;
    Ok((person, company))
}

fn tabs(ctx: &Ctx, person: &Person, api_tab: bool) -> Markup {
    html! {
        nav.tabs aria-label=(ctx.t("Faner", "Tabs")) {
            a href=(ctx.url(&format!("/people/{}/access", person.id))) aria-current=[(!api_tab).then_some("page")] { (ctx.t("Brukertilgang", "User access")) }
            a #api-access-tab href=(ctx.url(&format!("/people/{}/api-access", person.id))) aria-current=[api_tab.then_some("page")] { (ctx.t("API-tilgang", "API access")) }
        }
    }
}

pub async fn access(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = Ctx::of(&req)?;
    let (person, company) = person_in_path(&req, &ctx)?;
    Ok(access_page(&ctx, &person, &company, AccessRefused::None))
}

/// Where on the Brukertilgang tab a refusal belongs.
enum AccessRefused<'a> {
    None,
    Own(&'a ApiError),
    InClient(&'a ApiError),
}

fn access_page(ctx: &Ctx, person: &Person, company: &Company, refused: AccessRefused<'_>) -> HttpResponse {
    let (refused, refused_in_client) = match refused {
        AccessRefused::None => (None, None),
        AccessRefused::Own(error) => (Some(error), None),
        AccessRefused::InClient(error) => (None, Some(error)),
    };
    let held = |name: &str| person.entitlements.iter().any(|e| e == name);
    let body = html! {
        (tabs(ctx, person, false))
        form.panel method="post" action=(ctx.url(&format!("/people/{}/access", person.id))) {
            (ctx.csrf_field())
            @if let Some(error) = refused { (ctx.refusal(error)) }
            fieldset {
                legend { (ctx.t("Brukertype", "User type")) }
                @for (user_type, code, no, en) in USER_TYPES {
                    div.check {
                        input id={ "user-type-" (code) } type="radio" name="userType" value=(code) checked[person.user_type == user_type];
                        label for={ "user-type-" (code) } { (ctx.lang.t(no, en)) }
                    }
                }
            }
            fieldset {
                legend { (ctx.t("Roller", "Roles")) }
                @for role in ROLES {
                    div.check {
                        input id={ "role-" (role_code(role)) } type="checkbox" name="roles" value=(role_code(role)) checked[person.has_role(role)];
                        label for={ "role-" (role_code(role)) } { (role.ui_name()) }
                    }
                }
            }
            fieldset.columns {
                legend { (ctx.t("Tilganger", "Entitlements")) }
                @for (name, _) in TEMPLATES.iter().filter(|(n, _)| *n != "NONE_PRIVILEGES") {
                    div.check {
                        input id={ "entitlement-" (name) } type="checkbox" name="entitlements" value=(name) checked[held(name)];
                        label for={ "entitlement-" (name) } { (ctx.access(name)) }
                    }
                }
                @for (_, name) in CATALOGUE {
                    div.check {
                        input id={ "entitlement-" (name) } type="checkbox" name="entitlements" value=(name) checked[held(name)];
                        label for={ "entitlement-" (name) } { (ctx.access(name)) }
                    }
                }
            }
            button #save-access type="submit" { (ctx.t("Lagre", "Save")) }
        }
        @if company.kind == CompanyKind::Office { (client_access_form(ctx, person, refused_in_client)) }
    };
    let title = format!("{} > {}", person.display_name(), ctx.t("Brukertilgang", "User access"));
    ctx.page(refused.or(refused_in_client), &title, Some(company), body)
}

/// An office person's access in each client (Tripletex: Klienttilgang, by template).
fn client_access_form(ctx: &Ctx, person: &Person, refused: Option<&ApiError>) -> Markup {
    let clients: Vec<Company> = ctx
        .sandbox
        .store()
        .with(|db| db.companies())
        .unwrap_or_default()
        .into_iter()
        .filter(|row| row.relation.is_some_and(|r| r.office_id == person.company_id))
        .map(|row| row.company)
        .collect();
    html! {
        form.panel #client-access-form method="post" action=(ctx.url(&format!("/people/{}/client-access", person.id))) {
            h2 { (ctx.t("Tilgang i klientkontoer", "Access in client accounts")) }
            (ctx.csrf_field())
            @if let Some(error) = refused { (ctx.refusal(error)) }
            label for="access-client" { (ctx.t("Klient", "Client")) }
            select #access-client name="client" {
                @for client in &clients {
                    option value=(client.id) title=[person.client_entitlements.get(&client.id).map(|e| e.join(", "))] {
                        (client.name) ": "
                        (person.client_entitlements.get(&client.id).map_or_else(|| ctx.t("ingen tilgang", "no access").to_owned(), |e| e.iter().map(|n| ctx.access_text(n)).collect::<Vec<_>>().join(", ")))
                    }
                }
            }
            label for="access-template" { (ctx.t("Tilgangsmal", "Access template")) }
            select #access-template name="template" {
                @for name in crate::console::company::TEMPLATES {
                    option value=(name) title=(name) { (ctx.access_text(name)) }
                }
                option value="" { (ctx.t("Ingen tilgang", "No access")) }
            }
            button #save-client-access type="submit" { (ctx.t("Lagre", "Save")) }
        }
    }
}

pub async fn save_client_access(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let (person, company) = person_in_path(&req, &ctx)?;
    let saved = form.number("client", ctx.t("Klient", "Client")).and_then(|client| {
        let entitlements: Vec<String> = form.text("template").map(str::to_owned).into_iter().collect();
        control::set_client_access(&ctx.sandbox, ctx.acting, person.id, client, &entitlements)
    });
    Ok(match saved {
        Ok(_) => ctx.redirect(
            &format!("/people/{}/access", person.id),
            Some(Flash::saved(ctx.t(
                "Tilgangen i klienten er lagret.",
                "The access in the client is saved.",
            ))),
        ),
        Err(error) => access_page(&ctx, &person, &company, AccessRefused::InClient(&error)),
    })
}

/// A form's closed-set value (a role or user type) by its API name.
fn closed_value<T: serde::de::DeserializeOwned>(field: &str, value: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(value.to_owned())).map_err(|_| {
        ApiError::new(ErrorKind::Validation)
            .with_developer_message(format!("{value:?} is not a value of {field}."))
            .with_norwegian(format!("{value:?} er ikke en gyldig verdi for {field}."), None)
            .with_validation(vec![ValidationMessage::field(field.to_owned(), "Ugyldig verdi.")])
    })
}

fn access_choice(form: &Form) -> Result<AccessBody, ApiError> {
    let user_type = form.text("userType").map(|t| closed_value("userType", t)).transpose()?;
    let roles = form
        .all("roles")
        .iter()
        .map(|r| closed_value("roles", r))
        .collect::<Result<Vec<Role>, _>>()?;
    Ok(AccessBody {
        user_type,
        roles: Some(roles),
        entitlements: Some(form.all("entitlements")),
    })
}

pub async fn save_access(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let (person, company) = person_in_path(&req, &ctx)?;
    let saved =
        access_choice(&form).and_then(|choice| control::set_access(&ctx.sandbox, ctx.acting, person.id, choice));
    Ok(match saved {
        Ok(_) => ctx.redirect(
            &format!("/people/{}/access", person.id),
            Some(Flash::saved(
                ctx.t("Brukertilgangen er lagret.", "The user access is saved."),
            )),
        ),
        Err(error) => access_page(&ctx, &person, &company, AccessRefused::Own(&error)),
    })
}

#[derive(serde::Deserialize)]
pub struct SearchQuery {
    query: Option<String>,
}

pub async fn api_access(req: HttpRequest, query: Option<web::Query<SearchQuery>>) -> Result<HttpResponse, Problem> {
    let ctx = Ctx::of(&req)?;
    let (person, company) = person_in_path(&req, &ctx)?;
    let query = query.and_then(|q| q.into_inner().query).unwrap_or_default();
    Ok(api_access_page(&ctx, &person, &company, &query, Refused::None))
}

/// Where on the API-tilgang tab a refusal belongs.
enum Refused<'a> {
    None,
    /// At the key list (the tab itself, «Gjenopprett nøkkel», delete).
    Keys(&'a ApiError),
    /// At «Ny nøkkel».
    NewKey(&'a ApiError),
}

fn api_access_page(ctx: &Ctx, person: &Person, company: &Company, query: &str, refused: Refused<'_>) -> HttpResponse {
    let title = format!("{} > {}", person.display_name(), ctx.t("API-tilgang", "API access"));
    let (keys_refusal, new_key_refusal) = match refused {
        Refused::None => (None, None),
        Refused::Keys(error) => (Some(error), None),
        Refused::NewKey(error) => (None, Some(error)),
    };
    let keys = match control::keys_of(&ctx.sandbox, ctx.acting, person.id) {
        Ok(keys) => keys,
        Err(error) => {
            // The real UI shows no API-tilgang tab at all here; the console says why.
            let body = html! { (tabs(ctx, person, true)) (ctx.refusal(&error)) };
            return ctx.page(Some(&error), &title, Some(company), body);
        }
    };
    let integrations = match catalog(&ctx.sandbox, query) {
        Ok(rows) => rows,
        Err(error) => return ctx.problem(&error).into_response(),
    };
    let body = html! {
        (tabs(ctx, person, true))
        section.panel aria-labelledby="keys-heading" {
            h2 #keys-heading { (ctx.t("Brukernøkler", "Employee tokens")) }
            @if let Some(error) = keys_refusal { (ctx.refusal(error)) }
            (key_table(ctx, &keys))
        }
        (new_key_panel(ctx, person, company, query, &integrations, new_key_refusal))
    };
    let refused = keys_refusal.or(new_key_refusal);
    ctx.page(refused, &title, Some(company), body)
}

/// «Ny nøkkel»: a search of the catalog, then the form (an integration of it or a custom setup).
fn new_key_panel(
    ctx: &Ctx,
    person: &Person,
    company: &Company,
    query: &str,
    integrations: &[IntegrationRow],
    refusal: Option<&ApiError>,
) -> Markup {
    let page_url = ctx.url(&format!("/people/{}/api-access", person.id));
    html! {
        section.panel #new-key aria-labelledby="new-key-heading" {
            h2 #new-key-heading { (ctx.t("Ny nøkkel", "New token")) }
            form.search method="get" action={ (page_url) "#new-key" } role="search" {
                label for="integration-search" { (ctx.t("Søk etter integrasjonen", "Search for the integration")) }
                input #integration-search type="search" name="query" value=(query);
                button #search-integrations type="submit" { (ctx.t("Søk", "Search")) }
            }
            form #new-key-form method="post" action=(ctx.url(&format!("/people/{}/keys", person.id))) {
                (ctx.csrf_field())
                @if let Some(error) = refusal { (ctx.refusal(error)) }
                fieldset.catalog-only {
                    legend { (ctx.t("Applikasjon", "Application")) }
                    @if integrations.is_empty() {
                        p { (ctx.t("Ingen integrasjon i katalogen passer søket.", "No integration in the catalog matches the search.")) }
                    }
                    @for row in integrations {
                        div.check {
                            input id={ "integration-" (row.integration.id) } type="radio" name="integrationId" value=(row.integration.id);
                            label for={ "integration-" (row.integration.id) } {
                                (row.integration.application_name)
                                @if row.supports_accountant_keys { span.badge { (ctx.t("støtter regnskapskontorets brukernøkkel", "supports accounting-office keys")) } }
                            }
                        }
                    }
                }
                div.check {
                    input #custom-setup type="checkbox" name="custom" value="true";
                    label for="custom-setup" { (ctx.t("Tilpasset oppsett", "Custom setup")) }
                }
                (custom_setup(ctx))
                label for="key-name" { (ctx.t("Gi nøkkelen navn", "Token name")) }
                input #key-name type="text" name="name" required autocomplete="off";
                @if company.kind == CompanyKind::Office {
                    div.check {
                        input #accountant-key type="checkbox" name="accountantKey" value="true";
                        label for="accountant-key" { (ctx.t("Regnskapskontorets brukernøkkel", "Accounting firm user key")) }
                    }
                }
                button #create-key type="submit" { (ctx.t("Opprett nøkkel", "Create token")) }
            }
        }
    }
}

/// «Tilpasset oppsett»: the application's exact name and the accesses the key gets.
fn custom_setup(ctx: &Ctx) -> Markup {
    html! {
        fieldset.custom-only {
            legend { (ctx.t("Tilpasset oppsett", "Custom setup")) }
            label for="application-name" { (ctx.t("Applikasjonsnavn", "Application name")) }
            input #application-name type="text" name="applicationName" autocomplete="off" spellcheck="false";
            p.hint {
                (ctx.t(
                    "Navnet må være helt identisk med navnet integrasjonen ble opprettet med (store og små bokstaver teller).",
                    "The name must be exactly the name the integration was registered with (case matters)."
                ))
            }
            div.check {
                input #access-all type="radio" name="accessChoice" value="ALL" checked;
                label for="access-all" { (ctx.t("Alle tilganger", "All accesses")) }
            }
            div.check {
                input #access-copy type="radio" name="accessChoice" value="COPY_USER";
                label for="access-copy" { (ctx.t("Gi brukernøkkelen denne brukerens tilganger", "Give the token this user's accesses")) }
            }
            div.check {
                input #access-chosen type="radio" name="accessChoice" value="CHOSEN";
                label for="access-chosen" { (ctx.t("Bestem selv", "Decide yourself")) }
            }
            fieldset.columns {
                legend { (ctx.t("Tilganger (Bestem selv)", "Accesses (Decide yourself)")) }
                @for (_, name) in CATALOGUE {
                    div.check {
                        input id={ "custom-access-" (name) } type="checkbox" name="accesses" value=(name);
                        label for={ "custom-access-" (name) } { (ctx.access(name)) }
                    }
                }
            }
        }
    }
}

fn key_table(ctx: &Ctx, keys: &[KeyRow]) -> Markup {
    html! {
        @if keys.is_empty() {
            p { (ctx.t("Ingen nøkler ennå.", "No tokens yet.")) }
        } @else {
            table #keys {
                thead { tr {
                    th scope="col" { (ctx.t("Navn", "Name")) }
                    th scope="col" { (ctx.t("Applikasjon", "Application")) }
                    th scope="col" { (ctx.t("Regnskapskontorets brukernøkkel", "Accounting firm user key")) }
                    th scope="col" { (ctx.t("Tilganger", "Accesses")) }
                    th scope="col" { (ctx.t("Opprettet", "Created")) }
                    th scope="col" { (ctx.t("Gjenopprettet", "Regenerated")) }
                    th scope="col" { span.visually-hidden { (ctx.t("Handlinger", "Actions")) } }
                } }
                tbody {
                    @for row in keys {
                        tr id={ "key-" (row.key.id) } {
                            td { (row.key.name) }
                            td { (row.key.application_name) }
                            td { (crate::console::trainer::yes_no(ctx, row.key.accountant_key)) }
                            td { (accesses_text(ctx, &row.accesses)) }
                            td { (minutes(&row.created_at)) }
                            td { (row.regenerated_at.as_deref().map_or_else(|| "–".to_owned(), minutes)) }
                            td.actions {
                                form method="post" action=(ctx.url(&format!("/keys/{}/regenerate", row.key.id))) {
                                    (ctx.csrf_field())
                                    button id={ "regenerate-" (row.key.id) } type="submit" { (ctx.t("Gjenopprett nøkkel", "Regenerate token")) }
                                }
                                form method="post" action=(ctx.url(&format!("/keys/{}/delete", row.key.id))) {
                                    (ctx.csrf_field())
                                    button.danger id={ "delete-" (row.key.id) } type="submit" { (ctx.t("Slett", "Delete")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A stored RFC 3339 time to the minute, as a person reads it (`2026-12-01 16:24`).
fn minutes(time: &str) -> String {
    time.get(..16).unwrap_or(time).replacen('T', " ", 1)
}

fn accesses_text(ctx: &Ctx, accesses: &KeyAccesses) -> Markup {
    match accesses.names() {
        None => html! { (ctx.t("Alle (brukerens tilganger)", "All (the user's accesses)")) },
        Some(names) if names.is_empty() => html! { (ctx.t("ingen", "none")) },
        Some(names) => ctx.accesses(names),
    }
}

/// The «Ny nøkkel» form as the control plane's key request.
fn new_key_request(ctx: &Ctx, form: &Form) -> Result<NewKeyBody, ApiError> {
    let name = form.text("name").unwrap_or_default().to_owned();
    let accountant_key = form.checked("accountantKey");
    if form.checked("custom") {
        let accesses = match form.get("accessChoice") {
            Some("COPY_USER") => serde_json::json!("COPY_USER"),
            Some("CHOSEN") => serde_json::json!(form.all("accesses")),
            _ => serde_json::json!("ALL"),
        };
        return Ok(NewKeyBody {
            name,
            integration_id: None,
            custom: Some(CustomSetup {
                application_name: form.get("applicationName").unwrap_or_default().trim().to_owned(),
                accesses,
            }),
            accountant_key,
        });
    }
    Ok(NewKeyBody {
        name,
        integration_id: form.optional_number("integrationId", ctx.t("Applikasjon", "Application"))?,
        custom: None,
        accountant_key,
    })
}

pub async fn create_key(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let (person, company) = person_in_path(&req, &ctx)?;
    let created = new_key_request(&ctx, &form)
        .and_then(|request| control::create_person_key(&ctx.sandbox, ctx.acting, person.id, request));
    Ok(match created {
        Ok((row, token)) => ctx.redirect(
            &format!("/people/{}/api-access", person.id),
            Some(Flash {
                text: ctx.t("Nøkkelen er opprettet.", "The token is created.").to_owned(),
                token: Some(token),
                key_name: Some(row.key.name),
            }),
        ),
        Err(error) => {
            let query = String::new();
            api_access_page(&ctx, &person, &company, &query, Refused::NewKey(&error))
        }
    })
}

/// The owner of a key, for the page an action on it returns to.
fn owner_of_key(ctx: &Ctx, key: i64) -> Result<(Person, Company), Problem> {
    let row = ctx
        .sandbox
        .store()
        .with(|db| db.key_row(key))
        .map_err(|e| ctx.problem(&e.into()))?
        .ok_or_else(|| ctx.problem(&no_such("key", key)))?;
    person_by_id(ctx, row.key.person_id)
}

pub async fn regenerate_key(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, _) = posted(&req, &body)?;
    let key = path_id(&req).map_err(|e| ctx.problem(&e))?;
    let (person, company) = owner_of_key(&ctx, key)?;
    Ok(match control::regenerate(&ctx.sandbox, ctx.acting, key) {
        Ok((row, token)) => ctx.redirect(
            &format!("/people/{}/api-access", person.id),
            Some(Flash {
                text: ctx
                    .t(
                        "Nøkkelen er gjenopprettet: den gamle brukernøkkelen virker ikke lenger. Gi den nye til integrasjonspartneren.",
                        "The token is regenerated: the old employee token no longer works. Give the new one to the integration partner.",
                    )
                    .to_owned(),
                token: Some(token),
                key_name: Some(row.key.name),
            }),
        ),
        Err(error) => api_access_page(&ctx, &person, &company, "", Refused::Keys(&error)),
    })
}

pub async fn delete_key(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, _) = posted(&req, &body)?;
    let key = path_id(&req).map_err(|e| ctx.problem(&e))?;
    let (person, company) = owner_of_key(&ctx, key)?;
    Ok(match control::remove_key(&ctx.sandbox, ctx.acting, key) {
        Ok(()) => ctx.redirect(
            &format!("/people/{}/api-access", person.id),
            Some(Flash::saved(ctx.t("Nøkkelen er slettet.", "The token is deleted."))),
        ),
        Err(error) => api_access_page(&ctx, &person, &company, "", Refused::Keys(&error)),
    })
}
