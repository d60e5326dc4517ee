//! What `eval` reports: one line per run, a summary by task and overall, as text, JSON or JUnit
//! XML (for CI dashboards).

use super::client::{Failure, Reply};
use crate::eval::{CheckResult, Score, Task};
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::time::Instant;

/// How the agent answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// A 2xx answer.
    Answered,
    /// Any other status.
    AgentError,
    /// No answer before `--timeout`; the company is scored as the agent left it.
    Timeout,
    /// No connection to the agent.
    Unreachable,
    /// The connection broke or the answer was not HTTP.
    Broken,
    /// The sandbox or its session could not be made (the agent was not called).
    SetupFailed,
}

impl Outcome {
    fn text(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::AgentError => "agent-error",
            Outcome::Timeout => "timeout",
            Outcome::Unreachable => "unreachable",
            Outcome::Broken => "broken",
            Outcome::SetupFailed => "setup-failed",
        }
    }
}

/// One run of one prompt of one task.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub task: String,
    /// The prompt's index in the task.
    pub prompt: usize,
    pub language: String,
    /// 1 for the first run of this prompt.
    pub repeat: usize,
    pub sandbox: String,
    pub outcome: Outcome,
    pub agent_status: Option<u16>,
    /// Why the run went wrong, or the start of the agent's answer when it was not a 2xx.
    pub message: Option<String>,
    pub points: u32,
    pub max_points: u32,
    pub correctness: f64,
    /// `/v2` requests the agent made in its sandbox.
    pub calls: usize,
    /// Of those, the ones answered 4xx.
    pub client_errors: usize,
    pub seconds: f64,
    /// Of `seconds`, what the emulator itself spent before the agent was called (the sandbox and
    /// its session) and after it answered (scoring).
    pub setup_seconds: f64,
    pub score_seconds: f64,
    pub checks: Vec<CheckResult>,
}

impl Run {
    pub(super) fn new(task: &Task, prompt: usize, language: &str, repeat: usize) -> Self {
        Self {
            task: task.id().to_owned(),
            prompt,
            language: language.to_owned(),
            repeat,
            sandbox: String::new(),
            outcome: Outcome::SetupFailed,
            agent_status: None,
            message: None,
            points: 0,
            max_points: task.max_points(),
            correctness: 0.0,
            calls: 0,
            client_errors: 0,
            seconds: 0.0,
            setup_seconds: 0.0,
            score_seconds: 0.0,
            checks: Vec::new(),
        }
    }

    pub(super) fn failed(mut self, outcome: Outcome, message: String, started: Instant) -> Self {
        self.outcome = outcome;
        self.message = Some(message);
        self.seconds = started.elapsed().as_secs_f64();
        self
    }

    pub(super) fn record_answer(&mut self, answer: Result<Reply, Failure>) {
        match answer {
            Ok(reply) => {
                self.agent_status = Some(reply.status);
                if (200..300).contains(&reply.status) {
                    self.outcome = Outcome::Answered;
                } else {
                    self.outcome = Outcome::AgentError;
                    self.message = Some(format!(
                        "the agent answered {}: {}",
                        reply.status,
                        reply.body.chars().take(200).collect::<String>()
                    ));
                }
            }
            Err(Failure::Timeout) => {
                self.outcome = Outcome::Timeout;
                self.message = Some("no answer before the timeout; scored as the agent left the company".into());
            }
            Err(Failure::Unreachable(message)) => {
                self.outcome = Outcome::Unreachable;
                self.message = Some(message);
            }
            Err(Failure::Broken(message)) => {
                self.outcome = Outcome::Broken;
                self.message = Some(message);
            }
        }
    }

    pub(super) fn record_score(&mut self, score: Score) {
        self.points = score.points;
        self.max_points = score.max_points;
        self.correctness = score.correctness;
        self.checks = score.checks;
    }

    /// Full points, and the agent answered.
    pub fn passed(&self) -> bool {
        self.outcome == Outcome::Answered && self.points == self.max_points
    }

    fn label(&self) -> String {
        format!("{}#{} r{}", self.language, self.prompt, self.repeat)
    }
}

/// Sums over a group of runs.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub runs: usize,
    pub passed: usize,
    pub points: u32,
    pub max_points: u32,
    pub correctness: f64,
    pub calls: usize,
    pub client_errors: usize,
    pub seconds: f64,
}

impl Totals {
    fn of<'r>(runs: impl IntoIterator<Item = &'r Run>) -> Self {
        let mut totals = Self::default();
        for run in runs {
            totals.runs += 1;
            totals.passed += usize::from(run.passed());
            totals.points += run.points;
            totals.max_points += run.max_points;
            totals.calls += run.calls;
            totals.client_errors += run.client_errors;
            totals.seconds += run.seconds;
        }
        if totals.max_points > 0 {
            totals.correctness = f64::from(totals.points) / f64::from(totals.max_points);
        }
        totals
    }
}

/// Every run of an `eval`, in task, prompt and repeat order.
#[derive(Debug, Clone)]
pub struct Report {
    pub agent: String,
    pub runs: Vec<Run>,
    /// Wall time of the whole evaluation.
    pub seconds: f64,
}

impl Report {
    pub fn overall(&self) -> Totals {
        Totals::of(&self.runs)
    }

    /// Task ids in the order their runs come.
    fn task_ids(&self) -> Vec<&str> {
        let mut ids: Vec<&str> = Vec::new();
        for run in &self.runs {
            if !ids.contains(&run.task.as_str()) {
                ids.push(&run.task);
            }
        }
        ids
    }

    fn by_task(&self) -> Vec<(&str, Totals)> {
        self.task_ids()
            .into_iter()
            .map(|id| (id, Totals::of(self.runs.iter().filter(|r| r.task == id))))
            .collect()
    }

    /// A table of runs with what each lost, the totals by task and overall.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<28} {:<10} {:<13} {:>7} {:>6} {:>6} {:>4} {:>8}",
            "task", "prompt", "outcome", "points", "score", "calls", "4xx", "time"
        );
        for run in &self.runs {
            let _ = writeln!(
                out,
                "{:<28} {:<10} {:<13} {:>7} {:>5.0}% {:>6} {:>4} {:>7.2}s",
                run.task,
                run.label(),
                run.outcome.text(),
                format!("{}/{}", run.points, run.max_points),
                run.correctness * 100.0,
                run.calls,
                run.client_errors,
                run.seconds
            );
            if let Some(message) = &run.message {
                let _ = writeln!(out, "    {message}");
            }
            for check in run.checks.iter().filter(|c| c.points < c.max_points) {
                let _ = writeln!(
                    out,
                    "    - {} ({}/{}): {}",
                    check.description,
                    check.points,
                    check.max_points,
                    check.failures.join("; ")
                );
            }
        }
        let _ = writeln!(out, "\nby task:");
        for (id, totals) in self.by_task() {
            let _ = writeln!(out, "{id:<28} {}", totals_text(&totals));
        }
        let overall = self.overall();
        let _ = writeln!(
            out,
            "overall: {} ({} runs in {:.2} s wall time)",
            totals_text(&overall),
            overall.runs,
            self.seconds
        );
        out
    }

    pub fn json(&self) -> Value {
        let tasks: Vec<Value> = self
            .by_task()
            .into_iter()
            .map(|(id, totals)| {
                let mut value = json!(totals);
                value["task"] = json!(id);
                value
            })
            .collect();
        json!({
            "agent": self.agent,
            "seconds": self.seconds,
            "overall": self.overall(),
            "tasks": tasks,
            "runs": self.runs,
        })
    }

    /// JUnit XML: a test suite per task, a test case per run, failing below full points.
    pub fn junit(&self) -> String {
        let overall = self.overall();
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"tripletex-sandbox eval\" tests=\"{}\" failures=\"{}\" time=\"{:.3}\">",
            overall.runs,
            overall.runs - overall.passed,
            self.seconds
        );
        for (id, totals) in self.by_task() {
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3}\">",
                xml(id),
                totals.runs,
                totals.runs - totals.passed,
                totals.seconds
            );
            for run in self.runs.iter().filter(|r| r.task == id) {
                junit_case(&mut out, run);
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

fn junit_case(out: &mut String, run: &Run) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
        xml(&run.task),
        xml(&run.label()),
        run.seconds
    );
    if run.passed() {
        out.push_str(" />\n");
        return;
    }
    let mut details: Vec<String> = run.message.iter().cloned().collect();
    details.extend(run.checks.iter().filter(|c| c.points < c.max_points).map(|c| {
        format!(
            "{} ({}/{}): {}",
            c.description,
            c.points,
            c.max_points,
            c.failures.join("; ")
        )
    }));
    let _ = write!(
        out,
        ">\n      <failure message=\"{} {}/{} points\">{}</failure>\n    </testcase>\n",
        run.outcome.text(),
        run.points,
        run.max_points,
        xml(&details.join("\n"))
    );
}

fn totals_text(totals: &Totals) -> String {
    format!(
        "{}/{} points ({:.1}%), {}/{} runs full, {} calls, {} 4xx",
        totals.points,
        totals.max_points,
        totals.correctness * 100.0,
        totals.passed,
        totals.runs,
        totals.calls,
        totals.client_errors
    )
}

/// Text made safe inside XML attributes and elements.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}
