//! The `tripletex-sandbox` binary: parse the CLI, set up logging, run; startup errors exit non-zero.

use clap::Parser;
use std::process::ExitCode;
use tripletex_sandbox::cli::{Cli, Command, Format, ScenariosCommand};
use tripletex_sandbox::commands;
use tripletex_sandbox::config::Config;
use tripletex_sandbox::startup::Application;

/// jemalloc gives freed memory back to the system (its background thread purges unused pages
/// after a decay time): a process that made and deleted 500 sandboxes returns to about its
/// starting size, where the system allocator kept every page it had touched.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(err) = tikv_jemalloc_ctl::background_thread::write(true) {
        eprintln!("warning: memory freed by deleted sandboxes may not return to the system: {err}");
    }
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    match cli.command {
        Command::Serve(args) => serve(args),
        Command::Eval(args) => tripletex_sandbox::eval_run::main(&args),
        Command::Conformance {
            spec,
            recorded,
            format,
            min_agreement,
        } => conformance(spec.as_deref(), recorded.as_deref(), format, min_agreement),
        Command::Coverage { level, format } => match commands::coverage(level.as_deref(), format) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        },
        Command::Scenarios(ScenariosCommand::List) => {
            print!("{}", commands::list());
            ExitCode::SUCCESS
        }
        Command::Scenarios(ScenariosCommand::Show { name }) => match commands::show(&name) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::FAILURE
            }
        },
        Command::Scenarios(ScenariosCommand::Run { files }) => {
            let ran = actix_web::rt::System::new().block_on(tripletex_sandbox::scenario_run::run(&files));
            let (report, held) = ran;
            print!("{report}");
            if held { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Command::Scenarios(ScenariosCommand::Capture(args)) => tripletex_sandbox::capture::main(&args),
        Command::Scenarios(ScenariosCommand::Check { files }) => {
            let (report, valid) = commands::check(&files);
            print!("{report}");
            if valid { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
    }
}

fn serve(args: tripletex_sandbox::cli::ServeArgs) -> ExitCode {
    let config = match Config::try_from(args) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&config).map_err(|e| e.to_string())?;
        let banner = app.banner().map_err(|e| e.to_string())?;
        print!("{banner}");
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        app.run_until_stopped().await.map_err(|e| e.to_string())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The drift reports asked for: the schema check, the replay, or both; exit 1 if either differs.
fn conformance(
    spec: Option<&std::path::Path>,
    recorded: Option<&std::path::Path>,
    format: Format,
    min_agreement: Option<f64>,
) -> ExitCode {
    if spec.is_none() && recorded.is_none() {
        eprintln!(
            "error: give --spec FILE (an official OpenAPI document) and/or --recorded DIR (recorded traffic to replay)"
        );
        return ExitCode::FAILURE;
    }
    let system = actix_web::rt::System::new();
    let mut held = true;
    let mut json = serde_json::Map::new();
    if let Some(path) = spec {
        match schema_report(&system, path, format) {
            Ok((ok, value)) => {
                held &= ok;
                json.insert("schema".into(), value);
            }
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(dir) = recorded {
        match replay_report(&system, dir, format, min_agreement) {
            Ok((ok, values)) => {
                held &= ok;
                json.extend(values);
            }
            Err(message) => {
                eprintln!("error: {message}");
                return ExitCode::FAILURE;
            }
        }
    }
    if format == Format::Json {
        json.insert("holds".into(), serde_json::Value::Bool(held));
        println!("{}", serde_json::Value::Object(json));
    }
    if held { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// Checks every emulated response against the document; prints the text report unless JSON
/// is asked for. Returns whether all matched and the JSON report.
fn schema_report(
    system: &actix_web::rt::SystemRunner,
    path: &std::path::Path,
    format: Format,
) -> Result<(bool, serde_json::Value), String> {
    use tripletex_sandbox::conformance;
    let loaded = conformance::Spec::load(path)?;
    let report = system.block_on(conformance::run(&loaded))?;
    if format == Format::Text {
        for problem in &report.problems {
            println!("drift: {problem}");
        }
        let verdict = if report.problems.is_empty() {
            "all match".to_owned()
        } else {
            format!("{} problems", report.problems.len())
        };
        println!(
            "{} responses checked against {}: {verdict}",
            report.checked,
            path.display()
        );
    }
    let value =
        serde_json::json!({"spec": path.display().to_string(), "checked": report.checked, "problems": report.problems});
    Ok((report.problems.is_empty(), value))
}

/// Replays the recordings of a directory, pairs and runs; prints the text reports unless JSON is
/// asked for. Returns whether they hold (runs: reach `min_agreement`, if given) and the JSON
/// reports (`replay` for pairs, `traffic` for runs).
fn replay_report(
    system: &actix_web::rt::SystemRunner,
    dir: &std::path::Path,
    format: Format,
    min_agreement: Option<f64>,
) -> Result<(bool, serde_json::Map<String, serde_json::Value>), String> {
    use tripletex_sandbox::{replay, traffic};
    let loaded = traffic::load_dir(dir)?;
    let mut held = true;
    let mut json = serde_json::Map::new();
    if !loaded.recordings.is_empty() || loaded.runs.is_empty() {
        let mut report = system.block_on(replay::run(&loaded.recordings))?;
        report.unreadable = loaded.unreadable;
        if format == Format::Text {
            print!("{}", report.text());
        }
        held &= report.holds();
        json.insert("replay".into(), report.json());
    } else if !loaded.unreadable.is_empty() {
        held = false;
        for problem in &loaded.unreadable {
            eprintln!("unreadable: {problem}");
        }
    }
    if !loaded.runs.is_empty() {
        let report = system.block_on(traffic::run(&loaded.runs))?;
        if format == Format::Text {
            print!("{}", report.text());
        }
        let reached = min_agreement.is_none_or(|min| report.reaches(min));
        if let (false, Some(min)) = (reached, min_agreement) {
            eprintln!(
                "the runs' status agreement on calls that do not depend on earlier state is {:.1}%, under --min-agreement {min}",
                report.overall().independent_agreement()
            );
        }
        held &= reached;
        let mut value = report.json();
        value["minAgreement"] = serde_json::json!(min_agreement);
        value["reached"] = serde_json::Value::Bool(reached);
        json.insert("traffic".into(), value);
    }
    Ok((held, json))
}
