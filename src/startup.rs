//! Building a running emulator (open the store, load the scenario, bind the port) apart from
//! running it, so tests and `main` start it the same way and can ask which port it got.

use crate::api;
use crate::config::Config;
use crate::control::{self, Credential};
use crate::http::guard::admin_only;
use crate::http::limits::{BodyDeadline, ConnectionSlot, is_timeout, limits};
use crate::sandbox::registry::Registry;
use crate::sandbox::{Origin, Sandbox};
use crate::scenario::{self, ScenarioError};
use crate::store::{Store, StoreError};
use crate::wire::error::{ApiError, ErrorKind};
use crate::wire::request_id::{no_route, stamp};
use actix_web::dev::Server;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{Condition, Logger, from_fn};
use actix_web::{App, HttpServer, web};
use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener};

/// The banner's last line, so people and scripts know the credentials are complete.
pub const READY_LINE: &str = "ready: Ctrl-C stops the sandbox";

/// The largest request body the sandbox accepts.
const MAX_BODY: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot load the scenario:\n{0}")]
    Scenario(#[from] ScenarioError),
    #[error("{0}")]
    Catalogue(String),
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    #[error("cannot listen on {address}: {source}; choose another --port (0 picks a free one) or --bind")]
    Bind {
        address: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot start the HTTP server: {0}")]
    Server(std::io::Error),
    #[error("{0}")]
    Upstream(String),
}

pub struct Application {
    server: Server,
    address: SocketAddr,
    sandbox: web::Data<Sandbox>,
    origin: Origin,
    /// The control plane asks for the admin token.
    guarded: bool,
    /// Proxy mode: where `/v2` calls go, and where they are recorded.
    upstream: Option<crate::upstream::Settings>,
}

/// The default sandbox: the scenario installed in a new store, or the world a `--db` file holds;
/// in memory, with the pristine copy a reset restores.
fn open_default_sandbox(config: &Config) -> Result<(Sandbox, Origin), StartupError> {
    let scenario = scenario::resolve(&config.scenario)?;
    // The seed template is most of a start: the default sandbox's store opens and migrates
    // on a thread of its own meanwhile. The template is built here, not there, because
    // memory it frees (parsed seed data, the database's growing buffer) is then reused by
    // this thread's later allocations instead of staying in another thread's arena.
    let opening = match config.db.clone() {
        Some(path) => std::thread::spawn(move || Store::open_file(&path)),
        None => std::thread::spawn(Store::open_in_memory),
    };
    let template = config
        .db
        .is_none()
        .then(|| scenario::seed_template(&scenario::company_ids(&scenario), jiff::Timestamp::now()));
    let store = opening
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    // `open` finds the template just built: it is kept alive until the sandbox holds it.
    let opened = Sandbox::open(store, &scenario, config.seed);
    drop(template);
    let (sandbox, origin) = opened?;
    if origin == Origin::Installed && config.db.is_none() {
        // What reset copies back: the world as installed, with the tokens just printed.
        sandbox.set_pristine(std::sync::Arc::new(Store::copy_of(sandbox.store())?));
    }
    Ok((sandbox, origin))
}

/// The HTTP server over the registry, on the bound listener, running.
fn serve(config: &Config, registry: web::Data<Registry>, listener: TcpListener) -> Result<Server, StartupError> {
    let admin_token = web::Data::new(config.admin_token.clone());
    let public_origin = web::Data::new(config.public_origin.clone());
    let deadline = BodyDeadline(config.client_timeout);
    let cap = config.max_connections;
    let upstream = match &config.upstream {
        Some(settings) => Some(web::Data::new(
            crate::upstream::Upstream::new(settings).map_err(StartupError::Upstream)?,
        )),
        None => None,
    };
    let mut server = HttpServer::new(move || {
        let app = app(registry.clone())
            .app_data(admin_token.clone())
            .app_data(public_origin.clone())
            .app_data(deadline);
        match &upstream {
            Some(upstream) => app.app_data(upstream.clone()),
            None => app,
        }
    })
    .on_connect(move |connection, data| {
        data.insert(ConnectionSlot::open(cap));
        if let Some(address) = crate::http::origin::ConnectionAddress::of(connection) {
            data.insert(address);
        }
    })
    .client_request_timeout(config.client_timeout)
    // Past our own cap connections are still accepted (and refused with a 503); a little
    // further actix stops accepting, so a flood cannot exhaust the process's files.
    .max_connections(cap.saturating_add(cap / 8).saturating_add(16));
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    Ok(server.listen(listener).map_err(StartupError::Server)?.run())
}

impl Application {
    pub fn build(config: &Config) -> Result<Self, StartupError> {
        crate::domain::resource::catalogue().map_err(StartupError::Catalogue)?;
        // Every connection is a file: a CI fleet opens thousands, and the soft limit many
        // machines start with (1,024) would refuse them long before --max-connections does.
        match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(files) => log::debug!("open-file limit: {files}"),
            Err(err) => log::warn!("cannot raise the open-file limit: {err}"),
        }
        let (sandbox, origin) = open_default_sandbox(config)?;
        let sandbox = web::Data::new(sandbox);
        let registry = web::Data::new(
            Registry::with_lifecycle(sandbox.clone(), config.seed, config.lifecycle)
                .with_journal_body_bytes(config.journal_body_bytes)
                .with_webhooks(config.webhooks.clone()),
        );
        let requested = SocketAddr::new(config.bind, config.port);
        let listener = TcpListener::bind(requested).map_err(|source| StartupError::Bind {
            address: requested,
            source,
        })?;
        let address = listener.local_addr().map_err(StartupError::Server)?;
        let authority = match &config.public_origin {
            Some(origin) => origin.authority.clone(),
            None => address.to_string(),
        };
        crate::events::spawn(std::sync::Arc::downgrade(&registry.clone().into_inner()), authority)
            .map_err(StartupError::Server)?;
        let server = serve(config, registry, listener)?;
        Ok(Self {
            server,
            address,
            sandbox,
            origin,
            guarded: config.admin_token.is_some(),
            upstream: config.upstream.clone(),
        })
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// What `serve` prints on start: exactly one `listening on` line, then the credentials.
    pub fn banner(&self) -> Result<String, ApiError> {
        let base = format!("http://{}", self.address);
        let mut out = format!("listening on {base}\n");
        let scenario = self.sandbox.scenario_name()?;
        let _ = match &self.origin {
            Origin::Installed => writeln!(out, "scenario: {scenario} (in-memory unless --db)"),
            Origin::Reopened { .. } => writeln!(
                out,
                "scenario: {scenario} (reopened from --db; the world is as it was left)"
            ),
        };
        if let Some(upstream) = &self.upstream {
            let _ = writeln!(
                out,
                "proxy: /v2 calls go to {}/v2 with the caller's own credentials",
                upstream.origin
            );
            if let Some(dir) = &upstream.record {
                let _ = writeln!(
                    out,
                    "recording: one file per session in {} (secrets redacted)",
                    dir.display()
                );
            }
        }
        if self.guarded {
            let _ = writeln!(
                out,
                "control plane: /_sandbox asks for the admin token (Authorization: Bearer <--admin-token>); /v2 is open"
            );
        }
        let _ = writeln!(out, "credentials (also at GET {base}/_sandbox/credentials):");
        for credential in control::credentials(&self.sandbox)? {
            write_credential(&mut out, &credential);
        }
        out.push_str(READY_LINE);
        out.push('\n');
        Ok(out)
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn write_credential(out: &mut String, credential: &Credential) {
    let _ = writeln!(out, "  {}", credential.label);
    let _ = writeln!(
        out,
        "    consumerToken: {}",
        credential
            .consumer_token
            .as_deref()
            .unwrap_or("(no registered integration has this application name)")
    );
    let _ = writeln!(out, "    employeeToken: {}", credential.employee_token);
    if credential.accountant_key {
        let clients: Vec<String> = credential.clients.iter().map(i64::to_string).collect();
        let _ = writeln!(out, "    clients (Basic-auth usernames): {}", clients.join(", "));
    }
}

/// The whole HTTP application: every response passes the request-id stamp.
pub fn app(
    registry: web::Data<Registry>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    // The access log costs its formatting on every request, so it is only there when asked for
    // (RUST_LOG=info): one line per request with method, path, status, bytes and time.
    let access_log = log::log_enabled!(target: "actix_web::middleware::logger", log::Level::Info);
    App::new()
        .wrap(from_fn(limits))
        .wrap(from_fn(stamp))
        .wrap(Condition::new(
            access_log,
            Logger::new("%a \"%r\" %s %b bytes %D ms request %{x-tlx-request-id}o"),
        ))
        .configure(routes(registry))
}

/// Request bodies are read as sent (the server is built without actix's decompression): a body
/// that fails to parse because it is compressed says so, rather than only that it is not JSON.
fn compressed_body_hint(req: &actix_web::HttpRequest) -> String {
    match req.headers().get(actix_web::http::header::CONTENT_ENCODING) {
        Some(value) if !value.as_bytes().eq_ignore_ascii_case(b"identity") => format!(
            " The body was sent with Content-Encoding: {}, which the sandbox does not decode: send it uncompressed.",
            String::from_utf8_lossy(value.as_bytes())
        ),
        _ => String::new(),
    }
}

/// Every route: the default sandbox at the root, the others under `/sb/{id}`, with actix's own
/// failures answered in the Tripletex envelope.
pub fn routes(registry: web::Data<Registry>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        cfg.app_data(registry)
            .app_data(web::JsonConfig::default().limit(MAX_BODY).error_handler(|err, req| {
                use actix_web::error::JsonPayloadError;
                let kind = match &err {
                    JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                        ErrorKind::PayloadTooLarge
                    }
                    JsonPayloadError::ContentType => ErrorKind::UnsupportedMediaType,
                    // The bytes never arrived whole (a bad chunk, a dropped or too slow client):
                    // an HTTP problem, not a JSON one.
                    JsonPayloadError::Payload(payload) if is_timeout(payload) => ErrorKind::RequestTimeout,
                    JsonPayloadError::Payload(_) => ErrorKind::BadRequest,
                    _ => ErrorKind::InvalidJson,
                };
                ApiError::new(kind)
                    .with_developer_message(format!(
                        "The request body could not be read: {err}.{}",
                        compressed_body_hint(req)
                    ))
                    .into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                ApiError::bad_request(format!("The query string could not be read: {err}.")).into()
            }))
            .app_data(web::PathConfig::default().error_handler(|err, _| {
                ApiError::new(ErrorKind::PathParam)
                    .with_developer_message(format!("A path parameter is not valid: {err}."))
                    .into()
            }))
            .service(
                web::scope("/v2")
                    .wrap(from_fn(crate::upstream::divert))
                    .wrap(from_fn(crate::http::observe::observe))
                    .configure(api::configure)
                    .default_service(web::to(api::dispatch::dispatch)),
            )
            .service(
                web::scope("/_sandbox")
                    .wrap(from_fn(admin_only))
                    .configure(control::configure_global)
                    .configure(control::configure),
            )
            .service(crate::console::scope())
            .service(
                web::scope(&format!("/sb/{{{}}}", crate::http::SANDBOX_ID))
                    .service(
                        web::scope("/v2")
                            .wrap(from_fn(crate::upstream::divert))
                            .wrap(from_fn(crate::http::observe::observe))
                            .configure(api::configure)
                            .default_service(web::to(api::dispatch::dispatch)),
                    )
                    .service(
                        web::scope("/_sandbox")
                            .wrap(from_fn(admin_only))
                            .configure(control::configure),
                    )
                    .service(crate::console::scope()),
            )
            .default_service(web::to(no_route));
    }
}
