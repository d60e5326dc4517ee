//! The live journal: each `/v2` call the class's integration makes, newest first, allowed or
//! refused, with the status, the Tripletex error code and, for a refusal, the rule and its fix.
//! The page polls its own rows (a small HTML fragment) every two seconds. Companies and keys show
//! by name; tokens show as `••••` (the journal never keeps them), so a projected journal leaks none.

use crate::console::page::{Ctx, Lang, Problem};
use crate::sandbox::journal::redact::REDACTED;
use crate::sandbox::journal::{Entry, Filter};
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use maud::{Markup, html};
use std::cell::RefCell;
use std::collections::HashMap;

/// How many of the newest entries the page shows.
const SHOWN: usize = 100;

pub async fn page(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = Ctx::of(&req)?;
    let body = html! {
        p.lead {
            (ctx.t(
                "Hvert kall integrasjonen gjør mot /v2 i denne sandkassen. For et avvist kall står regelen som sa nei, og hva som retter det.",
                "Every call the integration makes to /v2 in this sandbox. For a refused call, the rule that said no and what fixes it."
            ))
        }
        p.hint aria-live="polite" #journal-status { (ctx.t("Oppdateres automatisk.", "Updates by itself.")) }
        table.journal {
            thead { tr {
                th scope="col" { (ctx.t("Tid", "Time")) }
                th scope="col" { (ctx.t("Kall", "Call")) }
                th scope="col" { (ctx.t("Firma", "Company")) }
                th scope="col" { (ctx.t("Nøkkel", "Key")) }
                th scope="col" { (ctx.t("Utfall", "Outcome")) }
                th scope="col" { "Status" }
                th scope="col" { (ctx.t("Kode", "Code")) }
                th scope="col" { (ctx.t("Regel", "Rule")) }
                th scope="col" { (ctx.t("Slik retter du det", "How to fix it")) }
            } }
            tbody #journal-rows data-feed=(ctx.url("/journal/rows")) { (rows_markup(&ctx)) }
        }
    };
    Ok(ctx.page(None, ctx.t("Journal", "Journal"), None, body))
}

/// The rows alone, for the page's polling.
pub async fn rows(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = Ctx::of(&req)?;
    let mut response = HttpResponse::Ok();
    ctx.finish(&mut response);
    response.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    ));
    Ok(response.body(rows_markup(&ctx).into_string()))
}

fn rows_markup(ctx: &Ctx) -> Markup {
    let page = ctx.sandbox.journal().read(&Filter::default(), 0, SHOWN);
    let names = Names::of(ctx);
    html! {
        @if page.entries.is_empty() {
            tr { td colspan="9" { (ctx.t("Ingen kall ennå.", "No calls yet.")) } }
        }
        @for entry in &page.entries { (row(ctx, &names, entry)) }
    }
}

/// The world's companies and keys by name, read once per render of the rows.
struct Names {
    companies: HashMap<i64, String>,
    keys: RefCell<HashMap<i64, String>>,
    sandbox: actix_web::web::Data<crate::sandbox::Sandbox>,
}

impl Names {
    fn of(ctx: &Ctx) -> Self {
        let companies = ctx.sandbox.store().with(|db| db.companies()).unwrap_or_default();
        Self {
            companies: companies.into_iter().map(|r| (r.company.id, r.company.name)).collect(),
            keys: RefCell::default(),
            sandbox: ctx.sandbox.clone(),
        }
    }

    fn company(&self, id: i64) -> String {
        self.companies.get(&id).cloned().unwrap_or_else(|| id.to_string())
    }

    fn key(&self, id: i64) -> String {
        let mut keys = self.keys.borrow_mut();
        keys.entry(id)
            .or_insert_with(|| {
                let row = self.sandbox.store().with(|db| db.key_row(id)).ok().flatten();
                row.map_or_else(|| id.to_string(), |r| r.key.name)
            })
            .clone()
    }
}

/// The call as it was made. The journal keeps no secret (`redact` replaced each token of the
/// path and query before it was stored); each shows as a short `••••`, so a row stays one line.
fn call_markup(ctx: &Ctx, entry: &Entry) -> Markup {
    let hidden = ctx.t(
        "Nøkkelen lagres ikke i journalen",
        "The journal does not keep the token",
    );
    let call = if entry.query.is_empty() {
        format!("{} {}", entry.method, entry.path)
    } else {
        format!("{} {}?{}", entry.method, entry.path, entry.query)
    };
    html! {
        code {
            @for (at, part) in call.split(REDACTED).enumerate() {
                @if at > 0 { span.secret title=(hidden) { "••••" } }
                (part)
            }
        }
    }
}

fn row(ctx: &Ctx, names: &Names, entry: &Entry) -> Markup {
    let refused = entry.status >= 400;
    html! {
        tr.refused[refused].allowed[!refused] {
            td { (entry.time.strftime("%H:%M:%S").to_string()) }
            td.call { (call_markup(ctx, entry)) }
            td.company { (entry.company_id.map(|c| names.company(c)).unwrap_or_default()) }
            td.key { (entry.key_id.map(|k| names.key(k)).unwrap_or_default()) }
            td.outcome { @if refused { (ctx.t("Avvist", "Refused")) } @else { (ctx.t("Tillatt", "Allowed")) } }
            td { (entry.status) }
            td { (entry.code.map(|c| c.to_string()).unwrap_or_default()) }
            td {
                @if let Some(rule) = entry.rule { code { (rule) } }
                @else if let Some(id) = &entry.override_id { code { "override " (id) } }
            }
            td.remedy {
                @match ctx.lang {
                    Lang::No => { @if let Some(text) = entry.norwegian.as_deref().filter(|_| refused) { (text) } },
                    Lang::En => {
                        @if let Some(remedy) = &entry.remedy { (remedy) }
                        @else if let Some(message) = entry.developer_message.as_deref().filter(|_| refused) { (message) }
                    },
                }
            }
        }
    }
}
