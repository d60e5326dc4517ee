//! The control plane: credentials and companies.

use crate::helpers::spawn_app;

#[test]
fn credentials_list_every_usable_pair_and_each_opens_a_session() {
    let app = spawn_app();
    let credentials = app.credentials();
    assert_eq!(credentials.len(), 2);
    for credential in &credentials {
        for key in [
            "label",
            "consumerToken",
            "employeeToken",
            "companyId",
            "employeeId",
            "integration",
            "accountantKey",
            "clients",
        ] {
            assert!(credential.get(key).is_some(), "{key} in {credential}");
        }
        let session = app.session_for(credential);
        let who = app.get_as("0", &session, "/v2/token/session/%3EwhoAmI");
        assert_eq!(who.body["value"]["companyId"], credential["companyId"]);
    }
    let office = credentials.iter().find(|c| c["accountantKey"] == true).unwrap();
    assert_eq!(office["clients"], serde_json::json!([2101, 2102]));
    let ordinary = credentials.iter().find(|c| c["accountantKey"] == false).unwrap();
    assert_eq!(ordinary["clients"], serde_json::json!([]));
}

#[test]
fn companies_show_kind_and_client_settings() {
    let app = spawn_app();
    let reply = app.get("/_sandbox/companies");
    assert_eq!(reply.status, 200);
    let companies = reply.body["values"].as_array().unwrap();
    let office = companies.iter().find(|c| c["kind"] == "office").unwrap();
    assert_eq!(office["package"], "ACCOUNTING_OFFICE");
    assert_eq!(office["officeId"], serde_json::Value::Null);
    let clients: Vec<_> = companies.iter().filter(|c| c["kind"] == "client").collect();
    assert_eq!(clients.len(), 3);
    assert!(clients.iter().all(|c| c["officeId"] == office["id"]));
    assert_eq!(clients.iter().filter(|c| c["apiAccess"] == true).count(), 2);
    let standalone = companies.iter().find(|c| c["kind"] == "standalone").unwrap();
    assert_eq!(standalone["integrationsEnabled"], true);
}

/// A control-plane body must be a JSON object: a list (which serde would read into a struct by
/// position, `[true, true]` turning the first two settings on) is refused and changes nothing.
#[test]
fn a_control_plane_body_that_is_not_an_object_is_refused_and_changes_nothing() {
    let app = crate::helpers::spawn_app();
    let before = app.get("/_sandbox/settings").body;
    let refused = app.control(
        reqwest::Method::PUT,
        "/_sandbox/settings",
        None,
        Some(serde_json::json!([true, true])),
    );
    assert_eq!(
        (refused.status, refused.body["code"].as_i64()),
        (422, Some(22000)),
        "{}",
        refused.body
    );
    assert!(
        refused.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("must be a JSON object"),
        "{}",
        refused.body
    );
    assert_eq!(app.get("/_sandbox/settings").body, before);
    let subscription = app.control(
        reqwest::Method::PUT,
        "/_sandbox/companies/1001/subscription",
        None,
        Some(serde_json::json!(["BASIS", false])),
    );
    assert_eq!(subscription.status, 422, "{}", subscription.body);
}

/// The control plane's document, read over HTTP: each path with the methods it serves.
fn control_paths(app: &crate::helpers::TestApp) -> serde_json::Map<String, serde_json::Value> {
    let document = app.get("/_sandbox/openapi.json");
    assert_eq!(document.status, 200, "{}", document.body);
    document.body["paths"].as_object().cloned().expect("paths")
}

/// Every route of the control plane with a body refuses a JSON array in its place (serde would
/// read it into the body's fields by position), in the error envelope, saying an object is
/// expected.
#[test]
fn every_control_plane_body_refuses_a_json_array() {
    use crate::openapi::{METHODS, concrete};
    let app = spawn_app();
    let mut tried = 0;
    for (path, item) in control_paths(&app) {
        for method in METHODS.iter().filter(|m| item[**m]["requestBody"].is_object()) {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let reply = app.control(
                method.clone(),
                &concrete(&path),
                None,
                Some(serde_json::json!([true, true])),
            );
            tried += 1;
            assert!(
                matches!(reply.status, 400 | 422) && reply.body["status"] == reply.status,
                "{method} {path}: {} {}",
                reply.status,
                reply.body
            );
            let message = reply.body["developerMessage"].as_str().unwrap_or_default();
            assert!(
                message.contains("must be a JSON object"),
                "{method} {path}: {}",
                reply.body
            );
        }
    }
    assert!(tried >= 15, "{tried} routes with a body");
}

/// A method a control-plane path does not have answers 405 with `Allow` naming the ones it has.
#[test]
fn a_method_a_control_plane_path_lacks_answers_405_with_allow() {
    use crate::openapi::{METHODS, concrete};
    let app = spawn_app();
    let mut tried = 0;
    // The process-wide /_sandbox/sandboxes… paths are served at the root only.
    for (path, item) in control_paths(&app)
        .iter()
        .filter(|(p, _)| !p.starts_with("/_sandbox/sandboxes"))
    {
        let allowed: Vec<String> = METHODS
            .iter()
            .filter(|m| item.get(**m).is_some())
            .map(|m| m.to_uppercase())
            .collect();
        for method in METHODS.iter().filter(|m| item.get(**m).is_none()) {
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let reply = app.send(app.request(method.clone(), &concrete(path)));
            tried += 1;
            assert_eq!(
                (reply.status, reply.body["status"].as_u64()),
                (405, Some(405)),
                "{method} {path}: {}",
                reply.body
            );
            assert_eq!(
                reply.headers.get("allow").and_then(|v| v.to_str().ok()),
                Some(allowed.join(", ").as_str()),
                "{method} {path}"
            );
        }
    }
    assert!(tried >= 50, "{tried} methods tried");
}
