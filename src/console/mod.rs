//! The training console (`/console`, `/sb/{id}/console`): server-rendered pages that mirror
//! Tripletex's own screens for the accountant-key procedure (Selskap > Mitt abonnement, Ansatte,
//! Kontakter, API-tilgang, Brukertilgang, Selskap > Regnskapsfører, Klient > Tilganger,
//! Integrasjoner), a live journal, the webhook deliveries, the trainer's scenario picker and the
//! class page (a sandbox per trainee). It owns only presentation
//! and form handling: every action is a control-plane function, so the console refuses exactly
//! what `/_sandbox` refuses, with the same rule and remedy.

mod class;
mod company;
mod cookies;
mod form;
mod journal;
mod page;
mod people;
mod security;
mod trainer;
mod webhooks;

use actix_web::middleware::from_fn;
use actix_web::web;

/// The console's own scope, mounted under the default sandbox's root and under `/sb/{id}`.
pub fn scope() -> actix_web::Scope<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    web::scope("/console")
        .wrap(from_fn(security::guard))
        .configure(configure)
        .default_service(web::to(trainer::not_found))
}

/// A company's and a person's pages sit in one scope each (`/companies/{id}`, `/people/{id}`)
/// with static paths inside: actix compiles a regex for every dynamic pattern (a scope's twice),
/// once per worker thread, and the console is mounted twice (root and `/sb/{id}`), so 13
/// patterns become 4 at every start. A nested scope does not inherit the console's own default,
/// hence its `not_found` again.
fn configure(cfg: &mut web::ServiceConfig) {
    use web::{get, post, resource, scope};
    cfg.service(resource("").route(get().to(trainer::home)))
        .service(resource("/").route(get().to(trainer::home)))
        .service(resource("/assets/{file}").route(get().to(page::asset)))
        .service(
            resource("/login")
                .route(get().to(security::login_page))
                .route(post().to(security::login)),
        )
        .service(resource("/switch").route(get().to(trainer::switch_company)))
        .service(resource("/acting-as").route(post().to(trainer::acting_as)))
        .service(resource("/scenario").route(post().to(trainer::load_scenario)))
        .service(resource("/reset").route(post().to(trainer::reset)))
        .service(
            resource("/class")
                .route(get().to(class::page))
                .route(post().to(class::make)),
        )
        .service(resource("/class/reset").route(post().to(class::reset)))
        .service(resource("/class/delete").route(post().to(class::delete)))
        .service(resource("/class/sheet").route(get().to(class::sheet)))
        .service(resource("/journal").route(get().to(journal::page)))
        .service(resource("/journal/rows").route(get().to(journal::rows)))
        .service(resource("/webhooks").route(get().to(webhooks::page)))
        .service(
            scope("/companies/{id}")
                .service(resource("").route(get().to(company::overview)))
                .service(
                    resource("/subscription")
                        .route(get().to(company::subscription))
                        .route(post().to(company::save_subscription)),
                )
                .service(
                    resource("/integrations")
                        .route(get().to(company::integrations))
                        .route(post().to(company::add_integration)),
                )
                .service(
                    resource("/accountant")
                        .route(get().to(company::accountant))
                        .route(post().to(company::save_accountant)),
                )
                .service(resource("/client-access").route(get().to(company::client_access)))
                .service(resource("/client-access/link").route(post().to(company::link_key)))
                .service(resource("/client-access/unlink").route(post().to(company::unlink_key)))
                .service(resource("/employees").route(get().to(people::employees)))
                .service(resource("/contacts").route(get().to(people::contacts)))
                .default_service(web::to(trainer::not_found)),
        )
        .service(
            scope("/people/{id}")
                .service(
                    resource("/access")
                        .route(get().to(people::access))
                        .route(post().to(people::save_access)),
                )
                .service(resource("/client-access").route(post().to(people::save_client_access)))
                .service(resource("/api-access").route(get().to(people::api_access)))
                .service(resource("/keys").route(post().to(people::create_key)))
                .default_service(web::to(trainer::not_found)),
        )
        .service(resource("/keys/{id}/regenerate").route(post().to(people::regenerate_key)))
        .service(resource("/keys/{id}/delete").route(post().to(people::delete_key)));
}
