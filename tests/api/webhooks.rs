//! Event subscriptions end to end: `/event` and `/event/subscription`, and webhooks posted to a
//! real HTTP receiver on loopback (a `TcpListener` in the test) with the real payload, the auth
//! header, retries on the sandbox clock, pause and resume, redelivery, the queue's bound, a
//! restart with `--db`, and sandboxes that never see each other's events.

use crate::helpers::{Reply, TestApp, spawn_app, spawn_with};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tripletex_sandbox::config::Config;
use tripletex_sandbox::sandbox::webhooks::WebhookSettings;

/// A webhook as the receiver got it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How the receiver answers.
#[derive(Debug, Clone, Copy)]
struct Answer {
    status: u16,
    delay: Duration,
}

/// A receiver on loopback that records every webhook and answers as told.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    answer: Arc<Mutex<Answer>>,
}

impl Receiver {
    fn start() -> Self {
        Self::on(TcpListener::bind("127.0.0.1:0").expect("a port"))
    }

    fn on(listener: TcpListener) -> Self {
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(Mutex::new(Answer {
            status: 200,
            delay: Duration::ZERO,
        }));
        let (kept, told) = (got.clone(), answer.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (kept, told) = (kept.clone(), told.clone());
                std::thread::spawn(move || serve(stream, &kept, &told));
            }
        });
        Self { port, got, answer }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn answer_with(&self, status: u16, delay: Duration) {
        *self.answer.lock().unwrap() = Answer { status, delay };
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Waits until `n` webhooks have come (at most 10 s), and returns them.
    fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.received().len() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let got = self.received();
        assert!(got.len() >= n, "{} webhooks came, not {n}: {got:?}", got.len());
        got
    }
}

fn serve(stream: TcpStream, kept: &Mutex<Vec<Received>>, told: &Mutex<Answer>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.trim_end().split_once(": ") {
            headers.push((name.to_owned(), value.to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let answer = *told.lock().unwrap();
    std::thread::sleep(answer.delay);
    kept.lock().unwrap().push(Received {
        path,
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let _ = reader
        .into_inner()
        .write_all(format!("HTTP/1.1 {} X\r\nContent-Length: 0\r\n\r\n", answer.status).as_bytes());
}

fn call(app: &TestApp, session: &str, method: Method, path: &str, body: Option<Value>) -> Reply {
    app.call_as(method, "0", session, path, body.as_ref())
}

fn made(reply: &Reply, status: u16) -> Value {
    assert_eq!(reply.status, status, "{}", reply.body);
    reply.body["value"].clone()
}

fn subscribe(app: &TestApp, session: &str, body: Value) -> Value {
    made(
        &call(app, session, Method::POST, "/v2/event/subscription", Some(body)),
        201,
    )
}

fn new_customer(app: &TestApp, session: &str, name: &str) -> i64 {
    let customer = made(
        &call(app, session, Method::POST, "/v2/customer", Some(json!({"name": name}))),
        201,
    );
    customer["id"].as_i64().unwrap()
}

fn deliveries(app: &TestApp) -> Vec<Value> {
    let reply = app.control(Method::GET, "/_sandbox/webhooks/deliveries", None, None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["values"].as_array().unwrap().clone()
}

/// Waits until the newest delivery has had `attempts` attempts, and returns it.
fn wait_for_attempts(app: &TestApp, attempts: u64) -> Value {
    wait_for_event(app, None, attempts)
}

/// Waits until the newest delivery (of `event`, if given) has had `attempts` attempts.
fn wait_for_event(app: &TestApp, event: Option<&str>, attempts: u64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let newest = deliveries(app).first().cloned().unwrap_or(Value::Null);
        let this_event = event.is_none_or(|e| newest["event"] == e);
        if (this_event && newest["attempts"].as_u64() >= Some(attempts)) || Instant::now() > deadline {
            assert_eq!(newest["attempts"], attempts, "{newest}");
            return newest;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Subscribes `target` to customer.create, creates a customer and waits for the first attempt:
/// the subscription and that delivery.
fn first_customer_attempt(app: &TestApp, session: &str, target: &str, name: &str) -> (Value, Value) {
    let subscription = subscribe(app, session, json!({"event": "customer.create", "targetUrl": target}));
    new_customer(app, session, name);
    (subscription, wait_for_attempts(app, 1))
}

/// Subscribes `target` to product.create, creates a product and waits for its first attempt.
fn first_product_attempt(app: &TestApp, session: &str, target: &str, name: &str) -> Value {
    subscribe(app, session, json!({"event": "product.create", "targetUrl": target}));
    made(
        &call(app, session, Method::POST, "/v2/product", Some(json!({"name": name}))),
        201,
    );
    wait_for_event(app, Some("product.create"), 1)
}

/// The delivery failed with `status` and waits for its retry.
fn assert_retrying(delivery: &Value, status: u16) {
    assert_eq!(
        (&delivery["state"], &delivery["lastStatus"]),
        (&json!("PENDING"), &json!(status)),
        "{delivery}"
    );
}

fn advance(app: &TestApp, by: &str) {
    let moved = app.control(Method::PUT, "/_sandbox/clock", None, Some(json!({"advance": by})));
    assert_eq!(moved.status, 200, "{}", moved.body);
}

#[test]
fn the_event_types_are_listed_with_descriptions_and_one_is_shown_with_an_example() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let all = call(&app, &session, Method::GET, "/v2/event", None);
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(
        (&all.body["value"]["product.create"], &all.body["value"]["order.delete"]),
        (
            &json!({"description": "Product created", "payloadModel": "Product"}),
            &json!({"description": "Order deleted"})
        )
    );
    assert_eq!(all.body["value"]["invoice.charged"]["payloadModel"], "Invoice");
    let one = call(&app, &session, Method::GET, "/v2/event/customer.delete", None);
    assert_eq!(
        one.body,
        json!({"value": {"name": "customer.delete", "description": "Customer deleted", "payloadModel": null,
            "examples": [{"subscriptionId": 1, "event": "customer.delete", "id": 1, "value": null}]}})
    );
    let unknown = call(&app, &session, Method::GET, "/v2/event/customer.created", None);
    assert_eq!(
        (unknown.status, &unknown.body["code"]),
        (404, &json!(6000)),
        "{}",
        unknown.body
    );
    let listed = call(&app, &session, Method::GET, "/v2/event/subscription", None);
    assert_eq!(listed.body["fullResultSize"], 0, "the subscriptions, not an event type");
    let without = app.session_with_accesses(&["AUTH_CUSTOMER"]);
    let refused = call(&app, &without, Method::GET, "/v2/event", None);
    assert_eq!(refused.status, 403, "{}", refused.body);
}

#[test]
fn a_subscription_names_a_known_event_and_a_loopback_target() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let refused = |body: Value| {
        let reply = call(&app, &session, Method::POST, "/v2/event/subscription", Some(body));
        assert_eq!(reply.status, 422, "{}", reply.body);
        reply.body
    };
    let unknown = refused(json!({"event": "customer.created", "targetUrl": "http://127.0.0.1:9/x"}));
    assert_eq!(unknown["validationMessages"][0]["field"], "event");
    let far = refused(json!({"event": "customer.create", "targetUrl": "https://hooks.example.com/x"}));
    assert_eq!(far["validationMessages"][0]["field"], "targetUrl");
    assert!(
        far["developerMessage"].as_str().unwrap().contains("--webhook-allow"),
        "{far}"
    );
    let header = refused(
        json!({"event": "customer.create", "targetUrl": "http://localhost/x", "authHeaderName": "X-Key", "authHeaderValue": "a\r\nb"}),
    );
    assert_eq!(header["validationMessages"][0]["field"], "authHeaderValue");
    let fields = call(
        &app,
        &session,
        Method::POST,
        "/v2/event/subscription",
        Some(json!({"event": "customer.create", "targetUrl": "http://localhost:9/x", "fields": "name(("})),
    );
    assert_eq!(fields.status / 100, 4, "{}", fields.body);
    let missing = refused(json!({}));
    assert_eq!(
        missing["validationMessages"].as_array().map(Vec::len),
        Some(4),
        "{missing}"
    );
    let kept = subscribe(
        &app,
        &session,
        json!({"event": "customer.create", "targetUrl": "http://localhost:9/x"}),
    );
    assert_eq!(kept["status"], "ACTIVE");
}

#[test]
fn every_emitted_event_reaches_the_receiver_with_the_real_payload_and_the_auth_header() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let receiver = Receiver::start();
    let mut subscriptions = Vec::new();
    for (event, fields) in [
        ("customer.create", "id,name"),
        ("customer.update", "name,version"),
        ("customer.delete", ""),
        ("invoice.charged", "id,amount"),
        ("order.create", "id"),
        ("voucher.create", "id"),
    ] {
        let made = subscribe(
            &app,
            &session,
            json!({"event": event, "targetUrl": receiver.url(&format!("/hook/{event}")), "fields": fields,
                   "authHeaderName": "Authorization", "authHeaderValue": "Bearer abc123"}),
        );
        subscriptions.push((event, made["id"].as_i64().unwrap()));
    }
    let id = new_customer(&app, &session, "Webhook AS");
    let got = receiver.wait_for(1);
    assert_eq!(got[0].path, "/hook/customer.create");
    assert_eq!(got[0].header("Authorization"), Some("Bearer abc123"));
    assert_eq!(
        got[0].body,
        json!({"subscriptionId": subscriptions[0].1, "event": "customer.create", "id": id, "value": {"id": id, "name": "Webhook AS"}})
    );
    let changed = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/customer/{id}"),
        Some(json!({"name": "Nytt navn AS"})),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    // A webhook carries the object as it stands when it leaves: the update's before the delete.
    receiver.wait_for(2);
    let gone = call(&app, &session, Method::DELETE, &format!("/v2/customer/{id}"), None);
    assert_eq!(gone.status, 204, "{}", gone.body);
    let got = receiver.wait_for(3);
    assert_eq!(got[1].body["event"], "customer.update");
    assert_eq!(got[1].body["value"], json!({"name": "Nytt navn AS", "version": 1}));
    assert_eq!(
        got[2].body,
        json!({"subscriptionId": subscriptions[2].1, "event": "customer.delete", "id": id, "value": null})
    );
    // An order invoiced: order.create, invoice.charged and the invoice's voucher.
    let customer = new_customer(&app, &session, "Kunde for faktura");
    let product = app.get_as("0", &session, "/v2/product?count=1&fields=id").body["values"][0]["id"].clone();
    let order = made(
        &call(
            &app,
            &session,
            Method::POST,
            "/v2/order",
            Some(json!({
            "customer": {"id": customer}, "orderDate": "2026-03-02", "deliveryDate": "2026-03-02",
            "orderLines": [{"product": {"id": product}, "count": 2, "unitPriceExcludingVatCurrency": 500}]})),
        ),
        201,
    );
    let invoice = made(
        &call(
            &app,
            &session,
            Method::PUT,
            &format!("/v2/order/{}/:invoice?invoiceDate=2026-03-02", order["id"]),
            None,
        ),
        200,
    );
    let got = receiver.wait_for(7);
    let events: Vec<&str> = got[3..].iter().filter_map(|r| r.body["event"].as_str()).collect();
    for event in ["customer.create", "order.create", "invoice.charged", "voucher.create"] {
        assert!(events.contains(&event), "{event} missing from {events:?}");
    }
    let charged = got.iter().find(|r| r.body["event"] == "invoice.charged").unwrap();
    assert_eq!(
        charged.body["value"],
        json!({"id": invoice["id"], "amount": invoice["amount"]})
    );
    // The training console lists them too.
    let page = format!("http://{}/console/webhooks?lang=en", app.base());
    let console = reqwest::blocking::get(page).unwrap();
    assert_eq!(console.status(), 200);
    let html = console.text().unwrap();
    assert!(
        html.contains("<code>invoice.charged</code>") && html.contains("DELIVERED"),
        "{html}"
    );
}

#[test]
fn a_failing_receiver_is_retried_on_the_sandbox_clock_until_the_subscription_is_disabled() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let receiver = Receiver::start();
    receiver.answer_with(500, Duration::ZERO);
    let (subscription, first) = first_customer_attempt(&app, &session, &receiver.url("/"), "Feil AS");
    assert_retrying(&first, 500);
    assert!(
        first["nextAttemptAt"].is_string() && first["latencyMs"].is_number(),
        "{first}"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(receiver.received().len(), 1, "no retry before the clock reaches it");
    for (advance_by, attempts) in [("PT1M", 2), ("PT5M", 3), ("PT30M", 4)] {
        advance(&app, advance_by);
        let retried = wait_for_attempts(&app, attempts);
        assert_eq!(retried["state"], "PENDING", "{retried}");
    }
    advance(&app, "PT2H");
    let failed = wait_for_attempts(&app, 5);
    assert_eq!(
        (&failed["state"], &failed["nextAttemptAt"]),
        (&json!("FAILED"), &Value::Null),
        "{failed}"
    );
    let status = call(
        &app,
        &session,
        Method::GET,
        &format!("/v2/event/subscription/{}", subscription["id"]),
        None,
    );
    assert_eq!(
        status.body["value"]["status"], "DISABLED_TOO_MANY_ERRORS",
        "{}",
        status.body
    );
    assert_eq!(receiver.received().len(), 5);
}

#[test]
fn a_receiver_that_is_slow_or_down_is_retried_and_a_delivery_can_be_sent_again() {
    let app = spawn_with(Config {
        webhooks: WebhookSettings {
            timeout: Duration::from_millis(300),
            ..WebhookSettings::default()
        },
        ..Config::for_tests()
    });
    let session = app.session_with_everything();
    let receiver = Receiver::start();
    receiver.answer_with(200, Duration::from_millis(1500));
    subscribe(
        &app,
        &session,
        json!({"event": "customer.create", "targetUrl": receiver.url("/slow")}),
    );
    new_customer(&app, &session, "Treg AS");
    let slow = wait_for_attempts(&app, 1);
    assert!(
        slow["lastError"].as_str().unwrap().contains("no answer within 300 ms"),
        "{slow}"
    );
    receiver.answer_with(200, Duration::ZERO);
    advance(&app, "PT1M");
    let delivered = wait_for_attempts(&app, 2);
    assert_eq!(
        (&delivered["state"], &delivered["lastStatus"]),
        (&json!("DELIVERED"), &json!(200))
    );
    let again = app.control(
        Method::POST,
        &format!("/_sandbox/webhooks/deliveries/{}/redeliver", delivered["id"]),
        None,
        None,
    );
    assert_eq!(again.status, 200, "{}", again.body);
    let redelivered = wait_for_attempts(&app, 3);
    assert_eq!(redelivered["state"], "DELIVERED");
    let missing = app.control(
        Method::POST,
        "/_sandbox/webhooks/deliveries/999999/redeliver",
        None,
        None,
    );
    assert_eq!(missing.status, 404, "{}", missing.body);
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let down = first_product_attempt(&app, &session, &format!("http://127.0.0.1:{closed}/"), "Brød");
    assert_eq!(
        (&down["event"], &down["state"], &down["lastStatus"]),
        (&json!("product.create"), &json!("PENDING"), &Value::Null)
    );
    assert!(down["lastError"].as_str().unwrap().contains("connecting to"), "{down}");
}

#[test]
fn paused_delivery_holds_the_events_and_resuming_sends_them_in_order() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let receiver = Receiver::start();
    subscribe(
        &app,
        &session,
        json!({"event": "customer.update", "targetUrl": receiver.url("/"), "fields": "name"}),
    );
    let paused = app.control(Method::PUT, "/_sandbox/webhooks", None, Some(json!({"paused": true})));
    assert_eq!(paused.body["value"]["paused"], true, "{}", paused.body);
    let id = new_customer(&app, &session, "Rekkefølge AS");
    for name in ["En", "To", "Tre"] {
        let reply = call(
            &app,
            &session,
            Method::PUT,
            &format!("/v2/customer/{id}"),
            Some(json!({"name": name})),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(receiver.received().is_empty(), "nothing leaves while paused");
    let held = app.control(Method::GET, "/_sandbox/webhooks", None, None);
    assert_eq!(
        (
            held.body["value"]["paused"].clone(),
            held.body["value"]["pending"].clone()
        ),
        (json!(true), json!(3))
    );
    let bad = app.control(Method::PUT, "/_sandbox/webhooks", None, Some(json!({"paused": "yes"})));
    assert_eq!((bad.status, &bad.body["code"]), (422, &json!(22000)), "{}", bad.body);
    app.control(Method::PUT, "/_sandbox/webhooks", None, Some(json!({"paused": false})));
    let got = receiver.wait_for(3);
    // Every webhook carries the object as it stands when it leaves (Tripletex sends the latest version).
    let versions: Vec<&Value> = got.iter().map(|r| &r.body["value"]["name"]).collect();
    assert_eq!(versions, [&json!("Tre"), &json!("Tre"), &json!("Tre")]);
    let ids: Vec<i64> = deliveries(&app).iter().filter_map(|d| d["id"].as_i64()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
}

#[test]
fn a_sandboxs_events_never_reach_another_sandboxs_subscriptions() {
    let (one, other) = (spawn_app(), spawn_app());
    let (session, other_session) = (one.session_with_everything(), other.session_with_everything());
    let receiver = Receiver::start();
    subscribe(
        &one,
        &session,
        json!({"event": "customer.create", "targetUrl": receiver.url("/one")}),
    );
    new_customer(&other, &other_session, "Annen sandkasse AS");
    let id = new_customer(&one, &session, "Egen sandkasse AS");
    let got = receiver.wait_for(1);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(receiver.received().len(), 1, "{got:?}");
    assert_eq!(got[0].body["id"], id);
    assert!(deliveries(&other).is_empty());
}

/// A sandbox whose queue holds two deliveries, delivery paused, one subscription to
/// customer.create: a session with every entitlement, and the receiver (kept alive).
fn paused_with_room_for_two() -> (TestApp, String, Receiver) {
    let app = spawn_with(Config {
        webhooks: WebhookSettings {
            queue_limit: 2,
            ..WebhookSettings::default()
        },
        ..Config::for_tests()
    });
    let session = app.session_with_everything();
    let receiver = Receiver::start();
    subscribe(
        &app,
        &session,
        json!({"event": "customer.create", "targetUrl": receiver.url("/")}),
    );
    app.control(Method::PUT, "/_sandbox/webhooks", None, Some(json!({"paused": true})));
    (app, session, receiver)
}

#[test]
fn the_queue_of_a_sandbox_is_bounded_and_says_so_past_it() {
    let (app, session, _receiver) = paused_with_room_for_two();
    for name in ["A", "B", "C"] {
        new_customer(&app, &session, name);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while deliveries(&app).len() < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let states: Vec<Value> = deliveries(&app).iter().map(|d| d["state"].clone()).collect();
    assert_eq!(states, [json!("REFUSED"), json!("PENDING"), json!("PENDING")]);
    let refused = &deliveries(&app)[0];
    assert!(
        refused["lastError"].as_str().unwrap().contains("--webhook-queue"),
        "{refused}"
    );
}

/// Against a queue already full, writes are turned away as they are written; the worker records
/// the first of them refused, counting the others in its reason.
#[test]
fn writes_against_a_full_queue_are_recorded_refused_with_their_count() {
    let (app, session, _receiver) = paused_with_room_for_two();
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while deliveries(&app).len() < n && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        deliveries(&app)
    };
    for name in ["A", "B"] {
        new_customer(&app, &session, name);
    }
    assert_eq!(wait_for(2).len(), 2, "the queue holds its two");
    for name in ["C", "D", "E"] {
        new_customer(&app, &session, name);
    }
    // Each refused record stands for its event and the ones counted in its reason (the worker
    // records once a second at most, so the three may come as one record or several).
    let refused_events = |all: &[Value]| -> u64 {
        all.iter()
            .filter(|d| d["state"] == "REFUSED")
            .map(|d| {
                let reason = d["lastError"].as_str().unwrap_or_default();
                assert!(reason.contains("--webhook-queue"), "{reason}");
                let later = reason
                    .rsplit(" (")
                    .next()
                    .and_then(|r| r.split(' ').next()?.parse::<u64>().ok());
                1 + later.unwrap_or(0)
            })
            .sum()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while refused_events(&deliveries(&app)) < 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let all = deliveries(&app);
    assert_eq!(refused_events(&all), 3, "{all:?}");
    assert_eq!(all.iter().filter(|d| d["state"] == "PENDING").count(), 2);
}

#[test]
fn pending_deliveries_survive_a_restart_with_db() {
    let dir = std::env::temp_dir().join(format!("webhooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("restart.db");
    let _ = std::fs::remove_file(&db);
    let config = Config {
        db: Some(db.clone()),
        ..Config::for_tests()
    };
    // The receiver's port, closed for now.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let first = spawn_with(config.clone());
    let session = first.session_with_everything();
    subscribe(
        &first,
        &session,
        json!({"event": "customer.create", "targetUrl": format!("http://127.0.0.1:{port}/")}),
    );
    let id = new_customer(&first, &session, "Omstart AS");
    let failed = wait_for_attempts(&first, 1);
    assert_eq!(failed["state"], "PENDING");
    // A second event, never attempted before the restart: listed pending, without an id yet.
    first.control(Method::PUT, "/_sandbox/webhooks", None, Some(json!({"paused": true})));
    let later = new_customer(&first, &session, "Etterpå AS");
    let deadline = Instant::now() + Duration::from_secs(10);
    while deliveries(&first)[0]["objectId"] != later && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let waiting = deliveries(&first)[0].clone();
    assert_eq!(
        (&waiting["objectId"], &waiting["state"], &waiting["id"]),
        (&json!(later), &json!("PENDING"), &Value::Null),
        "{waiting}"
    );
    let receiver = Receiver::on(TcpListener::bind(("127.0.0.1", port)).expect("the same port again"));
    let again = spawn_with(config);
    // The restarted worker is not paused: the one never attempted may be on its way already.
    let listed: Vec<Value> = deliveries(&again).iter().map(|d| d["objectId"].clone()).collect();
    assert_eq!(
        listed,
        [json!(later), json!(id)],
        "both deliveries are there after the restart"
    );
    assert_eq!(deliveries(&again)[1]["id"], failed["id"]);
    advance(&again, "PT2M");
    let got = receiver.wait_for(2);
    // Different objects: the one never attempted may go before the retry comes due.
    let mut ids: Vec<i64> = got.iter().filter_map(|r| r.body["id"].as_i64()).collect();
    ids.sort_unstable();
    assert_eq!(ids, [id, later]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deleting_a_subscription_drops_its_pending_deliveries() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let receiver = Receiver::start();
    let subscription = subscribe(
        &app,
        &session,
        json!({"event": "customer.create", "targetUrl": receiver.url("/")}),
    );
    app.control(Method::PUT, "/_sandbox/webhooks", None, Some(json!({"paused": true})));
    new_customer(&app, &session, "Avmeldt AS");
    let pending = wait_for_event(&app, Some("customer.create"), 0);
    assert_eq!(pending["state"], "PENDING", "{pending}");
    let gone = call(
        &app,
        &session,
        Method::DELETE,
        &format!("/v2/event/subscription/{}", subscription["id"]),
        None,
    );
    assert_eq!(gone.status, 204, "{}", gone.body);
    let state = app.control(Method::GET, "/_sandbox/webhooks", None, None);
    assert_eq!(state.body["value"]["pending"], 0, "{}", state.body);
    app.control(Method::PUT, "/_sandbox/webhooks", None, Some(json!({"paused": false})));
    std::thread::sleep(Duration::from_millis(200));
    assert!(receiver.received().is_empty());
}

#[test]
fn a_host_the_operator_allows_may_be_targeted_and_its_deliveries_are_attempted() {
    let app = spawn_with(Config {
        webhooks: WebhookSettings {
            allowed_hosts: vec!["hooks.example.com".into()],
            ..WebhookSettings::default()
        },
        ..Config::for_tests()
    });
    let session = app.session_with_everything();
    let allowed = subscribe(
        &app,
        &session,
        json!({"event": "customer.create", "targetUrl": "https://hooks.example.com/t"}),
    );
    assert_eq!(allowed["targetUrl"], "https://hooks.example.com/t");
    let other = call(
        &app,
        &session,
        Method::POST,
        "/v2/event/subscription",
        Some(json!({"event": "customer.create", "targetUrl": "https://other.example.com/t"})),
    );
    assert_eq!(other.status, 422, "{}", other.body);
    let settings = app.control(Method::GET, "/_sandbox/webhooks", None, None);
    assert_eq!(settings.body["value"]["allowedHosts"], json!(["hooks.example.com"]));
    new_customer(&app, &session, "Fjern AS");
    let attempted = wait_for_attempts(&app, 1);
    assert!(
        attempted["lastError"].as_str().unwrap().contains("no TLS client"),
        "{attempted}"
    );
}

#[test]
fn employees_created_and_changed_through_the_api_are_delivered_as_employee_events() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let receiver = Receiver::start();
    for event in ["employee.create", "employee.update"] {
        subscribe(
            &app,
            &session,
            json!({"event": event, "targetUrl": receiver.url(&format!("/hook/{event}")), "fields": "id,firstName,email,department(name)"}),
        );
    }
    let department = app.get_as("0", &session, "/v2/department?count=1&fields=id,name").body["values"][0].clone();
    let employee = made(
        &call(
            &app,
            &session,
            Method::POST,
            "/v2/employee",
            Some(
                json!({"firstName": "Kari", "lastName": "Nordmann", "email": "kari@example.no", "userType": "STANDARD",
                        "department": {"id": department["id"]}}),
            ),
        ),
        201,
    );
    let id = employee["id"].as_i64().unwrap();
    let got = receiver.wait_for(1);
    assert_eq!(got[0].path, "/hook/employee.create");
    assert_eq!(got[0].body["event"], "employee.create");
    assert_eq!(got[0].body["id"], id);
    assert_eq!(
        got[0].body["value"],
        json!({"id": id, "firstName": "Kari", "email": "kari@example.no", "department": {"name": department["name"]}})
    );
    let changed = call(
        &app,
        &session,
        Method::PUT,
        &format!("/v2/employee/{id}"),
        Some(json!({"firstName": "Kari Anne", "version": employee["version"]})),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    let got = receiver.wait_for(2);
    assert_eq!(got[1].path, "/hook/employee.update");
    assert_eq!(got[1].body["value"]["firstName"], "Kari Anne");
}

#[test]
fn a_webhook_fault_rule_fails_or_delays_a_delivery_without_reaching_the_receiver() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let receiver = Receiver::start();
    let faults = |rules: Value| app.control(Method::PUT, "/_sandbox/faults", None, Some(json!({"rules": rules})));
    let refused = faults(json!([{"webhook": true, "method": "POST", "status": 503}]));
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.to_string().contains("match it by path"),
        "{}",
        refused.body
    );
    let refused = faults(json!([{"webhook": true, "status": 200}]));
    assert_eq!(refused.status, 422, "{}", refused.body);
    let set = faults(json!([
        {"webhook": true, "path": "/flaky", "nth": 1, "status": 503},
        {"webhook": true, "path": "/slow", "latencyMs": 400}
    ]));
    assert_eq!(set.status, 200, "{}", set.body);
    let (_, failed) = first_customer_attempt(&app, &session, &receiver.url("/flaky"), "Ustabil AS");
    assert_retrying(&failed, 503);
    assert!(
        failed["lastError"].as_str().unwrap().contains("fault rule 0"),
        "{failed}"
    );
    assert!(
        receiver.received().is_empty(),
        "the receiver got {:?}",
        receiver.received()
    );
    // A /v2 request is not touched by a webhook rule.
    assert_eq!(app.get_as("0", &session, "/v2/customer?count=1").status, 200);
    advance(&app, "PT1M");
    let delivered = wait_for_attempts(&app, 2);
    assert_eq!(delivered["state"], "DELIVERED", "{delivered}");
    assert_eq!(receiver.wait_for(1)[0].path, "/flaky");
    let slow = first_product_attempt(&app, &session, &receiver.url("/slow"), "Sakte");
    assert_eq!(slow["state"], "DELIVERED", "{slow}");
    assert!(slow["latencyMs"].as_i64().unwrap() >= 400, "{slow}");
}
