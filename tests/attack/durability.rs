//! kill -9 durability: the real binary serves a `--db` file while clients create customers, is
//! killed with SIGKILL mid-load, and is restarted on the same file, a few rounds over. Every
//! write it acknowledged must be there after each restart, and `PRAGMA integrity_check` on the
//! file (between a kill and the next start) must say `ok`. A kill during startup (while the
//! scenario is being written) must leave a file that the next start serves.

use crate::figures;
use crate::harness::{Rng, basic, client, mint_session, seed, send};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tripletex-sandbox");
const ROUNDS: usize = 3;
const WRITERS: usize = 2;

/// The binary serving a database file; killed with SIGKILL on drop if still running.
struct Served {
    child: Child,
    base: String,
}

impl Served {
    fn start(db: &Path) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--db"])
            .arg(db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let mut lines = BufReader::new(child.stdout.take().expect("its stdout")).lines();
        let first = lines.next().expect("a first line").expect("text");
        let base = first
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the listening line comes first, got {first:?}"))
            .to_owned();
        // Keep reading, so a full pipe can never stall the server.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, base }
    }

    /// SIGKILL: no shutdown code of the server runs.
    fn kill_9(&mut self) {
        self.child.kill().expect("SIGKILL reaches the server");
        self.child.wait().expect("the killed server is reaped");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The customers the server lists: id → name.
fn stored_customers(base: &str, auth: &str) -> BTreeMap<i64, String> {
    let answer = send(
        client()
            .get(format!("{base}/v2/customer"))
            .query(&[("count", "10000"), ("fields", "id,name")])
            .header("Authorization", auth),
    );
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["values"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|v| Some((v["id"].as_i64()?, v["name"].as_str()?.to_owned())))
        .collect()
}

fn session_auth(base: &str) -> String {
    let client = client();
    let credentials = send(client.get(format!("{base}/_sandbox/credentials"))).json();
    let credential = credentials["values"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["accountantKey"] == false))
        .cloned()
        .expect("a company key among the credentials");
    basic("0", &mint_session(&client, base, &credential))
}

/// Creates customers until the server stops answering; every 201 is recorded.
fn write_until_killed(
    base: &str,
    auth: &str,
    round: usize,
    writer: usize,
    acked: &Mutex<Vec<(i64, String)>>,
    stop: &AtomicBool,
) {
    let client = client();
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let name = format!("durable r{round} w{writer} #{n}");
        let Ok(response) = client
            .post(format!("{base}/v2/customer"))
            .header("Authorization", auth)
            .json(&json!({ "name": name }))
            .send()
        else {
            return;
        };
        if response.status() != 201 {
            continue;
        }
        let Ok(body) = response.json::<Value>() else { return };
        if let Some(id) = body["value"]["id"].as_i64() {
            acked.lock().expect("the acknowledgements").push((id, name));
        }
    }
}

fn integrity_check(db: &Path) -> String {
    let connection = rusqlite::Connection::open(db).expect("the database file opens");
    connection
        .query_row("PRAGMA integrity_check", [], |row| row.get::<_, String>(0))
        .expect("integrity_check runs")
}

fn temp_db() -> PathBuf {
    let path = std::env::temp_dir().join(format!("tripletex-attack-{}-durability.db", std::process::id()));
    remove_db(&path);
    path
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

#[test]
fn every_acknowledged_write_survives_kill_9() {
    let db = temp_db();
    let mut rng = Rng::new(seed() ^ 0xD00D);
    let acked = Mutex::new(Vec::new());
    let mut missing_total = 0;
    let mut checks = Vec::new();
    let started = Instant::now();
    for round in 0..ROUNDS {
        let mut served = Served::start(&db);
        let auth = session_auth(&served.base);
        let before = acked.lock().expect("the acknowledgements").clone();
        let stored = stored_customers(&served.base, &auth);
        let missing: Vec<&(i64, String)> = before
            .iter()
            .filter(|(id, name)| stored.get(id) != Some(name))
            .collect();
        missing_total += missing.len();
        assert!(
            missing.is_empty(),
            "round {round}: acknowledged writes lost after kill -9: {missing:?}"
        );
        let stop = AtomicBool::new(false);
        let base = served.base.clone();
        std::thread::scope(|scope| {
            for writer in 0..WRITERS {
                let (base, auth, acked, stop) = (base.as_str(), auth.as_str(), &acked, &stop);
                scope.spawn(move || write_until_killed(base, auth, round, writer, acked, stop));
            }
            std::thread::sleep(Duration::from_millis(400 + rng.below(1200) as u64));
            served.kill_9();
            stop.store(true, Ordering::SeqCst);
        });
        let check = integrity_check(&db);
        assert_eq!(check, "ok", "round {round}: integrity_check after kill -9");
        checks.push(check);
    }
    let served = Served::start(&db);
    let auth = session_auth(&served.base);
    let stored = stored_customers(&served.base, &auth);
    let acked = acked.into_inner().expect("the acknowledgements");
    let found = acked.iter().filter(|(id, name)| stored.get(id) == Some(name)).count();
    missing_total += acked.len() - found;
    drop(served);
    figures::report(&format!(
        "kill -9: {} writes acknowledged over {ROUNDS} kills, {found} found after restart, {missing_total} missing, integrity_check {} in {:.1}s",
        acked.len(),
        checks.join("/"),
        started.elapsed().as_secs_f64()
    ));
    remove_db(&db);
    assert_eq!(found, acked.len(), "acknowledged writes lost after the last kill -9");
    assert!(
        acked.len() >= ROUNDS,
        "each round acknowledged writes before the kill: {}",
        acked.len()
    );
}

#[test]
fn a_kill_9_during_startup_leaves_a_file_that_the_next_start_serves() {
    let db = temp_db().with_extension("startup.db");
    let mut restarts = 0;
    for delay_ms in [0, 5, 15, 30, 60, 120] {
        remove_db(&db);
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0", "--db"])
            .arg(&db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        std::thread::sleep(Duration::from_millis(delay_ms));
        child.kill().expect("SIGKILL reaches the server");
        child.wait().expect("the killed server is reaped");
        if db.exists() {
            assert_eq!(
                integrity_check(&db),
                "ok",
                "integrity_check after a kill at {delay_ms} ms"
            );
        }
        let served = Served::start(&db);
        let auth = session_auth(&served.base);
        let who = send(
            client()
                .get(format!("{}/v2/token/session/%3EwhoAmI", served.base))
                .header("Authorization", &auth),
        );
        assert_eq!(who.status, 200, "whoAmI after a kill at {delay_ms} ms: {}", who.text);
        restarts += 1;
    }
    remove_db(&db);
    figures::report(&format!(
        "kill -9 during startup: {restarts} kills at 0-120 ms, {restarts} restarts served whoAmI 200"
    ));
}
