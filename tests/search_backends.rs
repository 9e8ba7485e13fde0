//! One suite, both backends, through the `SearchBackend` trait: the
//! embedded index always, and a real Meilisearch when `MEILI_URL` and
//! `MEILI_MASTER_KEY` are set (otherwise this says it did not run).
//! Against Meilisearch it also checks the settings it applied, the
//! search-only key, and that a reindex swaps without downtime.

mod common;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{corpus, doc, json_answer, SYNONYMS};
use serde_json::{json, Value};
use vindplaats::search::meili::Meilisearch;
use vindplaats::search::{EmbeddedIndex, SearchBackend, SearchRequest, Synonyms};

async fn search<B: SearchBackend>(backend: &B, body: Value) -> Value {
    let request = SearchRequest::from_json(&body).expect("valid request");
    backend.search(request).await.expect("search").to_json()
}

async fn ids<B: SearchBackend>(backend: &B, body: Value) -> Vec<String> {
    search(backend, body).await["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// What both backends must do on the small corpus.
async fn suite<B: SearchBackend>(backend: &B, name: &str) {
    let report = backend.replace_documents(corpus()).await.expect("index");
    assert_eq!(report.documents, 7, "{name}");
    // Dutch: stemming, typos, accents, stop words, synonyms.
    assert_eq!(
        ids(backend, json!({"q": "vluchtelingen"})).await,
        ["vluchteling"],
        "{name}: stemming"
    );
    let exact = ids(backend, json!({"q": "jongeren"})).await;
    let typo = ids(backend, json!({"q": "jongiren"})).await;
    assert_eq!(exact.first(), Some(&"jongeren".to_string()), "{name}");
    assert_eq!(
        typo.first(),
        exact.first(),
        "{name}: one typo keeps the top hit"
    );
    assert_eq!(
        ids(backend, json!({"q": "financiele"})).await,
        ["financieel"],
        "{name}: accents"
    );
    assert_eq!(
        ids(backend, json!({"q": "de polarisatie"})).await,
        ["polarisatie"],
        "{name}: stop words"
    );
    let mut found = ids(backend, json!({"q": "statushouder"})).await;
    found.sort();
    assert_eq!(found, ["financieel", "vergunning"], "{name}: synonyms");
    assert!(
        ids(backend, json!({"q": "onderwijskansen"}))
            .await
            .contains(&"kansen".to_string()),
        "{name}: compounds"
    );
    // Facets, filters, sort, paging.
    let r = search(backend, json!({"q": "", "facets": ["type", "year"], "filter": "year >= 2020 AND (type = rapport OR type = artikel)", "sort": ["date:desc"]})).await;
    let got: Vec<&str> = r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, ["polarisatie", "kansen", "financieel"], "{name}: {r}");
    assert_eq!(
        r["facetDistribution"]["type"],
        json!({"artikel": 1, "rapport": 2}),
        "{name}"
    );
    assert_eq!(
        r["facetDistribution"]["year"],
        json!({"2020": 1, "2021": 1, "2023": 1}),
        "{name}"
    );
    let r = search(
        backend,
        json!({"q": "", "hitsPerPage": 3, "page": 2, "sort": ["date:asc"]}),
    )
    .await;
    assert_eq!(r["totalHits"], 7, "{name}");
    assert_eq!(r["totalPages"], 3, "{name}");
    // Highlighting.
    let r = search(backend, json!({"q": "wijk", "attributesToHighlight": ["title"], "highlightPreTag": "<mark>", "highlightPostTag": "</mark>"})).await;
    assert_eq!(
        r["hits"][0]["_formatted"]["title"], "Jongeren in de <mark>wijk</mark>",
        "{name}"
    );
    // Reindex after an edit and a delete.
    let mut docs = corpus();
    docs.retain(|d| d.id() != "vluchteling");
    docs.push(doc(json!({"id": "nieuw", "title": "Zomerschool als springplank", "type": "artikel", "year": 2024, "date": "2024-07-01"})));
    backend.replace_documents(docs).await.expect("reindex");
    assert_eq!(
        ids(backend, json!({"q": "springplank"})).await,
        ["nieuw"],
        "{name}"
    );
    assert!(
        ids(backend, json!({"q": "vluchteling"})).await.is_empty(),
        "{name}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_backend() {
    let dir = tempfile::tempdir().unwrap();
    let index =
        Arc::new(EmbeddedIndex::open(dir.path(), Synonyms::parse(SYNONYMS).unwrap()).unwrap());
    suite(&index, "embedded").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meilisearch_backend() {
    let (Ok(url), Ok(key)) = (
        std::env::var("MEILI_URL"),
        std::env::var("MEILI_MASTER_KEY"),
    ) else {
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: meilisearch_backend needs MEILI_URL and MEILI_MASTER_KEY (a running Meilisearch)"
        );
        return;
    };
    let backend =
        Arc::new(Meilisearch::new(&url, &key, Synonyms::parse(SYNONYMS).unwrap()).unwrap());
    suite(&*backend, "meilisearch").await;

    // The settings are applied on the live index.
    let http = reqwest::Client::new();
    let settings = json_answer(
        http.get(format!("{url}/indexes/publications/settings"))
            .bearer_auth(&key),
    )
    .await;
    assert_eq!(
        settings["searchableAttributes"],
        json!(["title", "summary", "body", "_analyse"])
    );
    let mut filterable: Vec<String> =
        serde_json::from_value(settings["filterableAttributes"].clone()).unwrap();
    filterable.sort();
    assert_eq!(
        filterable,
        ["partner", "programmalijn", "soort", "thema", "type", "year"]
    );
    assert_eq!(settings["rankingRules"][0], "sort");
    assert!(settings["stopWords"]
        .as_array()
        .unwrap()
        .contains(&json!("het")));
    assert_eq!(
        settings["synonyms"]["statushouder"],
        json!(["vergunninghouder"])
    );
    assert_eq!(
        settings["typoTolerance"]["minWordSizeForTypos"],
        json!({"oneTypo": 5, "twoTypos": 9})
    );

    // The search-only key can search and cannot write.
    let search_key = backend.search_key().await.expect("search key");
    assert_ne!(search_key, key);
    assert_eq!(
        backend.search_key().await.unwrap(),
        search_key,
        "reused, not a new key each run"
    );
    let ok = http
        .post(format!("{url}/indexes/publications/search"))
        .bearer_auth(&search_key)
        .json(&json!({"q": "wijk"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let denied = http
        .post(format!("{url}/indexes/publications/documents"))
        .bearer_auth(&search_key)
        .json(&json!([{"id": "x"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), 403);

    // Zero downtime: searches during a reindex always find the corpus.
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (backend, stop) = (backend.clone(), stop.clone());
        tokio::spawn(async move {
            let mut answered = 0;
            while !stop.load(Ordering::Relaxed) {
                let r = search(&*backend, json!({"q": "", "limit": 0})).await;
                let total = r["estimatedTotalHits"].as_u64().unwrap_or(0);
                assert!(
                    total >= 7,
                    "the live index was empty or partial during a reindex: {r}"
                );
                answered += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            answered
        })
    };
    let mut docs = corpus();
    for n in 0..200 {
        docs.push(doc(json!({"id": format!("extra-{n}"), "title": format!("Extra publicatie {n}"), "year": 2024})));
    }
    backend
        .replace_documents(docs)
        .await
        .expect("reindex with swap");
    stop.store(true, Ordering::Relaxed);
    let answered = watcher.await.expect("watcher");
    assert!(answered > 0);
    assert_eq!(backend.count().await.unwrap(), 207);

    // The search page sends the reader's words as typed, straight to
    // Meilisearch with the search-only key: inflections still match,
    // through the stem synonyms and `_analyse`.
    backend
        .replace_documents(vec![
            doc(json!({"id": "enkelvoud", "title": "Wonen in de wijk", "year": 2024})),
            doc(json!({"id": "meervoud", "title": "Vier wijken vernieuwd", "year": 2024})),
        ])
        .await
        .expect("reindex");
    for (q, want) in [("wijken", "enkelvoud"), ("wijk", "meervoud")] {
        let r = json_answer(
            http.post(format!("{url}/indexes/publications/search"))
                .bearer_auth(&search_key)
                .json(&json!({"q": q})),
        )
        .await;
        let found: Vec<&str> = r["hits"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|h| h["id"].as_str())
            .collect();
        assert!(found.contains(&want), "{q:?} as typed: {r}");
    }
}
