//! The API and the feeds as `vindplaats serve` answers them, from the real
//! binary on loopback: ETag and 304, Last-Modified, CORS, JSON errors, and
//! no draft in any answer.

mod common;

use std::fs;

use common::{shipped_site_copy, start_server};

const MARKER: &str = "ZXQVSERVEDRAFT";

#[tokio::test]
async fn the_api_answers_with_etags_cors_and_json_errors() {
    let site = shipped_site_copy();
    fs::write(
        site.path().join("content/publicaties/concept-voor-serve.md"),
        format!("+++\ntitle = \"{MARKER}\"\ndescription = \"{MARKER}\"\ndate = 2026-02-01\ndraft = true\n[taxonomies]\nthema = [\"Gelijke kansen\"]\n[extra]\nstatus = \"draft\"\n+++\n{MARKER}\n"),
    )
    .unwrap();
    let server = start_server(site.path(), &["--no-watch"]);
    let client = reqwest::Client::new();
    let base = &server.base;

    let first = client
        .get(format!("{base}/api/v1/publications/page/1.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    let headers = first.headers().clone();
    assert_eq!(headers["access-control-allow-origin"], "*");
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert!(headers.contains_key("last-modified"));
    let etag = headers["etag"].to_str().unwrap().to_string();
    let body: serde_json::Value = first.json().await.unwrap();
    // Links point at the server it is served from.
    assert!(body["links"]["self"]
        .as_str()
        .unwrap()
        .starts_with(base.as_str()));

    let again = client
        .get(format!("{base}/api/v1/publications/page/1.json"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"], etag.as_str());
    assert!(again.bytes().await.unwrap().is_empty());
    let other = client
        .get(format!("{base}/api/v1/publications/page/1.json"))
        .header("If-None-Match", "\"iets-anders\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200);

    for path in [
        "/api/v1/bestaat-niet.json",
        "/api/v1/items/nee.json",
        "/api/v2/",
        "/api/v1/items/..%5c..%5cCargo.toml",
        "/api/v1/%00",
    ] {
        let answer = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(answer.status(), 404, "{path}");
        let error: serde_json::Value = answer
            .json()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(error["code"], "not_found", "{path}");
    }
    let post = client
        .post(format!("{base}/api/v1/index.json"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
    let error: serde_json::Value = post.json().await.unwrap();
    assert_eq!(error["code"], "method_not_allowed");

    let feed = client
        .get(format!("{base}/feeds/publicaties/rss.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(feed.status(), 200);
    assert_eq!(feed.headers()["access-control-allow-origin"], "*");
    let feed = feed_rs::parser::parse(feed.bytes().await.unwrap().as_ref()).unwrap();
    assert!(!feed.entries.is_empty());

    // The draft is in no answer: API lists and items, feeds, search.
    let mut answers = Vec::new();
    for path in [
        "/api/v1/publications/page/1.json",
        "/api/v1/index.json",
        "/feeds/publicaties/atom.xml",
        "/feeds/publicaties/feed.json",
        "/feeds/thema/gelijke-kansen/rss.xml",
        "/api/v1/publications/thema/gelijke-kansen/page/1.json",
        "/api/v1/items/publicaties-concept-voor-serve.json",
        "/publicaties/concept-voor-serve/",
    ] {
        let answer = client.get(format!("{base}{path}")).send().await.unwrap();
        answers.push((path, answer.text().await.unwrap()));
    }
    let search = client
        .post(format!("{base}/indexes/publications/search"))
        .json(&serde_json::json!({"q": MARKER}))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    answers.push(("search", search));
    for (path, text) in answers {
        // The search answer repeats the query itself; its hits must not.
        let text = text.replace(&format!("\"query\":\"{MARKER}\""), "");
        assert!(!text.contains(MARKER), "{path} shows the draft");
    }
}
