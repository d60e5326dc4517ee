//! Capturing a world over real HTTP: a session recorded through the proxy (`--from`) and live
//! reads of an upstream (`--upstream`) become scenario files that `scenarios check` accepts, and
//! a sandbox loaded from one answers the recorded reads with the recorded fields.

use crate::helpers::{TestApp, spawn_server, spawn_with};
use crate::proxy::{invoice_a_new_customer, recordings, spawn_proxy, temp_dir};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use tripletex_sandbox::config::Config;

fn binary(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tripletex-sandbox"))
        .args(args)
        .env_remove("TRIPLETEX_SANDBOX_UPSTREAM")
        .output()
        .expect("the binary runs")
}

/// `scenarios capture ARGS -o FILE`, then `scenarios check FILE`: both succeed.
fn capture_and_check(args: &[&str], file: &Path) {
    let file = file.display().to_string();
    let mut all = vec!["scenarios", "capture", "-o", &file];
    all.extend_from_slice(args);
    let captured = binary(&all);
    assert!(
        captured.status.success(),
        "{}",
        String::from_utf8_lossy(&captured.stderr)
    );
    let checked = binary(&["scenarios", "check", &file]);
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stdout));
}

/// An emulator holding the scenario file, and a session of its own key.
fn load(file: &Path) -> (TestApp, String) {
    let app = spawn_with(Config {
        scenario: file.display().to_string(),
        ..Config::for_tests()
    });
    let credentials = app.credentials();
    assert_eq!(
        credentials.len(),
        1,
        "one key, for the captured person: {credentials:?}"
    );
    let session = app.session_for(&credentials[0]);
    (app, session)
}

/// Every field of `recorded` (an object's, at any depth) is in `ours` with the same value; `url`
/// fields name the host they were served from and are left out.
fn holds_fields(recorded: &Value, ours: &Value, at: &str) {
    match (recorded, ours) {
        (Value::Object(r), Value::Object(o)) => {
            for (name, value) in r.iter().filter(|(name, _)| name.as_str() != "url") {
                let other = o
                    .get(name)
                    .unwrap_or_else(|| panic!("{at}.{name} is missing in {ours}"));
                holds_fields(value, other, &format!("{at}.{name}"));
            }
        }
        (Value::Array(r), Value::Array(o)) => {
            assert_eq!(r.len(), o.len(), "{at}: {recorded} against {ours}");
            for (i, (a, b)) in r.iter().zip(o).enumerate() {
                holds_fields(a, b, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(recorded, ours, "{at}"),
    }
}

#[test]
fn a_world_captured_from_a_recording_answers_its_reads_with_the_recorded_fields() {
    let upstream = spawn_server();
    let dir = temp_dir("capture-recording");
    let proxy = spawn_proxy(&format!("http://{}", upstream.address), Some(&dir));
    let (_, invoice) = invoice_a_new_customer(&proxy, &upstream);
    let file = dir.with_extension("scenario.json");
    capture_and_check(&["--from", &dir.display().to_string()], &file);

    let (world, session) = load(&file);
    let (_, text) = &recordings(&dir)[0];
    let run: Value = serde_json::from_str(text).expect("the recording");
    let reads: Vec<&Value> = run["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .filter(|c| c["method"] == "GET" && c["template"] != "/token/session/>whoAmI")
        .collect();
    assert_eq!(reads.len(), 1, "the invoice read back");
    for read in reads {
        let path = read["path"].as_str().expect("a path");
        let ours = world.get_as("0", &session, &format!("/v2{path}"));
        assert_eq!(ours.status, 200, "{path}: {}", ours.body);
        holds_fields(&read["response_body"], &ours.body, path);
    }
    // The customer the recording made is the world's own, with its real id.
    let customer = world.get_as("0", &session, &format!("/v2/customer/{}", invoice["customer"]["id"]));
    assert_eq!(
        customer.body["value"]["name"], "Fjordkraft Demo AS",
        "{}",
        customer.body
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn a_world_captured_live_answers_lists_as_the_upstream_did() {
    let upstream = spawn_server();
    let credential = upstream.credential(false);
    let file = temp_dir("capture-live").join("world.json");
    let url = format!("http://{}", upstream.address);
    capture_and_check(
        &[
            "--upstream",
            &url,
            "--consumer-token",
            credential["consumerToken"].as_str().expect("a consumer token"),
            "--employee-token",
            credential["employeeToken"].as_str().expect("an employee token"),
            "--name",
            "bakery",
        ],
        &file,
    );

    let upstream_session = upstream.session_for(&credential);
    let (world, session) = load(&file);
    for path in [
        "/v2/customer?fields=*",
        "/v2/supplier?fields=*",
        "/v2/product?fields=*",
        "/v2/department?fields=*",
        "/v2/ledger/account?number=1920&fields=*",
    ] {
        let real = upstream.get_as("0", &upstream_session, path);
        let ours = world.get_as("0", &session, path);
        assert_eq!((real.status, ours.status), (200, 200), "{path}: {}", ours.body);
        holds_fields(&real.body["values"], &ours.body["values"], path);
    }
    let me = world.get_as(
        "0",
        &session,
        "/v2/token/session/%3EwhoAmI?fields=*,company(*),employee(*)",
    );
    let real_me = upstream.get_as(
        "0",
        &upstream_session,
        "/v2/token/session/%3EwhoAmI?fields=*,company(*),employee(*)",
    );
    assert_eq!(
        me.body["value"]["company"]["name"],
        real_me.body["value"]["company"]["name"]
    );
    assert_eq!(
        me.body["value"]["employee"]["firstName"],
        real_me.body["value"]["employee"]["firstName"]
    );
    let _ = std::fs::remove_file(&file);
}
