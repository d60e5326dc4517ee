//! The training console in a real headless Chromium, driven over WebDriver (chromedriver): the
//! help article's whole procedure ending with the copied token acting as the client over `/v2`,
//! the missing-access failure fixed with «Gjenopprett nøkkel», and the English toggle with a
//! clean browser console. Plus, without a browser, the forms' cross-site protection and the
//! admin-token login. Screenshots of the main pages land in `<target>/tmp/console-*.png`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`apt-get install chromium chromium-driver`);
//! without them the browser tests fail and say so.

// The API tests' harness; this binary uses only part of it.
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

mod class;

use helpers::{TestApp, assert_denied, spawn_app, spawn_scenario, spawn_with};
use serde_json::Value;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;
use tripletex_sandbox::config::Config;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// One Chromium at a time: the machines this runs on have two cores.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

/// A chromedriver with one headless Chromium session, on a fresh profile; both end on drop.
struct Browser {
    runtime: tokio::runtime::Runtime,
    driver: Option<WebDriver>,
    chromedriver: Child,
    profile: PathBuf,
    /// Every browser-log entry seen so far (reading the log drains it).
    log: Vec<LogLine>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    fn start() -> Self {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                std::path::Path::new(path).exists(),
                "{path} is missing: the console's browser tests need Debian's {package}; run `apt-get install chromium chromium-driver`"
            );
        }
        let port = free_port();
        let chromedriver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts (apt-get install chromium chromium-driver)");
        let profile = std::env::temp_dir().join(format!("console-test-{}-{port}", std::process::id()));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the WebDriver client");
        let url = format!("http://127.0.0.1:{port}");
        let driver = runtime.block_on(async {
            let mut caps = DesiredCapabilities::chrome();
            caps.set_binary(CHROMIUM)?;
            for arg in [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,800",
            ] {
                caps.add_arg(arg)?;
            }
            caps.add_arg(&format!("--user-data-dir={}", profile.display()))?;
            caps.set_browser_log_level(thirtyfour::LoggingPrefsLogLevel::All)?;
            // chromedriver takes a moment to listen.
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                match WebDriver::new(&url, caps.clone()).await {
                    Ok(driver) => return Ok::<_, WebDriverError>(driver),
                    Err(err) if Instant::now() > deadline => return Err(err),
                    Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
                }
            }
        });
        let driver = driver.expect("a Chromium session through chromedriver");
        Self {
            runtime,
            driver: Some(driver),
            chromedriver,
            profile,
            log: Vec::new(),
        }
    }

    fn driver(&self) -> &WebDriver {
        self.driver.as_ref().expect("a live session")
    }

    fn goto(&mut self, url: &str) {
        self.runtime.block_on(self.driver().goto(url)).expect("the page loads");
        self.collect_log();
    }

    fn find(&self, css: &str) -> WebElement {
        self.runtime
            .block_on(self.driver().find(By::Css(css)))
            .unwrap_or_else(|e| panic!("{css} is on the page {}: {e}", self.url()))
    }

    fn exists(&self, css: &str) -> bool {
        !self
            .runtime
            .block_on(self.driver().find_all(By::Css(css)))
            .unwrap_or_default()
            .is_empty()
    }

    fn count(&self, css: &str) -> usize {
        self.runtime
            .block_on(self.driver().find_all(By::Css(css)))
            .map(|found| found.len())
            .unwrap_or_default()
    }

    fn url(&self) -> String {
        self.runtime
            .block_on(self.driver().current_url())
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    /// Clicks something on the page that stays (a box, an option, a summary).
    fn click(&mut self, css: &str) {
        let element = self.find(css);
        self.runtime
            .block_on(element.click())
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
        self.collect_log();
    }

    /// Clicks a link or a submit button and waits for the page it leads to: the old page's
    /// root goes stale, the new one finishes loading.
    fn follow(&mut self, css: &str) {
        let old = self.find("html");
        self.click(css);
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.runtime.block_on(old.is_present()).unwrap_or(false) {
            assert!(Instant::now() < deadline, "clicking {css} loaded no page");
            std::thread::sleep(Duration::from_millis(50));
        }
        while self
            .runtime
            .block_on(self.driver().execute("return document.readyState", Vec::new()))
            .map(|r| r.json().as_str() != Some("complete"))
            .unwrap_or(true)
        {
            assert!(Instant::now() < deadline, "the page after {css} never finished loading");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.collect_log();
    }

    /// Ticks (or unticks) a checkbox by clicking its label, as a person would.
    fn set_checked(&mut self, id: &str, checked: bool) {
        let element = self.find(&format!("#{id}"));
        let now = self.runtime.block_on(element.is_selected()).expect("a checkbox");
        if now != checked {
            self.click(&format!("label[for='{id}']"));
        }
        let after = self.runtime.block_on(element.is_selected()).expect("a checkbox");
        assert_eq!(after, checked, "#{id} is ticked");
    }

    fn choose(&mut self, select: &str, value: &str) {
        self.click(&format!("{select} option[value='{value}']"));
    }

    fn fill(&self, css: &str, text: &str) {
        let element = self.find(css);
        self.runtime
            .block_on(async {
                element.clear().await?;
                element.send_keys(text).await
            })
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    fn text(&self, css: &str) -> String {
        let element = self.find(css);
        self.runtime.block_on(element.text()).unwrap_or_default()
    }

    fn value(&self, css: &str) -> String {
        let element = self.find(css);
        self.runtime
            .block_on(element.prop("value"))
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    fn page_text(&self) -> String {
        self.text("body")
    }

    fn lang(&self) -> String {
        let element = self.find("html");
        self.runtime
            .block_on(element.attr("lang"))
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    /// Waits until `css` holds `text` (the live journal updates by itself).
    fn wait_for_text(&self, css: &str, text: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let now = self.text(css);
            if now.contains(text) || Instant::now() > deadline {
                return now;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Lets the page write to and read the clipboard, as a person allowing it would.
    fn allow_clipboard(&self, origin: &str) {
        let params = serde_json::json!({
            "origin": origin,
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        });
        self.runtime
            .block_on(self.driver().cdp().send_raw("Browser.grantPermissions", params))
            .expect("clipboard permission through the DevTools protocol");
    }

    fn read_clipboard(&self) -> String {
        let value = self
            .runtime
            .block_on(self.driver().execute_async(
                "const done = arguments[arguments.length - 1]; navigator.clipboard.readText().then(done, e => done('ERROR ' + e));",
                Vec::new(),
            ))
            .expect("the clipboard can be read");
        value.json().as_str().unwrap_or_default().to_owned()
    }

    fn screenshot(&self, name: &str) {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join(format!("console-{name}.png"));
        self.runtime
            .block_on(self.driver().screenshot(&path))
            .unwrap_or_else(|e| panic!("a screenshot at {}: {e}", path.display()));
    }

    fn collect_log(&mut self) {
        if let Ok(entries) = self.runtime.block_on(self.driver().browser_log()) {
            self.log.extend(entries.into_iter().map(|e| LogLine {
                severe: e.level.eq_ignore_ascii_case("SEVERE"),
                text: format!("{} {}", e.level, e.message),
            }));
        }
    }

    /// The browser log's errors: page scripts' exceptions, failed loads, console.error calls.
    fn errors(&mut self) -> Vec<String> {
        self.collect_log();
        self.log.iter().filter(|l| l.severe).map(|l| l.text.clone()).collect()
    }
}

/// One entry of the browser's log.
struct LogLine {
    severe: bool,
    text: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Some(driver) = self.driver.take() {
            let _ = self.runtime.block_on(driver.quit());
        }
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// `http://host:port[/sb/id]`: where the sandbox's `/console` lives.
fn base(app: &TestApp) -> String {
    let v2 = app.url("/v2");
    v2.strip_suffix("/v2").unwrap_or(&v2).to_owned()
}

fn consumer_token(scenario: &str, integration: i64) -> String {
    tripletex_sandbox::scenario::resolve(scenario)
        .expect("an embedded scenario")
        .world
        .integrations
        .iter()
        .find(|i| i.id == integration)
        .and_then(|i| i.consumer_token.clone())
        .expect("the integration's consumer token")
}

const OFFICE: i64 = 4000;
const ADA: i64 = 8001;
const CLIENT: i64 = 4101;
const FJORD_SYNC: i64 = 101;

#[test]
fn the_articles_procedure_in_the_browser_ends_with_a_token_that_acts_as_the_client() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let app = spawn_scenario("empty-office");
    let base = base(&app);
    let console = format!("{base}/console");
    let mut browser = Browser::start();

    browser.goto(&console);
    assert_eq!(browser.text("h1"), "Treningskonsoll");
    assert_eq!(browser.text("#current-scenario"), "empty-office");
    browser.screenshot("home");

    // The company switcher opens the office.
    browser.choose("#company-switcher", &OFFICE.to_string());
    browser.follow("form.switcher button[type='submit']");
    assert!(
        browser.url().ends_with(&format!("/console/companies/{OFFICE}")),
        "{}",
        browser.url()
    );

    // Before «Integrasjoner» is on there is no API-tilgang tab: the page says why and what fixes it.
    browser.goto(&format!("{console}/people/{ADA}/api-access"));
    let refusal = browser.text(".notice.refused");
    assert!(refusal.contains("integrations_are_active"), "{refusal}");
    assert!(refusal.contains("Selskap > Mitt abonnement"), "{refusal}");

    // Selskap > Mitt abonnement: activate Integrations.
    browser.goto(&format!("{console}/companies/{OFFICE}"));
    browser.follow("nav.menu a[href$='/subscription']");
    assert_eq!(browser.text("h1"), "Selskap > Mitt abonnement");
    browser.set_checked("integrations-enabled", true);
    browser.follow("#save-subscription");
    assert!(browser.text(".notice.ok").contains("Abonnementet er lagret"));
    assert!(
        browser
            .runtime
            .block_on(browser.find("#integrations-enabled").is_selected())
            .unwrap()
    );
    browser.screenshot("subscription");

    // Integrasjoner: «Legg til» needs the agreement accepted.
    browser.follow("nav.menu a[href$='/integrations']");
    browser.follow(&format!("#add-{FJORD_SYNC}"));
    let refusal = browser.text(".notice.refused");
    assert!(refusal.contains("terms_are_accepted"), "{refusal}");
    browser.set_checked(&format!("terms-{FJORD_SYNC}"), true);
    browser.follow(&format!("#add-{FJORD_SYNC}"));
    assert!(browser.text(".notice.ok").contains("Integrasjonen er lagt til"));

    // Selskap > Ansatte > Ada > API-tilgang > «Ny nøkkel»: search, pick, name, tick the office box.
    browser.follow("nav.menu a[href$='/employees']");
    browser.follow(&format!("#api-access-{ADA}"));
    let new_key = |browser: &mut Browser| {
        browser.fill("#integration-search", "fjord");
        browser.follow("#search-integrations");
        assert!(
            !browser.exists("#integration-102"),
            "the search narrows the catalog: {}",
            browser.url()
        );
        browser.click(&format!("label[for='integration-{FJORD_SYNC}']"));
        browser.fill("#key-name", "Kontornøkkel");
        browser.set_checked("accountant-key", true);
        browser.follow("#create-key");
    };
    new_key(&mut browser);
    // Without «Brukeradministrator i klientkontoer» the form refuses, where the real UI does.
    let refusal = browser.text("#new-key-form .notice.refused");
    assert!(refusal.contains("office_key_is_allowed"), "{refusal}");
    assert!(refusal.contains("Brukeradministrator i klientkontoer"), "{refusal}");

    // «Tilpasset oppsett» needs the application name exactly as it was registered.
    browser.set_checked("custom-setup", true);
    browser.fill("#application-name", "fjord regnskap sync");
    browser.fill("#key-name", "Egen nøkkel");
    browser.follow("#create-key");
    let refusal = browser.text("#new-key-form .notice.refused");
    assert!(refusal.contains("Applikasjonen ble ikke funnet"), "{refusal}");
    assert!(refusal.contains("Mente du «Fjord Regnskap Sync»"), "{refusal}");

    // Brukertilgang: give Ada the role.
    browser.follow("nav.tabs a[href$='/access']");
    browser.set_checked("role-CLIENT_USER_ADMINISTRATOR", true);
    browser.follow("#save-access");
    assert!(browser.text(".notice.ok").contains("Brukertilgangen er lagret"));
    browser.screenshot("access");

    // «Ny nøkkel» again: the token is shown once, with a copy button.
    browser.follow("#api-access-tab");
    new_key(&mut browser);
    let shown = browser.value("#new-token");
    assert!(shown.starts_with("test-"), "{shown}");
    browser.allow_clipboard(&base);
    browser.click("#copy-token");
    let copied = browser.read_clipboard();
    assert_eq!(copied, shown, "the copy button puts the token on the clipboard");
    assert_eq!(
        browser.wait_for_text(".copied", "Kopiert", Duration::from_secs(3)),
        "Kopiert"
    );
    assert!(browser.text("#keys").contains("Kontornøkkel"));
    browser.screenshot("new-key");
    browser.goto(&browser.url());
    assert!(!browser.exists("#new-token"), "a token is shown once only");

    // Klient > Tilganger: link the key to the client, then filter on «API-nøkkel».
    browser.goto(&format!("{console}/companies/{OFFICE}/client-access"));
    browser.choose("#client", &CLIENT.to_string());
    browser.choose("#access-type", "api-key");
    browser.follow("#filter-access");
    assert!(browser.exists("#no-keys"));
    browser.follow("#link-submit");
    assert!(browser.url().contains("type=api-key"), "{}", browser.url());
    browser.click("#api-keys details summary");
    let details = browser.text("#api-keys details");
    assert!(details.contains("Standardrettigheter for regnskapsførere"), "{details}");
    assert!(browser.exists("#api-keys span.access[title='STANDARD_PRIVILEGES_ACCOUNTANT']"));
    assert!(
        details.contains("ingenting"),
        "nothing works before the client ticks API-tilgang: {details}"
    );

    // The client's Selskap > Regnskapsfører: tick API-tilgang (the office has admin rights here).
    browser.choose("#acting-as", &ADA.to_string());
    browser.follow("#acting-as + button");
    browser.goto(&format!("{console}/companies/{CLIENT}/accountant"));
    assert_eq!(
        browser.text("#office-link"),
        "Nullpunkt Regnskap AS",
        "the office by its name"
    );
    browser.set_checked("api-access", true);
    browser.follow("#save-accountant");
    assert!(browser.text(".notice.ok").contains("Innstillingene er lagret"));
    browser.screenshot("accountant");

    // Klient > Tilganger, filtered on «API-nøkkel»: the key's accesses, now in effect.
    browser.goto(&format!(
        "{console}/companies/{OFFICE}/client-access?client={CLIENT}&type=api-key"
    ));
    browser.click("#api-keys details summary");
    // Each access under its label in Tripletex, its code on hover.
    let effective = browser.text("#api-keys dd.effective");
    assert!(effective.contains("Kunder"), "{effective}");
    assert!(!effective.contains("AUTH_"), "labels, not codes: {effective}");
    assert!(browser.exists("#api-keys dd.effective span.access[title='AUTH_CUSTOMER']"));
    browser.screenshot("client-access");

    // The copied token, over /v2: a session, and whoAmI as the client.
    browser.goto(&format!("{console}/journal"));
    let session = app.session_from(&consumer_token("empty-office", FJORD_SYNC), &copied);
    let who = app.get_as(&CLIENT.to_string(), &session, "/v2/token/session/%3EwhoAmI");
    assert_eq!(who.status, 200, "{}", who.body);
    assert_eq!(who.body["value"]["companyId"], CLIENT);
    assert_eq!(who.body["value"]["employeeIsProxy"], true);

    // The live journal shows the calls without a reload.
    let rows = browser.wait_for_text("#journal-rows", "whoAmI", Duration::from_secs(10));
    assert!(
        rows.contains("/v2/token/session/>whoAmI") || rows.contains("whoAmI"),
        "{rows}"
    );
    assert!(rows.contains("Tillatt"), "{rows}");
    browser.screenshot("journal");
    let errors = browser.errors();
    assert!(errors.is_empty(), "the browser logged errors:\n{}", errors.join("\n"));
}

#[test]
fn the_missing_access_error_is_fixed_with_gjenopprett_nokkel() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    const KEY: i64 = 10400;
    const KAI: i64 = 9400;
    const OFFICE: i64 = 5400;
    const CLIENT: i64 = 5401;
    let app = spawn_scenario("office-key-needs-regeneration");
    let console = format!("{}/console", base(&app));
    let old_token = app
        .credentials()
        .into_iter()
        .find(|c| c["accountantKey"] == true)
        .and_then(|c| c["employeeToken"].as_str().map(str::to_owned))
        .expect("the office key's token");
    let consumer = consumer_token("office-key-needs-regeneration", FJORD_SYNC);
    let mut browser = Browser::start();
    browser.goto(&format!("{console}/journal"));

    // The integration hits the missing-access error...
    let session = app.session_from(&consumer, &old_token);
    let refused = app.get_as(&CLIENT.to_string(), &session, "/v2/token/session/%3EwhoAmI");
    assert_denied(&refused, 401, 3000, "company_context_is_allowed");

    // ...and the journal shows it live, with the rule and the fix.
    let rows = browser.wait_for_text("#journal-rows", "company_context_is_allowed", Duration::from_secs(10));
    assert!(
        rows.contains("Avvist") && rows.contains("401") && rows.contains("3000"),
        "{rows}"
    );
    assert!(rows.contains("«Gjenopprett nøkkel»"), "{rows}");
    browser.screenshot("journal-refused");

    // Klient > Tilganger lists the key on the client, and says why it does nothing yet.
    browser.goto(&format!(
        "{console}/companies/{OFFICE}/client-access?client={CLIENT}&type=api-key"
    ));
    browser.click("#api-keys details summary");
    let reason = browser.text("#api-keys dd.reason");
    assert!(reason.contains("Gjenopprett nøkkel"), "{reason}");

    // API-tilgang > «Gjenopprett nøkkel» shows a new token once.
    browser.goto(&format!("{console}/people/{KAI}/api-access"));
    browser.follow(&format!("#regenerate-{KEY}"));
    let new_token = browser.value("#new-token");
    assert!(new_token.starts_with("test-") && new_token != old_token, "{new_token}");
    browser.screenshot("regenerated");

    // The old token is dead, the new one reaches the client.
    let dead = app.create_session(Some(&consumer), Some(&old_token), Some(helpers::FUTURE));
    assert_eq!(dead.status, 422, "{}", dead.body);
    let session = app.session_from(&consumer, &new_token);
    let who = app.get_as(&CLIENT.to_string(), &session, "/v2/token/session/%3EwhoAmI");
    assert_eq!(who.status, 200, "{}", who.body);
    assert_eq!(who.body["value"]["companyId"], CLIENT);
    browser.goto(&format!(
        "{console}/companies/{OFFICE}/client-access?client={CLIENT}&type=api-key"
    ));
    browser.click("#api-keys details summary");
    assert!(!browser.exists("#api-keys dd.reason"), "no reason left: the key works");

    // An office person's access in a client, on their Brukertilgang tab.
    browser.goto(&format!("{console}/people/{KAI}/access"));
    browser.choose("#access-client", &CLIENT.to_string());
    browser.choose("#access-template", "ALL_PRIVILEGES");
    browser.follow("#save-client-access");
    assert!(browser.text(".notice.ok").contains("Tilgangen i klienten er lagret"));
    assert!(browser.text("#access-client").contains("Samtlige rettigheter"));
    let errors = browser.errors();
    assert!(errors.is_empty(), "the browser logged errors:\n{}", errors.join("\n"));
}

#[test]
fn the_console_speaks_english_on_request_and_the_browser_logs_no_errors() {
    let _one = ONE_BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let app = spawn_app();
    let console = format!("{}/console", base(&app));
    let mut browser = Browser::start();

    browser.goto(&console);
    // The log is really read: an error the page logs is seen.
    browser
        .runtime
        .block_on(
            browser
                .driver()
                .execute("console.error('probe from the test')", Vec::new()),
        )
        .expect("a script runs");
    let probe = browser.errors();
    assert!(probe.iter().any(|e| e.contains("probe from the test")), "{probe:?}");
    browser.log.clear();

    assert_eq!(browser.lang(), "no");
    assert_eq!(browser.text("h1"), "Treningskonsoll");
    browser.follow("#lang-toggle");
    assert_eq!(browser.lang(), "en");
    assert_eq!(browser.text("h1"), "Training console");
    assert!(browser.page_text().contains("Companies in the sandbox"));

    // The choice sticks from page to page: the menus in English.
    let company = browser.find("table tbody a");
    let href = browser
        .runtime
        .block_on(company.attr("href"))
        .ok()
        .flatten()
        .expect("a company link");
    browser.goto(&format!("{}{href}", base_origin(&app)));
    let menu = browser.text("nav.menu");
    assert!(menu.contains("Company > My subscription"), "{menu}");
    assert!(menu.contains("Customer > Contacts"), "{menu}");
    browser.follow("nav.menu a[href$='/employees']");
    assert_eq!(browser.text("h1"), "Company > Employees");
    browser.follow("td.links a[href$='/api-access']");
    assert!(browser.page_text().contains("New token"));
    assert!(browser.page_text().contains("Custom setup"));
    browser.set_checked("custom-setup", true);
    assert!(
        browser
            .runtime
            .block_on(browser.find("#application-name").is_displayed())
            .unwrap()
    );
    browser.screenshot("english");
    let keys_before = browser.count("#keys tbody tr");
    browser.follow("#keys button.danger");
    assert!(browser.text(".notice.ok").contains("The token is deleted"));
    assert_eq!(
        browser.count("#keys tbody tr"),
        keys_before - 1,
        "the key is gone from the list"
    );
    browser.follow("nav.menu a[href$='/integrations']");
    browser.goto(&format!("{console}/journal"));
    assert_eq!(browser.text("h1"), "Journal");
    std::thread::sleep(Duration::from_millis(2500)); // one round of the journal's polling

    // The trainer loads another scenario, then resets the sandbox.
    browser.goto(&console);
    browser.choose("#scenario-name", "empty-office");
    browser.follow("#load-scenario");
    assert_eq!(browser.text("#current-scenario"), "empty-office");
    assert!(browser.text(".notice.ok").contains("empty-office"));
    assert!(browser.page_text().contains("Nullpunkt Regnskap AS"));
    browser.follow("#reset");
    assert!(browser.text(".notice.ok").contains("back to the scenario"));

    // And back to Norwegian.
    browser.follow("#lang-toggle");
    assert_eq!(browser.lang(), "no");
    assert_eq!(browser.text("h1"), "Treningskonsoll");
    assert!(browser.page_text().contains("Firmaer i sandkassen"));

    let errors = browser.errors();
    assert!(errors.is_empty(), "the browser logged errors:\n{}", errors.join("\n"));
}

/// A browser's form post: the fields URL-encoded.
trait FormBody {
    fn form_body(self, fields: &[(&str, &str)]) -> Self;
}

impl FormBody for reqwest::blocking::RequestBuilder {
    fn form_body(self, fields: &[(&str, &str)]) -> Self {
        self.header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form fields encode"))
    }
}

/// `http://host:port` of the emulator.
fn base_origin(app: &TestApp) -> String {
    format!("http://{}", app.address)
}

/// The console's forms, posted the way another site's page would.
#[test]
fn a_form_posted_without_the_consoles_token_or_from_another_site_changes_nothing() {
    let app = spawn_scenario("empty-office");
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = format!("{}/console/companies/{OFFICE}/subscription", base(&app));
    let integrations = |app: &TestApp| {
        app.get(&format!("/_sandbox/companies/{OFFICE}/subscription")).body["value"]["integrationsEnabled"].clone()
    };

    let no_token = client
        .post(&url)
        .form_body(&[("integrationsEnabled", "true")])
        .send()
        .unwrap();
    assert_eq!(no_token.status(), 403);
    assert!(no_token.text().unwrap().contains("CSRF"));

    // A token of its own, from a page of the console: then the origin decides.
    let page = client.get(&url).send().unwrap();
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tsb_csrf="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
        .expect("the console sets its CSRF cookie");
    let token = cookie.trim_start_matches("tsb_csrf=").to_owned();
    let form = [("integrationsEnabled", "true"), ("csrf", token.as_str())];
    let cross_site = client
        .post(&url)
        .header("Cookie", &cookie)
        .header("Sec-Fetch-Site", "cross-site")
        .form_body(&form)
        .send()
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let other_origin = client
        .post(&url)
        .header("Cookie", &cookie)
        .header("Origin", "http://evil.example")
        .form_body(&form)
        .send()
        .unwrap();
    assert_eq!(other_origin.status(), 403);
    assert_eq!(integrations(&app), Value::Bool(false), "nothing changed");

    let same_site = client
        .post(&url)
        .header("Cookie", &cookie)
        .header("Sec-Fetch-Site", "same-origin")
        .form_body(&form)
        .send()
        .unwrap();
    assert_eq!(same_site.status(), 303, "POST-redirect-GET");
    assert_eq!(integrations(&app), Value::Bool(true));

    // Nonsense in a form is a readable page, never a 500.
    let nonsense = client
        .post(format!("{}/console/companies/{OFFICE}/integrations", base(&app)))
        .header("Cookie", &cookie)
        .form_body(&[("integrationId", "12x"), ("csrf", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(
        nonsense.status(),
        200,
        "a refusal is shown on the page that was refused"
    );
    assert_eq!(nonsense.headers()["x-sandbox-refused"], "422 18000");
    assert!(nonsense.text().unwrap().contains("må være et tall"));
    let unknown = client
        .get(format!("{}/console/people/nobody/access", base(&app)))
        .send()
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(
        unknown.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[test]
fn with_an_admin_token_the_console_asks_for_it_once_and_remembers_it_in_a_cookie() {
    const SECRET: &str = "console-secret-0123456789";
    let app = spawn_with(Config {
        admin_token: Some(tripletex_sandbox::http::guard::AdminToken::new(SECRET.into()).unwrap()),
        ..Config::for_tests()
    });
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let console = format!("http://{}/console", app.address);
    let locked = client.get(&console).send().unwrap();
    assert_eq!(locked.status(), 401);
    let cookie = locked
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tsb_csrf="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
        .expect("the login form's CSRF cookie");
    let csrf = cookie.trim_start_matches("tsb_csrf=").to_owned();
    assert!(locked.text().unwrap().contains("admin-token"));
    assert_eq!(client.get(format!("{console}/journal")).send().unwrap().status(), 401);

    let login = |token: &str| {
        client
            .post(format!("{console}/login"))
            .header("Cookie", &cookie)
            .form_body(&[("token", token), ("csrf", csrf.as_str())])
            .send()
            .unwrap()
    };
    assert_eq!(login("wrong-token-0123456789").status(), 401);
    let admitted = login(SECRET);
    assert_eq!(admitted.status(), 303);
    let admin = admitted
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tsb_admin="))
        .expect("the admin cookie")
        .to_owned();
    assert!(
        admin.contains("HttpOnly") && admin.contains("SameSite=Strict"),
        "{admin}"
    );
    let admin = admin.split(';').next().unwrap_or_default().to_owned();
    let open = client.get(&console).header("Cookie", &admin).send().unwrap();
    assert_eq!(open.status(), 200);
}
