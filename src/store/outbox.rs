//! The outbox of event subscriptions: events a write emits, queued in its own transaction when
//! someone subscribes to them, where each subscription has got to in them, and the deliveries
//! with their attempts. A delivery is not written when its event is queued: it is the event in
//! the outbox past its subscription's place until it is attempted (then a row records it), so a
//! write costs one row however many subscribe. The store keeps the rows; the worker decides.

use super::db::Db;
use crate::domain::events::{self, Verb};
use rusqlite::functions::{Context, FunctionFlags};
use rusqlite::{Connection, OptionalExtension, params};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// The SQL function a write calls for an event someone subscribes to: it says whether the event
/// is queued (the queue has room) and lets the sandbox notice either way without reading a table.
const QUEUED_FUNCTION: &str = "sandbox_event_queued";

/// What a sandbox's writes tell its delivery worker without the worker reading the tables: how
/// many events they queued, and the events they turned away because the queue was already full
/// (a full queue costs a write one read of the pending count, not a row the worker throws away).
#[derive(Debug)]
pub(super) struct Signals {
    queued: AtomicU64,
    /// Pending deliveries the sandbox holds at most, as the worker last said (no bound until then:
    /// the worker's fan-out refuses what is past it).
    limit: AtomicI64,
    refused: Mutex<Option<RefusedEvents>>,
}

/// Events turned away while the queue was full: the first of them, and how many in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedEvents {
    pub company_id: i64,
    pub event: String,
    pub object_id: i64,
    pub count: u64,
}

impl Signals {
    fn new() -> Self {
        Self {
            queued: AtomicU64::new(0),
            limit: AtomicI64::new(i64::MAX),
            refused: Mutex::new(None),
        }
    }

    /// Registers [`QUEUED_FUNCTION`] on `conn`, answering through a new set of signals.
    pub(super) fn install(conn: &Connection) -> rusqlite::Result<std::sync::Arc<Self>> {
        let signals = std::sync::Arc::new(Self::new());
        let seen = signals.clone();
        conn.create_scalar_function(QUEUED_FUNCTION, 4, FunctionFlags::SQLITE_UTF8, move |ctx| {
            seen.event_written(ctx)
        })?;
        Ok(signals)
    }

    /// `sandbox_event_queued(company, event, object, pending)`: true when the event may be queued.
    fn event_written(&self, ctx: &Context<'_>) -> rusqlite::Result<bool> {
        if ctx.get::<i64>(3)? < self.limit.load(Ordering::Relaxed) {
            self.queued.fetch_add(1, Ordering::Release);
            return Ok(true);
        }
        let mut refused = self.refused.lock().unwrap_or_else(PoisonError::into_inner);
        match refused.as_mut() {
            Some(first) => first.count += 1,
            None => {
                *refused = Some(RefusedEvents {
                    company_id: ctx.get(0)?,
                    event: ctx.get(1)?,
                    object_id: ctx.get(2)?,
                    count: 1,
                })
            }
        }
        Ok(false)
    }

    /// How many events writes have queued since the store opened (rolled back or not): the
    /// delivery worker looks at the outbox when this moves. Events turned away do not wake it; it
    /// records them on its own pace.
    pub(super) fn written(&self) -> u64 {
        self.queued.load(Ordering::Acquire)
    }

    pub(super) fn limit_pending(&self, limit: usize) {
        self.limit
            .store(i64::try_from(limit).unwrap_or(i64::MAX), Ordering::Relaxed);
    }

    pub(super) fn take_refused(&self) -> Option<RefusedEvents> {
        self.refused.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// What a delivery has come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    Delivered,
    /// Every attempt failed.
    Failed,
    /// Never queued: the sandbox's queue was full.
    Refused,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Delivered => "DELIVERED",
            Self::Failed => "FAILED",
            Self::Refused => "REFUSED",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "DELIVERED" => Self::Delivered,
            "FAILED" => Self::Failed,
            "REFUSED" => Self::Refused,
            _ => Self::Pending,
        }
    }
}

/// One delivery of one event to one subscription: a row once attempted, refused or held, or an
/// event in the outbox a subscription has not taken yet (no `id` until its first attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: Option<i64>,
    pub subscription_id: i64,
    pub company_id: i64,
    pub event: String,
    pub object_id: i64,
    pub state: DeliveryState,
    pub attempts: u32,
    pub created_ms: i64,
    pub next_ms: Option<i64>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub latency_ms: Option<i64>,
    pub done_ms: Option<i64>,
    /// The event's place in the outbox (newer events have larger ones).
    pub seq: Option<i64>,
}

const DELIVERY_COLUMNS: &str = "id, subscription_id, company_id, event, object_id, state, attempts, created_ms, next_ms, last_status, last_error, latency_ms, done_ms, seq";

fn delivery_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: row.get(0)?,
        subscription_id: row.get(1)?,
        company_id: row.get(2)?,
        event: row.get(3)?,
        object_id: row.get(4)?,
        state: DeliveryState::parse(&row.get::<_, String>(5)?),
        attempts: row.get(6)?,
        created_ms: row.get(7)?,
        next_ms: row.get(8)?,
        last_status: row.get(9)?,
        last_error: row.get(10)?,
        latency_ms: row.get(11)?,
        done_ms: row.get(12)?,
        seq: row.get(13)?,
    })
}

/// An event a subscription has not taken yet, as a delivery not attempted: columns
/// `subscription_id, company_id, event, object_id, created_ms, seq`.
fn waiting_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryRow> {
    let created: Option<i64> = row.get(4)?;
    Ok(DeliveryRow {
        id: None,
        subscription_id: row.get(0)?,
        company_id: row.get(1)?,
        event: row.get(2)?,
        object_id: row.get(3)?,
        state: DeliveryState::Pending,
        attempts: 0,
        created_ms: created.unwrap_or(0),
        next_ms: Some(created.unwrap_or(0)),
        last_status: None,
        last_error: None,
        latency_ms: None,
        done_ms: None,
        seq: row.get(5)?,
    })
}

/// How an attempt went, and what comes of the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub status: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: i64,
    /// Delivered, tried again at a time, or failed for good.
    pub then: AttemptThen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptThen {
    Delivered { at_ms: i64 },
    Retry { at_ms: i64 },
    Failed { at_ms: i64 },
}

impl Attempt {
    fn state_next_done(&self) -> (DeliveryState, Option<i64>, Option<i64>) {
        match self.then {
            AttemptThen::Delivered { at_ms } => (DeliveryState::Delivered, None, Some(at_ms)),
            AttemptThen::Retry { at_ms } => (DeliveryState::Pending, Some(at_ms), None),
            AttemptThen::Failed { at_ms } => (DeliveryState::Failed, None, Some(at_ms)),
        }
    }
}

/// Finished deliveries kept for the control plane to show; older ones are forgotten.
const FINISHED_KEPT: i64 = 1000;

/// Forgets all but the newest `?1 + 1` finished deliveries, through the index of finished ones
/// (a queue full of pending deliveries is not read).
const FORGET_FINISHED: &str = "DELETE FROM webhook_deliveries WHERE state != 'PENDING' AND id < (
    SELECT id FROM webhook_deliveries WHERE state != 'PENDING' ORDER BY id DESC LIMIT 1 OFFSET ?1)";

/// Events the worker counts into the pending deliveries per pass at most (more wait for the next).
const COUNTED_PER_PASS: i64 = 4096;

/// Events of one subscription the worker looks at per pass at most while finding deliveries to
/// attempt (those held behind an earlier delivery of their object are made rows as it goes).
const LOOKED_AT: i64 = 64;

/// What a row written for an event records of it besides its state.
#[derive(Default)]
struct Outcome<'a> {
    next_ms: Option<i64>,
    status: Option<u16>,
    error: Option<&'a str>,
    latency_ms: Option<i64>,
    done_ms: Option<i64>,
}

/// A subscription with events waiting: where it stands and the first event it has not taken.
struct Waiting {
    id: i64,
    company_id: i64,
    event: String,
    taken: i64,
}

impl Db<'_> {
    /// Queues the event a write of `verb` to an object emits, if anyone in its company subscribes
    /// to it. Only a sandbox's own connection (one with a seed template) keeps an outbox.
    pub(super) fn object_written(&self, resource: &str, company_id: i64, id: i64, verb: Verb) -> rusqlite::Result<()> {
        let Some(event) = events::emitted(resource, verb) else {
            return Ok(());
        };
        if !self.keeps_an_outbox() {
            return Ok(());
        }
        self.conn()
            .prepare_cached(
                "INSERT INTO outbox(company_id, event, object_id) SELECT ?1, ?2, ?3
                 WHERE CASE WHEN EXISTS (SELECT 1 FROM event_subscriptions WHERE company_id = ?1 AND event = ?2 AND active)
                   THEN sandbox_event_queued(?1, ?2, ?3, (SELECT n FROM webhook_pending)) ELSE 0 END",
            )?
            .execute(params![company_id, event, id])?;
        Ok(())
    }

    /// The company of an object about to be deleted, where its delete emits an event someone
    /// may subscribe to (read before the row goes).
    pub(super) fn company_before_delete(&self, resource: &str, id: i64) -> rusqlite::Result<Option<i64>> {
        if events::emitted(resource, Verb::Delete).is_none() || !self.keeps_an_outbox() {
            return Ok(None);
        }
        Ok(self.object_row(resource, id)?.map(|row| row.company_id))
    }

    /// The last event counted into the pending deliveries.
    fn accounted(&self) -> rusqlite::Result<i64> {
        self.conn()
            .prepare_cached("SELECT accounted FROM webhook_pending")?
            .query_row([], |r| r.get(0))
    }

    /// Counts the events queued since the last call into the pending deliveries (one per event
    /// and active subscriber; about [`COUNTED_PER_PASS`] events at a time), stamping them with
    /// `now_ms`, until `limit` deliveries would be pending: that event and every event queued
    /// after it are refused (dropped, the first recorded refused for each subscriber, the rest
    /// counted in its reason). No delivery row is written for the events counted. Answers how
    /// many deliveries were counted pending and how many events refused.
    pub fn count_queued_events(&self, now_ms: i64, limit: usize, refusal: &str) -> rusqlite::Result<(i64, usize)> {
        let accounted = self.accounted()?;
        let fans: Vec<(i64, i64)> = self
            .conn()
            .prepare_cached(
                "SELECT o.seq, (SELECT COUNT(*) FROM event_subscriptions s WHERE s.company_id = o.company_id
                   AND s.event = o.event AND s.active AND s.taken_seq < o.seq)
                 FROM outbox o WHERE o.seq > ?1 ORDER BY o.seq LIMIT ?2",
            )?
            .query_map([accounted, COUNTED_PER_PASS], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let room = i64::try_from(limit)
            .unwrap_or(i64::MAX)
            .saturating_sub(self.pending_deliveries()?);
        let (mut counted, mut last) = (0_i64, accounted);
        let mut refused_from = None;
        for (seq, fan) in fans {
            if fan > 0 && counted + fan > room {
                refused_from = Some(seq);
                break;
            }
            (counted, last) = (counted + fan, seq);
        }
        self.conn()
            .prepare_cached("UPDATE outbox SET created_ms = ?3 WHERE seq > ?1 AND seq <= ?2")?
            .execute([accounted, last, now_ms])?;
        let refused = match refused_from {
            Some(first) => self.refuse_events_from(first, now_ms, refusal)?,
            None => 0,
        };
        self.conn()
            .prepare_cached("UPDATE webhook_pending SET n = n + ?1, accounted = ?2")?
            .execute([counted, last])?;
        Ok((counted, refused))
    }

    /// Refuses the queued event `first` and every event after it (none of them counted yet):
    /// records the first refused for each of its subscribers and drops them all. A subscription
    /// made after them starts at the newest event left, as if made then.
    fn refuse_events_from(&self, first: i64, now_ms: i64, refusal: &str) -> rusqlite::Result<usize> {
        let head: Option<(i64, String, i64)> = self
            .conn()
            .prepare_cached("SELECT company_id, event, object_id FROM outbox WHERE seq = ?1")?
            .query_row([first], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let dropped = self
            .conn()
            .prepare_cached("DELETE FROM outbox WHERE seq >= ?1")?
            .execute([first])?;
        self.conn()
            .prepare_cached(
                "UPDATE event_subscriptions SET taken_seq = (SELECT COALESCE(MAX(seq), 0) FROM outbox)
                 WHERE taken_seq > (SELECT COALESCE(MAX(seq), 0) FROM outbox)",
            )?
            .execute([])?;
        if let Some((company_id, event, object_id)) = head {
            let refused = RefusedEvents {
                company_id,
                event,
                object_id,
                count: u64::try_from(dropped).unwrap_or(u64::MAX),
            };
            self.record_refused_events(&refused, now_ms, refusal)?;
        }
        Ok(dropped)
    }

    /// Records events turned away (at the door, or past the bound when counted): one refused
    /// delivery of the first of them for each of its active subscribers, the others counted in
    /// the reason. They are listed as the newest.
    pub fn record_refused_events(
        &self,
        refused: &RefusedEvents,
        now_ms: i64,
        refusal: &str,
    ) -> rusqlite::Result<usize> {
        let reason = match refused.count {
            0 | 1 => refusal.to_owned(),
            2 => format!("{refusal} (1 event written after it was refused with it)"),
            n => format!("{refusal} ({} events written after it were refused with it)", n - 1),
        };
        let made = self
            .conn()
            .prepare_cached(
                "INSERT INTO webhook_deliveries(subscription_id, company_id, event, object_id, state, attempts, created_ms, last_error, done_ms, seq)
                 SELECT id, company_id, event, ?3, 'REFUSED', 0, ?4, ?5, ?4, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox)
                 FROM event_subscriptions WHERE company_id = ?1 AND event = ?2 AND active ORDER BY id",
            )?
            .execute(params![refused.company_id, refused.event, refused.object_id, now_ms, reason])?;
        self.forget_finished_deliveries()?;
        Ok(made)
    }

    /// Pending delivery rows of active subscriptions due by `now_ms`, oldest first, none of them
    /// behind an earlier pending delivery of the same object to the same subscription.
    pub fn due_deliveries(&self, now_ms: i64, limit: usize) -> rusqlite::Result<Vec<DeliveryRow>> {
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries d
             WHERE d.state = 'PENDING' AND d.next_ms <= ?1
               AND EXISTS (SELECT 1 FROM event_subscriptions s WHERE s.id = d.subscription_id AND s.active)
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.state = 'PENDING'
                   AND e.subscription_id = d.subscription_id AND e.object_id = d.object_id AND e.id < d.id)
             ORDER BY d.next_ms, d.id LIMIT ?2"
        );
        let mut statement = self.conn().prepare_cached(&sql)?;
        let rows = statement.query_map(params![now_ms, i64::try_from(limit).unwrap_or(i64::MAX)], delivery_from)?;
        rows.collect()
    }

    /// Events active subscriptions have not taken, as deliveries to attempt now (at most
    /// `limit`, shared among the subscriptions whose oldest waiting event is oldest), in order
    /// per subscription. An event held behind a pending delivery of its object to the same
    /// subscription is taken as a pending row instead (it goes once the earlier one has).
    pub fn due_events(&self, now_ms: i64, limit: usize) -> rusqlite::Result<Vec<DeliveryRow>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let accounted = self.accounted()?;
        let waiting: Vec<Waiting> = self
            .conn()
            .prepare_cached(
                "SELECT id, company_id, event, taken_seq FROM (SELECT s.*, (SELECT MIN(o.seq) FROM outbox o
                   WHERE o.company_id = s.company_id AND o.event = s.event AND o.seq > s.taken_seq AND o.seq <= ?1) AS next
                 FROM event_subscriptions s WHERE s.active AND s.taken_seq < ?1) WHERE next IS NOT NULL ORDER BY next, id LIMIT ?2",
            )?
            .query_map(params![accounted, i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok(Waiting {
                    id: r.get(0)?,
                    company_id: r.get(1)?,
                    event: r.get(2)?,
                    taken: r.get(3)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let share = (limit / waiting.len().max(1)).max(1);
        let mut due = Vec::with_capacity(limit);
        for subscription in &waiting {
            let room = share.min(limit.saturating_sub(due.len()));
            due.extend(self.due_events_of(subscription, accounted, room, now_ms)?);
        }
        Ok(due)
    }

    /// Up to `room` events of one subscription to attempt, in order; events held behind a pending
    /// delivery of their object at the head of its backlog become pending rows as they are met.
    fn due_events_of(
        &self,
        waiting: &Waiting,
        accounted: i64,
        room: usize,
        now_ms: i64,
    ) -> rusqlite::Result<Vec<DeliveryRow>> {
        let events: Vec<DeliveryRow> = self
            .conn()
            .prepare_cached(
                "SELECT ?1, company_id, event, object_id, created_ms, seq FROM outbox
                 WHERE company_id = ?2 AND event = ?3 AND seq > ?4 AND seq <= ?5 ORDER BY seq LIMIT ?6",
            )?
            .query_map(
                params![
                    waiting.id,
                    waiting.company_id,
                    waiting.event,
                    waiting.taken,
                    accounted,
                    LOOKED_AT
                ],
                waiting_from,
            )?
            .collect::<rusqlite::Result<_>>()?;
        let mut due = Vec::new();
        for event in events {
            if due.len() >= room {
                break;
            }
            if !self.held(&event)? {
                due.push(event);
            } else if due.is_empty() {
                let held = Outcome {
                    next_ms: Some(now_ms),
                    ..Outcome::default()
                };
                self.take_event(&event, DeliveryState::Pending, 0, &held)?;
            } else {
                break;
            }
        }
        Ok(due)
    }

    /// Whether a pending delivery of the same object to the same subscription is ahead of `event`.
    fn held(&self, event: &DeliveryRow) -> rusqlite::Result<bool> {
        self.conn()
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE state = 'PENDING' AND subscription_id = ?1 AND object_id = ?2)",
            )?
            .query_row([event.subscription_id, event.object_id], |r| r.get(0))
    }

    /// Writes the row of an event its subscription takes and moves the subscription past it;
    /// false if the subscription no longer waits for it (deleted or changed meanwhile).
    fn take_event(
        &self,
        event: &DeliveryRow,
        state: DeliveryState,
        attempts: u32,
        outcome: &Outcome<'_>,
    ) -> rusqlite::Result<bool> {
        let Some(seq) = event.seq else {
            return Ok(false);
        };
        let moved = self
            .conn()
            .prepare_cached(
                "UPDATE event_subscriptions SET taken_seq = ?2 WHERE id = ?1 AND active AND taken_seq < ?2
                 AND company_id = ?3 AND event = ?4",
            )?
            .execute(params![event.subscription_id, seq, event.company_id, event.event])?;
        if moved == 0 {
            return Ok(false);
        }
        self.conn()
            .prepare_cached("UPDATE webhook_pending SET n = n - 1")?
            .execute([])?;
        self.conn()
            .prepare_cached(
                "INSERT INTO webhook_deliveries(subscription_id, company_id, event, object_id, state, attempts, created_ms, seq,
                   next_ms, last_status, last_error, latency_ms, done_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                event.subscription_id,
                event.company_id,
                event.event,
                event.object_id,
                state.as_str(),
                attempts,
                event.created_ms,
                seq,
                outcome.next_ms,
                outcome.status,
                outcome.error,
                outcome.latency_ms,
                outcome.done_ms
            ])?;
        Ok(true)
    }

    /// When the next pending delivery row of an active subscription is due, if one is pending.
    pub fn next_delivery_due(&self) -> rusqlite::Result<Option<i64>> {
        self.conn()
            .prepare_cached(
                "SELECT MIN(d.next_ms) FROM webhook_deliveries d WHERE d.state = 'PENDING'
                 AND EXISTS (SELECT 1 FROM event_subscriptions s WHERE s.id = d.subscription_id AND s.active)",
            )?
            .query_row([], |r| r.get(0))
    }

    /// Records an attempt of `delivery`: its row changed, or (an event not attempted before) its
    /// row written and its subscription moved past the event.
    pub fn record_attempt(&self, delivery: &DeliveryRow, attempt: &Attempt) -> rusqlite::Result<()> {
        let (state, next, done) = attempt.state_next_done();
        match delivery.id {
            Some(id) => {
                self.conn()
                    .prepare_cached(
                        "UPDATE webhook_deliveries SET state = ?2, attempts = attempts + 1, next_ms = ?3, last_status = ?4,
                         last_error = ?5, latency_ms = ?6, done_ms = ?7 WHERE id = ?1",
                    )?
                    .execute(params![
                        id,
                        state.as_str(),
                        next,
                        attempt.status,
                        attempt.error,
                        attempt.latency_ms,
                        done
                    ])?;
            }
            None => {
                let outcome = Outcome {
                    next_ms: next,
                    status: attempt.status,
                    error: attempt.error.as_deref(),
                    latency_ms: Some(attempt.latency_ms),
                    done_ms: done,
                };
                self.take_event(delivery, state, 1, &outcome)?;
            }
        }
        self.forget_finished_deliveries()
    }

    /// Moves active subscriptions with nothing waiting up to the last counted event, and drops
    /// the events every active subscription has taken (the newest event stays, so the outbox's
    /// numbering goes on after it).
    pub fn forget_taken_events(&self) -> rusqlite::Result<()> {
        let accounted = self.accounted()?;
        self.conn()
            .prepare_cached(
                "UPDATE event_subscriptions SET taken_seq = ?1 WHERE active AND taken_seq < ?1 AND NOT EXISTS (
                   SELECT 1 FROM outbox o WHERE o.company_id = event_subscriptions.company_id
                   AND o.event = event_subscriptions.event AND o.seq > event_subscriptions.taken_seq AND o.seq <= ?1)",
            )?
            .execute([accounted])?;
        self.conn()
            .prepare_cached(
                "DELETE FROM outbox WHERE seq <= MIN(?1, COALESCE((SELECT MIN(taken_seq) FROM event_subscriptions WHERE active), ?1))
                 AND seq < (SELECT MAX(seq) FROM outbox)",
            )?
            .execute([accounted])
            .map(drop)
    }

    /// Whether an active subscription has counted events it has not taken.
    pub fn events_waiting(&self) -> rusqlite::Result<bool> {
        self.conn()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM webhook_backlog)")?
            .query_row([], |r| r.get(0))
    }

    /// Keeps the newest [`FINISHED_KEPT`] finished deliveries.
    fn forget_finished_deliveries(&self) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached(FORGET_FINISHED)?
            .execute([FINISHED_KEPT - 1])
            .map(drop)
    }

    /// The newest deliveries first (by their event's place, rows and events not taken yet
    /// alike), at most `limit`.
    pub fn deliveries(&self, limit: usize) -> rusqlite::Result<Vec<DeliveryRow>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries ORDER BY seq DESC, id DESC LIMIT ?1");
        let rows: Vec<DeliveryRow> = self
            .conn()
            .prepare_cached(&sql)?
            .query_map([limit], delivery_from)?
            .collect::<rusqlite::Result<_>>()?;
        let waiting: Vec<DeliveryRow> = self
            .conn()
            .prepare_cached(
                "SELECT subscription_id, company_id, event, object_id, created_ms, seq FROM webhook_backlog
                 ORDER BY seq DESC, subscription_id DESC LIMIT ?1",
            )?
            .query_map([limit], waiting_from)?
            .collect::<rusqlite::Result<_>>()?;
        let key = |d: &DeliveryRow| {
            (
                d.seq.unwrap_or(i64::MIN),
                d.id.is_none(),
                d.id.unwrap_or(d.subscription_id),
            )
        };
        let mut all: Vec<DeliveryRow> = rows.into_iter().chain(waiting).collect();
        all.sort_by_key(|d| std::cmp::Reverse(key(d)));
        all.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(all)
    }

    pub fn delivery(&self, id: i64) -> rusqlite::Result<Option<DeliveryRow>> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?1");
        self.conn()
            .prepare_cached(&sql)?
            .query_row([id], delivery_from)
            .optional()
    }

    /// Queues delivery `id` again, due at `now_ms` (its attempts counted on); false if there is
    /// no such delivery.
    pub fn redeliver(&self, id: i64, now_ms: i64) -> rusqlite::Result<bool> {
        let changed = self
            .conn()
            .prepare_cached(
                "UPDATE webhook_deliveries SET state = 'PENDING', next_ms = ?2, done_ms = NULL WHERE id = ?1",
            )?
            .execute(params![id, now_ms])?;
        Ok(changed == 1)
    }

    /// How many deliveries wait for an attempt: pending rows and counted events not taken yet
    /// (a row the schema's triggers and the worker keep).
    pub fn pending_deliveries(&self) -> rusqlite::Result<i64> {
        self.conn()
            .prepare_cached("SELECT n FROM webhook_pending")?
            .query_row([], |r| r.get(0))
    }

    /// Whether events wait to be counted.
    pub fn events_to_count(&self) -> rusqlite::Result<bool> {
        self.conn()
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox WHERE seq > (SELECT accounted FROM webhook_pending))")?
            .query_row([], |r| r.get(0))
    }
}

#[cfg(test)]
mod tests {
    use super::{Attempt, AttemptThen, DeliveryState};
    use crate::domain::events::Verb;
    use crate::store::Store;

    /// Forgetting old finished deliveries reads the finished ones only, never the pending queue.
    #[test]
    fn forgetting_finished_deliveries_reads_them_through_their_own_index() {
        let store = Store::open_in_memory().unwrap();
        let plan: Vec<String> = store
            .with(|db| {
                let mut statement = db
                    .conn()
                    .prepare(&format!("EXPLAIN QUERY PLAN {}", super::FORGET_FINISHED))?;
                let rows = statement.query_map([999], |r| r.get::<_, String>(3))?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .unwrap();
        assert!(
            plan.iter()
                .filter(|step| step.contains("webhook_deliveries "))
                .all(|step| step.contains("USING INDEX webhook_deliveries_finished")),
            "{plan:?}"
        );
    }

    #[test]
    fn the_pending_count_follows_every_change_of_a_delivery() {
        let store = Store::open_in_memory().unwrap();
        store
            .transaction(|db| {
                let counted = |db: &super::Db<'_>| -> rusqlite::Result<i64> {
                    db.conn().query_row(
                        "SELECT COUNT(*) FROM webhook_deliveries WHERE state = 'PENDING'",
                        [],
                        |r| r.get(0),
                    )
                };
                for (subscription, state) in [
                    (1, DeliveryState::Pending),
                    (2, DeliveryState::Pending),
                    (1, DeliveryState::Refused),
                ] {
                    db.conn().execute(
                        "INSERT INTO webhook_deliveries(subscription_id, company_id, event, object_id, state, attempts, created_ms)
                         VALUES (?1, 7, 'customer.create', 40, ?2, 0, 1000)",
                        rusqlite::params![subscription, state.as_str()],
                    )?;
                }
                assert_eq!((db.pending_deliveries()?, counted(db)?), (2, 2));
                let first = db.deliveries(10)?.last().cloned().unwrap();
                db.record_attempt(&first, &delivered(2_000))?;
                assert_eq!((db.pending_deliveries()?, counted(db)?), (1, 1));
                assert!(db.redeliver(first.id.unwrap(), 3_000)?);
                assert_eq!((db.pending_deliveries()?, counted(db)?), (2, 2));
                db.conn()
                    .execute("DELETE FROM webhook_deliveries WHERE subscription_id = 1", [])?;
                assert_eq!((db.pending_deliveries()?, counted(db)?), (1, 1));
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }

    fn delivered(at_ms: i64) -> Attempt {
        Attempt {
            status: Some(200),
            error: None,
            latency_ms: 1,
            then: AttemptThen::Delivered { at_ms },
        }
    }

    /// Subscriptions to customer.create of company 7 (id, active), written as the subscription
    /// objects' triggers would.
    fn subscribed(db: &super::Db<'_>, subscriptions: &[(i64, i64)]) -> rusqlite::Result<()> {
        for (id, active) in subscriptions {
            db.conn().execute(
                "INSERT INTO event_subscriptions(id, company_id, event, active) VALUES (?1, 7, 'customer.create', ?2)",
                [id, active],
            )?;
        }
        Ok(())
    }

    fn queue(db: &super::Db<'_>, objects: impl IntoIterator<Item = i64>) -> rusqlite::Result<()> {
        for object in objects {
            db.conn().execute(
                "INSERT INTO outbox(company_id, event, object_id) VALUES (7, 'customer.create', ?1)",
                [object],
            )?;
        }
        Ok(())
    }

    fn outbox_objects(db: &super::Db<'_>) -> rusqlite::Result<Vec<i64>> {
        let mut statement = db.conn().prepare("SELECT object_id FROM outbox ORDER BY seq")?;
        let rows = statement.query_map([], |r| r.get(0))?;
        rows.collect()
    }

    /// Three events to three active subscribers (a fourth is inactive) with room for five: the
    /// first event counts three pending deliveries and writes no row; the second would make six,
    /// so it and the third are refused, recorded for each subscriber of the second.
    #[test]
    fn queued_events_are_counted_in_order_until_the_queue_is_full_and_the_rest_are_refused() {
        let store = Store::open_in_memory().unwrap();
        let (counted, pending, rows, left) = store
            .transaction(|db| {
                subscribed(db, &[(1, 1), (2, 1), (3, 0), (4, 1)])?;
                queue(db, [40, 41, 42])?;
                let counted = db.count_queued_events(1_000, 5, "full")?;
                let rows: Vec<(i64, i64, DeliveryState, Option<i64>)> = db
                    .deliveries(20)?
                    .iter()
                    .map(|d| (d.object_id, d.subscription_id, d.state, d.id.map(|_| 1)))
                    .collect();
                Ok::<_, rusqlite::Error>((counted, db.pending_deliveries()?, rows, outbox_objects(db)?))
            })
            .unwrap();
        use DeliveryState::{Pending, Refused};
        assert_eq!((counted, pending), ((3, 2), 3));
        assert_eq!(left, [40], "the refused events are dropped");
        assert_eq!(
            rows,
            [
                (41, 4, Refused, Some(1)),
                (41, 2, Refused, Some(1)),
                (41, 1, Refused, Some(1)),
                (40, 4, Pending, None),
                (40, 2, Pending, None),
                (40, 1, Pending, None)
            ],
            "newest first; the pending ones are events not taken yet, without a row"
        );
    }

    /// Once the queue holds its bound, a write queues nothing: its event is turned away at the
    /// door, and the worker records it refused for each subscriber, the later ones counted.
    #[test]
    fn a_full_queue_turns_events_away_at_the_write_and_they_are_recorded_refused() {
        let store = Store::open_in_memory().unwrap();
        store.limit_pending_deliveries(2);
        let written = store.events_queued();
        let queued = store
            .transaction(|db| {
                subscribed(db, &[(1, 1), (2, 1)])?;
                db.object_written("customer", 7, 40, Verb::Create)?;
                db.count_queued_events(1_000, 2, "full")?;
                assert_eq!(db.pending_deliveries()?, 2);
                for object in [41, 42, 43] {
                    db.object_written("customer", 7, object, Verb::Create)?;
                }
                outbox_objects(db)
            })
            .unwrap();
        assert_eq!(queued, [40], "a full queue takes no more events");
        assert_eq!(
            store.events_queued(),
            written + 1,
            "only the queued event wakes the worker"
        );
        let refused = store.take_refused_events().unwrap();
        assert_eq!((refused.object_id, refused.count), (41, 3));
        assert_eq!(store.take_refused_events(), None);
        let rows = store
            .transaction(|db| {
                db.record_refused_events(&refused, 2_000, "full")?;
                db.deliveries(10)
            })
            .unwrap();
        let refusals: Vec<(i64, i64, DeliveryState)> = rows
            .iter()
            .filter(|d| d.state == DeliveryState::Refused)
            .map(|d| (d.subscription_id, d.object_id, d.state))
            .collect();
        assert_eq!(
            refusals,
            [(2, 41, DeliveryState::Refused), (1, 41, DeliveryState::Refused)]
        );
        assert_eq!(
            rows[0].last_error.as_deref(),
            Some("full (2 events written after it were refused with it)")
        );
    }

    /// An event is taken by each subscription in turn: attempted, its row written and the
    /// subscription moved past it; one held behind a pending delivery of its object becomes a
    /// pending row; events every subscription has taken leave the outbox (the newest stays).
    #[test]
    fn events_become_rows_only_when_their_subscription_takes_them() {
        let store = Store::open_in_memory().unwrap();
        store
            .transaction(|db| {
                subscribed(db, &[(1, 1), (2, 1)])?;
                queue(db, [40, 41, 40])?;
                db.count_queued_events(1_000, 100, "full")?;
                assert_eq!(db.pending_deliveries()?, 6);
                let due = db.due_events(1_000, 16)?;
                let taken: Vec<(i64, i64)> = due.iter().map(|d| (d.subscription_id, d.object_id)).collect();
                assert_eq!(taken, [(1, 40), (1, 41), (1, 40), (2, 40), (2, 41), (2, 40)]);
                let retry = Attempt {
                    status: Some(500),
                    error: Some("the receiver answered 500".into()),
                    latency_ms: 3,
                    then: AttemptThen::Retry { at_ms: 61_000 },
                };
                db.record_attempt(&due[0], &retry)?;
                db.record_attempt(&due[1], &delivered(1_001))?;
                assert_eq!(db.pending_deliveries()?, 5, "one retry row and four events");
                let again: Vec<(i64, i64)> = db
                    .due_events(1_000, 16)?
                    .iter()
                    .map(|d| (d.subscription_id, d.object_id))
                    .collect();
                assert_eq!(
                    again,
                    [(2, 40), (2, 41), (2, 40)],
                    "1's second 40 is held behind its retry"
                );
                let rows = db.deliveries(10)?;
                let held = rows.iter().find(|d| d.subscription_id == 1 && d.attempts == 0).unwrap();
                assert_eq!(
                    (held.object_id, held.state, held.id.is_some()),
                    (40, DeliveryState::Pending, true)
                );
                assert_eq!(
                    db.due_deliveries(200_000, 16)?.len(),
                    1,
                    "the retry, not the one behind it"
                );
                for event in db.due_events(1_000, 16)? {
                    db.record_attempt(&event, &delivered(1_002))?;
                }
                db.forget_taken_events()?;
                assert_eq!(outbox_objects(db)?, [40], "the newest event stays");
                assert!(!db.events_waiting()?);
                assert_eq!(db.pending_deliveries()?, 2);
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }

    /// A subscription deleted takes its events out of the count; one disabled keeps them as
    /// pending rows that wait for it; one made later starts after the newest event.
    #[test]
    fn subscriptions_changing_keep_the_count_of_their_events() {
        let store = Store::open_in_memory().unwrap();
        let subscription = |id: i64, status: &str| crate::store::StoredObject {
            id,
            company_id: 7,
            version: 0,
            body: [("event", "customer.create"), ("status", status)]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), serde_json::Value::from(v)))
                .collect(),
            changes: Vec::new(),
        };
        store
            .transaction(|db| {
                db.insert_object("event/subscription", &subscription(1, "ACTIVE"))?;
                db.insert_object("event/subscription", &subscription(2, "ACTIVE"))?;
                queue(db, [40, 41])?;
                db.count_queued_events(1_000, 100, "full")?;
                db.insert_object("event/subscription", &subscription(3, "ACTIVE"))?;
                assert_eq!(db.pending_deliveries()?, 4);
                assert!(db.delete_object("event/subscription", 1)?);
                assert_eq!(db.pending_deliveries()?, 2);
                db.update_object("event/subscription", &subscription(2, "DISABLED_TOO_MANY_ERRORS"))?;
                assert_eq!(db.pending_deliveries()?, 2, "kept as rows");
                assert!(db.due_events(1_000, 16)?.is_empty());
                let rows: Vec<(i64, Option<i64>)> = db
                    .deliveries(10)?
                    .iter()
                    .map(|d| (d.object_id, d.id.map(|_| 2)))
                    .collect();
                assert_eq!(rows, [(41, Some(2)), (40, Some(2))]);
                queue(db, [42])?;
                db.count_queued_events(2_000, 100, "full")?;
                let due: Vec<(i64, i64)> = db
                    .due_events(2_000, 16)?
                    .iter()
                    .map(|d| (d.subscription_id, d.object_id))
                    .collect();
                assert_eq!(due, [(3, 42)], "3 takes the events queued after it was made");
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }

    /// The memory a sandbox's pending deliveries take, as the in-memory database's pages: the
    /// events of 100 subscribers not taken yet, and as many deliveries waiting as rows (retries,
    /// or the events of subscriptions disabled) or as the events of one subscriber.
    #[test]
    fn a_hundred_thousand_pending_deliveries_take_under_twelve_megabytes() {
        let bytes = |db: &super::Db<'_>| -> i64 {
            let pages: i64 = db.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
            let size: i64 = db.conn().query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
            pages * size
        };
        let grown = |fill: &dyn Fn(&super::Db<'_>) -> rusqlite::Result<()>| -> i64 {
            let store = Store::open_in_memory().unwrap();
            store
                .transaction(|db| {
                    let before = bytes(db);
                    fill(db)?;
                    while db.events_to_count()? {
                        db.count_queued_events(1_800_000_000_000, 100_000, "full")?;
                    }
                    assert_eq!(db.pending_deliveries()?, 100_000);
                    Ok::<_, rusqlite::Error>(bytes(db) - before)
                })
                .unwrap()
        };
        let fanned = grown(&|db| {
            subscribed(db, &(1..=100).map(|id| (id, 1)).collect::<Vec<_>>())?;
            queue(db, 2_000_000..2_001_000)
        });
        let one_subscriber = grown(&|db| {
            subscribed(db, &[(1, 1)])?;
            queue(db, 2_000_000..2_100_000)
        });
        let rows = grown(&|db| {
            let mut insert = db.conn().prepare(
                "INSERT INTO webhook_deliveries(subscription_id, company_id, event, object_id, state, attempts, created_ms, next_ms, seq)
                 VALUES (?1, 7, 'customer.create', ?2, 'PENDING', 0, 1800000000000, 1800000000000, ?2)",
            )?;
            for n in 0..100_000_i64 {
                insert.execute([1_000_000 + n % 100, 2_000_000 + n])?;
            }
            Ok(())
        });
        for (shape, grown) in [
            ("100 subscribers", fanned),
            ("one subscriber", one_subscriber),
            ("rows", rows),
        ] {
            assert!(
                grown < 12 * 1024 * 1024,
                "100,000 pending deliveries ({shape}) took {grown} bytes"
            );
        }
        assert!(fanned < 256 * 1024, "the events of 100 subscribers took {fanned} bytes");
    }
}
