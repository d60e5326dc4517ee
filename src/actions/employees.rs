//! An employee as `/employee` and its webhooks render it: the person record with the department
//! it belongs to and the employments made for it.

use super::views;
use crate::domain::kind::Kind;
use crate::domain::model::Person;
use crate::store::Db;
use crate::wire::ApiError;
use crate::wire::fields::FieldFilter;
use serde_json::{Value, json};
use std::collections::HashMap;

/// What `/employee` shows of an employee besides the person record: the department it belongs
/// to (see [`department_of`]) and the employments made for it.
#[derive(Default)]
pub struct Belongings {
    /// The department of an employee that names none of its own: the company's first.
    department: Option<i64>,
    /// Departments rendered whole by id, where the fields filter selects into them
    /// (`department(name)`).
    department_views: HashMap<i64, Value>,
    /// Employment ids by employee id, in id order.
    employments: HashMap<i64, Vec<i64>>,
}

impl Belongings {
    pub fn of(db: &Db<'_>, company: i64) -> Result<Self, ApiError> {
        let mut employments: HashMap<i64, Vec<i64>> = HashMap::new();
        for employment in db.objects(Kind::Employment.path(), company)? {
            if let Some(employee) = employment
                .body
                .get("employee")
                .and_then(|e| e.get("id"))
                .and_then(Value::as_i64)
            {
                employments.entry(employee).or_default().push(employment.id);
            }
        }
        for ids in employments.values_mut() {
            ids.sort_unstable();
        }
        Ok(Self {
            department: department_of(db, company)?,
            department_views: HashMap::new(),
            employments,
        })
    }

    /// Renders the departments of `people` whole when `fields` selects into them.
    pub fn expanded(
        mut self,
        db: &Db<'_>,
        base: &str,
        company: i64,
        fields: &FieldFilter,
        people: &[&Person],
    ) -> Result<Self, ApiError> {
        let Some(sub) = fields.expansion("department") else {
            return Ok(self);
        };
        let ids: Vec<i64> = people.iter().filter_map(|p| self.department_of(p)).collect();
        for id in ids {
            if let std::collections::hash_map::Entry::Vacant(slot) = self.department_views.entry(id) {
                slot.insert(super::expand(Kind::Department.path(), base, id, sub, db, company)?);
            }
        }
        Ok(self)
    }

    /// The department an employee belongs to: the one written on it, or the company's first.
    fn department_of(&self, person: &Person) -> Option<i64> {
        person
            .details
            .get("department")
            .and_then(|d| d.get("id"))
            .and_then(Value::as_i64)
            .or(self.department)
    }
}

/// An employee as `/employee` renders it.
pub fn person_view(base: &str, person: &Person, belongings: &Belongings) -> Value {
    let mut value = views::employee(base, person);
    if let Some(object) = value.as_object_mut() {
        object.insert("version".into(), json!(person.version));
        if let Some(id) = belongings.department_of(person) {
            let view = belongings.department_views.get(&id).cloned();
            object.insert(
                "department".into(),
                view.unwrap_or_else(|| views::stub(base, Kind::Department.path(), id)),
            );
        }
        let employments: Vec<Value> = belongings
            .employments
            .get(&person.id)
            .into_iter()
            .flatten()
            .map(|id| views::stub(base, Kind::Employment.path(), *id))
            .collect();
        object.insert("employments".into(), Value::Array(employments));
    }
    value
}

/// The department a company's employees belong to: its first (the seed's «Avdeling»). Real
/// employees always belong to one, and clients (the PyPI `tripletex` package) require it; the
/// sandbox keeps no department per person yet.
fn department_of(db: &Db<'_>, company: i64) -> Result<Option<i64>, ApiError> {
    Ok(db.objects(Kind::Department.path(), company)?.iter().map(|d| d.id).min())
}
