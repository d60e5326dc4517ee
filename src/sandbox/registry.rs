//! The sandboxes one process serves: the default one at the root, and any number of further
//! ones under `/sb/{id}`, created and deleted over the control plane (one per test, if you like).

use crate::sandbox::{Sandbox, random_stream};
use crate::scenario::Scenario;
use crate::store::{Store, StoreError};
use actix_web::web;
use rand::RngExt;
use rand::rngs::StdRng;
use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

/// How many extra sandboxes may live at once; each is a small in-memory database.
pub const MAX_SANDBOXES: usize = 500;

pub struct Registry {
    default: web::Data<Sandbox>,
    others: RwLock<HashMap<String, web::Data<Sandbox>>>,
    /// Each scenario installed once, then copied for every new sandbox that asks for it.
    templates: RwLock<HashMap<String, std::sync::Arc<Store>>>,
    seed: Option<u64>,
    /// Where new sandbox ids come from: seeded with `--seed`, so the n-th sandbox of a run has the
    /// same id (and so the same token stream) in every run.
    ids: Mutex<StdRng>,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(
        "{MAX_SANDBOXES} sandboxes are alive already; DELETE /_sandbox/sandboxes/{{id}} the ones you are done with"
    )]
    Full,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Registry {
    pub fn new(default: web::Data<Sandbox>, seed: Option<u64>) -> Self {
        Self {
            default,
            others: RwLock::new(HashMap::new()),
            templates: RwLock::new(HashMap::new()),
            seed,
            ids: Mutex::new(random_stream(seed, "sandbox ids")),
        }
    }

    pub fn default_sandbox(&self) -> web::Data<Sandbox> {
        self.default.clone()
    }

    /// The sandbox named in a path (`/sb/{id}`), or the default one.
    pub fn resolve(&self, id: Option<&str>) -> Option<web::Data<Sandbox>> {
        match id {
            None => Some(self.default.clone()),
            Some(id) => self.others.read().unwrap_or_else(|p| p.into_inner()).get(id).cloned(),
        }
    }

    /// A new in-memory sandbox holding `scenario`, and its id.
    pub fn create(&self, scenario: &Scenario) -> Result<(String, web::Data<Sandbox>), RegistryError> {
        if self.others.read().unwrap_or_else(|p| p.into_inner()).len() >= MAX_SANDBOXES {
            return Err(RegistryError::Full);
        }
        let template = self.template(scenario)?;
        let id = self.new_id();
        let (sandbox, _) = Sandbox::open_with(Store::copy_of(&template)?, scenario, random_stream(self.seed, &id))?;
        let sandbox = web::Data::new(sandbox);
        let mut others = self.others.write().unwrap_or_else(|p| p.into_inner());
        if others.len() >= MAX_SANDBOXES {
            return Err(RegistryError::Full);
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
    fn template(&self, scenario: &Scenario) -> Result<std::sync::Arc<Store>, RegistryError> {
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
        let template = std::sync::Arc::new(built.into_store());
        self.templates
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(scenario.name().to_owned(), template.clone());
        Ok(template)
    }

    pub fn remove(&self, id: &str) -> bool {
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
