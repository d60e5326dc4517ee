//! Scoring a sandbox against a task's checks: each check reads the company's objects through
//! the store the API serves them from, finds the best-matching object and gives points for it
//! and for each of its fields that holds.

use super::task::{Check, Matcher};
use crate::actions::views;
use crate::domain::kind::Kind;
use crate::domain::resource::{self, Scope};
use crate::sandbox::Sandbox;
use crate::store::{Db, Store, StoreError};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

/// How a sandbox scored.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Score {
    pub points: u32,
    pub max_points: u32,
    /// points / maxPoints, 0 to 1.
    pub correctness: f64,
    pub checks: Vec<CheckResult>,
}

/// How one check scored.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResult {
    pub description: String,
    pub points: u32,
    pub max_points: u32,
    /// The object the check chose, for a check that looks for one.
    pub found: Option<i64>,
    /// What did not hold, in words.
    pub failures: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ScoreError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "this sandbox keeps no copy of the world it was installed with, so objects created since cannot be told apart; \
         score a sandbox made with POST /_sandbox/sandboxes, or drop `new` from the checks"
    )]
    NoBaseline,
}

impl From<rusqlite::Error> for ScoreError {
    fn from(err: rusqlite::Error) -> Self {
        Self::Store(StoreError::from(err))
    }
}

/// Scores the sandbox's company `company` against `checks`, in order (a later check may refer
/// to the object an earlier one found).
pub fn score(checks: &[Check], sandbox: &Sandbox, company: i64) -> Result<Score, ScoreError> {
    let baseline = if checks.iter().any(|c| c.new) {
        let pristine = sandbox.pristine().ok_or(ScoreError::NoBaseline)?;
        Some(existing_ids(checks, &pristine, company)?)
    } else {
        None
    };
    let results = sandbox.store().with(|db| -> Result<_, ScoreError> {
        let mut reader = Reader {
            db,
            company,
            loaded: HashMap::new(),
            found: HashMap::new(),
        };
        checks
            .iter()
            .map(|check| reader.run(check, baseline.as_ref()))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let points = results.iter().map(|r| r.points).sum();
    let max_points = results.iter().map(|r| r.max_points).sum();
    Ok(Score {
        points,
        max_points,
        correctness: if max_points == 0 {
            0.0
        } else {
            f64::from(points) / f64::from(max_points)
        },
        checks: results,
    })
}

/// The ids of the objects of every resource a `new` check reads, as the world was installed.
fn existing_ids(checks: &[Check], pristine: &Store, company: i64) -> Result<HashMap<String, HashSet<i64>>, ScoreError> {
    pristine.with(|db| {
        let mut ids = HashMap::new();
        for check in checks.iter().filter(|c| c.new) {
            if !ids.contains_key(&check.resource) {
                let objects = read(db, &check.resource, company)?;
                let seen = objects
                    .iter()
                    .filter_map(|o| o.get("id").and_then(Value::as_i64))
                    .collect();
                ids.insert(check.resource.clone(), seen);
            }
        }
        Ok(ids)
    })
}

/// A resource's objects of the company as checks see them: the stored body with its id and
/// version; an employee (a person of the access model) as `/employee` shows it.
fn read(db: &Db<'_>, path: &str, company: i64) -> Result<Vec<Map<String, Value>>, ScoreError> {
    if Kind::from_path(path) == Some(Kind::Employee) {
        let people = db.people_of(company)?;
        return Ok(people
            .into_iter()
            .filter(|p| !p.is_contact)
            .map(|p| match views::employee("", &p) {
                Value::Object(mut view) => {
                    view.insert("version".into(), json!(p.version));
                    view
                }
                _ => Map::new(),
            })
            .collect());
    }
    let owner = match resource::find(path).map(|d| d.scope) {
        Some(Scope::Global) => 0,
        _ => company,
    };
    Ok(db
        .objects(path, owner)?
        .into_iter()
        .map(|object| {
            let mut body = object.body;
            body.insert("id".into(), json!(object.id));
            body.insert("version".into(), json!(object.version));
            body
        })
        .collect())
}

/// Reads objects for the checks of one scoring, each resource once.
struct Reader<'a, 'db> {
    db: &'a Db<'db>,
    company: i64,
    loaded: HashMap<String, Vec<Map<String, Value>>>,
    /// The object each named check found.
    found: HashMap<String, i64>,
}

impl Reader<'_, '_> {
    fn objects(&mut self, path: &str) -> Result<&[Map<String, Value>], ScoreError> {
        if !self.loaded.contains_key(path) {
            let objects = read(self.db, path, self.company)?;
            self.loaded.insert(path.to_owned(), objects);
        }
        Ok(self.loaded.get(path).map_or(&[], Vec::as_slice))
    }

    fn run(
        &mut self,
        check: &Check,
        baseline: Option<&HashMap<String, HashSet<i64>>>,
    ) -> Result<CheckResult, ScoreError> {
        let mut candidates = Vec::new();
        let objects = self.objects(&check.resource)?.to_vec();
        for object in objects {
            let id = object.get("id").and_then(Value::as_i64).unwrap_or_default();
            let existed = baseline
                .and_then(|b| b.get(&check.resource))
                .is_some_and(|ids| ids.contains(&id));
            if check.new && existed {
                continue;
            }
            if self.all_match(&object, check.matching.iter())? {
                candidates.push(object);
            }
        }
        if let Some(expected) = check.count {
            return Ok(self.counted(check, candidates.len(), expected));
        }
        self.best(check, &candidates)
    }

    fn counted(&self, check: &Check, found: usize, expected: usize) -> CheckResult {
        let held = found == expected;
        CheckResult {
            description: check.description.clone(),
            points: if held { check.points } else { 0 },
            max_points: check.max_points(),
            found: None,
            failures: if held {
                Vec::new()
            } else {
                vec![format!("{found} {} matched, {expected} expected", check.resource)]
            },
        }
    }

    /// The candidate whose fields give the most points; none found gives nothing.
    fn best(&mut self, check: &Check, candidates: &[Map<String, Value>]) -> Result<CheckResult, ScoreError> {
        let mut best: Option<(u32, i64, Vec<String>)> = None;
        for object in candidates {
            let mut points = check.points;
            let mut failures = Vec::new();
            for field in &check.fields {
                if self.matches(object, &field.path, &field.equals)? {
                    points += field.points;
                } else {
                    let shown: Vec<String> = values_at(object, &field.path).iter().map(|v| v.to_string()).collect();
                    failures.push(format!(
                        "{}: {} (expected {})",
                        field.path,
                        if shown.is_empty() {
                            "absent".to_owned()
                        } else {
                            shown.join(", ")
                        },
                        expected_text(&field.equals)
                    ));
                }
            }
            let id = object.get("id").and_then(Value::as_i64).unwrap_or_default();
            if best.as_ref().is_none_or(|(p, _, _)| points > *p) {
                best = Some((points, id, failures));
            }
        }
        let Some((points, id, failures)) = best else {
            return Ok(CheckResult {
                description: check.description.clone(),
                points: 0,
                max_points: check.max_points(),
                found: None,
                failures: vec![format!("no {} matched {}", check.resource, where_text(check))],
            });
        };
        if let Some(name) = &check.name {
            self.found.insert(name.clone(), id);
        }
        Ok(CheckResult {
            description: check.description.clone(),
            points,
            max_points: check.max_points(),
            found: Some(id),
            failures,
        })
    }

    fn all_match<'m>(
        &mut self,
        object: &Map<String, Value>,
        mut matching: impl Iterator<Item = (&'m String, &'m Matcher)>,
    ) -> Result<bool, ScoreError> {
        matching.try_fold(true, |held, (path, matcher)| {
            Ok(held && self.matches(object, path, matcher)?)
        })
    }

    /// Whether any value at `path` matches.
    fn matches(&mut self, object: &Map<String, Value>, path: &str, matcher: &Matcher) -> Result<bool, ScoreError> {
        let values = values_at(object, path);
        Ok(match matcher {
            Matcher::Value(expected) => values.iter().any(|v| same(v, expected)),
            Matcher::Contains { contains } => {
                let wanted = contains.to_lowercase();
                values
                    .iter()
                    .any(|v| v.as_str().is_some_and(|s| s.to_lowercase().contains(&wanted)))
            }
            Matcher::Ref { name } => match self.found.get(name) {
                Some(id) => values.iter().any(|v| v.as_i64() == Some(*id)),
                None => false,
            },
            Matcher::IdOf { lookup } => {
                let wanted: Vec<i64> = self
                    .objects(&lookup.resource)?
                    .iter()
                    .filter(|o| {
                        lookup
                            .matching
                            .iter()
                            .all(|(p, e)| values_at(o, p).iter().any(|v| same(v, e)))
                    })
                    .filter_map(|o| o.get("id").and_then(Value::as_i64))
                    .collect();
                values.iter().any(|v| v.as_i64().is_some_and(|id| wanted.contains(&id)))
            }
        })
    }
}

/// The values at a dotted path; through an array, every element's.
pub fn values_at<'v>(object: &'v Map<String, Value>, path: &str) -> Vec<&'v Value> {
    let mut current: Vec<&Value> = Vec::new();
    let mut parts = path.split('.');
    let Some(first) = parts.next().and_then(|p| object.get(p)) else {
        return current;
    };
    current.push(first);
    for part in parts {
        let mut next = Vec::new();
        for value in current {
            match value {
                Value::Array(items) => next.extend(items.iter().filter_map(|i| i.get(part))),
                other => next.extend(other.get(part)),
            }
        }
        current = next;
    }
    current
        .into_iter()
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        })
        .collect()
}

/// Equality as checks mean it: numbers within half an øre (a number in a text counts), texts
/// ignoring case and outer spaces, anything else exactly.
pub fn same(actual: &Value, expected: &Value) -> bool {
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match (actual, expected) {
        (_, Value::Number(_)) => match (number(actual), number(expected)) {
            (Some(a), Some(e)) => (a - e).abs() < 0.005,
            _ => false,
        },
        (Value::String(a), Value::String(e)) => a.trim().to_lowercase() == e.trim().to_lowercase(),
        _ => actual == expected,
    }
}

fn expected_text(matcher: &Matcher) -> String {
    match matcher {
        Matcher::Value(value) => value.to_string(),
        Matcher::Contains { contains } => format!("a text containing {contains:?}"),
        Matcher::Ref { name } => format!("the id of {name}"),
        Matcher::IdOf { lookup } => format!(
            "the id of a {} with {}",
            lookup.resource,
            Value::Object(lookup.matching.clone())
        ),
    }
}

fn where_text(check: &Check) -> String {
    if check.matching.is_empty() {
        return "(any)".to_owned();
    }
    check
        .matching
        .iter()
        .map(|(path, matcher)| format!("{path} = {}", expected_text(matcher)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(object) => object,
            _ => Map::new(),
        }
    }

    #[test]
    fn a_path_through_an_array_reaches_every_element() {
        let voucher = object(json!({"postings": [{"account": {"id": 1}}, {"account": {"id": 2}}], "date": "d"}));
        assert_eq!(values_at(&voucher, "postings.account.id"), [&json!(1), &json!(2)]);
        assert_eq!(values_at(&voucher, "date"), [&json!("d")]);
        assert!(values_at(&voucher, "postings.missing").is_empty());
    }

    #[test]
    fn numbers_match_within_half_an_ore_and_texts_ignoring_case() {
        assert!(same(&json!(249.5), &json!(249.5)));
        assert!(same(&json!(249.504), &json!(249.5)));
        assert!(!same(&json!(249.51), &json!(249.5)));
        assert!(same(&json!("1001"), &json!(1001)));
        assert!(same(
            &json!(" Post@Fjordkraft.example "),
            &json!("post@fjordkraft.example")
        ));
        assert!(!same(&json!("true"), &json!(true)));
        assert!(same(&json!(true), &json!(true)));
    }
}
