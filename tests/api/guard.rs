//! A control plane that is safe to leave running: off loopback it asks for the admin token,
//! and the URLs it hands out never come from request headers.

use crate::helpers::{TestApp, spawn_app, spawn_with};
use reqwest::Method;
use serde_json::json;
use tripletex_sandbox::config::Config;
use tripletex_sandbox::http::guard::AdminToken;
use tripletex_sandbox::http::origin::PublicOrigin;

const SECRET: &str = "s3cret-admin-token-for-tests";

fn guarded() -> TestApp {
    spawn_with(Config {
        admin_token: Some(AdminToken::new(SECRET.to_owned()).unwrap()),
        ..Config::for_tests()
    })
}

#[test]
fn with_an_admin_token_the_control_plane_asks_for_it() {
    let app = guarded();
    let without = app.get("/_sandbox/credentials");
    assert_eq!(
        (without.status, without.body["code"].as_i64()),
        (401, Some(3000)),
        "{}",
        without.body
    );
    assert!(
        without.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("Authorization: Bearer"),
        "says how to send it: {}",
        without.body
    );
    let wrong = app.send(
        app.request(Method::GET, "/_sandbox/credentials")
            .bearer_auth("s3cret-admin-token-for-tesTS"),
    );
    assert_eq!(wrong.status, 401);
    assert!(wrong.body["developerMessage"].as_str().unwrap().contains("not the one"));

    let bearer = app.send(app.request(Method::GET, "/_sandbox/credentials").bearer_auth(SECRET));
    assert_eq!(bearer.status, 200, "{}", bearer.body);
    let header = app.send(
        app.request(Method::GET, "/_sandbox/credentials")
            .header("X-Sandbox-Admin-Token", SECRET),
    );
    assert_eq!(header.status, 200);

    // Minting, regenerating and consent changes are all behind it, in every sandbox.
    for (method, path, body) in [
        (Method::POST, "/_sandbox/sandboxes", json!({})),
        (
            Method::PUT,
            "/_sandbox/clients/2101/accountant",
            json!({"apiAccess": false}),
        ),
        (Method::POST, "/_sandbox/keys/7101/regenerate", json!({})),
        (Method::PUT, "/_sandbox/clock", json!({"advance": "P1D"})),
    ] {
        let refused = app.send(app.request(method.clone(), path).json(&body));
        assert_eq!(refused.status, 401, "{method} {path}: {}", refused.body);
    }
    let made = app.send(
        app.request(Method::POST, "/_sandbox/sandboxes")
            .bearer_auth(SECRET)
            .json(&json!({})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let id = made.body["value"]["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/sb/{id}/_sandbox/credentials")).status, 401);

    // Health stays open for probes, and /v2 is as open as Tripletex's.
    assert_eq!(app.get("/_sandbox/health").status, 200);
    let credential = &bearer.body["values"][0];
    let minted = app.create_session(
        credential["consumerToken"].as_str(),
        credential["employeeToken"].as_str(),
        Some(crate::helpers::FUTURE),
    );
    assert_eq!(minted.status, 200, "{}", minted.body);
}

#[test]
fn without_an_admin_token_the_loopback_control_plane_is_open() {
    let app = spawn_app();
    assert_eq!(app.get("/_sandbox/credentials").status, 200);
}

#[test]
fn base_urls_come_from_the_server_never_from_request_headers() {
    let app = crate::helpers::spawn_server();
    for (header, value) in [("Host", "evil.example"), ("X-Forwarded-Host", "evil.example")] {
        let made = app.send(
            app.request(Method::POST, "/_sandbox/sandboxes")
                .header(header, value)
                .json(&json!({})),
        );
        assert_eq!(made.status, 201, "{}", made.body);
        let id = made.body["value"]["id"].as_str().unwrap();
        assert_eq!(
            made.body["value"]["baseUrl"],
            format!("http://{}/sb/{id}", app.address),
            "{header}"
        );
        let listed = app.send(app.request(Method::GET, "/_sandbox/sandboxes").header(header, value));
        assert!(!listed.body.to_string().contains("evil.example"), "{}", listed.body);
        let session = app.session_for(&app.credential(false));
        let who = app.send(
            app.request(Method::GET, "/v2/token/session/%3EwhoAmI?fields=employee(url)")
                .header("Authorization", crate::helpers::basic("0", &session))
                .header(header, value),
        );
        let url = who.body["value"]["employee"]["url"].as_str().unwrap();
        assert!(url.starts_with(&format!("{}/v2/", app.address)), "{header}: {url}");
    }
}

#[test]
fn a_public_url_names_the_address_clients_reach() {
    let app = spawn_with(Config {
        public_origin: Some(PublicOrigin::parse("https://sandbox.internal:8443").unwrap()),
        ..Config::for_tests()
    });
    let made = app.control(Method::POST, "/_sandbox/sandboxes", None, Some(json!({})));
    let id = made.body["value"]["id"].as_str().unwrap();
    assert_eq!(
        made.body["value"]["baseUrl"],
        format!("https://sandbox.internal:8443/sb/{id}")
    );
    let session = app.session_for(&app.credential(false));
    let who = app.get_as("0", &session, "/v2/token/session/%3EwhoAmI?fields=employee(url)");
    let url = who.body["value"]["employee"]["url"].as_str().unwrap();
    assert!(url.starts_with("sandbox.internal:8443/v2/employee/"), "{url}");
}

/// Before the admin token is given, the console's login page shows nothing of the world: no
/// company, no person (every other page's header lists them to switch between).
#[test]
fn the_console_login_page_shows_nothing_of_the_world() {
    let app = guarded();
    let page = app.request(Method::GET, "/console/login").send().unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().unwrap();
    assert!(html.contains("admin-token"), "the login form: {html}");
    for name in ["Solsikke", "Tall & Tid", "Kari", "Nordmann"] {
        assert!(!html.contains(name), "{name} shown before login");
    }
    // Logged in, the console's pages name them.
    let unguarded = spawn_app();
    let home = unguarded
        .request(Method::GET, "/console")
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(home.contains("Solsikke"), "a page after login names the companies");
}

/// Bound to every interface, the URLs the emulator hands out name the address the client reached
/// (here loopback), never the wildcard it listens on.
#[test]
fn bound_to_a_wildcard_urls_name_the_address_the_client_reached() {
    let app = spawn_with(Config {
        bind: std::net::IpAddr::from([0, 0, 0, 0]),
        admin_token: Some(AdminToken::new(SECRET.to_owned()).unwrap()),
        ..Config::for_tests()
    });
    let made = app.send(
        app.request(Method::POST, "/_sandbox/sandboxes")
            .bearer_auth(SECRET)
            .json(&json!({})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    assert!(
        made.body["value"]["baseUrl"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:"),
        "{}",
        made.body
    );
    let listed = app.send(app.request(Method::GET, "/_sandbox/sandboxes").bearer_auth(SECRET));
    assert_eq!(listed.status, 200, "{}", listed.body);
    let base = listed.body["values"][0]["baseUrl"].as_str().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
}
