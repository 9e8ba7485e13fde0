//! Search finds every kind of page of the shipped site: the words a reader
//! searched for, and for one page of each kind a word from its title, and
//! the `soort` facet counts every kind. On the embedded backend always; on
//! Meilisearch when `MEILI_URL` and `MEILI_MASTER_KEY` are set.

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use common::shipped_site_copy;
use serde_json::{json, Value};
use vindplaats::model::{Collection, LoadOptions};
use vindplaats::search::{
    meili::Meilisearch, EmbeddedIndex, SearchBackend, SearchDocument, SearchRequest, Synonyms,
};

async fn search<B: SearchBackend>(backend: &B, body: Value) -> Value {
    let request = SearchRequest::from_json(&body).expect("valid request");
    backend.search(request).await.expect("search").to_json()
}

fn urls(r: &Value) -> Vec<String> {
    r["hits"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|h| h["url"].as_str().map(String::from))
        .collect()
}

fn site_documents() -> Vec<SearchDocument> {
    let site = shipped_site_copy();
    let collection = Collection::load(site.path(), &LoadOptions::default()).unwrap();
    vindplaats::search::library_documents(&collection).unwrap()
}

async fn suite<B: SearchBackend>(backend: &B, name: &str) {
    let docs = site_documents();
    backend
        .replace_documents(docs.clone())
        .await
        .expect("index");

    // The words a reader searched for and found nothing, before.
    for (word, url) in [
        ("racisme", None),
        ("segregatie", None),
        ("woningmarkt", None),
        ("gezinshereniging", None),
        ("movisie", Some("/partners/movisie/")),
        (
            "planbureau",
            Some("/partners/sociaal-en-cultureel-planbureau/"),
        ),
        (
            "wetenschappelijke",
            Some("/partners/wetenschappelijke-raad-voor-het-regeringsbeleid/"),
        ),
    ] {
        let found = urls(&search(backend, json!({"q": word, "limit": 50})).await);
        assert!(!found.is_empty(), "{name}: {word} finds nothing");
        if let Some(url) = url {
            assert!(found.iter().any(|u| u == url), "{name}: {word}: {found:?}");
        }
    }

    // One page of each kind, by the longest word of its title.
    let mut by_kind: BTreeMap<String, (String, String)> = BTreeMap::new();
    for d in &docs {
        by_kind
            .entry(d.text("soort").to_string())
            .or_insert_with(|| (d.text("url").to_string(), d.text("title").to_string()));
    }
    let kinds: Vec<&str> = by_kind.keys().map(String::as_str).collect();
    assert_eq!(
        kinds,
        [
            "dossier",
            "kennisatelier",
            "pagina",
            "partner",
            "podcastaflevering",
            "portaalproject",
            "publicatie",
            "thema",
            "vraag"
        ],
        "every kind is indexed"
    );
    for (soort, (url, title)) in &by_kind {
        let word = title
            .split(|c: char| !c.is_alphanumeric())
            .max_by_key(|w| w.chars().count())
            .unwrap();
        let body = json!({"q": word, "limit": 100, "filter": format!("soort = {soort}")});
        let found = urls(&search(backend, body).await);
        assert!(
            found.contains(url),
            "{name}: {soort}: '{word}' (from \"{title}\") does not find {url}: {found:?}"
        );
    }

    // The soort facet counts every page.
    let r = search(backend, json!({"q": "", "facets": ["soort"], "limit": 1})).await;
    let counts = r["facetDistribution"]["soort"].as_object().unwrap();
    assert_eq!(counts.len(), 9, "{name}: {counts:?}");
    let total: u64 = counts.values().filter_map(Value::as_u64).sum();
    assert_eq!(total as usize, docs.len(), "{name}");
    println!("{name}: {} pages: {counts:?}", docs.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_finds_every_kind_of_page() {
    let dir = tempfile::tempdir().unwrap();
    let index = Arc::new(EmbeddedIndex::open(dir.path(), Synonyms::default()).unwrap());
    suite(&index, "embedded").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn meilisearch_finds_every_kind_of_page() {
    let (Ok(url), Ok(key)) = (
        std::env::var("MEILI_URL"),
        std::env::var("MEILI_MASTER_KEY"),
    ) else {
        let _ = writeln!(
            std::io::stderr(),
            "NOT RUN: meilisearch_finds_every_kind_of_page needs MEILI_URL and MEILI_MASTER_KEY (a running Meilisearch)"
        );
        return;
    };
    let backend = Meilisearch::new(&url, &key, Synonyms::default()).unwrap();
    suite(&backend, "meilisearch").await;
}
