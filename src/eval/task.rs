//! The task file format: a seed world, prompts in one or more languages (with attached files),
//! and checks with points. Parsing is strict, and every problem names the file, the JSON path
//! and the fix, like a scenario file's.

use crate::domain::kind::Kind;
use crate::domain::resource;
use crate::scenario::{self, Problem, Scenario, ScenarioError};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// A task as written in its file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TaskFile {
    /// Unique in a task set: names the task in reports.
    pub id: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub seed: Seed,
    pub prompts: Vec<Prompt>,
    pub checks: Vec<Check>,
}

/// The world a task starts from.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// An embedded scenario or base world by name (default: `eval-company`).
    #[serde(default)]
    pub scenario: Option<String>,
    /// A whole scenario file inline, instead of a name.
    #[serde(default)]
    pub world: Option<Value>,
    /// Data objects the task needs besides the scenario's (an existing customer, an open
    /// invoice), in the scenario format's `objects` section.
    #[serde(default)]
    pub objects: Option<Value>,
    /// The key the agent's session is minted with (default: the world's first key).
    #[serde(default)]
    pub key: Option<i64>,
    /// The company the agent acts as (the Basic-auth username); 0 is the key's own.
    #[serde(default)]
    pub company: i64,
}

/// One way of asking for the task.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Prompt {
    /// A language tag: `nb`, `nn`, `en`, …
    pub language: String,
    pub text: String,
    #[serde(default)]
    pub files: Vec<Attachment>,
}

/// A file handed to the agent with the prompt.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Attachment {
    pub name: String,
    pub mime_type: String,
    /// The content, base64 (standard alphabet).
    pub base64: String,
}

/// What must hold of the company afterwards, worth points.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Check {
    /// A name later checks use in `{"ref": name}` for the id of the object this one found.
    #[serde(default)]
    pub name: Option<String>,
    pub description: String,
    /// The resource path below `/v2` (`customer`, `ledger/voucher`, `employee`, …).
    pub resource: String,
    /// Field paths and the values that select the objects this check is about.
    #[serde(default, rename = "where")]
    pub matching: BTreeMap<String, Matcher>,
    /// Only objects created since the sandbox's world was installed.
    #[serde(default)]
    pub new: bool,
    /// When given, the check holds when exactly this many objects match (0: an absence check).
    #[serde(default)]
    pub count: Option<usize>,
    /// Points for finding an object (or, with `count`, for the count).
    #[serde(default)]
    pub points: u32,
    /// Fields of the object found, each worth its points.
    #[serde(default)]
    pub fields: Vec<FieldCheck>,
}

impl Check {
    /// The most this check can give.
    pub fn max_points(&self) -> u32 {
        self.points + self.fields.iter().map(|f| f.points).sum::<u32>()
    }
}

/// One field of a found object.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldCheck {
    /// A dotted path; through an array it holds if any element's value matches
    /// (`orderLines.description`, `postings.account.id`).
    pub path: String,
    pub equals: Matcher,
    pub points: u32,
}

/// An expected value.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Matcher {
    /// The id of the object an earlier check found.
    Ref {
        #[serde(rename = "ref")]
        name: String,
    },
    /// A text containing this, ignoring case.
    Contains { contains: String },
    /// The id of an object of another resource selected by plain values
    /// (`{"idOf": {"resource": "ledger/account", "where": {"number": 6300}}}`).
    IdOf {
        #[serde(rename = "idOf")]
        lookup: Lookup,
    },
    /// This value: numbers within half an øre, texts ignoring case and outer spaces.
    Value(Value),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lookup {
    pub resource: String,
    #[serde(rename = "where")]
    pub matching: Map<String, Value>,
}

/// A task ready to run: its file, the scenario its sandboxes hold, and who the agent acts as.
#[derive(Debug, Clone)]
pub struct Task {
    pub file: TaskFile,
    pub scenario: Arc<Scenario>,
    /// The key the agent's session is minted with.
    pub key: i64,
    /// The company the agent acts in, whose objects the checks read.
    pub company: i64,
}

impl Task {
    pub fn id(&self) -> &str {
        &self.file.id
    }

    pub fn max_points(&self) -> u32 {
        self.file.checks.iter().map(Check::max_points).sum()
    }
}

/// Why a task file cannot be used; each problem names the file, the JSON path and the fix.
#[derive(Debug, thiserror::Error)]
#[error("{}", problems.iter().map(|p| format!("{source_name}: {p}")).collect::<Vec<_>>().join("\n"))]
pub struct TaskError {
    pub source_name: String,
    pub problems: Vec<Problem>,
}

impl TaskError {
    fn new(source_name: &str, problems: Vec<Problem>) -> Self {
        Self {
            source_name: source_name.to_owned(),
            problems,
        }
    }
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

/// Whether a JSON text is a task rather than a scenario (it has prompts and checks).
pub fn looks_like_task(text: &str) -> bool {
    serde_json::from_str::<Map<String, Value>>(text)
        .is_ok_and(|object| object.contains_key("prompts") && object.contains_key("checks"))
}

/// Parses and validates a task text; `source_name` names it in errors.
pub fn parse(source_name: &str, text: &str) -> Result<Task, TaskError> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    let file: TaskFile = serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        let hint = if inner.is_syntax() || inner.is_eof() {
            "; fix the JSON syntax at that line and column"
        } else {
            ""
        };
        TaskError::new(source_name, vec![problem(path, format!("{inner}{hint}"))])
    })?;
    from_file(source_name, file)
}

/// Validates a parsed task file and resolves its seed.
pub fn from_file(source_name: &str, file: TaskFile) -> Result<Task, TaskError> {
    let mut problems = Vec::new();
    if file.id.trim().is_empty() || file.id.contains(char::is_whitespace) {
        problems.push(problem(
            "id",
            "give the task an id without spaces, e.g. \"create-customer\"",
        ));
    }
    problems.extend(check_prompts(&file.prompts));
    problems.extend(check_checks(&file.checks));
    let seeded = seed_scenario(&file);
    let (scenario, key, company) = match seeded {
        Ok(found) => found,
        Err(more) => {
            problems.extend(more);
            return Err(TaskError::new(source_name, problems));
        }
    };
    if !problems.is_empty() {
        return Err(TaskError::new(source_name, problems));
    }
    Ok(Task {
        file,
        scenario,
        key,
        company,
    })
}

fn check_prompts(prompts: &[Prompt]) -> Vec<Problem> {
    let mut problems = Vec::new();
    if prompts.is_empty() {
        problems.push(problem(
            "prompts",
            "give at least one prompt: {\"language\": \"nb\", \"text\": \"Opprett kunden …\"}",
        ));
    }
    for (i, prompt) in prompts.iter().enumerate() {
        let at = format!("prompts[{i}]");
        let tag_ok = (2..=8).contains(&prompt.language.len())
            && prompt.language.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !tag_ok {
            problems.push(problem(
                format!("{at}.language"),
                "use a language tag such as nb, nn or en",
            ));
        }
        if prompt.text.trim().is_empty() {
            problems.push(problem(format!("{at}.text"), "write what the agent is asked to do"));
        }
        for (j, file) in prompt.files.iter().enumerate() {
            let at = format!("{at}.files[{j}]");
            if file.name.trim().is_empty() {
                problems.push(problem(format!("{at}.name"), "give the file a name, e.g. faktura.pdf"));
            }
            if !file.mime_type.contains('/') {
                problems.push(problem(
                    format!("{at}.mimeType"),
                    "give a MIME type such as application/pdf or text/csv",
                ));
            }
            if base64::engine::general_purpose::STANDARD.decode(&file.base64).is_err() {
                problems.push(problem(
                    format!("{at}.base64"),
                    "not base64 (standard alphabet with padding); encode the file with `base64 -w0`",
                ));
            }
        }
    }
    problems
}

/// Whether a check may read this resource.
fn known_resource(path: &str) -> bool {
    Kind::from_path(path) == Some(Kind::Employee) || resource::find(path).is_some_and(|d| !d.embedded)
}

/// Everything wrong with a list of checks, each at its JSON path below `checks`.
pub fn check_checks(checks: &[Check]) -> Vec<Problem> {
    let mut problems = Vec::new();
    if checks.is_empty() {
        problems.push(problem("checks", "give at least one check, worth points"));
    }
    // Names of earlier checks that find one object, so refs can point back at them.
    let mut found_names: HashSet<&str> = HashSet::new();
    let mut all_names: HashSet<&str> = HashSet::new();
    for (i, check) in checks.iter().enumerate() {
        let at = format!("checks[{i}]");
        if !known_resource(&check.resource) {
            problems.push(problem(
                format!("{at}.resource"),
                format!(
                    "unknown resource {:?}; use a /v2 resource path such as customer, employee, invoice or ledger/voucher",
                    check.resource
                ),
            ));
        }
        if check.count.is_some() && !check.fields.is_empty() {
            problems.push(problem(
                format!("{at}.fields"),
                "a check with count scores the count only; move the fields to a check without count",
            ));
        }
        if check.count.is_some() && check.name.is_some() {
            problems.push(problem(
                format!("{at}.name"),
                "a check with count finds no single object to refer to; remove the name",
            ));
        }
        if check.max_points() == 0 {
            problems.push(problem(
                format!("{at}.points"),
                "the check is worth no points; give it points",
            ));
        }
        for (key, matcher) in &check.matching {
            problems.extend(check_matcher(&format!("{at}.where.{key}"), matcher, &found_names));
        }
        for (j, field) in check.fields.iter().enumerate() {
            if field.path.trim().is_empty() {
                problems.push(problem(format!("{at}.fields[{j}].path"), "name a field, e.g. email"));
            }
            problems.extend(check_matcher(
                &format!("{at}.fields[{j}].equals"),
                &field.equals,
                &found_names,
            ));
        }
        if let Some(name) = &check.name {
            if !all_names.insert(name) {
                problems.push(problem(
                    format!("{at}.name"),
                    format!("{name:?} names two checks; rename one"),
                ));
            }
            found_names.insert(name);
        }
    }
    problems
}

fn check_matcher(at: &str, matcher: &Matcher, earlier: &HashSet<&str>) -> Vec<Problem> {
    match matcher {
        Matcher::Ref { name } if !earlier.contains(name.as_str()) => vec![problem(
            at,
            format!("no earlier check is named {name:?}; a ref names a check above this one"),
        )],
        Matcher::IdOf { lookup } if !known_resource(&lookup.resource) => vec![problem(
            format!("{at}.idOf.resource"),
            format!("unknown resource {:?}", lookup.resource),
        )],
        _ => Vec::new(),
    }
}

/// The scenario a task's sandboxes hold, the key the agent's session is minted with and the
/// company it acts in.
fn seed_scenario(file: &TaskFile) -> Result<(Arc<Scenario>, i64, i64), Vec<Problem>> {
    let seed = &file.seed;
    let base: Arc<Scenario> = match (&seed.scenario, &seed.world) {
        (Some(_), Some(_)) => {
            return Err(vec![problem(
                "seed",
                "give either seed.scenario (a name) or seed.world (a scenario inline), not both",
            )]);
        }
        (None, Some(world)) => Arc::new(
            scenario::parse(&format!("task {}", file.id), &world.to_string()).map_err(|e| nested("seed.world", e))?,
        ),
        (name, None) => {
            let name = name.as_deref().unwrap_or(super::world::BASE_WORLD);
            super::world::base_world(name).map_err(|message| vec![problem("seed.scenario", message)])?
        }
    };
    let scenario = match &seed.objects {
        None => base,
        Some(objects) => Arc::new(with_objects(&base, objects, &file.id)?),
    };
    let world = &scenario.world;
    let key = match seed.key {
        Some(id) => world.keys.iter().find(|k| k.id == id),
        None => world.keys.first(),
    }
    .ok_or_else(|| {
        vec![problem(
            "seed.key",
            "the seed world has no such key; name one of world.keys",
        )]
    })?;
    let owner = world
        .people
        .iter()
        .find(|p| p.id == key.person_id)
        .map_or(0, |p| p.company_id);
    let company = if seed.company == 0 { owner } else { seed.company };
    let key = key.id;
    Ok((scenario, key, company))
}

/// The base scenario with a task's objects: a scenario of its own name, so sandboxes of this
/// task share one installed template and no other task's.
fn with_objects(base: &Scenario, objects: &Value, task: &str) -> Result<Scenario, Vec<Problem>> {
    let mut file = serde_json::to_value(&base.file).map_err(|e| vec![problem("seed", e.to_string())])?;
    if let Some(object) = file.as_object_mut() {
        object.insert("name".into(), Value::String(format!("{}+{task}", base.name())));
        object.insert("objects".into(), objects.clone());
        // The scenario's own expectations are about its world, not the task's.
        object.remove("expect");
    }
    scenario::parse(&format!("task {task}"), &file.to_string()).map_err(|e| nested("seed", e))
}

/// A scenario's problems, at their paths inside the task.
fn nested(at: &str, err: ScenarioError) -> Vec<Problem> {
    err.problems
        .into_iter()
        .map(|p| problem(format!("{at}.{}", p.path), p.message))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(text: &str) -> Vec<String> {
        match parse("t.json", text) {
            Ok(_) => Vec::new(),
            Err(err) => err.problems.into_iter().map(|p| p.path).collect(),
        }
    }

    #[test]
    fn a_minimal_task_starts_from_the_base_world_with_its_first_key() {
        let task = parse(
            "t.json",
            r#"{"id": "t", "prompts": [{"language": "en", "text": "Make a customer"}],
                "checks": [{"description": "found", "resource": "customer", "points": 1}]}"#,
        )
        .map_err(|e| e.to_string());
        let task = task
            .as_ref()
            .map(|t| (t.scenario.name(), t.key, t.company, t.max_points()));
        assert_eq!(task, Ok(("eval-company", 7001, 1001, 1)));
    }

    #[test]
    fn an_unknown_field_is_named_by_its_path() {
        let text = r#"{"id": "t", "prompts": [{"language": "en", "text": "x", "lang": "nb"}], "checks": []}"#;
        assert_eq!(paths(text), ["prompts[0].lang"]);
    }

    #[test]
    fn every_problem_of_a_task_is_named_at_its_path() {
        let text = r#"{"id": "two words", "prompts": [{"language": "", "text": " ",
              "files": [{"name": "a.pdf", "mimeType": "pdf", "base64": "%%"}]}],
            "checks": [
              {"description": "a", "resource": "kunde", "points": 1},
              {"description": "b", "resource": "customer", "where": {"id": {"ref": "later"}}, "points": 0},
              {"name": "later", "description": "c", "resource": "customer", "count": 1, "points": 1,
               "fields": [{"path": "name", "equals": "x", "points": 1}]}
            ]}"#;
        assert_eq!(
            paths(text),
            [
                "id",
                "prompts[0].language",
                "prompts[0].text",
                "prompts[0].files[0].mimeType",
                "prompts[0].files[0].base64",
                "checks[0].resource",
                "checks[1].points",
                "checks[1].where.id",
                "checks[2].fields",
                "checks[2].name",
            ]
        );
    }

    #[test]
    fn a_seed_object_problem_is_named_inside_the_seed() {
        let text = r#"{"id": "t", "seed": {"objects": {"customer": {"stored": [
              {"id": 1, "companyId": 1001, "body": {"nom": "x"}}]}}},
            "prompts": [{"language": "en", "text": "x"}],
            "checks": [{"description": "a", "resource": "customer", "points": 1}]}"#;
        assert_eq!(paths(text), ["seed.objects.customer.stored[0].body.nom"]);
    }

    #[test]
    fn a_task_is_told_from_a_scenario_by_its_prompts_and_checks() {
        assert!(looks_like_task(r#"{"id": "t", "prompts": [], "checks": []}"#));
        assert!(!looks_like_task(r#"{"name": "s", "description": "", "world": {}}"#));
    }
}
