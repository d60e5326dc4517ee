//! `POST /_sandbox/score`: a task's checks scored against this sandbox, for a test suite that
//! drove the sandbox itself (the same scoring as `eval`).

use crate::eval::Check;
use crate::eval::score::ScoreError;
use crate::http::sandbox;
use crate::scenario::Problem;
use crate::wire::envelope::json_response;
use crate::wire::{ApiError, ErrorKind, ValidationMessage};
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ScoreRequest {
    checks: Vec<Check>,
    /// The company whose objects are read; by default the sandbox's first that is not an
    /// accounting office.
    #[serde(default)]
    company_id: Option<i64>,
}

fn invalid(problems: &[Problem]) -> ApiError {
    let messages = problems
        .iter()
        .map(|p| ValidationMessage {
            field: Some(p.path.clone().into()),
            message: p.message.clone().into(),
            path: Some(p.path.clone().into()),
            root_id: None,
        })
        .collect();
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    ApiError::new(ErrorKind::Validation)
        .with_developer_message(format!("The checks cannot be scored: {}", text.join("; ")))
        .with_validation(messages)
}

pub async fn score(req: HttpRequest, body: web::Bytes) -> Result<HttpResponse, ApiError> {
    let sandbox = sandbox(&req)?;
    crate::http::body::expect_object(&body)?;
    let deserializer = &mut serde_json::Deserializer::from_slice(&body);
    let request: ScoreRequest = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        invalid(&[Problem {
            path,
            message: err.into_inner().to_string(),
        }])
    })?;
    let problems = crate::eval::task::check_checks(&request.checks);
    if !problems.is_empty() {
        return Err(invalid(&problems));
    }
    let companies = sandbox.store().with(|db| db.companies())?;
    let company = match request.company_id {
        Some(id) if companies.iter().any(|c| c.company.id == id) => id,
        Some(id) => {
            return Err(invalid(&[Problem {
                path: "companyId".into(),
                message: format!("no company has id {id} in this sandbox; GET /_sandbox/companies lists them"),
            }]));
        }
        None => companies
            .iter()
            .find(|c| c.company.kind != crate::domain::model::CompanyKind::Office)
            .map(|c| c.company.id)
            .unwrap_or_default(),
    };
    let score = crate::eval::score(&request.checks, &sandbox, company).map_err(|err| match err {
        ScoreError::NoBaseline => ApiError::new(ErrorKind::Validation).with_developer_message(err.to_string()),
        ScoreError::Store(store) => ApiError::internal(&store),
    })?;
    Ok(json_response(200, &json!({ "value": score })))
}
