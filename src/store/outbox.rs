//! The outbox of event subscriptions: events a write emits, queued in its own transaction when
//! someone subscribes to them, and the deliveries the worker makes of them (one per event and
//! subscription) with their attempts. The store keeps the rows; the worker decides.

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

/// One delivery of one event to one subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    pub id: i64,
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
}

const DELIVERY_COLUMNS: &str = "id, subscription_id, company_id, event, object_id, state, attempts, created_ms, next_ms, last_status, last_error, latency_ms, done_ms";

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

/// Finished deliveries kept for the control plane to show; older ones are forgotten.
const FINISHED_KEPT: i64 = 1000;

/// Forgets all but the newest `?1 + 1` finished deliveries, through the index of finished ones
/// (a queue full of pending deliveries is not read).
const FORGET_FINISHED: &str = "DELETE FROM webhook_deliveries WHERE state != 'PENDING' AND id < (
    SELECT id FROM webhook_deliveries WHERE state != 'PENDING' ORDER BY id DESC LIMIT 1 OFFSET ?1)";

/// The deliveries the queued events up to `?1` make: one per event and active subscriber.
const FANNED_OUT: &str = "FROM outbox o JOIN event_subscriptions s
    ON s.company_id = o.company_id AND s.event = o.event AND s.active WHERE o.seq <= ?1";

/// Deliveries one fan-out makes at most (more queued events wait for the next): the worker
/// holds the sandbox's connection for a millisecond or so, not for as long as a burst of
/// writes to a hundred subscriptions would take.
const FAN_OUT_ROWS: usize = 512;

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

    /// Makes queued events deliveries (about [`FAN_OUT_ROWS`] at a time): one per active
    /// subscription of the event's company, pending from `now_ms`, or refused once `limit`
    /// deliveries are pending. Once an event meets the queue full, every event queued after it is
    /// refused with it (dropped, and counted in the reason). Answers how many deliveries were made
    /// pending and how many refused.
    pub fn fan_out_events(&self, now_ms: i64, limit: usize, refusal: &str) -> rusqlite::Result<(usize, usize)> {
        let fan: i64 = self
            .conn()
            .prepare_cached("SELECT COUNT(*) FROM event_subscriptions WHERE active")?
            .query_row([], |r| r.get(0))?;
        let events = (FAN_OUT_ROWS as i64 / fan.max(1)).max(1);
        let last: Option<i64> = self
            .conn()
            .prepare_cached("SELECT MAX(seq) FROM (SELECT seq FROM outbox ORDER BY seq LIMIT ?1)")?
            .query_row([events], |r| r.get(0))?;
        let Some(last) = last else {
            return Ok((0, 0));
        };
        let wanted: i64 = self
            .conn()
            .prepare_cached(&format!("SELECT COUNT(*) {FANNED_OUT}"))?
            .query_row([last], |r| r.get(0))?;
        let room = i64::try_from(limit)
            .unwrap_or(i64::MAX)
            .saturating_sub(self.pending_deliveries()?)
            .max(0);
        let made = self.fan_out(last, (0, room), DeliveryState::Pending, now_ms, None)?;
        let mut refused = 0;
        if wanted > room {
            let later = self
                .conn()
                .prepare_cached("DELETE FROM outbox WHERE seq > ?1")?
                .execute([last])?;
            let reason = format!("{refusal} ({later} events queued after these were refused with them)");
            refused = self.fan_out(last, (room, -1), DeliveryState::Refused, now_ms, Some(&reason))?;
            self.forget_finished_deliveries()?;
        }
        self.conn()
            .prepare_cached("DELETE FROM outbox WHERE seq <= ?1")?
            .execute([last])?;
        Ok((made, refused))
    }

    /// Records events turned away at the door: one refused delivery of the first of them for each
    /// of its active subscribers, the others counted in the reason.
    pub fn record_refused_events(
        &self,
        refused: &RefusedEvents,
        now_ms: i64,
        refusal: &str,
    ) -> rusqlite::Result<usize> {
        let reason = match refused.count {
            1 => refusal.to_owned(),
            2 => format!("{refusal} (1 event written after it was refused with it)"),
            n => format!("{refusal} ({} events written after it were refused with it)", n - 1),
        };
        let made = self
            .conn()
            .prepare_cached(
                "INSERT INTO webhook_deliveries(subscription_id, company_id, event, object_id, state, attempts, created_ms, last_error, done_ms)
                 SELECT id, company_id, event, ?3, 'REFUSED', 0, ?4, ?5, ?4 FROM event_subscriptions
                 WHERE company_id = ?1 AND event = ?2 AND active ORDER BY id",
            )?
            .execute(params![refused.company_id, refused.event, refused.object_id, now_ms, reason])?;
        self.forget_finished_deliveries()?;
        Ok(made)
    }

    /// Writes the deliveries of the queued events up to `last`, one per event and subscriber in
    /// order, skipping `offset` of them and writing at most `count` (-1: all), in one statement.
    fn fan_out(
        &self,
        last: i64,
        (offset, count): (i64, i64),
        state: DeliveryState,
        now_ms: i64,
        error: Option<&str>,
    ) -> rusqlite::Result<usize> {
        let next = (state == DeliveryState::Pending).then_some(now_ms);
        self.conn()
            .prepare_cached(&format!(
                "INSERT INTO webhook_deliveries(subscription_id, company_id, event, object_id, state, attempts, created_ms, next_ms, last_error, done_ms)
                 SELECT s.id, o.company_id, o.event, o.object_id, ?2, 0, ?3, ?4, ?5, ?6 {FANNED_OUT}
                 ORDER BY o.seq, s.id LIMIT ?7 OFFSET ?8"
            ))?
            .execute(params![
                last,
                state.as_str(),
                now_ms,
                next,
                error,
                next.is_none().then_some(now_ms),
                count,
                offset
            ])
    }

    /// Pending deliveries of active subscriptions due by `now_ms`, oldest first, none of them
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

    /// When the next pending delivery of an active subscription is due, if one is pending.
    pub fn next_delivery_due(&self) -> rusqlite::Result<Option<i64>> {
        self.conn()
            .prepare_cached(
                "SELECT MIN(d.next_ms) FROM webhook_deliveries d WHERE d.state = 'PENDING'
                 AND EXISTS (SELECT 1 FROM event_subscriptions s WHERE s.id = d.subscription_id AND s.active)",
            )?
            .query_row([], |r| r.get(0))
    }

    /// Records an attempt of delivery `id`.
    pub fn record_attempt(&self, id: i64, attempt: &Attempt) -> rusqlite::Result<()> {
        let (state, next, done) = match attempt.then {
            AttemptThen::Delivered { at_ms } => (DeliveryState::Delivered, None, Some(at_ms)),
            AttemptThen::Retry { at_ms } => (DeliveryState::Pending, Some(at_ms), None),
            AttemptThen::Failed { at_ms } => (DeliveryState::Failed, None, Some(at_ms)),
        };
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
        self.forget_finished_deliveries()
    }

    /// Keeps the newest [`FINISHED_KEPT`] finished deliveries.
    fn forget_finished_deliveries(&self) -> rusqlite::Result<()> {
        self.conn()
            .prepare_cached(FORGET_FINISHED)?
            .execute([FINISHED_KEPT - 1])
            .map(drop)
    }

    /// The newest deliveries first, at most `limit`.
    pub fn deliveries(&self, limit: usize) -> rusqlite::Result<Vec<DeliveryRow>> {
        let sql = format!("SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries ORDER BY id DESC LIMIT ?1");
        let mut statement = self.conn().prepare_cached(&sql)?;
        let rows = statement.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], delivery_from)?;
        rows.collect()
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

    /// How many deliveries wait for an attempt (a row the schema's triggers keep).
    pub fn pending_deliveries(&self) -> rusqlite::Result<i64> {
        self.conn()
            .prepare_cached("SELECT n FROM webhook_pending")?
            .query_row([], |r| r.get(0))
    }

    /// How many events wait to be made deliveries.
    pub fn queued_events(&self) -> rusqlite::Result<i64> {
        self.conn()
            .prepare_cached("SELECT COUNT(*) FROM outbox")?
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
                let first = db.deliveries(10)?.last().map(|d| d.id).unwrap();
                let delivered = Attempt {
                    status: Some(200),
                    error: None,
                    latency_ms: 1,
                    then: AttemptThen::Delivered { at_ms: 2_000 },
                };
                db.record_attempt(first, &delivered)?;
                assert_eq!((db.pending_deliveries()?, counted(db)?), (1, 1));
                assert!(db.redeliver(first, 3_000)?);
                assert_eq!((db.pending_deliveries()?, counted(db)?), (2, 2));
                db.conn()
                    .execute("DELETE FROM webhook_deliveries WHERE subscription_id = 1", [])?;
                assert_eq!((db.pending_deliveries()?, counted(db)?), (1, 1));
                Ok::<_, rusqlite::Error>(())
            })
            .unwrap();
    }

    /// Three events to three active subscribers (a fourth is inactive) with room for five: the
    /// first five deliveries in event and subscriber order are pending, the rest refused.
    #[test]
    fn queued_events_fan_out_in_order_until_the_queue_is_full_and_the_rest_are_refused() {
        let store = Store::open_in_memory().unwrap();
        let (made, rows) = store
            .transaction(|db| {
                for (id, active) in [(1, 1), (2, 1), (3, 0), (4, 1)] {
                    db.conn().execute(
                        "INSERT INTO event_subscriptions(id, company_id, event, active) VALUES (?1, 7, 'customer.create', ?2)",
                        [id, active],
                    )?;
                }
                for object in [40, 41, 42] {
                    db.conn().execute(
                        "INSERT INTO outbox(company_id, event, object_id) VALUES (7, 'customer.create', ?1)",
                        [object],
                    )?;
                }
                let made = db.fan_out_events(1_000, 5, "full")?;
                let queued: i64 = db.conn().query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
                assert_eq!(queued, 0);
                let rows: Vec<(i64, i64, DeliveryState)> =
                    db.deliveries(20)?.iter().rev().map(|d| (d.object_id, d.subscription_id, d.state)).collect();
                Ok::<_, rusqlite::Error>((made, rows))
            })
            .unwrap();
        use DeliveryState::{Pending, Refused};
        assert_eq!(made, (5, 4));
        assert_eq!(
            rows,
            [
                (40, 1, Pending),
                (40, 2, Pending),
                (40, 4, Pending),
                (41, 1, Pending),
                (41, 2, Pending),
                (41, 4, Refused),
                (42, 1, Refused),
                (42, 2, Refused),
                (42, 4, Refused)
            ]
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
                for id in [1, 2] {
                    db.conn().execute(
                        "INSERT INTO event_subscriptions(id, company_id, event, active) VALUES (?1, 7, 'customer.create', 1)",
                        [id],
                    )?;
                }
                db.object_written("customer", 7, 40, Verb::Create)?;

                db.fan_out_events(1_000, 2, "full")?;
                assert_eq!(db.pending_deliveries()?, 2);
                for object in [41, 42, 43] {
                    db.object_written("customer", 7, object, Verb::Create)?;
                }
                db.queued_events()
            })
            .unwrap();
        assert_eq!(queued, 0, "a full queue takes no more events");
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

    /// The memory a sandbox's pending deliveries take, as the in-memory database's pages.
    #[test]
    fn a_hundred_thousand_pending_deliveries_take_under_twelve_megabytes() {
        let store = Store::open_in_memory().unwrap();
        let bytes = |db: &super::Db<'_>| -> i64 {
            let pages: i64 = db.conn().query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
            let size: i64 = db.conn().query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
            pages * size
        };
        let (before, after) = store
            .transaction(|db| {
                let before = bytes(db);
                let mut insert = db.conn().prepare(
                    "INSERT INTO webhook_deliveries(subscription_id, company_id, event, object_id, state, attempts, created_ms, next_ms)
                     VALUES (?1, 7, 'customer.create', ?2, 'PENDING', 0, 1800000000000, 1800000000000)",
                )?;
                for n in 0..100_000_i64 {
                    insert.execute([1_000_000 + n % 100, 2_000_000 + n])?;
                }
                assert_eq!(db.pending_deliveries()?, 100_000);
                Ok::<_, rusqlite::Error>((before, bytes(db)))
            })
            .unwrap();
        let grown = after - before;
        assert!(
            grown < 12 * 1024 * 1024,
            "100,000 pending deliveries took {grown} bytes"
        );
    }
}
