//! The second ranking path: tantivy's own scorers and a [`Collector`]
//! that counts, collects facets and keeps the best documents in one pass.
//! It ranks what [`super::ranking`] does not: sort keys, quoted phrases
//! and the empty query (newest first).
//!
//! Why both exist: [`super::ranking`] reads plain words as bitsets and
//! skips whole blocks of postings that cannot reach the top, several
//! times faster than scoring every match here, but it has no positions
//! (phrases) and no sort keys. This path handles everything, so it also
//! serves as the reference: `both_rankers_give_the_same_answers` in
//! [`super::search`] runs every kind of plain-word query through both, on
//! an index of several segments with deleted documents, and requires the
//! same totals, facets and hits in the same order. Scores agree because
//! [`super::plan`] builds the same weighted terms for both, and ties
//! break the same way ([`Scored`]).

use std::sync::Arc;

use serde_json::{Map, Value};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::facets::{facet_outcome, BitsQuery, DocBits, FacetCounts, SegmentFacets};
use super::plan::QueryPlan;
use super::ranking::{Best, Scored};
use crate::search::error::SearchError;
use crate::search::request::{MatchingStrategy, SearchRequest};

/// What a search found, before the hits are read from the store.
#[derive(Default)]
pub struct Outcome {
    pub total: usize,
    pub top: Vec<DocAddress>,
    pub facets: Map<String, Value>,
    pub stats: Map<String, Value>,
}

/// Ranks through tantivy's own scorers and a collector: sort keys,
/// phrases and the empty query (newest first). `segments` are each
/// segment's facets, `filters` the filter's documents per segment.
pub fn collect(
    request: &SearchRequest,
    searcher: &Searcher,
    plan: &QueryPlan,
    segments: Vec<Arc<SegmentFacets>>,
    filters: Option<Vec<Arc<DocBits>>>,
) -> Result<Outcome, SearchError> {
    let filter_query = filters.map(|sets| BitsQuery {
        sets: Arc::new(
            searcher
                .segment_readers()
                .iter()
                .map(|r| r.segment_id())
                .zip(sets)
                .collect(),
        ),
    });
    let collector = Collect {
        wanted: request.offset + request.limit,
        sort: request
            .sort
            .iter()
            .map(|k| (k.attribute.clone(), k.descending))
            .collect(),
        facets: request.facets.clone(),
        default_date_sort: request.q.trim().is_empty() && request.sort.is_empty(),
        segment_facets: segments,
    };
    let mut words = plan.words.len();
    loop {
        let query = plan.query(words, filter_query.as_ref());
        let outcome = searcher
            .search(&*query, &collector)
            .map_err(|e| SearchError::internal(e.to_string()))?;
        let give_up =
            outcome.total > 0 || words <= 1 || request.matching_strategy == MatchingStrategy::All;
        if give_up {
            return Ok(outcome);
        }
        words -= 1;
    }
}

/// Counts, facets and the best `wanted` documents in one pass.
struct Collect {
    wanted: usize,
    sort: Vec<(String, bool)>,
    facets: Vec<String>,
    /// With no query and no sort, the newest first.
    default_date_sort: bool,
    /// Per segment ordinal, that segment's facets (when facets are asked
    /// for or there is a filter).
    segment_facets: Vec<Arc<SegmentFacets>>,
}

/// Bigger is better: sort keys first, then the score and index order as
/// [`Scored`] compares them (fields compare in this order).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Rank {
    keys: Vec<i64>,
    scored: Scored,
}

struct SegmentCollect {
    segment: SegmentOrdinal,
    wanted: usize,
    keys: Vec<(tantivy::columnar::Column<i64>, bool)>,
    best: Best<Rank>,
    total: usize,
    /// The matching documents, kept when facets are to be counted.
    matched: Option<(Arc<SegmentFacets>, DocBits)>,
    facet_names: Vec<String>,
}

struct SegmentFruit {
    total: usize,
    top: Vec<Rank>,
    facets: FacetCounts,
}

impl Collector for Collect {
    type Fruit = Outcome;
    type Child = SegmentCollect;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCollect> {
        let ff = reader.fast_fields();
        let mut keys = Vec::new();
        for (attribute, descending) in &self.sort {
            keys.push((ff.i64(attribute)?, *descending));
        }
        if self.default_date_sort {
            keys.push((ff.i64("date")?, true));
        }
        let matched = if self.facets.is_empty() {
            None
        } else {
            let facets = match self.segment_facets.get(segment as usize) {
                Some(f) => Arc::clone(f),
                None => Arc::new(SegmentFacets::read(reader)?),
            };
            let bits = DocBits::empty(facets.max_doc());
            Some((facets, bits))
        };
        Ok(SegmentCollect {
            segment,
            wanted: self.wanted,
            keys,
            best: Best::new(self.wanted),
            total: 0,
            matched,
            facet_names: self.facets.clone(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Outcome> {
        let mut total = 0;
        let mut all: Vec<Rank> = Vec::new();
        let mut counts = Vec::new();
        for fruit in fruits {
            total += fruit.total;
            all.extend(fruit.top);
            counts.push(fruit.facets);
        }
        all.sort_by(|a, b| b.cmp(a));
        all.truncate(self.wanted);
        let (facets, stats) = facet_outcome(&self.facets, counts);
        Ok(Outcome {
            total,
            top: all.into_iter().map(|r| r.scored.doc_address()).collect(),
            facets,
            stats,
        })
    }
}

impl SegmentCollector for SegmentCollect {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        if let Some((_, bits)) = &mut self.matched {
            bits.insert(doc);
        }
        if self.wanted == 0 {
            return;
        }
        if self.keys.is_empty() {
            // Relevance only: most documents lose on the score alone.
            if let Some(worst) = self.best.worst() {
                if score < worst.scored.score {
                    return;
                }
            }
        }
        let keys = self
            .keys
            .iter()
            .map(|(column, descending)| match column.first(doc) {
                Some(v) if *descending => v,
                Some(v) => -v,
                None => i64::MIN,
            })
            .collect();
        let rank = Rank {
            keys,
            scored: Scored {
                score,
                address: (self.segment, doc),
            },
        };
        self.best.offer(rank);
    }

    fn harvest(self) -> SegmentFruit {
        let mut facets = Vec::new();
        if let Some((segment, matched)) = &self.matched {
            for name in &self.facet_names {
                facets.push((name.clone(), segment.count(name, matched)));
            }
        }
        SegmentFruit {
            total: self.total,
            top: self.best.into_sorted(),
            facets,
        }
    }
}
