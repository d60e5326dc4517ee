//! `scenarios capture`: the answers of recordings (`--from DIR`, as `serve --upstream --record`
//! writes them) or of live reads of a Tripletex (`--upstream URL` with the user's own tokens)
//! made into a scenario file by `scenario::capture`.

use crate::cli::CaptureArgs;
use crate::domain::kind::Kind;
use crate::scenario::capture::{self, Seen};
use base64::Engine;
use serde_json::Value;
use std::process::ExitCode;

/// What a live capture reads, each page by page: the objects a test company's world is made of.
const LISTS: &[Kind] = &[
    Kind::Employee,
    Kind::Customer,
    Kind::Supplier,
    Kind::Contact,
    Kind::Product,
    Kind::Department,
    Kind::Project,
    Kind::Activity,
    Kind::Account,
];

/// Objects per page of a live read.
const PAGE: usize = 1000;

pub fn main(args: &CaptureArgs) -> ExitCode {
    match run(args) {
        Ok(summary) => {
            eprintln!("{summary}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &CaptureArgs) -> Result<String, String> {
    let seen = match (&args.from, &args.upstream) {
        (Some(dir), _) => from_recordings(dir)?,
        (None, Some(url)) => {
            let (consumer, employee) =
                match (&args.consumer_token, &args.employee_token) {
                    (Some(c), Some(e)) => (c.clone(), e.clone()),
                    _ => return Err(
                        "--upstream needs --consumer-token and --employee-token (or their TRIPLETEX_SANDBOX_ twins)"
                            .into(),
                    ),
                };
            let origin = crate::upstream::Settings::parse(url, None)?.origin;
            actix_web::rt::System::new().block_on(from_upstream(&origin, &consumer, &employee, args.company))?
        }
        (None, None) => return Err("give --from DIR (recordings) or --upstream URL (live reads)".into()),
    };
    let file = capture::world(&args.name, &seen, jiff::Timestamp::now())?;
    let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())? + "\n";
    let stored: usize = file.objects.values().map(|s| s.stored.len()).sum();
    let summary = format!(
        "captured {} answers: {} people, {stored} objects; check it with `tripletex-sandbox scenarios check`",
        seen.len(),
        file.world.people.len()
    );
    match &args.output {
        Some(path) => std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(summary)
}

/// Every answer of every recording in a directory, in order.
pub fn from_recordings(dir: &std::path::Path) -> Result<Vec<Seen>, String> {
    let loaded = crate::traffic::load_dir(dir)?;
    if let Some(problem) = loaded.unreadable.first() {
        return Err(problem.clone());
    }
    let mut seen = Vec::new();
    for call in loaded.runs.iter().flat_map(|run| &run.calls) {
        let Some(answer) = crate::traffic::parse_answer(&call.response) else {
            continue;
        };
        seen.push(Seen {
            method: call.method.to_ascii_uppercase(),
            path: call.path.trim_start_matches("/v2").to_owned(),
            status: call.status,
            answer,
        });
    }
    for pair in loaded.recordings.iter().flat_map(|r| &r.pairs) {
        seen.push(Seen {
            method: pair.method.to_ascii_uppercase(),
            path: pair.path.trim_start_matches("/v2").to_owned(),
            status: pair.status,
            answer: pair.response.clone(),
        });
    }
    Ok(seen)
}

/// Reads the company's world with a session of the user's own: whoAmI, the company, then every
/// list of `LISTS`, page by page; the session is deleted after.
pub async fn from_upstream(origin: &str, consumer: &str, employee: &str, company: i64) -> Result<Vec<Seen>, String> {
    let client = reqwest::Client::new();
    let tomorrow = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_hours(24))
        .map_err(|e| e.to_string())?
        .to_string();
    let query = serde_urlencoded::to_string([
        ("consumerToken", consumer),
        ("employeeToken", employee),
        ("expirationDate", tomorrow.get(..10).unwrap_or_default()),
    ])
    .map_err(|e| e.to_string())?;
    let created = client
        .put(format!("{origin}/v2/token/session/:create?{query}"))
        .send()
        .await
        .map_err(|e| format!("cannot reach {origin}: {}", e.without_url()))?;
    let status = created.status().as_u16();
    let body = json(created).await;
    let Some(token) = body["value"]["token"].as_str().map(str::to_owned) else {
        return Err(format!("{origin} refused the session ({status}): {}", body["message"]));
    };
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{company}:{token}"))
    );
    let get = |path: String| {
        let request = client.get(format!("{origin}/v2{path}")).header("Authorization", &auth);
        async move {
            let response = request
                .send()
                .await
                .map_err(|e| format!("GET {path}: {}", e.without_url()))?;
            let status = response.status().as_u16();
            let answer = json(response).await;
            Ok::<Seen, String>(Seen {
                method: "GET".into(),
                path,
                status,
                answer,
            })
        }
    };
    let mut seen = vec![get("/token/session/>whoAmI?fields=*,company(*),employee(*)".replace('>', "%3E")).await?];
    if let Some(id) = seen[0].answer["value"]["company"]["id"].as_i64() {
        seen.push(get(format!("/company/{id}?fields=*")).await?);
    }
    for list in LISTS {
        for from in (0..).step_by(PAGE) {
            let page = get(format!("/{list}?fields=*&from={from}&count={PAGE}")).await?;
            let full = page.answer["values"].as_array().is_some_and(|v| v.len() == PAGE);
            seen.push(page);
            if !full {
                break;
            }
        }
    }
    let _ = client
        .delete(format!("{origin}/v2/token/session/{token}"))
        .header("Authorization", &auth)
        .send()
        .await;
    Ok(seen)
}

async fn json(response: reqwest::Response) -> Value {
    let bytes = response.bytes().await.unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}
