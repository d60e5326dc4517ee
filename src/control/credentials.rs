//! The usable consumer-token + employee-token pairs of a sandbox, labelled for people.

use crate::sandbox::Sandbox;
use crate::wire::ApiError;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Credential {
    pub label: String,
    /// Null when no registered integration has the key's application name (a mistyped custom setup).
    pub consumer_token: Option<String>,
    pub employee_token: String,
    pub company_id: i64,
    pub employee_id: i64,
    pub integration: String,
    pub accountant_key: bool,
    /// The client ids `GET /v2/company/>withLoginAccess` lists for this key.
    pub clients: Vec<i64>,
}

/// Every active key of the sandbox with the consumer token of its application.
pub fn credentials(sandbox: &Sandbox) -> Result<Vec<Credential>, ApiError> {
    let rows = sandbox.store().with(|db| db.credentials())?;
    Ok(rows
        .iter()
        .map(|row| {
            let kind = if row.key.accountant_key {
                ", accounting-office key"
            } else {
                ""
            };
            Credential {
                label: format!(
                    "{} @ {} (company {}) — {}{kind}",
                    row.person.display_name(),
                    row.company.name,
                    row.company.id,
                    row.key.application_name
                ),
                consumer_token: row.integration.as_ref().map(|i| i.consumer_token.clone()),
                employee_token: row.token.clone(),
                company_id: row.company.id,
                employee_id: row.person.id,
                integration: row.key.application_name.clone(),
                accountant_key: row.key.accountant_key,
                clients: row.clients.clone(),
            }
        })
        .collect())
}
