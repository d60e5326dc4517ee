//! Worlds a test suite can afford one of per test: seed objects shared copy-on-write between
//! sandboxes, forks of a sandbox, snapshots within one, and the limits on how many live.

use crate::helpers::{TestApp, spawn_app, spawn_with, url_encode};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// The bakery's (company 1001) own session, from its first non-office key.
fn bakery_session(app: &TestApp) -> String {
    app.session_for(&app.credential(false))
}

/// (id, version, name) of every customer the list shows, and its fullResultSize.
fn customers(app: &TestApp, session: &str) -> (Vec<(i64, i64, String)>, i64) {
    let reply = app.get_as("0", session, "/v2/customer?fields=id,version,name&count=1000");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let values = reply.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_i64().unwrap(),
                c["version"].as_i64().unwrap(),
                c["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    (values, reply.body["fullResultSize"].as_i64().unwrap())
}

fn create_customer(app: &TestApp, session: &str, name: &str) -> Value {
    let made = app.call_as(
        Method::POST,
        "0",
        session,
        "/v2/customer",
        Some(&json!({ "name": name })),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    made.body["value"].clone()
}

#[test]
fn a_seeded_object_changed_or_deleted_in_one_sandbox_is_untouched_in_another_and_back_after_reset() {
    let (a, b) = (spawn_app(), spawn_app());
    let (session_a, session_b) = (bakery_session(&a), bakery_session(&b));
    let (seeded, total) = customers(&a, &session_a);
    assert!(seeded.len() >= 2, "the scenario seeds customers: {seeded:?}");
    assert_eq!(total, seeded.len() as i64);
    let (changed, deleted) = (seeded[0].clone(), seeded[1].clone());

    let put = a.call_as(
        Method::PUT,
        "0",
        &session_a,
        &format!("/v2/customer/{}", changed.0),
        Some(&json!({"name": "Endret AS", "version": changed.1})),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(put.body["value"]["version"], changed.1 + 1);
    let again = a.get_as(
        "0",
        &session_a,
        &format!("/v2/customer/{}?fields=name,version", changed.0),
    );
    assert_eq!(
        again.body["value"],
        json!({"name": "Endret AS", "version": changed.1 + 1})
    );
    let removed = a.call_as(
        Method::DELETE,
        "0",
        &session_a,
        &format!("/v2/customer/{}", deleted.0),
        None,
    );
    assert_eq!(removed.status, 204, "{}", removed.body);
    assert_eq!(
        a.get_as("0", &session_a, &format!("/v2/customer/{}", deleted.0)).status,
        404
    );
    let again = a.call_as(
        Method::DELETE,
        "0",
        &session_a,
        &format!("/v2/customer/{}", deleted.0),
        None,
    );
    assert_eq!(again.status, 404, "a deleted seed object stays deleted");

    // A new customer comes after the seeded ones, in id order, with the next number.
    let highest_number = a.highest_customer_number(&session_a);
    let new = create_customer(&a, &session_a, "Ny Kunde AS");
    assert_eq!(new["customerNumber"], highest_number + 1);
    let (listed, total) = customers(&a, &session_a);
    let mut expected: Vec<_> = seeded.iter().filter(|c| c.0 != deleted.0).cloned().collect();
    expected[0] = (changed.0, changed.1 + 1, "Endret AS".to_owned());
    expected.push((new["id"].as_i64().unwrap(), 0, "Ny Kunde AS".to_owned()));
    assert_eq!(listed, expected);
    assert_eq!(total, expected.len() as i64);
    let page = a.get_as("0", &session_a, "/v2/customer?fields=id&from=1&count=1");
    assert_eq!(
        page.body["values"],
        json!([{"id": expected[1].0}]),
        "paging over the merged view"
    );

    // The other sandbox shares the seed objects, not the changes.
    assert_eq!(customers(&b, &session_b), (seeded.clone(), seeded.len() as i64));

    // A shared reference object (a ledger account) edited in one sandbox is unchanged in another
    // and in a sandbox made after the edit; the clock, the journal and fault rules stay each
    // sandbox's own.
    let account_path = "/v2/ledger/account?number=1500&fields=id,version,name";
    let account = a.get_as("0", &session_a, account_path).body["values"][0].clone();
    let renamed = a.call_as(
        Method::PUT,
        "0",
        &session_a,
        &format!("/v2/ledger/account/{}", account["id"]),
        Some(&json!({"name": "Kunder, endret", "version": account["version"]})),
    );
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(
        a.get_as("0", &session_a, account_path).body["values"][0]["name"],
        "Kunder, endret"
    );
    assert_eq!(b.get_as("0", &session_b, account_path).body["values"][0], account);
    let c = spawn_app();
    let session_c = bakery_session(&c);
    assert_eq!(c.get_as("0", &session_c, account_path).body["values"][0], account);
    let moved = a.control(
        Method::PUT,
        "/_sandbox/clock",
        None,
        Some(json!({"now": "2040-01-01T00:00:00Z"})),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    let year = |app: &TestApp| app.get("/_sandbox/clock").body["value"]["now"].as_str().unwrap()[..4].to_owned();
    assert_eq!(year(&a), "2040");
    assert_ne!(year(&b), "2040");
    let journal = |app: &TestApp| app.get("/_sandbox/journal").body["values"].as_array().unwrap().len();
    let (in_a, in_b) = (journal(&a), journal(&b));
    a.get_as("0", &session_a, "/v2/token/session/%3EwhoAmI");
    assert_eq!((journal(&a), journal(&b)), (in_a + 1, in_b));
    let real = a.send(a.request(Method::DELETE, "/_sandbox/clock"));
    assert!(real.status < 300, "{}", real.body);
    // So do fault rules: one set in A fails A's next list and nothing in B.
    let rule = json!({"rules": [{"path": "/customer", "method": "GET", "nth": 1, "status": 503}]});
    assert_eq!(a.control(Method::PUT, "/_sandbox/faults", None, Some(rule)).status, 200);
    assert_eq!(b.get("/_sandbox/faults").body["value"]["rules"], json!([]));
    assert_eq!(b.get_as("0", &session_b, "/v2/customer").status, 200);
    assert_eq!(a.get_as("0", &session_a, "/v2/customer").status, 503);

    let tokens_before = a.credentials();
    let reset = a.send(a.request(Method::POST, "/_sandbox/reset"));
    assert_eq!(reset.status, 204);
    assert_eq!(
        a.credentials(),
        tokens_before,
        "reset brings back the keys the sandbox started with"
    );
    assert_eq!(
        a.get_as("0", &session_a, "/v2/token/session/%3EwhoAmI").status,
        401,
        "sessions are gone"
    );
    let session_a = bakery_session(&a);
    assert_eq!(customers(&a, &session_a), (seeded.clone(), seeded.len() as i64));
}

#[test]
fn a_fork_copies_the_world_and_then_goes_its_own_way() {
    let source = spawn_app();
    let session = bakery_session(&source);
    let kept = create_customer(&source, &session, "Før Kopien AS");
    let clock = source.control(
        Method::PUT,
        "/_sandbox/clock",
        None,
        Some(json!({"now": "2031-05-17T12:00:00Z"})),
    );
    assert_eq!(clock.status, 200, "{}", clock.body);
    let journal_before = source.get("/_sandbox/journal").body["values"].as_array().unwrap().len();
    assert!(journal_before > 0);

    let fork = source.fork();
    // The session minted in the source is part of the copied world.
    let (in_fork, _) = customers(&fork, &session);
    assert!(
        in_fork.iter().any(|c| c.0 == kept["id"].as_i64().unwrap()),
        "{in_fork:?}"
    );
    let now = fork.get("/_sandbox/clock").body["value"]["now"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(now.starts_with("2031-05-17T12:0"), "the clock is copied: {now}");
    let fork_journal = fork.get("/_sandbox/journal").body["values"].as_array().unwrap().len();
    assert_eq!(fork_journal, 1, "only the fork's own call: the journal is not copied");

    // Each goes on from the same world (the same next ids), and neither sees the other's writes.
    create_customer(&fork, &session, "Bare i Kopien AS");
    create_customer(&source, &session, "Bare i Kilden AS");
    let names = |app: &TestApp| -> Vec<String> { customers(app, &session).0.into_iter().map(|c| c.2).collect() };
    let (in_source, in_fork) = (names(&source), names(&fork));
    assert!(in_fork.contains(&"Bare i Kopien AS".to_owned()) && !in_fork.contains(&"Bare i Kilden AS".to_owned()));
    assert!(in_source.contains(&"Bare i Kilden AS".to_owned()) && !in_source.contains(&"Bare i Kopien AS".to_owned()));

    let unknown = source.control(Method::POST, "/_sandbox/sandboxes", None, Some(json!({"from": "nope"})));
    assert_eq!(
        (unknown.status, unknown.body["code"].as_i64()),
        (404, Some(6000)),
        "{}",
        unknown.body
    );
    let both = source.control(
        Method::POST,
        "/_sandbox/sandboxes",
        None,
        Some(json!({"from": "default", "scenario": "quickstart"})),
    );
    assert_eq!(both.status, 422, "{}", both.body);
}

#[test]
fn a_snapshot_brings_back_the_world_as_it_was_as_often_as_asked() {
    let app = spawn_app();
    let session = bakery_session(&app);
    let kept = create_customer(&app, &session, "Før AS");
    let (before, _) = customers(&app, &session);
    let exported = app.get("/_sandbox/state").body;
    assert_eq!(
        exported["objects"]["customer"]["stored"][0]["id"], kept["id"],
        "the export holds the data objects too"
    );
    let taken = app.control(
        Method::POST,
        "/_sandbox/snapshots",
        None,
        Some(json!({"name": "clean"})),
    );
    assert_eq!(taken.status, 201, "{}", taken.body);
    assert_eq!(taken.body["value"]["name"], "clean");

    for round in 0..2 {
        create_customer(&app, &session, &format!("Runde {round} AS"));
        let (seeded, kept_now) = (&before[0], before.iter().find(|c| c.0 == kept["id"]).unwrap());
        for (id, version) in [(seeded.0, seeded.1), (kept_now.0, kept_now.1)] {
            let put = app.call_as(
                Method::PUT,
                "0",
                &session,
                &format!("/v2/customer/{id}"),
                Some(&json!({"name": format!("Endret {round} AS"), "version": version})),
            );
            assert_eq!(put.status, 200, "{}", put.body);
        }
        let gone = app.call_as(
            Method::DELETE,
            "0",
            &session,
            &format!("/v2/customer/{}", before[1].0),
            None,
        );
        assert_eq!(gone.status, 204, "{}", gone.body);
        assert_ne!(
            app.get("/_sandbox/state").body["objects"],
            exported["objects"],
            "round {round}: the export sees the customers change"
        );
        let later = bakery_session(&app);
        let off = app.control(
            Method::PUT,
            "/_sandbox/companies/1001/subscription",
            None,
            Some(json!({"integrationsEnabled": false})),
        );
        assert_eq!(off.status, 200, "{}", off.body);
        let restored = app.send(app.request(Method::POST, "/_sandbox/snapshots/clean/restore"));
        assert_eq!(restored.status, 200, "{}", restored.body);
        assert_eq!(customers(&app, &session).0, before, "round {round}: data as it was");
        assert_eq!(
            app.get("/_sandbox/state").body,
            exported,
            "round {round}: the exported world as it was"
        );
        assert_eq!(
            app.get("/_sandbox/companies").body["values"][0]["integrationsEnabled"],
            json!(true),
            "round {round}: the access world as it was"
        );
        let who = app.get_as("0", &later, "/v2/token/session/%3EwhoAmI");
        assert_eq!(
            who.status, 401,
            "a session minted after the snapshot is gone: {}",
            who.body
        );
    }

    let listed = app.get("/_sandbox/snapshots");
    assert_eq!(listed.body["values"].as_array().unwrap().len(), 1);
    assert_eq!(listed.body["values"][0]["name"], "clean");
    let twice = app.control(
        Method::POST,
        "/_sandbox/snapshots",
        None,
        Some(json!({"name": "clean"})),
    );
    assert_eq!(
        (twice.status, twice.body["code"].as_i64()),
        (409, Some(10000)),
        "{}",
        twice.body
    );
    let bad = app.control(Method::POST, "/_sandbox/snapshots", None, Some(json!({"name": "a/b"})));
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(
        app.send(app.request(Method::DELETE, "/_sandbox/snapshots/clean"))
            .status,
        204
    );
    let gone = app.send(app.request(Method::POST, "/_sandbox/snapshots/clean/restore"));
    assert_eq!(
        (gone.status, gone.body["code"].as_i64()),
        (404, Some(6000)),
        "{}",
        gone.body
    );
}

#[test]
fn past_the_sandbox_cap_creation_answers_429_and_idle_sandboxes_are_forgotten() {
    let app = spawn_with(tripletex_sandbox::config::Config {
        lifecycle: tripletex_sandbox::sandbox::registry::Lifecycle {
            max_sandboxes: 2,
            idle_ttl: Some(Duration::from_millis(500)),
        },
        ..tripletex_sandbox::config::Config::for_tests()
    });
    let make = || app.control(Method::POST, "/_sandbox/sandboxes", None, Some(json!({})));
    let first = make();
    let second = make();
    assert_eq!((first.status, second.status), (201, 201));
    let full = make();
    assert_eq!(full.status, 429, "{}", full.body);
    assert_eq!(full.body["status"], 429);
    let message = full.body["developerMessage"].as_str().unwrap();
    assert!(
        message.contains("--max-sandboxes") && message.contains("DELETE"),
        "{message}"
    );

    // The first stays in use; the second goes idle and is forgotten when room is needed.
    let first_id = first.body["value"]["id"].as_str().unwrap().to_owned();
    let second_id = second.body["value"]["id"].as_str().unwrap().to_owned();
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(125));
        assert_eq!(app.get(&format!("/sb/{first_id}/_sandbox/health")).status, 200);
    }
    let third = make();
    assert_eq!(third.status, 201, "{}", third.body);
    assert_eq!(app.get(&format!("/sb/{first_id}/_sandbox/health")).status, 200);
    let evicted = app.get(&format!("/sb/{second_id}/_sandbox/health"));
    assert_eq!(evicted.status, 404, "{}", evicted.body);
    assert!(
        evicted.body["developerMessage"].as_str().unwrap().contains("idle"),
        "{}",
        evicted.body
    );
}

/// A seed object's default rendering is made once for every sandbox of its seed; a sandbox that
/// changes the object answers with its own, before and after another sandbox showed the seed's.
#[test]
fn a_seeded_object_shown_with_the_default_fields_is_each_sandboxs_own() {
    let (a, b) = (spawn_app(), spawn_app());
    let (session_a, session_b) = (bakery_session(&a), bakery_session(&b));
    let list = "/v2/customer?count=1000";
    let first = |app: &TestApp, session: &str| {
        let reply = app.get_as("0", session, list);
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["values"][0].clone()
    };
    let seed = first(&b, &session_b);
    let id = seed["id"].as_i64().unwrap();
    let single = |app: &TestApp, session: &str| {
        let reply = app.get_as("0", session, &format!("/v2/customer/{id}"));
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["value"].clone()
    };
    assert_eq!(
        single(&b, &session_b),
        seed,
        "a list and a read render a seed object alike"
    );
    let put = a.call_as(
        Method::PUT,
        "0",
        &session_a,
        &format!("/v2/customer/{id}"),
        Some(&json!({"name": "Bare i A AS", "version": seed["version"]})),
    );
    assert_eq!(put.status, 200, "{}", put.body);
    assert_eq!(first(&a, &session_a)["name"], "Bare i A AS");
    assert_eq!(single(&a, &session_a)["name"], "Bare i A AS");
    assert_eq!(first(&b, &session_b), seed, "the other sandbox still shows the seed's");
    assert_eq!(single(&b, &session_b), seed);
    // The url carries each sandbox's own base even where the rendering is shared.
    let (url_a, url_b) = (
        single(&a, &session_a)["url"].clone(),
        single(&b, &session_b)["url"].clone(),
    );
    assert_ne!(url_a, url_b);
    assert!(
        url_b.as_str().unwrap().ends_with(&format!("/v2/customer/{id}")),
        "{url_b}"
    );
}

/// A database file keeps its sessions in its own table (another connection may read them), and a
/// snapshot of it holds them beside the copy: restoring puts them back into the file as they were.
#[test]
fn a_database_files_snapshot_brings_back_its_sessions() {
    let path = std::env::temp_dir().join(format!("tripletex-sandbox-snapshot-sessions-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let app = spawn_with(tripletex_sandbox::config::Config {
        db: Some(path.clone()),
        ..tripletex_sandbox::config::Config::for_tests()
    });
    let who = |session: &str| app.get_as("0", session, "/v2/token/session/%3EwhoAmI").status;
    let (before, deleted) = (bakery_session(&app), bakery_session(&app));
    let taken = app.control(Method::POST, "/_sandbox/snapshots", None, Some(json!({"name": "s"})));
    assert_eq!(taken.status, 201, "{}", taken.body);
    let after = bakery_session(&app);
    let gone = app.send(
        app.request(Method::DELETE, &format!("/v2/token/session/{}", url_encode(&deleted)))
            .header("Authorization", crate::helpers::basic("0", &deleted)),
    );
    assert_eq!(gone.status, 204, "{}", gone.body);
    assert_eq!((who(&before), who(&deleted), who(&after)), (200, 401, 200));

    let restored = app.send(app.request(Method::POST, "/_sandbox/snapshots/s/restore"));
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(
        (who(&before), who(&deleted), who(&after)),
        (200, 200, 401),
        "the sessions as they were when the snapshot was taken"
    );
    let file = rusqlite::Connection::open(&path).expect("the database file");
    let in_file: i64 = file
        .query_row("SELECT COUNT(*) FROM sessions WHERE deleted = 0", [], |r| r.get(0))
        .expect("the sessions table");
    assert!(in_file >= 2, "the file's own table holds them: {in_file}");
    drop(file);
    let _ = std::fs::remove_file(&path);
}
