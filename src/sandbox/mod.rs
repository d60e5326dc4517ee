//! One sandbox: an isolated world with its own store, clock, random source for tokens, id
//! sequence, journal, faults and overrides. Opening a sandbox on an empty store installs its scenario.

use crate::domain::rules;
use crate::domain::token::token_string;
use crate::scenario::{self, Scenario, Settings};
use crate::store::{Store, StoreError};
use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Generated ids (sessions, proxy records) start above this, so they look like real Tripletex ids.
const FIRST_GENERATED_ID: i64 = 1_000_000;

pub mod faults;
pub mod journal;
pub mod overrides;
pub mod registry;
pub mod webhooks;

pub struct Sandbox {
    store: Store,
    journal: journal::Journal,
    faults: faults::Faults,
    overrides: overrides::Overrides,
    rng: Mutex<StdRng>,
    next_id: AtomicI64,
    /// The scenario the current world started from: what `reset` goes back to.
    base: Mutex<Arc<Scenario>>,
    /// How far the sandbox clock runs ahead of (or behind) real time, in nanoseconds.
    clock_offset_ns: AtomicI64,
    /// Sessions minted since the sandbox opened, to prune now and then.
    sessions_minted: AtomicU64,
    /// When a request last named this sandbox, in milliseconds of [`process_clock`].
    last_used_ms: AtomicU64,
    /// Named copies of the world to go back to (`/_sandbox/snapshots`).
    snapshots: Mutex<BTreeMap<String, Snapshot>>,
    /// The world as `base` installs it, when a copy is at hand (the registry's template of the
    /// scenario): `reset` copies it back instead of installing the scenario again.
    pristine: Mutex<Option<Arc<Store>>>,
    /// Event delivery: settings, pause, what the delivery worker saw last.
    webhooks: webhooks::Webhooks,
}

/// How many snapshots one sandbox keeps at most.
pub const MAX_SNAPSHOTS: usize = 32;

/// A saved world: the store's copy and what else the sandbox holds of it.
struct Snapshot {
    store: Store,
    base: Arc<Scenario>,
    pristine: Option<Arc<Store>>,
    clock_offset_ns: i64,
    taken_at: Timestamp,
}

/// A snapshot as the control plane lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub name: String,
    /// Sandbox time when it was taken.
    pub taken_at: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("no snapshot is named {0:?}; GET /_sandbox/snapshots lists them")]
    Unknown(String),
    #[error("a snapshot named {0:?} exists already; DELETE /_sandbox/snapshots/{0} first, or choose another name")]
    Exists(String),
    #[error(
        "this sandbox keeps {MAX_SNAPSHOTS} snapshots already; DELETE /_sandbox/snapshots/{{name}} one you are done with"
    )]
    Full,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Milliseconds since the process's first look at this clock: for idle times, never for dates.
pub(crate) fn process_clock() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let elapsed = START.get_or_init(std::time::Instant::now).elapsed();
    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
}

/// Every this many new sessions, the sandbox forgets the ones it no longer keeps.
const PRUNE_SESSIONS_EVERY: u64 = 1024;

/// How the sandbox came to hold its world.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The scenario was installed into an empty store.
    Installed,
    /// The store already held a world (a `--db` file from an earlier run); it is served as it is.
    Reopened { scenario: String },
}

/// The times a sandbox clock may show: wide enough for any test of dates, narrow enough that
/// the offset from real time always fits (and no date overflows a four-digit year).
pub const CLOCK_RANGE: (&str, &str) = ("1970-01-01T00:00:00Z", "2199-12-31T23:59:59Z");

fn check_clock(now: Timestamp) -> Result<(), String> {
    let (first, last) = CLOCK_RANGE;
    let inside =
        first.parse::<Timestamp>().is_ok_and(|f| now >= f) && last.parse::<Timestamp>().is_ok_and(|l| now <= l);
    if inside { Ok(()) } else { Err(clock_range_message(now)) }
}

fn clock_range_message(now: Timestamp) -> String {
    format!(
        "{now} is outside the times a sandbox clock can show; choose one between {} and {}",
        CLOCK_RANGE.0, CLOCK_RANGE.1
    )
}

/// The random stream of the sandbox called `name` (empty for the default sandbox at the root).
///
/// Without a seed every stream is fresh randomness. With a seed the default sandbox's stream is
/// the seed's own (the tokens `serve --seed N` prints stay those of earlier versions), and every
/// other sandbox's is derived from the seed and its name: reproducible from run to run, and never
/// the same as another sandbox's, so a token minted in one sandbox means nothing in any other.
pub fn random_stream(seed: Option<u64>, name: &str) -> StdRng {
    match seed {
        None => rand::make_rng(),
        Some(seed) if name.is_empty() => StdRng::seed_from_u64(seed),
        Some(seed) => StdRng::seed_from_u64(mix(seed, name)),
    }
}

/// FNV-1a over the seed and the name: a stable 64-bit value (std's hasher may change between
/// Rust releases, which would change seeded tokens).
fn mix(seed: u64, name: &str) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in seed.to_le_bytes().iter().chain(name.as_bytes()) {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(PRIME);
    }
    hash
}

impl Sandbox {
    /// Opens the default sandbox over `store`, installing `scenario` if the store is empty.
    /// With a seed every generated token is the same from run to run.
    /// A sandbox of the default scenario in memory, with a fixed seed: for unit tests of the
    /// rooms above, which do not name scenarios themselves.
    #[cfg(test)]
    pub fn of_default_scenario() -> Self {
        let scenario = crate::scenario::resolve(crate::scenario::DEFAULT_SCENARIO).unwrap();
        Self::open(Store::open_in_memory().unwrap(), &scenario, Some(7))
            .unwrap()
            .0
    }

    pub fn open(store: Store, scenario: &Scenario, seed: Option<u64>) -> Result<(Self, Origin), StoreError> {
        Self::open_with(store, scenario, random_stream(seed, ""))
    }

    /// Opens a sandbox over `store` that draws its tokens from `rng` (see [`random_stream`]).
    pub fn open_with(store: Store, scenario: &Scenario, rng: StdRng) -> Result<(Self, Origin), StoreError> {
        Self::open_shared(store, Arc::new(scenario.clone()), rng)
    }

    /// [`Sandbox::open_with`] for a scenario many sandboxes share.
    pub fn open_shared(store: Store, scenario: Arc<Scenario>, mut rng: StdRng) -> Result<(Self, Origin), StoreError> {
        let scenario_ref: &Scenario = &scenario;
        let empty = store.with(|db| db.company_count())? == 0;
        let origin = if empty {
            let now = Timestamp::now();
            let template = scenario::seed_template(&scenario::company_ids(scenario_ref), now)?;
            store.replace_world(template, |db| {
                scenario::install(scenario_ref, db, &mut |id| token_string(id, rng.random()), now)
                    .map_err(StoreError::from)
            })?;
            Origin::Installed
        } else {
            let name = store.with(|db| db.meta("scenario"))?.unwrap_or_default();
            Origin::Reopened { scenario: name }
        };
        let max_id = store.max_id()?.max(scenario::highest_object_id(&scenario));
        let sandbox = Self::assemble(store, scenario, max_id.max(FIRST_GENERATED_ID) + 1, rng);
        Ok((sandbox, origin))
    }

    /// A sandbox over `store` whose next generated id is `next_id`; nothing is read from the
    /// store (it may be a copy of a store whose installed world is known, see
    /// [`Sandbox::into_installed`]).
    fn assemble(store: Store, scenario: Arc<Scenario>, next_id: i64, rng: StdRng) -> Self {
        let overrides = overrides::Overrides::default();
        overrides.replace(scenario.file.overrides.clone());
        Self {
            store,
            journal: journal::Journal::default(),
            faults: faults::Faults::default(),
            overrides,
            rng: Mutex::new(rng),
            next_id: AtomicI64::new(next_id),
            base: Mutex::new(scenario),
            clock_offset_ns: AtomicI64::new(0),
            sessions_minted: AtomicU64::new(0),
            last_used_ms: AtomicU64::new(process_clock()),
            snapshots: Mutex::default(),
            pristine: Mutex::default(),
            webhooks: webhooks::Webhooks::default(),
        }
    }

    /// A sandbox with a copy of this one's world (store, clock, scenario to reset to) that draws
    /// its tokens from `rng`; not its journal, faults or snapshots, and the overrides its scenario
    /// carries rather than this one's.
    pub fn fork(&self, rng: StdRng) -> Result<Self, StoreError> {
        let fork = Self::assemble(
            Store::copy_of(&self.store)?,
            self.base_scenario(),
            self.next_id.load(Ordering::Relaxed),
            rng,
        );
        fork.clock_offset_ns
            .store(self.clock_offset_ns.load(Ordering::Relaxed), Ordering::Relaxed);
        fork.set_pristine_to(self.pristine());
        Ok(fork)
    }

    /// Tells the sandbox that `store` holds its world as its scenario installs it (see `reset`).
    pub fn set_pristine(&self, store: Arc<Store>) {
        self.set_pristine_to(Some(store));
    }

    fn set_pristine_to(&self, store: Option<Arc<Store>>) {
        *self.pristine.lock().unwrap_or_else(|p| p.into_inner()) = store;
    }

    /// The world as its scenario installed it, when the sandbox keeps a copy (what `reset` copies back).
    pub fn pristine(&self) -> Option<Arc<Store>> {
        self.pristine.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn base_scenario(&self) -> Arc<Scenario> {
        self.base.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Saves the world (data, access world, sessions, clock) under `name`.
    pub fn take_snapshot(&self, name: &str) -> Result<SnapshotInfo, SnapshotError> {
        let mut snapshots = self.snapshots.lock().unwrap_or_else(|p| p.into_inner());
        if snapshots.contains_key(name) {
            return Err(SnapshotError::Exists(name.to_owned()));
        }
        if snapshots.len() >= MAX_SNAPSHOTS {
            return Err(SnapshotError::Full);
        }
        let taken_at = self.now();
        let snapshot = Snapshot {
            store: Store::copy_of(&self.store)?,
            base: self.base_scenario(),
            pristine: self.pristine(),
            clock_offset_ns: self.clock_offset_ns.load(Ordering::Relaxed),
            taken_at,
        };
        snapshots.insert(name.to_owned(), snapshot);
        Ok(SnapshotInfo {
            name: name.to_owned(),
            taken_at,
        })
    }

    /// Puts the world back as it was when `name` was taken; the snapshot stays for another time.
    /// Ids generated since are not given out again.
    pub fn restore_snapshot(&self, name: &str) -> Result<SnapshotInfo, SnapshotError> {
        let snapshots = self.snapshots.lock().unwrap_or_else(|p| p.into_inner());
        let snapshot = snapshots
            .get(name)
            .ok_or_else(|| SnapshotError::Unknown(name.to_owned()))?;
        self.store.restore_from(&snapshot.store)?;
        self.webhooks.wake();
        self.clock_offset_ns.store(snapshot.clock_offset_ns, Ordering::Relaxed);
        *self.base.lock().unwrap_or_else(|p| p.into_inner()) = snapshot.base.clone();
        *self.pristine.lock().unwrap_or_else(|p| p.into_inner()) = snapshot.pristine.clone();
        Ok(SnapshotInfo {
            name: name.to_owned(),
            taken_at: snapshot.taken_at,
        })
    }

    pub fn delete_snapshot(&self, name: &str) -> Result<(), SnapshotError> {
        let removed = self.snapshots.lock().unwrap_or_else(|p| p.into_inner()).remove(name);
        removed.map(drop).ok_or_else(|| SnapshotError::Unknown(name.to_owned()))
    }

    /// The snapshots, by name.
    pub fn snapshots(&self) -> Vec<SnapshotInfo> {
        let snapshots = self.snapshots.lock().unwrap_or_else(|p| p.into_inner());
        snapshots
            .iter()
            .map(|(name, snapshot)| SnapshotInfo {
                name: name.clone(),
                taken_at: snapshot.taken_at,
            })
            .collect()
    }

    /// Notes that a request named this sandbox (idle sandboxes are forgotten after a while).
    pub fn touch(&self) {
        self.last_used_ms.store(process_clock(), Ordering::Relaxed);
    }

    /// How long a request last named this sandbox before `now` (in [`process_clock`] milliseconds).
    pub(crate) fn idle_at(&self, now: u64) -> std::time::Duration {
        let last = self.last_used_ms.load(Ordering::Relaxed);
        std::time::Duration::from_millis(now.saturating_sub(last))
    }

    pub fn faults(&self) -> &faults::Faults {
        &self.faults
    }

    pub fn overrides(&self) -> &overrides::Overrides {
        &self.overrides
    }

    pub fn journal(&self) -> &journal::Journal {
        &self.journal
    }

    pub fn webhooks(&self) -> &webhooks::Webhooks {
        &self.webhooks
    }

    /// Gives up the sandbox, keeping its store (to copy it as a template) and the id it would
    /// have generated next.
    pub fn into_installed(self) -> (Store, i64) {
        let next_id = self.next_id.load(Ordering::Relaxed);
        (self.store, next_id)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The name of the scenario the current world came from.
    pub fn scenario_name(&self) -> Result<String, StoreError> {
        Ok(self.store.with(|db| db.meta("scenario"))?.unwrap_or_default())
    }

    /// Replaces the whole world (and its sessions) with a scenario's, in one transaction, and the
    /// override rules with the scenario's (none if it carries none).
    pub fn load(&self, scenario: &Scenario) -> Result<(), StoreError> {
        let now = self.now();
        let template = scenario::seed_template(&scenario::company_ids(scenario), now)?;
        // Before the new world is visible: an id generated meanwhile must not be a seeded one.
        self.next_id
            .fetch_max(template.max_id().max(FIRST_GENERATED_ID) + 1, Ordering::Relaxed);
        self.store.replace_world(template, |db| {
            scenario::install(scenario, db, &mut |id| self.new_token(id), now)?;
            // Another world's seeded ids, and the ids its objects name, may lie above the ids
            // generated so far. Raised before the new world is committed: a create waiting for
            // the connection runs as soon as this lets go, and must not get an id it holds.
            let max_id = db
                .max_generated_id()?
                .max(db.max_object_id()?)
                .max(scenario::highest_object_id(scenario));
            self.next_id
                .fetch_max(max_id.max(FIRST_GENERATED_ID) + 1, Ordering::Relaxed);
            Ok::<_, StoreError>(())
        })?;
        *self.base.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(scenario.clone());
        *self.pristine.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.overrides.replace(scenario.file.overrides.clone());
        self.webhooks.wake();
        Ok(())
    }

    /// Back to the scenario the current world started from, its override rules included (the
    /// ones set since are gone).
    pub fn reset(&self) -> Result<(), StoreError> {
        if let Some(pristine) = self.pristine() {
            // A copy of the installed world: the same world as installing it again, with the
            // same tokens the sandbox started with, for a fraction of the time.
            self.store.restore_from(&pristine)?;
            self.overrides.replace(self.base_scenario().file.overrides.clone());
            return Ok(());
        }
        let base = self.base_scenario();
        self.load(&base)
    }

    /// The behaviour switches in force (stored with the world).
    pub fn settings(&self) -> Result<Settings, crate::wire::ApiError> {
        let text = self.store.with(|db| db.meta("settings"))?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default())
    }

    /// The sandbox's notion of now.
    pub fn now(&self) -> Timestamp {
        let offset = self.clock_offset_ns.load(Ordering::Relaxed);
        let real = Timestamp::now();
        if offset == 0 {
            return real;
        }
        real.checked_add(jiff::SignedDuration::from_nanos(offset))
            .unwrap_or(real)
    }

    /// Sets the sandbox clock to `now`; it runs on from there. Refused outside [`CLOCK_RANGE`].
    pub fn set_clock(&self, now: Timestamp) -> Result<(), String> {
        check_clock(now)?;
        let offset = now.duration_since(Timestamp::now()).as_nanos();
        let offset = i64::try_from(offset).map_err(|_| clock_range_message(now))?;
        self.clock_offset_ns.store(offset, Ordering::Relaxed);
        Ok(())
    }

    /// Back to real time.
    pub fn real_clock(&self) {
        self.clock_offset_ns.store(0, Ordering::Relaxed);
    }

    /// Moves the sandbox clock by a signed duration, staying within [`CLOCK_RANGE`].
    pub fn advance_clock(&self, by: jiff::SignedDuration) -> Result<(), String> {
        let by = i64::try_from(by.as_nanos()).map_err(|_| "the duration is too long".to_owned())?;
        let real = Timestamp::now();
        self.clock_offset_ns
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                let moved = offset.checked_add(by)?;
                let then = real.checked_add(jiff::SignedDuration::from_nanos(moved)).ok()?;
                check_clock(then).ok().map(|()| moved)
            })
            .map(drop)
            .map_err(|_| {
                format!(
                    "the clock cannot move that far: it stays between {} and {}",
                    CLOCK_RANGE.0, CLOCK_RANGE.1
                )
            })
    }

    /// Call once per session minted, inside its write: every `PRUNE_SESSIONS_EVERY` sessions
    /// it forgets long-expired ones and all but the newest [`rules::SESSIONS_KEPT`], so memory
    /// stays bounded however many sessions a test suite mints.
    pub fn session_minted(&self, db: &crate::store::Db<'_>, now: Timestamp) -> rusqlite::Result<()> {
        if self.sessions_minted.fetch_add(1, Ordering::Relaxed) % PRUNE_SESSIONS_EVERY != PRUNE_SESSIONS_EVERY - 1 {
            return Ok(());
        }
        let forgotten = db.prune_sessions(rules::forget_sessions_expired_before(now), rules::SESSIONS_KEPT)?;
        log::debug!("forgot {forgotten} sessions");
        Ok(())
    }

    /// A fresh id for a generated object.
    pub fn next_id(&self) -> i64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh token string carrying `token_id`.
    pub fn new_token(&self, token_id: i64) -> String {
        let random: [u8; 16] = self.rng.lock().unwrap_or_else(|p| p.into_inner()).random();
        token_string(token_id, random)
    }
}
