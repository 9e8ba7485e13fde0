//! The embedded index on a small Dutch corpus: relevance (stemming,
//! compounds, typos, accents, stop words, synonyms), facets, filters,
//! sort, highlighting, and reindexing after an edit or a delete.

mod common;

use common::{corpus, doc, SYNONYMS};
use serde_json::{json, Value};
use vindplaats::search::{EmbeddedIndex, SearchDocument, SearchRequest, Synonyms};

fn open(docs: &[SearchDocument]) -> (tempfile::TempDir, EmbeddedIndex) {
    let dir = tempfile::tempdir().expect("temp dir");
    let synonyms = Synonyms::parse(SYNONYMS).expect("synonyms");
    let index = EmbeddedIndex::open(dir.path(), synonyms).expect("open index");
    index.sync(docs, &|_, _| {}).expect("index the corpus");
    (dir, index)
}

fn search(index: &EmbeddedIndex, body: Value) -> Value {
    let request = SearchRequest::from_json(&body).expect("valid request");
    index.search(&request).expect("search").to_json()
}

fn ids(response: &Value) -> Vec<String> {
    response["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn dutch_relevance() {
    let (_dir, index) = open(&corpus());
    // Stemming: the plural finds the singular.
    let r = search(&index, json!({"q": "vluchtelingen "}));
    assert_eq!(ids(&r), ["vluchteling"], "{r}");
    // Compounds: split against the index's own words, parts not adjacent.
    let r = search(&index, json!({"q": "onderwijskansen "}));
    assert_eq!(ids(&r), ["kansen"], "{r}");
    // One typo in a word of 5+ letters keeps the same top hit.
    let exact = search(&index, json!({"q": "jongeren "}));
    let typo = search(&index, json!({"q": "jongiren "}));
    assert_eq!(ids(&exact).first(), Some(&"jongeren".to_string()));
    assert_eq!(ids(&typo).first(), ids(&exact).first(), "{typo}");
    // Accents fold both ways.
    assert_eq!(
        ids(&search(&index, json!({"q": "financiele "}))),
        ["financieel"]
    );
    assert_eq!(
        ids(&search(&index, json!({"q": "financiële "}))),
        ["financieel"]
    );
    // Stop words are ignored: "de" alone would match nearly everything.
    let r = search(&index, json!({"q": "de polarisatie "}));
    assert_eq!(ids(&r), ["polarisatie"], "{r}");
    // A word that appears nowhere finds nothing.
    assert_eq!(
        search(&index, json!({"q": "xylofoon "}))["estimatedTotalHits"],
        0
    );
}

#[test]
fn synonyms_apply_both_ways() {
    let (_dir, index) = open(&corpus());
    let mut found = ids(&search(&index, json!({"q": "statushouder "})));
    found.sort();
    assert_eq!(found, ["financieel", "vergunning"]);
    let mut found = ids(&search(&index, json!({"q": "inburgeraar "})));
    found.sort();
    assert_eq!(found, ["inburgering", "kansen"]);
    // Exact words rank above their synonyms.
    assert_eq!(
        ids(&search(&index, json!({"q": "vergunninghouders "})))[0],
        "vergunning"
    );
}

#[test]
fn typing_matches_prefixes_and_typo_matches_rank_below_exact() {
    let (_dir, index) = open(&corpus());
    // As the reader types "polaris", the last word is a prefix.
    assert_eq!(
        ids(&search(&index, json!({"q": "polaris"}))),
        ["polarisatie"]
    );
    // A two-word query needs both words; when nothing has both, the last
    // word is dropped (Meilisearch's default strategy).
    assert_eq!(
        ids(&search(&index, json!({"q": "huisvesting gemeenten "}))),
        ["vergunning"]
    );
    let r = search(&index, json!({"q": "huisvesting xylofoon "}));
    assert_eq!(ids(&r), ["vergunning"], "{r}");
    let r = search(
        &index,
        json!({"q": "huisvesting xylofoon ", "matchingStrategy": "all"}),
    );
    assert_eq!(ids(&r), Vec::<String>::new());
}

#[test]
fn facets_filters_and_sort() {
    let (_dir, index) = open(&corpus());
    let r = search(
        &index,
        json!({"q": "", "facets": ["type", "thema", "partner", "year"], "limit": 0}),
    );
    assert_eq!(r["estimatedTotalHits"], 7);
    assert_eq!(r["facetDistribution"]["type"]["rapport"], 2);
    assert_eq!(r["facetDistribution"]["thema"]["Gelijke kansen"], 3);
    assert_eq!(r["facetDistribution"]["partner"]["KIS"], 5);
    assert_eq!(r["facetDistribution"]["year"]["2021"], 2);
    assert_eq!(r["facetStats"]["year"], json!({"min": 2018, "max": 2023}));

    let r = search(&index, json!({"filter": "type = rapport AND year >= 2021"}));
    assert_eq!(ids(&r), ["kansen"]);
    let r = search(
        &index,
        json!({"filter": "(type = rapport OR type = factsheet) AND partner = movisie", "sort": ["date:asc"]}),
    );
    assert_eq!(
        ids(&r),
        ["financieel", "kansen"],
        "values match without case"
    );
    let r = search(
        &index,
        json!({"filter": "year 2019 TO 2020", "sort": ["year:desc"]}),
    );
    assert_eq!(ids(&r), ["financieel", "vluchteling"]);
    let r = search(
        &index,
        json!({"filter": ["year < 2020", ["thema = \"Sociale verbondenheid\"", "thema = \"Gelijke kansen\""]], "sort": ["date:desc"]}),
    );
    assert_eq!(ids(&r), ["vluchteling", "vergunning"]);
    let r = search(
        &index,
        json!({"filter": "NOT partner = KIS", "sort": ["date:desc"]}),
    );
    // `kansen` has KIS among its partners, so it is excluded too.
    assert_eq!(ids(&r), ["jongeren", "financieel"]);
    let r = search(
        &index,
        json!({"filter": "thema IN [\"Gelijke kansen\"] AND partner != KIS"}),
    );
    assert_eq!(ids(&r), ["financieel"]);
    // Facets count the filtered matches.
    let r = search(
        &index,
        json!({"q": "", "filter": "partner = KIS", "facets": ["type"]}),
    );
    assert_eq!(
        r["facetDistribution"]["type"],
        json!({"artikel": 2, "factsheet": 1, "podcast-aflevering": 1, "rapport": 1})
    );
    // With no query, the newest come first.
    assert_eq!(
        ids(&search(&index, json!({"limit": 2}))),
        ["polarisatie", "jongeren"]
    );
    // Paging.
    let r = search(&index, json!({"hitsPerPage": 3, "page": 3}));
    assert_eq!(
        (r["totalHits"].as_u64(), r["totalPages"].as_u64()),
        (Some(7), Some(3))
    );
    assert_eq!(ids(&r), ["vergunning"]);
    let r = search(&index, json!({"offset": 5, "limit": 5}));
    assert_eq!(ids(&r), ["vluchteling", "vergunning"]);
}

#[test]
fn stored_documents_come_back_whole_and_in_order() {
    // The body is stored apart (compressed); a hit must still be the
    // document as indexed, attributes in their order, accents intact.
    let body = "Scholen bieden onderwijs in de wijk. ".repeat(200) + "Eindelijk: financiële steun.";
    let original = json!({"id": "lang", "title": "Een lang stuk over de wijk", "summary": "Kort.",
        "body": body, "type": "rapport", "thema": ["Wonen"], "year": 2022, "date": "2022-01-02"});
    let (_dir, index) = open(&[doc(original.clone())]);
    let whole = search(&index, json!({"q": "wijk"}));
    assert_eq!(whole["hits"][0], original, "{whole}");
    let keys: Vec<&String> = whole["hits"][0].as_object().expect("hit").keys().collect();
    assert_eq!(
        keys,
        ["id", "title", "summary", "body", "type", "thema", "year", "date"]
    );
    // Not asked for: not sent.
    let few = search(
        &index,
        json!({"q": "wijk", "attributesToRetrieve": ["id", "title"]}),
    );
    assert_eq!(
        few["hits"][0],
        json!({"id": "lang", "title": "Een lang stuk over de wijk"})
    );
    // Cropped without being retrieved: the crop comes from the real body.
    let cropped = search(
        &index,
        json!({"q": "financiele", "attributesToRetrieve": ["id"], "attributesToCrop": ["body:4"]}),
    );
    let crop = cropped["hits"][0]["_formatted"]["body"]
        .as_str()
        .expect("cropped body");
    assert!(crop.contains("financiële"), "{cropped}");
    assert!(cropped["hits"][0].get("body").is_none(), "{cropped}");
}

#[test]
fn highlighting_and_cropping() {
    let (_dir, index) = open(&corpus());
    let r = search(
        &index,
        json!({"q": "jongeren wijk ", "attributesToHighlight": ["title"], "attributesToCrop": ["summary:6"],
               "highlightPreTag": "<mark>", "highlightPostTag": "</mark>", "attributesToRetrieve": ["id", "title"]}),
    );
    let hit = &r["hits"][0];
    assert_eq!(
        hit["_formatted"]["title"],
        "<mark>Jongeren</mark> in de <mark>wijk</mark>"
    );
    let summary = hit["_formatted"]["summary"]
        .as_str()
        .expect("cropped summary");
    assert!(
        summary.contains("<mark>") || summary.contains("jongeren"),
        "{summary}"
    );
    assert!(summary.ends_with('…'), "{summary}");
    assert!(hit.get("summary").is_none(), "not retrieved: {hit}");
}

#[test]
fn reindex_after_edit_and_delete() {
    let mut docs = corpus();
    let (_dir, index) = open(&docs);
    assert_eq!(
        ids(&search(&index, json!({"q": "polarisatie "}))),
        ["polarisatie"]
    );
    // An editor renames one item and another is unpublished.
    docs[6] = doc(
        json!({"id": "polarisatie", "title": "Verbinding in de buurt", "summary": "Over buurten.", "body": "",
        "type": "artikel", "year": 2023, "date": "2023-02-02"}),
    );
    docs.remove(0);
    let report = index.sync(&docs, &|_, _| {}).expect("reindex");
    assert_eq!(
        (
            report.updated,
            report.removed,
            report.unchanged,
            report.added
        ),
        (1, 1, 5, 0)
    );
    assert_eq!(
        search(&index, json!({"q": "polarisatie "}))["estimatedTotalHits"],
        0
    );
    assert_eq!(
        ids(&search(&index, json!({"q": "verbinding "}))),
        ["polarisatie"]
    );
    assert_eq!(
        search(&index, json!({"q": "vluchteling "}))["estimatedTotalHits"],
        0
    );
    assert_eq!(index.num_docs(), 6);
    // Deleted and replaced versions are neither found through a negated
    // filter nor counted in the facets.
    let all = search(
        &index,
        json!({"q": "", "filter": "NOT type = onbekend", "facets": ["type", "year"], "limit": 50}),
    );
    assert_eq!(all["estimatedTotalHits"], 6, "{all}");
    assert!(!ids(&all).contains(&"vluchteling".to_string()), "{all}");
    let counted: u64 = all["facetDistribution"]["year"]
        .as_object()
        .expect("year counts")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(counted, 6, "{all}");
    // Nothing changed: nothing is written.
    let report = index.sync(&docs, &|_, _| {}).expect("reindex");
    assert_eq!(
        (
            report.unchanged,
            report.updated + report.added + report.removed
        ),
        (6, 0)
    );
}

#[test]
fn the_index_survives_reopening() {
    let docs = corpus();
    let (dir, index) = open(&docs);
    drop(index);
    let again = EmbeddedIndex::open(dir.path(), Synonyms::default()).expect("reopen");
    assert_eq!(again.num_docs(), 7);
    let report = again.sync(&docs, &|_, _| {}).expect("sync");
    assert_eq!(report.unchanged, 7);
}

#[test]
fn phrases_and_unbalanced_quotes() {
    let (_dir, index) = open(&corpus());
    assert_eq!(
        ids(&search(&index, json!({"q": "\"sociale spanningen\""}))),
        ["polarisatie"]
    );
    assert_eq!(
        search(&index, json!({"q": "\"spanningen sociale\""}))["estimatedTotalHits"],
        0
    );
    // As typed, before the closing quote: still a phrase, not an error.
    assert_eq!(
        ids(&search(&index, json!({"q": "\"sociale spanningen"}))),
        ["polarisatie"]
    );
}
