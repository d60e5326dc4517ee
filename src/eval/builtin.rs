//! The built-in task set (`eval --tasks builtin`) and the base world its tasks start from, both
//! embedded in the binary.

use super::task::{self, Task, TaskError};

pub use super::world::{BASE_WORLD, base_world};

/// The built-in tasks, by file name.
pub const BUILTIN_TASKS: &[(&str, &str)] = &[
    (
        "approve-travel-expense",
        include_str!("tasks/approve-travel-expense.json"),
    ),
    ("create-customer", include_str!("tasks/create-customer.json")),
    ("create-departments", include_str!("tasks/create-departments.json")),
    ("create-employee", include_str!("tasks/create-employee.json")),
    ("create-product", include_str!("tasks/create-product.json")),
    ("create-project", include_str!("tasks/create-project.json")),
    ("create-supplier", include_str!("tasks/create-supplier.json")),
    ("credit-note", include_str!("tasks/credit-note.json")),
    ("delete-customer", include_str!("tasks/delete-customer.json")),
    ("employee-contract", include_str!("tasks/employee-contract.json")),
    ("import-customers", include_str!("tasks/import-customers.json")),
    ("invoice-customer", include_str!("tasks/invoice-customer.json")),
    (
        "invoice-partial-payment",
        include_str!("tasks/invoice-partial-payment.json"),
    ),
    (
        "order-invoice-payment",
        include_str!("tasks/order-invoice-payment.json"),
    ),
    ("project-hours", include_str!("tasks/project-hours.json")),
    ("supplier-invoice", include_str!("tasks/supplier-invoice.json")),
    ("travel-expense", include_str!("tasks/travel-expense.json")),
    ("update-customer", include_str!("tasks/update-customer.json")),
    ("voucher-rent", include_str!("tasks/voucher-rent.json")),
];

/// Every built-in task, parsed and validated.
pub fn tasks() -> Result<Vec<Task>, TaskError> {
    BUILTIN_TASKS
        .iter()
        .map(|(name, text)| task::parse(&format!("builtin/{name}"), text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_task_is_valid_and_asked_in_norwegian_and_english() {
        let tasks = tasks().map_err(|e| e.to_string());
        let languages: Result<Vec<Vec<&str>>, &String> = tasks.as_ref().map(|tasks| {
            tasks
                .iter()
                .map(|t| t.file.prompts.iter().map(|p| p.language.as_str()).collect())
                .collect()
        });
        assert_eq!(languages, Ok(vec![vec!["nb", "en"]; BUILTIN_TASKS.len()]));
    }
}
