//! Validated configuration of a `serve` run, built from the CLI arguments.

use crate::cli::ServeArgs;
use crate::http::guard::AdminToken;
use crate::http::origin::PublicOrigin;
use crate::sandbox::registry::Lifecycle;
use crate::sandbox::webhooks::WebhookSettings;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: IpAddr,
    pub port: u16,
    /// An embedded scenario's name or a path to a scenario file.
    pub scenario: String,
    pub db: Option<PathBuf>,
    pub seed: Option<u64>,
    pub workers: Option<usize>,
    /// The secret the control plane asks for; None leaves it open (loopback only).
    pub admin_token: Option<AdminToken>,
    pub public_origin: Option<PublicOrigin>,
    /// How long a client may take to send a request's head, and again its body.
    pub client_timeout: Duration,
    /// Connections each worker serves at once.
    pub max_connections: usize,
    /// How many sandboxes may live, and for how long unused.
    pub lifecycle: Lifecycle,
    /// How many bytes of request and response bodies each sandbox's journal keeps.
    pub journal_body_bytes: usize,
    /// Event delivery: hosts allowed besides loopback, the receiver's timeout, the queue's bound.
    pub webhooks: WebhookSettings,
    /// Proxy mode: the Tripletex `/v2` calls are forwarded to, and where they are recorded.
    pub upstream: Option<crate::upstream::Settings>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--workers must be at least 1")]
    NoWorkers,
    #[error("--db {0} is a directory; give a file path such as ./sandbox.db")]
    DbIsDirectory(PathBuf),
    #[error(
        "--bind {0} is reachable from other machines, and the control plane (/_sandbox) hands out every token and changes any world: \
         set an admin token with --admin-token SECRET (or TRIPLETEX_SANDBOX_ADMIN_TOKEN) and send it as `Authorization: Bearer SECRET`, \
         or bind to 127.0.0.1"
    )]
    OpenControlPlane(IpAddr),
    #[error("--admin-token {0}")]
    AdminToken(&'static str),
    #[error("{0}")]
    PublicUrl(String),
    #[error(
        "--client-timeout must be at least 1 second; a client that never finishes its request would hold a connection forever"
    )]
    NoClientTimeout,
    #[error("--max-connections must be at least 1")]
    NoConnections,
    #[error("--webhook-timeout must be at least 1 second")]
    NoWebhookTimeout,
    #[error("--webhook-queue must be at least 1")]
    NoWebhookQueue,
    #[error("{0}")]
    Upstream(String),
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
            admin_token: None,
            public_origin: None,
            client_timeout: Duration::from_secs(10),
            max_connections: 4096,
            lifecycle: Lifecycle::default(),
            journal_body_bytes: crate::sandbox::journal::BODY_BYTES,
            webhooks: WebhookSettings::default(),
            upstream: None,
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
        let admin_token = args
            .admin_token
            .map(AdminToken::new)
            .transpose()
            .map_err(ConfigError::AdminToken)?;
        if !args.bind.is_loopback() && admin_token.is_none() {
            return Err(ConfigError::OpenControlPlane(args.bind));
        }
        let public_origin = args
            .public_url
            .as_deref()
            .map(PublicOrigin::parse)
            .transpose()
            .map_err(ConfigError::PublicUrl)?;
        if args.client_timeout == 0 {
            return Err(ConfigError::NoClientTimeout);
        }
        if args.max_connections == 0 {
            return Err(ConfigError::NoConnections);
        }
        if args.webhook_timeout == 0 {
            return Err(ConfigError::NoWebhookTimeout);
        }
        if args.webhook_queue == 0 {
            return Err(ConfigError::NoWebhookQueue);
        }
        let webhooks = WebhookSettings {
            allowed_hosts: args
                .webhook_allow
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
            timeout: Duration::from_secs(args.webhook_timeout),
            queue_limit: args.webhook_queue,
        };
        let lifecycle = Lifecycle {
            max_sandboxes: args.max_sandboxes,
            idle_ttl: (args.sandbox_idle_ttl > 0).then(|| Duration::from_secs(args.sandbox_idle_ttl)),
        };
        let upstream = args
            .upstream
            .as_deref()
            .map(|url| crate::upstream::Settings::parse(url, args.record.clone()))
            .transpose()
            .map_err(ConfigError::Upstream)?;
        Ok(Self {
            upstream,
            webhooks,
            lifecycle,
            journal_body_bytes: args.journal_body_bytes,
            admin_token,
            public_origin,
            client_timeout: Duration::from_secs(args.client_timeout),
            max_connections: args.max_connections,
            bind: args.bind,
            port: args.port,
            scenario: args.scenario,
            db: args.db,
            seed: args.seed,
            workers: args.workers,
        })
    }
}
