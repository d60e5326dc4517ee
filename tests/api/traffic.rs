//! Replay of recorded runs (`tests/recorded-traffic/`, the project's own): real ids map to ours
//! through creates and reference data, calls resting on an earlier run are named apart, and
//! `--min-agreement` gates the command's exit code.

use serde_json::Value;
use std::process::Command;
use tripletex_sandbox::traffic;

fn corpus() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recorded-traffic")
}

fn replayed() -> traffic::Report {
    let loaded = traffic::load_dir(&corpus()).expect("the corpus directory reads");
    assert!(loaded.unreadable.is_empty(), "unreadable: {:?}", loaded.unreadable);
    assert!(loaded.recordings.is_empty(), "only runs in this corpus");
    actix_web::rt::System::new()
        .block_on(traffic::run(&loaded.runs))
        .expect("the replay runs")
}

#[test]
fn a_run_that_invoices_a_new_customer_replays_green_with_its_ids_mapped() {
    let report = replayed();
    let invoicing: Vec<_> = report
        .calls
        .iter()
        .filter(|c| c.run.contains("invoice a new customer"))
        .collect();
    assert_eq!(invoicing.len(), 8, "{}", report.text());
    for call in &invoicing {
        assert!(
            call.status_agrees() && call.fields_agree != Some(false),
            "{}",
            report.text()
        );
        assert!(call.depends_on_earlier_state.is_none(), "{}", report.text());
    }
    let sent = |operation: &str| {
        invoicing
            .iter()
            .find(|c| c.operation == operation)
            .map(|c| c.sent.clone())
            .unwrap_or_default()
    };
    assert!(sent("GET /v2/order").contains("customerId=") && !sent("GET /v2/order").contains("108265272"));
    assert!(!sent("GET /v2/invoice/{id}").contains("2147600001"));
    let payment = sent("PUT /v2/invoice/{id}/:payment");
    assert!(
        !payment.contains("2147600001") && !payment.contains("33295001"),
        "the invoice and the payment type (listed reference data) are ours: {payment}"
    );
}

#[test]
fn calls_resting_on_an_earlier_run_are_named_apart() {
    let report = replayed();
    let earlier: Vec<(String, usize)> = report
        .calls
        .iter()
        .filter(|c| c.depends_on_earlier_state.is_some())
        .map(|c| (c.operation.clone(), c.index))
        .collect();
    assert_eq!(
        earlier,
        [
            ("GET /v2/employee".to_owned(), 0),
            ("POST /v2/employee".to_owned(), 1),
            ("GET /v2/employee/{id}".to_owned(), 2)
        ],
        "the listing of an older employee, the duplicate refused and the read of its id"
    );
    let overall = report.overall();
    assert_eq!((overall.calls, overall.depends_on_earlier_state), (12, 3));
    assert_eq!(overall.independent_agreement(), 100.0);
    assert!(report.reaches(100.0));
}

fn conformance(dir: &std::path::Path, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tripletex-sandbox"))
        .args(["conformance", "--recorded"])
        .arg(dir)
        .args(extra)
        .env_remove("TRIPLETEX_OPENAPI")
        .env_remove("TRIPLETEX_SANDBOX_MIN_AGREEMENT")
        .output()
        .expect("the binary runs")
}

#[test]
fn min_agreement_gates_the_exit_code_on_the_calls_that_do_not_rest_on_earlier_state() {
    assert_eq!(
        conformance(&corpus(), &["--min-agreement", "100"]).status.code(),
        Some(0)
    );

    let dir = std::env::temp_dir().join(format!("tripletex-sandbox-traffic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("run.json"),
        r#"{"run": "r", "calls": [
            {"method": "GET", "path": "/customer", "query_params": {"fields": "id"}, "status": 200, "response_body": "{\"values\":[]}"},
            {"method": "GET", "path": "/country/161", "status": 404, "response_body": "{\"status\":404"},
            {"method": "POST", "path": "/customer", "request_body": {}, "status": 429, "response_body": "{\"source\":\"nmiai-proxy\"}"}
        ]}"#,
    )
    .unwrap();
    let gated = conformance(&dir, &["--min-agreement", "60"]);
    assert_eq!(
        gated.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&gated.stdout)
    );
    assert!(String::from_utf8_lossy(&gated.stderr).contains("under --min-agreement 60"));
    let json = conformance(&dir, &["--format", "json", "--min-agreement", "50"]);
    assert_eq!(json.status.code(), Some(0), "half the calls agree: 50 is reached");
    let report: Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    let traffic = &report["traffic"];
    assert_eq!(
        (traffic["skipped"].as_u64(), traffic["overall"]["calls"].as_u64()),
        (Some(1), Some(2)),
        "the proxy's refusal is skipped: {traffic}"
    );
    assert_eq!(traffic["overall"]["independentStatusAgreement"], 50.0);
    assert_eq!(traffic["reached"], true);
    assert_eq!(
        conformance(&dir, &[]).status.code(),
        Some(0),
        "without the flag a run only reports"
    );
    assert_ne!(conformance(&dir, &["--min-agreement", "120"]).status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}
