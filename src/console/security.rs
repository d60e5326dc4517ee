//! What keeps the console's state-changing forms from being posted by another site, and the
//! admin token in front of it: a double-submit CSRF token (a `SameSite=Strict` cookie and a
//! hidden field that must match), a same-origin check on `Origin` / `Sec-Fetch-Site`, a login
//! form that turns `--admin-token` into an `HttpOnly` cookie, and the security headers of every
//! console answer (a strict Content-Security-Policy, no framing).

use crate::console::cookies::{ADMIN_COOKIE, from_hex, strict, to_hex};
pub use crate::console::cookies::{CSRF_FIELD, actor_cookie};
use crate::console::page::{Ctx, Problem, console_error};
use crate::http::guard::AdminToken;
use crate::wire::{ApiError, ErrorKind};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, HttpResponse, web};
use maud::html;
use subtle::ConstantTimeEq;

/// Whether a state-changing request comes from the console's own pages: the browser's
/// `Sec-Fetch-Site` says same-origin, or the `Origin` it sends names the host the request was
/// sent to. A client that sends neither (curl, a script) is judged by the CSRF token alone.
fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let host = headers.get(header::HOST).map(|h| h.as_bytes()).unwrap_or_default();
    let origin = origin.as_bytes();
    let authority = origin
        .strip_prefix(b"http://")
        .or_else(|| origin.strip_prefix(b"https://"))
        .unwrap_or_default();
    !host.is_empty() && authority == host
}

/// The refusal of a form that did not come from the console's own page.
fn cross_site() -> ApiError {
    console_error(
        ErrorKind::Forbidden,
        "Skjemaet kom ikke fra konsollens egen side (manglende eller feil CSRF-nøkkel, eller en annen opprinnelse). Last siden på nytt og prøv igjen.",
        "The form did not come from the console's own page (a missing or wrong CSRF token, or another origin). Reload the page and try again.",
    )
}

/// Checks a posted form's origin and CSRF field against the visitor's cookie.
pub fn check_post(req: &HttpRequest, ctx: &Ctx, sent: Option<&str>) -> Result<(), Problem> {
    let token_matches = !ctx.cookies.csrf_is_new
        && sent.is_some_and(|sent| bool::from(sent.as_bytes().ct_eq(ctx.cookies.csrf.as_bytes())));
    if token_matches && same_origin(req.headers()) {
        return Ok(());
    }
    Err(ctx.problem(&cross_site()))
}

/// The start of every POST handler: the console context and the form, once it is known to come
/// from the console's own page.
pub fn posted(req: &HttpRequest, body: &[u8]) -> Result<(Ctx, crate::console::form::Form), Problem> {
    let ctx = Ctx::of(req)?;
    let form = crate::console::form::Form::parse(body);
    check_post(req, &ctx, form.get(CSRF_FIELD))?;
    Ok((ctx, form))
}

fn admin_token(req: &HttpRequest) -> Option<AdminToken> {
    req.app_data::<web::Data<Option<AdminToken>>>()
        .and_then(|t| t.as_ref().clone())
}

/// In front of every console page when the server runs with `--admin-token`: the visitor must
/// have logged in on the console's login form (which sets an `HttpOnly` cookie holding the
/// token); pages answer with the login form until then. The stylesheet and script stay open.
pub async fn guard(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(token) = admin_token(req.request()) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let path = req.path();
    let open = path.ends_with("/console/login") || path.contains("/console/assets/");
    let admitted = req
        .request()
        .cookie(ADMIN_COOKIE)
        .and_then(|c| from_hex(c.value()))
        .is_some_and(|sent| token.matches(&sent));
    if open || admitted {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let (http, _) = req.into_parts();
    let response = match Ctx::of(&http) {
        Ok(ctx) if http.method() == Method::GET => login_form(&ctx, None, actix_web::http::StatusCode::UNAUTHORIZED),
        Ok(ctx) => ctx.problem(&not_logged_in()).into_response(),
        Err(problem) => problem.into_response(),
    };
    Ok(ServiceResponse::new(http, response).map_into_boxed_body())
}

fn not_logged_in() -> ApiError {
    console_error(
        ErrorKind::Unauthorized,
        "Konsollen krever administratornøkkelen (--admin-token): logg inn på konsollens innloggingsside først.",
        "The console needs the admin token (--admin-token): log in on the console's login page first.",
    )
}

fn login_form(ctx: &Ctx, refused: Option<&ApiError>, status: actix_web::http::StatusCode) -> HttpResponse {
    let body = html! {
        p {
            (ctx.t(
                "Denne sandkassen ble startet med --admin-token. Skriv inn nøkkelen for å bruke konsollen.",
                "This sandbox was started with --admin-token. Enter the token to use the console."
            ))
        }
        @if let Some(error) = refused { (ctx.refusal(error)) }
        form.panel method="post" action=(ctx.url("/login")) {
            (ctx.csrf_field())
            label for="admin-token" { (ctx.t("Administratornøkkel", "Admin token")) }
            input #admin-token type="password" name="token" autocomplete="current-password" required;
            button type="submit" { (ctx.t("Logg inn", "Log in")) }
        }
    };
    ctx.bare_page(status, ctx.t("Logg inn", "Log in"), body)
}

pub async fn login_page(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = Ctx::of(&req)?;
    Ok(login_form(&ctx, None, actix_web::http::StatusCode::OK))
}

/// The login form: the right token sets the admin cookie (for every sandbox's console).
pub async fn login(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, Problem> {
    let (ctx, form) = posted(&req, &body)?;
    let Some(token) = admin_token(&req) else {
        return Ok(ctx.redirect("", None));
    };
    let sent = form.get("token").unwrap_or_default();
    if !token.matches(sent.as_bytes()) {
        let refused = console_error(
            ErrorKind::Unauthorized,
            "Det er ikke nøkkelen sandkassen ble startet med (--admin-token / TRIPLETEX_SANDBOX_ADMIN_TOKEN).",
            "That is not the token the sandbox was started with (--admin-token / TRIPLETEX_SANDBOX_ADMIN_TOKEN).",
        );
        return Ok(login_form(
            &ctx,
            Some(&refused),
            actix_web::http::StatusCode::UNAUTHORIZED,
        ));
    }
    let mut response = ctx.redirect("", None);
    // Hex, because the token may hold characters a cookie value cannot (`;`, `,`, `"`).
    let _ = response.add_cookie(&strict(ADMIN_COOKIE, to_hex(sent.as_bytes()), "/"));
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::cookies::new_csrf_token;
    use actix_web::http::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(header::HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn a_form_posted_from_another_site_is_not_same_origin() {
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "null"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(same_origin(&headers(&[])), "curl sends neither; the CSRF token decides");
    }

    #[test]
    fn the_admin_cookie_holds_the_token_as_hex() {
        assert_eq!(from_hex(&to_hex(b"a;b,\"c")), Some(b"a;b,\"c".to_vec()));
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
    }

    #[test]
    fn csrf_tokens_are_fresh_hex() {
        let (a, b) = (new_csrf_token(), new_csrf_token());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
