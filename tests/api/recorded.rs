//! Replay of recorded traffic: the project's own corpus (`tests/recorded/`) gets the recorded
//! status and every recorded field, and the `conformance --recorded` command reports and exits
//! as documented.

use std::process::Command;
use tripletex_sandbox::replay;

fn corpus() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recorded")
}

#[test]
fn every_recorded_pair_of_the_corpus_gets_the_real_status_and_every_real_field() {
    let (recordings, unreadable) = replay::load_dir(&corpus()).expect("the corpus directory reads");
    assert!(unreadable.is_empty(), "unreadable recordings: {unreadable:?}");
    let report = actix_web::rt::System::new()
        .block_on(replay::run(&recordings))
        .expect("the replay runs");
    let failing: Vec<_> = report.outcomes.iter().filter(|o| !o.holds()).collect();
    assert!(failing.is_empty(), "{}", report.text());
    assert!(report.outcomes.len() >= 20, "{}", report.text());
    for wanted in [
        ("post", "/v2/ledger/voucher"),
        ("put", "/v2/customer/7000001"),
        ("post", "/v2/supplier"),
    ] {
        assert!(
            report
                .outcomes
                .iter()
                .any(|o| (o.method.as_str(), o.path.as_str()) == wanted),
            "the corpus replays {wanted:?}"
        );
    }
}

/// A pair whose real answer has a field we lack and a status we do not give: the text names the
/// field path, `--format json` carries both, and the command exits 1.
#[test]
fn the_replay_command_names_missing_field_paths_and_exits_1() {
    let dir = std::env::temp_dir().join(format!("tripletex-sandbox-replay-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("drift.json"),
        r#"{"input": {}, "output": null, "api": {"get": {
            "/v2/customer/4411": {"request": {}, "status": 200, "response": {"value": {"id": 4411, "name": "x", "postalAddress": {"id": 1, "city": "Oslo"}}}},
            "/v2/country": {"request": {"params": {"count": "5"}}, "status": 201, "response": {"values": [{"id": 1, "name": "Andorra"}]}},
            "/v2/kunde med mellomrom/12345": {"request": {}, "status": 200, "response": {"value": {"id": 1}}}
        }}}"#,
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_tripletex-sandbox");
    let text = Command::new(bin)
        .args(["conformance", "--recorded"])
        .arg(&dir)
        .env_remove("TRIPLETEX_OPENAPI")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert_eq!(
        text.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&text.stderr)
    );
    assert!(stdout.contains("missing: value.postalAddress.city"), "{stdout}");
    assert!(
        stdout.contains("GET /v2/country") && stdout.contains("status real 201, ours 200"),
        "{stdout}"
    );
    let json = Command::new(bin)
        .args(["conformance", "--format", "json", "--recorded"])
        .arg(&dir)
        .env_remove("TRIPLETEX_OPENAPI")
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON document");
    assert_eq!(report["holds"], false);
    let outcomes = report["replay"]["outcomes"].as_array().unwrap();
    let customer = outcomes.iter().find(|o| o["path"] == "/v2/customer/4411").unwrap();
    assert_eq!(customer["missing"], serde_json::json!(["value.postalAddress.city"]));
    assert_ne!(
        customer["sent"], "/v2/customer/4411",
        "the recorded id is mapped to a seeded customer"
    );
    let odd = outcomes
        .iter()
        .find(|o| o["path"] == "/v2/kunde med mellomrom/12345")
        .unwrap();
    assert_eq!(
        odd["ourStatus"], 0,
        "a path that is no URI is reported, not sent: {odd}"
    );
    let country = outcomes.iter().find(|o| o["path"] == "/v2/country").unwrap();
    assert_eq!(
        (country["realStatus"].as_u64(), country["ourStatus"].as_u64()),
        (Some(201), Some(200))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_conformance_command_needs_a_spec_or_recordings() {
    let output = Command::new(env!("CARGO_BIN_EXE_tripletex-sandbox"))
        .arg("conformance")
        .env_remove("TRIPLETEX_OPENAPI")
        .env_remove("TRIPLETEX_SANDBOX_RECORDED")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--recorded DIR"));
}
