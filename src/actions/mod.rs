//! The operations of the data endpoints (`/customer`, `/ledger/voucher`, every resource of the
//! official document): one function per operation kind — list, get, settings, create, update,
//! delete and the bulk forms — and the resources' own behaviour as typed hooks. Each takes the
//! acting caller ([`Actor`]), typed input and the sandbox, and returns an [`Answer`] or a refusal;
//! handlers only extract, call and render.

mod access;
pub mod employees;
pub mod hooks;
pub mod object_json;
mod prices;
mod read;
mod search;
mod session;
pub mod subscriptions;
pub mod views;
mod write;
mod written;

pub use access::{access_in, check_access, load, owner_company};
pub use read::{get, list};
pub use session::{log_in, mintable};
pub use views::{expand, render, render_object};
pub use write::{
    check_references, create, create_list, delete, delete_ids, delete_list, settings, undocumented, update,
    update_list, update_settings,
};

use crate::domain::entitlements::AccessNeeded;
use crate::sandbox::Sandbox;
use crate::store::Db;
use crate::wire::ApiError;
use crate::wire::envelope::ListParams;
use crate::wire::fields::FieldFilter;
use jiff::Timestamp;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// Who acts, where and when: the key and its person in the company the request acts in, the
/// sandbox and its clock reading, and the API base the `url`s of the answer start with.
#[derive(Clone)]
pub struct Actor {
    pub sandbox: Arc<Sandbox>,
    /// The company the request acts in.
    pub company: i64,
    /// The key's owner, who every change is recorded as.
    pub person: i64,
    pub key: i64,
    pub now: Timestamp,
    /// The host-relative API base, e.g. `127.0.0.1:8080/v2`.
    pub base: String,
    /// Every access an operation checks, for the journal's required-access report.
    pub needed: AccessNeeded,
}

/// What an operation of the table is called with besides its caller: the path's id, the query
/// arguments and the JSON body (where the operation reads one).
pub struct Input {
    pub id: i64,
    /// Every id of the path in order (`id` is the first); an operation with two has both here.
    pub ids: Vec<i64>,
    pub query: HashMap<String, String>,
    pub body: Option<Value>,
    /// The raw query string (a remembered list page is keyed by it).
    pub query_string: String,
    /// The checksum the caller sent in `If-None-Match`, if any.
    pub if_none_match: Option<String>,
    /// The file of an operation that takes one (`multipart/form-data`).
    pub file: Option<crate::wire::upload::Upload>,
}

/// What an operation answers, for the handler to put on the wire.
pub enum Answer {
    /// A JSON body already written (stored views, a remembered page).
    Written { status: u16, body: bytes::Bytes },
    /// `{"value": …}` of one object, the fields filter still to apply.
    One {
        status: u16,
        value: Value,
        fields: FieldFilter,
        model: &'static str,
    },
    /// A list page: the values filtered, to be sorted, paged and field-filtered by `params`.
    Page {
        values: Vec<Value>,
        params: ListParams,
        model: &'static str,
        checksum: Option<String>,
    },
    /// A list page paged already: the page's values of `full` in all, to be field-filtered.
    Slice {
        values: Vec<Value>,
        full: usize,
        params: ListParams,
        model: &'static str,
    },
    /// `{"value": …}` around a value that is final.
    Value { status: u16, value: Value },
    /// A whole list that is final, as bulk operations answer.
    Values { status: u16, values: Vec<Value> },
    /// 304: the list's checksum is still the one the caller has.
    NotModified { checksum: String },
    /// 204.
    NoContent,
}

impl Actor {
    /// Runs `f` in one transaction of the sandbox's store, in turn with the sandbox's other
    /// writes (it may run on the worker holding the connection, so it takes the caller along).
    pub async fn transaction<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Db<'_>, &Actor) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let actor = self.clone();
        self.sandbox.store().transaction_in_turn(move |db| f(db, &actor)).await
    }
}

impl Answer {
    fn written(status: u16, body: Vec<u8>) -> Self {
        Self::Written {
            status,
            body: bytes::Bytes::from(body),
        }
    }
}

#[cfg(test)]
mod tests;
