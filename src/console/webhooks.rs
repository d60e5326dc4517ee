//! The webhook deliveries of the sandbox, newest first: which event went to which subscription,
//! how it came off (delivered, pending with its next attempt, failed, refused), with the
//! receiver's last status, error and latency, so a class sees what its integration was sent.

use crate::console::page::{Ctx, Problem};
use crate::store::DeliveryRow;
use actix_web::{HttpRequest, HttpResponse};
use maud::{Markup, html};

/// How many of the newest deliveries the page shows.
const SHOWN: usize = 100;

pub async fn page(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = Ctx::of(&req)?;
    let rows = ctx
        .sandbox
        .store()
        .with(|db| db.deliveries(SHOWN))
        .map_err(crate::wire::ApiError::from)?;
    let body = html! {
        p.lead {
            (ctx.t(
                "Hendelsene sandkassen har sendt til abonnementene (/v2/event/subscription), de nyeste først.",
                "The events the sandbox sent to the subscriptions (/v2/event/subscription), newest first."
            ))
        }
        @if ctx.sandbox.webhooks().paused() {
            p.hint { (ctx.t("Utsending er satt på pause.", "Delivery is paused.")) }
        }
        table.journal {
            thead { tr {
                th scope="col" { (ctx.t("Opprettet", "Created")) }
                th scope="col" { (ctx.t("Hendelse", "Event")) }
                th scope="col" { (ctx.t("Objekt", "Object")) }
                th scope="col" { (ctx.t("Abonnement", "Subscription")) }
                th scope="col" { (ctx.t("Tilstand", "State")) }
                th scope="col" { (ctx.t("Forsøk", "Attempts")) }
                th scope="col" { "Status" }
                th scope="col" { (ctx.t("Tid (ms)", "Latency (ms)")) }
                th scope="col" { (ctx.t("Neste forsøk", "Next attempt")) }
                th scope="col" { (ctx.t("Feil", "Error")) }
            } }
            tbody {
                @if rows.is_empty() {
                    tr { td colspan="10" { (ctx.t("Ingen hendelser ennå.", "No events yet.")) } }
                }
                @for row in &rows { (row_markup(row)) }
            }
        }
    };
    Ok(ctx.page(None, ctx.t("Webhooks", "Webhooks"), None, body))
}

fn time(ms: Option<i64>) -> String {
    ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

fn row_markup(row: &DeliveryRow) -> Markup {
    let failed = matches!(row.state.as_str(), "FAILED" | "REFUSED");
    html! {
        tr.refused[failed].allowed[!failed] {
            td { (time(Some(row.created_ms))) }
            td.call { code { (row.event) } }
            td { (row.object_id) }
            td { (row.subscription_id) }
            td.outcome { (row.state.as_str()) }
            td { (row.attempts) }
            td { (row.last_status.map(|s| s.to_string()).unwrap_or_default()) }
            td { (row.latency_ms.map(|l| l.to_string()).unwrap_or_default()) }
            td { (time(row.next_ms)) }
            td.remedy { (row.last_error.as_deref().unwrap_or_default()) }
        }
    }
}
