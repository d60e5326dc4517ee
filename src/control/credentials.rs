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
    sandbox.store().with(|db| {
        db.credentials()?
            .into_iter()
            .map(|row| {
                let clients = if row.key.accountant_key {
                    db.login_clients(&row.key)?.iter().map(|c| c.id).collect()
                } else {
                    Vec::new()
                };
                let kind = if row.key.accountant_key {
                    ", accounting-office key"
                } else {
                    ""
                };
                Ok(Credential {
                    label: format!(
                        "{} @ {} (company {}) — {}{kind}",
                        row.person.display_name(),
                        row.company.name,
                        row.company.id,
                        row.key.application_name
                    ),
                    consumer_token: row.integration.map(|i| i.consumer_token),
                    employee_token: row.token,
                    company_id: row.company.id,
                    employee_id: row.person.id,
                    integration: row.key.application_name,
                    accountant_key: row.key.accountant_key,
                    clients,
                })
            })
            .collect()
    })
}
