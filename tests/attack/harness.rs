//! The attack suite's harness: one in-process emulator shared by the binary (port 0, its own
//! thread and actix System), a sandbox of its own per test, sessions, a count of panics on the
//! emulator's threads, and the invariants every answer must keep.

use base64::Engine;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::Duration;
use tripletex_sandbox::config::Config;
use tripletex_sandbox::startup::Application;

/// The response header the emulator stamps on every answer of its application.
pub const REQUEST_ID: &str = "x-tlx-request-id";
/// A session expiry far enough ahead to outlive the suite.
pub const FUTURE: &str = "2099-12-31";

/// Panics seen on emulator threads, by the id of the actix System they ran in (workers are
/// named `actix-rt|system:N|arbiter:M`); panics on a thread of no known System count for all.
static SERVER_PANICS: Mutex<BTreeMap<usize, usize>> = Mutex::new(BTreeMap::new());
const ANY_SYSTEM: usize = usize::MAX;

fn count_server_panics() {
    static HOOK: OnceLock<()> = OnceLock::new();
    HOOK.get_or_init(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let name = std::thread::current().name().unwrap_or_default().to_owned();
            let system = name
                .split('|')
                .find_map(|part| part.strip_prefix("system:"))
                .and_then(|id| id.parse::<usize>().ok());
            let key = match system {
                Some(id) => Some(id),
                None if name.starts_with("actix") || name.starts_with("attack-emulator") => Some(ANY_SYSTEM),
                None => None,
            };
            if let Some(key) = key
                && let Ok(mut panics) = SERVER_PANICS.lock()
            {
                *panics.entry(key).or_default() += 1;
            }
            default(info);
        }));
    });
}

/// An emulator in this process: port 0, a thread of its own with its own actix System.
pub struct Emulator {
    /// host:port.
    pub address: String,
    system: usize,
}

impl Emulator {
    /// Starts an emulator of its own (two workers), so that the panics it counts are its own.
    pub fn start() -> Self {
        Self::start_with(Config {
            workers: Some(2),
            ..Config::for_tests()
        })
    }

    /// Starts an emulator of its own with the given configuration (a database file, say).
    pub fn start_with(config: Config) -> Self {
        count_server_panics();
        let (sender, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("attack-emulator".into())
            .spawn(move || {
                let system = actix_web::rt::System::new();
                let id = actix_web::rt::System::current().id();
                system.block_on(async move {
                    match Application::build(&config) {
                        Ok(app) => {
                            let _ = sender.send(Ok((app.address().to_string(), id)));
                            let _ = app.run_until_stopped().await;
                        }
                        Err(err) => {
                            let _ = sender.send(Err(err.to_string()));
                        }
                    }
                })
            })
            .expect("a thread for the emulator");
        let (address, system) = receiver
            .recv()
            .expect("the emulator thread reports")
            .expect("the emulator starts");
        Self { address, system }
    }

    /// How many panics this emulator's threads have had so far.
    pub fn panics(&self) -> usize {
        let panics = SERVER_PANICS.lock().expect("the panic counts");
        panics.get(&self.system).copied().unwrap_or(0) + panics.get(&ANY_SYSTEM).copied().unwrap_or(0)
    }
}

/// The emulator the tests that count no panics share, started on first use.
pub fn shared_emulator() -> &'static Emulator {
    static SERVER: OnceLock<Emulator> = OnceLock::new();
    SERVER.get_or_init(Emulator::start)
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client")
}

pub fn basic(username: &str, session: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{session}"))
    )
}

/// One answer, as the invariants need it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub request_id: Option<String>,
    pub text: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|_| panic!("a JSON body, got {:?}", self.text))
    }
}

pub fn send(request: reqwest::blocking::RequestBuilder) -> Answer {
    try_send(request).expect("the emulator answers")
}

/// The answer, or why there was none (the server closed the connection: a panic in a handler
/// looks like this from the client).
pub fn try_send(request: reqwest::blocking::RequestBuilder) -> Result<Answer, String> {
    let response = request.send().map_err(|err| format!("no answer: {err}"))?;
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().map_err(|err| format!("no whole body: {err}"))?;
    Ok(Answer {
        status,
        request_id,
        text,
    })
}

/// What is wrong with an answer of the emulator's application, if anything: a 5xx, a missing
/// request id, a success whose body is not JSON, or an error whose body is not the Tripletex
/// error envelope.
pub fn violations(answer: &Answer) -> Vec<String> {
    let mut found = Vec::new();
    if answer.status >= 500 {
        found.push(format!("a {} answer", answer.status));
    }
    if answer.request_id.is_none() {
        found.push(format!("no {REQUEST_ID} header"));
    }
    let success = (200..300).contains(&answer.status);
    if success && !answer.text.is_empty() && serde_json::from_str::<Value>(&answer.text).is_err() {
        found.push(format!(
            "a {} body that is not JSON: {:.200}",
            answer.status, answer.text
        ));
    }
    if !success && !answer.text.is_empty() {
        found.extend(envelope_violations(answer));
    }
    found
}

fn envelope_violations(answer: &Answer) -> Vec<String> {
    let Ok(body) = serde_json::from_str::<Value>(&answer.text) else {
        return vec![format!("a body that is not JSON: {:.200}", answer.text)];
    };
    let mut found = Vec::new();
    if body["status"].as_u64() != Some(u64::from(answer.status)) {
        found.push(format!(
            "envelope status {} under HTTP {}",
            body["status"], answer.status
        ));
    }
    if !body["code"].is_u64() {
        found.push(format!("envelope code {} is not an integer", body["code"]));
    }
    if !body["message"].is_string() {
        found.push(format!("envelope message {} is not a string", body["message"]));
    }
    if body["requestId"].as_str() != answer.request_id.as_deref() {
        found.push(format!(
            "envelope requestId {} differs from the header {:?}",
            body["requestId"], answer.request_id
        ));
    }
    found
}

/// A sandbox of its own on the shared emulator, deleted on drop.
pub struct Sandbox {
    pub address: String,
    pub id: String,
    pub client: reqwest::blocking::Client,
    /// Deleted already (by [`Sandbox::delete`]): nothing left for drop to do.
    deleted: bool,
}

impl Sandbox {
    /// A sandbox on the shared emulator.
    pub fn new() -> Self {
        Self::on(shared_emulator())
    }

    /// A sandbox on the given emulator.
    pub fn on(emulator: &Emulator) -> Self {
        let address = emulator.address.clone();
        let client = client();
        let made = send(
            client
                .post(format!("http://{address}/_sandbox/sandboxes"))
                .json(&json!({ "scenario": tripletex_sandbox::scenario::DEFAULT_SCENARIO })),
        );
        assert_eq!(made.status, 201, "a sandbox: {}", made.text);
        let id = made.json()["value"]["id"].as_str().expect("a sandbox id").to_owned();
        Self {
            address,
            id,
            client,
            deleted: false,
        }
    }

    /// A copy of this sandbox (`{"from": id}`) on the same emulator, deleted on drop.
    pub fn fork(&self) -> Self {
        let made = send(
            self.client
                .post(format!("http://{}/_sandbox/sandboxes", self.address))
                .json(&json!({ "from": self.id })),
        );
        assert_eq!(made.status, 201, "a fork: {}", made.text);
        Self {
            address: self.address.clone(),
            id: made.json()["value"]["id"].as_str().expect("a sandbox id").to_owned(),
            client: client(),
            deleted: false,
        }
    }

    /// Deletes the sandbox now; the status of `DELETE /_sandbox/sandboxes/{id}`.
    pub fn delete(&mut self) -> u16 {
        self.deleted = true;
        send(
            self.client
                .delete(format!("http://{}/_sandbox/sandboxes/{}", self.address, self.id)),
        )
        .status
    }

    /// The full URL of `path` (`/v2/…` or `/_sandbox/…`) in this sandbox.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/sb/{}{path}", self.address, self.id)
    }

    /// The path of `path` in this sandbox, for raw requests.
    pub fn path(&self, path: &str) -> String {
        format!("/sb/{}{path}", self.id)
    }

    pub fn credentials(&self) -> Vec<Value> {
        let answer = send(self.client.get(self.url("/_sandbox/credentials")));
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json()["values"]
            .as_array()
            .cloned()
            .expect("a list of credentials")
    }

    /// The first credential that is (or is not) an accounting office's key.
    pub fn credential(&self, accountant_key: bool) -> Value {
        self.credentials()
            .into_iter()
            .find(|c| c["accountantKey"] == accountant_key)
            .expect("a matching credential")
    }

    /// A live session token for a credential.
    pub fn session(&self, credential: &Value) -> String {
        mint_session(&self.client, &self.url(""), credential)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if self.deleted {
            return;
        }
        let deleted = self
            .client
            .delete(format!("http://{}/_sandbox/sandboxes/{}", self.address, self.id))
            .send();
        if !std::thread::panicking() {
            let status = deleted.expect("the emulator answers").status();
            assert_eq!(status, 204, "deleting sandbox {}", self.id);
        }
    }
}

/// Mints a session at `base` (everything before `/v2`) for a credential from `/_sandbox/credentials`.
pub fn mint_session(client: &reqwest::blocking::Client, base: &str, credential: &Value) -> String {
    let answer = send(client.put(format!("{base}/v2/token/session/:create")).query(&[
        (
            "consumerToken",
            credential["consumerToken"].as_str().unwrap_or_default(),
        ),
        (
            "employeeToken",
            credential["employeeToken"].as_str().unwrap_or_default(),
        ),
        ("expirationDate", FUTURE),
    ]));
    assert_eq!(answer.status, 200, "a session: {}", answer.text);
    answer.json()["value"]["token"]
        .as_str()
        .expect("a session token")
        .to_owned()
}

/// A seeded generator (rand's `StdRng`): the same seed gives the same requests.
pub struct Rng(rand::rngs::StdRng);

impl Rng {
    pub fn new(seed: u64) -> Self {
        use rand::SeedableRng;
        Self(rand::rngs::StdRng::seed_from_u64(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        use rand::RngExt;
        self.0.random()
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        use rand::RngExt;
        self.0.random_range(0..n)
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The seed of the generated requests: `ATTACK_SEED`, or 42.
pub fn seed() -> u64 {
    std::env::var("ATTACK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(42)
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
