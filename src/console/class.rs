//! The trainer's class page (`/console/class`, at the root console only): a sandbox of their own
//! for each trainee, made from one scenario, each with its console link; a printable credentials
//! sheet, one page per trainee; and resetting or deleting the whole class at once.

use crate::console::page::{Ctx, Flash, Problem, console_error};
use crate::console::security::posted;
use crate::sandbox::Sandbox;
use crate::sandbox::registry::Registry;
use crate::wire::{ApiError, ErrorKind};
use actix_web::{HttpRequest, HttpResponse, web};
use maud::{Markup, html};

/// The most trainees one form makes sandboxes for.
const MAX_TRAINEES: i64 = 60;

/// One trainee's sandbox as the page lists it.
struct Seat {
    id: String,
    trainee: String,
    sandbox: web::Data<Sandbox>,
}

/// The page's context: only the root console has it (a trainee's console must not reach the
/// rest of the class), and the process's registry.
fn class_ctx(req: &HttpRequest) -> Result<(Ctx, web::Data<Registry>), Problem> {
    let ctx = Ctx::of(req)?;
    let registry = req.app_data::<web::Data<Registry>>().cloned();
    match registry {
        Some(registry) if ctx.sandbox_id.is_none() => Ok((ctx, registry)),
        _ => Err(ctx.problem(&console_error(
            ErrorKind::NotFound,
            "Kurssiden finnes bare i konsollen ved roten (/console/class).",
            "The class page lives in the root console only (/console/class).",
        ))),
    }
}

fn seats(registry: &Registry) -> Vec<Seat> {
    registry
        .class()
        .into_iter()
        .map(|(id, trainee, sandbox)| Seat { id, trainee, sandbox })
        .collect()
}

pub async fn page(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let (ctx, registry) = class_ctx(&req)?;
    Ok(class_page(&ctx, &registry, None))
}

fn class_page(ctx: &Ctx, registry: &Registry, refused: Option<&ApiError>) -> HttpResponse {
    let seats = seats(registry);
    let body = html! {
        p.lead {
            (ctx.t(
                "Gi hver kursdeltaker en sandkasse med sin egen konsoll og egne nøkler, laget fra samme scenario. Skriv ut nøkkelarkene og del dem ut.",
                "Give each trainee a sandbox with a console and tokens of their own, made from one scenario. Print the credentials sheets and hand them out."
            ))
        }
        (new_class_form(ctx, refused))
        section.panel aria-labelledby="class-heading" {
            h2 #class-heading { (ctx.t("Kursdeltakerne", "The trainees")) " (" span #class-size { (seats.len()) } ")" }
            @if seats.is_empty() {
                p #no-trainees { (ctx.t("Ingen sandkasser for kursdeltakere ennå.", "No trainee sandboxes yet.")) }
            } @else {
                (class_table(ctx, &seats))
                p {
                    a #print-sheets href=(ctx.url("/class/sheet")) { (ctx.t("Nøkkelark for utskrift", "Printable credentials sheets")) }
                }
                form method="post" action=(ctx.url("/class/reset")) {
                    (ctx.csrf_field())
                    button #reset-class type="submit" { (ctx.t("Tilbakestill alle", "Reset them all")) }
                    span.hint { (ctx.t(" hver sandkasse tilbake til scenarioet", " each sandbox back to its scenario")) }
                }
                form method="post" action=(ctx.url("/class/delete")) {
                    (ctx.csrf_field())
                    button.danger #delete-class type="submit" { (ctx.t("Slett alle", "Delete them all")) }
                }
            }
            p.hint {
                (ctx.t(
                    "En sandkasse uten kall i --sandbox-idle-ttl sekunder (30 minutter som standard) glemmes; start emulatoren med --sandbox-idle-ttl 0 for et kurs som varer en hel dag.",
                    "A sandbox without calls for --sandbox-idle-ttl seconds (30 minutes by default) is forgotten; start the emulator with --sandbox-idle-ttl 0 for a day-long class."
                ))
            }
        }
    };
    ctx.page(refused, ctx.t("Kurs", "Class"), None, body)
}

fn new_class_form(ctx: &Ctx, refused: Option<&ApiError>) -> Markup {
    html! {
        form.panel #new-class method="post" action=(ctx.url("/class")) {
            h2 { (ctx.t("Nye sandkasser", "New sandboxes")) }
            (ctx.csrf_field())
            @if let Some(error) = refused { (ctx.refusal(error)) }
            label for="class-scenario" { (ctx.t("Scenario", "Scenario")) }
            select #class-scenario name="scenario" {
                @for (name, _) in crate::scenario::EMBEDDED_SCENARIOS {
                    option value=(name) selected[*name == crate::scenario::DEFAULT_SCENARIO] { (name) }
                }
            }
            label for="class-count" { (ctx.t("Antall kursdeltakere", "Number of trainees")) }
            input #class-count type="number" name="count" min="1" max=(MAX_TRAINEES) value="1";
            label for="class-names" { (ctx.t("Navn, ett per linje (valgfritt: ellers nummereres de)", "Names, one a line (optional: otherwise they are numbered)")) }
            textarea #class-names name="names" rows="4" {}
            button #make-class type="submit" { (ctx.t("Lag sandkassene", "Make the sandboxes")) }
        }
    }
}

fn class_table(ctx: &Ctx, seats: &[Seat]) -> Markup {
    html! {
        table #class {
            thead { tr {
                th scope="col" { (ctx.t("Kursdeltaker", "Trainee")) }
                th scope="col" { (ctx.t("Scenario", "Scenario")) }
                th scope="col" { (ctx.t("Konsoll", "Console")) }
                th scope="col" { "API" }
            } }
            tbody {
                @for seat in seats {
                    tr data-sandbox=(seat.id) {
                        td.trainee { (seat.trainee) }
                        td { (seat.sandbox.scenario_name().unwrap_or_default()) }
                        td { a.console-link href={ "/sb/" (seat.id) "/console" } { "/sb/" (seat.id) "/console" } }
                        td { code { "/sb/" (seat.id) "/v2" } }
                    }
                }
            }
        }
    }
}

/// The trainees' names: the ones typed, one a line, then numbered ones up to `count`.
fn trainee_names(ctx: &Ctx, typed: &str, count: i64) -> Vec<String> {
    let mut names: Vec<String> = typed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let wanted = usize::try_from(count).unwrap_or_default().max(names.len());
    let numbered = (1..).map(|n| format!("{} {n}", ctx.t("Kursdeltaker", "Trainee")));
    for name in numbered {
        if names.len() >= wanted {
            break;
        }
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

pub async fn make(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let (_, registry) = class_ctx(&req)?;
    let typed = form.text("names").unwrap_or_default();
    let count = match form.number("count", ctx.t("Antall kursdeltakere", "Number of trainees")) {
        Ok(count) if (1..=MAX_TRAINEES).contains(&count) => count,
        Ok(_) => return Ok(class_page(&ctx, &registry, Some(&too_many()))),
        Err(error) => return Ok(class_page(&ctx, &registry, Some(&error))),
    };
    let names = trainee_names(&ctx, typed, count);
    if names.len() > MAX_TRAINEES as usize {
        return Ok(class_page(&ctx, &registry, Some(&too_many())));
    }
    let scenario = form.text("scenario").unwrap_or(crate::scenario::DEFAULT_SCENARIO);
    let mut made = 0;
    for name in &names {
        match crate::control::new_sandbox(&registry, scenario) {
            Ok((id, _)) => registry.set_trainee(&id, name),
            // The ones made stay, listed; the page says why the rest were not.
            Err(error) => return Ok(class_page(&ctx, &registry, Some(&error))),
        }
        made += 1;
    }
    let flash = Flash::saved(format!(
        "{made} {} {scenario}.",
        ctx.t(
            "sandkasser er laget fra scenarioet",
            "sandboxes are made from the scenario"
        )
    ));
    Ok(ctx.redirect("/class", Some(flash)))
}

fn too_many() -> ApiError {
    console_error(
        ErrorKind::Validation,
        format!("Antall kursdeltakere må være mellom 1 og {MAX_TRAINEES}."),
        format!("The number of trainees must be between 1 and {MAX_TRAINEES}."),
    )
}

pub async fn reset(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, _) = posted(&req, &body)?;
    let (_, registry) = class_ctx(&req)?;
    let seats = seats(&registry);
    for seat in &seats {
        if let Err(error) = seat.sandbox.reset() {
            return Ok(class_page(&ctx, &registry, Some(&error.into())));
        }
    }
    let flash = Flash::saved(format!(
        "{} {}",
        seats.len(),
        ctx.t(
            "sandkasser er tilbake til scenarioet slik det startet.",
            "sandboxes are back to their scenario as it started."
        )
    ));
    Ok(ctx.redirect("/class", Some(flash)))
}

pub async fn delete(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, _) = posted(&req, &body)?;
    let (_, registry) = class_ctx(&req)?;
    let seats = seats(&registry);
    for seat in &seats {
        registry.remove(&seat.id);
    }
    let flash = Flash::saved(format!(
        "{} {}",
        seats.len(),
        ctx.t("sandkasser er slettet.", "sandboxes are deleted.")
    ));
    Ok(ctx.redirect("/class", Some(flash)))
}

/// One page per trainee: where their console and API are, and the tokens that open a session.
pub async fn sheet(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let (ctx, registry) = class_ctx(&req)?;
    let origin = crate::http::origin::base_url(&req);
    let seats = seats(&registry);
    let body = html! {
        p.no-print {
            (ctx.t("Skriv ut siden: hver kursdeltaker får sitt eget ark.", "Print this page: each trainee gets a sheet of their own."))
            " " a href=(ctx.url("/class")) { (ctx.t("Tilbake til kurset", "Back to the class")) }
        }
        @for seat in &seats { (trainee_sheet(&ctx, &origin, seat)) }
    };
    Ok(ctx.page(None, ctx.t("Nøkkelark", "Credentials sheets"), None, body))
}

fn trainee_sheet(ctx: &Ctx, origin: &str, seat: &Seat) -> Markup {
    let credentials = crate::control::credentials(&seat.sandbox).unwrap_or_default();
    let names = |company: i64, person: i64| {
        let store = seat.sandbox.store();
        let company = store.with(|db| db.company(company)).ok().flatten();
        let person = store.with(|db| db.person(person)).ok().flatten();
        (
            company.map(|c| c.name).unwrap_or_default(),
            person.map(|p| p.display_name()).unwrap_or_default(),
        )
    };
    html! {
        section.panel.sheet data-sandbox=(seat.id) {
            h2 { (seat.trainee) }
            dl.facts {
                dt { (ctx.t("Konsoll", "Console")) } dd { code { (origin) "/sb/" (seat.id) "/console" } }
                dt { "API" } dd { code { (origin) "/sb/" (seat.id) "/v2" } }
            }
            @for credential in &credentials {
                @let (company, person) = names(credential.company_id, credential.employee_id);
                dl.facts.credential {
                    dt { (ctx.t("Nøkkel", "Key")) }
                    dd {
                        (person) " · " (company) " · " (credential.integration)
                        @if credential.accountant_key { " · " (ctx.t("regnskapskontorets brukernøkkel", "accounting-office key")) }
                    }
                    dt { "consumerToken" } dd { code.token { (credential.consumer_token.as_deref().unwrap_or("–")) } }
                    dt { "employeeToken" } dd { code.token { (credential.employee_token) } }
                }
            }
        }
    }
}
