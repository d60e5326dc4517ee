//! The per-request layer between the HTTP server and the handlers: the request context (which
//! sandbox serves the request, its clock reading, who the caller turned out to be) and the
//! middleware that wraps every `/v2` request (fault injection and the journal).

pub mod context;
pub mod observe;

pub use context::{Caller, RequestContext, SANDBOX_ID, sandbox};
