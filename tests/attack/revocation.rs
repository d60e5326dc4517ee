//! The revocation race: readers call `/v2` without pause while the control plane takes away the
//! right they use — a client's consent, an office user's client access, a key's link, an
//! entitlement, the Integrations module, a regenerated or deleted key, a deleted session, a reset,
//! a snapshot restored, a state imported, a scenario loaded — in a sandbox in memory, in a fork of
//! one and in the world of a database file. A 2xx to a request that started after the revocation
//! was acknowledged fails the race; so does a torn state: a key being linked to a client seen with
//! its link but without its accesses, or a session minted after a world swap that the new world
//! does not know.

use crate::harness::{Emulator, Sandbox, basic, client, percent_encode, send, try_send};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tripletex_sandbox::config::Config;

/// Threads calling `/v2` during each revocation.
const READERS: usize = 4;
/// How long the readers run before the revocation (each must have been served by then) and after
/// it was acknowledged.
const BEFORE: Duration = Duration::from_millis(15);
const AFTER: Duration = Duration::from_millis(25);
/// The office, its key and a client it is linked to; the bakery's administrator and her key.
const OFFICE_PERSON: i64 = 5101;
const OFFICE_KEY: i64 = 7101;
const CLIENT: i64 = 2101;
const OWN_PERSON: i64 = 5001;
const OWN_KEY: i64 = 7001;
const OWN_COMPANY: i64 = 1001;
const WHO_AM_I: &str = "/v2/token/session/%3EwhoAmI";
const CUSTOMERS: &str = "/v2/customer?count=1";
/// The rule of a refusal for want of an access: seen while a link is being made, the link is
/// visible without its accesses.
const TORN_LINK: &str = "(rule: access_allows)";

/// One world under test: a base URL (`http://host:port` or `…/sb/{id}`) and a client.
struct World {
    base: String,
    client: reqwest::blocking::Client,
}

impl World {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A control-plane or `/v2` call that must succeed.
    fn ok(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.client.request(method.clone(), self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = send(request);
        assert!(
            answer.status < 300,
            "{method} {path}: {} {}",
            answer.status,
            answer.text
        );
        if answer.text.is_empty() {
            Value::Null
        } else {
            answer.json()
        }
    }

    fn credential(&self, accountant_key: bool) -> Value {
        self.ok(reqwest::Method::GET, "/_sandbox/credentials", None)["values"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["accountantKey"] == accountant_key).cloned())
            .expect("a matching credential")
    }

    fn session(&self, accountant_key: bool) -> String {
        crate::harness::mint_session(&self.client, &self.base, &self.credential(accountant_key))
    }

    /// The status of whoAmI with a session (a session minted after a swap must be known at once).
    fn who_am_i(&self, session: &str) -> u16 {
        send(
            self.client
                .get(self.url(WHO_AM_I))
                .header("Authorization", basic("0", session)),
        )
        .status
    }
}

/// What the readers repeat.
#[derive(Clone)]
enum Read {
    /// A GET with a session, acting in a company (`0`: the key's own).
    Get {
        path: &'static str,
        username: String,
        session: String,
    },
    /// Minting a session from a token pair.
    Mint { consumer: String, employee: String },
}

impl Read {
    fn request(&self, client: &reqwest::blocking::Client, world: &str) -> reqwest::blocking::RequestBuilder {
        match self {
            Self::Get {
                path,
                username,
                session,
            } => client
                .get(format!("{world}{path}"))
                .header("Authorization", basic(username, session)),
            Self::Mint { consumer, employee } => client.put(format!(
                "{world}/v2/token/session/:create?consumerToken={}&employeeToken={}&expirationDate=2099-12-31",
                percent_encode(consumer),
                percent_encode(employee)
            )),
        }
    }
}

/// A revocation and what the readers do meanwhile; `grant` marks the one that gives a right
/// (a link made), whose race looks for a torn state instead.
struct Race {
    read: Read,
    act: Box<dyn FnOnce(&World)>,
    grant: bool,
    /// A world swap: a session minted after it must be known at once.
    swap: bool,
}

/// Sets a race up on a world just reset.
type Setup = fn(&World) -> Race;

/// Each kind of revocation, by name.
const KINDS: &[(&str, Setup)] = &[
    ("consent", consent),
    ("client access", client_access),
    ("link", link),
    ("entitlements", entitlements),
    ("module off", module_off),
    ("regeneration", regeneration),
    ("key deletion", key_deletion),
    ("session deletion", session_deletion),
    ("reset", reset),
    ("restore", restore),
    ("state import", state_import),
    ("scenario load", scenario_load),
    ("re-link", relink),
];

fn as_client(world: &World, path: &'static str) -> Read {
    Read::Get {
        path,
        username: CLIENT.to_string(),
        session: world.session(true),
    }
}

fn own(world: &World, path: &'static str) -> Read {
    Read::Get {
        path,
        username: "0".into(),
        session: world.session(false),
    }
}

fn revoke(read: Read, act: impl FnOnce(&World) + 'static) -> Race {
    Race {
        read,
        act: Box::new(act),
        grant: false,
        swap: false,
    }
}

fn swap(read: Read, act: impl FnOnce(&World) + 'static) -> Race {
    Race {
        read,
        act: Box::new(act),
        grant: false,
        swap: true,
    }
}

fn consent(world: &World) -> Race {
    revoke(as_client(world, WHO_AM_I), |w| {
        w.ok(
            reqwest::Method::PUT,
            &format!("/_sandbox/clients/{CLIENT}/accountant"),
            Some(json!({"apiAccess": false})),
        );
    })
}

fn client_access(world: &World) -> Race {
    revoke(as_client(world, CUSTOMERS), |w| {
        let path = format!("/_sandbox/people/{OFFICE_PERSON}/client-access/{CLIENT}");
        w.ok(reqwest::Method::PUT, &path, Some(json!({"entitlements": []})));
    })
}

fn link(world: &World) -> Race {
    revoke(as_client(world, WHO_AM_I), |w| {
        w.ok(
            reqwest::Method::DELETE,
            &format!("/_sandbox/clients/{CLIENT}/keys/{OFFICE_KEY}"),
            None,
        );
    })
}

fn entitlements(world: &World) -> Race {
    revoke(own(world, CUSTOMERS), |w| {
        let path = format!("/_sandbox/people/{OWN_PERSON}/access");
        w.ok(
            reqwest::Method::PUT,
            &path,
            Some(json!({"entitlements": ["AUTH_DEPARTMENT"]})),
        );
    })
}

fn mint(world: &World) -> Read {
    let credential = world.credential(false);
    let text = |name: &str| credential[name].as_str().unwrap_or_default().to_owned();
    Read::Mint {
        consumer: text("consumerToken"),
        employee: text("employeeToken"),
    }
}

fn module_off(world: &World) -> Race {
    revoke(mint(world), |w| {
        let path = format!("/_sandbox/companies/{OWN_COMPANY}/subscription");
        w.ok(reqwest::Method::PUT, &path, Some(json!({"integrationsEnabled": false})));
    })
}

fn regeneration(world: &World) -> Race {
    revoke(mint(world), |w| {
        w.ok(
            reqwest::Method::POST,
            &format!("/_sandbox/keys/{OWN_KEY}/regenerate"),
            None,
        );
    })
}

fn key_deletion(world: &World) -> Race {
    revoke(own(world, WHO_AM_I), |w| {
        w.ok(reqwest::Method::DELETE, &format!("/_sandbox/keys/{OWN_KEY}"), None);
    })
}

fn session_deletion(world: &World) -> Race {
    let session = world.session(false);
    let read = Read::Get {
        path: WHO_AM_I,
        username: "0".into(),
        session: session.clone(),
    };
    revoke(read, move |w| {
        let path = format!("/v2/token/session/{}", percent_encode(&session));
        let answer = send(
            w.client
                .delete(w.url(&path))
                .header("Authorization", basic("0", &session)),
        );
        assert_eq!(answer.status, 204, "{}", answer.text);
    })
}

fn reset(world: &World) -> Race {
    swap(own(world, WHO_AM_I), |w| {
        w.ok(reqwest::Method::POST, "/_sandbox/reset", None);
    })
}

fn restore(world: &World) -> Race {
    static TAKEN: AtomicUsize = AtomicUsize::new(0);
    let name = format!("race-{}", TAKEN.fetch_add(1, Ordering::Relaxed));
    world.ok(
        reqwest::Method::POST,
        "/_sandbox/snapshots",
        Some(json!({ "name": name })),
    );
    swap(own(world, WHO_AM_I), move |w| {
        w.ok(
            reqwest::Method::POST,
            &format!("/_sandbox/snapshots/{name}/restore"),
            None,
        );
    })
}

fn state_import(world: &World) -> Race {
    // The state holds no sessions: every session ends with the import.
    let state = world.ok(reqwest::Method::GET, "/_sandbox/state", None);
    swap(own(world, WHO_AM_I), move |w| {
        w.ok(reqwest::Method::PUT, "/_sandbox/state", Some(state));
    })
}

fn scenario_load(world: &World) -> Race {
    swap(own(world, WHO_AM_I), |w| {
        let name = tripletex_sandbox::scenario::DEFAULT_SCENARIO;
        w.ok(
            reqwest::Method::POST,
            "/_sandbox/scenario",
            Some(json!({ "name": name })),
        );
    })
}

/// The office's key linked to the client again: until the link is there the readers are refused
/// for want of a link, after it they are served; never refused for want of an access.
fn relink(world: &World) -> Race {
    let read = as_client(world, CUSTOMERS);
    world.ok(
        reqwest::Method::DELETE,
        &format!("/_sandbox/clients/{CLIENT}/keys/{OFFICE_KEY}"),
        None,
    );
    Race {
        read,
        act: Box::new(|w| {
            let path = format!("/_sandbox/clients/{CLIENT}/keys/{OFFICE_KEY}");
            w.ok(
                reqwest::Method::PUT,
                &path,
                Some(json!({"template": "STANDARD_PRIVILEGES_ACCOUNTANT"})),
            );
        }),
        grant: true,
        swap: false,
    }
}

/// What one race saw.
#[derive(Debug, Default)]
struct Tally {
    requests: usize,
    after: usize,
    /// 2xx answers to requests started after a revocation was acknowledged.
    served_after: Vec<String>,
    /// Torn states seen.
    torn: Vec<String>,
}

/// One answer of a reader: when its request started, its status and error message.
type Seen = (Instant, u16, String);

fn readers(
    world: &World,
    read: &Read,
    stop: &Arc<AtomicBool>,
    served: &Arc<AtomicUsize>,
) -> Vec<std::thread::JoinHandle<Vec<Seen>>> {
    (0..READERS)
        .map(|_| {
            let (read, stop, base, served) = (read.clone(), stop.clone(), world.base.clone(), served.clone());
            std::thread::spawn(move || {
                let client = client();
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let answer = try_send(read.request(&client, &base)).expect("the emulator answers");
                    let message = serde_json::from_str::<Value>(&answer.text)
                        .ok()
                        .and_then(|body| body["developerMessage"].as_str().map(str::to_owned))
                        .unwrap_or_default();
                    if answer.status < 300 {
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                    seen.push((started, answer.status, message));
                }
                seen
            })
        })
        .collect()
}

/// Runs one race on a world just reset and adds what it saw to `tally`.
fn race(label: &str, world: &World, setup: Setup, tally: &mut Tally) {
    world.ok(reqwest::Method::POST, "/_sandbox/reset", None);
    let race = setup(world);
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let threads = readers(world, &race.read, &stop, &served);
    std::thread::sleep(BEFORE);
    // On a loaded machine the readers may take longer than BEFORE to be served once; a right is
    // revoked only once it was seen to serve (a grant has nothing to wait for).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !race.grant && served.load(Ordering::Relaxed) == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    (race.act)(world);
    let acknowledged = Instant::now();
    if race.swap {
        let fresh = world.session(false);
        let status = world.who_am_i(&fresh);
        if status != 200 {
            tally
                .torn
                .push(format!("{label}: a session minted after the swap answered {status}"));
        }
    }
    std::thread::sleep(AFTER);
    stop.store(true, Ordering::Relaxed);
    let seen: Vec<Seen> = threads.into_iter().flat_map(|t| t.join().expect("a reader")).collect();
    let served_before = seen.iter().any(|(at, status, _)| *at < acknowledged && *status < 300);
    assert!(
        race.grant || served_before,
        "{label}: the readers were served before the revocation"
    );
    tally.requests += seen.len();
    for (at, status, message) in &seen {
        let after = *at > acknowledged;
        tally.after += usize::from(after);
        if race.grant {
            if message.contains(TORN_LINK) || (after && *status >= 300) {
                tally.torn.push(format!("{label}: {status} {message}"));
            }
        } else if after && *status < 300 {
            tally
                .served_after
                .push(format!("{label}: {status} to a request started after the revocation"));
        }
    }
}

fn run(mode: &str, world: &World, rounds: usize) {
    let started = Instant::now();
    let mut tally = Tally::default();
    for _ in 0..rounds {
        for (name, setup) in KINDS {
            race(&format!("{mode}, {name}"), world, *setup, &mut tally);
        }
    }
    crate::figures::report(&format!(
        "revocation race ({mode}): {} revocations × {READERS} readers, {} requests, {} started after a revocation was acknowledged, {} of them served, {} torn states, {:.1} s",
        rounds * KINDS.len(),
        tally.requests,
        tally.after,
        tally.served_after.len(),
        tally.torn.len(),
        started.elapsed().as_secs_f64()
    ));
    assert!(
        tally.served_after.is_empty(),
        "served after a revocation:\n{}",
        tally.served_after.join("\n")
    );
    assert!(tally.torn.is_empty(), "torn states:\n{}", tally.torn.join("\n"));
}

fn sandbox_world(sandbox: &Sandbox) -> World {
    World {
        base: format!("http://{}/sb/{}", sandbox.address, sandbox.id),
        client: client(),
    }
}

#[test]
fn no_revoked_right_serves_a_request_started_after_it_in_memory() {
    let sandbox = Sandbox::new();
    run("in memory", &sandbox_world(&sandbox), 10);
}

#[test]
fn no_revoked_right_serves_a_request_started_after_it_in_a_fork() {
    let parent = Sandbox::new();
    let fork = parent.fork();
    run("in a fork", &sandbox_world(&fork), 5);
}

#[test]
fn no_revoked_right_serves_a_request_started_after_it_on_a_database_file() {
    let dir = std::env::temp_dir().join(format!("attack-revocation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory for the database");
    let emulator = Emulator::start_with(Config {
        db: Some(dir.join("world.db")),
        workers: Some(2),
        ..Config::for_tests()
    });
    let world = World {
        base: format!("http://{}", emulator.address),
        client: client(),
    };
    run("with --db", &world, 5);
    let _ = std::fs::remove_dir_all(&dir);
}
