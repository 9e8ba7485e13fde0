//! The wire protocol: `meilisearch-sdk` itself, pointed at the real
//! `vindplaats serve`, gets correct results; bad input gets Meilisearch's
//! error format; searches keep being answered while the site reindexes.

mod common;

use std::time::{Duration, Instant};

use meilisearch_sdk::client::Client;
use meilisearch_sdk::search::{SearchQuery, Selectors};
use serde::Deserialize;
use serde_json::{json, Value};

use common::{json_answer, post_json, shipped_site_copy, start_server};

#[derive(Debug, Deserialize)]
struct Item {
    id: String,
    url: String,
    title: String,
    #[serde(default)]
    year: Option<i64>,
    #[serde(default)]
    date: Option<String>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_meilisearch_sdk_searches_vindplaats_serve() {
    let site = shipped_site_copy();
    let server = start_server(site.path(), &["--no-watch"]);
    let client = Client::new(&server.base, None::<String>).expect("client");
    let index = client.index("publications");

    // Stemming through the wire: "vluchtelingen" finds the publication
    // about young refugees, highlighted (among publications: portal
    // projects and themes carry the word in their titles too).
    let results = index
        .search()
        .with_query("vluchtelingen")
        .with_filter("soort = publicatie")
        .with_attributes_to_highlight(Selectors::Some(&["title"]))
        .execute::<Item>()
        .await
        .expect("search");
    let first = &results.hits[0];
    assert!(
        first.result.title.contains("vluchtelingen"),
        "{:?}",
        first.result
    );
    assert!(
        first.result.url.starts_with("/publicaties/"),
        "{:?}",
        first.result
    );
    let formatted = first.formatted_result.as_ref().expect("_formatted");
    assert!(formatted["title"]
        .as_str()
        .unwrap()
        .contains("<em>vluchtelingen</em>"));
    assert_eq!(results.query, "vluchtelingen");

    // Facets, a filter and a sort.
    let results = index
        .search()
        .with_query("")
        .with_facets(Selectors::Some(&["type", "year", "thema"]))
        .with_filter("year >= 2021 AND type = rapport")
        .with_sort(&["date:desc"])
        .with_limit(50)
        .execute::<Item>()
        .await
        .expect("faceted search");
    let total = results.estimated_total_hits.expect("estimatedTotalHits");
    assert!(total > 0 && total == results.hits.len(), "{total}");
    let dist = results.facet_distribution.expect("facetDistribution");
    assert_eq!(dist["type"].keys().collect::<Vec<_>>(), ["rapport"]);
    assert!(
        dist["year"].keys().all(|y| y.as_str() >= "2021"),
        "{dist:?}"
    );
    assert!(results
        .hits
        .iter()
        .all(|h| h.result.year.unwrap_or(0) >= 2021));
    let dates: Vec<String> = results
        .hits
        .iter()
        .filter_map(|h| h.result.date.clone())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");

    // Pages.
    let page = index
        .search()
        .with_query("")
        .with_page(2)
        .with_hits_per_page(10)
        .execute::<Item>()
        .await
        .expect("paged search");
    assert_eq!(page.page, Some(2));
    // Every published page of the shipped site, of every kind.
    assert_eq!(page.total_hits, Some(101));
    assert_eq!(page.total_pages, Some(11));
    assert_eq!(page.hits.len(), 10);

    // Multi-search, as the SDK sends it.
    let mut q1 = SearchQuery::new(&index);
    q1.with_query("podcast")
        .with_filter("type = podcast-aflevering");
    let mut q2 = SearchQuery::new(&index);
    q2.with_query("onderwijskansen");
    let multi = client
        .multi_search()
        .with_search_query(q1)
        .with_search_query(q2)
        .execute::<Item>()
        .await
        .expect("multi-search");
    assert_eq!(multi.results.len(), 2);
    assert!(multi.results[0]
        .hits
        .iter()
        .all(|h| h.result.url.starts_with("/podcasts/")));
    assert!(
        !multi.results[1].hits.is_empty(),
        "onderwijskansen finds something"
    );
    assert!(multi.results[1]
        .hits
        .iter()
        .all(|h| !h.result.id.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_meilisearch_errors() {
    let site = shipped_site_copy();
    let server = start_server(site.path(), &["--no-watch"]);
    let http = reqwest::Client::new();
    let url = format!("{}/indexes/publications/search", server.base);
    let cases = [
        (json!({"q": "a".repeat(10_000)}), "invalid_search_q"),
        (
            json!({"q": "x", "filter": "thema = \"x"}),
            "invalid_search_filter",
        ),
        (
            json!({"filter": "thema = \"x\" OR 1=1"}),
            "invalid_search_filter",
        ),
        (json!({"facets": ["kleur"]}), "invalid_search_facets"),
        (json!({"offset": -5}), "invalid_search_offset"),
        (json!({"limit": -1}), "invalid_search_limit"),
        (json!({"sort": ["title:asc"]}), "invalid_search_sort"),
        (json!({"q": 42}), "invalid_search_q"),
        (json!({"zoekterm": "x"}), "bad_request"),
    ];
    for (body, code) in cases {
        let (status, error) = post_json(&http, &url, &body).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(error["code"], code, "{body} → {error}");
        assert_eq!(error["type"], "invalid_request");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(
            error["link"],
            format!("https://docs.meilisearch.com/errors#{code}")
        );
    }
    // A quote the reader has not closed yet is a phrase, not an error.
    let (status, body) = post_json(&http, &url, &json!({"q": "\"nieuwe wet"})).await;
    assert_eq!(status, 200);
    assert!(body["estimatedTotalHits"].as_u64().unwrap() > 0, "{body}");
    // Broken JSON, the wrong content type, an unknown index.
    let response = http
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"q\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.json::<Value>().await.unwrap()["code"],
        "malformed_payload"
    );
    let response = http.post(&url).body("q=x").send().await.unwrap();
    assert_eq!(response.status(), 415);
    let other = format!("{}/indexes/anders/search", server.base);
    let (status, error) = post_json(&http, &other, &json!({"q": "x"})).await;
    assert_eq!(status, 404);
    assert_eq!(error["code"], "index_not_found");
    // GET with parameters in the query string works too.
    let body = json_answer(http.get(format!("{url}?q=wijken&limit=2&facets=type"))).await;
    assert_eq!(body["limit"], 2);
    assert!(body["facetDistribution"]["type"].is_object(), "{body}");
    // The server is still up after all that.
    assert_eq!(
        http.get(format!("{}/health", server.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_are_answered_while_the_site_reindexes() {
    let site = shipped_site_copy();
    let server = start_server(site.path(), &[]);
    let http = reqwest::Client::new();
    let url = format!("{}/indexes/publications/search", server.base);
    let file = site
        .path()
        .join("content/publicaties/aandacht-voor-aanvullend-leren.md");
    let original = std::fs::read_to_string(&file).expect("a shipped publication");

    let searching = {
        let (http, url) = (http.clone(), url.clone());
        tokio::spawn(async move {
            let mut answered = 0;
            let until = Instant::now() + Duration::from_secs(4);
            while Instant::now() < until {
                let body = json!({"q": "aanvullend leren", "facets": ["type"]});
                let (status, body) = post_json(&http, &url, &body).await;
                assert_eq!(status, 200, "{body}");
                assert!(body["hits"].is_array());
                answered += 1;
            }
            answered
        })
    };
    // An editor renames the publication while readers search.
    tokio::time::sleep(Duration::from_millis(300)).await;
    std::fs::write(
        &file,
        original.replace(
            "title = \"Aandacht voor aanvullend leren\"",
            "title = \"Zomerschool als springplank\"",
        ),
    )
    .unwrap();
    let answered = searching.await.expect("searching task");
    assert!(answered > 10, "only {answered} searches answered");

    // The edit is searchable once the rebuild has run.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = post_json(&http, &url, &json!({"q": "springplank"})).await;
        if body["estimatedTotalHits"] == 1 {
            assert_eq!(body["hits"][0]["title"], "Zomerschool als springplank");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the edit never reached the index: {body}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_page_is_served_in_dutch() {
    let site = shipped_site_copy();
    let server = start_server(site.path(), &["--no-watch"]);
    let html = reqwest::get(format!("{}/zoeken/", server.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("<label for=\"zoekterm\">Zoekwoorden</label>"),
        "{html}"
    );
    assert!(html.contains("aria-live=\"polite\""));
    assert!(html.contains("role=\"search\""));
    let js = reqwest::get(format!("{}/js/zoeken.js", server.base))
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    assert!(js
        .text()
        .await
        .unwrap()
        .contains("/indexes/publications/search"));
}
