//! A company's screens: the overview, Selskap > Mitt abonnement, Integrasjoner (catalog and
//! «Legg til»), the client's Selskap > Regnskapsfører and the office's Klient > Tilganger.

use crate::console::page::{Ctx, Flash, Problem, kind_name, path_id};
use crate::console::security::posted;
use crate::console::trainer::yes_no;
use crate::control::clients::{self, AccountantBody, LinkBody};
use crate::control::company::{self as control, AddIntegrationBody, SubscriptionBody, company_or_404};
use crate::domain::model::{Company, CompanyKind, Package, Person};
use crate::store::KeyRow;
use crate::wire::ApiError;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};

/// The company of the path, or a page saying there is none.
pub fn company_of(ctx: &Ctx, id: i64) -> Result<Company, Problem> {
    ctx.sandbox
        .store()
        .with(|db| company_or_404(db, id))
        .map_err(|e| ctx.problem(&e))
}

fn company_in_path(req: &HttpRequest) -> Result<(Ctx, Company), Problem> {
    let ctx = Ctx::of(req)?;
    let id = path_id(req).map_err(|e| ctx.problem(&e))?;
    let company = company_of(&ctx, id)?;
    Ok((ctx, company))
}

pub async fn overview(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let (ctx, company) = company_in_path(&req)?;
    let relation = ctx
        .sandbox
        .store()
        .with(|db| db.relation_of_client(company.id))
        .map_err(|e| ctx.problem(&e.into()))?;
    let clients: Vec<Company> = match company.kind {
        CompanyKind::Office => ctx
            .sandbox
            .store()
            .with(|db| db.companies())
            .map_err(|e| ctx.problem(&e.into()))?
            .into_iter()
            .filter(|row| row.relation.is_some_and(|r| r.office_id == company.id))
            .map(|row| row.company)
            .collect(),
        _ => Vec::new(),
    };
    let body = html! {
        section.panel {
            dl.facts {
                dt { "Id" } dd { (company.id) }
                dt { (ctx.t("Type", "Kind")) } dd { (kind_name(ctx.lang, company.kind)) }
                dt { (ctx.t("Pakke", "Package")) } dd { (company.package.as_str()) }
                dt { (ctx.t("Integrasjoner", "Integrations")) } dd { (yes_no(&ctx, company.integrations_enabled)) }
                @if let Some(relation) = relation {
                    dt { (ctx.t("Regnskapskontor", "Accounting office")) }
                    dd { a #office-link href=(ctx.url(&format!("/companies/{}", relation.office_id))) { (ctx.company_name(relation.office_id)) } }
                    dt { (ctx.t("API-tilgang", "API access")) } dd { (yes_no(&ctx, relation.api_access)) }
                }
            }
            @if !clients.is_empty() {
                h2 { (ctx.t("Klienter", "Clients")) }
                ul {
                    @for client in &clients {
                        li { a href=(ctx.url(&format!("/companies/{}", client.id))) { (client.name) " (" (client.id) ")" } }
                    }
                }
            }
        }
    };
    Ok(ctx.page(None, &company.name, Some(&company), body))
}

pub async fn subscription(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let (ctx, company) = company_in_path(&req)?;
    Ok(subscription_page(&ctx, &company, None))
}

fn subscription_page(ctx: &Ctx, company: &Company, refused: Option<&ApiError>) -> HttpResponse {
    let body = html! {
        form.panel method="post" action=(ctx.url(&format!("/companies/{}/subscription", company.id))) {
            (ctx.csrf_field())
            @if let Some(error) = refused { (ctx.refusal(error)) }
            label for="package" { (ctx.t("Pakke", "Package")) }
            select #package name="package" {
                @for package in Package::ALL {
                    option value=(package.as_str()) selected[package == company.package] { (package.as_str()) }
                }
            }
            fieldset {
                legend { (ctx.t("Tilleggsmoduler", "Add-on modules")) }
                div.check {
                    input #integrations-enabled type="checkbox" name="integrationsEnabled" value="true"
                        checked[company.integrations_enabled];
                    label for="integrations-enabled" { (ctx.t("Integrasjoner", "Integrations")) }
                }
                p.hint {
                    (ctx.t(
                        "Integrasjoner (tidligere API 2.0) må være aktivert før noen kan lage brukernøkler eller legge til integrasjoner. Gratis; krever Smart, Komplett eller regnskapskontor.",
                        "Integrations (formerly API 2.0) must be active before anyone can make employee tokens or add integrations. Free; needs Smart, Komplett or an accounting office."
                    ))
                }
            }
            button #save-subscription type="submit" { (ctx.t("Lagre", "Save")) }
        }
    };
    let title = format!(
        "{} > {}",
        ctx.t("Selskap", "Company"),
        ctx.t("Mitt abonnement", "My subscription")
    );
    ctx.page(refused, &title, Some(company), body)
}

pub async fn save_subscription(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let id = path_id(&req).map_err(|e| ctx.problem(&e))?;
    let company = company_of(&ctx, id)?;
    let choice = SubscriptionBody {
        package: form.text("package").map(str::to_owned),
        integrations_enabled: Some(form.checked("integrationsEnabled")),
    };
    Ok(
        match control::set_subscription(&ctx.sandbox, ctx.acting, company.id, &choice) {
            Ok(_) => ctx.redirect(
                &format!("/companies/{id}/subscription"),
                Some(Flash::saved(
                    ctx.t("Abonnementet er lagret.", "The subscription is saved."),
                )),
            ),
            Err(error) => subscription_page(&ctx, &company, Some(&error)),
        },
    )
}

#[derive(serde::Deserialize)]
pub struct SearchQuery {
    query: Option<String>,
}

pub async fn integrations(req: HttpRequest, query: Option<web::Query<SearchQuery>>) -> Result<HttpResponse, Problem> {
    let (ctx, company) = company_in_path(&req)?;
    let query = query.and_then(|q| q.into_inner().query).unwrap_or_default();
    Ok(integrations_page(&ctx, &company, &query, None))
}

fn integrations_page(ctx: &Ctx, company: &Company, query: &str, refused: Option<&ApiError>) -> HttpResponse {
    let (catalog, added) = match (
        control::catalog(&ctx.sandbox, query),
        ctx.sandbox.store().with(|db| db.company_integrations(company.id)),
    ) {
        (Ok(catalog), Ok(added)) => (catalog, added),
        (Err(error), _) => return ctx.problem(&error).into_response(),
        (_, Err(error)) => return ctx.problem(&error.into()).into_response(),
    };
    let action = ctx.url(&format!("/companies/{}/integrations", company.id));
    let body = html! {
        form.search method="get" action=(action) role="search" {
            label for="catalog-search" { (ctx.t("Søk etter integrasjonen", "Search for the integration")) }
            input #catalog-search type="search" name="query" value=(query);
            button type="submit" { (ctx.t("Søk", "Search")) }
        }
        @if let Some(error) = refused { (ctx.refusal(error)) }
        ul.cards {
            @for row in &catalog {
                @let id = row.integration.id;
                li.card {
                    h2 { (row.integration.application_name) }
                    p.hint {
                        @if row.supports_accountant_keys {
                            (ctx.t("Støtter regnskapskontorets brukernøkkel.", "Supports accounting-office keys."))
                        } @else {
                            (ctx.t("Støtter ikke regnskapskontorets brukernøkkel.", "Does not support accounting-office keys."))
                        }
                    }
                    @if added.contains(&id) {
                        p.added { (ctx.t("Lagt til", "Added")) }
                    } @else {
                        form method="post" action=(action) {
                            (ctx.csrf_field())
                            input type="hidden" name="integrationId" value=(id);
                            input type="hidden" name="query" value=(query);
                            div.check {
                                input id={ "terms-" (id) } type="checkbox" name="acceptTerms" value="true";
                                label for={ "terms-" (id) } { (ctx.t("Jeg godkjenner avtalen", "I accept the agreement")) }
                            }
                            button id={ "add-" (id) } type="submit" { (ctx.t("Legg til", "Add")) }
                        }
                    }
                }
            }
        }
        @if catalog.is_empty() {
            p { (ctx.t("Ingen integrasjoner i katalogen passer søket.", "No integration in the catalog matches the search.")) }
        }
    };
    ctx.page(refused, ctx.t("Integrasjoner", "Integrations"), Some(company), body)
}

pub async fn add_integration(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let id = path_id(&req).map_err(|e| ctx.problem(&e))?;
    let company = company_of(&ctx, id)?;
    let query = form.text("query").unwrap_or_default().to_owned();
    let chosen = form
        .number("integrationId", ctx.t("Integrasjon", "Integration"))
        .and_then(|integration_id| {
            control::add_catalog_integration(
                &ctx.sandbox,
                ctx.acting,
                company.id,
                &AddIntegrationBody {
                    integration_id,
                    accept_terms: form.checked("acceptTerms"),
                },
            )
        });
    Ok(match chosen {
        Ok(_) => ctx.redirect(
            &format!("/companies/{id}/integrations"),
            Some(Flash::saved(ctx.t(
                "Integrasjonen er lagt til. Resten ordnes hos leverandøren.",
                "The integration is added. The rest is done at the provider's end.",
            ))),
        ),
        Err(error) => integrations_page(&ctx, &company, &query, Some(&error)),
    })
}

pub async fn accountant(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let (ctx, company) = company_in_path(&req)?;
    Ok(accountant_page(&ctx, &company, None))
}

fn accountant_page(ctx: &Ctx, company: &Company, refused: Option<&ApiError>) -> HttpResponse {
    let relation = match ctx.sandbox.store().with(|db| db.relation_of_client(company.id)) {
        Ok(relation) => relation,
        Err(error) => return ctx.problem(&error.into()).into_response(),
    };
    let title = format!(
        "{} > {}",
        ctx.t("Selskap", "Company"),
        ctx.t("Regnskapsfører", "Accountant")
    );
    let body = html! {
        @match relation {
            None => p { (ctx.t("Firmaet har ikke noe regnskapskontor.", "The company has no accounting office.")) },
            Some(relation) => form.panel method="post" action=(ctx.url(&format!("/companies/{}/accountant", company.id))) {
                (ctx.csrf_field())
                @if let Some(error) = refused { (ctx.refusal(error)) }
                p { (ctx.t("Regnskapskontor: ", "Accounting office: ")) a #office-link href=(ctx.url(&format!("/companies/{}", relation.office_id))) { (ctx.company_name(relation.office_id)) } }
                fieldset {
                    legend { (ctx.t("Generell tilgang", "General access")) }
                    div.check {
                        input #api-access type="checkbox" name="apiAccess" value="true" checked[relation.api_access];
                        label for="api-access" { (ctx.t("API-tilgang", "API access")) }
                    }
                    p.hint {
                        (ctx.t(
                            "Lar regnskapskontorets API-nøkler (regnskapskontorets brukernøkkel) hente data fra dette firmaet.",
                            "Lets the accounting office's API keys (accounting-office keys) fetch data from this company."
                        ))
                    }
                    div.check {
                        input #office-is-admin type="checkbox" name="officeIsAdmin" value="true" checked[relation.office_is_admin];
                        label for="office-is-admin" { (ctx.t("Regnskapskontoret har admin-rettigheter", "The accounting office has admin rights")) }
                    }
                }
                button #save-accountant type="submit" { (ctx.t("Lagre", "Save")) }
            },
        }
    };
    ctx.page(refused, &title, Some(company), body)
}

pub async fn save_accountant(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let id = path_id(&req).map_err(|e| ctx.problem(&e))?;
    let company = company_of(&ctx, id)?;
    let choice = AccountantBody {
        api_access: Some(form.checked("apiAccess")),
        office_is_admin: Some(form.checked("officeIsAdmin")),
    };
    Ok(
        match clients::set_accountant(&ctx.sandbox, ctx.acting, company.id, &choice) {
            Ok(_) => ctx.redirect(
                &format!("/companies/{id}/accountant"),
                Some(Flash::saved(
                    ctx.t("Innstillingene er lagret.", "The settings are saved."),
                )),
            ),
            Err(error) => accountant_page(&ctx, &company, Some(&error)),
        },
    )
}

#[derive(serde::Deserialize)]
pub struct AccessQuery {
    client: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

pub async fn client_access(req: HttpRequest, query: Option<web::Query<AccessQuery>>) -> Result<HttpResponse, Problem> {
    let (ctx, office) = company_in_path(&req)?;
    let query = query.map(web::Query::into_inner);
    let client = query
        .as_ref()
        .and_then(|q| q.client.as_deref())
        .and_then(|c| c.parse().ok());
    let api_keys_only = query.as_ref().and_then(|q| q.kind.as_deref()) == Some("api-key");
    Ok(client_access_page(&ctx, &office, client, api_keys_only, None))
}

/// The templates the client-access screen offers, by their names in the product.
/// (their labels come from `domain::entitlements::label`).
pub const TEMPLATES: &[&str] = &[
    "STANDARD_PRIVILEGES_ACCOUNTANT",
    "ALL_PRIVILEGES",
    "STANDARD_PRIVILEGES_AUDITOR",
];

/// What the client-access screen shows of an office: its clients, its people and its keys.
struct OfficeFacts {
    clients: Vec<Company>,
    people: Vec<Person>,
    office_keys: Vec<KeyRow>,
}

fn office_facts(ctx: &Ctx, office: &Company) -> Result<OfficeFacts, ApiError> {
    ctx.sandbox.store().with(|db| {
        let clients: Vec<Company> = db
            .companies()?
            .into_iter()
            .filter(|row| row.relation.is_some_and(|r| r.office_id == office.id))
            .map(|row| row.company)
            .collect();
        let people = db.people_of(office.id)?;
        let office_keys: Vec<_> = people
            .iter()
            .map(|p| db.keys_of_person(p.id))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .filter(|row| row.key.accountant_key)
            .collect();
        Ok::<_, ApiError>(OfficeFacts {
            clients,
            people,
            office_keys,
        })
    })
}

fn client_access_page(
    ctx: &Ctx,
    office: &Company,
    client: Option<i64>,
    api_keys_only: bool,
    refused: Option<&ApiError>,
) -> HttpResponse {
    let title = format!("{} > {}", ctx.t("Klient", "Client"), ctx.t("Tilganger", "Accesses"));
    let facts = match office_facts(ctx, office) {
        Ok(facts) => facts,
        Err(error) => return ctx.problem(&error).into_response(),
    };
    let chosen = client
        .and_then(|id| facts.clients.iter().find(|c| c.id == id))
        .or(facts.clients.first());
    let links = match chosen.map(|c| clients::client_access(&ctx.sandbox, c.id)) {
        Some(Ok(links)) => links,
        Some(Err(error)) => return ctx.problem(&error).into_response(),
        None => Vec::new(),
    };
    let action = ctx.url(&format!("/companies/{}/client-access", office.id));
    let body = html! {
        @if office.kind != CompanyKind::Office {
            p { (ctx.t("Bare regnskapskontorer har klienter.", "Only accounting offices have clients.")) }
        }
        form.search method="get" action=(action) {
            label for="client" { (ctx.t("Klient", "Client")) }
            select #client name="client" {
                @for client in &facts.clients {
                    option value=(client.id) selected[chosen.is_some_and(|c| c.id == client.id)] { (client.name) " (" (client.id) ")" }
                }
            }
            label for="access-type" { (ctx.t("Filter", "Filter")) }
            select #access-type name="type" {
                option value="" selected[!api_keys_only] { (ctx.t("Alle", "All")) }
                option value="api-key" selected[api_keys_only] { (ctx.t("API-nøkkel", "API key")) }
            }
            button #filter-access type="submit" { (ctx.t("Vis", "Show")) }
        }
        @if let Some(client) = chosen {
            @if let Some(error) = refused { (ctx.refusal(error)) }
            (access_list(ctx, &action, client, &facts.people, &links, api_keys_only))
            (link_form(ctx, &action, client, &facts.office_keys))
        }
    };
    ctx.page(refused, &title, Some(office), body)
}

/// The accesses in one client: the office's users' (unless only keys are asked for), then each
/// linked key's, with a button that removes it.
fn access_list(
    ctx: &Ctx,
    action: &str,
    client: &Company,
    people: &[Person],
    links: &[clients::ClientKeyAccess],
    api_keys_only: bool,
) -> Markup {
    html! {
        section.panel aria-labelledby="access-list" {
            h2 #access-list { (ctx.t("Tilganger i ", "Accesses in ")) (client.name) }
            @if !api_keys_only {
                h3 { (ctx.t("Brukere", "Users")) }
                ul.accesses {
                    @for person in people.iter().filter(|p| p.client_entitlements.contains_key(&client.id)) {
                        li { (person.display_name()) ": " (ctx.accesses(person.client_entitlements.get(&client.id).into_iter().flatten().map(String::as_str))) }
                    }
                }
                h3 { (ctx.t("API-nøkler", "API keys")) }
            }
            @if links.is_empty() {
                p #no-keys { (ctx.t("Ingen API-nøkler er aktivert på klienten.", "No API key is active on the client.")) }
            }
            ul.accesses #api-keys {
                @for link in links {
                    li {
                        details {
                            summary { (link.key.name) " (" (ctx.t("nøkkel", "key")) " " (link.key.id) ")" }
                            (link_details(ctx, link))
                            form method="post" action={ (action) "/unlink" } {
                                (ctx.csrf_field())
                                input type="hidden" name="client" value=(client.id);
                                input type="hidden" name="key" value=(link.key.id);
                                button type="submit" { (ctx.t("Fjern tilgang", "Remove access")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Gives one of the office's keys access to the client with a template.
fn link_form(ctx: &Ctx, action: &str, client: &Company, office_keys: &[KeyRow]) -> Markup {
    html! {
        form.panel method="post" action={ (action) "/link" } {
            h2 { (ctx.t("Gi en nøkkel tilgang til klienten", "Give a key access to the client")) }
            (ctx.csrf_field())
            input type="hidden" name="client" value=(client.id);
            label for="link-key" { (ctx.t("Regnskapskontorets brukernøkkel", "Accounting firm user key")) }
            select #link-key name="key" {
                @for row in office_keys {
                    option value=(row.key.id) { (row.key.name) " (" (row.key.id) ")" }
                }
            }
            label for="link-template" { (ctx.t("Tilgangsmal", "Access template")) }
            select #link-template name="template" {
                @for name in TEMPLATES {
                    option value=(name) title=(name) { (ctx.access_text(name)) }
                }
            }
            button #link-submit type="submit" { (ctx.t("Gi tilgang", "Grant access")) }
        }
    }
}

fn link_details(ctx: &Ctx, link: &clients::ClientKeyAccess) -> Markup {
    html! {
        dl.facts {
            dt { (ctx.t("Tilganger på klienten", "Accesses on the client")) }
            dd { (ctx.accesses(link.accesses.iter().map(String::as_str))) }
            dt { (ctx.t("Virker nå", "In effect now")) }
            dd.effective {
                @if link.effective.is_empty() { (ctx.t("ingenting", "nothing")) } @else { (ctx.accesses(link.effective.names())) }
            }
            @if let Some((english, norsk)) = link.reason {
                dt { (ctx.t("Hvorfor ikke", "Why not")) }
                dd.reason { (ctx.lang.t(norsk, english)) }
            }
        }
    }
}

fn link_target(ctx: &Ctx, form: &crate::console::form::Form) -> Result<(i64, i64), ApiError> {
    let client = form.number("client", ctx.t("Klient", "Client"))?;
    let key = form.number("key", ctx.t("Nøkkel", "Key"))?;
    Ok((client, key))
}

pub async fn link_key(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let id = path_id(&req).map_err(|e| ctx.problem(&e))?;
    let office = company_of(&ctx, id)?;
    let client = form.number("client", "").ok();
    let linked = link_target(&ctx, &form).and_then(|(client, key)| {
        let body = LinkBody {
            accesses: Vec::new(),
            template: form.text("template").map(str::to_owned),
        };
        clients::link_key(&ctx.sandbox, ctx.acting, client, key, &body)
    });
    Ok(match linked {
        Ok(()) => ctx.redirect(
            &format!(
                "/companies/{id}/client-access?client={}&type=api-key",
                client.unwrap_or_default()
            ),
            Some(Flash::saved(ctx.t(
                "Nøkkelen har fått tilgang til klienten.",
                "The key now has access to the client.",
            ))),
        ),
        Err(error) => client_access_page(&ctx, &office, client, true, Some(&error)),
    })
}

pub async fn unlink_key(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let id = path_id(&req).map_err(|e| ctx.problem(&e))?;
    let office = company_of(&ctx, id)?;
    let client = form.number("client", "").ok();
    let unlinked =
        link_target(&ctx, &form).and_then(|(client, key)| clients::unlink_key(&ctx.sandbox, ctx.acting, client, key));
    Ok(match unlinked {
        Ok(()) => ctx.redirect(
            &format!(
                "/companies/{id}/client-access?client={}&type=api-key",
                client.unwrap_or_default()
            ),
            Some(Flash::saved(ctx.t("Tilgangen er fjernet.", "The access is removed."))),
        ),
        Err(error) => client_access_page(&ctx, &office, client, true, Some(&error)),
    })
}
