//! The search page in a real browser: Debian's chromium driven through
//! chromedriver (WebDriver), against the real `vindplaats serve`. A reader
//! types a query, applies a facet, goes back; the URL keeps the state; and
//! axe-core finds no WCAG 2.1 A/AA violations.
//!
//! Needs /usr/bin/chromium, /usr/bin/chromedriver and axe-core (`.ci/run`
//! installs all three; `AXE_CORE_JS` may point at axe.min.js). Without
//! them it says it did not run, except under CI, where that fails.

#[path = "browser/mod.rs"]
mod browser;
mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use browser::{browser, csp_violations, tools};
use common::{shipped_site_copy, start_server};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

/// Waits until `script` (a JS expression) is truthy; returns its value.
async fn wait_for(client: &Client, script: &str, what: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let value = client
            .execute(&format!("return {script};"), vec![])
            .await
            .expect("script runs");
        let truthy = !matches!(value, Value::Null | Value::Bool(false))
            && value != json!("")
            && value != json!(0);
        if truthy {
            return value;
        }
        if Instant::now() > deadline {
            let status = client
                .execute(
                    "return document.getElementById('zoekstatus').textContent;",
                    vec![],
                )
                .await
                .unwrap_or(Value::Null);
            panic!("waited in vain for {what}; status: {status}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_searches_filters_and_goes_back() {
    let (chromium, driver, axe) = match tools() {
        Ok(t) => t,
        Err(missing) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI must run the browser test, but {missing}")
        }
        Err(missing) => {
            let _ = writeln!(std::io::stderr(), "NOT RUN: the browser test ({missing})");
            return;
        }
    };
    let site = shipped_site_copy();
    let server = start_server(site.path(), &["--no-watch"]);
    let (_driver, client) = browser(&chromium, &driver).await;

    client
        .goto(&format!("{}/zoeken/", server.base))
        .await
        .unwrap();
    // With no query the page lists everything, newest first.
    wait_for(
        &client,
        "document.querySelectorAll('#resultaten li').length",
        "the first results",
    )
    .await;

    // The reader types; results come as they type, announced in the live region.
    let input = client.find(Locator::Css("#zoekterm")).await.unwrap();
    input.send_keys("vluchtelingen").await.unwrap();
    let status = wait_for(
        &client,
        "(document.getElementById('zoekstatus').textContent.indexOf('vluchtelingen') >= 0) && document.getElementById('zoekstatus').textContent",
        "results for vluchtelingen",
    )
    .await;
    assert!(status.as_str().unwrap().contains("resulta"), "{status}");
    let first = client
        .find(Locator::Css("#resultaten li h3"))
        .await
        .unwrap()
        .html(true)
        .await
        .unwrap();
    assert!(first.contains("<mark>vluchtelingen</mark>"), "{first}");
    let url = client.current_url().await.unwrap();
    assert!(
        url.query().unwrap_or_default().contains("q=vluchtelingen"),
        "{url}"
    );

    // A facet narrows the results and lands in the URL.
    let total_before = client
        .execute(
            "return document.querySelectorAll('#resultaten li').length;",
            vec![],
        )
        .await
        .unwrap();
    let boxes = client
        .find_all(Locator::Css("#facetten input[data-facet='type']"))
        .await
        .unwrap();
    assert!(!boxes.is_empty(), "type facets are shown");
    let value = boxes[0].attr("value").await.unwrap().unwrap();
    // By keyboard, as a reader without a mouse would: space ticks the box.
    boxes[0].send_keys(" ").await.unwrap();
    wait_for(
        &client,
        "location.search.indexOf('type=') >= 0",
        "the facet in the URL",
    )
    .await;
    wait_for(
        &client,
        "document.getElementById('zoekstatus').textContent.indexOf('filter') >= 0",
        "the filtered results",
    )
    .await;
    let shown: Vec<Value> = client
        .execute(
            "return Array.from(document.querySelectorAll('#resultaten .resultaat__meta')).map(function (e) { return e.textContent; });",
            vec![],
        )
        .await
        .unwrap()
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!shown.is_empty());
    assert!(shown.len() as u64 <= total_before.as_u64().unwrap());
    let label = client
        .execute(
            "return document.querySelector(\"label[for='\" + document.querySelector(\"#facetten input[data-facet='type']:checked\").id + \"']\").textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        label.as_str().is_some(),
        "the checked facet is labelled: {label} ({value})"
    );

    // The back button restores the search without the facet.
    client.back().await.unwrap();
    wait_for(
        &client,
        "location.search.indexOf('type=') < 0",
        "the URL without the facet",
    )
    .await;
    wait_for(
        &client,
        "document.getElementById('zoekstatus').textContent.indexOf('filter') < 0 && document.getElementById('zoekterm').value === 'vluchtelingen'",
        "the unfiltered results",
    )
    .await;

    // A shared link opens the same search.
    client
        .goto(&format!(
            "{}/zoeken/?q=wijken&sorteer=date%3Adesc",
            server.base
        ))
        .await
        .unwrap();
    wait_for(
        &client,
        "document.getElementById('zoekterm').value === 'wijken' && document.getElementById('sortering').value === 'date:desc' && document.querySelectorAll('#resultaten li').length",
        "the shared search",
    )
    .await;

    // Nothing found: it says so and suggests removing filters.
    client
        .goto(&format!(
            "{}/zoeken/?q=xylofoonkwartet&thema=Gelijke+kansen",
            server.base
        ))
        .await
        .unwrap();
    let status = wait_for(
        &client,
        "document.getElementById('zoekstatus').textContent.indexOf('Geen resultaten') >= 0 && document.getElementById('zoekstatus').textContent",
        "the empty result",
    )
    .await;
    assert!(status.as_str().unwrap().contains("filter"), "{status}");

    // Everything above ran under serve's Content-Security-Policy, and the
    // console holds no violation of it.
    let answer = reqwest::get(format!("{}/zoeken/", server.base))
        .await
        .unwrap();
    let policy = answer.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let violations = csp_violations(&client).await;
    assert!(violations.is_empty(), "{violations:#?}");
    // The check sees a violation when there is one: an inline script is refused.
    client
        .execute(
            "var s = document.createElement('script'); s.textContent = 'window.binnen = 1;'; document.body.appendChild(s); return window.binnen || 0;",
            vec![],
        )
        .await
        .unwrap();
    let refused = csp_violations(&client).await;
    assert!(!refused.is_empty(), "an inline script ran unseen");

    // axe-core on the page with results, facets and pages.
    client
        .goto(&format!("{}/zoeken/?q=jongeren", server.base))
        .await
        .unwrap();
    wait_for(
        &client,
        "document.querySelectorAll('#facetten input').length",
        "facets",
    )
    .await;
    let source = std::fs::read_to_string(&axe).unwrap();
    client
        .execute(&source, vec![])
        .await
        .expect("axe-core loads");
    let violations = client
        .execute_async(
            "var done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
               .then(function (r) { done(r.violations.map(function (v) { return v.id + ': ' + v.help + ' (' + v.nodes.length + ')'; })); })
               .catch(function (e) { done(['axe failed: ' + e]); });",
            vec![],
        )
        .await
        .expect("axe runs");
    assert_eq!(violations, json!([]), "axe-core violations on /zoeken/");
    client.close().await.unwrap();
}
