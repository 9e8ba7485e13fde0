//! Answering one [`SearchRequest`] from the embedded index: the query
//! plan, the filter as documents per segment, one of the two ranking
//! paths, and the hits read from the store and formatted. The ranking
//! itself is in [`super::ranking`] (plain words by relevance) and
//! [`super::collect`] (everything else); [`super::collect`] says why
//! both exist and which test keeps them equal.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use tantivy::index::SegmentId;
use tantivy::Searcher;

use super::collect::{self, Outcome};
use super::facets::{facet_outcome, DocBits, SegmentFacets};
use super::plan::QueryPlan;
use super::ranking;
use super::stored::{self, BODY};
use super::EmbeddedIndex;
use crate::search::error::SearchError;
use crate::search::format::format_hit;
use crate::search::request::{MatchingStrategy, SearchRequest, SearchResponse, SEARCH_CUTOFF};

/// How a search is ranked.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ranker {
    /// Plain words by relevance through [`ranking`], the rest through
    /// tantivy's scorers.
    Words,
    /// Everything through tantivy's scorers (to compare the two in tests).
    #[cfg_attr(not(test), allow(dead_code))]
    Scorers,
}

impl EmbeddedIndex {
    /// Answers one search.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        self.search_with(request, Ranker::Words, SEARCH_CUTOFF)
    }

    /// Answers one search with `ranker` where the search allows it; the
    /// bitset ranking stops with what it has after `cutoff`.
    fn search_with(
        &self,
        request: &SearchRequest,
        ranker: Ranker,
        cutoff: std::time::Duration,
    ) -> Result<SearchResponse, SearchError> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let synonyms = self
            .synonyms
            .lock()
            .map(|s| std::sync::Arc::clone(&s))
            .unwrap_or_default();
        let plan = QueryPlan::new(&request.q, &searcher, self.fields, &synonyms);
        let segments = if request.facets.is_empty() && request.filter.is_none() {
            Vec::new()
        } else {
            self.read_facets(&searcher, false)?
        };
        // The filter as a set of documents per segment: the words'
        // matches are intersected with it before they are scored.
        let filters: Option<Vec<Arc<DocBits>>> = request
            .filter
            .as_ref()
            .map(|f| segments.iter().map(|s| Arc::new(s.filter(f))).collect());
        // Words ranked by relevance alone go the bitset way; phrases and
        // sort keys through tantivy's scorers.
        let words = match ranker {
            Ranker::Words if request.sort.is_empty() && !plan.words.is_empty() => {
                plan.plain_words()
            }
            _ => None,
        };
        let outcome = match words {
            Some(words) => {
                let ranking = ranking::rank(
                    &searcher,
                    self.fields.text,
                    &words,
                    filters.as_deref(),
                    request.matching_strategy == MatchingStrategy::All,
                    request.offset + request.limit,
                    started + cutoff,
                )
                .map_err(|e| SearchError::internal(e.to_string()))?;
                let counts = segments
                    .iter()
                    .zip(&ranking.matched)
                    .map(|(facets, matched)| {
                        request
                            .facets
                            .iter()
                            .map(|name| (name.clone(), facets.count(name, matched)))
                            .collect()
                    })
                    .collect();
                let (facets, stats) = facet_outcome(&request.facets, counts);
                Outcome {
                    total: ranking.total,
                    top: ranking.top.into_iter().map(|(_, a)| a).collect(),
                    facets,
                    stats,
                }
            }
            None => collect::collect(request, &searcher, &plan, segments, filters)?,
        };
        let with_body = request.uses(BODY);
        let mut hits = Vec::new();
        for address in outcome.top.iter().skip(request.offset) {
            let document = stored::decode(&searcher, &self.fields, *address, with_body)?;
            hits.push(format_hit(document, request, &plan.matched));
        }
        Ok(SearchResponse {
            hits,
            query: request.q.clone(),
            processing_time_ms: started.elapsed().as_millis() as u64,
            limit: request.limit,
            offset: request.offset,
            page: request.page,
            total: outcome.total,
            facet_distribution: (!request.facets.is_empty()).then_some(outcome.facets),
            facet_stats: (!request.facets.is_empty()).then_some(outcome.stats),
        })
    }

    /// The facets of each of `searcher`'s segments, by segment ordinal,
    /// read now for segments not seen before. With `forget`, segments
    /// that are gone (merged or deleted) are dropped from the cache.
    pub(super) fn read_facets(
        &self,
        searcher: &Searcher,
        forget: bool,
    ) -> Result<Vec<Arc<SegmentFacets>>, SearchError> {
        let mut cache = self
            .facets
            .lock()
            .map_err(|_| SearchError::internal("the facet cache is poisoned"))?;
        let mut out = Vec::new();
        for reader in searcher.segment_readers() {
            let id = reader.segment_id();
            let facets = match cache.get(&id) {
                Some(f) => Arc::clone(f),
                None => {
                    let f =
                        Arc::new(SegmentFacets::read(reader).map_err(|e| {
                            SearchError::internal(format!("reading the facets: {e}"))
                        })?);
                    cache.insert(id, Arc::clone(&f));
                    f
                }
            };
            out.push(facets);
        }
        if forget {
            let live: HashSet<SegmentId> = searcher
                .segment_readers()
                .iter()
                .map(|r| r.segment_id())
                .collect();
            cache.retain(|id, _| live.contains(id));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::{SearchDocument, Synonyms};
    use serde_json::json;

    const WORDS: &[&str] = &[
        "onderwijs",
        "kansen",
        "onderwijskansen",
        "wijk",
        "wijken",
        "jongeren",
        "vluchteling",
        "vluchtelingen",
        "integratie",
        "inburgering",
        "gemeente",
        "statushouder",
        "werk",
        "taal",
        "financiële",
        "discriminatie",
        "arbeidsmarkt",
        "gezondheid",
        "wonen",
        "buurt",
        "school",
        "ouders",
        "participatie",
        "onderzoek",
        "beleid",
        "nieuwkomers",
        "racisme",
        "samenleving",
        "de",
        "het",
        "een",
        "van",
        "en",
        "in",
        "met",
        "voor",
    ];

    /// A corpus whose word counts vary (a few words everywhere, most in
    /// some documents), so blocks of postings differ in their best score.
    fn corpus(count: usize, seed: u64) -> Vec<SearchDocument> {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Low indexes far more often than high ones.
        let mut pick = || {
            let a = (next() % WORDS.len() as u64) as usize;
            let b = (next() % WORDS.len() as u64) as usize;
            a.min(b)
        };
        (0..count)
            .map(|i| {
                let words = |n: usize, pick: &mut dyn FnMut() -> usize| {
                    (0..n).map(|_| WORDS[pick()]).collect::<Vec<_>>().join(" ")
                };
                let title = words(3 + i % 4, &mut pick);
                let body = words(10 + (i * 7) % 150, &mut pick);
                let kind = ["publicatie", "podcast", "vraag"][i % 3];
                let themes: &[&str] =
                    [&["onderwijs"][..], &["wonen"], &["werk", "onderwijs"]][i % 3];
                let value = json!({
                    "id": format!("d{i}"),
                    "title": title,
                    "summary": "",
                    "body": body,
                    "type": kind,
                    "thema": themes,
                    "year": 2015 + (i % 10) as i64,
                    "date": format!("{}-01-01", 2015 + i % 10),
                });
                SearchDocument::from_json(i, value).expect("a valid document")
            })
            .collect()
    }

    fn hits(response: &SearchResponse) -> Vec<String> {
        let value = response.clone().into_json();
        value["hits"]
            .as_array()
            .map(|hits| {
                hits.iter()
                    .map(|h| h["id"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn both_rankers_give_the_same_answers() {
        let dir = tempfile::tempdir().expect("temp dir");
        let index = EmbeddedIndex::open(dir.path(), Synonyms::default()).expect("open");
        // Two segments, the first with deleted (updated and removed)
        // documents.
        let first = corpus(3_000, 7);
        index.sync(&first, &|_, _| {}).expect("first sync");
        let mut second = corpus(3_000, 11);
        second.truncate(2_500);
        second.extend(corpus(4_000, 13).into_iter().skip(3_000));
        index.sync(&second, &|_, _| {}).expect("second sync");
        // A small edit: a few documents change, one goes.
        let mut third = second.clone();
        third.remove(40);
        for doc in third.iter_mut().take(30) {
            doc.0
                .insert("title".into(), json!("onderwijs onderwijs wijken"));
        }
        index.sync(&third, &|_, _| {}).expect("third sync");
        let searcher = index.reader.searcher();
        assert!(searcher.segment_readers().len() > 1, "several segments");
        assert!(
            searcher
                .segment_readers()
                .iter()
                .any(|s| s.num_deleted_docs() > 0),
            "deleted documents"
        );

        let queries = [
            json!({"q": "onderwijs"}),
            json!({"q": "onderwijs kansen", "limit": 50}),
            json!({"q": "onderwijskansen"}),
            json!({"q": "wijken jongeren school", "limit": 7, "offset": 3}),
            json!({"q": "jongiren"}),
            json!({"q": "financiele onderzo"}),
            json!({"q": "de integratie", "facets": ["type", "thema"], "filter": "year >= 2020"}),
            json!({"q": "taal xylofoon", "facets": ["year"]}),
            json!({"q": "taal xylofoon", "matchingStrategy": "all"}),
            json!({"q": "racisme buurt ouders beleid", "filter": "type = podcast OR thema = wonen", "limit": 200}),
            json!({"q": "gemeente", "limit": 0, "facets": ["thema"]}),
            json!({"q": "gemeente", "limit": 5000}),
        ];
        for body in queries {
            let request = SearchRequest::from_json(&body).expect("request");
            // No cutoff: on a loaded machine a debug build can take longer
            // than a search may, and the bitsets would answer with less.
            let unhurried = std::time::Duration::from_secs(3_600);
            let words = index
                .search_with(&request, Ranker::Words, unhurried)
                .expect("bitsets");
            let scorers = index
                .search_with(&request, Ranker::Scorers, unhurried)
                .expect("scorers");
            assert_eq!(words.total, scorers.total, "total for {body}");
            assert_eq!(
                words.facet_distribution, scorers.facet_distribution,
                "facets for {body}"
            );
            assert_eq!(hits(&words), hits(&scorers), "hits for {body}");
        }
    }
}
