//! `eval` end to end over real HTTP: a scripted reference agent (fixed call sequences, no LLM)
//! on a loopback port solves the built-in tasks against the emulator `eval` starts, and the
//! reports are checked against what the agent itself did.

use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tripletex_sandbox::eval::{Task, builtin};
use tripletex_sandbox::eval_run::{self, Options, Outcome, Report};

/// What the reference agent does with a task.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Every step of the task's solution.
    Solve,
    /// The solution without the named step.
    Skip(&'static str),
    /// A request the API refuses (an unknown field), then the solution.
    Stumble,
    /// Answers 200 at once and does nothing.
    Idle,
    /// Answers 500.
    Fail,
    /// Answers after this long.
    Sleep(Duration),
    /// Tries to read the world from the control plane beside the API it was given.
    Peek,
}

/// What the agent saw and did, for the tests to compare with the report.
#[derive(Default)]
struct Seen {
    /// Per request: the base URL it was given, its own count of calls and of 4xx answers.
    runs: Vec<(String, usize, usize)>,
    /// What the control plane answered a peek.
    peeks: Vec<u16>,
    /// The `company_id` of each request's credentials (null when absent).
    companies: Vec<Value>,
    authorizations: Vec<Option<String>>,
}

struct Agent {
    url: String,
    seen: Arc<Mutex<Seen>>,
}

/// The reference agent on a loopback port, one thread per connection.
fn spawn_agent(behaviour: Behaviour) -> Agent {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let shared = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let seen = shared.clone();
            std::thread::spawn(move || serve(stream, behaviour, &seen));
        }
    });
    Agent { url, seen }
}

/// Reads one request: its head and its body.
fn read_request(stream: &mut TcpStream) -> (String, Value) {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let read = stream.read(&mut chunk).expect("the request arrives");
        bytes.extend_from_slice(&chunk[..read]);
        if let Some(end) = bytes.windows(4).position(|w| w == b"\r\n\r\n").map(|at| at + 4) {
            let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().to_owned())
                })
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            while bytes.len() < end + length {
                let read = stream.read(&mut chunk).expect("the body arrives");
                assert!(read > 0, "the body was cut short");
                bytes.extend_from_slice(&chunk[..read]);
            }
            let body = serde_json::from_slice(&bytes[end..end + length]).expect("a JSON body");
            return (head, body);
        }
        assert!(read > 0, "the connection closed before a whole head");
    }
}

fn serve(mut stream: TcpStream, behaviour: Behaviour, seen: &Mutex<Seen>) {
    let (head, body) = read_request(&mut stream);
    let authorization = head
        .lines()
        .find_map(|l| l.strip_prefix("Authorization: "))
        .map(str::to_owned);
    let status = match behaviour {
        Behaviour::Fail => "500 Internal Server Error",
        Behaviour::Sleep(time) => {
            std::thread::sleep(time);
            "200 OK"
        }
        _ => "200 OK",
    };
    let base = body["tripletex_credentials"]["base_url"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let token = body["tripletex_credentials"]["session_token"]
        .as_str()
        .unwrap_or_default();
    let mut api = Api::new(&base, token, behaviour);
    if behaviour == Behaviour::Peek {
        let state = format!("{}/_sandbox/state", base.trim_end_matches("/v2"));
        let status = reqwest::blocking::get(state).map_or(0, |r| r.status().as_u16());
        seen.lock().expect("not poisoned").peeks.push(status);
    }
    if matches!(behaviour, Behaviour::Solve | Behaviour::Skip(_) | Behaviour::Stumble) {
        if behaviour == Behaviour::Stumble {
            api.post("/customer", json!({"name": "Feil", "kundenavn": "Feil"}));
        }
        solve(&mut api, &body);
    }
    {
        let mut seen = seen.lock().expect("not poisoned");
        seen.runs.push((base, api.calls, api.client_errors));
        seen.authorizations.push(authorization);
        seen.companies.push(body["tripletex_credentials"]["company_id"].clone());
    }
    let answer = r#"{"status": "completed"}"#;
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
        answer.len()
    );
}

/// The Tripletex API as the agent uses it, counting its own calls and 4xx answers.
struct Api {
    base: String,
    token: String,
    skip: Option<&'static str>,
    client: reqwest::blocking::Client,
    calls: usize,
    client_errors: usize,
}

impl Api {
    fn new(base: &str, token: &str, behaviour: Behaviour) -> Self {
        Self {
            base: base.to_owned(),
            token: token.to_owned(),
            skip: match behaviour {
                Behaviour::Skip(step) => Some(step),
                _ => None,
            },
            client: reqwest::blocking::Client::new(),
            calls: 0,
            client_errors: 0,
        }
    }

    /// Whether to take the named step.
    fn step(&self, name: &str) -> bool {
        self.skip != Some(name)
    }

    fn send(&mut self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .basic_auth("0", Some(&self.token));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().expect("the emulator answers");
        self.calls += 1;
        if response.status().is_client_error() {
            self.client_errors += 1;
        }
        response.json().unwrap_or(Value::Null)
    }

    fn get(&mut self, path: &str) -> Value {
        self.send(reqwest::Method::GET, path, None)
    }

    fn post(&mut self, path: &str, body: Value) -> Value {
        self.send(reqwest::Method::POST, path, Some(body))
    }

    fn put(&mut self, path: &str, body: Option<Value>) -> Value {
        self.send(reqwest::Method::PUT, path, body)
    }

    /// The id of the first object of a list whose `field` is `value`.
    fn find(&mut self, path: &str, field: &str, value: &str) -> i64 {
        let list = self.get(path);
        list["values"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|o| o[field].as_str() == Some(value) || o[field].as_i64().is_some_and(|n| n.to_string() == value))
            .and_then(|o| o["id"].as_i64())
            .unwrap_or_else(|| panic!("no {field} = {value} in {path}: {list}"))
    }
}

/// The task whose prompt this is, among the built-in ones.
fn task_of(prompt: &str) -> String {
    builtin::tasks()
        .expect("the built-in tasks are valid")
        .into_iter()
        .find(|t| t.file.prompts.iter().any(|p| p.text == prompt))
        .map(|t| t.file.id)
        .unwrap_or_default()
}

/// The fixed call sequence of each built-in task.
fn solve(api: &mut Api, body: &Value) {
    match task_of(body["prompt"].as_str().unwrap_or_default()).as_str() {
        "create-employee" => {
            if api.step("employee") {
                let department = api.get("/department?count=1&fields=id")["values"][0].clone();
                api.post(
                    "/employee",
                    json!({"firstName": "Ola", "lastName": "Nordvik", "email": "ola.nordvik@fjellvind.example", "userType": "STANDARD",
                        "department": department}),
                );
            }
        }
        "create-customer" => {
            if api.step("customer") {
                api.post(
                    "/customer",
                    json!({"name": "Fjordkraft AS", "organizationNumber": "923456781", "email": "post@fjordkraft.example", "isCustomer": true}),
                );
            }
        }
        "create-supplier" => {
            if api.step("supplier") {
                api.post(
                    "/supplier",
                    json!({"name": "Kontorland AS", "organizationNumber": "987654321", "email": "faktura@kontorland.example"}),
                );
            }
        }
        "create-product" => {
            let vat = api.find("/ledger/vatType?count=1000", "number", "3");
            if api.step("product") {
                api.post(
                    "/product",
                    json!({"name": "Espresso 1 kg", "number": "1001", "priceExcludingVatCurrency": 249.5, "vatType": {"id": vat}}),
                );
            }
        }
        "create-departments" => {
            if api.step("salg") {
                api.post("/department", json!({"name": "Salg", "departmentNumber": "20"}));
            }
            if api.step("lager") {
                api.post("/department", json!({"name": "Lager", "departmentNumber": "30"}));
            }
        }
        "create-project" => project(api),
        "invoice-customer" => invoice_customer(api),
        "order-invoice-payment" => order_invoice_payment(api),
        "voucher-rent" => voucher_rent(api),
        "travel-expense" => travel_expense(api),
        "import-customers" => import_customers(api, body),
        "employee-contract" => employee_contract(api),
        "supplier-invoice" => supplier_invoice(api),
        other => on_seeded_objects(api, other),
    }
}

/// The tasks whose seed holds the objects the agent changes.
fn on_seeded_objects(api: &mut Api, task: &str) {
    match task {
        "delete-customer" => {
            let id = api.find("/customer?count=1000", "name", "Feilregistrert Kunde AS");
            if api.step("delete") {
                api.send(reqwest::Method::DELETE, &format!("/customer/{id}"), None);
            }
        }
        "update-customer" => {
            let id = api.find("/customer?count=1000", "name", "Havbris Fiske AS");
            let customer = api.get(&format!("/customer/{id}"));
            if api.step("update") {
                let body = json!({"id": id, "version": customer["value"]["version"], "name": "Havbris Fiske AS",
                    "email": "post@havbris.example", "phoneNumber": "55 12 34 56"});
                api.put(&format!("/customer/{id}"), Some(body));
            }
        }
        "credit-note" => {
            let invoice = api.find(INVOICES, "invoiceNumber", "1");
            if api.step("credit") {
                api.put(&format!("/invoice/{invoice}/:createCreditNote?date=2026-12-04"), None);
            }
        }
        "invoice-partial-payment" => {
            let invoice = api.find(INVOICES, "invoiceNumber", "1");
            let bank = api.find("/invoice/paymentType", "description", "Betalt til bank");
            if api.step("payment") {
                let query = format!("paymentDate=2026-12-03&paymentTypeId={bank}&paidAmount=1000");
                api.put(&format!("/invoice/{invoice}/:payment?{query}"), None);
            }
        }
        "project-hours" => {
            let project = api.find("/project?count=1000", "name", "Nettbutikk");
            let employee = api.find("/employee?count=1000", "email", "kari@fjellvind.example");
            let activity = api.find("/activity?count=1000", "name", "Administrasjon");
            if api.step("hours") {
                api.post(
                    "/timesheet/entry",
                    json!({"employee": {"id": employee}, "project": {"id": project}, "activity": {"id": activity},
                        "date": "2026-12-03", "hours": 7.5}),
                );
            }
        }
        "approve-travel-expense" => {
            let travel = api.find("/travelExpense?count=1000", "title", "Messe Lillestrøm");
            if api.step("approve") {
                api.put(&format!("/travelExpense/:approve?id={travel}"), None);
            }
        }
        other => panic!("the reference agent has no solution for task {other:?}"),
    }
}

/// Every invoice of the company (the list asks for a date range).
const INVOICES: &str = "/invoice?invoiceDateFrom=2000-01-01&invoiceDateTo=2100-01-01&count=1000";

/// One customer per line of the attached CSV (after its header); a step per line.
fn import_customers(api: &mut Api, body: &Value) {
    use base64::Engine;
    let file = body["files"][0]["content_base64"].as_str().unwrap_or_default();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(file)
        .expect("the file is base64");
    let text = String::from_utf8(bytes).expect("the file is UTF-8");
    for (index, line) in text.lines().skip(1).enumerate() {
        let fields: Vec<&str> = line.split(';').collect();
        if let [name, number, email] = fields[..]
            && api.step(&format!("line {}", index + 1))
        {
            api.post(
                "/customer",
                json!({"name": name, "organizationNumber": number, "email": email, "isCustomer": true}),
            );
        }
    }
}

fn supplier_invoice(api: &mut Api) {
    let supplier = api.find("/supplier?count=1000", "name", "Kontorland AS");
    let supplies = api.find("/ledger/account?number=6800", "number", "6800");
    let owed = api.find("/ledger/account?number=2400", "number", "2400");
    let input_vat = api.find("/ledger/vatType?count=1000", "number", "1");
    if api.step("voucher") {
        api.post(
            "/ledger/voucher",
            json!({"date": "2026-12-08", "description": "Kontorland AS faktura 4711", "vendorInvoiceNumber": "4711",
            "postings": [
                {"row": 1, "account": {"id": supplies}, "amountGross": 2500, "amountGrossCurrency": 2500,
                 "vatType": {"id": input_vat}},
                {"row": 2, "account": {"id": owed}, "supplier": {"id": supplier}, "amountGross": -2500,
                 "amountGrossCurrency": -2500}
            ]}),
        );
    }
}

fn employee_contract(api: &mut Api) {
    let department = api.get("/department?count=1&fields=id")["values"][0].clone();
    let employee = api.post(
        "/employee",
        json!({"firstName": "Siri", "lastName": "Dal", "email": "siri.dal@fjellvind.example", "userType": "STANDARD",
            "department": department}),
    );
    let employee = employee["value"]["id"].as_i64().unwrap_or_default();
    let employment = api.post(
        "/employee/employment",
        json!({"employee": {"id": employee}, "startDate": "2027-01-01"}),
    );
    let employment = employment["value"]["id"].as_i64().unwrap_or_default();
    if api.step("details") {
        api.post(
            "/employee/employment/details",
            json!({"employment": {"id": employment}, "date": "2027-01-01", "employmentType": "ORDINARY",
                "percentageOfFullTimeEquivalent": 100, "annualSalary": 650000}),
        );
    }
}

fn project(api: &mut Api) {
    let customer = api.find("/customer?count=1000", "name", "Havbris Fiske AS");
    let manager = api.find("/employee?count=1000", "email", "kari@fjellvind.example");
    if api.step("project") {
        api.post(
            "/project",
            json!({"name": "Nettbutikk", "customer": {"id": customer}, "projectManager": {"id": manager},
                "startDate": "2026-12-01", "isFixedPrice": true, "fixedprice": 150000}),
        );
    }
}

fn invoice_customer(api: &mut Api) {
    let customer = api.find("/customer?count=1000", "name", "Lunde Snekkeri AS");
    let high = api.find("/ledger/vatType?count=1000", "number", "3");
    let low = api.find("/ledger/vatType?count=1000", "number", "33");
    let lines = json!([
        {"description": "Rådgivning", "count": 3, "unitPriceExcludingVatCurrency": 1200, "vatType": {"id": high}},
        {"description": "Håndbok i treverk", "count": 2, "unitPriceExcludingVatCurrency": 400, "vatType": {"id": low}}
    ]);
    let order = api.post(
        "/order",
        json!({"customer": {"id": customer}, "orderDate": "2026-12-01", "deliveryDate": "2026-12-01", "orderLines": lines}),
    );
    let order = order["value"]["id"].as_i64().unwrap_or_default();
    if api.step("invoice") {
        api.put(&format!("/order/{order}/:invoice?invoiceDate=2026-12-01"), None);
    }
}

fn order_invoice_payment(api: &mut Api) {
    let customer = api.post("/customer", json!({"name": "Nordlys Kafé AS", "isCustomer": true}));
    let customer = customer["value"]["id"].as_i64().unwrap_or_default();
    let vat = api.find("/ledger/vatType?count=1000", "number", "3");
    let lines = json!([{"description": "Kanelbolle", "count": 10, "unitPriceExcludingVatCurrency": 30, "vatType": {"id": vat}}]);
    let order = api.post(
        "/order",
        json!({"customer": {"id": customer}, "orderDate": "2026-12-02", "deliveryDate": "2026-12-02", "orderLines": lines}),
    );
    let order = order["value"]["id"].as_i64().unwrap_or_default();
    let invoice = api.put(&format!("/order/{order}/:invoice?invoiceDate=2026-12-02"), None);
    let invoice = invoice["value"]["id"].as_i64().unwrap_or_default();
    let bank = api.find("/invoice/paymentType", "description", "Betalt til bank");
    if api.step("payment") {
        api.put(
            &format!("/invoice/{invoice}/:payment?paymentDate=2026-12-10&paymentTypeId={bank}&paidAmount=375"),
            None,
        );
    }
}

fn voucher_rent(api: &mut Api) {
    let rent = api.find("/ledger/account?number=6300", "number", "6300");
    let bank = api.find("/ledger/account?number=1920", "number", "1920");
    if api.step("voucher") {
        api.post(
            "/ledger/voucher",
            json!({"date": "2026-12-05", "description": "Husleie desember", "postings": [
                {"row": 1, "account": {"id": rent}, "amountGross": 12000, "amountGrossCurrency": 12000},
                {"row": 2, "account": {"id": bank}, "amountGross": -12000, "amountGrossCurrency": -12000}
            ]}),
        );
    }
}

fn travel_expense(api: &mut Api) {
    let employee = api.find("/employee?count=1000", "email", "kari@fjellvind.example");
    let travel = api.post(
        "/travelExpense",
        json!({"employee": {"id": employee}, "title": "Kundebesøk Bergen"}),
    );
    let travel = travel["value"]["id"].as_i64().unwrap_or_default();
    let category = api.get("/travelExpense/costCategory?count=1");
    let category = category["values"][0]["id"].as_i64().unwrap_or_default();
    let private = api.find("/travelExpense/paymentType", "description", "Privat utlegg");
    if api.step("cost") {
        api.post(
            "/travelExpense/cost",
            json!({"travelExpense": {"id": travel}, "costCategory": {"id": category}, "paymentType": {"id": private},
                "date": "2026-12-01", "amountCurrencyIncVat": 450, "comments": "Taxi"}),
        );
    }
    if api.step("deliver") {
        api.put(&format!("/travelExpense/:deliver?id={travel}"), None);
    }
}

fn options(agent: &Agent, parallel: usize) -> Options {
    Options {
        agent: agent.url.clone(),
        agent_token: None,
        parallel,
        timeout: Duration::from_secs(30),
        repeat: 1,
        bind: (std::net::Ipv4Addr::LOCALHOST, 0).into(),
        public_url: None,
    }
}

fn builtin_tasks() -> Vec<Task> {
    builtin::tasks().expect("the built-in tasks are valid")
}

fn only(task: &str) -> Vec<Task> {
    builtin_tasks().into_iter().filter(|t| t.id() == task).collect()
}

fn run(tasks: &[Task], options: &Options) -> Report {
    eval_run::run(tasks, options).expect("eval runs")
}

/// Each run's task, outcome and points, for whole comparisons.
fn outcomes(report: &Report) -> Vec<(String, Outcome, u32, u32)> {
    report
        .runs
        .iter()
        .map(|r| (r.task.clone(), r.outcome, r.points, r.max_points))
        .collect()
}

#[test]
fn the_reference_agent_scores_full_points_on_every_builtin_task_in_every_language() {
    let agent = spawn_agent(Behaviour::Solve);
    let tasks = builtin_tasks();
    let report = run(&tasks, &options(&agent, 2));
    let full: Vec<(String, Outcome, u32, u32)> = tasks
        .iter()
        .flat_map(|t| {
            t.file
                .prompts
                .iter()
                .map(|_| (t.id().to_owned(), Outcome::Answered, t.max_points(), t.max_points()))
        })
        .collect();
    assert_eq!(outcomes(&report), full, "{}", report.text());
    let languages: HashSet<&str> = report.runs.iter().map(|r| r.language.as_str()).collect();
    assert_eq!(languages, HashSet::from(["nb", "en"]));
    assert_eq!(report.overall().client_errors, 0, "{}", report.text());
}

#[test]
fn every_builtin_task_fails_against_an_untouched_company() {
    let agent = spawn_agent(Behaviour::Idle);
    let report = run(&builtin_tasks(), &options(&agent, 2));
    let full: Vec<&str> = report
        .runs
        .iter()
        .filter(|r| r.points >= r.max_points)
        .map(|r| r.task.as_str())
        .collect();
    assert!(
        full.is_empty(),
        "full points without the agent doing anything: {full:?}"
    );
    assert_eq!(report.overall().calls, 0);
}

#[test]
fn a_step_left_out_costs_exactly_the_points_of_what_it_makes() {
    // (task, step, points of the score without it)
    let cases = [
        ("create-departments", "lager", 5 - 2 - 1),
        ("travel-expense", "deliver", 7 - 1),
        ("travel-expense", "cost", 7 - 3),
        ("order-invoice-payment", "payment", 7 - 2),
        ("invoice-customer", "invoice", 12 - 6 - 1),
        ("update-customer", "update", 5 - 3),
        ("create-customer", "customer", 0),
        ("import-customers", "line 2", 7 - 3 - 1),
        ("credit-note", "credit", 0),
        ("invoice-partial-payment", "payment", 1),
        ("employee-contract", "details", 10 - 4),
        ("approve-travel-expense", "approve", 1),
        ("supplier-invoice", "voucher", 0),
    ];
    for (task, step, expected) in cases {
        let agent = spawn_agent(Behaviour::Skip(step));
        let report = run(&only(task), &options(&agent, 2));
        let points: Vec<u32> = report.runs.iter().map(|r| r.points).collect();
        assert_eq!(
            points,
            [expected, expected],
            "{task} without {step}:\n{}",
            report.text()
        );
    }
}

#[test]
fn the_calls_and_4xx_answers_reported_are_the_ones_the_agent_made() {
    let agent = spawn_agent(Behaviour::Stumble);
    let tasks: Vec<Task> = builtin_tasks()
        .into_iter()
        .filter(|t| ["create-product", "travel-expense", "voucher-rent"].contains(&t.id()))
        .collect();
    let report = run(&tasks, &options(&agent, 3));
    let seen = agent.seen.lock().expect("not poisoned");
    for run in &report.runs {
        let (_, calls, errors) = seen
            .runs
            .iter()
            .find(|(base, _, _)| base.contains(&run.sandbox))
            .expect("the agent was called for every run");
        assert_eq!((run.calls, run.client_errors), (*calls, *errors), "{}", run.task);
        assert_eq!(run.client_errors, 1, "the stumble is the one refusal");
        assert_eq!(run.points, run.max_points, "{}", report.text());
    }
}

#[test]
fn a_timeout_a_500_and_an_unreachable_agent_are_each_reported_per_run_and_the_run_goes_on() {
    let tasks: Vec<Task> = builtin_tasks().into_iter().take(2).collect();
    let slow = spawn_agent(Behaviour::Sleep(Duration::from_secs(3)));
    let failing = spawn_agent(Behaviour::Fail);
    let closed = TcpListener::bind("127.0.0.1:0").expect("a port");
    let unreachable = format!("http://{}", closed.local_addr().expect("an address"));
    drop(closed);
    let cases = [
        (slow.url.clone(), Outcome::Timeout),
        (failing.url.clone(), Outcome::AgentError),
        (unreachable, Outcome::Unreachable),
    ];
    for (url, expected) in cases {
        let options = Options {
            agent: url,
            timeout: Duration::from_millis(700),
            ..options(&failing, 2)
        };
        let report = run(&tasks, &options);
        let seen: Vec<Outcome> = report.runs.iter().map(|r| r.outcome).collect();
        assert_eq!(seen, vec![expected; 4], "{}", report.text());
        assert!(report.runs.iter().all(|r| r.message.is_some()), "{}", report.text());
    }
}

#[test]
fn parallel_runs_never_share_a_sandbox() {
    let agent = spawn_agent(Behaviour::Solve);
    let options = Options {
        repeat: 3,
        ..options(&agent, 4)
    };
    let report = run(&only("create-customer"), &options);
    assert_eq!(report.runs.len(), 6);
    let sandboxes: HashSet<&str> = report.runs.iter().map(|r| r.sandbox.as_str()).collect();
    assert_eq!(sandboxes.len(), 6, "every run has a sandbox of its own");
    let seen = agent.seen.lock().expect("not poisoned");
    let bases: HashSet<&str> = seen.runs.iter().map(|(base, _, _)| base.as_str()).collect();
    assert_eq!(bases.len(), 6, "the agent was given six different base URLs");
    // Each sandbox holds one new customer: had two runs shared one, its count check would fail.
    assert!(
        report.runs.iter().all(|r| r.points == r.max_points),
        "{}",
        report.text()
    );
}

#[test]
fn the_agent_token_is_sent_as_a_bearer_token() {
    let agent = spawn_agent(Behaviour::Idle);
    let options = Options {
        agent_token: Some("s3cret".into()),
        ..options(&agent, 1)
    };
    run(&only("create-employee"), &options);
    let seen = agent.seen.lock().expect("not poisoned");
    assert_eq!(seen.authorizations, vec![Some("Bearer s3cret".to_owned()); 2]);
}

#[test]
fn the_json_report_holds_every_run_and_the_totals() {
    let agent = spawn_agent(Behaviour::Skip("deliver"));
    let report = run(&only("travel-expense"), &options(&agent, 2));
    let text = report.json().to_string();
    let parsed: Value = serde_json::from_str(&text).expect("the JSON report parses");
    let mut overall = parsed["overall"].clone();
    overall["seconds"] = json!(0);
    assert_eq!(
        overall,
        json!({"runs": 2, "passed": 0, "points": 12, "maxPoints": 14, "correctness": 12.0 / 14.0,
            "calls": report.overall().calls, "clientErrors": 0, "seconds": 0})
    );
    assert_eq!(parsed["tasks"][0]["task"], "travel-expense");
    let run = &parsed["runs"][0];
    assert_eq!(
        (&run["task"], &run["language"], &run["outcome"], &run["points"]),
        (&json!("travel-expense"), &json!("nb"), &json!("answered"), &json!(6))
    );
    let lost: Vec<&Value> = run["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["points"] != c["maxPoints"])
        .map(|c| &c["failures"])
        .collect();
    assert_eq!(lost, [&json!(["state: \"OPEN\" (expected \"DELIVERED\")"])]);
}

/// Checks that a text is well-formed XML as far as a JUnit reader needs: balanced tags,
/// quoted attributes, known entities. Returns the element names in document order.
fn xml_elements(text: &str) -> Vec<String> {
    let body = text
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("an XML declaration");
    let mut open: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find('<') {
        let content = &rest[..at];
        for entity in content.split('&').skip(1) {
            let name = entity.split(';').next().unwrap_or_default();
            assert!(
                ["amp", "lt", "gt", "quot", "apos"].contains(&name),
                "unknown entity &{name};"
            );
        }
        let end = rest[at..].find('>').expect("a tag ends") + at;
        let tag = &rest[at + 1..end];
        assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes in <{tag}>");
        if let Some(closing) = tag.strip_prefix('/') {
            assert_eq!(
                open.pop().as_deref(),
                Some(closing),
                "</{closing}> closes the wrong element"
            );
        } else {
            let name = tag
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_owned();
            names.push(name.clone());
            if !tag.ends_with('/') {
                open.push(name);
            }
        }
        rest = &rest[end + 1..];
    }
    assert!(open.is_empty(), "unclosed elements: {open:?}");
    names
}

#[test]
fn the_junit_report_is_well_formed_with_a_suite_per_task_and_a_failure_per_run_short_of_full_points() {
    let agent = spawn_agent(Behaviour::Skip("deliver"));
    let tasks: Vec<Task> = builtin_tasks()
        .into_iter()
        .filter(|t| ["travel-expense", "create-employee"].contains(&t.id()))
        .collect();
    let report = run(&tasks, &options(&agent, 2));
    let junit = report.junit();
    let names = xml_elements(&junit);
    let count = |name: &str| names.iter().filter(|n| *n == name).count();
    assert_eq!(
        (
            count("testsuites"),
            count("testsuite"),
            count("testcase"),
            count("failure")
        ),
        (1, 2, 4, 2),
        "{junit}"
    );
    assert!(
        junit.contains("<testsuites name=\"tripletex-sandbox eval\" tests=\"4\" failures=\"2\""),
        "{junit}"
    );
    assert!(
        junit.contains("state: &quot;OPEN&quot; (expected &quot;DELIVERED&quot;)"),
        "{junit}"
    );
}

#[test]
fn thirty_runs_with_parallel_4_finish_in_under_ten_seconds() {
    let agent = spawn_agent(Behaviour::Solve);
    let tasks = builtin_tasks();
    let options = Options {
        repeat: 30usize.div_ceil(tasks.iter().map(|t| t.file.prompts.len()).sum()),
        ..options(&agent, 4)
    };
    let report = run(&tasks, &options);
    assert!(report.runs.len() >= 30);
    assert!(
        report.runs.iter().all(|r| r.points == r.max_points),
        "{}",
        report.text()
    );
    assert!(
        report.seconds < 10.0,
        "{} runs took {:.2} s",
        report.runs.len(),
        report.seconds
    );
}

#[test]
fn the_control_plane_scores_a_sandbox_a_test_drove_itself() {
    use crate::helpers::spawn_app;
    let app = spawn_app();
    let session = app.session_with_everything();
    let made = app.call_as(
        reqwest::Method::POST,
        "0",
        &session,
        "/v2/customer",
        Some(&json!({"name": "Fjordkraft AS", "email": "post@fjordkraft.example"})),
    );
    assert_eq!(made.status, 201, "{}", made.body);
    let checks = json!({"companyId": 1001, "checks": [
        {"name": "c", "description": "the customer", "resource": "customer", "where": {"name": "Fjordkraft AS"},
         "points": 2, "fields": [
            {"path": "email", "equals": "post@fjordkraft.example", "points": 1},
            {"path": "organizationNumber", "equals": "923456781", "points": 1}]},
        {"description": "one new customer", "resource": "customer", "new": true, "count": 1, "points": 1},
        {"description": "no supplier of that name", "resource": "supplier", "where": {"name": "Fjordkraft AS"}, "count": 0, "points": 1}
    ]});
    let scored = app.control(reqwest::Method::POST, "/_sandbox/score", None, Some(checks));
    assert_eq!(scored.status, 200, "{}", scored.body);
    let id = made.body["value"]["id"].as_i64();
    assert_eq!(
        scored.body["value"],
        json!({"points": 5, "maxPoints": 6, "correctness": 5.0 / 6.0, "checks": [
            {"description": "the customer", "points": 3, "maxPoints": 4, "found": id,
             "failures": ["organizationNumber: \"\" (expected \"923456781\")"]},
            {"description": "one new customer", "points": 1, "maxPoints": 1, "found": null, "failures": []},
            {"description": "no supplier of that name", "points": 1, "maxPoints": 1, "found": null, "failures": []}
        ]})
    );
}

#[test]
fn the_control_plane_names_a_wrong_check_by_its_path() {
    use crate::helpers::spawn_app;
    let app = spawn_app();
    let body = json!({"checks": [{"description": "x", "resource": "kunde", "points": 1}]});
    let scored = app.control(reqwest::Method::POST, "/_sandbox/score", None, Some(body));
    assert_eq!(
        (scored.status, &scored.body["code"]),
        (422, &json!(18000)),
        "{}",
        scored.body
    );
    assert_eq!(scored.body["validationMessages"][0]["field"], "checks[0].resource");
}

#[test]
fn the_binary_exits_1_under_min_score_and_prints_the_report_asked_for() {
    use crate::helpers::BIN;
    let solver = spawn_agent(Behaviour::Solve);
    let passed = std::process::Command::new(BIN)
        .args([
            "eval",
            "--agent",
            &solver.url,
            "--parallel",
            "4",
            "--min-score",
            "1",
            "--format",
            "junit",
        ])
        .output()
        .expect("the binary runs");
    let junit = String::from_utf8_lossy(&passed.stdout);
    assert!(
        passed.status.success(),
        "{junit}\n{}",
        String::from_utf8_lossy(&passed.stderr)
    );
    assert!(xml_elements(&junit).iter().any(|n| n == "testcase"), "{junit}");
    let idle = spawn_agent(Behaviour::Idle);
    let failed = std::process::Command::new(BIN)
        .args([
            "eval",
            "--agent",
            &idle.url,
            "--min-score",
            "0.5",
            "--format",
            "json",
            "--timeout",
            "1m",
        ])
        .output()
        .expect("the binary runs");
    assert_eq!(failed.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&failed.stdout).expect("a JSON report");
    assert_eq!(report["overall"]["passed"], 0);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("under --min-score 50.0%"), "{stderr}");
}

/// A directory of its own under the system's temporary directory, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("tripletex-eval-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        Self(path)
    }

    fn write(&self, name: &str, text: &str) -> std::path::PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("the file is written");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const OWN_TASK: &str = r#"{"id": "own-customer", "prompts": [{"language": "en", "text": "Create the customer Fjordkraft AS."}],
  "checks": [{"description": "the customer", "resource": "customer", "where": {"name": "Fjordkraft AS"}, "points": 1}]}"#;

#[test]
fn a_directory_of_task_files_is_loaded_in_name_order_and_its_problems_name_file_and_path() {
    let dir = TempDir::new("tasks");
    dir.write("b.json", OWN_TASK);
    dir.write("a.json", &OWN_TASK.replace("own-customer", "own-first"));
    dir.write("notes.txt", "not a task");
    let spec = dir.0.display().to_string();
    let ids: Vec<String> = eval_run::load_tasks(&spec)
        .expect("both tasks load")
        .iter()
        .map(|t| t.id().to_owned())
        .collect();
    assert_eq!(ids, ["own-first", "own-customer"]);
    let bad = dir.write(
        "c.json",
        &OWN_TASK.replace("\"customer\", \"where\"", "\"kunde\", \"where\""),
    );
    let Err(report) = eval_run::load_tasks(&spec) else {
        panic!("a wrong task was accepted");
    };
    assert!(
        report.starts_with(&format!(
            "{}: checks[0].resource: unknown resource \"kunde\"",
            bad.display()
        )),
        "{report}"
    );
    let (checked, valid) = tripletex_sandbox::commands::check(&[&bad]);
    assert!(!valid);
    assert_eq!(checked, format!("{report}\n"));
}

#[test]
fn a_users_own_task_runs_against_the_agent() {
    let dir = TempDir::new("own");
    let file = dir.write("own.json", OWN_TASK);
    let tasks = eval_run::load_tasks(&file.display().to_string()).expect("the task loads");
    let idle = spawn_agent(Behaviour::Idle);
    let report = run(&tasks, &options(&idle, 1));
    assert_eq!(
        outcomes(&report),
        [("own-customer".to_owned(), Outcome::Answered, 0, 1)]
    );
}

/// What the emulator itself spends per run (the sandbox and its session before the agent, the
/// scoring after it) is reported apart from the agent's time; tools/eval-bench.py holds it to its
/// target (a benchmark, not a timed test).
#[test]
fn each_run_reports_what_the_emulator_itself_spent_apart_from_the_agent() {
    let idle = spawn_agent(Behaviour::Idle);
    let report = run(&only("create-customer"), &options(&idle, 1));
    assert!(!report.runs.is_empty());
    for run in &report.runs {
        assert!(
            run.setup_seconds > 0.0 && run.score_seconds > 0.0,
            "setup {} s, scoring {} s",
            run.setup_seconds,
            run.score_seconds
        );
        assert!(run.setup_seconds + run.score_seconds <= run.seconds, "{run:?}");
    }
    let json = report.json();
    let first = &json["runs"][0];
    assert_eq!(first["setupSeconds"].as_f64(), Some(report.runs[0].setup_seconds));
    assert_eq!(first["scoreSeconds"].as_f64(), Some(report.runs[0].score_seconds));
}

#[test]
fn the_agent_reaches_the_api_and_not_the_control_plane_of_its_sandbox() {
    let agent = spawn_agent(Behaviour::Peek);
    run(&only("create-customer"), &options(&agent, 1));
    let seen = agent.seen.lock().expect("not poisoned");
    assert_eq!(seen.peeks, [401, 401]);
}

#[test]
fn an_agent_elsewhere_is_given_the_public_url() {
    let agent = spawn_agent(Behaviour::Idle);
    let options = Options {
        public_url: Some("http://host.docker.internal:18080/".into()),
        ..options(&agent, 1)
    };
    let report = run(&only("create-customer"), &options);
    let seen = agent.seen.lock().expect("not poisoned");
    let bases: Vec<String> = seen.runs.iter().map(|(base, _, _)| base.clone()).collect();
    let expected: Vec<String> = report
        .runs
        .iter()
        .map(|r| format!("http://host.docker.internal:18080/sb/{}/v2", r.sandbox))
        .collect();
    let (mut bases, mut expected) = (bases, expected);
    bases.sort();
    expected.sort();
    assert_eq!(bases, expected);
}

#[test]
fn a_task_for_a_client_of_an_accounting_office_names_the_company_and_scores_the_client() {
    let task = r#"{"id": "client-task", "seed": {"scenario": "quickstart", "key": 7101, "company": 2102},
        "prompts": [{"language": "en", "text": "Look at the client's customers."}],
        "checks": [{"description": "the client's seeded customer is there", "resource": "customer",
                    "where": {"name": "Kunde Eksempel AS"}, "count": 1, "points": 1}]}"#;
    let task = tripletex_sandbox::eval::task::parse("client.json", task).expect("the task is valid");
    assert_eq!((task.key, task.company), (7101, 2102));
    let idle = spawn_agent(Behaviour::Idle);
    let report = run(&[task], &options(&idle, 1));
    assert_eq!(outcomes(&report), [("client-task".to_owned(), Outcome::Answered, 1, 1)]);
    assert_eq!(idle.seen.lock().expect("not poisoned").companies, [json!(2102)]);
}
