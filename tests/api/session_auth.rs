//! Basic auth: the session token, the username as company context, proxy identity, deletion.

use crate::helpers::{basic, redacted, spawn_app, url_encode};
use serde_json::json;

const WHO_AM_I: &str = "/v2/token/session/%3EwhoAmI";

#[test]
fn no_or_undecodable_authorization_is_401_3000() {
    let app = spawn_app();
    let missing = app.get(WHO_AM_I);
    assert_eq!((missing.status, missing.body["code"].as_i64()), (401, Some(3000)));
    assert_eq!(missing.body["message"], "Unauthorized");
    for header in ["Basic %%%", "Bearer abc", "Basic", "Basic MDo="] {
        let reply = app.send(
            app.request(reqwest::Method::GET, WHO_AM_I)
                .header("Authorization", header),
        );
        assert_eq!(
            (reply.status, reply.body["code"].as_i64()),
            (401, Some(3000)),
            "{header}"
        );
    }
}

#[test]
fn a_non_numeric_username_gets_the_real_body() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let reply = app.get_as("oma+tripletex@rubynor.com", &session, WHO_AM_I);
    assert_eq!(reply.status, 401);
    assert_eq!(
        redacted(&reply),
        json!({
            "status": 401, "code": 3000, "message": "Unauthorized", "link": "https://tripletex.no/v2-docs/",
            "developerMessage": "Authorization header has invalid username: oma+tripletex@rubynor.com. Should be a customer id or 0 for default. The expected format is base64encoded(<<companyId>>:<<sessionToken>>)",
            "validationMessages": null, "requestId": "<request-id>"
        })
    );
}

#[test]
fn an_unknown_session_cannot_log_in() {
    let app = spawn_app();
    let reply = app.get_as("0", "test-not-a-session", WHO_AM_I);
    assert_eq!((reply.status, reply.body["code"].as_i64()), (401, Some(3000)));
    assert!(
        reply.body["developerMessage"]
            .as_str()
            .unwrap()
            .starts_with("Could not log in")
    );
}

/// A session is found by the id its token carries: a token with a live session's id and another
/// random part is no session, for logging in and for deleting alike.
#[test]
fn a_token_with_a_live_sessions_id_but_another_random_part_is_unknown() {
    use base64::Engine;
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let engine = base64::engine::general_purpose::STANDARD;
    let decoded = engine.decode(session.strip_prefix("test-").unwrap()).unwrap();
    let real: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
    let forged = format!(
        "test-{}",
        engine.encode(
            serde_json::json!({"tokenId": real["tokenId"], "token": "00000000-0000-4000-8000-000000000000"})
                .to_string()
        )
    );
    assert_ne!(forged, session);
    let reply = app.get_as("0", &forged, WHO_AM_I);
    assert_eq!(
        (reply.status, reply.body["code"].as_i64()),
        (401, Some(3000)),
        "{}",
        reply.body
    );
    let delete = app.send(
        app.request(
            reqwest::Method::DELETE,
            &format!("/v2/token/session/{}", url_encode(&forged)),
        )
        .header("Authorization", basic("0", &session)),
    );
    assert_eq!(
        (delete.status, delete.body["code"].as_i64()),
        (404, Some(6000)),
        "{}",
        delete.body
    );
    assert_eq!(
        app.get_as("0", &session, WHO_AM_I).status,
        200,
        "the real session lives on"
    );
}

#[test]
fn a_deleted_session_cannot_log_in() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let encoded: String = url_encode(&session);
    let reply = app.send(
        app.request(reqwest::Method::DELETE, &format!("/v2/token/session/{encoded}"))
            .header("Authorization", basic("0", &session)),
    );
    assert_eq!(reply.status, 204);
    assert_eq!(reply.body, serde_json::Value::Null);
    let after = app.get_as("0", &session, WHO_AM_I);
    assert_eq!((after.status, after.body["code"].as_i64()), (401, Some(3000)));
    assert!(after.body["developerMessage"].as_str().unwrap().contains("deleted"));
}

#[test]
fn deleting_another_keys_session_is_404() {
    let app = spawn_app();
    let mine = app.session_for(&app.credential(false));
    let office = app.session_for(&app.credential(true));
    let reply = app.send(
        app.request(
            reqwest::Method::DELETE,
            &format!("/v2/token/session/{}", url_encode(&office)),
        )
        .header("Authorization", basic("0", &mine)),
    );
    assert_eq!((reply.status, reply.body["code"].as_i64()), (404, Some(6000)));
    assert_eq!(
        app.get_as("2101", &office, WHO_AM_I).status,
        200,
        "the office session lives on"
    );
}

#[test]
fn username_zero_acts_in_the_keys_own_company_and_a_blank_one_is_refused() {
    let app = spawn_app();
    let credential = app.credential(false);
    let session = app.session_for(&credential);
    let blank = app.get_as("", &session, WHO_AM_I);
    assert_eq!(
        (blank.status, blank.body["code"].as_i64()),
        (401, Some(3000)),
        "{}",
        blank.body
    );
    assert!(
        blank.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("invalid username"),
        "{}",
        blank.body
    );
    let reply = app.get_as("0", &session, WHO_AM_I);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let value = &reply.body["value"];
    assert_eq!(value["companyId"], credential["companyId"]);
    assert_eq!(value["employeeId"], credential["employeeId"]);
    assert_eq!(value["actualEmployeeId"], credential["employeeId"]);
    assert_eq!(value["employeeIsProxy"], false);
    assert_eq!(value["language"], "no");
    assert_eq!(value["loggedInWithConnect"], false);
}

#[test]
fn an_office_key_acts_as_a_linked_consenting_client_by_proxy() {
    let app = spawn_app();
    let credential = app.credential(true);
    let session = app.session_for(&credential);
    for client in credential["clients"].as_array().unwrap() {
        let client = client.as_i64().unwrap();
        let reply = app.get_as(
            &client.to_string(),
            &session,
            &format!("{WHO_AM_I}?fields=*,employee(*)"),
        );
        assert_eq!(reply.status, 200);
        let value = &reply.body["value"];
        assert_eq!(value["companyId"], client);
        assert_eq!(value["employeeIsProxy"], true);
        assert_eq!(value["actualEmployeeId"], credential["employeeId"]);
        assert_ne!(value["employeeId"], credential["employeeId"]);
        assert_eq!(value["employee"]["isProxy"], true);
        assert_eq!(value["employee"]["companyId"], client);
    }
}

#[test]
fn a_company_the_key_cannot_act_as_is_401_naming_it() {
    let app = spawn_app();
    let ordinary = app.session_for(&app.credential(false));
    let office = app.session_for(&app.credential(true));
    // An ordinary key asking for a client; the office key asking for a company that is not its
    // client; the office key asking for a company that does not exist.
    for (session, company) in [(&ordinary, "2101"), (&office, "1001"), (&office, "999999")] {
        let reply = app.get_as(company, session, WHO_AM_I);
        assert_eq!(
            (reply.status, reply.body["code"].as_i64()),
            (401, Some(3000)),
            "{company}"
        );
        let message = reply.body["developerMessage"].as_str().unwrap();
        assert!(message.contains(&format!("company {company}")), "{message}");
    }
}

#[test]
fn a_client_that_has_not_ticked_api_access_is_403_with_the_remedy() {
    let app = spawn_app();
    let companies = app.get("/_sandbox/companies").body["values"]
        .as_array()
        .cloned()
        .unwrap();
    let refusing = companies
        .iter()
        .find(|c| c["apiAccess"] == false)
        .expect("a non-consenting client");
    let session = app.session_for(&app.credential(true));
    let reply = app.get_as(&refusing["id"].to_string(), &session, WHO_AM_I);
    assert_eq!((reply.status, reply.body["code"].as_i64()), (403, Some(9000)));
    assert!(
        reply.body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("Selskap > Regnskapsfører")
    );
}

#[test]
fn an_office_key_with_username_zero_may_only_ask_who_it_is_and_its_clients() {
    let app = spawn_app();
    let credential = app.credential(true);
    let session = app.session_for(&credential);
    assert_eq!(app.get_as("0", &session, WHO_AM_I).status, 200);
    assert_eq!(app.get_as("0", &session, "/v2/company/%3EwithLoginAccess").status, 200);
    let own = format!("/v2/company/{}", credential["companyId"]);
    let consumer = format!(
        "/v2/token/consumer/byToken?token={}",
        credential["consumerToken"].as_str().unwrap()
    );
    for path in [own.as_str(), consumer.as_str()] {
        let reply = app.get_as("0", &session, path);
        assert_eq!((reply.status, reply.body["code"].as_i64()), (403, Some(9000)), "{path}");
        assert!(
            reply.body["developerMessage"]
                .as_str()
                .unwrap()
                .contains("office_key_in_own_company_is_limited")
        );
    }
    // As a client, the same calls work.
    let client = credential["clients"][0].to_string();
    assert_eq!(
        app.get_as(&client, &session, &format!("/v2/company/{client}")).status,
        200
    );
    assert_eq!(app.get_as(&client, &session, &consumer).status, 200);
}
