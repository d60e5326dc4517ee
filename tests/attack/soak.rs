//! A soak with invariants: for a fixed time several threads create customers and update them
//! (`PUT /v2/customer/{id}` with `version`), racing each other on the same objects. Afterwards
//! every acknowledged write is readable at its last acknowledged version with its last name, no
//! two acknowledgements carry the same (id, version), and nothing answered a 5xx. And a sandbox
//! deleted while clients are busy in it answers them 404, never a 5xx.

use crate::figures;
use crate::harness::{Emulator, Rng, Sandbox, basic, seed, send};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const THREADS: usize = 4;
const DURATION: Duration = Duration::from_secs(20);
/// The objects every writer updates often, to make versions collide.
const HOT_OBJECTS: usize = 4;

/// One write the emulator acknowledged: the object as its answer rendered it.
#[derive(Debug, Clone)]
struct Ack {
    id: i64,
    version: i64,
    name: String,
}

#[derive(Default)]
struct ThreadLog {
    acks: Vec<Ack>,
    creates: usize,
    updates: usize,
    conflicts: usize,
    /// Answers that no rule explains (5xx, or a status the call cannot have).
    unexpected: Vec<String>,
}

fn acknowledged(answer: &crate::harness::Answer) -> Option<Ack> {
    let body: Value = serde_json::from_str(&answer.text).ok()?;
    let value = &body["value"];
    Some(Ack {
        id: value["id"].as_i64()?,
        version: value["version"].as_i64()?,
        name: value["name"].as_str()?.to_owned(),
    })
}

fn writer(sandbox: &Sandbox, auth: &str, thread: usize, pool: &Mutex<Vec<i64>>, deadline: Instant) -> ThreadLog {
    let mut log = ThreadLog::default();
    let mut rng = Rng::new(seed() ^ (thread as u64 + 1).wrapping_mul(0x9E37));
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let name = format!("soak t{thread} #{n}");
        let target = {
            let ids = pool.lock().expect("the pool");
            // A third of the updates go to the first few objects, so that writers race.
            let hot = &ids[..ids.len().min(HOT_OBJECTS)];
            match rng.below(100) {
                _ if ids.is_empty() => None,
                0..25 => None,
                25..50 => Some(*rng.pick(hot)),
                _ => Some(*rng.pick(&ids)),
            }
        };
        let Some(id) = target else {
            let answer = send(
                sandbox
                    .client
                    .post(sandbox.url("/v2/customer"))
                    .header("Authorization", auth)
                    .json(&json!({ "name": name })),
            );
            match (answer.status, acknowledged(&answer)) {
                (201, Some(ack)) => {
                    pool.lock().expect("the pool").push(ack.id);
                    log.creates += 1;
                    log.acks.push(ack);
                }
                _ => log
                    .unexpected
                    .push(format!("POST /v2/customer → {} {:.200}", answer.status, answer.text)),
            }
            continue;
        };
        let read = send(
            sandbox
                .client
                .get(sandbox.url(&format!("/v2/customer/{id}?fields=id,version,name")))
                .header("Authorization", auth),
        );
        let Some(current) = acknowledged(&read).filter(|_| read.status == 200) else {
            log.unexpected
                .push(format!("GET /v2/customer/{id} → {} {:.200}", read.status, read.text));
            continue;
        };
        let answer = send(
            sandbox
                .client
                .put(sandbox.url(&format!("/v2/customer/{id}")))
                .header("Authorization", auth)
                .json(&json!({ "id": id, "version": current.version, "name": name })),
        );
        match (answer.status, acknowledged(&answer)) {
            (200, Some(ack)) if ack.version == current.version + 1 && ack.name == name => {
                log.updates += 1;
                log.acks.push(ack);
            }
            (409, _) => log.conflicts += 1,
            _ => log.unexpected.push(format!(
                "PUT /v2/customer/{id} at version {} → {} {:.200}",
                current.version, answer.status, answer.text
            )),
        }
    }
    log
}

#[test]
fn every_acknowledged_write_survives_a_concurrent_soak() {
    let emulator = Emulator::start();
    let sandbox = Sandbox::on(&emulator);
    let auth = basic("0", &sandbox.session(&sandbox.credential(false)));
    let pool = Mutex::new(Vec::new());
    let started = Instant::now();
    let deadline = started + DURATION;
    let logs: Vec<ThreadLog> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let (sandbox, auth, pool) = (&sandbox, auth.as_str(), &pool);
                scope.spawn(move || writer(sandbox, auth, thread, pool, deadline))
            })
            .collect();
        writers
            .into_iter()
            .map(|w| w.join().expect("a writer thread"))
            .collect()
    });
    let elapsed = started.elapsed();
    let acks: Vec<&Ack> = logs.iter().flat_map(|l| &l.acks).collect();
    let unexpected: Vec<&String> = logs.iter().flat_map(|l| &l.unexpected).collect();
    let server_errors = unexpected.iter().filter(|u| u.contains("→ 5")).count();

    let mut seen = HashSet::new();
    let duplicates: Vec<(i64, i64)> = acks
        .iter()
        .map(|a| (a.id, a.version))
        .filter(|key| !seen.insert(*key))
        .collect();

    let mut last: BTreeMap<i64, &Ack> = BTreeMap::new();
    for ack in &acks {
        let entry = last.entry(ack.id).or_insert(ack);
        if ack.version > entry.version {
            *entry = ack;
        }
    }
    let listed = send(
        sandbox
            .client
            .get(sandbox.url("/v2/customer"))
            .query(&[("count", "10000"), ("fields", "id,version,name")])
            .header("Authorization", &auth),
    );
    assert_eq!(listed.status, 200, "{}", listed.text);
    let stored: BTreeMap<i64, (i64, String)> = listed.json()["values"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|v| {
            Some((
                v["id"].as_i64()?,
                (v["version"].as_i64()?, v["name"].as_str()?.to_owned()),
            ))
        })
        .collect();
    let lost: Vec<String> = last
        .values()
        .filter(|ack| stored.get(&ack.id) != Some(&(ack.version, ack.name.clone())))
        .map(|ack| format!("{ack:?} is stored as {:?}", stored.get(&ack.id)))
        .collect();
    let panics = emulator.panics();
    figures::report(&format!(
        "soak: {} writes acknowledged ({} creates, {} updates) by {THREADS} threads in {:.1}s, {}/{} objects found at their last acknowledged version, {} conflicts (409), {} duplicate (id, version), {} unexpected answers, {server_errors} 5xx, {panics} server panics",
        acks.len(),
        logs.iter().map(|l| l.creates).sum::<usize>(),
        logs.iter().map(|l| l.updates).sum::<usize>(),
        elapsed.as_secs_f64(),
        last.len() - lost.len(),
        last.len(),
        logs.iter().map(|l| l.conflicts).sum::<usize>(),
        duplicates.len(),
        unexpected.len(),
    ));
    assert!(
        unexpected.is_empty(),
        "unexpected answers:\n{}",
        unexpected
            .iter()
            .take(20)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        duplicates.is_empty(),
        "two acknowledgements of one (id, version): {duplicates:?}"
    );
    assert!(lost.is_empty(), "acknowledged writes not found:\n{}", lost.join("\n"));
    assert_eq!(panics, 0, "the emulator's threads panicked");
    assert!(
        acks.len() > 100,
        "the soak wrote too little to mean anything: {}",
        acks.len()
    );
}

#[test]
fn a_sandbox_deleted_under_load_answers_404_never_a_server_error() {
    let mut sandbox = Sandbox::new();
    let auth = basic("0", &sandbox.session(&sandbox.credential(false)));
    let stop = std::sync::atomic::AtomicBool::new(false);
    let deleted = std::sync::atomic::AtomicBool::new(false);
    let (who, customers) = (sandbox.url("/v2/token/session/%3EwhoAmI"), sandbox.url("/v2/customer"));
    let client = sandbox.client.clone();
    let statuses: Vec<(u16, bool, bool)> = std::thread::scope(|scope| {
        let callers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let (client, auth, stop, deleted, who, customers) = (&client, &auth, &stop, &deleted, &who, &customers);
                scope.spawn(move || {
                    let mut seen = Vec::new();
                    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                        let after_delete = deleted.load(std::sync::atomic::Ordering::SeqCst);
                        let request = if thread % 2 == 0 {
                            client.get(who.as_str())
                        } else {
                            client
                                .post(customers.as_str())
                                .json(&json!({"name": "racing the delete"}))
                        };
                        let answer = send(request.header("Authorization", auth.as_str()));
                        let broken = !crate::harness::violations(&answer).is_empty();
                        seen.push((answer.status, after_delete, broken));
                    }
                    seen
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(sandbox.delete(), 204, "the sandbox is deleted under load");
        deleted.store(true, std::sync::atomic::Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(500));
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        callers
            .into_iter()
            .flat_map(|c| c.join().expect("a caller thread"))
            .collect()
    });
    let server_errors = statuses.iter().filter(|(s, _, _)| *s >= 500).count();
    let envelope_violations = statuses.iter().filter(|(_, _, broken)| *broken).count();
    let after: Vec<u16> = statuses
        .iter()
        .filter(|(_, after, _)| *after)
        .map(|(s, _, _)| *s)
        .collect();
    figures::report(&format!(
        "sandbox deleted under load: {} requests, {} after the delete ({} of them 404), {server_errors} 5xx, {envelope_violations} envelope violations",
        statuses.len(),
        after.len(),
        after.iter().filter(|s| **s == 404).count()
    ));
    assert_eq!(server_errors, 0, "5xx while the sandbox went away: {statuses:?}");
    assert_eq!(envelope_violations, 0, "answers outside the error envelope");
    assert!(!after.is_empty(), "requests were sent after the delete");
    assert!(after.iter().all(|s| *s == 404), "after the delete only 404: {after:?}");
}
