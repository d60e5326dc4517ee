//! The per-request layer between the HTTP server and the handlers: the request context (which
//! sandbox serves the request, its clock reading, who the caller turned out to be) and the
//! middleware that wraps every `/v2` request (override rules, fault injection and the journal), and the emulator's
//! own address as response URLs show it, the admin token in front of the control plane, and the limits on slow and many clients.

pub mod body;
pub mod capture;
pub mod context;
pub mod guard;
pub mod limits;
pub mod observe;
pub mod origin;
pub mod overrides;

pub use body::JsonObject;
pub use context::{AccessNeeded, Caller, RequestContext, SANDBOX_ID, sandbox};
