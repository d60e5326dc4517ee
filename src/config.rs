//! Validated configuration of a `serve` run, built from the CLI arguments.

use crate::cli::ServeArgs;
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: IpAddr,
    pub port: u16,
    /// An embedded scenario's name or a path to a scenario file.
    pub scenario: String,
    pub db: Option<PathBuf>,
    pub seed: Option<u64>,
    pub workers: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--workers must be at least 1")]
    NoWorkers,
    #[error("--db {0} is a directory; give a file path such as ./sandbox.db")]
    DbIsDirectory(PathBuf),
}

impl Config {
    /// The embedded default: in-memory store, default scenario, loopback, a free port.
    pub fn for_tests() -> Self {
        Self {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 0,
            scenario: crate::scenario::DEFAULT_SCENARIO.to_owned(),
            db: None,
            seed: None,
            workers: Some(1),
        }
    }
}

impl TryFrom<ServeArgs> for Config {
    type Error = ConfigError;

    fn try_from(args: ServeArgs) -> Result<Self, ConfigError> {
        if args.workers == Some(0) {
            return Err(ConfigError::NoWorkers);
        }
        if let Some(db) = &args.db
            && db.is_dir()
        {
            return Err(ConfigError::DbIsDirectory(db.clone()));
        }
        Ok(Self {
            bind: args.bind,
            port: args.port,
            scenario: args.scenario,
            db: args.db,
            seed: args.seed,
            workers: args.workers,
        })
    }
}
