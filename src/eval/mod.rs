//! Agent evaluation: task files (a seed world, prompts, checks with points), scoring a
//! sandbox's state against a task's checks, and the built-in task set. The runner that drives
//! an agent over HTTP (`tripletex-sandbox eval`) lives above, in `eval_run`.

pub mod builtin;
pub mod score;
pub mod task;
mod world;

pub use score::{CheckResult, Score, score};
pub use task::{Check, Task, TaskError};
