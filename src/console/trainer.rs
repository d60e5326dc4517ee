//! The trainer's side of the console: the start page (the sandbox's companies, the scenario
//! picker and reset), the company switcher and the «acting as» picker.

use crate::console::page::{Ctx, Flash, Problem, kind_name};
use crate::console::security::{self, posted};
use crate::wire::ApiError;
use actix_web::{HttpRequest, HttpResponse, web};
use maud::html;

pub async fn home(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = Ctx::of(&req)?;
    Ok(home_page(&ctx, None))
}

fn home_page(ctx: &Ctx, refused: Option<&ApiError>) -> HttpResponse {
    let rows = ctx.sandbox.store().with(|db| db.companies()).unwrap_or_default();
    let current = ctx.sandbox.scenario_name().unwrap_or_default();
    let scenarios: Vec<(&str, String)> = crate::scenario::EMBEDDED_SCENARIOS
        .iter()
        .map(|(name, text)| {
            let description = crate::scenario::parse(name, text)
                .map(|s| s.file.description)
                .unwrap_or_default();
            (*name, description)
        })
        .collect();
    let body = html! {
        p.lead {
            (ctx.t(
                "Her viser du Tripletex-skjermene for regnskapskontorets brukernøkkel. Hver handling går gjennom sandkassens kontrollplan: det som avvises her, avvises også av /_sandbox, med samme regel og løsning.",
                "Here you show Tripletex's screens for the accounting office's user key. Every action goes through the sandbox's control plane: what is refused here is refused by /_sandbox too, with the same rule and remedy."
            ))
        }
        section.panel aria-labelledby="companies-heading" {
            h2 #companies-heading { (ctx.t("Firmaer i sandkassen", "Companies in the sandbox")) }
            table {
                thead { tr {
                    th scope="col" { (ctx.t("Navn", "Name")) }
                    th scope="col" { "Id" }
                    th scope="col" { (ctx.t("Type", "Kind")) }
                    th scope="col" { (ctx.t("Pakke", "Package")) }
                    th scope="col" { (ctx.t("Integrasjoner", "Integrations")) }
                } }
                tbody {
                    @for row in &rows {
                        tr {
                            td { a href=(ctx.url(&format!("/companies/{}", row.company.id))) { (row.company.name) } }
                            td { (row.company.id) }
                            td { (kind_name(ctx.lang, row.company.kind)) }
                            td { (row.company.package.as_str()) }
                            td { (yes_no(ctx, row.company.integrations_enabled)) }
                        }
                    }
                }
            }
        }
        section.panel #scenario aria-labelledby="scenario-heading" {
            h2 #scenario-heading { (ctx.t("Scenario", "Scenario")) }
            @if let Some(error) = refused { (ctx.refusal(error)) }
            p { (ctx.t("Nå lastet: ", "Loaded now: ")) strong #current-scenario { (current) } }
            form method="post" action=(ctx.url("/scenario")) {
                (ctx.csrf_field())
                label for="scenario-name" { (ctx.t("Velg scenario", "Choose a scenario")) }
                select #scenario-name name="name" {
                    @for (name, _) in &scenarios {
                        option value=(name) selected[*name == current] { (name) }
                    }
                }
                button #load-scenario type="submit" { (ctx.t("Last inn", "Load")) }
            }
            form method="post" action=(ctx.url("/reset")) {
                (ctx.csrf_field())
                button #reset type="submit" { (ctx.t("Tilbakestill sandkassen", "Reset the sandbox")) }
                span.hint { (ctx.t(" tilbake til scenarioet slik det startet", " back to the scenario as it started")) }
            }
            details {
                summary { (ctx.t("Hva scenarioene viser", "What the scenarios show")) }
                dl {
                    @for (name, description) in &scenarios {
                        dt { code { (name) } }
                        dd { (description) }
                    }
                }
            }
        }
    };
    ctx.page(refused, ctx.t("Treningskonsoll", "Training console"), None, body)
}

pub fn yes_no(ctx: &Ctx, value: bool) -> &'static str {
    if value { ctx.t("Ja", "Yes") } else { ctx.t("Nei", "No") }
}

#[derive(serde::Deserialize)]
pub struct SwitchQuery {
    company: Option<String>,
}

/// The company switcher (a GET form, so it works without script).
pub async fn switch_company(req: HttpRequest, query: Option<web::Query<SwitchQuery>>) -> Result<HttpResponse, Problem> {
    let ctx = Ctx::of(&req)?;
    let company = query.and_then(|q| q.company.as_deref().and_then(|c| c.parse::<i64>().ok()));
    Ok(match company {
        Some(id) => ctx.redirect(&format!("/companies/{id}"), None),
        None => ctx.redirect("", None),
    })
}

/// «Acting as»: every later action of this browser in this sandbox is that person's.
pub async fn acting_as(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let person = form.optional_number("person", ctx.t("Handler som", "Acting as"));
    let person = person.map_err(|e| ctx.problem(&e))?;
    if let Some(id) = person {
        let known = ctx
            .sandbox
            .store()
            .with(|db| db.person(id))
            .map_err(|e| ctx.problem(&e.into()))?;
        if known.is_none_or(|p| p.is_proxy) {
            return Err(ctx.problem(&crate::console::page::no_such("person", id)));
        }
    }
    // Back to the page the picker was on, if it is one of this console's.
    let back = form
        .get("back")
        .filter(|b| b.starts_with(&ctx.url("")) && !b.contains("//"))
        .map(|b| b.trim_start_matches(&ctx.url("")).to_owned())
        .unwrap_or_default();
    let mut response = ctx.redirect(&back, None);
    let _ = response.add_cookie(&security::actor_cookie(person, &ctx.url("")));
    Ok(response)
}

pub async fn load_scenario(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let wanted = form.text("name").unwrap_or_default();
    match crate::control::load_embedded_scenario(&ctx.sandbox, wanted) {
        Ok(name) => {
            let flash = Flash::saved(format!(
                "{} {name}",
                ctx.t("Lastet inn scenarioet", "Loaded the scenario")
            ));
            let mut response = ctx.redirect("", Some(flash));
            let _ = response.add_cookie(&security::actor_cookie(None, &ctx.url("")));
            Ok(response)
        }
        Err(error) => Ok(home_page(&ctx, Some(&error))),
    }
}

pub async fn reset(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, _) = posted(&req, &body)?;
    match ctx.sandbox.reset() {
        Ok(()) => {
            let flash = Flash::saved(ctx.t(
                "Sandkassen er tilbakestilt til scenarioet slik det startet.",
                "The sandbox is back to the scenario as it started.",
            ));
            let mut response = ctx.redirect("", Some(flash));
            let _ = response.add_cookie(&security::actor_cookie(None, &ctx.url("")));
            Ok(response)
        }
        Err(error) => Ok(home_page(&ctx, Some(&error.into()))),
    }
}

/// A console path that is no page.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = Ctx::of(&req)?;
    Err(ctx.problem(&crate::console::page::console_error(
        crate::wire::ErrorKind::NotFound,
        format!("Konsollen har ingen side {:?}.", req.path()),
        format!("The console has no page {:?}.", req.path()),
    )))
}
