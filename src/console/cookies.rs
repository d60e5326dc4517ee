//! What the console keeps in the visitor's browser: the language, the one-time flash message,
//! the acting person and the CSRF token, each in a cookie of its own, and the security headers
//! every console answer carries (see `security` for the checks made with them).

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};
use actix_web::http::header;
use base64::Engine;
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// The console's language: Norwegian, as Tripletex's own screens, or English on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    No,
    En,
}

impl Lang {
    /// The Norwegian text or its English twin.
    pub fn t(self, no: &'static str, en: &'static str) -> &'static str {
        match self {
            Self::No => no,
            Self::En => en,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::No => "no",
            Self::En => "en",
        }
    }

    pub(super) fn parse(text: &str) -> Option<Self> {
        match text {
            "no" | "nb" => Some(Self::No),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

/// A one-time message carried across a POST-redirect-GET in a cookie: what was saved, and a new
/// token (shown on the next page only, as Tripletex shows a key once).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Flash {
    pub text: String,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub key_name: Option<String>,
}

impl Flash {
    pub fn saved(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    pub(crate) fn encode(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    pub(crate) fn decode(text: &str) -> Option<Self> {
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()?;
        serde_json::from_slice(&json).ok()
    }
}

pub const CSRF_FIELD: &str = "csrf";
const CSRF_COOKIE: &str = "tsb_csrf";
pub const FLASH_COOKIE: &str = "tsb_flash";
const ACTOR_COOKIE: &str = "tsb_actor";
const LANG_COOKIE: &str = "tsb_lang";
pub(super) const ADMIN_COOKIE: &str = "tsb_admin";

/// The cookies the console reads, and the CSRF token this answer's forms carry.
#[derive(Debug, Clone)]
pub struct Cookies {
    pub csrf: String,
    /// The visitor had no CSRF cookie yet: the answer sets the one its forms carry.
    pub csrf_is_new: bool,
    pub actor: Option<i64>,
    pub lang: Option<String>,
    pub flash: Option<String>,
}

impl Cookies {
    pub fn of(req: &HttpRequest) -> Self {
        let existing = req
            .cookie(CSRF_COOKIE)
            .map(|c| c.value().to_owned())
            .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()));
        let csrf_is_new = existing.is_none();
        Self {
            csrf: existing.unwrap_or_else(new_csrf_token),
            csrf_is_new,
            actor: req.cookie(ACTOR_COOKIE).and_then(|c| c.value().parse().ok()),
            lang: req.cookie(LANG_COOKIE).map(|c| c.value().to_owned()),
            flash: req.cookie(FLASH_COOKIE).map(|c| c.value().to_owned()),
        }
    }
}

/// 128 random bits from the thread's CSPRNG, as hex.
pub(super) fn new_csrf_token() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    to_hex(&bytes)
}

pub(super) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

pub(super) fn strict(name: &'static str, value: String, path: &str) -> Cookie<'static> {
    Cookie::build(name, value)
        .path(path.to_owned())
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

pub fn csrf_cookie(token: &str) -> Cookie<'static> {
    strict(CSRF_COOKIE, token.to_owned(), "/")
}

pub fn flash_cookie(flash: &Flash, console_path: &str) -> Cookie<'static> {
    let mut cookie = strict(FLASH_COOKIE, flash.encode(), console_path);
    cookie.set_max_age(Duration::minutes(5));
    cookie
}

/// Per sandbox: the console of `/sb/{id}` acts as its own people.
pub fn actor_cookie(person: Option<i64>, console_path: &str) -> Cookie<'static> {
    match person {
        Some(id) => strict(ACTOR_COOKIE, id.to_string(), console_path),
        None => expired(ACTOR_COOKIE, console_path),
    }
}

pub fn lang_cookie(lang: Lang) -> Cookie<'static> {
    let mut cookie = strict(LANG_COOKIE, lang.code().to_owned(), "/");
    cookie.set_max_age(Duration::days(365));
    cookie
}

pub fn expired(name: &'static str, path: &str) -> Cookie<'static> {
    let mut cookie = strict(name, String::new(), path);
    cookie.make_removal();
    cookie
}

/// The headers every console answer carries: scripts and styles from the console only, no
/// framing (so no other site can overlay the buttons), no caching of pages that show tokens.
pub fn protect(response: &mut actix_web::HttpResponseBuilder) {
    response
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
}
