//! Conformance against the official Tripletex OpenAPI document, read by path from
//! `TRIPLETEX_OPENAPI` (never copied into this repository), and the drift report command.

use std::process::Command;
use tripletex_sandbox::conformance::{Spec, run};

#[test]
fn every_emulated_response_validates_against_the_official_schema() {
    let Ok(path) = std::env::var("TRIPLETEX_OPENAPI") else {
        println!(
            "CONFORMANCE NOT CHECKED: set TRIPLETEX_OPENAPI to the path of Tripletex's openapi.json to validate responses against it."
        );
        return;
    };
    let spec = Spec::load(std::path::Path::new(&path)).expect("the official document loads");
    let report = actix_web::rt::System::new()
        .block_on(run(&spec))
        .expect("the walk runs");
    assert!(
        report.problems.is_empty(),
        "responses that do not match the official schema:\n{}",
        report.problems.join("\n")
    );
    assert!(
        report.checked > 30,
        "the walk covers every endpoint ({} checked)",
        report.checked
    );
    println!("conformance checked: {} responses against {path}", report.checked);
}

/// A tiny official document in which Company has no `name`: the report must name the drift.
#[test]
fn the_conformance_command_reports_drift_and_exits_1() {
    let mut document: serde_json::Value = serde_json::json!({
        "openapi": "3.0.1",
        "paths": {"/company/{id}": {"get": {"responses": {"default": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ResponseWrapperCompany"}}}}}}}},
        "components": {"schemas": {
            "ResponseWrapperCompany": {"type": "object", "properties": {"value": {"$ref": "#/components/schemas/Company"}}},
            "Company": {"type": "object", "properties": {"id": {"type": "integer"}}}
        }}
    });
    document["info"] = serde_json::json!({"title": "drift test"});
    let path = std::env::temp_dir().join(format!("tripletex-sandbox-drift-{}.json", std::process::id()));
    std::fs::write(&path, document.to_string()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_tripletex-sandbox"))
        .args(["conformance", "--spec"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("drift: GET /company/{id}") && text.contains("name"),
        "{text}"
    );
    assert!(
        text.contains("drift: GET /token/session/>whoAmI: the document has no such operation"),
        "{text}"
    );
}
