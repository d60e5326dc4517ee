//! Behaviour recorded on the live API (reference traffic of March 2026) beyond an operation's
//! shape: salary lines listed on their employment, a project activity made inline, a product's
//! price including VAT, a company's sales modules, the hours a timesheet list sums.

use crate::helpers::{TestApp, assert_denied, spawn_app, spawn_scenario};
use reqwest::Method;
use serde_json::{Value, json};

fn post(app: &TestApp, session: &str, path: &str, body: Value) -> crate::helpers::Reply {
    app.call_as(Method::POST, "0", session, path, Some(&body))
}

fn made(reply: crate::helpers::Reply) -> Value {
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["value"].clone()
}

/// Traffic 2026-03-21T16-35-42 and 16-46-44: details posted for an employment are listed on it,
/// with the hourly wage derived from the annual salary (660 000 → 338).
#[test]
fn employment_details_are_listed_on_their_employment() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let employment = made(post(
        &app,
        &session,
        "/v2/employee/employment",
        json!({"employee": {"id": 5001}, "startDate": "2026-09-06"}),
    ))["id"]
        .clone();
    let line = json!({"employment": {"id": employment}, "date": "2026-09-06", "percentageOfFullTimeEquivalent": 100.0,
        "annualSalary": 660000, "employmentType": "ORDINARY", "employmentForm": "PERMANENT"});
    let details = made(post(&app, &session, "/v2/employee/employment/details", line.clone()));
    assert_eq!(
        (
            &details["hourlyWage"],
            &details["remunerationType"],
            &details["workingHoursScheme"]
        ),
        (&json!(338.0), &json!("NOT_CHOSEN"), &json!("NOT_CHOSEN"))
    );
    let fields =
        "id,version,startDate,employmentDetails(date,percentageOfFullTimeEquivalent,annualSalary,employmentType)";
    let listed = app.get_as(
        "0",
        &session,
        &format!("/v2/employee/employment?employeeId=5001&fields={fields}"),
    );
    assert_eq!(
        listed.body["values"],
        json!([{"id": employment, "version": 0, "startDate": "2026-09-06", "employmentDetails": [
            {"date": "2026-09-06", "percentageOfFullTimeEquivalent": 100.0, "annualSalary": 660000, "employmentType": "ORDINARY"}
        ]}])
    );
    let one = app.get_as(
        "0",
        &session,
        &format!("/v2/employee/employment/{employment}?fields=id,employmentDetails(id,date)"),
    );
    assert_eq!(
        one.body["value"],
        json!({"id": employment, "employmentDetails": [{"id": details["id"], "date": "2026-09-06"}]})
    );
    // Traffic 16-43-35 and 18-39-54: one line per date, none before the employment starts.
    let again = post(&app, &session, "/v2/employee/employment/details", line);
    assert_denied(&again, 422, 18000, "details_date_is_free");
    let early = post(
        &app,
        &session,
        "/v2/employee/employment/details",
        json!({"employment": {"id": employment}, "date": "2024-03-15", "annualSalary": 520000}),
    );
    assert_denied(&early, 422, 18000, "details_date_is_within_employment");
    let count = app.get_as(
        "0",
        &session,
        &format!("/v2/employee/employment/details?employmentId={employment}&fields=id"),
    );
    assert_eq!(count.body["fullResultSize"], 1, "a refused line leaves nothing behind");
}

/// Employments sent inside a new employee are made for it, with their salary lines.
#[test]
fn employments_sent_with_a_new_employee_are_kept_with_their_details() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let department = app.get_as("0", &session, "/v2/department?count=1&fields=id").body["values"][0].clone();
    let employee = made(post(
        &app,
        &session,
        "/v2/employee",
        json!({"firstName": "Sarah", "lastName": "Taylor", "email": "sarah.taylor@example.org", "userType": "STANDARD",
        "department": department, "employments": [{"startDate": "2026-07-06", "employmentDetails": [
            {"date": "2026-07-06", "percentageOfFullTimeEquivalent": 80.0, "annualSalary": 500000}
        ]}]}),
    ));
    assert_eq!(employee["employments"].as_array().map(Vec::len), Some(1), "{employee}");
    let listed = app.get_as(
        "0",
        &session,
        &format!(
            "/v2/employee/employment?employeeId={}&fields=startDate,employmentDetails(date,annualSalary,hourlyWage)",
            employee["id"]
        ),
    );
    assert_eq!(
        listed.body["values"],
        json!([{"startDate": "2026-07-06", "employmentDetails": [
            {"date": "2026-07-06", "annualSalary": 500000, "hourlyWage": 256.0}
        ]}])
    );
    // A nested employment the engine refuses refuses the employee, naming where it sits.
    let refused = post(
        &app,
        &session,
        "/v2/employee",
        json!({"firstName": "Ola", "lastName": "Nordmann", "email": "ola@example.org", "userType": "STANDARD",
            "department": department, "employments": [{"employmentDetails": []}]}),
    );
    assert_eq!(
        (refused.status, refused.body["validationMessages"][0]["field"].clone()),
        (422, json!("employments[0].startDate")),
        "{}",
        refused.body
    );
    let ola = app.get_as("0", &session, "/v2/employee?email=ola@example.org&fields=id");
    assert_eq!(ola.body["fullResultSize"], 0, "nothing made");
}

/// Traffic 2026-03-22T11-54-43: an activity described inline is made and linked (201); linking
/// it to the same project again is refused.
#[test]
fn a_project_activity_can_make_its_activity_inline() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let project = made(post(
        &app,
        &session,
        "/v2/project",
        json!({"name": "ERP", "startDate": "2026-01-01", "projectManager": {"id": 5001}}),
    ))["id"]
        .clone();
    let link = made(post(
        &app,
        &session,
        "/v2/project/projectActivity",
        json!({"project": {"id": project},
            "activity": {"name": "ERP Implementation", "activityType": "PROJECT_GENERAL_ACTIVITY", "isChargeable": true}}),
    ));
    let activity = link["activity"]["id"].as_i64().expect("the activity made");
    let shown = app.get_as(
        "0",
        &session,
        &format!("/v2/activity/{activity}?fields=name,activityType,isChargeable"),
    );
    assert_eq!(
        shown.body["value"],
        json!({"name": "ERP Implementation", "activityType": "PROJECT_GENERAL_ACTIVITY", "isChargeable": true})
    );
    assert_eq!(link["project"]["id"], project);
    let again = post(
        &app,
        &session,
        "/v2/project/projectActivity",
        json!({"project": {"id": project}, "activity": {"id": activity}}),
    );
    assert_denied(&again, 422, 18000, "activity_is_new_to_project");
    // An inline activity the engine refuses names its field inside `activity`, and nothing is made.
    let before = app.get_as("0", &session, "/v2/activity?fields=id").body["fullResultSize"].clone();
    let refused = post(
        &app,
        &session,
        "/v2/project/projectActivity",
        json!({"project": {"id": project}, "activity": {"name": "Uten type"}}),
    );
    assert_eq!(
        (refused.status, refused.body["validationMessages"][0]["field"].clone()),
        (422, json!("activity.activityType")),
        "{}",
        refused.body
    );
    assert_eq!(
        app.get_as("0", &session, "/v2/activity?fields=id").body["fullResultSize"],
        before
    );
}

/// Traffic 2026-03-21T17-58-45: 7800 at 0 % is 7800 including VAT; at 25 % it is 9750; a price
/// given only including VAT gives the one excluding it.
#[test]
fn a_products_price_including_vat_follows_its_vat_type() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let prices = |product: &Value| {
        (
            product["priceExcludingVatCurrency"].as_f64(),
            product["priceIncludingVatCurrency"].as_f64(),
        )
    };
    let free = made(post(
        &app,
        &session,
        "/v2/product",
        json!({"name": "Software License", "priceExcludingVatCurrency": 7800, "vatType": {"id": 6}}),
    ));
    assert_eq!(prices(&free), (Some(7800.0), Some(7800.0)));
    let high = made(post(
        &app,
        &session,
        "/v2/product",
        json!({"name": "Web Design", "priceExcludingVatCurrency": "7800", "vatType": {"id": 3}}),
    ));
    assert_eq!(prices(&high), (Some(7800.0), Some(9750.0)));
    let inclusive = made(post(
        &app,
        &session,
        "/v2/product",
        json!({"name": "Kaffe", "priceIncludingVatCurrency": 125, "vatType": {"id": 3}}),
    ));
    assert_eq!(prices(&inclusive), (Some(100.0), Some(125.0)));
    let changed = app.call_as(
        Method::PUT,
        "0",
        &session,
        &format!("/v2/product/{}", high["id"]),
        Some(&json!({"vatType": {"id": 6}})),
    );
    assert_eq!(
        prices(&changed.body["value"]),
        (Some(7800.0), Some(7800.0)),
        "{}",
        changed.body
    );
}

/// Reference fresh-company-2026-03 (a Komplett company) and traffic 2026-03-20T19-29-08.
#[test]
fn sales_modules_are_listed_as_recorded_and_not_ordered_through_the_api() {
    // A Komplett company whose administrator holds every entitlement.
    let app = spawn_scenario("flow-order-invoice-payment");
    let session = app.session_for(&app.credential(false));
    let listed = app.get_as("0", &session, "/v2/company/salesmodules");
    assert_eq!(
        listed.body["values"],
        json!([
            {"name": "WAGE", "costStartDate": null},
            {"name": "ELECTRONIC_VOUCHERS", "costStartDate": null},
            {"name": "TIME_TRACKING", "costStartDate": null},
            {"name": "API_V2", "costStartDate": null},
            {"name": "KOMPLETT", "costStartDate": null},
            {"name": "UP_TO_500_VOUCHERS", "costStartDate": null}
        ]),
        "{}",
        listed.body
    );
    let ordered = post(
        &app,
        &session,
        "/v2/company/salesmodules",
        json!({"name": "PROJECT", "costStartDate": "2026-03-20"}),
    );
    assert_denied(&ordered, 403, 9000, "sales_modules_are_ordered_in_tripletex");
    assert_eq!(
        ordered.body["message"],
        "You do not have permission to access this feature."
    );
    assert!(
        ordered.body["developerMessage"]
            .as_str()
            .is_some_and(|m| m.contains("Selskap > Mitt abonnement")),
        "{}",
        ordered.body
    );
}

/// The document's TimesheetEntrySearchResponse: `sumAllHours` sums every matched entry, on any
/// page and whatever the fields filter.
#[test]
fn a_timesheet_list_sums_the_hours_it_matched() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let activity = app.get_as("0", &session, "/v2/activity?count=1&fields=id").body["values"][0]["id"].clone();
    for (date, hours) in [("2026-09-01", 7.5), ("2026-09-02", 4.0), ("2026-09-03", 2.25)] {
        made(post(
            &app,
            &session,
            "/v2/timesheet/entry",
            json!({"employee": {"id": 5001}, "activity": {"id": activity}, "date": date, "hours": hours}),
        ));
    }
    let sum = |query: &str| {
        let listed = app.get_as("0", &session, &format!("/v2/timesheet/entry?{query}"));
        assert_eq!(listed.status, 200, "{}", listed.body);
        (listed.body["sumAllHours"].as_f64(), listed.body["count"].as_i64())
    };
    assert_eq!(sum("dateFrom=2026-09-01&dateTo=2026-09-04"), (Some(13.75), Some(3)));
    assert_eq!(
        sum("dateFrom=2026-09-02&dateTo=2026-09-04&fields=id"),
        (Some(6.25), Some(2))
    );
    assert_eq!(
        sum("dateFrom=2026-09-01&dateTo=2026-09-04&count=1"),
        (Some(13.75), Some(1))
    );
    assert_eq!(
        sum("dateFrom=2026-09-01&dateTo=2026-09-04&sorting=-hours&count=1"),
        (Some(13.75), Some(1))
    );
    assert_eq!(sum("dateFrom=2027-01-01&dateTo=2027-01-02"), (Some(0.0), Some(0)));
}
