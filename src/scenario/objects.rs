//! A world's `objects` section: the data objects that differ from the seed its companies start
//! with (created ones, changed and deleted seed objects), checked, installed and exported.

use super::format::{ObjectSpec, Objects, World};
use super::problem::Problem;
use crate::domain::resource::{self, Scope};
use crate::store::{Db, SeedAtHand, StoredObject};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashSet;

/// Everything wrong with an objects section, each at its JSON path with the fix.
pub fn check(objects: &Objects, world: &World) -> Vec<Problem> {
    let companies: HashSet<i64> = world.companies.iter().map(|c| c.id).collect();
    let mut problems = Vec::new();
    for (path, section) in objects {
        let at = format!("objects.{path}");
        let Some(def) = resource::find(path).filter(|d| !d.embedded) else {
            let message = match resource::find(path) {
                Some(_) => format!(
                    "{path} lives inside its parent's body (an order's orderLines, a voucher's postings); put it there"
                ),
                None => format!(
                    "unknown resource {path:?}; use a /v2 resource path: {}",
                    resource_paths()
                ),
            };
            problems.push(Problem { path: at, message });
            continue;
        };
        let mut stored = HashSet::new();
        for (i, spec) in section.stored.iter().enumerate() {
            let at = format!("{at}.stored[{i}]");
            let mut report = |path: String, message: String| problems.push(Problem { path, message });
            if spec.id <= 0 {
                report(format!("{at}.id"), "object ids must be positive".into());
            } else if !stored.insert(spec.id) {
                report(
                    format!("{at}.id"),
                    format!("{path} id {} is used twice; give each object its own id", spec.id),
                );
            }
            check_stored(&mut problems, (&at, path), def, spec, &companies);
        }
        check_deleted(&mut problems, &at, path, &section.deleted, &stored);
    }
    problems
}

/// One stored object's company, version and body fields.
fn check_stored(
    problems: &mut Vec<Problem>,
    (at, path): (&str, &str),
    def: &resource::ResourceDef,
    spec: &ObjectSpec,
    companies: &HashSet<i64>,
) {
    let mut report = |path: String, message: String| problems.push(Problem { path, message });
    match def.scope {
        Scope::Company if !companies.contains(&spec.company_id) => report(
            format!("{at}.companyId"),
            format!(
                "no company has id {}; name a company from world.companies",
                spec.company_id
            ),
        ),
        Scope::Global if spec.company_id != 0 => report(
            format!("{at}.companyId"),
            format!("{path} is reference data shared by every company: set companyId to 0"),
        ),
        _ => {}
    }
    if spec.version < 0 {
        report(
            format!("{at}.version"),
            "a version is 0 or more (0 for an object never updated)".into(),
        );
    }
    match &spec.body {
        Value::Object(body) => {
            for name in body.keys().filter(|name| !def.fields.contains_key(*name)) {
                report(
                    format!("{at}.body.{name}"),
                    format!(
                        "{} has no field {name:?} (Feltet eksisterer ikke i objektet.); remove it, or see the fields GET /v2/{path}?fields=* shows",
                        def.model
                    ),
                );
            }
        }
        _ => report(
            format!("{at}.body"),
            format!(
                "the body must be a JSON object of the {}'s fields, e.g. {{\"name\": \"Nordlys AS\"}}",
                def.model
            ),
        ),
    }
}

/// The ids a section deletes: positive, not also stored, each named once.
fn check_deleted(problems: &mut Vec<Problem>, at: &str, path: &str, ids: &[i64], stored: &HashSet<i64>) {
    let mut deleted = HashSet::new();
    for (i, id) in ids.iter().enumerate() {
        let at = format!("{at}.deleted[{i}]");
        let message = if *id <= 0 {
            "object ids must be positive".into()
        } else if stored.contains(id) {
            format!("{path} {id} is both stored and deleted; keep one of the two")
        } else if !deleted.insert(*id) {
            format!("{path} {id} is deleted twice; name it once")
        } else {
            continue;
        };
        problems.push(Problem { path: at, message });
    }
}

/// The resource paths an objects section may name.
fn resource_paths() -> String {
    let catalogue = resource::catalogue().unwrap_or_default();
    let paths: Vec<&str> = catalogue
        .iter()
        .filter(|d| !d.embedded)
        .map(|d| d.path.as_str())
        .collect();
    paths.join(", ")
}

/// The highest id an objects section names, its objects' own and those inside their bodies (order
/// lines, postings, addresses), so ids generated after loading it are new.
pub fn highest_id(objects: &Objects) -> i64 {
    fn inside(value: &Value) -> i64 {
        match value {
            Value::Object(map) => map
                .iter()
                .map(|(name, value)| match (name.as_str(), value.as_i64()) {
                    ("id", Some(id)) => id,
                    _ => inside(value),
                })
                .max()
                .unwrap_or(0),
            Value::Array(values) => values.iter().map(inside).max().unwrap_or(0),
            _ => 0,
        }
    }
    objects
        .values()
        .flat_map(|section| section.stored.iter())
        .map(|spec| spec.id.max(inside(&spec.body)))
        .chain(objects.values().flat_map(|section| section.deleted.iter().copied()))
        .max()
        .unwrap_or(0)
}

/// Writes a checked objects section over a world whose seed objects are in place.
pub fn install(objects: &Objects, db: &Db<'_>, now: Timestamp) -> rusqlite::Result<()> {
    for (path, section) in objects {
        for spec in &section.stored {
            let changes = spec.changes.clone().unwrap_or_else(|| {
                vec![json!({"employeeId": null, "timestamp": now.to_string(), "changeType": "CREATE"})]
            });
            // The fields a scenario leaves out have the model's defaults, as on a create (an
            // object without `isInactive` is then active, and listed).
            let mut body = crate::domain::resource::find(path)
                .map(|def| def.template.clone())
                .unwrap_or_default();
            body.extend(spec.body.as_object().cloned().unwrap_or_default());
            let object = StoredObject {
                id: spec.id,
                company_id: spec.company_id,
                version: spec.version,
                body,
                changes,
            };
            db.put_loaded_object(path, &object)?;
        }
        for id in &section.deleted {
            // A seed id a later build's seed no longer has: nothing to delete.
            db.delete_object(path, *id)?;
        }
    }
    Ok(())
}

/// The objects of a store that differ from the seed `seed` holds, by resource and id.
pub fn export(db: &Db<'_>, seed: SeedAtHand) -> rusqlite::Result<Objects> {
    let unreadable = |what: &str| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("{what} is not JSON").into())
    };
    let mut objects = Objects::new();
    for row in db.objects_unlike_seed(seed)? {
        let spec = ObjectSpec {
            id: row.id,
            company_id: row.company_id,
            version: row.version,
            body: serde_json::from_str(&row.body).map_err(|_| unreadable("an object body"))?,
            changes: Some(serde_json::from_str(&row.changes).map_err(|_| unreadable("an object's changes"))?),
        };
        objects.entry(row.resource).or_default().stored.push(spec);
    }
    for (resource, id) in db.seed_objects_deleted(seed)? {
        objects.entry(resource).or_default().deleted.push(id);
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::format::ResourceObjects;

    fn world() -> World {
        serde_json::from_value(json!({"companies": [
            {"id": 7, "name": "A", "kind": "standalone", "package": "SMART", "integrationsEnabled": true}
        ]}))
        .unwrap()
    }

    fn section(value: Value) -> Objects {
        serde_json::from_value(value).unwrap()
    }

    fn paths(objects: &Objects) -> Vec<String> {
        check(objects, &world()).into_iter().map(|p| p.path).collect()
    }

    #[test]
    fn a_well_formed_section_has_no_problems() {
        let objects = section(json!({
            "customer": {"stored": [{"id": 5, "companyId": 7, "body": {"name": "B"}}], "deleted": [6]},
            "currency": {"stored": [{"id": 9, "companyId": 0, "body": {}}]}
        }));
        assert_eq!(paths(&objects), Vec::<String>::new());
    }

    #[test]
    fn every_malformed_part_is_named_by_its_path() {
        let objects = section(json!({
            "kunde": {"deleted": [1]},
            "order/orderline": {"deleted": [1]},
            "currency": {"stored": [{"id": 9, "companyId": 7, "body": {}}]},
            "customer": {
                "stored": [
                    {"id": 5, "companyId": 8, "version": -1, "body": []},
                    {"id": 5, "companyId": 7, "body": {"kundenavn": "x"}},
                    {"id": 0, "companyId": 7, "body": {}}
                ],
                "deleted": [5, 6, 6, -2]
            }
        }));
        assert_eq!(
            paths(&objects),
            [
                "objects.currency.stored[0].companyId",
                "objects.customer.stored[0].companyId",
                "objects.customer.stored[0].version",
                "objects.customer.stored[0].body",
                "objects.customer.stored[1].id",
                "objects.customer.stored[1].body.kundenavn",
                "objects.customer.stored[2].id",
                "objects.customer.deleted[0]",
                "objects.customer.deleted[2]",
                "objects.customer.deleted[3]",
                "objects.kunde",
                "objects.order/orderline",
            ]
        );
    }

    #[test]
    fn the_highest_id_counts_the_ids_inside_bodies_and_the_deleted_ones() {
        let mut objects = section(json!({"order": {"stored": [
            {"id": 10, "companyId": 7, "body": {"orderLines": [{"id": 14}, {"id": 12}], "customer": {"id": 3}}}
        ]}}));
        assert_eq!(highest_id(&objects), 14);
        objects.insert(
            "customer".into(),
            ResourceObjects {
                stored: Vec::new(),
                deleted: vec![70_010_001],
            },
        );
        assert_eq!(highest_id(&objects), 70_010_001);
        assert_eq!(highest_id(&Objects::new()), 0);
    }
}
