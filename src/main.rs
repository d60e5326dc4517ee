//! The `tripletex-sandbox` binary: parse the CLI, set up logging, run; startup errors exit non-zero.

use clap::Parser;
use std::process::ExitCode;
use tripletex_sandbox::cli::{Cli, Command, ScenariosCommand};
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
        Command::Conformance { spec } => conformance(&spec),
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

fn conformance(spec: &std::path::Path) -> ExitCode {
    let report = tripletex_sandbox::conformance::Spec::load(spec)
        .and_then(|loaded| actix_web::rt::System::new().block_on(tripletex_sandbox::conformance::run(&loaded)));
    match report {
        Ok(report) => {
            for problem in &report.problems {
                println!("drift: {problem}");
            }
            println!(
                "{} responses checked against {}: {}",
                report.checked,
                spec.display(),
                if report.problems.is_empty() {
                    "all match".to_owned()
                } else {
                    format!("{} problems", report.problems.len())
                }
            );
            if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
