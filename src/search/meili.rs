//! The Meilisearch backend, through `meilisearch-sdk`: applies the
//! settings, uploads in batches, waits for every task and reports
//! failures, and reindexes without downtime (a new index, then a swap).
//!
//! Dutch analysis: Meilisearch has no Dutch stemming, so every document
//! carries `_analyse`, the stems of its words, as the last searchable
//! attribute, and [`Meilisearch::search`] sends stems along with the
//! reader's words. The master key comes from the environment and is only
//! held in memory.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use meilisearch_sdk::client::{Client, SwapIndexes};
use meilisearch_sdk::key::{Action, KeyBuilder};
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::{MinWordSizeForTypos, Settings, TypoToleranceSettings};
use meilisearch_sdk::task_info::TaskInfo;
use serde_json::{Map, Value};

use super::analysis::{cached_term, fold, word_spans, STOP_WORDS};
use super::document::{SearchDocument, FILTERABLE, INDEX_UID, SEARCHABLE, SORTABLE};
use super::error::SearchError;
use super::filter::{Filter, Test};
use super::request::{MatchingStrategy, SearchRequest, SearchResponse};
use super::synonyms::Synonyms;

/// The attribute with the stems of a document's words.
pub const ANALYSIS_ATTRIBUTE: &str = "_analyse";
const BATCH: usize = 5_000;
const TASK_TIMEOUT: Duration = Duration::from_secs(1_800);

#[derive(Debug, thiserror::Error)]
pub enum MeiliError {
    #[error("Meilisearch at {url}: {message}")]
    Request { url: String, message: String },
    #[error("Meilisearch task {task} ({what}) failed: {message}")]
    Task {
        task: u32,
        what: String,
        message: String,
    },
}

pub struct Meilisearch {
    client: Client,
    url: String,
    synonyms: Synonyms,
}

/// What a reindex did.
#[derive(Debug, Clone, Default)]
pub struct ReindexReport {
    pub documents: usize,
    pub batches: usize,
    pub swapped: bool,
}

impl Meilisearch {
    pub fn new(url: &str, key: &str, synonyms: Synonyms) -> Result<Meilisearch, MeiliError> {
        let client = Client::new(url, Some(key)).map_err(|e| MeiliError::Request {
            url: url.to_string(),
            message: e.to_string(),
        })?;
        Ok(Meilisearch {
            client,
            url: url.to_string(),
            synonyms,
        })
    }

    fn error(&self, e: impl std::fmt::Display) -> MeiliError {
        MeiliError::Request {
            url: self.url.clone(),
            message: e.to_string(),
        }
    }

    /// The settings vindplaats applies: what is searched, filtered and
    /// sorted, sort first among the ranking rules (a reader sorting by date
    /// wants date order), Dutch stop words, synonyms, and typos from 5
    /// letters (two from 9).
    ///
    /// Besides the editors' synonyms, every inflected word of `docs` gets
    /// its stem as a synonym ("wijken" → "wijk"): a page that sends the
    /// reader's words as typed then still matches `_analyse`, where the
    /// stems are, so inflections are found as `vindplaats serve` finds
    /// them.
    pub fn settings(&self, docs: &[SearchDocument]) -> Settings {
        let mut searchable: Vec<&str> = SEARCHABLE.to_vec();
        searchable.push(ANALYSIS_ATTRIBUTE);
        let mut synonyms: HashMap<String, Vec<String>> =
            self.synonyms.to_meilisearch().into_iter().collect();
        for (word, stem) in stem_synonyms(docs) {
            let entry = synonyms.entry(word).or_default();
            if !entry.contains(&stem) {
                entry.push(stem);
            }
        }
        Settings::new()
            .with_searchable_attributes(searchable)
            .with_filterable_attributes(FILTERABLE.to_vec())
            .with_sortable_attributes(SORTABLE.to_vec())
            .with_ranking_rules([
                "sort",
                "words",
                "typo",
                "proximity",
                "attribute",
                "exactness",
            ])
            .with_stop_words(STOP_WORDS.to_vec())
            .with_synonyms(synonyms)
            .with_typo_tolerance(TypoToleranceSettings {
                enabled: Some(true),
                min_word_size_for_typos: Some(MinWordSizeForTypos {
                    one_typo: Some(5),
                    two_typos: Some(9),
                }),
                ..Default::default()
            })
    }

    async fn wait(&self, task: TaskInfo, what: &str) -> Result<(), MeiliError> {
        let uid = task.task_uid;
        let done = task
            .wait_for_completion(
                &self.client,
                Some(Duration::from_millis(50)),
                Some(TASK_TIMEOUT),
            )
            .await
            .map_err(|e| self.error(e))?;
        if done.is_failure() {
            return Err(MeiliError::Task {
                task: uid,
                what: what.to_string(),
                message: done.unwrap_failure().error_message,
            });
        }
        Ok(())
    }

    /// Builds a fresh index beside the live one, fills it, and swaps it in:
    /// searches keep being answered by the old index until the swap.
    pub async fn reindex(
        &self,
        docs: &[SearchDocument],
        progress: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<ReindexReport, MeiliError> {
        let fresh = format!("{INDEX_UID}_nieuw");
        // A half-built index from an earlier, interrupted run goes first.
        if self.client.get_index(&fresh).await.is_ok() {
            let task = self
                .client
                .delete_index(&fresh)
                .await
                .map_err(|e| self.error(e))?;
            self.wait(task, "removing an unfinished index").await?;
        }
        let task = self
            .client
            .create_index(&fresh, Some("id"))
            .await
            .map_err(|e| self.error(e))?;
        self.wait(task, "creating the new index").await?;
        let index = self.client.index(&fresh);
        let task = index
            .set_settings(&self.settings(docs))
            .await
            .map_err(|e| self.error(e))?;
        self.wait(task, "applying settings").await?;
        progress("instellingen toegepast");
        let analysed: Vec<Map<String, Value>> = docs.iter().map(with_analysis).collect();
        let mut report = ReindexReport {
            documents: docs.len(),
            ..Default::default()
        };
        let mut tasks = Vec::new();
        for batch in analysed.chunks(BATCH) {
            let task = index
                .add_documents(batch, Some("id"))
                .await
                .map_err(|e| self.error(e))?;
            tasks.push(task);
            report.batches += 1;
            progress(&format!(
                "batch {} van {} verstuurd",
                report.batches,
                analysed.len().div_ceil(BATCH)
            ));
        }
        for (n, task) in tasks.into_iter().enumerate() {
            self.wait(task, &format!("adding batch {}", n + 1)).await?;
        }
        progress("documenten geïndexeerd");
        if self.client.get_index(INDEX_UID).await.is_err() {
            let task = self
                .client
                .create_index(INDEX_UID, Some("id"))
                .await
                .map_err(|e| self.error(e))?;
            self.wait(task, "creating the live index").await?;
        }
        let task = self
            .client
            .swap_indexes([&SwapIndexes {
                indexes: (INDEX_UID.to_string(), fresh.clone()),
                rename: None,
            }])
            .await
            .map_err(|e| self.error(e))?;
        self.wait(task, "swapping the new index in").await?;
        report.swapped = true;
        let task = self
            .client
            .delete_index(&fresh)
            .await
            .map_err(|e| self.error(e))?;
        self.wait(task, "removing the old index").await?;
        Ok(report)
    }

    /// A key that may only search `publications`: an existing one, or a
    /// new one. This is the key the site's search page gets.
    pub async fn search_key(&self) -> Result<String, MeiliError> {
        let keys = self.client.get_keys().await.map_err(|e| self.error(e))?;
        for key in keys.results {
            let search_only = matches!(key.actions.as_slice(), [Action::Search]);
            let ours = key.indexes.iter().any(|i| i == INDEX_UID || i == "*");
            if search_only && ours && key.expires_at.is_none() {
                return Ok(key.key);
            }
        }
        let mut builder = KeyBuilder::new();
        builder
            .with_action(Action::Search)
            .with_index(INDEX_UID)
            .with_name("vindplaats zoekpagina")
            .with_description("Alleen zoeken in publications; staat in de gebouwde site.");
        let key = self
            .client
            .create_key(builder)
            .await
            .map_err(|e| self.error(e))?;
        Ok(key.key)
    }

    /// The documents' count in the live index.
    pub async fn count(&self) -> Result<usize, MeiliError> {
        let stats = self
            .client
            .index(INDEX_UID)
            .get_stats()
            .await
            .map_err(|e| self.error(e))?;
        Ok(stats.number_of_documents)
    }
}

/// The document with `_analyse`: the distinct stems of its text.
pub fn with_analysis(doc: &SearchDocument) -> Map<String, Value> {
    let mut seen = HashSet::new();
    let mut stems = Vec::new();
    for field in SEARCHABLE {
        let text = doc.text(field);
        for word in word_spans(text).filter_map(|(s, e)| text.get(s..e)) {
            if let Some(term) = fold(word).and_then(|f| cached_term(&f)) {
                if seen.insert(term.clone()) {
                    stems.push(term.to_string());
                }
            }
        }
    }
    let mut map = doc.0.clone();
    map.insert(ANALYSIS_ATTRIBUTE.into(), Value::String(stems.join(" ")));
    map
}

/// Every word of `docs`' searchable text whose stem differs from it, as
/// (word, stem): the word lowercased as written, and folded when that
/// differs ("financiële" and "financiele" → "financieel").
pub fn stem_synonyms(docs: &[SearchDocument]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for doc in docs {
        for field in SEARCHABLE {
            let text = doc.text(field);
            for word in word_spans(text).filter_map(|(s, e)| text.get(s..e)) {
                let written = word.to_lowercase();
                if out.contains_key(&written) {
                    continue;
                }
                let Some(folded) = fold(&written) else {
                    continue;
                };
                let Some(stem) = cached_term(&folded) else {
                    continue;
                };
                if *stem != *folded {
                    out.insert(folded.clone(), stem.to_string());
                }
                if *stem != *written {
                    out.insert(written, stem.to_string());
                }
            }
        }
    }
    out
}

/// The reader's query with each word's stem after it ("wijken" →
/// "wijken wijk"), so Meilisearch can match `_analyse`; the stems count as
/// optional words by the `last` strategy only when they differ.
pub fn analysed_query(q: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for word in q.split_whitespace() {
        let stem = fold(word).and_then(|f| cached_term(&f).map(|t| (f, t)));
        match stem {
            Some((folded, term)) if *term != *folded => out.push(term.to_string()),
            _ => out.push(word.to_string()),
        }
    }
    out.join(" ")
}

/// A filter tree back in Meilisearch's syntax, every value quoted.
pub fn filter_to_string(filter: &Filter) -> String {
    fn quote(v: &str) -> String {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    }
    match filter {
        Filter::And(items) => format!(
            "({})",
            items
                .iter()
                .map(filter_to_string)
                .collect::<Vec<_>>()
                .join(" AND ")
        ),
        Filter::Or(items) => format!(
            "({})",
            items
                .iter()
                .map(filter_to_string)
                .collect::<Vec<_>>()
                .join(" OR ")
        ),
        Filter::Not(inner) => format!("NOT {}", filter_to_string(inner)),
        Filter::Condition { attribute, test } => match test {
            Test::Equals(v) => format!("{attribute} = {}", quote(v)),
            Test::NotEquals(v) => format!("{attribute} != {}", quote(v)),
            Test::In(values) => format!(
                "{attribute} IN [{}]",
                values
                    .iter()
                    .map(|v| quote(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Test::Exists => format!("{attribute} EXISTS"),
            Test::Range { low, high } => {
                let mut parts = Vec::new();
                if let Some((n, inclusive)) = low {
                    parts.push(format!(
                        "{attribute} {} {n}",
                        if *inclusive { ">=" } else { ">" }
                    ));
                }
                if let Some((n, inclusive)) = high {
                    parts.push(format!(
                        "{attribute} {} {n}",
                        if *inclusive { "<=" } else { "<" }
                    ));
                }
                if parts.is_empty() {
                    format!("{attribute} EXISTS")
                } else {
                    format!("({})", parts.join(" AND "))
                }
            }
        },
    }
}

impl Meilisearch {
    /// Answers one search: the request with stems added, its filter in
    /// Meilisearch's syntax, and the answer without `_analyse`.
    pub async fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        let index = self.client.index(INDEX_UID);
        let q = analysed_query(&request.q);
        let filter = request.filter.as_ref().map(filter_to_string);
        let facets: Vec<&str> = request.facets.iter().map(String::as_str).collect();
        let sort: Vec<String> = request
            .sort
            .iter()
            .map(|k| {
                format!(
                    "{}:{}",
                    k.attribute,
                    if k.descending { "desc" } else { "asc" }
                )
            })
            .collect();
        let sort: Vec<&str> = sort.iter().map(String::as_str).collect();
        let retrieve: Vec<&str> = request
            .attributes_to_retrieve
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        let highlight: Vec<&str> = request
            .attributes_to_highlight
            .iter()
            .map(String::as_str)
            .collect();
        let crop: Vec<(&str, Option<usize>)> = request
            .attributes_to_crop
            .iter()
            .map(|(a, n)| (a.as_str(), *n))
            .collect();
        let mut query = index.search();
        query.with_query(&q);
        match request.page {
            Some((page, per_page)) => {
                query.with_page(page).with_hits_per_page(per_page);
            }
            None => {
                query.with_offset(request.offset).with_limit(request.limit);
            }
        }
        if let Some(f) = &filter {
            query.with_filter(f);
        }
        if !facets.is_empty() {
            query.with_facets(Selectors::Some(&facets));
        }
        if !sort.is_empty() {
            query.with_sort(&sort);
        }
        if request.attributes_to_retrieve.is_some() {
            query.with_attributes_to_retrieve(Selectors::Some(&retrieve));
        }
        if !highlight.is_empty() {
            query
                .with_attributes_to_highlight(Selectors::Some(&highlight))
                .with_highlight_pre_tag(&request.highlight_pre_tag)
                .with_highlight_post_tag(&request.highlight_post_tag);
        }
        if !crop.is_empty() {
            query
                .with_attributes_to_crop(Selectors::Some(&crop))
                .with_crop_length(request.crop_length)
                .with_crop_marker(&request.crop_marker);
        }
        query.with_matching_strategy(match request.matching_strategy {
            MatchingStrategy::All => MatchingStrategies::ALL,
            MatchingStrategy::Last => MatchingStrategies::LAST,
        });
        let results = query
            .execute::<Map<String, Value>>()
            .await
            .map_err(|e| SearchError::internal(format!("Meilisearch at {}: {e}", self.url)))?;
        let hits = results
            .hits
            .into_iter()
            .map(|hit| {
                let mut map = hit.result;
                map.remove(ANALYSIS_ATTRIBUTE);
                if let Some(mut formatted) = hit.formatted_result {
                    formatted.remove(ANALYSIS_ATTRIBUTE);
                    map.insert("_formatted".into(), Value::Object(formatted));
                }
                map
            })
            .collect();
        let facet_distribution = results.facet_distribution.map(|d| {
            let mut facets: Vec<(String, HashMap<String, usize>)> = d.into_iter().collect();
            facets.sort_by(|a, b| a.0.cmp(&b.0));
            facets
                .into_iter()
                .map(|(facet, values)| {
                    let mut values: Vec<(String, usize)> = values.into_iter().collect();
                    values.sort_by_key(|v| v.0.to_lowercase());
                    let map: Map<String, Value> = values
                        .into_iter()
                        .map(|(v, n)| (v, Value::from(n)))
                        .collect();
                    (facet, Value::Object(map))
                })
                .collect()
        });
        let facet_stats = results.facet_stats.map(|s| {
            s.into_iter()
                .map(|(k, v)| (k, serde_json::json!({"min": v.min, "max": v.max})))
                .collect()
        });
        Ok(SearchResponse {
            hits,
            query: request.q.clone(),
            processing_time_ms: results.processing_time_ms as u64,
            limit: results.limit.unwrap_or(request.limit),
            offset: results.offset.unwrap_or(request.offset),
            page: request.page,
            total: results
                .total_hits
                .or(results.estimated_total_hits)
                .unwrap_or_default(),
            facet_distribution,
            facet_stats,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::filter::parse_expression;

    #[test]
    fn inflected_words_get_their_stem_as_synonym() {
        let doc = SearchDocument::from_json(
            0,
            serde_json::json!({"id": "a", "title": "Wijken en financiële steun",
                "summary": "De wijk", "body": "Vluchtelingen"}),
        )
        .unwrap();
        let synonyms = stem_synonyms(&[doc]);
        assert_eq!(synonyms.get("wijken").map(String::as_str), Some("wijk"));
        let singular = cached_term("vluchteling").map(|t| t.to_string());
        assert_eq!(synonyms.get("vluchtelingen"), singular.as_ref());
        // Written and folded, both to the same stem.
        assert_eq!(synonyms.get("financiële"), synonyms.get("financiele"));
        assert!(synonyms.contains_key("financiële"));
        // A word that is its own stem needs no synonym; stop words none.
        assert!(!synonyms.contains_key("wijk"), "{synonyms:?}");
        assert!(!synonyms.contains_key("en"), "{synonyms:?}");
    }

    #[test]
    fn filters_round_trip_through_meilisearch_syntax() {
        let f = parse_expression(
            r#"thema = "Gelijke \"kansen\"" AND (year >= 2020 OR NOT type IN [a, b])"#,
        )
        .unwrap();
        let text = filter_to_string(&f);
        assert_eq!(parse_expression(&text).unwrap(), f, "{text}");
    }

    #[test]
    fn queries_carry_stems() {
        assert_eq!(analysed_query("wijken Financiële"), "wijk financiel");
        assert_eq!(analysed_query("wijk"), "wijk");
    }

    #[test]
    fn documents_carry_their_stems() {
        let doc = SearchDocument::from_json(
            1,
            serde_json::json!({"id": 1, "title": "Wijken en wijk", "body": "vluchtelingen"}),
        )
        .unwrap();
        assert_eq!(with_analysis(&doc)[ANALYSIS_ATTRIBUTE], "wijk vluchtel");
    }
}
