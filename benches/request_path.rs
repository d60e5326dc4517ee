//! Benchmarks of the hot request paths, in process (no sockets): session create, whoAmI, a proxied
//! whoAmI, a customer list and a customer create. Run with `cargo bench`; it prints the mean time per request.

use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::web;
use base64::Engine;
use std::time::{Duration, Instant};
use tripletex_sandbox::sandbox::Sandbox;
use tripletex_sandbox::sandbox::registry::Registry;
use tripletex_sandbox::scenario;
use tripletex_sandbox::store::Store;

const ROUNDS: u32 = 2_000;

fn main() {
    actix_web::rt::System::new().block_on(async {
        let scenario = scenario::resolve(scenario::DEFAULT_SCENARIO).expect("the default scenario");
        let store = Store::open_in_memory().expect("a store");
        let (sandbox, _) = Sandbox::open(store, &scenario, Some(1)).expect("a sandbox");
        let registry = Registry::new(web::Data::new(sandbox), Some(1));
        let app = init_service(tripletex_sandbox::startup::app(web::Data::new(registry))).await;
        let world = &scenario.world;
        let consumer = world.integrations[0].consumer_token.clone().unwrap_or_default();
        let key = |office: bool| world.first_key_token(office);
        let mint = |token: &str| {
            format!(
                "/v2/token/session/:create?consumerToken={consumer}&employeeToken={token}&expirationDate=2099-12-31"
            )
        };
        let auth = |user: &str, session: &str| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{session}"))
            )
        };

        let started = Instant::now();
        let mut session = String::new();
        for _ in 0..ROUNDS {
            let response = call_service(&app, TestRequest::put().uri(&mint(&key(false))).to_request()).await;
            let body: serde_json::Value = serde_json::from_slice(&read_body(response).await).unwrap_or_default();
            session = body["value"]["token"].as_str().unwrap_or_default().to_owned();
        }
        report("PUT /token/session/:create", started.elapsed());
        let office_body: serde_json::Value = serde_json::from_slice(
            &read_body(call_service(&app, TestRequest::put().uri(&mint(&key(true))).to_request()).await).await,
        )
        .unwrap_or_default();
        let office = office_body["value"]["token"].as_str().unwrap_or_default().to_owned();

        for (label, user, token, uri) in [
            (
                "GET /token/session/>whoAmI",
                "0",
                &session,
                "/v2/token/session/%3EwhoAmI",
            ),
            (
                "GET /token/session/>whoAmI as a client",
                "2101",
                &office,
                "/v2/token/session/%3EwhoAmI",
            ),
            ("GET /customer", "0", &session, "/v2/customer"),
        ] {
            let started = Instant::now();
            for _ in 0..ROUNDS {
                let request = TestRequest::get()
                    .uri(uri)
                    .insert_header(("Authorization", auth(user, token)))
                    .to_request();
                let response = call_service(&app, request).await;
                assert!(response.status().is_success(), "{label}");
                let _ = read_body(response).await;
            }
            report(label, started.elapsed());
        }

        let started = Instant::now();
        for n in 0..ROUNDS {
            let request = TestRequest::post()
                .uri("/v2/customer")
                .insert_header(("Authorization", auth("0", &session)))
                .set_json(serde_json::json!({ "name": format!("Bench {n} AS") }))
                .to_request();
            let response = call_service(&app, request).await;
            assert_eq!(response.status().as_u16(), 201, "POST /customer");
            let _ = read_body(response).await;
        }
        report("POST /customer", started.elapsed());
    });
}

fn report(label: &str, elapsed: Duration) {
    println!(
        "{label:<42} {:>8.1} µs/request ({ROUNDS} requests)",
        elapsed.as_secs_f64() * 1e6 / f64::from(ROUNDS)
    );
}
