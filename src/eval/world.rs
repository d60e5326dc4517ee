//! The base world a task starts from: the embedded eval company, or an embedded scenario by name.

use crate::scenario::{self, Scenario};
use std::sync::{Arc, OnceLock};

/// The world a task starts from when its seed names none: a fresh company whose administrator
/// holds every access, and a key for the agent.
pub const BASE_WORLD: &str = "eval-company";

const BASE_WORLD_TEXT: &str = include_str!("tasks/eval-company.json");

/// A base world by name: [`BASE_WORLD`] or an embedded scenario.
pub fn base_world(name: &str) -> Result<Arc<Scenario>, String> {
    if name == BASE_WORLD {
        static PARSED: OnceLock<Result<Arc<Scenario>, String>> = OnceLock::new();
        return PARSED
            .get_or_init(|| {
                scenario::parse(BASE_WORLD, BASE_WORLD_TEXT)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone();
    }
    match scenario::embedded(name) {
        Some(parsed) => parsed.map_err(|e| e.to_string()),
        None => Err(format!(
            "no base world is named {name:?}; use {BASE_WORLD} or an embedded scenario ({})",
            scenario::EMBEDDED_SCENARIOS
                .iter()
                .map(|(n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}
