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
use std::future::Future as _;
use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};

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
}

pub struct Application {
    server: Server,
    address: SocketAddr,
    sandbox: web::Data<Sandbox>,
    origin: Origin,
    /// The control plane asks for the admin token.
    guarded: bool,
}

impl Application {
    /// Builds the world (the seed template above all, the longest part of a start) on a thread
    /// of its own while this one binds the port and the server's workers build their routes;
    /// the workers serve nobody before the world is there (they wait for it in [`app`]), and
    /// this returns once both are done, so a request that comes early waits in the listen
    /// queue and is answered as soon as the sandbox is ready.
    pub fn build(config: &Config) -> Result<Self, StartupError> {
        crate::domain::resource::catalogue().map_err(StartupError::Catalogue)?;
        // Every connection is a file: a CI fleet opens thousands, and the soft limit many
        // machines start with (1,024) would refuse them long before --max-connections does.
        match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(files) => log::debug!("open-file limit: {files}"),
            Err(err) => log::warn!("cannot raise the open-file limit: {err}"),
        }
        let scenario = scenario::resolve(&config.scenario)?;
        let gate = Arc::new(Gate::default());
        let world = {
            let opener = Opener(gate.clone());
            let (db, seed, lifecycle) = (config.db.clone(), config.seed, config.lifecycle);
            std::thread::Builder::new()
                .name("world".into())
                .spawn(move || open_world(db.as_deref(), &scenario, seed, lifecycle, opener))
                .map_err(StartupError::Server)?
        };
        // A failure to build the world is reported before one to serve it, as when the two
        // were done one after the other.
        let served = serve(config, gate);
        let (sandbox, origin) = world
            .join()
            .map_err(|_| StartupError::Server(std::io::Error::other("the thread building the world stopped")))??;
        let (server, address) = served?;
        Ok(Self {
            server,
            address,
            sandbox,
            origin,
            guarded: config.admin_token.is_some(),
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

/// The world a start serves: its store opened, its scenario installed (or a `--db` file
/// reopened), the pristine copy reset goes back to, and the registry, which `opener` hands to
/// the server's workers.
fn open_world(
    db: Option<&std::path::Path>,
    scenario: &scenario::Scenario,
    seed: Option<u64>,
    lifecycle: crate::sandbox::registry::Lifecycle,
    opener: Opener,
) -> Result<(web::Data<Sandbox>, Origin), StartupError> {
    let store = match db {
        Some(path) => Store::open_file(path)?,
        None => Store::open_in_memory()?,
    };
    let (sandbox, origin) = Sandbox::open(store, scenario, seed)?;
    if origin == Origin::Installed && db.is_none() {
        // What reset copies back: the world as installed, with the tokens just printed.
        sandbox.set_pristine(Arc::new(Store::copy_of(sandbox.store())?));
    }
    let sandbox = web::Data::new(sandbox);
    opener.open(web::Data::new(Registry::with_lifecycle(
        sandbox.clone(),
        seed,
        lifecycle,
    )));
    Ok((sandbox, origin))
}

/// Binds the port and starts the server's workers, which build their routes and then wait at
/// `gate` for the registry; answers once every worker is up.
fn serve(config: &Config, gate: Arc<Gate>) -> Result<(Server, SocketAddr), StartupError> {
    let requested = SocketAddr::new(config.bind, config.port);
    let listener = TcpListener::bind(requested).map_err(|source| StartupError::Bind {
        address: requested,
        source,
    })?;
    let address = listener.local_addr().map_err(StartupError::Server)?;
    let admin_token = web::Data::new(config.admin_token.clone());
    let public_origin = web::Data::new(config.public_origin.clone());
    let deadline = BodyDeadline(config.client_timeout);
    let cap = config.max_connections;
    let mut server = HttpServer::new(move || {
        let gate = gate.clone();
        // The worker's own thread, with nothing else to do until its app is built: waiting here
        // blocks no one.
        app_from(move || std::future::ready(Ok::<_, std::convert::Infallible>(gate.wait())))
            .app_data(admin_token.clone())
            .app_data(public_origin.clone())
            .app_data(deadline)
    })
    .on_connect(move |_, data| {
        data.insert(ConnectionSlot::open(cap));
    })
    .client_request_timeout(config.client_timeout)
    // Past our own cap connections are still accepted (and refused with a 503); a little
    // further actix stops accepting, so a flood cannot exhaust the process's files.
    .max_connections(cap.saturating_add(cap / 8).saturating_add(16));
    if let Some(workers) = config.workers {
        server = server.workers(workers);
    }
    let mut server = server.listen(listener).map_err(StartupError::Server)?.run();
    // actix starts the workers (and waits for them) when the server is first polled; polled
    // here, that happens while the world is built. A waker that does nothing is enough: the
    // server is polled again, with the runtime's, when it is run.
    match Pin::new(&mut server).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Pending => Ok((server, address)),
        Poll::Ready(Err(err)) => Err(StartupError::Server(err)),
        Poll::Ready(Ok(())) => Err(StartupError::Server(std::io::Error::other(
            "the server stopped as it started",
        ))),
    }
}

/// Where a server's workers wait for the registry while the world is built on another thread.
#[derive(Default)]
struct Gate {
    state: Mutex<GateState>,
    settled: Condvar,
}

#[derive(Default)]
enum GateState {
    #[default]
    Building,
    /// The registry, or `None` when the world could not be built (the workers then come up
    /// without one, and the server is stopped before it serves anyone).
    Settled(Option<web::Data<Registry>>),
}

impl Gate {
    fn wait(&self) -> Option<web::Data<Registry>> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            match &*state {
                GateState::Building => state = self.settled.wait(state).unwrap_or_else(|p| p.into_inner()),
                GateState::Settled(registry) => return registry.clone(),
            }
        }
    }

    fn settle(&self, registry: Option<web::Data<Registry>>) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if matches!(*state, GateState::Building) {
            *state = GateState::Settled(registry);
        }
        self.settled.notify_all();
    }
}

/// Settles a [`Gate`]: with the registry, or, dropped before that (the world failed), without.
struct Opener(Arc<Gate>);

impl Opener {
    fn open(self, registry: web::Data<Registry>) {
        self.0.settle(Some(registry));
    }
}

impl Drop for Opener {
    fn drop(&mut self) {
        self.0.settle(None);
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
    app_from(move || std::future::ready(Ok::<_, std::convert::Infallible>(Some(registry.clone()))))
}

/// [`app`] with the registry from `registry`, which actix runs after the routes are built (see
/// [`AppRegistry`](crate::http::context::AppRegistry)).
fn app_from<F, Made>(
    registry: F,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
>
where
    F: Fn() -> Made + 'static,
    Made: std::future::Future<Output = Result<Option<web::Data<Registry>>, std::convert::Infallible>> + 'static,
{
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
        .data_factory(registry)
        .configure(routes)
}

/// Every route: the default sandbox at the root, the others under `/sb/{id}`, with actix's own
/// failures answered in the Tripletex envelope.
pub fn routes(cfg: &mut web::ServiceConfig) {
    {
        cfg.app_data(web::JsonConfig::default().limit(MAX_BODY).error_handler(|err, _| {
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
                .with_developer_message(format!("The request body could not be read: {err}."))
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
                .wrap(from_fn(crate::http::observe::observe))
                .configure(api::configure),
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
                        .wrap(from_fn(crate::http::observe::observe))
                        .configure(api::configure),
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
