//! The default fields written straight from stored JSON against the general path that renders
//! values, and the store's list filters against the filters tested one object at a time.

use crate::actions::object_json::{self, RawBody, write_object};
use crate::actions::read::list_page_as_read;
use crate::actions::search::{matches, object_filters};
use crate::actions::views::render_object;
use crate::actions::written::stored_text;
use crate::domain::resource::{self, ResourceDef, Scope};
use crate::sandbox::Sandbox;
use crate::store::{Db, StoredObject};
use crate::wire::envelope::{ListParams, ListQuery};
use crate::wire::fields::FieldFilter;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The general path: render every field, then apply the default `fields`.
/// The general path: render every field, then apply the default `fields`; compared as bytes.
fn general(def: &ResourceDef, base: &str, object: &StoredObject, db: &Db<'_>) -> String {
    let value = render_object(def, base, object, &FieldFilter::everything(), db, object.company_id).unwrap();
    serde_json::to_string(&FieldFilter::everything().apply(value, &def.model).unwrap()).unwrap()
}

fn direct(def: &ResourceDef, base: &str, object: &StoredObject) -> String {
    let text = crate::store::json_text(&object.body);
    let mut out = Vec::new();
    write_object(
        &mut out,
        def,
        base,
        object.id,
        object.version,
        &RawBody::parse(&text).unwrap(),
    );
    String::from_utf8(out).unwrap()
}

/// A page whose count of objects drifted from its rows (an edited database file, say)
/// still says how many values it holds, and every value is written whole.
#[test]
fn a_page_says_how_many_values_it_holds_where_the_counts_drifted_from_the_rows() {
    let sandbox = Sandbox::of_default_scenario();
    let def = resource::find("customer").unwrap();
    let params = ListParams::parse(&ListQuery {
        count: Some("1000".into()),
        ..ListQuery::default()
    })
    .unwrap();
    let page = |db: &Db<'_>, company: i64| -> Value {
        let body = list_page_as_read(def, "b", db, company, &[], &params).unwrap();
        serde_json::from_slice(&body).unwrap()
    };
    sandbox
        .store()
        .with(|db| {
            let company = db.companies()?[0].company.id;
            let held = db.objects("customer", company)?.len();
            assert!(held > 0, "the default scenario's first company has customers");
            let before = page(db, company);
            assert_eq!(
                (before["fullResultSize"].as_u64(), before["count"].as_u64()),
                (Some(held as u64), Some(held as u64))
            );
            db.conn().execute(
                "INSERT INTO object_counts(resource, company_id, inactive, n) VALUES ('customer', ?1, 0, 5)
                 ON CONFLICT(resource, company_id, inactive) DO UPDATE SET n = n + 5",
                [company],
            )?;
            let drifted = page(db, company);
            assert_eq!(
                drifted["fullResultSize"].as_u64(),
                Some(held as u64 + 5),
                "the count as stored"
            );
            assert_eq!(
                drifted["count"].as_u64(),
                Some(held as u64),
                "the values the page holds"
            );
            assert_eq!(drifted["values"], before["values"]);
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
}

#[test]
fn the_default_fields_written_straight_equal_the_general_path() {
    let sandbox = Sandbox::of_default_scenario();
    let base = "127.0.0.1:1/sb/x/v2";
    let mut compared = 0;
    sandbox
        .store()
        .with(|db| {
            let companies: Vec<i64> = db.companies()?.iter().map(|c| c.company.id).chain([0]).collect();
            for def in resource::catalogue().unwrap() {
                for company in &companies {
                    for object in db.objects(&def.path, *company)? {
                        let general = general(def, base, &object, db);
                        assert_eq!(direct(def, base, &object), general, "{}", def.path);
                        // The stored view, with a base put in, is the same text again.
                        let (text, view) = stored_text(def, &object);
                        assert_eq!(text, crate::store::json_text(&object.body), "{} body", def.path);
                        assert_eq!(
                            Some(view.as_str()),
                            object_json::default_view(def, object.id, object.version, &text).as_deref(),
                            "{} view made in one pass",
                            def.path
                        );
                        let mut put_in = Vec::new();
                        object_json::write_view(&mut put_in, &view, base);
                        assert_eq!(String::from_utf8(put_in).unwrap(), general, "{} view", def.path);
                        compared += 1;
                    }
                }
            }
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
    assert!(compared > 100, "only {compared} seeded objects compared");
}

#[test]
fn list_filters_in_the_store_select_what_the_general_path_selects() {
    let sandbox = Sandbox::of_default_scenario();
    let customer = resource::find("customer").unwrap();
    sandbox
        .store()
        .with(|db| {
            // Odd values on purpose: non-ASCII case, null, a float reference id, a number.
            let mut odd = db.objects("customer", 1001)?.remove(0);
            odd.body.insert("name".into(), json!("ØSTLANDET İnc"));
            odd.body.insert("email".into(), Value::Null);
            odd.body.insert("accountManager".into(), json!({"id": 5001.0}));
            odd.body.insert("phoneNumberMobile".into(), json!(4790));
            db.update_object("customer", &odd)?;
            let queries: &[&[(&str, &str)]] = &[
                &[],
                &[("isInactive", "")],
                &[("isInactive", "TRUE")],
                &[("isInactive", "no")],
                &[("customerName", "østland")],
                &[("customerName", "i̇nc")],
                &[("customerName", "KUNDE")],
                &[("email", "null")],
                &[("email", "POST@kunde.example")],
                &[("phoneNumberMobile", "4790")],
                &[("accountManagerId", "5001")],
                &[("id", &format!("{}, x, 1", odd.id))],
                &[("id", "x")],
                &[("organizationNumber", ""), ("customerName", "a")],
            ];
            let mut found = Vec::new();
            let mut defs: Vec<&ResourceDef> = resource::catalogue().unwrap().iter().collect();
            defs.sort_by_key(|d| d.path != "customer");
            for def in defs {
                let company = if def.scope == Scope::Global { 0 } else { 1001 };
                for query in queries {
                    let query: HashMap<String, String> =
                        query.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
                    let general: Vec<i64> = db
                        .objects(&def.path, company)?
                        .iter()
                        .filter(|o| matches(def, o.id, |f| o.body.get(f).cloned(), &query))
                        .map(|o| o.id)
                        .collect();
                    let filters = object_filters(def, &query);
                    let stored: Vec<i64> = db
                        .object_page(&def.path, company, &filters, (0, 0), true)?
                        .matched
                        .iter()
                        .map(|(id, _)| *id)
                        .collect();
                    assert_eq!(stored, general, "{} {query:?}", def.path);
                    let paged = db.object_page(&def.path, company, &filters, (1, 2), false)?;
                    let page: Vec<i64> = paged.page.iter().map(|o| o.id).collect();
                    assert_eq!(paged.total, general.len(), "{} {query:?}", def.path);
                    assert_eq!(page, general.iter().skip(1).take(2).copied().collect::<Vec<_>>());
                    if def.path == "customer" {
                        found.push(general.len());
                    }
                }
            }
            // The odd customer is found by its non-ASCII name both ways, its null e-mail, its
            // number and its id; the float reference id matches neither way.
            assert_eq!(
                (found[4], found[5], found[7], found[9], found[10], found[11], found[12]),
                (1, 1, 1, 1, 0, 1, 0),
                "{found:?}"
            );
            assert!(found[0] > 1 && found[13] > 0 && found[3] == 0, "{found:?}");
            assert!(customer.filters.contains_key("customerName"));
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
}

#[test]
fn lines_references_and_nested_objects_render_the_same_both_ways() {
    let sandbox = Sandbox::of_default_scenario();
    let order = resource::find("order").unwrap();
    let body = json!({
        "customer": {"id": 3, "name": "ignored"},
        "contact": {"name": "no id"},
        "project": {"id": "7"},
        "department": {"id": 2.5},
        "ourContact": {"id": 18446744073709551615u64},
        "attn": {"id": null},
        "currency": null,
        "orderLines": [{"id": 5, "product": {"id": 7}, "count": 1.5}, {"description": "no id"}, 4],
        "orderGroups": [{"id": 9}, {"x": 1}, 3],
        "attachment": [{"id": 2, "url": "kept", "other": true}],
        "deliveryComment": "a \"quoted\" ø",
        "unknownNested": {"id": 11, "deep": {"id": 12}},
        "unknownList": [[{"id": 1}], {"id": 2, "url": "u"}],
        "a \"quoted\" key\u{1}": [[5], {"id": null}],
        "markInAValue": "before\u{1}after",
        "float": 1.0,
        "emptyObject": {},
    });
    let Value::Object(body) = body else { unreachable!() };
    let object = StoredObject {
        id: 42,
        company_id: 1001,
        version: 3,
        body,
        changes: vec![json!({"changeType": "CREATE"})],
    };
    sandbox
        .store()
        .with(|db| {
            let general = general(order, "h/v2", &object, db);
            assert_eq!(direct(order, "h/v2", &object), general);
            // The body and view a write stores, made in one pass, say the same.
            let (text, view) = stored_text(order, &object);
            assert_eq!(text, crate::store::json_text(&object.body));
            assert_eq!(
                Some(view.as_str()),
                object_json::default_view(order, object.id, object.version, &text).as_deref()
            );
            let mut put_in = Vec::new();
            object_json::write_view(&mut put_in, &view, "h/v2");
            assert_eq!(String::from_utf8(put_in).unwrap(), general);
            Ok::<_, rusqlite::Error>(())
        })
        .unwrap();
}
