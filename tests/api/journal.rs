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

#[test]
fn the_journal_pages_filters_by_class_token_and_time_and_keeps_the_query() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let before = app.get("/_sandbox/clock").body["value"]["now"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.get_as("0", &session, "/v2/customer?count=1&fields=id").status, 200);
    assert_eq!(app.get_as("0", &session, "/v2/customer/1").status, 404);
    assert_eq!(app.get_as("0", "nope", "/v2/customer").status, 401);

    let page = app.get("/_sandbox/journal?from=1&count=1");
    assert_eq!(page.body["fullResultSize"], 4, "{}", page.body);
    assert_eq!(
        (page.body["from"].as_i64(), page.body["count"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(page.body["values"][0]["status"], 404);

    let errors = app.get("/_sandbox/journal?status=4xx").body["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_i64().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(errors, [401, 404]);

    let by_token = app.get(&format!("/_sandbox/journal?token={session}&path=customer"));
    let listed = by_token.body["values"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{}", by_token.body);
    assert_eq!(listed[1]["query"], "count=1&fields=id");

    let since = app.get(&format!("/_sandbox/journal?since={before}"));
    assert_eq!(
        since.body["fullResultSize"], 3,
        "the session create came before: {}",
        since.body
    );

    for bad in ["status=4x", "since=yesterday", "count=x"] {
        let refused = app.get(&format!("/_sandbox/journal?{bad}"));
        assert_eq!(refused.status, 422, "{bad}: {}", refused.body);
        assert_eq!(
            refused.body["link"], "docs/control-plane.md",
            "control-plane errors point to our docs"
        );
    }
    assert_eq!(app.get("/_sandbox/journal?token=unknown").status, 404);
}

#[test]
fn the_required_access_report_names_what_the_calls_needed_and_what_the_refused_ones_lacked() {
    let app = crate::helpers::spawn_app();
    let session = app.session_with_accesses(&["AUTH_CUSTOMER", "AUTH_ORDER"]);
    let listed = app.get_as("0", &session, "/v2/customer?fields=id");
    assert_eq!(listed.status, 200, "{}", listed.body);
    let customer = listed.body["values"][0]["id"].as_i64().unwrap();
    let order = app.call_as(
        reqwest::Method::POST,
        "0",
        &session,
        "/v2/order",
        Some(
            &serde_json::json!({"customer": {"id": customer}, "orderDate": "2030-01-10", "deliveryDate": "2030-01-20"}),
        ),
    );
    assert_eq!(order.status, 201, "{}", order.body);
    let key = app.get("/_sandbox/journal").body["values"][0]["keyId"]
        .as_i64()
        .unwrap();
    let report = |key: i64| {
        let reply = app.get(&format!("/_sandbox/journal/required-access?key={key}"));
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body["value"].clone()
    };
    let names = |report: &serde_json::Value| -> Vec<String> {
        report["entitlements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let first = report(key);
    assert_eq!(names(&first), ["AUTH_CUSTOMER", "AUTH_ORDER"], "{first}");
    assert_eq!(
        first["entitlements"][0]["calls"],
        serde_json::json!(["GET /v2/customer"])
    );
    assert_eq!(first["entitlements"][1]["calls"], serde_json::json!(["POST /v2/order"]));
    assert_eq!(first["denied"], serde_json::json!([]));

    let refused = app.get_as(
        "0",
        &session,
        "/v2/invoice?invoiceDateFrom=2030-01-01&invoiceDateTo=2030-02-01",
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    let second = report(key);
    assert_eq!(
        names(&second),
        ["AUTH_CUSTOMER", "AUTH_INVOICING", "AUTH_ORDER"],
        "{second}"
    );
    let denied = &second["denied"][0];
    assert_eq!(denied["call"], "GET /v2/invoice");
    assert_eq!(denied["status"], 403);
    assert_eq!(denied["needed"], serde_json::json!(["AUTH_INVOICING"]));
    assert_eq!(denied["rule"], "access_allows");
    assert!(denied["remedy"].as_str().unwrap().contains("Brukertilgang"), "{denied}");

    let missing = app.get("/_sandbox/journal/required-access");
    assert_eq!(missing.status, 422, "{}", missing.body);
}
