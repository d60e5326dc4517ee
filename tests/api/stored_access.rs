//! A key's stored accesses that cannot be read grant nothing: a damaged row never widens access.

use crate::helpers::{assert_denied, spawn_with};
use tripletex_sandbox::config::Config;

#[test]
fn a_key_whose_stored_accesses_cannot_be_read_is_refused_everything() {
    let path = std::env::temp_dir().join(format!("tripletex-sandbox-accesses-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    // Its own server: the test edits the database file under it.
    let app = spawn_with(Config {
        db: Some(path.clone()),
        ..Config::for_tests()
    });
    let credential = app.credential(false);
    let session = app.session_for(&credential);
    assert_eq!(app.get_as("0", &session, "/v2/customer?count=1").status, 200);

    let db = rusqlite::Connection::open(&path).expect("the database file");
    let token = credential["employeeToken"].as_str().expect("a token");
    let key_id: i64 = db
        .query_row("SELECT id FROM keys WHERE token = ?1", [token], |r| r.get(0))
        .expect("the key's row");
    let changed = db
        .execute(
            "UPDATE keys SET accesses = '{\"not\": \"a list\"}' WHERE id = ?1",
            [key_id],
        )
        .expect("the row is damaged");
    assert_eq!(changed, 1);

    assert_denied(
        &app.get_as("0", &session, "/v2/customer?count=1"),
        403,
        9000,
        "access_allows",
    );
    let effective = app.get(&format!("/_sandbox/keys/{key_id}/access"));
    assert_eq!(effective.status, 200, "{}", effective.body);
    assert_eq!(effective.body["value"]["accesses"], serde_json::json!([]));
    drop(db);
    let _ = std::fs::remove_file(&path);
}
