//! Command-line arguments (clap derive structs only). Every flag has a `TRIPLETEX_SANDBOX_*`
//! environment twin; the doc comments are the `--help` text.

use clap::{Args, Parser, Subcommand};
use std::net::IpAddr;
use std::path::PathBuf;

/// An offline emulator of the Tripletex API v2: token flow, accounting-office keys, client grants.
#[derive(Debug, Parser)]
#[command(name = "tripletex-sandbox", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the emulator over HTTP and print usable credentials.
    Serve(ServeArgs),
    /// Inspect and validate scenario files.
    #[command(subcommand)]
    Scenarios(ScenariosCommand),
    /// Drift reports: check every emulated response against an official Tripletex OpenAPI
    /// document (`--spec`), and/or replay recorded Tripletex traffic against a fresh sandbox
    /// (`--recorded`); exits 1 on a schema problem, a status difference or a missing field of a
    /// recorded pair, or a runs' agreement under `--min-agreement`.
    Conformance {
        /// Path to Tripletex's openapi.json (or the subset you hold).
        #[arg(long, env = "TRIPLETEX_OPENAPI")]
        spec: Option<PathBuf>,
        /// A directory of recordings, each file replayed on a sandbox of its own: request/response
        /// pairs (`input`, `api` by method and path, `output`) or runs of calls (`run`, `calls`),
        /// told apart per file.
        #[arg(long, env = "TRIPLETEX_SANDBOX_RECORDED")]
        recorded: Option<PathBuf>,
        /// Exit 1 when the runs' status agreement on calls that do not depend on earlier state
        /// is under this percentage (0 to 100). Without it, runs only report.
        #[arg(long, env = "TRIPLETEX_SANDBOX_MIN_AGREEMENT", value_parser = percentage)]
        min_agreement: Option<f64>,
        /// Report as text lines or as one JSON document.
        #[arg(long, env = "TRIPLETEX_SANDBOX_FORMAT", value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List every operation of the official Tripletex document with how far the sandbox emulates
    /// it: semantic (hand-written behaviour), stateful (generic, stored per company) or declared
    /// (routed, answered 501).
    Coverage {
        /// Only the operations of this level.
        #[arg(long, env = "TRIPLETEX_SANDBOX_LEVEL", value_parser = ["semantic", "stateful", "declared"])]
        level: Option<String>,
        /// Report as text lines or as one JSON document.
        #[arg(long, env = "TRIPLETEX_SANDBOX_FORMAT", value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Evaluate an accounting agent: for each task (and prompt), a fresh sandbox from its seed,
    /// `POST {agent}/solve` with the prompt and a session, then a score of the company's state,
    /// the agent's calls and 4xx answers; exits 1 under --min-score. See docs/eval.md.
    Eval(EvalArgs),
}

/// A percentage from 0 to 100.
fn percentage(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .ok_or_else(|| format!("{text:?} is not a percentage; write a number from 0 to 100 (85, 92.5)"))
}

/// `eval`'s flags.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// The agent's base URL (http://); each task is posted to `{agent}/solve`.
    #[arg(long, env = "TRIPLETEX_SANDBOX_AGENT", required_unless_present = "check")]
    pub agent: Option<String>,
    /// `builtin` (the embedded task set), a task file, or a directory of task files.
    #[arg(long, env = "TRIPLETEX_SANDBOX_TASKS", default_value = "builtin")]
    pub tasks: String,
    /// Runs at once, each in a sandbox of its own.
    #[arg(long, env = "TRIPLETEX_SANDBOX_PARALLEL", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
    /// How long the agent may take per task, in seconds (`300`, `300s`) or minutes (`5m`); the
    /// company is then scored as it left it.
    #[arg(long, env = "TRIPLETEX_SANDBOX_TIMEOUT", default_value = "300", value_parser = seconds)]
    pub timeout: u64,
    /// Runs of each task and prompt.
    #[arg(long, env = "TRIPLETEX_SANDBOX_REPEAT", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub repeat: u16,
    /// How the report is printed.
    #[arg(long, env = "TRIPLETEX_SANDBOX_FORMAT", value_enum, default_value_t = EvalFormat::Text)]
    pub format: EvalFormat,
    /// Exit 1 when the overall score (points / max points, 0 to 1) is under this.
    #[arg(long, env = "TRIPLETEX_SANDBOX_MIN_SCORE")]
    pub min_score: Option<f64>,
    /// Sent to the agent as `Authorization: Bearer …`.
    #[arg(long, env = "TRIPLETEX_SANDBOX_AGENT_TOKEN", hide_env_values = true)]
    pub agent_token: Option<String>,
    /// Address the emulator the agent works against listens on.
    #[arg(long, env = "TRIPLETEX_SANDBOX_EVAL_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port of that emulator; 0 picks a free one.
    #[arg(long, env = "TRIPLETEX_SANDBOX_EVAL_PORT", default_value_t = 0)]
    pub port: u16,
    /// The scheme and host the agent reaches that emulator at, when not the address it listens
    /// on (an agent in a container: `http://host.docker.internal:PORT` with --bind 0.0.0.0).
    #[arg(long, env = "TRIPLETEX_SANDBOX_EVAL_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Only validate the tasks (`file: json.path: problem` lines) and exit.
    #[arg(long, env = "TRIPLETEX_SANDBOX_EVAL_CHECK")]
    pub check: bool,
}

/// How an `eval` report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalFormat {
    Text,
    Json,
    Junit,
}

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TRIPLETEX_SANDBOX_BIND", default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Port to listen on; 0 picks a free port (the startup line tells which).
    #[arg(long, env = "TRIPLETEX_SANDBOX_PORT", default_value_t = 8080)]
    pub port: u16,
    /// Scenario to load: the name of an embedded one (see `scenarios list`) or a path to a file.
    #[arg(long, env = "TRIPLETEX_SANDBOX_SCENARIO", default_value = "quickstart")]
    pub scenario: String,
    /// SQLite file that keeps the world across restarts; in memory when absent.
    #[arg(long, env = "TRIPLETEX_SANDBOX_DB")]
    pub db: Option<PathBuf>,
    /// Seed for generated tokens and ids: the same seed gives the same credentials every run.
    #[arg(long, env = "TRIPLETEX_SANDBOX_SEED")]
    pub seed: Option<u64>,
    /// HTTP worker threads; defaults to the number of CPU cores.
    #[arg(long, env = "TRIPLETEX_SANDBOX_WORKERS")]
    pub workers: Option<usize>,
    /// Secret that `/_sandbox` requests must carry (`Authorization: Bearer …` or
    /// `X-Sandbox-Admin-Token: …`). Required when --bind is not a loopback address; `/v2` stays open.
    #[arg(long, env = "TRIPLETEX_SANDBOX_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// The scheme and host clients reach the emulator at (behind a proxy or a container's port
    /// mapping), for `baseUrl` and `url` fields; by default the address each connection came in on.
    #[arg(long, env = "TRIPLETEX_SANDBOX_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seconds a client may take to send a request's head, and again its body; slower ones get 408.
    #[arg(long, env = "TRIPLETEX_SANDBOX_CLIENT_TIMEOUT", default_value_t = 10)]
    pub client_timeout: u64,
    /// Connections each worker serves at once; one more is answered 503 and closed.
    #[arg(long, env = "TRIPLETEX_SANDBOX_MAX_CONNECTIONS", default_value_t = 4096)]
    pub max_connections: usize,
    /// Sandboxes (besides the default one) that may live at once; one more is refused with 429.
    #[arg(long, env = "TRIPLETEX_SANDBOX_MAX_SANDBOXES", default_value_t = 500)]
    pub max_sandboxes: usize,
    /// Seconds a sandbox may go without a request before it is forgotten (0: kept until deleted).
    #[arg(long, env = "TRIPLETEX_SANDBOX_IDLE_TTL", default_value_t = 1800)]
    pub sandbox_idle_ttl: u64,
    /// Bytes of request and response bodies each sandbox's journal keeps (secrets redacted); past
    /// them the oldest bodies are dropped and their entries kept. 0 keeps no bodies.
    #[arg(long, env = "TRIPLETEX_SANDBOX_JOURNAL_BODY_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub journal_body_bytes: usize,
    /// Hosts event subscriptions may deliver to besides loopback (comma-separated). Without it,
    /// a targetUrl on any other host is refused.
    #[arg(
        long,
        env = "TRIPLETEX_SANDBOX_WEBHOOK_ALLOW",
        value_delimiter = ',',
        value_name = "HOST[,HOST]"
    )]
    pub webhook_allow: Vec<String>,
    /// Seconds a webhook receiver may take to accept the connection, and again to answer, before
    /// the attempt counts as failed.
    #[arg(long, env = "TRIPLETEX_SANDBOX_WEBHOOK_TIMEOUT", default_value_t = 10)]
    pub webhook_timeout: u64,
    /// Pending webhook deliveries a sandbox holds at most; events past it are refused (listed at
    /// GET /_sandbox/webhooks/deliveries with the reason).
    #[arg(long, env = "TRIPLETEX_SANDBOX_WEBHOOK_QUEUE", default_value_t = 100_000)]
    pub webhook_queue: usize,
    /// Proxy mode: forward every /v2 call to this Tripletex (https://api-test.tripletex.tech) with
    /// the caller's own credentials and answer with its answer. See docs/recording.md.
    #[arg(long, env = "TRIPLETEX_SANDBOX_UPSTREAM", value_name = "URL")]
    pub upstream: Option<String>,
    /// With --upstream: write each session's exchanges (secrets redacted) to a file in this
    /// directory, in the run format `conformance --recorded` replays.
    #[arg(long, env = "TRIPLETEX_SANDBOX_RECORD", value_name = "DIR", requires = "upstream")]
    pub record: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ScenariosCommand {
    /// List the embedded scenarios with their descriptions.
    List,
    /// Print an embedded scenario's file.
    Show {
        /// The scenario's name.
        name: String,
    },
    /// Validate scenario files; exits 1 with `file: json.path: problem` lines if any is wrong.
    Check {
        /// Scenario files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run each file's `expect` list against an in-process emulator holding that scenario; one
    /// pass/fail line per expectation, exit 1 if any fails.
    Run {
        /// Scenario files to run.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Make a scenario of a real company: the companies, people and objects that recordings
    /// (`--from`) or live reads (`--upstream`) show. See docs/recording.md.
    Capture(CaptureArgs),
}

/// `scenarios capture`'s flags.
#[derive(Debug, Clone, Args)]
pub struct CaptureArgs {
    /// A directory of recordings (`serve --upstream URL --record DIR` writes them).
    #[arg(
        long,
        env = "TRIPLETEX_SANDBOX_CAPTURE_FROM",
        conflicts_with = "upstream",
        required_unless_present = "upstream"
    )]
    pub from: Option<PathBuf>,
    /// A Tripletex to read live with GETs (https://api-test.tripletex.tech).
    #[arg(long, env = "TRIPLETEX_SANDBOX_UPSTREAM", value_name = "URL")]
    pub upstream: Option<String>,
    /// With --upstream: your consumer token.
    #[arg(long, env = "TRIPLETEX_SANDBOX_CONSUMER_TOKEN", hide_env_values = true)]
    pub consumer_token: Option<String>,
    /// With --upstream: your employee token.
    #[arg(long, env = "TRIPLETEX_SANDBOX_EMPLOYEE_TOKEN", hide_env_values = true)]
    pub employee_token: Option<String>,
    /// With --upstream: the company to read (the Basic-auth username; 0 is the key's own).
    #[arg(long, env = "TRIPLETEX_SANDBOX_CAPTURE_COMPANY", default_value_t = 0)]
    pub company: i64,
    /// The scenario's name.
    #[arg(long, env = "TRIPLETEX_SANDBOX_CAPTURE_NAME", default_value = "captured")]
    pub name: String,
    /// Where to write the scenario file; standard output when absent.
    #[arg(long, short, env = "TRIPLETEX_SANDBOX_CAPTURE_OUTPUT")]
    pub output: Option<PathBuf>,
}

/// A duration flag: whole seconds, with an optional `s`, or whole minutes with `m`.
fn seconds(text: &str) -> Result<u64, String> {
    let (number, unit) = match text.strip_suffix('m') {
        Some(minutes) => (minutes, 60),
        None => (text.strip_suffix('s').unwrap_or(text), 1),
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{text:?} is not a duration; write seconds (300 or 300s) or minutes (5m)"))
}

#[cfg(test)]
mod tests {
    use super::seconds;

    #[test]
    fn a_timeout_is_read_in_seconds_or_minutes() {
        assert_eq!(seconds("300"), Ok(300));
        assert_eq!(seconds("300s"), Ok(300));
        assert_eq!(seconds("5m"), Ok(300));
        assert!(seconds("0").is_err());
        assert!(seconds("5h").is_err());
    }
}
