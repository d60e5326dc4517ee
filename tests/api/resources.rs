//! The data endpoints: a generic client's round trip on every resource, entitlement checks on
//! every operation, isolation between companies, validation, checksums.

use crate::helpers::{TestApp, basic, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use tripletex_sandbox::domain::resource::{FieldKind, Operation, ResourceDef, catalogue};

/// The list URL of a resource with every query argument the document requires for a list (only
/// date ranges so far; a wide one, so the list holds everything) and `query` after them.
pub fn list_url(def: &ResourceDef, query: &str) -> String {
    let mut arguments: Vec<String> = tripletex_sandbox::conformance::wide_list_arguments(def)
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    if !query.is_empty() {
        arguments.push(query.to_owned());
    }
    match arguments.is_empty() {
        true => format!("/v2/{}", def.path),
        false => format!("/v2/{}?{}", def.path, arguments.join("&")),
    }
}

fn give_kari_everything(app: &TestApp) {
    let reply = app.control(
        Method::PUT,
        "/_sandbox/people/5001/access",
        None,
        Some(json!({"entitlements": ["ALL_PRIVILEGES"]})),
    );
    assert_eq!(reply.status, 200);
}

/// The least body a generic client sends to create one: every required field with a value, and
/// what Tripletex itself needs beyond the schema (order lines, balanced postings, orders to invoice).
fn minimal_body(app: &TestApp, session: &str, def: &ResourceDef) -> Value {
    let first = |path: &str| {
        let url = catalogue().unwrap().iter().find(|d| d.path == path).map_or_else(
            || format!("/v2/{path}?count=1&fields=id"),
            |d| list_url(d, "count=1&fields=id"),
        );
        app.get_as("0", session, &url).body["values"][0]["id"].clone()
    };
    let mut body = serde_json::Map::new();
    for name in def.required.iter().map(|r| &r.field) {
        let field = &def.fields[name];
        let value = match field.kind {
            FieldKind::String => match (&field.allowed, field.format.as_deref()) {
                (Some(allowed), _) => json!(allowed[0]),
                (None, Some("date")) => json!("2026-01-15"),
                (None, _) => json!(format!("Test {name} {}", def.path)),
            },
            FieldKind::Integer | FieldKind::Number => json!(4242),
            FieldKind::Boolean => json!(true),
            FieldKind::Ref => json!({"id": first(field.resource.as_deref().unwrap())}),
            FieldKind::Lines | FieldKind::Object | FieldKind::Array => continue,
        };
        body.insert(name.clone(), value);
    }
    match def.path.as_str() {
        "order" => {
            body.insert(
                "orderLines".into(),
                json!([{"product": {"id": first("product")}, "count": 2, "unitPriceExcludingVatCurrency": 100, "vatType": {"id": 3}}]),
            );
        }
        "ledger/voucher" => {
            let accounts = app.get_as("0", session, "/v2/ledger/account?count=2&fields=id").body["values"].clone();
            body.insert(
                "postings".into(),
                json!([
                    {"row": 1, "date": "2026-01-15", "account": {"id": accounts[0]["id"]}, "amountGross": 100, "amountGrossCurrency": 100},
                    {"row": 2, "date": "2026-01-15", "account": {"id": accounts[1]["id"]}, "amountGross": -100, "amountGrossCurrency": -100}
                ]),
            );
        }
        "invoice" => {
            let order_def = catalogue().unwrap().iter().find(|d| d.path == "order").unwrap();
            let order = app.call_as(
                Method::POST,
                "0",
                session,
                "/v2/order",
                Some(&minimal_body(app, session, order_def)),
            );
            assert_eq!(order.status, 201, "an order to invoice: {}", order.body);
            body.insert("orders".into(), json!([{"id": order.body["value"]["id"]}]));
        }
        _ => {}
    }
    Value::Object(body)
}

/// A plain text field a client may change on update.
fn editable_text(def: &ResourceDef) -> String {
    def.required
        .iter()
        .map(|r| &r.field)
        .chain(def.fields.keys())
        .find(|f| {
            let field = &def.fields[*f];
            field.kind == FieldKind::String
                && field.allowed.is_none()
                && field.format.is_none()
                && !field.read_only
                && def.number.as_ref().is_none_or(|n| n.field != **f)
                && *f != "displayName"
        })
        .cloned()
        .expect("a text field")
}

/// An existing object of the resource: the first listed, or a new one.
fn existing(app: &TestApp, session: &str, def: &ResourceDef) -> i64 {
    let listed = app.get_as("0", session, &list_url(def, "count=1&fields=id"));
    if let Some(id) = listed.body["values"][0]["id"].as_i64() {
        return id;
    }
    let created = app.call_as(
        Method::POST,
        "0",
        session,
        &format!("/v2/{}", def.path),
        Some(&minimal_body(app, session, def)),
    );
    assert_eq!(created.status, 201, "creating a {}: {}", def.path, created.body);
    created.body["value"]["id"].as_i64().unwrap()
}

/// Resources a client can create: by the generic POST, or by POST /invoice from orders.
fn creatable(def: &ResourceDef) -> bool {
    def.allows(Operation::Create) || def.path == "invoice"
}

#[test]
fn a_generic_client_round_trips_every_resource() {
    let app = spawn_app();
    give_kari_everything(&app);
    let session = app.session_for(&app.credential(false));
    for def in catalogue().unwrap().iter().filter(|d| d.hand_kept && !d.embedded) {
        let collection = format!("/v2/{}", def.path);
        let listed = app.get_as("0", &session, &list_url(def, ""));
        assert_eq!(listed.status, 200, "list {}: {}", def.path, listed.body);
        let first = existing(&app, &session, def);
        assert_eq!(
            app.get_as("0", &session, &format!("{collection}/{first}")).status,
            200,
            "get {}",
            def.path
        );
        if !creatable(def) {
            let refused = app.call_as(Method::POST, "0", &session, &collection, Some(&json!({})));
            assert_eq!(refused.status, 400, "{} has no POST: {}", def.path, refused.body);
            continue;
        }
        let body = minimal_body(&app, &session, def);
        let created = app.call_as(Method::POST, "0", &session, &collection, Some(&body));
        assert_eq!(created.status, 201, "create {}: {}", def.path, created.body);
        let id = created.body["value"]["id"].as_i64().unwrap();
        let item = format!("{collection}/{id}");
        let read = app.get_as("0", &session, &item);
        let mut answered = created.body["value"].clone();
        if def.create_shows_lines {
            // The create answer shows the lines whole (as recorded); reads show them as stubs.
            for (name, field) in &def.fields {
                if let (FieldKind::Lines, Some(Value::Array(lines))) = (field.kind, answered.get_mut(name)) {
                    for line in lines.iter_mut() {
                        *line = json!({"id": line["id"], "url": line["url"]});
                    }
                }
            }
        }
        assert_eq!(read.body["value"], answered, "read back {}", def.path);
        if def.allows(Operation::Update) {
            let name = editable_text(def);
            let version = read.body["value"]["version"].clone();
            let updated = app.call_as(
                Method::PUT,
                "0",
                &session,
                &item,
                Some(&json!({&name: "Endret", "version": version})),
            );
            assert_eq!(updated.status, 200, "update {}: {}", def.path, updated.body);
            assert_eq!(updated.body["value"][&name], "Endret");
            assert_eq!(updated.body["value"]["version"], version.as_i64().unwrap() + 1);
            let stale = app.call_as(
                Method::PUT,
                "0",
                &session,
                &item,
                Some(&json!({&name: "Igjen", "version": version})),
            );
            assert_eq!(
                (stale.status, stale.body["code"].as_i64()),
                (409, Some(8000)),
                "stale version on {}",
                def.path
            );
        }
        if def.allows(Operation::Delete) {
            assert_eq!(
                app.call_as(Method::DELETE, "0", &session, &item, None).status,
                204,
                "delete {}",
                def.path
            );
            assert_eq!(app.get_as("0", &session, &item).status, 404, "{} is gone", def.path);
        }
    }
}

#[test]
fn every_operation_needs_the_resources_entitlement() {
    let app = spawn_app();
    give_kari_everything(&app);
    let full = app.session_for(&app.credential(false));
    for def in catalogue().unwrap().iter().filter(|d| d.hand_kept && !d.embedded) {
        let Some(entitlement) = def.entitlement.map(|e| e.name()) else {
            continue;
        };
        let other = if entitlement == "AUTH_COMPANY_INFO" {
            "AUTH_HOURLIST"
        } else {
            "AUTH_COMPANY_INFO"
        };
        let holding = app.session_with_accesses(&[entitlement]);
        let lacking = app.session_with_accesses(&[other]);
        let collection = format!("/v2/{}", def.path);
        let item = format!("{collection}/{}", existing(&app, &full, def));
        let mut operations = vec![
            (Method::GET, list_url(def, ""), None),
            (Method::GET, item.clone(), None),
        ];
        if creatable(def) {
            operations.push((Method::POST, collection.clone(), Some(minimal_body(&app, &full, def))));
        }
        if def.allows(Operation::Update) {
            operations.push((Method::PUT, item.clone(), Some(json!({}))));
        }
        for (method, path, body) in &operations {
            let refused = app.call_as(method.clone(), "0", &lacking, path, body.as_ref());
            assert_eq!(
                (refused.status, refused.body["code"].as_i64()),
                (403, Some(9000)),
                "{method} {path} without {entitlement}"
            );
            assert!(refused.body["developerMessage"].as_str().unwrap().contains(entitlement));
            let allowed = app.call_as(method.clone(), "0", &holding, path, body.as_ref());
            assert!(
                allowed.status < 300,
                "{method} {path} with {entitlement}: {}",
                allowed.body
            );
        }
        if def.allows(Operation::Delete) {
            assert_eq!(
                app.call_as(Method::DELETE, "0", &lacking, &item, None).status,
                403,
                "DELETE {item}"
            );
            assert_eq!(
                app.call_as(Method::DELETE, "0", &holding, &item, None).status,
                204,
                "DELETE {item}"
            );
        }
    }
}

#[test]
fn an_office_key_acting_as_one_client_never_sees_anothers_data() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(true));
    let created = app.call_as(
        Method::POST,
        "2101",
        &session,
        "/v2/customer",
        Some(&json!({"name": "Bare Havbris"})),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["value"]["id"].as_i64().unwrap();
    let in_a = app.get_as("2101", &session, "/v2/customer?fields=id").body["values"].clone();
    let in_b = app.get_as("2102", &session, "/v2/customer?fields=id").body["values"].clone();
    assert!(in_a.as_array().unwrap().contains(&json!({"id": id})));
    assert!(!in_b.as_array().unwrap().contains(&json!({"id": id})));
    assert_eq!(app.get_as("2102", &session, &format!("/v2/customer/{id}")).status, 404);
    assert_eq!(
        app.call_as(
            Method::PUT,
            "2102",
            &session,
            &format!("/v2/customer/{id}"),
            Some(&json!({"name": "x"}))
        )
        .status,
        404
    );
    assert_eq!(
        app.call_as(Method::DELETE, "2102", &session, &format!("/v2/customer/{id}"), None)
            .status,
        404
    );
    let bakery = app.session_for(&app.credential(false));
    assert_eq!(app.get_as("0", &bakery, &format!("/v2/customer/{id}")).status, 404);
}

#[test]
fn bad_bodies_get_the_real_validation_errors() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let unknown = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": "A", "startDate": "2020-01-01"})),
    );
    assert_eq!((unknown.status, unknown.body["code"].as_i64()), (422, Some(18000)));
    assert_eq!(
        unknown.body["validationMessages"][0],
        json!({"field": "startDate", "message": "Feltet eksisterer ikke i objektet.", "path": null, "rootId": null})
    );
    let wrong = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": ["A"]})),
    );
    assert_eq!(
        wrong.body["validationMessages"][0]["message"],
        "Verdien er ikke av korrekt type for dette feltet."
    );
    // A number sent for a text is read as its text, as the real API reads it.
    let number = app.call_as(Method::POST, "0", &session, "/v2/customer", Some(&json!({"name": 5})));
    assert_eq!(
        (number.status, number.body["value"]["name"].clone()),
        (201, json!("5")),
        "{}",
        number.body
    );
    let missing = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"email": "a@b.example"})),
    );
    assert_eq!(
        missing.body["validationMessages"][0],
        json!({"field": "name", "message": "Kan ikke være null.", "path": null, "rootId": null})
    );
    let dangling = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/product",
        Some(&json!({"name": "P", "currency": {"id": 999999}})),
    );
    assert_eq!(dangling.body["validationMessages"][0]["field"], "currency.id");
    let not_json = app.send(
        app.request(Method::POST, "/v2/customer")
            .header("Authorization", basic("0", &session))
            .header("Content-Type", "application/json")
            .body("{"),
    );
    assert_eq!((not_json.status, not_json.body["code"].as_i64()), (422, Some(22000)));
    let not_object = app.call_as(Method::POST, "0", &session, "/v2/customer", Some(&json!([1, 2])));
    assert_eq!(not_object.status, 422);
    let huge = app.get_as("0", &session, "/v2/ledger/account?count=999999");
    assert_eq!((huge.status, huge.body["code"].as_i64()), (422, Some(23000)));
    let bad_id = app.get_as("0", &session, "/v2/customer/abc");
    assert_eq!((bad_id.status, bad_id.body["code"].as_i64()), (400, Some(12000)));
}

#[test]
fn numbering_defaults_and_filters_work_like_tripletex() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let created = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": "Nummer Test"})),
    );
    let value = &created.body["value"];
    let number = value["customerNumber"].as_i64().unwrap();
    assert!(number > 10000);
    assert_eq!(value["displayName"], format!("Nummer Test ({number})"));
    assert_eq!(value["invoicesDueIn"], 14);
    assert_eq!(value["currency"]["id"], 1);
    let found = app.get_as("0", &session, "/v2/customer?customerName=nummer&fields=id");
    assert_eq!(found.body["values"], json!([{"id": value["id"]}]));
    let account = app.get_as("0", &session, "/v2/ledger/account?number=1920&fields=number,name");
    assert_eq!(account.body["values"][0]["number"], 1920);
    let expanded = app.get_as(
        "0",
        &session,
        &format!("/v2/customer/{}?fields=name,currency(code)", value["id"]),
    );
    assert_eq!(
        expanded.body["value"],
        json!({"name": "Nummer Test", "currency": {"code": "NOK"}})
    );
}

/// A create's number is the highest the company holds now plus one, through runs of creates
/// (whose lookup the store remembers), the highest deleted or renumbered lower between them, and
/// the seed customers' numbers among them.
#[test]
fn a_created_customer_gets_the_next_number_after_deletes_and_renumbering() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let highest = || app.highest_customer_number(&session);
    let create = |name: &str| {
        let created = app.call_as(
            Method::POST,
            "0",
            &session,
            "/v2/customer",
            Some(&json!({ "name": name })),
        );
        assert_eq!(created.status, 201, "{}", created.body);
        created.body["value"].clone()
    };
    let seeded = highest();
    let first = create("Første AS");
    let second = create("Andre AS");
    assert_eq!(first["customerNumber"], seeded + 1);
    assert_eq!(second["customerNumber"], seeded + 2);
    let item = format!("/v2/customer/{}", second["id"]);
    assert_eq!(app.call_as(Method::DELETE, "0", &session, &item, None).status, 204);
    assert_eq!(
        create("Tredje AS")["customerNumber"],
        seeded + 2,
        "the deleted highest is free again"
    );
    let renumbered = app.call_as(
        Method::PUT,
        "0",
        &session,
        &format!("/v2/customer/{}", first["id"]),
        Some(&json!({ "customerNumber": seeded + 50 })),
    );
    assert_eq!(renumbered.status, 200, "{}", renumbered.body);
    let fourth = create("Fjerde AS");
    assert_eq!(fourth["customerNumber"], seeded + 51);
    let lowered = app.call_as(
        Method::PUT,
        "0",
        &session,
        &format!("/v2/customer/{}", fourth["id"]),
        Some(&json!({ "customerNumber": 2 })),
    );
    assert_eq!(lowered.status, 200, "{}", lowered.body);
    assert_eq!(highest(), seeded + 50);
    assert_eq!(
        create("Femte AS")["customerNumber"],
        seeded + 51,
        "the highest renumbered lower"
    );
}

#[test]
fn if_none_match_gives_a_checksum_and_304_when_unchanged() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let first = app.send(
        app.request(Method::GET, "/v2/customer")
            .header("Authorization", basic("0", &session))
            .header("If-None-Match", "0"),
    );
    let digest = first.body["versionDigest"].as_str().unwrap().to_owned();
    assert_ne!(digest, "'If-None-Match' header not specified");
    let again = app.send(
        app.request(Method::GET, "/v2/customer")
            .header("Authorization", basic("0", &session))
            .header("If-None-Match", &digest),
    );
    assert_eq!(again.status, 304);
    app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": "Endring"})),
    );
    let changed = app.send(
        app.request(Method::GET, "/v2/customer")
            .header("Authorization", basic("0", &session))
            .header("If-None-Match", &digest),
    );
    assert_eq!(changed.status, 200);
    assert_ne!(changed.body["versionDigest"].as_str().unwrap(), digest);
}

#[test]
fn a_filter_value_of_the_wrong_type_is_a_422_naming_the_argument() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    for (path, argument) in [
        ("/v2/customer?isInactive=banana", "isInactive"),
        ("/v2/customer?id=1,x", "id"),
        ("/v2/customer?accountManagerId=me", "accountManagerId"),
        ("/v2/employee?includeContacts=yes", "includeContacts"),
        ("/v2/activity?isInactive=1", "isInactive"),
    ] {
        let refused = app.get_as("0", &session, path);
        assert_eq!(
            (refused.status, refused.body["code"].as_i64()),
            (422, Some(21000)),
            "{path}: {}",
            refused.body
        );
        assert_eq!(
            refused.body["validationMessages"][0]["field"],
            format!("arg:{argument}"),
            "{path}"
        );
    }
    for path in [
        "/v2/customer?isInactive=TRUE",
        "/v2/customer?id=1, 2",
        "/v2/customer?isInactive=",
    ] {
        assert_eq!(app.get_as("0", &session, path).status, 200, "{path}");
    }
}

/// The id of the company's ledger account with `number`.
fn account_id(app: &TestApp, session: &str, number: u32) -> Value {
    let found = app.get_as("0", session, &format!("/v2/ledger/account?number={number}&fields=id"));
    assert_eq!(found.status, 200, "{}", found.body);
    found.body["values"][0]["id"].clone()
}

#[test]
fn the_recorded_real_voucher_request_is_booked_with_its_descriptions() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    // The body Tripletex answered 201 to (recorded create-ledger-voucher), with this company's
    // ids for the same accounts (1920 Bankinnskudd, 6800 Kontorrekvisita).
    let (bank, supplies) = (account_id(&app, &session, 1920), account_id(&app, &session, 6800));
    let body = json!({
        "date": "2024-01-15",
        "description": "Test ledger voucher amountGross",
        "postings": [
            {"account": {"id": bank}, "amount": 100, "description": "Bank deposit debit"},
            {"account": {"id": supplies}, "amount": -100, "description": "Office supplies credit"}
        ]
    });
    let booked = app.call_as(Method::POST, "0", &session, "/v2/ledger/voucher", Some(&body));
    assert_eq!(booked.status, 201, "{}", booked.body);
    let value = &booked.body["value"];
    assert_eq!(value["description"], "Test ledger voucher amountGross");
    assert_eq!(value["date"], "2024-01-15");
    // Lines render as {id,url} by default here (the recording shows them whole); ask for them.
    let read = app.get_as(
        "0",
        &session,
        &format!(
            "/v2/ledger/voucher/{}?fields=description,postings(description,amount,account)",
            value["id"]
        ),
    );
    assert_eq!(read.status, 200, "{}", read.body);
    let postings = read.body["value"]["postings"].as_array().unwrap().clone();
    assert_eq!(postings.len(), 2, "{}", read.body);
    assert_eq!(postings[0]["description"], "Bank deposit debit");
    assert_eq!(postings[0]["account"]["id"], bank);
    assert_eq!(postings[0]["amount"].as_f64(), Some(100.0));
    assert_eq!(postings[1]["description"], "Office supplies credit");
    assert_eq!(postings[1]["amount"].as_f64(), Some(-100.0));
    // The recorded list call (list-ledger-vouchers) finds it by its date range.
    let listed = app.get_as(
        "0",
        &session,
        "/v2/ledger/voucher?dateFrom=2024-01-01&dateTo=2026-12-31&fields=id,description",
    );
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(
        listed.body["values"],
        json!([{"id": value["id"], "description": "Test ledger voucher amountGross"}])
    );
}

#[test]
fn the_recorded_customer_update_of_its_description_is_accepted() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let customer = app.get_as("0", &session, "/v2/customer?count=1&fields=id,version").body["values"][0].clone();
    let (id, version) = (customer["id"].as_i64().unwrap(), customer["version"].as_i64().unwrap());
    // The body of the recorded PUT /customer/{id} (update-customer): id, version, description.
    let body = json!({"id": id, "version": version, "description": "Updated via Nango action"});
    let updated = app.call_as(Method::PUT, "0", &session, &format!("/v2/customer/{id}"), Some(&body));
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["value"]["description"], "Updated via Nango action");
    assert_eq!(updated.body["value"]["version"], version + 1);
    let read = app.get_as("0", &session, &format!("/v2/customer/{id}?fields=description"));
    assert_eq!(read.body["value"], json!({"description": "Updated via Nango action"}));
}

#[test]
fn description_is_a_field_of_every_resource_the_document_gives_one() {
    // The earlier copy of the document had lost every field named description; these are the
    // emulated models that have one in the official schema.
    for path in [
        "customer",
        "supplier",
        "product",
        "activity",
        "ledger/account",
        "currency",
        "ledger/voucher",
        "ledger/posting",
        "order/orderline",
        "project",
    ] {
        let def = catalogue().unwrap().iter().find(|d| d.path == path).unwrap();
        assert_eq!(def.fields["description"].kind, FieldKind::String, "{path}");
        assert_eq!(def.template["description"], "", "{path} starts without one");
    }
    let app = spawn_app();
    give_kari_everything(&app);
    let session = app.session_for(&app.credential(false));
    for (path, body) in [
        (
            "/v2/customer",
            json!({"name": "Med beskrivelse", "description": "Kunde med notat"}),
        ),
        (
            "/v2/supplier",
            json!({"name": "Med beskrivelse", "description": "Leverandør med notat"}),
        ),
        (
            "/v2/product",
            json!({"name": "Med beskrivelse", "description": "Produkt med notat"}),
        ),
        (
            "/v2/activity",
            json!({"name": "Med beskrivelse", "activityType": "GENERAL_ACTIVITY", "description": "Aktivitet med notat"}),
        ),
    ] {
        let created = app.call_as(Method::POST, "0", &session, path, Some(&body));
        assert_eq!(created.status, 201, "{path}: {}", created.body);
        assert_eq!(created.body["value"]["description"], body["description"], "{path}");
    }
    let nok = app.get_as("0", &session, "/v2/currency?code=NOK&fields=code,description");
    assert_eq!(nok.body["values"], json!([{"code": "NOK", "description": "Norge"}]));
}

#[test]
fn a_new_customer_or_supplier_is_booked_against_its_recorded_ledger_account() {
    let app = spawn_app();
    give_kari_everything(&app);
    let session = app.session_for(&app.credential(false));
    // Recorded create-customer / create-supplier: the new object points at 1500 Kundefordringer
    // and 2400 Leverandørgjeld unless the body names an account.
    for (path, number) in [("/v2/customer", 1500), ("/v2/supplier", 2400)] {
        let created = app.call_as(Method::POST, "0", &session, path, Some(&json!({"name": "Ny"})));
        assert_eq!(created.status, 201, "{path}: {}", created.body);
        let account = &created.body["value"]["ledgerAccount"];
        assert_eq!(account["id"], account_id(&app, &session, number), "{path}");
        assert!(account["url"].as_str().unwrap().contains("/ledger/account/"), "{path}");
    }
    let bank = account_id(&app, &session, 1920);
    let named = app.call_as(
        Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": "Egen konto", "ledgerAccount": {"id": bank}})),
    );
    assert_eq!(named.body["value"]["ledgerAccount"]["id"], bank);
}

/// A customer's or supplier's addresses are kept: `{id, url}` by default, whole where `fields`
/// selects into them; a PUT changes the lines and keeps the id; a field the model lacks is refused.
#[test]
fn a_customers_and_suppliers_addresses_are_kept_and_shown_whole_on_request() {
    let app = spawn_app();
    give_kari_everything(&app);
    let session = app.session_for(&app.credential(false));
    for path in ["/v2/customer", "/v2/supplier"] {
        let body = json!({"name": "Adresse AS", "postalAddress": {"addressLine1": "Storgata 97", "postalCode": "5003", "city": "Bergen"}});
        let created = app.call_as(Method::POST, "0", &session, path, Some(&body));
        assert_eq!(created.status, 201, "{path}: {}", created.body);
        let value = &created.body["value"];
        let postal = value["postalAddress"]["id"].as_i64().expect("an address id");
        assert_eq!(
            value["postalAddress"],
            json!({"id": postal, "url": format!("{}/v2/address/{postal}", app.base())}),
            "{path}: a stub by default"
        );
        let id = value["id"].as_i64().unwrap();
        let whole = app.get_as(
            "0",
            &session,
            &format!("{path}/{id}?fields=postalAddress(*),physicalAddress(*)"),
        );
        let address = &whole.body["value"]["postalAddress"];
        assert_eq!(address["id"], postal, "{path}");
        assert_eq!(address["addressLine1"], "Storgata 97", "{path}");
        assert_eq!(address["addressLine2"], "", "{path}");
        assert_eq!(address["country"]["id"], 161, "{path}");
        assert_eq!(address["addressAsString"], "Storgata 97, 5003 Bergen, Norge", "{path}");
        assert_eq!(
            address["displayName"], "Adresse AS, Storgata 97, 5003 Bergen, Norge",
            "{path}"
        );
        let physical = &whole.body["value"]["physicalAddress"];
        assert_eq!(
            (physical["addressLine1"].as_str(), physical["addressAsString"].as_str()),
            (Some(""), Some("Norway"))
        );
        let moved = json!({"postalAddress": {"id": postal, "city": "Oslo", "postalCode": "0150"}});
        let updated = app.call_as(Method::PUT, "0", &session, &format!("{path}/{id}"), Some(&moved));
        assert_eq!(updated.status, 200, "{path}: {}", updated.body);
        let read = app.get_as(
            "0",
            &session,
            &format!("{path}/{id}?fields=postalAddress(id,addressLine1,city)"),
        );
        assert_eq!(
            read.body["value"]["postalAddress"],
            json!({"id": postal, "addressLine1": "Storgata 97", "city": "Oslo"}),
            "{path}"
        );
        let unknown = json!({"postalAddress": {"street": "Storgata"}});
        let refused = app.call_as(Method::PUT, "0", &session, &format!("{path}/{id}"), Some(&unknown));
        assert_eq!(refused.status, 422, "{path}: {}", refused.body);
        assert_eq!(
            refused.body["validationMessages"][0]["field"], "postalAddress.street",
            "{path}"
        );
    }
}

/// Seeded ledger accounts carry the VAT type and lock a fresh company's accounts were recorded with
/// (`GET /ledger/account?number=…&fields=id,number,vatLocked,vatType(id,number)`).
#[test]
fn seeded_accounts_carry_their_recorded_vat_type_and_lock() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    for (number, vat_id, vat_number, locked) in [
        (1920, 0, "0", true),
        (6000, 0, "0", true),
        (6800, 1, "1", false),
        (7140, 12, "13", false),
    ] {
        let url = format!("/v2/ledger/account?number={number}&fields=number,vatLocked,vatType(id,number)");
        let reply = app.get_as("0", &session, &url);
        assert_eq!(reply.status, 200, "{number}: {}", reply.body);
        assert_eq!(
            reply.body["values"][0],
            json!({"number": number, "vatLocked": locked, "vatType": {"id": vat_id, "number": vat_number}}),
            "{number}"
        );
    }
    let unrecorded = app.get_as("0", &session, "/v2/ledger/account?number=3000&fields=vatType");
    assert_eq!(
        unrecorded.body["values"][0]["vatType"],
        Value::Null,
        "{}",
        unrecorded.body
    );
}

/// `DELETE /contact/list?ids=…` (recorded 204): all of them, or none when one is unknown; the
/// argument is required.
#[test]
fn contacts_are_deleted_by_a_list_of_ids() {
    let app = spawn_app();
    let session = app.session_for(&app.credential(false));
    let contacts = app.get_as("0", &session, "/v2/contact?fields=id");
    let id = contacts.body["values"][0]["id"].as_i64().expect("a seeded contact");
    let missing = app.call_as(Method::DELETE, "0", &session, "/v2/contact/list", None);
    assert_eq!(
        (missing.status, missing.body["code"].as_i64()),
        (422, Some(15000)),
        "{}",
        missing.body
    );
    let unknown = app.call_as(
        Method::DELETE,
        "0",
        &session,
        &format!("/v2/contact/list?ids={id},987654321"),
        None,
    );
    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(
        app.get_as("0", &session, &format!("/v2/contact/{id}")).status,
        200,
        "none deleted"
    );
    let deleted = app.call_as(
        Method::DELETE,
        "0",
        &session,
        &format!("/v2/contact/list?ids={id}"),
        None,
    );
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(app.get_as("0", &session, &format!("/v2/contact/{id}")).status, 404);
}

#[test]
fn a_number_another_product_holds_is_refused_on_update_too() {
    let app = spawn_app();
    let session = app.session_with_everything();
    let create = |number: &str| {
        let made = app.call_as(
            Method::POST,
            "0",
            &session,
            "/v2/product",
            Some(&json!({"name": format!("Vare {number}"), "number": number})),
        );
        assert_eq!(made.status, 201, "{}", made.body);
        made.body["value"].clone()
    };
    let first = create("U-1");
    let second = create("U-2");
    let update = |product: &Value, body: Value| {
        app.call_as(
            Method::PUT,
            "0",
            &session,
            &format!("/v2/product/{}", product["id"]),
            Some(&body),
        )
    };
    let taken = update(&second, json!({"number": "U-1"}));
    assert_eq!(
        (taken.status, taken.body["validationMessages"][0]["field"].as_str()),
        (422, Some("number")),
        "{}",
        taken.body
    );
    let kept = update(&first, json!({"number": "U-1", "name": "Omdøpt vare"}));
    assert_eq!(kept.status, 200, "a product keeps its own number: {}", kept.body);
    let moved = update(&second, json!({"number": "U-3"}));
    assert_eq!(moved.status, 200, "{}", moved.body);
}
