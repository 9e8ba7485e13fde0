//! Driving Debian's chromium through chromedriver (WebDriver) for the
//! browser tests, and axe-core on a page. Shared by the browser tests
//! (`#[path = "browser/mod.rs"] mod browser;`).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

use crate::common::project_dir;

pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn tools() -> Result<(PathBuf, PathBuf, PathBuf), String> {
    let chromium = PathBuf::from(std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into()));
    let driver =
        PathBuf::from(std::env::var("CHROMEDRIVER").unwrap_or("/usr/bin/chromedriver".into()));
    let axe = std::env::var("AXE_CORE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| project_dir().join("target/axe/node_modules/axe-core/axe.min.js"));
    for path in [&chromium, &driver, &axe] {
        if !path.exists() {
            return Err(format!("{} is missing", path.display()));
        }
    }
    Ok((chromium, driver, axe))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub async fn browser(chromium: &std::path::Path, driver: &std::path::Path) -> (Driver, Client) {
    browser_with(chromium, driver, true).await
}

/// A browser with JavaScript switched off, as some readers have it.
pub async fn browser_without_javascript(
    chromium: &std::path::Path,
    driver: &std::path::Path,
) -> (Driver, Client) {
    browser_with(chromium, driver, false).await
}

async fn browser_with(
    chromium: &std::path::Path,
    driver: &std::path::Path,
    javascript: bool,
) -> (Driver, Client) {
    let port = free_port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let profile = tempfile::tempdir().unwrap().keep();
    let mut caps = serde_json::Map::new();
    // The console, for Content-Security-Policy violations.
    caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                     format!("--user-data-dir={}", profile.display())],
            "prefs": {"profile.managed_default_content_settings.javascript": if javascript { 1 } else { 2 }}
        }),
    );
    // fantoccini talks plain HTTP to chromedriver, but its TLS stack
    // still wants a crypto provider chosen.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match ClientBuilder::rustls()
            .expect("TLS set-up")
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) if Instant::now() > deadline => panic!("chromedriver did not answer: {e}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
}

/// chromedriver's console log (`se/log`), read and emptied.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(r#"{"type": "browser"}"#.into()),
        )
    }
}

/// The console messages since the last call that report a
/// Content-Security-Policy violation.
pub async fn csp_violations(client: &Client) -> Vec<String> {
    let log = client.issue_cmd(BrowserLog).await.expect("the console log");
    log.as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["message"].as_str())
        .filter(|m| m.contains("Content Security Policy") || m.contains("Content-Security-Policy"))
        .map(String::from)
        .collect()
}

/// Whether a browser test may be skipped: it says so, except under CI,
/// where a missing tool fails it.
pub fn tools_or_skip(what: &str) -> Option<(PathBuf, PathBuf, PathBuf)> {
    match tools() {
        Ok(t) => Some(t),
        Err(missing) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI must run {what}, but {missing}")
        }
        Err(missing) => {
            eprintln!("NOT RUN: {what} ({missing})");
            None
        }
    }
}

/// axe-core's WCAG 2.1 A/AA violations on the current page.
pub async fn axe_violations(client: &Client, axe: &std::path::Path) -> Value {
    let source = std::fs::read_to_string(axe).unwrap();
    client
        .execute(&source, vec![])
        .await
        .expect("axe-core loads");
    client
        .execute_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(function (r) { done(r.violations.map(function (v) { return v.id + ': ' + v.help + ' (' + v.nodes.length + ')'; })); })
               .catch(function (e) { done(['axe failed: ' + e]); });",
            vec![],
        )
        .await
        .expect("axe runs")
}

pub fn no_violations() -> Value {
    json!([])
}
