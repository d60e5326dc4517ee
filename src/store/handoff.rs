//! Handing a request's transaction to whoever holds the sandbox's connection. A request that
//! finds the connection taken queues its transaction instead of waiting for the lock; the holder
//! runs a batch of queued transactions before it lets go (the requests run what it leaves, as
//! they look again), and the request's worker serves its other connections meanwhile. Under a burst of writes to one sandbox (a test suite's setup, a fleet
//! creating customers) the writes then run one after another on one core, with the sandbox's
//! pages in that core's cache, instead of the connection passing between cores for each of them:
//! with two workers that passing made each create hold the connection twice as long as with one,
//! and the worker waiting for it spent its core trying.

use super::db::Db;
use super::{Attached, Store};
use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::Duration;

/// How many queued transactions a holder runs before it lets go: a worker that took the
/// connection for a read of its own is not kept serving other workers' writes for long.
const BATCH: usize = 32;

/// How often a request whose transaction is queued looks whether the connection is free, and
/// then runs the queue itself: a holder runs only a batch, so whatever it leaves is still run.
const LOOK_AGAIN: Duration = Duration::from_millis(1);

/// A queued transaction, with the means to answer the request that queued it.
type Job = Box<dyn FnOnce(&mut Attached) + Send>;

/// Transactions waiting for the connection, first come first run.
#[derive(Default)]
pub(super) struct Waiting(Mutex<VecDeque<Job>>);

impl Waiting {
    fn queue(&self) -> MutexGuard<'_, VecDeque<Job>> {
        // A job never runs under this lock, so a poisoned queue is still whole.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn push(&self, job: Job) {
        self.queue().push_back(job);
    }

    fn next(&self) -> Option<Job> {
        self.queue().pop_front()
    }

    fn is_empty(&self) -> bool {
        self.queue().is_empty()
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.queue().len()
    }
}

/// The sandbox's connection while one caller has it. Letting it go runs a batch of the
/// transactions queued meanwhile (also while unwinding from a panic: each job catches its own).
pub(super) struct Held<'s> {
    // Dropped in this order: the queue is run while the guard is held, the guard lets the
    // connection go, and then `after` runs what was queued in between.
    guard: MutexGuard<'s, Attached>,
    after: RunQueuedAfterRelease<'s>,
}

impl std::ops::Deref for Held<'_> {
    type Target = Attached;
    fn deref(&self) -> &Attached {
        &self.guard
    }
}

impl std::ops::DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut Attached {
        &mut self.guard
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        // What the holder wrote outside a transaction (see `Store::with`) is answered after this.
        self.guard.settle(false);
        run_queued(&self.after.0.waiting, &mut self.guard);
    }
}

/// A transaction queued after the holder's last look and before it let go would wait for its
/// own request to look again; this looks once more after the connection is free, and runs a
/// batch if nobody else has taken the connection (whoever has will run it).
struct RunQueuedAfterRelease<'s>(&'s Store);

impl Drop for RunQueuedAfterRelease<'_> {
    fn drop(&mut self) {
        let store = self.0;
        if store.waiting.is_empty() {
            return;
        }
        if let Some(mut guard) = store.take_if_free() {
            run_queued(&store.waiting, &mut guard);
        }
    }
}

fn run_queued(waiting: &Waiting, attached: &mut Attached) {
    for _ in 0..BATCH {
        let Some(job) = waiting.next() else { return };
        job(attached);
    }
}

impl Store {
    pub(super) fn held<'s>(&'s self, guard: MutexGuard<'s, Attached>) -> Held<'s> {
        Held {
            guard,
            after: RunQueuedAfterRelease(self),
        }
    }

    /// The connection if nobody holds it (a holder that panicked left it sound: see `lock`).
    pub(super) fn take_if_free(&self) -> Option<MutexGuard<'_, Attached>> {
        match self.conn.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// [`Store::transaction`] for a request: if another caller holds the connection, the
    /// transaction is handed to it to run before it lets go, and the request awaits the outcome
    /// without holding its worker. A panic in it comes back to the request as its own.
    pub async fn transaction_in_turn<T, E>(
        &self,
        f: impl FnOnce(&Db<'_>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<rusqlite::Error> + Send + 'static,
    {
        if let Some(guard) = self.take_if_free() {
            let mut held = self.held(guard);
            return checked_transaction(&mut held, self.keeps_seed_objects, f);
        }
        self.queue_transaction(f).await
    }

    async fn queue_transaction<T, E>(&self, f: impl FnOnce(&Db<'_>) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<rusqlite::Error> + Send + 'static,
    {
        let (answer, mut outcome) = tokio::sync::oneshot::channel();
        let others_write = self.keeps_seed_objects;
        self.waiting.push(Box::new(move |attached: &mut Attached| {
            // Caught here so that a panic ends only its own request, not the holder's.
            let ran = catch_unwind(AssertUnwindSafe(|| checked_transaction(attached, others_write, f)));
            // The request may have gone (its client hung up): the outcome is dropped then.
            let _ = answer.send(ran);
        }));
        loop {
            // The holder may have let go before the job was queued, or after running only a
            // batch: whoever finds the connection free runs the queue.
            if let Some(guard) = self.take_if_free() {
                drop(self.held(guard));
            }
            let answer = match tokio::time::timeout(LOOK_AGAIN, &mut outcome).await {
                Ok(answer) => answer,
                Err(_) => continue,
            };
            return match answer {
                Ok(Ok(result)) => result,
                Ok(Err(panic)) => resume_unwind(panic),
                // Every queued job is run by someone, and the store outlives this request: the
                // answer is only dropped unsent if that ever stops being true.
                Err(_) => Err(E::from(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT),
                    Some("the transaction was dropped before it ran".into()),
                ))),
            };
        }
    }
}

/// One transaction on a held connection, after noticing what other writers of a file changed.
pub(super) fn checked_transaction<T, E: From<rusqlite::Error>>(
    attached: &mut Attached,
    others_write: bool,
    f: impl FnOnce(&Db<'_>) -> Result<T, E>,
) -> Result<T, E> {
    if others_write {
        attached.settle(true);
    }
    Store::in_transaction(attached, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Poll, Waker};
    use std::time::Duration;

    fn poll_once<F: Future>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }

    /// A runtime with a clock, as a worker's: a queued request looks again on a timer.
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    fn note(db: &Db<'_>) -> Option<String> {
        db.meta("note").unwrap()
    }

    /// A request that meets the connection held does not wait for the lock: its transaction is
    /// queued, and the holder runs it, on the holder's thread, before the connection is free.
    #[test]
    fn a_transaction_meeting_the_connection_held_is_run_by_the_holder_as_it_lets_go() {
        let runtime = runtime();
        let _in_runtime = runtime.enter();
        let store = Store::open_in_memory().unwrap();
        let held = store.lock();
        let mut request = std::pin::pin!(store.transaction_in_turn(|db| {
            db.set_meta("note", "queued")?;
            Ok::<_, rusqlite::Error>(std::thread::current().id())
        }));
        assert!(
            poll_once(request.as_mut()).is_pending(),
            "the request waited for the lock"
        );
        assert_eq!(store.waiting.len(), 1);
        assert_eq!(
            note(&held.db()),
            None,
            "the queued transaction ran while another held the connection"
        );
        drop(held);
        assert_eq!(store.waiting.len(), 0);
        let Poll::Ready(ran_on) = poll_once(request.as_mut()) else {
            panic!("the holder let go without running the queued transaction");
        };
        assert_eq!(ran_on.unwrap(), std::thread::current().id());
        assert_eq!(store.with(|db| db.meta("note")).unwrap().as_deref(), Some("queued"));
    }

    /// A transaction queued after the holder's last look at the queue, while the connection was
    /// still taken, is run once the holder has let it go.
    #[test]
    fn a_transaction_queued_after_the_holders_last_look_is_run_once_the_connection_is_free() {
        let runtime = runtime();
        let _in_runtime = runtime.enter();
        let store = Store::open_in_memory().unwrap();
        // A holder that has run the queue and is about to let go.
        let guard = store.conn.lock().unwrap();
        let mut request = std::pin::pin!(store.transaction_in_turn(|db| db.set_meta("note", "late")));
        assert!(poll_once(request.as_mut()).is_pending());
        let after = RunQueuedAfterRelease(&store);
        drop(guard);
        drop(after);
        assert!(matches!(poll_once(request.as_mut()), Poll::Ready(Ok(()))));
        assert_eq!(store.with(|db| db.meta("note")).unwrap().as_deref(), Some("late"));
    }

    /// Queued transactions are each their own: one that fails is rolled back and one that
    /// panics panics in its own request; the holder and the others go on.
    #[test]
    fn a_queued_transaction_that_fails_or_panics_answers_only_its_own_request() {
        let runtime = runtime();
        let _in_runtime = runtime.enter();
        let store = Store::open_in_memory().unwrap();
        let held = store.lock();
        let mut failing = std::pin::pin!(store.transaction_in_turn(|db| {
            db.set_meta("note", "rolled back")?;
            Err::<(), _>(rusqlite::Error::InvalidQuery)
        }));
        let mut panicking = std::pin::pin!(store.transaction_in_turn(|db| -> rusqlite::Result<()> {
            db.set_meta("note", "rolled back too")?;
            panic!("a bug in a handler")
        }));
        let mut landing = std::pin::pin!(store.transaction_in_turn(|db| db.set_meta("other", "landed")));
        assert!(poll_once(failing.as_mut()).is_pending());
        assert!(poll_once(panicking.as_mut()).is_pending());
        assert!(poll_once(landing.as_mut()).is_pending());
        drop(held);
        assert!(matches!(
            poll_once(failing.as_mut()),
            Poll::Ready(Err(rusqlite::Error::InvalidQuery))
        ));
        let panicked = std::panic::catch_unwind(AssertUnwindSafe(|| poll_once(panicking.as_mut())));
        assert!(panicked.is_err(), "the panic came back to its own request");
        assert!(matches!(poll_once(landing.as_mut()), Poll::Ready(Ok(()))));
        let (note, other) = store
            .with(|db| -> rusqlite::Result<_> { Ok((db.meta("note")?, db.meta("other")?)) })
            .unwrap();
        assert_eq!(note, None, "a failed or panicked transaction left its write");
        assert_eq!(other.as_deref(), Some("landed"));
    }

    /// Requests on several threads and direct callers of `transaction` all write one counter:
    /// every increment lands exactly once and every writer finishes.
    #[test]
    fn writes_from_requests_on_many_threads_and_direct_callers_all_land_once() {
        const THREADS: usize = 4;
        const ROUNDS: usize = 300;
        let store = Arc::new(Store::open_in_memory().unwrap());
        store.with(|db| db.set_meta("count", "0")).unwrap();
        let increment = |db: &Db<'_>| -> rusqlite::Result<()> {
            let count: usize = db.meta("count")?.unwrap_or_default().parse().unwrap_or_default();
            // Long enough for the others to find the connection taken.
            std::thread::sleep(Duration::from_micros(20));
            db.set_meta("count", &(count + 1).to_string())
        };
        let (finished, done) = std::sync::mpsc::channel();
        for thread in 0..THREADS + 2 {
            let store = store.clone();
            let finished = finished.clone();
            std::thread::spawn(move || {
                if thread < THREADS {
                    let runtime = runtime();
                    runtime.block_on(async {
                        for _ in 0..ROUNDS {
                            store.transaction_in_turn(increment).await.unwrap();
                        }
                    });
                } else {
                    for _ in 0..ROUNDS {
                        store.transaction(increment).unwrap();
                    }
                }
                finished.send(()).unwrap();
            });
        }
        for _ in 0..THREADS + 2 {
            done.recv_timeout(Duration::from_secs(60))
                .expect("a writer never finished: a queued transaction was left with nobody to run it");
        }
        let count = store.with(|db| db.meta("count")).unwrap();
        assert_eq!(count, Some(((THREADS + 2) * ROUNDS).to_string()));
        assert_eq!(store.waiting.len(), 0);
    }

    /// A request whose transaction is queued runs the queue itself once it finds the connection
    /// free, even if its holder let go without running it.
    #[test]
    fn a_queued_request_runs_the_queue_itself_when_it_finds_the_connection_free() {
        let runtime = runtime();
        let store = Store::open_in_memory().unwrap();
        let bare = store.conn.lock().unwrap();
        let mut request = Box::pin(store.transaction_in_turn(|db| db.set_meta("note", "self-served")));
        {
            let _in_runtime = runtime.enter();
            assert!(poll_once(request.as_mut()).is_pending());
        }
        // Let go without looking at the queue.
        drop(bare);
        assert_eq!(store.waiting.len(), 1);
        runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(10), request).await })
            .expect("the queued request never ran")
            .unwrap();
        assert_eq!(
            store.with(|db| db.meta("note")).unwrap().as_deref(),
            Some("self-served")
        );
    }

    /// A holder runs a batch, and one more once it has let go, not the whole queue: the rest is
    /// run by the requests themselves as they look again.
    #[test]
    fn a_holder_runs_a_batch_of_the_queue_and_the_requests_the_rest() {
        let runtime = runtime();
        let _in_runtime = runtime.enter();
        let store = Store::open_in_memory().unwrap();
        let held = store.lock();
        let queued = 3 * BATCH + 1;
        let mut requests: Vec<_> = (0..queued)
            .map(|n| Box::pin(store.transaction_in_turn(move |db| db.set_meta(&format!("n{n}"), "ran"))))
            .collect();
        for request in &mut requests {
            assert!(poll_once(request.as_mut()).is_pending());
        }
        drop(held);
        assert_eq!(store.waiting.len(), queued - 2 * BATCH);
        runtime.block_on(async {
            for request in requests {
                tokio::time::timeout(Duration::from_secs(10), request)
                    .await
                    .expect("a queued request never ran")
                    .unwrap();
            }
        });
        let ran = store
            .with(|db| -> rusqlite::Result<usize> {
                (0..queued).try_fold(0, |ran, n| Ok(ran + usize::from(db.meta(&format!("n{n}"))?.is_some())))
            })
            .unwrap();
        assert_eq!(ran, queued);
    }

    /// A request's future can move between threads (a runtime that steals work may run it).
    #[test]
    fn a_request_waiting_for_its_turn_can_move_between_threads() {
        fn is_send<T: Send>(_: &T) {}
        let store = Store::open_in_memory().unwrap();
        is_send(&store.transaction_in_turn(|db| db.set_meta("note", "sent")));
    }
}
