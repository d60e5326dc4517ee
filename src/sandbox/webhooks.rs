//! A sandbox's side of event delivery: the operator's settings (hosts allowed besides loopback,
//! the receiver's timeout, the queue's bound), whether delivery is paused, and what the delivery
//! worker remembers between its passes (the outbox count it saw, when the next retry is due).

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How many deliveries a sandbox holds pending by default.
pub const QUEUE_LIMIT: usize = 100_000;

/// How long a receiver may take to answer by default.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The operator's settings of event delivery (`--webhook-allow`, `--webhook-timeout`,
/// `--webhook-queue`), the same for every sandbox of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Hosts a subscription may target besides loopback.
    pub allowed_hosts: Vec<String>,
    /// How long a receiver may take to accept the connection and to answer.
    pub timeout: Duration,
    /// Pending deliveries a sandbox holds at most; events past it are refused.
    pub queue_limit: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allowed_hosts: Vec::new(),
            timeout: TIMEOUT,
            queue_limit: QUEUE_LIMIT,
        }
    }
}

/// Event delivery of one sandbox.
pub struct Webhooks {
    settings: RwLock<Arc<WebhookSettings>>,
    paused: AtomicBool,
    /// Something may have become deliverable that the worker cannot see from the counts (a
    /// redelivery, delivery resumed, a subscription written, a world replaced).
    woken: AtomicBool,
    /// The store's queued-events count when the worker last took the outbox.
    seen_queued: AtomicU64,
    /// When the next pending delivery is due (sandbox milliseconds), `i64::MAX` if none is.
    next_due_ms: AtomicI64,
    /// When events turned away at a full queue were last recorded (milliseconds of the process's
    /// own clock, not the sandbox's, which a test may hold still).
    refusals_recorded_ms: AtomicI64,
}

/// How often events turned away at a full queue are recorded at most: a flood of writes against a
/// full queue makes one record a second, its count growing, not one a write.
pub const REFUSALS_RECORDED_EVERY_MS: i64 = 1_000;

impl Default for Webhooks {
    fn default() -> Self {
        Self {
            settings: RwLock::default(),
            paused: AtomicBool::new(false),
            // A store reopened from a file may hold pending deliveries: look once.
            woken: AtomicBool::new(true),
            seen_queued: AtomicU64::new(0),
            next_due_ms: AtomicI64::new(i64::MAX),
            refusals_recorded_ms: AtomicI64::new(i64::MIN),
        }
    }
}

impl Webhooks {
    pub fn settings(&self) -> Arc<WebhookSettings> {
        self.settings.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set_settings(&self, settings: Arc<WebhookSettings>) {
        *self.settings.write().unwrap_or_else(|p| p.into_inner()) = settings;
    }

    pub fn paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    /// Holds deliveries (events are still queued) or lets them go.
    pub fn set_paused(&self, paused: bool) {
        self.paused.store(paused, Ordering::Relaxed);
        self.wake();
    }

    /// Has the worker look at this sandbox on its next pass.
    pub fn wake(&self) {
        self.woken.store(true, Ordering::Release);
    }

    /// Whether the worker has reason to look at this sandbox now: it was woken, writes queued
    /// events since it last looked (`queued`: the store's count), or a delivery is due by `now_ms`.
    pub fn has_work(&self, queued: u64, now_ms: i64) -> bool {
        self.woken.swap(false, Ordering::AcqRel)
            || queued != self.seen_queued.load(Ordering::Acquire)
            || (!self.paused() && self.next_due_ms.load(Ordering::Relaxed) <= now_ms)
    }

    /// True when events turned away at `now_ms` (the process's clock) may be recorded: the last
    /// record is [`REFUSALS_RECORDED_EVERY_MS`] old. Answering true counts as recording them.
    pub fn refusals_due(&self, now_ms: i64) -> bool {
        let last = self.refusals_recorded_ms.load(Ordering::Relaxed);
        now_ms.saturating_sub(last) >= REFUSALS_RECORDED_EVERY_MS
            && self
                .refusals_recorded_ms
                .compare_exchange(last, now_ms, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
    }

    /// What the worker saw on a pass: the queued count it took, and when the next delivery is due.
    pub fn looked(&self, queued: u64, next_due_ms: Option<i64>) {
        self.seen_queued.store(queued, Ordering::Release);
        self.next_due_ms
            .store(next_due_ms.unwrap_or(i64::MAX), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_turned_away_are_recorded_at_most_once_a_second() {
        let hooks = Webhooks::default();
        assert!(hooks.refusals_due(5_000), "the first ones at once");
        assert!(!hooks.refusals_due(5_999));
        assert!(hooks.refusals_due(6_000));
        assert!(!hooks.refusals_due(6_000));
    }

    #[test]
    fn the_worker_looks_when_woken_when_events_were_queued_or_when_a_retry_is_due() {
        let hooks = Webhooks::default();
        assert!(hooks.has_work(0, 0), "a sandbox is looked at once when it opens");
        assert!(!hooks.has_work(0, 0));
        assert!(hooks.has_work(1, 0), "a write queued an event");
        hooks.looked(1, Some(5_000));
        assert!(!hooks.has_work(1, 4_999));
        assert!(hooks.has_work(1, 5_000), "the clock reached a retry");
        hooks.set_paused(true);
        assert!(hooks.has_work(1, 5_000), "pausing wakes it once");
        assert!(!hooks.has_work(1, 9_000), "a paused sandbox's retries wait");
    }
}
