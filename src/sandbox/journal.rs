//! The journal: every `/v2` request of a sandbox with its outcome and, for a denial, the rule
//! and the remedy. Kept in memory, bounded: the oldest entries are dropped first.

use crate::api::auth::AuthContext;
use crate::wire::request_id::{RequestId, as_api_error};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::Mutex;

/// How many entries a sandbox keeps.
pub const CAPACITY: usize = 2_000;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub time: String,
    pub request_id: String,
    pub method: String,
    pub path: String,
    /// The company the request acted in, once authenticated.
    pub company_id: Option<i64>,
    pub key_id: Option<i64>,
    pub status: u16,
    pub code: Option<u32>,
    /// For a denial: the rule that said no and how to fix it.
    pub rule: Option<&'static str>,
    pub remedy: Option<String>,
    pub developer_message: Option<String>,
}

/// What to keep of the journal when reading it.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub path: Option<String>,
    pub status: Option<u16>,
    pub key: Option<i64>,
}

#[derive(Default)]
pub struct Journal {
    entries: Mutex<VecDeque<Entry>>,
}

impl Journal {
    pub fn record(&self, entry: Entry) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() == CAPACITY {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    /// Matching entries, newest first.
    pub fn read(&self, filter: &Filter) -> Vec<Entry> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .rev()
            .filter(|e| filter.path.as_deref().is_none_or(|p| e.path.contains(p)))
            .filter(|e| filter.status.is_none_or(|s| e.status == s))
            .filter(|e| filter.key.is_none_or(|k| e.key_id == Some(k)))
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

/// Middleware on `/v2`: records each request once its response is known.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let sandbox = req
        .app_data::<web::Data<crate::sandbox::registry::Registry>>()
        .and_then(|r| r.resolve(req.match_info().get(crate::api::auth::SANDBOX_ID)));
    let method = req.method().to_string();
    let path = req.path().to_owned();
    let response = next.call(req).await?.map_into_boxed_body();
    if let Some(sandbox) = sandbox {
        let (request_id, context) = {
            let extensions = response.request().extensions();
            (
                extensions.get::<RequestId>().copied(),
                extensions.get::<AuthContext>().copied(),
            )
        };
        let status = response.status().as_u16();
        let error = (status >= 400).then(|| as_api_error(&response));
        sandbox.journal().record(Entry {
            time: sandbox.now().to_string(),
            request_id: request_id.map(|r| r.0.to_string()).unwrap_or_default(),
            method,
            path,
            company_id: context.and_then(|c| c.company_id),
            key_id: context.map(|c| c.key_id),
            status,
            code: error.as_ref().map(|e| e.kind.code()),
            rule: error.as_ref().and_then(|e| e.denial.as_ref().map(|d| d.0)),
            remedy: error.as_ref().and_then(|e| e.denial.as_ref().and_then(|d| d.1.clone())),
            developer_message: error.and_then(|e| e.developer_message.map(|m| m.into_owned())),
        });
    }
    Ok(response)
}
