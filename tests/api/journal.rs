//! The journal: every /v2 request with its outcome, denials with rule and remedy.

use crate::helpers::spawn_app;

#[test]
fn the_journal_records_requests_newest_first_with_denial_reasons() {
    let app = spawn_app();
    let office = app.credential(true);
    let session = app.session_for(&office);
    assert_eq!(app.get_as("2101", &session, "/v2/token/session/%3EwhoAmI").status, 200);
    assert_eq!(app.get_as("2103", &session, "/v2/token/session/%3EwhoAmI").status, 403);
    assert_eq!(app.get("/v2/no/such/route").status, 404);

    let journal = app.get("/_sandbox/journal").body["values"].as_array().cloned().unwrap();
    assert_eq!(journal.len(), 4, "{journal:?}");
    assert_eq!(journal[0]["path"], app.path("/v2/no/such/route"));
    let denied = &journal[1];
    assert_eq!(denied["status"], 403);
    assert_eq!(denied["code"], 9000);
    assert_eq!(denied["companyId"], 2103);
    assert_eq!(denied["keyId"], 7101);
    assert_eq!(denied["rule"], "client_allows_api_access");
    assert!(denied["remedy"].as_str().unwrap().contains("API-tilgang"));
    assert!(denied["requestId"].as_str().unwrap().len() == 36);
    assert_eq!(journal[2]["companyId"], 2101);
    assert_eq!(journal[3]["path"], app.path("/v2/token/session/:create"));
    assert_eq!(journal[3]["keyId"], 7101);

    let filtered = app.get("/_sandbox/journal?status=403").body["values"]
        .as_array()
        .cloned()
        .unwrap();
    assert_eq!(filtered.len(), 1);
    let by_path = app.get("/_sandbox/journal?path=whoAmI&key=7101").body["values"]
        .as_array()
        .cloned()
        .unwrap();
    assert_eq!(by_path.len(), 2);

    assert_eq!(
        app.send(app.request(reqwest::Method::DELETE, "/_sandbox/journal"))
            .status,
        204
    );
    assert_eq!(app.get("/_sandbox/journal").body["values"], serde_json::json!([]));
}

#[test]
fn the_journal_is_bounded_and_drops_the_oldest() {
    let app = spawn_app();
    let limit = tripletex_sandbox::sandbox::journal::CAPACITY;
    for _ in 0..limit + 5 {
        app.get("/v2/company/1");
    }
    let journal = app.get("/_sandbox/journal").body["values"].as_array().cloned().unwrap();
    assert_eq!(journal.len(), limit);
}
