//! axe-core on one page of every kind of the shipped site, in Debian's
//! chromium against the real `vindplaats serve`: no WCAG 2.1 A/AA
//! violation anywhere. The accessibility statement names these pages.
//!
//! Needs chromium, chromedriver and axe-core, as the search page's
//! browser test does.

#[path = "browser/mod.rs"]
mod browser;
mod common;

use std::path::Path;

use browser::{axe_violations, browser, tools_or_skip};
use common::{shipped_site_copy, start_server};

/// The first page below `dir` of the built site (`/publicaties/x/`).
fn first_below(public: &Path, dir: &str) -> String {
    let mut names: Vec<String> = std::fs::read_dir(public.join(dir.trim_matches('/')))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(Result::ok)
        .filter(|e| e.path().join("index.html").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "page")
        .collect();
    names.sort();
    format!(
        "{dir}{}/",
        names
            .first()
            .unwrap_or_else(|| panic!("nothing below {dir}"))
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_kind_passes_axe_core() {
    let Some((chromium, driver, axe)) = tools_or_skip("axe-core on every page kind") else {
        return;
    };
    let site = shipped_site_copy();
    let server = start_server(site.path(), &["--no-watch"]);
    let public = site.path().join("public");
    let series = first_below(&public, "/podcasts/");
    let newsletter = first_below(&public, "/nieuwsbrief/");
    let mut pages: Vec<String> = vec![
        "/".into(),
        "/publicaties/".into(),
        first_below(&public, "/publicaties/"),
        "/themas/".into(),
        first_below(&public, "/themas/"),
        first_below(&public, "/thema/"),
        first_below(&public, "/programmalijn/"),
        first_below(&public, "/type/"),
        first_below(&public, "/partner/"),
        first_below(&public, "/jaar/"),
        "/dossiers/".into(),
        first_below(&public, "/dossiers/"),
        "/podcasts/".into(),
        series.clone(),
        first_below(&public, &series),
        "/vraag-en-antwoord/".into(),
        first_below(&public, "/vraag-en-antwoord/"),
        "/kennisateliers/".into(),
        first_below(&public, "/kennisateliers/"),
        "/portaalprojecten/".into(),
        first_below(&public, "/portaalprojecten/"),
        "/partners/".into(),
        first_below(&public, "/partners/"),
        "/over-ons/".into(),
        "/over-ons/vraag-stellen/".into(),
        "/over-ons/partner-worden/".into(),
        "/toegankelijkheid/".into(),
        "/privacy/".into(),
        "/colofon/".into(),
        "/nieuwsbrief/".into(),
        newsletter.clone(),
        format!("{newsletter}email.html"),
        "/zoeken/?q=jongeren".into(),
        "/deze-pagina-bestaat-niet/".into(),
    ];
    pages.dedup();
    let (_driver, client) = browser(&chromium, &driver).await;
    let mut found = Vec::new();
    for path in &pages {
        client
            .goto(&format!("{}{path}", server.base))
            .await
            .unwrap();
        let violations = axe_violations(&client, &axe).await;
        if violations != serde_json::json!([]) {
            found.push(format!("{path}: {violations}"));
        }
    }
    client.close().await.unwrap();
    println!(
        "axe-core checked {} pages: {}",
        pages.len(),
        pages.join(" ")
    );
    assert!(
        found.is_empty(),
        "axe-core violations:\n{}",
        found.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_javascript_the_header_search_finds_results() {
    let Some((chromium, driver, _axe)) = tools_or_skip("search without JavaScript") else {
        return;
    };
    let site = shipped_site_copy();
    let server = start_server(site.path(), &["--no-watch"]);
    let (_driver, client) = browser::browser_without_javascript(&chromium, &driver).await;
    client
        .goto(&format!("{}/partners/", server.base))
        .await
        .unwrap();

    let field = client
        .find(fantoccini::Locator::Css("#kopzoek-term"))
        .await
        .expect("a search field in the header");
    field.send_keys("movisie\u{e007}").await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !client
        .current_url()
        .await
        .unwrap()
        .path()
        .starts_with("/zoeken/")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the form did not submit"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let url = client.current_url().await.unwrap();
    assert_eq!(url.query(), Some("q=movisie"));
    let html = client.source().await.unwrap();
    assert!(
        html.contains("resultaten voor ‘movisie’"),
        "server-rendered results"
    );
    assert!(
        html.contains("href=\"/partners/movisie/\""),
        "the partner page is found"
    );
    // A facet is a link: following it filters.
    let facet = client
        .find(fantoccini::Locator::XPath(
            "//div[@id='facetten']//a[contains(., 'Partner')]",
        ))
        .await
        .expect("the soort facet as a link");
    // Followed from the keyboard (Enter on the focused link).
    facet.send_keys("\u{e007}").await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !client
        .current_url()
        .await
        .unwrap()
        .query()
        .unwrap_or_default()
        .contains("soort=")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the facet link was not followed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let html = client.source().await.unwrap();
    assert!(html.contains("met 1 filter"), "filtered");
    assert!(client
        .current_url()
        .await
        .unwrap()
        .query()
        .unwrap_or_default()
        .contains("soort=partner"));
    // Scripts are off: the browser shows the <noscript> text as elements.
    client
        .find(fantoccini::Locator::Css("noscript p.melding"))
        .await
        .expect("JavaScript is off in this browser");
    client.close().await.unwrap();
}
