//! Real clients against the emulator over real HTTP: the PyPI `tripletex` package (0.1.8,
//! unchanged) through `tests/clients/pypi_tripletex.py`. The Python interpreter is
//! `TRIPLETEX_SANDBOX_PYTHON` (`.ci/run` points it at a venv under target/) or `python3`; without
//! it or without the package the test fails and says how to install them, it never skips.

use crate::helpers::spawn_app;
use std::process::Command;

#[test]
fn the_pypi_tripletex_client_lists_reference_data_and_creates_a_supplier() {
    let app = spawn_app();
    let credential = app.credential(false);
    let python = std::env::var("TRIPLETEX_SANDBOX_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/pypi_tripletex.py");
    let output = Command::new(&python)
        .arg(&script)
        .env("API_HOST", format!("http://{}", app.base()))
        .env("CONSUMER_TOKEN", credential["consumerToken"].as_str().unwrap_or_default())
        .env("EMPLOYEE_TOKEN", credential["employeeToken"].as_str().unwrap_or_default())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {python} ({e}): install Python 3.10+ and `pip install tripletex==0.1.8`, or set TRIPLETEX_SANDBOX_PYTHON to an interpreter that has it (.ci/run does)"
            )
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the PyPI tripletex client failed against the sandbox ({python}):\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for step in [
        "ok: employees",
        "ok: departments",
        "ok: countries",
        "ok: ledger accounts",
        "ok: VAT types",
        "ok: projects",
        "ok: create supplier",
        "ok: read back supplier",
        "all steps passed",
    ] {
        assert!(stdout.contains(step), "{step} in:\n{stdout}");
    }
}
