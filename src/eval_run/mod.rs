//! `eval`: drives an agent through a task set. Per task, prompt and repeat: a fresh sandbox
//! from the task's seed on an emulator of its own, a session, `POST {agent}/solve`, then the
//! score of the company's state, the calls the agent made and the 4xx answers it got (from the
//! sandbox's journal), and the time it took.

pub mod client;
pub mod report;

use crate::eval::{self, Task, builtin};
use crate::http::guard::AdminToken;
use crate::sandbox::Sandbox;
use crate::sandbox::journal::{Filter, StatusFilter};
use crate::sandbox::registry::{Lifecycle, Registry};
use crate::startup;
use crate::store::Store;
use actix_web::{HttpServer, web};
pub use report::{Outcome, Report, Run};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long minting a session on the emulator itself may take.
const MINT_TIMEOUT: Duration = Duration::from_secs(10);

/// How to run the agent.
#[derive(Debug, Clone)]
pub struct Options {
    /// The agent's base URL; tasks go to `{agent}/solve`.
    pub agent: String,
    /// Sent as `Authorization: Bearer …` to the agent.
    pub agent_token: Option<String>,
    /// Runs at once, each with its own sandbox.
    pub parallel: usize,
    pub timeout: Duration,
    /// Runs of each task and prompt.
    pub repeat: usize,
    /// Where the emulator listens; port 0 picks a free one.
    pub bind: SocketAddr,
    /// The scheme and host the agent reaches the emulator at, when not the address it listens on
    /// (an agent in a container: `http://host.docker.internal:PORT`).
    pub public_url: Option<String>,
}

/// Reads tasks: `builtin`, a task file, or a directory of them (its `.json` files, by name).
pub fn load_tasks(spec: &str) -> Result<Vec<Task>, String> {
    let tasks = if spec == "builtin" {
        builtin::tasks().map_err(|e| e.to_string())?
    } else {
        let path = Path::new(spec);
        let mut files = Vec::new();
        if path.is_dir() {
            let entries = std::fs::read_dir(path).map_err(|e| format!("{spec}: cannot read the directory ({e})"))?;
            files.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "json")),
            );
            files.sort();
        } else {
            files.push(path.to_path_buf());
        }
        let mut problems = Vec::new();
        let mut tasks = Vec::new();
        for file in files {
            let shown = file.display().to_string();
            match std::fs::read_to_string(&file) {
                Err(err) => problems.push(format!("{shown}: $: cannot read the file ({err}); check the path")),
                Ok(text) => match eval::task::parse(&shown, &text) {
                    Ok(task) => tasks.push(task),
                    Err(err) => problems.push(err.to_string()),
                },
            }
        }
        if !problems.is_empty() {
            return Err(problems.join("\n"));
        }
        tasks
    };
    let mut seen = HashSet::new();
    for task in &tasks {
        if !seen.insert(task.id()) {
            return Err(format!(
                "{spec}: two tasks have the id {:?}; give each its own",
                task.id()
            ));
        }
    }
    if tasks.is_empty() {
        return Err(format!("{spec}: no tasks found (task files end in .json)"));
    }
    Ok(tasks)
}

/// The emulator the agent works against: served on a loopback port by a thread of its own.
struct Emulator {
    registry: web::Data<Registry>,
    address: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    thread: std::thread::JoinHandle<std::io::Result<()>>,
}

impl Emulator {
    fn start(parallel: usize, bind: SocketAddr) -> Result<Self, String> {
        let base = builtin::base_world(builtin::BASE_WORLD)?;
        let store = Store::open_in_memory().map_err(|e| e.to_string())?;
        let (sandbox, _) =
            Sandbox::open_shared(store, base, crate::sandbox::random_stream(None, "")).map_err(|e| e.to_string())?;
        let lifecycle = Lifecycle {
            max_sandboxes: parallel.saturating_mul(2).saturating_add(16),
            idle_ttl: None,
        };
        let registry = web::Data::new(Registry::with_lifecycle(web::Data::new(sandbox), None, lifecycle));
        let listener = TcpListener::bind(bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
        let address = listener.local_addr().map_err(|e| e.to_string())?;
        let (sender, receiver) = std::sync::mpsc::channel();
        let served = registry.clone();
        // The agent gets /v2 only: the control plane (the world's state, the scoring) stays
        // closed to it behind a secret nobody is told.
        let secret = uuid::Uuid::new_v4().simple().to_string();
        let guard = web::Data::new(AdminToken::new(secret).ok());
        let workers = parallel.clamp(1, 4);
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || startup::app(served.clone()).app_data(guard.clone()))
                    .workers(workers)
                    .listen(listener)?
                    .run();
                let _ = sender.send(server.handle());
                server.await
            })
        });
        let handle = receiver.recv().map_err(|_| "the emulator did not start".to_owned())?;
        Ok(Self {
            registry,
            address,
            handle,
            thread,
        })
    }

    fn stop(self) {
        actix_web::rt::System::new().block_on(self.handle.stop(false));
        let _ = self.thread.join();
    }
}

/// One run to make: a task, one of its prompts, the how-manieth repeat.
struct Job<'t> {
    task: &'t Task,
    prompt: usize,
    repeat: usize,
}

/// Runs every task's every prompt `repeat` times, `parallel` at once; a run that fails is
/// reported and the others go on.
pub fn run(tasks: &[Task], options: &Options) -> Result<Report, String> {
    let started = Instant::now();
    let emulator = Emulator::start(options.parallel, options.bind)?;
    let jobs: Vec<Job<'_>> = tasks
        .iter()
        .flat_map(|task| {
            (0..task.file.prompts.len())
                .flat_map(move |prompt| (1..=options.repeat.max(1)).map(move |repeat| Job { task, prompt, repeat }))
        })
        .collect();
    // Each worker takes the next job not yet taken; results keep the jobs' order.
    let next = AtomicUsize::new(0);
    let done = Mutex::new(Vec::with_capacity(jobs.len()));
    std::thread::scope(|scope| {
        for _ in 0..options.parallel.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(index) else { break };
                    let run = run_one(&emulator, job, options);
                    done.lock().unwrap_or_else(|p| p.into_inner()).push((index, run));
                }
            });
        }
    });
    emulator.stop();
    let mut runs = done.into_inner().unwrap_or_else(|p| p.into_inner());
    runs.sort_by_key(|(index, _)| *index);
    Ok(Report {
        agent: options.agent.clone(),
        runs: runs.into_iter().map(|(_, run)| run).collect(),
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// One run: its own sandbox, made, used, scored and deleted.
fn run_one(emulator: &Emulator, job: &Job<'_>, options: &Options) -> Run {
    let started = Instant::now();
    let task = job.task;
    let prompt = &task.file.prompts[job.prompt];
    let mut run = Run::new(task, job.prompt, &prompt.language, job.repeat);
    let made = emulator.registry.create(&task.scenario);
    let (id, sandbox) = match made {
        Ok(made) => made,
        Err(err) => return run.failed(Outcome::SetupFailed, err.to_string(), started),
    };
    run.sandbox = id.clone();
    let local = format!("http://{}/sb/{id}/v2", emulator.address);
    let base_url = match &options.public_url {
        Some(public) => format!("{}/sb/{id}/v2", public.trim_end_matches('/')),
        None => local.clone(),
    };
    let token = match mint(&sandbox, task, &local) {
        Ok(token) => token,
        Err(message) => {
            emulator.registry.remove(&id);
            return run.failed(Outcome::SetupFailed, message, started);
        }
    };
    // The agent's calls are what counts: the session minted for it is not one of them.
    sandbox.journal().clear();
    let body = solve_body(task, job.prompt, &base_url, &token);
    let url = format!("{}/solve", options.agent.trim_end_matches('/'));
    run.setup_seconds = started.elapsed().as_secs_f64();
    let answer = client::send(
        "POST",
        &url,
        options.agent_token.as_deref(),
        Some(&body.to_string()),
        options.timeout,
    );
    run.record_answer(answer);
    let scoring = Instant::now();
    match eval::score(&task.file.checks, &sandbox, task.company) {
        Ok(score) => run.record_score(score),
        Err(err) => run.message = Some(format!("cannot score: {err}")),
    }
    run.score_seconds = scoring.elapsed().as_secs_f64();
    run.seconds = started.elapsed().as_secs_f64();
    let journal = sandbox.journal();
    run.calls = journal.read(&Filter::default(), 0, 0).full_result_size;
    let client_errors = Filter {
        status: Some(StatusFilter::Class(4)),
        ..Filter::default()
    };
    run.client_errors = journal.read(&client_errors, 0, 0).full_result_size;
    emulator.registry.remove(&id);
    run
}

/// A session for the task's key: minted over HTTP, the way the agent would.
fn mint(sandbox: &Sandbox, task: &Task, base_url: &str) -> Result<String, String> {
    let rows = sandbox.store().with(|db| db.credentials()).map_err(|e| e.to_string())?;
    let row = rows
        .iter()
        .find(|r| r.key.id == task.key)
        .ok_or_else(|| format!("the seed world has no active key {}", task.key))?;
    let consumer = row
        .integration
        .as_ref()
        .map(|i| i.consumer_token.clone())
        .ok_or_else(|| format!("key {} belongs to no registered integration", task.key))?;
    let week = jiff::SignedDuration::from_hours(24 * 7);
    let expires = sandbox
        .now()
        .checked_add(week)
        .map_err(|e| e.to_string())?
        .to_zoned_datetime(jiff::tz::TimeZone::get("Europe/Oslo").map_err(|e| e.to_string())?)
        .date();
    let query = serde_urlencoded::to_string([
        ("consumerToken", consumer.as_str()),
        ("employeeToken", row.token.as_str()),
        ("expirationDate", &expires.to_string()),
    ])
    .map_err(|e| e.to_string())?;
    let url = format!("{base_url}/token/session/:create?{query}");
    let reply = client::send("PUT", &url, None, None, MINT_TIMEOUT).map_err(|e| format!("minting a session: {e:?}"))?;
    let value: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
    value["value"]["token"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("minting a session answered {}: {}", reply.status, reply.body))
}

/// What the agent is sent: the competition's protocol.
fn solve_body(task: &Task, prompt: usize, base_url: &str, token: &str) -> Value {
    let prompt = &task.file.prompts[prompt];
    let files: Vec<Value> = prompt
        .files
        .iter()
        .map(|f| json!({"filename": f.name, "content_base64": f.base64, "mime_type": f.mime_type}))
        .collect();
    let mut credentials = json!({"base_url": base_url, "session_token": token});
    if task.file.seed.company != 0 {
        credentials["company_id"] = json!(task.file.seed.company);
    }
    json!({"prompt": prompt.text, "files": files, "tripletex_credentials": credentials})
}

/// `eval` as the command line asks: validate, or run and print the report; the exit code says
/// whether the score reached `--min-score`.
pub fn main(args: &crate::cli::EvalArgs) -> std::process::ExitCode {
    use crate::cli::EvalFormat;
    use std::process::ExitCode;
    let tasks = match load_tasks(&args.tasks) {
        Ok(tasks) => tasks,
        Err(report) => {
            eprintln!("{report}");
            return ExitCode::FAILURE;
        }
    };
    if args.check {
        for task in &tasks {
            println!(
                "{}: ok ({} prompts, {} points)",
                task.id(),
                task.file.prompts.len(),
                task.max_points()
            );
        }
        return ExitCode::SUCCESS;
    }
    if let Some(min) = args.min_score.filter(|m| !(0.0..=1.0).contains(m)) {
        eprintln!("error: --min-score is a share of the points from 0 to 1 (0.8 for 80 %), not {min}");
        return ExitCode::FAILURE;
    }
    let options = Options {
        agent: args.agent.clone().unwrap_or_default(),
        agent_token: args.agent_token.clone(),
        parallel: usize::from(args.parallel),
        timeout: Duration::from_secs(args.timeout.max(1)),
        repeat: usize::from(args.repeat),
        bind: SocketAddr::new(args.bind, args.port),
        public_url: args.public_url.clone(),
    };
    let report = match run(&tasks, &options) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
    };
    match args.format {
        EvalFormat::Text => print!("{}", report.text()),
        EvalFormat::Json => println!("{:#}", report.json()),
        EvalFormat::Junit => print!("{}", report.junit()),
    }
    let score = report.overall().correctness;
    match args.min_score {
        Some(min) if score < min => {
            eprintln!("score {:.1}% is under --min-score {:.1}%", score * 100.0, min * 100.0);
            ExitCode::FAILURE
        }
        _ => ExitCode::SUCCESS,
    }
}
