//! /employee over the people of the acting company.

use crate::helpers::{assert_denied, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

#[test]
fn employees_round_trip_with_the_real_validation_messages() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let post = |body: Value| app.call_as(Method::POST, "0", &session, "/v2/employee", Some(&body));
    let listed = app.get_as("0", &session, "/v2/employee?fields=id,firstName");
    assert!(
        listed.body["fullResultSize"].as_u64().unwrap() >= 4,
        "the scenario's people and a few seeded employees"
    );
    assert!(
        listed.body["values"]
            .as_array()
            .unwrap()
            .contains(&json!({"id": 5001, "firstName": "Kari"}))
    );

    let no_names = post(json!({}));
    assert_eq!(
        no_names.body["validationMessages"].as_array().map(Vec::len),
        Some(2),
        "the names first, the user type only once they are there: {}",
        no_names.body
    );
    let no_type = post(json!({"firstName": "Per", "lastName": "Ny"}));
    assert_eq!(
        no_type.body["validationMessages"],
        json!([{"field": null, "message": "Brukertype kan ikke være \"0\" eller tom.", "path": null, "rootId": null}])
    );
    let no_email = post(json!({"firstName": "Per", "lastName": "Ny", "userType": "STANDARD"}));
    assert_eq!(
        no_email.body["validationMessages"][0]["message"],
        "Må angis for Tripletex-brukere"
    );
    let taken =
        post(json!({"firstName": "Per", "lastName": "Ny", "userType": "STANDARD", "email": "kari@solsikke.example"}));
    assert_eq!(
        taken.body["validationMessages"][0]["message"],
        "Det finnes allerede en bruker med denne e-postadressen"
    );
    let unknown =
        post(json!({"firstName": "Per", "lastName": "Ny", "userType": "NO_ACCESS", "startDate": "2020-01-01"}));
    assert_eq!(
        unknown.body["validationMessages"][0],
        json!({"field": "startDate", "message": "Feltet eksisterer ikke i objektet.", "path": null, "rootId": null})
    );

    let per = json!({"firstName": "Per", "lastName": "Ny", "userType": "STANDARD", "email": "per@solsikke.example"});
    let no_department = post(per.clone());
    assert_eq!(
        no_department.body["validationMessages"],
        json!([{"field": "department.id", "message": "Feltet må fylles ut.", "path": null, "rootId": null}])
    );
    let department = app.get_as("0", &session, "/v2/department?count=1&fields=id").body["values"][0].clone();
    let mut per = per;
    per["department"] = department;
    let created = post(per);
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.body["value"]["userType"],
        serde_json::Value::Null,
        "userType is echoed as null, as the real API does"
    );
    let id = created.body["value"]["id"].as_i64().unwrap();
    let item = format!("/v2/employee/{id}");
    assert_eq!(app.get_as("0", &session, &item).body["value"]["displayName"], "Per Ny");
    let put = |body: Value| app.call_as(Method::PUT, "0", &session, &item, Some(&body));
    let updated = put(json!({"lastName": "Nyere", "version": 0}));
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["value"]["version"], 1);
    let stale = put(json!({"lastName": "Igjen", "version": 0}));
    assert_eq!((stale.status, stale.body["code"].as_i64()), (409, Some(8000)));
}

#[test]
fn employees_need_auth_employee_and_stay_in_their_company() {
    let app = spawn_app();
    let weak = app.session_with_accesses(&["AUTH_CUSTOMER"]);
    assert_denied(&app.get_as("0", &weak, "/v2/employee"), 403, 9000, "access_allows");
    assert_denied(&app.get_as("0", &weak, "/v2/employee/5001"), 403, 9000, "access_allows");
    let session = app.session_for(&app.credential(false));
    assert_eq!(
        app.get_as("0", &session, "/v2/employee/5101").status,
        404,
        "another company's employee"
    );
    let office = app.session_for(&app.credential(true));
    let in_client = app.get_as("2101", &office, "/v2/employee?fields=id,isProxy");
    assert_eq!(in_client.status, 200, "{}", in_client.body);
    assert!(
        in_client.body["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["isProxy"] == true),
        "the office's proxy record is an employee of the client"
    );
    assert!(
        !in_client.body["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == 5001)
    );
}

/// As recorded: an employee belongs to a department and lists its employments as `{id, url}`.
#[test]
fn an_employee_shows_its_department_and_the_employments_made_for_it() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let before = app.get_as("0", &session, "/v2/employee/5001");
    let department = before.body["value"]["department"]["id"].as_i64().expect("a department");
    let departments = app.get_as("0", &session, "/v2/department?fields=id");
    assert_eq!(departments.body["values"][0]["id"], department);
    assert_eq!(before.body["value"]["employments"], json!([]));
    assert_eq!(before.body["value"]["phoneNumberMobileCountry"]["id"], 161);
    let made = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/employee/employment",
        Some(&json!({"employee": {"id": 5001}, "startDate": "2026-01-01"})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let employment = made.body["value"]["id"].as_i64().unwrap();
    let after = app.get_as("0", &session, "/v2/employee/5001");
    assert_eq!(after.body["value"]["employments"][0]["id"], employment);
    let url = after.body["value"]["employments"][0]["url"].as_str().unwrap();
    assert!(url.ends_with(&format!("/v2/employee/employment/{employment}")), "{url}");
    let listed = app.get_as("0", &session, "/v2/employee?fields=id,employments");
    let kari = listed.body["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == 5001)
        .unwrap();
    assert_eq!(kari["employments"].as_array().map(Vec::len), Some(1));
}

/// What an employee write sets is read back: date of birth, phone numbers, national id, bank
/// account, address and a department of its own; a value of the wrong type or a department of
/// no one is refused and changes nothing.
#[test]
fn an_employees_written_fields_are_kept_and_read_back() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let department = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/department",
        Some(&json!({"name": "Lager", "departmentNumber": "7"})),
    );
    assert_eq!(department.status, 201, "{}", department.body);
    let department = department.body["value"]["id"].as_i64().unwrap();
    let written = json!({
        "dateOfBirth": "1990-05-17",
        "phoneNumberMobile": "+47 912 34 567",
        "nationalIdentityNumber": "17059012345",
        "bankAccountNumber": "15032012345",
        "employeeNumber": "42",
        "comments": "skriver fra API",
        "usesAbroadPayment": true,
        "address": {"addressLine1": "Storgata 1", "postalCode": "0155", "city": "Oslo"},
        "department": {"id": department},
    });
    let mut body =
        json!({"firstName": "Liv", "lastName": "Lager", "userType": "STANDARD", "email": "liv@lager.example"});
    body.as_object_mut()
        .unwrap()
        .extend(written.as_object().unwrap().clone());
    let created = app.call_as(Method::POST, "0", &session, "/v2/employee", Some(&body));
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["value"]["id"].as_i64().unwrap();
    let read = app.get_as("0", &session, &format!("/v2/employee/{id}?fields=*,department(name)"));
    for (name, value) in written.as_object().unwrap() {
        if name == "department" {
            assert_eq!(read.body["value"]["department"]["name"], "Lager", "{}", read.body);
            continue;
        }
        assert_eq!(&read.body["value"][name], value, "{name}: {}", read.body);
    }
    // Listed, the employee shows its own department, the others the company's first.
    let listed = app.get_as("0", &session, &format!("/v2/employee?id={id}&fields=id,department(id)"));
    assert_eq!(listed.body["values"][0]["department"]["id"], department);

    let item = format!("/v2/employee/{id}");
    let put = |body: Value| app.call_as(Method::PUT, "0", &session, &item, Some(&body));
    let bad_date = put(json!({"dateOfBirth": "17.05.1990", "version": 0}));
    assert_eq!(bad_date.status, 422, "{}", bad_date.body);
    assert_eq!(bad_date.body["validationMessages"][0]["field"], "dateOfBirth");
    let no_department = put(json!({"department": {"id": 999_999_999}, "version": 0}));
    assert_eq!(no_department.status, 422, "{}", no_department.body);
    assert_eq!(no_department.body["validationMessages"][0]["field"], "department.id");
    let wrong_type = put(json!({"bankAccountNumber": 1503, "version": 0}));
    assert_eq!(wrong_type.status, 422, "{}", wrong_type.body);
    let unchanged = app.get_as("0", &session, &item);
    assert_eq!(unchanged.body["value"]["version"], 0, "a refused write changes nothing");
    assert_eq!(unchanged.body["value"]["dateOfBirth"], "1990-05-17");

    // null puts a field back to its default.
    let cleared = put(json!({"phoneNumberMobile": null, "version": 0}));
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.body["value"]["phoneNumberMobile"], "");
    assert_eq!(cleared.body["value"]["nationalIdentityNumber"], "17059012345");
}
