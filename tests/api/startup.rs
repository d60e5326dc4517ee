//! Starting: the port is bound while the world is still being built, and a request that comes
//! then waits for the sandbox and is answered, never refused or failed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tripletex_sandbox::config::Config;
use tripletex_sandbox::startup::Application;

/// A world of many companies no other test has: its seed template is built for this start,
/// which takes long enough (hundreds of milliseconds in a debug build) to connect during it.
fn many_companies_scenario() -> std::path::PathBuf {
    let companies: Vec<serde_json::Value> = (0..40)
        .map(|n| {
            serde_json::json!({
                "id": 9300 + n,
                "name": format!("Oppstart {n} AS"),
                "kind": "standalone",
                "package": "KOMPLETT",
                "integrationsEnabled": true
            })
        })
        .collect();
    let scenario = serde_json::json!({
        "name": "many-companies",
        "description": "Forty companies and nobody in them: a seed template that takes a while to build.",
        "world": { "companies": companies }
    });
    let path = std::env::temp_dir().join(format!("tripletex-sandbox-startup-{}.json", std::process::id()));
    std::fs::write(&path, scenario.to_string()).expect("the scenario file is written");
    path
}

#[test]
fn a_request_made_while_the_world_is_built_is_answered_once_it_is_ready() {
    let scenario = many_companies_scenario();
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let built = Arc::new(AtomicBool::new(false));
    let flag = built.clone();
    let config = Config {
        port,
        scenario: scenario.display().to_string(),
        ..Config::for_tests()
    };
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let app = Application::build(&config).expect("the emulator starts");
            flag.store(true, Ordering::SeqCst);
            let _ = app.run_until_stopped().await;
        })
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(stream) => break stream,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(1)),
            Err(err) => panic!("the port is never bound: {err}"),
        }
    };
    let early = !built.load(Ordering::SeqCst);
    stream
        .write_all(b"GET /_sandbox/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("the request is sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("an answer");
    let _ = std::fs::remove_file(&scenario);
    assert!(early, "the port was bound only once the world was built");
    assert!(
        response.starts_with("HTTP/1.1 200"),
        "the health check made during the start: {response}"
    );
}
