//! Copies of a `/v2` call's bodies for the journal: the request body as the handler reads it (a tee
//! on the payload stream, so nothing is read ahead, buffered twice or answered differently), and the
//! response body when it is already whole in memory (a reference-counted copy, not a byte copy).

use actix_web::HttpMessage;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::web::{Bytes, BytesMut};
use futures_core::Stream;
use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

/// What the tee saw of the request body.
#[derive(Default)]
struct Seen {
    bytes: BytesMut,
    /// More arrived than the cap: nothing of it is kept.
    over: bool,
}

/// The request body's copy, filled while the handler reads the body.
pub struct RequestCopy(Rc<RefCell<Seen>>);

impl RequestCopy {
    /// The body as read; None when there was none, or more than the cap.
    pub fn take(self) -> Option<Bytes> {
        let mut seen = self.0.borrow_mut();
        (!seen.over && !seen.bytes.is_empty()).then(|| std::mem::take(&mut seen.bytes).freeze())
    }
}

/// Replaces the request's payload with a tee that copies up to `cap` bytes of what is read.
pub fn tee_request(req: &mut ServiceRequest, cap: usize) -> RequestCopy {
    let seen = Rc::new(RefCell::new(Seen::default()));
    let tee = Tee {
        inner: req.take_payload(),
        seen: seen.clone(),
        cap,
    };
    req.set_payload(Payload::from(Box::pin(tee) as Pin<Box<dyn Stream<Item = _>>>));
    RequestCopy(seen)
}

struct Tee {
    inner: Payload,
    seen: Rc<RefCell<Seen>>,
    cap: usize,
}

impl Stream for Tee {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = Pin::new(&mut self.inner).poll_next(cx);
        if let Poll::Ready(Some(Ok(chunk))) = &polled {
            let mut seen = self.seen.borrow_mut();
            if seen.bytes.len() + chunk.len() > self.cap {
                seen.over = true;
                seen.bytes = BytesMut::new();
            } else if !seen.over {
                seen.bytes.extend_from_slice(chunk);
            }
        }
        polled
    }
}

/// The response with its body, and a copy of that body when it is whole in memory and not empty.
pub fn response_body(response: ServiceResponse<BoxBody>) -> (ServiceResponse<BoxBody>, Option<Bytes>) {
    let mut copy = None;
    let response = response.map_body(|_, body| match body.try_into_bytes() {
        Ok(bytes) => {
            copy = (!bytes.is_empty()).then(|| bytes.clone());
            BoxBody::new(bytes)
        }
        Err(body) => body,
    });
    (response, copy)
}
