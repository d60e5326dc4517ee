//! Test harness: one emulator shared by the whole test binary, a sandbox of its own for each
//! test (deleted when its `TestApp` drops), emulators of their own where a test needs its own
//! configuration, and typed request helpers that return the status, the JSON body and the
//! request id.

use base64::Engine;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{OnceLock, mpsc};
use tripletex_sandbox::config::Config;
use tripletex_sandbox::scenario::DEFAULT_SCENARIO;
use tripletex_sandbox::startup::Application;

pub struct TestApp {
    /// host:port of the emulator this test talks to.
    pub address: String,
    /// The id of this test's own sandbox on the shared emulator (None on an emulator of its own).
    sandbox: Option<String>,
    client: reqwest::blocking::Client,
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub request_id: Option<String>,
    pub headers: reqwest::header::HeaderMap,
}

/// A sandbox of its own holding the default scenario, on the shared emulator.
pub fn spawn_app() -> TestApp {
    spawn_scenario(DEFAULT_SCENARIO)
}

/// A sandbox of its own holding the named embedded scenario, on the shared emulator.
pub fn spawn_scenario(scenario: &str) -> TestApp {
    let address = shared_server().to_owned();
    let client = client();
    let made = client
        .post(format!("http://{address}/_sandbox/sandboxes"))
        .json(&json!({ "scenario": scenario }))
        .send()
        .expect("the shared emulator answers");
    assert_eq!(made.status(), 201, "a sandbox for {scenario}: {:?}", made.text());
    let made: Value = made.json().expect("a JSON body");
    let id = made["value"]["id"].as_str().expect("a sandbox id").to_owned();
    assert_eq!(made["value"]["scenario"], scenario);
    assert_eq!(made["value"]["baseUrl"], format!("http://{address}/sb/{id}"));
    TestApp {
        address,
        sandbox: Some(id),
        client,
    }
}

impl TestApp {
    /// A sandbox of its own holding a copy of this test's sandbox (`{"from": id}`).
    pub fn fork(&self) -> TestApp {
        let from = self.sandbox.as_deref().unwrap_or("default");
        let made = self.control(
            reqwest::Method::POST,
            "/_sandbox/sandboxes",
            None,
            Some(json!({ "from": from })),
        );
        assert_eq!(made.status, 201, "a copy of {from}: {}", made.body);
        assert_eq!(made.body["value"]["from"], from);
        let id = made.body["value"]["id"].as_str().expect("a sandbox id").to_owned();
        TestApp {
            address: self.address.clone(),
            sandbox: Some(id),
            client: client(),
        }
    }
}

/// An emulator of its own serving the default scenario, for tests of the default sandbox at the
/// root and of the sandbox registry.
pub fn spawn_server() -> TestApp {
    spawn_with(Config::for_tests())
}

impl TestApp {
    /// The root sandbox of an emulator already running at `base` (`http://host:port`: the binary).
    pub fn at(base: &str) -> TestApp {
        TestApp {
            address: base.trim_start_matches("http://").to_owned(),
            sandbox: None,
            client: client(),
        }
    }
}

/// An emulator of its own with the given configuration (a seed, a database file, a scenario file).
pub fn spawn_with(config: Config) -> TestApp {
    TestApp {
        address: start(config).expect("the emulator starts"),
        sandbox: None,
        client: client(),
    }
}

/// The emulator every sandboxed test shares, started on first use and alive until the process
/// ends.
fn shared_server() -> &'static str {
    static SERVER: OnceLock<String> = OnceLock::new();
    SERVER.get_or_init(|| {
        start(Config {
            // Two workers, so that two tests running at once are answered at once.
            workers: Some(2),
            ..Config::for_tests()
        })
        .expect("the shared emulator starts")
    })
}

/// Starts an emulator on its own thread with its own actix System and returns its host:port.
fn start(config: Config) -> Result<String, String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            match Application::build(&config) {
                Ok(app) => {
                    let _ = sender.send(Ok(app.address().to_string()));
                    let _ = app.run_until_stopped().await;
                }
                Err(err) => {
                    let _ = sender.send(Err(err.to_string()));
                }
            }
        })
    });
    receiver.recv().map_err(|e| e.to_string())?
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

impl Drop for TestApp {
    /// Deletes the test's sandbox, so the registry never fills up.
    fn drop(&mut self) {
        let Some(id) = &self.sandbox else { return };
        let deleted = self
            .client
            .delete(format!("http://{}/_sandbox/sandboxes/{id}", self.address))
            .send();
        if !std::thread::panicking() {
            let status = deleted.expect("the shared emulator answers").status();
            assert_eq!(status, 204, "deleting sandbox {id}");
        }
    }
}

/// Whether `path` starts with the segment `/{segment}`.
fn under(path: &str, segment: &str) -> bool {
    path.strip_prefix('/')
        .and_then(|rest| rest.strip_prefix(segment))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
}

pub fn basic(username: &str, session_token: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{session_token}"))
    )
}

/// A date far enough ahead that a session minted for it is alive during the test.
pub const FUTURE: &str = "2099-12-31";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.address, self.path(path))
    }

    /// The path the emulator sees: `/v2/…` and `/_sandbox/…` go under `/sb/{id}` when the test
    /// has a sandbox of its own; the process-wide `/_sandbox/sandboxes…` and anything else stay
    /// at the root.
    pub fn path(&self, path: &str) -> String {
        match &self.sandbox {
            Some(id) if (under(path, "v2") || under(path, "_sandbox")) && !under(path, "_sandbox/sandboxes") => {
                format!("/sb/{id}{path}")
            }
            _ => path.to_owned(),
        }
    }

    /// What the emulator writes before `/v2` in `url` fields: host:port, then `/sb/{id}` when the
    /// test has a sandbox of its own.
    pub fn base(&self) -> String {
        match &self.sandbox {
            Some(id) => format!("{}/sb/{id}", self.address),
            None => self.address.clone(),
        }
    }

    pub fn send(&self, request: reqwest::blocking::RequestBuilder) -> Reply {
        let response = request.send().expect("the emulator answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let request_id = headers
            .get("x-tlx-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().expect("a body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("a JSON body, got {text:?}"))
        };
        Reply {
            status,
            body,
            request_id,
            headers,
        }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::blocking::RequestBuilder {
        self.client.request(method, self.url(path))
    }

    /// GET with Basic auth as `username` using `session`.
    pub fn get_as(&self, username: &str, session: &str, path: &str) -> Reply {
        self.send(
            self.request(reqwest::Method::GET, path)
                .header("Authorization", basic(username, session)),
        )
    }

    pub fn get(&self, path: &str) -> Reply {
        self.send(self.request(reqwest::Method::GET, path))
    }

    /// PUT /v2/token/session/:create with the given arguments (None = left out).
    pub fn create_session(&self, consumer: Option<&str>, employee: Option<&str>, date: Option<&str>) -> Reply {
        let mut query = Vec::new();
        if let Some(v) = consumer {
            query.push(("consumerToken", v));
        }
        if let Some(v) = employee {
            query.push(("employeeToken", v));
        }
        if let Some(v) = date {
            query.push(("expirationDate", v));
        }
        self.send(
            self.request(reqwest::Method::PUT, "/v2/token/session/:create")
                .query(&query),
        )
    }

    pub fn credentials(&self) -> Vec<Value> {
        let reply = self.get("/_sandbox/credentials");
        assert_eq!(reply.status, 200);
        reply.body["values"].as_array().cloned().expect("values")
    }

    /// The credential of the first key that is (or is not) an accounting-office key.
    pub fn credential(&self, accountant_key: bool) -> Value {
        self.credentials()
            .into_iter()
            .find(|c| c["accountantKey"] == accountant_key)
            .expect("a matching credential")
    }

    /// Mints a live session for a credential and returns its token.
    pub fn session_for(&self, credential: &Value) -> String {
        let reply = self.create_session(
            credential["consumerToken"].as_str(),
            credential["employeeToken"].as_str(),
            Some(FUTURE),
        );
        assert_eq!(reply.status, 200, "{:?}", reply.body);
        reply.body["value"]["token"].as_str().expect("a token").to_owned()
    }

    /// The consumer token of the integration catalog's first integration.
    pub fn catalog_consumer_token(&self) -> String {
        self.credential(false)["consumerToken"]
            .as_str()
            .expect("consumer token")
            .to_owned()
    }
}

/// The error body with its request id replaced, for whole-body comparisons.
pub fn redacted(reply: &Reply) -> Value {
    let mut body = reply.body.clone();
    assert_eq!(
        body["requestId"].as_str(),
        reply.request_id.as_deref(),
        "requestId equals the x-tlx-request-id header"
    );
    body["requestId"] = Value::String("<request-id>".into());
    body
}

impl TestApp {
    /// A control-plane call with a JSON body, acting as `actor` (None = the default actor).
    pub fn control(
        &self,
        method: reqwest::Method,
        path: &str,
        actor: Option<i64>,
        body: Option<serde_json::Value>,
    ) -> Reply {
        let mut request = self.request(method, path);
        if let Some(actor) = actor {
            request = request.header("X-Sandbox-Actor", actor.to_string());
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request)
    }

    /// Mints a session from a consumer token and an employee token, asserting success.
    pub fn session_from(&self, consumer: &str, employee: &str) -> String {
        let reply = self.create_session(Some(consumer), Some(employee), Some(FUTURE));
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["value"]["token"].as_str().expect("a token").to_owned()
    }

    /// The ids `withLoginAccess` lists for a session.
    pub fn login_access_ids(&self, session: &str) -> Vec<i64> {
        let reply = self.get_as("0", session, "/v2/company/%3EwithLoginAccess?fields=id");
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    }
}

/// Asserts a refusal: status, code, and the rule named in developerMessage.
pub fn assert_denied(reply: &Reply, status: u16, code: i64, rule: &str) {
    assert_eq!(
        (reply.status, reply.body["code"].as_i64()),
        (status, Some(code)),
        "{}",
        reply.body
    );
    let message = reply.body["developerMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("(rule: {rule})")),
        "expected rule {rule} in {message}"
    );
}

impl TestApp {
    /// A session of the bakery's own key after Kari (its administrator) is given every entitlement.
    pub fn session_with_everything(&self) -> String {
        let reply = self.control(
            reqwest::Method::PUT,
            "/_sandbox/people/5001/access",
            None,
            Some(serde_json::json!({"entitlements": ["ALL_PRIVILEGES"]})),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        self.session_for(&self.credential(false))
    }

    /// A live session of a new key on Kari (the bakery's administrator) holding exactly `accesses`.
    pub fn session_with_accesses(&self, accesses: &[&str]) -> String {
        let made = self.control(
            reqwest::Method::POST,
            "/_sandbox/people/5001/keys",
            None,
            Some(serde_json::json!({"name": "test", "custom": {"applicationName": "Fjord Regnskap Sync", "accesses": accesses}})),
        );
        assert_eq!(made.status, 201, "{}", made.body);
        self.session_from(
            &self.catalog_consumer_token(),
            made.body["value"]["token"].as_str().unwrap(),
        )
    }

    /// A request with Basic auth as `username` (a company id, or 0) and an optional JSON body.
    pub fn call_as(
        &self,
        method: reqwest::Method,
        username: &str,
        session: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Reply {
        let mut request = self
            .request(method, path)
            .header("Authorization", basic(username, session));
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(request)
    }

    /// The highest `customerNumber` among the customers the session's company holds.
    pub fn highest_customer_number(&self, session: &str) -> i64 {
        self.get_as("0", session, "/v2/customer?fields=customerNumber&count=10000")
            .body["values"]
            .as_array()
            .expect("a list of customers")
            .iter()
            .filter_map(|c| c["customerNumber"].as_i64())
            .max()
            .expect("a numbered customer")
    }
}

/// The real binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_tripletex-sandbox");

/// A running `tripletex-sandbox serve`, killed when dropped.
pub struct Served {
    pub child: Child,
    /// `http://host:port` from the `listening on` line.
    pub base: String,
    /// The banner, from the `listening on` line to the ready line.
    pub banner: Vec<String>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `tripletex-sandbox serve ARGS` (stderr discarded), once its banner is printed.
pub fn serve(args: &[&str]) -> Served {
    let mut command = Command::new(BIN);
    command.arg("serve").args(args).stderr(Stdio::null());
    serve_command(command)
}

/// Runs `command` (the binary with its arguments, environment and stderr) until its ready line.
pub fn serve_command(mut command: Command) -> Served {
    let mut child = command.stdout(Stdio::piped()).spawn().expect("the binary starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout is piped")).lines();
    let first = lines.next().expect("a first line").expect("text");
    let base = first
        .strip_prefix("listening on ")
        .expect("the listening line comes first")
        .to_owned();
    let mut banner = vec![first];
    // Read the credentials block up to the ready line that closes it.
    for line in lines.by_ref() {
        let line = line.expect("text");
        let done = line == tripletex_sandbox::startup::READY_LINE;
        banner.push(line);
        if done {
            break;
        }
    }
    Served { child, base, banner }
}

/// Percent-encodes everything but RFC 3986's unreserved characters (a token in a path).
pub fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
