//! The console for a class, in the browser: one language per page (a Norwegian page shows no
//! English reason or remedy, on forms and in the journal), tokens masked in the journal,
//! companies and keys by name, and the trainer page that makes, lists, resets and
//! deletes a sandbox per trainee with their credentials sheets.

use crate::helpers::{TestApp, spawn_app, spawn_scenario};
use crate::{Browser, ONE_BROWSER, base, base_origin};
use serde_json::{Value, json};
use std::time::Duration;

const OFFICE: i64 = 4000;
const ADA: i64 = 8001;
const FJORD_SYNC: i64 = 101;
/// Quickstart's company with Integrations on.
const BAKERY: i64 = 1001;

/// Words of English that no Norwegian reason or remedy holds.
const ENGLISH: &[&str] = &[
    "the", "is", "has", "not", "was", "needs", "could", "make", "give", "ask", "tick", "and", "of", "this", "with",
    "key", "fix", "must", "before", "first", "refused", "how",
];

fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|word| ENGLISH.contains(&word.as_str()))
        .collect()
}

/// The refusal box's headline, reason and remedy (not its rule's code name).
fn refusal_words(browser: &Browser, within: &str) -> String {
    let parts = ["p.headline", "p.reason", "p.remedy"]
        .iter()
        .filter(|part| browser.exists(&format!("{within} .notice.refused {part}")))
        .map(|part| browser.text(&format!("{within} .notice.refused {part}")))
        .collect::<Vec<_>>();
    parts.join("\n")
}

/// The page's refusal is all Norwegian, with a reason and a remedy.
fn assert_norwegian_refusal(browser: &Browser, within: &str) -> String {
    let text = refusal_words(browser, within);
    assert!(
        browser.exists(&format!("{within} .notice.refused p.reason"))
            && browser.exists(&format!("{within} .notice.refused p.remedy")),
        "a reason and a remedy: {text}"
    );
    assert!(text.contains("Slik retter du det"), "{text}");
    let english = english_words(&text);
    assert!(english.is_empty(), "English {english:?} on a Norwegian page:\n{text}");
    text
}

#[test]
fn a_norwegian_page_shows_no_english_reason_or_remedy() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let app = spawn_scenario("empty-office");
    let console = format!("{}/console", base(&app));
    let mut browser = Browser::start();

    // A page that refuses: in English on request, all Norwegian otherwise, the same rule.
    let page = format!("{console}/people/{ADA}/api-access");
    browser.goto(&format!("{page}?lang=en"));
    let reason_en = browser.text(".notice.refused p.reason");
    let remedy_en = browser.text(".notice.refused p.remedy");
    assert!(reason_en.contains("has not activated"), "{reason_en}");
    browser.goto(&format!("{page}?lang=no"));
    let norwegian = assert_norwegian_refusal(&browser, "main");
    assert!(
        norwegian.contains("har ikke aktivert modulen Integrasjoner"),
        "{norwegian}"
    );
    assert!(
        !norwegian.contains(&reason_en) && !norwegian.contains(&remedy_en),
        "{norwegian}"
    );
    assert!(
        browser
            .text(".notice.refused p.rule")
            .contains("integrations_are_active")
    );

    // A refused form: «Legg til» without accepting the terms.
    let on = app.control(
        reqwest::Method::PUT,
        &format!("/_sandbox/companies/{OFFICE}/subscription"),
        None,
        Some(json!({"integrationsEnabled": true})),
    );
    assert_eq!(on.status, 200, "{}", on.body);
    browser.goto(&format!("{console}/companies/{OFFICE}/integrations"));
    browser.follow(&format!("#add-{FJORD_SYNC}"));
    assert!(assert_norwegian_refusal(&browser, "main").contains("vilkår"));

    // «Tilpasset oppsett» with a mistyped name, then an office key without the role.
    browser.goto(&page);
    browser.set_checked("custom-setup", true);
    browser.fill("#application-name", "fjord regnskap sync");
    browser.fill("#key-name", "Egen nøkkel");
    browser.follow("#create-key");
    let text = assert_norwegian_refusal(&browser, "#new-key-form");
    assert!(text.contains("Mente du «Fjord Regnskap Sync»"), "{text}");
    browser.set_checked("custom-setup", false);
    browser.click(&format!("label[for='integration-{FJORD_SYNC}']"));
    browser.fill("#key-name", "Kontornøkkel");
    browser.set_checked("accountant-key", true);
    browser.follow("#create-key");
    let text = assert_norwegian_refusal(&browser, "#new-key-form");
    assert!(text.contains("Brukeradministrator i klientkontoer"), "{text}");

    // A refused /v2 call in the journal: the Norwegian remedy, and the English one in English.
    let consumer = crate::consumer_token("empty-office", FJORD_SYNC);
    let refused = app.create_session(
        Some(&consumer),
        Some("test-no-such-token"),
        Some(crate::helpers::FUTURE),
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    browser.goto(&format!("{console}/journal"));
    browser.wait_for_text("#journal-rows", "employee_token_is_current", Duration::from_secs(10));
    let remedy = browser.text("#journal-rows tr.refused td.remedy");
    assert!(remedy.contains("«Ny nøkkel»"), "{remedy}");
    let english = english_words(&remedy);
    assert!(
        english.is_empty(),
        "English {english:?} in the Norwegian journal: {remedy}"
    );
    browser.goto(&format!("{console}/journal?lang=en"));
    let remedy = browser.text("#journal-rows tr.refused td.remedy");
    assert!(remedy.contains("create a key"), "{remedy}");
    let errors = browser.errors();
    assert!(errors.is_empty(), "the browser logged errors:\n{}", errors.join("\n"));
}

#[test]
fn the_journal_masks_tokens_and_names_companies_and_keys() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let app = spawn_app();
    let credential = app.credential(false);
    let consumer = credential["consumerToken"]
        .as_str()
        .expect("a consumer token")
        .to_owned();
    let employee = credential["employeeToken"]
        .as_str()
        .expect("an employee token")
        .to_owned();
    let session = app.session_from(&consumer, &employee);
    let who = app.get_as("0", &session, "/v2/token/session/%3EwhoAmI");
    assert_eq!(who.status, 200, "{}", who.body);
    let mut browser = Browser::start();
    browser.goto(&format!("{}/console/journal", base(&app)));

    let rows = browser.wait_for_text("#journal-rows", "whoAmI", Duration::from_secs(10));
    assert!(rows.contains(":create"), "{rows}");
    for token in [&consumer, &employee, &session] {
        assert!(!rows.contains(token.as_str()), "a token shows unmasked:\n{rows}");
    }
    // Each token is one short mark, so the row stays one line.
    let create = browser.text("#journal-rows tr:nth-child(2) td.call");
    assert!(
        create.contains("consumerToken=••••&employeeToken=••••&expirationDate="),
        "{create}"
    );
    assert_eq!(browser.count("#journal-rows tr:nth-child(2) span.secret"), 2);
    let height = script(
        &browser,
        "return document.querySelector('#journal-rows tr:nth-child(2)').getBoundingClientRect().height",
        Vec::new(),
    );
    let height = height.as_f64().unwrap_or(f64::MAX);
    // Whole tokens wrapped such a row to ~15 lines; the marks leave the path to wrap.
    assert!(height < 150.0, "the :create row is {height} px high");

    // The company and the key by name, not by id.
    let company = credential["companyId"].as_i64().expect("a company id");
    let companies = app.get("/_sandbox/companies");
    let name = companies.body["values"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["id"] == company))
        .and_then(|c| c["name"].as_str())
        .expect("the key's company")
        .to_owned();
    assert_eq!(browser.text("#journal-rows tr:first-child td.company"), name);
    let key = browser.text("#journal-rows tr:first-child td.key");
    assert!(!key.is_empty() && key.parse::<i64>().is_err(), "a key name: {key:?}");
    let errors = browser.errors();
    assert!(errors.is_empty(), "the browser logged errors:\n{}", errors.join("\n"));
}

/// What a script run in the page returns.
fn script(browser: &Browser, js: &str, args: Vec<Value>) -> Value {
    let answer = browser.runtime.block_on(browser.driver().execute(js, args));
    answer.expect("a script runs").json().clone()
}

/// The ids of the trainee sandboxes the class page lists, in its order.
fn listed(browser: &Browser) -> Vec<String> {
    let ids = script(
        browser,
        "return [...document.querySelectorAll('#class tbody tr')].map(r => r.dataset.sandbox)",
        Vec::new(),
    );
    serde_json::from_value(ids).expect("a list of ids")
}

fn sandbox_ids(app: &TestApp) -> Vec<String> {
    let all = app.get("/_sandbox/sandboxes");
    all.body["values"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["id"].as_str().map(str::to_owned))
        .collect()
}

/// One trainee's sheet's first pair of tokens.
fn sheet_tokens(browser: &Browser, id: &str) -> (String, String) {
    let tokens = script(
        browser,
        "const sheet = document.querySelector(`.sheet[data-sandbox='${arguments[0]}'] dl.credential`);
         return Array.from(sheet.querySelectorAll('code.token'), c => c.textContent);",
        vec![json!(id)],
    );
    let tokens: Vec<String> = serde_json::from_value(tokens).expect("two tokens");
    (tokens[0].clone(), tokens[1].clone())
}

#[test]
fn the_trainer_page_makes_lists_resets_and_deletes_trainee_sandboxes() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let app = spawn_app();
    let root = base_origin(&app);
    let http = reqwest::blocking::Client::new();
    // A trainee's console has no class page: it would reach the others' sandboxes.
    let inside = http.get(format!("{}/console/class", base(&app))).send().unwrap();
    assert_eq!(inside.status(), 404);

    let mut browser = Browser::start();
    browser.goto(&format!("{root}/console/class"));
    assert_eq!(browser.text("h1"), "Kurs");
    assert!(browser.exists("#no-trainees"));
    browser.fill("#class-count", "3");
    browser.fill("#class-names", "Kari Nordmann\nOla");
    browser.follow("#make-class");
    assert!(
        browser.text(".notice.ok").contains("3 sandkasser"),
        "{}",
        browser.text("main")
    );
    let ids = listed(&browser);
    assert_eq!(ids.len(), 3);
    let names: Vec<String> = (1..=3)
        .map(|n| browser.text(&format!("#class tbody tr:nth-child({n}) td.trainee")))
        .collect();
    assert_eq!(names, ["Kari Nordmann", "Kursdeltaker 1", "Ola"]);
    let alive = sandbox_ids(&app);
    assert!(ids.iter().all(|id| alive.contains(id)), "{ids:?} in {alive:?}");
    browser.screenshot("class");

    // Each trainee's console link opens their own sandbox, which has no class page.
    browser.follow("#class tbody tr:first-child a.console-link");
    assert_eq!(browser.text("h1"), "Treningskonsoll");
    assert_eq!(browser.text("#current-scenario"), "quickstart");
    assert!(browser.text("a.brand").contains(&ids[0]));
    assert!(!browser.exists("#class-link"));

    // The printable sheets: one per trainee, with tokens that open a session in their sandbox.
    browser.goto(&format!("{root}/console/class/sheet"));
    assert_eq!(browser.count(".sheet"), 3);
    let (consumer, employee) = sheet_tokens(&browser, &ids[1]);
    let minted = http
        .put(format!("{root}/sb/{}/v2/token/session/:create", ids[1]))
        .query(&[
            ("consumerToken", consumer.as_str()),
            ("employeeToken", employee.as_str()),
            ("expirationDate", crate::helpers::FUTURE),
        ])
        .send()
        .unwrap();
    assert_eq!(minted.status(), 200, "{:?}", minted.text());
    browser.screenshot("class-sheet");

    // «Tilbakestill alle»: a trainee's change is undone.
    let subscription = format!("{root}/sb/{}/_sandbox/companies/{BAKERY}/subscription", ids[2]);
    let integrations = || -> Value {
        http.get(&subscription).send().unwrap().json::<Value>().unwrap()["value"]["integrationsEnabled"].clone()
    };
    let changed = http
        .put(&subscription)
        .json(&json!({"integrationsEnabled": false}))
        .send()
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(integrations(), false);
    browser.goto(&format!("{root}/console/class"));
    browser.follow("#reset-class");
    assert!(browser.text(".notice.ok").contains("tilbake til scenarioet"));
    assert_eq!(integrations(), true);

    // «Slett alle»: the sandboxes are gone.
    browser.follow("#delete-class");
    assert!(browser.text(".notice.ok").contains("3 sandkasser er slettet"));
    assert!(browser.exists("#no-trainees"));
    let alive = sandbox_ids(&app);
    assert!(ids.iter().all(|id| !alive.contains(id)), "{ids:?} in {alive:?}");
    let gone = http
        .get(format!("{root}/sb/{}/_sandbox/health", ids[0]))
        .send()
        .unwrap();
    assert_eq!(gone.status(), 404);
    let errors = browser.errors();
    assert!(errors.is_empty(), "the browser logged errors:\n{}", errors.join("\n"));
}
