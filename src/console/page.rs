//! What every console page shares: the request's console context (sandbox, base path, language,
//! acting person, CSRF token, flash), the layout with the company switcher and the «acting as»
//! picker, refusals rendered in the product's words, and the embedded stylesheet and script.

use crate::console::cookies::{self as security, Cookies};
pub use crate::console::cookies::{Flash, Lang};
use crate::control::actor::ActingAs;
use crate::domain::entitlements::label;
use crate::domain::model::{Company, CompanyKind, Person};
use crate::http::SANDBOX_ID;
use crate::sandbox::Sandbox;
use crate::store::CompanyRow;
use crate::wire::{ApiError, ErrorKind};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use maud::{DOCTYPE, Markup, html};
use serde::Deserialize;

const STYLESHEET: &str = include_str!("console.css");
/// Names the refusal a page shows, for scripts that post the console's forms.
pub const REFUSED_HEADER: header::HeaderName = header::HeaderName::from_static("x-sandbox-refused");
const SCRIPT: &str = include_str!("console.js");

/// One console request: which sandbox, where its console lives, and the visitor's choices.
pub struct Ctx {
    pub sandbox: web::Data<Sandbox>,
    /// `""` for the default sandbox, `/sb/{id}` for the others.
    pub base: String,
    pub sandbox_id: Option<String>,
    pub lang: Lang,
    /// Whether `?lang=` asked for a language, which the response then remembers.
    lang_chosen: bool,
    pub acting: ActingAs,
    pub cookies: Cookies,
    pub flash: Option<Flash>,
    /// The path and query of this request, for the language toggle.
    here: String,
}

#[derive(Deserialize)]
struct LangQuery {
    lang: Option<String>,
}

impl Ctx {
    pub fn of(req: &HttpRequest) -> Result<Self, Problem> {
        let sandbox_id = req.match_info().get(SANDBOX_ID).map(str::to_owned);
        let sandbox = crate::http::sandbox(req).map_err(|e| Problem::from_api(Lang::No, "", &e))?;
        let base = sandbox_id.as_ref().map_or_else(String::new, |id| format!("/sb/{id}"));
        let cookies = Cookies::of(req);
        let asked = web::Query::<LangQuery>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.lang.as_deref().and_then(Lang::parse));
        let lang = asked
            .or_else(|| cookies.lang.as_deref().and_then(Lang::parse))
            .unwrap_or(Lang::No);
        let acting = match cookies.actor {
            Some(id) => {
                // A person the world no longer has (after a reset or another scenario) is forgotten.
                let exists = sandbox
                    .store()
                    .with(|db| db.person(id))
                    .ok()
                    .flatten()
                    .is_some_and(|p| !p.is_proxy);
                if exists {
                    ActingAs::Person(id)
                } else {
                    ActingAs::Default
                }
            }
            None => ActingAs::Default,
        };
        let flash = cookies.flash.as_deref().and_then(Flash::decode);
        Ok(Self {
            sandbox,
            base,
            sandbox_id,
            lang,
            lang_chosen: asked.is_some(),
            acting,
            cookies,
            flash,
            here: req.uri().path_and_query().map_or("/", |p| p.as_str()).to_owned(),
        })
    }

    /// A console URL of this sandbox.
    pub fn url(&self, path: &str) -> String {
        format!("{}/console{path}", self.base)
    }

    pub fn t(&self, no: &'static str, en: &'static str) -> &'static str {
        self.lang.t(no, en)
    }

    /// The problem as a page in this console's language.
    pub fn problem(&self, error: &ApiError) -> Problem {
        Problem::from_api(self.lang, &self.base, error)
    }

    /// A whole page: the layout around `body`, in the menu of `company` when there is one.
    ///
    /// A page that shows a refusal (on the form that was refused) still answers 200: the page
    /// itself is what the visitor asked for, and a browser logs every 4xx document as an error
    /// in its console, which a class watching DevTools would take for a fault. Scripts read the
    /// refusal from `x-sandbox-refused` (status, code and rule).
    pub fn page(
        &self,
        refused: Option<&ApiError>,
        title: &str,
        company: Option<&Company>,
        body: Markup,
    ) -> HttpResponse {
        let mut response = self.page_with_status(StatusCode::OK, title, company, body);
        if let Some(error) = refused {
            let rule = error.denial.as_deref().map_or("", |(rule, _)| rule);
            let text = format!("{} {} {rule}", error.kind.status(), error.kind.code());
            if let Ok(value) = HeaderValue::from_str(text.trim_end()) {
                response.headers_mut().insert(REFUSED_HEADER, value);
            }
        }
        response
    }

    /// A whole page with the given status, its header naming the world's companies and people.
    pub fn page_with_status(
        &self,
        status: StatusCode,
        title: &str,
        company: Option<&Company>,
        body: Markup,
    ) -> HttpResponse {
        let rows = self.sandbox.store().with(|db| db.companies()).unwrap_or_default();
        let people: Vec<Person> = rows
            .iter()
            .flat_map(|row| {
                self.sandbox
                    .store()
                    .with(|db| db.people_of(row.company.id))
                    .unwrap_or_default()
            })
            .collect();
        self.layout(status, title, Some(self.header(&rows, &people, company)), company, body)
    }

    /// A page that shows nothing of the world (the login form, before the admin token is
    /// given: it answers 401 when the token was wrong).
    pub fn bare_page(&self, status: StatusCode, title: &str, body: Markup) -> HttpResponse {
        self.layout(status, title, None, None, body)
    }

    fn layout(
        &self,
        status: StatusCode,
        title: &str,
        header: Option<Markup>,
        company: Option<&Company>,
        body: Markup,
    ) -> HttpResponse {
        let markup = html! {
            (DOCTYPE)
            html lang=(self.lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title {
                        (title)
                        @if title != self.t("Treningskonsoll", "Training console") { " · " (self.t("Treningskonsoll", "Training console")) }
                    }
                    link rel="icon" href="data:,";
                    link rel="stylesheet" href=(self.url("/assets/console.css"));
                    script src=(self.url("/assets/console.js")) defer {}
                }
                body {
                    a.skip href="#main" { (self.t("Hopp til innholdet", "Skip to content")) }
                    @if let Some(header) = header { (header) }
                    @if let Some(company) = company { (self.menu(company)) }
                    main #main {
                        @if let Some(flash) = &self.flash { (self.flash_box(flash)) }
                        h1 { (title) }
                        (body)
                    }
                }
            }
        };
        let mut response = HttpResponse::build(status);
        self.finish(&mut response);
        response.body(markup.into_string())
    }

    /// The headers and cookies every console answer carries.
    pub fn finish(&self, response: &mut actix_web::HttpResponseBuilder) {
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ));
        security::protect(response);
        if self.cookies.csrf_is_new {
            response.cookie(security::csrf_cookie(&self.cookies.csrf));
        }
        if self.flash.is_some() || self.cookies.flash.is_some() {
            response.cookie(security::expired(security::FLASH_COOKIE, &self.url("")));
        }
        if self.lang_chosen {
            response.cookie(security::lang_cookie(self.lang));
        }
    }

    /// POST-redirect-GET: to `path` of this console, with a message for the next page.
    pub fn redirect(&self, path: &str, flash: Option<Flash>) -> HttpResponse {
        let mut response = HttpResponse::SeeOther();
        response.insert_header((header::LOCATION, self.url(path)));
        security::protect(&mut response);
        if self.cookies.csrf_is_new {
            response.cookie(security::csrf_cookie(&self.cookies.csrf));
        }
        if let Some(flash) = flash {
            response.cookie(security::flash_cookie(&flash, &self.url("")));
        }
        response.finish()
    }

    /// The hidden field every state-changing form carries.
    pub fn csrf_field(&self) -> Markup {
        html! { input type="hidden" name=(security::CSRF_FIELD) value=(self.cookies.csrf); }
    }

    fn header(&self, rows: &[CompanyRow], people: &[Person], company: Option<&Company>) -> Markup {
        let other_lang = match self.lang {
            Lang::No => Lang::En,
            Lang::En => Lang::No,
        };
        let toggle = with_query(&self.here, "lang", other_lang.code());
        html! {
            header.top {
                a.brand href=(self.url("")) {
                    "Tripletex sandbox · " (self.t("treningskonsoll", "training console"))
                    @if let Some(id) = &self.sandbox_id { " · sandbox " code { (id) } }
                }
                form.switcher method="get" action=(self.url("/switch")) {
                    label for="company-switcher" { (self.t("Firma", "Company")) }
                    select #company-switcher name="company" {
                        @for row in rows {
                            option value=(row.company.id) selected[company.is_some_and(|c| c.id == row.company.id)] {
                                (row.company.name) " (" (kind_name(self.lang, row.company.kind)) ")"
                            }
                        }
                    }
                    button type="submit" { (self.t("Vis", "Show")) }
                }
                form.switcher method="post" action=(self.url("/acting-as")) {
                    (self.csrf_field())
                    input type="hidden" name="back" value=(self.here);
                    label for="acting-as" { (self.t("Handler som", "Acting as")) }
                    select #acting-as name="person" {
                        option value="" selected[self.acting == ActingAs::Default] {
                            (self.t("Firmaets første kontoadministrator", "The company's first account administrator"))
                        }
                        @for row in rows {
                            optgroup label=(row.company.name) {
                                @for person in people.iter().filter(|p| p.company_id == row.company.id && !p.is_proxy) {
                                    option value=(person.id) selected[self.acting == ActingAs::Person(person.id)] {
                                        (person.display_name())
                                    }
                                }
                            }
                        }
                    }
                    button type="submit" { (self.t("Bytt", "Switch")) }
                }
                nav.tools aria-label=(self.t("Verktøy", "Tools")) {
                    a href=(self.url("/journal")) { (self.t("Journal", "Journal")) }
                    a href=(self.url("/webhooks")) { "Webhooks" }
                    @if self.sandbox_id.is_none() { a #class-link href=(self.url("/class")) { (self.t("Kurs", "Class")) } }
                    a #lang-toggle href=(toggle) lang=(other_lang.code()) hreflang=(other_lang.code()) {
                        (self.t("English", "Norsk"))
                    }
                }
            }
        }
    }

    fn menu(&self, company: &Company) -> Markup {
        let base = format!("/companies/{}", company.id);
        let link = |path: &str| self.url(&format!("{base}{path}"));
        let current = |path: &str| self.here.split('?').next() == Some(link(path).as_str());
        let item = |path: &str, label: String| {
            html! {
                li { a href=(link(path)) aria-current=[current(path).then_some("page")] { (label) } }
            }
        };
        let company_menu = self.t("Selskap", "Company");
        html! {
            nav.menu aria-label=(self.t("Hovedmeny", "Main menu")) {
                p.company-name { (company.name) " · " (kind_name(self.lang, company.kind)) }
                ul {
                    (item("", self.t("Oversikt", "Overview").to_owned()))
                    (item("/subscription", format!("{company_menu} > {}", self.t("Mitt abonnement", "My subscription"))))
                    (item("/employees", format!("{company_menu} > {}", self.t("Ansatte", "Employees"))))
                    (item("/contacts", format!("{} > {}", self.t("Kunde", "Customer"), self.t("Kontakter", "Contacts"))))
                    @if company.kind == CompanyKind::Client {
                        (item("/accountant", format!("{company_menu} > {}", self.t("Regnskapsfører", "Accountant"))))
                    }
                    @if company.kind == CompanyKind::Office {
                        (item("/client-access", format!("{} > {}", self.t("Klient", "Client"), self.t("Tilganger", "Accesses"))))
                    }
                    (item("/integrations", self.t("Integrasjoner", "Integrations").to_owned()))
                }
            }
        }
    }

    fn flash_box(&self, flash: &Flash) -> Markup {
        html! {
            div.notice.ok role="status" {
                p { (flash.text) }
                @if let Some(token) = &flash.token {
                    div.token {
                        label for="new-token" {
                            (self.t("Brukernøkkel (employee token)", "Employee token"))
                            @if let Some(name) = &flash.key_name { " «" (name) "»" }
                        }
                        div.copy-row {
                            input #new-token type="text" readonly value=(token) size="60" spellcheck="false";
                            button #copy-token type="button" data-copy="new-token" { (self.t("Kopier", "Copy")) }
                            span.copied aria-live="polite" data-copied-for="new-token" {}
                        }
                        p.hint {
                            (self.t(
                                "Nøkkelen vises bare denne ene gangen. Kopier den og gi den til integrasjonspartneren.",
                                "The token is shown this once only. Copy it and give it to the integration partner."
                            ))
                        }
                    }
                }
            }
        }
    }

    /// A company by its name (its id if the world no longer has it).
    pub fn company_name(&self, id: i64) -> String {
        let company = self.sandbox.store().with(|db| db.company(id)).ok().flatten();
        company.map_or_else(|| id.to_string(), |c| c.name)
    }

    /// An entitlement or template under its label in the product, its API name on hover.
    pub fn access(&self, name: &str) -> Markup {
        match label(name) {
            Some((no, en)) => html! { span.access title=(name) data-code=(name) { (self.lang.t(no, en)) } },
            None => html! { code { (name) } },
        }
    }

    /// Several accesses, comma-separated, each as [`Ctx::access`] shows it.
    pub fn accesses<'a>(&self, names: impl IntoIterator<Item = &'a str>) -> Markup {
        html! {
            @for (at, name) in names.into_iter().enumerate() {
                @if at > 0 { ", " }
                (self.access(name))
            }
        }
    }

    /// An access's label as plain text, for places that take no markup (a select's options).
    pub fn access_text(&self, name: &str) -> String {
        label(name).map_or_else(|| name.to_owned(), |(no, en)| self.lang.t(no, en).to_owned())
    }

    /// A refusal where the real UI refuses: what was refused, the rule's reason and the remedy.
    pub fn refusal(&self, error: &ApiError) -> Markup {
        refusal_box(self.lang, error)
    }
}

/// One language per page: a Norwegian page shows the rule's Norwegian reason and remedy and the
/// error table's Norwegian message, never the English developer message.
pub fn refusal_box(lang: Lang, error: &ApiError) -> Markup {
    let rule = error.denial.as_deref().map(|(rule, _)| *rule);
    let (headline, reason, remedy) = match lang {
        Lang::En => {
            let (reason, remedy) = english_reason(error);
            (error.message.as_ref(), reason, remedy)
        }
        Lang::No => match &error.norwegian {
            Some(norwegian) => (
                error.kind.norwegian_message(),
                norwegian.reason.as_str(),
                norwegian.remedy.as_deref(),
            ),
            None => (error.kind.norwegian_message(), "", None),
        },
    };
    // A Norwegian reason says what the field messages say; without one they are the detail.
    let validation = match lang {
        Lang::No if error.norwegian.is_some() => None,
        _ => error.validation_messages.as_ref(),
    };
    html! {
        div.notice.refused role="alert" {
            p.headline {
                strong { (lang.t("Avvist", "Refused")) } " · " (error.kind.status()) " / " (error.kind.code()) " · " (headline)
            }
            @if !reason.is_empty() { p.reason { (reason) } }
            @if let Some(remedy) = remedy {
                p.remedy { strong { (lang.t("Slik retter du det: ", "How to fix it: ")) } (remedy) }
            }
            @if let Some(rule) = rule { p.rule { (lang.t("Regel: ", "Rule: ")) code { (rule) } } }
            @if let Some(messages) = validation {
                ul.validation {
                    @for message in messages {
                        li {
                            @if let Some(field) = &message.field { code { (field) } ": " }
                            (message.message)
                        }
                    }
                }
            }
        }
    }
}

/// The English reason and remedy: a denial's developerMessage is "reason Fix: remedy (rule:
/// name)", shown in parts; any other error's developerMessage is its reason.
fn english_reason(error: &ApiError) -> (&str, Option<&str>) {
    let developer = error.developer_message.as_deref().unwrap_or_default();
    let Some((rule, remedy)) = error.denial.as_deref() else {
        return (developer, None);
    };
    let reason = developer.split(" Fix: ").next().unwrap_or(developer);
    let reason = reason.strip_suffix(&format!(" (rule: {rule})")).unwrap_or(reason);
    (reason, remedy.as_deref())
}

/// An error the console itself raises, in both languages (a Norwegian page shows only `no`).
pub fn console_error(kind: ErrorKind, no: impl Into<String>, en: impl Into<String>) -> ApiError {
    ApiError::new(kind)
        .with_developer_message(en.into())
        .with_norwegian(no, None)
}

/// No `what` (a person, a key) has this id in the sandbox.
pub fn no_such(what: &str, id: i64) -> ApiError {
    let no = match what {
        "person" => "person",
        "key" => "nøkkel",
        _ => "ting",
    };
    console_error(
        ErrorKind::NotFound,
        format!("Ingen {no} har id {id} i denne sandkassen."),
        format!("No {what} has id {id}."),
    )
}

/// The numeric `{id}` of a console path.
pub fn path_id(req: &HttpRequest) -> Result<i64, ApiError> {
    let text = req.match_info().get("id").unwrap_or_default();
    text.parse().map_err(|_| {
        console_error(
            ErrorKind::NotFound,
            format!("{text:?} er ikke id-en til noe i denne sandkassen."),
            format!("{text:?} is not an id of anything in this sandbox."),
        )
    })
}

/// The name of a company kind in the console's language.
pub fn kind_name(lang: Lang, kind: CompanyKind) -> &'static str {
    match kind {
        CompanyKind::Office => lang.t("regnskapskontor", "accounting office"),
        CompanyKind::Client => lang.t("klient", "client"),
        CompanyKind::Standalone => lang.t("selvstendig", "standalone"),
    }
}

/// `path_and_query` with `name=value` set (replacing an earlier value of `name`).
fn with_query(path_and_query: &str, name: &str, value: &str) -> String {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    pairs.retain(|(n, _)| n != name);
    pairs.push((name.to_owned(), value.to_owned()));
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("{path}?{query}")
}

/// A console failure that is no refusal of an action: an unknown sandbox, company or person, a
/// missing page. Rendered as a page of its own, never as a 500 with a stack.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    html: String,
}

impl Problem {
    pub fn from_api(lang: Lang, base: &str, error: &ApiError) -> Self {
        let status = StatusCode::from_u16(error.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let markup = html! {
            (DOCTYPE)
            html lang=(lang.code()) {
                head {
                    meta charset="utf-8";
                    title { (lang.t("Feil", "Error")) " · " (lang.t("Treningskonsoll", "Training console")) }
                    link rel="icon" href="data:,";
                    link rel="stylesheet" href={ (base) "/console/assets/console.css" };
                }
                body {
                    main #main {
                        h1 { (lang.t("Det gikk ikke", "That did not work")) }
                        (refusal_box(lang, error))
                        p { a href={ (base) "/console" } { (lang.t("Til konsollens forside", "To the console's start page")) } }
                    }
                }
            }
        };
        Self {
            status,
            html: markup.into_string(),
        }
    }
}

impl Problem {
    pub fn into_response(self) -> HttpResponse {
        self.error_response()
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "console page answered {}", self.status)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ));
        security::protect(&mut response);
        response.body(self.html.clone())
    }
}

impl From<ApiError> for Problem {
    fn from(error: ApiError) -> Self {
        Self::from_api(Lang::No, "", &error)
    }
}

/// The stylesheet and the script, embedded in the binary.
pub async fn asset(req: HttpRequest) -> HttpResponse {
    let (body, kind) = match req.match_info().get("file") {
        Some("console.css") => (STYLESHEET, "text/css; charset=utf-8"),
        Some("console.js") => (SCRIPT, "text/javascript; charset=utf-8"),
        _ => return HttpResponse::NotFound().finish(),
    };
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, kind));
    response.insert_header((header::CACHE_CONTROL, "no-cache"));
    security::protect(&mut response);
    response.body(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_toggle_keeps_the_rest_of_the_query() {
        assert_eq!(with_query("/console/journal", "lang", "en"), "/console/journal?lang=en");
        assert_eq!(
            with_query("/console/companies/1/integrations?query=fiken&lang=no", "lang", "en"),
            "/console/companies/1/integrations?query=fiken&lang=en"
        );
    }

    #[test]
    fn a_flash_survives_its_cookie() {
        let flash = Flash {
            text: "Nøkkelen er opprettet".into(),
            token: Some("test-eyJ0b2tlbklkIjox".into()),
            key_name: Some("Kontor «A»".into()),
        };
        let back = Flash::decode(&flash.encode()).unwrap();
        assert_eq!(back.text, flash.text);
        assert_eq!(back.token, flash.token);
        assert!(Flash::decode("not base64 !").is_none());
    }

    #[test]
    fn a_refusal_shows_reason_remedy_and_rule_apart() {
        let denial = crate::domain::ui::integrations_are_active(&Company {
            id: 1,
            name: "Nullpunkt".into(),
            organization_number: String::new(),
            kind: CompanyKind::Office,
            package: crate::domain::model::Package::AccountingOffice,
            integrations_enabled: false,
            company_type: "AS".into(),
            email: String::new(),
        })
        .unwrap_err();
        let error = ApiError::from(denial);
        let english = refusal_box(Lang::En, &error).into_string();
        assert!(
            english.contains("&quot;Nullpunkt&quot; has not activated the Integrations module."),
            "{english}"
        );
        assert!(english.contains("How to fix it: "), "{english}");
        assert!(english.contains("<code>integrations_are_active</code>"), "{english}");
        assert!(!english.contains("Fix:"), "{english}");
        // One language per page: the Norwegian box holds the rule's Norwegian texts only.
        let norwegian = refusal_box(Lang::No, &error).into_string();
        assert!(
            norwegian.contains("«Nullpunkt» har ikke aktivert modulen Integrasjoner."),
            "{norwegian}"
        );
        assert!(norwegian.contains("Slik retter du det: "), "{norwegian}");
        assert!(
            norwegian.contains("Du har ikke tilgang til denne funksjonen."),
            "{norwegian}"
        );
        assert!(
            norwegian.contains("<code>integrations_are_active</code>"),
            "{norwegian}"
        );
        assert!(
            !norwegian.contains("has not") && !norwegian.contains("permission"),
            "{norwegian}"
        );
    }
}
