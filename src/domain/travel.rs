//! Travel expense rules: the states a travel expense moves through (open → delivered → approved)
//! and what each step records. Pure: no HTTP, no SQL.

use crate::domain::denial::{Denial, DenialKind, Rule};
use serde_json::{Map, Value, json};

fn wrong_state(rule: Rule, id: i64, state: &str, wanted: &str, step: &str) -> Denial {
    Denial::new(
        DenialKind::Invalid,
        rule,
        format!("Travel expense {id} is {state}; only one that is {wanted} can be {step}."),
    )
    .remedy(format!(
        "{step} a travel expense that is {wanted}; GET /v2/travelExpense/{{id}} shows its state."
    ))
    .field("state", "Reiseregningen har feil status for dette.")
}

fn fields(pairs: &[(&str, Value)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
}

/// An open travel expense is delivered for approval.
pub fn travel_expense_delivered(id: i64, state: &str, today: &str) -> Result<Map<String, Value>, Denial> {
    if state != "OPEN" {
        return Err(wrong_state(
            Rule::TravelExpenseDelivered,
            id,
            state,
            "OPEN",
            "delivered",
        ));
    }
    Ok(fields(&[
        ("state", json!("DELIVERED")),
        ("isCompleted", json!(true)),
        ("completedDate", json!(today)),
    ]))
}

/// A delivered travel expense is approved.
pub fn travel_expense_approved(id: i64, state: &str, today: &str) -> Result<Map<String, Value>, Denial> {
    if state != "DELIVERED" {
        return Err(wrong_state(
            Rule::TravelExpenseApproved,
            id,
            state,
            "DELIVERED",
            "approved",
        ));
    }
    Ok(fields(&[
        ("state", json!("APPROVED")),
        ("isApproved", json!(true)),
        ("approvedDate", json!(today)),
    ]))
}

/// A delivered travel expense goes back to open.
pub fn travel_expense_undelivered(id: i64, state: &str) -> Result<Map<String, Value>, Denial> {
    if state != "DELIVERED" {
        return Err(wrong_state(
            Rule::TravelExpenseUndelivered,
            id,
            state,
            "DELIVERED",
            "taken back",
        ));
    }
    Ok(fields(&[
        ("state", json!("OPEN")),
        ("isCompleted", json!(false)),
        ("completedDate", Value::Null),
    ]))
}

/// An approved travel expense goes back to delivered.
pub fn travel_expense_unapproved(id: i64, state: &str) -> Result<Map<String, Value>, Denial> {
    if state != "APPROVED" {
        return Err(wrong_state(
            Rule::TravelExpenseUnapproved,
            id,
            state,
            "APPROVED",
            "unapproved",
        ));
    }
    Ok(fields(&[
        ("state", json!("DELIVERED")),
        ("isApproved", json!(false)),
        ("approvedDate", Value::Null),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn travel_expense_delivered_from_open_only() {
        assert_eq!(
            travel_expense_delivered(1, "OPEN", "2026-03-01").unwrap()["state"],
            "DELIVERED"
        );
        assert!(travel_expense_delivered(1, "APPROVED", "2026-03-01").is_err());
    }

    #[test]
    fn travel_expense_approved_once_delivered() {
        assert_eq!(
            travel_expense_approved(1, "DELIVERED", "2026-03-01").unwrap()["isApproved"],
            true
        );
        assert!(travel_expense_approved(1, "OPEN", "2026-03-01").is_err());
    }

    #[test]
    fn travel_expense_undelivered_steps_back_to_open() {
        assert_eq!(travel_expense_undelivered(1, "DELIVERED").unwrap()["state"], "OPEN");
        assert!(travel_expense_undelivered(1, "OPEN").is_err());
    }

    #[test]
    fn travel_expense_unapproved_steps_back_to_delivered() {
        assert_eq!(travel_expense_unapproved(1, "APPROVED").unwrap()["state"], "DELIVERED");
        assert!(travel_expense_unapproved(1, "DELIVERED").is_err());
    }
}
