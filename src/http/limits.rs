//! What keeps slow or many clients from taking the emulator down: a deadline for a request's
//! body (actix's own timeout covers only the head), and a cap on the connections each worker
//! serves, past which a connection is answered 503 at once and closed instead of held.

use crate::wire::{ApiError, ErrorKind};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::http::header::{CONTENT_LENGTH, HeaderValue, RETRY_AFTER, TRANSFER_ENCODING};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, rt::time::Sleep};
use futures_core::Stream;
use std::cell::Cell;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// How long a client may take to send a request's body, from the end of its head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyDeadline(pub Duration);

/// Install with `from_fn(limits)` on the app: a connection past the cap is answered 503 with
/// `Connection: close` at once (the client learns instead of waiting in a queue), and a body the
/// head announces must arrive within the app data's `BodyDeadline`. One middleware for both, so
/// the request path pays for one.
pub async fn limits(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if req.conn_data::<ConnectionSlot>().is_some_and(|slot| slot.over_cap) {
        return Ok(over_cap(req));
    }
    if let Some(deadline) = req.app_data::<BodyDeadline>().copied().filter(|_| has_body(&req)) {
        let inner = req.take_payload();
        let timed = TimedPayload {
            inner,
            deadline: Box::pin(actix_web::rt::time::sleep(deadline.0)),
            seconds: deadline.0.as_secs(),
        };
        req.set_payload(Payload::from(Box::pin(timed) as Pin<Box<dyn Stream<Item = _>>>));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// Whether the head announces a body (most requests do not, and pay nothing here).
pub fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(TRANSFER_ENCODING)
        || headers
            .get(CONTENT_LENGTH)
            .is_some_and(|length| length.as_bytes() != b"0")
}

/// A body stream that fails once its deadline has passed.
struct TimedPayload {
    inner: Payload,
    deadline: Pin<Box<Sleep>>,
    seconds: u64,
}

impl Stream for TimedPayload {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Poll::Ready(item) = Pin::new(&mut self.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!("the body did not arrive within {} s", self.seconds),
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Whether a body could not be read because the client was too slow (then 408, not 400).
pub fn is_timeout(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut)
}

thread_local! {
    /// Connections open on this worker thread (each worker runs on a thread of its own).
    static OPEN: Cell<usize> = const { Cell::new(0) };
}

/// Held in each connection's data from accept to close; counts it on its worker.
pub struct ConnectionSlot {
    /// The worker already served its cap when this connection came in.
    over_cap: bool,
}

impl ConnectionSlot {
    /// For `HttpServer::on_connect`: counts the connection against `cap`.
    pub fn open(cap: usize) -> Self {
        let open = OPEN.with(|open| {
            open.set(open.get() + 1);
            open.get()
        });
        Self { over_cap: open > cap }
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        OPEN.with(|open| open.set(open.get().saturating_sub(1)));
    }
}

fn over_cap(req: ServiceRequest) -> ServiceResponse<BoxBody> {
    let refusal = ApiError::new(ErrorKind::ServiceUnavailable).with_developer_message(
        "The sandbox serves as many connections as it allows (--max-connections per worker); \
         close idle connections or reuse them (keep-alive), then try again.",
    );
    let mut response = req.error_response(refusal);
    response
        .response_mut()
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    response
        .headers_mut()
        .insert(RETRY_AFTER, HeaderValue::from_static("1"));
    response.map_into_boxed_body()
}
