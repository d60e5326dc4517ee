//! Schema-driven fuzzing over real HTTP: every `/v2` operation (from the OpenAPI document or
//! the built-in route list) gets generated path parameters, query values and JSON bodies, valid
//! and hostile, with a live session, each operation in a sandbox of its own; the `/_sandbox`
//! control plane gets malformed bodies. No answer may be a 5xx, lack the request id, or be an
//! error outside the Tripletex error envelope. The seed (`ATTACK_SEED`, default 42) is printed.

use crate::figures;
use crate::harness::{Emulator, Rng, Sandbox, basic, percent_encode, seed, send, try_send, violations};
use crate::operations::{self, Body, Kind, Operation, Param};
use crate::world::Known;
use serde_json::{Map, Value, json};
use std::time::{Duration, Instant};
use tripletex_sandbox::domain::resource::find;

/// Requests generated for each `/v2` operation.
const CASES_PER_OPERATION: usize = 150;
const CASES_PER_GENERATED_OPERATION: usize = 20;
/// Requests generated for each control-plane endpoint.
const CASES_PER_CONTROL_ENDPOINT: usize = 40;
/// A ceiling on the wall time of one fuzz run, so a slow machine cannot hang CI.
const TIME_LIMIT: Duration = Duration::from_secs(150);

/// What one fuzz run found.
#[derive(Default)]
struct Tally {
    requests: usize,
    /// Answers in 2xx: the generator got past validation into the handlers' work.
    successes: usize,
    server_errors: usize,
    envelope_violations: usize,
    /// Requests whose connection closed without an answer.
    dropped: usize,
    seeded: usize,
    seeds_tried: usize,
    /// The first problems (three per operation at most), each with the request that showed it.
    problems: Vec<String>,
    /// The operation being fuzzed, and how many problems each operation has shown.
    operation: String,
    problems_by_operation: std::collections::BTreeMap<String, usize>,
    /// Whether the operation being fuzzed is one the table declares (answered 501), and how many
    /// such answers came: a 501 naming a declared operation is its honest answer, not a failure.
    declared_operation: bool,
    not_emulated: usize,
}

impl Tally {
    /// Whether to keep one more problem of the current operation for the report.
    fn keep_problem(&mut self) -> bool {
        let shown = self.problems_by_operation.entry(self.operation.clone()).or_default();
        *shown += 1;
        *shown <= 3 && self.problems.len() < 40
    }

    /// Counts an exchange whose answer never came (the connection closed under the request).
    fn check_sent(&mut self, request: &str, sent: Result<crate::harness::Answer, String>) {
        match sent {
            Ok(answer) => self.check(request, &answer),
            Err(why) => {
                self.requests += 1;
                self.dropped += 1;
                if self.keep_problem() {
                    self.problems.push(format!("{request}\n    → {why:.300}"));
                }
            }
        }
    }

    fn check(&mut self, request: &str, answer: &crate::harness::Answer) {
        self.requests += 1;
        if (200..300).contains(&answer.status) {
            self.successes += 1;
        }
        let declared_answer =
            answer.status == 501 && self.declared_operation && answer.text.contains("does not emulate yet");
        let found: Vec<String> = violations(answer)
            .into_iter()
            .filter(|v| !(declared_answer && v.starts_with("a 5")))
            .collect();
        if declared_answer {
            self.not_emulated += 1;
        } else if answer.status >= 500 {
            self.server_errors += 1;
        }
        if found.iter().any(|v| !v.starts_with("a 5")) {
            self.envelope_violations += 1;
        }
        if !found.is_empty() && self.keep_problem() {
            self.problems.push(format!(
                "{request}\n    → {} {:.300}\n    problems: {}",
                answer.status,
                answer.text,
                found.join("; ")
            ));
        }
    }
}

/// What the generator knows of the operation it attacks and the sandbox it attacks it in.
struct Context<'a> {
    known: &'a Known,
    /// The operation's resource path below `/v2` (`customer`, `ledger/account`, …).
    own: String,
    /// Fields the emulator's catalogue says a create needs.
    required: Vec<String>,
    /// Query arguments the catalogue says one of the resource's operations needs (date ranges):
    /// sent far more often, so the operation gets past them to its handler.
    required_query: Vec<String>,
}

impl Context<'_> {
    fn ids_for(&self, name: &str) -> &[i64] {
        self.known.ids_for(name, &self.own)
    }
}

fn is_date(name: &str) -> bool {
    name == "date"
        || name.ends_with("Date")
        || name.starts_with("period")
        || name.ends_with("DateFrom")
        || name.ends_with("DateTo")
}

/// A field that holds the object's number (customerNumber, number, …), which the emulator
/// continues from when it numbers the next object.
fn is_number(name: &str) -> bool {
    name == "number" || name.ends_with("Number")
}

const DATES: &[&str] = &["2026-01-15", "2024-02-29", "2099-12-31", "1970-01-01"];

const HOSTILE_TEXT: &[&str] = &[
    "banana",
    "",
    " ",
    "-1",
    "0",
    "99999999999999999999999",
    "-9223372036854775809",
    "1e400",
    "NaN",
    "0x10",
    "1.5",
    "true",
    "null",
    "[]",
    "{}",
    "\u{0}",
    "\u{0}\u{1}\u{7f}",
    "ø",
    "😀",
    "\u{202e}evil",
    "e\u{301}\u{301}\u{301}",
    "%",
    "%%",
    "%zz",
    "' OR 1=1 --",
    "\"; DROP TABLE customer; --",
    "../../etc/passwd",
    "((((",
    ")",
    "*,nope(x)",
    "a(b(c(d(e(f(g(h(i(j(k(l(m(n(o(p(q(r(s))))))))))))))))))",
    "-",
    ",,,",
    "-.",
    "2026-02-30",
    "9999-12-31",
    "10000-01-01",
    "2026-1-1",
    "\r\nX-Injected: 1",
];

fn long_text(rng: &mut Rng) -> String {
    let unit = *rng.pick(&["a", "ø", "😀", "(", ","]);
    // At most ~12 KB once percent-encoded: the client refuses URIs past 64 KB.
    unit.repeat(1 + rng.below(1000))
}

fn hostile_text(rng: &mut Rng) -> String {
    if rng.chance(6) {
        long_text(rng)
    } else {
        (*rng.pick(HOSTILE_TEXT)).to_owned()
    }
}

fn valid_query_value(rng: &mut Rng, param: &Param, cx: &Context) -> String {
    let name = param.name.as_str();
    match (name, &param.kind) {
        ("fields", _) => (*rng.pick(&["*", "id,name", "*,changes", "id,version", "id,company(*)", "*,*"])).to_owned(),
        ("sorting", _) => (*rng.pick(&["id", "-id", "name,-id", "-version", "displayName"])).to_owned(),
        ("consumerToken", _) => cx.known.consumer_token.clone(),
        ("employeeToken", _) => cx.known.employee_token.clone(),
        ("template", _) => {
            (*rng.pick(&["ALL_PRIVILEGES", "NONE_PRIVILEGES", "INVOICING_MANAGER", "AUTH_READ"])).to_owned()
        }
        ("from", _) => rng.pick(&["0", "1", "5", "10000"]).to_string(),
        ("count", _) => rng.pick(&["0", "1", "5", "100", "10000"]).to_string(),
        (_, Kind::Number) => rng.pick(&["0", "1.5", "-2", "100000"]).to_string(),
        (_, Kind::Boolean) => rng.pick(&["true", "false"]).to_string(),
        (_, Kind::Date) => rng.pick(DATES).to_string(),
        (name, _) if is_date(name) => rng.pick(DATES).to_string(),
        (_, Kind::OneOf(values)) if !values.is_empty() => rng.pick(values).clone(),
        (name, _) if matches!(param.kind, Kind::Integer) || name.ends_with("Id") || name == "id" || name == "ids" => {
            let ids = cx.ids_for(name);
            let first = rng.pick(ids).to_string();
            if rng.chance(30) {
                format!("{first},{}", rng.pick(ids))
            } else {
                first
            }
        }
        _ => (*rng.pick(&["a", "Fjord", "10001", "test@example.com", "Ærlig"])).to_owned(),
    }
}

fn query_for(rng: &mut Rng, op: &Operation, cx: &Context) -> Vec<(String, String)> {
    let mut query = Vec::new();
    for param in &op.query {
        let skip = if cx.required_query.contains(&param.name) {
            10
        } else {
            50
        };
        if rng.chance(skip) {
            continue;
        }
        let value = if rng.chance(65) {
            valid_query_value(rng, param, cx)
        } else {
            hostile_text(rng)
        };
        query.push((param.name.clone(), value));
    }
    if rng.chance(10) {
        query.push((hostile_text(rng), hostile_text(rng)));
    }
    if rng.chance(5)
        && let Some((name, value)) = query.first().cloned()
    {
        query.push((name, format!("{value}x")));
    }
    query
}

fn path_for(rng: &mut Rng, op: &Operation, cx: &Context) -> String {
    let mut path = op.path.replace('>', "%3E");
    for param in &op.path_params {
        let value = if rng.chance(60) {
            match param.kind {
                Kind::Integer => rng.pick(cx.known.ids(&cx.own)).to_string(),
                // Never the session the fuzzer itself uses: a random token-shaped text.
                _ => format!("{:016x}", rng.next_u64()),
            }
        } else {
            percent_encode(&hostile_text(rng))
        };
        path = path.replace(&format!("{{{}}}", param.name), &value);
    }
    path
}

fn valid_list(rng: &mut Rng, name: &str, cx: &Context) -> Value {
    match name {
        "postings" => {
            let (debit, credit) = cx.known.accounts();
            let amount = *rng.pick(&[100.0, 0.5, 1e6]);
            json!([{"account": {"id": debit}, "amountGross": amount, "amountGrossCurrency": amount},
                   {"account": {"id": credit}, "amountGross": -amount, "amountGrossCurrency": -amount}])
        }
        "orderLines" => json!([{"product": {"id": cx.known.first_of("product")}, "count": *rng.pick(&[1, 3]),
                                "unitPriceExcludingVatCurrency": 250}]),
        "orders" => json!([{"id": rng.pick(cx.known.ids("order"))}]),
        _ if rng.chance(50) => json!([]),
        _ => json!([{"id": rng.pick(cx.ids_for(name))}]),
    }
}

fn valid_value(rng: &mut Rng, field: &Param, cx: &Context) -> Value {
    let name = field.name.as_str();
    match &field.kind {
        Kind::Date => json!(*rng.pick(DATES)),
        Kind::Text if is_date(name) => json!(*rng.pick(DATES)),
        Kind::Text | Kind::Integer
            if (is_number(name) && rng.chance(15)) || (field.kind == Kind::Integer && rng.chance(6)) =>
        {
            let edge = *rng.pick(&[i64::MAX, i64::MIN, i64::from(i32::MAX) + 1, 10_000_000, 0, -1]);
            if field.kind == Kind::Text {
                json!(edge.to_string())
            } else {
                json!(edge)
            }
        }
        Kind::Text => json!(*rng.pick(&[
            "Fuzz AS",
            "Ærlig Øl & Bakeri",
            "名前",
            "x",
            "test@example.com",
            "12345678"
        ])),
        Kind::Integer => json!(*rng.pick(cx.ids_for(name))),
        Kind::Number => json!(*rng.pick(&[0.0, 1.5, -3.25, 1e10, 100.0, 7.5])),
        Kind::Boolean => json!(rng.chance(50)),
        Kind::OneOf(values) if !values.is_empty() => json!(rng.pick(values)),
        Kind::OneOf(_) => json!("X"),
        Kind::Reference => json!({"id": rng.pick(cx.ids_for(name))}),
        Kind::Object if rng.chance(50) => json!({}),
        Kind::Object => json!({"id": rng.pick(cx.ids_for(name))}),
        Kind::List => valid_list(rng, name, cx),
    }
}

fn wrong_value(rng: &mut Rng) -> Value {
    rng.pick(&[
        json!("banana"),
        json!(12345),
        json!(true),
        Value::Null,
        json!([1, 2, "x"]),
        json!({"id": "x"}),
        json!({"id": {"id": {}}}),
        json!(1.5e300),
        json!(-0.0),
        json!(""),
        json!(u64::MAX),
        json!(i64::MIN),
        json!({"a": [[[[[]]]]]}),
    ])
    .clone()
}

/// A body of the schema's shape: the required fields and a random subset of the other
/// writable ones, each with a valid value.
fn shaped_object(rng: &mut Rng, body: &Body, cx: &Context) -> Map<String, Value> {
    let mut object = Map::new();
    for field in body.fields.iter().filter(|f| !f.read_only) {
        let required = cx.required.contains(&field.name) && rng.chance(90);
        if required || rng.chance(35) {
            object.insert(field.name.clone(), valid_value(rng, field, cx));
        }
    }
    object
}

fn wrap(body: &Body, objects: Vec<Map<String, Value>>) -> Value {
    if body.list {
        Value::Array(objects.into_iter().map(Value::Object).collect())
    } else {
        objects.into_iter().next().map(Value::Object).unwrap_or(Value::Null)
    }
}

/// Appends `"name": literal` (raw JSON text, possibly invalid) to a serialized object.
fn with_raw_member(object: &Map<String, Value>, name: &str, literal: &str) -> String {
    let text = Value::Object(object.clone()).to_string();
    let head = text.trim_end_matches('}');
    let separator = if object.is_empty() { "" } else { "," };
    format!("{head}{separator}{}:{literal}}}", Value::String(name.to_owned()))
}

const STRUCTURAL_JUNK: &[&str] = &[
    "",
    "[]",
    "{}",
    "{not json",
    "\"just a string\"",
    "42",
    "null",
    "true",
    "{\"a\":",
    "{\"name\":\"a\",\"name\":\"b\"}",
    "\u{feff}{}",
    "{} trailing",
    "{\"name\": \"\\ud800\"}",
    "{\"name\": \"\\u0000\"}",
    "{\"name\": 'single'}",
    "{\"name\": NaN}",
    "{\"name\": Infinity}",
    "{,}",
    "[{\"id\":1},]",
    "\u{0}\u{0}\u{0}",
];

/// Headers a client may send that the emulator reads or could trip over.
const ODD_HEADERS: [(&str, &str); 8] = [
    ("If-None-Match", "\"junk\""),
    ("If-None-Match", "*"),
    ("If-None-Match", ""),
    ("X-Sandbox-Actor", "5001"),
    ("X-Sandbox-Actor", "-1"),
    ("Accept", "text/html"),
    ("Accept-Encoding", "gzip, br, zstd"),
    ("Content-Encoding", "gzip"),
];

/// One generated body (text) and what kind it is, for the report.
fn body_for(rng: &mut Rng, body: &Body, cx: &Context) -> (String, &'static str) {
    let objects = |rng: &mut Rng| -> Vec<Map<String, Value>> {
        (0..1 + rng.below(3)).map(|_| shaped_object(rng, body, cx)).collect()
    };
    match rng.below(9) {
        0 | 1 => (wrap(body, objects(rng)).to_string(), "valid-shaped"),
        2 => {
            let mut objects = objects(rng);
            for object in &mut objects {
                for _ in 0..1 + rng.below(3) {
                    if body.fields.is_empty() {
                        break;
                    }
                    let field = rng.pick(&body.fields).name.clone();
                    object.insert(field, wrong_value(rng));
                }
            }
            (wrap(body, objects).to_string(), "wrong-typed")
        }
        3 => {
            let text = wrap(body, objects(rng)).to_string();
            let cut = 1 + rng.below(text.len().max(2) - 1);
            let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            (text[..cut].to_owned(), "truncated")
        }
        4 => {
            let object = shaped_object(rng, body, cx);
            let name = body
                .fields
                .iter()
                .find(|f| matches!(f.kind, Kind::Integer | Kind::Number))
                .map_or("id", |f| f.name.as_str());
            let literal = *rng.pick(&[
                "99999999999999999999999",
                "1e400",
                "-9223372036854775809",
                "18446744073709551616",
                "1e-400",
                "-0",
                "0.0000000000000000000000000001",
                "123456789012345678901234567890.5",
            ]);
            let text = with_raw_member(&object, name, literal);
            (if body.list { format!("[{text}]") } else { text }, "huge-number")
        }
        5 => {
            let mut object = shaped_object(rng, body, cx);
            for field in body.fields.iter().filter(|f| f.kind == Kind::Text) {
                let text = *rng.pick(&[
                    "😀😀😀",
                    "\u{202e}RTL",
                    "e\u{301}",
                    "\u{fffd}",
                    "名前\u{0}",
                    "\u{10ffff}",
                ]);
                object.insert(field.name.clone(), json!(text));
            }
            object.insert("ü😀".into(), json!(1));
            (wrap(body, vec![object]).to_string(), "unicode")
        }
        6 => {
            let object: Map<String, Value> = body.fields.iter().map(|f| (f.name.clone(), Value::Null)).collect();
            if rng.chance(30) {
                ("null".to_owned(), "null")
            } else {
                (wrap(body, vec![object]).to_string(), "nulls")
            }
        }
        7 => {
            let text = if rng.chance(25) {
                let depth = 100 + rng.below(400);
                format!("{}1{}", "[".repeat(depth), "]".repeat(depth))
            } else if rng.chance(4) {
                format!("{{\"name\": \"{}\"}}", "x".repeat(1024 * 1024 + 10))
            } else {
                (*rng.pick(STRUCTURAL_JUNK)).to_owned()
            };
            (text, "structural-junk")
        }
        _ => {
            let mut object = shaped_object(rng, body, cx);
            object.insert("noSuchField".into(), json!(1));
            object.insert("id".into(), json!(rng.pick(cx.known.ids(&cx.own))));
            object.insert("version".into(), json!(*rng.pick(&[-5i64, 0, 1, i64::MAX])));
            object.insert("changes".into(), json!([{"changeType": "CREATE"}]));
            (wrap(body, vec![object]).to_string(), "unknown-fields")
        }
    }
}

/// Whether the emulator's operation table declares the operation (routed, answered 501).
fn is_declared(op: &Operation) -> bool {
    use tripletex_sandbox::domain::table::{Level, table};
    table().is_ok_and(|t| {
        t.routes
            .iter()
            .any(|r| r.method == op.method.as_str() && r.path == op.path && r.level == Level::Declared)
    })
}

/// The resource an operation's path acts on (`/travelExpense/{id}` → `travelExpense`).
fn resource_of(op: &Operation) -> &str {
    let path = op.path.trim_start_matches('/');
    let path = path.split("/{").next().unwrap_or(path);
    path.strip_suffix("/list").unwrap_or(path)
}

/// Whether the operation is on a resource generated from the document: those share one engine
/// and its generic rules, so a few cases each find what the hand-kept resources' many do.
fn on_generated_resource(op: &Operation) -> bool {
    find(resource_of(op)).is_some_and(|def| !def.hand_kept)
}

fn cases_for(op: &Operation) -> usize {
    if on_generated_resource(op) {
        CASES_PER_GENERATED_OPERATION
    } else {
        CASES_PER_OPERATION
    }
}

/// What a new employee needs (its rules are hand-written, so the resource catalogue has no entry).
const EMPLOYEE_NEEDS: &[&str] = &["firstName", "lastName", "userType", "email", "department"];

fn fuzz_operation(emulator: &Emulator, op: &Operation, rng: &mut Rng, tally: &mut Tally) {
    let sandbox = Sandbox::on(emulator);
    let credential = sandbox.credential(false);
    let office = sandbox.credential(true);
    let own = basic("0", &sandbox.session(&credential));
    let client_id = office["clients"][0].as_i64().unwrap_or(2101).to_string();
    let as_client = basic(&client_id, &sandbox.session(&office));
    let known = Known::gather(&sandbox, &own, &credential);
    tally.seeded += known.seeded;
    tally.seeds_tried += known.seeds_tried;
    let own_path = op.path.trim_start_matches('/');
    let own_path = own_path.split("/{").next().unwrap_or(own_path);
    let cx = Context {
        known: &known,
        own: own_path.to_owned(),
        required: find(own_path)
            .map(|def| def.required.iter().map(|r| r.field.clone()).collect())
            .unwrap_or_else(|| match own_path {
                "employee" => EMPLOYEE_NEEDS.iter().map(|f| (*f).to_owned()).collect(),
                _ => Vec::new(),
            }),
        required_query: find(own_path)
            .map(|def| def.required_query.values().flatten().cloned().collect())
            .unwrap_or_default(),
    };
    if let Some(body) = &op.body {
        edge_then_plain(&sandbox, &own, op, body, rng, &cx, tally);
    }
    for _ in 0..cases_for(op) {
        let path = path_for(rng, op, &cx);
        let query = query_for(rng, op, &cx);
        let mut request = sandbox
            .client
            .request(op.method.clone(), sandbox.url(&format!("/v2{path}")))
            .query(&query);
        let auth = match rng.below(100) {
            0..80 => Some(own.clone()),
            80..92 => Some(as_client.clone()),
            92..96 => Some(basic(&hostile_text(rng), &hostile_text(rng))),
            _ => None,
        };
        if let Some(auth) = &auth
            && let Ok(value) = reqwest::header::HeaderValue::from_str(auth)
        {
            request = request.header("Authorization", value);
        }
        if rng.chance(8) {
            let (name, value) = rng.pick(&ODD_HEADERS);
            request = request.header(*name, *value);
        }
        let (body, shape) = match &op.body {
            Some(body) => body_for(rng, body, &cx),
            None if rng.chance(10) => ((*rng.pick(STRUCTURAL_JUNK)).to_owned(), "unexpected-body"),
            None => (String::new(), "no-body"),
        };
        if !body.is_empty() || op.body.is_some() {
            let content_type = match rng.below(100) {
                0..88 => Some("application/json; charset=utf-8"),
                88..93 => Some("text/plain"),
                93..97 => None,
                _ => Some("application/json; charset=latin1"),
            };
            if let Some(content_type) = content_type {
                request = request.header("Content-Type", content_type);
            }
            request = request.body(body.clone());
        }
        let sent = try_send(request);
        let described = format!(
            "{} {path} query={query:?} auth={} body[{shape}]={:.200}",
            op.method,
            auth.as_deref()
                .map_or("none", |a| if a == own { "own" } else { "other" }),
            body
        );
        tally.check_sent(&described, sent);
    }
}

/// A body of the required fields with every number field (`customerNumber`, `number`, …) at
/// `i64::MAX`, then a body of the required fields alone: what a stored edge value does to the
/// next write (numbering continues from the highest number).
fn edge_then_plain(
    sandbox: &Sandbox,
    auth: &str,
    op: &Operation,
    body: &Body,
    rng: &mut Rng,
    cx: &Context,
    tally: &mut Tally,
) {
    let required = |rng: &mut Rng| -> Map<String, Value> {
        body.fields
            .iter()
            .filter(|f| cx.required.contains(&f.name))
            .map(|f| (f.name.clone(), valid_value(rng, f, cx)))
            .collect()
    };
    let mut edge = required(rng);
    for field in body.fields.iter().filter(|f| !f.read_only && is_number(&f.name)) {
        let value = match field.kind {
            Kind::Integer => json!(i64::MAX),
            Kind::Text => json!(i64::MAX.to_string()),
            _ => continue,
        };
        edge.insert(field.name.clone(), value);
    }
    let plain = required(rng);
    for (label, object) in [("edge", edge), ("after-edge", plain)] {
        let text = wrap(body, vec![object]).to_string();
        let path = path_for(rng, op, cx);
        let request = sandbox
            .client
            .request(op.method.clone(), sandbox.url(&format!("/v2{path}")))
            .header("Authorization", auth)
            .header("Content-Type", "application/json")
            .body(text.clone());
        tally.check_sent(
            &format!("{} {path} body[{label}]={text:.200}", op.method),
            try_send(request),
        );
    }
}

#[test]
fn every_v2_operation_survives_generated_requests() {
    let seed = seed();
    eprintln!("fuzz seed {seed} (set ATTACK_SEED to change it)");
    let (operations, source) = operations::load();
    assert!(!operations.is_empty(), "no operations from {source}");
    let emulator = Emulator::start();
    let started = Instant::now();
    let mut tally = Tally::default();
    let mut fuzzed = 0;
    let mut never_succeeded = Vec::new();
    let mut generated_never_succeeded = Vec::new();
    let mut declared = Vec::new();
    for (index, op) in operations.iter().enumerate() {
        if started.elapsed() > TIME_LIMIT {
            break;
        }
        // One generator per operation, so a failure reproduces from the seed and the operation.
        let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0x100_0000_01B3));
        let successes_before = tally.successes;
        tally.operation = op.label();
        tally.declared_operation = is_declared(op);
        fuzz_operation(&emulator, op, &mut rng, &mut tally);
        if tally.successes == successes_before {
            if tally.declared_operation {
                declared.push(op.label());
            } else if on_generated_resource(op) {
                generated_never_succeeded.push(op.label());
            } else {
                never_succeeded.push(op.label());
            }
        }
        fuzzed += 1;
    }
    eprintln!("operations no generated request got a 2xx from: {never_succeeded:?}");
    eprintln!(
        "of them on generated resources (reference data the API cannot create, lists that need arguments): {generated_never_succeeded:?}"
    );
    let panics = emulator.panics();
    figures::report(&format!(
        "fuzz: {} requests ({} 2xx, {} 501 of {} declared operations), {} 5xx, {} envelope violations, {} dropped connections, {} server panics, {fuzzed}/{} operations from {source} ({} reached a 2xx, {}/{} seed objects accepted) in {:.1}s (seed {seed})",
        tally.requests,
        tally.successes,
        tally.not_emulated,
        declared.len(),
        tally.server_errors,
        tally.envelope_violations,
        tally.dropped,
        panics,
        operations.len(),
        fuzzed - never_succeeded.len() - generated_never_succeeded.len() - declared.len(),
        tally.seeded,
        tally.seeds_tried,
        started.elapsed().as_secs_f64()
    ));
    assert!(
        tally.problems.is_empty(),
        "seed {seed}: {} 5xx, {} envelope violations, {} dropped connections; problems by operation: {:?}; first problems:\n{}",
        tally.server_errors,
        tally.envelope_violations,
        tally.dropped,
        tally.problems_by_operation,
        tally.problems.join("\n")
    );
    assert_eq!(panics, 0, "the emulator's threads panicked (seed {seed})");
    assert_eq!(
        fuzzed,
        operations.len(),
        "the time limit cut the run short (seed {seed})"
    );
    assert!(tally.requests >= operations.iter().map(cases_for).sum::<usize>());
    // A generator that only ever earns refusals tests the refusals alone (counted on the hand-kept
    // resources and hand-written routes, whose generators know their bodies).
    let hand = operations
        .iter()
        .filter(|o| !on_generated_resource(o) && !is_declared(o))
        .count();
    assert!(
        (hand - never_succeeded.len()) * 4 >= hand * 3,
        "fewer than 3 in 4 operations ever answered 2xx: {never_succeeded:?}"
    );
}

/// The control-plane endpoints of one sandbox, with the methods they answer.
const CONTROL_ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "/health"),
    ("GET", "/credentials"),
    ("GET", "/companies"),
    ("PUT", "/state"),
    ("POST", "/reset"),
    ("PUT", "/clock"),
    ("POST", "/scenario"),
    ("PUT", "/faults"),
    ("GET", "/journal"),
    ("DELETE", "/journal"),
    ("PUT", "/settings"),
    ("PUT", "/companies/{id}/subscription"),
    ("GET", "/integrations"),
    ("POST", "/companies/{id}/integrations"),
    ("GET", "/companies/{id}/people"),
    ("POST", "/companies/{id}/people"),
    ("PUT", "/people/{id}/access"),
    ("PUT", "/people/{id}/client-access/{clientId}"),
    ("GET", "/people/{id}/keys"),
    ("POST", "/people/{id}/keys"),
    ("GET", "/keys/{id}/access"),
    ("POST", "/keys/{id}/regenerate"),
    ("DELETE", "/keys/{id}"),
    ("PUT", "/clients/{clientId}/accountant"),
    ("PUT", "/clients/{clientId}/keys/{keyId}"),
    ("DELETE", "/clients/{clientId}/keys/{keyId}"),
    ("GET", "/clients/{clientId}/access"),
    ("PATCH", "/state"),
];

/// Number and string literals that no JSON parser should take as they are.
const LITERALS: [&str; 5] = ["1e400", "99999999999999999999999", "NaN", "\"\\ud800\"", "-"];

/// Bodies that no control-plane endpoint can take as a valid request.
fn malformed_control_body(rng: &mut Rng) -> String {
    let keys = [
        "package",
        "integrationsEnabled",
        "now",
        "advance",
        "rules",
        "rateLimit",
        "name",
        "scenario",
        "userType",
        "roles",
        "entitlements",
        "accesses",
        "template",
        "apiAccess",
        "officeIsAdmin",
        "integrationId",
        "acceptTerms",
        "custom",
        "world",
        "revokeSessionsOnRegenerate",
    ];
    match rng.below(5) {
        0 => (*rng.pick(STRUCTURAL_JUNK)).to_owned(),
        1 => {
            let text = json!({ *rng.pick(&keys): "x", *rng.pick(&keys): [1, {"a": null}] }).to_string();
            let cut = 1 + rng.below(text.len() - 1);
            text[..cut].to_owned()
        }
        2 => {
            let depth = 50 + rng.below(300);
            format!("{}{}", "{\"world\":".repeat(depth), "}".repeat(depth))
        }
        3 => with_raw_member(
            &Map::new(),
            keys[rng.below(keys.len())],
            LITERALS[rng.below(LITERALS.len())],
        ),
        _ => {
            let mut object = Map::new();
            for _ in 0..1 + rng.below(4) {
                object.insert((*rng.pick(&keys)).to_owned(), wrong_value(rng));
            }
            object.insert("rules".into(), json!("not a list"));
            Value::Object(object).to_string()
        }
    }
}

#[test]
fn the_control_plane_survives_malformed_bodies() {
    let seed = seed();
    let mut rng = Rng::new(seed.rotate_left(17) ^ 0xC0A7);
    let emulator = Emulator::start();
    let sandbox = Sandbox::on(&emulator);
    let mut tally = Tally::default();
    let valid_ids = ["1001", "2101", "5001", "7101", "101"];
    for (method, template) in CONTROL_ENDPOINTS {
        tally.operation = format!("{method} {template}");
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        for _ in 0..CASES_PER_CONTROL_ENDPOINT {
            let mut path = template.to_string();
            for name in ["{id}", "{clientId}", "{keyId}"] {
                let value = if rng.chance(70) {
                    (*rng.pick(&valid_ids)).to_owned()
                } else {
                    percent_encode(&hostile_text(&mut rng))
                };
                path = path.replace(name, &value);
            }
            let body = malformed_control_body(&mut rng);
            let mut request = sandbox
                .client
                .request(method.clone(), sandbox.url(&format!("/_sandbox{path}")))
                .header("Content-Type", "application/json")
                .body(body.clone());
            if rng.chance(20) {
                request = request.header("X-Sandbox-Actor", percent_encode(&hostile_text(&mut rng)));
            }
            tally.check_sent(&format!("{method} /_sandbox{path} body={body:.200}"), try_send(request));
        }
    }
    // The process-wide registry: bodies that cannot parse, so no sandbox is made.
    for body in [
        "{",
        "[",
        "{\"scenario\":",
        "\u{0}",
        "{\"scenario\": \"quickstart\"",
        "nul",
    ] {
        let answer = send(
            sandbox
                .client
                .post(format!("http://{}/_sandbox/sandboxes", sandbox.address))
                .header("Content-Type", "application/json")
                .body(body),
        );
        assert!(
            (400..500).contains(&answer.status),
            "POST /_sandbox/sandboxes {body:?} → {}",
            answer.status
        );
        tally.check(&format!("POST /_sandbox/sandboxes body={body:?}"), &answer);
    }
    for junk in ["nope", "%00", "..", "99999999999999999999"] {
        let answer = send(
            sandbox
                .client
                .delete(format!("http://{}/_sandbox/sandboxes/{junk}", sandbox.address)),
        );
        tally.check(&format!("DELETE /_sandbox/sandboxes/{junk}"), &answer);
    }
    let panics = emulator.panics();
    figures::report(&format!(
        "control-plane fuzz: {} requests, {} 5xx, {} envelope violations, {} server panics (seed {seed})",
        tally.requests, tally.server_errors, tally.envelope_violations, panics
    ));
    assert!(
        tally.problems.is_empty(),
        "seed {seed}: first problems:\n{}",
        tally.problems.join("\n")
    );
    assert_eq!(panics, 0, "the emulator's threads panicked (seed {seed})");
    let health = send(sandbox.client.get(sandbox.url("/_sandbox/health")));
    assert_eq!(health.status, 200, "the sandbox still answers after the fuzz");
}
