//! The real binary on port 0: help, the startup line, credentials that open a session, startup
//! errors, `scenarios` subcommands, a curl + jq session, seeds and `--db` persistence.

use crate::helpers::{BIN, FUTURE, serve, serve_command, spawn_with};
use reqwest::Method;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use tripletex_sandbox::config::Config;

/// The first credential a served emulator lists whose key is (or is not) an office key.
fn served_credential(base: &str, accountant_key: bool) -> serde_json::Value {
    let credentials: serde_json::Value = reqwest::blocking::get(format!("{base}/_sandbox/credentials"))
        .unwrap()
        .json()
        .unwrap();
    credentials["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["accountantKey"] == accountant_key)
        .cloned()
        .unwrap()
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tripletex-sandbox-test-{}-{name}", std::process::id()))
}

#[test]
fn help_describes_the_commands() {
    let output = Command::new(BIN).arg("--help").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("serve") && text.contains("scenarios"), "{text}");
    let serve_help = Command::new(BIN).args(["serve", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&serve_help.stdout);
    assert!(
        text.contains("TRIPLETEX_SANDBOX_PORT") && text.contains("--seed"),
        "{text}"
    );
}

#[test]
fn the_printed_credentials_open_a_session() {
    let served = serve(&["--port", "0"]);
    assert!(served.base.starts_with("http://127.0.0.1:"), "{}", served.base);
    assert_eq!(
        served.banner.iter().filter(|l| l.starts_with("listening on")).count(),
        1
    );
    let token = |label: &str| {
        served
            .banner
            .iter()
            .find_map(|l| l.trim().strip_prefix(label).map(|t| t.trim().to_owned()))
            .expect(label)
    };
    let client = reqwest::blocking::Client::new();
    let reply: serde_json::Value = client
        .put(format!("{}/v2/token/session/:create", served.base))
        .query(&[
            ("consumerToken", token("consumerToken:")),
            ("employeeToken", token("employeeToken:")),
            ("expirationDate", FUTURE.to_owned()),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let session = reply["value"]["token"].as_str().expect("a session token");
    let who = client
        .get(format!("{}/v2/token/session/%3EwhoAmI", served.base))
        .basic_auth("0", Some(session))
        .send()
        .unwrap();
    assert_eq!(who.status(), 200);
}

#[test]
fn flags_have_environment_twins() {
    let mut child = Command::new(BIN)
        .arg("serve")
        .env("TRIPLETEX_SANDBOX_PORT", "0")
        .env("TRIPLETEX_SANDBOX_SCENARIO", "regenerated-key")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let second = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        first.starts_with("listening on http://127.0.0.1:") && !first.ends_with(":8080"),
        "{first}"
    );
    assert!(second.contains("regenerated-key"), "{second}");
}

#[test]
fn a_bad_scenario_is_a_startup_error_that_says_how_to_fix_it() {
    let output = Command::new(BIN)
        .args(["serve", "--port", "0", "--scenario", "no-such-scenario"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("quickstart"), "names the embedded scenarios: {text}");

    let path = temp_path("broken.json");
    std::fs::write(
        &path,
        r#"{"name": "x", "description": "y", "world": {"companies": [{"id": 1, "nme": "typo"}]}}"#,
    )
    .unwrap();
    let output = Command::new(BIN)
        .args(["serve", "--port", "0", "--scenario"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("world.companies[0]") && text.contains("nme"), "{text}");
}

#[test]
fn scenarios_check_names_file_path_and_fix() {
    let good = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.json");
    let output = Command::new(BIN)
        .args(["scenarios", "check"])
        .arg(&good)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));

    let bad = temp_path("dangling.json");
    std::fs::write(
        &bad,
        r#"{"name": "dangling", "description": "d", "fixtures": ["integration-catalog"], "world": {
            "companies": [{"id": 1, "name": "A", "kind": "standalone", "package": "BASIS", "integrationsEnabled": true}],
            "people": [{"id": 2, "companyId": 1, "firstName": "A", "lastName": "B"}],
            "keys": [{"id": 3, "name": "k", "personId": 99, "integrationId": 101, "token": "same"},
                     {"id": 4, "name": "k2", "personId": 2, "integrationId": 555, "token": "same"}]}}"#,
    )
    .unwrap();
    let output = Command::new(BIN)
        .args(["scenarios", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    let shown = bad.display().to_string();
    for expected in [
        format!("{shown}: world.companies[0].integrationsEnabled: "),
        format!("{shown}: world.keys[0].personId: no person has id 99"),
        format!("{shown}: world.keys[1].integrationId: no integration has id 555"),
        format!("{shown}: world.keys[1].token: this token is already used at world.keys[0].token"),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn scenarios_list_and_show_the_embedded_library() {
    let output = Command::new(BIN).args(["scenarios", "list"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for (name, _) in tripletex_sandbox::scenario::EMBEDDED_SCENARIOS {
        assert!(text.contains(name), "{name} in {text}");
    }
    let shown = Command::new(BIN)
        .args(["scenarios", "show", "quickstart"])
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(value["name"], "quickstart");
    let missing = Command::new(BIN).args(["scenarios", "show", "nope"]).output().unwrap();
    assert!(!missing.status.success());
}

#[test]
fn a_curl_and_jq_session_works_unchanged() {
    let served = serve(&["--port", "0"]);
    let office = &served_credential(&served.base, true);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/mint-and-who-am-i.sh");
    for company in ["0", "2101"] {
        let output = Command::new("bash")
            .arg(&script)
            .env("API_HOST", &served.base)
            .env("CONSUMER_TOKEN", office["consumerToken"].as_str().unwrap())
            .env("EMPLOYEE_TOKEN", office["employeeToken"].as_str().unwrap())
            .env("COMPANY_ID", company)
            .env("EXPIRATION_DATE", FUTURE)
            .output()
            .expect("bash runs (curl and jq must be installed)");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let who: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("JSON from whoAmI: {text}"));
        let expected = if company == "0" {
            office["companyId"].clone()
        } else {
            serde_json::json!(2101)
        };
        assert_eq!(who["value"]["companyId"], expected);
    }
    let refused = Command::new("bash")
        .arg(&script)
        .env("API_HOST", &served.base)
        .env("CONSUMER_TOKEN", office["consumerToken"].as_str().unwrap())
        .env("EMPLOYEE_TOKEN", "not-a-token")
        .env("EXPIRATION_DATE", FUTURE)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stdout).contains("Error generating session token"));
}

/// The whole example flow (FLOW=full): whoAmI, list, create and read a customer, log out, and
/// the dead session refused; for a company's own key and for an office key acting as a client.
#[test]
fn the_curl_and_jq_example_flow_runs_end_to_end() {
    let served = serve(&["--port", "0"]);
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/mint-and-who-am-i.sh");
    for (office, company) in [(false, "0"), (true, "2101")] {
        let credential = &served_credential(&served.base, office);
        let output = Command::new("bash")
            .arg(&script)
            .env("FLOW", "full")
            .env("API_HOST", &served.base)
            .env("CONSUMER_TOKEN", credential["consumerToken"].as_str().unwrap())
            .env("EMPLOYEE_TOKEN", credential["employeeToken"].as_str().unwrap())
            .env("COMPANY_ID", company)
            .env("EXPIRATION_DATE", FUTURE)
            .output()
            .expect("bash runs (curl and jq must be installed)");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for step in [
            "step who-am-i: 200",
            "step list-customers: 200",
            "step create-customer: 201",
            "step read-customer: 200 {\"id\":",
            "step log-out: 204",
            "step dead-session: 401",
        ] {
            assert!(text.contains(step), "{step} in:\n{text}");
        }
        let expected = if office {
            "2101".to_owned()
        } else {
            credential["companyId"].to_string()
        };
        assert!(text.contains(&format!("\"companyId\":{expected}")), "{text}");
    }
}

#[test]
fn the_same_seed_generates_the_same_tokens() {
    let path = temp_path("unpinned.json");
    std::fs::write(
        &path,
        r#"{"name": "unpinned", "description": "tokens generated", "world": {
            "integrations": [{"id": 1, "applicationName": "App"}],
            "companies": [{"id": 1, "name": "A", "kind": "standalone", "package": "SMART", "integrationsEnabled": true}],
            "people": [{"id": 2, "companyId": 1, "firstName": "A", "lastName": "B"}],
            "keys": [{"id": 3, "name": "k", "personId": 2, "integrationId": 1}]}}"#,
    )
    .unwrap();
    let config = |seed| Config {
        scenario: path.display().to_string(),
        seed,
        ..Config::for_tests()
    };
    let tokens = |app: &crate::helpers::TestApp| {
        let c = app.credential(false);
        (c["consumerToken"].clone(), c["employeeToken"].clone())
    };
    let a = tokens(&spawn_with(config(Some(7))));
    let b = tokens(&spawn_with(config(Some(7))));
    let c = tokens(&spawn_with(config(Some(8))));
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.0.as_str().unwrap().starts_with("test-eyJ"));
    let app = spawn_with(config(Some(7)));
    let session = app.session_for(&app.credential(false));
    assert_eq!(app.get_as("0", &session, "/v2/token/session/%3EwhoAmI").status, 200);
}

#[test]
fn a_database_file_serves_the_same_world_after_a_restart() {
    let path = temp_path("world.db");
    let _ = std::fs::remove_file(&path);
    let config = || Config {
        db: Some(path.clone()),
        ..Config::for_tests()
    };
    let first = spawn_with(config());
    let credential = first.credential(true);
    let session = first.session_for(&credential);
    // A second emulator on the same file sees the world and the session the first one wrote.
    let second = spawn_with(Config {
        scenario: "regenerated-key".into(),
        ..config()
    });
    assert_eq!(second.credentials(), first.credentials());
    assert_eq!(second.get("/_sandbox/health").body["value"]["scenario"], "quickstart");
    let who = second.get_as("2101", &session, "/v2/token/session/%3EwhoAmI");
    assert_eq!(who.status, 200);
    let new_session = second.session_for(&credential);
    assert_ne!(new_session, session, "ids continue after the stored ones");
}

#[test]
fn off_loopback_serve_refuses_to_start_without_an_admin_token() {
    let output = Command::new(BIN)
        .args(["serve", "--port", "0", "--bind", "0.0.0.0"])
        .env_remove("TRIPLETEX_SANDBOX_ADMIN_TOKEN")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        text.contains("--admin-token") && text.contains("TRIPLETEX_SANDBOX_ADMIN_TOKEN") && text.contains("127.0.0.1"),
        "says how to fix it: {text}"
    );

    // With a token (here from the environment twin) it serves, and guards /_sandbox.
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--port", "0", "--bind", "0.0.0.0"])
        .env("TRIPLETEX_SANDBOX_ADMIN_TOKEN", "a-long-enough-admin-token")
        .stderr(Stdio::null());
    let served = serve_command(command);
    let base = served.base.replace("0.0.0.0", "127.0.0.1");
    assert!(
        served.banner.iter().any(|l| l.contains("asks for the admin token")),
        "{:?}",
        served.banner
    );
    let client = reqwest::blocking::Client::new();
    let open = client.get(format!("{base}/_sandbox/credentials")).send().unwrap();
    let guarded = client
        .get(format!("{base}/_sandbox/credentials"))
        .bearer_auth("a-long-enough-admin-token")
        .send()
        .unwrap();
    assert_eq!((open.status().as_u16(), guarded.status().as_u16()), (401, 200));
}

#[test]
fn rust_log_info_writes_an_access_log_line_per_request() {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--port", "0"])
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped());
    let mut served = serve_command(command);
    let reply = reqwest::blocking::get(format!("{}/_sandbox/health", served.base)).unwrap();
    let request_id = reply.headers()["x-tlx-request-id"].to_str().unwrap().to_owned();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let _ = served.child.kill();
    let _ = served.child.wait();
    let mut log = String::new();
    use std::io::Read as _;
    served.child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains("GET /_sandbox/health"))
        .unwrap_or_default();
    assert!(line.contains(" 200 ") && line.contains(&request_id), "{log}");
}

#[test]
fn scenarios_run_executes_the_expect_list_and_fails_on_a_wrong_answer() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    let output = Command::new(BIN)
        .args(["scenarios", "run"])
        .args(&files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert_eq!(text.matches("expectations hold").count(), files.len(), "{text}");
    assert!(!text.contains("FAIL"), "{text}");

    let path = temp_path("wrong-expectation.json");
    std::fs::write(
        &path,
        r#"{"name": "wrong", "description": "an expectation that does not hold", "world": {
            "integrations": [{"id": 1, "applicationName": "App"}],
            "companies": [{"id": 1, "name": "A", "kind": "standalone", "package": "SMART", "integrationsEnabled": true}],
            "people": [{"id": 2, "companyId": 1, "firstName": "A", "lastName": "B", "roles": ["ACCOUNT_ADMINISTRATOR"]}],
            "keys": [{"id": 3, "name": "k", "personId": 2, "integrationId": 1}]},
          "expect": [
            {"description": "minting works", "request": {"mint": {"key": 3}}, "status": 200},
            {"description": "wrongly expected to be refused", "request": {"mint": {"key": 3}}, "status": 422, "code": 18000}
          ]}"#,
    )
    .unwrap();
    let output = Command::new(BIN)
        .args(["scenarios", "run"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{text}");
    assert!(
        text.contains("expect[0] pass")
            && text.contains("expect[1] FAIL")
            && text.contains("status 200 (expected 422)"),
        "{text}"
    );
    assert!(text.contains("1 of 2 expectations hold"), "{text}");
}

/// The bakery's first customers: changes the first, deletes the second, creates one; answers the
/// created customer's id.
fn change_customers(app: &crate::helpers::TestApp) -> i64 {
    let session = app.session_for(&app.credential(false));
    let send = |method, path: &str, body: Option<serde_json::Value>| {
        let reply = app.call_as(method, "0", &session, path, body.as_ref());
        assert!(reply.status < 300, "{path}: {}", reply.body);
        reply.body
    };
    let seeded = send(Method::GET, "/v2/customer?fields=id,version&count=2", None)["values"].clone();
    send(
        Method::PUT,
        &format!("/v2/customer/{}", seeded[0]["id"]),
        Some(serde_json::json!({"name": "Endret AS", "version": seeded[0]["version"]})),
    );
    send(Method::DELETE, &format!("/v2/customer/{}", seeded[1]["id"]), None);
    send(
        Method::POST,
        "/v2/customer",
        Some(serde_json::json!({"name": "Lagret Kunde AS"})),
    )["value"]["id"]
        .as_i64()
        .unwrap()
}

#[test]
fn a_saved_state_file_is_a_scenario_for_serve() {
    let app = crate::helpers::spawn_app();
    let made = change_customers(&app);
    let state = app.get("/_sandbox/state").body;
    let path = temp_path("saved-state.json");
    std::fs::write(&path, serde_json::to_string_pretty(&state).unwrap()).unwrap();

    let served = serve(&["--port", "0", "--scenario", path.to_str().unwrap()]);
    let client = reqwest::blocking::Client::new();
    let loaded: serde_json::Value = client
        .get(format!("{}/_sandbox/state", served.base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(loaded["objects"], state["objects"], "the objects as saved");
    assert_eq!(loaded["world"], state["world"]);
    let bakery = served_credential(&served.base, false);
    let session: serde_json::Value = client
        .put(format!("{}/v2/token/session/:create", served.base))
        .query(&[
            ("consumerToken", bakery["consumerToken"].as_str().unwrap()),
            ("employeeToken", bakery["employeeToken"].as_str().unwrap()),
            ("expirationDate", FUTURE),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    let customer: serde_json::Value = client
        .get(format!("{}/v2/customer/{made}", served.base))
        .basic_auth("0", session["value"]["token"].as_str())
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(customer["value"]["name"], "Lagret Kunde AS", "{customer}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_database_file_exports_only_what_differs_from_the_seed() {
    let path = temp_path("exported.db");
    let _ = std::fs::remove_file(&path);
    let file = spawn_with(Config {
        db: Some(path.clone()),
        ..Config::for_tests()
    });
    assert!(
        file.get("/_sandbox/state").body.get("objects").is_none(),
        "a file's own seed objects are not exported"
    );
    let made = change_customers(&file);
    let state = file.get("/_sandbox/state").body;
    let objects = state["objects"].as_object().unwrap();
    assert_eq!(objects.keys().collect::<Vec<_>>(), ["customer"], "{objects:?}");
    let stored = state["objects"]["customer"]["stored"].as_array().unwrap();
    assert_eq!(stored.len(), 2, "the changed and the created customer: {stored:?}");
    assert_eq!(stored[1]["id"], made);
    assert_eq!(state["objects"]["customer"]["deleted"].as_array().unwrap().len(), 1);

    // The same world in memory exports the same objects, and back into the file as well.
    let memory = crate::helpers::spawn_app();
    let put = memory.send(memory.request(reqwest::Method::PUT, "/_sandbox/state").json(&state));
    assert_eq!(put.status, 204, "{}", put.body);
    assert_eq!(memory.get("/_sandbox/state").body, state);
    let again = file.send(file.request(reqwest::Method::PUT, "/_sandbox/state").json(&state));
    assert_eq!(again.status, 204, "{}", again.body);
    assert_eq!(file.get("/_sandbox/state").body, state);
    drop(file);
    let _ = std::fs::remove_file(&path);
}

/// A database file another program holds a write transaction on (a user's sqlite3 shell)
/// refuses a world swap with a 503 that says so, not a 500, and changes nothing; once that
/// transaction ends the swap goes through.
#[test]
fn a_reset_of_a_database_file_locked_by_another_program_is_refused_503_until_it_lets_go() {
    let path = temp_path("locked.db");
    let _ = std::fs::remove_file(&path);
    let db = path.to_str().unwrap().to_owned();
    let served = serve(&["--port", "0", "--db", db.as_str()]);
    let client = reqwest::blocking::Client::new();
    let reset = || client.post(format!("{}/_sandbox/reset", served.base)).send().unwrap();
    let shell = rusqlite::Connection::open(&path).unwrap();
    shell.execute_batch("BEGIN IMMEDIATE").unwrap();
    let refused = reset();
    assert_eq!(refused.status(), 503);
    let body: serde_json::Value = refused.json().unwrap();
    assert!(
        body["developerMessage"]
            .as_str()
            .unwrap()
            .contains("locked by another connection"),
        "{body}"
    );
    shell.execute_batch("ROLLBACK").unwrap();
    assert_eq!(reset().status(), 204);
    drop(served);
    let _ = std::fs::remove_file(&path);
}

/// A world swapped on a database file (state import, scenario load, reset) is the world the
/// binary serves after a restart: the same state, and a session minted after the swap still
/// open.
#[test]
fn a_world_swapped_on_a_database_file_is_the_world_after_a_restart() {
    let path = temp_path("swapped.db");
    let _ = std::fs::remove_file(&path);
    let db = path.to_str().unwrap().to_owned();
    let args = ["--port", "0", "--db", db.as_str()];
    let client = reqwest::blocking::Client::new();
    let state = |base: &str| -> serde_json::Value {
        client
            .get(format!("{base}/_sandbox/state"))
            .send()
            .unwrap()
            .json()
            .unwrap()
    };
    let swapped_then_restarted = |swap: &dyn Fn(&str)| {
        let served = serve(&args);
        swap(&served.base);
        let expected = state(&served.base);
        let app = crate::helpers::TestApp::at(&served.base);
        let credential = app.credentials().into_iter().next().expect("a usable key");
        let session = app.session_for(&credential);
        drop(served);
        let again = serve(&args);
        assert_eq!(state(&again.base), expected);
        let app = crate::helpers::TestApp::at(&again.base);
        assert_eq!(app.get_as("0", &session, "/v2/token/session/%3EwhoAmI").status, 200);
        expected
    };
    // A world of its own: changed customers and a client that withdrew its consent.
    let memory = crate::helpers::spawn_app();
    change_customers(&memory);
    let mut world = memory.get("/_sandbox/state").body;
    let relations = world["world"]["accountantRelations"].as_array_mut().unwrap();
    relations
        .iter_mut()
        .filter(|r| r["clientId"] == 2103)
        .for_each(|r| r["apiAccess"] = true.into());
    let import = |base: &str| {
        let put = client
            .put(format!("{base}/_sandbox/state"))
            .json(&world)
            .send()
            .unwrap();
        assert_eq!(put.status(), 204);
    };
    let imported = swapped_then_restarted(&import);
    assert_eq!(imported, world);
    let loaded = swapped_then_restarted(&|base| {
        let body = serde_json::json!({"name": "regenerated-key"});
        let post = client
            .post(format!("{base}/_sandbox/scenario"))
            .json(&body)
            .send()
            .unwrap();
        assert_eq!(post.status(), 200);
    });
    assert_ne!(loaded, imported);
    // A reset goes back to the world last imported.
    let reset = swapped_then_restarted(&|base| {
        import(base);
        let post = client.post(format!("{base}/_sandbox/reset")).send().unwrap();
        assert_eq!(post.status(), 204);
    });
    assert_eq!(reset, world);
    let _ = std::fs::remove_file(&path);
}
