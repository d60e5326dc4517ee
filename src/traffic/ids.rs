//! The ids of a recorded run mapped to ours: what a real answer named stands for what our
//! answer to the same call named at the same place, and requests are rewritten with it.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// Ids under this are the real API's shared reference data (VAT types, currencies, countries),
/// the same in every company; an id of a company's own object is far larger.
const SHARED_BELOW: i64 = 10_000;

/// Fields that name a listed object more surely than its place in the list.
const MATCH_KEYS: &[&str] = &["number", "code", "name", "description", "displayName", "email"];

/// Real ids of one run and ours.
#[derive(Debug, Default)]
pub struct IdMap {
    ours: HashMap<i64, i64>,
    /// Real ids a real answer named, with the call that named them first.
    seen: HashMap<i64, Seen>,
}

/// The call whose real answer first named an id.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    /// The call's place in its run.
    pub index: usize,
    /// Whether that call's real answer rests on earlier state.
    pub depends: bool,
}

impl IdMap {
    /// Pairs the ids of a real answer with ours at the same places: object fields by name, list
    /// items by a shared `number`, `name`, … or else (items carrying only ids) by position.
    pub fn learn(&mut self, real: &Value, ours: &Value) {
        match (real, ours) {
            (Value::Object(r), Value::Object(o)) => {
                if let (Some(rid), Some(oid)) = (id_of(r.get("id")), id_of(o.get("id"))) {
                    self.ours.entry(rid).or_insert(oid);
                }
                for (key, child) in r {
                    if let Some(other) = o.get(key) {
                        self.learn(child, other);
                    }
                }
            }
            (Value::Array(r), Value::Array(o)) => {
                for (index, item) in r.iter().enumerate() {
                    if let Some(other) = counterpart(item, index, o) {
                        self.learn(item, other);
                    }
                }
            }
            _ => {}
        }
    }

    /// Remembers every id a real answer named, mapped or not, with the call that named it.
    pub fn saw(&mut self, by: &Seen, real: &Value) {
        match real {
            Value::Object(object) => {
                if let Some(id) = id_of(object.get("id")) {
                    self.seen.entry(id).or_insert_with(|| by.clone());
                }
                object.values().for_each(|child| self.saw(by, child));
            }
            Value::Array(items) => items.iter().for_each(|item| self.saw(by, item)),
            _ => {}
        }
    }

    /// Our id for a real one; shared reference ids and unknown ids are sent as they are.
    pub fn get(&self, real: i64) -> Option<i64> {
        self.ours.get(&real).copied()
    }

    /// The call whose real answer first named a real id, if one of this run did.
    pub fn seen_at(&self, real: i64) -> Option<&Seen> {
        self.seen.get(&real)
    }

    /// A numeric text with our id, and the real id when it names a company's object we have
    /// no counterpart for.
    fn text(&self, text: &str, unknown: &mut Vec<i64>) -> String {
        match text.trim().parse::<i64>() {
            Ok(real) => self.number(real, unknown).to_string(),
            Err(_) => text.to_owned(),
        }
    }

    fn number(&self, real: i64, unknown: &mut Vec<i64>) -> i64 {
        match self.get(real) {
            Some(ours) => ours,
            None => {
                if real >= SHARED_BELOW {
                    unknown.push(real);
                }
                real
            }
        }
    }

    /// The path with every numeric segment mapped.
    pub fn path(&self, path: &str, unknown: &mut Vec<i64>) -> String {
        path.split('/')
            .map(|segment| self.text(segment, unknown))
            .collect::<Vec<_>>()
            .join("/")
    }

    /// Query arguments with their id arguments (`id`, `ids`, `customerId`, comma lists) mapped.
    pub fn query(&self, params: &[(String, String)], unknown: &mut Vec<i64>) -> Vec<(String, String)> {
        params
            .iter()
            .map(|(name, value)| {
                let value = if names_ids(name) {
                    value
                        .split(',')
                        .map(|v| self.text(v, unknown))
                        .collect::<Vec<_>>()
                        .join(",")
                } else {
                    value.clone()
                };
                (name.clone(), value)
            })
            .collect()
    }

    /// A body with every `id`, `…Id` and `…Ids` value mapped, at any depth.
    pub fn body(&self, value: &Value, unknown: &mut Vec<i64>) -> Value {
        match value {
            Value::Object(object) => {
                let mapped: Map<String, Value> = object
                    .iter()
                    .map(|(key, child)| {
                        let child = if names_ids(key) {
                            self.ids_in(child, unknown)
                        } else {
                            self.body(child, unknown)
                        };
                        (key.clone(), child)
                    })
                    .collect();
                Value::Object(mapped)
            }
            Value::Array(items) => Value::Array(items.iter().map(|i| self.body(i, unknown)).collect()),
            other => other.clone(),
        }
    }

    fn ids_in(&self, value: &Value, unknown: &mut Vec<i64>) -> Value {
        match value {
            Value::Number(n) => n
                .as_i64()
                .map_or_else(|| value.clone(), |real| Value::from(self.number(real, unknown))),
            Value::String(text) => Value::String(self.text(text, unknown)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.ids_in(i, unknown)).collect()),
            other => self.body(other, unknown),
        }
    }
}

/// How many items of a real list have no counterpart in ours (see [`counterpart`]).
pub fn unmatched(real: &[Value], ours: &[Value]) -> usize {
    real.iter()
        .enumerate()
        .filter(|(index, item)| counterpart(item, *index, ours).is_none())
        .count()
}

/// `id`, `ids`, `customerId`, `voucherIds`: a name whose value is ids.
fn names_ids(name: &str) -> bool {
    name == "id" || name == "ids" || name.ends_with("Id") || name.ends_with("Ids")
}

fn id_of(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Our item that stands for a real list item: the one with the same value of the first
/// matching field the real item has, or, for an item with none, the one at the same place.
fn counterpart<'a>(item: &Value, index: usize, ours: &'a [Value]) -> Option<&'a Value> {
    let keyed = MATCH_KEYS.iter().find_map(|key| {
        item.get(*key)
            .filter(|v| !v.is_null() && !v.is_object())
            .map(|v| (*key, v))
    });
    match keyed {
        Some((key, wanted)) => ours.iter().find(|o| o.get(key) == Some(wanted)),
        None => ours.get(index),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_created_object_and_its_references_map_to_ours() {
        let mut ids = IdMap::default();
        ids.learn(
            &json!({"id": 401234567, "customer": {"id": 108265272}, "orderLines": [{"id": 55500001}]}),
            &json!({"id": 7, "customer": {"id": 3}, "orderLines": [{"id": 9}]}),
        );
        let mut unknown = Vec::new();
        assert_eq!(
            ids.path("/v2/order/401234567/:invoice", &mut unknown),
            "/v2/order/7/:invoice"
        );
        let query = ids.query(
            &[
                ("customerId".into(), "108265272".into()),
                ("count".into(), "401234567".into()),
            ],
            &mut unknown,
        );
        assert_eq!(query[0].1, "3");
        assert_eq!(query[1].1, "401234567", "only id arguments are mapped");
        let body = ids.body(
            &json!({"orders": [{"id": 401234567}], "voucherId": "55500001", "vatType": {"id": 3}}),
            &mut unknown,
        );
        assert_eq!(
            body,
            json!({"orders": [{"id": 7}], "voucherId": "9", "vatType": {"id": 3}})
        );
        assert!(unknown.is_empty());
    }

    #[test]
    fn listed_reference_data_maps_by_number_then_by_place() {
        let mut ids = IdMap::default();
        ids.learn(
            &json!({"values": [{"id": 290000001, "number": 1920}, {"id": 290000002, "number": 3000}]}),
            &json!({"values": [{"id": 30, "number": 3000}, {"id": 19, "number": 1920}]}),
        );
        ids.learn(&json!({"values": [{"id": 848848}]}), &json!({"values": [{"id": 1}]}));
        assert_eq!(ids.get(290000001), Some(19));
        assert_eq!(ids.get(290000002), Some(30));
        assert_eq!(ids.get(848848), Some(1));
    }

    #[test]
    fn an_id_no_answer_gave_us_a_counterpart_for_is_reported_unless_shared() {
        let ids = IdMap::default();
        let mut unknown = Vec::new();
        ids.body(
            &json!({"customer": {"id": 108265272}, "vatType": {"id": 3}}),
            &mut unknown,
        );
        assert_eq!(unknown, [108265272]);
    }
}
