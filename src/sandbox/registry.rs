//! The sandboxes one process serves: the default one at the root, and any number of further
//! ones under `/sb/{id}`, created and deleted over the control plane (one per test, if you like).

use crate::sandbox::{Sandbox, random_stream};
use crate::scenario::Scenario;
use crate::store::{Store, StoreError};
use actix_web::web;
use rand::RngExt;
use rand::rngs::StdRng;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How many extra sandboxes may live at once by default; each is a small in-memory database.
pub const MAX_SANDBOXES: usize = 500;

/// How long an extra sandbox may go unused by default before it is forgotten.
pub const IDLE_TTL: Duration = Duration::from_secs(30 * 60);

/// How many extra sandboxes may live, and for how long unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    pub max_sandboxes: usize,
    /// None keeps idle sandboxes until they are deleted.
    pub idle_ttl: Option<Duration>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            max_sandboxes: MAX_SANDBOXES,
            idle_ttl: Some(IDLE_TTL),
        }
    }
}

pub struct Registry {
    default: web::Data<Sandbox>,
    others: RwLock<HashMap<String, web::Data<Sandbox>>>,
    /// Each scenario installed once, then copied for every new sandbox that asks for it.
    templates: RwLock<HashMap<String, Installed>>,
    seed: Option<u64>,
    /// Where new sandbox ids come from: seeded with `--seed`, so the n-th sandbox of a run has the
    /// same id (and so the same token stream) in every run.
    ids: Mutex<StdRng>,
    lifecycle: Lifecycle,
    /// How many bytes of request and response bodies each sandbox's journal keeps.
    journal_body_bytes: usize,
    /// When idle sandboxes were last looked for, in milliseconds of the process clock.
    last_sweep_ms: std::sync::atomic::AtomicU64,
    /// Event delivery's settings, given to every sandbox.
    webhooks: Arc<crate::sandbox::webhooks::WebhookSettings>,
    /// The trainee each class sandbox was made for (the console's trainer page), by sandbox id.
    trainees: RwLock<HashMap<String, String>>,
}

/// A scenario's world as installed, and the id its sandboxes generate first.
#[derive(Clone)]
struct Installed {
    store: Arc<Store>,
    next_id: i64,
}

/// A name's sort key with its trailing number read as a number, so «Deltaker 10» comes after
/// «Deltaker 9».
fn natural(name: &str) -> (&str, u64) {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (text, number) = name.split_at(name.len() - digits);
    (text, number.parse().unwrap_or(0))
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "{0} sandboxes are alive already (--max-sandboxes); DELETE /_sandbox/sandboxes/{{id}} the ones you are done with, \
         or start the emulator with a higher --max-sandboxes"
    )]
    Full(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Registry {
    pub fn new(default: web::Data<Sandbox>, seed: Option<u64>) -> Self {
        Self::with_lifecycle(default, seed, Lifecycle::default())
    }

    pub fn with_lifecycle(default: web::Data<Sandbox>, seed: Option<u64>, lifecycle: Lifecycle) -> Self {
        Self {
            default,
            others: RwLock::new(HashMap::new()),
            templates: RwLock::new(HashMap::new()),
            seed,
            ids: Mutex::new(random_stream(seed, "sandbox ids")),
            lifecycle,
            journal_body_bytes: crate::sandbox::journal::BODY_BYTES,
            last_sweep_ms: std::sync::atomic::AtomicU64::new(0),
            webhooks: Arc::default(),
            trainees: RwLock::default(),
        }
    }

    /// Sets event delivery's settings, for the default sandbox and every one made after.
    #[must_use]
    pub fn with_webhooks(mut self, settings: crate::sandbox::webhooks::WebhookSettings) -> Self {
        self.webhooks = Arc::new(settings);
        self.default.webhooks().set_settings(self.webhooks.clone());
        self
    }

    /// Every sandbox with its id (None for the default one at the root).
    pub fn every(&self) -> Vec<(Option<String>, web::Data<Sandbox>)> {
        let others = self.others.read().unwrap_or_else(|p| p.into_inner());
        let mut all = vec![(None, self.default.clone())];
        all.extend(others.iter().map(|(id, sandbox)| (Some(id.clone()), sandbox.clone())));
        all
    }

    pub fn lifecycle(&self) -> Lifecycle {
        self.lifecycle
    }

    /// Sets how many bytes of bodies each sandbox's journal keeps (0: none).
    #[must_use]
    pub fn with_journal_body_bytes(mut self, bytes: usize) -> Self {
        self.journal_body_bytes = bytes;
        self
    }

    pub fn journal_body_bytes(&self) -> usize {
        self.journal_body_bytes
    }

    pub fn default_sandbox(&self) -> web::Data<Sandbox> {
        self.default.clone()
    }

    /// The sandbox named in a path (`/sb/{id}`), or the default one.
    pub fn resolve(&self, id: Option<&str>) -> Option<web::Data<Sandbox>> {
        match id {
            None => Some(self.default.clone()),
            Some(id) => {
                let found = self.others.read().unwrap_or_else(|p| p.into_inner()).get(id).cloned()?;
                found.touch();
                Some(found)
            }
        }
    }

    /// A new in-memory sandbox holding `scenario`, and its id.
    pub fn create(&self, scenario: &Arc<Scenario>) -> Result<(String, web::Data<Sandbox>), RegistryError> {
        self.make_room()?;
        let template = self.template(scenario)?;
        let id = self.new_id();
        // The copy's world is the template's: nothing needs reading from it to serve it.
        let sandbox = Sandbox::assemble(
            Store::copy_of(&template.store)?,
            scenario.clone(),
            template.next_id,
            random_stream(self.seed, &id),
        );
        sandbox.set_pristine(template.store);
        self.admit(id, sandbox)
    }

    /// A new sandbox holding a copy of `source`'s world (data, access world, clock, settings;
    /// not its journal, faults or snapshots), and its id.
    pub fn fork(&self, source: &Sandbox) -> Result<(String, web::Data<Sandbox>), RegistryError> {
        self.make_room()?;
        let id = self.new_id();
        let sandbox = source.fork(random_stream(self.seed, &id))?;
        self.admit(id, sandbox)
    }

    /// Forgets the sandboxes idle past their time, then refuses if the rest fill every place.
    /// The sweep visits every sandbox, so it runs only when the registry is full or a second
    /// after the last one: making a sandbox stays O(1) however many live.
    fn make_room(&self) -> Result<(), RegistryError> {
        let full = || self.others.read().unwrap_or_else(|p| p.into_inner()).len() >= self.lifecycle.max_sandboxes;
        let now = crate::sandbox::process_clock();
        let last = self.last_sweep_ms.load(std::sync::atomic::Ordering::Relaxed);
        let due = now.saturating_sub(last) >= 1000 || full();
        if let (Some(ttl), true) = (self.lifecycle.idle_ttl, due) {
            self.last_sweep_ms.store(now, std::sync::atomic::Ordering::Relaxed);
            let mut others = self.others.write().unwrap_or_else(|p| p.into_inner());
            let before = others.len();
            others.retain(|_, sandbox| sandbox.idle_at(now) < ttl);
            if others.len() < before {
                log::info!("forgot {} sandboxes idle for {ttl:?} or more", before - others.len());
            }
        }
        if full() {
            return Err(RegistryError::Full(self.lifecycle.max_sandboxes));
        }
        Ok(())
    }

    fn admit(&self, id: String, sandbox: Sandbox) -> Result<(String, web::Data<Sandbox>), RegistryError> {
        sandbox.webhooks().set_settings(self.webhooks.clone());
        let sandbox = web::Data::new(sandbox);
        let mut others = self.others.write().unwrap_or_else(|p| p.into_inner());
        if others.len() >= self.lifecycle.max_sandboxes {
            return Err(RegistryError::Full(self.lifecycle.max_sandboxes));
        }
        others.insert(id.clone(), sandbox.clone());
        Ok((id, sandbox))
    }

    /// A fresh sandbox id: 32 hex digits, like a UUID without dashes.
    fn new_id(&self) -> String {
        let bytes: [u8; 16] = self.ids.lock().unwrap_or_else(|p| p.into_inner()).random();
        uuid::Builder::from_random_bytes(bytes).into_uuid().simple().to_string()
    }

    /// The installed world of a scenario, built on first use.
    fn template(&self, scenario: &Scenario) -> Result<Installed, RegistryError> {
        if let Some(template) = self
            .templates
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(scenario.name())
        {
            return Ok(template.clone());
        }
        let store = Store::open_in_memory()?;
        // Opening a sandbox on an empty store installs the scenario into it; its tokens are the
        // scenario's, the same in every sandbox made from it.
        let (built, _) = Sandbox::open_with(store, scenario, random_stream(self.seed, ""))?;
        let (store, next_id) = built.into_installed();
        // Read once here, the credentials come with every copy (each new sandbox's answer).
        store.with(|db| db.credentials()).map_err(StoreError::from)?;
        let template = Installed {
            store: Arc::new(store),
            next_id,
        };
        self.templates
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(scenario.name().to_owned(), template.clone());
        Ok(template)
    }

    /// Marks a sandbox as the one made for `trainee` in a class.
    pub fn set_trainee(&self, id: &str, trainee: &str) {
        self.trainees
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_owned(), trainee.to_owned());
    }

    /// The class: `(sandbox id, trainee, sandbox)` of every living sandbox made for a trainee,
    /// in the order of the trainees' names.
    pub fn class(&self) -> Vec<(String, String, web::Data<Sandbox>)> {
        let others = self.others.read().unwrap_or_else(|p| p.into_inner());
        let mut class: Vec<_> = self
            .trainees
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter_map(|(id, trainee)| Some((id.clone(), trainee.clone(), others.get(id)?.clone())))
            .collect();
        class.sort_by(|a, b| natural(&a.1).cmp(&natural(&b.1)).then_with(|| a.0.cmp(&b.0)));
        class
    }

    pub fn remove(&self, id: &str) -> bool {
        self.trainees.write().unwrap_or_else(|p| p.into_inner()).remove(id);
        self.others
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id)
            .is_some()
    }

    /// The extra sandboxes' ids, sorted.
    pub fn ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .others
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect();
        ids.sort();
        ids
    }
}
